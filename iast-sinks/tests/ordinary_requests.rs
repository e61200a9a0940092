//! An axum application of the shapes real services have, served over loopback with the
//! ready-made layer and wrappers, as a new user would set it up: ordinary requests raise no
//! finding, attacks do, and each finding names this file's line, the route and the parameter.
//! Two endpoints with the same bug are two flows; one flow keeps its fingerprint across
//! payloads and coincidental extra sources.
#![cfg(all(feature = "axum", feature = "std"))]

use axum::extract::{Path, Query, State};
use axum::response::Html;
use axum::routing::{get, post};
use axum::{Json, Router};
use iast::{Confidence, Vulnerability};
use iast_sinks::axum::{IastLayer, RequestFinding, findings};
use iast_sinks::process::CommandExt;
use iast_sinks::sanitize::is_path_component;
use iast_sinks::tracing::LogInjectionLayer;
use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Command;
use std::sync::{Arc, OnceLock};
use tracing_subscriber::layer::SubscriberExt;

type Params = Query<HashMap<String, String>>;

/// A directory whose name shares a long run of bytes with the `User-Agent` the tests send.
const SHARED_WITH_AGENT: &str = "reports-archive-2024";
const AGENT: &str = "Mozilla/5.0 (X11; Linux) reports-archive-2024 client";

#[derive(Clone)]
struct AppState {
    files: Arc<PathBuf>,
    bind: Arc<String>,
}

fn param(q: &Params, name: &str) -> String {
    q.get(name).cloned().unwrap_or_default()
}

fn app(state: AppState) -> Router {
    Router::new()
        // JSON in, JSON out: the request's `Content-Type` reappears in the response's.
        .route(
            "/v1/post-process",
            post(|Json(body): Json<HashMap<String, String>>| async move {
                let name = body.get("name").cloned().unwrap_or_default();
                // An argument vector without a shell: `name` is data for printf.
                let out = Command::new("printf")
                    .arg("%s")
                    .arg(&name)
                    .output_checked()
                    .unwrap();
                Json(HashMap::from([(
                    "echo".to_owned(),
                    String::from_utf8_lossy(&out.stdout).into_owned(),
                )]))
            }),
        )
        // An HTML page requested with a browser's `Accept: text/html,...`.
        .route(
            "/v1/page",
            get(|| async {
                Html("<html><body><p>text/html,application/xhtml+xml</p></body></html>")
            }),
        )
        // A literal segment (`artifacts`), a captured one (`{id}`) validated before use, a
        // file under a directory named like the client's `User-Agent`, and a log line that
        // repeats the literal segment.
        .route(
            "/v1/artifacts/{id}",
            get(
                |State(state): State<AppState>, Path(id): Path<String>| async move {
                    tracing::info!("artifact read");
                    if !is_path_component(&id) {
                        return "rejected".to_owned();
                    }
                    let path = state.files.join(SHARED_WITH_AGENT).join(&id);
                    iast_sinks::fs::read_to_string(path).unwrap_or_default()
                },
            ),
        )
        // A logged configuration that holds the bind address, which is also the `Host` of
        // every request.
        .route(
            "/v1/config",
            get(|State(state): State<AppState>| async move {
                tracing::info!("config: bind={} workers=2", state.bind);
                "ok"
            }),
        )
        // Attacks: a file name into a path, and the same shell bug on two endpoints.
        .route(
            "/v1/download",
            get(|State(state): State<AppState>, q: Params| async move {
                let path = state.files.join(param(&q, "file"));
                iast_sinks::fs::read_to_string(path).unwrap_or_default()
            }),
        )
        .route(
            "/v1/ping-a",
            get(|q: Params| async move { ping(&param(&q, "host")) }),
        )
        .route(
            "/v1/ping-b",
            get(|q: Params| async move { ping(&param(&q, "host")) }),
        )
        .layer(IastLayer::new())
        .with_state(state)
}

/// The shared helper both ping endpoints call: one line of this file, two routes.
fn ping(host: &str) -> String {
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!("echo ping {host}"))
        .output_checked()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

struct Server {
    base: String,
    _dir: tempfile::TempDir,
}

/// One server per test binary: the layer's log and the tracing subscriber are process-wide.
fn server() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(|| {
        let subscriber = tracing_subscriber::registry().with(LogInjectionLayer::new());
        tracing::subscriber::set_global_default(subscriber).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let shared = dir.path().join(SHARED_WITH_AGENT);
        std::fs::create_dir_all(&shared).unwrap();
        std::fs::write(shared.join("build-7.log"), "build 7 ok\n").unwrap();
        std::fs::write(dir.path().join("notes.txt"), "notes\n").unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let files = dir.path().to_owned();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                let addr = listener.local_addr().unwrap();
                let state = AppState {
                    files: Arc::new(files),
                    bind: Arc::new(addr.to_string()),
                };
                tx.send(addr).unwrap();
                axum::serve(listener, app(state)).await.unwrap();
            });
        });
        let addr = rx.recv().unwrap();
        Server {
            base: format!("http://{addr}"),
            _dir: dir,
        }
    })
}

