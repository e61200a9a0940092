//! The response checks that need no taint: cookies set without `Secure`, `HttpOnly` or
//! `SameSite` (or with `SameSite=None`), an HTML page over HTTPS without
//! `Strict-Transport-Security`, an HTML response without `X-Content-Type-Options: nosniff`,
//! and a panic or backtrace in a body.
//!
//! Each finding is attributed to the request's route, and is one flow per route, check and
//! cookie name however many requests show it: the context of each request dedupes within
//! it, and the process-wide log ([`super::findings`]) keeps one entry per fingerprint and
//! emits its `tracing` event once. Each class is switched off in `iast.toml`
//! (`[classes] insecure_cookie = false`).

use super::BodyKind;
use iast::__private::{ClassSet, Item, ItemKind, Vulnerability};

/// The registry entry of a response check: a sink of its classes, so that reports list it
/// among the sinks reached and `cargo iast` among those never reached.
macro_rules! check {
    ($item:ident, $name:literal, $arg:literal, [$($class:ident),+]) => {
        #[iast::__private::linkme::distributed_slice(iast::__private::ITEMS)]
        #[linkme(crate = iast::__private::linkme)]
        static $item: Item = iast::__private::item(
            ItemKind::Sink {
                classes: ClassSet::of(&[$(Vulnerability::$class),+]),
                args: &[$arg],
                serialized: false,
            },
            concat!(module_path!(), "::", $name),
            file!(),
            line!(),
            env!("CARGO_PKG_NAME"),
            env!("CARGO_MANIFEST_DIR"),
        );
    };
}

check!(
    COOKIE,
    "response_cookie",
    "set-cookie",
    [InsecureCookie, NoHttpOnlyCookie, NoSameSiteCookie]
);
check!(
    HEADERS,
    "response_security_headers",
    "headers",
    [HstsHeaderMissing, XContentTypeHeaderMissing]
);
check!(BODY, "response_body_leak", "body", [StacktraceLeak]);

/// What the checks of one response gather from its status and headers.
pub(crate) struct ResponseChecks {
    /// Whether the request's context is the layer's own, whose findings go to the log alone.
    own: bool,
    https: bool,
    status: u16,
    kind: BodyKind,
    /// Text, JSON or XML, or of no declared type: a body a panic message can be in.
    textual: bool,
    hsts: Header,
    nosniff: Header,
}

/// What a response said in a security header it may send more than once.
#[derive(Default)]
struct Header {
    /// Whether one of its values does the header's job.
    on: bool,
    /// The first value that does not (`max-age=0`), shown when none does.
    value: Vec<u8>,
}

impl Header {
    fn note(&mut self, on: bool, value: &[u8]) {
        if !on && !self.on && self.value.is_empty() {
            self.value = value.to_vec();
        }
        self.on |= on;
    }

    /// Whether no value did the job.
    fn missing(&self) -> bool {
        !self.on
    }

    /// What is shown of it: the header as the response had it, or `(missing)`.
    fn shown(&self, name: &str) -> Vec<u8> {
        let mut shown = format!("{name}: ").into_bytes();
        if self.value.is_empty() {
            shown.extend_from_slice(b"(missing)");
        } else {
            shown.extend_from_slice(&self.value);
        }
        shown
    }
}

impl ResponseChecks {
    /// The checks of a response with `status` and `content_type` to a request that came
    /// over HTTPS or not (`https`).
    /// `own`: the request is in a context of the layer's own (see [`ResponseChecks::report`]).
    pub(crate) fn new(
        own: bool,
        https: bool,
        status: u16,
        content_type: Option<&[u8]>,
    ) -> ResponseChecks {
        ResponseChecks {
            own,
            https,
            status,
            kind: super::body_kind(content_type),
            textual: textual(content_type),
            hsts: Header::default(),
            nosniff: Header::default(),
        }
    }

    /// Checks one response header (`name` lowercase): for taint (see `response`), and for
    /// what the weakness checks need.
    pub(crate) fn header(&mut self, name: &str, value: &[u8]) {
        super::check_response_header(name, value);
        if !iast::__private::ENABLED {
            return;
        }
        match name {
            "set-cookie" => self.cookie(value),
            "strict-transport-security" => self.hsts.note(hsts_on(value), value),
            "x-content-type-options" => {
                // The first item: a proxy that appends a copy makes `nosniff, nosniff`.
                let first = value.split(|b| *b == b',').next().unwrap_or_default();
                let on = first.trim_ascii().eq_ignore_ascii_case(b"nosniff");
                self.nosniff.note(on, value);
            }
            _ => {}
        }
    }

