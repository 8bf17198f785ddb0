//! yieldsafe's findings as the protocol's diagnostics: the held value's range, the
//! level as the severity, the lint as the code with a link to its documentation,
//! every yield point and the drop point as related information, the notes and help
//! after the message.

use std::path::Path;

use lsp_types::{
    CodeDescription, DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString,
    Url,
};

use crate::catalog::Lint;
use crate::diagnostic::{Diagnostic, Level, Problem};

use super::position::{Encoding, LineIndex};

/// The name the server gives as every diagnostic's source.
pub const SOURCE: &str = "yieldsafe";

/// A text and how to count positions in it.
pub struct Text<'a> {
    pub uri: &'a Url,
    pub path: &'a Path,
    pub text: &'a str,
    pub lines: &'a LineIndex,
    pub encoding: Encoding,
}

impl Text<'_> {
    pub fn range(&self, start: usize, end: usize) -> lsp_types::Range {
        self.lines.range(self.text, start, end, self.encoding)
    }
}

pub fn severity(level: Level) -> DiagnosticSeverity {
    match level {
        Level::Deny | Level::Forbid => DiagnosticSeverity::ERROR,
        Level::Warn => DiagnosticSeverity::WARNING,
        Level::Allow => DiagnosticSeverity::HINT,
    }
}

/// One finding of the document `at`.
pub fn diagnostic(d: &Diagnostic, at: &Text) -> lsp_types::Diagnostic {
    let related = d
        .labels
        .iter()
        .filter(|l| *l.span.file == *at.path)
        .map(|l| DiagnosticRelatedInformation {
            location: Location::new(at.uri.clone(), at.range(l.span.byte_start, l.span.byte_end)),
            message: l.message.clone(),
        })
        .collect();
    let mut message = d.message.clone();
    for help in &d.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    for note in &d.notes {
        message.push_str("\nnote: ");
        message.push_str(note);
    }
    let docs = Lint::from_name(d.lint).and_then(|l| Url::parse(&l.record().doc_url()?).ok());
    lsp_types::Diagnostic {
        range: at.range(d.primary.byte_start, d.primary.byte_end),
        severity: Some(severity(d.level)),
        code: Some(NumberOrString::String(d.lint.to_string())),
        code_description: docs.map(|href| CodeDescription { href }),
        source: Some(SOURCE.to_string()),
        message,
        related_information: Some(related),
        tags: None,
        data: None,
    }
}

/// A problem of the document `at` (a body too deep to check, an internal error), at
/// its line and column or at the start of the file.
pub fn problem(p: &Problem, at: &Text) -> lsp_types::Diagnostic {
    let byte = p.position.map_or(0, |(line, column)| {
        let start = at.lines.offset(
            at.text,
            lsp_types::Position::new(line.saturating_sub(1) as u32, 0),
            Encoding::Utf8,
        );
        let rest = &at.text[start..];
        start
            + rest
                .char_indices()
                .nth(column.saturating_sub(1))
                .map_or(rest.len(), |(i, _)| i)
    });
    lsp_types::Diagnostic {
        range: at.range(byte, byte),
        severity: Some(DiagnosticSeverity::ERROR),
        source: Some(SOURCE.to_string()),
        message: p.message.clone(),
        ..lsp_types::Diagnostic::default()
    }
}
