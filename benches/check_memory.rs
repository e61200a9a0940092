//! The heap one sink check takes at its peak, over what the context and the argument already
//! hold, for arguments whose every byte is a token: what the SQL analyzer's tokenizer turns
//! into the most tokens, and the scan's scratch space.
//!
//! Not a timing benchmark: a counting allocator records the peak during one check through
//! real annotated functions, and the bound is asserted (behaviour): at most
//! `PER_BYTE` bytes per byte of argument plus `FIXED`, so `cargo bench --bench check_memory`
//! (and `cargo test --benches`) fails if a check's memory stops being proportional.

use iast::Context;
use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

/// Counts live heap bytes and their peak.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded to the system allocator unchanged; the counters only add.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let live = LIVE.fetch_add(layout.size(), Relaxed) + layout.size();
            PEAK.fetch_max(live, Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size >= layout.size() {
                let live =
                    LIVE.fetch_add(new_size - layout.size(), Relaxed) + new_size - layout.size();
                PEAK.fetch_max(live, Relaxed);
            } else {
                LIVE.fetch_sub(layout.size() - new_size, Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// The bound asserted: bytes of peak heap per byte of argument, over a fixed part (the
/// tokens of one window of the SQL reader, the scan's tables).
const PER_BYTE: usize = 8;
const FIXED: usize = 512 << 10;

#[iast::source(origin = "http.parameter")]
fn param(value: String) -> String {
    value
}

#[iast::sink(sql)]
fn query(sql: &str) -> usize {
    sql.len()
}

/// `unit` repeated to about `n` bytes.
fn rep(unit: &str, n: usize) -> String {
    unit.repeat(n / unit.len().max(1))
}

/// A shape: at size `n`, the values the source returns and the argument.
type Build = fn(usize) -> (Vec<String>, String);

/// Program text dense in tokens, with one tainted value at its end: the analysis reads all
/// of it before it reaches the taint.
fn dense(program: String) -> (Vec<String>, String) {
    let value = "k3LqZ9pXw2".to_string();
    let arg = format!("SELECT {program} FROM t WHERE name = '{value}'");
    (vec![value], arg)
}

const SHAPES: &[(&str, Build)] = &[
    ("many tainted items in IN (...)", |n| {
        let values: Vec<String> = (0..n / 16).map(|i| format!("item{i:08}")).collect();
        let list: Vec<String> = values.iter().map(|v| format!("'{v}'")).collect();
        let arg = format!("SELECT * FROM t WHERE id IN ({})", list.join(","));
        (values, arg)
    }),
    ("commas", |n| dense(rep(",", n))),
    ("`1+1+1...`", |n| dense(rep("1+", n))),
    ("`t.c.c.c...`", |n| dense(format!("t{}", rep(".c", n)))),
    ("`1.1.1.1...`", |n| dense(rep("1.", n))),
    ("a long literal, then commas", |n| {
        dense(format!("'{}' {}", rep("a", n / 2), rep(",", n / 2)))
    }),
    ("line comments", |n| dense(rep("--\n", n))),
    ("`/* */` comments", |n| dense(rep("/**/", n))),
];

/// The peak heap of one check of `arg` in a context holding `values`, over what was live
/// before it.
fn peak(values: Vec<String>, arg: &str) -> usize {
    let cx = Context::new();
    cx.enter(|| {
        for v in values {
            black_box(param(v));
        }
        // The first check indexes the values recorded before it, which the context then
        // holds: a check of its own, so that the measured one counts only what a check takes.
        black_box(query("SELECT 1"));
    });
    let before = LIVE.load(Relaxed);
    PEAK.store(before, Relaxed);
    cx.enter(|| black_box(query(black_box(arg))));
    let report = cx.report();
    assert!(
        !report.findings().is_empty(),
        "the check analysed and found the flow"
    );
    assert!(
        report.limits().budget_exceeded.is_empty(),
        "the analysis ran to its end"
    );
    PEAK.load(Relaxed) - before
}

fn main() {
    // A check of 256 KiB of SQL passes the default budget; the measure is of an analysis that
    // runs to its end.
    let config =
        std::env::temp_dir().join(format!("iast-check-memory-{}.toml", std::process::id()));
    std::fs::write(&config, "[limits]\ncheck_budget = 1_000_000_000_000\n")
        .expect("a config file in the temporary directory");
    // SAFETY: no other thread runs yet.
    unsafe { std::env::set_var("IAST_CONFIG", &config) };
    // What the first check of a process pays once (`iast.toml`, the call site's symbols).
    let (values, arg) = dense(",".into());
    peak(values, &arg);

    println!("| shape | 64 KiB | 256 KiB | 1 MiB | bytes per byte at 1 MiB |");
    println!("|---|---:|---:|---:|---:|");
    let mut over = Vec::new();
    for (name, build) in SHAPES {
        let mut row = Vec::new();
        for n in [64 << 10, 256 << 10, 1 << 20] {
            let (values, arg) = build(n);
            let p = peak(values, &arg);
            if p > PER_BYTE * arg.len() + FIXED {
                over.push(format!("{name} at {} bytes: {p} bytes", arg.len()));
            }
            row.push((p, arg.len()));
        }
        let (p, len) = row[2];
        println!(
            "| {name} | {:.1} MB | {:.1} MB | {:.1} MB | {:.1} |",
            row[0].0 as f64 / 1e6,
            row[1].0 as f64 / 1e6,
            p as f64 / 1e6,
            p as f64 / len as f64
        );
    }
    let _ = std::fs::remove_file(&config);
    assert!(
        over.is_empty(),
        "a check took more than {PER_BYTE} bytes per byte plus {FIXED}: {over:#?}"
    );
}
