//! SQL text as byte-addressed tokens, on top of sqlparser's tokenizer.
//!
//! sqlparser locates tokens by line and column (counted in characters), and needs a `&str`;
//! the analyzer works on bytes. This module bridges the two: it hands the tokenizer a string
//! with exactly the byte offsets of the argument, and converts every span to a byte range.
//! Where the tokenizer glues a sigil to punctuation into one word (`@,`), the text is read
//! again with the sigil standing alone (see [`glued_sigil`]). A long text is read a window at
//! a time and its tokens handed on as they come ([`WINDOW`]), so that a reading holds a
//! bounded number of tokens, not one per byte of the argument.

use super::{plain, skim};
use memchr::memmem;
use sqlparser::dialect::Dialect;
use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Location, Token, TokenWithSpan, Tokenizer, Whitespace};
use std::borrow::Cow;
use std::cell::RefCell;
use std::ops::ControlFlow;
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

/// The tokens of a short argument and where the tokenizer gave up on it, kept for the other
/// readings of the same check.
#[derive(Debug)]
struct Lexed {
    toks: Vec<Tok>,
    failed_at: Option<usize>,
}

/// How a reading ended: every token seen, with where the token the tokenizer gave up on
/// begins (an unterminated literal, quoted identifier or comment) when it gave up; or stopped
/// by the caller.
pub(super) type Read = ControlFlow<(), Option<usize>>;

/// Bytes of text handed to sqlparser's tokenizer at a time. The tokenizer returns all the
/// tokens of what it is given at once, some 90 bytes each and up to one per byte of text;
/// reading a window at a time, and passing each token on before the next window is read,
/// bounds what a reading holds to the tokens of one window (about 180 KB), whatever the
/// argument's length. A window stretches over a token longer than itself.
const WINDOW: usize = 2048;

/// How far before the end of a window a boundary must lie. sqlparser decides a token by
/// looking at most three characters past it, so the tokens before a boundary this far in
/// are those of the whole text.
const LOOKAHEAD: usize = 8;

/// A remembered text: the dialect it was read in, its bytes and its tokens.
type Remembered = (std::any::TypeId, Vec<u8>, Rc<Lexed>);

/// What one sink check keeps of its SQL readings: the tokens of the short texts it read, per
/// dialect. One check asks for the tokens of the same argument up to three times (the
/// analyzer, the lone-word test, redaction), and sqlparser's tokenizer is most of a finding's
/// cost. Two entries, for the generic dialect's second reading of a text with a backslash;
/// only texts of at most one window, so that what is kept is bounded. The engine makes one per
/// check and drops it with the check, so that nothing is held between checks and a later
/// check of the same text pays for its tokens as any other would.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    recent: RefCell<Vec<Remembered>>,
    /// Where the readings of the checked argument start, per dialect and byte wanted: the
    /// analysis and the lone-word test want the same tokens. Keyed by the text's address and
    /// length, which identify it while the check borrows it; texts the check makes itself
    /// are read from a start given explicitly ([`lex_at`]) and never looked up here.
    starts: RefCell<Vec<(StartKey, usize)>>,
    /// Positions where a skim of the checked argument may start ([`skim::restart`]'s marks),
    /// per dialect and the argument's address: the analysis skims to the first tainted byte,
    /// and redaction then wants a start a little before it, in the argument or a prefix of it.
    marks: RefCell<Vec<Marks>>,
}

/// What skims of the checked argument found, per dialect: where a skim may start, and how
/// long a prefix of it (the argument's address) was found not to hold `stdin`.
#[derive(Debug)]
struct Marks {
    dialect: std::any::TypeId,
    address: usize,
    no_stdin: usize,
    at: Vec<usize>,
}

/// Positions [`Scratch::marks`] keeps per text: one per 512 bytes skimmed of 2 MiB. Past
/// them, a skim of the text starts from the marks it has.
const MAX_MARKS: usize = 4096;

/// A reading's dialect, its text's address and length, and the byte it wants.
type StartKey = (std::any::TypeId, usize, usize, usize);

/// Reads the tokens of `text` in `dialect` in the order of their starts, handing each to
/// `each` until it breaks.
///
/// A `charged` reading charges the check's work meter for each window before it is read
/// (sqlparser's tokenizer is the costly part of a SQL check, `work::SQL_BYTE` steps per byte)
/// and stops, as if `each` had broken, when the budget is spent. Redaction reads uncharged:
/// it must find every literal that hides a secret, however much the check has spent.
///
/// The caller needs the tokens from byte `want` on: a text longer than a window is read from
/// the last position before `want` where a reading can start without what precedes it
/// ([`skim::restart`]), so that a long argument costs a tokenization of its end, not of all
/// of it. The tokens before that position are not handed on.
pub(super) fn lex(
    dialect: &dyn Dialect,
    text: &[u8],
    want: usize,
    charged: bool,
    scratch: &Scratch,
    each: &mut dyn FnMut(&Tok) -> ControlFlow<()>,
) -> Read {
    if text.len() > WINDOW {
        let key = (dialect.dialect(), text.as_ptr() as usize, text.len(), want);
        let known = scratch
            .starts
            .borrow()
            .iter()
            .find(|(k, _)| *k == key)
            .map(|e| e.1);
        let from = match known {
            Some(from) => from,
            None => {
                let from = start(dialect, text, want, scratch);
                if charged && !crate::work::charge(from) {
                    return ControlFlow::Break(());
                }
                let mut starts = scratch.starts.borrow_mut();
                if starts.len() >= 2 {
                    starts.remove(0);
                }
                starts.push((key, from));
                from
            }
        };
        return lex_at(dialect, text, from, charged, scratch, each);
    }
    let id = dialect.dialect();
    let known = scratch
        .recent
        .borrow()
        .iter()
        .find(|(d, t, _)| *d == id && t == text)
        .map(|(_, _, lexed)| Rc::clone(lexed));
    let lexed = match known {
        Some(lexed) => lexed,
        None => {
            let mut toks = Vec::new();
            let read = read(dialect, text, charged, &mut |tok| {
                toks.push(tok.clone());
                ControlFlow::Continue(())
            });
            // Stopped by the budget: nothing to remember, and nothing more to read.
            let ControlFlow::Continue(failed_at) = read else {
                return ControlFlow::Break(());
            };
            let lexed = Rc::new(Lexed { toks, failed_at });
            let mut recent = scratch.recent.borrow_mut();
            if recent.len() >= 2 {
                recent.remove(0);
            }
            recent.push((id, text.to_vec(), Rc::clone(&lexed)));
            lexed
        }
    };
    for tok in &lexed.toks {
        each(tok)?;
    }
    ControlFlow::Continue(lexed.failed_at)
}

