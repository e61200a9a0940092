//! The evidence of a finding: the checked argument with its tainted ranges.
//!
//! Evidence holds attacker-controlled bytes. It is stored as text in which `\` is doubled,
//! bytes that are not UTF-8 are written `\xNN` and invisible or bidirectional formatting
//! characters `\u{NNNN}` (they can make text read differently from what it is), with the
//! ranges mapped onto that text. Control characters stay as they are: JSON and YAML escape
//! them, and the terminal rendering escapes them too.

use crate::analyzers::{LiteralStarts, Scratch};
use crate::redact;
use crate::report::Site;
use crate::taint::MatchKind;
use crate::vulnerability::Vulnerability;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::fmt::Write as _;
use std::ops::Range;

/// At most this many bytes of an argument are kept: enough context around the tainted part
/// for a reviewer, while a context holding its maximum number of findings stays within a
/// few megabytes.
pub(crate) const MAX_EVIDENCE: usize = 1024;
/// Bytes kept before the first tainted range when an argument is cut.
const LEAD: usize = 256;

/// Where the evidence of an argument of `len` bytes whose first tainted byte is at `first`
/// ends at the latest: bytes past it are never shown, so nothing past it needs redacting.
pub(crate) fn window_end(len: usize, first: usize) -> usize {
    // The window starts at most `LEAD` bytes before `first` and moves back (never forward)
    // to a character boundary, then ends `MAX_EVIDENCE` bytes later plus at most the three
    // continuation bytes of a character.
    len.min(first.saturating_sub(LEAD) + MAX_EVIDENCE + 3)
}

/// One tainted range of the evidence, tied to one of the finding's sources.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Tainted {
    /// Byte offsets into [`Evidence::value`]: where the tainted bytes start...
    pub start: usize,
    /// ...and end.
    pub end: usize,
    /// Index into [`crate::Finding::sources`].
    pub source: usize,
    /// How the engine recognised the tainted bytes.
    #[serde(rename = "match")]
    pub kind: MatchKind,
}

/// The checked argument of a finding.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Evidence {
    /// The parameter name.
    pub argument: Cow<'static, str>,
    /// The argument's text (cut to a window around the tainted bytes when long), with `\`
    /// doubled and non-UTF-8 bytes and invisible characters escaped (see the module docs).
    pub value: String,
    /// Whether bytes before `value` were cut.
    #[serde(default, skip_serializing_if = "is_false")]
    pub cut_before: bool,
    /// Whether bytes after `value` were cut.
    #[serde(default, skip_serializing_if = "is_false")]
    pub cut_after: bool,
    /// The tainted ranges, sorted.
    pub tainted: Vec<Tainted>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl Evidence {
    /// Builds evidence from the raw argument and its tainted ranges (as byte ranges of `bytes`,
    /// each with the index of its source in the finding).
    pub(crate) fn new(argument: &'static str, bytes: &[u8], ranges: &[Marked]) -> Evidence {
        let continuation = |i: usize| bytes.get(i).is_some_and(|b| b & 0xc0 == 0x80);
        let first = ranges.iter().map(|r| r.0.start).min().unwrap_or(0);
        let mut start = first.saturating_sub(LEAD);
        while start > 0 && continuation(start) {
            start -= 1;
        }
        let mut end = bytes.len().min(start + MAX_EVIDENCE);
        while end < bytes.len() && continuation(end) {
            end += 1;
        }
        let window = &bytes[start..end];
        let (value, map) = to_text(window);
        let tainted = ranges
            .iter()
            .filter(|(r, _, _)| r.start < end && r.end > start)
            .map(|(r, source, kind)| Tainted {
                start: map[r.start.max(start) - start],
                end: map[r.end.min(end) - start],
                source: *source,
                kind: *kind,
            })
            .collect();
        Evidence {
            argument: Cow::Borrowed(argument),
            value,
            cut_before: start > 0,
            cut_after: end < bytes.len(),
            tainted,
        }
    }

    /// The tainted byte ranges of [`Evidence::value`].
    pub fn ranges(&self) -> impl Iterator<Item = Range<usize>> + '_ {
        self.tainted.iter().map(|t| t.start..t.end)
    }

    /// The tainted parts of the value, in order.
    pub fn tainted_text(&self) -> impl Iterator<Item = &str> + '_ {
        self.ranges().map(|r| &self.value[r])
    }
}

