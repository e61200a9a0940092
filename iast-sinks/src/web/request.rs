//! The request's parts as named sources.

use std::borrow::Cow;

/// Request headers whose values are strict sources: set by browsers, clients and proxies to
/// values the program itself uses all the time (`text/html`, `application/json`, its own
/// host name, a temporary directory that shares a run of bytes with a `User-Agent`).
pub const PROTOCOL_HEADERS: &[&str] = &[
    "accept",
    "accept-charset",
    "accept-encoding",
    "accept-language",
    "cache-control",
    "connection",
    "content-length",
    "content-type",
    "dnt",
    "forwarded",
    "host",
    "if-match",
    "if-modified-since",
    "if-none-match",
    "if-unmodified-since",
    "keep-alive",
    "origin",
    "pragma",
    "priority",
    "referer",
    "te",
    "upgrade",
    "upgrade-insecure-requests",
    "user-agent",
    "via",
];

fn is_protocol_header(name: &str) -> bool {
    PROTOCOL_HEADERS.contains(&name)
        || name.starts_with("sec-")
        || name.starts_with("x-forwarded-")
        || name == "x-real-ip"
}

// The sources hand back what they are given, borrowed: the layer only needs the values
// recorded (the handler reads the request itself), and a copy per value would be an
// allocation per parameter and header of every request.

/// A parameter the route pattern captured (`{id}`), percent-decoded. Literal segments are
/// the route's own text and are never recorded.
#[iast::source(origin = "http.path", name = name)]
pub(crate) fn path_parameter<'a>(name: &str, value: &'a str) -> &'a str {
    value
}

#[iast::source(origin = "http.query", name = name)]
fn query_parameter<'a>(name: &'a str, value: &'a str) -> (&'a str, &'a str) {
    (name, value)
}

#[iast::source(origin = "http.header", name = name)]
fn header_value<'a>(name: &str, value: &'a [u8]) -> &'a [u8] {
    value
}

#[iast::source(origin = "http.header", name = name, strict)]
fn protocol_header<'a>(name: &str, value: &'a [u8]) -> &'a [u8] {
    value
}

#[iast::source(origin = "http.cookie", name = name)]
fn cookie_value<'a>(name: &str, value: &'a str) -> &'a str {
    value
}

#[iast::source(origin = "http.json", name = pointer)]
fn json_field<'a>(pointer: &str, value: &'a str) -> &'a str {
    value
}

/// A small object or array of a JSON body, whole (see [`MAX_WHOLE_JSON`]). Strict: a body's
/// structure is what the program's own documents look like, so only a whole object that
/// changes a query's structure counts, never a piece of one.
#[iast::source(origin = "http.json", name = pointer, strict)]
fn json_whole<'a>(pointer: &str, value: &'a str) -> &'a str {
    value
}

#[iast::source(origin = "http.form", name = name)]
fn form_field<'a>(name: &'a str, value: &'a str) -> (&'a str, &'a str) {
    (name, value)
}

#[iast::source(origin = "http.multipart", name = name)]
fn multipart_field<'a>(name: &str, value: &'a [u8]) -> &'a [u8] {
    value
}

#[iast::source(origin = "http.body", name = what)]
fn raw_body<'a>(what: &str, body: &'a [u8]) -> &'a [u8] {
    body
}

/// Records every parameter of a query string (`a=1&b=x+y`), name and value, decoded.
pub(crate) fn record_query(query: &str) {
    for (name, value) in pairs(query) {
        query_parameter(&name, &value);
    }
}

/// Records one request header: a `Cookie` header as its cookies, a protocol header
/// ([`PROTOCOL_HEADERS`]) as a strict source, any other as it is. `name` is lowercase, as
/// both frameworks' header names are.
pub(crate) fn record_header(name: &str, value: &[u8]) {
    if name == "cookie" {
        for pair in std::str::from_utf8(value).unwrap_or_default().split(';') {
            if let Some((n, v)) = pair.split_once('=') {
                cookie_value(n.trim(), v.trim());
            }
        }
    } else if is_protocol_header(name) {
        protocol_header(name, value);
    } else if name == iast::fleet::HEADER
        && iast::fleet::trusts()
        && let Some(rest) = iast::fleet::without_own(value)
    {
        // A trusted entry's names and hashes are no input of the request.
        if !rest.is_empty() {
            header_value(name, &rest);
        }
    } else {
        header_value(name, value);
    }
}

/// What a body holds, from its `Content-Type`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum BodyKind {
    Json,
    Form,
    Multipart(String),
    Html,
    Other,
}

