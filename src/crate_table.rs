//! What the other files of a crate tell about a file's values: every method's and
//! fn's returned hazards, every struct field's lock family, and the names the crate
//! re-exports from elsewhere (`pub use std::sync::Mutex;`). Each entry is resolved in
//! the context of the file that declares it (its own imports), then merged by name
//! across the crate; a name declared differently in two places is ambiguous and
//! dropped, so that a guess is never made.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use syn::visit::Visit;

use crate::hazard::Shape;
use crate::index::FileIndex;

/// A struct field as seen from elsewhere.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldEntry {
    /// The field type's path, resolved with its file's imports (crate paths stay
    /// crate paths; the reader follows re-exports).
    pub type_path: Option<Vec<String>>,
    /// The field type's struct name (through `Arc`, `Box`, references).
    pub struct_name: Option<String>,
}

/// One file's contribution.
#[derive(Debug, Default, PartialEq)]
pub struct FileSummary {
    methods: Vec<((String, String), Vec<Shape>)>,
    fns: Vec<(String, Vec<Shape>)>,
    fields: Vec<((String, String), FieldEntry)>,
    /// Statics (also `lazy_static!`'s) and consts, by name.
    statics: Vec<(String, FieldEntry)>,
    reexports: Vec<(String, Vec<String>)>,
    awaiting_macros: Vec<String>,
    must_not_suspend: Vec<(String, Option<String>, bool)>,
    must_not_suspend_traits: Vec<(String, Option<String>)>,
    drop_impls: Vec<String>,
}

impl FileSummary {
    /// The names of the methods and fns that return hazards: another file that
    /// declares one of these names must be summarised too, or a clash goes unseen.
    /// Each as (the method's type, if a method; the name).
    pub fn hazard_names(&self) -> impl Iterator<Item = (Option<&str>, &str)> {
        let methods = self
            .methods
            .iter()
            .filter(|(_, s)| !s.is_empty())
            .map(|((t, n), _)| (Some(t.as_str()), n.as_str()));
        let fns = self
            .fns
            .iter()
            .filter(|(_, s)| !s.is_empty())
            .map(|(n, _)| (None, n.as_str()));
        methods.chain(fns)
    }
}

/// The merged view of a crate: answers to the questions a file's analysis asks about
/// names declared elsewhere in its crate.
///
/// Two ways to the same answers: `merged` summarises every file up front (the
/// reference), `lazy` knows from a lexical scan which files declare each name and
/// summarises only the files a question can concern, when it is first asked. A
/// summary's entry for a name can only come from a file that declares the name, so
/// both give the same answer to every question.
#[derive(Debug, Default)]
pub struct CrateTable {
    answers: Answers,
    /// Types configured in `await-holding-invalid-types`.
    pub invalid_types: Vec<crate::config::InvalidType>,
    /// Methods configured in `hazard-methods` (`path` is the method name).
    pub hazard_methods: Vec<crate::config::InvalidType>,
}

#[derive(Debug)]
enum Answers {
    Merged(Merged),
    Lazy(Lazy),
}

impl Default for Answers {
    fn default() -> Self {
        Answers::Merged(Merged::default())
    }
}

#[derive(Debug, Default)]
struct Merged {
    methods: HashMap<(String, String), Option<Vec<Shape>>>,
    fns: HashMap<String, Option<Vec<Shape>>>,
    fields: HashMap<(String, String), Option<FieldEntry>>,
    statics: HashMap<String, Option<FieldEntry>>,
    reexports: HashMap<String, Option<Vec<String>>>,
    awaiting_macros: HashSet<String>,
    /// `#[must_not_suspend]` types: reason and whether their fields are trivial.
    must_not_suspend: HashMap<String, (Option<String>, bool)>,
    must_not_suspend_traits: HashMap<String, Option<String>>,
    drop_impls: HashSet<String>,
}

