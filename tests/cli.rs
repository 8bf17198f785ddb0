//! The binary as users run it: exit codes, paths as given, editions read from
//! Cargo.toml, bad input reported while the rest is still checked.

use std::fs;
use std::path::Path;

use assert_cmd::Command;

mod tree;
use tree::write;

const HELD: &str = "use std::sync::Mutex;\nasync fn yield_now() {}\npub async fn f(m: &Mutex<u32>) {\n    let g = m.lock().unwrap();\n    yield_now().await;\n}\n";

/// As `HELD`, with the guard read before the await: the block fix is machine-applicable.
const FIXABLE: &str = "use std::sync::Mutex;\nasync fn yield_now() {}\npub async fn f(m: &Mutex<u32>) {\n    let mut g = m.lock().unwrap();\n    *g += 1;\n    yield_now().await;\n}\n";

/// Held in 2021 only: the 2024 `if let` rescoping drops the guard before `else`.
const IF_LET_ELSE: &str = "use std::sync::Mutex;\nasync fn yield_now() {}\npub async fn f(m: &Mutex<Vec<u32>>) {\n    if let Some(v) = m.lock().unwrap().pop() {\n        let _ = v;\n    } else {\n        yield_now().await;\n    }\n}\n";

fn yieldsafe(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("yieldsafe").unwrap();
    cmd.current_dir(dir).arg("--color=never");
    cmd
}

fn stdout_of(cmd: &mut Command) -> (i32, String, String) {
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_finding_is_a_warning_and_exit_status_zero() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "src/lib.rs", HELD);
    let (code, out, _) = stdout_of(yieldsafe(dir.path()).args(["--format", "short", "src"]));
    assert_eq!(code, 0);
    assert_eq!(
        out,
        "src/lib.rs:4:9: warning: `g` (a `std::sync::MutexGuard`) is held across an await point [await_holding_lock]\n"
    );
}

#[test]
fn deny_makes_findings_fail_and_allow_silences_them() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.rs", HELD);
    let (code, out, _) =
        stdout_of(yieldsafe(dir.path()).args(["-D", "warnings", "--format", "short", "a.rs"]));
    assert_eq!(code, 1);
    assert!(out.contains(": error: "), "{out}");
    let (code, out, _) =
        stdout_of(yieldsafe(dir.path()).args(["-A", "clippy::await_holding_lock", "a.rs"]));
    assert_eq!(code, 0);
    assert_eq!(out, "");
    // Later flags win, as in rustc.
    let (code, _, _) = stdout_of(yieldsafe(dir.path()).args([
        "-D",
        "warnings",
        "-A",
        "await_holding_lock",
        "a.rs",
    ]));
    assert_eq!(code, 0);
    let (code, _, err) = stdout_of(yieldsafe(dir.path()).args(["-D", "no_such_lint", "a.rs"]));
    assert_eq!(code, 2);
    assert!(err.contains("no_such_lint"), "{err}");
}

#[test]
fn deny_attributes_in_the_code_fail_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let text = HELD.replace(
        "pub async fn f",
        "#[deny(clippy::await_holding_lock)]\npub async fn f",
    );
    write(dir.path(), "a.rs", &text);
    let (code, out, _) = stdout_of(yieldsafe(dir.path()).args(["--format", "short", "a.rs"]));
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("a.rs:5:9: error: "), "{out}");
}

#[test]
fn bad_files_are_reported_and_the_rest_is_still_checked() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "src/a_broken.rs", "async fn f( {\n");
    write(dir.path(), "src/b_held.rs", HELD);
    fs::write(dir.path().join("src/c_latin1.rs"), b"// caf\xe9\n").unwrap();
    let (code, out, err) =
        stdout_of(yieldsafe(dir.path()).args(["--format", "short", "src", "missing_dir"]));
    assert_eq!(code, 2, "stderr: {err}");
    assert!(out.contains("src/b_held.rs:4:9"), "{out}");
    assert!(err.contains("src/a_broken.rs:1:"), "{err}");
    assert!(err.contains("cannot parse"), "{err}");
    assert!(
        err.contains("c_latin1.rs") && err.contains("UTF-8"),
        "{err}"
    );
    assert!(err.contains("missing_dir"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn edition_comes_from_the_crate_manifest_and_workspace() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "old/Cargo.toml",
        "[package]\nname = \"old\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    write(root, "old/src/lib.rs", IF_LET_ELSE);
    write(
        root,
        "new/Cargo.toml",
        "[package]\nname = \"new\"\nversion = \"0.1.0\"\nedition = \"2024\"\n",
    );
    write(root, "new/src/lib.rs", IF_LET_ELSE);
    write(
        root,
        "ws/Cargo.toml",
        "[workspace]\nmembers = [\"member\"]\n[workspace.package]\nedition = \"2024\"\n",
    );
    write(
        root,
        "ws/member/Cargo.toml",
        "[package]\nname = \"member\"\nversion = \"0.1.0\"\nedition.workspace = true\n",
    );
    write(root, "ws/member/src/lib.rs", IF_LET_ELSE);
    let (code, out, err) = stdout_of(yieldsafe(root).args(["--format", "short", "."]));
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 1, "{out}");
    assert!(lines[0].starts_with("old/src/lib.rs:4:22:"), "{out}");
    // --edition overrides every manifest.
    let (_, out, _) =
        stdout_of(yieldsafe(root).args(["--format", "short", "--edition", "2021", "."]));
    assert_eq!(out.lines().count(), 3, "{out}");
}

