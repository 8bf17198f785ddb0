//! What is read from disk, before any Rust is parsed: the files to check and the
//! packages they belong to (`discover`), their text (`fs`, `source`), the edition of
//! each crate (`edition`) and the settings files (`config`).

pub mod config;
pub mod discover;
pub mod edition;
pub mod fs;
pub mod source;
