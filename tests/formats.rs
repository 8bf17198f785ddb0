//! The machine formats, each read back by its real consumer: `cargo` by
//! `cargo_metadata::Message` (what rust-analyzer's `check.overrideCommand` reads) and
//! the `$rustc-json` problem matcher of rust-analyzer's VS Code extension, `sarif` by
//! the SARIF 2.1.0 JSON schema, `github` by the Actions runner's unescaping, `human` by
//! the `$rustc` problem matcher. The source has several findings, a suggestion and
//! non-ASCII text (a 4-byte emoji, so columns in characters, bytes and UTF-16 units
//! all differ) before a span.

use std::fs;
use std::io::Cursor;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use cargo_metadata::diagnostic::{Applicability, DiagnosticLevel};
use cargo_metadata::Message;
use regex::Regex;
use serde_json::Value;

const LIB: &str = r#"use std::cell::RefCell;
use std::sync::Mutex;

async fn yield_now() {}

pub async fn größe(m: &Mutex<u32>) {
    /* 🦀 ü */ let g = m.lock().unwrap(); let _n = *g;
    yield_now().await;
}

pub async fn borrowed(c: &RefCell<Vec<u8>>, m: &Mutex<u32>) {
    let s = "«»";
    let b = c.borrow_mut(); let /* é */ n = m.lock().unwrap();
    yield_now().await;
    drop((b, n, s));
}
"#;

const MANIFEST: &str =
    "[package]\nname = \"demo-crate\"\nversion = \"0.3.1\"\nedition = \"2021\"\n";

/// A crate in a temporary directory (canonical path, as the tool reports it).
struct Crate {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

fn demo_crate() -> Crate {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    fs::create_dir_all(root.join("src")).unwrap();
    fs::write(root.join("Cargo.toml"), MANIFEST).unwrap();
    fs::write(root.join("src/lib.rs"), LIB).unwrap();
    Crate { _dir: dir, root }
}

fn run(dir: &Path, args: &[&str]) -> (i32, String) {
    let out = Command::cargo_bin("yieldsafe")
        .unwrap()
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
    )
}

/// Where a finding is, worked out from the text alone: 1-based line, 1-based column
/// in characters, byte offset.
fn position_of(text: &str, needle: &str, nth: usize) -> (usize, usize, usize) {
    let byte = text
        .match_indices(needle)
        .nth(nth)
        .unwrap_or_else(|| panic!("{needle:?} #{nth} in the text"))
        .0;
    let line_start = text[..byte].rfind('\n').map_or(0, |i| i + 1);
    let line = text[..byte].matches('\n').count() + 1;
    let column = text[line_start..byte].chars().count() + 1;
    (line, column, byte)
}

/// The held values of `LIB`, in output order: (name, needle before it, lint).
fn expected() -> Vec<(usize, usize, usize, &'static str)> {
    let g = position_of(LIB, "let g", 0);
    let b = position_of(LIB, "let b", 0);
    let n = position_of(LIB, "*/ n", 0);
    vec![
        (g.0, g.1 + 4, g.2 + 4, "await_holding_lock"),
        (b.0, b.1 + 4, b.2 + 4, "await_holding_refcell_ref"),
        (n.0, n.1 + 3, n.2 + 3, "await_holding_lock"),
    ]
}

#[test]
fn the_fixture_has_what_these_tests_need() {
    let (line, column, byte, _) = expected()[0];
    assert_eq!((line, column), (7, 19));
    // Columns in characters, not bytes (🦀 is 4 bytes, ü 2) nor UTF-16 units (🦀 is 2).
    assert_eq!(
        byte - LIB.lines().take(6).map(|l| l.len() + 1).sum::<usize>(),
        18 + 4
    );
}

