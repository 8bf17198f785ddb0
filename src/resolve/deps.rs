//! The crates a crate depends on, read from their sources as cargo left them
//! (`input::deps` finds them): each one's crate table, built the first time a path
//! into it is followed, the same lazy table as the checked crate's (its files
//! scanned for what they declare, and summarised only when a question concerns a
//! name they declare), with its own dependencies behind it. A download's summaries
//! are made once for the tables of every package that depends on it, while one of
//! them is alive or it is among the crates read last (`KEPT_CRATES`). Crates the
//! hazard table already knows (std, the lock families, dashmap, tokio...) are never
//! read: their rows decide.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock, Weak};

use crate::input::deps::DepGraph;
use crate::resolve::crate_table::{CrateTable, Declared, Located, Made, Summarizer};

/// Every package of a checked package's dependency graph, each read when first asked.
#[derive(Debug)]
pub struct Deps {
    graph: DepGraph,
    tables: Vec<OnceLock<Option<Arc<CrateTable>>>>,
    summarize: Summarizer,
    /// Itself, for the dependencies' own views (a weak link: no cycle).
    this: Weak<Deps>,
    /// The packages asked about whose sources are not on disk.
    missing: std::sync::Mutex<std::collections::BTreeSet<String>>,
    /// Files scanned to build the tables, and the time building them took.
    scanned: std::sync::atomic::AtomicUsize,
    nanos: std::sync::atomic::AtomicU64,
}

/// What reading the dependencies cost.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DepStats {
    /// Dependency crates whose table was built.
    pub crates: usize,
    /// The files in their tables (scanned for what they declare; a download once).
    pub scanned: usize,
    /// Their files summarised.
    pub summarised: usize,
    /// Building the tables and summarising, summed over threads.
    pub time: std::time::Duration,
}

/// What one crate sees of its dependencies: their names as its code uses them.
#[derive(Debug, Clone)]
pub struct DepView {
    deps: Weak<Deps>,
    /// The strong link is held by the checked crate's view only.
    owner: Option<Arc<Deps>>,
    names: Vec<(String, usize)>,
}

/// Where a path into a dependency leads.
#[derive(Debug, Clone)]
pub enum DepLead {
    /// Out of the dependencies that can be read (`std::sync::Mutex`, a crate the
    /// hazard table knows, one whose sources are not on disk).
    External(Vec<String>),
    /// An item of dependency `table`: its crate root and its path from it.
    Item {
        table: Arc<CrateTable>,
        root: usize,
        abs: Vec<String>,
    },
}

/// How many re-exports from crate to crate a path is followed through.
const MAX_HOPS: usize = 8;

/// Files of one dependency read at most (a bound on memory and time).
const MAX_FILES: usize = 4096;

impl Deps {
    /// The dependencies of a checked package, as `graph` places them.
    pub fn new(graph: DepGraph, summarize: Summarizer) -> Arc<Deps> {
        Arc::new_cyclic(|this| Deps {
            tables: (0..graph.packages.len()).map(|_| OnceLock::new()).collect(),
            graph,
            summarize,
            this: this.clone(),
            missing: Default::default(),
            scanned: Default::default(),
            nanos: Default::default(),
        })
    }

    /// The view of the checked package: its own dependencies.
    pub fn root_view(self: &Arc<Deps>) -> DepView {
        DepView {
            deps: Arc::downgrade(self),
            owner: Some(self.clone()),
            names: self.graph.roots.clone(),
        }
    }

