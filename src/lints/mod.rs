//! The lints: each turns a held value of its kind into a `Diagnostic`. Detecting
//! "held across a yield" is shared (analysis); this layer decides which lint a
//! value belongs to and builds the message, labels, notes and suggestion.

pub mod await_holding_invalid_type;
pub mod await_holding_lock;
pub mod await_holding_refcell_ref;
pub mod await_holding_span_guard;
pub mod future_not_send;
pub mod must_not_suspend;
pub mod unfulfilled_lint_expectations;

use std::collections::HashMap;

use crate::analysis::HeldValue;
use crate::dataflow::{ByteRange, DropKind};
use crate::diagnostic::{
    Applicability, Diagnostic, Edit, Label, LabelKind, Level, Suggestion, YieldKind, YieldPoint,
};
use crate::hazard::{HazardClass, Shape};
use crate::lower::Origin;
use crate::source::SourceFile;

/// Every lint this build knows, by name.
pub const LINTS: &[&str] = &[
    await_holding_invalid_type::NAME,
    await_holding_lock::NAME,
    await_holding_refcell_ref::NAME,
    await_holding_span_guard::NAME,
    future_not_send::NAME,
    must_not_suspend::NAME,
    unfulfilled_lint_expectations::NAME,
];

/// The lints of ours in one of clippy's groups (`clippy::suspicious`, ...).
pub fn clippy_group(name: &str) -> Option<&'static [&'static str]> {
    const SUSPICIOUS: &[&str] = &[
        await_holding_lock::NAME,
        await_holding_refcell_ref::NAME,
        await_holding_invalid_type::NAME,
    ];
    match name.strip_prefix("clippy::").unwrap_or(name) {
        "all" | "suspicious" => Some(SUSPICIOUS),
        "nursery" => Some(&[future_not_send::NAME]),
        _ => None,
    }
}

/// The level each lint runs at (after defaults and command-line flags).
#[derive(Debug, Clone)]
pub struct LintLevels {
    levels: HashMap<&'static str, Level>,
}

impl Default for LintLevels {
    fn default() -> Self {
        LintLevels {
            levels: LINTS
                .iter()
                .map(|&l| {
                    // The default comes from the lint's record in `lints/`.
                    let level = crate::catalog::get(l)
                        .map(|info| info.default_level)
                        .unwrap_or(Level::Warn);
                    (l, level)
                })
                .collect(),
        }
    }
}

impl LintLevels {
    /// Set `lint` (a lint name, its clippy name, or `warnings` for all) to `level`.
    /// As in rustc, `forbid` cannot be lowered afterwards. Returns false for an
    /// unknown lint name.
    pub fn set(&mut self, lint: &str, level: Level) -> bool {
        let name = lint.strip_prefix("clippy::").unwrap_or(lint);
        let targets: Vec<&'static str> = if name == "warnings" {
            // `-D warnings` turns every warning into an error, as in rustc.
            self.levels
                .iter()
                .filter(|(_, l)| **l == Level::Warn || level == Level::Allow)
                .map(|(n, _)| *n)
                .collect()
        } else if let Some(group) = clippy_group(name) {
            group.to_vec()
        } else {
            match LINTS.iter().find(|&&l| l == name) {
                Some(&l) => vec![l],
                None => return false,
            }
        };
        for t in targets {
            let cur = self.levels.entry(t).or_insert(Level::Warn);
            if *cur != Level::Forbid {
                *cur = level;
            }
        }
        true
    }

    pub fn get(&self, lint: &str) -> Level {
        self.levels.get(lint).copied().unwrap_or(Level::Warn)
    }
}

