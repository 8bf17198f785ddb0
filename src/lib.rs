//! yieldsafe: finds values held across `.await` points that must not be.
//!
//! Data flows one way, each stage a module that imports only the stages before it:
//!
//! ```text
//! input (discover, read, config) → prefilter (lexical scan) → resolve (what names
//! mean: file index, module tree, crate table) → sketch (what a value holds) →
//! lower (drop scopes → event graph) → dataflow (maybe held) → analysis (held values)
//! → lint (diagnostics) → render / fix
//! ```
//!
//! `driver::run` is the whole pipeline; the binary only parses arguments, calls it
//! and renders the result. The vocabulary every stage shares sits at the bottom:
//! `diagnostic` (what crosses to the renderers), `catalog` (which lints exist, their
//! levels and records), `hazard` (which types are hazards: the hazard table), `held`
//! (what the lowering produces and the lints read).

pub mod analysis;
pub mod baseline;
pub mod catalog;
pub mod dataflow;
pub mod diagnostic;
pub mod driver;
pub mod fix;
pub mod hazard;
pub mod held;
pub mod input;
pub mod lint;
pub mod lower;
pub mod lsp;
pub mod prefilter;
pub mod render;
pub mod resolve;
pub mod sketch;
pub mod span;
mod support;

pub use catalog::LintLevels;
pub use driver::{
    check_source, check_source_prefiltered, run, CheckOutcome, Options, Progress, Report, Stats,
};
pub use input::{config, discover, edition, source};
