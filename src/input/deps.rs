//! Where a package's dependencies' sources are on disk, as cargo left them: the
//! `Cargo.lock` of its workspace names each package (name, version, source) and
//! what it depends on; a registry package's sources are in
//! `$CARGO_HOME/registry/src/<index>/<name>-<version>/`, a git one's under
//! `$CARGO_HOME/git/checkouts/`, a path dependency (a workspace member among them)
//! where the manifest says. Nothing is downloaded or run: a package whose sources
//! are not there is only counted as missing. Without a `Cargo.lock`, the path
//! dependencies of the manifests are still found.

use crate::support::hash::HashMap;
use std::path::{Path, PathBuf};

/// One package of the dependency graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DepPackage {
    pub name: String,
    /// Its source directory (where its `Cargo.toml` is), if on disk.
    pub dir: Option<PathBuf>,
    /// Whether those sources are cargo's downloads (a registry's or a git
    /// checkout's), which never change, unlike a path dependency's.
    pub downloaded: bool,
    /// The crates it depends on, by the name its code uses (`-` as `_`, renames
    /// applied), as indices into `DepGraph::packages`.
    pub deps: Vec<(String, usize)>,
}

/// The packages a checked package can reach through its dependencies.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DepGraph {
    pub packages: Vec<DepPackage>,
    /// The checked package's own dependencies, by the name its code uses.
    pub roots: Vec<(String, usize)>,
    /// Packages the lock names whose sources are not on disk.
    pub missing: usize,
}

/// The name a crate's code uses for a package: its lib name (`-` as `_`).
fn crate_name(package: &str) -> String {
    package.replace('-', "_")
}

fn read_toml(path: &Path) -> Option<toml::Table> {
    let text = crate::input::fs::read_regular_text(path).ok()?;
    text.parse::<toml::Table>().ok()
}

/// The directory cargo keeps its downloads in: `$CARGO_HOME`, else `~/.cargo`.
pub fn cargo_home() -> Option<PathBuf> {
    if let Some(home) = std::env::var_os("CARGO_HOME") {
        return Some(PathBuf::from(home));
    }
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo"))
}

/// The `Cargo.lock` of the package in `dir`: in it or in an ancestor (its workspace
/// root), the nearest.
fn find_lock(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .map(|d| d.join("Cargo.lock"))
        .find(|p| p.is_file())
}

/// A manifest's dependencies: (name its code uses, package name, path dir if a
/// path dependency), from every dependency table (also `[target.*]`'s).
fn manifest_deps(dir: &Path, table: &toml::Table) -> Vec<(String, String, Option<PathBuf>)> {
    manifest_deps_with_req(dir, table)
        .into_iter()
        .map(|(code, package, path, _)| (code, package, path))
        .collect()
}

/// `manifest_deps`, with each dependency's version requirement (`"1.2"`).
type ManifestDep = (String, String, Option<PathBuf>, Option<String>);

fn manifest_deps_with_req(dir: &Path, table: &toml::Table) -> Vec<ManifestDep> {
    let mut tables: Vec<&toml::Table> = Vec::new();
    let kinds = ["dependencies", "dev-dependencies", "build-dependencies"];
    for k in kinds {
        tables.extend(table.get(k).and_then(toml::Value::as_table));
    }
    if let Some(targets) = table.get("target").and_then(toml::Value::as_table) {
        for t in targets.values() {
            for k in kinds {
                tables.extend(t.get(k).and_then(toml::Value::as_table));
            }
        }
    }
    let mut out = Vec::new();
    for deps in tables {
        for (key, spec) in deps {
            let package = spec
                .get("package")
                .and_then(toml::Value::as_str)
                .unwrap_or(key)
                .to_string();
            let path = spec
                .get("path")
                .and_then(toml::Value::as_str)
                .map(|p| crate::input::cargo::absolute(&dir.join(p)));
            let req = spec
                .as_str()
                .or_else(|| spec.get("version").and_then(toml::Value::as_str))
                .map(str::to_string);
            out.push((crate_name(key), package, path, req));
        }
    }
    out
}

/// The locked packages: (name, version, source) and their dependencies' names
/// (`name` or `name version` when several versions are locked).
struct Locked {
    name: String,
    version: String,
    source: Option<String>,
    deps: Vec<String>,
}

