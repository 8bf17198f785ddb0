//! Lowering: one walk over a body in evaluation order that turns Rust's drop-scope
//! rules (shared/SEMANTICS.md) into a control-flow graph of `Create` / `Drop` /
//! `Yield` / `Use` events for the values that carry a hazard. All knowledge of drop
//! order lives here, in one match over syn's `Expr`; the dataflow knows no syntax.
//!
//! Values that carry no hazard are not tracked at all. A hazard value is either a
//! binding (dropped at the end of its block unless moved), a temporary (dropped at
//! the end of its temporary scope, or of the enclosing block when a `let` extends
//! it), or a capture of an async block or closure (held for the whole body).

use std::collections::HashSet;

use proc_macro2::TokenStream;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use typed_arena::Arena;

use crate::dataflow::{BlockId, ByteRange, DropKind, Event, Graph, ValueId};
use crate::diagnostic::YieldKind;
use crate::hazard::{self, Layer, NextUse, Receiver, Shape};
use crate::held::{BodyKind, Origin, ValueInfo, YieldInfo};
use crate::input::edition::Edition;
use crate::resolve::file_index::{FieldDecl, FileIndex};
use crate::span;

/// A nested body found while lowering: analysed on its own afterwards.
pub struct ChildBody<'ast> {
    pub kind: BodyKind,
    pub body: ChildSyntax<'ast>,
    /// Locals of the enclosing body visible at the child's creation, with what is
    /// known of their types, and whether the child owns their hazards.
    pub env: Vec<EnvLocal<'ast>>,
    /// The impl's `Self` type name, for `self.field` look-ups.
    pub self_ty: Option<String>,
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

/// What is known of a local's type, for deciding what its methods return.
#[derive(Debug, Clone)]
pub enum TyHint<'ast> {
    None,
    Type(&'ast syn::Type),
    Receiver(Receiver),
    /// A struct of this file, by name.
    Struct(String),
}

/// The result of lowering one body.
pub struct LoweredBody<'ast> {
    /// The hazards the body's return value carries.
    pub returned: Vec<Shape>,
    pub kind: BodyKind,
    pub graph: Graph,
    pub values: Vec<ValueInfo>,
    pub yields: Vec<YieldInfo>,
    /// Syntax blocks by the id used in `decl` and `stmt_path`.
    pub blocks: Vec<&'ast syn::Block>,
    pub children: Vec<ChildBody<'ast>>,
}

/// An operand: what evaluating an expression produced, before its context decides
/// whether it is moved, borrowed (becoming a temporary) or bound.
#[derive(Debug, Clone, Default)]
enum Op {
    #[default]
    None,
    /// A local variable (a place): moving it ends its value.
    Place(usize, ByteRange),
    /// A field of a local whose hazards sit in that field: moving it moves them
    /// out of the local (a partial move).
    Field(usize, String, ByteRange),
    /// A fresh value carrying hazards, produced by the expression at the range.
    Value(Vec<Shape>, ByteRange),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dropee {
    Local(usize),
    Value(ValueId),
}

struct Scope {
    drops: Vec<Dropee>,
    /// Temporaries are registered in the innermost scope with `temps`.
    temps: bool,
    /// Bindings are registered (and names visible) in the innermost scope with
    /// `bindings`; `visible_mark` is where its names start.
    bindings: bool,
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
}

struct LoopCtx {
    label: Option<String>,
    break_to: BlockId,
    continue_to: Option<BlockId>,
    depth: usize,
    break_shapes: Vec<Shape>,
}

pub struct Lowerer<'a, 'ast> {
    index: &'a FileIndex<'ast>,
    arena: &'ast Arena<Vec<syn::Expr>>,
    edition: Edition,
    kind: BodyKind,
    self_ty: Option<String>,
    graph: Graph,
    cur: BlockId,
    exit: BlockId,
    values: Vec<ValueInfo>,
    yields: Vec<YieldInfo>,
    scopes: Vec<Scope>,
    locals: Vec<Local<'ast>>,
    visible: Vec<usize>,
    /// The visible locals by name, innermost last (a body may shadow a name
    /// thousands of times; looking names up must not walk them all).
    by_name: std::collections::HashMap<String, Vec<usize>>,
    loops: Vec<LoopCtx>,
    blocks: Vec<&'ast syn::Block>,
    stmt_path: Vec<(usize, usize)>,
    children: Vec<ChildBody<'ast>>,
    /// What follows the expression being lowered (set by its parent).
    next_use: NextUse,
    /// Whether the expression being lowered is in an extending context of a `let`.
    extend: bool,
    /// Whether the expression being lowered is (the base of) the operand of an
    /// extending borrow: a temporary at its base lives to the end of the block.
    extend_place: bool,
    /// The generics of the fn being lowered (for parameters of a bounded type).
    generics: Option<&'ast syn::Generics>,
    /// The fn's `self` receiver, when it takes `self` by value.
    receiver: Option<&'ast syn::Receiver>,
    /// The scope extended temporaries go to: the block of the innermost `let`.
    extend_target: Option<usize>,
    /// The hazards the body returns (tail and `return` values).
    returned: Vec<Shape>,
    /// What calling the closure lowered last does (for `let f = || ..`).
    last_closure: Option<Callable>,
    /// This lowering is a throw-away summary of a nested body.
    summarising: bool,
    depth: usize,
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

pub use crate::span::range;

/// The byte range of a small node (a pattern, an identifier); large nodes use the
/// cheaper functions of `crate::span`.
fn range_of<T: Spanned>(node: &T) -> ByteRange {
    range(node.span())
}

impl<'a, 'ast> Lowerer<'a, 'ast> {
    pub fn new(
        index: &'a FileIndex<'ast>,
        arena: &'ast Arena<Vec<syn::Expr>>,
        edition: Edition,
        kind: BodyKind,
        self_ty: Option<String>,
    ) -> Self {
        let mut graph = Graph::default();
        let exit = graph.new_block();
        Lowerer {
            index,
            arena,
            edition,
            kind,
            self_ty,
            cur: graph.entry,
            exit,
            graph,
            values: Vec::new(),
            yields: Vec::new(),
            scopes: Vec::new(),
            locals: Vec::new(),
            visible: Vec::new(),
            by_name: std::collections::HashMap::new(),
            loops: Vec::new(),
            blocks: Vec::new(),
            stmt_path: Vec::new(),
            children: Vec::new(),
            next_use: NextUse::Other,
            extend: false,
            extend_place: false,
            extend_target: None,
            generics: None,
            receiver: None,
            returned: Vec::new(),
            last_closure: None,
            summarising: false,
            depth: 0,
        }
    }

    /// The fn's signature, for its generics and its `self` receiver.
    pub fn with_signature(mut self, sig: &'ast syn::Signature) -> Self {
        self.generics = Some(&sig.generics);
        self.receiver = sig.receiver();
        self
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
                let r = span::expr(e);
                (r.1, r.1)
            }
        };
        self.push_scope(true, true, end);
        let mentioned = captured_names(body);
        for captured in env {
            let owned = !captured.owned.is_empty() && mentioned.contains(&captured.name);
            let span = if owned {
                first_mention(body, &captured.name).unwrap_or(end)
            } else {
                end
            };
            let id = self.declare_local(
                captured.name.clone(),
                captured.hint.clone(),
                span,
                None,
                Origin::Capture,
            );
            if owned {
                self.give_shapes(id, captured.owned.clone());
            }
        }
        if let Some(r) = self.receiver.filter(|r| by_value_receiver(r)) {
            // `self`, `mut self`, `self: Box<Self>`: the body owns the value.
            let ty_name = self.self_ty.clone().unwrap_or_default();
            let boxed = matches!(&r.kind, syn::ReceiverKind::Typed(_, ty)
                if matches!(&**ty, syn::Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "Box")));
            let shapes: Vec<Shape> = self
                .annotated(&ty_name)
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
        for (pat, ty) in params {
            self.bind_params(pat, *ty);
        }
        let op = match body {
            BodyRef::Block(b) => self.lower_block(b, false, false)?,
            BodyRef::Expr(e) => self.lower_expr(e)?,
        };
        let shapes = self.consume(op);
        self.returned = merge(&self.returned, &shapes);
        self.pop_scope();
        let cur = self.cur;
        self.graph.edge(cur, self.exit);
        Ok(LoweredBody {
            returned: self.returned,
            kind: self.kind,
            graph: self.graph,
            values: self.values,
            yields: self.yields,
            blocks: self.blocks,
            children: self.children,
        })
    }

    // ----- scopes, locals and values -------------------------------------------------

    fn push_scope(&mut self, temps: bool, bindings: bool, end: ByteRange) {
        self.scopes.push(Scope {
            drops: Vec::new(),
            temps,
            bindings,
            visible_mark: self.visible.len(),
            end,
        });
    }

    fn pop_scope(&mut self) {
        let scope = self.scopes.pop().expect("scopes are balanced");
        for d in scope.drops.iter().rev() {
            self.emit_drop(*d, scope.end, DropKind::ScopeEnd);
        }
        if scope.bindings {
            for l in self.visible.drain(scope.visible_mark..) {
                if let Some(ids) = self.by_name.get_mut(&self.locals[l].name) {
                    ids.pop();
                }
            }
        }
    }

    /// Drop events for every scope above `depth`, without popping them (for a jump
    /// out of those scopes: `break`, `continue`, a failed `let` pattern).
    fn emit_exit_drops(&mut self, depth: usize, at: ByteRange) {
        let pending: Vec<Dropee> = self.scopes[depth..]
            .iter()
            .rev()
            .flat_map(|s| s.drops.iter().rev().copied())
            .collect();
        for d in pending {
            self.emit_drop(d, at, DropKind::ScopeEnd);
        }
    }

    fn emit_drop(&mut self, d: Dropee, at: ByteRange, kind: DropKind) {
        let value = match d {
            Dropee::Local(l) => self.locals[l].value,
            Dropee::Value(v) => Some(v),
        };
        if let Some(value) = value {
            self.emit(Event::Drop { value, at, kind });
        }
    }

    fn emit(&mut self, e: Event) {
        let cur = self.cur;
        self.graph.push(cur, e);
    }

    fn declare_local(
        &mut self,
        name: String,
        hint: TyHint<'ast>,
        span: ByteRange,
        decl: Option<(usize, usize)>,
        origin: Origin,
    ) -> usize {
        let id = self.locals.len();
        self.locals.push(Local {
            callable: None,
            name,
            value: None,
            shapes: Vec::new(),
            hint,
            span,
            decl,
            origin,
        });
        self.visible.push(id);
        self.by_name
            .entry(self.locals[id].name.clone())
            .or_default()
            .push(id);
        if let Some(scope) = self.scopes.iter_mut().rev().find(|s| s.bindings) {
            scope.drops.push(Dropee::Local(id));
        }
        id
    }

    /// The local now holds `shapes` (a fresh value): creates it.
    fn give_shapes(&mut self, local: usize, shapes: Vec<Shape>) {
        if shapes.is_empty() {
            return;
        }
        let v = self.local_value(local);
        self.values[v].shapes = merge(&self.values[v].shapes, &shapes);
        self.locals[local].shapes = merge(&self.locals[local].shapes, &shapes);
        self.emit(Event::Create(v));
    }

    fn local_value(&mut self, local: usize) -> ValueId {
        if let Some(v) = self.locals[local].value {
            return v;
        }
        let l = &self.locals[local];
        let v = self.values.len();
        self.values.push(ValueInfo {
            origin: l.origin.clone(),
            name: Some(l.name.clone()),
            span: l.span,
            shapes: Vec::new(),
            decl: l.decl,
        });
        self.locals[local].value = Some(v);
        v
    }

    fn lookup(&self, name: &str) -> Option<usize> {
        self.by_name.get(name)?.last().copied()
    }

    /// A temporary holding `shapes`, dropped at the end of the innermost temporary
    /// scope (or of the enclosing block when extended by a `let`).
    fn temporary(&mut self, shapes: Vec<Shape>, span: ByteRange, scrutinee: bool, extended: bool) {
        if shapes.is_empty() {
            return;
        }
        let v = self.values.len();
        self.values.push(ValueInfo {
            origin: Origin::Temporary { scrutinee },
            name: None,
            span,
            shapes,
            decl: None,
        });
        let target = self.extend_target.filter(|&t| t < self.scopes.len());
        let scope = if let (true, Some(t)) = (extended, target) {
            Some(&mut self.scopes[t])
        } else if extended {
            self.scopes.iter_mut().rev().find(|s| s.bindings)
        } else {
            self.scopes.iter_mut().rev().find(|s| s.temps)
        };
        if let Some(scope) = scope {
            scope.drops.push(Dropee::Value(v));
        }
        self.emit(Event::Create(v));
    }

    /// By-value use: a place is moved (its value ends here), a value passes on.
    fn consume(&mut self, op: Op) -> Vec<Shape> {
        match op {
            Op::None => Vec::new(),
            Op::Field(l, field, at) => self.move_field(l, &field, at),
            Op::Value(shapes, _) => shapes,
            Op::Place(l, at) => {
                let shapes = self.locals[l].shapes.clone();
                if let Some(v) = self.locals[l].value {
                    self.emit(Event::Use(v));
                    self.emit(Event::Drop {
                        value: v,
                        at,
                        kind: DropKind::Move,
                    });
                }
                shapes
            }
        }
    }

