//! The pipeline, stage by stage: `run` discovers the files, groups them by package
//! and checks the packages in parallel; each package's files are read and scanned,
//! its crate table built, and the files that can have findings parsed, analysed and
//! linted.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::catalog::{Lint, LintLevels};
use crate::diagnostic::{Diagnostic, Problem};
use crate::hazard::listed::Listed;
use crate::input::edition::Edition;
use crate::input::fs::read_regular_file_into;
use crate::input::source::{SourceFile, Sources};
use crate::input::{config, discover};
use crate::prefilter::{nesting, scan};
use crate::resolve::crate_table;
use crate::support::{failpoint, panic_guard};
use crate::{analysis, lint as lints};

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
    let check_all = || -> Vec<PackageResult> {
        let package_levels = package_configs(&files, options);
        // Package by package, so that a crate's index lives only while its files are
        // checked; packages in parallel, and the files of each.
        let mut groups: Vec<(Option<Arc<Path>>, Vec<&discover::SourcePath>)> = Vec::new();
        let mut slot: std::collections::HashMap<Option<&Arc<Path>>, usize> =
            std::collections::HashMap::new();
        for f in &files {
            let i = *slot.entry(f.package.as_ref()).or_insert_with(|| {
                groups.push((f.package.clone(), Vec::new()));
                groups.len() - 1
            });
            groups[i].1.push(f);
        }
        // The biggest first: the last package to finish is then a small one.
        groups.sort_by_key(|(_, members)| std::cmp::Reverse(members.len()));
        groups
            .par_iter()
            .map(|(package, members)| {
                let config = package.as_ref().and_then(|p| package_levels.get(p));
                check_package(package.as_ref(), members, config, options)
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
    for package in results {
        let stats = &mut report.stats;
        stats.crates += usize::from(package.crate_);
        stats.indexed += package.indexed;
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
            report_file(&mut report, r, &mut problems);
        }
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

fn report_file(report: &mut Report, r: FileResult, problems: &mut Vec<Problem>) {
    {
        if let Some(text) = r.text {
            if !r.diagnostics.is_empty() {
                report.sources.insert(r.path.clone(), text);
            }
        }
        report.diagnostics.extend(r.diagnostics);
        problems.extend(r.problems);
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

struct FileResult {
    path: Arc<Path>,
    text: Option<Arc<str>>,
    diagnostics: Vec<Diagnostic>,
    problems: Vec<Problem>,
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
            lines: 0,
            bytes: 0,
            read_scan: Duration::ZERO,
            parsed: false,
            parse: Duration::ZERO,
            analyse: Duration::ZERO,
        }
    }
}

/// The files of one package (or of none), checked.
struct PackageResult {
    files: Vec<FileResult>,
    /// Whether these files form a package (a crate with an index).
    crate_: bool,
    indexed: usize,
    index_time: Duration,
    /// The part of `index_time` spent inside the files' analysis.
    index_in_analysis: Duration,
}

/// A package's own configured lists, to put on its crate table.
struct PackageLists {
    invalid_types: Vec<Listed>,
    hazard_methods: Vec<Listed>,
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

/// What reading and scanning a file told, before its crate's index exists.
struct Scanned<'a> {
    file: &'a discover::SourcePath,
    result: FileResult,
    /// Whether the file must be parsed and analysed.
    analyse: bool,
    /// The macros it invokes, when one that awaits would make it need analysis.
    macro_calls: Vec<String>,
    declared: crate_table::Declared,
    /// The file's summary, when the whole crate is summarised up front.
    summary: Option<crate_table::FileSummary>,
    summary_time: Duration,
    /// The text, kept from the scan for the analysis when the file needs one.
    text: Option<Arc<str>>,
    /// The `macro_rules!` it declares.
    macros: Vec<String>,
}

/// Check the files of one package: read and scan each, then parse and analyse those
/// that can have findings, with an index of the crate that summarises the other
/// files as the analysis asks about the names they declare (or, with
/// `full_parse`, every file up front).
fn check_package(
    package: Option<&Arc<Path>>,
    members: &[&discover::SourcePath],
    config: Option<&(LintLevels, PackageLists)>,
    options: &Options,
) -> PackageResult {
    let done = |n: usize| {
        if let Some(p) = &options.progress {
            p.done.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
        }
    };
    let members: Vec<&discover::SourcePath> = match (package, config) {
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
    let kept = std::sync::atomic::AtomicUsize::new(0);
    let mut scanned: Vec<Scanned> = members
        .par_iter()
        .map(|f| scan_file(f, in_crate, full, &kept))
        .collect();
    let (invalid_types, hazard_methods) = match config {
        Some((_, lists)) => (lists.invalid_types.clone(), lists.hazard_methods.clone()),
        None => (
            options.invalid_types.clone(),
            options.hazard_methods.clone(),
        ),
    };
    let table = if !in_crate {
        crate_table::CrateTable::default()
    } else if full {
        let files = scanned
            .iter_mut()
            .map(|s| {
                let declared = std::mem::take(&mut s.declared);
                (s.file.path.clone(), declared, s.summary.take())
            })
            .collect();
        crate_table::CrateTable::merge(package.map(|d| &**d), files)
    } else {
        let files = scanned
            .iter_mut()
            .map(|s| (s.file.path.clone(), std::mem::take(&mut s.declared)))
            .collect();
        crate_table::CrateTable::lazy(
            package.map(|d| &**d),
            files,
            crate::sketch::summary::summarize_shallow,
        )
    };
    let table = Arc::new(table.with_lists(invalid_types, hazard_methods));
    // A file that invokes a macro of its crate that awaits has yield points too.
    for s in &mut scanned {
        if !s.analyse && !s.macro_calls.is_empty() {
            s.analyse = s.macro_calls.iter().any(|m| table.awaiting_macro(m));
        }
    }
    let up_front: Duration = scanned.iter().map(|s| s.summary_time).sum();
    let before_analysis = table.indexing().1;
    let levels = config.map(|(l, _)| l).unwrap_or(&options.levels);
    let files: Vec<FileResult> = scanned
        .into_par_iter()
        .map(|s| {
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
            if let Some(text) = text {
                let blanking = Instant::now();
                let parse_text = (!full).then(|| {
                    let awaits = |m: &str| {
                        crate::resolve::macros::AWAITING_MACROS.contains(&m)
                            || s.macros.iter().any(|own| own == m)
                            || table.awaiting_macro(m)
                    };
                    panic_guard::catch(|| scan::blank_quiet_fn_bodies(&text, &awaits))
                        .ok()
                        .flatten()
                });
                let parse_text = parse_text.flatten();
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
            }
            done(1);
            result
        })
        .collect();
    let (lazily, lazy_time) = table.indexing();
    PackageResult {
        crate_: in_crate,
        indexed: if full && in_crate {
            files.len()
        } else {
            lazily
        },
        index_time: up_front + lazy_time,
        index_in_analysis: lazy_time.saturating_sub(before_analysis),
        files,
    }
}

/// Read a file and find out what it declares and whether it can have findings: by
/// a lexical scan or, with `full`, by parsing it (and summarising it for its crate
/// when it has one).
fn scan_file<'a>(
    f: &'a discover::SourcePath,
    in_crate: bool,
    full: bool,
    kept: &std::sync::atomic::AtomicUsize,
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
                scan_text(&mut scanned, text, in_crate, full);
                let wanted = scanned.analyse || !scanned.macro_calls.is_empty();
                if wanted
                    && kept.fetch_add(text.len(), std::sync::atomic::Ordering::Relaxed)
                        < KEPT_TEXT_PER_PACKAGE
                {
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
fn scan_text(scanned: &mut Scanned, text: &str, in_crate: bool, full: bool) {
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
            scanned.summary = crate::sketch::summary::summarize_text(text, false);
            proc_macro2::extra::invalidate_current_thread_spans();
            scanned.summary_time = summarizing.elapsed();
        }
    } else {
        scanned.analyse = can_have_findings(&facts);
        if !scanned.analyse && facts.has_async {
            scanned.macro_calls = facts.macro_calls.clone();
        }
        scanned.macros = facts.macros.clone();
    }
    // The module tree, and which names the crate may declare, come from the scan in
    // both modes.
    scanned.declared = crate_table::Declared {
        types: facts.types,
        fns: facts.fns,
        free_fns: facts.free_fns,
        impls: facts.impl_names,
        traits: facts.traits,
        // Words of a use tree that never name what it brings in.
        reexports: facts
            .use_names
            .into_iter()
            .filter(|n| !matches!(n.as_str(), "self" | "super" | "crate" | "as" | "_"))
            .collect(),
        macros: facts.macros,
        statics: facts.statics,
        aliases: facts.aliases,
        drop: facts.mentions_drop,
        must_not_suspend: facts.mentions_must_not_suspend,
        mods: facts.mods,
    };
}

/// Whether what the scan found can make a finding: a yield point (`.await`, `yield`,
/// a macro known to await), a lint's name (an `#[expect]` may go unfulfilled), or
/// something the scan could not follow. A crate's own macros that await are asked
/// about separately, when the crate's index exists.
fn can_have_findings(facts: &scan::Facts) -> bool {
    facts.yields
        || facts.lint_names
        || facts.unsure
        || facts
            .macro_calls
            .iter()
            .any(|m| crate::resolve::macros::AWAITING_MACROS.contains(&m.as_str()))
}

/// How much text of a package's files is kept from the scan for the analysis.
const KEPT_TEXT_PER_PACKAGE: usize = 64 << 20;

/// Parse (`parse_text` if given, else the file's text) and analyse a file that was
/// read and scanned already.
fn analyse_file(
    result: &mut FileResult,
    file: &SourceFile,
    parse_text: Option<&str>,
    edition: Edition,
    levels: &LintLevels,
    table: Arc<crate_table::CrateTable>,
) {
    let outcome = check_source_parsing(file, parse_text, edition, levels, Some(table));
    result.parsed = true;
    result.parse = outcome.parse_time;
    result.analyse = outcome.analyse_time;
    result.diagnostics = outcome.diagnostics;
    result.problems = outcome.problems;
    // Only the renderers need the text, and only of files with findings: keeping
    // every file's text until the end made memory grow with the tree.
    result.text = (!result.diagnostics.is_empty()).then(|| file.text.clone());
}

/// `text.lines().count()`, counted a byte at a time (which the compiler vectorises).
fn line_count(text: &str) -> usize {
    let breaks = text.bytes().filter(|&b| b == b'\n').count();
    breaks + usize::from(!text.is_empty() && !text.ends_with('\n'))
}

/// A file's text, read into `buffer`, or the problem that says why it cannot be had.
fn read_source_into<'b>(path: &Arc<Path>, buffer: &'b mut Vec<u8>) -> Result<&'b str, Problem> {
    read_regular_file_into(path, buffer)
        .map_err(|e| problem(path, None, format!("cannot read this file: {e}")))?;
    std::str::from_utf8(buffer).map_err(|e| {
        problem(
            path,
            None,
            format!(
                "this file is not valid UTF-8 (invalid byte at offset {})",
                e.valid_up_to()
            ),
        )
    })
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
    check_source_parsing(file, None, edition, levels, table)
}

/// `check_source` as a default run does it: `None` when the lexical scan says the
/// file cannot have findings (it is then not parsed at all), else the outcome of
/// checking it with the fn bodies that cannot matter blanked. The findings are those
/// of `check_source` whenever the file parses; the tests and the fuzz targets compare
/// the two.
pub fn check_source_prefiltered(
    file: &SourceFile,
    edition: Edition,
    levels: &LintLevels,
) -> Option<CheckOutcome> {
    let facts = scan::scan(&file.text);
    if !can_have_findings(&facts) {
        return None;
    }
    // Alone, a file's own macros are the only ones that can await besides the known.
    let awaits = |m: &str| {
        crate::resolve::macros::AWAITING_MACROS.contains(&m)
            || facts.macros.iter().any(|own| own == m)
    };
    let parse_text = scan::blank_quiet_fn_bodies(&file.text, &awaits);
    Some(check_source_parsing(
        file,
        parse_text.as_deref(),
        edition,
        levels,
        None,
    ))
}

/// `check_source_in_crate`, parsing `parse_text` (the file's text with the bodies
/// the analysis does not need blanked, every offset unchanged) when given.
fn check_source_parsing(
    file: &SourceFile,
    parse_text: Option<&str>,
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
        let parsed = syn::parse_file(parse_text.unwrap_or(&file.text));
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
        let module = table.as_ref().and_then(|t| t.module_of(&file.path));
        let (held, too_deep) =
            analysis::analyse_file_in_crate(&ast, &file.text[bom..], edition, table, module);
        let mut diagnostics = Vec::new();
        let mut problems = Vec::new();
        // Levels written in the code matter where there are findings, and where an
        // `#[expect]` or a `yieldsafe:` comment may be left unfulfilled.
        let text = &file.text[bom..];
        let source_levels =
            if held.is_empty() && !text.contains("expect") && !text.contains("yieldsafe:") {
                lints::suppress::SourceLevels::default()
            } else {
                lints::suppress::SourceLevels::collect(&ast, text)
            };
        let mut held = held;
        for h in &mut held {
            shift(h, bom);
        }
        let level_at = |lint: Lint, at: usize| {
            let line = file.line_column(at).0;
            source_levels.level(lint, at.saturating_sub(bom), line, levels.get(lint))
        };
        diagnostics.extend(lints::file_diagnostics(&held, file, levels, &level_at));
        for mut u in source_levels.unfulfilled() {
            u.at = (u.at.0 + bom, u.at.1 + bom);
            let lint = Lint::UnfulfilledLintExpectations;
            let mut here = levels.clone();
            here.set_lint(lint, level_at(lint, u.at.0));
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
fn shift(h: &mut crate::held::HeldValue, by: usize) {
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
