//! The no-parse shortcut: a lexical scan of every file tells what it declares and
//! whether it can have a finding at all (`scan`); the bodies that cannot are blanked
//! before parsing (`blank`); and nesting is bounded before syn recurses (`nesting`).

pub mod nesting;
pub mod scan;
