//! One package: its files read and scanned, its crate table built (summarising the
//! other files as the analysis asks, or all up front with `--full-parse`), and the
//! files that can have findings checked; its own configuration on top of the run's.

use crate::resolve::cfg::BuildCfg;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::catalog::LintLevels;
use crate::hazard::listed::Listed;
use crate::input::config;
use crate::input::discover::SourcePath;
use crate::input::source::SourceFile;
use crate::prefilter::scan;
use crate::resolve::crate_table::{self, CrateTable};
use crate::support::{failpoint, panic_guard};

use super::file::{analyse_file, read_source_into};
use super::{build_globs, FileResult, Options};

/// The files of one package (or of none), checked.
pub(super) struct PackageResult {
    pub(super) files: Vec<FileResult>,
    /// Whether these files form a package (a crate with an index).
    pub(super) crate_: bool,
    pub(super) indexed: usize,
    pub(super) index_time: Duration,
    /// The part of `index_time` spent inside the files' analysis.
    pub(super) index_in_analysis: Duration,
    /// The files no selected target reaches, left unchecked.
    pub(super) stray: Vec<Arc<Path>>,
    /// Dependencies the analysis asked about whose sources are not on disk.
    pub(super) missing_deps: Vec<String>,
    /// What reading the dependencies cost.
    pub(super) deps: crate::resolve::deps::DepStats,
}

/// A package's own configured lists, to put on its crate table.
pub(super) struct PackageLists {
    invalid_types: Vec<Listed>,
    hazard_methods: Vec<Listed>,
    /// The package's own `exclude` globs, relative to the package directory.
    exclude: Option<globset::GlobSet>,
}

impl PackageLists {
    /// Whether the package's configuration excludes `path`.
    pub(super) fn excludes(&self, package: &Path, path: &Path) -> bool {
        let Some(globs) = &self.exclude else {
            return false;
        };
        let abs = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        abs.strip_prefix(package)
            .is_ok_and(|rel| globs.is_match(rel))
    }
}

/// The levels and lists of each package whose own configuration differs from the
/// run's (a workspace whose members have their own `yieldsafe.toml` or lints).
pub(super) fn package_configs(
    files: &[SourcePath],
    options: &Options,
) -> std::collections::HashMap<Arc<Path>, (LintLevels, PackageLists)> {
    let mut out = std::collections::HashMap::new();
    if !options.per_package_config {
        return out;
    }
    let mut packages: Vec<&Arc<Path>> = files.iter().filter_map(|f| f.package.as_ref()).collect();
    packages.sort();
    packages.dedup();
    for package in packages {
        // An error here was already reported for the run's own configuration, or
        // is reported by it when the run starts in this package.
        let Ok(config) = config::load(None, &[package.to_path_buf()]) else {
            continue;
        };
        let mut levels = LintLevels::default();
        config.apply(&mut levels);
        for (lint, level) in &options.flags {
            levels.set(lint, *level);
        }
        let lists = PackageLists {
            invalid_types: if config.invalid_types.is_empty() {
                options.invalid_types.clone()
            } else {
                config.invalid_types
            },
            hazard_methods: if config.hazard_methods.is_empty() {
                options.hazard_methods.clone()
            } else {
                config.hazard_methods
            },
            exclude: (!config.exclude.is_empty())
                .then(|| build_globs(&config.exclude).ok())
                .flatten(),
        };
        out.insert(package.clone(), (levels, lists));
    }
    out
}

/// What reading and scanning a file told, before its crate's index exists.
pub(super) struct Scanned<'a> {
    pub(super) file: &'a SourcePath,
    pub(super) result: FileResult,
    /// Whether the file must be parsed and analysed.
    analyse: bool,
    /// The macros it invokes, when one that awaits would make it need analysis.
    macro_calls: Vec<String>,
    pub(super) declared: crate_table::Declared,
    /// The file's summary, when the whole crate is summarised up front.
    summary: Option<crate_table::FileSummary>,
    summary_time: Duration,
    /// The text, kept from the scan for the analysis when the file needs one.
    pub(super) text: Option<Arc<str>>,
    /// The `macro_rules!` it declares.
    macros: Vec<String>,
}

