//! The table of 4-byte windows ("grams") of the stored entries, probed at a stride.
//!
//! A probe of the argument costs a load, a multiply and a bit test in a hash filter (and where
//! all stored grams start with bytes from a narrow range, such as digits, eight bytes of text
//! with none of them are skipped at once, see `gate`); only probes whose gram is stored reach
//! the table, whose cell gives both the chain of positions where the gram occurs (partial
//! matches) and the root of the whole-match trie for entries that start with it.
//!
//! Grams are keyed ASCII-case-folded, loosely: `| 0x20` on every byte, which maps each letter's
//! two cases together (and merges a few punctuation pairs; candidates are always verified), so
//! one table serves the case-insensitive whole matches and, with an exact recheck, the
//! case-sensitive partial ones.

use super::gate::Gate;
use super::hash::MixMap;
use super::partial::MIN_PARTIAL;

/// Gram length. One `u32` load, fold and multiply per probe, and long enough that ordinary text
/// rarely hits the filter; shorter entries cannot be seeded here and go to the short index.
pub(super) const GRAM: usize = 4;

/// The widest probe stride. A stride of `s` with `GRAM`-byte windows leaves no run of
/// `GRAM + s - 1` argument bytes without a whole probed window inside it, so with this stride
/// every common substring of `MIN_PARTIAL` bytes contains a probe.
pub(super) const MAX_STRIDE: usize = MIN_PARTIAL - GRAM + 1;

/// How many times one gram is chained within one entry. A value that repeats a gram (a run of
/// one byte, a short period) would otherwise put thousands of positions in one chain; repeats
/// past this add nothing a partial match needs that the first ones do not give.
pub(super) const REPEAT_CAP: u32 = 8;

/// A gram held at more than this many positions of the context's values is a stop-gram: it
/// seeds no partial match. Such a gram is template text shared by many values (a common prefix,
/// a domain, a keyword): it cannot tell which value a fragment came from, fragments made only of
/// such text are coincidences, and walking its chain on every probe would make a scan cost
/// grow with the number of values.
pub(super) const STOP_COUNT: u32 = 32;

pub(super) const NIL: u32 = u32::MAX;
const FOLD: u32 = 0x2020_2020;
const MIN_BITS: u32 = 8;
/// Room made on the first root and the first chained position: a request's values fit
/// without the map rehashing or the chain regrowing on the way.
const FIRST_ROOTS: usize = 32;
const FIRST_POSITIONS: usize = 256;
/// The filter has `2^FILTER_EXTRA_BITS` bits per cell; cells are at most three quarters full,
/// so at most about one probe in eleven of text that is not stored gets past it by chance.
const FILTER_EXTRA_BITS: u32 = 3;

/// Reads 4 bytes little-endian; 0 past the end, which callers never ask for.
#[inline]
pub(super) fn load(bytes: &[u8], at: usize) -> u32 {
    match bytes.get(at..at.saturating_add(GRAM)) {
        Some(&[a, b, c, d]) => u32::from_le_bytes([a, b, c, d]),
        _ => 0,
    }
}

/// The folded key of a gram; never 0, since folding sets bit 5 of every byte.
#[inline]
pub(super) fn key(gram: u32) -> u32 {
    gram | FOLD
}

/// What the table knows of one folded gram, as a probe reports it.
#[derive(Debug, Clone, Copy)]
pub(super) struct Slot {
    /// Latest chained arena position with this gram, or `NIL`.
    pub(super) head: u32,
    /// Positions chained (saturating at `COUNT_MASK`).
    pub(super) count: u32,
    /// Root of the whole-match trie of entries having it within their first stride, or `NIL`.
    pub(super) node: u32,
}

const EMPTY: Slot = Slot {
    head: NIL,
    count: 0,
    node: NIL,
};

/// A table cell: the folded gram (0 when empty) and its chain head.
#[derive(Debug, Clone, Copy)]
struct Cell {
    key: u32,
    head: u32,
}

const VACANT: Cell = Cell { key: 0, head: NIL };
/// In a cell's metadata byte: the gram is a trie root (looked up in `roots`).
const ROOT: u8 = 0x80;
const COUNT_MASK: u8 = 0x7F;

/// The probe loops, apart from the table so that they keep their few values in registers
/// (with the table's state around, the loop spilled and ran at half speed); they push every
/// position whose gram passes the filter, with an empty slot the caller fills in.
struct Filter<'a> {
    words: &'a [u64],
    mul: u64,
    shift: u32,
}

