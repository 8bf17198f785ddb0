//! The fixes of a temporary held across a yield point: compute the owned value it
//! is used for in a `let` before the statement (`let len = m.lock().unwrap().len();`),
//! for a scrutinee too (`match m.lock().unwrap().len() { .. }`), so that the
//! temporary ends with that `let`; or, when only the await can move, await first
//! (`let value = f().await;`), which reorders evaluation and is maybe-incorrect.

use std::collections::HashSet;

use syn::visit::Visit;

use super::{indent_at, names_in};
use crate::dataflow::ByteRange;
use crate::held::{FixKind, FixPlan, FixSafety, HeldValue, Origin, TempContext, ValueInfo};
use crate::lower::LoweredBody;

/// The fixes of a temporary, and where it sits.
pub(super) fn plan(
    held: &HeldValue,
    body: &LoweredBody<'_>,
    text: &str,
) -> (Vec<FixPlan>, Option<TempContext>) {
    let Some((first, _)) = held.yields.first() else {
        return (Vec::new(), None);
    };
    plan_at(&held.value, first.span, &first.stmt_path, body, text)
}

/// `plan` for the temporary `value` and the point `yield_at` it must not reach (a
/// yield, or a lock taken again), inside the statements `stmt_path`.
pub(super) fn plan_at(
    value: &ValueInfo,
    yield_at: ByteRange,
    stmt_path: &[(usize, usize)],
    body: &LoweredBody<'_>,
    text: &str,
) -> (Vec<FixPlan>, Option<TempContext>) {
    let Origin::Temporary { scrutinee } = value.origin else {
        return (Vec::new(), None);
    };
    let temp = value.span;
    // The innermost statement that holds the temporary, of a block the yield is in
    // (an extended temporary's `let` is an earlier statement of one).
    let Some(stmt) = stmt_holding(temp, stmt_path, body) else {
        return (Vec::new(), None);
    };
    let context = context_of(stmt, temp, yield_at, scrutinee);
    let Some(indent) = indent_at(text, crate::span::stmt(stmt).0) else {
        return (Vec::new(), Some(context));
    };
    let taken = taken_names(body);
    let chain = ancestors(stmt, temp);
    let mut fixes = Vec::new();
    if let Some((e, pure_before)) = owned_use(&chain, stmt, temp, yield_at) {
        // A head the value is computed in (`movable` checked it is the head).
        let in_head = chain.iter().any(|p| {
            matches!(
                p,
                syn::Expr::Match(_) | syn::Expr::If(_) | syn::Expr::ForLoop(_) | syn::Expr::Let(_)
            )
        });
        let kind = if scrutinee || in_head {
            FixKind::BindScrutinee
        } else {
            FixKind::HoistTemporary
        };
        fixes.extend(hoist(text, stmt, e, indent, &taken, kind, pure_before));
    } else if !scrutinee && !contains(temp, yield_at) {
        // The await is later in the same expression: await first.
        let awaits = ancestors(stmt, yield_at);
        if let Some(&a) = awaits
            .iter()
            .rev()
            .find(|e| matches!(e, syn::Expr::Await(_)) && !contains(crate::span::expr(e), temp))
        {
            if movable(&awaits, a) {
                fixes.extend(hoist(
                    text,
                    stmt,
                    a,
                    indent,
                    &taken,
                    FixKind::AwaitFirst,
                    false,
                ));
            }
        }
    }
    (fixes, Some(context))
}

/// Every name the body's statements use: a hoisted value's name must be none of them.
fn taken_names(body: &LoweredBody<'_>) -> HashSet<String> {
    body.blocks
        .iter()
        .flat_map(|b| b.stmts.iter())
        .flat_map(names_in)
        .collect()
}

/// The statement of `stmt_path` that holds the temporary at `temp`: the innermost.
fn stmt_holding<'b>(
    temp: ByteRange,
    stmt_path: &[(usize, usize)],
    body: &LoweredBody<'b>,
) -> Option<&'b syn::Stmt> {
    stmt_path.iter().rev().find_map(|&(b, _)| {
        body.blocks
            .get(b)?
            .stmts
            .iter()
            .find(|stmt| contains(crate::span::stmt(stmt), temp))
    })
}

