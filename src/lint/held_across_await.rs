//! The five lints about one value held across a yield point: `await_holding_lock`,
//! `await_holding_refcell_ref`, `await_holding_span_guard`,
//! `await_holding_invalid_type` and `must_not_suspend`. They differ only in the
//! hazard class they report and in their words, which are each lint's record in
//! `lints/` (`note`, `instead`): here they are rows of one table, with one
//! constructor for the message, labels, notes and the suggestion that fits.

use crate::catalog::{Lint, LintLevels};
use crate::dataflow::{ByteRange, DropKind};
use crate::diagnostic::{Diagnostic, Label, LabelKind, Level, Suggestion, YieldKind, YieldPoint};
use crate::hazard::{HazardClass, Shape};
use crate::held::{BodyKind, FixKind, FixPlan, FixSafety, HeldValue, Origin, TempContext};
use crate::input::source::SourceFile;

/// Which lint reports a held value of each hazard class. `HazardClass::NotSend` has
/// none: only `future_not_send` looks at it, per fn.
const LINTS: &[(HazardClass, Lint)] = &[
    (HazardClass::Lock, Lint::AwaitHoldingLock),
    (HazardClass::RefCellRef, Lint::AwaitHoldingRefcellRef),
    (HazardClass::MustNotSuspend, Lint::MustNotSuspend),
    (HazardClass::SpanGuard, Lint::AwaitHoldingSpanGuard),
    (HazardClass::InvalidType, Lint::AwaitHoldingInvalidType),
];

/// The per-value lint of a hazard class.
pub fn lint_of(class: HazardClass) -> Option<Lint> {
    LINTS.iter().find(|(c, _)| *c == class).map(|(_, l)| *l)
}

/// The diagnostics for one held value: one per lint its hazards belong to, at the
/// level `levels` gives it there (none when allowed).
pub fn check(held: &HeldValue, source: &SourceFile, levels: &LintLevels) -> Vec<Diagnostic> {
    if held.storage_only {
        return Vec::new();
    }
    let mut classes: Vec<HazardClass> = held
        .value
        .shapes
        .iter()
        .filter(|s| s.is_held())
        .map(|s| s.hazard.class)
        .collect();
    classes.sort();
    classes.dedup();
    let mut out = Vec::new();
    for class in classes {
        let Some(lint) = lint_of(class) else {
            continue;
        };
        let level = levels.get(lint);
        if level == Level::Allow {
            continue;
        }
        let shape = held
            .value
            .shapes
            .iter()
            .find(|s| s.hazard.class == class && s.is_held())
            .expect("class comes from the shapes");
        out.push(build(held, shape, source, lint, level));
    }
    out
}

/// The one constructor: message, labels, notes and the suggestion that fits.
fn build(
    held: &HeldValue,
    shape: &Shape,
    source: &SourceFile,
    lint: Lint,
    level: Level,
) -> Diagnostic {
    let record = lint.record();
    // A lender's guard (a DashMap reference) has its own why and what instead.
    let lent = crate::hazard::families::lender_guard(&shape.hazard.type_path);
    let instead = lent
        .map(|g| g.instead)
        .or(record.instead.as_deref())
        .unwrap_or_default();
    let name = held.value.name.as_deref().unwrap_or("");
    let maybe = !held.always_held();
    let who = match held.value.origin {
        Origin::Temporary { .. } => "this temporary".to_string(),
        Origin::MacroOutput => "this future's output".to_string(),
        _ => format!("`{name}`"),
    };
    let mut labels = yield_labels(held, source, &who);
    labels.extend(drop_labels(held, source, &who));
    // The author's reason (`#[must_not_suspend = ".."]`, a configured `reason`) first.
    let mut notes: Vec<String> = shape.hazard.reason.iter().cloned().collect();
    match lent {
        Some(g) => notes.push(g.note.to_string()),
        None => notes.extend(record.note.iter().cloned()),
    }
    if maybe {
        notes.push(format!(
            "{who} is moved or dropped on some paths before the yield, but not on all of them"
        ));
    }
    let (help, suggestions) = help_and_fix(held, source, &who, instead);
    notes.push(super::level_note(lint, level));
    Diagnostic {
        lint: lint.name(),
        level,
        message: message(held, shape, maybe),
        primary: source.code_span(held.value.span.0, held.value.span.1),
        primary_label: primary_label(&held.value.origin).to_string(),
        labels,
        yield_points: held
            .yields
            .iter()
            .map(|(y, _)| YieldPoint {
                span: source.code_span(y.span.0, y.span.1),
                kind: y.kind,
            })
            .collect(),
        notes,
        help,
        suggestions,
        item: Some(held.item.clone()),
    }
}

