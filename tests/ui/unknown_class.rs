#[iast::sink(sqll)]
fn run_query(sql: &str) -> usize {
    sql.len()
}

#[iast::sanitizer(xss, html)]
fn escape(v: &str) -> String {
    v.to_owned()
}

#[iast::sink(insecure_cookie)]
fn set_cookie(header: &str) -> usize {
    header.len()
}

fn main() {
    run_query("");
    escape("");
    set_cookie("");
}
