//! The actix-web middleware over real HTTP on loopback: request parts become sources, the
//! response is checked, findings name the route, and concurrent requests never see each
//! other's taint.
#![cfg(feature = "actix-web")]

use actix_web::http::header;
use actix_web::web::{self, Bytes};
use actix_web::{App, HttpResponse, HttpServer};
use iast::{Confidence, Vulnerability};
use iast_sinks::actix_web::IastMiddleware;
use std::collections::HashMap;

include!("shared/web.rs");

type Params = web::Query<HashMap<String, String>>;

fn html(body: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(body)
}

fn param(q: &Params, name: &str) -> String {
    q.get(name).cloned().unwrap_or_default()
}

async fn greet(q: Params) -> HttpResponse {
    html(format!("<p>Hello, {}!</p>", param(&q, "name")))
}

async fn card(q: Params) -> HttpResponse {
    html(render_fragment(&format!(
        "<div>{}</div>",
        param(&q, "name")
    )))
}

async fn greet_safe(q: Params) -> HttpResponse {
    html(format!("<p>Hello, {}!</p>", escape(&param(&q, "name"))))
}

async fn greet_any(q: Params) -> HttpResponse {
    let name = q
        .iter()
        .find(|(k, _)| k.starts_with("name"))
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    html(format!("<p>Hello, {name}!</p>"))
}

async fn go(q: Params) -> HttpResponse {
    HttpResponse::Found()
        .insert_header((header::LOCATION, param(&q, "next")))
        .finish()
}

async fn remember(q: Params) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::SET_COOKIE, format!("theme={}", param(&q, "theme"))))
        .body("saved")
}

async fn profile(body: web::Json<HashMap<String, String>>) -> HttpResponse {
    html(format!(
        "<div>{}</div>",
        body.get("bio").cloned().unwrap_or_default()
    ))
}

async fn note(slot: web::Path<String>, body: String) -> String {
    render_fragment(&format!("<li id={slot}>{body}</li>"))
}

async fn item(ids: web::Path<(String, u32)>) -> String {
    render_fragment(&format!("<h1>{}</h1>", ids.0))
}

/// The fragment is rendered in a local task (actix-web's own way to spawn) and its length
/// counted in a blocking closure (`web::block`'s way); both carry the request's context.
async fn spawned(q: Params) -> String {
    let name = param(&q, "name");
    let html = iast_sinks::actix_web::spawn_local(async move {
        render_fragment(&format!("<span>{name}</span>"))
    })
    .await
    .unwrap();
    let len = iast_sinks::actix_web::spawn_blocking(move || render_fragment(&html).len())
        .await
        .unwrap();
    format!("{len}")
}

/// Renders, then takes longer than the client waits.
async fn slow(q: Params) -> &'static str {
    render_fragment(&format!("<b>{}</b>", param(&q, "hangup")));
    actix_web::rt::time::sleep(std::time::Duration::from_secs(1)).await;
    "late"
}

async fn login() -> HttpResponse {
    let mut response = HttpResponse::Ok();
    for cookie in LOGIN_COOKIES {
        response.append_header((header::SET_COOKIE, cookie));
    }
    response.body("ok")
}

async fn page() -> HttpResponse {
    html("<p>page</p>".to_owned())
}

async fn hardened() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff, nosniff"))
        .insert_header((header::STRICT_TRANSPORT_SECURITY, "max-age=31536000"))
        .content_type("text/html; charset=utf-8")
        .body("<p>page</p>")
}

async fn crash() -> HttpResponse {
    HttpResponse::InternalServerError()
        .content_type("text/plain; charset=utf-8")
        .body(CRASH_BODY)
}

fn app() -> App<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse<actix_web::body::BoxBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    App::new()
        .route("/greet", web::get().to(greet))
        .route("/greet-safe", web::get().to(greet_safe))
        .route("/card", web::get().to(card))
        .route("/greet-any", web::get().to(greet_any))
        .route("/go", web::get().to(go))
        .route("/remember", web::get().to(remember))
        .route("/profile", web::post().to(profile))
        .route("/notes/{slot}", web::post().to(note))
        .route(
            "/upload",
            web::post().to(|body: Bytes| async move { upload(&body) }),
        )
        .route("/spawned", web::get().to(spawned))
        .route("/slow", web::get().to(slow))
        .route("/login", web::get().to(login))
        .route("/page", web::get().to(page))
        .route("/hardened", web::get().to(hardened))
        .route("/crash", web::get().to(crash))
        .service(web::scope("/shop").route("/items/{name}/{id:\\d+}", web::get().to(item)))
        .wrap(IastMiddleware::new())
}

