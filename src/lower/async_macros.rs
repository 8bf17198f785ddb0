//! The async macros of the ecosystem as code (their grammars are rows of
//! `hazard::macros`): each is parsed into its parts and lowered in the order its
//! expansion evaluates them. A `select!` is a block: the preconditions, then
//! `let output = { let futures = (f0, f1, ..); poll_fn(..).await };` (the futures'
//! temporaries end with that `let`, the ones it extends and the futures with the
//! inner block, after the wait), then `match output { pat0 => handler0, .. }` with
//! the output of the branch that completed. A `join!` evaluates its futures the same
//! way and is the tuple of their outputs; `pin_mut!(x)` is `let mut x = x;`.

use syn::parse::{ParseStream, Parser};

use crate::dataflow::ByteRange;
use crate::diagnostic::YieldKind;
use crate::hazard::macros::{MacroGrammar, SelectFlavor};
use crate::hazard::{Layer, Member, Shape};
use crate::held::Origin;

use super::pattern::pattern_takes;
use super::scope::wrap_all;
use super::{dedup, value, Ctx, Lowerer, Operand, ScopeKind, TooDeep};

/// A parsed call of an async macro.
pub enum AsyncMacro {
    Select(Box<Select>),
    Join {
        futures: Vec<syn::Expr>,
        tried: bool,
    },
    /// The locals a pinning macro pins, in order.
    Pin(Vec<Pinned>),
    Pending,
}

pub struct Select {
    /// Tokio's or futures' (never `Unknown` once parsed).
    pub flavor: SelectFlavor,
    pub branches: Vec<Branch>,
    /// Tokio's `else`, futures' `complete`: runs after the wait when no branch is
    /// left.
    pub after_all: Option<syn::Expr>,
    /// Futures' `default`: the macro polls once and runs it if nothing is ready.
    pub default: Option<syn::Expr>,
}

/// `pin_mut!(x)` is `let mut x = x; let mut x = unsafe { Pin::new_unchecked(&mut x) };`:
/// the value moves into a binding no code can name, and `x` is now a reference to
/// it (dropping `x` drops the reference, not the value). tokio's `pin! { let x = e; }`
/// binds `x` first.
pub struct Pinned {
    pub name: syn::Ident,
    pub init: Option<syn::Local>,
}

pub struct Branch {
    pub future: syn::Expr,
    pub precondition: Option<syn::Expr>,
    /// The branch's pattern and handler, as the arm of the expansion's `match`.
    pub arm: syn::Arm,
}

mod kw {
    syn::custom_keyword!(biased);
    syn::custom_keyword!(complete);
}

/// The call parsed by its grammar, or `None` if it does not fit (it is then
/// scanned as tokens, as any other macro).
pub fn parse(grammar: MacroGrammar, mac: &syn::Macro) -> Option<AsyncMacro> {
    let tokens = mac.tokens.clone();
    let parsed = match grammar {
        MacroGrammar::Select(flavor) => {
            (|input: ParseStream| parse_select(input, flavor)).parse2(tokens)
        }
        MacroGrammar::Join | MacroGrammar::TryJoin => {
            let tried = grammar == MacroGrammar::TryJoin;
            (|input: ParseStream| parse_join(input, tried)).parse2(tokens)
        }
        MacroGrammar::PinLocals => parse_pin.parse2(tokens),
        MacroGrammar::Pending => {
            tokens
                .is_empty()
                .then_some(AsyncMacro::Pending)
                .ok_or_else(|| {
                    syn::Error::new(proc_macro2::Span::call_site(), "pending! takes nothing")
                })
        }
    };
    parsed.ok()
}

fn parse_select(input: ParseStream, flavor: SelectFlavor) -> syn::Result<AsyncMacro> {
    let mut s = Select {
        flavor,
        branches: Vec::new(),
        after_all: None,
        default: None,
    };
    let futures_cases = flavor != SelectFlavor::Tokio;
    if flavor != SelectFlavor::Futures && input.peek(kw::biased) && input.peek2(syn::Token![;]) {
        input.parse::<kw::biased>()?;
        input.parse::<syn::Token![;]>()?;
        s.flavor = SelectFlavor::Tokio;
    }
    while !input.is_empty() {
        let arrow_next = input.peek2(syn::Token![=>]);
        let handler = if input.peek(syn::Token![else]) && arrow_next {
            input.parse::<syn::Token![else]>()?;
            input.parse::<syn::Token![=>]>()?;
            s.flavor = SelectFlavor::Tokio;
            s.after_all
                .insert(syn::Expr::parse_with_earlier_boundary_rule(input)?)
        } else if futures_cases && input.peek(kw::complete) && arrow_next {
            input.parse::<kw::complete>()?;
            input.parse::<syn::Token![=>]>()?;
            s.flavor = SelectFlavor::Futures;
            s.after_all
                .insert(syn::Expr::parse_with_earlier_boundary_rule(input)?)
        } else if futures_cases && input.peek(syn::Token![default]) && arrow_next {
            input.parse::<syn::Token![default]>()?;
            input.parse::<syn::Token![=>]>()?;
            s.flavor = SelectFlavor::Futures;
            s.default
                .insert(syn::Expr::parse_with_earlier_boundary_rule(input)?)
        } else {
            let branch = parse_branch(input)?;
            if branch.precondition.is_some() {
                s.flavor = SelectFlavor::Tokio;
            }
            s.branches.push(branch);
            &mut *s.branches.last_mut().expect("just pushed").arm.body
        };
        // A block handler needs no comma after it.
        if matches!(handler, syn::Expr::Block(_)) || input.is_empty() {
            input.parse::<Option<syn::Token![,]>>()?;
        } else {
            input.parse::<syn::Token![,]>()?;
        }
    }
    if s.flavor == SelectFlavor::Unknown {
        s.flavor = SelectFlavor::Tokio;
    }
    Ok(AsyncMacro::Select(Box::new(s)))
}

