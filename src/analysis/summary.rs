//! A file's summary for its crate's table: what another file's analysis may ask
//! about its items (fns' and methods' returned hazards, fields, statics, aliases,
//! re-exports, `#[must_not_suspend]` types, `macro_rules!` that await, and what
//! each module binds), read without its fn bodies.

use std::sync::Arc;

use crate::prefilter::nesting::TooDeep;
use crate::resolve::cfg::BuildCfg;
use crate::support::hash::HashSet;

use syn::visit::Visit;

use crate::resolve::crate_table::{AliasEntry, FieldEntry, FileSummary, ReturnEntry, ScopeEntry};
use crate::resolve::file_index::FileIndex;

use crate::input::edition::Edition;
use crate::sketch::Sketch;

/// The summary a lazy crate table asks for (`Summarizer`): shallow, as only items
/// outside fn bodies are summarised; `Err` where the file is too deep to parse
/// safely. What is measured is what is parsed: the text with its fn bodies cut out
/// (about a quarter of a file's tokens, and never nested deeper than the file), and
/// the whole text only when that must be parsed instead.
pub fn summarize_for_table(
    text: &str,
    cfg: &Arc<BuildCfg>,
) -> Result<Option<FileSummary>, TooDeep> {
    let stripped = crate::prefilter::blank::strip_fn_bodies(text)
        .filter(|stripped| crate::prefilter::nesting::too_deep(stripped).is_none());
    summarize_measured(text, stripped, false, cfg)
}

/// `summarize_text`, shallow.
pub fn summarize_shallow(text: &str, cfg: &Arc<BuildCfg>) -> Option<FileSummary> {
    summarize_text(text, true, cfg)
}

/// Summarise a file from its text, or `None` if it does not parse (or is too deeply
/// nested to parse safely). `shallow` cuts fn bodies, comments and macro invocations
/// out of the text before parsing it (`parse_shallow`), which is cheaper and, as only
/// items outside fn bodies are summarised, gives the same summary as the full parse
/// with its fn bodies emptied; that parse remains the fallback for anything the
/// shortcut cannot handle. Never frees the thread's spans: it may run in the middle
/// of another file's analysis.
pub fn summarize_text(text: &str, shallow: bool, cfg: &Arc<BuildCfg>) -> Option<FileSummary> {
    if crate::prefilter::nesting::too_deep(text).is_some() {
        return None;
    }
    let stripped = shallow
        .then(|| crate::prefilter::blank::strip_fn_bodies(text))
        .flatten();
    summarize_measured(text, stripped, true, cfg).ok().flatten()
}

/// Summarise `text` from `stripped` (its text with the fn bodies cut out, found not
/// too deep to parse) or, where there is none or it does not parse, from the whole
/// text parsed, which is measured first unless `measured` says it was: the place
/// where it is too deep if it is.
fn summarize_measured(
    text: &str,
    stripped: Option<String>,
    measured: bool,
    cfg: &Arc<BuildCfg>,
) -> Result<Option<FileSummary>, TooDeep> {
    let shallow = stripped.and_then(|stripped| {
        crate::support::panic_guard::catch(|| parse_stripped(stripped))
            .ok()
            .flatten()
    });
    if shallow.is_none() && !measured {
        if let Some(deep) = crate::prefilter::nesting::too_deep(text) {
            return Err(deep);
        }
    }
    Ok(crate::support::panic_guard::catch(|| {
        let (ast, stripped) = match shallow {
            Some((ast, stripped)) => (ast, Some(stripped)),
            None => (parse_without_fn_bodies(text)?, None),
        };
        // Its spans are of the text parsed: the stripped one, if it was.
        let parsed = stripped.as_deref().unwrap_or(text);
        Some(crate::span::with_lines(parsed, &ast, || {
            summarize_in(&ast, text, cfg.clone())
        }))
    })
    .ok()
    .flatten())
}

/// A file's items with every fn body empty, parsed from a text whose fn bodies were
/// cut out before parsing (`None` if that does not parse).
pub fn parse_shallow(text: &str) -> Option<syn::File> {
    let stripped = crate::prefilter::blank::strip_fn_bodies(text)?;
    parse_stripped(stripped).map(|(ast, _)| ast)
}

