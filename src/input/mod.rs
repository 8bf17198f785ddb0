//! What is read from disk, before any Rust is parsed: the files to check and the
//! packages they belong to (`discover`), their text (`fs`, `source`), the edition of
//! each crate (`edition`), the settings files (`config`), and cargo's view of
//! workspaces, packages and targets (`cargo`).

pub mod cargo;
pub mod config;
pub mod deps;
pub mod discover;
pub mod edition;
pub mod fs;
pub mod source;
