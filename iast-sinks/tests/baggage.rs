//! Cross-service provenance over real HTTP: a gateway and a backend, two axum services on
//! 127.0.0.1 in this process, with `[fleet] send` and `trust` on. The gateway forwards a
//! search to the backend, which builds SQL from it; the backend's finding names where the
//! input entered the fleet. One test in this binary, since the configuration is read once per
//! process, at the first context; its cases run in sequence, each on routes of its own.
#![cfg(all(feature = "axum", feature = "reqwest"))]

use axum::http::HeaderMap;
use iast_sinks::web::RequestFinding;
use std::sync::Mutex;

include!("shared/fleet.rs");

/// Every `baggage` line the backend received, by the path it was sent to.
static RECEIVED: Mutex<Vec<(String, Vec<String>)>> = Mutex::new(Vec::new());

async fn rows(uri: axum::http::Uri, headers: HeaderMap, Query(q): Query<HashMap<String, String>>) {
    let lines = headers
        .get_all("baggage")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    RECEIVED
        .lock()
        .unwrap()
        .push((uri.path().to_owned(), lines));
    let name = q.get("name").cloned().unwrap_or_default();
    run_query(&format!("SELECT id FROM people WHERE name = '{name}'"));
}

/// Backend routes: `/rows` for forwarded searches, and one route per hand-made case, so that
/// each case's finding is a flow (a fingerprint) of its own.
const CASES: [&str; 12] = [
    "rows", "direct", "app", "v2", "b64", "quote", "two", "short", "over", "many", "limit", "echo",
];

/// The backend's SQL flows on route `/{case}`.
fn flows(case: &str) -> Vec<RequestFinding> {
    iast_sinks::axum::findings()
        .into_iter()
        .filter(|f| {
            f.finding
                .route()
                .is_some_and(|r| r.pattern() == format!("/{case}"))
                && f.finding.vulnerability() == iast::Vulnerability::SqlInjection
        })
        .collect()
}

fn upstream(case: &str) -> Option<iast::Upstream> {
    let found = flows(case);
    assert_eq!(found.len(), 1, "/{case}: {found:?}");
    found[0].finding.sources()[0].upstream().cloned()
}

fn received(case: &str) -> Vec<String> {
    let received = RECEIVED.lock().unwrap();
    let (_, lines) = received
        .iter()
        .rev()
        .find(|(path, _)| path == &format!("/{case}"))
        .unwrap_or_else(|| panic!("/{case} was not requested"));
    lines.clone()
}

/// A request straight to the backend's `/{case}` with `baggage` lines of the test's making.
async fn direct(backend: SocketAddr, case: &str, value: &str, lines: &[String]) {
    let url =
        reqwest::Url::parse_with_params(&format!("http://{backend}/{case}"), [("name", value)])
            .unwrap();
    let mut request = client().get(url);
    for line in lines {
        request = request.header("baggage", line);
    }
    assert!(request.send().await.unwrap().status().is_success());
}

