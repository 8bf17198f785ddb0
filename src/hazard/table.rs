//! The hazard table: every fact about an API that decides whether a value is a
//! hazard, one row per fact, each with the reason or the documentation that says
//! so. The analysis asks these rows (through `hazard::families` and the type
//! sketch) and never tests a type or method name itself; adding a lock family is
//! adding rows here.

use super::{Access, Family, HazardClass, Layer, LockKind, Member, Waiting};

// The ecosystem's lenders of guards (DashMap, tokio's watch channel) are rows of the
// same table, kept in their own file.
pub use super::lenders::{
    LenderGuardRow, LenderRow, LenderTransitionRow, LENDERS, LENDER_GUARDS, LENDER_METHODS,
    LENDER_TRANSITIONS,
};

/// A crate whose locks (or cells, or spans) belong to one family.
pub struct CrateRow {
    /// The first segment of its paths (`parking_lot`).
    pub root: &'static str,
    pub family: Family,
    /// Whether its guards are `Send` (a future holding one can still be spawned).
    pub guards_send: bool,
    pub why: &'static str,
}

/// The crates of the lock families. std's locks are told apart by module (`sync`,
/// `cell`), see `STD_ROOTS`.
pub const CRATES: &[CrateRow] = &[
    CrateRow {
        root: "parking_lot",
        family: Family::ParkingLot,
        guards_send: false,
        why: "blocking locks; `lock()` returns the guard itself, which is `!Send` unless the `send_guard` feature is on (docs.rs/parking_lot)",
    },
    CrateRow {
        root: "lock_api",
        family: Family::ParkingLot,
        guards_send: false,
        why: "the generic locks parking_lot is built on; guards are `!Send` with `GuardNoSend` (docs.rs/lock_api)",
    },
    CrateRow {
        root: "spin",
        family: Family::ParkingLot,
        guards_send: true,
        why: "spinning locks: a waiting task spins its thread; the guards are `Send` when the data is (docs.rs/spin)",
    },
    CrateRow {
        root: "tokio",
        family: Family::Async,
        guards_send: true,
        why: "tokio::sync locks are awaited and their guards are made to be held across `.await` (docs.rs/tokio/sync/struct.Mutex.html)",
    },
    CrateRow {
        root: "futures",
        family: Family::Async,
        guards_send: true,
        why: "`futures::lock::Mutex` is awaited",
    },
    CrateRow {
        root: "futures_util",
        family: Family::Async,
        guards_send: true,
        why: "`futures_util::lock::Mutex` is awaited",
    },
    CrateRow {
        root: "futures_locks",
        family: Family::Async,
        guards_send: true,
        why: "futures-locks' locks are futures",
    },
    CrateRow {
        root: "async_std",
        family: Family::Async,
        guards_send: true,
        why: "async_std::sync locks are awaited",
    },
    CrateRow {
        root: "async_lock",
        family: Family::Async,
        guards_send: true,
        why: "async-lock's locks are awaited",
    },
    CrateRow {
        root: "smol",
        family: Family::Async,
        guards_send: true,
        why: "smol re-exports async-lock",
    },
    CrateRow {
        root: "async_mutex",
        family: Family::Async,
        guards_send: true,
        why: "async-mutex's lock is awaited",
    },
    CrateRow {
        root: "async_rwlock",
        family: Family::Async,
        guards_send: true,
        why: "async-rwlock's lock is awaited",
    },
    CrateRow {
        root: "maitake_sync",
        family: Family::Async,
        guards_send: true,
        why: "maitake-sync's locks are awaited",
    },
    CrateRow {
        root: "tokio_util",
        family: Family::Async,
        guards_send: true,
        why: "tokio-util's sync types are awaited",
    },
    CrateRow {
        root: "tracing",
        family: Family::Tracing,
        guards_send: false,
        why: "`Span::enter` returns `Entered`, which is `!Send` and must not be held across an await (docs.rs/tracing/struct.Span.html#in-asynchronous-code)",
    },
];

/// The roots of the standard library's paths.
pub const STD_ROOTS: &[&str] = &["std", "core", "alloc"];

/// A lock (or cell) type, by the last segment of its path.
pub struct LockTypeRow {
    pub name: &'static str,
    pub kind: LockKind,
}

