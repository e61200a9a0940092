//! Shell command lines, tokenized as POSIX `sh` (and the common `bash` extensions) would.
//!
//! The tokenizer walks the line once, knowing for each byte whether taint reached it and what
//! the shell makes of it, and stops at the first tainted byte that is more than the inside of
//! one word without expansions:
//!
//! - a quote or backslash that ends or escapes the program's text (the attacker's own quotes
//!   around the attacker's own bytes only group them);
//! - an operator (`; | & && || ( ) < > >> <<`), a newline, a `#` starting a comment;
//! - `$` starting an expansion or substitution, a backtick;
//! - an unquoted blank that splits a word in two (leading or trailing blanks next to the
//!   program's own separators add no word);
//! - an unquoted glob (`* ? [`), brace expansion `{`, `~` at the start of a word;
//! - any byte of the command word (the attacker picks what runs), of a variable name being
//!   assigned, or of an I/O number (`2>`);
//! - an argument that becomes an option (`ls '-la'`: quotes do not stop that), unless the
//!   program ended the options with `--`;
//! - anything inside a `${...}` or `$((...))` the program wrote, which the shell evaluates.
//!
//! The program's own command substitutions are tokenized as nested command lines; the
//! arguments of `eval` and the script of `sh -c` (and other shells) are re-read as command
//! lines, with the taint carried through quote removal.

use simple::{Redirect, Simple};
use std::ops::Range;

mod simple;

/// Nesting of substitutions and re-readings beyond which the rest of the line is judged by
/// its taint alone; it bounds the tokenizer's recursion.
const MAX_NESTING: usize = 32;
/// Re-readings (`eval`, `sh -c`) beyond which tainted text is confirmed without reading it.
const MAX_REREAD: usize = 3;

pub(super) fn confirmed(text: &[u8], taint: &[bool]) -> bool {
    confirmed_at(text, taint, 0, 0)
}

fn confirmed_at(text: &[u8], taint: &[bool], reread: usize, nesting: usize) -> bool {
    if !taint.contains(&true) {
        return false;
    }
    if reread > MAX_REREAD || super::tainted_nul(text, taint) {
        return true;
    }
    let mut lexer = Lexer {
        text,
        taint,
        pos: 0,
        nesting,
        reread,
        heredocs: Vec::new(),
    };
    lexer.list(End::Input).is_err()
}

/// The tainted bytes changed the structure of the command line; unwinds the tokenizer.
struct Found;

type Flow<T = ()> = Result<T, Found>;

fn found_if(cond: bool) -> Flow {
    if cond { Err(Found) } else { Ok(()) }
}

/// What ends the command list being read.
#[derive(Clone, Copy, PartialEq, Eq)]
enum End {
    Input,
    /// The `)` of `$(`.
    Paren,
    /// The closing backtick of a backtick substitution.
    Backtick,
}

/// A here-document whose body starts after the next newline.
struct Heredoc {
    delimiter: Vec<u8>,
    /// A quoted delimiter turns expansions off in the body.
    quoted: bool,
    /// `<<-` strips leading tabs.
    strip_tabs: bool,
}

/// One word after quote removal, with the taint of each remaining byte.
#[derive(Default)]
struct Word {
    value: Vec<u8>,
    taint: Vec<bool>,
    /// Any byte of its source text, quotes included, is tainted.
    tainted: bool,
    /// It has quotes or backslashes (a quoted word is never a reserved word).
    quoted: bool,
    /// `NAME=value` where a command word could be.
    assignment: bool,
    /// Taint in an assignment's `NAME=`.
    name_tainted: bool,
}

impl Word {
    fn push(&mut self, b: u8, tainted: bool) {
        self.value.push(b);
        self.taint.push(tainted);
    }

    fn push_untainted(&mut self, bytes: &[u8]) {
        self.value.extend_from_slice(bytes);
        self.taint.extend(bytes.iter().map(|_| false));
    }
}

fn is_operator(b: u8) -> bool {
    matches!(b, b';' | b'&' | b'|' | b'(' | b')' | b'<' | b'>')
}

struct Lexer<'a> {
    text: &'a [u8],
    taint: &'a [bool],
    pos: usize,
    nesting: usize,
    reread: usize,
    heredocs: Vec<Heredoc>,
}

