//! Pieces of tainted values that reached a sink after splitting, trimming, slicing or
//! concatenation: maximal common substrings of the argument and a value, seeded by the gram
//! index and extended byte by byte.
//!
//! # Guarantee
//!
//! Every byte of the argument that lies in a common substring of at least [`MIN_PARTIAL`] bytes
//! with a tainted value is inside a `Partial` range of each of that value's sources, or inside
//! that source's whole-value ranges (which make a partial one redundant), unless, within the
//! common substring, every probed 4-byte window is
//!
//! - a stop-gram: held at more than `STOP_COUNT` (32) positions of the context's values, that is
//!   template text shared by many values (a common prefix, a domain name, a JSON key), which
//!   cannot tell which value a fragment came from; or
//! - repeated more than `REPEAT_CAP` (8) times earlier in that same value (long runs of one byte
//!   or of a short period).
//!
//! Why it holds: the argument is probed at multiples of a stride `s <= MIN_PARTIAL - 4 + 1`, so
//! a common substring of `MIN_PARTIAL` bytes contains a whole probed window; the gram chains
//! yield that window's position in the value (barring the two cases above); extending from there
//! along the same alignment covers the whole common substring. A candidate is skipped only when
//! its window with `s - 1` bytes of margin on both sides lies inside a range already found for
//! the same value; then a common substring through that probe that extends past the found range
//! does so by fewer bytes than the next probe would need to miss it, so the union of the found
//! ranges is unchanged.
//!
//! The work per probe is bounded by the stop count, so a scan costs O(arg) plus the extensions,
//! which are proportional to what is found.

use super::grams::GRAM;
use super::hash::MixMap;

/// The shortest piece of a value reported as a partial match.
///
/// Shorter common substrings are mostly coincidence: SQL keywords with their spacing
/// (`" WHERE "`, `"SELECT "`), HTML tag and attribute names (`"<div "`, `"class="`), path pieces
/// (`"/api/"`) and short identifiers all recur in values and in the constant text of sinks, and a
/// coincidental partial range in a query's constant text would read as tainted structure. Eight
/// bytes is past most of those and still catches what matters: a fragment of an injected payload
/// (`"' OR 1=1"`, `"<script>"`), a token, id or field split out of a longer value or body. Whole
/// values shorter than this are still found exactly. It also sets the widest probe stride
/// (`MIN_PARTIAL - 4 + 1 = 5`): raising it would make scans cheaper and fragments coarser.
pub const MIN_PARTIAL: usize = 8;

/// A found piece: the argument range and the value it matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Piece {
    pub(super) owner: u32,
    pub(super) start: usize,
    pub(super) end: usize,
}

/// Per-scan state: the pieces found, and per value the latest found range, used to skip probes
/// that cannot add anything.
#[derive(Debug, Default)]
pub(super) struct Partials {
    pub(super) pieces: Vec<Piece>,
    cover: MixMap<u32, (usize, usize)>,
}

impl Partials {
    pub(super) fn clear(&mut self) {
        self.pieces.clear();
        self.cover.clear();
    }

    #[cfg(test)]
    pub(super) fn is_empty(&self) -> bool {
        self.pieces.is_empty() && self.cover.is_empty()
    }

    pub(super) fn heap_bytes(&self) -> usize {
        self.pieces.capacity() * size_of::<Piece>()
            + self.cover.capacity() * (size_of::<(u32, (usize, usize))>() + 1)
    }

