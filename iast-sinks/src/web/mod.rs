//! What the web framework layers share (features `axum` and `actix-web`): the request's parts
//! as named sources, the response's checks, and the process-wide log of the flows found.
//!
//! A framework's layer reads the request and response with its own types and hands their
//! parts over as text and bytes; everything that decides what is a source, what is checked
//! and how a finding is published lives here once, so that a flow gets the same sources,
//! the same fingerprint and the same event whichever framework served it.

mod log;
mod panic_leak;
mod request;
mod response;
mod weakness;

pub use log::{MAX_LOGGED, RequestFinding, dropped_findings, findings, take_findings};
pub use request::PROTOCOL_HEADERS;
pub(crate) use request::path_parameter;
pub(crate) use request::{BodyKind, body_kind, record_body, record_header, record_query};
use response::{check_html, check_response_header};
pub(crate) use weakness::ResponseChecks;
#[cfg(feature = "axum")]
pub(crate) use weakness::https;

use std::fmt::Display;
use std::future::Future;

/// The context of one request, named by its route when routing has matched one (`None` for
/// a request no route took).
///
/// A request served inside a context (a test that calls the application in-process within
/// `iast::check`, `iast::probe` or `#[iast::test]`) joins it: its findings belong to that
/// context's report, which the test asserts on, and not to the layer's log; the context is
/// named after the request while it is served, and given back its own name after. Requests
/// served at the same time inside one context share it, route included. Any other request
/// gets a context of its own that publishes its findings when it ends, however the request
/// ends: answered, dropped (a client that hung up, a timeout), or outlived by a task carrying
/// the context. `method` and `uri` are the framework's own cheap clones, turned into text
/// only for a request with findings.
pub(crate) fn request_context<M, U>(
    method: M,
    pattern: Option<&str>,
    uri: U,
    service: Option<&std::sync::Arc<str>>,
) -> RequestScope
where
    M: AsRef<str> + Send + 'static,
    U: Display + Send + 'static,
{
    log::warn_of_sinks_outside_context();
    log::announce_settings();
    let route = pattern.map(|pattern| route(method.as_ref(), pattern));
    if let Some(outer) = iast::Context::current() {
        let previous = outer.replace_route(route);
        return RequestScope {
            context: outer,
            previous: Some(previous),
            protecting: false,
        };
    }
    let context = iast::Context::new();
    if let Some(route) = route {
        context.set_route(route);
    }
    if service.is_some() {
        context.set_service(service.cloned());
    }
    // The span of the request is current now (a tracing layer outside this one has entered
    // it), not necessarily when the context ends.
    let trace = log::Trace::current();
    context.on_end(move |report| {
        log::publish(method.as_ref(), &uri.to_string(), report, &trace);
    });
    // Protect mode applies to the layer's own requests only: a test's context reports.
    let protecting = !iast::protected().is_empty();
    if protecting {
        context.set_protecting(true);
    }
    RequestScope {
        context,
        previous: None,
        protecting,
    }
}

/// Reads the `iast.taint` member of a request's `baggage` lines into its context when the
/// process trusts it (`[fleet] trust`), before any of the request's values is recorded.
pub(crate) fn accept_baggage<'a>(lines: impl Iterator<Item = &'a [u8]>) {
    if !iast::fleet::trusts() {
        return;
    }
    if let iast::fleet::Accepted::Ignored(why) = iast::fleet::accept(lines) {
        log::ignored_baggage(why);
    }
}

/// A service name a layer is given, as `iast::fleet` takes it; `None` (the process's name
/// then) for an empty one or one with control characters, said once.
pub(crate) fn service_name(name: &str) -> Option<std::sync::Arc<str>> {
    let checked = iast::fleet::service_name(name);
    if checked.is_none() {
        tracing::warn!(
            target: "iast",
            "iast: the service name {} is empty or has control characters; the process's name is sent instead",
            crate::shown(&format!("{name:?}"))
        );
    }
    checked
}

