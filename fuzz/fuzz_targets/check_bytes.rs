//! Arbitrary bytes through the whole per-file pipeline. Bytes that are not UTF-8 are
//! what `run` reports as "not valid UTF-8" before parsing; they are checked as the
//! lossy text too, so that no input is wasted.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let edition = yieldsafe_fuzz::edition_of(data);
    match std::str::from_utf8(data) {
        Ok(text) => yieldsafe_fuzz::check(text, edition),
        Err(_) => yieldsafe_fuzz::check(&String::from_utf8_lossy(data), edition),
    }
});
