#[iast::source]
fn read_input(buf: &mut String) {
    buf.push('x');
}

#[iast::source(origin = "http.parameter")]
fn unit() -> () {}

#[iast::sanitizer(xss)]
fn escape_in_place(v: &mut String) {
    v.clear();
}

fn main() {
    read_input(&mut String::new());
    unit();
    escape_in_place(&mut String::new());
}
