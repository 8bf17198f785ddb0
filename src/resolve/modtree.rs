//! The module tree of a package: which module of which crate each file is, from the
//! crate roots (`src/lib.rs`, `src/main.rs`, `src/bin/*.rs`, `tests/*.rs`,
//! `examples/*.rs`, `benches/*.rs`, `build.rs` and the manifest's `path =` entries)
//! and the files' `mod name;` declarations, as rustc finds them: `name.rs` or
//! `name/mod.rs` next to a crate root or `mod.rs` file (or a file loaded by
//! `#[path]`), `dir/name.rs` or `dir/name/mod.rs` for the other files `dir.rs`,
//! inline modules adding a directory each, and `#[path = ".."]` relative to the
//! declaring file's directory (and its inline modules' directories). Every `cfg`
//! alternative counts: a file is the module that any of them makes it. A file no
//! declaration reaches has no module here, and its names are resolved by name alone.

use crate::support::hash::HashMap;
use std::collections::VecDeque;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use crate::prefilter::scan::ModDecl;

/// A module of one of the package's crates.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Module {
    /// Which crate root (an index into `ModTree::roots`).
    pub root: usize,
    /// The module's path below the crate root (`["sync", "mutex"]`).
    pub path: Vec<String>,
}

#[derive(Debug, Default)]
pub struct ModTree {
    /// The crate roots, as indexes of files.
    pub roots: Vec<usize>,
    /// For each file, the module it is (the first crate root that reaches it wins).
    pub modules: Vec<Option<Module>>,
    /// Every module a file is, or an out-of-line declaration names, with its files.
    pub files_of: HashMap<Module, Vec<usize>>,
}

impl ModTree {
    /// The tree of a package in `dir` whose files (in a fixed order) declare `mods`.
    pub fn build(dir: Option<&Path>, files: &[(Arc<Path>, &[ModDecl])]) -> ModTree {
        let mut tree = ModTree {
            modules: vec![None; files.len()],
            ..ModTree::default()
        };
        let Some(dir) = dir else {
            return tree;
        };
        tree.place(&crate_roots(dir), files);
        tree
    }

    /// Which of `files` the crate roots `roots` reach through their `mod`
    /// declarations (the roots themselves included): the files a build of those
    /// targets compiles.
    pub fn reached(roots: &[PathBuf], files: &[(Arc<Path>, &[ModDecl])]) -> Vec<bool> {
        let mut tree = ModTree {
            modules: vec![None; files.len()],
            ..ModTree::default()
        };
        tree.place(roots, files);
        tree.modules.iter().map(Option::is_some).collect()
    }

    /// Place the files `roots` reach, each root a crate.
    fn place(&mut self, roots: &[PathBuf], files: &[(Arc<Path>, &[ModDecl])]) {
        let tree = self;
        let by_path: HashMap<PathBuf, usize> = files
            .iter()
            .enumerate()
            .map(|(i, (p, _))| (normalize(p), i))
            .collect();
        for root in roots {
            if let Some(&i) = by_path.get(&normalize(root)) {
                if !tree.roots.contains(&i) {
                    tree.roots.push(i);
                }
            }
        }
        // Breadth first from each root in turn: a file two roots reach (`#[path]`
        // into another target's directory) is the module of the first.
        for (r, &root) in tree.roots.clone().iter().enumerate() {
            let mut queue = VecDeque::new();
            if tree.modules[root].is_none() {
                tree.set(root, r, Vec::new());
                queue.push_back((root, true));
            }
            while let Some((file, owns_dir)) = queue.pop_front() {
                let Some(module) = tree.modules[file].clone() else {
                    continue;
                };
                let path = &files[file].0;
                let here = path.parent().unwrap_or(Path::new(""));
                for decl in files[file].1 {
                    let mut child = module.path.clone();
                    child.extend(decl.inline.iter().cloned());
                    child.push(decl.name.clone());
                    // Directory of this file's children (and inline modules).
                    let mut base = here.to_path_buf();
                    let nested = !decl.inline.is_empty();
                    if !owns_dir && (decl.path.is_none() || nested) {
                        if let Some(stem) = path.file_stem() {
                            base.push(stem);
                        }
                    }
                    for m in &decl.inline {
                        base.push(m);
                    }
                    let candidates: Vec<(PathBuf, bool)> = match &decl.path {
                        Some(p) => vec![(base.join(p), true)],
                        None => vec![
                            (base.join(format!("{}.rs", decl.name)), false),
                            (base.join(&decl.name).join("mod.rs"), true),
                        ],
                    };
                    for (candidate, owns) in candidates {
                        if let Some(&i) = by_path.get(&normalize(&candidate)) {
                            if tree.modules[i].is_none() {
                                tree.set(i, r, child.clone());
                                queue.push_back((i, owns));
                            }
                        }
                    }
                }
            }
        }
    }

    fn set(&mut self, file: usize, root: usize, path: Vec<String>) {
        let module = Module { root, path };
        self.files_of.entry(module.clone()).or_default().push(file);
        self.modules[file] = Some(module);
    }

    /// Whether the tree has a module (a file) at `module`.
    pub fn has_file_module(&self, module: &Module) -> bool {
        self.files_of.contains_key(module)
    }
}