/// The evidence of a finding of `class` on the sink parameter `argument`: its bytes `text`
/// with the `marked` ranges the finding rests on, each naming its source by its index in
/// `sources`. With `redact`, secrets are hidden first (see `redact`): the tainted bytes of a
/// secret-named source, and the secrets around the tainted bytes.
///
/// `strip` (sorted, disjoint) are spans taken out first: a probe's canary suffixes, so that
/// the evidence shows the flow of the original value.
#[allow(
    clippy::too_many_arguments,
    reason = "one call site, each argument a distinct input"
)]
pub(crate) fn build(
    class: Vulnerability,
    argument: &'static str,
    text: &[u8],
    marked: &[Marked],
    sources: &[Site],
    strip: &[Range<usize>],
    redact: bool,
    scratch: &Scratch,
) -> Evidence {
    let stripped;
    let (text, marked) = if strip.is_empty() {
        (text, marked)
    } else {
        stripped = replace(text, strip, b"", marked);
        (&stripped.0[..], &stripped.1[..])
    };
    if !redact {
        return Evidence::new(argument, text, marked);
    }
    let secret = |source: usize| sources.get(source).is_some_and(redact::secret_source);
    redacted(class, argument, text, marked, &secret, scratch).evidence(argument, text.len())
}

/// A sink argument with its secrets hidden, as far as its evidence can show.
#[derive(Debug)]
pub(crate) struct Redacted {
    /// The first byte of the argument shown: a long SQL argument's literals are read from a
    /// token boundary at most [`LEAD`] bytes before its first tainted byte, and the evidence
    /// never shows what precedes it. 0 otherwise.
    pub from: usize,
    /// Bytes of the argument read for secrets: the evidence never shows past them.
    pub cut: usize,
    /// The spans of `text[from..cut]` hidden, as offsets into `text`.
    pub spans: Vec<Range<usize>>,
    /// `text[from..cut]` with each span replaced by [`REDACTED`].
    pub shown: Vec<u8>,
    /// The marked ranges of the prefix, moved onto `shown`.
    pub moved: Vec<Marked>,
}

impl Redacted {
    /// The evidence of the redacted argument, whose whole was `len` bytes.
    pub(crate) fn evidence(&self, argument: &'static str, len: usize) -> Evidence {
        let mut evidence = Evidence::new(argument, &self.shown, &self.moved);
        evidence.cut_before |= self.from > 0;
        evidence.cut_after |= self.cut < len;
        evidence
    }
}

/// Hides the secrets of `text`, a sink argument whose `marked` ranges name their source by an
/// index that `secret` says is secret-named or not.
///
/// Redaction reads only as far as the evidence can show, and the evidence is then taken from
/// that prefix alone: on a long argument the SQL literals past the window would cost a
/// tokenization for nothing, and bytes never read for secrets must never be shown (a hidden
/// span longer or shorter than its marker moves the window, so reading up to where the window
/// would have ended is not enough).
pub(crate) fn redacted(
    class: Vulnerability,
    argument: &str,
    text: &[u8],
    marked: &[Marked],
    secret: &dyn Fn(usize) -> bool,
    scratch: &Scratch,
) -> Redacted {
    let first = marked.iter().map(|(r, _, _)| r.start).min().unwrap_or(0);
    let cut = window_end(text.len(), first);
    let in_prefix: Vec<Marked> = marked
        .iter()
        .filter(|(r, _, _)| r.start < cut)
        .map(|(r, source, kind)| (r.start..r.end.min(cut), *source, *kind))
        .collect();
    let tainted: Vec<(Range<usize>, bool)> = in_prefix
        .iter()
        .map(|(r, source, _)| (r.clone(), secret(*source)))
        .collect();
    // Tokenizing a long SQL argument up to its evidence would cost more than the rest of the
    // check: its literals are read from a token boundary before the window instead, and the
    // evidence starts there. The other secrets are looked for in the whole prefix, so that
    // one named before that boundary is still hidden after it.
    let starts = if class == Vulnerability::SqlInjection {
        let want = first.saturating_sub(LEAD);
        let dialect = crate::analyzers::sql_dialect();
        crate::analyzers::literals_start(dialect, &text[..cut], want, scratch)
    } else {
        LiteralStarts::WHOLE
    };
    let from = starts.first();
    let mut spans = redact::secret_spans(&redact::Subject {
        class,
        argument,
        text: &text[..cut],
        tainted: &tainted,
        scratch,
        from: starts,
    });
    spans.retain_mut(|s| {
        s.start = s.start.max(from);
        s.start < s.end
    });
    let local: Vec<Range<usize>> = spans.iter().map(|s| s.start - from..s.end - from).collect();
    let in_window: Vec<Marked> = in_prefix
        .iter()
        .map(|(r, source, kind)| (r.start - from..r.end - from, *source, *kind))
        .collect();
    let (shown, moved) = hide(&text[from..cut], &local, &in_window);
    Redacted {
        from,
        cut,
        spans,
        shown,
        moved,
    }
}

