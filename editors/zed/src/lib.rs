//! Zed runs the language servers its extensions name: this one names `yieldsafe
//! lsp`, the `yieldsafe` binary found on the worktree's PATH.

use zed_extension_api::{self as zed, LanguageServerId, Result, Worktree};

struct Yieldsafe;

impl zed::Extension for Yieldsafe {
    fn new() -> Self {
        Yieldsafe
    }

    fn language_server_command(
        &mut self,
        _id: &LanguageServerId,
        worktree: &Worktree,
    ) -> Result<zed::Command> {
        let command = worktree.which("yieldsafe").ok_or_else(|| {
            "`yieldsafe` is not on the PATH (cargo install --locked yieldsafe)".to_string()
        })?;
        Ok(zed::Command {
            command,
            args: vec!["lsp".to_string()],
            env: Vec::new(),
        })
    }
}

zed::register_extension!(Yieldsafe);
