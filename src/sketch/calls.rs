//! What a call or method call returns, from the hazard table's rows for std APIs
//! (`Some(g)`, `Box::new(g)`, `Rc::new`, `MutexGuard::map`, `opt.take()`, `unwrap`,
//! iterator adapters) and from the crate's own signatures; and, for a lock method,
//! which guard it returns given what is known of its receiver. Pure answers: the
//! lowering decides what the call does to the places it is given (moves, borrows).

use crate::hazard::table::{
    CallEffect, WrapperEffect, ENDING_METHODS, FUTURE_ADAPTERS, INSERTING_METHODS,
    ITERATOR_ADAPTERS, MEM_END, NOT_GUARD_GETTERS, RETURNS_ARGUMENT, SEND_SPAWNERS, STD_CALLS,
    STD_IDENTITY_FNS, WRAPPER_METHODS,
};
use crate::hazard::{self, Hazard, HazardClass, Layer, NextUse, Receiver, Shape};

use super::{Locals, Sketch};

/// How a method uses a receiver that holds hazards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReceiverUse {
    /// Takes it by value (a place is moved).
    Consume,
    /// Takes it by reference.
    Borrow,
    /// `Option::take`: moves the hazard out of a place; on a fresh value it is only
    /// borrowed and the result holds nothing.
    TakeOut,
}

/// What a method does with a receiver holding hazards, and what it returns.
#[derive(Debug, Clone)]
pub struct HeldReceiverMethod {
    pub receiver: ReceiverUse,
    pub result: Vec<Shape>,
}

impl<'a, 'ast> Sketch<'a, 'ast> {
    /// What a call of the fn at `path` (not a local closure) returns, given what
    /// its arguments hold and, for `&local` arguments, what those locals hold.
    pub fn call_result(
        &self,
        path: &[String],
        args: &[Vec<Shape>],
        referents: &[Vec<Shape>],
        self_ty: Option<&str>,
    ) -> Vec<Shape> {
        let Some(last) = path.last().map(String::as_str) else {
            return Vec::new();
        };
        let first = || args.first().cloned().unwrap_or_default();
        let type_seg = path.len().checked_sub(2).map(|i| path[i].as_str());
        if self.ends_argument(type_seg, last) {
            return Vec::new();
        }
        if let Some(effect) = std_call(type_seg, last) {
            return apply_call_effect(effect, first());
        }
        if type_seg.is_none() && STD_IDENTITY_FNS.contains(&last) && self.imported_from_std(last) {
            return first();
        }
        // The type as imported (`use parking_lot::MutexGuard as G; G::map(..)`).
        let type_name = type_seg.map(|ty| self.resolved_name(&path[..path.len() - 1], ty));
        if let Some(mapped) = type_name
            .as_deref()
            .and_then(|ty| hazard::guard_assoc_fn(ty, last))
        {
            // `Ref::clone(&r)` clones what `r` holds, which is not moved.
            let source = if last == "clone" {
                referents.first().cloned().unwrap_or_default()
            } else {
                first()
            };
            return source
                .into_iter()
                .filter(|s| s.layers.is_empty())
                .map(|s| Shape::new(sibling_guard(&s.hazard, mapped)))
                .collect();
        }
        if last.starts_with(char::is_uppercase) {
            // A tuple struct or enum variant constructor holds its arguments.
            let mut out = match type_seg {
                // `Enum::Variant(..)` is a value of `Enum`.
                Some(ty) if ty.starts_with(char::is_uppercase) => self.annotated(ty, self_ty),
                _ => self.annotated(last, self_ty),
            };
            for (i, shapes) in args.iter().enumerate() {
                let layer = Layer::Field(hazard::Member::Unnamed(i));
                out.extend(shapes.iter().map(|s| s.clone().wrapped(layer.clone())));
            }
            return out;
        }
        let module_path = type_seg.is_some_and(|t| t.starts_with(char::is_lowercase) && t != "mem");
        match type_seg {
            None => self.path_call_shapes(path, args),
            Some("Self") => self.method_shapes(self_ty, last, args),
            // `pool::grab(..)`, `crate::pool::grab(..)`: a fn of some module.
            Some(_) if module_path => self.path_call_shapes(path, args),
            // `Queue::guard(&q)`: a method of a type of this file, or of the type
            // the path leads to (`other::State::guard()`).
            Some(ty) => {
                let known = self
                    .index
                    .methods
                    .contains_key(&(ty.to_string(), last.to_string()));
                if known {
                    return self.method_shapes(Some(ty), last, args);
                }
                let ty_path = &path[..path.len() - 1];
                let key = self.index.resolve_segments(ty_path.to_vec());
                let via_crate = match key.first() {
                    Some(first) if first == "crate" => {
                        self.method_shapes(Some(&key.join("::")), last, args)
                    }
                    _ => Vec::new(),
                };
                if !via_crate.is_empty() {
                    return via_crate;
                }
                // `Guard::new(..)` of an annotated type declared elsewhere: a
                // constructor, as such associated fns almost always are.
                self.annotated(ty, self_ty)
            }
        }
    }

