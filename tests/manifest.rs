//! The facade, the attributes and the engine are released together: code the attributes
//! generate calls `iast::__private`, which changes with iast-core and iast-macros, so every
//! dependency on the project's own crates asks for exactly this version.

use toml::de::{DeTable, DeValue};

/// The string at `path` under `table`.
fn string<'a>(table: &'a DeTable<'a>, path: &[&str]) -> &'a str {
    let (last, parents) = path.split_last().expect("a path");
    let mut table = table;
    for key in parents {
        let DeValue::Table(inner) = table[*key].get_ref() else {
            panic!("{key} is not a table");
        };
        table = inner;
    }
    match table[*last].get_ref() {
        DeValue::String(s) => s,
        other => panic!("{path:?} is {other:?}"),
    }
}

#[test]
fn the_projects_own_crates_are_pinned_to_this_version() {
    let manifest = DeTable::parse(include_str!("../Cargo.toml")).expect("Cargo.toml parses");
    let manifest = manifest.get_ref();
    let exact = format!("={}", env!("CARGO_PKG_VERSION"));
    for name in ["iast", "iast-core", "iast-macros"] {
        assert_eq!(
            string(manifest, &["workspace", "dependencies", name, "version"]),
            exact,
            "the workspace's dependency on {name}"
        );
    }
}
