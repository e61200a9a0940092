//! A context per request for actix-web 4, with the request as sources and the response as
//! sinks (feature `actix-web`): what `iast_sinks::axum::IastLayer` gives axum.
//!
//! ```no_run
//! use actix_web::{App, HttpServer, web};
//! # async fn run() -> std::io::Result<()> {
//! HttpServer::new(|| {
//!     App::new()
//!         .route("/", web::get().to(|| async { "hello" }))
//!         .wrap(iast_sinks::actix_web::IastMiddleware::new())
//! })
//! .bind(("127.0.0.1", 8080))?
//! .run()
//! .await
//! # }
//! ```
//!
//! Every request runs in its own [`iast::Context`], bound to the request's future, so its
//! taint follows it across `.await` points and never meets another request's; tasks the
//! handler starts carry it when started with [`spawn_local`] (actix-web's `rt::spawn`),
//! [`spawn`] or [`spawn_blocking`] (what `web::block` does). Wrap the `App` with it last, so
//! that it is the outermost middleware and every sink of the handlers and of the other
//! middleware runs in the request's context. Findings name the route the path matches
//! (`GET /items/{id}`, scopes included).
//!
//! The sources, the response checks and the findings log are the axum layer's (the log is
//! shared, one per process, so [`findings`] lists the flows of both): the parameters the
//! route pattern captures (percent-decoded), every query parameter, cookie and header
//! (protocol headers strict), JSON bodies field by field (and small objects and arrays whole,
//! strict), form and multipart fields, and any other body as one raw value, up to the body
//! limit (1 MiB by default; a body without a `Content-Length` within it passes through
//! unread); then an HTML response body (XSS), `Location` (open redirect), and `Set-Cookie` and
//! `Access-Control-Allow-Origin` (header injection), attributed to the route, and the
//! weaknesses that need no taint (cookie attributes, HSTS for a connection actix-web's
//! connection info says is HTTPS, `nosniff`, panics in bodies). The handler
//! gets the request body, and the client the response, byte for byte (and a body that fails
//! while the middleware reads it fails the same way for them).
//!
//! The route is the one actix-web's resource map matches for the path as received, before
//! routing: a route chosen by a guard (a host-guarded scope), or matched only once the path
//! is percent-decoded, may be named differently or not at all, and then its path parameters
//! are not recorded.

pub use crate::web::{
    MAX_LOGGED, PROTOCOL_HEADERS, RequestFinding, dropped_findings, findings, take_findings,
};
/// Start a task, a local task or a blocking closure that stays in the request's context
/// (actix-web's `rt::spawn`, tokio's `spawn` and `web::block` do not carry it).
pub use iast::{spawn, spawn_blocking, spawn_local};

use crate::web::{self, BodyKind};
use actix_web::HttpMessage as _;
use actix_web::body::{self, BodySize, BoxBody, MessageBody};
use actix_web::dev::{Payload, Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::error::PayloadError;
use actix_web::http::header::{self, HeaderMap};
use actix_web::web::Bytes;
use std::future::{Future, Ready, ready};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};

/// Bodies larger than this are passed on unread: reading them would hold the whole request
/// in memory twice.
const DEFAULT_MAX_BODY: usize = 1 << 20;

/// The middleware: wrap an actix-web `App` with `.wrap(IastMiddleware::new())`.
#[derive(Debug, Clone)]
pub struct IastMiddleware {
    max_body: usize,
    service: Option<Arc<str>>,
}

impl Default for IastMiddleware {
    fn default() -> Self {
        IastMiddleware::new()
    }
}

impl IastMiddleware {
    /// The middleware: a context per request, its findings published to [`findings`] and as
    /// `tracing` events when the request ends.
    pub fn new() -> IastMiddleware {
        crate::warn_if_disabled();
        IastMiddleware {
            max_body: DEFAULT_MAX_BODY,
            service: None,
        }
    }

    /// The largest request or response body the middleware reads (1 MiB by default). Larger
    /// bodies, and bodies of unknown size (streamed, or sent without a `Content-Length`),
    /// pass through unread and unchecked.
    pub fn max_body(mut self, bytes: usize) -> IastMiddleware {
        self.max_body = bytes;
        self
    }

