//! The dependencies' sources, read where cargo keeps them: a path dependency, a
//! workspace member and a registry package in a temporary `CARGO_HOME` laid out as
//! cargo lays it out (`registry/src/<index>/<name>-<version>/`), named by a
//! `Cargo.lock`. Their re-exports, guard-returning fns, guard-holding structs and
//! methods are known in the checked crate; a re-exported async lock is not a hazard;
//! `--no-deps` turns it off; a locked package whose sources are missing is one note.

use std::path::Path;

use assert_cmd::Command;

mod tree;
use tree::write;

/// A library that wraps locks: what the checked crates use of it.
const GUARDLIB: &str = "pub mod sync;\n\
    pub use parking_lot::Mutex as FastMutex;\n\
    pub use tokio::sync::Mutex as AsyncMutex;\n\
    pub use sync::{hold, lock_it, Held, Pool};\n";

const GUARDLIB_SYNC: &str = "use std::sync::{Mutex, MutexGuard};\n\
    pub fn lock_it(m: &Mutex<u32>) -> MutexGuard<'_, u32> {\n    m.lock().unwrap()\n}\n\
    pub struct Held<'a> {\n    g: MutexGuard<'a, u32>,\n}\n\
    pub fn hold(m: &Mutex<u32>) -> Held<'_> {\n    Held { g: m.lock().unwrap() }\n}\n\
    pub struct Pool {\n    m: Mutex<u32>,\n}\n\
    impl Pool {\n    pub fn get(&self) -> MutexGuard<'_, u32> {\n        self.m.lock().unwrap()\n    }\n    pub fn len(&self) -> usize {\n        0\n    }\n}\n";

/// The checked code: one async fn per use of `guardlib` (under the name `lib`).
fn user(lib: &str) -> String {
    format!(
        "use std::sync::Mutex;\n\
         use {lib}::{{AsyncMutex, FastMutex, Pool}};\n\
         async fn tick() {{}}\n\
         pub async fn fast(m: &FastMutex<u32>) {{\n    let g = m.lock();\n    tick().await;\n}}\n\
         pub async fn not_async(m: &AsyncMutex<u32>) {{\n    let g = m.lock().await;\n    tick().await;\n}}\n\
         pub async fn helper(m: &Mutex<u32>) {{\n    let g = {lib}::lock_it(m);\n    tick().await;\n}}\n\
         pub async fn held(m: &Mutex<u32>) {{\n    let h = {lib}::hold(m);\n    tick().await;\n}}\n\
         pub async fn annotated(m: &Mutex<u32>) {{\n    let h: {lib}::Held<'_> = {lib}::hold(m);\n    tick().await;\n}}\n\
         pub async fn pool(p: &Pool) {{\n    let g = p.get();\n    tick().await;\n}}\n\
         pub async fn pool_len(p: &Pool) {{\n    let n = p.len();\n    tick().await;\n}}\n\
         pub async fn absent_lock(t: &absent::Thing) {{\n    let g = t.lock();\n    tick().await;\n}}\n"
    )
}

/// The lines of `user` with a finding: fast, helper, held, annotated, pool.
/// (`absent` is a dependency whose sources may not be there: its `lock` is not guessed.)
const EXPECTED_LINES: [usize; 5] = [5, 13, 17, 21, 25];

fn expected(file: &str) -> Vec<String> {
    EXPECTED_LINES
        .iter()
        .map(|l| format!("{file}:{l} await_holding_lock"))
        .collect()
}

fn run(root: &Path, home: Option<&Path>, no_deps: bool) -> yieldsafe::Report {
    yieldsafe::run(&yieldsafe::Options {
        paths: vec![root.to_path_buf()],
        cargo_home: home.map(Path::to_path_buf),
        no_deps,
        ..yieldsafe::Options::default()
    })
}

fn findings(root: &Path, home: Option<&Path>, no_deps: bool) -> Vec<String> {
    let report = run(root, home, no_deps);
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    tree::relative_findings(&report, root)
}

fn guardlib(dir: &Path, name: &str) {
    write(
        dir,
        "Cargo.toml",
        format!("[package]\nname = \"{name}\"\nversion = \"1.0.0\"\nedition = \"2021\"\n[dependencies]\nparking_lot = \"0.12\"\ntokio = \"1\"\n"),
    );
    write(dir, "src/lib.rs", GUARDLIB);
    write(dir, "src/sync.rs", GUARDLIB_SYNC);
}

