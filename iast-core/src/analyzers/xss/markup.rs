//! How tokens are judged: which elements and attributes matter, and which tainted bytes in a
//! tag, a comment or the text between them are confirmed.

use super::html::confirmed;
use super::{attr, css, js, overlaps, tainted_occurrence, within};
use std::ops::Range;

/// Elements whose name matters to the analysis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Tag {
    Script,
    Style,
    /// Raw text elements whose content is never markup nor code.
    RawText,
    /// Escapable raw text: `<title>`, `<textarea>`.
    RcData,
    PlainText,
    /// `<svg>`, `<math>`: their children are foreign content, where `<style>` and the like are
    /// ordinary elements.
    Foreign,
    /// HTML elements that end foreign content.
    Breakout,
    Other,
}

impl Tag {
    pub(super) fn of(name: &[u8]) -> Tag {
        match name {
            b"script" => Tag::Script,
            b"style" => Tag::Style,
            b"xmp" | b"iframe" | b"noembed" | b"noframes" | b"noscript" => Tag::RawText,
            b"title" | b"textarea" => Tag::RcData,
            b"plaintext" => Tag::PlainText,
            b"svg" | b"math" => Tag::Foreign,
            b"b" | b"big" | b"blockquote" | b"body" | b"br" | b"center" | b"code" | b"dd"
            | b"div" | b"dl" | b"dt" | b"em" | b"embed" | b"h1" | b"h2" | b"h3" | b"h4" | b"h5"
            | b"h6" | b"head" | b"hr" | b"i" | b"img" | b"li" | b"listing" | b"menu" | b"meta"
            | b"nobr" | b"ol" | b"p" | b"pre" | b"ruby" | b"s" | b"small" | b"span" | b"strong"
            | b"strike" | b"sub" | b"sup" | b"table" | b"tt" | b"u" | b"ul" | b"var" => {
                Tag::Breakout
            }
            _ => Tag::Other,
        }
    }
}

/// Attributes whose value is more than text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum AttrKind {
    /// `on*`: the value is script.
    Event,
    Url,
    Style,
    /// `srcdoc`: the value is a document.
    Srcdoc,
    /// `type`, which on `<script>` decides whether the content runs.
    Type,
    Other,
}

impl AttrKind {
    pub(super) fn of(name: &[u8]) -> AttrKind {
        match name {
            [b'o', b'n', rest @ ..] if !rest.is_empty() => AttrKind::Event,
            b"href" | b"src" | b"action" | b"formaction" | b"xlink:href" | b"data" | b"poster"
            | b"background" | b"codebase" | b"cite" | b"longdesc" | b"lowsrc" | b"dynsrc"
            | b"manifest" | b"icon" | b"classid" | b"archive" => AttrKind::Url,
            b"style" => AttrKind::Style,
            b"srcdoc" => AttrKind::Srcdoc,
            b"type" => AttrKind::Type,
            _ => AttrKind::Other,
        }
    }
}

/// What the content of a `<script>` element is, by its `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ScriptKind {
    Js,
    /// A data block (JSON and the like): not run, only a way out of the element matters.
    Data,
    /// A client-side HTML template, inserted into the page as markup later.
    Template,
}

impl ScriptKind {
    fn of_type(value: &[u8]) -> ScriptKind {
        let value = value.trim_ascii();
        let has = |needle: &[u8]| {
            value
                .windows(needle.len())
                .any(|w| w.eq_ignore_ascii_case(needle))
        };
        if has(b"json") || has(b"importmap") || has(b"speculationrules") || has(b"text/plain") {
            ScriptKind::Data
        } else if has(b"html") || has(b"template") {
            ScriptKind::Template
        } else {
            // JavaScript MIME types, `module`, and types compiled in the browser (Babel,
            // TypeScript): unknown types are taken as code, the cautious side.
            ScriptKind::Js
        }
    }
}

/// The content model of the text being read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Context {
    /// Text that is never code: data, RCDATA, inert raw text, plain text.
    Text,
    Script(ScriptKind),
    Style,
}

pub(super) struct Attr {
    pub(super) kind: AttrKind,
    /// The raw value's span, without quotes; `None` when empty.
    pub(super) value: Option<Range<usize>>,
}

