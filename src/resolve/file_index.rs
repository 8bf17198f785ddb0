//! What one file declares that the analysis needs to know a value's type without a
//! compiler: `use` imports and renames, struct fields, type aliases, statics, fn and
//! method return types, `macro_rules!` that await, and which lock families the file
//! mentions at all.

use proc_macro2::TokenStream;
use quote::ToTokens;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use syn::visit::Visit;

use crate::hazard::evidence::{note_path, LockEvidence, EVIDENCE_NAMES};
use crate::hazard::{self, Family, Layer, Receiver, Shape};
use crate::resolve::crate_table::{CrateTable, FieldEntry};

#[derive(Debug, Default)]
pub struct FileIndex<'ast> {
    /// Imported name → full path.
    pub uses: HashMap<String, Vec<String>>,
    /// Glob-imported module paths.
    pub globs: Vec<Vec<String>>,
    /// Names imported from different paths in different modules of the file.
    pub ambiguous_uses: HashSet<String>,
    /// Struct (or union) name → field name (or tuple index) → type.
    pub structs: HashMap<String, HashMap<String, &'ast syn::Type>>,
    pub aliases: HashMap<String, &'ast syn::Type>,
    pub statics: HashMap<String, &'ast syn::Type>,
    /// Statics declared inside `lazy_static!` (`static ref NAME: Type = ..;`), whose
    /// values deref to their declared type. (`thread_local!` values are reached only
    /// inside `with` closures, which cannot await: not indexed.)
    pub lazy_statics: HashMap<String, syn::Type>,
    /// Fn or method name → every signature declared under that name.
    pub fns: HashMap<String, Vec<&'ast syn::Signature>>,
    /// (impl self type, method name) → signature.
    pub methods: HashMap<(String, String), &'ast syn::Signature>,
    /// The self type of the impl being visited.
    impl_stack: Vec<Option<String>>,
    /// The inline modules being visited.
    mod_stack: Vec<String>,
    /// `macro_rules!` names whose body contains `.await`.
    pub awaiting_macros: HashSet<String>,
    /// The file's `macro_rules!` bodies, by name (the last one of a name wins).
    pub macro_rules: HashMap<String, &'ast proc_macro2::TokenStream>,
    /// Local macro expansions in progress (a recursive macro stops here).
    expanding: std::cell::Cell<usize>,
    pub evidence: LockEvidence,
    /// Fns returning `impl Trait`, by name → what their bodies return (filled in by
    /// the analysis, which lowers those bodies first).
    pub opaque_returns: HashMap<String, Vec<Shape>>,
    /// What the crate's other files declare.
    pub crate_table: Option<Arc<CrateTable>>,
    /// The module this file is in its crate's module tree, when known.
    pub module: Option<crate::resolve::modtree::Module>,
    /// Imports by the inline module (`[]`: the file's own) that makes them: module →
    /// name → the path, `None` if that module imports the name twice differently.
    scoped_uses: HashMap<Vec<String>, HashMap<String, Option<Vec<String>>>>,
    /// Glob imports, each with the inline module that makes it.
    scoped_globs: Vec<(Vec<String>, Vec<String>)>,
    /// The inline module of the body being analysed, whose imports win over those of
    /// the file's other modules.
    scope: std::cell::RefCell<Vec<String>>,
    /// The inline module of each type written in an item's declaration (fields,
    /// aliases, statics, signatures): it is read with that module's imports, whichever
    /// body asks.
    type_scopes: HashMap<*const syn::Type, Vec<String>>,
    /// Types annotated `#[must_not_suspend]` (also through `cfg_attr`), by name.
    pub must_not_suspend: HashMap<String, MustNotSuspend>,
    /// Traits annotated `#[must_not_suspend]`, by name, with the reason.
    pub must_not_suspend_traits: HashMap<String, Option<String>>,
    /// Types with an `impl Drop` in this file.
    pub drop_impls: HashSet<String>,
    /// `impl Deref for Name { type Target = T; }`: Name → T.
    pub deref_targets: HashMap<String, &'ast syn::Type>,
    /// Variant name → its `#[must_not_suspend]` enum (for `Idle` after `use State::*`).
    pub must_not_suspend_variants: HashMap<String, String>,
}

/// Where a struct's field is declared (`FileIndex::field_decl`).
pub enum FieldDecl<'ast> {
    /// In this file, with this type.
    Here(&'ast syn::Type),
    /// In another file of the crate.
    Crate(FieldEntry),
}

/// A type annotated `#[must_not_suspend]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MustNotSuspend {
    pub reason: Option<String>,
    /// Whether every field is plainly free of drop glue (numbers, references...).
    pub trivial_fields: bool,
    /// The inline modules (`mod a { .. }`) of the file it is declared in.
    pub module: Vec<String>,
}

/// The `#[must_not_suspend]` attribute among `attrs` (plain, `= "reason"`, or inside
/// `cfg_attr(..)`): `Some(reason)` when present.
pub fn must_not_suspend_attr(attrs: &[syn::Attribute]) -> Option<Option<String>> {
    for attr in attrs {
        if attr.path().is_ident("must_not_suspend") {
            return Some(reason_of(&attr.meta));
        }
        if attr.path().is_ident("cfg_attr") {
            let Ok(metas) = attr.parse_args_with(
                syn::punctuated::Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated,
            ) else {
                continue;
            };
            // The first item is the predicate; the rest are the attributes.
            if !metas.first().is_some_and(cfg_may_hold) {
                continue;
            }
            for meta in metas.iter().skip(1) {
                if meta.path().is_ident("must_not_suspend") {
                    return Some(reason_of(meta));
                }
            }
        }
    }
    None
}

/// Whether an item's `#[cfg(..)]` attributes may all hold in an ordinary build.
pub fn cfg_allows(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().filter(|a| a.path().is_ident("cfg")).all(|a| {
        a.parse_args::<syn::Meta>()
            .map_or(true, |meta| cfg_may_hold(&meta))
    })
}

/// Whether a `cfg` predicate may hold in an ordinary build: `all()`/`any()`/`not()`
/// are evaluated, `test` is off, anything else (features, targets) may be on.
fn cfg_may_hold(meta: &syn::Meta) -> bool {
    let nested = |m: &syn::Meta| -> Vec<syn::Meta> {
        match m {
            syn::Meta::List(l) => l
                .parse_args_with(
                    syn::punctuated::Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated,
                )
                .map(|p| p.into_iter().collect())
                .unwrap_or_default(),
            _ => Vec::new(),
        }
    };
    let path = meta.path();
    if path.is_ident("all") {
        nested(meta).iter().all(cfg_may_hold)
    } else if path.is_ident("any") {
        nested(meta).iter().any(cfg_may_hold)
    } else if path.is_ident("not") {
        !nested(meta).first().is_some_and(cfg_may_hold)
    } else {
        !path.is_ident("test")
    }
}

