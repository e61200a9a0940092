//! The attribute macros of [iast](https://docs.rs/iast): `#[iast::source]`,
//! `#[iast::sink]`, `#[iast::sanitizer]`, `#[iast::validator]` and `#[iast::methods]`.
//!
//! Use them through the `iast` crate, which documents them; the generated code refers to
//! `::iast::__private`.
//!
//! Each attribute is read in three steps: `parse` reads the arguments and the signature
//! (leaving the body as tokens), `validate` checks them and reports every misuse on the
//! offending token, and `expand` writes the instrumented function. Validation runs with or
//! without the `enabled` feature, so code that builds without instrumentation also builds
//! with it.
//!
//! Without `enabled` the function is kept as written, with one addition: a sink or validator
//! borrows the parameters it checks first in its body (`let _ = &sql;`), as the instrumented
//! body reads them, so that a parameter only the attribute reads warns in neither build.

#![warn(missing_docs)]

mod expand;
mod parse;
mod test;
mod validate;

use parse::{ItemFn, ItemImplBlock, Kind};
use proc_macro::TokenStream;
use proc_macro2::TokenStream as TokenStream2;
use syn::parse::Parser;
use validate::Site;

const ENABLED: bool = cfg!(feature = "enabled");

/// Marks a function whose return value is untrusted. See the `iast` crate.
#[proc_macro_attribute]
pub fn source(args: TokenStream, item: TokenStream) -> TokenStream {
    function(Kind::Source, args.into(), item.into()).into()
}

/// Marks a function whose arguments must not carry untrusted data. See the `iast` crate.
#[proc_macro_attribute]
pub fn sink(args: TokenStream, item: TokenStream) -> TokenStream {
    function(Kind::Sink, args.into(), item.into()).into()
}

/// Marks a function whose return value is safe for some classes. See the `iast` crate.
#[proc_macro_attribute]
pub fn sanitizer(args: TokenStream, item: TokenStream) -> TokenStream {
    function(Kind::Sanitizer, args.into(), item.into()).into()
}

/// Marks a function that approves its arguments for some classes. See the `iast` crate.
#[proc_macro_attribute]
pub fn validator(args: TokenStream, item: TokenStream) -> TokenStream {
    function(Kind::Validator, args.into(), item.into()).into()
}

/// A test whose body runs under `iast::probe` and fails with the findings. See the `iast`
/// crate.
#[proc_macro_attribute]
pub fn test(args: TokenStream, item: TokenStream) -> TokenStream {
    let item: TokenStream2 = item.into();
    match test::expand(args.into(), item.clone(), ENABLED) {
        Ok(tokens) => tokens.into(),
        Err(error) => with_item(error, item).into(),
    }
}

/// On an `impl` block: expands the iast attributes of its methods, naming them
/// `Type::method`. See the `iast` crate.
#[proc_macro_attribute]
pub fn methods(args: TokenStream, item: TokenStream) -> TokenStream {
    impl_block(args.into(), item.into()).into()
}

fn function(kind: Kind, args: TokenStream2, item: TokenStream2) -> TokenStream2 {
    let what = kind.attr();
    let entries = parse::args(args);
    let func = (|input: syn::parse::ParseStream| ItemFn::parse(input, what)).parse2(item.clone());
    let plan = match (entries, func) {
        (Ok(entries), Ok(func)) => {
            validate::function(kind, &entries, &func, Site::CallSite).map(|plan| (plan, func))
        }
        (Err(mut a), Err(b)) => {
            a.combine(b);
            Err(a)
        }
        (Err(e), _) | (_, Err(e)) => Err(e),
    };
    match plan {
        Ok((plan, func)) if ENABLED => expand::function(&func, &[plan], None),
        Ok((plan, func)) => expand::uninstrumented(&func, &[plan]),
        Err(error) => with_item(error, item),
    }
}

