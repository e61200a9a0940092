//! The confidence of a finding, decided here and nowhere else: which tainted ranges of a sink
//! argument a finding may rest on, and whether they changed the argument's structure.
//!
//! A finding is [`Confidence::Confirmed`] when the analyzer of its class says that the ranges
//! it rests on changed the structure of the argument, and [`Confidence::Unsanitized`] when they
//! only reached it (or when the analysis did not fit the check's budget, so that whether they
//! changed it is not known). Some flows make no finding at all: those resting on ranges that
//! cannot be attributed (below), plain data wherever it came from (`analyzers::harmless`), and
//! a match by value that may be the program's own constant (`analyzers::inert`).
//!
//! ## Attribution
//!
//! Matching values invites coincidences: a request that sends `bar` while the program also
//! uses the constant `bar`, a number that equals some id, a one-letter input that occurs
//! everywhere. The taint store finds every occurrence; this module decides which ones can be
//! attributed to the source.
//!
//! - **Certain**: the sink received (a slice of) the very buffer the source returned. No
//!   coincidence is possible, whatever the length.
//! - **Strong**: 8 bytes or more matched (a whole value, a re-encoding or a piece). Eight
//!   bytes is where coincidences with a program's own text stop being common: shorter runs
//!   are SQL keywords, tag and attribute names, path components and identifiers (`select`,
//!   `script`, `admin`, `users`), and the same threshold keeps short attack strings such as
//!   `' OR 1=1` and `<script>` in reach.
//! - **Weak**: a whole value shorter than that, found by value. It counts only when the
//!   analyzer confirms that it changed the structure of the argument *and* it holds a byte
//!   that is not a word byte: a bare word such as `name` is what an allow-list maps a
//!   request to (`match col { "name" => "name", .. }`), and a word equal to a constant is
//!   the commonest coincidence, while `'`, `1;id` or `../x` are not words a program writes
//!   by accident next to user input.
//!
//! A value of 1 to 3 bytes found by value is never attributed: nothing tells the user's `'`
//! or `<p` from the program's own quotes and paragraphs. It still is when it arrives in the
//! source's own buffer.
//!
//! Numbers matched by value are never attributed: a number parsed from the request and
//! formatted back is the program's own validated value, and numbers coincide with ids,
//! counts and limits everywhere. A number in the source's own buffer is still certain.

use crate::analyzers::{self, Input, Scratch};
use crate::taint::{MIN_PARTIAL, MatchKind, TaintedRange};
use crate::vulnerability::{Confidence, Vulnerability};
use std::ops::Range;

/// A finding of one class: its confidence and the ranges it rests on.
#[derive(Debug)]
pub(crate) struct Verdict<'a> {
    pub confidence: Confidence,
    /// Sorted by start, end and source.
    pub ranges: Vec<&'a TaintedRange>,
}

/// What attribution needs to know of a check besides its ranges.
pub(crate) struct Rules<'f> {
    /// Whether a source id is that of a strict source.
    pub strict: &'f dyn Fn(u32) -> bool,
    /// Whether a range holds a probe's canary (see `probe`).
    pub canary: &'f dyn Fn(&TaintedRange) -> bool,
    /// `taint.min_match_length`.
    pub min_match: usize,
}

/// Whether the tainted `ranges` of a sink argument make a finding of `class`, and with which
/// confidence.
///
/// Ranges safe for `class` (a sanitizer's or validator's output) are left out. Of the others,
/// strong ranges make a finding, confirmed if they changed the structure; weak ones count only
/// when they changed it, and then the finding rests on them too.
pub(crate) fn decide<'a>(
    class: Vulnerability,
    argument: &str,
    text: &[u8],
    ranges: &'a [TaintedRange],
    rules: &Rules<'_>,
    scratch: &Scratch,
) -> Option<Verdict<'a>> {
    let (canary, min_match) = (rules.canary, rules.min_match);
    let (strict, open): (Vec<&TaintedRange>, Vec<&TaintedRange>) = ranges
        .iter()
        .filter(|r| !r.safe_for.contains(class))
        .partition(|r| (rules.strict)(r.source));
    let (mut strong, mut weak) = split(text, &open, min_match, canary);
    let (strict_strong, strict_weak) = split_strict(text, &strict, canary);
    strong.extend(strict_strong);
    weak.extend(strict_weak);
    strong.sort_by_key(|r| (r.start, r.end, r.source));
    let analyzed = |ranges: &[&TaintedRange]| analyzed(class, argument, text, ranges, scratch);
    let weak_confirmed = !weak.is_empty() && analyzed(&weak) == Confidence::Confirmed;
    let confidence = if weak_confirmed {
        Confidence::Confirmed
    } else if strong.is_empty() {
        return None;
    } else {
        let confidence = analyzed(&strong);
        // A canary is no coincidence: it makes the flow as certain as the source's buffer.
        let by_value = strong
            .iter()
            .all(|r| r.kind != MatchKind::Buffer && !canary(r));
        // Plain data makes no finding however it arrived; a flow that may be the program's
        // own constant makes none when it only coincides in value. Neither is known of a flow
        // whose analysis did not fit the budget.
        if confidence == Confidence::Unsanitized
            && !crate::work::exhausted()
            && with_input(argument, text, &strong, |i| {
                analyzers::harmless(class, i) || (by_value && analyzers::inert(class, i, scratch))
            })
        {
            return None;
        }
        confidence
    };
    let mut ranges = strong;
    if weak_confirmed {
        ranges.extend(weak);
        ranges.sort_by_key(|r| (r.start, r.end, r.source));
    }
    Some(Verdict { confidence, ranges })
}