    /// By-reference use (autoref, deref, field access, `&`): a value becomes a
    /// temporary, a place is only mentioned.
    fn borrow(&mut self, op: Op) {
        match op {
            Op::None => {}
            Op::Place(l, _) | Op::Field(l, ..) => self.mention(l),
            Op::Value(shapes, span) => self.temporary(shapes, span, false, false),
        }
    }

    /// `borrow`, for the base of an extending borrow's operand when `extended`.
    fn borrow_ext(&mut self, op: Op, extended: bool) {
        match op {
            Op::Value(shapes, span) => self.temporary(shapes, span, false, extended),
            op => self.borrow(op),
        }
    }

    /// Move the hazards held in `field` out of local `l`; when nothing is left the
    /// local's value ends here.
    fn move_field(&mut self, l: usize, field: &str, at: ByteRange) -> Vec<Shape> {
        let is_field = |s: &Shape| matches!(s.outer(), Some(Layer::Element(Some(f))) if f == field);
        let (moved, kept): (Vec<Shape>, Vec<Shape>) = self.locals[l]
            .shapes
            .iter()
            .cloned()
            .partition(|s| is_field(s));
        self.locals[l].shapes = kept;
        if let Some(v) = self.locals[l].value {
            self.emit(Event::Use(v));
            if !moved.is_empty() && !self.locals[l].shapes.iter().any(Shape::is_held) {
                self.emit(Event::Drop {
                    value: v,
                    at,
                    kind: DropKind::Move,
                });
            }
        }
        moved.iter().filter_map(|s| s.peel(|_| true)).collect()
    }

    /// `local.field` when the local's hazards sit in that field.
    fn field_place(&self, e: &syn::Expr) -> Option<(usize, String)> {
        let syn::Expr::Field(f) = strip_parens(e) else {
            return None;
        };
        let syn::Expr::Path(p) = strip_parens(&f.base) else {
            return None;
        };
        let l = self.lookup(&p.path.get_ident()?.to_string())?;
        let member = match &f.member {
            syn::Member::Named(n) => n.to_string(),
            syn::Member::Unnamed(i) => i.index.to_string(),
        };
        let has = self.locals[l]
            .shapes
            .iter()
            .any(|s| matches!(s.outer(), Some(Layer::Element(Some(f))) if *f == member));
        has.then_some((l, member))
    }

    fn mention(&mut self, l: usize) {
        if let Some(v) = self.locals[l].value {
            self.emit(Event::Use(v));
        }
    }

    fn new_block(&mut self) -> BlockId {
        self.graph.new_block()
    }

    fn goto(&mut self, to: BlockId) {
        let cur = self.cur;
        self.graph.edge(cur, to);
    }

    /// Split control flow: returns (taken, not taken) blocks, both successors of now.
    fn branch(&mut self) -> (BlockId, BlockId) {
        let (a, b) = (self.new_block(), self.new_block());
        self.goto(a);
        self.goto(b);
        (a, b)
    }

    // ----- statements ------------------------------------------------------------------

    /// Lower a block; `extend_tail` when its tail is an extending expression.
    fn lower_block(
        &mut self,
        block: &'ast syn::Block,
        own_tail_scope: bool,
        extend_tail: bool,
    ) -> Result<Op, TooDeep> {
        let id = self.blocks.len();
        self.blocks.push(block);
        let end = range(block.brace_token.span.close());
        self.push_scope(false, true, end);
        let mut result = Op::None;
        let n = block.stmts.len();
        for (i, stmt) in block.stmts.iter().enumerate() {
            self.stmt_path.push((id, i));
            match stmt {
                syn::Stmt::Local(local) => self.lower_let(local, (id, i))?,
                syn::Stmt::Item(_) => {}
                syn::Stmt::Expr(e, semi) if i + 1 == n && semi.is_none() => {
                    // The tail: its temporaries outlive the block before 2024.
                    let scoped = own_tail_scope || self.edition >= Edition::E2024;
                    if scoped {
                        self.push_scope(true, false, end);
                    }
                    self.extend = extend_tail;
                    let op = self.lower_expr(e)?;
                    let shapes = self.consume(op);
                    if scoped {
                        self.pop_scope();
                    }
                    if !shapes.is_empty() {
                        result = Op::Value(shapes, span::expr(e));
                    }
                }
                syn::Stmt::Expr(e, _) => {
                    let r = span::expr(e);
                    self.push_scope(true, false, (r.1, r.1));
                    let op = self.lower_expr(e)?;
                    self.discard(op);
                    self.pop_scope();
                }
                syn::Stmt::Macro(m) => {
                    let r = span::mac(&m.mac);
                    let end = span::stmt(stmt).1;
                    self.push_scope(true, false, (end, end));
                    let op = self.lower_macro(&m.mac, r)?;
                    self.discard(op);
                    self.pop_scope();
                }
            }
            self.stmt_path.pop();
        }
        self.pop_scope();
        Ok(result)
    }

    /// An expression statement's value is dropped at the end of the statement.
    fn discard(&mut self, op: Op) {
        match op {
            Op::Place(..) | Op::Field(..) => {
                self.consume(op);
            }
            Op::Value(shapes, span) => self.temporary(shapes, span, false, false),
            Op::None => {}
        }
    }

    fn lower_let(&mut self, local: &'ast syn::Local, pos: (usize, usize)) -> Result<(), TooDeep> {
        let r = span::local(local);
        self.push_scope(true, false, (r.1, r.1));
        let (pat, ty) = split_type(&local.pat);
        match &local.init {
            Some(init) => {
                let outer_target = self.extend_target;
                self.extend_target = self.scopes.iter().rposition(|s| s.bindings);
                self.extend = true;
                // `let ref x = *m.lock().unwrap();` binds into a place based on the
                // temporary guard: the guard lives as long as the binding.
                self.extend_place = pattern_has_ref(pat);
                let op = self.lower_expr(&init.expr)?;
                self.extend = false;
                self.extend_target = outer_target;
                let hint = self.hint_of_expr(&init.expr, ty);
                if let Some((_, diverge)) = &init.diverge {
                    // `let P = e else { .. }`: the else block diverges.
                    let (matched, failed) = self.branch();
                    self.cur = failed;
                    // The statement's temporaries end before the else block runs.
                    let depth = self.scopes.len() - 1;
                    self.emit_exit_drops(depth, span::expr(&init.expr));
                    let op = self.lower_expr(diverge)?;
                    self.discard(op);
                    self.emit_exit_drops(depth, span::expr(diverge));
                    self.goto(self.exit);
                    self.cur = matched;
                }
                let op = match (op, ty) {
                    (Op::None, Some(ty)) => {
                        let shapes = self.index.shapes_of_type(ty);
                        if shapes.is_empty() {
                            Op::None
                        } else {
                            Op::Value(shapes, span::expr(&init.expr))
                        }
                    }
                    (op, _) => op,
                };
                let closure = match strip_parens(&init.expr) {
                    syn::Expr::Closure(_) => self.last_closure.take(),
                    _ => None,
                };
                self.bind(pat, op, hint, Some(pos), Origin::Binding, false);
                if let (Some(callable), syn::Pat::Ident(p)) = (closure, pat) {
                    if let Some(l) = self.lookup(&p.ident.to_string()) {
                        self.locals[l].callable = Some(callable);
                    }
                }
            }
            None => {
                let hint = ty.map(TyHint::Type).unwrap_or(TyHint::None);
                self.bind(pat, Op::None, hint, Some(pos), Origin::Binding, false);
            }
        }
        self.pop_scope();
        Ok(())
    }

    fn bind_params(&mut self, pat: &'ast syn::Pat, ty: Option<&'ast syn::Type>) {
        let (pat, inner_ty) = split_type(pat);
        let ty = inner_ty.or(ty);
        let op = match ty {
            Some(ty) => {
                let shapes = self.index.shapes_of_type(ty);
                if shapes.is_empty() {
                    Op::None
                } else {
                    Op::Value(shapes, range_of(pat))
                }
            }
            None => Op::None,
        };
        let op = match (op, ty) {
            (Op::None, Some(ty)) => value(self.generic_param_shapes(ty), range_of(pat)),
            (op, _) => op,
        };
        let hint = ty.map(TyHint::Type).unwrap_or(TyHint::None);
        self.bind(pat, op, hint, None, Origin::Parameter, false);
    }

    /// A parameter of a generic type `T` bounded (inline or in `where`) by a trait
    /// annotated `#[must_not_suspend]`.
    fn generic_param_shapes(&self, ty: &syn::Type) -> Vec<Shape> {
        let (Some(generics), syn::Type::Path(p)) = (self.generics, ty) else {
            return Vec::new();
        };
        let Some(name) = p.path.get_ident() else {
            return Vec::new();
        };
        let inline = generics.params.iter().filter_map(|g| match g {
            syn::GenericParam::Type(t) if t.ident == *name => Some(&t.bounds),
            _ => None,
        });
        let clauses = generics.where_clause.iter().flat_map(|w| &w.predicates).filter_map(|pred| match pred {
            syn::WherePredicate::Type(t) if matches!(&t.bounded_ty, syn::Type::Path(b) if b.path.get_ident() == Some(name)) => {
                Some(&t.bounds)
            }
            _ => None,
        });
        inline
            .chain(clauses)
            .find_map(|bounds| self.index.trait_hazard(bounds.iter(), "impl"))
            .map(Shape::new)
            .into_iter()
            .collect()
    }

