#[iast::sink(sql)]
struct Query(String);

#[iast::source]
const INPUT: &str = "";

#[iast::sanitizer(xss)]
mod escaping {}

fn main() {
    let _ = Query(String::new());
    let _ = INPUT;
}
