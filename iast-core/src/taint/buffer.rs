//! The address ranges of the buffers recorded values lived in, for `MatchKind::Buffer`.
//!
//! An argument that is the very buffer a source returned, or a slice of it, is tainted with
//! certainty whatever its length. Addresses are only compared, never dereferenced: the bytes
//! are checked against the stored copy, because a freed buffer's address may be reused.

use super::entries::Entries;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Record {
    addr: usize,
    /// Stored length: the kept prefix of the value.
    len: u32,
    entry: u32,
}

impl Record {
    fn end(self) -> usize {
        self.addr.saturating_add(self.len as usize)
    }
}

/// Records sorted by address with a max-end segment tree over them, so that finding the records
/// overlapping an argument costs O(log n + k) although records may overlap one another (a reused
/// address, a value and a slice of it); plus up to `RECENT` newer records, checked one by one,
/// so that a source read between two sink calls does not cost a re-sort of all of them.
#[derive(Debug, Default)]
pub(super) struct BufferIndex {
    sorted: Vec<Record>,
    tree: Vec<usize>,
    recent: Vec<Record>,
}

/// Newer records kept aside before being merged: a linear pass over them costs a scan about as
/// much as a descent of the tree, and merging costs O(n) once per this many adds.
const RECENT: usize = 32;

impl BufferIndex {
    pub(super) fn add(&mut self, bytes: &[u8], len: usize, entry: u32) {
        let Ok(len) = u32::try_from(len) else {
            return;
        };
        if len == 0 {
            return;
        }
        if self.recent.capacity() == 0 {
            // The most it holds, so that it never regrows.
            self.recent.reserve_exact(RECENT + 1);
        }
        self.recent.push(Record {
            addr: bytes.as_ptr() as usize,
            len,
            entry,
        });
        if self.recent.len() > RECENT {
            self.merge();
        }
    }

    pub(super) fn len(&self) -> usize {
        self.sorted.len() + self.recent.len()
    }

    /// Calls `visit(start, end, entry)` for each record overlapping `arg`'s buffer whose stored
    /// bytes equal `arg[start..end]`, the overlap.
    pub(super) fn overlaps(
        &self,
        arg: &[u8],
        entries: &Entries,
        mut visit: impl FnMut(usize, usize, u32),
    ) {
        if arg.is_empty() {
            return;
        }
        let a = arg.as_ptr() as usize;
        let a_end = a.saturating_add(arg.len());
        let mut check = |r: Record| {
            let start = r.addr.max(a);
            let end = r.end().min(a_end);
            if start >= end {
                return;
            }
            let stored = entries.bytes(entries.get(r.entry));
            let mine = &arg[start - a..end - a];
            if stored.get(start - r.addr..end - r.addr) == Some(mine) {
                visit(start - a, end - a, r.entry);
            }
        };
        for &r in &self.recent {
            check(r);
        }
        // Records starting at or past the argument's end cannot overlap it.
        let hi = self.sorted.partition_point(|r| r.addr < a_end);
        if hi > 0 {
            let leaves = self.tree.len() / 2;
            self.descend(1, 0, leaves, hi, a, &mut check);
        }
    }

    /// Visits the records among the first `hi` whose end lies past `a`, pruning subtrees whose
    /// largest end does not.
    fn descend(
        &self,
        node: usize,
        lo: usize,
        width: usize,
        hi: usize,
        a: usize,
        visit: &mut impl FnMut(Record),
    ) {
        if lo >= hi || self.tree.get(node).is_none_or(|&end| end <= a) {
            return;
        }
        if width == 1 {
            if let Some(&r) = self.sorted.get(lo) {
                visit(r);
            }
            return;
        }
        let half = width / 2;
        self.descend(2 * node, lo, half, hi, a, visit);
        self.descend(2 * node + 1, lo + half, half, hi, a, visit);
    }

    fn merge(&mut self) {
        self.sorted.append(&mut self.recent);
        // One sorted run and a short unsorted tail: the sort merges them in linear time.
        self.sorted.sort();
        self.sorted.dedup();
        let leaves = self.sorted.len().next_power_of_two();
        self.tree.clear();
        self.tree.resize(2 * leaves, 0);
        for (i, r) in self.sorted.iter().enumerate() {
            self.tree[leaves + i] = r.end();
        }
        for node in (1..leaves).rev() {
            self.tree[node] = self.tree[2 * node].max(self.tree[2 * node + 1]);
        }
    }

    /// Forgets every record, keeping the allocations.
    pub(super) fn clear(&mut self) {
        self.sorted.clear();
        self.tree.clear();
        self.recent.clear();
    }

    #[cfg(test)]
    pub(super) fn is_vacant(&self) -> bool {
        self.sorted.is_empty() && self.tree.is_empty() && self.recent.is_empty()
    }

    pub(super) fn heap_bytes(&self) -> usize {
        (self.sorted.capacity() + self.recent.capacity()) * size_of::<Record>()
            + self.tree.capacity() * size_of::<usize>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::taint::range::MatchKind;

    fn overlaps(index: &BufferIndex, entries: &Entries, arg: &[u8]) -> Vec<(usize, usize, u32)> {
        let mut out = Vec::new();
        index.overlaps(arg, entries, |s, e, id| out.push((s, e, id)));
        out.sort_unstable();
        out
    }

    #[test]
    fn slices_and_supersets_of_recorded_buffers_are_found() {
        let text = b"0123456789abcdefghij".to_vec();
        let mut entries = Entries::default();
        let mut index = BufferIndex::default();
        let whole = entries.push(&text, 0, MatchKind::Exact).unwrap();
        index.add(&text, text.len(), whole);
        let part = entries.push(&text[5..10], 1, MatchKind::Exact).unwrap();
        index.add(&text[5..10], 5, part);
        // Many unrelated records so the tree has depth.
        let others: Vec<Vec<u8>> = (0..100).map(|i| vec![i as u8; 3]).collect();
        for o in &others {
            let id = entries.push(o, 2, MatchKind::Exact).unwrap();
            index.add(o, o.len(), id);
        }
        assert_eq!(
            overlaps(&index, &entries, &text[3..]),
            [(0, 17, whole), (2, 7, part)]
        );
        assert_eq!(overlaps(&index, &entries, &text[12..14]), [(0, 2, whole)]);
        assert_eq!(overlaps(&index, &entries, b"0123456789abcdefghij"), []);
    }

    #[test]
    fn changed_bytes_at_a_recorded_address_do_not_match() {
        let mut buf = b"secret".to_vec();
        let mut entries = Entries::default();
        let mut index = BufferIndex::default();
        let id = entries.push(&buf, 0, MatchKind::Exact).unwrap();
        index.add(&buf, buf.len(), id);
        buf[0] = b'S';
        assert_eq!(overlaps(&index, &entries, &buf), []);
        assert_eq!(overlaps(&index, &entries, &buf[1..]), [(0, 5, id)]);
    }
}
