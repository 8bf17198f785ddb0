//! Macro calls (SEMANTICS §6): a file's own simple `macro_rules!` are lowered as
//! their expansion; the arguments of a macro that parse as expressions are code,
//! evaluated in order (`println!("{}", f().await)`), with `assert!`'s condition a
//! temporary scope of its own; a macro that awaits inside (`select!`, `join!`, one
//! of the crate's) is a yield point; anything else is scanned for the locals it
//! names and an `.await`.

use std::ops::ControlFlow;

use proc_macro2::TokenStream;
use syn::punctuated::Punctuated;
use typed_arena::Arena;

use crate::dataflow::ByteRange;
use crate::diagnostic::YieldKind;
use crate::hazard::Layer;
use crate::resolve::macros::{walk_tokens, TokenItem};
use crate::span::range;

use super::scope::wrap_all;
use super::{dedup, value, Ctx, Lowerer, Operand, ScopeKind, TooDeep};

impl<'a, 'ast> Lowerer<'a, 'ast> {
    pub(super) fn lower_macro(
        &mut self,
        mac: &'ast syn::Macro,
        span: ByteRange,
        ctx: Ctx,
    ) -> Result<Operand, TooDeep> {
        // One of the crate's `macro_rules!`: what it expands to. (One that awaits and
        // does not expand stays a yield point of its own, "this macro awaits".)
        let index = self.index();
        if let Some(expansion) = index.expand_macro_rules(mac) {
            let expr: &'ast syn::Expr = &self.arena.exprs.alloc(vec![expansion])[0];
            return index.expanding(|| self.lower_expr(expr, Ctx::PLAIN));
        }
        self.lower_unexpanded_macro(mac, span, ctx)
    }

    /// A macro call that is none of the crate's `macro_rules!` (or does not expand).
    pub(super) fn lower_unexpanded_macro(
        &mut self,
        mac: &'ast syn::Macro,
        span: ByteRange,
        ctx: Ctx,
    ) -> Result<Operand, TooDeep> {
        let index = self.index();
        // One of the ecosystem's async macros: its parts, in their order.
        let grammar = crate::hazard::macros::grammar_of(&index.resolve(&mac.path));
        if let Some(parsed) = grammar.and_then(|g| super::async_macros::parse(g, mac)) {
            let parsed = &*self.arena.macros.alloc(parsed);
            return self.lower_async_macro(parsed, span, ctx);
        }
        let name = mac
            .path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default();
        let awaits_inside = index.is_awaiting_macro(&name);
        let parsed = parse_macro_args(mac, &name, &self.arena.exprs);
        let shapes = match parsed {
            Some(args) => {
                let shapes = self.lower_macro_args(&name, args)?;
                if awaits_inside {
                    self.yield_point(span, YieldKind::Macro);
                }
                shapes
            }
            None => {
                self.scan_tokens(&mac.tokens, span, awaits_inside);
                Vec::new()
            }
        };
        if name == "vec" {
            return Ok(value(dedup(wrap_all(shapes, &Layer::Element)), span));
        }
        if name == "dbg" && parsed.is_some_and(|args| args.len() == 1) {
            // `dbg!(x)` returns `x`.
            return Ok(value(shapes, span));
        }
        Ok(Operand::None)
    }

    /// A macro's arguments, in order: moved into `vec!` and `dbg!`, borrowed by the
    /// others (format macros take references).
    fn lower_macro_args(
        &mut self,
        name: &str,
        args: &'ast [syn::Expr],
    ) -> Result<Vec<crate::hazard::Shape>, TooDeep> {
        let by_value = matches!(name, "vec" | "dbg");
        // `assert!(cond, ..)` expands to `if !cond { panic!(..) }`: the condition is
        // a temporary scope of its own, ended before the message runs.
        let condition_first = matches!(name, "assert" | "debug_assert");
        let mut shapes = Vec::new();
        for (i, arg) in args.iter().enumerate() {
            let scoped = condition_first && i == 0;
            if scoped {
                let r = self.span_of(arg);
                self.push_scope(ScopeKind::Temporaries, (r.1, r.1));
            }
            if let syn::Expr::Lit(l) = arg_ref(arg) {
                // `println!("{g:?}")` reads `g`.
                self.format_string_uses(&l.lit);
            }
            let op = self.lower_expr(arg_ref(arg), Ctx::PLAIN)?;
            if by_value {
                shapes.extend(self.consume(op));
            } else {
                self.borrow(op);
            }
            if scoped {
                self.pop_scope();
            }
        }
        Ok(shapes)
    }

    /// Tokens that do not parse as expressions: mention every local they name, and
    /// count an `.await` among them (or a known awaiting macro) as a yield point.
    pub(super) fn scan_tokens(&mut self, tokens: &TokenStream, span: ByteRange, awaits: bool) {
        let mut idents = Vec::new();
        let mut await_at = None;
        scan_idents(tokens, &mut idents, &mut await_at);
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

/// The identifiers of `tokens` with where they are, and where its first `.await`
/// is.
pub(super) fn scan_idents(
    tokens: &TokenStream,
    idents: &mut Vec<(String, ByteRange)>,
    await_at: &mut Option<ByteRange>,
) {
    let _ = walk_tokens(tokens, &mut |item| {
        match item {
            TokenItem::Await(i) => {
                if await_at.is_none() {
                    *await_at = Some(range(i.span()));
                }
            }
            TokenItem::Ident(i) => idents.push((i.to_string(), range(i.span()))),
        }
        ControlFlow::Continue(())
    });
}
