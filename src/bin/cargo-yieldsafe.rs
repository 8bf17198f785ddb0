//! `cargo yieldsafe [ARGS]`: cargo runs `cargo-yieldsafe yieldsafe [ARGS]`. This drops
//! the subcommand's name, points `--manifest-path` at the workspace of the current
//! directory unless one is given (the nearest `Cargo.toml` with `[workspace]`, else the
//! nearest `Cargo.toml`), and runs the `yieldsafe` binary installed next to it, so the
//! two commands take the same arguments and behave the same.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    let mut args: Vec<OsString> = std::env::args_os().skip(1).collect();
    if args.first().is_some_and(|a| a == "yieldsafe") {
        args.remove(0);
    }
    let given = args.iter().any(|a| {
        let a = a.to_string_lossy();
        a == "--manifest-path" || a.starts_with("--manifest-path=")
    });
    if !given {
        if let Some(manifest) = std::env::current_dir().ok().and_then(|cwd| {
            yieldsafe::config::workspace_manifest(&cwd).map(|m| relative_to(&m, &cwd))
        }) {
            // In front: after a `--`, it would be read as a path.
            args.splice(0..0, [OsString::from("--manifest-path"), manifest.into()]);
        }
    }
    run(Command::new(yieldsafe_binary()).args(&args))
}

/// `manifest` (in an ancestor of `cwd`) as a path relative to `cwd`, so that reported
/// paths stay short and relative, as cargo's are.
fn relative_to(manifest: &Path, cwd: &Path) -> PathBuf {
    let Some(dir) = manifest.parent() else {
        return manifest.to_path_buf();
    };
    match cwd.strip_prefix(dir) {
        Ok(below) => {
            let mut rel: PathBuf = below.components().map(|_| "..").collect();
            rel.push("Cargo.toml");
            rel
        }
        Err(_) => manifest.to_path_buf(),
    }
}

/// The `yieldsafe` installed next to this binary (as `cargo install` puts them), else
/// the one on `PATH`.
fn yieldsafe_binary() -> PathBuf {
    let name = format!("yieldsafe{}", std::env::consts::EXE_SUFFIX);
    std::env::current_exe()
        .ok()
        .map(|exe| exe.with_file_name(&name))
        .filter(|p| p.is_file())
        .unwrap_or_else(|| PathBuf::from(name))
}

#[cfg(unix)]
fn run(command: &mut Command) -> ExitCode {
    use std::os::unix::process::CommandExt;
    // Replace this process: signals, stdin and the exit status are `yieldsafe`'s own.
    let e = command.exec();
    eprintln!(
        "error: cannot run `{}`: {e}",
        command.get_program().to_string_lossy()
    );
    ExitCode::from(2)
}

#[cfg(not(unix))]
fn run(command: &mut Command) -> ExitCode {
    match command.status() {
        Ok(status) => ExitCode::from(status.code().map_or(2, |c| c as u8)),
        Err(e) => {
            eprintln!(
                "error: cannot run `{}`: {e}",
                command.get_program().to_string_lossy()
            );
            ExitCode::from(2)
        }
    }
}