/// The crate roots of the package in `dir`, the library's first.
fn crate_roots(dir: &Path) -> Vec<PathBuf> {
    let mut roots = Vec::new();
    let manifest = crate::input::fs::read_regular_text(&dir.join("Cargo.toml"))
        .ok()
        .and_then(|t| t.parse::<toml::Table>().ok());
    let target_path = |t: &toml::Value| t.get("path")?.as_str().map(|p| dir.join(p));
    if let Some(lib) = manifest
        .as_ref()
        .and_then(|m| m.get("lib"))
        .and_then(target_path)
    {
        roots.push(lib);
    }
    roots.push(dir.join("src/lib.rs"));
    roots.push(dir.join("src/main.rs"));
    for kind in ["bin", "test", "example", "bench"] {
        let declared = manifest
            .as_ref()
            .and_then(|m| m.get(kind))
            .and_then(toml::Value::as_array);
        roots.extend(declared.into_iter().flatten().filter_map(target_path));
    }
    roots.push(dir.join("build.rs"));
    for sub in ["src/bin", "tests", "examples", "benches"] {
        let Ok(entries) = std::fs::read_dir(dir.join(sub)) else {
            continue;
        };
        let mut found: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .flat_map(|p| {
                if p.extension().is_some_and(|e| e == "rs") {
                    vec![p]
                } else {
                    vec![p.join("main.rs")]
                }
            })
            .collect();
        found.sort();
        roots.extend(found);
    }
    roots
}

/// `path` made absolute (the package directory is, the files given as `.` are not),
/// with `.` left out and `..` taken back, without resolving links.
fn normalize(path: &Path) -> PathBuf {
    // An absolute path without `..` is its own answer: paths compare and hash by
    // their components, which leave `.` and doubled separators out already. Every
    // path of a dependency's files is such a path, and a tree looks each file up.
    if path.is_absolute() && !path.components().any(|c| c == Component::ParentDir) {
        return path.to_path_buf();
    }
    crate::input::cargo::absolute(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decl(inline: &[&str], name: &str, path: Option<&str>) -> ModDecl {
        ModDecl {
            inline: inline.iter().map(|s| s.to_string()).collect(),
            name: name.into(),
            path: path.map(str::to_string),
        }
    }

    /// The module of each file (`None`: not placed) of a package in
    /// `/nonexistent/pkg` whose files (relative to it) declare those modules.
    fn modules(files: Vec<(&str, Vec<ModDecl>)>) -> Vec<Option<String>> {
        let dir = Path::new("/nonexistent/pkg");
        let files: Vec<(Arc<Path>, Vec<ModDecl>)> = files
            .into_iter()
            .map(|(p, d)| (Arc::from(dir.join(p)), d))
            .collect();
        let view: Vec<(Arc<Path>, &[ModDecl])> = files
            .iter()
            .map(|(p, d)| (p.clone(), d.as_slice()))
            .collect();
        ModTree::build(Some(dir), &view)
            .modules
            .iter()
            .map(|m| m.as_ref().map(|m| m.path.join("::")))
            .collect()
    }

    #[test]
    fn layouts() {
        let got = modules(vec![
            (
                "src/lib.rs",
                vec![
                    decl(&[], "a", None),
                    decl(&[], "b", None),
                    decl(&["inl"], "c", None),
                    decl(&[], "sys", Some("platform/unix.rs")),
                ],
            ),
            ("src/a.rs", vec![decl(&[], "x", None)]),
            ("src/a/x.rs", vec![]),
            (
                "src/b/mod.rs",
                vec![decl(&[], "y", None), decl(&["n"], "z", Some("zz.rs"))],
            ),
            ("src/b/y.rs", vec![]),
            ("src/b/n/zz.rs", vec![]),
            ("src/inl/c.rs", vec![]),
            ("src/platform/unix.rs", vec![decl(&[], "w", None)]),
            ("src/platform/w.rs", vec![]),
            ("src/orphan.rs", vec![]),
        ]);
        let want = [
            Some(""),
            Some("a"),
            Some("a::x"),
            Some("b"),
            Some("b::y"),
            Some("b::n::z"),
            Some("inl::c"),
            Some("sys"),
            Some("sys::w"),
            None,
        ];
        let want: Vec<_> = want.iter().map(|w| w.map(str::to_string)).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn normalized_paths_are_the_same_keys() {
        let mut keys = HashMap::default();
        keys.insert(normalize(Path::new("/pkg/src/./a//b.rs")), 1);
        keys.insert(normalize(Path::new("/pkg/src/c/../d.rs")), 2);
        assert_eq!(keys.get(&normalize(Path::new("/pkg/src/a/b.rs"))), Some(&1));
        assert_eq!(keys.get(Path::new("/pkg/src/d.rs")), Some(&2));
    }

    /// Declarations that lead back to a file already placed (`#[path]` to the crate
    /// root, two `mod`s of one file) leave it where it was first placed.
    #[test]
    fn circles_end() {
        let got = modules(vec![
            (
                "src/lib.rs",
                vec![
                    decl(&[], "a", None),
                    decl(&[], "again", Some("lib.rs")),
                    decl(&[], "twice", Some("a.rs")),
                ],
            ),
            ("src/a.rs", vec![decl(&[], "up", Some("lib.rs"))]),
        ]);
        assert_eq!(got, vec![Some(String::new()), Some("a".to_string())]);
    }
}
