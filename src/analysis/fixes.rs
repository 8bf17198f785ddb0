//! The fixes of a held value, as byte edits with a safety level (DESIGN "Fixes").
//!
//! A named guard is ended by a block from its `let` through its last use: the one
//! fix after which rustc too sees the future free of it (`drop(g)` alone is not
//! enough for rustc's layout of the coroutine, rust-clippy#6446, so it is offered as
//! unsafe). The last use is the last statement that uses the guard or any local that
//! borrows from it (`let first = &g[0]`, `let it = g.iter()`, a closure that captures
//! it, `v.push(&g[0])`), as the lowering found it (`held::Borrows`). A guard never
//! read after its `let` guards a critical section and is never shortened by a safe
//! fix. Bindings the block makes for later code are declared before it when that is
//! exact (a plain name with an owned value); otherwise the block grows through their
//! uses, and the block that returns them (`let (a, b) = { ..; (a, b) };`) is offered
//! as maybe incorrect.

use std::collections::HashSet;

use syn::visit::Visit;

use crate::dataflow::{ByteRange, DropKind};
use crate::hazard::owned;
use crate::held::{
    BorrowGraph, FixKind, FixPlan, FixSafety, HeldValue, Origin, TempContext, ValueInfo,
};
use crate::lower::{binding_span, collect_bindings, format_captures, root_name, LoweredBody};

mod temporary;

/// Work out the fixes of `held` (and whether it guards a critical section).
pub(super) fn plan(held: &mut HeldValue, body: &LoweredBody<'_>, text: &str) {
    match held.value.origin {
        Origin::Binding => binding(held, body, text),
        Origin::Temporary { .. } => {
            let (fixes, context) = temporary::plan(held, body, text);
            held.fixes = fixes;
            held.temp_context = context;
        }
        _ => {}
    }
}

/// The fixes of a temporary guard alive where its lock is taken again (at `at`, in
/// the statements `stmt_path`): bind what it is used for first; with where it sits and
/// the construct whose head holds it. Never safe: the guard then ends before the code
/// that read it runs, so what was one critical section becomes two.
pub(super) fn relock(
    holder: &ValueInfo,
    at: ByteRange,
    stmt_path: &[(usize, usize)],
    body: &LoweredBody<'_>,
    text: &str,
) -> (Vec<FixPlan>, Option<TempContext>, Option<&'static str>) {
    let (fixes, context) = temporary::plan_at(holder, at, stmt_path, body, text);
    let head = (context == Some(TempContext::Head))
        .then(|| temporary::head_of(holder, stmt_path, body))
        .flatten();
    let mut fixes: Vec<FixPlan> = fixes
        .into_iter()
        .filter(|f| matches!(f.kind, FixKind::BindScrutinee | FixKind::HoistTemporary))
        .map(|f| FixPlan {
            safety: FixSafety::Unsafe,
            caveat: Some("the guard now ends before the code that uses the value runs: the lock may change hands in between"),
            ..f
        })
        .collect();
    if fixes.is_empty() && head.is_some() {
        // The head's value, whatever it is (`state.read().unwrap().mode`).
        fixes.extend(
            temporary::bind_head(holder, stmt_path, body, text).map(|f| FixPlan {
                safety: FixSafety::Unsafe,
                caveat: Some("the head's value is moved out of the guard, which does not compile unless it is `Copy` (or owned), and the body then runs without the guard"),
                ..f
            }),
        );
    }
    (fixes, context, head)
}

