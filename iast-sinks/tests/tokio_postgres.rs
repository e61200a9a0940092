//! The tokio-postgres sinks against a real PostgreSQL server: an injection is reported and
//! really changes what the server does, the same input bound as a parameter is clean.
//!
//! The server is named by `IAST_POSTGRES` (see `shared/postgres.rs`).
#![cfg(feature = "tokio-postgres")]

use iast_sinks::tokio_postgres::{ClientExt, RowExt};
use tokio_postgres::{Client, NoTls};

const SINK: &str = "iast_sinks::tokio_postgres::check_sql";

include!("shared/sql.rs");
include!("shared/postgres.rs");
include!("shared/stored.rs");

/// A session of its own with a temporary `users` table, which no other test sees; `None`
/// when the tests are skipped on purpose.
async fn db() -> Option<Client> {
    iast::set_sql_dialect(iast::SqlDialect::PostgreSql);
    let url = postgres_url()?;
    let (client, connection) = match tokio_postgres::connect(&url, NoTls).await {
        Ok(c) => c,
        Err(e) => no_server(&url, e),
    };
    tokio::spawn(connection);
    client.batch_execute(USERS).await.unwrap();
    Some(client)
}

fn concatenated(name: &str) -> String {
    format!("SELECT name FROM users WHERE name = '{name}' ORDER BY id")
}

fn names(rows: &[tokio_postgres::Row]) -> Vec<String> {
    rows.iter().map(|r| r.get("name")).collect()
}

#[tokio::test]
async fn query_is_checked_and_the_injection_really_selects_every_row() {
    let Some(client) = db().await else { return };
    let mut rows = Vec::new();
    let report = iast::check_async(async {
        let sql = concatenated(&param(TAUTOLOGY));
        rows = names(&client.query_checked(&sql, &[]).await.unwrap());
    })
    .await;
    assert_one(&report, Confidence::Confirmed);
    assert_eq!(rows, ["alice", "bob", "carol"]);

    let report = iast::check_async(async {
        let name = param(TAUTOLOGY);
        let sql = "SELECT name FROM users WHERE name = $1 ORDER BY id";
        rows = names(&client.query_checked(sql, &[&name]).await.unwrap());
    })
    .await;
    iast::assert_no_findings!(report);
    assert_eq!(report.sinks_reached().len(), 1, "{report}");
    assert!(rows.is_empty(), "{rows:?}");

    let report = iast::check_async(async {
        let sql = concatenated(&param(BENIGN));
        rows = names(&client.query_checked(&sql, &[]).await.unwrap());
    })
    .await;
    assert_one(&report, Confidence::Unsanitized);
    assert!(rows.is_empty(), "{rows:?}");
}

#[tokio::test]
async fn a_backslash_does_not_escape_a_quote_in_postgresql() {
    // `'x\'` is a whole literal in PostgreSQL (standard_conforming_strings, on since 9.1),
    // so the rest of the input is SQL: the server selects every row.
    let Some(client) = db().await else { return };
    let mut rows = Vec::new();
    let report = iast::check_async(async {
        let sql = concatenated(&param(r"x\' OR '1'='1"));
        rows = names(&client.query_checked(&sql, &[]).await.unwrap());
    })
    .await;
    assert_one(&report, Confidence::Confirmed);
    assert_eq!(rows, ["alice", "bob", "carol"]);
}

#[tokio::test]
async fn query_one_query_opt_and_execute_are_checked() {
    let Some(client) = db().await else { return };
    let report = iast::check_async(async {
        let sql = format!(
            "SELECT count(*) FROM users WHERE name = '{}'",
            param(TAUTOLOGY)
        );
        let count: i64 = client.query_one_checked(&sql, &[]).await.unwrap().get(0);
        assert_eq!(count, 3);
    })
    .await;
    assert_one(&report, Confidence::Confirmed);

    let report = iast::check_async(async {
        let sql = format!(
            "SELECT name FROM users WHERE name = '{}' AND id = 1",
            param(TAUTOLOGY)
        );
        let row = client.query_opt_checked(&sql, &[]).await.unwrap();
        assert_eq!(row.map(|r| r.get::<_, String>(0)).as_deref(), Some("alice"));
    })
    .await;
    assert_one(&report, Confidence::Confirmed);

    let report = iast::check_async(async {
        let sql = format!(
            "UPDATE users SET name = upper(name) WHERE name = '{}'",
            param(TAUTOLOGY)
        );
        // Every row changed, where the program meant one.
        assert_eq!(client.execute_checked(&sql, &[]).await.unwrap(), 3);
    })
    .await;
    assert_one(&report, Confidence::Confirmed);
}

