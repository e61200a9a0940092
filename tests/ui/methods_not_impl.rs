#[iast::methods]
struct Db;

#[iast::methods]
fn run_query(sql: &str) -> usize {
    sql.len()
}

#[iast::methods]
trait Store {
    #[iast::sink(nosql)]
    fn put(&self, doc: &str);
}

fn main() {
    let _ = Db;
    run_query("");
}
