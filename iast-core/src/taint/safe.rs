//! Values a sanitizer returned or a validator approved, and which tainted ranges they cover.
//!
//! A tainted range is safe for a class when it lies entirely within one occurrence of a safe
//! value recorded for that class: the value's exact bytes (case matters: escaping is about exact
//! bytes), or the part of the argument that is the safe value's own buffer. Partly covered ranges
//! are not safe: the uncovered bytes did not pass the sanitizer.
//!
//! Coverage is checked only around the tainted ranges, never by scanning the whole argument: any
//! occurrence `o..o + len` (`len >= 4`) that contains a range starting at `s` has one of its
//! grams starting in `s - 3..=s`, so four gram probes per range find every candidate (shorter
//! safe values are looked up by the few windows around the range). Safe values are chained at
//! every offset with no stop count, so that coverage is not lost to common text; only a gram
//! repeated more than `REPEAT_CAP` times within one safe value may hide an occurrence, which errs
//! on the side of reporting.

use super::buffer::BufferIndex;
use super::entries::Entries;
use super::grams::{GRAM, GramIndex, load};
use super::hash::MixMap;
use super::range::{MatchKind, TaintedRange};
use super::short::{SHORT_LEN, ShortIndex};
use super::store::Added;
use super::values::Dedupe;
use crate::vulnerability::ClassSet;

#[derive(Debug)]
pub(super) struct SafeSet {
    entries: Entries,
    grams: GramIndex,
    short: ShortIndex,
    /// Per safe value (the value id is its entry id).
    classes: Vec<ClassSet>,
    /// Per safe value: which of the caller's sanitizers and validators gave it, one bit each.
    by: Vec<u64>,
    dedupe: Dedupe,
    buffers: BufferIndex,
    pub(super) bytes: usize,
    pub(super) dropped: usize,
    /// Per-mark working state, kept to reuse its allocations: the safe buffers overlapping
    /// the argument, and the occurrences already compared.
    spans: Vec<(usize, usize, ClassSet, u64)>,
    verified: MixMap<(u32, usize), bool>,
}

impl SafeSet {
    pub(super) fn new() -> SafeSet {
        let dedupe = Dedupe::default();
        SafeSet {
            entries: Entries::default(),
            grams: GramIndex::new(dedupe.seed()),
            short: ShortIndex::default(),
            classes: Vec::new(),
            by: Vec::new(),
            dedupe,
            buffers: BufferIndex::default(),
            bytes: 0,
            dropped: 0,
            spans: Vec::new(),
            verified: MixMap::default(),
        }
    }

    /// Forgets every safe value and the dropped count, keeping the allocations and the
    /// hashing seeds.
    pub(super) fn clear(&mut self) {
        self.entries.clear();
        self.grams.clear();
        self.short.clear();
        self.classes.clear();
        self.by.clear();
        self.dedupe.clear();
        self.buffers.clear();
        self.bytes = 0;
        self.dropped = 0;
        self.spans.clear();
        self.verified.clear();
    }

    #[cfg(test)]
    pub(super) fn is_vacant(&self) -> bool {
        self.entries.is_vacant()
            && self.grams.is_vacant()
            && self.short.is_vacant()
            && self.classes.is_empty()
            && self.by.is_empty()
            && self.dedupe.is_vacant()
            && self.buffers.is_vacant()
            && (self.bytes, self.dropped) == (0, 0)
            && self.spans.is_empty()
            && self.verified.is_empty()
    }

    pub(super) fn len(&self) -> usize {
        self.classes.len()
    }

    /// `kept` is the prefix of `bytes` the caps keep; the value is safe for `classes`, given
    /// by the callers' `by` bits.
    pub(super) fn add(
        &mut self,
        bytes: &[u8],
        kept: usize,
        (classes, by): (ClassSet, u64),
        max_values: usize,
        max_bytes: usize,
        address: bool,
    ) -> Added {
        let kept_bytes = &bytes[..kept];
        let hash = self.dedupe.hash(kept_bytes);
        let entries = &self.entries;
        if let Some(id) = self
            .dedupe
            .find(hash, kept_bytes, |id| entries.bytes(entries.get(id)))
        {
            if address && self.buffers.len() < max_values.saturating_mul(2) {
                self.buffers.add(bytes, kept, id);
            }
            let (known, known_by) = (self.classes[id as usize], self.by[id as usize]);
            if known.union(classes) == known && known_by | by == known_by {
                return Added::Duplicate;
            }
            self.classes[id as usize] = known.union(classes);
            self.by[id as usize] = known_by | by;
            return Added::Recorded;
        }
        if self.classes.len() >= max_values || kept > max_bytes.saturating_sub(self.bytes) {
            self.dropped += 1;
            return Added::Dropped;
        }
        let Some(owner) = u32::try_from(self.classes.len()).ok() else {
            self.dropped += 1;
            return Added::Dropped;
        };
        let Some(id) = self.entries.push(kept_bytes, owner, MatchKind::Exact) else {
            self.dropped += 1;
            return Added::Dropped;
        };
        self.classes.push(classes);
        self.by.push(by);
        self.dedupe.insert(hash, id);
        self.bytes += kept;
        if address {
            self.buffers.add(bytes, kept, id);
        }
        if kept < SHORT_LEN {
            self.short.insert(&self.entries, id);
        } else {
            let start = self.entries.get(id).start;
            for pos in start..start + (kept - GRAM + 1) as u32 {
                self.grams.chain(self.entries.arena(), start, pos);
            }
        }
        Added::Recorded
    }