    /// Names the service this layer serves in the `iast.taint` entries of the requests its
    /// requests make in turn (see `iast::fleet`), in place of the process's name
    /// (`[fleet] service`): for a process that serves several services. A name that is
    /// empty or has control characters is refused with a warning.
    pub fn service(mut self, name: &str) -> Self {
        self.service = web::service_name(name);
        self
    }
}

impl<S, B> Transform<S, ServiceRequest> for IastMiddleware
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<BoxBody>;
    type Error = S::Error;
    type Transform = IastService<S>;
    type InitError = ();
    type Future = Ready<Result<IastService<S>, ()>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(IastService {
            inner: Rc::new(service),
            max_body: self.max_body,
            service: self.service.clone(),
        }))
    }
}

/// The service [`IastMiddleware`] wraps around the application.
#[derive(Debug)]
pub struct IastService<S> {
    service: Option<Arc<str>>,
    inner: Rc<S>,
    max_body: usize,
}

impl<S, B> Service<ServiceRequest> for IastService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<BoxBody>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<ServiceResponse<BoxBody>, S::Error>>>>;

    fn poll_ready(&self, cx: &mut TaskContext<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&self, request: ServiceRequest) -> Self::Future {
        let inner = Rc::clone(&self.inner);
        let max_body = self.max_body;
        // The route is known before routing runs: the application's resource map matches the
        // path the way the router will.
        let pattern = request.match_pattern();
        let scope = web::request_context(
            request.method().clone(),
            pattern.as_deref(),
            request.uri().clone(),
            self.service.as_ref(),
        );
        // The connection's scheme, or what a proxy forwarded (actix-web reads `Forwarded` and
        // `X-Forwarded-Proto` itself).
        let https = request.connection_info().scheme() == "https";
        let context = scope.context().clone();
        Box::pin(context.bind(async move {
            // Held to the end of the request, however it ends.
            let scope = scope;
            let request = record_request(request, pattern.as_deref(), max_body).await;
            // Panics are not caught: the answer needs the request, which the application
            // took (and a copy of it kept here would stop actix-web's router from writing
            // the path's parameters into it).
            let (response, blocked) = scope.serve(inner.call(request)).await;
            let response = response?;
            let forbidden = || {
                actix_web::HttpResponse::Forbidden()
                    .content_type("text/plain; charset=utf-8")
                    .body(web::FORBIDDEN)
            };
            if blocked {
                return Ok(response.into_response(forbidden()));
            }
            let response = check_response(response, scope.own(), https, max_body).await;
            Ok(match scope.refused() {
                true => response.into_response(forbidden()),
                false => response,
            })
        }))
    }
}

async fn record_request(
    mut request: ServiceRequest,
    pattern: Option<&str>,
    max_body: usize,
) -> ServiceRequest {
    web::accept_baggage(
        request
            .headers()
            .get_all(iast::fleet::HEADER)
            .map(|v| v.as_bytes()),
    );
    // The captured parameters only: a literal segment is the route's own text.
    if let Some(pattern) = pattern.filter(|p| p.contains('{')) {
        record_path_parameters(pattern, request.uri().path());
    }
    if let Some(query) = request.uri().query() {
        web::record_query(query);
    }
    for (name, value) in request.headers() {
        web::record_header(name.as_str(), value.as_bytes());
    }
    let kind = body_kind(request.headers());
    let length = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    // No body, or one of unknown or too large a size, is passed on as it is.
    if length == Some(0)
        || !has_body(&request)
        || !web::readable(false, length.map(|n| n as u64), max_body)
    {
        return request;
    }
    let payload = body::BodyStream::new(request.take_payload());
    let read = body::to_bytes_limited(payload, max_body).await;
    let bytes = match read.unwrap_or(Err(PayloadError::Overflow)) {
        Ok(bytes) => bytes,
        // A client that hung up or sent less than it announced: the handler's read fails as
        // it would have, never with an empty body it could take for the client's.
        Err(error) => {
            request.set_payload(failed_payload(error));
            return request;
        }
    };
    web::record_body(&kind, &bytes);
    request.set_payload(Payload::from(bytes));
    request
}

