//! The axum layer over real HTTP on loopback: request parts become sources, the response is
//! checked, and concurrent requests never see each other's taint.
#![cfg(feature = "axum")]

use axum::extract::Query;
use axum::response::{Html, Redirect};
use axum::routing::{get, post};
use axum::{Json, Router};
use iast::{Confidence, Vulnerability};
use iast_sinks::axum::{IastLayer, RequestFinding, findings};
use std::collections::HashMap;

type Params = Query<HashMap<String, String>>;

#[iast::sanitizer(xss)]
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#x27;")
}

#[iast::sink(xss)]
fn render_fragment(html: &str) -> String {
    html.to_owned()
}

fn app() -> Router {
    Router::new()
        .route(
            "/spawned",
            get(|Query(q): Params| async move {
                let name = q.get("name").cloned().unwrap_or_default();
                // The fragment is rendered in a task of its own; the helper carries the
                // request's context into it.
                let html = iast_sinks::axum::spawn(async move {
                    render_fragment(&format!("<span>{name}</span>"))
                })
                .await
                .unwrap();
                let blocking = iast_sinks::axum::spawn_blocking(move || html.len())
                    .await
                    .unwrap();
                format!("{blocking}")
            }),
        )
        .route(
            "/greet",
            get(|Query(q): Params| async move {
                Html(format!(
                    "<p>Hello, {}!</p>",
                    q.get("name").cloned().unwrap_or_default()
                ))
            }),
        )
        .route(
            "/greet-safe",
            get(|Query(q): Params| async move {
                Html(format!(
                    "<p>Hello, {}!</p>",
                    escape(q.get("name").map_or("", |s| s))
                ))
            }),
        )
        // Raw and multipart bodies, and a captured path parameter, each into a sink.
        .route(
            "/notes/{slot}",
            post(
                |axum::extract::Path(slot): axum::extract::Path<String>, body: String| async move {
                    render_fragment(&format!("<li id={slot}>{body}</li>"))
                },
            ),
        )
        .route(
            "/upload",
            post(|body: axum::body::Bytes| async move {
                // A crude reader of the one field this handler expects.
                let text = String::from_utf8_lossy(&body).into_owned();
                let title = text
                    .split("\r\n\r\n")
                    .nth(1)
                    .and_then(|rest| rest.split("\r\n--").next())
                    .unwrap_or_default()
                    .to_owned();
                render_fragment(&format!("<h2>{title}</h2>"))
            }),
        )
        .route(
            "/greet-any",
            get(|Query(q): Params| async move {
                let name = q
                    .iter()
                    .find(|(k, _)| k.starts_with("name"))
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default();
                Html(format!("<p>Hello, {name}!</p>"))
            }),
        )
        .route(
            "/go",
            get(|Query(q): Params| async move { Redirect::to(q.get("next").map_or("/", |s| s)) }),
        )
        .route(
            "/profile",
            post(|Json(body): Json<HashMap<String, String>>| async move {
                Html(format!(
                    "<div>{}</div>",
                    body.get("bio").cloned().unwrap_or_default()
                ))
            }),
        )
        .layer(IastLayer::new())
}

