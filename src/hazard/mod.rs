//! Which values are hazards: the guard and borrow types the lints look for, the
//! wrappers that carry them (`Option`, `Result`, tuples, `Box`...), and the decision,
//! from a receiver's type or from the shape of a method chain, whether a call produces
//! one. "Unknown" stays unknown: where the type cannot be told, only unambiguous
//! method patterns count.

use std::fmt;

pub mod evidence;
pub mod listed;

use evidence::LockEvidence;

/// Which lint a hazard belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HazardClass {
    /// A blocking lock's guard.
    Lock,
    /// A `RefCell` borrow.
    RefCellRef,
    /// A value of a type (or trait) annotated `#[must_not_suspend]`.
    MustNotSuspend,
    /// A tracing span's guard (`Entered`, `EnteredSpan`).
    SpanGuard,
    /// A type listed in `await-holding-invalid-types`.
    InvalidType,
    /// Another value that is `!Send` (`Rc`, raw pointers): only `future_not_send`
    /// cares about it.
    NotSend,
}

impl Hazard {
    /// Whether a value holding this hazard makes a future `!Send` (std and
    /// parking_lot guards, `Ref`/`RefMut`, span guards, `Rc`, raw pointers).
    pub fn is_not_send(&self) -> bool {
        match self.class {
            HazardClass::Lock
            | HazardClass::RefCellRef
            | HazardClass::SpanGuard
            | HazardClass::NotSend => {
                // spin's guards are `Send` when the data is.
                !self.type_path.starts_with("spin::")
            }
            HazardClass::MustNotSuspend | HazardClass::InvalidType => false,
        }
    }
}

/// A hazard type: the guard itself, with the path users know it by.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Hazard {
    pub class: HazardClass,
    /// e.g. `std::sync::MutexGuard`.
    pub type_path: String,
    /// The `#[must_not_suspend = "reason"]` text.
    pub reason: Option<String>,
    /// Whether the value has drop glue: without it, a value is held only until its
    /// last use (NLL), not to the end of its scope.
    pub drop_glue: bool,
}

impl Hazard {
    pub fn new(class: HazardClass, type_path: String) -> Hazard {
        Hazard {
            class,
            type_path,
            reason: None,
            drop_glue: true,
        }
    }
}

/// A layer around a hazard, outermost last in `Shape::layers`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Layer {
    Option,
    Result,
    /// Only the error side of a `Result` holds it (`m.lock().map(..)`: the
    /// `PoisonError` does).
    ResultErr,
    Box,
    /// A tuple element, array element or struct field (`None`: position unknown).
    Element(Option<String>),
    /// A closure or async block that captured it by move.
    Capture,
    /// A future that will produce it when awaited: not held yet.
    Future,
    /// A reference to it.
    Ref,
    /// A lazy iterator that produces it (`iter.map(|m| m.lock().unwrap())`): the
    /// iterator itself holds none.
    Iterator,
}

/// A hazard and the wrappers around it: `Option<MutexGuard>` is `MutexGuard` with
/// layers `[Option]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Shape {
    pub hazard: Hazard,
    pub layers: Vec<Layer>,
}

impl Shape {
    pub fn new(hazard: Hazard) -> Shape {
        Shape {
            hazard,
            layers: Vec::new(),
        }
    }

    pub fn wrapped(mut self, layer: Layer) -> Shape {
        self.layers.push(layer);
        self
    }

    /// Whether the hazard exists yet (a future's output does not).
    pub fn is_held(&self) -> bool {
        !self.layers.contains(&Layer::Future) && !self.layers.contains(&Layer::Iterator)
    }

    pub fn outer(&self) -> Option<&Layer> {
        self.layers.last()
    }

    /// The shape without its outermost layer when that layer is `layer`.
    pub fn peel(&self, pred: impl Fn(&Layer) -> bool) -> Option<Shape> {
        match self.layers.last() {
            Some(l) if pred(l) => {
                let mut s = self.clone();
                s.layers.pop();
                Some(s)
            }
            _ => None,
        }
    }

