//! Byte ranges of syntax nodes without re-tokenising them. `syn`'s `Spanned`
//! turns a whole subtree back into tokens to find its span, which costs the size
//! of the subtree on every call; the walk needs spans at every level, so these
//! follow only the first and last token of a node.

use proc_macro2::Span;
use syn::spanned::Spanned;

use crate::dataflow::ByteRange;

/// The byte range of `span` in the text it was parsed from.
pub fn range(span: Span) -> ByteRange {
    let fast = installed(span, |lines| {
        Some((lines.offset(span.start())?, lines.offset(span.end())?))
    });
    debug_assert!(fast.is_none_or(|r| r == slow_range(span)));
    fast.unwrap_or_else(|| slow_range(span))
}

/// `range(span).0`, at half the cost where the lines are known.
pub fn start_of(span: Span) -> usize {
    let fast = fast_end(span, Span::start);
    debug_assert!(fast.is_none_or(|at| at == slow_range(span).0));
    fast.unwrap_or_else(|| slow_range(span).0)
}

/// `range(span).1`, at half the cost where the lines are known.
pub fn end_of(span: Span) -> usize {
    let fast = fast_end(span, Span::end);
    debug_assert!(fast.is_none_or(|at| at == slow_range(span).1));
    fast.unwrap_or_else(|| slow_range(span).1)
}

/// One end of `span` (`which` is `Span::start` or `Span::end`) from the installed
/// lines, if they are its text's.
fn fast_end(span: Span, which: fn(&Span) -> proc_macro2::LineColumn) -> Option<usize> {
    installed(span, |lines| lines.offset(which(&span)))
}

/// `answer` from the installed lines, if `span` is of their text.
fn installed<T>(span: Span, answer: impl FnOnce(&Lines) -> Option<T>) -> Option<T> {
    LINES.with(|l| {
        let lines = l.borrow();
        let lines = lines.as_ref()?;
        span.join(lines.anchor)?;
        answer(lines)
    })
}

/// proc-macro2's answer: it turns char offsets into bytes through a map of every
/// offset asked so far, searched twice (above and below) per end: about a thousand
/// instructions a span, 7% of a run on the 32-crate corpus.
fn slow_range(span: Span) -> ByteRange {
    let r = span.byte_range();
    (r.start, r.end)
}

thread_local! {
    /// The lines of the file whose syntax tree this thread is analysing (`with_lines`).
    static LINES: std::cell::RefCell<Option<Lines>> = const { std::cell::RefCell::new(None) };
}

/// Where the lines of one parsed text start, to turn the line and column proc-macro2
/// keeps for a span (a search of a sorted list) into a byte offset.
struct Lines {
    /// A span of the text: a span belongs to the same text iff proc-macro2 can join
    /// the two (its `join` refuses spans of different texts).
    anchor: Span,
    /// The byte offset of each line's start.
    starts: Vec<usize>,
    /// The text, kept only if it is not all ASCII (then a column, in chars, is not
    /// a byte count).
    non_ascii: Option<Box<str>>,
}

impl Lines {
    /// The byte offset of a line (1-based) and column (in chars).
    fn offset(&self, at: proc_macro2::LineColumn) -> Option<usize> {
        let start = *self.starts.get(at.line.checked_sub(1)?)?;
        let Some(text) = &self.non_ascii else {
            return Some(start + at.column);
        };
        let line = text.get(start..)?;
        Some(
            start
                + line
                    .char_indices()
                    .nth(at.column)
                    .map_or(line.len(), |(i, _)| i),
        )
    }
}

/// Run `f` (the analysis of `file`, parsed from `text` by `syn::parse_file`) with
/// `range` answering for spans of `text` from its own table of lines; spans of any
/// other text (a file summarised meanwhile) still ask proc-macro2.
pub fn with_lines<T>(text: &str, file: &syn::File, f: impl FnOnce() -> T) -> T {
    // What proc-macro2 was given: syn strips a byte order mark, and a shebang line
    // (then offsets count from its end): left to the slow way.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let Some(anchor) = (!text.starts_with("#!"))
        .then(|| first_span(file))
        .flatten()
    else {
        return f();
    };
    let starts = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let lines = Lines {
        anchor,
        starts,
        non_ascii: (!text.is_ascii()).then(|| text.into()),
    };
    struct Restore(Option<Lines>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let before = self.0.take();
            LINES.with(|l| *l.borrow_mut() = before);
        }
    }
    let _restore = Restore(LINES.with(|l| l.borrow_mut().replace(lines)));
    f()
}