/// Every diagnostic of a file: per held value, then `future_not_send` per `async fn`.
/// `level_at(lint, byte)` is the lint's level at a place of the file (command line,
/// configuration and attributes in the code).
pub fn file_diagnostics(
    held: &[HeldValue],
    source: &SourceFile,
    levels: &LintLevels,
    level_at: &dyn Fn(&str, usize) -> Level,
) -> Vec<Diagnostic> {
    // Only the lints that have a finding there are asked, so that an `#[expect]`
    // is met exactly when one of its lints fires under it.
    let levels_at = |at: usize, lints: &[&'static str]| {
        let mut here = levels.clone();
        for lint in lints {
            here.set(lint, level_at(lint, at));
        }
        here
    };
    let mut out = Vec::new();
    for h in held {
        let lints: Vec<&'static str> = h
            .value
            .shapes
            .iter()
            .filter(|s| s.is_held())
            .filter_map(|s| lint_of(s.hazard.class))
            .collect();
        out.extend(diagnostics(h, source, &levels_at(h.value.span.0, &lints)));
    }
    // Group the values by their `async fn` once (a file may have thousands).
    let mut by_owner: std::collections::BTreeMap<
        ByteRange,
        (&crate::analysis::FnOwner, Vec<&HeldValue>),
    > = std::collections::BTreeMap::new();
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
        let not_send = mine.iter().any(|h| {
            h.value
                .shapes
                .iter()
                .any(|s| s.is_held() && s.hazard.is_not_send())
        });
        if !not_send || !owner.is_pub {
            continue;
        }
        out.extend(future_not_send::check(
            owner,
            &mine,
            source,
            &levels_at(owner.name_span.0, &[future_not_send::NAME]),
        ));
    }
    out
}

/// The per-value lint of a hazard class.
fn lint_of(class: HazardClass) -> Option<&'static str> {
    Some(match class {
        HazardClass::Lock => await_holding_lock::NAME,
        HazardClass::RefCellRef => await_holding_refcell_ref::NAME,
        HazardClass::MustNotSuspend => must_not_suspend::NAME,
        HazardClass::SpanGuard => await_holding_span_guard::NAME,
        HazardClass::InvalidType => await_holding_invalid_type::NAME,
        HazardClass::NotSend => return None,
    })
}

/// The diagnostics for one held value: one per lint its hazards belong to.
pub fn diagnostics(held: &HeldValue, source: &SourceFile, levels: &LintLevels) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut classes: Vec<HazardClass> = held
        .value
        .shapes
        .iter()
        .filter(|s| s.is_held())
        .map(|s| s.hazard.class)
        .collect();
    classes.sort();
    classes.dedup();
    for class in classes {
        let shape = held
            .value
            .shapes
            .iter()
            .find(|s| s.hazard.class == class && s.is_held())
            .expect("class comes from the shapes");
        let d = match class {
            HazardClass::Lock => await_holding_lock::check(held, shape, source, levels),
            HazardClass::MustNotSuspend => must_not_suspend::check(held, shape, source, levels),
            HazardClass::SpanGuard => await_holding_span_guard::check(held, shape, source, levels),
            HazardClass::InvalidType => {
                await_holding_invalid_type::check(held, shape, source, levels)
            }
            // Only `future_not_send` looks at these, per fn.
            HazardClass::NotSend => None,
            HazardClass::RefCellRef => {
                await_holding_refcell_ref::check(held, shape, source, levels)
            }
        };
        out.extend(d);
    }
    out
}

/// What a lint adds to the shared parts of a diagnostic.
pub struct LintText {
    pub name: &'static str,
    pub clippy_name: &'static str,
    /// Why holding this kind of value is bad.
    pub why: &'static str,
    /// What to use instead, when the value is not simply dropped earlier.
    pub instead: &'static str,
}

/// The shared shape of every per-value lint: early returns first (another lint's
/// hazard, the lint allowed here), then the one constructor.
pub fn check_value(
    held: &HeldValue,
    shape: &Shape,
    source: &SourceFile,
    levels: &LintLevels,
    class: HazardClass,
    text: &LintText,
) -> Option<Diagnostic> {
    if shape.hazard.class != class {
        return None;
    }
    let level = levels.get(text.name);
    if level == Level::Allow {
        return None;
    }
    Some(build(held, shape, source, level, text))
}

