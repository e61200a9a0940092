//! Where a reading of a long SQL text can start, without tokenizing what comes before.
//!
//! A check needs the tokens around the tainted bytes, and sqlparser's tokenizer reads some
//! 10 to 20 MiB/s: on a long argument whose taint lies far in, reading from the start is most
//! of a finding's cost. What the bytes before the taint decide is only the lexical state:
//! whether a position lies inside a literal, a quoted identifier or a comment. This module
//! follows that state byte by byte, at memory speed, and returns a position where a token of
//! the whole text's reading starts and reads the same with nothing before it.
//!
//! It follows only what it models exactly, for every dialect iast reads: blanks, words and
//! numbers of ASCII letters, digits and `_`, punctuation, `'...'` and `"..."` literals (with
//! backslash escapes where the dialect has them), quoted identifiers, `--` and nested `/* */`
//! comments. At anything else (a literal with a prefix such as `E'`, dollar quoting, `#`,
//! `@`, `$`, a backslash or a byte that is not ASCII outside a literal, an executable
//! comment, a `--` comment that runs over a carriage return) it stops, and the reading starts
//! at the last position found before it: a wrong state would misjudge a flow, a missed one
//! only costs time. A test compares the tokens read from the positions returned with the
//! whole text's, in the four dialects.

use sqlparser::dialect::Dialect;

/// Where a reading of `text` in `dialect` that needs the tokens from byte `want` on can
/// start: the last position at or before `want` where a word starts after a blank, outside any
/// literal, quoted identifier or comment and not after a `.`, or 0.
///
/// A word after a blank reads the same whatever precedes the blank: sqlparser looks back only
/// at a `.` before a word (`t. N'x'`), and at the word before a `._`. Linear in `want - from`.
///
/// The skim starts at `from`, 0 or a position an earlier skim of the same text returned or
/// marked, where the state is known (outside everything, after a blank). It adds to `marks`
/// such positions met on the way, about one per [`MARK_EVERY`] bytes, so that a later skim
/// of the text (or of a prefix of it) for an earlier byte starts near it instead of at 0:
/// the state at a position depends only on the bytes before it.
///
/// `stdin_known_absent` says that `text` was already found not to hold `stdin`.
pub(super) fn restart(
    dialect: &dyn Dialect,
    text: &[u8],
    (from, want): (usize, usize),
    marks: &mut Vec<usize>,
    stdin_known_absent: bool,
) -> usize {
    // `COPY ... FROM STDIN;` turns the lines after it into data: the state at a position then
    // depends on the statement's first word, which this does not follow.
    if !stdin_known_absent && dialect.supports_copy_from_stdin_data() && mentions_stdin(text) {
        return 0;
    }
    let rules = Rules::of(dialect);
    let (mut best, mut at) = (from, from);
    // Whether the byte before `at` is a blank between tokens, and whether the last token that
    // is no blank or comment is a `.`.
    let (mut blank, mut dot) = (from > 0, false);
    let mut mark = from + MARK_EVERY;
    while at <= want && at < text.len() {
        if at >= mark {
            if best > from && marks.last() != Some(&best) {
                marks.push(best);
            }
            mark = at + MARK_EVERY;
        }
        let c = text[at];
        // Spaces and words first, outside the match: they are most of SQL, and a jump
        // through the match's table mispredicts at every token.
        if c == b' ' {
            at += 1;
            blank = true;
            continue;
        }
        if c.is_ascii_alphabetic() {
            if blank && !dot {
                best = at;
            }
            (blank, dot) = (false, false);
            at = word_end(text, at);
            continue;
        }
        let next = |n: usize| text.get(at + n).copied();
        let end = match c {
            b'\t' | b'\n' | b'\r' => {
                at += 1;
                blank = true;
                continue;
            }
            b'0'..=b'9' => match number_end(text, at) {
                Some(end) => {
                    dot = false;
                    end
                }
                None => return best,
            },
            b'.' if next(1).is_some_and(|b| b.is_ascii_digit()) => match number_end(text, at) {
                Some(end) => {
                    dot = false;
                    end
                }
                None => return best,
            },
            // `._` is a field after a word and an error elsewhere.
            b'.' if next(1) == Some(b'_') => return best,
            b'.' => {
                dot = true;
                at + 1
            }
            // Some dialects read a run of operator characters as one operator, which may
            // swallow the `--` or `/*` that follows it.
            b'-' | b'/' if at > 0 && OPERATOR.contains(&text[at - 1]) => return best,
            b'-' if next(1) == Some(b'-') => {
                let comment = match next(2) {
                    _ if !rules.dash_space => true,
                    Some(b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c) => true,
                    Some(b) if b >= 0x80 => return best,
                    _ => false,
                };
                if !comment {
                    at + 1
                } else {
                    match line_end(text, at + 2) {
                        Some(end) => end,
                        None => return best,
                    }
                }
            }
            b'/' if next(1) == Some(b'*') => {
                if rules.hints && next(2) == Some(b'!') {
                    return best;
                }
                match block_comment_end(text, at + 2, rules.nested) {
                    Some(end) => end,
                    None => return best,
                }
            }
            b'[' if !rules.bracket_ident => {
                dot = false;
                at + 1
            }
            b'\'' | b'"' | b'`' | b'[' => {
                if at > 0 && !QUOTE_AFTER.contains(&text[at - 1]) {
                    // A prefixed literal (`E'`, `N'`, `U&'`), a sigil or a name glued to it.
                    return best;
                }
                let end = match c {
                    b'\'' => quoted_end(text, at, b'\'', rules.backslash),
                    b'"' if rules.double_ident => quoted_end(text, at, b'"', false),
                    b'"' => quoted_end(text, at, b'"', rules.backslash),
                    b'`' if rules.back_ident => quoted_end(text, at, b'`', false),
                    _ => return best,
                };
                match end {
                    Some(end) => {
                        dot = false;
                        end
                    }
                    None => return best,
                }
            }
            b'(' | b')' | b',' | b';' | b'=' | b'<' | b'>' | b'!' | b'+' | b'-' | b'*' | b'/'
            | b'%' | b'|' | b'&' | b'^' | b'~' | b'{' | b'}' | b':' | b'?' | b']' => {
                dot = false;
                at + 1
            }
            _ => return best,
        };
        blank = false;
        at = end;
    }
    best
}

