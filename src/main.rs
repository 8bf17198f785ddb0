//! The `yieldsafe` command: parse arguments, run the library, render, exit.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{ArgAction, CommandFactory, FromArgMatches, Parser, ValueEnum};

use yieldsafe::baseline::Baseline;
use yieldsafe::diagnostic::Level;
use yieldsafe::edition::Edition;
use yieldsafe::input::cargo::{FeatureSelection, PackageChoice, Selection, TargetChoice};
use yieldsafe::render::{self, CargoStyle, Format, Rendered};
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
#[command(
    name = "yieldsafe",
    version,
    about,
    long_about = None,
    args_conflicts_with_subcommands = true,
    disable_help_subcommand = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,

    /// Files or directories to check (directories are walked for `.rs` files,
    /// skipping `target/` and hidden directories) [default: the directory of
    /// `--manifest-path`, else `.`]
    paths: Vec<PathBuf>,

    /// Check the package of this `Cargo.toml` as cargo would (its targets' files), or
    /// with `--workspace` its whole workspace, when no PATH is given. `cargo
    /// yieldsafe` passes the nearest one of the current directory.
    #[arg(long, value_name = "PATH")]
    manifest_path: Option<PathBuf>,

    /// Output format: `human` (rustc style), `short` (one line per finding), `json`
    /// (JSON Lines), `sarif` (SARIF 2.1.0), `cargo` (cargo's `--message-format=json`
    /// lines, for rust-analyzer's `check.overrideCommand`), `github` (GitHub Actions
    /// annotations). Repeatable, each with its own `--output` [default: human]
    #[arg(long, value_enum)]
    format: Vec<FormatArg>,

    /// Write the `--format` given before it to FILE instead of stdout (repeatable, one
    /// per format); the findings still go to the terminal in the human format.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Vec<PathBuf>,

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

    /// With `--fix`: apply the maybe-incorrect suggestions too (they may change what
    /// the code means or fail to compile: review the diff).
    #[arg(long, requires = "fix")]
    unsafe_fixes: bool,

    /// Print no summary or progress to stderr.
    #[arg(long, short = 'q')]
    quiet: bool,

    /// Print figures about the run (files, lines, time by phase) to stderr.
    #[arg(long)]
    stats: bool,

    /// Parse every file and index every file of each crate up front. By default only
    /// files that can have findings (a yield point, a method call that takes a lock,
    /// or a yieldsafe lint named in an attribute or comment) are parsed, and a crate's
    /// other files only as far as the analysis asks about the names they declare. The findings are the same;
    /// this also reports syntax errors in files that cannot have findings.
    #[arg(long)]
    full_parse: bool,

    /// Print the documentation of a lint and exit.
    #[arg(long, value_name = "LINT")]
    explain: Option<String>,

    /// List the lints with their default levels and exit.
    #[arg(long)]
    list_lints: bool,

    /// Report only the findings that are not in this baseline (written by
    /// `--write-baseline`).
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,

    /// Record the findings of this run in a baseline file, report nothing and exit.
    #[arg(long, value_name = "FILE", conflicts_with = "fix")]
    write_baseline: Option<PathBuf>,

    /// Say what was left out on purpose and why (files no target reaches).
    #[arg(long, short = 'v', action = ArgAction::Count)]
    verbose: u8,

    /// Do not read the dependencies' sources. By default, the sources cargo keeps
    /// for the packages of `Cargo.lock` ($CARGO_HOME/registry/src, git checkouts,
    /// path dependencies and workspace members) are read where the checked code
    /// uses their names: their re-exports, guard-returning fns, guard-holding
    /// structs and `#[must_not_suspend]` types. Nothing is downloaded, built or run.
    #[arg(long)]
    no_deps: bool,

    /// cargo's output format, as `cargo check` takes it: `human`, `short`, or the JSON
    /// lines of `json`, `json-diagnostic-short`, `json-diagnostic-rendered-ansi`,
    /// `json-render-diagnostics` (comma-separated, as cargo combines them).
    #[arg(
        long,
        value_name = "FMT",
        help_heading = "Cargo options",
        conflicts_with = "format"
    )]
    message_format: Vec<String>,

    /// Check every member of the workspace (of `--manifest-path`, else of the current
    /// directory).
    #[arg(long, visible_alias = "all", help_heading = "Cargo options")]
    workspace: bool,

    /// Check this package of the workspace (repeatable; `name`, `name@version` or a
    /// glob).
    #[arg(long, short = 'p', value_name = "SPEC", help_heading = "Cargo options")]
    package: Vec<String>,

    /// With `--workspace`, leave this package out (cargo's `--exclude`; `cargo
    /// yieldsafe --exclude NAME` passes it here).
    #[arg(long, value_name = "SPEC", help_heading = "Cargo options")]
    exclude_package: Vec<String>,

    /// Check the library target.
    #[arg(long, help_heading = "Cargo options")]
    lib: bool,

    /// Check every binary target.
    #[arg(long, help_heading = "Cargo options")]
    bins: bool,

    /// Check the targets built as tests: library, binaries, `tests/`.
    #[arg(long, help_heading = "Cargo options")]
    tests: bool,

    /// Check the targets built as benchmarks: library, binaries, `benches/`.
    #[arg(long, help_heading = "Cargo options")]
    benches: bool,

    /// Check every example target.
    #[arg(long, help_heading = "Cargo options")]
    examples: bool,

    /// Check every target: library, binaries, tests, benchmarks, examples.
    #[arg(long, help_heading = "Cargo options")]
    all_targets: bool,

    /// Features to choose `#[cfg(feature = "..")]` code by (comma-separated,
    /// repeatable; `cargo yieldsafe -F` passes them here).
    #[arg(long, value_name = "FEATURES", help_heading = "Cargo options")]
    features: Vec<String>,

    /// Choose code as if every feature were on.
    #[arg(long, help_heading = "Cargo options")]
    all_features: bool,

    /// Choose code as if the default features were off.
    #[arg(long, help_heading = "Cargo options")]
    no_default_features: bool,

    /// Accepted for cargo's sake: yieldsafe always checks every file it can.
    #[arg(long, hide = true)]
    keep_going: bool,

    /// Accepted for cargo's sake: yieldsafe reads no registry and writes no lock file.
    #[arg(long, hide = true)]
    frozen: bool,

    /// Accepted for cargo's sake (see `--frozen`).
    #[arg(long, hide = true)]
    locked: bool,

    /// Accepted for cargo's sake (see `--frozen`).
    #[arg(long, hide = true)]
    offline: bool,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Run the language server on stdin and stdout: checks the editor's unsaved
    /// buffers as they are typed, with quick fixes (see the README for editors)
    Lsp,
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
    let (cli, matches) = match parse_arguments() {
        Ok(parsed) => parsed,
        Err(code) => return code,
    };
    if let Some(Command::Lsp) = cli.command {
        return match yieldsafe::lsp::serve_stdio() {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: yieldsafe lsp: {e}");
                ExitCode::from(1)
            }
        };
    }
    if let Some(code) = catalog_request(&cli) {
        return code;
    }
    let prepared = options(&cli).and_then(|options| {
        let sinks = sinks(&cli, &matches)?;
        let baseline = match &cli.baseline {
            Some(file) => Some(Baseline::read(file).map_err(|e| e.to_string())?),
            None => None,
        };
        Ok((options, sinks, baseline))
    });
    let (options, sinks, baseline) = match prepared {
        Ok(prepared) => prepared,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let color_err = color_for(cli.color, &std::io::stderr());
    // On a terminal, a run that takes more than a second shows how far it is.
    let show_progress = !cli.quiet && std::io::stderr().is_terminal();
    let mut report = run_with_progress(options.clone(), show_progress);
    if cli.fix {
        let set = if cli.unsafe_fixes {
            yieldsafe::fix::FixSet::WithMaybeIncorrect
        } else {
            yieldsafe::fix::FixSet::MachineApplicable
        };
        let plan = yieldsafe::fix::plan_set(&report.diagnostics, &report.sources, set);
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
    if let Some(file) = &cli.write_baseline {
        return write_baseline(file, &report, &cli, color_err);
    }
    let known = match &baseline {
        Some(baseline) => {
            let all = std::mem::take(&mut report.diagnostics);
            let (fresh, known) = baseline.new_findings(all, &report.sources);
            report.diagnostics = fresh;
            known
        }
        None => 0,
    };
    let rendering = std::time::Instant::now();
    if let Err(code) = render_report(&cli, &sinks, &report, color_err) {
        return code;
    }
    if cli.stats {
        print_stats(&report, rendering.elapsed());
    }
    if show_progress {
        eprint!("{}", summary(&report, known));
    }
    ExitCode::from(report.exit_code() as u8)
}

/// The arguments, or the exit status of a run that ends with printing help, the
/// version or an error. An unknown flag is named in words for `cargo yieldsafe`'s
/// sake, where clap's tip to put it after `--` would be wrong (`--` takes lint flags).
fn parse_arguments() -> Result<(Cli, clap::ArgMatches), ExitCode> {
    let parsed = Cli::command()
        .try_get_matches()
        .and_then(|m| Cli::from_arg_matches(&m).map(|cli| (cli, m)));
    let e = match parsed {
        Ok(parsed) => return Ok(parsed),
        Err(e) => e,
    };
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if e.kind() != ErrorKind::UnknownArgument {
        let _ = e.print();
        return Err(ExitCode::from(if e.use_stderr() { 2 } else { 0 }));
    }
    let flag = match e.get(ContextKind::InvalidArg) {
        Some(ContextValue::String(flag)) => flag.clone(),
        _ => String::from("?"),
    };
    let hint = match e.get(ContextKind::SuggestedArg) {
        Some(ContextValue::String(similar)) => format!("; did you mean `{similar}`?"),
        _ => "; `yieldsafe --help` lists the flags it takes (of cargo's: those that choose packages, targets, features and the message format)".into(),
    };
    eprintln!("error: unknown flag `{flag}`{hint}");
    Err(ExitCode::from(2))
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
            eprintln!(
                "error: no lint named `{name}`{}; `yieldsafe --list-lints` lists them",
                catalog::names::did_you_mean(name)
            );
            ExitCode::from(2)
        }
    })
}

