//! The index of entries too short for the gram index (1 to 3 bytes), and the isolation rule
//! they are held to.

use super::entries::Entries;
use super::gate::Gate;
use super::grams::GRAM;
use super::hash::MixMap;

const NIL: u32 = u32::MAX;

/// Room made on the first insert, for a request's few short values.
const FIRST_SHORT: usize = 8;

/// Entries shorter than this are short. Below a gram they cannot be seeded by the gram index,
/// and below it too a value coincides with pieces of unrelated text ("1" in "10", "id" in
/// "width") so often that it only counts where it stands on its own (see [`isolated`]).
pub(super) const SHORT_LEN: usize = GRAM;

/// A byte that continues a word or identifier: an alphanumeric one, `_`, or any byte of a
/// non-ASCII character (mostly letters, and a value's own non-ASCII edge is treated the same).
pub(super) fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

/// Whether `arg[start..end]`, an occurrence of the short `entry`, is not glued to a word byte on
/// a side where the entry itself ends in one: "1" counts in `id = 1` and `'1'`, not in `col1` or
/// `10`; `'` counts everywhere.
pub(super) fn isolated(arg: &[u8], start: usize, end: usize, entry: &[u8]) -> bool {
    let (Some(&first), Some(&last)) = (entry.first(), entry.last()) else {
        return false;
    };
    let glued_before =
        is_word(first) && start > 0 && arg.get(start - 1).is_some_and(|&b| is_word(b));
    let glued_after = is_word(last) && arg.get(end).is_some_and(|&b| is_word(b));
    !glued_before && !glued_after
}

/// The length and ASCII-lowercased bytes of a short string, packed; unique per folded string.
fn key(bytes: &[u8]) -> u32 {
    bytes.iter().fold(bytes.len() as u32, |k, &b| {
        (k << 8) | u32::from(b.to_ascii_lowercase())
    })
}

fn seen_bit(key: u32) -> usize {
    (u64::from(key).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 48) as usize
}

/// Short entries by folded bytes, with a table of the bytes they can start with so that a scan
/// touches the map only at plausible positions (and uses `memchr` when there are at most three
/// such bytes, as with a lone numeric id).
#[derive(Debug)]
pub(super) struct ShortIndex {
    /// Per raw byte: bit `n - 1` is set when some entry of length `n` starts with it (folded).
    first: [u8; 256],
    needles: Vec<u8>,
    gate: Gate,
    /// 65,536 bits, one per hashed key: most windows that start like an entry but are not one
    /// are turned away here instead of by a map look-up.
    seen: Vec<u64>,
    heads: MixMap<u32, u32>,
    /// `(entry id, next link)`.
    links: Vec<(u32, u32)>,
}

impl Default for ShortIndex {
    fn default() -> Self {
        ShortIndex {
            first: [0; 256],
            needles: Vec::new(),
            gate: Gate::new(0),
            seen: Vec::new(),
            heads: MixMap::default(),
            links: Vec::new(),
        }
    }
}

impl ShortIndex {
    pub(super) fn insert(&mut self, entries: &Entries, id: u32) {
        let bytes = entries.bytes(entries.get(id));
        let Some(&b) = bytes.first() else { return };
        if bytes.len() >= SHORT_LEN {
            return;
        }
        let Ok(link) = u32::try_from(self.links.len()) else {
            return;
        };
        if self.seen.is_empty() {
            self.seen = vec![0; 1 << 10];
            self.heads.reserve(FIRST_SHORT);
            self.links.reserve(FIRST_SHORT);
            self.needles.reserve(FIRST_SHORT);
        }
        let k = key(bytes);
        let bit = seen_bit(k);
        self.seen[bit >> 6] |= 1 << (bit & 63);
        let head = self.heads.entry(k).or_insert(NIL);
        self.links.push((id, *head));
        *head = link;
        let bit = 1 << (bytes.len() - 1);
        for raw in [b.to_ascii_lowercase(), b.to_ascii_uppercase()] {
            if self.first[raw as usize] == 0 {
                self.needles.push(raw);
                self.gate.add(raw);
            }
            self.first[raw as usize] |= bit;
        }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.links.is_empty()
    }

