//! cargo's `--message-format=json` lines: one `{"reason":"compiler-message", …}` per
//! finding, carrying the diagnostic in rustc's JSON shape (spans with their source
//! lines, children for notes and help, suggestions with `suggested_replacement` and
//! `suggestion_applicability`, the human text in `rendered`), then one
//! `{"reason":"build-finished", …}`. That is what rust-analyzer's
//! `check.overrideCommand` and `cargo_metadata::Message` read. `rendered` holds what
//! cargo's `--message-format` variant asks for (the human text, coloured or not, or
//! the short line), and paths are relative to the workspace root, as cargo's are.
//!
//! cargo names the package and target each message came from. We have no build plan,
//! so both are read from the nearest `Cargo.toml` above the file and the file's place
//! in cargo's standard layout (`src/main.rs`, `src/bin/`, `tests/`, …); consumers use
//! them to group messages, not to find the file, which `spans` name.

use std::collections::HashMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;
use serde_json::{json, Value};

use super::{CargoStyle, Rendered};
use crate::diagnostic::{Applicability, Diagnostic, Level, Problem, Span};
use crate::input::source::{SourceFile, Sources};

pub(super) fn render(
    diagnostics: &[Diagnostic],
    problems: &[Problem],
    sources: &Sources,
    style: &CargoStyle,
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut packages = Packages::default();
    let paths = Paths {
        root: style.root.as_deref(),
    };
    if !style.leave_out_diagnostics {
        let mut texts = Texts::new(sources);
        for d in diagnostics {
            let package = packages.of(&d.primary.file);
            let rendered = rendered(d, sources, style, &paths)?;
            let message = RustcDiagnostic::new(d, &rendered, &mut texts, &paths);
            write_line(out, &package.compiler_message(&d.primary.file, &message))?;
        }
        for p in problems {
            let Some(file) = &p.file else {
                continue;
            };
            let package = packages.of(file);
            let message = RustcDiagnostic::problem(p, file, &paths);
            write_line(out, &package.compiler_message(file, &message))?;
        }
    }
    let success = problems.is_empty() && !diagnostics.iter().any(|d| d.level.is_error());
    write_line(
        out,
        &json!({"reason": "build-finished", "success": success}),
    )?;
    out.flush()
}

/// The `rendered` text of a finding, as cargo's `--message-format` variant asks:
/// rustc's human text (coloured for `json-diagnostic-rendered-ansi`) or its short
/// line, with the paths the JSON gives.
fn rendered(
    d: &Diagnostic,
    sources: &Sources,
    style: &CargoStyle,
    paths: &Paths,
) -> io::Result<String> {
    let shown = paths.rebase(d);
    let mut texts = Sources::default();
    for file in [&d.primary.file]
        .into_iter()
        .chain(d.labels.iter().map(|l| &l.span.file))
    {
        if let Some(text) = sources.text(file) {
            texts.insert(paths.arc(file), text);
        }
    }
    let mut out = Vec::new();
    let one = std::slice::from_ref(&shown);
    match style.rendered {
        Rendered::Human => super::human::render(one, &texts, false, &mut out)?,
        Rendered::HumanAnsi => super::human::render(one, &texts, true, &mut out)?,
        Rendered::Short => super::short::render(one, &[], false, &mut out)?,
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// The paths cargo writes: relative to the workspace root for the files inside it,
/// absolute for the others; without a root, as given.
struct Paths<'a> {
    root: Option<&'a Path>,
}

impl Paths<'_> {
    fn shown(&self, file: &Path) -> PathBuf {
        let Some(root) = self.root else {
            return file.to_path_buf();
        };
        let abs = crate::input::cargo::absolute(file);
        match abs.strip_prefix(root) {
            Ok(rel) => rel.to_path_buf(),
            Err(_) => abs,
        }
    }

    fn name(&self, file: &Path) -> String {
        self.shown(file).to_string_lossy().into_owned()
    }

    fn arc(&self, file: &Arc<Path>) -> Arc<Path> {
        match self.root {
            None => file.clone(),
            Some(_) => Arc::from(self.shown(file).as_path()),
        }
    }

    /// The finding with every span's file as cargo writes it.
    fn rebase(&self, d: &Diagnostic) -> Diagnostic {
        let mut d = d.clone();
        if self.root.is_none() {
            return d;
        }
        d.primary.file = self.arc(&d.primary.file);
        for l in &mut d.labels {
            l.span.file = self.arc(&l.span.file);
        }
        for y in &mut d.yield_points {
            y.span.file = self.arc(&y.span.file);
        }
        for e in d.suggestions.iter_mut().flat_map(|s| &mut s.edits) {
            e.span.file = self.arc(&e.span.file);
        }
        d
    }
}

