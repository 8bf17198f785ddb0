//! The hazard table's rows for other crates' types that lend out guards of a lock
//! inside them (a sharded map's shard lock, a watch channel's value lock): the
//! types, their guard-returning methods, the guards and how one turns into another,
//! each with the documentation that says why. Part of `table` (re-exported there).

use super::table::LockMethodRow;
use super::{Family, Layer, LockKind};

/// A type of another crate whose methods lend out a guard of a lock inside it: a
/// sharded map's shard lock, a watch channel's value lock. Known by its path (the
/// crate, an optional module the path must go through, the name); its guard-returning
/// methods are rows of `LENDER_METHODS`, its guards rows of `LENDER_GUARDS`.
pub struct LenderRow {
    pub krate: &'static str,
    /// A module segment the path must contain, where the name alone is ambiguous in
    /// the crate (`watch` for tokio's `Receiver`).
    pub module: Option<&'static str>,
    pub name: &'static str,
    pub kind: LockKind,
    pub why: &'static str,
}

pub const LENDERS: &[LenderRow] = &[
    LenderRow {
        krate: "dashmap",
        module: None,
        name: "DashMap",
        kind: LockKind::ShardedMap,
        why: "each shard is a `RwLock`; `get`/`get_mut`/`entry`/`iter` return guards of it: \"May deadlock if called when holding any sort of reference into the map\" (docs.rs/dashmap/latest/dashmap/struct.DashMap.html#method.get), the async deadlock of dashmap issues #79 and #348",
    },
    LenderRow {
        krate: "dashmap",
        module: None,
        name: "DashSet",
        kind: LockKind::ShardedSet,
        why: "a `DashMap<K, ()>`: `get` and `iter` hold a shard's read lock (docs.rs/dashmap/latest/dashmap/struct.DashSet.html#method.get)",
    },
    LenderRow {
        krate: "tokio",
        module: Some("watch"),
        name: "Receiver",
        kind: LockKind::Watch,
        why: "`borrow`/`borrow_and_update` return a `Ref` holding a read lock on the value: \"the returned `Ref` type [must be] never held alive across an `.await` point, otherwise, it can lead to a deadlock\" (docs.rs/tokio/latest/tokio/sync/watch/struct.Receiver.html#method.borrow)",
    },
    LenderRow {
        krate: "tokio",
        module: Some("watch"),
        name: "Sender",
        kind: LockKind::Watch,
        why: "`Sender::borrow` returns the same `Ref`, with the same warning (docs.rs/tokio/latest/tokio/sync/watch/struct.Sender.html#method.borrow)",
    },
];

const SHARDED_MAP: &[LockKind] = &[LockKind::ShardedMap];
const SHARDED_SET: &[LockKind] = &[LockKind::ShardedSet];
const WATCH: &[LockKind] = &[LockKind::Watch];

/// The guard-returning methods of the lenders, the guard named by its full path.
/// `view`, `alter`, `alter_all`, `contains_key`, `insert` and `remove` take and
/// release the shard lock inside the call and return no guard (dashmap's
/// `src/lib.rs`, 6.x): they are the way to read a value without holding one.
pub const LENDER_METHODS: &[LockMethodRow] = &[
    LockMethodRow {
        family: Family::Lender,
        kinds: SHARDED_MAP,
        methods: &["get"],
        guard: "dashmap::mapref::one::Ref",
        wrapper: Some(Layer::Option),
    },
    LockMethodRow {
        family: Family::Lender,
        kinds: SHARDED_MAP,
        methods: &["get_mut"],
        guard: "dashmap::mapref::one::RefMut",
        wrapper: Some(Layer::Option),
    },
    // `TryResult<Ref>` (docs.rs/dashmap/latest/dashmap/try_result/enum.TryResult.html):
    // `Present(r)` holds it, as `Some(r)` would.
    LockMethodRow {
        family: Family::Lender,
        kinds: SHARDED_MAP,
        methods: &["try_get"],
        guard: "dashmap::mapref::one::Ref",
        wrapper: Some(Layer::Option),
    },
    LockMethodRow {
        family: Family::Lender,
        kinds: SHARDED_MAP,
        methods: &["try_get_mut"],
        guard: "dashmap::mapref::one::RefMut",
        wrapper: Some(Layer::Option),
    },
    LockMethodRow {
        family: Family::Lender,
        kinds: SHARDED_MAP,
        methods: &["entry"],
        guard: "dashmap::mapref::entry::Entry",
        wrapper: None,
    },
    LockMethodRow {
        family: Family::Lender,
        kinds: SHARDED_MAP,
        methods: &["try_entry"],
        guard: "dashmap::mapref::entry::Entry",
        wrapper: Some(Layer::Option),
    },
    LockMethodRow {
        family: Family::Lender,
        kinds: SHARDED_MAP,
        methods: &["iter"],
        guard: "dashmap::iter::Iter",
        wrapper: None,
    },
    LockMethodRow {
        family: Family::Lender,
        kinds: SHARDED_MAP,
        methods: &["iter_mut"],
        guard: "dashmap::iter::IterMut",
        wrapper: None,
    },
    LockMethodRow {
        family: Family::Lender,
        kinds: SHARDED_SET,
        methods: &["get"],
        guard: "dashmap::setref::one::Ref",
        wrapper: Some(Layer::Option),
    },
    LockMethodRow {
        family: Family::Lender,
        kinds: SHARDED_SET,
        methods: &["iter"],
        guard: "dashmap::iter_set::Iter",
        wrapper: None,
    },
    LockMethodRow {
        family: Family::Lender,
        kinds: WATCH,
        methods: &["borrow", "borrow_and_update"],
        guard: "tokio::sync::watch::Ref",
        wrapper: None,
    },
];

