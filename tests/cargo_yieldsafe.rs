//! `cargo yieldsafe`: the `cargo-yieldsafe` binary as cargo runs it (with `yieldsafe` as
//! its first argument), run directly and through cargo itself. It takes cargo's flags
//! as `cargo clippy` does, so the commands that rust-analyzer, cargo-watch, bacon and a
//! clippy CI job run work with the name swapped: the package of the current directory
//! (or `--workspace`, `-p`, `--manifest-path`), the files its targets reach, paths as
//! cargo prints them, lint flags after `--`, the exit status passed through.

use std::fs;
use std::io::Cursor;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use cargo_metadata::Message;
use serde_json::Value;

const HELD: &str = "use std::sync::Mutex;\nasync fn yield_now() {}\npub async fn f(m: &Mutex<u32>) {\n    let g = m.lock().unwrap();\n    yield_now().await;\n}\n";

/// A workspace with members `a` (with a test, an example and a stray template) and
/// `b`, each with one finding in its library, and a package `c` outside it.
fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let files = [
        ("ws/Cargo.toml", "[workspace]\nmembers = [\"a\", \"b\"]\n"),
        (
            "ws/a/Cargo.toml",
            "[package]\nname = \"a\"\nedition = \"2021\"\n[features]\nfast = []\n",
        ),
        ("ws/a/src/lib.rs", HELD),
        ("ws/a/tests/it.rs", HELD),
        ("ws/a/examples/demo.rs", HELD),
        // No target reaches it: not checked, and not a parse error.
        ("ws/a/src/template.rs", "fn {{name}}() { {{body}} }\n"),
        (
            "ws/b/Cargo.toml",
            "[package]\nname = \"b\"\nedition = \"2021\"\n",
        ),
        ("ws/b/src/lib.rs", HELD),
        (
            "c/Cargo.toml",
            "[package]\nname = \"c\"\nedition = \"2021\"\n",
        ),
        ("c/src/lib.rs", HELD),
    ];
    for (rel, text) in files {
        let path = dir.path().join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
    dir
}

