//! With `SHOP_CRASH=1` this process aborts right after a finding, as a test binary that
//! segfaults or is killed would: the finding must still reach the report.

#[test]
fn crash_after_a_finding() {
    let crash = std::env::var_os("SHOP_CRASH").is_some();
    let report = iast::check(|| {
        if crash {
            shop::lookup("x' OR 1=1 --");
            std::process::abort();
        }
        shop::run_query("SELECT 1");
    });
    assert!(report.sinks_reached().len() == 1, "{report}");
}
