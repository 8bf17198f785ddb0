//! Checking a text in part: when it differs from the text last checked only inside
//! one fn body (what typing does), the other fn bodies are blanked, only that body
//! and what lies outside fn bodies are parsed and analysed, and the findings of the
//! blanked bodies are the last check's, moved with the edit.
//!
//! This gives what a whole check gives because a body's findings depend on its own
//! text, on what lies outside the bodies, on the items declared in bodies and on
//! what `impl Trait` fns return (the bodies with either are never blanked), on what
//! the fns it calls lock (their bodies are not blanked; a body that takes a lock and
//! that another calls is checked whole), and on
//! the crate's answers (a check is whole again once they may have changed: the
//! index then drops the last check). Unfulfilled expectations depend on every
//! body: a text that names one of the lints is checked whole.

use std::sync::Arc;

use crate::catalog::{Lint, LintLevels};
use crate::diagnostic::{Diagnostic, Span};
use crate::input::edition::Edition;
use crate::input::source::SourceFile;
use crate::prefilter::blank;
use crate::resolve::crate_table::CrateTable;

use super::index::{check_parse, Checked, Parsed};

/// A file's last check that parsed, kept to check its next text in part.
#[derive(Debug)]
pub(super) struct LastCheck {
    pub(super) text: Arc<str>,
    pub(super) diagnostics: Vec<Diagnostic>,
}

impl LastCheck {
    /// What to keep of a check of `file`; `None` for one that met a problem.
    pub(super) fn of(file: &SourceFile, checked: &Checked) -> Option<LastCheck> {
        let kept = checked.parsed != Parsed::Failed && checked.problems.is_empty();
        kept.then(|| LastCheck {
            text: file.text.clone(),
            diagnostics: checked.diagnostics.clone(),
        })
    }
}

/// The check of `file` in part, after `last`; `None` where it must be whole.
pub(super) fn check_in_part(
    last: &LastCheck,
    file: &SourceFile,
    edition: Edition,
    levels: &LintLevels,
    table: Arc<CrateTable>,
) -> Option<Checked> {
    let (old, new) = (&*last.text, &*file.text);
    if file.bom_len() > 0 || Lint::ALL.iter().any(|l| new.contains(l.name())) {
        return None;
    }
    let edit = Edit::between(old, new);
    // A pass that fails (a bug) only costs the shortcut: the check is whole.
    let cut_at = |text: &str| {
        crate::support::panic_guard::catch(|| blank::blank_fn_bodies_except(text, edit.start))
            .ok()
            .flatten()
    };
    let cut = cut_at(new)?;
    let before = cut_at(old)?;
    // The edit lies inside one body's braces in both texts, the same body, and
    // neither text of it tells the other bodies anything.
    let inside = |(open, close): (usize, usize), end: usize| open < edit.start && end <= close;
    let same_body = before.kept.0 == cut.kept.0 && edit.moved(before.kept.1) == cut.kept.1;
    if cut.kept_informs_others
        || before.kept_informs_others
        || !inside(cut.kept, edit.new_end)
        || !inside(before.kept, edit.old_end)
        || !same_body
    {
        return None;
    }
    // The blanked bodies, where they were in the last text (the same text there).
    let blanked: Vec<(usize, usize)> = cut
        .blanked
        .iter()
        .map(|&(open, close)| match open > edit.start {
            true => (edit.back(open), edit.back(close)),
            false => (open, close),
        })
        .collect();
    let mut checked = check_parse(file, edition, levels, table, || Some(cut.text));
    // A finding belongs to the body of its first yield point, or of its primary
    // span when it has none (a lock taken twice).
    let reused = last.diagnostics.iter().filter(|d| {
        let at = d
            .yield_points
            .first()
            .map_or(d.primary.byte_start, |y| y.span.byte_start);
        blanked.iter().any(|&(open, close)| open < at && at < close)
    });
    let moved: Vec<Diagnostic> = reused.map(|d| edit.move_diagnostic(d, file)).collect();
    checked.diagnostics.extend(moved);
    checked.reused_bodies = blanked.len();
    checked
        .diagnostics
        .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    Some(checked)
}

/// Where two texts differ: `old[start..old_end]` became `new[start..new_end]`.
#[derive(Debug, Clone, Copy)]
struct Edit {
    start: usize,
    old_end: usize,
    new_end: usize,
}

impl Edit {
    fn between(old: &str, new: &str) -> Edit {
        let (a, b) = (old.as_bytes(), new.as_bytes());
        let mut start = a.iter().zip(b).take_while(|(x, y)| x == y).count();
        while !old.is_char_boundary(start) || !new.is_char_boundary(start) {
            start -= 1;
        }
        let most = a.len().min(b.len()) - start;
        let mut common = a
            .iter()
            .rev()
            .zip(b.iter().rev())
            .take(most)
            .take_while(|(x, y)| x == y)
            .count();
        while !old.is_char_boundary(a.len() - common) || !new.is_char_boundary(b.len() - common) {
            common -= 1;
        }
        Edit {
            start,
            old_end: a.len() - common,
            new_end: b.len() - common,
        }
    }

    /// Where an offset of the old text after the edit is in the new one.
    fn moved(&self, at: usize) -> usize {
        if at >= self.old_end {
            at - self.old_end + self.new_end
        } else {
            at
        }
    }

    /// Where an offset of the new text after the edit was in the old one.
    fn back(&self, at: usize) -> usize {
        if at >= self.new_end {
            at - self.new_end + self.old_end
        } else {
            at
        }
    }

    fn move_span(&self, span: &Span, file: &SourceFile) -> Span {
        file.span(self.moved(span.byte_start), self.moved(span.byte_end))
    }

    /// A finding of the last text, in the new one (lines and columns too).
    fn move_diagnostic(&self, d: &Diagnostic, file: &SourceFile) -> Diagnostic {
        let mut d = d.clone();
        d.primary = self.move_span(&d.primary, file);
        for label in &mut d.labels {
            label.span = self.move_span(&label.span, file);
        }
        for point in &mut d.yield_points {
            point.span = self.move_span(&point.span, file);
        }
        for suggestion in &mut d.suggestions {
            for edit in &mut suggestion.edits {
                edit.span = self.move_span(&edit.span, file);
            }
        }
        d
    }
}