#[test]
fn cargo_format_round_trips_through_cargo_metadata() {
    let krate = demo_crate();
    let (code, out) = run(&krate.root, &["--format", "cargo", "src"]);
    assert_eq!(code, 0, "{out}");
    let messages: Vec<Message> = Message::parse_stream(Cursor::new(out.as_bytes()))
        .collect::<Result<_, _>>()
        .expect("every line parses as a cargo message");
    // Every line is a message cargo_metadata knows, not `TextLine`.
    assert_eq!(messages.len(), out.lines().count());
    let (last, findings) = messages.split_last().unwrap();
    match last {
        Message::BuildFinished(done) => assert!(done.success),
        other => panic!("last line is not build-finished: {other:?}"),
    }
    // cargo_metadata drops `manifest_path`; rust-analyzer does not need it, cargo
    // writes it.
    let first: Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    assert_eq!(
        first["manifest_path"],
        krate.root.join("Cargo.toml").to_str().unwrap()
    );
    let expected = expected();
    assert_eq!(findings.len(), expected.len());
    for (m, &(line, column, byte, lint)) in findings.iter().zip(&expected) {
        let Message::CompilerMessage(m) = m else {
            panic!("not a compiler-message: {m:?}")
        };
        let root_url = format!("path+file://{}", krate.root.display());
        assert_eq!(m.package_id.repr, format!("{root_url}#demo-crate@0.3.1"));
        assert_eq!(m.target.name, "demo_crate");
        assert!(m.target.is_lib(), "{:?}", m.target.kind);
        assert_eq!(m.target.src_path, krate.root.join("src/lib.rs"));
        assert_eq!(m.target.edition, cargo_metadata::Edition::E2021);

        let d = &m.message;
        assert_eq!(d.level, DiagnosticLevel::Warning);
        let code = d.code.as_ref().expect("a code");
        assert_eq!(code.code, format!("clippy::{lint}"));
        assert!(code.explanation.is_none());
        let primary: Vec<_> = d.spans.iter().filter(|s| s.is_primary).collect();
        assert_eq!(primary.len(), 1);
        let p = primary[0];
        assert_eq!(p.file_name, "src/lib.rs");
        assert_eq!((p.line_start, p.line_end), (line, line));
        assert_eq!((p.column_start, p.column_end), (column, column + 1));
        assert_eq!(
            (p.byte_start as usize, p.byte_end as usize),
            (byte, byte + 1)
        );
        assert_eq!(p.label.as_deref(), Some("held from here"));
        assert_eq!(p.text.len(), 1);
        assert_eq!(p.text[0].text, LIB.lines().nth(line - 1).unwrap());
        assert_eq!(
            (p.text[0].highlight_start, p.text[0].highlight_end),
            (column, column + 1)
        );
        assert!(p.expansion.is_none() && p.suggested_replacement.is_none());
        // Every await is a secondary span with its label.
        let awaits: Vec<_> = d
            .spans
            .iter()
            .filter(|s| !s.is_primary && s.label.as_deref().unwrap_or("").starts_with("await"))
            .collect();
        assert_eq!(awaits.len(), 1);
        let (await_line, await_col, await_byte) = (0..2)
            .map(|i| position_of(LIB, "await", i))
            .find(|a| a.0 == line + 1)
            .expect("an await on the next line");
        assert_eq!(awaits[0].line_start, await_line);
        assert_eq!(awaits[0].column_start, await_col);
        assert_eq!(awaits[0].byte_start as usize, await_byte);
        // The rendered text is the human report of the same finding.
        let rendered = d.rendered.as_deref().expect("rendered");
        assert!(
            rendered.starts_with(&format!("warning: {}\n", d.message)),
            "{rendered}"
        );
        assert!(rendered.contains(&format!("--> src/lib.rs:{line}:{column}\n")));
        assert!(d
            .children
            .iter()
            .any(|c| c.level == DiagnosticLevel::Note && c.message.contains(lint)));
    }
    // The first finding's suggestion is a quick-fix: a help child whose span carries
    // the replacement and its applicability.
    let Message::CompilerMessage(first) = &findings[0] else {
        unreachable!()
    };
    let fix = first
        .message
        .children
        .iter()
        .find(|c| c.level == DiagnosticLevel::Help && !c.spans.is_empty())
        .expect("a help child with a suggestion");
    assert_eq!(
        fix.message,
        "end `g` before the await: put its `let` through its last use in a block"
    );
    let edit = &fix.spans[0];
    let (let_line, let_column, _) = position_of(LIB, "let g", 0);
    let insert_at = LIB.find("let g").unwrap();
    assert_eq!(
        edit.suggested_replacement.as_deref(),
        Some("{\n        let g = m.lock().unwrap(); let _n = *g;\n    }")
    );
    assert_eq!(
        edit.suggestion_applicability,
        Some(Applicability::MachineApplicable)
    );
    // The statements from the guard's `let` through its last use are replaced.
    assert_eq!((edit.line_start, edit.column_start), (let_line, let_column));
    let end = LIB.find("let _n = *g;").unwrap() + "let _n = *g;".len();
    assert_eq!(
        (edit.byte_start as usize, edit.byte_end as usize),
        (insert_at, end)
    );
}