/// Serves the app on an ephemeral loopback port, in a thread of its own running actix-web's
/// runtime, for the rest of the test process.
fn serve() -> String {
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let server = HttpServer::new(app)
                .workers(2)
                .bind(("127.0.0.1", 0))
                .unwrap();
            sender.send(server.addrs()[0]).unwrap();
            server.run().await.unwrap();
        })
    });
    format!("http://{}", receiver.recv().unwrap())
}

#[tokio::test]
async fn reflected_query_parameter_is_confirmed_xss_named_by_route() {
    reflected_query_parameter_is_reported(&serve()).await;
}

#[tokio::test]
async fn cookies_without_secure_httponly_or_samesite_are_found() {
    cookies_without_attributes_are_found_once_per_route(&serve()).await;
}

#[tokio::test]
async fn missing_nosniff_and_hsts_are_found() {
    missing_security_headers_are_found(&serve()).await;
}

#[tokio::test]
async fn a_panic_shown_in_a_response_is_found() {
    a_panic_in_an_error_response_is_found(&serve()).await;
}

#[tokio::test]
async fn escaped_output_is_clean() {
    escaped_and_ordinary_values_are_clean(&serve()).await;
}

#[tokio::test]
async fn tainted_location_and_cookie_are_reported() {
    let base = serve();
    tainted_location_is_reported(&base).await;

    let response = client()
        .get(format!(
            "{base}/remember?theme=dark%3B%20Domain%3Devil.example&m=mark-cookie-1"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.headers()["set-cookie"],
        "theme=dark; Domain=evil.example"
    );
    let found = findings_for("mark-cookie-1");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(
        found[0].finding.vulnerability(),
        Vulnerability::HeaderInjection
    );
    // The attacker's `; Domain=` is an attribute of the cookie.
    assert_eq!(found[0].finding.confidence(), Confidence::Confirmed);
}

#[tokio::test]
async fn json_body_leaves_are_sources_and_the_body_reaches_the_handler() {
    json_field_is_named_by_its_pointer(&serve()).await;
}

#[tokio::test]
async fn raw_bodies_multipart_fields_and_captured_path_parameters_are_named_sources() {
    let base = serve();
    raw_body_multipart_field_and_path_parameter_are_named(&base).await;
    // The sink is the application's own function, at its own line.
    let found = flows_on("/notes/{slot}");
    let call = found[0].finding.call_site().unwrap();
    assert!(call.file().ends_with("tests/actix_web.rs"), "{call:?}");
}

#[tokio::test]
async fn a_route_in_a_scope_is_named_whole_and_its_captures_are_sources() {
    let base = serve();
    let body = fetch(format!(
        "{base}/shop/items/%3Cb%3Emark-scope-1%3C%2Fb%3E/42"
    ))
    .await;
    assert_eq!(body, "<h1><b>mark-scope-1</b></h1>");
    let found = flows_on("/shop/items/{name}/{id:\\d+}");
    assert_eq!(found.len(), 1, "{found:#?}");
    let f = &found[0].finding;
    assert_eq!(
        f.principal_source().unwrap().describe(),
        "path parameter `name`"
    );
    assert_eq!(f.confidence(), Confidence::Confirmed);
}

#[tokio::test]
async fn concurrent_requests_never_share_taint() {
    two_hundred_requests_at_once_keep_their_own_taint(&serve()).await;
}

#[tokio::test]
async fn taint_follows_the_request_into_local_tasks_and_blocking_closures() {
    let base = serve();
    fetch(format!(
        "{base}/spawned?name=%3Cscript%3Emark-spawn-1%3C/script%3E"
    ))
    .await;
    let found = findings_for("mark-spawn-1");
    // One flow (a fingerprint leaves line numbers out), seen at both calls of the sink.
    assert_eq!(found.len(), 1, "{found:#?}");
    let f = &found[0].finding;
    assert!(f.sink().function().ends_with("render_fragment"));
    assert_eq!(f.confidence(), Confidence::Confirmed);
    assert_eq!(f.hits(), 2, "{f:#?}");
}

#[tokio::test]
async fn a_client_that_hangs_up_after_the_sink_ran_is_still_reported() {
    let base = serve();
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_millis(100))
        .build()
        .unwrap();
    let sent = client
        .get(format!("{base}/slow?hangup=hangup-mark-1"))
        .send()
        .await;
    assert!(sent.is_err(), "the client hung up");
    // actix-web finishes a request whose client has left (or drops it, if it sees the
    // connection close first): either way the context ends and publishes.
    for _ in 0..100 {
        if !findings_for("hangup-mark-1").is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let found = findings_for("hangup-mark-1");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].finding.route().unwrap().pattern(), "/slow");
}

