#[iast::sanitizer(sql, xss, sql)]
fn escape(v: &str) -> String {
    v.to_owned()
}

#[iast::sink(command, args(program, program))]
fn spawn(program: &str) -> usize {
    program.len()
}

#[iast::source(origin = "a", origin = "b")]
fn input() -> String {
    String::new()
}

#[iast::sink(nosql, serialized, serialized)]
fn find(filter: &str) -> usize {
    filter.len()
}

fn main() {
    escape("");
    spawn("");
    input();
    find("");
}