    /// Bind `pat` to the operand: by-value bindings take the hazards their position
    /// in the pattern holds (a place is then moved); what no binding takes of a fresh
    /// value stays a temporary of the current temporary scope.
    fn bind(
        &mut self,
        pat: &'ast syn::Pat,
        op: Op,
        hint: TyHint<'ast>,
        decl: Option<(usize, usize)>,
        origin: Origin,
        scrutinee: bool,
    ) {
        let shapes = match &op {
            Op::None => Vec::new(),
            Op::Place(l, _) => self.locals[*l].shapes.clone(),
            Op::Field(l, f, _) => field_shapes(&self.locals[*l].shapes, f),
            Op::Value(s, _) => s.clone(),
        };
        let mut taken: Vec<(&'ast syn::PatIdent, Vec<Shape>)> = Vec::new();
        let mut left = Vec::new();
        for shape in shapes {
            match pattern_takes(pat, &shape) {
                Some((ident, s)) => match taken.iter_mut().find(|(i, _)| std::ptr::eq(*i, ident)) {
                    Some((_, v)) => v.push(s),
                    None => taken.push((ident, vec![s])),
                },
                None => left.push(shape),
            }
        }
        match op {
            Op::Place(..) | Op::Field(..) if !taken.is_empty() => {
                self.consume(op);
            }
            Op::Place(l, _) | Op::Field(l, ..) => self.mention(l),
            Op::Value(_, span) if !scrutinee && decl.is_some() && pattern_has_ref(pat) => {
                // `let ref g = temp;` extends the temporary to the end of the block.
                let saved = self.extend_target.take();
                self.temporary(left, span, false, true);
                self.extend_target = saved;
            }
            Op::Value(_, span) => self.temporary(left, span, scrutinee, false),
            Op::None => {}
        }
        let simple = matches!(pat, syn::Pat::Ident(p) if p.subpat.is_none() && p.by_ref.is_none());
        let mut idents = Vec::new();
        collect_bindings(pat, &mut idents);
        for ident in idents {
            let name = ident.ident.to_string();
            let hint = if simple { hint.clone() } else { TyHint::None };
            let decl = if simple { decl } else { None };
            // rustc's span of a binding starts at `ref` / `mut`.
            let start = ident
                .by_ref
                .map(|r| range(r.span).0)
                .or(ident.mutability.map(|m| range(m.span).0))
                .unwrap_or(range(ident.ident.span()).0);
            let span = (start, range(ident.ident.span()).1);
            let id = self.declare_local(name, hint, span, decl, origin.clone());
            if let Some((_, s)) = taken.iter().find(|(i, _)| std::ptr::eq(*i, ident)) {
                self.give_shapes(id, s.clone());
            }
        }
    }

    // ----- expressions ------------------------------------------------------------------

    fn lower_expr(&mut self, expr: &'ast syn::Expr) -> Result<Op, TooDeep> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(TooDeep {
                at: span::expr(expr).0,
            });
        }
        let next = std::mem::replace(&mut self.next_use, NextUse::Other);
        let extend = std::mem::replace(&mut self.extend, false);
        let place = std::mem::replace(&mut self.extend_place, false);
        let op = self.lower_expr_inner(expr, next, extend, place);
        self.depth -= 1;
        op
    }

    fn lower_expr_inner(
        &mut self,
        expr: &'ast syn::Expr,
        next: NextUse,
        extend: bool,
        place: bool,
    ) -> Result<Op, TooDeep> {
        use syn::Expr as E;
        let span = span::expr(expr);
        Ok(match expr {
            E::Path(p) => match p.path.get_ident().and_then(|i| self.lookup(&i.to_string())) {
                Some(l) if p.qself.is_none() => Op::Place(l, span),
                // A unit struct's or unit variant's value (`Token`, `State::Idle`,
                // `Idle` after `use State::*`).
                _ => {
                    let segs: Vec<String> = crate::resolve::file_index::path_names(&p.path);
                    let shapes = match segs.as_slice() {
                        [one] => {
                            let mut s = self.annotated_path(&segs);
                            if s.is_empty() {
                                if let Some(e) = self.index.must_not_suspend_variants.get(one) {
                                    s = self.annotated(e);
                                }
                            }
                            s
                        }
                        [.., _, variant] if variant.starts_with(char::is_uppercase) => {
                            self.annotated_path(&segs[..segs.len() - 1])
                        }
                        _ => Vec::new(),
                    };
                    value(shapes, span)
                }
            },
            E::Lit(_) | E::Infer(_) => Op::None,
            E::Paren(p) => {
                self.next_use = next;
                self.extend = extend;
                self.extend_place = place;
                self.lower_expr(&p.expr)?
            }
            E::Group(g) => {
                self.next_use = next;
                self.extend = extend;
                self.extend_place = place;
                self.lower_expr(&g.expr)?
            }
            E::Cast(c) => {
                self.extend = extend;
                let op = self.lower_expr(&c.expr)?;
                self.pass_value(op, span)
            }
            E::Reference(r) => {
                // The operand of an extending borrow (and the base of a field,
                // index or deref place there) lives to the end of the block.
                self.extend_place = extend;
                let op = self.lower_expr(&r.expr)?;
                match op {
                    Op::Value(shapes, at) => {
                        self.temporary(shapes, at, false, extend);
                        Op::None
                    }
                    Op::Place(l, _) => {
                        // `&checkout`: the reference is held while used, like rustc's
                        // "reference to `Checkout`".
                        let refs: Vec<Shape> = self.locals[l]
                            .shapes
                            .iter()
                            .filter(|s| {
                                s.layers.is_empty()
                                    && s.hazard.class == hazard::HazardClass::MustNotSuspend
                            })
                            .map(|s| {
                                let mut s = s.clone().wrapped(Layer::Ref);
                                s.hazard.drop_glue = false;
                                s
                            })
                            .collect();
                        self.mention(l);
                        value(refs, span)
                    }
                    op => {
                        self.borrow(op);
                        Op::None
                    }
                }
            }
            E::RawAddr(r) => {
                let op = self.lower_expr(&r.expr)?;
                self.borrow(op);
                Op::None
            }
            E::Unary(u) => {
                let deref = matches!(u.op, syn::UnOp::Deref(_));
                self.extend_place = place && deref;
                let op = self.lower_expr(&u.expr)?;
                match u.op {
                    syn::UnOp::Deref(_) => self.borrow_ext(op, place),
                    _ => {
                        self.consume(op);
                    }
                }
                Op::None
            }
            E::Field(f) => {
                if let Some((l, member)) = self.field_place(expr) {
                    return Ok(Op::Field(l, member, span::expr(expr)));
                }
                self.extend_place = place;
                let op = self.lower_expr(&f.base)?;
                self.borrow_ext(op, place);
                Op::None
            }
            E::Index(i) => {
                self.extend_place = place;
                let op = self.lower_expr(&i.expr)?;
                self.borrow_ext(op, place);
                let op = self.lower_expr(&i.index)?;
                self.consume(op);
                Op::None
            }
            E::Binary(b) => self.lower_binary(b)?,
            E::Assign(a) => {
                let rhs = self.lower_expr(&a.right)?;
                let shapes = self.consume(rhs);
                self.assign_to(&a.left, shapes)?;
                Op::None
            }
            E::Tuple(t) => {
                let mut shapes = Vec::new();
                for (i, e) in t.elems.iter().enumerate() {
                    self.extend = extend;
                    let op = self.lower_expr(e)?;
                    for s in self.consume(op) {
                        shapes.push(s.wrapped(Layer::Element(Some(i.to_string()))));
                    }
                }
                value(shapes, span)
            }
            E::Array(a) => {
                let mut shapes = Vec::new();
                for (i, e) in a.elems.iter().enumerate() {
                    self.extend = extend;
                    let op = self.lower_expr(e)?;
                    for s in self.consume(op) {
                        shapes.push(s.wrapped(Layer::Element(Some(format!("[{i}]")))));
                    }
                }
                value(dedup(shapes), span)
            }
            E::Repeat(r) => {
                let op = self.lower_expr(&r.expr)?;
                let shapes = self.consume(op);
                let op = self.lower_expr(&r.len)?;
                self.consume(op);
                value(
                    shapes
                        .into_iter()
                        .map(|s| s.wrapped(Layer::Element(None)))
                        .collect(),
                    span,
                )
            }
            E::Struct(s) => {
                let mut shapes = Vec::new();
                for field in &s.fields {
                    let name = match &field.member {
                        syn::Member::Named(n) => n.to_string(),
                        syn::Member::Unnamed(i) => i.index.to_string(),
                    };
                    self.extend = extend;
                    let op = self.lower_expr(&field.expr)?;
                    for sh in self.consume(op) {
                        shapes.push(sh.wrapped(Layer::Element(Some(name.clone()))));
                    }
                }
                if let Some(rest) = &s.rest {
                    let listed: HashSet<String> = s
                        .fields
                        .iter()
                        .map(|f| match &f.member {
                            syn::Member::Named(n) => n.to_string(),
                            syn::Member::Unnamed(i) => i.index.to_string(),
                        })
                        .collect();
                    match self.lower_expr(rest)? {
                        // `..base` moves only the fields the literal does not list.
                        Op::Place(l, at)
                            if self.locals[l]
                                .shapes
                                .iter()
                                .all(|s| matches!(s.outer(), Some(Layer::Element(Some(_))))) =>
                        {
                            let fields: Vec<String> = self.locals[l]
                                .shapes
                                .iter()
                                .filter_map(|s| match s.outer() {
                                    Some(Layer::Element(Some(f))) if !listed.contains(f) => {
                                        Some(f.clone())
                                    }
                                    _ => None,
                                })
                                .collect();
                            self.mention(l);
                            for f in dedup_strings(fields) {
                                for sh in self.move_field(l, &f, at) {
                                    shapes.push(sh.wrapped(Layer::Element(Some(f.clone()))));
                                }
                            }
                        }
                        op => {
                            shapes.extend(self.consume(op));
                        }
                    }
                }
                let segs: Vec<String> = crate::resolve::file_index::path_names(&s.path);
                shapes.extend(self.annotated_path(&segs));
                value(shapes, span)
            }
            E::Range(r) => {
                for e in r.start.iter().chain(r.end.iter()) {
                    let op = self.lower_expr(e)?;
                    self.consume(op);
                }
                Op::None
            }
            E::Call(c) => self.lower_call(c, span, extend)?,
            E::MethodCall(m) => self.lower_method_call(m, next, span)?,
            E::Try(t) => {
                self.next_use = NextUse::Unwrap;
                let op = self.lower_expr(&t.expr)?;
                let peeled: Vec<Shape> = match &op {
                    Op::None => Vec::new(),
                    _ => {
                        let shapes = self.consume(op);
                        shapes
                            .iter()
                            .filter_map(|s| s.peel(|l| matches!(l, Layer::Option | Layer::Result)))
                            .collect()
                    }
                };
                // The error path returns from the body.
                let (ok, err) = self.branch();
                self.cur = err;
                self.goto(self.exit);
                self.cur = ok;
                value(peeled, span)
            }
            E::Await(a) => {
                self.next_use = NextUse::Await;
                let op = self.lower_expr(&a.base)?;
                let output: Vec<Shape> = self
                    .consume(op)
                    .iter()
                    .filter_map(|s| s.peel(|l| *l == Layer::Future))
                    .collect();
                self.yield_point(range(a.await_token.span), YieldKind::Await);
                value(output, span)
            }
            E::Yield(y) => {
                if let Some(e) = &y.expr {
                    let op = self.lower_expr(e)?;
                    self.consume(op);
                }
                self.yield_point(range(y.yield_token.span), YieldKind::Yield);
                Op::None
            }
            E::Block(b) => self.lower_labeled_block(b.label.as_ref(), &b.block, extend)?,
            E::Unsafe(u) => self.lower_block_value(&u.block, extend)?,
            // A const block is evaluated at compile time.
            E::Const(_) => Op::None,
            E::TryBlock(t) => self.lower_block_value(&t.block, extend)?,
            E::If(i) => self.lower_if(i, extend)?,
            E::Match(m) => self.lower_match(m, extend)?,
            E::Loop(l) => {
                let head = self.new_block();
                let exit = self.new_block();
                self.goto(head);
                self.cur = head;
                self.lower_loop_body(l.label.as_ref(), &l.body, head, exit, self.scopes.len())?;
                self.goto(head);
                self.cur = exit;
                let shapes = self.loops_pop();
                value(shapes, span)
            }
            E::While(w) => self.lower_while(w)?,
            E::ForLoop(f) => self.lower_for(f)?,
            E::Break(b) => {
                let shapes = match &b.expr {
                    Some(e) => {
                        let op = self.lower_expr(e)?;
                        self.consume(op)
                    }
                    None => Vec::new(),
                };
                let label = b.label.as_ref().map(|l| l.ident.to_string());
                if let Some(i) = self.find_loop(label.as_deref()) {
                    self.loops[i].break_shapes.extend(shapes);
                    let (depth, to) = (self.loops[i].depth, self.loops[i].break_to);
                    self.emit_exit_drops(depth, span);
                    self.goto(to);
                }
                self.cur = self.new_block();
                Op::None
            }
            E::Continue(c) => {
                let label = c.label.as_ref().map(|l| l.ident.to_string());
                if let Some(i) = self.find_loop(label.as_deref()) {
                    let (depth, to) = (self.loops[i].depth, self.loops[i].continue_to);
                    self.emit_exit_drops(depth, span);
                    if let Some(to) = to {
                        self.goto(to);
                    }
                }
                self.cur = self.new_block();
                Op::None
            }
            E::Return(r) => {
                if let Some(e) = &r.expr {
                    let op = self.lower_expr(e)?;
                    let shapes = self.consume(op);
                    self.returned = merge(&self.returned, &shapes);
                }
                self.goto(self.exit);
                self.cur = self.new_block();
                Op::None
            }
            E::Let(l) => {
                // A `let` outside an `if`/`while` condition (only in invalid code).
                let op = self.lower_expr(&l.expr)?;
                self.borrow(op);
                Op::None
            }
            E::Closure(c) => self.lower_closure(c, span),
            E::Async(a) => self.lower_async_block(a, span),
            E::Macro(m) => self.lower_macro(&m.mac, span)?,
            E::Verbatim(tokens) => {
                self.scan_tokens(tokens, span, false);
                Op::None
            }
            _ => Op::None,
        })
    }

    /// A value passes through unchanged (casts); a place is moved.
    fn pass_value(&mut self, op: Op, span: ByteRange) -> Op {
        let shapes = self.consume(op);
        value(shapes, span)
    }

    fn lower_binary(&mut self, b: &'ast syn::ExprBinary) -> Result<Op, TooDeep> {
        use syn::BinOp as B;
        match b.op {
            B::And(_) | B::Or(_) => {
                // Each operand of a lazy boolean operator is its own temporary scope.
                let l = span::expr(&b.left);
                self.push_scope(true, false, (l.1, l.1));
                let op = self.lower_expr(&b.left)?;
                self.consume(op);
                self.pop_scope();
                let (rhs, join) = self.branch();
                self.cur = rhs;
                let r = span::expr(&b.right);
                self.push_scope(true, false, (r.1, r.1));
                let op = self.lower_expr(&b.right)?;
                self.consume(op);
                self.pop_scope();
                self.goto(join);
                self.cur = join;
            }
            B::Eq(_) | B::Ne(_) | B::Lt(_) | B::Le(_) | B::Gt(_) | B::Ge(_) => {
                // Comparison operators take their operands by reference.
                let op = self.lower_expr(&b.left)?;
                self.borrow(op);
                let op = self.lower_expr(&b.right)?;
                self.borrow(op);
            }
            B::AddAssign(_)
            | B::SubAssign(_)
            | B::MulAssign(_)
            | B::DivAssign(_)
            | B::RemAssign(_)
            | B::BitXorAssign(_)
            | B::BitAndAssign(_)
            | B::BitOrAssign(_)
            | B::ShlAssign(_)
            | B::ShrAssign(_) => {
                // Primitive compound assignment evaluates the right side first; an
                // overloaded operator (a `String += &str`) evaluates the place first.
                if looks_overloaded(&b.right) {
                    let op = self.lower_expr(&b.left)?;
                    self.borrow(op);
                    let op = self.lower_expr(&b.right)?;
                    self.consume(op);
                } else {
                    let op = self.lower_expr(&b.right)?;
                    self.consume(op);
                    let op = self.lower_expr(&b.left)?;
                    self.borrow(op);
                }
            }
            _ => {
                let op = self.lower_expr(&b.left)?;
                self.consume(op);
                let op = self.lower_expr(&b.right)?;
                self.consume(op);
            }
        }
        Ok(Op::None)
    }

    /// `place = value` (the value is already evaluated): the old value of a local is
    /// dropped and the new one held; a field or element of a local makes the local
    /// hold the hazard too.
    fn assign_to(&mut self, place: &'ast syn::Expr, shapes: Vec<Shape>) -> Result<(), TooDeep> {
        let place = strip_parens(place);
        if let syn::Expr::Field(f) = place {
            let base_local = match strip_parens(&f.base) {
                syn::Expr::Path(p) => p.path.get_ident().and_then(|i| self.lookup(&i.to_string())),
                _ => None,
            };
            if let Some(l) = base_local {
                // `local.field = value`: the field's old hazards end, the new ones
                // are held in that field.
                let member = match &f.member {
                    syn::Member::Named(n) => n.to_string(),
                    syn::Member::Unnamed(i) => i.index.to_string(),
                };
                let at = span::expr(place);
                let had = self.locals[l].shapes.iter().any(Shape::is_held);
                let is_field =
                    |s: &Shape| matches!(s.outer(), Some(Layer::Element(Some(f))) if *f == member);
                self.locals[l].shapes.retain(|s| !is_field(s));
                let left = self.locals[l].shapes.iter().any(Shape::is_held);
                if let (true, false, Some(v)) = (had, left, self.locals[l].value) {
                    self.emit(Event::Drop {
                        value: v,
                        at,
                        kind: DropKind::ScopeEnd,
                    });
                }
                let new: Vec<Shape> = shapes
                    .into_iter()
                    .map(|s| s.wrapped(Layer::Element(Some(member.clone()))))
                    .collect();
                if left {
                    self.locals[l].shapes.extend(new);
                } else {
                    self.give_shapes(l, new);
                }
                return Ok(());
            }
        }
        if let syn::Expr::Path(p) = place {
            if let Some(l) = p.path.get_ident().and_then(|i| self.lookup(&i.to_string())) {
                if let Some(v) = self.locals[l].value {
                    self.emit(Event::Drop {
                        value: v,
                        at: span::expr(place),
                        kind: DropKind::ScopeEnd,
                    });
                }
                if !shapes.is_empty() {
                    let v = self.local_value(l);
                    self.values[v].shapes = merge(&self.values[v].shapes, &shapes);
                    self.locals[l].shapes = merge(&self.locals[l].shapes, &shapes);
                    self.emit(Event::Create(v));
                }
                return Ok(());
            }
        }
        let op = self.lower_expr(place)?;
        self.borrow(op);
        if !shapes.is_empty() {
            if let Some(l) = self.root_local(place) {
                if self.locals[l].value.is_none() || self.locals[l].shapes.is_empty() {
                    let inner = shapes
                        .into_iter()
                        .map(|s| s.wrapped(Layer::Element(None)))
                        .collect();
                    self.give_shapes(l, inner);
                }
            }
        }
        Ok(())
    }

    /// The local at the root of a place expression (`a.b[c].d` → `a`).
    fn root_local(&self, e: &syn::Expr) -> Option<usize> {
        match strip_parens(e) {
            syn::Expr::Path(p) => self.lookup(&p.path.get_ident()?.to_string()),
            syn::Expr::Field(f) => self.root_local(&f.base),
            syn::Expr::Index(i) => self.root_local(&i.expr),
            _ => None,
        }
    }

    fn lower_call(
        &mut self,
        c: &'ast syn::ExprCall,
        span: ByteRange,
        extend: bool,
    ) -> Result<Op, TooDeep> {
        let callee_local = match strip_parens(&c.func) {
            syn::Expr::Path(p) => p.path.get_ident().and_then(|i| self.lookup(&i.to_string())),
            _ => None,
        };
        if let Some(l) = callee_local {
            // A local closure (or fn pointer): what it returns, and a call of a
            // closure that moves its captures consumes it.
            for arg in &c.args {
                let op = self.lower_expr(arg)?;
                self.consume(op);
            }
            let callable = self.locals[l].callable.clone().unwrap_or_default();
            let at = span::expr(&c.func);
            if callable.fn_once {
                self.consume(Op::Place(l, at));
            } else {
                self.mention(l);
            }
            return Ok(value(callable.returns, span));
        }
        let path: Vec<String> = match strip_parens(&c.func) {
            syn::Expr::Path(p) => crate::resolve::file_index::path_names(&p.path),
            syn::Expr::Closure(closure) => {
                // `(|| m.lock().unwrap())()`: what the closure returns.
                let returns = self.closure_returns(closure);
                let op = self.lower_expr(&c.func)?;
                self.consume(op);
                for arg in &c.args {
                    let op = self.lower_expr(arg)?;
                    self.consume(op);
                }
                return Ok(value(returns, span));
            }
            other => {
                let op = self.lower_expr(other)?;
                self.borrow(op);
                Vec::new()
            }
        };
        // `mem::take(&mut x)` / `mem::replace(&mut x, v)` move the hazard out of `x`.
        let taken_from = match path.last().map(String::as_str) {
            Some("take" | "replace") if path.len() >= 2 && path[path.len() - 2] == "mem" => {
                c.args.first().and_then(|a| match strip_parens(a) {
                    syn::Expr::Reference(r) => self.root_local(&r.expr),
                    _ => None,
                })
            }
            _ => None,
        };
        // A tuple struct or variant constructor's arguments are extending too.
        let constructor = path
            .last()
            .is_some_and(|l| l.starts_with(char::is_uppercase));
        let mut arg_shapes = Vec::new();
        let mut arg_referents = Vec::new();
        for arg in &c.args {
            self.extend = extend && constructor;
            let op = self.lower_expr(arg)?;
            arg_shapes.push(self.consume(op));
            // `Ref::clone(&r)`: what the referenced local holds, not moved.
            arg_referents.push(match strip_parens(arg) {
                syn::Expr::Reference(r) => self
                    .root_local(&r.expr)
                    .map(|l| self.locals[l].shapes.clone())
                    .unwrap_or_default(),
                _ => Vec::new(),
            });
        }
        let Some(last) = path.last().map(String::as_str) else {
            return Ok(Op::None);
        };
        if let Some(l) = taken_from {
            let shapes = self.locals[l].shapes.clone();
            if let Some(v) = self.locals[l].value {
                self.emit(Event::Drop {
                    value: v,
                    at: span,
                    kind: DropKind::Move,
                });
            }
            if last == "replace" {
                let new = arg_shapes.get(1).cloned().unwrap_or_default();
                self.give_shapes(l, new);
            }
            return Ok(value(shapes, span));
        }
        let first = || arg_shapes.first().cloned().unwrap_or_default();
        let wrap = |layer: Layer| -> Vec<Shape> {
            first()
                .into_iter()
                .map(|s| s.wrapped(layer.clone()))
                .collect()
        };
        let type_seg = path.len().checked_sub(2).map(|i| path[i].as_str());
        // `drop` is std's unless this file defines or imports another one.
        let std_drop = match (type_seg, last) {
            (Some("mem"), "drop" | "forget") => true,
            (None, "drop") => {
                !self.index.fns.contains_key("drop") && !self.index.uses.contains_key("drop")
            }
            _ => false,
        };
        let module_path = type_seg.is_some_and(|t| t.starts_with(char::is_lowercase) && t != "mem");
        let shapes = match (type_seg, last) {
            _ if std_drop => Vec::new(),
            (None, "Some") => wrap(Layer::Option),
            (None, "Ok" | "Err") => wrap(Layer::Result),
            (Some("Rc"), "new" | "pin" | "clone" | "from" | "default" | "new_cyclic") => {
                // An `Rc` is `!Send` itself, whatever it holds.
                let mut shapes = wrap(Layer::Box);
                shapes.push(Shape::new(hazard::Hazard::new(
                    hazard::HazardClass::NotSend,
                    "std::rc::Rc".into(),
                )));
                shapes
            }
            (Some("Box" | "Arc"), "new" | "pin") => wrap(Layer::Box),
            (Some("Pin"), "new" | "new_unchecked") => first(),
            // `convert::identity(g)` and `hint::black_box(g)` return their argument.
            (Some("convert"), "identity") | (Some("hint"), "black_box") => first(),
            (None, "identity" | "black_box")
                if self.index.uses.get(last).is_some_and(|p| {
                    p.first()
                        .is_some_and(|r| matches!(r.as_str(), "std" | "core"))
                }) =>
            {
                first()
            }
            (Some("ManuallyDrop"), "new") => Vec::new(),
            (Some(ty), func) if hazard::guard_assoc_fn(ty, func).is_some() => {
                let mapped = hazard::guard_assoc_fn(ty, func).unwrap_or_default();
                let source = if func == "clone" {
                    arg_referents.first().cloned().unwrap_or_default()
                } else {
                    first()
                };
                source
                    .into_iter()
                    .filter(|s| s.layers.is_empty())
                    .map(|s| {
                        let prefix = s
                            .hazard
                            .type_path
                            .rsplit_once("::")
                            .map(|(p, _)| p.to_string())
                            .unwrap_or_default();
                        Shape::new(hazard::Hazard::new(
                            s.hazard.class,
                            format!("{prefix}::{mapped}"),
                        ))
                    })
                    .collect()
            }
            (_, name) if name.starts_with(char::is_uppercase) => {
                // A tuple struct or enum variant constructor holds its arguments.
                let mut out = match type_seg {
                    // `Enum::Variant(..)` is a value of `Enum`.
                    Some(ty) if ty.starts_with(char::is_uppercase) => self.annotated(ty),
                    _ => self.annotated(name),
                };
                for (i, shapes) in arg_shapes.iter().enumerate() {
                    for s in shapes {
                        out.push(s.clone().wrapped(Layer::Element(Some(i.to_string()))));
                    }
                }
                out
            }
            (None, name) => self.index.call_shapes(name, &arg_shapes),
            (Some("Self"), name) => {
                self.index
                    .method_shapes(self.self_ty.as_deref(), name, &arg_shapes)
            }
            // `pool::grab(..)`, `crate::pool::grab(..)`: a fn of some module.
            (Some(_), name) if module_path => self.index.call_shapes(name, &arg_shapes),
            // `Queue::guard(&q)`: a method of a type of this file.
            (Some(ty), name) => {
                let known = self
                    .index
                    .methods
                    .contains_key(&(ty.to_string(), name.to_string()));
                if known {
                    self.index.method_shapes(Some(ty), name, &arg_shapes)
                } else {
                    // `Guard::new(..)` of an annotated type declared elsewhere: a
                    // constructor, as such associated fns almost always are.
                    self.annotated(ty)
                }
            }
        };
        Ok(value(shapes, span))
    }

    fn lower_method_call(
        &mut self,
        m: &'ast syn::ExprMethodCall,
        next: NextUse,
        span: ByteRange,
    ) -> Result<Op, TooDeep> {
        let method = m.method.to_string();
        let unwrap_like = matches!(
            method.as_str(),
            "unwrap" | "expect" | "unwrap_or_else" | "unwrap_unchecked" | "unwrap_or_default"
        );
        self.next_use = if unwrap_like {
            NextUse::Unwrap
        } else {
            NextUse::Other
        };
        let recv = self.lower_expr(&m.receiver)?;
        let recv_shapes = match &recv {
            Op::None => Vec::new(),
            Op::Place(l, _) => self.locals[*l].shapes.clone(),
            Op::Field(l, f, _) => field_shapes(&self.locals[*l].shapes, f),
            Op::Value(s, _) => s.clone(),
        };
        // An `Rc` receiver derefs to what it points to: its own `!Send` shape says
        // nothing about the methods called through it.
        let recv_plain = recv_shapes
            .iter()
            .all(|s| s.hazard.class == hazard::HazardClass::NotSend);
        let wrapper = recv_shapes
            .iter()
            .any(|s| matches!(s.outer(), Some(Layer::Option | Layer::Result)));
        let mut result = Vec::new();
        let by_value_wrapper_method = wrapper
            && matches!(
                method.as_str(),
                "unwrap"
                    | "expect"
                    | "unwrap_or_else"
                    | "unwrap_or"
                    | "unwrap_or_default"
                    | "unwrap_unchecked"
                    | "ok"
                    | "err"
                    | "map"
                    | "map_err"
                    | "and_then"
                    | "or_else"
                    | "into_iter"
                    | "flatten"
            );
        if by_value_wrapper_method {
            let shapes = self.consume(recv);
            result = match method.as_str() {
                "map_err" => shapes,
                "ok" => shapes
                    .into_iter()
                    .filter_map(|s| s.peel(|l| *l == Layer::Result))
                    .map(|s| s.wrapped(Layer::Option))
                    .collect(),
                // `LockResult::map`: the `PoisonError` side still holds the guard.
                // A `LockResult`'s `PoisonError` holds the guard; a `BorrowError`
                // holds nothing.
                "map" | "and_then" => shapes
                    .into_iter()
                    .filter(|s| s.hazard.class == hazard::HazardClass::Lock)
                    .filter_map(|s| s.peel(|l| *l == Layer::Result))
                    .map(|s| s.wrapped(Layer::ResultErr))
                    .collect(),
                "or_else" | "err" | "into_iter" | "flatten" => Vec::new(),
                _ => shapes
                    .into_iter()
                    .filter_map(|s| s.peel(|l| matches!(l, Layer::Option | Layer::Result)))
                    .collect(),
            };
        } else if let Some(to) = guard_transition(&method, &recv_shapes) {
            // `g.upgrade()`, `g.downgrade()` (spin): the guard becomes another.
            self.consume(recv);
            result = to;
        } else if method == "clone" && m.args.is_empty() && recv_shapes.iter().any(is_rc) {
            // Cloning an `Rc` gives another `Rc`.
            self.borrow(recv);
            result = recv_shapes.iter().filter(|s| is_rc(s)).cloned().collect();
        } else if !recv_shapes.is_empty() && is_iterator_adapter(&method) {
            // An iterator (or collection) of hazards passes them on; collecting a
            // lazy iterator makes a collection that holds them.
            result = self.consume(recv);
            if method == "collect" {
                result = result
                    .into_iter()
                    .map(|s| match s.peel(|l| *l == Layer::Iterator) {
                        Some(inner) => inner.wrapped(Layer::Element(None)),
                        None => s,
                    })
                    .collect();
            }
        } else if wrapper && method == "take" {
            // `opt.take()` moves the hazard out of `opt`.
            if let Op::Field(..) = recv {
                result = self.consume(recv);
            } else if let Op::Place(l, at) = recv {
                if let Some(v) = self.locals[l].value {
                    self.emit(Event::Use(v));
                    self.emit(Event::Drop {
                        value: v,
                        at,
                        kind: DropKind::Move,
                    });
                }
                result = recv_shapes.clone();
            } else {
                self.borrow(recv);
            }
        } else if let Some(ty) = annotated_type(&recv_shapes) {
            // A method of a `#[must_not_suspend]` type: `self` by value moves it.
            let by_value = self
                .index
                .signature(Some(&ty), &method)
                .and_then(|sig| sig.receiver())
                .is_some_and(by_value_receiver);
            if by_value {
                self.consume(recv);
            } else {
                self.borrow(recv);
            }
            result = self.index.method_shapes(Some(&ty), &method, &[]);
        } else {
            self.borrow(recv);
        }
        let receiver_local = self.root_local(&m.receiver);
        let inserts = matches!(
            method.as_str(),
            "push"
                | "push_back"
                | "push_front"
                | "insert"
                | "extend"
                | "replace"
                | "set"
                | "get_or_insert"
                | "get_or_insert_with"
        );
        for arg in &m.args {
            let op = self.lower_expr(arg)?;
            let shapes = self.consume(op);
            if inserts && !shapes.is_empty() {
                if let Some(l) = receiver_local {
                    if self.locals[l].shapes.is_empty() {
                        let layer = if method == "replace" || method.starts_with("get_or") {
                            Layer::Option
                        } else {
                            Layer::Element(None)
                        };
                        self.give_shapes(
                            l,
                            shapes
                                .into_iter()
                                .map(|s| s.wrapped(layer.clone()))
                                .collect(),
                        );
                    }
                }
            }
        }
        if recv_plain
            && matches!(
                method.as_str(),
                "map" | "filter_map" | "flat_map" | "map_while"
            )
        {
            // `iter.map(|s| s.lock().unwrap())` yields guards.
            if let Some(syn::Expr::Closure(c)) = m.args.first().map(strip_parens) {
                result = self
                    .closure_returns(c)
                    .into_iter()
                    .map(|s| s.wrapped(Layer::Iterator))
                    .collect();
            }
        }
        if result.is_empty() && recv_plain && method == "lock" {
            if let Some(which) = std_stream(&m.receiver) {
                // `stdout().lock()`: a `StdoutLock` is `!Send` (only `future_not_send`
                // cares), not a lock guard for `await_holding_lock`.
                let hazard = hazard::Hazard::new(
                    hazard::HazardClass::NotSend,
                    format!("std::io::{which}Lock"),
                );
                return Ok(value(vec![Shape::new(hazard)], span));
            }
        }
        if result.is_empty() && recv_plain {
            let configured = self
                .index
                .crate_table
                .as_ref()
                .and_then(|t| t.hazard_methods.iter().find(|h| h.path == method));
            if let Some(h) = configured {
                // A method the configuration lists in `hazard-methods`.
                let mut hazard = hazard::Hazard::new(
                    hazard::HazardClass::InvalidType,
                    format!("{method}() result"),
                );
                hazard.reason = h.reason.clone();
                return Ok(value(vec![Shape::new(hazard)], span));
            }
            let mut receiver = self.receiver_of(&m.receiver);
            if receiver.is_some_and(|r| r.family == hazard::Family::Other) {
                // A wrapper without the method derefs to a lock that has it.
                if let Some(r) = self
                    .struct_of(&m.receiver)
                    .and_then(|ty| self.index.deref_receiver(&ty, &method))
                {
                    receiver = Some(r);
                }
            }
            if receiver.is_none()
                && matches!(method.as_str(), "enter" | "entered")
                && self.looks_like_span(&m.receiver)
            {
                receiver = Some(Receiver {
                    family: hazard::Family::Tracing,
                    kind: hazard::LockKind::Unknown,
                });
            }
            if let Some(shape) =
                hazard::lock_method_result(&method, receiver, next, &self.index.evidence)
            {
                result = vec![shape];
            } else if receiver.is_none_or(|r| r.family == hazard::Family::Other) {
                // A method of this file returning a guard (`self.state()`).
                if !matches!(method.as_str(), "clone" | "as_ref" | "deref" | "to_owned") {
                    let self_ty = self.struct_of(&m.receiver);
                    result = self.index.method_shapes(self_ty.as_deref(), &method, &[]);
                }
            }
        }
        Ok(value(result, span))
    }

    /// `annotated` for a type named by a path (`a::Conn`), which may name another type
    /// than the annotated one of the same name.
    fn annotated_path(&self, segs: &[String]) -> Vec<Shape> {
        match segs.last() {
            Some(_) if !self.index.names_other_than_annotated(segs) => self.annotated_segs(segs),
            _ => Vec::new(),
        }
    }

    /// The hazard of a value of the type called `name` (`Self` in an impl) when the
    /// type is annotated `#[must_not_suspend]`.
    fn annotated(&self, name: &str) -> Vec<Shape> {
        self.annotated_segs(&[name.to_string()])
    }

    /// `annotated` for a type named by a path as written.
    fn annotated_segs(&self, segs: &[String]) -> Vec<Shape> {
        let self_ty;
        let segs = match (segs, &self.self_ty) {
            ([only], Some(ty)) if only == "Self" => {
                self_ty = [ty.clone()];
                &self_ty[..]
            }
            _ => segs,
        };
        let Some(name) = segs.last() else {
            return Vec::new();
        };
        self.index
            .must_not_suspend_hazard_path(segs)
            .or_else(|| {
                // Only a configured list can make another type a hazard here.
                self.index
                    .crate_table
                    .as_ref()
                    .filter(|t| !t.invalid_types.is_empty())?;
                let path = self.index.resolve_segments(vec![name.to_string()]);
                self.index.invalid_type_hazard(&path)
            })
            .map(Shape::new)
            .into_iter()
            .collect()
    }

    fn yield_point(&mut self, span: ByteRange, kind: YieldKind) {
        if !self.kind.is_coroutine() {
            return;
        }
        let id = self.yields.len();
        self.yields.push(YieldInfo {
            span,
            kind,
            stmt_path: self.stmt_path.clone(),
        });
        self.emit(Event::Yield(id));
    }

    fn lower_labeled_block(
        &mut self,
        label: Option<&'ast syn::Label>,
        block: &'ast syn::Block,
        extend: bool,
    ) -> Result<Op, TooDeep> {
        let Some(label) = label else {
            return self.lower_block_value(block, extend);
        };
        let exit = self.new_block();
        self.loops.push(LoopCtx {
            label: Some(label.name.ident.to_string()),
            break_to: exit,
            continue_to: None,
            depth: self.scopes.len(),
            break_shapes: Vec::new(),
        });
        let op = self.lower_block_value(block, extend)?;
        let mut shapes = self.consume(op);
        self.goto(exit);
        self.cur = exit;
        shapes.extend(self.loops_pop());
        Ok(value(shapes, span::block(block)))
    }

    fn lower_block_value(&mut self, block: &'ast syn::Block, extend: bool) -> Result<Op, TooDeep> {
        self.lower_block(block, false, extend)
    }

    fn loops_pop(&mut self) -> Vec<Shape> {
        self.loops.pop().map(|l| l.break_shapes).unwrap_or_default()
    }

    /// The target of a `break`/`continue`: the labelled loop or block, or without a
    /// label the innermost loop (never a labelled block).
    fn find_loop(&self, label: Option<&str>) -> Option<usize> {
        self.loops.iter().rposition(|l| match label {
            Some(name) => l.label.as_deref() == Some(name),
            None => l.continue_to.is_some(),
        })
    }

    /// The body of `loop`, `while` or `for`: a temporary scope, run again from `head`.
    fn lower_loop_body(
        &mut self,
        label: Option<&'ast syn::Label>,
        body: &'ast syn::Block,
        head: BlockId,
        exit: BlockId,
        depth: usize,
    ) -> Result<(), TooDeep> {
        self.loops.push(LoopCtx {
            label: label.map(|l| l.name.ident.to_string()),
            break_to: exit,
            continue_to: Some(head),
            depth,
            break_shapes: Vec::new(),
        });
        let end = range(body.brace_token.span.close());
        self.push_scope(true, false, end);
        let op = self.lower_block(body, true, false)?;
        self.discard(op);
        self.pop_scope();
        Ok(())
    }

    fn lower_if(&mut self, i: &'ast syn::ExprIf, extend: bool) -> Result<Op, TooDeep> {
        let base = self.scopes.len();
        let else_entry = self.new_block();
        let is_let = cond_has_let(&i.cond);
        let cond_end = span::expr(&i.cond);
        let then_end = range(i.then_branch.brace_token.span.close());
        if is_let && self.edition >= Edition::E2024 {
            // 2024: the scrutinee's temporaries end before the `else` block.
            self.push_scope(true, false, then_end);
        }
        self.push_scope(false, true, then_end);
        self.lower_condition(&i.cond, base, else_entry, cond_end)?;
        let op = self.lower_block_in_scope(&i.then_branch, extend)?;
        let mut shapes = self.consume(op);
        while self.scopes.len() > base {
            self.pop_scope();
        }
        let then_exit = self.cur;
        self.cur = else_entry;
        if let Some((_, else_expr)) = &i.else_branch {
            let r = span::expr(else_expr);
            self.push_scope(true, false, (r.1, r.1));
            self.extend = extend;
            let op = self.lower_expr(else_expr)?;
            shapes.extend(self.consume(op));
            self.pop_scope();
        }
        let join = self.new_block();
        self.goto(join);
        self.cur = then_exit;
        self.goto(join);
        self.cur = join;
        Ok(value(dedup(shapes), span::if_expr(i)))
    }

    /// A block that is a temporary scope of its own (the body of `if`, a match arm).
    fn lower_block_in_scope(
        &mut self,
        block: &'ast syn::Block,
        extend: bool,
    ) -> Result<Op, TooDeep> {
        let end = range(block.brace_token.span.close());
        self.push_scope(true, false, end);
        let op = self.lower_block(block, true, extend)?;
        let shapes = self.consume(op);
        self.pop_scope();
        Ok(value(shapes, span::block(block)))
    }

    /// An `if` or `while` condition, possibly a `let` chain. On failure control goes
    /// to `else_entry` after dropping every scope above `base`.
    fn lower_condition(
        &mut self,
        cond: &'ast syn::Expr,
        base: usize,
        else_entry: BlockId,
        cond_end: ByteRange,
    ) -> Result<(), TooDeep> {
        let mut operands = Vec::new();
        flatten_and_chain(cond, &mut operands);
        for operand in operands {
            match operand {
                syn::Expr::Let(l) => {
                    let op = self.lower_expr(&l.expr)?;
                    let mut unmatched = None;
                    let op = match op {
                        Op::Value(shapes, span)
                            if !shapes.iter().any(|s| pattern_takes(&l.pat, s).is_some()) =>
                        {
                            // Nothing binds it: the scrutinee lives on as a temporary.
                            self.temporary(shapes, span, true, false);
                            Op::None
                        }
                        Op::Value(shapes, span) => {
                            // When the pattern fails, nothing was moved out of it:
                            // the whole value is a temporary of the `else` path too.
                            unmatched = Some((shapes.clone(), span));
                            Op::Value(shapes, span)
                        }
                        op => op,
                    };
                    if !is_irrefutable(&l.pat) {
                        self.test_failure_with(base, else_entry, cond_end, unmatched);
                    }
                    let (pat, ty) = split_type(&l.pat);
                    let hint = ty.map(TyHint::Type).unwrap_or(TyHint::None);
                    self.bind(pat, op, hint, None, Origin::Binding, true);
                }
                other => {
                    let r = span::expr(other);
                    // A plain `if` condition, or an operand of a `&&` let chain, is
                    // a temporary scope.
                    self.push_scope(true, false, (r.1, r.1));
                    let op = self.lower_expr(other)?;
                    self.consume(op);
                    self.pop_scope();
                    self.test_failure(base, else_entry, cond_end);
                }
            }
        }
        Ok(())
    }

    fn test_failure(&mut self, base: usize, else_entry: BlockId, at: ByteRange) {
        self.test_failure_with(base, else_entry, at, None);
    }

    /// A refutable test: the failure path leaves every scope above `base` (and, with
    /// `unmatched`, first holds the unmatched scrutinee as a temporary).
    fn test_failure_with(
        &mut self,
        base: usize,
        else_entry: BlockId,
        at: ByteRange,
        unmatched: Option<(Vec<Shape>, ByteRange)>,
    ) {
        let (ok, fail) = self.branch();
        self.cur = fail;
        if let Some((shapes, span)) = unmatched {
            self.temporary(shapes, span, true, false);
        }
        self.emit_exit_drops(base, at);
        self.goto(else_entry);
        self.cur = ok;
    }

    fn lower_match(&mut self, m: &'ast syn::ExprMatch, extend: bool) -> Result<Op, TooDeep> {
        let op = self.lower_expr(&m.expr)?;
        // The scrutinee's temporaries live to the end of the enclosing statement.
        let op = match op {
            Op::Value(shapes, span)
                if !m.arms.iter().any(|a| {
                    shapes
                        .iter()
                        .any(|s| pattern_takes(arm_pat(a), s).is_some())
                }) =>
            {
                self.temporary(shapes, span, true, false);
                Op::None
            }
            op => op,
        };
        let head = self.cur;
        let join = self.new_block();
        let mut shapes = Vec::new();
        for arm in &m.arms {
            self.cur = self.new_block();
            self.graph.edge(head, self.cur);
            let body_end = span::expr(&arm.body);
            self.push_scope(false, true, (body_end.1, body_end.1));
            let (pat, guard) = match &arm.pat {
                syn::Pat::Guard(g) => (&*g.pat, Some(&*g.guard)),
                p => (p, None),
            };
            self.bind(pat, op.clone(), TyHint::None, None, Origin::Binding, true);
            if let Some(guard) = guard {
                let r = span::expr(guard);
                self.push_scope(true, false, (r.1, r.1));
                let g = self.lower_expr(guard)?;
                self.consume(g);
                self.pop_scope();
            }
            self.push_scope(true, false, (body_end.1, body_end.1));
            self.extend = extend;
            let op = self.lower_expr(&arm.body)?;
            shapes.extend(self.consume(op));
            self.pop_scope();
            self.pop_scope();
            self.goto(join);
        }
        self.cur = join;
        Ok(value(dedup(shapes), span::match_expr(m)))
    }

    fn lower_while(&mut self, w: &'ast syn::ExprWhile) -> Result<Op, TooDeep> {
        let head = self.new_block();
        let exit = self.new_block();
        self.goto(head);
        self.cur = head;
        let base = self.scopes.len();
        let body_end = range(w.body.brace_token.span.close());
        // The condition (and a `while let` scrutinee) ends with each iteration.
        self.push_scope(true, false, body_end);
        self.push_scope(false, true, body_end);
        self.lower_condition(&w.cond, base, exit, span::expr(&w.cond))?;
        self.lower_loop_body(w.label.as_ref(), &w.body, head, exit, base)?;
        self.pop_scope();
        self.pop_scope();
        self.goto(head);
        self.loops_pop();
        self.cur = exit;
        Ok(Op::None)
    }

    fn lower_for(&mut self, f: &'ast syn::ExprForLoop) -> Result<Op, TooDeep> {
        // The iterator expression's temporaries live through the whole loop.
        let op = self.lower_expr(&f.expr)?;
        let iter_span = span::expr(&f.expr);
        let shapes = self.consume(op);
        // Each item goes to the loop's pattern; an iterator over a collection keeps
        // the items not yet taken, a lazy one (`.map(|m| m.lock().unwrap())`) none.
        let items: Vec<Shape> = shapes
            .iter()
            .filter_map(|s| s.peel(|l| matches!(l, Layer::Element(_) | Layer::Iterator)))
            .collect();
        let kept: Vec<Shape> = shapes
            .into_iter()
            .filter(|s| s.outer() != Some(&Layer::Iterator))
            .collect();
        self.temporary(kept, iter_span, true, false);
        let head = self.new_block();
        let exit = self.new_block();
        self.goto(head);
        self.cur = head;
        let (body, out) = self.branch();
        self.graph.edge(out, exit);
        self.cur = body;
        let base = self.scopes.len();
        self.push_scope(false, true, range(f.body.brace_token.span.close()));
        let (pat, _) = split_type(&f.pat);
        let item = value(dedup(items), span::expr(&f.expr));
        self.bind(pat, item, TyHint::None, None, Origin::Binding, false);
        self.lower_loop_body(f.label.as_ref(), &f.body, head, exit, base)?;
        self.pop_scope();
        self.goto(head);
        self.loops_pop();
        self.cur = exit;
        Ok(Op::None)
    }

    // ----- nested bodies ------------------------------------------------------------

    /// The locals a nested body can see, with what the body owns of them.
    fn env_for(
        &mut self,
        mentioned: &HashSet<String>,
        by_move: bool,
        at: ByteRange,
    ) -> (Vec<EnvLocal<'ast>>, Vec<Shape>) {
        let mut env = Vec::new();
        let mut seen = HashSet::new();
        let mut moved = Vec::new();
        for &l in self.visible.clone().iter().rev() {
            let name = self.locals[l].name.clone();
            if !mentioned.contains(&name) || !seen.insert(name.clone()) {
                continue;
            }
            let shapes = self.locals[l].shapes.clone();
            let owned = if by_move && !shapes.is_empty() {
                self.consume(Op::Place(l, at));
                moved.extend(shapes.iter().cloned());
                shapes
            } else {
                self.mention(l);
                Vec::new()
            };
            env.push(EnvLocal {
                name,
                hint: self.locals[l].hint.clone(),
                owned,
            });
        }
        (env, moved)
    }

    /// The hazards a closure's body returns (inside a `Future` for an async
    /// closure), from a throw-away lowering of it with this body's locals in view.
    fn closure_returns(&self, c: &'ast syn::ExprClosure) -> Vec<Shape> {
        let params: Vec<_> = c.inputs.iter().map(|p| (p, None)).collect();
        let shapes = self.body_returns(BodyRef::Expr(&c.body), &params, c.capture.is_some());
        if c.asyncness.is_some() {
            shapes
                .into_iter()
                .map(|s| s.wrapped(Layer::Future))
                .collect()
        } else {
            shapes
        }
    }

    /// What a nested body returns, lowered on its own with this body's locals as
    /// borrowed captures.
    fn body_returns(
        &self,
        body: BodyRef<'ast>,
        params: &[(&'ast syn::Pat, Option<&'ast syn::Type>)],
        by_move: bool,
    ) -> Vec<Shape> {
        let Some(inner) = self.summary_lowerer() else {
            return Default::default();
        };
        // A `move` body owns what it captured, and can return it.
        let mut env = self.borrowed_env();
        if by_move {
            for e in &mut env {
                if let Some(l) = self.lookup(&e.name) {
                    e.owned = self.locals[l].shapes.clone();
                }
            }
        }
        match inner.lower_fn(params, &env, body) {
            Ok(body) => body.returned,
            Err(_) => Vec::new(),
        }
    }

    /// A lowerer for a throw-away summary of a nested body (what it returns, what
    /// it moves). Summaries do not summarise their own nested bodies: that would cost
    /// exponential time in the nesting depth; inside one, nested bodies are unknown.
    fn summary_lowerer(&self) -> Option<Lowerer<'a, 'ast>> {
        if self.summarising {
            return None;
        }
        let mut inner = Lowerer::new(
            self.index,
            self.arena,
            self.edition,
            BodyKind::Plain,
            self.self_ty.clone(),
        );
        inner.summarising = true;
        Some(inner)
    }

    fn borrowed_env(&self) -> Vec<EnvLocal<'ast>> {
        self.visible
            .iter()
            .map(|&l| EnvLocal {
                name: self.locals[l].name.clone(),
                hint: self.locals[l].hint.clone(),
                owned: Vec::new(),
            })
            .collect()
    }

    /// The captured locals a non-`move` closure's body moves out (it then captures
    /// them by value): lowered on its own with those locals owned.
    fn closure_moves(
        &self,
        c: &'ast syn::ExprClosure,
        captured: &HashSet<String>,
    ) -> HashSet<String> {
        let mut env = self.borrowed_env();
        let mut any = false;
        for e in &mut env {
            if captured.contains(&e.name) {
                if let Some(l) = self.lookup(&e.name) {
                    e.owned = self.locals[l].shapes.clone();
                    any |= !e.owned.is_empty();
                }
            }
        }
        if !any {
            return HashSet::new();
        }
        let Some(inner) = self.summary_lowerer() else {
            return Default::default();
        };
        let params: Vec<_> = c.inputs.iter().map(|p| (p, None)).collect();
        let Ok(body) = inner.lower_fn(&params, &env, BodyRef::Expr(&c.body)) else {
            return HashSet::new();
        };
        let moved: HashSet<ValueId> = body
            .graph
            .blocks
            .iter()
            .flat_map(|b| &b.events)
            .filter_map(|e| match e {
                Event::Drop {
                    value,
                    kind: DropKind::Move,
                    ..
                } => Some(*value),
                _ => None,
            })
            .collect();
        body.values
            .iter()
            .enumerate()
            .filter(|(v, info)| info.origin == Origin::Capture && moved.contains(v))
            .filter_map(|(_, info)| info.name.clone())
            .collect()
    }

    fn lower_closure(&mut self, c: &'ast syn::ExprClosure, span: ByteRange) -> Op {
        let mut mentioned = captured_names(BodyRef::Expr(&c.body));
        for p in &c.inputs {
            let mut idents = Vec::new();
            collect_bindings(p, &mut idents);
            for i in idents {
                mentioned.remove(&i.ident.to_string());
            }
        }
        let by_move = c.capture.is_some();
        let (env, moved) = if by_move {
            self.env_for(&mentioned, true, span)
        } else {
            // A closure that moves a capture out (`|| drop(g)`) captures it by value.
            let by_value = self.closure_moves(c, &mentioned);
            let (mut env, moved) = self.env_for(&by_value, true, span);
            let rest: HashSet<String> = mentioned.difference(&by_value).cloned().collect();
            env.extend(self.env_for(&rest, false, span).0);
            (env, moved)
        };
        let fn_once = if by_move {
            !self.closure_moves(c, &mentioned).is_empty()
        } else {
            !moved.is_empty()
        };
        self.last_closure = Some(Callable {
            returns: self.closure_returns(c),
            fn_once,
        });
        let kind = if c.asyncness.is_some() {
            BodyKind::AsyncClosure
        } else if c.attrs.iter().any(|a| a.path().is_ident("coroutine")) {
            BodyKind::Coroutine
        } else {
            BodyKind::Plain
        };
        self.children.push(ChildBody {
            kind,
            body: ChildSyntax::Closure(c),
            env,
            self_ty: self.self_ty.clone(),
        });
        value(
            moved
                .into_iter()
                .map(|s| s.wrapped(Layer::Capture))
                .collect(),
            span,
        )
    }

    fn lower_async_block(&mut self, a: &'ast syn::ExprAsync, span: ByteRange) -> Op {
        let mentioned = captured_names(BodyRef::Block(&a.block));
        let by_move = a.capture.is_some();
        let (env, moved) = self.env_for(&mentioned, by_move, span);
        // What awaiting it produces (`async { m.lock().unwrap() }` stored, awaited later).
        let output: Vec<Shape> = self
            .body_returns(BodyRef::Block(&a.block), &[], by_move)
            .into_iter()
            .map(|s| s.wrapped(Layer::Future))
            .collect();
        self.children.push(ChildBody {
            kind: BodyKind::AsyncBlock,
            body: ChildSyntax::Block(&a.block),
            env,
            self_ty: self.self_ty.clone(),
        });
        let mut shapes: Vec<Shape> = moved
            .into_iter()
            .map(|s| s.wrapped(Layer::Capture))
            .collect();
        shapes.extend(output);
        value(shapes, span)
    }

    // ----- macros -------------------------------------------------------------------

    fn lower_macro(&mut self, mac: &'ast syn::Macro, span: ByteRange) -> Result<Op, TooDeep> {
        // One of the file's own `macro_rules!`: what it expands to. (One that awaits
        // stays a yield point of its own, reported as "this macro awaits".)
        let awaits = mac
            .path
            .get_ident()
            .is_some_and(|n| self.index.awaiting_macros.contains(&n.to_string()));
        if let Some(expansion) = (!awaits)
            .then(|| self.index.expand_local_macro(mac))
            .flatten()
        {
            let expr: &'ast syn::Expr = &self.arena.alloc(vec![expansion])[0];
            let index = self.index;
            return index.expanding(|| self.lower_expr(expr));
        }
        let name = mac
            .path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default();
        let awaits_inside = self.index.is_awaiting_macro(&name);
        let by_value = matches!(name.as_str(), "vec" | "dbg");
        let parsed = parse_macro_args(mac, &name, self.arena);
        let mut shapes = Vec::new();
        // `assert!(cond, ..)` expands to `if !cond { panic!(..) }`: the condition is
        // a temporary scope of its own, ended before the message runs.
        let condition_first = matches!(name.as_str(), "assert" | "debug_assert");
        match parsed {
            Some(args) => {
                for (i, arg) in args.iter().enumerate() {
                    let scoped = condition_first && i == 0;
                    if scoped {
                        let r = span::expr(arg);
                        self.push_scope(true, false, (r.1, r.1));
                    }
                    let op = self.lower_expr(arg_ref(arg))?;
                    if by_value {
                        shapes.extend(self.consume(op));
                    } else {
                        self.borrow(op);
                    }
                    if scoped {
                        self.pop_scope();
                    }
                }
                if awaits_inside {
                    self.yield_point(span, YieldKind::Macro);
                }
            }
            None => self.scan_tokens(&mac.tokens, span, awaits_inside),
        }
        if name == "vec" {
            let elements = shapes.into_iter().map(|s| s.wrapped(Layer::Element(None)));
            return Ok(value(dedup(elements.collect()), span));
        }
        if name == "dbg" && parsed.is_some_and(|args| args.len() == 1) {
            // `dbg!(x)` returns `x`.
            return Ok(value(shapes, span));
        }
        Ok(Op::None)
    }

    /// Tokens that do not parse as expressions: mention every local they name, and
    /// count an `.await` among them (or a known awaiting macro) as a yield point.
    fn scan_tokens(&mut self, tokens: &TokenStream, span: ByteRange, awaits: bool) {
        let mut idents = Vec::new();
        let mut await_at = None;
        scan(tokens, &mut idents, &mut await_at);
        let mut before = Vec::new();
        let mut after = Vec::new();
        for (name, at) in idents {
            if let Some(l) = self.lookup(&name) {
                if await_at.is_some_and(|a: ByteRange| at.0 > a.0) {
                    after.push(l);
                } else {
                    before.push(l);
                }
            }
        }
        for l in before {
            self.mention(l);
        }
        if let Some(at) = await_at {
            self.yield_point(at, YieldKind::Await);
        } else if awaits {
            self.yield_point(span, YieldKind::Macro);
        }
        for l in after {
            self.mention(l);
        }
    }

    // ----- type sketch of receivers ---------------------------------------------------

    /// What is known of the lock family of a receiver expression.
    fn receiver_of(&self, e: &syn::Expr) -> Option<Receiver> {
        self.receiver_depth(e, 0)
    }

    /// A receiver of unknown type that is a tracing span by every sign: the file
    /// uses `tracing`, and it is a span macro, `Span::current()`, or named `span`.
    fn looks_like_span(&self, e: &syn::Expr) -> bool {
        if !self.index.evidence.tracing {
            return false;
        }
        match strip_parens(e) {
            syn::Expr::Macro(m) => is_span_macro(&m.mac),
            syn::Expr::Call(c) => matches!(strip_parens(&c.func), syn::Expr::Path(p)
                if p.path.segments.len() >= 2
                    && p.path.segments.iter().rev().nth(1).is_some_and(|s| s.ident == "Span")),
            syn::Expr::Path(p) => p
                .path
                .get_ident()
                .is_some_and(|i| i.to_string().contains("span")),
            syn::Expr::Field(f) => {
                matches!(&f.member, syn::Member::Named(n) if n.to_string().contains("span"))
            }
            syn::Expr::MethodCall(m) => m.method == "clone" && self.looks_like_span(&m.receiver),
            _ => false,
        }
    }

    fn receiver_depth(&self, e: &syn::Expr, depth: usize) -> Option<Receiver> {
        if depth > 8 {
            return None;
        }
        match strip_parens(e) {
            syn::Expr::Macro(m) if is_span_macro(&m.mac) && self.index.evidence.tracing => {
                Some(Receiver {
                    family: hazard::Family::Tracing,
                    kind: hazard::LockKind::Unknown,
                })
            }
            syn::Expr::Path(p) => {
                let ident = p.path.get_ident()?.to_string();
                if let Some(l) = self.lookup(&ident) {
                    return self.receiver_of_hint(&self.locals[l].hint);
                }
                if let Some(ty) = self.index.statics.get(&ident) {
                    return self.index.receiver_of_type(ty);
                }
                if let Some(ty) = self.index.lazy_statics.get(&ident) {
                    return self.index.receiver_of_type(ty);
                }
                // A static of another file of the crate.
                let entry = self.index.crate_table.as_ref()?.static_type(&ident)?;
                self.index.receiver_of_path(&entry.type_path?)
            }
            syn::Expr::Field(f) => {
                let member = match &f.member {
                    syn::Member::Named(n) => n.to_string(),
                    syn::Member::Unnamed(i) => i.index.to_string(),
                };
                let struct_name = self.struct_of(&f.base)?;
                match self.index.field_decl(&struct_name, &member)? {
                    FieldDecl::Here(ty) => self.index.receiver_of_type(ty),
                    FieldDecl::Crate(entry) => self.index.receiver_of_path(&entry.type_path?),
                }
            }
            syn::Expr::Reference(r) => self.receiver_depth(&r.expr, depth + 1),
            syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => {
                self.receiver_depth(&u.expr, depth + 1)
            }
            syn::Expr::MethodCall(m)
                if matches!(
                    m.method.to_string().as_str(),
                    "clone" | "as_ref" | "deref" | "borrow" | "get_ref"
                ) && m.args.is_empty() =>
            {
                self.receiver_depth(&m.receiver, depth + 1)
            }
            syn::Expr::MethodCall(m) => {
                let self_ty = self.struct_of(&m.receiver);
                let sig = self
                    .index
                    .signature(self_ty.as_deref(), &m.method.to_string())?;
                match &sig.output {
                    syn::ReturnType::Type(_, ty) => self.index.receiver_of_type(ty),
                    syn::ReturnType::Default => None,
                }
            }
            syn::Expr::Call(c) => {
                let syn::Expr::Path(p) = strip_parens(&c.func) else {
                    return None;
                };
                let segs: Vec<String> = crate::resolve::file_index::path_names(&p.path);
                let last = segs.last()?.as_str();
                // `io::stdout().lock()` is a `StdoutLock`, not a lock guard.
                if matches!(last, "stdout" | "stderr" | "stdin") {
                    return Some(Receiver {
                        family: hazard::Family::Other,
                        kind: hazard::LockKind::Unknown,
                    });
                }
                if matches!(last, "new" | "default" | "from" | "clone") && segs.len() >= 2 {
                    let ty_segs = segs[..segs.len() - 1].to_vec();
                    let ty_name = ty_segs.last()?.clone();
                    let ty_name = ty_name.as_str();
                    if matches!(ty_name, "Arc" | "Rc" | "Box" | "Pin") {
                        return c
                            .args
                            .first()
                            .and_then(|a| self.receiver_depth(a, depth + 1));
                    }
                    let full = self.index.resolve_segments(ty_segs);
                    if full.len() == 1 && !matches!(ty_name, "RefCell") {
                        if self.index.structs.contains_key(ty_name) {
                            return self.index.receiver_of_type(&syn::parse_quote!(Unknown));
                        }
                        return None;
                    }
                    let full = if full.len() == 1 {
                        vec!["std".into(), "cell".into(), "RefCell".into()]
                    } else {
                        full
                    };
                    return hazard::classify_lock_path(&full);
                }
                let sig = self.index.signature(None, last)?;
                match &sig.output {
                    syn::ReturnType::Type(_, ty) => self.index.receiver_of_type(ty),
                    syn::ReturnType::Default => None,
                }
            }
            _ => None,
        }
    }

    fn receiver_of_hint(&self, hint: &TyHint<'ast>) -> Option<Receiver> {
        match hint {
            TyHint::None => None,
            TyHint::Type(ty) => self.index.receiver_of_type(ty),
            TyHint::Receiver(r) => Some(*r),
            TyHint::Struct(_) => Some(Receiver {
                family: hazard::Family::Other,
                kind: hazard::LockKind::Unknown,
            }),
        }
    }

    /// The name of the struct a place expression has, when known (`self`, a local
    /// annotated with or built as a struct of this file).
    fn struct_of(&self, e: &syn::Expr) -> Option<String> {
        match strip_parens(e) {
            syn::Expr::Path(p) => {
                let ident = p.path.get_ident()?.to_string();
                if ident == "self" {
                    if let Some(l) = self.lookup("self") {
                        if let Some(s) = self.struct_of_hint(&self.locals[l].hint) {
                            return Some(s);
                        }
                    }
                    return self.self_ty.clone();
                }
                let l = self.lookup(&ident)?;
                self.struct_of_hint(&self.locals[l].hint)
            }
            syn::Expr::Field(f) => {
                let base = self.struct_of(&f.base)?;
                let member = match &f.member {
                    syn::Member::Named(n) => n.to_string(),
                    syn::Member::Unnamed(i) => i.index.to_string(),
                };
                match self.index.field_decl(&base, &member)? {
                    FieldDecl::Here(ty) => self.index.struct_key(ty),
                    FieldDecl::Crate(entry) => entry.struct_name,
                }
            }
            syn::Expr::Unary(u) => self.struct_of(&u.expr),
            syn::Expr::Reference(r) => self.struct_of(&r.expr),
            _ => None,
        }
    }

    fn struct_of_hint(&self, hint: &TyHint<'ast>) -> Option<String> {
        match hint {
            TyHint::Struct(s) => Some(s.clone()),
            TyHint::Type(ty) => {
                let name = self.index.struct_key(ty)?;
                if name == "Self" {
                    return self.self_ty.clone();
                }
                Some(name)
            }
            _ => None,
        }
    }

    /// What a `let` initialiser tells about the new local's type.
    fn hint_of_expr(&self, e: &'ast syn::Expr, ty: Option<&'ast syn::Type>) -> TyHint<'ast> {
        if let Some(ty) = ty {
            return TyHint::Type(ty);
        }
        match strip_parens(e) {
            syn::Expr::Struct(s) => s
                .path
                .segments
                .last()
                .map(|seg| TyHint::Struct(seg.ident.to_string()))
                .unwrap_or(TyHint::None),
            syn::Expr::Path(p) => p
                .path
                .get_ident()
                .and_then(|i| self.lookup(&i.to_string()))
                .map(|l| self.locals[l].hint.clone())
                .unwrap_or(TyHint::None),
            other => match self.receiver_of(other) {
                Some(r) => TyHint::Receiver(r),
                None => TyHint::None,
            },
        }
    }
}

