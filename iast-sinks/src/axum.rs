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
//! handler spawns carry it when spawned with `iast::spawn`. The layer taints the path
//! segments, every query parameter, header and cookie value, and the string leaves (and map
//! keys) of JSON and form bodies. On the way out it checks the response: an HTML body for
//! XSS, `Location` for open redirect, every header value for header injection. Each finding
//! is emitted as a `tracing` event (target `iast`) and kept in a process-wide log that tests
//! and tools read with [`findings`] and [`take_findings`].

/// Spawn a task or blocking closure that stays in the request's context (plain
/// `tokio::spawn` does not carry it).
pub use iast::{spawn, spawn_blocking};

use axum::body::{Body, HttpBody};
use http::{HeaderMap, Request, Response, header};
use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::task::{Context as TaskContext, Poll};
use tower::{Layer, Service};

/// Bodies larger than this are passed on unread: reading them would hold the whole request
/// in memory twice.
const DEFAULT_MAX_BODY: usize = 1 << 20;
/// Findings kept in the process-wide log; later ones are counted in [`dropped_findings`].
const MAX_LOGGED: usize = 10_000;

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
    pub fn new() -> IastLayer {
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
            let context = iast::Context::new();
            // Cheap clones (the URI shares its bytes); text only for a request with findings.
            let method = request.method().clone();
            let uri = request.uri().clone();
            let result = context
                .bind(async move {
                    let request = record_request(request, max_body).await;
                    let response = inner.call(request).await?;
                    Ok(check_response(response, max_body).await)
                })
                .await;
            // Outside the context: the layer's own log lines are not the application's.
            if context.has_findings() {
                publish(method.as_str(), &uri.to_string(), &context.report());
            }
            result
        })
    }
}

// The sources hand back what they are given, borrowed: the layer only needs the values
// recorded (the handler reads the request itself), and a copy per value would be an
// allocation per parameter and header of every request.

#[iast::source(origin = "http.path")]
fn path_segment(segment: &str) -> &str {
    segment
}

#[iast::source(origin = "http.query")]
fn query_parameter<'a>(name: &'a str, value: &'a str) -> (&'a str, &'a str) {
    (name, value)
}

#[iast::source(origin = "http.header")]
fn header_value(value: &[u8]) -> &[u8] {
    value
}

#[iast::source(origin = "http.cookie")]
fn cookie_value(value: &str) -> &str {
    value
}

#[iast::source(origin = "http.body")]
fn json_body(body: serde_json::Value) -> serde_json::Value {
    body
}

#[iast::source(origin = "http.form")]
fn form_field<'a>(name: &'a str, value: &'a str) -> (&'a str, &'a str) {
    (name, value)
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
    let (parts, body) = request.into_parts();
    for segment in parts.uri.path().split('/').filter(|s| !s.is_empty()) {
        path_segment(&decode(segment, false));
    }
    if let Some(query) = parts.uri.query() {
        for (name, value) in pairs(query) {
            query_parameter(&name, &value);
        }
    }
    for (name, value) in &parts.headers {
        if name == header::COOKIE {
            for pair in value.to_str().unwrap_or_default().split(';') {
                if let Some((_, v)) = pair.split_once('=') {
                    cookie_value(v.trim());
                }
            }
        } else {
            header_value(value.as_bytes());
        }
    }
    let kind = body_kind(&parts.headers);
    if kind == BodyKind::Other || !fits(&body, max_body) {
        return Request::from_parts(parts, body);
    }
    let Ok(bytes) = axum::body::to_bytes(body, max_body).await else {
        // Unreachable for a body whose exact size fits; the handler gets an empty body
        // rather than a failure of the layer's making.
        return Request::from_parts(parts, Body::empty());
    };
    match kind {
        BodyKind::Json => {
            if let Ok(value) = serde_json::from_slice(&bytes) {
                json_body(value);
            }
        }
        BodyKind::Form => {
            for (name, value) in pairs(&String::from_utf8_lossy(&bytes)) {
                form_field(&name, &value);
            }
        }
        BodyKind::Other | BodyKind::Html => {}
    }
    Request::from_parts(parts, Body::from(bytes))
}

async fn check_response(response: Response<Body>, max_body: usize) -> Response<Body> {
    let (parts, body) = response.into_parts();
    if let Some(location) = parts.headers.get(header::LOCATION) {
        response_location(location.as_bytes());
    }
    for (name, value) in &parts.headers {
        response_header(name.as_str(), value.as_bytes());
    }
    if body_kind(&parts.headers) != BodyKind::Html || !fits(&body, max_body) {
        return Response::from_parts(parts, body);
    }
    match axum::body::to_bytes(body, max_body).await {
        Ok(bytes) => {
            response_html(&bytes);
            Response::from_parts(parts, Body::from(bytes))
        }
        Err(_) => Response::from_parts(parts, Body::empty()),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BodyKind {
    Json,
    Form,
    Html,
    Other,
}

fn body_kind(headers: &HeaderMap) -> BodyKind {
    let value = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let essence = value.split(';').next().unwrap_or_default().trim();
    match essence {
        "application/json" => BodyKind::Json,
        e if e.ends_with("+json") => BodyKind::Json,
        "application/x-www-form-urlencoded" => BodyKind::Form,
        "text/html" | "application/xhtml+xml" => BodyKind::Html,
        _ => BodyKind::Other,
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
        (decode(k, true), decode(v, true))
    })
}

fn decode(text: &str, plus_is_space: bool) -> Cow<'_, str> {
    let encoded = text.contains('%') || (plus_is_space && text.contains('+'));
    if !encoded {
        return Cow::Borrowed(text);
    }
    let text = if plus_is_space {
        Cow::Owned(text.replace('+', " "))
    } else {
        Cow::Borrowed(text)
    };
    Cow::Owned(
        percent_encoding::percent_decode_str(&text)
            .decode_utf8_lossy()
            .into_owned(),
    )
}

/// A finding made while serving one request.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RequestFinding {
    pub method: String,
    /// The request's path and query, as received (attacker-controlled: escape it to show it).
    pub uri: String,
    pub finding: iast::Finding,
}

struct Log {
    findings: Vec<RequestFinding>,
    dropped: u64,
}

static LOG: Mutex<Log> = Mutex::new(Log {
    findings: Vec::new(),
    dropped: 0,
});

fn log() -> std::sync::MutexGuard<'static, Log> {
    LOG.lock().unwrap_or_else(|e| e.into_inner())
}

fn publish(method: &str, uri: &str, report: &iast::Report) {
    for finding in report.findings() {
        tracing::warn!(
            target: "iast",
            rule = finding.vulnerability().rule_id(),
            confidence = %finding.confidence(),
            sink = finding.sink().function(),
            method,
            uri = %uri.escape_debug(),
            fingerprint = finding.fingerprint(),
            "tainted flow into {}", finding.sink().function()
        );
        let mut log = log();
        if log.findings.len() < MAX_LOGGED {
            log.findings.push(RequestFinding {
                method: method.to_owned(),
                uri: uri.to_owned(),
                finding: finding.clone(),
            });
        } else {
            log.dropped += 1;
        }
    }
}

/// Every finding made by the layer in this process so far, in arrival order.
pub fn findings() -> Vec<RequestFinding> {
    log().findings.clone()
}

/// Takes the findings made so far, leaving the log empty.
pub fn take_findings() -> Vec<RequestFinding> {
    std::mem::take(&mut log().findings)
}

/// Findings not kept because the log held its maximum.
pub fn dropped_findings() -> u64 {
    log().dropped
}
