//! `future_not_send`: a `pub async fn`, or an async block passed where a `Send`
//! future is needed (`tokio::spawn`), whose future is `!Send` because it holds a
//! `!Send` value (std and parking_lot guards, `Ref`/`RefMut`, span guards, `Rc`, raw
//! pointers, a reference to a `!Sync` value) across an await, also one moved out
//! before the await after a borrow (rustc keeps its storage). One finding per
//! future, naming each value and the awaits it is held across. Allowed by default,
//! as clippy's nursery lint.

use crate::catalog::{Lint, LintLevels};
use crate::diagnostic::{Diagnostic, Label, LabelKind, Level, YieldPoint};
use crate::hazard::Shape;
use crate::held::{FnOwner, HeldValue, Origin, OwnerKind};
use crate::input::source::SourceFile;

/// The finding for the future of `owner`, given the values it holds across awaits.
pub fn check(
    owner: &FnOwner,
    held: &[&HeldValue],
    source: &SourceFile,
    levels: &LintLevels,
) -> Option<Diagnostic> {
    if !owner.must_be_send() {
        return None;
    }
    let level = levels.get(Lint::FutureNotSend);
    if level == Level::Allow {
        return None;
    }
    let culprits: Vec<(&HeldValue, &Shape)> = held
        .iter()
        .filter_map(|h| Some((*h, not_send_shape(h)?)))
        .collect();
    if culprits.is_empty() {
        return None;
    }
    let mut labels = Vec::new();
    let mut yield_points = Vec::new();
    let mut notes = Vec::new();
    for (h, shape) in &culprits {
        let who = match &h.value.name {
            Some(n) => format!("`{n}`"),
            None => "this temporary".to_string(),
        };
        let (what, still) = if h.storage_only {
            (
                format!(
                    "{who} ({}) is not `Send`: it is moved out before the await, but the future keeps its storage",
                    shape.describe()
                ),
                format!("with {who}'s storage still in the future"),
            )
        } else {
            (
                format!("{who} ({}) is not `Send`", shape.describe()),
                format!("with {who} still held"),
            )
        };
        labels.push(Label {
            span: source.code_span(h.value.span.0, h.value.span.1),
            message: what,
            kind: LabelKind::Other,
        });
        for (y, _) in &h.yields {
            let span = source.code_span(y.span.0, y.span.1);
            labels.push(Label {
                span: span.clone(),
                message: format!("await occurs here, {still}"),
                kind: LabelKind::YieldPoint,
            });
            yield_points.push(YieldPoint { span, kind: y.kind });
        }
        notes.push(format!("`{}` is not `Send`", shape.hazard.type_path));
        notes.extend(shape.hazard.reason.iter().cloned());
        if h.storage_only {
            notes.push(format!(
                "{who} was borrowed before it was moved out: rustc keeps a borrowed local's storage in the future until the end of its scope, so `drop({name})` does not make the future `Send`; end it with a block `{{ .. }}` around its uses instead",
                name = h.value.name.as_deref().unwrap_or("..")
            ));
        }
    }
    notes.dedup();
    notes.push(super::level_note(Lint::FutureNotSend, level));
    let (message, primary_label) = match owner.kind {
        OwnerKind::SpawnedBlock => (
            format!(
                "future cannot be sent between threads safely: the async block passed to `{}` holds a value that is not `Send` across an await",
                owner.name
            ),
            format!("this async block is not `Send`, and `{}` requires it to be", owner.name),
        ),
        OwnerKind::AsyncFn { .. } => (
            format!(
                "future cannot be sent between threads safely: `{}` holds a value that is not `Send` across an await",
                owner.name
            ),
            "the future returned by this fn is not `Send`".to_string(),
        ),
    };
    Some(Diagnostic {
        lint: Lint::FutureNotSend.name(),
        level,
        message,
        primary: source.code_span(owner.name_span.0, owner.name_span.1),
        primary_label,
        labels,
        yield_points,
        notes,
        help: vec![help(&culprits)],
        suggestions: Vec::new(),
        item: held.first().map(|h| h.item.clone()),
    })
}

/// What to do, for the kinds of value that make this future `!Send`.
fn help(culprits: &[(&HeldValue, &Shape)]) -> String {
    let parameter = culprits
        .iter()
        .any(|(h, _)| h.value.origin == Origin::Parameter);
    let held = culprits
        .iter()
        .any(|(h, _)| !h.storage_only && h.value.origin != Origin::Parameter);
    let mut ways = Vec::new();
    if held {
        ways.push("end the values held before the awaits (see the other findings for each)");
    }
    if parameter {
        ways.push("a parameter is part of the future for its whole body: pass one that is `Send` (an owned value, `Arc`, a `Mutex` instead of a `RefCell`)");
    }
    ways.push("or do not require `Send` of this future");
    ways.join("; ")
}

/// The first shape of a held value that makes a future `!Send`.
fn not_send_shape(h: &HeldValue) -> Option<&Shape> {
    h.value
        .shapes
        .iter()
        .find(|s| s.is_held() && s.hazard.is_not_send())
}