fn reason_of(meta: &syn::Meta) -> Option<String> {
    match meta {
        syn::Meta::NameValue(nv) => match &nv.value {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) => Some(s.value()),
            _ => None,
        },
        _ => None,
    }
}

/// Whether a field type plainly has no drop glue.
fn trivial_type(ty: &syn::Type) -> bool {
    match ty {
        syn::Type::Reference(_) | syn::Type::Ptr(_) | syn::Type::Never(_) | syn::Type::FnPtr(_) => {
            true
        }
        syn::Type::Paren(p) => trivial_type(&p.elem),
        syn::Type::Tuple(t) => t.elems.iter().all(trivial_type),
        syn::Type::Array(a) => trivial_type(&a.elem),
        syn::Type::Path(p) => {
            p.path.get_ident().is_some_and(|i| {
                matches!(
                    i.to_string().as_str(),
                    "u8" | "u16"
                        | "u32"
                        | "u64"
                        | "u128"
                        | "usize"
                        | "i8"
                        | "i16"
                        | "i32"
                        | "i64"
                        | "i128"
                        | "isize"
                        | "f32"
                        | "f64"
                        | "bool"
                        | "char"
                )
            }) || p.path.segments.last().is_some_and(|s| {
                s.ident == "PhantomData"
                    || (matches!(s.ident.to_string().as_str(), "Option" | "Cell" | "Wrapping")
                        && first_type_arg(s).is_some_and(trivial_type))
            })
        }
        _ => false,
    }
}

/// `#[derive(Copy)]`: a `Copy` type never has drop glue.
fn derives_copy(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("derive")
            && a.parse_args_with(
                syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
            )
            .is_ok_and(|paths| {
                paths
                    .iter()
                    .any(|p| p.segments.last().is_some_and(|s| s.ident == "Copy"))
            })
    })
}

fn fields_trivial(fields: &syn::Fields) -> bool {
    fields.iter().all(|f| trivial_type(&f.ty))
}

/// A path's segment names (`a::b::C` → `["a", "b", "C"]`).
pub fn path_names(path: &syn::Path) -> Vec<String> {
    path.segments.iter().map(|s| s.ident.to_string()).collect()
}

/// Macros that await in their expansion wherever they come from (`tokio::select!`,
/// `futures::join!`, …).
pub const AWAITING_MACROS: &[&str] = &["select", "select_biased", "join", "try_join", "pending"];

impl<'ast> FileIndex<'ast> {
    pub fn build(file: &'ast syn::File, text: &str) -> FileIndex<'ast> {
        Self::build_in_crate(file, text, None, None)
    }

    /// Index a file of a crate whose other files are summarised in `table`.
    pub fn build_in_crate(
        file: &'ast syn::File,
        text: &str,
        table: Option<Arc<CrateTable>>,
        module: Option<crate::resolve::modtree::Module>,
    ) -> FileIndex<'ast> {
        let mut index = FileIndex {
            crate_table: table,
            module,
            ..FileIndex::default()
        };
        index.visit_file(file);
        if let Some(table) = index.crate_table.clone() {
            // Names imported from the crate that the crate re-exports from outside: a
            // lock's or guard's name followed through the module tree, any other by
            // name (only evidence is looked for here, and following every import
            // would summarise every module the file imports from).
            let targets: Vec<Vec<String>> = index
                .uses
                .values()
                .filter(|p| {
                    matches!(
                        p.first().map(String::as_str),
                        Some("crate" | "self" | "super")
                    )
                })
                .filter_map(|p| {
                    let last = p.last()?;
                    if EVIDENCE_NAMES.contains(&last.as_str()) {
                        Some(index.resolve_segments(p.clone()))
                    } else {
                        table.reexport(last)
                    }
                })
                .filter(|p| p.first().is_none_or(|f| f != "crate"))
                .collect();
            for t in targets {
                note_path(&mut index.evidence, &t);
            }
        }
        let ev = &mut index.evidence;
        for path in index.uses.values().chain(index.globs.iter()) {
            note_path(ev, path);
        }
        // Fully qualified paths in the text count too (`std::sync::Mutex::new`).
        ev.std_lock |= text.contains("sync::Mutex") || text.contains("sync::RwLock");
        ev.parking_lot |= text.contains("parking_lot::") || text.contains("spin::");
        ev.async_lock |= text.contains("tokio::sync::")
            || text.contains("futures::lock")
            || text.contains("async_std::sync");
        ev.refcell |= text.contains("RefCell");
        ev.tracing |= text.contains("tracing");
        ev.std_file_lock |= text.contains("fs::File") || text.contains("File::");
        index
    }

    /// The full path a type or value path means in this file, as far as imports tell;
    /// a single unresolved name stays a single segment.
    pub fn resolve(&self, path: &syn::Path) -> Vec<String> {
        let segs: Vec<String> = path_names(path);
        self.resolve_segments(segs)
    }

    pub fn resolve_segments(&self, segs: Vec<String>) -> Vec<String> {
        let resolved = self.resolve_in_file(segs);
        if let Some(found) = self.locate(&resolved) {
            return found.path();
        }
        // A crate path (or a name the file does not import) that the crate
        // re-exports from outside: `crate::sync::Mutex` → `std::sync::Mutex`.
        let local = resolved.len() == 1
            || matches!(
                resolved.first().map(String::as_str),
                Some("crate" | "self" | "super")
            );
        if local {
            if let (Some(table), Some(last)) = (&self.crate_table, resolved.last()) {
                if let Some(target) = table.reexport(last) {
                    return target;
                }
            }
        }
        resolved
    }

    /// The import of `name` by the module of the body being analysed: `Some(None)`
    /// if it imports the name twice differently.
    fn scoped_import(&self, name: &str) -> Option<Option<&Vec<String>>> {
        // Asked for every path the analysis resolves: looked up without allocating.
        self.scoped_uses
            .get(&*self.scope.borrow())?
            .get(name)
            .map(Option::as_ref)
    }

    /// Analyse the bodies of inline module `module` (`[]`: the file's own) next.
    pub fn set_scope(&self, module: &[String]) {
        *self.scope.borrow_mut() = module.to_vec();
    }

