//! The one match over `syn::Expr`: evaluation order (SEMANTICS §2, left to right,
//! receiver before arguments, the right side of `=` before its place), which
//! operands are moved and which borrowed, operators and assignment, and the yield
//! points (`.await`, `yield`). Long arms are named fns below the match.

use crate::support::hash::HashSet;

use crate::dataflow::{ByteRange, DropKind, Event};
use crate::diagnostic::YieldKind;
use crate::hazard::{self, Layer, Member, NextUse, Shape};
use crate::span::range;

use super::scope::wrap_all;
use super::{
    dedup, member_of, merge, strip_parens, value, Ctx, Lowerer, Operand, TempScope, TooDeep,
    MAX_DEPTH,
};

impl<'a, 'ast> Lowerer<'a, 'ast> {
    pub(super) fn lower_expr(
        &mut self,
        expr: &'ast syn::Expr,
        ctx: Ctx,
    ) -> Result<Operand, TooDeep> {
        self.depth_guard(expr)?;
        self.depth += 1;
        let op = self.lower_expr_inner(expr, ctx);
        self.depth -= 1;
        op
    }

    /// Stop before the walk nests deeper than `MAX_DEPTH`.
    pub(super) fn depth_guard(&self, expr: &syn::Expr) -> Result<(), TooDeep> {
        if self.depth + 1 > MAX_DEPTH {
            return Err(TooDeep {
                at: self.span_of(expr).0,
            });
        }
        Ok(())
    }

