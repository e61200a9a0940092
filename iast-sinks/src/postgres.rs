//! SQL sinks over the synchronous [`postgres`] client.
//!
//! [`ClientExt`] adds a checked twin to each method of a `postgres::Client` or `Transaction`
//! that takes SQL text. The twin hands the text to [`check_sql`], a `#[iast::sink(sql)]`
//! function, and then makes the real call, returning exactly what postgres returns:
//!
//! ```no_run
//! use iast_sinks::postgres::ClientExt;
//!
//! # fn search(client: &mut postgres::Client, name: &str) -> Result<(), postgres::Error> {
//! // Reported when `name` came from a source: it is part of the SQL text.
//! let sql = format!("SELECT id FROM users WHERE name = '{name}'");
//! let _rows = client.query_checked(&sql, &[])?;
//!
//! // Clean: a bound parameter is data, never parsed as SQL.
//! let _rows = client.query_checked("SELECT id FROM users WHERE name = $1", &[&name])?;
//! # Ok(())
//! # }
//! ```
//!
//! Only the SQL text is checked, as with `iast_sinks::tokio_postgres`, whose notes on bound
//! parameters, prepared statements and `iast::set_sql_dialect` hold here too.

use postgres::types::ToSql;
use postgres::{Error, GenericClient, Row, SimpleQueryMessage, Statement};

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
    impl<C: postgres::GenericClient> Sealed for C {}
}

/// Bound parameters, as postgres takes them.
type Params<'a> = &'a [&'a (dyn ToSql + Sync)];

/// Checked twins of the methods of a `postgres::Client` or `Transaction` that take SQL text.
///
/// Sealed, so that methods can be added without breaking anyone.
pub trait ClientExt: sealed::Sealed {
    /// [`Client::query`](postgres::Client::query), after checking `sql`.
    fn query_checked(&mut self, sql: &str, params: Params<'_>) -> Result<Vec<Row>, Error>;

    /// [`Client::query_one`](postgres::Client::query_one), after checking `sql`.
    fn query_one_checked(&mut self, sql: &str, params: Params<'_>) -> Result<Row, Error>;

    /// [`Client::query_opt`](postgres::Client::query_opt), after checking `sql`.
    fn query_opt_checked(&mut self, sql: &str, params: Params<'_>) -> Result<Option<Row>, Error>;

    /// [`Client::execute`](postgres::Client::execute), after checking `sql`.
    fn execute_checked(&mut self, sql: &str, params: Params<'_>) -> Result<u64, Error>;

    /// [`Client::prepare`](postgres::Client::prepare), after checking `sql`.
    fn prepare_checked(&mut self, sql: &str) -> Result<Statement, Error>;

    /// [`Client::batch_execute`](postgres::Client::batch_execute), after checking `sql`: every
    /// statement in the text runs.
    fn batch_execute_checked(&mut self, sql: &str) -> Result<(), Error>;

    /// [`Client::simple_query`](postgres::Client::simple_query), after checking `sql`: every
    /// statement in the text runs.
    fn simple_query_checked(&mut self, sql: &str) -> Result<Vec<SimpleQueryMessage>, Error>;
}

impl<C: GenericClient> ClientExt for C {
    #[track_caller]
    fn query_checked(&mut self, sql: &str, params: Params<'_>) -> Result<Vec<Row>, Error> {
        check_sql(sql);
        self.query(sql, params)
    }

    #[track_caller]
    fn query_one_checked(&mut self, sql: &str, params: Params<'_>) -> Result<Row, Error> {
        check_sql(sql);
        self.query_one(sql, params)
    }

    #[track_caller]
    fn query_opt_checked(&mut self, sql: &str, params: Params<'_>) -> Result<Option<Row>, Error> {
        check_sql(sql);
        self.query_opt(sql, params)
    }

    #[track_caller]
    fn execute_checked(&mut self, sql: &str, params: Params<'_>) -> Result<u64, Error> {
        check_sql(sql);
        self.execute(sql, params)
    }

    #[track_caller]
    fn prepare_checked(&mut self, sql: &str) -> Result<Statement, Error> {
        check_sql(sql);
        self.prepare(sql)
    }

    #[track_caller]
    fn batch_execute_checked(&mut self, sql: &str) -> Result<(), Error> {
        check_sql(sql);
        self.batch_execute(sql)
    }

    #[track_caller]
    fn simple_query_checked(&mut self, sql: &str) -> Result<Vec<SimpleQueryMessage>, Error> {
        check_sql(sql);
        self.simple_query(sql)
    }
}

crate::db::postgres_row_ext!(postgres);