pub const LOCK_TYPES: &[LockTypeRow] = &[
    LockTypeRow {
        name: "Mutex",
        kind: LockKind::Mutex,
    },
    LockTypeRow {
        name: "FairMutex",
        kind: LockKind::Mutex,
    },
    LockTypeRow {
        name: "SpinMutex",
        kind: LockKind::Mutex,
    },
    LockTypeRow {
        name: "TicketMutex",
        kind: LockKind::Mutex,
    },
    LockTypeRow {
        name: "RwLock",
        kind: LockKind::RwLock,
    },
    LockTypeRow {
        name: "ReentrantMutex",
        kind: LockKind::Reentrant,
    },
    LockTypeRow {
        name: "ReentrantLock",
        kind: LockKind::Reentrant,
    },
    LockTypeRow {
        name: "RefCell",
        kind: LockKind::Cell,
    },
    LockTypeRow {
        name: "Condvar",
        kind: LockKind::Condvar,
    },
];

/// A guard type a lock family's methods return, by the last segment of its path.
/// Guards of the std family live in `std::sync` (locks) or `std::cell` (cells).
pub struct GuardRow {
    pub name: &'static str,
    /// What holding it excludes (`self_deadlock`): a `MutexGuard` every other
    /// guard of its lock, an `RwLockReadGuard` only writers.
    pub access: Access,
    pub class: HazardClass,
    /// The families whose crates define a guard of this name.
    pub families: &'static [Family],
}

const STD_AND_PL: &[Family] = &[Family::Std, Family::ParkingLot];
const STD: &[Family] = &[Family::Std];
const PL: &[Family] = &[Family::ParkingLot];

pub const GUARDS: &[GuardRow] = &[
    GuardRow {
        name: "MutexGuard",
        access: Access::Exclusive,
        class: HazardClass::Lock,
        families: STD_AND_PL,
    },
    GuardRow {
        name: "RwLockReadGuard",
        access: Access::Shared,
        class: HazardClass::Lock,
        families: STD_AND_PL,
    },
    GuardRow {
        name: "RwLockWriteGuard",
        access: Access::Exclusive,
        class: HazardClass::Lock,
        families: STD_AND_PL,
    },
    GuardRow {
        name: "MappedMutexGuard",
        access: Access::Exclusive,
        class: HazardClass::Lock,
        families: STD_AND_PL,
    },
    GuardRow {
        name: "MappedRwLockReadGuard",
        access: Access::Shared,
        class: HazardClass::Lock,
        families: STD_AND_PL,
    },
    GuardRow {
        name: "MappedRwLockWriteGuard",
        access: Access::Exclusive,
        class: HazardClass::Lock,
        families: STD_AND_PL,
    },
    GuardRow {
        name: "ReentrantLockGuard",
        access: Access::Reentrant,
        class: HazardClass::Lock,
        families: STD,
    },
    GuardRow {
        name: "ReentrantMutexGuard",
        access: Access::Reentrant,
        class: HazardClass::Lock,
        families: PL,
    },
    GuardRow {
        name: "MappedReentrantMutexGuard",
        access: Access::Reentrant,
        class: HazardClass::Lock,
        families: PL,
    },
    GuardRow {
        name: "FairMutexGuard",
        access: Access::Exclusive,
        class: HazardClass::Lock,
        families: PL,
    },
    GuardRow {
        name: "MappedFairMutexGuard",
        access: Access::Exclusive,
        class: HazardClass::Lock,
        families: PL,
    },
    GuardRow {
        name: "RwLockUpgradableReadGuard",
        access: Access::Upgradable,
        class: HazardClass::Lock,
        families: PL,
    },
    GuardRow {
        name: "RwLockUpgradableGuard",
        access: Access::Upgradable,
        class: HazardClass::Lock,
        families: PL,
    },
    GuardRow {
        name: "ArcMutexGuard",
        access: Access::Exclusive,
        class: HazardClass::Lock,
        families: PL,
    },
    GuardRow {
        name: "ArcRwLockReadGuard",
        access: Access::Shared,
        class: HazardClass::Lock,
        families: PL,
    },
    GuardRow {
        name: "ArcRwLockWriteGuard",
        access: Access::Exclusive,
        class: HazardClass::Lock,
        families: PL,
    },
    GuardRow {
        name: "ArcRwLockUpgradableReadGuard",
        access: Access::Upgradable,
        class: HazardClass::Lock,
        families: PL,
    },
    GuardRow {
        name: "ArcReentrantMutexGuard",
        access: Access::Reentrant,
        class: HazardClass::Lock,
        families: PL,
    },
    GuardRow {
        name: "SpinMutexGuard",
        access: Access::Exclusive,
        class: HazardClass::Lock,
        families: PL,
    },
    GuardRow {
        name: "TicketMutexGuard",
        access: Access::Exclusive,
        class: HazardClass::Lock,
        families: PL,
    },
    GuardRow {
        name: "Ref",
        access: Access::Shared,
        class: HazardClass::RefCellRef,
        families: &[Family::RefCell],
    },
    GuardRow {
        name: "RefMut",
        access: Access::Exclusive,
        class: HazardClass::RefCellRef,
        families: &[Family::RefCell],
    },
];

