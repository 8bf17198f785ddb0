//! SARIF 2.1.0: one log with one run, as GitHub code scanning and other SARIF viewers
//! read it. The rules come from the lint catalog (summary, full description, the
//! `--explain` text as help, the lint's page as `helpUri`, and the `precision` and
//! `problem.severity` code scanning ranks alerts by); each finding is a result on the
//! held value, its notes and help in the message, every yield point and drop as a
//! related location, its suggestions as fixes, and a fingerprint that survives the
//! code moving (the baseline's key) so that an alert stays the same alert. Problems
//! that kept the run from doing its whole job are tool execution notifications.
//!
//! Paths given relative (the usual case, relative to the directory the tool ran in,
//! which in CI is the repository's root) become URIs relative to `%SRCROOT%`, which
//! `originalUriBaseIds` binds to that directory; absolute paths become `file:` URIs.
//! Columns count characters (`columnKind: unicodeCodePoints`).

use std::io::{self, Write};
use std::path::{Component, Path};

use serde_json::{json, Value};

use crate::baseline::Key;
use crate::catalog::{self, LintInfo};
use crate::diagnostic::{Diagnostic, Level, Problem, Span};
use crate::input::source::Sources;

/// Where the SARIF 2.1.0 schema is published, for the log's `$schema`.
const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const SRCROOT: &str = "%SRCROOT%";

pub(super) fn render(
    diagnostics: &[Diagnostic],
    problems: &[Problem],
    sources: &Sources,
    out: &mut dyn Write,
) -> io::Result<()> {
    let rules = catalog::all();
    let results: Vec<Value> = diagnostics
        .iter()
        .map(|d| result(d, rules, sources))
        .collect();
    let notifications: Vec<Value> = problems.iter().map(notification).collect();
    let mut run = json!({
        "tool": {"driver": driver(rules)},
        "columnKind": "unicodeCodePoints",
        "results": results,
        "invocations": [{
            "executionSuccessful": problems.is_empty(),
            "toolExecutionNotifications": notifications,
        }],
    });
    if let Some(root) = std::env::current_dir().ok().and_then(|d| dir_uri(&d)) {
        run["originalUriBaseIds"] = json!({ SRCROOT: {"uri": root} });
    }
    let log = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [run],
    });
    serde_json::to_writer_pretty(&mut *out, &log)?;
    out.write_all(b"\n")?;
    out.flush()
}

fn driver(rules: &[LintInfo]) -> Value {
    let mut driver = json!({
        "name": "yieldsafe",
        "version": env!("CARGO_PKG_VERSION"),
        "semanticVersion": env!("CARGO_PKG_VERSION"),
        "rules": rules.iter().map(rule).collect::<Vec<_>>(),
    });
    if let Some(uri) = information_uri() {
        driver["informationUri"] = json!(uri);
    }
    driver
}

/// The tool's page: only a URI the package itself declares (`homepage`, else
/// `repository` in Cargo.toml); none is made up.
fn information_uri() -> Option<&'static str> {
    [
        option_env!("CARGO_PKG_HOMEPAGE"),
        option_env!("CARGO_PKG_REPOSITORY"),
    ]
    .into_iter()
    .flatten()
    .find(|u| !u.is_empty())
}

fn rule(info: &LintInfo) -> Value {
    let explain = catalog::explain(info);
    let mut rule = json!({
        "id": info.name,
        "name": pascal_case(&info.name),
        "shortDescription": {"text": info.summary},
        "fullDescription": {"text": info.what_it_does},
        "help": {"text": explain, "markdown": explain},
        "defaultConfiguration": {"level": level(info.default_level)},
        "properties": {
            "tags": ["async", "concurrency", "correctness"],
            "clippyName": info.clippy_name,
            // What code scanning ranks alerts by: each finding names the value and
            // the yield point, from the code's own drop scopes.
            "precision": "high",
            "problem.severity": problem_severity(info.default_level),
        },
    });
    // The lint's page: clippy's or rustc's, else the README's lint table.
    let help_uri = info.doc_url().or_else(|| {
        information_uri().map(|base| format!("{}#what-it-reports", base.trim_end_matches('/')))
    });
    if let Some(uri) = help_uri {
        rule["helpUri"] = json!(uri);
    }
    rule
}

/// GitHub's `problem.severity` of a rule: `error`, `warning` or `recommendation`.
fn problem_severity(level: Level) -> &'static str {
    match level {
        Level::Allow => "recommendation",
        Level::Warn => "warning",
        Level::Deny | Level::Forbid => "error",
    }
}

/// SARIF's `name` is an identifier in PascalCase: `AwaitHoldingLock`.
fn pascal_case(name: &str) -> String {
    name.split('_')
        .map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

fn level(level: Level) -> &'static str {
    match level {
        Level::Allow => "none",
        Level::Warn => "warning",
        Level::Deny | Level::Forbid => "error",
    }
}

