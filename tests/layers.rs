//! The house rules, checked on `src/`: the layers (the top-level modules of the
//! library: `src/x.rs` or `src/x/`) import one way, so that no circle of imports
//! crosses two of them, and no source file is longer than a reader can hold.
//!
//! An import is a `crate::x` path, or a `super::` path that climbs out of its layer,
//! in code (comments and string literals are skipped). The binaries (`main.rs`,
//! `bin/`) are other crates and not looked at.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const MAX_LINES: usize = 1200;

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src/ is readable") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n != "bin") {
                sources(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The text without comments, string and char literals (each replaced by a space).
fn code(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let mut depth = 0;
                while i < b.len() {
                    if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
                        depth += 1;
                        i += 2;
                    } else if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
                out.push(' ');
            }
            b'r' if matches!(b.get(i + 1), Some(b'"' | b'#')) && (i == 0 || !ident(b[i - 1])) => {
                let hashes = b[i + 1..].iter().take_while(|&&c| c == b'#').count();
                let open = i + 1 + hashes;
                if b.get(open) == Some(&b'"') {
                    let close = format!("\"{}", "#".repeat(hashes));
                    let end = text[open + 1..]
                        .find(&close)
                        .map_or(b.len(), |e| open + 1 + e + close.len());
                    i = end;
                    out.push(' ');
                } else {
                    out.push('r');
                    i += 1;
                }
            }
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
                out.push(' ');
            }
            b'\'' if b.get(i + 2) == Some(&b'\'') || b.get(i + 1) == Some(&b'\\') => {
                // A char literal (not a lifetime).
                i += 1;
                while i < b.len() && b[i] != b'\'' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
                out.push(' ');
            }
            c => {
                out.push(c as char);
                i += 1;
            }
        }
    }
    out
}

fn ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// The layer a file of `src/` belongs to.
fn layer_of(rel: &Path) -> String {
    let first = rel.components().next().expect("a file");
    let name = first.as_os_str().to_string_lossy();
    name.trim_end_matches(".rs").to_string()
}

/// The first segments of the `crate::` paths in `code`, and of the `super::` paths
/// that climb out of the file's layer (for a file `depth` modules below it).
fn imports(code: &str, depth: usize, module: &[String]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let words: Vec<(usize, &str)> = code
        .match_indices(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
        .scan(0, |start, (i, _)| {
            let w = (*start, &code[*start..i]);
            *start = i + 1;
            Some(w)
        })
        .collect();
    for (_, word) in words {
        let segs: Vec<&str> = word.split("::").collect();
        match segs.as_slice() {
            ["crate", first, ..] if !first.is_empty() => {
                out.insert(first.to_string());
            }
            ["super", ..] => {
                let ups = segs.iter().take_while(|s| **s == "super").count();
                if ups >= depth {
                    // Climbs to the crate root: the next segment is a layer.
                    if let Some(next) = segs.get(ups).filter(|s| !s.is_empty()) {
                        out.insert(next.to_string());
                    }
                } else if let Some(first) = module.first() {
                    out.insert(first.clone());
                }
            }
            _ => {}
        }
    }
    out
}

#[test]
fn layers_import_one_way_and_files_are_short() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let layers: BTreeSet<String> = files
        .iter()
        .filter_map(|f| f.strip_prefix(&src).ok())
        .filter(|rel| *rel != Path::new("main.rs") && *rel != Path::new("lib.rs"))
        .map(layer_of)
        .collect();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut long = Vec::new();
    for file in &files {
        let rel = file.strip_prefix(&src).expect("under src");
        if rel == Path::new("main.rs") || rel == Path::new("lib.rs") {
            continue;
        }
        let text = std::fs::read_to_string(file).expect("a source file");
        if text.lines().count() > MAX_LINES {
            long.push(format!(
                "{} ({} lines)",
                rel.display(),
                text.lines().count()
            ));
        }
        let module: Vec<String> = rel
            .with_extension("")
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .filter(|c| c != "mod")
            .collect();
        let layer = layer_of(rel);
        for target in imports(&code(&text), module.len(), &module) {
            if target != layer && layers.contains(&target) {
                edges.entry(layer.clone()).or_default().insert(target);
            }
        }
    }
    assert!(long.is_empty(), "files over {MAX_LINES} lines: {long:?}");
    // A circle is an edge a -> b where b reaches a.
    let reaches = |from: &str, to: &str| {
        let mut seen = BTreeSet::new();
        let mut stack = vec![from.to_string()];
        while let Some(l) = stack.pop() {
            if l == to {
                return true;
            }
            if seen.insert(l.clone()) {
                stack.extend(edges.get(&l).into_iter().flatten().cloned());
            }
        }
        false
    };
    let circles: Vec<String> = edges
        .iter()
        .flat_map(|(a, bs)| bs.iter().map(move |b| (a, b)))
        .filter(|(a, b)| reaches(b, a))
        .map(|(a, b)| format!("{a} -> {b}"))
        .collect();
    assert!(
        circles.is_empty(),
        "imports that close a circle of layers: {circles:?}\nall imports: {edges:#?}"
    );
    // The vocabulary at the bottom imports no layer that builds on it.
    for bottom in ["diagnostic", "hazard", "dataflow", "catalog"] {
        let up: Vec<&String> = edges
            .get(bottom)
            .into_iter()
            .flatten()
            .filter(|t| !matches!(t.as_str(), "diagnostic" | "dataflow"))
            .collect();
        assert!(up.is_empty(), "{bottom} imports {up:?}");
    }
}

#[test]
fn the_checker_sees_what_it_checks() {
    assert_eq!(code("a // crate::x\nb"), "a \nb");
    assert_eq!(code("\"crate::x\" crate::y"), "  crate::y");
    let found = imports(
        &code("use crate::lint::x; use super::super::held;"),
        2,
        &["lower".into(), "expr".into()],
    );
    assert_eq!(
        found,
        ["held", "lint"].iter().map(|s| s.to_string()).collect()
    );
}
