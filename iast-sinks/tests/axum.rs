//! The axum layer over real HTTP on loopback: request parts become sources, the response is
//! checked, and concurrent requests never see each other's taint.
#![cfg(feature = "axum")]

use axum::extract::Query;
use axum::response::{Html, Redirect};
use axum::routing::{get, post};
use axum::{Json, Router};
use iast::Confidence;
use iast_sinks::axum::{IastLayer, RequestFinding, findings};
use std::collections::HashMap;

include!("shared/web.rs");

type Params = Query<HashMap<String, String>>;

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
            "/card",
            get(|Query(q): Params| async move {
                Html(render_fragment(&format!(
                    "<div>{}</div>",
                    q.get("name").cloned().unwrap_or_default()
                )))
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
            post(|body: axum::body::Bytes| async move { upload(&body) }),
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
        .route(
            "/login",
            get(|| async {
                let cookies = LOGIN_COOKIES.map(|c| (http::header::SET_COOKIE, c));
                (axum::response::AppendHeaders(cookies), "ok")
            }),
        )
        .route("/page", get(|| async { Html("<p>page</p>") }))
        .route(
            "/hardened",
            get(|| async {
                let headers = [
                    (http::header::X_CONTENT_TYPE_OPTIONS, "nosniff, nosniff"),
                    (http::header::STRICT_TRANSPORT_SECURITY, "max-age=31536000"),
                ];
                (headers, Html("<p>page</p>"))
            }),
        )
        .route(
            "/crash",
            get(|| async { (http::StatusCode::INTERNAL_SERVER_ERROR, CRASH_BODY) }),
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reflected_query_parameter_is_confirmed_xss() {
    reflected_query_parameter_is_reported(&serve().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn escaped_output_is_clean() {
    escaped_and_ordinary_values_are_clean(&serve().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tainted_location_is_an_open_redirect() {
    tainted_location_is_reported(&serve().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_body_leaves_are_sources_and_the_body_reaches_the_handler() {
    json_field_is_named_by_its_pointer(&serve().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn raw_bodies_multipart_fields_and_captured_path_parameters_are_named_sources() {
    raw_body_multipart_field_and_path_parameter_are_named(&serve().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cookies_without_secure_httponly_or_samesite_are_found() {
    cookies_without_attributes_are_found_once_per_route(&serve().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_nosniff_and_hsts_are_found() {
    missing_security_headers_are_found(&serve().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panic_shown_in_a_response_is_found() {
    a_panic_in_an_error_response_is_found(&serve().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_never_share_taint() {
    two_hundred_requests_at_once_keep_their_own_taint(&serve().await).await;
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

/// A test that calls the app in-process inside `iast::check` gets the request's findings in
/// its own report, as `#[iast::test]` does, and they do not go to the layer's log.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_served_inside_a_check_belongs_to_its_report() {
    let report = iast::check_async(async {
        let request = http::Request::get("/greet?name=%3Cscript%3Ein-process-1%3C/script%3E")
            .body(axum::body::Body::empty())
            .unwrap();
        let response = tower::Service::call(&mut app(), request).await.unwrap();
        assert_eq!(response.status(), 200);
        // The request named the test's context while it was served, and gave its name back.
        let context = iast::Context::current().unwrap();
        assert!(context.replace_route(None).is_none());
    })
    .await;
    in_process_request_is_in_the_report(&report);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_the_application_checked_is_one_flow_at_its_line() {
    a_page_the_application_checked_is_one_flow(&serve().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_copy_of_the_payload_in_a_header_or_cookie_keeps_the_flow() {
    same_flow_whatever_else_repeats_the_payload(&serve().await).await;
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
