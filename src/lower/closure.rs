//! Closures and async blocks (SEMANTICS §6): each is a body of its own, lowered
//! after this one with the locals it can see. A `move` body (or one that moves a
//! capture out, `|| drop(g)`) takes what it captures, which then holds for the whole
//! body; what it returns is found by a throw-away lowering of it.

use crate::support::hash::{HashMap, HashSet};
use std::cell::RefCell;
use std::rc::Rc;

use crate::dataflow::{ByteRange, DropKind, Event, ValueId};
use crate::hazard::{Layer, Shape};
use crate::held::{BodyKind, Origin};
use crate::span::range;

use super::pattern::collect_bindings;
use super::scope::wrap_all;
use super::{value, BodyRef, Callable, ChildBody, ChildSyntax, EnvLocal, Lowerer, Operand};

impl<'a, 'ast> Lowerer<'a, 'ast> {
    /// The locals a nested body can see, with what the body owns of them.
    fn env_for(
        &mut self,
        mentioned: &HashSet<String>,
        by_move: bool,
        at: ByteRange,
    ) -> (Vec<EnvLocal<'ast>>, Vec<Shape>) {
        let mut env = Vec::new();
        let mut seen = HashSet::default();
        let mut moved = Vec::new();
        for &l in self.visible.clone().iter().rev() {
            let name = self.locals[l].name.clone();
            if !mentioned.contains(&name) || !seen.insert(name.clone()) {
                continue;
            }
            let shapes = self.locals[l].shapes.clone();
            let owned = if by_move && !shapes.is_empty() {
                self.consume(Operand::Place(l, at));
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
    pub(super) fn closure_returns(&self, c: &'ast syn::ExprClosure) -> Vec<Shape> {
        let params: Vec<_> = c.inputs.iter().map(|p| (p, None)).collect();
        let shapes = self.body_returns(BodyRef::Expr(&c.body), &params, c.capture.is_some());
        if c.asyncness.is_some() {
            wrap_all(shapes, &Layer::Future)
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
        if self.summarizing {
            return None;
        }
        let mut inner = Lowerer::new(
            self.sketch,
            self.arena,
            self.edition,
            BodyKind::Plain,
            self.self_ty.clone(),
        );
        inner.summarizing = true;
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
            return HashSet::default();
        }
        let Some(inner) = self.summary_lowerer() else {
            return Default::default();
        };
        let params: Vec<_> = c.inputs.iter().map(|p| (p, None)).collect();
        let Ok(body) = inner.lower_fn(&params, &env, BodyRef::Expr(&c.body)) else {
            return HashSet::default();
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

    /// A closure: a body of its own (a coroutine if async or `#[coroutine]`), the
    /// value holding what it captured by move, and what calling it does.
    pub(super) fn lower_closure(
        &mut self,
        c: &'ast syn::ExprClosure,
        span: ByteRange,
    ) -> (Operand, Callable) {
        let mut mentioned = captured_names(BodyRef::Expr(&c.body), &self.arena.mentions);
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
        let callable = Callable {
            returns: self.closure_returns(c),
            fn_once,
        };
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
            spawned_by: None,
        });
        (value(wrap_all(moved, &Layer::Capture), span), callable)
    }

    pub(super) fn lower_async_block(
        &mut self,
        a: &'ast syn::ExprAsync,
        span: ByteRange,
    ) -> Operand {
        let mentioned = captured_names(BodyRef::Block(&a.block), &self.arena.mentions);
        let by_move = a.capture.is_some();
        let (env, moved) = self.env_for(&mentioned, by_move, span);
        // What awaiting it produces (`async { m.lock().unwrap() }` stored, awaited later).
        let output = wrap_all(
            self.body_returns(BodyRef::Block(&a.block), &[], by_move),
            &Layer::Future,
        );
        self.children.push(ChildBody {
            kind: BodyKind::AsyncBlock,
            body: ChildSyntax::Block(&a.block),
            env,
            self_ty: self.self_ty.clone(),
            spawned_by: None,
        });
        let mut shapes = wrap_all(moved, &Layer::Capture);
        shapes.extend(output);
        value(shapes, span)
    }
}

/// Every single-segment path (and identifier inside a macro) a body mentions,
/// with where: what a closure or async block may capture.
#[derive(Default, Clone)]
pub struct Mentions {
    pub idents: Vec<(String, ByteRange)>,
    /// Names bound by patterns (lets, closure parameters, arms) in the body.
    bindings: Vec<(String, ByteRange)>,
}

/// The mentions of the file's nested bodies, by the address of their syntax (which
/// lives as long as the file's tree): each nested body is walked once, and an
/// enclosing body takes its inner bodies' mentions from here instead of walking them
/// again, so that closures nested n deep cost n walks, not n² (issue 14's fuzzer).
#[derive(Default)]
pub struct MentionsCache(RefCell<HashMap<(bool, usize), Rc<Mentions>>>);

impl MentionsCache {
    fn of(&self, body: BodyRef<'_>) -> Rc<Mentions> {
        let key = match body {
            BodyRef::Block(b) => (true, b as *const syn::Block as usize),
            BodyRef::Expr(e) => (false, e as *const syn::Expr as usize),
        };
        if let Some(known) = self.0.borrow().get(&key) {
            return known.clone();
        }
        use syn::visit::Visit;
        let mut walk = Walk {
            out: Mentions::default(),
            cache: self,
        };
        match body {
            BodyRef::Block(b) => walk.visit_block(b),
            BodyRef::Expr(e) => walk.visit_expr(e),
        }
        let m = Rc::new(walk.out);
        self.0.borrow_mut().insert(key, m.clone());
        m
    }
}

/// The walk that makes a body's `Mentions`.
struct Walk<'c> {
    out: Mentions,
    cache: &'c MentionsCache,
}

impl Walk<'_> {
    fn take(&mut self, inner: &Mentions) {
        self.out.idents.extend(inner.idents.iter().cloned());
        self.out.bindings.extend(inner.bindings.iter().cloned());
    }
}

impl<'ast> syn::visit::Visit<'ast> for Walk<'_> {
    fn visit_expr_path(&mut self, p: &'ast syn::ExprPath) {
        if let Some(i) = p.path.get_ident() {
            self.out.idents.push((i.to_string(), range(i.span())));
        }
        syn::visit::visit_expr_path(self, p);
    }

