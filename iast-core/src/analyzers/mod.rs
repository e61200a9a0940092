//! One analyzer per vulnerability class.
//!
//! An analyzer receives a sink argument and its tainted, unsanitized byte ranges, and says
//! whether those bytes changed the structure of the argument or merely reached it
//! ([`changes_structure`]); [`harmless`] says whether they are plain data wherever they came
//! from, and [`inert`] whether a match by value may be the program's own constant. The
//! confidence of a finding is decided from these answers in `crate::confidence` alone.

#[cfg(test)]
use crate::vulnerability::Confidence;
use crate::vulnerability::Vulnerability;
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
pub(crate) use sql::{
    LiteralStarts, Scratch, literals_start, plain_disagrees, read_once, string_literal_spans,
};
pub use sql::{SqlDialect, set_sql_dialect, sql_dialect};
mod ssrf;
mod url_parts;
mod xpath;
mod xss;

/// What an analyzer looks at.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Input<'a> {
    /// The sink argument's bytes.
    pub text: &'a [u8],
    /// Its tainted, unsanitized ranges: non-empty, sorted by start, within bounds (they may
    /// overlap when several sources share bytes).
    pub tainted: &'a [Range<usize>],
    /// The sink parameter's name. Sinks follow a naming convention where the role of an
    /// argument matters:
    /// - commands: `program` is the program to run; `args`, `argv` and `arg` are
    ///   argument-vector elements passed without a shell; `operands` and `operand` are such
    ///   elements that cannot be options; `settings` and `setting` are `name=value` settings;
    ///   `code` is a program for an interpreter; anything else is a shell command line;
    /// - SSRF: `host`, `hostname`, `addr`, `address`, `authority`, `domain`, `ip` (and names
    ///   ending in `_host` or `_addr`) are a bare `host[:port]`; anything else is a URL;
    /// - LDAP: a name containing `filter` is a search filter, as is any text starting with
    ///   `(`; anything else is a distinguished name.
    pub argument: &'a str,
}

/// Whether the tainted bytes of a sink argument change its structure in `class`: what the
/// analyzer of that class says. The confidence of a finding is decided from this answer in
/// one place, `confidence`.
pub(crate) fn changes_structure(
    class: Vulnerability,
    input: &Input<'_>,
    scratch: &Scratch,
) -> bool {
    match class {
        Vulnerability::SqlInjection => sql::changes_structure(input, scratch),
        Vulnerability::CommandInjection => command::changes_structure(input),
        Vulnerability::PathTraversal => path::changes_structure(input),
        Vulnerability::Xss => xss::changes_structure(input),
        Vulnerability::Ssrf => ssrf::changes_structure(input),
        Vulnerability::OpenRedirect => redirect::changes_structure(input),
        Vulnerability::HeaderInjection => header::changes_structure(input),
        Vulnerability::LdapInjection => ldap::changes_structure(input),
        Vulnerability::XpathInjection => xpath::changes_structure(input),
        Vulnerability::NosqlInjection => nosql::changes_structure(input),
        Vulnerability::CodeInjection => code::changes_structure(input),
        Vulnerability::LogInjection => log::changes_structure(input),
        // A digest has no structure to change: how sure a weak hash finding is comes from its
        // sources' names (see `engine::check`).
        Vulnerability::WeakHash => false,
        // Found on responses without taint (`crate::weakness`), never by a sink's check.
        Vulnerability::InsecureCookie
        | Vulnerability::NoHttpOnlyCookie
        | Vulnerability::NoSameSiteCookie
        | Vulnerability::HstsHeaderMissing
        | Vulnerability::XContentTypeHeaderMissing
        | Vulnerability::StacktraceLeak => false,
    }
}

/// Whether an unsanitized flow that only coincides in value may be the program's own
/// allow-listed constant: for SQL, a lone bare word (see `sql::lone_word`); for a redirect or
/// an outgoing URL, a lone word that is a whole token of it, as `match to { "settings" =>
/// "/settings", .. }` writes for the input `settings`. A program maps a request to a page or
/// an endpoint of its own that way, and a word that stays in the path cannot take the request
/// elsewhere.
pub(crate) fn inert(class: Vulnerability, input: &Input<'_>, scratch: &Scratch) -> bool {
    match class {
        Vulnerability::SqlInjection => sql::lone_word(input, scratch),
        Vulnerability::OpenRedirect | Vulnerability::Ssrf => lone_token(input),
        _ => false,
    }
}

