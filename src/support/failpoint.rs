//! Failure injection for the hostile-input tests (`tests/hostile.rs`), to test
//! deterministically what only a bug or a race would otherwise cause. The environment
//! variable `YIELDSAFE_FAILPOINTS` holds `point=NAME` pairs separated by commas; each
//! applies to the files whose path ends with `NAME`:
//!
//! - `panic=NAME`: checking the file panics inside the analysis;
//! - `pause=NAME`: before the file is read, print `failpoint: paused before reading
//!   PATH` to stderr and wait (at most 30 s) until the file is removed or replaced,
//!   so that a test can make it vanish or change between discovery and reading;
//! - `fail-write=NAME`: `--fix` fails to write the file's fixed text;
//! - `kill-before-rename=NAME`: the process aborts after `--fix` wrote the fixed text
//!   to its temporary file, before the rename;
//! - `touch-before-rename=NAME`: after `--fix` wrote the fixed text to its temporary
//!   file, the original's modification time moves (its content stays), as a save of
//!   the same text would do.
//!
//! Outside `--fix`, yieldsafe never changes a file here. Unset, it costs one look-up per run.

use std::path::Path;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

fn points() -> &'static [(String, String)] {
    static POINTS: OnceLock<Vec<(String, String)>> = OnceLock::new();
    POINTS.get_or_init(|| {
        let Some(spec) = std::env::var_os("YIELDSAFE_FAILPOINTS") else {
            return Vec::new();
        };
        spec.to_string_lossy()
            .split(',')
            .filter_map(|pair| pair.split_once('='))
            .map(|(point, name)| (point.trim().to_string(), name.trim().to_string()))
            .collect()
    })
}

fn active(point: &str, path: &Path) -> bool {
    points()
        .iter()
        .any(|(p, name)| p == point && !name.is_empty() && path.to_string_lossy().ends_with(name))
}

/// The `fail-write` failpoint: `--fix` fails to write the fixed text of the file.
pub(crate) fn fail_write_point(path: &Path) -> bool {
    active("fail-write", path)
}

/// The `kill-before-rename` failpoint: the process dies after `--fix` wrote the fixed
/// text to its temporary file and before the rename, as a killed process would.
pub(crate) fn kill_before_rename_point(path: &Path) {
    if active("kill-before-rename", path) {
        std::process::abort();
    }
}

/// The `touch-before-rename` failpoint.
pub(crate) fn touch_before_rename_point(path: &Path) {
    if active("touch-before-rename", path) {
        let later = std::fs::metadata(path)
            .and_then(|m| m.modified())
            .map(|t| t + Duration::from_secs(2));
        if let (Ok(file), Ok(later)) = (std::fs::File::options().append(true).open(path), later) {
            let _ = file.set_modified(later);
        }
    }
}

/// The `panic` failpoint.
pub(crate) fn panic_point(path: &Path) {
    if active("panic", path) {
        panic!("failpoint: injected panic");
    }
}

/// The `pause` failpoint.
pub(crate) fn pause_point(path: &Path) {
    if !active("pause", path) {
        return;
    }
    let identity = |p: &Path| {
        std::fs::symlink_metadata(p)
            .ok()
            .map(|m| (m.file_type(), m.len(), m.modified().ok()))
    };
    let before = identity(path);
    eprintln!("failpoint: paused before reading {}", path.display());
    let deadline = Instant::now() + Duration::from_secs(30);
    while identity(path) == before && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
}
