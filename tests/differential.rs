//! Differential test: compiles every fixture with `clippy-driver` (rustc plus clippy's lints)
//! and compares what the compiler reports with the fixture's expectations.
//!
//! The compiler's answer is the union of two oracles: clippy's `await_holding_lock` /
//! `await_holding_refcell_ref`, and rustc's `must_not_suspend` (mapped to our lints by the
//! type it names). Every line where that answer differs from the fixture must carry a
//! `compiler-differs` marker saying why we are right and the compiler is not, and every
//! marker must still be needed. The test needs the compiler, not yieldsafe's engine.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::env;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::Instant;

use serde_json::Value;
use support::Fixture;

const CLIPPY_DRIVER: &str = "clippy-driver";

/// Flags after `--edition N`; `-o` and the file are added per job.
const FLAGS: &[&str] = &[
    "--crate-type=lib",
    "--crate-name=fixture",
    "--emit=metadata",
    "--error-format=json",
    "-Zcrate-attr=feature(must_not_suspend)",
    "-Wmust_not_suspend",
    "-Wclippy::await_holding_lock",
    "-Wclippy::await_holding_refcell_ref",
];

/// Our lints no compiler has, judged by running the fixtures instead (tests/relocks.rs).
const RUN_NOT_COMPILED: &[&str] = &["self_deadlock", "recursive_read_lock"];

/// Types named by `must_not_suspend`, by last path segment, and the lint they map to.
const MUST_NOT_SUSPEND_TYPES: &[(&str, &str)] = &[
    ("MutexGuard", "await_holding_lock"),
    ("MappedMutexGuard", "await_holding_lock"),
    ("RwLockReadGuard", "await_holding_lock"),
    ("RwLockWriteGuard", "await_holding_lock"),
    ("MappedRwLockReadGuard", "await_holding_lock"),
    ("MappedRwLockWriteGuard", "await_holding_lock"),
    ("ReentrantLockGuard", "await_holding_lock"),
    ("Ref", "await_holding_refcell_ref"),
    ("RefMut", "await_holding_refcell_ref"),
];

/// What one compile of one fixture in one edition reported.
struct Outcome {
    fixture: usize,
    edition: u16,
    /// (line, lint) -> the oracles that reported it.
    reported: BTreeMap<(usize, String), BTreeSet<&'static str>>,
    /// Compile errors, or diagnostics this test cannot map; each one fails the test.
    problems: Vec<String>,
}

#[test]
fn compiler_agrees_with_fixtures_or_is_marked() {
    let started = Instant::now();
    let driver = find_clippy_driver();
    let fixtures = support::load_all();
    let jobs: Vec<(usize, u16)> = fixtures
        .iter()
        .enumerate()
        .filter(|(_, f)| f.compile)
        .flat_map(|(i, f)| f.editions.iter().map(move |&e| (i, e)))
        .collect();
    assert!(!jobs.is_empty(), "no fixture to compile");

    let out_dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("differential");
    std::fs::create_dir_all(&out_dir)
        .unwrap_or_else(|e| panic!("cannot create {}: {e}", out_dir.display()));
    let outcomes = run_parallel(&jobs, |(fixture, edition)| {
        compile(&driver, &out_dir, &fixtures[fixture], fixture, edition)
    });

    let mut report = String::new();
    let mut mismatches = 0;
    for outcome in &outcomes {
        let lines = compare(&fixtures[outcome.fixture], outcome);
        if !lines.is_empty() {
            let f = &fixtures[outcome.fixture];
            let _ = writeln!(report, "{} [edition {}]", f.path.display(), outcome.edition);
            for line in &lines {
                let _ = writeln!(report, "  {line}");
            }
            mismatches += lines.len();
        }
    }
    eprintln!(
        "differential: {} compiles of {} fixtures in {:.1?}",
        jobs.len(),
        fixtures.iter().filter(|f| f.compile).count(),
        started.elapsed()
    );
    assert!(
        mismatches == 0,
        "{mismatches} disagreement(s) between the compiler ({CLIPPY_DRIVER}: clippy + \
         must_not_suspend) and the fixtures.\nFix the expectation, or mark the line with \
         `compiler-differs: <reason>` if the compiler is wrong there:\n\n{report}"
    );
}

