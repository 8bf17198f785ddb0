//! `cargo yieldsafe [ARGS] [-- LINT FLAGS]`: cargo runs `cargo-yieldsafe yieldsafe
//! [ARGS]`. This takes the arguments as `cargo clippy` takes them and runs the
//! `yieldsafe` binary installed next to it with the same meaning in its words: the
//! package of the current directory (the nearest `Cargo.toml`, as cargo finds it) unless
//! `--manifest-path` names one, cargo's `-F`/`--features` and `--exclude` as yieldsafe's
//! `--features` and `--exclude-package` (yieldsafe's `-F` is `--forbid`, its
//! `--exclude` a glob), and the lint flags after `--` (`cargo yieldsafe -- -D
//! warnings`) last, where they win. Every other argument (`--workspace`, `-p`, the
//! target flags, `--message-format`, and yieldsafe's own) is yieldsafe's too and
//! passes as it is; an unknown one is named by yieldsafe.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    let mut args: Vec<OsString> = std::env::args_os().skip(1).collect();
    if args.first().is_some_and(|a| a == "yieldsafe") {
        args.remove(0);
    }
    let mut args = match translate(args) {
        Ok(args) => args,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    if !names_manifest(&args) && !only_asks_about_the_tool(&args) {
        let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
        match yieldsafe::input::cargo::nearest_manifest(&cwd) {
            // In front: after a PATH or a flag's value it would read as another.
            Some(manifest) => {
                let manifest = relative_to(&manifest, &cwd);
                args.splice(0..0, [OsString::from("--manifest-path"), manifest.into()]);
            }
            None => {
                eprintln!(
                    "error: could not find `Cargo.toml` in `{}` or any parent directory",
                    cwd.display()
                );
                return ExitCode::from(2);
            }
        }
    }
    run(Command::new(yieldsafe_binary()).args(&args))
}

/// cargo's arguments in yieldsafe's words: `-F X`/`--features X` → `--features X`,
/// `--exclude X` → `--exclude-package X`, and what follows `--` (lint level flags
/// only, as clippy takes them) moved to the end.
fn translate(args: Vec<OsString>) -> Result<Vec<OsString>, String> {
    let mut out = Vec::with_capacity(args.len());
    let mut lint_flags = Vec::new();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let Some(text) = arg.to_str() else {
            out.push(arg);
            continue;
        };
        if text == "--" {
            lint_flags = lint_flags_after_dashes(args.by_ref().collect())?;
            break;
        }
        let renamed = match text {
            "-F" => Some("--features".to_owned()),
            "--exclude" => Some("--exclude-package".to_owned()),
            _ if text.starts_with("--exclude=") => {
                Some(text.replacen("--exclude=", "--exclude-package=", 1))
            }
            _ if text.starts_with("-F") && !text.starts_with("--") => {
                Some(format!("--features={}", &text[2..]))
            }
            _ => None,
        };
        out.push(renamed.map_or(arg, OsString::from));
    }
    out.extend(lint_flags);
    Ok(out)
}

/// What `cargo clippy -- ...` passes to clippy: lint levels, `-W LINT`, `-Dwarnings`,
/// `--deny=LINT`... Anything else there is an error: `--` does not take PATHs.
fn lint_flags_after_dashes(rest: Vec<OsString>) -> Result<Vec<OsString>, String> {
    const SHORT: [&str; 4] = ["-W", "-A", "-D", "-F"];
    const LONG: [&str; 4] = ["--warn", "--allow", "--deny", "--forbid"];
    let mut out = Vec::new();
    let mut rest = rest.into_iter();
    while let Some(arg) = rest.next() {
        let text = arg.to_string_lossy().into_owned();
        let flag = SHORT.iter().chain(&LONG).find(|f| {
            text == **f
                || text.starts_with(*f) && (f.len() == 2 || text[f.len()..].starts_with('='))
        });
        match flag {
            Some(flag) if text == *flag => {
                let lint = rest
                    .next()
                    .ok_or_else(|| format!("`{flag}` after `--` needs a lint name"))?;
                // `-F` is forbid here, as for clippy; yieldsafe's own spelling is unambiguous.
                out.push(OsString::from(long_of(flag)));
                out.push(lint);
            }
            Some(flag) => {
                let lint = text[flag.len()..].trim_start_matches('=');
                out.push(OsString::from(format!("{}={lint}", long_of(flag))));
            }
            None => {
                return Err(format!(
                    "`{text}` after `--`: only lint level flags go there (`-W`, `-A`, `-D`, `-F` and a lint, as for `cargo clippy`); give PATHs and other flags before `--`"
                ))
            }
        }
    }
    Ok(out)
}

/// The long form of a lint level flag.
fn long_of(flag: &str) -> &'static str {
    match flag {
        "-W" | "--warn" => "--warn",
        "-A" | "--allow" => "--allow",
        "-D" | "--deny" => "--deny",
        _ => "--forbid",
    }
}

fn names_manifest(args: &[OsString]) -> bool {
    args.iter().any(|a| {
        let a = a.to_string_lossy();
        a == "--manifest-path" || a.starts_with("--manifest-path=")
    })
}

/// `--help`, `--version`, `--list-lints`, `--explain`: no project needed.
fn only_asks_about_the_tool(args: &[OsString]) -> bool {
    args.iter().any(|a| {
        let a = a.to_string_lossy();
        matches!(
            a.as_ref(),
            "-h" | "--help" | "-V" | "--version" | "--list-lints" | "--explain"
        ) || a.starts_with("--explain=")
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    fn words(args: &[&str]) -> Result<Vec<String>, String> {
        translate(args.iter().map(OsString::from).collect()).map(|v| {
            v.into_iter()
                .map(|a| a.to_string_lossy().into_owned())
                .collect()
        })
    }

    #[test]
    fn cargo_words_become_yieldsafe_words() {
        assert_eq!(
            words(&[
                "-F",
                "a,b",
                "-Fc",
                "--exclude",
                "x",
                "--exclude=y",
                "--",
                "-D",
                "warnings",
                "-Aclippy::x"
            ]),
            Ok([
                "--features",
                "a,b",
                "--features=c",
                "--exclude-package",
                "x",
                "--exclude-package=y",
                "--deny",
                "warnings",
                "--allow=clippy::x"
            ]
            .map(String::from)
            .to_vec())
        );
        // Lint flags come last, wherever `--` is, so that they win as in clippy.
        assert_eq!(
            words(&["--workspace", "--", "--deny=warnings", "-F", "x"]),
            Ok(["--workspace", "--deny=warnings", "--forbid", "x"]
                .map(String::from)
                .to_vec())
        );
        let e = words(&["--", "src/lib.rs"]).expect_err("a path after --");
        assert!(e.contains("`src/lib.rs` after `--`"), "{e}");
        assert!(words(&["--", "-D"]).is_err());
    }
}
