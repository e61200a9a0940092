//! The README's first example, run from this file: every line of it appears here in order
//! (checked below), and the message its test fails with is the output the README shows, byte
//! for byte. The README's block itself is compiled as a doctest (`src/lib.rs`).

#[iast::source(origin = "http.parameter")]
fn query_param(name: &str) -> String {
    name.to_owned() // a service reads its request
}

#[iast::sink(sql)]
fn run_query(sql: &str) {}

fn search(name: &str) {
    run_query(&format!("SELECT * FROM users WHERE name = '{name}'"));
}

#[iast::test]
#[should_panic(expected = "found tainted flows")]
#[cfg_attr(not(feature = "enabled"), ignore = "instrumentation is compiled out")]
fn search_is_not_injectable() {
    search(&query_param("bob"));
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
fn the_readme_shows_what_the_example_fails_with() {
    let failure =
        std::panic::catch_unwind(search_is_not_injectable).expect_err("the example's test fails");
    let message = failure
        .downcast_ref::<String>()
        .expect("the failure is a formatted message");
    assert_eq!(
        block("text", 0),
        message,
        "the README's first output block must be what the example's test fails with"
    );
}