/// Runs `work` on every job with one thread per core, keeping the jobs' order.
fn run_parallel<J: Copy + Sync, R: Send>(jobs: &[J], work: impl Fn(J) -> R + Sync) -> Vec<R> {
    let threads = thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(jobs.len());
    let next = AtomicUsize::new(0);
    let mut results: Vec<(usize, R)> = thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(&job) = jobs.get(i) else { break done };
                        done.push((i, work(job)));
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a compile thread panicked"))
            .collect()
    });
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, r)| r).collect()
}

/// Finds `clippy-driver` on `PATH` and checks that it runs. Fails (never skips) otherwise:
/// a differential test that silently does nothing is worse than none.
fn find_clippy_driver() -> PathBuf {
    let name = format!("{CLIPPY_DRIVER}{}", env::consts::EXE_SUFFIX);
    let path = env::var_os("PATH")
        .and_then(|paths| {
            env::split_paths(&paths)
                .map(|dir| dir.join(&name))
                .find(|candidate| candidate.is_file())
        })
        .unwrap_or_else(|| {
            panic!(
                "`{name}` is not on PATH; the differential test needs it \
                 (install it with `rustup component add clippy`)"
            )
        });
    let version = Command::new(&path).arg("--version").output();
    match version {
        Ok(out) if out.status.success() => path,
        Ok(out) => panic!(
            "`{} --version` failed ({}): {}",
            path.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(e) => panic!("cannot run `{}`: {e}", path.display()),
    }
}

fn compile(
    driver: &Path,
    out_dir: &Path,
    fixture: &Fixture,
    index: usize,
    edition: u16,
) -> Outcome {
    let output_file = out_dir.join(format!("fixture-{index}-{edition}.rmeta"));
    // Point clippy at a configuration-free directory so a `clippy.toml` in this repository
    // cannot change what the oracle reports.
    let warn: Vec<String> = fixture
        .warn
        .iter()
        .map(|lint| format!("-Wclippy::{lint}"))
        .collect();
    let output = Command::new(driver)
        .arg(format!("--edition={edition}"))
        .args(FLAGS)
        .args(&warn)
        .args(support::extern_flags(&fixture.externs))
        .arg("-o")
        .arg(&output_file)
        .arg(fixture.absolute_path())
        .env("RUSTC_BOOTSTRAP", "1")
        .env("CLIPPY_CONF_DIR", env::temp_dir())
        .env_remove("CARGO_MANIFEST_DIR")
        .env_remove("CLIPPY_ARGS")
        .current_dir(out_dir)
        .output()
        .unwrap_or_else(|e| panic!("cannot run `{}`: {e}", driver.display()));

    let mut outcome = Outcome {
        fixture: index,
        edition,
        reported: BTreeMap::new(),
        problems: Vec::new(),
    };
    let stderr = String::from_utf8_lossy(&output.stderr);
    for line in stderr.lines() {
        match serde_json::from_str::<Value>(line) {
            Ok(diagnostic) => record(&diagnostic, &fixture.absolute_path(), &mut outcome),
            Err(_) if line.trim().is_empty() => {}
            Err(_) => outcome.problems.push(format!("compiler said: {line}")),
        }
    }
    if !output.status.success() && outcome.problems.is_empty() && !denied_lint(&stderr) {
        outcome.problems.push(format!(
            "compile failed ({}) without an error diagnostic",
            output.status
        ));
    }
    outcome
}

/// Whether the compiler failed because a lint was at deny level (`aborting due to`
/// follows the lints' own errors then).
fn denied_lint(stderr: &str) -> bool {
    stderr.lines().any(|line| {
        serde_json::from_str::<Value>(line).is_ok_and(|d| {
            d["level"] == "error"
                && d["code"]["code"].as_str().is_some_and(|c| {
                    c.starts_with("clippy::await_holding") || c == "must_not_suspend"
                })
        })
    })
}

/// Records one JSON diagnostic: an error, an oracle finding, or nothing we care about.
fn record(diagnostic: &Value, file: &Path, outcome: &mut Outcome) {
    let text = |key: &str| diagnostic[key].as_str().unwrap_or_default();
    let message = text("message");
    let code = diagnostic["code"]["code"].as_str().unwrap_or_default();
    let line = diagnostic["spans"]
        .as_array()
        .and_then(|spans| spans.iter().find(|s| s["is_primary"] == true))
        .and_then(|span| line_in(span, file))
        .unwrap_or(0);

    // A lint set to deny (`#[deny(clippy::await_holding_lock)]`) is an error of that
    // lint, not a compile error.
    let lint_error = code.starts_with("clippy::await_holding") || code == "must_not_suspend";
    if text("level").starts_with("error") && !lint_error {
        if !message.starts_with("aborting due to") {
            let rendered = diagnostic["rendered"].as_str().unwrap_or(message);
            outcome
                .problems
                .push(format!("compile error: {}", rendered.trim_end()));
        }
        return;
    }
    let (oracle, lint) = match code {
        "clippy::await_holding_lock" => ("clippy", "await_holding_lock"),
        "clippy::await_holding_refcell_ref" => ("clippy", "await_holding_refcell_ref"),
        "clippy::future_not_send" => ("clippy", "future_not_send"),
        "unfulfilled_lint_expectations" => ("rustc", "unfulfilled_lint_expectations"),
        "unknown_lints" => ("rustc", "unknown_lints"),
        "must_not_suspend" => match must_not_suspend_lint(message) {
            Some(lint) => ("must_not_suspend", lint),
            None => {
                outcome.problems.push(format!(
                    "line {line}: must_not_suspend names a type this test does not map: {message}"
                ));
                return;
            }
        },
        _ => return,
    };
    outcome
        .reported
        .entry((line, lint.to_string()))
        .or_default()
        .insert(oracle);
}

/// The line of `span` in the fixture `file`: a span inside another crate's macro
/// (`tokio::pin!`'s body) counts at the macro call that expanded it.
fn line_in(span: &Value, file: &Path) -> Option<usize> {
    if Path::new(span["file_name"].as_str()?) == file {
        return span["line_start"].as_u64().map(|l| l as usize);
    }
    line_in(&span["expansion"]["span"], file)
}

/// Maps a `must_not_suspend` message (``"`std::sync::MutexGuard` held across ..."``,
/// ``"boxed `std::cell::Ref` held ..."``) to our lint, by the first type it names.
fn must_not_suspend_lint(message: &str) -> Option<&'static str> {
    let ty = message.split('`').nth(1)?;
    let ty = ty.split('<').next().unwrap_or(ty);
    let name = ty.rsplit("::").next().unwrap_or(ty);
    if let Some((_, lint)) = MUST_NOT_SUSPEND_TYPES.iter().find(|(t, _)| *t == name) {
        return Some(lint);
    }
    // A type or trait of the fixture itself: our `must_not_suspend` lint. Any other
    // standard library type is one this test does not know yet.
    let from_std = ["std::", "core::", "alloc::"]
        .iter()
        .any(|p| ty.starts_with(p));
    (!from_std).then_some("must_not_suspend")
}