/// A text with its fn bodies cut out (`strip_fn_bodies`) parsed, and the text.
fn parse_stripped(stripped: String) -> Option<(syn::File, String)> {
    let ast = syn::parse_file(&stripped).ok()?;
    Some((ast, stripped))
}

/// A file parsed in full, then with every fn body emptied: what `parse_shallow`
/// must equal.
pub fn parse_without_fn_bodies(text: &str) -> Option<syn::File> {
    let mut ast = syn::parse_file(text).ok()?;
    let mut clear = ClearFnBodies {
        // syn's offsets start after a byte order mark.
        text: text.strip_prefix('\u{feff}').unwrap_or(text),
        in_kept_body: 0,
    };
    syn::visit_mut::VisitMut::visit_file_mut(&mut clear, &mut ast);
    Some(ast)
}

/// Empties the fn bodies of a parsed file as `strip_fn_bodies` cuts them from its
/// text: every body but those of fns whose signature says `impl`, and in those the
/// tokens of macro invocations (but `macro_rules!` and `lazy_static!`).
pub struct ClearFnBodies<'t> {
    text: &'t str,
    in_kept_body: usize,
}

impl ClearFnBodies<'_> {
    /// Empty `block` unless the signature before it says `impl`; then what is left.
    fn body(&mut self, sig: &syn::Signature, block: &mut syn::Block) {
        let from = sig.fn_token.span.byte_range().start;
        let to = block.brace_token.span.open().byte_range().start;
        let keep = self.text.get(from..to).is_some_and(|s| s.contains("impl"));
        if !keep {
            block.stmts.clear();
        }
        self.in_kept_body += usize::from(keep);
        syn::visit_mut::visit_block_mut(self, block);
        self.in_kept_body -= usize::from(keep);
    }
}

impl syn::visit_mut::VisitMut for ClearFnBodies<'_> {
    fn visit_item_fn_mut(&mut self, f: &mut syn::ItemFn) {
        self.body(&f.sig, &mut f.block);
    }

    fn visit_impl_item_fn_mut(&mut self, f: &mut syn::ImplItemFn) {
        self.body(&f.sig, &mut f.block);
    }

    fn visit_trait_item_fn_mut(&mut self, f: &mut syn::TraitItemFn) {
        if let Some(b) = &mut f.default {
            self.body(&f.sig, b);
        }
    }

    fn visit_macro_mut(&mut self, m: &mut syn::Macro) {
        let kept = m.path.is_ident("macro_rules") || m.path.is_ident("lazy_static");
        if self.in_kept_body > 0 && !kept {
            m.tokens = proc_macro2::TokenStream::new();
        }
    }
}

/// A `macro_rules!` body without its doc attributes (`#[doc = ".."]`, which doc
/// comments are): what it expands to, the same whether or not the text it was read
/// from had its comments blanked.
fn without_docs(tokens: &proc_macro2::TokenStream) -> proc_macro2::TokenStream {
    use proc_macro2::{Group, TokenTree};
    let is_doc = |tt: Option<&TokenTree>| match tt {
        Some(TokenTree::Group(g)) => matches!(
            g.stream().into_iter().next(),
            Some(TokenTree::Ident(i)) if i == "doc"
        ),
        _ => false,
    };
    let tokens: Vec<TokenTree> = tokens.clone().into_iter().collect();
    let mut out = Vec::with_capacity(tokens.len());
    let mut i = 0;
    while i < tokens.len() {
        match &tokens[i] {
            TokenTree::Punct(p) if p.as_char() == '#' => {
                let bang =
                    matches!(tokens.get(i + 1), Some(TokenTree::Punct(b)) if b.as_char() == '!');
                let attr = i + 1 + usize::from(bang);
                if is_doc(tokens.get(attr)) {
                    i = attr + 1;
                    continue;
                }
                out.push(tokens[i].clone());
            }
            TokenTree::Group(g) => {
                let mut inner = Group::new(g.delimiter(), without_docs(&g.stream()));
                inner.set_span(g.span());
                out.push(TokenTree::Group(inner));
            }
            other => out.push(other.clone()),
        }
        i += 1;
    }
    out.into_iter().collect()
}

