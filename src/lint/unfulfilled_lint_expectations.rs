//! `unfulfilled_lint_expectations`: an `#[expect(..)]` of one of yieldsafe's lints
//! that no finding met, or a `// yieldsafe: allow(..)` comment that silenced nothing,
//! as rustc reports expectations.

use crate::catalog::{Lint, LintLevels};
use crate::diagnostic::{Diagnostic, Level};
use crate::input::source::SourceFile;
use crate::lint::suppress::Unfulfilled;

pub fn check(u: &Unfulfilled, source: &SourceFile, levels: &LintLevels) -> Option<Diagnostic> {
    let level = levels.get(Lint::UnfulfilledLintExpectations);
    if level == Level::Allow {
        return None;
    }
    let (message, label, help) = if u.comment {
        (
            format!(
                "this `// yieldsafe: allow({})` comment silences nothing",
                u.lint
            ),
            "no finding of this lint on the next line".to_string(),
            "remove the comment, or put it on the line just before the held value".to_string(),
        )
    } else {
        (
            "this lint expectation is unfulfilled".to_string(),
            format!("no `{}` finding under this attribute", u.lint),
            "remove the `expect`: the code it covers no longer holds such a value across an await"
                .to_string(),
        )
    };
    Some(Diagnostic {
        lint: Lint::UnfulfilledLintExpectations.name(),
        level,
        message,
        primary: source.code_span(u.at.0, u.at.1),
        primary_label: label,
        labels: Vec::new(),
        yield_points: Vec::new(),
        // rustc notes the expectation's own reason first.
        notes: u
            .reason
            .iter()
            .cloned()
            .chain([super::level_note(Lint::UnfulfilledLintExpectations, level)])
            .collect(),
        help: vec![help],
        suggestions: Vec::new(),
        item: None,
    })
}
