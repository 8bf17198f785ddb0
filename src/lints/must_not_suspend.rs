//! `must_not_suspend`: a value of a type or trait annotated `#[must_not_suspend]`
//! held across an await point, with the annotation's reason as a note.

use super::{check_value, LintLevels, LintText};
use crate::analysis::HeldValue;
use crate::diagnostic::Diagnostic;
use crate::hazard::{HazardClass, Shape};
use crate::source::SourceFile;

pub const NAME: &str = "must_not_suspend";

const TEXT: LintText = LintText {
    name: NAME,
    clippy_name: "must_not_suspend",
    why: "its type is annotated `#[must_not_suspend]`",
    instead: "or create the value after the await",
};

pub fn check(
    held: &HeldValue,
    shape: &Shape,
    source: &SourceFile,
    levels: &LintLevels,
) -> Option<Diagnostic> {
    check_value(
        held,
        shape,
        source,
        levels,
        HazardClass::MustNotSuspend,
        &TEXT,
    )
}