const VALUE: &str = "' OR 'a'='a' --x";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_backend_names_where_the_input_entered_the_fleet() {
    let _config = configure("[fleet]\nservice = \"tests\"\nsend = true\ntrust = true\n");

    let mut backend = Router::new();
    for case in CASES {
        backend = backend.route(&format!("/{case}"), get(rows));
    }
    let backend = serve(backend.layer(IastLayer::new().service("backend"))).await;
    let gateway = gateway(
        backend,
        &[
            ("/search", "/rows", None),
            ("/search/app", "/app", Some("app=1")),
        ],
    );
    let gateway = serve(gateway).await;

    // The round trip: the search enters at the gateway as `q`, reaches the backend's SQL as
    // `name`, and the backend's finding says where it entered.
    search(gateway, "/search", VALUE).await;
    let up = upstream("rows").expect("the finding names its upstream origin");
    assert_eq!(
        (up.service(), up.route(), up.origin(), up.name()),
        ("gateway", Some("GET /search"), "http.query", Some("q"))
    );
    let found = &flows("rows")[0].finding;
    let source = &found.sources()[0];
    assert_eq!(
        source.describe(),
        "query parameter `name`, entered at `gateway` as query parameter `q` of `GET /search`"
    );
    let text = flows("rows")[0].to_string();
    assert!(
        text.contains("\n     entered at `gateway` as query parameter `q` of `GET /search`\n"),
        "{text}"
    );
    let json = serde_json::to_value(found).unwrap();
    assert_eq!(json["sources"][0]["upstream"]["service"], "gateway");
    assert_eq!(json["sources"][0]["upstream"]["name"], "q");
    // The gateway's own request has no flow: the value only picked a query parameter.
    assert!(flows("search").is_empty());

    // What travelled: one line, our member, within its bytes and alphabet, without the value.
    let lines = received("rows");
    assert_eq!(lines.len(), 1, "{lines:?}");
    let member = lines[0].clone();
    assert!(member.starts_with("iast.taint=1~"), "{member}");
    assert!(member.len() <= iast::fleet::MAX_MEMBER);
    assert!(
        member
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_.~=-".contains(&b))
    );
    assert!(
        !member.contains("OR") && !member.contains("%27"),
        "{member}"
    );

    // The same value sent straight to the backend is the same flow: one fingerprint, with or
    // without the upstream label.
    direct(backend, "rows", VALUE, &[]).await;
    let found = flows("rows");
    assert_eq!(found[0].count, 2, "{found:?}");
    direct(backend, "direct", VALUE, &[]).await;
    assert_eq!(upstream("direct"), None);
    assert_ne!(
        flows("direct")[0].finding.fingerprint(),
        flows("rows")[0].finding.fingerprint(),
        "another route is another flow"
    );

    // The application's own baggage travels beside ours, and the label still holds.
    search(gateway, "/search/app", VALUE).await;
    let lines = received("app");
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(
        lines[0].starts_with("iast.taint=1~") && lines[1] == "app=1",
        "{lines:?}"
    );
    assert_eq!(
        upstream("app").map(|u| u.route().map(str::to_owned)),
        Some(Some("GET /search/app".to_owned()))
    );

    // Malformed entries are ignored whole: the request is served, its flow found, unlabelled.
    let value_part = &member["iast.taint=".len()..];
    let malformed = [
        ("v2", member.replacen("=1~", "=2~", 1)),
        (
            "b64",
            format!("iast.taint={}", value_part.replacen('.', "!", 1)),
        ),
        ("quote", format!("{member}\"")),
        ("two", format!("{member},{member}")),
        ("short", member[..member.len() - 3].to_owned()),
    ];
    for (case, line) in &malformed {
        direct(backend, case, VALUE, std::slice::from_ref(line)).await;
        assert_eq!(upstream(case), None, "{case}: {line}");
    }

    // W3C's limits: 8,193 bytes or 65 members are ignored; exactly 8,192 bytes is read.
    let pad = |total: usize| format!("pad={}", "p".repeat(total - member.len() - 1 - 4));
    direct(backend, "over", VALUE, &[member.clone(), pad(8193)]).await;
    assert_eq!(upstream("over"), None);
    let others: Vec<String> = (0..64).map(|i| format!("k{i}=v")).collect();
    direct(
        backend,
        "many",
        VALUE,
        &[format!("{member},{}", others.join(","))],
    )
    .await;
    assert_eq!(upstream("many"), None);
    direct(backend, "limit", VALUE, &[member.clone(), pad(8192)]).await;
    assert_eq!(
        upstream("limit").map(|u| u.service().to_owned()).as_deref(),
        Some("gateway")
    );

    senders(backend).await;
    relayed(&member);
    #[cfg(feature = "actix-web")]
    actix(&member).await;
}