#[test]
fn target_and_hidden_directories_are_skipped_and_excludes_apply() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "target/debug/build/out.rs", HELD);
    write(dir.path(), ".hidden/x.rs", HELD);
    write(dir.path(), "generated/x.rs", HELD);
    write(dir.path(), "src/lib.rs", HELD);
    let (_, out, _) =
        stdout_of(yieldsafe(dir.path()).args(["--format", "short", "--exclude", "generated"]));
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(out.starts_with("src/lib.rs:4:9"), "{out}");
}

#[test]
fn json_lines_carry_the_documented_fields() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "lib.rs", FIXABLE);
    let (code, out, _) = stdout_of(yieldsafe(dir.path()).args(["--format", "json", "lib.rs"]));
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    assert_eq!(v["lint"], "await_holding_lock");
    assert_eq!(v["level"], "warn");
    assert_eq!(v["file"], "lib.rs");
    assert_eq!(
        (v["line"].as_u64(), v["column"].as_u64()),
        (Some(4), Some(9))
    );
    assert_eq!(v["yield_points"][0]["line"], 6);
    let fix = &v["suggestions"][0];
    assert_eq!(fix["applicability"], "MachineApplicable");
    assert_eq!(
        fix["edits"][0]["replacement"],
        "{\n        let mut g = m.lock().unwrap();\n        *g += 1;\n    }"
    );
    // The maybe-incorrect alternative is carried too.
    assert_eq!(v["suggestions"][1]["applicability"], "MaybeIncorrect");
    assert_eq!(
        v["suggestions"][1]["edits"][0]["replacement"],
        "drop(g);\n    "
    );
}

#[test]
fn explain_and_list_lints() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, _) =
        stdout_of(yieldsafe(dir.path()).args(["--explain", "clippy::await_holding_lock"]));
    assert_eq!(code, 0);
    assert!(out.contains("What it does"), "{out}");
    let (code, out, _) = stdout_of(yieldsafe(dir.path()).arg("--list-lints"));
    assert_eq!(code, 0);
    assert!(out.contains("await_holding_refcell_ref"), "{out}");
    let (code, _, err) = stdout_of(yieldsafe(dir.path()).args(["--explain", "nope"]));
    assert_eq!(code, 2);
    assert!(err.contains("nope"));
}

#[test]
fn future_not_send_is_allowed_by_default_and_names_the_fn() {
    let dir = tempfile::tempdir().unwrap();
    let root = env!("CARGO_MANIFEST_DIR");
    let fixture = format!("{root}/fixtures/bindings/future_not_send.rs");
    let (code, out, _) = stdout_of(yieldsafe(dir.path()).args(["--format", "short", &fixture]));
    assert_eq!((code, out.as_str()), (0, ""));
    let (code, out, _) = stdout_of(yieldsafe(dir.path()).args([
        "--format",
        "short",
        "-W",
        "clippy::future_not_send",
        &fixture,
    ]));
    assert_eq!(code, 0);
    let lines: Vec<&str> = out.lines().collect();
    // `rc_held` and `stdout_lock_held`; not `rc_dropped_first`.
    assert_eq!(lines.len(), 2, "{out}");
    assert!(lines[0].contains("future_not_send.rs:11:14: warning: future cannot be sent between threads safely: `rc_held`"), "{out}");
    assert!(lines[1].contains("`stdout_lock_held`"), "{out}");
    // A std guard held by a pub async fn: both lints.
    write(dir.path(), "a.rs", HELD);
    let (_, out, _) = stdout_of(yieldsafe(dir.path()).args([
        "--format",
        "short",
        "-W",
        "future_not_send",
        "a.rs",
    ]));
    assert_eq!(out.lines().count(), 2, "{out}");
    assert!(
        out.contains("[future_not_send]") && out.contains("[await_holding_lock]"),
        "{out}"
    );
}