/// "`guard` (a `std::sync::MutexGuard`) is held across an await point".
fn message(held: &HeldValue, shape: &Shape, maybe: bool) -> String {
    let what = shape.describe();
    let name = held.value.name.as_deref().unwrap_or("");
    let point = match held.body {
        BodyKind::Coroutine => "a yield point",
        _ => "an await point",
    };
    let held_word = if maybe { "may be held" } else { "is held" };
    match held.value.origin {
        Origin::Temporary { .. } => format!("this temporary ({what}) {held_word} across {point}"),
        Origin::MacroOutput => {
            format!("this future's output ({what}) {held_word} across {point}")
        }
        Origin::Capture => {
            format!("`{name}` ({what}), captured by this async body, {held_word} across {point}")
        }
        Origin::Binding | Origin::Parameter => {
            format!("`{name}` ({what}) {held_word} across {point}")
        }
    }
}

fn primary_label(origin: &Origin) -> &'static str {
    match origin {
        Origin::Capture => "captured here, held for the whole async body",
        Origin::MacroOutput => "its output, which no pattern binds, lives to the end of the macro",
        Origin::Temporary { scrutinee: true } => {
            "held from here to the end of the whole `match`, `if let`, `while let` or `for`"
        }
        _ => "held from here",
    }
}

/// One label per yield point the value is held across.
fn yield_labels(held: &HeldValue, source: &SourceFile, who: &str) -> Vec<Label> {
    held.yields
        .iter()
        .map(|(y, must)| {
            let verb = match y.kind {
                YieldKind::Await => "await occurs here",
                YieldKind::Yield => "yield occurs here",
                YieldKind::Macro => "this macro awaits",
            };
            let still = if *must {
                "still held"
            } else {
                "possibly still held"
            };
            Label {
                span: source.code_span(y.span.0, y.span.1),
                message: format!("{verb}, with {who} {still}"),
                kind: LabelKind::YieldPoint,
            }
        })
        .collect()
}

/// Where the value stops being held after the first yield.
fn drop_labels<'a>(
    held: &'a HeldValue,
    source: &'a SourceFile,
    who: &'a str,
) -> impl Iterator<Item = Label> + 'a {
    held.drops.iter().map(move |&(at, kind)| {
        let at = one_char(at, source);
        let message = match kind {
            DropKind::ScopeEnd => format!("{who} is dropped here"),
            DropKind::Move => format!("{who} is moved away here"),
        };
        Label {
            span: source.code_span(at.0, at.1),
            message,
            kind: LabelKind::Dropped,
        }
    })
}

/// The help for the value's shape, and its fixes, best first, at their levels. A
/// safe fix says what to do by itself; otherwise the help names the way out.
fn help_and_fix(
    held: &HeldValue,
    source: &SourceFile,
    who: &str,
    instead: &str,
) -> (Vec<String>, Vec<Suggestion>) {
    let name = held.value.name.as_deref().unwrap_or("");
    let suggestions: Vec<Suggestion> = held
        .fixes
        .iter()
        .map(|f| super::suggestion(f, fix_message(f, name), source))
        .collect();
    if held.fixes.iter().any(|f| f.safety == FixSafety::Safe) {
        return (Vec::new(), suggestions);
    }
    (vec![help_text(held, who, instead)], suggestions)
}

