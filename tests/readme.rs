//! The README's first example, run from this file: every line of it appears here in order
//! (checked below), and what it prints is the output the README shows, byte for byte. The
//! README's block itself is compiled and run as a doctest (`src/lib.rs`).

#[iast::source(origin = "http.parameter")]
fn query_param(name: &str) -> String {
    format!("{name}' OR '1'='1") // an attacker's value; a service reads its request
}

#[iast::sink(sql)]
fn run_query(sql: &str) {}

fn search(name: &str) {
    run_query(&format!("SELECT * FROM users WHERE name = '{name}'"));
}

fn example() -> String {
    let report = iast::check(|| search(&query_param("bob")));
    print!("{report}");
    report.to_string()
}

const README: &str = include_str!("../README.md");

/// The `n`th fenced block of the README whose info string is `info`.
fn block(info: &str, n: usize) -> &'static str {
    let fence = format!("```{info}\n");
    let start = README
        .match_indices(&fence)
        .nth(n)
        .unwrap_or_else(|| panic!("the README has no block {n} of `{info}`"))
        .0
        + fence.len();
    let len = README[start..].find("```\n").expect("the block is closed");
    &README[start..start + len]
}

#[test]
fn the_readme_example_is_this_code() {
    let here = include_str!("readme.rs");
    let mut rest = here;
    for line in block("rust", 0).lines().filter(|l| !l.trim().is_empty()) {
        let at = rest
            .find(line.trim())
            .unwrap_or_else(|| panic!("the README's line {line:?} is not in tests/readme.rs"));
        rest = &rest[at + line.trim().len()..];
    }
}

#[test]
#[cfg_attr(not(feature = "enabled"), ignore = "instrumentation is compiled out")]
fn the_readme_shows_what_the_example_prints() {
    let printed = example();
    assert_eq!(
        block("text", 0),
        printed,
        "the README's first output block must be what the example prints"
    );
}