/// Records the parameters `pattern` captures in `path` (raw, as received), percent-decoded
/// as actix-web's `Path` extractor hands them to the handler.
fn record_path_parameters(pattern: &str, path: &str) {
    for (name, value) in captures(pattern, path) {
        let value = percent_encoding::percent_decode_str(value).decode_utf8_lossy();
        web::path_parameter(name, &value);
    }
}

/// The parameters a route pattern (`/items/{id}`, `/files/{name}.{ext:[a-z]+}`,
/// `/static/{tail}*`) captures in `path`, matched segment by segment without compiling the
/// pattern: one pass over each, no allocation but the result, and nothing that can panic
/// (actix-web's own `ResourceDef` compiles a regex and keeps its capture names for good, and
/// panics on a pattern it rejects). A segment is a literal, which must equal the path's, or one
/// capture with literal text around it; a capture whose regex may cross `/` (`{p:.*}`), or a
/// tail (`{tail}*`), takes the rest of the path. A segment with two captures is not read.
/// When the path does not have the pattern's shape (actix-web matched it after decoding it, or
/// by a guard), nothing is recorded.
fn captures<'a>(pattern: &'a str, path: &'a str) -> Vec<(&'a str, &'a str)> {
    let mut found = Vec::new();
    let mut rest = path.strip_prefix('/').unwrap_or(path);
    let pattern = pattern.strip_prefix('/').unwrap_or(pattern);
    let mut segments = Segments(pattern).peekable();
    while let Some(segment) = segments.next() {
        let last = segments.peek().is_none();
        let Some((open, close)) = capture_span(segment) else {
            // A literal segment: the path's must be the same.
            let (here, after) = rest.split_once('/').unwrap_or((rest, ""));
            if here != segment {
                return Vec::new();
            }
            rest = after;
            continue;
        };
        let (prefix, inner, suffix) = (
            &segment[..open],
            &segment[open + 1..close],
            &segment[close + 1..],
        );
        let (name, regex) = inner.split_once(':').unwrap_or((inner, ""));
        let tail = suffix == "*" || regex.contains(".*") || regex.contains(".+");
        if tail && last {
            let value = rest.strip_prefix(prefix).unwrap_or(rest);
            found.push((name.trim(), value));
            return found;
        }
        let (here, after) = rest.split_once('/').unwrap_or((rest, ""));
        rest = after;
        if suffix.contains(['{', '}']) || prefix.contains(['{', '}']) {
            continue;
        }
        let value = here
            .strip_prefix(prefix)
            .and_then(|v| v.strip_suffix(suffix));
        match value {
            Some(value) => found.push((name.trim(), value)),
            None => return Vec::new(),
        }
    }
    found
}

/// Where a pattern segment's first capture opens and closes (`{` and its matching `}`,
/// counting the braces of a regex such as `\d{2}`), if it has one.
fn capture_span(segment: &str) -> Option<(usize, usize)> {
    let open = segment.find('{')?;
    let mut depth = 0usize;
    for (i, b) in segment.bytes().enumerate().skip(open) {
        match b {
            b'{' => depth += 1,
            b'}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Some((open, i));
                }
            }
            _ => {}
        }
    }
    None
}

/// A pattern's segments: split at each `/` outside braces (a capture's regex may hold one).
struct Segments<'a>(&'a str);

impl<'a> Iterator for Segments<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        if self.0.is_empty() {
            return None;
        }
        let mut depth = 0usize;
        for (i, b) in self.0.bytes().enumerate() {
            match b {
                b'{' => depth += 1,
                b'}' => depth = depth.saturating_sub(1),
                b'/' if depth == 0 => {
                    let (segment, rest) = (&self.0[..i], &self.0[i + 1..]);
                    self.0 = rest;
                    return Some(segment);
                }
                _ => {}
            }
        }
        Some(std::mem::take(&mut self.0))
    }
}

