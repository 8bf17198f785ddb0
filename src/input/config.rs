//! Configuration that lives in files: which workspace or package a directory belongs
//! to (for `cargo yieldsafe` and `--manifest-path`), and the settings of
//! `yieldsafe.toml` / `.yieldsafe.toml` / `[package.metadata.yieldsafe]` /
//! `[workspace.metadata.yieldsafe]` and of Cargo's `[lints.clippy]` tables.
//!
//! A settings file holds lint levels and excludes:
//!
//! ```toml
//! exclude = ["generated"]
//!
//! [lints]
//! await_holding_lock = "deny"
//! "clippy::await_holding_refcell_ref" = { level = "allow" }
//! ```
//!
//! Anything else is an error that names the file, the line and the key, so that a typo
//! never silently does nothing.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::catalog::{Lint, LintLevels};
use crate::diagnostic::Level;
use crate::hazard::listed::Listed;

/// The manifest `cargo yieldsafe` checks from `dir`: the nearest `Cargo.toml` at or
/// above it that has a `[workspace]` table, else the nearest `Cargo.toml`; `None`
/// outside any.
pub fn workspace_manifest(dir: &Path) -> Option<PathBuf> {
    let mut nearest = None;
    for d in dir.ancestors() {
        let manifest = d.join("Cargo.toml");
        let Ok(text) = crate::input::fs::read_regular_text(&manifest) else {
            continue;
        };
        let is_workspace = text
            .parse::<toml::Table>()
            .is_ok_and(|t| t.contains_key("workspace"));
        if is_workspace {
            return Some(manifest);
        }
        nearest.get_or_insert(manifest);
    }
    nearest
}

/// A configuration file that cannot be used: where, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{}: {message}", file.display(), position.map(|(l, c)| format!(":{l}:{c}")).unwrap_or_default())]
pub struct ConfigError {
    pub file: PathBuf,
    /// 1-based line and column, when the error has a place in the file.
    pub position: Option<(usize, usize)>,
    pub message: String,
}

/// The settings read from the files, in the order they apply: Cargo's
/// `[lints.clippy]` first, then the yieldsafe settings (command-line flags come last).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Config {
    /// `(lint or group, level)`, in the order to apply them.
    pub levels: Vec<(String, Level)>,
    pub exclude: Vec<String>,
    /// `await-holding-invalid-types`, from the yieldsafe settings and `clippy.toml`.
    pub invalid_types: Vec<Listed>,
    /// `hazard-methods`: methods whose result must not be held across an await
    /// (`path` is the method name).
    pub hazard_methods: Vec<Listed>,
    /// The files the settings came from, for `--stats` and error messages.
    pub files: Vec<PathBuf>,
}

impl Config {
    /// Set the levels (the names were checked when the files were read).
    pub fn apply(&self, levels: &mut LintLevels) {
        for (lint, level) in &self.levels {
            levels.set(lint, *level);
        }
    }
}

/// The configuration for a run over `paths`: `explicit` (`--config FILE`) if given,
/// else the first settings file found walking up from the first path; and the
/// `[lints.clippy]` of the Cargo package or workspace the first path is in.
pub fn load(explicit: Option<&Path>, paths: &[PathBuf]) -> Result<Config, ConfigError> {
    let start = paths.first().cloned().unwrap_or_else(|| PathBuf::from("."));
    let start = std::fs::canonicalize(&start).unwrap_or(start);
    let start = if start.is_file() {
        start.parent().map(Path::to_path_buf).unwrap_or_default()
    } else {
        start
    };
    let mut config = Config::default();
    cargo_lints(&start, &mut config)?;
    config.invalid_types = clippy_invalid_types(&start)?;
    let settings = match explicit {
        Some(file) => {
            let text = read(file)?;
            let found = if file.file_name().is_some_and(|n| n == "Cargo.toml") {
                manifest_settings(file, &text)?
            } else {
                Some(parse_settings(file, &text)?)
            };
            if found.is_none() {
                return Err(ConfigError {
                    file: file.to_path_buf(),
                    position: None,
                    message: "has no `[package.metadata.yieldsafe]` or `[workspace.metadata.yieldsafe]` table".into(),
                });
            }
            found.map(|s| (file.to_path_buf(), s))
        }
        None => discover(&start)?,
    };
    if let Some((file, settings)) = settings {
        config.levels.extend(settings.levels);
        config.exclude.extend(settings.exclude);
        config.invalid_types.extend(settings.invalid_types);
        config.hazard_methods.extend(settings.hazard_methods);
        config.files.push(file);
    }
    Ok(config)
}