/// The fixes of a `let` binding held across its yields.
fn binding(held: &mut HeldValue, body: &LoweredBody<'_>, text: &str) {
    let Some(name) = held.value.name.clone() else {
        return;
    };
    let Some((block_id, decl)) = held.value.decl else {
        return;
    };
    if !held.always_held() || held.drops.iter().any(|(_, k)| *k == DropKind::Move) {
        return;
    }
    let Some((first, _)) = held.yields.first() else {
        return;
    };
    let Some(&(_, at_yield)) = first.stmt_path.iter().find(|(b, _)| *b == block_id) else {
        return;
    };
    let Some(block) = body.blocks.get(block_id) else {
        return;
    };
    let stmts = &block.stmts;
    // The `let` must be the block's own statement (not one a macro wrote there).
    if at_yield <= decl || at_yield >= stmts.len() || !binds(&stmts[decl], &name) {
        return;
    }
    let guard = body.borrows.local_at(held.value.span);
    let keep = Keep {
        graph: &body.borrows,
        guard: guard.into_iter().collect(),
        borrowers: held
            .value
            .borrows
            .borrowers
            .iter()
            .map(|(n, _)| n.clone())
            .collect(),
        hazards: hazard_names(body),
    };
    let Some(last) = held.value.borrows.last_use else {
        // Never read: the guard is there for its scope, a critical section.
        held.critical_section = true;
        if let Some(b) = block_edit(text, stmts, decl, at_yield - 1, at_yield, &keep) {
            held.fixes.push(FixPlan {
                kind: FixKind::EndCriticalSection,
                safety: FixSafety::Unsafe,
                edits: vec![b.edit],
                caveat: Some("the code from the await on no longer runs in the critical section"),
            });
        }
        return;
    };
    if last >= at_yield || guard.is_none() {
        return;
    }
    let grown = block_edit(text, stmts, decl, last, at_yield, &keep);
    let grew = grown.as_ref().is_some_and(|b| b.to > last);
    if let Some(b) = grown {
        held.fixes.push(FixPlan {
            kind: FixKind::BlockScope,
            safety: FixSafety::Safe,
            edits: vec![b.edit],
            caveat: None,
        });
    }
    if grew || held.fixes.is_empty() {
        if let Some(edit) = returning_block(text, stmts, decl, last, &keep) {
            held.fixes.push(FixPlan {
                kind: FixKind::BlockScope,
                safety: FixSafety::Unsafe,
                edits: vec![edit],
                caveat: Some(
                    "the bindings later code uses are moved out of the block, which may change their types' inference or drop order",
                ),
            });
        }
    }
    if let Some(edit) = drop_edit(text, stmts, decl, at_yield, &name) {
        held.fixes.push(FixPlan {
            kind: FixKind::Drop,
            safety: FixSafety::Unsafe,
            edits: vec![edit],
            caveat: Some(
                "rustc and clippy still count the guard as held by the future after `drop` (rust-clippy#6446)",
            ),
        });
    }
}

/// What a block ending a guard must keep inside: the guard, what borrows from it
/// (by the lowering's borrow graph), and every binding that carries a hazard.
struct Keep<'g> {
    graph: &'g BorrowGraph,
    guard: Vec<usize>,
    /// The names of the guard's borrowers.
    borrowers: HashSet<String>,
    hazards: HashSet<String>,
}

impl Keep<'_> {
    /// The binding `ident` of a `let` in the block's region may be moved out of the
    /// block (declared before it, or returned by it): it is no guard, holds no
    /// borrow of the guard nor of any binding `inner` the block keeps.
    fn may_leave(&self, ident: &syn::PatIdent, inner: &[usize]) -> bool {
        let name = ident.ident.to_string();
        if self.borrowers.contains(&name) || self.hazards.contains(&name) {
            return false;
        }
        let Some(local) = self.graph.local_at(binding_span(ident)) else {
            return false;
        };
        let mut kept = self.guard.clone();
        kept.extend(inner.iter().copied().filter(|&l| l != local));
        !self.graph.borrows_from(local, &kept)
    }

    /// The locals the `let`s of `region` bind.
    fn bound_in(&self, region: &[syn::Stmt]) -> Vec<usize> {
        let mut out = Vec::new();
        for stmt in region {
            if let syn::Stmt::Local(l) = stmt {
                let mut idents = Vec::new();
                collect_bindings(&l.pat, &mut idents);
                out.extend(
                    idents
                        .iter()
                        .filter_map(|i| self.graph.local_at(binding_span(i))),
                );
            }
        }
        out
    }
}