impl Lexer<'_> {
    fn at(&self, i: usize) -> Option<u8> {
        self.text.get(i).copied()
    }

    fn peek(&self) -> Option<u8> {
        self.at(self.pos)
    }

    fn tainted(&self, i: usize) -> bool {
        self.taint.get(i).copied().unwrap_or(false)
    }

    fn any_tainted(&self, r: Range<usize>) -> bool {
        self.taint.get(r).is_some_and(|t| t.contains(&true))
    }

    fn all_tainted(&self, r: Range<usize>) -> bool {
        self.taint
            .get(r)
            .is_some_and(|t| !t.is_empty() && !t.contains(&false))
    }

    fn list(&mut self, end: End) -> Flow {
        if self.nesting >= MAX_NESTING {
            let rest = self.pos..self.text.len();
            self.pos = self.text.len();
            return found_if(self.any_tainted(rest));
        }
        self.nesting += 1;
        let flow = self.commands(end);
        self.nesting -= 1;
        flow
    }

    fn commands(&mut self, end: End) -> Flow {
        let mut cmd = Simple::default();
        let mut after_word = false;
        loop {
            let blanks = self.pos;
            while matches!(self.peek(), Some(b' ' | b'\t')) {
                self.pos += 1;
            }
            if after_word && self.pos > blanks && self.word_starts(end) {
                found_if(self.all_tainted(blanks..self.pos))?;
            }
            after_word = false;
            let Some(b) = self.peek() else {
                return cmd.finish(self);
            };
            let start = self.pos;
            let tainted = self.tainted(start);
            match b {
                b')' if end == End::Paren => {
                    self.pos += 1;
                    cmd.finish(self)?;
                    return found_if(tainted);
                }
                b'`' if end == End::Backtick => {
                    self.pos += 1;
                    cmd.finish(self)?;
                    return found_if(tainted);
                }
                b'#' => {
                    found_if(tainted)?;
                    while self.peek().is_some_and(|b| b != b'\n') {
                        self.pos += 1;
                    }
                }
                b'\n' => {
                    found_if(tainted)?;
                    self.pos += 1;
                    cmd.finish(self)?;
                    cmd = Simple::default();
                    self.heredoc_bodies()?;
                }
                b if is_operator(b) => match self.operator()? {
                    Some(redirect) => cmd.redirect = Some(redirect),
                    None => {
                        cmd.finish(self)?;
                        cmd = Simple::default();
                    }
                },
                _ => {
                    let word = self.word(end, cmd.wants_command_word())?;
                    let io_number = matches!(self.peek(), Some(b'<' | b'>'))
                        && !word.quoted
                        && !word.value.is_empty()
                        && word.value.iter().all(u8::is_ascii_digit);
                    if io_number {
                        found_if(word.tainted)?;
                    } else {
                        cmd.take(self, word)?;
                        after_word = true;
                    }
                }
            }
            if self.pos == start {
                // Every branch consumes input; this only guards against a tokenizer bug
                // turning into an endless loop inside the program under observation.
                self.pos += 1;
            }
        }
    }

    /// Whether a word (rather than an operator, comment or the end) starts here.
    fn word_starts(&self, end: End) -> bool {
        match self.peek() {
            None | Some(b'\n' | b'#') => false,
            Some(b) if is_operator(b) => false,
            Some(b'`') => end != End::Backtick,
            Some(_) => true,
        }
    }

    /// Reads an operator; a redirection returns what its target word is.
    fn operator(&mut self) -> Flow<Option<Redirect>> {
        let start = self.pos;
        let (next, after) = (self.at(start + 1), self.at(start + 2));
        let (len, redirect) = match (self.at(start), next) {
            (Some(b'&'), Some(b'>')) => (if after == Some(b'>') { 3 } else { 2 }, true),
            (Some(b';'), Some(b';' | b'&')) | (Some(b'&'), Some(b'&')) => (2, false),
            (Some(b'|'), Some(b'|' | b'&')) => (2, false),
            (Some(b'<'), Some(b'<')) => {
                let (len, strip_tabs) = match after {
                    Some(b'-') => (3, true),
                    Some(b'<') => (3, false),
                    _ => (2, false),
                };
                self.pos += len;
                found_if(self.any_tainted(start..self.pos))?;
                return Ok(Some(if after == Some(b'<') {
                    Redirect::File
                } else {
                    Redirect::Heredoc { strip_tabs }
                }));
            }
            (Some(b'<'), Some(b'&' | b'>')) | (Some(b'>'), Some(b'>' | b'&' | b'|')) => (2, true),
            (Some(b'<' | b'>'), _) => (1, true),
            _ => (1, false),
        };
        self.pos += len;
        found_if(self.any_tainted(start..self.pos))?;
        Ok(redirect.then_some(Redirect::File))
    }

    fn word(&mut self, end: End, command_position: bool) -> Flow<Word> {
        let start = self.pos;
        let mut w = Word::default();
        // Tilde expansion.
        found_if(self.peek() == Some(b'~') && self.tainted(start))?;
        // Whether the bytes so far could name a variable being assigned.
        let mut name = command_position;
        while let Some(b) = self.peek() {
            let t = self.tainted(self.pos);
            match b {
                b' ' | b'\t' | b'\n' => break,
                b if is_operator(b) => break,
                b'`' if end == End::Backtick => break,
                b'\\' | b'\'' | b'"' => {
                    name = false;
                    w.quoted = true;
                    match b {
                        b'\\' => self.escape(&mut w, false)?,
                        b'\'' => self.single_quoted(&mut w)?,
                        _ => self.double_quoted(&mut w, end)?,
                    }
                }
                b'$' => {
                    name = false;
                    self.dollar(&mut w, false)?;
                }
                b'`' => {
                    name = false;
                    self.backtick(&mut w)?;
                }
                b'*' | b'?' | b'[' | b'{' if t => return Err(Found),
                b'=' if name && !w.value.is_empty() => {
                    name = false;
                    w.assignment = true;
                    w.name_tainted = self.any_tainted(start..self.pos + 1);
                    w.push(b, t);
                    self.pos += 1;
                }
                _ => {
                    let name_byte = b == b'_'
                        || b.is_ascii_alphabetic()
                        || (b.is_ascii_digit() && !w.value.is_empty());
                    name &= name_byte;
                    w.push(b, t);
                    self.pos += 1;
                }
            }
        }
        w.tainted = self.any_tainted(start..self.pos);
        Ok(w)
    }

    /// A backslash, unquoted or (`in_double_quotes`) where it escapes `$`, backtick, `"`, `\`
    /// or newline. The attacker's backslash escaping the attacker's next byte only makes it
    /// literal; escaping the program's next byte (a blank, a closing quote) is structural.
    fn escape(&mut self, w: &mut Word, in_double_quotes: bool) -> Flow {
        let t = self.tainted(self.pos);
        let next = self.at(self.pos + 1);
        let escapes = next
            .is_some_and(|c| !in_double_quotes || matches!(c, b'$' | b'`' | b'"' | b'\\' | b'\n'));
        let Some(c) = next.filter(|_| escapes) else {
            w.push(b'\\', t);
            self.pos += 1;
            return Ok(());
        };
        let tc = self.tainted(self.pos + 1);
        self.pos += 2;
        if c != b'\n' {
            w.push(c, tc);
        }
        found_if(t && !tc)
    }

    /// Whether a quote opened at a byte tainted `open` and closed at one tainted `close`
    /// changed the structure: it did unless both quotes and everything between them are
    /// the attacker's, or none of the quotes is.
    fn quote_changes_structure(open: bool, close: bool, all_between: bool) -> bool {
        (open || close) && !(open && close && all_between)
    }

    fn single_quoted(&mut self, w: &mut Word) -> Flow {
        let open = self.tainted(self.pos);
        let mut all = open;
        self.pos += 1;
        while let Some(b) = self.peek() {
            let t = self.tainted(self.pos);
            self.pos += 1;
            if b == b'\'' {
                return found_if(Self::quote_changes_structure(open, t, all));
            }
            all &= t;
            w.push(b, t);
        }
        found_if(open)
    }

    fn double_quoted(&mut self, w: &mut Word, end: End) -> Flow {
        let open = self.tainted(self.pos);
        let mut all = open;
        self.pos += 1;
        while let Some(b) = self.peek() {
            let t = self.tainted(self.pos);
            match b {
                b'"' => {
                    self.pos += 1;
                    return found_if(Self::quote_changes_structure(open, t, all));
                }
                b'\\' => {
                    all &= t && self.tainted(self.pos + 1);
                    self.escape(w, true)?;
                }
                b'$' => {
                    all &= t;
                    self.dollar(w, true)?;
                }
                // The enclosing backtick substitution ends before this quote does.
                b'`' if end == End::Backtick => return found_if(open),
                b'`' => {
                    all = false;
                    self.backtick(w)?;
                }
                _ => {
                    all &= t;
                    w.push(b, t);
                    self.pos += 1;
                }
            }
        }
        found_if(open)
    }

    /// `$'...'` (bash): backslash escapes are decoded, so a tainted backslash or quote is
    /// confirmed.
    fn ansi_c_quoted(&mut self, w: &mut Word) -> Flow {
        found_if(self.tainted(self.pos))?;
        self.pos += 1;
        while let Some(b) = self.peek() {
            let t = self.tainted(self.pos);
            self.pos += 1;
            match b {
                b'\'' => return found_if(t),
                b'\\' => {
                    found_if(t)?;
                    if let Some(c) = self.peek() {
                        w.push(c, self.tainted(self.pos));
                        self.pos += 1;
                    }
                }
                _ => w.push(b, t),
            }
        }
        Ok(())
    }

    fn dollar(&mut self, w: &mut Word, in_double_quotes: bool) -> Flow {
        let start = self.pos;
        let t = self.tainted(start);
        let stop = match self.at(start + 1) {
            Some(b'(') if self.at(start + 2) == Some(b'(') => self.balanced(start + 1, b'(', b')'),
            Some(b'(') => {
                found_if(t || self.tainted(start + 1))?;
                self.pos = start + 2;
                self.list(End::Paren)?;
                w.push_untainted(self.text.get(start..self.pos).unwrap_or_default());
                return Ok(());
            }
            Some(b'{') => self.balanced(start + 1, b'{', b'}'),
            Some(b'\'') if !in_double_quotes => {
                found_if(t)?;
                self.pos = start + 1;
                return self.ansi_c_quoted(w);
            }
            Some(b'"') if !in_double_quotes => {
                // `$"..."`: the double-quoted string follows.
                found_if(t)?;
                self.pos = start + 1;
                return Ok(());
            }
            Some(c) if c == b'_' || c.is_ascii_alphabetic() => {
                let mut stop = start + 2;
                while self
                    .at(stop)
                    .is_some_and(|c| c == b'_' || c.is_ascii_alphanumeric())
                {
                    stop += 1;
                }
                stop
            }
            Some(c) if c.is_ascii_digit() || b"@*#?-$!".contains(&c) => start + 2,
            _ => {
                w.push(b'$', t);
                self.pos = start + 1;
                return Ok(());
            }
        };
        self.pos = stop;
        w.push_untainted(self.text.get(start..stop).unwrap_or_default());
        found_if(self.any_tainted(start..stop))
    }

    /// The end of the bracketed text whose `open` is at `from`.
    fn balanced(&self, from: usize, open: u8, close: u8) -> usize {
        let mut depth = 0usize;
        let mut i = from;
        while let Some(b) = self.at(i) {
            if b == b'\\' {
                i += 2;
                continue;
            }
            if b == open {
                depth += 1;
            } else if b == close {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return i + 1;
                }
            }
            i += 1;
        }
        self.text.len()
    }

    fn backtick(&mut self, w: &mut Word) -> Flow {
        let start = self.pos;
        found_if(self.tainted(start))?;
        self.pos += 1;
        self.list(End::Backtick)?;
        w.push_untainted(self.text.get(start..self.pos).unwrap_or_default());
        Ok(())
    }

    fn heredoc_bodies(&mut self) -> Flow {
        for doc in std::mem::take(&mut self.heredocs) {
            self.heredoc_body(&doc)?;
        }
        Ok(())
    }

    /// A here-document's body; a line that equals the delimiter ends it, so a tainted one
    /// (or its tainted line break) lets the attacker's next lines run as commands.
    fn heredoc_body(&mut self, doc: &Heredoc) -> Flow {
        while self.pos < self.text.len() {
            let line_start = self.pos;
            let mut content = line_start;
            while doc.strip_tabs && self.at(content) == Some(b'\t') {
                content += 1;
            }
            let rest = self.text.get(content..).unwrap_or_default();
            let line_end = content + rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
            if self.text.get(content..line_end) == Some(&doc.delimiter[..]) {
                self.pos = line_end;
                return found_if(self.any_tainted(line_start.saturating_sub(1)..line_end));
            }
            if doc.quoted {
                self.pos = line_end;
            } else {
                let mut scratch = Word::default();
                while let Some(b) = self.peek().filter(|&b| b != b'\n') {
                    match b {
                        b'$' => self.dollar(&mut scratch, true)?,
                        b'`' => self.backtick(&mut scratch)?,
                        b'\\' => self.escape(&mut scratch, true)?,
                        _ => self.pos += 1,
                    }
                }
            }
            if self.peek() == Some(b'\n') {
                self.pos += 1;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
