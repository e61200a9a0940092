//! Builders of synthetic collection lines, written the way `iast_core::collect` writes them,
//! shared by the integration tests that read collections back.

// Each test binary compiles its own copy of this module and uses a different subset of it.
#![allow(dead_code)]

use iast_core::Vulnerability;
use serde_json::{Value, json};

/// A place in the code: a sink, a sanitizer or a source without an origin.
pub fn site(function: &str, file: &str, line: u32) -> Value {
    json!({ "function": function, "file": file, "line": line })
}

/// A source: a site with the origin of its data.
pub fn source(function: &str, file: &str, line: u32, origin: &str) -> Value {
    json!({ "function": function, "file": file, "line": line, "origin": origin })
}

/// A registry entry: `site` (or `source`) marked with its `kind` and the classes it covers.
pub fn registry_entry(kind: &str, site: Value, classes: &[&str]) -> Value {
    let mut entry = site;
    entry["kind"] = json!(kind);
    entry["classes"] = json!(classes);
    entry
}

/// A `process` line: the binary that wrote the file and its registry.
pub fn process_line(binary: &str, registry: Vec<Value>) -> String {
    json!({ "kind": "process", "format": iast_core::collect::FORMAT, "binary": binary, "registry": registry })
        .to_string()
}

/// A `reached` line: a sink that was called.
pub fn reached_line(sink: Value) -> String {
    json!({ "kind": "reached", "sink": sink }).to_string()
}

/// A `finding` line: the flattened finding with `kind` first, its `rule` and `cwe` those of
/// `vulnerability` (a variant name of [`Vulnerability`], such as `"SqlInjection"`).
pub fn finding_line(
    vulnerability: &str,
    confidence: &str,
    sink: Value,
    sources: Vec<Value>,
    sanitizers: Vec<Value>,
    evidence: Value,
    fingerprint: &str,
) -> String {
    let v: Vulnerability = serde_json::from_value(json!(vulnerability)).unwrap();
    let mut line = json!({
        "kind": "finding",
        "rule": v.rule_id(),
        "vulnerability": vulnerability,
        "cwe": v.cwe(),
        "confidence": confidence,
        "sink": sink,
        "sources": sources,
        "evidence": evidence,
        "hits": 1,
        "fingerprint": fingerprint,
    });
    if !sanitizers.is_empty() {
        line["sanitizers"] = json!(sanitizers);
    }
    line.to_string()
}

/// A source of a finding with the name of its value (a query parameter, a header).
pub fn named(source: Value, name: &str) -> Value {
    let mut source = source;
    source["name"] = json!(name);
    source
}

/// Where the application called a sink; `function` is `None` without debug information.
pub fn call_site(file: &str, line: u32, column: u32, function: Option<&str>) -> Value {
    let mut call = json!({ "file": file, "line": line, "column": column });
    if let Some(function) = function {
        call["function"] = json!(function);
    }
    call
}

/// The request a finding was made in: its method and matched route pattern.
pub fn route(method: &str, pattern: &str) -> Value {
    json!({ "method": method, "pattern": pattern })
}

/// A `finding` line of [`finding_line`] placed at the application's call and in a request.
pub fn placed(finding: String, call_site: Option<Value>, route: Option<Value>) -> String {
    let mut line: Value = serde_json::from_str(&finding).unwrap();
    if let Some(call_site) = call_site {
        line["call_site"] = call_site;
    }
    if let Some(route) = route {
        line["route"] = route;
    }
    line.to_string()
}

/// An `outside` line: a sink that ran outside any context while a context was alive.
pub fn outside_line(sink: Value) -> String {
    json!({ "kind": "outside", "sink": sink }).to_string()
}

/// An `exercised` line: a sink of `class` ran while a value from `origin` was tracked.
pub fn exercised_line(origin: &str, class: &str) -> String {
    json!({ "kind": "exercised", "origin": origin, "class": class }).to_string()
}
