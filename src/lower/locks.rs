//! Where a body takes a lock, which lock that is, and which values hold its guard:
//! what `self_deadlock` asks of the dataflow. An acquisition is a call of a lock
//! row's method (`hazard::acquisition`) on a receiver that names a place (`place_key`):
//! a local, a `self.a.b` path, a static, seen through `&`, `*` and the methods that
//! return what their receiver points to (`Arc::clone`, `as_ref`). It emits
//! `Event::Acquire` once its receiver and arguments are evaluated, before its guard
//! exists, so the guards alive there are the dataflow's held set.
//!
//! A value holds an acquisition's guard when it is made from an expression that
//! contains the acquisition and holds a guard of its type (`acquired_within`), or is
//! moved from a local that held it. A call of a method of the same type that locks a
//! field of its `self` takes that lock too, one level deep (`LockHelpers`, made from
//! the file's methods before their callers are lowered).

use crate::support::hash::{HashMap, HashSet};

use crate::dataflow::{ByteRange, Event};
use crate::hazard::table::RECEIVER_PASSTHROUGH;
use crate::hazard::{Acquired, Shape};
use crate::held::{AcquisitionInfo, Via};

use super::{member_of, strip_parens, LoweredBody, Lowerer, Operand};

/// A lock a method takes on a place of its `self`.
#[derive(Debug, Clone)]
struct HelperLock {
    /// The place below `self` (`.state`; empty for `self` itself).
    suffix: String,
    acquired: Acquired,
    guard: String,
    /// The acquisition in the method's body.
    span: ByteRange,
}

/// What the methods of a file's types lock on their `self`, by (type, method).
#[derive(Debug, Default)]
pub struct LockHelpers {
    by_method: HashMap<(String, String), Vec<HelperLock>>,
    /// The methods' names, whatever their type.
    names: HashSet<String>,
}

impl LockHelpers {
    /// Whether some type of the file has a method `name` that takes a lock.
    pub fn has_method(&self, name: &str) -> bool {
        self.names.contains(name)
    }
}

/// The locks each lowered method (its type, its name, its body) takes directly on
/// places of its `self`; what it takes through other calls is not followed.
pub fn lock_helpers<'b>(
    methods: impl IntoIterator<Item = (String, String, &'b LoweredBody<'b>)>,
) -> LockHelpers {
    let mut by_method: HashMap<(String, String), Vec<HelperLock>> = HashMap::default();
    for (ty, name, body) in methods {
        let locks: Vec<HelperLock> = body
            .acquisitions
            .iter()
            .filter(|a| a.via.is_none())
            .filter_map(|a| {
                let suffix = a.place.strip_prefix("self")?;
                (suffix.is_empty() || suffix.starts_with('.')).then(|| HelperLock {
                    suffix: suffix.to_string(),
                    acquired: a.acquired,
                    guard: a.guard.clone(),
                    span: a.span,
                })
            })
            .collect();
        if !locks.is_empty() {
            by_method.entry((ty, name)).or_default().extend(locks);
        }
    }
    let names = by_method.keys().map(|(_, m)| m.clone()).collect();
    LockHelpers { by_method, names }
}

impl<'a, 'ast> Lowerer<'a, 'ast> {
    /// The lock place `e` names, when it names one: equal keys are the same lock
    /// (a local by its id, so that a shadowing `let` is another place).
    pub(super) fn place_key(&self, e: &syn::Expr) -> Option<String> {
        match strip_parens(e) {
            syn::Expr::Reference(r) => self.place_key(&r.expr),
            syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => self.place_key(&u.expr),
            syn::Expr::Field(f) => Some(format!(
                "{}.{}",
                self.place_key(&f.base)?,
                member_of(&f.member)
            )),
            syn::Expr::MethodCall(m)
                if m.args.is_empty()
                    && RECEIVER_PASSTHROUGH.contains(&m.method.to_string().as_str()) =>
            {
                self.place_key(&m.receiver)
            }
            // `Arc::clone(&self.state)`
            syn::Expr::Call(c) if c.args.len() == 1 => match strip_parens(&c.func) {
                syn::Expr::Path(p)
                    if p.path.segments.len() > 1
                        && p.path.segments.last().is_some_and(|s| {
                            RECEIVER_PASSTHROUGH.contains(&s.ident.to_string().as_str())
                        }) =>
                {
                    self.place_key(&c.args[0])
                }
                _ => None,
            },
            syn::Expr::Path(p) if p.qself.is_none() => {
                if let Some(ident) = p.path.get_ident() {
                    let name = ident.to_string();
                    if name == "self" {
                        return Some(name);
                    }
                    if let Some(l) = self.lookup(&name) {
                        let local = &self.locals[l];
                        return Some(local.alias.clone().unwrap_or_else(|| format!("#{l}")));
                    }
                }
                // A static (or a name this body does not bind): its path, as the
                // crate names it.
                let names = crate::resolve::file_index::path_names(&p.path);
                let start = names
                    .iter()
                    .take_while(|s| matches!(s.as_str(), "crate" | "self"))
                    .count();
                Some(names[start..].join("::"))
            }
            _ => None,
        }
    }