/// The kind of a body whose `Content-Type` is `content_type` (`None` when there is none).
pub(crate) fn body_kind(content_type: Option<&[u8]>) -> BodyKind {
    let value = content_type
        .and_then(|v| std::str::from_utf8(v).ok())
        .unwrap_or_default();
    let mut params = value.split(';');
    let essence = params.next().unwrap_or_default().trim();
    let is = |name: &str| essence.eq_ignore_ascii_case(name);
    let json_suffix = essence
        .len()
        .checked_sub(5)
        .is_some_and(|at| essence.as_bytes()[at..].eq_ignore_ascii_case(b"+json"));
    if is("application/json") || json_suffix {
        BodyKind::Json
    } else if is("application/x-www-form-urlencoded") {
        BodyKind::Form
    } else if is("multipart/form-data") {
        params
            .filter_map(|p| p.split_once('='))
            .find(|(k, _)| k.trim().eq_ignore_ascii_case("boundary"))
            .map(|(_, b)| BodyKind::Multipart(b.trim().trim_matches('"').to_owned()))
            .unwrap_or(BodyKind::Other)
    } else if is("text/html") || is("application/xhtml+xml") {
        BodyKind::Html
    } else {
        BodyKind::Other
    }
}

/// Records a request body of `kind`: JSON field by field, form and multipart fields by name,
/// anything else (and JSON that does not parse) whole.
pub(crate) fn record_body(kind: &BodyKind, bytes: &[u8]) {
    if bytes.is_empty() {
        return;
    }
    match kind {
        BodyKind::Json => match serde_json::from_slice(bytes) {
            Ok(value) => {
                record_json(&value, &mut String::new());
            }
            Err(_) => {
                raw_body("body", bytes);
            }
        },
        BodyKind::Form => {
            for (name, value) in pairs(&String::from_utf8_lossy(bytes)) {
                form_field(&name, &value);
            }
        }
        BodyKind::Multipart(boundary) => {
            for part in crate::multipart::parts(bytes, boundary.as_bytes()) {
                let name = String::from_utf8_lossy(part.name);
                multipart_field(&name, part.value);
                if let Some(file) = part.filename {
                    multipart_field(&format!("{name} (file name)"), file);
                }
            }
        }
        BodyKind::Html | BodyKind::Other => {
            raw_body("body", bytes);
        }
    }
}

/// Objects and arrays of a JSON body up to this size in serde_json's compact form are also
/// recorded whole. An object where the application expected a string (`{"$ne":null}` put
/// into a MongoDB filter) is then found whole in the document the application serializes;
/// its keys alone (`$ne`) are too short to be told from the program's own text. Sizes are
/// summed from the leaves up, so only a node whose parts fit is written out, and the writing
/// stops at this size: a body costs at most this many bytes per node.
const MAX_WHOLE_JSON: usize = 256;

/// Records the string leaves and keys of a JSON value, each named by its JSON pointer
/// (RFC 6901), and its small objects and arrays whole; returns at least the size of its
/// compact form (its text before escapes). serde_json's parser limits nesting to 128 levels,
/// so the recursion is bounded.
fn record_json(value: &serde_json::Value, pointer: &mut String) -> usize {
    let size = match value {
        serde_json::Value::String(s) => {
            json_field(pointer_or_root(pointer), s);
            return s.len().saturating_add(2);
        }
        serde_json::Value::Array(items) => {
            let mut size = items.len().saturating_add(1);
            for (i, item) in items.iter().enumerate() {
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&i.to_string());
                size = size.saturating_add(record_json(item, pointer));
                pointer.truncate(len);
            }
            size
        }
        serde_json::Value::Object(members) => {
            let mut size = members.len().saturating_add(1);
            for (key, item) in members {
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&key.replace('~', "~0").replace('/', "~1"));
                json_field(pointer, key);
                size = size
                    .saturating_add(key.len() + 3)
                    .saturating_add(record_json(item, pointer));
                pointer.truncate(len);
            }
            size
        }
        // `1`, `true`, `null`: their compact forms are at least one byte.
        _ => return 1,
    };
    if size <= MAX_WHOLE_JSON
        && let Some(whole) = compact(value)
    {
        json_whole(pointer_or_root(pointer), &whole);
    }
    size
}

/// `value` in serde_json's compact form, when that is at most [`MAX_WHOLE_JSON`] bytes; the
/// writing stops there.
fn compact(value: &serde_json::Value) -> Option<String> {
    struct Capped(Vec<u8>);
    impl std::io::Write for Capped {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            if self.0.len() + bytes.len() > MAX_WHOLE_JSON {
                return Err(std::io::ErrorKind::FileTooLarge.into());
            }
            self.0.extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut out = Capped(Vec::new());
    serde_json::to_writer(&mut out, value).ok()?;
    String::from_utf8(out.0).ok()
}

fn pointer_or_root(pointer: &str) -> &str {
    if pointer.is_empty() { "/" } else { pointer }
}

/// `a=1&b=x+y` as decoded pairs.
fn pairs(text: &str) -> impl Iterator<Item = (Cow<'_, str>, Cow<'_, str>)> + '_ {
    text.split('&').filter(|p| !p.is_empty()).map(|p| {
        let (k, v) = p.split_once('=').unwrap_or((p, ""));
        (decode(k), decode(v))
    })
}

fn decode(text: &str) -> Cow<'_, str> {
    if !text.contains(['%', '+']) {
        return Cow::Borrowed(text);
    }
    let text = text.replace('+', " ");
    Cow::Owned(
        percent_encoding::percent_decode_str(&text)
            .decode_utf8_lossy()
            .into_owned(),
    )
}
