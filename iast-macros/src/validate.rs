//! Meaning: which arguments each attribute accepts, the vulnerability classes, the checked
//! parameters, and the functions an attribute cannot instrument. Every error is spanned on
//! the offending token, and all the errors of one attribute are reported together.

use crate::parse::{Body, Entry, ImplEntry, ItemFn, ItemImplBlock, Kind};
use proc_macro2::Span;
use quote::ToTokens;
use syn::ext::IdentExt;
use syn::{Expr, FnArg, Ident, Lit, LitStr, Pat, ReturnType, Signature, Type};

/// The attribute words and the `Vulnerability` variants they name, in report order.
const CLASSES: [(&str, &str); 13] = [
    ("sql", "SqlInjection"),
    ("command", "CommandInjection"),
    ("path", "PathTraversal"),
    ("xss", "Xss"),
    ("ssrf", "Ssrf"),
    ("redirect", "OpenRedirect"),
    ("header", "HeaderInjection"),
    ("ldap", "LdapInjection"),
    ("xpath", "XpathInjection"),
    ("nosql", "NosqlInjection"),
    ("code", "CodeInjection"),
    ("log", "LogInjection"),
    ("weak_hash", "WeakHash"),
];

/// What to generate for one attribute on one function.
pub struct Plan {
    pub kind: Kind,
    /// `Vulnerability` variant names, in the order written.
    pub classes: Vec<&'static str>,
    pub origin: Option<LitStr>,
    /// A source's `name = param`: the parameter whose text names the returned value.
    pub name: Option<Ident>,
    /// A source's `strict`: its values count only whole and where they change structure.
    pub strict: bool,
    /// A sink's `serialized`: its argument is data the program serialized, in which only a
    /// change of structure is a finding.
    pub serialized: bool,
    /// The names given in `args(...)`; empty when every parameter is checked.
    pub args: Vec<String>,
    /// The parameters a sink checks or a validator approves, as bound in the signature.
    pub checked: Vec<Param>,
}

/// A name bound by the signature: `self`, or an identifier in a parameter's pattern.
pub struct Param {
    /// The name without `r#`, as the registry and reports show it.
    pub name: String,
    /// The binding as written, so that generated code referring to it resolves to it.
    pub ident: Ident,
    /// The `#[cfg(...)]` attributes of its parameter.
    pub cfgs: Vec<syn::Attribute>,
}

/// Where "the attribute" is, for errors about the attribute as a whole.
#[derive(Clone, Copy)]
pub enum Site<'a> {
    /// The attribute being expanded: the call site.
    CallSite,
    /// An attribute inside `#[iast::methods]`.
    Attr(&'a syn::Attribute),
}

impl Site<'_> {
    fn error(self, message: impl std::fmt::Display) -> syn::Error {
        match self {
            Site::CallSite => syn::Error::new(Span::call_site(), message),
            Site::Attr(attr) => syn::Error::new_spanned(attr, message),
        }
    }
}

/// Collects errors so that all of them are reported at once.
#[derive(Default)]
struct Errors(Option<syn::Error>);

impl Errors {
    fn push(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(first) => first.combine(error),
            None => self.0 = Some(error),
        }
    }

    fn finish<T>(self, value: T) -> syn::Result<T> {
        match self.0 {
            Some(error) => Err(error),
            None => Ok(value),
        }
    }
}

/// Checks one attribute, its arguments already parsed, against the function it is on.
pub fn function(kind: Kind, entries: &[Entry], func: &ItemFn, site: Site) -> syn::Result<Plan> {
    let mut errors = Errors::default();
    let sig = &func.sig;
    if let Some(constness) = &sig.constness {
        errors.push(syn::Error::new(
            constness.span,
            "cannot instrument a const fn: the generated code registers and checks at run time",
        ));
    }
    if let Body::Missing(semi) = &func.body {
        errors.push(syn::Error::new(
            semi.span,
            format!("{} needs a function with a body", kind.attr()),
        ));
    }

    let args = arguments(kind, entries, site, &mut errors);
    match kind {
        Kind::Source | Kind::Sanitizer => returns_value(kind, sig, &mut errors),
        Kind::Validator => returns_verdict(sig, &mut errors),
        Kind::Sink => {}
    }

    let params = params(sig);
    let name = args.name.as_ref().and_then(|name| {
        let found = params.iter().find(|p| p.ident.unraw() == name.unraw());
        if found.is_none() {
            errors.push(no_such_param(name, &params));
        }
        found.map(|p| p.ident.clone())
    });
    let checked = match (kind, &args.args) {
        (Kind::Sink, Some(named)) => named
            .iter()
            .filter_map(|name| {
                let found = params.iter().find(|p| p.ident.unraw() == name.unraw());
                if found.is_none() {
                    errors.push(no_such_param(name, &params));
                }
                found.map(|p| Param {
                    name: p.name.clone(),
                    ident: p.ident.clone(),
                    cfgs: p.cfgs.clone(),
                })
            })
            .collect(),
        (Kind::Sink | Kind::Validator | Kind::Sanitizer, _) => {
            params.into_iter().filter(|p| p.ident != "self").collect()
        }
        (Kind::Source, _) => Vec::new(),
    };

    errors.finish(Plan {
        kind,
        classes: args.classes,
        origin: args.origin,
        name,
        strict: args.strict,
        serialized: args.serialized,
        args: args
            .args
            .unwrap_or_default()
            .iter()
            .map(|i| i.unraw().to_string())
            .collect(),
        checked,
    })
}

