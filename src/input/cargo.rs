//! Cargo's view of a project, read from the manifests alone (`cargo metadata` would
//! run cargo, and through it build scripts): the workspace a manifest belongs to and
//! its members, each package's targets as cargo finds them (`[lib]`, `[[bin]]`,
//! `[[test]]`, ... and the discovered `src/main.rs`, `src/bin/`, `tests/`,
//! `benches/`, `examples/`, `build.rs`), and the command line's choice among them
//! as `cargo check` and `cargo clippy` take it: `-p`, `--workspace`, `--exclude`,
//! the target flags and the features.

use std::path::{Component, Path, PathBuf};

/// Which packages and targets to check, as cargo's flags say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    /// The manifest the run starts from (`--manifest-path`, else the nearest
    /// `Cargo.toml` of the current directory), as given.
    pub manifest: PathBuf,
    pub packages: PackageChoice,
    /// `--exclude NAME` (with `--workspace`).
    pub exclude: Vec<String>,
    pub targets: TargetChoice,
}

/// Cargo's package selection.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum PackageChoice {
    /// No flag: the package of the manifest, or a virtual manifest's default members.
    #[default]
    Current,
    /// `--workspace` (`--all`): every member.
    Workspace,
    /// `-p NAME`, repeatable.
    Named(Vec<String>),
}

/// Cargo's target flags; none set is cargo's default (the library and binaries).
/// The build script is always checked, as cargo always builds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TargetChoice {
    pub lib: bool,
    pub bins: bool,
    /// `--tests`: the targets with `test = true` (library, binaries, tests).
    pub tests: bool,
    /// `--benches`: the targets with `bench = true` (library, binaries, benches).
    pub benches: bool,
    pub examples: bool,
}

impl TargetChoice {
    /// `--all-targets`.
    pub fn all() -> TargetChoice {
        TargetChoice {
            lib: true,
            bins: true,
            tests: true,
            benches: true,
            examples: true,
        }
    }

    fn wants(&self, target: &Target) -> bool {
        let default = *self == TargetChoice::default();
        match target.kind {
            TargetKind::Build => true,
            TargetKind::Lib => default || self.lib || self.tests && target.test || self.benches,
            TargetKind::Bin => default || self.bins || self.tests && target.test || self.benches,
            TargetKind::Test => self.tests,
            TargetKind::Bench => self.benches,
            TargetKind::Example => self.examples,
        }
    }

    /// Whether the targets are built as tests, so that `#[cfg(test)]` code counts.
    pub fn cfg_test(&self) -> bool {
        self.tests
    }
}

/// Cargo's feature flags, as plain data for the `#[cfg(feature = "..")]` choice:
/// `--features a,b` (also `pkg/feat`), `--all-features`, `--no-default-features`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FeatureSelection {
    /// Each feature named, split at commas and spaces as cargo splits them.
    pub features: Vec<String>,
    pub all_features: bool,
    pub no_default_features: bool,
}

impl FeatureSelection {
    /// Add the features of one `--features` value (`"a,b c"`).
    pub fn add(&mut self, list: &str) {
        self.features.extend(
            list.split([',', ' '])
                .filter(|f| !f.is_empty())
                .map(str::to_owned),
        );
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetKind {
    Lib,
    Bin,
    Test,
    Bench,
    Example,
    Build,
}

/// One target of a package: its kind, name and crate root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub kind: TargetKind,
    pub name: String,
    /// Absolute.
    pub root: PathBuf,
    /// `test = true`: built by `cargo test` (and checked with `--tests`).
    pub test: bool,
}

/// A package of the workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    pub name: String,
    /// The package's directory, absolute.
    pub dir: PathBuf,
    pub targets: Vec<Target>,
}

/// A workspace (or a package that is its own) and the packages selected in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The workspace root directory, absolute: cargo's paths are relative to it.
    pub root: PathBuf,
    pub packages: Vec<Package>,
}

/// The crate roots of one package: those the selection wants, and all of them (a
/// file none of them reaches is stray; one only another target reaches is merely
/// not selected).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Roots {
    pub selected: Vec<PathBuf>,
    pub all: Vec<PathBuf>,
}

