// What the cross-service tests share: the SQL sink the backends reach, the configuration each
// binary reads once, the servers on loopback, and the gateway that forwards a search. Included
// by `tests/baggage.rs` (trust on) and `tests/baggage_untrusted.rs` (trust off).

use axum::Router;
use axum::extract::Query;
use axum::routing::get;
use iast_sinks::axum::IastLayer;
use iast_sinks::reqwest::ClientExt as _;
use std::collections::HashMap;
use std::net::SocketAddr;

/// The SQL a backend runs; a sink of the test's own, so that no database is needed.
#[iast::sink(sql)]
fn run_query(query: &str) {}

/// Writes `iast.toml` with `text` and points the process at it. Call it first in the
/// binary's only test: the configuration is read once, at the first context.
fn configure(text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("iast.toml");
    std::fs::write(&config, text).unwrap();
    // SAFETY: the only test of the binary sets it before anything else runs, the runtime's
    // threads included, and before the configuration is first read.
    unsafe { std::env::set_var(iast::config::CONFIG_VAR, &config) };
    dir
}

async fn serve(app: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}

/// The gateway, named `gateway`: each `(route, path, baggage)` serves `GET {route}?q=` by
/// forwarding `q` as `name` to the backend's `path` through the checked client, with the
/// application's own `baggage` line added after the checked call when there is one.
fn gateway(backend: SocketAddr, routes: &[(&str, &'static str, Option<&'static str>)]) -> Router {
    let mut app = Router::new();
    for &(route, path, baggage) in routes {
        app = app.route(
            route,
            get(move |Query(q): Query<HashMap<String, String>>| async move {
                let url = reqwest::Url::parse_with_params(
                    &format!("http://{backend}{path}"),
                    [("name", &q["q"])],
                )
                .unwrap();
                let mut request = client().get_checked(url);
                if let Some(line) = baggage {
                    request = request.header("baggage", line);
                }
                request.send().await.unwrap().status().to_string()
            }),
        );
    }
    app.layer(IastLayer::new().service("gateway"))
}

/// Asks the gateway's `route` to search for `q`.
async fn search(gateway: SocketAddr, route: &str, q: &str) {
    let url = reqwest::Url::parse_with_params(&format!("http://{gateway}{route}"), [("q", q)])
        .unwrap();
    assert_eq!(client().get(url).send().await.unwrap().status(), 200);
}
