//! Calls and method calls: arguments are evaluated left to right, after the callee
//! and the receiver, and moved into the call (SEMANTICS §1: a by-value argument
//! ends a binding); what the call returns is the type sketch's answer
//! (`sketch::calls`). What is left here is what a call does to the places it is
//! given: `drop(g)` and `mem::take(&mut x)` move, `v.push(g)` stores, a local
//! closure that moves its captures is consumed by its call.

use crate::dataflow::{ByteRange, DropKind, Event};
use crate::hazard::table::{MEM_MOVE_OUT, YIELDING_ADAPTERS};
use crate::hazard::{HazardClass, Layer, NextUse, Shape};
use crate::sketch::calls::{inserting_layer, is_unwrap_like, ReceiverUse};

use super::scope::wrap_all;
use super::{strip_parens, value, Ctx, Lowerer, Operand, TooDeep};

impl<'a, 'ast> Lowerer<'a, 'ast> {
    pub(super) fn lower_call(
        &mut self,
        c: &'ast syn::ExprCall,
        span: ByteRange,
        ctx: Ctx,
    ) -> Result<Operand, TooDeep> {
        if let Some(l) = self.path_local(&c.func) {
            return self.call_local(l, c, span);
        }
        let path: Vec<String> = match strip_parens(&c.func) {
            syn::Expr::Path(p) => crate::resolve::file_index::path_names(&p.path),
            syn::Expr::Closure(closure) => {
                // `(|| m.lock().unwrap())()`: what the closure returns.
                let returns = self.closure_returns(closure);
                let op = self.lower_expr(&c.func, Ctx::PLAIN)?;
                self.consume(op);
                self.consume_args(&c.args)?;
                return Ok(value(returns, span));
            }
            other => {
                let op = self.lower_expr(other, Ctx::PLAIN)?;
                self.borrow(op);
                Vec::new()
            }
        };
        let taken_from = self.moved_out_of(&path, c);
        // Asked only where an answer is used (an async block among the arguments): it
        // resolves the path, through the dependencies too, for every call otherwise.
        let send_params = c
            .args
            .iter()
            .any(|a| matches!(strip_parens(a), syn::Expr::Async(_)))
            .then(|| self.sketch.send_future_params(&path))
            .flatten();
        // A tuple struct or variant constructor's arguments are extending too.
        let constructor = path
            .last()
            .is_some_and(|l| l.starts_with(char::is_uppercase));
        let arg_ctx = Ctx::extending(ctx.extending && constructor);
        let mut arg_shapes = Vec::new();
        let mut arg_referents = Vec::new();
        for (i, arg) in c.args.iter().enumerate() {
            let children = self.children.len();
            let op = self.lower_expr(arg, arg_ctx)?;
            if let (Some((name, params)), syn::Expr::Async(a)) = (&send_params, strip_parens(arg)) {
                // An async block passed where a `Send` future is needed.
                if params.contains(&i) && self.children.len() == children + 1 {
                    let at = crate::span::range(a.async_token.span);
                    if let Some(child) = self.children.last_mut() {
                        child.spawned_by = Some((name.clone(), at));
                    }
                }
            }
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
        if path.is_empty() {
            return Ok(Operand::None);
        }
        if let Some(l) = taken_from {
            return Ok(self.take_from_local(l, &path, arg_shapes, span));
        }
        let shapes =
            self.sketch
                .call_result(&path, &arg_shapes, &arg_referents, self.self_ty.as_deref());
        Ok(value(shapes, span))
    }

    /// A call of a local closure (or fn pointer): what it returns; a call of a
    /// closure that moves its captures consumes it.
    fn call_local(
        &mut self,
        l: usize,
        c: &'ast syn::ExprCall,
        span: ByteRange,
    ) -> Result<Operand, TooDeep> {
        self.consume_args(&c.args)?;
        let callable = self.locals[l].callable.clone().unwrap_or_default();
        let at = self.span_of(&c.func);
        if callable.fn_once {
            self.consume(Operand::Place(l, at));
        } else {
            self.mention(l);
        }
        Ok(value(callable.returns, span))
    }

    fn consume_args(
        &mut self,
        args: &'ast syn::punctuated::Punctuated<syn::Expr, syn::Token![,]>,
    ) -> Result<(), TooDeep> {
        for arg in args {
            let op = self.lower_expr(arg, Ctx::PLAIN)?;
            self.consume(op);
        }
        Ok(())
    }

    /// `mem::take(&mut x)` / `mem::replace(&mut x, v)`: the local whose hazard the
    /// call moves out.
    fn moved_out_of(&self, path: &[String], c: &'ast syn::ExprCall) -> Option<usize> {
        let [.., module, name] = path else {
            return None;
        };
        if module != "mem" || !MEM_MOVE_OUT.contains(&name.as_str()) {
            return None;
        }
        match strip_parens(c.args.first()?) {
            syn::Expr::Reference(r) => self.root_local(&r.expr),
            _ => None,
        }
    }

    /// The call returns what local `l` held, which ends there; `replace` puts its
    /// second argument in its place.
    fn take_from_local(
        &mut self,
        l: usize,
        path: &[String],
        mut args: Vec<Vec<Shape>>,
        span: ByteRange,
    ) -> Operand {
        let shapes = self.locals[l].shapes.clone();
        if let Some(v) = self.locals[l].value {
            self.emit(Event::Drop {
                value: v,
                at: span,
                kind: DropKind::Move,
            });
        }
        if path.last().is_some_and(|n| n == "replace") && args.len() > 1 {
            let new = args.swap_remove(1);
            self.give_shapes(l, new);
        }
        value(shapes, span)
    }

    pub(super) fn lower_method_call(
        &mut self,
        m: &'ast syn::ExprMethodCall,
        next: NextUse,
        span: ByteRange,
    ) -> Result<Operand, TooDeep> {
        let method = m.method.to_string();
        let recv_next = if is_unwrap_like(&method) {
            NextUse::Unwrap
        } else {
            NextUse::Other
        };
        let recv = self.lower_expr(&m.receiver, Ctx::followed_by(recv_next))?;
        let recv_shapes = self.shapes_of(&recv);
        // An `Rc` receiver derefs to what it points to: its own `!Send` shape says
        // nothing about the methods called through it.
        let recv_plain = recv_shapes
            .iter()
            .all(|s| s.hazard.class == HazardClass::NotSend);
        let mut result = self.use_receiver(&method, recv, &recv_shapes, m.args.is_empty());
        let receiver_local = self.root_local(&m.receiver);
        let stores = inserting_layer(&method);
        let mut arg_shapes = Vec::new();
        for arg in &m.args {
            let op = self.lower_expr(arg, Ctx::PLAIN)?;
            let shapes = self.consume(op);
            if let (Some(layer), Some(l), false) = (stores, receiver_local, shapes.is_empty()) {
                if self.locals[l].shapes.is_empty() {
                    self.give_shapes(l, wrap_all(shapes.clone(), layer));
                }
            }
            arg_shapes.push(shapes);
        }
        if let Some(given_back) = self.sketch.returned_argument(m, &arg_shapes, self) {
            // `cv.wait(g)`: the guard moved in comes back.
            result = given_back;
        }
        if recv_plain && YIELDING_ADAPTERS.contains(&method.as_str()) {
            // `iter.map(|s| s.lock().unwrap())` yields guards, `.map(Rc::new)` `Rc`s.
            let yielded = match m.args.first().map(strip_parens) {
                Some(syn::Expr::Closure(c)) => self.closure_returns(c),
                Some(syn::Expr::Path(p)) => {
                    let path = crate::resolve::file_index::path_names(&p.path);
                    self.sketch
                        .call_result(&path, &[Vec::new()], &[], self.self_ty.as_deref())
                }
                _ => Vec::new(),
            };
            if !yielded.is_empty() {
                result = wrap_all(yielded, &Layer::Iterator);
            }
        }
        if result.is_empty() && recv_plain {
            result = self.sketch.method_result(m, next, self);
            self.acquire(m, &result, span);
        }
        self.acquire_in_helper(m, span);
        Ok(value(result, span))
    }

    /// What the method does to its receiver (moved, borrowed, its hazard taken out),
    /// and what it returns of what the receiver held.
    fn use_receiver(
        &mut self,
        method: &str,
        recv: Operand,
        recv_shapes: &[Shape],
        no_args: bool,
    ) -> Vec<Shape> {
        let Some(effect) = self
            .sketch
            .held_receiver_method(method, recv_shapes, no_args)
        else {
            self.borrow(recv);
            return Vec::new();
        };
        match (effect.receiver, recv) {
            (ReceiverUse::Consume, recv) => {
                self.consume(recv);
                effect.result
            }
            (ReceiverUse::Borrow, recv) => {
                self.borrow(recv);
                effect.result
            }
            (ReceiverUse::TakeOut, recv @ (Operand::Place(..) | Operand::Field(..))) => {
                self.consume(recv);
                effect.result
            }
            (ReceiverUse::TakeOut, recv) => {
                self.borrow(recv);
                Vec::new()
            }
        }
    }
}
