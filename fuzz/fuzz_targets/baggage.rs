#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    iast_fuzz::baggage::run(data);
});