/// Bytes skimmed between two positions [`restart`] marks: a later skim for an earlier byte
/// reads at most about this far.
const MARK_EVERY: usize = 512;

/// Whether `text` holds `stdin` in any case.
///
/// Every reading of a long argument asks, so this looks at eight bytes at a time for its `d`
/// (rarer in SQL than the `s` a byte search would stop at every few words): a byte is `d` or
/// `D` exactly when it equals `d` with bit 5 set, and the word test below flags every such
/// byte (and, by a borrow, now and then a byte above one), each then compared in full.
pub(super) fn mentions_stdin(text: &[u8]) -> bool {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    const FOLD: u64 = u64::from_ne_bytes([0x20; 8]);
    const D: u64 = u64::from_ne_bytes([b'd'; 8]);
    let is_stdin = |d: usize| {
        d >= 2
            && text
                .get(d - 2..d + 3)
                .is_some_and(|w| w.eq_ignore_ascii_case(b"stdin"))
    };
    let mut words = text.chunks_exact(8);
    for (i, word) in words.by_ref().enumerate() {
        let x = u64::from_le_bytes(word.try_into().unwrap_or_default()) | FOLD;
        let x = x ^ D;
        let mut flags = x.wrapping_sub(ONES) & !x & HIGHS;
        while flags != 0 {
            if is_stdin(i * 8 + flags.trailing_zeros() as usize / 8) {
                return true;
            }
            flags &= flags - 1;
        }
    }
    let tail = text.len() - words.remainder().len();
    (tail..text.len()).any(is_stdin)
}

