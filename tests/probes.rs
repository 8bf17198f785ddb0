//! Runtime probes: where clippy and rustc disagree with a fixture, a program that polls
//! the future by hand and calls `try_lock` at the suspension decides, and the fixture's
//! `compiler-differs` marker cites it. Each probe in `tests/probes/` lists what it must
//! print (`//! expect: ..`) and the crates it needs (`//! extern: ..`); this test
//! compiles and runs every one. It runs code of this repository only.

mod support;

use std::fs;
use std::process::Command;

const PROBES: &str = "tests/probes";
/// The module the probes share, not a probe.
const SHARED: &str = "poll.rs";

#[test]
fn every_probe_prints_what_it_expects() {
    let dir = support::repo_root().join(PROBES);
    let out = tempfile::tempdir().expect("a temporary directory");
    let mut failures = Vec::new();
    let mut probes = 0;
    for entry in fs::read_dir(&dir).expect("tests/probes is readable") {
        let path = entry.expect("a directory entry").path();
        let name = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        if !name.ends_with(".rs") || name == SHARED {
            continue;
        }
        probes += 1;
        let text = fs::read_to_string(&path).expect("a probe is readable");
        let field = |key: &str| -> Vec<String> {
            text.lines()
                .filter_map(|l| l.strip_prefix(&format!("//! {key}: ")))
                .map(str::to_string)
                .collect()
        };
        let expected = field("expect");
        let externs: Vec<String> = field("extern")
            .iter()
            .flat_map(|l| l.split_whitespace().map(str::to_string).collect::<Vec<_>>())
            .collect();
        assert!(!expected.is_empty(), "{name}: no `//! expect:` line");
        let binary = out.path().join(name.trim_end_matches(".rs"));
        let built = Command::new("rustc")
            .args(["--edition=2021", "-o"])
            .arg(&binary)
            .args(support::extern_flags(&externs))
            .arg(&path)
            .output()
            .expect("rustc runs");
        if !built.status.success() {
            failures.push(format!(
                "{name}: does not compile:\n{}",
                String::from_utf8_lossy(&built.stderr)
            ));
            continue;
        }
        let ran = Command::new(&binary).output().expect("the probe runs");
        let printed: Vec<String> = String::from_utf8_lossy(&ran.stdout)
            .lines()
            .map(str::to_string)
            .collect();
        if !ran.status.success() || printed != expected {
            failures.push(format!(
                "{name}: expected\n  {}\nprinted ({})\n  {}",
                expected.join("\n  "),
                ran.status,
                printed.join("\n  ")
            ));
        }
    }
    assert!(probes > 0, "no probes found in {PROBES}");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
