//! The diesel sinks against a real PostgreSQL server: raw SQL through `sql_query`, an `sql`
//! fragment, appended text and a batch, where an injection really changes what the server
//! does and the bound form is clean.
//!
//! The server is named by `IAST_POSTGRES` (see `shared/postgres.rs`).
#![cfg(feature = "diesel")]

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Integer, Text};
use iast_sinks::diesel::{SimpleConnectionExt, SqlExt, sql, sql_query};

const SINK: &str = "iast_sinks::diesel::check_sql";

include!("shared/sql.rs");
include!("shared/postgres.rs");

include!("shared/diesel.rs");

/// A session of its own with a temporary `users` table; `None` when the tests are skipped on
/// purpose.
fn db() -> Option<PgConnection> {
    iast::set_sql_dialect(iast::SqlDialect::PostgreSql);
    let url = postgres_url()?;
    let mut conn = PgConnection::establish(&url).unwrap_or_else(|e| no_server(&url, e));
    conn.batch_execute(USERS).unwrap();
    Some(conn)
}

fn names(rows: &[User]) -> Vec<&str> {
    rows.iter().map(|u| u.name.as_str()).collect()
}

#[test]
fn sql_query_and_appended_text_are_checked_and_the_injection_really_selects_every_row() {
    let Some(mut conn) = db() else { return };
    let mut rows: Vec<User> = Vec::new();
    let report = iast::check(|| {
        let sql = format!(
            "SELECT id, name FROM users WHERE name = '{}' ORDER BY id",
            param(TAUTOLOGY)
        );
        rows = sql_query(sql).load(&mut conn).unwrap();
    });
    assert_one(&report, Confidence::Confirmed);
    assert_eq!(names(&rows), ["alice", "bob", "carol"]);

    // The same input bound: data, and nobody has that name.
    let report = iast::check(|| {
        rows = sql_query("SELECT id, name FROM users WHERE name = $1 ORDER BY id")
            .bind::<Text, _>(param(TAUTOLOGY))
            .load(&mut conn)
            .unwrap();
    });
    iast::assert_no_findings!(report);
    assert!(rows.is_empty());

    // Text appended to a statement, and to a boxed one after a bind.
    let report = iast::check(|| {
        let condition = format!("name = '{}'", param(TAUTOLOGY));
        rows = sql_query("SELECT id, name FROM users WHERE ")
            .sql_checked(&condition)
            .sql_checked(" ORDER BY id")
            .load(&mut conn)
            .unwrap();
    });
    assert_one(&report, Confidence::Confirmed);
    assert_eq!(rows.len(), 3);

    let report = iast::check(|| {
        let order = format!(" ORDER BY {}", param("name DESC; SELECT 1"));
        let _ = sql_query("SELECT id, name FROM users WHERE id > $1")
            .into_boxed::<diesel::pg::Pg>()
            .bind::<Integer, _>(0)
            .sql_checked(&order)
            .load::<User>(&mut conn);
    });
    assert_one(&report, Confidence::Confirmed);
}

#[test]
fn fragments_and_batches_are_checked() {
    let Some(mut conn) = db() else { return };
    let report = iast::check(|| {
        let condition = format!("name = '{}'", param(TAUTOLOGY));
        let rows: Vec<User> = users::table
            .filter(sql::<Bool>(&condition))
            .order(users::id)
            .load(&mut conn)
            .unwrap();
        assert_eq!(rows.len(), 3);
    });
    assert_one(&report, Confidence::Confirmed);

    // A batch runs every statement: the injected one deletes the table's rows.
    let report = iast::check(|| {
        let batch = format!(
            "UPDATE users SET name = '{}' WHERE id = 0",
            param("x'; DELETE FROM users; --")
        );
        conn.batch_execute_checked(&batch).unwrap();
    });
    assert_one(&report, Confidence::Confirmed);
    let left: i64 = users::table.count().get_result(&mut conn).unwrap();
    assert_eq!(left, 0, "the injected statement ran");
}
