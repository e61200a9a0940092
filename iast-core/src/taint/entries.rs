//! The stored copies of recorded values and of their variants.

use super::range::MatchKind;

/// One searchable byte string: a recorded value's own bytes, or a variant of them.
#[derive(Debug, Clone, Copy)]
pub(super) struct Entry {
    /// Where its bytes start in its arena (the values' or the variants').
    pub(super) start: u32,
    pub(super) len: u32,
    /// The value this entry stands for, an index into the owner's value table.
    pub(super) owner: u32,
    /// `Exact` for a value's own bytes (an occurrence is `Exact` or `CaseChanged` by comparison);
    /// for a decoded form or a variant, the kind every occurrence of it is reported as.
    pub(super) kind: MatchKind,
}

impl Entry {
    pub(super) fn end(self) -> usize {
        self.start as usize + self.len as usize
    }

    /// Whether it lies in the values' arena: a value's own bytes or a decoded form of them
    /// ([`MatchKind::is_form`]), chained for pieces.
    pub(super) fn is_original(self) -> bool {
        self.kind.is_form()
    }
}

/// Tags the ids of variants.
const VARIANT: u32 = 1 << 31;

/// Positions are `u32` to halve the indexes, and `u32::MAX` is their "none".
const MAX_ARENA: usize = u32::MAX as usize - 1;

/// Values and variants are kept in separate arenas: the gram chains cover every position of the
/// values' arena, at 4 bytes per byte, and variants (up to several times the size of the values,
/// and never chained) would otherwise pay that too. In each arena entries are appended in order,
/// so the entry holding a position is found by binary search.
#[derive(Debug, Default)]
pub(super) struct Entries {
    values: Arena,
    variants: Arena,
}

#[derive(Debug, Default)]
struct Arena {
    bytes: Vec<u8>,
    list: Vec<Entry>,
}

/// What an arena reserves on its first push: a request's few parameters and headers fit
/// without the vectors regrowing several times over (and a context that records nothing
/// allocates nothing).
const FIRST_BYTES: usize = 256;
const FIRST_ENTRIES: usize = 16;

impl Arena {
    fn push(&mut self, bytes: &[u8], owner: u32, kind: MatchKind) -> Option<u32> {
        if bytes.len() > MAX_ARENA - self.bytes.len() {
            return None;
        }
        if self.list.capacity() == 0 {
            self.list.reserve(FIRST_ENTRIES);
            self.bytes.reserve(bytes.len().max(FIRST_BYTES));
        }
        let id = u32::try_from(self.list.len())
            .ok()
            .filter(|&id| id < VARIANT)?;
        self.list.push(Entry {
            start: u32::try_from(self.bytes.len()).ok()?,
            len: u32::try_from(bytes.len()).ok()?,
            owner,
            kind,
        });
        self.bytes.extend_from_slice(bytes);
        Some(id)
    }

    fn clear(&mut self) {
        self.bytes.clear();
        self.list.clear();
    }

    fn heap_bytes(&self) -> usize {
        self.bytes.capacity() + self.list.capacity() * size_of::<Entry>()
    }
}

impl Entries {
    /// Appends a copy of `bytes` as a value's own bytes (`kind` `Exact`), a decoded form of them
    /// or a variant; `None` when its arena would outgrow `u32` positions.
    pub(super) fn push(&mut self, bytes: &[u8], owner: u32, kind: MatchKind) -> Option<u32> {
        if kind.is_form() {
            self.values.push(bytes, owner, kind)
        } else {
            self.variants
                .push(bytes, owner, kind)
                .map(|id| id | VARIANT)
        }
    }

    pub(super) fn get(&self, id: u32) -> Entry {
        if id & VARIANT == 0 {
            self.values.list[id as usize]
        } else {
            self.variants.list[(id & !VARIANT) as usize]
        }
    }

    pub(super) fn bytes(&self, entry: Entry) -> &[u8] {
        let arena = if entry.is_original() {
            &self.values.bytes
        } else {
            &self.variants.bytes
        };
        &arena[entry.start as usize..entry.end()]
    }

    /// The values' arena, whose positions the gram chains hold.
    pub(super) fn arena(&self) -> &[u8] {
        &self.values.bytes
    }

    /// The id of the value entry holding position `pos` of the values' arena.
    pub(super) fn at(&self, pos: u32) -> u32 {
        let after = self.values.list.partition_point(|e| e.start <= pos);
        after.saturating_sub(1) as u32
    }

    /// Forgets every entry, keeping the arenas' allocations.
    pub(super) fn clear(&mut self) {
        self.values.clear();
        self.variants.clear();
    }

    /// Whether it holds nothing, as a new one (capacity aside).
    #[cfg(test)]
    pub(super) fn is_vacant(&self) -> bool {
        self.values.list.is_empty()
            && self.values.bytes.is_empty()
            && self.variants.list.is_empty()
            && self.variants.bytes.is_empty()
    }

    pub(super) fn heap_bytes(&self) -> usize {
        self.values.heap_bytes() + self.variants.heap_bytes()
    }
}
