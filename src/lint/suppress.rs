//! Lint levels written in the checked code: `#[allow|expect|warn|deny|forbid(...)]`
//! on the file, items, impl and trait items, statements, closures, async blocks and
//! match arms, and `// yieldsafe: allow(<lint>) <reason>` on the line before a
//! finding. The innermost attribute around a finding's value decides, as in rustc.

use std::cell::Cell;

use syn::visit::Visit;

use crate::catalog::names::{self, Named, Tool};
use crate::catalog::{Lint, LintLevels};
use crate::dataflow::ByteRange;
use crate::diagnostic::Level;

#[derive(Debug, Clone)]
struct Region {
    start: usize,
    end: usize,
    /// What the attribute's lint name means (a lint, a group, `warnings`).
    named: Named,
    level: Level,
    /// `#[expect(..)]`, and whether a finding met it.
    expect: bool,
    used: Cell<bool>,
    /// The lint as written in the attribute, and where.
    written: String,
    attr: ByteRange,
    /// The attribute's `reason = ".."`.
    reason: Option<String>,
}

#[derive(Debug, Clone)]
struct AllowComment {
    /// 1-based line of the comment.
    line: usize,
    lint: String,
    used: Cell<bool>,
    at: ByteRange,
}

/// The lint attributes of one file.
#[derive(Debug, Default)]
pub struct SourceLevels {
    regions: Vec<Region>,
    comments: Vec<AllowComment>,
    unknown: Vec<UnknownName>,
}

/// An `#[expect]` that no finding met, or a `// yieldsafe: allow` comment that
/// silenced nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unfulfilled {
    pub at: ByteRange,
    pub lint: String,
    pub comment: bool,
    /// The expectation's `reason = ".."`.
    pub reason: Option<String>,
}

/// A lint name in an attribute that names none of our lints where it is written,
/// though it is one of ours in another namespace or a misspelling of one
/// (`clippy::must_not_suspend`, `clippy::await_holding_lok`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownName {
    /// The name in the attribute.
    pub at: ByteRange,
    pub written: String,
    /// The lint it most likely means.
    pub meant: Lint,
}

impl SourceLevels {
    pub fn collect(file: &syn::File, text: &str) -> SourceLevels {
        let mut c = Collector {
            regions: Vec::new(),
            unknown: Vec::new(),
        };
        c.add(&file.attrs, 0, text.len());
        c.visit_file(file);
        SourceLevels {
            regions: c.regions,
            comments: allow_comments(text),
            unknown: c.unknown,
        }
    }

    /// The level of `lint` for a finding whose value starts at byte `at` on 1-based
    /// `line`, given the levels of the command line and configuration. As in rustc,
    /// the innermost attribute naming the lint (or a group holding it) decides its
    /// own level; when that is `warn`, the innermost `warnings` decides what warn
    /// means; a `forbid` around it is never lowered.
    /// Call it only for a lint that has a finding there: it marks the `#[expect]`
    /// or comment that decides as fulfilled.
    pub fn level(&self, lint: Lint, at: usize, line: usize, base: &LintLevels) -> Level {
        let (level, decided_by) = self.deciding(lint, at, line, base);
        if let Some(r) = decided_by {
            r.used.set(true);
        }
        level
    }

    /// The `reason = ".."` of the attribute that decides `lint`'s level at `at`, which
    /// rustc adds to the finding as a note.
    pub fn reason(&self, lint: Lint, at: usize, line: usize, base: &LintLevels) -> Option<&str> {
        self.deciding(lint, at, line, base).1?.reason.as_deref()
    }

    /// `level`, and the attribute that decides it (`None`: the command line, the
    /// configuration or a comment).
    fn deciding(
        &self,
        lint: Lint,
        at: usize,
        line: usize,
        base: &LintLevels,
    ) -> (Level, Option<&Region>) {
        if base.own(lint) == Level::Forbid {
            return (Level::Forbid, None);
        }
        if let Some(c) = self
            .comments
            .iter()
            .find(|c| c.line + 1 == line && comment_covers(&c.lint, lint))
        {
            c.used.set(true);
            return (Level::Allow, None);
        }
        let around = || {
            self.regions
                .iter()
                .filter(move |r| r.start <= at && at < r.end)
        };
        let innermost = |pick: &dyn Fn(&Region) -> bool| {
            around().filter(|r| pick(r)).min_by_key(|r| r.end - r.start)
        };
        if let Some(r) = innermost(&|r| r.level == Level::Forbid && r.named.names(lint)) {
            return (Level::Forbid, Some(r));
        }
        let own = innermost(&|r| r.named.names(lint));
        let level = own.map_or(base.own(lint), |r| r.level);
        if level != Level::Warn {
            return (level, own);
        }
        if let Some(r) = own {
            // The attribute that set `warn` is met, whatever `warnings` makes of it.
            r.used.set(true);
        }
        match innermost(&|r| r.named == Named::Warnings) {
            Some(r) => (r.level, Some(r)),
            None => (base.warnings(), own),
        }
    }

