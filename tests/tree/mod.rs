//! Source trees for the tests that run on a whole tree: files written under a
//! temporary root, and findings told relative to it. (Each test crate uses what it
//! needs of this.)
#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};

/// The manifest of the package the crate tests write: `app`, edition 2021.
pub const MANIFEST: &str = "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n";

/// A temporary directory holding a package's manifest (`MANIFEST`) and nothing else.
pub fn package() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "Cargo.toml", MANIFEST);
    dir
}

/// The findings of a run on the tree at `root` (`--full-parse` or not), as
/// `relative_findings` tells them; the run must have no problem.
pub fn findings(root: &Path, full_parse: bool) -> Vec<String> {
    let report = yieldsafe::run(&yieldsafe::Options {
        paths: vec![root.to_path_buf()],
        full_parse,
        ..yieldsafe::Options::default()
    });
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    relative_findings(&report, root)
}

/// Write `bytes` to `root/rel`, creating the directories on the way.
pub fn write(root: &Path, rel: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
    let path = root.join(rel);
    fs::create_dir_all(path.parent().expect("a path under the root")).unwrap();
    fs::write(&path, bytes).unwrap();
    path
}

/// Each finding of `report` as `path:line lint`, the path relative to `root`.
pub fn relative_findings(report: &yieldsafe::Report, root: &Path) -> Vec<String> {
    report
        .diagnostics
        .iter()
        .map(|d| {
            let file = d.primary.file.strip_prefix(root).unwrap().display();
            format!("{file}:{} {}", d.primary.line, d.lint)
        })
        .collect()
}
