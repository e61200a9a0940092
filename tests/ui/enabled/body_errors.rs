// Errors inside an instrumented body are rustc's own, at their own place.

#[iast::source]
fn input() -> String {
    42
}

#[iast::sink(sql)]
fn run_query(sql: &str) -> usize {
    sql.len() + undefined_variable
}

#[iast::validator(path)]
fn check(p: &str) -> bool {
    return p.len();
}

fn main() {
    input();
    run_query("");
    check("");
}
