//! Paths resolved through a crate's module tree: which file is which module (`mod.rs`,
//! `name.rs` + `name/`, `#[path]`, inline modules), and what a module brings in
//! with `use`, `pub use` and globs. A name that two modules bind differently is
//! resolved by the path that reaches it.

use std::path::Path;

mod tree;
use tree::write;

/// The findings, the same whether the crate is indexed on demand or up front.
fn both_ways(root: &Path) -> Vec<String> {
    let lazy = tree::findings(root, false);
    assert_eq!(lazy, tree::findings(root, true), "--full-parse differs");
    lazy
}

const YIELD: &str = "async fn yield_now() {}\n";

#[test]
fn sibling_modules_reexport_different_mutexes() {
    let dir = tree::package();
    let root = dir.path();
    write(
        root,
        "src/lib.rs",
        "pub mod blocking;\npub mod nonblocking;\npub mod net;\n",
    );
    // Both modules export a `Mutex`: by name alone it cannot be told which is meant.
    write(root, "src/blocking/mod.rs", "pub use std::sync::Mutex;\n");
    write(root, "src/nonblocking.rs", "pub use tokio::sync::Mutex;\n");
    // `net.rs` + `net/conn.rs`: the child of a non-`mod.rs` file is in its directory.
    write(root, "src/net.rs", "mod conn;\n");
    write(
        root,
        "src/net/conn.rs",
        format!(
            "use crate::blocking::Mutex;\nuse super::super::nonblocking::Mutex as AsyncMutex;\n{YIELD}\
             pub async fn held(m: &Mutex<u32>) {{\n    let g = m.lock().unwrap();\n    yield_now().await;\n}}\n\
             pub async fn awaited(m: &AsyncMutex<u32>) {{\n    let g = m.lock().await;\n    yield_now().await;\n}}\n"
        ),
    );
    assert_eq!(
        both_ways(root),
        vec!["src/net/conn.rs:5 await_holding_lock"]
    );
}

#[test]
fn path_attributes_and_glob_reexports() {
    let dir = tree::package();
    let root = dir.path();
    write(
        root,
        "src/lib.rs",
        "pub mod sync;\npub mod fast;\nmod user;\n",
    );
    // `sync` takes its items from a file `#[path]` names, through a glob.
    write(
        root,
        "src/sync.rs",
        "#[path = \"platform/std_impl.rs\"]\nmod imp;\npub use self::imp::*;\n",
    );
    write(
        root,
        "src/platform/std_impl.rs",
        "pub use std::sync::Mutex as Lock;\n",
    );
    write(
        root,
        "src/fast.rs",
        "mod inner {\n    pub use tokio::sync::Mutex as Lock;\n}\npub use inner::Lock;\n",
    );
    write(
        root,
        "src/user.rs",
        format!(
            "use crate::sync::Lock;\nuse crate::fast::Lock as FastLock;\n{YIELD}\
             pub struct Shared {{\n    pub slow: Lock<u32>,\n    pub fast: FastLock<u32>,\n}}\n\
             pub async fn slow(s: &Shared) {{\n    let g = s.slow.lock();\n    yield_now().await;\n}}\n\
             pub async fn fast(s: &Shared) {{\n    let g = s.fast.lock();\n    yield_now().await;\n}}\n"
        ),
    );
    assert_eq!(both_ways(root), vec!["src/user.rs:9 await_holding_lock"]);
}

#[test]
fn a_child_sees_its_parents_imports_through_use_super_glob() {
    let dir = tree::package();
    let root = dir.path();
    write(root, "src/lib.rs", "mod plain;\nmod awaited;\n");
    for (module, import) in [
        ("plain", "std::sync::Mutex"),
        ("awaited", "tokio::sync::Mutex"),
    ] {
        write(
            root,
            &format!("src/{module}/mod.rs"),
            format!("use {import};\nmod worker;\npub struct Queue {{\n    pub items: Mutex<Vec<u8>>,\n}}\n"),
        );
        write(
            root,
            &format!("src/{module}/worker.rs"),
            format!(
                "use super::*;\n{YIELD}\
                 pub async fn drain(m: &Mutex<Vec<u8>>) {{\n    let g = m.lock();\n    yield_now().await;\n}}\n\
                 pub async fn field(q: &Queue) {{\n    let g = q.items.lock();\n    yield_now().await;\n}}\n"
            ),
        );
    }
    assert_eq!(
        both_ways(root),
        vec![
            "src/plain/worker.rs:4 await_holding_lock",
            "src/plain/worker.rs:8 await_holding_lock",
        ]
    );
}