    /// `m` returned `result`: when it takes a lock on a place, the acquisition.
    pub(super) fn acquire(
        &mut self,
        m: &'ast syn::ExprMethodCall,
        result: &[Shape],
        span: ByteRange,
    ) {
        let method = m.method.to_string();
        let Some((guard, acquired)) = result.iter().find_map(|s| {
            Some((
                s.hazard.type_path.clone(),
                crate::hazard::acquisition(&method, s)?,
            ))
        }) else {
            return;
        };
        let Some(place) = self.place_key(&m.receiver) else {
            return;
        };
        let receiver = self.span_of(&m.receiver);
        self.push_acquisition(AcquisitionInfo {
            place,
            receiver,
            acquired,
            guard,
            span,
            via: None,
            stmt_path: self.stmt_path.clone(),
        });
    }

    /// `m` calls a method of its receiver's type that locks places of its `self`:
    /// those locks, taken here, on the receiver's places.
    pub(super) fn acquire_in_helper(&mut self, m: &'ast syn::ExprMethodCall, span: ByteRange) {
        let Some(helpers) = self.helpers else {
            return;
        };
        let method = m.method.to_string();
        if !helpers.has_method(&method) {
            return;
        }
        let Some(ty) = self.sketch.struct_of(&m.receiver, self) else {
            return;
        };
        let Some(locks) = helpers.by_method.get(&(ty, method.clone())) else {
            return;
        };
        let Some(place) = self.place_key(&m.receiver) else {
            return;
        };
        let receiver = self.span_of(&m.receiver);
        for lock in locks {
            self.push_acquisition(AcquisitionInfo {
                place: format!("{place}{}", lock.suffix),
                receiver,
                acquired: lock.acquired,
                guard: lock.guard.clone(),
                span,
                via: Some(Via {
                    method: method.clone(),
                    at: lock.span,
                    suffix: lock.suffix.clone(),
                }),
                stmt_path: self.stmt_path.clone(),
            });
        }
    }

    fn push_acquisition(&mut self, a: AcquisitionInfo) {
        let id = self.acquisitions.len();
        self.acquisitions.push(a);
        self.emit(Event::Acquire(id));
    }

    /// The acquisitions inside `span` whose guard type one of `shapes` holds: what a
    /// value made by the expression at `span` may hold.
    /// The walk is in source order, so the acquisitions inside an expression are the
    /// last ones made: the search stops at the first that ends before it (a body
    /// that locks 100,000 times stays linear).
    pub(super) fn acquired_within(&self, span: ByteRange, shapes: &[Shape]) -> Vec<usize> {
        let mut out: Vec<usize> = self
            .acquisitions
            .iter()
            .enumerate()
            .rev()
            .take_while(|(_, a)| a.span.1 > span.0)
            .filter(|(_, a)| span.0 <= a.span.0 && a.span.1 <= span.1)
            .filter(|(_, a)| shapes.iter().any(|s| s.hazard.type_path == a.guard))
            .map(|(i, _)| i)
            .collect();
        out.reverse();
        out
    }

    /// What an operand's value may hold of the body's acquisitions.
    pub(super) fn acquired_by(&self, op: &Operand) -> Vec<usize> {
        match op {
            Operand::None => Vec::new(),
            Operand::Value(shapes, span) => self.acquired_within(*span, shapes),
            Operand::Place(l, _) | Operand::Field(l, ..) => self.locals[*l]
                .value
                .map(|v| self.values[v].acquired.clone())
                .unwrap_or_default(),
        }
    }

    /// Local `l`, just given `shapes`, holds those of `acquired` whose guard they
    /// hold.
    pub(super) fn hold_acquired(&mut self, l: usize, acquired: &[usize], shapes: &[Shape]) {
        let Some(v) = self.locals[l].value else {
            return;
        };
        for &a in acquired {
            let guard = &self.acquisitions[a].guard;
            if shapes.iter().any(|s| &s.hazard.type_path == guard) {
                if !self.values[v].acquired.contains(&a) {
                    self.values[v].acquired.push(a);
                }
                self.emit(Event::Hold {
                    value: v,
                    acquisition: a,
                });
            }
        }
    }

    /// The value just created holds the guards it was made with.
    pub(super) fn emit_holds(&mut self, v: usize) {
        for i in 0..self.values[v].acquired.len() {
            let acquisition = self.values[v].acquired[i];
            self.emit(Event::Hold {
                value: v,
                acquisition,
            });
        }
    }
}
