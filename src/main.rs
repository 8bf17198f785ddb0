//! The `yieldsafe` command: parse arguments, run the library, render, exit.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, ValueEnum};

use yieldsafe::diagnostic::Level;
use yieldsafe::edition::Edition;
use yieldsafe::render::{self, Format};
use yieldsafe::{catalog, Options};

#[derive(Debug, Clone, Copy, ValueEnum)]
enum FormatArg {
    Human,
    Short,
    Json,
    Sarif,
    Cargo,
    Github,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ColorArg {
    Auto,
    Always,
    Never,
}

/// Finds lock guards, `RefCell` borrows and other values held across `.await`
/// points in async Rust, without building the code.
#[derive(Debug, Parser)]
#[command(name = "yieldsafe", version, about, long_about = None)]
struct Cli {
    /// Files or directories to check (directories are walked for `.rs` files,
    /// skipping `target/` and hidden directories) [default: the directory of
    /// `--manifest-path`, else `.`]
    paths: Vec<PathBuf>,

    /// Check the package or workspace of this `Cargo.toml` (its directory) when no
    /// PATH is given. `cargo yieldsafe` passes the current workspace's.
    #[arg(long, value_name = "PATH")]
    manifest_path: Option<PathBuf>,

    /// Output format: `human` (rustc style), `short` (one line per finding), `json`
    /// (JSON Lines), `sarif` (SARIF 2.1.0), `cargo` (cargo's `--message-format=json`
    /// lines, for rust-analyzer's `check.overrideCommand`), `github` (GitHub Actions
    /// annotations).
    #[arg(long, value_enum, default_value = "human")]
    format: FormatArg,

    /// When to colour the output.
    #[arg(long, value_enum, default_value = "auto")]
    color: ColorArg,

    /// Set a lint to warn (`warnings` for all).
    #[arg(short = 'W', long = "warn", value_name = "LINT")]
    warn: Vec<String>,

    /// Set a lint to allow (`warnings` for all).
    #[arg(short = 'A', long = "allow", value_name = "LINT")]
    allow: Vec<String>,

    /// Set a lint to deny: its findings make the exit status 1 (`-D warnings`: all).
    #[arg(short = 'D', long = "deny", value_name = "LINT")]
    deny: Vec<String>,

    /// Set a lint to forbid (deny, and cannot be lowered later).
    #[arg(short = 'F', long = "forbid", value_name = "LINT")]
    forbid: Vec<String>,

    /// Edition for every file, instead of each crate's `Cargo.toml` (default 2021
    /// outside any crate).
    #[arg(long, value_parser = parse_edition)]
    edition: Option<Edition>,

    /// Skip files and directories matching this glob (repeatable).
    #[arg(long, value_name = "GLOB")]
    exclude: Vec<String>,

    /// Read lint levels and excludes from this file (a `yieldsafe.toml`, or a
    /// `Cargo.toml` with `[package.metadata.yieldsafe]`) instead of the first
    /// `yieldsafe.toml`, `.yieldsafe.toml` or `Cargo.toml` metadata found walking up from
    /// the first PATH.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,

    /// Number of threads (default: one per core).
    #[arg(long, short = 'j', value_name = "N")]
    jobs: Option<usize>,

    /// Apply the machine-applicable suggestions (such as `drop(guard);` before an
    /// await) to the files, then report what is left. A file is written only if it
    /// still parses after the fix and has not changed since it was read.
    #[arg(long)]
    fix: bool,

    /// With `--fix`: print the fixes as a unified diff on stdout and write nothing.
    #[arg(long, requires = "fix")]
    dry_run: bool,

    /// Print no summary or progress to stderr.
    #[arg(long, short = 'q')]
    quiet: bool,

    /// Print figures about the run (files, lines, time by phase) to stderr.
    #[arg(long)]
    stats: bool,

    /// Parse every file and index every file of each crate up front. By default only
    /// files that can have findings (a yield point, or a yieldsafe lint named in an
    /// attribute or comment) are parsed, and a crate's other files only as far as
    /// the analysis asks about the names they declare. The findings are the same;
    /// this also reports syntax errors in files that cannot have findings.
    #[arg(long)]
    full_parse: bool,

    /// Print the documentation of a lint and exit.
    #[arg(long, value_name = "LINT")]
    explain: Option<String>,

