// An async test needs the runtime's own test attribute below `#[iast::test]`.

#[iast::test]
async fn without_runtime() {}

fn main() {}
