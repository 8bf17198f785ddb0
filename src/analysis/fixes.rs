//! The fixes of a held value, as byte edits with a safety level (DESIGN "Fixes").
//!
//! A named guard is ended by a block from its `let` through its last use: the one
//! fix after which rustc too sees the future free of it (`drop(g)` alone is not
//! enough for rustc's layout of the coroutine, rust-clippy#6446, so it is offered as
//! unsafe). The last use is the last statement that mentions the guard or any local
//! that borrows from it (`let first = &g[0]`, `let it = g.iter()`, a closure that
//! captures it, `v.push(&g[0])`): see `borrowers`. A guard never read after its `let`
//! guards a critical section and is never shortened by a safe fix.

use std::collections::HashSet;

use syn::visit::Visit;

use crate::dataflow::{ByteRange, DropKind};
use crate::hazard::owned;
use crate::held::{FixKind, FixPlan, FixSafety, HeldValue, Origin, TempContext, ValueInfo};
use crate::lower::{collect_bindings, LoweredBody};

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
/// the statements `stmt_path`): bind what it is used for first; where it sits, and
/// the construct whose head holds it. Never safe: the
/// guard then ends before the code that read it runs, so what was one critical
/// section becomes two.
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
    let tracked = borrowers(&name, &stmts[decl + 1..]);
    let last_use = (decl + 1..stmts.len())
        .filter(|&i| mentions_any(&stmts[i], &tracked))
        .max();
    let Some(last) = last_use else {
        // Never read: the guard is there for its scope, a critical section.
        held.critical_section = true;
        let hazards = hazard_names(body);
        if let Some(edits) = block_edit(
            text,
            stmts,
            decl,
            at_yield - 1,
            at_yield,
            &tracked,
            &hazards,
        ) {
            held.fixes.push(FixPlan {
                kind: FixKind::EndCriticalSection,
                safety: FixSafety::Unsafe,
                edits: vec![edits.edit],
                caveat: Some("the code from the await on no longer runs in the critical section"),
            });
        }
        return;
    };
    if last >= at_yield {
        return;
    }
    let hazards = hazard_names(body);
    if let Some(b) = block_edit(text, stmts, decl, last, at_yield, &tracked, &hazards) {
        held.fixes.push(FixPlan {
            kind: FixKind::BlockScope,
            safety: FixSafety::Safe,
            edits: vec![b.edit],
            caveat: None,
        });
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
                self.found |= base_local(&f.base).is_some_and(|b| b == self.name)
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
    tracked: &HashSet<String>,
    hazards: &HashSet<String>,
) -> Option<BlockEdit> {
    loop {
        match hoists(text, stmts, from, to, tracked, hazards) {
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
    tracked: &HashSet<String>,
    hazards: &HashSet<String>,
) -> Result<Vec<Hoist>, Option<Vec<String>>> {
    let region = &stmts[from..=to];
    let after: HashSet<String> = stmts[to + 1..].iter().flat_map(names_in).collect();
    let mut hoisted: Vec<Hoist> = Vec::new();
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
                let needed: Vec<String> = idents
                    .iter()
                    .map(|p| p.ident.to_string())
                    .filter(|n| after.contains(n))
                    .collect();
                if !needed.is_empty() {
                    let name = &needed[0];
                    // What the block keeps to itself dies at its end: a hoisted value
                    // must not borrow from it (nor from the guard).
                    let inner: HashSet<String> = bound_here
                        .iter()
                        .filter(|n| !hoisted.iter().any(|(h, _, _)| h == *n))
                        .chain(tracked.iter())
                        .cloned()
                        .collect();
                    let ok = needed.len() == 1
                        && !tracked.contains(name)
                        && !hazards.contains(name)
                        && l.init.as_ref().is_some_and(|i| owned(&i.expr, &inner))
                        && !seen.contains(name)
                        && !bound_here.contains(name)
                        && !l
                            .init
                            .as_ref()
                            .is_some_and(|i| names_in_expr(&i.expr).contains(name));
                    match hoist(text, l, name).filter(|_| ok) {
                        Some(h) => hoisted.push(h),
                        None => return Err(Some(needed)),
                    }
                }
                bound_here.extend(idents.iter().map(|p| p.ident.to_string()));
            }
            _ => {}
        }
        seen.extend(names_in(stmt));
    }
    Ok(hoisted)
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

