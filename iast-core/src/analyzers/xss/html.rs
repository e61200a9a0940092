//! The document walk: html5gum tokenizes, an emitter follows the content model (script, raw
//! text, RCDATA, foreign content) and hands each token and the text before it to [`markup`]
//! to judge.
//!
//! [`markup`]: super::markup

use super::markup::{
    Attr, AttrKind, Context, Tag, comment_confirmed, script_kind, start_tag_confirmed,
    text_confirmed,
};
use super::{Marked, overlaps};
use html5gum::{Emitter, Error, State, Tokenizer};
use std::ops::Range;

/// How deep documents nested in attributes and templates are followed; deeper tainted content
/// is taken as confirmed rather than spending more time on it.
const MAX_DEPTH: u8 = 4;

/// Whether the tainted bytes (sorted, disjoint, in bounds) of `text` change its structure.
pub(super) fn confirmed(text: &[u8], taint: &[Range<usize>], depth: u8) -> bool {
    if taint.is_empty() {
        return false;
    }
    if depth > MAX_DEPTH {
        return true;
    }
    match walk(text, taint, depth) {
        Walk::Done(confirmed) => confirmed,
        // The text ends inside a tag, as when a page is written in pieces: judge it as if the
        // piece that follows closed the tag.
        Walk::EofInTag(closer) => {
            let mut closed = Vec::with_capacity(text.len() + closer.len());
            closed.extend_from_slice(text);
            closed.extend_from_slice(closer);
            match walk(&closed, taint, depth) {
                Walk::Done(confirmed) => confirmed,
                Walk::EofInTag(_) => true,
            }
        }
    }
}

enum Walk {
    Done(bool),
    /// The text ended inside a tag, which these bytes would close.
    EofInTag(&'static [u8]),
}

fn walk(text: &[u8], taint: &[Range<usize>], depth: u8) -> Walk {
    let walker = Walker {
        text,
        taint,
        depth,
        last_tainted: taint.last().map_or(0, |t| t.end),
        position: 0,
        outcome: None,
        reported: false,
        cursor: 0,
        context: Context::Text,
        foreign_depth: 0,
        token_start: 0,
        in_tag: false,
        end_tag: false,
        self_closing: false,
        name: Vec::new(),
        last_start_tag: Vec::new(),
        attrs: Vec::new(),
        attr_name: Vec::new(),
        attr_open: false,
        value_start: 0,
        value_end: None,
        value_quote: None,
    };
    match Tokenizer::new_with_emitter(text, walker).next() {
        Some(Ok(walk)) => walk,
        // The walker always reports at the end of the text; not hearing from it is no reason
        // to drop the finding's confirmation.
        _ => Walk::Done(true),
    }
}

/// An html5gum emitter that judges tokens as the tokenizer finds them, keeps no text, and
/// stops the tokenizer as soon as the answer is known.
struct Walker<'a> {
    text: &'a [u8],
    taint: &'a [Range<usize>],
    depth: u8,
    last_tainted: usize,
    /// Bytes of `text` the tokenizer has consumed.
    position: usize,
    outcome: Option<Walk>,
    reported: bool,
    /// Start of the text not yet judged, and its content model.
    cursor: usize,
    context: Context,
    foreign_depth: usize,
    /// The `<` of the tag, comment or doctype being read.
    token_start: usize,
    in_tag: bool,
    end_tag: bool,
    self_closing: bool,
    name: Vec<u8>,
    last_start_tag: Vec<u8>,
    /// The start tag's attributes; reused from tag to tag so that tags cost no allocation.
    attrs: Vec<Attr>,
    attr_name: Vec<u8>,
    attr_open: bool,
    value_start: usize,
    value_end: Option<usize>,
    /// The quote of the attribute value being read, if quoted.
    value_quote: Option<u8>,
}

impl Walker<'_> {
    fn decide(&mut self, confirmed: bool) {
        if confirmed && self.outcome.is_none() {
            self.outcome = Some(Walk::Done(true));
        }
    }

    /// Judges the text from the cursor up to `end`, where a token starts.
    fn text_until(&mut self, end: usize) {
        let span = self.cursor.min(end)..end;
        let confirmed = text_confirmed(self.text, self.taint, span, self.context, self.depth);
        self.decide(confirmed);
    }

    /// After a token ends at the current position.
    fn token_done(&mut self) {
        self.cursor = self.position;
        // Past the last tainted byte nothing more can be learned.
        if self.outcome.is_none() && self.cursor >= self.last_tainted {
            self.outcome = Some(Walk::Done(false));
        }
    }

    fn finish_attribute(&mut self) {
        if self.attr_open && !self.end_tag {
            let value = self
                .value_end
                .map(|end| self.value_start..end.min(self.text.len()));
            self.attrs.push(Attr {
                kind: AttrKind::of(&self.attr_name),
                value: value.filter(|v| v.start < v.end),
            });
        }
        self.attr_open = false;
    }

    fn token_span(&self) -> Range<usize> {
        let end = self.position.min(self.text.len());
        self.token_start.min(end)..end
    }
}

