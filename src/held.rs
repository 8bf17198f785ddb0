//! What the analysis finds, in words that know no syntax: the values the lowering
//! tracks (`ValueInfo`), the yield points (`YieldInfo`), and the values held across
//! them (`HeldValue`), which the lints turn into diagnostics.

use crate::dataflow::{ByteRange, DropKind};
use crate::diagnostic::YieldKind;
use crate::hazard::{Acquired, Relock, Shape};

/// What kind of body is lowered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    AsyncFn,
    AsyncBlock,
    AsyncClosure,
    /// A `#[coroutine]` closure (nightly), which suspends at `yield`.
    Coroutine,
    /// A plain fn or closure: no yield points of its own, lowered only to find the
    /// async bodies inside it and what they capture.
    Plain,
}

impl BodyKind {
    pub fn is_coroutine(self) -> bool {
        !matches!(self, BodyKind::Plain)
    }
}

/// How a tracked value came to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A `let` binding or a pattern binding.
    Binding,
    /// A parameter of an async fn or async closure.
    Parameter,
    /// A temporary. `scrutinee` when it lives through a `match`/`if let`/`while let`/
    /// `for` head.
    Temporary { scrutinee: bool },
    /// A value an async block or closure captured by move.
    Capture,
    /// What a `select!` branch's future produced that its pattern does not bind: the
    /// macro keeps it in its output to its end, through the handler.
    MacroOutput,
}

#[derive(Debug, Clone)]
pub struct ValueInfo {
    pub origin: Origin,
    pub name: Option<String>,
    /// The binding pattern, the temporary expression, or the first mention of a capture.
    pub span: ByteRange,
    pub shapes: Vec<Shape>,
    /// For `let` bindings by a plain identifier: the syntax block and statement index
    /// of the declaration.
    pub decl: Option<(usize, usize)>,
    /// The acquisitions of the body (`AcquisitionInfo`) whose guard it may hold.
    pub acquired: Vec<usize>,
    /// For a binding: what borrows from it, as the lowering found it.
    pub borrows: Borrows,
}

/// The locals that may hold a borrow of a binding, and its true last use.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Borrows {
    /// The locals that may borrow from it, directly or through one another
    /// (`let first = &g[0];`, `let it = g.iter();`, a closure capturing it, a method
    /// result not known to own its data, `v.push(&g[0])`): name and binding span.
    pub borrowers: Vec<(String, ByteRange)>,
    /// The last statement of its block (the index, as in `decl`) after its `let`
    /// that uses it or one of its borrowers; `None` when none does (it is never read).
    pub last_use: Option<usize>,
}

/// Which local of a body may borrow from which, by local (every binding, parameter
/// and capture the lowering declared, in declaration order).
#[derive(Debug, Clone, Default)]
pub struct BorrowGraph {
    pub locals: Vec<BorrowLocal>,
}

#[derive(Debug, Clone)]
pub struct BorrowLocal {
    pub name: String,
    /// The binding's span (from `ref` / `mut`, through the name).
    pub span: ByteRange,
    /// The locals it may borrow from directly.
    pub from: Vec<usize>,
}

impl BorrowGraph {
    /// The local bound at `span`.
    pub fn local_at(&self, span: ByteRange) -> Option<usize> {
        self.locals.iter().rposition(|l| l.span == span)
    }

    /// Whether `local` may borrow, directly or not, from any of `targets`.
    pub fn borrows_from(&self, local: usize, targets: &[usize]) -> bool {
        let mut seen = vec![false; self.locals.len()];
        let mut work = vec![local];
        while let Some(l) = work.pop() {
            for &f in &self.locals[l].from {
                if targets.contains(&f) {
                    return true;
                }
                if !seen[f] {
                    seen[f] = true;
                    work.push(f);
                }
            }
        }
        false
    }

    /// Every local that may borrow, directly or not, from `local`.
    pub fn borrowers_of(&self, local: usize) -> Vec<usize> {
        let mut by = vec![Vec::new(); self.locals.len()];
        for (b, l) in self.locals.iter().enumerate() {
            for &f in &l.from {
                by[f].push(b);
            }
        }
        let mut seen = vec![false; self.locals.len()];
        seen[local] = true;
        let mut out = Vec::new();
        let mut work = vec![local];
        while let Some(l) = work.pop() {
            for &b in &by[l] {
                if !seen[b] {
                    seen[b] = true;
                    out.push(b);
                    work.push(b);
                }
            }
        }
        out.sort_unstable();
        out
    }
}

/// Where a body takes a lock or borrows a cell, and which one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcquisitionInfo {
    /// The lock's place, a key equal for the same lock: `self.state`, a local by
    /// its id in the body (`#3.inner`), a static's path; references, derefs and
    /// `Arc` clones see through to what they point at.
    pub place: String,
    /// The receiver as written (`self.state`), or the call of the method that
    /// takes the lock inside.
    pub receiver: ByteRange,
    pub acquired: Acquired,
    /// The type path of the guard it creates (`std::sync::MutexGuard`).
    pub guard: String,
    /// The method call, receiver to closing parenthesis.
    pub span: ByteRange,
    /// Taken by a method of the same type called here.
    pub via: Option<Via>,
    /// The enclosing statements: (syntax block, statement index), outermost first.
    pub stmt_path: Vec<(usize, usize)>,
}

/// A lock taken inside a method called on a place: `self.helper()` locks
/// `self.state` when `helper` locks its own `self.state`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Via {
    pub method: String,
    /// The acquisition in the method's body.
    pub at: ByteRange,
    /// The lock's place below the receiver (`.state`).
    pub suffix: String,
}