pub(super) fn script_kind(text: &[u8], attrs: &[Attr]) -> ScriptKind {
    match attrs.iter().find(|a| a.kind == AttrKind::Type) {
        Some(Attr {
            value: Some(value), ..
        }) => ScriptKind::of_type(&attr::decode(&text[value.clone()], &[]).bytes),
        _ => ScriptKind::Js,
    }
}

/// Judges tainted bytes in text between markup, in its content model.
pub(super) fn text_confirmed(
    text: &[u8],
    taint: &[Range<usize>],
    span: Range<usize>,
    context: Context,
    depth: u8,
) -> bool {
    if context == Context::Text || span.start >= span.end || !overlaps(taint, span.clone()) {
        return false;
    }
    let content = &text[span.clone()];
    let taint = within(taint, span);
    match context {
        Context::Text => false,
        Context::Style => css::confirmed(content, &taint),
        Context::Script(kind) => {
            // `<!--` followed by `<script` switches the tokenizer to a state where the
            // program's `</script>` no longer ends the element.
            let has = |needle: &[u8]| {
                content
                    .windows(needle.len())
                    .any(|w| w.eq_ignore_ascii_case(needle))
            };
            if (tainted_occurrence(content, &taint, b"<!--") && has(b"<script"))
                || (tainted_occurrence(content, &taint, b"<script") && has(b"<!--"))
            {
                return true;
            }
            match kind {
                ScriptKind::Js => js::confirmed(content, &taint),
                ScriptKind::Data => false,
                ScriptKind::Template => confirmed(content, &taint, depth + 1),
            }
        }
    }
}

/// Judges a start tag: everything but attribute values is markup.
pub(super) fn start_tag_confirmed(
    text: &[u8],
    taint: &[Range<usize>],
    span: Range<usize>,
    tag: Tag,
    attrs: &[Attr],
    depth: u8,
) -> bool {
    if !overlaps(taint, span.clone()) {
        return false;
    }
    let in_value = |r: &Range<usize>| {
        attrs
            .iter()
            .filter_map(|a| a.value.as_ref())
            .any(|v| v.start <= r.start && r.end <= v.end)
    };
    let tainted_markup = within(taint, span.clone())
        .into_iter()
        .map(|r| r.start + span.start..r.end + span.start)
        .any(|r| !in_value(&r));
    if tainted_markup {
        return true;
    }
    attrs.iter().any(|a| {
        let Some(value) = a.value.clone() else {
            return false;
        };
        if !overlaps(taint, value.clone()) {
            return false;
        }
        let decoded = attr::decode(&text[value.clone()], &within(taint, value));
        match a.kind {
            AttrKind::Event => js::confirmed(&decoded.bytes, &decoded.taint),
            AttrKind::Url => attr::url_confirmed(&decoded, depth),
            AttrKind::Style => css::confirmed(&decoded.bytes, &decoded.taint),
            AttrKind::Srcdoc => confirmed(&decoded.bytes, &decoded.taint, depth + 1),
            // A tainted type that makes a `<script>` run its content.
            AttrKind::Type => tag == Tag::Script && script_kind(text, attrs) == ScriptKind::Js,
            AttrKind::Other => false,
        }
    })
}

/// Judges a comment: its delimiters are markup, its content is not.
pub(super) fn comment_confirmed(text: &[u8], taint: &[Range<usize>], span: Range<usize>) -> bool {
    if !overlaps(taint, span.clone()) {
        return false;
    }
    let raw = &text[span.clone()];
    // `<!--`, or the `<!`, `<?`, `</` of a bogus comment.
    let open = if raw.starts_with(b"<!--") { 4 } else { 2 };
    let close = if raw.ends_with(b"--!>") {
        4
    } else if raw.ends_with(b"-->") {
        3
    } else if raw.ends_with(b">") {
        1
    } else {
        // Ended by the end of the text.
        0
    };
    let content_start = (span.start + open).min(span.end);
    let content_end = span.end.saturating_sub(close).max(content_start);
    overlaps(taint, span.start..content_start) || overlaps(taint, content_end..span.end)
}