    /// The last name of the type path `path` (ending in `written`) as this file's
    /// imports resolve it.
    fn resolved_name(&self, path: &[String], written: &str) -> String {
        if path.len() == 1 && !self.index.uses.contains_key(written) {
            return written.to_string();
        }
        self.index
            .resolve_segments(path.to_vec())
            .pop()
            .unwrap_or_else(|| written.to_string())
    }

    /// The fn at `path`, as written, when it needs some of its arguments to be
    /// `Send` futures (`tokio::spawn`, a fn of this file with `F: Future + Send`), and
    /// which.
    pub fn send_future_params(&self, path: &[String]) -> Option<(String, Vec<usize>)> {
        let written = path.join("::");
        let resolved = self.index.resolve_segments(path.to_vec());
        if SEND_SPAWNERS.iter().any(|row| resolved == *row) {
            return Some((written, vec![0]));
        }
        let sig = self.index.signature(None, path.last()?)?;
        let params: Vec<usize> = sig
            .inputs
            .iter()
            .filter_map(|a| match a {
                syn::FnArg::Typed(t) => Some(&*t.ty),
                syn::FnArg::Receiver(_) => None,
            })
            .enumerate()
            .filter(|(_, ty)| super::types::needs_send(sig, ty))
            .map(|(i, _)| i)
            .collect();
        (!params.is_empty()).then_some((written, params))
    }

    /// `drop(g)`, `mem::drop(g)`, `mem::forget(g)`: std's, unless this file defines
    /// or imports another `drop`.
    fn ends_argument(&self, type_seg: Option<&str>, last: &str) -> bool {
        match type_seg {
            Some("mem") => MEM_END.contains(&last),
            None => {
                last == "drop"
                    && !self.index.fns.contains_key("drop")
                    && !self.index.uses.contains_key("drop")
            }
            _ => false,
        }
    }

    /// Whether the file imports `name` from std or core.
    fn imported_from_std(&self, name: &str) -> bool {
        self.index.uses.get(name).is_some_and(|p| {
            p.first()
                .is_some_and(|r| matches!(r.as_str(), "std" | "core"))
        })
    }

