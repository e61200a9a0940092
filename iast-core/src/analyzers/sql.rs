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

pub(crate) use lex::forget as forget_tokens;
#[cfg(test)]
mod tests;

use super::Input;
use crate::vulnerability::Confidence;
use lex::{Kind, Tok};
use sqlparser::dialect::{Dialect, GenericDialect, MySqlDialect, PostgreSqlDialect, SQLiteDialect};
use std::ops::Range;
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

pub(super) fn analyze(input: &Input<'_>) -> Confidence {
    analyze_in(sql_dialect(), input)
}

fn analyze_in(dialect: SqlDialect, input: &Input<'_>) -> Confidence {
    let (text, runs) = (input.text, Runs::new(input.text.len(), input.tainted));
    let confirmed = match dialect {
        SqlDialect::Generic => {
            changes_structure(&GenericDialect {}, text, &runs)
                || (memchr::memchr(b'\\', text).is_some()
                    && changes_structure(&MySqlDialect {}, text, &runs))
        }
        SqlDialect::PostgreSql => changes_structure(&PostgreSqlDialect {}, text, &runs),
        SqlDialect::MySql => changes_structure(&MySqlDialect {}, text, &runs),
        SqlDialect::Sqlite => changes_structure(&SQLiteDialect {}, text, &runs),
    };
    if confirmed {
        Confidence::Confirmed
    } else {
        Confidence::Unsanitized
    }
}

/// Whether the tainted bytes are exactly one bare word of the query (a column, a table, a
/// direction): what a program that maps the input through an allow-list
/// (`match col { "name" => "name", .. }`) writes, indistinguishable by value from the input
/// itself.
pub(super) fn lone_word(input: &Input<'_>) -> bool {
    let runs = Runs::new(input.text.len(), input.tainted);
    let mut iter = runs.iter();
    let (Some(run), None) = (iter.next(), iter.next()) else {
        return false;
    };
    let dialect: &dyn Dialect = match sql_dialect() {
        SqlDialect::Generic => &GenericDialect {},
        SqlDialect::PostgreSql => &PostgreSqlDialect {},
        SqlDialect::MySql => &MySqlDialect {},
        SqlDialect::Sqlite => &SQLiteDialect {},
    };
    lex::lex(dialect, input.text)
        .toks
        .iter()
        .any(|t| t.kind == Kind::Word && t.span == *run)
}

fn changes_structure(dialect: &dyn Dialect, text: &[u8], runs: &Runs) -> bool {
    if runs.is_empty() {
        return false;
    }
    let lexed = lex::lex(dialect, text);
    let end = lexed.failed_at.unwrap_or(text.len());
    runs.iter()
        .any(|run| run_changes_structure(&lexed.toks, text, runs, run.start..run.end.min(end)))
        || lexed
            .failed_at
            .is_some_and(|at| failure_changes_structure(text, runs, at))
}

/// Whether one run, within the tokenized part of the argument, does more than fill one value.
fn run_changes_structure(toks: &[Tok], text: &[u8], runs: &Runs, run: Range<usize>) -> bool {
    if run.is_empty() {
        return false;
    }
    let first = toks.partition_point(|t| t.span.end <= run.start);
    let mut touched = toks[first..]
        .iter()
        .enumerate()
        .take_while(|(_, t)| t.span.start < run.end)
        .filter(|(_, t)| t.kind != Kind::Blank)
        .map(|(i, t)| (first + i, t));
    let Some((i, tok)) = touched.next() else {
        return false;
    };
    let tok = match touched.next() {
        None => tok,
        Some((_, number))
            if tok.kind == Kind::Sign
                && number.kind == Kind::Number
                && tok.span.end == number.span.start
                && !follows_operand(toks, i)
                && touched.next().is_none() =>
        {
            number
        }
        Some(_) => return true,
    };
    !stays_inside(tok, text, runs, &run)
}

/// Whether the token before `toks[i]`, blanks aside, ends an operand (so a sign there is a
/// binary operator).
fn follows_operand(toks: &[Tok], i: usize) -> bool {
    toks[..i]
        .iter()
        .rev()
        .find(|t| t.kind != Kind::Blank)
        .is_some_and(|t| t.operand)
}

/// Whether the part of `run` in `tok` lies where a value goes.
fn stays_inside(tok: &Tok, text: &[u8], runs: &Runs, run: &Range<usize>) -> bool {
    let (lo, hi) = (run.start.max(tok.span.start), run.end.min(tok.span.end));
    match &tok.kind {
        Kind::Blank | Kind::Word | Kind::Number => true,
        Kind::Sign | Kind::Other => false,
        Kind::Quoted {
            inside,
            quote,
            backslash,
        } => {
            inside.start <= lo
                && hi <= inside.end
                && !(*backslash && escapes_delimiter(text, runs, inside, *quote))
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

/// The tainted bytes as sorted, disjoint, non-adjacent ranges, clamped to the argument (also
/// used by the code analyzer).
pub(super) struct Runs(Vec<Range<usize>>);

impl Runs {
    pub(super) fn new(len: usize, tainted: &[Range<usize>]) -> Self {
        Runs(crate::ranges::merge(tainted.iter().cloned(), len))
    }

    pub(super) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub(super) fn iter(&self) -> impl Iterator<Item = &Range<usize>> {
        self.0.iter()
    }

    /// Whether the byte at `at` is tainted.
    pub(super) fn contains(&self, at: usize) -> bool {
        let i = self.0.partition_point(|r| r.end <= at);
        self.0.get(i).is_some_and(|r| r.start <= at)
    }

    /// One past the last tainted byte (0 when nothing is tainted).
    pub(super) fn end(&self) -> usize {
        self.0.last().map_or(0, |r| r.end)
    }
}

/// The insides of the string literals of `text` read in `dialect` (quoted identifiers and
/// comments are not literals), sorted by start; a literal left open runs to the end of the
/// text, as it does when evidence is cut inside one. [`SqlDialect::Generic`] gives the literals
/// of both its readings when the text holds a backslash, so that a literal either reading
/// sees is reported.
pub(crate) fn string_literal_spans(dialect: SqlDialect, text: &[u8]) -> Vec<Range<usize>> {
    fn literals(dialect: &dyn Dialect, text: &[u8], out: &mut Vec<Range<usize>>) {
        // Comments start with `-`, `/` or `#`, quoted identifiers with a delimiter the dialect
        // names; literals with a quote, `$` or a prefix letter (`E'`, `N'`, `X'`, `U&'`).
        let is_literal = |at: usize| match text.get(at) {
            Some(b'\'' | b'$') => true,
            Some(b'"') => !dialect.is_delimited_identifier_start('"'),
            Some(c) => c.is_ascii_alphabetic(),
            None => false,
        };
        let lexed = lex::lex(dialect, text);
        for tok in &lexed.toks {
            if let Kind::Quoted { inside, .. } = &tok.kind
                && is_literal(tok.span.start)
            {
                out.push(inside.clone());
            }
        }
        if let Some(at) = lexed.failed_at
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
    }
    let mut out = Vec::new();
    match dialect {
        SqlDialect::Generic => {
            literals(&GenericDialect {}, text, &mut out);
            if memchr::memchr(b'\\', text).is_some() {
                literals(&MySqlDialect {}, text, &mut out);
                out.sort_unstable_by_key(|r| r.start);
            }
        }
        SqlDialect::PostgreSql => literals(&PostgreSqlDialect {}, text, &mut out),
        SqlDialect::MySql => literals(&MySqlDialect {}, text, &mut out),
        SqlDialect::Sqlite => literals(&SQLiteDialect {}, text, &mut out),
    }
    out
}
