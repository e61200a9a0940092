//! What the benchmarks share.

// Each benchmark uses a different part of it.
#![allow(dead_code)]

/// xorshift64*: small, deterministic, and good enough to make values that do not repeat, so
/// every run measures the same data.
pub struct Rng(pub u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed | 1)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// `len` random alphanumeric bytes: what a query parameter or an id looks like.
    pub fn word(&mut self, len: usize) -> String {
        const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        (0..len)
            .map(|_| char::from(ALNUM[self.below(ALNUM.len())]))
            .collect()
    }

    /// A parameter-like value of 8 to 40 bytes: long enough to be matched on its own (values
    /// under 8 bytes need the analyzer's confirmation, see `iast-core/src/confidence.rs`).
    pub fn parameter(&mut self) -> String {
        let len = 8 + self.below(33);
        self.word(len)
    }

    /// `len` bytes of words and spaces, like a text body.
    pub fn text(&mut self, len: usize) -> String {
        let mut out = String::with_capacity(len + 16);
        while out.len() < len {
            let word = 2 + self.below(9);
            out.push_str(&self.word(word));
            out.push(' ');
        }
        out.truncate(len);
        out
    }

    /// `len` bytes of prose: words drawn from `vocabulary`, so that, as in a real body, most
    /// of its 4-byte grams recur within it and across bodies. (Random letters would make
    /// nearly every gram new, the worst case for the index.)
    pub fn prose(&mut self, vocabulary: &[String], len: usize) -> String {
        let mut out = String::with_capacity(len + 16);
        while out.len() < len {
            out.push_str(&vocabulary[self.below(vocabulary.len())]);
            out.push_str(if self.below(12) == 0 { ". " } else { " " });
        }
        out.truncate(len);
        out
    }
}
