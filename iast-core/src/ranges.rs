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

/// Whether any of the sorted, disjoint `runs` shares a byte with `r`.
pub(crate) fn overlaps(runs: &[Range<usize>], r: Range<usize>) -> bool {
    let i = runs.partition_point(|t| t.end <= r.start);
    runs.get(i).is_some_and(|t| t.start < r.end)
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
    }
}
