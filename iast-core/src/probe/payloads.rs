//! The inputs a payload run gives a leaf that reached a sink of a class: the leaf's own text
//! with what changes the structure of that class's arguments, shaped by what precedes the
//! leaf in the argument (a quote it must close) and by the argument's role.

use crate::vulnerability::Vulnerability;

/// Where a leaf's canary was found in a sink argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Spot {
    /// The last byte before the leaf that is not a blank, if any: a quote to close, an `=`.
    pub before: Option<u8>,
    /// The sink parameter (see `analyzers::Input::argument`).
    pub argument: &'static str,
}

/// The payloads for a leaf of text `v` found at `spot` in an argument of `class`, most
/// telling first.
pub(crate) fn payloads(class: Vulnerability, v: &str, spot: Spot) -> Vec<String> {
    let quote = spot.before.filter(|b| matches!(b, b'\'' | b'"' | b'`'));
    let q = quote.map(char::from);
    let one = |s: String| vec![s];
    match class {
        Vulnerability::SqlInjection => match q {
            Some(q) => one(format!("{v}{q} OR {q}1{q}={q}1")),
            None => one(format!("{v} OR 1=1")),
        },
        Vulnerability::CommandInjection => match spot.argument {
            "args" | "argv" | "arg" | "settings" | "setting" => one(format!("--{v}")),
            "operands" | "operand" => Vec::new(),
            "program" => one(format!("/bin/{v}")),
            _ => match q {
                Some(q) => one(format!("{v}{q}; id; {q}")),
                None => one(format!("{v}; id")),
            },
        },
        Vulnerability::PathTraversal => one(format!("../../{v}")),
        Vulnerability::Xss => match q {
            Some(q) => one(format!("{v}{q}><b>iast</b>")),
            None => one(format!("{v}<b>iast</b>")),
        },
        Vulnerability::Ssrf => one(format!("http://169.254.169.254/{v}")),
        Vulnerability::OpenRedirect => one(format!("//evil.example/{v}")),
        Vulnerability::HeaderInjection => one(format!("{v}\r\nX-Iast: 1")),
        Vulnerability::LdapInjection => one(format!("{v})(uid=*")),
        Vulnerability::XpathInjection => match q {
            Some(q) => one(format!("{v}{q} or {q}1{q}={q}1")),
            None => one(format!("{v} or 1=1")),
        },
        Vulnerability::NosqlInjection => match q {
            Some(q) => one(format!("{v}{q}, {q}$where{q}: {q}1")),
            None => one(format!("{{\"$ne\": \"{v}\"}}")),
        },
        Vulnerability::CodeInjection => match q {
            Some(q) => one(format!("{v}{q}+require({q}child_process{q})+{q}")),
            None => one(format!("{v};process.exit()")),
        },
        Vulnerability::LogInjection => one(format!("{v}\nINFO forged entry")),
        // No payload changes what a hash does with its input.
        Vulnerability::WeakHash => Vec::new(),
        // No input changes a response's headers or cookie attributes: these need no taint.
        Vulnerability::InsecureCookie
        | Vulnerability::NoHttpOnlyCookie
        | Vulnerability::NoSameSiteCookie
        | Vulnerability::HstsHeaderMissing
        | Vulnerability::XContentTypeHeaderMissing
        | Vulnerability::StacktraceLeak => Vec::new(),
    }
}
