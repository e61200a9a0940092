//! Whole occurrences of entries (values and their variants), ignoring ASCII case.
//!
//! Every occurrence of every entry is found (overlapping ones included), with no threshold or
//! sampling: entries of 4 bytes or more through the whole-match trie from their first probe,
//! shorter ones through the short index, where they also have to stand on their own. The one
//! exception is `MAX_SELF_OVERLAPS`, which bounds the cost of periodic values in periodic text.

use super::entries::{Entries, Entry};
use super::grams::{GRAM, load};
use super::hash::MixMap;
use super::range::{Hit, MatchKind};
use super::short::{ShortIndex, isolated};

/// How an occurrence `found` of `entry` (equal to its bytes `stored` ignoring ASCII case) is
/// reported: a value's own bytes are `Exact` or `CaseChanged`; a variant has its own kind.
pub(super) fn kind(entry: Entry, stored: &[u8], found: &[u8]) -> MatchKind {
    if !entry.is_original() {
        entry.kind
    } else if found == stored {
        MatchKind::Exact
    } else {
        MatchKind::CaseChanged
    }
}

/// How many occurrences of one entry that overlap its previous occurrence are checked per
/// scan. Only a periodic value (a run of one byte, `"abab…"`) overlaps itself, and in a long
/// periodic argument it occurs at nearly every offset, each check costing its whole length: this
/// keeps such a scan linear. Past the cap its non-overlapping occurrences are still reported,
/// and (for values of `MIN_PARTIAL` bytes or more) the bytes between them are still covered by
/// partial matches of the same value.
pub(super) const MAX_SELF_OVERLAPS: u32 = 16;

/// Per-scan state of the whole-occurrence checks.
#[derive(Debug, Default)]
pub(super) struct Wholes {
    /// Per entry: the end of its latest occurrence, and how many occurrences overlapped the one
    /// before.
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
        let latest = self.latest.get(&id).copied();
        let overlaps = match latest {
            Some((latest_end, count)) if start < latest_end => {
                if count >= MAX_SELF_OVERLAPS {
                    return None;
                }
                count + 1
            }
            Some((_, count)) => count,
            None => 0,
        };
        if !found.eq_ignore_ascii_case(stored) {
            return None;
        }
        self.latest.insert(id, (end, overlaps));
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
