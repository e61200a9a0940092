//! Analyzer for SQL text.
//!
//! The argument is tokenized with sqlparser's tokenizer in the configured dialect
//! ([`set_sql_dialect`]); overlapping and adjacent tainted ranges are merged into runs, and each
//! run is judged on the tokens it touches; the argument is confirmed when any run is. A run
//! leaves the structure intact, and the flow is [`Confidence::Unsanitized`], when besides
//! blanks (spaces, tabs, newlines between tokens) it touches a single token, and only where a
//! value goes:
//!
//! - the inside of a string literal (`'...'`, `E'...'`, `$tag$...$tag$`, MySQL's `"..."`) or of
//!   a quoted identifier (`"..."`, `` `...` ``, `[...]`);
//! - the inside of a comment (`/* ... */`, `-- ...`): query tags such as sqlcommenter's carry
//!   request data there, and taint that stays inside cannot end the comment. MySQL runs the
//!   inside of `/*! ... */`, so in the MySQL and generic readings that inside is code;
//! - all of a number (`42`, `3.14`, `1e6`), also with a sign in operand position (`-7`);
//! - all of one bare word (`ORDER BY {}` with `name`).
//!
//! Anything else is [`Confidence::Confirmed`]: the run closes or opens a quote or a comment,
//! adds a keyword, identifier, operator or punctuation next to its value, or starts a second
//! statement. So is a tainted backslash that escapes the program's closing quote where the
//! dialect gives backslashes that meaning (MySQL, `E'...'`): the literal then swallows the
//! program's next bytes.
//!
//! Why a lone bare word is not confirmed: it replaces one token by one token of the same
//! kind, so the token sequence the program built is unchanged, and the engine infers taint by
//! value: a program that maps input through a whitelist to a constant (`"name" => "name"`)
//! puts bytes equal to the input in its query. Confirming a bare word would confirm every
//! such correct whitelist; an attacker who can only pick one name (a column to sort by) is
//! still reported, as unsanitized. Quoted identifiers follow the same reasoning.
//!
//! A doubled quote with only one of its quotes tainted is accepted as an escape: the engine
//! reports pieces of a value that the program escaped by doubling its quotes (`it''s` holds
//! the piece `'s ...` of `it's ...`), so such pieces start or end on one quote of a pair.
//! Taint that ends on a lone quote and so pairs with the program's closing quote does not get
//! out of the literal by itself; when the literal then runs to the end, it is caught below.
//!
//! When the tokenizer fails (an unterminated literal, quoted identifier or comment), the tokens
//! before the failure are judged as above, and taint in the failed token is confirmed when the
//! taint opened it or when untainted non-blank bytes follow the last tainted byte (the
//! program's own closing quote and text were swallowed); taint at the very end of a literal the
//! program left open is unsanitized. Bytes that are not UTF-8 are read as an unknown character
//! (see `lex`): data inside a literal, structure outside.
//!
//! [`SqlDialect::Generic`] is for an unknown database: a run is confirmed when it is under the
//! standard reading (quotes escaped by doubling) or, if the argument holds a backslash, under
//! MySQL's reading, where backslashes escape quotes.

mod lex;
mod plain;
mod skim;

pub(crate) use lex::Scratch;
#[cfg(test)]
mod tests;

use super::Input;
use crate::ranges::Runs;
use lex::{Kind, Tok};
use sqlparser::dialect::{Dialect, GenericDialect, MySqlDialect, PostgreSqlDialect, SQLiteDialect};
use std::ops::{ControlFlow, Range};
use std::sync::atomic::{AtomicU8, Ordering};

/// The SQL dialect the SQL injection analyzer reads sink arguments in.
///
/// It decides how literals are quoted and escaped: backslash escapes in MySQL, dollar quoting and
/// `E'...'` strings in PostgreSQL, double quotes around strings in MySQL but around identifiers
/// elsewhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum SqlDialect {
    /// Unknown database: standard SQL, and MySQL's backslash escapes too.
    #[default]
    Generic,
    /// PostgreSQL: `"identifiers"`, `$tag$` dollar quoting, backslash escapes only in `E'...'`.
    PostgreSql,
    /// MySQL and MariaDB: backslash escapes, `"strings"`, `` `identifiers` ``, `#` comments,
    /// executable `/*! ... */` comments.
    MySql,
    /// SQLite: `"identifiers"`, `[identifiers]`, no backslash escapes.
    Sqlite,
}