/// Other type names whose path decides what they are: a lock's, a cell's, `Rc` and
/// tracing's `Span` (the guard names above are such names too).
pub const DECIDING_TYPE_NAMES: &[&str] = &["Rc", "Span"];

/// What a method of a lock family returns: its guard, and the wrapper around it.
pub struct LockMethodRow {
    pub family: Family,
    /// The lock kinds it applies to (`Unknown`: a receiver of that family whose kind
    /// is not known).
    pub kinds: &'static [LockKind],
    pub methods: &'static [&'static str],
    /// The guard's name, in the family's path (`std::sync`, the crate's root).
    pub guard: &'static str,
    /// The wrapper the method returns the guard in (`LockResult`, `Option`).
    pub wrapper: Option<Layer>,
}

const MUTEX: &[LockKind] = &[LockKind::Mutex];
const MUTEX_OR_UNKNOWN: &[LockKind] = &[LockKind::Mutex, LockKind::Unknown];
const RWLOCK: &[LockKind] = &[LockKind::RwLock];
const RWLOCK_OR_UNKNOWN: &[LockKind] = &[LockKind::RwLock, LockKind::Unknown];
const REENTRANT: &[LockKind] = &[LockKind::Reentrant];

/// std's locks return a `LockResult` (docs.rs/std/sync/struct.Mutex.html#method.lock);
/// `ReentrantLock::lock` cannot fail and returns the guard itself.
pub const STD_LOCK_METHODS: &[LockMethodRow] = &[
    LockMethodRow {
        family: Family::Std,
        kinds: MUTEX,
        methods: &["lock", "try_lock"],
        guard: "MutexGuard",
        wrapper: Some(Layer::Result),
    },
    LockMethodRow {
        family: Family::Std,
        kinds: REENTRANT,
        methods: &["lock"],
        guard: "ReentrantLockGuard",
        wrapper: None,
    },
    LockMethodRow {
        family: Family::Std,
        kinds: REENTRANT,
        methods: &["try_lock"],
        guard: "ReentrantLockGuard",
        wrapper: Some(Layer::Result),
    },
    LockMethodRow {
        family: Family::Std,
        kinds: RWLOCK,
        methods: &["read", "try_read"],
        guard: "RwLockReadGuard",
        wrapper: Some(Layer::Result),
    },
    LockMethodRow {
        family: Family::Std,
        kinds: RWLOCK,
        methods: &["write", "try_write"],
        guard: "RwLockWriteGuard",
        wrapper: Some(Layer::Result),
    },
];

/// parking_lot, lock_api and spin return the guard itself, and `try_*` an `Option`
/// of it (docs.rs/lock_api/struct.Mutex.html). Their guards are labelled by
/// parking_lot's paths.
pub const PARKING_LOT_METHODS: &[LockMethodRow] = &[
    LockMethodRow {
        family: Family::ParkingLot,
        kinds: MUTEX_OR_UNKNOWN,
        methods: &["lock"],
        guard: "MutexGuard",
        wrapper: None,
    },
    LockMethodRow {
        family: Family::ParkingLot,
        kinds: MUTEX_OR_UNKNOWN,
        methods: &["try_lock", "try_lock_for", "try_lock_until"],
        guard: "MutexGuard",
        wrapper: Some(Layer::Option),
    },
    LockMethodRow {
        family: Family::ParkingLot,
        kinds: MUTEX,
        methods: &["lock_arc"],
        guard: "ArcMutexGuard",
        wrapper: None,
    },
    LockMethodRow {
        family: Family::ParkingLot,
        kinds: REENTRANT,
        methods: &["lock"],
        guard: "ReentrantMutexGuard",
        wrapper: None,
    },
    LockMethodRow {
        family: Family::ParkingLot,
        kinds: REENTRANT,
        methods: &["try_lock"],
        guard: "ReentrantMutexGuard",
        wrapper: Some(Layer::Option),
    },
    LockMethodRow {
        family: Family::ParkingLot,
        kinds: RWLOCK_OR_UNKNOWN,
        methods: &["read", "read_recursive"],
        guard: "RwLockReadGuard",
        wrapper: None,
    },
    LockMethodRow {
        family: Family::ParkingLot,
        kinds: RWLOCK_OR_UNKNOWN,
        methods: &["write"],
        guard: "RwLockWriteGuard",
        wrapper: None,
    },
    LockMethodRow {
        family: Family::ParkingLot,
        kinds: RWLOCK_OR_UNKNOWN,
        methods: &["try_read", "try_read_for", "try_read_recursive"],
        guard: "RwLockReadGuard",
        wrapper: Some(Layer::Option),
    },
    LockMethodRow {
        family: Family::ParkingLot,
        kinds: RWLOCK_OR_UNKNOWN,
        methods: &["try_write", "try_write_for"],
        guard: "RwLockWriteGuard",
        wrapper: Some(Layer::Option),
    },
    LockMethodRow {
        family: Family::ParkingLot,
        kinds: RWLOCK,
        methods: &["upgradable_read"],
        guard: "RwLockUpgradableReadGuard",
        wrapper: None,
    },
    // spin spells it "upgradeable".
    LockMethodRow {
        family: Family::ParkingLot,
        kinds: RWLOCK,
        methods: &["upgradeable_read"],
        guard: "RwLockUpgradableGuard",
        wrapper: None,
    },
    LockMethodRow {
        family: Family::ParkingLot,
        kinds: RWLOCK,
        methods: &["try_upgradeable_read"],
        guard: "RwLockUpgradableGuard",
        wrapper: Some(Layer::Option),
    },
    LockMethodRow {
        family: Family::ParkingLot,
        kinds: RWLOCK,
        methods: &["try_upgradable_read"],
        guard: "RwLockUpgradableReadGuard",
        wrapper: Some(Layer::Option),
    },
    LockMethodRow {
        family: Family::ParkingLot,
        kinds: RWLOCK,
        methods: &["read_arc"],
        guard: "ArcRwLockReadGuard",
        wrapper: None,
    },
    LockMethodRow {
        family: Family::ParkingLot,
        kinds: RWLOCK,
        methods: &["upgradable_read_arc"],
        guard: "ArcRwLockUpgradableReadGuard",
        wrapper: None,
    },
    LockMethodRow {
        family: Family::ParkingLot,
        kinds: RWLOCK,
        methods: &["write_arc"],
        guard: "ArcRwLockWriteGuard",
        wrapper: None,
    },
];

