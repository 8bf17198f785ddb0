//! Lowering: one walk over a body in evaluation order that turns Rust's drop-scope
//! rules (shared/SEMANTICS.md) into a control-flow graph of `Create` / `Drop` /
//! `Yield` / `Use` events for the values that carry a hazard. All knowledge of drop
//! order lives here; what a value holds is the type sketch's answer (`sketch`), and
//! the dataflow knows no syntax.
//!
//! Values that carry no hazard are not tracked at all. A hazard value is either a
//! binding (dropped at the end of its block unless moved), a temporary (dropped at
//! the end of its temporary scope, or of the enclosing block when a `let` extends
//! it), or a capture of an async block or closure (held for the whole body).
//!
//! One `Lowerer`, its impl split by concern as rustc splits its MIR builder:
//!
//! | file | rules of SEMANTICS.md |
//! |---|---|
//! | `scope.rs` | scopes, locals, temporaries and their drops (§1, §2), moves, CFG edges |
//! | `stmt.rs` | blocks and their tails (§4), `let`, `let .. else` (§3), lifetime extension (§5), binding patterns |
//! | `expr.rs` | the one match over `syn::Expr`: evaluation order (§2), operators, assignment, yield points |
//! | `call.rs` | calls and method calls: by-value arguments (§1), what the sketch says they return |
//! | `control.rs` | `if`/let-chains, `match`, `loop`, `while`, `for`, labelled blocks (§3, §4) |
//! | `closure.rs` | closures and async blocks: captures, `move`, nested coroutines (§6) |
//! | `macros.rs` | macro calls: arguments as code, awaiting macros, token scans (§6) |
//! | `async_macros.rs` | `select!`, `join!`, `pin_mut!`..: their parts in their expansion's order |
//! | `pattern.rs` | which binding of a pattern takes which hazard |
//! | `locks.rs` | where a lock is taken, which lock (its place), which values hold its guard |
//! | `borrows.rs` | which locals borrow from which (references, iterators, closures, stores), and where each is used: a guard's true last use, for the fixes |

mod async_macros;
mod borrows;
mod call;
mod closure;
mod control;
mod expr;
mod locks;
mod macros;
mod pattern;
mod scope;
mod stmt;

use typed_arena::Arena;

use crate::dataflow::{BlockId, ByteRange, Graph, ValueId};
use crate::hazard::{Layer, NextUse, Shape};
use crate::held::{AcquisitionInfo, BodyKind, BorrowGraph, Origin, ValueInfo, YieldInfo};
use crate::input::edition::Edition;
use crate::resolve::file_index::FileIndex;
use crate::sketch::types::by_value_receiver;
use crate::sketch::{Locals, Sketch, TyHint};
use crate::span::{self, range};

pub use closure::Mentions;
pub use locks::{lock_helpers, LockHelpers};

/// Syntax the walk makes and keeps references into: macro arguments and
/// expansions, parsed async macros.
#[derive(Default)]
pub struct Arenas {
    exprs: Arena<Vec<syn::Expr>>,
    stmts: Arena<Vec<syn::Stmt>>,
    macros: Arena<async_macros::AsyncMacro>,
    /// The spans of the file's expressions, shared by every body lowered.
    spans: span::Cache,
    /// What each nested body mentions, walked once.
    mentions: closure::MentionsCache,
}
pub use borrows::{format_captures, root_name, sources, Source};
pub use pattern::{binding_span, collect_bindings};

/// A nested body found while lowering: analysed on its own afterwards.
pub struct ChildBody<'ast> {
    pub kind: BodyKind,
    pub body: ChildSyntax<'ast>,
    /// Locals of the enclosing body visible at the child's creation, with what is
    /// known of their types, and whether the child owns their hazards.
    pub env: Vec<EnvLocal<'ast>>,
    /// The impl's `Self` type name, for `self.field` look-ups.
    pub self_ty: Option<String>,
    /// The fn this async block is passed to, when that fn needs a `Send` future
    /// (`tokio::spawn`), and where the block starts.
    pub spawned_by: Option<(String, ByteRange)>,
}

pub enum ChildSyntax<'ast> {
    Block(&'ast syn::Block),
    Closure(&'ast syn::ExprClosure),
}

#[derive(Debug, Clone)]
pub struct EnvLocal<'ast> {
    pub name: String,
    pub hint: TyHint<'ast>,
    /// The hazards the child owns (captured by move), empty when it only borrows.
    pub owned: Vec<Shape>,
}

