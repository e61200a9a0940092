//! Hashing for maps whose keys are integers, addresses or already-hashed values: the store's,
//! a context's table of sources by item, and the SQL analyzer's set of keywords. What a
//! request chooses is hashed with std's keyed SipHash: a value before its hash is a key here,
//! a source's name in a map of its own.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

const MUL: u64 = 0x9E37_79B9_7F4A_7C15;

/// A folded 64x64->128-bit multiply.
///
/// SipHash costs more than the rest of a short scan; this is a few cycles and still spreads
/// every input bit over both halves of the result, which std's table needs (it takes the bucket
/// from the low bits and the tag from the high bits).
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct MixHasher(u64);

impl Hasher for MixHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        let product = u128::from(self.0 ^ n) * u128::from(MUL);
        self.0 = (product as u64) ^ ((product >> 64) as u64);
    }

    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

pub(crate) type MixMap<K, V> = HashMap<K, V, BuildHasherDefault<MixHasher>>;