fn mentions_any(stmt: &syn::Stmt, names: &HashSet<String>) -> bool {
    names_in(stmt).iter().any(|n| names.contains(n))
}

fn expr_mentions(e: &syn::Expr, names: &HashSet<String>) -> bool {
    names_in_expr(e).iter().any(|n| names.contains(n))
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
            proc_macro2::TokenTree::Literal(l) => format_names(&l.to_string(), out),
            proc_macro2::TokenTree::Punct(_) => {}
        }
    }
}

/// The names a format string captures: `{name}`, `{name:?}`, `{name:>width$}`.
fn format_names(lit: &str, out: &mut HashSet<String>) {
    if !lit.ends_with('"') {
        return;
    }
    let mut rest = lit;
    while let Some(i) = rest.find('{') {
        rest = &rest[i + 1..];
        if rest.starts_with('{') {
            rest = &rest[1..];
            continue;
        }
        let name: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() && !name.starts_with(|c: char| c.is_ascii_digit()) {
            out.insert(name);
        }
        // `width$` names too.
        for part in rest.split('}').next().unwrap_or("").split(['$', ':', '.']) {
            let p = part.trim_start_matches(['<', '>', '^', '+', '-', '#', '0']);
            if !p.is_empty() && p.chars().all(|c| c.is_alphanumeric() || c == '_') {
                out.insert(p.to_string());
            }
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

/// `guard` and every local that may borrow from it in `stmts` (the statements after
/// its `let`): bound to a value that is not owned (`&g[0]`, `g.iter()`, a closure
/// mentioning it, a reference to a borrower), a pattern binding of a borrowed
/// scrutinee or loop, a closure parameter, or a local the borrow is stored in
/// (`v.push(&g[0])`, `r = &g[1]`, `f(&mut v, &g)`). Names, not scopes: a shadowed
/// name counts too, which only makes the scope longer. Iterated to a fixpoint, as a
/// loop may store a borrow made later in its body.
pub(super) fn borrowers(guard: &str, stmts: &[syn::Stmt]) -> HashSet<String> {
    let mut set = BorrowSinks {
        tracked: HashSet::from([guard.to_owned()]),
    };
    loop {
        let before = set.tracked.len();
        for s in stmts {
            set.visit_stmt(s);
        }
        if set.tracked.len() == before {
            return set.tracked;
        }
    }
}

struct BorrowSinks {
    tracked: HashSet<String>,
}

impl BorrowSinks {
    fn borrows(&self, e: &syn::Expr) -> bool {
        match e {
            // A closure borrows what its body mentions from outside.
            syn::Expr::Closure(c) => {
                let own = closure_params(c);
                names_in_expr(&c.body)
                    .iter()
                    .any(|n| self.tracked.contains(n) && !own.contains(n))
            }
            _ => expr_mentions(e, &self.tracked) && !owned(e, &self.tracked),
        }
    }

    /// The parameters of the closures among `args`: they may be given the items of
    /// a borrowed receiver or argument.
    fn add_closure_params(
        &mut self,
        args: &syn::punctuated::Punctuated<syn::Expr, syn::Token![,]>,
    ) {
        for a in args {
            if let syn::Expr::Closure(c) = a {
                for p in &c.inputs {
                    self.add_pattern(p);
                }
            }
        }
    }

    fn add_pattern(&mut self, pat: &syn::Pat) {
        let mut idents = Vec::new();
        collect_bindings(pat, &mut idents);
        self.tracked
            .extend(idents.iter().map(|p| p.ident.to_string()));
    }

    fn add_base(&mut self, e: &syn::Expr) {
        if let Some(n) = base_local(e) {
            self.tracked.insert(n);
        }
    }
}

impl<'ast> Visit<'ast> for BorrowSinks {
    fn visit_local(&mut self, l: &'ast syn::Local) {
        if let Some(init) = &l.init {
            let by_ref = pattern_has_ref(&l.pat) && expr_mentions(&init.expr, &self.tracked);
            if self.borrows(&init.expr) || by_ref {
                self.add_pattern(&l.pat);
            }
        }
        syn::visit::visit_local(self, l);
    }

    fn visit_expr_for_loop(&mut self, f: &'ast syn::ExprForLoop) {
        if self.borrows(&f.expr) {
            self.add_pattern(&f.pat);
        }
        syn::visit::visit_expr_for_loop(self, f);
    }

    fn visit_expr_let(&mut self, e: &'ast syn::ExprLet) {
        if self.borrows(&e.expr) || expr_mentions(&e.expr, &self.tracked) && pattern_has_ref(&e.pat)
        {
            self.add_pattern(&e.pat);
        }
        syn::visit::visit_expr_let(self, e);
    }

    fn visit_expr_match(&mut self, m: &'ast syn::ExprMatch) {
        if expr_mentions(&m.expr, &self.tracked) {
            let borrowed = self.borrows(&m.expr);
            for arm in &m.arms {
                if borrowed || pattern_has_ref(&arm.pat) {
                    self.add_pattern(&arm.pat);
                }
            }
        }
        syn::visit::visit_expr_match(self, m);
    }

    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        if self.borrows(&m.receiver) || m.args.iter().any(|a| self.borrows(a)) {
            self.add_closure_params(&m.args);
        }
        if m.args.iter().any(|a| self.borrows(a)) {
            self.add_base(&m.receiver);
        }
        syn::visit::visit_expr_method_call(self, m);
    }

    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        if c.args.iter().any(|a| self.borrows(a)) {
            self.add_closure_params(&c.args);
            for a in &c.args {
                if let syn::Expr::Reference(r) = a {
                    if r.mutability.is_some() {
                        self.add_base(&r.expr);
                    }
                }
            }
        }
        syn::visit::visit_expr_call(self, c);
    }

    fn visit_expr_assign(&mut self, a: &'ast syn::ExprAssign) {
        if self.borrows(&a.right) {
            self.add_base(&a.left);
        }
        syn::visit::visit_expr_assign(self, a);
    }
}

/// The local at the root of a place or method chain: `v` of `v.items[0].push(..)`.
fn base_local(e: &syn::Expr) -> Option<String> {
    match e {
        syn::Expr::Path(p) => p.path.get_ident().map(|i| i.to_string()),
        syn::Expr::Field(f) => base_local(&f.base),
        syn::Expr::Index(i) => base_local(&i.expr),
        syn::Expr::Paren(p) => base_local(&p.expr),
        syn::Expr::Group(g) => base_local(&g.expr),
        syn::Expr::Unary(u) => base_local(&u.expr),
        syn::Expr::Reference(r) => base_local(&r.expr),
        syn::Expr::MethodCall(m) => base_local(&m.receiver),
        _ => None,
    }
}

fn closure_params(c: &syn::ExprClosure) -> HashSet<String> {
    let mut idents = Vec::new();
    for p in &c.inputs {
        collect_bindings(p, &mut idents);
    }
    idents.iter().map(|i| i.ident.to_string()).collect()
}

fn pattern_has_ref(p: &syn::Pat) -> bool {
    let mut idents = Vec::new();
    collect_bindings(p, &mut idents);
    idents.iter().any(|i| i.by_ref.is_some())
}

/// Whether `e`'s value owns its data rather than borrowing from the `tracked`
/// locals: a copy read out of a place (`*g`, `g[0]`, `g.len`), an operator's
/// result, or a method or macro the table `hazard::owned` names. Anything else
/// that mentions a tracked local is taken to borrow from it.
pub(super) fn owned(e: &syn::Expr, tracked: &HashSet<String>) -> bool {
    use syn::Expr as E;
    if !expr_mentions(e, tracked) {
        return true;
    }
    match e {
        E::Lit(_) => true,
        E::Path(p) => !p
            .path
            .get_ident()
            .is_some_and(|i| tracked.contains(&i.to_string())),
        // Read by value out of a place: a copy (a move out of a guard does not compile).
        E::Unary(_) | E::Field(_) | E::Index(_) => true,
        E::Binary(_) | E::Cast(_) => true,
        E::Reference(_) | E::Closure(_) => false,
        E::MethodCall(m) => {
            let name = m.method.to_string();
            owned::owned_result_method(&name)
                || owned::OWNED_IF_RECEIVER_METHODS.contains(&name.as_str())
                    && owned(&m.receiver, tracked)
        }
        E::Try(t) => owned(&t.expr, tracked),
        E::Paren(p) => owned(&p.expr, tracked),
        E::Group(g) => owned(&g.expr, tracked),
        E::Macro(m) => m
            .mac
            .path
            .segments
            .last()
            .is_some_and(|s| owned::OWNED_RESULT_MACROS.contains(&s.ident.to_string().as_str())),
        E::Tuple(t) => t.elems.iter().all(|e| owned(e, tracked)),
        E::Array(a) => a.elems.iter().all(|e| owned(e, tracked)),
        E::Struct(s) => {
            s.fields.iter().all(|f| owned(&f.expr, tracked))
                && s.rest.as_ref().is_none_or(|r| owned(r, tracked))
        }
        E::Range(r) => {
            r.start.as_ref().is_none_or(|e| owned(e, tracked))
                && r.end.as_ref().is_none_or(|e| owned(e, tracked))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stmts(body: &str) -> Vec<syn::Stmt> {
        syn::parse_str::<syn::Block>(&format!("{{ {body} }}"))
            .expect("the test's body parses")
            .stmts
    }

    fn names(set: &HashSet<String>) -> Vec<&str> {
        let mut v: Vec<&str> = set.iter().map(String::as_str).collect();
        v.sort();
        v
    }

    #[test]
    fn borrowers_follow_references_iterators_closures_and_stores() {
        let s = stmts(
            "let first = &g[0]; let it = g.iter(); let f = || g.len(); \
             let n = g.len(); let v = *first; out.push(&g[1]); \
             for x in g.iter() { seen.push(x); } let r2 = first;",
        );
        assert_eq!(
            names(&borrowers("g", &s)),
            ["f", "first", "g", "it", "out", "r2", "seen", "x"]
        );
    }

    #[test]
    fn owned_values_do_not_borrow() {
        let tracked = HashSet::from(["g".to_owned()]);
        for owned_expr in [
            "g.len()",
            "*g",
            "g[0]",
            "g.field",
            "g.pop().unwrap()",
            "g.is_empty() && x",
            "format!(\"{}\", g.len())",
            "(g.len(), 1)",
            "0..g.len()",
        ] {
            let e: syn::Expr = syn::parse_str(owned_expr).expect("parses");
            assert!(owned(&e, &tracked), "{owned_expr}");
        }
        for borrowed in [
            "&g[0]",
            "g.iter()",
            "g.first().unwrap()",
            "|| g.len()",
            "g",
            "g.as_slice()",
        ] {
            let e: syn::Expr = syn::parse_str(borrowed).expect("parses");
            assert!(!owned(&e, &tracked), "{borrowed}");
        }
    }

    #[test]
    fn format_strings_capture_names() {
        let mut out = HashSet::new();
        format_names("\"{g:?} {{not}} {width$} {n:>w$}\"", &mut out);
        let mut v: Vec<_> = out.into_iter().collect();
        v.sort();
        assert_eq!(v, ["g", "n", "w", "width"]);
    }
}
