#[iast::sink]
fn run_query(sql: &str) -> usize {
    sql.len()
}

#[iast::sanitizer()]
fn escape(v: &str) -> String {
    v.to_owned()
}

#[iast::sink(args(sql))]
fn exec(sql: &str) -> usize {
    sql.len()
}

fn main() {
    run_query("");
    escape("");
    exec("");
}