#[test]
fn cargo_format_agrees_with_json_lines() {
    let krate = demo_crate();
    let (_, cargo) = run(&krate.root, &["--format", "cargo", "src"]);
    let (_, json) = run(&krate.root, &["--format", "json", "src"]);
    let cargo: Vec<Value> = cargo
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .filter(|v: &Value| v["reason"] == "compiler-message")
        .collect();
    let json: Vec<Value> = json
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(cargo.len(), json.len());
    for (c, j) in cargo.iter().zip(&json) {
        let span = &c["message"]["spans"][0];
        assert_eq!(c["message"]["message"], j["message"]);
        for (ck, jk) in [
            ("line_start", "line"),
            ("column_start", "column"),
            ("line_end", "end_line"),
            ("column_end", "end_column"),
            ("byte_start", "byte_start"),
            ("byte_end", "byte_end"),
        ] {
            assert_eq!(span[ck], j[jk], "{ck}");
        }
    }
}

#[test]
fn cargo_format_marks_deny_as_error_and_the_build_failed() {
    let krate = demo_crate();
    let (code, out) = run(&krate.root, &["--format", "cargo", "-D", "warnings", "src"]);
    assert_eq!(code, 1);
    let messages: Vec<Message> = Message::parse_stream(Cursor::new(out.as_bytes()))
        .collect::<Result<_, _>>()
        .unwrap();
    for m in &messages[..messages.len() - 1] {
        let Message::CompilerMessage(m) = m else {
            panic!("{m:?}")
        };
        assert_eq!(m.message.level, DiagnosticLevel::Error);
        assert!(m
            .message
            .rendered
            .as_deref()
            .unwrap()
            .starts_with("error: "));
    }
    assert!(matches!(messages.last(), Some(Message::BuildFinished(b)) if !b.success));
}

#[test]
fn cargo_format_reports_a_file_that_does_not_parse_where_it_fails() {
    let krate = demo_crate();
    fs::write(
        krate.root.join("src/broken.rs"),
        // `.await`: a file that can have findings, so it is parsed.
        "fn é() {\n    let = x.await;\n}\n",
    )
    .unwrap();
    let (code, out) = run(&krate.root, &["--format", "cargo", "src"]);
    assert_eq!(code, 2);
    let messages: Vec<Message> = Message::parse_stream(Cursor::new(out.as_bytes()))
        .collect::<Result<_, _>>()
        .unwrap();
    let errors: Vec<_> = messages
        .iter()
        .filter_map(|m| match m {
            Message::CompilerMessage(m) if m.message.level == DiagnosticLevel::Error => Some(m),
            _ => None,
        })
        .collect();
    assert_eq!(errors.len(), 1, "{out}");
    let span = &errors[0].message.spans[0];
    assert_eq!(span.file_name, "src/broken.rs");
    assert_eq!((span.line_start, span.column_start), (2, 9));
    assert_eq!(span.byte_start as usize, "fn é() {\n    let ".len());
    assert!(matches!(messages.last(), Some(Message::BuildFinished(b)) if !b.success));
}

