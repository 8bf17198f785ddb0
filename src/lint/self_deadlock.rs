//! `self_deadlock` and `recursive_read_lock`: a lock taken while a guard of it is
//! alive on the same thread (analysis: `RelockInfo`). The message says what the
//! second acquisition does (deadlock, panic, failure); the labels show where the
//! guard was taken, how long it lives, and, for a method that locks inside, where.

use crate::catalog::{Lint, LintLevels};
use crate::diagnostic::{Diagnostic, Label, LabelKind, Level};
use crate::hazard::{Access, Relock};
use crate::held::{AcquisitionInfo, FixKind, Origin, RelockInfo, TempContext};
use crate::input::source::SourceFile;

/// The lint of a relock: reads under reads have their own.
pub fn lint_of(relock: Relock) -> Lint {
    match relock {
        Relock::RecursiveRead => Lint::RecursiveReadLock,
        Relock::Deadlock | Relock::AlwaysFails => Lint::SelfDeadlock,
    }
}

/// The diagnostic for one relock, at the level `levels` gives its lint there.
pub fn check(r: &RelockInfo, source: &SourceFile, levels: &LintLevels) -> Option<Diagnostic> {
    let lint = lint_of(r.relock);
    let level = levels.get(lint);
    if level == Level::Allow {
        return None;
    }
    let code = source.code();
    let lock = lock_name(&r.second, code);
    let cell = r.second.acquired.cell;
    let (message, mut primary_label, note) = words(r, &lock, cell);
    // The same acquisition, come round again in a loop with its guard still held.
    let again = r.first.span == r.second.span;
    let mut labels = Vec::new();
    if again {
        primary_label = format!("{primary_label}: taken here in an earlier iteration of the loop");
    } else {
        labels.push(Label {
            span: source.code_span(r.first.span.0, r.first.span.1),
            message: match (&r.first.via, cell) {
                (Some(via), _) => format!("guard taken here, by `{}`", via.method),
                (None, true) => "borrow taken here".to_string(),
                (None, false) => "guard taken here".to_string(),
            },
            kind: LabelKind::Other,
        });
    }
    if let Some(until) = r.held_until {
        labels.push(Label {
            span: source.code_span(until.0, until.1),
            message: lives_until(r),
            kind: LabelKind::Dropped,
        });
    }
    if let Some(via) = &r.second.via {
        labels.push(Label {
            span: source.code_span(via.at.0, via.at.1),
            message: format!("`{}` takes `self{}` here", via.method, via.suffix),
            kind: LabelKind::Other,
        });
    }
    let mut notes = vec![note];
    if !r.always {
        notes.push("the guard is alive here on some paths only".to_string());
    }
    notes.push(super::level_note(lint, level));
    Some(Diagnostic {
        lint: lint.name(),
        level,
        message,
        primary: source.code_span(r.second.span.0, r.second.span.1),
        primary_label,
        labels,
        yield_points: Vec::new(),
        notes,
        help: vec![help(r, &lock, code)],
        suggestions: r
            .fixes
            .iter()
            .map(|f| {
                let first = match (f.kind, r.head) {
                    (FixKind::BindScrutinee, Some(head)) => {
                        format!("bind the head's value in a `let` before the `{head}`")
                    }
                    _ => "compute the value in a `let` before the statement".to_string(),
                };
                let message = format!(
                    "{first}, so that its guard ends before `{lock}` is taken again (may be incorrect: {})",
                    f.caveat.unwrap_or("the guard ends earlier")
                );
                super::suggestion(f, message, source)
            })
            .collect(),
        item: Some(r.item.clone()),
    })
}

/// The lock as the code writes it: the receiver, and the place below it that a
/// method called on it locks.
fn lock_name(a: &AcquisitionInfo, code: &str) -> String {
    let receiver: String = code
        .get(a.receiver.0..a.receiver.1)
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let suffix = a.via.as_ref().map_or("", |v| v.suffix.as_str());
    format!("{receiver}{suffix}")
}

