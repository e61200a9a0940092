//! Analyzer for code handed to an evaluator.
//!
//! The target language is unknown (JavaScript, Python, Lua, Ruby, Rhai, an expression
//! language...), so the argument is read with a small lexer written here for what these
//! languages share: string literals delimited by `'`, `"` or `` ` `` (and Python's `'''` and
//! `"""`), with backslash escapes and doubled-quote escapes, JavaScript template literals whose
//! `${ ... }` is code again, and comments (`//`, `#`, `--` to the end of the line, `/* ... */`,
//! Lua's `--[[ ... ]]`) so that a quote inside a comment does not open a string. No crate
//! covers "the string literals of any C-like or scripting language": each language's own
//! parser knows only its own (and rejects everything else), and the few bytes that decide the
//! question here do not need a grammar. The lexer is linear and allocates only its list of
//! literals.
//!
//! Rules, per run of tainted bytes (overlapping and adjacent ranges merged):
//!
//! - Inside one string literal, not touching its delimiters: [`Confidence::Unsanitized`],
//!   unless the run adds code to the literal or moves its end, which is
//!   [`Confidence::Confirmed`]:
//!   - a tainted backslash escapes the program's closing quote;
//!   - a tainted `${` or `#{` in a `"` literal (interpolated strings of Kotlin, Groovy, PHP,
//!     Ruby, CoffeeScript...), a tainted `{` in a Python f-string (in a JavaScript template
//!     literal, `${` is a delimiter: taint on it is outside the literal's inside);
//!   - the literal is unterminated and untainted non-blank bytes follow the run: the program's
//!     closing quote was swallowed (by a lone quote pairing with it, or an escape).
//! - Only spaces and tabs, or one numeric literal (`42`, `-7` in operand position, `3.14`,
//!   `1e6`, `0x1F`) with spaces or tabs around it: unsanitized. A number cannot add code in any
//!   of these languages, and a calculator that evaluates a user's number is the common benign
//!   case.
//! - Anything else is confirmed: a quote, an identifier, an operator, punctuation, a newline
//!   (a statement separator in Python, Lua and JavaScript), a comment or its content. Unlike
//!   SQL, a lone identifier is confirmed: in an evaluator a name reaches every binding in scope
//!   (`process`, `os`, `__builtins__`), not one column of a table the program chose. Comment
//!   content is confirmed too: the comment syntax is guessed (`#` is no comment in JavaScript,
//!   `//` is Python's floor division), so a run that looks commented out may run.
//!
//! A lone quote that pairs with the program's closing quote as a doubled-quote escape is
//! accepted as data when the literal still ends (at a later quote of the program's): doubled
//! quotes are an escape in several of these languages and adjacent literals in others, and
//! taint sitting on one quote of an escaped pair is how the engine reports pieces of escaped
//! values.

use super::Input;
use crate::ranges::Runs;
use std::ops::Range;

pub(super) fn changes_structure(input: &Input<'_>) -> bool {
    let text = input.text;
    let runs = Runs::new(text.len(), input.tainted);
    if runs.is_empty() {
        return false;
    }
    let literals = literals(text);
    // Each literal is read once however many runs sit in it (a JSON array of thousands of
    // tainted items in one string), and each number once however many runs it holds, so that
    // the analysis stays linear in the text.
    let mut read_literal = None;
    let mut number = None;
    for run in runs.iter() {
        let i = literals.partition_point(|l| l.inside.start <= run.start);
        let changes = match i.checked_sub(1).map(|i| (i, &literals[i])) {
            Some((i, lit)) if run.end <= lit.inside.end => {
                if read_literal == Some(i) {
                    continue;
                }
                read_literal = Some(i);
                breaks_literal(text, &runs, lit)
            }
            _ => !is_blank_or_number(text, run, &mut number),
        };
        if changes {
            return true;
        }
    }
    false
}

/// A string literal, or one piece of a template literal between interpolations.
#[derive(Debug, PartialEq, Eq)]
struct Literal {
    /// The text between the delimiters.
    inside: Range<usize>,
    /// The quote character.
    quote: u8,
    /// Whether a closing delimiter ends it (a quote, or `${` in a template literal).
    closed: bool,
    /// A Python f-string: `{` starts an expression.
    format: bool,
}