    /// Where a path (resolved with this file's imports) leads through the crate's
    /// module tree: `crate::a::B` to the item `B` of module `a`, or to what `a`
    /// re-exports as `B`; a name the file neither declares nor imports, through the
    /// file's glob imports of crate modules (`use super::*`).
    fn locate(&self, resolved: &[String]) -> Option<crate::resolve::crate_table::Located> {
        let table = self.crate_table.as_ref()?;
        if !table.may_locate(resolved.last()?) {
            return None;
        }
        let mut module = self.module.clone()?;
        module.path.extend(self.scope.borrow().iter().cloned());
        let module = &module;
        match resolved {
            [name] => {
                if self.structs.contains_key(name)
                    || self.aliases.contains_key(name)
                    || self.statics.contains_key(name)
                    || self.fns.contains_key(name)
                    || self.ambiguous_uses.contains(name)
                {
                    return None;
                }
                let mut found = None;
                let scope = self.scope.borrow();
                let globs = self
                    .scoped_globs
                    .iter()
                    .filter(|(m, _)| *m == *scope)
                    .map(|(_, g)| g)
                    // A glob of a module of this file (`use super::*` in `mod tests`)
                    // brings what the file declares and imports, known here already.
                    .filter(|g| {
                        let supers = g.iter().take_while(|s| *s == "super").count();
                        supers == 0 || supers > scope.len()
                    });
                for glob in globs {
                    let mut path = glob.clone();
                    path.push(name.clone());
                    if let Some(l) = table.locate(module, &path) {
                        if found.as_ref().is_some_and(|f| *f != l) {
                            return None;
                        }
                        found = Some(l);
                    }
                }
                found
            }
            _ => table.locate(module, resolved),
        }
    }

    fn resolve_in_file(&self, mut segs: Vec<String>) -> Vec<String> {
        let Some(first) = segs.first().cloned() else {
            return segs;
        };
        if matches!(first.as_str(), "crate" | "self" | "super") {
            return segs;
        }
        // The importing module's own import first.
        if let Some(found) = self.scoped_import(&first) {
            let Some(full) = found else {
                return segs;
            };
            let mut out = full.clone();
            out.extend(segs.drain(1..));
            return out;
        }
        if let Some(full) = self.uses.get(&first) {
            let mut out = full.clone();
            out.extend(segs.drain(1..));
            return out;
        }
        if segs.len() == 1 {
            for glob in &self.globs {
                if let Some(Receiver { family, .. }) = {
                    let mut candidate = glob.clone();
                    candidate.push(first.clone());
                    hazard::classify_lock_path(&candidate)
                } {
                    if family != Family::Other {
                        let mut out = glob.clone();
                        out.push(first);
                        return out;
                    }
                }
            }
        }
        segs
    }

    /// The lock family of a receiver whose type is `ty`, looking through references,
    /// smart pointers and aliases. `None` when it cannot be told.
    pub fn receiver_of_type(&self, ty: &syn::Type) -> Option<Receiver> {
        self.in_scope_of(ty, || self.receiver_of_type_depth(ty, 0))
    }

    /// `f`, with the imports of the module `ty` is declared in when it is an item's
    /// (a field's, a signature's...), else of the body being analysed.
    fn in_scope_of<R>(&self, ty: &syn::Type, f: impl FnOnce() -> R) -> R {
        let Some(module) = self.type_scopes.get(&(ty as *const syn::Type)) else {
            return f();
        };
        if *module == *self.scope.borrow() {
            return f();
        }
        let outer = self.scope.replace(module.clone());
        let result = f();
        *self.scope.borrow_mut() = outer;
        result
    }

    fn receiver_of_type_depth(&self, ty: &syn::Type, depth: usize) -> Option<Receiver> {
        if depth > 8 {
            return None;
        }
        match ty {
            syn::Type::Reference(r) => self.receiver_of_type_depth(&r.elem, depth + 1),
            syn::Type::Paren(p) => self.receiver_of_type_depth(&p.elem, depth + 1),
            syn::Type::Group(g) => self.receiver_of_type_depth(&g.elem, depth + 1),
            syn::Type::Path(p) if p.qself.is_none() => {
                let last = p.path.segments.last()?;
                let name = last.ident.to_string();
                if is_pointer_like(&name) {
                    return self.receiver_of_type_depth(first_type_arg(last)?, depth + 1);
                }
                if p.path.segments.len() == 1 {
                    if let Some(alias) = self.aliases.get(&name) {
                        return self.receiver_of_type_depth(alias, depth + 1);
                    }
                    // Imported by the body's own module: the struct of that name is in
                    // another module (a module cannot have both).
                    let imported_here = self.scoped_import(&name).is_some();
                    if self.structs.contains_key(&name) && !imported_here {
                        // A struct of this file, unless the same name is also imported
                        // (in another module of the file): then it cannot be told.
                        if self.uses.contains_key(&name) || self.ambiguous_uses.contains(&name) {
                            return None;
                        }
                        return Some(Receiver {
                            family: Family::Other,
                            kind: hazard::LockKind::Unknown,
                        });
                    }
                }
                let full = self.resolve(&p.path);
                self.receiver_of_path(&full)
            }
            _ => None,
        }
    }

    /// The alias declared elsewhere in the crate that a resolved path
    /// (`crate::types::Shared`) names.
    fn crate_alias(&self, full: &[String]) -> Option<crate::resolve::crate_table::AliasEntry> {
        let (first, rest) = full.split_first()?;
        if first != "crate" {
            return None;
        }
        self.crate_table
            .as_ref()?
            .alias_at(self.module.as_ref()?.root, rest)
    }

    /// The full path of the type a value of type `ty` is a lock or struct of, through
    /// references, smart pointers and aliases (as far as this file's imports tell).
    pub fn type_path(&self, ty: &syn::Type) -> Option<Vec<String>> {
        self.in_scope_of(ty, || self.type_path_depth(ty, 0))
    }

    fn type_path_depth(&self, ty: &syn::Type, depth: usize) -> Option<Vec<String>> {
        if depth > 8 {
            return None;
        }
        match ty {
            syn::Type::Reference(r) => self.type_path_depth(&r.elem, depth + 1),
            syn::Type::Paren(p) => self.type_path_depth(&p.elem, depth + 1),
            syn::Type::Group(g) => self.type_path_depth(&g.elem, depth + 1),
            syn::Type::Path(p) if p.qself.is_none() => {
                let last = p.path.segments.last()?;
                let name = last.ident.to_string();
                if is_pointer_like(&name) {
                    return self.type_path_depth(first_type_arg(last)?, depth + 1);
                }
                if p.path.segments.len() == 1 {
                    if let Some(alias) = self.aliases.get(&name) {
                        return self.type_path_depth(alias, depth + 1);
                    }
                }
                Some(self.resolve(&p.path))
            }
            _ => None,
        }
    }

