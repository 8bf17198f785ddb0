//! The questions the type sketch asks of the hazard table: which family and kind of
//! lock a resolved type path is, whether a type name is a guard's, which guard a
//! lock method returns given what is known of its receiver, and how a guard turns
//! into another. Every answer comes from the rows of `table`.

use super::evidence::LockEvidence;
use super::table::{
    self, CrateRow, GuardRow, LenderGuardRow, LenderRow, LockMethodRow, TransitionForm, CRATES,
    GUARDS, LENDERS, LENDER_GUARDS, LENDER_METHODS, LOCK_TYPES, NON_BLOCKING_ACQUISITIONS,
    PARKING_LOT_METHODS, REFCELL_METHODS, SPAN_METHODS, STD_LOCK_METHODS, STD_ROOTS, TRANSITIONS,
    UNKNOWN_RECEIVER_LOCK_METHODS,
};
use super::{Family, Hazard, HazardClass, Layer, LockKind, Receiver, Shape};

/// The family row of a crate, by the first segment of a path.
pub fn crate_row(root: &str) -> Option<&'static CrateRow> {
    CRATES.iter().find(|c| c.root == root)
}

/// Whether a crate's locks are async ones (held across awaits by design).
pub fn is_async_crate(root: &str) -> bool {
    crate_row(root).is_some_and(|c| c.family == Family::Async)
}

/// Whether a crate's locks are blocking ones of the parking_lot family.
pub fn is_parking_lot_crate(root: &str) -> bool {
    crate_row(root).is_some_and(|c| c.family == Family::ParkingLot)
}

pub fn is_std_root(seg: &str) -> bool {
    STD_ROOTS.contains(&seg)
}

fn lock_kind(name: &str) -> LockKind {
    LOCK_TYPES
        .iter()
        .find(|t| t.name == name)
        .map_or(LockKind::Unknown, |t| t.kind)
}

fn guard_row(name: &str) -> Option<&'static GuardRow> {
    GUARDS.iter().find(|g| g.name == name)
}

/// Whether `name` is a lock guard's name (not a cell borrow's).
pub fn is_lock_guard_name(name: &str) -> bool {
    guard_row(name).is_some_and(|g| g.class == HazardClass::Lock)
}

/// Whether `path` (resolved) names `name` of crate `krate`, through `module` if given.
fn names(path: &[String], krate: &str, module: Option<&str>, name: &str) -> bool {
    path.len() > 1
        && path.first().is_some_and(|r| r == krate)
        && path.last().is_some_and(|l| l == name)
        && module.is_none_or(|m| path[1..path.len() - 1].iter().any(|s| s == m))
}

/// The lender row of a resolved type path (`dashmap::DashMap`).
pub fn lender_row(path: &[String]) -> Option<&'static LenderRow> {
    LENDERS
        .iter()
        .find(|r| names(path, r.krate, r.module, r.name))
}

/// The row of a lender's guard, by a resolved path as written
/// (`dashmap::Entry`) or the full path a hazard carries.
pub fn lender_guard_of_path(path: &[String]) -> Option<&'static LenderGuardRow> {
    LENDER_GUARDS
        .iter()
        .find(|g| names(path, g.krate(), g.module, g.name()))
}

/// The row of a lender's guard, by a hazard's type path.
pub fn lender_guard(type_path: &str) -> Option<&'static LenderGuardRow> {
    LENDER_GUARDS.iter().find(|g| g.path == type_path)
}

/// The family a guard belongs to, by its type path (`std::sync::MutexGuard` is std's).
pub fn guard_family(hazard: &Hazard) -> Option<Family> {
    if lender_guard(&hazard.type_path).is_some() {
        return Some(Family::Lender);
    }
    let root = hazard.type_path.split("::").next()?;
    if is_std_root(root) {
        return match hazard.class {
            HazardClass::Lock => Some(Family::Std),
            HazardClass::RefCellRef => Some(Family::RefCell),
            _ => None,
        };
    }
    crate_row(root).map(|c| c.family)
}

