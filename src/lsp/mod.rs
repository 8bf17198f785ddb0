//! `yieldsafe lsp`: a language server over stdio that checks what the editor has,
//! unsaved, as it is typed, beside rust-analyzer. On rust-analyzer's own scaffold
//! (`lsp-server`, `lsp-types`): a synchronous loop fits checks that take
//! milliseconds and must see every edit in order, with no async runtime.
//!
//! It pushes diagnostics on open and on change (debounced), offers each finding's
//! fixes and "allow this lint here" as quick fixes, re-reads a package when its
//! files or configuration change on disk, and keeps each package's index warm
//! (`driver::PackageIndex`), open buffers in place of their files. The top layer:
//! only `main.rs` uses it.

mod actions;
mod allow;
mod convert;
mod documents;
mod position;
mod server;
mod workspace;

pub use server::serve;

/// Why the server stopped other than by `shutdown` then `exit`.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("language server protocol: {0}")]
    Protocol(#[from] lsp_server::ProtocolError),
    #[error("invalid message: {0}")]
    Json(#[from] serde_json::Error),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("the client closed the connection without `exit`")]
    Disconnected,
    #[error("the client sent `exit` before `shutdown`")]
    ExitWithoutShutdown,
    #[error("internal error: the server stopped on a panic; please report this at the yieldsafe issue tracker")]
    Panicked,
}

/// Serve the client on stdin and stdout until it says `exit`.
pub fn serve_stdio() -> Result<(), ServeError> {
    let (connection, io_threads) = lsp_server::Connection::stdio();
    // The checks recurse once per nesting level, as a run's workers do.
    let server = std::thread::Builder::new()
        .name("yieldsafe-lsp".to_string())
        .stack_size(crate::driver::WORKER_STACK)
        .spawn(move || serve(connection))?;
    let outcome = server.join().map_err(|_| ServeError::Panicked)?;
    io_threads.join()?;
    outcome
}