/// The problem patterns of rust-analyzer's VS Code extension (`editors/code/package.json`,
/// `contributes.problemPatterns`), as VS Code applies them.
const RUSTC_PATTERN: [&str; 2] = [
    r"^(warning|warn|error)(?:\[(.*?)\])?: (.*)$",
    r"^[\s->=]*(.*?):([1-9]\d*):([1-9]\d*)\s*$",
];

/// A VS Code (JavaScript) pattern as the `regex` crate reads it. JavaScript takes a `-`
/// after a class escape inside brackets (`[\s->=]`) as a literal; `regex` wants it
/// escaped. Nothing else in these patterns differs between the two.
fn js_regex(pattern: &str) -> Regex {
    Regex::new(&pattern.replace(r"[\s->=]", r"[\s\->=]")).expect("a valid pattern")
}

const RUSTC_JSON_PATTERN: &str = r#"^.*"message":\{"message":"([^"]*).*?"file_name":"([^"]+).*?"line_start":(\d+).*?"line_end":(\d+).*?"column_start":(\d+).*?"column_end":(\d+).*}$"#;

#[test]
fn cargo_format_matches_the_rustc_json_problem_matcher() {
    let krate = demo_crate();
    let (_, out) = run(&krate.root, &["--format", "cargo", "src"]);
    let re = js_regex(RUSTC_JSON_PATTERN);
    let found: Vec<(String, usize, usize)> = out
        .lines()
        .filter(|l| l.contains("compiler-message"))
        .map(|l| {
            let c = re.captures(l).unwrap_or_else(|| panic!("no match: {l}"));
            assert!(c[1].contains("is held across an await point"), "{}", &c[1]);
            (
                c[2].to_owned(),
                c[3].parse().unwrap(),
                c[5].parse().unwrap(),
            )
        })
        .collect();
    let want: Vec<(String, usize, usize)> = expected()
        .iter()
        .map(|&(line, column, _, _)| ("src/lib.rs".to_owned(), line, column))
        .collect();
    assert_eq!(found, want);
}

#[test]
fn human_format_matches_the_rustc_problem_matcher() {
    let krate = demo_crate();
    let (_, out) = run(&krate.root, &["--color", "never", "src"]);
    let head = js_regex(RUSTC_PATTERN[0]);
    let place = js_regex(RUSTC_PATTERN[1]);
    let lines: Vec<&str> = out.lines().collect();
    let mut found = Vec::new();
    for pair in lines.windows(2) {
        if let (Some(h), Some(p)) = (head.captures(pair[0]), place.captures(pair[1])) {
            assert_eq!(&h[1], "warning");
            found.push((
                p[1].to_owned(),
                p[2].parse::<usize>().unwrap(),
                p[3].parse::<usize>().unwrap(),
            ));
        }
    }
    let want: Vec<(String, usize, usize)> = expected()
        .iter()
        .map(|&(line, column, _, _)| ("src/lib.rs".to_owned(), line, column))
        .collect();
    assert_eq!(found, want, "{out}");
}

/// The runner's reading of a workflow command: `::name k=v,k=v::message`, with the
/// toolkit's escapes undone (properties split first, then unescaped).
fn parse_command(line: &str) -> (String, Vec<(String, String)>, String) {
    let rest = line.strip_prefix("::").expect("a workflow command");
    let (head, message) = rest.split_once("::").expect("`::` before the message");
    let (name, props) = head.split_once(' ').unwrap_or((head, ""));
    let unescape = |s: &str| {
        s.replace("%0D", "\r")
            .replace("%0A", "\n")
            .replace("%3A", ":")
            .replace("%2C", ",")
            .replace("%25", "%")
    };
    let props = props
        .split(',')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').expect("key=value");
            (k.to_owned(), unescape(v))
        })
        .collect();
    (name.to_owned(), props, unescape(message))
}