/// The result of lowering one body.
pub struct LoweredBody<'ast> {
    /// The hazards the body's return value carries.
    pub returned: Vec<Shape>,
    pub kind: BodyKind,
    pub graph: Graph,
    pub values: Vec<ValueInfo>,
    pub yields: Vec<YieldInfo>,
    /// Where locks are taken (`Event::Acquire`).
    pub acquisitions: Vec<AcquisitionInfo>,
    /// Syntax blocks by the id used in `decl` and `stmt_path`.
    pub blocks: Vec<&'ast syn::Block>,
    pub children: Vec<ChildBody<'ast>>,
    /// Which of the body's locals may borrow from which.
    pub borrows: BorrowGraph,
}

/// What a body is: a block (fn, async block) or an expression (closure body).
#[derive(Clone, Copy)]
pub enum BodyRef<'ast> {
    Block(&'ast syn::Block),
    Expr(&'ast syn::Expr),
}

/// An operand: what evaluating an expression produced, before its context decides
/// whether it is moved, borrowed (becoming a temporary) or bound.
#[derive(Debug, Clone, Default)]
enum Operand {
    #[default]
    None,
    /// A local variable (a place): moving it ends its value.
    Place(usize, ByteRange),
    /// A field of a local whose hazards sit in that field: moving it moves them
    /// out of the local (a partial move).
    Field(usize, crate::hazard::Member, ByteRange),
    /// A fresh value carrying hazards, produced by the expression at the range.
    Value(Vec<Shape>, ByteRange),
}

/// What the parent of an expression tells its lowering.
#[derive(Debug, Clone, Copy)]
struct Ctx {
    /// What follows the expression in its method chain (`.unwrap()`, `.await`).
    next: NextUse,
    /// The expression is an extending expression of a `let` initialiser (§5): the
    /// operand of an `&` in it lives to the end of the block.
    extending: bool,
    /// The expression is the operand of an extending borrow, or the base of a
    /// field, index or deref place there: a temporary at its base is extended.
    extended_place: bool,
}

impl Ctx {
    const PLAIN: Ctx = Ctx {
        next: NextUse::Other,
        extending: false,
        extended_place: false,
    };

    fn followed_by(next: NextUse) -> Ctx {
        Ctx { next, ..Ctx::PLAIN }
    }

    fn extending(extending: bool) -> Ctx {
        Ctx {
            extending,
            ..Ctx::PLAIN
        }
    }

    fn extended_place(extended_place: bool) -> Ctx {
        Ctx {
            extended_place,
            ..Ctx::PLAIN
        }
    }

    /// What a branch, an element or a tail of this expression is told: only whether
    /// it extends.
    fn branch(self) -> Ctx {
        Ctx::extending(self.extending)
    }
}

/// What a scope holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ScopeKind {
    /// A body: its bindings and the temporaries of its tail.
    Body,
    /// Where bindings live: a block, a pattern's bindings (`if let`, match arm, `for`).
    Bindings,
    /// A temporary scope: a statement, a condition, an operand of `&&`/`||`, a match
    /// arm's body, a loop body, a block's tail.
    Temporaries,
}

impl ScopeKind {
    fn temps(self) -> bool {
        matches!(self, ScopeKind::Body | ScopeKind::Temporaries)
    }

    fn bindings(self) -> bool {
        matches!(self, ScopeKind::Body | ScopeKind::Bindings)
    }
}

/// Where a temporary is dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TempScope {
    /// At the end of the innermost temporary scope.
    Statement,
    /// As `Statement`, made by a `match` / `if let` / `while let` / `for` head: it
    /// lives through the whole construct (§3).
    Scrutinee,
    /// Extended by a `let` to the end of the enclosing block (§5).
    Extended,
}

impl TempScope {
    fn extended_if(extended: bool) -> TempScope {
        if extended {
            TempScope::Extended
        } else {
            TempScope::Statement
        }
    }
}

/// Whether a block's tail has a temporary scope of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TailScope {
    /// The tail's temporaries are the enclosing statement's (before 2024).
    Enclosing,
    /// The block is a temporary scope itself (the body of an `if`, a loop, an arm).
    Own,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dropee {
    Local(usize),
    Value(ValueId),
}

struct Scope {
    drops: Vec<Dropee>,
    kind: ScopeKind,
    /// Where its names start in `visible`, when it holds bindings.
    visible_mark: usize,
    /// Where the scope ends (its drops point here).
    end: ByteRange,
}

/// What calling a local closure does.
#[derive(Debug, Clone, Default)]
struct Callable {
    /// The hazards a call returns.
    returns: Vec<Shape>,
    /// The closure moves a captured value out, so a call consumes it.
    fn_once: bool,
}

struct Local<'ast> {
    callable: Option<Callable>,
    name: String,
    value: Option<ValueId>,
    shapes: Vec<Shape>,
    hint: TyHint<'ast>,
    span: ByteRange,
    decl: Option<(usize, usize)>,
    origin: Origin,
    /// The lock place it names (`let m = &self.state;`): what `m.lock()` locks.
    alias: Option<String>,
}

