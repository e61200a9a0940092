#[iast::sink(sqll)]
fn run_query(sql: &str) -> usize {
    sql.len()
}

#[iast::sanitizer(xss, html)]
fn escape(v: &str) -> String {
    v.to_owned()
}

fn main() {
    run_query("");
    escape("");
}
