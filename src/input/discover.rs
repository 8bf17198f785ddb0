//! Discovery: walk the given paths for `.rs` files (skipping `target/`, hidden
//! directories and excluded globs, not following symlinks), and tell each file's
//! edition from the nearest `Cargo.toml` (with workspace inheritance). Files are
//! named as cargo and rustc name them: relative stays relative, without a leading
//! `./` (a walk of `.` finds `src/lib.rs`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use globset::GlobSet;

use crate::diagnostic::Problem;
use crate::input::edition::Edition;

/// A file to check.
#[derive(Debug, Clone)]
pub struct SourcePath {
    /// As the user will see it (relative stays relative).
    pub path: Arc<Path>,
    pub edition: Edition,
    /// The directory of the package (`Cargo.toml`) the file belongs to.
    pub package: Option<Arc<Path>>,
}

/// Every `.rs` file under `paths`, in a stable order, the problems met, and notes
/// about what was skipped on purpose: symbolic links (never followed) and special
/// files (FIFOs, sockets, devices) named `*.rs`, or given as a path.
pub fn discover(
    paths: &[PathBuf],
    exclude: &GlobSet,
    edition_override: Option<Edition>,
) -> (Vec<SourcePath>, Vec<Problem>, Vec<Problem>) {
    let mut found = Found::default();
    for root in paths {
        match std::fs::metadata(root) {
            Ok(meta) if meta.is_file() => found.files.push(without_cur_dir(root)),
            Ok(meta) if meta.is_dir() => found.walk(root, exclude),
            Ok(_) => found.skip(root, NOT_REGULAR),
            Err(e) => found.problems.push(Problem {
                file: Some(Arc::from(root.as_path())),
                position: None,
                message: format!("cannot read this path: {e}"),
            }),
        }
    }
    let Found {
        mut files,
        mut problems,
        notes,
    } = found;
    files.sort();
    files.dedup();
    if paths.len() > 1 {
        // One file named twice (`a.rs ./a.rs`, or inside a directory also given) is
        // checked, and fixed, once: under the first of its names.
        let mut seen = std::collections::HashSet::new();
        files.retain(|f| seen.insert(std::fs::canonicalize(f).unwrap_or_else(|_| f.clone())));
    }
    let mut editions = EditionCache::default();
    let out = files
        .into_iter()
        .map(|path| {
            let (edition, package) = editions.edition_of(&path, &mut problems);
            SourcePath {
                path: Arc::from(path.as_path()),
                edition: edition_override.unwrap_or(edition),
                package,
            }
        })
        .collect();
    (out, problems, notes)
}

const NOT_REGULAR: &str = "not a regular file (a FIFO, socket or device is never read)";

/// What a walk found: files, problems, and what it skipped on purpose.
#[derive(Default)]
struct Found {
    files: Vec<PathBuf>,
    problems: Vec<Problem>,
    notes: Vec<Problem>,
}

impl Found {
    fn skip(&mut self, path: &Path, what: &str) {
        self.notes.push(Problem {
            file: Some(Arc::from(path)),
            position: None,
            message: format!("skipped: {what}"),
        });
    }

    /// The `.rs` files below directory `root`, hidden directories, `target/` and
    /// excluded paths skipped, links not followed.
    fn walk(&mut self, root: &Path, exclude: &GlobSet) {
        let walker = walkdir::WalkDir::new(root)
            .follow_links(false)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| e.depth() == 0 || !skipped_dir(e, exclude));
        for entry in walker {
            match entry {
                Ok(e) => {
                    let rs = e.path().extension().is_some_and(|x| x == "rs");
                    let ft = e.file_type();
                    if ft.is_file() && rs && !excluded(exclude, e.path()) {
                        self.files.push(without_cur_dir(e.path()));
                    } else if ft.is_symlink() && !excluded(exclude, e.path()) {
                        self.skip(e.path(), "a symbolic link (links are not followed)");
                    } else if rs && !ft.is_file() && !ft.is_dir() {
                        self.skip(e.path(), NOT_REGULAR);
                    }
                }
                // A directory loop is no error: its files are walked once already.
                Err(e) if e.loop_ancestor().is_some() => {}
                Err(e) => self.problems.push(Problem {
                    file: e.path().map(Arc::from),
                    position: None,
                    message: format!(
                        "cannot read this path: {}",
                        e.io_error()
                            .map(|io| io.to_string())
                            .unwrap_or_else(|| e.to_string())
                    ),
                }),
            }
        }
    }
}

/// `path` without its leading `.` components (`./src/lib.rs` is `src/lib.rs`); `.`
/// alone stays.
fn without_cur_dir(path: &Path) -> PathBuf {
    let mut components = path.components().peekable();
    while components.peek() == Some(&std::path::Component::CurDir) {
        components.next();
    }
    let rest: PathBuf = components.collect();
    if rest.as_os_str().is_empty() {
        path.to_path_buf()
    } else {
        rest
    }
}

