//! Control flow: branches join as "maybe held", loops run back to their head, and
//! the heads of `match`, `if let`, `while let` and `for` keep their temporaries for
//! the whole construct (SEMANTICS §3); edition 2024 ends an `if let`'s before its
//! `else` (§4). `break`, `continue` and a failed pattern leave the scopes they jump
//! out of, dropping what those hold.

use crate::dataflow::{BlockId, ByteRange};
use crate::held::Origin;
use crate::input::edition::Edition;
use crate::sketch::TyHint;
use crate::span::{self, range};

use super::pattern::{is_irrefutable, pattern_takes, split_type};
use super::{
    dedup, value, Ctx, LoopCtx, Lowerer, Operand, ScopeKind, TailScope, TempScope, TooDeep,
};
use crate::hazard::{Layer, Shape};

impl<'a, 'ast> Lowerer<'a, 'ast> {
    pub(super) fn lower_labeled_block(
        &mut self,
        label: Option<&'ast syn::Label>,
        block: &'ast syn::Block,
        ctx: Ctx,
    ) -> Result<Operand, TooDeep> {
        let Some(label) = label else {
            return self.lower_block_value(block, ctx);
        };
        let exit = self.new_block();
        self.loops.push(LoopCtx {
            label: Some(label.name.ident.to_string()),
            break_to: exit,
            continue_to: None,
            depth: self.scopes.len(),
            break_shapes: Vec::new(),
        });
        let op = self.lower_block_value(block, ctx)?;
        let mut shapes = self.consume(op);
        self.goto(exit);
        self.cur = exit;
        shapes.extend(self.loops_pop());
        Ok(value(shapes, span::block(block)))
    }

    /// A block used as a value (`{ .. }`, `unsafe { .. }`, `try { .. }`).
    pub(super) fn lower_block_value(
        &mut self,
        block: &'ast syn::Block,
        ctx: Ctx,
    ) -> Result<Operand, TooDeep> {
        self.lower_block(block, TailScope::Enclosing, ctx.branch())
    }

    fn loops_pop(&mut self) -> Vec<Shape> {
        self.loops.pop().map(|l| l.break_shapes).unwrap_or_default()
    }

    /// The target of a `break`/`continue`: the labelled loop or block, or without a
    /// label the innermost loop (never a labelled block).
    pub(super) fn find_loop(&self, label: Option<&str>) -> Option<usize> {
        self.loops.iter().rposition(|l| match label {
            Some(name) => l.label.as_deref() == Some(name),
            None => l.continue_to.is_some(),
        })
    }

    /// `loop { .. }`: its value is what its `break`s carry.
    pub(super) fn lower_loop(
        &mut self,
        l: &'ast syn::ExprLoop,
        span: ByteRange,
    ) -> Result<Operand, TooDeep> {
        let head = self.new_block();
        let exit = self.new_block();
        self.goto(head);
        self.cur = head;
        self.lower_loop_body(l.label.as_ref(), &l.body, head, exit, self.scopes.len())?;
        self.goto(head);
        self.cur = exit;
        let shapes = self.loops_pop();
        Ok(value(shapes, span))
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
        self.push_scope(ScopeKind::Temporaries, end);
        let op = self.lower_block(body, TailScope::Own, Ctx::PLAIN)?;
        self.discard(op);
        self.pop_scope();
        Ok(())
    }

    pub(super) fn lower_if(&mut self, i: &'ast syn::ExprIf, ctx: Ctx) -> Result<Operand, TooDeep> {
        let base = self.scopes.len();
        let else_entry = self.new_block();
        let is_let = cond_has_let(&i.cond);
        let cond_end = self.span_of(&i.cond);
        let then_end = range(i.then_branch.brace_token.span.close());
        if is_let && self.edition >= Edition::E2024 {
            // 2024: the scrutinee's temporaries end before the `else` block.
            self.push_scope(ScopeKind::Temporaries, then_end);
        }
        self.push_scope(ScopeKind::Bindings, then_end);
        self.lower_condition(&i.cond, base, else_entry, cond_end)?;
        let op = self.lower_block_in_scope(&i.then_branch, ctx)?;
        let mut shapes = self.consume(op);
        while self.scopes.len() > base {
            self.pop_scope();
        }
        let then_exit = self.cur;
        self.cur = else_entry;
        if let Some((_, else_expr)) = &i.else_branch {
            let r = self.span_of(else_expr);
            self.push_scope(ScopeKind::Temporaries, (r.1, r.1));
            let op = self.lower_expr(else_expr, ctx.branch())?;
            shapes.extend(self.consume(op));
            self.pop_scope();
        }
        let join = self.new_block();
        self.goto(join);
        self.cur = then_exit;
        self.goto(join);
        self.cur = join;
        // `span::if_expr`, with the `else if` chain's end remembered.
        let end = match &i.else_branch {
            Some((_, els)) => self.span_of(els).1,
            None => then_end.1,
        };
        Ok(value(dedup(shapes), (range(i.if_token.span).0, end)))
    }