    /// The lock family of a type known by its path (resolved in another file of the
    /// crate): re-exports are followed here.
    pub fn receiver_of_path(&self, path: &[String]) -> Option<Receiver> {
        let full = self.resolve_segments(path.to_vec());
        if let Some(alias) = self.crate_alias(&full) {
            return alias.receiver;
        }
        let name = full.last()?.clone();
        if full.len() == 1 {
            // An unresolved single name: only `RefCell` is unambiguous.
            return match name.as_str() {
                "RefCell" => {
                    hazard::classify_lock_path(&["std".into(), "cell".into(), "RefCell".into()])
                }
                "Mutex" | "RwLock" | "ReentrantMutex" | "ReentrantLock" => None,
                _ => Some(Receiver {
                    family: Family::Other,
                    kind: hazard::LockKind::Unknown,
                }),
            };
        }
        hazard::classify_lock_path(&full)
    }

    /// The hazards a value of type `ty` owns (a guard, or a guard inside `Option`,
    /// `Result`, `Box`, tuples and arrays). References own nothing.
    pub fn shapes_of_type(&self, ty: &syn::Type) -> Vec<Shape> {
        let mut out = Vec::new();
        self.in_scope_of(ty, || self.shapes_of_type_into(ty, Vec::new(), &mut out, 0));
        out
    }

    fn shapes_of_type_into(
        &self,
        ty: &syn::Type,
        layers: Vec<Layer>,
        out: &mut Vec<Shape>,
        depth: usize,
    ) {
        if depth > 8 {
            return;
        }
        match ty {
            syn::Type::Paren(p) => self.shapes_of_type_into(&p.elem, layers, out, depth + 1),
            syn::Type::Group(g) => self.shapes_of_type_into(&g.elem, layers, out, depth + 1),
            syn::Type::Tuple(t) => {
                for (i, elem) in t.elems.iter().enumerate() {
                    let mut l = layers.clone();
                    l.insert(0, Layer::Element(Some(i.to_string())));
                    self.shapes_of_type_into(elem, l, out, depth + 1);
                }
            }
            syn::Type::Array(a) => {
                let mut l = layers;
                l.insert(0, Layer::Element(None));
                self.shapes_of_type_into(&a.elem, l, out, depth + 1);
            }
            syn::Type::Reference(r) => {
                // A reference to a `#[must_not_suspend]` value counts (rustc: "reference
                // to"), held until its last use; references to guards do not.
                let mut inner = Vec::new();
                self.shapes_of_type_into(&r.elem, Vec::new(), &mut inner, depth + 1);
                for mut s in inner {
                    if s.hazard.class == hazard::HazardClass::MustNotSuspend {
                        s.hazard.drop_glue = false;
                        s.layers.push(Layer::Ref);
                        s.layers.extend(layers.iter().cloned());
                        out.push(s);
                    }
                }
            }
            syn::Type::Ptr(_) => out.push(Shape {
                hazard: hazard::Hazard::new(hazard::HazardClass::NotSend, "raw pointer".into()),
                layers,
            }),
            syn::Type::ImplTrait(t) => {
                if let Some(h) = self.trait_hazard(t.bounds.iter(), "impl") {
                    out.push(Shape { hazard: h, layers });
                }
            }
            syn::Type::TraitObject(t) => {
                if let Some(h) = self.trait_hazard(t.bounds.iter(), "dyn") {
                    out.push(Shape { hazard: h, layers });
                }
            }
            syn::Type::Path(p) if p.qself.is_none() => {
                let Some(last) = p.path.segments.last() else {
                    return;
                };
                let name = last.ident.to_string();
                let layer = match name.as_str() {
                    "Option" => Some(Layer::Option),
                    "Result" | "LockResult" | "TryLockResult" => Some(Layer::Result),
                    "Box" => Some(Layer::Box),
                    // Collections hold their elements.
                    "Vec" | "VecDeque" | "LinkedList" | "BinaryHeap" | "BTreeSet" | "HashSet" => {
                        Some(Layer::Element(None))
                    }
                    _ => None,
                };
                if let Some(layer) = layer {
                    if let Some(inner) = first_type_arg(last) {
                        let mut l = layers;
                        l.insert(0, layer);
                        self.shapes_of_type_into(inner, l, out, depth + 1);
                    }
                    return;
                }
                if p.path.segments.len() == 1 {
                    if let Some(alias) = self.aliases.get(&name) {
                        self.shapes_of_type_into(alias, layers, out, depth + 1);
                        return;
                    }
                }
                // Only a name annotated in this file can be written for another type.
                let other = self.must_not_suspend.contains_key(&name)
                    && self.names_other_than_annotated(&path_names(&p.path));
                let hazard = (!other)
                    .then(|| self.must_not_suspend_hazard_path(&path_names(&p.path)))
                    .flatten();
                if let Some(h) = hazard {
                    out.push(Shape { hazard: h, layers });
                    return;
                }
                let listed = self
                    .crate_table
                    .as_ref()
                    .is_some_and(|t| !t.invalid_types.is_empty());
                if let Some(h) = listed
                    .then(|| self.invalid_type_hazard(&self.resolve(&p.path)))
                    .flatten()
                {
                    out.push(Shape { hazard: h, layers });
                    return;
                }
                if name == "Rc"
                    && self
                        .resolve(&p.path)
                        .first()
                        .is_none_or(|r| r == "std" || r == "alloc" || r == "Rc")
                {
                    out.push(Shape {
                        hazard: hazard::Hazard::new(
                            hazard::HazardClass::NotSend,
                            "std::rc::Rc".into(),
                        ),
                        layers,
                    });
                    return;
                }
                // Only a guard's name, or an alias of the crate, can be a hazard
                // from here on: other paths are not resolved through the crate.
                let original = self
                    .resolve_in_file(vec![name.clone()])
                    .pop()
                    .unwrap_or_default();
                let may_alias = self
                    .crate_table
                    .as_ref()
                    .is_some_and(|t| t.may_alias(&original));
                if !may_alias && !hazard::is_hazard_type_name(&original) {
                    return;
                }
                let full = self.resolve(&p.path);
                if let Some(alias) = self.crate_alias(&full) {
                    // What another file's alias stands for, inside these layers.
                    out.extend(alias.shapes.into_iter().map(|mut s| {
                        s.layers.extend(layers.iter().cloned());
                        s
                    }));
                    return;
                }
                if let Some(h) = hazard::guard_type_hazard(&full, &self.evidence) {
                    out.push(Shape { hazard: h, layers });
                }
            }
            _ => {}
        }
    }