/// Sends one request the way a browser or client library would (`Host`, `User-Agent`,
/// `Accept`) and returns the layer's findings for its route.
async fn send(method: &str, path: &str, headers: &[(&str, &str)], body: Option<&str>) -> String {
    let server = server();
    let client = reqwest::Client::new();
    let url = format!("{}{path}", server.base);
    let mut request = match method {
        "POST" => client.post(url),
        _ => client.get(url),
    }
    .header("user-agent", AGENT)
    .header(
        "accept",
        "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    )
    .header("accept-language", "en-US,en;q=0.5");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    if let Some(body) = body {
        request = request.body(body.to_owned());
    }
    request.send().await.unwrap().text().await.unwrap()
}

/// The tainted flows of a route: what ordinary input must not raise. (The weaknesses of the
/// response that need no taint, such as this app's pages without `nosniff`, are the same
/// whatever the input, and tested with the layers.)
fn findings_on(route: &str) -> Vec<RequestFinding> {
    findings()
        .into_iter()
        .filter(|f| {
            f.finding.route().is_some_and(|r| r.pattern() == route)
                && f.finding.vulnerability().needs_taint()
        })
        .collect()
}

fn describe(found: &[RequestFinding]) -> String {
    found
        .iter()
        .map(|f| f.finding.to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ordinary_requests_raise_no_finding() {
    let json = r#"{"name": "quarterly report; final"}"#;
    let echo = send(
        "POST",
        "/v1/post-process",
        &[("content-type", "application/json")],
        Some(json),
    )
    .await;
    assert!(echo.contains("quarterly report; final"), "{echo}");
    let page = send("GET", "/v1/page", &[], None).await;
    assert!(page.contains("text/html"));
    let artifact = send("GET", "/v1/artifacts/build-7.log", &[], None).await;
    assert_eq!(artifact, "build 7 ok\n");
    assert_eq!(send("GET", "/v1/config", &[], None).await, "ok");

    for route in [
        "/v1/post-process",
        "/v1/page",
        "/v1/artifacts/{id}",
        "/v1/config",
    ] {
        let found = findings_on(route);
        assert!(found.is_empty(), "{route}:\n{}", describe(&found));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_attack_names_this_file_the_route_and_the_parameter() {
    send("GET", "/v1/download?file=..%2F..%2Fetc%2Fpasswd", &[], None).await;
    let found = findings_on("/v1/download");
    assert_eq!(found.len(), 1, "{}", describe(&found));
    let f = &found[0].finding;
    assert_eq!(f.vulnerability(), Vulnerability::PathTraversal);
    assert_eq!(f.confidence(), Confidence::Confirmed);
    let call = f.call_site().expect("the application's call site");
    assert_eq!(call.file(), "iast-sinks/tests/ordinary_requests.rs");
    let this = include_str!("ordinary_requests.rs");
    let line = this.lines().nth(call.line() as usize - 1).unwrap();
    assert!(line.contains("iast_sinks::fs::read_to_string"), "{line}");
    assert_eq!(f.route().unwrap().to_string(), "GET /v1/download");
    let source = f.principal_source().unwrap();
    assert_eq!(source.describe(), "query parameter `file`");
    let text = f.to_string();
    assert!(
        text.contains("--> iast-sinks/tests/ordinary_requests.rs:"),
        "{text}"
    );
    assert!(text.contains("query parameter `file`"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_bug_on_two_endpoints_is_two_flows_and_a_baseline_hides_only_its_own() {
    send("GET", "/v1/ping-a?host=localhost%3B%20id", &[], None).await;
    send("GET", "/v1/ping-b?host=localhost%3B%20id", &[], None).await;
    let a = findings_on("/v1/ping-a");
    let b = findings_on("/v1/ping-b");
    assert_eq!(
        (a.len(), b.len()),
        (1, 1),
        "{}\n{}",
        describe(&a),
        describe(&b)
    );
    let (a, b) = (&a[0].finding, &b[0].finding);
    assert_eq!(a.vulnerability(), Vulnerability::CommandInjection);
    assert_eq!(a.confidence(), Confidence::Confirmed);
    // The same line of the same helper, reached from two routes.
    assert_eq!(a.call_site(), b.call_site());
    assert_ne!(a.fingerprint(), b.fingerprint());

    let config = iast::config::Config::parse(
        "iast.toml",
        &format!(
            "[[baseline]]\nfingerprint = \"{}\"\nreason = \"ping-a is internal\"\n",
            a.fingerprint()
        ),
    )
    .unwrap();
    assert!(config.suppression(a.fingerprint()).is_some());
    assert!(config.suppression(b.fingerprint()).is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_payload_and_a_coincidental_source_keep_the_fingerprint() {
    // Its own parameter name, so that the other tests' requests to the route stay apart.
    let first = "/v1/ping-a?host=example.org%3B%20uname";
    send("GET", first, &[], None).await;
    let before: Vec<_> = findings_on("/v1/ping-a");
    // Another payload, and a header that repeats a long piece of it.
    send(
        "GET",
        "/v1/ping-a?host=example.org%20%26%26%20cat%20%2Fetc%2Fshadow",
        &[("x-trace-note", "cat /etc/shadow requested")],
        None,
    )
    .await;
    let after = findings_on("/v1/ping-a");
    assert_eq!(before.len(), after.len(), "{}", describe(&after));
    let entry = after
        .iter()
        .find(|f| {
            f.finding
                .principal_source()
                .is_some_and(|s| s.name() == Some("host"))
        })
        .unwrap();
    assert!(entry.count >= 2, "{entry:?}");
    assert!(
        before
            .iter()
            .any(|f| f.finding.fingerprint() == entry.finding.fingerprint())
    );
}