#[test]
fn no_progress_or_summary_unless_stderr_is_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.rs", FIXABLE);
    write(dir.path(), "b.rs", HELD);
    let (code, out, err) = stdout_of(yieldsafe(dir.path()).arg("a.rs"));
    assert_eq!(code, 0);
    assert!(out.contains("is held across an await point"), "{out}");
    assert_eq!(err, "", "machine-readable runs keep stderr clean");
    // On a terminal (a pseudo-terminal from `script`), the summary line appears.
    let bin = assert_cmd::cargo::cargo_bin("yieldsafe");
    let Ok(out) = std::process::Command::new("script")
        .current_dir(dir.path())
        .args([
            "-qec",
            &format!("{} --color=never a.rs b.rs", bin.display()),
            "/dev/null",
        ])
        .output()
    else {
        return;
    };
    let all = String::from_utf8_lossy(&out.stdout);
    // What it counted, what `--fix` would do, and once where a lint is explained.
    assert!(
        all.contains("yieldsafe: 2 warnings (2 files checked in "),
        "{all}"
    );
    assert!(
        all.contains("yieldsafe: run `yieldsafe --fix` to apply 1 suggestion\r\n"),
        "{all}"
    );
    // `b.rs`'s guard is a critical section: its fix is only maybe-incorrect.
    assert!(
        all.contains("yieldsafe: 1 more with `--fix --unsafe-fixes`"),
        "{all}"
    );
    assert_eq!(
        all.matches("try `yieldsafe --explain await_holding_lock`")
            .count(),
        1,
        "{all}"
    );
    let (_, _, err) = stdout_of(yieldsafe(dir.path()).args(["--quiet", "a.rs"]));
    assert_eq!(err, "");
}

#[test]
fn a_binding_is_reported_from_its_mut_or_ref_as_rustc_does() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/regressions/r4_01_mut_binding_column.rs"
    );
    let (_, out, _) = stdout_of(yieldsafe(dir.path()).args(["--format", "short", fixture]));
    let positions: Vec<String> = out
        .lines()
        .map(|l| {
            let rest = &l[fixture.len() + 1..];
            rest.split(':').take(2).collect::<Vec<_>>().join(":")
        })
        .collect();
    // The columns clippy and rustc's must_not_suspend give (see the fixture's header).
    assert_eq!(
        positions,
        ["18:9", "23:13", "28:12", "33:15", "38:20", "48:16", "53:20"],
        "{out}"
    );
}

#[cfg(unix)]
#[test]
fn skipped_links_and_special_files_get_a_note() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "src/lib.rs", HELD);
    std::os::unix::fs::symlink(
        dir.path().join("src/lib.rs"),
        dir.path().join("src/link.rs"),
    )
    .unwrap();
    let fifo = dir.path().join("src/pipe.rs");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    let (code, out, err) = stdout_of(yieldsafe(dir.path()).args(["--format", "short", "src"]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), 1, "the link is not followed: {out}");
    assert!(
        err.contains("note: src/link.rs: skipped: a symbolic link"),
        "{err}"
    );
    if made.is_ok_and(|s| s.success()) {
        assert!(
            err.contains("note: src/pipe.rs: skipped: not a regular file"),
            "{err}"
        );
    }
    let (_, _, err) =
        stdout_of(yieldsafe(dir.path()).args(["--quiet", "--format", "short", "src"]));
    assert_eq!(err, "");
}

#[test]
fn clippy_groups_in_cargo_lints_apply_to_our_lints() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "Cargo.toml",
        "[package]\nname = \"p\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[lints.clippy]\nsuspicious = \"deny\"\nnursery = { level = \"warn\", priority = -1 }\n",
    );
    write(dir.path(), "src/lib.rs", HELD);
    let (code, out, err) = stdout_of(yieldsafe(dir.path()).args(["--format", "short", "."]));
    assert_eq!(code, 1, "{err}");
    // `suspicious` (await_holding_lock) denied; `nursery` turns future_not_send on.
    assert!(
        out.contains(": error: `g`") && out.contains("[await_holding_lock]"),
        "{out}"
    );
    assert!(out.contains("[future_not_send]"), "{out}");
    // A group on the command line too.
    let (code, _, _) = stdout_of(yieldsafe(dir.path()).args([
        "-A",
        "clippy::suspicious",
        "-A",
        "clippy::nursery",
        ".",
    ]));
    assert_eq!(code, 0);
}

