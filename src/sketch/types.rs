//! The type half of the sketch: what a value of a written type holds (a guard, or a
//! guard inside `Option`, `Result`, `Box`, tuples and arrays; a `#[must_not_suspend]`
//! or configured type), which lock a receiver's type is, and what calling a fn or
//! method of the crate returns, from its signature.

use crate::hazard::table::{NOT_SYNC_TYPES, WRAPPER_TYPES};
use crate::hazard::{self, Family, Layer, Receiver, Shape};
use crate::resolve::file_index::{
    first_type_arg, is_pointer_like, last_of_key, path_names, split_key,
};

use super::Sketch;

impl<'a, 'ast> Sketch<'a, 'ast> {
    /// The lock family of a receiver whose type is `ty`, looking through references,
    /// smart pointers and aliases. `None` when it cannot be told.
    pub fn receiver_of_type(&self, ty: &syn::Type) -> Option<Receiver> {
        self.index
            .in_scope_of(ty, || self.receiver_of_type_depth(ty, 0))
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
                    if let Some(alias) = self.index.aliases.get(&name) {
                        return self.receiver_of_type_depth(alias, depth + 1);
                    }
                    // Imported by the body's own module: the struct of that name is in
                    // another module (a module cannot have both).
                    let imported_here = self.index.scoped_import(&name).is_some();
                    if self.index.structs.contains_key(&name) && !imported_here {
                        // A struct of this file, unless the same name is also imported
                        // (in another module of the file): then it cannot be told.
                        if self.index.uses.contains_key(&name)
                            || self.index.ambiguous_uses.contains(&name)
                        {
                            return None;
                        }
                        return Some(Receiver::OTHER);
                    }
                }
                let full = self.index.resolve(&p.path);
                self.receiver_of_path(&full)
            }
            _ => None,
        }
    }

    /// The lock family of a type known by its path (resolved in another file of the
    /// crate): re-exports are followed here.
    pub fn receiver_of_path(&self, path: &[String]) -> Option<Receiver> {
        let full = self.index.resolve_segments(path.to_vec());
        if let Some(alias) = self.index.crate_alias(&full) {
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
                _ => Some(Receiver::OTHER),
            };
        }
        hazard::classify_lock_path(&full)
    }

    /// The hazards a value of type `ty` owns (a guard, or a guard inside `Option`,
    /// `Result`, `Box`, tuples and arrays). References own nothing.
    pub fn shapes_of_type(&self, ty: &syn::Type) -> Vec<Shape> {
        let mut out = Vec::new();
        self.index
            .in_scope_of(ty, || self.shapes_of_type_into(ty, Vec::new(), &mut out, 0));
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
                    l.insert(0, Layer::Field(hazard::Member::Unnamed(i)));
                    self.shapes_of_type_into(elem, l, out, depth + 1);
                }
            }
            syn::Type::Array(a) => {
                let mut l = layers;
                l.insert(0, Layer::Element);
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
                // A shared reference to a `!Sync` value is `!Send`.
                if r.mutability.is_none() {
                    if let Some(h) = self.not_sync_reference(&r.elem) {
                        out.push(Shape { hazard: h, layers });
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
                self.path_type_shapes(&p.path, layers, out, depth);
            }
            _ => {}
        }
    }

    /// `shapes_of_type_into` for a type named by a path: a wrapper (`Option<T>`,
    /// `Vec<T>`) around what its argument holds, an alias, or a named hazard type.
    fn path_type_shapes(
        &self,
        path: &syn::Path,
        layers: Vec<Layer>,
        out: &mut Vec<Shape>,
        depth: usize,
    ) {
        let Some(last) = path.segments.last() else {
            return;
        };
        let name = last.ident.to_string();
        if let Some(layer) = wrapper_type_layer(&name) {
            if let Some(inner) = first_type_arg(last) {
                let mut l = layers;
                l.insert(0, layer.clone());
                self.shapes_of_type_into(inner, l, out, depth + 1);
            }
            return;
        }
        if path.segments.len() == 1 {
            if let Some(alias) = self.index.aliases.get(&name) {
                self.shapes_of_type_into(alias, layers, out, depth + 1);
                return;
            }
        }
        if let Some(h) = self.named_type_hazard(path, &name) {
            out.push(Shape { hazard: h, layers });
            return;
        }
        let first = self.index.resolve_in_file(path_names(path));
        let into_dep = first
            .first()
            .is_some_and(|f| self.index.crate_table.as_ref().is_some_and(|t| t.is_dep(f)));
        if let Some(shapes) = into_dep.then(|| self.dep_type_shapes(&first)).flatten() {
            out.extend(shapes.into_iter().map(|mut s| {
                s.layers.extend(layers.iter().cloned());
                s
            }));
            if !out.is_empty() {
                return;
            }
        }
        // Only a guard's name, or an alias of the crate, can be a hazard from here
        // on: other paths are not resolved through the crate.
        let original = self
            .index
            .resolve_in_file(vec![name.clone()])
            .pop()
            .unwrap_or_default();
        let may_alias = self
            .index
            .crate_table
            .as_ref()
            .is_some_and(|t| t.may_alias(&original));
        if !may_alias && !hazard::is_hazard_type_name(&original) {
            return;
        }
        let full = self.index.resolve(path);
        if let Some(alias) = self.index.crate_alias(&full) {
            // What another file's alias stands for, inside these layers.
            out.extend(alias.shapes.into_iter().map(|mut s| {
                s.layers.extend(layers.iter().cloned());
                s
            }));
            return;
        }
        if let Some(h) = hazard::guard_type_hazard(&full, &self.index.evidence) {
            out.push(Shape { hazard: h, layers });
        }
    }

    /// The hazard a type named `name` by `path` is of itself: `#[must_not_suspend]`,
    /// configured in `await-holding-invalid-types`, or std's `Rc`.
    fn named_type_hazard(&self, path: &syn::Path, name: &str) -> Option<hazard::Hazard> {
        // Only a name annotated in this file can be written for another type.
        let other = self.index.must_not_suspend.contains_key(name)
            && self.names_other_than_annotated(&path_names(path));
        if let Some(h) = (!other)
            .then(|| self.must_not_suspend_hazard_path(&path_names(path)))
            .flatten()
        {
            return Some(h);
        }
        let listed = self
            .index
            .crate_table
            .as_ref()
            .is_some_and(|t| !t.invalid_types.is_empty());
        if let Some(h) = listed
            .then(|| self.invalid_type_hazard(&self.index.resolve(path)))
            .flatten()
        {
            return Some(h);
        }
        let std_rc = name == "Rc"
            && self
                .index
                .resolve(path)
                .first()
                .is_none_or(|r| r == "std" || r == "alloc" || r == "Rc");
        std_rc.then(|| hazard::Hazard::new(hazard::HazardClass::NotSend, "std::rc::Rc".into()))
    }

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
            .index
            .uses
            .get(name)
            .and_then(|path| path.last())
            .filter(|original| {
                original.as_str() != name && !self.index.must_not_suspend.contains_key(name)
            });
        let name = renamed.map_or(name, String::as_str);
        let info = match self.index.must_not_suspend.get(name) {
            Some(i) => (
                i.reason.clone(),
                i.trivial_fields,
                self.index.drop_impls.contains(name),
            ),
            None => {
                let t = self.index.crate_table.as_ref()?;
                let full = self.index.resolve_segments(segs.to_vec());
                // A type of a dependency: its own declaration's annotation decides.
                if let Some(crate::resolve::deps::DepLead::Item { table, root, abs }) =
                    t.follow_dep(&full)
                {
                    let (reason, trivial) = table.must_not_suspend_at(root, &abs)??;
                    let has_drop = abs.last().is_some_and(|n| table.has_drop(n));
                    return Some(hazard::Hazard {
                        class: hazard::HazardClass::MustNotSuspend,
                        type_path: full.join("::"),
                        reason,
                        drop_glue: has_drop || !trivial,
                    });
                }
                let by_name = t.must_not_suspend(name)?;
                let located = match (full.split_first(), &self.index.module) {
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
        let Some(local) = segs.last().and_then(|n| self.index.must_not_suspend.get(n)) else {
            return false;
        };
        let resolved = self.index.resolve_segments(segs.to_vec());
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
        let table = self.index.crate_table.as_ref()?;
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
        if let Some(r) = self.index.must_not_suspend_traits.get(name) {
            return Some(r.clone());
        }
        self.index
            .crate_table
            .as_ref()?
            .must_not_suspend_trait(name)
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
    /// `call_shapes` for a fn named by a path as written (`state_of`, `pool::grab`,
    /// `crate::a::lock`): followed through the module tree and the imports on the
    /// way to the file that declares it, else by its last name.
    pub fn path_call_shapes(&self, path: &[String], args: &[Vec<Shape>]) -> Vec<Shape> {
        let Some(name) = path.last() else {
            return Vec::new();
        };
        if path.len() == 1 && self.index.fns.contains_key(name) {
            return self.call_shapes(name, args);
        }
        let resolved = self.index.resolve_segments(path.to_vec());
        if let Some(shapes) = self.crate_item(&resolved, |t, root, at| t.function_at(root, at)) {
            return shapes;
        }
        // An import of a fn of this file under another name (in an inline module).
        match resolved.last() {
            Some(original) if original != name && self.index.fns.contains_key(original) => {
                self.call_shapes(original, args)
            }
            _ => self.call_shapes(name, args),
        }
    }

    /// What `answer` says of the item of the crate a resolved path (`crate::a::f`)
    /// leads to.
    fn crate_item<T>(
        &self,
        resolved: &[String],
        answer: impl Fn(&crate::resolve::crate_table::CrateTable, usize, &[String]) -> Option<T>,
    ) -> Option<T> {
        let table = self.index.crate_table.as_ref()?;
        let (first, rest) = resolved.split_first()?;
        if first != "crate" {
            // An item of a dependency, where its crate's tree places it.
            return match table.follow_dep(resolved)? {
                crate::resolve::deps::DepLead::Item { table, root, abs } => {
                    answer(&table, root, &abs)
                }
                crate::resolve::deps::DepLead::External(_) => None,
            };
        }
        let module = self.index.module.as_ref()?;
        answer(table, module.root, rest)
    }

    /// The hazards a value of a dependency's type holds (`mylib::Held<'_>`): an
    /// alias of a guard, or a struct whose fields hold one.
    fn dep_type_shapes(&self, full: &[String]) -> Option<Vec<Shape>> {
        let table = self.index.crate_table.as_ref()?;
        match table.follow_dep(full)? {
            crate::resolve::deps::DepLead::Item { table, root, abs } => {
                let path: Vec<String> = std::iter::once("crate".to_string()).chain(abs).collect();
                Some(table.type_hazards(root, &path, 0))
            }
            crate::resolve::deps::DepLead::External(_) => None,
        }
    }

    pub fn call_shapes(&self, name: &str, args: &[Vec<Shape>]) -> Vec<Shape> {
        match self.local_call_shapes(name, args) {
            Some(shapes) => shapes,
            None => self
                .index
                .crate_table
                .as_ref()
                .and_then(|t| t.function(name))
                .unwrap_or_default(),
        }
    }

    /// `call_shapes` from this file's declarations alone: `None` if it has none of
    /// that name.
    fn local_call_shapes(&self, name: &str, args: &[Vec<Shape>]) -> Option<Vec<Shape>> {
        let decls = self.index.fns.get(name)?;
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
            if let Some(sig) = self.index.methods.get(&(ty.to_string(), name.to_string())) {
                if returns_self(sig) {
                    let path = self.index.resolve_segments(vec![ty.to_string()]);
                    return self
                        .must_not_suspend_hazard(ty)
                        .or_else(|| self.invalid_type_hazard(&path))
                        .map(Shape::new)
                        .into_iter()
                        .collect();
                }
                return self.signature_shapes(sig, args);
            }
            let table = self.index.crate_table.as_ref();
            let dep_method = || {
                let path = split_key(ty);
                match table?.follow_dep(&path)? {
                    crate::resolve::deps::DepLead::Item { table, root, abs } => {
                        table.method_at(root, &abs, name)
                    }
                    crate::resolve::deps::DepLead::External(_) => None,
                }
            };
            if let Some(shapes) = dep_method() {
                return shapes;
            }
            let shapes = match (ty.strip_prefix("crate::"), &self.index.module) {
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

    /// The lock a method call on a value of struct `key` reaches through `Deref`
    /// (`handle.lock()` where `Handle` derefs to a `Mutex`), when the struct has no
    /// method of that name itself.
    pub fn deref_receiver(&self, key: &str, method: &str) -> Option<Receiver> {
        let name = last_of_key(key);
        let own = self
            .index
            .methods
            .contains_key(&(name.to_string(), method.to_string()))
            || self
                .index
                .crate_table
                .as_ref()
                .is_some_and(|t| t.declares_method(name, method));
        if own {
            return None;
        }
        let receiver = match self.index.deref_targets.get(name) {
            Some(target) => self.receiver_of_type(target),
            None => {
                let entry = self.index.crate_table.as_ref()?.deref_target(name)?;
                self.receiver_of_path(&entry.type_path?)
            }
        }?;
        (receiver.family != Family::Other).then_some(receiver)
    }
}

/// Whether a signature returns `Self` (a constructor).
pub fn returns_self(sig: &syn::Signature) -> bool {
    matches!(&sig.output, syn::ReturnType::Type(_, ty) if matches!(&**ty, syn::Type::Path(p) if p.path.is_ident("Self")))
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

impl<'a, 'ast> Sketch<'a, 'ast> {
    /// `annotated` for a type named by a path (`a::Conn`), which may name another type
    /// than the annotated one of the same name.
    pub fn annotated_path(&self, segs: &[String], self_ty: Option<&str>) -> Vec<Shape> {
        match segs.last() {
            Some(_) if !self.names_other_than_annotated(segs) => self.annotated_segs(segs, self_ty),
            _ => Vec::new(),
        }
    }

    /// The hazard of a value of the type called `name` (`Self` in an impl of
    /// `self_ty`) when the type is annotated `#[must_not_suspend]` or configured.
    pub fn annotated(&self, name: &str, self_ty: Option<&str>) -> Vec<Shape> {
        self.annotated_segs(&[name.to_string()], self_ty)
    }

    /// `annotated` for a type named by a path as written.
    fn annotated_segs(&self, segs: &[String], self_ty: Option<&str>) -> Vec<Shape> {
        let own;
        let segs = match (segs, self_ty) {
            ([only], Some(ty)) if only == "Self" => {
                own = [ty.to_string()];
                &own[..]
            }
            _ => segs,
        };
        let Some(name) = segs.last() else {
            return Vec::new();
        };
        self.must_not_suspend_hazard_path(segs)
            .or_else(|| {
                // Only a configured list can make another type a hazard here.
                self.index
                    .crate_table
                    .as_ref()
                    .filter(|t| !t.invalid_types.is_empty())?;
                let path = self.index.resolve_segments(vec![name.to_string()]);
                self.invalid_type_hazard(&path)
            })
            .map(Shape::new)
            .into_iter()
            .collect()
    }
}

/// `self`, `mut self` or `self: Box<Self>` (not `&self`, nor `self: &Self`).
pub fn by_value_receiver(r: &syn::Receiver) -> bool {
    match &r.kind {
        syn::ReceiverKind::Value => true,
        syn::ReceiverKind::Typed(_, ty) => !matches!(&**ty, syn::Type::Reference(_)),
        _ => false,
    }
}

/// The layer a wrapper type holds its type argument in (`Option<T>`, `Vec<T>`).
fn wrapper_type_layer(name: &str) -> Option<&'static Layer> {
    WRAPPER_TYPES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, l)| l)
}

impl<'a, 'ast> Sketch<'a, 'ast> {
    /// The hazard of `&T` when `T` is not `Sync`: it is not `Send` (only
    /// `future_not_send` looks at it), held while used.
    pub fn not_sync_reference(&self, ty: &syn::Type) -> Option<hazard::Hazard> {
        let reason = self.not_sync(ty, 0)?;
        let name = crate::resolve::file_index::struct_name_of_type(ty).unwrap_or_default();
        let mut h = hazard::Hazard::new(hazard::HazardClass::NotSend, format!("&{name}"));
        h.reason = Some(reason);
        h.drop_glue = false;
        Some(h)
    }

    /// The hazard of `&self` in an impl of `self_ty`, when the type is not `Sync`.
    pub fn not_sync_self(&self, self_ty: &str) -> Option<hazard::Hazard> {
        let reason = self.not_sync_struct(self_ty, 0)?;
        let mut h = hazard::Hazard::new(hazard::HazardClass::NotSend, format!("&{self_ty}"));
        h.reason = Some(reason);
        Some(h)
    }

    /// Why a value of type `ty` is not `Sync`, when it plainly is not: a `RefCell`,
    /// `Cell`, `Rc`... (the hazard table's `NOT_SYNC_TYPES`), such a type inside a
    /// wrapper or pointer, or a struct of this file with a field of one.
    fn not_sync(&self, ty: &syn::Type, depth: usize) -> Option<String> {
        if depth > 4 {
            return None;
        }
        let syn::Type::Path(p) = ty else {
            return match ty {
                syn::Type::Paren(p) => self.not_sync(&p.elem, depth + 1),
                syn::Type::Ptr(_) => Some("a raw pointer is not `Sync`".to_string()),
                _ => None,
            };
        };
        let last = p.path.segments.last()?;
        let name = last.ident.to_string();
        if let Some(reason) = self.not_sync_path(&self.index.resolve(&p.path)) {
            return Some(reason.to_string());
        }
        // Locks make their data `Sync`; other wrappers and pointers do not.
        let transparent = is_pointer_like(&name) || wrapper_type_layer(&name).is_some();
        if transparent && !matches!(name.as_str(), "Mutex" | "RwLock") {
            return self.not_sync(first_type_arg(last)?, depth + 1);
        }
        if p.path.segments.len() == 1 {
            return self.not_sync_struct(&name, depth + 1);
        }
        None
    }

    /// Why the struct `name` of this file is not `Sync`: a field of a type that is not.
    fn not_sync_struct(&self, name: &str, depth: usize) -> Option<String> {
        if self.index.sync_impls.contains(name) {
            return None;
        }
        let fields = self.index.structs.get(name)?;
        let mut names: Vec<&String> = fields.keys().collect();
        names.sort();
        names.into_iter().find_map(|field| {
            let reason = self.not_sync(fields[field], depth + 1)?;
            Some(format!(
                "`{name}` is not `Sync`: its field `{field}` is not ({reason})"
            ))
        })
    }

    /// The reason of a `NOT_SYNC_TYPES` row for a resolved path (a single unresolved
    /// name counts as std's, as these names are std's everywhere).
    fn not_sync_path(&self, path: &[String]) -> Option<&'static str> {
        let (first, rest) = path.split_first()?;
        NOT_SYNC_TYPES.iter().find_map(|row| {
            let std = hazard::families::is_std_root(first) && rest == row.path;
            let bare = row.by_name && path.len() == 1 && row.path.last() == Some(&first.as_str());
            (std || bare).then_some(row.why)
        })
    }
}

/// Whether a parameter of type `ty` of `sig` must be `Send`: `impl Future + Send`,
/// or a type parameter bounded by `Send` (inline or in `where`).
pub fn needs_send(sig: &syn::Signature, ty: &syn::Type) -> bool {
    let says_send = |bounds: &syn::punctuated::Punctuated<syn::TypeParamBound, syn::Token![+]>| {
        bounds.iter().any(|b| {
            matches!(b, syn::TypeParamBound::Trait(t)
                if t.path.segments.last().is_some_and(|s| s.ident == "Send"))
        })
    };
    match ty {
        syn::Type::ImplTrait(t) => says_send(&t.bounds),
        syn::Type::Path(p) => {
            let Some(name) = p.path.get_ident() else {
                return false;
            };
            let inline = sig.generics.params.iter().any(|g| {
                matches!(g, syn::GenericParam::Type(t) if t.ident == *name && says_send(&t.bounds))
            });
            let clauses = sig.generics.where_clause.iter().flat_map(|w| &w.predicates).any(|pred| {
                matches!(pred, syn::WherePredicate::Type(t)
                    if matches!(&t.bounded_ty, syn::Type::Path(b) if b.path.get_ident() == Some(name))
                        && says_send(&t.bounds))
            });
            inline || clauses
        }
        _ => false,
    }
}