/// Whether tainted bytes inside `lit` add code to it or move its end.
fn breaks_literal(text: &[u8], runs: &Runs, lit: &Literal) -> bool {
    let Range { start, end } = lit.inside;
    // In a template literal `${` is already a delimiter; `#{` interpolates in none.
    let interpolates = lit.quote == b'"';
    crate::work::charge(end - start);
    let mut i = start;
    while i < end {
        let b = text[i];
        let next = if i + 1 < end { Some(text[i + 1]) } else { None };
        match b {
            b'\\' => {
                if next == Some(lit.quote) && runs.contains(i) && !runs.contains(i + 1) {
                    return true;
                }
                i += 2;
                continue;
            }
            b'$' | b'#'
                if interpolates
                    && next == Some(b'{')
                    && (runs.contains(i) || runs.contains(i + 1)) =>
            {
                return true;
            }
            b'{' if lit.format => {
                if next == Some(b'{') {
                    i += 2;
                    continue;
                }
                if runs.contains(i) {
                    return true;
                }
            }
            _ => {}
        }
        i += 1;
    }
    !lit.closed
        && text
            .get(runs.end()..)
            .is_some_and(|rest| rest.iter().any(|b| !b.is_ascii_whitespace()))
}

/// Whether the run is spaces and tabs around at most one numeric literal. `number` is the
/// numeric literal an earlier run was found in (its start and end): a run in the same one
/// reuses it instead of reading the digits again.
fn is_blank_or_number(text: &[u8], run: &Range<usize>, number: &mut Option<Range<usize>>) -> bool {
    let part = &text[run.clone()];
    crate::work::charge(part.len());
    let blank = |b: &u8| *b == b' ' || *b == b'\t';
    let Some(first) = part.iter().position(|b| !blank(b)) else {
        return true;
    };
    let last = part.iter().rposition(|b| !blank(b)).unwrap_or(first);
    let (mut from, to) = (run.start + first, run.start + last + 1);
    let signed = matches!(text[from], b'-' | b'+');
    if signed {
        if follows_operand(text, from) {
            return false;
        }
        from += 1;
    } else {
        // The program's own digits may precede the taint (`1{}`), as far back as the number
        // an earlier run was in.
        let floor = number.as_ref().map_or(0, |n| n.end);
        while from > floor && (text[from - 1].is_ascii_digit() || text[from - 1] == b'.') {
            from -= 1;
        }
        if let Some(n) = number.as_ref()
            && from == n.end
            && from > n.start
            && (text[from - 1].is_ascii_digit() || text[from - 1] == b'.')
        {
            from = n.start;
        }
        if from > 0
            && is_word_byte(text[from - 1])
            && number.as_ref().is_none_or(|n| n.start != from)
        {
            return false;
        }
    }
    let end = match number.as_ref() {
        Some(n) if n.start == from => Some(n.end),
        _ => number_end(text, from),
    };
    if let Some(end) = end {
        crate::work::charge(end - from);
        *number = Some(from..end);
    }
    end.is_some_and(|end| end >= to && !text.get(end).is_some_and(|&b| is_word_byte(b)))
}

/// Whether the byte before `at`, spaces and tabs aside, ends an operand (so a sign at `at`
/// subtracts or adds rather than signs a number).
fn follows_operand(text: &[u8], at: usize) -> bool {
    text[..at]
        .iter()
        .rev()
        .find(|b| **b != b' ' && **b != b'\t')
        .is_some_and(|&b| is_word_byte(b) || matches!(b, b')' | b']' | b'}' | b'\'' | b'"' | b'`'))
}

/// The end of the numeric literal starting at `at`: decimal digits with an optional fraction
/// and exponent, or a `0x`, `0o` or `0b` integer; `_` may separate digits.
fn number_end(text: &[u8], at: usize) -> Option<usize> {
    let rest = text.get(at..)?;
    let digits = |from: usize, ok: fn(&u8) -> bool| {
        rest.get(from..)
            .map_or(0, |s| s.iter().take_while(|b| ok(b) || **b == b'_').count())
    };
    if rest.len() > 2 && rest[0] == b'0' {
        let ok: Option<fn(&u8) -> bool> = match rest[1] {
            b'x' | b'X' => Some(u8::is_ascii_hexdigit),
            b'o' | b'O' => Some(|b| (b'0'..=b'7').contains(b)),
            b'b' | b'B' => Some(|b| matches!(b, b'0' | b'1')),
            _ => None,
        };
        if let Some(ok) = ok {
            let n = digits(2, ok);
            return (n > 0).then_some(at + 2 + n);
        }
    }
    let int = digits(0, u8::is_ascii_digit);
    let mut i = int;
    let mut frac = 0;
    if rest.get(i) == Some(&b'.') {
        frac = digits(i + 1, u8::is_ascii_digit);
        i += 1 + frac;
    }
    if int + frac == 0 {
        return None;
    }
    if matches!(rest.get(i), Some(b'e' | b'E')) {
        let sign = usize::from(matches!(rest.get(i + 1), Some(b'+' | b'-')));
        let exp = digits(i + 1 + sign, u8::is_ascii_digit);
        if exp > 0 {
            i += 1 + sign + exp;
        }
    }
    Some(at + i)
}