struct Arguments {
    classes: Vec<&'static str>,
    origin: Option<LitStr>,
    name: Option<Ident>,
    strict: bool,
    serialized: bool,
    args: Option<Vec<Ident>>,
}

fn arguments(kind: Kind, entries: &[Entry], site: Site, errors: &mut Errors) -> Arguments {
    let mut out = Arguments {
        classes: Vec::new(),
        origin: None,
        name: None,
        strict: false,
        serialized: false,
        args: None,
    };
    let mut seen_class = false;
    let mut seen_words: Vec<String> = Vec::new();
    for entry in entries {
        match (kind, entry) {
            (Kind::Source, Entry::Value { key, value }) if key == "origin" => {
                if out.origin.is_some() {
                    errors.push(syn::Error::new(key.span(), "duplicate `origin`"));
                }
                match value {
                    Expr::Lit(syn::ExprLit {
                        lit: Lit::Str(s), ..
                    }) => out.origin = Some(s.clone()),
                    other => errors.push(syn::Error::new_spanned(
                        other,
                        "`origin` must be a string literal: origin = \"http.parameter\"",
                    )),
                }
            }
            (Kind::Source, Entry::Word(word)) if word == "strict" => {
                if out.strict {
                    errors.push(syn::Error::new(word.span(), "duplicate `strict`"));
                }
                out.strict = true;
            }
            (Kind::Source, Entry::Value { key, value }) if key == "name" => {
                if out.name.is_some() {
                    errors.push(syn::Error::new(key.span(), "duplicate `name`"));
                }
                match value {
                    Expr::Path(p) if p.qself.is_none() && p.path.get_ident().is_some() => {
                        out.name = p.path.get_ident().cloned();
                    }
                    other => errors.push(syn::Error::new_spanned(
                        other,
                        "`name` must name a parameter: name = header_name",
                    )),
                }
            }
            (
                Kind::Source,
                Entry::Word(key) | Entry::Value { key, .. } | Entry::List { key, .. },
            ) => {
                errors.push(syn::Error::new(
                    key.span(),
                    format!(
                        "unknown argument `{key}`: #[iast::source] takes `origin = \"...\"`, `name = param` and `strict`"
                    ),
                ));
            }
            (Kind::Sink, Entry::Word(word)) if word == "serialized" => {
                if out.serialized {
                    errors.push(syn::Error::new(word.span(), "duplicate `serialized`"));
                }
                out.serialized = true;
            }
            (_, Entry::Word(word)) if word == "serialized" => errors.push(syn::Error::new(
                word.span(),
                format!(
                    "`serialized` is accepted only by #[iast::sink]: it says that a sink's \
                     argument is data the program serialized, which {} has none of",
                    kind.attr()
                ),
            )),
            (_, Entry::Word(word)) => {
                seen_class = true;
                let text = word.unraw().to_string();
                if seen_words.contains(&text) {
                    errors.push(syn::Error::new(
                        word.span(),
                        format!("duplicate class `{text}`"),
                    ));
                    continue;
                }
                seen_words.push(text.clone());
                match CLASSES.iter().find(|(w, _)| *w == text) {
                    Some((_, variant)) => out.classes.push(variant),
                    None => errors.push(syn::Error::new(word.span(), unknown_class(&text))),
                }
            }
            (Kind::Sink, Entry::List { key, items }) if key == "args" => {
                if out.args.is_some() {
                    errors.push(syn::Error::new(key.span(), "duplicate `args(...)`"));
                    continue;
                }
                if items.is_empty() {
                    errors.push(syn::Error::new(
                        key.span(),
                        "`args(...)` needs at least one parameter name; without it every \
                         parameter is checked",
                    ));
                }
                let mut names: Vec<Ident> = Vec::new();
                for item in items {
                    if names.iter().any(|n| n.unraw() == item.unraw()) {
                        errors.push(syn::Error::new(
                            item.span(),
                            format!("duplicate parameter `{}`", item.unraw()),
                        ));
                    } else {
                        names.push(item.clone());
                    }
                }
                out.args = Some(names);
            }
            (_, Entry::List { key, .. }) if key == "args" => errors.push(syn::Error::new(
                key.span(),
                format!(
                    "`args(...)` is accepted only by #[iast::sink]: {} covers every string-like \
                     parameter",
                    kind.attr()
                ),
            )),
            (_, Entry::Value { key, .. } | Entry::List { key, .. }) => {
                let expected = if kind == Kind::Sink {
                    "vulnerability classes, `args(...)` and `serialized`"
                } else {
                    "vulnerability classes"
                };
                errors.push(syn::Error::new(
                    key.span(),
                    format!("unknown argument `{key}`: {} takes {expected}", kind.attr()),
                ));
            }
        }
    }
    if kind != Kind::Source && !seen_class {
        let example = match kind {
            Kind::Sink => "#[iast::sink(sql)]",
            Kind::Sanitizer => "#[iast::sanitizer(xss)]",
            _ => "#[iast::validator(path)]",
        };
        errors.push(site.error(format!(
            "{} needs at least one vulnerability class, e.g. {example}; the classes are {}",
            kind.attr(),
            class_list()
        )));
    }
    out
}