impl SqlDialect {
    const ALL: [SqlDialect; 4] = [
        SqlDialect::Generic,
        SqlDialect::PostgreSql,
        SqlDialect::MySql,
        SqlDialect::Sqlite,
    ];
}

static DIALECT: AtomicU8 = AtomicU8::new(SqlDialect::Generic as u8);

/// Sets the SQL dialect for the whole process (default: [`SqlDialect::Generic`]).
pub fn set_sql_dialect(dialect: SqlDialect) {
    DIALECT.store(dialect as u8, Ordering::Relaxed);
}

/// The SQL dialect in use.
pub fn sql_dialect() -> SqlDialect {
    let n = DIALECT.load(Ordering::Relaxed);
    SqlDialect::ALL
        .into_iter()
        .find(|d| *d as u8 == n)
        .unwrap_or_default()
}

pub(super) fn changes_structure(input: &Input<'_>, scratch: &Scratch) -> bool {
    changes_structure_in(sql_dialect(), input, scratch)
}

fn changes_structure_in(dialect: SqlDialect, input: &Input<'_>, scratch: &Scratch) -> bool {
    let (text, runs) = (input.text, Runs::new(input.text.len(), input.tainted));
    let (main, second) = readings(dialect, text);
    changes_in(main, text, &runs, scratch)
        || second.is_some_and(|d| changes_in(d, text, &runs, scratch))
}