/// Check the files of one package: read and scan each, then parse and analyse those
/// that can have findings, with an index of the crate that summarises the other
/// files as the analysis asks about the names they declare (or, with
/// `full_parse`, every file up front). With `targets` (the crate roots cargo's
/// selection wants), only the files those roots reach are checked.
pub(super) fn check_package(
    package: Option<&Arc<Path>>,
    members: &[&SourcePath],
    config: Option<&(LintLevels, PackageLists)>,
    targets: Option<&crate::input::cargo::Roots>,
    options: &Options,
) -> PackageResult {
    let done = |n: usize| {
        if let Some(p) = &options.progress {
            p.done.fetch_add(n, Ordering::Relaxed);
        }
    };
    let members: Vec<&SourcePath> = match (package, config) {
        (Some(dir), Some((_, lists))) => {
            let kept: Vec<_> = members
                .iter()
                .copied()
                .filter(|f| !lists.excludes(dir, &f.path))
                .collect();
            done(members.len() - kept.len());
            kept
        }
        _ => members.to_vec(),
    };
    let in_crate = package.is_some();
    let full = options.full_parse;
    // The texts of the files to analyse are kept from the scan up to a bound, so that a
    // huge package does not hold them all; past it they are read again.
    let kept = AtomicUsize::new(0);
    let cfg = package_cfg(package.map(|p| &**p), &options.features);
    let mut scanned: Vec<Scanned> = members
        .par_iter()
        .map(|f| scan_file(f, in_crate, full, &kept, &cfg))
        .collect();
    let before = scanned.len();
    let stray = match targets {
        Some(roots) => leave_out_stray(&mut scanned, roots),
        None => Vec::new(),
    };
    done(before - scanned.len());
    let table = Arc::new(crate_table(package, &mut scanned, config, options, cfg));
    // A file that invokes a macro of its crate that awaits has yield points too.
    for s in &mut scanned {
        if !s.analyse && !s.macro_calls.is_empty() {
            s.analyse = s.macro_calls.iter().any(|m| table.awaiting_macro(m));
        }
    }
    let up_front: Duration = scanned.iter().map(|s| s.summary_time).sum();
    let before_analysis = table.indexing().1;
    let levels = config.map(|(l, _)| l).unwrap_or(&options.levels);
    let mut files: Vec<FileResult> = scanned
        .into_par_iter()
        .map(|s| {
            let result = check_scanned(s, &table, levels, full);
            done(1);
            result
        })
        .collect();
    report_unindexed(&table, &mut files);
    let (lazily, lazy_time) = table.indexing();
    let missing_deps = table
        .deps_view()
        .and_then(|v| v.all())
        .map(|d| d.missing())
        .unwrap_or_default();
    PackageResult {
        missing_deps,
        deps: table.dep_stats(),
        crate_: in_crate,
        indexed: if full && in_crate {
            files.len()
        } else {
            lazily
        },
        index_time: up_front + lazy_time,
        index_in_analysis: lazy_time.saturating_sub(before_analysis),
        files,
        stray,
    }
}

/// A file the analysis of another asked about but that was too deep to summarise is
/// a problem of its own, even when it was not checked itself (it has no await): what
/// it declares is unknown to the files that use it. Once per file.
fn report_unindexed(table: &CrateTable, files: &mut [FileResult]) {
    for (path, deep, at) in table.too_deep() {
        let Some(result) = files.iter_mut().find(|f| f.path == path) else {
            continue;
        };
        // Checked itself, the file said so already, at the same place.
        if !result.problems.iter().any(|p| p.position == Some(at)) {
            let message = format!("{deep}; this file was not indexed, and what it declares is unknown to the files that use it");
            result
                .problems
                .push(super::file::problem(&path, Some(at), message));
        }
    }
}

