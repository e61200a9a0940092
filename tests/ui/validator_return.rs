#[iast::validator(path)]
fn check(p: &str) {
    let _ = p;
}

#[iast::validator(path)]
fn count(p: &str) -> usize {
    p.len()
}

#[iast::validator(path)]
fn maybe(p: &str) -> Option<bool> {
    Some(p.is_empty())
}

fn main() {
    check("");
    count("");
    maybe("");
}
