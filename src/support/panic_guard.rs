//! Catching a panic in one file's check without printing it.
//!
//! A bug in the analysis must not abort the run nor print Rust's panic message: the
//! file is reported as an internal error (with where the panic happened) and the other
//! files are still checked. A process-wide panic hook, installed once, stays silent for
//! panics raised inside [`catch`] on the same thread and passes every other panic to
//! the hook that was installed before it (Rust's default one, or a fuzzer's).
//! `YIELDSAFE_BACKTRACE=1` in the environment makes caught panics print as usual too
//! (with `RUST_BACKTRACE=1`, with their backtrace), to debug one.

use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

thread_local! {
    /// Inside `catch` on this thread.
    static QUIET: Cell<bool> = const { Cell::new(false) };
    /// Where the last silenced panic on this thread happened.
    static LOCATION: Cell<Option<String>> = const { Cell::new(None) };
}

/// A panic caught by [`catch`].
#[derive(Debug, Clone)]
pub struct Caught {
    /// The panic's message, when it has a text one.
    pub message: String,
    /// `file:line:column` of the panic, when the hook saw it.
    pub location: Option<String>,
}

impl std::fmt::Display for Caught {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.location {
            Some(at) => write!(f, "{} at {at}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// Run `f`, turning a panic into `Err` without printing anything.
pub fn catch<R>(f: impl FnOnce() -> R) -> Result<R, Caught> {
    install_hook();
    let was_quiet = QUIET.with(|q| q.replace(true));
    LOCATION.with(|l| l.take());
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    QUIET.with(|q| q.set(was_quiet));
    result.map_err(|payload| Caught {
        message: payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic without a message".into()),
        location: LOCATION.with(|l| l.take()),
    })
}

fn install_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = panic::take_hook();
        let verbose = std::env::var_os("YIELDSAFE_BACKTRACE").is_some_and(|v| v != "0");
        panic::set_hook(Box::new(move |info| {
            let quiet = QUIET.try_with(|q| q.get()).unwrap_or(false);
            if quiet && !verbose {
                let _ = LOCATION.try_with(|l| l.set(info.location().map(|at| at.to_string())));
            } else {
                previous(info);
            }
        }));
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_caught_panic_gives_its_message_and_place() {
        let caught = catch(|| -> u32 { panic!("boom {}", 7) }).unwrap_err();
        assert_eq!(caught.message, "boom 7");
        let at = caught.location.expect("the hook saw the panic");
        assert!(at.starts_with("src/support/panic_guard.rs:"), "{at}");
        assert_eq!(catch(|| 5).unwrap(), 5);
    }

    #[test]
    fn nested_catches_restore_the_outer_state() {
        let outer = catch(|| {
            let inner = catch(|| panic!("inner"));
            assert!(inner.is_err());
            QUIET.with(|q| q.get())
        });
        assert!(outer.unwrap());
        assert!(!QUIET.with(|q| q.get()));
    }
}
