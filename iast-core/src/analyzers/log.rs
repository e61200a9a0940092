//! Analyzer for log lines.
//!
//! Tainted CR or LF forges further log entries; other C0 controls, DEL and the C1 range
//! (ESC starts ANSI sequences that recolour, move the cursor or retitle a terminal that
//! shows the log) tamper with how the log is displayed.

use super::any_tainted_byte;
use crate::vulnerability::Confidence;
use std::ops::Range;

pub(super) fn analyze(text: &[u8], tainted: &[Range<usize>]) -> Confidence {
    let control = |b: u8| (b < 0x20 && b != b'\t') || b == 0x7f;
    let c1 = tainted.iter().any(|r| {
        text.get(r.clone())
            .and_then(|s| std::str::from_utf8(s).ok())
            .is_some_and(|s| s.chars().any(|c| ('\u{80}'..='\u{9f}').contains(&c)))
    });
    if c1 || any_tainted_byte(text, tainted, control) {
        Confidence::Confirmed
    } else {
        Confidence::Unsanitized
    }
}

#[cfg(test)]
#[allow(
    clippy::single_range_in_vec_init,
    reason = "a slice of one tainted range is meant"
)]
mod tests {
    use super::*;

    #[test]
    fn forged_lines_and_escapes_are_confirmed() {
        let forged = b"user=a\nINFO admin logged in";
        assert_eq!(analyze(forged, &[5..forged.len()]), Confidence::Confirmed);
        assert_eq!(analyze(b"user=\x1b[2J", &[5..9]), Confidence::Confirmed);
        assert_eq!(analyze(b"user=alice", &[5..10]), Confidence::Unsanitized);
    }
}
