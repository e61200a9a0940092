//! JavaScript: script elements, event handlers and `javascript:` URLs.
//!
//! Tainted bytes are harmless only where the lexer reads them as part of a literal or comment
//! that the program opened and that they do not end: a string, the text of a template literal,
//! a regular expression, a comment. Everywhere else they are code, which an attacker could
//! have written to do anything, so they are confirmed; the one exception is a bare number
//! standing alone, which cannot be anything but a value. Leaving a literal includes its closing
//! quote, a line break that ends a string or a line comment, a `${` in a template, and a
//! trailing backslash that escapes the program's closing quote.
//!
//! Whether a `/` starts a regular expression or divides is decided from the previous token,
//! as usual without a full parser.

use super::TaintScan;
use std::ops::Range;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lex {
    Code,
    Str(u8),
    StrEscape(u8),
    Template,
    TemplateEscape,
    LineComment,
    BlockComment,
    Regex,
    RegexEscape,
    Class,
    ClassEscape,
}

/// Whether the tainted bytes (sorted, disjoint) of `code` change it.
pub(super) fn confirmed(code: &[u8], taint: &[Range<usize>]) -> bool {
    let end = taint.last().map_or(0, |t| t.end.min(code.len()));
    let mut scan = TaintScan::new(taint);
    let mut lex = Lex::Code;
    // Open braces inside each `${ }` being read, innermost last.
    let mut substitutions: Vec<u32> = Vec::new();
    let mut regex_allowed = true;
    let mut word_start: Option<usize> = None;
    // Only white space since the last line break: `-->` there starts a comment.
    let mut line_start = true;
    let mut i = 0;
    while i < end {
        let b = code[i];
        let tainted = scan.range_at(i);
        let next = code.get(i + 1).copied();
        // Bytes this step consumes.
        let mut step = 1;
        match lex {
            Lex::Code => {
                if let Some(t) = &tainted {
                    let run = i..t.end.min(code.len());
                    if !standalone_number(code, run.clone()) {
                        return true;
                    }
                    word_start = None;
                    regex_allowed = false;
                    line_start = false;
                    i = run.end;
                    continue;
                }
                if is_word_byte(b) {
                    word_start.get_or_insert(i);
                    line_start = false;
                    i += 1;
                    continue;
                }
                if let Some(start) = word_start.take() {
                    regex_allowed = is_keyword_before_expression(&code[start..i]);
                }
                match b {
                    b'\n' | b'\r' => line_start = true,
                    b' ' | b'\t' | 0x0B | 0x0C => {}
                    b'\'' | b'"' => lex = Lex::Str(b),
                    b'`' => lex = Lex::Template,
                    b'/' if next == Some(b'/') => {
                        lex = Lex::LineComment;
                        step = 2;
                    }
                    b'/' if next == Some(b'*') => {
                        lex = Lex::BlockComment;
                        step = 2;
                    }
                    b'/' if regex_allowed => lex = Lex::Regex,
                    b'<' if code[i..].starts_with(b"<!--") => {
                        lex = Lex::LineComment;
                        step = 4;
                    }
                    b'-' if line_start && code[i..].starts_with(b"-->") => {
                        lex = Lex::LineComment;
                        step = 3;
                    }
                    b'{' => {
                        if let Some(open) = substitutions.last_mut() {
                            *open += 1;
                        }
                    }
                    b'}' => match substitutions.last_mut() {
                        Some(0) => {
                            substitutions.pop();
                            lex = Lex::Template;
                        }
                        Some(open) => *open -= 1,
                        None => {}
                    },
                    _ => {}
                }
                if !matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0B | 0x0C) {
                    line_start = false;
                    // After `)` and `]` a `/` divides; after `}` it more often starts a
                    // statement (and so a regular expression) than it divides an object.
                    regex_allowed = !matches!(b, b')' | b']');
                }
                // A comment opener whose second half is tainted.
                if step > 1 && scan.any(i..i + step) {
                    return true;
                }
            }
            Lex::Str(quote) => match b {
                b'\\' => lex = Lex::StrEscape(quote),
                b'\n' | b'\r' => {
                    // An unterminated string: a syntax error, and the end of the literal.
                    if tainted.is_some() {
                        return true;
                    }
                    lex = Lex::Code;
                    line_start = true;
                }
                _ if b == quote => {
                    if tainted.is_some() {
                        return true;
                    }
                    lex = Lex::Code;
                    regex_allowed = false;
                }
                _ => {}
            },
            Lex::StrEscape(quote) => {
                step = line_continuation(b, next);
                lex = Lex::Str(quote);
            }
            Lex::Template => match b {
                b'\\' => lex = Lex::TemplateEscape,
                b'`' => {
                    if tainted.is_some() {
                        return true;
                    }
                    lex = Lex::Code;
                    regex_allowed = false;
                }
                b'$' if next == Some(b'{') => {
                    if scan.any(i..i + 2) {
                        return true;
                    }
                    substitutions.push(0);
                    lex = Lex::Code;
                    regex_allowed = true;
                    step = 2;
                }
                _ => {}
            },
            Lex::TemplateEscape => {
                step = line_continuation(b, next);
                lex = Lex::Template;
            }
            Lex::LineComment => {
                let terminator = match b {
                    b'\n' | b'\r' => 1,
                    // U+2028 and U+2029 end lines in JavaScript.
                    0xE2 if code[i..].starts_with(b"\xE2\x80\xA8")
                        || code[i..].starts_with(b"\xE2\x80\xA9") =>
                    {
                        3
                    }
                    _ => 0,
                };
                if terminator > 0 {
                    if scan.any(i..i + terminator) {
                        return true;
                    }
                    lex = Lex::Code;
                    line_start = true;
                    step = terminator;
                }
            }
            Lex::BlockComment => {
                if b == b'*' && next == Some(b'/') {
                    if scan.any(i..i + 2) {
                        return true;
                    }
                    lex = Lex::Code;
                    step = 2;
                } else if b == b'\n' || b == b'\r' {
                    line_start = true;
                }
            }
            Lex::Regex => match b {
                b'\\' => lex = Lex::RegexEscape,
                b'[' => lex = Lex::Class,
                b'/' | b'\n' | b'\r' => {
                    if tainted.is_some() {
                        return true;
                    }
                    lex = Lex::Code;
                    regex_allowed = false;
                }
                _ => {}
            },
            Lex::RegexEscape => lex = Lex::Regex,
            Lex::Class => match b {
                b'\\' => lex = Lex::ClassEscape,
                b']' => lex = Lex::Regex,
                b'\n' | b'\r' => {
                    if tainted.is_some() {
                        return true;
                    }
                    lex = Lex::Code;
                }
                _ => {}
            },
            Lex::ClassEscape => lex = Lex::Class,
        }
        i += step;
        // A taint ending in a backslash escapes the program's next character, such as the
        // quote meant to close the literal.
        if tainted.is_some_and(|t| i >= t.end)
            && matches!(
                lex,
                Lex::StrEscape(_) | Lex::TemplateEscape | Lex::RegexEscape | Lex::ClassEscape
            )
        {
            return true;
        }
    }
    false
}