    /// `a `std::sync::MutexGuard``, or `an `Option` holding a `…``.
    pub fn describe(&self) -> String {
        let mut out = String::new();
        for (i, layer) in self.layers.iter().rev().enumerate() {
            let word = match layer {
                Layer::Option => "`Option`".to_string(),
                Layer::Result | Layer::ResultErr => "`Result`".to_string(),
                Layer::Box => "`Box`".to_string(),
                Layer::Element(Some(f)) if f.chars().all(|c| c.is_ascii_digit()) => {
                    "tuple".to_string()
                }
                Layer::Element(Some(f)) if f.starts_with('[') => "array".to_string(),
                Layer::Iterator => "iterator yielding".to_string(),
                Layer::Element(Some(f)) => format!("value whose field `{f}`"),
                Layer::Element(None) => "collection".to_string(),
                Layer::Capture => "closure or future that captured".to_string(),
                Layer::Future => "future that returns".to_string(),
                Layer::Ref => "reference to".to_string(),
            };
            if i == 0 {
                out.push_str(article(&word));
                out.push(' ');
            }
            out.push_str(&word);
            out.push_str(match layer {
                Layer::Element(Some(f))
                    if !f.chars().all(|c| c.is_ascii_digit()) && !f.starts_with('[') =>
                {
                    " holds "
                }
                Layer::Capture | Layer::Future | Layer::Ref | Layer::Iterator => " ",
                _ => " holding ",
            });
        }
        let ty = format!("`{}`", self.hazard.type_path);
        if self.layers.is_empty() {
            out.push_str(article(&self.hazard.type_path));
            out.push(' ');
        } else {
            out.push_str("a ");
        }
        out.push_str(&ty);
        out
    }
}

fn article(word: &str) -> &'static str {
    let first = word.trim_start_matches('`').chars().next().unwrap_or('x');
    if "aeiouAEIOU".contains(first) {
        "an"
    } else {
        "a"
    }
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

/// The lock or cell family a receiver belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// `std::sync` locks: `lock()` returns a `LockResult`.
    Std,
    /// parking_lot, lock_api, spin: `lock()` returns the guard itself.
    ParkingLot,
    /// tokio, futures, async-std, async-lock...: made to be held across awaits.
    Async,
    RefCell,
    /// `tracing::Span`: `enter()` and `entered()` return span guards.
    Tracing,
    /// A known type that is none of these (a user type with a `lock` method...).
    Other,
}

/// What kind of lock a receiver is, when its type is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockKind {
    Mutex,
    RwLock,
    Reentrant,
    Cell,
    Unknown,
}

/// What a receiver's type tells about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Receiver {
    pub family: Family,
    pub kind: LockKind,
}

const ASYNC_CRATES: &[&str] = &[
    "tokio",
    "futures",
    "futures_util",
    "futures_locks",
    "async_std",
    "async_lock",
    "smol",
    "async_mutex",
    "async_rwlock",
    "maitake_sync",
    "tokio_util",
];
const PARKING_LOT_CRATES: &[&str] = &["parking_lot", "lock_api", "spin"];

fn is_std_root(seg: &str) -> bool {
    matches!(seg, "std" | "core" | "alloc")
}

/// Classify a fully resolved type path (`["std", "sync", "Mutex"]`).
pub fn classify_lock_path(path: &[String]) -> Option<Receiver> {
    let last = path.last()?.as_str();
    let root = path.first()?.as_str();
    let kind = match last {
        "Mutex" | "FairMutex" | "SpinMutex" | "TicketMutex" => LockKind::Mutex,
        "RwLock" => LockKind::RwLock,
        "ReentrantMutex" | "ReentrantLock" => LockKind::Reentrant,
        "RefCell" => LockKind::Cell,
        _ => LockKind::Unknown,
    };
    let family = if is_std_root(root) && path.len() > 1 {
        match kind {
            LockKind::Cell => Family::RefCell,
            LockKind::Unknown => Family::Other,
            _ if path.iter().any(|s| s == "sync") => Family::Std,
            _ => Family::Other,
        }
    } else if PARKING_LOT_CRATES.contains(&root) && path.len() > 1 {
        if kind == LockKind::Unknown {
            Family::Other
        } else {
            Family::ParkingLot
        }
    } else if root == "tracing" && last == "Span" {
        Family::Tracing
    } else if ASYNC_CRATES.contains(&root) && path.len() > 1 {
        Family::Async
    } else {
        Family::Other
    };
    Some(Receiver { family, kind })
}