/// What a body is: a block (fn, async block) or an expression (closure body).
#[derive(Clone, Copy)]
pub enum BodyRef<'ast> {
    Block(&'ast syn::Block),
    Expr(&'ast syn::Expr),
}

fn value(shapes: Vec<Shape>, span: ByteRange) -> Op {
    if shapes.is_empty() {
        Op::None
    } else {
        Op::Value(shapes, span)
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

/// `io::stdout()` / `stderr()` / `stdin()`: the stream's name, for its lock type.
fn std_stream(e: &syn::Expr) -> Option<&'static str> {
    let syn::Expr::Call(c) = strip_parens(e) else {
        return None;
    };
    let syn::Expr::Path(p) = strip_parens(&c.func) else {
        return None;
    };
    match p.path.segments.last()?.ident.to_string().as_str() {
        "stdout" => Some("Stdout"),
        "stderr" => Some("Stderr"),
        "stdin" => Some("Stdin"),
        _ => None,
    }
}

/// `span!`, `info_span!`, `debug_span!`... (tracing's span constructors).
fn is_span_macro(mac: &syn::Macro) -> bool {
    mac.path
        .segments
        .last()
        .is_some_and(|s| s.ident == "span" || s.ident.to_string().ends_with("_span"))
}

/// `self`, `mut self` or `self: Box<Self>` (not `&self`, nor `self: &Self`).
fn by_value_receiver(r: &syn::Receiver) -> bool {
    match &r.kind {
        syn::ReceiverKind::Value => true,
        syn::ReceiverKind::Typed(_, ty) => !matches!(&**ty, syn::Type::Reference(_)),
        _ => false,
    }
}

/// The type of a value holding a `#[must_not_suspend]` hazard itself (no wrapper).
fn annotated_type(shapes: &[Shape]) -> Option<String> {
    shapes
        .iter()
        .find(|s| s.layers.is_empty() && s.hazard.class == hazard::HazardClass::MustNotSuspend)
        .map(|s| s.hazard.type_path.clone())
}

/// spin's guard methods that turn a guard into another by value.
fn guard_transition(method: &str, shapes: &[Shape]) -> Option<Vec<Shape>> {
    let to = match method {
        "upgrade" => "RwLockWriteGuard",
        "try_upgrade" => "RwLockWriteGuard",
        "downgrade" => "RwLockReadGuard",
        "downgrade_to_upgradeable" | "downgrade_to_upgradable" => "RwLockUpgradableGuard",
        _ => return None,
    };
    let guards: Vec<&Shape> = shapes
        .iter()
        .filter(|s| s.layers.is_empty() && s.hazard.class == hazard::HazardClass::Lock)
        .collect();
    if guards.is_empty() || guards.len() != shapes.len() {
        return None;
    }
    Some(
        guards
            .into_iter()
            .map(|s| {
                let prefix = s
                    .hazard
                    .type_path
                    .rsplit_once("::")
                    .map(|(p, _)| p)
                    .unwrap_or("");
                let shape = Shape::new(hazard::Hazard::new(
                    hazard::HazardClass::Lock,
                    format!("{prefix}::{to}"),
                ));
                if method.starts_with("try_") {
                    shape.wrapped(Layer::Result)
                } else {
                    shape
                }
            })
            .collect(),
    )
}

fn dedup_strings(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v.dedup();
    v
}

/// A pattern that always matches (no refutable part): no failure path.
fn is_irrefutable(pat: &syn::Pat) -> bool {
    match pat {
        syn::Pat::Ident(p) => {
            let looks_like_const = p.ident.to_string().starts_with(char::is_uppercase);
            !looks_like_const && p.subpat.as_ref().is_none_or(|(_, s)| is_irrefutable(s))
        }
        syn::Pat::Wild(_) | syn::Pat::Rest(_) => true,
        syn::Pat::Type(t) => is_irrefutable(&t.pat),
        syn::Pat::Paren(p) => is_irrefutable(&p.pat),
        syn::Pat::Reference(r) => is_irrefutable(&r.pat),
        syn::Pat::Tuple(t) => t.elems.iter().all(is_irrefutable),
        _ => false,
    }
}

fn is_rc(s: &Shape) -> bool {
    s.layers.is_empty() && s.hazard.type_path == "std::rc::Rc"
}

/// Iterator adapters and conversions that pass their receiver's items on.
fn is_iterator_adapter(method: &str) -> bool {
    matches!(
        method,
        "collect"
            | "into_iter"
            | "filter"
            | "take"
            | "skip"
            | "chain"
            | "rev"
            | "peekable"
            | "fuse"
            | "inspect"
            | "take_while"
            | "skip_while"
            | "step_by"
            | "cycle"
    )
}

fn split_type(pat: &syn::Pat) -> (&syn::Pat, Option<&syn::Type>) {
    match pat {
        syn::Pat::Type(t) => (&t.pat, Some(&t.ty)),
        p => (p, None),
    }
}

fn arm_pat(arm: &syn::Arm) -> &syn::Pat {
    match &arm.pat {
        syn::Pat::Guard(g) => &g.pat,
        p => p,
    }
}

/// Whether the right side of a compound assignment suggests an overloaded operator
/// (`s += &other`, `s += "text"`, `s += format!(..)`), which evaluates the place first.
fn looks_overloaded(rhs: &syn::Expr) -> bool {
    match strip_parens(rhs) {
        syn::Expr::Reference(_) => true,
        syn::Expr::Lit(l) => matches!(l.lit, syn::Lit::Str(_)),
        syn::Expr::Macro(m) => m.mac.path.is_ident("format"),
        _ => false,
    }
}

fn cond_has_let(e: &syn::Expr) -> bool {
    match e {
        syn::Expr::Let(_) => true,
        syn::Expr::Binary(b) if matches!(b.op, syn::BinOp::And(_)) => {
            cond_has_let(&b.left) || cond_has_let(&b.right)
        }
        syn::Expr::Paren(_) | syn::Expr::Group(_) => false,
        _ => false,
    }
}

/// `a && let P = b && c` as its operands, in order. Without a `let` the whole
/// condition is one operand.
fn flatten_and_chain<'ast>(e: &'ast syn::Expr, out: &mut Vec<&'ast syn::Expr>) {
    if !cond_has_let(e) {
        out.push(e);
        return;
    }
    match e {
        syn::Expr::Binary(b) if matches!(b.op, syn::BinOp::And(_)) => {
            flatten_and_chain(&b.left, out);
            flatten_and_chain(&b.right, out);
        }
        e => out.push(e),
    }
}

/// Which by-value binding of `pat` takes the hazard `shape` (and what remains of the
/// shape at that binding), following the shape's layers from the outside in.
fn pattern_takes<'p>(pat: &'p syn::Pat, shape: &Shape) -> Option<(&'p syn::PatIdent, Shape)> {
    match pat {
        syn::Pat::Ident(p) => {
            if p.by_ref.is_some() {
                return None;
            }
            if let Some((_, sub)) = &p.subpat {
                if pattern_takes(sub, shape).is_none() && !matches!(**sub, syn::Pat::Wild(_)) {
                    // `g @ Some(_)` still takes the whole value.
                }
            }
            if p.ident == "_" {
                return None;
            }
            // A binding named like a unit variant or constant is not a binding.
            if p.ident.to_string().starts_with(char::is_uppercase) && p.subpat.is_none() {
                let s = p.ident.to_string();
                if s == "None" || s.chars().all(|c| c.is_uppercase() || c == '_') {
                    return None;
                }
            }
            Some((p, shape.clone()))
        }
        syn::Pat::Type(t) => pattern_takes(&t.pat, shape),
        syn::Pat::Paren(p) => pattern_takes(&p.pat, shape),
        syn::Pat::Or(o) => o.cases.first().and_then(|c| pattern_takes(c, shape)),
        syn::Pat::TupleStruct(ts) => {
            let name = ts.path.segments.last()?.ident.to_string();
            let peeled = match (name.as_str(), shape.outer()?) {
                // `Err(e)` takes it too: a `LockResult`'s error holds the guard.
                ("Some", Layer::Option)
                | ("Ok", Layer::Result)
                | ("Err", Layer::Result | Layer::ResultErr) => shape.peel(|_| true)?,
                (_, Layer::Element(Some(i))) => {
                    let i: usize = i.parse().ok()?;
                    let inner = ts.elems.iter().nth(i)?;
                    return pattern_takes(inner, &shape.peel(|_| true)?);
                }
                _ => return None,
            };
            ts.elems
                .iter()
                .next()
                .and_then(|e| pattern_takes(e, &peeled))
        }
        syn::Pat::Tuple(t) => match shape.outer()? {
            Layer::Element(Some(i)) => {
                let i: usize = i.parse().ok()?;
                pattern_takes(t.elems.iter().nth(i)?, &shape.peel(|_| true)?)
            }
            _ => None,
        },
        syn::Pat::Struct(s) => match shape.outer()? {
            Layer::Element(Some(name)) => {
                let field = s.fields.iter().find(|f| match &f.member {
                    syn::Member::Named(n) => n == name,
                    syn::Member::Unnamed(i) => i.index.to_string() == *name,
                })?;
                pattern_takes(&field.pat, &shape.peel(|_| true)?)
            }
            _ => None,
        },
        syn::Pat::Slice(s) => match shape.outer()? {
            Layer::Element(None) => s
                .elems
                .iter()
                .find_map(|e| pattern_takes(e, &shape.peel(|_| true)?)),
            // `let [a, b] = [g, h]`: by position, up to a `..`.
            Layer::Element(Some(i)) if i.starts_with('[') => {
                let i: usize = i.trim_matches(|c| c == '[' || c == ']').parse().ok()?;
                let before_rest: Vec<&syn::Pat> = s
                    .elems
                    .iter()
                    .take_while(|p| !matches!(p, syn::Pat::Rest(_)))
                    .collect();
                pattern_takes(before_rest.get(i)?, &shape.peel(|_| true)?)
            }
            _ => None,
        },
        _ => None,
    }
}

