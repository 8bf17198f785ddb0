//! The pipeline, stage by stage: `run` discovers the files, groups them by package
//! and checks the packages in parallel (`package`); each package's files are read
//! and scanned, its crate table built, and the files that can have findings parsed,
//! analysed and linted (`file`). An editor keeps a package's index warm between
//! checks instead (`index`).

mod file;
mod in_part;
mod index;
pub mod opaque;
mod package;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::catalog::LintLevels;
use crate::diagnostic::{Diagnostic, Problem};
use crate::hazard::listed::Listed;
use crate::input::cargo::{self, FeatureSelection, Selection};
use crate::input::discover::{self, SourcePath};
use crate::input::edition::Edition;
use crate::input::source::Sources;

pub use file::{check_source, check_source_prefiltered, CheckOutcome};
pub use index::{parse_recovering, Affected, Checked, PackageIndex, Parsed};
use package::{check_package, package_configs, PackageResult};

/// What to check and how.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub paths: Vec<PathBuf>,
    pub exclude: Vec<String>,
    /// Overrides the editions read from `Cargo.toml`.
    pub edition: Option<Edition>,
    pub levels: LintLevels,
    /// Worker threads (default: one per core).
    pub jobs: Option<usize>,
    /// Types that must not be held across an await (`await-holding-invalid-types`).
    pub invalid_types: Vec<Listed>,
    /// Counts files as they are checked, for a progress display.
    pub progress: Option<Arc<Progress>>,
    /// Methods whose result must not be held across an await (`hazard-methods`).
    pub hazard_methods: Vec<Listed>,
    /// Read each package's own configuration (`yieldsafe.toml` walking up from it,
    /// its `Cargo.toml` lints and metadata) on top of `levels`' defaults, then
    /// re-apply `flags`. Off when one `--config` file is given for the whole run.
    pub per_package_config: bool,
    /// The command-line level flags, in order (they win over every file).
    pub flags: Vec<(String, crate::diagnostic::Level)>,
    /// Parse every file and summarise every file of a crate up front, instead of
    /// parsing only the files that can have findings and summarising only what
    /// their analysis asks about. The findings are the same; this is the reference
    /// the shortcut is tested against, and it reports syntax errors in every file.
    pub full_parse: bool,
    /// Check packages as cargo selects them (`--manifest-path`, `-p`, `--workspace`,
    /// the target flags): the files their targets reach through the module tree,
    /// instead of every file below `paths`.
    pub cargo: Option<Selection>,
    /// Cargo's feature flags (`--features`, `--all-features`,
    /// `--no-default-features`), for the choice between `#[cfg(feature)]`
    /// alternatives.
    pub features: FeatureSelection,
    /// `-v`: say, as notes, what was left out on purpose and why (files no target
    /// reaches, ...). Off, those notes are not collected.
    pub verbose: bool,
    /// `--no-deps`: do not read the dependencies' sources (the hazard table's rows
    /// still apply to their types).
    pub no_deps: bool,
    /// Where cargo keeps downloaded sources (`$CARGO_HOME`, else `~/.cargo`).
    pub cargo_home: Option<PathBuf>,
}

/// How far a run is: files checked of the total (known after discovery).
#[derive(Debug, Default)]
pub struct Progress {
    pub done: std::sync::atomic::AtomicUsize,
    pub total: std::sync::atomic::AtomicUsize,
}

/// Stack size of the worker threads: syn's parser and the analysis recurse once per
/// nesting level, and generated code can nest thousands of levels deep.
pub const WORKER_STACK: usize = 512 * 1024 * 1024;

/// Figures about one run, for `--stats`.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    pub files: usize,
    pub lines: usize,
    pub bytes: usize,
    /// Packages (crates) the files belong to.
    pub crates: usize,
    /// Files parsed in full, for analysis.
    pub parsed: usize,
    /// Files summarised for their crate's index.
    pub indexed: usize,
    pub discover: Duration,
    /// Reading every file and scanning it for what it declares and whether it can
    /// have findings; summed over threads.
    pub read_scan: Duration,
    /// Summarising files for the crate index; summed over threads.
    pub index: Duration,
    /// Parsing the files to analyse; summed over threads.
    pub parse: Duration,
    /// Analysing them; summed over threads.
    pub analyse: Duration,
    pub wall: Duration,
    /// Files of the checked packages that no selected target reaches (a template,
    /// a disabled module): not checked.
    pub stray: usize,
    /// Dependency crates read (their tables built), summed over packages.
    pub dep_crates: usize,
    /// The files in their tables (a download is scanned once per process and its
    /// scan shared), and of those (and of `indexed`) summarised.
    pub dep_files: usize,
    pub dep_indexed: usize,
}

