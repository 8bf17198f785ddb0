//! The crate table's answers that reach into dependencies: the crates it depends
//! on behind it (`resolve::deps`), where a path into one leads, and what a value of
//! a type holds when its declaration (a struct's fields, an alias, a fn's owned
//! return type) is all there is to go on.

use std::path::Path;

use super::{CrateTable, FieldEntry, Located, ReturnEntry};
use crate::hazard::Shape;

impl CrateTable {
    /// The same answers, with the crates it depends on behind them.
    pub fn with_deps(mut self, deps: Option<crate::resolve::deps::DepView>) -> CrateTable {
        self.deps = deps;
        self
    }

    pub fn deps_view(&self) -> Option<&crate::resolve::deps::DepView> {
        self.deps.as_ref()
    }

    /// Whether the crate's code calls a dependency it can read `name`.
    pub fn is_dep(&self, name: &str) -> bool {
        self.deps.as_ref().is_some_and(|d| d.has(name))
    }

    /// Where a path into a dependency (`mylib::sync::FastMutex`) leads: through
    /// that crate's module tree and re-exports, and on into the crates it depends on.
    pub fn follow_dep(&self, path: &[String]) -> Option<crate::resolve::deps::DepLead> {
        if !path.first().is_some_and(|f| self.is_dep(f)) {
            return None;
        }
        crate::resolve::deps::follow(self, path, 0)
    }

    /// Set the library root of a dependency's table, by its file.
    pub fn set_lib_root(&self, lib: &Path) {
        let root = self.module_of(lib).map(|m| m.root);
        let _ = self.lib_root.set(root);
    }

    pub fn lib_root(&self) -> Option<usize> {
        self.lib_root.get().copied().flatten()
    }

    /// `locate` for a path from the crate root `root`.
    pub fn locate_from_root(&self, root: usize, abs: Vec<String>) -> Option<Located> {
        self.locate_abs(root, abs)
    }

    /// The hazards a value of the struct at `path` (from crate root `root`) holds in
    /// its fields, transitively: a `Held<'a> { g: MutexGuard<'a, T> }` holds the
    /// guard in field `g` (this is how a dependency's guard wrapper is known).
    pub fn struct_hazards_at(&self, root: usize, path: &[String], depth: usize) -> Vec<Shape> {
        let mut out = Vec::new();
        if depth > 4 {
            return out;
        }
        let Some((file, name)) = self.item_at(root, path) else {
            return out;
        };
        let Some(summary) = self.file_summary(file) else {
            return out;
        };
        let fields: Vec<(String, FieldEntry)> = summary
            .fields
            .iter()
            .filter(|((t, _), _)| *t == name)
            .map(|((_, f), e)| (f.clone(), self.anchor_entry(file, e)))
            .collect();
        for (field, entry) in fields {
            let member = match field.parse::<usize>() {
                Ok(i) => crate::hazard::Member::Unnamed(i),
                Err(_) => crate::hazard::Member::Named(field),
            };
            let Some(ty) = entry.type_path else { continue };
            for shape in self.type_hazards(root, &ty, depth) {
                out.push(shape.wrapped(crate::hazard::Layer::Field(member.clone())));
            }
        }
        out
    }

    /// The hazards a value of the type at `ty` (a path resolved in this crate) is:
    /// a guard the hazard table names, an alias of one, a struct holding one.
    pub fn type_hazards(&self, root: usize, ty: &[String], depth: usize) -> Vec<Shape> {
        let key = (root, ty.to_vec(), depth);
        if let Some(known) = self
            .type_hazards
            .lock()
            .ok()
            .and_then(|c| c.get(&key).cloned())
        {
            return known;
        }
        // Not under the lock: the answer may ask this table again (a field's type).
        let answer = self.type_hazards_uncached(root, ty, depth);
        if let Ok(mut cache) = self.type_hazards.lock() {
            cache.insert(key, answer.clone());
        }
        answer
    }

    fn type_hazards_uncached(&self, root: usize, ty: &[String], depth: usize) -> Vec<Shape> {
        if let Some(h) = crate::hazard::guard_type_hazard(ty, &Default::default()) {
            return vec![Shape::new(h)];
        }
        match ty.split_first() {
            Some((first, rest)) if first == "crate" => {
                if let Some(alias) = self.alias_at(root, rest) {
                    return alias.shapes;
                }
                self.struct_hazards_at(root, rest, depth + 1)
            }
            _ => match self.follow_dep(ty) {
                Some(crate::resolve::deps::DepLead::Item { table, root, abs }) => table
                    .type_hazards(
                        root,
                        &["crate".to_string()]
                            .into_iter()
                            .chain(abs)
                            .collect::<Vec<_>>(),
                        depth + 1,
                    ),
                Some(crate::resolve::deps::DepLead::External(p)) => {
                    crate::hazard::guard_type_hazard(&p, &Default::default())
                        .map(Shape::new)
                        .into_iter()
                        .collect()
                }
                None => Vec::new(),
            },
        }
    }

    /// What a value of the owned type `r` (returned by a fn of file `file`) holds.
    pub(super) fn returned_hazards(&self, root: usize, file: usize, r: &ReturnEntry) -> Vec<Shape> {
        let entry = self.anchor_entry(file, &r.entry);
        let Some(ty) = entry.type_path else {
            return Vec::new();
        };
        self.type_hazards(root, &ty, 0)
            .into_iter()
            .map(|mut s| {
                s.layers.extend(r.layers.iter().cloned());
                s
            })
            .collect()
    }
    /// Files summarised so far and the time it took (summed over threads), in
    /// this crate and the dependencies read for it (building their tables too).
    pub fn indexing(&self) -> (usize, std::time::Duration) {
        let (n, d) = self.own_indexing();
        let deps = self.dep_stats();
        (n + deps.summarised, d + deps.time)
    }

    /// What reading the dependencies has cost so far.
    pub fn dep_stats(&self) -> crate::resolve::deps::DepStats {
        self.deps
            .as_ref()
            .and_then(|v| v.all())
            .map(|deps| deps.stats())
            .unwrap_or_default()
    }
}
