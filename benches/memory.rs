//! What a context holds in memory for N recorded values, and that its caps bound it.
//!
//! Not a timing benchmark: it records values into one context per row through annotated
//! functions, prints `iast::Context::memory()` as markdown tables, and asserts the caps
//! (behaviour, not speed), so `cargo bench --bench memory` fails if a cap stops holding:
//!
//! - tainted values stop at 16,384 per context, and at 2 MiB of value bytes;
//! - a value longer than 64 KiB is kept as its first 64 KiB;
//! - safe values (sanitizer outputs) stop at 4,096;
//! - findings stop at 1,000, the rest counted in `report().limits().dropped_findings`;
//! - past a cap, what a context holds stops growing.
//!
//! `heap_bytes` is the context's own estimate (allocator overhead not counted). Values are
//! random alphanumeric text from a fixed-seed generator: nearly every 4-byte gram of such
//! text is new, which is the costly case for the index (real text repeats its grams).

mod common;
use common::Rng;
use iast::{Context, Memory};

/// Bytes in a KiB and a MiB.
const KIB: usize = 1 << 10;
const MIB: usize = 1 << 20;

/// The caps of `iast_core::taint::Limits::default()` and of the engine's findings, as the
/// README states them.
const MAX_VALUES: usize = 16_384;
const MAX_VALUE_BYTES: usize = 2 * MIB;
const MAX_VALUE_LEN: usize = 64 * KIB;
const MAX_SAFE_VALUES: usize = 4_096;
const MAX_FINDINGS: usize = 1_000;
/// What the store's documentation gives for a store filled to its caps ("at most about
/// 60 MiB"), with findings on top.
const MAX_HEAP: usize = 64 * MIB;

#[iast::source(origin = "http.parameter")]
fn source(value: String) -> String {
    value
}

#[iast::sanitizer(sql)]
fn sanitize(value: String) -> String {
    value
}

#[iast::sink(sql)]
fn query(sql: &str) -> usize {
    sql.len()
}

/// A named source, for distinct flows: a finding's fingerprint names its principal source
/// by origin and name, so values of distinct names are distinct flows into one sink.
#[iast::source(origin = "http.header", name = name)]
fn header(name: &str, value: String) -> String {
    value
}

/// One row of a table: the context after `recorded` adds.
struct Row {
    recorded: usize,
    memory: Memory,
    dropped: u64,
}

/// Records values from `make` through `record` into one context, and takes a row each time
/// the number of adds reaches one of `at` (ascending). The returned values are kept while the
/// context lives, as a request keeps what it read: a freed buffer would be harmless (its
/// address is never read), but its address could be reused by a later value.
fn fill(
    at: &[usize],
    mut make: impl FnMut() -> String,
    record: fn(String) -> String,
    dropped: fn(&iast::Limits) -> u64,
) -> Vec<Row> {
    let cx = Context::new();
    let mut kept: Vec<String> = Vec::new();
    let mut rows = Vec::new();
    for &n in at {
        let inputs: Vec<String> = (kept.len()..n).map(|_| make()).collect();
        cx.enter(|| {
            kept.extend(inputs.into_iter().map(record));
            // Values are indexed by the first check after them: one check, so that the row
            // shows what a context holds once it has been checked against.
            query("SELECT 1");
        });
        rows.push(Row {
            recorded: n,
            memory: cx.memory(),
            dropped: dropped(cx.report().limits()),
        });
    }
    rows
}

fn tainted_rows(at: &[usize], make: impl FnMut() -> String) -> Vec<Row> {
    fill(at, make, source, |l| l.dropped_values)
}

fn print_values(title: &str, rows: &[Row]) {
    println!("\n### {title}\n");
    println!(
        "| recorded | values | value bytes | dropped | heap bytes | heap bytes / value | heap bytes / value byte |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|");
    for r in rows {
        let m = &r.memory;
        println!(
            "| {} | {} | {} | {} | {} | {} | {:.1} |",
            r.recorded,
            m.values,
            m.value_bytes,
            r.dropped,
            m.heap_bytes,
            m.heap_bytes / m.values.max(1),
            m.heap_bytes as f64 / m.value_bytes.max(1) as f64,
        );
    }
}

/// The caps every row of tainted values must respect.
fn check_values(rows: &[Row]) {
    for r in rows {
        let m = &r.memory;
        assert!(m.values <= MAX_VALUES, "values capped: {m:?}");
        assert!(
            m.value_bytes <= MAX_VALUE_BYTES,
            "value bytes capped: {m:?}"
        );
        assert!(m.heap_bytes <= MAX_HEAP, "heap bounded: {m:?}");
        assert_eq!(
            m.values as u64 + r.dropped,
            r.recorded as u64,
            "every value is kept or counted as dropped"
        );
    }
    // Past the cap nothing more is kept: once a value was dropped, later rows hold exactly
    // what that row held.
    if let Some(first) = rows.iter().position(|r| r.dropped > 0) {
        for r in &rows[first..] {
            assert_eq!(r.memory, rows[first].memory, "nothing kept past the cap");
        }
    }
}

