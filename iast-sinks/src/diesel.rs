//! SQL sinks over diesel's raw SQL: [`sql_query`] and [`sql`] in place of diesel's.
//!
//! Diesel's query builder binds every value it is given; text becomes SQL where diesel takes
//! it raw. The two constructors of raw SQL have twins here, for a whole statement
//! (`diesel::sql_query`) and a fragment inside a built query (`diesel::dsl::sql`); each hands
//! the text to [`check_sql`], a `#[iast::sink(sql)]` function, and returns diesel's own
//! value. Text appended with `.sql(...)` has a twin too, [`SqlExt::sql_checked`], on a
//! `SqlQuery`, a boxed one and an `SqlLiteral`, and so has `SimpleConnection::batch_execute`
//! ([`SimpleConnectionExt::batch_execute_checked`]). diesel does not name the type of a
//! `sql_query` after `.bind(...)`: box it (`.into_boxed()`) to append checked text, or pass
//! the text to [`check_sql`].
//!
//! ```no_run
//! use diesel::prelude::*;
//! use diesel::sql_types::Text;
//!
//! #[derive(QueryableByName)]
//! struct User {
//!     #[diesel(sql_type = Text)]
//!     name: String,
//! }
//!
//! # fn search(conn: &mut SqliteConnection, name: &str) -> QueryResult<Vec<User>> {
//! // Reported when `name` came from a source: it is part of the SQL text.
//! let sql = format!("SELECT name FROM users WHERE name = '{name}'");
//! let _all: Vec<User> = iast_sinks::diesel::sql_query(sql).load(conn)?;
//!
//! // Clean: a bound value is data, never parsed as SQL.
//! iast_sinks::diesel::sql_query("SELECT name FROM users WHERE name = ?")
//!     .bind::<Text, _>(name)
//!     .load(conn)
//! # }
//! ```

use diesel::backend::Backend;
use diesel::connection::SimpleConnection;
use diesel::expression::{SqlLiteral, TypedExpressionType};
use diesel::query_builder::{BoxedSqlQuery, SqlQuery};
use diesel::result::QueryResult;

/// The SQL sink behind both twins: a call with tainted text in `sql` becomes a SQL-injection
/// finding.
#[iast::sink(sql)]
pub fn check_sql(sql: &str) {
    // The check runs in the attribute's prologue; nothing is left to do here, but to say
    // when there is no check.
    crate::warn_if_disabled();
}

/// [`diesel::sql_query`], after checking `query`.
#[track_caller]
pub fn sql_query<T: Into<String>>(query: T) -> SqlQuery {
    let query = query.into();
    check_sql(&query);
    diesel::sql_query(query)
}

/// [`diesel::dsl::sql`], after checking `sql`: a raw fragment inside a built query.
#[track_caller]
pub fn sql<ST: TypedExpressionType>(sql: &str) -> SqlLiteral<ST> {
    check_sql(sql);
    diesel::dsl::sql(sql)
}

/// Checked twins of diesel's `.sql(...)`, which appends raw text to a query or fragment.
pub trait SqlExt: Sized {
    /// What diesel's `.sql(...)` returns for `Self`.
    type Output;

    /// diesel's `.sql(sql)`, after checking `sql`.
    fn sql_checked(self, sql: &str) -> Self::Output;
}

impl<Inner> SqlExt for SqlQuery<Inner> {
    type Output = SqlQuery<Inner>;

    #[track_caller]
    fn sql_checked(self, sql: &str) -> SqlQuery<Inner> {
        check_sql(sql);
        self.sql(sql)
    }
}

impl<'f, DB: Backend, Query> SqlExt for BoxedSqlQuery<'f, DB, Query> {
    type Output = BoxedSqlQuery<'f, DB, Query>;

    #[track_caller]
    fn sql_checked(self, sql: &str) -> BoxedSqlQuery<'f, DB, Query> {
        check_sql(sql);
        self.sql(sql)
    }
}

impl<ST: TypedExpressionType, T> SqlExt for SqlLiteral<ST, T> {
    type Output = SqlLiteral<ST, SqlLiteral<ST, T>>;

    #[track_caller]
    fn sql_checked(self, sql: &str) -> Self::Output {
        check_sql(sql);
        self.sql(sql)
    }
}

/// The checked twin of `SimpleConnection::batch_execute`, which runs every statement in its
/// text.
pub trait SimpleConnectionExt {
    /// `batch_execute(query)`, after checking `query`.
    fn batch_execute_checked(&mut self, query: &str) -> QueryResult<()>;
}

impl<C: SimpleConnection> SimpleConnectionExt for C {
    #[track_caller]
    fn batch_execute_checked(&mut self, query: &str) -> QueryResult<()> {
        check_sql(query);
        self.batch_execute(query)
    }
}
