//! Values read back from a database, as sources of stored flows (origin `db.row`).
//!
//! A comment one request stored and another request renders unescaped is stored XSS: the
//! second request's own input is clean, the danger is in the row. With stored flows on
//! (`[taint] stored = true` in `iast.toml`, or `iast::set_stored_sources(true)`), a value
//! recorded by [`stored`] or read by the row readers of the database modules
//! (`iast_sinks::rusqlite::RowExt`, `iast_sinks::sqlx::RowExt`,
//! `iast_sinks::tokio_postgres::RowExt`, `iast_sinks::postgres::RowExt`) is tainted in the
//! context that read it, named by its column. A flow whose only sources are rows is reported
//! as stored, for XSS, open redirect, header and log injection ([`iast::STORED_CLASSES`]);
//! with stored flows off (the default), reading costs one branch more than the read.
//!
//! ```no_run
//! use iast_sinks::rusqlite::RowExt;
//!
//! # fn comments(conn: &rusqlite::Connection) -> rusqlite::Result<Vec<String>> {
//! let mut statement = conn.prepare("SELECT body FROM comments")?;
//! let bodies = statement.query_map([], |row| row.get_stored::<_, String>("body"))?;
//! bodies.collect()
//! # }
//! ```

/// Records `value`, read from the database column `column`: with stored flows on and inside
/// a context, its text is tainted as a source of origin `db.row` named `column`. Use it for
/// what the row readers do not cover (a value another client read); for a struct sqlx's
/// `query_as` built, mark a function of your own that returns it with
/// `#[iast::source(origin = "db.row")]`, which records every string field.
pub fn stored<T: StoredText + ?Sized>(column: &str, value: &T) {
    value.each_text(&mut |text| {
        read_text(column, text);
    });
}

/// Whether a value read now is recorded: stored flows on, inside a context. The row readers
/// ask first, so that they look up no column name otherwise.
#[cfg(any(
    feature = "rusqlite",
    feature = "sqlx",
    feature = "tokio-postgres",
    feature = "postgres"
))]
pub(crate) fn recording() -> bool {
    iast::in_context() && iast::stored_sources()
}

/// The source: the text of one value read from `column`, recorded in its own buffer, so
/// that the value itself is recognised wherever it is passed whole.
#[iast::source(origin = "db.row", name = column)]
fn read_text<'a>(column: &str, text: &'a [u8]) -> &'a [u8] {
    text
}

/// The types of column values whose text a stored flow can carry: strings, bytes, and
/// `Option`s of them; numbers and `bool` carry none. What the row readers accept.
pub trait StoredText {
    /// Hands `each` every text of the value, in its own buffer.
    fn each_text(&self, each: &mut dyn FnMut(&[u8]));
}

impl StoredText for str {
    fn each_text(&self, each: &mut dyn FnMut(&[u8])) {
        each(self.as_bytes());
    }
}

impl StoredText for [u8] {
    fn each_text(&self, each: &mut dyn FnMut(&[u8])) {
        each(self);
    }
}

impl StoredText for String {
    fn each_text(&self, each: &mut dyn FnMut(&[u8])) {
        each(self.as_bytes());
    }
}

impl StoredText for Vec<u8> {
    fn each_text(&self, each: &mut dyn FnMut(&[u8])) {
        each(self);
    }
}

impl StoredText for Box<str> {
    fn each_text(&self, each: &mut dyn FnMut(&[u8])) {
        each(self.as_bytes());
    }
}

impl<T: StoredText + ?Sized> StoredText for &T {
    fn each_text(&self, each: &mut dyn FnMut(&[u8])) {
        (**self).each_text(each);
    }
}

impl<T: StoredText> StoredText for Option<T> {
    fn each_text(&self, each: &mut dyn FnMut(&[u8])) {
        if let Some(value) = self {
            value.each_text(each);
        }
    }
}

/// Values with no text.
macro_rules! no_text {
    ($($t:ty),*) => {
        $(impl StoredText for $t {
            fn each_text(&self, _: &mut dyn FnMut(&[u8])) {}
        })*
    };
}
no_text!(bool, i8, i16, i32, i64, u8, u16, u32, u64, f32, f64);

/// The `RowExt` of a PostgreSQL client crate (tokio-postgres, and postgres, which re-exports
/// its row type), written once for both.
#[cfg(any(feature = "tokio-postgres", feature = "postgres"))]
macro_rules! postgres_row_ext {
    ($pg:ident) => {
        mod row_sealed {
            pub trait Sealed {}
            impl Sealed for $pg::Row {}
        }

        /// Reads of a row's values as sources of stored flows (see [`crate::db`]).
        ///
        /// Sealed, so that methods can be added without breaking anyone.
        pub trait RowExt: row_sealed::Sealed {
            /// [`Row::try_get`](::$pg::Row::try_get), the value recorded as read from the
            /// database (origin `db.row`, named by its column) when stored flows are on.
            fn try_get_stored<'a, I, T>(&'a self, idx: I) -> Result<T, $pg::Error>
            where
                I: $pg::row::RowIndex + std::fmt::Display,
                T: $pg::types::FromSql<'a> + $crate::db::StoredText;

            /// [`Row::get`](::$pg::Row::get), recorded the same way; panics where `get` does.
            #[track_caller]
            fn get_stored<'a, I, T>(&'a self, idx: I) -> T
            where
                I: $pg::row::RowIndex + std::fmt::Display,
                T: $pg::types::FromSql<'a> + $crate::db::StoredText,
            {
                match self.try_get_stored(idx) {
                    Ok(value) => value,
                    Err(error) => panic!("error retrieving column: {error}"),
                }
            }
        }

        impl RowExt for $pg::Row {
            fn try_get_stored<'a, I, T>(&'a self, idx: I) -> Result<T, $pg::Error>
            where
                I: $pg::row::RowIndex + std::fmt::Display,
                T: $pg::types::FromSql<'a> + $crate::db::StoredText,
            {
                if !$crate::db::recording() {
                    return self.try_get(idx);
                }
                // A column given by position is named by the row's column of that position.
                let column = idx.to_string();
                let value = self.try_get(idx)?;
                let name = match column.parse::<usize>() {
                    Ok(i) => self.columns().get(i).map_or(column.as_str(), |c| c.name()),
                    Err(_) => column.as_str(),
                };
                $crate::db::stored(name, &value);
                Ok(value)
            }
        }
    };
}
#[cfg(any(feature = "tokio-postgres", feature = "postgres"))]
pub(crate) use postgres_row_ext;
