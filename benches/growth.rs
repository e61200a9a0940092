//! How the work of one check grows with adversarial input: every shape is checked at a size n,
//! 4n and 16n through real annotated sources and sinks, and the work must grow at most in
//! proportion (with a small allowance for fixed costs).
//!
//! Work is counted two ways, never timed:
//!
//! - without arguments (`cargo bench --bench growth`, and `cargo test --benches` in CI), by
//!   iast's own step meter (`limits.check_budget` counts the same steps), which sees the loops
//!   that charge it: the scan, the code analyzer, and each analysis at its entry;
//! - `growth <shape> <size>` runs one check of one shape, for `valgrind --tool=callgrind
//!   --toggle-collect='growth::check_once'`, which counts every instruction of the check,
//!   sqlparser and html5gum included: `.ci/growth` does that for every shape and size.
//!
//! The shapes are the ones an audit used to make checks quadratic, and for each analyzer the
//! inputs its grammar makes costly: long runs of its delimiters, nesting and escapes, and
//! thousands of tainted runs in one argument.

use iast::Context;
use std::hint::black_box;

#[iast::source(origin = "http.parameter")]
fn param(value: String) -> String {
    value
}

macro_rules! sinks {
    ($($name:ident: $class:ident($arg:ident);)*) => {
        $(
            #[iast::sink($class)]
            fn $name($arg: &str) -> usize {
                $arg.len()
            }
        )*
    };
}

sinks! {
    sql: sql(query);
    command: command(command);
    path: path(path);
    xss: xss(html);
    ssrf: ssrf(url);
    redirect: redirect(location);
    header: header(value);
    ldap: ldap(filter);
    xpath: xpath(expression);
    nosql: nosql(filter);
    code: code(code);
    log: log(line);
}

/// A shape: the sink, and at size `n` the values the sources return and the argument made
/// from them (each `\u{0}` in the template is replaced by the values in turn).
struct Shape {
    name: &'static str,
    sink: fn(&str) -> usize,
    build: fn(usize) -> (Vec<String>, String),
}

/// `unit` repeated to about `n` bytes.
fn rep(unit: &str, n: usize) -> String {
    unit.repeat(n.div_ceil(unit.len()).max(1))
}

/// One value, placed in `before{value}after`.
fn one(value: String, before: &str, after: &str) -> (Vec<String>, String) {
    let arg = format!("{before}{value}{after}");
    (vec![value], arg)
}

/// `n / 8` distinct short values joined by `sep` inside `before … after`: thousands of tainted
/// runs in one argument.
fn many(n: usize, sep: &str, before: &str, after: &str) -> (Vec<String>, String) {
    let values: Vec<String> = (0..(n / 8).max(1)).map(|i| format!("v{i:06}")).collect();
    let arg = format!("{before}{}{after}", values.join(sep));
    (values, arg)
}

const SHAPES: &[Shape] = &[
    // The matcher: a periodic value against runs of it joined by quotes, found and not found.
    Shape {
        name: "matcher-periodic-runs",
        sink: sql,
        build: |n| {
            let value = "a".repeat(n / 16);
            let arg = vec![value.clone(); 16].join("'");
            (vec![value], arg)
        },
    },
    Shape {
        name: "matcher-near-runs",
        sink: sql,
        build: |n| {
            let value = "a".repeat(n / 16);
            let arg = vec!["a".repeat(n / 16 - 1); 16].join("'");
            (vec![value], arg)
        },
    },
    Shape {
        name: "matcher-nested-comments",
        sink: sql,
        build: |n| one(rep("/*", n / 2) + &rep("*/", n / 2), "SELECT 1 ", ""),
    },
    Shape {
        name: "matcher-shared-prefixes",
        sink: sql,
        build: |n| {
            // Many values sharing a long prefix with each other and with the argument, which
            // the trie has to tell apart at every probe.
            let base = "ab".repeat(128);
            let values: Vec<String> = (0..32).map(|i| format!("{base}{i:02}")).collect();
            let arg = "ab".repeat(n / 2);
            (values, arg)
        },
    },
    Shape {
        name: "sql-quotes",
        sink: sql,
        build: |n| one(rep("'", n), "SELECT * FROM t WHERE a = '", "'"),
    },
    Shape {
        name: "sql-comments",
        sink: sql,
        build: |n| one(rep("/* -- ", n), "SELECT * FROM t WHERE a = ", ""),
    },
    Shape {
        name: "sql-many-runs",
        sink: sql,
        build: |n| many(n, "','", "SELECT * FROM t WHERE a IN ('", "')"),
    },
    Shape {
        name: "command-quotes",
        sink: command,
        build: |n| one(rep("\"'\\$(`", n), "echo ", ""),
    },
    Shape {
        name: "command-many-runs",
        sink: command,
        build: |n| many(n, " ", "ls ", ""),
    },
    Shape {
        name: "path-dots",
        sink: path,
        build: |n| one(rep("../%2e%2e/", n), "/srv/files/", ""),
    },
    Shape {
        name: "xss-tags",
        sink: xss,
        build: |n| one(rep("<a <!-- \"'<script>", n), "<p>", "</p>"),
    },
    Shape {
        name: "xss-many-runs",
        sink: xss,
        build: |n| many(n, "</li><li>", "<ul><li>", "</li></ul>"),
    },
    Shape {
        name: "ssrf-authority",
        sink: ssrf,
        build: |n| one(rep("@%25:[", n), "http://", "/x"),
    },
    Shape {
        name: "redirect-slashes",
        sink: redirect,
        build: |n| one(rep("/\\%2f", n), "/", ""),
    },
    Shape {
        name: "header-breaks",
        sink: header,
        build: |n| one(rep("a\r\n ", n), "", ""),
    },
    Shape {
        name: "log-breaks",
        sink: log,
        build: |n| one(rep("x\n\r\u{1b}", n), "user=", ""),
    },
    Shape {
        name: "ldap-parens",
        sink: ldap,
        build: |n| one(rep("(*)\\", n), "(uid=", ")"),
    },
    Shape {
        name: "xpath-brackets",
        sink: xpath,
        build: |n| one(rep("['\"", n), "//user[name='", "']"),
    },
    Shape {
        name: "nosql-nesting",
        sink: nosql,
        build: |n| one(rep("{\"$where\":[", n), "{\"name\":", "}"),
    },
    Shape {
        name: "code-literal-items",
        sink: code,
        build: |n| many(n, ",", "var a = \"", "\";"),
    },
    Shape {
        name: "code-comments",
        sink: code,
        build: |n| one(rep("/*'\"`${", n), "f(", ")"),
    },
    Shape {
        name: "code-digits",
        sink: code,
        build: |n| {
            // Tainted digits between the program's own digits: one number, many runs. The
            // values come from a pool of 512, so that what grows is the argument and its runs:
            // thousands of distinct values over ten digits share most 4-byte windows, which
            // makes the candidates per probe grow with the values (BENCHMARKS.md).
            let pool: Vec<String> = (0..512).map(|i| format!("{:07}", i * 7919)).collect();
            let runs: Vec<&str> = (0..(n / 8).max(1))
                .map(|i| pool[i % 512].as_str())
                .collect();
            let arg = format!("x = {};", runs.join("1"));
            (pool, arg)
        },
    },
];