impl Filter<'_> {
    #[inline]
    fn passes(&self, k: u32) -> bool {
        let f = (u64::from(k).wrapping_mul(self.mul) >> self.shift) as usize;
        self.words
            .get(f >> 6)
            .is_some_and(|w| (w >> (f & 63)) & 1 != 0)
    }

    #[inline(never)]
    fn all(&self, arg: &[u8], stride: usize, out: &mut Vec<(usize, Slot)>) {
        let last = arg.len() - GRAM;
        let mut p = 0;
        while p <= last {
            let Some(&[a, b, c, d]) = arg.get(p..p + GRAM) else {
                break;
            };
            if self.passes(key(u32::from_le_bytes([a, b, c, d]))) {
                out.push((p, EMPTY));
            }
            p += stride;
        }
    }

    #[inline(never)]
    fn gated(&self, arg: &[u8], stride: usize, gate: Gate, out: &mut Vec<(usize, Slot)>) {
        let last = arg.len() - GRAM;
        let skip = 8usize.div_ceil(stride) * stride;
        let mut p = 0;
        while p <= last {
            if !gate.may_start(arg, p) {
                p += skip;
                continue;
            }
            if self.passes(key(load(arg, p))) {
                out.push((p, EMPTY));
            }
            p += stride;
        }
    }
}

/// Open addressing with linear probing, at most three quarters full; chains in the manner of
/// LZ77 match finders, `prev[pos]` being the previous position with the same gram, from later
/// to earlier positions, which lets an insert see its own entry's earlier copies of a gram first.
///
/// A distinct gram costs about 12 bytes (an 8-byte cell and a metadata byte, over a 3/4 load)
/// and a chained position 4, which with the arena byte is what a value costs per byte.
#[derive(Debug)]
pub(super) struct GramIndex {
    cells: Vec<Cell>,
    meta: Vec<u8>,
    roots: MixMap<u32, u32>,
    bits: u32,
    keys: usize,
    filter: Vec<u64>,
    prev: Vec<u32>,
    mul: u64,
    min_len: usize,
    gate: Gate,
}

impl GramIndex {
    /// `seed` picks the hash multiplier, so that values chosen to collide in one store do not
    /// collide in another.
    pub(super) fn new(seed: u64) -> GramIndex {
        GramIndex {
            cells: Vec::new(),
            meta: Vec::new(),
            roots: MixMap::default(),
            bits: 0,
            keys: 0,
            filter: Vec::new(),
            prev: Vec::new(),
            mul: seed | 1,
            min_len: usize::MAX,
            gate: Gate::new(u64::from(FOLD) * 0x1_0000_0001),
        }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.keys == 0
    }

    /// Forgets every gram, chain and root, keeping the allocations and the hash multiplier:
    /// the table keeps its size, its cells vacant again, so that it refills without regrowing.
    pub(super) fn clear(&mut self) {
        // Cells, their metadata and filter bits are only ever set along with a new key.
        if self.keys > 0 {
            self.cells.fill(VACANT);
            self.meta.fill(0);
            self.filter.fill(0);
            self.keys = 0;
        }
        self.roots.clear();
        self.prev.clear();
        self.min_len = usize::MAX;
        self.gate.clear();
    }

    /// Whether it holds nothing, as a new one (capacity and table size aside).
    #[cfg(test)]
    pub(super) fn is_vacant(&self) -> bool {
        self.cells.iter().all(|c| c.key == 0 && c.head == NIL)
            && self.meta.iter().all(|&m| m == 0)
            && self.roots.is_empty()
            && self.keys == 0
            && self.filter.iter().all(|&w| w == 0)
            && self.prev.is_empty()
            && self.min_len == usize::MAX
            && self.gate.is_vacant()
            && self.cells.len() == self.meta.len()
            && (self.cells.is_empty() || self.cells.len() == 1 << self.bits)
    }

    /// Notes an entry of `len >= GRAM` bytes that whole matches must find, which bounds the
    /// stride.
    pub(super) fn note_len(&mut self, len: usize) {
        if len >= GRAM {
            self.min_len = self.min_len.min(len);
        }
    }

    /// The probe stride: as wide as `MAX_STRIDE` allows while still landing a whole window
    /// inside an occurrence of the shortest entry.
    pub(super) fn stride(&self) -> usize {
        if self.min_len == usize::MAX {
            MAX_STRIDE
        } else {
            (self.min_len - GRAM + 1).clamp(1, MAX_STRIDE)
        }
    }