/// The confidence that `ranges` give on their own: confirmed when the analyzer of `class`
/// says they changed the structure and its analysis fitted the check's budget.
fn analyzed(
    class: Vulnerability,
    argument: &str,
    text: &[u8],
    ranges: &[&TaintedRange],
    scratch: &Scratch,
) -> Confidence {
    // Charged before it runs, a pass over the argument; the SQL analyzer charges sqlparser's
    // tokenizer itself, window by window, as far as it reads.
    if class != Vulnerability::SqlInjection && !crate::work::charge(text.len()) {
        return Confidence::Unsanitized;
    }
    let changed = with_input(argument, text, ranges, |i| {
        analyzers::changes_structure(class, i, scratch)
    });
    if changed && !crate::work::exhausted() {
        Confidence::Confirmed
    } else {
        Confidence::Unsanitized
    }
}

/// Calls `f` with what an analyzer is given: the ranges as sorted spans.
fn with_input<R>(
    argument: &str,
    text: &[u8],
    ranges: &[&TaintedRange],
    f: impl FnOnce(&Input<'_>) -> R,
) -> R {
    let mut spans: Vec<Range<usize>> = ranges.iter().map(|r| r.start..r.end).collect();
    spans.sort_by_key(|r| (r.start, r.end));
    f(&Input {
        text,
        tainted: &spans,
        argument,
    })
}

/// Values shorter than this (1 to 3 bytes) are attributed only through the very buffer.
const TINY: usize = 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Strength {
    Weak,
    Strong,
    Certain,
}

/// `min_match` is `iast.toml`'s `taint.min_match_length`, never below [`MIN_PARTIAL`].
pub(crate) fn strength(r: &TaintedRange, min_match: usize) -> Strength {
    if r.kind == MatchKind::Buffer {
        Strength::Certain
    } else if r.end - r.start >= min_match.max(MIN_PARTIAL) {
        Strength::Strong
    } else {
        Strength::Weak
    }
}

/// `-12`, `3.5`, `1e6`, `+44`: a number and nothing else. An IPv4 address or a version
/// (`169.254.169.254`, `1.2.3`) has more than one dot and is not one.
pub(crate) fn is_number(bytes: &[u8]) -> bool {
    let body = bytes
        .strip_prefix(b"-")
        .or_else(|| bytes.strip_prefix(b"+"))
        .unwrap_or(bytes);
    let (mantissa, exponent) = match body.iter().position(|&b| b == b'e' || b == b'E') {
        Some(at) => (&body[..at], Some(&body[at + 1..])),
        None => (body, None),
    };
    let digits = |s: &[u8], dots: usize| {
        s.iter().any(u8::is_ascii_digit)
            && s.iter().all(|&b| b.is_ascii_digit() || b == b'.')
            && s.iter().filter(|&&b| b == b'.').count() <= dots
    };
    digits(mantissa, 1)
        && exponent.is_none_or(|e| {
            let e = e
                .strip_prefix(b"-")
                .or_else(|| e.strip_prefix(b"+"))
                .unwrap_or(e);
            digits(e, 0)
        })
}

/// A byte that can carry structure in some injection class.
pub(crate) fn has_structural_byte(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .any(|&b| !(b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b >= 0x80))
}

/// Splits the unsanitized ranges of an argument into the strong ones (certain or long enough
/// to stand on their own) and the weak ones that may still count if the analyzer confirms
/// that they changed the structure. Numbers found by value and weak bare words are dropped.
/// Pieces of values (partial matches) shorter than `min_match` are dropped: raising the
/// setting above the indexed minimum is how a project silences coincidental shared text.
///
/// `canary` says whether a range holds a probe's canary (see `probe`): such a range is certain
/// whatever its length, unless it is a number (a canary parsed and formatted back is the
/// program's own value, as any number is).
pub(crate) fn split<'a>(
    text: &[u8],
    open: &[&'a TaintedRange],
    min_match: usize,
    canary: &dyn Fn(&TaintedRange) -> bool,
) -> (Vec<&'a TaintedRange>, Vec<&'a TaintedRange>) {
    let mut strong = Vec::new();
    let mut weak = Vec::new();
    for &r in open {
        let bytes = &text[r.start..r.end];
        match strength(r, min_match) {
            Strength::Certain => strong.push(r),
            _ if is_number(bytes) => {}
            _ if canary(r) => strong.push(r),
            Strength::Weak if r.kind == MatchKind::Partial => {}
            Strength::Strong => strong.push(r),
            Strength::Weak if has_structural_byte(bytes) => weak.push(r),
            Strength::Weak => {}
        }
    }
    // A value of 1 to 3 bytes found by value cannot be told from the program's own bytes,
    // however often it occurs: the user's `'` and the quotes of the program's literals, the
    // user's `<p` and the program's paragraph.
    weak.retain(|r| r.end - r.start >= TINY);
    (strong, weak)
}

/// Whether a range of a sanitizer's input is attributed firmly enough for its output to carry
/// the source on: what would make a finding stand on its own at a sink (the source's buffer,
/// or a strong match that is no number). A weak match could be the
/// program's own text, and the taint it would lend the output could not be told from it.
pub(crate) fn carries(text: &[u8], r: &TaintedRange, strict: bool, min_match: usize) -> bool {
    if strict {
        return r.kind == MatchKind::Buffer;
    }
    !split(text, &[r], min_match, &|_| false).0.is_empty()
}

/// [`split`] for the ranges of strict sources (`#[iast::source(strict)]`): protocol values
/// that coincide with the program's text as a rule, so that only their own buffer is strong
/// and a whole value of [`TINY`] bytes or more that is no number is weak (it counts where the
/// analyzer confirms a change of structure); pieces of them never count.
pub(crate) fn split_strict<'a>(
    text: &[u8],
    open: &[&'a TaintedRange],
    canary: &dyn Fn(&TaintedRange) -> bool,
) -> (Vec<&'a TaintedRange>, Vec<&'a TaintedRange>) {
    let mut strong = Vec::new();
    let mut weak = Vec::new();
    for &r in open {
        let bytes = &text[r.start..r.end];
        match r.kind {
            MatchKind::Buffer => strong.push(r),
            _ if canary(r) && !is_number(bytes) => strong.push(r),
            MatchKind::Partial => {}
            _ if is_number(bytes) || bytes.len() < TINY => {}
            _ => weak.push(r),
        }
    }
    (strong, weak)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vulnerability::ClassSet;

    fn range(start: usize, end: usize, kind: MatchKind) -> TaintedRange {
        TaintedRange {
            start,
            end,
            source: 0,
            kind,
            safe_for: ClassSet::EMPTY,
            safe_by: 0,
        }
    }

    #[test]
    fn numbers_by_value_are_dropped_but_not_the_very_buffer() {
        let text = b"id = 123456789";
        let by_value = range(5, 14, MatchKind::Exact);
        let buffer = range(5, 14, MatchKind::Buffer);
        assert_eq!(
            split(text, &[&by_value], MIN_PARTIAL, &|_| false),
            (vec![], vec![])
        );
        assert_eq!(
            split(text, &[&buffer], MIN_PARTIAL, &|_| false),
            (vec![&buffer], vec![])
        );
    }

    #[test]
    fn short_words_and_tiny_values_are_dropped_and_short_structure_is_weak() {
        let text = b"ORDER BY name; 1;id x' OR '1'='1'";
        let word = range(9, 13, MatchKind::Exact);
        let structure = range(15, 19, MatchKind::Exact);
        let quote = range(21, 22, MatchKind::Exact);
        let long = range(21, 33, MatchKind::Partial);
        assert_eq!(
            split(
                text,
                &[&word, &structure, &quote, &long],
                MIN_PARTIAL,
                &|_| false
            ),
            (vec![&long], vec![&structure])
        );
        let tiny_buffer = range(21, 22, MatchKind::Buffer);
        assert_eq!(
            split(text, &[&tiny_buffer], MIN_PARTIAL, &|_| false),
            (vec![&tiny_buffer], vec![])
        );
    }

    #[test]
    fn a_higher_min_match_length_drops_short_pieces_and_weakens_short_values() {
        let text = b"x = 'it''s ok'; q = '; DROP TABLE t'";
        let piece = range(20, 30, MatchKind::Partial);
        let whole = range(20, 35, MatchKind::Exact);
        assert_eq!(
            split(text, &[&piece, &whole], MIN_PARTIAL, &|_| false),
            (vec![&piece, &whole], vec![])
        );
        // With 16: the 10-byte piece is ignored, the 15-byte value must be confirmed.
        assert_eq!(
            split(text, &[&piece, &whole], 16, &|_| false),
            (vec![], vec![&whole])
        );
        // A setting below the indexed minimum cannot make shorter matches count.
        assert_eq!(strength(&range(0, 5, MatchKind::Exact), 2), Strength::Weak);
    }

    #[test]
    fn number_shapes() {
        for n in ["0", "-7", "3.14", "1e6", "+44"] {
            assert!(is_number(n.as_bytes()), "{n}");
        }
        for n in [
            "",
            "-",
            "1;id",
            "0x1f",
            "e",
            "169.254.169.254",
            "1.2.3",
            "1-2",
            "--1",
        ] {
            assert!(!is_number(n.as_bytes()), "{n}");
        }
    }
}
