//! A deliberately vulnerable service: each endpoint exists twice, under `/vulnerable/` and
//! under `/fixed/`, so that the same attack can be sent to both and only the first is reported.
//!
//! Shared by `examples/service.rs` and `tests/service.rs` (through `#[path]`), so it holds no
//! `main` and nothing either of them would leave unused.

use axum::Router;
use axum::extract::{Form, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use iast_sinks::axum::IastLayer;
use iast_sinks::process::CommandExt;
use iast_sinks::rusqlite::{ConnectionExt, RowExt};
use iast_sinks::sanitize::{html_escape, is_path_component, shell_quote};
use rusqlite::Connection;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

type Params = Query<HashMap<String, String>>;
type FormParams = Form<HashMap<String, String>>;

/// What the handlers work on: a seeded SQLite database, a directory of downloadable files and
/// an audit log.
#[derive(Clone)]
pub struct AppState {
    db: Arc<Mutex<Connection>>,
    files: Arc<PathBuf>,
    audit: Arc<Mutex<Vec<String>>>,
}

impl AppState {
    /// Seeds an in-memory database and, under `root`, a `public` directory of downloads with a
    /// `secret.txt` next to it that no download should reach.
    pub fn new(root: &Path) -> Result<AppState, Box<dyn std::error::Error>> {
        let db = Connection::open_in_memory()?;
        db.execute_batch(
            "CREATE TABLE comments (id INTEGER PRIMARY KEY, variant TEXT NOT NULL, body TEXT NOT NULL);
             CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL);
             INSERT INTO users (name, email) VALUES
                ('alice', 'alice@example.com'),
                ('bob', 'bob@example.com'),
                ('carol', 'carol@example.com');",
        )?;
        let files = root.join("public");
        std::fs::create_dir_all(&files)?;
        std::fs::write(files.join("readme.txt"), "Welcome to the file area.\n")?;
        std::fs::write(files.join("report.csv"), "quarter,revenue\nQ1,100\n")?;
        std::fs::write(root.join("secret.txt"), "db_password=hunter2\n")?;
        Ok(AppState {
            db: Arc::new(Mutex::new(db)),
            files: Arc::new(files),
            audit: Arc::new(Mutex::new(Vec::new())),
        })
    }

    fn db(&self) -> MutexGuard<'_, Connection> {
        self.db.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The routes, each under `/vulnerable/` and `/fixed/`, behind the iast layer.
pub fn app(state: AppState) -> Router {
    // Visitors' comments are stored and shown to others: what the database gives back is
    // followed as a source of stored flows.
    iast::set_stored_sources(true);
    routes(state).layer(IastLayer::new())
}

/// The routes without the iast layer: no request gets a context, so every annotated function
/// takes its one-thread-local-read path (the load benchmark's baseline).
pub fn routes(state: AppState) -> Router {
    Router::new()
        .route("/vulnerable/search", get(search_vulnerable))
        .route("/fixed/search", get(search_fixed))
        .route("/vulnerable/file", get(file_vulnerable))
        .route("/fixed/file", get(file_fixed))
        .route("/vulnerable/ping", get(ping_vulnerable))
        .route("/fixed/ping", get(ping_fixed))
        .route("/vulnerable/preview", get(preview_vulnerable))
        .route("/fixed/preview", get(preview_fixed))
        .route("/vulnerable/login", get(login_vulnerable))
        .route("/fixed/login", get(login_fixed))
        .route("/vulnerable/greet", get(greet_vulnerable))
        .route("/fixed/greet", get(greet_fixed))
        .route("/vulnerable/audit", get(audit_vulnerable))
        .route("/fixed/audit", get(audit_fixed))
        .route(
            "/vulnerable/comments",
            get(comments_vulnerable).post(post_vulnerable),
        )
        .route("/fixed/comments", get(comments_fixed).post(post_fixed))
        .with_state(state)
}

fn param<'a>(q: &'a HashMap<String, String>, name: &str) -> &'a str {
    q.get(name).map_or("", String::as_str)
}

fn failure(status: StatusCode, error: impl std::fmt::Display) -> Response {
    (status, error.to_string()).into_response()
}

// --- search: SQL injection -------------------------------------------------------------

