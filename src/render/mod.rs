//! Renderers: turn finished `Diagnostic`s into text for people (`human`), for problem
//! matchers (`short`), for tools (`json`), and for the consumers whose formats we
//! borrow: cargo's `compiler-message` lines (`cargo`, read by rust-analyzer), SARIF
//! 2.1.0 (`sarif`, read by code scanning) and GitHub workflow commands (`github`).
//! They know nothing about syn or the analysis; everything they print comes from a
//! `Diagnostic`, the source text and (for `cargo`) the package a file belongs to, and
//! no input (a span out of range, a missing file) makes them panic.

mod cargo;
mod github;
mod human;
mod json;
mod sarif;
mod short;

use std::io::{self, Write};

use codespan_reporting::term::termcolor::{Ansi, Color, ColorSpec, NoColor, WriteColor};

use crate::diagnostic::{Diagnostic, Level, Problem};
use crate::input::source::Sources;

pub use json::SCHEMA_VERSION;

/// The output formats this module draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// rustc-style report with source snippets.
    Human,
    /// `path:line:col: warning: message [lint]`, one line per finding.
    Short,
    /// JSON Lines, one object per finding; see docs/json-schema.md.
    Json,
    /// cargo's `--message-format=json` lines: one `compiler-message` carrying a rustc
    /// diagnostic per finding, then `build-finished`.
    Cargo,
    /// One SARIF 2.1.0 log with one run.
    Sarif,
    /// GitHub Actions workflow commands (`::warning file=…::message`).
    Github,
}

/// How the `cargo` format writes, as cargo's `--message-format` variants ask.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CargoStyle {
    /// What each message's `rendered` holds.
    pub rendered: Rendered,
    /// cargo's `json-render-diagnostics`: the diagnostics are rendered for people
    /// (the caller writes them to stderr) and left out of the JSON lines.
    pub leave_out_diagnostics: bool,
    /// The workspace root, absolute: file names inside it are written relative to it,
    /// as cargo writes them; others absolute. `None`: as given.
    pub root: Option<std::path::PathBuf>,
}

/// The `rendered` text of cargo's messages.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Rendered {
    /// rustc's human text (`--message-format=json`).
    #[default]
    Human,
    /// The same with ANSI colours (`json-diagnostic-rendered-ansi`).
    HumanAnsi,
    /// rustc's short line (`json-diagnostic-short`).
    Short,
}

/// Write `diagnostics` (already sorted) to `out` in `format`. `color` selects ANSI
/// colours (as rustc prints them) or plain text; machine formats are never coloured.
pub fn render(
    format: Format,
    diagnostics: &[Diagnostic],
    sources: &Sources,
    color: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    render_with_problems(format, diagnostics, &[], sources, color, out)
}

/// As `render`, and also the problems that kept the run from doing its whole job,
/// where the format's reader looks for them: one line each in `short`, error objects
/// in `json`, error messages in `cargo`, notifications in `sarif`, `::error` lines in
/// `github`. `human` leaves problems to `render_problem` on stderr.
pub fn render_with_problems(
    format: Format,
    diagnostics: &[Diagnostic],
    problems: &[Problem],
    sources: &Sources,
    color: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Human => human::render(diagnostics, sources, color, out),
        Format::Short => short::render(diagnostics, problems, color, out),
        Format::Json => json::render(diagnostics, problems, out),
        Format::Cargo => cargo::render(diagnostics, problems, sources, &CargoStyle::default(), out),
        Format::Sarif => sarif::render(diagnostics, problems, sources, out),
        Format::Github => github::render(diagnostics, problems, out),
    }
}

/// The `cargo` format in a `--message-format` variant's style.
pub fn render_cargo(
    diagnostics: &[Diagnostic],
    problems: &[Problem],
    sources: &Sources,
    style: &CargoStyle,
    out: &mut dyn Write,
) -> io::Result<()> {
    cargo::render(diagnostics, problems, sources, style, out)
}

/// Write a problem that kept the tool from doing part of its job, rustc style:
/// `error: <message>` and, when its place is known, ` --> file:line:col`.
pub fn render_problem(problem: &Problem, color: bool, out: &mut dyn Write) -> io::Result<()> {
    human::render_problem(problem, color, out)
}

/// A writer that emits ANSI colour codes, or one that drops every colour request.
fn color_writer<'a>(out: &'a mut dyn Write, color: bool) -> Box<dyn WriteColor + 'a> {
    if color {
        Box::new(Ansi::new(out))
    } else {
        Box::new(NoColor::new(out))
    }
}

/// The colours rustc uses, in one place so every renderer agrees.
mod palette {
    use super::*;

    fn bold(color: Option<Color>) -> ColorSpec {
        let mut spec = ColorSpec::new();
        spec.set_fg(color).set_bold(true).set_intense(true);
        spec
    }

    /// `warning` / `error` in a header.
    pub fn severity(level: Level) -> ColorSpec {
        bold(Some(if level.is_error() {
            Color::Red
        } else {
            Color::Yellow
        }))
    }

    /// `error` for a problem.
    pub fn error() -> ColorSpec {
        bold(Some(Color::Red))
    }

    /// The header's message.
    pub fn message() -> ColorSpec {
        bold(None)
    }

    /// Line numbers, `|`, `-->`, `=`.
    pub fn gutter() -> ColorSpec {
        bold(Some(Color::Blue))
    }

    /// `help` in front of a suggestion.
    pub fn help() -> ColorSpec {
        bold(Some(Color::Cyan))
    }

    /// Text a suggestion adds.
    pub fn addition() -> ColorSpec {
        let mut spec = ColorSpec::new();
        spec.set_fg(Some(Color::Green));
        spec
    }

    /// Text a suggestion removes.
    pub fn removal() -> ColorSpec {
        let mut spec = ColorSpec::new();
        spec.set_fg(Some(Color::Red));
        spec
    }
}

/// A message on one line, for formats that are read line by line.
fn one_line(message: &str) -> std::borrow::Cow<'_, str> {
    if message.contains(['\n', '\r']) {
        message
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
            .into()
    } else {
        message.into()
    }
}
