//! SQL sinks over [`rusqlite`].
//!
//! [`ConnectionExt`] adds a checked twin to each `rusqlite::Connection` method that takes SQL
//! text. The twin hands the text to [`check_sql`], a `#[iast::sink(sql)]` function, and then
//! makes the real call, returning exactly what rusqlite returns:
//!
//! ```no_run
//! use iast_sinks::rusqlite::ConnectionExt;
//!
//! # fn search(conn: &rusqlite::Connection, name: &str) -> rusqlite::Result<i64> {
//! // Reported when `name` came from a source: it is part of the SQL text.
//! let sql = format!("SELECT count(*) FROM users WHERE name = '{name}'");
//! let _all: i64 = conn.query_row_checked(&sql, [], |row| row.get(0))?;
//!
//! // Clean: a bound parameter is data, never parsed as SQL.
//! conn.query_row_checked("SELECT count(*) FROM users WHERE name = ?1", [name], |row| row.get(0))
//! # }
//! ```
//!
//! Only the SQL text is checked. Bind parameters are not: binding is the fix iast recommends,
//! and a tainted value in a parameter cannot change the statement.
//!
//! A [`rusqlite::Transaction`] dereferences to its `Connection`, so the checked methods work
//! on it too.

use rusqlite::types::FromSql;
use rusqlite::{Connection, Params, Result, Row, RowIndex, Statement};

/// The SQL sink behind every checked method: a call with tainted text in `sql` becomes a
/// SQL-injection finding. Call it directly to check text that reaches rusqlite by another
/// route (a `Statement` prepared elsewhere, a `prepare_cached` call).
#[iast::sink(sql)]
pub fn check_sql(sql: &str) {
    // The check runs in the attribute's prologue; nothing is left to do here, but to say
    // when there is no check.
    crate::warn_if_disabled();
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for rusqlite::Connection {}
}

/// Checked twins of the `rusqlite::Connection` methods that take SQL text.
///
/// Sealed, so that methods can be added without breaking anyone.
pub trait ConnectionExt: sealed::Sealed {
    /// [`Connection::execute`], after checking `sql`.
    fn execute_checked<P: Params>(&self, sql: &str, params: P) -> Result<usize>;

    /// [`Connection::query_row`], after checking `sql`.
    fn query_row_checked<T, P, F>(&self, sql: &str, params: P, f: F) -> Result<T>
    where
        P: Params,
        F: FnOnce(&Row<'_>) -> Result<T>;

    /// [`Connection::prepare`], after checking `sql`. The returned statement can then be
    /// run any number of times with bound parameters, none of which are checked.
    fn prepare_checked(&self, sql: &str) -> Result<Statement<'_>>;

    /// [`Connection::execute_batch`], after checking `sql`. A batch runs every statement in
    /// the text, so an injected `; DROP TABLE ...` really runs here.
    fn execute_batch_checked(&self, sql: &str) -> Result<()>;
}

impl ConnectionExt for Connection {
    #[track_caller]
    fn execute_checked<P: Params>(&self, sql: &str, params: P) -> Result<usize> {
        check_sql(sql);
        refused()?;
        self.execute(sql, params)
    }

    #[track_caller]
    fn query_row_checked<T, P, F>(&self, sql: &str, params: P, f: F) -> Result<T>
    where
        P: Params,
        F: FnOnce(&Row<'_>) -> Result<T>,
    {
        check_sql(sql);
        refused()?;
        self.query_row(sql, params, f)
    }

    #[track_caller]
    fn prepare_checked(&self, sql: &str) -> Result<Statement<'_>> {
        check_sql(sql);
        refused()?;
        self.prepare(sql)
    }

    #[track_caller]
    fn execute_batch_checked(&self, sql: &str) -> Result<()> {
        check_sql(sql);
        refused()?;
        self.execute_batch(sql)
    }
}

/// Protect mode's refusal, as rusqlite's error (see [`crate::protect`]).
fn refused() -> Result<()> {
    crate::protect::refused(iast::Vulnerability::SqlInjection)
        .map_err(|b| rusqlite::Error::ToSqlConversionFailure(Box::new(b)))
}

mod row_sealed {
    pub trait Sealed {}
    impl Sealed for rusqlite::Row<'_> {}
}

/// Reads of a row's values as sources of stored flows (see [`crate::db`]).
///
/// Sealed, so that methods can be added without breaking anyone.
pub trait RowExt: row_sealed::Sealed {
    /// [`Row::get`], the value recorded as read from the database (origin `db.row`, named by
    /// its column) when stored flows are on.
    fn get_stored<I: RowIndex, T: FromSql + crate::db::StoredText>(&self, idx: I) -> Result<T>;
}

impl RowExt for Row<'_> {
    fn get_stored<I: RowIndex, T: FromSql + crate::db::StoredText>(&self, idx: I) -> Result<T> {
        if !crate::db::recording() {
            return self.get(idx);
        }
        let i = idx.idx(self.as_ref())?;
        let value = self.get(i)?;
        let column = self.as_ref().column_name(i).unwrap_or_default();
        crate::db::stored(column, &value);
        Ok(value)
    }
}