    /// The levels of `lints` at byte `at` on `line`: `base` with each decided as
    /// `level` decides it.
    pub fn levels_at(
        &self,
        lints: &[Lint],
        at: usize,
        line: usize,
        base: &LintLevels,
    ) -> LintLevels {
        let mut here = base.clone();
        for &lint in lints {
            here.decide(lint, self.level(lint, at, line, base));
        }
        here
    }

    /// The expectations and comments about yieldsafe's lints that nothing met.
    pub fn unfulfilled(&self) -> Vec<Unfulfilled> {
        let ours = |lint: &str| Lint::from_name(lint).is_some();
        let mut out: Vec<Unfulfilled> = self
            .regions
            .iter()
            .filter(|r| r.expect && !r.used.get() && matches!(r.named, Named::Lint(_)))
            .map(|r| Unfulfilled {
                at: r.attr,
                lint: r.written.clone(),
                comment: false,
                reason: r.reason.clone(),
            })
            .chain(
                self.comments
                    .iter()
                    .filter(|c| !c.used.get() && ours(&c.lint))
                    .map(|c| Unfulfilled {
                        at: c.at,
                        lint: c.lint.clone(),
                        comment: true,
                        reason: None,
                    }),
            )
            .collect();
        out.sort_by_key(|u| u.at);
        out.dedup();
        out
    }

    /// The lint names in attributes that mean none of our lints where they are
    /// written but look like one of them.
    pub fn unknown(&self) -> &[UnknownName] {
        &self.unknown
    }
}

/// Whether the lint attributes of a file without findings may still say something:
/// an `#[expect]` left unfulfilled, a comment that silences nothing, a lint name
/// written wrongly. A cheap look at the text, to skip collecting them.
pub fn may_matter(code: &str) -> bool {
    code.contains("yieldsafe:")
        || ["expect", "allow", "warn", "deny", "forbid"]
            .iter()
            .any(|level| code.contains(&format!("{level}(")))
}

/// Whether a `// yieldsafe: allow(name)` comment's name covers `lint`: any of the
/// lint's names, a group holding it, or `warnings`.
fn comment_covers(name: &str, lint: Lint) -> bool {
    names::anywhere(name).is_some_and(|n| n == Named::Warnings || n.names(lint))
}

struct Collector {
    regions: Vec<Region>,
    unknown: Vec<UnknownName>,
}

/// A lint attribute read: its level (`expect` is `allow` that wants a finding) and
/// its items, `#[allow(a, b, reason = "..")]`: lint paths, and a reason rustc keeps
/// for its messages.
struct LintAttribute {
    level: Level,
    expect: bool,
    items: syn::punctuated::Punctuated<syn::Meta, syn::Token![,]>,
}

fn lint_attribute(attr: &syn::Attribute) -> Option<LintAttribute> {
    let ident = attr.path().get_ident()?;
    let level = match ident.to_string().as_str() {
        "allow" | "expect" => Level::Allow,
        "warn" => Level::Warn,
        "deny" => Level::Deny,
        "forbid" => Level::Forbid,
        _ => return None,
    };
    let items = attr
        .parse_args_with(syn::punctuated::Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated)
        .ok()?;
    Some(LintAttribute {
        level,
        expect: ident == "expect",
        items,
    })
}