    fn visit_pat_ident(&mut self, p: &'ast syn::PatIdent) {
        self.out
            .bindings
            .push((p.ident.to_string(), range(p.ident.span())));
        syn::visit::visit_pat_ident(self, p);
    }

    /// A `let` binds its names after its initialiser runs: `let g = g;` uses the `g`
    /// from outside, so its bindings count from the end of the statement.
    fn visit_local(&mut self, l: &'ast syn::Local) {
        if let Some(init) = &l.init {
            self.visit_expr(&init.expr);
            if let Some((_, diverge)) = &init.diverge {
                self.visit_expr(diverge);
            }
        }
        let end = crate::span::local(l).1;
        let mut names = Walk {
            out: Mentions::default(),
            cache: self.cache,
        };
        names.visit_pat(&l.pat);
        self.out.idents.extend(names.out.idents);
        self.out
            .bindings
            .extend(names.out.bindings.into_iter().map(|(n, _)| (n, (end, end))));
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        let mut await_at = None;
        super::macros::scan_idents(&m.tokens, &mut self.out.idents, &mut await_at);
    }

    /// A nested closure: its parameters, then its body's mentions, walked once.
    fn visit_expr_closure(&mut self, c: &'ast syn::ExprClosure) {
        for input in &c.inputs {
            self.visit_pat(input);
        }
        let inner = self.cache.of(BodyRef::Expr(&c.body));
        self.take(&inner);
    }

    fn visit_expr_async(&mut self, a: &'ast syn::ExprAsync) {
        let inner = self.cache.of(BodyRef::Block(&a.block));
        self.take(&inner);
    }
}

/// The names a nested body uses from outside: mentioned before the body binds
/// the same name itself (a later `let g = ..` inside does not capture `g`).
pub(super) fn captured_names(body: BodyRef<'_>, cache: &MentionsCache) -> HashSet<String> {
    let m = cache.of(body);
    let mut first_binding: HashMap<&str, usize> = Default::default();
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

pub(super) fn first_mention(
    body: BodyRef<'_>,
    name: &str,
    cache: &MentionsCache,
) -> Option<ByteRange> {
    cache
        .of(body)
        .idents
        .iter()
        .filter(|(n, _)| n == name)
        .map(|(_, r)| *r)
        .min()
}
