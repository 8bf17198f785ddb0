//! yieldsafe: finds values held across `.await` points that must not be.
//!
//! Data flows one way: discover → parse → index → analyse (per coroutine) → lints →
//! diagnostics → render. `run` is the whole pipeline; the binary only parses
//! arguments, calls it and renders the result.

pub mod analysis;
pub mod catalog;
pub mod config;
pub mod crate_table;
pub mod dataflow;
pub mod diagnostic;
pub mod discover;
pub mod edition;
mod failpoint;
pub mod fix;
pub mod hazard;
pub mod index;
pub mod lints;
pub mod lower;
pub mod nesting;
mod panic_guard;
pub mod render;
pub mod source;
pub mod span;
pub mod suppress;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use diagnostic::{Diagnostic, Problem};
use edition::Edition;
use lints::LintLevels;
use source::{SourceFile, Sources};

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
    pub invalid_types: Vec<config::InvalidType>,
    /// Counts files as they are checked, for a progress display.
    pub progress: Option<Arc<Progress>>,
    /// Methods whose result must not be held across an await (`hazard-methods`).
    pub hazard_methods: Vec<config::InvalidType>,
    /// Read each package's own configuration (`yieldsafe.toml` walking up from it,
    /// its `Cargo.toml` lints and metadata) on top of `levels`' defaults, then
    /// re-apply `flags`. Off when one `--config` file is given for the whole run.
    pub per_package_config: bool,
    /// The command-line level flags, in order (they win over every file).
    pub flags: Vec<(String, diagnostic::Level)>,
}

/// How far a run is: files checked of the total (known after discovery).
#[derive(Debug, Default)]
pub struct Progress {
    pub done: std::sync::atomic::AtomicUsize,
    pub total: std::sync::atomic::AtomicUsize,
}

/// Stack size of the worker threads: syn's parser and the analysis recurse once per
/// nesting level, and generated code can nest thousands of levels deep.
const WORKER_STACK: usize = 512 * 1024 * 1024;

