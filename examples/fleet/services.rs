//! The two services: a gateway that takes a search from the internet and forwards it, and a
//! backend that looks the name up in SQLite, building its SQL from the text it received.

use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use iast_sinks::axum::IastLayer;
use iast_sinks::reqwest::ClientExt as _;
use iast_sinks::rusqlite::ConnectionExt as _;
use rusqlite::Connection;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

type Params = Query<HashMap<String, String>>;

/// The gateway: `GET /search?q=` asks the backend for the people named `q`.
pub fn gateway(backend: SocketAddr) -> Router {
    let client = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("a client");
    Router::new()
        .route(
            "/search",
            get(move |Query(q): Params| async move {
                let name = q.get("q").map_or("", String::as_str);
                let url = reqwest::Url::parse_with_params(
                    &format!("http://{backend}/rows"),
                    [("name", name)],
                )
                .expect("a URL");
                // The checked call adds the `iast.taint` baggage entry when sending is on.
                match client.get_checked(url).send().await {
                    Ok(response) => (response.status(), response.text().await.unwrap_or_default()),
                    Err(e) => (StatusCode::BAD_GATEWAY, e.to_string()),
                }
            }),
        )
        .layer(IastLayer::new().service("gateway"))
}

/// The backend: `GET /rows?name=` answers the people of that name, one per line.
pub fn backend() -> rusqlite::Result<Router> {
    let db = Connection::open_in_memory()?;
    db.execute_batch(
        "CREATE TABLE people (name TEXT, team TEXT);
         INSERT INTO people VALUES ('alice', 'payments'), ('bob', 'search');",
    )?;
    let db = Arc::new(Mutex::new(db));
    Ok(Router::new()
        .route("/rows", get(rows))
        .with_state(db)
        .layer(IastLayer::new().service("backend")))
}

async fn rows(State(db): State<Arc<Mutex<Connection>>>, Query(q): Params) -> (StatusCode, String) {
    let name = q.get("name").map_or("", String::as_str);
    let db = db.lock().unwrap_or_else(|e| e.into_inner());
    // The injection: the name is pasted into the SQL.
    let sql = format!("SELECT name, team FROM people WHERE name = '{name}'");
    let result = db.prepare_checked(&sql).and_then(|mut statement| {
        let rows = statement.query_map([], |row| {
            Ok(format!(
                "{} ({})",
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?
            ))
        })?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
    });
    match result {
        Ok(rows) => (StatusCode::OK, rows.join("\n")),
        Err(e) => (StatusCode::BAD_REQUEST, e.to_string()),
    }
}