/// How far into a long text the tokens wanted must start for the reading to skip what comes
/// before: nearer the start, skimming saves less than a window's tokenization.
const SKIP_WORTH: usize = 256;

/// Windows of a reading that starts past the text's start: the caller wants the tokens near
/// that start and usually stops after a few of them, and sqlparser tokenizes a whole window
/// before the first token is handed on.
const SKIPPED_WINDOW: usize = 256;

/// [`lex`] from `from`, a position [`start`] gave for this text (or for a text with the same
/// bytes before it), or 0.
pub(super) fn lex_at(
    dialect: &dyn Dialect,
    text: &[u8],
    from: usize,
    charged: bool,
    scratch: &Scratch,
    each: &mut dyn FnMut(&Tok) -> ControlFlow<()>,
) -> Read {
    if from == 0 {
        if text.len() > WINDOW {
            return read(dialect, text, charged, each);
        }
        return lex(dialect, text, 0, charged, scratch, each);
    }
    read_from(dialect, text, from, charged, each)
}

/// Where [`lex`] starts reading `text` when the tokens from `want` on are wanted. `text` is
/// the checked argument or a prefix of it.
pub(super) fn start(dialect: &dyn Dialect, text: &[u8], want: usize, scratch: &Scratch) -> usize {
    if text.len() <= WINDOW || want <= SKIP_WORTH {
        return 0;
    }
    let (dialect_id, address) = (dialect.dialect(), text.as_ptr() as usize);
    let mut all = scratch.marks.borrow_mut();
    let found = all
        .iter()
        .position(|m| m.dialect == dialect_id && m.address == address);
    let at = match found {
        Some(at) => at,
        None => {
            if all.len() >= 2 {
                all.remove(0);
            }
            all.push(Marks {
                dialect: dialect_id,
                address,
                no_stdin: 0,
                at: Vec::new(),
            });
            all.len() - 1
        }
    };
    let marks = &mut all[at];
    let from = match marks.at.partition_point(|&m| m <= want.min(text.len())) {
        0 => 0,
        i => marks.at[i - 1],
    };
    let mut found = Vec::new();
    let known = text.len() <= marks.no_stdin;
    let start = skim::restart(dialect, text, (from, want), &mut found, known);
    // A skim returns 0 only at its start or where the text holds `stdin`; past it, the text
    // was read for `stdin` and holds none.
    if start > 0 {
        marks.no_stdin = marks.no_stdin.max(text.len());
    }
    if marks.at.len() + found.len() <= MAX_MARKS {
        marks.at.extend(found);
        marks.at.sort_unstable();
        marks.at.dedup();
    }
    start
}

/// Reads `text` from `from`, a position [`skim::restart`] returned, handing on tokens and the
/// failure point at their offsets in the whole text.
fn read_from(
    dialect: &dyn Dialect,
    text: &[u8],
    from: usize,
    charged: bool,
    each: &mut dyn FnMut(&Tok) -> ControlFlow<()>,
) -> Read {
    at_offset(from, each, |each| {
        read_in(dialect, &text[from..], SKIPPED_WINDOW, charged, each)
    })
}

/// `read` on a text that starts `from` bytes into the argument, handing `each` the tokens and
/// returning the failure point at their offsets in the argument.
fn at_offset(
    from: usize,
    each: &mut dyn FnMut(&Tok) -> ControlFlow<()>,
    read: impl FnOnce(&mut dyn FnMut(&Tok) -> ControlFlow<()>) -> Read,
) -> Read {
    if from == 0 {
        return read(each);
    }
    match read(&mut |tok| each(&tok.shifted(from))) {
        ControlFlow::Continue(failed_at) => ControlFlow::Continue(failed_at.map(|at| at + from)),
        ControlFlow::Break(()) => ControlFlow::Break(()),
    }
}