/// Whether `name` is the last segment of a lock, guard, cell or `Rc` type whose
/// path decides what it is (`std::sync::Mutex`, `parking_lot::MutexGuard`...).
pub fn is_hazard_type_name(name: &str) -> bool {
    is_guard_name(name)
        || matches!(
            name,
            "Mutex"
                | "FairMutex"
                | "SpinMutex"
                | "TicketMutex"
                | "RwLock"
                | "ReentrantMutex"
                | "ReentrantLock"
                | "RefCell"
                | "Ref"
                | "RefMut"
                | "Rc"
                | "Span"
        )
}

fn is_guard_name(last: &str) -> bool {
    matches!(
        last,
        "MutexGuard"
            | "RwLockReadGuard"
            | "RwLockWriteGuard"
            | "MappedMutexGuard"
            | "MappedRwLockReadGuard"
            | "MappedRwLockWriteGuard"
            | "ReentrantLockGuard"
            | "ReentrantMutexGuard"
            | "MappedReentrantMutexGuard"
            | "RwLockUpgradableReadGuard"
            | "ArcMutexGuard"
            | "ArcRwLockReadGuard"
            | "ArcRwLockWriteGuard"
            | "ArcRwLockUpgradableReadGuard"
            | "ArcReentrantMutexGuard"
            | "SpinMutexGuard"
            | "TicketMutexGuard"
    )
}

