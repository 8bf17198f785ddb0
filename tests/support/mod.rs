//! The fixture format, shared by the fixture runner and the differential test.
//!
//! A fixture is a Rust file under `fixtures/<theme>/`. Its header (the leading comment
//! lines) may hold directives:
//! - `//@ edition: 2024` pins it to one edition (default: checked in 2021 and 2024);
//! - `//@ compile: no <reason>` keeps it out of the differential test;
//! - `//@ warn: <lint>` turns on a lint that is allowed by default (`future_not_send`),
//!   for yieldsafe and for the compiler's lint of the same name;
//! - `//@ extern: tokio futures` lets the differential test compile it against those
//!   crates (dev-dependencies of this package);
//! - `//@ run: cases` makes tests/relocks.rs run each top-level `fn case_*()` of it:
//!   one that holds a `self_deadlock` expectation must hang or panic, the others return.
//!
//! Its lines carry expectations, as rustc's and clippy's UI tests do:
//! - `//~ WARN await_holding_lock` on the line where the held value's primary span starts,
//!   `//~^ WARN ...` for one line up (`//~^^` two up), `//~[2021] WARN ...` for one edition;
//!   several `//~` on one line for several values;
//! - `compiler-differs: <reason>` (or `compiler-differs[2024]: <reason>`) in a comment where
//!   clippy / rustc deliberately disagree with the expectation. On a line with `//~` it
//!   applies to the line those annotations point at, otherwise to its own line.

// Each test binary that includes this module uses a different part of it.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// The editions a fixture is checked in unless its header pins one.
pub const EDITIONS: [u16; 2] = [2021, 2024];

/// The levels an expectation may name.
const LEVELS: [&str; 2] = ["WARN", "ERROR"];

const ANNOTATION: &str = "//~";
const DIRECTIVE: &str = "//@";
const DIFFERS: &str = "compiler-differs";

/// One `//~` annotation: what yieldsafe must report on `line`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expectation {
    pub line: usize,
    pub lint: String,
    pub level: String,
    /// `Some(e)` when the annotation is tagged `//~[e]`: it applies to that edition only.
    pub edition: Option<u16>,
}

#[derive(Debug, Clone)]
pub struct Fixture {
    /// Relative to the repository root, e.g. `fixtures/bindings/scope_end.rs`.
    pub path: PathBuf,
    pub text: String,
    pub editions: Vec<u16>,
    pub expectations: Vec<Expectation>,
    /// Target line -> (edition tag, reason) of each `compiler-differs` marker.
    pub differs: BTreeMap<usize, (Option<u16>, String)>,
    /// False when the header says `//@ compile: no ...`.
    pub compile: bool,
    /// Lints the header turns on (`//@ warn: future_not_send`).
    pub warn: Vec<String>,
    /// Crates the fixture uses (`//@ extern: tokio futures`).
    pub externs: Vec<String>,
    /// Its `case_*` fns are run (`//@ run: cases`).
    pub run: bool,
}

impl Fixture {
    /// The (line, lint) pairs yieldsafe must report when the fixture is read as `edition`.
    pub fn expected(&self, edition: u16) -> BTreeSet<(usize, String)> {
        self.expectations
            .iter()
            .filter(|e| e.edition.is_none_or(|tag| tag == edition))
            .map(|e| (e.line, e.lint.clone()))
            .collect()
    }

    /// The `compiler-differs` markers that apply to `edition`: line -> reason.
    pub fn differs_in(&self, edition: u16) -> BTreeMap<usize, &str> {
        self.differs
            .iter()
            .filter(|(_, (tag, _))| tag.is_none_or(|tag| tag == edition))
            .map(|(line, (_, reason))| (*line, reason.as_str()))
            .collect()
    }

    /// The text of a 1-based line, for reports.
    pub fn line_text(&self, line: usize) -> &str {
        line.checked_sub(1)
            .and_then(|i| self.text.lines().nth(i))
            .unwrap_or("")
    }

    pub fn absolute_path(&self) -> PathBuf {
        repo_root().join(&self.path)
    }
}

pub fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every `fixtures/**/*.rs`, sorted by path. Panics listing every malformed fixture.
pub fn load_all() -> Vec<Fixture> {
    let root = repo_root();
    let mut files = Vec::new();
    collect_rs_files(&root.join("fixtures"), &mut files);
    files.sort();
    assert!(
        !files.is_empty(),
        "no fixtures found under {}",
        root.join("fixtures").display()
    );

    let mut fixtures = Vec::new();
    let mut problems = Vec::new();
    for file in files {
        let relative = file.strip_prefix(root).unwrap_or(&file).to_path_buf();
        let text = fs::read_to_string(&file)
            .unwrap_or_else(|e| panic!("cannot read fixture {}: {e}", file.display()));
        match parse(&relative, &text) {
            Ok(fixture) => fixtures.push(fixture),
            Err(errors) => problems.extend(errors),
        }
    }
    assert!(
        problems.is_empty(),
        "malformed fixtures:\n{}",
        problems.join("\n")
    );
    fixtures
}

