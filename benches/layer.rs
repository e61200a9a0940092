//! The axum layer's own cost per request, without the network: the example service's router
//! called in-process (`tower::ServiceExt::oneshot`), with `IastLayer` (`on`) and without
//! (`off`), for one request of each kind the load benchmark sends. The difference between
//! the two ids of a request is what the layer adds to it: a context, the request's parts
//! recorded as sources, the response's headers and HTML body checked as sinks.
//!
//! `benches/service.rs` measures the same service over loopback, where the network stack's
//! cost per request is added to both sides.

#[path = "../examples/service/app.rs"]
#[allow(dead_code)]
mod app;

use axum::Router;
use axum::body::Body;
use axum::http::Request;
use criterion::{BenchmarkId, Criterion};
use std::time::Duration;
use tower::ServiceExt;

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
