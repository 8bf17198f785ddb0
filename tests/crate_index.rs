//! Resolution across the files of a crate: a lock wrapper, a guard-returning
//! helper and a re-exported `Mutex` declared in one file are known in another.

use std::path::Path;

mod tree;
use tree::write;

fn findings(root: &Path) -> Vec<String> {
    tree::findings(root, false)
}

#[test]
fn wrappers_helpers_and_reexports_in_other_files() {
    let dir = tree::package();
    let root = dir.path();
    write(
        root,
        "src/lib.rs",
        "pub mod lock;\npub mod sync;\npub mod state;\npub mod user;\n",
    );
    // A crate-local wrapper whose `lock` returns std's guard.
    write(
        root,
        "src/lock.rs",
        "use std::sync::MutexGuard;\n\
         pub struct Lock<T>(std::sync::Mutex<T>);\n\
         impl<T> Lock<T> {\n    pub fn lock(&self) -> MutexGuard<'_, T> {\n        self.0.lock().unwrap_or_else(|e| e.into_inner())\n    }\n}\n",
    );
    // A re-export of std's Mutex under the crate's own path.
    write(
        root,
        "src/sync.rs",
        "pub use std::sync::Mutex;\npub use tokio::sync::Mutex as AsyncMutex;\n",
    );
    // A struct whose fields are declared here and used elsewhere.
    write(
        root,
        "src/state.rs",
        "use crate::lock::Lock;\nuse crate::sync::{AsyncMutex, Mutex};\n\
         pub struct State {\n    pub wrapped: Lock<Vec<u8>>,\n    pub plain: Mutex<u32>,\n    pub asynchronous: AsyncMutex<u32>,\n}\n\
         pub fn snapshot(s: &State) -> std::sync::MutexGuard<'_, u32> {\n    s.plain.lock().unwrap()\n}\n",
    );
    write(
        root,
        "src/user.rs",
        "use crate::state::{snapshot, State};\n\
         async fn yield_now() {}\n\
         pub async fn wrapped(state: &State) {\n    let g = state.wrapped.lock();\n    yield_now().await;\n}\n\
         pub async fn plain(state: &State) {\n    let g = state.plain.lock();\n    yield_now().await;\n}\n\
         pub async fn helper(state: &State) {\n    let g = snapshot(state);\n    yield_now().await;\n}\n\
         pub async fn fine(state: &State) {\n    let g = state.asynchronous.lock().await;\n    yield_now().await;\n}\n",
    );
    assert_eq!(
        findings(root),
        vec![
            "src/user.rs:4 await_holding_lock",
            "src/user.rs:8 await_holding_lock",
            "src/user.rs:12 await_holding_lock",
        ]
    );
}

#[test]
fn an_ambiguous_name_is_not_guessed() {
    let dir = tree::package();
    let root = dir.path();
    // Two types called `Pool` with a `get` method: one returns a guard, one not.
    write(
        root,
        "src/a.rs",
        "pub struct Pool(std::sync::Mutex<u8>);\nimpl Pool {\n    pub fn get(&self) -> std::sync::MutexGuard<'_, u8> {\n        self.0.lock().unwrap()\n    }\n}\n",
    );
    write(
        root,
        "src/b.rs",
        "pub struct Pool;\nimpl Pool {\n    pub fn get(&self) -> u8 {\n        0\n    }\n}\n",
    );
    write(
        root,
        "src/c.rs",
        "pub struct Holder {\n    pub pool: Pool,\n}\nasync fn yield_now() {}\npub async fn f(h: &Holder) {\n    let g = h.pool.get();\n    yield_now().await;\n}\n",
    );
    assert_eq!(findings(root), Vec::<String>::new());
}