/// The run the arguments ask for: paths or cargo's selection, settings files, then
/// the level flags.
fn options(cli: &Cli) -> Result<Options, String> {
    let cargo = cargo_selection(cli)?;
    let mut features = FeatureSelection {
        all_features: cli.all_features,
        no_default_features: cli.no_default_features,
        ..FeatureSelection::default()
    };
    for list in &cli.features {
        features.add(list);
    }
    let mut options = Options {
        paths: cli.paths.clone(),
        exclude: cli.exclude.clone(),
        edition: cli.edition,
        jobs: cli.jobs,
        full_parse: cli.full_parse,
        features,
        verbose: cli.verbose > 0,
        no_deps: cli.no_deps,
        cargo_home: yieldsafe::input::deps::cargo_home(),
        ..Options::default()
    };
    // The settings are looked up from the first PATH, or the manifest's directory.
    let start = match &cargo {
        Some(selection) => vec![manifest_dir(&selection.manifest)],
        None => options.paths.clone(),
    };
    options.cargo = cargo;
    // Cargo's `[lints]`, then the yieldsafe settings, then the flags.
    let config =
        yieldsafe::config::load(cli.config.as_deref(), &start).map_err(|e| e.to_string())?;
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
                "unknown lint `{lint}`{}; `yieldsafe --list-lints` lists them",
                catalog::names::did_you_mean(&lint)
            ));
        }
        options.flags.push((lint, level));
    }
    Ok(options)
}