/// What a lexical scan says a file declares: the names under which its summary may
/// have entries.
#[derive(Debug, Default, Clone)]
pub struct Declared {
    /// `struct`, `enum` and `union` names.
    pub types: Vec<String>,
    /// `fn` names (free fns and methods).
    pub fns: Vec<String>,
    /// `fn` names declared without a `self` receiver at least once.
    pub free_fns: Vec<String>,
    /// Names in `impl` headers (the implemented types' among them).
    pub impls: Vec<String>,
    pub traits: Vec<String>,
    /// Names in `pub use` trees.
    pub reexports: Vec<String>,
    /// `macro_rules!` names.
    pub macros: Vec<String>,
    /// `static` names (also `lazy_static!`'s).
    pub statics: Vec<String>,
    /// Whether the file can declare an `impl Drop`.
    pub drop: bool,
    /// Whether the file mentions `must_not_suspend` at all.
    pub must_not_suspend: bool,
}

/// A crate's files, summarised on demand.
#[derive(Debug)]
struct Lazy {
    files: Vec<LazyFile>,
    by_type: HashMap<String, Vec<usize>>,
    by_fn: HashMap<String, Vec<usize>>,
    by_impl: HashMap<String, Vec<usize>>,
    by_free_fn: HashMap<String, Vec<usize>>,
    by_trait: HashMap<String, Vec<usize>>,
    by_reexport: HashMap<String, Vec<usize>>,
    by_macro: HashMap<String, Vec<usize>>,
    by_static: HashMap<String, Vec<usize>>,
    drop_files: Vec<usize>,
    any_must_not_suspend: bool,
    /// Nanoseconds spent summarising, summed over threads.
    nanos: AtomicU64,
}

#[derive(Debug)]
struct LazyFile {
    path: Arc<Path>,
    summary: OnceLock<Option<FileSummary>>,
}

/// Whether every value agrees: the value if so, `None` if they differ or there is none.
fn agree<'a, V: PartialEq + Clone + 'a>(mut values: impl Iterator<Item = &'a V>) -> Option<V> {
    let first = values.next()?;
    values.all(|v| v == first).then(|| first.clone())
}

fn insert<K: std::hash::Hash + Eq, V: PartialEq>(
    map: &mut HashMap<K, Option<V>>,
    key: K,
    value: V,
) {
    match map.get_mut(&key) {
        None => {
            map.insert(key, Some(value));
        }
        Some(slot) => {
            if slot.as_ref() != Some(&value) {
                *slot = None;
            }
        }
    }
}

impl CrateTable {
    /// The table of a crate whose files are all summarised already.
    pub fn merge(summaries: impl IntoIterator<Item = FileSummary>) -> CrateTable {
        let mut t = Merged::default();
        for s in summaries {
            for (k, v) in s.methods {
                insert(&mut t.methods, k, v);
            }
            for (k, v) in s.fns {
                insert(&mut t.fns, k, v);
            }
            for (k, v) in s.fields {
                insert(&mut t.fields, k, v);
            }
            for (k, v) in s.statics {
                insert(&mut t.statics, k, v);
            }
            for (k, v) in s.reexports {
                insert(&mut t.reexports, k, v);
            }
            t.awaiting_macros.extend(s.awaiting_macros);
            for (name, reason, trivial) in s.must_not_suspend {
                t.must_not_suspend.insert(name, (reason, trivial));
            }
            t.must_not_suspend_traits.extend(s.must_not_suspend_traits);
            t.drop_impls.extend(s.drop_impls);
        }
        CrateTable {
            answers: Answers::Merged(t),
            ..CrateTable::default()
        }
    }

