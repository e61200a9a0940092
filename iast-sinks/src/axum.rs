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
//! `Access-Control-Allow-Origin` (a reflected origin opens the API to any site). And the
//! weaknesses that need no taint, each one flow per route (and cookie): a `Set-Cookie`
//! without `Secure`, `HttpOnly` or `SameSite` (or with `SameSite=None`), an HTML response
//! over HTTPS (a proxy's `X-Forwarded-Proto` or `Forwarded`, or the URI) without
//! `Strict-Transport-Security`, an HTML response without `X-Content-Type-Options: nosniff`, and a panic message or backtrace in
//! an HTML body or in the text or JSON body of an error response.
//!
//! **Findings** are published when the request's context ends, however the request ends
//! (answered, dropped by a client that hung up or by a timeout, or outlived by a task that
//! carries the context and publishes when it finishes). They are emitted as `tracing` events
//! (target `iast`, level `WARN`; fields in [`RequestFinding`]'s docs and the README) and kept
//! in a process-wide log (shared with the actix-web middleware), one entry per flow
//! (fingerprint) with a count and first and last time seen, which tests and tools read with
//! [`findings`] and [`take_findings`].
//! Repeats never evict a new flow: the log holds [`MAX_LOGGED`] distinct flows, and counts
//! in [`dropped_findings`] what came after.

pub use crate::web::{
    MAX_LOGGED, PROTOCOL_HEADERS, RequestFinding, dropped_findings, findings, take_findings,
};
/// Spawn a task or blocking closure that stays in the request's context (plain
/// `tokio::spawn` does not carry it).
pub use iast::{spawn, spawn_blocking};

use crate::web::{self, BodyKind};
use axum::body::{Body, HttpBody};
use axum::extract::{FromRequestParts, MatchedPath, OriginalUri, RawPathParams};
use http::{HeaderMap, Request, Response, header};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};
use tower::{Layer, Service};

/// Bodies larger than this are passed on unread: reading them would hold the whole request
/// in memory twice.
const DEFAULT_MAX_BODY: usize = 1 << 20;

/// The tower layer: wrap an axum `Router` with `.layer(IastLayer::new())`.
#[derive(Debug, Clone)]
pub struct IastLayer {
    max_body: usize,
    service: Option<Arc<str>>,
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
            service: None,
        }
    }

    /// The largest request or response body the layer reads (1 MiB by default). Larger or
    /// unsized (streamed) bodies pass through unread and unchecked.
    pub fn max_body(mut self, bytes: usize) -> IastLayer {
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

impl<S> Layer<S> for IastLayer {
    type Service = IastService<S>;

    fn layer(&self, inner: S) -> IastService<S> {
        IastService {
            inner,
            max_body: self.max_body,
            service: self.service.clone(),
        }
    }
}

/// The service [`IastLayer`] wraps around the application.
#[derive(Debug, Clone)]
pub struct IastService<S> {
    service: Option<Arc<str>>,
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
        let service = self.service.clone();
        Box::pin(async move {
            let pattern = request.extensions().get::<MatchedPath>();
            // The URI as the client sent it: a nested router's has lost its prefix.
            let uri = request
                .extensions()
                .get::<OriginalUri>()
                .map_or_else(|| request.uri().clone(), |original| original.0.clone());
            let scope = web::request_context(
                request.method().clone(),
                pattern.map(MatchedPath::as_str),
                uri,
                service.as_ref(),
            );
            let https = web::https(request.uri().scheme_str(), |name| {
                request.headers().get(name).map(|v| v.as_bytes())
            });
            let context = scope.context().clone();
            context
                .bind(async move {
                    // Held to the end of the request, however it ends.
                    let scope = scope;
                    let request = record_request(request, max_body).await;
                    match scope.serve_catching(inner.call(request)).await {
                        (Some(response), false) => {
                            let (own, response) = (scope.own(), response?);
                            let response = check_response(response, own, https, max_body).await;
                            Ok(if scope.refused() {
                                forbidden()
                            } else {
                                response
                            })
                        }
                        _ => Ok(forbidden()),
                    }
                })
                .await
        })
    }
}

async fn record_request(request: Request<Body>, max_body: usize) -> Request<Body> {
    let (mut parts, body) = request.into_parts();
    web::accept_baggage(
        parts
            .headers
            .get_all(iast::fleet::HEADER)
            .iter()
            .map(|v| v.as_bytes()),
    );
    // The captured parameters only: a literal segment is the route's own text. A pattern
    // without a capture has none to read.
    let captures = parts
        .extensions
        .get::<MatchedPath>()
        .is_none_or(|m| m.as_str().contains(['{', '*', ':']));
    if captures && let Ok(params) = RawPathParams::from_request_parts(&mut parts, &()).await {
        for (name, value) in &params {
            web::path_parameter(name, value);
        }
    }
    if let Some(query) = parts.uri.query() {
        web::record_query(query);
    }
    for (name, value) in &parts.headers {
        web::record_header(name.as_str(), value.as_bytes());
    }
    let kind = body_kind(&parts.headers);
    // An empty body is passed on as it is: nothing to record, and no new body to allocate.
    let size = body.size_hint().exact();
    if size == Some(0) || !web::readable(false, size, max_body) {
        return Request::from_parts(parts, body);
    }
    let bytes = match axum::body::to_bytes(body, max_body).await {
        Ok(bytes) => bytes,
        // The client hung up or sent less than it announced: the handler's read fails as it
        // would have, never with an empty body it could take for the client's.
        Err(error) => return Request::from_parts(parts, Body::new(Failed(Some(error)))),
    };
    web::record_body(&kind, &bytes);
    Request::from_parts(parts, Body::from(bytes))
}

async fn check_response(
    response: Response<Body>,
    own: bool,
    https: bool,
    max_body: usize,
) -> Response<Body> {
    let (parts, body) = response.into_parts();
    let content_type = parts.headers.get(header::CONTENT_TYPE);
    let mut checks = web::ResponseChecks::new(
        own,
        https,
        parts.status.as_u16(),
        content_type.map(|v| v.as_bytes()),
    );
    for (name, value) in &parts.headers {
        checks.header(name.as_str(), value.as_bytes());
    }
    checks.headers_done();
    let size = body.size_hint().exact();
    if !checks.reads_body() || size == Some(0) || !web::readable(true, size, max_body) {
        return Response::from_parts(parts, body);
    }
    match axum::body::to_bytes(body, max_body).await {
        Ok(bytes) => {
            checks.body(&bytes);
            Response::from_parts(parts, Body::from(bytes))
        }
        // The client's read fails as it would have.
        Err(error) => Response::from_parts(parts, Body::new(Failed(Some(error)))),
    }
}

/// Protect mode's answer to a request whose flow it refused.
fn forbidden() -> Response<Body> {
    let mut response = Response::new(Body::from(web::FORBIDDEN));
    *response.status_mut() = http::StatusCode::FORBIDDEN;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        http::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

fn body_kind(headers: &HeaderMap) -> BodyKind {
    web::body_kind(headers.get(header::CONTENT_TYPE).map(|v| v.as_bytes()))
}

/// A body that fails with the error its reading met, as the original body did.
struct Failed(Option<axum::Error>);

impl HttpBody for Failed {
    type Data = bytes::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut TaskContext<'_>,
    ) -> Poll<Option<Result<http_body::Frame<bytes::Bytes>, axum::Error>>> {
        Poll::Ready(self.0.take().map(Err))
    }
}