/// `RefCell::borrow*` (docs.rs/std/cell/struct.RefCell.html): `try_*` return a
/// `Result`. Guards are `std::cell` paths.
pub const REFCELL_METHODS: &[LockMethodRow] = &[
    LockMethodRow {
        family: Family::RefCell,
        kinds: &[LockKind::Cell, LockKind::Unknown],
        methods: &["borrow"],
        guard: "Ref",
        wrapper: None,
    },
    LockMethodRow {
        family: Family::RefCell,
        kinds: &[LockKind::Cell, LockKind::Unknown],
        methods: &["borrow_mut"],
        guard: "RefMut",
        wrapper: None,
    },
    LockMethodRow {
        family: Family::RefCell,
        kinds: &[LockKind::Cell, LockKind::Unknown],
        methods: &["try_borrow"],
        guard: "Ref",
        wrapper: Some(Layer::Result),
    },
    LockMethodRow {
        family: Family::RefCell,
        kinds: &[LockKind::Cell, LockKind::Unknown],
        methods: &["try_borrow_mut"],
        guard: "RefMut",
        wrapper: Some(Layer::Result),
    },
];

/// The acquisitions (methods of the lock rows above) that do not block until the
/// lock is free; every other one does. `try_*` return at once (or after their
/// timeout) with a failure: `None` for lock_api, `Err(WouldBlock)` for std
/// (docs.rs/std/sync/struct.Mutex.html#method.try_lock), `Err(BorrowMutError)` for
/// `RefCell::try_borrow_mut`. lock_api's `read_recursive` "is guaranteed to succeed
/// without blocking if another read lock is held at the time of the call"
/// (docs.rs/lock_api/struct.RwLock.html#method.read_recursive).
pub const NON_BLOCKING_ACQUISITIONS: &[(&str, Waiting)] = &[
    ("try_lock", Waiting::Attempts),
    ("try_lock_for", Waiting::Attempts),
    ("try_lock_until", Waiting::Attempts),
    ("try_read", Waiting::Attempts),
    ("try_read_for", Waiting::Attempts),
    ("try_read_recursive", Waiting::Attempts),
    ("try_write", Waiting::Attempts),
    ("try_write_for", Waiting::Attempts),
    ("try_upgradable_read", Waiting::Attempts),
    ("try_upgradeable_read", Waiting::Attempts),
    ("try_borrow", Waiting::Attempts),
    ("try_borrow_mut", Waiting::Attempts),
    ("read_recursive", Waiting::RecursiveRead),
];

