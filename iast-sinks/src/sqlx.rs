//! SQL sinks over [`sqlx`] query text.
//!
//! [`query`], [`query_as`] and [`query_scalar`] have the signatures of their `sqlx`
//! namesakes. Each hands the SQL text to [`check_sql`], a `#[iast::sink(sql)]` function, and
//! then returns sqlx's own builder, so binding, fetching and executing work as before:
//!
//! ```no_run
//! use sqlx::AssertSqlSafe;
//!
//! # async fn search(pool: &sqlx::SqlitePool, name: &str) -> sqlx::Result<()> {
//! // Reported when `name` came from a source: it is part of the SQL text.
//! let sql = format!("SELECT id FROM users WHERE name = '{name}'");
//! iast_sinks::sqlx::query(AssertSqlSafe(sql)).fetch_all(pool).await?;
//!
//! // Clean: a bound value is data, never parsed as SQL.
//! iast_sinks::sqlx::query("SELECT id FROM users WHERE name = ?1")
//!     .bind(name)
//!     .fetch_all(pool)
//!     .await?;
//! # Ok(())
//! # }
//! ```
//!
//! Only the SQL text is checked. Values given to `.bind(...)` are not: binding is the fix
//! iast recommends, and a bound value cannot change the statement.
//!
//! Not covered: the `sqlx::query!` family of macros, whose SQL must be a string literal
//! checked against the database at compile time, so no run-time input can reach it; and
//! the other entry points that take SQL text (`sqlx::raw_sql`, the `*_with` constructors,
//! `QueryBuilder`, `Executor::prepare`). Pass their text to [`check_sql`] to check them.

use sqlx::query::{Query, QueryAs, QueryScalar};
use sqlx::{Database, FromRow, SqlSafeStr, SqlStr};

/// The SQL sink behind every checked constructor: a call with tainted text in `sql` becomes
/// a SQL-injection finding.
#[iast::sink(sql)]
pub fn check_sql(sql: &str) {
    // The check runs in the attribute's prologue; nothing is left to do here, but to say
    // when there is no check.
    crate::warn_if_disabled();
}

// `SqlStr` is itself `SqlSafeStr`, so the text is converted once, checked, and handed on
// without a copy (the very buffer a source returned stays recognisable).
#[track_caller]
fn checked(sql: impl SqlSafeStr) -> SqlStr {
    let sql = sql.into_sql_str();
    check_sql(sql.as_str());
    sql
}

/// [`sqlx::query`](fn@sqlx::query), after checking `sql`.
#[track_caller]
pub fn query<'a, DB>(sql: impl SqlSafeStr) -> Query<'a, DB, <DB as Database>::Arguments>
where
    DB: Database,
{
    sqlx::query(checked(sql))
}

/// [`sqlx::query_as`], after checking `sql`.
#[track_caller]
pub fn query_as<'q, DB, O>(sql: impl SqlSafeStr) -> QueryAs<'q, DB, O, <DB as Database>::Arguments>
where
    DB: Database,
    O: for<'r> FromRow<'r, DB::Row>,
{
    sqlx::query_as(checked(sql))
}

/// [`sqlx::query_scalar`], after checking `sql`.
#[track_caller]
pub fn query_scalar<'q, DB, O>(
    sql: impl SqlSafeStr,
) -> QueryScalar<'q, DB, O, <DB as Database>::Arguments>
where
    DB: Database,
    (O,): for<'r> FromRow<'r, DB::Row>,
{
    sqlx::query_scalar(checked(sql))
}

/// Reads of a row's values as sources of stored flows (see [`crate::db`]), for the rows of
/// every sqlx database.
pub trait RowExt: sqlx::Row {
    /// [`sqlx::Row::try_get`], the value recorded as read from the database (origin `db.row`,
    /// named by its column) when stored flows are on.
    fn try_get_stored<'r, T, I>(&'r self, index: I) -> Result<T, sqlx::Error>
    where
        I: sqlx::ColumnIndex<Self>,
        usize: sqlx::ColumnIndex<Self>,
        T: sqlx::Decode<'r, Self::Database> + sqlx::Type<Self::Database> + crate::db::StoredText;
}

impl<R: sqlx::Row> RowExt for R {
    fn try_get_stored<'r, T, I>(&'r self, index: I) -> Result<T, sqlx::Error>
    where
        I: sqlx::ColumnIndex<Self>,
        usize: sqlx::ColumnIndex<Self>,
        T: sqlx::Decode<'r, Self::Database> + sqlx::Type<Self::Database> + crate::db::StoredText,
    {
        use sqlx::Column;
        if !crate::db::recording() {
            return self.try_get(index);
        }
        let i = index.index(self)?;
        let value = self.try_get(i)?;
        let column = self.columns().get(i).map_or("", |c| c.name());
        crate::db::stored(column, &value);
        Ok(value)
    }
}