    /// Sets `safe_for` and `safe_by` of every range.
    pub(super) fn mark(&mut self, arg: &[u8], ranges: &mut [TaintedRange]) {
        if self.classes.is_empty() || ranges.is_empty() {
            return;
        }
        let mut spans = std::mem::take(&mut self.spans);
        let mut verified = std::mem::take(&mut self.verified);
        spans.clear();
        verified.clear();
        let (entries, classes, by) = (&self.entries, &self.classes, &self.by);
        self.buffers.overlaps(arg, entries, |start, end, id| {
            let owner = entries.get(id).owner as usize;
            spans.push((start, end, classes[owner], by[owner]));
        });
        let mut last: Option<(usize, usize, (ClassSet, u64))> = None;
        for range in ranges {
            let safety = match last {
                Some((s, e, c)) if (s, e) == (range.start, range.end) => c,
                _ => self.covering(arg, range.start, range.end, &spans, &mut verified),
            };
            (range.safe_for, range.safe_by) = safety;
            last = Some((range.start, range.end, safety));
        }
        self.spans = spans;
        self.verified = verified;
    }

    fn covering(
        &self,
        arg: &[u8],
        start: usize,
        end: usize,
        spans: &[(usize, usize, ClassSet, u64)],
        verified: &mut MixMap<(u32, usize), bool>,
    ) -> (ClassSet, u64) {
        let mut safe = ClassSet::EMPTY;
        let mut safe_by = 0;
        for &(s, e, c, b) in spans {
            if s <= start && end <= e {
                safe = safe.union(c);
                safe_by |= b;
            }
        }
        if start >= end {
            return (safe, safe_by);
        }
        let arena = self.entries.arena();
        for x in start.saturating_sub(GRAM - 1)..=start {
            let Some(slot) = self.grams.lookup(arg, x) else {
                continue;
            };
            let gram = load(arg, x);
            for pos in self.grams.positions(slot.head) {
                if load(arena, pos as usize) != gram {
                    continue;
                }
                let id = self.entries.at(pos);
                let entry = self.entries.get(id);
                let q = (pos - entry.start) as usize;
                let len = entry.len as usize;
                let Some(o) = x.checked_sub(q) else { continue };
                if o > start || o + len < end || o + len > arg.len() {
                    continue;
                }
                let ok = *verified
                    .entry((id, o))
                    .or_insert_with(|| arg[o..o + len] == *self.entries.bytes(entry));
                if ok {
                    safe = safe.union(self.classes[entry.owner as usize]);
                    safe_by |= self.by[entry.owner as usize];
                }
            }
        }
        if end - start < SHORT_LEN {
            for len in end - start..SHORT_LEN {
                for o in end.saturating_sub(len)..=start {
                    let Some(window) = arg.get(o..o + len) else {
                        continue;
                    };
                    self.short.lookup(window, |id| {
                        let entry = self.entries.get(id);
                        if self.entries.bytes(entry) == window {
                            safe = safe.union(self.classes[entry.owner as usize]);
                            safe_by |= self.by[entry.owner as usize];
                        }
                    });
                }
            }
        }
        (safe, safe_by)
    }

    pub(super) fn heap_bytes(&self) -> usize {
        self.entries.heap_bytes()
            + self.grams.heap_bytes()
            + self.short.heap_bytes()
            + self.classes.capacity() * size_of::<ClassSet>()
            + self.by.capacity() * size_of::<u64>()
            + self.dedupe.heap_bytes()
            + self.buffers.heap_bytes()
            + self.spans.capacity() * size_of::<(usize, usize, ClassSet, u64)>()
            + self.verified.capacity() * (size_of::<((u32, usize), bool)>() + 1)
    }
}
