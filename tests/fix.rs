//! `--fix` and `--fix --dry-run` through the binary, on temporary copies: the fix is
//! written, the file still parses, a second run has nothing to fix, a dry run writes
//! nothing and prints a diff that applies; and through the library, the two refusals
//! that a race or a bad edit need: a file changed since it was read, a fix that would
//! not parse.

mod support;

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::sync::Arc;

use assert_cmd::Command;
use serde_json::Value;

use yieldsafe::diagnostic::{Applicability, Diagnostic, Edit, Level, Suggestion};
use yieldsafe::source::{SourceFile, Sources};

/// `g` is read before the await and not used after it: a block from its `let`
/// through its last use is machine-applicable.
const FIXABLE: &str = "use std::sync::Mutex;\nasync fn yield_now() {}\npub async fn f(m: &Mutex<u32>) {\n    let mut g = m.lock().unwrap();\n    *g += 1;\n    yield_now().await;\n}\n";
const FIXED: &str = "use std::sync::Mutex;\nasync fn yield_now() {}\npub async fn f(m: &Mutex<u32>) {\n    {\n        let mut g = m.lock().unwrap();\n        *g += 1;\n    }\n    yield_now().await;\n}\n";
/// `g` is never read: a critical section, whose fix is only maybe-incorrect.
const CRITICAL: &str = "use std::sync::Mutex;\nasync fn yield_now() {}\npub async fn f(m: &Mutex<u32>) {\n    let g = m.lock().unwrap();\n    yield_now().await;\n}\n";
/// `g` is used after the await: only advice, nothing to apply.
const NOT_FIXABLE: &str = "use std::sync::Mutex;\nasync fn yield_now() {}\npub async fn h(m: &Mutex<u32>) {\n    let g = m.lock().unwrap();\n    yield_now().await;\n    let _ = *g;\n}\n";

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn yieldsafe(dir: &Path, args: &[&str]) -> Run {
    let out = Command::cargo_bin("yieldsafe")
        .unwrap()
        .current_dir(dir)
        .arg("--color=never")
        .args(args)
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The findings of a `--format json` run.
fn findings(dir: &Path, args: &[&str]) -> Vec<Value> {
    let mut all = vec!["--format", "json"];
    all.extend(args);
    yieldsafe(dir, &all)
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn fixable(finding: &Value) -> bool {
    finding["suggestions"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["applicability"] == "MachineApplicable")
}

fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (rel, text) in files {
        let path = dir.path().join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
    dir
}

#[test]
fn fix_writes_the_block_and_a_second_run_has_nothing_to_fix() {
    let dir = tree(&[("src/lib.rs", FIXABLE)]);
    let first = yieldsafe(dir.path(), &["--fix", "src"]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert!(
        first.stderr.contains("fixed 1 finding(s) in src/lib.rs"),
        "{}",
        first.stderr
    );
    // Nothing is left to report.
    assert_eq!(first.stdout, "");
    let fixed = fs::read_to_string(dir.path().join("src/lib.rs")).unwrap();
    assert_eq!(fixed, FIXED);
    syn::parse_file(&fixed).expect("the fixed file parses");
    assert!(findings(dir.path(), &["src"]).is_empty());

    let second = yieldsafe(dir.path(), &["--fix", "src"]);
    assert_eq!(second.code, 0);
    assert!(!second.stderr.contains("fixed"), "{}", second.stderr);
    assert_eq!(
        fs::read_to_string(dir.path().join("src/lib.rs")).unwrap(),
        FIXED
    );
    // No temporary file is left behind.
    let names: Vec<String> = fs::read_dir(dir.path().join("src"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["lib.rs"]);
}

/// A critical section (a guard never read) is not shortened by `--fix`; with
/// `--unsafe-fixes` its block ends before the await, and a second run has nothing
/// left to do.
#[test]
fn a_critical_section_is_fixed_only_with_unsafe_fixes() {
    let dir = tree(&[("a.rs", CRITICAL)]);
    let run = yieldsafe(dir.path(), &["--fix", "a.rs"]);
    assert_eq!(run.code, 0);
    assert!(!run.stderr.contains("fixed"), "{}", run.stderr);
    assert_eq!(
        fs::read_to_string(dir.path().join("a.rs")).unwrap(),
        CRITICAL
    );
    let finding = &findings(dir.path(), &["a.rs"])[0];
    assert!(!fixable(finding));
    assert_eq!(finding["suggestions"][0]["applicability"], "MaybeIncorrect");
    assert!(
        finding["help"][0]
            .as_str()
            .unwrap()
            .contains("is never read"),
        "{finding}"
    );

    let run = yieldsafe(dir.path(), &["--fix", "--unsafe-fixes", "a.rs"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let fixed = fs::read_to_string(dir.path().join("a.rs")).unwrap();
    assert_eq!(
        fixed,
        "use std::sync::Mutex;\nasync fn yield_now() {}\npub async fn f(m: &Mutex<u32>) {\n    {\n        let g = m.lock().unwrap();\n    }\n    yield_now().await;\n}\n"
    );
    assert!(findings(dir.path(), &["a.rs"]).is_empty());
    yieldsafe(dir.path(), &["--fix", "--unsafe-fixes", "a.rs"]);
    assert_eq!(fs::read_to_string(dir.path().join("a.rs")).unwrap(), fixed);
}

#[test]
fn fix_reports_what_it_cannot_fix() {
    let dir = tree(&[("a.rs", FIXABLE), ("b.rs", NOT_FIXABLE)]);
    let run = yieldsafe(dir.path(), &["--fix", "--format", "short", "a.rs", "b.rs"]);
    assert_eq!(run.code, 0);
    assert_eq!(
        run.stdout,
        "b.rs:4:9: warning: `g` (a `std::sync::MutexGuard`) is held across an await point [await_holding_lock]\n"
    );
    assert_eq!(fs::read_to_string(dir.path().join("a.rs")).unwrap(), FIXED);
    assert_eq!(
        fs::read_to_string(dir.path().join("b.rs")).unwrap(),
        NOT_FIXABLE
    );
    // Still at deny level after the fix, the finding that is left fails the run.
    let run = yieldsafe(dir.path(), &["--fix", "-D", "warnings", "a.rs", "b.rs"]);
    assert_eq!(run.code, 1);
}

#[test]
fn dry_run_prints_a_diff_that_applies_and_writes_nothing() {
    let dir = tree(&[("src/lib.rs", FIXABLE)]);
    let path = dir.path().join("src/lib.rs");
    let before = fs::metadata(&path).unwrap().modified().unwrap();
    let run = yieldsafe(dir.path(), &["--fix", "--dry-run", "src"]);
    assert_eq!(run.code, 0);
    assert_eq!(
        run.stdout,
        "--- src/lib.rs\n+++ src/lib.rs\n@@ -1,7 +1,9 @@\n use std::sync::Mutex;\n async fn yield_now() {}\n pub async fn f(m: &Mutex<u32>) {\n-    let mut g = m.lock().unwrap();\n-    *g += 1;\n+    {\n+        let mut g = m.lock().unwrap();\n+        *g += 1;\n+    }\n     yield_now().await;\n }\n"
    );
    assert!(run.stderr.contains("would fix 1 finding(s) in 1 file(s)"));
    assert_eq!(fs::read_to_string(&path).unwrap(), FIXABLE);
    assert_eq!(fs::metadata(&path).unwrap().modified().unwrap(), before);
    // The diff is a patch: applied, it gives what --fix writes.
    let patch = dir.path().join("fix.patch");
    fs::write(&patch, &run.stdout).unwrap();
    match std::process::Command::new("git")
        .current_dir(dir.path())
        .args(["apply", "-p0", "fix.patch"])
        .status()
    {
        Ok(status) => {
            assert!(status.success());
            assert_eq!(fs::read_to_string(&path).unwrap(), FIXED);
        }
        Err(e) => eprintln!("git is not available ({e}); the patch was not applied"),
    }
}

#[test]
fn dry_run_needs_fix() {
    let dir = tree(&[("a.rs", FIXABLE)]);
    let run = yieldsafe(dir.path(), &["--dry-run", "a.rs"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("--fix"), "{}", run.stderr);
}

#[test]
fn fix_keeps_line_endings_permissions_and_symlinks() {
    let crlf = FIXABLE.replace('\n', "\r\n");
    let dir = tree(&[("real/a.rs", &crlf)]);
    let real = dir.path().join("real/a.rs");
    #[cfg(unix)]
    {
        use std::os::unix::fs::{symlink, PermissionsExt};
        fs::set_permissions(&real, fs::Permissions::from_mode(0o640)).unwrap();
        symlink(&real, dir.path().join("link.rs")).unwrap();
        let run = yieldsafe(dir.path(), &["--fix", "link.rs"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(fs::symlink_metadata(dir.path().join("link.rs"))
            .unwrap()
            .file_type()
            .is_symlink());
        let mode = fs::metadata(&real).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
    }
    #[cfg(not(unix))]
    {
        let run = yieldsafe(dir.path(), &["--fix", "real/a.rs"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
    }
    assert_eq!(
        fs::read_to_string(&real).unwrap(),
        FIXED.replace('\n', "\r\n")
    );
}

#[test]
fn fix_never_writes_a_file_that_changed_since_it_was_read() {
    let dir = tree(&[("a.rs", FIXABLE)]);
    let path = dir.path().join("a.rs");
    let options = yieldsafe::Options {
        paths: vec![path.clone()],
        ..Default::default()
    };
    let report = yieldsafe::run(&options);
    let plan = yieldsafe::fix::plan(&report.diagnostics, &report.sources);
    assert_eq!(plan.files.len(), 1);
    // Someone saves the file between the check and the write.
    let edited = format!("{FIXABLE}// edited\n");
    fs::write(&path, &edited).unwrap();
    let outcome = yieldsafe::fix::write(plan);
    assert!(outcome.files.is_empty());
    assert_eq!(outcome.problems.len(), 1);
    assert!(outcome.problems[0].message.contains("changed since"));
    assert_eq!(fs::read_to_string(&path).unwrap(), edited);
}

#[test]
fn a_fix_that_would_not_parse_is_not_written() {
    let path: Arc<Path> = Arc::from(Path::new("a.rs"));
    let text: Arc<str> = Arc::from(FIXABLE);
    let mut sources = Sources::default();
    sources.insert(path.clone(), text.clone());
    let file = SourceFile::new(path.clone(), text);
    let at = FIXABLE.find("yield_now().await").unwrap();
    let diagnostic = Diagnostic {
        lint: "await_holding_lock",
        level: Level::Warn,
        message: "held".into(),
        primary: file.span(at, at + 1),
        primary_label: String::new(),
        labels: Vec::new(),
        yield_points: Vec::new(),
        notes: Vec::new(),
        help: Vec::new(),
        suggestions: vec![Suggestion {
            message: "a broken edit".into(),
            applicability: Applicability::MachineApplicable,
            edits: vec![Edit {
                span: file.span(at, at),
                replacement: "drop(g;\n    ".into(),
            }],
        }],
        item: None,
    };
    let plan = yieldsafe::fix::plan(&[diagnostic], &sources);
    assert!(plan.files.is_empty());
    assert_eq!(plan.problems.len(), 1);
    assert!(plan.problems[0].message.contains("fail to parse"));
}

/// The `//@ edition` of a fixture run, as the binary's flag.
fn edition_flag(edition: u16) -> String {
    format!("--edition={edition}")
}

#[test]
fn fix_on_every_fixture_removes_exactly_its_findings() {
    let mut fixed_any = 0;
    let mut failures = Vec::new();
    for fx in support::load_all() {
        for &edition in &fx.editions {
            let dir = tree(&[("f.rs", &fx.text)]);
            let flag = edition_flag(edition);
            let before = findings(dir.path(), &[&flag, "f.rs"]);
            let fixable_count = before.iter().filter(|f| fixable(f)).count();
            if fixable_count == 0 {
                continue;
            }
            fixed_any += 1;
            let name = format!("{} ({edition})", fx.path.display());
            let run = yieldsafe(dir.path(), &["--fix", "--quiet", &flag, "f.rs"]);
            let fixed = fs::read_to_string(dir.path().join("f.rs")).unwrap();
            if let Err(e) = syn::parse_file(&fixed) {
                failures.push(format!("{name}: the fixed file does not parse: {e}"));
                continue;
            }
            if run.code == 2 {
                failures.push(format!("{name}: --fix failed: {}", run.stderr));
                continue;
            }
            // Nothing else changed: every line removed comes back, indented (a
            // hoisted `let n = e;` as `n = e;`), and the lines added besides are the
            // block's braces and the hoisted declarations.
            if let Some(change) = unexpected_change(&fx.text, &fixed) {
                failures.push(format!("{name}: unexpected change {change}"));
            }
            // The fixed findings are gone and every other finding is still there.
            let after = findings(dir.path(), &[&flag, "f.rs"]);
            let key = |f: &Value| (f["lint"].to_string(), f["message"].to_string());
            let mut expected: BTreeMap<(String, String), usize> = BTreeMap::new();
            for f in before.iter().filter(|f| !fixable(f)) {
                *expected.entry(key(f)).or_default() += 1;
            }
            let mut got: BTreeMap<(String, String), usize> = BTreeMap::new();
            for f in &after {
                *got.entry(key(f)).or_default() += 1;
            }
            if got != expected {
                failures.push(format!(
                    "{name}: findings after the fix {got:?}, expected {expected:?}"
                ));
            }
            // A second --fix changes nothing.
            yieldsafe(dir.path(), &["--fix", "--quiet", &flag, "f.rs"]);
            if fs::read_to_string(dir.path().join("f.rs")).unwrap() != fixed {
                failures.push(format!("{name}: a second --fix changed the file"));
            }
        }
    }
    assert!(
        fixed_any > 0,
        "no fixture has a machine-applicable suggestion"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A line of the diff from `original` to `fixed` that a block fix does not explain.
fn unexpected_change(original: &str, fixed: &str) -> Option<String> {
    let diff = similar::TextDiff::from_lines(original, fixed);
    let mut removed = Vec::new();
    let mut added = Vec::new();
    for change in diff.iter_all_changes() {
        let line = change.value().trim().to_owned();
        match change.tag() {
            similar::ChangeTag::Equal => {}
            similar::ChangeTag::Delete => removed.push(line),
            similar::ChangeTag::Insert => added.push(line),
        }
    }
    for line in removed {
        let assigned = line
            .strip_prefix("let ")
            .map(|rest| rest.trim_start_matches("mut "))
            .and_then(|rest| rest.split_once(" = "))
            .map(|(name, init)| {
                format!("{} = {init}", name.split(':').next().unwrap_or(name).trim())
            });
        let at = added
            .iter()
            .position(|a| *a == line || Some(a) == assigned.as_ref())?;
        added.remove(at);
    }
    added.into_iter().find(|a| {
        !(a == "{"
            || a == "}"
            || a == "};"
            || a.starts_with("let ") && a.ends_with(';') && !a.contains('='))
    })
}

/// `--fix` never loses data: a write that fails, or a process killed between the
/// write and the rename, leaves the original file as it was.
#[test]
fn a_failed_write_or_a_kill_before_the_rename_leaves_the_file_intact() {
    for point in ["fail-write", "kill-before-rename"] {
        let dir = tree(&[("src/lib.rs", FIXABLE)]);
        let out = assert_cmd::Command::cargo_bin("yieldsafe")
            .unwrap()
            .current_dir(dir.path())
            .env("YIELDSAFE_FAILPOINTS", format!("{point}=lib.rs"))
            .args(["--fix", "--color=never", "src"])
            .output()
            .unwrap();
        assert!(!out.status.success(), "{point}: the run must not succeed");
        let text = std::fs::read_to_string(dir.path().join("src/lib.rs")).unwrap();
        assert_eq!(text, FIXABLE, "{point}: the original file changed");
        if point == "fail-write" {
            // The failure is reported, and no temporary file is left behind.
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(stderr.contains("cannot write the fixed file"), "{stderr}");
            let names: Vec<String> = std::fs::read_dir(dir.path().join("src"))
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            assert_eq!(names, ["lib.rs"], "{point}: {names:?}");
        }
        // A later run fixes it normally.
        let ok = assert_cmd::Command::cargo_bin("yieldsafe")
            .unwrap()
            .current_dir(dir.path())
            .args(["--fix", "--color=never", "src"])
            .output()
            .unwrap();
        assert!(
            ok.status.success(),
            "{point}: {}",
            String::from_utf8_lossy(&ok.stderr)
        );
        let text = std::fs::read_to_string(dir.path().join("src/lib.rs")).unwrap();
        assert_eq!(text, FIXED, "{point}");
    }
}

#[cfg(unix)]
#[test]
fn a_read_only_file_is_not_rewritten() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tree(&[("a.rs", FIXABLE)]);
    let path = dir.path().join("a.rs");
    fs::set_permissions(&path, fs::Permissions::from_mode(0o444)).unwrap();
    let run = yieldsafe(dir.path(), &["--fix", "a.rs"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("read-only"), "{}", run.stderr);
    assert_eq!(fs::read_to_string(&path).unwrap(), FIXABLE);
    assert_eq!(
        fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o444
    );
}

#[cfg(unix)]
#[test]
fn a_file_with_hard_links_is_not_separated_from_them() {
    let dir = tree(&[("a.rs", FIXABLE)]);
    let path = dir.path().join("a.rs");
    fs::hard_link(&path, dir.path().join("b.txt")).unwrap();
    let run = yieldsafe(dir.path(), &["--fix", "a.rs"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("2 hard links"), "{}", run.stderr);
    assert_eq!(fs::read_to_string(&path).unwrap(), FIXABLE);
    assert_eq!(
        fs::read_to_string(dir.path().join("b.txt")).unwrap(),
        FIXABLE
    );
}

/// The last look before the rename compares the size and modification time too: a
/// save of the same text between the two looks still counts as a change.
#[test]
fn a_file_touched_before_the_rename_is_not_replaced() {
    let dir = tree(&[("a.rs", FIXABLE)]);
    let out = Command::cargo_bin("yieldsafe")
        .unwrap()
        .current_dir(dir.path())
        .env("YIELDSAFE_FAILPOINTS", "touch-before-rename=a.rs")
        .args(["--color=never", "--fix", "a.rs"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("changed since it was checked"), "{stderr}");
    assert_eq!(
        fs::read_to_string(dir.path().join("a.rs")).unwrap(),
        FIXABLE
    );
    let left: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(left.len(), 1, "the temporary file is removed");
}

#[test]
fn a_file_named_twice_is_checked_and_fixed_once() {
    let dir = tree(&[("a.rs", FIXABLE)]);
    let absolute = dir.path().join("a.rs");
    let absolute = absolute.to_str().unwrap();
    let run = yieldsafe(
        dir.path(),
        &["--format=short", "a.rs", "./a.rs", absolute, "."],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout.lines().count(), 1, "{}", run.stdout);
    let run = yieldsafe(dir.path(), &["--fix", "a.rs", "./a.rs", absolute]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(fs::read_to_string(dir.path().join("a.rs")).unwrap(), FIXED);
}
