//! The same tree gives byte-identical output whatever the number of threads and
//! however often it is checked: every fixture, generated files with many findings,
//! and files that fail (parse errors, non-UTF-8, too deep), in every stable format.

use std::fs;
use std::path::Path;

use assert_cmd::Command;

mod tree;
use tree::write;

/// A tree: a copy of `fixtures/`, plus generated and failing files spread over
/// directories so that the threads finish them in varying order.
fn tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures"),
        &dir.path().join("fixtures"),
    );
    for d in 0..8 {
        for f in 0..6 {
            let mut text = String::from(
                "use std::sync::Mutex;\nuse std::cell::RefCell;\nasync fn tick() {}\n",
            );
            for i in 0..(d * 7 + f * 3) % 20 + 1 {
                text.push_str(&format!(
                    "pub async fn f{i}(m: &Mutex<u32>, c: &RefCell<u32>) {{\n    let g = m.lock().unwrap();\n    let r = c.borrow();\n    tick().await;\n    let _ = (*g, *r);\n}}\n"
                ));
            }
            write(dir.path(), &format!("gen/d{d}/f{f}.rs"), text.as_bytes());
        }
        write(
            dir.path(),
            &format!("gen/d{d}/broken.rs"),
            b"async fn f() { let g = m.lock(; }",
        );
    }
    write(dir.path(), "bad/latin1.rs", b"fn f() { \"caf\xe9\" }");
    let deep = format!("fn f() {{ {}1{} }}", "(".repeat(3000), ")".repeat(3000));
    write(dir.path(), "bad/deep.rs", deep.as_bytes());
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// (exit status, stdout, stderr) of one run.
fn output(dir: &Path, format: &str, jobs: &str) -> (i32, Vec<u8>, Vec<u8>) {
    let out = Command::cargo_bin("yieldsafe")
        .unwrap()
        .current_dir(dir)
        .args(["--color=never", "--format", format, "--jobs", jobs, "."])
        .output()
        .unwrap();
    (out.status.code().unwrap_or(-1), out.stdout, out.stderr)
}

#[test]
fn output_is_byte_identical_across_thread_counts_and_runs() {
    let dir = tree();
    for format in ["human", "short", "json"] {
        let first = output(dir.path(), format, "1");
        assert_eq!(first.0, 2, "the failing files make it 2");
        let findings = String::from_utf8_lossy(&first.1);
        assert!(
            findings.matches("await_holding_lock").count() > 100,
            "{format}: too few findings to show anything:\n{findings}"
        );
        for jobs in ["1", "2", "2", "2", "8"] {
            let again = output(dir.path(), format, jobs);
            assert_eq!(again.0, first.0, "{format} --jobs {jobs}: exit status");
            assert!(
                again.1 == first.1,
                "{format} --jobs {jobs}: stdout differs from --jobs 1"
            );
            assert!(
                again.2 == first.2,
                "{format} --jobs {jobs}: stderr differs from --jobs 1:\n{}\n---\n{}",
                String::from_utf8_lossy(&first.2),
                String::from_utf8_lossy(&again.2)
            );
        }
    }
}
