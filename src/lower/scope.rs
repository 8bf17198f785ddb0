//! Scopes, locals, values and their drops (SEMANTICS §1, §2), and the edges of the
//! control-flow graph: what rustc's `scope.rs` and `cfg.rs` do for its builder.
//! A binding is registered in the innermost scope that holds bindings and dropped
//! at its end; a temporary in the innermost temporary scope, or, extended, in the
//! scope of its `let`'s block.

use crate::dataflow::{BlockId, ByteRange, DropKind, Event, ValueId};
use crate::diagnostic::YieldKind;
use crate::hazard::{Layer, Member, Shape};
use crate::held::{Origin, ValueInfo, YieldInfo};
use crate::sketch::TyHint;

use super::closure::{captured_names, first_mention};
use super::{
    merge, strip_parens, BodyRef, Dropee, EnvLocal, Local, Lowerer, Operand, Scope, ScopeKind,
    TempScope,
};

impl<'a, 'ast> Lowerer<'a, 'ast> {
    pub(super) fn push_scope(&mut self, kind: ScopeKind, end: ByteRange) {
        self.scopes.push(Scope {
            drops: Vec::new(),
            kind,
            visible_mark: self.visible.len(),
            end,
        });
    }

    pub(super) fn pop_scope(&mut self) {
        let scope = self.scopes.pop().expect("scopes are balanced");
        for d in scope.drops.iter().rev() {
            self.emit_drop(*d, scope.end, DropKind::ScopeEnd);
        }
        if scope.kind.bindings() {
            for l in self.visible.drain(scope.visible_mark..) {
                if let Some(ids) = self.by_name.get_mut(&self.locals[l].name) {
                    ids.pop();
                }
            }
        }
    }

    /// Drop events for every scope above `depth`, without popping them (for a jump
    /// out of those scopes: `break`, `continue`, a failed `let` pattern).
    pub(super) fn emit_exit_drops(&mut self, depth: usize, at: ByteRange) {
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

    pub(super) fn emit(&mut self, e: Event) {
        let cur = self.cur;
        self.graph.push(cur, e);
    }

    /// The captured locals of an enclosing body (`env`): those the body owns hold
    /// their hazards from their first mention.
    pub(super) fn declare_env(
        &mut self,
        env: &[EnvLocal<'ast>],
        body: BodyRef<'ast>,
        end: ByteRange,
    ) {
        let mentioned = captured_names(body, &self.arena.mentions);
        for captured in env {
            let owned = !captured.owned.is_empty() && mentioned.contains(&captured.name);
            let span = if owned {
                first_mention(body, &captured.name, &self.arena.mentions).unwrap_or(end)
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
    }

    pub(super) fn declare_local(
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
            alias: None,
        });
        self.visible.push(id);
        self.by_name
            .entry(self.locals[id].name.clone())
            .or_default()
            .push(id);
        if let Some(scope) = self.scopes.iter_mut().rev().find(|s| s.kind.bindings()) {
            scope.drops.push(Dropee::Local(id));
        }
        id
    }

    /// The local now holds `shapes` (a fresh value): creates it.
    pub(super) fn give_shapes(&mut self, local: usize, shapes: Vec<Shape>) {
        if shapes.is_empty() {
            return;
        }
        let v = self.local_value(local);
        self.values[v].shapes = merge(&self.values[v].shapes, &shapes);
        self.locals[local].shapes = merge(&self.locals[local].shapes, &shapes);
        self.emit(Event::Create(v));
    }

    pub(super) fn local_value(&mut self, local: usize) -> ValueId {
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
            acquired: Vec::new(),
            borrows: Default::default(),
        });
        self.locals[local].value = Some(v);
        v
    }

    pub(super) fn lookup(&self, name: &str) -> Option<usize> {
        self.by_name.get(name)?.last().copied()
    }

    /// A temporary holding `shapes`, dropped where `scope` says.
    pub(super) fn temporary(&mut self, shapes: Vec<Shape>, span: ByteRange, scope: TempScope) {
        if shapes.is_empty() {
            return;
        }
        let v = self.values.len();
        self.values.push(ValueInfo {
            origin: Origin::Temporary {
                scrutinee: scope == TempScope::Scrutinee,
            },
            name: None,
            span,
            acquired: self.acquired_within(span, &shapes),
            shapes,
            decl: None,
            borrows: Default::default(),
        });
        let target = self.extend_target.filter(|&t| t < self.scopes.len());
        let scope = match (scope, target) {
            (TempScope::Extended, Some(t)) => Some(&mut self.scopes[t]),
            (TempScope::Extended, None) => self.scopes.iter_mut().rev().find(|s| s.kind.bindings()),
            _ => self.scopes.iter_mut().rev().find(|s| s.kind.temps()),
        };
        if let Some(scope) = scope {
            scope.drops.push(Dropee::Value(v));
        }
        self.emit(Event::Create(v));
        self.emit_holds(v);
    }