/// The first settings found walking up from `dir`: in each directory `yieldsafe.toml`,
/// then `.yieldsafe.toml`, then the `Cargo.toml` metadata tables.
fn discover(dir: &Path) -> Result<Option<(PathBuf, Settings)>, ConfigError> {
    for d in dir.ancestors() {
        for name in ["yieldsafe.toml", ".yieldsafe.toml"] {
            let file = d.join(name);
            if file.is_file() {
                let text = read(&file)?;
                return Ok(Some((file.clone(), parse_settings(&file, &text)?)));
            }
        }
        let manifest = d.join("Cargo.toml");
        if manifest.is_file() {
            let text = read(&manifest)?;
            if let Some(settings) = manifest_settings(&manifest, &text)? {
                return Ok(Some((manifest, settings)));
            }
        }
    }
    Ok(None)
}

fn read(file: &Path) -> Result<String, ConfigError> {
    crate::input::fs::read_regular_text(file).map_err(|e| ConfigError {
        file: shown(file),
        position: None,
        message: format!("cannot read this configuration file: {e}"),
    })
}

/// What one settings table says, checked.
#[derive(Debug, Default)]
struct Settings {
    levels: Vec<(String, Level)>,
    exclude: Vec<String>,
    invalid_types: Vec<Listed>,
    hazard_methods: Vec<Listed>,
}

/// Read `await-holding-invalid-types` entries, each a path string or a table with
/// `path` and an optional `reason`.
fn invalid_types(
    file: &Path,
    text: &str,
    entries: &[Spanned<toml::Value>],
) -> Result<Vec<Listed>, ConfigError> {
    entries_of(file, text, entries, "await-holding-invalid-types")
}

/// Entries of a list of paths (types or method names): a string, or a table with
/// `path` and an optional `reason`.
fn entries_of(
    file: &Path,
    text: &str,
    entries: &[Spanned<toml::Value>],
    key: &str,
) -> Result<Vec<Listed>, ConfigError> {
    #[allow(non_snake_case)]
    let KEY = key;
    let mut out = Vec::new();
    for entry in entries {
        let wrong = |message: String| at(file, text, entry.span(), message);
        let item = match entry.get_ref() {
            toml::Value::String(path) => Listed {
                path: path.clone(),
                reason: None,
            },
            toml::Value::Table(table) => {
                // clippy's `allow-invalid` (do not warn when the path names nothing):
                // yieldsafe never warns about that, so it is accepted and changes nothing.
                let known = ["path", "reason", "allow-invalid"];
                if let Some(key) = table.keys().find(|k| !known.contains(&k.as_str())) {
                    return Err(wrong(format!(
                        "`{KEY}`: unknown key `{key}`, expected `path`, `reason` or `allow-invalid`"
                    )));
                }
                if table.get("allow-invalid").is_some_and(|v| !v.is_bool()) {
                    return Err(wrong(format!("`{KEY}`: `allow-invalid` must be `true` or `false`")));
                }
                let path = table.get("path").and_then(toml::Value::as_str).ok_or_else(|| {
                    wrong(format!("`{KEY}`: an entry needs `path = \"crate::Type\"`"))
                })?;
                let reason = match table.get("reason") {
                    None => None,
                    Some(r) => Some(
                        r.as_str()
                            .ok_or_else(|| wrong(format!("`{KEY}`: `reason` must be a string")))?
                            .to_string(),
                    ),
                };
                Listed {
                    path: path.to_string(),
                    reason,
                }
            }
            other => {
                return Err(wrong(format!(
                    "`{KEY}`: expected a path string or a table `{{ path = \"..\", reason = \"..\" }}`, found {}",
                    other.type_str()
                )))
            }
        };
        if item.path.split("::").any(|s| s.is_empty()) {
            return Err(wrong(format!(
                "`{KEY}`: `{}` is not a type path",
                item.path
            )));
        }
        out.push(item);
    }
    Ok(out)
}