/// Summarise one parsed file for its crate's table, in the build of a file alone.
pub fn summarize(file: &syn::File, text: &str) -> FileSummary {
    summarize_in(file, text, Arc::default())
}

/// Summarise one parsed file for its crate's table, in the build `cfg`.
pub fn summarize_in(file: &syn::File, text: &str, cfg: Arc<BuildCfg>) -> FileSummary {
    let index = FileIndex::build_with_cfg(file, text, cfg);
    // What the file's `impl Trait` fns return, from their bodies (which the shallow
    // parse keeps): the edition does not change what a body returns.
    let arena = crate::lower::Arenas::default();
    let mut finder = super::BodyFinder::default();
    finder.visit_file(file);
    let opaque = super::opaque_returns(&finder.bodies, &index, &arena, Edition::E2021);
    let sketch = Sketch::new(&index).with_opaque_returns(opaque);
    let mut summary = FileSummary {
        awaiting_macros: index.awaiting_macros.iter().cloned().collect(),
        macro_bodies: index
            .macro_rules
            .iter()
            .map(|(name, (_, body))| (name.clone(), without_docs(body).to_string()))
            .collect(),
        must_not_suspend: index
            .must_not_suspend
            .iter()
            .map(|(n, m)| (n.clone(), m.reason.clone(), m.trivial_fields))
            .collect(),
        must_not_suspend_traits: index
            .must_not_suspend_traits
            .iter()
            .map(|(n, r)| (n.clone(), r.clone()))
            .collect(),
        drop_impls: index.drop_impls.iter().cloned().collect(),
        ..FileSummary::default()
    };
    add_signatures(&mut summary, file, &sketch);
    add_types(&mut summary, &sketch);
    let mut reexports = Reexports {
        index: &index,
        out: Vec::new(),
    };
    reexports.visit_file(file);
    summary.reexports = reexports.out;
    let mut scope = Scope {
        inline: Vec::new(),
        out: Vec::new(),
    };
    scope.visit_file(file);
    summary.scope = scope.out;
    in_fixed_order(&mut summary);
    summary
}

/// What the file's methods and free fns return: methods keyed by their type, free
/// fns (outside impls and traits, which another file can call by path) by name.
fn add_signatures(summary: &mut FileSummary, file: &syn::File, sketch: &Sketch<'_, '_>) {
    let index = sketch.index;
    for ((ty, name), sig) in &index.methods {
        if let syn::ReturnType::Type(..) = sig.output {
            let shapes = sketch.return_shapes(sig);
            if shapes.is_empty() {
                if let Some(r) = owned_return(sketch, sig) {
                    summary.method_returns.push(((ty.clone(), name.clone()), r));
                }
            }
            summary.methods.push(((ty.clone(), name.clone()), shapes));
        }
    }
    let mut free_fns = FreeFns(HashSet::default());
    free_fns.visit_file(file);
    for (name, sigs) in &index.fns {
        let free: Vec<_> = sigs
            .iter()
            .filter(|s| free_fns.0.contains(&(**s as *const syn::Signature)))
            .collect();
        if let [only] = free.as_slice() {
            if let syn::ReturnType::Type(..) = only.output {
                let shapes = sketch.return_shapes(only);
                if shapes.is_empty() {
                    if let Some(r) = owned_return(sketch, only) {
                        summary.fn_returns.push((name.clone(), r));
                    }
                }
                summary.fns.push((name.clone(), shapes));
            }
        }
    }
    summary.method_names = index.methods.keys().cloned().collect();
}