    /// What a `select!` branch produced and its pattern did not bind: held to the end
    /// of the innermost temporary scope (the macro's).
    pub(super) fn macro_output(&mut self, shapes: Vec<Shape>, span: ByteRange) {
        if shapes.is_empty() {
            return;
        }
        let v = self.values.len();
        self.values.push(ValueInfo {
            origin: Origin::MacroOutput,
            name: None,
            span,
            acquired: self.acquired_within(span, &shapes),
            shapes,
            decl: None,
            borrows: Default::default(),
        });
        if let Some(scope) = self.scopes.iter_mut().rev().find(|s| s.kind.temps()) {
            scope.drops.push(Dropee::Value(v));
        }
        self.emit(Event::Create(v));
        self.emit_holds(v);
    }

    /// What an operand holds, without using it.
    pub(super) fn shapes_of(&self, op: &Operand) -> Vec<Shape> {
        match op {
            Operand::None => Vec::new(),
            Operand::Place(l, _) => self.locals[*l].shapes.clone(),
            Operand::Field(l, f, _) => field_shapes(&self.locals[*l].shapes, f),
            Operand::Value(s, _) => s.clone(),
        }
    }

    /// By-value use: a place is moved (its value ends here), a value passes on.
    pub(super) fn consume(&mut self, op: Operand) -> Vec<Shape> {
        match op {
            Operand::None => Vec::new(),
            Operand::Field(l, field, at) => self.move_field(l, &field, at),
            Operand::Value(shapes, _) => shapes,
            Operand::Place(l, at) => {
                let shapes = self.locals[l].shapes.clone();
                self.move_out(l, at);
                shapes
            }
        }
    }

    /// The local's value is used and moved away here.
    pub(super) fn move_out(&mut self, l: usize, at: ByteRange) {
        self.note_use(l);
        if let Some(v) = self.locals[l].value {
            self.emit(Event::Use(v));
            self.emit(Event::Drop {
                value: v,
                at,
                kind: DropKind::Move,
            });
        }
    }

    /// By-reference use (autoref, deref, field access, `&`): a value becomes a
    /// temporary, a place is only mentioned.
    pub(super) fn borrow(&mut self, op: Operand) {
        self.borrow_in(op, TempScope::Statement);
    }

    /// `borrow`, a fresh value becoming a temporary of `scope` (the base of an
    /// extending borrow's operand is extended).
    pub(super) fn borrow_in(&mut self, op: Operand, scope: TempScope) {
        match op {
            Operand::None => {}
            Operand::Place(l, _) | Operand::Field(l, ..) => self.mention(l),
            Operand::Value(shapes, span) => self.temporary(shapes, span, scope),
        }
    }

    /// Move the hazards held in `field` out of local `l`; when nothing is left the
    /// local's value ends here.
    pub(super) fn move_field(&mut self, l: usize, field: &Member, at: ByteRange) -> Vec<Shape> {
        self.note_use(l);
        let (moved, kept): (Vec<Shape>, Vec<Shape>) = self.locals[l]
            .shapes
            .iter()
            .cloned()
            .partition(|s| s.in_field(field));
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
    pub(super) fn field_place(&self, e: &syn::Expr) -> Option<(usize, Member)> {
        let syn::Expr::Field(f) = strip_parens(e) else {
            return None;
        };
        let syn::Expr::Path(p) = strip_parens(&f.base) else {
            return None;
        };
        let l = self.lookup(&p.path.get_ident()?.to_string())?;
        let member = super::member_of(&f.member);
        let has = self.locals[l].shapes.iter().any(|s| s.in_field(&member));
        has.then_some((l, member))
    }

    /// The local is read or borrowed here (autoref, deref, `&`, a non-`move`
    /// capture, a mention in a macro's tokens), not moved.
    pub(super) fn mention(&mut self, l: usize) {
        self.note_use(l);
        if let Some(v) = self.locals[l].value {
            self.emit(Event::Borrow(v));
        }
    }

    pub(super) fn new_block(&mut self) -> BlockId {
        self.graph.new_block()
    }

    pub(super) fn goto(&mut self, to: BlockId) {
        let cur = self.cur;
        self.graph.edge(cur, to);
    }

    /// Split control flow: returns (taken, not taken) blocks, both successors of now.
    pub(super) fn branch(&mut self) -> (BlockId, BlockId) {
        let (a, b) = (self.new_block(), self.new_block());
        self.goto(a);
        self.goto(b);
        (a, b)
    }

    /// A suspension point of this body (a plain fn's awaits are not its own).
    pub(super) fn yield_point(&mut self, span: ByteRange, kind: YieldKind) {
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
}

/// The hazards of `shapes` held in `field`, without the field layer.
pub(super) fn field_shapes(shapes: &[Shape], field: &Member) -> Vec<Shape> {
    shapes
        .iter()
        .filter(|s| s.in_field(field))
        .filter_map(|s| s.peel(|_| true))
        .collect()
}

/// `shapes`, each wrapped in `layer`.
pub(super) fn wrap_all(shapes: Vec<Shape>, layer: &Layer) -> Vec<Shape> {
    shapes
        .into_iter()
        .map(|s| s.wrapped(layer.clone()))
        .collect()
}