impl Tok {
    /// The token `by` bytes further on: read in a text that starts `by` bytes into the
    /// argument.
    fn shifted(&self, by: usize) -> Tok {
        let kind = match &self.kind {
            Kind::Quoted {
                inside,
                quote,
                backslash,
            } => Kind::Quoted {
                inside: inside.start + by..inside.end + by,
                quote: *quote,
                backslash: *backslash,
            },
            other => other.clone(),
        };
        Tok {
            span: self.span.start + by..self.span.end + by,
            kind,
            operand: self.operand,
        }
    }
}

/// Stands in for a sigil the tokenizer glued to the next character (see [`glued_sigil`]): a
/// comma is one token whatever follows it, ends whatever token precedes it, and like the sigil
/// alone it is punctuation, no operand.
const SEPARATE: u8 = b',';

/// How many times a text is tokenized again with glued sigils separated. A separated sigil
/// can expose another glued one only where the glued word had hidden a quote or a comment
/// opener; what is still glued after these rounds is taken as structure.
const SIGIL_ROUNDS: usize = 4;

/// Reads `text` a window at a time.
///
/// Each window starts at a token of the whole text whose reading does not depend on the
/// tokens before it (see [`boundary`]), so the windows' tokens are the whole text's. Where no
/// such token lies in a window (one long literal, or a chain of tokens each read after the
/// one before, such as `1.2.3.4`), the window stretches: first to where the last token
/// probably ends ([`end_guess`]), then by doubling.
fn read(
    dialect: &dyn Dialect,
    text: &[u8],
    charged: bool,
    each: &mut dyn FnMut(&Tok) -> ControlFlow<()>,
) -> Read {
    read_in(dialect, text, WINDOW, charged, each)
}

/// [`read`] with windows of `window` bytes: the plain parts of the text without sqlparser
/// ([`plain`]), the rest with it.
fn read_in(
    dialect: &dyn Dialect,
    text: &[u8],
    window: usize,
    charged: bool,
    each: &mut dyn FnMut(&Tok) -> ControlFlow<()>,
) -> Read {
    plain::read(dialect, text, charged, each, &mut |from, each| {
        at_offset(from, each, |each| {
            tokenized(dialect, &text[from..], window, charged, each)
        })
    })
}

/// Where the tokens of `text` read with [`plain`] first differ from sqlparser's alone (their
/// index), or where the two readings end differently (the number of tokens); `None` when they
/// agree. For the fuzz targets.
pub(super) fn plain_disagrees(dialect: &dyn Dialect, text: &[u8]) -> Option<usize> {
    let mut plain = Vec::new();
    let read = read_in(dialect, text, WINDOW, false, &mut |t| {
        plain.push(t.clone());
        ControlFlow::Continue(())
    });
    let mut i = 0;
    let mut differ = None;
    let whole = tokenized(dialect, text, WINDOW, false, &mut |t| {
        let same = plain
            .get(i)
            .is_some_and(|p| p.span == t.span && p.kind == t.kind && p.operand == t.operand);
        if !same {
            differ = Some(i);
            return ControlFlow::Break(());
        }
        i += 1;
        ControlFlow::Continue(())
    });
    differ.or((i != plain.len() || read != whole).then_some(i))
}

/// [`read_in`] with sqlparser's tokenizer only.
fn tokenized(
    dialect: &dyn Dialect,
    text: &[u8],
    window: usize,
    charged: bool,
    each: &mut dyn FnMut(&Tok) -> ControlFlow<()>,
) -> Read {
    let src = prepare(text);
    let src = src.as_ref();
    // `COPY ... FROM STDIN;` makes its `;` read the next line as data, a state carried from
    // the statement's first word: where the text may hold one, windows break between
    // statements only.
    let statements_only =
        dialect.supports_copy_from_stdin_data() && skim::mentions_stdin(src.as_bytes());
    let mut out = Emitter {
        text,
        dialect,
        backslash: dialect.supports_string_literal_backslash_escape(),
        hints: dialect.supports_multiline_comment_hints(),
        pending: None,
        after_line_comment: false,
        each,
    };
    let (mut raw, mut spans) = (Vec::new(), Vec::new());
    let (mut from, mut size, mut guessed, mut fresh) = (0usize, window, false, true);
    // Whether the last token before the window that is no blank or comment is a word: the
    // window is then read behind a word (see [`tokenize`]).
    let (mut word_before, mut lead) = (false, false);
    loop {
        if fresh {
            (size, guessed) = plan(dialect, src.as_bytes(), from, window);
            fresh = false;
        }
        let end = ceil_char_boundary(src, from.saturating_add(size));
        let part = &src[from..end];
        if charged && !crate::work::charge(part.len().saturating_mul(crate::work::SQL_BYTE)) {
            return ControlFlow::Break(());
        }
        let (failed, shown) = tokenize(dialect, part, lead, &mut raw, &mut spans);
        if end == src.len() {
            let mut order: Vec<usize> = (0..raw.len()).collect();
            // `COPY ... FROM STDIN` data is returned before the `;` that precedes it.
            order.sort_by_key(|&i| spans[i].start);
            for i in order {
                out.push(&raw[i].token, &spans[i], from, &shown)?;
            }
            out.flush()?;
            let failed_at = failed.then(|| from + spans.iter().map(|s| s.end).max().unwrap_or(0));
            return ControlFlow::Continue(failed_at);
        }
        match boundary(dialect, &raw, &spans, failed, part, &shown, statements_only) {
            Some(cut) => {
                let before = spans.partition_point(|s| s.start < cut);
                for i in 0..before {
                    out.push(&raw[i].token, &spans[i], from, &shown)?;
                }
                if let Some(last) = raw[..before]
                    .iter()
                    .rfind(|t| !matches!(t.token, Token::Whitespace(_)))
                {
                    word_before = matches!(last.token, Token::Word(_));
                }
                lead = word_before;
                out.flush()?;
                from += cut;
                fresh = true;
            }
            None => {
                let last = if failed {
                    spans.iter().map(|s| s.end).max()
                } else {
                    spans.last().map(|s| s.start)
                };
                let guess = end_guess(dialect, src.as_bytes(), from + last.unwrap_or(0));
                (size, guessed) = if !guessed && guess > end {
                    (guess - from + window, true)
                } else {
                    (size.saturating_mul(2), guessed)
                };
            }
        }
    }
}

