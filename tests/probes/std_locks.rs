//! Runtime probes behind the `compiler-differs` markers of fixtures/send/what_rustc_sees.rs,
//! fixtures/resolution/paths.rs and fixtures/std_apis/owned_values.rs.
//! expect: used_then_dropped: suspended = true, locked = false
//! expect: via_impl_deref_helper: suspended = true, locked = true
//! expect: iterator_of_guards: suspended = true, locked = true

#[path = "poll.rs"]
mod poll;

use std::ops::Deref;
use std::sync::Mutex;

use poll::{probe, tick};

// clippy reports the guard (rust-clippy#6446); it is dropped before the await.
async fn used_then_dropped(m: &Mutex<Vec<u32>>) {
    let mut g = m.lock().unwrap();
    g.push(1);
    drop(g);
    tick().await;
}

fn deref_guard(m: &Mutex<u32>) -> impl Deref<Target = u32> + '_ {
    m.lock().unwrap()
}

// clippy does not see a guard behind `impl Deref`.
async fn via_impl_deref_helper(s: &Mutex<u32>) {
    let _g = deref_guard(s);
    tick().await;
}

// clippy does not look inside `Vec`.
async fn iterator_of_guards(locks: &[Mutex<u32>]) {
    let _first: Vec<_> = locks.iter().map(|m| m.lock().unwrap()).take(1).collect();
    tick().await;
}

fn main() {
    let m = Mutex::new(vec![]);
    probe("used_then_dropped", used_then_dropped(&m), &m);
    let m = Mutex::new(0);
    probe("via_impl_deref_helper", via_impl_deref_helper(&m), &m);
    let ms = [Mutex::new(0), Mutex::new(1)];
    probe("iterator_of_guards", iterator_of_guards(&ms), &ms[0]);
}
