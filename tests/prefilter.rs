//! The two shortcuts of a default run give the same findings as parsing and indexing
//! everything (`full_parse`): only files that can have findings are parsed (a
//! lexical scan decides), and a crate's other files are summarised only when the
//! analysis asks about a name they declare, from a parse that leaves fn bodies out.

use std::fs;
use std::path::{Path, PathBuf};

use yieldsafe::analysis::summary as crate_table;
use yieldsafe::{run, Options, Report};

mod tree;
use tree::write;

fn findings(report: &Report) -> Vec<String> {
    report
        .diagnostics
        .iter()
        .map(|d| {
            format!(
                "{}:{}:{} {} {}",
                d.primary.file.display(),
                d.primary.line,
                d.primary.column,
                d.lint,
                d.message
            )
        })
        .collect()
}

/// Both runs on `paths`: (default, full).
fn both(paths: &[PathBuf]) -> (Report, Report) {
    let options = Options {
        paths: paths.to_vec(),
        ..Options::default()
    };
    let full = Options {
        full_parse: true,
        ..options.clone()
    };
    (run(&options), run(&full))
}

fn assert_same(paths: &[PathBuf]) -> (Report, Report) {
    let (fast, full) = both(paths);
    let (a, b) = (findings(&fast), findings(&full));
    if a != b {
        let only_fast: Vec<_> = a.iter().filter(|x| !b.contains(x)).collect();
        let only_full: Vec<_> = b.iter().filter(|x| !a.contains(x)).collect();
        panic!("the findings differ\nonly by default: {only_fast:#?}\nonly with full_parse: {only_full:#?}");
    }
    // Every problem of the default run (unreadable files, syntax errors in parsed
    // files) is one of the full run too.
    for p in &fast.problems {
        assert!(
            full.problems
                .iter()
                .any(|q| q.file == p.file && q.message == p.message),
            "{p:?} is not a problem of the full run"
        );
    }
    (fast, full)
}

/// A crate in which every finding depends on something another file declares, and
/// some files have findings without any `.await` written in them.
#[test]
fn a_crate_whose_findings_depend_on_other_files() {
    let dir = tree::package();
    let root = dir.path();
    write(
        root,
        "src/lib.rs",
        "pub mod shared; pub mod inner; pub mod locks; pub mod sync; pub mod marker;\n\
         #[macro_use] pub mod macros; pub mod user; pub mod macro_user; pub mod join_user;\n\
         pub mod expect; pub mod docs; pub mod broken;\n",
    );
    // A struct that mentions no lock: only its field's type leads to one.
    write(
        root,
        "src/shared.rs",
        "use crate::inner::Inner;\npub struct Shared {\n    pub inner: Inner,\n}\n",
    );
    write(
        root,
        "src/inner.rs",
        "pub struct Inner {\n    pub m: std::sync::Mutex<u32>,\n}\n",
    );
    write(
        root,
        "src/locks.rs",
        "pub struct Lock(std::sync::Mutex<u32>);\n\
         impl Lock {\n    pub fn guard(&self) -> std::sync::MutexGuard<'_, u32> {\n        self.0.lock().unwrap()\n    }\n}\n",
    );
    write(
        root,
        "src/sync.rs",
        "pub use std::sync::Mutex as StdMutex;\n",
    );
    write(
        root,
        "src/marker.rs",
        "#[must_not_suspend = \"hold it briefly\"]\npub struct Token;\nimpl Drop for Token {\n    fn drop(&mut self) {}\n}\n",
    );
    write(
        root,
        "src/macros.rs",
        "#[macro_export]\nmacro_rules! settle {\n    ($f:expr) => {\n        $f.await\n    };\n}\n",
    );
    write(
        root,
        "src/user.rs",
        "use crate::marker::Token;\nuse crate::shared::Shared;\nuse crate::sync::StdMutex;\n\
         async fn tick() {}\n\
         pub async fn chain(s: &Shared) {\n    let g = s.inner.m.lock().unwrap();\n    tick().await;\n    drop(g);\n}\n\
         pub async fn reexported(m: &StdMutex<u32>) {\n    let g = m.lock().unwrap();\n    tick().await;\n    drop(g);\n}\n\
         pub async fn annotated() {\n    let t = Token;\n    tick().await;\n    drop(t);\n}\n",
    );
    // No `.await` written here: the crate's macro awaits.
    write(
        root,
        "src/macro_user.rs",
        "use crate::locks::Lock;\npub async fn f(l: &Lock) {\n    let g = l.guard();\n    settle!(async {});\n    drop(g);\n}\n",
    );
    // Nor here: `join!` awaits.
    write(
        root,
        "src/join_user.rs",
        "use crate::locks::Lock;\nasync fn a() {}\n\
         pub async fn g(l: &Lock) {\n    let g = l.guard();\n    futures::join!(a(), a());\n    drop(g);\n}\n",
    );
    // An expectation nothing meets, in a file without async code.
    write(
        root,
        "src/expect.rs",
        "#[expect(clippy::await_holding_lock)]\npub fn nothing() {}\n",
    );
    // `.await` only in documentation: not parsed.
    write(
        root,
        "src/docs.rs",
        "/// ```\n/// let g = m.lock().unwrap();\n/// tick().await;\n/// ```\npub fn documented() {}\n",
    );
    // A syntax error in a file that cannot have findings: only the full run parses it
    // (delimiters that do not balance would have it parsed by default too).
    write(root, "src/broken.rs", "pub fn broken() {\n    let = ;\n}\n");
    let (fast, full) = assert_same(&[root.to_path_buf()]);
    let mut got = tree::relative_findings(&fast, root);
    got.sort();
    assert_eq!(
        got,
        [
            "src/expect.rs:1 unfulfilled_lint_expectations",
            "src/join_user.rs:4 await_holding_lock",
            "src/macro_user.rs:3 await_holding_lock",
            "src/user.rs:11 await_holding_lock",
            "src/user.rs:16 must_not_suspend",
            "src/user.rs:6 await_holding_lock",
        ]
    );
    let parsed_by_default = fast.stats.parsed;
    assert_eq!(fast.stats.files, 13);
    // macros.rs, user.rs, macro_user.rs, join_user.rs, expect.rs, marker.rs (it
    // names `must_not_suspend`) and locks.rs (it takes a lock: `self_deadlock`).
    assert_eq!(parsed_by_default, 7, "{:?}", fast.stats);
    assert_eq!(full.stats.parsed, 13);
    assert!(fast.problems.is_empty(), "{:?}", fast.problems);
    assert_eq!(full.problems.len(), 1, "{:?}", full.problems);
    assert!(full.problems[0].message.contains("cannot parse"));
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The parse without fn bodies succeeds wherever the full parse does, and gives the
/// same summary as the full parse with its fn bodies emptied.
fn assert_shallow_summaries_agree(files: &[PathBuf]) -> usize {
    let mut compared = 0;
    for path in files {
        let Ok(text) = fs::read_to_string(path) else {
            continue;
        };
        if yieldsafe::prefilter::nesting::too_deep(&text).is_some() {
            continue;
        }
        let Some(full) = crate_table::parse_without_fn_bodies(&text) else {
            continue;
        };
        let shallow = crate_table::parse_shallow(&text)
            .unwrap_or_else(|| panic!("{}: parses, but not without its fn bodies", path.display()));
        assert_eq!(
            crate_table::summarize(&shallow, &text),
            crate_table::summarize(&full, &text),
            "{}",
            path.display()
        );
        proc_macro2::extra::invalidate_current_thread_spans();
        compared += 1;
    }
    compared
}

#[test]
fn the_repository_itself() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dirs: Vec<PathBuf> = ["src", "tests", "fixtures", "examples"]
        .iter()
        .map(|d| root.join(d))
        .collect();
    let (fast, _) = assert_same(&dirs);
    assert!(!fast.diagnostics.is_empty());
    let mut files = Vec::new();
    for d in &dirs {
        rust_files(d, &mut files);
    }
    assert!(assert_shallow_summaries_agree(&files) > 100);
}