    /// List the lints with their default levels and exit.
    #[arg(long)]
    list_lints: bool,
}

/// cargo-style progress on stderr, shown once the run has taken a second; the line
/// is cleared at the end (`done` set to `usize::MAX`).
fn progress_bar(p: &yieldsafe::Progress) {
    use std::sync::atomic::Ordering;
    let start = std::time::Instant::now();
    let mut shown = false;
    loop {
        std::thread::sleep(std::time::Duration::from_millis(100));
        let done = p.done.load(Ordering::Relaxed);
        if done == usize::MAX {
            break;
        }
        if start.elapsed() < std::time::Duration::from_secs(1) {
            continue;
        }
        let total = p.total.load(Ordering::Relaxed).max(1);
        let width = 30;
        let filled = (done.min(total) * width) / total;
        eprint!(
            "\r    Checking [{}>{}] {done}/{total} files",
            "=".repeat(filled),
            " ".repeat(width - filled)
        );
        shown = true;
    }
    if shown {
        eprint!("\r{}\r", " ".repeat(60));
    }
}

fn parse_edition(s: &str) -> Result<Edition, String> {
    s.parse()
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(code) = catalog_request(&cli) {
        return code;
    }
    let options = match options(&cli) {
        Ok(options) => options,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let color_out = color_for(cli.color, &std::io::stdout());
    let color_err = color_for(cli.color, &std::io::stderr());
    // On a terminal, a run that takes more than a second shows how far it is.
    let show_progress = !cli.quiet && std::io::stderr().is_terminal();
    let mut report = run_with_progress(options.clone(), show_progress);
    if cli.fix {
        let plan = yieldsafe::fix::plan(&report.diagnostics, &report.sources);
        if cli.dry_run {
            return print_fixes(&plan, &report, cli.quiet, color_err);
        }
        let outcome = yieldsafe::fix::write(plan);
        for f in outcome.files.iter().filter(|_| !cli.quiet) {
            eprintln!("fixed {} finding(s) in {}", f.applied, f.path.display());
        }
        if !outcome.files.is_empty() {
            // What is reported is what is left.
            report = yieldsafe::run(&options);
        }
        report.problems.extend(outcome.problems);
    }
    let rendering = std::time::Instant::now();
    if let Err(code) = render_report(&cli, &report, color_out, color_err) {
        return code;
    }
    if cli.stats {
        print_stats(&report, rendering.elapsed());
    }
    if show_progress {
        print_summary(&report);
    }
    ExitCode::from(report.exit_code() as u8)
}

/// `--list-lints` and `--explain`, which print from the catalog and exit.
fn catalog_request(cli: &Cli) -> Option<ExitCode> {
    if cli.list_lints {
        print!("{}", catalog::list());
        return Some(ExitCode::SUCCESS);
    }
    let name = cli.explain.as_ref()?;
    Some(match catalog::get(name) {
        Some(info) => {
            print!("{}", catalog::explain(info));
            ExitCode::SUCCESS
        }
        None => {
            eprintln!("error: no lint named `{name}`; `yieldsafe --list-lints` lists them");
            ExitCode::from(2)
        }
    })
}

/// The run the arguments ask for: paths, settings files, then the level flags.
fn options(cli: &Cli) -> Result<Options, String> {
    let paths = match (&cli.manifest_path, cli.paths.is_empty()) {
        (Some(manifest), true) => vec![manifest_dir(manifest)?],
        _ => cli.paths.clone(),
    };
    let mut options = Options {
        paths,
        exclude: cli.exclude.clone(),
        edition: cli.edition,
        jobs: cli.jobs,
        full_parse: cli.full_parse,
        ..Options::default()
    };
    // Cargo's `[lints.clippy]`, then the yieldsafe settings, then the flags.
    let config = yieldsafe::config::load(cli.config.as_deref(), &options.paths)
        .map_err(|e| e.to_string())?;
    config.apply(&mut options.levels);
    options.exclude.extend(config.exclude);
    options.invalid_types = config.invalid_types;
    options.hazard_methods = config.hazard_methods;
    options.per_package_config = cli.config.is_none();
    // rustc applies level flags in command-line order; clap groups them by flag, so
    // recover the order from the raw arguments.
    for (level, lint) in level_flags_in_order(cli) {
        if !options.levels.set(&lint, level) {
            return Err(format!(
                "unknown lint `{lint}`; `yieldsafe --list-lints` lists them"
            ));
        }
        options.flags.push((lint, level));
    }
    Ok(options)
}

/// Whether to colour what goes to `stream`.
fn color_for(arg: ColorArg, stream: &impl IsTerminal) -> bool {
    match arg {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => stream.is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    }
}

/// `yieldsafe::run`, with a progress line on stderr when `show_progress`.
fn run_with_progress(mut options: Options, show_progress: bool) -> yieldsafe::Report {
    if !show_progress {
        return yieldsafe::run(&options);
    }
    let p = std::sync::Arc::new(yieldsafe::Progress::default());
    options.progress = Some(p.clone());
    let ticker = {
        let p = p.clone();
        std::thread::spawn(move || progress_bar(&p))
    };
    let report = yieldsafe::run(&options);
    // Signal the end (done = total) and wait for the line to be cleared.
    p.done
        .store(usize::MAX, std::sync::atomic::Ordering::Relaxed);
    let _ = ticker.join();
    report
}

/// Problems and notes to stderr, the findings in the chosen format to stdout.
fn render_report(
    cli: &Cli,
    report: &yieldsafe::Report,
    color_out: bool,
    color_err: bool,
) -> Result<(), ExitCode> {
    let format = match cli.format {
        FormatArg::Human => Format::Human,
        FormatArg::Short => Format::Short,
        FormatArg::Json => Format::Json,
        FormatArg::Sarif => Format::Sarif,
        FormatArg::Cargo => Format::Cargo,
        FormatArg::Github => Format::Github,
    };
    let mut err = std::io::stderr().lock();
    for p in &report.problems {
        let _ = render::render_problem(p, color_err, &mut err);
    }
    if !cli.quiet {
        for n in &report.notes {
            let _ = writeln!(err, "note: {n}");
        }
    }
    let mut out = std::io::stdout().lock();
    if let Err(e) = render::render_with_problems(
        format,
        &report.diagnostics,
        &report.problems,
        &report.sources,
        color_out,
        &mut out,
    ) {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            let _ = writeln!(err, "error: cannot write the report: {e}");
            return Err(ExitCode::from(2));
        }
    }
    let _ = out.flush();
    Ok(())
}

/// `--stats`: figures about the run on stderr.
fn print_stats(report: &yieldsafe::Report, rendering: std::time::Duration) {
    let s = &report.stats;
    let secs = |d: std::time::Duration| d.as_secs_f64();
    eprintln!(
        "stats: {} files, {} lines, {} bytes, {} crates, {} findings; {} files parsed, {} indexed\n\
         stats: wall {:.3}s: discover {:.3}s, render {:.3}s; summed over threads: read+scan {:.3}s, index {:.3}s, parse {:.3}s, analyse {:.3}s",
        s.files,
        s.lines,
        s.bytes,
        s.crates,
        report.diagnostics.len(),
        s.parsed,
        s.indexed,
        secs(s.wall + rendering),
        secs(s.discover),
        secs(rendering),
        secs(s.read_scan),
        secs(s.index),
        secs(s.parse),
        secs(s.analyse),
    );
}

/// The one-line summary a terminal gets at the end.
fn print_summary(report: &yieldsafe::Report) {
    let warnings = report
        .diagnostics
        .iter()
        .filter(|d| !d.level.is_error())
        .count();
    let errors = report.diagnostics.len() - warnings;
    eprintln!(
        "yieldsafe: checked {} file(s) in {:.2}s: {} warning(s), {} error(s), {} problem(s)",
        report.stats.files,
        report.stats.wall.as_secs_f64(),
        warnings,
        errors,
        report.problems.len()
    );
}

/// The directory `--manifest-path` names, as given (relative stays relative).
fn manifest_dir(manifest: &std::path::Path) -> Result<PathBuf, String> {
    if !manifest.is_file() {
        return Err(format!(
            "--manifest-path `{}`: no such file (it names a `Cargo.toml`)",
            manifest.display()
        ));
    }
    Ok(match manifest.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    })
}

