#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    iast_fuzz::analyzer::run(iast_core::Vulnerability::Xss, data);
});