/// The construct whose head holds the temporary at `temp` (`match`, `if let`, `while
/// let`, `for`), innermost, and its head expression.
fn head_at(stmt: &syn::Stmt, temp: ByteRange) -> Option<(&'static str, &syn::Expr)> {
    let is_let = |e: &syn::Expr| matches!(e, syn::Expr::Let(_));
    ancestors(stmt, temp)
        .into_iter()
        .rev()
        .find_map(|e| match e {
            syn::Expr::Match(m) if contains(crate::span::expr(&m.expr), temp) => {
                Some(("match", &*m.expr))
            }
            syn::Expr::If(i) if contains(crate::span::expr(&i.cond), temp) => match &*i.cond {
                syn::Expr::Let(l) => Some(("if let", &*l.expr)),
                c => Some(("if", c)),
            },
            syn::Expr::While(w) if contains(crate::span::expr(&w.cond), temp) => Some((
                if is_let(&w.cond) {
                    "while let"
                } else {
                    "while"
                },
                &*w.cond,
            )),
            syn::Expr::ForLoop(f) if contains(crate::span::expr(&f.expr), temp) => {
                Some(("for", &*f.expr))
            }
            _ => None,
        })
}

/// The construct whose head holds the temporary `value`, in the statements
/// `stmt_path`.
pub(super) fn head_of(
    value: &ValueInfo,
    stmt_path: &[(usize, usize)],
    body: &LoweredBody<'_>,
) -> Option<&'static str> {
    let stmt = stmt_holding(value.span, stmt_path, body)?;
    head_at(stmt, value.span).map(|(kind, _)| kind)
}

/// Bind the head of a `match` / `if let` / `for` that holds the temporary `value`,
/// a place read through it (`guard.mode`, `*guard`), in a `let` before its
/// statement: not safe (the value is moved out of the guard, which fails for one that
/// is not `Copy`, and the body then runs without the guard). Not for `while` heads,
/// which run again.
pub(super) fn bind_head(
    value: &ValueInfo,
    stmt_path: &[(usize, usize)],
    body: &LoweredBody<'_>,
    text: &str,
) -> Option<FixPlan> {
    let stmt = stmt_holding(value.span, stmt_path, body)?;
    let (kind, head) = head_at(stmt, value.span)?;
    // A place read through the guard (`guard.mode`, `*guard`) copies or moves; what a
    // method returns may borrow from the guard, which would then end too soon.
    let place = matches!(
        head,
        syn::Expr::Field(_)
            | syn::Expr::Unary(syn::ExprUnary {
                op: syn::UnOp::Deref(_),
                ..
            })
    );
    if kind.starts_with("while") || !place {
        return None;
    }
    let indent = indent_at(text, crate::span::stmt(stmt).0)?;
    let taken = taken_names(body);
    hoist(
        text,
        stmt,
        head,
        indent,
        &taken,
        FixKind::BindScrutinee,
        false,
    )
}

/// Where the temporary sits in its statement, relative to the yield.
fn context_of(
    stmt: &syn::Stmt,
    temp: ByteRange,
    yield_at: ByteRange,
    scrutinee: bool,
) -> TempContext {
    let chain = ancestors(stmt, temp);
    let in_head = |e: &&syn::Expr| match e {
        syn::Expr::Match(m) => contains(crate::span::expr(&m.expr), temp),
        syn::Expr::If(i) => contains(crate::span::expr(&i.cond), temp),
        syn::Expr::While(w) => contains(crate::span::expr(&w.cond), temp),
        syn::Expr::ForLoop(f) => contains(crate::span::expr(&f.expr), temp),
        _ => false,
    };
    if let Some(syn::Expr::Await(a)) = ancestors(stmt, yield_at).into_iter().rev().find(
        |e| matches!(e, syn::Expr::Await(a) if crate::span::range(a.await_token.span) == yield_at),
    ) {
        if contains(crate::span::expr(&a.base), temp) {
            return TempContext::AwaitedFuture;
        }
    }
    if chain.iter().any(in_head) {
        TempContext::Head
    } else if contains(crate::span::stmt(stmt), yield_at) {
        TempContext::SameStatement
    } else if matches!(stmt, syn::Stmt::Local(_)) || !scrutinee {
        TempContext::Extended
    } else {
        TempContext::Head
    }
}

