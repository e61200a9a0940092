struct Db;

#[iast::methods(named = "Database")]
impl Db {
    #[iast::sink(sqll)]
    fn run_query(&self, sql: &str) -> usize {
        sql.len()
    }

    #[iast::source]
    const NAME: &'static str = "db";

    #[iast::sink(sql, args(query))]
    fn execute(&self, sql: &str) -> usize {
        sql.len()
    }

    #[iast::validator]
    fn is_safe(&self, sql: &str) -> bool {
        sql.is_empty()
    }
}

fn main() {
    Db.run_query("");
    Db.execute("");
    Db.is_safe("");
    let _ = Db::NAME;
    use_cache();
}

struct Cache;

#[iast::methods]
impl Cache {
    #[iast::source = "cache"]
    fn get(&self) -> String {
        String::new()
    }
}

fn use_cache() -> String {
    Cache.get()
}
