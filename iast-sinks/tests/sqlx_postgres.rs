//! The sqlx sinks over sqlx's PostgreSQL driver, against a real server: an injection is
//! reported and really changes what the server does, the same input bound is clean.
//!
//! The server is named by `IAST_POSTGRES` (see `shared/postgres.rs`).
#![cfg(feature = "sqlx")]

use iast_sinks::sqlx::{query, query_as, query_scalar};
use sqlx::{AssertSqlSafe, Connection, PgConnection};

const SINK: &str = "iast_sinks::sqlx::check_sql";

include!("shared/sql.rs");
include!("shared/postgres.rs");

/// A session of its own with a temporary `users` table; `None` when the tests are skipped
/// on purpose.
async fn db() -> Option<PgConnection> {
    iast::set_sql_dialect(iast::SqlDialect::PostgreSql);
    let url = postgres_url()?;
    let mut conn = match PgConnection::connect(&url).await {
        Ok(c) => c,
        Err(e) => no_server(&url, e),
    };
    sqlx::raw_sql(USERS).execute(&mut conn).await.unwrap();
    Some(conn)
}

fn concatenated(name: &str) -> String {
    format!("SELECT name FROM users WHERE name = '{name}' ORDER BY id")
}

#[tokio::test]
async fn query_as_over_postgres_is_checked() {
    let Some(mut conn) = db().await else { return };
    let mut rows: Vec<(String,)> = Vec::new();
    let report = iast::check_async(async {
        let sql = concatenated(&param(TAUTOLOGY));
        rows = query_as(AssertSqlSafe(sql))
            .fetch_all(&mut conn)
            .await
            .unwrap();
    })
    .await;
    assert_one(&report, Confidence::Confirmed);
    assert_eq!(rows.len(), 3, "{rows:?}");

    let report = iast::check_async(async {
        rows = query_as("SELECT name FROM users WHERE name = $1 ORDER BY id")
            .bind(param(TAUTOLOGY))
            .fetch_all(&mut conn)
            .await
            .unwrap();
    })
    .await;
    iast::assert_no_findings!(report);
    assert_eq!(report.sinks_reached().len(), 1, "{report}");
    assert!(rows.is_empty(), "{rows:?}");
}

#[tokio::test]
async fn query_and_query_scalar_over_postgres_are_checked() {
    let Some(mut conn) = db().await else { return };
    let report = iast::check_async(async {
        let sql = format!(
            "UPDATE users SET name = upper(name) WHERE name = '{}'",
            param(TAUTOLOGY)
        );
        let done = query(AssertSqlSafe(sql)).execute(&mut conn).await.unwrap();
        // Every row changed, where the program meant one.
        assert_eq!(done.rows_affected(), 3);
    })
    .await;
    assert_one(&report, Confidence::Confirmed);

    let report = iast::check_async(async {
        let sql = format!(
            "SELECT count(*) FROM users WHERE name = '{}'",
            param(BENIGN)
        );
        let count: i64 = query_scalar(AssertSqlSafe(sql))
            .fetch_one(&mut conn)
            .await
            .unwrap();
        assert_eq!(count, 0);
    })
    .await;
    assert_one(&report, Confidence::Unsanitized);
}