/// A static (plain or `lazy_static!`) declared in one file is known by its type where
/// another file uses it: `STATE.try_lock()` is std's, `QUEUE.lock()` an async mutex's.
#[test]
fn statics_of_other_files() {
    let dir = tree::package();
    let root = dir.path();
    write(
        root,
        "src/lib.rs",
        "#[macro_use] extern crate lazy_static;\npub mod globals;\npub mod user;\n",
    );
    write(
        root,
        "src/globals.rs",
        "use std::sync::Mutex;\n\
         pub static STATE: Mutex<u32> = Mutex::new(0);\n\
         lazy_static! {\n    pub static ref TABLE: std::sync::RwLock<Vec<u8>> = std::sync::RwLock::new(Vec::new());\n}\n\
         pub static QUEUE: tokio::sync::Mutex<u32> = tokio::sync::Mutex::const_new(0);\n",
    );
    write(
        root,
        "src/user.rs",
        "use crate::globals::{QUEUE, STATE, TABLE};\n\
         async fn tick() {}\n\
         pub async fn held() {\n    if let Ok(g) = STATE.try_lock() {\n        tick().await;\n    }\n}\n\
         pub async fn read() {\n    if let Ok(r) = TABLE.try_read() {\n        tick().await;\n    }\n}\n\
         pub async fn fine() {\n    let q = QUEUE.lock().await;\n    tick().await;\n}\n",
    );
    assert_eq!(
        findings(root),
        [
            "src/user.rs:4 await_holding_lock",
            "src/user.rs:9 await_holding_lock"
        ]
    );
}

/// Another file's fns without a receiver are never what a method call or a module
/// path call reaches: `x.snapshot()` is not the free `snapshot(..)`, and
/// `pool::checkout()` is not `Pool::checkout()` declared in an impl.
#[test]
fn method_and_path_calls_do_not_reach_other_fns() {
    let dir = tree::package();
    let root = dir.path();
    write(root, "src/lib.rs", "pub mod pool;\npub mod user;\n");
    write(
        root,
        "src/pool.rs",
        "use std::sync::{Mutex, MutexGuard};\n\
         static M: Mutex<u32> = Mutex::new(0);\n\
         pub fn snapshot(_: &str) -> MutexGuard<'static, u32> {\n    M.lock().unwrap()\n}\n\
         pub struct Pool;\n\
         impl Pool {\n    pub fn checkout() -> MutexGuard<'static, u32> {\n        M.lock().unwrap()\n    }\n}\n",
    );
    write(
        root,
        "src/user.rs",
        "async fn tick() {}\n\
         pub async fn method(x: &other::Thing) {\n    let g = x.snapshot();\n    tick().await;\n}\n\
         pub async fn path() {\n    let g = pool::checkout();\n    tick().await;\n}\n\
         pub async fn real() {\n    let g = crate::pool::snapshot(\"\");\n    tick().await;\n}\n",
    );
    assert_eq!(findings(root), ["src/user.rs:11 await_holding_lock"]);
}

