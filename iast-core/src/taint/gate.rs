//! Skipping text that cannot start a stored string, eight bytes at a time.
//!
//! When every stored string starts with a byte from a narrow range (digits, as with numeric ids
//! and codes), a word of text with no byte in that range is skipped with a few arithmetic
//! operations instead of eight table look-ups.

/// Widest range worth gating: wider ones (letters) pass most text anyway.
const NARROW: u8 = 16;

const ONES: u64 = u64::MAX / 255;
const HIGHS: u64 = ONES * 128;

/// The range of (possibly case-folded) first bytes of stored strings.
#[derive(Debug, Clone, Copy)]
pub(super) struct Gate {
    lo: u8,
    hi: u8,
    /// OR-ed into each text word before testing (the stores' fold), or 0.
    fold: u64,
}

impl Gate {
    pub(super) fn new(fold: u64) -> Gate {
        Gate {
            lo: u8::MAX,
            hi: 0,
            fold,
        }
    }

    /// Forgets every first byte, keeping the fold: as new.
    pub(super) fn clear(&mut self) {
        *self = Gate::new(self.fold);
    }

    pub(super) fn add(&mut self, first: u8) {
        self.lo = self.lo.min(first);
        self.hi = self.hi.max(first);
    }

    /// Whether no first byte was added.
    #[cfg(test)]
    pub(super) fn is_vacant(self) -> bool {
        (self.lo, self.hi) == (u8::MAX, 0)
    }

    /// Whether testing words is worth it.
    pub(super) fn narrow(self) -> bool {
        self.lo >= 1 && self.hi < 128 && self.lo <= self.hi && self.hi - self.lo < NARROW
    }

    /// Whether the 8 bytes at `at` (all of them present) may hold a stored first byte; true when
    /// fewer than 8 bytes are left, so that callers fall back to testing bytes one by one.
    #[inline]
    pub(super) fn may_start(self, text: &[u8], at: usize) -> bool {
        match text.get(at..at.saturating_add(8)) {
            Some(&[a, b, c, d, e, f, g, h]) => {
                let x = u64::from_le_bytes([a, b, c, d, e, f, g, h]) | self.fold;
                has_between(x, self.lo - 1, self.hi + 1)
            }
            _ => true,
        }
    }
}

/// Whether some byte `b` of `x` has `m < b < n`, for `m <= 127` and `n <= 128`.
#[inline]
fn has_between(x: u64, m: u8, n: u8) -> bool {
    let low7 = x & (ONES * 127);
    let below_n = (ONES * (127 + u64::from(n))).wrapping_sub(low7);
    let above_m = low7 + ONES * (127 - u64::from(m));
    below_n & !x & above_m & HIGHS != 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn between_agrees_with_bytes() {
        let mut state = 0x1234_5678_9abc_def1_u64;
        for round in 0..20_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let x = state;
            let (m, n) = ((round % 100) as u8, (round % 100 + 1 + round % 28) as u8);
            let want = x.to_le_bytes().iter().any(|&b| m < b && b < n);
            assert_eq!(has_between(x, m, n), want, "{x:#x} {m} {n}");
        }
    }

    #[test]
    fn gate_on_digits() {
        let mut gate = Gate::new(0);
        for b in b'0'..=b'9' {
            gate.add(b);
        }
        assert!(gate.narrow());
        assert!(!gate.may_start(b"abcdefgh", 0));
        assert!(gate.may_start(b"abcdefg9", 0));
        assert!(gate.may_start(b"abc", 0));
        let mut letters = Gate::new(0);
        letters.add(b'a');
        letters.add(b'z');
        assert!(!letters.narrow());
    }
}