fn write_line(out: &mut dyn Write, value: &impl Serialize) -> io::Result<()> {
    serde_json::to_writer(&mut *out, value)?;
    out.write_all(b"\n")
}

/// rustc's JSON diagnostic (`rustc_errors::json::Diagnostic`), field for field.
/// `message` comes first: the `$rustc-json` problem matcher of rust-analyzer's VS Code
/// extension looks for `"message":{"message":"…`.
#[derive(Serialize)]
struct RustcDiagnostic {
    message: String,
    #[serde(rename = "$message_type")]
    message_type: &'static str,
    code: Option<Code>,
    level: &'static str,
    spans: Vec<RustcSpan>,
    children: Vec<RustcDiagnostic>,
    rendered: Option<String>,
}

#[derive(Serialize)]
struct Code {
    code: String,
    explanation: Option<String>,
}

#[derive(Serialize)]
struct RustcSpan {
    file_name: String,
    byte_start: usize,
    byte_end: usize,
    line_start: usize,
    line_end: usize,
    column_start: usize,
    column_end: usize,
    is_primary: bool,
    text: Vec<SpanLine>,
    label: Option<String>,
    suggested_replacement: Option<String>,
    suggestion_applicability: Option<Applicability>,
    expansion: Option<Value>,
}

#[derive(Serialize)]
struct SpanLine {
    text: String,
    highlight_start: usize,
    highlight_end: usize,
}

impl RustcDiagnostic {
    fn new(d: &Diagnostic, rendered: &str, texts: &mut Texts<'_>, paths: &Paths) -> Self {
        let mut spans = vec![RustcSpan::new(
            &d.primary,
            true,
            Some(d.primary_label.clone()),
            texts,
            paths,
        )];
        for label in &d.labels {
            spans.push(RustcSpan::new(
                &label.span,
                false,
                Some(label.message.clone()),
                texts,
                paths,
            ));
        }
        let mut children: Vec<RustcDiagnostic> = Vec::new();
        children.extend(d.notes.iter().map(|n| Self::child("note", n, Vec::new())));
        children.extend(d.help.iter().map(|h| Self::child("help", h, Vec::new())));
        for s in &d.suggestions {
            let spans = s
                .edits
                .iter()
                .map(|e| {
                    let mut span = RustcSpan::new(&e.span, true, None, texts, paths);
                    span.suggested_replacement = Some(e.replacement.clone());
                    span.suggestion_applicability = Some(s.applicability);
                    span
                })
                .collect();
            children.push(Self::child("help", &s.message, spans));
        }
        RustcDiagnostic {
            message_type: "diagnostic",
            message: d.message.clone(),
            code: Some(Code {
                code: code_of(d.lint),
                explanation: None,
            }),
            level: level_word(d.level),
            spans,
            children,
            rendered: Some(rendered.to_owned()),
        }
    }

    fn child(level: &'static str, message: &str, spans: Vec<RustcSpan>) -> Self {
        RustcDiagnostic {
            message_type: "diagnostic",
            message: message.to_owned(),
            code: None,
            level,
            spans,
            children: Vec::new(),
            rendered: None,
        }
    }

    /// A file that could not be checked, as an error at its place (when known), so
    /// that an editor shows it where it shows findings.
    fn problem(p: &Problem, file: &Arc<Path>, paths: &Paths) -> Self {
        let mut spans = Vec::new();
        if let Some((line, column)) = p.position {
            // The file is not among the sources (it has no findings); read it again
            // for the byte offset and the line's text, and do without when it cannot.
            let text: Arc<str> = crate::input::fs::read_regular_text(file)
                .unwrap_or_default()
                .into();
            let source = SourceFile::new(file.clone(), text);
            let byte = byte_of(&source, line, column);
            let span = source.span(byte, byte);
            let mut texts = Texts::default();
            texts.files.insert(file.clone(), Some(source));
            let mut rustc = RustcSpan::new(&span, true, None, &mut texts, paths);
            // The position stands even where the file changed since.
            rustc.line_start = line;
            rustc.line_end = line;
            rustc.column_start = column;
            rustc.column_end = column;
            spans.push(rustc);
        }
        let rendered = format!("error: {}\n{}\n\n", p.message, location(p, paths));
        RustcDiagnostic {
            message_type: "diagnostic",
            message: p.message.clone(),
            code: None,
            level: "error",
            spans,
            children: Vec::new(),
            rendered: Some(rendered),
        }
    }
}

