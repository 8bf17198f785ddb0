//! Lint levels written in the checked code: `#[allow|expect|warn|deny|forbid(...)]`
//! on the file, items, impl and trait items, statements, closures, async blocks and
//! match arms, and `// yieldsafe: allow(<lint>) <reason>` on the line before a
//! finding. The innermost attribute around a finding's value decides, as in rustc.

use std::cell::Cell;

use syn::visit::Visit;

use crate::catalog::{covers, Lint};
use crate::dataflow::ByteRange;
use crate::diagnostic::Level;

#[derive(Debug, Clone)]
struct Region {
    start: usize,
    end: usize,
    /// A lint name without tool prefix, or a group (`warnings`, `all`, `suspicious`).
    lint: String,
    level: Level,
    /// `#[expect(..)]`, and whether a finding met it.
    expect: bool,
    used: Cell<bool>,
    /// The lint as written in the attribute, and where.
    written: String,
    attr: ByteRange,
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
}

/// An `#[expect]` that no finding met, or a `// yieldsafe: allow` comment that
/// silenced nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unfulfilled {
    pub at: ByteRange,
    pub lint: String,
    pub comment: bool,
}

impl SourceLevels {
    pub fn collect(file: &syn::File, text: &str) -> SourceLevels {
        let mut c = Collector {
            regions: Vec::new(),
        };
        c.add(&file.attrs, 0, text.len());
        c.visit_file(file);
        SourceLevels {
            regions: c.regions,
            comments: allow_comments(text),
        }
    }

    /// The level of `lint` for a finding whose value starts at byte `at` on 1-based
    /// `line`, given the level from the command line or configuration.
    /// Call it only for a lint that has a finding there: it marks the `#[expect]`
    /// or comment that decides as fulfilled.
    pub fn level(&self, lint: Lint, at: usize, line: usize, base: Level) -> Level {
        if base == Level::Forbid {
            return base;
        }
        if let Some(c) = self
            .comments
            .iter()
            .find(|c| c.line + 1 == line && covers(&c.lint, lint))
        {
            c.used.set(true);
            return Level::Allow;
        }
        match self
            .regions
            .iter()
            .filter(|r| r.start <= at && at < r.end && covers(&r.lint, lint))
            .min_by_key(|r| r.end - r.start)
        {
            Some(r) => {
                r.used.set(true);
                r.level
            }
            None => base,
        }
    }

    /// The expectations and comments about yieldsafe's lints that nothing met.
    pub fn unfulfilled(&self) -> Vec<Unfulfilled> {
        let ours = |lint: &str| Lint::from_name(lint).is_some();
        let mut out: Vec<Unfulfilled> = self
            .regions
            .iter()
            .filter(|r| r.expect && !r.used.get() && ours(&r.lint))
            .map(|r| Unfulfilled {
                at: r.attr,
                lint: r.written.clone(),
                comment: false,
            })
            .chain(
                self.comments
                    .iter()
                    .filter(|c| !c.used.get() && ours(&c.lint))
                    .map(|c| Unfulfilled {
                        at: c.at,
                        lint: c.lint.clone(),
                        comment: true,
                    }),
            )
            .collect();
        out.sort_by_key(|u| u.at);
        out.dedup();
        out
    }
}

struct Collector {
    regions: Vec<Region>,
}

impl Collector {
    fn add(&mut self, attrs: &[syn::Attribute], start: usize, end: usize) {
        for attr in attrs {
            let Some(ident) = attr.path().get_ident() else {
                continue;
            };
            let expect = ident == "expect";
            let level = match ident.to_string().as_str() {
                "allow" | "expect" => Level::Allow,
                "warn" => Level::Warn,
                "deny" => Level::Deny,
                "forbid" => Level::Forbid,
                _ => continue,
            };
            let Ok(paths) = attr.parse_args_with(
                syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
            ) else {
                continue;
            };
            for path in paths {
                let written = quote::quote!(#path).to_string().replace(' ', "");
                let attr_range = crate::span::range(attr.pound_token.span);
                let attr_range = (
                    attr_range.0,
                    crate::span::range(attr.bracket_token.span.close()).1,
                );
                let segs: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
                let lint = match segs.as_slice() {
                    [tool, name] if tool == "clippy" || tool == "yieldsafe" => name.clone(),
                    [name] => name.clone(),
                    _ => continue,
                };
                self.regions.push(Region {
                    start,
                    end,
                    lint,
                    level,
                    expect,
                    used: Cell::new(false),
                    written,
                    attr: attr_range,
                });
            }
        }
    }

    fn add_node<T: syn::spanned::Spanned>(&mut self, attrs: &[syn::Attribute], node: &T) {
        if attrs.iter().any(is_lint_attr) {
            let r = node.span().byte_range();
            self.add(attrs, r.start, r.end);
        }
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
