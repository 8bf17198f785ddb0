//! `future_not_send`: a `pub async fn` whose future is `!Send` because its body
//! holds a `!Send` value (std and parking_lot guards, `Ref`/`RefMut`, span guards,
//! `Rc`, raw pointers) across an await. One finding per fn, naming each value and
//! the awaits it is held across. Allowed by default, as clippy's nursery lint.

use crate::catalog::{Lint, LintLevels};
use crate::diagnostic::{Diagnostic, Label, LabelKind, Level, YieldPoint};
use crate::held::{FnOwner, HeldValue};
use crate::input::source::SourceFile;

/// The finding for the fn `owner`, given the values its body holds across awaits.
pub fn check(
    owner: &FnOwner,
    held: &[&HeldValue],
    source: &SourceFile,
    levels: &LintLevels,
) -> Option<Diagnostic> {
    if !owner.is_pub {
        return None;
    }
    let level = levels.get(Lint::FutureNotSend);
    if level == Level::Allow {
        return None;
    }
    let culprits: Vec<&&HeldValue> = held
        .iter()
        .filter(|h| {
            h.value
                .shapes
                .iter()
                .any(|s| s.is_held() && s.hazard.is_not_send())
        })
        .collect();
    if culprits.is_empty() {
        return None;
    }
    let mut labels = Vec::new();
    let mut yield_points = Vec::new();
    let mut notes = Vec::new();
    for h in &culprits {
        let shape = h
            .value
            .shapes
            .iter()
            .find(|s| s.is_held() && s.hazard.is_not_send())
            .expect("filtered on this");
        let who = match &h.value.name {
            Some(n) => format!("`{n}`"),
            None => "this temporary".to_string(),
        };
        labels.push(Label {
            span: source.code_span(h.value.span.0, h.value.span.1),
            message: format!("{who} ({}) is not `Send`", shape.describe()),
            kind: LabelKind::Other,
        });
        for (y, _) in &h.yields {
            let span = source.code_span(y.span.0, y.span.1);
            labels.push(Label {
                span: span.clone(),
                message: format!("await occurs here, with {who} still held"),
                kind: LabelKind::YieldPoint,
            });
            yield_points.push(YieldPoint { span, kind: y.kind });
        }
        notes.push(format!("`{}` is not `Send`", shape.hazard.type_path));
    }
    notes.dedup();
    notes.push(super::level_note(Lint::FutureNotSend, level));
    Some(Diagnostic {
        lint: Lint::FutureNotSend.name(),
        level,
        message: format!("future cannot be sent between threads safely: `{}` holds a value that is not `Send` across an await", owner.name),
        primary: source.code_span(owner.name_span.0, owner.name_span.1),
        primary_label: "the future returned by this fn is not `Send`".to_string(),
        labels,
        yield_points,
        notes,
        help: vec![
            "end those values before the awaits (see the other findings for each), or do not require `Send` of this future"
                .to_string(),
        ],
        suggestions: Vec::new(),
        item: held.first().map(|h| h.item.clone()),
    })
}
