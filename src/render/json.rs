//! JSON Lines: one object per finding, then one per problem that kept a file from
//! being checked, in the versioned schema documented in docs/json-schema.md (and
//! given as a JSON Schema in docs/yieldsafe-jsonl.schema.json). Adding a field keeps
//! `schema`; renaming, removing or changing the meaning of one bumps it.

use std::borrow::Cow;
use std::io::{self, Write};

use serde::Serialize;

use crate::diagnostic::{
    Applicability, Diagnostic, Label, LabelKind, Level, Problem, Span, Suggestion, YieldKind,
    YieldPoint,
};

/// The value of every object's `schema` field. 2: every object has a `type`, and
/// problems are `"type": "error"` objects in the stream.
pub const SCHEMA_VERSION: u32 = 2;

pub(super) fn render(
    diagnostics: &[Diagnostic],
    problems: &[Problem],
    out: &mut dyn Write,
) -> io::Result<()> {
    for d in diagnostics {
        serde_json::to_writer(&mut *out, &JsonDiagnostic::new(d))?;
        out.write_all(b"\n")?;
    }
    for p in problems {
        serde_json::to_writer(&mut *out, &JsonError::new(p))?;
        out.write_all(b"\n")?;
    }
    out.flush()
}

/// A problem that kept the tool from doing part of its job: a file that cannot be
/// read or parsed, a bad path, an internal error.
#[derive(Serialize)]
struct JsonError<'a> {
    schema: u32,
    #[serde(rename = "type")]
    kind: &'static str,
    level: &'static str,
    severity: &'static str,
    message: &'a str,
    file: Option<Cow<'a, str>>,
    line: Option<usize>,
    column: Option<usize>,
}

impl<'a> JsonError<'a> {
    fn new(p: &'a Problem) -> Self {
        JsonError {
            schema: SCHEMA_VERSION,
            kind: "error",
            level: "error",
            severity: "error",
            message: &p.message,
            file: p.file.as_ref().map(|f| f.to_string_lossy()),
            line: p.position.map(|(l, _)| l),
            column: p.position.map(|(_, c)| c),
        }
    }
}

fn file_name(span: &Span) -> Cow<'_, str> {
    span.file.to_string_lossy()
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    schema: u32,
    #[serde(rename = "type")]
    kind: &'static str,
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
            kind: "finding",
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