/// cargo's selection of packages and targets, when the run checks a package or
/// workspace rather than PATHs: a `--manifest-path`, or any of cargo's selection
/// flags (then from the nearest `Cargo.toml` of the current directory, as cargo).
fn cargo_selection(cli: &Cli) -> Result<Option<Selection>, String> {
    let packages = if cli.workspace {
        PackageChoice::Workspace
    } else if !cli.package.is_empty() {
        PackageChoice::Named(cli.package.clone())
    } else {
        PackageChoice::Current
    };
    let targets = if cli.all_targets {
        TargetChoice::all()
    } else {
        TargetChoice {
            lib: cli.lib,
            bins: cli.bins,
            tests: cli.tests,
            benches: cli.benches,
            examples: cli.examples,
        }
    };
    let selecting = packages != PackageChoice::Current
        || !cli.exclude_package.is_empty()
        || targets != TargetChoice::default();
    if !cli.paths.is_empty() {
        if selecting {
            return Err("PATHs cannot be combined with cargo's package and target flags (`--workspace`, `-p`, `--lib`, ...), which choose the files themselves".into());
        }
        return Ok(None);
    }
    let manifest = match &cli.manifest_path {
        Some(manifest) if manifest.is_file() => manifest.clone(),
        Some(manifest) => {
            return Err(format!(
                "--manifest-path `{}`: no such file (it names a `Cargo.toml`)",
                manifest.display()
            ))
        }
        None if !selecting => return Ok(None),
        None => {
            let cwd = std::env::current_dir()
                .map_err(|e| format!("cannot read the current directory: {e}"))?;
            yieldsafe::input::cargo::nearest_manifest(&cwd).ok_or_else(|| {
                format!(
                    "could not find `Cargo.toml` in `{}` or any parent directory",
                    cwd.display()
                )
            })?
        }
    };
    Ok(Some(Selection {
        manifest,
        packages,
        exclude: cli.exclude_package.clone(),
        targets,
    }))
}

