//! Macros as the resolver sees them: the ones that await wherever they come from,
//! the expansion of the crate's `macro_rules!`, the statics a
//! `lazy_static!` declares, and the one token walk that finds `.await`.

use std::ops::ControlFlow;
use std::rc::Rc;

use proc_macro2::TokenStream;
use quote::ToTokens;

use super::file_index::FileIndex;
use super::macro_rules::MacroRules;

/// How deep the crate's macros may expand into each other.
const MAX_EXPANSION_DEPTH: usize = 8;
/// How many expansions one file may have in all: a macro that calls itself several
/// times grows exponentially with the depth. Past it, calls are not expanded.
const MAX_EXPANSIONS: usize = 4096;

impl FileIndex<'_> {
    /// The expression an invocation of one of the crate's `macro_rules!` expands to
    /// (see `macro_rules`): the file's own macro of that name, else the crate's one,
    /// when the files that declare it agree. A qualified path (`a::m!`) is not
    /// followed. Statements come as a block. `None` when the call does not expand,
    /// and past a few nested expansions.
    pub fn expand_macro_rules(&self, mac: &syn::Macro) -> Option<syn::Expr> {
        let tokens = self.expand_tokens(mac)?;
        syn::parse2::<syn::Expr>(tokens.clone()).ok().or_else(|| {
            let block = proc_macro2::Group::new(proc_macro2::Delimiter::Brace, tokens);
            let block: syn::Block = syn::parse2(block.into_token_stream()).ok()?;
            Some(syn::Expr::Block(syn::ExprBlock {
                attrs: Vec::new(),
                label: None,
                block,
            }))
        })
    }

    /// The statements an invocation in statement position expands to (see
    /// `expand_macro_rules`).
    pub fn expand_macro_rules_stmts(&self, mac: &syn::Macro) -> Option<Vec<syn::Stmt>> {
        use syn::parse::Parser;
        let tokens = self.expand_tokens(mac)?;
        syn::Block::parse_within.parse2(tokens).ok()
    }

    /// The tokens an invocation of one of the crate's `macro_rules!` expands to.
    fn expand_tokens(&self, mac: &syn::Macro) -> Option<TokenStream> {
        let name = mac.path.get_ident()?.to_string();
        if self.expanding.get() >= MAX_EXPANSION_DEPTH || self.expansions.get() >= MAX_EXPANSIONS {
            return None;
        }
        let rules = self.rules_of(&name, mac)?;
        self.expansions.set(self.expansions.get() + 1);
        let call = mac
            .path
            .segments
            .first()?
            .ident
            .span()
            .join(mac.delimiter.span().close())?;
        rules.expand(&mac.tokens, call)
    }

    /// The rules of the crate's `macro_rules!` `name` that the call `mac` means,
    /// parsed once per file: the file's own when it is declared before the call (a
    /// macro is in scope from its declaration on), else none of the file's; else the
    /// one of another file, unless the file imports a macro of that name (`use
    /// tracing::debug;`) or it is one of std's (whose meaning a declaration elsewhere
    /// changes only through `#[macro_use]` order, not followed).
    fn rules_of(&self, name: &str, mac: &syn::Macro) -> Option<Rc<MacroRules>> {
        if let Some(&(declared_at, _)) = self.macro_rules.get(name) {
            // The call's position costs a span lookup: only asked for here.
            if declared_at > crate::span::mac(mac).0 {
                return None;
            }
        } else if self.uses.contains_key(name) || crate::hazard::macros::STD_MACROS.contains(&name)
        {
            return None;
        }
        if let Some(known) = self.parsed_rules.borrow().get(name) {
            return known.clone();
        }
        let rules = match self.macro_rules.get(name) {
            Some((_, body)) => MacroRules::parse(body),
            None => self
                .crate_table
                .as_ref()
                .and_then(|t| t.macro_body(name))
                .and_then(|text| text.parse::<TokenStream>().ok())
                .and_then(|body| MacroRules::parse(&body)),
        }
        .map(Rc::new);
        self.parsed_rules
            .borrow_mut()
            .insert(name.to_string(), rules.clone());
        rules
    }

    /// Run `f` as one more level of local macro expansion.
    pub fn expanding<T>(&self, f: impl FnOnce() -> T) -> T {
        self.expanding.set(self.expanding.get() + 1);
        let out = f();
        self.expanding.set(self.expanding.get() - 1);
        out
    }
}

/// The statics a `lazy_static!` body declares: `$(#[attr])* $vis static ref NAME: Type
/// = expr;`, repeated. Nothing if the body is not of that form.
pub(super) fn lazy_statics(tokens: proc_macro2::TokenStream) -> Vec<(String, syn::Type)> {
    use syn::parse::{ParseStream, Parser};
    let parser = |input: ParseStream| {
        let mut out = Vec::new();
        while !input.is_empty() {
            input.call(syn::Attribute::parse_outer)?;
            input.parse::<syn::Visibility>()?;
            input.parse::<syn::Token![static]>()?;
            input.parse::<syn::Token![ref]>()?;
            let name: syn::Ident = input.parse()?;
            input.parse::<syn::Token![:]>()?;
            let ty: syn::Type = input.parse()?;
            input.parse::<syn::Token![=]>()?;
            input.parse::<syn::Expr>()?;
            if !input.is_empty() {
                input.parse::<syn::Token![;]>()?;
            }
            out.push((name.to_string(), ty));
        }
        Ok(out)
    };
    parser.parse2(tokens).unwrap_or_default()
}

/// What a token walk meets, in order.
pub enum TokenItem<'t> {
    /// An identifier, not the `await` of a `.await`.
    Ident(&'t proc_macro2::Ident),
    /// The `await` of a `.await`.
    Await(&'t proc_macro2::Ident),
}

/// Walk `tokens` in order, groups included, telling `f` each identifier and each
/// `.await`, until `f` breaks: the one token walk of the crate.
pub fn walk_tokens(
    tokens: &TokenStream,
    f: &mut dyn FnMut(TokenItem<'_>) -> ControlFlow<()>,
) -> ControlFlow<()> {
    let mut prev_dot = false;
    for tt in tokens.clone() {
        match &tt {
            proc_macro2::TokenTree::Punct(p) => prev_dot = p.as_char() == '.',
            proc_macro2::TokenTree::Ident(i) => {
                let item = if prev_dot && i == "await" {
                    TokenItem::Await(i)
                } else {
                    TokenItem::Ident(i)
                };
                f(item)?;
                prev_dot = false;
            }
            proc_macro2::TokenTree::Group(g) => {
                walk_tokens(&g.stream(), f)?;
                prev_dot = false;
            }
            proc_macro2::TokenTree::Literal(_) => prev_dot = false,
        }
    }
    ControlFlow::Continue(())
}

/// Whether a token stream contains `.await` anywhere, groups included.
pub fn tokens_contain_await(tokens: &TokenStream) -> bool {
    walk_tokens(tokens, &mut |item| match item {
        TokenItem::Await(_) => ControlFlow::Break(()),
        TokenItem::Ident(_) => ControlFlow::Continue(()),
    })
    .is_break()
}
