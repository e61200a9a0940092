// A return type that passes the syntactic check (its name ends in `Result`) but is no
// `Verdict`: the compiler reports it at the return type.

struct ScanResult {
    clean: bool,
}

#[iast::validator(path)]
fn scan(p: &str) -> ScanResult {
    ScanResult {
        clean: !p.contains(".."),
    }
}

fn main() {
    let _ = scan("").clean;
}