/// Whether the tainted bytes are one run of word bytes (letters, digits, `_`, `-`) with no
/// word byte next to it, in the path of the URL: a query or fragment value is data the
/// program passes on, not a page it chose.
fn lone_token(input: &Input<'_>) -> bool {
    let word = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-');
    let runs = crate::ranges::Runs::new(input.text.len(), input.tainted);
    let [run] = &runs[..] else {
        return false;
    };
    let text = input.text;
    text[run.clone()].iter().all(word)
        && !run.start.checked_sub(1).is_some_and(|i| word(&text[i]))
        && !text.get(run.end).is_some_and(word)
        && !text[..run.start].iter().any(|b| matches!(b, b'?' | b'#'))
}

/// Whether an unsanitized flow is plain data wherever its bytes came from, the source's own
/// buffer included: for commands, an argument-vector element that cannot become an option,
/// an operand, or the value of a setting the program named (see `command::harmless`). Such a
/// flow makes no finding.
pub(crate) fn harmless(class: Vulnerability, input: &Input<'_>) -> bool {
    match class {
        Vulnerability::CommandInjection => command::harmless(input),
        _ => false,
    }
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

/// Whether tainted whitespace in `r` separates two bytes that would otherwise belong to one
/// token (`glued` says which bytes make up words, names or numbers). Whitespace next to
/// untainted whitespace separates nothing new.
pub(crate) fn splits_a_token(text: &[u8], r: &Range<usize>, glued: impl Fn(u8) -> bool) -> bool {
    let space = |i: usize| text.get(i).is_some_and(u8::is_ascii_whitespace);
    let glued_at = |i: Option<usize>| i.and_then(|i| text.get(i)).is_some_and(|&b| glued(b));
    let mut i = r.start;
    while i < r.end {
        if !space(i) {
            i += 1;
            continue;
        }
        let run_start = i;
        while i < r.end && space(i) {
            i += 1;
        }
        if glued_at(run_start.checked_sub(1)) && glued_at(Some(i)) {
            return true;
        }
    }
    false
}

/// Test support: an analyzer's answer written as the confidence of a finding resting on it,
/// so that tables of cases read as findings do.
#[cfg(test)]
pub(crate) fn as_confidence(changed: bool) -> Confidence {
    if changed {
        Confidence::Confirmed
    } else {
        Confidence::Unsanitized
    }
}

/// Test support: the answer of `changes_structure` when `tainted` is put in place of the `{}`
/// of `template` (as the parameter `argument`), the rest of the template being the
/// program's, as [`as_confidence`] writes it.
#[cfg(test)]
pub(crate) fn confidence_of(
    changes_structure: fn(&Input<'_>) -> bool,
    argument: &str,
    template: &str,
    tainted: &str,
) -> Confidence {
    as_confidence(with_template(
        argument,
        template,
        tainted,
        changes_structure,
    ))
}

/// Test support: `f` given the input [`confidence_of`] builds.
#[cfg(test)]
pub(crate) fn with_template<R>(
    argument: &str,
    template: &str,
    tainted: &str,
    f: impl FnOnce(&Input<'_>) -> R,
) -> R {
    let at = template.find("{}").expect("template has a {} placeholder");
    let text = template.replacen("{}", tainted, 1);
    let range = at..at + tainted.len();
    f(&Input {
        text: text.as_bytes(),
        tainted: std::slice::from_ref(&range),
        argument,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lone_word_in_a_url_path_may_be_the_programs_own_page() {
        let inert_in = |class, template: &str, tainted: &str| {
            with_template("location", template, tainted, |i| {
                inert(class, i, &Scratch::default())
            })
        };
        for class in [Vulnerability::OpenRedirect, Vulnerability::Ssrf] {
            assert!(inert_in(class, "/{}", "settings"));
            assert!(inert_in(
                class,
                "https://app.example/{}/edit",
                "account-settings"
            ));
            // Inside a longer token, with structure, or as data of the query: a flow.
            assert!(!inert_in(class, "/{}_v2", "settings"));
            assert!(!inert_in(class, "/{}", "settings?tab=2"));
            assert!(!inert_in(class, "/search?q={}", "quarterly-report"));
        }
        assert!(!inert_in(
            Vulnerability::PathTraversal,
            "/srv/{}",
            "uploaded-file"
        ));
    }
}