/// Take the files the selected targets do not reach out of `scanned`, with what
/// reading them met (a template need not be readable or valid Rust); the paths of
/// those no target of the package reaches at all (the stray ones).
fn leave_out_stray(
    scanned: &mut Vec<Scanned>,
    roots: &crate::input::cargo::Roots,
) -> Vec<Arc<Path>> {
    use crate::resolve::modtree::ModTree;
    let view: Vec<(Arc<Path>, &[crate::prefilter::scan::ModDecl])> = scanned
        .iter()
        .map(|s| (s.file.path.clone(), s.declared.mods.as_slice()))
        .collect();
    let selected = ModTree::reached(&roots.selected, &view);
    let any = ModTree::reached(&roots.all, &view);
    let mut stray = Vec::new();
    let mut i = 0;
    scanned.retain(|s| {
        let (keep, reached) = (selected[i], any[i]);
        i += 1;
        if !reached {
            stray.push(s.file.path.clone());
        }
        keep
    });
    stray
}

/// The package's crate table: summaries made up front (`--full-parse`) merged, or
/// made when asked for; with the package's configured lists.
pub(super) fn crate_table(
    package: Option<&Arc<Path>>,
    scanned: &mut [Scanned],
    config: Option<&(LintLevels, PackageLists)>,
    options: &Options,
    cfg: Arc<BuildCfg>,
) -> CrateTable {
    let (invalid_types, hazard_methods) = match config {
        Some((_, lists)) => (lists.invalid_types.clone(), lists.hazard_methods.clone()),
        None => (
            options.invalid_types.clone(),
            options.hazard_methods.clone(),
        ),
    };
    let dir = package.map(|d| &**d);
    let table = if package.is_none() {
        CrateTable::default()
    } else if options.full_parse {
        let files = scanned
            .iter_mut()
            .map(|s| {
                let declared = std::mem::take(&mut s.declared);
                (s.file.path.clone(), declared, s.summary.take())
            })
            .collect();
        CrateTable::merge(dir, files)
    } else {
        let files = scanned
            .iter_mut()
            .map(|s| (s.file.path.clone(), std::mem::take(&mut s.declared)))
            .collect();
        CrateTable::lazy(dir, files, crate::analysis::summary::summarize_for_table)
    };
    // The dependencies, read when a path into one is first followed.
    let deps = dir.filter(|_| !options.no_deps).map(|d| {
        let graph = crate::input::deps::graph(d, options.cargo_home.as_deref());
        crate::resolve::deps::Deps::new(graph, crate::analysis::summary::summarize_for_table)
            .root_view()
    });
    table
        .with_lists(invalid_types, hazard_methods)
        .with_cfg(cfg)
        .with_deps(deps)
}

/// The build a package is taken to be: the features its manifest turns on with
/// cargo's feature flags (unknown without a manifest), the target of `TARGET_CFGS`.
pub(super) fn package_cfg(
    package: Option<&Path>,
    features: &crate::input::cargo::FeatureSelection,
) -> Arc<BuildCfg> {
    let manifest = package
        .and_then(|dir| crate::input::fs::read_regular_text(&dir.join("Cargo.toml")).ok())
        .and_then(|text| text.parse::<toml::Table>().ok());
    Arc::new(BuildCfg {
        features: manifest.map(|m| {
            crate::resolve::cfg::manifest_features(
                &m,
                &features.features,
                features.all_features,
                features.no_default_features,
            )
        }),
    })
}

/// A scanned file, parsed and analysed if it can have findings (its text read again
/// if it was not kept), the bodies that cannot matter blanked first.
fn check_scanned(
    s: Scanned,
    table: &Arc<CrateTable>,
    levels: &LintLevels,
    full: bool,
) -> FileResult {
    let mut result = s.result;
    let text = match (s.analyse, s.text) {
        (false, _) => None,
        (true, Some(text)) => Some(text),
        (true, None) => {
            let mut buffer = Vec::new();
            match read_source_into(&result.path, &mut buffer) {
                Ok(text) => Some(Arc::from(text)),
                Err(p) => {
                    result.problems.push(p);
                    None
                }
            }
        }
    };
    let Some(text) = text else {
        return result;
    };
    let blanking = Instant::now();
    let parse_text = (!full)
        .then(|| {
            let awaits = |m: &str| {
                crate::hazard::macros::awaits_by_name(m)
                    || s.macros.iter().any(|own| own == m)
                    || table.awaiting_macro(m)
            };
            panic_guard::catch(|| crate::prefilter::blank::blank_quiet_fn_bodies(&text, &awaits))
                .ok()
                .flatten()
        })
        .flatten();
    let blanking = blanking.elapsed();
    let file = SourceFile::new(result.path.clone(), text);
    analyse_file(
        &mut result,
        &file,
        parse_text.as_deref(),
        s.file.edition,
        levels,
        table.clone(),
    );
    result.parse += blanking;
    result
}