/// What a non-async fn returns, when it is an owned value of a named type (inside
/// `Option`, `Result` or `Box`) its signature shows no hazard of: that type, for
/// its declaration's fields to tell (a struct holding a guard) when the fn is called.
fn owned_return(sketch: &Sketch<'_, '_>, sig: &syn::Signature) -> Option<ReturnEntry> {
    use crate::hazard::table::WRAPPER_TYPES;
    if sig.asyncness.is_some() {
        return None;
    }
    let syn::ReturnType::Type(_, out) = &sig.output else {
        return None;
    };
    let mut ty: &syn::Type = out;
    let mut layers = Vec::new();
    for _ in 0..4 {
        let syn::Type::Path(p) = ty else {
            return None;
        };
        let last = p.path.segments.last()?;
        let name = last.ident.to_string();
        let wrapper = WRAPPER_TYPES
            .iter()
            .find(|(w, l)| *w == name && *l != crate::hazard::Layer::Element);
        match (wrapper, crate::resolve::file_index::first_type_arg(last)) {
            (Some((_, layer)), Some(inner)) => {
                layers.insert(0, layer.clone());
                ty = inner;
            }
            _ => {
                return Some(ReturnEntry {
                    layers,
                    entry: FieldEntry {
                        type_path: sketch.index.type_path(ty),
                        struct_name: crate::resolve::file_index::struct_name_of_type(ty),
                    },
                })
            }
        }
    }
    None
}

/// The types the file declares its fields, statics, `Deref` targets and aliases of.
fn add_types(summary: &mut FileSummary, sketch: &Sketch<'_, '_>) {
    let index = sketch.index;
    let entry = |ty: &syn::Type| FieldEntry {
        type_path: index.type_path(ty),
        struct_name: crate::resolve::file_index::struct_name_of_type(ty),
    };
    for (name, fields) in &index.structs {
        for (field, ty) in fields {
            summary
                .fields
                .push(((name.clone(), field.clone()), entry(ty)));
        }
    }
    for (name, ty) in &index.statics {
        summary.statics.push((name.clone(), entry(ty)));
    }
    for (name, ty) in &index.lazy_statics {
        summary.statics.push((name.clone(), entry(ty)));
    }
    for (name, ty) in &index.deref_targets {
        summary.derefs.push((name.clone(), entry(ty)));
    }
    for (name, ty) in &index.aliases {
        summary.aliases.push((
            name.clone(),
            AliasEntry {
                receiver: sketch.receiver_of_type(ty),
                shapes: sketch.shapes_of_type(ty),
            },
        ));
    }
}

/// The summary's lists in a fixed order (the index keeps names in hash maps), so
/// that summaries compare.
fn in_fixed_order(summary: &mut FileSummary) {
    summary.methods.sort_by(|a, b| a.0.cmp(&b.0));
    summary.fns.sort_by(|a, b| a.0.cmp(&b.0));
    summary.fn_returns.sort_by(|a, b| a.0.cmp(&b.0));
    summary.method_returns.sort_by(|a, b| a.0.cmp(&b.0));
    summary.fields.sort_by(|a, b| a.0.cmp(&b.0));
    summary.statics.sort_by(|a, b| a.0.cmp(&b.0));
    summary.aliases.sort_by(|a, b| a.0.cmp(&b.0));
    summary.derefs.sort_by(|a, b| a.0.cmp(&b.0));
    summary.method_names.sort();
    summary.awaiting_macros.sort();
    summary.macro_bodies.sort();
    summary.must_not_suspend.sort_by(|a, b| a.0.cmp(&b.0));
    summary
        .must_not_suspend_traits
        .sort_by(|a, b| a.0.cmp(&b.0));
    summary.drop_impls.sort();
    summary.scope.sort();
    summary.scope.dedup();
}

/// The names each module of a file binds (items whose `cfg` can hold).
struct Scope {
    inline: Vec<String>,
    out: Vec<ScopeEntry>,
}

impl Scope {
    fn bind(&mut self, name: String, target: Option<Vec<String>>) {
        self.out.push(ScopeEntry {
            inline: self.inline.clone(),
            name,
            target,
        });
    }