/// Classify a fully resolved type path (`["std", "sync", "Mutex"]`).
pub fn classify_lock_path(path: &[String]) -> Option<Receiver> {
    if let Some(row) = lender_row(path) {
        return Some(Receiver {
            family: Family::Lender,
            kind: row.kind,
            krate: Some(row.krate),
        });
    }
    let last = path.last()?.as_str();
    let root = path.first()?.as_str();
    let kind = lock_kind(last);
    let family = if is_std_root(root) && path.len() > 1 {
        match kind {
            LockKind::Cell => Family::RefCell,
            LockKind::Unknown => Family::Other,
            _ if path.iter().any(|s| s == "sync") => Family::Std,
            _ => Family::Other,
        }
    } else {
        match crate_row(root).map(|c| c.family) {
            Some(Family::ParkingLot) if path.len() > 1 => {
                if kind == LockKind::Unknown {
                    Family::Other
                } else {
                    Family::ParkingLot
                }
            }
            Some(Family::Tracing) if last == "Span" => Family::Tracing,
            Some(Family::Async) if path.len() > 1 => Family::Async,
            _ => Family::Other,
        }
    };
    let krate = crate_row(root).map(|c| c.root);
    Some(Receiver {
        family,
        kind,
        krate,
    })
}

/// Whether `name` is the last segment of a lock, guard, cell or `Rc` type whose
/// path decides what it is (`std::sync::Mutex`, `parking_lot::MutexGuard`...).
pub fn is_hazard_type_name(name: &str) -> bool {
    guard_row(name).is_some()
        || LOCK_TYPES.iter().any(|t| t.name == name)
        || table::DECIDING_TYPE_NAMES.contains(&name)
        || LENDERS.iter().any(|r| r.name == name)
        || LENDER_GUARDS.iter().any(|g| g.name() == name)
}

/// The hazard a guard *type* names, from its resolved path, if any.
pub fn guard_type_hazard(path: &[String], evidence: &LockEvidence) -> Option<Hazard> {
    if let Some(row) = lender_guard_of_path(path) {
        return Some(Hazard::new(HazardClass::Lock, row.path.to_string()));
    }
    let last = path.last()?.as_str();
    let root = path.first().map(String::as_str).unwrap_or("");
    let row = guard_row(last)?;
    let lock_guard = row.class == HazardClass::Lock;
    let resolved = path.len() > 1;
    if resolved {
        if is_std_root(root) {
            let module = if lock_guard { "sync" } else { "cell" };
            return path
                .iter()
                .any(|s| s == module)
                .then(|| std_hazard(row.class, last));
        }
        if is_parking_lot_crate(root) && lock_guard {
            return Some(Hazard::new(HazardClass::Lock, format!("{root}::{last}")));
        }
        return None;
    }
    // An unresolved single name: only where the file gives no reason to doubt it.
    if lock_guard && !(evidence.async_lock && !evidence.std_lock && !evidence.parking_lot) {
        let root = if evidence.parking_lot && !evidence.std_lock {
            evidence.blocking_crate.unwrap_or("parking_lot")
        } else {
            "std::sync"
        };
        return Some(Hazard::new(HazardClass::Lock, format!("{root}::{last}")));
    }
    if !lock_guard && evidence.refcell {
        return Some(std_hazard(HazardClass::RefCellRef, last));
    }
    None
}

/// A standard library guard: a lock guard (`std::sync`) or a cell borrow
/// (`std::cell`, for `RefCellRef`); the other classes are not std types.
pub fn std_hazard(class: HazardClass, name: &str) -> Hazard {
    let module = match class {
        HazardClass::Lock => "std::sync",
        _ => "std::cell",
    };
    Hazard::new(class, format!("{module}::{name}"))
}

/// The row of `rows` for `method` on a lock of kind `kind`, as a shape whose hazard
/// `hazard` names (the direct result: `LockResult<MutexGuard>` is a `Result` layer
/// around the guard).
fn method_row(
    rows: &[LockMethodRow],
    method: &str,
    kind: LockKind,
    hazard: impl Fn(&str) -> Hazard,
) -> Option<Shape> {
    let row = rows
        .iter()
        .find(|r| r.methods.contains(&method) && r.kinds.contains(&kind))?;
    let shape = Shape::new(hazard(row.guard));
    Some(match &row.wrapper {
        Some(layer) => shape.wrapped(layer.clone()),
        None => shape,
    })
}