fn rows(
    db: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
) -> rusqlite::Result<Vec<String>> {
    let mut statement = db.prepare_checked(sql)?;
    let rows = statement.query_map(params, |row| {
        Ok(format!(
            "{} <{}>",
            row.get::<_, String>(0)?,
            row.get::<_, String>(1)?
        ))
    })?;
    rows.collect()
}

fn search_result(result: rusqlite::Result<Vec<String>>) -> Response {
    match result {
        Ok(rows) => rows.join("\n").into_response(),
        Err(e) => failure(StatusCode::BAD_REQUEST, e),
    }
}

async fn search_vulnerable(State(state): State<AppState>, Query(q): Params) -> Response {
    let name = param(&q, "name");
    let sql = format!("SELECT name, email FROM users WHERE name = '{name}'");
    search_result(rows(&state.db(), &sql, []))
}

async fn search_fixed(State(state): State<AppState>, Query(q): Params) -> Response {
    let name = param(&q, "name");
    search_result(rows(
        &state.db(),
        "SELECT name, email FROM users WHERE name = ?1",
        [name],
    ))
}

// --- file download: path traversal -----------------------------------------------------

fn download(state: &AppState, name: &str) -> Response {
    match iast_sinks::fs::read_to_string(state.files.join(name)) {
        Ok(text) => text.into_response(),
        Err(_) => failure(StatusCode::NOT_FOUND, "no such file"),
    }
}

async fn file_vulnerable(State(state): State<AppState>, Query(q): Params) -> Response {
    download(&state, param(&q, "name"))
}

async fn file_fixed(State(state): State<AppState>, Query(q): Params) -> Response {
    let name = param(&q, "name");
    if !is_path_component(name) {
        return failure(StatusCode::BAD_REQUEST, "not a file name");
    }
    download(&state, name)
}

// --- ping: command injection -----------------------------------------------------------

// `echo` stands in for `ping` so that neither the demo nor the tests touch the network; the
// shell still parses whatever the host smuggles in.
fn shell(script: &str) -> Response {
    match Command::new("sh").arg("-c").arg(script).output_checked() {
        Ok(output) => String::from_utf8_lossy(&output.stdout)
            .into_owned()
            .into_response(),
        Err(e) => failure(StatusCode::INTERNAL_SERVER_ERROR, e),
    }
}

async fn ping_vulnerable(Query(q): Params) -> Response {
    shell(&format!("echo ping {}", param(&q, "host")))
}

async fn ping_fixed(Query(q): Params) -> Response {
    // Quoting keeps the host one word; `--` keeps a host like `-f` from reading as an option
    // once the real `ping` replaces `echo`.
    shell(&format!("echo ping -- {}", shell_quote(param(&q, "host"))))
}

// --- preview: server-side request forgery ----------------------------------------------

/// Hosts the preview may fetch from.
const PREVIEW_HOSTS: [&str; 2] = ["example.com", "www.example.com"];

/// Where an HTTP client would be handed the URL. Nothing is fetched: the service must not
/// reach out of the machine, and the check is what the report is about.
#[iast::sink(ssrf)]
fn fetch_preview(url: &str) -> String {
    format!("would fetch {url}\n")
}