/// The dialect's reading of quotes and comments, as far as [`restart`] follows it.
pub(super) struct Rules {
    /// Whether a backslash in a literal escapes the next character.
    pub backslash: bool,
    nested: bool,
    hints: bool,
    dash_space: bool,
    /// Whether `"` and `` ` `` delimit identifiers (otherwise a `"` opens a literal).
    pub double_ident: bool,
    pub back_ident: bool,
    bracket_ident: bool,
    /// Whether `?` is a placeholder (in PostgreSQL it is an operator), and whether `$` starts
    /// a placeholder or a dollar-quoted literal rather than a word or an operator.
    pub question_placeholder: bool,
    pub dollar_placeholder: bool,
}

impl Rules {
    pub(super) fn of(dialect: &dyn Dialect) -> Rules {
        Rules {
            backslash: dialect.supports_string_literal_backslash_escape(),
            nested: dialect.supports_nested_comments(),
            hints: dialect.supports_multiline_comment_hints(),
            dash_space: dialect.requires_single_line_comment_whitespace(),
            double_ident: dialect.is_delimited_identifier_start('"'),
            back_ident: dialect.is_delimited_identifier_start('`'),
            bracket_ident: dialect.is_delimited_identifier_start('['),
            question_placeholder: !dialect.supports_geometric_types(),
            dollar_placeholder: !dialect.is_identifier_start('$')
                && !dialect.supports_dollar_placeholder(),
        }
    }
}

/// Bytes that may continue an operator (sqlparser's custom operators): a `-` or `/` after one
/// may belong to it.
pub(super) const OPERATOR: &[u8] = b"+-*/<>=~!@#%^&|?:";

/// Bytes after which a quote opens a plain literal or quoted identifier in every dialect.
pub(super) const QUOTE_AFTER: &[u8] = b" \t\n\r(),;=<>!+-*/%|";

/// One past the run of ASCII letters, digits and `_` that starts at `at`. A character the
/// dialect may take into a word beyond these (`$`, `@`, `#`, a non-ASCII letter) is left to
/// [`restart`], which stops there.
pub(super) fn word_end(text: &[u8], at: usize) -> usize {
    let rest = &text[at..];
    at + rest
        .iter()
        .position(|b| !(b.is_ascii_alphanumeric() || *b == b'_'))
        .unwrap_or(rest.len())
}

/// One past the plain number that starts at `at` (`12`, `1.5`, `.5`), or `None` when what
/// follows makes it something else: an exponent, a hexadecimal or binary literal, a name that
/// starts with digits (MySQL), a field (`t.1`), or an error of the tokenizer.
pub(super) fn number_end(text: &[u8], at: usize) -> Option<usize> {
    let digits = |from: usize| {
        from + text[from..]
            .iter()
            .position(|b| !b.is_ascii_digit())
            .unwrap_or(text.len() - from)
    };
    let mut end = digits(at);
    if text.get(end) == Some(&b'.') && text.get(end + 1).is_some_and(u8::is_ascii_digit) {
        end = digits(end + 1);
    }
    match text.get(end) {
        Some(b) if b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'$' | b'\'' | b'"') => {
            None
        }
        _ => Some(end),
    }
}

/// Where a `--` comment whose text starts at `from` ends: at its newline, which is read next
/// as a blank. `None` when it runs to the end of the text or over a carriage return (where
/// PostgreSQL ends it and the others do not).
fn line_end(text: &[u8], from: usize) -> Option<usize> {
    let rest = text.get(from..)?;
    let end = memchr::memchr2(b'\n', b'\r', rest)?;
    (rest[end] == b'\n').then_some(from + end)
}

