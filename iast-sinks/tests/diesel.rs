//! The diesel sinks against a real SQLite database: an injection through `sql_query` or an
//! `sql` fragment is reported and really changes the result; the bound form is clean.
#![cfg(feature = "diesel")]

use diesel::prelude::*;
use diesel::sql_types::{Bool, Integer, Text};
use iast_sinks::diesel::{SqlExt, sql, sql_query};

const SINK: &str = "iast_sinks::diesel::check_sql";

include!("shared/sql.rs");

include!("shared/diesel.rs");

fn db() -> SqliteConnection {
    let mut conn = SqliteConnection::establish(":memory:").unwrap();
    diesel::sql_query("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL)")
        .execute(&mut conn)
        .unwrap();
    diesel::sql_query("INSERT INTO users (name) VALUES ('alice'), ('bob'), ('carol')")
        .execute(&mut conn)
        .unwrap();
    conn
}

#[test]
fn sql_query_is_checked_and_the_injection_really_selects_every_row() {
    let mut conn = db();
    let mut rows: Vec<User> = Vec::new();
    let report = iast::check(|| {
        let sql = format!(
            "SELECT id, name FROM users WHERE name = '{}' ORDER BY id",
            param(TAUTOLOGY)
        );
        rows = sql_query(sql).load(&mut conn).unwrap();
    });
    assert_one(&report, Confidence::Confirmed);
    assert_eq!(rows.len(), 3);

    let report = iast::check(|| {
        rows = sql_query("SELECT id, name FROM users WHERE name = ? ORDER BY id")
            .bind::<Text, _>(param(TAUTOLOGY))
            .load(&mut conn)
            .unwrap();
    });
    iast::assert_no_findings!(report);
    assert_eq!(report.sinks_reached().len(), 1, "{report}");
    assert!(rows.is_empty());
}

#[test]
fn a_raw_fragment_in_a_built_query_is_checked() {
    let mut conn = db();
    let mut rows: Vec<User> = Vec::new();
    let report = iast::check(|| {
        let condition = format!("name = '{}'", param(TAUTOLOGY));
        rows = users::table
            .filter(sql::<Bool>(&condition))
            .order(users::id)
            .load(&mut conn)
            .unwrap();
    });
    assert_one(&report, Confidence::Confirmed);
    assert_eq!(rows.len(), 3);

    // The query builder binds what it is given: a filter by value is no SQL text at all.
    let report = iast::check(|| {
        rows = users::table
            .filter(users::name.eq(param(TAUTOLOGY)))
            .load(&mut conn)
            .unwrap();
    });
    iast::assert_no_findings!(report);
    assert!(rows.is_empty());

    let report = iast::check(|| {
        let condition = format!("name = '{}'", param(BENIGN));
        let count: i64 = users::table
            .filter(sql::<Bool>(&condition))
            .count()
            .get_result(&mut conn)
            .unwrap();
        assert_eq!(count, 0);
    });
    assert_one(&report, Confidence::Unsanitized);
}

#[test]
fn appended_text_is_checked() {
    let mut conn = db();
    let report = iast::check(|| {
        let condition = format!("name = '{}'", param(TAUTOLOGY));
        let rows: Vec<User> = sql_query("SELECT id, name FROM users WHERE ")
            .sql_checked(&condition)
            .load(&mut conn)
            .unwrap();
        assert_eq!(rows.len(), 3);
    });
    assert_one(&report, Confidence::Confirmed);

    // A fragment extended with the program's own text stays clean.
    let report = iast::check(|| {
        let count: i64 = users::table
            .filter(sql::<Bool>("name = ").sql_checked("'alice'"))
            .count()
            .get_result(&mut conn)
            .unwrap();
        assert_eq!(count, 1);
    });
    iast::assert_no_findings!(report);
    assert_eq!(report.sinks_reached().len(), 1, "{report}");
}