impl Plan {
    /// The crate roots of the package in `dir`.
    pub fn roots(&self, dir: &Path, targets: TargetChoice) -> Roots {
        let of_package = || {
            self.packages
                .iter()
                .filter(|p| p.dir == dir)
                .flat_map(|p| &p.targets)
        };
        Roots {
            selected: of_package()
                .filter(|t| targets.wants(t))
                .map(|t| t.root.clone())
                .collect(),
            all: of_package().map(|t| t.root.clone()).collect(),
        }
    }
}

/// A manifest or a selection that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {message}", file.display())]
pub struct CargoError {
    pub file: PathBuf,
    pub message: String,
}

/// The manifest cargo starts from in `dir`: the nearest `Cargo.toml` at or above it.
pub fn nearest_manifest(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .map(|d| d.join("Cargo.toml"))
        .find(|m| m.is_file())
}

/// The workspace of `selection.manifest` and the packages the selection names.
pub fn plan(selection: &Selection) -> Result<Plan, CargoError> {
    let manifest = absolute(&selection.manifest);
    let table = read(&manifest)?;
    if !table.contains_key("package") && !table.contains_key("workspace") {
        return Err(CargoError {
            file: selection.manifest.clone(),
            message: "this manifest has neither `[package]` nor `[workspace]`".into(),
        });
    }
    let (root, root_table) = workspace_root(&manifest, &table)?;
    let members = members(&root, &root_table)?;
    if !selection.exclude.is_empty() && selection.packages != PackageChoice::Workspace {
        return Err(CargoError {
            file: selection.manifest.clone(),
            message: "`--exclude` can only be used together with `--workspace`".into(),
        });
    }
    let chosen: Vec<Package> = match &selection.packages {
        PackageChoice::Workspace => members
            .into_iter()
            .filter(|p| !selection.exclude.iter().any(|e| spec_matches(e, &p.name)))
            .collect(),
        PackageChoice::Named(names) => named(names, members, &root)?,
        PackageChoice::Current => {
            let dir = manifest.parent().map(Path::to_path_buf).unwrap_or_default();
            if table.contains_key("package") {
                members.into_iter().filter(|p| p.dir == dir).collect()
            } else {
                default_members(&root, &root_table, members)?
            }
        }
    };
    Ok(Plan {
        root,
        packages: chosen,
    })
}

/// `-p` names (`name`, `name@version`, or a glob such as `serde_*`), each of which
/// must name a member.
fn named(names: &[String], members: Vec<Package>, root: &Path) -> Result<Vec<Package>, CargoError> {
    let missing: Vec<&String> = names
        .iter()
        .filter(|n| !members.iter().any(|p| spec_matches(n, &p.name)))
        .collect();
    if !missing.is_empty() {
        let list: Vec<String> = missing.iter().map(|n| format!("`{n}`")).collect();
        return Err(CargoError {
            file: root.join("Cargo.toml"),
            message: format!(
                "package(s) {} not found in workspace `{}`",
                list.join(", "),
                root.display()
            ),
        });
    }
    Ok(members
        .into_iter()
        .filter(|p| names.iter().any(|n| spec_matches(n, &p.name)))
        .collect())
}

/// Whether a package id spec (`name`, `name@1.2.3`, a glob) names package `name`.
fn spec_matches(spec: &str, name: &str) -> bool {
    let spec = spec.split('@').next().unwrap_or(spec);
    if spec.contains(['*', '?', '[']) {
        return globset::Glob::new(spec).is_ok_and(|g| g.compile_matcher().is_match(name));
    }
    spec == name
}

fn read(manifest: &Path) -> Result<toml::Table, CargoError> {
    let text = super::fs::read_regular_text(manifest).map_err(|e| CargoError {
        file: manifest.to_path_buf(),
        message: format!("cannot read this manifest: {e}"),
    })?;
    text.parse::<toml::Table>().map_err(|e| CargoError {
        file: manifest.to_path_buf(),
        message: format!("cannot parse this manifest: {}", e.message()),
    })
}