#[test]
fn github_format_escapes_data_and_properties() {
    let dir = tempfile::tempdir().unwrap();
    // A file name with every character the runner would misread.
    let name = "a,b:c%d.rs";
    fs::write(dir.path().join(name), LIB).unwrap();
    let (code, out) = run(dir.path(), &["--format", "github", name]);
    assert_eq!(code, 0);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    let (line, column, _, _) = expected()[0];
    assert_eq!(
        lines[0].split("::").nth(1).unwrap(),
        format!(
            "warning file=a%2Cb%3Ac%25d.rs,line={line},col={column},endLine={line},endColumn={},title=yieldsafe%3A await_holding_lock",
            column + 1
        )
    );
    for (l, &(line, column, _, lint)) in lines.iter().zip(&expected()) {
        // One command per line: no raw line break or carriage return survives.
        assert!(!l.contains('\r'));
        let (command, props, message) = parse_command(l);
        assert_eq!(command, "warning");
        let get = |k: &str| props.iter().find(|(p, _)| p == k).map(|(_, v)| v.clone());
        assert_eq!(get("file").as_deref(), Some(name));
        assert_eq!(get("line"), Some(line.to_string()));
        assert_eq!(get("col"), Some(column.to_string()));
        assert_eq!(get("title"), Some(format!("yieldsafe: {lint}")));
        assert!(
            message.contains("is held across an await point\n"),
            "{message:?}"
        );
        assert!(message.contains("\nheld across the yield point at line"));
    }
    let (_, props, message) = parse_command(lines[0]);
    assert!(props.len() == 6);
    assert!(message.contains("\nhelp: end `g` before the await"));
}

#[test]
fn github_format_uses_error_at_deny_level_and_for_problems() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("a.rs"), LIB).unwrap();
    fs::write(dir.path().join("b.rs"), "fn f( {}\n").unwrap();
    let (code, out) = run(
        dir.path(),
        &[
            "--format",
            "github",
            "-D",
            "await_holding_lock",
            "a.rs",
            "b.rs",
        ],
    );
    assert_eq!(code, 2);
    let commands: Vec<String> = out.lines().map(|l| parse_command(l).0).collect();
    assert_eq!(commands, ["error", "warning", "error", "error"], "{out}");
    let (_, props, message) = parse_command(out.lines().last().unwrap());
    assert_eq!(props[0], ("file".to_owned(), "b.rs".to_owned()));
    assert_eq!(props[1], ("line".to_owned(), "1".to_owned()));
    assert!(message.starts_with("cannot parse this file"), "{message}");
}

fn sarif_validator() -> jsonschema::Validator {
    let mut schema: Value = serde_json::from_str(
        &fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/sarif-schema-2.1.0.json"
        ))
        .unwrap(),
    )
    .unwrap();
    // The published schema's `language` patterns (of `run` and `toolComponent`) have a
    // stray `]`, which ECMAScript reads as a literal only outside unicode mode, and the
    // validator's check of the schema itself rejects it. Escaping it keeps its meaning
    // (yieldsafe writes no `language` anyway) and touches nothing else.
    const STRAY: &str = "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$";
    for def in ["run", "toolComponent"] {
        let pattern = &mut schema["definitions"][def]["properties"]["language"]["pattern"];
        assert_eq!(pattern, STRAY);
        *pattern = Value::from(r"^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}\]?$");
    }
    assert!(!serde_json::to_string(&schema).unwrap().contains(STRAY));
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles")
}

fn assert_valid_sarif(log: &Value) {
    let validator = sarif_validator();
    let errors: Vec<String> = validator
        .iter_errors(log)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "invalid SARIF:\n{}", errors.join("\n"));
}