/// Where one format goes.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Destination {
    Stdout,
    Stderr,
    File(PathBuf),
}

/// One format of the run's output and where it goes.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Sink {
    format: Format,
    /// For `Format::Cargo`: the `--message-format` variant's style.
    cargo: CargoStyle,
    /// For `Format::Human` on stderr (`json-render-diagnostics`): colour, as cargo's
    /// `json-diagnostic-rendered-ansi` asks.
    ansi: bool,
    to: Destination,
}

impl Sink {
    fn new(format: Format, to: Destination) -> Sink {
        Sink {
            format,
            cargo: CargoStyle::default(),
            ansi: false,
            to,
        }
    }
}

/// The formats of the run and where each goes: `--message-format` (cargo's), or each
/// `--format` with the `--output` that follows it; the rest to stdout, where at
/// most one format can go. When every format goes to a file, the human one still
/// goes to the terminal.
fn sinks(cli: &Cli, matches: &clap::ArgMatches) -> Result<Vec<Sink>, String> {
    if !cli.message_format.is_empty() {
        if !cli.output.is_empty() {
            return Err("`--output` goes with `--format`, not cargo's `--message-format`".into());
        }
        return message_format(&cli.message_format);
    }
    let formats: Vec<Format> = cli.format.iter().map(|f| f.format()).collect();
    let formats = if formats.is_empty() {
        vec![Format::Human]
    } else {
        formats
    };
    let format_at: Vec<usize> = matches
        .indices_of("format")
        .map(Iterator::collect)
        .unwrap_or_default();
    let output_at: Vec<usize> = matches
        .indices_of("output")
        .map(Iterator::collect)
        .unwrap_or_default();
    let mut to: Vec<Destination> = vec![Destination::Stdout; formats.len()];
    for (file, at) in cli.output.iter().zip(output_at) {
        // The last `--format` before this `--output`, else the first.
        let which = format_at.iter().rposition(|&f| f < at).unwrap_or(0);
        if to[which] != Destination::Stdout {
            return Err(format!(
                "two `--output`s for one `--format`: `{}`",
                file.display()
            ));
        }
        to[which] = Destination::File(file.clone());
    }
    if to.iter().filter(|t| **t == Destination::Stdout).count() > 1 {
        return Err(
            "more than one `--format` for stdout; give each but one an `--output FILE`".into(),
        );
    }
    let mut out: Vec<Sink> = formats
        .into_iter()
        .zip(to)
        .map(|(f, t)| Sink::new(f, t))
        .collect();
    if !out.iter().any(|s| s.to == Destination::Stdout) {
        out.push(Sink::new(Format::Human, Destination::Stdout));
    }
    Ok(out)
}