    fn lower_expr_inner(&mut self, expr: &'ast syn::Expr, ctx: Ctx) -> Result<Operand, TooDeep> {
        use syn::Expr as E;
        let span = self.span_of(expr);
        Ok(match expr {
            E::Path(p) => self.lower_path(p, span),
            E::Lit(_) | E::Infer(_) => Operand::None,
            E::Paren(p) => self.lower_expr(&p.expr, ctx)?,
            E::Group(g) => self.lower_expr(&g.expr, ctx)?,
            E::Cast(c) => {
                let op = self.lower_expr(&c.expr, ctx.branch())?;
                value(self.consume(op), span)
            }
            E::Reference(r) => self.lower_reference(r, span, ctx)?,
            E::RawAddr(r) => {
                let op = self.lower_expr(&r.expr, Ctx::PLAIN)?;
                self.borrow(op);
                Operand::None
            }
            E::Unary(u) => {
                let deref = matches!(u.op, syn::UnOp::Deref(_));
                let op =
                    self.lower_expr(&u.expr, Ctx::extended_place(ctx.extended_place && deref))?;
                if deref {
                    self.borrow_in(op, TempScope::extended_if(ctx.extended_place));
                } else {
                    self.consume(op);
                }
                Operand::None
            }
            E::Field(f) => {
                if let Some((l, member)) = self.field_place(expr) {
                    self.note_use(l);
                    return Ok(Operand::Field(l, member, span));
                }
                let op = self.lower_expr(&f.base, Ctx::extended_place(ctx.extended_place))?;
                self.borrow_in(op, TempScope::extended_if(ctx.extended_place));
                Operand::None
            }
            E::Index(i) => {
                let op = self.lower_expr(&i.expr, Ctx::extended_place(ctx.extended_place))?;
                self.borrow_in(op, TempScope::extended_if(ctx.extended_place));
                let op = self.lower_expr(&i.index, Ctx::PLAIN)?;
                self.consume(op);
                Operand::None
            }
            E::Binary(b) => self.lower_binary(b)?,
            E::Assign(a) => {
                let rhs = self.lower_expr(&a.right, Ctx::PLAIN)?;
                let acquired = self.acquired_by(&rhs);
                let shapes = self.consume(rhs);
                self.assign_to(&a.left, shapes.clone())?;
                self.assign_borrows(a);
                if let Some(l) = self.path_local(&a.left) {
                    self.hold_acquired(l, &acquired, &shapes);
                }
                Operand::None
            }
            E::Tuple(t) => {
                let layers = (0..).map(|i| Layer::Field(Member::Unnamed(i)));
                let shapes = self.lower_elements(t.elems.iter().zip(layers), ctx)?;
                value(shapes, span)
            }
            E::Array(a) => {
                let layers = (0..).map(Layer::Index);
                let shapes = self.lower_elements(a.elems.iter().zip(layers), ctx)?;
                value(dedup(shapes), span)
            }
            E::Repeat(r) => {
                let op = self.lower_expr(&r.expr, Ctx::PLAIN)?;
                let shapes = self.consume(op);
                let op = self.lower_expr(&r.len, Ctx::PLAIN)?;
                self.consume(op);
                value(wrap_all(shapes, &Layer::Element), span)
            }
            E::Struct(s) => self.lower_struct(s, span, ctx)?,
            E::Range(r) => {
                for e in r.start.iter().chain(r.end.iter()) {
                    let op = self.lower_expr(e, Ctx::PLAIN)?;
                    self.consume(op);
                }
                Operand::None
            }
            E::Call(c) => {
                let op = self.lower_call(c, span, ctx)?;
                self.call_borrows(c);
                op
            }
            E::MethodCall(m) => {
                let op = self.lower_method_call(m, ctx.next, span)?;
                self.method_call_borrows(m);
                op
            }
            E::Try(t) => self.lower_try(t, span)?,
            E::Await(a) => {
                let op = self.lower_expr(&a.base, Ctx::followed_by(NextUse::Await))?;
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
                    let op = self.lower_expr(e, Ctx::PLAIN)?;
                    self.consume(op);
                }
                self.yield_point(range(y.yield_token.span), YieldKind::Yield);
                Operand::None
            }
            E::Block(b) => self.lower_labeled_block(b.label.as_ref(), &b.block, ctx)?,
            E::Unsafe(u) => self.lower_block_value(&u.block, ctx)?,
            // A const block is evaluated at compile time.
            E::Const(_) => Operand::None,
            E::TryBlock(t) => self.lower_block_value(&t.block, ctx)?,
            E::If(i) => self.lower_if(i, ctx)?,
            E::Match(m) => self.lower_match(m, ctx)?,
            E::Loop(l) => self.lower_loop(l, span)?,
            E::While(w) => self.lower_while(w)?,
            E::ForLoop(f) => self.lower_for(f)?,
            E::Break(b) => self.lower_break(b, span)?,
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
                Operand::None
            }
            E::Return(r) => {
                if let Some(e) = &r.expr {
                    let op = self.lower_expr(e, Ctx::PLAIN)?;
                    let shapes = self.consume(op);
                    self.returned = merge(&self.returned, &shapes);
                }
                self.goto(self.exit);
                self.cur = self.new_block();
                Operand::None
            }
            E::Let(l) => {
                // A `let` outside an `if`/`while` condition (only in invalid code).
                let op = self.lower_expr(&l.expr, Ctx::PLAIN)?;
                self.borrow(op);
                Operand::None
            }
            E::Closure(c) => self.lower_closure(c, span).0,
            E::Async(a) => self.lower_async_block(a, span),
            E::Macro(m) => self.lower_macro(&m.mac, span, ctx)?,
            E::Verbatim(tokens) => {
                self.scan_tokens(tokens, span, false);
                Operand::None
            }
            _ => Operand::None,
        })
    }

    /// A path: a local (a place), or a unit struct's or unit variant's value
    /// (`Token`, `State::Idle`, `Idle` after `use State::*`).
    fn lower_path(&mut self, p: &'ast syn::ExprPath, span: ByteRange) -> Operand {
        if let Some(l) = p.path.get_ident().and_then(|i| self.lookup(&i.to_string())) {
            if p.qself.is_none() {
                self.note_use(l);
                return Operand::Place(l, span);
            }
        }
        let segs: Vec<String> = crate::resolve::file_index::path_names(&p.path);
        let self_ty = self.self_ty.as_deref();
        let shapes = match segs.as_slice() {
            [one] => {
                let mut s = self.sketch.annotated_path(&segs, self_ty);
                if s.is_empty() {
                    if let Some(e) = self.index().must_not_suspend_variants.get(one) {
                        s = self.sketch.annotated(e, self_ty);
                    }
                }
                s
            }
            [.., _, variant] if variant.starts_with(char::is_uppercase) => {
                self.sketch.annotated_path(&segs[..segs.len() - 1], self_ty)
            }
            _ => Vec::new(),
        };
        value(shapes, span)
    }

    /// `&e`: the operand of an extending borrow (and the base of a field, index or
    /// deref place there) lives to the end of the block.
    fn lower_reference(
        &mut self,
        r: &'ast syn::ExprReference,
        span: ByteRange,
        ctx: Ctx,
    ) -> Result<Operand, TooDeep> {
        let op = self.lower_expr(&r.expr, Ctx::extended_place(ctx.extending))?;
        Ok(match op {
            Operand::Value(shapes, at) => {
                self.temporary(shapes, at, TempScope::extended_if(ctx.extending));
                Operand::None
            }
            Operand::Place(l, _) => {
                // `&checkout`: the reference is held while used, like rustc's
                // "reference to `Checkout`".
                let referent: Vec<Shape> = self.locals[l]
                    .shapes
                    .iter()
                    .filter(|s| {
                        s.layers.is_empty() && s.hazard.class == hazard::HazardClass::MustNotSuspend
                    })
                    .cloned()
                    .collect();
                self.mention(l);
                value(reference_to(referent), span)
            }
            Operand::None => {
                // `&mut self.token`: a field whose declared type is annotated.
                let referent = self.sketch.field_place_hazards(&r.expr, self);
                value(reference_to(referent), span)
            }
            op => {
                self.borrow(op);
                Operand::None
            }
        })
    }

    /// The elements of a tuple or array, each moved into its layer.
    fn lower_elements(
        &mut self,
        elems: impl Iterator<Item = (&'ast syn::Expr, Layer)>,
        ctx: Ctx,
    ) -> Result<Vec<Shape>, TooDeep> {
        let mut shapes = Vec::new();
        for (e, layer) in elems {
            let op = self.lower_expr(e, ctx.branch())?;
            shapes.extend(wrap_all(self.consume(op), &layer));
        }
        Ok(shapes)
    }

    /// A struct literal holds its fields; `..base` moves only the fields the
    /// literal does not list.
    fn lower_struct(
        &mut self,
        s: &'ast syn::ExprStruct,
        span: ByteRange,
        ctx: Ctx,
    ) -> Result<Operand, TooDeep> {
        let mut shapes = Vec::new();
        for field in &s.fields {
            let layer = Layer::Field(member_of(&field.member));
            let op = self.lower_expr(&field.expr, ctx.branch())?;
            shapes.extend(wrap_all(self.consume(op), &layer));
        }
        if let Some(rest) = &s.rest {
            let listed: HashSet<Member> = s.fields.iter().map(|f| member_of(&f.member)).collect();
            let op = self.lower_expr(rest, Ctx::PLAIN)?;
            shapes.extend(self.struct_update_base(op, &listed));
        }
        let segs: Vec<String> = crate::resolve::file_index::path_names(&s.path);
        shapes.extend(self.sketch.annotated_path(&segs, self.self_ty.as_deref()));
        Ok(value(shapes, span))
    }

    /// What `..base` brings into a struct literal that lists the fields `listed`.
    fn struct_update_base(&mut self, op: Operand, listed: &HashSet<Member>) -> Vec<Shape> {
        let Operand::Place(l, at) = op else {
            return self.consume(op);
        };
        let in_fields = self.locals[l]
            .shapes
            .iter()
            .all(|s| matches!(s.outer(), Some(Layer::Field(_))));
        if !in_fields {
            return self.consume(Operand::Place(l, at));
        }
        let mut fields: Vec<Member> = self.locals[l]
            .shapes
            .iter()
            .filter_map(|s| match s.outer() {
                Some(Layer::Field(f)) if !listed.contains(f) => Some(f.clone()),
                _ => None,
            })
            .collect();
        fields.sort_by_key(|f| f.to_string());
        fields.dedup();
        self.mention(l);
        let mut shapes = Vec::new();
        for f in fields {
            let layer = Layer::Field(f.clone());
            shapes.extend(wrap_all(self.move_field(l, &f, at), &layer));
        }
        shapes
    }

    /// `e?`: what the `Ok` / `Some` side holds; the error path returns from the body.
    fn lower_try(&mut self, t: &'ast syn::ExprTry, span: ByteRange) -> Result<Operand, TooDeep> {
        let op = self.lower_expr(&t.expr, Ctx::followed_by(NextUse::Unwrap))?;
        let peeled: Vec<Shape> = match &op {
            Operand::None => Vec::new(),
            _ => {
                let shapes = self.consume(op);
                shapes
                    .iter()
                    .filter_map(|s| s.peel(|l| matches!(l, Layer::Option | Layer::Result)))
                    .collect()
            }
        };
        let (ok, err) = self.branch();
        self.cur = err;
        self.goto(self.exit);
        self.cur = ok;
        Ok(value(peeled, span))
    }

    fn lower_break(
        &mut self,
        b: &'ast syn::ExprBreak,
        span: ByteRange,
    ) -> Result<Operand, TooDeep> {
        let shapes = match &b.expr {
            Some(e) => {
                let op = self.lower_expr(e, Ctx::PLAIN)?;
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
        Ok(Operand::None)
    }

    fn lower_binary(&mut self, b: &'ast syn::ExprBinary) -> Result<Operand, TooDeep> {
        use syn::BinOp as B;
        match b.op {
            B::And(_) | B::Or(_) => {
                // Each operand of a lazy boolean operator is its own temporary scope.
                self.lower_in_temp_scope(&b.left)?;
                let (rhs, join) = self.branch();
                self.cur = rhs;
                self.lower_in_temp_scope(&b.right)?;
                self.goto(join);
                self.cur = join;
            }
            B::Eq(_) | B::Ne(_) | B::Lt(_) | B::Le(_) | B::Gt(_) | B::Ge(_) => {
                // Comparison operators take their operands by reference.
                let op = self.lower_expr(&b.left, Ctx::PLAIN)?;
                self.borrow(op);
                let op = self.lower_expr(&b.right, Ctx::PLAIN)?;
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
                    let op = self.lower_expr(&b.left, Ctx::PLAIN)?;
                    self.borrow(op);
                    let op = self.lower_expr(&b.right, Ctx::PLAIN)?;
                    self.consume(op);
                } else {
                    let op = self.lower_expr(&b.right, Ctx::PLAIN)?;
                    self.consume(op);
                    let op = self.lower_expr(&b.left, Ctx::PLAIN)?;
                    self.borrow(op);
                }
            }
            _ => {
                let op = self.lower_expr(&b.left, Ctx::PLAIN)?;
                self.consume(op);
                let op = self.lower_expr(&b.right, Ctx::PLAIN)?;
                self.consume(op);
            }
        }
        Ok(Operand::None)
    }

    /// An expression that is a temporary scope of its own (a lazy operand, a
    /// condition), its value used.
    pub(super) fn lower_in_temp_scope(&mut self, e: &'ast syn::Expr) -> Result<(), TooDeep> {
        let r = self.span_of(e);
        self.push_scope(super::ScopeKind::Temporaries, (r.1, r.1));
        let op = self.lower_expr(e, Ctx::PLAIN)?;
        self.consume(op);
        self.pop_scope();
        Ok(())
    }

    /// `place = value` (the value is already evaluated): the old value of a local is
    /// dropped and the new one held; a field or element of a local makes the local
    /// hold the hazard too.
    fn assign_to(&mut self, place: &'ast syn::Expr, shapes: Vec<Shape>) -> Result<(), TooDeep> {
        let place = strip_parens(place);
        if let syn::Expr::Field(f) = place {
            if let Some(l) = self.path_local(&f.base) {
                self.assign_field(l, member_of(&f.member), self.span_of(place), shapes);
                return Ok(());
            }
        }
        if let Some(l) = self.path_local(place) {
            self.note_use(l);
            // In a loop, the value a later assignment gives the local (lowered after
            // this one) may be alive here on the next iteration: it is dropped here.
            let old = if self.loops.is_empty() {
                self.locals[l].value
            } else {
                Some(self.local_value(l))
            };
            if let Some(v) = old {
                self.emit(Event::Drop {
                    value: v,
                    at: self.span_of(place),
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
        let op = self.lower_expr(place, Ctx::PLAIN)?;
        self.borrow(op);
        if !shapes.is_empty() {
            if let Some(l) = self.root_local(place) {
                if self.locals[l].value.is_none() || self.locals[l].shapes.is_empty() {
                    self.give_shapes(l, wrap_all(shapes, &Layer::Element));
                }
            }
        }
        Ok(())
    }

    /// `local.field = value`: the field's old hazards end, the new ones are held in
    /// that field.
    fn assign_field(&mut self, l: usize, member: Member, at: ByteRange, shapes: Vec<Shape>) {
        let had = self.locals[l].shapes.iter().any(Shape::is_held);
        self.locals[l].shapes.retain(|s| !s.in_field(&member));
        let left = self.locals[l].shapes.iter().any(Shape::is_held);
        if let (true, false, Some(v)) = (had, left, self.locals[l].value) {
            self.emit(Event::Drop {
                value: v,
                at,
                kind: DropKind::ScopeEnd,
            });
        }
        let new = wrap_all(shapes, &Layer::Field(member));
        if left {
            self.locals[l].shapes.extend(new);
        } else {
            self.give_shapes(l, new);
        }
    }

    /// The local a plain path names (`g`, not `a::g`).
    pub(super) fn path_local(&self, e: &syn::Expr) -> Option<usize> {
        match strip_parens(e) {
            syn::Expr::Path(p) => p.path.get_ident().and_then(|i| self.lookup(&i.to_string())),
            _ => None,
        }
    }

    /// The local at the root of a place expression (`a.b[c].d` → `a`).
    pub(super) fn root_local(&self, e: &syn::Expr) -> Option<usize> {
        match strip_parens(e) {
            syn::Expr::Path(p) => self.lookup(&p.path.get_ident()?.to_string()),
            syn::Expr::Field(f) => self.root_local(&f.base),
            syn::Expr::Index(i) => self.root_local(&i.expr),
            _ => None,
        }
    }
}

/// A reference to each of `referents`: held only while used (no drop glue).
fn reference_to(referents: Vec<Shape>) -> Vec<Shape> {
    referents
        .into_iter()
        .map(|s| {
            let mut s = s.wrapped(Layer::Ref);
            s.hazard.drop_glue = false;
            s
        })
        .collect()
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