fn collect_rs_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read directory {}: {e}", dir.display()));
    for entry in entries {
        let path = entry
            .unwrap_or_else(|e| panic!("cannot read an entry of {}: {e}", dir.display()))
            .path();
        if path.is_dir() {
            collect_rs_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
}

/// Parses one fixture. Errors name the file and line, one per problem.
pub fn parse(path: &Path, text: &str) -> Result<Fixture, Vec<String>> {
    let mut errors = Vec::new();
    let mut err =
        |line: usize, msg: String| errors.push(format!("{}:{line}: {msg}", path.display()));

    let mut editions: Option<Vec<u16>> = None;
    let mut compile = true;
    let mut warn = Vec::new();
    let mut externs = Vec::new();
    let mut run = false;
    let mut in_header = true;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        in_header &= line.is_empty() || line.starts_with("//");
        let Some(directive) = line.strip_prefix(DIRECTIVE) else {
            continue;
        };
        if !in_header {
            err(
                i + 1,
                "`//@` directives belong in the header, before any code".into(),
            );
            continue;
        }
        let Some((key, value)) = directive.split_once(':') else {
            err(i + 1, format!("expected `//@ key: value`, found `{line}`"));
            continue;
        };
        match (key.trim(), value.trim()) {
            ("edition", value) => match parse_edition(value) {
                Some(_) if editions.is_some() => err(i + 1, "`edition` given twice".into()),
                Some(edition) => editions = Some(vec![edition]),
                None => err(
                    i + 1,
                    format!("unknown edition `{value}`, expected one of {EDITIONS:?}"),
                ),
            },
            ("compile", value) => match value.strip_prefix("no") {
                Some(reason) if !reason.trim().is_empty() => compile = false,
                _ => err(i + 1, "expected `//@ compile: no <reason>`".into()),
            },
            ("warn", lint) if yieldsafe::catalog::get(lint).is_some() => {
                warn.push(lint.to_string())
            }
            ("warn", lint) => err(i + 1, format!("`//@ warn: {lint}`: no such lint")),
            ("extern", crates) if !crates.is_empty() => {
                externs.extend(crates.split_whitespace().map(str::to_string))
            }
            ("run", "cases") => run = true,
            ("run", _) => err(i + 1, "expected `//@ run: cases`".into()),
            (key, _) => err(
                i + 1,
                format!("unknown directive `{key}` (known: edition, compile, warn, extern, run)"),
            ),
        }
    }
    let editions = editions.unwrap_or_else(|| EDITIONS.to_vec());

    let mut expectations = Vec::new();
    let mut differs = BTreeMap::new();
    for (i, raw) in text.lines().enumerate() {
        let number = i + 1;
        let mut targets = BTreeSet::new();
        for annotation in raw.split(ANNOTATION).skip(1) {
            match parse_annotation(annotation, number, &editions) {
                Ok(expectation) => {
                    targets.insert(expectation.line);
                    expectations.push(expectation);
                }
                Err(msg) => err(number, msg),
            }
        }
        if raw.matches(DIFFERS).count() > 1 {
            err(
                number,
                "more than one `compiler-differs` marker on one line".into(),
            );
        } else if let Some(at) = raw.find(DIFFERS) {
            let target = match targets.len() {
                0 => number,
                1 => *targets.first().expect("one target"),
                _ => {
                    err(number, "a `compiler-differs` marker on a line whose `//~` annotations point at different lines".into());
                    continue;
                }
            };
            match parse_marker(&raw[at + DIFFERS.len()..], &editions) {
                Ok(marker) => {
                    if differs.insert(target, marker).is_some() {
                        err(
                            number,
                            format!("a second `compiler-differs` marker for line {target}"),
                        );
                    }
                }
                Err(msg) => err(number, msg),
            }
        }
    }

    if errors.is_empty() {
        Ok(Fixture {
            path: path.to_path_buf(),
            text: text.to_string(),
            editions,
            expectations,
            differs,
            compile,
            warn,
            externs,
            run,
        })
    } else {
        Err(errors)
    }
}

fn parse_edition(text: &str) -> Option<u16> {
    text.parse().ok().filter(|e| EDITIONS.contains(e))
}

/// Parses an optional `[edition]` tag at the start of `text`; returns it and the rest.
fn parse_tag<'a>(text: &'a str, editions: &[u16]) -> Result<(Option<u16>, &'a str), String> {
    let Some(rest) = text.strip_prefix('[') else {
        return Ok((None, text));
    };
    let (tag, rest) = rest
        .split_once(']')
        .ok_or_else(|| "unclosed `[` in an edition tag".to_string())?;
    match parse_edition(tag) {
        Some(edition) if editions.contains(&edition) => Ok((Some(edition), rest)),
        Some(edition) => Err(format!(
            "edition tag [{edition}] on a fixture checked only in {editions:?}"
        )),
        None => Err(format!(
            "unknown edition tag `[{tag}]`, expected one of {EDITIONS:?}"
        )),
    }
}