/// The hazards of `shapes` held in `field`, without the field layer.
fn field_shapes(shapes: &[Shape], field: &str) -> Vec<Shape> {
    shapes
        .iter()
        .filter(|s| matches!(s.outer(), Some(Layer::Element(Some(f))) if f == field))
        .filter_map(|s| s.peel(|_| true))
        .collect()
}

fn pattern_has_ref(pat: &syn::Pat) -> bool {
    let mut idents = Vec::new();
    collect_bindings(pat, &mut idents);
    idents.iter().any(|i| i.by_ref.is_some())
}

/// Every identifier binding in a pattern.
fn collect_bindings<'p>(pat: &'p syn::Pat, out: &mut Vec<&'p syn::PatIdent>) {
    match pat {
        syn::Pat::Ident(p) => {
            let s = p.ident.to_string();
            let looks_like_const = s.starts_with(char::is_uppercase)
                && p.subpat.is_none()
                && (s == "None"
                    || s.chars()
                        .all(|c| c.is_uppercase() || c == '_' || c.is_ascii_digit()));
            if !looks_like_const {
                out.push(p);
            }
            if let Some((_, sub)) = &p.subpat {
                collect_bindings(sub, out);
            }
        }
        syn::Pat::Type(t) => collect_bindings(&t.pat, out),
        syn::Pat::Paren(p) => collect_bindings(&p.pat, out),
        syn::Pat::Reference(r) => collect_bindings(&r.pat, out),
        syn::Pat::Or(o) => {
            if let Some(first) = o.cases.first() {
                collect_bindings(first, out);
            }
        }
        syn::Pat::Tuple(t) => t.elems.iter().for_each(|p| collect_bindings(p, out)),
        syn::Pat::TupleStruct(t) => t.elems.iter().for_each(|p| collect_bindings(p, out)),
        syn::Pat::Slice(s) => s.elems.iter().for_each(|p| collect_bindings(p, out)),
        syn::Pat::Struct(s) => s.fields.iter().for_each(|f| collect_bindings(&f.pat, out)),
        syn::Pat::Guard(g) => collect_bindings(&g.pat, out),
        _ => {}
    }
}