/// Serves the app on an ephemeral loopback port for the rest of the test.
async fn serve() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app()).await.unwrap() });
    format!("http://{addr}")
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The layer's findings for requests whose URI holds `marker`.
fn findings_for(marker: &str) -> Vec<RequestFinding> {
    findings()
        .into_iter()
        .filter(|f| f.uri.contains(marker))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reflected_query_parameter_is_confirmed_xss() {
    let base = serve().await;
    let body = client()
        .get(format!(
            "{base}/greet?name=%3Cscript%3Ealert(1)%3C/script%3Emark-xss-1"
        ))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // The handler's response is delivered unchanged.
    assert_eq!(body, "<p>Hello, <script>alert(1)</script>mark-xss-1!</p>");
    let found = findings_for("mark-xss-1");
    assert_eq!(found.len(), 1, "{found:?}");
    let f = &found[0].finding;
    assert_eq!(f.vulnerability(), Vulnerability::Xss);
    assert_eq!(f.confidence(), Confidence::Confirmed);
    assert_eq!(f.sources()[0].origin(), Some("http.query"));
    assert_eq!(found[0].method, "GET");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn escaped_output_is_clean() {
    let base = serve().await;
    let body = client()
        .get(format!("{base}/greet-safe?name=%3Cb%3Emark-safe-1%3C/b%3E"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(body, "<p>Hello, &lt;b&gt;mark-safe-1&lt;/b&gt;!</p>");
    assert!(findings_for("mark-safe-1").is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tainted_location_is_an_open_redirect() {
    let base = serve().await;
    let response = client()
        .get(format!("{base}/go?next=//evil.example/mark-redirect-1"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.headers()["location"],
        "//evil.example/mark-redirect-1"
    );
    let found = findings_for("mark-redirect-1");
    let classes: Vec<_> = found.iter().map(|f| f.finding.vulnerability()).collect();
    assert!(classes.contains(&Vulnerability::OpenRedirect), "{found:?}");
    let redirect = found
        .iter()
        .find(|f| f.finding.vulnerability() == Vulnerability::OpenRedirect)
        .unwrap();
    assert_eq!(redirect.finding.confidence(), Confidence::Confirmed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_body_leaves_are_sources_and_the_body_reaches_the_handler() {
    let base = serve().await;
    let body = client()
        .post(format!("{base}/profile?m=mark-json-1"))
        .header("content-type", "application/json")
        .body(r#"{"bio": "<img src=x onerror=alert(1)>"}"#)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(body, "<div><img src=x onerror=alert(1)></div>");
    let found = findings_for("mark-json-1");
    assert_eq!(found.len(), 1, "{found:?}");
    let source = &found[0].finding.sources()[0];
    assert_eq!(source.origin(), Some("http.json"));
    assert_eq!(source.describe(), "JSON field `/bio`");
    assert_eq!(found[0].finding.confidence(), Confidence::Confirmed);
}

/// The flows of one route, by its pattern.
fn flows_on(pattern: &str) -> Vec<RequestFinding> {
    findings()
        .into_iter()
        .filter(|f| f.finding.route().is_some_and(|r| r.pattern() == pattern))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn raw_bodies_multipart_fields_and_captured_path_parameters_are_named_sources() {
    let base = serve().await;
    client()
        .post(format!("{base}/notes/%3Cb%3Eslot%3C%2Fb%3E"))
        .header("content-type", "text/plain")
        .body("<img src=x onerror=alert(1)>")
        .send()
        .await
        .unwrap();
    let found = flows_on("/notes/{slot}");
    let mut named: Vec<String> = found
        .iter()
        .flat_map(|f| f.finding.sources().iter().map(|s| s.describe()))
        .collect();
    named.sort();
    named.dedup();
    assert_eq!(
        named,
        ["path parameter `slot`", "the request body"],
        "{found:#?}"
    );
    // The literal segment `notes` is the route's own text, never a source.
    assert!(found.iter().all(|f| {
        f.finding
            .evidence()
            .tainted_text()
            .all(|t| !t.contains("notes"))
    }));

    let body = "--B0undary\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\n\
                <script>alert(2)</script>\r\n--B0undary--\r\n";
    client()
        .post(format!("{base}/upload"))
        .header("content-type", "multipart/form-data; boundary=B0undary")
        .body(body)
        .send()
        .await
        .unwrap();
    let found = flows_on("/upload");
    assert_eq!(found.len(), 1, "{found:#?}");
    let f = &found[0].finding;
    assert_eq!(f.confidence(), Confidence::Confirmed);
    assert_eq!(
        f.principal_source().unwrap().describe(),
        "multipart field `title`"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_never_share_taint() {
    let base = serve().await;
    let client = client();
    let requests = (0..200).map(|i| {
        let client = client.clone();
        // A parameter name of its own per request: one flow each, so that the log keeps
        // every request's finding apart.
        let url = format!(
            "{base}/greet-any?name{i:03}=%3Cb%3Econcurrent-{i:03}-token%3C/b%3E&m=mark-conc"
        );
        tokio::spawn(async move { client.get(url).send().await.unwrap().text().await.unwrap() })
    });
    for (i, request) in requests.enumerate().collect::<Vec<_>>() {
        let body = request.await.unwrap();
        assert!(body.contains(&format!("concurrent-{i:03}-token")));
    }
    let found = findings_for("mark-conc");
    assert_eq!(found.len(), 200, "one finding per request");
    for f in &found {
        let tainted: Vec<_> = f.finding.evidence().tainted_text().collect();
        assert_eq!(tainted.len(), 1, "{f:?}");
        // The tainted text is this request's own parameter, never another request's.
        let own = f.uri.split('=').nth(1).unwrap().split('&').next().unwrap();
        let own = own.replace("%3C", "<").replace("%3E", ">");
        assert_eq!(tainted[0], own, "{f:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn taint_follows_the_request_into_spawned_tasks() {
    let base = serve().await;
    client()
        .get(format!(
            "{base}/spawned?name=%3Cscript%3Emark-spawn-1%3C/script%3E"
        ))
        .send()
        .await
        .unwrap();
    let found = findings_for("mark-spawn-1");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0]
            .finding
            .sink()
            .function()
            .ends_with("render_fragment")
    );
    assert_eq!(found[0].finding.confidence(), Confidence::Confirmed);
}

/// Findings of requests that do not end with a response: a client that hangs up after the
/// sink ran, a timeout that drops the request's future, a task that outlives the response.
mod unfinished {
    use super::*;
    use axum::extract::Request;
    use axum::middleware::Next;
    use axum::response::IntoResponse;
    use std::time::Duration;

    /// Each test sends a parameter of its own name: one flow each in the layer's log.
    fn tainted(q: &Params) -> String {
        format!("<b>{}</b>", q.values().next().cloned().unwrap_or_default())
    }

    async fn timeout(request: Request, next: Next) -> axum::response::Response {
        match tokio::time::timeout(Duration::from_millis(100), next.run(request)).await {
            Ok(response) => response,
            Err(_) => http::StatusCode::REQUEST_TIMEOUT.into_response(),
        }
    }

    async fn slow(q: Params) -> &'static str {
        render_fragment(&tainted(&q));
        tokio::time::sleep(Duration::from_secs(30)).await;
        "late"
    }

    fn app() -> Router {
        // Without a timeout: only the client's hanging up ends the request.
        let untimed = Router::new()
            .route("/hang", get(slow))
            .layer(IastLayer::new());
        Router::new()
            .route("/slow", get(slow))
            .route(
                "/after",
                get(|q: Params| async move {
                    let html = tainted(&q);
                    iast_sinks::axum::spawn(async move {
                        tokio::time::sleep(Duration::from_millis(200)).await;
                        render_fragment(&html);
                    });
                    "accepted"
                }),
            )
            .layer(IastLayer::new())
            .layer(axum::middleware::from_fn(timeout))
            .merge(untimed)
    }

    async fn serve() -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app()).await.unwrap() });
        format!("http://{addr}")
    }

    /// Waits up to five seconds for a flow of `marker`'s request.
    async fn published(marker: &str) -> Vec<RequestFinding> {
        for _ in 0..100 {
            let found: Vec<_> = findings()
                .into_iter()
                .filter(|f| {
                    f.finding
                        .evidence()
                        .tainted_text()
                        .any(|t| t.contains(marker))
                })
                .collect();
            if !found.is_empty() {
                return found;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Vec::new()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_timeout_that_drops_the_request_keeps_its_findings() {
        let base = serve().await;
        let response = client()
            .get(format!("{base}/slow?timeout=timeout-mark-1"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 408);
        let found = published("timeout-mark-1").await;
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(found[0].finding.route().unwrap().pattern(), "/slow");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_client_that_hangs_up_after_the_sink_ran_is_still_reported() {
        let base = serve().await;
        let client = reqwest::Client::builder()
            .timeout(Duration::from_millis(50))
            .build()
            .unwrap();
        let sent = client
            .get(format!("{base}/hang?hangup=hangup-mark-1"))
            .send()
            .await;
        assert!(sent.is_err(), "the client hung up");
        let found = published("hangup-mark-1").await;
        assert_eq!(found.len(), 1, "{found:#?}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_task_that_outlives_the_response_is_reported_when_it_ends() {
        let base = serve().await;
        let body = client()
            .get(format!("{base}/after?after=after-mark-1"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(body, "accepted");
        let found = published("after-mark-1").await;
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(
            found[0]
                .finding
                .sink()
                .function()
                .ends_with("render_fragment")
        );
    }
}
