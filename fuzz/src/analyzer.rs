//! One target per analyzer.
//!
//! Input: one options byte, then the sink argument with its tainted ranges marked by
//! [`MARK`](crate::MARK) (a text without marks is tainted whole, as a source's value passed
//! straight to a sink is). The options pick the sink parameter's name (which changes what
//! commands, SSRF and LDAP arguments are), the SQL dialect, and where the taint is re-split.
//!
//! Checked:
//! - no analyzer panics, on any bytes, UTF-8 or not;
//! - SQL read by the reader of plain text gives sqlparser's tokens, in every dialect;
//! - the answer does not depend on the tokens kept for the check (asked twice, and again
//!   after they are dropped);
//! - the answer depends only on which bytes are tainted: the same bytes as the maximal runs,
//!   or re-split into overlapping and adjacent ranges as several sources give them, answer
//!   alike (the engine merges ranges from different sources side by side into one run);
//! - what each analyzer's documentation promises without a grammar: a tainted NUL or line
//!   break where it ends the value, a host-named SSRF parameter, a program name, and for a
//!   value that reaches the sink whole, the structure it then brings (a tag, a quote, a
//!   scheme).

use crate::{mask, runs, unmark};
use iast_core::fuzzing;
use iast_core::{SqlDialect, Vulnerability};
use std::ops::Range;

/// Sink parameter names worth telling apart for each class (the analyzers read roles from
/// them), and ordinary ones.
fn argument_names(class: Vulnerability) -> &'static [&'static str] {
    match class {
        Vulnerability::SqlInjection => &["sql", "query"],
        Vulnerability::CommandInjection => &[
            "cmd", "program", "args", "arg", "argv", "operands", "operand", "settings", "setting",
            "code",
        ],
        Vulnerability::PathTraversal => &["path"],
        Vulnerability::Xss => &["html"],
        Vulnerability::Ssrf => &["url", "host", "peer_addr", "authority", "uri"],
        Vulnerability::OpenRedirect => &["location"],
        Vulnerability::HeaderInjection => &["value"],
        Vulnerability::LogInjection => &["line"],
        Vulnerability::LdapInjection => &["filter", "dn", "search_filter", "base"],
        Vulnerability::XpathInjection => &["expression"],
        Vulnerability::NosqlInjection => &["query"],
        Vulnerability::CodeInjection => &["code"],
        _ => &["value"],
    }
}

const DIALECTS: [SqlDialect; 4] = [
    SqlDialect::Generic,
    SqlDialect::PostgreSql,
    SqlDialect::MySql,
    SqlDialect::Sqlite,
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Verdict {
    changed: bool,
    harmless: bool,
    inert: bool,
}

fn verdict(
    class: Vulnerability,
    argument: &str,
    text: &[u8],
    tainted: &[Range<usize>],
    scratch: &fuzzing::Scratch,
) -> Verdict {
    Verdict {
        changed: fuzzing::changes_structure(class, argument, text, tainted, scratch),
        harmless: fuzzing::harmless(class, argument, text, tainted),
        inert: fuzzing::inert(class, argument, text, tainted, scratch),
    }
}

/// The same tainted bytes as `runs`, as several sources could give them: each run of two
/// bytes or more cut at a point `seed` chooses, with the whole run kept as well, so that
/// ranges overlap, share a start and touch.
fn resplit(runs: &[Range<usize>], seed: usize) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    for r in runs {
        let len = r.end - r.start;
        if len < 2 {
            out.push(r.clone());
            continue;
        }
        let cut = r.start + 1 + (seed + r.start) % (len - 1);
        out.extend([r.clone(), r.start..cut, cut..r.end]);
    }
    out.sort_by_key(|r| r.start);
    out
}

pub fn run(class: Vulnerability, data: &[u8]) {
    let Some((&options, marked)) = data.split_first() else {
        return;
    };
    let (text, marks) = unmark(marked);
    if text.is_empty() {
        return;
    }
    let names = argument_names(class);
    let argument = names[usize::from(options & 0x0f) % names.len()];
    if class == Vulnerability::SqlInjection {
        iast_core::set_sql_dialect(DIALECTS[usize::from(options >> 4) & 3]);
        for dialect in DIALECTS {
            let spans = fuzzing::sql_literal_spans(dialect, &text, &Default::default());
            for s in &spans {
                assert!(
                    s.start <= s.end && s.end <= text.len(),
                    "{dialect:?}: literal {s:?} out of 0..{}",
                    text.len()
                );
            }
            assert!(
                spans.is_sorted_by_key(|s| s.start),
                "{dialect:?}: literals {spans:?} unsorted"
            );
            if let Some(token) = fuzzing::sql_plain_disagrees(dialect, &text) {
                panic!("{dialect:?}: token {token} read plain is not sqlparser's");
            }
        }
    }
    let tainted: Vec<Range<usize>> = if marks.is_empty() {
        std::iter::once(0..text.len()).collect()
    } else {
        marks.into_iter().map(|(r, _)| r).collect()
    };

    let scratch = fuzzing::Scratch::default();
    let first = verdict(class, argument, &text, &tainted, &scratch);
    let again = verdict(class, argument, &text, &tainted, &scratch);
    assert_eq!(
        first, again,
        "the tokens kept within a check changed the answer"
    );

    let mask = mask(text.len(), &tainted);
    let merged = runs(&mask);
    let as_runs = verdict(class, argument, &text, &merged, &Default::default());
    assert_eq!(
        first, as_runs,
        "the same tainted bytes as runs {merged:?} instead of {tainted:?} changed the answer"
    );
    let split = resplit(&merged, usize::from(options >> 6) + text.len());
    let as_split = verdict(class, argument, &text, &split, &Default::default());
    assert_eq!(
        first, as_split,
        "the same tainted bytes as ranges {split:?} instead of {tainted:?} changed the answer"
    );

    promises(class, argument, &text, &mask, first.changed);
}