/// The benchmark corpus (bench/corpus: 32 real async crates, fetched from the
/// registry). `YIELDSAFE_SKIP_CORPUS=1` skips it, for working offline.
#[test]
fn the_corpus() {
    if std::env::var_os("YIELDSAFE_SKIP_CORPUS").is_some() {
        eprintln!("the corpus comparison is skipped (YIELDSAFE_SKIP_CORPUS)");
        return;
    }
    let fetch = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/corpus/fetch.sh");
    let out = std::process::Command::new("bash")
        .arg(&fetch)
        .output()
        .expect("bash runs bench/corpus/fetch.sh");
    assert!(
        out.status.success(),
        "bench/corpus/fetch.sh failed (set YIELDSAFE_SKIP_CORPUS=1 to skip offline):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dirs: Vec<PathBuf> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(PathBuf::from)
        .collect();
    assert_eq!(dirs.len(), 32);
    let (fast, full) = assert_same(&dirs);
    assert!(fast.stats.files > 2500, "{:?}", fast.stats);
    assert!(
        fast.stats.parsed < full.stats.parsed / 2,
        "{:?}",
        fast.stats
    );
    let mut files = Vec::new();
    for d in &dirs {
        rust_files(d, &mut files);
    }
    assert!(assert_shallow_summaries_agree(&files) > 2500);
}

/// One file at a time, as the fuzz targets check it too: on every fixture, in both
/// editions, the scan never skips a file with findings, and parsing with the quiet
/// fn bodies blanked finds exactly what the full parse finds.
#[test]
fn every_fixture_alone() {
    use yieldsafe::edition::Edition;
    use yieldsafe::source::SourceFile;
    use yieldsafe::LintLevels;
    let mut files = Vec::new();
    rust_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures"),
        &mut files,
    );
    assert!(files.len() > 90);
    let mut skipped = 0;
    for path in &files {
        let text = fs::read_to_string(path).unwrap();
        let file = SourceFile::new(std::sync::Arc::from(path.as_path()), text.into());
        for edition in [Edition::E2021, Edition::E2024] {
            let levels = LintLevels::default();
            let full = yieldsafe::check_source(&file, edition, &levels);
            let key = |o: &yieldsafe::CheckOutcome| -> Vec<String> {
                o.diagnostics
                    .iter()
                    .map(|d| {
                        format!(
                            "{}:{} {} {}",
                            d.primary.line, d.primary.column, d.lint, d.message
                        )
                    })
                    .collect()
            };
            match yieldsafe::check_source_prefiltered(&file, edition, &levels) {
                None => {
                    assert!(
                        full.diagnostics.is_empty(),
                        "{} was skipped",
                        path.display()
                    );
                    skipped += 1;
                }
                Some(fast) => assert_eq!(key(&fast), key(&full), "{}", path.display()),
            }
        }
    }
    // Some fixtures are only declarations used by others, or have no await at all.
    assert!(skipped < files.len());
}
