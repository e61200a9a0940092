//! Analyzer for HTTP header values.
//!
//! A tainted CR or LF inside a header value ends the header and lets the attacker write
//! further headers or a body (response splitting). In a cookie header (the sink parameter's
//! name says `cookie`: `Set-Cookie`, `Cookie`), a tainted `;` ends the cookie's value and
//! starts an attribute (`Domain=`, `Path=`, `SameSite=None`) or, in `Cookie`, another cookie.

use super::Input;
use super::any_tainted_byte;

pub(super) fn changes_structure(input: &Input<'_>) -> bool {
    let (text, tainted) = (input.text, input.tainted);
    let cookie = input.argument.to_ascii_lowercase().contains("cookie");
    any_tainted_byte(text, tainted, |b| {
        b == b'\r' || b == b'\n' || (cookie && b == b';')
    })
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

    #[test]
    fn tainted_semicolon_in_a_cookie_adds_an_attribute() {
        let c = |argument, template, tainted| {
            confidence_of(changes_structure, argument, template, tainted)
        };
        let attack = "dark; Domain=evil.example";
        assert_eq!(
            c("set_cookie", "theme={}; Path=/", attack),
            Confidence::Confirmed
        );
        assert_eq!(
            c("set_cookie", "theme={}; Path=/", "solarized-dark"),
            Confidence::Unsanitized
        );
        // The program's own attributes are its own; elsewhere a `;` is data.
        assert_eq!(
            c("set_cookie", "theme={}; Path=/; Secure", "x"),
            Confidence::Unsanitized
        );
        assert_eq!(
            c("value", "text/html; q={}", attack),
            Confidence::Unsanitized
        );
    }
}