/// The names of the body's bindings that carry a hazard (guards and what holds
/// them): never declared before a block, which would keep them alive past it.
fn hazard_names(body: &LoweredBody<'_>) -> HashSet<String> {
    body.values
        .iter()
        .filter(|v| matches!(v.origin, Origin::Binding) && v.shapes.iter().any(|s| s.is_held()))
        .filter_map(|v| v.name.clone())
        .collect()
}

/// `drop(name);` at the start of statement `at` of the guard's block, when no `let`
/// between the guard's and it rebinds the name.
fn drop_edit(
    text: &str,
    stmts: &[syn::Stmt],
    decl: usize,
    at: usize,
    name: &str,
) -> Option<((usize, usize), String)> {
    if stmts[decl + 1..at]
        .iter()
        .any(|s| binds(s, name) || moves_a_field(s, name))
    {
        return None;
    }
    let start = crate::span::stmt(&stmts[at]).0;
    let indent = indent_at(text, start)?;
    Some(((start, start), format!("drop({name});\n{indent}")))
}

/// Whether the statement may move a field out of `name` (`drop(pair.left)`,
/// `let l = pair.left;`): `drop(pair)` would then use a partly moved value (E0382).
fn moves_a_field(stmt: &syn::Stmt, name: &str) -> bool {
    struct Fields<'n> {
        name: &'n str,
        found: bool,
    }
    impl Fields<'_> {
        fn check(&mut self, e: &syn::Expr) {
            if let syn::Expr::Field(f) = e {
                self.found |= root_name(&f.base).is_some_and(|b| b == self.name)
                    && !matches!(&*f.base, syn::Expr::MethodCall(_));
            }
        }
    }
    impl<'ast> Visit<'ast> for Fields<'_> {
        fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
            c.args.iter().for_each(|a| self.check(a));
            syn::visit::visit_expr_call(self, c);
        }
        fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
            m.args.iter().for_each(|a| self.check(a));
            syn::visit::visit_expr_method_call(self, m);
        }
        fn visit_local_init(&mut self, i: &'ast syn::LocalInit) {
            self.check(&i.expr);
            syn::visit::visit_local_init(self, i);
        }
        fn visit_expr_assign(&mut self, a: &'ast syn::ExprAssign) {
            self.check(&a.right);
            syn::visit::visit_expr_assign(self, a);
        }
        fn visit_expr_struct(&mut self, s: &'ast syn::ExprStruct) {
            s.fields.iter().for_each(|f| self.check(&f.expr));
            syn::visit::visit_expr_struct(self, s);
        }
        fn visit_expr_tuple(&mut self, t: &'ast syn::ExprTuple) {
            t.elems.iter().for_each(|e| self.check(e));
            syn::visit::visit_expr_tuple(self, t);
        }
        fn visit_expr_return(&mut self, r: &'ast syn::ExprReturn) {
            if let Some(e) = &r.expr {
                self.check(e);
            }
            syn::visit::visit_expr_return(self, r);
        }
    }
    let mut v = Fields { name, found: false };
    v.visit_stmt(stmt);
    v.found
}

/// The indentation of the line `at` is on (what precedes `at` there may be code or
/// a comment: a line break after the edit's first part keeps it valid).
pub(super) fn indent_at(text: &str, at: usize) -> Option<&str> {
    let line_start = text.get(..at)?.rfind('\n').map_or(0, |i| i + 1);
    let line = &text[line_start..at];
    Some(&line[..line.len() - line.trim_start_matches([' ', '\t']).len()])
}

/// A block around statements `from..=to`, with the bindings they make for later
/// code declared before it (each a plain name, so the declaration is exact).
struct BlockEdit {
    edit: ((usize, usize), String),
    /// The last statement in the block.
    to: usize,
}

/// Wrap `stmts[from..]` in a block that ends at `to` or later, before `limit`: a
/// binding made there that later code needs is declared before the block when it is
/// a plain name with an owned value; otherwise (a guard among them, a borrow of what
/// the block keeps) the block grows through that binding's last use. `None` when it
/// cannot end before `limit`, or would hide an item.
fn block_edit(
    text: &str,
    stmts: &[syn::Stmt],
    from: usize,
    mut to: usize,
    limit: usize,
    keep: &Keep<'_>,
) -> Option<BlockEdit> {
    loop {
        match hoists(text, stmts, from, to, keep) {
            Ok(hoisted) => return build_block(text, stmts, from, to, &hoisted),
            Err(Some(names)) => {
                let last = (to + 1..stmts.len())
                    .filter(|&i| names_in(&stmts[i]).iter().any(|n| names.contains(n)))
                    .max()?;
                if last >= limit {
                    return None;
                }
                to = last;
            }
            Err(None) => return None,
        }
    }
}

