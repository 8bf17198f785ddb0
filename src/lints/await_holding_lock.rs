//! `await_holding_lock`: a blocking lock's guard (std, parking_lot, lock_api, spin)
//! held across an await point.

use super::{check_value, LintLevels, LintText};
use crate::analysis::HeldValue;
use crate::diagnostic::Diagnostic;
use crate::hazard::{HazardClass, Shape};
use crate::source::SourceFile;

pub const NAME: &str = "await_holding_lock";

const TEXT: LintText = LintText {
    name: NAME,
    clippy_name: "clippy::await_holding_lock",
    why: "a blocking lock held across an await can deadlock the executor and makes the future `!Send`",
    instead: "or use an async-aware lock such as `tokio::sync::Mutex`",
};

pub fn check(
    held: &HeldValue,
    shape: &Shape,
    source: &SourceFile,
    levels: &LintLevels,
) -> Option<Diagnostic> {
    check_value(held, shape, source, levels, HazardClass::Lock, &TEXT)
}