/// `clippy.toml` / `.clippy.toml` (the first found walking up from `dir`): only
/// `await-holding-invalid-types` is ours; the rest is clippy's.
fn clippy_invalid_types(dir: &Path) -> Result<Vec<Listed>, ConfigError> {
    #[derive(Debug, Default, Deserialize)]
    struct ClippyToml {
        #[serde(default, rename = "await-holding-invalid-types")]
        await_holding_invalid_types: Vec<Spanned<toml::Value>>,
    }
    for d in dir.ancestors() {
        for name in ["clippy.toml", ".clippy.toml"] {
            let file = d.join(name);
            if file.is_file() {
                let text = read(&file)?;
                let raw: ClippyToml =
                    toml::from_str(&text).map_err(|e| toml_error(&file, &text, &e))?;
                return invalid_types(&file, &text, &raw.await_holding_invalid_types);
            }
        }
    }
    Ok(Vec::new())
}

/// The settings table as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSettings {
    #[serde(default)]
    exclude: Vec<String>,
    #[serde(default)]
    lints: BTreeMap<Spanned<String>, Spanned<LevelSpec>>,
    #[serde(default, rename = "await-holding-invalid-types")]
    await_holding_invalid_types: Vec<Spanned<toml::Value>>,
    #[serde(default, rename = "hazard-methods")]
    hazard_methods: Vec<Spanned<toml::Value>>,
}

/// A lint's entry: `"deny"` or `{ level = "deny", priority = 1 }`, as in Cargo's
/// `[lints]`. Read by hand, so that a wrong one is reported in words, at its place.
type LevelSpec = toml::Value;

fn level_of(
    file: &Path,
    text: &str,
    lint: &str,
    spec: &Spanned<LevelSpec>,
) -> Result<(Level, i64), ConfigError> {
    let wrong = |message: String| at(file, text, spec.span(), message);
    let (word, priority) = match spec.get_ref() {
        toml::Value::String(word) => (word.as_str(), 0),
        toml::Value::Table(table) => {
            if let Some(key) = table.keys().find(|k| *k != "level" && *k != "priority") {
                return Err(wrong(format!(
                    "`{lint}`: unknown key `{key}`, expected `level` or `priority`"
                )));
            }
            let word = table.get("level").and_then(toml::Value::as_str).ok_or_else(|| {
                wrong(format!("`{lint}`: `level` must be a string such as \"deny\""))
            })?;
            let priority = match table.get("priority") {
                None => 0,
                Some(p) => p.as_integer().ok_or_else(|| {
                    wrong(format!("`{lint}`: `priority` must be an integer"))
                })?,
            };
            (word, priority)
        }
        other => {
            return Err(wrong(format!(
                "`{lint}`: expected a level such as \"deny\" or a table `{{ level = \"deny\" }}`, found {}",
                other.type_str()
            )))
        }
    };
    let level = Level::parse(word).ok_or_else(|| {
        wrong(format!(
            "`{lint}`: unknown level `{word}`, expected allow, warn, deny or forbid"
        ))
    })?;
    Ok((level, priority))
}

fn parse_settings(file: &Path, text: &str) -> Result<Settings, ConfigError> {
    let raw: RawSettings = toml::from_str(text).map_err(|e| toml_error(file, text, &e))?;
    check(file, text, raw)
}

/// Check names and levels: a lint name must be known (`warnings` for all), a level one
/// of rustc's. Groups apply before single lints, so a single lint's level wins.
fn check(file: &Path, text: &str, raw: RawSettings) -> Result<Settings, ConfigError> {
    let mut levels = Vec::new();
    for (name, spec) in &raw.lints {
        let lint = name.get_ref().as_str();
        let bare = lint.strip_prefix("clippy::").unwrap_or(lint);
        if lint != "warnings"
            && Lint::from_name(bare).is_none()
            && crate::catalog::group(bare).is_none()
        {
            return Err(at(
                file,
                text,
                name.span(),
                format!(
                    "unknown lint `{lint}` in `[lints]`{}; `yieldsafe --list-lints` lists them",
                    crate::catalog::names::did_you_mean(lint)
                ),
            ));
        }
        let (level, priority) = level_of(file, text, lint, spec)?;
        let group = lint == "warnings" || crate::catalog::group(bare).is_some();
        levels.push((priority, !group, lint.to_owned(), level));
    }
    levels.sort_by_key(|(priority, single, _, _)| (*priority, *single));
    Ok(Settings {
        levels: levels
            .into_iter()
            .map(|(_, _, l, level)| (l, level))
            .collect(),
        exclude: raw.exclude,
        invalid_types: invalid_types(file, text, &raw.await_holding_invalid_types)?,
        hazard_methods: entries_of(file, text, &raw.hazard_methods, "hazard-methods")?,
    })
}