/// A span of a file's first attribute or item, found without walking it.
fn first_span(file: &syn::File) -> Option<Span> {
    use syn::Item as I;
    if let Some(attr) = file.attrs.first() {
        return Some(attr.pound_token.span);
    }
    let span = match file.items.first()? {
        I::Const(x) => x.const_token.span,
        I::Enum(x) => x.enum_token.span,
        I::ExternCrate(x) => x.extern_token.span,
        I::Fn(x) => x.sig.fn_token.span,
        I::ForeignMod(x) => x.abi.extern_token.span,
        I::Impl(x) => x.impl_token.span,
        I::Macro(x) => x.mac.bang_token.span,
        I::Mod(x) => x.mod_token.span,
        I::Static(x) => x.static_token.span,
        I::Struct(x) => x.struct_token.span,
        I::Trait(x) => x.trait_token.span,
        I::TraitAlias(x) => x.trait_token.span,
        I::Type(x) => x.type_token.span,
        I::Union(x) => x.union_token.span,
        I::Use(x) => x.use_token.span,
        other => other.span(),
    };
    Some(span)
}

/// The byte range of an expression.
pub fn expr(e: &syn::Expr) -> ByteRange {
    (start_of(expr_first(e)), end_of(expr_last(e)))
}

pub fn block(b: &syn::Block) -> ByteRange {
    (
        start_of(b.brace_token.span.open()),
        end_of(b.brace_token.span.close()),
    )
}

pub fn stmt(s: &syn::Stmt) -> ByteRange {
    match s {
        syn::Stmt::Local(l) => local(l),
        syn::Stmt::Item(i) => range(i.span()),
        syn::Stmt::Expr(e, semi) => {
            let (start, end) = expr(e);
            (start, semi.map(|s| end_of(s.span)).unwrap_or(end))
        }
        syn::Stmt::Macro(m) => {
            let (start, end) = mac(&m.mac);
            (start, m.semi_token.map(|s| end_of(s.span)).unwrap_or(end))
        }
    }
}

pub fn local(l: &syn::Local) -> ByteRange {
    (start_of(l.let_token.span), end_of(l.semi_token.span))
}

pub fn mac(m: &syn::Macro) -> ByteRange {
    let start = m
        .path
        .segments
        .first()
        .map(|s| start_of(s.ident.span()))
        .unwrap_or_else(|| start_of(m.bang_token.span));
    (start, end_of(m.delimiter.span().close()))
}

pub fn if_expr(i: &syn::ExprIf) -> ByteRange {
    let end = match &i.else_branch {
        Some((_, els)) => expr(els).1,
        None => end_of(block_close(&i.then_branch)),
    };
    (start_of(i.if_token.span), end)
}

pub fn match_expr(m: &syn::ExprMatch) -> ByteRange {
    (
        start_of(m.match_token.span),
        end_of(m.brace_token.span.close()),
    )
}

fn block_open(b: &syn::Block) -> Span {
    b.brace_token.span.open()
}

fn block_close(b: &syn::Block) -> Span {
    b.brace_token.span.close()
}

fn path_first(p: &syn::Path) -> Span {
    match (&p.leading_colon, p.segments.first()) {
        (Some(c), _) => c.spans[0],
        (None, Some(s)) => s.ident.span(),
        (None, None) => Span::call_site(),
    }
}

fn path_last(p: &syn::Path) -> Span {
    match p.segments.last() {
        Some(seg) => match &seg.arguments {
            syn::PathArguments::None => seg.ident.span(),
            syn::PathArguments::AngleBracketed(a) => a.gt_token.span,
            syn::PathArguments::Parenthesized(a) => match &a.output {
                syn::ReturnType::Default => a.paren_token.span.close(),
                syn::ReturnType::Type(_, ty) => ty.span(),
            },
        },
        None => Span::call_site(),
    }
}

