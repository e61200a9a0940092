//! The sqlx sinks against a real in-memory SQLite pool: an injection is reported and really
//! works, the same input bound as a parameter is clean.
#![cfg(feature = "sqlx")]

use iast_sinks::sqlx::{RowExt, query, query_as, query_scalar};
use sqlx::{AssertSqlSafe, Row, SqlitePool};

const SINK: &str = "iast_sinks::sqlx::check_sql";

include!("shared/sql.rs");
include!("shared/stored.rs");

async fn db() -> SqlitePool {
    // One connection: every connection to `sqlite::memory:` opens a database of its own.
    let pool = sqlx::pool::PoolOptions::new()
        .max_connections(1)
        .connect("sqlite::memory:")
        .await
        .unwrap();
    sqlx::raw_sql(
        "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
         INSERT INTO users (name) VALUES ('alice'), ('bob'), ('carol');",
    )
    .execute(&pool)
    .await
    .unwrap();
    pool
}

fn concatenated(name: &str) -> String {
    format!("SELECT name, id FROM users WHERE name = '{name}' ORDER BY id")
}

const BOUND: &str = "SELECT name, id FROM users WHERE name = ?1 ORDER BY id";

/// `fetch(sql, bound)` runs `sql` through one checked constructor, binding `bound` when
/// given, and returns the names it selected.
async fn three_cases(fetch: impl AsyncFn(String, Option<String>) -> Vec<String>) {
    let mut rows = Vec::new();
    let report = iast::check_async(async {
        rows = fetch(concatenated(&param(TAUTOLOGY)), None).await;
    })
    .await;
    assert_one(&report, Confidence::Confirmed);
    // The injection really worked: the tautology selected every user.
    assert_eq!(rows, ["alice", "bob", "carol"]);

    let report = iast::check_async(async {
        rows = fetch(BOUND.to_owned(), Some(param(TAUTOLOGY))).await;
    })
    .await;
    iast::assert_no_findings!(report);
    assert_eq!(report.sinks_reached().len(), 1, "{report}");
    assert!(rows.is_empty(), "{rows:?}");

    let report = iast::check_async(async {
        rows = fetch(concatenated(&param(BENIGN)), None).await;
    })
    .await;
    assert_one(&report, Confidence::Unsanitized);
    assert!(rows.is_empty(), "{rows:?}");
}

#[tokio::test]
async fn query_is_checked() {
    let pool = db().await;
    three_cases(async |sql, bound| {
        let mut q = query(AssertSqlSafe(sql));
        if let Some(value) = bound {
            q = q.bind(value);
        }
        let rows = q.fetch_all(&pool).await.unwrap();
        rows.iter().map(|r| r.get("name")).collect()
    })
    .await;
}

#[tokio::test]
async fn query_as_is_checked() {
    let pool = db().await;
    three_cases(async |sql, bound| {
        let mut q = query_as::<_, (String, i64)>(AssertSqlSafe(sql));
        if let Some(value) = bound {
            q = q.bind(value);
        }
        let rows = q.fetch_all(&pool).await.unwrap();
        rows.into_iter().map(|(name, _)| name).collect()
    })
    .await;
}

#[tokio::test]
async fn query_scalar_is_checked() {
    let pool = db().await;
    three_cases(async |sql, bound| {
        let mut q = query_scalar::<_, String>(AssertSqlSafe(sql));
        if let Some(value) = bound {
            q = q.bind(value);
        }
        q.fetch_all(&pool).await.unwrap()
    })
    .await;
}

#[tokio::test]
async fn static_text_is_clean_and_results_are_sqlx_own() {
    let pool = db().await;
    let report = iast::check_async(async {
        let count: i64 = query_scalar("SELECT count(*) FROM users")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(count, 3);
        let err = query("SELEC nonsense").execute(&pool).await.unwrap_err();
        assert!(matches!(err, sqlx::Error::Database(_)), "{err:?}");
    })
    .await;
    iast::assert_no_findings!(report);
    assert_eq!(report.sinks_reached().len(), 1, "{report}");
}

#[test]
fn the_checker_is_a_registered_sql_sink() {
    let sink = iast::registry()
        .sinks()
        .find(|i| i.function() == SINK)
        .expect("check_sql is registered");
    assert!(sink.is_sink_for(Vulnerability::SqlInjection));
}

/// A name stored earlier and read back through `RowExt::try_get_stored` is a stored flow into
/// the page.
#[tokio::test]
async fn a_stored_name_read_back_is_a_stored_flow() {
    iast::set_stored_sources(true);
    let pool = db().await;
    sqlx::query("INSERT INTO users (name) VALUES (?1)")
        .bind(STORED_COMMENT)
        .execute(&pool)
        .await
        .unwrap();
    let report = iast::check_async(async {
        let row = query("SELECT id, name FROM users WHERE name LIKE '<%'")
            .fetch_one(&pool)
            .await
            .unwrap();
        let name: String = row.try_get_stored("name").unwrap();
        let id: i64 = row.try_get_stored(0).unwrap();
        page(&format!("<li id={id}>{name}</li>"));
    })
    .await;
    assert_stored(&report, "name");
}
