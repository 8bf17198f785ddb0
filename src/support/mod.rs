//! What keeps a run standing whatever the input: a panic in one file's check is
//! caught and reported as that file's error (`panic_guard`), and the failure points
//! the tests use to prove it (`failpoint`).

pub(crate) mod failpoint;
pub mod hash;
pub(crate) mod panic_guard;