    /// The packages a question led to whose sources are not on disk.
    pub fn missing(&self) -> Vec<String> {
        self.missing
            .lock()
            .map(|m| m.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// The crate table of package `i`, built on first use (`None`: no sources).
    fn table(&self, i: usize) -> Option<Arc<CrateTable>> {
        self.tables
            .get(i)?
            .get_or_init(|| {
                let package = self.graph.packages.get(i)?;
                let Some(dir) = package.dir.as_deref() else {
                    if let Ok(mut m) = self.missing.lock() {
                        m.insert(package.name.clone());
                    }
                    return None;
                };
                let view = DepView {
                    deps: self.this.clone(),
                    owner: None,
                    names: crate::input::deps::renamed_in(dir, &package.deps, &self.graph.packages),
                };
                let start = std::time::Instant::now();
                let built = build_table(dir, package.downloaded, self.summarize, view);
                let elapsed = start.elapsed().as_nanos() as u64;
                self.nanos
                    .fetch_add(elapsed, std::sync::atomic::Ordering::Relaxed);
                let (table, files) = built?;
                self.scanned
                    .fetch_add(files, std::sync::atomic::Ordering::Relaxed);
                Some(Arc::new(table))
            })
            .clone()
    }

    /// What reading the dependencies has cost so far.
    pub fn stats(&self) -> DepStats {
        let built: Vec<Arc<CrateTable>> = self
            .tables
            .iter()
            .filter_map(|t| t.get().cloned().flatten())
            .collect();
        let (summarised, time) = built
            .iter()
            .map(|t| t.own_indexing())
            .fold((0, std::time::Duration::ZERO), |(n, d), (m, e)| {
                (n + m, d + e)
            });
        DepStats {
            crates: built.len(),
            scanned: self.scanned.load(std::sync::atomic::Ordering::Relaxed),
            summarised,
            time: time
                + std::time::Duration::from_nanos(
                    self.nanos.load(std::sync::atomic::Ordering::Relaxed),
                ),
        }
    }
}

/// A dependency's table: the `.rs` files under its `src/` (where its library is),
/// scanned for what they declare; `None` when it has no library root there.
fn build_table(
    dir: &Path,
    downloaded: bool,
    summarize: Summarizer,
    view: DepView,
) -> Option<(CrateTable, usize)> {
    let sources = if downloaded {
        read_once(dir)?
    } else {
        Arc::new(read_sources(dir)?)
    };
    let Sources { lib, files } = &*sources;
    let count = files.len();
    let mut table = CrateTable::lazy(Some(dir), files.to_vec(), summarize).with_deps(Some(view));
    if downloaded {
        // The same download is summarised the same way for every package that
        // depends on it: its text never changes, and a dependency's table reads it
        // in the default build (no `with_cfg`), with the one summarizer of the run.
        let mut cells = Vec::new();
        table.share_summaries(|path| {
            let cell = shared_summary(path, summarize);
            cells.push(cell.clone());
            cell
        });
        keep(cells);
    }
    table.set_lib_root(lib);
    Some((table, count))
}

type Scanned = Vec<(Arc<Path>, Declared)>;

/// A package's library root and what its files declare.
struct Sources {
    lib: PathBuf,
    files: Scanned,
}

fn read_sources(dir: &Path) -> Option<Sources> {
    let lib = lib_root(dir)?;
    let files = scan_sources(dir, &lib)?;
    Some(Sources { lib, files })
}

/// A downloaded crate's sources, read once per process: cargo never changes a
/// download, and every checked package that depends on it asks again.
fn read_once(dir: &Path) -> Option<Arc<Sources>> {
    type Read = std::collections::HashMap<PathBuf, Arc<Sources>>;
    static READ: OnceLock<std::sync::Mutex<Read>> = OnceLock::new();
    let cache = READ.get_or_init(Default::default);
    if let Some(known) = cache.lock().ok()?.get(dir) {
        return Some(known.clone());
    }
    let sources = Arc::new(read_sources(dir)?);
    cache
        .lock()
        .ok()?
        .insert(dir.to_path_buf(), sources.clone());
    Some(sources)
}

/// The summary cell of a downloaded file, shared by every table of its crate alive
/// at once (`CrateTable::share_summaries`) and by the next ones while the crate is
/// among the `KEPT_CRATES` whose tables were built last (`keep`). Its text never
/// changes (cargo does not change a download), a dependency's table summarises it
/// in the default build (no `with_cfg`), and the key holds the summarizer.
fn shared_summary(path: &Arc<Path>, summarize: Summarizer) -> Arc<Made> {
    /// The cells by file and summarizer, and the count of them at which the ones
    /// no table holds any more are dropped next (their memory with them).
    type Cells = (
        std::collections::HashMap<(Arc<Path>, usize), Weak<Made>>,
        usize,
    );
    static CELLS: OnceLock<std::sync::Mutex<Cells>> = OnceLock::new();
    let Ok(mut guard) = CELLS.get_or_init(Default::default).lock() else {
        // A thread panicked holding the map: this table makes its own.
        return Arc::default();
    };
    let (cells, sweep_at) = &mut *guard;
    let key = (path.clone(), summarize as usize);
    if let Some(cell) = cells.get(&key).and_then(Weak::upgrade) {
        return cell;
    }
    if cells.len() >= *sweep_at {
        cells.retain(|_, cell| cell.strong_count() > 0);
        *sweep_at = (2 * cells.len()).max(1024);
    }
    let cell = Arc::<Made>::default();
    cells.insert(key, Arc::downgrade(&cell));
    cell
}

/// How many dependency crates keep their summaries after the table that made them
/// is gone, the last built first: packages checked one after another share most of
/// their dependencies. Measured on the 32-crate corpus (1 thread): keeping every
/// crate's (until the run ends) saves 363 of 848 dependency summaries for +7.5 MB of
/// peak memory (+21%); keeping 32 saves 228 for about +1 MB.
const KEPT_CRATES: usize = 32;

/// Keep the summary cells of a dependency's table built last (`KEPT_CRATES`).
fn keep(cells: Vec<Arc<Made>>) {
    static KEPT: std::sync::Mutex<std::collections::VecDeque<Vec<Arc<Made>>>> =
        std::sync::Mutex::new(std::collections::VecDeque::new());
    if let Ok(mut kept) = KEPT.lock() {
        kept.push_back(cells);
        if kept.len() > KEPT_CRATES {
            kept.pop_front();
        }
    }
}

/// The `.rs` files of a package's `src/` (and its library root's directory), each
/// with what a lexical scan says it declares.
fn scan_sources(dir: &Path, lib: &Path) -> Option<Scanned> {
    let mut files: Vec<(Arc<Path>, Declared)> = Vec::new();
    let mut stack = vec![dir.join("src")];
    if let Some(parent) = lib.parent() {
        if !parent.starts_with(dir.join("src")) {
            stack.push(parent.to_path_buf());
        }
    }
    let mut paths: Vec<PathBuf> = Vec::new();
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.filter_map(Result::ok) {
            let p = e.path();
            let Ok(kind) = e.file_type() else { continue };
            let hidden = e.file_name().to_string_lossy().starts_with('.');
            if kind.is_dir() && !hidden {
                stack.push(p);
            } else if kind.is_file() && p.extension().is_some_and(|x| x == "rs") {
                paths.push(p);
            }
        }
        if paths.len() > MAX_FILES {
            return None;
        }
    }
    paths.sort();
    paths.dedup();
    for p in paths {
        let Ok(text) = crate::input::fs::read_regular_text(&p) else {
            continue;
        };
        let facts = crate::support::panic_guard::catch(|| crate::prefilter::scan::scan(&text))
            .unwrap_or_default();
        files.push((Arc::from(p.as_path()), Declared::from(facts)));
    }
    Some(files)
}

/// A package's library root: `[lib] path`, else `src/lib.rs`.
fn lib_root(dir: &Path) -> Option<PathBuf> {
    let manifest = crate::input::fs::read_regular_text(&dir.join("Cargo.toml"))
        .ok()
        .and_then(|t| t.parse::<toml::Table>().ok());
    let declared = manifest
        .as_ref()
        .and_then(|m| m.get("lib")?.get("path")?.as_str().map(|p| dir.join(p)));
    let lib = declared.unwrap_or_else(|| dir.join("src").join("lib.rs"));
    lib.is_file().then_some(lib)
}

/// Whether the hazard table already knows the crate (its rows decide; its sources
/// are not read).
pub fn is_catalogued(root: &str) -> bool {
    crate::hazard::families::is_std_root(root)
        || crate::hazard::families::crate_row(root).is_some()
        || crate::hazard::table::LENDERS
            .iter()
            .any(|l| l.krate == root)
}

impl DepView {
    fn deps(&self) -> Option<Arc<Deps>> {
        self.owner.clone().or_else(|| self.deps.upgrade())
    }

