// `#[iast::test]` takes no arguments, and a test has no parameters.

#[iast::test(probe)]
fn with_an_argument() {}

#[iast::test]
fn with_a_parameter(name: &str) {
    let _ = name;
}

fn main() {}