#[test]
fn a_path_dependency_without_a_lock() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    guardlib(&root.join("guardlib"), "guardlib");
    write(
        root,
        "app/Cargo.toml",
        "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n[dependencies]\nguardlib = { path = \"../guardlib\" }\n",
    );
    write(root, "app/src/lib.rs", user("guardlib"));
    let app = root.join("app");
    assert_eq!(findings(&app, None, false), expected("src/lib.rs"));
    // Without the dependency's sources only the signatures of the checked code count.
    assert_eq!(findings(&app, None, true), Vec::<String>::new());
}

#[test]
fn workspace_members_see_each_other() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "Cargo.toml",
        "[workspace]\nmembers = [\"crates/*\"]\nresolver = \"2\"\n",
    );
    guardlib(&root.join("crates/a"), "a");
    write(
        root,
        "crates/b/Cargo.toml",
        "[package]\nname = \"b\"\nversion = \"0.1.0\"\nedition = \"2021\"\n[dependencies]\na = { path = \"../a\" }\n",
    );
    write(root, "crates/b/src/lib.rs", user("a"));
    // A lock naming both members (and what they depend on, not on disk here).
    write(
        root,
        "Cargo.lock",
        "version = 4\n\n[[package]]\nname = \"a\"\nversion = \"1.0.0\"\ndependencies = [\"parking_lot\", \"tokio\"]\n\n[[package]]\nname = \"b\"\nversion = \"0.1.0\"\ndependencies = [\"a\"]\n\n[[package]]\nname = \"parking_lot\"\nversion = \"0.12.5\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n\n[[package]]\nname = \"tokio\"\nversion = \"1.48.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n",
    );
    let home = root.join("empty-home");
    assert_eq!(
        findings(root, Some(&home), false),
        expected("crates/b/src/lib.rs")
    );
    // The catalogue's crates are never read: their sources being absent is no news.
    let report = run(root, Some(&home), false);
    assert!(report.notes.is_empty(), "{:?}", report.notes);
}

/// A registry package in a temporary `CARGO_HOME`, as `cargo fetch` leaves it.
fn registry_package(tmp: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let home = tmp.join("cargo-home");
    let src = home.join("registry/src/index.crates.io-1949cf8c6b5b557f");
    guardlib(&src.join("guard-lib-1.0.0"), "guard-lib");
    let app = tmp.join("app");
    write(
        &app,
        "Cargo.toml",
        "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n[dependencies]\nguard-lib = \"1\"\nabsent = \"2\"\n",
    );
    write(&app, "src/lib.rs", user("guard_lib"));
    write(
        &app,
        "Cargo.lock",
        "version = 4\n\n[[package]]\nname = \"absent\"\nversion = \"2.0.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n\n[[package]]\nname = \"app\"\nversion = \"0.1.0\"\ndependencies = [\"absent\", \"guard-lib\"]\n\n[[package]]\nname = \"guard-lib\"\nversion = \"1.0.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n",
    );
    (home, app)
}

#[test]
fn a_registry_dependency_in_cargo_home() {
    let tmp = tempfile::tempdir().unwrap();
    let (home, app) = registry_package(tmp.path());
    assert_eq!(findings(&app, Some(&home), false), expected("src/lib.rs"));
    let report = run(&app, Some(&home), false);
    assert_eq!(report.notes.len(), 1, "{:?}", report.notes);
    assert!(report.notes[0].message.contains("absent"));
    // Another CARGO_HOME, without the sources: one note, and the checked code's own
    // signatures still count (none here).
    let report = run(&app, Some(&tmp.path().join("nowhere")), false);
    assert!(report.diagnostics.is_empty());
    assert_eq!(report.notes.len(), 1, "{:?}", report.notes);
    assert!(report.notes[0].message.contains("absent, guard-lib"));
}

#[test]
fn the_binary_reads_cargo_home_and_no_deps_turns_it_off() {
    let tmp = tempfile::tempdir().unwrap();
    let (home, app) = registry_package(tmp.path());
    let out = Command::cargo_bin("yieldsafe")
        .unwrap()
        .args(["--format", "short", "."])
        .current_dir(&app)
        .env("CARGO_HOME", &home)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stdout.lines().count(), EXPECTED_LINES.len(), "{stdout}");
    // `absent` is locked but not on disk.
    assert!(
        stderr.contains("run cargo fetch to let yieldsafe read dependencies"),
        "{stderr}"
    );
    let out = Command::cargo_bin("yieldsafe")
        .unwrap()
        .args(["--format", "short", "--no-deps", "."])
        .current_dir(&app)
        .env("CARGO_HOME", &home)
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "");
    assert!(!String::from_utf8_lossy(&out.stderr).contains("cargo fetch"));
}