    /// What a method does with a receiver that holds `recv` (a wrapper, a guard,
    /// an `Rc`, an iterator of guards, a `#[must_not_suspend]` value), when a row
    /// says; `None` when it only borrows it and returns nothing of it.
    pub fn held_receiver_method(
        &self,
        method: &str,
        recv: &[Shape],
        no_args: bool,
    ) -> Option<HeldReceiverMethod> {
        let wrapper = recv
            .iter()
            .any(|s| matches!(s.outer(), Some(Layer::Option | Layer::Result)));
        let consume = |result| {
            Some(HeldReceiverMethod {
                receiver: ReceiverUse::Consume,
                result,
            })
        };
        if ends_guard(method, recv) {
            // `entered.exit()`: the guard ends, what it returns holds none.
            return consume(Vec::new());
        }
        if let Some(effect) = wrapper.then(|| wrapper_effect(method)).flatten() {
            return consume(apply_wrapper_effect(effect, recv));
        }
        if let Some(to) = guard_method_transition(method, recv) {
            // `g.upgrade()`, `g.downgrade()` (spin): the guard becomes another.
            return consume(to);
        }
        if method == "clone" && no_args && recv.iter().any(is_rc) {
            // Cloning an `Rc` gives another `Rc`.
            return Some(HeldReceiverMethod {
                receiver: ReceiverUse::Borrow,
                result: recv.iter().filter(|s| is_rc(s)).cloned().collect(),
            });
        }
        let elements = recv.iter().all(|s| {
            matches!(
                s.outer(),
                Some(Layer::Element | Layer::Index(_) | Layer::Iterator)
            )
        });
        if !recv.is_empty() && elements && ITERATOR_ADAPTERS.contains(&method) {
            // An iterator (or collection) of hazards passes them on; collecting a
            // lazy iterator makes a collection that holds them. (A guard itself is
            // no iterator: `g.take()` is a method of the data it derefs to.)
            let result = if method == "collect" {
                recv.iter()
                    .map(|s| match s.peel(|l| *l == Layer::Iterator) {
                        Some(inner) => inner.wrapped(Layer::Element),
                        None => s.clone(),
                    })
                    .collect()
            } else {
                recv.to_vec()
            };
            return consume(result);
        }
        let futures = recv.iter().all(|s| s.outer() == Some(&Layer::Future));
        if !recv.is_empty() && futures && FUTURE_ADAPTERS.contains(&method) {
            // `lock_later(m).fuse()` still produces the guard.
            return consume(recv.to_vec());
        }
        if wrapper && method == "take" {
            // `opt.take()` moves the hazard out of `opt`.
            return Some(HeldReceiverMethod {
                receiver: ReceiverUse::TakeOut,
                result: recv.to_vec(),
            });
        }
        let ty = annotated_type(recv)?;
        // A method of a `#[must_not_suspend]` type: `self` by value moves it.
        let by_value = self
            .index
            .signature(Some(&ty), method)
            .and_then(|sig| sig.receiver())
            .is_some_and(super::types::by_value_receiver);
        Some(HeldReceiverMethod {
            receiver: if by_value {
                ReceiverUse::Consume
            } else {
                ReceiverUse::Borrow
            },
            result: self.method_shapes(Some(&ty), method, &[]),
        })
    }

    /// What a method call on a receiver that holds no hazard (or only an `Rc`'s)
    /// returns: a std stream's lock, a configured hazard method's result, a lock's
    /// guard on a receiver of known (or guessable) type, or what a method of the
    /// crate returns.
    pub fn method_result(
        &self,
        m: &syn::ExprMethodCall,
        next: NextUse,
        locals: &dyn Locals<'ast>,
    ) -> Vec<Shape> {
        let method = m.method.to_string();
        if method == "lock" {
            if let Some(shape) = self.std_stream_lock(&m.receiver, locals) {
                return vec![shape];
            }
        }
        let configured = self
            .index
            .crate_table
            .as_ref()
            .and_then(|t| t.hazard_methods.iter().find(|h| h.path == method));
        if let Some(h) = configured {
            // A method the configuration lists in `hazard-methods`.
            let mut hazard = Hazard::new(HazardClass::InvalidType, format!("{method}() result"));
            hazard.reason = h.reason.clone();
            return vec![Shape::new(hazard)];
        }
        let receiver = self.method_receiver(&m.receiver, &method, locals);
        if let Some(shape) =
            hazard::lock_method_result(&method, receiver, next, &self.index.evidence)
        {
            return vec![shape];
        }
        if receiver.is_none_or(|r| r.family == hazard::Family::Other)
            && !NOT_GUARD_GETTERS.contains(&method.as_str())
        {
            // A method of this file returning a guard (`self.state()`).
            let self_ty = self.struct_of(&m.receiver, locals);
            return self.method_shapes(self_ty.as_deref(), &method, &[]);
        }
        Vec::new()
    }

