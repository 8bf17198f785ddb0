//! What every runtime probe shares: a future that suspends once, and a poll with a
//! no-op waker that reports, at the first suspension, whether a lock is held.

use std::future::Future;
use std::pin::pin;
use std::sync::Mutex;
use std::task::{Context, Poll, Waker};

/// Suspends once, then is ready: an `.await` on it is a real suspension.
pub struct Suspend(bool);

impl Future for Suspend {
    type Output = ();
    fn poll(mut self: std::pin::Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            Poll::Pending
        }
    }
}

pub fn tick() -> Suspend {
    Suspend(false)
}

/// Polls `f` once and prints whether it suspended and whether `m` was locked then.
pub fn probe<F: Future, T>(name: &str, f: F, m: &Mutex<T>) {
    let mut f = pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    let pending = f.as_mut().poll(&mut cx).is_pending();
    println!("{name}: suspended = {pending}, locked = {}", m.try_lock().is_err());
}
