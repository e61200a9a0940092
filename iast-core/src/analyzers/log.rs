//! Analyzer for log lines.
//!
//! Tainted CR or LF forges further log entries; other C0 controls, DEL and the C1 range
//! (ESC starts ANSI sequences that recolour, move the cursor or retitle a terminal that
//! shows the log) tamper with how the log is displayed.

use super::Input;
use super::any_tainted_byte;
use crate::vulnerability::Confidence;

pub(super) fn analyze(input: &Input<'_>) -> Confidence {
    let (text, tainted) = (input.text, input.tainted);
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
mod tests {
    use super::*;
    use crate::analyzers::confidence_of;

    #[test]
    fn forged_lines_and_escapes_are_confirmed() {
        let c = |template, tainted| confidence_of(analyze, "line", template, tainted);
        assert_eq!(
            c("user={}", "a\nINFO admin logged in"),
            Confidence::Confirmed
        );
        assert_eq!(c("user={}", "\u{1b}[2J"), Confidence::Confirmed);
        assert_eq!(c("user={}", "\u{9b}2J"), Confidence::Confirmed);
        assert_eq!(c("user={}\tid=7", "alice"), Confidence::Unsanitized);
    }
}