struct LoopCtx {
    label: Option<String>,
    break_to: BlockId,
    continue_to: Option<BlockId>,
    depth: usize,
    break_shapes: Vec<Shape>,
}

pub struct Lowerer<'a, 'ast> {
    sketch: &'a Sketch<'a, 'ast>,
    arena: &'ast Arenas,
    edition: Edition,
    kind: BodyKind,
    self_ty: Option<String>,
    graph: Graph,
    cur: BlockId,
    exit: BlockId,
    values: Vec<ValueInfo>,
    yields: Vec<YieldInfo>,
    acquisitions: Vec<AcquisitionInfo>,
    /// What the methods of the file's types lock (for a call of one, one level).
    helpers: Option<&'a LockHelpers>,
    scopes: Vec<Scope>,
    locals: Vec<Local<'ast>>,
    visible: Vec<usize>,
    /// The visible locals by name, innermost last (a body may shadow a name
    /// thousands of times; looking names up must not walk them all).
    by_name: crate::support::hash::HashMap<String, Vec<usize>>,
    loops: Vec<LoopCtx>,
    blocks: Vec<&'ast syn::Block>,
    stmt_path: Vec<(usize, usize)>,
    children: Vec<ChildBody<'ast>>,
    /// The generics of the fn being lowered (for parameters of a bounded type).
    generics: Option<&'ast syn::Generics>,
    /// The fn's `self` receiver, when it takes `self` by value.
    receiver: Option<&'ast syn::Receiver>,
    /// The scope the `let` being lowered extends its temporaries to: its block.
    extend_target: Option<usize>,
    /// The hazards the body returns (tail and `return` values).
    returned: Vec<Shape>,
    /// This lowering is a throw-away summary of a nested body.
    summarizing: bool,
    depth: usize,
    /// Uses and borrows of the locals, for `borrows`.
    borrow: borrows::BorrowState,
}

/// How deep expressions may nest before the walk gives up on a body (the caller
/// runs on a thread with a large stack; this keeps even that bounded).
pub const MAX_DEPTH: usize = 2_000;

#[derive(Debug, thiserror::Error)]
#[error(
    "expression nested more than {MAX_DEPTH} levels deep at byte {at}; this body was not analysed"
)]
pub struct TooDeep {
    pub at: usize,
}

/// The byte range of a small node (a pattern, an identifier); large nodes use the
/// cheaper functions of `crate::span`.
fn range_of<T: syn::spanned::Spanned>(node: &T) -> ByteRange {
    range(node.span())
}

impl<'a, 'ast> Lowerer<'a, 'ast> {
    pub fn new(
        sketch: &'a Sketch<'a, 'ast>,
        arena: &'ast Arenas,
        edition: Edition,
        kind: BodyKind,
        self_ty: Option<String>,
    ) -> Self {
        let mut graph = Graph::default();
        let exit = graph.new_block();
        Lowerer {
            sketch,
            arena,
            edition,
            kind,
            self_ty,
            cur: graph.entry,
            exit,
            graph,
            values: Vec::new(),
            yields: Vec::new(),
            acquisitions: Vec::new(),
            helpers: None,
            scopes: Vec::new(),
            locals: Vec::new(),
            visible: Vec::new(),
            by_name: crate::support::hash::HashMap::default(),
            loops: Vec::new(),
            blocks: Vec::new(),
            stmt_path: Vec::new(),
            children: Vec::new(),
            extend_target: None,
            generics: None,
            receiver: None,
            returned: Vec::new(),
            summarizing: false,
            depth: 0,
            borrow: Default::default(),
        }
    }

    /// The fn's signature, for its generics and its `self` receiver.
    pub fn with_signature(mut self, sig: &'ast syn::Signature) -> Self {
        self.generics = Some(&sig.generics);
        self.receiver = sig.receiver();
        self
    }

    /// What the methods of the file's types lock, for their calls in this body.
    pub fn with_lock_helpers(mut self, helpers: &'a LockHelpers) -> Self {
        self.helpers = Some(helpers);
        self
    }

    /// The byte range of an expression (`span::expr`, remembering long spines).
    fn span_of(&self, e: &syn::Expr) -> ByteRange {
        self.arena.spans.expr(e)
    }

    fn index(&self) -> &'a FileIndex<'ast> {
        self.sketch.index
    }

    /// Whether `#[cfg]` attributes leave a statement or an arm out of the build the
    /// file's index knows (in test code and out of it alike).
    fn cfg_off(&self, attrs: &[syn::Attribute]) -> bool {
        use crate::resolve::cfg::CfgValue;
        let cfg = &self.index().cfg;
        attrs.iter().any(|a| a.path().is_ident("cfg"))
            && cfg.of_attrs(attrs, false) == CfgValue::Off
            && cfg.of_attrs(attrs, true) == CfgValue::Off
    }

