//! Protect mode over real HTTP: with `[protect] sql = "block"` in `iast.toml`, a confirmed SQL
//! injection in a request the layer serves is refused before the query runs and answered
//! 403, whatever the handler does with the refused call's error; a benign request to the
//! same endpoint passes; the finding says it was blocked. With `xss = "block"`, a page with
//! a confirmed XSS is answered 403 in its place. One test, since the configuration
//! is read once per process, at the first context.
#![cfg(all(feature = "axum", feature = "actix-web", feature = "rusqlite"))]

use iast_sinks::rusqlite::ConnectionExt;
use rusqlite::Connection;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

type Db = Arc<Mutex<Connection>>;

const TAUTOLOGY: &str = "x%27%20OR%20%271%27%3D%271";

fn db() -> Db {
    let conn = Connection::open_in_memory().unwrap();
    conn.execute_batch(
        "CREATE TABLE users (name TEXT NOT NULL);
         INSERT INTO users VALUES ('alice-smith'), ('bob'), ('carol');",
    )
    .unwrap();
    Arc::new(Mutex::new(conn))
}

fn users(db: &Db) -> i64 {
    let conn = db.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    conn.query_row("SELECT count(*) FROM users", [], |row| row.get(0))
        .unwrap()
}

/// Deletes the named user; a failed statement is a 500 with the database's message.
fn delete(db: &Db, name: &str) -> Result<String, String> {
    let sql = format!("DELETE FROM users WHERE name = '{name}'");
    let conn = db.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    match conn.execute_checked(&sql, []) {
        Ok(n) => Ok(format!("deleted {n}")),
        Err(e) => Err(e.to_string()),
    }
}

/// The chosen columns of the first user, joined: the columns are the request's (an
/// allow-list would check them), and part of the query's text.
fn pick(db: &Db, fields: &str) -> Result<String, String> {
    let sql = format!("SELECT {fields} FROM users ORDER BY name LIMIT 1");
    let conn = db.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    conn.query_row_checked(&sql, [], |row| {
        let first: String = row.get(0)?;
        Ok(first)
    })
    .map_err(|e| e.to_string())
}

/// Counts the users so named, unwrapping: a refused query panics the handler.
fn count(db: &Db, name: &str) -> String {
    let sql = format!("SELECT count(*) FROM users WHERE name = '{name}'");
    let conn = db.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let n: i64 = conn.query_row_checked(&sql, [], |row| row.get(0)).unwrap();
    n.to_string()
}

#[iast::source(origin = "http.query")]
fn tainted(value: &str) -> String {
    value.to_owned()
}

/// A sink of the application's own, which nothing refuses.
#[iast::sink(sql)]
fn own_sink(sql: &str) -> usize {
    sql.len()
}

fn axum_app(db: Db) -> axum::Router {
    use axum::extract::{Query, State};
    use axum::http::StatusCode;
    use axum::routing::get;
    type Params = Query<HashMap<String, String>>;
    axum::Router::new()
        .route(
            "/delete",
            get(|State(db): State<Db>, Query(q): Params| async move {
                delete(&db, &q["name"]).map_err(|e| (StatusCode::INTERNAL_SERVER_ERROR, e))
            }),
        )
        .route(
            "/count",
            get(|State(db): State<Db>, Query(q): Params| async move { count(&db, &q["name"]) }),
        )
        .route(
            "/pick",
            get(|State(db): State<Db>, Query(q): Params| async move {
                pick(&db, &q["fields"]).map_err(|e| (StatusCode::INTERNAL_SERVER_ERROR, e))
            }),
        )
        .route(
            "/greet",
            get(|Query(q): Params| async move {
                axum::response::Html(format!("<p>Hello, {}!</p>", q["name"]))
            }),
        )
        .with_state(db)
        .layer(iast_sinks::axum::IastLayer::new())
}

fn serve_actix(db: Db) -> String {
    use actix_web::{App, HttpResponse, HttpServer, web};
    async fn delete_handler(
        db: web::Data<Db>,
        q: web::Query<HashMap<String, String>>,
    ) -> HttpResponse {
        match delete(&db, &q["name"]) {
            Ok(text) => HttpResponse::Ok().body(text),
            Err(e) => HttpResponse::InternalServerError().body(e),
        }
    }
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let server = HttpServer::new(move || {
                App::new()
                    .app_data(web::Data::new(db.clone()))
                    .route("/delete", web::get().to(delete_handler))
                    .wrap(iast_sinks::actix_web::IastMiddleware::new())
            })
            .workers(1)
            .bind(("127.0.0.1", 0))
            .unwrap();
            sender.send(server.addrs()[0]).unwrap();
            server.run().await.unwrap();
        })
    });
    format!("http://{}", receiver.recv().unwrap())
}

