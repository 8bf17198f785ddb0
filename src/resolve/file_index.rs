//! What one file declares that the analysis needs to know a value's type without a
//! compiler: `use` imports and renames, struct fields, type aliases, statics, fn and
//! method return types, `macro_rules!` that await, and which lock families the file
//! mentions at all.

use crate::support::hash::{HashMap, HashSet};
use std::sync::Arc;

use quote::ToTokens;
use syn::visit::Visit;

use crate::hazard::evidence::{note_path, LockEvidence, EVIDENCE_NAMES};
use crate::hazard::table::POINTER_LIKE;

use super::cfg::{derives_copy, fields_trivial, must_not_suspend_attr, BuildCfg, CfgValue};
use super::crate_table::{AliasEntry, CrateTable, FieldEntry};
use super::macros::{lazy_statics, tokens_contain_await};
use super::modtree::Module;

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
    pub(super) mod_stack: Vec<String>,
    /// `macro_rules!` names whose body contains `.await`.
    pub awaiting_macros: HashSet<String>,
    /// The file's `macro_rules!` bodies, by name, each with the byte offset of its
    /// declaration (the last one of a name the build has wins).
    pub macro_rules: HashMap<String, (usize, &'ast proc_macro2::TokenStream)>,
    /// The crate's `macro_rules!` met so far, parsed (`None`: not followed).
    pub(super) parsed_rules:
        std::cell::RefCell<HashMap<String, Option<std::rc::Rc<super::macro_rules::MacroRules>>>>,
    /// The build the package is taken to be, for choosing between declarations of
    /// one name behind `#[cfg]`s.
    pub cfg: Arc<BuildCfg>,
    /// What the `#[cfg]`s of the items being visited come to, and whether they are
    /// test code (`#[cfg(test)]`), innermost last.
    cfg_stack: Vec<(CfgValue, bool)>,
    /// What the `#[cfg]`s of the declaration chosen for a name came to, by kind.
    decl_cfg: HashMap<(&'static str, String), CfgValue>,
    /// Aliases declared twice, differently, with no `#[cfg]` telling which is built:
    /// not known.
    ambiguous_aliases: HashSet<String>,
    /// How many macro calls of the file were expanded so far.
    pub(super) expansions: std::cell::Cell<usize>,
    /// Local macro expansions in progress (a recursive macro stops here).
    pub(super) expanding: std::cell::Cell<usize>,
    pub evidence: LockEvidence,
    /// What the crate's other files declare.
    pub crate_table: Option<Arc<CrateTable>>,
    /// The module this file is in its crate's module tree, when known.
    pub module: Option<Module>,
    /// Imports by the inline module (`[]`: the file's own) that makes them: module →
    /// name → the path, `None` if that module imports the name twice differently.
    pub(super) scoped_uses: HashMap<Vec<String>, HashMap<String, Option<Vec<String>>>>,
    /// Glob imports, each with the inline module that makes it.
    pub(super) scoped_globs: Vec<(Vec<String>, Vec<String>)>,
    /// The inline module of the body being analysed, whose imports win over those of
    /// the file's other modules.
    pub(super) scope: std::cell::RefCell<Vec<String>>,
    /// `resolve_segments` answered so far, by (scope, segments as written): every
    /// mention of a type asks again (213,272 questions on the 32-crate corpus, about
    /// 25,000 distinct). `index` empties it once the file's imports are all read.
    pub(super) resolved: std::cell::RefCell<ResolvedCache>,
    /// The inline module of each type written in an item's declaration (fields,
    /// aliases, statics, signatures): it is read with that module's imports, whichever
    /// body asks.
    pub(super) type_scopes: HashMap<*const syn::Type, Vec<String>>,
    /// Types annotated `#[must_not_suspend]` (also through `cfg_attr`), by name.
    pub must_not_suspend: HashMap<String, MustNotSuspend>,
    /// Traits annotated `#[must_not_suspend]`, by name, with the reason.
    pub must_not_suspend_traits: HashMap<String, Option<String>>,
    /// Types with an `impl Drop` in this file.
    pub drop_impls: HashSet<String>,
    /// Types with an (`unsafe`) `impl Sync` in this file: whatever their fields are,
    /// their author says they are `Sync`.
    pub sync_impls: HashSet<String>,
    /// `impl Deref for Name { type Target = T; }`: Name → T.
    pub deref_targets: HashMap<String, &'ast syn::Type>,
    /// Variant name → its `#[must_not_suspend]` enum (for `Idle` after `use State::*`).
    pub must_not_suspend_variants: HashMap<String, String>,
}

/// (inline module of the body, path as written) → the path it resolves to.
pub(super) type ResolvedCache = HashMap<(Vec<String>, Vec<String>), Vec<String>>;

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

/// A path's segment names (`a::b::C` → `["a", "b", "C"]`).
pub fn path_names(path: &syn::Path) -> Vec<String> {
    path.segments.iter().map(|s| s.ident.to_string()).collect()
}

impl<'ast> FileIndex<'ast> {
    pub fn build(file: &'ast syn::File, text: &str) -> FileIndex<'ast> {
        Self::build_in_crate(file, text, None, None)
    }

    /// Index a file alone, in the build `cfg` (for its crate's summary).
    pub fn build_with_cfg(
        file: &'ast syn::File,
        text: &str,
        cfg: Arc<BuildCfg>,
    ) -> FileIndex<'ast> {
        let mut index = FileIndex {
            cfg,
            ..FileIndex::default()
        };
        index.index(file, text);
        index
    }

    /// Index a file of a crate whose other files are summarised in `table`.
    pub fn build_in_crate(
        file: &'ast syn::File,
        text: &str,
        table: Option<Arc<CrateTable>>,
        module: Option<Module>,
    ) -> FileIndex<'ast> {
        let cfg = table.as_ref().map(|t| t.cfg()).unwrap_or_default();
        let mut index = FileIndex {
            crate_table: table,
            module,
            cfg,
            ..FileIndex::default()
        };
        index.index(file, text);
        index
    }

    fn index(&mut self, file: &'ast syn::File, text: &str) {
        let index = self;
        index.visit_file(file);
        // The imports are all read now: what was resolved before they were is
        // forgotten, and what is resolved from here on stays true.
        index.resolved.get_mut().clear();
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
    }

    /// What the `#[cfg]`s of an item with `attrs` here come to, with those of the
    /// items around it; and whether it is test code.
    fn cfg_here(&self, attrs: &[syn::Attribute]) -> (CfgValue, bool) {
        let (outer, outer_test) = self
            .cfg_stack
            .last()
            .copied()
            .unwrap_or((CfgValue::On, false));
        let test = outer_test
            || attrs.iter().any(|a| {
                a.path().is_ident("cfg")
                    && a.parse_args::<syn::Path>()
                        .is_ok_and(|p| p.is_ident("test"))
            });
        (outer.and(self.cfg.of_attrs(attrs, test)), test)
    }

    /// Whether a declaration of `name` (of `kind`) with `attrs` is the one to record
    /// (`Some(replaces)`: whether it replaces one a `#[cfg]` turned off): one a
    /// `#[cfg]` turns off gives way to one that may be built, and never replaces it
    /// (README, "Which declaration").
    fn admit(&mut self, kind: &'static str, name: &str, attrs: &[syn::Attribute]) -> Option<bool> {
        let (value, _) = self.cfg_here(attrs);
        let key = (kind, name.to_string());
        let prior = self.decl_cfg.get(&key).copied();
        if prior.is_some_and(|p| p != CfgValue::Off) && value == CfgValue::Off {
            return None;
        }
        self.decl_cfg.insert(key, value);
        Some(prior == Some(CfgValue::Off) && value != CfgValue::Off)
    }

    /// Visit an item's insides under its `#[cfg]`s.
    fn under_cfg(&mut self, attrs: &[syn::Attribute], visit: impl FnOnce(&mut Self)) {
        let here = self.cfg_here(attrs);
        self.cfg_stack.push(here);
        visit(self);
        self.cfg_stack.pop();
    }

    /// The alias declared elsewhere in the crate that a resolved path
    /// (`crate::types::Shared`) names.
    pub fn crate_alias(&self, full: &[String]) -> Option<AliasEntry> {
        let (first, rest) = full.split_first()?;
        if first != "crate" {
            // A dependency's alias (`mylib::Shared`), where its crate's tree places it.
            return match self.crate_table.as_ref()?.follow_dep(full)? {
                crate::resolve::deps::DepLead::Item { table, root, abs } => {
                    table.alias_at(root, &abs)
                }
                crate::resolve::deps::DepLead::External(_) => None,
            };
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

    /// Whether a macro of this name, declared in this file or elsewhere in the crate,
    /// awaits in its expansion.
    pub fn is_awaiting_macro(&self, name: &str) -> bool {
        crate::hazard::macros::awaits_by_name(name)
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
        // A dependency's type, by its path (its methods are that crate's).
        let into_dep = |r: &[String]| {
            r.len() > 1 && self.crate_table.as_ref().is_some_and(|t| t.is_dep(&r[0]))
        };
        if into_dep(&resolved) {
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

    /// The declared type of field `field` of struct `ty_name`.
    pub fn field_type(&self, ty_name: &str, field: &str) -> Option<&'ast syn::Type> {
        self.structs.get(ty_name)?.get(field).copied()
    }
}

/// The segments of a struct key's path (`a::b::Queue`).
pub(crate) fn split_key(path: &str) -> Vec<String> {
    path.split("::").map(str::to_string).collect()
}

/// A struct key's name.
pub(crate) fn last_of_key(key: &str) -> &str {
    key.rsplit("::").next().unwrap_or(key)
}

/// A pointer-like type a value's type is looked through (`Arc<Mutex<T>>`).
pub(crate) fn is_pointer_like(name: &str) -> bool {
    POINTER_LIKE.contains(&name)
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
        self.under_cfg(&item.attrs, |this| syn::visit::visit_item_mod(this, item));
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
        let Some(replaces) = self.admit("struct", &item.ident.to_string(), &item.attrs) else {
            return syn::visit::visit_item_struct(self, item);
        };
        let fields = self.structs.entry(item.ident.to_string()).or_default();
        if replaces {
            fields.clear();
        }
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
        let name = item.ident.to_string();
        let (value, _) = self.cfg_here(&item.attrs);
        let key = ("type", name.clone());
        let text = |t: &syn::Type| t.to_token_stream().to_string();
        match self.decl_cfg.get(&key) {
            Some(CfgValue::On | CfgValue::Unknown) if value == CfgValue::Off => {}
            // Two declarations that may both be built, and differ: which one the
            // build has is not known.
            Some(CfgValue::On | CfgValue::Unknown) => {
                if self
                    .aliases
                    .get(&name)
                    .is_none_or(|t| text(t) != text(&item.ty))
                {
                    self.aliases.remove(&name);
                    self.ambiguous_aliases.insert(name);
                }
            }
            _ => {
                self.decl_cfg.insert(key, value);
                self.ambiguous_aliases.remove(&name);
                self.aliases.insert(name, &item.ty);
            }
        }
        self.type_scopes.insert(&*item.ty, self.mod_stack.clone());
        syn::visit::visit_item_type(self, item);
    }

    fn visit_item_static(&mut self, item: &'ast syn::ItemStatic) {
        if self
            .admit("static", &item.ident.to_string(), &item.attrs)
            .is_some()
        {
            self.statics.insert(item.ident.to_string(), &item.ty);
        }
        self.type_scopes.insert(&*item.ty, self.mod_stack.clone());
        syn::visit::visit_item_static(self, item);
    }

    fn visit_item_const(&mut self, item: &'ast syn::ItemConst) {
        if self
            .admit("static", &item.ident.to_string(), &item.attrs)
            .is_some()
        {
            self.statics.insert(item.ident.to_string(), &item.ty);
        }
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
        if let (true, Some(name)) = (of_trait("Sync"), &name) {
            self.sync_impls.insert(name.clone());
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
            // `#[cfg]` variants of one macro: the one the build has.
            if self
                .admit("macro", &ident.to_string(), &item.attrs)
                .is_some()
            {
                let at = crate::span::mac(&item.mac).0;
                self.macro_rules
                    .insert(ident.to_string(), (at, &item.mac.tokens));
            }
        }
        let name = item.mac.path.segments.last().map(|s| s.ident.to_string());
        if name.as_deref() == Some("lazy_static") {
            self.lazy_statics
                .extend(lazy_statics(item.mac.tokens.clone()));
        }
        syn::visit::visit_item_macro(self, item);
    }
}
