//! Which locals borrow from which, and where each local is used: what a fix needs
//! to know to end a guard's scope without cutting a borrow of it (issue 13). The
//! walk that lowers a body resolves every name it meets; here each resolution is
//! kept as a use at its statement, and each binding, store or capture that may take
//! a borrow is kept as an edge from the borrower to the local it borrows from
//! (`let first = &g[0];`, `let it = g.iter();`, `let f = || g.len();`,
//! `v.push(&g[0])`, `r = &g[1]`). What a value borrows is judged by its syntax and
//! the `hazard::owned` table; a method or call whose result is not known to own its
//! data is taken to borrow from its receiver and arguments (the safe side: a fix's
//! block grows). Flow-insensitive on purpose: a borrow stored anywhere in a loop
//! counts at every use of the borrower.

use crate::support::hash::HashSet;

use syn::visit::Visit;

use crate::hazard::owned;
use crate::held::{BorrowGraph, BorrowLocal, Borrows};

use super::closure::captured_names;
use super::pattern::pattern_has_ref;
use super::{strip_parens, BodyRef, Lowerer};

/// What the walk records for the borrow graph of one body.
#[derive(Default)]
pub(super) struct BorrowState {
    /// (borrower, borrowed-from), local ids.
    edges: Vec<(usize, usize)>,
    /// (local, statement frame) of every use.
    uses: Vec<(usize, Option<usize>)>,
    /// The statements being lowered, innermost last: (enclosing frame, syntax block,
    /// statement index).
    frames: Vec<(Option<usize>, usize, usize)>,
    frame: Option<usize>,
    /// Locals bound to a reference into the data behind a guard (`&g[0]`, `&*g`):
    /// a value read through them is a copy of that data, not a borrow.
    into_data: HashSet<usize>,
}

/// Where the value of an expression may take a borrow from, by its syntax.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// The local itself, or the place rooted at it (`g`, `&g[0]`, `g.iter()`).
    Local(String),
    /// A value read out of the place rooted at the local (`*r`, `g.len`, `v[0]`):
    /// a copy of what it holds, which borrows only if the local holds borrows.
    ReadFrom(String),
}

impl Source {
    pub fn name(&self) -> &str {
        match self {
            Source::Local(n) | Source::ReadFrom(n) => n,
        }
    }
}

/// Where the value of `e` may take a borrow from (see `Source`); empty when its
/// value owns its data (a literal, an operator's result, a method the table
/// `hazard::owned` names).
pub fn sources(e: &syn::Expr) -> Vec<Source> {
    let mut out = Vec::new();
    value_sources(e, &mut out);
    out
}

fn value_sources(e: &syn::Expr, out: &mut Vec<Source>) {
    use syn::Expr as E;
    match e {
        E::Lit(_) | E::Binary(_) | E::Cast(_) | E::Const(_) | E::Infer(_) => {}
        E::Path(p) => {
            if let Some(i) = p.path.get_ident() {
                out.push(Source::Local(i.to_string()));
            }
        }
        E::Paren(p) => value_sources(&p.expr, out),
        E::Group(g) => value_sources(&g.expr, out),
        E::Reference(r) => place_sources(&r.expr, out),
        E::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => read_sources(&u.expr, out),
        E::Unary(_) => {}
        E::Field(f) => read_sources(&f.base, out),
        E::Index(i) => read_sources(&i.expr, out),
        E::MethodCall(m) => {
            let name = m.method.to_string();
            if owned::owned_result_method(&name) {
                return;
            }
            if owned::OWNED_IF_RECEIVER_METHODS.contains(&name.as_str()) {
                // `unwrap_or(x)` may return `x`.
                value_sources(&m.receiver, out);
                m.args.iter().for_each(|a| value_sources(a, out));
                return;
            }
            place_sources(&m.receiver, out);
            m.args.iter().for_each(|a| value_sources(a, out));
        }
        E::Call(c) => {
            // A local closure's result may borrow what it captured.
            if let E::Path(p) = strip_parens(&c.func) {
                if let Some(i) = p.path.get_ident() {
                    out.push(Source::Local(i.to_string()));
                }
            }
            c.args.iter().for_each(|a| value_sources(a, out));
        }
        E::Tuple(t) => t.elems.iter().for_each(|e| value_sources(e, out)),
        E::Array(a) => a.elems.iter().for_each(|e| value_sources(e, out)),
        E::Repeat(r) => value_sources(&r.expr, out),
        E::Struct(s) => {
            s.fields.iter().for_each(|f| value_sources(&f.expr, out));
            if let Some(rest) = &s.rest {
                value_sources(rest, out);
            }
        }
        E::Range(r) => {
            r.start.iter().for_each(|e| value_sources(e, out));
            r.end.iter().for_each(|e| value_sources(e, out));
        }
        E::Try(t) => value_sources(&t.expr, out),
        E::Await(a) => value_sources(&a.base, out),
        E::Macro(m)
            if m.mac.path.segments.last().is_some_and(|s| {
                owned::OWNED_RESULT_MACROS.contains(&s.ident.to_string().as_str())
            }) => {}
        // A closure, a block, a branch, a macro: whatever it mentions.
        e => out.extend(mentioned(e).into_iter().map(Source::Local)),
    }
}

