//! SQL text as byte-addressed tokens, on top of sqlparser's tokenizer.
//!
//! sqlparser locates tokens by line and column (counted in characters), and needs a `&str`;
//! the analyzer works on bytes. This module bridges the two: it hands the tokenizer a string
//! with exactly the byte offsets of the argument, and converts every span to a byte range.
//! Where the tokenizer glues a sigil to punctuation into one word (`@,`), the text is read
//! again with the sigil standing alone (see [`glued_sigil`]).

use memchr::memmem;
use sqlparser::dialect::Dialect;
use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Location, Token, TokenWithSpan, Tokenizer, Whitespace};
use std::borrow::Cow;
use std::ops::Range;
use std::rc::Rc;

/// Stands in for each byte that is not valid UTF-8. One ASCII byte per invalid byte keeps every
/// offset in place; SUB is no quote, operator, identifier or blank to any dialect, so outside a
/// literal it is an unknown character (structure) and inside one it is data, as the database
/// would treat a byte it cannot decode.
const INVALID: u8 = 0x1a;

/// What a token is to the analyzer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Kind {
    /// A space, tab or newline: separates tokens, carries no structure.
    Blank,
    /// A string literal, a quoted identifier or a comment: `inside` (absolute byte offsets) is
    /// the text between its delimiters.
    Quoted {
        inside: Range<usize>,
        /// The closing delimiter's last byte, or 0 when escapes cannot reach it (`$tag$`).
        quote: u8,
        /// Whether a backslash inside escapes the next character.
        backslash: bool,
    },
    /// An unquoted word: a keyword or an identifier.
    Word,
    /// A numeric literal.
    Number,
    /// `+` or `-`, which may be a number's sign.
    Sign,
    /// Any other token: operators, punctuation, placeholders, MySQL's executable comments.
    Other,
}

/// A token: its byte range in the argument and what it is.
#[derive(Debug, Clone)]
pub(super) struct Tok {
    pub span: Range<usize>,
    pub kind: Kind,
    /// Whether it ends an operand (an identifier that is no keyword, a number, a literal, a
    /// closing bracket, a placeholder): a `-` right after it subtracts rather than negates.
    pub operand: bool,
}

/// The tokens of an argument, sorted by start.
#[derive(Debug)]
pub(super) struct Lexed {
    pub toks: Vec<Tok>,
    /// Where the token the tokenizer gave up on begins (an unterminated literal, quoted
    /// identifier or comment), when it gave up.
    pub failed_at: Option<usize>,
}

/// A remembered text: the dialect it was read in, its bytes and its tokens.
type Remembered = (std::any::TypeId, Vec<u8>, Rc<Lexed>);