/// The parts of a `Cargo.toml` this module reads; everything else is Cargo's.
#[derive(Debug, Default, Deserialize)]
struct Manifest {
    package: Option<PackageTable>,
    workspace: Option<WorkspaceTable>,
    lints: Option<LintsTable>,
}

#[derive(Debug, Default, Deserialize)]
struct PackageTable {
    metadata: Option<MetadataTable>,
}

#[derive(Debug, Default, Deserialize)]
struct WorkspaceTable {
    metadata: Option<MetadataTable>,
    lints: Option<LintsTable>,
}

#[derive(Debug, Default, Deserialize)]
struct MetadataTable {
    yieldsafe: Option<RawSettings>,
}

/// `[lints]`: `workspace = true`, or tools' tables of which `rust` and `clippy` name
/// lints of ours.
#[derive(Debug, Default, Deserialize)]
struct LintsTable {
    #[serde(default)]
    workspace: bool,
    #[serde(default)]
    rust: BTreeMap<Spanned<String>, Spanned<LevelSpec>>,
    #[serde(default)]
    clippy: BTreeMap<Spanned<String>, Spanned<LevelSpec>>,
}

fn parse_manifest(file: &Path, text: &str) -> Result<Manifest, ConfigError> {
    toml::from_str(text).map_err(|e| toml_error(file, text, &e))
}

/// `[package.metadata.yieldsafe]`, else `[workspace.metadata.yieldsafe]`.
fn manifest_settings(file: &Path, text: &str) -> Result<Option<Settings>, ConfigError> {
    let manifest = parse_manifest(file, text)?;
    let raw = manifest
        .package
        .and_then(|p| p.metadata)
        .and_then(|m| m.yieldsafe)
        .or_else(|| {
            manifest
                .workspace
                .and_then(|w| w.metadata)
                .and_then(|m| m.yieldsafe)
        });
    raw.map(|raw| check(file, text, raw)).transpose()
}

/// The `[lints.rust]` and `[lints.clippy]` of the nearest package at or above `dir`
/// (through `[lints] workspace = true` to its workspace's `[workspace.lints]`), or of
/// the workspace whose root `dir` is in. Each table names what its tool names
/// (`rust`: `warnings`, `must_not_suspend`; `clippy`: clippy's lints and groups);
/// the tools' other lints are skipped.
fn cargo_lints(dir: &Path, config: &mut Config) -> Result<(), ConfigError> {
    let mut inherit = false;
    for d in dir.ancestors() {
        let file = d.join("Cargo.toml");
        let Ok(text) = crate::input::fs::read_regular_text(&file) else {
            continue;
        };
        let manifest = parse_manifest(&file, &text)?;
        let is_package = manifest.package.is_some();
        if !inherit {
            if let Some(lints) = manifest.lints {
                if !lints.workspace {
                    return add_cargo_lints(&file, &text, lints, config);
                }
                inherit = true;
            }
        }
        if let Some(ws) = manifest.workspace {
            // A package that does not inherit keeps its own (no) lints.
            if inherit || !is_package {
                let lints = ws.lints.unwrap_or_default();
                return add_cargo_lints(&file, &text, lints, config);
            }
            return Ok(());
        }
        if is_package && !inherit {
            return Ok(());
        }
    }
    Ok(())
}

fn add_cargo_lints(
    file: &Path,
    text: &str,
    lints: LintsTable,
    config: &mut Config,
) -> Result<(), ConfigError> {
    use crate::catalog::names::{in_namespace, Named, Tool};
    let mut levels = Vec::new();
    let tables = [
        (Tool::Rustc, "", lints.rust),
        (Tool::Clippy, "clippy::", lints.clippy),
    ];
    for (tool, prefix, table) in tables {
        for (name, spec) in table {
            // The tools' other lints are theirs, entries and all (`unexpected_cfgs`
            // has a `check-cfg`); clippy's groups that hold ours (`suspicious`,
            // `all`, `nursery`) apply to them.
            let (named, group) = match in_namespace(tool, name.get_ref()) {
                Some(Named::Lint(lint)) => (lint.name().to_owned(), false),
                Some(_) => (name.get_ref().clone(), true),
                None => continue,
            };
            let written = format!("{prefix}{}", name.get_ref());
            let (level, priority) = level_of(file, text, &written, &spec)?;
            levels.push((priority, !group, named, level));
        }
    }
    // By priority; a group before a single lint of the same priority.
    levels.sort_by_key(|(priority, single, _, _)| (*priority, *single));
    let levels: Vec<(i64, String, Level)> = levels
        .into_iter()
        .map(|(p, _, l, level)| (p, l, level))
        .collect();
    if !levels.is_empty() {
        config.files.push(file.to_path_buf());
    }
    config
        .levels
        .extend(levels.into_iter().map(|(_, l, level)| (l, level)));
    Ok(())
}

