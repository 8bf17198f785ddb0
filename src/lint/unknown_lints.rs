//! `unknown_lints`: a lint attribute's name that looks like one of ours but is not how
//! the compiler names it (misspelled, or under another tool's name), as rustc reports
//! its own: "unknown lint: `clippy::await_holding_lok`", with the name it most likely
//! means as a suggestion.

use crate::catalog::names;
use crate::catalog::{Lint, LintLevels};
use crate::diagnostic::{Applicability, Diagnostic, Edit, Level, Suggestion};
use crate::input::source::SourceFile;
use crate::lint::suppress::UnknownName;

pub fn check(u: &UnknownName, source: &SourceFile, levels: &LintLevels) -> Option<Diagnostic> {
    let level = levels.get(Lint::UnknownLints);
    if level == Level::Allow {
        return None;
    }
    let primary = source.code_span(u.at.0, u.at.1);
    let mut help = Vec::new();
    let mut suggestions = Vec::new();
    match names::attribute_spelling(u.meant.name()) {
        Some(spelling) => suggestions.push(Suggestion {
            message: format!("did you mean: `{spelling}`"),
            applicability: Applicability::MaybeIncorrect,
            edits: vec![Edit {
                span: primary.clone(),
                replacement: spelling,
            }],
        }),
        None => {
            let name = u.meant.name();
            help.push(format!(
                "`{name}` is yieldsafe's own lint, which no compiler knows; write `// yieldsafe: allow({name})` on the line before the value instead"
            ));
        }
    }
    Some(Diagnostic {
        lint: Lint::UnknownLints.name(),
        level,
        message: format!("unknown lint: `{}`", u.written),
        primary,
        primary_label: String::new(),
        labels: Vec::new(),
        yield_points: Vec::new(),
        notes: vec![super::level_note(Lint::UnknownLints, level)],
        help,
        suggestions,
        item: None,
    })
}