#[tokio::test]
async fn a_batch_runs_the_injected_statement() {
    let Some(client) = db().await else { return };
    let report = iast::check_async(async {
        let sql = format!(
            "UPDATE users SET name = 'x' WHERE name = '{}'",
            param("nobody'; DROP TABLE users; --")
        );
        client.batch_execute_checked(&sql).await.unwrap();
    })
    .await;
    assert_one(&report, Confidence::Confirmed);
    // The table is gone.
    let err = client.query("SELECT 1 FROM users", &[]).await.unwrap_err();
    let message = err.as_db_error().map(|e| e.message());
    assert_eq!(
        message,
        Some(r#"relation "users" does not exist"#),
        "{err:?}"
    );

    let Some(client) = db().await else { return };
    let report = iast::check_async(async {
        let sql = format!(
            "SELECT name FROM users WHERE name = '{}'; DELETE FROM users",
            param(BENIGN)
        );
        client.simple_query_checked(&sql).await.unwrap();
    })
    .await;
    assert_one(&report, Confidence::Unsanitized);
}

#[tokio::test]
async fn prepare_and_transactions_are_checked() {
    let Some(mut client) = db().await else { return };
    let report = iast::check_async(async {
        let sql = concatenated(&param(TAUTOLOGY));
        let statement = client.prepare_checked(&sql).await.unwrap();
        assert_eq!(
            names(&client.query(&statement, &[]).await.unwrap()).len(),
            3
        );
    })
    .await;
    assert_one(&report, Confidence::Confirmed);

    let report = iast::check_async(async {
        let tx = client.transaction().await.unwrap();
        let sql = concatenated(&param(TAUTOLOGY));
        assert_eq!(names(&tx.query_checked(&sql, &[]).await.unwrap()).len(), 3);
        tx.rollback().await.unwrap();
    })
    .await;
    assert_one(&report, Confidence::Confirmed);
}

#[tokio::test]
async fn static_text_is_clean_and_errors_are_the_servers() {
    let Some(client) = db().await else { return };
    let report = iast::check_async(async {
        let count: i64 = client
            .query_one_checked("SELECT count(*) FROM users", &[])
            .await
            .unwrap()
            .get(0);
        assert_eq!(count, 3);
        let err = client
            .execute_checked("SELEC nonsense", &[])
            .await
            .unwrap_err();
        assert!(err.as_db_error().is_some(), "{err:?}");
    })
    .await;
    iast::assert_no_findings!(report);
    assert_eq!(report.sinks_reached().len(), 1, "{report}");
}

/// A name stored earlier and read back through `RowExt`, by name and by position, is a stored
/// flow into the page.
#[tokio::test]
async fn a_stored_name_read_back_is_a_stored_flow() {
    iast::set_stored_sources(true);
    let Some(client) = db().await else { return };
    let insert = "INSERT INTO users (name) VALUES ($1)";
    client.execute(insert, &[&STORED_COMMENT]).await.unwrap();
    let select = "SELECT id, name FROM users WHERE name LIKE '<%'";
    let row = client.query_one(select, &[]).await.unwrap();
    for by_name in [true, false] {
        let report = iast::check(|| {
            let name: String = match by_name {
                true => row.get_stored("name"),
                false => row.try_get_stored(1).unwrap(),
            };
            page(&format!("<li>{name}</li>"));
        });
        assert_stored(&report, "name");
    }
}
