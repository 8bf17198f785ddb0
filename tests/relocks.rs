//! The runtime truth of `self_deadlock`: no compiler has the lint, so the fixtures that
//! say `//@ run: cases` are compiled as programs, in each of their editions, and every
//! top-level `fn case_*()` is run on a thread of its own. A case that holds a
//! `self_deadlock` expectation (for that edition) must hang (a lock that waits for
//! itself) or panic (a `RefCell` borrowed twice, a `try_lock().unwrap()` that fails);
//! every other case must return. Every `self_deadlock` expectation must be inside a
//! case. It runs code of this repository only.

mod support;

use std::collections::BTreeMap;
use std::fs;
use std::process::Command;

/// How long a case may run before it counts as hung: the cases take microseconds.
const HANG_MS: u64 = 1500;

/// The `case_*` fns of a fixture and their line ranges.
fn cases(text: &str) -> Vec<(String, usize, usize)> {
    let file = syn::parse_file(text).expect("a run fixture parses");
    file.items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Fn(f) if f.sig.ident.to_string().starts_with("case_") => {
                use syn::spanned::Spanned;
                let span = f.span();
                Some((f.sig.ident.to_string(), span.start().line, span.end().line))
            }
            _ => None,
        })
        .collect()
}

/// The fixture with a `main` that runs every case and prints `name: returns`,
/// `name: panics` or `name: hangs`.
fn harness(text: &str, cases: &[(String, usize, usize)]) -> String {
    let mut out = text.to_string();
    out.push_str(
        "\n#[allow(dead_code)]\nfn main() {\n    std::panic::set_hook(Box::new(|_| {}));\n    let cases: Vec<(&str, fn())> = vec![\n",
    );
    for (name, _, _) in cases {
        out.push_str(&format!("        (\"{name}\", {name}),\n"));
    }
    out.push_str(&format!(
        "    ];
    let runs: Vec<_> = cases
        .into_iter()
        .map(|(name, case)| {{
            let (tx, rx) = std::sync::mpsc::channel();
            std::thread::spawn(move || {{
                let ok = std::panic::catch_unwind(case).is_ok();
                let _ = tx.send(ok);
            }});
            (name, rx)
        }})
        .collect();
    let deadline = std::time::Instant::now() + std::time::Duration::from_millis({HANG_MS});
    for (name, rx) in runs {{
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match rx.recv_timeout(left) {{
            Ok(true) => println!(\"{{name}}: returns\"),
            Ok(false) => println!(\"{{name}}: panics\"),
            Err(_) => println!(\"{{name}}: hangs\"),
        }}
    }}
    std::process::exit(0);
}}
"
    ));
    out
}

#[test]
fn every_relock_fixture_deadlocks_exactly_where_it_expects() {
    let out_dir = tempfile::tempdir().expect("a temporary directory");
    let mut failures = Vec::new();
    let mut ran = 0;
    for fx in support::load_all().into_iter().filter(|f| f.run) {
        let cases = cases(&fx.text);
        assert!(!cases.is_empty(), "{}: no `fn case_*()`", fx.path.display());
        let source = out_dir
            .path()
            .join(fx.path.file_name().expect("a file name"));
        fs::write(&source, harness(&fx.text, &cases)).expect("the harness is written");
        for &edition in &fx.editions {
            let binary = out_dir.path().join(format!(
                "{}-{edition}",
                fx.path.file_stem().unwrap_or_default().to_string_lossy()
            ));
            let built = Command::new("rustc")
                .arg(format!("--edition={edition}"))
                .args(["-o"])
                .arg(&binary)
                .args(support::extern_flags(&fx.externs))
                .arg(&source)
                .output()
                .expect("rustc runs");
            if !built.status.success() {
                failures.push(format!(
                    "{} ({edition}): does not compile:\n{}",
                    fx.path.display(),
                    String::from_utf8_lossy(&built.stderr)
                ));
                continue;
            }
            let run = Command::new(&binary).output().expect("the fixture runs");
            let outcomes: BTreeMap<String, String> = String::from_utf8_lossy(&run.stdout)
                .lines()
                .filter_map(|l| l.split_once(": "))
                .map(|(n, o)| (n.to_string(), o.to_string()))
                .collect();
            let expected: Vec<usize> = fx
                .expectations
                .iter()
                .filter(|x| x.lint == "self_deadlock")
                .filter(|x| x.edition.is_none_or(|e| e == edition))
                .map(|x| x.line)
                .collect();
            for line in &expected {
                if !cases.iter().any(|(_, a, b)| a <= line && line <= b) {
                    failures.push(format!(
                        "{}:{line}: a `self_deadlock` expectation outside any `case_*` fn",
                        fx.path.display()
                    ));
                }
            }
            for (name, start, end) in &cases {
                ran += 1;
                let deadlocks = expected.iter().any(|l| start <= l && l <= end);
                let outcome = outcomes.get(name).map_or("missing", String::as_str);
                let agrees = match outcome {
                    "hangs" | "panics" => deadlocks,
                    "returns" => !deadlocks,
                    _ => false,
                };
                if !agrees {
                    let want = if deadlocks { "hang or panic" } else { "return" };
                    failures.push(format!(
                        "{}:{start} ({edition}): `{name}` {outcome}, but its expectations say it should {want}",
                        fx.path.display()
                    ));
                }
            }
        }
    }
    assert!(ran > 0, "no `//@ run: cases` fixture was found");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
