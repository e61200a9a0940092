//! `[fleet] trust` off, `send` on: the gateway still sends its `iast.taint` entry, and the
//! backend, which does not trust baggage, neither labels its findings with it nor takes the
//! entry out of the `baggage` header, which stays an ordinary header source. One test in
//! this binary, since the configuration is read once per process.
#![cfg(all(feature = "axum", feature = "reqwest"))]

use axum::http::HeaderMap;

include!("shared/fleet.rs");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_untrusting_backend_ignores_the_entry() {
    let _config = configure("[fleet]\nsend = true\ntrust = false\n");
    assert!(iast::fleet::sends() && !iast::fleet::trusts());

    let backend = Router::new()
        .route(
            "/rows",
            get(
                |headers: HeaderMap, Query(q): Query<HashMap<String, String>>| async move {
                    // The baggage itself, as a backend that logs it into a table might use it.
                    let baggage = headers.get("baggage").unwrap().to_str().unwrap().to_owned();
                    assert!(baggage.starts_with("iast.taint=1~"), "{baggage}");
                    run_query(&format!(
                        "SELECT id FROM people WHERE name = '{}'",
                        q["name"]
                    ));
                    run_query(&format!("INSERT INTO trace VALUES ('{baggage}')"));
                },
            ),
        )
        .layer(IastLayer::new().service("backend"));
    let backend = serve(backend).await;
    let gateway = serve(gateway(backend, &[("/search", "/rows", None)])).await;
    search(gateway, "/search", "' OR 'a'='a' --x").await;

    let mut sources: Vec<(String, bool)> = iast_sinks::axum::findings()
        .into_iter()
        .filter(|f| f.finding.vulnerability() == iast::Vulnerability::SqlInjection)
        .flat_map(|f| f.finding.sources().to_vec())
        .map(|s| (s.describe(), s.upstream().is_some()))
        .collect();
    sources.sort();
    assert_eq!(
        sources,
        [
            ("header `baggage`".to_owned(), false),
            ("query parameter `name`".to_owned(), false),
        ]
    );
}