impl Emitter for Walker<'_> {
    type Token = Walk;

    fn set_last_start_tag(&mut self, last_start_tag: Option<&[u8]>) {
        self.last_start_tag.clear();
        self.last_start_tag
            .extend_from_slice(last_start_tag.unwrap_or_default());
    }

    fn emit_eof(&mut self) {
        if self.outcome.is_none() {
            self.outcome = Some(if self.in_tag {
                Walk::EofInTag(match self.value_quote {
                    Some(b'"') => b"\">",
                    Some(_) => b"'>",
                    None => b">",
                })
            } else {
                let len = self.text.len();
                let span = self.cursor.min(len)..len;
                Walk::Done(text_confirmed(
                    self.text,
                    self.taint,
                    span,
                    self.context,
                    self.depth,
                ))
            });
        }
    }

    fn emit_error(&mut self, _: Error) {}

    fn should_emit_errors(&mut self) -> bool {
        false
    }

    fn pop_token(&mut self) -> Option<Walk> {
        if self.reported {
            return None;
        }
        let outcome = self.outcome.take();
        self.reported = outcome.is_some();
        outcome
    }

    fn emit_string(&mut self, _: &[u8]) {
        // Raw text states give up an end tag that does not end the element as text.
        self.in_tag = false;
    }

    fn start_open_tag(&mut self) {
        self.token_start = self.position.saturating_sub(1);
    }

    fn init_start_tag(&mut self) {
        self.in_tag = true;
        self.end_tag = false;
        self.self_closing = false;
        self.name.clear();
        self.attrs.clear();
        self.attr_open = false;
    }

    fn init_end_tag(&mut self) {
        self.in_tag = true;
        self.end_tag = true;
        self.name.clear();
        self.attr_open = false;
    }

    fn emit_current_tag(&mut self) -> Option<State> {
        self.finish_attribute();
        self.in_tag = false;
        self.value_quote = None;
        let span = self.token_span();
        let tag = Tag::of(&self.name);
        if self.end_tag {
            self.last_start_tag.clear();
            if self.outcome.is_none() {
                self.text_until(span.start);
                self.decide(overlaps(self.taint, span));
                if tag == Tag::Foreign {
                    self.foreign_depth = self.foreign_depth.saturating_sub(1);
                }
                self.context = Context::Text;
                self.token_done();
            }
            return None;
        }
        std::mem::swap(&mut self.last_start_tag, &mut self.name);
        if self.outcome.is_some() {
            return None;
        }
        self.text_until(span.start);
        let confirmed =
            start_tag_confirmed(self.text, self.taint, span, tag, &self.attrs, self.depth);
        self.decide(confirmed);
        if self.foreign_depth > 0 && tag == Tag::Breakout {
            self.foreign_depth = 0;
        }
        let script = || Context::Script(script_kind(self.text, &self.attrs));
        let (state, context) = match tag {
            // A foreign `<script/>` has no content.
            Tag::Script if self.foreign_depth > 0 && self.self_closing => (None, Context::Text),
            Tag::Script => (Some(State::ScriptData), script()),
            // In foreign content other elements have no special content model.
            _ if self.foreign_depth > 0 => (None, Context::Text),
            Tag::Style => (Some(State::RawText), Context::Style),
            Tag::RawText => (Some(State::RawText), Context::Text),
            Tag::RcData => (Some(State::RcData), Context::Text),
            Tag::PlainText => (Some(State::PlainText), Context::Text),
            _ => (None, Context::Text),
        };
        if tag == Tag::Foreign && !self.self_closing {
            self.foreign_depth += 1;
        }
        self.context = context;
        self.token_done();
        state
    }

    fn init_comment(&mut self) {
        self.in_tag = false;
    }

    fn emit_current_comment(&mut self) {
        if self.outcome.is_none() {
            let span = self.token_span();
            self.text_until(span.start);
            self.decide(comment_confirmed(self.text, self.taint, span));
            self.token_done();
        }
    }

    fn init_doctype(&mut self) {}

    fn emit_current_doctype(&mut self) {
        if self.outcome.is_none() {
            let span = self.token_span();
            self.text_until(span.start);
            self.decide(overlaps(self.taint, span));
            self.token_done();
        }
    }

    fn set_self_closing(&mut self) {
        self.self_closing = true;
    }

    fn set_force_quirks(&mut self) {}

    fn push_tag_name(&mut self, s: &[u8]) {
        self.name.extend_from_slice(s);
    }

    fn push_comment(&mut self, _: &[u8]) {}

    fn push_doctype_name(&mut self, _: &[u8]) {}

    fn init_attribute(&mut self) {
        self.finish_attribute();
        self.attr_open = true;
        self.attr_name.clear();
        self.value_end = None;
        self.value_quote = None;
    }

    fn init_attribute_value(&mut self) {
        self.value_start = self.position;
        // Just after an opening quote, or at the first byte of an unquoted value.
        self.value_quote = self
            .position
            .checked_sub(1)
            .and_then(|p| self.text.get(p))
            .copied()
            .filter(|&b| b == b'"' || b == b'\'');
    }

    fn push_attribute_name(&mut self, s: &[u8]) {
        self.attr_name.extend_from_slice(s);
    }

    fn push_attribute_value(&mut self, _: &[u8]) {
        self.value_end = Some(self.position);
    }

    fn set_doctype_public_identifier(&mut self, _: &[u8]) {}

    fn set_doctype_system_identifier(&mut self, _: &[u8]) {}

    fn push_doctype_public_identifier(&mut self, _: &[u8]) {}

    fn push_doctype_system_identifier(&mut self, _: &[u8]) {}

    fn current_is_appropriate_end_tag_token(&mut self) -> bool {
        self.end_tag && !self.last_start_tag.is_empty() && self.name == self.last_start_tag
    }

    fn move_position(&mut self, offset: isize) {
        self.position = self.position.saturating_add_signed(offset);
    }
}

/// [`confirmed`] for a derived document, such as the body of a `data:` URL.
pub(super) fn marked_confirmed(doc: &Marked, depth: u8) -> bool {
    confirmed(&doc.bytes, &doc.taint, depth)
}
