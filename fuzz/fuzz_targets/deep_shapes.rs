//! Deep and long shapes built from a few bytes (`yieldsafe_fuzz::shapes`): files far
//! past the 64 KB the other targets are capped at, through the whole per-file
//! pipeline with the same oracles. Aborting on a stack overflow, or a run past
//! libFuzzer's `-timeout`, is the bug this target looks for.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let edition = yieldsafe_fuzz::edition_of(data);
    let text = yieldsafe_fuzz::shapes::generate(data, 4 << 20);
    yieldsafe_fuzz::check(&text, edition);
});
