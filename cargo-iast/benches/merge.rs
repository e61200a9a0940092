//! The merge of a big workspace's collection under cargo-nextest: one file per test process.
//!
//! Writes `IAST_BENCH_FILES` (default 10,000) synthetic collection files the way test
//! processes write them: 100 test binaries, each with a registry of 300 annotated functions
//! that every one of its processes repeats, a few sinks reached and flows exercised per
//! process, and 0 to 3 findings per process drawn from 500 distinct flows (evidence of a few
//! hundred bytes each). Then merges them as `cargo iast report` does, first a quarter of them
//! and then all, and prints the time and the peak memory after each: the memory is meant to
//! follow the distinct flows and registry entries, not the number of files.
//!
//! `IAST_BENCH_DIR=<dir>` writes the files there and keeps them, for timing the command
//! itself (`cargo iast report <dir> --format json`).

#[path = "../tests/common/mod.rs"]
mod common;

use common::{finding_line, named, placed, reached_line, registry_entry, route, site, source};
use iast_core::collect::{Collection, Entry, FORMAT, Line};
use serde_json::json;
use std::io::Write as _;
use std::path::Path;
use std::time::Instant;

const BINARIES: usize = 100;
const REGISTRY: usize = 300;
const FLOWS: usize = 500;

/// A small deterministic generator, so that every run writes the same files.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

fn registry(binary: usize) -> Vec<Entry> {
    (0..REGISTRY)
        .map(|i| {
            let value = match i % 10 {
                0 | 1 => registry_entry(
                    "source",
                    source(
                        &format!("app::input::source_{i}"),
                        "src/input.rs",
                        i as u32,
                        "http.query",
                    ),
                    &[],
                ),
                2 => registry_entry(
                    "sanitizer",
                    site(&format!("app::escape_{i}"), "src/escape.rs", i as u32),
                    &["xss"],
                ),
                _ => registry_entry(
                    "sink",
                    site(
                        &format!("app::crate_{}::sink_{i}", binary % 7),
                        "src/db.rs",
                        i as u32,
                    ),
                    &["sql"],
                ),
            };
            serde_json::from_value(value).unwrap()
        })
        .collect()
}

fn finding(flow: usize) -> String {
    let line = finding_line(
        "SqlInjection",
        if flow.is_multiple_of(3) {
            "Confirmed"
        } else {
            "Unsanitized"
        },
        site(
            &format!("app::db::sink_{}", flow % 40),
            "src/db.rs",
            (flow % 40) as u32,
        ),
        vec![named(
            source("app::input::query", "src/input.rs", 12, "http.query"),
            &format!("p{flow}"),
        )],
        vec![],
        json!({
            "argument": "sql",
            "value": format!("SELECT id, name, email FROM accounts WHERE owner = 'x' OR '1'='1' AND region = 'eu-west-{flow}' ORDER BY created_at DESC LIMIT 50"),
            "tainted": [{"start": 49, "end": 63, "source": 0, "match": "Exact"}],
        }),
        &format!("{:016x}", flow as u64 * 0x9e37_79b9_7f4a_7c15),
    );
    placed(
        line,
        Some(common::call_site(
            "src/handlers.rs",
            40 + (flow % 200) as u32,
            9,
            Some("app::handlers::search"),
        )),
        Some(route("GET", &format!("/v1/items/{}", flow % 50))),
    )
}

/// Writes `n` files into `dir`: returns their total size.
fn write(dir: &Path, n: usize) -> u64 {
    let registries: Vec<String> = (0..BINARIES)
        .map(|b| {
            serde_json::to_string(&Line::Process {
                format: FORMAT,
                binary: format!("binary_{b}"),
                registry: registry(b),
            })
            .unwrap()
        })
        .collect();
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let mut total = 0;
    for i in 0..n {
        let mut text = String::new();
        text += &registries[i % BINARIES];
        text.push('\n');
        for _ in 0..5 {
            let sink = rng.below(40);
            text += &reached_line(site(
                &format!("app::db::sink_{sink}"),
                "src/db.rs",
                sink as u32,
            ));
            text.push('\n');
        }
        for _ in 0..3 {
            text += &common::exercised_line("http.query", ["sql", "xss", "path"][rng.below(3)]);
            text.push('\n');
        }
        for _ in 0..rng.below(4) {
            text += &finding(rng.below(FLOWS));
            text.push('\n');
        }
        total += text.len() as u64;
        let mut file = std::fs::File::create(dir.join(format!("iast-{i}-{i}.jsonl"))).unwrap();
        file.write_all(text.as_bytes()).unwrap();
    }
    total
}

/// The process's peak resident memory, in MiB (`VmHWM`).
fn peak_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` runs a smaller check that it works.
    let files: usize = std::env::var("IAST_BENCH_FILES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(if std::env::args().any(|a| a == "--bench") {
            10_000
        } else {
            400
        });
    let kept = std::env::var_os("IAST_BENCH_DIR");
    let temp = tempfile::tempdir().unwrap();
    let root = kept.as_ref().map_or(temp.path(), Path::new).to_path_buf();
    println!("| files | bytes | merge | distinct flows | registry entries | peak memory after |");
    println!("|---:|---:|---:|---:|---:|---:|");
    for n in [files / 4, files] {
        let dir = root.join(format!("files-{n}"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let bytes = write(&dir, n);
        let start = Instant::now();
        let merged = Collection::read(&dir).unwrap();
        let elapsed = start.elapsed();
        assert!(merged.problems.is_empty(), "{:?}", merged.problems.first());
        assert_eq!(merged.binaries.values().sum::<usize>(), n);
        println!(
            "| {n} | {:.1} MiB | {:.2} s | {} | {} | {:.1} MiB |",
            bytes as f64 / (1 << 20) as f64,
            elapsed.as_secs_f64(),
            merged.findings.len(),
            merged.registry.len(),
            peak_mib()
        );
    }
}
