//! Analyzer for LDAP filters and distinguished names.
//!
//! Filters (RFC 4515) give `(`, `)`, `*` and `\` meaning inside an assertion value: tainted
//! parentheses add or close filter components, a tainted `*` turns equality into a presence
//! or substring match, and a `\` that is not a `\XX` hex escape breaks the value's encoding.
//! In an attribute description, anything but `[A-Za-z0-9-_.;]` picks a different filter type
//! (`~=`, `>=`, `:dn:=`) or operator (`&`, `|`, `!`). A tainted NUL is confirmed anywhere, since
//! C servers end the string there.
//!
//! Distinguished names (RFC 4514) separate RDNs with `,` (or `;`), join attributes with `+`,
//! and give `"`, `\`, `<`, `>`, `=` and a leading `#` (a BER-encoded value) or space
//! meaning; a `\` followed by one of those or by two hex digits is an escape and is fine.
//!
//! In both, a tainted `\` must escape tainted bytes: one that escapes the program's `)` or `,`
//! swallows a delimiter.
//!
//! The text is a filter when it starts with `(` or the sink parameter's name says so;
//! otherwise it is a DN.

use super::Input;
use std::ops::Range;

pub(super) fn changes_structure(input: &Input<'_>) -> bool {
    let filter = input.argument.to_ascii_lowercase().contains("filter")
        || input.text.trim_ascii_start().first() == Some(&b'(');
    let mut tainted = TaintedBytes::new(input.tainted);
    if filter {
        filter_changed(input.text, &mut tainted)
    } else {
        dn_changed(input.text, &mut tainted)
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum FilterState {
    /// Where a component starts: `(`, `&`, `|`, `!` or an attribute description.
    Component,
    Attribute,
    Value,
}

fn filter_changed(text: &[u8], tainted: &mut TaintedBytes<'_>) -> bool {
    let mut state = FilterState::Component;
    let mut i = 0;
    while let Some(&b) = text.get(i) {
        let t = tainted.contains(i);
        if t && b == 0 {
            return true;
        }
        match state {
            FilterState::Component | FilterState::Attribute => {
                if t && !is_attribute_byte(b) {
                    return true;
                }
                state = match b {
                    b'(' | b')' | b'&' | b'|' | b'!' => FilterState::Component,
                    b'=' => FilterState::Value,
                    _ if b.is_ascii_whitespace() && state == FilterState::Component => state,
                    _ => FilterState::Attribute,
                };
            }
            FilterState::Value => match b {
                b'(' | b')' | b'*' if t => return true,
                b')' => state = FilterState::Component,
                b'\\' => {
                    let escape = is_hex_pair(text, i + 1);
                    if t && !(escape && tainted.contains(i + 1) && tainted.contains(i + 2)) {
                        return true;
                    }
                    if escape {
                        i += 2;
                    }
                }
                _ => {}
            },
        }
        i += 1;
    }
    false
}

/// Bytes of an attribute description: a name or OID and `;`-separated options.
fn is_attribute_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b';')
}

fn is_hex_pair(text: &[u8], at: usize) -> bool {
    text.get(at..at + 2)
        .is_some_and(|pair| pair.iter().all(u8::is_ascii_hexdigit))
}

fn dn_changed(text: &[u8], tainted: &mut TaintedBytes<'_>) -> bool {
    const SPECIAL: &[u8] = b",+\"\\<>;=";
    // Where the current attribute value starts, once its type's `=` has been read.
    let mut value_start = None;
    let mut i = 0;
    while let Some(&b) = text.get(i) {
        let t = tainted.contains(i);
        if b == b'\\' {
            let escaped = text
                .get(i + 1)
                .is_some_and(|&next| SPECIAL.contains(&next) || matches!(next, b' ' | b'#'));
            let len = if is_hex_pair(text, i + 1) {
                3
            } else if escaped {
                2
            } else {
                1
            };
            if t && (len == 1 || !(i + 1..i + len).all(|j| tainted.contains(j))) {
                return true;
            }
            i += len;
            continue;
        }
        if t && (b == 0 || SPECIAL.contains(&b)) {
            return true;
        }
        if t && matches!(b, b'#' | b' ') && value_start == Some(i) {
            return true;
        }
        match b {
            b'=' if value_start.is_none() => value_start = Some(i + 1),
            b',' | b';' | b'+' => value_start = None,
            _ => {}
        }
        i += 1;
    }
    false
}

/// Answers "is byte `i` tainted" for increasing `i` in amortised constant time, over ranges
/// that are sorted by start and may overlap.
struct TaintedBytes<'a> {
    ranges: &'a [Range<usize>],
    next: usize,
    /// End of the union of the ranges that start at or before the last asked position.
    reach: usize,
}

impl<'a> TaintedBytes<'a> {
    fn new(ranges: &'a [Range<usize>]) -> Self {
        TaintedBytes {
            ranges,
            next: 0,
            reach: 0,
        }
    }

