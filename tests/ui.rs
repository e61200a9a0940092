//! Misuse of the attributes is a compile error on the offending token.
//!
//! Regenerate the expected output with `TRYBUILD=overwrite cargo test --test ui`, then read
//! each `.stderr`: the caret must sit under the token the message is about.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
    // Errors the compiler reports through the generated code, which exists only when
    // instrumentation is on: they must still point at the user's tokens.
    if cfg!(feature = "enabled") {
        t.compile_fail("tests/ui/enabled/*.rs");
    }
}