    /// The trie root of `gram` (as read from the text), if it has one.
    pub(super) fn root(&self, gram: u32) -> Option<u32> {
        self.roots.get(&key(gram)).copied()
    }

    /// Makes `node` the trie root of `gram`.
    pub(super) fn set_root(&mut self, gram: u32, node: u32) {
        let i = self.cell(gram);
        self.meta[i] |= ROOT;
        if self.roots.capacity() == 0 {
            self.roots.reserve(FIRST_ROOTS);
        }
        self.roots.insert(key(gram), node);
    }

    /// The cell of `gram`, created if needed.
    fn cell(&mut self, gram: u32) -> usize {
        if self.cells.is_empty() || 4 * (self.keys + 1) > 3 * self.cells.len() {
            self.grow();
        }
        let k = key(gram);
        let h = self.hash(k);
        let mask = self.cells.len() - 1;
        let mut i = (h >> (64 - self.bits)) as usize;
        while self.cells[i].key != 0 && self.cells[i].key != k {
            i = (i + 1) & mask;
        }
        if self.cells[i].key == 0 {
            self.cells[i].key = k;
            self.keys += 1;
            let f = (h >> (64 - self.bits - FILTER_EXTRA_BITS)) as usize;
            self.filter[f >> 6] |= 1 << (f & 63);
            self.gate.add(k as u8);
        }
        i
    }

    /// Chains arena position `pos` (a gram of the entry starting at `start`) under its gram,
    /// unless the entry already has `REPEAT_CAP` copies of it.
    pub(super) fn chain(&mut self, arena: &[u8], start: u32, pos: u32) {
        if self.prev.len() < arena.len() {
            if self.prev.capacity() == 0 {
                self.prev.reserve(arena.len().max(FIRST_POSITIONS));
            }
            self.prev.resize(arena.len(), NIL);
        }
        let gram = load(arena, pos as usize);
        let i = self.cell(gram);
        let head = self.cells[i].head;
        let mut cur = head;
        let mut same = 0;
        while cur != NIL && cur >= start {
            if load(arena, cur as usize) == gram {
                same += 1;
                if same >= REPEAT_CAP {
                    return;
                }
            }
            cur = self.prev[cur as usize];
        }
        self.prev[pos as usize] = head;
        self.cells[i].head = pos;
        let meta = &mut self.meta[i];
        if *meta & COUNT_MASK < COUNT_MASK {
            *meta += 1;
        }
    }

    /// The slot of the window `arg[p..p + 4]`, if that gram is stored.
    #[inline]
    pub(super) fn lookup(&self, arg: &[u8], p: usize) -> Option<Slot> {
        if self.keys == 0 || p.saturating_add(GRAM) > arg.len() {
            return None;
        }
        self.find(key(load(arg, p)))
    }

    /// Appends `(p, slot)` for every argument position `p` that is a multiple of `stride` whose
    /// window `arg[p..p + 4]` is a stored gram.
    pub(super) fn probe(&self, arg: &[u8], stride: usize, out: &mut Vec<(usize, Slot)>) {
        if self.keys == 0 || arg.len() < GRAM {
            return;
        }
        let from = out.len();
        let filter = Filter {
            words: &self.filter,
            mul: self.mul,
            shift: 64 - self.bits - FILTER_EXTRA_BITS,
        };
        let stride = stride.max(1);
        if self.gate.narrow() {
            filter.gated(arg, stride, self.gate, out);
        } else {
            filter.all(arg, stride, out);
        }
        // The filter's passes, resolved; those it let through by chance are dropped.
        let mut kept = from;
        for i in from..out.len() {
            let (p, _) = out[i];
            if let Some(slot) = self.find(key(load(arg, p))) {
                out[kept] = (p, slot);
                kept += 1;
            }
        }
        out.truncate(kept);
    }