/// `Span::enter` borrows the span (`Entered<'_>`); `Span::entered` consumes it
/// (`EnteredSpan`). Both must not be held across an await: "in asynchronous code
/// ... use `Instrument`" (docs.rs/tracing/struct.Span.html#in-asynchronous-code).
pub const SPAN_METHODS: &[(&str, &str)] = &[
    ("enter", "tracing::span::Entered"),
    ("entered", "tracing::span::EnteredSpan"),
];

/// The lock methods a receiver of unknown type is judged on by the chain they are
/// in (`.lock().unwrap()` is std's): (method, the lock kind it implies).
pub const UNKNOWN_RECEIVER_LOCK_METHODS: &[(&str, LockKind)] = &[
    ("lock", LockKind::Mutex),
    ("try_lock", LockKind::Mutex),
    ("read", LockKind::RwLock),
    ("write", LockKind::RwLock),
    ("try_read", LockKind::RwLock),
    ("try_write", LockKind::RwLock),
];

/// How a guard turns into another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransitionForm {
    /// An associated function taking the guard (`MutexGuard::map(g, ..)`,
    /// `RwLockUpgradableReadGuard::upgrade(g)`), as std and lock_api write them.
    Assoc,
    /// A method taking the guard by value (`g.upgrade()`), as spin writes them.
    Method,
}

/// A function that consumes a guard and returns another.
pub struct TransitionRow {
    pub form: TransitionForm,
    /// The guard it takes, by name (empty: any lock guard, for `Method`).
    pub from: &'static [&'static str],
    pub functions: &'static [&'static str],
    /// The guard it returns, by name.
    pub to: &'static str,
    /// The result is a `Result` of the guard (`try_upgrade`).
    pub fallible: bool,
}

const MAP: &[&str] = &["map", "filter_map", "try_map", "map_split"];

pub const TRANSITIONS: &[TransitionRow] = &[
    TransitionRow {
        form: TransitionForm::Assoc,
        from: &["MutexGuard", "MappedMutexGuard"],
        functions: MAP,
        to: "MappedMutexGuard",
        fallible: false,
    },
    TransitionRow {
        form: TransitionForm::Assoc,
        from: &["RwLockReadGuard", "MappedRwLockReadGuard"],
        functions: MAP,
        to: "MappedRwLockReadGuard",
        fallible: false,
    },
    TransitionRow {
        form: TransitionForm::Assoc,
        from: &["RwLockWriteGuard", "MappedRwLockWriteGuard"],
        functions: MAP,
        to: "MappedRwLockWriteGuard",
        fallible: false,
    },
    TransitionRow {
        form: TransitionForm::Assoc,
        from: &["Ref"],
        functions: MAP,
        to: "Ref",
        fallible: false,
    },
    TransitionRow {
        form: TransitionForm::Assoc,
        from: &["RefMut"],
        functions: MAP,
        to: "RefMut",
        fallible: false,
    },
    TransitionRow {
        form: TransitionForm::Assoc,
        from: &["ReentrantMutexGuard"],
        functions: MAP,
        to: "MappedReentrantMutexGuard",
        fallible: false,
    },
    // `Ref::clone(&r)`: another borrow of the same cell.
    TransitionRow {
        form: TransitionForm::Assoc,
        from: &["Ref"],
        functions: &["clone"],
        to: "Ref",
        fallible: false,
    },
    // parking_lot's upgradable read guards (docs.rs/lock_api/struct.RwLockUpgradableReadGuard.html).
    TransitionRow {
        form: TransitionForm::Assoc,
        from: &["RwLockUpgradableReadGuard"],
        functions: &[
            "upgrade",
            "try_upgrade",
            "try_upgrade_for",
            "try_upgrade_until",
        ],
        to: "RwLockWriteGuard",
        fallible: false,
    },
    TransitionRow {
        form: TransitionForm::Assoc,
        from: &["ArcRwLockUpgradableReadGuard"],
        functions: &[
            "upgrade",
            "try_upgrade",
            "try_upgrade_for",
            "try_upgrade_until",
        ],
        to: "ArcRwLockWriteGuard",
        fallible: false,
    },
    TransitionRow {
        form: TransitionForm::Assoc,
        from: &["RwLockUpgradableReadGuard", "RwLockWriteGuard"],
        functions: &["downgrade"],
        to: "RwLockReadGuard",
        fallible: false,
    },
    TransitionRow {
        form: TransitionForm::Assoc,
        from: &["ArcRwLockUpgradableReadGuard", "ArcRwLockWriteGuard"],
        functions: &["downgrade"],
        to: "ArcRwLockReadGuard",
        fallible: false,
    },
    TransitionRow {
        form: TransitionForm::Assoc,
        from: &["RwLockWriteGuard"],
        functions: &["downgrade_to_upgradable"],
        to: "RwLockUpgradableReadGuard",
        fallible: false,
    },
    TransitionRow {
        form: TransitionForm::Assoc,
        from: &["ArcRwLockWriteGuard"],
        functions: &["downgrade_to_upgradable"],
        to: "ArcRwLockUpgradableReadGuard",
        fallible: false,
    },
    // spin's guards change by value (docs.rs/spin/rwlock/struct.RwLockUpgradableGuard.html).
    TransitionRow {
        form: TransitionForm::Method,
        from: &[],
        functions: &["upgrade"],
        to: "RwLockWriteGuard",
        fallible: false,
    },
    TransitionRow {
        form: TransitionForm::Method,
        from: &[],
        functions: &["try_upgrade"],
        to: "RwLockWriteGuard",
        fallible: true,
    },
    TransitionRow {
        form: TransitionForm::Method,
        from: &[],
        functions: &["downgrade"],
        to: "RwLockReadGuard",
        fallible: false,
    },
    TransitionRow {
        form: TransitionForm::Method,
        from: &[],
        functions: &["downgrade_to_upgradeable", "downgrade_to_upgradable"],
        to: "RwLockUpgradableGuard",
        fallible: false,
    },
];