/// Read a file and find out what it declares and whether it can have findings: by
/// a lexical scan or, with `full`, by parsing it (and summarising it for its crate
/// when it has one).
pub(super) fn scan_file<'a>(
    f: &'a SourcePath,
    in_crate: bool,
    full: bool,
    kept: &AtomicUsize,
    cfg: &Arc<BuildCfg>,
) -> Scanned<'a> {
    let start = Instant::now();
    let mut scanned = Scanned {
        file: f,
        result: FileResult::new(&f.path),
        analyse: false,
        macro_calls: Vec::new(),
        declared: crate_table::Declared::default(),
        summary: None,
        summary_time: Duration::ZERO,
        text: None,
        macros: Vec::new(),
    };
    failpoint::pause_point(&f.path);
    thread_local! {
        /// The read buffer of this thread: most files are scanned and dropped, and
        /// a fresh allocation for each cost more than reading it.
        static BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    BUFFER.with_borrow_mut(|buffer| {
        match read_source_into(&f.path, buffer) {
            Ok(text) => {
                scan_text(&mut scanned, text, in_crate, full, cfg);
                let wanted = scanned.analyse || !scanned.macro_calls.is_empty();
                if wanted && kept.fetch_add(text.len(), Ordering::Relaxed) < KEPT_TEXT_PER_PACKAGE {
                    scanned.text = Some(Arc::from(text));
                }
            }
            Err(p) => scanned.result.problems.push(p),
        }
        // A buffer left at the size of one huge file would stay for the whole run.
        if buffer.capacity() > 16 << 20 {
            *buffer = Vec::new();
        }
    });
    scanned.result.read_scan = start.elapsed() - scanned.summary_time;
    scanned
}

/// `scan_file` once the file's text is read.
fn scan_text(scanned: &mut Scanned, text: &str, in_crate: bool, full: bool, cfg: &Arc<BuildCfg>) {
    scanned.result.bytes = text.len();
    scanned.result.lines = line_count(text);
    // A scan that fails (a bug) only costs the shortcut: the file is parsed.
    let facts = panic_guard::catch(|| scan::scan(text)).unwrap_or_else(|_| scan::Facts {
        unsure: true,
        ..scan::Facts::default()
    });
    if full {
        scanned.analyse = true;
        if in_crate {
            let summarizing = Instant::now();
            scanned.summary = crate::analysis::summary::summarize_text(text, false, cfg);
            proc_macro2::extra::invalidate_current_thread_spans();
            scanned.summary_time = summarizing.elapsed();
        }
    } else {
        scanned.analyse = crate::prefilter::can_have_findings(&facts);
        if !scanned.analyse && facts.has_async {
            scanned.macro_calls = facts.macro_calls.clone();
        }
        scanned.macros = facts.macros.clone();
    }
    // The module tree, and which names the crate may declare, come from the scan in
    // both modes.
    scanned.declared = crate_table::Declared::from(facts);
}

/// How much text of a package's files is kept from the scan for the analysis.
const KEPT_TEXT_PER_PACKAGE: usize = 64 << 20;

/// `text.lines().count()`, counted a byte at a time (which the compiler vectorises).
fn line_count(text: &str) -> usize {
    let breaks = text.bytes().filter(|&b| b == b'\n').count();
    breaks + usize::from(!text.is_empty() && !text.ends_with('\n'))
}