    /// Judges the headers once they are all seen.
    pub(crate) fn headers_done(&self) {
        if !iast::__private::ENABLED || (100..200).contains(&self.status) {
            return;
        }
        iast::__private::response_checked(&HEADERS);
        // The pages a browser navigates to: an API's answers and redirects set nothing a
        // browser keeps for the site.
        let html = self.kind == BodyKind::Html;
        if self.https && html && self.hsts.missing() {
            let class = Vulnerability::HstsHeaderMissing;
            let shown = || self.hsts.shown("strict-transport-security");
            self.report(&HEADERS, class, None, "headers", shown);
        }
        // A response with no body to sniff needs no header.
        let bodiless = matches!(self.status, 204 | 304);
        if html && !bodiless && self.nosniff.missing() {
            let class = Vulnerability::XContentTypeHeaderMissing;
            let shown = || self.nosniff.shown("x-content-type-options");
            self.report(&HEADERS, class, None, "headers", shown);
        }
    }

    /// Whether the body is read for its checks: an HTML page (XSS, and leaks), and an error
    /// response in text or JSON, where panics leak. A successful non-HTML response is passed
    /// on unread: reading every JSON answer of an API would cost more than the rare leak in
    /// one is worth.
    pub(crate) fn reads_body(&self) -> bool {
        self.kind == BodyKind::Html || (self.status >= 400 && self.textual)
    }

    /// Checks a body read whole.
    pub(crate) fn body(&self, bytes: &[u8]) {
        if self.kind == BodyKind::Html {
            super::check_html(bytes);
        }
        if !iast::__private::ENABLED {
            return;
        }
        iast::__private::response_checked(&BODY);
        if let Some(shown) = super::panic_leak::find(bytes) {
            self.report(&BODY, Vulnerability::StacktraceLeak, None, "body", || shown);
        }
    }

    /// Reports a weakness of the response. A weakness is the same on every request to its
    /// route, so once the process-wide log holds it, a request in a context of the layer's own
    /// only counts in its entry: no finding is built, and the context ends with nothing to
    /// publish. A request that joined a test's context always gets the finding in its report.
    fn report(
        &self,
        check: &'static Item,
        class: Vulnerability,
        subject: Option<&str>,
        argument: &'static str,
        shown: impl FnOnce() -> Vec<u8>,
    ) {
        if self.own && super::log::seen_again(class, subject) {
            return;
        }
        iast::__private::weakness(check, class, subject, argument, &shown());
    }

    /// Judges one `Set-Cookie` as a browser parses it, and reports each attribute it lacks.
    /// A cookie being deleted (an empty value, `Max-Age` of 0 or less, or an `Expires` in the
    /// past) carries nothing to protect and is left alone, as is a value that does not parse.
    fn cookie(&self, value: &[u8]) {
        let Ok(text) = std::str::from_utf8(value) else {
            return;
        };
        let Ok(cookie) = cookie::Cookie::parse(text) else {
            return;
        };
        iast::__private::response_checked(&COOKIE);
        // `Max-Age` wins over `Expires`, as in browsers.
        let expired = match cookie.max_age() {
            Some(age) => age.whole_seconds() <= 0,
            None => cookie
                .expires_datetime()
                .is_some_and(|at| at <= cookie::time::OffsetDateTime::now_utc()),
        };
        if cookie.value_trimmed().is_empty() || expired {
            return;
        }
        let lacks = [
            (cookie.secure() != Some(true), Vulnerability::InsecureCookie),
            (
                cookie.http_only() != Some(true),
                Vulnerability::NoHttpOnlyCookie,
            ),
            // `None` sends it on every other site's request, as no attribute did before
            // browsers defaulted to `Lax` (CWE-1275 covers both).
            (
                !matches!(
                    cookie.same_site(),
                    Some(cookie::SameSite::Strict | cookie::SameSite::Lax)
                ),
                Vulnerability::NoSameSiteCookie,
            ),
        ];
        // The value is a credential as often as not: the evidence shows the name and the
        // attributes, never the value.
        let shown = || {
            let attributes = text.find(';').map_or("", |at| &text[at..]);
            let mut shown = format!("{}=", cookie.name()).into_bytes();
            shown.extend_from_slice(iast::__private::REDACTED);
            shown.extend_from_slice(attributes.as_bytes());
            shown
        };
        // Cookies named after an id (`viewed_1042`) are one cookie of the code that sets them.
        let subject = numbers_folded(cookie.name());
        for (_, class) in lacks.iter().filter(|(lacks, _)| *lacks) {
            self.report(&COOKIE, *class, Some(&subject), "set-cookie", shown);
        }
    }
}