fn std_lock_method(method: &str, kind: LockKind) -> Option<Shape> {
    method_row(STD_LOCK_METHODS, method, kind, |g| {
        std_hazard(HazardClass::Lock, g)
    })
}

/// A method of the parking_lot family's locks; its guard named by the lock's own
/// crate (`spin::MutexGuard`), parking_lot's when that is not known.
fn parking_lot_method(method: &str, kind: LockKind, krate: Option<&str>) -> Option<Shape> {
    let krate = krate.unwrap_or("parking_lot");
    method_row(PARKING_LOT_METHODS, method, kind, |g| {
        Hazard::new(HazardClass::Lock, format!("{krate}::{g}"))
    })
}

fn refcell_method(method: &str) -> Option<Shape> {
    method_row(REFCELL_METHODS, method, LockKind::Cell, |g| {
        std_hazard(HazardClass::RefCellRef, g)
    })
}

/// A guard-returning method of a lender (`DashMap::get`), its guard named by the row.
fn lender_method(method: &str, kind: LockKind) -> Option<Shape> {
    method_row(LENDER_METHODS, method, kind, |g| {
        Hazard::new(HazardClass::Lock, g.to_string())
    })
}

fn span_method(method: &str) -> Option<Shape> {
    let (_, guard) = SPAN_METHODS.iter().find(|(m, _)| *m == method)?;
    Some(Shape::new(Hazard::new(
        HazardClass::SpanGuard,
        guard.to_string(),
    )))
}

/// What immediately follows a method call in its chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextUse {
    /// `.await`
    Await,
    /// `.unwrap()`, `.expect(..)`, `?`, `.unwrap_or_else(..)`
    Unwrap,
    /// Anything else (or nothing).
    Other,
}

/// The guard a lock method produces, given what is known of the receiver, as the
/// shape of the method's *direct* result (`LockResult<MutexGuard>` is a `Result`
/// layer around the guard). `next` is what follows the call in its chain, and `ev`
/// the lock families the file refers to; they decide the unknown case.
pub fn lock_method_result(
    method: &str,
    receiver: Option<Receiver>,
    next: NextUse,
    ev: &LockEvidence,
) -> Option<Shape> {
    // `.lock().await`: whatever the receiver, an awaited lock is an async one.
    if next == NextUse::Await {
        return None;
    }
    let Some(receiver) = receiver else {
        return unknown_receiver_method(method, next, ev);
    };
    match receiver.family {
        Family::Std => std_lock_method(method, receiver.kind),
        Family::ParkingLot => parking_lot_method(method, receiver.kind, receiver.krate),
        Family::RefCell => refcell_method(method),
        Family::Tracing => span_method(method),
        Family::Lender => lender_method(method, receiver.kind),
        Family::Async | Family::Other => None,
    }
}

/// `lock_method_result` for a receiver whose type cannot be told: decided from the
/// method chain and the file's imports.
fn unknown_receiver_method(method: &str, next: NextUse, ev: &LockEvidence) -> Option<Shape> {
    if REFCELL_METHODS.iter().any(|r| r.methods.contains(&method)) {
        let plausible = ev.refcell
            && match method {
                "borrow" => !ev.borrow_trait,
                "borrow_mut" => !ev.borrow_mut_trait,
                _ => true,
            };
        return plausible.then(|| refcell_method(method)).flatten();
    }
    let (_, kind) = UNKNOWN_RECEIVER_LOCK_METHODS
        .iter()
        .find(|(m, _)| *m == method)?;
    match next {
        NextUse::Unwrap => {
            // `LockResult` is std's; a `try_lock().unwrap()` may be tokio's.
            let try_method = method.starts_with("try_");
            if try_method && ev.async_lock && !ev.std_lock {
                return None;
            }
            if ev.parking_lot && !ev.std_lock && try_method {
                return parking_lot_method(method, *kind, ev.blocking_crate);
            }
            if ev.std_file_lock && method == "lock" && !ev.std_lock {
                return None;
            }
            std_lock_method(method, *kind)
        }
        NextUse::Other if ev.parking_lot && !ev.async_lock => {
            parking_lot_method(method, *kind, ev.blocking_crate)
        }
        _ => None,
    }
}

