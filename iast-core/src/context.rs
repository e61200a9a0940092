//! Per-scope taint contexts.
//!
//! A context holds what sources recorded and what sinks found during one scope: one
//! `iast::check` call, one async task, one HTTP request. The current context lives in a
//! thread-local slot; async code carries it by re-entering it on every poll ([`Bound`]), which
//! works on any executor and never leaks it into other tasks polled by the same thread.
//! Threads and tasks spawned by the code under observation do not inherit it: use
//! [`Context::enter`], [`Context::bind`], [`crate::thread::spawn`] or (feature `tokio`)
//! `iast::spawn` / `iast::spawn_blocking` to carry it along.

use crate::engine::State;
use crate::report::Report;
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context as TaskContext, Poll};

thread_local! {
    // Kept apart from CURRENT so that the check made by every annotated function outside any
    // context is a single read of a const-initialised cell.
    static ACTIVE: Cell<bool> = const { Cell::new(false) };
    static CURRENT: RefCell<Option<Context>> = const { RefCell::new(None) };
    /// How deep `pause` guards are nested here, so that a sink iast itself reaches is not
    /// counted as the application's sink outside a context.
    static PAUSED: Cell<u32> = const { Cell::new(0) };
}

// Every access here is `try_with`: iast may be called from a thread-local destructor, after
// this thread's slots were destroyed, where `with` panics, and a panic in a thread-local
// destructor aborts the process. A slot is then as good as empty.

#[inline(always)]
pub(crate) fn active() -> bool {
    ACTIVE.try_with(Cell::get).unwrap_or(false)
}

/// Turns instrumentation off on this thread until the returned guard drops. Instrumentation
/// runs under it, so that annotated functions it reaches (through a `Serialize` impl, or a
/// panic hook that logs while a panic unwinds) neither re-enter the engine nor wait for the
/// context's lock.
pub(crate) fn pause() -> Paused {
    let depth = PAUSED.try_with(|p| p.replace(p.get() + 1)).unwrap_or(0);
    Paused(
        ACTIVE.try_with(|a| a.replace(false)).unwrap_or(false),
        depth,
    )
}

/// Whether instrumentation is paused on this thread.
pub(crate) fn paused() -> bool {
    PAUSED.try_with(Cell::get).unwrap_or(0) > 0
}

pub(crate) struct Paused(bool, u32);

impl Drop for Paused {
    fn drop(&mut self) {
        let _ = ACTIVE.try_with(|a| a.set(self.0));
        let _ = PAUSED.try_with(|p| p.set(self.1));
    }
}

/// A handle on one taint context. Cloning it shares the context.
#[derive(Clone)]
pub struct Context {
    shared: Arc<Mutex<State>>,
}

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context").finish_non_exhaustive()
    }
}

impl Default for Context {
    fn default() -> Self {
        Context::new()
    }
}

impl Context {
    /// A new, empty context.
    pub fn new() -> Context {
        crate::collect::start();
        Context {
            shared: Arc::new(Mutex::new(State::new())),
        }
    }

    /// Whether this context's evidence hides secrets (on by default, see
    /// [`crate::set_redaction_default`]). Turn it off in tests that assert on raw evidence.
    pub fn with_redaction(self, on: bool) -> Context {
        self.lock().redact = on;
        self
    }

    /// Whether a confirmed flow of a class set to `block` in `iast.toml` (`[protect]`) is
    /// refused in this context before its sink runs. Web layers turn it on for the requests
    /// they serve, and answer a request whose context blocked a flow with 403; off elsewhere
    /// (a test's context, a request that joined one), where every flow is only reported.
    pub fn set_protecting(&self, on: bool) {
        self.lock().protecting = on;
    }

    /// Whether a flow was refused in this context (see [`Context::set_protecting`]).
    pub fn blocked(&self) -> bool {
        self.lock().blocked
    }

    /// This context as one run of a probe (see `probe`).
    pub(crate) fn probing(self, run: crate::probe::ProbeRun) -> Context {
        self.lock().probe = Some(Box::new(run));
        self
    }

    /// The probe state of this context's run, taken out of it.
    pub(crate) fn take_probe(&self) -> Option<crate::probe::ProbeRun> {
        self.lock().probe.take().map(|run| *run)
    }

