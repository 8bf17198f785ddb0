//! Which values are hazards: the vocabulary (a `Hazard` type, the `Layer`s of
//! wrappers around it, the `Shape` of both), the hazard table of API facts
//! (`table`), and the questions the type sketch asks of it (`families`): what lock a
//! type path is, which guard a method returns, how a guard turns into another.
//! "Unknown" stays unknown: where the type cannot be told, only unambiguous method
//! patterns count. Nothing here knows about syntax.

pub mod evidence;
pub mod families;
pub mod lenders;
pub mod listed;
pub mod macros;
pub mod owned;
pub mod table;

use std::fmt;

pub use families::{
    acquisition, acquisition_methods, classify_lock_path, guard_assoc_fn, guard_method_transition,
    guard_type_hazard, is_hazard_type_name, lock_method_result, std_hazard, NextUse,
};

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

    /// Whether a value holding this hazard makes a future `!Send`: std and
    /// parking_lot guards, `Ref`/`RefMut`, span guards, `Rc`, raw pointers; not the
    /// guards of a crate the table says are `Send` (spin's).
    pub fn is_not_send(&self) -> bool {
        match self.class {
            HazardClass::Lock
            | HazardClass::RefCellRef
            | HazardClass::SpanGuard
            | HazardClass::NotSend => {
                if let Some(row) = families::lender_guard(&self.type_path) {
                    return !row.send;
                }
                let root = self.type_path.split("::").next().unwrap_or("");
                !families::crate_row(root).is_some_and(|c| c.guards_send)
            }
            HazardClass::MustNotSuspend | HazardClass::InvalidType => false,
        }
    }
}

/// A field of a struct or tuple, as a place names it (`.name`, `.0`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Member {
    Named(String),
    /// A tuple element or a tuple struct's field.
    Unnamed(usize),
}

impl fmt::Display for Member {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Member::Named(n) => f.write_str(n),
            Member::Unnamed(i) => write!(f, "{i}"),
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
    /// A field of a struct, or an element of a tuple.
    Field(Member),
    /// An element of an array at a known position (`[g, h]`).
    Index(usize),
    /// An element at no known position: of a collection (`Vec`, `vec![..]`), or of
    /// an array type or repeat expression.
    Element,
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

    /// Whether a value of this shape has drop glue: the hazard's own, or a `Box`'s
    /// around it (a `Box` of a plain `#[must_not_suspend]` type is freed at its
    /// scope's end, so it is held there).
    pub fn has_drop_glue(&self) -> bool {
        self.hazard.drop_glue || self.layers.contains(&Layer::Box)
    }

    /// Whether the outermost layer is field `member`.
    pub fn in_field(&self, member: &Member) -> bool {
        matches!(self.outer(), Some(Layer::Field(m)) if m == member)
    }

    /// The shape without its outermost layer, when `pred` accepts that layer.
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
                Layer::Field(Member::Unnamed(_)) => "tuple".to_string(),
                Layer::Index(_) => "array".to_string(),
                Layer::Iterator => "iterator yielding".to_string(),
                Layer::Field(Member::Named(f)) => format!("value whose field `{f}`"),
                Layer::Element => "collection".to_string(),
                Layer::Capture => "closure or future that captured".to_string(),
                Layer::Future => "future that returns".to_string(),
                Layer::Ref => "reference to".to_string(),
            };
            // "a value", "a tuple"... after the first word too ("an `Option`
            // holding a value whose field ...").
            let noun = matches!(
                layer,
                Layer::Field(_) | Layer::Index(_) | Layer::Element | Layer::Capture | Layer::Future
            );
            if i == 0 || noun {
                out.push_str(article(&word));
                out.push(' ');
            }
            out.push_str(&word);
            out.push_str(match layer {
                Layer::Field(Member::Named(_)) => " holds ",
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

/// What a guard of a lock excludes while it is alive (`self_deadlock`), by its type
/// (`table::GUARDS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Every other guard of its lock: a `MutexGuard`, a write guard, a `RefMut`.
    Exclusive,
    /// Writers (and `RefMut`s) only: a read guard, a `Ref`.
    Shared,
    /// Writers and other upgradable readers: parking_lot's `upgradable_read`
    /// (docs.rs/lock_api/struct.RwLock.html#method.upgradable_read).
    Upgradable,
    /// Nothing taken on the same thread: a reentrant mutex's guard.
    Reentrant,
}

/// How an acquisition waits for a lock that is taken (`table::NON_BLOCKING_ACQUISITIONS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Waiting {
    /// Until the lock is free (`lock`, `read`, `write`, `borrow_mut` panics instead).
    Blocks,
    /// Returns at once, or after a timeout, with a failure (`try_lock`, `try_borrow_mut`).
    Attempts,
    /// A read that does not wait for writers queued behind a reader
    /// (`read_recursive`): taking it again under a read guard cannot deadlock.
    RecursiveRead,
}