    /// The hazards returned by the fn or method called `name`, when every declaration
    /// of that name in the file agrees.
    /// The hazard of a value of the type called `name`, when it (in this file or
    /// elsewhere in the crate) is annotated `#[must_not_suspend]`.
    pub fn must_not_suspend_hazard(&self, name: &str) -> Option<hazard::Hazard> {
        self.must_not_suspend_hazard_path(&[name.to_string()])
    }

    /// `must_not_suspend_hazard` for a type named by a path as written (`Conn`,
    /// `b::Conn`): when the module tree places it on a declaration of another file,
    /// that declaration's annotation decides, not another type's of the same name.
    pub fn must_not_suspend_hazard_path(&self, segs: &[String]) -> Option<hazard::Hazard> {
        let name = segs.last()?.as_str();
        // `use lease::Lease as L;`: `L` is `Lease`.
        let renamed = self
            .uses
            .get(name)
            .and_then(|path| path.last())
            .filter(|original| {
                original.as_str() != name && !self.must_not_suspend.contains_key(name)
            });
        let name = renamed.map_or(name, String::as_str);
        let info = match self.must_not_suspend.get(name) {
            Some(i) => (
                i.reason.clone(),
                i.trivial_fields,
                self.drop_impls.contains(name),
            ),
            None => {
                let t = self.crate_table.as_ref()?;
                let by_name = t.must_not_suspend(name)?;
                let full = self.resolve_segments(segs.to_vec());
                let located = match (full.split_first(), &self.module) {
                    (Some((first, rest)), Some(m)) if first == "crate" => {
                        t.must_not_suspend_at(m.root, rest)
                    }
                    _ => None,
                };
                let (reason, trivial) = match located {
                    Some(annotation) => annotation?,
                    None => by_name,
                };
                (reason, trivial, t.has_drop(name))
            }
        };
        let (reason, trivial_fields, has_drop) = info;
        Some(hazard::Hazard {
            class: hazard::HazardClass::MustNotSuspend,
            type_path: name.to_string(),
            reason,
            drop_glue: has_drop || !trivial_fields,
        })
    }

    /// Whether `segs` (a type's path as written) names another type than this file's
    /// `#[must_not_suspend]` type of the same name: its module prefix, once resolved
    /// (`b::Conn`, or `Conn` imported from `b`), is not the inline module that type is
    /// declared in (`a::Conn`). Such a path is then no hazard, whatever else in the
    /// crate has that name.
    pub fn names_other_than_annotated(&self, segs: &[String]) -> bool {
        let Some(local) = segs.last().and_then(|n| self.must_not_suspend.get(n)) else {
            return false;
        };
        let resolved = self.resolve_segments(segs.to_vec());
        let prefix: Vec<&str> = resolved[..resolved.len().saturating_sub(1)]
            .iter()
            .map(String::as_str)
            .filter(|s| !matches!(*s, "crate" | "self" | "super"))
            .collect();
        let declared: Vec<&str> = local.module.iter().map(String::as_str).collect();
        !prefix.is_empty() && !declared.ends_with(&prefix)
    }

    /// The hazard of a value of a type listed in `await-holding-invalid-types`:
    /// matched on the full path when this file's imports resolve it, else on the
    /// last segment.
    pub fn invalid_type_hazard(&self, path: &[String]) -> Option<hazard::Hazard> {
        let table = self.crate_table.as_ref()?;
        let last = path.last()?;
        // `crate::pool::Checkout` and `pool::Checkout` (a path from the crate root,
        // as `use` writes it since 2018) name the same type.
        let local = |segs: Vec<&str>| -> Vec<String> {
            let skip = segs
                .iter()
                .take_while(|s| matches!(**s, "crate" | "self" | "super"))
                .count();
            segs[skip..].iter().map(|s| s.to_string()).collect()
        };
        let wanted_path = local(path.iter().map(String::as_str).collect());
        let listed = table.invalid_types.iter().find(|t| {
            let listed = local(t.path.split("::").collect());
            listed == wanted_path || (path.len() == 1 && listed.last() == Some(last))
        })?;
        Some(hazard::Hazard {
            class: hazard::HazardClass::InvalidType,
            type_path: listed.path.clone(),
            reason: listed.reason.clone(),
            drop_glue: true,
        })
    }

    fn trait_reason(&self, name: &str) -> Option<Option<String>> {
        if let Some(r) = self.must_not_suspend_traits.get(name) {
            return Some(r.clone());
        }
        self.crate_table.as_ref()?.must_not_suspend_trait(name)
    }