#[test]
fn same_named_types_are_told_apart_by_the_path_that_reaches_them() {
    let dir = tree::package();
    let root = dir.path();
    write(
        root,
        "src/lib.rs",
        "pub mod a;\npub mod b;\nmod c;\nmod d;\n",
    );
    // Two types called `Pool` with a `get` method: `a`'s returns a guard (from an impl
    // in another file of its module), `b`'s does not.
    write(
        root,
        "src/a/mod.rs",
        "mod impls;\npub struct Pool(pub(crate) std::sync::Mutex<u8>);\n",
    );
    write(
        root,
        "src/a/impls.rs",
        "use super::Pool;\nimpl Pool {\n    pub fn get(&self) -> std::sync::MutexGuard<'_, u8> {\n        self.0.lock().unwrap()\n    }\n}\n",
    );
    write(
        root,
        "src/b.rs",
        "pub struct Pool;\nimpl Pool {\n    pub fn get(&self) -> u8 {\n        0\n    }\n}\n",
    );
    for (file, import) in [("c", "crate::a::Pool"), ("d", "crate::b::Pool")] {
        write(
            root,
            &format!("src/{file}.rs"),
            format!(
                "use {import};\n{YIELD}\
                 pub struct Holder {{\n    pub pool: Pool,\n}}\n\
                 pub async fn f(h: &Holder, p: &Pool) {{\n    let g = h.pool.get();\n    let q = p.get();\n    yield_now().await;\n}}\n"
            ),
        );
    }
    assert_eq!(
        both_ways(root),
        vec![
            "src/c.rs:7 await_holding_lock",
            "src/c.rs:8 await_holding_lock"
        ]
    );
}

/// A type alias of another module stands for its type: a lock, a guard, a `RefCell`
/// (a generic alias too).
fn aliases_tree(root: &Path) {
    write(root, "src/lib.rs", "pub mod types;\npub mod user;\n");
    write(
        root,
        "src/types.rs",
        "use std::sync::{Arc, Mutex, MutexGuard};\n\
         pub type Shared = Arc<Mutex<Vec<u8>>>;\n\
         pub type Guard<'a> = MutexGuard<'a, Vec<u8>>;\n\
         pub type Cell<T> = std::cell::RefCell<T>;\n\
         pub type Quiet = Arc<tokio::sync::Mutex<u8>>;\n",
    );
    write(
        root,
        "src/user.rs",
        format!(
            "use crate::types::{{Cell, Guard, Quiet, Shared}};\n{YIELD}\
             fn grab(s: &Shared) -> Guard<'_> {{\n    s.lock().unwrap()\n}}\n\
             pub async fn a(s: Shared) {{\n    let g = s.lock();\n    yield_now().await;\n}}\n\
             pub async fn b(s: Shared) {{\n    let g = grab(&s);\n    yield_now().await;\n}}\n\
             pub async fn c(s: &Cell<u8>) {{\n    let g = s.borrow();\n    yield_now().await;\n}}\n\
             pub async fn d(s: Quiet) {{\n    let g = s.lock().await;\n    yield_now().await;\n}}\n"
        ),
    );
}

#[test]
fn aliases_of_other_modules() {
    let dir = tree::package();
    let root = dir.path();
    aliases_tree(root);
    assert_eq!(
        both_ways(root),
        vec![
            "src/user.rs:7 await_holding_lock",
            "src/user.rs:11 await_holding_lock",
            "src/user.rs:15 await_holding_refcell_ref",
        ]
    );
}

