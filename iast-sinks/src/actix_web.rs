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
//! middleware runs in the request's context. Findings name the route that matched
//! (`GET /items/{id}`, scopes included).
//!
//! The sources, the response checks and the findings log are the axum layer's (the log is
//! shared, one per process, so [`findings`] lists the flows of both): the parameters the
//! route pattern captures (percent-decoded), every query parameter, cookie and header
//! (protocol headers strict), JSON bodies field by field (and small objects and arrays whole,
//! strict), form and multipart fields, and any other body as one raw value, up to the body
//! limit (1 MiB by default; a body without a `Content-Length` within it passes through
//! unread); then an HTML response body (XSS), `Location` (open redirect), and `Set-Cookie` and
//! `Access-Control-Allow-Origin` (header injection), attributed to the route. The handler
//! gets the request body, and the client the response, byte for byte.

pub use crate::web::{
    MAX_LOGGED, PROTOCOL_HEADERS, RequestFinding, dropped_findings, findings, take_findings,
};
/// Start a task, a local task or a blocking closure that stays in the request's context
/// (actix-web's `rt::spawn`, tokio's `spawn` and `web::block` do not carry it).
pub use iast::{spawn, spawn_blocking, spawn_local};

use crate::web::{self, BodyKind};
use actix_web::HttpMessage as _;
use actix_web::body::{self, BodySize, BoxBody, MessageBody};
use actix_web::dev::{
    Path, Payload, ResourceDef, Service, ServiceRequest, ServiceResponse, Transform,
};
use actix_web::http::header::{self, HeaderMap};
use actix_web::web::Bytes;
use std::future::{Future, Ready, ready};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context as TaskContext, Poll};

/// Bodies larger than this are passed on unread: reading them would hold the whole request
/// in memory twice.
const DEFAULT_MAX_BODY: usize = 1 << 20;

/// The middleware: wrap an actix-web `App` with `.wrap(IastMiddleware::new())`.
#[derive(Debug, Clone)]
pub struct IastMiddleware {
    max_body: usize,
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
        }
    }

    /// The largest request or response body the middleware reads (1 MiB by default). Larger
    /// bodies, and bodies of unknown size (streamed, or sent without a `Content-Length`),
    /// pass through unread and unchecked.
    pub fn max_body(mut self, bytes: usize) -> IastMiddleware {
        self.max_body = bytes;
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
        }))
    }
}

/// The service [`IastMiddleware`] wraps around the application.
#[derive(Debug)]
pub struct IastService<S> {
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
        let context = web::request_context(
            request.method().clone(),
            pattern.as_deref(),
            request.uri().clone(),
        );
        Box::pin(context.bind(async move {
            let request = record_request(request, pattern.as_deref(), max_body).await;
            let response = inner.call(request).await?;
            Ok(check_response(response, max_body).await)
        }))
    }
}

async fn record_request(
    mut request: ServiceRequest,
    pattern: Option<&str>,
    max_body: usize,
) -> ServiceRequest {
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
    // A body of unknown or too large a size, or none, is passed on as it is.
    if !length.is_some_and(|n| n > 0 && n <= max_body) {
        if length != Some(0) && has_body(&request) {
            web::note_unread_body(false, length.map(|n| n as u64), max_body);
        }
        return request;
    }
    let payload = body::BodyStream::new(request.take_payload());
    let bytes = match body::to_bytes_limited(payload, max_body).await {
        Ok(Ok(bytes)) => bytes,
        // A client that sent less or more than it announced, or a broken connection: the
        // handler gets an empty body rather than a failure of the middleware's making.
        _ => Bytes::new(),
    };
    web::record_body(&kind, &bytes);
    request.set_payload(Payload::from(bytes));
    request
}

/// Records the parameters `pattern` captures in `path` (raw, as received), percent-decoded
/// as actix-web's `Path` extractor hands them to the handler.
fn record_path_parameters(pattern: &str, path: &str) {
    with_resource(pattern, |resource| {
        let mut matched = Path::new(path);
        if resource.capture_match_info(&mut matched) {
            for (name, value) in matched.iter() {
                let value = percent_encoding::percent_decode_str(value).decode_utf8_lossy();
                web::path_parameter(name, &value);
            }
        }
    });
}

/// Compiled patterns kept per thread (actix-web runs a worker per thread): an application has
/// a fixed set of routes, and compiling a pattern is the dearest part of reading a request.
const MAX_KEPT_PATTERNS: usize = 256;

/// Runs `f` with `pattern` compiled, unless it does not compile (`ResourceDef::new` panics on
/// a pattern it rejects; one the application's router took is joined from its own, but a
/// panic must not escape into the application either way).
fn with_resource(pattern: &str, f: impl FnOnce(&ResourceDef)) {
    thread_local! {
        static PATTERNS: std::cell::RefCell<Vec<ResourceDef>> = const {
            std::cell::RefCell::new(Vec::new())
        };
    }
    let compile = || {
        std::panic::catch_unwind(|| ResourceDef::new(pattern))
            .ok()
            .filter(|r| !r.is_prefix())
    };
    let kept = PATTERNS.try_with(|patterns| {
        let mut patterns = patterns.try_borrow_mut().ok()?;
        if let Some(r) = patterns.iter().find(|r| r.pattern() == Some(pattern)) {
            return Some(r.clone());
        }
        let r = compile()?;
        if patterns.len() >= MAX_KEPT_PATTERNS {
            patterns.clear();
        }
        patterns.push(r.clone());
        Some(r)
    });
    if let Some(resource) = kept.ok().flatten().or_else(compile) {
        f(&resource);
    }
}

async fn check_response<B: MessageBody + 'static>(
    response: ServiceResponse<B>,
    max_body: usize,
) -> ServiceResponse<BoxBody> {
    for (name, value) in response.headers() {
        web::check_response_header(name.as_str(), value.as_bytes());
    }
    if body_kind(response.headers()) != BodyKind::Html {
        return response.map_into_boxed_body();
    }
    match response.response().body().size() {
        BodySize::Sized(n) if n > 0 && n as usize <= max_body => {}
        BodySize::Sized(n) if n > 0 => {
            web::note_unread_body(true, Some(n), max_body);
            return response.map_into_boxed_body();
        }
        BodySize::Stream => {
            web::note_unread_body(true, None, max_body);
            return response.map_into_boxed_body();
        }
        _ => return response.map_into_boxed_body(),
    }
    let (request, response) = response.into_parts();
    let (head, body) = response.into_parts();
    let bytes = match body::to_bytes_limited(body, max_body).await {
        Ok(Ok(bytes)) => bytes,
        // The body failed while being read: the client gets an empty body.
        _ => Bytes::new(),
    };
    web::check_html(&bytes);
    ServiceResponse::new(request, head.set_body(BoxBody::new(bytes)))
}

/// Whether the request announces a body: a `Content-Length` or a `Transfer-Encoding`.
fn has_body(request: &ServiceRequest) -> bool {
    let headers = request.headers();
    headers.contains_key(header::CONTENT_LENGTH) || headers.contains_key(header::TRANSFER_ENCODING)
}

fn body_kind(headers: &HeaderMap) -> BodyKind {
    web::body_kind(headers.get(header::CONTENT_TYPE).map(|v| v.as_bytes()))
}