/// Bytes consumed by an escaped character: two for a CR LF line continuation.
fn line_continuation(b: u8, next: Option<u8>) -> usize {
    if b == b'\r' && next == Some(b'\n') {
        2
    } else {
        1
    }
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'$' | b'\\') || b >= 0x80
}

/// Keywords after which an expression, and so a regular expression literal, may start.
fn is_keyword_before_expression(word: &[u8]) -> bool {
    matches!(
        word,
        b"return"
            | b"typeof"
            | b"instanceof"
            | b"in"
            | b"of"
            | b"new"
            | b"delete"
            | b"void"
            | b"throw"
            | b"case"
            | b"do"
            | b"else"
            | b"yield"
            | b"await"
    )
}

/// Whether `code[run]` is a decimal number with no word characters or dots around it, so that
/// it is one whole numeric literal.
fn standalone_number(code: &[u8], run: Range<usize>) -> bool {
    let digits = &code[run.clone()];
    let mut parts = digits.split(|&b| b == b'.');
    let valid = parts.next().is_some_and(is_digits)
        && parts.next().is_none_or(is_digits)
        && parts.next().is_none();
    let apart = |b: Option<&u8>| b.is_none_or(|&b| !is_word_byte(b) && b != b'.');
    valid && apart(run.start.checked_sub(1).and_then(|p| code.get(p))) && apart(code.get(run.end))
}

fn is_digits(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(u8::is_ascii_digit)
}
