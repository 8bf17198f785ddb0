//! The packages of the open documents, each kept as a `PackageIndex`: built when a
//! document of it is first checked (its files discovered and scanned as a run does,
//! the open buffers in place of their files), dropped when its files or its
//! configuration change on disk, built again when next needed.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use crate::driver::{Options, PackageIndex};
use crate::input::discover::{self, SourcePath};
use crate::input::edition::Edition;

use super::documents::Documents;

/// The names of the files whose change on disk changes how a package is checked:
/// its manifest (targets, edition, `[lints]`) and the configuration files.
pub const CONFIG_FILES: [&str; 5] = [
    "Cargo.toml",
    "yieldsafe.toml",
    ".yieldsafe.toml",
    "clippy.toml",
    ".clippy.toml",
];

#[derive(Default)]
pub struct Workspace {
    options: Options,
    /// By package directory, or, for a file outside any package, by the file.
    indexes: HashMap<Arc<Path>, PackageIndex>,
}

impl Workspace {
    pub fn new() -> Workspace {
        Workspace {
            options: Options {
                per_package_config: true,
                // The dependencies' sources, where cargo keeps them.
                cargo_home: crate::input::deps::cargo_home(),
                ..Options::default()
            },
            indexes: HashMap::new(),
        }
    }

    /// Make sure an index has the file at `path`, building its package's if none
    /// has it: the error of that package's configuration, if it was just built.
    pub fn ensure_index(&mut self, path: &Path, open: &Documents) -> Option<String> {
        if self.indexes.values().any(|index| index.contains(path)) {
            return None;
        }
        let dir = package_dir(path);
        let members = match &dir {
            Some(dir) => package_members(dir, open),
            None => vec![SourcePath {
                path: Arc::from(path),
                edition: Edition::default(),
                package: None,
            }],
        };
        let config_error = dir.as_ref().and_then(|d| {
            crate::input::config::load(None, &[d.to_path_buf()])
                .err()
                .map(|e| e.to_string())
        });
        let mut index = PackageIndex::build(dir.clone(), members, &self.options);
        let buffers: Vec<_> = open.iter().filter(|d| index.contains(&d.path)).collect();
        for document in buffers {
            index.set_text(&document.path, Some(Arc::from(document.text.as_str())));
        }
        self.indexes
            .insert(dir.unwrap_or_else(|| Arc::from(path)), index);
        config_error
    }

    /// The index that has the file at `path`, if one was built.
    pub fn existing(&mut self, path: &Path) -> Option<&mut PackageIndex> {
        self.indexes.values_mut().find(|index| index.contains(path))
    }

    /// Forget the index of the package of `path` (its files changed on disk).
    pub fn forget_package_of(&mut self, path: &Path) {
        let dir = package_dir(path);
        self.indexes
            .retain(|key, index| !index.contains(path) && Some(key) != dir.as_ref());
    }

    /// Forget every index (a configuration file changed).
    pub fn forget_all(&mut self) {
        self.indexes.clear();
    }
}

/// The directory of the package (the nearest `Cargo.toml` with a `[package]`, as
/// discovery finds it) that the file at `path` belongs to.
pub fn package_dir(path: &Path) -> Option<Arc<Path>> {
    path.ancestors().skip(1).find_map(|dir| {
        let manifest = crate::input::fs::read_regular_text(&dir.join("Cargo.toml")).ok()?;
        let manifest = manifest.parse::<toml::Table>().ok()?;
        manifest
            .contains_key("package")
            .then(|| Arc::from(super::documents::canonical(dir).as_path()))
    })
}

/// The files of the package in `dir`, as a run discovers them, and the open
/// documents of it that are not on disk yet.
fn package_members(dir: &Arc<Path>, open: &Documents) -> Vec<SourcePath> {
    let (found, _, _) = discover::discover(&[dir.to_path_buf()], &globset::GlobSet::empty(), None);
    let mut members: Vec<SourcePath> = found
        .into_iter()
        .filter(|f| f.package.as_ref() == Some(dir))
        .collect();
    let edition = members.first().map_or(Edition::default(), |f| f.edition);
    for document in open.iter() {
        let new = document.path.starts_with(dir)
            && !members.iter().any(|m| m.path == document.path)
            && package_dir(&document.path).as_ref() == Some(dir);
        if new {
            members.push(SourcePath {
                path: document.path.clone(),
                edition,
                package: Some(dir.clone()),
            });
        }
    }
    members
}
