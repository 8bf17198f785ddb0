//! Runtime probes behind the `compiler-differs` markers of
//! fixtures/macro_rules/expansion.rs: clippy and must_not_suspend place these guards in
//! the macro's body, yieldsafe at the call; either way the lock is held at the await.
//! expect: statement_let: suspended = true, locked = true
//! expect: statement_let_scoped: suspended = true, locked = false
//! expect: scrutinee_guard: suspended = true, locked = true

#[path = "poll.rs"]
mod poll;

use std::sync::Mutex;

use poll::{probe, tick};

macro_rules! enter {
    ($m:expr) => {
        let _section = $m.lock().unwrap();
    };
}

// The `let` the macro writes lives to the end of the caller's block.
async fn statement_let(m: &Mutex<u32>) {
    enter!(m);
    tick().await;
}

async fn statement_let_scoped(m: &Mutex<u32>) {
    {
        enter!(m);
    }
    tick().await;
}

macro_rules! dispatch {
    ($m:expr, { $($p:pat => $body:expr),* $(,)? }) => {
        match *$m.lock().unwrap() {
            $($p => $body,)*
        }
    };
}

// The scrutinee's guard lives through the arm that awaits.
async fn scrutinee_guard(m: &Mutex<u32>) {
    dispatch!(m, { 0 => tick().await, _ => () });
}

fn main() {
    let m = Mutex::new(0);
    probe("statement_let", statement_let(&m), &m);
    let m = Mutex::new(0);
    probe("statement_let_scoped", statement_let_scoped(&m), &m);
    let m = Mutex::new(0);
    probe("scrutinee_guard", scrutinee_guard(&m), &m);
}
