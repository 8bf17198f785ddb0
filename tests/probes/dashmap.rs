//! Runtime probes behind the `compiler-differs` markers of fixtures/ecosystem/: clippy
//! and rustc know nothing of dashmap's guards or tokio's `watch::Ref`, so at the
//! suspension each probe asks the map (`try_get_mut`: locked if a reference into
//! the key's shard is alive) or the channel (`send_replace` from another thread:
//! blocked while a `watch::Ref` is alive).
//! extern: dashmap tokio
//! expect: get_held: suspended = true, locked = true
//! expect: get_cloned: suspended = true, locked = false
//! expect: entry_or_default_held: suspended = true, locked = true
//! expect: entry_statement: suspended = true, locked = false
//! expect: iter_loop: suspended = true, locked = true
//! expect: if_let_get_mut: suspended = true, locked = true
//! expect: view_inside: suspended = true, locked = false
//! expect: try_get_held: suspended = true, locked = true
//! expect: watch_borrow_held: suspended = true, locked = true
//! expect: watch_borrow_copied: suspended = true, locked = false

// Its `probe` watches a `std::sync::Mutex`; these probe a map and a channel.
#[allow(dead_code)]
#[path = "poll.rs"]
mod poll;

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Waker};
use std::time::Duration;

use dashmap::DashMap;
use poll::tick;
use tokio::sync::watch;

async fn get_held(map: &DashMap<u32, String>) {
    let r = map.get(&1);
    tick().await;
    drop(r);
}

async fn get_cloned(map: &DashMap<u32, String>) {
    let v = map.get(&1).map(|r| r.clone());
    tick().await;
    drop(v);
}

async fn entry_or_default_held(map: &DashMap<u32, String>) {
    let mut e = map.entry(1).or_default();
    e.push('x');
    tick().await;
}

async fn entry_statement(map: &DashMap<u32, String>) {
    map.entry(1).or_default().push('x');
    tick().await;
}

async fn iter_loop(map: &DashMap<u32, String>) {
    for r in map.iter() {
        let _ = r.key();
        tick().await;
    }
}

async fn if_let_get_mut(map: &DashMap<u32, String>) {
    if let Some(mut v) = map.get_mut(&1) {
        v.push('x');
        tick().await;
    }
}

async fn view_inside(map: &DashMap<u32, String>) {
    let n = map.view(&1, |_, v| v.len());
    tick().await;
    std::hint::black_box(n);
}

async fn try_get_held(map: &DashMap<u32, String>) {
    let r = map.try_get(&1);
    tick().await;
    drop(r);
}

async fn watch_borrow_held(rx: &watch::Receiver<u32>) {
    let v = rx.borrow();
    tick().await;
    drop(v);
}

async fn watch_borrow_copied(rx: &watch::Receiver<u32>) {
    let v = *rx.borrow();
    tick().await;
    std::hint::black_box(v);
}

/// Polls `f` once; at the suspension, whether key 1's shard is locked.
fn probe_map<F: Future>(name: &str, map: &DashMap<u32, String>, f: impl FnOnce() -> F) {
    let mut f = pin!(f());
    let mut cx = Context::from_waker(Waker::noop());
    let pending = f.as_mut().poll(&mut cx).is_pending();
    let locked = map.try_get_mut(&1).is_locked();
    println!("{name}: suspended = {pending}, locked = {locked}");
}

/// Polls `f` once; at the suspension, whether a send from another thread blocks
/// (it waits for the value's write lock while a `Ref` holds the read lock).
fn probe_watch<F: Future>(name: &str, tx: &watch::Sender<u32>, f: F) {
    let mut f = Box::pin(f);
    let mut cx = Context::from_waker(Waker::noop());
    let pending = f.as_mut().poll(&mut cx).is_pending();
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    std::thread::scope(|s| {
        s.spawn(move || {
            tx.send_replace(2);
            let _ = done_tx.send(());
        });
        let locked = done_rx.recv_timeout(Duration::from_millis(200)).is_err();
        println!("{name}: suspended = {pending}, locked = {locked}");
        // Drop the future, and with it the read lock, so the sender finishes.
        drop(f);
        let _ = done_rx.recv();
    });
}

fn main() {
    let fresh = || {
        let map = DashMap::new();
        map.insert(1, String::from("a"));
        map
    };
    let map = fresh();
    probe_map("get_held", &map, || get_held(&map));
    let map = fresh();
    probe_map("get_cloned", &map, || get_cloned(&map));
    let map = fresh();
    probe_map("entry_or_default_held", &map, || entry_or_default_held(&map));
    let map = fresh();
    probe_map("entry_statement", &map, || entry_statement(&map));
    let map = fresh();
    probe_map("iter_loop", &map, || iter_loop(&map));
    let map = fresh();
    probe_map("if_let_get_mut", &map, || if_let_get_mut(&map));
    let map = fresh();
    probe_map("view_inside", &map, || view_inside(&map));
    let map = fresh();
    probe_map("try_get_held", &map, || try_get_held(&map));
    let (tx, rx) = watch::channel(1);
    probe_watch("watch_borrow_held", &tx, watch_borrow_held(&rx));
    let (tx, rx) = watch::channel(1);
    probe_watch("watch_borrow_copied", &tx, watch_borrow_copied(&rx));
}