/// A `macro_rules!` of another file (`#[macro_use] mod`, `#[macro_export]`) is
/// analysed as its expansion where it is called, repetitions included; a name two
/// files declare differently, one of std's, one the calling file imports, and one its
/// own file declares only after the call are not expanded.
#[test]
fn macro_rules_of_other_files_expand_where_called() {
    let dir = tree::package();
    let root = dir.path();
    write(
        root,
        "src/lib.rs",
        "#[macro_use]\nmod macros;\nmod imports;\nmod other;\nmod user;\n",
    );
    write(
        root,
        "src/macros.rs",
        "macro_rules! enter {\n    ($m:expr) => {\n        let _section = $m.lock().unwrap();\n    };\n}\n\
         #[macro_export]\nmacro_rules! wait_all {\n    ($($f:expr),+ $(,)?) => { $( $f.await; )+ };\n}\n\
         macro_rules! twice {\n    ($m:expr) => { $m.lock().unwrap() };\n}\n",
    );
    // Another `twice`, different: a name two files declare differently is not
    // guessed (textual scope across files is not modelled).
    // `other` is no `#[macro_use]` module: its `dbg` does not shadow std's and its
    // `debug` is not the one a file importing `tracing::debug` calls.
    write(
        root,
        "src/other.rs",
        "macro_rules! twice {\n    ($m:expr) => { *$m.lock().unwrap() };\n}\n\
         macro_rules! dbg {\n    ($m:expr) => { let _held = $m.lock().unwrap(); };\n}\n\
         macro_rules! debug {\n    ($m:expr) => { let _held = $m.lock().unwrap(); };\n}\n",
    );
    write(
        root,
        "src/user.rs",
        "use std::sync::Mutex;\n\
         async fn tick() {}\n\
         pub async fn section(m: &Mutex<u32>) {\n    enter!(m);\n    tick().await;\n}\n\
         pub async fn scoped(m: &Mutex<u32>) {\n    {\n        enter!(m);\n    }\n    tick().await;\n}\n\
         pub async fn waits(m: &Mutex<u32>) {\n    let g = m.lock().unwrap();\n    wait_all!(tick(), tick());\n}\n\
         pub async fn ambiguous(m: &Mutex<u32>) {\n    let v = twice!(m);\n    tick().await;\n}\n",
    );
    write(
        root,
        "src/imports.rs",
        "use std::sync::Mutex;\nuse tracing::debug;\n\
         async fn tick() {}\n\
         pub async fn std_and_imported(m: &Mutex<u32>) {\n    dbg!(m);\n    debug!(m);\n    tick().await;\n}\n\
         pub async fn declared_later(m: &Mutex<u32>) {\n    later!(m);\n    tick().await;\n}\n\
         macro_rules! later {\n    ($m:expr) => { let _held = $m.lock().unwrap(); };\n}\n",
    );
    let expected = vec![
        "src/user.rs:4 await_holding_lock",
        "src/user.rs:14 await_holding_lock",
    ];
    assert_eq!(findings(root), expected);
    assert_eq!(tree::findings(root, true), expected);
}

/// Which of two declarations behind `#[cfg(feature)]`s is meant follows the
/// package's manifest (default features) and cargo's feature flags, in the file
/// that declares them and in the files that use them.
#[test]
fn the_manifest_features_choose_between_declarations() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "Cargo.toml",
        format!(
            "{}[features]\ndefault = [\"local\"]\nlocal = [\"rc\"]\nrc = []\n",
            tree::MANIFEST
        ),
    );
    write(root, "src/lib.rs", "mod count;\nmod user;\n");
    write(
        root,
        "src/count.rs",
        "#[cfg(feature = \"rc\")]\npub type RefCount<T> = std::rc::Rc<T>;\n\
         #[cfg(not(feature = \"rc\"))]\npub type RefCount<T> = std::sync::Arc<T>;\n",
    );
    write(
        root,
        "src/user.rs",
        "use crate::count::RefCount;\nasync fn tick() {}\n\
         pub async fn shared(v: RefCount<u32>) {\n    tick().await;\n    let _ = v;\n}\n",
    );
    let run = |no_default_features: bool, full_parse: bool| {
        let mut levels = yieldsafe::LintLevels::default();
        levels.set("future_not_send", yieldsafe::diagnostic::Level::Warn);
        let mut options = yieldsafe::Options {
            paths: vec![root.to_path_buf()],
            levels,
            full_parse,
            ..yieldsafe::Options::default()
        };
        options.features.no_default_features = no_default_features;
        let report = yieldsafe::run(&options);
        assert!(report.problems.is_empty(), "{:?}", report.problems);
        tree::relative_findings(&report, root)
    };
    for full_parse in [false, true] {
        // `default` turns on `local`, which turns on `rc`: the `Rc` is built.
        assert_eq!(run(false, full_parse), ["src/user.rs:3 future_not_send"]);
        assert_eq!(run(true, full_parse), Vec::<String>::new());
    }
}