/// Associated functions of guard types that consume a guard and return another
/// (`MutexGuard::map`, `Ref::map`, `RwLockWriteGuard::downgrade`...). Given the
/// type's name and the function, the name of the guard they return.
pub fn guard_assoc_fn(ty: &str, func: &str) -> Option<&'static str> {
    TRANSITIONS
        .iter()
        .find(|t| {
            t.form == TransitionForm::Assoc && t.from.contains(&ty) && t.functions.contains(&func)
        })
        .map(|t| t.to)
}

/// A method of a lender's guard that turns it into another (`entry.or_default()`),
/// by the guard's full path: the guard it returns and the wrapper around it.
pub fn lender_transition(from: &str, method: &str) -> Option<(&'static str, Option<Layer>)> {
    table::LENDER_TRANSITIONS
        .iter()
        .find(|t| t.from.contains(&from) && t.methods.contains(&method))
        .map(|t| (t.to, t.wrapper.clone()))
}

/// A method that turns a lock guard into another by value (spin's `g.upgrade()`):
/// the guard it returns by name, and whether inside a `Result`.
pub fn guard_method_transition(method: &str) -> Option<(&'static str, Option<Layer>)> {
    TRANSITIONS
        .iter()
        .find(|t| t.form == TransitionForm::Method && t.functions.contains(&method))
        .map(|t| (t.to, t.fallible.then_some(Layer::Result)))
}

/// What a call of `method` that returned `result` acquires: a lock row's method
/// (std, parking_lot and its kin, `RefCell`) whose direct result holds one of the
/// guards of `GUARDS`. Lenders' references (`DashMap::get`) are not counted: which
/// shard a key locks is not known from the source.
pub fn acquisition(method: &str, result: &Shape) -> Option<super::Acquired> {
    if !acquisition_methods().any(|m| m == method)
        || lender_guard(&result.hazard.type_path).is_some()
    {
        return None;
    }
    let cell = match result.hazard.class {
        HazardClass::Lock => false,
        HazardClass::RefCellRef => true,
        _ => return None,
    };
    let name = result.hazard.type_path.rsplit("::").next()?;
    let row = GUARDS.iter().find(|g| g.name == name)?;
    let waiting = NON_BLOCKING_ACQUISITIONS
        .iter()
        .find(|(m, _)| *m == method)
        .map_or(super::Waiting::Blocks, |(_, w)| *w);
    Some(super::Acquired {
        access: row.access,
        waiting,
        cell,
    })
}

