#[iast::sanitizer(sql)]
const fn quote(v: &'static str) -> &'static str {
    v
}

struct Db;

#[iast::methods]
impl Db {
    #[iast::source]
    const fn name(&self) -> &'static str {
        "db"
    }
}

fn main() {
    quote("");
    Db.name();
}