/// A lock taken while a guard of it is alive on the same thread.
#[derive(Debug, Clone)]
pub struct RelockInfo {
    /// What the second acquisition does.
    pub relock: Relock,
    /// The guard alive there: the value holding it and where it was taken.
    pub holder: ValueInfo,
    pub first: AcquisitionInfo,
    pub second: AcquisitionInfo,
    /// Held there on every path.
    pub always: bool,
    /// Where the holder stops being held after the second acquisition (its scope's
    /// end), when the lowering knows.
    pub held_until: Option<ByteRange>,
    /// The path of the fn it is in (`store::Cache::refresh`).
    pub item: String,
    /// Ways to end the guard before, all maybe-incorrect.
    pub fixes: Vec<FixPlan>,
    /// For a temporary guard: where it sits.
    pub temp_context: Option<TempContext>,
    /// For a head's temporary guard: the construct (`match`, `if let`, `while let`,
    /// `for`).
    pub head: Option<&'static str>,
}

#[derive(Debug, Clone)]
pub struct YieldInfo {
    pub span: ByteRange,
    pub kind: YieldKind,
    /// The enclosing statements: (syntax block, statement index), outermost first.
    pub stmt_path: Vec<(usize, usize)>,
}

/// What the analysis finds in a file: the values held across yield points, and the
/// locks taken while a guard of theirs is alive.
#[derive(Debug, Default)]
pub struct FileFindings {
    pub held: Vec<HeldValue>,
    pub relocks: Vec<RelockInfo>,
}

impl FileFindings {
    pub fn is_empty(&self) -> bool {
        self.held.is_empty() && self.relocks.is_empty()
    }
}

/// A value found held across at least one yield point.
#[derive(Debug, Clone)]
pub struct HeldValue {
    pub value: ValueInfo,
    pub body: BodyKind,
    /// The yield points it is held across, in source order, each with whether it is
    /// held there on every path.
    pub yields: Vec<(YieldInfo, bool)>,
    /// Where it stops being held after the first of them.
    pub drops: Vec<(ByteRange, DropKind)>,
    /// The fixes that end it before its first yield, best first.
    pub fixes: Vec<FixPlan>,
    /// A binding never read after its `let`: it guards a critical section, which no
    /// fix may shorten silently.
    pub critical_section: bool,
    /// For a temporary: where it sits, so that the help names the way out.
    pub temp_context: Option<TempContext>,
    /// The `async fn` whose own body holds the value (not a nested async block).
    pub owner: Option<FnOwner>,
    /// Nothing holds the value at its yields: it was moved out before them, but
    /// after a borrow, so the future still keeps its storage (and rustc counts it
    /// when deciding whether the future is `Send`). Only `future_not_send` reports it.
    pub storage_only: bool,
    /// The path of the fn the value is in, within its file (`store::Cache::refresh`),
    /// also for a value of an async block or closure inside it.
    pub item: String,
}

/// Where a temporary held across a yield sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TempContext {
    /// The awaited future is made from it (`db.borrow_mut().query().await`).
    AwaitedFuture,
    /// Its statement awaits after creating it (`settle(m.lock().unwrap().len()).await`).
    SameStatement,
    /// In a `match` / `if let` / `while let` / `for` head, held through the body.
    Head,
    /// Borrowed by a `let` (`let r = &m.lock().unwrap();`): extended to the block's end.
    Extended,
}

/// What a fix does, in Rust's words; the lint turns it into a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixKind {
    /// Wrap the guard's `let` through its last use in a block `{ .. }`.
    BlockScope,
    /// `drop(g);` before the statement with the yield.
    Drop,
    /// End a critical section (a guard never read) before the await with a block.
    EndCriticalSection,
    /// Compute the owned value a temporary is used for in a `let` before the
    /// statement: `let n = m.lock().unwrap().len();`.
    HoistTemporary,
    /// Bind the owned value of a `match` / `if let` / `for` head first.
    BindScrutinee,
    /// Await first, into a `let`, when the await is later in the temporary's own
    /// statement (`m.lock().unwrap().push(f().await)`): reorders evaluation.
    AwaitFirst,
}

/// How far a fix can be trusted, as ruff says it (rustc's applicabilities).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FixSafety {
    /// Compiles, keeps the meaning, and the compiler agrees the value is gone.
    Safe,
    /// May change what the code means or fail to compile: applied only when asked.
    Unsafe,
}

/// One fix, as byte edits of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixPlan {
    pub kind: FixKind,
    pub safety: FixSafety,
    /// (range replaced, replacement); an empty range inserts.
    pub edits: Vec<(ByteRange, String)>,
    /// Why it is not safe, said in the message, when it is not.
    pub caveat: Option<&'static str>,
}

/// The future a held value is part of, as the `future_not_send` lint names it: an
/// `async fn`'s, or an async block's that is passed where a `Send` future is needed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FnOwner {
    /// The fn's name, or the path of the fn the block is passed to (`tokio::spawn`).
    pub name: String,
    /// The fn's name, or the block's `async`.
    pub name_span: ByteRange,
    pub kind: OwnerKind,
}

/// Why a future's `Send` matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OwnerKind {
    /// An `async fn`; a `pub` one's callers may require `Send`.
    AsyncFn { is_pub: bool },
    /// An async block passed to a fn that requires a `Send` future.
    SpawnedBlock,
}

impl FnOwner {
    /// Whether the lint asks for this future to be `Send`.
    pub fn must_be_send(&self) -> bool {
        matches!(
            self.kind,
            OwnerKind::AsyncFn { is_pub: true } | OwnerKind::SpawnedBlock
        )
    }
}

impl HeldValue {
    pub fn always_held(&self) -> bool {
        self.yields.iter().all(|(_, must)| *must)
    }
}