/// What a borrow of the place `e` borrows: the local at its root, or what the value
/// at its root borrows (`&g.iter().next()`).
fn place_sources(e: &syn::Expr, out: &mut Vec<Source>) {
    match root_name(e) {
        Some(n) => out.push(Source::Local(n)),
        None => value_sources(e, out),
    }
}

/// A value read out of the place `e`.
fn read_sources(e: &syn::Expr, out: &mut Vec<Source>) {
    match root_name(e) {
        Some(n) => out.push(Source::ReadFrom(n)),
        None => value_sources(e, out),
    }
}

/// The local at the root of a place: `v` of `v.items[0]`, `*r`.
pub fn root_name(e: &syn::Expr) -> Option<String> {
    match e {
        syn::Expr::Path(p) => p.path.get_ident().map(|i| i.to_string()),
        syn::Expr::Field(f) => root_name(&f.base),
        syn::Expr::Index(i) => root_name(&i.expr),
        syn::Expr::Paren(p) => root_name(&p.expr),
        syn::Expr::Group(g) => root_name(&g.expr),
        syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => root_name(&u.expr),
        _ => None,
    }
}

/// Every name an expression mentions: single-segment paths, identifiers in macro
/// tokens and the names format strings capture.
fn mentioned(e: &syn::Expr) -> Vec<String> {
    #[derive(Default)]
    struct Names(Vec<String>);
    impl<'ast> Visit<'ast> for Names {
        fn visit_expr_path(&mut self, p: &'ast syn::ExprPath) {
            if let Some(i) = p.path.get_ident() {
                self.0.push(i.to_string());
            }
        }
        fn visit_macro(&mut self, m: &'ast syn::Macro) {
            let mut idents = Vec::new();
            let mut await_at = None;
            super::macros::scan_idents(&m.tokens, &mut idents, &mut await_at);
            self.0.extend(idents.into_iter().map(|(n, _)| n));
            for t in literals(&m.tokens) {
                self.0.extend(format_captures(&t));
            }
        }
    }
    let mut n = Names::default();
    n.visit_expr(e);
    n.0
}

/// The string literals of a token stream, at any depth.
fn literals(tokens: &proc_macro2::TokenStream) -> Vec<String> {
    let mut out = Vec::new();
    for t in tokens.clone() {
        match t {
            proc_macro2::TokenTree::Literal(l) => out.push(l.to_string()),
            proc_macro2::TokenTree::Group(g) => out.extend(literals(&g.stream())),
            _ => {}
        }
    }
    out
}

/// The names a format string captures: `{name}`, `{name:?}`, `{0:>width$}`.
pub fn format_captures(lit: &str) -> Vec<String> {
    let mut out = Vec::new();
    if !lit.ends_with('"') {
        return out;
    }
    let mut rest = lit;
    while let Some(i) = rest.find('{') {
        rest = &rest[i + 1..];
        if let Some(r) = rest.strip_prefix('{') {
            rest = r;
            continue;
        }
        let spec = rest.split('}').next().unwrap_or("");
        for part in spec.split(['$', ':', '.']) {
            let p = part.trim_start_matches(['<', '>', '^', '+', '-', '#', '0']);
            let ident = !p.is_empty()
                && !p.starts_with(|c: char| c.is_ascii_digit())
                && p.chars().all(|c| c.is_alphanumeric() || c == '_');
            if ident {
                out.push(p.to_string());
            }
        }
    }
    out
}

impl<'a, 'ast> Lowerer<'a, 'ast> {
    /// Statement `stmt` of syntax block `block` starts being lowered.
    pub(super) fn enter_stmt(&mut self, block: usize, stmt: usize) {
        let b = &mut self.borrow;
        b.frames.push((b.frame, block, stmt));
        b.frame = Some(b.frames.len() - 1);
    }