/// What an acquisition is: the access its guard has and how it waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Acquired {
    pub access: Access,
    pub waiting: Waiting,
    /// A `RefCell` borrow (panics where a lock deadlocks; many `Ref`s are fine).
    pub cell: bool,
}

/// What taking a lock while a guard of it is alive on the same thread does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relock {
    /// Waits forever (std: "might panic or deadlock"), or, for a `RefCell`, panics
    /// (`already borrowed` / `already mutably borrowed`).
    Deadlock,
    /// A `try_*` acquisition: always fails while the guard lives.
    AlwaysFails,
    /// A read (or upgradable read) while a read guard is alive: deadlocks only when
    /// a writer queues in between (std's and parking_lot's `read` are not recursive).
    RecursiveRead,
}

impl Acquired {
    /// What acquiring `self` does while `held` (a guard of the same lock) is alive.
    pub fn relock(self, held: Acquired) -> Option<Relock> {
        use Access::*;
        if held.access == Reentrant || self.access == Reentrant {
            return None;
        }
        let excludes = matches!(
            (held.access, self.access),
            (Exclusive, _) | (_, Exclusive) | (Upgradable, Upgradable)
        );
        match (excludes, self.waiting) {
            (true, Waiting::Attempts) => Some(Relock::AlwaysFails),
            (true, _) => Some(Relock::Deadlock),
            // Many `Ref`s of a cell are fine; a `try_read` does not wait, and
            // `read_recursive` does not wait for writers; nor does a read under an
            // upgradable guard (a writer waits for that guard without blocking
            // readers): runtime probe tests/probes/recursive_read.rs.
            (false, Waiting::Blocks) if !self.cell && held.access == Shared => {
                Some(Relock::RecursiveRead)
            }
            (false, _) => None,
        }
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
    /// Another crate's type whose methods lend out guards of a lock inside it
    /// (`dashmap::DashMap`, `tokio::sync::watch::Receiver`): rows of `table::LENDERS`.
    Lender,
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
    /// A condition variable: no lock of its own, it gives back the guard it waits with.
    Condvar,
    /// A map sharded over locks (`DashMap`): its references are guards of a shard.
    ShardedMap,
    /// A set sharded over locks (`DashSet`).
    ShardedSet,
    /// A watch channel's end: `borrow()` holds a read lock on the value.
    Watch,
    Unknown,
}

/// What a receiver's type tells about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Receiver {
    pub family: Family,
    pub kind: LockKind,
    /// The crate whose lock it is, when its path tells (`spin`): its guards are
    /// named by that crate's paths.
    pub krate: Option<&'static str>,
}

impl Receiver {
    /// A known type that is no lock (a struct of the crate, `StdoutLock`...).
    pub const OTHER: Receiver = Receiver::new(Family::Other, LockKind::Unknown);

    pub const fn new(family: Family, kind: LockKind) -> Receiver {
        Receiver {
            family,
            kind,
            krate: None,
        }
    }
}