/// The workspace root of `manifest` and its table: the manifest itself when it has
/// `[workspace]`, the `package.workspace` it names, else the nearest ancestor with a
/// `[workspace]` whose members hold it, else the package alone.
fn workspace_root(
    manifest: &Path,
    table: &toml::Table,
) -> Result<(PathBuf, toml::Table), CargoError> {
    let dir = manifest.parent().map(Path::to_path_buf).unwrap_or_default();
    if table.contains_key("workspace") {
        return Ok((dir, table.clone()));
    }
    let named = table
        .get("package")
        .and_then(|p| p.get("workspace"))
        .and_then(toml::Value::as_str);
    if let Some(path) = named {
        let root = lexical(&dir.join(path));
        let root_table = read(&root.join("Cargo.toml"))?;
        return Ok((root, root_table));
    }
    for up in dir.ancestors().skip(1) {
        let candidate = up.join("Cargo.toml");
        if !candidate.is_file() {
            continue;
        }
        let Ok(up_table) = read(&candidate) else {
            continue;
        };
        if up_table.contains_key("workspace") {
            let holds = members(up, &up_table).is_ok_and(|m| m.iter().any(|p| p.dir == dir));
            if holds {
                return Ok((up.to_path_buf(), up_table));
            }
            break;
        }
    }
    Ok((dir, table.clone()))
}

/// The members of the workspace rooted at `root`: the root package, the `members`
/// globs less `exclude`, and the path dependencies of members inside the root.
fn members(root: &Path, table: &toml::Table) -> Result<Vec<Package>, CargoError> {
    let ws = table.get("workspace").and_then(toml::Value::as_table);
    let strings = |key: &str| -> Vec<String> {
        ws.and_then(|w| w.get(key))
            .and_then(toml::Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let excluded: Vec<PathBuf> = strings("exclude")
        .iter()
        .map(|e| lexical(&root.join(e)))
        .collect();
    let mut dirs: Vec<PathBuf> = Vec::new();
    if table.contains_key("package") {
        dirs.push(root.to_path_buf());
    }
    for pattern in strings("members") {
        dirs.extend(expand(root, &pattern));
    }
    let mut out: Vec<Package> = Vec::new();
    let mut i = 0;
    while i < dirs.len() {
        let dir = dirs[i].clone();
        i += 1;
        let is_excluded = excluded.iter().any(|e| dir.starts_with(e)) && dir != root;
        if is_excluded || out.iter().any(|p| p.dir == dir) {
            continue;
        }
        let manifest = dir.join("Cargo.toml");
        let member = read(&manifest)?;
        let Some(package) = package_of(&dir, &member) else {
            continue;
        };
        // Path dependencies inside the workspace are members too.
        dirs.extend(path_dependencies(&dir, &member).filter(|d| d.starts_with(root)));
        out.push(package);
    }
    Ok(out)
}

/// `default-members` if the workspace has them, else every member.
fn default_members(
    root: &Path,
    table: &toml::Table,
    members: Vec<Package>,
) -> Result<Vec<Package>, CargoError> {
    let patterns: Vec<String> = table
        .get("workspace")
        .and_then(|w| w.get("default-members"))
        .and_then(toml::Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    if patterns.is_empty() {
        return Ok(members);
    }
    let dirs: Vec<PathBuf> = patterns.iter().flat_map(|p| expand(root, p)).collect();
    Ok(members
        .into_iter()
        .filter(|m| dirs.contains(&m.dir))
        .collect())
}

/// The directories with a `Cargo.toml` that a `members` entry names (a path, or a
/// glob such as `crates/*`).
fn expand(root: &Path, pattern: &str) -> Vec<PathBuf> {
    if !pattern.contains(['*', '?', '[']) {
        return vec![lexical(&root.join(pattern))];
    }
    let Ok(glob) = globset::Glob::new(pattern) else {
        return Vec::new();
    };
    let matcher = glob.compile_matcher();
    // A glob's depth is its number of components; walk no deeper.
    let depth = Path::new(pattern).components().count();
    let mut out: Vec<PathBuf> = walkdir::WalkDir::new(root)
        .min_depth(1)
        .max_depth(depth)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_dir())
        .filter(|e| {
            e.path()
                .strip_prefix(root)
                .is_ok_and(|rel| matcher.is_match(rel))
        })
        .map(|e| e.into_path())
        .filter(|d| d.join("Cargo.toml").is_file())
        .collect();
    out.sort();
    out
}

/// The directories of the `path = ".."` dependencies of a manifest.
fn path_dependencies<'a>(
    dir: &'a Path,
    table: &'a toml::Table,
) -> impl Iterator<Item = PathBuf> + 'a {
    ["dependencies", "dev-dependencies", "build-dependencies"]
        .into_iter()
        .filter_map(|key| table.get(key).and_then(toml::Value::as_table))
        .flat_map(|deps| deps.values())
        .filter_map(|d| d.get("path").and_then(toml::Value::as_str))
        .map(|p| lexical(&dir.join(p)))
}