/// Tokenizes one window into `raw`, with byte ranges relative to the window in `spans`, and
/// returns whether the tokenizer gave up and the text it read (with glued sigils separated).
///
/// With `lead`, the last token before the window that is no blank or comment is a word:
/// sqlparser reads a `._` after blanks and comments as a field of that word, so the window is
/// read behind a word of its own ([`LEAD`]), whose tokens are then dropped. Nothing else reads
/// differently behind a word and a space than at the start of the text.
fn tokenize<'w>(
    dialect: &dyn Dialect,
    window: &'w str,
    lead: bool,
    raw: &mut Vec<TokenWithSpan>,
    spans: &mut Vec<Range<usize>>,
) -> (bool, Cow<'w, str>) {
    let (failed, shown) = if lead {
        let led = format!("{LEAD}{window}");
        let (failed, shown) = tokenize_all(dialect, &led, raw, spans);
        let lead_tokens = spans.partition_point(|s| s.start < LEAD.len());
        raw.drain(..lead_tokens);
        spans.drain(..lead_tokens);
        for span in spans.iter_mut() {
            *span = span.start - LEAD.len()..span.end - LEAD.len();
        }
        let shown = shown.get(LEAD.len()..).unwrap_or_default().to_owned();
        (failed, Cow::Owned(shown))
    } else {
        tokenize_all(dialect, window, raw, spans)
    };
    (failed, shown)
}

/// A word and a space: two tokens in every dialect, read the same whatever follows.
const LEAD: &str = "x ";