thread_local! {
    /// The texts tokenized during the current sink check, per dialect: one check asks for the
    /// tokens of the same argument up to three times (the analyzer, the lone-word test,
    /// redaction), and sqlparser's tokenizer is most of a finding's cost. Two entries, for the
    /// generic dialect's second reading of a text with a backslash. Emptied after every check
    /// ([`forget`]), so that nothing is held between checks and a later check of the same
    /// text pays for its tokens as any other would.
    static RECENT: std::cell::RefCell<Vec<Remembered>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// Drops the tokens kept for the current check.
pub(crate) fn forget() {
    let _ = RECENT.try_with(|recent| recent.borrow_mut().clear());
}

/// Tokenizes `text` with `dialect`.
pub(super) fn lex(dialect: &dyn Dialect, text: &[u8]) -> Rc<Lexed> {
    let id = dialect.dialect();
    // Past the destruction of this thread's cache (a check from a thread-local destructor),
    // every reading tokenizes again: `with_borrow` would panic there.
    let known = RECENT
        .try_with(|recent| {
            recent
                .borrow()
                .iter()
                .find(|(d, t, _)| *d == id && t == text)
                .map(|(_, _, lexed)| Rc::clone(lexed))
        })
        .ok()
        .flatten();
    if let Some(lexed) = known {
        return lexed;
    }
    let lexed = Rc::new(lex_uncached(dialect, text));
    let _ = RECENT.try_with(|recent| {
        let mut recent = recent.borrow_mut();
        if recent.len() >= 2 {
            recent.remove(0);
        }
        recent.push((id, text.to_vec(), Rc::clone(&lexed)));
    });
    lexed
}

/// Stands in for a sigil the tokenizer glued to the next character (see [`glued_sigil`]): a
/// comma is one token whatever follows it, ends whatever token precedes it, and like the sigil
/// alone it is punctuation, no operand.
const SEPARATE: u8 = b',';

/// How many times a text is tokenized again with glued sigils separated. A separated sigil
/// can expose another glued one only where the glued word had hidden a quote or a comment
/// opener; what is still glued after these rounds is taken as structure.
const SIGIL_ROUNDS: usize = 4;

fn lex_uncached(dialect: &dyn Dialect, text: &[u8]) -> Lexed {
    let mut src = prepare(text);
    let mut raw = Vec::new();
    let mut spans: Vec<Range<usize>> = Vec::new();
    let mut rounds = 0;
    let failed = loop {
        raw.clear();
        let failed = Tokenizer::new(dialect, &src)
            .with_unescape(false)
            .tokenize_with_location_into_buf(&mut raw)
            .is_err();
        let mut cursor = Cursor::new(&src);
        spans.clear();
        spans.extend(raw.iter().map(|TokenWithSpan { span, .. }| {
            let start = cursor.offset(span.start);
            start..cursor.offset(span.end).max(start)
        }));
        let glued: Vec<Range<usize>> = raw
            .iter()
            .zip(&spans)
            .filter_map(|(t, span)| {
                let sigil = glued_sigil(dialect, &t.token, src.get(span.clone())?)?;
                Some(span.start..span.start + sigil)
            })
            .collect();
        if glued.is_empty() || rounds == SIGIL_ROUNDS {
            break failed;
        }
        rounds += 1;
        let mut bytes = src.into_owned().into_bytes();
        for sigil in glued {
            bytes[sigil].fill(SEPARATE);
        }
        // ASCII written over ASCII: still UTF-8, and the fallback keeps this total.
        src = Cow::Owned(
            String::from_utf8(bytes)
                .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
        );
    };
    let backslash = dialect.supports_string_literal_backslash_escape();
    let hints = dialect.supports_multiline_comment_hints();
    let mut toks: Vec<Tok> = Vec::with_capacity(raw.len());
    let mut after_line_comment = false;
    for (TokenWithSpan { token, .. }, span) in raw.iter().zip(&spans) {
        let (start, end) = (span.start, span.end);
        // A line comment ends at the newline after it, which the tokenizer returns as a token
        // of its own: that newline is the comment's closing delimiter, not a blank.
        if after_line_comment
            && matches!(token, Token::Whitespace(Whitespace::Newline))
            && let Some(last) = toks.last_mut()
            && last.span.end == start
        {
            last.span.end = end;
            after_line_comment = false;
            continue;
        }
        after_line_comment = matches!(
            token,
            Token::Whitespace(Whitespace::SingleLineComment { .. })
        );
        let glued = src
            .get(start..end)
            .and_then(|word| glued_sigil(dialect, token, word))
            .is_some();
        let kind = if glued {
            Kind::Other
        } else {
            kind_of(token, text, start..end, backslash, hints)
        };
        let operand = match token {
            Token::Whitespace(_) => false,
            Token::Word(_) if glued => false,
            // Many column names are keywords to sqlparser (`name`, `id`); a sign after a
            // keyword is read as negation, after an identifier as subtraction.
            Token::Word(w) => w.quote_style.is_some() || w.keyword == Keyword::NoKeyword,
            Token::RParen | Token::RBracket | Token::RBrace | Token::Placeholder(_) => true,
            _ => matches!(kind, Kind::Number | Kind::Quoted { .. }),
        };
        toks.push(Tok {
            span: start..end,
            kind,
            operand,
        });
    }
    // `COPY ... FROM STDIN` data is returned before the `;` that precedes it.
    if !toks.is_sorted_by_key(|t| t.span.start) {
        toks.sort_by_key(|t| t.span.start);
    }
    let failed_at = failed.then(|| toks.iter().map(|t| t.span.end).max().unwrap_or(0));
    Lexed { toks, failed_at }
}

/// The length of the sigil (`@`, `@@`, `#`, `%`) that starts `word` when the tokenizer read it
/// and the character after it as one word although that character cannot be part of a name:
/// sqlparser takes any character after a sigil that may start a name (`@,`, `@;DROP`, `#(`).
/// The sigil there is an operator or a variable's marker, and the rest is read anew.
fn glued_sigil(dialect: &dyn Dialect, token: &Token, word: &str) -> Option<usize> {
    let Token::Word(w) = token else {
        return None;
    };
    if w.quote_style.is_some() {
        return None;
    }
    let sigil = if word.starts_with("@@") {
        2
    } else if word.starts_with(['@', '#', '%']) {
        1
    } else {
        return None;
    };
    let next = word.get(sigil..)?.chars().next()?;
    (!dialect.is_identifier_part(next)).then_some(sigil)
}

/// `text` as a string with the same byte offsets, for the tokenizer.
///
/// MySQL runs the inside of `/*! ... */` as SQL, and sqlparser re-tokenizes it with spans
/// shifted by the `/*!` prefix; the `!` is blanked here so that the comment keeps exact spans,
/// and [`kind_of`] treats such a comment as code.
fn prepare(text: &[u8]) -> Cow<'_, str> {
    let hint = memmem::find(text, b"/*!").is_some();
    match std::str::from_utf8(text) {
        Ok(s) if !hint => Cow::Borrowed(s),
        _ => {
            let mut out = Vec::with_capacity(text.len());
            for chunk in text.utf8_chunks() {
                out.extend_from_slice(chunk.valid().as_bytes());
                out.extend(chunk.invalid().iter().map(|_| INVALID));
            }
            if hint {
                let at: Vec<usize> = memmem::find_iter(&out, b"/*!").collect();
                for i in at {
                    out[i + 2] = b' ';
                }
            }
            // Only ASCII bytes were written over whole invalid sequences or over ASCII: the
            // result is UTF-8. The fallback keeps this total without a panic path.
            match String::from_utf8(out) {
                Ok(s) => Cow::Owned(s),
                Err(e) => Cow::Owned(String::from_utf8_lossy(e.as_bytes()).into_owned()),
            }
        }
    }
}

