//! SQL sinks over [`tokio_postgres`].
//!
//! [`ClientExt`] adds a checked twin to each method of a `tokio_postgres::Client` or
//! `Transaction` that takes SQL text. The twin hands the text to [`check_sql`], a
//! `#[iast::sink(sql)]` function, when it is called, and returns the real call's future, so
//! awaiting it gives exactly what tokio-postgres gives:
//!
//! ```no_run
//! use iast_sinks::tokio_postgres::ClientExt;
//!
//! # async fn search(client: &tokio_postgres::Client, name: &str) -> Result<(), tokio_postgres::Error> {
//! // Reported when `name` came from a source: it is part of the SQL text.
//! let sql = format!("SELECT id FROM users WHERE name = '{name}'");
//! let _rows = client.query_checked(&sql, &[]).await?;
//!
//! // Clean: a bound parameter is data, never parsed as SQL.
//! let _rows = client
//!     .query_checked("SELECT id FROM users WHERE name = $1", &[&name])
//!     .await?;
//! # Ok(())
//! # }
//! ```
//!
//! Only the SQL text is checked. Bound parameters are not: binding is the fix iast
//! recommends, and a parameter cannot change the statement. A `Statement` from
//! [`ClientExt::prepare_checked`] was checked when it was prepared; run it with
//! tokio-postgres's own methods.
//!
//! iast reads SQL text as generic SQL until told the database; call
//! `iast::set_sql_dialect(iast::SqlDialect::PostgreSql)` once at start for PostgreSQL's own
//! rules (dollar quoting, backslash escapes only in `E'...'` literals, `$1` placeholders).
//!
//! The synchronous `postgres` client has the same twins in `iast_sinks::postgres` (feature
//! `postgres`).

use std::future::Future;
use tokio_postgres::types::ToSql;
use tokio_postgres::{Error, GenericClient, Row, SimpleQueryMessage, Statement};

/// The SQL sink behind every checked method: a call with tainted text in `sql` becomes a
/// SQL-injection finding. Call it directly to check text that reaches PostgreSQL by another
/// route (`copy_in`, `query_raw`).
#[iast::sink(sql)]
pub fn check_sql(sql: &str) {
    // The check runs in the attribute's prologue; nothing is left to do here, but to say
    // when there is no check.
    crate::warn_if_disabled();
}

mod sealed {
    pub trait Sealed {}
    impl<C: tokio_postgres::GenericClient> Sealed for C {}
}

/// Bound parameters, as tokio-postgres takes them.
type Params<'a> = &'a [&'a (dyn ToSql + Sync)];

/// Checked twins of the methods of a `tokio_postgres::Client` or `Transaction` that take SQL
/// text. Each checks `sql` when called, then returns tokio-postgres's future.
///
/// Sealed, so that methods can be added without breaking anyone.
pub trait ClientExt: sealed::Sealed {
    /// [`Client::query`](tokio_postgres::Client::query), after checking `sql`.
    fn query_checked<'a>(
        &'a self,
        sql: &'a str,
        params: Params<'a>,
    ) -> impl Future<Output = Result<Vec<Row>, Error>> + Send + 'a;

    /// [`Client::query_one`](tokio_postgres::Client::query_one), after checking `sql`.
    fn query_one_checked<'a>(
        &'a self,
        sql: &'a str,
        params: Params<'a>,
    ) -> impl Future<Output = Result<Row, Error>> + Send + 'a;

    /// [`Client::query_opt`](tokio_postgres::Client::query_opt), after checking `sql`.
    fn query_opt_checked<'a>(
        &'a self,
        sql: &'a str,
        params: Params<'a>,
    ) -> impl Future<Output = Result<Option<Row>, Error>> + Send + 'a;

    /// [`Client::execute`](tokio_postgres::Client::execute), after checking `sql`.
    fn execute_checked<'a>(
        &'a self,
        sql: &'a str,
        params: Params<'a>,
    ) -> impl Future<Output = Result<u64, Error>> + Send + 'a;

    /// [`Client::prepare`](tokio_postgres::Client::prepare), after checking `sql`. The
    /// statement can then be run any number of times with bound parameters, none of which
    /// are checked.
    fn prepare_checked<'a>(
        &'a self,
        sql: &'a str,
    ) -> impl Future<Output = Result<Statement, Error>> + Send + 'a;

    /// [`Client::batch_execute`](tokio_postgres::Client::batch_execute), after checking
    /// `sql`. A batch runs every statement in the text, so an injected `; DROP TABLE ...`
    /// really runs here.
    fn batch_execute_checked<'a>(
        &'a self,
        sql: &'a str,
    ) -> impl Future<Output = Result<(), Error>> + Send + 'a;

    /// [`Client::simple_query`](tokio_postgres::Client::simple_query), after checking `sql`.
    /// Like a batch, it runs every statement in the text, and takes no parameters.
    fn simple_query_checked<'a>(
        &'a self,
        sql: &'a str,
    ) -> impl Future<Output = Result<Vec<SimpleQueryMessage>, Error>> + Send + 'a;
}

impl<C: GenericClient + Sync> ClientExt for C {
    #[track_caller]
    fn query_checked<'a>(
        &'a self,
        sql: &'a str,
        params: Params<'a>,
    ) -> impl Future<Output = Result<Vec<Row>, Error>> + Send + 'a {
        check_sql(sql);
        GenericClient::query(self, sql, params)
    }

    #[track_caller]
    fn query_one_checked<'a>(
        &'a self,
        sql: &'a str,
        params: Params<'a>,
    ) -> impl Future<Output = Result<Row, Error>> + Send + 'a {
        check_sql(sql);
        GenericClient::query_one(self, sql, params)
    }

    #[track_caller]
    fn query_opt_checked<'a>(
        &'a self,
        sql: &'a str,
        params: Params<'a>,
    ) -> impl Future<Output = Result<Option<Row>, Error>> + Send + 'a {
        check_sql(sql);
        GenericClient::query_opt(self, sql, params)
    }

    #[track_caller]
    fn execute_checked<'a>(
        &'a self,
        sql: &'a str,
        params: Params<'a>,
    ) -> impl Future<Output = Result<u64, Error>> + Send + 'a {
        check_sql(sql);
        GenericClient::execute(self, sql, params)
    }

    #[track_caller]
    fn prepare_checked<'a>(
        &'a self,
        sql: &'a str,
    ) -> impl Future<Output = Result<Statement, Error>> + Send + 'a {
        check_sql(sql);
        GenericClient::prepare(self, sql)
    }

    #[track_caller]
    fn batch_execute_checked<'a>(
        &'a self,
        sql: &'a str,
    ) -> impl Future<Output = Result<(), Error>> + Send + 'a {
        check_sql(sql);
        GenericClient::batch_execute(self, sql)
    }

    #[track_caller]
    fn simple_query_checked<'a>(
        &'a self,
        sql: &'a str,
    ) -> impl Future<Output = Result<Vec<SimpleQueryMessage>, Error>> + Send + 'a {
        check_sql(sql);
        GenericClient::simple_query(self, sql)
    }
}

crate::db::postgres_row_ext!(tokio_postgres);
