//! Each lint's record documents an example that the lint reports and the same code
//! fixed, which it must not: both are run through the checker as a user's crate
//! would be (a `clippy.toml` the example shows is written beside it). And every
//! type a record says it matches is one the hazard table knows, of that lint.

use std::path::Path;

use yieldsafe::catalog::{self, Lint};
use yieldsafe::diagnostic::Level;
use yieldsafe::{run, Options};

/// The lints a `--explain` example reports, checked with every lint on.
fn findings(code: &str, dir: &Path) -> Vec<String> {
    let (config, rust) = split_config(code);
    if let Some(config) = config {
        std::fs::write(dir.join("clippy.toml"), config).expect("clippy.toml");
    }
    let file = dir.join("example.rs");
    std::fs::write(&file, rust).expect("the example");
    let settings = yieldsafe::config::load(None, &[dir.to_path_buf()]).expect("the settings");
    let mut options = Options {
        paths: vec![file],
        invalid_types: settings.invalid_types,
        ..Options::default()
    };
    options.levels.set("warnings", Level::Warn);
    options.levels.set("future_not_send", Level::Warn);
    options.levels.set("recursive_read_lock", Level::Warn);
    let report = run(&options);
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    report
        .diagnostics
        .iter()
        .map(|d| d.lint.to_string())
        .collect()
}

/// An example that starts with a `# clippy.toml` block: that block, and the Rust
/// after the `// src/lib.rs` line.
fn split_config(code: &str) -> (Option<String>, String) {
    let Some(rest) = code.strip_prefix("# clippy.toml\n") else {
        return (None, code.to_string());
    };
    let (config, rust) = rest
        .split_once("// src/lib.rs\n")
        .expect("a `// src/lib.rs` line");
    (Some(config.to_string()), rust.to_string())
}

#[test]
fn every_example_reports_its_lint_and_its_fix_does_not() {
    for lint in Lint::ALL {
        let record = lint.record();
        let dir = tempfile::tempdir().expect("a temporary directory");
        let example = findings(&record.example, dir.path());
        assert!(
            example.iter().any(|l| l == lint.name()),
            "{}: the example does not report it: {example:?}",
            lint.name()
        );
        let dir = tempfile::tempdir().expect("a temporary directory");
        let (config, _) = split_config(&record.example);
        let fixed = match config {
            Some(c) => format!("# clippy.toml\n{c}// src/lib.rs\n{}", record.use_instead),
            None => record.use_instead.clone(),
        };
        let fixed = findings(&fixed, dir.path());
        assert!(
            !fixed.iter().any(|l| l == lint.name()),
            "{}: `use_instead` still reports it: {fixed:?}",
            lint.name()
        );
    }
}

#[test]
fn matched_types_are_rows_of_the_hazard_table() {
    use yieldsafe::hazard::families::{classify_lock_path, guard_type_hazard};
    use yieldsafe::hazard::HazardClass;
    let class_of = |lint: Lint| match lint {
        Lint::AwaitHoldingLock => Some(HazardClass::Lock),
        Lint::AwaitHoldingRefcellRef => Some(HazardClass::RefCellRef),
        _ => None,
    };
    for lint in Lint::ALL {
        let Some(class) = class_of(lint) else {
            continue;
        };
        for ty in lint.record().matched_types() {
            let path: Vec<String> = ty.split("::").map(str::to_string).collect();
            let hazard = guard_type_hazard(&path, &Default::default());
            assert_eq!(
                hazard.map(|h| h.class),
                Some(class),
                "{}: `{ty}` is not a guard of this lint in the hazard table",
                lint.name()
            );
        }
        for method in lint.record().matched_methods() {
            let name = method.trim_start_matches('.').trim_end_matches("()");
            let produced = [
                "std::sync::Mutex",
                "std::sync::RwLock",
                "std::cell::RefCell",
                "dashmap::DashMap",
                "tokio::sync::watch::Receiver",
            ]
            .iter()
            .filter_map(|lock| {
                let path: Vec<String> = lock.split("::").map(str::to_string).collect();
                classify_lock_path(&path)
            })
            .any(|receiver| {
                yieldsafe::hazard::lock_method_result(
                    name,
                    Some(receiver),
                    yieldsafe::hazard::NextUse::Other,
                    &Default::default(),
                )
                .is_some_and(|s| s.hazard.class == class)
            });
            assert!(
                produced,
                "{}: `{method}` produces no guard of this lint in the hazard table",
                lint.name()
            );
        }
    }
    let _ = catalog::all();
}
