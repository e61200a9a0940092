//! Analyzer for XPath expressions.
//!
//! XPath 1.0 string literals have no escapes: a quote of the delimiting kind always ends one.
//! So tainted bytes leave the expression's structure alone exactly when they lie inside one
//! literal (between, not on, its quotes) or form part of one number, optionally negated.
//! Anything else (a name, an operator, a bracket, a quote) is confirmed, since it picks what
//! the expression selects or tests: `' or '1'='1`, `'] | //user[name='x`, `1 or 1=1`.

use super::Input;
use std::ops::Range;

pub(super) fn changes_structure(input: &Input<'_>) -> bool {
    let tokens = tokenize(input.text);
    // Ranges that overlap or touch are one run of the attacker's, judged whole: a value split
    // between two sources (`-` from one, `42` from the next) is still one value.
    let runs = crate::ranges::merge(input.tainted.iter().cloned(), input.text.len());
    runs.iter()
        .any(|r| !within_one_value(input.text, &tokens, r))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A quoted literal; `closed` when its closing quote is present.
    Literal {
        closed: bool,
    },
    Number,
    Name,
    /// Operators, brackets, axes, `@`, `$`, and any byte XPath does not know.
    Symbol,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Token {
    kind: Kind,
    span: Range<usize>,
}

fn tokenize(text: &[u8]) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut i = 0;
    while let Some(&b) = text.get(i) {
        let start = i;
        let kind = match b {
            b' ' | b'\t' | b'\n' | b'\r' => {
                i += 1;
                continue;
            }
            b'\'' | b'"' => {
                let close = text[i + 1..].iter().position(|&c| c == b);
                i = close.map_or(text.len(), |at| i + 1 + at + 1);
                Kind::Literal {
                    closed: close.is_some(),
                }
            }
            b'0'..=b'9' => {
                i = skip_digits(text, i);
                if text.get(i) == Some(&b'.') {
                    i = skip_digits(text, i + 1);
                }
                Kind::Number
            }
            b'.' if text.get(i + 1).is_some_and(u8::is_ascii_digit) => {
                i = skip_digits(text, i + 1);
                Kind::Number
            }
            _ if is_name_start(b) => {
                i += 1;
                while text.get(i).is_some_and(|&c| is_name_byte(c)) {
                    i += 1;
                }
                Kind::Name
            }
            _ => {
                let pair = text.get(i..i + 2).unwrap_or_default();
                i += if matches!(pair, b"//" | b"::" | b".." | b"!=" | b"<=" | b">=") {
                    2
                } else {
                    1
                };
                Kind::Symbol
            }
        };
        tokens.push(Token {
            kind,
            span: start..i,
        });
    }
    tokens
}

fn skip_digits(text: &[u8], mut i: usize) -> usize {
    while text.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    i
}

fn is_name_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b >= 0x80
}

fn is_name_byte(b: u8) -> bool {
    is_name_start(b) || b.is_ascii_digit() || matches!(b, b'-' | b'.')
}

/// Whether the tainted range `r` lies inside one literal or one (possibly negated) number.
fn within_one_value(text: &[u8], tokens: &[Token], r: &Range<usize>) -> bool {
    let first = tokens.partition_point(|t| t.span.end <= r.start);
    let touched = tokens[first..]
        .iter()
        .take_while(|t| t.span.start < r.end)
        // Up to three tell none, one, a negated number and anything more apart.
        .take(3)
        .collect::<Vec<_>>();
    match touched.as_slice() {
        // Only whitespace, which cannot change the tokens unless it splits one.
        [] => !splits_a_token(text, r),
        [token] => match token.kind {
            Kind::Literal { closed } => {
                let content_end = token.span.end - usize::from(closed);
                token.span.start < r.start && r.end <= content_end
            }
            Kind::Number => !splits_a_token(text, r),
            Kind::Name | Kind::Symbol => false,
        },
        [minus, number] => {
            minus.kind == Kind::Symbol
                && text.get(minus.span.clone()) == Some(b"-")
                && number.kind == Kind::Number
                && minus.span.end == number.span.start
                && r.end <= number.span.end
                && is_unary_position(text, tokens, first)
        }
        _ => false,
    }
}

/// Whether the token at `index` is where an operand begins, so a `-` there negates rather
/// than subtracts.
fn is_unary_position(text: &[u8], tokens: &[Token], index: usize) -> bool {
    let Some(before) = index.checked_sub(1).and_then(|i| tokens.get(i)) else {
        return true;
    };
    let bytes = text.get(before.span.clone()).unwrap_or_default();
    match before.kind {
        Kind::Literal { .. } | Kind::Number => false,
        Kind::Name => matches!(bytes, b"and" | b"or" | b"div" | b"mod"),
        Kind::Symbol => !matches!(bytes, b")" | b"]" | b"." | b".." | b"*"),
    }
}