/// The one constructor: message, labels, notes and the suggestion that fits.
pub fn build(
    held: &HeldValue,
    shape: &Shape,
    source: &SourceFile,
    level: Level,
    text: &LintText,
) -> Diagnostic {
    let what = shape.describe();
    let name = held.value.name.as_deref().unwrap_or("");
    let maybe = !held.always_held();
    let point = match held.body {
        crate::lower::BodyKind::Coroutine => "a yield point",
        _ => "an await point",
    };
    let held_word = if maybe { "may be held" } else { "is held" };
    let (message, who) = match held.value.origin {
        Origin::Temporary { .. } => (
            format!("this temporary ({what}) {held_word} across {point}"),
            "this temporary".to_string(),
        ),
        Origin::Capture => (
            format!("`{name}` ({what}), captured by this async body, {held_word} across {point}"),
            format!("`{name}`"),
        ),
        Origin::Binding | Origin::Parameter => (
            format!("`{name}` ({what}) {held_word} across {point}"),
            format!("`{name}`"),
        ),
    };
    let primary = source.span(held.value.span.0, held.value.span.1);
    let primary_label = match held.value.origin {
        Origin::Capture => "captured here, held for the whole async body".to_string(),
        Origin::Temporary { scrutinee: true } => {
            "held from here to the end of the whole `match`, `if let`, `while let` or `for`"
                .to_string()
        }
        _ => "held from here".to_string(),
    };
    let mut labels = Vec::new();
    let mut yield_points = Vec::new();
    for (y, must) in &held.yields {
        let span = source.span(y.span.0, y.span.1);
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
        labels.push(Label {
            span: span.clone(),
            message: format!("{verb}, with {who} {still}"),
            kind: LabelKind::YieldPoint,
        });
        yield_points.push(YieldPoint { span, kind: y.kind });
    }
    for &(at, kind) in &held.drops {
        let at = one_char(at, source);
        let message = match kind {
            DropKind::ScopeEnd => format!("{who} is dropped here"),
            DropKind::Move => format!("{who} is moved away here"),
        };
        labels.push(Label {
            span: source.span(at.0, at.1),
            message,
            kind: LabelKind::Dropped,
        });
    }
    // The author's reason (`#[must_not_suspend = ".."]`, a configured `reason`) first.
    let mut notes: Vec<String> = shape.hazard.reason.iter().cloned().collect();
    notes.push(text.why.to_string());
    if maybe {
        notes.push(format!(
            "{who} is moved or dropped on some paths before the yield, but not on all of them"
        ));
    }
    let mut help = Vec::new();
    let mut suggestions = Vec::new();
    match (&held.value.origin, &held.drop_before) {
        (Origin::Binding, Some((at, indent))) => suggestions.push(Suggestion {
            message: format!("drop `{name}` before the await, it is not used after it"),
            applicability: Applicability::MachineApplicable,
            edits: vec![Edit {
                span: source.span(*at, *at),
                replacement: format!("drop({name});\n{indent}"),
            }],
        }),
        (Origin::Binding | Origin::Parameter, _) => help.push(format!(
            "end {who} before the await: move the code that needs it into a block `{{ .. }}` that ends before the await, or call `drop({name})` first; {}",
            text.instead
        )),
        (Origin::Temporary { scrutinee: true }, _) => help.push(format!(
            "a `match`/`if let`/`while let`/`for` head keeps its temporaries alive through the whole body: bind what you need to a local with `let` first, so the temporary ends before the await; {}",
            text.instead
        )),
        (Origin::Temporary { scrutinee: false }, _) => help.push(format!(
            "the temporary lives until the end of the enclosing statement: compute what you need from it in a separate `let` statement before the await; {}",
            text.instead
        )),
        (Origin::Capture, _) => help.push(format!(
            "acquire it inside the async body where it is needed, or end it before the async body is created; {}",
            text.instead
        )),
    }
    let level_word = level.as_str();
    let origin = if level == Level::Warn {
        "on by default"
    } else {
        "set by a command-line flag or an attribute in the code"
    };
    match text.clippy_name.strip_prefix("yieldsafe::") {
        // Not a lint rustc or clippy know: no attribute can name it.
        Some(name) => {
            let state = if level == Level::Warn {
                format!("`{name}` is on by default")
            } else {
                format!("`{name}` is set to `{level_word}` {origin}")
            };
            notes.push(format!(
                "{state}; `// yieldsafe: allow({name})` on the line before silences it"
            ));
        }
        None => notes.push(format!("`#[{level_word}({})]` {origin}", text.clippy_name)),
    }
    Diagnostic {
        lint: text.name,
        level,
        message,
        primary,
        primary_label,
        labels,
        yield_points,
        notes,
        help,
        suggestions,
    }
}

/// A zero-width position as a one-character span (the character before it), so
/// that renderers can underline it.
fn one_char(at: ByteRange, source: &SourceFile) -> ByteRange {
    if at.0 == at.1 && at.0 > 0 {
        let text = &source.text[..at.0.min(source.text.len())];
        let start = text.char_indices().last().map(|(i, _)| i).unwrap_or(0);
        (start, at.0)
    } else {
        at
    }
}