/// Converts the tokenizer's locations (1-based line, 1-based column counted in characters, a
/// newline starting the next line) into byte offsets, walking forward from the last one.
struct Cursor<'a> {
    src: &'a str,
    at: usize,
    line: u64,
    column: u64,
}

impl<'a> Cursor<'a> {
    fn new(src: &'a str) -> Self {
        Cursor {
            src,
            at: 0,
            line: 1,
            column: 1,
        }
    }

    fn offset(&mut self, to: Location) -> usize {
        if (to.line, to.column) < (self.line, self.column) {
            *self = Cursor::new(self.src);
        }
        while (self.line, self.column) < (to.line, to.column) {
            let Some(c) = self.src.get(self.at..).and_then(|s| s.chars().next()) else {
                break;
            };
            self.at += c.len_utf8();
            if c == '\n' {
                self.line += 1;
                self.column = 1;
            } else {
                self.column += 1;
            }
        }
        self.at
    }
}

fn kind_of(token: &Token, text: &[u8], span: Range<usize>, backslash: bool, hints: bool) -> Kind {
    let raw = text.get(span.clone()).unwrap_or_default();
    let at = span.start;
    match token {
        Token::Whitespace(Whitespace::Space | Whitespace::Tab | Whitespace::Newline) => Kind::Blank,
        Token::Whitespace(Whitespace::SingleLineComment { prefix, .. }) => Kind::Quoted {
            inside: (at + prefix.len()).min(span.end)..span.end,
            quote: 0,
            backslash: false,
        },
        Token::Whitespace(Whitespace::MultiLineComment(_)) => {
            if hints && raw.starts_with(b"/*!") {
                return Kind::Other;
            }
            let close = if raw.len() >= 4 && raw.ends_with(b"*/") {
                2
            } else {
                0
            };
            delimited(span, 2, close, 0, false)
        }
        Token::Word(w) => match w.quote_style {
            Some(_) => {
                let quote = raw.last().copied().unwrap_or(0);
                delimited(span, 1, 1, quote, false)
            }
            None => Kind::Word,
        },
        Token::Number(..) => Kind::Number,
        Token::SingleQuotedString(_)
        | Token::DoubleQuotedString(_)
        | Token::NationalStringLiteral(_)
        | Token::SingleQuotedByteStringLiteral(_)
        | Token::DoubleQuotedByteStringLiteral(_)
        | Token::UnicodeStringLiteral(_) => quoted(raw, span, 1, backslash),
        Token::TripleSingleQuotedString(_)
        | Token::TripleDoubleQuotedString(_)
        | Token::TripleSingleQuotedByteStringLiteral(_)
        | Token::TripleDoubleQuotedByteStringLiteral(_) => quoted(raw, span, 3, backslash),
        Token::SingleQuotedRawStringLiteral(_) | Token::DoubleQuotedRawStringLiteral(_) => {
            quoted(raw, span, 1, false)
        }
        Token::TripleSingleQuotedRawStringLiteral(_)
        | Token::TripleDoubleQuotedRawStringLiteral(_) => quoted(raw, span, 3, false),
        Token::EscapedStringLiteral(_) => quoted(raw, span, 1, true),
        // `X'1F'` is quoted, MySQL's `0x1F` is a number.
        Token::HexStringLiteral(_) if !raw.contains(&b'\'') => Kind::Number,
        Token::HexStringLiteral(_) => quoted(raw, span, 1, false),
        Token::DollarQuotedString(_) => {
            // `$tag$ ... $tag$`: the opening tag runs to the second `$`.
            let open = raw
                .iter()
                .skip(1)
                .position(|&b| b == b'$')
                .map_or(raw.len(), |p| p + 2);
            delimited(span, open, open, 0, false)
        }
        // Oracle's `Q'{ ... }'`: the quote and the bracket on each side.
        Token::QuoteDelimitedStringLiteral(_) | Token::NationalQuoteDelimitedStringLiteral(_) => {
            let open = raw
                .iter()
                .position(|&b| b == b'\'')
                .map_or(raw.len(), |p| p + 2);
            delimited(span, open, 2, 0, false)
        }
        Token::Plus | Token::Minus => Kind::Sign,
        _ => Kind::Other,
    }
}

