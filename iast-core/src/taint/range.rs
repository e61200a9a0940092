//! What a scan returns, and how the raw hits become it.

use super::partial::{Piece, merge};
use super::values::Values;
use crate::vulnerability::ClassSet;

/// How a tainted range was recognised, from the most certain to the least.
///
/// The order is used: when two rules find the same range for the same source, the first kind
/// wins.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum MatchKind {
    /// The argument's bytes are (part of) the very buffer a source returned.
    Buffer,
    /// A whole recorded value, byte for byte.
    Exact,
    /// A whole recorded value with its letters' case changed.
    CaseChanged,
    /// A whole recorded value, percent-decoded (with or without `+` as space).
    UrlDecoded,
    /// A whole recorded value, percent-encoded (component or form encoding).
    UrlEncoded,
    /// A whole recorded value, base64-decoded (standard or URL-safe alphabet) to text.
    Base64Decoded,
    /// A whole recorded value, read as the inside of a JSON string (`\"`, `\u0027` decoded).
    JsonUnescaped,
    /// A whole recorded value, with its HTML character references decoded (`&lt;`, `&#39;`).
    HtmlUnescaped,
    /// A piece of at least `MIN_PARTIAL` bytes of a recorded value, or of a decoded form of it.
    Partial,
}

impl MatchKind {
    /// What the kind means, in words, for reports.
    pub fn describe(self) -> &'static str {
        match self {
            MatchKind::Buffer => "the very buffer the source returned",
            MatchKind::Exact => "the whole value",
            MatchKind::CaseChanged => "the whole value, case changed",
            MatchKind::UrlDecoded => "the whole value, URL-decoded",
            MatchKind::UrlEncoded => "the whole value, URL-encoded",
            MatchKind::Base64Decoded => "the whole value, base64-decoded",
            MatchKind::JsonUnescaped => "the whole value, JSON-unescaped",
            MatchKind::HtmlUnescaped => "the whole value, HTML-unescaped",
            MatchKind::Partial => "a piece of the value",
        }
    }

    /// Whether entries of this kind are the value's own bytes or a form the application
    /// decodes it to: those are indexed for pieces as well as whole matches, since an
    /// application takes pieces of what it decoded (a parameter out of a decoded query
    /// string). The encoded and case-changed forms are found whole only.
    pub(crate) fn is_form(self) -> bool {
        matches!(
            self,
            MatchKind::Exact
                | MatchKind::UrlDecoded
                | MatchKind::Base64Decoded
                | MatchKind::JsonUnescaped
                | MatchKind::HtmlUnescaped
        )
    }
}

/// Tainted bytes `start..end` of a sink argument, tied to the source that returned them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TaintedRange {
    /// The first tainted byte.
    pub start: usize,
    /// One past the last.
    pub end: usize,
    /// The opaque id the value was recorded with.
    pub source: u32,
    /// How the bytes were recognised.
    pub kind: MatchKind,
    /// The classes this range is safe for: it lies within one occurrence of a value a sanitizer
    /// or validator approved for them.
    pub safe_for: ClassSet,
    /// Which of the store's callers' sanitizers and validators gave those safe values, one
    /// bit each (see `TaintStore::add_safe_by`).
    pub safe_by: u64,
}

/// A whole-value (or buffer) occurrence, before it is expanded to the value's sources.
#[derive(Debug, Clone, Copy)]
pub(super) struct Hit {
    pub(super) start: usize,
    pub(super) end: usize,
    pub(super) owner: u32,
    pub(super) kind: MatchKind,
}

/// One range per source of each hit; each source's partial pieces merged into maximal runs, and
/// dropped where the whole-value ranges of the same source already cover them; sorted by
/// `(start, end, source)` with one range per such triple, of the most certain kind.
pub(super) fn assemble(hits: &[Hit], pieces: &[Piece], values: &Values) -> Vec<TaintedRange> {
    let mut out = Vec::with_capacity(hits.len() + pieces.len());
    for hit in hits {
        for source in values.sources(hit.owner) {
            out.push(TaintedRange {
                start: hit.start,
                end: hit.end,
                source,
                kind: hit.kind,
                safe_for: ClassSet::EMPTY,
                safe_by: 0,
            });
        }
    }
    if !pieces.is_empty() {
        // A value that arrived whole (or re-encoded, or as its own buffer) explains its own
        // bytes; pieces of it elsewhere in the argument are the program's text coinciding
        // with it, like the `https://` of a template and of a URL the user sent.
        let mut whole: Vec<u32> = hits.iter().map(|h| h.owner).collect();
        whole.sort_unstable();
        whole.dedup();
        let by_source = pieces
            .iter()
            .filter(|p| whole.binary_search(&p.owner).is_err())
            .flat_map(|p| values.sources(p.owner).map(move |s| (s, p.start, p.end)))
            .collect();
        let runs = merge(by_source);
        // The same source's whole ranges, merged: a run is redundant when one merged whole
        // range holds it, that is when whole ranges already cover every byte of it.
        let covered = merge(out.iter().map(|r| (r.source, r.start, r.end)).collect());
        let mut next = 0;
        for (source, start, end) in runs {
            while covered
                .get(next)
                .is_some_and(|&(s, _, e)| (s, e) < (source, end))
            {
                next += 1;
            }
            let redundant = covered
                .get(next)
                .is_some_and(|&(s, a, _)| s == source && a <= start);
            if !redundant {
                out.push(TaintedRange {
                    start,
                    end,
                    source,
                    kind: MatchKind::Partial,
                    safe_for: ClassSet::EMPTY,
                    safe_by: 0,
                });
            }
        }
    }
    out.sort_unstable_by_key(|r| (r.start, r.end, r.source, r.kind));
    out.dedup_by_key(|r| (r.start, r.end, r.source));
    out
}
