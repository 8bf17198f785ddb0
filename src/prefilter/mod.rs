//! The no-parse shortcut: a lexical scan of every file tells what it declares and
//! whether it can have a finding at all (`scan`); the bodies that cannot are blanked
//! before parsing (`blank`); and nesting is bounded before syn recurses (`nesting`).

pub mod blank;
pub mod nesting;
pub mod scan;

/// Whether what the scan found can make a finding: a yield point (`.await`, `yield`,
/// a macro known to await), a method call that takes a lock (`self_deadlock`), a
/// lint's name (an `#[expect]` may go unfulfilled), or
/// something the scan could not follow. A crate's own macros that await are asked
/// about separately, when the crate's index exists.
pub fn can_have_findings(facts: &scan::Facts) -> bool {
    facts.yields
        || facts.acquisition_calls > 0
        || facts.lint_names
        || facts.unsure
        || facts
            .macro_calls
            .iter()
            .any(|m| crate::hazard::macros::awaits_by_name(m))
}