/// A string literal whose opening delimiter runs to its first quote (after a prefix such as
/// `E`, `N`, `X`, `B`, `R` or `U&`) and has `n` quote characters on each side.
fn quoted(raw: &[u8], span: Range<usize>, n: usize, backslash: bool) -> Kind {
    match raw.iter().position(|&b| b == b'\'' || b == b'"') {
        Some(p) => delimited(span, p + n, n, raw[p], backslash),
        None => Kind::Other,
    }
}

/// A token with `open` bytes of opening and `close` bytes of closing delimiter.
fn delimited(span: Range<usize>, open: usize, close: usize, quote: u8, backslash: bool) -> Kind {
    let start = span.start.saturating_add(open).min(span.end);
    let end = span.end.saturating_sub(close).max(start);
    Kind::Quoted {
        inside: start..end,
        quote,
        backslash,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlparser::dialect::{GenericDialect, MySqlDialect};

    fn spans(dialect: &dyn Dialect, text: &[u8]) -> Vec<(Range<usize>, Kind)> {
        lex(dialect, text)
            .toks
            .iter()
            .map(|t| (t.span.clone(), t.kind.clone()))
            .collect()
    }

    #[test]
    fn spans_are_byte_offsets_across_multibyte_characters_and_lines() {
        let text = "SELECT 'é€𝄞' -- ü\nFROM t".as_bytes();
        let toks = spans(&GenericDialect {}, text);
        let literal = &toks[2];
        assert_eq!(&text[literal.0.clone()], "'é€𝄞'".as_bytes());
        let Kind::Quoted { inside, .. } = &literal.1 else {
            panic!("not a literal: {literal:?}")
        };
        assert_eq!(&text[inside.clone()], "é€𝄞".as_bytes());
        let comment = &toks[4];
        assert_eq!(&text[comment.0.clone()], "-- ü\n".as_bytes());
        assert_eq!(&text[toks[5].0.clone()], b"FROM");
    }

    #[test]
    fn invalid_utf8_keeps_offsets() {
        let text = b"SELECT '\xff\xfe' , x\xc3";
        let toks = spans(&GenericDialect {}, text);
        assert_eq!(toks[2].0, 7..11);
        assert_eq!(toks.last().map(|t| t.0.end), Some(text.len()));
    }

    #[test]
    fn mysql_executable_comment_is_one_code_token() {
        let text = b"SELECT /*! STRAIGHT_JOIN */ a";
        let toks = spans(&MySqlDialect {}, text);
        assert_eq!(toks[2].0, 7..27);
        assert_eq!(toks[2].1, Kind::Other);
        assert_eq!(&text[toks[4].0.clone()], b"a");
    }

    #[test]
    fn a_sigil_glued_to_punctuation_stands_alone() {
        let other = |at: usize| (at..at + 1, Kind::Other);
        let blank = |at: usize| (at..at + 1, Kind::Blank);
        assert_eq!(
            spans(&GenericDialect {}, b"@@, @x #("),
            [
                other(0),
                other(1),
                other(2),
                blank(3),
                (4..6, Kind::Word),
                blank(6),
                other(7),
                other(8),
            ]
        );
        // After the sigil the text reads on as after an `@` alone: MySQL's `#` opens a comment.
        let toks = spans(&MySqlDialect {}, b"SELECT @#x\n1");
        assert_eq!(toks[2], other(7));
        assert!(matches!(toks[3], (ref span, Kind::Quoted { .. }) if *span == (8..11)));
        assert_eq!(toks[4], (11..12, Kind::Number));
    }

    #[test]
    fn a_failed_tokenization_says_where_the_failed_token_starts() {
        let lexed = lex(&GenericDialect {}, b"SELECT 'abc");
        assert_eq!(lexed.failed_at, Some(7));
        assert!(lex(&GenericDialect {}, b"SELECT 1").failed_at.is_none());
    }
}