    pub(super) fn leave_stmt(&mut self) {
        let b = &mut self.borrow;
        b.frame = b.frame.and_then(|f| b.frames[f].0);
    }

    /// Local `l` is used (read, borrowed, moved, assigned, captured) here.
    pub(super) fn note_use(&mut self, l: usize) {
        let frame = self.borrow.frame;
        self.borrow.uses.push((l, frame));
    }

    /// The locals `sources` name, as visible here.
    fn resolve(&self, sources: &[Source]) -> Vec<usize> {
        let mut out = Vec::new();
        for s in sources {
            let Some(l) = self.lookup(s.name()) else {
                continue;
            };
            let copy = matches!(s, Source::ReadFrom(_))
                && (!self.locals[l].shapes.is_empty() || self.borrow.into_data.contains(&l));
            if !copy && !out.contains(&l) {
                out.push(l);
            }
        }
        out
    }

    /// What the value of `e` may borrow, as locals visible here.
    pub(super) fn borrowed_by(&self, e: &syn::Expr) -> Vec<usize> {
        self.resolve(&sources(e))
    }

    /// What the bindings of a pattern matched against `e` may borrow: what its value
    /// borrows, and the place itself when the pattern binds by reference.
    pub(super) fn pattern_borrows(&self, pat: &syn::Pat, e: &syn::Expr) -> Vec<usize> {
        let mut s = sources(e);
        if pattern_has_ref(pat) {
            s.extend(root_name(e).map(Source::Local));
        }
        self.resolve(&s)
    }

    /// The locals declared from `first` on borrow from `from`.
    pub(super) fn bound_borrowing(&mut self, first: usize, from: &[usize]) {
        for b in first..self.locals.len() {
            self.borrow
                .edges
                .extend(from.iter().filter(|&&f| f != b).map(|&f| (b, f)));
        }
    }

    /// Whether `init` is a reference into the data behind a guard (`&g[0]`, `&*g`):
    /// a value read through a local bound to it is a copy of that data.
    pub(super) fn refers_into_guard(&self, init: &syn::Expr) -> bool {
        let syn::Expr::Reference(r) = strip_parens(init) else {
            return false;
        };
        root_name(&r.expr)
            .and_then(|n| self.lookup(&n))
            .is_some_and(|g| !self.locals[g].shapes.is_empty())
    }

    /// A `let` bound its locals from `first` on to a value that borrows `from`
    /// (`into_data`: a reference into a guard's data).
    pub(super) fn let_borrows(&mut self, first: usize, from: &[usize], into_data: bool) {
        self.bound_borrowing(first, from);
        if into_data && first + 1 == self.locals.len() {
            self.borrow.into_data.insert(first);
        }
    }

    /// `place = value`: the place's local may now hold what the value borrows.
    pub(super) fn assign_borrows(&mut self, a: &'ast syn::ExprAssign) {
        let Some(l) = root_name(&a.left).and_then(|n| self.lookup(&n)) else {
            return;
        };
        let from = self.borrowed_by(&a.right);
        self.borrow
            .edges
            .extend(from.into_iter().filter(|&f| f != l).map(|f| (l, f)));
    }

    /// A method call may store a borrow of its arguments in its receiver
    /// (`v.push(&g[0])`), and a closure among its arguments may store a borrow of
    /// the receiver or the arguments in what it captures (`g.iter().for_each(|x|
    /// out.push(x))`).
    pub(super) fn method_call_borrows(&mut self, m: &'ast syn::ExprMethodCall) {
        let from_args: Vec<usize> = m.args.iter().flat_map(|a| self.borrowed_by(a)).collect();
        let receiver = root_name(&m.receiver).and_then(|n| self.lookup(&n));
        let mut all = from_args.clone();
        match receiver {
            Some(r) => {
                self.store(&[r], &from_args);
                all.push(r);
            }
            None => all.extend(self.borrowed_by(&m.receiver)),
        }
        self.closure_args_store(m.args.iter(), &all);
    }

    /// A call may store a borrow of its arguments through a `&mut` argument
    /// (`f(&mut v, &g)`) or in what a closure argument captures.
    pub(super) fn call_borrows(&mut self, c: &'ast syn::ExprCall) {
        let from: Vec<usize> = c.args.iter().flat_map(|a| self.borrowed_by(a)).collect();
        let targets: Vec<usize> = c
            .args
            .iter()
            .filter_map(|a| match strip_parens(a) {
                syn::Expr::Reference(r) if r.mutability.is_some() => root_name(&r.expr),
                _ => None,
            })
            .filter_map(|n| self.lookup(&n))
            .collect();
        self.store(&targets, &from);
        self.closure_args_store(c.args.iter(), &from);
    }