/// One past the `*/` that closes a block comment whose text starts at `from`, counting
/// nested `/*` where the dialect nests them, as sqlparser does. `None` when it never closes.
fn block_comment_end(text: &[u8], from: usize, nested: bool) -> Option<usize> {
    let mut depth = 1usize;
    let mut i = from;
    while i < text.len() {
        match (text[i], text.get(i + 1)) {
            (b'/', Some(b'*')) if nested => {
                depth += 1;
                i += 2;
            }
            (b'*', Some(b'/')) => {
                depth -= 1;
                i += 2;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => i += 1,
        }
    }
    None
}

/// One past the closing `quote` of the literal or quoted identifier opened at `at`: a doubled
/// quote is one quote of the text, and with `backslash` a backslash takes the byte after it.
/// `None` when it never closes.
pub(super) fn quoted_end(text: &[u8], at: usize, quote: u8, backslash: bool) -> Option<usize> {
    let mut i = at + 1;
    while i < text.len() {
        match text[i] {
            b'\\' if backslash => i += 2,
            b if b == quote => {
                if text.get(i + 1) == Some(&quote) {
                    i += 2;
                } else {
                    return Some(i + 1);
                }
            }
            _ => i += 1,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::restart;
    use sqlparser::dialect::{
        Dialect, GenericDialect, MySqlDialect, PostgreSqlDialect, SQLiteDialect,
    };

    /// On the SQL programs build, a reading starts a few words before the bytes wanted.
    #[test]
    fn ordinary_sql_restarts_near_what_is_wanted() {
        let statement = "SELECT id, name FROM users WHERE email = 'a@b.c' AND n > 1.5 -- note\n\
                         AND \"x\" IN (1, 2) /* hint */ ORDER BY id LIMIT 10; ";
        let text = statement.repeat(64);
        let dialects: [&dyn Dialect; 4] = [
            &GenericDialect {},
            &PostgreSqlDialect {},
            &MySqlDialect {},
            &SQLiteDialect {},
        ];
        for dialect in dialects {
            for want in (statement.len()..text.len()).step_by(37) {
                let from = restart(dialect, text.as_bytes(), (0, want), &mut Vec::new(), false);
                assert!(
                    from <= want && want - from < 64,
                    "{:?}: wanted {want}, restarts at {from}",
                    dialect.dialect()
                );
            }
        }
    }

    #[test]
    fn never_inside_a_literal_or_comment() {
        let text = b"SELECT 'a b c' FROM t -- x y z\n WHERE /* p q */ a = \"r s\"";
        let d = GenericDialect {};
        let starts: Vec<usize> = (0..=text.len())
            .map(|w| restart(&d, text, (0, w), &mut Vec::new(), false))
            .collect();
        let quoted = [7..14, 22..31, 38..47, 52..57];
        assert!(
            starts.iter().all(|s| !quoted.iter().any(|q| q.contains(s))),
            "{starts:?}"
        );
        assert_eq!(starts[text.len()], 48, "the `a` after the comment");
    }

    /// The word-at-a-time search finds `stdin` wherever a byte-by-byte one does.
    #[test]
    fn stdin_is_found_in_any_case_at_any_offset() {
        use super::mentions_stdin;
        let naive = |t: &[u8]| t.windows(5).any(|w| w.eq_ignore_ascii_case(b"stdin"));
        let mut rng = crate::test_rng::Rng(0x57d1);
        let alphabet = b"stdinSTDINxDd \xc4\xe4";
        for _ in 0..20_000 {
            let text: Vec<u8> = (0..rng.below(40))
                .map(|_| alphabet[rng.below(alphabet.len())])
                .collect();
            assert_eq!(mentions_stdin(&text), naive(&text), "{text:?}");
        }
        for at in 0..20 {
            let mut text = vec![b'x'; 24];
            text[at..at + 5].copy_from_slice(b"sTdIn");
            assert!(mentions_stdin(&text), "at {at}");
            text[at + 2] = b'D' ^ 0x80;
            assert!(!mentions_stdin(&text), "at {at}");
        }
    }
}
