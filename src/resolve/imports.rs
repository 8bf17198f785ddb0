//! What a path means in a file: its `use` items (renames, groups, globs), scoped to
//! the inline module that makes them, and, through the crate table, the module
//! tree and the crate's re-exports.

use crate::hazard::{self, evidence::note_path, Family, Receiver};

use super::file_index::{path_names, FileIndex};

impl<'ast> FileIndex<'ast> {
    /// The full path a type or value path means in this file, as far as imports tell;
    /// a single unresolved name stays a single segment.
    pub fn resolve(&self, path: &syn::Path) -> Vec<String> {
        let segs: Vec<String> = path_names(path);
        self.resolve_segments(segs)
    }

    /// `resolve`, from segments; a path into a dependency that re-exports it from
    /// elsewhere (`mylib::FastMutex` → `parking_lot::Mutex`) is followed there.
    pub fn resolve_segments(&self, segs: Vec<String>) -> Vec<String> {
        let key = (self.scope.borrow().clone(), segs);
        if let Some(known) = self.resolved.borrow().get(&key) {
            return known.clone();
        }
        let resolved = self.resolve_in_crate(key.1.clone());
        let answer = match self
            .crate_table
            .as_ref()
            .and_then(|t| t.follow_dep(&resolved))
        {
            Some(crate::resolve::deps::DepLead::External(p)) => p,
            _ => resolved,
        };
        self.resolved.borrow_mut().insert(key, answer.clone());
        answer
    }

    fn resolve_in_crate(&self, segs: Vec<String>) -> Vec<String> {
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
    pub(crate) fn scoped_import(&self, name: &str) -> Option<Option<&Vec<String>>> {
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

    pub(crate) fn resolve_in_file(&self, mut segs: Vec<String>) -> Vec<String> {
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

    /// `f`, with the imports of the module `ty` is declared in when it is an item's
    /// (a field's, a signature's...), else of the body being analysed.
    pub fn in_scope_of<R>(&self, ty: &syn::Type, f: impl FnOnce() -> R) -> R {
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
}

impl<'ast> FileIndex<'ast> {
    pub(super) fn add_use_tree(&mut self, tree: &syn::UseTree, prefix: &mut Vec<String>) {
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