/// A guard a lender hands out, by its full path; `module` must be on the path a
/// user writes for it (dashmap re-exports its entries at the root: `dashmap::Entry`).
pub struct LenderGuardRow {
    pub path: &'static str,
    /// A module segment that tells it from a same-named guard of the crate.
    pub module: Option<&'static str>,
    /// Whether a future holding it can still be `Send`.
    pub send: bool,
    /// The diagnostic's note, in place of the lint's.
    pub note: &'static str,
    /// How the help ends, in place of the lint's `instead`.
    pub instead: &'static str,
    pub why: &'static str,
}

impl LenderGuardRow {
    /// The crate its path starts with (`dashmap` of `dashmap::mapref::one::Ref`).
    pub fn krate(&self) -> &'static str {
        // A path's colons come in `::` pairs: splitting at one finds the same ends
        // as splitting at `::`, without building a substring searcher each time
        // (the analysis asks about every type name it meets).
        self.path.split(':').next().unwrap_or_default()
    }

    /// The guard's own name, its path's last segment (`Ref`).
    pub fn name(&self) -> &'static str {
        self.path.rsplit(':').next().unwrap_or_default()
    }
}

const DASHMAP_NOTE: &str = "a DashMap reference holds its shard's lock: another task that touches that shard blocks its thread, and the task holding it may never run again to release it";
const DASHMAP_INSTEAD: &str = "or clone the value out first (`map.get(&k).map(|r| r.clone())`), read it inside `map.view(&k, |_, v| ..)` or change it with `map.alter(..)`, or use an async-aware map";
const DASHMAP_SEND: &str = "`unsafe impl Send` when the key and value are `Sync` (dashmap's `src/mapref/one.rs`): the future stays `Send`, the deadlock does not go";

pub const LENDER_GUARDS: &[LenderGuardRow] = &[
    LenderGuardRow {
        path: "dashmap::mapref::one::Ref",
        module: Some("mapref"),
        send: true,
        note: DASHMAP_NOTE,
        instead: DASHMAP_INSTEAD,
        why: DASHMAP_SEND,
    },
    LenderGuardRow {
        path: "dashmap::mapref::one::RefMut",
        module: Some("mapref"),
        send: true,
        note: DASHMAP_NOTE,
        instead: DASHMAP_INSTEAD,
        why: DASHMAP_SEND,
    },
    LenderGuardRow {
        path: "dashmap::mapref::one::MappedRef",
        module: None,
        send: true,
        note: DASHMAP_NOTE,
        instead: DASHMAP_INSTEAD,
        why: "`Ref::map` keeps the shard's guard (dashmap's `src/mapref/one.rs`)",
    },
    LenderGuardRow {
        path: "dashmap::mapref::one::MappedRefMut",
        module: None,
        send: true,
        note: DASHMAP_NOTE,
        instead: DASHMAP_INSTEAD,
        why: "`RefMut::map` keeps the shard's guard",
    },
    LenderGuardRow {
        path: "dashmap::mapref::multiple::RefMulti",
        module: Some("mapref"),
        send: true,
        note: DASHMAP_NOTE,
        instead: DASHMAP_INSTEAD,
        why: "an iterator's item: an `Arc` of the shard's read guard (dashmap's `src/mapref/multiple.rs`)",
    },
    LenderGuardRow {
        path: "dashmap::mapref::multiple::RefMutMulti",
        module: Some("mapref"),
        send: true,
        note: DASHMAP_NOTE,
        instead: DASHMAP_INSTEAD,
        why: "`iter_mut`'s item: an `Arc` of the shard's write guard",
    },
    LenderGuardRow {
        path: "dashmap::mapref::entry::Entry",
        module: None,
        send: true,
        note: DASHMAP_NOTE,
        instead: DASHMAP_INSTEAD,
        why: "both variants hold the shard's write guard (dashmap's `src/mapref/entry.rs`); `entry` \"May deadlock if called when holding any sort of reference into the map\"",
    },
    LenderGuardRow {
        path: "dashmap::mapref::entry::OccupiedEntry",
        module: None,
        send: true,
        note: DASHMAP_NOTE,
        instead: DASHMAP_INSTEAD,
        why: "holds the shard's write guard",
    },
    LenderGuardRow {
        path: "dashmap::mapref::entry::VacantEntry",
        module: None,
        send: true,
        note: DASHMAP_NOTE,
        instead: DASHMAP_INSTEAD,
        why: "holds the shard's write guard",
    },
    LenderGuardRow {
        path: "dashmap::iter::Iter",
        module: Some("iter"),
        send: true,
        note: DASHMAP_NOTE,
        instead: DASHMAP_INSTEAD,
        why: "holds the current shard's read guard between items (dashmap's `src/iter.rs`)",
    },
    LenderGuardRow {
        path: "dashmap::iter::IterMut",
        module: Some("iter"),
        send: true,
        note: DASHMAP_NOTE,
        instead: DASHMAP_INSTEAD,
        why: "holds the current shard's write guard between items",
    },
    LenderGuardRow {
        path: "dashmap::setref::one::Ref",
        module: Some("setref"),
        send: true,
        note: DASHMAP_NOTE,
        instead: DASHMAP_INSTEAD,
        why: "a `DashSet`'s reference: the shard's read guard (dashmap's `src/setref/one.rs`)",
    },
    LenderGuardRow {
        path: "dashmap::setref::multiple::RefMulti",
        module: Some("setref"),
        send: true,
        note: DASHMAP_NOTE,
        instead: DASHMAP_INSTEAD,
        why: "a `DashSet` iterator's item",
    },
    LenderGuardRow {
        path: "dashmap::iter_set::Iter",
        module: Some("iter_set"),
        send: true,
        note: DASHMAP_NOTE,
        instead: DASHMAP_INSTEAD,
        why: "a `DashSet`'s iterator: the current shard's read guard",
    },
    LenderGuardRow {
        path: "tokio::sync::watch::Ref",
        module: Some("watch"),
        send: false,
        note: "a `watch::Ref` holds the channel's read lock: a `send` waits for it, blocking its thread, and the task holding it may never run again to release it",
        instead: "or clone the value out first (`rx.borrow().clone()`), or read it in a block that ends before the await",
        why: "a `RwLockReadGuard` of std (or parking_lot) inside: `!Send`; tokio's docs: never hold it across an `.await` (docs.rs/tokio/latest/tokio/sync/watch/struct.Ref.html)",
    },
];