async fn check_response<B: MessageBody + 'static>(
    response: ServiceResponse<B>,
    own: bool,
    https: bool,
    max_body: usize,
) -> ServiceResponse<BoxBody> {
    let content_type = response.headers().get(header::CONTENT_TYPE);
    let mut checks = web::ResponseChecks::new(
        own,
        https,
        response.status().as_u16(),
        content_type.map(|v| v.as_bytes()),
    );
    for (name, value) in response.headers() {
        checks.header(name.as_str(), value.as_bytes());
    }
    checks.headers_done();
    if !checks.reads_body() {
        return response.map_into_boxed_body();
    }
    let size = match response.response().body().size() {
        BodySize::None | BodySize::Sized(0) => return response.map_into_boxed_body(),
        BodySize::Sized(n) => Some(n),
        BodySize::Stream => None,
    };
    if !web::readable(true, size, max_body) {
        return response.map_into_boxed_body();
    }
    let (request, response) = response.into_parts();
    let (head, body) = response.into_parts();
    let read = match body::to_bytes_limited(body, max_body).await {
        Ok(read) => read.map_err(Into::into),
        Err(_) => Err("body over its announced size".into()),
    };
    let bytes = match read {
        Ok(bytes) => bytes,
        // The body failed while being read: the client's read fails as it would have.
        Err(error) => {
            let failed = Failed(Some(error));
            return ServiceResponse::new(request, head.set_body(BoxBody::new(failed)));
        }
    };
    checks.body(&bytes);
    ServiceResponse::new(request, head.set_body(BoxBody::new(bytes)))
}

/// Whether the request announces a body: a `Content-Length` or a `Transfer-Encoding`.
fn has_body(request: &ServiceRequest) -> bool {
    let headers = request.headers();
    headers.contains_key(header::CONTENT_LENGTH) || headers.contains_key(header::TRANSFER_ENCODING)
}

/// A request payload that fails with `error`, as the one read did.
fn failed_payload(error: PayloadError) -> Payload {
    let (mut sender, payload) = actix_http::h1::Payload::create(false);
    sender.set_error(error);
    payload.into()
}

/// A response body that fails with the error its reading met, as the original body did.
struct Failed(Option<Box<dyn std::error::Error>>);

impl MessageBody for Failed {
    type Error = Box<dyn std::error::Error>;

    fn size(&self) -> BodySize {
        BodySize::Stream
    }

    fn poll_next(
        mut self: Pin<&mut Self>,
        _: &mut TaskContext<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        Poll::Ready(self.0.take().map(Err))
    }
}

fn body_kind(headers: &HeaderMap) -> BodyKind {
    web::body_kind(headers.get(header::CONTENT_TYPE).map(|v| v.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::captures;

    #[test]
    fn captures_follow_the_pattern_segment_by_segment() {
        assert_eq!(captures("/items/{id}", "/items/42"), [("id", "42")]);
        assert_eq!(
            captures("/shop/items/{name}/{id:\\d+}", "/shop/items/a%20b/7"),
            [("name", "a%20b"), ("id", "7")]
        );
        assert_eq!(
            captures("/files/{name}.{ext}", "/files/report.pdf"),
            Vec::<(&str, &str)>::new(),
            "two captures in one segment are not read"
        );
        assert_eq!(
            captures("/img/{name}.png", "/img/cat.png"),
            [("name", "cat")]
        );
        assert_eq!(captures("/code/{n:\\d{2}}", "/code/12"), [("n", "12")]);
        assert_eq!(
            captures("/static/{tail}*", "/static/a/b.css"),
            [("tail", "a/b.css")]
        );
        assert_eq!(captures("/s/{p:.*}", "/s/x/y"), [("p", "x/y")]);
        assert_eq!(captures("/r/{p:[^/]+}/z", "/r/v/z"), [("p", "v")]);
        // Another shape: nothing, rather than a wrong name.
        assert!(captures("/items/{id}", "/users/42").is_empty());
    }

    #[test]
    fn captures_cost_one_pass() {
        // A long path and pattern: segments are visited once each.
        let pattern = "/{a}".repeat(64);
        let path = "/v".repeat(4096);
        assert_eq!(captures(&pattern, &path).len(), 64);
    }
}