    /// The hazard of an `impl Trait` / `dyn Trait` value whose bounds name an
    /// annotated trait.
    pub fn trait_hazard<'b>(
        &self,
        bounds: impl Iterator<Item = &'b syn::TypeParamBound>,
        word: &str,
    ) -> Option<hazard::Hazard> {
        for b in bounds {
            let syn::TypeParamBound::Trait(t) = b else {
                continue;
            };
            let name = t.path.segments.last()?.ident.to_string();
            if let Some(reason) = self.trait_reason(&name) {
                return Some(hazard::Hazard {
                    class: hazard::HazardClass::MustNotSuspend,
                    type_path: format!("{word} {name}"),
                    reason,
                    // What is behind the trait is not known: assume it has glue.
                    drop_glue: true,
                });
            }
        }
        None
    }

    /// The hazards returned by a call of the fn or method called `name` with
    /// arguments carrying `args`, when every declaration of that name in the file
    /// agrees. An `async fn` returns them inside a `Future` layer.
    pub fn call_shapes(&self, name: &str, args: &[Vec<Shape>]) -> Vec<Shape> {
        match self.local_call_shapes(name, args) {
            Some(shapes) => shapes,
            None => self
                .crate_table
                .as_ref()
                .and_then(|t| t.function(name))
                .unwrap_or_default(),
        }
    }

    /// `call_shapes` from this file's declarations alone: `None` if it has none of
    /// that name.
    fn local_call_shapes(&self, name: &str, args: &[Vec<Shape>]) -> Option<Vec<Shape>> {
        let decls = self.fns.get(name)?;
        let mut result: Option<Vec<Shape>> = None;
        for sig in decls {
            let shapes = self.signature_shapes(sig, args);
            match &result {
                None => result = Some(shapes),
                Some(prev) if *prev == shapes => {}
                Some(_) => return Some(Vec::new()),
            }
        }
        Some(result.unwrap_or_default())
    }

    /// As `call_shapes`, for a method of a known self type (falling back to the
    /// name alone, in this file, when the type has no such method).
    pub fn method_shapes(
        &self,
        self_ty: Option<&str>,
        name: &str,
        args: &[Vec<Shape>],
    ) -> Vec<Shape> {
        if let Some(ty) = self_ty {
            if let Some(sig) = self.methods.get(&(ty.to_string(), name.to_string())) {
                if returns_self(sig) {
                    let path = self.resolve_segments(vec![ty.to_string()]);
                    return self
                        .must_not_suspend_hazard(ty)
                        .or_else(|| self.invalid_type_hazard(&path))
                        .map(Shape::new)
                        .into_iter()
                        .collect();
                }
                return self.signature_shapes(sig, args);
            }
            let table = self.crate_table.as_ref();
            let shapes = match (ty.strip_prefix("crate::"), &self.module) {
                (Some(path), Some(m)) => {
                    table.and_then(|t| t.method_at(m.root, &split_key(path), name))
                }
                _ => table.and_then(|t| t.method(last_of_key(ty), name)),
            };
            if let Some(shapes) = shapes {
                return shapes;
            }
        }
        // Another file's fns without a receiver cannot be called as methods; this
        // file's fns of the name are the best guess left.
        self.local_call_shapes(name, args).unwrap_or_default()
    }

    /// The hazards a call of `sig` returns, without knowing its arguments.
    pub fn return_shapes(&self, sig: &syn::Signature) -> Vec<Shape> {
        self.signature_shapes(sig, &[])
    }

    /// Whether a macro of this name, declared in this file or elsewhere in the crate,
    /// awaits in its expansion.
    pub fn is_awaiting_macro(&self, name: &str) -> bool {
        AWAITING_MACROS.contains(&name)
            || self.awaiting_macros.contains(name)
            || self
                .crate_table
                .as_ref()
                .is_some_and(|t| t.awaiting_macro(name))
    }

    /// A field of a struct declared in another file of the crate: `ty` is its name,
    /// or its path from the crate root (see `struct_key`).
    pub fn crate_field(&self, ty: &str, field: &str) -> Option<FieldEntry> {
        let table = self.crate_table.as_ref()?;
        match (ty.strip_prefix("crate::"), &self.module) {
            (Some(path), Some(m)) => table.field_at(m.root, &split_key(path), field),
            _ => table.field(last_of_key(ty), field),
        }
    }

    /// What the analysis knows the struct a value of type `ty` is by (through
    /// references and smart pointers): its name if this file declares it or the
    /// module tree cannot tell, else its path from the crate root
    /// (`crate::pool::Queue`), which tells it from other types of the same name.
    pub fn struct_key(&self, ty: &syn::Type) -> Option<String> {
        self.in_scope_of(ty, || self.struct_key_in_scope(ty))
    }

    fn struct_key_in_scope(&self, ty: &syn::Type) -> Option<String> {
        let path = struct_path_of_type(ty)?;
        let name = path.segments.last()?.ident.to_string();
        if name == "Self" || self.structs.contains_key(&name) || self.module.is_none() {
            return Some(name);
        }
        let resolved = self.resolve(path);
        if resolved.first().is_some_and(|f| f == "crate") && resolved.last() == Some(&name) {
            return Some(resolved.join("::"));
        }
        Some(name)
    }

    /// The signature of a method of a known type, or of the only fn of that name.
    pub fn signature(&self, self_ty: Option<&str>, name: &str) -> Option<&'ast syn::Signature> {
        if let Some(ty) = self_ty {
            if let Some(sig) = self.methods.get(&(ty.to_string(), name.to_string())) {
                return Some(sig);
            }
        }
        match self.fns.get(name)?.as_slice() {
            [only] => Some(only),
            _ => None,
        }
    }

    fn signature_shapes(&self, sig: &syn::Signature, args: &[Vec<Shape>]) -> Vec<Shape> {
        let shapes = match &sig.output {
            syn::ReturnType::Default => Vec::new(),
            syn::ReturnType::Type(_, ty) if matches!(**ty, syn::Type::ImplTrait(_)) => {
                // What the body really returns, and the trait's own annotation.
                let mut shapes = self
                    .opaque_returns
                    .get(&sig.ident.to_string())
                    .cloned()
                    .unwrap_or_default();
                shapes.extend(self.shapes_of_type(ty));
                shapes
            }
            syn::ReturnType::Type(_, ty) => match generic_param_index(sig, ty) {
                // `fn id<T>(v: T) -> T` returns what its argument holds.
                Some(i) => args.get(i).cloned().unwrap_or_default(),
                None => self.shapes_of_type(ty),
            },
        };
        if sig.asyncness.is_some() {
            shapes
                .into_iter()
                .map(|s| s.wrapped(Layer::Future))
                .collect()
        } else {
            shapes
        }
    }

    /// Where field `member` of the struct known by `key` (see `struct_key`) is
    /// declared: in this file or in another of the crate. A field the struct lacks
    /// is its `Deref` target's (auto-deref), up to four steps.
    pub fn field_decl(&self, key: &str, member: &str) -> Option<FieldDecl<'ast>> {
        let mut key = key.to_string();
        for _ in 0..4 {
            if let Some(ty) = self.field_type(&key, member) {
                return Some(FieldDecl::Here(ty));
            }
            if let Some(entry) = self.crate_field(&key, member) {
                return Some(FieldDecl::Crate(entry));
            }
            key = self.deref_struct(&key)?;
        }
        None
    }

    /// The struct (its key, see `struct_key`) that a value of struct `key` derefs to
    /// (`impl Deref for Handle { type Target = Inner; }`), in this file or another.
    pub fn deref_struct(&self, key: &str) -> Option<String> {
        if let Some(target) = self.deref_targets.get(key) {
            return self.struct_key(target);
        }
        self.crate_table
            .as_ref()?
            .deref_target(last_of_key(key))?
            .struct_name
    }

    /// The lock a method call on a value of struct `key` reaches through `Deref`
    /// (`handle.lock()` where `Handle` derefs to a `Mutex`), when the struct has no
    /// method of that name itself.
    pub fn deref_receiver(&self, key: &str, method: &str) -> Option<Receiver> {
        let name = last_of_key(key);
        let own = self
            .methods
            .contains_key(&(name.to_string(), method.to_string()))
            || self
                .crate_table
                .as_ref()
                .is_some_and(|t| t.declares_method(name, method));
        if own {
            return None;
        }
        let receiver = match self.deref_targets.get(name) {
            Some(target) => self.receiver_of_type(target),
            None => {
                let entry = self.crate_table.as_ref()?.deref_target(name)?;
                self.receiver_of_path(&entry.type_path?)
            }
        }?;
        (receiver.family != Family::Other).then_some(receiver)
    }

    /// The declared type of field `field` of struct `ty_name`.
    pub fn field_type(&self, ty_name: &str, field: &str) -> Option<&'ast syn::Type> {
        self.structs.get(ty_name)?.get(field).copied()
    }
}