/// Records the shape's values in `cx` and makes the argument.
fn prepare(shape: &Shape, n: usize) -> (Context, String) {
    let (values, arg) = (shape.build)(n);
    let cx = Context::new();
    cx.enter(|| {
        for v in values {
            black_box(param(v));
        }
    });
    (cx, arg)
}

/// The check measured: one sink call in `cx`.
#[inline(never)]
fn check_once(cx: &Context, sink: fn(&str) -> usize, arg: &str) {
    cx.enter(|| black_box(sink(black_box(arg))));
}

fn steps(shape: &Shape, n: usize) -> u64 {
    let (cx, arg) = prepare(shape, n);
    check_once(&cx, shape.sink, &arg);
    iast::last_check_steps()
}

/// Sizes: n, 4n and 16n. The largest keeps a single value within the 64 KiB a store keeps of
/// one, so that every size is the same case (a longer value is matched by its prefix, a
/// different and costlier case, linear too).
const N: usize = 4 << 10;

/// How much more than proportional the work may grow from n to 16n: fixed costs per check
/// (the context, the analysis set-up) make small sizes dearer per byte, never cheaper.
const SLACK: f64 = 1.25;

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    if let [name, size] = args.as_slice() {
        let shape = SHAPES
            .iter()
            .find(|s| s.name == name)
            .unwrap_or_else(|| panic!("no shape {name}"));
        let n: usize = size.parse().expect("a size in bytes");
        // What the first check of a process pays once (reading `iast.toml`, resolving the
        // call site's symbols) is paid here, outside the count.
        let (warm, small) = prepare(shape, n);
        warm.enter(|| black_box((shape.sink)(black_box(&small))));
        let (cx, arg) = prepare(shape, n);
        check_once(&cx, shape.sink, &arg);
        println!("{name} {n}: {} steps", iast::last_check_steps());
        return;
    }
    println!("| shape | steps at 4 KiB | 16 KiB | 64 KiB | growth 16x |");
    println!("|---|---:|---:|---:|---:|");
    let mut failed = Vec::new();
    for shape in SHAPES {
        let counts: Vec<u64> = [N, 4 * N, 16 * N]
            .iter()
            .map(|&n| steps(shape, n))
            .collect();
        let growth = counts[2] as f64 / counts[0].max(1) as f64;
        println!(
            "| {} | {} | {} | {} | {growth:.1}x |",
            shape.name, counts[0], counts[1], counts[2]
        );
        for (i, k) in [(1, 4.0), (2, 16.0)] {
            if counts[i] as f64 > counts[0].max(1) as f64 * k * SLACK {
                failed.push(format!(
                    "{}: {} -> {} steps",
                    shape.name, counts[0], counts[i]
                ));
            }
        }
    }
    assert!(
        failed.is_empty(),
        "work grew faster than the input:\n{}",
        failed.join("\n")
    );
}
