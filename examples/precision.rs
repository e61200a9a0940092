//! Measures the analyzers on attack corpora and on benign inputs.
//!
//! `cargo run --release --example precision -- ../shared/corpora/payloadsallthethings`
//!
//! For each payload list (its file name starts with the class it targets), every payload is
//! returned by an annotated source, put into each typical sink text of that class (the way a
//! vulnerable program concatenates it) and handed to an annotated sink inside `iast::check`.
//! It prints the share of payloads that come out `Confirmed`, per context and in any context.
//! Then every benign input goes through every context of every class as an ordinary test
//! input: it prints the share of those (vulnerable) flows found by `iast::check` and by
//! `iast::probe`, and the share that raises a `Confirmed` finding in an ordinary run.

use iast::{Confidence, Vulnerability};
use std::collections::BTreeMap;
use std::path::Path;

#[iast::source(origin = "http.parameter")]
fn request_value(v: &str) -> String {
    v.to_owned()
}

#[iast::sink(sql)]
fn sql(text: &str) {
    let _ = text;
}
#[iast::sink(command)]
fn shell(command_line: &str) {
    let _ = command_line;
}
#[iast::sink(path)]
fn open(path: &str) {
    let _ = path;
}
#[iast::sink(xss)]
fn html(body: &str) {
    let _ = body;
}
#[iast::sink(ldap)]
fn ldap(filter: &str) {
    let _ = filter;
}
#[iast::sink(nosql)]
fn nosql(document: &str) {
    let _ = document;
}
#[iast::sink(redirect)]
fn redirect(location: &str) {
    let _ = location;
}
#[iast::sink(ssrf)]
fn fetch(url: &str) {
    let _ = url;
}
#[iast::sink(xpath)]
fn xpath(expression: &str) {
    let _ = expression;
}
#[iast::sink(header)]
fn header(value: &str) {
    let _ = value;
}
#[iast::sink(log)]
fn log(line: &str) {
    let _ = line;
}
#[iast::sink(code)]
fn eval(code: &str) {
    let _ = code;
}

/// A typical sink text of a class: `{}` is where the program puts the request value.
struct Context {
    class: Vulnerability,
    name: &'static str,
    template: &'static str,
    sink: fn(&str),
}

const CONTEXTS: &[Context] = &[
    Context {
        class: Vulnerability::SqlInjection,
        name: "string literal",
        template: "SELECT * FROM users WHERE name = '{}' AND active = 1",
        sink: sql,
    },
    Context {
        class: Vulnerability::SqlInjection,
        name: "number",
        template: "SELECT * FROM users WHERE id = {} AND active = 1",
        sink: sql,
    },
    Context {
        class: Vulnerability::CommandInjection,
        name: "sh -c argument",
        template: "ping -c 1 {}",
        sink: shell,
    },
    Context {
        class: Vulnerability::PathTraversal,
        name: "file under a base",
        template: "/srv/app/files/{}",
        sink: open,
    },
    Context {
        class: Vulnerability::Xss,
        name: "text",
        template: "<html><body><p>Hello, {}!</p></body></html>",
        sink: html,
    },
    Context {
        class: Vulnerability::Xss,
        name: "quoted attribute",
        template: "<input name=\"q\" value=\"{}\">",
        sink: html,
    },
    Context {
        class: Vulnerability::LdapInjection,
        name: "filter value",
        template: "(&(uid={})(objectClass=person))",
        sink: ldap,
    },
    Context {
        class: Vulnerability::NosqlInjection,
        name: "string value",
        template: "{\"username\": \"{}\", \"active\": true}",
        sink: nosql,
    },
    Context {
        class: Vulnerability::NosqlInjection,
        name: "value",
        template: "{\"username\": {}, \"active\": true}",
        sink: nosql,
    },
    Context {
        class: Vulnerability::OpenRedirect,
        name: "whole Location",
        template: "{}",
        sink: redirect,
    },
    Context {
        class: Vulnerability::OpenRedirect,
        name: "path after the host",
        template: "https://app.example/{}",
        sink: redirect,
    },
    Context {
        class: Vulnerability::Ssrf,
        name: "host",
        template: "http://{}/status",
        sink: fetch,
    },
    Context {
        class: Vulnerability::Ssrf,
        name: "query value",
        template: "https://api.example/v1/search?q={}",
        sink: fetch,
    },
    Context {
        class: Vulnerability::XpathInjection,
        name: "string literal",
        template: "//user[name='{}']",
        sink: xpath,
    },
    Context {
        class: Vulnerability::HeaderInjection,
        name: "value",
        template: "attachment; filename={}",
        sink: header,
    },
    Context {
        class: Vulnerability::LogInjection,
        name: "message",
        template: "login failed for user {}",
        sink: log,
    },
    Context {
        class: Vulnerability::CodeInjection,
        name: "string literal",
        template: "greet('{}')",
        sink: eval,
    },
];

