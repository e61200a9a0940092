//! Analyzer for HTML documents and fragments.
//!
//! The document is tokenized once with html5gum, which follows the WHATWG tokenizer, including
//! its script, raw text and RCDATA states. The analyzer keeps the byte spans of tags, attribute
//! values, comments and doctypes; text is whatever lies between them. Tainted bytes are
//! [`Confidence::Confirmed`] when they:
//!
//! - are markup: any part of a tag, end tag, comment delimiter or doctype other than an
//!   attribute value. This covers creating tags, comments and doctypes, naming or renaming an
//!   attribute, closing a quoted value, and a space or `>` in an unquoted value;
//! - choose a `javascript:` or `vbscript:` scheme, or a `data:` scheme whose media type can
//!   run script, in a URL attribute (after character references are decoded and the
//!   characters that URL parsing drops are removed), or change the code of a `javascript:`
//!   URL the program wrote ([`attr`]);
//! - change code in a `<script>` element, an event handler or a `javascript:` URL: anywhere
//!   other than inside a string, template text, regular expression or comment that they do not
//!   end ([`js`]);
//! - add declarations, rules or script-running constructs to a `<style>` element or `style`
//!   attribute ([`css`]);
//! - start the `<!--` ... `<script` sequence in a script element, after which the program's
//!   `</script>` no longer closes it;
//! - change the structure of a nested document: `srcdoc`, HTML templates in `<script>`, a
//!   `data:text/html` URL.
//!
//! Anything else is [`Confidence::Unsanitized`]: text content (including a `<` that forms no
//! markup) and ordinary attribute values.
//!
//! A text that ends inside a tag, as when a page is written in pieces, is judged as if the tag
//! were closed there.

use super::Input;
use crate::ranges::{merge, overlaps};
use std::ops::Range;

mod attr;
mod css;
mod html;
mod js;
mod markup;
#[cfg(test)]
mod tests;

pub(super) fn changes_structure(input: &Input<'_>) -> bool {
    let taint = merge(input.tainted.iter().cloned(), input.text.len());
    html::confirmed(input.text, &taint, 0)
}

/// The tainted parts of `r`, relative to `r.start`.
fn within(taint: &[Range<usize>], r: Range<usize>) -> Vec<Range<usize>> {
    let first = taint.partition_point(|t| t.end <= r.start);
    taint[first..]
        .iter()
        .take_while(|t| t.start < r.end)
        .map(|t| t.start.max(r.start) - r.start..t.end.min(r.end) - r.start)
        .collect()
}

/// Answers "is byte `i` tainted" for non-decreasing `i` in amortized constant time.
struct TaintScan<'a> {
    taint: &'a [Range<usize>],
    next: usize,
}

impl<'a> TaintScan<'a> {
    fn new(taint: &'a [Range<usize>]) -> Self {
        Self { taint, next: 0 }
    }

    fn at(&mut self, i: usize) -> bool {
        self.range_at(i).is_some()
    }

    /// The tainted range holding byte `i`, if any.
    fn range_at(&mut self, i: usize) -> Option<Range<usize>> {
        while self.taint.get(self.next).is_some_and(|t| t.end <= i) {
            self.next += 1;
        }
        self.taint.get(self.next).filter(|t| t.start <= i).cloned()
    }

    fn any(&mut self, r: Range<usize>) -> bool {
        while self.taint.get(self.next).is_some_and(|t| t.end <= r.start) {
            self.next += 1;
        }
        self.taint.get(self.next).is_some_and(|t| t.start < r.end)
    }
}

/// Bytes derived from the sink argument (decoded, cleaned), with the derived bytes that came
/// from tainted bytes.
#[derive(Debug, Default)]
struct Marked {
    bytes: Vec<u8>,
    taint: Vec<Range<usize>>,
}

impl Marked {
    fn push(&mut self, b: u8, tainted: bool) {
        let i = self.bytes.len();
        self.bytes.push(b);
        if tainted {
            match self.taint.last_mut() {
                Some(last) if last.end == i => last.end = i + 1,
                _ => self.taint.push(i..i + 1),
            }
        }
    }

    fn extend(&mut self, bytes: &[u8], tainted: bool) {
        for &b in bytes {
            self.push(b, tainted);
        }
    }

    /// A copy of `bytes[r]` with its taint.
    fn slice(&self, r: Range<usize>) -> Marked {
        let r = r.start.min(self.bytes.len())..r.end.min(self.bytes.len());
        Marked {
            bytes: self.bytes[r.clone()].to_vec(),
            taint: within(&self.taint, r),
        }
    }
}

/// Finds `needle` (ASCII, lower case) in `hay` ignoring ASCII case; reports whether an
/// occurrence overlaps a tainted byte. Only occurrences near tainted bytes are looked at.
fn tainted_occurrence(hay: &[u8], taint: &[Range<usize>], needle: &[u8]) -> bool {
    let n = needle.len();
    taint.iter().any(|t| {
        let from = t.start.saturating_sub(n - 1);
        let to = t.end.saturating_add(n - 1).min(hay.len());
        hay.get(from..to).is_some_and(|w| {
            w.windows(n)
                .any(|candidate| candidate.eq_ignore_ascii_case(needle))
        })
    })
}