/// A binding declared before the block: (name, the `let .. =` head to become
/// `name =`, the declaration).
type Hoist = (String, (usize, usize), String);

/// The declarations before a block of `stmts[from..=to]`; `Err(Some(names))` when
/// those bindings cannot be declared before it (the block must grow through their
/// uses), `Err(None)` when no block can be made.
fn hoists(
    text: &str,
    stmts: &[syn::Stmt],
    from: usize,
    to: usize,
    keep: &Keep<'_>,
) -> Result<Vec<Hoist>, Option<Vec<String>>> {
    let region = &stmts[from..=to];
    let after: HashSet<String> = stmts[to + 1..].iter().flat_map(names_in).collect();
    let inner = keep.bound_in(region);
    let mut hoisted: Vec<Hoist> = Vec::new();
    let mut hoisted_locals: Vec<usize> = Vec::new();
    let mut bound_here: Vec<String> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    for stmt in region {
        match stmt {
            syn::Stmt::Item(_) => return Err(None),
            syn::Stmt::Macro(m) if !binding_free(&m.mac) => {
                let used: Vec<String> = names_in(stmt)
                    .into_iter()
                    .filter(|n| after.contains(n))
                    .collect();
                if !used.is_empty() {
                    return Err(Some(used));
                }
            }
            syn::Stmt::Local(l) => {
                if !l.attrs.is_empty() {
                    return Err(None);
                }
                let mut idents = Vec::new();
                collect_bindings(&l.pat, &mut idents);
                let needed: Vec<&syn::PatIdent> = idents
                    .iter()
                    .copied()
                    .filter(|p| after.contains(&p.ident.to_string()))
                    .collect();
                if let [ident] = needed[..] {
                    let name = ident.ident.to_string();
                    // What the block keeps to itself dies at its end: a hoisted value
                    // must not borrow from it (nor from the guard).
                    let kept: Vec<usize> = inner
                        .iter()
                        .copied()
                        .filter(|l| !hoisted_locals.contains(l))
                        .collect();
                    let ok = keep.may_leave(ident, &kept)
                        && !seen.contains(&name)
                        && !bound_here.contains(&name)
                        && !l
                            .init
                            .as_ref()
                            .is_some_and(|i| names_in_expr(&i.expr).contains(&name));
                    match hoist(text, l, &name).filter(|_| ok) {
                        Some(h) => {
                            hoisted.push(h);
                            hoisted_locals.extend(keep.graph.local_at(binding_span(ident)));
                        }
                        None => return Err(Some(vec![name])),
                    }
                } else if !needed.is_empty() {
                    return Err(Some(needed.iter().map(|p| p.ident.to_string()).collect()));
                }
                bound_here.extend(idents.iter().map(|p| p.ident.to_string()));
            }
            _ => {}
        }
        seen.extend(names_in(stmt));
    }
    Ok(hoisted)
}