/// A byte of an identifier or number: ASCII letters, digits, `_`, `$`, and any non-ASCII byte
/// (identifiers may be Unicode).
fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}

/// The string literals of `text`, in order.
fn literals(text: &[u8]) -> Vec<Literal> {
    let mut out = Vec::new();
    // For each open `${` of a template literal, how many `{` it has open.
    let mut templates: Vec<usize> = Vec::new();
    let mut i = 0;
    while i < text.len() {
        let b = text[i];
        let next = text.get(i + 1).copied();
        i = match b {
            b'\'' | b'"' | b'`' => {
                let triple = b != b'`' && text[i..].starts_with(&[b, b, b]);
                let open = if triple { 3 } else { 1 };
                let format = is_format_prefix(text, i);
                string(text, i + open, b, triple, format, &mut out, &mut templates)
            }
            b'/' if next == Some(b'/') => line_end(text, i),
            b'/' if next == Some(b'*') => find(text, i + 2, b"*/"),
            b'#' if i == 0 || !(is_word_byte(text[i - 1]) || text[i - 1] == b'.') => {
                line_end(text, i)
            }
            // `x--` is a decrement, `-- ...` a Lua or SQL comment.
            b'-' if next == Some(b'-')
                && (i == 0
                    || !(is_word_byte(text[i - 1]) || matches!(text[i - 1], b')' | b']'))) =>
            {
                if text[i + 2..].starts_with(b"[[") {
                    find(text, i + 4, b"]]")
                } else {
                    line_end(text, i)
                }
            }
            b'{' if !templates.is_empty() => {
                if let Some(depth) = templates.last_mut() {
                    *depth += 1;
                }
                i + 1
            }
            b'}' if templates.last() == Some(&0) => {
                templates.pop();
                string(text, i + 1, b'`', false, false, &mut out, &mut templates)
            }
            b'}' if !templates.is_empty() => {
                if let Some(depth) = templates.last_mut() {
                    *depth -= 1;
                }
                i + 1
            }
            _ => i + 1,
        };
    }
    out
}

/// Scans a string literal whose inside starts at `from`, records it, and returns where code
/// resumes.
fn string(
    text: &[u8],
    from: usize,
    quote: u8,
    triple: bool,
    format: bool,
    out: &mut Vec<Literal>,
    templates: &mut Vec<usize>,
) -> usize {
    let mut push = |end: usize, closed: bool| {
        out.push(Literal {
            inside: from..end,
            quote,
            closed,
            format,
        });
    };
    let mut j = from;
    while j < text.len() {
        let b = text[j];
        let next = text.get(j + 1).copied();
        if b == b'\\' {
            j += 2;
        } else if quote == b'`' && b == b'$' && next == Some(b'{') {
            push(j, true);
            templates.push(0);
            return j + 2;
        } else if b == quote && triple {
            if text[j..].starts_with(&[quote; 3]) {
                push(j, true);
                return j + 3;
            }
            j += 1;
        } else if b == quote && next == Some(quote) {
            j += 2;
        } else if b == quote {
            push(j, true);
            return j + 1;
        } else {
            j += 1;
        }
    }
    push(text.len(), false);
    text.len()
}

/// Whether the quote at `at` opens a Python f-string (`f'`, `rf'`, `Fr'`...).
fn is_format_prefix(text: &[u8], at: usize) -> bool {
    let prefix_len = text[..at]
        .iter()
        .rev()
        .take_while(|b| b.is_ascii_alphabetic())
        .count();
    let prefix = &text[at - prefix_len..at];
    (1..=2).contains(&prefix_len)
        && prefix.iter().any(|b| b.eq_ignore_ascii_case(&b'f'))
        && prefix
            .iter()
            .all(|b| matches!(b, b'f' | b'F' | b'r' | b'R'))
        && (at == prefix_len || !is_word_byte(text[at - prefix_len - 1]))
}

fn line_end(text: &[u8], from: usize) -> usize {
    memchr::memchr(b'\n', &text[from..]).map_or(text.len(), |p| from + p)
}

fn find(text: &[u8], from: usize, needle: &[u8]) -> usize {
    text.get(from..)
        .and_then(|rest| memchr::memmem::find(rest, needle))
        .map_or(text.len(), |p| from + p + needle.len())
}

#[cfg(test)]
mod tests;
