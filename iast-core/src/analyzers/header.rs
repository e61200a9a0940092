//! Analyzer for HTTP header values.
//!
//! A tainted CR or LF inside a header value ends the header and lets the attacker write
//! further headers or a body (response splitting).

use super::Input;
use super::any_tainted_byte;

pub(super) fn changes_structure(input: &Input<'_>) -> bool {
    let (text, tainted) = (input.text, input.tainted);
    any_tainted_byte(text, tainted, |b| b == b'\r' || b == b'\n')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyzers::confidence_of;
    use crate::vulnerability::Confidence;

    #[test]
    fn tainted_line_break_is_confirmed() {
        let c = |template, tainted| confidence_of(changes_structure, "value", template, tainted);
        assert_eq!(c("{}", "en\r\nSet-Cookie: a=b"), Confidence::Confirmed);
        assert_eq!(c("{}", "en-GB"), Confidence::Unsanitized);
        // A line break the program wrote itself is not the attacker's.
        assert_eq!(c("a\r\n{}", "en"), Confidence::Unsanitized);
    }
}
