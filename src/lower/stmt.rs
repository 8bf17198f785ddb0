//! Blocks, statements and bindings: a block is a scope for its bindings, each
//! statement a temporary scope (§2), a tail's temporaries outlive the block before
//! edition 2024 (§4), a `let` extends the temporaries its initialiser borrows (§5)
//! and `let .. else` ends them before the else block (§3). Binding a pattern gives
//! each by-value binding the hazards its position takes.

use crate::held::Origin;
use crate::input::edition::Edition;
use crate::sketch::TyHint;
use crate::span::{self, range};

use super::pattern::{collect_bindings, pattern_has_ref, pattern_takes, split_type};
use super::{
    range_of, strip_parens, value, Ctx, Lowerer, Operand, ScopeKind, TailScope, TempScope, TooDeep,
};
use crate::hazard::Shape;

impl<'a, 'ast> Lowerer<'a, 'ast> {
    /// Lower a block; `tail_ctx` is what its tail expression is told (whether it
    /// extends).
    pub(super) fn lower_block(
        &mut self,
        block: &'ast syn::Block,
        tail: TailScope,
        tail_ctx: Ctx,
    ) -> Result<Operand, TooDeep> {
        let id = self.blocks.len();
        self.blocks.push(block);
        let end = range(block.brace_token.span.close());
        self.push_scope(ScopeKind::Bindings, end);
        let mut result = Operand::None;
        let n = block.stmts.len();
        for (i, stmt) in block.stmts.iter().enumerate() {
            self.stmt_path.push((id, i));
            self.enter_stmt(id, i);
            match stmt {
                syn::Stmt::Expr(e, None) if i + 1 == n => {
                    result = self.lower_tail(e, tail, tail_ctx, end)?;
                }
                _ => self.lower_stmt(stmt, Some((id, i)), i + 1 == n)?,
            }
            self.leave_stmt();
            self.stmt_path.pop();
        }
        self.pop_scope();
        Ok(result)
    }

    /// A statement of a block, not its tail expression; `pos` is where it is
    /// written (`None` for one a macro amounts to).
    fn lower_stmt(
        &mut self,
        stmt: &'ast syn::Stmt,
        pos: Option<(usize, usize)>,
        last: bool,
    ) -> Result<(), TooDeep> {
        match stmt {
            // Left out of the build by a `#[cfg]`: rustc never sees it.
            syn::Stmt::Local(local) if self.cfg_off(&local.attrs) => {}
            syn::Stmt::Macro(m) if self.cfg_off(&m.attrs) => {}
            syn::Stmt::Local(local) => self.lower_let(local, pos)?,
            syn::Stmt::Item(_) => {}
            syn::Stmt::Expr(e, _) => {
                let r = self.span_of(e);
                self.push_scope(ScopeKind::Temporaries, (r.1, r.1));
                let op = self.lower_expr(e, Ctx::PLAIN)?;
                self.discard(op);
                self.pop_scope();
            }
            syn::Stmt::Macro(m) => {
                // A `macro_rules!` of the crate in statement position: its statements
                // are the block's, so a `let` it writes lives to the block's end.
                let index = self.index();
                let spliced = m.semi_token.is_some() || !last;
                if let Some(stmts) = spliced
                    .then(|| index.expand_macro_rules_stmts(&m.mac))
                    .flatten()
                {
                    let stmts: &'ast [syn::Stmt] = &self.arena.stmts.alloc(stmts)[..];
                    return index.expanding(|| {
                        let n = stmts.len();
                        stmts
                            .iter()
                            .enumerate()
                            .try_for_each(|(i, s)| self.lower_stmt(s, None, i + 1 == n))
                    });
                }
                let r = span::mac(&m.mac);
                let end = span::stmt(stmt).1;
                self.push_scope(ScopeKind::Temporaries, (end, end));
                // Tokens that are no statements are no expression either: a call
                // that did not expand here is not expanded again.
                let op = if spliced {
                    self.lower_unexpanded_macro(&m.mac, r, Ctx::PLAIN)?
                } else {
                    self.lower_macro(&m.mac, r, Ctx::PLAIN)?
                };
                self.discard(op);
                self.pop_scope();
            }
        }
        Ok(())
    }