/// How `text` is read in `dialect`: in that dialect's tokenizer and, for
/// [`SqlDialect::Generic`] when the text holds a backslash, also in MySQL's, where backslashes
/// escape quotes.
fn readings(
    dialect: SqlDialect,
    text: &[u8],
) -> (&'static dyn Dialect, Option<&'static dyn Dialect>) {
    match dialect {
        SqlDialect::Generic => (
            &GenericDialect {},
            memchr::memchr(b'\\', text).map(|_| &MySqlDialect {} as &'static dyn Dialect),
        ),
        SqlDialect::PostgreSql => (&PostgreSqlDialect {}, None),
        SqlDialect::MySql => (&MySqlDialect {}, None),
        SqlDialect::Sqlite => (&SQLiteDialect {}, None),
    }
}

/// Whether `text` has one reading in `dialect`: the generic dialect reads a text that holds a
/// backslash a second time, as MySQL does (see [`string_literal_spans`]).
pub(crate) fn read_once(dialect: SqlDialect, text: &[u8]) -> bool {
    readings(dialect, text).1.is_none()
}

/// Whether the tainted bytes are exactly one bare word of the query (a column, a table, a
/// direction): what a program that maps the input through an allow-list
/// (`match col { "name" => "name", .. }`) writes, indistinguishable by value from the input
/// itself.
pub(super) fn lone_word(input: &Input<'_>, scratch: &Scratch) -> bool {
    let runs = Runs::new(input.text.len(), input.tainted);
    let mut iter = runs.iter();
    let (Some(run), None) = (iter.next(), iter.next()) else {
        return false;
    };
    let (dialect, _) = readings(sql_dialect(), input.text);
    let mut word = false;
    let _ = lex::lex(dialect, input.text, run.start, true, scratch, &mut |t| {
        word = t.kind == Kind::Word && t.span == *run;
        if word || t.span.start >= run.start {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    });
    word
}

fn changes_in(dialect: &dyn Dialect, text: &[u8], runs: &Runs, scratch: &Scratch) -> bool {
    if runs.is_empty() {
        return false;
    }
    let mut judge = Judge {
        text,
        runs,
        next: 0,
        before_operand: false,
        touched: Touched::None,
        escapes: None,
        changed: false,
    };
    let want = runs.first().map_or(0, |r| r.start);
    match lex::lex(dialect, text, want, true, scratch, &mut |tok| {
        judge.see(tok)
    }) {
        ControlFlow::Break(()) => judge.changed,
        ControlFlow::Continue(failed_at) => {
            judge.finish() || failed_at.is_some_and(|at| failure_changes_structure(text, runs, at))
        }
    }
}

/// The non-blank tokens a run has touched so far, as far as the verdict needs them.
enum Touched {
    None,
    /// One token, and whether the token before it ends an operand.
    One(Tok, bool),
    /// A sign and the number right after it, where the sign negates: one value.
    SignedNumber(Tok),
}

/// Judges the runs against the tokens as they are read, each run on the tokens it touches: a
/// run leaves the structure intact when, besides blanks, it touches a single token, and only
/// where a value goes. Reading stops at the first run that does more, or after the last run.
struct Judge<'a> {
    text: &'a [u8],
    runs: &'a Runs,
    /// The first run not yet judged.
    next: usize,
    /// Whether the last non-blank token read ends an operand (so a sign after it subtracts).
    before_operand: bool,
    touched: Touched,
    /// Whether a tainted backslash escapes the closing quote of the literal that starts at the
    /// byte given: worked out once per literal, however many runs lie in it.
    escapes: Option<(usize, bool)>,
    changed: bool,
}

impl Judge<'_> {
    fn see(&mut self, tok: &Tok) -> ControlFlow<()> {
        while let Some(run) = self.runs.get(self.next) {
            if run.start >= tok.span.end {
                break;
            }
            if run.end > tok.span.start && tok.kind != Kind::Blank {
                self.touch(tok);
                if self.changed {
                    return ControlFlow::Break(());
                }
            }
            if run.end > tok.span.end {
                break;
            }
            // The run ends within this token: judge it, and see whether the next one also
            // touches this token.
            if self.close() {
                return ControlFlow::Break(());
            }
        }
        if tok.kind != Kind::Blank {
            self.before_operand = tok.operand;
        }
        if self.next == self.runs.len() {
            // Every run is judged: the rest of the text cannot change the verdict.
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    }

    /// Adds a non-blank token to what the current run touches.
    fn touch(&mut self, tok: &Tok) {
        self.touched = match std::mem::replace(&mut self.touched, Touched::None) {
            Touched::None => Touched::One(tok.clone(), self.before_operand),
            Touched::One(sign, false)
                if sign.kind == Kind::Sign
                    && tok.kind == Kind::Number
                    && sign.span.end == tok.span.start =>
            {
                Touched::SignedNumber(tok.clone())
            }
            _ => {
                self.changed = true;
                Touched::None
            }
        };
    }

    /// Judges the current run on what it touched; whether it changes the structure.
    fn close(&mut self) -> bool {
        let run = self.runs[self.next].clone();
        self.next += 1;
        let tok = match std::mem::replace(&mut self.touched, Touched::None) {
            Touched::None => return false,
            Touched::One(tok, _) | Touched::SignedNumber(tok) => tok,
        };
        self.changed = !self.stays_inside(&tok, &run);
        self.changed
    }

    /// Judges the runs left after the last token; whether one changes the structure.
    fn finish(&mut self) -> bool {
        if self.changed {
            return true;
        }
        while self.next < self.runs.len() {
            if self.close() {
                return true;
            }
        }
        false
    }

    /// Whether the part of `run` in `tok` lies where a value goes.
    fn stays_inside(&mut self, tok: &Tok, run: &Range<usize>) -> bool {
        let (lo, hi) = (run.start.max(tok.span.start), run.end.min(tok.span.end));
        match &tok.kind {
            Kind::Blank | Kind::Word | Kind::Number => true,
            Kind::Sign | Kind::Other => false,
            Kind::Quoted {
                inside,
                quote,
                backslash,
            } => {
                if !(inside.start <= lo && hi <= inside.end) {
                    return false;
                }
                if !*backslash {
                    return true;
                }
                let escapes = match self.escapes {
                    Some((at, escapes)) if at == tok.span.start => escapes,
                    _ => {
                        let escapes = escapes_delimiter(self.text, self.runs, inside, *quote);
                        self.escapes = Some((tok.span.start, escapes));
                        escapes
                    }
                };
                !escapes
            }
        }
    }
}

/// Whether a tainted backslash inside a literal escapes an untainted closing quote: the
/// program's own delimiter, turned into data.
fn escapes_delimiter(text: &[u8], runs: &Runs, inside: &Range<usize>, quote: u8) -> bool {
    let mut i = inside.start;
    while i + 1 < inside.end {
        if text[i] == b'\\' {
            if text[i + 1] == quote && runs.contains(i) && !runs.contains(i + 1) {
                return true;
            }
            i += 2;
        } else {
            i += 1;
        }
    }
    false
}

/// Judges the taint in the token the tokenizer failed on, from `at` to the end.
fn failure_changes_structure(text: &[u8], runs: &Runs, at: usize) -> bool {
    let last = runs.end();
    last > at
        && (runs.contains(at)
            || text
                .get(last..)
                .is_some_and(|rest| rest.iter().any(|b| !b.is_ascii_whitespace())))
}

/// Where the tokens of `text` in each reading of `dialect` with the plain reader first differ
/// from sqlparser's alone, if anywhere (see `lex::plain_disagrees`).
pub(crate) fn plain_disagrees(dialect: SqlDialect, text: &[u8]) -> Option<usize> {
    let (main, second) = readings(dialect, text);
    lex::plain_disagrees(main, text).or_else(|| second.and_then(|d| lex::plain_disagrees(d, text)))
}

/// Where the readings of `text` in `dialect` for its literals from byte `want` on start: for
/// the dialect's reading, and for the MySQL reading that [`SqlDialect::Generic`] adds when the
/// text holds a backslash. 0 unless the text is long. A text with the same bytes before them
/// (the argument with its tainted bytes replaced, when no tainted byte precedes them) can be
/// read from the same positions.
pub(crate) fn literals_start(
    dialect: SqlDialect,
    text: &[u8],
    want: usize,
    scratch: &Scratch,
) -> LiteralStarts {
    let (main, second) = readings(dialect, text);
    let main = lex::start(main, text, want, scratch);
    LiteralStarts {
        main,
        second: second.map_or(main, |d| lex::start(d, text, want, scratch)),
    }
}

/// Where [`string_literal_spans`] starts its readings (see [`literals_start`]): the
/// dialect's, and the generic dialect's second (MySQL) reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LiteralStarts {
    main: usize,
    second: usize,
}