/// Parses what follows one `//~`: `[2021]^^ WARN lint_name ...`.
fn parse_annotation(text: &str, line: usize, editions: &[u16]) -> Result<Expectation, String> {
    let (edition, rest) = parse_tag(text, editions)?;
    let carets = rest.len() - rest.trim_start_matches('^').len();
    let mut words = rest[carets..].split_whitespace();
    let level = words.next().unwrap_or_default();
    if !LEVELS.contains(&level) {
        return Err(format!(
            "expected a level ({}) after `//~`, found `{level}`",
            LEVELS.join(", ")
        ));
    }
    let lint = words.next().unwrap_or_default();
    let well_formed = !lint.is_empty()
        && lint
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == ':');
    if !well_formed {
        return Err(format!(
            "expected a lint name after `//~ {level}`, found `{lint}`"
        ));
    }
    let target = line
        .checked_sub(carets)
        .filter(|&t| t >= 1)
        .ok_or_else(|| format!("`//~{}` points above the first line", "^".repeat(carets)))?;
    Ok(Expectation {
        line: target,
        lint: lint.to_string(),
        level: level.to_string(),
        edition,
    })
}

/// Parses what follows `compiler-differs`: `[2024]: reason` or `: reason`.
fn parse_marker(text: &str, editions: &[u16]) -> Result<(Option<u16>, String), String> {
    let (edition, rest) = parse_tag(text, editions)?;
    let reason = rest
        .strip_prefix(':')
        .ok_or_else(|| {
            "expected `compiler-differs: <reason>` (or `compiler-differs[2024]: <reason>`)"
                .to_string()
        })?
        .trim();
    if reason.is_empty() {
        return Err("a `compiler-differs` marker needs a reason".into());
    }
    Ok((edition, reason.to_string()))
}

/// `--extern name=path` for each crate (`-L` for their dependencies), from the
/// dev-dependencies cargo built beside the running test (the newest build of each,
/// should several be there).
pub fn extern_flags(crates: &[String]) -> Vec<String> {
    if crates.is_empty() {
        return Vec::new();
    }
    let exe = std::env::current_exe().expect("the test knows its path");
    let deps = exe.parent().expect("tests run from target/<profile>/deps");
    let mut flags = vec![format!("-Ldependency={}", deps.display())];
    for name in crates {
        let prefix = format!("lib{name}-");
        let newest = fs::read_dir(deps)
            .expect("the deps directory is readable")
            .filter_map(Result::ok)
            .filter(|e| {
                let file = e.file_name();
                let file = file.to_string_lossy();
                file.starts_with(&prefix) && file.ends_with(".rlib")
            })
            .max_by_key(|e| e.metadata().and_then(|m| m.modified()).ok())
            .unwrap_or_else(|| {
                panic!(
                    "no `{prefix}*.rlib` in {}: is `{name}` a dev-dependency?",
                    deps.display()
                )
            });
        flags.push(format!("--extern={name}={}", newest.path().display()));
    }
    flags
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(text: &str) -> Result<Fixture, Vec<String>> {
        parse(Path::new("fixtures/test.rs"), text)
    }

    #[test]
    fn parses_annotations_markers_and_directives() {
        let text = "//@ edition: 2024\n\
                    fn f() {\n\
                    let a = 1; //~ WARN l //~ WARN m compiler-differs: why\n\
                    //~^^ ERROR n\n\
                    let b = 2; //~[2024] WARN l\n\
                    let c = 3; // compiler-differs[2024]: other\n\
                    }\n";
        let f = fixture(text).expect("well formed");
        assert_eq!(f.editions, vec![2024]);
        assert!(f.compile);
        let expected: Vec<_> = f.expected(2024).into_iter().collect();
        assert_eq!(
            expected,
            vec![
                (2, "n".to_string()),
                (3, "l".to_string()),
                (3, "m".to_string()),
                (5, "l".to_string())
            ]
        );
        assert_eq!(f.differs[&3], (None, "why".to_string()));
        assert_eq!(f.differs[&6], (Some(2024), "other".to_string()));
        assert_eq!(f.line_text(5), "let b = 2; //~[2024] WARN l");
    }

    #[test]
    fn edition_tags_filter_expectations() {
        let f = fixture("let a = 1; //~[2021] WARN l\nlet b = 2; //~ WARN l\n").expect("ok");
        assert_eq!(f.editions, EDITIONS.to_vec());
        assert_eq!(f.expected(2021).len(), 2);
        assert_eq!(f.expected(2024).len(), 1);
    }

    #[test]
    fn rejects_malformed_fixtures() {
        for bad in [
            "//@ edition: 2018\n",
            "//@ edition 2021\n",
            "//@ compile: no\n",
            "//@ revisions: a b\n",
            "fn f() {}\n//@ edition: 2021\n",
            "//@ edition: 2021\nlet a = 1; //~[2024] WARN l\n",
            "let a = 1; //~ warn l\n",
            "let a = 1; //~ WARN\n",
            "//~^ WARN l\n",
            "let a = 1; // compiler-differs\n",
            "let a = 1; // compiler-differs:\n",
            "let a = 1; // compiler-differs: a compiler-differs: b\n",
        ] {
            assert!(fixture(bad).is_err(), "accepted {bad:?}");
        }
    }
}