/// What the suggestion of a fix says.
fn fix_message(fix: &FixPlan, name: &str) -> String {
    let text = match fix.kind {
        FixKind::BlockScope => format!(
            "end `{name}` before the await: put its `let` through its last use in a block"
        ),
        FixKind::Drop => format!("drop `{name}` before the await, it is not used after it"),
        FixKind::EndCriticalSection => format!(
            "move the await out of the critical section: end `{name}`'s block before it"
        ),
        FixKind::HoistTemporary => {
            "compute the value in a `let` before the statement, so the temporary ends before the await".to_string()
        }
        FixKind::AwaitFirst => {
            "await first, into a `let` before the statement, so the temporary is created after the await".to_string()
        }
        FixKind::BindScrutinee => {
            "bind the head's owned value in a `let` first, so the temporary ends before the body".to_string()
        }
    };
    match fix.caveat {
        Some(caveat) => format!("{text} (may be incorrect: {caveat})"),
        None => text,
    }
}

/// The help for a value no safe fix ends, in the words of its exact shape.
fn help_text(held: &HeldValue, who: &str, instead: &str) -> String {
    let name = held.value.name.as_deref().unwrap_or("");
    let await_inside = held
        .yields
        .first()
        .is_some_and(|(y, _)| held.value.span.0 <= y.span.0 && y.span.1 <= held.value.span.1);
    match &held.value.origin {
        Origin::Binding if held.critical_section => format!(
            "{who} is never read: it is held for its whole scope on purpose (a critical section), and ending it early would change what it protects; move the await out of the critical section, {instead}"
        ),
        Origin::Binding => format!(
            "end {who} before the await: move the code that needs it into a block `{{ .. }}` that ends before the await, and re-acquire it after the await if the code there needs it; {instead}"
        ),
        Origin::Parameter => format!(
            "{who} is a parameter, held for the whole body: take what it guards (or the lock) as the parameter instead, or call `drop({name})` before the first await; {instead}"
        ),
        Origin::Temporary { .. } => temp_help(held.temp_context, await_inside, instead),
        Origin::MacroOutput => format!(
            "bind the output in the branch's pattern (`g = ..`) and end it with `drop(g)` before the handler awaits, or make the future return only what the handler needs; {instead}"
        ),
        Origin::Capture => format!(
            "acquire it inside the async body where it is needed, or end it before the async body is created; {instead}"
        ),
    }
}

/// The help for a temporary, in the words of where it sits.
fn temp_help(context: Option<TempContext>, await_inside: bool, instead: &str) -> String {
    if await_inside {
        return format!(
            "the await is inside the expression that holds the temporary: await first into a `let` (`let v = f().await;`), then use the value in the expression; {instead}"
        );
    }
    match context {
        Some(TempContext::AwaitedFuture) => format!(
            "the awaited future is made from the temporary and may borrow from it, so it lives until the future completes: take what the future needs out of it in a `let` first (an owned copy), {instead}"
        ),
        Some(TempContext::SameStatement) => format!(
            "the temporary lives until the end of its statement, which awaits after creating it: compute what you need from it in a `let` before the statement, or await first; {instead}"
        ),
        Some(TempContext::Extended) => format!(
            "the `let` borrows the temporary (`let r = &..`), which extends it to the end of the block: bind an owned value instead of a reference (a copy, `.clone()`, the field you need), or end the block before the await; {instead}"
        ),
        Some(TempContext::Head) | None => format!(
            "a `match`/`if let`/`while let`/`for` head keeps its temporaries alive through the whole body: bind what you need to a local with `let` first, so the temporary ends before the await; {instead}"
        ),
    }
}

/// A zero-width position as a one-character span (the character before it), so
/// that renderers can underline it.
fn one_char(at: ByteRange, source: &SourceFile) -> ByteRange {
    if at.0 == at.1 && at.0 > 0 {
        let code = source.code();
        let text = &code[..at.0.min(code.len())];
        let start = text.char_indices().last().map(|(i, _)| i).unwrap_or(0);
        (start, at.0)
    } else {
        at
    }
}
