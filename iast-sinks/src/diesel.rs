//! SQL sinks over diesel's raw SQL: [`sql_query`] and [`sql`] in place of diesel's.
//!
//! Diesel's query builder binds every value it is given; text becomes SQL where diesel takes
//! it raw. The two constructors of raw SQL have twins here, for a whole statement
//! (`diesel::sql_query`) and a fragment inside a built query (`diesel::dsl::sql`); each hands
//! the text to [`check_sql`], a `#[iast::sink(sql)]` function, and returns diesel's own
//! value. Text appended to their results with `.sql(...)`, and the text of
//! `SimpleConnection::batch_execute`, are not checked: pass it to [`check_sql`].
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

use diesel::expression::{SqlLiteral, TypedExpressionType};
use diesel::query_builder::SqlQuery;

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
