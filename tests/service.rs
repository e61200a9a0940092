//! The example service (`examples/service.rs`) over real HTTP on loopback: each vulnerable
//! endpoint is reported under its class, each fixed one stays clean under the same attacks,
//! and concurrent requests keep their own taint.
//!
//! The layer's findings log is process-wide and the tests run in parallel, so each test tags
//! its requests with a marker parameter and reads only the findings whose URI holds it.

#[path = "../examples/service/app.rs"]
mod app;

use iast::Vulnerability;
use iast_sinks::axum::{RequestFinding, findings};
use serde::Serialize;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Mutex;

/// The layer's `tracing` events (target `iast`), one per finding of each request, with their
/// fields as text: what an operator's log shows. The process-wide log keeps one entry per flow,
/// so the per-request view of these tests reads the events.
static EVENTS: Mutex<Vec<BTreeMap<String, String>>> = Mutex::new(Vec::new());

struct Capture;

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Capture {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        if event.metadata().target() != "iast" {
            return;
        }
        struct Fields(BTreeMap<String, String>);
        impl tracing::field::Visit for Fields {
            fn record_debug(&mut self, f: &tracing::field::Field, v: &dyn std::fmt::Debug) {
                self.0.insert(f.name().to_owned(), format!("{v:?}"));
            }
            fn record_str(&mut self, f: &tracing::field::Field, v: &str) {
                self.0.insert(f.name().to_owned(), v.to_owned());
            }
        }
        let mut fields = Fields(BTreeMap::new());
        event.record(&mut fields);
        EVENTS.lock().unwrap().push(fields.0);
    }
}

/// The events of tainted flows in requests whose URI holds `marker`. (A weakness of the
/// response that needs no taint is an event once per process, for whichever test's request
/// came first: those are asserted on the layer's log.)
fn events_for(marker: &str) -> Vec<BTreeMap<String, String>> {
    let tainted = |rule: &str| {
        iast::Vulnerability::ALL
            .iter()
            .any(|v| v.needs_taint() && v.rule_id() == rule)
    };
    EVENTS
        .lock()
        .unwrap()
        .iter()
        .filter(|e| e.get("uri").is_some_and(|u| u.contains(marker)))
        .filter(|e| e.get("rule").is_some_and(|r| tainted(r)))
        .cloned()
        .collect()
}

/// Each endpoint with an attack on its parameter and the class it must be reported under.
const ATTACKS: &[(&str, &str, &str, Vulnerability)] = &[
    (
        "search",
        "name",
        "x' OR '1'='1",
        Vulnerability::SqlInjection,
    ),
    (
        "file",
        "name",
        "../secret.txt",
        Vulnerability::PathTraversal,
    ),
    (
        "ping",
        "host",
        "localhost; echo INJECTED",
        Vulnerability::CommandInjection,
    ),
    (
        "preview",
        "url",
        "http://169.254.169.254/latest/meta-data/",
        Vulnerability::Ssrf,
    ),
    (
        "login",
        "next",
        "https://evil.example/phish",
        Vulnerability::OpenRedirect,
    ),
    (
        "greet",
        "name",
        "<script>alert(1)</script>",
        Vulnerability::Xss,
    ),
    (
        "audit",
        "user",
        "alice\nINFO login ok user=admin",
        Vulnerability::LogInjection,
    ),
];

/// A running service and the temporary directory its files live in.
struct Service {
    addr: SocketAddr,
    root: tempfile::TempDir,
    client: reqwest::Client,
}