    /// The chained positions from `head` on, latest first.
    pub(super) fn positions(&self, head: u32) -> impl Iterator<Item = u32> + '_ {
        let mut cur = head;
        std::iter::from_fn(move || {
            let pos = cur;
            cur = *self.prev.get(pos as usize)?;
            Some(pos)
        })
    }

    #[inline]
    fn hash(&self, k: u32) -> u64 {
        u64::from(k).wrapping_mul(self.mul)
    }

    #[inline]
    fn find(&self, k: u32) -> Option<Slot> {
        let mask = self.cells.len().checked_sub(1)?;
        let mut i = (self.hash(k) >> (64 - self.bits)) as usize;
        loop {
            let cell = self.cells[i];
            if cell.key == k {
                let meta = self.meta[i];
                let node = if meta & ROOT != 0 {
                    self.roots.get(&k).copied().unwrap_or(NIL)
                } else {
                    NIL
                };
                return Some(Slot {
                    head: cell.head,
                    count: u32::from(meta & COUNT_MASK),
                    node,
                });
            }
            if cell.key == 0 {
                return None;
            }
            i = (i + 1) & mask;
        }
    }

    fn grow(&mut self) {
        let bits = if self.cells.is_empty() {
            MIN_BITS
        } else {
            self.bits + 1
        };
        let cells = std::mem::replace(&mut self.cells, vec![VACANT; 1 << bits]);
        let meta = std::mem::replace(&mut self.meta, vec![0; 1 << bits]);
        self.bits = bits;
        self.filter = vec![0; 1 << (bits + FILTER_EXTRA_BITS - 6)];
        let mask = self.cells.len() - 1;
        for (cell, meta) in cells.into_iter().zip(meta).filter(|(c, _)| c.key != 0) {
            let h = self.hash(cell.key);
            let mut i = (h >> (64 - bits)) as usize;
            while self.cells[i].key != 0 {
                i = (i + 1) & mask;
            }
            self.cells[i] = cell;
            self.meta[i] = meta;
            let f = (h >> (64 - bits - FILTER_EXTRA_BITS)) as usize;
            self.filter[f >> 6] |= 1 << (f & 63);
        }
    }

    pub(super) fn heap_bytes(&self) -> usize {
        self.cells.capacity() * size_of::<Cell>()
            + self.meta.capacity()
            + self.roots.capacity() * (size_of::<(u32, u32)>() + 1)
            + self.filter.capacity() * size_of::<u64>()
            + self.prev.capacity() * size_of::<u32>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chained(values: &[&[u8]]) -> (Vec<u8>, GramIndex) {
        let mut arena = Vec::new();
        let mut grams = GramIndex::new(0x1234_5678_9abc_def1);
        for v in values {
            let start = arena.len() as u32;
            arena.extend_from_slice(v);
            for pos in start..start + (v.len() - GRAM + 1) as u32 {
                grams.chain(&arena, start, pos);
            }
        }
        (arena, grams)
    }

    fn hits(grams: &GramIndex, arg: &[u8], stride: usize) -> Vec<(usize, Vec<u32>)> {
        let mut slots = Vec::new();
        grams.probe(arg, stride, &mut slots);
        slots
            .into_iter()
            .map(|(p, slot)| (p, grams.positions(slot.head).collect()))
            .collect()
    }

    #[test]
    fn finds_chains_across_growth_and_case() {
        let values: Vec<Vec<u8>> = (0..3000)
            .map(|i| format!("v{i:05}xyz").into_bytes())
            .collect();
        let refs: Vec<&[u8]> = values.iter().map(|v| v.as_slice()).collect();
        let (_, grams) = chained(&refs);
        let found = hits(&grams, b"V02999XYZ", 1);
        // "v029" starts v02900 to v02999, latest first.
        assert_eq!(found[0].0, 0);
        assert_eq!(
            found[0].1,
            (2900..3000).rev().map(|i| i * 9).collect::<Vec<u32>>()
        );
        // "9xyz" ends every tenth value.
        let last = found.last().unwrap();
        assert_eq!((last.0, last.1.len(), last.1[0]), (5, 300, 2999 * 9 + 5));
        assert!(hits(&grams, b"wxyzq", 1).is_empty());
    }

    #[test]
    fn repeated_grams_are_capped_per_entry() {
        let run = vec![b'a'; 1000];
        let (_, grams) = chained(&[&run, b"aaaa"]);
        let found = hits(&grams, b"aaaa", 1);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].1, [1000, 7, 6, 5, 4, 3, 2, 1, 0]);
    }

    #[test]
    fn stride_follows_the_shortest_entry() {
        let mut grams = GramIndex::new(1);
        assert_eq!(grams.stride(), MAX_STRIDE);
        grams.note_len(10);
        assert_eq!(grams.stride(), MAX_STRIDE);
        grams.note_len(6);
        assert_eq!(grams.stride(), 3);
        grams.note_len(2);
        assert_eq!(grams.stride(), 3);
        grams.note_len(4);
        assert_eq!(grams.stride(), 1);
    }
}
