//! A shop with one flaw per kind of outcome: a search that builds SQL by hand (a failing
//! finding), a greeting that escapes for HTML on its way into SQL (a sanitizer of the wrong
//! class in the flow), a ping that runs a shell (accepted in iast.toml's baseline), and a
//! file download no test calls (a sink not reached).

use std::sync::Mutex;

/// What the sinks were given, so tests can look.
pub static LOG: Mutex<Vec<String>> = Mutex::new(Vec::new());

#[iast::source(origin = "http.parameter")]
pub fn param(value: &str) -> String {
    value.to_owned()
}

#[iast::source(origin = "http.header")]
pub fn header(value: &str) -> String {
    value.to_owned()
}

#[iast::sink(sql)]
pub fn run_query(sql: &str) {
    LOG.lock().unwrap().push(sql.to_owned());
}

#[iast::sink(sql)]
pub fn record_visit(sql: &str) {
    LOG.lock().unwrap().push(sql.to_owned());
}

#[iast::sink(command)]
pub fn run_shell(script: &str) {
    LOG.lock().unwrap().push(script.to_owned());
}

#[iast::sink(path)]
pub fn read_file(path: &str) {
    LOG.lock().unwrap().push(path.to_owned());
}

#[iast::sanitizer(xss)]
pub fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

pub fn search(name: &str) {
    let name = param(name);
    run_query(&format!("SELECT * FROM items WHERE name = '{name}'"));
}

pub fn greet(name: &str) {
    let name = escape_html(&param(name));
    record_visit(&format!("INSERT INTO visits (name) VALUES ('{name}')"));
}

pub fn lookup(token: &str) {
    let token = header(token);
    run_query(&format!("SELECT * FROM sessions WHERE token = '{token}'"));
}

pub fn ping(host: &str) {
    let host = header(host);
    run_shell(&format!("ping -c 1 {host}"));
}
