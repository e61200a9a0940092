//! A context per request for axum, with the request as sources and the response as sinks
//! (feature `axum`).
//!
//! ```no_run
//! use axum::{Router, routing::get};
//! let app: Router = Router::new()
//!     .route("/", get(|| async { "hello" }))
//!     .layer(iast_sinks::axum::IastLayer::new());
//! ```
//!
//! Every request runs in its own [`iast::Context`], bound to the request's future, so its
//! taint follows it across `.await` points and never meets another request's; tasks the
//! handler spawns carry it when spawned with `iast::spawn`. Add the layer with
//! `Router::layer` (after the routes), so that it runs once routing is done: findings then
//! name the matched route (`GET /items/{id}`), and the path parameters are known.
//!
//! **Sources**, each named in findings by what it is:
//! - the parameters the route pattern captures (`{id}`: path parameter `id`); literal
//!   segments are the program's own text and are not recorded;
//! - every query parameter (name and value), cookie and header; the protocol headers
//!   ([`PROTOCOL_HEADERS`]: `Accept*`, `User-Agent`, `Content-Type`, `Host`, ...) are strict
//!   sources, whose values coincide with the program's own text as a rule: a match of one of
//!   them counts only as a whole value that changes the structure of the argument, or as its
//!   very buffer;
//! - JSON bodies field by field (named by JSON pointer, `/user/name`, keys included), form
//!   fields, multipart fields (named by their `name`; file names too), and any other body as
//!   one raw value, up to the layer's body limit (1 MiB by default).
//!
//! **Response checks**, attributed to the route: an HTML body (XSS), `Location` (open
//! redirect), and the headers where a tainted value does harm although the `http` crate
//! rejects CR and LF in header values (so an echoed value cannot split the response):
//! `Set-Cookie` (the attacker sets cookie attributes or other cookies) and
//! `Access-Control-Allow-Origin` (a reflected origin opens the API to any site).
//!
//! **Findings** are published when the request's context ends, however the request ends
//! (answered, dropped by a client that hung up or by a timeout, or outlived by a task that
//! carries the context and publishes when it finishes). They are emitted as `tracing` events
//! (target `iast`, level `WARN`; fields in [`RequestFinding`]'s docs and the README) and kept
//! in a process-wide log, one entry per flow (fingerprint) with a count and first
//! and last time seen, which tests and tools read with [`findings`] and [`take_findings`].
//! Repeats never evict a new flow: the log holds [`MAX_LOGGED`] distinct flows, and counts
//! in [`dropped_findings`] what came after.

/// Spawn a task or blocking closure that stays in the request's context (plain
/// `tokio::spawn` does not carry it).
pub use iast::{spawn, spawn_blocking};

use axum::body::{Body, HttpBody};
use axum::extract::{FromRequestParts, MatchedPath, RawPathParams};
use http::{HeaderMap, Request, Response, header};
use std::borrow::Cow;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::task::{Context as TaskContext, Poll};
use std::time::SystemTime;
use tower::{Layer, Service};

/// Bodies larger than this are passed on unread: reading them would hold the whole request
/// in memory twice.
const DEFAULT_MAX_BODY: usize = 1 << 20;
/// Distinct flows kept in the process-wide log; new flows past it are counted in
/// [`dropped_findings`]. Repeats of a kept flow only update its entry.
pub const MAX_LOGGED: usize = 10_000;

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

/// The tower layer: wrap an axum `Router` with `.layer(IastLayer::new())`.
#[derive(Debug, Clone)]
pub struct IastLayer {
    max_body: usize,
}

impl Default for IastLayer {
    fn default() -> Self {
        IastLayer::new()
    }
}

impl IastLayer {
    /// The layer: a context per request, its findings published to [`findings`] and as
    /// `tracing` events when the request ends.
    pub fn new() -> IastLayer {
        crate::warn_if_disabled();
        IastLayer {
            max_body: DEFAULT_MAX_BODY,
        }
    }

    /// The largest request or response body the layer reads (1 MiB by default). Larger or
    /// unsized (streamed) bodies pass through unread and unchecked.
    pub fn max_body(mut self, bytes: usize) -> IastLayer {
        self.max_body = bytes;
        self
    }
}

impl<S> Layer<S> for IastLayer {
    type Service = IastService<S>;