/// A method of a lender's guard that takes it by value and returns another guard
/// of the same lock (dashmap's `src/mapref/entry.rs`, `src/mapref/one.rs`,
/// `src/iter.rs`). A lender guard's other methods (`key`, `value`, `pair`,
/// `get`) borrow it and return plain references.
pub struct LenderTransitionRow {
    pub from: &'static [&'static str],
    pub methods: &'static [&'static str],
    pub to: &'static str,
    pub wrapper: Option<Layer>,
}

const ENTRIES: &[&str] = &[
    "dashmap::mapref::entry::Entry",
    "dashmap::mapref::entry::VacantEntry",
];

pub const LENDER_TRANSITIONS: &[LenderTransitionRow] = &[
    LenderTransitionRow {
        from: &["dashmap::mapref::entry::Entry"],
        methods: &["or_default", "or_insert", "or_insert_with", "insert"],
        to: "dashmap::mapref::one::RefMut",
        wrapper: None,
    },
    LenderTransitionRow {
        from: &["dashmap::mapref::entry::Entry"],
        methods: &["or_try_insert_with"],
        to: "dashmap::mapref::one::RefMut",
        wrapper: Some(Layer::Result),
    },
    LenderTransitionRow {
        from: &["dashmap::mapref::entry::Entry"],
        methods: &["and_modify"],
        to: "dashmap::mapref::entry::Entry",
        wrapper: None,
    },
    LenderTransitionRow {
        from: ENTRIES,
        methods: &["insert_entry"],
        to: "dashmap::mapref::entry::OccupiedEntry",
        wrapper: None,
    },
    LenderTransitionRow {
        from: &["dashmap::mapref::entry::VacantEntry"],
        methods: &["insert"],
        to: "dashmap::mapref::one::RefMut",
        wrapper: None,
    },
    LenderTransitionRow {
        from: &["dashmap::mapref::entry::OccupiedEntry"],
        methods: &["into_ref"],
        to: "dashmap::mapref::one::RefMut",
        wrapper: None,
    },
    LenderTransitionRow {
        from: &["dashmap::mapref::one::RefMut"],
        methods: &["downgrade"],
        to: "dashmap::mapref::one::Ref",
        wrapper: None,
    },
    LenderTransitionRow {
        from: &[
            "dashmap::mapref::one::Ref",
            "dashmap::mapref::one::MappedRef",
        ],
        methods: &["map"],
        to: "dashmap::mapref::one::MappedRef",
        wrapper: None,
    },
    LenderTransitionRow {
        from: &[
            "dashmap::mapref::one::RefMut",
            "dashmap::mapref::one::MappedRefMut",
        ],
        methods: &["map"],
        to: "dashmap::mapref::one::MappedRefMut",
        wrapper: None,
    },
];