    /// A block's tail: its temporaries outlive the block before 2024.
    fn lower_tail(
        &mut self,
        e: &'ast syn::Expr,
        tail: TailScope,
        ctx: Ctx,
        end: crate::dataflow::ByteRange,
    ) -> Result<Operand, TooDeep> {
        let scoped = tail == TailScope::Own || self.edition >= Edition::E2024;
        if scoped {
            self.push_scope(ScopeKind::Temporaries, end);
        }
        let op = self.lower_expr(e, ctx)?;
        let shapes = self.consume(op);
        if scoped {
            self.pop_scope();
        }
        Ok(value(shapes, self.span_of(e)))
    }

    /// An expression statement's value is dropped at the end of the statement.
    pub(super) fn discard(&mut self, op: Operand) {
        match op {
            Operand::Place(..) | Operand::Field(..) => {
                self.consume(op);
            }
            Operand::Value(shapes, span) => self.temporary(shapes, span, TempScope::Statement),
            Operand::None => {}
        }
    }

    /// A `let`; `pos` is where it is written (`None` for one a macro amounts to).
    pub(super) fn lower_let(
        &mut self,
        local: &'ast syn::Local,
        pos: Option<(usize, usize)>,
    ) -> Result<(), TooDeep> {
        let r = span::local(local);
        self.push_scope(ScopeKind::Temporaries, (r.1, r.1));
        let (pat, ty) = split_type(&local.pat);
        match &local.init {
            Some(init) => self.lower_let_init(pat, ty, init, pos)?,
            None => {
                let hint = ty.map(TyHint::Type).unwrap_or(TyHint::None);
                self.bind(pat, Operand::None, hint, pos, Origin::Binding, false);
            }
        }
        self.pop_scope();
        Ok(())
    }

    /// `let pat: ty = init (else { .. })?;`
    fn lower_let_init(
        &mut self,
        pat: &'ast syn::Pat,
        ty: Option<&'ast syn::Type>,
        init: &'ast syn::LocalInit,
        pos: Option<(usize, usize)>,
    ) -> Result<(), TooDeep> {
        let outer_target = self.extend_target;
        self.extend_target = self.scopes.iter().rposition(|s| s.kind.bindings());
        // `let ref x = *m.lock().unwrap();` binds into a place based on the
        // temporary guard: the guard lives as long as the binding.
        let ctx = Ctx {
            extended_place: pattern_has_ref(pat),
            ..Ctx::extending(true)
        };
        // A closure bound to a local: what calling it does is remembered.
        let (op, callable) = match strip_parens(&init.expr) {
            syn::Expr::Closure(c) => {
                self.depth_guard(&init.expr)?;
                let (op, callable) = self.lower_closure(c, self.span_of(strip_parens(&init.expr)));
                (op, Some(callable))
            }
            _ => (self.lower_expr(&init.expr, ctx)?, None),
        };
        self.extend_target = outer_target;
        let hint = self.sketch.hint_of_expr(&init.expr, ty, self);
        let borrowed = self.pattern_borrows(pat, &init.expr);
        let into_data = self.refers_into_guard(&init.expr);
        if let Some((_, diverge)) = &init.diverge {
            // `let P = e else { .. }`: the else block diverges.
            let (matched, failed) = self.branch();
            self.cur = failed;
            // The statement's temporaries end before the else block runs.
            let depth = self.scopes.len() - 1;
            self.emit_exit_drops(depth, self.span_of(&init.expr));
            let op = self.lower_expr(diverge, Ctx::PLAIN)?;
            self.discard(op);
            self.emit_exit_drops(depth, self.span_of(diverge));
            self.goto(self.exit);
            self.cur = matched;
        }
        let op = match (op, ty) {
            (Operand::None, Some(ty)) => {
                value(self.sketch.shapes_of_type(ty), self.span_of(&init.expr))
            }
            (op, _) => op,
        };
        // `let m = &self.state;`: `m.lock()` locks `self.state` (read before the
        // binding, which may shadow a name the initialiser uses).
        let alias = match pat {
            syn::Pat::Ident(p) if p.subpat.is_none() => self.place_key(&init.expr),
            _ => None,
        };
        let first = self.locals.len();
        self.bind(pat, op, hint, pos, Origin::Binding, false);
        self.let_borrows(first, &borrowed, into_data);
        if let syn::Pat::Ident(p) = pat {
            if let Some(l) = self.lookup(&p.ident.to_string()) {
                if callable.is_some() {
                    self.locals[l].callable = callable;
                }
                self.locals[l].alias = alias;
            }
        }
        Ok(())
    }

