//! Runtime probes behind the `compiler-differs` markers of
//! fixtures/async_macros/tokio_select.rs.
//! extern: tokio
//! expect: unbound_output: suspended = true, locked = true
//! expect: across_iterations: suspended = true, locked = true

#[path = "poll.rs"]
mod poll;

use std::sync::{Mutex, MutexGuard};

use poll::{probe, tick};

async fn ready() {}

async fn lock_later(m: &Mutex<u32>) -> MutexGuard<'_, u32> {
    m.lock().unwrap()
}

// The lints do not look inside tokio's `Out` enum: the output no pattern binds.
async fn unbound_output(m: &Mutex<u32>) {
    tokio::select! {
        _ = lock_later(m) => {
            tick().await;
        }
    }
}

// The lints do not look inside `Option`: kept from one iteration into the next wait.
async fn across_iterations(m: &Mutex<u32>) {
    let mut kept = None;
    let mut n = 0;
    loop {
        tokio::select! {
            _ = ready(), if n == 0 => {
                kept = Some(m.lock().unwrap());
                n += 1;
            }
            _ = tick() => break,
        }
    }
    drop(kept);
}

fn main() {
    let m = Mutex::new(0);
    probe("unbound_output", unbound_output(&m), &m);
    let m = Mutex::new(0);
    probe("across_iterations", across_iterations(&m), &m);
}
