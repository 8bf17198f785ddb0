//! `cargo yieldsafe`: the `cargo-yieldsafe` binary as cargo runs it (with `yieldsafe` as
//! its first argument), run directly and through cargo itself: it checks the workspace
//! of the current directory, accepts `--manifest-path`, and passes every other
//! argument and the exit status through.

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;

const HELD: &str = "use std::sync::Mutex;\nasync fn yield_now() {}\npub async fn f(m: &Mutex<u32>) {\n    let g = m.lock().unwrap();\n    yield_now().await;\n}\n";

/// A workspace with members `a` and `b`, each with one finding, and a package `c`
/// outside it.
fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let files = [
        ("ws/Cargo.toml", "[workspace]\nmembers = [\"a\", \"b\"]\n"),
        (
            "ws/a/Cargo.toml",
            "[package]\nname = \"a\"\nedition = \"2021\"\n",
        ),
        ("ws/a/src/lib.rs", HELD),
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
fn checks_the_whole_workspace_from_a_member_directory() {
    let dir = workspace();
    let (code, out, err) = cargo_yieldsafe(
        &dir.path().join("ws/a/src"),
        &["yieldsafe", "--format", "short"],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        files_of(&out),
        ["../../a/src/lib.rs", "../../b/src/lib.rs"],
        "{out}"
    );
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

#[test]
fn paths_and_flags_pass_through_with_the_exit_status() {
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
            "--",
            "a/src/lib.rs",
        ],
    );
    assert_eq!(code, 1);
    assert_eq!(files_of(&out), ["a/src/lib.rs"]);
    // Run directly, without cargo's `yieldsafe` argument, it works the same.
    let (code, out, _) = cargo_yieldsafe(&ws, &["--format", "short"]);
    assert_eq!(code, 0);
    assert_eq!(files_of(&out), ["./a/src/lib.rs", "./b/src/lib.rs"]);
}

/// The directory cargo puts the test's binaries in.
fn bin_dir() -> PathBuf {
    let exe = assert_cmd::cargo::cargo_bin("cargo-yieldsafe");
    exe.parent().unwrap().to_path_buf()
}

#[test]
fn cargo_finds_and_runs_the_subcommand() {
    let dir = workspace();
    let mut path = vec![bin_dir()];
    path.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    let out = std::process::Command::new(env!("CARGO"))
        .current_dir(dir.path().join("ws/b"))
        .env("PATH", std::env::join_paths(path).unwrap())
        .args(["yieldsafe", "--format", "short"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(files_of(&stdout), ["../a/src/lib.rs", "../b/src/lib.rs"]);
}
