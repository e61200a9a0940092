//! Distinct recorded byte strings and what is known of each: the sources that returned it.

use super::hash::MixMap;
use std::hash::{BuildHasher, RandomState};

const NIL: u32 = u32::MAX;

/// Room made on the first insert: a request's parameters and headers fit without the map
/// rehashing and the vectors regrowing on the way (and a context recording nothing allocates
/// nothing).
const FIRST_VALUES: usize = 16;

/// Finds a stored byte string by its bytes without keeping a second copy of them as a key: a
/// keyed hash of the bytes maps to the latest id with that hash, and ids with equal hashes are
/// chained. The hash is keyed per store so that chosen values cannot be made to collide.
#[derive(Debug, Default)]
pub(super) struct Dedupe {
    heads: MixMap<u64, u32>,
    next: Vec<u32>,
    state: RandomState,
}

impl Dedupe {
    pub(super) fn hash(&self, bytes: &[u8]) -> u64 {
        self.state.hash_one(bytes)
    }

    /// The id whose bytes (as told by `bytes_of`) equal `bytes`.
    pub(super) fn find<'a>(
        &self,
        hash: u64,
        bytes: &[u8],
        bytes_of: impl Fn(u32) -> &'a [u8],
    ) -> Option<u32> {
        let mut id = self.heads.get(&hash).copied().unwrap_or(NIL);
        while id != NIL {
            if bytes_of(id) == bytes {
                return Some(id);
            }
            id = self.next.get(id as usize).copied().unwrap_or(NIL);
        }
        None
    }

    /// Registers the next id, which must equal the number registered so far.
    pub(super) fn insert(&mut self, hash: u64, id: u32) {
        if self.next.capacity() == 0 {
            self.heads.reserve(FIRST_VALUES);
            self.next.reserve(FIRST_VALUES);
        }
        let head = self.heads.entry(hash).or_insert(NIL);
        self.next.push(*head);
        *head = id;
    }

    /// Forgets every id, keeping the allocations and the hash key.
    pub(super) fn clear(&mut self) {
        self.heads.clear();
        self.next.clear();
    }

    #[cfg(test)]
    pub(super) fn is_vacant(&self) -> bool {
        self.heads.is_empty() && self.next.is_empty()
    }

    /// A seed for other per-store hashing.
    pub(super) fn seed(&self) -> u64 {
        self.state.hash_one(0x5eed_u64)
    }

    pub(super) fn heap_bytes(&self) -> usize {
        self.heads.capacity() * (size_of::<(u64, u32)>() + 1) + self.next.capacity() * 4
    }
}

/// One distinct tainted byte string.
#[derive(Debug, Clone, Copy)]
struct Value {
    /// The entry holding its bytes.
    entry: u32,
    /// First link of its list of sources.
    sources: u32,
}

/// Tainted values and their sources (as singly linked lists in one vector, since nearly every
/// value has one source and a `Vec` each would be an allocation each).
#[derive(Debug, Default)]
pub(super) struct Values {
    list: Vec<Value>,
    /// `(source, next link)`.
    links: Vec<(u32, u32)>,
    pub(super) dedupe: Dedupe,
}

impl Values {
    pub(super) fn len(&self) -> usize {
        self.list.len()
    }

    /// The next value id, if one more fits.
    pub(super) fn next_id(&self) -> Option<u32> {
        u32::try_from(self.list.len()).ok().filter(|&id| id != NIL)
    }

    pub(super) fn entry(&self, value: u32) -> u32 {
        self.list[value as usize].entry
    }

    /// Adds the value with id `next_id()`, without sources.
    pub(super) fn push(&mut self, hash: u64, entry: u32) {
        if self.list.capacity() == 0 {
            self.list.reserve(FIRST_VALUES);
            self.links.reserve(FIRST_VALUES);
        }
        let id = self.list.len() as u32;
        self.list.push(Value {
            entry,
            sources: NIL,
        });
        self.dedupe.insert(hash, id);
    }

    pub(super) fn has_source(&self, value: u32, source: u32) -> bool {
        self.sources(value).any(|s| s == source)
    }

    /// Adds `source` (not yet there); false when no more links fit.
    pub(super) fn add_source(&mut self, value: u32, source: u32) -> bool {
        let Ok(link) = u32::try_from(self.links.len()) else {
            return false;
        };
        if link == NIL {
            return false;
        }
        let v = &mut self.list[value as usize];
        self.links.push((source, v.sources));
        v.sources = link;
        true
    }

    pub(super) fn sources(&self, value: u32) -> impl Iterator<Item = u32> + '_ {
        let mut link = self.list.get(value as usize).map_or(NIL, |v| v.sources);
        std::iter::from_fn(move || {
            let &(source, next) = self.links.get(link as usize)?;
            link = next;
            Some(source)
        })
    }

    /// Forgets every value, keeping the allocations and the dedupe hash key.
    pub(super) fn clear(&mut self) {
        self.list.clear();
        self.links.clear();
        self.dedupe.clear();
    }

    #[cfg(test)]
    pub(super) fn is_vacant(&self) -> bool {
        self.list.is_empty() && self.links.is_empty() && self.dedupe.is_vacant()
    }

    pub(super) fn heap_bytes(&self) -> usize {
        self.list.capacity() * size_of::<Value>()
            + self.links.capacity() * size_of::<(u32, u32)>()
            + self.dedupe.heap_bytes()
    }
}