/// A method that takes a guard by value and gives it back: `Condvar::wait(g)`
/// returns the `MutexGuard` it was given, re-locked (docs.rs/std/sync/struct.Condvar.html).
pub struct ReturnsArgumentRow {
    /// The receiver's family and kind (a receiver of unknown type counts when the
    /// argument holds a guard of this family).
    pub family: Family,
    pub kind: LockKind,
    pub methods: &'static [&'static str],
    /// Which argument it returns, and inside which layers (innermost first).
    pub argument: usize,
    pub layers: &'static [Layer],
}

pub const RETURNS_ARGUMENT: &[ReturnsArgumentRow] = &[
    // `LockResult<MutexGuard<'a, T>>`
    ReturnsArgumentRow {
        family: Family::Std,
        kind: LockKind::Condvar,
        methods: &["wait", "wait_while"],
        argument: 0,
        layers: &[Layer::Result],
    },
    // `LockResult<(MutexGuard<'a, T>, WaitTimeoutResult)>`
    ReturnsArgumentRow {
        family: Family::Std,
        kind: LockKind::Condvar,
        methods: &["wait_timeout", "wait_timeout_ms", "wait_timeout_while"],
        argument: 0,
        layers: &[Layer::Field(Member::Unnamed(0)), Layer::Result],
    },
];

/// Methods that take a guard by value and end it, returning no guard:
/// `EnteredSpan::exit(self) -> Span` (docs.rs/tracing/span/struct.EnteredSpan.html).
pub const ENDING_METHODS: &[(&str, &[&str])] = &[("tracing::span::EnteredSpan", &["exit"])];

/// What a method of `Option` or `Result` does to a hazard it wraps, called on a
/// value that holds one inside such a wrapper.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WrapperEffect {
    /// Returns what the wrapper holds (`unwrap`, `expect`, ...).
    Unwrap,
    /// Returns the same wrapper (`map_err` keeps the `Ok` side).
    Keep,
    /// `Result::ok`: the `Ok` side as an `Option`.
    Ok,
    /// `LockResult::map` / `and_then`: only the `PoisonError` side still holds the
    /// guard (a `BorrowError` holds nothing).
    ErrSideOfLock,
    /// Returns nothing that holds it (`or_else`, `err`, `into_iter`, `flatten`).
    Nothing,
}

/// Methods that take an `Option`/`Result` by value, and what they return of it.
pub const WRAPPER_METHODS: &[(&str, WrapperEffect)] = &[
    ("unwrap", WrapperEffect::Unwrap),
    ("expect", WrapperEffect::Unwrap),
    ("unwrap_or_else", WrapperEffect::Unwrap),
    ("unwrap_or", WrapperEffect::Unwrap),
    ("unwrap_or_default", WrapperEffect::Unwrap),
    ("unwrap_unchecked", WrapperEffect::Unwrap),
    ("ok", WrapperEffect::Ok),
    ("err", WrapperEffect::Nothing),
    ("map", WrapperEffect::ErrSideOfLock),
    ("map_err", WrapperEffect::Keep),
    ("and_then", WrapperEffect::ErrSideOfLock),
    ("or_else", WrapperEffect::Nothing),
    ("into_iter", WrapperEffect::Nothing),
    ("flatten", WrapperEffect::Nothing),
];

/// Methods after which a lock method's result counts as unwrapped (`.lock().unwrap()`
/// tells a std `LockResult`).
pub const UNWRAP_METHODS: &[&str] = &[
    "unwrap",
    "expect",
    "unwrap_or_else",
    "unwrap_unchecked",
    "unwrap_or_default",
];