fn result(d: &Diagnostic, rules: &[LintInfo], sources: &Sources) -> Value {
    let related: Vec<Value> = d
        .labels
        .iter()
        .enumerate()
        .map(|(i, label)| {
            let mut location = location(&label.span);
            location["id"] = json!(i + 1);
            location["message"] = json!({"text": label.message});
            location
        })
        .collect();
    let mut primary = location(&d.primary);
    primary["message"] = json!({"text": d.primary_label});
    let mut text = d.message.clone();
    for (word, line) in d
        .notes
        .iter()
        .map(|n| ("note", n))
        .chain(d.help.iter().map(|h| ("help", h)))
    {
        text.push_str(&format!("\n{word}: {line}"));
    }
    if let Some(item) = &d.item {
        primary["logicalLocations"] = json!([{"fullyQualifiedName": item, "kind": "function"}]);
    }
    let mut result = json!({
        "ruleId": d.lint,
        "level": level(d.level),
        "message": {"text": text},
        "locations": [primary],
        "relatedLocations": related,
        "partialFingerprints": {"yieldsafe/v1": Key::of(d, sources).fingerprint()},
    });
    if let Some(index) = rules.iter().position(|r| r.name == d.lint) {
        result["ruleIndex"] = json!(index);
    }
    let fixes: Vec<Value> = d
        .suggestions
        .iter()
        .filter(|s| !s.edits.is_empty())
        .map(|s| {
            json!({
                "description": {"text": s.message},
                "artifactChanges": s.edits.iter().map(|e| json!({
                    "artifactLocation": artifact(&e.span.file),
                    "replacements": [{
                        "deletedRegion": {
                            "byteOffset": e.span.byte_start,
                            "byteLength": e.span.byte_end - e.span.byte_start,
                        },
                        "insertedContent": {"text": e.replacement},
                    }],
                })).collect::<Vec<_>>(),
                "properties": {"applicability": s.applicability},
            })
        })
        .collect();
    if !fixes.is_empty() {
        result["fixes"] = json!(fixes);
    }
    result
}

fn location(span: &Span) -> Value {
    json!({
        "physicalLocation": {
            "artifactLocation": artifact(&span.file),
            "region": {
                "startLine": span.line,
                "startColumn": span.column,
                "endLine": span.end_line,
                "endColumn": span.end_column,
                "byteOffset": span.byte_start,
                "byteLength": span.byte_end.saturating_sub(span.byte_start),
            },
        },
    })
}

fn notification(p: &Problem) -> Value {
    let mut n = json!({
        "level": "error",
        "message": {"text": p.message},
    });
    if let Some(file) = &p.file {
        let mut physical = json!({"artifactLocation": artifact(file)});
        if let Some((line, column)) = p.position {
            physical["region"] = json!({"startLine": line, "startColumn": column});
        }
        n["locations"] = json!([{ "physicalLocation": physical }]);
    }
    n
}

/// A relative path as a URI reference under `%SRCROOT%`; an absolute one as a
/// `file:` URI.
fn artifact(path: &Path) -> Value {
    if path.is_absolute() {
        return json!({"uri": format!("file://{}", encode(&slashes(path), true))});
    }
    // `./src/lib.rs` (how a walk of `.` names files) is `src/lib.rs`.
    let parts: Vec<String> = path
        .components()
        .filter(|c| !matches!(c, Component::CurDir))
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    json!({"uri": encode(&parts.join("/"), false), "uriBaseId": SRCROOT})
}

fn slashes(path: &Path) -> String {
    let s = path.to_string_lossy().replace('\\', "/");
    if s.starts_with('/') {
        s
    } else {
        // A Windows drive path: `C:/x` becomes `/C:/x`.
        format!("/{s}")
    }
}

/// The directory as a `file:` URI ending in `/`, as `originalUriBaseIds` needs.
fn dir_uri(dir: &Path) -> Option<String> {
    if !dir.is_absolute() {
        return None;
    }
    let mut uri = format!("file://{}", encode(&slashes(dir), true));
    if !uri.ends_with('/') {
        uri.push('/');
    }
    Some(uri)
}

/// Percent-encode what may not stand in a URI path. A relative reference must not
/// have a `:` in its first segment (it would read as a scheme), so there `:` is
/// encoded too.
fn encode(path: &str, absolute: bool) -> String {
    let mut out = String::with_capacity(path.len());
    for c in path.chars() {
        let keep = c.is_ascii_alphanumeric() || "/-._~!$&'()*+,;=@".contains(c);
        if keep || (absolute && c == ':') {
            out.push(c);
        } else {
            let mut buf = [0; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_are_uri_references_under_srcroot() {
        assert_eq!(
            artifact(Path::new("./src/a b#.rs")),
            json!({"uri": "src/a%20b%23.rs", "uriBaseId": "%SRCROOT%"})
        );
        assert_eq!(
            artifact(Path::new("/w/ü.rs")),
            json!({"uri": "file:///w/%C3%BC.rs"})
        );
        assert_eq!(pascal_case("await_holding_lock"), "AwaitHoldingLock");
    }
}
