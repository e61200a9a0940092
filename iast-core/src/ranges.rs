//! Sets of byte ranges, as the analyzers and redaction handle them.

use std::ops::Range;

/// `ranges` clamped to `0..len`, empty ones dropped, sorted, and merged where they overlap
/// or touch: disjoint, non-adjacent runs covering the same bytes. Touching ranges merge
/// because bytes from two sources side by side are one run the attacker controls (an
/// escape begun in one and finished in the next is theirs).
pub(crate) fn merge(
    ranges: impl IntoIterator<Item = Range<usize>>,
    len: usize,
) -> Vec<Range<usize>> {
    let mut sorted: Vec<Range<usize>> = ranges
        .into_iter()
        .map(|r| r.start.min(len)..r.end.min(len))
        .filter(|r| !r.is_empty())
        .collect();
    if !sorted.is_sorted_by_key(|r| r.start) {
        sorted.sort_unstable_by_key(|r| r.start);
    }
    let mut runs: Vec<Range<usize>> = Vec::with_capacity(sorted.len());
    for r in sorted {
        match runs.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => runs.push(r),
        }
    }
    runs
}

/// Whether any of the sorted, disjoint `runs` shares a byte with `r`. An empty `r` has no byte
/// to share: answering by its position would make the answer depend on whether one run or two
/// cover the bytes around it.
pub(crate) fn overlaps(runs: &[Range<usize>], r: Range<usize>) -> bool {
    let i = runs.partition_point(|t| t.end <= r.start);
    !r.is_empty() && runs.get(i).is_some_and(|t| t.start < r.end)
}

/// The tainted bytes of an argument as [`merge`] gives them: sorted, disjoint, non-adjacent
/// runs clamped to the argument, asked about by position.
pub(crate) struct Runs(Vec<Range<usize>>);

impl Runs {
    pub(crate) fn new(len: usize, tainted: &[Range<usize>]) -> Self {
        Runs(merge(tainted.iter().cloned(), len))
    }

    /// Whether the byte at `at` is tainted.
    pub(crate) fn contains(&self, at: usize) -> bool {
        let i = self.0.partition_point(|r| r.end <= at);
        self.0.get(i).is_some_and(|r| r.start <= at)
    }

    /// Whether a tainted byte lies in `r` (see [`overlaps`]).
    pub(crate) fn overlaps(&self, r: Range<usize>) -> bool {
        overlaps(&self.0, r)
    }

    /// One past the last tainted byte (0 when nothing is tainted).
    pub(crate) fn end(&self) -> usize {
        self.0.last().map_or(0, |r| r.end)
    }
}

impl std::ops::Deref for Runs {
    type Target = [Range<usize>];

    fn deref(&self) -> &[Range<usize>] {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merges_overlapping_and_touching_ranges_within_bounds() {
        assert_eq!(
            merge([5..7, 0..2, 2..3, 6..9, 10..10, 12..40], 20),
            [0..3, 5..9, 12..20]
        );
        assert!(overlaps(&[0..3, 5..9], 8..12));
        assert!(!overlaps(&[0..3, 5..9], 3..5));
        // Whether one run or two cover the bytes around it, an empty range overlaps nothing.
        assert!(!overlaps(&merge([0..1, 1..9], 9), 1..1));
        assert!(!overlaps(&merge([0..9, 1..9], 9), 1..1));
        assert!(!overlaps(std::slice::from_ref(&(0..9)), 1..1));
        let runs = Runs::new(9, &[0..2, 6..7, 1..2]);
        assert!(runs.overlaps(1..5) && !runs.overlaps(2..6) && runs.contains(6));
        assert_eq!(runs.end(), 7);
    }
}