    /// The context current on this thread, if any: pass it to code that runs elsewhere.
    pub fn current() -> Option<Context> {
        if !active() {
            return None;
        }
        CURRENT.try_with(|c| c.borrow().clone()).ok().flatten()
    }

    /// Runs `f` with this context current on this thread, then restores the previous one
    /// (also when `f` panics).
    pub fn enter<R>(&self, f: impl FnOnce() -> R) -> R {
        let _entered = Entered::new(self.clone());
        f()
    }

    /// Wraps a future so that this context is current whenever it is polled.
    pub fn bind<F: Future>(&self, future: F) -> Bound<F> {
        Bound {
            context: self.clone(),
            future,
        }
    }

    /// Names the request this context serves: its method and the route pattern that
    /// matched (`GET /items/{id}`). Framework layers call it once routing is known; every
    /// finding made in the context then names the route, and its fingerprint tells it apart
    /// from the same bug on another endpoint.
    pub fn set_route(&self, route: crate::Route) {
        self.lock().route = Some(route);
    }

    /// The request this context serves, as its framework layer named it.
    pub fn route(&self) -> Option<crate::Route> {
        self.lock().route.clone()
    }

    /// Names the request this context serves, or none, and returns the name it had. For a
    /// framework layer whose request joined a context it did not open (a test that serves
    /// requests in-process inside `iast::check`): it names the context after its request
    /// while the request is served, then gives back the name it found.
    pub fn replace_route(&self, route: Option<crate::Route>) -> Option<crate::Route> {
        std::mem::replace(&mut self.lock().route, route)
    }

    /// Names the service this context's request was made to, for the `iast.taint` entries
    /// of the requests it makes in turn (see [`crate::fleet`]): for a process that serves
    /// several services, where one name for the process ([`crate::fleet::set_service`])
    /// would be wrong for some.
    pub fn set_service(&self, service: Option<std::sync::Arc<str>>) {
        self.lock().service = service;
    }

    /// Runs `f` with the context's report when the context ends, if it found anything: when
    /// the last handle to it is dropped (the scope that made it, and every clone carried into
    /// a task or thread). A framework layer publishes a request's findings this way, so that
    /// they survive a client that hangs up, a timeout that drops the request's future, and a
    /// task that outlives the response. Replaces an earlier `f`; a panic in `f` is caught.
    pub fn on_end(&self, f: impl FnOnce(&Report) + Send + 'static) {
        self.lock().on_end = Some(Box::new(f));
    }

    /// What the context has seen so far, as a deterministic report.
    pub fn report(&self) -> Report {
        self.lock().report()
    }

    /// Whether the context found anything yet: far cheaper than building a [`Report`], for
    /// callers that check every request and report only the few with findings.
    pub fn has_findings(&self) -> bool {
        self.lock().has_findings()
    }

    /// What the context holds in memory: recorded values and their indexes, findings and
    /// their evidence. Approximate (allocator overhead is not counted), and bounded by the
    /// context's caps whatever the program records.
    pub fn memory(&self) -> Memory {
        self.lock().memory()
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        // A panic inside instrumentation is caught and must not disable the context for the
        // rest of the scope, so a poisoned lock is simply taken over.
        self.shared.lock().unwrap_or_else(|e| e.into_inner())
    }
}

struct Entered {
    /// The context current before; `None` when this thread's slot is destroyed and the
    /// context could not be made current, so that there is nothing to restore.
    previous: Option<Option<Context>>,
    was_active: bool,
}

impl Entered {
    fn new(context: Context) -> Entered {
        // Without the slot (a check from a thread-local destructor), the code runs outside
        // any context: it is not observed, and it runs.
        let previous = CURRENT.try_with(|c| c.replace(Some(context))).ok();
        let was_active = match previous {
            Some(_) => ACTIVE.try_with(|a| a.replace(true)).unwrap_or(false),
            None => active(),
        };
        Entered {
            previous,
            was_active,
        }
    }
}

impl Drop for Entered {
    fn drop(&mut self) {
        let Some(previous) = self.previous.take() else {
            return;
        };
        let _ = CURRENT.try_with(|c| *c.borrow_mut() = previous);
        let _ = ACTIVE.try_with(|a| a.set(self.was_active));
    }
}

