//! What the fuzz targets check. Each target is a thin binary calling one `run` here, so that
//! the targets share their helpers and one build compiles the checks once.
//!
//! A target asserts properties that must hold for any input, not only that nothing panics:
//! ranges within bounds and sorted, answers that do not depend on how the same taint is
//! split into ranges or on what a previous call left in a cache, round trips through the
//! formats the project writes, and the taint store's ranges against a brute-force search.

pub mod analyzer;
pub mod baggage;
pub mod collect;
pub mod config;
pub mod redact;
pub mod taint;

use std::ops::Range;

/// Toggles whether the bytes that follow are tainted, in the inputs of the analyzer and
/// redaction targets. It never occurs in UTF-8, so any text a sink receives as a string can
/// still be written, and the seeds stay readable around it.
pub const MARK: u8 = 0xfe;

/// A second marker for redaction: toggles a tainted range whose source is secret-named.
pub const SECRET_MARK: u8 = 0xfd;

/// Which bytes of a text `len` long are tainted.
pub fn mask(len: usize, ranges: &[Range<usize>]) -> Vec<bool> {
    let mut m = vec![false; len];
    for r in ranges {
        m[r.start.min(len)..r.end.min(len)].fill(true);
    }
    m
}

/// The maximal runs of `true` in `mask`: sorted, disjoint, not adjacent.
pub fn runs(mask: &[bool]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < mask.len() {
        if !mask[i] {
            i += 1;
            continue;
        }
        let start = i;
        while i < mask.len() && mask[i] {
            i += 1;
        }
        out.push(start..i);
    }
    out
}

/// Asserts that `spans` are non-empty, within `len`, sorted and neither overlap nor touch.
#[track_caller]
pub fn assert_disjoint_runs(spans: &[Range<usize>], len: usize, what: &str) {
    for s in spans {
        assert!(
            s.start < s.end && s.end <= len,
            "{what}: {s:?} empty or out of 0..{len}"
        );
    }
    for w in spans.windows(2) {
        assert!(
            w[0].end < w[1].start,
            "{what}: {:?} and {:?} unsorted, overlapping or touching",
            w[0],
            w[1]
        );
    }
}

/// A little-endian reader of the fuzzer's bytes that yields zeros once they run out, so that
/// every input decodes to something.
pub struct Bytes<'a>(pub &'a [u8]);

impl Bytes<'_> {
    pub fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, rest)) => {
                self.0 = rest;
                b
            }
            None => 0,
        }
    }

    pub fn take(&mut self, n: usize) -> &[u8] {
        let (head, rest) = self.0.split_at(n.min(self.0.len()));
        self.0 = rest;
        head
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Splits marked text into the text and its tainted ranges: each `MARK` or `SECRET_MARK`
/// opens a range (of that kind) or closes the open one. A range left open runs to the end.
pub fn unmark(marked: &[u8]) -> (Vec<u8>, Vec<(Range<usize>, bool)>) {
    let mut text = Vec::with_capacity(marked.len());
    let mut ranges = Vec::new();
    let mut open: Option<(usize, bool)> = None;
    for &b in marked {
        if b == MARK || b == SECRET_MARK {
            match open.take() {
                Some((start, secret)) => {
                    if start < text.len() {
                        ranges.push((start..text.len(), secret));
                    }
                }
                None => open = Some((text.len(), b == SECRET_MARK)),
            }
        } else {
            text.push(b);
        }
    }
    if let Some((start, secret)) = open
        && start < text.len()
    {
        ranges.push((start..text.len(), secret));
    }
    (text, ranges)
}