/// Whether the request came over HTTPS: what a proxy that terminated TLS forwarded
/// (`X-Forwarded-Proto`, or `proto=` in `Forwarded`), or else the URI's scheme (HTTP/2, or a
/// request in absolute form). A client that sends these itself to a plain-HTTP service gets
/// at worst a finding of a missing HSTS header, which has no effect over plain HTTP either.
/// TLS that the application's own server terminates under HTTP/1.1 leaves no trace in the
/// request, so such a service's HSTS is not judged. (actix-web's connection info says the
/// same for its middleware.)
#[cfg(feature = "axum")]
pub(crate) fn https<'a>(scheme: Option<&str>, header: impl Fn(&str) -> Option<&'a [u8]>) -> bool {
    let first = |v: &'a [u8]| {
        v.split(|b| *b == b',')
            .next()
            .unwrap_or_default()
            .trim_ascii()
    };
    // A proxy that terminated TLS says so, whatever the scheme of its request to us.
    if let Some(proto) = header("x-forwarded-proto") {
        return first(proto).eq_ignore_ascii_case(b"https");
    }
    if scheme.is_some_and(|s| s.eq_ignore_ascii_case("https")) {
        return true;
    }
    header("forwarded").is_some_and(|forwarded| {
        first(forwarded)
            .split(|b| *b == b';')
            .filter_map(pair)
            .any(|(name, value)| {
                name.eq_ignore_ascii_case(b"proto") && value.eq_ignore_ascii_case(b"https")
            })
    })
}

/// `name=value` with the spaces around each trimmed and the quotes around the value taken
/// off; `None` without `=`.
fn pair(text: &[u8]) -> Option<(&[u8], &[u8])> {
    let eq = text.iter().position(|b| *b == b'=')?;
    let value = text[eq + 1..].trim_ascii();
    let value = value
        .strip_prefix(b"\"")
        .and_then(|v| v.strip_suffix(b"\""))
        .unwrap_or(value);
    Some((text[..eq].trim_ascii(), value))
}

/// Whether a body of this `Content-Type` is text a panic message can be in.
fn textual(content_type: Option<&[u8]>) -> bool {
    let Some(value) = content_type else {
        return true;
    };
    let essence = value
        .split(|b| *b == b';')
        .next()
        .unwrap_or_default()
        .trim_ascii()
        .to_ascii_lowercase();
    essence.starts_with(b"text/") || essence.ends_with(b"json") || essence.ends_with(b"xml")
}

/// Whether a `Strict-Transport-Security` value turns HSTS on: a `max-age` above 0
/// (`max-age=0` tells the browser to forget it).
fn hsts_on(value: &[u8]) -> bool {
    value
        .split(|b| *b == b';')
        .filter_map(pair)
        .any(|(name, age)| {
            name.eq_ignore_ascii_case(b"max-age")
                && !age.is_empty()
                && age.iter().all(u8::is_ascii_digit)
                && age.iter().any(|d| *d != b'0')
        })
}

/// `name` with each run of ASCII digits written `{n}`.
fn numbers_folded(name: &str) -> std::borrow::Cow<'_, str> {
    if !name.bytes().any(|b| b.is_ascii_digit()) {
        return std::borrow::Cow::Borrowed(name);
    }
    let mut folded = String::with_capacity(name.len());
    let mut in_number = false;
    for c in name.chars() {
        if c.is_ascii_digit() {
            if !in_number {
                folded.push_str("{n}");
            }
            in_number = true;
        } else {
            folded.push(c);
            in_number = false;
        }
    }
    std::borrow::Cow::Owned(folded)
}