/// The message, the primary label and the note that says what happens.
fn words(r: &RelockInfo, lock: &str, cell: bool) -> (String, String, String) {
    let by = r
        .second
        .via
        .as_ref()
        .map(|v| format!(" (by `{}`)", v.method))
        .unwrap_or_default();
    match (r.relock, cell) {
        (Relock::AlwaysFails, _) => (
            format!("`{lock}` is tried{by} while a guard of it is alive: this always fails"),
            "this always fails: the guard above is alive".to_string(),
            if cell {
                "`try_borrow` / `try_borrow_mut` return `Err` while a conflicting borrow of the same `RefCell` is alive".to_string()
            } else {
                "a `try_*` acquisition fails (returns `Err(WouldBlock)` / `None`) while the lock is held, also by the same thread".to_string()
            },
        ),
        (Relock::Deadlock, true) => {
            let (what, panic) = if r.second.acquired.access == Access::Exclusive {
                ("mutably borrowed", "already borrowed: BorrowMutError")
            } else {
                ("borrowed", "already mutably borrowed: BorrowError")
            };
            (
                format!("`{lock}` is {what}{by} while a conflicting borrow of it is alive: this panics"),
                format!("this panics with `{panic}`"),
                "a `RefCell` checks its borrows at run time: `borrow_mut` while any borrow is alive, or `borrow` while a `borrow_mut` is, panics".to_string(),
            )
        }
        (Relock::Deadlock, false) => (
            format!("`{lock}` is locked{by} while a guard of it is alive: this deadlocks"),
            "locked again here, while the guard is alive".to_string(),
            "locks are not reentrant: std's `lock` \"will not return on the second call (it might panic or deadlock)\" when the thread holds the lock, parking_lot's deadlocks, and an `RwLock`'s `write` under its read guard (or `read` under its write guard) waits for itself".to_string(),
        ),
        (Relock::RecursiveRead, _) => (
            format!("`{lock}` is read-locked{by} while a read guard of it is alive: this deadlocks if a writer waits in between"),
            "read-locked again here, while a read guard is alive".to_string(),
            "std's and parking_lot's `read` are not recursive: a writer that queues after the first read blocks the second, and waits for the first".to_string(),
        ),
    }
}

/// How long the guard lives, said at the end of its scope.
fn lives_until(r: &RelockInfo) -> String {
    match (&r.holder.origin, &r.holder.name) {
        (Origin::Temporary { .. }, _) if r.head.is_some() => format!(
            "the guard, a temporary of the `{}` head, lives until the end of the `{0}`",
            r.head.unwrap_or_default()
        ),
        (Origin::Temporary { scrutinee: true }, _) => {
            "the head's temporary guard lives until here".to_string()
        }
        (Origin::Temporary { .. }, _) => "the temporary guard lives until here".to_string(),
        (_, Some(name)) => format!("`{name}` lives until here"),
        (_, None) => "the guard lives until here".to_string(),
    }
}

/// What to do, for the shape the guard is alive in.
fn help(r: &RelockInfo, lock: &str, code: &str) -> String {
    let helper = r.second.via.as_ref().map(|v| {
        format!(
            "; `{}` takes `{lock}` itself: call it after the guard ends, or pass it what it needs from the guard",
            v.method
        )
    });
    let guard: String = code
        .get(r.holder.span.0..r.holder.span.1)
        .unwrap_or("")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let way = match (&r.holder.origin, &r.holder.name) {
        (Origin::Temporary { .. }, _) if r.temp_context == Some(TempContext::Head) => {
            let head = r.head.unwrap_or("match");
            let note = match head {
                "if let" => "; edition 2024 drops an `if let` head's temporaries before its `else` block, not before its body",
                "match" => "; editions do not change this: a `match` head's temporaries live through every arm",
                _ => "",
            };
            format!(
                "`{guard}` is a temporary of the `{head}` head, alive through the whole `{head}`: compute what it needs from the guard in a `let` before the `{head}`, so that the guard ends there{note}"
            )
        }
        (Origin::Temporary { .. }, _) => format!(
            "`{guard}` is a temporary alive until the end of its statement: compute what the statement needs from it in a `let` first, so that the guard ends before the lock is taken again"
        ),
        (_, Some(name)) if r.first.span == r.second.span => format!(
            "`{name}` still holds the guard of the previous iteration when the lock is taken again (an assignment drops the old value only after the new one is made): end it first (`drop({name});` or `{name} = None;`), or keep the lock outside the loop"
        ),
        (_, Some(name)) => format!(
            "use `{name}` instead of taking `{lock}` again, or end `{name}` first: a block `{{ .. }}` around its uses, or `drop({name});`"
        ),
        (_, None) => "end the guard before taking the lock again".to_string(),
    };
    format!("{way}{}", helper.unwrap_or_default())
}