/// Figures about one run, for `--stats`.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    pub files: usize,
    pub lines: usize,
    pub bytes: usize,
    pub discover: Duration,
    /// Summed over threads.
    pub read_parse: Duration,
    /// Summed over threads.
    pub analyse: Duration,
    pub wall: Duration,
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
    /// What was skipped on purpose (symbolic links, special files): said, not errors.
    pub notes: Vec<Problem>,
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
    let paths = if options.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        options.paths.clone()
    };
    let (files, mut problems, notes) =
        discover::discover_with_notes(&paths, &exclude, options.edition);
    let discover_time = wall.elapsed();
    if let Some(p) = &options.progress {
        p.total
            .store(files.len(), std::sync::atomic::Ordering::Relaxed);
    }
    let check_all = || -> Vec<FileResult> {
        let tables = crate_tables(&files, &options.invalid_types, &options.hazard_methods);
        let package_levels = package_configs(&files, options);
        // Files outside any package still get the configured types.
        let mut loose = crate_table::CrateTable::default();
        loose.invalid_types = options.invalid_types.clone();
        loose.hazard_methods = options.hazard_methods.clone();
        let loose = Arc::new(loose);
        files
            .par_iter()
            .filter_map(|f| {
                let package = f
                    .package
                    .as_ref()
                    .and_then(|p| package_levels.get(p).map(|c| (p, c)));
                if let Some((dir, (_, lists))) = package {
                    if lists.excludes(dir, &f.path) {
                        if let Some(p) = &options.progress {
                            p.done.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        }
                        return None;
                    }
                }
                let table = f.package.as_ref().and_then(|p| tables.get(p)).cloned();
                let table = table.or_else(|| Some(loose.clone()));
                let (levels, table) = match f.package.as_ref().and_then(|p| package_levels.get(p)) {
                    Some((levels, tables)) => (levels, tables.apply(table)),
                    None => (&options.levels, table),
                };
                let result = check_path(&f.path, f.edition, levels, table);
                if let Some(p) = &options.progress {
                    p.done.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
                Some(result)
            })
            .collect()
    };
    let mut builder = rayon::ThreadPoolBuilder::new().stack_size(WORKER_STACK);
    if let Some(jobs) = options.jobs {
        builder = builder.num_threads(jobs.max(1));
    }
    let results = match builder.build() {
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
    for r in results {
        report.stats.files += 1;
        report.stats.lines += r.lines;
        report.stats.bytes += r.bytes;
        report.stats.read_parse += r.read_parse;
        report.stats.analyse += r.analyse;
        if let Some(text) = r.text {
            if !r.diagnostics.is_empty() {
                report.sources.insert(r.path.clone(), text);
            }
        }
        report.diagnostics.extend(r.diagnostics);
        problems.extend(r.problems);
    }
    report
        .diagnostics
        .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    problems.sort_by(|a, b| (&a.file, a.position).cmp(&(&b.file, b.position)));
    report.problems = problems;
    report.notes = notes;
    report.stats.wall = wall.elapsed();
    report
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

struct FileResult {
    path: Arc<Path>,
    text: Option<Arc<str>>,
    diagnostics: Vec<Diagnostic>,
    problems: Vec<Problem>,
    lines: usize,
    bytes: usize,
    read_parse: Duration,
    analyse: Duration,
}

/// A package's own configured lists, to put on its crate table.
struct PackageLists {
    invalid_types: Vec<config::InvalidType>,
    hazard_methods: Vec<config::InvalidType>,
    /// The package's own `exclude` globs, relative to the package directory.
    exclude: Option<globset::GlobSet>,
}

impl PackageLists {
    /// Whether the package's configuration excludes `path`.
    fn excludes(&self, package: &Path, path: &Path) -> bool {
        let Some(globs) = &self.exclude else {
            return false;
        };
        let abs = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        abs.strip_prefix(package)
            .is_ok_and(|rel| globs.is_match(rel))
    }

    fn apply(
        &self,
        table: Option<Arc<crate_table::CrateTable>>,
    ) -> Option<Arc<crate_table::CrateTable>> {
        let mut t = table.map(|t| (*t).clone()).unwrap_or_default();
        t.invalid_types = self.invalid_types.clone();
        t.hazard_methods = self.hazard_methods.clone();
        Some(Arc::new(t))
    }
}

/// The levels and lists of each package whose own configuration differs from the
/// run's (a workspace whose members have their own `yieldsafe.toml` or lints).
fn package_configs(
    files: &[discover::SourcePath],
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

/// Summarise, per package, what its files declare (guard-returning methods, lock
/// fields, re-exports), so that each file is checked knowing its crate. Only files
/// that can declare such things are parsed here: those that mention a lock, cell or
/// guard, and then those that declare a fn of the same name as a guard-returning one
/// (so that a name clash makes the name ambiguous instead of wrongly known).
fn crate_tables(
    files: &[discover::SourcePath],
    invalid_types: &[config::InvalidType],
    hazard_methods: &[config::InvalidType],
) -> std::collections::HashMap<Arc<Path>, Arc<crate_table::CrateTable>> {
    use std::collections::{HashMap, HashSet};
    const RELEVANT: &[&str] = &[
        "Mutex",
        "RwLock",
        "RefCell",
        "Guard",
        "Ref<",
        "RefMut",
        "ReentrantLock",
        "pub use",
        "pub(crate) use",
        "macro_rules",
    ];
    let summarize = |f: &discover::SourcePath, wanted: &dyn Fn(&str) -> bool| {
        let text = String::from_utf8(read_regular_file(&f.path).ok()?).ok()?;
        if !wanted(&text) || nesting::too_deep(&text).is_some() {
            return None;
        }
        // A panic here only leaves the file out of its crate's table (silently);
        // the file itself is still checked.
        let summary = panic_guard::catch(|| {
            syn::parse_file(&text)
                .ok()
                .map(|ast| crate_table::summarize(&ast, &text))
        });
        proc_macro2::extra::invalidate_current_thread_spans();
        summary.ok()?
    };
    let first: Vec<Option<crate_table::FileSummary>> = files
        .par_iter()
        .map(|f| {
            f.package.as_ref()?;
            summarize(f, &|t| RELEVANT.iter().any(|w| t.contains(w)))
        })
        .collect();
    // (type name, `fn name`): a method clashes only with one of a type of the same
    // name, so a file must mention both to matter.
    let mut hazard_names: HashMap<&Path, HashSet<(Option<String>, String)>> = HashMap::new();
    for (f, s) in files.iter().zip(&first) {
        if let (Some(p), Some(s)) = (&f.package, s) {
            let names = hazard_names.entry(p).or_default();
            names.extend(
                s.hazard_names()
                    .map(|(t, n)| (t.map(str::to_string), format!("fn {n}"))),
            );
        }
    }
    let second: Vec<Option<crate_table::FileSummary>> = files
        .par_iter()
        .zip(&first)
        .map(|(f, done)| {
            if done.is_some() {
                return None;
            }
            let names = hazard_names.get(&**f.package.as_ref()?)?;
            summarize(f, &|text| {
                names.iter().any(|(ty, n)| {
                    text.contains(n.as_str())
                        && ty.as_ref().is_none_or(|t| text.contains(t.as_str()))
                })
            })
        })
        .collect();
    let mut grouped: HashMap<Arc<Path>, Vec<crate_table::FileSummary>> = HashMap::new();
    for (f, s) in files.iter().zip(first.into_iter().zip(second)) {
        if let (Some(p), Some(s)) = (&f.package, s.0.or(s.1)) {
            grouped.entry(p.clone()).or_default().push(s);
        }
    }
    grouped
        .into_iter()
        .map(|(p, s)| {
            let mut table = crate_table::CrateTable::merge(s);
            table.invalid_types = invalid_types.to_vec();
            table.hazard_methods = hazard_methods.to_vec();
            (p, Arc::new(table))
        })
        .collect()
}

fn check_path(
    path: &Arc<Path>,
    edition: Edition,
    levels: &LintLevels,
    table: Option<Arc<crate_table::CrateTable>>,
) -> FileResult {
    let start = Instant::now();
    let mut result = FileResult {
        path: path.clone(),
        text: None,
        diagnostics: Vec::new(),
        problems: Vec::new(),
        lines: 0,
        bytes: 0,
        read_parse: Duration::ZERO,
        analyse: Duration::ZERO,
    };
    failpoint::pause_point(path);
    let bytes = match read_regular_file(path) {
        Ok(b) => b,
        Err(e) => {
            result
                .problems
                .push(problem(path, None, format!("cannot read this file: {e}")));
            return result;
        }
    };
    let text: Arc<str> = match String::from_utf8(bytes) {
        Ok(t) => Arc::from(t),
        Err(e) => {
            result.problems.push(problem(
                path,
                None,
                format!(
                    "this file is not valid UTF-8 (invalid byte at offset {})",
                    e.utf8_error().valid_up_to()
                ),
            ));
            return result;
        }
    };
    result.bytes = text.len();
    result.lines = text.lines().count();
    result.read_parse = start.elapsed();
    let file = SourceFile::new(path.clone(), text.clone());
    let outcome = check_source_in_crate(&file, edition, levels, table);
    result.read_parse += outcome.parse_time;
    result.analyse = outcome.analyse_time;
    result.diagnostics = outcome.diagnostics;
    result.problems = outcome.problems;
    // Only the renderers need the text, and only of files with findings: keeping
    // every file's text until the end made memory grow with the tree.
    result.text = (!result.diagnostics.is_empty()).then_some(text);
    result
}

/// `read_regular_file` as text: a FIFO, socket or device named like a manifest or a
/// configuration file is refused instead of blocking the run.
pub fn read_regular_text(path: &Path) -> std::io::Result<String> {
    String::from_utf8(read_regular_file(path)?)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
}

/// Read a file that must be a regular file. A FIFO or device could block or never
/// end: it is refused before it is opened and, as it may have been swapped in since
/// it was discovered, again after.
pub fn read_regular_file(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let not_regular = || {
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "not a regular file (a FIFO, socket or device is never read)",
        )
    };
    if !std::fs::metadata(path)?.is_file() {
        return Err(not_regular());
    }
    let mut file = std::fs::File::open(path)?;
    if !file.metadata()?.is_file() {
        return Err(not_regular());
    }
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    Ok(bytes)
}

fn problem(path: &Arc<Path>, position: Option<(usize, usize)>, message: String) -> Problem {
    Problem {
        file: Some(path.clone()),
        position,
        message,
    }
}

/// What checking one file's text gave.
#[derive(Debug, Default)]
pub struct CheckOutcome {
    pub diagnostics: Vec<Diagnostic>,
    pub problems: Vec<Problem>,
    pub parse_time: Duration,
    pub analyse_time: Duration,
}

/// Check one file's text (already read) as code of `edition`.
pub fn check_source(file: &SourceFile, edition: Edition, levels: &LintLevels) -> CheckOutcome {
    check_source_in_crate(file, edition, levels, None)
}

/// `check_source` for a file of a crate whose other files are summarised in `table`.
pub fn check_source_in_crate(
    file: &SourceFile,
    edition: Edition,
    levels: &LintLevels,
    table: Option<Arc<crate_table::CrateTable>>,
) -> CheckOutcome {
    let mut outcome = CheckOutcome::default();
    let start = Instant::now();
    // Spans are byte offsets from the start of what syn parsed: a BOM is stripped.
    let bom = if file.text.starts_with('\u{feff}') {
        3
    } else {
        0
    };
    // A panic is reported as this file's internal error, without Rust's panic message.
    let caught = panic_guard::catch(|| {
        failpoint::panic_point(&file.path);
        // Parsing recurses per level: bound it before the stack overflows.
        if let Some(at) = nesting::too_deep(&file.text) {
            let message = format!(
                "brackets or generic arguments nested more than {} levels deep; this file was not checked",
                nesting::MAX_NESTING
            );
            let position = Some(file.line_column(at));
            let problems = vec![problem(&file.path, position, message)];
            return (Vec::new(), problems, start.elapsed(), Duration::ZERO);
        }
        let parsed = syn::parse_file(&file.text);
        let parse_time = start.elapsed();
        let ast = match parsed {
            Ok(ast) => ast,
            Err(e) => {
                let range = e.span().byte_range();
                // The end of the file has no token: syn gives the empty call-site span.
                let at = if range == (0..0) && e.to_string().starts_with("unexpected end of input")
                {
                    file.text.len()
                } else {
                    range.start + bom
                };
                let (line, col) = file.line_column(at);
                return (
                    Vec::new(),
                    vec![problem(
                        &file.path,
                        Some((line, col)),
                        format!("cannot parse this file: {e}"),
                    )],
                    parse_time,
                    Duration::ZERO,
                );
            }
        };
        let analyse_start = Instant::now();
        let (held, too_deep) =
            analysis::analyse_file_in_crate(&ast, &file.text[bom..], edition, table);
        let mut diagnostics = Vec::new();
        let mut problems = Vec::new();
        // Levels written in the code matter where there are findings, and where an
        // `#[expect]` or a `yieldsafe:` comment may be left unfulfilled.
        let text = &file.text[bom..];
        let source_levels =
            if held.is_empty() && !text.contains("expect") && !text.contains("yieldsafe:") {
                suppress::SourceLevels::default()
            } else {
                suppress::SourceLevels::collect(&ast, text)
            };
        let mut held = held;
        for h in &mut held {
            shift(h, bom);
        }
        let level_at = |lint: &str, at: usize| {
            let line = file.line_column(at).0;
            source_levels.level(lint, at.saturating_sub(bom), line, levels.get(lint))
        };
        diagnostics.extend(lints::file_diagnostics(&held, file, levels, &level_at));
        for mut u in source_levels.unfulfilled() {
            u.at = (u.at.0 + bom, u.at.1 + bom);
            let lint = lints::unfulfilled_lint_expectations::NAME;
            let mut here = levels.clone();
            here.set(lint, level_at(lint, u.at.0));
            diagnostics.extend(lints::unfulfilled_lint_expectations::check(&u, file, &here));
        }
        if let Some(e) = too_deep {
            let (line, col) = file.line_column(e.at + bom);
            problems.push(problem(&file.path, Some((line, col)), e.to_string()));
        }
        (diagnostics, problems, parse_time, analyse_start.elapsed())
    });
    // Spans point into this file only: free proc-macro2's record of it.
    proc_macro2::extra::invalidate_current_thread_spans();
    match caught {
        Ok((diagnostics, problems, parse_time, analyse_time)) => {
            outcome.diagnostics = diagnostics;
            outcome.problems = problems;
            outcome.parse_time = parse_time;
            outcome.analyse_time = analyse_time;
        }
        Err(what) => {
            outcome.problems.push(problem(
                &file.path,
                None,
                format!("internal error while checking this file ({what}); the rest was still checked — please report this at the yieldsafe issue tracker with the file"),
            ));
        }
    }
    outcome
}

/// Move a held value's byte ranges past a stripped BOM.
fn shift(h: &mut analysis::HeldValue, by: usize) {
    if by == 0 {
        return;
    }
    let s = |r: &mut (usize, usize)| {
        r.0 += by;
        r.1 += by;
    };
    s(&mut h.value.span);
    for (y, _) in &mut h.yields {
        s(&mut y.span);
    }
    for (d, _) in &mut h.drops {
        s(d);
    }
    if let Some((at, _)) = &mut h.drop_before {
        *at += by;
    }
    if let Some(owner) = &mut h.owner {
        s(&mut owner.name_span);
    }
}
