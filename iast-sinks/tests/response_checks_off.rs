//! The response checks are switched off class by class in `iast.toml`, as every class is:
//! here `insecure_cookie` and `xcontenttype_header_missing` are off and the cookie's other
//! weaknesses are still found. One test in this binary, since the configuration is read once
//! per process, at the first context.
#![cfg(feature = "axum")]

use axum::Router;
use axum::response::{AppendHeaders, Html};
use axum::routing::get;
use iast_sinks::axum::IastLayer;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn classes_switched_off_in_iast_toml_are_not_reported() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("iast.toml");
    std::fs::write(
        &config,
        "[classes]\ninsecure_cookie = false\nxcontenttype_header_missing = false\n",
    )
    .unwrap();
    // SAFETY: the only test of this binary sets it before anything else runs, the runtime's
    // threads included, and before the configuration is first read.
    unsafe { std::env::set_var(iast::config::CONFIG_VAR, &config) };

    let app = Router::new()
        .route(
            "/login",
            get(|| async {
                let cookie = [(http::header::SET_COOKIE, "session=token; Path=/")];
                (AppendHeaders(cookie), Html("<p>welcome</p>"))
            }),
        )
        .layer(IastLayer::new());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    reqwest::get(format!("http://{addr}/login")).await.unwrap();

    let mut rules: Vec<String> = iast_sinks::axum::findings()
        .iter()
        .map(|f| f.finding.rule().to_owned())
        .collect();
    rules.sort();
    assert_eq!(rules, ["NO_HTTPONLY_COOKIE", "NO_SAMESITE_COOKIE"]);
}
