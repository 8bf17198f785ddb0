//! What both fuzz targets check on one input: the whole per-file pipeline
//! (`yieldsafe::check_source`: parse, index, analyse, lints) and the three stable
//! output formats, with these oracles:
//!
//! - no panic and no "internal error" problem (a caught panic is a bug too);
//! - every span of every finding lies inside the text, on character boundaries;
//! - every finding renders in the human, short and JSON formats;
//! - the shortcuts of a default run (the lexical scan that skips files, blanking the
//!   fn bodies that cannot matter) find what the full parse finds.
//!
//! Hangs are found by libFuzzer's `-timeout`.

pub mod shapes;

use std::path::Path;
use std::sync::{Arc, OnceLock};

use yieldsafe::diagnostic::{Diagnostic, Span};
use yieldsafe::edition::Edition;
use yieldsafe::render::{self, Format};
use yieldsafe::source::{SourceFile, Sources};
use yieldsafe::LintLevels;

/// The edition an input is checked as: all four are covered, chosen by a checksum
/// of the bytes so that the text itself is left as the fuzzer made it.
pub fn edition_of(data: &[u8]) -> Edition {
    match data.iter().fold(0u8, |a, b| a.wrapping_add(*b)) % 4 {
        0 => Edition::E2015,
        1 => Edition::E2018,
        2 => Edition::E2021,
        _ => Edition::E2024,
    }
}

/// Check `text` as one file and assert the oracles, on a thread with the stack the
/// workers of `yieldsafe::run` have (512 MiB), so that nesting is bounded as it is
/// in the binary and not by the fuzzer's main thread.
pub fn check(text: &str, edition: Edition) {
    std::thread::scope(|s| {
        let worker = std::thread::Builder::new()
            .stack_size(512 * 1024 * 1024)
            .spawn_scoped(s, || check_here(text, edition))
            .expect("cannot start a thread");
        if let Err(panic) = worker.join() {
            std::panic::resume_unwind(panic);
        }
    });
}

fn check_here(text: &str, edition: Edition) {
    let path: Arc<Path> = Arc::from(Path::new("fuzz.rs"));
    let file = SourceFile::new(path.clone(), Arc::from(text));
    let outcome = yieldsafe::check_source(&file, edition, &LintLevels::default());
    for p in &outcome.problems {
        assert!(
            !p.message.starts_with("internal error"),
            "{p} (run again with YIELDSAFE_BACKTRACE=1 RUST_BACKTRACE=1 for the backtrace)"
        );
    }
    for d in &outcome.diagnostics {
        for span in spans(d) {
            assert!(
                span.byte_start <= span.byte_end
                    && span.byte_end <= text.len()
                    && text.is_char_boundary(span.byte_start)
                    && text.is_char_boundary(span.byte_end),
                "span {}..{} out of a text of {} bytes in {d:?}",
                span.byte_start,
                span.byte_end,
                text.len()
            );
            assert!(span.line >= 1 && span.column >= 1, "{span:?}");
        }
    }
    prefilter_agrees(&file, edition, &outcome);
    if outcome.diagnostics.is_empty() {
        return;
    }
    let mut sources = Sources::default();
    sources.insert(path, Arc::from(text));
    for format in [Format::Human, Format::Short, Format::Json] {
        let mut out = Vec::new();
        render::render(format, &outcome.diagnostics, &sources, false, &mut out)
            .expect("rendering into memory cannot fail");
    }
}

/// The shortcuts of a default run find what the full parse finds: a file the scan
/// skips has no finding, and (when the file parses) the parse with the quiet fn
/// bodies blanked gives the same findings. Blanking keeps every offset and line.
fn prefilter_agrees(file: &SourceFile, edition: Edition, full: &yieldsafe::CheckOutcome) {
    let text = &file.text;
    if let Some(blank) = yieldsafe::prefilter::blank::blank_quiet_fn_bodies(text, &|_| false) {
        assert_eq!(blank.len(), text.len(), "blanking changed the length");
        assert!(
            blank
                .bytes()
                .zip(text.bytes())
                .all(|(b, t)| (b == b'\n') == (t == b'\n')),
            "blanking moved a line break"
        );
    }
    let _ = yieldsafe::prefilter::blank::strip_fn_bodies(text);
    let key = |o: &yieldsafe::CheckOutcome| -> Vec<String> {
        o.diagnostics
            .iter()
            .map(|d| {
                format!(
                    "{}:{} {} {}",
                    d.primary.line, d.primary.column, d.lint, d.message
                )
            })
            .collect()
    };
    let parsed = !full
        .problems
        .iter()
        .any(|p| p.message.starts_with("cannot parse"));
    match yieldsafe::check_source_prefiltered(file, edition, &LintLevels::default()) {
        None => assert!(
            full.diagnostics.is_empty(),
            "the scan skipped a file with findings: {:?}",
            key(full)
        ),
        Some(fast) if parsed => assert_eq!(key(&fast), key(full), "blanking changed the findings"),
        Some(_) => {}
    }
}

fn spans(d: &Diagnostic) -> impl Iterator<Item = &Span> {
    std::iter::once(&d.primary)
        .chain(d.labels.iter().map(|l| &l.span))
        .chain(d.yield_points.iter().map(|y| &y.span))
        .chain(
            d.suggestions
                .iter()
                .flat_map(|s| s.edits.iter().map(|e| &e.span)),
        )
}

/// The texts of every fixture under `fixtures/`, read once.
pub fn fixtures() -> &'static [String] {
    static FIXTURES: OnceLock<Vec<String>> = OnceLock::new();
    FIXTURES.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures");
        let mut out = Vec::new();
        let mut dirs = vec![root];
        while let Some(dir) = dirs.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
            entries.sort();
            for path in entries {
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|x| x == "rs") {
                    if let Ok(text) = std::fs::read_to_string(&path) {
                        out.push(text);
                    }
                }
            }
        }
        assert!(!out.is_empty(), "no fixtures found under ../fixtures");
        out
    })
}