/// cargo's `--message-format` values (repeatable, comma-separated, combined as cargo
/// combines them): `human` and `short` are ours; the `json` family is the `cargo`
/// format, whose `rendered` is short or coloured as asked; `json-render-diagnostics`
/// draws the findings for people on stderr and keeps them out of the JSON lines.
fn message_format(values: &[String]) -> Result<Vec<Sink>, String> {
    let (mut json, mut short, mut ansi, mut render, mut human) =
        (false, false, false, false, false);
    for value in values.iter().flat_map(|v| v.split(',')).map(str::trim) {
        match value {
            "human" => human = true,
            "short" => short = true,
            "json" => json = true,
            "json-diagnostic-short" => (json, short) = (true, true),
            "json-diagnostic-rendered-ansi" => (json, ansi) = (true, true),
            "json-render-diagnostics" => (json, render) = (true, true),
            other => {
                return Err(format!(
                    "unknown `--message-format` `{other}`; expected human, short, json, json-diagnostic-short, json-diagnostic-rendered-ansi or json-render-diagnostics"
                ))
            }
        }
    }
    if json && human {
        return Err("`--message-format` cannot be both `human` and a `json` variant".into());
    }
    if !json {
        let format = if short { Format::Short } else { Format::Human };
        return Ok(vec![Sink::new(format, Destination::Stdout)]);
    }
    let rendered = match (short, ansi) {
        (true, _) => Rendered::Short,
        (false, true) => Rendered::HumanAnsi,
        (false, false) => Rendered::Human,
    };
    let mut cargo = Sink::new(Format::Cargo, Destination::Stdout);
    cargo.cargo = CargoStyle {
        rendered,
        leave_out_diagnostics: render,
        root: None,
    };
    let mut sinks = vec![cargo];
    if render {
        let format = if short { Format::Short } else { Format::Human };
        let mut people = Sink::new(format, Destination::Stderr);
        people.ansi = ansi;
        sinks.insert(0, people);
    }
    Ok(sinks)
}