/// The segments of a struct key's path (`a::b::Queue`).
fn split_key(path: &str) -> Vec<String> {
    path.split("::").map(str::to_string).collect()
}

/// A struct key's name.
fn last_of_key(key: &str) -> &str {
    key.rsplit("::").next().unwrap_or(key)
}

fn is_pointer_like(name: &str) -> bool {
    matches!(
        name,
        "Arc"
            | "Rc"
            | "Box"
            | "Pin"
            | "ManuallyDrop"
            | "Weak"
            | "LazyLock"
            | "LazyCell"
            | "OnceLock"
            | "OnceCell"
            | "Lazy"
            | "CachePadded"
    )
}

/// Whether a signature returns `Self` (a constructor).
pub fn returns_self(sig: &syn::Signature) -> bool {
    matches!(&sig.output, syn::ReturnType::Type(_, ty) if matches!(&**ty, syn::Type::Path(p) if p.path.is_ident("Self")))
}

/// The struct name a type names, through references and smart pointers.
pub fn struct_name_of_type(ty: &syn::Type) -> Option<String> {
    Some(struct_path_of_type(ty)?.segments.last()?.ident.to_string())
}

/// The path of the struct `struct_name_of_type` names, as written.
fn struct_path_of_type(ty: &syn::Type) -> Option<&syn::Path> {
    match ty {
        syn::Type::Reference(r) => struct_path_of_type(&r.elem),
        syn::Type::Paren(p) => struct_path_of_type(&p.elem),
        syn::Type::Path(p) => {
            let last = p.path.segments.last()?;
            if matches!(
                last.ident.to_string().as_str(),
                "Arc" | "Rc" | "Box" | "Pin"
            ) {
                return struct_path_of_type(first_type_arg(last)?);
            }
            Some(&p.path)
        }
        _ => None,
    }
}

/// When `ty` is a generic type parameter of `sig` that is exactly the type of one of
/// its parameters, that parameter's position among the non-`self` parameters.
fn generic_param_index(sig: &syn::Signature, ty: &syn::Type) -> Option<usize> {
    let syn::Type::Path(p) = ty else {
        return None;
    };
    let name = p.path.get_ident()?;
    let is_param = sig
        .generics
        .params
        .iter()
        .any(|g| matches!(g, syn::GenericParam::Type(t) if t.ident == *name));
    if !is_param {
        return None;
    }
    sig.inputs
        .iter()
        .filter_map(|a| match a {
            syn::FnArg::Typed(t) => Some(&*t.ty),
            syn::FnArg::Receiver(_) => None,
        })
        .position(|t| matches!(t, syn::Type::Path(tp) if tp.path.get_ident() == Some(name)))
}

pub fn first_type_arg(seg: &syn::PathSegment) -> Option<&syn::Type> {
    match &seg.arguments {
        syn::PathArguments::AngleBracketed(a) => a.args.iter().find_map(|arg| match arg {
            syn::GenericArgument::Type(t) => Some(t),
            _ => None,
        }),
        _ => None,
    }
}