    /// Whether the crate depends on a crate its code calls `name`.
    pub fn has(&self, name: &str) -> bool {
        self.names.iter().any(|(n, _)| n == name)
    }

    /// The table of the dependency its code calls `name`.
    pub fn table(&self, name: &str) -> Option<Arc<CrateTable>> {
        let &(_, i) = self.names.iter().find(|(n, _)| n == name)?;
        self.deps()?.table(i)
    }

    /// The graph behind the view, for the run's counts.
    pub fn all(&self) -> Option<Arc<Deps>> {
        self.deps()
    }
}

/// Where `path` (its first segment a dependency of `from`) leads through the
/// dependencies' module trees and re-exports.
pub fn follow(from: &CrateTable, path: &[String], hops: usize) -> Option<DepLead> {
    let (first, rest) = path.split_first()?;
    if hops > MAX_HOPS || rest.is_empty() || is_catalogued(first) {
        return None;
    }
    let view = from.deps_view()?;
    if !view.has(first) {
        return None;
    }
    let dep = view.table(first)?;
    if !dep.may_locate(rest.last()?) {
        return None;
    }
    let root = dep.lib_root()?;
    match dep.locate_from_root(root, rest.to_vec())? {
        Located::Item { module, name, .. } => {
            let mut abs = module.path;
            abs.push(name);
            Some(DepLead::Item {
                table: dep,
                root: module.root,
                abs,
            })
        }
        Located::External(p) => Some(follow(&dep, &p, hops + 1).unwrap_or(DepLead::External(p))),
    }
}