/// The tree is found the same when the package is given as a relative path (`.`):
/// the package directory is absolute, the files are not.
#[test]
fn a_relative_path_finds_the_same_tree() {
    let dir = tree::package();
    let root = dir.path();
    aliases_tree(root);
    let out = assert_cmd::Command::cargo_bin("yieldsafe")
        .unwrap()
        .current_dir(root)
        .args([".", "--format", "short"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = stdout.lines().filter(|l| l.contains("user.rs")).collect();
    assert_eq!(lines.len(), 3, "{stdout}");
}

/// Two types called `Conn` in two modules, one of them `#[must_not_suspend]`: a
/// value of the other is no hazard, whatever its name (rustc agrees).
#[test]
fn must_not_suspend_follows_the_declaration_a_path_reaches() {
    let dir = tree::package();
    let root = dir.path();
    write(
        root,
        "src/lib.rs",
        "pub mod a;\npub mod b;\npub mod user;\n",
    );
    write(
        root,
        "src/a.rs",
        "#[must_not_suspend = \"return it to the pool first\"]\npub struct Conn {\n    pub id: String,\n}\n\
         pub fn checkout() -> Conn {\n    Conn { id: String::new() }\n}\n",
    );
    write(
        root,
        "src/b.rs",
        "pub struct Conn {\n    pub id: String,\n}\n",
    );
    write(
        root,
        "src/user.rs",
        format!(
            "use crate::b::Conn;\nuse crate::a::Conn as Held;\n{YIELD}\
             pub async fn fine(c: Conn) {{\n    yield_now().await;\n    drop(c);\n}}\n\
             pub async fn literal() {{\n    let c = Conn {{ id: String::new() }};\n    yield_now().await;\n    drop(c);\n}}\n\
             pub async fn held(c: Held) {{\n    yield_now().await;\n    drop(c);\n}}\n\
             pub async fn by_path() {{\n    let c: crate::a::Conn = crate::a::checkout();\n    yield_now().await;\n    drop(c);\n}}\n"
        ),
    );
    assert_eq!(
        both_ways(root),
        vec![
            "src/user.rs:13 must_not_suspend",
            "src/user.rs:18 must_not_suspend"
        ]
    );
}

/// A field reached through another file's `impl Deref` (auto-deref).
#[test]
fn fields_through_deref_of_another_file() {
    let dir = tree::package();
    let root = dir.path();
    write(root, "src/lib.rs", "pub mod handle;\npub mod user;\n");
    write(
        root,
        "src/handle.rs",
        "use std::sync::{Arc, Mutex};\n\
         pub struct Inner {\n    pub state: Mutex<Vec<u8>>,\n}\n\
         pub struct Handle(Arc<Inner>);\n\
         impl std::ops::Deref for Handle {\n    type Target = Inner;\n    fn deref(&self) -> &Inner {\n        &self.0\n    }\n}\n",
    );
    write(
        root,
        "src/user.rs",
        format!(
            "use crate::handle::Handle;\n{YIELD}\
             pub async fn held(h: &Handle) {{\n    if let Ok(g) = h.state.try_lock() {{\n        yield_now().await;\n    }}\n}}\n"
        ),
    );
    assert_eq!(both_ways(root), vec!["src/user.rs:4 await_holding_lock"]);
}

/// Modules that glob-import each other in circles: every name is still resolved (or
/// not) once, without walking the circles, and the same in both modes.
#[test]
fn glob_imports_in_circles_end() {
    let dir = tree::package();
    let root = dir.path();
    let names: Vec<String> = (0..24).map(|i| format!("m{i}")).collect();
    let mut lib = String::new();
    for (i, name) in names.iter().enumerate() {
        lib.push_str(&format!("pub mod {name};\n"));
        let mut body: String = names
            .iter()
            .filter(|other| *other != name)
            .map(|other| format!("pub use crate::{other}::*;\n"))
            .collect();
        if i == 23 {
            body.push_str("pub use std::sync::Mutex;\n");
        }
        write(root, &format!("src/{name}.rs"), body);
    }
    lib.push_str("mod user;\n");
    write(root, "src/lib.rs", lib);
    write(
        root,
        "src/user.rs",
        format!(
            "use crate::m0::{{Missing, Mutex}};\n{YIELD}\
             pub async fn held(m: &Mutex<u8>, x: &Missing) {{\n    let g = m.lock();\n    yield_now().await;\n}}\n"
        ),
    );
    assert_eq!(both_ways(root), vec!["src/user.rs:4 await_holding_lock"]);
}

#[test]
fn fns_statics_and_associated_fns_of_other_files_through_their_paths() {
    let dir = tree::package();
    let root = dir.path();
    write(
        root,
        "src/lib.rs",
        "pub mod a;\npub mod m;\npub mod prelude;\npub mod other;\npub mod helpers;\nmod user;\n",
    );
    write(
        root,
        "src/a.rs",
        "use std::sync::{Mutex, MutexGuard};\n\
         pub fn lock_state(m: &Mutex<u32>) -> MutexGuard<'_, u32> { m.lock().unwrap() }\n",
    );
    write(
        root,
        "src/prelude.rs",
        "pub use crate::a::lock_state as state_of;\n",
    );
    write(
        root,
        "src/m.rs",
        "use std::sync::Mutex;\npub static S: Mutex<u32> = Mutex::new(0);\n",
    );
    write(
        root,
        "src/other.rs",
        "use std::sync::{Mutex, MutexGuard};\nstatic T: Mutex<u32> = Mutex::new(0);\npub struct State;\n\
         impl State { pub fn guard() -> MutexGuard<'static, u32> { T.lock().unwrap() } }\n",
    );
    write(
        root,
        "src/helpers.rs",
        "use std::ops::Deref;\nuse std::sync::Mutex;\n\
         pub fn deref_guard(m: &Mutex<u32>) -> impl Deref<Target = u32> + '_ { m.lock().unwrap() }\n\
         pub fn plain(m: &Mutex<u32>) -> impl Deref<Target = u32> + '_ { Box::new(*m.lock().unwrap()) }\n",
    );
    write(
        root,
        "src/user.rs",
        format!(
            "use crate::prelude::*;\nuse crate::m::{{self}};\nuse crate::other;\nuse std::sync::Mutex;\n{YIELD}\
             pub async fn reexported(s: &Mutex<u32>) {{\n    let g = state_of(s);\n    yield_now().await;\n}}\n\
             pub async fn module_static() {{\n    let g = m::S.lock().unwrap();\n    yield_now().await;\n}}\n\
             pub async fn assoc_path() {{\n    let g = other::State::guard();\n    yield_now().await;\n}}\n\
             pub async fn deref_helper(s: &Mutex<u32>) {{\n    let g = crate::helpers::deref_guard(s);\n    yield_now().await;\n}}\n\
             pub async fn owned_helper(s: &Mutex<u32>) {{\n    let g = crate::helpers::plain(s);\n    yield_now().await;\n}}\n"
        ),
    );
    assert_eq!(
        both_ways(root),
        vec![
            "src/user.rs:7 await_holding_lock",
            "src/user.rs:11 await_holding_lock",
            "src/user.rs:15 await_holding_lock",
            "src/user.rs:19 await_holding_lock",
        ]
    );
}
