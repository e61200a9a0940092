//! Instrumentation never breaks the program it watches, and a context's memory is bounded.

use serde::{Serialize, Serializer};

/// A value whose serialization panics halfway, as a buggy user impl might.
struct Explosive {
    name: String,
}

impl Serialize for Explosive {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let _ = &self.name;
        let _ = s;
        panic!("serialization bug in the application");
    }
}

#[iast::source]
fn explosive(v: &str) -> Explosive {
    Explosive { name: v.to_owned() }
}

#[iast::source(origin = "test.input")]
fn input(v: &str) -> String {
    v.to_owned()
}

#[iast::sink(sql)]
fn query(sql: &str) -> usize {
    sql.len()
}

#[test]
fn a_panic_inside_instrumentation_does_not_reach_the_program() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let mut value = None;
    let report = iast::check(|| {
        value = Some(explosive("payload"));
        query(&format!("x = '{}'", input("still-tracked' --")))
    });
    std::panic::set_hook(previous);
    assert_eq!(value.unwrap().name, "payload");
    assert_eq!(report.limits().internal_errors, 1);
    assert_eq!(
        report.findings().len(),
        1,
        "the context keeps working: {report}"
    );
}

#[test]
fn recorded_values_are_capped_and_the_cap_is_reported() {
    let report = iast::check(|| {
        for i in 0..40_000 {
            input(&format!("value-number-{i:06}"));
        }
        query("x = 'value-number-000001'")
    });
    assert!(report.limits().dropped_values > 0, "{report:?}");
    assert_eq!(
        report.findings().len(),
        1,
        "values before the cap stay tracked"
    );
    assert!(report.to_string().contains("context limits hit"));
}