/// The package of the manifest `table` in `dir`, with its targets; `None` for a
/// virtual manifest.
fn package_of(dir: &Path, table: &toml::Table) -> Option<Package> {
    let package = table.get("package")?.as_table()?;
    let name = package.get("name")?.as_str()?.to_owned();
    let targets = targets(dir, &name, table);
    Some(Package {
        name,
        dir: dir.to_path_buf(),
        targets,
    })
}

/// The targets of the package `name` in `dir`, as cargo finds them: those the
/// manifest declares, then those of the standard layout unless `autobins = false`
/// (and so on), then the build script.
pub fn targets(dir: &Path, name: &str, table: &toml::Table) -> Vec<Target> {
    let package = table.get("package").and_then(toml::Value::as_table);
    let auto = |key: &str| {
        package
            .and_then(|p| p.get(key))
            .and_then(toml::Value::as_bool)
            .unwrap_or(true)
    };
    let mut out = Vec::new();
    let lib = table.get("lib");
    let lib_root = lib
        .and_then(|l| l.get("path"))
        .and_then(toml::Value::as_str)
        .map(|p| dir.join(p))
        .unwrap_or_else(|| dir.join("src/lib.rs"));
    if lib.is_some() || lib_root.is_file() {
        out.push(Target {
            kind: TargetKind::Lib,
            name: name.replace('-', "_"),
            test: flag(lib, "test"),
            root: lib_root,
        });
    }
    let kinds = [
        (TargetKind::Bin, "bin", "autobins", "src/bin"),
        (TargetKind::Test, "test", "autotests", "tests"),
        (TargetKind::Bench, "bench", "autobenches", "benches"),
        (TargetKind::Example, "example", "autoexamples", "examples"),
    ];
    for (kind, key, auto_key, sub) in kinds {
        let declared = declared_targets(dir, name, table, kind, key, sub);
        let mut found = if auto(auto_key) {
            discovered_targets(dir, name, kind, sub)
        } else {
            Vec::new()
        };
        found.retain(|t| {
            !declared
                .iter()
                .any(|d| d.root == t.root || d.name == t.name)
        });
        out.extend(declared);
        out.extend(found);
    }
    let build = package.and_then(|p| p.get("build"));
    let build_root = match build {
        Some(toml::Value::String(p)) => Some(dir.join(p)),
        Some(toml::Value::Boolean(false)) => None,
        _ => Some(dir.join("build.rs")).filter(|p| p.is_file()),
    };
    if let Some(root) = build_root {
        out.push(Target {
            kind: TargetKind::Build,
            name: "build-script-build".into(),
            root,
            test: false,
        });
    }
    out
}

/// `test = false` in a target's table turns it off; it is on by default.
fn flag(target: Option<&toml::Value>, key: &str) -> bool {
    target
        .and_then(|t| t.get(key))
        .and_then(toml::Value::as_bool)
        .unwrap_or(true)
}