    pub(super) fn bind_params(&mut self, pat: &'ast syn::Pat, ty: Option<&'ast syn::Type>) {
        let (pat, inner_ty) = split_type(pat);
        let ty = inner_ty.or(ty);
        let op = match ty {
            Some(ty) => value(self.sketch.shapes_of_type(ty), range_of(pat)),
            None => Operand::None,
        };
        let op = match (op, ty) {
            (Operand::None, Some(ty)) => value(self.generic_param_shapes(ty), range_of(pat)),
            (op, _) => op,
        };
        // A parameter is part of the future from its start: what makes it `!Send`
        // counts at every await, used or not.
        let op = match op {
            Operand::Value(mut shapes, at) => {
                for s in &mut shapes {
                    s.hazard.drop_glue |= s.hazard.class == crate::hazard::HazardClass::NotSend;
                }
                Operand::Value(shapes, at)
            }
            op => op,
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
            .find_map(|bounds| self.sketch.trait_hazard(bounds.iter(), "impl"))
            .map(Shape::new)
            .into_iter()
            .collect()
    }

    /// Bind `pat` to the operand: by-value bindings take the hazards their position
    /// in the pattern holds (a place is then moved); what no binding takes of a fresh
    /// value stays a temporary of the current temporary scope.
    pub(super) fn bind(
        &mut self,
        pat: &'ast syn::Pat,
        op: Operand,
        hint: TyHint<'ast>,
        decl: Option<(usize, usize)>,
        origin: Origin,
        scrutinee: bool,
    ) {
        let shapes = self.shapes_of(&op);
        let acquired = self.acquired_by(&op);
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
            Operand::Place(..) | Operand::Field(..) if !taken.is_empty() => {
                self.consume(op);
            }
            Operand::Place(l, _) | Operand::Field(l, ..) => self.mention(l),
            Operand::Value(_, span) if !scrutinee && decl.is_some() && pattern_has_ref(pat) => {
                // `let ref g = temp;` extends the temporary to the end of the block.
                let saved = self.extend_target.take();
                self.temporary(left, span, TempScope::Extended);
                self.extend_target = saved;
            }
            Operand::Value(_, span) => {
                let scope = if scrutinee {
                    TempScope::Scrutinee
                } else {
                    TempScope::Statement
                };
                self.temporary(left, span, scope);
            }
            Operand::None => {}
        }
        self.declare_bindings(pat, hint, decl, origin, &taken, &acquired);
    }

    /// A local for each binding of `pat`, holding what it `taken`.
    fn declare_bindings(
        &mut self,
        pat: &'ast syn::Pat,
        hint: TyHint<'ast>,
        decl: Option<(usize, usize)>,
        origin: Origin,
        taken: &[(&'ast syn::PatIdent, Vec<Shape>)],
        acquired: &[usize],
    ) {
        let simple = matches!(pat, syn::Pat::Ident(p) if p.subpat.is_none() && p.by_ref.is_none());
        let mut idents = Vec::new();
        collect_bindings(pat, &mut idents);
        for ident in idents {
            let name = ident.ident.to_string();
            let hint = if simple { hint.clone() } else { TyHint::None };
            let decl = if simple { decl } else { None };
            let span = super::pattern::binding_span(ident);
            let id = self.declare_local(name, hint, span, decl, origin.clone());
            if let Some((_, s)) = taken.iter().find(|(i, _)| std::ptr::eq(*i, ident)) {
                self.give_shapes(id, s.clone());
                self.hold_acquired(id, acquired, s);
            }
        }
    }
}