fn cargo_yieldsafe(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::cargo_bin("cargo-yieldsafe")
        .unwrap()
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn files_of(short: &str) -> Vec<&str> {
    short
        .lines()
        .map(|l| l.split(':').next().unwrap())
        .collect()
}

#[test]
fn checks_the_package_of_the_current_directory_as_cargo() {
    let dir = workspace();
    let a_src = dir.path().join("ws/a/src");
    let (code, out, err) = cargo_yieldsafe(&a_src, &["yieldsafe", "--format", "short"]);
    assert_eq!(code, 0, "{err}");
    // The library only: tests and examples need their flags, as for `cargo check`.
    assert_eq!(files_of(&out), ["../src/lib.rs"], "{out}");
    let (code, out, err) =
        cargo_yieldsafe(&a_src, &["yieldsafe", "--workspace", "--format", "short"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        files_of(&out),
        ["../../b/src/lib.rs", "../src/lib.rs"],
        "{out}"
    );
    // A virtual manifest checks its (default) members.
    let (_, out, _) = cargo_yieldsafe(&dir.path().join("ws"), &["yieldsafe", "--format=short"]);
    assert_eq!(files_of(&out), ["a/src/lib.rs", "b/src/lib.rs"], "{out}");
}

#[test]
fn checks_a_package_outside_any_workspace() {
    let dir = workspace();
    let (code, out, _) =
        cargo_yieldsafe(&dir.path().join("c/src"), &["yieldsafe", "--format=short"]);
    assert_eq!(code, 0);
    assert_eq!(files_of(&out), ["../src/lib.rs"]);
}

#[test]
fn package_and_target_flags_choose_the_files() {
    let dir = workspace();
    let ws = dir.path().join("ws");
    let short = |args: &[&str]| {
        let mut all = vec!["yieldsafe", "--format", "short"];
        all.extend(args);
        cargo_yieldsafe(&ws, &all)
    };
    let (_, out, _) = short(&["-p", "b"]);
    assert_eq!(files_of(&out), ["b/src/lib.rs"]);
    let (_, out, _) = short(&["--workspace", "--exclude", "b", "--all-targets"]);
    assert_eq!(
        files_of(&out),
        ["a/examples/demo.rs", "a/src/lib.rs", "a/tests/it.rs"],
        "{out}"
    );
    let (_, out, _) = short(&["-p", "a", "--tests"]);
    assert_eq!(files_of(&out), ["a/src/lib.rs", "a/tests/it.rs"]);
    let (_, out, _) = short(&["-p", "a", "--examples"]);
    assert_eq!(files_of(&out), ["a/examples/demo.rs"]);
    let (code, _, err) = short(&["-p", "nope"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("package(s) `nope` not found in workspace"),
        "{err}"
    );
    let (code, _, err) = short(&["--exclude", "b"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("`--exclude` can only be used together with `--workspace`"),
        "{err}"
    );
    // cargo's `-F` is `--features` (yieldsafe's own `-F` is `--forbid`).
    let (code, out, err) = short(&["-p", "a", "-F", "fast", "--no-default-features"]);
    assert_eq!((code, files_of(&out)), (0, vec!["a/src/lib.rs"]), "{err}");
}

/// A `.rs` file no target reaches is left out, counted in `--stats` and named with
/// `-v`; it is no parse error.
#[test]
fn stray_files_are_not_errors() {
    let dir = workspace();
    let ws = dir.path().join("ws");
    let (code, _, err) = cargo_yieldsafe(&ws, &["yieldsafe", "-p", "a", "--stats", "-v"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("1 files no target reaches"), "{err}");
    assert!(
        err.contains("note: a/src/template.rs: not checked: no target of its package reaches it"),
        "{err}"
    );
    let (_, _, err) = cargo_yieldsafe(&ws, &["yieldsafe", "-p", "a", "-q"]);
    assert!(!err.contains("template.rs"), "{err}");
    // Given as a PATH, a directory is checked whole: there the template is an error.
    let (code, _, err) = cargo_yieldsafe(&ws, &["yieldsafe", "--full-parse", "a/src"]);
    assert_eq!(code, 2);
    assert!(err.contains("template.rs"), "{err}");
}

#[test]
fn manifest_path_names_what_to_check() {
    let dir = workspace();
    let ws = dir.path().join("ws");
    let (_, out, _) = cargo_yieldsafe(
        &ws,
        &[
            "yieldsafe",
            "--format",
            "short",
            "--manifest-path",
            "b/Cargo.toml",
        ],
    );
    assert_eq!(files_of(&out), ["b/src/lib.rs"]);
    let (_, out, _) = cargo_yieldsafe(
        &ws,
        &[
            "yieldsafe",
            "--format=short",
            "--manifest-path=../c/Cargo.toml",
        ],
    );
    assert_eq!(files_of(&out), ["../c/src/lib.rs"]);
    let (code, _, err) = cargo_yieldsafe(&ws, &["yieldsafe", "--manifest-path", "nope/Cargo.toml"]);
    assert_eq!(code, 2);
    assert!(err.contains("nope/Cargo.toml"), "{err}");
}

/// What rust-analyzer's `check.command = "yieldsafe"` runs (`cargo yieldsafe
/// --workspace --message-format=json --manifest-path …/Cargo.toml --keep-going
/// --all-targets`), from the workspace root and from a member: cargo's JSON lines,
/// with paths relative to the workspace root as cargo writes them.
#[test]
fn rust_analyzers_check_command_works_unchanged() {
    let dir = workspace();
    let ws = dir.path().join("ws");
    let manifest = ws.join("Cargo.toml");
    for cwd in [ws.clone(), ws.join("b/src")] {
        let (code, out, err) = cargo_yieldsafe(
            &cwd,
            &[
                "yieldsafe",
                "--workspace",
                "--message-format=json",
                "--manifest-path",
                manifest.to_str().unwrap(),
                "--keep-going",
                "--all-targets",
            ],
        );
        assert_eq!(code, 0, "{err}");
        let messages: Vec<Message> = Message::parse_stream(Cursor::new(out.as_bytes()))
            .collect::<Result<_, _>>()
            .expect("cargo's messages");
        assert_eq!(messages.len(), out.lines().count(), "{out}");
        let files: Vec<String> = messages
            .iter()
            .filter_map(|m| match m {
                Message::CompilerMessage(m) => Some(m.message.spans[0].file_name.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(
            files,
            [
                "a/examples/demo.rs",
                "a/src/lib.rs",
                "a/tests/it.rs",
                "b/src/lib.rs"
            ],
            "from {}",
            cwd.display()
        );
        let rendered = messages.iter().find_map(|m| match m {
            Message::CompilerMessage(m) => m.message.rendered.clone(),
            _ => None,
        });
        assert!(rendered.unwrap().contains("--> a/examples/demo.rs:4:9"));
        assert!(matches!(messages.last(), Some(Message::BuildFinished(f)) if f.success));
    }
}

/// The JSON variants of `--message-format`: `rendered` short or coloured, or the
/// diagnostics drawn for people on stderr and left out of the JSON lines.
#[test]
fn message_format_variants_render_as_cargo_does() {
    let dir = workspace();
    let ws = dir.path().join("ws");
    let first = |out: &str| -> Value { serde_json::from_str(out.lines().next().unwrap()).unwrap() };
    let (_, out, _) = cargo_yieldsafe(
        &ws,
        &[
            "yieldsafe",
            "-p",
            "b",
            "--message-format=json-diagnostic-short",
        ],
    );
    assert_eq!(
        first(&out)["message"]["rendered"],
        "b/src/lib.rs:4:9: warning: `g` (a `std::sync::MutexGuard`) is held across an await point [await_holding_lock]\n"
    );
    let (_, out, _) = cargo_yieldsafe(
        &ws,
        &[
            "yieldsafe",
            "-p",
            "b",
            "--message-format",
            "json-diagnostic-rendered-ansi",
        ],
    );
    assert!(first(&out)["message"]["rendered"]
        .as_str()
        .unwrap()
        .contains("\u{1b}["));
    let (code, out, err) = cargo_yieldsafe(
        &ws,
        &[
            "yieldsafe",
            "-p",
            "b",
            "--message-format=json-render-diagnostics",
            "--color=never",
        ],
    );
    assert_eq!(code, 0);
    assert_eq!(out, "{\"reason\":\"build-finished\",\"success\":true}\n");
    assert!(err.contains("--> b/src/lib.rs:4:9"), "{err}");
    let (_, out, _) = cargo_yieldsafe(&ws, &["yieldsafe", "-p", "b", "--message-format=short"]);
    assert_eq!(files_of(&out), ["b/src/lib.rs"]);
    let (code, _, err) = cargo_yieldsafe(&ws, &["yieldsafe", "--message-format=xml"]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown `--message-format` `xml`"), "{err}");
}

/// A clippy CI job (`cargo clippy --all-targets --all-features --locked -- -D
/// warnings`) with the name swapped: any finding fails it.
#[test]
fn a_clippy_ci_job_works_unchanged() {
    let dir = workspace();
    let ws = dir.path().join("ws");
    let (code, out, err) = cargo_yieldsafe(
        &ws,
        &[
            "yieldsafe",
            "--workspace",
            "--all-targets",
            "--all-features",
            "--locked",
            "--",
            "-D",
            "warnings",
        ],
    );
    assert_eq!(code, 1, "{err}");
    assert!(
        out.contains("error: `g` (a `std::sync::MutexGuard`)"),
        "{out}"
    );
    // The GitHub Actions recipe of docs/integrations.md: annotations to the log and
    // SARIF to a file in one run.
    let (code, out, err) = cargo_yieldsafe(
        &ws,
        &[
            "yieldsafe",
            "--workspace",
            "--all-targets",
            "--format",
            "github",
            "--format",
            "sarif",
            "--output",
            "yieldsafe.sarif",
            "--",
            "-D",
            "warnings",
        ],
    );
    assert_eq!(code, 1, "{err}");
    assert!(
        out.starts_with("::error file=a/examples/demo.rs,line=4,"),
        "{out}"
    );
    let sarif: Value =
        serde_json::from_str(&fs::read_to_string(ws.join("yieldsafe.sarif")).unwrap()).unwrap();
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 4);
    assert_eq!(sarif["runs"][0]["results"][0]["level"], "error");
    let (code, _, _) = cargo_yieldsafe(
        &ws,
        &[
            "yieldsafe",
            "-p",
            "b",
            "--",
            "-Dwarnings",
            "-A",
            "clippy::await_holding_lock",
        ],
    );
    assert_eq!(code, 0, "later lint flags win");
    let (code, _, err) = cargo_yieldsafe(&ws, &["yieldsafe", "--", "b/src/lib.rs"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("`b/src/lib.rs` after `--`: only lint level flags go there"),
        "{err}"
    );
}

#[test]
fn paths_before_dashes_and_yieldsafes_flags_pass_through() {
    let dir = workspace();
    let ws = dir.path().join("ws");
    let (code, out, _) = cargo_yieldsafe(
        &ws,
        &[
            "yieldsafe",
            "-D",
            "warnings",
            "--format",
            "short",
            "a/src/lib.rs",
        ],
    );
    assert_eq!(code, 1);
    assert_eq!(files_of(&out), ["a/src/lib.rs"]);
    // Run directly, without cargo's `yieldsafe` argument, it works the same.
    let (code, out, _) = cargo_yieldsafe(&ws, &["--format", "short"]);
    assert_eq!(code, 0);
    assert_eq!(files_of(&out), ["a/src/lib.rs", "b/src/lib.rs"]);
}

#[test]
fn unknown_flags_and_no_project_are_clear_errors() {
    let dir = workspace();
    let ws = dir.path().join("ws");
    let (code, out, err) =
        cargo_yieldsafe(&ws, &["yieldsafe", "--target", "x86_64-unknown-linux-gnu"]);
    assert_eq!((code, out.as_str()), (2, ""));
    assert!(err.starts_with("error: unknown flag `--target`"), "{err}");
    let nowhere = tempfile::tempdir().unwrap();
    fs::write(nowhere.path().join("loose.rs"), HELD).unwrap();
    let (code, out, err) = cargo_yieldsafe(nowhere.path(), &["yieldsafe"]);
    assert_eq!((code, out.as_str()), (2, ""));
    assert!(err.contains("could not find `Cargo.toml` in"), "{err}");
    assert!(err.contains("or any parent directory"), "{err}");
    // What needs no project still works there.
    let (code, out, _) = cargo_yieldsafe(nowhere.path(), &["yieldsafe", "--list-lints"]);
    assert_eq!(code, 0);
    assert!(out.contains("await_holding_lock"));
}

/// The directory cargo puts the test's binaries in.
fn bin_dir() -> PathBuf {
    let exe = assert_cmd::cargo::cargo_bin("cargo-yieldsafe");
    exe.parent().unwrap().to_path_buf()
}

/// cargo finds the subcommand on `PATH`, as `cargo install` leaves it; cargo-watch
/// (`cargo watch -x yieldsafe`) and bacon (`cargo yieldsafe --all-targets --color
/// always`) run it so, in the project's root.
#[test]
fn cargo_finds_and_runs_the_subcommand() {
    let dir = workspace();
    let mut path = vec![bin_dir()];
    path.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    let cargo = |cwd: &Path, args: &[&str]| {
        std::process::Command::new(env!("CARGO"))
            .current_dir(cwd)
            .env("PATH", std::env::join_paths(&path).unwrap())
            .arg("yieldsafe")
            .args(args)
            .output()
            .unwrap()
    };
    let out = cargo(&dir.path().join("ws/b"), &["--format", "short"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(files_of(&stdout), ["src/lib.rs"]);
    let out = cargo(
        &dir.path().join("ws"),
        &["--all-targets", "--color", "always"],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout.contains("\u{1b}["), "coloured for bacon");
    assert!(stdout.contains("a/tests/it.rs:4:9"), "{stdout}");
}