fn contains(outer: ByteRange, inner: ByteRange) -> bool {
    outer.0 <= inner.0 && inner.1 <= outer.1
}

/// The expressions of `stmt` that contain `inner`, outermost first.
fn ancestors(stmt: &syn::Stmt, inner: ByteRange) -> Vec<&syn::Expr> {
    struct Chain<'a> {
        inner: ByteRange,
        out: Vec<&'a syn::Expr>,
    }
    impl<'a> Visit<'a> for Chain<'a> {
        fn visit_expr(&mut self, e: &'a syn::Expr) {
            if contains(crate::span::expr(e), self.inner) {
                self.out.push(e);
                syn::visit::visit_expr(self, e);
            }
        }
        fn visit_item(&mut self, _: &'a syn::Item) {}
    }
    let mut c = Chain {
        inner,
        out: Vec::new(),
    };
    c.visit_stmt(stmt);
    c.out
}

/// The expression to bind: the innermost of the temporary's method chain whose value
/// owns its data (`m.lock().unwrap().len()`), evaluated before the yield, that can be
/// moved before the statement (see `movable`). With whether nothing with effects is
/// evaluated before it in the statement (then moving it first keeps the order).
fn owned_use<'a>(
    chain: &[&'a syn::Expr],
    stmt: &syn::Stmt,
    temp: ByteRange,
    yield_at: ByteRange,
) -> Option<(&'a syn::Expr, bool)> {
    let at = chain.iter().rposition(|e| crate::span::expr(e) == temp)?;
    let mut cur = at;
    while cur > 0 {
        let parent = chain[cur - 1];
        let child = chain[cur];
        let continues = match parent {
            syn::Expr::MethodCall(m) => std::ptr::eq(&*m.receiver, child),
            syn::Expr::Field(f) => std::ptr::eq(&*f.base, child),
            syn::Expr::Try(_) | syn::Expr::Paren(_) | syn::Expr::Group(_) => true,
            _ => false,
        };
        if !continues {
            return None;
        }
        cur -= 1;
        if let syn::Expr::MethodCall(_) = parent {
            // Ownership of the result, by the table, as if the receiver were a guard.
            let stand_in = with_temp_as_stand_in(parent, temp);
            if owns_its_data(&stand_in) {
                let range = crate::span::expr(parent);
                if range.1 > yield_at.0 || !movable(chain, parent) {
                    return None;
                }
                return Some((parent, nothing_effectful_before(stmt, range.0)));
            }
        }
    }
    None
}

/// Whether the value of `e` borrows nothing from the stand-in guard: a value read
/// out of the guard is a copy (the lowering's judgement, `lower::sources`).
fn owns_its_data(e: &syn::Expr) -> bool {
    crate::lower::sources(e)
        .iter()
        .all(|s| s.name() != TEMP || matches!(s, crate::lower::Source::ReadFrom(_)))
}

/// The name the guard stands under when asking whether a method's result owns its data.
const TEMP: &str = "__yieldsafe_temporary";

/// `e` with the temporary replaced by the stand-in name, so that `owns_its_data` judges the
/// chain after it (`TEMP.timeout.unwrap()` copies a field out), not its syntax.
fn with_temp_as_stand_in(e: &syn::Expr, temp: ByteRange) -> syn::Expr {
    struct Replace(ByteRange);
    impl syn::visit_mut::VisitMut for Replace {
        fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
            if crate::span::expr(e) == self.0 {
                *e = syn::parse_quote!(__yieldsafe_temporary);
            } else if contains(crate::span::expr(e), self.0) {
                syn::visit_mut::visit_expr_mut(self, e);
            }
        }
    }
    let mut e = e.clone();
    syn::visit_mut::VisitMut::visit_expr_mut(&mut Replace(temp), &mut e);
    e
}

