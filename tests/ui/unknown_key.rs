#[iast::source(foo = 1)]
fn input() -> String {
    String::new()
}

#[iast::sink(sql, level = "high")]
fn run_query(sql: &str) -> usize {
    sql.len()
}

#[iast::sanitizer(xss, args(v))]
fn escape(v: &str) -> String {
    v.to_owned()
}

#[iast::source(http)]
fn other_input() -> String {
    String::new()
}

#[iast::sanitizer(nosql, serialized)]
fn quote(v: &str) -> String {
    v.to_owned()
}

fn main() {
    input();
    run_query("");
    escape("");
    other_input();
    quote("");
}
