//! Contexts: isolation between concurrent checks, and carrying a context into threads and
//! tasks the code under observation spawns.

use std::sync::{Arc, Barrier};

/// A value for worker `i` that shares no run of 8 bytes with any other worker's value, so
/// that finding it in another context could only come from leaked taint.
fn unique_value(i: usize) -> String {
    let c = char::from(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJ"[i]);
    format!("{};id", c.to_string().repeat(12))
}

#[iast::source(origin = "test.input")]
fn input(v: &str) -> String {
    v.to_owned()
}

#[iast::sink(command)]
fn run(cmd: &str) -> usize {
    cmd.len()
}

#[test]
fn concurrent_threads_never_see_each_others_taint() {
    const THREADS: usize = 8;
    let barrier = Arc::new(Barrier::new(THREADS));
    let handles: Vec<_> = (0..THREADS)
        .map(|i| {
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                iast::check(|| {
                    let mine = input(&unique_value(i));
                    barrier.wait(); // every thread has recorded its value before any sink runs
                    run(&format!("echo {mine}"));
                    // The neighbour's value, as a constant here: never tainted in this context.
                    let theirs = unique_value((i + 1) % THREADS);
                    run(&format!("echo {theirs}"));
                    barrier.wait();
                })
            })
        })
        .collect();
    for (i, h) in handles.into_iter().enumerate() {
        let report = h.join().unwrap();
        assert_eq!(report.findings().len(), 1, "{report}");
        let tainted: Vec<_> = report.findings()[0].evidence().tainted_text().collect();
        assert_eq!(tainted, [unique_value(i)]);
        assert_eq!(report.findings()[0].hits(), 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_tasks_never_see_each_others_taint() {
    const TASKS: usize = 32;
    let tasks: Vec<_> = (0..TASKS)
        .map(|i| {
            tokio::spawn(iast::check_async(async move {
                let mine = input(&unique_value(i));
                // Yield so that tasks interleave on the same worker threads.
                for _ in 0..3 {
                    tokio::task::yield_now().await;
                }
                run(&format!("sh -c {mine}"));
                let other = unique_value((i + 1) % TASKS);
                tokio::task::yield_now().await;
                run(&format!("sh -c {other}"));
            }))
        })
        .collect();
    for (i, t) in tasks.into_iter().enumerate() {
        let report = t.await.unwrap();
        assert_eq!(report.findings().len(), 1, "{report}");
        let tainted: Vec<_> = report.findings()[0].evidence().tainted_text().collect();
        assert_eq!(tainted, [unique_value(i)]);
    }
}

#[test]
fn nested_checks_are_separate_and_restore_the_outer() {
    let outer = iast::check(|| {
        let v = input("outer-value; reboot");
        let inner = iast::check(|| run(&format!("x {v}")));
        assert!(inner.is_clean(), "{inner}");
        run(&format!("y {v}"));
    });
    assert_eq!(outer.findings().len(), 1);
}

#[test]
fn a_panicking_check_restores_the_thread() {
    let result = std::panic::catch_unwind(|| {
        iast::check(|| {
            let _ = input("will-not-leak; halt");
            panic!("test body failed");
        })
    });
    assert!(result.is_err());
    assert!(iast::Context::current().is_none());
}

#[test]
fn helpers_carry_the_context_into_threads() {
    let report = iast::check(|| {
        let v = input("from-parent; shutdown now");
        iast::thread::spawn(move || run(&format!("exec {v}")))
            .join()
            .unwrap();
    });
    assert_eq!(report.findings().len(), 1, "{report}");

    let report = iast::check(|| {
        let v = input("from-parent-scoped; shutdown now");
        std::thread::scope(|s| {
            iast::thread::spawn_scoped(s, || run(&format!("exec {v}")));
        });
    });
    assert_eq!(report.findings().len(), 1, "{report}");
}

#[test]
fn a_plain_thread_does_not_inherit_the_context() {
    let report = iast::check(|| {
        let v = input("from-parent; shutdown now");
        std::thread::spawn(move || run(&format!("exec {v}")))
            .join()
            .unwrap();
    });
    assert!(report.is_clean());
    assert!(report.sinks_reached().is_empty());
}

#[test]
fn a_handle_enters_the_same_context_anywhere() {
    let context = iast::Context::new();
    context.enter(|| input("recorded-here; id"));
    std::thread::spawn({
        let context = context.clone();
        move || context.enter(|| run("run recorded-here; id"))
    })
    .join()
    .unwrap();
    assert_eq!(context.report().findings().len(), 1);
}

#[cfg(feature = "tokio")]
mod tokio_helpers {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn spawn_and_spawn_blocking_carry_the_context() {
        let report = iast::check_async(async {
            let v = input("async-parent; poweroff");
            let w = v.clone();
            iast::spawn(async move { run(&format!("a {w}")) })
                .await
                .unwrap();
            iast::spawn_blocking(move || run(&format!("b {v}")))
                .await
                .unwrap();
        })
        .await;
        assert_eq!(report.findings().len(), 1, "{report}");
        assert_eq!(report.findings()[0].hits(), 2);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn plain_tokio_spawn_does_not_inherit_the_context() {
        let report = iast::check_async(async {
            let v = input("async-parent; poweroff");
            tokio::spawn(async move { run(&format!("a {v}")) })
                .await
                .unwrap();
        })
        .await;
        assert!(report.sinks_reached().is_empty());
    }

    /// The sink the plain task ran is counted as run outside any context while one was alive,
    /// and one carried by `iast::spawn` is not. (Other tests of this binary may add to the
    /// count, never take from it.)
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_sink_run_outside_the_context_is_counted() {
        let before = iast::sinks_outside_context();
        let report = iast::check_async(async {
            let v = input("counted; poweroff");
            tokio::spawn(async move { run(&format!("a {v}")) })
                .await
                .unwrap();
        })
        .await;
        assert!(report.sinks_reached().is_empty());
        assert!(iast::sinks_outside_context() > before);
    }
}

/// `on_end` runs once, when the last handle is dropped, and only for a context with findings.
#[test]
fn a_context_reports_when_its_last_handle_is_dropped() {
    use std::sync::Mutex;
    let ended: Arc<Mutex<Vec<(usize, u32)>>> = Arc::default();
    let cx = iast::Context::new();
    let seen = ended.clone();
    cx.on_end(move |report| {
        let hits = report.findings().iter().map(|f| f.hits()).sum();
        seen.lock().unwrap().push((report.findings().len(), hits));
    });
    cx.enter(|| run(&format!("echo {}", input("x; reboot now"))));
    let carried = cx.clone();
    let worker = std::thread::spawn(move || {
        carried.enter(|| run(&format!("ls {}", input("y && id -a"))));
        carried
    });
    drop(cx);
    assert!(ended.lock().unwrap().is_empty(), "a handle is still alive");
    drop(worker.join().unwrap());
    // One flow (one source into one sink, in this function), seen twice.
    assert_eq!(*ended.lock().unwrap(), [(1, 2)]);

    let clean = iast::Context::new();
    let seen = ended.clone();
    clean.on_end(move |_| seen.lock().unwrap().push((0, 0)));
    clean.enter(|| run("echo constant"));
    drop(clean);
    assert_eq!(*ended.lock().unwrap(), [(1, 2)], "nothing to report");
}