    fn closure_args_store<'e>(
        &mut self,
        args: impl Iterator<Item = &'e syn::Expr>,
        from: &[usize],
    ) {
        if from.is_empty() {
            return;
        }
        for a in args {
            let body = match strip_parens(a) {
                syn::Expr::Closure(c) => BodyRef::Expr(&c.body),
                _ => continue,
            };
            let names = captured_names(body, &self.arena.mentions);
            let captured: Vec<usize> = names.iter().filter_map(|n| self.lookup(n)).collect();
            self.store(&captured, from);
        }
    }

    fn store(&mut self, into: &[usize], from: &[usize]) {
        for &i in into {
            self.borrow
                .edges
                .extend(from.iter().filter(|&&f| f != i).map(|&f| (i, f)));
        }
    }

    /// A format string's captured names (`"{g:?}"`) are uses of those locals.
    pub(super) fn format_string_uses(&mut self, lit: &syn::Lit) {
        let syn::Lit::Str(s) = lit else {
            return;
        };
        for name in format_captures(&s.token().to_string()) {
            if let Some(l) = self.lookup(&name) {
                self.mention(l);
            }
        }
    }

    /// The borrow graph of the body, and for each binding value the locals that
    /// borrow from it and its last use in its block.
    pub(super) fn finish_borrows(&mut self) -> BorrowGraph {
        let mut graph = BorrowGraph {
            locals: self
                .locals
                .iter()
                .map(|l| BorrowLocal {
                    name: l.name.clone(),
                    span: l.span,
                    from: Vec::new(),
                })
                .collect(),
        };
        for &(b, f) in &self.borrow.edges {
            if !graph.locals[b].from.contains(&f) {
                graph.locals[b].from.push(f);
            }
        }
        for l in 0..self.locals.len() {
            let (Some(v), Some((block, decl))) = (self.locals[l].value, self.locals[l].decl) else {
                continue;
            };
            let borrowers = graph.borrowers_of(l);
            let last_use = self
                .borrow
                .uses
                .iter()
                .filter(|(u, _)| *u == l || borrowers.contains(u))
                .filter_map(|&(_, frame)| self.stmt_in(frame, block))
                .filter(|&s| s > decl)
                .max();
            self.values[v].borrows = Borrows {
                borrowers: borrowers
                    .iter()
                    .map(|&b| (self.locals[b].name.clone(), self.locals[b].span))
                    .collect(),
                last_use,
            };
        }
        graph
    }

    /// The statement of syntax block `block` that the frame is in.
    fn stmt_in(&self, mut frame: Option<usize>, block: usize) -> Option<usize> {
        while let Some(f) = frame {
            let (parent, b, s) = self.borrow.frames[f];
            if b == block {
                return Some(s);
            }
            frame = parent;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(e: &str) -> Vec<String> {
        let e: syn::Expr = syn::parse_str(e).expect("the test's expression parses");
        sources(&e)
            .into_iter()
            .map(|s| match s {
                Source::Local(n) => n,
                Source::ReadFrom(n) => format!("*{n}"),
            })
            .collect()
    }

    #[test]
    fn owned_values_borrow_nothing() {
        for e in [
            "g.len()",
            "g.pop().unwrap()",
            "g.is_empty() && x",
            "format!(\"{}\", g.len())",
            "(g.len(), 1)",
            "0..g.len()",
            "1",
        ] {
            assert!(names(e).is_empty(), "{e}: {:?}", names(e));
        }
    }

    #[test]
    fn borrows_and_reads_name_their_root() {
        assert_eq!(names("&g[0]"), ["g"]);
        assert_eq!(names("g.iter()"), ["g"]);
        assert_eq!(names("g.first().unwrap()"), ["g"]);
        assert_eq!(names("g.items.iter().map(|x| x + k)"), ["g", "x", "k"]);
        assert_eq!(names("*first"), ["*first"]);
        assert_eq!(names("g.field"), ["*g"]);
        assert_eq!(names("pair.0"), ["*pair"]);
        assert_eq!(names("S { a: &g[0], n: g.len() }"), ["g"]);
        assert_eq!(names("f(&g)"), ["f", "g"]);
    }

    #[test]
    fn format_strings_capture_names() {
        let mut v = format_captures("\"{g:?} {{not}} {width$} {n:>w$} {0}\"");
        v.sort();
        assert_eq!(v, ["g", "n", "w", "width"]);
    }
}