impl FormatArg {
    fn format(self) -> Format {
        match self {
            FormatArg::Human => Format::Human,
            FormatArg::Short => Format::Short,
            FormatArg::Json => Format::Json,
            FormatArg::Sarif => Format::Sarif,
            FormatArg::Cargo => Format::Cargo,
            FormatArg::Github => Format::Github,
        }
    }
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

/// Problems and notes to stderr, then each format where it goes.
fn render_report(
    cli: &Cli,
    sinks: &[Sink],
    report: &yieldsafe::Report,
    color_err: bool,
) -> Result<(), ExitCode> {
    let mut err = std::io::stderr().lock();
    for p in &report.problems {
        let _ = render::render_problem(p, color_err, &mut err);
    }
    if !cli.quiet {
        for n in &report.notes {
            let _ = writeln!(err, "note: {n}");
        }
    }
    drop(err);
    for sink in sinks {
        if let Err(e) = render_sink(cli, sink, report) {
            if e.kind() != std::io::ErrorKind::BrokenPipe {
                let what = match &sink.to {
                    Destination::File(file) => format!("cannot write `{}`", file.display()),
                    _ => "cannot write the report".to_owned(),
                };
                eprintln!("error: {what}: {e}");
                return Err(ExitCode::from(2));
            }
        }
    }
    Ok(())
}

/// One format, written where it goes.
fn render_sink(cli: &Cli, sink: &Sink, report: &yieldsafe::Report) -> std::io::Result<()> {
    let (mut out, color): (Box<dyn Write>, bool) = match &sink.to {
        Destination::Stdout => {
            let color = color_for(cli.color, &std::io::stdout());
            (Box::new(std::io::stdout().lock()), color)
        }
        Destination::Stderr => {
            let color = sink.ansi || color_for(cli.color, &std::io::stderr());
            (Box::new(std::io::stderr().lock()), color)
        }
        Destination::File(file) => (
            Box::new(std::io::BufWriter::new(std::fs::File::create(file)?)),
            false,
        ),
    };
    let problems: &[yieldsafe::diagnostic::Problem] = match sink.to {
        // rustc's problems are already on stderr.
        Destination::Stderr => &[],
        _ => &report.problems,
    };
    if sink.format == Format::Cargo {
        let mut style = sink.cargo.clone();
        style.root = report.workspace_root.clone();
        render::render_cargo(
            &report.diagnostics,
            problems,
            &report.sources,
            &style,
            &mut out,
        )?;
    } else {
        render::render_with_problems(
            sink.format,
            &report.diagnostics,
            problems,
            &report.sources,
            color,
            &mut out,
        )?;
    }
    out.flush()
}

/// `--write-baseline FILE`: the findings recorded, nothing reported; exit status 2 if
/// some file could not be checked (its findings are missing from the baseline).
fn write_baseline(file: &Path, report: &yieldsafe::Report, cli: &Cli, color_err: bool) -> ExitCode {
    let mut err = std::io::stderr().lock();
    for p in &report.problems {
        let _ = render::render_problem(p, color_err, &mut err);
    }
    let baseline = Baseline::of(&report.diagnostics, &report.sources);
    if let Err(e) = std::fs::write(file, baseline.to_json()) {
        let _ = writeln!(
            err,
            "error: cannot write the baseline `{}`: {e}",
            file.display()
        );
        return ExitCode::from(2);
    }
    if !cli.quiet {
        let _ = writeln!(
            err,
            "yieldsafe: wrote {} to `{}`; `--baseline {}` reports only what is new",
            count(baseline.len(), "finding", "findings"),
            file.display(),
            file.display()
        );
    }
    ExitCode::from(if report.problems.is_empty() { 0 } else { 2 })
}

/// `--stats`: figures about the run on stderr.
fn print_stats(report: &yieldsafe::Report, rendering: std::time::Duration) {
    let s = &report.stats;
    let secs = |d: std::time::Duration| d.as_secs_f64();
    eprintln!(
        "stats: {} files, {} lines, {} bytes, {} crates, {} findings; {} files parsed, {} indexed; {} files no target reaches; \
         dependencies: {} crates read, {} files in their tables, {} of the indexed\n\
         stats: wall {:.3}s: discover {:.3}s, render {:.3}s; summed over threads: read+scan {:.3}s, index {:.3}s, parse {:.3}s, analyse {:.3}s",
        s.files,
        s.lines,
        s.bytes,
        s.crates,
        report.diagnostics.len(),
        s.parsed,
        s.indexed,
        s.stray,
        s.dep_crates,
        s.dep_files,
        s.dep_indexed,
        secs(s.wall + rendering),
        secs(s.discover),
        secs(rendering),
        secs(s.read_scan),
        secs(s.index),
        secs(s.parse),
        secs(s.analyse),
    );
}

/// `n thing` or `n things`.
fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The lines a terminal gets at the end, as cargo and rustc end a build: what was
/// found ("2 warnings, 1 error, 1 file could not be checked"), how many findings
/// `--fix` would fix, and, once, where a lint is explained.
fn summary(report: &yieldsafe::Report, in_baseline: usize) -> String {
    let warnings = report
        .diagnostics
        .iter()
        .filter(|d| !d.level.is_error())
        .count();
    let errors = report.diagnostics.len() - warnings;
    let unchecked = report
        .problems
        .iter()
        .filter_map(|p| p.file.as_ref())
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    let mut parts = Vec::new();
    if warnings > 0 {
        parts.push(count(warnings, "warning", "warnings"));
    }
    if errors > 0 {
        parts.push(count(errors, "error", "errors"));
    }
    if unchecked > 0 {
        parts.push(format!(
            "{} could not be checked",
            count(unchecked, "file", "files")
        ));
    }
    let other = report.problems.iter().filter(|p| p.file.is_none()).count();
    if other > 0 {
        parts.push(count(other, "other problem", "other problems"));
    }
    if in_baseline > 0 {
        parts.push(format!(
            "{} in the baseline not shown",
            count(in_baseline, "finding", "findings")
        ));
    }
    let found = if parts.is_empty() {
        "no findings".to_owned()
    } else {
        parts.join(", ")
    };
    let mut text = format!(
        "yieldsafe: {found} ({} checked in {:.2}s)\n",
        count(report.stats.files, "file", "files"),
        report.stats.wall.as_secs_f64()
    );
    let fixable = yieldsafe::fix::plan(&report.diagnostics, &report.sources).applied();
    if fixable > 0 {
        text.push_str(&format!(
            "yieldsafe: run `yieldsafe --fix` to apply {}\n",
            count(fixable, "suggestion", "suggestions")
        ));
    }
    let with_unsafe = yieldsafe::fix::plan_set(
        &report.diagnostics,
        &report.sources,
        yieldsafe::fix::FixSet::WithMaybeIncorrect,
    )
    .applied();
    if with_unsafe > fixable {
        text.push_str(&format!(
            "yieldsafe: {} more with `--fix --unsafe-fixes` (review them: they may change what the code means)\n",
            with_unsafe - fixable
        ));
    }
    if let Some(first) = report.diagnostics.first() {
        text.push_str(&format!(
            "For more information about a lint, try `yieldsafe --explain {}`.\n",
            first.lint
        ));
    }
    text
}

/// The directory of a `Cargo.toml`, as given (relative stays relative).
fn manifest_dir(manifest: &Path) -> PathBuf {
    match manifest.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    }
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
