//! Macros as the resolver sees them: the ones that await wherever they come from,
//! the expansion of a file's own simple `macro_rules!`, the statics a
//! `lazy_static!` declares, and the one token walk that finds `.await`.

use std::collections::HashMap;
use std::ops::ControlFlow;

use proc_macro2::TokenStream;
use quote::ToTokens;

use super::file_index::FileIndex;

/// How deep local macros may expand into each other.
const MAX_EXPANSION_DEPTH: usize = 8;

impl FileIndex<'_> {
    /// The expression an invocation of one of the file's own `macro_rules!` expands
    /// to, for the simple and common form: a rule whose matcher is fragments
    /// (`$x:expr`, `ident`, `ty`, `path`, `literal`, `tt`) separated by commas, no
    /// repetition, and whose transcriber is an expression or statements. The
    /// macro's own tokens take the span of the whole invocation (a temporary made
    /// there is reported at the call), the arguments keep theirs. `None` for
    /// anything else, and past a few nested expansions.
    pub fn expand_local_macro(&self, mac: &syn::Macro) -> Option<syn::Expr> {
        let name = mac.path.get_ident()?.to_string();
        let body = self.macro_rules.get(&name)?;
        if self.expanding.get() >= MAX_EXPANSION_DEPTH {
            return None;
        }
        let call = mac
            .path
            .segments
            .first()?
            .ident
            .span()
            .join(mac.delimiter.span().close())?;
        let tokens = macro_rules_arms(body)
            .into_iter()
            .find_map(|(matcher, transcriber)| {
                let bound = match_fragments(&matcher, &mac.tokens)?;
                substitute(&transcriber, &bound, call)
            })?;
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

    /// Run `f` as one more level of local macro expansion.
    pub fn expanding<T>(&self, f: impl FnOnce() -> T) -> T {
        self.expanding.set(self.expanding.get() + 1);
        let out = f();
        self.expanding.set(self.expanding.get() - 1);
        out
    }
}

/// A `macro_rules!` body's rules: (matcher, transcriber) token streams.
fn macro_rules_arms(body: &proc_macro2::TokenStream) -> Vec<(TokenStream, TokenStream)> {
    use proc_macro2::TokenTree;
    let tokens: Vec<TokenTree> = body.clone().into_iter().collect();
    let mut arms = Vec::new();
    let mut i = 0;
    while let (
        Some(TokenTree::Group(m)),
        Some(TokenTree::Punct(eq)),
        Some(TokenTree::Punct(gt)),
        Some(TokenTree::Group(t)),
    ) = (
        tokens.get(i),
        tokens.get(i + 1),
        tokens.get(i + 2),
        tokens.get(i + 3),
    ) {
        if eq.as_char() != '=' || gt.as_char() != '>' {
            break;
        }
        arms.push((m.stream(), t.stream()));
        i += 4;
        if matches!(tokens.get(i), Some(TokenTree::Punct(p)) if p.as_char() == ';') {
            i += 1;
        }
    }
    arms
}

/// The arguments of an invocation bound to a matcher of comma-separated fragments
/// (`$a:expr, $b:ident`), or `None` if the matcher has another form or they do not fit.
fn match_fragments(
    matcher: &TokenStream,
    args: &TokenStream,
) -> Option<HashMap<String, TokenStream>> {
    use proc_macro2::TokenTree;
    let split = |tokens: &TokenStream| -> Vec<Vec<TokenTree>> {
        let mut parts = vec![Vec::new()];
        for tt in tokens.clone() {
            match &tt {
                TokenTree::Punct(p) if p.as_char() == ',' => parts.push(Vec::new()),
                _ => parts.last_mut().expect("never empty").push(tt),
            }
        }
        if parts.last().is_some_and(Vec::is_empty) {
            parts.pop();
        }
        parts
    };
    let fragments = split(matcher);
    let args = split(args);
    if fragments.len() != args.len() {
        return None;
    }
    let mut bound = HashMap::new();
    for (fragment, arg) in fragments.iter().zip(args) {
        let [TokenTree::Punct(dollar), TokenTree::Ident(name), TokenTree::Punct(colon), TokenTree::Ident(kind)] =
            fragment.as_slice()
        else {
            return None;
        };
        if dollar.as_char() != '$' || colon.as_char() != ':' {
            return None;
        }
        let arg: TokenStream = arg.into_iter().collect();
        let fits = match kind.to_string().as_str() {
            "expr" => syn::parse2::<syn::Expr>(arg.clone()).is_ok(),
            "ident" => syn::parse2::<syn::Ident>(arg.clone()).is_ok(),
            "ty" => syn::parse2::<syn::Type>(arg.clone()).is_ok(),
            "path" => syn::parse2::<syn::Path>(arg.clone()).is_ok(),
            "literal" => syn::parse2::<syn::Lit>(arg.clone()).is_ok(),
            "tt" => arg.clone().into_iter().count() == 1,
            _ => false,
        };
        if !fits {
            return None;
        }
        // An `expr` or `ty` fragment is one operand wherever it lands.
        let arg = if matches!(kind.to_string().as_str(), "expr" | "ty") {
            let spans: Vec<proc_macro2::Span> = arg.clone().into_iter().map(|t| t.span()).collect();
            let span = match (spans.first(), spans.last()) {
                (Some(first), Some(last)) => first.join(*last).unwrap_or(*first),
                _ => return None,
            };
            let mut group = proc_macro2::Group::new(proc_macro2::Delimiter::Parenthesis, arg);
            group.set_span(span);
            TokenStream::from(TokenTree::Group(group))
        } else {
            arg
        };
        bound.insert(name.to_string(), arg);
    }
    Some(bound)
}

/// The transcriber with its `$name`s replaced and its own tokens given the span
/// `call`; `None` on a repetition or an unknown `$name`.
fn substitute(
    transcriber: &TokenStream,
    bound: &HashMap<String, TokenStream>,
    call: proc_macro2::Span,
) -> Option<TokenStream> {
    use proc_macro2::TokenTree;
    let mut out = Vec::new();
    let mut tokens = transcriber.clone().into_iter().peekable();
    while let Some(tt) = tokens.next() {
        match tt {
            TokenTree::Punct(p) if p.as_char() == '$' => match tokens.next()? {
                TokenTree::Ident(name) if name == "crate" => {
                    out.push(TokenTree::Ident(proc_macro2::Ident::new("crate", call)));
                }
                TokenTree::Ident(name) => out.extend(bound.get(&name.to_string())?.clone()),
                _ => return None,
            },
            TokenTree::Group(g) => {
                let mut group =
                    proc_macro2::Group::new(g.delimiter(), substitute(&g.stream(), bound, call)?);
                group.set_span(call);
                out.push(TokenTree::Group(group));
            }
            mut other => {
                other.set_span(call);
                out.push(other);
            }
        }
    }
    Some(out.into_iter().collect())
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