/// Inputs a legitimate user sends.
const BENIGN: &[&str] = &[
    // names
    "Alice",
    "bob",
    "José García",
    "Zoë Ødegaard",
    "Jean-Luc Picard",
    "O'Brien",
    "D'Angelo",
    "Mary Ann Smith-Jones",
    "李小龙",
    "Nguyễn Văn An",
    // addresses
    "221B Baker Street, London",
    "1600 Pennsylvania Ave NW",
    "Flat 3/2, 10 Main St.",
    "Apt. #5, 12 Rue de l'Église",
    "P.O. Box 1234",
    // e-mails
    "alice@example.com",
    "bob.smith+news@mail.example.org",
    "first.last@sub.example.co.uk",
    // sentences with apostrophes
    "It's a lovely day, isn't it?",
    "Don't forget the meeting at 3pm.",
    "We'll see you there; bring snacks!",
    "The report (draft) is ready: see page 4.",
    "Rock & roll",
    "50% off - today only",
    "Is 5 > 3? Yes.",
    // numbers
    "42",
    "0",
    "-7",
    "3.14159",
    "1e6",
    "1,000,000",
    "+44 20 7946 0958",
    "2024-11-24",
    // paths within the base
    "report.pdf",
    "2024/summary.txt",
    "images/cat photo.png",
    "notes_v2.md",
    "a.b.c",
    // ordinary URLs
    "https://example.com/",
    "https://example.com/page?x=1&y=2",
    "http://docs.example.org/guide#intro",
    "/account/settings",
    "search?q=rust+iast",
    // identifiers and tokens
    "user_42",
    "created_at",
    "en-GB",
    "ORD-2024-0001",
    "a1b2c3d4e5",
];

fn confidence(ctx: &Context, value: &str) -> Option<Confidence> {
    of_class(ctx, &iast::check(|| flow(ctx, value)))
}

/// The same flow under `iast::probe`: found at any length, confirmed by a payload.
fn probed(ctx: &Context, value: &str) -> Option<Confidence> {
    of_class(ctx, &iast::probe(|| flow(ctx, value)))
}

fn flow(ctx: &Context, value: &str) {
    let v = request_value(value);
    (ctx.sink)(&ctx.template.replacen("{}", &v, 1));
}

fn of_class(ctx: &Context, report: &iast::Report) -> Option<Confidence> {
    report
        .findings()
        .iter()
        .filter(|f| f.vulnerability() == ctx.class)
        .map(|f| f.confidence())
        .max()
}

fn class_of_file(name: &str) -> Option<Vulnerability> {
    let word = name.split(['-', '.']).next()?;
    Vulnerability::from_word(word)
}

fn pct(n: usize, of: usize) -> String {
    if of == 0 {
        "-".into()
    } else {
        format!("{:.1}%", 100.0 * n as f64 / of as f64)
    }
}