fn short_values(rng: &mut Rng) {
    let rows = tainted_rows(&[10, 100, 1_000, 10_000, 16_384, 16_385, 50_000], || {
        let len = 20 + rng.below(9);
        rng.word(len)
    });
    print_values(
        "Tainted values of 20 to 28 bytes (cap: 16,384 values)",
        &rows,
    );
    check_values(&rows);
    let full = rows.iter().find(|r| r.recorded == 50_000).expect("row");
    assert_eq!(full.memory.values, MAX_VALUES, "the value cap is reached");
}

fn kib_values(rng: &mut Rng) {
    let rows = tainted_rows(&[10, 100, 1_000, 2_048, 2_049, 10_000], || rng.word(KIB));
    print_values("Tainted values of 1 KiB (cap: 2 MiB of value bytes)", &rows);
    check_values(&rows);
    let full = rows.iter().find(|r| r.recorded == 10_000).expect("row");
    assert_eq!(
        full.memory.value_bytes, MAX_VALUE_BYTES,
        "the value byte cap is reached"
    );
}

fn long_values(rng: &mut Rng) {
    let rows = tainted_rows(&[1, 10, 32, 33, 100], || rng.word(MAX_VALUE_LEN + 1));
    print_values(
        "Tainted values of 64 KiB + 1 byte (each kept as its first 64 KiB)",
        &rows,
    );
    check_values(&rows);
    for r in &rows {
        assert_eq!(
            r.memory.value_bytes,
            r.memory.values * MAX_VALUE_LEN,
            "each value kept as its first 64 KiB"
        );
    }
}

fn safe_values(rng: &mut Rng) {
    println!("\n### Safe values of 20 to 28 bytes (cap: 4,096 values)\n");
    println!("| recorded | safe values | dropped | heap bytes |");
    println!("|---:|---:|---:|---:|");
    let rows = fill(
        &[100, 4_096, 4_097, 10_000],
        || {
            let len = 20 + rng.below(9);
            rng.word(len)
        },
        sanitize,
        |l| l.dropped_safe_values,
    );
    for r in &rows {
        let m = &r.memory;
        println!(
            "| {} | {} | {} | {} |",
            r.recorded, m.safe_values, r.dropped, m.heap_bytes
        );
        assert!(
            m.safe_values <= MAX_SAFE_VALUES,
            "safe values capped: {m:?}"
        );
        assert_eq!(m.safe_values as u64 + r.dropped, r.recorded as u64);
        assert!(m.heap_bytes <= MAX_HEAP, "heap bounded: {m:?}");
    }
    let full = rows.last().expect("row");
    assert_eq!(
        full.memory.safe_values, MAX_SAFE_VALUES,
        "the cap is reached"
    );
    assert_eq!(full.memory, rows[2].memory, "nothing kept past the cap");
}

/// Distinct flows into one sink: flow `k` is the sink called with the value of header `k`
/// inside a quoted literal (an unsanitized SQL flow).
fn findings(rng: &mut Rng) {
    println!("\n### Findings (cap: 1,000 per context)\n");
    println!(
        "| distinct flows | findings | dropped findings | heap bytes | heap bytes / finding |"
    );
    println!("|---:|---:|---:|---:|---:|");
    for flows in [10, 100, 1_000, 2_000] {
        let cx = Context::new();
        let values: Vec<String> = cx.enter(|| {
            (0..flows)
                .map(|k| header(&format!("x-field-{k}"), rng.word(16)))
                .collect()
        });
        let values_only = cx.memory().heap_bytes;
        cx.enter(|| {
            for v in &values {
                query(&format!("SELECT * FROM users WHERE name IN ('{v}')"));
            }
        });
        let (m, report) = (cx.memory(), cx.report());
        let dropped = report.limits().dropped_findings;
        let per_finding = (m.heap_bytes - values_only) / m.findings.max(1);
        println!(
            "| {flows} | {} | {dropped} | {} | {per_finding} |",
            m.findings, m.heap_bytes
        );
        assert_eq!(m.findings, report.findings().len());
        assert_eq!(
            m.findings,
            flows.min(MAX_FINDINGS),
            "one finding per flow, capped"
        );
        assert_eq!(m.findings as u64 + dropped, flows as u64, "kept or dropped");
        assert!(m.heap_bytes <= MAX_HEAP, "heap bounded: {m:?}");
    }
}

fn main() {
    // `cargo bench` passes `--bench`; this target takes no options.
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    println!("## Memory held by one context");
    short_values(&mut rng);
    kib_values(&mut rng);
    long_values(&mut rng);
    safe_values(&mut rng);
    findings(&mut rng);
}
