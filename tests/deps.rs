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
fn packages_that_share_a_download_summarise_it_once() {
    // One package alone, then two that depend on the same download, in one run each
    // (every run in a directory of its own: no summary carries over between them).
    let alone = tempfile::tempdir().unwrap();
    let (home, app) = registry_package(alone.path());
    let one = run(&app, Some(&home), false);
    assert_eq!(tree::relative_findings(&one, &app), expected("src/lib.rs"));
    assert!(one.stats.dep_indexed > 0, "{:?}", one.stats);

    let both = tempfile::tempdir().unwrap();
    let (home, app) = registry_package(both.path());
    let other = both.path().join("other");
    copy_tree(&app, &other);
    let two = run(both.path(), Some(&home), false);
    let found = tree::relative_findings(&two, both.path());
    let wanted: Vec<String> = ["app", "other"]
        .iter()
        .flat_map(|p| expected(&format!("{p}/src/lib.rs")))
        .collect();
    assert_eq!(found, wanted);
    // Each package built its own table of `guard-lib`; its files were summarised for
    // the first and the second read them.
    assert_eq!(
        two.stats.dep_crates,
        2 * one.stats.dep_crates,
        "{:?}",
        two.stats
    );
    assert_eq!(
        two.stats.dep_indexed, one.stats.dep_indexed,
        "{:?}",
        two.stats
    );
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

/// The sources of a dev-dependency of this package, where cargo put them to build
/// the tests.
fn registry_sources(name: &str) -> std::path::PathBuf {
    let home = yieldsafe::input::deps::cargo_home().expect("a cargo home");
    let lock = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.lock"))
        .expect("this package's Cargo.lock");
    let version = lock
        .split("[[package]]")
        .find(|p| p.contains(&format!("name = \"{name}\"\n")))
        .and_then(|p| p.lines().find_map(|l| l.strip_prefix("version = \"")))
        .map(|v| v.trim_end_matches('"').to_string())
        .expect("locked");
    std::fs::read_dir(home.join("registry/src"))
        .expect("cargo's registry sources")
        .filter_map(Result::ok)
        .map(|e| e.path().join(format!("{name}-{version}")))
        .find(|d| d.is_dir())
        .unwrap_or_else(|| panic!("{name}-{version} is not in {}", home.display()))
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().filter_map(Result::ok) {
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

const DASHMAP_USER: &str = "use dashmap::DashMap;\n\
    use dashmap::mapref::one::Ref;\n\
    async fn tick() {}\n\
    pub async fn get(map: &DashMap<u32, String>) {\n    let r = map.get(&1);\n    tick().await;\n}\n\
    pub async fn annotated(map: &DashMap<u32, String>) {\n    let r: Ref<'_, u32, String> = map.get(&1).unwrap();\n    tick().await;\n}\n\
    pub async fn cloned(map: &DashMap<u32, String>) {\n    let v = map.get(&1).map(|r| r.clone());\n    tick().await;\n}\n";

/// The real dashmap, in cargo's home, named by a lock: the catalogue's rows say
/// what its references are, and its sources are not read.
#[test]
fn real_dashmap_and_tokio_from_cargo_home() {
    let dashmap = registry_sources("dashmap");
    let tokio = registry_sources("tokio");
    let version = |d: &Path| {
        let name = d.file_name().unwrap().to_string_lossy().to_string();
        name.rsplit_once('-').unwrap().1.to_string()
    };
    let tmp = tempfile::tempdir().unwrap();
    let app = tmp.path();
    write(
        app,
        "Cargo.toml",
        "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n[dependencies]\ndashmap = \"6\"\ntokio = \"1\"\n",
    );
    write(
        app,
        "Cargo.lock",
        format!("version = 4\n\n[[package]]\nname = \"app\"\nversion = \"0.1.0\"\ndependencies = [\"dashmap\", \"tokio\"]\n\n[[package]]\nname = \"dashmap\"\nversion = \"{}\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n\n[[package]]\nname = \"tokio\"\nversion = \"{}\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n", version(&dashmap), version(&tokio)),
    );
    write(
        app,
        "src/lib.rs",
        format!("{DASHMAP_USER}pub async fn watched(rx: tokio::sync::watch::Receiver<u32>) {{\n    let v = rx.borrow();\n    tick().await;\n}}\n"),
    );
    let home = yieldsafe::input::deps::cargo_home();
    let report = run(app, home.as_deref(), false);
    assert_eq!(
        tree::relative_findings(&report, app),
        [
            "src/lib.rs:5 await_holding_lock",
            "src/lib.rs:9 await_holding_lock",
            "src/lib.rs:17 await_holding_lock"
        ]
    );
    assert_eq!(report.stats.dep_crates, 0, "catalogued crates are not read");
    // The same with no lock and no dependency read: the rows alone.
    let report = run(app, None, true);
    assert_eq!(report.diagnostics.len(), 3);
}

/// The real dashmap's sources under another name, which the catalogue does not
/// know: its `Ref` is known from its sources, a struct whose `_guard` field is a
/// lock_api guard (through dashmap's own alias), and `DashMap::get` returns it.
#[test]
fn real_dashmap_sources_read_under_another_name() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    let copy = home.join("registry/src/index/dashmap2-6.0.0");
    copy_tree(&registry_sources("dashmap"), &copy);
    let manifest = std::fs::read_to_string(copy.join("Cargo.toml")).unwrap();
    std::fs::write(
        copy.join("Cargo.toml"),
        manifest.replacen("name = \"dashmap\"", "name = \"dashmap2\"", 1),
    )
    .unwrap();
    let app = tmp.path().join("app");
    write(
        &app,
        "Cargo.toml",
        "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n[dependencies]\ndashmap2 = \"6\"\n",
    );
    write(
        &app,
        "Cargo.lock",
        "version = 4\n\n[[package]]\nname = \"app\"\nversion = \"0.1.0\"\ndependencies = [\"dashmap2\"]\n\n[[package]]\nname = \"dashmap2\"\nversion = \"6.0.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n",
    );
    write(
        &app,
        "src/lib.rs",
        DASHMAP_USER.replace("dashmap::", "dashmap2::"),
    );
    let report = run(&app, Some(&home), false);
    assert_eq!(
        tree::relative_findings(&report, &app),
        [
            "src/lib.rs:5 await_holding_lock",
            "src/lib.rs:9 await_holding_lock"
        ]
    );
    let message = &report.diagnostics[1].message;
    assert!(
        message.contains("field `_guard` holds a `lock_api::RwLockReadGuard`"),
        "{message}"
    );
    // Only the files that declare the names asked about were summarised.
    assert_eq!(report.stats.dep_crates, 1);
    assert!(report.stats.dep_indexed < 8, "{:?}", report.stats);
}

/// Without a `Cargo.lock`, a registry dependency is the newest version cargo keeps
/// that the manifest's requirement is compatible with.
#[test]
fn a_registry_dependency_without_a_lock() {
    let tmp = tempfile::tempdir().unwrap();
    let (home, app) = registry_package(tmp.path());
    std::fs::remove_file(app.join("Cargo.lock")).unwrap();
    // An older, incompatible version beside it is not taken.
    let old = home.join("registry/src/index.crates.io-1949cf8c6b5b557f/guard-lib-0.9.0");
    write(
        &old,
        "Cargo.toml",
        "[package]\nname = \"guard-lib\"\nversion = \"0.9.0\"\n",
    );
    write(&old, "src/lib.rs", "pub mod sync;\npub use sync::*;\n");
    write(&old, "src/sync.rs", "pub fn lock_it() {}\n");
    assert_eq!(findings(&app, Some(&home), false), expected("src/lib.rs"));
    let report = run(&app, Some(&home), false);
    assert!(
        report.notes[0].message.contains("absent"),
        "{:?}",
        report.notes
    );
}

/// A dependency's `#[must_not_suspend]` type (plain or in `cfg_attr`) held across an
/// await is reported as the annotation says; another type of the same name in the
/// checked crate is not taken for it.
#[test]
fn a_dependencys_must_not_suspend_types() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    write(
        root,
        "leases/Cargo.toml",
        "[package]\nname = \"leases\"\nversion = \"1.0.0\"\nedition = \"2021\"\n",
    );
    write(
        root,
        "leases/src/lib.rs",
        "#![cfg_attr(nightly, feature(must_not_suspend))]\n\
         pub mod lease;\npub use lease::Lease;\n",
    );
    write(
        root,
        "leases/src/lease.rs",
        "#[must_not_suspend = \"a lease pins a slot\"]\npub struct Lease {\n    slot: u32,\n}\n\
         #[cfg_attr(unix, must_not_suspend)]\npub struct Ticket(String);\n\
         pub struct Plain(u32);\n",
    );
    write(
        root,
        "app/Cargo.toml",
        "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n[dependencies]\nleases = { path = \"../leases\" }\n",
    );
    write(
        root,
        "app/src/lib.rs",
        "use leases::Lease;\n\
         async fn tick() {}\n\
         pub async fn leased(l: Lease) {\n    tick().await;\n    drop(l);\n}\n\
         pub async fn ticket(t: leases::lease::Ticket) {\n    tick().await;\n    drop(t);\n}\n\
         pub async fn plain(p: leases::lease::Plain) {\n    tick().await;\n    drop(p);\n}\n",
    );
    let app = root.join("app");
    assert_eq!(
        findings(&app, None, false),
        [
            "src/lib.rs:3 must_not_suspend",
            "src/lib.rs:7 must_not_suspend"
        ]
    );
    assert_eq!(findings(&app, None, true), Vec::<String>::new());
}