/// Whether tainted whitespace in `r` separates two bytes that would otherwise belong to one
/// name or number.
fn splits_a_token(text: &[u8], r: &Range<usize>) -> bool {
    super::splits_a_token(text, r, is_name_byte)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyzers::confidence_of;
    use crate::vulnerability::Confidence;
    use Confidence::{Confirmed, Unsanitized};

    fn c(template: &str, tainted: &str) -> Confidence {
        confidence_of(changes_structure, "expression", template, tainted)
    }

    #[test]
    fn breaking_out_of_a_literal_is_confirmed() {
        assert_eq!(c("//user[name='{}']", "' or '1'='1"), Confirmed);
        assert_eq!(c("//user[name='{}']", "'] | //user[name='x"), Confirmed);
        assert_eq!(c("//user[name=\"{}\"]", "\" or \"\"=\""), Confirmed);
        assert_eq!(
            c("//user[name='{}' and pass='x']", "admin' or '"),
            Confirmed
        );
        // A lone quote already moves the literal's end.
        assert_eq!(c("//user[name='{}']", "O'Brien"), Confirmed);
    }

    #[test]
    fn tainted_operators_and_names_are_confirmed() {
        assert_eq!(c("//user[id={}]", "1 or 1=1"), Confirmed);
        assert_eq!(c("//user[id={}]", "count(//user)"), Confirmed);
        assert_eq!(c("//user[id={}]", "1]/../*[1"), Confirmed);
        assert_eq!(c("//{}", "user"), Confirmed);
        assert_eq!(c("//user[{}='x']", "name"), Confirmed);
        assert_eq!(c("//user[id=5{}]", "-1"), Confirmed);
        assert_eq!(c("//user[id={}]", "$secret"), Confirmed);
        assert_eq!(c("//user[name={}]", "'bob'"), Confirmed);
    }

    #[test]
    fn literal_contents_and_numbers_are_unsanitized() {
        assert_eq!(c("//user[name='{}']", "alice"), Unsanitized);
        assert_eq!(c("//user[name='{}']", "O\"Brien"), Unsanitized);
        assert_eq!(c("//user[name=\"{}\"]", "O'Brien"), Unsanitized);
        assert_eq!(c("//user[name='{}']", " ] or 1=1 or [ "), Unsanitized);
        assert_eq!(c("//user[id={}]", "42"), Unsanitized);
        assert_eq!(c("//user[id={}]", " 42 "), Unsanitized);
        assert_eq!(c("//item[price<{}]", "9.99"), Unsanitized);
        assert_eq!(c("//item[price<{}]", ".5"), Unsanitized);
        assert_eq!(c("//item[delta={}]", "-3"), Unsanitized);
        assert_eq!(c("//item[position()={} and @a='b']", "2"), Unsanitized);
        assert_eq!(c("//user[contains(name, '{}')]", "ali"), Unsanitized);
    }

    #[test]
    fn a_value_split_between_sources_is_judged_whole() {
        let c = |tainted: &[Range<usize>]| {
            crate::analyzers::as_confidence(changes_structure(&Input {
                text: b"//item[@id=-42]",
                tainted,
                argument: "expression",
            }))
        };
        assert_eq!(
            confidence_of(changes_structure, "expression", "//item[@id={}]", "-42"),
            Unsanitized
        );
        assert_eq!(c(&[11..12, 12..14]), Unsanitized);
        assert_eq!(c(&[11..14, 11..12, 12..14]), Unsanitized);
        assert_eq!(c(&[11..13, 12..14]), Unsanitized);
        // Joined to a tainted `=` or `]`, the run brings structure.
        assert_eq!(c(&[10..11, 11..14]), Confirmed);
        assert_eq!(c(&[11..12, 12..15]), Confirmed);
    }

    #[test]
    fn tainted_whitespace_splitting_a_token_is_confirmed() {
        assert_eq!(c("//user[id=1{}2]", " "), Confirmed);
        assert_eq!(c("//user[id= {}]", " 7"), Unsanitized);
    }

    #[test]
    fn several_ranges_and_odd_bytes() {
        let text = b"//a[@x='ab' and @y='cd']";
        let inside = [8..10, 20..22];
        let input = Input {
            text,
            tainted: &inside,
            argument: "expression",
        };
        assert!(!changes_structure(&input));
        let across = [8..10, 9..12];
        let input = Input {
            text,
            tainted: &across,
            argument: "expression",
        };
        assert!(changes_structure(&input));
        for text in [
            &b"'"[..],
            b"\"\xff",
            b"\xff\xfe",
            b"\0",
            b"-",
            b".",
            b"1.",
            b"",
        ] {
            let tainted = 0..text.len();
            changes_structure(&Input {
                text,
                tainted: std::slice::from_ref(&tainted),
                argument: "expression",
            });
        }
    }
}