/// actix-web's middleware reads the entry as axum's layer does.
#[cfg(feature = "actix-web")]
async fn actix(member: &str) {
    use actix_web::{App, HttpServer, web};
    async fn rows(q: web::Query<HashMap<String, String>>) -> &'static str {
        run_query(&format!(
            "SELECT id FROM people WHERE name = '{}'",
            q["name"]
        ));
        "ok"
    }
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let app = || {
                App::new()
                    .route("/actix", web::get().to(rows))
                    .wrap(iast_sinks::actix_web::IastMiddleware::new().service("backend"))
            };
            let server = HttpServer::new(app)
                .workers(1)
                .bind(("127.0.0.1", 0))
                .unwrap();
            sender.send(server.addrs()[0]).unwrap();
            server.run().await.unwrap();
        })
    });
    let backend = receiver.recv().unwrap();
    direct(backend, "actix", VALUE, &[member.to_owned()]).await;
    assert_eq!(
        upstream("actix").map(|u| u.route().map(str::to_owned)),
        Some(Some("GET /search".to_owned()))
    );
}

/// A value that entered upstream keeps its first origin when it is forwarded again: a
/// service that received it with an entry names the gateway, not itself.
fn relayed(member: &str) {
    let mut relayed = None;
    iast::check(|| {
        assert_eq!(
            iast::fleet::accept([member.as_bytes()]),
            iast::fleet::Accepted::Applied(1)
        );
        let url = reqwest::Url::parse_with_params("http://third.internal/x", [("v", input(VALUE))]);
        relayed = iast::fleet::outgoing(url.unwrap().as_str());
    });
    let relayed = relayed.expect("the relaying service names the value");
    let report = iast::check(|| {
        iast::fleet::accept([relayed.as_bytes()]);
        run_query(&format!("SELECT 1 WHERE v = '{}'", input(VALUE)));
    });
    let up = report.findings()[0].sources()[0].upstream().cloned();
    assert_eq!(
        up.as_ref().map(|u| (u.service(), u.route(), u.name())),
        Some(("gateway", Some("GET /search"), Some("q"))),
        "{report}"
    );
}

#[iast::source(origin = "test.input")]
fn input(value: &str) -> String {
    value.to_owned()
}

/// The other checked clients send the entry too, named after the process's service (no
/// layer named one: the test's context is its own).
async fn senders(backend: SocketAddr) {
    let echo = move |name: &str| {
        reqwest::Url::parse_with_params(&format!("http://{backend}/echo"), [("name", name)])
            .unwrap()
            .to_string()
    };

    #[cfg(feature = "ureq")]
    {
        tokio::task::spawn_blocking(move || {
            iast::check(|| {
                use iast_sinks::ureq::AgentExt as _;
                let config = ureq::Agent::config_builder().proxy(None).build();
                let agent = ureq::Agent::new_with_config(config);
                agent.get_checked(echo(&input(VALUE))).call().unwrap();
            })
        })
        .await
        .unwrap();
        let lines = received("echo");
        assert_eq!(lines.len(), 1, "{lines:?}");
        let up = upstream("echo").expect("ureq sent the entry");
        assert_eq!(
            (up.service(), up.route(), up.origin(), up.name()),
            ("tests", None, "test.input", None)
        );
    }

    #[cfg(feature = "hyper")]
    {
        use bytes::Bytes;
        use http_body_util::Empty;
        use hyper_util::client::legacy::Client;
        use hyper_util::rt::TokioExecutor;
        use iast_sinks::hyper::ClientExt as _;

        let client: Client<_, Empty<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
        // An entry the application forwarded from its own request: only ours travels on.
        let forwarded = "iast.taint=1~Zm9yZ2Vk.Zm9yZ2Vk.Zm9yZ2Vk.Zm9yZ2Vk.AAAAAA";
        iast::check_async(async {
            let request = http::Request::get(echo(&input(VALUE)))
                .header("baggage", format!("app=1,{forwarded}"))
                .body(Empty::new())
                .unwrap();
            client.request_checked(request).await.unwrap();
        })
        .await;
        let lines = received("echo");
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert_eq!(lines[0], "app=1");
        assert!(lines[1].starts_with("iast.taint=1~"), "{lines:?}");
        assert!(!lines[1].contains("Zm9yZ2Vk"), "{lines:?}");
    }
    let _ = echo;
}