/// What the analyzers' documentation says must be confirmed (or, for the byte-level classes,
/// exactly when).
fn promises(class: Vulnerability, argument: &str, text: &[u8], mask: &[bool], confirmed: bool) {
    let tainted_byte =
        |pred: &dyn Fn(u8) -> bool| text.iter().zip(mask).any(|(&b, &t)| t && pred(b));
    let whole = mask.iter().all(|&t| t);
    let whole_has = |set: &[u8]| whole && text.iter().any(|b| set.contains(b));
    let nul = tainted_byte(&|b| b == 0);
    let shown = String::from_utf8_lossy(text);
    let must = |rule: bool, why: &str| {
        assert!(
            !rule || confirmed,
            "{class:?} ({argument}) {why}, yet unchanged: {shown:?} tainted {:?}",
            runs(mask)
        );
    };
    match class {
        Vulnerability::HeaderInjection => {
            let line_break = tainted_byte(&|b| b == b'\r' || b == b'\n');
            must(line_break, "a tainted CR or LF ends the header");
            assert!(
                line_break || !confirmed,
                "header value confirmed without a tainted CR or LF: {shown:?}"
            );
        }
        Vulnerability::LogInjection => {
            let control = tainted_byte(&|b| (b < 0x20 && b != b'\t') || b == 0x7f);
            let (c1_whole, c1_touched) = c1_controls(text, mask);
            must(
                control,
                "a tainted control character forges or hides log text",
            );
            must(
                c1_whole,
                "a tainted C1 control (U+0080..U+009F) drives the terminal",
            );
            assert!(
                control || c1_touched || !confirmed,
                "log line confirmed without a tainted control character: {shown:?}"
            );
        }
        Vulnerability::CommandInjection => {
            must(nul, "a tainted NUL ends the argument for exec");
            must(argument == "program", "the attacker picks the program");
        }
        Vulnerability::PathTraversal => {
            must(nul, "a tainted NUL ends the path for C APIs");
            let leading = mask[0] && matches!(text[0], b'/' | b'\\' | b'~');
            must(leading, "a tainted leading separator or ~ picks the root");
        }
        Vulnerability::LdapInjection => must(nul, "a tainted NUL ends the string for C servers"),
        Vulnerability::Ssrf => {
            let host = matches!(argument, "host" | "peer_addr" | "authority");
            must(host, "a host parameter is a bare host[:port]");
            must(
                whole && absolute_url(text),
                "the whole URL, scheme and host, is tainted",
            );
        }
        Vulnerability::OpenRedirect => {
            let scheme_relative =
                text.len() > 2 && text.starts_with(b"//") && text[2].is_ascii_alphanumeric();
            must(
                whole && (absolute_url(text) || scheme_relative),
                "the whole target, with its host, is tainted",
            );
        }
        Vulnerability::SqlInjection => must(
            whole_has(b"'\";(),="),
            "the whole query is tainted, quotes or punctuation included",
        ),
        Vulnerability::NosqlInjection => must(
            whole && matches!(text.trim_ascii_start().first(), Some(b'{' | b'[')),
            "the whole document, an object or array where a scalar may be expected, is tainted",
        ),
        Vulnerability::XpathInjection => must(
            whole && text.iter().any(|&b| !b"0123456789.- \t\r\n".contains(&b)),
            "the whole expression is tainted and is not one number",
        ),
        Vulnerability::CodeInjection => must(
            whole_has(b"();=,'\"`{}[]\n"),
            "the whole code is tainted, quotes or punctuation included",
        ),
        Vulnerability::Xss => must(
            whole && has_tag(text),
            "the whole document, a tag included, is tainted",
        ),
        _ => {}
    }
}

/// Whether some C1 control character (U+0080..U+009F, written in UTF-8) has all its bytes
/// tainted, and whether any has one.
fn c1_controls(text: &[u8], mask: &[bool]) -> (bool, bool) {
    let (mut whole, mut touched) = (false, false);
    let mut at = 0;
    for chunk in text.utf8_chunks() {
        for (i, c) in chunk.valid().char_indices() {
            if ('\u{80}'..='\u{9f}').contains(&c) {
                let bytes = &mask[at + i..at + i + c.len_utf8()];
                whole |= bytes.iter().all(|&t| t);
                touched |= bytes.iter().any(|&t| t);
            }
        }
        at += chunk.valid().len() + chunk.invalid().len();
    }
    (whole, touched)
}

/// `scheme://h...`: a scheme of RFC 3986 letters and a host that starts with a letter or
/// digit.
fn absolute_url(text: &[u8]) -> bool {
    let Some(colon) = text.iter().position(|&b| b == b':') else {
        return false;
    };
    let scheme = &text[..colon];
    !scheme.is_empty()
        && scheme[0].is_ascii_alphabetic()
        && scheme
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
        && text[colon..].starts_with(b"://")
        && text.get(colon + 3).is_some_and(u8::is_ascii_alphanumeric)
}

/// `<` and a letter, and a `>` later. In a text tainted whole this is markup of the
/// attacker's either way: a start tag where the tokenizer reads data, or, where an earlier
/// construct (a comment, a raw text element) changed how it reads, that construct's own
/// tainted delimiters.
fn has_tag(text: &[u8]) -> bool {
    text.windows(2)
        .position(|w| w[0] == b'<' && w[1].is_ascii_alphabetic())
        .is_some_and(|at| text[at..].contains(&b'>'))
}
