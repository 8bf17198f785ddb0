//! `yieldsafe lsp` with a real client: headless Neovim (Debian's, 0.7; its own
//! `vim.lsp` client, `vim.diagnostic`) opens a file of a crate, edits it without
//! saving so that a `std::sync::MutexGuard` from a helper in another file is held
//! across an `.await`, and the test reads what Neovim received: the diagnostic, the
//! preferred quick fix applied to the buffer, and the diagnostic gone
//! (`tests/data/nvim/fix_unsaved.lua` is the script Neovim runs).
//!
//! Neovim is installed by `.ci/run`. Where it cannot be, the test says it is skipped
//! (stderr, and the reason `.ci/run` put in `YIELDSAFE_NO_NVIM`); in CI without that
//! reason a missing Neovim is a failure, not a skip.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const HELPER: &str = "use std::sync::{Mutex, MutexGuard};\n\n\
pub fn lock_count(m: &Mutex<u32>) -> MutexGuard<'_, u32> {\n    m.lock().unwrap()\n}\n";
const WORK: &str = "use std::sync::Mutex;\n\nuse crate::helper::lock_count;\n\n\
async fn tick() {}\n\npub async fn run(m: &Mutex<u32>) {\n    tick().await;\n}\n";

/// Whether Neovim runs here; if not, why the test may skip (or a failure in CI).
fn neovim() -> bool {
    let runs = Command::new("nvim")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if runs {
        return true;
    }
    match std::env::var("YIELDSAFE_NO_NVIM") {
        Ok(why) => eprintln!("SKIPPED tests/nvim.rs: neovim could not be installed: {why}"),
        Err(_) if std::env::var_os("CI").is_some() => {
            panic!("`nvim` is not installed: .ci/run installs it (apt-get install neovim)")
        }
        Err(_) => eprintln!(
            "SKIPPED tests/nvim.rs: `nvim` is not installed (apt-get install neovim runs it)"
        ),
    }
    false
}

fn write(root: &Path, path: &str, text: &str) {
    let path = root.join(path);
    std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

/// Run Neovim on the script; what it wrote.
fn run_neovim(root: &Path, file: &Path, home: &Path) -> Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/nvim/fix_unsaved.lua");
    let out = home.join("out.json");
    let mut child = Command::new("nvim")
        .args(["--headless", "--clean", "-n", "-i", "NONE", "-c"])
        .arg(format!("luafile {}", script.display()))
        .env("YIELDSAFE_SERVER", env!("CARGO_BIN_EXE_yieldsafe"))
        .env("YIELDSAFE_ROOT", root)
        .env("YIELDSAFE_FILE", file)
        .env("YIELDSAFE_NVIM_OUT", &out)
        // Neovim's state, logs and configuration go to the temporary directory.
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("nvim starts");
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if child.try_wait().expect("nvim runs").is_some() {
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("nvim did not finish in 120 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let text = std::fs::read_to_string(&out).expect("the script wrote its findings");
    serde_json::from_str(&text).expect("JSON")
}

#[test]
fn neovim_shows_the_unsaved_finding_and_its_quick_fix_clears_it() {
    if !neovim() {
        return;
    }
    let root = tempfile::tempdir().expect("a temporary directory");
    let home = tempfile::tempdir().expect("a temporary directory");
    let root_path: PathBuf = std::fs::canonicalize(root.path()).expect("canonical");
    write(
        &root_path,
        "Cargo.toml",
        "[package]\nname = \"demo\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    write(&root_path, "src/lib.rs", "mod helper;\nmod work;\n");
    write(&root_path, "src/helper.rs", HELPER);
    write(&root_path, "src/work.rs", WORK);
    let file = root_path.join("src/work.rs");
    let seen = run_neovim(&root_path, &file, home.path());
    assert_eq!(seen["ok"], true, "the script failed: {seen}");

    let diagnostics = seen["diagnostics"].as_array().expect("diagnostics");
    assert_eq!(diagnostics.len(), 1, "{seen}");
    let d = &diagnostics[0];
    assert!(
        d["message"].as_str().is_some_and(
            |m| m.starts_with("`n` (a `std::sync::MutexGuard`) is held across an await point")
        ),
        "{d}"
    );
    assert_eq!(d["source"], "yieldsafe");
    // Neovim's 0-based line of `let mut n = lock_count(m);`, the value from col 8.
    assert_eq!(
        (d["lnum"].as_u64(), d["col"].as_u64()),
        (Some(7), Some(8)),
        "{d}"
    );
    assert_eq!(d["severity"], 2, "vim.diagnostic.severity.WARN");

    let fixed = seen["fixed"].as_str().expect("the buffer after the fix");
    assert!(
        fixed.contains(
            "    {\n        let mut n = lock_count(m);\n        *n += 1;\n    }\n    tick().await;"
        ),
        "{fixed}"
    );
    assert_eq!(
        seen["cleared"], true,
        "the diagnostic goes once fixed: {seen}"
    );
    assert_eq!(seen["modified"], true, "the buffer is still unsaved");
    assert_eq!(
        std::fs::read_to_string(&file).expect("read"),
        WORK,
        "nothing was written"
    );
}