#[test]
fn syntax_errors_are_reported_where_findings_can_be_and_everywhere_with_full_parse() {
    let dir = tempfile::tempdir().unwrap();
    // Parsed by default: it has an `.await`, or delimiters that do not balance.
    write(
        dir.path(),
        "a.rs",
        "async fn f() {\n    let = x.await;\n}\n",
    );
    write(dir.path(), "b.rs", "fn g( {\n");
    // Nothing here can be held across an await: read and scanned, not parsed.
    write(dir.path(), "c.rs", "fn h() {\n    let = 1;\n}\n");
    let (code, _, err) = stdout_of(yieldsafe(dir.path()).args(["--format", "short", "."]));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("a.rs:2:") && err.contains("b.rs:"), "{err}");
    assert!(!err.contains("c.rs"), "{err}");
    let (code, _, err) =
        stdout_of(yieldsafe(dir.path()).args(["--format", "short", "--full-parse", "."]));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("c.rs:2:"), "{err}");
}

/// The same file with `shift` blank lines at the top and, with `more`, a second
/// finding in a new fn.
fn held_file(shift: usize, more: bool) -> String {
    let mut text = "\n".repeat(shift) + HELD;
    if more {
        text.push_str("pub async fn h(m: &Mutex<u32>) {\n    let g = m.lock().unwrap();\n    yield_now().await;\n}\n");
    }
    text
}

/// `--write-baseline` records today's findings; `--baseline` reports only new ones,
/// also when the old ones moved.
#[test]
fn a_baseline_reports_only_what_is_new() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "src/lib.rs", held_file(0, false));
    let (code, out, err) =
        stdout_of(yieldsafe(dir.path()).args(["--write-baseline", "baseline.json", "src"]));
    assert_eq!((code, out.as_str()), (0, ""), "{err}");
    assert!(err.contains("wrote 1 finding to `baseline.json`"), "{err}");
    let recorded = fs::read_to_string(dir.path().join("baseline.json")).unwrap();
    assert!(recorded.contains("\"value\": \"g\""), "{recorded}");
    assert!(recorded.contains("\"item\": \"f\""), "{recorded}");
    // Moved down three lines: still known.
    write(dir.path(), "src/lib.rs", held_file(3, false));
    let (code, out, err) = stdout_of(yieldsafe(dir.path()).args([
        "--baseline",
        "baseline.json",
        "-D",
        "warnings",
        "--format",
        "short",
        "src",
    ]));
    assert_eq!((code, out.as_str()), (0, ""), "{err}");
    // A new finding is reported, the old one still not.
    write(dir.path(), "src/lib.rs", held_file(3, true));
    let (code, out, _) = stdout_of(yieldsafe(dir.path()).args([
        "--baseline",
        "baseline.json",
        "--format",
        "short",
        "src",
    ]));
    assert_eq!(code, 0);
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(out.starts_with("src/lib.rs:11:9: warning: "), "{out}");
    // A file that is no baseline is an error naming it.
    write(dir.path(), "bad.json", "{\"findings\": 3}");
    let (code, _, err) = stdout_of(yieldsafe(dir.path()).args(["--baseline", "bad.json", "src"]));
    assert_eq!(code, 2);
    assert!(err.contains("bad.json: not a yieldsafe baseline"), "{err}");
}

/// Several formats in one run: SARIF to a file, and the human format still to the
/// terminal; each `--output` takes the `--format` before it.
#[test]
fn formats_go_to_their_output_files() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "src/lib.rs", HELD);
    let (code, out, err) = stdout_of(yieldsafe(dir.path()).args([
        "--format",
        "sarif",
        "--output",
        "out.sarif",
        "--format",
        "json",
        "--output",
        "out.jsonl",
        "src",
    ]));
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("warning: `g` (a `std::sync::MutexGuard`)"),
        "{out}"
    );
    let sarif: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.path().join("out.sarif")).unwrap()).unwrap();
    assert_eq!(
        sarif["runs"][0]["results"][0]["ruleId"],
        "await_holding_lock"
    );
    let jsonl = fs::read_to_string(dir.path().join("out.jsonl")).unwrap();
    assert!(
        jsonl.starts_with("{\"schema\":2,\"type\":\"finding\""),
        "{jsonl}"
    );
    // One format for stdout, the other to a file.
    let (code, out, _) = stdout_of(yieldsafe(dir.path()).args([
        "--format", "github", "--format", "sarif", "-o", "x.sarif", "src",
    ]));
    assert_eq!(code, 0);
    assert!(out.starts_with("::warning file=src/lib.rs,"), "{out}");
    assert!(dir.path().join("x.sarif").is_file());
    let (code, _, err) =
        stdout_of(yieldsafe(dir.path()).args(["--format", "json", "--format", "short", "src"]));
    assert_eq!(code, 2);
    assert!(err.contains("more than one `--format` for stdout"), "{err}");
}

