//! Configuration files through the binary: `yieldsafe.toml` / `.yieldsafe.toml` found
//! walking up, `[package.metadata.yieldsafe]` / `[workspace.metadata.yieldsafe]`,
//! `--config FILE`, Cargo's `[lints.clippy]` / `[workspace.lints.clippy]`, their order
//! against the command line, and errors that name file, line and key (exit 2).

use std::fs;
use std::path::Path;

use assert_cmd::Command;

const HELD: &str = "use std::sync::Mutex;\nasync fn yield_now() {}\npub async fn f(m: &Mutex<u32>) {\n    let g = m.lock().unwrap();\n    yield_now().await;\n    let _ = *g;\n}\n";

fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (rel, text) in files {
        let path = dir.path().join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
    dir
}

/// Exit status, stdout (short format), stderr.
fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::cargo_bin("yieldsafe")
        .unwrap()
        .current_dir(dir)
        .args(["--color=never", "--format=short"])
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const DENY: &str = "[lints]\nawait_holding_lock = \"deny\"\n";
const ALLOW: &str = "[lints]\nawait_holding_lock = \"allow\"\n";

#[test]
fn yieldsafe_toml_is_found_walking_up() {
    let dir = tree(&[("yieldsafe.toml", DENY), ("crate/src/lib.rs", HELD)]);
    let (code, out, err) = run(&dir.path().join("crate"), &["src"]);
    assert_eq!(code, 1, "{err}");
    assert!(out.contains(": error: "), "{out}");
    // Also when the path is a file below the configuration.
    let (code, _, _) = run(dir.path(), &["crate/src/lib.rs"]);
    assert_eq!(code, 1);
}

#[test]
fn yieldsafe_toml_comes_before_the_dotfile_and_the_manifest() {
    let dir = tree(&[
        (".yieldsafe.toml", DENY),
        ("src/lib.rs", HELD),
        (
            "Cargo.toml",
            "[package]\nname = \"p\"\n[package.metadata.yieldsafe.lints]\nawait_holding_lock = \"deny\"\n",
        ),
    ]);
    assert_eq!(run(dir.path(), &["src"]).0, 1);
    fs::write(dir.path().join("yieldsafe.toml"), ALLOW).unwrap();
    let (code, out, _) = run(dir.path(), &["src"]);
    assert_eq!((code, out.as_str()), (0, ""));
    // The nearest directory wins over file kinds: a member's metadata over a root file.
    fs::remove_file(dir.path().join("yieldsafe.toml")).unwrap();
    fs::remove_file(dir.path().join(".yieldsafe.toml")).unwrap();
    assert_eq!(run(dir.path(), &["src"]).0, 1);
}

#[test]
fn workspace_metadata_applies_to_members() {
    let dir = tree(&[
        (
            "Cargo.toml",
            "[workspace]\nmembers = [\"m\"]\n\n[workspace.metadata.yieldsafe]\nexclude = [\"generated\"]\n\n[workspace.metadata.yieldsafe.lints]\nwarnings = \"deny\"\n",
        ),
        ("m/Cargo.toml", "[package]\nname = \"m\"\nedition = \"2021\"\n"),
        ("m/src/lib.rs", HELD),
        ("m/src/generated/held.rs", HELD),
    ]);
    let (code, out, err) = run(&dir.path().join("m"), &["."]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        out.lines().count(),
        1,
        "the excluded file is not checked: {out}"
    );
    assert!(out.starts_with("src/lib.rs:4:9: error: "), "{out}");
}

