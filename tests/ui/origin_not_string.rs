#[iast::source(origin = 1)]
fn input() -> String {
    String::new()
}

#[iast::source(origin = http.parameter)]
fn other_input() -> String {
    String::new()
}

fn main() {
    input();
    other_input();
}