async fn get(url: String) -> (u16, String) {
    let response = reqwest::get(url).await.unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

/// The SQL flows the layer logged on `route`: (confidence, blocked, requests that showed it).
fn sql_flows(route: &str) -> Vec<(iast::Confidence, bool, u64)> {
    let mut flows: Vec<_> = iast_sinks::web::findings()
        .iter()
        .filter(|f| {
            f.finding.rule() == "SQL_INJECTION"
                && f.finding.route().is_some_and(|r| r.to_string() == route)
        })
        .map(|f| (f.finding.confidence(), f.finding.blocked(), f.count))
        .collect();
    flows.sort();
    flows
}

/// The messages of the `iast` target's events, recorded from now on.
fn said() -> Arc<Mutex<Vec<String>>> {
    use tracing_subscriber::layer::SubscriberExt;
    struct Record(Arc<Mutex<Vec<String>>>);
    struct Message(String);
    impl tracing::field::Visit for Message {
        fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
            if field.name() == "message" {
                self.0 = format!("{value:?}");
            }
        }
    }
    impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Record {
        fn on_event(
            &self,
            event: &tracing::Event<'_>,
            _: tracing_subscriber::layer::Context<'_, S>,
        ) {
            if event.metadata().target() == "iast" {
                let mut message = Message(String::new());
                event.record(&mut message);
                self.0.lock().unwrap().push(message.0);
            }
        }
    }
    let seen = Arc::new(Mutex::new(Vec::new()));
    let subscriber = tracing_subscriber::registry().with(Record(seen.clone()));
    tracing::subscriber::set_global_default(subscriber).unwrap();
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_confirmed_injection_is_refused_and_answered_403_while_benign_requests_pass() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("iast.toml");
    std::fs::write(&config, "[protect]\nsql = \"block\"\nxss = \"block\"\n").unwrap();
    // SAFETY: the only test of this binary sets it before anything else runs, the runtime's
    // threads included, and before the configuration is first read.
    unsafe { std::env::set_var(iast::config::CONFIG_VAR, &config) };
    let said = said();

    // axum: the benign request passes and is reported; the attack is refused before the
    // statement runs (every other user is still there), answered 403, and reported blocked.
    let db = db();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = axum_app(db.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    assert_eq!(
        get(format!("{base}/delete?name=alice-smith")).await,
        (200, "deleted 1".to_owned())
    );
    let (status, body) = get(format!("{base}/delete?name={TAUTOLOGY}")).await;
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("protect mode"), "{body}");
    assert_eq!(users(&db), 2, "the injected statement never ran");
    // The layer said once which settings it runs with.
    let settings: Vec<String> = said
        .lock()
        .unwrap()
        .iter()
        .filter(|m| m.contains("settings"))
        .cloned()
        .collect();
    assert_eq!(settings.len(), 1, "{settings:?}");
    assert!(
        settings[0].contains("protect mode blocks sql, xss, stored flows off"),
        "{settings:?}"
    );
    use iast::Confidence::Confirmed;
    // One flow, seen twice, shown by its most telling request: the blocked one.
    assert_eq!(sql_flows("GET /delete"), [(Confirmed, true, 2)]);
    // A handler that unwraps the refused call's error panics: still a 403.
    let (status, _) = get(format!("{base}/count?name={TAUTOLOGY}")).await;
    assert_eq!(status, 403);
    assert_eq!(
        get(format!("{base}/count?name=bob")).await,
        (200, "1".to_owned())
    );

    // Plain words that span tokens are confirmed but never refused: an allow-listed list of
    // columns must not take the endpoint down.
    let (status, body) = get(format!("{base}/pick?fields=name,%20name%20AS%20again")).await;
    assert_eq!((status, body.as_str()), (200, "bob"));
    let picked: Vec<_> = iast_sinks::web::findings()
        .into_iter()
        .filter(|f| f.finding.route().is_some_and(|r| r.pattern() == "/pick"))
        .map(|f| (f.finding.confidence(), f.finding.blocked()))
        .collect();
    assert_eq!(picked, [(Confirmed, false)]);

    // A page with a confirmed XSS is the sink itself: the layer answers 403 in its place.
    let (status, body) = get(format!(
        "{base}/greet?name=%3Cscript%3Ealert(1)%3C/script%3E"
    ))
    .await;
    assert_eq!(status, 403, "{body}");
    let (status, body) = get(format!("{base}/greet?name=Alice%20Smith")).await;
    assert_eq!((status, body.as_str()), (200, "<p>Hello, Alice Smith!</p>"));

    // A request a test serves in-process joins the test's context, which only reports.
    let report = iast::check_async(async {
        let request = http::Request::get(format!("/count?name={TAUTOLOGY}"))
            .body(axum::body::Body::empty())
            .unwrap();
        let response = tower::ServiceExt::oneshot(axum_app(db.clone()), request)
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    })
    .await;
    let f = &report.findings()[0];
    assert_eq!(
        (f.confidence(), f.blocked()),
        (Confirmed, false),
        "{report}"
    );

    // A refusal nobody took (the application's own sink has no wrapper to refuse) does not
    // refuse a later call on this thread in another request, or in none.
    let blocked = iast::Context::new();
    blocked.set_protecting(true);
    blocked.enter(|| {
        let name = tainted("x' OR '1'='1");
        own_sink(&format!("DELETE FROM users WHERE name = '{name}'"));
    });
    assert!(blocked.blocked());
    let next = iast::Context::new();
    next.set_protecting(true);
    let db = self::db();
    next.enter(|| assert_eq!(delete(&db, "bob"), Ok("deleted 1".to_owned())));
    assert_eq!(delete(&db, "carol"), Ok("deleted 1".to_owned()));

    // actix-web: the same.
    let db = self::db();
    let base = serve_actix(db.clone());
    let (status, body) = get(format!("{base}/delete?name={TAUTOLOGY}")).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(users(&db), 3, "the injected statement never ran");
    assert_eq!(
        get(format!("{base}/delete?name=carol")).await,
        (200, "deleted 1".to_owned())
    );
}
