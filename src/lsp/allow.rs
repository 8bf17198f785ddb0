//! "Allow this lint here": where the lint level goes so that both yieldsafe and the
//! compiler read it. clippy and rustc take the level of these lints from the item
//! the async body belongs to, not from a statement inside it (an `#[allow]` on the
//! `let` of a guard does not silence `clippy::await_holding_lock`), so a lint with
//! an attribute name gets `#[allow(<name>, reason = "")]` on the innermost fn around
//! the finding; a lint only yieldsafe has gets the `// yieldsafe: allow(<lint>)`
//! comment on the line before the finding's value.

use syn::visit::Visit;

use crate::catalog::Lint;
use crate::span;

/// An insertion into a document's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Insertion {
    pub title: String,
    /// Byte offset into the document's text.
    pub at: usize,
    pub text: String,
}

/// How to allow `lint` for its finding whose value starts at byte `value` of `text`
/// (whose code, after a byte order mark, `ast` is the syntax tree of), if there is
/// a place for it.
pub fn allow(lint: Lint, text: &str, value: usize, ast: Option<&syn::File>) -> Option<Insertion> {
    let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
    match lint.attribute_name() {
        Some(name) => {
            let (head, fn_name) = enclosing_fn(ast?, value.checked_sub(bom)?)?;
            let attribute = format!("#[allow({name}, reason = \"\")]");
            Some(Insertion {
                title: format!("Allow `{name}` on fn `{fn_name}`"),
                ..before_line_of(text, head + bom, &attribute)
            })
        }
        None => {
            let comment = format!("// yieldsafe: allow({})", lint.name());
            let value = value.min(text.len());
            let line_start = text[..value].rfind('\n').map_or(0, |i| i + 1);
            let line = &text[line_start..];
            let first_word = line_start + (line.len() - line.trim_start_matches([' ', '\t']).len());
            Some(Insertion {
                title: format!(
                    "Allow `{}` here (a `// yieldsafe: allow` comment)",
                    lint.name()
                ),
                ..before_line_of(text, first_word.min(value), &comment)
            })
        }
    }
}

/// `line` inserted on its own line before the one where byte `at` is, indented as
/// that line is, when only spaces stand before `at` on it; else right before `at`.
fn before_line_of(text: &str, at: usize, line: &str) -> Insertion {
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let indent = &text[line_start..at];
    if !indent.chars().all(|c| c == ' ' || c == '\t') {
        return Insertion {
            title: String::new(),
            at,
            text: format!("{line} "),
        };
    }
    let line_end = text[at..].find('\n').map_or(text.len(), |i| at + i);
    let newline = if text[..line_end].ends_with('\r') {
        "\r\n"
    } else {
        "\n"
    };
    Insertion {
        title: String::new(),
        at: line_start,
        text: format!("{indent}{line}{newline}"),
    }
}

/// The innermost fn item (free, in an impl or a trait) whose attributes, signature
/// or body hold byte `at` of the code: where its signature starts (after its
/// attributes), and its name.
fn enclosing_fn(ast: &syn::File, at: usize) -> Option<(usize, String)> {
    let mut finder = Finder { at, found: None };
    finder.visit_file(ast);
    finder.found.map(|(_, head, name)| (head, name))
}

struct Finder {
    at: usize,
    /// (where its first attribute starts, where its signature starts, its name)
    found: Option<(usize, usize, String)>,
}

impl Finder {
    fn consider(
        &mut self,
        attrs: &[syn::Attribute],
        head: Option<proc_macro2::Span>,
        sig: &syn::Signature,
        end: proc_macro2::Span,
    ) {
        let head = span::range(head.unwrap_or_else(|| signature_start(sig))).0;
        let start = attrs
            .first()
            .map_or(head, |a| span::range(a.pound_token.span).0);
        let holds = start <= self.at && self.at < span::range(end).1;
        // Visited outside in: a later match is nested in an earlier one.
        if holds {
            self.found = Some((start, head, sig.ident.to_string()));
        }
    }
}