#[test]
fn sarif_format_is_valid_sarif_2_1_0_with_rules_from_the_catalog() {
    let krate = demo_crate();
    let (code, out) = run(&krate.root, &["--format", "sarif", "src"]);
    assert_eq!(code, 0);
    let log: Value = serde_json::from_str(&out).expect("one JSON document");
    assert_valid_sarif(&log);
    assert_eq!(log["version"], "2.1.0");
    assert!(log["$schema"].as_str().unwrap().contains("sarif-2.1.0"));
    let runs = log["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "yieldsafe");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    let rules = driver["rules"].as_array().unwrap();
    let catalog = yieldsafe::catalog::all();
    assert_eq!(rules.len(), catalog.len());
    for (rule, info) in rules.iter().zip(catalog) {
        assert_eq!(rule["id"], info.name.as_str());
        assert_eq!(rule["shortDescription"]["text"], info.summary.as_str());
        assert_eq!(rule["fullDescription"]["text"], info.what_it_does.as_str());
        let help = rule["help"]["text"].as_str().unwrap();
        assert_eq!(help, yieldsafe::catalog::explain(info));
        assert!(help.contains("### Why is this bad?"));
        let level = match info.default_level {
            yieldsafe::diagnostic::Level::Allow => "none",
            yieldsafe::diagnostic::Level::Warn => "warning",
            _ => "error",
        };
        assert_eq!(rule["defaultConfiguration"]["level"], level);
    }
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    assert_eq!(
        run["originalUriBaseIds"]["%SRCROOT%"]["uri"],
        format!("file://{}/", krate.root.display())
    );
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    for (r, &(line, column, byte, lint)) in results.iter().zip(&expected()) {
        assert_eq!(r["ruleId"], lint);
        let index = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], lint, "ruleIndex points at the rule");
        assert_eq!(r["level"], "warning");
        assert!(r["message"]["text"]
            .as_str()
            .unwrap()
            .contains("is held across an await point"));
        let loc = &r["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uri"], "src/lib.rs");
        assert_eq!(loc["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        let region = &loc["region"];
        assert_eq!(region["startLine"], line);
        assert_eq!(region["startColumn"], column);
        assert_eq!(region["endLine"], line);
        assert_eq!(region["endColumn"], column + 1);
        assert_eq!(region["byteOffset"], byte);
        let related = r["relatedLocations"].as_array().unwrap();
        let awaits: Vec<&Value> = related
            .iter()
            .filter(|l| {
                l["message"]["text"]
                    .as_str()
                    .unwrap()
                    .starts_with("await occurs here")
            })
            .collect();
        assert_eq!(awaits.len(), 1);
        assert_eq!(
            awaits[0]["physicalLocation"]["region"]["startLine"],
            line + 1
        );
    }
    let fix = &results[0]["fixes"][0];
    assert_eq!(
        fix["artifactChanges"][0]["replacements"][0]["insertedContent"]["text"],
        "{\n        let g = m.lock().unwrap(); let _n = *g;\n    }"
    );
    assert_eq!(run["invocations"][0]["executionSuccessful"], true);
}