/// Iterator adapters and conversions that pass their receiver's items on.
pub const ITERATOR_ADAPTERS: &[&str] = &[
    "collect",
    "into_iter",
    "filter",
    "take",
    "skip",
    "chain",
    "rev",
    "peekable",
    "fuse",
    "inspect",
    "take_while",
    "skip_while",
    "step_by",
    "cycle",
];

/// Future adapters whose future produces what their receiver's does: `FutureExt::fuse`,
/// `boxed`, `boxed_local` (docs.rs/futures/latest/futures/future/trait.FutureExt.html),
/// `IntoFuture::into_future`, tracing's `Instrument::instrument` / `in_current_span`.
pub const FUTURE_ADAPTERS: &[&str] = &[
    "fuse",
    "boxed",
    "boxed_local",
    "into_future",
    "instrument",
    "in_current_span",
];

/// Iterator methods whose closure's result is what the iterator yields
/// (`iter.map(|m| m.lock().unwrap())` yields guards).
pub const YIELDING_ADAPTERS: &[&str] = &["map", "filter_map", "flat_map", "map_while"];

/// Methods that store their argument in the receiver, and the layer it is held in:
/// a collection's element, or the `Option` of `replace` / `get_or_insert*`.
pub const INSERTING_METHODS: &[(&str, Layer)] = &[
    ("push", Layer::Element),
    ("push_back", Layer::Element),
    ("push_front", Layer::Element),
    ("insert", Layer::Element),
    ("extend", Layer::Element),
    ("set", Layer::Element),
    ("replace", Layer::Option),
    ("get_or_insert", Layer::Option),
    ("get_or_insert_with", Layer::Option),
];

/// Methods that return what their receiver points to, not a value of their own:
/// a receiver's lock is looked for through them (`self.m.clone().lock()`).
pub const RECEIVER_PASSTHROUGH: &[&str] = &["clone", "as_ref", "deref", "borrow", "get_ref"];

/// Methods never taken for a method of the file's own types returning a guard.
pub const NOT_GUARD_GETTERS: &[&str] = &["clone", "as_ref", "deref", "to_owned"];

/// Types that hold a value of their (first) type argument, and in which layer:
/// what a value of `Option<MutexGuard<..>>` holds.
pub const WRAPPER_TYPES: &[(&str, Layer)] = &[
    ("Option", Layer::Option),
    ("Result", Layer::Result),
    ("LockResult", Layer::Result),
    ("TryLockResult", Layer::Result),
    ("Box", Layer::Box),
    // Collections hold their elements.
    ("Vec", Layer::Element),
    ("VecDeque", Layer::Element),
    ("LinkedList", Layer::Element),
    ("BinaryHeap", Layer::Element),
    ("BTreeSet", Layer::Element),
    ("HashSet", Layer::Element),
];

/// Pointer-like types a receiver's lock is looked for through (`Arc<Mutex<T>>`).
pub const POINTER_LIKE: &[&str] = &[
    "Arc",
    "Rc",
    "Box",
    "Pin",
    "ManuallyDrop",
    "Weak",
    "LazyLock",
    "LazyCell",
    "OnceLock",
    "OnceCell",
    "Lazy",
    "CachePadded",
];

/// What a call of a standard library function does with its first argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallEffect {
    /// Returns it inside a layer (`Some(g)`, `Box::new(g)`).
    Wrap(Layer),
    /// Returns it as it is (`convert::identity`, `Pin::new`).
    Identity,
    /// Holds nothing of it afterwards (`ManuallyDrop::new`: never dropped, so never
    /// a guard held to its scope's end).
    Forget,
    /// An `Rc` (`Rc::new(g)`): holds its argument and is itself `!Send`.
    Rc,
}

/// A std function, by the type (or module) segment before its name and its name:
/// `(None, "Some")` is `Some(..)`.
pub struct StdCallRow {
    pub owner: Option<&'static str>,
    pub functions: &'static [&'static str],
    pub effect: CallEffect,
}