/// The first token of a signature: `const`, `async`, `unsafe`, `extern` or `fn`.
fn signature_start(sig: &syn::Signature) -> proc_macro2::Span {
    sig.constness
        .map(|t| t.span)
        .or(sig.asyncness.map(|t| t.span))
        .or(match &sig.safety {
            syn::Safety::Safe(t) => Some(t.span),
            syn::Safety::Unsafe(t) => Some(t.span),
            syn::Safety::Default => None,
        })
        .or(sig.abi.as_ref().map(|a| a.extern_token.span))
        .unwrap_or(sig.fn_token.span)
}

/// The first token of a visibility, if one is written.
fn visibility_start(vis: &syn::Visibility) -> Option<proc_macro2::Span> {
    match vis {
        syn::Visibility::Public(p) => Some(p.span),
        syn::Visibility::Restricted(r) => Some(r.pub_token.span),
        syn::Visibility::Inherited => None,
    }
}

impl<'ast> Visit<'ast> for Finder {
    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        let head = visibility_start(&f.vis).or(f.modifiers.defaultness.map(|d| d.span));
        self.consider(&f.attrs, head, &f.sig, f.block.brace_token.span.close());
        syn::visit::visit_item_fn(self, f);
    }

    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        let head = visibility_start(&f.vis).or(f.modifiers.defaultness.map(|d| d.span));
        self.consider(&f.attrs, head, &f.sig, f.block.brace_token.span.close());
        syn::visit::visit_impl_item_fn(self, f);
    }

    fn visit_trait_item_fn(&mut self, f: &'ast syn::TraitItemFn) {
        let end = match &f.default {
            Some(block) => block.brace_token.span.close(),
            None => f.semi_token.map_or(f.sig.fn_token.span, |s| s.span),
        };
        self.consider(&f.attrs, None, &f.sig, end);
        syn::visit::visit_trait_item_fn(self, f);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn insert(text: &str, i: &Insertion) -> String {
        let mut out = text.to_string();
        out.insert_str(i.at, &i.text);
        out
    }

    #[test]
    fn an_attribute_on_the_innermost_fn() {
        let text = "impl S {\n    /// Docs.\n    pub async fn run(&self) {\n        let g = self.m.lock().unwrap();\n        f().await;\n    }\n}\n";
        let ast = syn::parse_file(text).unwrap();
        let value = text.find("g =").unwrap();
        let i = allow(Lint::AwaitHoldingLock, text, value, Some(&ast)).unwrap();
        assert_eq!(i.title, "Allow `clippy::await_holding_lock` on fn `run`");
        let fixed = insert(text, &i);
        assert!(fixed.contains(
            "    /// Docs.\n    #[allow(clippy::await_holding_lock, reason = \"\")]\n    pub async fn run"
        ));
        assert!(syn::parse_file(&fixed).is_ok());
    }

    #[test]
    fn a_comment_for_a_lint_clippy_lacks() {
        let text = "async fn f() {\r\n    let _e = span.enter();\r\n    g().await;\r\n}\r\n";
        let value = text.find("_e").unwrap();
        let i = allow(Lint::AwaitHoldingSpanGuard, text, value, None).unwrap();
        assert_eq!(
            insert(text, &i),
            "async fn f() {\r\n    // yieldsafe: allow(await_holding_span_guard)\r\n    let _e = span.enter();\r\n    g().await;\r\n}\r\n"
        );
    }

    #[test]
    fn nested_fns_and_one_line_items() {
        let text = "fn outer() { fn inner() { async { x.await }; } }";
        let ast = syn::parse_file(text).unwrap();
        let value = text.find("x.await").unwrap();
        let i = allow(Lint::MustNotSuspend, text, value, Some(&ast)).unwrap();
        assert_eq!(
            insert(text, &i),
            "fn outer() { #[allow(must_not_suspend, reason = \"\")] fn inner() { async { x.await }; } }"
        );
    }
}