    /// What a method that gives back the guard it was given returns
    /// (`cv.wait(g)`): from a row for its receiver or, when the receiver's type
    /// cannot be told, for a guard of the row's family in that argument.
    pub fn returned_argument(
        &self,
        m: &syn::ExprMethodCall,
        args: &[Vec<Shape>],
        locals: &dyn Locals<'ast>,
    ) -> Option<Vec<Shape>> {
        let method = m.method.to_string();
        let receiver = self.receiver_of(&m.receiver, locals);
        RETURNS_ARGUMENT
            .iter()
            .filter(|row| row.methods.contains(&method.as_str()))
            .filter(|row| receiver.is_none_or(|r| r.family == row.family && r.kind == row.kind))
            .find_map(|row| {
                let guards: Vec<Shape> = args
                    .get(row.argument)?
                    .iter()
                    .filter(|s| s.layers.is_empty())
                    .filter(|s| hazard::families::guard_family(&s.hazard) == Some(row.family))
                    .map(|s| {
                        row.layers
                            .iter()
                            .fold(s.clone(), |s, layer| s.wrapped(layer.clone()))
                    })
                    .collect();
                (!guards.is_empty()).then_some(guards)
            })
    }

    /// What is known of the lock a method `method` is called on.
    fn method_receiver(
        &self,
        receiver: &syn::Expr,
        method: &str,
        locals: &dyn Locals<'ast>,
    ) -> Option<Receiver> {
        let mut found = self.receiver_of(receiver, locals);
        if found.is_some_and(|r| r.family == hazard::Family::Other) {
            // A wrapper without the method derefs to a lock that has it.
            if let Some(r) = self
                .struct_of(receiver, locals)
                .and_then(|ty| self.deref_receiver(&ty, method))
            {
                found = Some(r);
            }
        }
        let span_method = hazard::table::SPAN_METHODS
            .iter()
            .any(|(m, _)| *m == method);
        if found.is_none() && span_method && self.looks_like_span(receiver) {
            found = Some(Receiver::new(
                hazard::Family::Tracing,
                hazard::LockKind::Unknown,
            ));
        }
        found
    }
}

/// Whether `method` takes the guards `recv` holds by value and ends them.
fn ends_guard(method: &str, recv: &[Shape]) -> bool {
    !recv.is_empty()
        && recv.iter().all(|s| {
            s.layers.is_empty()
                && ENDING_METHODS
                    .iter()
                    .any(|(ty, methods)| s.hazard.type_path == *ty && methods.contains(&method))
        })
}

/// The layer a method that stores its argument in the receiver holds it in.
pub fn inserting_layer(method: &str) -> Option<&'static Layer> {
    INSERTING_METHODS
        .iter()
        .find(|(m, _)| *m == method)
        .map(|(_, l)| l)
}

/// Whether a lock method followed by `method` counts as unwrapped.
pub fn is_unwrap_like(method: &str) -> bool {
    hazard::table::UNWRAP_METHODS.contains(&method)
}

/// The std function row for `owner::name` (`Box::new`, `Some`).
fn std_call(owner: Option<&str>, name: &str) -> Option<&'static CallEffect> {
    STD_CALLS
        .iter()
        .find(|r| r.owner == owner && r.functions.contains(&name))
        .map(|r| &r.effect)
}