#[test]
fn sarif_format_stays_valid_with_problems_and_absolute_paths() {
    let krate = demo_crate();
    fs::write(krate.root.join("src/broken.rs"), "fn f( {}\n").unwrap();
    let lib = krate.root.join("src/lib.rs");
    let broken = krate.root.join("src/broken.rs");
    let (code, out) = run(
        &krate.root,
        &[
            "--format",
            "sarif",
            "-D",
            "warnings",
            lib.to_str().unwrap(),
            broken.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 2);
    let log: Value = serde_json::from_str(&out).unwrap();
    assert_valid_sarif(&log);
    let run = &log["runs"][0];
    assert_eq!(run["results"][0]["level"], "error");
    let uri = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        .as_str()
        .unwrap();
    assert_eq!(uri, format!("file://{}", lib.display()));
    let invocation = &run["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    let note = &invocation["toolExecutionNotifications"][0];
    assert_eq!(note["level"], "error");
    assert_eq!(
        note["locations"][0]["physicalLocation"]["region"]["startLine"],
        1
    );
}

#[test]
fn the_sarif_schema_rejects_what_it_should() {
    // The validator is not vacuous: a log without `runs` or with a bad level fails.
    let validator = sarif_validator();
    assert!(!validator.is_valid(&serde_json::json!({"version": "2.1.0"})));
    assert!(!validator.is_valid(&serde_json::json!({
        "version": "2.1.0",
        "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{"message": {"text": "m"}, "level": "bad"}]}]
    })));
}

/// The ```json blocks of docs/integrations.md (the recipes), as written there.
fn readme_json_blocks() -> Vec<Value> {
    let readme =
        fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/integrations.md")).unwrap();
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in readme.lines() {
        match (&mut current, line.trim()) {
            (None, "```json") => current = Some(String::new()),
            (Some(block), "```") => {
                blocks.push(serde_json::from_str(block).expect("a json block parses"));
                current = None;
            }
            (Some(block), _) => {
                block.push_str(line);
                block.push('\n');
            }
            _ => {}
        }
    }
    blocks
}

/// The VS Code task of docs/integrations.md, run as VS Code runs it (`cargo
/// yieldsafe ...`), with its problem matcher over what it prints: every finding, and
/// the file that could not be checked.
#[test]
fn readme_vscode_task_matches_the_short_format() {
    let blocks = readme_json_blocks();
    let task = blocks
        .iter()
        .find_map(|b| b["tasks"].as_array().map(|t| &t[0]))
        .expect("the recipe's tasks.json");
    assert_eq!(task["command"], "cargo");
    let args: Vec<&str> = task["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert_eq!(args[0], "yieldsafe");
    let pattern = &task["problemMatcher"]["pattern"];
    let re = js_regex(pattern["regexp"].as_str().unwrap());
    let group = |name: &str| pattern[name].as_u64().unwrap() as usize;
    let krate = demo_crate();
    fs::write(krate.root.join("src/lib.rs"), format!("{LIB}mod broken;\n")).unwrap();
    fs::write(krate.root.join("src/broken.rs"), "async fn f( {\n").unwrap();
    let out = Command::cargo_bin("cargo-yieldsafe")
        .unwrap()
        .current_dir(&krate.root)
        .args(&args)
        .output()
        .unwrap();
    let out = String::from_utf8(out.stdout).unwrap();
    let found: Vec<(String, usize, usize, String, String)> = out
        .lines()
        .map(|l| {
            let c = re.captures(l).unwrap_or_else(|| panic!("no match: {l}"));
            (
                c[group("file")].to_owned(),
                c[group("line")].parse().unwrap(),
                c[group("column")].parse().unwrap(),
                c[group("severity")].to_owned(),
                c.get(group("code")).map_or("", |m| m.as_str()).to_owned(),
            )
        })
        .collect();
    let mut want: Vec<(String, usize, usize, String, String)> = expected()
        .iter()
        .map(|&(line, column, _, lint)| {
            (
                "src/lib.rs".to_owned(),
                line,
                column,
                "warning".to_owned(),
                lint.to_owned(),
            )
        })
        .collect();
    want.push((
        "src/broken.rs".to_owned(),
        1,
        13,
        "error".to_owned(),
        String::new(),
    ));
    assert_eq!(found, want, "{out}");
}

#[test]
fn readme_rust_analyzer_command_prints_cargo_messages() {
    let blocks = readme_json_blocks();
    let command: Vec<&str> = blocks
        .iter()
        .find_map(|b| b["rust-analyzer.check.overrideCommand"].as_array())
        .expect("the README's rust-analyzer setting")
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert_eq!(command[0], "yieldsafe");
    let krate = demo_crate();
    // rust-analyzer runs it in the workspace root.
    let (code, out) = run(&krate.root, &command[1..]);
    assert_eq!(code, 0);
    let messages: Vec<Message> = Message::parse_stream(Cursor::new(out.as_bytes()))
        .collect::<Result<_, _>>()
        .unwrap();
    let findings = messages
        .iter()
        .filter(|m| matches!(m, Message::CompilerMessage(_)))
        .count();
    assert_eq!(findings, expected().len());
    assert!(matches!(messages.last(), Some(Message::BuildFinished(_))));
}

/// What code scanning reads besides the schema: each rule's page (`helpUri`: clippy's
/// for the lints clippy has, rustc's for rustc's), `precision` and `problem.severity`;
/// each result's notes in its message, the fn it is in, and a fingerprint that does
/// not change when the code above it does.
#[test]
fn sarif_carries_what_code_scanning_ranks_and_tracks_alerts_by() {
    let krate = demo_crate();
    let (_, out) = run(&krate.root, &["--format", "sarif", "src"]);
    let log: Value = serde_json::from_str(&out).expect("one JSON document");
    assert_valid_sarif(&log);
    let run0 = &log["runs"][0];
    let rules = run0["tool"]["driver"]["rules"].as_array().unwrap();
    let rule = |id: &str| rules.iter().find(|r| r["id"] == id).unwrap();
    assert_eq!(
        rule("await_holding_lock")["helpUri"],
        "https://rust-lang.github.io/rust-clippy/master/index.html#await_holding_lock"
    );
    assert_eq!(
        rule("unknown_lints")["helpUri"],
        "https://doc.rust-lang.org/rustc/lints/listing/warn-by-default.html#unknown-lints"
    );
    for r in rules {
        assert_eq!(r["properties"]["precision"], "high");
        let severity = r["properties"]["problem.severity"].as_str().unwrap();
        assert!(["warning", "recommendation"].contains(&severity), "{r}");
    }
    let results = run0["results"].as_array().unwrap();
    let first = &results[0];
    let text = first["message"]["text"].as_str().unwrap();
    assert!(
        text.contains("\nnote: a blocking lock held across an await can deadlock"),
        "{text}"
    );
    assert_eq!(
        first["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
        "größe"
    );
    let fingerprint = first["partialFingerprints"]["yieldsafe/v1"].clone();
    assert_eq!(fingerprint.as_str().unwrap().len(), 16);
    // Lines added above: every alert keeps its fingerprint.
    let before: Vec<Value> = results
        .iter()
        .map(|r| r["partialFingerprints"].clone())
        .collect();
    fs::write(krate.root.join("src/lib.rs"), format!("// new\n\n{LIB}")).unwrap();
    let (_, moved) = run(&krate.root, &["--format", "sarif", "src"]);
    let moved: Value = serde_json::from_str(&moved).unwrap();
    let after: Vec<Value> = moved["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["partialFingerprints"].clone())
        .collect();
    assert_eq!(before, after);
    assert_ne!(before[0], before[2], "two guards, two alerts");
}

/// docs/yieldsafe-jsonl.schema.json, the JSON Schema of the JSON Lines format, holds
/// for real output: findings (with labels and suggestions) and error objects.
#[test]
fn json_lines_match_their_json_schema() {
    let schema: Value = serde_json::from_str(
        &fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/docs/yieldsafe-jsonl.schema.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the JSON Lines schema compiles");
    let krate = demo_crate();
    fs::write(krate.root.join("src/broken.rs"), "async fn f( {\n").unwrap();
    let (code, out) = run(&krate.root, &["--format", "json", "src", "nowhere"]);
    assert_eq!(code, 2);
    let lines: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let kinds: Vec<&str> = lines.iter().map(|l| l["type"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        ["finding", "finding", "finding", "error", "error"],
        "{out}"
    );
    assert!(lines.iter().any(|l| !l["suggestions"][0]["edits"]
        .as_array()
        .is_none_or(Vec::is_empty)));
    assert!(lines
        .iter()
        .any(|l| l["type"] == "error" && l["line"].is_null()));
    for line in &lines {
        let errors: Vec<String> = validator
            .iter_errors(line)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{line}:\n{}", errors.join("\n"));
    }
    // The schema says something: a finding without its lint, or of another schema
    // version, does not pass.
    let mut wrong = lines[0].clone();
    wrong.as_object_mut().unwrap().remove("lint");
    assert!(!validator.is_valid(&wrong));
    let mut wrong = lines[0].clone();
    wrong["schema"] = Value::from(1);
    assert!(!validator.is_valid(&wrong));
}
