//! The sinks over the synchronous postgres client, against a real PostgreSQL server: an
//! injection is reported and really changes what the server does, the same input bound as a
//! parameter is clean.
//!
//! The server is named by `IAST_POSTGRES` (see `shared/postgres.rs`).
#![cfg(feature = "postgres")]

use iast_sinks::postgres::{ClientExt, RowExt};
use postgres::{Client, NoTls};

const SINK: &str = "iast_sinks::postgres::check_sql";

include!("shared/sql.rs");
include!("shared/postgres.rs");
include!("shared/stored.rs");

/// A session of its own with a temporary `users` table; `None` when the tests are skipped
/// on purpose.
fn db() -> Option<Client> {
    iast::set_sql_dialect(iast::SqlDialect::PostgreSql);
    let url = postgres_url()?;
    let mut client = Client::connect(&url, NoTls).unwrap_or_else(|e| no_server(&url, e));
    client.batch_execute(USERS).unwrap();
    Some(client)
}

fn concatenated(name: &str) -> String {
    format!("SELECT name FROM users WHERE name = '{name}' ORDER BY id")
}

#[test]
fn query_and_execute_are_checked_and_the_injection_really_works() {
    let Some(mut client) = db() else { return };
    let report = iast::check(|| {
        let rows = client
            .query_checked(&concatenated(&param(TAUTOLOGY)), &[])
            .unwrap();
        assert_eq!(rows.len(), 3);
    });
    assert_one(&report, Confidence::Confirmed);

    let report = iast::check(|| {
        let name = param(TAUTOLOGY);
        let sql = "SELECT name FROM users WHERE name = $1";
        assert!(client.query_checked(sql, &[&name]).unwrap().is_empty());
    });
    iast::assert_no_findings!(report);
    assert_eq!(report.sinks_reached().len(), 1, "{report}");

    let report = iast::check(|| {
        let sql = format!(
            "UPDATE users SET name = upper(name) WHERE name = '{}'",
            param(TAUTOLOGY)
        );
        assert_eq!(client.execute_checked(&sql, &[]).unwrap(), 3);
    });
    assert_one(&report, Confidence::Confirmed);
}

#[test]
fn transactions_batches_and_prepared_statements_are_checked() {
    let Some(mut client) = db() else { return };
    let report = iast::check(|| {
        let mut tx = client.transaction().unwrap();
        let sql = format!(
            "SELECT count(*) FROM users WHERE name = '{}'",
            param(TAUTOLOGY)
        );
        let count: i64 = tx.query_one_checked(&sql, &[]).unwrap().get(0);
        assert_eq!(count, 3);
        let statement = tx.prepare_checked(&concatenated(&param(BENIGN))).unwrap();
        assert!(tx.query(&statement, &[]).unwrap().is_empty());
        tx.rollback().unwrap();
    });
    // One flow (this function, the sink, the source), shown at its most telling call.
    assert_one(&report, Confidence::Confirmed);
    assert!(report.to_string().contains("SELECT count(*)"), "{report}");

    let report = iast::check(|| {
        let sql = format!(
            "DELETE FROM users WHERE name = '{}'",
            param("nobody'; DROP TABLE users; --")
        );
        client.batch_execute_checked(&sql).unwrap();
    });
    assert_one(&report, Confidence::Confirmed);
    let err = client.query("SELECT 1 FROM users", &[]).unwrap_err();
    let message = err.as_db_error().map(|e| e.message());
    assert_eq!(
        message,
        Some(r#"relation "users" does not exist"#),
        "{err:?}"
    );
}

/// A name stored earlier and read back through `RowExt` is a stored flow into the page.
#[test]
fn a_stored_name_read_back_is_a_stored_flow() {
    iast::set_stored_sources(true);
    let Some(mut client) = db() else { return };
    let insert = "INSERT INTO users (name) VALUES ($1)";
    client.execute(insert, &[&STORED_COMMENT]).unwrap();
    let select = "SELECT id, name FROM users WHERE name LIKE '<%'";
    let row = client.query_one(select, &[]).unwrap();
    let report = iast::check(|| {
        let name: String = row.get_stored(1);
        page(&format!("<li>{name}</li>"));
    });
    assert_stored(&report, "name");
}