    fn contains(&mut self, i: usize) -> bool {
        while let Some(r) = self.ranges.get(self.next) {
            if r.start > i {
                break;
            }
            self.reach = self.reach.max(r.end);
            self.next += 1;
        }
        i < self.reach
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyzers::confidence_of;
    use crate::vulnerability::Confidence;
    use Confidence::{Confirmed, Unsanitized};

    fn c(template: &str, tainted: &str) -> Confidence {
        confidence_of(changes_structure, "filter", template, tainted)
    }

    fn dn(template: &str, tainted: &str) -> Confidence {
        confidence_of(changes_structure, "dn", template, tainted)
    }

    #[test]
    fn filter_metacharacters_are_confirmed() {
        assert_eq!(c("(uid={})", "*)(uid=*))(|(uid=*"), Confirmed);
        assert_eq!(c("(uid={})", "*"), Confirmed);
        assert_eq!(
            c("(&(uid={})(userPassword=x))", "admin)(|(password=*)"),
            Confirmed
        );
        assert_eq!(c("(&(uid={})(objectClass=person))", "admin)(&"), Confirmed);
        assert_eq!(c("(cn={})", "bob\0"), Confirmed);
        assert_eq!(c("(cn={})", "a\\"), Confirmed);
        assert_eq!(c("(cn={})", "a\\zz"), Confirmed);
        assert_eq!(c("(cn={}*)", "a*b"), Confirmed);
        // A tainted `\` that escapes the program's bytes.
        assert_eq!(c("(cn={}29)", "a\\"), Confirmed);
    }

    #[test]
    fn tainted_attribute_descriptions_may_not_change_the_filter_type() {
        assert_eq!(c("({}=bob)", "cn"), Unsanitized);
        assert_eq!(c("({}=bob)", "cn;lang-en"), Unsanitized);
        assert_eq!(c("({}=bob)", "cn:dn:"), Confirmed);
        assert_eq!(c("({}=bob)", "cn~"), Confirmed);
        assert_eq!(c("({}=bob)", "|(cn"), Confirmed);
    }

    #[test]
    fn plain_and_escaped_filter_values_are_unsanitized() {
        assert_eq!(c("(uid={})", "alice"), Unsanitized);
        assert_eq!(c("(uid={})", "\\2a"), Unsanitized);
        assert_eq!(c("(cn={})", "John \\28Jr\\29"), Unsanitized);
        assert_eq!(c("(cn={})", "a=b, c"), Unsanitized);
        assert_eq!(c("(&(objectClass=person)(cn={}*))", "Jo"), Unsanitized);
        assert_eq!(c("(cn={})", "Zoë"), Unsanitized);
        // A filter without outer parentheses, recognised by the parameter's name.
        assert_eq!(c("uid={}", "alice"), Unsanitized);
        assert_eq!(c("uid={}", "*"), Confirmed);
    }

    #[test]
    fn dn_metacharacters_are_confirmed() {
        assert_eq!(dn("cn={},dc=example,dc=com", "admin,dc=evil"), Confirmed);
        assert_eq!(dn("cn={},dc=example", "a+uid=root"), Confirmed);
        assert_eq!(dn("cn={},dc=example", "x\"y"), Confirmed);
        assert_eq!(dn("cn={},dc=example", "a;b"), Confirmed);
        assert_eq!(dn("cn={},dc=example", "a<b>"), Confirmed);
        assert_eq!(dn("cn={},dc=example", "a=b"), Confirmed);
        assert_eq!(dn("cn={},dc=example", "a\\"), Confirmed);
        assert_eq!(dn("cn={},dc=example", "#04024869"), Confirmed);
        assert_eq!(dn("cn={},dc=example", " admin"), Confirmed);
        assert_eq!(dn("cn={},dc=example", "a\0"), Confirmed);
    }

    #[test]
    fn plain_and_escaped_dn_values_are_unsanitized() {
        assert_eq!(dn("cn={},dc=example", "alice"), Unsanitized);
        assert_eq!(dn("cn={},dc=example", "Smith\\, John"), Unsanitized);
        assert_eq!(dn("cn={},dc=example", "\\#1"), Unsanitized);
        assert_eq!(dn("cn={},dc=example", "a\\2Cb"), Unsanitized);
        assert_eq!(dn("cn={},dc=example", "John Smith"), Unsanitized);
        assert_eq!(dn("cn={},dc=example", "C#"), Unsanitized);
        // A program-written separator is not the attacker's.
        assert_eq!(dn("uid={},ou=people,dc=example", "jdoe"), Unsanitized);
    }

    #[test]
    fn the_text_decides_between_filter_and_dn() {
        let any = |template, tainted| confidence_of(changes_structure, "query", template, tainted);
        assert_eq!(any("(uid={})", "*"), Confirmed);
        assert_eq!(any("cn={},dc=example", "*"), Unsanitized);
        assert_eq!(any("cn={},dc=example", "a,b"), Confirmed);
    }

    #[test]
    fn overlapping_ranges_and_odd_bytes() {
        let text = b"(cn=ab*)(x\xff\0";
        let tainted = [4..5, 4..7, 5..6];
        let input = Input {
            text,
            tainted: &tainted,
            argument: "filter",
        };
        assert!(changes_structure(&input));
        let tainted = [4..5, 4..6];
        let input = Input {
            text,
            tainted: &tainted,
            argument: "filter",
        };
        assert!(!changes_structure(&input));
        for text in [&b"\\"[..], b"(\\", b"(a=\\f", b"a=\\", b"\xff", b""] {
            for argument in ["filter", "dn"] {
                let tainted = 0..text.len();
                changes_structure(&Input {
                    text,
                    tainted: std::slice::from_ref(&tainted),
                    argument,
                });
            }
        }
    }
}