pub const STD_CALLS: &[StdCallRow] = &[
    StdCallRow {
        owner: None,
        functions: &["Some"],
        effect: CallEffect::Wrap(Layer::Option),
    },
    StdCallRow {
        owner: None,
        functions: &["Ok", "Err"],
        effect: CallEffect::Wrap(Layer::Result),
    },
    StdCallRow {
        owner: Some("Rc"),
        functions: &["new", "pin", "clone", "from", "default", "new_cyclic"],
        effect: CallEffect::Rc,
    },
    StdCallRow {
        owner: Some("Box"),
        functions: &["new", "pin"],
        effect: CallEffect::Wrap(Layer::Box),
    },
    StdCallRow {
        owner: Some("Arc"),
        functions: &["new", "pin"],
        effect: CallEffect::Wrap(Layer::Box),
    },
    StdCallRow {
        owner: Some("Pin"),
        functions: &["new", "new_unchecked"],
        effect: CallEffect::Identity,
    },
    StdCallRow {
        owner: Some("convert"),
        functions: &["identity"],
        effect: CallEffect::Identity,
    },
    StdCallRow {
        owner: Some("hint"),
        functions: &["black_box"],
        effect: CallEffect::Identity,
    },
    StdCallRow {
        owner: Some("ManuallyDrop"),
        functions: &["new"],
        effect: CallEffect::Forget,
    },
];

/// `identity` and `black_box` imported from std and called by their bare name.
pub const STD_IDENTITY_FNS: &[&str] = &["identity", "black_box"];

/// Functions of `std::mem` that move the value out of their `&mut` argument
/// (`mem::take(&mut x)`), `replace` putting its second argument in its place.
pub const MEM_MOVE_OUT: &[&str] = &["take", "replace"];

/// Functions that end their argument: `drop(g)`, `mem::drop(g)`, `mem::forget(g)`.
pub const MEM_END: &[&str] = &["drop", "forget"];

/// A type that is not `Sync`: a shared reference to one is not `Send`, and neither
/// is a future that holds it (`&self` of a type with a `RefCell` field).
pub struct NotSyncRow {
    /// The path after the std root.
    pub path: &'static [&'static str],
    /// Whether the name alone says it (no other common type has it).
    pub by_name: bool,
    pub why: &'static str,
}

pub const NOT_SYNC_TYPES: &[NotSyncRow] = &[
    NotSyncRow {
        path: &["cell", "RefCell"],
        by_name: true,
        why: "`RefCell` is not `Sync` (docs.rs/std/cell/struct.RefCell.html)",
    },
    NotSyncRow {
        path: &["cell", "Cell"],
        by_name: true,
        why: "`Cell` is not `Sync` (docs.rs/std/cell/struct.Cell.html)",
    },
    NotSyncRow {
        path: &["cell", "UnsafeCell"],
        by_name: true,
        why: "`UnsafeCell` is not `Sync`",
    },
    NotSyncRow {
        path: &["cell", "OnceCell"],
        by_name: false,
        why: "`cell::OnceCell` is not `Sync` (`OnceLock` is)",
    },
    NotSyncRow {
        path: &["rc", "Rc"],
        by_name: true,
        why: "`Rc` is neither `Send` nor `Sync`",
    },
    NotSyncRow {
        path: &["rc", "Weak"],
        by_name: false,
        why: "`rc::Weak` is neither `Send` nor `Sync`",
    },
    NotSyncRow {
        path: &["sync", "mpsc", "Receiver"],
        by_name: false,
        why: "`mpsc::Receiver` is not `Sync` (docs.rs/std/sync/mpsc/struct.Receiver.html)",
    },
];

/// Fns that run a future on other threads, so it must be `Send` (their signatures
/// say `F: Future + Send + 'static`), by path.
pub const SEND_SPAWNERS: &[&[&str]] = &[
    &["tokio", "spawn"],
    &["tokio", "task", "spawn"],
    &["async_std", "task", "spawn"],
    &["smol", "spawn"],
    &["async_global_executor", "spawn"],
];

/// Look-alikes: calls that read like a lock or a borrow and are not.
pub struct LookAlikeRow {
    pub what: &'static str,
    pub why: &'static str,
}

pub const LOOK_ALIKES: &[LookAlikeRow] = &[
    LookAlikeRow {
        what: "std::fs::File::lock",
        why: "returns `io::Result<()>`: the file lock is not a guard (docs.rs/std/fs/struct.File.html#method.lock)",
    },
    LookAlikeRow {
        what: "std::borrow::Borrow::borrow",
        why: "returns a plain reference, not a `RefCell` guard",
    },
    LookAlikeRow {
        what: "std::io::Stdout::lock",
        why: "a `StdoutLock` is a reentrant lock's guard, `!Send` (only `future_not_send` reports it), not a lock guard of a shared lock",
    },
    LookAlikeRow {
        what: "tokio::sync::Mutex::lock",
        why: "awaited (`.lock().await`): an async lock, made to be held across awaits",
    },
];

/// The std streams whose `lock()` is a look-alike: (function, the lock type's name).
pub const STD_STREAMS: &[(&str, &str)] = &[
    ("stdout", "Stdout"),
    ("stderr", "Stderr"),
    ("stdin", "Stdin"),
];