/// A tainted byte range of an argument, the index of its source in the finding, and how it
/// was recognised.
pub(crate) type Marked = (Range<usize>, usize, MatchKind);

/// What replaces a secret in evidence.
pub(crate) const REDACTED: &[u8] = b"[REDACTED]";

/// Replaces each of `spans` (sorted, disjoint) of `bytes` with [`REDACTED`] and moves the
/// tainted ranges onto the result: a range that starts or ends inside a hidden span starts
/// or ends at the marker's edge, so a tainted secret shows as a marked `[REDACTED]`.
pub(crate) fn hide(
    bytes: &[u8],
    spans: &[Range<usize>],
    ranges: &[Marked],
) -> (Vec<u8>, Vec<Marked>) {
    replace(bytes, spans, REDACTED, ranges)
}

/// [`hide`] with `marker` in place of each span.
fn replace(
    bytes: &[u8],
    spans: &[Range<usize>],
    marker: &[u8],
    ranges: &[Marked],
) -> (Vec<u8>, Vec<Marked>) {
    if spans.is_empty() {
        return (bytes.to_vec(), ranges.to_vec());
    }
    let mut out = Vec::with_capacity(bytes.len());
    // Each span kept, with where its marker starts in the output: an offset maps through the
    // span that ends after it, without a table per byte of the argument.
    let mut kept: Vec<(Range<usize>, usize)> = Vec::new();
    let mut at = 0;
    for span in spans {
        let (from, to) = (span.start.min(bytes.len()), span.end.min(bytes.len()));
        if from < at || from >= to {
            continue;
        }
        out.extend_from_slice(&bytes[at..from]);
        kept.push((from..to, out.len()));
        out.extend_from_slice(marker);
        at = to;
    }
    out.extend_from_slice(&bytes[at..]);
    // Where a range that starts (or ends) at input offset `p` starts (or ends) in the output:
    // inside a hidden span, at the marker's start (or end); elsewhere, where byte `p` went.
    let place = |p: usize, end: bool| {
        let i = kept.partition_point(|(span, _)| span.end <= p);
        match kept.get(i) {
            Some((span, at)) if span.start < p => at + if end { marker.len() } else { 0 },
            Some((span, at)) => at - (span.start - p),
            None => out.len() - (bytes.len() - p),
        }
    };
    let moved = ranges
        .iter()
        .map(|(r, source, kind)| {
            let (start, end) = (r.start.min(bytes.len()), r.end.min(bytes.len()));
            let start = place(start, false);
            (start..place(end, true).max(start), *source, *kind)
        })
        .collect();
    (out, moved)
}

/// Converts bytes to text, writing each byte of an invalid UTF-8 sequence as `\xNN`.
/// Returns the text and, for each byte offset of the input (and its end), the offset in the
/// text, rounded down to a character boundary.
fn to_text(bytes: &[u8]) -> (String, Vec<usize>) {
    let mut text = String::with_capacity(bytes.len());
    let mut map = Vec::with_capacity(bytes.len() + 1);
    let mut rest = bytes;
    while !rest.is_empty() {
        match std::str::from_utf8(rest) {
            Ok(valid) => {
                push_valid(&mut text, &mut map, valid);
                break;
            }
            Err(e) => {
                let (valid, after) = rest.split_at(e.valid_up_to());
                push_valid(
                    &mut text,
                    &mut map,
                    std::str::from_utf8(valid).unwrap_or_default(),
                );
                let bad = e.error_len().unwrap_or(after.len()).max(1).min(after.len());
                for b in &after[..bad] {
                    map.push(text.len());
                    let _ = write!(text, "\\x{b:02x}");
                }
                rest = &after[bad..];
            }
        }
    }
    map.push(text.len());
    (text, map)
}

fn push_valid(text: &mut String, map: &mut Vec<usize>, valid: &str) {
    let mut rest = valid;
    loop {
        // ASCII other than the backslash is written as it is: a run of it at once.
        let plain = rest
            .bytes()
            .position(|b| !b.is_ascii() || b == b'\\')
            .unwrap_or(rest.len());
        let (run, after) = rest.split_at(plain);
        map.extend(text.len()..text.len() + run.len());
        text.push_str(run);
        let Some(c) = after.chars().next() else {
            return;
        };
        push_char(text, map, c);
        rest = &after[c.len_utf8()..];
    }
}