/// A request's hold on its context: when the request joined a context it did not open, the
/// name that context had, given back when the request is done (this is dropped).
pub(crate) struct RequestScope {
    context: iast::Context,
    previous: Option<Option<iast::Route>>,
    /// Whether protect mode refuses this request's blocked flows (`[protect]` in
    /// `iast.toml`, in a context the layer opened).
    protecting: bool,
}

impl RequestScope {
    /// The request's context.
    pub(crate) fn context(&self) -> &iast::Context {
        &self.context
    }

    /// Whether the request has a context of the layer's own, not one it joined.
    pub(crate) fn own(&self) -> bool {
        self.previous.is_none()
    }

    /// Runs the application on the request, and says whether protect mode refused a flow of
    /// it: the layer then answers 403, whatever the application made of its database's or
    /// file system's error. Outside protect mode, the application's future as it is.
    #[cfg(feature = "actix-web")]
    pub(crate) async fn serve<F: Future>(&self, app: F) -> (F::Output, bool) {
        let output = app.await;
        (output, self.refused())
    }

    /// Whether protect mode refused a flow of the request: one of the application's calls,
    /// or the response itself (a confirmed XSS in the page, an open redirect in `Location`),
    /// which is then answered 403 in its place.
    pub(crate) fn refused(&self) -> bool {
        self.protecting && self.context.blocked()
    }

    /// [`RequestScope::serve`], and a panic of the application in a refused request (it
    /// unwrapped the refused call's error) gives no output, to be answered 403 too; any other
    /// panic goes on as it would have.
    #[cfg(feature = "axum")]
    pub(crate) async fn serve_catching<F: Future>(&self, app: F) -> (Option<F::Output>, bool) {
        if !self.protecting {
            return (Some(app.await), false);
        }
        let served = CatchUnwind(Box::pin(app)).await;
        let blocked = self.context.blocked();
        match served {
            Ok(output) => (Some(output), blocked),
            Err(_) if blocked => (None, true),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    }
}

/// What protect mode answers to a request whose flow it refused.
pub(crate) const FORBIDDEN: &str = "Forbidden: iast protect mode refused this request\n";

/// A future whose panic is caught and given as its output.
#[cfg(feature = "axum")]
struct CatchUnwind<F: Future>(std::pin::Pin<Box<F>>);

#[cfg(feature = "axum")]
impl<F: Future> Future for CatchUnwind<F> {
    type Output = std::thread::Result<F::Output>;

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        let inner = self.0.as_mut();
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| inner.poll(cx))) {
            Ok(std::task::Poll::Ready(output)) => std::task::Poll::Ready(Ok(output)),
            Ok(std::task::Poll::Pending) => std::task::Poll::Pending,
            Err(panic) => std::task::Poll::Ready(Err(panic)),
        }
    }
}

impl Drop for RequestScope {
    fn drop(&mut self) {
        if let Some(previous) = self.previous.take() {
            self.context.replace_route(previous);
        }
    }
}

/// Whether a layer reads a body of `size` bytes (`None`: unknown) whole: only a known size
/// within the limit, so that reading it never holds an unbounded request in memory.
///
/// Otherwise the body is passed on unread, and this says so, once per process for requests
/// and once for responses, as a `tracing` warning (target `iast`): its sources are not
/// recorded, or its HTML not checked. One atomic load afterwards.
pub(crate) fn readable(response: bool, size: Option<u64>, max_body: usize) -> bool {
    if size.is_some_and(|n| n <= max_body as u64) {
        return true;
    }
    use std::sync::atomic::AtomicBool;
    static SAID: [AtomicBool; 2] = [AtomicBool::new(false), AtomicBool::new(false)];
    if !crate::first_time(&SAID[usize::from(response)]) {
        return false;
    }
    let what = if response {
        "a response body"
    } else {
        "a request body"
    };
    let why = match size {
        Some(n) => format!("of {n} bytes, over the layer's limit of {max_body}"),
        None => "of unknown size (streamed, or sent without a Content-Length)".to_owned(),
    };
    tracing::warn!(
        target: "iast",
        "iast: {what} {why} was passed on unread, so it was not {}; said once per process \
         (raise the limit with max_body)",
        if response { "checked" } else { "recorded as a source" }
    );
    false
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
