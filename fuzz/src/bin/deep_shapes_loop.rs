//! `deep_shapes` without libFuzzer, where cargo-fuzz is not installed: pseudo-random
//! inputs (xorshift, seeded by the first argument) for as many seconds as the second
//! argument says, each checked as the fuzz target checks it. Prints the executions.
//!
//!   cargo run --release --bin deep_shapes_loop -- SEED SECONDS

use std::time::{Duration, Instant};

fn main() {
    let mut args = std::env::args().skip(1);
    let mut seed: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(0x5eed) | 1;
    let seconds: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(60);
    let start = Instant::now();
    let mut runs = 0u64;
    let mut bytes = 0usize;
    while start.elapsed() < Duration::from_secs(seconds) {
        let mut next = || {
            seed ^= seed >> 12;
            seed ^= seed << 25;
            seed ^= seed >> 27;
            seed.wrapping_mul(0x2545_f491_4f6c_dd1d)
        };
        let len = 3 * (1 + next() % 8) as usize;
        let data: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        let edition = yieldsafe_fuzz::edition_of(&data);
        let text = yieldsafe_fuzz::shapes::generate(&data, 4 << 20);
        bytes += text.len();
        let one = Instant::now();
        yieldsafe_fuzz::check(&text, edition);
        if one.elapsed() > Duration::from_secs(10) {
            eprintln!("slow ({:?}): input {data:?}", one.elapsed());
        }
        runs += 1;
    }
    println!(
        "{runs} executions, {} MB generated, in {:?}",
        bytes >> 20,
        start.elapsed()
    );
}