fn tokenize_all<'w>(
    dialect: &dyn Dialect,
    window: &'w str,
    raw: &mut Vec<TokenWithSpan>,
    spans: &mut Vec<Range<usize>>,
) -> (bool, Cow<'w, str>) {
    let mut src = Cow::Borrowed(window);
    let mut rounds = 0;
    loop {
        raw.clear();
        let failed = Tokenizer::new(dialect, &src)
            .with_unescape(false)
            .tokenize_with_location_into_buf(raw)
            .is_err();
        let mut cursor = Cursor::new(&src);
        spans.clear();
        spans.extend(raw.iter().map(|TokenWithSpan { span, .. }| {
            let start = cursor.offset(span.start);
            start..cursor.offset(span.end).max(start)
        }));
        let glued: Vec<Range<usize>> = raw
            .iter()
            .zip(spans.iter())
            .filter_map(|(t, span)| {
                let sigil = glued_sigil(dialect, &t.token, src.get(span.clone())?)?;
                Some(span.start..span.start + sigil)
            })
            .collect();
        if glued.is_empty() || rounds == SIGIL_ROUNDS {
            return (failed, src);
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
    }
}

/// Where in a window the next window can start, if anywhere: at the last token whose reading
/// does not depend on the tokens before it, and before which every token is decided (at
/// least [`LOOKAHEAD`] bytes from the window's end).
///
/// A window that starts at a token gives its tokenizer no previous token. sqlparser reads a
/// token after a `.` differently (`t.1` is a field, `1` alone a number); a `.` followed by a
/// digit by what precedes it where the dialect has tuple fields (`(1, 2).1`) or names that
/// start with digits (MySQL's `t.1a`); and `._` by whether a word precedes it, blanks and
/// comments between (a window after a word is read behind a word, see [`tokenize`]).
/// Everything else reads the same from its own first character. Nor may the token be a sigil
/// separated from what follows it: the next window reads the text as it is, where that sigil
/// and its neighbour make another token. The token the tokenizer gave up on may start a
/// window: in a window that cut a long literal, it is that literal.
fn boundary(
    dialect: &dyn Dialect,
    raw: &[TokenWithSpan],
    spans: &[Range<usize>],
    failed: bool,
    window: &str,
    shown: &str,
    statements_only: bool,
) -> Option<usize> {
    if !spans.is_sorted_by_key(|s| s.start) {
        return None;
    }
    let bytes = window.as_bytes();
    let at = |i: usize| bytes.get(i).copied();
    let limit = window.len().saturating_sub(LOOKAHEAD);
    // Whether the current statement's first token is `COPY` (`None` before its first token).
    let mut copy: Option<bool> = None;
    let mut best = None;
    // Each token but the first, and the token the tokenizer gave up on (which has no span:
    // it starts where the last one ends).
    let candidates = raw.len() + usize::from(failed);
    for k in 1..candidates {
        let before = &raw[k - 1].token;
        let tok = raw.get(k).map(|t| &t.token);
        let start = spans.get(k).map_or(spans[k - 1].end, |s| s.start);
        let after_statement = matches!(before, Token::SemiColon) && copy != Some(true);
        if statements_only && matches!(before, Token::SemiColon) && copy == Some(true) {
            // The rest of the line, then data up to a line `\.`: no boundary from here.
            break;
        }
        match before {
            Token::SemiColon => copy = None,
            Token::Whitespace(_) => {}
            first if copy.is_none() => {
                copy = Some(matches!(first, Token::Word(w) if w.keyword == Keyword::COPY));
            }
            _ => {}
        }
        if start > limit {
            break;
        }
        let dot = at(start) == Some(b'.')
            && match at(start + 1) {
                Some(b'_') => true,
                Some(c) => {
                    c.is_ascii_digit()
                        && (dialect.supports_tuple_element_access()
                            || (dialect.supports_numeric_prefix()
                                && matches!(before, Token::Word(_))))
                }
                None => true,
            };
        // The newline after a line comment belongs to the comment.
        let closes_comment = matches!(tok, Some(Token::Whitespace(Whitespace::Newline)))
            && matches!(
                before,
                Token::Whitespace(Whitespace::SingleLineComment { .. })
            );
        let first = spans.get(k).map_or(start..start + 1, Range::clone);
        let fits = start > 0
            && window.get(first.clone()) == shown.get(first)
            && !dot
            && !matches!(before, Token::Period)
            && !closes_comment
            && !matches!(tok, Some(Token::CopyData { .. }))
            && (!statements_only || after_statement);
        if fits {
            best = Some(start);
        }
    }
    best
}

/// How many bytes a window that starts at `from` reads, and whether that is one long token's
/// guessed end. A window ends [`LOOKAHEAD`] bytes past the probable end of the last token
/// that ends within `window` bytes, so that the next window starts there and nothing is read
/// twice; a window that starts with a longer token holds all of it. Guessed token by token
/// with [`end_guess`]: the tokenizer decides, and a wrong plan only costs part of a window
/// read twice.
fn plan(dialect: &dyn Dialect, text: &[u8], from: usize, window: usize) -> (usize, bool) {
    let first = end_guess(dialect, text, from).max(from + 1);
    if first - from + LOOKAHEAD > window {
        return (first - from + LOOKAHEAD, true);
    }
    let mut end = first;
    while end < text.len() {
        let next = end_guess(dialect, text, end).max(end + 1);
        if next - from + LOOKAHEAD > window {
            break;
        }
        end = next;
    }
    (end - from + LOOKAHEAD, false)
}

/// Where the token that starts at `at` probably ends, or the end of the text: a window that
/// starts with a long token stretches to it, so as to hold that token and not as many bytes
/// again after it. The tokenizer decides. A guess short of the real end costs a doubling; one
/// past it would let a window hold as many tokens as it overshoots, so the end is guessed only
/// for what the dialect certainly reads as one token up to its closing delimiter: quoted
/// strings and identifiers, block comments, `--` comments, dollar quoting, and words.
fn end_guess(dialect: &dyn Dialect, text: &[u8], at: usize) -> usize {
    let rest = text.get(at..).unwrap_or_default();
    let found = |p: Option<usize>| p.map_or(text.len(), |p| at + p);
    // A literal's prefix (`E'`, `N'`, `X'`, `U&'`) is letters or `&` before the quote.
    let quote = rest
        .iter()
        .take(4)
        .position(|&b| matches!(b, b'\'' | b'"' | b'`' | b'['))
        .filter(|&p| {
            rest[..p]
                .iter()
                .all(|b| b.is_ascii_alphabetic() || *b == b'&')
        })
        .filter(|&p| match rest[p] {
            q @ (b'`' | b'[') => p == 0 && dialect.is_delimited_identifier_start(char::from(q)),
            _ => true,
        });
    if let Some(p) = quote {
        let q = if rest[p] == b'[' { b']' } else { rest[p] };
        let escapes = matches!(q, b'\'' | b'"')
            && (dialect.supports_string_literal_backslash_escape()
                || rest[..p].eq_ignore_ascii_case(b"e"));
        let mut i = p + 1;
        while i < rest.len() {
            match rest[i] {
                b'\\' if escapes => i += 2,
                b if b == q && rest.get(i + 1) == Some(&q) => i += 2,
                b if b == q => return at + i + 1,
                _ => i += 1,
            }
        }
        return text.len();
    }
    if rest.starts_with(b"/*") {
        return found(crate::__static_finder!(b"*/").find(rest).map(|p| p + 2));
    }
    if rest.starts_with(b"--")
        && (!dialect.requires_single_line_comment_whitespace()
            || rest.get(2).is_some_and(u8::is_ascii_whitespace))
    {
        return found(memchr::memchr(b'\n', rest));
    }
    let name = |b: &u8| b.is_ascii_alphanumeric() || *b == b'_' || *b >= 0x80;
    if rest.starts_with(b"$") {
        let tag = rest[1..].iter().position(|b| !name(b)).map(|p| p + 1);
        if let Some(close) = tag.filter(|&c| rest[c] == b'$') {
            let tag = &rest[..=close];
            return found(memmem::find(&rest[tag.len()..], tag).map(|p| p + 2 * tag.len()));
        }
    }
    found(rest.iter().position(|b| !name(b)))
}

/// The first character boundary of `src` at or after `at`, or its end.
fn ceil_char_boundary(src: &str, at: usize) -> usize {
    let mut at = at.min(src.len());
    while !src.is_char_boundary(at) {
        at += 1;
    }
    at
}

/// Turns sqlparser's tokens into [`Tok`]s and hands them on, one behind, so that a line
/// comment can take in the newline that closes it.
struct Emitter<'a> {
    text: &'a [u8],
    dialect: &'a dyn Dialect,
    backslash: bool,
    hints: bool,
    pending: Option<Tok>,
    after_line_comment: bool,
    each: &'a mut dyn FnMut(&Tok) -> ControlFlow<()>,
}