fn apply_call_effect(effect: &CallEffect, first: Vec<Shape>) -> Vec<Shape> {
    let wrap = |layer: &Layer| -> Vec<Shape> {
        first
            .iter()
            .map(|s| s.clone().wrapped(layer.clone()))
            .collect()
    };
    match effect {
        CallEffect::Wrap(layer) => wrap(layer),
        CallEffect::Identity => first.clone(),
        CallEffect::Forget => Vec::new(),
        CallEffect::Rc => {
            // An `Rc` is `!Send` itself, whatever it holds.
            let mut shapes = wrap(&Layer::Box);
            shapes.push(Shape::new(Hazard::new(
                HazardClass::NotSend,
                "std::rc::Rc".into(),
            )));
            shapes
        }
    }
}

fn wrapper_effect(method: &str) -> Option<WrapperEffect> {
    WRAPPER_METHODS
        .iter()
        .find(|(m, _)| *m == method)
        .map(|(_, e)| *e)
}

fn apply_wrapper_effect(effect: WrapperEffect, shapes: &[Shape]) -> Vec<Shape> {
    let shapes = shapes.iter().cloned();
    match effect {
        WrapperEffect::Keep => shapes.collect(),
        WrapperEffect::Ok => shapes
            .filter_map(|s| s.peel(|l| *l == Layer::Result))
            .map(|s| s.wrapped(Layer::Option))
            .collect(),
        // `LockResult::map`: the `PoisonError` side still holds the guard; a
        // `BorrowError` holds nothing.
        WrapperEffect::ErrSideOfLock => shapes
            .filter(|s| s.hazard.class == HazardClass::Lock)
            .filter_map(|s| s.peel(|l| *l == Layer::Result))
            .map(|s| s.wrapped(Layer::ResultErr))
            .collect(),
        WrapperEffect::Nothing => Vec::new(),
        WrapperEffect::Unwrap => shapes
            .filter_map(|s| s.peel(|l| matches!(l, Layer::Option | Layer::Result)))
            .collect(),
    }
}

/// A guard method that turns every guard of the receiver into another (spin's),
/// when the receiver holds lock guards only.
fn guard_method_transition(method: &str, shapes: &[Shape]) -> Option<Vec<Shape>> {
    let lent = |s: &Shape| hazard::families::lender_guard(&s.hazard.type_path).is_some();
    if shapes.iter().any(lent) {
        // A lender's guard changes only as its rows say (`entry.or_default()`).
        return shapes
            .iter()
            .map(|s| {
                if !s.layers.is_empty() {
                    return None;
                }
                let (to, wrapper) =
                    hazard::families::lender_transition(&s.hazard.type_path, method)?;
                let shape = Shape::new(Hazard::new(s.hazard.class, to.to_string()));
                Some(match wrapper {
                    Some(layer) => shape.wrapped(layer),
                    None => shape,
                })
            })
            .collect();
    }
    let (to, wrapper) = hazard::guard_method_transition(method)?;
    let guards = shapes
        .iter()
        .filter(|s| s.layers.is_empty() && s.hazard.class == HazardClass::Lock);
    if guards.clone().count() != shapes.len() || shapes.is_empty() {
        return None;
    }
    Some(
        guards
            .map(|s| {
                let shape = Shape::new(sibling_guard(&s.hazard, to));
                match &wrapper {
                    Some(layer) => shape.wrapped(layer.clone()),
                    None => shape,
                }
            })
            .collect(),
    )
}

/// The guard called `name` in the same module as `of` (`std::sync::MutexGuard` →
/// `std::sync::MappedMutexGuard`).
fn sibling_guard(of: &Hazard, name: &str) -> Hazard {
    let prefix = of.type_path.rsplit_once("::").map(|(p, _)| p).unwrap_or("");
    Hazard::new(of.class, format!("{prefix}::{name}"))
}

fn is_rc(s: &Shape) -> bool {
    s.layers.is_empty() && s.hazard.type_path == "std::rc::Rc"
}

/// The type of a value holding a `#[must_not_suspend]` hazard itself (no wrapper).
fn annotated_type(shapes: &[Shape]) -> Option<String> {
    shapes
        .iter()
        .find(|s| s.layers.is_empty() && s.hazard.class == HazardClass::MustNotSuspend)
        .map(|s| s.hazard.type_path.clone())
}
