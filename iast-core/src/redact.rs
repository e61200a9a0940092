//! Which bytes of evidence are secrets, so that every rendering can hide them.
//!
//! Evidence goes to reports, CI logs and dashboards, and a sink argument often carries
//! credentials beside the tainted bytes: a password the program compares, a token in a URL,
//! a key in a configuration. What is hidden:
//!
//! - everything, when the sink parameter's name is secret ([`secret_name`]);
//! - a tainted range whose source is secret-named (a cookie, a password field);
//! - values recognised by form anywhere in the text, tainted or not (see `value`): by their
//!   shape, `Bearer` / `Basic` credentials (not the scheme word), JSON web tokens, PEM private
//!   keys, AWS access key ids and matches of the project's `redaction.patterns`; by their
//!   place, the values of secret-named keys (`password=...`, `"api_key": "..."`, `token:
//!   ...`), the `value` / `content` of a secret-named HTML field (`<input name="csrf"
//!   value="...">`, `<meta name="csrf-token" content="...">`) or of a password input, and the
//!   password of a URL (or a token used as its user name);
//! - in SQL, the inside of every string literal that no tainted byte touches: the program
//!   wrote those, and they may hold other users' data or credentials.
//!
//! The tainted bytes of a non-secret source stay readable, since they are the evidence of the
//! flaw, with one exception: a recognised value hides the tainted bytes inside it, because
//! tainted bytes that fill a secret's place are that secret (a password typed into a login
//! form, a whole request line with its token). Where taint starts inside a recognised value
//! and runs past its end, the kind of form decides:
//!
//! - a value recognised by its shape is hidden whole, and the taint after it stays readable
//!   (`<jwt>; theme=dark`, `AKIA...` + `/../etc/passwd`): the credential's own syntax says
//!   where it ends, so text after it is only text after a secret, and the secret is one
//!   whatever follows;
//! - a value recognised by its place ends at a delimiter (a quote, `&`, `@`) that the taint
//!   may have supplied: taint running past that end broke out of the value, it is an injection
//!   payload, not a credential, and from its start on it stays readable (`password='` +
//!   `' OR '1'='1`).
//!
//! SQL literals are read twice: in the argument as it is, and in the argument with each
//! tainted byte replaced by a plain letter, which is the query the program meant to build.
//! The second reading finds the program's literals that an injected quote or comment has
//! shifted (`name = '' OR 1=1 --' AND pass = 'hunter2'`); a byte either reading puts inside
//! an untainted literal is hidden.

mod name;
#[cfg(test)]
mod tests;
mod value;

pub(crate) use name::secret_name;

/// Whether the values of a source are secrets by its name: its function, origin or parameter.
pub(crate) fn secret_source(source: &crate::report::Site) -> bool {
    secret_name(source.function())
        || source.origin().is_some_and(secret_name)
        || source.name().is_some_and(secret_name)
}

use crate::analyzers::{LiteralStarts, Scratch, SqlDialect, sql_dialect, string_literal_spans};
use crate::ranges::{merge, overlaps};
use crate::vulnerability::Vulnerability;
use std::ops::Range;

/// What the sink call looked like.
pub(crate) struct Subject<'a> {
    /// The finding's class.
    pub class: Vulnerability,
    /// The sink parameter's name.
    pub argument: &'a str,
    /// The argument's bytes.
    pub text: &'a [u8],
    /// Tainted ranges (sorted by start) with whether their source is secret-named.
    pub tainted: &'a [(Range<usize>, bool)],
    /// The check's SQL readings, shared with its analysis.
    pub scratch: &'a Scratch,
    /// Where SQL literals are read from (see [`crate::analyzers::literals_start`]): spans
    /// before `from.first()` may be missing, and the caller shows nothing there.
    pub from: LiteralStarts,
}

/// Byte spans of `text` to hide, sorted, non-overlapping, merged (adjacent spans are one).
pub(crate) fn secret_spans(s: &Subject<'_>) -> Vec<Range<usize>> {
    let len = s.text.len();
    if len == 0 {
        return Vec::new();
    }
    if secret_name(s.argument) {
        return std::iter::once(0..len).collect();
    }
    let clamp = |r: &Range<usize>| r.start.min(len)..r.end.min(len);
    let mut hidden: Vec<Range<usize>> = s
        .tainted
        .iter()
        .filter(|(_, secret)| *secret)
        .map(|(r, _)| clamp(r))
        .collect();
    let readable = merge(
        s.tainted
            .iter()
            .filter(|(_, secret)| !*secret)
            .map(|(r, _)| r.clone()),
        len,
    );
    let mut placed = Vec::new();
    value::spans(s.text, &mut hidden, &mut placed);
    crate::config::active().pattern_spans(s.text, &mut hidden);
    hidden.extend(placed.into_iter().map(|v| before_breakout(v, &readable)));
    if s.class == Vulnerability::SqlInjection {
        let tainted = merge(s.tainted.iter().map(|(r, _)| r.clone()), len);
        hidden.extend(sql_literals(s.text, &tainted, s.from, s.scratch));
    }
    merge(hidden, len)
}

