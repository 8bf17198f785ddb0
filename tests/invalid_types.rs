//! `await_holding_invalid_type`: types listed in `await-holding-invalid-types` of
//! `yieldsafe.toml` or `clippy.toml`, and errors for malformed entries.

use std::path::Path;

use assert_cmd::Command;

mod tree;
use tree::write;

fn run(dir: &Path) -> (i32, String, String) {
    let out = Command::cargo_bin("yieldsafe")
        .unwrap()
        .current_dir(dir)
        .args(["--color=never", "--format", "short", "."])
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const SOURCE: &str = "mod pool {\n\
    pub struct Checkout(pub String);\n\
    impl Checkout {\n        pub fn new() -> Self {\n            Checkout(String::new())\n        }\n    }\n\
}\n\
pub struct Other(pub String);\n\
use pool::Checkout;\n\
async fn yield_now() {}\n\
pub async fn held() {\n    let c = Checkout::new();\n    yield_now().await;\n}\n\
pub async fn other() {\n    let o = Other(String::new());\n    yield_now().await;\n}\n\
pub async fn typed(c: Checkout) {\n    yield_now().await;\n}\n";

#[test]
fn clippy_toml_lists_a_type_with_its_reason() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "Cargo.toml",
        "[package]\nname = \"p\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    write(dir.path(), "src/lib.rs", SOURCE);
    write(
        dir.path(),
        "clippy.toml",
        // `allow-invalid` is clippy's too (no warning when the path names nothing).
        "msrv = \"1.80\"\nawait-holding-invalid-types = [{ path = \"crate::pool::Checkout\", reason = \"return connections first\", allow-invalid = true }]\n",
    );
    let (code, out, err) = run(dir.path());
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(
        lines[0].starts_with("src/lib.rs:13:9: warning: `c` (a `crate::pool::Checkout`)"),
        "{out}"
    );
    assert!(lines[0].ends_with("[await_holding_invalid_type]"), "{out}");
    assert!(lines[1].starts_with("src/lib.rs:20:20:"), "{out}");
    // The reason is a note of the human output.
    let human = Command::cargo_bin("yieldsafe")
        .unwrap()
        .current_dir(dir.path())
        .args(["--color=never", "."])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&human.stdout).contains("= note: return connections first"));
}

#[test]
fn yieldsafe_toml_lists_types_as_plain_paths() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "src/lib.rs", SOURCE);
    write(
        dir.path(),
        "yieldsafe.toml",
        "await-holding-invalid-types = [\"Other\"]\n",
    );
    let (code, out, err) = run(dir.path());
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(out.starts_with("src/lib.rs:17:9: warning: `o`"), "{out}");
}

#[test]
fn malformed_entries_name_the_file_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "src/lib.rs", SOURCE);
    write(
        dir.path(),
        "clippy.toml",
        "\nawait-holding-invalid-types = [{ path = \"a::B\", why = \"x\" }]\n",
    );
    let (code, _, err) = run(dir.path());
    assert_eq!(code, 2);
    assert!(err.contains("clippy.toml:2:"), "{err}");
    assert!(err.contains("unknown key `why`"), "{err}");
    write(
        dir.path(),
        "clippy.toml",
        "await-holding-invalid-types = [3]\n",
    );
    let (code, _, err) = run(dir.path());
    assert_eq!(code, 2);
    assert!(err.contains("expected a path string"), "{err}");
}

#[test]
fn hazard_methods_name_what_produces_a_value_not_to_hold() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "src/lib.rs",
        "pub struct Pool;\npub struct Conn;\nimpl Pool {\n    pub fn checkout(&self) -> Conn {\n        Conn\n    }\n}\n\
         async fn yield_now() {}\n\
         pub async fn f(pool: &Pool) {\n    let c = pool.checkout();\n    yield_now().await;\n}\n",
    );
    write(
        dir.path(),
        "yieldsafe.toml",
        "hazard-methods = [{ path = \"checkout\", reason = \"return the connection first\" }]\n",
    );
    let (code, out, err) = run(dir.path());
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(out.starts_with("src/lib.rs:10:9: warning: `c`"), "{out}");
    assert!(out.ends_with("[await_holding_invalid_type]\n"), "{out}");
}

#[test]
fn each_package_of_a_workspace_reads_its_own_configuration() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "Cargo.toml",
        "[workspace]\nmembers = [\"quiet\", \"loud\"]\n",
    );
    for member in ["quiet", "loud"] {
        write(
            root,
            &format!("{member}/Cargo.toml"),
            format!("[package]\nname = \"{member}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n"),
        );
        write(
            root,
            &format!("{member}/src/lib.rs"),
            "use std::sync::Mutex;\nasync fn yield_now() {}\npub async fn f(m: &Mutex<u32>) {\n    let g = m.lock().unwrap();\n    yield_now().await;\n}\n",
        );
    }
    write(
        root,
        "quiet/yieldsafe.toml",
        "[lints]\nawait_holding_lock = \"allow\"\n",
    );
    // A member's own excludes apply to its files, relative to the member.
    write(
        root,
        "loud/yieldsafe.toml",
        "exclude = [\"generated/**\"]\n",
    );
    write(
        root,
        "loud/generated/x.rs",
        "use std::sync::Mutex;\nasync fn yield_now() {}\npub async fn f(m: &Mutex<u32>) {\n    let g = m.lock().unwrap();\n    yield_now().await;\n}\n",
    );
    let (code, out, err) = run(root);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(out.starts_with("loud/src/lib.rs:4:9"), "{out}");
    // A flag on the command line wins over the package's file.
    let out = Command::cargo_bin("yieldsafe")
        .unwrap()
        .current_dir(root)
        .args(["--format", "short", "-W", "await_holding_lock", "."])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 2);
}
