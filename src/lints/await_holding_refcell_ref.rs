//! `await_holding_refcell_ref`: a `RefCell` borrow (`Ref`, `RefMut`) held across an
//! await point.

use super::{check_value, LintLevels, LintText};
use crate::analysis::HeldValue;
use crate::diagnostic::Diagnostic;
use crate::hazard::{HazardClass, Shape};
use crate::source::SourceFile;

pub const NAME: &str = "await_holding_refcell_ref";

const TEXT: LintText = LintText {
    name: NAME,
    clippy_name: "clippy::await_holding_refcell_ref",
    why: "a `RefCell` borrow held across an await stays active while other code runs, which then panics with `BorrowMutError` (or `BorrowError`) when it borrows the same cell",
    instead: "or keep the borrow inside a block that ends before the await",
};

pub fn check(
    held: &HeldValue,
    shape: &Shape,
    source: &SourceFile,
    levels: &LintLevels,
) -> Option<Diagnostic> {
    check_value(held, shape, source, levels, HazardClass::RefCellRef, &TEXT)
}