/// Exclude globs are written relative to where the tool runs: `./src/x.rs` (from
/// walking `.`) is matched as `src/x.rs`.
fn excluded(exclude: &GlobSet, path: &Path) -> bool {
    exclude.is_match(path) || path.strip_prefix(".").is_ok_and(|p| exclude.is_match(p))
}

fn skipped_dir(e: &walkdir::DirEntry, exclude: &GlobSet) -> bool {
    let name = e.file_name().to_string_lossy();
    e.file_type().is_dir() && (name.starts_with('.') || name == "target")
        || excluded(exclude, e.path())
}

/// Editions by directory, read from `Cargo.toml` files once each.
#[derive(Default)]
struct EditionCache {
    by_dir: HashMap<PathBuf, Option<Edition>>,
}

impl EditionCache {
    /// The edition of the crate `file` belongs to (2021 outside any crate), and
    /// the package directory.
    fn edition_of(
        &mut self,
        file: &Path,
        problems: &mut Vec<Problem>,
    ) -> (Edition, Option<Arc<Path>>) {
        let abs = std::fs::canonicalize(file).unwrap_or_else(|_| file.to_path_buf());
        let mut dir = abs.parent();
        while let Some(d) = dir {
            if let Some(found) = self.manifest_edition(d, problems) {
                return (found, Some(Arc::from(d)));
            }
            dir = d.parent();
        }
        (Edition::default(), None)
    }

    /// The edition of the package whose manifest is in `dir`, if there is one.
    fn manifest_edition(&mut self, dir: &Path, problems: &mut Vec<Problem>) -> Option<Edition> {
        if let Some(known) = self.by_dir.get(dir) {
            return *known;
        }
        let manifest = dir.join("Cargo.toml");
        let result = match read_manifest(&manifest) {
            None => None,
            Some(Err(msg)) => {
                problems.push(Problem {
                    file: Some(Arc::from(manifest.as_path())),
                    position: None,
                    message: msg,
                });
                None
            }
            Some(Ok(toml)) => match package_edition(&toml) {
                PackageEdition::NotAPackage => None,
                PackageEdition::Literal(e) => Some(e),
                // Cargo's default when a package names none.
                PackageEdition::Missing => Some(Edition::E2015),
                PackageEdition::Invalid(msg) => {
                    problems.push(Problem {
                        file: Some(Arc::from(manifest.as_path())),
                        position: None,
                        message: msg,
                    });
                    Some(Edition::default())
                }
                PackageEdition::Workspace => Some(workspace_edition(dir, problems)),
            },
        };
        self.by_dir.insert(dir.to_path_buf(), result);
        result
    }
}

fn read_manifest(path: &Path) -> Option<Result<toml::Table, String>> {
    let text = crate::input::fs::read_regular_text(path).ok()?;
    Some(
        text.parse::<toml::Table>()
            .map_err(|e| format!("cannot parse this manifest: {}", e.message())),
    )
}

enum PackageEdition {
    NotAPackage,
    Literal(Edition),
    Missing,
    Workspace,
    Invalid(String),
}

fn package_edition(manifest: &toml::Table) -> PackageEdition {
    let Some(package) = manifest.get("package").and_then(|p| p.as_table()) else {
        return PackageEdition::NotAPackage;
    };
    match package.get("edition") {
        None => PackageEdition::Missing,
        Some(toml::Value::String(s)) => match s.parse() {
            Ok(e) => PackageEdition::Literal(e),
            Err(msg) => PackageEdition::Invalid(format!("`package.edition`: {msg}")),
        },
        Some(toml::Value::Table(t))
            if t.get("workspace").and_then(|w| w.as_bool()) == Some(true) =>
        {
            PackageEdition::Workspace
        }
        Some(_) => PackageEdition::Invalid(
            "`package.edition` must be a string such as \"2021\" or `{ workspace = true }`".into(),
        ),
    }
}

/// `workspace.package.edition` of the nearest enclosing workspace root.
fn workspace_edition(member_dir: &Path, problems: &mut Vec<Problem>) -> Edition {
    let mut dir = member_dir.parent();
    // A package can be its own workspace root too.
    let mut candidates = vec![member_dir.to_path_buf()];
    while let Some(d) = dir {
        candidates.push(d.to_path_buf());
        dir = d.parent();
    }
    for d in candidates {
        let manifest = d.join("Cargo.toml");
        let Some(Ok(toml)) = read_manifest(&manifest) else {
            continue;
        };
        let Some(ws) = toml.get("workspace").and_then(|w| w.as_table()) else {
            continue;
        };
        let edition = ws
            .get("package")
            .and_then(|p| p.get("edition"))
            .and_then(|e| e.as_str());
        return match edition.map(str::parse::<Edition>) {
            Some(Ok(e)) => e,
            Some(Err(msg)) => {
                problems.push(Problem {
                    file: Some(Arc::from(manifest.as_path())),
                    position: None,
                    message: format!("`workspace.package.edition`: {msg}"),
                });
                Edition::default()
            }
            None => Edition::E2015,
        };
    }
    Edition::default()
}