/// One character of [`push_valid`]: a backslash doubled, an invisible one as `\u{..}`.
fn push_char(text: &mut String, map: &mut Vec<usize>, c: char) {
    map.extend(std::iter::repeat_n(text.len(), c.len_utf8()));
    match c {
        '\\' => text.push_str("\\\\"),
        c if invisible(c) => {
            let _ = write!(text, "\\u{{{:x}}}", c as u32);
        }
        c => text.push(c),
    }
}

/// Evidence as a terminal shows it: the escaped value (with `…` where it was cut) and a line
/// of carets under its tainted byte ranges, trimmed. Ranges past the end of `value` are
/// clamped, so evidence read back from a damaged collection cannot make this panic.
pub fn terminal_lines(
    value: &str,
    ranges: impl IntoIterator<Item = Range<usize>>,
    cut_before: bool,
    cut_after: bool,
) -> (String, String) {
    let (text, columns) = escape_for_terminal(value);
    let before = if cut_before { "…" } else { "" };
    let after = if cut_after { "…" } else { "" };
    let shift = before.chars().count();
    let last = columns.last().copied().unwrap_or(0);
    let mut marks = vec![' '; last + shift];
    for r in ranges {
        let (start, end) = (r.start.min(value.len()), r.end.min(value.len()));
        if start >= end {
            continue;
        }
        let (from, to) = (columns[start], columns[end].max(columns[start] + 1));
        if marks.len() < to + shift {
            marks.resize(to + shift, ' ');
        }
        for m in &mut marks[from + shift..to + shift] {
            *m = '^';
        }
    }
    let marks: String = marks.into_iter().collect();
    (
        format!("{before}{text}{after}"),
        marks.trim_end().to_owned(),
    )
}

