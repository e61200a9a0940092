//! `#[iast::sink(..., serialized)]`: a sink whose argument is data the program serialized. A
//! tainted value that stays inside one string of it is data, as a bound parameter is; a
//! tainted key, operator or object where a value was expected changes the query.

use iast::{Confidence, Vulnerability};
use serde_json::{Value, json};

#[iast::source(origin = "http.parameter")]
fn param(value: &str) -> String {
    value.to_owned()
}

#[iast::sink(nosql, serialized)]
fn find(filter: &str) -> usize {
    filter.len()
}

#[iast::sink(nosql)]
fn find_text(filter: &str) -> usize {
    filter.len()
}

fn nosql(report: &iast::Report) -> Vec<Confidence> {
    report
        .of(Vulnerability::NosqlInjection)
        .map(|f| f.confidence())
        .collect()
}

#[test]
fn a_tainted_value_inside_a_serialized_string_is_data() {
    for name in ["carol smith", "x\", \"$where\": \"1", "a.*"] {
        let report = iast::check(|| {
            let filter = json!({ "name": param(name), "age": { "$gt": 18 } });
            find(&filter.to_string());
        });
        iast::assert_no_findings!(report);
        assert_eq!(report.sinks_reached().len(), 1, "{report}");
    }
    // The same text checked as text the program assembled: the value reached it unsanitized.
    let report = iast::check(|| {
        let filter = json!({ "name": param("carol smith") });
        find_text(&filter.to_string());
    });
    assert_eq!(nosql(&report), [Confidence::Unsanitized], "{report}");
}

#[test]
fn a_tainted_operator_or_code_changes_a_serialized_query() {
    // An object where the program expected a name: `{"$ne":null}` matches every user.
    let report = iast::check(|| {
        let name: Value = serde_json::from_str(&param(r#"{"$ne":null}"#)).unwrap();
        find(&json!({ "name": name, "active": true }).to_string());
    });
    assert_eq!(nosql(&report), [Confidence::Confirmed], "{report}");

    // A value the program put where the database runs it as code.
    let report = iast::check(|| {
        let name = param("' || '1' == '1");
        let code = format!("this.name == '{name}'");
        find(&json!({ "$where": code }).to_string());
    });
    assert_eq!(nosql(&report), [Confidence::Confirmed], "{report}");

    // A pattern of the client's own.
    let report = iast::check(|| {
        find(&json!({ "name": { "$regex": param("^adm.*") } }).to_string());
    });
    assert_eq!(nosql(&report), [Confidence::Confirmed], "{report}");
}
