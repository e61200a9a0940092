//! A small annotated program: request handlers that build SQL, HTML, file paths and shell
//! commands from request parameters, some safely and some not. It runs each handler with an
//! attacker's input inside `iast::check` and prints what iast saw.
//!
//! `cargo run --example demo`

use std::collections::HashMap;

/// A request's query parameters; the values are attacker-controlled.
struct Request {
    query: HashMap<&'static str, &'static str>,
}

#[iast::methods]
impl Request {
    #[iast::source(origin = "http.parameter")]
    fn param(&self, name: &str) -> String {
        self.query.get(name).copied().unwrap_or_default().to_owned()
    }
}

mod db {
    #[iast::sink(sql)]
    pub fn query(sql: &str) -> Vec<String> {
        // A real service hands `sql` to its database here.
        vec![format!("rows for: {sql}")]
    }

    #[iast::sanitizer(sql)]
    pub fn quote(value: &str) -> String {
        format!("'{}'", value.replace('\'', "''"))
    }
}

mod html {
    #[iast::sink(xss)]
    pub fn respond(body: &str) -> usize {
        body.len()
    }

    #[iast::sanitizer(xss)]
    pub fn escape(text: &str) -> String {
        text.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
            .replace('\'', "&#x27;")
    }
}

mod files {
    use std::path::{Path, PathBuf};

    #[iast::sink(path)]
    pub fn open(path: &Path) -> bool {
        path.exists()
    }

    #[iast::validator(path)]
    pub fn is_plain_name(name: &str) -> bool {
        !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
            && !name.starts_with('.')
    }

    pub fn under_base(name: &str) -> PathBuf {
        Path::new("/srv/reports").join(name)
    }
}

mod shell {
    /// Runs a command line with `sh -c`.
    #[iast::sink(command)]
    pub fn sh(script: &str) -> String {
        // A real service spawns `sh -c script` here.
        format!("sh -c {script}")
    }
}

fn search_unsafe(req: &Request) {
    let name = req.param("name");
    db::query(&format!("SELECT * FROM users WHERE name = '{name}'"));
}

fn search_safe(req: &Request) {
    let name = req.param("name");
    db::query(&format!(
        "SELECT * FROM users WHERE name = {}",
        db::quote(&name)
    ));
}

fn greet_unsafe(req: &Request) {
    html::respond(&format!("<p>Hello, {}!</p>", req.param("name")));
}

fn greet_safe(req: &Request) {
    html::respond(&format!(
        "<p>Hello, {}!</p>",
        html::escape(&req.param("name"))
    ));
}

fn download_unsafe(req: &Request) {
    files::open(&files::under_base(&req.param("file")));
}

fn download_safe(req: &Request) {
    let file = req.param("file");
    if files::is_plain_name(&file) {
        files::open(&files::under_base(&file));
    }
}

fn ping_unsafe(req: &Request) {
    shell::sh(&format!("ping -c 1 {}", req.param("host")));
}

fn main() {
    let attack = Request {
        query: HashMap::from([
            ("name", "bob' OR '1'='1"),
            ("file", "../../etc/passwd"),
            ("host", "example.com; cat /etc/shadow"),
        ]),
    };
    type Handler = fn(&Request);
    let handlers: [(&str, Handler); 7] = [
        ("search (vulnerable)", search_unsafe),
        ("search (fixed)", search_safe),
        ("greet (vulnerable)", greet_unsafe),
        ("greet (fixed)", greet_safe),
        ("download (vulnerable)", download_unsafe),
        ("download (fixed)", download_safe),
        ("ping (vulnerable)", ping_unsafe),
    ];

    println!(
        "iast demo: {} annotated functions registered\n",
        iast::registry().len()
    );
    let mut total = 0;
    for (name, handler) in handlers {
        let report = iast::check(|| handler(&attack));
        total += report.findings().len();
        println!("== {name}");
        println!("{report}");
    }
    println!("== monitored flows\n{}", iast::registry());
    println!("{total} findings in all");
}