    /// The table of a crate whose files (in a fixed order) are summarised when a
    /// question first concerns them.
    pub fn lazy(files: Vec<(Arc<Path>, Declared)>) -> CrateTable {
        let mut lazy = Lazy {
            files: Vec::with_capacity(files.len()),
            by_type: HashMap::new(),
            by_fn: HashMap::new(),
            by_impl: HashMap::new(),
            by_free_fn: HashMap::new(),
            by_trait: HashMap::new(),
            by_reexport: HashMap::new(),
            by_macro: HashMap::new(),
            by_static: HashMap::new(),
            drop_files: Vec::new(),
            any_must_not_suspend: false,
            nanos: AtomicU64::new(0),
        };
        for (i, (path, declared)) in files.into_iter().enumerate() {
            let add = |map: &mut HashMap<String, Vec<usize>>, names: Vec<String>| {
                for n in names {
                    map.entry(n).or_default().push(i);
                }
            };
            add(&mut lazy.by_type, declared.types);
            add(&mut lazy.by_fn, declared.fns);
            add(&mut lazy.by_impl, declared.impls);
            add(&mut lazy.by_free_fn, declared.free_fns);
            add(&mut lazy.by_trait, declared.traits);
            add(&mut lazy.by_reexport, declared.reexports);
            add(&mut lazy.by_macro, declared.macros);
            add(&mut lazy.by_static, declared.statics);
            if declared.drop {
                lazy.drop_files.push(i);
            }
            lazy.any_must_not_suspend |= declared.must_not_suspend;
            lazy.files.push(LazyFile {
                path,
                summary: OnceLock::new(),
            });
        }
        CrateTable {
            answers: Answers::Lazy(lazy),
            ..CrateTable::default()
        }
    }

    /// The same answers with other configured lists.
    pub fn with_lists(
        mut self,
        invalid_types: Vec<crate::config::InvalidType>,
        hazard_methods: Vec<crate::config::InvalidType>,
    ) -> CrateTable {
        self.invalid_types = invalid_types;
        self.hazard_methods = hazard_methods;
        self
    }

    /// Files summarised so far and the time it took (summed over threads).
    pub fn indexing(&self) -> (usize, std::time::Duration) {
        match &self.answers {
            Answers::Merged(_) => (0, std::time::Duration::ZERO),
            Answers::Lazy(l) => (
                l.files.iter().filter(|f| f.summary.get().is_some()).count(),
                std::time::Duration::from_nanos(l.nanos.load(Ordering::Relaxed)),
            ),
        }
    }

    pub fn must_not_suspend(&self, name: &str) -> Option<(Option<String>, bool)> {
        match &self.answers {
            Answers::Merged(m) => m.must_not_suspend.get(name).cloned(),
            Answers::Lazy(l) if !l.any_must_not_suspend => None,
            Answers::Lazy(l) => l
                .summaries(&l.by_type, name)
                .flat_map(|s| &s.must_not_suspend)
                .filter(|(n, _, _)| n == name)
                .last()
                .map(|(_, reason, trivial)| (reason.clone(), *trivial)),
        }
    }

    pub fn must_not_suspend_trait(&self, name: &str) -> Option<Option<String>> {
        match &self.answers {
            Answers::Merged(m) => m.must_not_suspend_traits.get(name).cloned(),
            Answers::Lazy(l) if !l.any_must_not_suspend => None,
            Answers::Lazy(l) => l
                .summaries(&l.by_trait, name)
                .flat_map(|s| &s.must_not_suspend_traits)
                .filter(|(n, _)| n == name)
                .last()
                .map(|(_, reason)| reason.clone()),
        }
    }

    pub fn has_drop(&self, name: &str) -> bool {
        match &self.answers {
            Answers::Merged(m) => m.drop_impls.contains(name),
            Answers::Lazy(l) => l
                .drop_files
                .iter()
                .filter_map(|&i| l.summary(i))
                .any(|s| s.drop_impls.iter().any(|d| d == name)),
        }
    }

    /// Whether the crate declares a `macro_rules!` of this name that awaits.
    pub fn awaiting_macro(&self, name: &str) -> bool {
        match &self.answers {
            Answers::Merged(m) => m.awaiting_macros.contains(name),
            Answers::Lazy(l) => l
                .summaries(&l.by_macro, name)
                .any(|s| s.awaiting_macros.iter().any(|m| m == name)),
        }
    }

    /// The hazards method `name` of type `ty` returns, if the crate agrees.
    pub fn method(&self, ty: &str, name: &str) -> Option<Vec<Shape>> {
        match &self.answers {
            Answers::Merged(m) => m.methods.get(&(ty.to_string(), name.to_string()))?.clone(),
            Answers::Lazy(l) => agree(
                l.method_summaries(ty, name)
                    .flat_map(|s| &s.methods)
                    .filter(|((t, n), _)| t == ty && n == name)
                    .map(|(_, v)| v),
            ),
        }
    }