/// `--fix --dry-run`: the fixes as a unified diff on stdout, problems on stderr.
fn print_fixes(
    plan: &yieldsafe::fix::FixOutcome,
    report: &yieldsafe::Report,
    quiet: bool,
    color_err: bool,
) -> ExitCode {
    let mut out = std::io::stdout().lock();
    for f in &plan.files {
        let _ = out.write_all(f.unified_diff().as_bytes());
    }
    let _ = out.flush();
    let mut err = std::io::stderr().lock();
    for p in report.problems.iter().chain(&plan.problems) {
        let _ = render::render_problem(p, color_err, &mut err);
    }
    if !quiet {
        let _ = writeln!(
            err,
            "yieldsafe: would fix {} finding(s) in {} file(s); nothing was written",
            plan.applied(),
            plan.files.len()
        );
    }
    if plan.problems.is_empty() {
        ExitCode::from(report.exit_code() as u8)
    } else {
        ExitCode::from(2)
    }
}

/// The `-W/-A/-D/-F` flags in the order they were given.
fn level_flags_in_order(cli: &Cli) -> Vec<(Level, String)> {
    let mut pending: Vec<(Level, &Vec<String>)> = vec![
        (Level::Warn, &cli.warn),
        (Level::Allow, &cli.allow),
        (Level::Deny, &cli.deny),
        (Level::Forbid, &cli.forbid),
    ];
    let mut used = [0usize; 4];
    let mut out = Vec::new();
    let args: Vec<String> = std::env::args().collect();
    for arg in &args {
        let level = match arg.as_str() {
            a if a.starts_with("-W") || a.starts_with("--warn") => 0,
            a if a.starts_with("-A") || a.starts_with("--allow") => 1,
            a if a.starts_with("-D") || a.starts_with("--deny") => 2,
            a if a.starts_with("-F") || a.starts_with("--forbid") => 3,
            _ => continue,
        };
        if let Some(lint) = pending[level].1.get(used[level]) {
            out.push((pending[level].0, lint.clone()));
            used[level] += 1;
        }
    }
    // Anything not matched (unusual spellings) keeps clap's grouping.
    for (i, (level, lints)) in pending.iter_mut().enumerate() {
        for lint in lints.iter().skip(used[i]) {
            out.push((*level, lint.clone()));
        }
    }
    out
}
