//! Syntax: the attribute's arguments and the annotated item, read as written.
//!
//! Only the signature of a function is parsed. Its body stays raw tokens, so that a syntax
//! or type error inside it is reported by rustc at its own place, exactly as without the
//! attribute, and so that syntax newer than this crate's parser still passes through.

use proc_macro2::{Delimiter, TokenStream};
use quote::ToTokens;
use syn::buffer::Cursor;
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Abi, Attribute, Expr, Ident, ItemImpl, Signature, Token, Visibility, token};

/// The four function attributes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Source,
    Sink,
    Sanitizer,
    Validator,
}

impl Kind {
    /// The attribute an attribute path names: `iast::sink` or `::iast::sink`. Inside
    /// `#[iast::methods]` only these spellings are recognised; another attribute of the same
    /// last name may belong to another crate.
    pub fn of_path(path: &syn::Path) -> Option<Kind> {
        let segments: Vec<_> = path.segments.iter().collect();
        let [krate, name] = segments[..] else {
            return None;
        };
        if krate.ident != "iast" || !krate.arguments.is_none() || !name.arguments.is_none() {
            return None;
        }
        match name.ident.to_string().as_str() {
            "source" => Some(Kind::Source),
            "sink" => Some(Kind::Sink),
            "sanitizer" => Some(Kind::Sanitizer),
            "validator" => Some(Kind::Validator),
            _ => None,
        }
    }

    pub fn attr(self) -> &'static str {
        match self {
            Kind::Source => "#[iast::source]",
            Kind::Sink => "#[iast::sink]",
            Kind::Sanitizer => "#[iast::sanitizer]",
            Kind::Validator => "#[iast::validator]",
        }
    }
}

/// One entry of an attribute's argument list.
pub enum Entry {
    /// `sql`
    Word(Ident),
    /// `origin = "http.parameter"`
    Value { key: Ident, value: Expr },
    /// `args(program, argv)`
    List {
        key: Ident,
        items: Punctuated<Ident, Token![,]>,
    },
}

/// Parses `sql, xss`, `command, args(program)` or `origin = "..."`. Which entries an
/// attribute accepts is decided in `validate`, where the messages can name the attribute.
pub fn args(tokens: TokenStream) -> syn::Result<Vec<Entry>> {
    let parser = |input: ParseStream| {
        Punctuated::<Entry, Token![,]>::parse_terminated_with(input, parse_entry)
    };
    Ok(parser.parse2(tokens)?.into_iter().collect())
}

fn parse_entry(input: ParseStream) -> syn::Result<Entry> {
    // `parse_any` so that `args(self)` is read like any other name.
    let key = input.call(Ident::parse_any)?;
    if input.peek(Token![=]) {
        input.parse::<Token![=]>()?;
        let value = input.parse()?;
        Ok(Entry::Value { key, value })
    } else if input.peek(token::Paren) {
        let content;
        syn::parenthesized!(content in input);
        let items = content.parse_terminated(Ident::parse_any, Token![,])?;
        Ok(Entry::List { key, items })
    } else {
        Ok(Entry::Word(key))
    }
}

/// A function item, with its body unparsed.
pub struct ItemFn {
    pub attrs: Vec<Attribute>,
    pub vis: Visibility,
    pub sig: Signature,
    pub body: Body,
    /// The item after its outer attributes, exactly as written.
    pub rest: TokenStream,
}

pub enum Body {
    Block {
        /// The `#![...]` attributes that open the body. They move to the start of the
        /// generated body: the closure or async block that runs the original statements
        /// cannot carry them.
        inner_attrs: Vec<Attribute>,
        /// The statements after the inner attributes, as written.
        stmts: TokenStream,
        /// The braces, reused for the generated body so that errors about the body as a
        /// whole (a wrong tail expression type) point where they did.
        braces: token::Brace,
    },
    /// `fn f();`, in a trait or an `extern` block.
    Missing(Token![;]),
}

impl ItemFn {
    /// Parses one function item. `what` names the attribute for the messages.
    pub fn parse(input: ParseStream, what: &str) -> syn::Result<ItemFn> {
        let attrs = input.call(Attribute::parse_outer)?;
        let begin = input.cursor();
        let vis: Visibility = input.parse()?;
        if !peek_fn(input) {
            return Err(syn::Error::new(
                input.span(),
                format!("{what} can only be applied to a function"),
            ));
        }
        let sig: Signature = input.parse()?;
        let body = if let Some(semi) = input.parse::<Option<Token![;]>>()? {
            Body::Missing(semi)
        } else {
            let content;
            let braces = syn::braced!(content in input);
            let inner_attrs = content.call(Attribute::parse_inner)?;
            let stmts = content.parse()?;
            Body::Block {
                inner_attrs,
                stmts,
                braces,
            }
        };
        let rest = between(begin, input.cursor());
        Ok(ItemFn {
            attrs,
            vis,
            sig,
            body,
            rest,
        })
    }
}

