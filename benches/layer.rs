//! The axum layer's own cost per request, without the network: the example service's router
//! called in-process (`tower::ServiceExt::oneshot`), with `IastLayer` (`on`) and without
//! (`off`), for one request of each kind the load benchmark sends. The difference between
//! the two ids of a request is what the layer adds to it: a context, the request's parts
//! recorded as sources, the response's headers and HTML body checked as sinks.
//!
//! `benches/service.rs` measures the same service over loopback, where the network stack's
//! cost per request is added to both sides.
//!
//! Before timing, it prints the heap allocations per request in each mode (a counting
//! allocator, whose one relaxed increment per allocation both modes pay).

#[path = "../examples/service/app.rs"]
#[allow(dead_code)]
mod app;

use axum::Router;
use axum::body::Body;
use axum::http::Request;
use criterion::{BenchmarkId, Criterion};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;
use tower::ServiceExt;

/// Counts allocations (and reallocations, which may move a block).
struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

// SAFETY: every call is forwarded to the system allocator unchanged; the counter only adds.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Relaxed);
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static COUNTING: Counting = Counting;

/// Benign requests to endpoints that neither spawn a process nor leave the machine, with the
/// headers a browser-less client sends.
const REQUESTS: &[(&str, &str)] = &[
    ("search", "/fixed/search?name=alice"),
    ("greet", "/fixed/greet?name=ann"),
    ("file", "/fixed/file?name=readme.txt"),
    ("audit", "/fixed/audit?user=alice"),
];

async fn one(router: Router, uri: &str) -> usize {
    let request = Request::get(uri)
        .header("host", "127.0.0.1:40205")
        .header("user-agent", "iast-bench/1.0")
        .header("accept", "*/*")
        .body(Body::empty())
        .expect("a valid request");
    let response = router.oneshot(request).await.expect("infallible");
    assert!(
        response.status().is_success(),
        "{uri}: {}",
        response.status()
    );
    axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .expect("a body")
        .len()
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let root = tempfile::tempdir().expect("a directory");
    let state = app::AppState::new(root.path()).expect("the service's state");
    let routers = [("off", app::routes(state.clone())), ("on", app::app(state))];
    println!("| request | allocations, off | on | added by the layer |");
    println!("|---|---:|---:|---:|");
    for (name, uri) in REQUESTS {
        let [off, on] = [&routers[0].1, &routers[1].1].map(|router| {
            // Warm: the thread's pooled stores and the service's caches are filled first.
            for _ in 0..100 {
                runtime.block_on(one(router.clone(), uri));
            }
            let before = ALLOCATIONS.load(Relaxed);
            for _ in 0..1_000 {
                runtime.block_on(one(router.clone(), uri));
            }
            (ALLOCATIONS.load(Relaxed) - before) as f64 / 1_000.0
        });
        println!("| `{name}` | {off:.1} | {on:.1} | {:.1} |", on - off);
    }
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    let mut group = c.benchmark_group("layer");
    for (name, uri) in REQUESTS {
        for (mode, router) in &routers {
            group.bench_with_input(BenchmarkId::new(*name, mode), uri, |b, uri| {
                // `block_on` costs the same in both modes (criterion's async runner would
                // need another feature for the same figure).
                b.iter(|| runtime.block_on(one(router.clone(), uri)));
            });
        }
    }
    group.finish();
    c.final_summary();
}
