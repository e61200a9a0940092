//! The tokens of plain SQL, read without sqlparser.
//!
//! Most SQL a program builds is plain: keywords and names of ASCII letters, digits and `_`,
//! numbers, `'...'` and `"..."` literals or quoted identifiers (`"t"."c"`), placeholders
//! (`?`, `$1`), commas, brackets and the comparison operators. sqlparser's tokenizer reads
//! such text at some 10 to 20 MiB/s (a `String` per word, a keyword lookup, line and column
//! locations converted back to bytes), which made it most of a tainted check's cost. This
//! module reads those constructs directly, giving exactly the tokens [`super::lex`] makes of
//! sqlparser's, and hands the rest of the text to sqlparser at the first construct it does
//! not model: comments, prefixed and dollar literals, sigils, named placeholders, runs of
//! operator characters, bytes that are not ASCII outside a literal. A wrong token would
//! misjudge a flow, a construct left to sqlparser only costs time. A test compares the tokens
//! with sqlparser's in the four dialects.
//!
//! The lexical state it follows is [`skim`]'s, whose rules (quotes, doubling, backslashes
//! where the dialect has them, which quotes delimit identifiers) it shares.

use super::lex::{Kind, Read, Tok, delimited, quoted};
use super::skim::{self, Rules};
use crate::taint::MixHasher;
use sqlparser::dialect::Dialect;
use sqlparser::keywords::ALL_KEYWORDS;
use std::collections::HashSet;
use std::hash::BuildHasherDefault;
use std::ops::ControlFlow;
use std::sync::OnceLock;

/// Bytes read at a time before their tokens are handed on: a stretch's tokens are kept until
/// it is known to be plain, so that nothing is handed on of a part sqlparser must read. A
/// caller that stops after a few tokens pays for about this many bytes read ahead, and a part
/// that turns out not to be plain for no more. A stretch ends at the first word after a blank
/// past this many bytes, so a long literal makes it longer, and so would text without blanks.
const CHUNK: usize = 256;

/// Tokens a stretch may keep: text with no word after a blank for this many tokens (`a,a,...`)
/// is left to sqlparser, whose windows bound what it holds, so that a reading holds at most
/// this many tokens (about 100 KB) whatever the text.
const MAX_KEPT: usize = 2 * CHUNK;

/// How a stretch of plain text was read.
enum Stretch {
    /// Every token up to this position, where a word starts after a blank and a reading can
    /// start afresh (see [`skim::restart`]).
    Cut(usize),
    /// Every token, to the end of the text.
    End,
}

/// Where a reading hands its tokens.
pub(super) type Each<'a> = &'a mut dyn FnMut(&Tok) -> ControlFlow<()>;