    /// Lower a fn body (or an async block's block) whose parameters are `params`
    /// (pattern, type), with `env` the captured locals of an enclosing body.
    pub fn lower_fn(
        mut self,
        params: &[(&'ast syn::Pat, Option<&'ast syn::Type>)],
        env: &[EnvLocal<'ast>],
        body: BodyRef<'ast>,
    ) -> Result<LoweredBody<'ast>, TooDeep> {
        let end = match body {
            BodyRef::Block(b) => range(b.brace_token.span.close()),
            BodyRef::Expr(e) => {
                let r = self.span_of(e);
                (r.1, r.1)
            }
        };
        self.push_scope(ScopeKind::Body, end);
        self.declare_env(env, body, end);
        self.declare_self_receiver();
        for (pat, ty) in params {
            self.bind_params(pat, *ty);
        }
        let op = match body {
            BodyRef::Block(b) => self.lower_block(b, TailScope::Enclosing, Ctx::PLAIN)?,
            BodyRef::Expr(e) => self.lower_expr(e, Ctx::PLAIN)?,
        };
        let shapes = self.consume(op);
        self.returned = merge(&self.returned, &shapes);
        self.pop_scope();
        let cur = self.cur;
        self.graph.edge(cur, self.exit);
        let borrows = self.finish_borrows();
        Ok(LoweredBody {
            returned: self.returned,
            kind: self.kind,
            graph: self.graph,
            values: self.values,
            yields: self.yields,
            acquisitions: self.acquisitions,
            blocks: self.blocks,
            children: self.children,
            borrows,
        })
    }

    /// `self`, `mut self`, `self: Box<Self>`: the body owns the value. `&self` of a
    /// type that is not `Sync`: the future holds a reference that is not `Send`.
    fn declare_self_receiver(&mut self) {
        let Some(r) = self.receiver else {
            return;
        };
        if matches!(r.kind, syn::ReceiverKind::Reference(_, _, None)) {
            let Some(hazard) = self
                .self_ty
                .as_deref()
                .and_then(|t| self.sketch.not_sync_self(t))
            else {
                return;
            };
            let ty_name = self.self_ty.clone().unwrap_or_default();
            let id = self.declare_local(
                "self".to_string(),
                TyHint::Struct(ty_name),
                range(r.self_token.span),
                None,
                Origin::Parameter,
            );
            self.give_shapes(id, vec![Shape::new(hazard)]);
            return;
        }
        if !by_value_receiver(r) {
            return;
        }
        let ty_name = self.self_ty.clone().unwrap_or_default();
        let boxed = matches!(&r.kind, syn::ReceiverKind::Typed(_, ty)
            if matches!(&**ty, syn::Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "Box")));
        let shapes: Vec<Shape> = self
            .sketch
            .annotated(&ty_name, self.self_ty.as_deref())
            .into_iter()
            .map(|s| if boxed { s.wrapped(Layer::Box) } else { s })
            .collect();
        let id = self.declare_local(
            "self".to_string(),
            TyHint::Struct(ty_name),
            range(r.self_token.span),
            None,
            Origin::Parameter,
        );
        self.give_shapes(id, shapes);
    }
}

impl<'ast> Locals<'ast> for Lowerer<'_, 'ast> {
    fn hint(&self, name: &str) -> Option<&TyHint<'ast>> {
        self.lookup(name).map(|l| &self.locals[l].hint)
    }

    fn self_ty(&self) -> Option<&str> {
        self.self_ty.as_deref()
    }
}

fn value(shapes: Vec<Shape>, span: ByteRange) -> Operand {
    if shapes.is_empty() {
        Operand::None
    } else {
        Operand::Value(shapes, span)
    }
}

fn merge(a: &[Shape], b: &[Shape]) -> Vec<Shape> {
    let mut out = a.to_vec();
    for s in b {
        if !out.contains(s) {
            out.push(s.clone());
        }
    }
    out
}

fn dedup(shapes: Vec<Shape>) -> Vec<Shape> {
    merge(&[], &shapes)
}

fn strip_parens(e: &syn::Expr) -> &syn::Expr {
    match e {
        syn::Expr::Paren(p) => strip_parens(&p.expr),
        syn::Expr::Group(g) => strip_parens(&g.expr),
        e => e,
    }
}

/// A place's member as the hazard vocabulary names it.
fn member_of(m: &syn::Member) -> crate::hazard::Member {
    match m {
        syn::Member::Named(n) => crate::hazard::Member::Named(n.to_string()),
        syn::Member::Unnamed(i) => crate::hazard::Member::Unnamed(i.index as usize),
    }
}