    fn use_tree(&mut self, tree: &syn::UseTree, prefix: &mut Vec<String>) {
        match tree {
            syn::UseTree::Path(p) => {
                prefix.push(p.ident.to_string());
                self.use_tree(&p.tree, prefix);
                prefix.pop();
            }
            syn::UseTree::Name(n) if n.ident == "self" => {
                if let Some(last) = prefix.last() {
                    self.bind(last.clone(), Some(prefix.clone()));
                }
            }
            syn::UseTree::Name(n) => {
                let mut full = prefix.clone();
                full.push(n.ident.to_string());
                self.bind(n.ident.to_string(), Some(full));
            }
            syn::UseTree::Rename(r) if r.rename != "_" => {
                let mut full = prefix.clone();
                if r.ident != "self" {
                    full.push(r.ident.to_string());
                }
                self.bind(r.rename.to_string(), Some(full));
            }
            syn::UseTree::Rename(_) => {}
            syn::UseTree::Glob(_) => self.bind("*".into(), Some(prefix.clone())),
            syn::UseTree::Group(g) => {
                for t in &g.items {
                    self.use_tree(t, prefix);
                }
            }
        }
    }
}

impl<'ast> Visit<'ast> for Scope {
    fn visit_item(&mut self, item: &'ast syn::Item) {
        let (attrs, name) = match item {
            syn::Item::Struct(i) => (&i.attrs, Some(&i.ident)),
            syn::Item::Enum(i) => (&i.attrs, Some(&i.ident)),
            syn::Item::Union(i) => (&i.attrs, Some(&i.ident)),
            syn::Item::Type(i) => (&i.attrs, Some(&i.ident)),
            syn::Item::Trait(i) => (&i.attrs, Some(&i.ident)),
            syn::Item::Fn(i) => (&i.attrs, Some(&i.sig.ident)),
            syn::Item::Static(i) => (&i.attrs, Some(&i.ident)),
            syn::Item::Const(i) => (&i.attrs, Some(&i.ident)),
            syn::Item::Mod(i) => (&i.attrs, Some(&i.ident)),
            syn::Item::Use(i) => (&i.attrs, None),
            _ => return,
        };
        if !crate::resolve::cfg::cfg_allows(attrs) {
            return;
        }
        if let Some(name) = name {
            self.bind(name.to_string(), None);
        }
        match item {
            syn::Item::Use(u) => {
                let mut prefix = Vec::new();
                if u.leading_colon.is_some() {
                    prefix.push("::".to_string());
                }
                self.use_tree(&u.tree, &mut prefix);
            }
            syn::Item::Mod(m) if m.content.is_some() => {
                self.inline.push(m.ident.to_string());
                syn::visit::visit_item_mod(self, m);
                self.inline.pop();
            }
            _ => {}
        }
    }
}

/// The signatures of the fns declared outside impl and trait blocks.
struct FreeFns(HashSet<*const syn::Signature>);

impl<'ast> Visit<'ast> for FreeFns {
    fn visit_signature(&mut self, sig: &'ast syn::Signature) {
        self.0.insert(sig);
    }

    fn visit_item_impl(&mut self, _: &'ast syn::ItemImpl) {}

    fn visit_item_trait(&mut self, _: &'ast syn::ItemTrait) {}
}

/// `pub use` items that bring in a name from outside the crate.
struct Reexports<'a, 'ast> {
    index: &'a FileIndex<'ast>,
    out: Vec<(String, Vec<String>)>,
}

impl<'a, 'ast> Visit<'ast> for Reexports<'a, 'ast> {
    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        if matches!(item.vis, syn::Visibility::Inherited) {
            return;
        }
        let mut names = Vec::new();
        use_tree_names(&item.tree, &mut names);
        for name in names {
            let resolved = self.index.resolve_segments(vec![name.clone()]);
            let local = matches!(
                resolved.first().map(String::as_str),
                Some("crate" | "self" | "super") | None
            );
            if !local && resolved.len() > 1 {
                self.out.push((name, resolved));
            }
        }
    }
}

fn use_tree_names(tree: &syn::UseTree, out: &mut Vec<String>) {
    match tree {
        syn::UseTree::Path(p) => use_tree_names(&p.tree, out),
        syn::UseTree::Name(n) if n.ident != "self" => out.push(n.ident.to_string()),
        syn::UseTree::Rename(r) if r.rename != "_" => out.push(r.rename.to_string()),
        syn::UseTree::Group(g) => g.items.iter().for_each(|t| use_tree_names(t, out)),
        _ => {}
    }
}