/// `pat = future (, if precondition)? => handler`
fn parse_branch(input: ParseStream) -> syn::Result<Branch> {
    let pat = syn::Pat::parse_multi_with_leading_vert(input)?;
    input.parse::<syn::Token![=]>()?;
    let future: syn::Expr = input.parse()?;
    let precondition = if input.peek(syn::Token![,]) && input.peek2(syn::Token![if]) {
        input.parse::<syn::Token![,]>()?;
        input.parse::<syn::Token![if]>()?;
        Some(input.parse()?)
    } else {
        None
    };
    let fat_arrow_token = input.parse::<syn::Token![=>]>()?;
    let handler = syn::Expr::parse_with_earlier_boundary_rule(input)?;
    Ok(Branch {
        future,
        precondition,
        arm: syn::Arm {
            attrs: Vec::new(),
            pat,
            fat_arrow_token,
            body: Box::new(handler),
            comma: None,
        },
    })
}

/// `(biased;)? a, b, ..`
fn parse_join(input: ParseStream, tried: bool) -> syn::Result<AsyncMacro> {
    if input.peek(kw::biased) && input.peek2(syn::Token![;]) {
        input.parse::<kw::biased>()?;
        input.parse::<syn::Token![;]>()?;
    }
    let futures =
        syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated(input)?;
    Ok(AsyncMacro::Join {
        futures: futures.into_iter().collect(),
        tried,
    })
}

/// `a, b` or tokio's `let a = e; ..`.
fn parse_pin(input: ParseStream) -> syn::Result<AsyncMacro> {
    let mut pinned = Vec::new();
    if input.peek(syn::Token![let]) {
        while !input.is_empty() {
            let syn::Stmt::Local(local) = input.parse::<syn::Stmt>()? else {
                return Err(input.error("expected `let name = expr;`"));
            };
            let syn::Pat::Ident(p) = super::pattern::split_type(&local.pat).0 else {
                return Err(input.error("expected `let name = expr;`"));
            };
            pinned.push(Pinned {
                name: p.ident.clone(),
                init: Some(local),
            });
        }
    } else {
        let names =
            syn::punctuated::Punctuated::<syn::Ident, syn::Token![,]>::parse_terminated(input)?;
        pinned.extend(names.into_iter().map(|name| Pinned { name, init: None }));
    }
    Ok(AsyncMacro::Pin(pinned))
}

/// How a macro evaluates its futures.
#[derive(Clone, Copy)]
struct Evaluation {
    /// They are the elements of a `let` tuple: borrowed temporaries extend to the
    /// macro's inner block.
    extending: bool,
    /// A future given as a path is polled where it is, not moved (futures' `select!`).
    in_place: bool,
    /// The macro waits (futures' `select!` with `default` polls once).
    waits: bool,
}

impl<'a, 'ast> Lowerer<'a, 'ast> {
    pub(super) fn lower_async_macro(
        &mut self,
        m: &'ast AsyncMacro,
        span: ByteRange,
        ctx: Ctx,
    ) -> Result<Operand, TooDeep> {
        match m {
            AsyncMacro::Select(s) => self.lower_select(s, span, ctx),
            AsyncMacro::Join { futures, tried } => {
                let how = Evaluation {
                    extending: false,
                    in_place: false,
                    waits: true,
                };
                let outputs = self.poll_futures(futures.iter(), how, span)?;
                let mut shapes: Vec<Shape> = Vec::new();
                for (i, output) in outputs.into_iter().enumerate() {
                    // `try_join!` makes a tuple of each future's `Ok` value.
                    let output = match tried {
                        true => output
                            .iter()
                            .map(|s| s.peel(|l| *l == Layer::Result).unwrap_or_else(|| s.clone()))
                            .collect(),
                        false => output,
                    };
                    shapes.extend(wrap_all(output, &Layer::Field(Member::Unnamed(i))));
                }
                if *tried {
                    shapes = wrap_all(shapes, &Layer::Result);
                }
                Ok(value(dedup(shapes), span))
            }
            AsyncMacro::Pin(pinned) => {
                for p in pinned {
                    self.lower_pinned(p)?;
                }
                Ok(Operand::None)
            }
            AsyncMacro::Pending => {
                self.yield_point(span, YieldKind::Macro);
                Ok(Operand::None)
            }
        }
    }