    pub fn function(&self, name: &str) -> Option<Vec<Shape>> {
        match &self.answers {
            Answers::Merged(m) => m.fns.get(name)?.clone(),
            Answers::Lazy(l) => agree(
                l.summaries(&l.by_free_fn, name)
                    .flat_map(|s| &s.fns)
                    .filter(|(n, _)| n == name)
                    .map(|(_, v)| v),
            ),
        }
    }

    pub fn field(&self, ty: &str, field: &str) -> Option<FieldEntry> {
        match &self.answers {
            Answers::Merged(m) => m.fields.get(&(ty.to_string(), field.to_string()))?.clone(),
            Answers::Lazy(l) => agree(
                l.summaries(&l.by_type, ty)
                    .flat_map(|s| &s.fields)
                    .filter(|((t, f), _)| t == ty && f == field)
                    .map(|(_, v)| v),
            ),
        }
    }

    /// The type of the crate's static (or `lazy_static!`) of this name, if the crate
    /// agrees.
    pub fn static_type(&self, name: &str) -> Option<FieldEntry> {
        match &self.answers {
            Answers::Merged(m) => m.statics.get(name)?.clone(),
            Answers::Lazy(l) => agree(
                l.summaries(&l.by_static, name)
                    .flat_map(|s| &s.statics)
                    .filter(|(n, _)| n == name)
                    .map(|(_, v)| v),
            ),
        }
    }

    /// Where the crate's re-export of `name` comes from (outside the crate).
    pub fn reexport(&self, name: &str) -> Option<Vec<String>> {
        match &self.answers {
            Answers::Merged(m) => m.reexports.get(name)?.clone(),
            Answers::Lazy(l) => agree(
                l.summaries(&l.by_reexport, name)
                    .flat_map(|s| &s.reexports)
                    .filter(|(n, _)| n == name)
                    .map(|(_, v)| v),
            ),
        }
    }
}

impl Lazy {
    /// The summaries of the files `map` lists under `name`, in file order.
    fn summaries<'a>(
        &'a self,
        map: &'a HashMap<String, Vec<usize>>,
        name: &str,
    ) -> impl Iterator<Item = &'a FileSummary> + 'a {
        map.get(name)
            .into_iter()
            .flatten()
            .filter_map(|&i| self.summary(i))
    }

    /// The summaries of the files that declare a fn `name` in an impl that names
    /// `ty`, in file order.
    fn method_summaries<'a>(
        &'a self,
        ty: &str,
        name: &str,
    ) -> impl Iterator<Item = &'a FileSummary> + 'a {
        let impls: &[usize] = self.by_impl.get(ty).map_or(&[], Vec::as_slice);
        self.by_fn
            .get(name)
            .into_iter()
            .flatten()
            .filter(move |i| impls.binary_search(i).is_ok())
            .filter_map(|&i| self.summary(i))
    }

    fn summary(&self, i: usize) -> Option<&FileSummary> {
        let file = self.files.get(i)?;
        file.summary
            .get_or_init(|| {
                let start = std::time::Instant::now();
                let summary = crate::read_regular_text(&file.path)
                    .ok()
                    .and_then(|text| summarize_text(&text, true));
                self.nanos
                    .fetch_add(start.elapsed().as_nanos() as u64, Ordering::Relaxed);
                summary
            })
            .as_ref()
    }
}

/// Summarise a file from its text, or `None` if it does not parse (or is too deeply
/// nested to parse safely). `shallow` cuts fn bodies, comments and macro invocations
/// out of the text before parsing it (`parse_shallow`), which is cheaper and, as only
/// items outside fn bodies are summarised, gives the same summary as the full parse
/// with its fn bodies emptied; that parse remains the fallback for anything the
/// shortcut cannot handle. Never frees the thread's spans: it may run in the middle
/// of another file's analysis.
pub fn summarize_text(text: &str, shallow: bool) -> Option<FileSummary> {
    if crate::nesting::too_deep(text).is_some() {
        return None;
    }
    crate::panic_guard::catch(|| {
        let ast = shallow
            .then(|| parse_shallow(text))
            .flatten()
            .or_else(|| parse_without_fn_bodies(text))?;
        Some(summarize(&ast, text))
    })
    .ok()
    .flatten()
}