/// The hazard a guard *type* names, from its resolved path, if any.
pub fn guard_type_hazard(path: &[String], evidence: &LockEvidence) -> Option<Hazard> {
    let last = path.last()?.as_str();
    let root = path.first().map(String::as_str).unwrap_or("");
    let lock_guard = is_guard_name(last);
    let cell = matches!(last, "Ref" | "RefMut");
    if !lock_guard && !cell {
        return None;
    }
    let resolved = path.len() > 1;
    if resolved {
        if is_std_root(root) {
            let in_sync = path.iter().any(|s| s == "sync");
            let in_cell = path.iter().any(|s| s == "cell");
            if lock_guard && in_sync {
                return Some(std_hazard(HazardClass::Lock, last));
            }
            if cell && in_cell {
                return Some(std_hazard(HazardClass::RefCellRef, last));
            }
            return None;
        }
        if PARKING_LOT_CRATES.contains(&root) && lock_guard {
            return Some(Hazard::new(HazardClass::Lock, format!("{root}::{last}")));
        }
        return None;
    }
    // An unresolved single name: only where the file gives no reason to doubt it.
    if lock_guard && !(evidence.async_lock && !evidence.std_lock && !evidence.parking_lot) {
        let root = if evidence.parking_lot && !evidence.std_lock {
            "parking_lot"
        } else {
            "std::sync"
        };
        return Some(Hazard::new(HazardClass::Lock, format!("{root}::{last}")));
    }
    if cell && evidence.refcell {
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

fn pl_hazard(name: &str) -> Hazard {
    Hazard::new(HazardClass::Lock, format!("parking_lot::{name}"))
}

/// The guard a lock method produces, given what is known of the receiver, as the
/// shape of the method's *direct* result (`LockResult<MutexGuard>` is a `Result`
/// layer around the guard). `then` is the method called on the result, if any, and
/// `then_try` whether the result is followed by `?`; they decide the unknown case.
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
    match receiver {
        Some(Receiver {
            family: Family::Std,
            kind,
        }) => std_lock_method(method, kind),
        Some(Receiver {
            family: Family::ParkingLot,
            kind,
        }) => parking_lot_method(method, kind),
        Some(Receiver {
            family: Family::RefCell,
            ..
        }) => refcell_method(method),
        Some(Receiver {
            family: Family::Tracing,
            ..
        }) => span_method(method),
        Some(Receiver {
            family: Family::Async | Family::Other,
            ..
        }) => None,
        None => {
            // Unknown receiver: decide from the method chain and the file's imports.
            if matches!(
                method,
                "borrow" | "borrow_mut" | "try_borrow" | "try_borrow_mut"
            ) {
                let plausible = ev.refcell
                    && match method {
                        "borrow" => !ev.borrow_trait,
                        "borrow_mut" => !ev.borrow_mut_trait,
                        _ => true,
                    };
                return plausible.then(|| refcell_method(method)).flatten();
            }
            let is_lock_method = matches!(
                method,
                "lock" | "read" | "write" | "try_lock" | "try_read" | "try_write"
            );
            if !is_lock_method || next == NextUse::Await {
                return None;
            }
            let kind = match method {
                "lock" | "try_lock" => LockKind::Mutex,
                _ => LockKind::RwLock,
            };
            match next {
                NextUse::Unwrap => {
                    // `LockResult` is std's; a `try_lock().unwrap()` may be tokio's.
                    let try_method = method.starts_with("try_");
                    if try_method && ev.async_lock && !ev.std_lock {
                        return None;
                    }
                    if ev.parking_lot && !ev.std_lock && try_method {
                        return parking_lot_method(method, kind);
                    }
                    if ev.std_file_lock && method == "lock" && !ev.std_lock {
                        return None;
                    }
                    std_lock_method(method, kind)
                }
                NextUse::Other if ev.parking_lot && !ev.async_lock => {
                    parking_lot_method(method, kind)
                }
                _ => None,
            }
        }
    }
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

fn std_lock_method(method: &str, kind: LockKind) -> Option<Shape> {
    let guard = match (method, kind) {
        ("lock" | "try_lock", LockKind::Mutex) => "MutexGuard",
        ("lock" | "try_lock", LockKind::Reentrant) => "ReentrantLockGuard",
        ("read" | "try_read", LockKind::RwLock) => "RwLockReadGuard",
        ("write" | "try_write", LockKind::RwLock) => "RwLockWriteGuard",
        _ => return None,
    };
    let hazard = std_hazard(HazardClass::Lock, guard);
    if kind == LockKind::Reentrant && method == "lock" {
        // `ReentrantLock::lock` cannot fail: it returns the guard itself.
        return Some(Shape::new(hazard));
    }
    Some(Shape::new(hazard).wrapped(Layer::Result))
}

fn parking_lot_method(method: &str, kind: LockKind) -> Option<Shape> {
    let (guard, optional) = match (method, kind) {
        ("lock", LockKind::Mutex | LockKind::Unknown) => ("MutexGuard", false),
        ("try_lock" | "try_lock_for" | "try_lock_until", LockKind::Mutex | LockKind::Unknown) => {
            ("MutexGuard", true)
        }
        ("lock_arc", LockKind::Mutex) => ("ArcMutexGuard", false),
        ("lock", LockKind::Reentrant) => ("ReentrantMutexGuard", false),
        ("try_lock", LockKind::Reentrant) => ("ReentrantMutexGuard", true),
        ("read" | "read_recursive", LockKind::RwLock | LockKind::Unknown) => {
            ("RwLockReadGuard", false)
        }
        ("write", LockKind::RwLock | LockKind::Unknown) => ("RwLockWriteGuard", false),
        (
            "try_read" | "try_read_for" | "try_read_recursive",
            LockKind::RwLock | LockKind::Unknown,
        ) => ("RwLockReadGuard", true),
        ("try_write" | "try_write_for", LockKind::RwLock | LockKind::Unknown) => {
            ("RwLockWriteGuard", true)
        }
        ("upgradable_read", LockKind::RwLock) => ("RwLockUpgradableReadGuard", false),
        // spin spells it this way.
        ("upgradeable_read", LockKind::RwLock) => ("RwLockUpgradableGuard", false),
        ("try_upgradeable_read", LockKind::RwLock) => ("RwLockUpgradableGuard", true),
        ("try_upgradable_read", LockKind::RwLock) => ("RwLockUpgradableReadGuard", true),
        ("read_arc", LockKind::RwLock) => ("ArcRwLockReadGuard", false),
        ("upgradable_read_arc", LockKind::RwLock) => ("ArcRwLockUpgradableReadGuard", false),
        ("write_arc", LockKind::RwLock) => ("ArcRwLockWriteGuard", false),
        _ => return None,
    };
    let shape = Shape::new(pl_hazard(guard));
    Some(if optional {
        shape.wrapped(Layer::Option)
    } else {
        shape
    })
}

/// `Span::enter` borrows the span (`Entered<'_>`); `Span::entered` consumes it.
fn span_method(method: &str) -> Option<Shape> {
    let guard = match method {
        "enter" => "tracing::span::Entered",
        "entered" => "tracing::span::EnteredSpan",
        _ => return None,
    };
    Some(Shape::new(Hazard::new(
        HazardClass::SpanGuard,
        guard.to_string(),
    )))
}

fn refcell_method(method: &str) -> Option<Shape> {
    let (guard, fallible) = match method {
        "borrow" => ("Ref", false),
        "borrow_mut" => ("RefMut", false),
        "try_borrow" => ("Ref", true),
        "try_borrow_mut" => ("RefMut", true),
        _ => return None,
    };
    let shape = Shape::new(std_hazard(HazardClass::RefCellRef, guard));
    Some(if fallible {
        shape.wrapped(Layer::Result)
    } else {
        shape
    })
}

/// Associated functions of guard types that consume a guard and return another
/// (`MutexGuard::map`, `Ref::map`, `RwLockWriteGuard::downgrade`...). Given the
/// type's name and the function, the name of the guard they return.
pub fn guard_assoc_fn(ty: &str, func: &str) -> Option<&'static str> {
    let mapped = match ty {
        "MutexGuard" | "MappedMutexGuard" => Some("MappedMutexGuard"),
        "RwLockReadGuard" | "MappedRwLockReadGuard" => Some("MappedRwLockReadGuard"),
        "RwLockWriteGuard" | "MappedRwLockWriteGuard" => Some("MappedRwLockWriteGuard"),
        "Ref" => Some("Ref"),
        "RefMut" => Some("RefMut"),
        "ReentrantMutexGuard" => Some("MappedReentrantMutexGuard"),
        _ => None,
    };
    let arc = ty.starts_with("Arc");
    match (ty, func) {
        (_, "map" | "filter_map" | "try_map" | "map_split") => mapped,
        ("Ref", "clone") => Some("Ref"),
        // parking_lot's upgradable read guards and their transitions.
        (
            "RwLockUpgradableReadGuard" | "ArcRwLockUpgradableReadGuard",
            "upgrade" | "try_upgrade" | "try_upgrade_for" | "try_upgrade_until",
        ) => Some(if arc {
            "ArcRwLockWriteGuard"
        } else {
            "RwLockWriteGuard"
        }),
        (
            "RwLockUpgradableReadGuard"
            | "ArcRwLockUpgradableReadGuard"
            | "RwLockWriteGuard"
            | "ArcRwLockWriteGuard",
            "downgrade",
        ) => Some(if arc {
            "ArcRwLockReadGuard"
        } else {
            "RwLockReadGuard"
        }),
        ("RwLockWriteGuard" | "ArcRwLockWriteGuard", "downgrade_to_upgradable") => Some(if arc {
            "ArcRwLockUpgradableReadGuard"
        } else {
            "RwLockUpgradableReadGuard"
        }),
        _ => None,
    }
}
