// The PostgreSQL server the tests use. Included by `tests/tokio_postgres.rs`,
// `tests/postgres.rs`, `tests/sqlx_postgres.rs` and `tests/diesel_postgres.rs`.

/// The server's URL: `IAST_POSTGRES` (`.ci/run` installs Debian's server, starts it and sets
/// it), or else the local server's socket as the current user. `None` when
/// `IAST_POSTGRES=skip` skips the tests on purpose, which is said on stderr.
fn postgres_url() -> Option<String> {
    match std::env::var("IAST_POSTGRES") {
        Ok(v) if v == "skip" => {
            eprintln!("IAST_POSTGRES=skip: the PostgreSQL tests are skipped");
            None
        }
        Ok(v) => Some(v),
        Err(_) => {
            let user = std::env::var("USER").unwrap_or_else(|_| "root".to_owned());
            Some(format!(
                "postgres:///postgres?host=/var/run/postgresql&user={user}"
            ))
        }
    }
}

/// The tests' failure when no server answers.
fn no_server(url: &str, error: impl std::fmt::Display) -> ! {
    panic!(
        "these tests need a PostgreSQL server and none answered at `{url}`: {error}. Set \
         IAST_POSTGRES to a server's URL (see .ci/run for starting Debian's server), or \
         IAST_POSTGRES=skip to skip them"
    )
}

/// The rows every test starts from, in a temporary table of the test's own session.
const USERS: &str = "CREATE TEMPORARY TABLE users (id serial PRIMARY KEY, name text NOT NULL);
     INSERT INTO users (name) VALUES ('alice'), ('bob'), ('carol');";
