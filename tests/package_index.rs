//! The package index an editor keeps (`driver::PackageIndex`) checks an edited text
//! in part, the unchanged fn bodies' findings taken from its last check: that must
//! be exactly what a whole check of the edited text finds. Every fixture (its
//! expectation comments left out, as they name the lints and would make every
//! check whole) is edited at each line with an `.await`, as typing does, well-formed
//! or not, and the two checks compared.

mod support;

use std::path::Path;
use std::sync::Arc;

use yieldsafe::discover::discover;
use yieldsafe::driver::{Checked, Options, PackageIndex};

/// A fixture without its `//~` expectations and `compiler-differs` notes.
fn bare(text: &str) -> String {
    text.lines()
        .map(
            |l| match l.find("//~").or_else(|| l.find("// compiler-differs")) {
                Some(i) => &l[..i],
                None => l,
            },
        )
        .collect::<Vec<_>>()
        .join("\n")
}

/// A crate in `dir` whose library is `text`, indexed.
fn index(dir: &Path, text: &str, edition: u16) -> (PackageIndex, Arc<Path>) {
    let manifest =
        format!("[package]\nname = \"fixture\"\nversion = \"0.1.0\"\nedition = \"{edition}\"\n");
    std::fs::create_dir_all(dir.join("src")).expect("mkdir");
    std::fs::write(dir.join("Cargo.toml"), manifest).expect("write");
    std::fs::write(dir.join("src/lib.rs"), text).expect("write");
    let dir = std::fs::canonicalize(dir).expect("canonical");
    let (members, _, _) = discover(std::slice::from_ref(&dir), &globset::GlobSet::empty(), None);
    let options = Options {
        per_package_config: true,
        ..Options::default()
    };
    let index = PackageIndex::build(Some(Arc::from(dir.as_path())), members, &options);
    (index, Arc::from(dir.join("src/lib.rs").as_path()))
}

/// The texts typing makes of `text`: at each line with an `.await`, a statement
/// typed before the line's code, and the line's first word deleted.
fn edits(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if line.contains(".await") {
            let indent = line.len() - line.trim_start().len();
            let at = offset + indent;
            let mut typed = text.to_string();
            typed.insert_str(at, "let _typed = 1; ");
            out.push(typed);
            let word = line[indent..]
                .find([' ', '.', '(', ';'])
                .unwrap_or(0)
                .max(1);
            let mut deleted = text.to_string();
            deleted.replace_range(at..at + word, "");
            out.push(deleted);
        }
        offset += line.len();
    }
    out
}

/// A check's findings, with the temporary directory left out of the paths.
fn shown(c: &Checked, dir: &Path) -> Vec<String> {
    let dir = dir.to_string_lossy();
    let mut out: Vec<String> = c
        .diagnostics
        .iter()
        .map(|d| format!("{d:?}").replace(&*dir, "<dir>"))
        .collect();
    out.push(format!("{:?}", c.parsed));
    out
}

/// A whole check of `text`, on an index of its own.
fn whole(text: &str, edition: u16) -> Vec<String> {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (mut cold, path) = index(dir.path(), text, edition);
    cold.set_text(&path, Some(Arc::from(text)));
    let checked = cold.check(&path).expect("the file is indexed");
    let dir = std::fs::canonicalize(dir.path()).expect("canonical");
    shown(&checked, &dir)
}

#[test]
fn a_check_in_part_finds_what_a_whole_check_finds() {
    let (mut compared, mut in_part) = (0, 0);
    let mut failures = Vec::new();
    for fx in support::load_all() {
        let text = bare(&fx.text);
        let edition = fx.editions[0];
        let dir = tempfile::tempdir().expect("a temporary directory");
        let (mut warm, path) = index(dir.path(), &text, edition);
        let canonical = std::fs::canonicalize(dir.path()).expect("canonical");
        warm.set_text(&path, Some(Arc::from(text.as_str())));
        warm.check(&path).expect("the file is indexed");
        let original = whole(&text, edition);
        // Each edit typed, then undone: both checks follow the last one.
        for edited in edits(&text) {
            for (now, want) in [
                (&edited, whole(&edited, edition)),
                (&text, original.clone()),
            ] {
                warm.set_text(&path, Some(Arc::from(now.as_str())));
                let got = warm.check(&path).expect("the file is indexed");
                compared += 1;
                in_part += usize::from(got.reused_bodies > 0);
                if shown(&got, &canonical) != want {
                    failures.push(format!(
                        "{} (edition {edition}), {} bodies reused:\n--- in part:\n{:#?}\n--- whole:\n{want:#?}\n--- text:\n{now}",
                        fx.path.display(),
                        got.reused_bodies,
                        shown(&got, &canonical),
                    ));
                }
            }
        }
    }
    eprintln!("{in_part} of {compared} checks were in part, all as the whole check");
    assert!(
        failures.is_empty(),
        "{} of {compared} differ:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    // Most fixtures name a lint in a comment or attribute: those are checked whole.
    assert!(
        compared > 1000 && in_part * 2 > compared,
        "{in_part} of {compared} checks were in part"
    );
}

/// What an `impl Trait` fn returns is read from its body: an edit there is checked
/// whole, as the other bodies' findings may change with it (the file's summary
/// changes, which drops the last check; and such a body is never one checked alone).
#[test]
fn an_edit_in_an_impl_trait_fn_is_checked_whole() {
    let text = "use std::ops::Deref;\nuse std::sync::Mutex;\n\n\
fn guard(m: &Mutex<u32>) -> impl Deref<Target = u32> + '_ {\n    m.lock().unwrap()\n}\n\n\
async fn tick() {}\n\nasync fn user(m: &Mutex<u32>) {\n    let g = guard(m);\n    tick().await;\n    let _ = *g;\n}\n";
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (mut warm, path) = index(dir.path(), text, 2021);
    warm.set_text(&path, Some(Arc::from(text)));
    let before = warm.check(&path).expect("the file is indexed");
    assert_eq!(before.diagnostics.len(), 1, "{:?}", before.diagnostics);
    let boxed = text.replace(
        "    m.lock().unwrap()\n",
        "    Box::new(*m.lock().unwrap())\n",
    );
    warm.set_text(&path, Some(Arc::from(boxed.as_str())));
    let after = warm.check(&path).expect("the file is indexed");
    assert_eq!(after.reused_bodies, 0);
    assert_eq!(
        after.diagnostics,
        Vec::new(),
        "the helper holds no guard now"
    );
}