/// A macro argument as an expression (`name = expr` in format macros: the `expr`).
fn arg_ref(e: &syn::Expr) -> &syn::Expr {
    match e {
        syn::Expr::Assign(a) => &a.right,
        e => e,
    }
}

/// The arguments of a macro, when they parse as comma-separated expressions (or as
/// `vec![x; n]`), stored in the arena so the walk can keep references to them.
fn parse_macro_args<'ast>(
    mac: &'ast syn::Macro,
    name: &str,
    arena: &'ast Arena<Vec<syn::Expr>>,
) -> Option<&'ast [syn::Expr]> {
    if mac.tokens.is_empty() {
        return Some(&[]);
    }
    let parser = Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated;
    let exprs: Vec<syn::Expr> = match mac.parse_body_with(parser) {
        Ok(p) => p.into_iter().collect(),
        Err(_) if name == "vec" => {
            let tokens = &mac.tokens;
            let arr: syn::ExprRepeat = syn::parse2(quote::quote!([#tokens])).ok()?;
            vec![*arr.expr, *arr.len]
        }
        Err(_) => return None,
    };
    Some(arena.alloc(exprs))
}

fn scan(
    tokens: &TokenStream,
    idents: &mut Vec<(String, ByteRange)>,
    await_at: &mut Option<ByteRange>,
) {
    let mut prev_dot = false;
    for tt in tokens.clone() {
        match tt {
            proc_macro2::TokenTree::Ident(i) => {
                if prev_dot && i == "await" {
                    if await_at.is_none() {
                        *await_at = Some(range(i.span()));
                    }
                } else {
                    idents.push((i.to_string(), range(i.span())));
                }
                prev_dot = false;
            }
            proc_macro2::TokenTree::Punct(p) => prev_dot = p.as_char() == '.',
            proc_macro2::TokenTree::Group(g) => {
                scan(&g.stream(), idents, await_at);
                prev_dot = false;
            }
            proc_macro2::TokenTree::Literal(_) => prev_dot = false,
        }
    }
}

/// Every single-segment path (and identifier inside a macro) a body mentions,
/// with where: what a closure or async block may capture.
#[derive(Default)]
struct Mentions {
    idents: Vec<(String, ByteRange)>,
    /// Names bound by patterns (lets, closure parameters, arms) in the body.
    bindings: Vec<(String, ByteRange)>,
}

impl<'ast> syn::visit::Visit<'ast> for Mentions {
    fn visit_expr_path(&mut self, p: &'ast syn::ExprPath) {
        if let Some(i) = p.path.get_ident() {
            self.idents.push((i.to_string(), range(i.span())));
        }
        syn::visit::visit_expr_path(self, p);
    }

    fn visit_pat_ident(&mut self, p: &'ast syn::PatIdent) {
        self.bindings
            .push((p.ident.to_string(), range(p.ident.span())));
        syn::visit::visit_pat_ident(self, p);
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        let mut await_at = None;
        scan(&m.tokens, &mut self.idents, &mut await_at);
    }
}

fn mentions(body: BodyRef<'_>) -> Vec<(String, ByteRange)> {
    use syn::visit::Visit;
    let mut m = Mentions::default();
    match body {
        BodyRef::Block(b) => m.visit_block(b),
        BodyRef::Expr(e) => m.visit_expr(e),
    }
    m.idents
}

/// The names a nested body uses from outside: mentioned before the body binds
/// the same name itself (a later `let g = ..` inside does not capture `g`).
fn captured_names(body: BodyRef<'_>) -> HashSet<String> {
    use syn::visit::Visit;
    let mut m = Mentions::default();
    match body {
        BodyRef::Block(b) => m.visit_block(b),
        BodyRef::Expr(e) => m.visit_expr(e),
    }
    let mut first_binding: std::collections::HashMap<&str, usize> = Default::default();
    for (name, at) in &m.bindings {
        let e = first_binding.entry(name.as_str()).or_insert(at.0);
        *e = (*e).min(at.0);
    }
    m.idents
        .iter()
        .filter(|(name, at)| first_binding.get(name.as_str()).is_none_or(|b| at.0 < *b))
        .map(|(name, _)| name.clone())
        .collect()
}

fn first_mention(body: BodyRef<'_>, name: &str) -> Option<ByteRange> {
    mentions(body)
        .into_iter()
        .filter(|(n, _)| n == name)
        .map(|(_, r)| r)
        .min()
}

/// Whether any of `stmts` mentions the identifier `name` (macros included).
pub fn stmts_mention(stmts: &[syn::Stmt], name: &str) -> bool {
    use syn::visit::Visit;
    let mut m = Mentions::default();
    for s in stmts {
        m.visit_stmt(s);
    }
    m.idents.iter().any(|(n, _)| n == name)
}

pub fn range_of_stmt(stmt: &syn::Stmt) -> ByteRange {
    span::stmt(stmt)
}

/// Whether any of `stmts` is a `let` that binds `name`.
pub fn stmts_bind(stmts: &[syn::Stmt], name: &str) -> bool {
    stmts.iter().any(|s| match s {
        syn::Stmt::Local(l) => {
            let mut idents = Vec::new();
            collect_bindings(&l.pat, &mut idents);
            idents.iter().any(|i| i.ident == name)
        }
        _ => false,
    })
}