/// Whether `e` (an expression of `chain`) can be evaluated in a `let` before its
/// statement: no closure, async block, loop or branch around it, and not the right
/// operand of `&&`/`||` or a `while` condition, which run it zero or many times.
fn movable(chain: &[&syn::Expr], e: &syn::Expr) -> bool {
    let target = crate::span::expr(e);
    for parent in chain {
        if std::ptr::eq(*parent, e) {
            return true;
        }
        use syn::Expr as E;
        let ok = match parent {
            E::Call(_)
            | E::MethodCall(_)
            | E::Await(_)
            | E::Unary(_)
            | E::Paren(_)
            | E::Group(_) => true,
            E::Reference(_) | E::Field(_) | E::Index(_) | E::Try(_) | E::Cast(_) => true,
            E::Tuple(_) | E::Array(_) | E::Struct(_) | E::Let(_) | E::Return(_) | E::Assign(_) => {
                true
            }
            E::Binary(b) => {
                let lazy = matches!(b.op, syn::BinOp::And(_) | syn::BinOp::Or(_));
                !lazy || contains(crate::span::expr(&b.left), target)
            }
            E::Match(m) => contains(crate::span::expr(&m.expr), target),
            E::If(i) => contains(crate::span::expr(&i.cond), target),
            E::ForLoop(f) => contains(crate::span::expr(&f.expr), target),
            _ => false,
        };
        if !ok {
            return false;
        }
    }
    false
}

/// Whether nothing in `stmt` that ends before byte `at` has effects (a call, an
/// await, a macro, an assignment): moving what starts at `at` first keeps the order.
fn nothing_effectful_before(stmt: &syn::Stmt, at: usize) -> bool {
    struct Effects {
        at: usize,
        found: bool,
    }
    impl<'a> Visit<'a> for Effects {
        fn visit_expr(&mut self, e: &'a syn::Expr) {
            use syn::Expr as E;
            let effectful = matches!(
                e,
                E::Call(_) | E::MethodCall(_) | E::Await(_) | E::Macro(_) | E::Assign(_)
            );
            if effectful && crate::span::expr(e).1 <= self.at {
                self.found = true;
            }
            syn::visit::visit_expr(self, e);
        }
    }
    let mut v = Effects { at, found: false };
    v.visit_stmt(stmt);
    !v.found
}

/// `let name = <e>;` before `stmt` and `e` replaced by `name`.
fn hoist(
    text: &str,
    stmt: &syn::Stmt,
    e: &syn::Expr,
    indent: &str,
    taken: &HashSet<String>,
    kind: FixKind,
    keeps_order: bool,
) -> Option<FixPlan> {
    let range = crate::span::expr(e);
    let value = text.get(range.0..range.1)?;
    let name = fresh_name(e, taken);
    let start = crate::span::stmt(stmt).0;
    let (safety, caveat) = match kind {
        FixKind::AwaitFirst => (
            FixSafety::Unsafe,
            Some("the await now runs before the lock is taken: the order of evaluation changes"),
        ),
        _ if keeps_order => (FixSafety::Safe, None),
        _ => (
            FixSafety::Unsafe,
            Some("what the statement evaluates before it now runs after it"),
        ),
    };
    Some(FixPlan {
        kind,
        safety,
        edits: vec![
            ((start, start), format!("let {name} = {value};\n{indent}")),
            (range, name),
        ],
        caveat,
    })
}

/// A name for the bound value that the body does not use: the method's or field's
/// name (`len`, `is_empty`), else `value`, with a number when taken.
fn fresh_name(e: &syn::Expr, taken: &HashSet<String>) -> String {
    const VAGUE: &[&str] = &[
        "clone",
        "to_owned",
        "to_string",
        "to_vec",
        "unwrap",
        "expect",
        "take",
    ];
    // The last name of the chain that says what the value is: `timeout` of
    // `locked().timeout.unwrap()`, `len` of `lock().unwrap().len()`.
    let mut at = e;
    let base = loop {
        let name = match at {
            syn::Expr::MethodCall(m) => {
                let name = m.method.to_string();
                at = &m.receiver;
                name
            }
            syn::Expr::Field(f) => {
                let name = match &f.member {
                    syn::Member::Named(n) => n.to_string(),
                    syn::Member::Unnamed(_) => String::new(),
                };
                at = &f.base;
                name
            }
            _ => break "value".to_owned(),
        };
        if !name.is_empty() && !VAGUE.contains(&name.as_str()) && !name.starts_with("r#") {
            break name;
        }
    };
    if !taken.contains(&base) {
        return base;
    }
    (1..)
        .map(|n| format!("{base}_{n}"))
        .find(|n| !taken.contains(n))
        .expect("some number is free")
}
