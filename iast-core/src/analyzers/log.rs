//! Analyzer for log lines.
//!
//! Tainted CR or LF forges further log entries; other C0 controls, DEL and the C1 range
//! (ESC starts ANSI sequences that recolour, move the cursor or retitle a terminal that
//! shows the log) tamper with how the log is displayed.

use super::Input;
use super::any_tainted_byte;

pub(super) fn changes_structure(input: &Input<'_>) -> bool {
    let (text, tainted) = (input.text, input.tainted);
    let control = |b: u8| (b < 0x20 && b != b'\t') || b == 0x7f;
    // Merged, because two sources side by side may each give one byte of a C1 character.
    let runs = crate::ranges::merge(tainted.iter().cloned(), text.len());
    let c1 = runs.iter().any(|r| has_c1_control(&text[r.clone()]));
    c1 || any_tainted_byte(text, tainted, control)
}

/// Whether `bytes` hold a C1 control written in UTF-8. A terminal decodes what it can and
/// skips the rest, so invalid bytes around a character do not stop it from acting; and a C1
/// lead byte (`\xc2`) never continues a sequence, so a run decodes its characters as the
/// whole line does.
fn has_c1_control(bytes: &[u8]) -> bool {
    bytes.utf8_chunks().any(|chunk| {
        chunk
            .valid()
            .chars()
            .any(|c| ('\u{80}'..='\u{9f}').contains(&c))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyzers::confidence_of;
    use crate::vulnerability::Confidence;
    use std::ops::Range;

    #[test]
    fn forged_lines_and_escapes_are_confirmed() {
        let c = |template, tainted| confidence_of(changes_structure, "line", template, tainted);
        assert_eq!(
            c("user={}", "a\nINFO admin logged in"),
            Confidence::Confirmed
        );
        assert_eq!(c("user={}", "\u{1b}[2J"), Confidence::Confirmed);
        assert_eq!(c("user={}", "\u{9b}2J"), Confidence::Confirmed);
        assert_eq!(c("user={}\tid=7", "alice"), Confidence::Unsanitized);
    }

    #[test]
    fn c1_controls_are_found_among_invalid_bytes_and_across_ranges() {
        let c = |text: &[u8], tainted: &[Range<usize>]| {
            crate::analyzers::as_confidence(changes_structure(&Input {
                text,
                tainted,
                argument: "line",
            }))
        };
        let one = |text: &[u8], tainted: Range<usize>| c(text, std::slice::from_ref(&tainted));
        // U+009B (CSI) between bytes that are not UTF-8.
        let text = b"user=\xc2\x9b2\xc1J";
        assert_eq!(one(text, 5..text.len()), Confidence::Confirmed);
        assert_eq!(one(b"user=\xc1\xc2\x9b", 5..8), Confidence::Confirmed);
        // Its two bytes from two sources side by side, or from overlapping ones.
        assert_eq!(c(text, &[5..6, 6..9]), Confidence::Confirmed);
        assert_eq!(c(text, &[5..6, 5..6, 6..7]), Confidence::Confirmed);
        // Invalid bytes and other characters alone are no control.
        assert_eq!(one(b"user=\xc1J\xfe", 5..8), Confidence::Unsanitized);
        assert_eq!(one("user=é€".as_bytes(), 5..10), Confidence::Unsanitized);
    }
}