fn toml_error(file: &Path, text: &str, e: &toml::de::Error) -> ConfigError {
    let message = e.message().trim().to_owned();
    match e.span() {
        Some(span) => at(file, text, span, message),
        None => ConfigError {
            file: shown(file),
            position: None,
            message,
        },
    }
}

/// `file` as the user would name it from the current directory: relative when it is in
/// it or in one of its ancestors (files are found walking up from canonical paths).
fn shown(file: &Path) -> PathBuf {
    if file.is_relative() {
        return file.to_path_buf();
    }
    let Ok(cwd) = std::env::current_dir().and_then(std::fs::canonicalize) else {
        return file.to_path_buf();
    };
    if let Ok(below) = file.strip_prefix(&cwd) {
        return below.to_path_buf();
    }
    let (Some(dir), Some(name)) = (file.parent(), file.file_name()) else {
        return file.to_path_buf();
    };
    match cwd.strip_prefix(dir) {
        Ok(up) => {
            let mut rel: PathBuf = up.components().map(|_| "..").collect();
            rel.push(name);
            rel
        }
        Err(_) => file.to_path_buf(),
    }
}

/// An error at the start of `span` (a byte range of `text`).
fn at(file: &Path, text: &str, span: Range<usize>, message: String) -> ConfigError {
    let start = span.start.min(text.len());
    let before = text.get(..start).unwrap_or("");
    let line = before.matches('\n').count() + 1;
    let column = before
        .rfind('\n')
        .map_or(before, |i| &before[i + 1..])
        .chars()
        .count()
        + 1;
    ConfigError {
        file: shown(file),
        position: Some((line, column)),
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_workspace_root_wins_over_the_nearest_package() {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path();
        std::fs::create_dir_all(root.join("a/src")).expect("mkdir");
        std::fs::write(root.join("Cargo.toml"), "[workspace]\nmembers = [\"a\"]\n").expect("w");
        std::fs::write(root.join("a/Cargo.toml"), "[package]\nname = \"a\"\n").expect("w");
        assert_eq!(
            workspace_manifest(&root.join("a/src")),
            Some(root.join("Cargo.toml"))
        );
        std::fs::write(root.join("Cargo.toml"), "# not a workspace\n").expect("w");
        assert_eq!(
            workspace_manifest(&root.join("a/src")),
            Some(root.join("a/Cargo.toml"))
        );
    }

    #[test]
    fn settings_name_file_line_and_key_when_wrong() {
        let file = Path::new("yieldsafe.toml");
        let e = parse_settings(file, "exclude = []\nlintz = 1\n").expect_err("unknown key");
        assert_eq!(e.position, Some((2, 1)));
        assert!(e.message.contains("lintz"), "{e}");
        let e = parse_settings(file, "[lints]\nawait_holding_lock = \"loud\"\n")
            .expect_err("bad level");
        assert_eq!(e.position, Some((2, 22)));
        assert!(e.to_string().starts_with("yieldsafe.toml:2:22: "), "{e}");
        let e =
            parse_settings(file, "[lints]\nawait_holding_lokc = \"deny\"\n").expect_err("bad lint");
        assert_eq!(e.position, Some((2, 1)));
        let e = parse_settings(file, "exclude = \"x\"\n").expect_err("wrong type");
        assert_eq!(e.position, Some((1, 11)));
    }

    #[test]
    fn groups_apply_before_single_lints() {
        let s = parse_settings(
            Path::new("y.toml"),
            "[lints]\nawait_holding_lock = \"allow\"\nwarnings = \"deny\"\n",
        )
        .expect("valid");
        assert_eq!(
            s.levels,
            [
                ("warnings".to_owned(), Level::Deny),
                ("await_holding_lock".to_owned(), Level::Allow)
            ]
        );
    }
}