fn location(p: &Problem, paths: &Paths) -> String {
    match (&p.file, p.position) {
        (Some(f), Some((line, col))) => format!(" --> {}:{line}:{col}", paths.name(f)),
        (Some(f), None) => format!(" --> {}", paths.name(f)),
        _ => String::new(),
    }
}

/// The byte offset of 1-based `line` and character `column`, clamped to the text.
fn byte_of(source: &SourceFile, line: usize, column: usize) -> usize {
    let Some(start) = source.line_start(line) else {
        return source.text.len();
    };
    let text = source.line_text(line);
    start
        + text
            .char_indices()
            .nth(column.saturating_sub(1))
            .map_or(text.len(), |(i, _)| i)
}

/// The lint's code as clippy writes it when clippy has the lint, so that rust-analyzer
/// and `#[allow]` see one name; `yieldsafe::<lint>` otherwise.
fn code_of(lint: &str) -> String {
    crate::catalog::get(lint)
        .and_then(|info| info.clippy_name.clone())
        .unwrap_or_else(|| format!("yieldsafe::{lint}"))
}

fn level_word(level: Level) -> &'static str {
    match level {
        Level::Allow | Level::Warn => "warning",
        Level::Deny | Level::Forbid => "error",
    }
}

impl RustcSpan {
    fn new(
        span: &Span,
        is_primary: bool,
        label: Option<String>,
        texts: &mut Texts<'_>,
        paths: &Paths,
    ) -> Self {
        RustcSpan {
            file_name: paths.name(&span.file),
            byte_start: span.byte_start,
            byte_end: span.byte_end,
            line_start: span.line,
            line_end: span.end_line,
            column_start: span.column,
            column_end: span.end_column,
            is_primary,
            text: texts.lines(span),
            label,
            suggested_replacement: None,
            suggestion_applicability: None,
            expansion: None,
        }
    }
}

/// The source files, each indexed by line once, for the `text` of spans.
#[derive(Default)]
struct Texts<'s> {
    sources: Option<&'s Sources>,
    files: HashMap<Arc<Path>, Option<SourceFile>>,
}

impl<'s> Texts<'s> {
    fn new(sources: &'s Sources) -> Self {
        Texts {
            sources: Some(sources),
            files: HashMap::new(),
        }
    }

    /// Every line `span` touches, with the highlighted part in 1-based character
    /// columns (end exclusive), as rustc writes them.
    fn lines(&mut self, span: &Span) -> Vec<SpanLine> {
        let sources = self.sources;
        let file = self.files.entry(span.file.clone()).or_insert_with(|| {
            sources
                .and_then(|s| s.get(&span.file))
                .map(|text| SourceFile::new(span.file.clone(), Arc::from(text)))
        });
        let Some(file) = file else {
            return Vec::new();
        };
        (span.line..=span.end_line.max(span.line))
            .map(|line| {
                let text = file.line_text(line);
                let start = if line == span.line { span.column } else { 1 };
                let end = if line == span.end_line {
                    span.end_column
                } else {
                    text.chars().count() + 1
                };
                SpanLine {
                    text: text.to_owned(),
                    highlight_start: start,
                    highlight_end: end,
                }
            })
            .collect()
    }
}

/// cargo's `compiler-message`, in cargo's field order.
#[derive(Serialize)]
struct CompilerMessage<'a> {
    reason: &'static str,
    package_id: &'a str,
    manifest_path: &'a Path,
    target: Value,
    message: &'a RustcDiagnostic,
}

/// What cargo says about the package and target a file belongs to.
struct Package {
    id: String,
    manifest_path: PathBuf,
    name: String,
    edition: String,
    dir: PathBuf,
}

impl Package {
    fn compiler_message<'a>(
        &'a self,
        file: &Path,
        message: &'a RustcDiagnostic,
    ) -> CompilerMessage<'a> {
        CompilerMessage {
            reason: "compiler-message",
            package_id: &self.id,
            manifest_path: &self.manifest_path,
            target: self.target(file),
            message,
        }
    }

    /// The target of cargo's standard layout that `file` most likely belongs to.
    fn target(&self, file: &Path) -> Value {
        let abs = absolute(file);
        let rel = abs.strip_prefix(&self.dir).unwrap_or(&abs);
        let parts: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
        let crate_name = self.name.replace('-', "_");
        let stem = |s: &str| s.strip_suffix(".rs").unwrap_or(s).to_owned();
        let (kind, crate_type, name, src) = match parts.as_slice() {
            ["build.rs"] => (
                "custom-build",
                "bin",
                "build-script-build".into(),
                abs.clone(),
            ),
            ["src", "main.rs"] => ("bin", "bin", self.name.clone(), abs.clone()),
            ["src", "bin", first, ..] => ("bin", "bin", stem(first), abs.clone()),
            [dir @ ("tests" | "examples" | "benches"), first, ..] => {
                let kind = match *dir {
                    "tests" => "test",
                    "examples" => "example",
                    _ => "bench",
                };
                (kind, "bin", stem(first), abs.clone())
            }
            _ => (
                "lib",
                "lib",
                crate_name,
                self.dir.join("src").join("lib.rs"),
            ),
        };
        // serde_json's maps sort their keys; the order does not matter here.
        json!({
            "kind": [kind],
            "crate_types": [crate_type],
            "name": name,
            "src_path": src,
            "edition": self.edition,
            "doc": kind == "lib" || kind == "bin",
            "doctest": kind == "lib",
            "test": true,
        })
    }
}