/// A file's items with every fn body empty, parsed from a text whose fn bodies were
/// cut out before parsing (`None` if that does not parse).
pub fn parse_shallow(text: &str) -> Option<syn::File> {
    syn::parse_file(&crate::scan::strip_fn_bodies(text)?).ok()
}

/// A file parsed in full, then with every fn body emptied: what `parse_shallow`
/// must equal.
pub fn parse_without_fn_bodies(text: &str) -> Option<syn::File> {
    let mut ast = syn::parse_file(text).ok()?;
    syn::visit_mut::VisitMut::visit_file_mut(&mut ClearFnBodies, &mut ast);
    Some(ast)
}

/// Empties every fn body of a parsed file (outside macro invocations).
pub struct ClearFnBodies;

impl syn::visit_mut::VisitMut for ClearFnBodies {
    fn visit_item_fn_mut(&mut self, f: &mut syn::ItemFn) {
        f.block.stmts.clear();
        syn::visit_mut::visit_item_fn_mut(self, f);
    }

    fn visit_impl_item_fn_mut(&mut self, f: &mut syn::ImplItemFn) {
        f.block.stmts.clear();
        syn::visit_mut::visit_impl_item_fn_mut(self, f);
    }

    fn visit_trait_item_fn_mut(&mut self, f: &mut syn::TraitItemFn) {
        if let Some(b) = &mut f.default {
            b.stmts.clear();
        }
        syn::visit_mut::visit_trait_item_fn_mut(self, f);
    }
}

/// Summarise one parsed file for its crate's table.
pub fn summarize(file: &syn::File, text: &str) -> FileSummary {
    let index = FileIndex::build(file, text);
    let mut summary = FileSummary {
        awaiting_macros: index.awaiting_macros.iter().cloned().collect(),
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
    for ((ty, name), sig) in &index.methods {
        if let syn::ReturnType::Type(..) = sig.output {
            summary
                .methods
                .push(((ty.clone(), name.clone()), index.return_shapes(sig)));
        }
    }
    // Methods are keyed by their type above; free fns (outside impls and traits,
    // which another file can call by path) by name.
    let mut free_fns = FreeFns(HashSet::new());
    free_fns.visit_file(file);
    for (name, sigs) in &index.fns {
        let free: Vec<_> = sigs
            .iter()
            .filter(|s| free_fns.0.contains(&(**s as *const syn::Signature)))
            .collect();
        if let [only] = free.as_slice() {
            if let syn::ReturnType::Type(..) = only.output {
                summary.fns.push((name.clone(), index.return_shapes(only)));
            }
        }
    }
    for (name, fields) in &index.structs {
        for (field, ty) in fields {
            summary.fields.push((
                (name.clone(), field.clone()),
                FieldEntry {
                    type_path: index.type_path(ty),
                    struct_name: crate::index::struct_name_of_type(ty),
                },
            ));
        }
    }
    let entry = |ty: &syn::Type| FieldEntry {
        type_path: index.type_path(ty),
        struct_name: crate::index::struct_name_of_type(ty),
    };
    for (name, ty) in &index.statics {
        summary.statics.push((name.clone(), entry(ty)));
    }
    for (name, ty) in &index.lazy_statics {
        summary.statics.push((name.clone(), entry(ty)));
    }
    let mut reexports = Reexports {
        index: &index,
        out: Vec::new(),
    };
    reexports.visit_file(file);
    summary.reexports = reexports.out;
    // In a fixed order (the index keeps names in hash maps), so that summaries compare.
    summary.methods.sort_by(|a, b| a.0.cmp(&b.0));
    summary.fns.sort_by(|a, b| a.0.cmp(&b.0));
    summary.fields.sort_by(|a, b| a.0.cmp(&b.0));
    summary.statics.sort_by(|a, b| a.0.cmp(&b.0));
    summary.awaiting_macros.sort();
    summary.must_not_suspend.sort_by(|a, b| a.0.cmp(&b.0));
    summary
        .must_not_suspend_traits
        .sort_by(|a, b| a.0.cmp(&b.0));
    summary.drop_impls.sort();
    summary
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