fn locked_packages(lock: &toml::Table) -> Vec<Locked> {
    let Some(list) = lock.get("package").and_then(toml::Value::as_array) else {
        return Vec::new();
    };
    list.iter()
        .filter_map(|p| {
            let s = |k: &str| p.get(k).and_then(toml::Value::as_str).map(str::to_string);
            Some(Locked {
                name: s("name")?,
                version: s("version")?,
                source: s("source"),
                deps: p
                    .get("dependencies")
                    .and_then(toml::Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(|d| d.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default(),
            })
        })
        .collect()
}

/// Where a registry or git package's sources are in `home` (`indexes`: the
/// directories of `home/registry/src`).
fn source_dir(home: &Path, indexes: &[PathBuf], p: &Locked) -> Option<PathBuf> {
    let source = p.source.as_deref()?;
    let leaf = format!("{}-{}", p.name, p.version);
    if source.starts_with("registry+") || source.starts_with("sparse+") {
        let mut found: Vec<PathBuf> = indexes
            .iter()
            .map(|i| i.join(&leaf))
            .filter(|d| d.join("Cargo.toml").is_file())
            .collect();
        found.sort();
        if let Some(exact) = found.into_iter().next() {
            return Some(exact);
        }
        // Another version cargo keeps that is semver-compatible with the locked one
        // (same major; same minor below 1.0): its API is the same, by semver.
        return newest_compatible(indexes, &p.name, &p.version);
    }
    if let Some(rest) = source.strip_prefix("git+") {
        // `git+URL#REV`: checkouts/<name>-<hash>/<short rev>/, the package maybe in
        // a subdirectory of the repository (a workspace).
        let rev = rest.rsplit_once('#').map(|(_, r)| r)?;
        let checkouts = std::fs::read_dir(home.join("git").join("checkouts")).ok()?;
        for repo in checkouts.filter_map(Result::ok) {
            let Ok(revs) = std::fs::read_dir(repo.path()) else {
                continue;
            };
            for r in revs.filter_map(Result::ok) {
                let short = r.file_name().to_string_lossy().to_string();
                if short.is_empty() || !rev.starts_with(&short) {
                    continue;
                }
                if let Some(dir) = package_in(&r.path(), &p.name, 2) {
                    return Some(dir);
                }
            }
        }
    }
    None
}

/// A version's numbers (`1.2.3-rc.1` → [1, 2, 3]); `None` for a pre-release.
fn numbers(version: &str) -> Option<[u64; 3]> {
    let mut it = version.split('.');
    let mut out = [0; 3];
    for slot in &mut out {
        *slot = it.next()?.parse().ok()?;
    }
    Some(out)
}

/// The version a simple requirement (`"1.2"`, `"^0.3.1"`, `"~1"`, `"=2.0.4"`) starts
/// from, padded to three numbers; `None` for a compound or wildcard one.
fn requirement_version(req: &str) -> Option<String> {
    let v = req.trim().trim_start_matches(['^', '~', '=']).trim();
    if v.is_empty() || v.contains([',', '*', '<', '>', ' ']) {
        return None;
    }
    let mut parts: Vec<&str> = v.split('.').collect();
    while parts.len() < 3 {
        parts.push("0");
    }
    Some(parts.join("."))
}

/// Whether `have` is semver-compatible with `want` (cargo's caret rule).
fn compatible(want: [u64; 3], have: [u64; 3]) -> bool {
    match want {
        [0, 0, _] => have == want,
        [0, minor, _] => have[0] == 0 && have[1] == minor,
        [major, ..] => have[0] == major,
    }
}

/// The newest `name-<version>` directory in the registry `indexes` compatible
/// with `version`.
fn newest_compatible(indexes: &[PathBuf], name: &str, version: &str) -> Option<PathBuf> {
    let want = numbers(version)?;
    let mut best: Option<([u64; 3], PathBuf)> = None;
    for index in indexes {
        let listing = registry_listing(index);
        for (have, dir) in listing.get(name).into_iter().flatten() {
            let newer = best.as_ref().is_none_or(|(b, _)| have > b);
            if compatible(want, *have) && newer && dir.join("Cargo.toml").is_file() {
                best = Some((*have, dir.clone()));
            }
        }
    }
    best.map(|(_, p)| p)
}

/// A registry index directory's `name-<version>` directories by package name
/// (pre-releases left out, as `numbers` leaves them).
type Listing = HashMap<String, Vec<([u64; 3], PathBuf)>>;

/// `index`'s listing, read once per process while the directory stays as it was
/// (cargo unpacking a download into it moves its modification time): every
/// requirement of every checked package is looked up in it, and a registry holds
/// thousands of entries, so listing it per look-up cost more than the analysis.
fn registry_listing(index: &Path) -> std::sync::Arc<Listing> {
    use std::sync::{Arc, Mutex, OnceLock};
    type Cache = Mutex<HashMap<PathBuf, (Option<std::time::SystemTime>, Arc<Listing>)>>;
    static LISTINGS: OnceLock<Cache> = OnceLock::new();
    let modified = std::fs::metadata(index).and_then(|m| m.modified()).ok();
    let cache = LISTINGS.get_or_init(Default::default);
    if let Some((when, listing)) = cache.lock().ok().as_ref().and_then(|c| c.get(index)) {
        if modified.is_some() && *when == modified {
            return listing.clone();
        }
    }
    let mut listing = Listing::default();
    for e in std::fs::read_dir(index)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
    {
        let file = e.file_name().to_string_lossy().to_string();
        let Some((name, have)) = file.rsplit_once('-') else {
            continue;
        };
        if let Some(have) = numbers(have) {
            listing
                .entry(name.to_string())
                .or_default()
                .push((have, e.path()));
        }
    }
    let listing = Arc::new(listing);
    if let Ok(mut c) = cache.lock() {
        c.insert(index.to_path_buf(), (modified, listing.clone()));
    }
    listing
}

/// The directory below `dir` (at most `depth` levels) whose manifest is package `name`.
fn package_in(dir: &Path, name: &str, depth: usize) -> Option<PathBuf> {
    let named = read_toml(&dir.join("Cargo.toml")).is_some_and(|t| {
        t.get("package")
            .and_then(|p| p.get("name"))
            .and_then(toml::Value::as_str)
            == Some(name)
    });
    if named {
        return Some(dir.to_path_buf());
    }
    if depth == 0 {
        return None;
    }
    let mut subdirs: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.path())
        .filter(|p| {
            !p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect();
    subdirs.sort();
    subdirs.iter().find_map(|d| package_in(d, name, depth - 1))
}

/// The directories of `home/registry/src` (one per registry index).
fn registry_indexes(home: Option<&Path>) -> Vec<PathBuf> {
    home.and_then(|h| std::fs::read_dir(h.join("registry").join("src")).ok())
        .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default()
}

/// The dependency graph of the package in `dir` (its `Cargo.toml` read), with the
/// sources found in `home` (cargo's home).
pub fn graph(dir: &Path, home: Option<&Path>) -> DepGraph {
    let Some(manifest) = read_toml(&dir.join("Cargo.toml")) else {
        return DepGraph::default();
    };
    let lock = find_lock(dir).and_then(|p| read_toml(&p));
    let mut graph = DepGraph::default();
    let Some(lock) = lock else {
        // No lock: only the path dependencies can be placed.
        let mut seen = HashMap::default();
        graph.roots = path_graph(dir, &manifest, &mut graph, &mut seen, 0);
        // Its registry dependencies: the newest version on disk the requirement
        // accepts (their own dependencies are not placed without a lock).
        let indexes = registry_indexes(home);
        for (code, package, path, req) in manifest_deps_with_req(dir, &manifest) {
            let (None, Some(req)) = (path, req) else {
                continue;
            };
            let Some(version) = requirement_version(&req) else {
                continue;
            };
            let found = newest_compatible(&indexes, &package, &version);
            graph.missing += usize::from(found.is_none());
            graph.roots.push((code, graph.packages.len()));
            graph.packages.push(DepPackage {
                name: package,
                dir: found,
                downloaded: true,
                deps: Vec::new(),
            });
        }
        return graph;
    };
    let locked = locked_packages(&lock);
    // `name` alone when one version is locked, `name version` otherwise.
    let mut by_key: HashMap<String, usize> = HashMap::default();
    let mut versions: HashMap<&str, usize> = HashMap::default();
    for p in &locked {
        *versions.entry(p.name.as_str()).or_default() += 1;
    }
    for (i, p) in locked.iter().enumerate() {
        by_key.insert(format!("{} {}", p.name, p.version), i);
        if versions.get(p.name.as_str()) == Some(&1) {
            by_key.insert(p.name.clone(), i);
        }
    }
    // A path package's directory: from the manifests that name it.
    let mut path_dirs: HashMap<String, PathBuf> = HashMap::default();
    collect_path_dirs(dir, &manifest, &mut path_dirs, 0);
    if let Some(root) = find_lock(dir).and_then(|l| l.parent().map(Path::to_path_buf)) {
        if let Some(t) = read_toml(&root.join("Cargo.toml")) {
            collect_path_dirs(&root, &t, &mut path_dirs, 0);
            for m in workspace_members(&root, &t) {
                if let Some(name) = read_toml(&m.join("Cargo.toml"))
                    .and_then(|t| t.get("package")?.get("name")?.as_str().map(str::to_string))
                {
                    path_dirs.entry(name).or_insert(m);
                }
            }
        }
    }
    let own_name = manifest
        .get("package")
        .and_then(|p| p.get("name"))
        .and_then(toml::Value::as_str)
        .map(str::to_string);
    if let Some(name) = &own_name {
        path_dirs.insert(name.clone(), dir.to_path_buf());
    }
    let indexes = registry_indexes(home);
    for p in &locked {
        let dir = match &p.source {
            None => path_dirs.get(&p.name).cloned(),
            Some(_) => home.and_then(|h| source_dir(h, &indexes, p)),
        };
        if dir.is_none() {
            graph.missing += 1;
        }
        graph.packages.push(DepPackage {
            name: p.name.clone(),
            dir,
            downloaded: p.source.is_some(),
            deps: Vec::new(),
        });
    }
    for (i, p) in locked.iter().enumerate() {
        // By lib name here; a dependency's own renames are applied when it is read
        // (`renamed`), the checked package's now.
        graph.packages[i].deps = p
            .deps
            .iter()
            .filter_map(|key| {
                let j = *by_key.get(key)?;
                Some((crate_name(&locked[j].name), j))
            })
            .collect();
    }
    // The checked package itself: the locked path package of its name.
    let own = locked
        .iter()
        .position(|p| p.source.is_none() && Some(&p.name) == own_name.as_ref());
    if let Some(own) = own {
        graph.roots = renamed(dir, &manifest, &graph.packages[own].deps, &graph.packages);
    }
    graph
}

/// The dependencies `deps` (by lib name) as the code of the package in `dir`
/// (manifest `manifest`) calls them: `maps = { package = "dash-map" }` is `maps`.
pub fn renamed(
    dir: &Path,
    manifest: &toml::Table,
    deps: &[(String, usize)],
    packages: &[DepPackage],
) -> Vec<(String, usize)> {
    let declared = manifest_deps(dir, manifest);
    deps.iter()
        .map(|(lib, j)| {
            let package = packages.get(*j).map_or("", |p| p.name.as_str());
            let code = declared
                .iter()
                .find(|(_, pkg, _)| pkg == package)
                .map_or_else(|| lib.clone(), |(code, _, _)| code.clone());
            (code, *j)
        })
        .collect()
}

/// `renamed`, reading the manifest in `dir`.
pub fn renamed_in(
    dir: &Path,
    deps: &[(String, usize)],
    packages: &[DepPackage],
) -> Vec<(String, usize)> {
    match read_toml(&dir.join("Cargo.toml")) {
        Some(manifest) => renamed(dir, &manifest, deps, packages),
        None => deps.to_vec(),
    }
}

/// The path dependencies of a manifest (and theirs), without a lock.
fn path_graph(
    dir: &Path,
    manifest: &toml::Table,
    graph: &mut DepGraph,
    seen: &mut HashMap<PathBuf, usize>,
    depth: usize,
) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    for (code, package, path) in manifest_deps(dir, manifest) {
        let Some(path) = path else {
            continue;
        };
        if let Some(&i) = seen.get(&path) {
            out.push((code, i));
            continue;
        }
        let i = graph.packages.len();
        seen.insert(path.clone(), i);
        graph.packages.push(DepPackage {
            name: package,
            dir: Some(path.clone()),
            downloaded: false,
            deps: Vec::new(),
        });
        if depth < 16 {
            if let Some(t) = read_toml(&path.join("Cargo.toml")) {
                graph.packages[i].deps = path_graph(&path, &t, graph, seen, depth + 1);
            }
        }
        out.push((code, i));
    }
    out
}

/// The directories of path dependencies named by `manifest` and theirs, by package name.
fn collect_path_dirs(
    dir: &Path,
    manifest: &toml::Table,
    out: &mut HashMap<String, PathBuf>,
    depth: usize,
) {
    for (_, package, path) in manifest_deps(dir, manifest) {
        let Some(path) = path else { continue };
        if out.contains_key(&package) || depth > 16 {
            continue;
        }
        out.insert(package, path.clone());
        if let Some(t) = read_toml(&path.join("Cargo.toml")) {
            collect_path_dirs(&path, &t, out, depth + 1);
        }
    }
}

/// The member directories of a workspace root (`members` globs of one `*` level).
fn workspace_members(root: &Path, table: &toml::Table) -> Vec<PathBuf> {
    let Some(members) = table
        .get("workspace")
        .and_then(|w| w.get("members"))
        .and_then(toml::Value::as_array)
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for m in members.iter().filter_map(toml::Value::as_str) {
        match m.strip_suffix("/*") {
            Some(parent) => {
                if let Ok(entries) = std::fs::read_dir(root.join(parent)) {
                    out.extend(
                        entries
                            .filter_map(Result::ok)
                            .map(|e| e.path())
                            .filter(|p| p.join("Cargo.toml").is_file()),
                    );
                }
            }
            None => out.push(root.join(m)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_sources_and_renames() {
        let tmp = tempfile::tempdir().expect("a temporary directory");
        let home = tmp.path().join("home");
        let src = home.join("registry/src/index.crates.io-1949cf8c6b5b557f");
        let dm = src.join("dash-map-6.1.0");
        std::fs::create_dir_all(dm.join("src")).expect("mkdir");
        std::fs::write(
            dm.join("Cargo.toml"),
            "[package]\nname = \"dash-map\"\nversion = \"6.1.0\"\n",
        )
        .expect("write");
        let pkg = tmp.path().join("pkg");
        std::fs::create_dir_all(pkg.join("src")).expect("mkdir");
        std::fs::write(
            pkg.join("Cargo.toml"),
            "[package]\nname = \"pkg\"\nversion = \"0.1.0\"\n[dependencies]\nmaps = { package = \"dash-map\", version = \"6\" }\ngone = \"1\"\n",
        )
        .expect("write");
        std::fs::write(
            pkg.join("Cargo.lock"),
            "version = 4\n[[package]]\nname = \"pkg\"\nversion = \"0.1.0\"\ndependencies = [\"dash-map\", \"gone\"]\n\n[[package]]\nname = \"dash-map\"\nversion = \"6.1.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n\n[[package]]\nname = \"gone\"\nversion = \"1.0.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n",
        )
        .expect("write");
        let g = graph(&pkg, Some(&home));
        assert_eq!(g.missing, 1, "{g:?}");
        let (code, i) = g.roots.first().expect("a root dependency");
        // A renamed dependency is known by its rename (from the manifest).
        assert_eq!(code, "maps");
        assert_eq!(g.packages[*i].dir.as_deref(), Some(dm.as_path()));
    }

    #[test]
    fn newest_compatible_version_from_the_listing() {
        let tmp = tempfile::tempdir().expect("a temporary directory");
        let index = tmp.path().join("index.crates.io-1949cf8c6b5b557f");
        let unpack = |leaf: &str| {
            std::fs::create_dir_all(index.join(leaf)).expect("mkdir");
            std::fs::write(index.join(leaf).join("Cargo.toml"), "[package]\n").expect("write");
        };
        for leaf in ["foo-1.2.0", "foo-2.0.0", "foo-bar-1.9.0", "foo-1.4.0-rc.1"] {
            unpack(leaf);
        }
        let indexes = vec![index.clone()];
        let found = |v: &str| newest_compatible(&indexes, "foo", v);
        assert_eq!(found("1.0.0"), Some(index.join("foo-1.2.0")));
        assert_eq!(found("2.1.0"), Some(index.join("foo-2.0.0")));
        assert_eq!(found("3.0.0"), None);
        // Unpacked later in the same process: the listing is read again.
        std::thread::sleep(std::time::Duration::from_millis(20));
        unpack("foo-1.7.1");
        assert_eq!(found("1.0.0"), Some(index.join("foo-1.7.1")));
    }

    #[test]
    fn semver_compatible_versions() {
        let v = |s: &str| numbers(s).expect("a version");
        assert!(compatible(v("1.2.3"), v("1.9.0")));
        assert!(!compatible(v("1.2.3"), v("2.0.0")));
        assert!(compatible(v("0.3.1"), v("0.3.9")));
        assert!(!compatible(v("0.3.1"), v("0.4.0")));
        assert!(!compatible(v("0.0.1"), v("0.0.2")));
        assert_eq!(numbers("1.0.0-rc.1"), None);
    }
}