#[test]
fn explicit_config_replaces_discovery_and_flags_come_last() {
    let dir = tree(&[
        ("yieldsafe.toml", ALLOW),
        ("ci/strict.toml", DENY),
        ("src/lib.rs", HELD),
    ]);
    assert_eq!(run(dir.path(), &["src"]).0, 0);
    assert_eq!(run(dir.path(), &["--config", "ci/strict.toml", "src"]).0, 1);
    // The command line overrides the file.
    let (code, out, _) = run(
        dir.path(),
        &[
            "--config",
            "ci/strict.toml",
            "-W",
            "await_holding_lock",
            "src",
        ],
    );
    assert_eq!(code, 0);
    assert!(out.contains(": warning: "));
    // A Cargo.toml given with --config is read for its metadata table.
    fs::write(
        dir.path().join("ci/Cargo.toml"),
        "[package]\nname = \"x\"\n[package.metadata.yieldsafe.lints]\n\"clippy::await_holding_lock\" = { level = \"forbid\" }\n",
    )
    .unwrap();
    assert_eq!(run(dir.path(), &["--config", "ci/Cargo.toml", "src"]).0, 1);
    let (code, _, err) = run(dir.path(), &["--config", "ci/none.toml", "src"]);
    assert_eq!(code, 2);
    assert!(err.contains("ci/none.toml"), "{err}");
}

#[test]
fn cargo_lints_clippy_sets_the_levels_of_clippy_named_lints() {
    let dir = tree(&[
        (
            "Cargo.toml",
            "[package]\nname = \"p\"\n\n[lints.clippy]\npedantic = { level = \"warn\", priority = -1 }\nawait_holding_lock = \"deny\"\nunwrap_used = \"allow\"\n",
        ),
        ("src/lib.rs", HELD),
    ]);
    let (code, out, err) = run(dir.path(), &["src"]);
    assert_eq!(code, 1, "{err}");
    assert!(out.contains(": error: "));
    // A yieldsafe setting is more specific than Cargo's table.
    fs::write(dir.path().join("yieldsafe.toml"), ALLOW).unwrap();
    assert_eq!(run(dir.path(), &["src"]), (0, String::new(), String::new()));
}

/// Cargo's `[lints.rust]` names rustc's lints: `must_not_suspend`, and `warnings`
/// (what warn means, for every lint); `[lints.clippy]` names clippy's only, so a
/// `must_not_suspend` there is clippy's unknown lint and does nothing.
#[test]
fn cargo_lints_rust_names_rustcs_lints_and_warnings() {
    const MNS: &str = "#![feature(must_not_suspend)]
async fn yield_now() {}
#[must_not_suspend]
pub struct Lease;
impl Drop for Lease { fn drop(&mut self) {} }
pub async fn f() {
    let _l = Lease;
    yield_now().await;
}
";
    let manifest = |lints: &str| format!("[package]\nname = \"p\"\n\n{lints}");
    // rustc's other lints are rustc's, whatever their entries hold (tokio's manifest).
    let check_cfg =
        "unexpected_cfgs = { level = \"warn\", check-cfg = [\"cfg(tokio_unstable)\"] }\n";
    let dir = tree(&[
        (
            "Cargo.toml",
            &manifest(&format!(
                "[lints.rust]\nmust_not_suspend = \"deny\"\n{check_cfg}"
            )),
        ),
        ("src/lib.rs", MNS),
    ]);
    let (code, out, err) = run(dir.path(), &["src"]);
    assert_eq!(code, 1, "{err}");
    assert!(out.contains(": error: `_l` (a `Lease`)"), "{out}");
    fs::write(
        dir.path().join("Cargo.toml"),
        manifest("[lints.clippy]\nmust_not_suspend = \"deny\"\n"),
    )
    .unwrap();
    let (code, out, _) = run(dir.path(), &["src"]);
    assert_eq!(code, 0, "clippy has no `must_not_suspend`: {out}");
    fs::write(
        dir.path().join("Cargo.toml"),
        manifest(
            "[lints.rust]\nwarnings = \"deny\"\n\n[lints.clippy]\nfuture_not_send = \"allow\"\n",
        ),
    )
    .unwrap();
    fs::write(dir.path().join("src/lib.rs"), HELD).unwrap();
    let (code, out, _) = run(dir.path(), &["src"]);
    assert_eq!(code, 1);
    assert!(out.contains(": error: `g`"), "{out}");
}