impl Emitter<'_> {
    /// Takes the token at `span` of a window that starts at byte `from`, which reads `shown`.
    fn push(
        &mut self,
        token: &Token,
        span: &Range<usize>,
        from: usize,
        shown: &str,
    ) -> ControlFlow<()> {
        let (start, end) = (from + span.start, from + span.end);
        // A line comment ends at the newline after it, which the tokenizer returns as a token
        // of its own: that newline is the comment's closing delimiter, not a blank.
        if self.after_line_comment
            && matches!(token, Token::Whitespace(Whitespace::Newline))
            && let Some(last) = &mut self.pending
            && last.span.end == start
        {
            last.span.end = end;
            self.after_line_comment = false;
            return ControlFlow::Continue(());
        }
        self.after_line_comment = matches!(
            token,
            Token::Whitespace(Whitespace::SingleLineComment { .. })
        );
        let glued = shown
            .get(span.clone())
            .and_then(|word| glued_sigil(self.dialect, token, word))
            .is_some();
        let kind = if glued {
            Kind::Other
        } else {
            kind_of(token, self.text, start..end, self.backslash, self.hints)
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
        let tok = Tok {
            span: start..end,
            kind,
            operand,
        };
        match self.pending.replace(tok) {
            Some(before) => (self.each)(&before),
            None => ControlFlow::Continue(()),
        }
    }

    /// Hands on the token held back.
    fn flush(&mut self) -> ControlFlow<()> {
        self.after_line_comment = false;
        match self.pending.take() {
            Some(tok) => (self.each)(&tok),
            None => ControlFlow::Continue(()),
        }
    }
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
    let hint = crate::__static_finder!(b"/*!").find(text).is_some();
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
pub(super) fn quoted(raw: &[u8], span: Range<usize>, n: usize, backslash: bool) -> Kind {
    match raw.iter().position(|&b| b == b'\'' || b == b'"') {
        Some(p) => delimited(span, p + n, n, raw[p], backslash),
        None => Kind::Other,
    }
}

/// A token with `open` bytes of opening and `close` bytes of closing delimiter.
pub(super) fn delimited(
    span: Range<usize>,
    open: usize,
    close: usize,
    quote: u8,
    backslash: bool,
) -> Kind {
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

    /// Every token of `text` and where the tokenizer gave up.
    fn toks(dialect: &dyn Dialect, text: &[u8]) -> (Vec<Tok>, Option<usize>) {
        let mut toks = Vec::new();
        let read = lex(dialect, text, 0, false, &Scratch::default(), &mut |tok| {
            toks.push(tok.clone());
            ControlFlow::Continue(())
        });
        let ControlFlow::Continue(failed_at) = read else {
            panic!("a reading that nothing stops stopped")
        };
        (toks, failed_at)
    }

    fn spans(dialect: &dyn Dialect, text: &[u8]) -> Vec<(Range<usize>, Kind)> {
        toks(dialect, text)
            .0
            .into_iter()
            .map(|t| (t.span, t.kind))
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
        assert_eq!(toks(&GenericDialect {}, b"SELECT 'abc").1, Some(7));
        assert!(toks(&GenericDialect {}, b"SELECT 1").1.is_none());
    }

    /// The dialects iast reads SQL in.
    const DIALECTS: [&dyn Dialect; 4] = [
        &GenericDialect {},
        &sqlparser::dialect::PostgreSqlDialect {},
        &MySqlDialect {},
        &sqlparser::dialect::SQLiteDialect {},
    ];

    /// A generator seeded from `IAST_TEST_SEED`, or from `default`: another seed is another
    /// set of texts, for runs by hand.
    fn rng(default: u64) -> crate::test_rng::Rng {
        crate::test_rng::Rng(
            std::env::var("IAST_TEST_SEED").map_or(default, |s| s.parse().unwrap_or(0)),
        )
    }

    /// Fragments of SQL text, and of what is not quite SQL, for the randomized readings.
    const PIECES: &[&[u8]] = &[
        b"SELECT",
        b" ",
        b"\n",
        b"\t",
        b",",
        b"(",
        b")",
        b";",
        b"'a b'",
        b"'it''s'",
        b"'\\''",
        b"E'x\\'y'",
        b"\"id\"",
        b"`bq`",
        b"[br]",
        b"$$d$$",
        b"$t$x;y$t$",
        b"-- c",
        b"/* c */",
        b"/*! X */",
        b"#h",
        b"1",
        b"1.5",
        b".5",
        b".",
        b"x",
        b"t.1",
        b"._",
        b"@",
        b"@@v",
        b"%",
        b"+",
        b"-",
        b"<=>",
        b"->>",
        b"COPY",
        b"FROM",
        b"STDIN",
        "\u{e9}".as_bytes(),
        b"\xff",
        b"?",
        b"$1",
        b":n",
        b"1e",
        b"X'1F'",
        b"N'n'",
        b";COPY t FROM STDIN;",
        b";SELECT COPY FROM STDIN;",
        b"\r\n",
        b"\n\\.\n",
        b"/* /* n */ */",
        b"1.1.1",
        b"U&'u'",
        b"+/* c */",
        b"x[1]",
        b"--x",
        b"-- c\r\n",
        b"'a\\'b'",
        b"\"a\"\"b\"",
        b" N'n' ",
        b"t. x",
        b"#c\n",
        b"/*!1 x*/",
        b"`a``b`",
        b" WHERE ",
        b" a ",
        b"'",
        b"\"",
    ];

    /// Every token and the failure point, read with windows of `window` bytes.
    fn read_with(
        dialect: &dyn Dialect,
        text: &[u8],
        window: usize,
    ) -> (Vec<String>, Option<usize>) {
        let mut toks = Vec::new();
        let read = read_in(dialect, text, window, false, &mut |t| {
            toks.push(format!("{:?}", t));
            ControlFlow::Continue(())
        });
        let ControlFlow::Continue(failed_at) = read else {
            panic!("a reading that nothing stops stopped")
        };
        (toks, failed_at)
    }

    #[test]
    fn windows_give_the_tokens_of_the_whole_text() {
        let mut rng = crate::test_rng::Rng(0x5eed_1e55);
        for round in 0..400 {
            let mut text = Vec::new();
            let len = 64 + rng.below(400);
            while text.len() < len {
                text.extend_from_slice(PIECES[rng.below(PIECES.len())]);
            }
            // Now and then a quote that never closes, so that a reading gives up.
            if round % 7 == 0 {
                let at = rng.below(text.len());
                text.insert(at, b'\'');
            }
            for dialect in DIALECTS {
                let whole = read_with(dialect, &text, usize::MAX);
                for window in [16, 24, 40, 100] {
                    let windowed = read_with(dialect, &text, window);
                    let differ = (0..windowed.0.len().max(whole.0.len()))
                        .find(|&i| windowed.0.get(i) != whole.0.get(i));
                    assert!(
                        differ.is_none() && windowed.1 == whole.1,
                        "{:?} in windows of {window}, token {differ:?}: {:?} for {:?} (failed at {:?}, {:?}) in {:?}",
                        dialect.dialect(),
                        differ.and_then(|i| windowed.0.get(i)),
                        differ.and_then(|i| whole.0.get(i)),
                        windowed.1,
                        whole.1,
                        String::from_utf8_lossy(&text)
                    );
                }
            }
        }
    }

    #[test]
    fn a_reading_from_a_restart_gives_the_tokens_of_the_whole_text() {
        let mut rng = rng(0x5e1f_5ea7);
        let mut restarted = 0;
        for _ in 0..800 {
            let mut text = Vec::new();
            let len = 32 + rng.below(300);
            while text.len() < len {
                text.extend_from_slice(PIECES[rng.below(PIECES.len())]);
            }
            for dialect in DIALECTS {
                let whole = read_with(dialect, &text, usize::MAX);
                let mut starts = Vec::new();
                let _ = read_in(dialect, &text, usize::MAX, false, &mut |t| {
                    starts.push(t.span.start);
                    ControlFlow::Continue(())
                });
                for _ in 0..8 {
                    let want = rng.below(text.len() + 1);
                    let from = skim::restart(dialect, &text, (0, want), &mut Vec::new(), false);
                    assert!(from <= want);
                    if from == 0 {
                        continue;
                    }
                    restarted += 1;
                    let skipped = starts.partition_point(|&s| s < from);
                    let mut toks = Vec::new();
                    let read = read_from(dialect, &text, from, false, &mut |t| {
                        toks.push(format!("{t:?}"));
                        ControlFlow::Continue(())
                    });
                    let ControlFlow::Continue(failed_at) = read else {
                        panic!("a reading that nothing stops stopped")
                    };
                    assert!(
                        toks[..] == whole.0[skipped..] && failed_at == whole.1,
                        "{:?} from {from}: {toks:?} against {:?} (failed at {failed_at:?}, {:?}) in {:?}",
                        dialect.dialect(),
                        &whole.0[skipped..],
                        whole.1,
                        String::from_utf8_lossy(&text)
                    );
                }
            }
        }
        assert!(restarted > 1_000, "only {restarted} readings restarted");
    }

    /// Pieces of the plain SQL [`plain`] reads itself, and of what lies at its edges.
    const PLAIN: &[&[u8]] = &[
        b"SELECT",
        b"select",
        b"name",
        b"id",
        b"_x",
        b"x1",
        b" ",
        b"\n",
        b"\t",
        b",",
        b"(",
        b")",
        b";",
        b"=",
        b"<",
        b">",
        b"<=",
        b">=",
        b"<>",
        b"!=",
        b"+",
        b"-",
        b"*",
        b"t.a",
        b"\"t\".\"c\"",
        b"t.\"c\"",
        b"`t`.`c`",
        b"?",
        b"?1",
        b"$1",
        b"($1)",
        b"1",
        b"42",
        b"1.5",
        b"'a b'",
        b"'it''s'",
        b"'a\\'b'",
        b"'a\\'",
        b"\"id\"",
        b"\"a\"\"b\"",
        b"`bq`",
        b"'\xc3\xa9\xff'",
        b" WHERE ",
        b" a ",
        b" 'x' ",
        b" \"y\" ",
    ];

    /// Appends pieces to `text` until it is `len` bytes long: one of `plain`, or one in `odds`
    /// of [`PIECES`] (where a plain reading or a skim may stop), each followed by a blank
    /// unless glued to the next (one in `glued`; none when 0).
    fn grow(
        rng: &mut crate::test_rng::Rng,
        text: &mut Vec<u8>,
        len: usize,
        (plain, odds): (&[&[u8]], usize),
        glued: usize,
    ) {
        while text.len() < len {
            let piece = if rng.below(odds) == 0 {
                PIECES[rng.below(PIECES.len())]
            } else {
                plain[rng.below(plain.len())]
            };
            text.extend_from_slice(piece);
            if glued == 0 || rng.below(glued) != 0 {
                text.push(b' ');
            }
        }
    }

    /// The plain reading and sqlparser's give the same tokens and failure point, in the four
    /// dialects and in windows of every size, on texts mostly plain and now and then not.
    #[test]
    fn plain_sql_reads_as_sqlparser_reads_it() {
        let mut rng = rng(0x91a1_4e11);
        let mut plain_tokens = 0;
        // A `COPY` whose `STDIN` comes after plain stretches, behind a comment the plain
        // reading stops at or plainly: its data must be read as data either way.
        let list = "a, ".repeat(200);
        let fixed = [
            format!("COPY t ({list}b) FROM /* c */ STDIN;\nrow 'x\n\\.\nSELECT 1"),
            format!("COPY t ({list}b) FROM STDIN;\nrow 'x\n\\.\nSELECT 1"),
            format!("COPY t FROM STDIN;\n{}\n\\.\nSELECT 'x", "a b ".repeat(200)),
        ];
        for round in 0..1_500 + fixed.len() {
            let mut text = Vec::new();
            let len = 16 + rng.below(if round % 5 == 0 { 1_200 } else { 200 });
            if let Some(fixed) = fixed.get(round.wrapping_sub(1_500)) {
                text.extend_from_slice(fixed.as_bytes());
            }
            // Mostly a blank between pieces: glued ones often make what is not plain (`42x`,
            // `x'a'`), which sqlparser reads.
            grow(&mut rng, &mut text, len, (PLAIN, 300), 8);
            for dialect in DIALECTS {
                let mut expected = Vec::new();
                let want = tokenized(dialect, &text, usize::MAX, false, &mut |t| {
                    expected.push(format!("{t:?}"));
                    ControlFlow::Continue(())
                });
                for window in [40, WINDOW] {
                    let mut got = Vec::new();
                    let read = read_in(dialect, &text, window, false, &mut |t| {
                        got.push(format!("{t:?}"));
                        ControlFlow::Continue(())
                    });
                    let differ =
                        (0..got.len().max(expected.len())).find(|&i| got.get(i) != expected.get(i));
                    assert!(
                        differ.is_none() && read == want,
                        "{:?}, token {differ:?}: {:?} for sqlparser's {:?} ({read:?}, {want:?}) in {:?}",
                        dialect.dialect(),
                        differ.and_then(|i| got.get(i)),
                        differ.and_then(|i| expected.get(i)),
                        String::from_utf8_lossy(&text)
                    );
                }
                let mut plain = 0;
                let _ = plain::read(
                    dialect,
                    &text,
                    false,
                    &mut |_| {
                        plain += 1;
                        ControlFlow::Continue(())
                    },
                    &mut |_, _| ControlFlow::Continue(None),
                );
                plain_tokens += plain;
            }
        }
        assert!(
            plain_tokens > 25_000,
            "only {plain_tokens} tokens read plain"
        );
    }

    /// A skim that starts at a position an earlier skim of the text marked returns what a
    /// skim from the start returns.
    #[test]
    fn a_skim_from_a_mark_finds_what_a_skim_from_the_start_finds() {
        let mut rng = rng(0x3a4c_5e11);
        // Pieces the skim follows in every dialect (it stops at a word that starts with `_`,
        // at a backquote where it quotes nothing, at placeholders and at a quote after a
        // `.`), so that most skims go far.
        let plain: Vec<&[u8]> = PLAIN
            .iter()
            .copied()
            .filter(|p| {
                !p.starts_with(b"_")
                    && !p.ends_with(b"\\'")
                    && !p.iter().any(|b| b"`?$.".contains(b))
            })
            .collect();
        let mut marked = 0;
        for _ in 0..200 {
            let mut text = Vec::new();
            let len = 600 + rng.below(3_000);
            grow(&mut rng, &mut text, len, (&plain, 400), 0);
            for dialect in DIALECTS {
                let mut marks = Vec::new();
                let _ = skim::restart(dialect, &text, (0, text.len()), &mut marks, false);
                assert!(marks.is_sorted(), "{marks:?}");
                for _ in 0..8 {
                    let want = rng.below(text.len() + 1);
                    let via = match marks.partition_point(|&m| m <= want) {
                        0 => 0,
                        i => marks[i - 1],
                    };
                    marked += usize::from(via > 0);
                    assert_eq!(
                        skim::restart(dialect, &text, (via, want), &mut Vec::new(), via > 0),
                        skim::restart(dialect, &text, (0, want), &mut Vec::new(), false),
                        "{:?} for {want} from {via} in {:?}",
                        dialect.dialect(),
                        String::from_utf8_lossy(&text)
                    );
                }
            }
        }
        assert!(marked > 600, "only {marked} skims started at a mark");
    }
}
