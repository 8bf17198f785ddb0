//! `await_holding_invalid_type`: a value of a type listed in
//! `await-holding-invalid-types` (yieldsafe's settings or `clippy.toml`) held across
//! an await point, with the configured reason as a note.

use super::{check_value, LintLevels, LintText};
use crate::analysis::HeldValue;
use crate::diagnostic::Diagnostic;
use crate::hazard::{HazardClass, Shape};
use crate::source::SourceFile;

pub const NAME: &str = "await_holding_invalid_type";

const TEXT: LintText = LintText {
    name: NAME,
    clippy_name: "clippy::await_holding_invalid_type",
    why: "this type is listed in `await-holding-invalid-types` as one that must not be held across an await",
    instead: "or create the value after the await",
};

pub fn check(
    held: &HeldValue,
    shape: &Shape,
    source: &SourceFile,
    levels: &LintLevels,
) -> Option<Diagnostic> {
    check_value(held, shape, source, levels, HazardClass::InvalidType, &TEXT)
}