fn main() {
    let Some(dir) = std::env::args().nth(1) else {
        eprintln!(
            "usage: precision <corpus folder>   (e.g. ../shared/corpora/payloadsallthethings)"
        );
        std::process::exit(2);
    };
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| {
            eprintln!("precision: cannot read {dir}: {e}");
            std::process::exit(2);
        })
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();

    println!("## Attack payloads: share confirmed\n");
    println!("| list | class | payloads | context | confirmed | reported |");
    println!("|---|---|---|---|---|---|");
    let mut per_class: BTreeMap<Vulnerability, (usize, usize)> = BTreeMap::new();
    for file in &files {
        let name = file
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let Some(class) = class_of_file(name) else {
            continue;
        };
        let payloads = read_payloads(file);
        let contexts: Vec<&Context> = CONTEXTS.iter().filter(|c| c.class == class).collect();
        let mut any = 0;
        let mut by_context = vec![(0, 0); contexts.len()];
        for p in &payloads {
            let mut confirmed_anywhere = false;
            for (i, ctx) in contexts.iter().enumerate() {
                match confidence(ctx, p) {
                    Some(Confidence::Confirmed) => {
                        by_context[i].0 += 1;
                        by_context[i].1 += 1;
                        confirmed_anywhere = true;
                    }
                    Some(_) => by_context[i].1 += 1,
                    None => {}
                }
            }
            any += usize::from(confirmed_anywhere);
        }
        for (ctx, (confirmed, reported)) in contexts.iter().zip(&by_context) {
            println!(
                "| {name} | {} | {} | {} | {} | {} |",
                class.word(),
                payloads.len(),
                ctx.name,
                pct(*confirmed, payloads.len()),
                pct(*reported, payloads.len())
            );
        }
        if contexts.len() > 1 {
            println!(
                "| {name} | {} | {} | any | {} | |",
                class.word(),
                payloads.len(),
                pct(any, payloads.len())
            );
        }
        let e = per_class.entry(class).or_default();
        e.0 += any;
        e.1 += payloads.len();
    }
    println!("\n| class | payloads | confirmed in some context |\n|---|---|---|");
    for (class, (confirmed, n)) in &per_class {
        println!("| {} | {n} | {} |", class.word(), pct(*confirmed, *n));
    }

    ordinary_runs();

    println!("\n## Benign inputs: share raising a Confirmed finding\n");
    println!("| class | context | inputs | confirmed | which |");
    println!("|---|---|---|---|---|");
    for ctx in CONTEXTS {
        let confirmed: Vec<&str> = BENIGN
            .iter()
            .copied()
            .filter(|b| confidence(ctx, b) == Some(Confidence::Confirmed))
            .collect();
        println!(
            "| {} | {} | {} | {} | {} |",
            ctx.class.word(),
            ctx.name,
            BENIGN.len(),
            pct(confirmed.len(), BENIGN.len()),
            confirmed
                .iter()
                .map(|b| format!("`{}`", b.escape_debug()))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
}

/// Every context is a vulnerable program (it concatenates the request value into the sink's
/// text), so every benign input that reaches it is a vulnerable flow an ordinary test could
/// find: the share found by `iast::check` and by `iast::probe`, and the share the probe's
/// payloads confirm.
fn ordinary_runs() {
    println!("\n## Benign inputs as ordinary test input: share of the vulnerable flow found\n");
    println!("| class | context | inputs | found (check) | found (probe) | confirmed (probe) |");
    println!("|---|---|---|---|---|---|");
    let mut per_class: BTreeMap<Vulnerability, [usize; 4]> = BTreeMap::new();
    for ctx in CONTEXTS {
        let (mut checked, mut found, mut confirmed) = (0, 0, 0);
        for b in BENIGN {
            checked += usize::from(confidence(ctx, b).is_some());
            match probed(ctx, b) {
                Some(Confidence::Confirmed) => {
                    found += 1;
                    confirmed += 1;
                }
                Some(_) => found += 1,
                None => {}
            }
        }
        let n = BENIGN.len();
        println!(
            "| {} | {} | {n} | {} | {} | {} |",
            ctx.class.word(),
            ctx.name,
            pct(checked, n),
            pct(found, n),
            pct(confirmed, n)
        );
        let e = per_class.entry(ctx.class).or_default();
        for (slot, v) in e.iter_mut().zip([checked, found, confirmed, n]) {
            *slot += v;
        }
    }
    println!("\n| class | flows | found (check) | found (probe) | confirmed (probe) |");
    println!("|---|---|---|---|---|");
    for (class, [checked, found, confirmed, n]) in &per_class {
        println!(
            "| {} | {n} | {} | {} | {} |",
            class.word(),
            pct(*checked, *n),
            pct(*found, *n),
            pct(*confirmed, *n)
        );
    }
}

/// One payload per line; blank lines and `#` comments carry none.
fn read_payloads(file: &Path) -> Vec<String> {
    let bytes = std::fs::read(file).unwrap_or_default();
    String::from_utf8_lossy(&bytes)
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect()
}
