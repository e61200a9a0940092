//! Code generation for validated attributes.
//!
//! Every annotated function keeps its attributes, visibility and signature; only its body
//! changes. The body registers a static `Item` in the link-time registry and calls into
//! `::iast::__private` around the original statements, which run unchanged:
//!
//! - a sink checks its arguments first, then runs the statements as they are;
//! - a source, sanitizer or validator needs the returned value, so the statements run inside
//!   an immediately called `move` closure (sync) or an awaited `async move` block (async),
//!   where `return` and `?` still leave the original body with the original value.

use crate::parse::{Body, ImplEntry, ItemFn, ItemImplBlock, Kind};
use crate::validate::Plan;
use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::visit_mut::VisitMut;
use syn::{Ident, ReturnType, Type, token};

/// The function with every plan applied, the first (outermost) attribute's code innermost,
/// as if each attribute had expanded on its own. `owner` is the type of the impl block under
/// `#[iast::methods]`.
pub fn function(func: &ItemFn, plans: &[Plan], owner: Option<&str>) -> TokenStream {
    let Body::Block {
        inner_attrs,
        stmts,
        braces,
    } = &func.body
    else {
        unreachable!("validation rejects a function without a body");
    };
    let name = match owner {
        Some(owner) => format!("{owner}::{}", func.sig.ident.unraw()),
        None => func.sig.ident.unraw().to_string(),
    };
    let mut body = stmts.clone();
    for plan in plans {
        body = layer(func, plan, &name, body, braces);
    }

    let attrs = &func.attrs;
    let vis = &func.vis;
    let sig = &func.sig;
    // A sink reads `Location::caller()`: the application's line that called it, through any
    // wrappers that are `#[track_caller]` too. The attribute does nothing on an `async fn`
    // (and warns), and needs the Rust ABI.
    let track = plans.iter().any(|p| matches!(p.kind, Kind::Sink))
        && tracks_caller(sig)
        && !attrs.iter().any(|a| a.path().is_ident("track_caller"));
    let track = track.then(|| quote!(#[track_caller]));
    let mut out = quote!(#(#attrs)* #track #vis #sig);
    braces.surround(&mut out, |out| {
        out.extend(inner_attrs.iter().map(ToTokens::to_token_stream));
        out.extend(body);
    });
    out
}

/// The function without instrumentation (the `enabled` feature off): as written, but for one
/// borrow of each parameter a sink checks or a validator approves, and of a source's
/// `name = param`, first in its body.
///
/// The instrumented body reads those parameters. Without the borrow, a parameter that only
/// the attribute reads (a sink whose own body does nothing) would be unused in this build
/// alone and warn there. The borrow does nothing else: it moves nothing, and the statements
/// run as written.
pub fn uninstrumented(func: &ItemFn, plans: &[Plan]) -> TokenStream {
    let Body::Block {
        inner_attrs,
        stmts,
        braces,
    } = &func.body
    else {
        unreachable!("validation rejects a function without a body");
    };
    let mut seen = Vec::new();
    let mut uses = TokenStream::new();
    for param in plans.iter().flat_map(|plan| &plan.checked) {
        if seen.contains(&&param.ident) {
            continue;
        }
        seen.push(&param.ident);
        let ident = &param.ident;
        let cfgs = &param.cfgs;
        uses.extend(quote!(#(#cfgs)* let _ = &#ident;));
    }
    for ident in plans.iter().filter_map(|plan| plan.name.as_ref()) {
        if !seen.contains(&ident) {
            seen.push(ident);
            uses.extend(quote!(let _ = &#ident;));
        }
    }

    let attrs = &func.attrs;
    if uses.is_empty() {
        let rest = &func.rest;
        return quote!(#(#attrs)* #rest);
    }
    let vis = &func.vis;
    let sig = &func.sig;
    let mut out = quote!(#(#attrs)* #vis #sig);
    braces.surround(&mut out, |out| {
        out.extend(inner_attrs.iter().map(ToTokens::to_token_stream));
        out.extend(uses);
        out.extend(stmts.clone());
    });
    out
}

/// The impl block with the plans of each item applied (`plans[i]` for the i-th item; an item
/// without plans is emitted as written, less its iast attributes). Without `instrument`, each
/// function is only made [`uninstrumented`].
pub fn impl_block(block: &ItemImplBlock, plans: &[Vec<Plan>], instrument: bool) -> TokenStream {
    let owner = owner_name(&block.parsed.self_ty);
    let mut items = TokenStream::new();
    for (i, item) in block.items.iter().enumerate() {
        match (item, plans.get(i)) {
            (ImplEntry::Fn { func, .. }, Some(plans)) if !plans.is_empty() => {
                items.extend(if instrument {
                    function(func, plans, Some(&owner))
                } else {
                    uninstrumented(func, plans)
                });
            }
            _ => item.to_tokens(&mut items),
        }
    }
    let header = &block.header;
    let inner_attrs = &block.inner_attrs;
    let mut out = quote!(#header);
    block.braces.surround(&mut out, |out| {
        out.extend(quote!(#(#inner_attrs)*));
        out.extend(items);
    });
    out
}

/// Whether the parameter bound as `ident` is declared with a shared-reference type (`&str`,
/// `&String`): such a parameter is `Copy` and outlives the statements that use it.
fn shared_reference(func: &ItemFn, ident: &Ident) -> bool {
    func.sig.inputs.iter().any(|input| match input {
        syn::FnArg::Typed(t) => {
            matches!(&*t.pat, syn::Pat::Ident(p) if p.ident == *ident && p.by_ref.is_none() && p.mutability.is_none())
                && matches!(&*t.ty, Type::Reference(r) if r.mutability.is_none())
        }
        syn::FnArg::Receiver(_) => false,
    })
}

/// Whether `#[track_caller]` works on the function: not on `async fn`, and only with the
/// Rust ABI.
fn tracks_caller(sig: &syn::Signature) -> bool {
    let rust_abi = match &sig.abi {
        None => true,
        Some(abi) => abi.name.as_ref().is_some_and(|n| n.value() == "Rust"),
    };
    sig.asyncness.is_none() && rust_abi
}

/// `Db` for `impl Db`, `impl<T> Db<T>` and `impl Trait for Db`: the type's path without
/// generics. A type that is no path (`[u8]`, a tuple) is written out.
fn owner_name(ty: &Type) -> String {
    match ty {
        Type::Path(p) if p.qself.is_none() => p
            .path
            .segments
            .iter()
            .map(|s| s.ident.unraw().to_string())
            .collect::<Vec<_>>()
            .join("::"),
        Type::Reference(r) => owner_name(&r.elem),
        Type::Paren(p) => owner_name(&p.elem),
        Type::Group(g) => owner_name(&g.elem),
        other => compact(&other.to_token_stream().to_string()),
    }
}

/// Token text without the spaces the printer puts between tokens, except those that keep
/// two words apart (`dyn Trait`).
fn compact(text: &str) -> String {
    let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c == ' ' && !(word(out.chars().last()) && word(chars.get(i + 1).copied())) {
            continue;
        }
        out.push(c);
    }
    out
}

/// Generated locals are hygienic (`mixed_site`): the original statements cannot see them,
/// and two attributes on one function cannot clash.
fn local(name: &str) -> Ident {
    Ident::new(name, Span::mixed_site())
}

fn layer(
    func: &ItemFn,
    plan: &Plan,
    name: &str,
    stmts: TokenStream,
    braces: &token::Brace,
) -> TokenStream {
    let registration = registration(func, plan, name);
    match plan.kind {
        Kind::Sink => {
            let call = local("__iast_call");
            let visits = visits(&call, plan, true);
            let caller = if tracks_caller(&func.sig) {
                quote!(::core::option::Option::Some(
                    ::core::panic::Location::caller()
                ))
            } else {
                quote!(::core::option::Option::None)
            };
            // The check runs before the statements, which stay where they were: no closure,
            // so nothing about the body changes. In an `async fn` this is the first poll,
            // when the caller's context is current.
            quote! {
                {
                    #registration
                    if ::iast::__private::active() {
                        ::iast::__private::sink(&__IAST_ITEM, #caller, |#call| {
                            #[allow(unused_imports)]
                            use ::iast::__private::visit::*;
                            #visits
                        });
                    } else {
                        ::iast::__private::sink_outside_context(&__IAST_ITEM);
                    }
                }
                #stmts
            }
        }
        Kind::Source | Kind::Sanitizer => {
            let ret = local("__iast_ret");
            let rec = local("__iast_rec");
            let name = local("__iast_name");
            let visit = quote! {
                |#rec| {
                    #[allow(unused_imports)]
                    use ::iast::__private::visit::*;
                    (&&&&&&::iast::__private::visit::Arg(&#ret)).__iast_visit(#rec);
                }
            };
            // A shared reference is copied into the statements, so it is still there after
            // them and is read then, without a copy of its text; any other parameter may be
            // consumed, so its text is taken before they run.
            let by_ref = plan
                .name
                .as_ref()
                .is_some_and(|n| shared_reference(func, n));
            let (take_name, record) = match (plan.kind, &plan.name) {
                (Kind::Source, Some(param)) if by_ref => (
                    quote!(),
                    quote! {
                        {
                            #[allow(unused_imports)]
                            use ::iast::__private::{NameViaDisplay as _, NameViaStr as _};
                            let #name = (&&::iast::__private::Name(#param)).__iast_name();
                            ::iast::__private::source_named(
                                &__IAST_ITEM, ::core::option::Option::Some(&*#name), &#ret, #visit)
                        }
                    },
                ),
                (Kind::Source, Some(param)) => (
                    quote! {
                        let #name = ::iast::__private::source_name(&#param);
                    },
                    quote! {
                        ::iast::__private::source_named(
                            &__IAST_ITEM, #name.as_deref(), &#ret, #visit)
                    },
                ),
                (Kind::Source, None) => (
                    quote!(),
                    quote!(::iast::__private::source(&__IAST_ITEM, &#ret, #visit)),
                ),
                _ => {
                    // The arguments are scanned before the statements run (they may consume
                    // them): the output carries the taint of its input for the classes the
                    // sanitizer does not cover.
                    let input = local("__iast_input");
                    let scan = local("__iast_scan");
                    let visits = visits(&scan, plan, false);
                    (
                        quote! {
                            let #input = if ::iast::__private::active() {
                                ::iast::__private::sanitizer_input(|#scan| {
                                    #[allow(unused_imports)]
                                    use ::iast::__private::visit::*;
                                    #visits
                                })
                            } else {
                                ::core::option::Option::None
                            };
                        },
                        quote!(::iast::__private::sanitizer(&__IAST_ITEM, #input, &#ret, #visit)),
                    )
                }
            };
            let run = run(func, stmts, braces);
            if plan.kind == Kind::Source {
                // In a probe run the value's string leaves are varied before they are
                // recorded (see `iast::probe`).
                let choose = local("__iast_choose");
                return quote! {
                    #take_name
                    #[allow(unused_mut)]
                    let mut #ret = #run;
                    {
                        #registration
                        if ::iast::__private::active() {
                            if ::iast::__private::varying() {
                                ::iast::__private::vary(&__IAST_ITEM, |#choose| {
                                    #[allow(unused_imports)]
                                    use ::iast::__private::vary::*;
                                    (&&&::iast::__private::vary::Vary::new(&mut #ret))
                                        .__iast_vary(#choose)
                                });
                            }
                            #record;
                        }
                    }
                    #ret
                };
            }
            quote! {
                #take_name
                let #ret = #run;
                {
                    #registration
                    if ::iast::__private::active() {
                        #record;
                    }
                }
                #ret
            }
        }
        Kind::Validator => {
            let args = local("__iast_args");
            let ret = local("__iast_ret");
            let val = local("__iast_val");
            let visits = visits(&val, plan, false);
            let run = run(func, stmts, braces);
            // Through the declared return type, so that a type that is no `Verdict` is
            // reported on it.
            let approved = match &func.sig.output {
                ReturnType::Type(_, ty) => {
                    let ty = erase_impl_trait(ty);
                    quote_spanned!(ty.span()=>
                        <#ty as ::iast::__private::visit::Verdict>::approved(&#ret))
                }
                ReturnType::Default => quote!(::iast::__private::visit::Verdict::approved(&#ret)),
            };
            // The arguments are copied before the statements run: they may consume them.
            quote! {
                let #args = {
                    #registration
                    if ::iast::__private::active() {
                        ::iast::__private::validator_args(&__IAST_ITEM, |#val| {
                            #[allow(unused_imports)]
                            use ::iast::__private::visit::*;
                            #visits
                        })
                    } else {
                        ::core::option::Option::None
                    }
                };
                let #ret = #run;
                ::iast::__private::validator_verdict(#args, #approved);
                #ret
            }
        }
    }
}

/// The static `Item` of this function in the link-time registry.
fn registration(func: &ItemFn, plan: &Plan, name: &str) -> TokenStream {
    let private = quote!(::iast::__private);
    let classes = plan.classes.iter().map(|v| format_ident!("{v}"));
    let classes = quote!(#private::ClassSet::of(&[#(#private::Vulnerability::#classes),*]));
    let kind = match plan.kind {
        Kind::Source => {
            let origin = match &plan.origin {
                Some(origin) => quote!(::core::option::Option::Some(#origin)),
                None => quote!(::core::option::Option::None),
            };
            let strict = plan.strict;
            quote!(#private::ItemKind::Source { origin: #origin, strict: #strict })
        }
        Kind::Sink => {
            let args = &plan.args;
            let serialized = plan.serialized;
            quote!(#private::ItemKind::Sink {
                classes: #classes,
                args: &[#(#args),*],
                serialized: #serialized,
            })
        }
        Kind::Sanitizer => quote!(#private::ItemKind::Sanitizer { classes: #classes }),
        Kind::Validator => quote!(#private::ItemKind::Validator { classes: #classes }),
    };
    // Spanned on the function's name: `line!()` and `file!()` give where it is declared.
    let at = func.sig.ident.span();
    let file = quote_spanned!(at=> ::core::file!());
    let line = quote_spanned!(at=> ::core::line!());
    quote! {
        #[#private::linkme::distributed_slice(#private::ITEMS)]
        #[linkme(crate = #private::linkme)]
        static __IAST_ITEM: #private::Item = #private::item(
            #kind,
            ::core::concat!(::core::module_path!(), "::", #name),
            #file,
            #line,
            ::core::env!("CARGO_PKG_NAME"),
            ::core::env!("CARGO_MANIFEST_DIR"),
        );
    }
}

/// Visits each checked parameter, after naming it when `named` (a sink's findings name the
/// argument; a validator's approval covers all of them alike); which visit applies to its
/// type is decided by the compiler (see `iast_core::visit`), so any parameter type compiles.
fn visits(visitor: &Ident, plan: &Plan, named: bool) -> TokenStream {
    let visits = plan.checked.iter().map(|param| {
        let name = &param.name;
        let ident = &param.ident;
        let cfgs = &param.cfgs;
        let arg = named.then(|| quote!(#visitor.arg(#name);));
        quote! {
            #(#cfgs)*
            {
                #arg
                (&&&&&&::iast::__private::visit::Arg(&#ident)).__iast_visit(#visitor);
            }
        }
    });
    quote!(#(#visits)*)
}

/// An expression that runs the statements and gives their value, with `return` and `?`
/// leaving only them.
fn run(func: &ItemFn, stmts: TokenStream, braces: &token::Brace) -> TokenStream {
    // The statements get the original braces back, so a type error on the tail is reported
    // at the body as before, and rustc's `unused_braces` sees no extra pair.
    let mut block = TokenStream::new();
    braces.surround(&mut block, |block| {
        block.extend(return_hint(&func.sig.output));
        block.extend(stmts);
    });
    if func.sig.asyncness.is_some() {
        quote!(async move #block.await)
    } else {
        // Through a function taking `FnOnce`, not `(move || ..)()`: only then is the closure
        // `FnOnce`, which lets a body return a borrow of a captured `&mut self`.
        let run = local("__iast_run");
        quote! {
            {
                #[inline(always)]
                fn #run<R>(f: impl ::core::ops::FnOnce() -> R) -> R {
                    f()
                }
                #run(move || #block)
            }
        }
    }
}

/// An unreachable `return` of the declared type, first in the closure or async block, so the
/// block's type is known before its statements are checked: `?` converts into it and
/// `Default::default()` infers from it, as in the original body. Elided lifetimes are fine
/// in a `let`; `impl Trait` is not, and becomes `_`.
fn return_hint(output: &ReturnType) -> TokenStream {
    let ReturnType::Type(_, ty) = output else {
        return TokenStream::new();
    };
    let ty = erase_impl_trait(ty);
    if matches!(ty, Type::Infer(_)) {
        return TokenStream::new();
    }
    // Spanned on the type, not hygienic: the note "return type inferred to be ... here" of
    // a type error in the body then points at the declared type. The name is seen only
    // inside this block.
    let hint = Ident::new("__iast_hint", ty.span());
    quote_spanned! {ty.span()=>
        #[allow(
            unreachable_code,
            clippy::diverging_sub_expression,
            clippy::empty_loop,
            clippy::infinite_loop,
            clippy::let_unit_value,
            clippy::needless_return
        )]
        if false {
            let #hint: #ty = loop {};
            return #hint;
        }
    }
}

fn erase_impl_trait(ty: &Type) -> Type {
    let mut ty = ty.clone();
    EraseImplTrait.visit_type_mut(&mut ty);
    ty
}

struct EraseImplTrait;

impl VisitMut for EraseImplTrait {
    fn visit_type_mut(&mut self, ty: &mut Type) {
        if let Type::ImplTrait(impl_trait) = ty {
            *ty = Type::Infer(syn::TypeInfer {
                attrs: Vec::new(),
                underscore_token: syn::Token![_](impl_trait.impl_token.span),
            });
        } else {
            syn::visit_mut::visit_type_mut(self, ty);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owner(ty: TokenStream) -> String {
        owner_name(&syn::parse2(ty).unwrap())
    }

    #[test]
    fn owner_is_the_type_path_without_generics() {
        assert_eq!(owner(quote!(Db)), "Db");
        assert_eq!(owner(quote!(Wrapper<T>)), "Wrapper");
        assert_eq!(owner(quote!(crate::db::Pool<'a, T>)), "crate::db::Pool");
        assert_eq!(owner(quote!(&'a mut r#Type)), "Type");
        assert_eq!(owner(quote!([u8])), "[u8]");
        assert_eq!(owner(quote!(dyn Store + Send)), "dyn Store+Send");
    }
}