fn class_list() -> String {
    CLASSES
        .iter()
        .map(|(word, _)| format!("`{word}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The words of the classes the web layers find on responses without taint: known to
/// `iast.toml`, but no sink, sanitizer or validator has them.
const RESPONSE_CHECKS: [&str; 6] = [
    "insecure_cookie",
    "no_httponly_cookie",
    "no_samesite_cookie",
    "hsts_header_missing",
    "xcontenttype_header_missing",
    "stacktrace_leak",
];

fn unknown_class(word: &str) -> String {
    if RESPONSE_CHECKS.contains(&word) {
        return format!(
            "`{word}` is a check the web layers of iast-sinks make on every response, without \
             taint: no function is marked with it (switch it off in `iast.toml`); expected one \
             of {}",
            class_list()
        );
    }
    let closest = CLASSES
        .iter()
        .map(|(w, _)| (edit_distance(word, w), *w))
        .filter(|(d, w)| *d <= 2 && *d < w.len())
        .min();
    let hint = match closest {
        Some((_, w)) => format!(" (did you mean `{w}`?)"),
        None => String::new(),
    };
    format!(
        "unknown vulnerability class `{word}`{hint}; expected one of {}",
        class_list()
    )
}

/// Levenshtein distance, for "did you mean".
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != *cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    row[b.len()]
}

/// The returned value is what a source taints and a sanitizer marks safe.
fn returns_value(kind: Kind, sig: &Signature, errors: &mut Errors) {
    let what = if kind == Kind::Source {
        "a source must return a value: its return value is what becomes tainted"
    } else {
        "a sanitizer must return a value: its return value is what is marked safe"
    };
    match &sig.output {
        ReturnType::Default => errors.push(syn::Error::new(sig.ident.span(), what)),
        ReturnType::Type(_, ty) => {
            if matches!(strip(ty), Type::Tuple(t) if t.elems.is_empty())
                || matches!(strip(ty), Type::Never(_))
            {
                errors.push(syn::Error::new_spanned(ty, what));
            }
        }
    }
}

/// A validator returns `bool` or a `Result`; any path whose last segment is `bool` or ends
/// in `Result` is accepted here (`io::Result<()>`, an alias), and the compiler then requires
/// it to implement `Verdict`.
fn returns_verdict(sig: &Signature, errors: &mut Errors) {
    const WHAT: &str = "a validator must return `bool` or a `Result`: `true` or `Ok` approves \
                        its arguments";
    match &sig.output {
        ReturnType::Default => errors.push(syn::Error::new(sig.ident.span(), WHAT)),
        ReturnType::Type(_, ty) => {
            let fits = match strip(ty) {
                Type::Path(p) if p.qself.is_none() => p.path.segments.last().is_some_and(|s| {
                    let name = s.ident.to_string();
                    name == "bool" || name.ends_with("Result")
                }),
                _ => false,
            };
            if !fits {
                errors.push(syn::Error::new_spanned(ty, WHAT));
            }
        }
    }
}

fn strip(ty: &Type) -> &Type {
    match ty {
        Type::Paren(t) => strip(&t.elem),
        Type::Group(t) => strip(&t.elem),
        other => other,
    }
}

/// Every name the signature binds, `self` first.
fn params(sig: &Signature) -> Vec<Param> {
    let mut params = Vec::new();
    for input in &sig.inputs {
        let (attrs, mut idents) = match input {
            FnArg::Receiver(receiver) => (&receiver.attrs, vec![Ident::from(receiver.self_token)]),
            FnArg::Typed(typed) => {
                let mut idents = Vec::new();
                bindings(&typed.pat, &mut idents);
                (&typed.attrs, idents)
            }
        };
        // A parameter under `#[cfg(...)]` may not exist: its check is under the same cfg.
        let cfgs: Vec<_> = attrs
            .iter()
            .filter(|a| a.path().is_ident("cfg"))
            .cloned()
            .collect();
        params.extend(idents.drain(..).map(|ident| Param {
            name: ident.unraw().to_string(),
            ident,
            cfgs: cfgs.clone(),
        }));
    }
    params
}

fn bindings(pat: &Pat, out: &mut Vec<Ident>) {
    match pat {
        Pat::Ident(p) => {
            out.push(p.ident.clone());
            if let Some((_, sub)) = &p.subpat {
                bindings(sub, out);
            }
        }
        Pat::Tuple(p) => p.elems.iter().for_each(|p| bindings(p, out)),
        Pat::TupleStruct(p) => p.elems.iter().for_each(|p| bindings(p, out)),
        Pat::Slice(p) => p.elems.iter().for_each(|p| bindings(p, out)),
        Pat::Struct(p) => p.fields.iter().for_each(|f| bindings(&f.pat, out)),
        Pat::Reference(p) => bindings(&p.pat, out),
        Pat::Paren(p) => bindings(&p.pat, out),
        Pat::Type(p) => bindings(&p.pat, out),
        Pat::Guard(p) => bindings(&p.pat, out),
        // Every alternative binds the same names.
        Pat::Or(p) => {
            if let Some(first) = p.cases.first() {
                bindings(first, out);
            }
        }
        // `_`, `..`, literals, ranges, paths and macros bind nothing visible here.
        _ => {}
    }
}

fn no_such_param(name: &Ident, params: &[Param]) -> syn::Error {
    let list = if params.is_empty() {
        "it has no parameters".to_owned()
    } else {
        let names: Vec<_> = params.iter().map(|p| format!("`{}`", p.name)).collect();
        format!("its parameters are {}", names.join(", "))
    };
    syn::Error::new(
        name.span(),
        format!(
            "`{}` is not a parameter of this function; {list}",
            name.unraw()
        ),
    )
}

/// Checks `#[iast::methods]` and the iast attributes inside its block: the plans of each
/// item, in order (none for an item without iast attributes).
pub fn impl_block(
    args: proc_macro2::TokenStream,
    block: &ItemImplBlock,
) -> syn::Result<Vec<Vec<Plan>>> {
    let mut errors = Errors::default();
    if let Some(first) = args.into_iter().next() {
        errors.push(syn::Error::new(
            first.span(),
            "#[iast::methods] takes no arguments",
        ));
    }
    let mut plans = Vec::new();
    for item in &block.items {
        let mut item_plans = Vec::new();
        match item {
            ImplEntry::Fn { func, iast } => {
                for (kind, attr) in iast {
                    let plan = attr_args(attr)
                        .and_then(crate::parse::args)
                        .and_then(|entries| function(*kind, &entries, func, Site::Attr(attr)));
                    match plan {
                        Ok(plan) => item_plans.push(plan),
                        Err(e) => errors.push(e),
                    }
                }
            }
            ImplEntry::Other { iast, .. } => {
                for (kind, attr) in iast {
                    errors.push(syn::Error::new_spanned(
                        attr,
                        format!("{} can only be applied to a function", kind.attr()),
                    ));
                }
            }
        }
        plans.push(item_plans);
    }
    errors.finish(plans)
}

/// An iast attribute's arguments: `#[iast::sink(sql)]` gives `sql`; `#[iast::source]` gives
/// nothing.
fn attr_args(attr: &syn::Attribute) -> syn::Result<proc_macro2::TokenStream> {
    match &attr.meta {
        syn::Meta::Path(_) => Ok(proc_macro2::TokenStream::new()),
        syn::Meta::List(list) => Ok(list.tokens.clone()),
        syn::Meta::NameValue(nv) => Err(syn::Error::new_spanned(
            nv.eq_token.to_token_stream(),
            "expected parentheses: #[iast::source(origin = \"...\")]",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse;
    use proc_macro2::TokenStream;
    use quote::quote;
    use syn::parse::Parser;

    fn plan(kind: Kind, args: TokenStream, item: TokenStream) -> syn::Result<Plan> {
        let entries = parse::args(args)?;
        let func =
            (|input: syn::parse::ParseStream| ItemFn::parse(input, kind.attr())).parse2(item)?;
        function(kind, &entries, &func, Site::CallSite)
    }

    fn errors(result: syn::Result<Plan>) -> Vec<String> {
        match result {
            Ok(_) => Vec::new(),
            Err(e) => e.into_iter().map(|e| e.to_string()).collect(),
        }
    }

    #[test]
    fn suggests_the_closest_class() {
        assert!(unknown_class("sqli").contains("did you mean `sql`?"));
        assert!(unknown_class("comand").contains("did you mean `command`?"));
        assert!(unknown_class("xs").contains("did you mean `xss`?"));
        assert!(!unknown_class("html").contains("did you mean"));
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn every_name_a_pattern_binds_is_checked_but_self_and_wildcards() {
        let plan = plan(
            Kind::Sink,
            quote!(sql),
            quote!(
                fn f(
                    &self,
                    (a, b): (S, S),
                    Pair(c): Pair,
                    _: u8,
                    Rec { x, y: ref z, .. }: Rec,
                    [first, .., r#last]: [S; 3],
                    mut m @ _: S,
                ) {
                }
            ),
        )
        .ok()
        .unwrap();
        let names: Vec<_> = plan.checked.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["a", "b", "c", "x", "z", "first", "last", "m"]);
        assert!(plan.args.is_empty());
    }

    #[test]
    fn args_selects_parameters_and_may_name_self() {
        let plan = plan(
            Kind::Sink,
            quote!(command, args(self, program)),
            quote!(
                fn f(self: Box<Self>, program: &str, argv: &[&str]) {}
            ),
        )
        .ok()
        .unwrap();
        let names: Vec<_> = plan.checked.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["self", "program"]);
        assert_eq!(plan.args, ["self", "program"]);
        assert_eq!(plan.classes, ["CommandInjection"]);
    }

    #[test]
    fn all_errors_of_an_attribute_are_reported_together() {
        let found = errors(plan(
            Kind::Sink,
            quote!(sqll, xss, xss, args(nope), level = 1),
            quote!(
                const fn f(sql: &str) {}
            ),
        ));
        assert_eq!(found.len(), 5, "{found:#?}");
        assert!(found[0].starts_with("cannot instrument a const fn"));
    }

    #[test]
    fn validator_return_types() {
        for ok in [
            quote!(bool),
            quote!(Result<(), E>),
            quote!(std::io::Result<()>),
            quote!(ParseResult<'a>),
        ] {
            let item = quote!(fn f(p: &str) -> #ok { todo!() });
            assert!(plan(Kind::Validator, quote!(path), item).is_ok(), "{ok}");
        }
        for bad in [
            quote!(usize),
            quote!(Option<bool>),
            quote!(&bool),
            quote!(()),
        ] {
            let item = quote!(fn f(p: &str) -> #bad { todo!() });
            assert_eq!(
                errors(plan(Kind::Validator, quote!(path), item)).len(),
                1,
                "{bad}"
            );
        }
    }

    #[test]
    fn a_source_needs_a_value_and_takes_only_an_origin() {
        assert_eq!(
            errors(plan(
                Kind::Source,
                quote!(),
                quote!(
                    fn f() {}
                )
            ))
            .len(),
            1
        );
        assert_eq!(
            errors(plan(
                Kind::Source,
                quote!(),
                quote!(
                    fn f() -> () {}
                )
            ))
            .len(),
            1
        );
        assert_eq!(
            errors(plan(
                Kind::Source,
                quote!(),
                quote!(
                    fn f() -> ! {}
                )
            ))
            .len(),
            1
        );
        let plan = plan(
            Kind::Source,
            quote!(origin = "http.parameter"),
            quote!(
                fn f() -> String {
                    todo!()
                }
            ),
        )
        .ok()
        .unwrap();
        assert_eq!(plan.origin.unwrap().value(), "http.parameter");
        assert!(plan.checked.is_empty());
    }
}
