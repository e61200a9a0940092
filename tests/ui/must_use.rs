#![deny(unused_must_use)]

/// Documented, `#[must_use]` and instrumented: the attributes stay on the function.
#[iast::source]
#[must_use = "the input is the point"]
fn input() -> String {
    String::new()
}

struct Db;

#[iast::methods]
impl Db {
    #[must_use]
    #[iast::sink(sql)]
    fn execute(&self, sql: &str) -> usize {
        sql.len()
    }
}

fn main() {
    input();
    Db.execute("");
}