impl<'ast> Visit<'ast> for FileIndex<'ast> {
    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        // `use ::std::sync::Mutex;` names what `use std::sync::Mutex;` does.
        self.add_use_tree(&item.tree, &mut Vec::new());
    }

    fn visit_item_enum(&mut self, item: &'ast syn::ItemEnum) {
        if let Some(reason) = must_not_suspend_attr(&item.attrs) {
            let trivial_fields = derives_copy(&item.attrs)
                || item.variants.iter().all(|v| fields_trivial(&v.fields));
            for v in &item.variants {
                self.must_not_suspend_variants
                    .insert(v.ident.to_string(), item.ident.to_string());
            }
            self.must_not_suspend.insert(
                item.ident.to_string(),
                MustNotSuspend {
                    reason,
                    trivial_fields,
                    module: self.mod_stack.clone(),
                },
            );
        }
        syn::visit::visit_item_enum(self, item);
    }

    fn visit_item_mod(&mut self, item: &'ast syn::ItemMod) {
        self.mod_stack.push(item.ident.to_string());
        syn::visit::visit_item_mod(self, item);
        self.mod_stack.pop();
    }

    fn visit_item_trait(&mut self, item: &'ast syn::ItemTrait) {
        if let Some(reason) = must_not_suspend_attr(&item.attrs) {
            self.must_not_suspend_traits
                .insert(item.ident.to_string(), reason);
        }
        syn::visit::visit_item_trait(self, item);
    }

    fn visit_item_struct(&mut self, item: &'ast syn::ItemStruct) {
        if let Some(reason) = must_not_suspend_attr(&item.attrs) {
            self.must_not_suspend.insert(
                item.ident.to_string(),
                MustNotSuspend {
                    reason,
                    trivial_fields: derives_copy(&item.attrs) || fields_trivial(&item.fields),
                    module: self.mod_stack.clone(),
                },
            );
        }
        let fields = self.structs.entry(item.ident.to_string()).or_default();
        for (i, f) in item.fields.iter().enumerate() {
            let name = f
                .ident
                .as_ref()
                .map(|id| id.to_string())
                .unwrap_or_else(|| i.to_string());
            fields.insert(name, &f.ty);
            self.type_scopes.insert(&f.ty, self.mod_stack.clone());
        }
        syn::visit::visit_item_struct(self, item);
    }

    fn visit_item_union(&mut self, item: &'ast syn::ItemUnion) {
        if let Some(reason) = must_not_suspend_attr(&item.attrs) {
            // A union never drops its fields.
            self.must_not_suspend.insert(
                item.ident.to_string(),
                MustNotSuspend {
                    reason,
                    trivial_fields: true,
                    module: self.mod_stack.clone(),
                },
            );
        }
        let fields = self.structs.entry(item.ident.to_string()).or_default();
        for f in &item.fields.named {
            if let Some(id) = &f.ident {
                fields.insert(id.to_string(), &f.ty);
                self.type_scopes.insert(&f.ty, self.mod_stack.clone());
            }
        }
        syn::visit::visit_item_union(self, item);
    }

    fn visit_item_type(&mut self, item: &'ast syn::ItemType) {
        self.aliases.insert(item.ident.to_string(), &item.ty);
        self.type_scopes.insert(&*item.ty, self.mod_stack.clone());
        syn::visit::visit_item_type(self, item);
    }

    fn visit_item_static(&mut self, item: &'ast syn::ItemStatic) {
        self.statics.insert(item.ident.to_string(), &item.ty);
        self.type_scopes.insert(&*item.ty, self.mod_stack.clone());
        syn::visit::visit_item_static(self, item);
    }

    fn visit_item_const(&mut self, item: &'ast syn::ItemConst) {
        self.statics.insert(item.ident.to_string(), &item.ty);
        self.type_scopes.insert(&*item.ty, self.mod_stack.clone());
        syn::visit::visit_item_const(self, item);
    }

    fn visit_signature(&mut self, sig: &'ast syn::Signature) {
        self.fns.entry(sig.ident.to_string()).or_default().push(sig);
        for input in &sig.inputs {
            if let syn::FnArg::Typed(t) = input {
                self.type_scopes.insert(&*t.ty, self.mod_stack.clone());
            }
        }
        if let syn::ReturnType::Type(_, ty) = &sig.output {
            self.type_scopes.insert(&**ty, self.mod_stack.clone());
        }
        syn::visit::visit_signature(self, sig);
    }

    fn visit_item_impl(&mut self, item: &'ast syn::ItemImpl) {
        let name = match &*item.self_ty {
            syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
            _ => None,
        };
        // The trait an impl is of, by its last segment.
        let of_trait = |t: &str| {
            item.trait_
                .as_ref()
                .and_then(|(path, _)| path.segments.last())
                .is_some_and(|s| s.ident == t)
        };
        if let (true, Some(name)) = (of_trait("Drop"), &name) {
            self.drop_impls.insert(name.clone());
        }
        if let (true, Some(name)) = (of_trait("Deref"), &name) {
            let target = item.items.iter().find_map(|i| match i {
                syn::ImplItem::Type(t) if t.ident == "Target" => Some(&t.ty),
                _ => None,
            });
            if let Some(target) = target {
                self.deref_targets.insert(name.clone(), target);
            }
        }
        self.impl_stack.push(name);
        syn::visit::visit_item_impl(self, item);
        self.impl_stack.pop();
    }

    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        if let Some(Some(ty)) = self.impl_stack.last() {
            self.methods
                .insert((ty.clone(), f.sig.ident.to_string()), &f.sig);
        }
        // Fns nested in the method body belong to no impl.
        self.impl_stack.push(None);
        syn::visit::visit_impl_item_fn(self, f);
        self.impl_stack.pop();
    }

    fn visit_item_macro(&mut self, item: &'ast syn::ItemMacro) {
        if let Some(ident) = &item.ident {
            if item.mac.path.is_ident("macro_rules") && tokens_contain_await(&item.mac.tokens) {
                self.awaiting_macros.insert(ident.to_string());
            }
        }
        if let (Some(ident), true) = (&item.ident, item.mac.path.is_ident("macro_rules")) {
            self.macro_rules.insert(ident.to_string(), &item.mac.tokens);
        }
        let name = item.mac.path.segments.last().map(|s| s.ident.to_string());
        if name.as_deref() == Some("lazy_static") {
            self.lazy_statics
                .extend(lazy_statics(item.mac.tokens.clone()));
        }
        syn::visit::visit_item_macro(self, item);
    }
}

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
fn lazy_statics(tokens: proc_macro2::TokenStream) -> Vec<(String, syn::Type)> {
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

impl<'ast> FileIndex<'ast> {
    fn add_use_tree(&mut self, tree: &syn::UseTree, prefix: &mut Vec<String>) {
        match tree {
            syn::UseTree::Path(p) => {
                prefix.push(p.ident.to_string());
                self.add_use_tree(&p.tree, prefix);
                prefix.pop();
            }
            syn::UseTree::Name(n) => {
                let name = n.ident.to_string();
                let mut full = prefix.clone();
                if name == "self" {
                    if let Some(last) = prefix.last().cloned() {
                        self.uses.insert(last, full);
                    }
                    return;
                }
                full.push(name.clone());
                self.insert_use(name, full);
            }
            syn::UseTree::Rename(r) => {
                let mut full = prefix.clone();
                if r.ident != "self" {
                    full.push(r.ident.to_string());
                }
                let alias = r.rename.to_string();
                if alias != "_" {
                    self.insert_use(alias, full);
                } else {
                    // `use std::borrow::Borrow as _;` still brings the trait's methods.
                    note_path(&mut self.evidence, &full);
                }
            }
            syn::UseTree::Glob(_) => {
                self.globs.push(prefix.clone());
                self.scoped_globs
                    .push((self.mod_stack.clone(), prefix.clone()));
            }
            syn::UseTree::Group(g) => {
                for t in &g.items {
                    self.add_use_tree(t, prefix);
                }
            }
        }
    }

    fn insert_use(&mut self, name: String, full: Vec<String>) {
        let module = match self.scoped_uses.get_mut(&self.mod_stack) {
            Some(m) => m,
            None => self.scoped_uses.entry(self.mod_stack.clone()).or_default(),
        };
        match module.entry(name.clone()) {
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(Some(full.clone()));
            }
            std::collections::hash_map::Entry::Occupied(mut o) => {
                if o.get().as_ref() != Some(&full) {
                    o.insert(None);
                }
            }
        }
        // The same name imported from two places (in different modules of one file,
        // `std::sync::Mutex` here and `tokio::sync::Mutex` there): it is ambiguous
        // file-wide, so it stays unresolved outside the modules that import it; the
        // evidence sees both.
        note_path(&mut self.evidence, &full);
        if self.ambiguous_uses.contains(&name) {
            return;
        }
        match self.uses.get(&name) {
            Some(existing) if *existing != full => {
                self.uses.remove(&name);
                self.ambiguous_uses.insert(name);
            }
            Some(_) => {}
            None => {
                self.uses.insert(name, full);
            }
        }
    }
}

/// Whether a token stream contains `.await` anywhere, groups included.
pub fn tokens_contain_await(tokens: &proc_macro2::TokenStream) -> bool {
    let mut prev_dot = false;
    for tt in tokens.clone() {
        match tt {
            proc_macro2::TokenTree::Punct(p) => prev_dot = p.as_char() == '.',
            proc_macro2::TokenTree::Ident(i) => {
                if prev_dot && i == "await" {
                    return true;
                }
                prev_dot = false;
            }
            proc_macro2::TokenTree::Group(g) => {
                if tokens_contain_await(&g.stream()) {
                    return true;
                }
                prev_dot = false;
            }
            proc_macro2::TokenTree::Literal(_) => prev_dot = false,
        }
    }
    false
}