fn impl_block(args: TokenStream2, item: TokenStream2) -> TokenStream2 {
    let block = match ItemImplBlock::parse.parse2(item.clone()) {
        Ok(block) => block,
        Err(error) => return with_item(error, item),
    };
    match validate::impl_block(args, &block) {
        // The iast attributes are taken off in every case: left on a method, they would
        // expand again on their own.
        Ok(plans) => expand::impl_block(&block, &plans, ENABLED),
        Err(error) => with_item(error, expand::impl_block(&block, &[], false)),
    }
}

/// The errors, then the item: kept, so that its users get no second error for a missing
/// function or type.
fn with_item(error: syn::Error, item: TokenStream2) -> TokenStream2 {
    let mut out = error.into_compile_error();
    out.extend(item);
    out
}

#[cfg(test)]
mod tests {
    // `test` here is this crate's attribute; the built-in one is named in full.
    use super::*;
    use core::prelude::v1::test;
    use quote::quote;

    #[test]
    fn misuse_is_reported_with_the_item_kept() {
        let item = quote!(
            fn f(sql: &str) -> usize {
                sql.len()
            }
        );
        let out = function(Kind::Sink, quote!(sqll, sql, sql), item.clone()).to_string();
        assert_eq!(out.matches("compile_error").count(), 2, "{out}");
        assert!(out.contains("did you mean `sql`"), "{out}");
        assert!(out.ends_with(&item.to_string()), "{out}");
    }

    #[test]
    fn methods_strip_or_expand_the_inner_attributes() {
        let out = impl_block(
            TokenStream2::new(),
            quote!(
                impl<T> Db<T> {
                    #[iast::sink(sql)]
                    #[inline]
                    fn run(&self, sql: &str) -> usize {
                        sql.len()
                    }
                    const N: usize = 1;
                    fn plain(&self) {}
                }
            ),
        )
        .to_string();
        assert!(!out.contains("iast :: sink"), "{out}");
        assert!(out.contains("# [inline]"), "{out}");
        assert!(out.contains("const N : usize = 1 ;"), "{out}");
        assert!(out.contains("fn plain (& self) { }"), "{out}");
        if ENABLED {
            assert!(out.contains(r#""::" , "Db::run""#), "{out}");
        } else {
            assert!(!out.contains("__IAST_ITEM"), "{out}");
            assert!(out.contains("let _ = & sql ;"), "{out}");
        }
    }

    #[test]
    fn uninstrumented_functions_only_borrow_what_they_check() {
        let plan = |kind, args, item| {
            let func = (|input: syn::parse::ParseStream| ItemFn::parse(input, "test"))
                .parse2(item)
                .unwrap();
            let entries = parse::args(args).unwrap();
            let plan = validate::function(kind, &entries, &func, Site::CallSite).unwrap();
            expand::uninstrumented(&func, &[plan]).to_string()
        };
        let out = plan(
            Kind::Sink,
            quote!(sql),
            quote!(
                #[inline]
                pub fn run(&self, #[cfg(unix)] a: &str, (b, _): (&str, u8), _c: &str) -> u8 {
                    #![allow(unused)]
                    0
                }
            ),
        );
        assert_eq!(
            out,
            quote!(
                #[inline]
                pub fn run(&self, #[cfg(unix)] a: &str, (b, _): (&str, u8), _c: &str) -> u8 {
                    #![allow(unused)]
                    #[cfg(unix)]
                    let _ = &a;
                    let _ = &b;
                    let _ = &_c;
                    0
                }
            )
            .to_string()
        );
        // Only the parameters named in `args(...)`.
        let out = plan(
            Kind::Sink,
            quote!(command, args(program)),
            quote!(
                fn run(program: &str, args: &[&str]) {}
            ),
        );
        assert_eq!(
            out,
            quote!(
                fn run(program: &str, args: &[&str]) {
                    let _ = &program;
                }
            )
            .to_string()
        );
        // A source checks nothing: the function is kept exactly.
        let item = quote!(
            fn input(name: &str) -> String {
                String::new()
            }
        );
        assert_eq!(plan(Kind::Source, quote!(), item.clone()), item.to_string());
    }
}
