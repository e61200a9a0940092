//! What instrumentation costs a program, measured against the same functions unannotated in
//! the same run.
//!
//! Three groups, one per part of the benchmark list:
//!
//! - `outside_context`: an annotated sink, source and sanitizer called with no context
//!   current, next to their plain twins and an empty `#[inline(never)]` function, on
//!   arguments of 16 B and 1 MiB. Target: the annotated function costs at most 3x the empty
//!   one, whatever the argument's size (one thread-local read, no look at the argument).
//! - `sink_check/<size>`: a sink called inside a context holding 10, 1,000 or 10,000 recorded
//!   values, on SQL-like arguments of 64 B, 1 KiB, 16 KiB and 1 MiB, `clean` (no recorded
//!   value in it) or `tainted` (one recorded value inside a quoted literal). Throughput is the
//!   argument's size. Targets: 64 B with 1,000 values at most 1 µs and at most 3x the same
//!   check with 10 values (`iast/<case>/1000` against `iast/<case>/10`: no per-value loop);
//!   16 KiB with 1,000 values at most 16 µs; 1 MiB at 1 GiB/s or more.
//! - `record`: a source returning a short string, a 10 KiB string and a 100-field serde
//!   struct, annotated and plain. Targets: a short value at most 200 ns, the struct at most
//!   20 µs.
//!
//! Ratios matter more than absolute figures: compare ids of one run. Warm-up and measurement
//! times are set on the `Criterion` before the command line is read, so `--warm-up-time`,
//! `--measurement-time` and `--nresamples` shorten a development run; groups set only their
//! sample size (fewer at 16 KiB and 1 MiB, where a tainted call takes milliseconds). A full
//! run takes about three minutes on two cores.

mod common;
use common::Rng;
use criterion::{BenchmarkId, Criterion, SamplingMode, Throughput};
use serde::Serialize;
use std::hint::black_box;
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------------------------
// The functions under test. Each annotated function has a plain twin with the same body, and
// both are `#[inline(never)]`, so that each bench measures one real call either way. The
// bodies are cheap and allocate nothing (they take and return what they are given): an
// allocation in the body would dominate and hide what instrumentation adds.

/// The floor: a call that does nothing but keep its argument alive.
#[inline(never)]
fn empty(s: &str) {
    black_box(s);
}

#[iast::sink(sql)]
#[inline(never)]
fn sink(sql: &str) -> usize {
    black_box(sql.len())
}

#[inline(never)]
fn sink_plain(sql: &str) -> usize {
    black_box(sql.len())
}

// Outside a context the return type does not matter (nothing is recorded), so these take and
// return a `&'static str`: every iteration can pass the same argument without cloning it.
// Inside a context a `&str` return is recorded like a `String` (see `iast_core::visit`).

