//! The rusqlite sinks against a real in-memory database: an injection is reported and really
//! works, the same input bound as a parameter is clean.
#![cfg(feature = "rusqlite")]

use iast_sinks::rusqlite::{ConnectionExt, RowExt};
use rusqlite::Connection;

const SINK: &str = "iast_sinks::rusqlite::check_sql";

include!("shared/sql.rs");
include!("shared/stored.rs");

fn db() -> Connection {
    let conn = Connection::open_in_memory().unwrap();
    conn.execute_batch(
        "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, note TEXT);
         INSERT INTO users (name) VALUES ('alice'), ('bob'), ('carol');",
    )
    .unwrap();
    conn
}

fn names(conn: &Connection, sql: &str, params: impl rusqlite::Params) -> Vec<String> {
    let mut stmt = conn.prepare_checked(sql).unwrap();
    stmt.query_map(params, |row| row.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

#[test]
fn concatenated_tautology_is_confirmed_and_returns_every_user() {
    let conn = db();
    let mut count = 0;
    let report = iast::check(|| {
        let name = param(TAUTOLOGY);
        let sql = format!("SELECT count(*) FROM users WHERE name = '{name}'");
        count = conn.query_row_checked(&sql, [], |row| row.get(0)).unwrap();
    });
    assert_one(&report, Confidence::Confirmed);
    let all: i64 = conn
        .query_row("SELECT count(*) FROM users", [], |row| row.get(0))
        .unwrap();
    assert_eq!(count, all);
    assert_eq!(count, 3);
}

#[test]
fn tautology_bound_as_a_parameter_is_clean_and_matches_nothing() {
    let conn = db();
    let mut count = -1;
    let report = iast::check(|| {
        let name = param(TAUTOLOGY);
        count = conn
            .query_row_checked(
                "SELECT count(*) FROM users WHERE name = ?1",
                [&name],
                |row| row.get(0),
            )
            .unwrap();
    });
    iast::assert_no_findings!(report);
    assert_eq!(report.sinks_reached().len(), 1, "{report}");
    assert_eq!(count, 0);
}

#[test]
fn benign_name_concatenated_is_unsanitized() {
    let conn = db();
    let mut count = -1;
    let report = iast::check(|| {
        let name = param("carol smith");
        let sql = format!("SELECT count(*) FROM users WHERE name = '{name}'");
        count = conn.query_row_checked(&sql, [], |row| row.get(0)).unwrap();
    });
    assert_one(&report, Confidence::Unsanitized);
    assert_eq!(count, 0);
}

#[test]
fn execute_batch_drop_table_is_confirmed_and_really_drops_it() {
    let conn = db();
    let report = iast::check(|| {
        let note = param("x'; DROP TABLE users; --");
        let sql = format!("UPDATE users SET note = '{note}' WHERE id = 1;");
        conn.execute_batch_checked(&sql).unwrap();
    });
    assert_one(&report, Confidence::Confirmed);
    let gone = conn.query_row("SELECT count(*) FROM users", [], |row| row.get::<_, i64>(0));
    assert!(gone.is_err(), "users still exists: {gone:?}");
}

#[test]
fn execute_is_checked_and_its_parameters_are_not() {
    let conn = db();
    let mut changed = 0;
    let report = iast::check(|| {
        let note = param(TAUTOLOGY);
        changed = conn
            .execute_checked("UPDATE users SET note = ?1 WHERE id = 2", [&note])
            .unwrap();
    });
    iast::assert_no_findings!(report);
    assert_eq!(changed, 1);

    let report = iast::check(|| {
        let id = param("2 OR 1=1");
        changed = conn
            .execute_checked(&format!("UPDATE users SET note = 'x' WHERE id = {id}"), [])
            .unwrap();
    });
    assert_one(&report, Confidence::Confirmed);
    assert_eq!(changed, 3);
}

#[test]
fn prepare_is_checked() {
    let conn = db();
    let mut rows = Vec::new();
    let report = iast::check(|| {
        let name = param(TAUTOLOGY);
        rows = names(
            &conn,
            &format!("SELECT name FROM users WHERE name = '{name}' ORDER BY id"),
            [],
        );
    });
    assert_one(&report, Confidence::Confirmed);
    assert_eq!(rows, ["alice", "bob", "carol"]);

    let report = iast::check(|| {
        let name = param(TAUTOLOGY);
        rows = names(&conn, "SELECT name FROM users WHERE name = ?1", [&name]);
    });
    iast::assert_no_findings!(report);
    assert!(rows.is_empty());
}

#[test]
fn a_transaction_reaches_the_checked_methods_through_deref() {
    let mut conn = db();
    let tx = conn.transaction().unwrap();
    let report = iast::check(|| {
        let id = param("2 OR 1=1");
        let sql = format!("DELETE FROM users WHERE id = {id}");
        assert_eq!(tx.execute_checked(&sql, []).unwrap(), 3);
    });
    assert_one(&report, Confidence::Confirmed);
    tx.rollback().unwrap();
}

#[test]
fn checked_calls_return_what_rusqlite_returns() {
    let conn = db();
    assert_eq!(
        conn.execute_checked("DELETE FROM users WHERE id = ?1", [3])
            .unwrap(),
        1
    );
    let err = conn
        .query_row_checked("SELECT name FROM users WHERE id = 99", [], |row| {
            row.get::<_, String>(0)
        })
        .unwrap_err();
    assert_eq!(err, rusqlite::Error::QueryReturnedNoRows);
    assert!(conn.prepare_checked("SELEC nonsense").is_err());
    assert!(conn.execute_batch_checked("SELEC nonsense").is_err());
}

#[test]
fn the_checker_is_a_registered_sql_sink() {
    let registry = iast::registry();
    let sink = registry
        .sinks()
        .find(|i| i.function() == SINK)
        .expect("check_sql is registered");
    assert!(sink.is_sink_for(Vulnerability::SqlInjection));
}

/// A note stored earlier and read back through `RowExt::get_stored`, by position or by name,
/// is a stored flow into the page; the SQL sinks are not troubled by it.
#[test]
fn a_stored_note_read_back_is_a_stored_flow() {
    iast::set_stored_sources(true);
    let conn = db();
    conn.execute(
        "UPDATE users SET note = ?1 WHERE name = 'bob'",
        [STORED_COMMENT],
    )
    .unwrap();
    let select = "SELECT name, note FROM users WHERE note IS NOT NULL";
    for by_name in [false, true] {
        let report = iast::check(|| {
            let note: String = conn
                .query_row_checked(select, [], |row| match by_name {
                    true => row.get_stored("note"),
                    false => row.get_stored(1),
                })
                .unwrap();
            assert_eq!(note, STORED_COMMENT);
            page(&format!("<li>{note}</li>"));
            let same = format!("SELECT count(*) FROM users WHERE note = '{note}'");
            let count: i64 = conn.query_row_checked(&same, [], |row| row.get(0)).unwrap();
            assert_eq!(count, 1);
        });
        assert_stored(&report, "note");
    }
}