impl Service {
    async fn start() -> Service {
        // The audit endpoint logs through tracing; its events are checked by the layer, as
        // in the service's `main`.
        static SUBSCRIBER: std::sync::Once = std::sync::Once::new();
        SUBSCRIBER.call_once(|| {
            use tracing_subscriber::layer::SubscriberExt;
            let subscriber = tracing_subscriber::registry()
                .with(iast_sinks::tracing::LogInjectionLayer::new())
                .with(Capture);
            tracing::subscriber::set_global_default(subscriber).unwrap();
        });
        let root = tempfile::tempdir().unwrap();
        let state = app::AppState::new(root.path()).unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app::app(state)).await.unwrap() });
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Service { addr, root, client }
    }

    async fn get(&self, path: &str, param: &str, value: &str, marker: &str) -> reqwest::Response {
        let url = format!(
            "http://{}{path}?{param}={}&m={marker}",
            self.addr,
            encode(value)
        );
        self.client.get(url).send().await.unwrap()
    }
}

/// Percent-encodes a query value, as a client would.
fn encode(value: &str) -> String {
    // Called outside any context: here it is an ordinary function.
    iast_sinks::sanitize::url_component(value)
}

/// The layer's flows on routes under `prefix` (`GET /fixed/`).
fn flows_under(prefix: &str) -> Vec<RequestFinding> {
    findings()
        .into_iter()
        .filter(|f| {
            f.finding
                .route()
                .is_some_and(|r| r.to_string().starts_with(prefix))
        })
        .collect()
}

/// What of a finding is stable across runs and machines: no ports, temp paths, lines or
/// the untainted rest of the evidence.
#[derive(Debug, Serialize, PartialEq, Eq, PartialOrd, Ord)]
struct Projection {
    route: String,
    rule: String,
    confidence: String,
    location: String,
    function: String,
    sink: String,
    sources: String,
    tainted: String,
}