    /// Forgets every entry, keeping the allocations. Only the bits and bytes set for the
    /// entries held are reset, not the whole 8 KiB bit set: every set `seen` bit is that of a
    /// key in `heads`, and every byte with `first` bits is in `needles`.
    pub(super) fn clear(&mut self) {
        for &k in self.heads.keys() {
            let bit = seen_bit(k);
            if let Some(w) = self.seen.get_mut(bit >> 6) {
                *w &= !(1 << (bit & 63));
            }
        }
        for &raw in &self.needles {
            self.first[raw as usize] = 0;
        }
        self.needles.clear();
        self.gate.clear();
        self.heads.clear();
        self.links.clear();
    }

    #[cfg(test)]
    pub(super) fn is_vacant(&self) -> bool {
        self.first.iter().all(|&b| b == 0)
            && self.needles.is_empty()
            && self.gate.is_vacant()
            && self.seen.iter().all(|&w| w == 0)
            && self.heads.is_empty()
            && self.links.is_empty()
    }

    /// Calls `visit(start, len, id)` for every occurrence, ignoring ASCII case, of a short entry.
    pub(super) fn scan(&self, arg: &[u8], mut visit: impl FnMut(usize, usize, u32)) {
        match *self.needles.as_slice() {
            [] => {}
            [a] => memchr::memchr_iter(a, arg).for_each(|i| self.at(arg, i, &mut visit)),
            [a, b] => memchr::memchr2_iter(a, b, arg).for_each(|i| self.at(arg, i, &mut visit)),
            [a, b, c] => {
                memchr::memchr3_iter(a, b, c, arg).for_each(|i| self.at(arg, i, &mut visit));
            }
            _ => {
                let gate = self.gate.narrow().then_some(self.gate);
                let mut i = 0;
                while let Some(&b) = arg.get(i) {
                    if let Some(gate) = gate
                        && i % 8 == 0
                        && !gate.may_start(arg, i)
                    {
                        i += 8;
                        continue;
                    }
                    if self.first[b as usize] != 0 {
                        self.at(arg, i, &mut visit);
                    }
                    i += 1;
                }
            }
        }
    }

    /// Calls `visit(id)` for every short entry equal to `bytes` ignoring ASCII case.
    pub(super) fn lookup(&self, bytes: &[u8], mut visit: impl FnMut(u32)) {
        if bytes.is_empty() || bytes.len() >= SHORT_LEN {
            return;
        }
        let k = key(bytes);
        let bit = seen_bit(k);
        if self
            .seen
            .get(bit >> 6)
            .is_none_or(|w| (w >> (bit & 63)) & 1 == 0)
        {
            return;
        }
        let mut link = self.heads.get(&k).copied().unwrap_or(NIL);
        while let Some(&(id, next)) = self.links.get(link as usize) {
            visit(id);
            link = next;
        }
    }

    fn at(&self, arg: &[u8], i: usize, visit: &mut impl FnMut(usize, usize, u32)) {
        let Some(&b) = arg.get(i) else { return };
        let lengths = self.first[b as usize];
        for len in 1..SHORT_LEN {
            if lengths & (1 << (len - 1)) != 0
                && let Some(window) = arg.get(i..i + len)
            {
                self.lookup(window, |id| visit(i, len, id));
            }
        }
    }

    pub(super) fn heap_bytes(&self) -> usize {
        self.needles.capacity()
            + self.seen.capacity() * size_of::<u64>()
            + self.heads.capacity() * (size_of::<(u32, u32)>() + 1)
            + self.links.capacity() * size_of::<(u32, u32)>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn isolation_follows_the_entry_edges() {
        assert!(isolated(b"id = 1", 5, 6, b"1"));
        assert!(isolated(b"'1'", 1, 2, b"1"));
        assert!(!isolated(b"col1", 3, 4, b"1"));
        assert!(!isolated(b"10", 0, 1, b"1"));
        assert!(!isolated(b"x_1", 2, 3, b"1"));
        assert!(isolated(b"abc'def", 3, 4, b"'"));
        // The edge that is not a word byte may touch anything.
        assert!(isolated(b"x-1", 1, 3, b"-1"));
        assert!(!isolated(b"-1x", 0, 2, b"-1"));
    }

    #[test]
    fn keys_are_unique_per_length() {
        assert_ne!(key(b"\0a"), key(b"a"));
        assert_eq!(key(b"Ab"), key(b"aB"));
    }
}