/// What kept a file from being checked is where the format's reader looks: one
/// line in `short`, an error object in `json` (and rustc's text on stderr).
#[test]
fn problems_are_in_the_machine_formats() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "src/a_broken.rs", "async fn f( {\n");
    write(dir.path(), "src/b_held.rs", HELD);
    let (code, out, err) = stdout_of(yieldsafe(dir.path()).args(["--format", "short", "src"]));
    assert_eq!(code, 2);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(
        lines[0].starts_with("src/b_held.rs:4:9: warning: "),
        "{out}"
    );
    assert!(lines[1].starts_with("src/a_broken.rs:1:"), "{out}");
    assert!(
        lines[1].contains(": error: cannot parse this file: "),
        "{out}"
    );
    assert!(err.contains("error: cannot parse this file"), "{err}");
    let (code, out, _) = stdout_of(yieldsafe(dir.path()).args(["--format", "json", "src"]));
    assert_eq!(code, 2);
    let objects: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(objects.len(), 2);
    assert_eq!(objects[1]["type"], "error");
    assert_eq!(objects[1]["file"], "src/a_broken.rs");
    assert_eq!(objects[1]["line"], 1);
    assert!(objects[1]["message"]
        .as_str()
        .unwrap()
        .starts_with("cannot parse"));
}

/// GitHub's annotations carry the finding's notes (the reason of a `reason = ".."`,
/// why such a value is bad) under its message.
#[test]
fn github_annotations_carry_the_notes() {
    let dir = tempfile::tempdir().unwrap();
    let text = HELD.replace(
        "pub async fn f",
        "#[deny(clippy::await_holding_lock, reason = \"the pool deadlocks\")]\npub async fn f",
    );
    write(dir.path(), "a.rs", &text);
    let (code, out, _) = stdout_of(yieldsafe(dir.path()).args(["--format", "github", "a.rs"]));
    assert_eq!(code, 1);
    assert!(out.starts_with("::error file=a.rs,line=5,"), "{out}");
    assert!(out.contains("%0Anote: the pool deadlocks"), "{out}");
    assert!(
        out.contains("%0Anote: a blocking lock held across an await"),
        "{out}"
    );
}

/// Levels hold through the module tree as rustc scopes them: a crate root's
/// `#![deny(..)]` in every module, an attribute on `mod name;` or around it (an
/// inline module's `#![warn(..)]`) in the module it declares. What clippy reports on
/// the same crate, level for level: `a` error, `b` nothing, `c::d` warning, and `e`
/// error (`#[allow(warnings)]` does not lower a denied lint).
#[test]
fn levels_are_inherited_through_the_module_tree() {
    let dir = tempfile::tempdir().unwrap();
    // The file's own attributes are read after its ancestors' (whose spans must not
    // free its own: that was an internal error once).
    let held = HELD
        .replace(
            "    yield_now().await;\n",
            "    yield_now().await;\n    drop(g);\n",
        )
        .replace("pub async fn f", "#[allow(dead_code)]\npub async fn f");
    write(
        dir.path(),
        "Cargo.toml",
        "[package]\nname = \"inh\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    write(
        dir.path(),
        "src/lib.rs",
        "#![deny(clippy::await_holding_lock)]\npub mod a;\n#[allow(clippy::await_holding_lock)]\npub mod b;\npub mod c {\n    #![warn(clippy::await_holding_lock)]\n    pub mod d;\n}\n#[allow(warnings)]\npub mod e;\n",
    );
    for file in ["src/a.rs", "src/b.rs", "src/c/d.rs", "src/e.rs"] {
        write(dir.path(), file, &held);
    }
    let (code, out, err) = stdout_of(yieldsafe(dir.path()).args(["--format", "short", "src"]));
    assert_eq!(code, 1, "{err}");
    let found: Vec<(&str, &str)> = out
        .lines()
        .map(|l| {
            let mut parts = l.split(": ");
            let place = parts.next().unwrap().split(':').next().unwrap();
            (place, parts.next().unwrap())
        })
        .collect();
    assert_eq!(
        found,
        [
            ("src/a.rs", "error"),
            ("src/c/d.rs", "warning"),
            ("src/e.rs", "error")
        ],
        "{out}"
    );
}