impl LiteralStarts {
    /// Every literal, from the start.
    pub(crate) const WHOLE: LiteralStarts = LiteralStarts { main: 0, second: 0 };

    /// The first byte from which every literal is given.
    pub(crate) fn first(self) -> usize {
        self.main.min(self.second)
    }
}

/// The insides of the string literals of `text` read in `dialect` (quoted identifiers and
/// comments are not literals), sorted by start; a literal left open runs to the end of the
/// text, as it does when evidence is cut inside one. [`SqlDialect::Generic`] gives the literals
/// of both its readings when the text holds a backslash, so that a literal either reading
/// sees is reported.
///
/// Only the literals from `starts.first()` on are certain to be given: the text is read from
/// `starts` (see `lex`).
pub(crate) fn string_literal_spans(
    dialect: SqlDialect,
    text: &[u8],
    starts: LiteralStarts,
    scratch: &Scratch,
) -> Vec<Range<usize>> {
    let literals = |dialect: &dyn Dialect, from: usize, out: &mut Vec<Range<usize>>| {
        // Comments start with `-`, `/` or `#`, quoted identifiers with a delimiter the dialect
        // names; literals with a quote, `$` or a prefix letter (`E'`, `N'`, `X'`, `U&'`).
        let is_literal = |at: usize| match text.get(at) {
            Some(b'\'' | b'$') => true,
            Some(b'"') => !dialect.is_delimited_identifier_start('"'),
            Some(c) => c.is_ascii_alphabetic(),
            None => false,
        };
        let read = lex::lex_at(dialect, text, from, false, scratch, &mut |tok| {
            if let Kind::Quoted { inside, .. } = &tok.kind
                && is_literal(tok.span.start)
            {
                out.push(inside.clone());
            }
            ControlFlow::Continue(())
        });
        if let ControlFlow::Continue(Some(at)) = read
            && is_literal(at)
        {
            let rest = text.get(at..).unwrap_or_default();
            let open = if rest.first() == Some(&b'$') {
                rest.iter().skip(1).position(|&b| b == b'$').map(|p| p + 2)
            } else {
                rest.iter()
                    .take(4)
                    .position(|&b| b == b'\'' || b == b'"')
                    .map(|p| p + 1)
            };
            if let Some(open) = open {
                out.push((at + open).min(text.len())..text.len());
            }
        }
    };
    let mut out = Vec::new();
    let (main, second) = readings(dialect, text);
    literals(main, starts.main, &mut out);
    if let Some(second) = second {
        literals(second, starts.second, &mut out);
        out.sort_unstable_by_key(|r| r.start);
    }
    out
}