/// Every method name that acquires a lock or borrows a cell (the methods of
/// `STD_LOCK_METHODS`, `PARKING_LOT_METHODS`, `REFCELL_METHODS`): what the
/// prefilter looks for when a file may take a lock twice.
pub fn acquisition_methods() -> impl Iterator<Item = &'static str> {
    STD_LOCK_METHODS
        .iter()
        .chain(PARKING_LOT_METHODS)
        .chain(REFCELL_METHODS)
        .flat_map(|r| r.methods.iter().copied())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_an_acquisition_excludes() {
        use crate::hazard::{Access, Relock, Waiting};
        let shape = |class, path: &str| Shape::new(Hazard::new(class, path.to_string()));
        let lock = |m: &str, g: &str| acquisition(m, &shape(HazardClass::Lock, g)).expect(m);
        let cell = |m: &str, g: &str| acquisition(m, &shape(HazardClass::RefCellRef, g)).expect(m);
        let mutex = lock("lock", "std::sync::MutexGuard");
        assert_eq!(
            (mutex.access, mutex.waiting),
            (Access::Exclusive, Waiting::Blocks)
        );
        let read = lock("read", "parking_lot::RwLockReadGuard");
        let upgradable = lock("upgradable_read", "parking_lot::RwLockUpgradableReadGuard");
        let try_lock = lock("try_lock", "std::sync::MutexGuard");
        let recursive = lock("read_recursive", "parking_lot::RwLockReadGuard");
        let reentrant = lock("lock", "parking_lot::ReentrantMutexGuard");
        let (r, w) = (
            cell("borrow", "std::cell::Ref"),
            cell("borrow_mut", "std::cell::RefMut"),
        );
        assert_eq!(mutex.relock(mutex), Some(Relock::Deadlock));
        assert_eq!(try_lock.relock(mutex), Some(Relock::AlwaysFails));
        assert_eq!(read.relock(read), Some(Relock::RecursiveRead));
        assert_eq!(upgradable.relock(read), Some(Relock::RecursiveRead));
        assert_eq!(read.relock(upgradable), None);
        assert_eq!(upgradable.relock(upgradable), Some(Relock::Deadlock));
        assert_eq!(recursive.relock(read), None);
        assert_eq!(reentrant.relock(reentrant), None);
        assert_eq!(r.relock(r), None);
        assert_eq!(w.relock(r), Some(Relock::Deadlock));
        assert_eq!(r.relock(w), Some(Relock::Deadlock));
        // Not acquisitions: a lender's reference, a span guard, a method of no lock row.
        let dash = shape(HazardClass::Lock, "dashmap::mapref::one::Ref");
        assert_eq!(acquisition("get", &dash), None);
        assert_eq!(
            acquisition(
                "enter",
                &shape(HazardClass::SpanGuard, "tracing::span::Entered")
            ),
            None
        );
        assert_eq!(
            acquisition("state", &shape(HazardClass::Lock, "std::sync::MutexGuard")),
            None
        );
    }

    fn path(p: &str) -> Vec<String> {
        p.split("::").map(str::to_string).collect()
    }

    #[test]
    fn lender_guard_rows_name_their_crate_and_guard() {
        for row in LENDER_GUARDS {
            let segments = path(row.path);
            assert!(segments.len() > 1, "{}", row.path);
            assert!(segments.iter().all(|s| !s.is_empty() && !s.contains(':')));
            assert_eq!(row.krate(), segments[0]);
            assert_eq!(row.name(), segments[segments.len() - 1]);
            assert_eq!(
                lender_guard_of_path(&segments).map(|r| r.path),
                Some(row.path)
            );
        }
    }

    #[test]
    fn families_of_paths() {
        let family = |p: &str| classify_lock_path(&path(p)).map(|r| r.family);
        assert_eq!(family("std::sync::Mutex"), Some(Family::Std));
        assert_eq!(family("std::cell::RefCell"), Some(Family::RefCell));
        assert_eq!(family("parking_lot::RwLock"), Some(Family::ParkingLot));
        assert_eq!(family("spin::mutex::SpinMutex"), Some(Family::ParkingLot));
        assert_eq!(family("tokio::sync::Mutex"), Some(Family::Async));
        assert_eq!(family("maitake_sync::Mutex"), Some(Family::Async));
        assert_eq!(family("tracing::Span"), Some(Family::Tracing));
        assert_eq!(family("std::fs::File"), Some(Family::Other));
    }

    #[test]
    fn lock_methods_by_family() {
        let std = Receiver::new(Family::Std, LockKind::Mutex);
        let shape = lock_method_result("lock", Some(std), NextUse::Other, &Default::default())
            .expect("a std guard");
        assert_eq!(shape.hazard.type_path, "std::sync::MutexGuard");
        assert_eq!(shape.layers, [Layer::Result]);
        let pl = Receiver::new(Family::ParkingLot, LockKind::RwLock);
        let shape = lock_method_result("try_read", Some(pl), NextUse::Other, &Default::default())
            .expect("a parking_lot guard");
        assert_eq!(shape.hazard.type_path, "parking_lot::RwLockReadGuard");
        assert_eq!(shape.layers, [Layer::Option]);
        assert!(
            lock_method_result("lock", Some(std), NextUse::Await, &Default::default()).is_none()
        );
    }

    #[test]
    fn guards_are_named_by_their_crate() {
        let spin = classify_lock_path(&path("spin::Mutex"));
        let shape = lock_method_result("lock", spin, NextUse::Other, &Default::default())
            .expect("a spin guard");
        assert_eq!(shape.hazard.type_path, "spin::MutexGuard");
        assert!(!shape.hazard.is_not_send());
    }

    #[test]
    fn spin_guards_are_send() {
        let spin = Hazard::new(HazardClass::Lock, "spin::MutexGuard".into());
        assert!(!spin.is_not_send());
        let std = std_hazard(HazardClass::Lock, "MutexGuard");
        assert!(std.is_not_send());
    }
}
