//! Source trees for the tests that run on a whole tree: files written under a
//! temporary root, and findings told relative to it. (Each test crate uses what it
//! needs of this.)
#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};

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