/// The block of `stmts[from..=to]` that returns the bindings later code uses:
/// `let (a, mut b) = { ..; (a, b) };`, for the bindings no declaration before the
/// block can take (a tuple or struct pattern, `let .. else`, several names). `None`
/// when a binding cannot leave the block (a guard, a borrow of what the block keeps)
/// or a statement macro there may bind names later code uses.
fn returning_block(
    text: &str,
    stmts: &[syn::Stmt],
    from: usize,
    to: usize,
    keep: &Keep<'_>,
) -> Option<((usize, usize), String)> {
    let region = &stmts[from..=to];
    let after: HashSet<String> = stmts[to + 1..].iter().flat_map(names_in).collect();
    let inner = keep.bound_in(region);
    // The last binding of each name later code uses, in order of first binding.
    let mut returned: Vec<&syn::PatIdent> = Vec::new();
    for stmt in region {
        match stmt {
            syn::Stmt::Item(_) => return None,
            syn::Stmt::Macro(m)
                if !binding_free(&m.mac) && names_in(stmt).iter().any(|n| after.contains(n)) =>
            {
                return None;
            }
            syn::Stmt::Local(l) => {
                if !l.attrs.is_empty() {
                    return None;
                }
                let mut idents = Vec::new();
                collect_bindings(&l.pat, &mut idents);
                for ident in idents {
                    if !after.contains(&ident.ident.to_string()) {
                        continue;
                    }
                    match returned.iter_mut().find(|r| r.ident == ident.ident) {
                        Some(r) => *r = ident,
                        None => returned.push(ident),
                    }
                }
            }
            _ => {}
        }
    }
    if returned.is_empty()
        || !returned
            .iter()
            .all(|i| i.by_ref.is_none() && keep.may_leave(i, &inner))
    {
        return None;
    }
    let names: Vec<String> = returned.iter().map(|i| i.ident.to_string()).collect();
    let pattern: Vec<String> = returned
        .iter()
        .map(|i| match i.mutability {
            Some(_) => format!("mut {}", i.ident),
            None => i.ident.to_string(),
        })
        .collect();
    let (pattern, value) = match names.len() {
        1 => (pattern[0].clone(), names[0].clone()),
        _ => (
            format!("({})", pattern.join(", ")),
            format!("({})", names.join(", ")),
        ),
    };
    let b = build_block(text, stmts, from, to, &[])?;
    let indent = indent_at(text, crate::span::stmt(&region[0]).0)?;
    let unit = if indent.contains('\t') { "\t" } else { "    " };
    // `{\n .. \n}` becomes `let P = {\n ..\n VALUE\n};`
    let body = b.edit.1.strip_suffix('}')?;
    let out = format!("let {pattern} = {body}{unit}{value}\n{indent}}};");
    Some((b.edit.0, out))
}

/// The edit: the declarations, then `{`, the statements indented, `}`.
fn build_block(
    text: &str,
    stmts: &[syn::Stmt],
    from: usize,
    to: usize,
    hoisted: &[Hoist],
) -> Option<BlockEdit> {
    let region = &stmts[from..=to];
    let start = crate::span::stmt(&region[0]).0;
    let end = crate::span::stmt(&region[region.len() - 1]).1;
    let indent = indent_at(text, start)?;
    let unit = if indent.contains('\t') { "\t" } else { "    " };
    // The inner text, each hoisted `let` turned into an assignment.
    let inner = rewrite_hoisted(text.get(start..end)?, start, hoisted);
    // A tail without `;` would keep its temporaries past the guard (before 2024).
    let semi = matches!(region[region.len() - 1], syn::Stmt::Expr(_, None));
    let reindent = !region.iter().any(has_multiline_literal);
    let mut out = String::new();
    for (_, _, decl) in hoisted {
        out.push_str(decl);
        out.push('\n');
        out.push_str(indent);
    }
    out.push_str("{\n");
    for (n, line) in inner.split('\n').enumerate() {
        if n > 0 {
            out.push('\n');
        }
        if n == 0 {
            out.push_str(indent);
            out.push_str(unit);
        } else if reindent && !line.trim().is_empty() {
            out.push_str(unit);
        }
        out.push_str(line);
    }
    if semi {
        out.push(';');
    }
    out.push('\n');
    out.push_str(indent);
    out.push('}');
    Some(BlockEdit {
        edit: ((start, end), out),
        to,
    })
}

/// `let mut n: T = e;` as a declaration before the block (`let mut n: T;`) and the
/// range of `let mut n: T =` to become `n =` inside it. `None` unless the pattern is
/// a plain name (with `mut` and a type at most) and there is no `else`.
fn hoist(text: &str, l: &syn::Local, name: &str) -> Option<(String, (usize, usize), String)> {
    let init = l.init.as_ref()?;
    if init.diverge.is_some() {
        return None;
    }
    let ident = match &l.pat {
        syn::Pat::Ident(p) => p,
        syn::Pat::Type(t) => match &*t.pat {
            syn::Pat::Ident(p) => p,
            _ => return None,
        },
        _ => return None,
    };
    if ident.by_ref.is_some() || ident.subpat.is_some() || ident.ident != name {
        return None;
    }
    let let_start = crate::span::range(l.let_token.span).0;
    let eq = crate::span::range(init.eq_token.span);
    let head = text.get(let_start..eq.0)?.trim_end();
    Some((name.to_owned(), (let_start, eq.1), format!("{head};")))
}

