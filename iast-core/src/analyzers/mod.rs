//! One analyzer per vulnerability class.
//!
//! An analyzer receives a sink argument and its tainted, unsanitized byte ranges, and decides
//! whether those bytes changed the structure of the argument ([`Confidence::Confirmed`]) or
//! merely reached it ([`Confidence::Unsanitized`]). Both are findings.

use crate::vulnerability::{Confidence, Vulnerability};
use std::ops::Range;

mod code;
mod command;
mod header;
mod ldap;
mod log;
mod nosql;
mod path;
mod redirect;
mod sql;
mod ssrf;
mod xpath;
mod xss;

/// Asks the analyzer of `class` about `text`, whose `tainted` ranges are non-empty, sorted and
/// within bounds.
pub(crate) fn analyze(class: Vulnerability, text: &[u8], tainted: &[Range<usize>]) -> Confidence {
    let analyze = match class {
        Vulnerability::SqlInjection => sql::analyze,
        Vulnerability::CommandInjection => command::analyze,
        Vulnerability::PathTraversal => path::analyze,
        Vulnerability::Xss => xss::analyze,
        Vulnerability::Ssrf => ssrf::analyze,
        Vulnerability::OpenRedirect => redirect::analyze,
        Vulnerability::HeaderInjection => header::analyze,
        Vulnerability::LdapInjection => ldap::analyze,
        Vulnerability::XpathInjection => xpath::analyze,
        Vulnerability::NosqlInjection => nosql::analyze,
        Vulnerability::CodeInjection => code::analyze,
        Vulnerability::LogInjection => log::analyze,
    };
    analyze(text, tainted)
}

/// Whether any tainted byte satisfies `pred`.
pub(crate) fn any_tainted_byte(
    text: &[u8],
    tainted: &[Range<usize>],
    pred: impl Fn(u8) -> bool,
) -> bool {
    tainted.iter().any(|r| {
        text.get(r.clone())
            .is_some_and(|s| s.iter().any(|&b| pred(b)))
    })
}
