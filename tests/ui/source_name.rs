// `name = ...` names a parameter whose text names the value; anything else is an error on it.
#[iast::source(origin = "http.header", name = header)]
fn header_value(name: &str, value: &str) -> String {
    format!("{name}{value}")
}

#[iast::source(name = "x-tenant")]
fn literal_name(value: &str) -> String {
    value.to_owned()
}

#[iast::source(name = a, name = b, strict, strict)]
fn twice(a: &str, b: &str) -> String {
    format!("{a}{b}")
}

fn main() {
    header_value("", "");
    literal_name("");
    twice("", "");
}
