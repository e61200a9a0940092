//! Whole occurrences of entries (values and their variants), ignoring ASCII case.
//!
//! Every occurrence of every entry is found (overlapping ones included), with no threshold or
//! sampling: entries of 4 bytes or more through the whole-match trie from their first probe,
//! shorter ones through the short index, where they also have to stand on their own. The one
//! exception is `MAX_SELF_OVERLAPS`, which bounds the cost of periodic values in periodic text.

use super::entries::{Entries, Entry};
use super::grams::{GRAM, load};
use super::hash::MixMap;
use super::partial::MIN_PARTIAL;
use super::range::{Hit, MatchKind};
use super::short::{ShortIndex, isolated};

/// How an occurrence `found` of `entry` (equal to its bytes `stored` ignoring ASCII case) is
/// reported: a value's own bytes are `Exact` or `CaseChanged`; a decoded form or a variant has
/// its own kind.
pub(super) fn kind(entry: Entry, stored: &[u8], found: &[u8]) -> MatchKind {
    if entry.kind != MatchKind::Exact {
        entry.kind
    } else if found == stored {
        MatchKind::Exact
    } else {
        MatchKind::CaseChanged
    }
}

/// How many candidate occurrences of one entry that overlap the previous candidate compared
/// are compared per run of overlapping candidates, found or not. Only a periodic value (a run
/// of one byte, `"abab…"`) overlaps itself, and only a periodic or near-periodic argument gives
/// candidates at nearly every offset, each compare costing up to the value's length: without
/// the cap, 16 runs of 64 KiB of `a` joined by quotes and checked against a 64 KiB value of `a`
/// cost billions of byte compares, every one failing at the quote. With it, each stretch of the
/// argument as long as the value is compared at most `MAX_SELF_OVERLAPS + 1` times per entry,
/// so the compares of an entry cost at most `(MAX_SELF_OVERLAPS + 1) * (arg + value)` bytes.
/// Past the cap its non-overlapping occurrences are still reported, and (for values of
/// `MIN_PARTIAL` bytes or more) the bytes between them are still covered by partial matches of
/// the same value. Entries shorter than `MIN_PARTIAL` are not capped: partial matches would
/// not cover what the cap skipped, and a compare of a few bytes costs no more than the probe
/// that found it.
pub(super) const MAX_SELF_OVERLAPS: u32 = 16;

/// Per-scan state of the whole-occurrence checks.
#[derive(Debug, Default)]
pub(super) struct Wholes {
    /// Per entry: the end of the latest candidate compared, and how many compared candidates in
    /// a row overlapped the one before.
    latest: MixMap<u32, (usize, u32)>,
}

impl Wholes {
    pub(super) fn clear(&mut self) {
        self.latest.clear();
    }

    #[cfg(test)]
    pub(super) fn is_empty(&self) -> bool {
        self.latest.is_empty()
    }

    pub(super) fn heap_bytes(&self) -> usize {
        self.latest.capacity() * (size_of::<(u32, (usize, u32))>() + 1)
    }

    /// The whole occurrence, if any, that the gram index candidate "`arg[p..p + 4]` is the gram
    /// at offset `q` of entry `id`" reveals.
    ///
    /// Only candidates with `q < stride` are checked: probes sit at multiples of `stride`, so
    /// the first probe inside an occurrence is less than `stride` bytes into it, and checking
    /// from that probe alone checks each occurrence once, in order of start.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn at_gram(
        &mut self,
        arg: &[u8],
        p: usize,
        id: u32,
        entry: Entry,
        stored: &[u8],
        q: usize,
        stride: usize,
    ) -> Option<Hit> {
        if q >= stride || q > p {
            return None;
        }
        let start = p - q;
        let end = start.checked_add(stored.len())?;
        let found = arg.get(start..end)?;
        // The last gram first: cheap, and it rejects most shifted candidates in repetitive text
        // before a long comparison.
        let tail = stored.len().checked_sub(GRAM)?;
        if !eq_fold_word(load(found, tail), load(stored, tail)) {
            return None;
        }
        let overlaps = match self.latest.get(&id).copied() {
            Some((latest_end, count)) if start < latest_end => {
                if count >= MAX_SELF_OVERLAPS && stored.len() >= MIN_PARTIAL {
                    return None;
                }
                count + 1
            }
            _ => 0,
        };
        // A failed compare counts as much as a found one: both cost the value's length.
        self.latest.insert(id, (end, overlaps));
        if !crate::work::charge(stored.len()) || !found.eq_ignore_ascii_case(stored) {
            return None;
        }
        Some(Hit {
            start,
            end,
            owner: entry.owner,
            kind: kind(entry, stored, found),
        })
    }
}

/// Every isolated occurrence of a short entry.
pub(super) fn short_hits(short: &ShortIndex, entries: &Entries, arg: &[u8], out: &mut Vec<Hit>) {
    short.scan(arg, |start, len, id| {
        let entry = entries.get(id);
        let stored = entries.bytes(entry);
        let end = start + len;
        let Some(found) = arg.get(start..end) else {
            return;
        };
        if found.eq_ignore_ascii_case(stored) && isolated(arg, start, end, stored) {
            out.push(Hit {
                start,
                end,
                owner: entry.owner,
                kind: kind(entry, stored, found),
            });
        }
    });
}

fn eq_fold_word(a: u32, b: u32) -> bool {
    let (a, b) = (a.to_le_bytes(), b.to_le_bytes());
    a.eq_ignore_ascii_case(&b)
}