#[iast::source]
#[inline(never)]
fn source_str(value: &'static str) -> &'static str {
    black_box(value)
}

#[inline(never)]
fn source_str_plain(value: &'static str) -> &'static str {
    black_box(value)
}

#[iast::sanitizer(sql)]
#[inline(never)]
fn sanitize_str(value: &'static str) -> &'static str {
    black_box(value)
}

#[inline(never)]
fn sanitize_str_plain(value: &'static str) -> &'static str {
    black_box(value)
}

// The recording group's sources own what they return, as a source reading a request does;
// the value is built before the timed region and moved in.

#[iast::source(origin = "http.parameter")]
#[inline(never)]
fn source(value: String) -> String {
    black_box(value)
}

#[inline(never)]
fn source_plain(value: String) -> String {
    black_box(value)
}

#[iast::source(origin = "http.body")]
#[inline(never)]
fn source_form(form: Form) -> Form {
    black_box(form)
}

#[inline(never)]
fn source_form_plain(form: Form) -> Form {
    black_box(form)
}

// ---------------------------------------------------------------------------------------------
// Inputs. Everything comes from a fixed-seed generator, so every run measures the same data.

/// A thousand lowercase words of 2 to 10 letters, for [`Rng::prose`].
fn vocabulary(rng: &mut Rng) -> Vec<String> {
    (0..1_000)
        .map(|_| {
            let len = 2 + rng.below(9);
            rng.word(len).to_ascii_lowercase()
        })
        .collect()
}

/// SQL-like text of exactly `len` bytes that holds no recorded value: keywords, identifiers
/// and numbers, without quotes, so that splicing a quoted literal into it keeps that literal
/// one literal.
fn filler(rng: &mut Rng, len: usize) -> String {
    let mut out = String::with_capacity(len + 128);
    while out.len() < len {
        let (id, limit) = (rng.next() % 100_000, 10 + rng.next() % 90);
        out.push_str(&format!(
            "SELECT id, name, email FROM users WHERE id > {id} AND status = 1 ORDER BY id LIMIT {limit}; "
        ));
    }
    out.truncate(len);
    out
}

/// The statement carrying the recorded value in the tainted arguments: inside one string
/// literal, so the SQL analyzer sees an unsanitized flow that does not change the query's
/// structure (`Unsanitized`, not `Confirmed`). A finding is reported on every call.
fn tainted_statement(value: &str) -> String {
    format!("SELECT id FROM t WHERE a = '{value}'; ")
}

/// `len` bytes of filler with `statement` in the middle.
fn spliced(rng: &mut Rng, len: usize, statement: &str) -> String {
    assert!(statement.len() <= len, "the tainted statement fits");
    let before = (len - statement.len()) / 2;
    let after = len - statement.len() - before;
    let mut out = filler(rng, before);
    out.push_str(statement);
    out.push_str(&filler(rng, after));
    out
}

/// A request body: 100 fields of mixed types, as a deserialized JSON form would have.
macro_rules! form {
    (
        strings: $($s:ident)*;
        options: $($o:ident)*;
        integers: $($i:ident)*;
        floats: $($f:ident)*;
        flags: $($b:ident)*;
    ) => {
        #[derive(Clone, Serialize)]
        struct Form {
            $($s: String,)*
            $($o: Option<String>,)*
            $($i: u64,)*
            $($f: f64,)*
            $($b: bool,)*
        }

        impl Form {
            /// A form whose strings are all new: recording it records 40 to 50 values.
            fn generate(rng: &mut Rng) -> Form {
                Form {
                    $($s: rng.parameter(),)*
                    $($o: (rng.next() % 4 != 0).then(|| rng.parameter()),)*
                    $($i: rng.next() % 1_000_000,)*
                    $($f: (rng.next() % 10_000) as f64 / 100.0,)*
                    $($b: rng.next() % 2 == 0,)*
                }
            }
        }
    };
}

form! {
    strings: s00 s01 s02 s03 s04 s05 s06 s07 s08 s09 s10 s11 s12 s13 s14 s15 s16 s17 s18 s19
        s20 s21 s22 s23 s24 s25 s26 s27 s28 s29 s30 s31 s32 s33 s34 s35 s36 s37 s38 s39;
    options: o00 o01 o02 o03 o04 o05 o06 o07 o08 o09;
    integers: i00 i01 i02 i03 i04 i05 i06 i07 i08 i09 i10 i11 i12 i13 i14 i15 i16 i17 i18 i19
        i20 i21 i22 i23 i24 i25 i26 i27 i28 i29;
    floats: f00 f01 f02 f03 f04 f05 f06 f07 f08 f09;
    flags: b00 b01 b02 b03 b04 b05 b06 b07 b08 b09;
}

fn size_name(size: usize) -> String {
    match size {
        s if s >= 1 << 20 => format!("{}MiB", s >> 20),
        s if s >= 1 << 10 => format!("{}KiB", s >> 10),
        s => format!("{s}B"),
    }
}

// ---------------------------------------------------------------------------------------------
// Benchmarks.

/// What the outside-context loop keeps of a result: a length, one register. Returning the
/// `&str` itself, which criterion then passes through `black_box` (to memory, as two words),
/// added about 5 ns to every id returning one: more than the calls being compared.
trait Len {
    fn len_of(self) -> usize;
}

impl Len for () {
    fn len_of(self) -> usize {
        0
    }
}

impl Len for usize {
    fn len_of(self) -> usize {
        self
    }
}

impl Len for &str {
    fn len_of(self) -> usize {
        self.len()
    }
}

/// No context is current: an annotated function reads one thread-local flag and runs its
/// body. The argument's size must not matter, since nothing looks at it.
fn outside_context(c: &mut Criterion) {
    let mut group = c.benchmark_group("outside_context");
    for size in [16, 1 << 20] {
        let arg: &'static str = Rng::new(size as u64).text(size).leak();
        let name = size_name(size);
        // Direct calls, each in the same loop: a call through a function pointer would cost
        // more than some of what is measured here.
        macro_rules! call {
            ($id:literal, $f:path) => {
                group.bench_function(BenchmarkId::new($id, &name), |b| {
                    b.iter(|| Len::len_of($f(black_box(arg))))
                });
            };
        }
        call!("empty", empty);
        call!("sink/plain", sink_plain);
        call!("sink/iast", sink);
        call!("source/plain", source_str_plain);
        call!("source/iast", source_str);
        call!("sanitizer/plain", sanitize_str_plain);
        call!("sanitizer/iast", sanitize_str);
    }
    group.finish();
}

/// Recorded values per context in the sink-check group.
const RECORDED: [usize; 3] = [10, 1_000, 10_000];
/// Argument sizes in the sink-check group.
const SIZES: [usize; 4] = [64, 1 << 10, 16 << 10, 1 << 20];

/// A sink call inside a context holding N recorded values.
///
/// Each context records the first N values of one fixed sequence through an annotated
/// source, and keeps the returned strings alive: a freed buffer's address could be reused by
/// an argument, which the engine would then take for the source's own buffer.
///
/// Each id runs `cx.enter(|| sink(arg))`; the `plain` ids run the unannotated twin the same
/// way, so the difference is the check alone (entering a context, an `Arc` clone and two
/// thread-local swaps, is in both).
///
/// Findings accumulate in the context as they would in a request: the first tainted call
/// adds a finding, every later one folds into it (same fingerprint, one more hit). The
/// analysis, the redaction and the evidence are still computed on every call, so the
/// `tainted` ids measure a call that finds something, including what reporting it costs.
/// On a 1 MiB argument that includes the SQL analyzer and redaction reading the whole
/// argument, which the `clean` ids skip (nothing found, nothing analyzed).
fn sink_check(c: &mut Criterion) {
    let mut values = Rng::new(0x5eed);
    let all: Vec<String> = (0..RECORDED[RECORDED.len() - 1])
        .map(|_| values.parameter())
        .collect();
    // One recorded by every context, short enough to fit the 64 B argument.
    let spliced_value = all[..RECORDED[0]]
        .iter()
        .find(|v| (16..=24).contains(&v.len()))
        .expect("a 16 to 24 byte value among the first ten")
        .clone();
    let contexts: Vec<(usize, iast::Context, Vec<String>)> = RECORDED
        .iter()
        .map(|&n| {
            let cx = iast::Context::new();
            let kept: Vec<String> = cx.enter(|| all[..n].iter().cloned().map(source).collect());
            assert_eq!(cx.memory().values, n, "every value recorded");
            (n, cx, kept)
        })
        .collect();

    let mut rng = Rng::new(0xf111e7);
    let statement = tainted_statement(&spliced_value);
    for size in SIZES {
        let clean = filler(&mut rng, size);
        let tainted = spliced(&mut rng, size, &statement);
        expect_findings(&all[..RECORDED[0]], &clean, 0);
        expect_findings(&all[..RECORDED[0]], &tainted, 1);
        let mut group = c.benchmark_group(format!("sink_check/{}", size_name(size)));
        group.throughput(Throughput::Bytes(size as u64));
        // A tainted call analyzes the whole argument, which takes milliseconds from 16 KiB
        // up: fewer samples there keep the run within a few minutes, and flat sampling lets
        // each 1 MiB sample be one call or a few, where linear sampling would need 55.
        match size {
            s if s >= 1 << 20 => {
                group.sample_size(10).sampling_mode(SamplingMode::Flat);
            }
            s if s >= 16 << 10 => {
                group.sample_size(20);
            }
            _ => {}
        }
        let plain_cx = &contexts[0].1;
        for (case, arg) in [("clean", &clean), ("tainted", &tainted)] {
            group.bench_function(BenchmarkId::new("plain", case), |b| {
                b.iter(|| plain_cx.enter(|| sink_plain(black_box(arg))))
            });
            for (n, cx, _) in &contexts {
                group.bench_function(BenchmarkId::new(format!("iast/{case}"), n), |b| {
                    b.iter(|| cx.enter(|| sink(black_box(arg))))
                });
            }
        }
        group.finish();
    }
}

/// Checks, in a context of its own, that `arg` gives the findings its case promises: a bench
/// of a check that silently finds nothing would measure the wrong path.
fn expect_findings(values: &[String], arg: &str, findings: usize) {
    let report = iast::check(|| {
        let _kept: Vec<String> = values.iter().cloned().map(source).collect();
        sink(arg);
    });
    assert_eq!(
        report.findings().len(),
        findings,
        "findings on a {} byte argument: {report}",
        arg.len()
    );
}

/// Values recorded per context in the recording group, before a fresh one is taken.
const SHORT_CHUNK: usize = 4_096;
/// 10 KiB values per context: 128 of them stay under the 2 MiB of value bytes a context keeps.
const LONG_CHUNK: usize = 128;
/// Forms per context: at up to 50 values each, 256 stay under the 16,384 values it keeps.
const FORM_CHUNK: usize = 256;

/// A source returning a new value, inside a context.
///
/// Recording a value the context already holds takes the store's duplicate fast path, which
/// is not what a request reading its parameters does. So every iteration records a value
/// the context has not seen: values are generated before the timed region, recorded into a
/// fresh context `chunk` at a time (`iter_custom`), and the context is replaced before the
/// caps would start dropping values. The costs that grow with the store (its tables growing
/// as values arrive) are thus averaged over contexts holding 0 to `chunk` values, and no
/// iteration is the duplicate fast path nor the dropped-by-the-cap one. The `plain` ids run
/// the unannotated twin the same way, inside a context too.
///
/// `iast/request` is the life of a request: a context is created, `per_request` values are
/// recorded into it and it is dropped, all timed; the figure is per value, so it includes a
/// share of the context's creation and drop. Contexts on a thread reuse their store's tables
/// (see `iast-core/src/engine/state.rs`), as they do in a service, so this is the steady state of
/// a server rather than of a store holding thousands of values.
fn record(c: &mut Criterion) {
    let mut group = c.benchmark_group("record");

    let mut rng = Rng::new(0x50c4);
    let mut short = move || rng.word(16);
    bench_record(
        &mut group,
        "short",
        (SHORT_CHUNK, 16),
        &mut short,
        source,
        source_plain,
    );

    let mut rng = Rng::new(0x10b);
    let words = vocabulary(&mut rng);
    let mut long = move || rng.prose(&words, 10 << 10);
    group.throughput(Throughput::Bytes(10 << 10));
    bench_record(
        &mut group,
        "10KiB",
        (LONG_CHUNK, 1),
        &mut long,
        source,
        source_plain,
    );

    let mut rng = Rng::new(0xf0);
    let mut form = move || Form::generate(&mut rng);
    group.throughput(Throughput::Elements(1));
    bench_record(
        &mut group,
        "form100",
        (FORM_CHUNK, 1),
        &mut form,
        source_form,
        source_form_plain,
    );
    group.finish();
}

fn bench_record<T>(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    (chunk, per_request): (usize, usize),
    make: &mut impl FnMut() -> T,
    annotated: fn(T) -> T,
    plain: fn(T) -> T,
) {
    for (variant, f) in [("plain", plain), ("iast", annotated)] {
        group.bench_function(BenchmarkId::new(name, variant), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                let mut left = iters as usize;
                while left > 0 {
                    let n = left.min(chunk);
                    left -= n;
                    let cx = iast::Context::new();
                    let mut inputs: Vec<T> = (0..n).map(|_| make()).collect();
                    let mut outputs: Vec<T> = Vec::with_capacity(n);
                    let start = Instant::now();
                    cx.enter(|| outputs.extend(inputs.drain(..).map(f)));
                    total += start.elapsed();
                    // The context and the values are freed outside the timed region.
                    drop((outputs, cx));
                }
                total
            })
        });
    }
    group.bench_function(BenchmarkId::new(name, "iast/request"), |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            let mut left = iters as usize;
            while left > 0 {
                let n = left.min(per_request);
                left -= n;
                let inputs: Vec<T> = (0..n).map(|_| make()).collect();
                let start = Instant::now();
                let cx = iast::Context::new();
                let outputs: Vec<T> = cx.enter(|| inputs.into_iter().map(annotated).collect());
                drop(cx);
                total += start.elapsed();
                drop(outputs);
            }
            total
        })
    });
}

fn main() {
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .nresamples(20_000)
        .configure_from_args();
    outside_context(&mut c);
    sink_check(&mut c);
    record(&mut c);
    c.final_summary();
}