/// Everything a run found.
#[derive(Debug, Default)]
pub struct Report {
    /// Sorted by file, line, column.
    pub diagnostics: Vec<Diagnostic>,
    /// Sorted by file.
    pub problems: Vec<Problem>,
    /// The texts of the files that have diagnostics.
    pub sources: Sources,
    pub stats: Stats,
    /// What was skipped on purpose (symbolic links, special files; with
    /// `Options::verbose`, files no target reaches): said, not errors.
    pub notes: Vec<Problem>,
    /// The workspace root when packages were checked as cargo selects them: cargo's
    /// paths are relative to it.
    pub workspace_root: Option<PathBuf>,
}

impl Report {
    /// 0: nothing at deny level; 1: a finding at deny/forbid; 2: the tool could not
    /// do its whole job.
    pub fn exit_code(&self) -> i32 {
        if !self.problems.is_empty() {
            2
        } else if self.diagnostics.iter().any(|d| d.level.is_error()) {
            1
        } else {
            0
        }
    }
}

/// Run the whole pipeline on the options' paths.
pub fn run(options: &Options) -> Report {
    let wall = Instant::now();
    let exclude = match build_globs(&options.exclude) {
        Ok(g) => g,
        Err(p) => {
            return Report {
                problems: vec![p],
                ..Report::default()
            }
        }
    };
    let plan = match options.cargo.as_ref().map(cargo::plan).transpose() {
        Ok(plan) => plan,
        Err(e) => {
            return Report {
                problems: vec![Problem {
                    file: Some(Arc::from(e.file.as_path())),
                    position: None,
                    message: e.message,
                }],
                ..Report::default()
            }
        }
    };
    let (files, roots, mut problems, notes) = files_to_check(options, plan.as_ref(), &exclude);
    let discover_time = wall.elapsed();
    if let Some(p) = &options.progress {
        p.total
            .store(files.len(), std::sync::atomic::Ordering::Relaxed);
    }
    let check_all = || -> Vec<PackageResult> {
        let package_levels = package_configs(&files, options);
        // Package by package, so that a crate's index lives only while its files are
        // checked; packages in parallel, and the files of each.
        by_package(&files)
            .par_iter()
            .map(|(package, members)| {
                let config = package.as_ref().and_then(|p| package_levels.get(p));
                let targets = package.as_ref().and_then(|p| roots.as_ref()?.get(p));
                check_package(package.as_ref(), members, config, targets, options)
            })
            .collect()
    };
    let mut builder = rayon::ThreadPoolBuilder::new().stack_size(WORKER_STACK);
    if let Some(jobs) = options.jobs {
        builder = builder.num_threads(jobs.max(1));
    }
    let results: Vec<PackageResult> = match builder.build() {
        Ok(pool) => pool.install(check_all),
        Err(e) => {
            problems.push(Problem {
                file: None,
                position: None,
                message: format!("cannot start the worker threads: {e}"),
            });
            Vec::new()
        }
    };
    let mut report = Report::default();
    report.stats.discover = discover_time;
    report.notes = notes;
    let mut missing_deps = std::collections::BTreeSet::new();
    for package in results {
        if options.verbose {
            report.notes.extend(package.stray.iter().map(stray_note));
        }
        missing_deps.extend(package.missing_deps.iter().cloned());
        add_package(&mut report, package, &mut problems, options.verbose);
    }
    if !missing_deps.is_empty() {
        let names: Vec<String> = missing_deps.into_iter().collect();
        let shown = match names.len() {
            n @ 1..=4 => names[..n].join(", "),
            n => format!("{} and {} more", names[..3].join(", "), n - 3),
        };
        report.notes.push(Problem {
            file: None,
            position: None,
            message: format!(
                "the sources of {shown} are not on disk: run cargo fetch to let yieldsafe read dependencies"
            ),
        });
    }
    report.workspace_root = plan.map(|p| p.root);
    report
        .diagnostics
        .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    problems.sort_by(|a, b| (&a.file, a.position).cmp(&(&b.file, b.position)));
    report.problems = problems;
    report.stats.wall = wall.elapsed();
    report
}

/// The crate roots to check, by package directory.
type Roots = std::collections::HashMap<Arc<Path>, cargo::Roots>;

/// The files to check: those below the PATHs, or with cargo's selection (`plan`)
/// those of the selected packages (whose crate roots come too); the problems met,
/// and notes about what was skipped.
fn files_to_check(
    options: &Options,
    plan: Option<&cargo::Plan>,
    exclude: &globset::GlobSet,
) -> (Vec<SourcePath>, Option<Roots>, Vec<Problem>, Vec<Problem>) {
    let paths = match plan {
        Some(plan) => package_paths(plan),
        None if options.paths.is_empty() => vec![PathBuf::from(".")],
        None => options.paths.clone(),
    };
    let (mut files, problems, notes) = discover::discover(&paths, exclude, options.edition);
    let roots = plan.map(|plan| {
        let targets = options
            .cargo
            .as_ref()
            .map(|s| s.targets)
            .unwrap_or_default();
        selected_roots(plan, targets)
    });
    if let Some(roots) = &roots {
        // A nested package that is not selected is not checked.
        files.retain(|f| f.package.as_ref().is_some_and(|p| roots.contains_key(p)));
    }
    (files, roots, problems, notes)
}