    /// Considers the seed "the window `arg[p..p + 4]` equals `value[q..q + 4]`" for the value
    /// `owner` whose stored bytes are `value`.
    pub(super) fn seed(
        &mut self,
        arg: &[u8],
        p: usize,
        value: &[u8],
        q: usize,
        owner: u32,
        stride: usize,
    ) {
        if let Some(&(a, b)) = self.cover.get(&owner)
            && p.saturating_sub(stride - 1) >= a
            && p + GRAM + stride - 1 <= b
        {
            return;
        }
        let (Some(before), Some(after)) = (arg.get(..p), value.get(..q)) else {
            return;
        };
        let back = common_suffix(before, after);
        let (Some(rest), Some(tail)) = (arg.get(p..), value.get(q..)) else {
            return;
        };
        let forward = common_prefix(rest, tail);
        crate::work::charge(back + forward);
        let (start, end) = (p - back, p + forward);
        if end - start < MIN_PARTIAL {
            return;
        }
        self.pieces.push(Piece { owner, start, end });
        let range = match self.cover.get(&owner) {
            Some(&(a, b)) if start <= b && a <= end => (a.min(start), b.max(end)),
            _ => (start, end),
        };
        self.cover.insert(owner, range);
    }
}

/// The length of the longest common prefix, eight bytes at a time.
pub(super) fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    let n = a.len().min(b.len());
    let mut i = 0;
    while i + 8 <= n {
        let x = word(a, i) ^ word(b, i);
        if x != 0 {
            return i + (x.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < n && a[i] == b[i] {
        i += 1;
    }
    i
}

/// The length of the longest common suffix, eight bytes at a time.
pub(super) fn common_suffix(a: &[u8], b: &[u8]) -> usize {
    let n = a.len().min(b.len());
    let (a, b) = (&a[a.len() - n..], &b[b.len() - n..]);
    let mut i = 0;
    while i + 8 <= n {
        let x = word(a, n - i - 8) ^ word(b, n - i - 8);
        if x != 0 {
            return i + (x.leading_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < n && a[n - 1 - i] == b[n - 1 - i] {
        i += 1;
    }
    i
}

fn word(bytes: &[u8], at: usize) -> u64 {
    match bytes.get(at..at + 8) {
        Some(&[a, b, c, d, e, f, g, h]) => u64::from_le_bytes([a, b, c, d, e, f, g, h]),
        _ => 0,
    }
}

/// Merges the pieces of each source into maximal runs (a source's pieces from different values
/// that overlap or touch are one tainted stretch).
pub(super) fn merge(mut pieces: Vec<(u32, usize, usize)>) -> Vec<(u32, usize, usize)> {
    pieces.sort_unstable();
    let mut merged: Vec<(u32, usize, usize)> = Vec::with_capacity(pieces.len());
    for (source, start, end) in pieces {
        match merged.last_mut() {
            Some(last) if last.0 == source && start <= last.2 => last.2 = last.2.max(end),
            _ => merged.push((source, start, end)),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_and_suffix_lengths() {
        let a = b"0123456789abcdefXY";
        let b = b"0123456789abcdefXZ";
        assert_eq!(common_prefix(a, b), 17);
        assert_eq!(common_prefix(b"", b"x"), 0);
        assert_eq!(
            common_suffix(b"..xyz0123456789abcdef", b"-xyz0123456789abcdef"),
            19
        );
        assert_eq!(common_suffix(b"abc", b"abd"), 0);
        assert_eq!(common_suffix(b"abc", b"bc"), 2);
    }

    #[test]
    fn seeds_extend_both_ways_and_skip_inside_found_ranges() {
        let value = b"alice-secret-value";
        let arg = b"user=alice-secret-value;";
        let mut partials = Partials::default();
        partials.seed(arg, 10, value, 5, 7, 5);
        assert_eq!(
            partials.pieces,
            [Piece {
                owner: 7,
                start: 5,
                end: 23
            }]
        );
        // A later probe deep inside the found range adds nothing.
        partials.seed(arg, 15, value, 10, 7, 5);
        assert_eq!(partials.pieces.len(), 1);
    }

    #[test]
    fn merges_overlapping_and_touching_runs_per_source() {
        let merged = merge(vec![
            (1, 10, 20),
            (1, 0, 10),
            (2, 5, 9),
            (1, 15, 30),
            (1, 31, 40),
        ]);
        assert_eq!(merged, [(1, 0, 30), (1, 31, 40), (2, 5, 9)]);
    }
}