/// The first token of an expression, following only the left spine.
pub fn expr_first(mut e: &syn::Expr) -> Span {
    use syn::Expr as E;
    loop {
        e = match e {
            E::Array(x) => return x.bracket_token.span.open(),
            E::Assign(x) => &x.left,
            E::Async(x) => return x.async_token.span,
            E::Await(x) => &x.base,
            E::Binary(x) => &x.left,
            E::Block(x) => {
                return match &x.label {
                    Some(l) => l.name.apostrophe,
                    None => block_open(&x.block),
                }
            }
            E::Break(x) => return x.break_token.span,
            E::Call(x) => &x.func,
            E::Cast(x) => &x.expr,
            E::Closure(x) => {
                return x
                    .asyncness
                    .map(|a| a.span)
                    .or(x.capture.map(|c| c.span))
                    .unwrap_or(x.inputs_begin.span)
            }
            E::Const(x) => return x.const_token.span,
            E::Continue(x) => return x.continue_token.span,
            E::Field(x) => &x.base,
            E::ForLoop(x) => {
                return x
                    .label
                    .as_ref()
                    .map(|l| l.name.apostrophe)
                    .unwrap_or(x.for_token.span)
            }
            E::Group(x) => &x.expr,
            E::If(x) => return x.if_token.span,
            E::Index(x) => &x.expr,
            E::Infer(x) => return x.underscore_token.span,
            E::Let(x) => return x.let_token.span,
            E::Lit(x) => return x.lit.span(),
            E::Loop(x) => {
                return x
                    .label
                    .as_ref()
                    .map(|l| l.name.apostrophe)
                    .unwrap_or(x.loop_token.span)
            }
            E::Macro(x) => return path_first(&x.mac.path),
            E::Match(x) => return x.match_token.span,
            E::MethodCall(x) => &x.receiver,
            E::Paren(x) => return x.paren_token.span.open(),
            E::Path(x) => {
                return match &x.qself {
                    Some(q) => q.lt_token.span,
                    None => path_first(&x.path),
                }
            }
            E::Range(x) => match &x.start {
                Some(s) => s,
                None => return x.limits.span(),
            },
            E::RawAddr(x) => return x.and_token.span,
            E::Reference(x) => return x.and_token.span,
            E::Repeat(x) => return x.bracket_token.span.open(),
            E::Return(x) => return x.return_token.span,
            E::Struct(x) => {
                return match &x.qself {
                    Some(q) => q.lt_token.span,
                    None => path_first(&x.path),
                }
            }
            E::Try(x) => &x.expr,
            E::TryBlock(x) => return x.try_token.span,
            E::Tuple(x) => return x.paren_token.span.open(),
            E::Unary(x) => return x.op.span(),
            E::Unsafe(x) => return x.unsafe_token.span,
            E::While(x) => {
                return x
                    .label
                    .as_ref()
                    .map(|l| l.name.apostrophe)
                    .unwrap_or(x.while_token.span)
            }
            E::Yield(x) => return x.yield_token.span,
            other => return other.span(),
        };
    }
}

/// The last token of an expression, following only the right spine.
pub fn expr_last(mut e: &syn::Expr) -> Span {
    use syn::Expr as E;
    loop {
        e = match e {
            E::Array(x) => return x.bracket_token.span.close(),
            E::Assign(x) => &x.right,
            E::Async(x) => return block_close(&x.block),
            E::Await(x) => return x.await_token.span,
            E::Binary(x) => &x.right,
            E::Block(x) => return block_close(&x.block),
            E::Break(x) => match (&x.expr, &x.label) {
                (Some(v), _) => v,
                (None, Some(l)) => return l.ident.span(),
                (None, None) => return x.break_token.span,
            },
            E::Call(x) => return x.paren_token.span.close(),
            E::Cast(x) => return x.ty.span(),
            E::Closure(x) => &x.body,
            E::Const(x) => return block_close(&x.block),
            E::Continue(x) => {
                return x
                    .label
                    .as_ref()
                    .map(|l| l.ident.span())
                    .unwrap_or(x.continue_token.span)
            }
            E::Field(x) => {
                return match &x.member {
                    syn::Member::Named(n) => n.span(),
                    syn::Member::Unnamed(i) => i.span,
                }
            }
            E::ForLoop(x) => return block_close(&x.body),
            E::Group(x) => &x.expr,
            E::If(x) => match &x.else_branch {
                Some((_, els)) => els,
                None => return block_close(&x.then_branch),
            },
            E::Index(x) => return x.bracket_token.span.close(),
            E::Infer(x) => return x.underscore_token.span,
            E::Let(x) => &x.expr,
            E::Lit(x) => return x.lit.span(),
            E::Loop(x) => return block_close(&x.body),
            E::Macro(x) => return x.mac.delimiter.span().close(),
            E::Match(x) => return x.brace_token.span.close(),
            E::MethodCall(x) => return x.paren_token.span.close(),
            E::Paren(x) => return x.paren_token.span.close(),
            E::Path(x) => return path_last(&x.path),
            E::Range(x) => match &x.end {
                Some(end) => end,
                None => return x.limits.span(),
            },
            E::RawAddr(x) => &x.expr,
            E::Reference(x) => &x.expr,
            E::Repeat(x) => return x.bracket_token.span.close(),
            E::Return(x) => match &x.expr {
                Some(v) => v,
                None => return x.return_token.span,
            },
            E::Struct(x) => return x.brace_token.span.close(),
            E::Try(x) => return x.question_token.span,
            E::TryBlock(x) => return block_close(&x.block),
            E::Tuple(x) => return x.paren_token.span.close(),
            E::Unary(x) => &x.expr,
            E::Unsafe(x) => return block_close(&x.block),
            E::While(x) => return block_close(&x.body),
            E::Yield(x) => match &x.expr {
                Some(v) => v,
                None => return x.yield_token.span,
            },
            other => return other.span(),
        };
    }
}

