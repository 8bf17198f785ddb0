//! The lints: held values → `Diagnostic`s. Detecting "held across a yield" is shared
//! (analysis); this layer decides which lint a value belongs to and builds the
//! message, labels, notes and suggestion. The five lints about one held value differ
//! only in their words and are rows of one table (`held_across_await`, as clippy
//! declares its await lints in one file); a lint with logic of its own has its own
//! file. Lint levels written in the checked code are read by `suppress`; what they
//! get wrong (`unfulfilled_lint_expectations`, `unknown_lints`) is reported from there.

pub mod future_not_send;
pub mod held_across_await;
pub mod inherited;
pub mod self_deadlock;
pub mod suppress;
pub mod unfulfilled_lint_expectations;
pub mod unknown_lints;

use crate::catalog::{Lint, LintLevels};
use crate::dataflow::ByteRange;
use crate::diagnostic::{Applicability, Diagnostic, Edit, Level, Suggestion};
use crate::held::{FileFindings, FixPlan, FixSafety, FnOwner, HeldValue};
use crate::input::source::SourceFile;
use suppress::SourceLevels;

/// Every diagnostic of a file: per held value, then `future_not_send` per `async fn`,
/// then what the lint attributes get wrong. Levels are those of `levels` (command
/// line and configuration) with the attributes and comments of the code on top.
pub fn file_diagnostics(
    found: &FileFindings,
    source: &SourceFile,
    levels: &LintLevels,
    in_code: &SourceLevels,
) -> Vec<Diagnostic> {
    // Only the lints that have a finding there are asked, so that an `#[expect]`
    // is met exactly when one of its lints fires under it.
    let levels_at = |at: usize, lints: &[Lint]| {
        let line = source.code_line_column(at).0;
        in_code.levels_at(lints, at, line, levels)
    };
    // rustc notes the `reason = ".."` of the attribute that set the level.
    let with_reasons = |at: usize, mut found: Vec<Diagnostic>| {
        let line = source.code_line_column(at).0;
        for d in &mut found {
            let reason = Lint::from_name(d.lint).and_then(|l| in_code.reason(l, at, line, levels));
            d.notes.extend(reason.map(str::to_owned));
        }
        found
    };
    let held = &found.held;
    let mut out = Vec::new();
    for h in held.iter().filter(|h| !h.storage_only) {
        let lints: Vec<Lint> = h
            .value
            .shapes
            .iter()
            .filter(|s| s.is_held())
            .filter_map(|s| held_across_await::lint_of(s.hazard.class))
            .collect();
        let at = h.value.span.0;
        let found = held_across_await::check(h, source, &levels_at(at, &lints));
        out.extend(with_reasons(at, found));
    }
    // Group the values by their `async fn` once (a file may have thousands).
    let mut by_owner: std::collections::BTreeMap<ByteRange, (&FnOwner, Vec<&HeldValue>)> =
        std::collections::BTreeMap::new();
    for h in held {
        if let Some(owner) = &h.owner {
            by_owner
                .entry(owner.name_span)
                .or_insert_with(|| (owner, Vec::new()))
                .1
                .push(h);
        }
    }
    for (_, (owner, mine)) in by_owner {
        let at = owner.name_span.0;
        let levels = levels_at(at, &[Lint::FutureNotSend]);
        let found = future_not_send::check(owner, &mine, source, &levels);
        out.extend(with_reasons(at, found.into_iter().collect()));
    }
    for r in &found.relocks {
        let lint = self_deadlock::lint_of(r.relock);
        let at = r.second.span.0;
        let found = self_deadlock::check(r, source, &levels_at(at, &[lint]));
        out.extend(with_reasons(at, found.into_iter().collect()));
    }
    for u in in_code.unknown() {
        let levels = levels_at(u.at.0, &[Lint::UnknownLints]);
        let found = unknown_lints::check(u, source, &levels);
        out.extend(with_reasons(u.at.0, found.into_iter().collect()));
    }
    // Last: every other lint's level has been asked, so an `#[expect]` that nothing
    // met is known.
    for u in in_code.unfulfilled() {
        let levels = levels_at(u.at.0, &[Lint::UnfulfilledLintExpectations]);
        out.extend(unfulfilled_lint_expectations::check(&u, source, &levels));
    }
    // In the order every output uses (a check in part merges into this order).
    out.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    out
}

/// `#[warn(clippy::await_holding_lock)]` on by default, or, for a lint no attribute
/// can name, how to silence it.
fn level_note(lint: Lint, level: Level) -> String {
    let level_word = level.as_str();
    let origin = if level == lint.record().default_level {
        "on by default"
    } else {
        "set by a command-line flag or an attribute in the code"
    };
    match lint.attribute_name() {
        Some(attribute) => format!("`#[{level_word}({attribute})]` {origin}"),
        None => {
            let name = lint.name();
            let state = if level == Level::Warn {
                format!("`{name}` is on by default")
            } else {
                format!("`{name}` is set to `{level_word}` {origin}")
            };
            format!("{state}; `// yieldsafe: allow({name})` on the line before silences it")
        }
    }
}

/// A fix as the suggestion of a diagnostic, saying `message`, at its level.
fn suggestion(fix: &FixPlan, message: String, source: &SourceFile) -> Suggestion {
    Suggestion {
        message,
        applicability: match fix.safety {
            FixSafety::Safe => Applicability::MachineApplicable,
            FixSafety::Unsafe => Applicability::MaybeIncorrect,
        },
        edits: fix
            .edits
            .iter()
            .map(|&((start, end), ref replacement)| Edit {
                span: source.code_span(start, end),
                replacement: replacement.clone(),
            })
            .collect(),
    }
}
