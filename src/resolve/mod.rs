//! What a name means, without a compiler: one file's declarations and imports
//! (`file_index`), the crate's module tree (`modtree`), and the crate table that
//! answers for the other files of the crate (`crate_table`), summarising them on
//! demand. The file index and the crate table ask each other (a lazy summary builds
//! a file index of another file); they stay together behind this module.

pub mod cfg;
pub mod crate_table;
pub mod deps;
pub mod file_index;
mod imports;
pub mod macro_rules;
pub mod macros;
pub mod modtree;