/// Spine walks longer than this are remembered by `Cache`.
const SHORT_SPINE: usize = 16;

/// The byte ranges of the expressions of one parsed file, remembered where their
/// spine is long. `expr` follows a node's left and right spines, which in a chain
/// (`a.f().f()…`, `x???`, `1 + 1 + …`, `|| || …`) are as long as the chain: a walk
/// that asks at every level would cost the square of its length. Keyed by the
/// node's address, so a cache must not outlive the syntax tree it was asked about
/// (it lives in the lowering's arenas, which the tree outlives).
#[derive(Default)]
pub struct Cache {
    first: std::cell::RefCell<std::collections::HashMap<usize, Span>>,
    last: std::cell::RefCell<std::collections::HashMap<usize, Span>>,
}

impl Cache {
    /// `expr(e)`, remembering the spines it walked.
    pub fn expr(&self, e: &syn::Expr) -> ByteRange {
        let first = cached_end(e, &self.first, left_child, expr_first);
        let last = cached_end(e, &self.last, right_child, expr_last);
        (start_of(first), end_of(last))
    }
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cache").finish_non_exhaustive()
    }
}

/// The token at one end of `e`: found by `end` when the spine is short, else walked
/// down the spine with `child` (which gives the next node, or `None` where `end`
/// answers at once), every node on the way remembered in `memo`.
fn cached_end(
    e: &syn::Expr,
    memo: &std::cell::RefCell<std::collections::HashMap<usize, Span>>,
    child: fn(&syn::Expr) -> Option<&syn::Expr>,
    end: fn(&syn::Expr) -> Span,
) -> Span {
    // Most spines are short: walked without the memo.
    let mut node = e;
    for _ in 0..SHORT_SPINE {
        match child(node) {
            Some(next) => node = next,
            None => return end(node),
        }
    }
    let key = |e: &syn::Expr| e as *const syn::Expr as usize;
    let mut node = e;
    let mut spine = Vec::new();
    let span = loop {
        if let Some(span) = memo.borrow().get(&key(node)) {
            break *span;
        }
        match child(node) {
            Some(next) => {
                spine.push(key(node));
                node = next;
            }
            None => break end(node),
        }
    };
    let mut memo = memo.borrow_mut();
    for k in spine {
        memo.insert(k, span);
    }
    span
}

/// The next node of the left spine, where `expr_first` would step down.
fn left_child(e: &syn::Expr) -> Option<&syn::Expr> {
    use syn::Expr as E;
    match e {
        E::Assign(x) => Some(&x.left),
        E::Await(x) => Some(&x.base),
        E::Binary(x) => Some(&x.left),
        E::Call(x) => Some(&x.func),
        E::Cast(x) => Some(&x.expr),
        E::Field(x) => Some(&x.base),
        E::Group(x) => Some(&x.expr),
        E::Index(x) => Some(&x.expr),
        E::MethodCall(x) => Some(&x.receiver),
        E::Range(x) => x.start.as_deref(),
        E::Try(x) => Some(&x.expr),
        _ => None,
    }
}

/// The next node of the right spine, where `expr_last` would step down.
fn right_child(e: &syn::Expr) -> Option<&syn::Expr> {
    use syn::Expr as E;
    match e {
        E::Assign(x) => Some(&x.right),
        E::Binary(x) => Some(&x.right),
        E::Break(x) => x.expr.as_deref(),
        E::Closure(x) => Some(&x.body),
        E::Group(x) => Some(&x.expr),
        E::If(x) => x.else_branch.as_ref().map(|(_, els)| &**els),
        E::Let(x) => Some(&x.expr),
        E::Range(x) => x.end.as_deref(),
        E::RawAddr(x) => Some(&x.expr),
        E::Reference(x) => Some(&x.expr),
        E::Return(x) => x.expr.as_deref(),
        E::Unary(x) => Some(&x.expr),
        E::Yield(x) => x.expr.as_deref(),
        _ => None,
    }
}