/// Writes `s` for a terminal: control characters, ANSI escapes, bidirectional overrides and
/// other invisible formatting characters become visible escapes, so evidence can neither
/// move the cursor, recolour the screen nor hide text. Returns the display column of each
/// byte offset of `s` (and of its end) for aligning markers under it.
pub fn escape_for_terminal(s: &str) -> (String, Vec<usize>) {
    let mut out = String::with_capacity(s.len());
    let mut columns = Vec::with_capacity(s.len() + 1);
    let mut column = 0;
    for c in s.chars() {
        let before = out.len();
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\0' => out.push_str("\\0"),
            c if needs_escape(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
        let width = out[before..].chars().count();
        columns.extend(std::iter::repeat_n(column, c.len_utf8()));
        column += width;
    }
    columns.push(column);
    (out, columns)
}

/// Whether `c` must not reach a reader as itself: a control character, or one that displays
/// as nothing or reorders the text around it (bidirectional overrides and isolates,
/// zero-width characters, tag characters). Every rendering of text from the program escapes
/// or replaces these.
pub fn needs_escape(c: char) -> bool {
    c.is_control() || invisible(c)
}

/// Characters that display as nothing or reorder the text around them.
fn invisible(c: char) -> bool {
    matches!(c,
        '\u{ad}'                     // soft hyphen
        | '\u{61c}'                  // Arabic letter mark
        | '\u{200b}'..='\u{200f}'   // zero-width spaces and marks
        | '\u{2028}'..='\u{202e}'   // line/paragraph separators, bidi embeddings and overrides
        | '\u{2060}'..='\u{2069}'   // word joiner, invisible operators, bidi isolates
        | '\u{feff}'                 // zero-width no-break space
        | '\u{e0000}'..='\u{e007f}') // tag characters
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_written_a_character_at_a_time_or_a_plain_run_at_once_alike() {
        let one_at_a_time = |valid: &str| {
            let (mut text, mut map) = (String::new(), Vec::new());
            for c in valid.chars() {
                push_char(&mut text, &mut map, c);
            }
            (text, map)
        };
        let pieces = [
            "",
            "abc",
            "\\",
            "a\\b",
            "\u{e9}t\u{e9}",
            "\u{200b}",
            "x\ny\t",
            "\u{1f600}!",
            "\\\\",
        ];
        for a in pieces {
            for b in pieces {
                let valid = format!("{a}{b}{a}");
                let (mut text, mut map) = (String::new(), Vec::new());
                push_valid(&mut text, &mut map, &valid);
                assert_eq!((text, map), one_at_a_time(&valid), "{valid:?}");
            }
        }
    }

    #[test]
    fn hidden_spans_become_markers_and_ranges_follow() {
        let bytes = b"user=bob&password=hunter2&q=x' OR 1=1";
        let (out, moved) = hide(
            bytes,
            std::slice::from_ref(&(18..25)),
            &[(28..38, 0, MatchKind::Exact), (18..25, 1, MatchKind::Exact)],
        );
        let out = String::from_utf8(out).unwrap();
        assert_eq!(out, "user=bob&password=[REDACTED]&q=x' OR 1=1");
        assert_eq!(&out[moved[0].0.clone()], "x' OR 1=1");
        assert_eq!(&out[moved[1].0.clone()], "[REDACTED]");
    }

    #[test]
    fn invalid_utf8_is_escaped_and_ranges_follow() {
        let bytes = b"a\xffbc";
        let e = Evidence::new("x", bytes, &[(2..4, 0, MatchKind::Exact)]);
        assert_eq!(e.value, "a\\xffbc");
        assert_eq!(e.tainted_text().collect::<Vec<_>>(), ["bc"]);
    }

    #[test]
    fn backslashes_and_invisible_characters_are_escaped_in_the_value() {
        let bytes = "a\\b\u{202e}c\u{1b}d".as_bytes();
        let tainted = bytes.len() - 3..bytes.len();
        let e = Evidence::new("x", bytes, &[(tainted, 0, MatchKind::Exact)]);
        assert_eq!(e.value, "a\\\\b\\u{202e}c\u{1b}d");
        assert!(!e.value.chars().any(invisible));
        assert_eq!(e.tainted_text().collect::<Vec<_>>(), ["c\u{1b}d"]);
    }

    #[test]
    fn windows_start_and_end_on_character_boundaries() {
        let mut text = "€".repeat(400);
        text.push_str("EVIL");
        text.push_str(&"€".repeat(400));
        let at = text.find("EVIL").unwrap();
        let e = Evidence::new("x", text.as_bytes(), &[(at..at + 4, 0, MatchKind::Exact)]);
        assert!(
            !e.value.contains("\\x"),
            "cut inside a character: {}",
            e.value
        );
        assert_eq!(e.tainted_text().collect::<Vec<_>>(), ["EVIL"]);
    }

    #[test]
    fn long_arguments_are_cut_around_the_taint() {
        let mut bytes = vec![b'a'; 5000];
        bytes[3000..3004].copy_from_slice(b"EVIL");
        let e = Evidence::new("x", &bytes, &[(3000..3004, 0, MatchKind::Exact)]);
        assert!(e.cut_before && e.cut_after);
        assert_eq!(e.value.len(), MAX_EVIDENCE);
        assert_eq!(e.tainted_text().collect::<Vec<_>>(), ["EVIL"]);
    }

    #[test]
    fn terminal_escaping_neutralises_control_sequences() {
        let (out, columns) = escape_for_terminal("a\u{1b}[31mb\nc\u{202e}d");
        assert_eq!(out, "a\\u{1b}[31mb\\nc\\u{202e}d");
        assert!(!out.chars().any(|c| c.is_control()));
        // 'b' follows the escaped ESC (6 columns) and "[31m" (4 columns).
        assert_eq!(columns[6], 11);
    }

    /// A long SQL argument is read for literals from a token boundary before its evidence:
    /// the literals near the taint are still hidden, nothing before the boundary is shown,
    /// and the evidence says it was cut.
    #[test]
    fn a_long_sql_argument_is_redacted_from_a_boundary_before_its_evidence() {
        let filler = "SELECT id FROM users WHERE status = 'active' AND id > 10; ".repeat(80);
        let text = format!("{filler}SELECT id FROM t WHERE pass = 'hunter2' AND name = 'bob'");
        let at = text.rfind("bob").expect("the value");
        let marked = [(at..at + 3, 0, MatchKind::Exact)];
        let scratch = Scratch::default();
        let r = redacted(
            Vulnerability::SqlInjection,
            "query",
            text.as_bytes(),
            &marked,
            &|_| false,
            &scratch,
        );
        assert!(r.from > 0 && r.from + LEAD <= at, "read from {}", r.from);
        let evidence = r.evidence("query", text.len());
        assert!(evidence.cut_before);
        assert!(!evidence.value.contains("hunter2"), "{}", evidence.value);
        assert!(!evidence.value.contains("active"), "{}", evidence.value);
        assert_eq!(evidence.tainted_text().collect::<Vec<_>>(), ["bob"]);
    }
}
