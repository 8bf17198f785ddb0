//! The type sketch, DESIGN step 3: what an expression's value holds. One layer
//! answers every "what type is this, and what does it hold" question the lowering
//! asks, from the file index and the crate table (what names mean) and the hazard
//! table (which APIs produce or pass on hazards):
//!
//! - `types`: a written type → the hazards a value of it holds; a receiver's type →
//!   its lock family; a signature → what calling it returns;
//! - `receiver`: an expression → what is known of its type (`self.state`, a local
//!   annotated or built as a lock, a static, `Span::current()`);
//! - `calls`: a call or method call → what its result holds, from the std rows of
//!   the hazard table (`Some(g)`, `Box::new(g)`, `opt.take()`, `.lock()` on a known
//!   receiver, `MutexGuard::map`...).
//!
//! The summaries of the crate's other files, which need the lowering for what their
//! `impl Trait` fns return, are written above it (`analysis::summary`).

pub mod calls;
pub mod receiver;
pub mod types;

use crate::support::hash::HashMap;

use crate::hazard::{Receiver, Shape};
use crate::resolve::file_index::FileIndex;

pub use types::returns_self;

/// The sketch of one file's values: its index (what its names mean), and what the
/// fns of the file that return `impl Trait` really return.
pub struct Sketch<'a, 'ast> {
    pub index: &'a FileIndex<'ast>,
    /// Fns returning `impl Trait`, by name → what their bodies return (lowered first
    /// by the analysis, so that their callers know).
    opaque_returns: HashMap<String, Vec<Shape>>,
}

impl<'a, 'ast> Sketch<'a, 'ast> {
    pub fn new(index: &'a FileIndex<'ast>) -> Self {
        Sketch {
            index,
            opaque_returns: HashMap::default(),
        }
    }

    /// The same sketch, knowing what the file's `impl Trait` fns return.
    pub fn with_opaque_returns(mut self, returns: HashMap<String, Vec<Shape>>) -> Self {
        self.opaque_returns = returns;
        self
    }
}

/// What is known of a local's type, for deciding what its methods return.
#[derive(Debug, Clone)]
pub enum TyHint<'ast> {
    None,
    Type(&'ast syn::Type),
    Receiver(Receiver),
    /// A struct of this file, by name.
    Struct(String),
    /// A std stream (`Stdout`, `Stderr`, `Stdin`), whose `lock()` is a look-alike.
    StdStream(&'static str),
}

/// The locals in view where an expression is sketched: what the lowering knows of
/// their types.
pub trait Locals<'ast> {
    /// The hint of the visible local called `name`, if there is one.
    fn hint(&self, name: &str) -> Option<&TyHint<'ast>>;
    /// The impl's `Self` type name, for `self.field` look-ups.
    fn self_ty(&self) -> Option<&str>;
}