fn absolute(path: &Path) -> PathBuf {
    std::fs::canonicalize(path)
        .or_else(|_| std::path::absolute(path))
        .unwrap_or_else(|_| path.to_path_buf())
}

/// Packages by directory, each manifest read once.
#[derive(Default)]
struct Packages {
    by_dir: HashMap<PathBuf, Option<Arc<Package>>>,
}

impl Packages {
    /// The package of the nearest `Cargo.toml` with a `[package]` above `file`; outside
    /// any package, a stand-in named after the file's directory.
    fn of(&mut self, file: &Path) -> Arc<Package> {
        let abs = absolute(file);
        let mut dir = abs.parent();
        while let Some(d) = dir {
            if let Some(found) = self.in_dir(d) {
                return found;
            }
            dir = d.parent();
        }
        let dir = abs.parent().map(Path::to_path_buf).unwrap_or_default();
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "unnamed".into());
        Arc::new(Package {
            id: format!("path+{}#{name}@0.0.0", file_url(&dir)),
            manifest_path: dir.join("Cargo.toml"),
            name,
            edition: "2021".into(),
            dir,
        })
    }

    fn in_dir(&mut self, dir: &Path) -> Option<Arc<Package>> {
        if let Some(known) = self.by_dir.get(dir) {
            return known.clone();
        }
        let manifest_path = dir.join("Cargo.toml");
        let found = read_package(&manifest_path).map(Arc::new);
        self.by_dir.insert(dir.to_path_buf(), found.clone());
        found
    }
}

fn read_package(manifest_path: &Path) -> Option<Package> {
    let text = crate::input::fs::read_regular_text(manifest_path).ok()?;
    let manifest: toml::Table = text.parse().ok()?;
    let package = manifest.get("package")?.as_table()?;
    let dir = manifest_path.parent()?.to_path_buf();
    let name = package.get("name")?.as_str()?.to_owned();
    let inherited = |key: &str| -> Option<String> {
        match package.get(key)? {
            toml::Value::String(s) => Some(s.clone()),
            toml::Value::Table(_) => workspace_package_field(&dir, key),
            _ => None,
        }
    };
    let version = inherited("version").unwrap_or_else(|| "0.0.0".into());
    let edition = inherited("edition").unwrap_or_else(|| "2015".into());
    Some(Package {
        id: format!("path+{}#{name}@{version}", file_url(&dir)),
        manifest_path: manifest_path.to_path_buf(),
        name,
        edition,
        dir,
    })
}

/// `workspace.package.<key>` of the nearest workspace root at or above `dir`.
fn workspace_package_field(dir: &Path, key: &str) -> Option<String> {
    for d in dir.ancestors() {
        let Ok(text) = crate::input::fs::read_regular_text(&d.join("Cargo.toml")) else {
            continue;
        };
        let Ok(manifest) = text.parse::<toml::Table>() else {
            continue;
        };
        if let Some(ws) = manifest.get("workspace") {
            return ws.get("package")?.get(key)?.as_str().map(str::to_owned);
        }
    }
    None
}

/// A `file://` URL for an absolute directory, as cargo writes package ids.
fn file_url(dir: &Path) -> String {
    let mut url = String::from("file://");
    for c in dir.to_string_lossy().replace('\\', "/").chars() {
        if c.is_ascii_alphanumeric() || "/-._~:".contains(c) {
            url.push(c);
        } else {
            let mut buf = [0; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                url.push_str(&format!("%{b:02X}"));
            }
        }
    }
    if !url[7..].starts_with('/') {
        url.insert(7, '/');
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_urls_escape_what_a_url_cannot_hold() {
        assert_eq!(file_url(Path::new("/a b/ü")), "file:///a%20b/%C3%BC");
        assert_eq!(file_url(Path::new("C:\\x")), "file:///C:/x");
    }
}