    /// A block that is a temporary scope of its own (the body of `if`).
    fn lower_block_in_scope(
        &mut self,
        block: &'ast syn::Block,
        ctx: Ctx,
    ) -> Result<Operand, TooDeep> {
        let end = range(block.brace_token.span.close());
        self.push_scope(ScopeKind::Temporaries, end);
        let op = self.lower_block(block, TailScope::Own, ctx.branch())?;
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
                syn::Expr::Let(l) => self.lower_let_condition(l, base, else_entry, cond_end)?,
                other => {
                    // A plain `if` condition, or an operand of a `&&` let chain, is
                    // a temporary scope.
                    self.lower_in_temp_scope(other)?;
                    self.test_failure(base, else_entry, cond_end, None);
                }
            }
        }
        Ok(())
    }

    /// `let P = e` in a condition: what `P` binds of `e`; the rest of a fresh value
    /// is a scrutinee temporary.
    fn lower_let_condition(
        &mut self,
        l: &'ast syn::ExprLet,
        base: usize,
        else_entry: BlockId,
        cond_end: ByteRange,
    ) -> Result<(), TooDeep> {
        let op = self.lower_expr(&l.expr, Ctx::PLAIN)?;
        let mut unmatched = None;
        let op = match op {
            Operand::Value(shapes, span)
                if !shapes.iter().any(|s| pattern_takes(&l.pat, s).is_some()) =>
            {
                // Nothing binds it: the scrutinee lives on as a temporary.
                self.temporary(shapes, span, TempScope::Scrutinee);
                Operand::None
            }
            Operand::Value(shapes, span) => {
                // When the pattern fails, nothing was moved out of it: the whole
                // value is a temporary of the `else` path too.
                unmatched = Some((shapes.clone(), span));
                Operand::Value(shapes, span)
            }
            op => op,
        };
        if !is_irrefutable(&l.pat) {
            self.test_failure(base, else_entry, cond_end, unmatched);
        }
        let (pat, ty) = split_type(&l.pat);
        let hint = ty.map(TyHint::Type).unwrap_or(TyHint::None);
        let borrowed = self.pattern_borrows(pat, &l.expr);
        let first = self.locals.len();
        self.bind(pat, op, hint, None, Origin::Binding, true);
        self.bound_borrowing(first, &borrowed);
        Ok(())
    }

    /// A refutable test: the failure path leaves every scope above `base` (and, with
    /// `unmatched`, first holds the unmatched scrutinee as a temporary).
    fn test_failure(
        &mut self,
        base: usize,
        else_entry: BlockId,
        at: ByteRange,
        unmatched: Option<(Vec<Shape>, ByteRange)>,
    ) {
        let (ok, fail) = self.branch();
        self.cur = fail;
        if let Some((shapes, span)) = unmatched {
            self.temporary(shapes, span, TempScope::Scrutinee);
        }
        self.emit_exit_drops(base, at);
        self.goto(else_entry);
        self.cur = ok;
    }

    pub(super) fn lower_match(
        &mut self,
        m: &'ast syn::ExprMatch,
        ctx: Ctx,
    ) -> Result<Operand, TooDeep> {
        let op = self.lower_expr(&m.expr, Ctx::PLAIN)?;
        // The scrutinee's temporaries live to the end of the enclosing statement.
        let op = match op {
            Operand::Value(shapes, span)
                if !m.arms.iter().any(|a| {
                    shapes
                        .iter()
                        .any(|s| pattern_takes(arm_pat(a), s).is_some())
                }) =>
            {
                self.temporary(shapes, span, TempScope::Scrutinee);
                Operand::None
            }
            op => op,
        };
        let head = self.cur;
        let join = self.new_block();
        let mut shapes = Vec::new();
        for arm in &m.arms {
            if self.cfg_off(&arm.attrs) {
                continue;
            }
            self.cur = self.new_block();
            self.graph.edge(head, self.cur);
            shapes.extend(self.lower_arm(arm, op.clone(), Some(&m.expr), ctx)?);
            self.goto(join);
        }
        self.cur = join;
        Ok(value(dedup(shapes), span::match_expr(m)))
    }

    /// One arm: its pattern binds from the scrutinee (whose expression, when there
    /// is one, says what its bindings may borrow), its guard and its body are
    /// temporary scopes.
    pub(super) fn lower_arm(
        &mut self,
        arm: &'ast syn::Arm,
        scrutinee: Operand,
        scrutinee_expr: Option<&'ast syn::Expr>,
        ctx: Ctx,
    ) -> Result<Vec<Shape>, TooDeep> {
        let body_end = self.span_of(&arm.body);
        self.push_scope(ScopeKind::Bindings, (body_end.1, body_end.1));
        let (pat, guard) = match &arm.pat {
            syn::Pat::Guard(g) => (&*g.pat, Some(&*g.guard)),
            p => (p, None),
        };
        let borrowed = scrutinee_expr.map(|e| self.pattern_borrows(pat, e));
        let first = self.locals.len();
        self.bind(pat, scrutinee, TyHint::None, None, Origin::Binding, true);
        self.bound_borrowing(first, &borrowed.unwrap_or_default());
        if let Some(guard) = guard {
            self.lower_in_temp_scope(guard)?;
        }
        self.push_scope(ScopeKind::Temporaries, (body_end.1, body_end.1));
        let op = self.lower_expr(&arm.body, ctx.branch())?;
        let shapes = self.consume(op);
        self.pop_scope();
        self.pop_scope();
        Ok(shapes)
    }

    pub(super) fn lower_while(&mut self, w: &'ast syn::ExprWhile) -> Result<Operand, TooDeep> {
        let head = self.new_block();
        let exit = self.new_block();
        self.goto(head);
        self.cur = head;
        let base = self.scopes.len();
        let body_end = range(w.body.brace_token.span.close());
        // The condition (and a `while let` scrutinee) ends with each iteration.
        self.push_scope(ScopeKind::Temporaries, body_end);
        self.push_scope(ScopeKind::Bindings, body_end);
        self.lower_condition(&w.cond, base, exit, self.span_of(&w.cond))?;
        self.lower_loop_body(w.label.as_ref(), &w.body, head, exit, base)?;
        self.pop_scope();
        self.pop_scope();
        self.goto(head);
        self.loops_pop();
        self.cur = exit;
        Ok(Operand::None)
    }

    pub(super) fn lower_for(&mut self, f: &'ast syn::ExprForLoop) -> Result<Operand, TooDeep> {
        // The iterator expression's temporaries live through the whole loop.
        let op = self.lower_expr(&f.expr, Ctx::PLAIN)?;
        let iter_span = self.span_of(&f.expr);
        let shapes = self.consume(op);
        // Each item goes to the loop's pattern; an iterator over a collection keeps
        // the items not yet taken, a lazy one (`.map(|m| m.lock().unwrap())`) none.
        let items: Vec<Shape> = shapes
            .iter()
            .filter_map(|s| {
                s.peel(|l| {
                    matches!(
                        l,
                        Layer::Element | Layer::Field(_) | Layer::Index(_) | Layer::Iterator
                    )
                })
            })
            .collect();
        let kept: Vec<Shape> = shapes
            .into_iter()
            .filter(|s| s.outer() != Some(&Layer::Iterator))
            .collect();
        self.temporary(kept, iter_span, TempScope::Scrutinee);
        let head = self.new_block();
        let exit = self.new_block();
        self.goto(head);
        self.cur = head;
        let (body, out) = self.branch();
        self.graph.edge(out, exit);
        self.cur = body;
        let base = self.scopes.len();
        self.push_scope(ScopeKind::Bindings, range(f.body.brace_token.span.close()));
        let (pat, _) = split_type(&f.pat);
        let item = value(dedup(items), iter_span);
        let borrowed = self.borrowed_by(&f.expr);
        let first = self.locals.len();
        self.bind(pat, item, TyHint::None, None, Origin::Binding, false);
        self.bound_borrowing(first, &borrowed);
        self.lower_loop_body(f.label.as_ref(), &f.body, head, exit, base)?;
        self.pop_scope();
        self.goto(head);
        self.loops_pop();
        self.cur = exit;
        Ok(Operand::None)
    }
}

fn cond_has_let(e: &syn::Expr) -> bool {
    match e {
        syn::Expr::Let(_) => true,
        syn::Expr::Binary(b) if matches!(b.op, syn::BinOp::And(_)) => {
            cond_has_let(&b.left) || cond_has_let(&b.right)
        }
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

fn arm_pat(arm: &syn::Arm) -> &syn::Pat {
    match &arm.pat {
        syn::Pat::Guard(g) => &g.pat,
        p => p,
    }
}