/// A test that calls the app in-process inside `iast::check` gets the request's findings in
/// its own report, as `#[iast::test]` does, and they do not go to the middleware's log.
#[test]
fn a_request_served_inside_a_check_belongs_to_its_report() {
    actix_web::rt::System::new().block_on(async {
        let app = actix_web::test::init_service(app()).await;
        let report = iast::check_async(async {
            let request = actix_web::test::TestRequest::get()
                .uri("/greet?name=%3Cscript%3Ein-process-1%3C/script%3E")
                .to_request();
            let response = actix_web::test::call_service(&app, request).await;
            assert!(response.status().is_success());
            // The request named the test's context while it was served, and gave its name back.
            let context = iast::Context::current().unwrap();
            assert!(context.replace_route(None).is_none());
        })
        .await;
        in_process_request_is_in_the_report(&report);
    });
}

#[tokio::test]
async fn a_page_the_application_checked_is_one_flow_at_its_line() {
    a_page_the_application_checked_is_one_flow(&serve()).await;
}

#[tokio::test]
async fn a_copy_of_the_payload_in_a_header_or_cookie_keeps_the_flow() {
    same_flow_whatever_else_repeats_the_payload(&serve()).await;
}

/// `iast`'s warnings, as the process's `tracing` subscriber received them.
fn warnings() -> &'static std::sync::Mutex<Vec<String>> {
    use tracing_subscriber::layer::SubscriberExt;
    static SEEN: std::sync::OnceLock<std::sync::Mutex<Vec<String>>> = std::sync::OnceLock::new();
    struct Record;
    impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Record {
        fn on_event(
            &self,
            event: &tracing::Event<'_>,
            _: tracing_subscriber::layer::Context<'_, S>,
        ) {
            struct Message(String);
            impl tracing::field::Visit for Message {
                fn record_debug(
                    &mut self,
                    field: &tracing::field::Field,
                    value: &dyn std::fmt::Debug,
                ) {
                    if field.name() == "message" {
                        self.0 = format!("{value:?}");
                    }
                }
            }
            if event.metadata().target() == "iast" {
                let mut message = Message(String::new());
                event.record(&mut message);
                SEEN.get().unwrap().lock().unwrap().push(message.0);
            }
        }
    }
    SEEN.get_or_init(|| {
        let subscriber = tracing_subscriber::registry().with(Record);
        tracing::subscriber::set_global_default(subscriber).unwrap();
        std::sync::Mutex::new(Vec::new())
    })
}

/// A body sent in chunks has no size to check against the limit: it reaches the handler
/// unread, and the middleware says so once.
#[tokio::test]
async fn a_chunked_body_passes_unread_and_that_is_said() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let seen = warnings();
    let base = serve();
    let mut stream = tokio::net::TcpStream::connect(base.trim_start_matches("http://"))
        .await
        .unwrap();
    let body = "<img src=x onerror=alert(3)>";
    let request = format!(
        "POST /notes/chunked HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n\
         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n{:x}\r\n{body}\r\n0\r\n\r\n",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    assert!(
        response.ends_with("<li id=chunked><img src=x onerror=alert(3)></li>"),
        "{response}"
    );
    let said: Vec<String> = seen
        .lock()
        .unwrap()
        .iter()
        .filter(|m| m.contains("passed on unread"))
        .cloned()
        .collect();
    assert_eq!(said.len(), 1, "{said:?}");
    assert!(
        said[0].contains("a request body of unknown size"),
        "{said:?}"
    );
}