/// The `[[bin]]` (or `[[test]]`, ...) entries, each with its `path` or cargo's
/// default for its name.
fn declared_targets(
    dir: &Path,
    package: &str,
    table: &toml::Table,
    kind: TargetKind,
    key: &str,
    sub: &str,
) -> Vec<Target> {
    let entries = table.get(key).and_then(toml::Value::as_array);
    entries
        .into_iter()
        .flatten()
        .filter_map(|entry| {
            let name = entry.get("name").and_then(toml::Value::as_str);
            let path = entry.get("path").and_then(toml::Value::as_str);
            let root = match (path, name) {
                (Some(p), _) => dir.join(p),
                (None, Some(n))
                    if kind == TargetKind::Bin
                        && n == package
                        && dir.join("src/main.rs").is_file() =>
                {
                    dir.join("src/main.rs")
                }
                (None, Some(n)) => {
                    let file = dir.join(sub).join(format!("{n}.rs"));
                    if file.is_file() {
                        file
                    } else {
                        dir.join(sub).join(n).join("main.rs")
                    }
                }
                (None, None) => return None,
            };
            let name = name
                .map(str::to_owned)
                .or_else(|| root.file_stem().map(|s| s.to_string_lossy().into_owned()))?;
            let test = flag(Some(entry), "test") && kind != TargetKind::Example;
            Some(Target {
                kind,
                name,
                root,
                test,
            })
        })
        .collect()
}

/// The targets of cargo's standard layout: `src/main.rs` (a binary named after the
/// package), and `sub/*.rs` and `sub/*/main.rs`.
fn discovered_targets(dir: &Path, package: &str, kind: TargetKind, sub: &str) -> Vec<Target> {
    let mut out = Vec::new();
    if kind == TargetKind::Bin && dir.join("src/main.rs").is_file() {
        out.push(Target {
            kind,
            name: package.to_owned(),
            root: dir.join("src/main.rs"),
            test: true,
        });
    }
    let Ok(entries) = std::fs::read_dir(dir.join(sub)) else {
        return out;
    };
    let mut found: Vec<(String, PathBuf)> = entries
        .flatten()
        .filter_map(|e| {
            let path = e.path();
            let name = path.file_stem()?.to_string_lossy().into_owned();
            if path.extension().is_some_and(|x| x == "rs") && path.is_file() {
                Some((name, path))
            } else {
                let main = path.join("main.rs");
                main.is_file().then_some((name, main))
            }
        })
        .collect();
    found.sort();
    out.extend(found.into_iter().map(|(name, root)| Target {
        kind,
        name,
        root,
        test: !matches!(kind, TargetKind::Example | TargetKind::Bench),
    }));
    out
}

/// `path` made absolute against the current directory, `.` and `..` taken out
/// lexically (as cargo treats manifest paths).
pub fn absolute(path: &Path) -> PathBuf {
    lexical(&std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()))
}