/// What the lint attributes among `attrs` set, in order, for a scope they enclose in
/// another file (a crate root's `#![deny(..)]`, a `#[allow(..)] mod name;`). An
/// `#[expect]` there is an `allow`: whether a finding in another file meets it is
/// not told.
pub fn levels_of(attrs: &[syn::Attribute]) -> Vec<(Named, Level)> {
    let mut out = Vec::new();
    for attr in attrs {
        let Some(read) = lint_attribute(attr) else {
            continue;
        };
        for item in &read.items {
            let syn::Meta::Path(path) = item else {
                continue;
            };
            let written = quote::quote!(#path).to_string().replace(' ', "");
            let named =
                Tool::split(&written).and_then(|(tool, bare)| names::in_namespace(tool, bare));
            out.extend(named.map(|n| (n, read.level)));
        }
    }
    out
}

impl Collector {
    fn add(&mut self, attrs: &[syn::Attribute], start: usize, end: usize) {
        for attr in attrs {
            let Some(LintAttribute {
                level,
                expect,
                items,
            }) = lint_attribute(attr)
            else {
                continue;
            };
            let attr_range = (
                crate::span::range(attr.pound_token.span).0,
                crate::span::range(attr.bracket_token.span.close()).1,
            );
            let reason = items.iter().find_map(reason_of);
            for item in items {
                let syn::Meta::Path(path) = item else {
                    continue;
                };
                let written = quote::quote!(#path).to_string().replace(' ', "");
                let Some(named) = self.named(&path, &written) else {
                    continue;
                };
                self.regions.push(Region {
                    start,
                    end,
                    named,
                    level,
                    expect,
                    used: Cell::new(false),
                    written,
                    attr: attr_range,
                    reason: reason.clone(),
                });
            }
        }
    }

    /// What a lint path in an attribute means; a name that means none of ours but
    /// looks like one is recorded as unknown.
    fn named(&mut self, path: &syn::Path, written: &str) -> Option<Named> {
        let (tool, bare) = Tool::split(written)?;
        if let Some(named) = names::in_namespace(tool, bare) {
            return Some(named);
        }
        // Ours under another tool's name (`clippy::must_not_suspend`), anything
        // unknown in our own namespace, or a misspelling of one of ours.
        let meant = Lint::from_name(bare).or_else(|| names::misspelled_lint(bare));
        if let Some(meant) = meant {
            use syn::spanned::Spanned;
            let r = path.span().byte_range();
            self.unknown.push(UnknownName {
                at: (r.start, r.end),
                written: written.to_owned(),
                meant,
            });
        }
        None
    }

    fn add_node<T: syn::spanned::Spanned>(&mut self, attrs: &[syn::Attribute], node: &T) {
        if attrs.iter().any(is_lint_attr) {
            let r = node.span().byte_range();
            self.add(attrs, r.start, r.end);
        }
    }
}

/// The text of a `reason = ".."` item of a lint attribute.
fn reason_of(item: &syn::Meta) -> Option<String> {
    let syn::Meta::NameValue(nv) = item else {
        return None;
    };
    match &nv.value {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) if nv.path.is_ident("reason") => Some(s.value()),
        _ => None,
    }
}

fn is_lint_attr(attr: &syn::Attribute) -> bool {
    ["allow", "expect", "warn", "deny", "forbid"]
        .iter()
        .any(|n| attr.path().is_ident(n))
}

impl<'ast> Visit<'ast> for Collector {
    fn visit_item(&mut self, item: &'ast syn::Item) {
        let attrs: &[syn::Attribute] = match item {
            syn::Item::Fn(i) => &i.attrs,
            syn::Item::Impl(i) => &i.attrs,
            syn::Item::Mod(i) => &i.attrs,
            syn::Item::Trait(i) => &i.attrs,
            syn::Item::Const(i) => &i.attrs,
            syn::Item::Static(i) => &i.attrs,
            syn::Item::Macro(i) => &i.attrs,
            _ => &[],
        };
        self.add_node(attrs, item);
        syn::visit::visit_item(self, item);
    }

    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        self.add_node(&f.attrs, f);
        syn::visit::visit_impl_item_fn(self, f);
    }

    fn visit_trait_item_fn(&mut self, f: &'ast syn::TraitItemFn) {
        self.add_node(&f.attrs, f);
        syn::visit::visit_trait_item_fn(self, f);
    }

    fn visit_local(&mut self, l: &'ast syn::Local) {
        if l.attrs.iter().any(is_lint_attr) {
            let (start, end) = crate::span::local(l);
            self.add(&l.attrs, start, end);
        }
        syn::visit::visit_local(self, l);
    }

    fn visit_arm(&mut self, a: &'ast syn::Arm) {
        self.add_node(&a.attrs, a);
        syn::visit::visit_arm(self, a);
    }

    fn visit_expr(&mut self, e: &'ast syn::Expr) {
        let attrs: &[syn::Attribute] = match e {
            syn::Expr::Closure(x) => &x.attrs,
            syn::Expr::Async(x) => &x.attrs,
            syn::Expr::Block(x) => &x.attrs,
            syn::Expr::Call(x) => &x.attrs,
            syn::Expr::MethodCall(x) => &x.attrs,
            syn::Expr::Match(x) => &x.attrs,
            syn::Expr::If(x) => &x.attrs,
            syn::Expr::Await(x) => &x.attrs,
            _ => &[],
        };
        if attrs.iter().any(is_lint_attr) {
            let (start, end) = crate::span::expr(e);
            self.add(attrs, start, end);
        }
        syn::visit::visit_expr(self, e);
    }
}

/// `// yieldsafe: allow(lint_a, lint_b) reason` comments, by line.
fn allow_comments(text: &str) -> Vec<AllowComment> {
    let mut out = Vec::new();
    if !text.contains("yieldsafe:") {
        return out;
    }
    let mut offset = 0;
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let line_start = offset;
        offset += line.len();
        let Some(pos) = line.find("// yieldsafe:") else {
            continue;
        };
        let rest = line[pos + "// yieldsafe:".len()..].trim_start();
        let Some(args) = rest.strip_prefix("allow(") else {
            continue;
        };
        let Some(close) = args.find(')') else {
            continue;
        };
        for name in args[..close].split(',') {
            let name = name.trim();
            let name = name.strip_prefix("clippy::").unwrap_or(name);
            if !name.is_empty() {
                let end = line.trim_end_matches(['\n', '\r']).len();
                out.push(AllowComment {
                    line: i + 1,
                    lint: name.to_string(),
                    used: Cell::new(false),
                    at: (line_start + pos, line_start + end),
                });
            }
        }
    }
    out
}
