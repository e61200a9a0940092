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

#[test]
fn a_contexts_memory_grows_with_its_values_and_stops_at_the_caps() {
    let cx = iast::Context::new();
    let empty = cx.memory();
    assert_eq!((empty.values, empty.findings), (0, 0));
    cx.enter(|| {
        for i in 0..1_000 {
            input(&format!("value-number-{i:06}"));
        }
    });
    let thousand = cx.memory();
    assert_eq!(thousand.values, 1_000);
    assert_eq!(thousand.value_bytes, 1_000 * 19);
    assert!(thousand.heap_bytes > empty.heap_bytes);
    cx.enter(|| {
        for i in 0..60_000 {
            input(&format!("value-number-{i:06}"));
        }
        // 64 KiB values: the byte cap, not the count, stops these.
        for i in 0..100 {
            input(&format!("{i:04}{}", "x".repeat(70_000)));
        }
    });
    let full = cx.memory();
    assert_eq!(full.values, 16_384, "the value cap");
    assert!(full.value_bytes <= 2 << 20, "the byte cap: {full:?}");
    // Indexes included, a full context stays within a few tens of MiB.
    assert!(full.heap_bytes < 64 << 20, "{full:?}");
    cx.enter(|| query("x = 'value-number-000001'"));
    assert_eq!(cx.memory().findings, 1);
}

#[iast::sink(log)]
fn log_line(line: &str) {
    let _ = line;
}

/// A value whose serialization calls back into annotated code.
struct Chatty {
    name: String,
}

impl Serialize for Chatty {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        log_line(&format!("serializing {}", self.name));
        s.serialize_str(&self.name)
    }
}

#[iast::source(origin = "test.chatty")]
fn chatty(v: &str) -> Chatty {
    Chatty { name: v.to_owned() }
}

#[test]
fn annotated_code_reached_from_inside_instrumentation_is_not_instrumented() {
    let report = iast::check(|| {
        let c = chatty("nested-call-value' --");
        query(&format!("x = '{}'", c.name))
    });
    // The sink called by the Serialize impl ran (the program is unchanged) but was not
    // checked: instrumentation is paused while it runs, so it can neither deadlock on the
    // context nor report on the engine's own work.
    let reached: Vec<_> = report
        .sinks_reached()
        .iter()
        .map(|s| s.function())
        .collect();
    assert_eq!(reached, ["robustness::query"]);
    assert_eq!(report.findings().len(), 1, "{report}");
}

#[test]
fn a_panic_hook_that_calls_a_sink_does_not_hang() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| log_line("panic hook ran")));
    let report = iast::check(|| explosive("payload").name.len());
    std::panic::set_hook(previous);
    assert_eq!(report.limits().internal_errors, 1);
}

/// A value serialized through `collect_str`, which hands serde a temporary buffer.
struct Stamp(u32);

impl Serialize for Stamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

#[iast::source(origin = "test.stamp")]
fn stamp() -> Stamp {
    Stamp(12)
}

#[test]
fn temporary_buffers_of_serialize_impls_are_not_taken_for_the_source() {
    let report = iast::check(|| {
        let _ = stamp();
        // A new allocation may land where the temporary "12" was: same address, same bytes.
        query(&12.to_string())
    });
    assert!(report.is_clean(), "{report}");
}

#[iast::validator(sql)]
fn is_quoted(v: &str) -> bool {
    v.starts_with('\'') && v.ends_with('\'') && v.len() > 2
}

#[test]
fn a_validators_copies_do_not_approve_later_values() {
    let report = iast::check(|| {
        let ok = input("'abc'");
        assert!(is_quoted(&ok));
        // Allocated after the validator's copy of "'abc'" was freed, perhaps in its place.
        let not_validated = input("'ab");
        query(&not_validated)
    });
    assert_eq!(report.findings().len(), 1, "{report}");
}

fn first_path(v: &str) {
    #[iast::sink(sql)]
    fn run(sql: &str) {
        let _ = sql;
    }
    run(v)
}

fn second_path(v: &str) {
    #[iast::sink(sql)]
    fn run(sql: &str) {
        let _ = sql;
    }
    run(v)
}

#[test]
fn same_named_sinks_stay_separate_findings() {
    // Both sinks are `robustness::run` in this file: only their lines tell them apart.
    let report = iast::check(|| {
        let v = input("separate' OR 'flows");
        first_path(&v);
        second_path(&v);
    });
    assert_eq!(report.findings().len(), 2, "{report}");
    let lines: Vec<_> = report.findings().iter().map(|f| f.sink().line()).collect();
    assert_ne!(lines[0], lines[1]);
}