fn lexical(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// `path` (absolute) as the user would name it from `cwd` (absolute): relative,
/// with `..` up to the nearest common directory, unless that is the file system's
/// root; `.` for `cwd` itself.
pub fn shown_from(cwd: &Path, path: &Path) -> PathBuf {
    let common: PathBuf = cwd
        .components()
        .zip(path.components())
        .take_while(|(a, b)| a == b)
        .map(|(a, _)| a)
        .collect();
    if common.parent().is_none() {
        return path.to_path_buf();
    }
    let up = cwd.components().count() - common.components().count();
    let mut out: PathBuf = (0..up).map(|_| "..").collect();
    out.push(path.strip_prefix(&common).unwrap_or(path));
    if out.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, files: &[(&str, &str)]) {
        for (rel, text) in files {
            let path = root.join(rel);
            std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
            std::fs::write(path, text).expect("write");
        }
    }

    fn names(plan: &Plan) -> Vec<&str> {
        plan.packages.iter().map(|p| p.name.as_str()).collect()
    }

    fn selection(manifest: PathBuf, packages: PackageChoice) -> Selection {
        Selection {
            manifest,
            packages,
            exclude: Vec::new(),
            targets: TargetChoice::default(),
        }
    }

    #[test]
    fn packages_as_cargo_selects_them() {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path();
        write(
            root,
            &[
                ("Cargo.toml", "[workspace]\nmembers = [\"crates/*\"]\nexclude = [\"crates/old\"]\ndefault-members = [\"crates/a\"]\n"),
                ("crates/a/Cargo.toml", "[package]\nname = \"a\"\n[dependencies]\nhelper = { path = \"../../helper\" }\n"),
                ("crates/b/Cargo.toml", "[package]\nname = \"b\"\n"),
                ("crates/old/Cargo.toml", "[package]\nname = \"old\"\n"),
                ("helper/Cargo.toml", "[package]\nname = \"helper\"\n"),
            ],
        );
        let ws = root.join("Cargo.toml");
        let current = plan(&selection(ws.clone(), PackageChoice::Current)).expect("plan");
        assert_eq!(names(&current), ["a"]);
        let all = plan(&selection(ws.clone(), PackageChoice::Workspace)).expect("plan");
        assert_eq!(names(&all), ["a", "b", "helper"]);
        let b = plan(&selection(
            root.join("crates/b/Cargo.toml"),
            PackageChoice::Current,
        ))
        .expect("plan");
        assert_eq!((names(&b), b.root.as_path()), (vec!["b"], root));
        let mut excluding = selection(ws.clone(), PackageChoice::Workspace);
        excluding.exclude = vec!["helper".into()];
        assert_eq!(names(&plan(&excluding).expect("plan")), ["a", "b"]);
        let e =
            plan(&selection(ws, PackageChoice::Named(vec!["nope".into()]))).expect_err("no nope");
        assert!(
            e.message
                .contains("package(s) `nope` not found in workspace"),
            "{e}"
        );
    }

    #[test]
    fn targets_of_the_standard_layout_and_the_manifest() {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path();
        write(
            root,
            &[
                ("Cargo.toml", "[package]\nname = \"p-q\"\nautoexamples = false\n[[bin]]\nname = \"tool\"\npath = \"cli/tool.rs\"\n[[test]]\nname = \"slow\"\ntest = false\n"),
                ("src/lib.rs", ""),
                ("src/main.rs", ""),
                ("src/bin/extra/main.rs", ""),
                ("cli/tool.rs", ""),
                ("tests/slow.rs", ""),
                ("tests/fast.rs", ""),
                ("examples/demo.rs", ""),
                ("build.rs", ""),
            ],
        );
        let table: toml::Table = std::fs::read_to_string(root.join("Cargo.toml"))
            .expect("read")
            .parse()
            .expect("toml");
        let got: Vec<(TargetKind, String, bool)> = targets(root, "p-q", &table)
            .into_iter()
            .map(|t| {
                let rel = t
                    .root
                    .strip_prefix(root)
                    .expect("inside")
                    .to_string_lossy()
                    .into_owned();
                (t.kind, rel, t.test)
            })
            .collect();
        use TargetKind::*;
        let want = [
            (Lib, "src/lib.rs", true),
            (Bin, "cli/tool.rs", true),
            (Bin, "src/main.rs", true),
            (Bin, "src/bin/extra/main.rs", true),
            (Test, "tests/slow.rs", false),
            (Test, "tests/fast.rs", true),
            (Build, "build.rs", false),
        ];
        let want: Vec<(TargetKind, String, bool)> = want
            .iter()
            .map(|(k, p, t)| (*k, p.to_string(), *t))
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn paths_are_shown_from_the_current_directory() {
        let p = |s: &str| PathBuf::from(s);
        assert_eq!(
            shown_from(&p("/w/a/src"), &p("/w/b/src/lib.rs")),
            p("../../b/src/lib.rs")
        );
        assert_eq!(shown_from(&p("/w"), &p("/w/b")), p("b"));
        assert_eq!(shown_from(&p("/w"), &p("/w")), p("."));
        assert_eq!(shown_from(&p("/w"), &p("/x/y")), p("/x/y"));
        let mut features = FeatureSelection::default();
        features.add("a,b c");
        features.add("p/d");
        assert_eq!(features.features, ["a", "b", "c", "p/d"]);
    }
}