fn project(e: &BTreeMap<String, String>) -> Projection {
    let field = |name: &str| e.get(name).cloned().unwrap_or_default();
    // The line moves with every edit of the example; the file and function do not.
    let location = field("location");
    let file = match location.rsplit_once(':') {
        Some((file, line)) if line.bytes().all(|b| b.is_ascii_digit()) => file,
        _ => &location,
    };
    Projection {
        route: field("route"),
        rule: field("rule"),
        confidence: field("confidence"),
        location: file.to_owned(),
        function: field("function"),
        sink: field("sink"),
        sources: field("sources"),
        tainted: field("tainted"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_vulnerable_endpoint_is_reported() {
    let service = Service::start().await;
    let marker = "mark-vulnerable";
    for (endpoint, param, attack, _) in ATTACKS {
        let path = format!("/vulnerable/{endpoint}");
        service.get(&path, param, attack, marker).await;
    }
    let found = events_for(marker);
    for (endpoint, _, _, class) in ATTACKS {
        let route = format!("GET /vulnerable/{endpoint}");
        assert!(
            found
                .iter()
                .any(|e| e["route"] == route && e["rule"] == class.rule_id()),
            "{route} not reported as {class:?}: {found:#?}"
        );
    }
    let root = service.root.path().to_string_lossy().into_owned();
    let port = format!(":{}", service.addr.port());
    for e in &found {
        assert!(
            !e["tainted"].contains(&root) && !e["tainted"].contains(&port),
            "{e:?}"
        );
        // Each points at the example's own code, or at the route for a response check.
        let at_app = e["location"].starts_with("examples/service/app.rs:");
        let response = e["location"] == e["route"] && e["sink"].starts_with("iast_sinks::web::");
        assert!(at_app || response, "{e:#?}");
    }
    let mut projected: Vec<Projection> = found.iter().map(project).collect();
    projected.sort();
    insta::assert_yaml_snapshot!(projected);

    // The login's session cookie lacks its three attributes, and the greeting page `nosniff`.
    let mut weaknesses: Vec<(String, String, Option<String>)> = flows_under("GET /vulnerable/")
        .into_iter()
        .filter(|f| !f.finding.vulnerability().needs_taint())
        // The routes this test requested: other tests of this process request others.
        .filter(|f| {
            let pattern = f.finding.route().unwrap().pattern().to_owned();
            ATTACKS
                .iter()
                .any(|(endpoint, ..)| pattern == format!("/vulnerable/{endpoint}"))
        })
        .map(|f| {
            let route = f.finding.route().unwrap().to_string();
            let subject = f.finding.subject().map(str::to_owned);
            (route, f.finding.rule().to_owned(), subject)
        })
        .collect();
    weaknesses.sort();
    let login = |rule: &str| {
        let route = "GET /vulnerable/login".to_owned();
        (route, rule.to_owned(), Some("session".to_owned()))
    };
    assert_eq!(
        weaknesses,
        [
            (
                "GET /vulnerable/greet".to_owned(),
                "XCONTENTTYPE_HEADER_MISSING".to_owned(),
                None
            ),
            login("INSECURE_COOKIE"),
            login("NO_HTTPONLY_COOKIE"),
            login("NO_SAMESITE_COOKIE"),
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fixed_endpoints_stay_clean_under_the_same_attacks() {
    let service = Service::start().await;
    let marker = "mark-fixed";
    let mut statuses = Vec::new();
    for (endpoint, param, attack, _) in ATTACKS {
        let response = service
            .get(&format!("/fixed/{endpoint}"), param, attack, marker)
            .await;
        let location = response
            .headers()
            .get("location")
            .map(|v| v.to_str().unwrap().to_owned());
        let status = response.status().as_u16();
        let body = response.text().await.unwrap();
        statuses.push((*endpoint, status, location, body));
    }
    let found = flows_under("GET /fixed/");
    assert!(found.is_empty(), "{found:#?}");

    let outcome = |name: &str| statuses.iter().find(|s| s.0 == name).unwrap();
    // The attacks are refused or defused, not merely unreported.
    assert_eq!(outcome("search").3, "", "no user is named like the attack");
    assert_eq!(outcome("file").1, 400);
    assert_eq!(outcome("ping").3, "ping -- localhost; echo INJECTED\n");
    assert_eq!(outcome("preview").1, 403);
    assert_eq!(outcome("login").2.as_deref(), Some("/"));
    assert!(outcome("greet").3.contains("&lt;script&gt;"));

    // Benign values go through, and stay clean too.
    let marker = "mark-benign";
    let readme = service
        .get("/fixed/file", "name", "readme.txt", marker)
        .await;
    assert_eq!(readme.text().await.unwrap(), "Welcome to the file area.\n");
    let preview = service
        .get("/fixed/preview", "url", "https://example.com/news", marker)
        .await;
    assert_eq!(preview.status(), 200);
    let login = service
        .get("/fixed/login", "next", "/account", marker)
        .await;
    assert_eq!(login.headers()["location"], "/account");
    let found = flows_under("GET /fixed/");
    assert!(found.is_empty(), "{found:#?}");
    assert!(events_for(marker).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_keep_their_own_taint() {
    let service = std::sync::Arc::new(Service::start().await);
    let marker = "mark-concurrent";
    let requests: Vec<_> = (0..200)
        .map(|i| {
            let service = service.clone();
            tokio::spawn(async move {
                let token = format!("conc-{i:03}-token");
                let response = if i % 2 == 0 {
                    let name = format!("<b>{token}</b>");
                    service
                        .get("/vulnerable/greet", "name", &name, marker)
                        .await
                } else {
                    let name = format!("x' OR name = '{token}");
                    service
                        .get("/vulnerable/search", "name", &name, marker)
                        .await
                };
                assert_eq!(response.status(), 200);
            })
        })
        .collect();
    for request in requests {
        request.await.unwrap();
    }
    let found = events_for(marker);
    assert_eq!(found.len(), 200, "one finding per request");
    for e in &found {
        let own = e["uri"].split("conc-").nth(1).unwrap()[..3].to_owned();
        // One tainted range, this request's own value, never another request's.
        let tainted = &e["tainted"];
        assert!(!tainted.contains(" | "), "{e:#?}");
        assert!(tainted.contains(&format!("conc-{own}-token")), "{e:#?}");
        assert_eq!(tainted.matches("conc-").count(), 1, "{e:#?}");
        let expected = if e["uri"].starts_with("/vulnerable/greet?") {
            Vulnerability::Xss
        } else {
            Vulnerability::SqlInjection
        };
        assert_eq!(e["rule"], expected.rule_id(), "{e:#?}");
    }
    // The log holds each flow once, however many requests showed it.
    let greet: Vec<_> = flows_under("GET /vulnerable/greet")
        .into_iter()
        .filter(|f| f.finding.vulnerability() == Vulnerability::Xss)
        .collect();
    assert_eq!(greet.len(), 1, "{greet:#?}");
    assert!(greet[0].count >= 100, "{:?}", greet[0].count);
}

/// A weakness of the response is the same on every request to its route: one flow in the
/// log counting the requests, and one `tracing` event, not one per request.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_insecure_cookie_is_one_flow_and_one_event() {
    let service = Service::start().await;
    for _ in 0..3 {
        let response = service
            .get("/vulnerable/login", "next", "/account", "mark-cookie")
            .await;
        assert!(
            response.headers()["set-cookie"]
                .to_str()
                .unwrap()
                .starts_with("session=")
        );
    }
    let on_login = |e: &&BTreeMap<String, String>| {
        e.get("rule").is_some_and(|r| r == "INSECURE_COOKIE")
            && e.get("route").is_some_and(|r| r == "GET /vulnerable/login")
    };
    let events = EVENTS.lock().unwrap().iter().filter(on_login).count();
    assert_eq!(events, 1);
    let flows: Vec<_> = flows_under("GET /vulnerable/login")
        .into_iter()
        .filter(|f| f.finding.rule() == "INSECURE_COOKIE")
        .collect();
    assert_eq!(flows.len(), 1, "{flows:#?}");
    assert!(flows[0].count >= 3, "{flows:#?}");
    assert_eq!(flows[0].finding.subject(), Some("session"));
}

/// Stored XSS across two requests: a comment posted by one is rendered by another. The post
/// is clean (its insert binds the text); the page that shows it is a stored flow, named
/// after the database column, confirmed for script and only unsanitized for plain text. The
/// fixed page escapes what it reads and is clean.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stored_comment_rendered_by_another_request_is_stored_xss() {
    let service = Service::start().await;
    let post = |variant: &str, text: &str| {
        let url = format!("http://{}/{variant}/comments", service.addr);
        let body = format!("text={}", encode(text));
        service
            .client
            .post(url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
    };
    let show = |variant: &str| {
        let url = format!("http://{}/{variant}/comments", service.addr);
        service.client.get(url).send()
    };
    let script = "<script>alert(document.cookie)</script>";
    for variant in ["vulnerable", "fixed"] {
        assert_eq!(post(variant, script).await.unwrap().status(), 201);
    }
    let tainted = |prefix: &str| -> Vec<RequestFinding> {
        flows_under(prefix)
            .into_iter()
            .filter(|f| f.finding.vulnerability().needs_taint())
            .collect()
    };
    assert!(tainted("POST /").is_empty(), "{:#?}", tainted("POST /"));

    let page = show("vulnerable").await.unwrap().text().await.unwrap();
    assert_eq!(page, format!("<ul><li>{script}</li></ul>"));
    let found = tainted("GET /vulnerable/comments");
    assert_eq!(found.len(), 1, "{found:#?}");
    let f = &found[0].finding;
    assert!(f.stored(), "{f}");
    assert_eq!(f.vulnerability(), Vulnerability::Xss);
    assert_eq!(f.confidence(), iast::Confidence::Confirmed);
    assert_eq!(f.sources()[0].describe(), "database column `body`");
    assert!(f.to_string().contains("stored cross-site scripting"), "{f}");

    let page = show("fixed").await.unwrap().text().await.unwrap();
    assert!(page.contains("&lt;script&gt;"), "{page}");
    let found = tainted("GET /fixed/comments");
    assert!(found.is_empty(), "{found:#?}");
}