    fn lower_pinned(&mut self, p: &'ast Pinned) -> Result<(), TooDeep> {
        if let Some(local) = &p.init {
            self.lower_let(local, None)?;
        }
        let name = p.name.to_string();
        let Some(l) = self.lookup(&name) else {
            return Ok(());
        };
        let at = crate::span::range(p.name.span());
        let hint = self.locals[l].hint.clone();
        let shapes = self.consume(Operand::Place(l, at));
        let holder = self.declare_local(name.clone(), hint, at, None, Origin::Binding);
        self.give_shapes(holder, shapes);
        self.declare_local(name, crate::sketch::TyHint::None, at, None, Origin::Binding);
        Ok(())
    }

    fn lower_select(
        &mut self,
        s: &'ast Select,
        span: ByteRange,
        ctx: Ctx,
    ) -> Result<Operand, TooDeep> {
        let end = (span.1, span.1);
        // The macro's block, where `output` lives until the end.
        self.push_scope(ScopeKind::Bindings, end);
        self.push_scope(ScopeKind::Temporaries, end);
        for c in s.branches.iter().filter_map(|b| b.precondition.as_ref()) {
            self.lower_in_temp_scope(c)?;
        }
        let how = Evaluation {
            extending: s.flavor == SelectFlavor::Tokio,
            in_place: s.flavor == SelectFlavor::Futures,
            waits: s.default.is_none(),
        };
        let outputs = self.poll_futures(s.branches.iter().map(|b| &b.future), how, span)?;
        let head = self.cur;
        let join = self.new_block();
        let mut shapes = Vec::new();
        for (branch, output) in s.branches.iter().zip(outputs) {
            self.cur = self.new_block();
            self.graph.edge(head, self.cur);
            let (bound, left): (Vec<Shape>, Vec<Shape>) = output
                .into_iter()
                .partition(|s| pattern_takes(&branch.arm.pat, s).is_some());
            self.macro_output(left, self.span_of(&branch.future));
            let future = self.span_of(&branch.future);
            shapes.extend(self.lower_arm(&branch.arm, value(bound, future), None, ctx)?);
            self.goto(join);
        }
        for fallback in s.after_all.iter().chain(&s.default) {
            self.cur = self.new_block();
            self.graph.edge(head, self.cur);
            let r = self.span_of(fallback);
            self.push_scope(ScopeKind::Temporaries, (r.1, r.1));
            let op = self.lower_expr(fallback, ctx.branch())?;
            shapes.extend(self.consume(op));
            self.pop_scope();
            self.goto(join);
        }
        self.cur = join;
        self.pop_scope();
        self.pop_scope();
        Ok(value(dedup(shapes), span))
    }

    /// `{ let futures = (f0, f1, ..); poll_fn(..).await }`: each future evaluated in
    /// order (its temporaries end with the `let` unless it extends them), one wait,
    /// then the block's end; what each future produces, in order.
    fn poll_futures(
        &mut self,
        futures: impl Iterator<Item = &'ast syn::Expr>,
        how: Evaluation,
        span: ByteRange,
    ) -> Result<Vec<Vec<Shape>>, TooDeep> {
        let end = (span.1, span.1);
        self.push_scope(ScopeKind::Bindings, end);
        let outer = self.extend_target;
        self.extend_target = Some(self.scopes.len() - 1);
        self.push_scope(ScopeKind::Temporaries, end);
        let mut outputs = Vec::new();
        for future in futures {
            let ctx = Ctx::extending(how.extending);
            let op = self.lower_expr(future, ctx)?;
            let polled = if how.in_place && matches!(future, syn::Expr::Path(_)) {
                let shapes = self.shapes_of(&op);
                self.borrow(op);
                shapes
            } else {
                self.consume(op)
            };
            let output = polled
                .iter()
                .filter_map(|s| s.peel(|l| *l == Layer::Future))
                .collect();
            outputs.push(output);
        }
        self.pop_scope();
        self.extend_target = outer;
        if how.waits {
            self.yield_point(span, YieldKind::Macro);
        }
        self.pop_scope();
        Ok(outputs)
    }
}