    fn layer(&self, inner: S) -> IastService<S> {
        IastService {
            inner,
            max_body: self.max_body,
        }
    }
}

/// The service [`IastLayer`] wraps around the application.
#[derive(Debug, Clone)]
pub struct IastService<S> {
    inner: S,
    max_body: usize,
}

impl<S> Service<Request<Body>> for IastService<S>
where
    S: Service<Request<Body>, Response = Response<Body>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
{
    type Response = Response<Body>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response<Body>, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut TaskContext<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        // The service that was polled ready takes this request; a fresh clone waits for the
        // next one.
        let ready = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, ready);
        let max_body = self.max_body;
        Box::pin(async move {
            warn_of_sinks_outside_context();
            let context = iast::Context::new();
            // Cheap clones (the URI shares its bytes); text only for a request with findings.
            let method = request.method().clone();
            let uri = request.uri().clone();
            if let Some(matched) = request.extensions().get::<MatchedPath>() {
                context.set_route(route(method.as_str(), matched.as_str()));
            }
            // Published when the context ends, however the request ends: answered, dropped
            // (a client that hung up, a timeout), or outlived by a task carrying the context.
            context.on_end(move |report| publish(method.as_str(), &uri.to_string(), report));
            context
                .bind(async move {
                    let request = record_request(request, max_body).await;
                    let response = inner.call(request).await?;
                    Ok(check_response(response, max_body).await)
                })
                .await
        })
    }
}

/// Routes kept per thread: an application has a fixed set, and every request to one shares
/// its route's text instead of copying it.
const MAX_KEPT_ROUTES: usize = 256;

/// The route of `method` and `pattern`, shared with earlier requests to it.
fn route(method: &str, pattern: &str) -> iast::Route {
    thread_local! {
        static ROUTES: std::cell::RefCell<Vec<iast::Route>> = const {
            std::cell::RefCell::new(Vec::new())
        };
    }
    let make = || iast::Route::new(method, pattern);
    ROUTES
        .try_with(|routes| {
            let Ok(mut routes) = routes.try_borrow_mut() else {
                return make();
            };
            if let Some(r) = routes
                .iter()
                .find(|r| r.method() == method && r.pattern() == pattern)
            {
                return r.clone();
            }
            if routes.len() >= MAX_KEPT_ROUTES {
                routes.clear();
            }
            let r = make();
            routes.push(r.clone());
            r
        })
        .unwrap_or_else(|_| make())
}

// The sources hand back what they are given, borrowed: the layer only needs the values
// recorded (the handler reads the request itself), and a copy per value would be an
// allocation per parameter and header of every request.

#[iast::source(origin = "http.path", name = name)]
fn path_parameter<'a>(name: &str, value: &'a str) -> &'a str {
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

#[iast::sink(xss)]
fn response_html(body: &[u8]) {
    let _ = body;
}

#[iast::sink(redirect)]
fn response_location(location: &[u8]) {
    let _ = location;
}

#[iast::sink(header, args(value))]
fn response_header(name: &str, value: &[u8]) {
    let _ = (name, value);
}

