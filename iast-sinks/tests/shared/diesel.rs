// The table the diesel tests query and the row type they load. Included by `tests/diesel.rs`
// (SQLite) and `tests/diesel_postgres.rs` (PostgreSQL).

diesel::table! {
    users (id) {
        id -> Integer,
        name -> Text,
    }
}

#[derive(QueryableByName, Queryable, Debug, PartialEq)]
struct User {
    #[diesel(sql_type = Integer)]
    id: i32,
    #[diesel(sql_type = Text)]
    name: String,
}