/// What `-v` says about a file no target reaches.
fn stray_note(path: &Arc<Path>) -> Problem {
    Problem {
        file: Some(path.clone()),
        position: None,
        message: "not checked: no target of its package reaches it through `mod` declarations"
            .into(),
    }
}

/// The directories of the packages a plan selects, as the user would name them from
/// the current directory (relative, as cargo shows paths).
fn package_paths(plan: &cargo::Plan) -> Vec<PathBuf> {
    let cwd = std::env::current_dir()
        .map(|d| cargo::absolute(&d))
        .unwrap_or_default();
    plan.packages
        .iter()
        .map(|p| cargo::shown_from(&cwd, &p.dir))
        .collect()
}

/// The crate roots to check of each selected package, by the package's directory as
/// discovery names it (canonical).
fn selected_roots(plan: &cargo::Plan, targets: cargo::TargetChoice) -> Roots {
    plan.packages
        .iter()
        .map(|p| {
            let dir = std::fs::canonicalize(&p.dir).unwrap_or_else(|_| p.dir.clone());
            (Arc::from(dir.as_path()), plan.roots(&p.dir, targets))
        })
        .collect()
}

/// The files grouped by package (`None`: outside any), the biggest first, so that
/// the last package to finish is a small one.
fn by_package(files: &[SourcePath]) -> Vec<(Option<Arc<Path>>, Vec<&SourcePath>)> {
    let mut groups: Vec<(Option<Arc<Path>>, Vec<&SourcePath>)> = Vec::new();
    let mut slot: std::collections::HashMap<Option<&Arc<Path>>, usize> =
        std::collections::HashMap::new();
    for f in files {
        let i = *slot.entry(f.package.as_ref()).or_insert_with(|| {
            groups.push((f.package.clone(), Vec::new()));
            groups.len() - 1
        });
        groups[i].1.push(f);
    }
    groups.sort_by_key(|(_, members)| std::cmp::Reverse(members.len()));
    groups
}

/// One package's findings, problems and figures, into the report.
fn add_package(
    report: &mut Report,
    package: PackageResult,
    problems: &mut Vec<Problem>,
    verbose: bool,
) {
    let stats = &mut report.stats;
    stats.crates += usize::from(package.crate_);
    stats.stray += package.stray.len();
    stats.indexed += package.indexed;
    stats.dep_crates += package.deps.crates;
    stats.dep_files += package.deps.scanned;
    stats.dep_indexed += package.deps.summarised;
    stats.index += package.index_time;
    // Summaries made on demand ran inside the analysis.
    let mut analyse = Duration::ZERO;
    for r in &package.files {
        stats.files += 1;
        stats.lines += r.lines;
        stats.bytes += r.bytes;
        stats.read_scan += r.read_scan;
        stats.parse += r.parse;
        stats.parsed += usize::from(r.parsed);
        analyse += r.analyse;
    }
    stats.analyse += analyse.saturating_sub(package.index_in_analysis);
    for r in package.files {
        if let Some(text) = r.text {
            if !r.diagnostics.is_empty() {
                report.sources.insert(r.path.clone(), text);
            }
        }
        report.diagnostics.extend(r.diagnostics);
        problems.extend(r.problems);
        if verbose {
            report.notes.extend(r.notes);
        }
    }
}

fn build_globs(patterns: &[String]) -> Result<globset::GlobSet, Problem> {
    let mut builder = globset::GlobSetBuilder::new();
    for p in patterns {
        // A bare name or relative glob matches anywhere below the paths, as in
        // .gitignore: `generated` excludes every `generated` directory.
        let pattern = if p.contains('/') || p.starts_with("**") {
            p.clone()
        } else {
            format!("**/{p}")
        };
        let glob = globset::Glob::new(&pattern).map_err(|e| Problem {
            file: None,
            position: None,
            message: format!("invalid --exclude pattern `{p}`: {e}"),
        })?;
        builder.add(glob);
    }
    builder.build().map_err(|e| Problem {
        file: None,
        position: None,
        message: format!("invalid --exclude patterns: {e}"),
    })
}

/// What checking one file of a package gave.
struct FileResult {
    path: Arc<Path>,
    text: Option<Arc<str>>,
    diagnostics: Vec<Diagnostic>,
    problems: Vec<Problem>,
    /// Said with `-v` (`CheckOutcome::notes`).
    notes: Vec<Problem>,
    lines: usize,
    bytes: usize,
    read_scan: Duration,
    /// Whether the file was parsed for analysis.
    parsed: bool,
    parse: Duration,
    analyse: Duration,
}

impl FileResult {
    fn new(path: &Arc<Path>) -> FileResult {
        FileResult {
            path: path.clone(),
            text: None,
            diagnostics: Vec::new(),
            problems: Vec::new(),
            notes: Vec::new(),
            lines: 0,
            bytes: 0,
            read_scan: Duration::ZERO,
            parsed: false,
            parse: Duration::ZERO,
            analyse: Duration::ZERO,
        }
    }
}