/// What a context holds in memory: see [`Context::memory`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Memory {
    /// Distinct tainted values recorded.
    pub values: usize,
    /// Their bytes.
    pub value_bytes: usize,
    /// Distinct safe values (sanitizer outputs, validated inputs) recorded.
    pub safe_values: usize,
    /// Findings kept.
    pub findings: usize,
    /// Approximate heap bytes of all of it, indexes included.
    pub heap_bytes: usize,
}

/// A future that runs inside a context: see [`Context::bind`].
#[derive(Debug)]
#[must_use = "futures do nothing unless polled"]
pub struct Bound<F> {
    context: Context,
    future: F,
}

impl<F: Future> Future for Bound<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<F::Output> {
        // SAFETY: `future` is structurally pinned: it is never moved out of `Bound`, `Bound`
        // has no Drop impl, and `Bound` is Unpin only when `F` is.
        let this = unsafe { self.get_unchecked_mut() };
        let future = unsafe { Pin::new_unchecked(&mut this.future) };
        this.context.enter(|| future.poll(cx))
    }
}

/// Whether a context is current on this thread: one thread-local read. An integration that
/// must do work to reach its sinks (format a log record, copy a body) asks this first and
/// does nothing outside a context.
#[inline(always)]
pub fn in_context() -> bool {
    active()
}

/// Runs `f` in a fresh context and returns what it found.
///
/// Every flow inside `f` is analysed (no sampling). Threads or tasks that `f` spawns see this
/// context only when it is carried to them (see [`Context`]). A panic in `f` propagates.
pub fn check<T>(f: impl FnOnce() -> T) -> Report {
    let context = Context::new();
    context.enter(f);
    context.report()
}

/// Runs `future` to completion in a fresh context and returns what it found.
pub async fn check_async<F: Future>(future: F) -> Report {
    let context = Context::new();
    context.bind(future).await;
    context.report()
}

/// Thread spawning that carries the current context along.
pub mod thread {
    use super::Context;

    /// Like [`std::thread::spawn`], with the caller's context (if any) current in the thread.
    pub fn spawn<F, T>(f: F) -> std::thread::JoinHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        match Context::current() {
            Some(context) => std::thread::spawn(move || context.enter(f)),
            None => std::thread::spawn(f),
        }
    }

    /// Like [`std::thread::Scope::spawn`], with the caller's context current in the thread.
    pub fn spawn_scoped<'scope, 'env, F, T>(
        scope: &'scope std::thread::Scope<'scope, 'env>,
        f: F,
    ) -> std::thread::ScopedJoinHandle<'scope, T>
    where
        F: FnOnce() -> T + Send + 'scope,
        T: Send + 'scope,
    {
        match Context::current() {
            Some(context) => scope.spawn(move || context.enter(f)),
            None => scope.spawn(f),
        }
    }
}

/// Task spawning on tokio that carries the current context along (feature `tokio`).
#[cfg(feature = "tokio")]
pub mod task {
    use super::Context;
    use std::future::Future;

    /// Like [`tokio::spawn`], with the caller's context (if any) current whenever the task
    /// is polled.
    pub fn spawn<F>(future: F) -> tokio::task::JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        match Context::current() {
            Some(context) => tokio::spawn(async move { context.bind(future).await }),
            None => tokio::spawn(future),
        }
    }

    /// Like [`tokio::task::spawn_local`] (what actix-web's `rt::spawn` is), with the caller's
    /// context (if any) current whenever the task is polled. Panics, as tokio's does, outside
    /// a `LocalSet`.
    pub fn spawn_local<F>(future: F) -> tokio::task::JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        match Context::current() {
            Some(context) => tokio::task::spawn_local(async move { context.bind(future).await }),
            None => tokio::task::spawn_local(future),
        }
    }

    /// Like [`tokio::task::spawn_blocking`], with the caller's context current in the closure.
    pub fn spawn_blocking<F, R>(f: F) -> tokio::task::JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        match Context::current() {
            Some(context) => tokio::task::spawn_blocking(move || context.enter(f)),
            None => tokio::task::spawn_blocking(f),
        }
    }
}