/// Reads `text` in `dialect` from the start: the plain parts here, and from the start of the
/// first part that is not plain, `rest` (sqlparser) on what is left, with `each` given the
/// tokens at their offsets in `text`.
pub(super) fn read(
    dialect: &dyn Dialect,
    text: &[u8],
    charged: bool,
    each: Each<'_>,
    rest: &mut dyn FnMut(usize, Each<'_>) -> Read,
) -> Read {
    let rules = Rules::of(dialect);
    let mut from = 0usize;
    let mut toks = Vec::new();
    loop {
        toks.clear();
        let Some(read) = stretch(&rules, text, from, from.saturating_add(CHUNK), &mut toks) else {
            // `COPY ... FROM STDIN;` turns the lines after it into data, a state carried from
            // the statement's first word: where the rest may hold one, sqlparser reads from
            // the start, and the tokens already handed on are skipped. A plain stretch holds
            // no `STDIN` (see [`stretch`]), so they are the same.
            if from > 0
                && dialect.supports_copy_from_stdin_data()
                && skim::mentions_stdin(&text[from..])
            {
                return rest(0, &mut |tok| {
                    if tok.span.start < from {
                        ControlFlow::Continue(())
                    } else {
                        each(tok)
                    }
                });
            }
            return rest(from, each);
        };
        let end = match read {
            Stretch::Cut(cut) => cut,
            Stretch::End => text.len(),
        };
        // A plain read costs about as much per byte as skimming: a step.
        if charged && !crate::work::charge(end - from) {
            return ControlFlow::Break(());
        }
        for tok in &toks {
            each(tok)?;
        }
        if end == text.len() {
            return ControlFlow::Continue(None);
        }
        from = end;
    }
}

/// Reads the tokens of `text` from `from`, a position where a reading can start, to the first
/// word after a blank at or past `until`, into `out`; `None` at the first construct that is
/// not plain.
fn stretch(
    rules: &Rules,
    text: &[u8],
    from: usize,
    until: usize,
    out: &mut Vec<Tok>,
) -> Option<Stretch> {
    let mut at = from;
    // Whether the last token that is no blank is a name, and whether a blank follows it.
    let (mut name_before, mut blank) = (false, false);
    while at < text.len() {
        let c = text[at];
        let next = text.get(at + 1).copied();
        // What the token ends at, what it is, whether it ends an operand and whether it is a
        // name (a `.` may follow one).
        let (end, kind, operand, name) = match c {
            b' ' | b'\t' | b'\n' => (at + 1, Kind::Blank, false, false),
            b'a'..=b'z' | b'A'..=b'Z' | b'_' => {
                if blank && at >= until && c != b'_' {
                    return Some(Stretch::Cut(at));
                }
                let end = skim::word_end(text, at);
                // The word that makes a `COPY` statement's data follow it.
                if text[at..end].eq_ignore_ascii_case(b"stdin") {
                    return None;
                }
                // A character the dialect may take into the word (`$`, `@`, `#`, a letter
                // that is not ASCII), or a prefix (`N'`, `U&'`) is left to sqlparser.
                if let Some(b'$' | b'@' | b'#' | b'&' | b'\'' | b'"' | b'`' | 0x80..) =
                    text.get(end)
                {
                    return None;
                }
                (end, Kind::Word, !is_keyword(&text[at..end]), true)
            }
            b'0'..=b'9' => (skim::number_end(text, at)?, Kind::Number, true, false),
            b'\'' | b'"' | b'`' => {
                let ident = match c {
                    b'"' => rules.double_ident,
                    b'`' if rules.back_ident => true,
                    b'`' => return None,
                    _ => false,
                };
                // A quoted name after `.` (`"t"."c"`) is one; anything else glued to a
                // quote may be a prefix.
                if let Some(&before) = at.checked_sub(1).map(|i| &text[i]) {
                    let dotted = ident && name_before && before == b'.';
                    if !dotted && !skim::QUOTE_AFTER.contains(&before) {
                        return None;
                    }
                }
                let end = skim::quoted_end(text, at, c, rules.backslash && !ident)?;
                let kind = if ident {
                    delimited(at..end, 1, 1, c, false)
                } else {
                    quoted(&text[at..end], at..end, 1, rules.backslash)
                };
                (end, kind, true, ident)
            }
            b'.' if name_before
                && !blank
                && next.is_some_and(|b| {
                    b.is_ascii_alphabetic()
                        || b == b'"' && rules.double_ident
                        || b == b'`' && rules.back_ident
                }) =>
            {
                // The name after it stays a name for another `.`.
                (at + 1, Kind::Other, false, true)
            }
            // Placeholders: `?`, `?1` where `?` is no operator, `$1` where `$` starts no word.
            b'?' | b'$'
                if c == b'?' && rules.question_placeholder
                    || c == b'$' && rules.dollar_placeholder =>
            {
                let end = at
                    + 1
                    + text[at + 1..]
                        .iter()
                        .take_while(|b| b.is_ascii_digit())
                        .count();
                let after = text.get(end).copied();
                let glued = after.is_some_and(|b| {
                    b.is_ascii_alphanumeric()
                        || b >= 0x80
                        || matches!(b, b'_' | b'$' | b'.' | b'\'' | b'"' | b'`')
                        || skim::OPERATOR.contains(&b)
                });
                if glued || c == b'$' && end == at + 1 {
                    return None;
                }
                (end, Kind::Other, true, false)
            }
            b'(' | b',' | b';' => (at + 1, Kind::Other, false, false),
            b')' => (at + 1, Kind::Other, true, false),
            b'=' | b'<' | b'>' | b'!' | b'+' | b'-' | b'*' => {
                let len = match (c, next) {
                    (b'<', Some(b'=' | b'>')) | (b'>' | b'!', Some(b'=')) => 2,
                    (b'!', _) => return None,
                    _ => 1,
                };
                // A longer run of operator characters is read differently by each dialect
                // (`<=>`, `->>`, `--`, custom operators), and may swallow a comment opener.
                if text
                    .get(at + len)
                    .is_some_and(|b| skim::OPERATOR.contains(b))
                {
                    return None;
                }
                let kind = if matches!(c, b'+' | b'-') {
                    Kind::Sign
                } else {
                    Kind::Other
                };
                (at + len, kind, false, false)
            }
            _ => return None,
        };
        if kind == Kind::Blank {
            blank = true;
        } else {
            (name_before, blank) = (name, false);
        }
        if out.len() == MAX_KEPT {
            return None;
        }
        out.push(Tok {
            span: at..end,
            kind,
            operand,
        });
        at = end;
    }
    Some(Stretch::End)
}

/// Whether sqlparser reads the unquoted `word` as a keyword: what its case-insensitive binary
/// search of [`ALL_KEYWORDS`] (upper-case ASCII words) finds. Looked up in a set of the
/// keywords packed into integers, since the search cost more than the rest of a plain
/// reading; the few keywords longer than [`PACKED`] bytes are searched as sqlparser does.
fn is_keyword(word: &[u8]) -> bool {
    match pack(word) {
        Some(key) => packed_keywords().contains(&key),
        None => ALL_KEYWORDS
            .binary_search_by(|probe| {
                let probe = probe.as_bytes();
                for (p, w) in probe.iter().zip(word) {
                    let order = p.cmp(&w.to_ascii_uppercase());
                    if order.is_ne() {
                        return order;
                    }
                }
                probe.len().cmp(&word.len())
            })
            .is_ok(),
    }
}

/// The longest word packed into a key: a `u128` holds 16 bytes.
const PACKED: usize = 16;

/// `word` upper-cased into an integer, if it fits. Words hold no NUL byte, so two words of
/// different lengths never pack alike.
fn pack(word: &[u8]) -> Option<u128> {
    if word.len() > PACKED {
        return None;
    }
    let mut bytes = [0u8; PACKED];
    for (b, w) in bytes.iter_mut().zip(word) {
        *b = w.to_ascii_uppercase();
    }
    Some(u128::from_le_bytes(bytes))
}

fn packed_keywords() -> &'static HashSet<u128, BuildHasherDefault<MixHasher>> {
    static SET: OnceLock<HashSet<u128, BuildHasherDefault<MixHasher>>> = OnceLock::new();
    SET.get_or_init(|| {
        ALL_KEYWORDS
            .iter()
            .filter_map(|k| pack(k.as_bytes()))
            .collect()
    })
}
