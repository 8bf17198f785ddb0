//! The floor yieldsafe is measured against: discover the same files, then read and
//! `syn::parse_file` every one of them on a pool of `--jobs` threads, and nothing
//! else. Prints one line of figures (files, lines, bytes, seconds) for
//! `bench/run.sh`, which runs it next to `yieldsafe --stats` in the same run.
//!
//!     cargo run --release --example parse_only -- [--jobs N] PATH...

use std::path::PathBuf;
use std::time::Instant;

use rayon::prelude::*;

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut jobs = None;
    if let Some(i) = args.iter().position(|a| a == "--jobs") {
        jobs = args.get(i + 1).and_then(|n| n.parse::<usize>().ok());
        args.drain(i..(i + 2).min(args.len()));
    }
    let paths: Vec<PathBuf> = args.into_iter().map(PathBuf::from).collect();
    let start = Instant::now();
    let exclude = globset::GlobSet::empty();
    let (files, _, _) = yieldsafe::discover::discover(&paths, &exclude, None);
    let mut pool = rayon::ThreadPoolBuilder::new().stack_size(512 * 1024 * 1024);
    if let Some(j) = jobs {
        pool = pool.num_threads(j);
    }
    let pool = pool.build().expect("a thread pool");
    let (lines, bytes, parsed) = pool.install(|| {
        files
            .par_iter()
            .map(|f| {
                let Ok(text) = std::fs::read_to_string(&f.path) else {
                    return (0, 0, 0);
                };
                let ok = syn::parse_file(&text).is_ok();
                proc_macro2::extra::invalidate_current_thread_spans();
                (text.lines().count(), text.len(), usize::from(ok))
            })
            .reduce(|| (0, 0, 0), |a, b| (a.0 + b.0, a.1 + b.1, a.2 + b.2))
    });
    println!(
        "parse-only: {} files ({} parsed), {} lines, {} bytes; wall {:.3}s",
        files.len(),
        parsed,
        lines,
        bytes,
        start.elapsed().as_secs_f64()
    );
}