/// Whether a function signature starts here: `const`, `async`, `unsafe`, `extern "C"`, `fn`.
fn peek_fn(input: ParseStream) -> bool {
    let fork = input.fork();
    fork.parse::<Option<Token![const]>>().is_ok()
        && fork.parse::<Option<Token![async]>>().is_ok()
        && fork.parse::<Option<Token![unsafe]>>().is_ok()
        && fork.parse::<Option<Abi>>().is_ok()
        && fork.peek(Token![fn])
}

/// The tokens from `begin` up to `end`, two positions in the same stream.
fn between(begin: Cursor, end: Cursor) -> TokenStream {
    let mut tokens = TokenStream::new();
    let mut cursor = begin;
    while cursor != end {
        match cursor.token_tree() {
            Some((tree, next)) => {
                tokens.extend([tree]);
                cursor = next;
            }
            None => break,
        }
    }
    tokens
}

/// An `impl` block under `#[iast::methods]`.
pub struct ItemImplBlock {
    /// The block's header up to its braces, as written: `impl<T> Trait for Type<T> where ...`,
    /// with the block's outer attributes.
    pub header: TokenStream,
    /// The header parsed, for the self type.
    pub parsed: ItemImpl,
    pub inner_attrs: Vec<Attribute>,
    pub items: Vec<ImplEntry>,
    pub braces: token::Brace,
}

/// One item of an impl block, its iast attributes apart from the others.
pub enum ImplEntry {
    Fn {
        func: Box<ItemFn>,
        iast: Vec<(Kind, Attribute)>,
    },
    /// An associated const, type or macro call, as written. An iast attribute on it is a
    /// misuse, reported in `validate`.
    Other {
        attrs: Vec<Attribute>,
        iast: Vec<(Kind, Attribute)>,
        rest: TokenStream,
    },
}

impl ItemImplBlock {
    pub fn parse(input: ParseStream) -> syn::Result<ItemImplBlock> {
        let begin = input.cursor();
        let fork = input.fork();
        fork.call(Attribute::parse_outer)?;
        fork.parse::<Option<Token![default]>>()?;
        fork.parse::<Option<Token![unsafe]>>()?;
        if !fork.peek(Token![impl]) {
            fork.parse::<Visibility>()?;
            return Err(syn::Error::new(
                fork.span(),
                "#[iast::methods] can only be applied to an impl block",
            ));
        }
        // The header ends at the block's braces, the last token tree of the item. Anything
        // before it is parsed by syn with an empty body, which leaves the methods unparsed.
        let mut trees: Vec<_> = input.parse::<TokenStream>()?.into_iter().collect();
        let body = match trees.pop() {
            Some(proc_macro2::TokenTree::Group(g)) if g.delimiter() == Delimiter::Brace => g,
            _ => return Err(syn::Error::new(begin.span(), "expected an impl block")),
        };
        let header: TokenStream = trees.into_iter().collect();
        let parsed: ItemImpl = syn::parse2(quote::quote!(#header {}))?;
        let (inner_attrs, items) = parse_impl_items.parse2(body.stream())?;
        Ok(ItemImplBlock {
            header,
            parsed,
            inner_attrs,
            items,
            braces: token::Brace(body.delim_span()),
        })
    }
}

fn parse_impl_items(input: ParseStream) -> syn::Result<(Vec<Attribute>, Vec<ImplEntry>)> {
    let inner_attrs = input.call(Attribute::parse_inner)?;
    let mut items = Vec::new();
    while !input.is_empty() {
        let fork = input.fork();
        fork.call(Attribute::parse_outer)?;
        fork.parse::<Visibility>()?;
        if peek_fn(&fork) {
            let mut func = ItemFn::parse(input, "")?;
            let iast = take_iast_attrs(&mut func.attrs);
            items.push(ImplEntry::Fn {
                func: Box::new(func),
                iast,
            });
        } else {
            let mut attrs = input.call(Attribute::parse_outer)?;
            let iast = take_iast_attrs(&mut attrs);
            let begin = input.cursor();
            // Consts, types and macro calls hold no function body, so parsing them is safe.
            input.parse::<syn::ImplItem>()?;
            items.push(ImplEntry::Other {
                attrs,
                iast,
                rest: between(begin, input.cursor()),
            });
        }
    }
    Ok((inner_attrs, items))
}

fn take_iast_attrs(attrs: &mut Vec<Attribute>) -> Vec<(Kind, Attribute)> {
    let mut iast = Vec::new();
    attrs.retain(|attr| match Kind::of_path(attr.path()) {
        Some(kind) => {
            iast.push((kind, attr.clone()));
            false
        }
        None => true,
    });
    iast
}

impl ToTokens for ImplEntry {
    /// The item as written, less its iast attributes.
    fn to_tokens(&self, tokens: &mut TokenStream) {
        let (attrs, rest) = match self {
            ImplEntry::Fn { func, .. } => (&func.attrs, &func.rest),
            ImplEntry::Other { attrs, rest, .. } => (attrs, rest),
        };
        tokens.extend(attrs.iter().map(ToTokens::to_token_stream));
        tokens.extend(rest.clone());
    }
}
