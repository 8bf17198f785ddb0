//! Renderers: turn finished `Diagnostic`s into text for people (`human`), for problem
//! matchers (`short`) and for tools (`json`). They know nothing about syn or the
//! analysis; everything they print comes from a `Diagnostic` and the source text, and
//! no input (a span out of range, a missing file) makes them panic.

mod human;
mod json;
mod short;

use std::io::{self, Write};

use codespan_reporting::term::termcolor::{Ansi, Color, ColorSpec, NoColor, WriteColor};

use crate::diagnostic::{Diagnostic, Level, Problem};
use crate::source::Sources;

pub use json::SCHEMA_VERSION;

/// The output formats this module draws. (SARIF, cargo and GitHub annotations are
/// separate concerns with their own contracts.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// rustc-style report with source snippets.
    Human,
    /// `path:line:col: warning: message [lint]`, one line per finding.
    Short,
    /// JSON Lines, one object per finding; see docs/json-schema.md.
    Json,
}

/// Write `diagnostics` (already sorted) to `out` in `format`. `color` selects ANSI
/// colours (as rustc prints them) or plain text; JSON is never coloured.
pub fn render(
    format: Format,
    diagnostics: &[Diagnostic],
    sources: &Sources,
    color: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Human => human::render(diagnostics, sources, color, out),
        Format::Short => short::render(diagnostics, color, out),
        Format::Json => json::render(diagnostics, out),
    }
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