/// The spans of `text` redaction hides whatever their taint: values it recognises (tokens,
/// keys, a password field's value) and the configured patterns; sorted and merged.
pub(crate) fn recognised(text: &[u8]) -> Vec<Range<usize>> {
    let (mut hidden, mut placed) = (Vec::new(), Vec::new());
    value::spans(text, &mut hidden, &mut placed);
    crate::config::active().pattern_spans(text, &mut hidden);
    hidden.extend(placed);
    merge(hidden, text.len())
}

/// `value` up to the start of a readable run that starts inside it and ends after it.
fn before_breakout(value: Range<usize>, readable: &[Range<usize>]) -> Range<usize> {
    let i = readable.partition_point(|r| r.end <= value.end);
    match readable.get(i) {
        Some(r) if value.start <= r.start && r.start < value.end => value.start..r.start,
        _ => value,
    }
}

/// The insides of the SQL string literals of `text` that no tainted byte touches, in the
/// argument as it is and in the query the program meant (tainted bytes replaced).
fn sql_literals(
    text: &[u8],
    tainted: &[Range<usize>],
    from: LiteralStarts,
    scratch: &Scratch,
) -> Vec<Range<usize>> {
    let dialect = sql_dialect();
    let mut literals = string_literal_spans(dialect, text, from, scratch);
    if !tainted.is_empty() && !meant_reads_the_same(dialect, text, tainted, &literals) {
        let mut meant = text.to_vec();
        for r in tainted {
            meant[r.clone()].fill(b'x');
        }
        literals.extend(string_literal_spans(dialect, &meant, from, scratch));
    }
    literals.retain(|l| !l.is_empty() && !overlaps(tainted, l.clone()));
    literals
}

/// Whether the query the program meant has the literals of `text`: `text` has one reading
/// (a second one, MySQL's for the generic dialect, may see code where the first sees a
/// literal), and every tainted run lies inside one of its `literals` and holds only bytes that
/// no dialect gives a meaning there (printable ASCII but quotes, backslash and `$`, which
/// close, escape or delimit a literal), so that replacing them changes no token. An ordinary
/// value in a quoted literal, the usual unsanitized flow, then costs one reading of the
/// argument instead of two.
fn meant_reads_the_same(
    dialect: SqlDialect,
    text: &[u8],
    tainted: &[Range<usize>],
    literals: &[Range<usize>],
) -> bool {
    if !crate::analyzers::read_once(dialect, text) {
        return false;
    }
    let inert = |b: &u8| {
        (b.is_ascii_graphic() || *b == b' ') && !matches!(b, b'\'' | b'"' | b'`' | b'\\' | b'$')
    };
    // Both lists are sorted by start: one walk, keeping the furthest end of the literals that
    // start at or before the run (one of them holds the run if that end reaches past it).
    let (mut next, mut reach, mut last) = (0, 0, 0);
    tainted.iter().all(|r| {
        if r.start < last {
            return false;
        }
        last = r.start;
        while let Some(l) = literals.get(next).filter(|l| l.start <= r.start) {
            reach = reach.max(l.end);
            next += 1;
        }
        reach >= r.end
            && text
                .get(r.clone())
                .is_some_and(|bytes| bytes.iter().all(inert))
    })
}

/// Whether new contexts hide secrets in evidence, when [`set_default`] was called; otherwise
/// `iast.toml`'s `redaction.enabled` decides (on when it says nothing).
static DEFAULT_ON: crate::config::InCode = crate::config::InCode::unset();

/// Sets whether contexts created from now on hide secrets in evidence (on by default, or as
/// `iast.toml` says). A single context can say otherwise: [`crate::Context::with_redaction`].
pub fn set_default(on: bool) {
    DEFAULT_ON.set_flag(on);
}

pub(crate) fn default_on() -> bool {
    DEFAULT_ON.flag(|| crate::config::active().redaction)
}
