//! Analyzer for HTTP header values.
//!
//! A tainted CR or LF inside a header value ends the header and lets the attacker write
//! further headers or a body (response splitting).

use super::Input;
use super::any_tainted_byte;
use crate::vulnerability::Confidence;

pub(super) fn analyze(input: &Input<'_>) -> Confidence {
    let (text, tainted) = (input.text, input.tainted);
    if any_tainted_byte(text, tainted, |b| b == b'\r' || b == b'\n') {
        Confidence::Confirmed
    } else {
        Confidence::Unsanitized
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyzers::confidence_of;

    #[test]
    fn tainted_line_break_is_confirmed() {
        let c = |template, tainted| confidence_of(analyze, "value", template, tainted);
        assert_eq!(c("{}", "en\r\nSet-Cookie: a=b"), Confidence::Confirmed);
        assert_eq!(c("{}", "en-GB"), Confidence::Unsanitized);
        // A line break the program wrote itself is not the attacker's.
        assert_eq!(c("a\r\n{}", "en"), Confidence::Unsanitized);
    }
}