/// The disagreements of one outcome that no marker explains, and the markers that no
/// disagreement needs, as report lines.
fn compare(fixture: &Fixture, outcome: &Outcome) -> Vec<String> {
    let mut lines = outcome.problems.clone();
    // The compilers have no lint for a lock taken twice: running the fixture decides
    // those (tests/relocks.rs).
    let expected: BTreeSet<(usize, String)> = fixture
        .expected(outcome.edition)
        .into_iter()
        .filter(|(_, lint)| !RUN_NOT_COMPILED.contains(&lint.as_str()))
        .collect();
    let reported: BTreeSet<(usize, String)> = outcome.reported.keys().cloned().collect();
    let markers = fixture.differs_in(outcome.edition);
    let source = |line: usize| {
        let text = fixture.line_text(line).trim();
        let short: String = text.chars().take(100).collect();
        if short.len() < text.len() {
            format!("{short}...")
        } else {
            short
        }
    };

    let disagreements: BTreeSet<&(usize, String)> =
        expected.symmetric_difference(&reported).collect();
    for key @ (line, lint) in &disagreements {
        if markers.contains_key(line) {
            continue;
        }
        let what = match outcome.reported.get(key) {
            Some(oracles) => format!(
                "{lint} reported by {} but not expected",
                oracles.iter().copied().collect::<Vec<_>>().join(" + ")
            ),
            None => format!("{lint} expected but not reported by the compiler"),
        };
        lines.push(format!("line {line}: {what}\n      | {}", source(*line)));
    }
    for (line, reason) in &markers {
        if !disagreements.iter().any(|(l, _)| l == line) {
            lines.push(format!(
                "line {line}: stale `compiler-differs` marker, the compiler agrees with the \
                 fixture here ({reason})\n      | {}",
                source(*line)
            ));
        }
    }
    lines
}
