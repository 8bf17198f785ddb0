//! Which lock and cell families a file refers to, from its imports and paths: what
//! decides a call on a receiver whose type cannot be told (`m.lock().unwrap()` is
//! std's unless the file gives reason to doubt it).

use super::families::{is_async_crate, is_parking_lot_crate, is_std_root};

/// Which lock and cell families a file refers to; decides the unknown-receiver case.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LockEvidence {
    pub std_lock: bool,
    pub parking_lot: bool,
    pub async_lock: bool,
    pub refcell: bool,
    /// `std::borrow::Borrow` is imported: `.borrow()` may be that trait's.
    pub borrow_trait: bool,
    pub borrow_mut_trait: bool,
    /// `std::fs::File` is used: `.lock()` may be `File::lock`.
    pub std_file_lock: bool,
    /// The file uses `tracing`.
    pub tracing: bool,
    /// The first crate of the parking_lot family the file refers to (`spin`), whose
    /// paths name a guard of a lock of unknown type.
    pub blocking_crate: Option<&'static str>,
}

/// The imported names whose origin is evidence of a lock family (`note_path`).
pub const EVIDENCE_NAMES: &[&str] = &[
    "Mutex",
    "RwLock",
    "MutexGuard",
    "RwLockReadGuard",
    "RwLockWriteGuard",
    "RefCell",
    "Ref",
    "RefMut",
    "Borrow",
    "BorrowMut",
    "File",
];

pub fn note_path(ev: &mut LockEvidence, path: &[String]) {
    let Some(root) = path.first().map(String::as_str) else {
        return;
    };
    let last = path.last().map(String::as_str).unwrap_or("");
    let mentions_lock = path.iter().any(|s| {
        matches!(
            s.as_str(),
            "Mutex" | "RwLock" | "MutexGuard" | "RwLockReadGuard" | "RwLockWriteGuard" | "sync"
        )
    });
    match root {
        r if is_std_root(r) => {
            if path.iter().any(|s| s == "sync") && (mentions_lock || path.len() == 2) {
                ev.std_lock |= last != "Arc"
                    && last != "atomic"
                    && !path.iter().any(|s| s == "atomic" || s == "mpsc");
            }
            if path.iter().any(|s| s == "cell") {
                ev.refcell |= true;
            }
            if path.iter().any(|s| s == "borrow") {
                ev.borrow_trait |= last == "Borrow" || path.len() == 2;
                ev.borrow_mut_trait |= last == "BorrowMut" || path.len() == 2;
            }
            if path.iter().any(|s| s == "fs") {
                ev.std_file_lock = true;
            }
        }
        r if is_parking_lot_crate(r) => {
            ev.parking_lot = true;
            ev.blocking_crate = ev
                .blocking_crate
                .or(super::families::crate_row(r).map(|c| c.root));
        }
        r if is_async_crate(r) && mentions_lock => ev.async_lock = true,
        _ => {}
    }
}
