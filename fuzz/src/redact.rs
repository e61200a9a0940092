//! Redaction of a finding's evidence, as the engine runs it.
//!
//! Input: a class byte, an argument byte (the sink parameter's name, some of them secret, and
//! the SQL dialect), then the argument with tainted ranges marked by [`MARK`](crate::MARK)
//! and ranges from secret-named sources by [`SECRET_MARK`](crate::SECRET_MARK).
//!
//! Checked:
//! - the spans to hide are within the bytes read, sorted, disjoint and not adjacent; what
//!   is shown starts at or before the first tainted byte, and the evidence says when it does
//!   not start at the argument's start;
//! - a secret-named parameter hides everything read; a secret-named source's bytes are
//!   hidden; in SQL, the inside of every string literal no tainted byte touches is hidden;
//! - the text shown is exactly the text with each span replaced by the marker, and the
//!   tainted ranges moved onto it stay within it and keep the bytes of those no span touches;
//! - both evidences (redacted and plain) have their ranges within the value and on character
//!   boundaries, so every rendering can slice them;
//! - the same input redacts the same way twice.

use crate::{assert_disjoint_runs, mask, unmark};
use iast_core::fuzzing::{self, REDACTED};
use iast_core::{Evidence, SqlDialect, Vulnerability};
use std::ops::Range;

const ARGUMENTS: [&str; 16] = [
    "query",
    "sql",
    "url",
    "cmd",
    "html",
    "line",
    "password",
    "api_key",
    "token",
    "value",
    "path",
    "body",
    "authorization",
    "filter",
    "expression",
    "session_secret",
];

const DIALECTS: [SqlDialect; 4] = [
    SqlDialect::Generic,
    SqlDialect::PostgreSql,
    SqlDialect::MySql,
    SqlDialect::Sqlite,
];

pub fn run(data: &[u8]) {
    let [class, options, marked @ ..] = data else {
        return;
    };
    let class = Vulnerability::ALL[usize::from(*class) % Vulnerability::ALL.len()];
    let argument = ARGUMENTS[usize::from(options & 0x0f)];
    iast_core::set_sql_dialect(DIALECTS[usize::from(options >> 4) & 3]);
    let (text, tainted) = unmark(marked);
    if tainted.is_empty() {
        return;
    }

    let r = fuzzing::redact(class, argument, &text, &tainted);
    let again = fuzzing::redact(class, argument, &text, &tainted);
    assert_eq!(
        (&r.spans, &r.shown, &r.evidence, &r.plain),
        (&again.spans, &again.shown, &again.evidence, &again.plain),
        "redacting twice differs"
    );

    let cut = r.cut;
    let first = tainted.iter().map(|(t, _)| t.start).min().unwrap_or(0);
    assert!(
        first < cut && cut <= text.len(),
        "read {cut} of {} bytes, the first tainted at {first}",
        text.len()
    );
    assert!(
        cut == text.len() || r.evidence.cut_after,
        "evidence of the first {cut} of {} bytes does not say it was cut",
        text.len()
    );
    let from = r.from;
    assert!(
        from <= first && (from == 0 || r.evidence.cut_before),
        "shown from {from}, the first tainted at {first}, cut before: {}",
        r.evidence.cut_before
    );
    assert!(
        r.spans.iter().all(|s| s.start >= from),
        "spans {:?} before the first byte shown, {from}",
        r.spans
    );
    assert_disjoint_runs(&r.spans, cut, "spans to hide");
    let hidden = mask(cut, &r.spans);

    if fuzzing::secret_name(argument) && cut > from {
        assert!(
            r.spans.len() == 1 && r.spans[0] == (from..cut),
            "a secret parameter `{argument}` shows bytes: spans {:?}",
            r.spans
        );
    }
    for (range, secret) in &tainted {
        if *secret && range.start < cut {
            let end = range.end.min(cut);
            assert!(
                hidden[range.start.max(from)..end].iter().all(|&h| h),
                "bytes {range:?} of a secret-named source are shown: spans {:?}",
                r.spans
            );
        }
    }
    if class == Vulnerability::SqlInjection {
        let prefix = &text[..cut];
        let touched = mask(
            cut,
            &tainted
                .iter()
                .map(|(r, _)| r.start..r.end.min(cut))
                .collect::<Vec<_>>(),
        );
        let dialect = iast_core::sql_dialect();
        for literal in fuzzing::sql_literal_spans(dialect, prefix, &Default::default()) {
            let inside = literal.start.clamp(from, cut)..literal.end.min(cut);
            if inside.is_empty() || touched[inside.clone()].iter().any(|&t| t) {
                continue;
            }
            assert!(
                hidden[inside.clone()].iter().all(|&h| h),
                "the program's SQL literal {inside:?} is shown: spans {:?}",
                r.spans
            );
        }
    }

    let mut expected = Vec::with_capacity(cut - from);
    let mut at = from;
    for s in &r.spans {
        expected.extend_from_slice(&text[at..s.start]);
        expected.extend_from_slice(REDACTED);
        at = s.end;
    }
    expected.extend_from_slice(&text[at..cut]);
    assert_eq!(
        r.shown, expected,
        "the text shown is not the text with its spans replaced"
    );

    let in_prefix: Vec<Range<usize>> = tainted
        .iter()
        .filter(|(t, _)| t.start < cut)
        .map(|(t, _)| t.start..t.end.min(cut))
        .collect();
    assert_eq!(r.moved.len(), in_prefix.len());
    for (moved, original) in r.moved.iter().zip(&in_prefix) {
        assert!(
            moved.start <= moved.end && moved.end <= r.shown.len(),
            "moved range {moved:?} out of the {} bytes shown",
            r.shown.len()
        );
        if !hidden[original.clone()].iter().any(|&h| h) {
            assert_eq!(
                &r.shown[moved.clone()],
                &text[original.clone()],
                "the tainted bytes {original:?} moved to {moved:?} changed"
            );
        }
    }

    evidence_is_sliceable(&r.evidence);
    evidence_is_sliceable(&r.plain);
}

#[track_caller]
fn evidence_is_sliceable(e: &Evidence) {
    for t in &e.tainted {
        assert!(
            t.start <= t.end
                && t.end <= e.value.len()
                && e.value.is_char_boundary(t.start)
                && e.value.is_char_boundary(t.end),
            "evidence range {t:?} does not fit {:?}",
            e.value
        );
    }
    let _ = e.tainted_text().count();
    let _ = iast_core::terminal_lines(&e.value, e.ranges(), e.cut_before, e.cut_after);
}
