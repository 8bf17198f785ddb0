//! JSON Lines: one object per finding, in the versioned schema documented in
//! docs/json-schema.md. Adding a field keeps `schema`; renaming, removing or changing
//! the meaning of one bumps it.

use std::borrow::Cow;
use std::io::{self, Write};

use serde::Serialize;

use crate::diagnostic::{
    Applicability, Diagnostic, Label, LabelKind, Level, Span, Suggestion, YieldKind, YieldPoint,
};

/// The value of every object's `schema` field.
pub const SCHEMA_VERSION: u32 = 1;

pub(super) fn render(diagnostics: &[Diagnostic], out: &mut dyn Write) -> io::Result<()> {
    for d in diagnostics {
        serde_json::to_writer(&mut *out, &JsonDiagnostic::new(d))?;
        out.write_all(b"\n")?;
    }
    out.flush()
}

fn file_name(span: &Span) -> Cow<'_, str> {
    span.file.to_string_lossy()
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    schema: u32,
    lint: &'a str,
    level: Level,
    severity: &'static str,
    message: &'a str,
    file: Cow<'a, str>,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    byte_start: usize,
    byte_end: usize,
    primary_label: &'a str,
    yield_points: Vec<JsonYieldPoint>,
    labels: Vec<JsonLabel<'a>>,
    notes: &'a [String],
    help: &'a [String],
    suggestions: Vec<JsonSuggestion<'a>>,
}

impl<'a> JsonDiagnostic<'a> {
    fn new(d: &'a Diagnostic) -> Self {
        let p = &d.primary;
        JsonDiagnostic {
            schema: SCHEMA_VERSION,
            lint: d.lint,
            level: d.level,
            severity: d.level.severity_word(),
            message: &d.message,
            file: file_name(p),
            line: p.line,
            column: p.column,
            end_line: p.end_line,
            end_column: p.end_column,
            byte_start: p.byte_start,
            byte_end: p.byte_end,
            primary_label: &d.primary_label,
            yield_points: d.yield_points.iter().map(JsonYieldPoint::new).collect(),
            labels: d.labels.iter().map(JsonLabel::new).collect(),
            notes: &d.notes,
            help: &d.help,
            suggestions: d.suggestions.iter().map(JsonSuggestion::new).collect(),
        }
    }
}

#[derive(Serialize)]
struct JsonYieldPoint {
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    byte_start: usize,
    byte_end: usize,
    kind: YieldKind,
}

impl JsonYieldPoint {
    fn new(y: &YieldPoint) -> Self {
        let s = &y.span;
        JsonYieldPoint {
            line: s.line,
            column: s.column,
            end_line: s.end_line,
            end_column: s.end_column,
            byte_start: s.byte_start,
            byte_end: s.byte_end,
            kind: y.kind,
        }
    }
}

#[derive(Serialize)]
struct JsonLabel<'a> {
    file: Cow<'a, str>,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    byte_start: usize,
    byte_end: usize,
    message: &'a str,
    kind: LabelKind,
}

impl<'a> JsonLabel<'a> {
    fn new(l: &'a Label) -> Self {
        let s = &l.span;
        JsonLabel {
            file: file_name(s),
            line: s.line,
            column: s.column,
            end_line: s.end_line,
            end_column: s.end_column,
            byte_start: s.byte_start,
            byte_end: s.byte_end,
            message: &l.message,
            kind: l.kind,
        }
    }
}

#[derive(Serialize)]
struct JsonSuggestion<'a> {
    message: &'a str,
    applicability: Applicability,
    edits: Vec<JsonEdit<'a>>,
}

impl<'a> JsonSuggestion<'a> {
    fn new(s: &'a Suggestion) -> Self {
        JsonSuggestion {
            message: &s.message,
            applicability: s.applicability,
            edits: s
                .edits
                .iter()
                .map(|e| JsonEdit {
                    file: file_name(&e.span),
                    byte_start: e.span.byte_start,
                    byte_end: e.span.byte_end,
                    line: e.span.line,
                    column: e.span.column,
                    end_line: e.span.end_line,
                    end_column: e.span.end_column,
                    replacement: &e.replacement,
                })
                .collect(),
        }
    }
}

#[derive(Serialize)]
struct JsonEdit<'a> {
    file: Cow<'a, str>,
    byte_start: usize,
    byte_end: usize,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    replacement: &'a str,
}
