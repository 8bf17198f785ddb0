//! `await_holding_span_guard`: a tracing span's guard (`span.enter()`,
//! `span.entered()`) held across an await point.

use super::{check_value, LintLevels, LintText};
use crate::analysis::HeldValue;
use crate::diagnostic::Diagnostic;
use crate::hazard::{HazardClass, Shape};
use crate::source::SourceFile;

pub const NAME: &str = "await_holding_span_guard";

const TEXT: LintText = LintText {
    name: NAME,
    clippy_name: "yieldsafe::await_holding_span_guard",
    why: "while the task is suspended the span stays entered on this thread, so whatever the executor runs next is recorded inside it, and the span's timing is wrong",
    instead: "or attach the span to the future with `.instrument(span)` (`tracing::Instrument`), or use `span.in_scope(|| ..)` for synchronous work",
};

pub fn check(
    held: &HeldValue,
    shape: &Shape,
    source: &SourceFile,
    levels: &LintLevels,
) -> Option<Diagnostic> {
    check_value(held, shape, source, levels, HazardClass::SpanGuard, &TEXT)
}
