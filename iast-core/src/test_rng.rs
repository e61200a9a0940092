//! A small deterministic generator for the randomized tests: the same inputs on every run,
//! so that a failure reproduces.

pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    /// xorshift64: fast, and good enough to vary test inputs.
    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}
