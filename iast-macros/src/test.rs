//! `#[iast::test]`: a test whose body runs under `iast::probe` and fails with the findings.
//!
//! Parsed with the function attributes' `ItemFn` (the body kept as tokens), checked (no
//! arguments, a body, and for an `async fn` the runtime's own test attribute below this one),
//! then written out:
//!
//! ```text
//! #[test]
//! fn t() -> R {
//!     let (out, report) = ::iast::probe_with_output(|| -> R { <body> });
//!     ::iast::assert_no_findings!(report);
//!     out
//! }
//! ```
//!
//! and for `#[iast::test] #[tokio::test] async fn t()` the same with `probe_async_with_output`
//! and an async block. Without instrumentation (the `enabled` feature off) the body runs once,
//! as an ordinary test.

use crate::parse::{Body, ItemFn};
use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Ident, ReturnType};

/// Expands `#[iast::test]` on `item`, or says what is wrong with it.
pub fn expand(args: TokenStream, item: TokenStream, enabled: bool) -> syn::Result<TokenStream> {
    use syn::parse::Parser;
    if let Some(first) = args.into_iter().next() {
        return Err(syn::Error::new(
            first.span(),
            "#[iast::test] takes no arguments",
        ));
    }
    let func =
        (|input: syn::parse::ParseStream| ItemFn::parse(input, "#[iast::test]")).parse2(item)?;
    let Body::Block {
        inner_attrs,
        stmts,
        braces,
    } = &func.body
    else {
        return Err(syn::Error::new(
            func.sig.span(),
            "#[iast::test] needs a function with a body",
        ));
    };
    if let Some(param) = func.sig.inputs.first() {
        return Err(syn::Error::new(param.span(), "a test takes no parameters"));
    }
    // The runtime's attribute (`#[tokio::test]`) or `#[test]` itself, already there.
    let has_test = func
        .attrs
        .iter()
        .any(|a| a.path().segments.last().is_some_and(|s| s.ident == "test"));
    let asyncness = func.sig.asyncness;
    if let (Some(token), false) = (asyncness, has_test) {
        return Err(syn::Error::new(
            token.span(),
            "#[iast::test] on an `async fn` needs the runtime's test attribute below it, \
             such as #[tokio::test]",
        ));
    }
    let attrs = &func.attrs;
    let vis = &func.vis;
    let sig = &func.sig;
    let test = (!has_test).then(|| quote!(#[test]));
    let body = {
        let mut group = proc_macro2::Group::new(proc_macro2::Delimiter::Brace, stmts.clone());
        group.set_span(braces.span.join());
        group
    };
    if !enabled {
        return Ok(quote! {
            #(#attrs)*
            #test
            #vis #sig {
                #(#inner_attrs)*
                #body
            }
        });
    }
    let out = Ident::new("__iast_out", Span::mixed_site());
    let report = Ident::new("__iast_report", Span::mixed_site());
    let run = match (&sig.output, asyncness) {
        (ReturnType::Type(_, ty), None) => quote!(::iast::probe_with_output(|| -> #ty #body)),
        (ReturnType::Default, None) => quote!(::iast::probe_with_output(|| #body)),
        // The async block's output is the declared type through the `let`, so that `?` in the
        // body knows what it converts into.
        (ReturnType::Type(_, ty), Some(_)) => quote_spanned! {ty.span()=>
            ::iast::probe_async_with_output(|| async {
                let #out: #ty = async #body.await;
                #out
            })
            .await
        },
        (ReturnType::Default, Some(_)) => {
            quote!(::iast::probe_async_with_output(|| async #body).await)
        }
    };
    let name = sig.ident.to_string();
    Ok(quote! {
        #(#attrs)*
        #test
        #vis #sig {
            #(#inner_attrs)*
            let (#out, #report) = #run;
            ::iast::__private::assert_no_findings(&#report, #name, ::iast::__private::ENABLED);
            #out
        }
    })
}
