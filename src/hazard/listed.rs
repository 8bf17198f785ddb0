//! Hazards the user lists: types in clippy's `await-holding-invalid-types` format and
//! methods in yieldsafe's `hazard-methods`, each `"a::B"` or `{ path = "a::B", reason
//! = ".." }`.

/// A configured type path (or, in `hazard-methods`, a method name) and the reason
/// given for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub path: String,
    pub reason: Option<String>,
}
