//! Analyzer for HTTP header values.
//!
//! A tainted CR or LF inside a header value ends the header and lets the attacker write
//! further headers or a body (response splitting).

use super::any_tainted_byte;
use crate::vulnerability::Confidence;
use std::ops::Range;

pub(super) fn analyze(text: &[u8], tainted: &[Range<usize>]) -> Confidence {
    if any_tainted_byte(text, tainted, |b| b == b'\r' || b == b'\n') {
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
    fn tainted_line_break_is_confirmed() {
        let v = b"en\r\nSet-Cookie: a=b";
        assert_eq!(analyze(v, &[0..v.len()]), Confidence::Confirmed);
        assert_eq!(analyze(b"en-GB", &[0..5]), Confidence::Unsanitized);
        // A line break the program wrote itself is not the attacker's.
        assert_eq!(analyze(b"a\r\nen", &[3..5]), Confidence::Unsanitized);
    }
}