async fn record_request(request: Request<Body>, max_body: usize) -> Request<Body> {
    let (mut parts, body) = request.into_parts();
    // The captured parameters only: a literal segment is the route's own text. A pattern
    // without a capture has none to read.
    let captures = parts
        .extensions
        .get::<MatchedPath>()
        .is_none_or(|m| m.as_str().contains(['{', '*', ':']));
    if captures && let Ok(params) = RawPathParams::from_request_parts(&mut parts, &()).await {
        for (name, value) in &params {
            path_parameter(name, value);
        }
    }
    if let Some(query) = parts.uri.query() {
        for (name, value) in pairs(query) {
            query_parameter(&name, &value);
        }
    }
    for (name, value) in &parts.headers {
        if name == header::COOKIE {
            for pair in value.to_str().unwrap_or_default().split(';') {
                if let Some((n, v)) = pair.split_once('=') {
                    cookie_value(n.trim(), v.trim());
                }
            }
        } else if is_protocol_header(name.as_str()) {
            protocol_header(name.as_str(), value.as_bytes());
        } else {
            header_value(name.as_str(), value.as_bytes());
        }
    }
    let kind = body_kind(&parts.headers);
    // An empty body is passed on as it is: nothing to record, and no new body to allocate.
    if !fits(&body, max_body) || body.size_hint().exact() == Some(0) {
        return Request::from_parts(parts, body);
    }
    let Ok(bytes) = axum::body::to_bytes(body, max_body).await else {
        // Unreachable for a body whose exact size fits; the handler gets an empty body
        // rather than a failure of the layer's making.
        return Request::from_parts(parts, Body::empty());
    };
    if bytes.is_empty() {
        return Request::from_parts(parts, Body::from(bytes));
    }
    match kind {
        BodyKind::Json => match serde_json::from_slice(&bytes) {
            Ok(value) => {
                record_json(&value, &mut String::new());
            }
            Err(_) => {
                raw_body("body", &bytes);
            }
        },
        BodyKind::Form => {
            for (name, value) in pairs(&String::from_utf8_lossy(&bytes)) {
                form_field(&name, &value);
            }
        }
        BodyKind::Multipart(boundary) => {
            for part in crate::multipart::parts(&bytes, boundary.as_bytes()) {
                let name = String::from_utf8_lossy(part.name);
                multipart_field(&name, part.value);
                if let Some(file) = part.filename {
                    multipart_field(&format!("{name} (file name)"), file);
                }
            }
        }
        BodyKind::Html | BodyKind::Other => {
            raw_body("body", &bytes);
        }
    }
    Request::from_parts(parts, Body::from(bytes))
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

async fn check_response(response: Response<Body>, max_body: usize) -> Response<Body> {
    let (parts, body) = response.into_parts();
    // The layer's own checks: attributed to the route, not to a line of the layer.
    iast::with_call_site(None, || {
        if let Some(location) = parts.headers.get(header::LOCATION) {
            response_location(location.as_bytes());
        }
        for name in [header::SET_COOKIE, header::ACCESS_CONTROL_ALLOW_ORIGIN] {
            for value in parts.headers.get_all(&name) {
                response_header(name.as_str(), value.as_bytes());
            }
        }
    });
    if body_kind(&parts.headers) != BodyKind::Html || !fits(&body, max_body) {
        return Response::from_parts(parts, body);
    }
    match axum::body::to_bytes(body, max_body).await {
        Ok(bytes) => {
            iast::with_call_site(None, || response_html(&bytes));
            Response::from_parts(parts, Body::from(bytes))
        }
        Err(_) => Response::from_parts(parts, Body::empty()),
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum BodyKind {
    Json,
    Form,
    Multipart(String),
    Html,
    Other,
}

fn body_kind(headers: &HeaderMap) -> BodyKind {
    let value = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
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

/// Whether a body has an exact size within the limit, so reading it whole is safe.
fn fits(body: &Body, max_body: usize) -> bool {
    body.size_hint()
        .exact()
        .is_some_and(|n| n as usize <= max_body)
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

/// One flow found while serving requests: its most telling finding and the request that
/// showed it, how often the flow was seen, and when first and last.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RequestFinding {
    /// The method of the request that produced [`RequestFinding::finding`].
    pub method: String,
    /// The path and query of the request that produced [`RequestFinding::finding`], as
    /// received (attacker-controlled: escape it to show it).
    pub uri: String,
    /// The most telling finding of the flow (highest confidence, then shortest evidence).
    pub finding: iast::Finding,
    /// Requests that showed the flow.
    pub count: u64,
    /// When a request first showed the flow.
    pub first_seen: SystemTime,
    /// When a request last showed it.
    pub last_seen: SystemTime,
}

impl std::fmt::Display for RequestFinding {
    /// The request (escaped), how often the flow was seen, then the finding's text.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "{} {} (seen {} time{})",
            self.method,
            self.uri.escape_debug(),
            self.count,
            if self.count == 1 { "" } else { "s" }
        )?;
        write!(f, "{}", self.finding)
    }
}

struct Log {
    /// In first-seen order.
    findings: Vec<RequestFinding>,
    by_fingerprint: HashMap<String, usize>,
    dropped: u64,
}

static LOG: Mutex<Option<Log>> = Mutex::new(None);

fn with_log<R>(f: impl FnOnce(&mut Log) -> R) -> R {
    let mut log = LOG.lock().unwrap_or_else(|e| e.into_inner());
    f(log.get_or_insert_with(|| Log {
        findings: Vec::new(),
        by_fingerprint: HashMap::new(),
        dropped: 0,
    }))
}

fn publish(method: &str, uri: &str, report: &iast::Report) {
    let now = SystemTime::now();
    for finding in report.findings() {
        emit(method, uri, finding);
        with_log(|log| match log.by_fingerprint.get(finding.fingerprint()) {
            Some(&i) => {
                let entry = &mut log.findings[i];
                entry.count += 1;
                entry.last_seen = now;
                if finding.more_telling(&entry.finding) {
                    entry.finding = finding.clone();
                    entry.method = method.to_owned();
                    entry.uri = uri.to_owned();
                }
            }
            None if log.findings.len() < MAX_LOGGED => {
                log.by_fingerprint
                    .insert(finding.fingerprint().to_owned(), log.findings.len());
                log.findings.push(RequestFinding {
                    method: method.to_owned(),
                    uri: uri.to_owned(),
                    finding: finding.clone(),
                    count: 1,
                    first_seen: now,
                    last_seen: now,
                });
            }
            None => log.dropped += 1,
        });
    }
}

/// One `tracing` event per finding, target `iast`, level `WARN`. Every value from the
/// request is escaped (`escape_debug`), and the evidence is redacted as in reports.
fn emit(method: &str, uri: &str, finding: &iast::Finding) {
    // The application's line; for a check of the response, the route.
    let location = match (finding.call_site(), finding.route()) {
        (Some(call), _) => format!("{}:{}", call.file(), call.line()),
        (None, Some(route)) => route.to_string(),
        (None, None) => format!("{}:{}", finding.sink().file(), finding.sink().line()),
    };
    let function = finding
        .call_site()
        .and_then(|c| c.function())
        .unwrap_or_default();
    let route = finding.route().map(|r| r.to_string()).unwrap_or_default();
    let sources: Vec<String> = finding.sources().iter().map(|s| s.describe()).collect();
    let evidence = finding.evidence();
    let tainted: Vec<&str> = evidence.tainted_text().collect();
    tracing::warn!(
        target: "iast",
        rule = finding.vulnerability().rule_id(),
        confidence = %finding.confidence(),
        location = %location.escape_debug(),
        function = %function.escape_debug(),
        route = %route.escape_debug(),
        sink = finding.sink().function(),
        sources = %sources.join(", ").escape_debug(),
        fingerprint = finding.fingerprint(),
        argument = %evidence.argument.escape_debug(),
        evidence = %evidence.value.escape_debug(),
        tainted = %tainted.join(" | ").escape_debug(),
        method,
        uri = %uri.escape_debug(),
        "{} ({}) at {} from {}",
        finding.vulnerability().rule_id(),
        finding.confidence(),
        location.escape_debug(),
        sources.join(", ").escape_debug(),
    );
}

/// Says (a `tracing` warning, target `iast`) that sinks ran outside any request's context
/// while requests were in flight: work the handlers started with `tokio::spawn`,
/// `spawn_blocking` or `std::thread::spawn`, where taint is not followed. Said when the count
/// first passes each power of two, so that a steady trickle is not a warning per request; one
/// relaxed load per request otherwise.
fn warn_of_sinks_outside_context() {
    use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
    static WARNED_AT: AtomicU64 = AtomicU64::new(0);
    let count = iast::sinks_outside_context();
    let warned = WARNED_AT.load(Relaxed);
    if count == 0 || count < warned.saturating_mul(2).max(1) {
        return;
    }
    if WARNED_AT
        .compare_exchange(warned, count, Relaxed, Relaxed)
        .is_ok()
    {
        tracing::warn!(
            target: "iast",
            sinks_outside_context = count,
            "iast: {count} sink call(s) ran outside any request's context while requests were \
             in flight, where taint is not followed: start the handlers' tasks and threads with \
             iast::spawn, iast::spawn_blocking or iast::thread::spawn"
        );
    }
}

/// Every flow found by the layer in this process so far, one entry each, in the order they
/// were first seen.
pub fn findings() -> Vec<RequestFinding> {
    with_log(|log| log.findings.clone())
}

/// Takes the flows found so far, leaving the log empty.
pub fn take_findings() -> Vec<RequestFinding> {
    with_log(|log| {
        log.by_fingerprint.clear();
        std::mem::take(&mut log.findings)
    })
}

/// New flows not kept because the log held [`MAX_LOGGED`] distinct flows.
pub fn dropped_findings() -> u64 {
    with_log(|log| log.dropped)
}
