//! What the other files of a crate tell about a file's values: every method's and
//! fn's returned hazards, every struct field's lock family, and the names the crate
//! re-exports from elsewhere (`pub use std::sync::Mutex;`). Each entry is resolved in
//! the context of the file that declares it (its own imports), then merged by name
//! across the crate; a name declared differently in two places is ambiguous and
//! dropped, so that a guess is never made.

use std::collections::{HashMap, HashSet};

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
#[derive(Debug, Default)]
pub struct FileSummary {
    methods: Vec<((String, String), Vec<Shape>)>,
    fns: Vec<(String, Vec<Shape>)>,
    fields: Vec<((String, String), FieldEntry)>,
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

/// The merged view of a crate.
#[derive(Debug, Default, Clone)]
pub struct CrateTable {
    methods: HashMap<(String, String), Option<Vec<Shape>>>,
    fns: HashMap<String, Option<Vec<Shape>>>,
    fields: HashMap<(String, String), Option<FieldEntry>>,
    reexports: HashMap<String, Option<Vec<String>>>,
    pub awaiting_macros: HashSet<String>,
    /// `#[must_not_suspend]` types: reason and whether their fields are trivial.
    must_not_suspend: HashMap<String, (Option<String>, bool)>,
    must_not_suspend_traits: HashMap<String, Option<String>>,
    drop_impls: HashSet<String>,
    /// Types configured in `await-holding-invalid-types`.
    pub invalid_types: Vec<crate::config::InvalidType>,
    /// Methods configured in `hazard-methods` (`path` is the method name).
    pub hazard_methods: Vec<crate::config::InvalidType>,
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
    pub fn merge(summaries: impl IntoIterator<Item = FileSummary>) -> CrateTable {
        let mut t = CrateTable::default();
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
        t
    }

    pub fn must_not_suspend(&self, name: &str) -> Option<(Option<String>, bool)> {
        self.must_not_suspend.get(name).cloned()
    }

    pub fn must_not_suspend_trait(&self, name: &str) -> Option<Option<String>> {
        self.must_not_suspend_traits.get(name).cloned()
    }

    pub fn has_drop(&self, name: &str) -> bool {
        self.drop_impls.contains(name)
    }

    /// The hazards method `name` of type `ty` returns, if the crate agrees.
    pub fn method(&self, ty: &str, name: &str) -> Option<&[Shape]> {
        self.methods
            .get(&(ty.to_string(), name.to_string()))?
            .as_deref()
    }

    pub fn function(&self, name: &str) -> Option<&[Shape]> {
        self.fns.get(name)?.as_deref()
    }

    pub fn field(&self, ty: &str, field: &str) -> Option<&FieldEntry> {
        self.fields
            .get(&(ty.to_string(), field.to_string()))?
            .as_ref()
    }

    /// Where the crate's re-export of `name` comes from (outside the crate).
    pub fn reexport(&self, name: &str) -> Option<&[String]> {
        self.reexports.get(name)?.as_deref()
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
    for (name, sigs) in &index.fns {
        // Methods are keyed by their type above; free fns by name.
        let free: Vec<_> = sigs
            .iter()
            .filter(|s| {
                !s.inputs
                    .iter()
                    .any(|a| matches!(a, syn::FnArg::Receiver(_)))
            })
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
    let mut reexports = Reexports {
        index: &index,
        out: Vec::new(),
    };
    reexports.visit_file(file);
    summary.reexports = reexports.out;
    summary
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