/// Whether `url` is `https://` on one of [`PREVIEW_HOSTS`], with no user info, port or
/// backslash that a client might read as a different authority.
#[iast::validator(ssrf)]
fn is_allowed_preview(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("https://") else {
        return false;
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let host = &rest[..end];
    !url.contains('\\')
        && !url.chars().any(|c| c.is_control() || c.is_whitespace())
        && PREVIEW_HOSTS.iter().any(|h| host.eq_ignore_ascii_case(h))
}

async fn preview_vulnerable(Query(q): Params) -> Response {
    fetch_preview(param(&q, "url")).into_response()
}

async fn preview_fixed(Query(q): Params) -> Response {
    let url = param(&q, "url");
    if !is_allowed_preview(url) {
        return failure(StatusCode::FORBIDDEN, "host not allowed");
    }
    fetch_preview(url).into_response()
}

// --- login: open redirect, and a session cookie without its attributes ----------------

/// Whether `next` is a path on this site: one leading `/`, not `//` or `/\` (which browsers
/// read as another host), and no control characters.
#[iast::validator(redirect, header)]
fn is_local_path(next: &str) -> bool {
    next.starts_with('/')
        && !next[1..].starts_with(['/', '\\'])
        && !next.chars().any(char::is_control)
}

/// The session the demo's login hands out (a real one would be random per login).
const SESSION: &str = "session=0f3a9c1e7b2d4a68";

/// A cookie any script on the page can read, sent over plain HTTP too, and on other sites'
/// requests as the browser pleases.
async fn login_vulnerable(Query(q): Params) -> Response {
    let cookie = format!("{SESSION}; Path=/");
    (
        [(header::SET_COOKIE, cookie)],
        Redirect::to(param(&q, "next")),
    )
        .into_response()
}

async fn login_fixed(Query(q): Params) -> Response {
    let next = param(&q, "next");
    let cookie = format!("{SESSION}; Path=/; Secure; HttpOnly; SameSite=Lax");
    let to = Redirect::to(if is_local_path(next) { next } else { "/" });
    ([(header::SET_COOKIE, cookie)], to).into_response()
}

// --- greeting page: cross-site scripting -----------------------------------------------

async fn greet_vulnerable(Query(q): Params) -> Html<String> {
    Html(format!("<h1>Hello, {}!</h1>", param(&q, "name")))
}

/// Escaped, and with `nosniff` so that no browser takes the page for anything but HTML.
async fn greet_fixed(Query(q): Params) -> impl IntoResponse {
    let page = format!("<h1>Hello, {}!</h1>", html_escape(param(&q, "name")));
    ([(header::X_CONTENT_TYPE_OPTIONS, "nosniff")], Html(page))
}

// --- comments: stored cross-site scripting ---------------------------------------------

/// Stores the form's `text` as a comment of `variant` (bound: the insert is safe either way).
fn post_comment(state: &AppState, variant: &str, form: &HashMap<String, String>) -> StatusCode {
    let text = form.get("text").map_or("", String::as_str);
    let insert = "INSERT INTO comments (variant, body) VALUES (?1, ?2)";
    match state.db().execute_checked(insert, [variant, text]) {
        Ok(_) => StatusCode::CREATED,
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// Every comment of `variant`, read back from the database.
fn comments(state: &AppState, variant: &str) -> Vec<String> {
    let db = state.db();
    let select = "SELECT body FROM comments WHERE variant = ?1 ORDER BY id";
    let Ok(mut statement) = db.prepare_checked(select) else {
        return Vec::new();
    };
    let bodies = statement.query_map([variant], |row| row.get_stored::<_, String>("body"));
    bodies.map_or_else(|_| Vec::new(), |rows| rows.flatten().collect())
}

async fn post_vulnerable(State(state): State<AppState>, Form(form): FormParams) -> StatusCode {
    post_comment(&state, "vulnerable", &form)
}

async fn post_fixed(State(state): State<AppState>, Form(form): FormParams) -> StatusCode {
    post_comment(&state, "fixed", &form)
}

/// Another visitor's comment, written into the page as it was stored.
async fn comments_vulnerable(State(state): State<AppState>) -> Html<String> {
    let items: String = comments(&state, "vulnerable")
        .iter()
        .map(|c| format!("<li>{c}</li>"))
        .collect();
    Html(format!("<ul>{items}</ul>"))
}

async fn comments_fixed(State(state): State<AppState>) -> impl IntoResponse {
    let items: String = comments(&state, "fixed")
        .iter()
        .map(|c| format!("<li>{}</li>", html_escape(c)))
        .collect();
    let page = Html(format!("<ul>{items}</ul>"));
    ([(header::X_CONTENT_TYPE_OPTIONS, "nosniff")], page)
}

// --- audit log: log injection ----------------------------------------------------------

/// Writes one audit line as a `tracing` event, where `LogInjectionLayer` checks it, and keeps
/// it in memory.
fn audit(state: &AppState, line: String) {
    tracing::info!(target: "audit", "{line}");
    state
        .audit
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(line);
}

/// Escapes control characters (CR and LF above all) so one entry stays one line.
#[iast::sanitizer(log)]
fn escape_log(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

async fn audit_vulnerable(State(state): State<AppState>, Query(q): Params) -> &'static str {
    audit(
        &state,
        format!("login failed for user={}", param(&q, "user")),
    );
    "recorded\n"
}

async fn audit_fixed(State(state): State<AppState>, Query(q): Params) -> &'static str {
    let user = escape_log(param(&q, "user"));
    audit(&state, format!("login failed for user={user}"));
    "recorded\n"
}