/// A misspelled lint name gets the nearest one of the catalog, in the settings and
/// on the command line alike.
#[test]
fn unknown_lint_names_get_did_you_mean() {
    let err = config_error(
        &[("yieldsafe.toml", "[lints]\nawait_holding_lok = \"deny\"\n")],
        &["src"],
    );
    assert!(
        err.contains(
            "unknown lint `await_holding_lok` in `[lints]`; did you mean `await_holding_lock`?"
        ),
        "{err}"
    );
    let err = config_error(&[], &["-D", "clippy::await_holding_lokc", "src"]);
    assert!(
        err.contains(
            "unknown lint `clippy::await_holding_lokc`; did you mean `clippy::await_holding_lock`?"
        ),
        "{err}"
    );
    let err = config_error(&[], &["-W", "unused_variables", "src"]);
    assert!(
        err.contains("unknown lint `unused_variables`; `yieldsafe --list-lints`"),
        "{err}"
    );
}

#[test]
fn workspace_lints_apply_to_members_that_inherit_them() {
    let dir = tree(&[
        (
            "Cargo.toml",
            "[workspace]\nmembers = [\"a\", \"b\"]\n\n[workspace.lints.clippy]\nawait_holding_lock = \"deny\"\n",
        ),
        (
            "a/Cargo.toml",
            "[package]\nname = \"a\"\n\n[lints]\nworkspace = true\n",
        ),
        ("a/src/lib.rs", HELD),
        ("b/Cargo.toml", "[package]\nname = \"b\"\n"),
        ("b/src/lib.rs", HELD),
    ]);
    assert_eq!(run(&dir.path().join("a"), &["src"]).0, 1);
    assert_eq!(run(&dir.path().join("b"), &["src"]).0, 0);
}

/// `error: FILE:LINE:COL: message` on stderr, exit status 2, nothing checked.
fn config_error(files: &[(&str, &str)], args: &[&str]) -> String {
    let mut all = files.to_vec();
    all.push(("src/lib.rs", HELD));
    let dir = tree(&all);
    let (code, out, err) = run(dir.path(), args);
    assert_eq!(code, 2, "{err}");
    assert_eq!(out, "");
    err
}

#[test]
fn bad_settings_name_the_file_line_and_key() {
    let err = config_error(
        &[(
            "yieldsafe.toml",
            "exclude = []\n\n[lint]\nawait_holding_lock = \"deny\"\n",
        )],
        &["src"],
    );
    assert!(err.starts_with("error: "), "{err}");
    assert!(
        err.contains("yieldsafe.toml:3:2: unknown field `lint`"),
        "{err}"
    );

    let err = config_error(&[(".yieldsafe.toml", "exclude = \"target\"\n")], &["src"]);
    assert!(err.contains(".yieldsafe.toml:1:11: "), "{err}");
    assert!(err.contains("expected a sequence"), "{err}");

    let err = config_error(
        &[("yieldsafe.toml", "[lints]\nawait_holding_lokc = \"deny\"\n")],
        &["src"],
    );
    assert!(
        err.contains("yieldsafe.toml:2:1: unknown lint `await_holding_lokc`"),
        "{err}"
    );

    let err = config_error(
        &[("yieldsafe.toml", "[lints]\nawait_holding_lock = 3\n")],
        &["src"],
    );
    assert!(
        err.contains("yieldsafe.toml:2:22: `await_holding_lock`: expected a level"),
        "{err}"
    );

    let err = config_error(
        &[(
            "Cargo.toml",
            "[package]\nname = \"p\"\n\n[package.metadata.yieldsafe]\nexclud = []\n",
        )],
        &["src"],
    );
    assert!(
        err.contains("Cargo.toml:5:1: unknown field `exclud`"),
        "{err}"
    );

    let err = config_error(
        &[(
            "Cargo.toml",
            "[package]\nname = \"p\"\n\n[lints.clippy]\nawait_holding_lock = \"loud\"\n",
        )],
        &["src"],
    );
    assert!(
        err.contains("Cargo.toml:5:22: `clippy::await_holding_lock`: unknown level `loud`"),
        "{err}"
    );
}