/// `inner` (the region's text, which starts at byte `base` of the file) with each
/// hoisted head replaced by `name =`.
fn rewrite_hoisted(
    inner: &str,
    base: usize,
    hoisted: &[(String, (usize, usize), String)],
) -> String {
    let mut out = String::new();
    let mut at = 0;
    for (name, range, _) in hoisted {
        let (s, e) = (range.0 - base, range.1 - base);
        out.push_str(&inner[at..s]);
        out.push_str(name);
        out.push_str(" =");
        at = e;
    }
    out.push_str(&inner[at..]);
    out
}

fn binding_free(m: &syn::Macro) -> bool {
    m.path
        .segments
        .last()
        .is_some_and(|s| owned::BINDING_FREE_MACROS.contains(&s.ident.to_string().as_str()))
}

/// Whether the statement is a `let` that binds `name`.
fn binds(s: &syn::Stmt, name: &str) -> bool {
    match s {
        syn::Stmt::Local(l) => {
            let mut idents = Vec::new();
            collect_bindings(&l.pat, &mut idents);
            idents.iter().any(|i| i.ident == name)
        }
        _ => false,
    }
}

/// The names a statement mentions: paths of one identifier, identifiers in macro
/// tokens, and names captured by format strings (`"{g:?}"`).
pub(super) fn names_in(stmt: &syn::Stmt) -> HashSet<String> {
    let mut n = Names::default();
    n.visit_stmt(stmt);
    n.names
}

fn names_in_expr(e: &syn::Expr) -> HashSet<String> {
    let mut n = Names::default();
    n.visit_expr(e);
    n.names
}

#[derive(Default)]
struct Names {
    names: HashSet<String>,
}

impl<'ast> Visit<'ast> for Names {
    fn visit_expr_path(&mut self, p: &'ast syn::ExprPath) {
        if let Some(i) = p.path.get_ident() {
            self.names.insert(i.to_string());
        }
        syn::visit::visit_expr_path(self, p);
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        tokens_names(m.tokens.clone(), &mut self.names);
    }
}

fn tokens_names(tokens: proc_macro2::TokenStream, out: &mut HashSet<String>) {
    for t in tokens {
        match t {
            proc_macro2::TokenTree::Ident(i) => {
                out.insert(i.to_string());
            }
            proc_macro2::TokenTree::Group(g) => tokens_names(g.stream(), out),
            proc_macro2::TokenTree::Literal(l) => out.extend(format_captures(&l.to_string())),
            proc_macro2::TokenTree::Punct(_) => {}
        }
    }
}

/// Whether any literal in the statement spans lines (its text would change if the
/// lines were indented).
fn has_multiline_literal(stmt: &syn::Stmt) -> bool {
    #[derive(Default)]
    struct Lits(bool);
    impl<'ast> Visit<'ast> for Lits {
        fn visit_lit(&mut self, l: &'ast syn::Lit) {
            let s = l.span();
            self.0 |= s.start().line != s.end().line;
        }
        fn visit_macro(&mut self, m: &'ast syn::Macro) {
            self.0 |= tokens_multiline(m.tokens.clone());
        }
    }
    fn tokens_multiline(tokens: proc_macro2::TokenStream) -> bool {
        tokens.into_iter().any(|t| match t {
            proc_macro2::TokenTree::Literal(l) => {
                let s = l.span();
                s.start().line != s.end().line
            }
            proc_macro2::TokenTree::Group(g) => tokens_multiline(g.stream()),
            _ => false,
        })
    }
    let mut v = Lits::default();
    v.visit_stmt(stmt);
    v.0
}
