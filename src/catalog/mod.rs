//! The lint catalog: which lints exist (`registry`: the `Lint` identity, groups and
//! levels) and one user-facing record per lint, `lints/<name>.toml`, compiled in.
//! `--explain` and `--list-lints` print from here, and the default levels and clippy
//! names come from here, so the documentation and the behaviour cannot drift apart.

pub mod names;
mod registry;

use std::sync::OnceLock;

use serde::{Deserialize, Deserializer};

use crate::diagnostic::Level;
pub use registry::{group, Lint, LintLevels};

/// What a user can read about one lint.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LintInfo {
    /// The name without tool prefix, e.g. `await_holding_lock`.
    pub name: String,
    #[serde(deserialize_with = "level")]
    pub default_level: Level,
    /// The same lint's name in clippy (`clippy::await_holding_lock`), when it has one;
    /// `#[allow]`, `#[expect]` and `[lints.clippy]` under that name apply to both tools.
    #[serde(default)]
    pub clippy_name: Option<String>,
    /// Whether rustc has a lint of this name (`must_not_suspend`), which attributes
    /// then name without a tool prefix.
    #[serde(default)]
    pub rustc_lint: bool,
    /// The compiler's page about the lint, for a rustc lint (clippy's page follows
    /// from the clippy name: `LintInfo::doc_url`).
    #[serde(default)]
    pub rustc_doc: Option<String>,
    /// One line, lower case, no trailing period.
    pub summary: String,
    /// For a lint about held values: the note of its diagnostics, why holding such a
    /// value is bad, in one line.
    #[serde(default)]
    pub note: Option<String>,
    /// For a lint about held values: how its help ends, what to use instead
    /// (`or use an async-aware lock such as ..`).
    #[serde(default)]
    pub instead: Option<String>,
    pub what_it_does: String,
    pub why_is_this_bad: String,
    /// Rust code that the lint reports.
    pub example: String,
    /// The same code, fixed.
    pub use_instead: String,
    pub known_problems: String,
    pub fix_safety: String,
    /// The type paths (`std::sync::MutexGuard`) and producing methods (`.lock()`,
    /// written with a leading dot) the lint matches.
    pub matches: Vec<String>,
    /// Look-alikes the lint deliberately does not match.
    #[serde(default)]
    pub does_not_match: Vec<String>,
}

fn level<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Level, D::Error> {
    let word = String::deserialize(deserializer)?;
    Level::parse(&word).ok_or_else(|| {
        serde::de::Error::custom(format!(
            "unknown level `{word}`, expected allow, warn, deny or forbid"
        ))
    })
}

impl LintInfo {
    fn parse(file: &str, text: &str) -> Result<LintInfo, String> {
        let mut info: LintInfo = toml::from_str(text).map_err(|e| format!("{file}: {e}"))?;
        for field in [
            &mut info.summary,
            &mut info.what_it_does,
            &mut info.why_is_this_bad,
            &mut info.example,
            &mut info.use_instead,
            &mut info.known_problems,
            &mut info.fix_safety,
        ] {
            // TOML's multi-line strings keep the final line break; the prose does not
            // want it.
            *field = field.trim().to_owned();
        }
        Ok(info)
    }

    /// Where the lint is documented on the web: clippy's lint list for a lint clippy
    /// has, the compiler's page for a rustc lint; `None` for a lint only yieldsafe has
    /// (its `--explain` text is the documentation).
    pub fn doc_url(&self) -> Option<String> {
        match (&self.clippy_name, &self.rustc_doc) {
            (Some(_), _) => Some(format!(
                "https://rust-lang.github.io/rust-clippy/master/index.html#{}",
                self.name
            )),
            (None, Some(url)) => Some(url.clone()),
            (None, None) => None,
        }
    }

    /// The type paths among `matches`.
    pub fn matched_types(&self) -> impl Iterator<Item = &str> {
        self.matches
            .iter()
            .map(String::as_str)
            .filter(|m| !m.starts_with('.'))
    }

    /// The producing methods among `matches` (`.lock()`).
    pub fn matched_methods(&self) -> impl Iterator<Item = &str> {
        self.matches
            .iter()
            .map(String::as_str)
            .filter(|m| m.starts_with('.'))
    }
}

/// Every lint's record, sorted by name (in the order of `Lint::ALL`), parsed once.
pub fn all() -> &'static [LintInfo] {
    static CATALOG: OnceLock<Vec<LintInfo>> = OnceLock::new();
    CATALOG.get_or_init(|| {
        Lint::ALL
            .iter()
            .map(|lint| {
                LintInfo::parse(lint.name(), lint.record_text())
                    .expect("the built-in lint records are checked by the catalog's unit tests")
            })
            .collect()
    })
}

impl Lint {
    /// The lint's record, `lints/<name>.toml`.
    pub fn record(self) -> &'static LintInfo {
        &all()[self as usize]
    }

    /// The name an attribute gives it: its clippy name (`clippy::await_holding_lock`),
    /// or its own for a rustc lint (`must_not_suspend`); `None` for a lint only
    /// yieldsafe knows, which only a `// yieldsafe: allow(..)` comment can name.
    pub fn attribute_name(self) -> Option<&'static str> {
        let record = self.record();
        record
            .clippy_name
            .as_deref()
            .or(record.rustc_lint.then_some(record.name.as_str()))
    }
}

/// The lint called `name`: its own name or its clippy name
/// (`await_holding_lock`, `clippy::await_holding_lock`); `-` may stand for `_`, as on
/// rustc's command line.
pub fn get(name: &str) -> Option<&'static LintInfo> {
    let name = name.trim().replace('-', "_");
    all()
        .iter()
        .find(|info| info.name == name || info.clippy_name.as_deref() == Some(name.as_str()))
}

/// The text `--explain` prints: Markdown, readable as it is in a terminal.
pub fn explain(info: &LintInfo) -> String {
    let mut text = format!("# {}\n\n{}\n\n", info.name, info.summary);
    text.push_str(&format!("Default level: {}\n", info.default_level.as_str()));
    match &info.clippy_name {
        Some(clippy) => text.push_str(&format!(
            "Clippy lint: `{clippy}` (the same name, so `#[allow({clippy})]` silences both)\n"
        )),
        None => text.push_str("Clippy lint: none\n"),
    }
    let mut section = |title: &str, body: &str| {
        text.push_str(&format!("\n### {title}\n{body}\n"));
    };
    section("What it does", &info.what_it_does);
    section("Why is this bad?", &info.why_is_this_bad);
    section("Example", &format!("```rust\n{}\n```", info.example));
    section(
        "Use instead",
        &format!("```rust\n{}\n```", info.use_instead),
    );
    section("Known problems", &info.known_problems);
    section("Fix safety", &info.fix_safety);
    let mut matches = String::new();
    let types: Vec<&str> = info.matched_types().collect();
    if !types.is_empty() {
        matches.push_str("Types:\n");
        for ty in types {
            matches.push_str(&format!("- `{ty}`\n"));
        }
    }
    let methods: Vec<String> = info.matched_methods().map(|m| format!("`{m}`")).collect();
    if !methods.is_empty() {
        matches.push_str(&format!("\nProduced by: {}\n", methods.join(", ")));
    }
    section("Matches", matches.trim_end());
    if !info.does_not_match.is_empty() {
        let list: Vec<String> = info
            .does_not_match
            .iter()
            .map(|m| format!("- {m}"))
            .collect();
        section("Does not match", &list.join("\n"));
    }
    text
}

/// The text `--list-lints` prints: name, default level and summary, in columns.
pub fn list() -> String {
    let width = all()
        .iter()
        .map(|info| info.name.len())
        .chain(["lint".len()])
        .max()
        .unwrap_or(0);
    let mut text = format!("{:width$}  {:7}  summary\n", "lint", "default");
    for info in all() {
        text.push_str(&format!(
            "{:width$}  {:7}  {}\n",
            info.name,
            info.default_level.as_str(),
            info.summary
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_record_parses() {
        for lint in Lint::ALL {
            let info =
                LintInfo::parse(lint.name(), lint.record_text()).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(info.name, lint.name(), "a record's name is its file's name");
        }
        assert_eq!(all().len(), Lint::ALL.len());
    }

    #[test]
    fn every_file_in_lints_is_registered() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/lints");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .expect("lints/ is readable")
            .map(|entry| {
                entry
                    .expect("lints/ entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .filter(|name| name.ends_with(".toml"))
            .collect();
        on_disk.sort();
        let registered: Vec<String> = Lint::ALL
            .iter()
            .map(|l| format!("{}.toml", l.name()))
            .collect();
        assert_eq!(
            on_disk, registered,
            "every lints/*.toml must be a `Lint` in src/catalog/registry.rs, and no other"
        );
    }

    #[test]
    fn records_are_complete() {
        for info in all() {
            let name = &info.name;
            assert!(
                !info.summary.contains('\n') && !info.summary.ends_with('.'),
                "{name}: summary is one line without a trailing period"
            );
            assert!(
                info.summary.starts_with(|c: char| !c.is_uppercase()),
                "{name}: summary is lower case, like rustc's messages"
            );
            for (field, body) in [
                ("what_it_does", &info.what_it_does),
                ("why_is_this_bad", &info.why_is_this_bad),
                ("example", &info.example),
                ("use_instead", &info.use_instead),
                ("known_problems", &info.known_problems),
                ("fix_safety", &info.fix_safety),
            ] {
                assert!(!body.is_empty(), "{name}: `{field}` is empty");
            }
            assert!(info.matched_types().next().is_some(), "{name}: no types");
            // `must_not_suspend` is about types only; the others name what makes them.
            assert!(
                matches!(
                    name.as_str(),
                    "must_not_suspend"
                        | "future_not_send"
                        | "await_holding_invalid_type"
                        | "unfulfilled_lint_expectations"
                        | "unknown_lints"
                ) || info.matched_methods().next().is_some(),
                "{name}: no methods"
            );
            if let Some(clippy) = &info.clippy_name {
                assert_eq!(clippy, &format!("clippy::{name}"), "names match clippy's");
            }
        }
    }

    #[test]
    fn get_accepts_both_names() {
        let lock = get("await_holding_lock").expect("await_holding_lock");
        assert_eq!(lock.default_level, Level::Warn);
        assert_eq!(get("clippy::await_holding_lock"), Some(lock));
        assert_eq!(get("await-holding-lock"), Some(lock));
        assert_eq!(
            get("clippy::await_holding_refcell_ref").map(|i| i.name.as_str()),
            Some("await_holding_refcell_ref")
        );
        assert_eq!(get("clippy::await_holding"), None);
        assert_eq!(get("unused_variables"), None);
    }

    #[test]
    fn lock_lint_matches_blocking_guards_only() {
        let lock = get("await_holding_lock").expect("await_holding_lock");
        let types: Vec<&str> = lock.matched_types().collect();
        for ty in [
            "std::sync::MutexGuard",
            "std::sync::MappedRwLockWriteGuard",
            "std::sync::ReentrantLockGuard",
            "parking_lot::MutexGuard",
        ] {
            assert!(types.contains(&ty), "{ty}");
        }
        // tokio's only guard matched is `watch::Ref`, no async lock's.
        assert!(types
            .iter()
            .all(|t| !t.starts_with("tokio::") || *t == "tokio::sync::watch::Ref"));
        let methods: Vec<&str> = lock.matched_methods().collect();
        assert_eq!(
            methods[..6],
            [
                ".lock()",
                ".read()",
                ".write()",
                ".try_lock()",
                ".try_read()",
                ".try_write()"
            ]
        );
    }

    #[test]
    fn explain_has_every_section() {
        let text = explain(get("await_holding_refcell_ref").expect("refcell lint"));
        for heading in [
            "# await_holding_refcell_ref\n",
            "Default level: warn\n",
            "`clippy::await_holding_refcell_ref`",
            "### What it does\n",
            "### Why is this bad?\n",
            "### Example\n```rust\n",
            "### Use instead\n```rust\n",
            "### Known problems\n",
            "### Fix safety\n",
            "### Matches\nTypes:\n- `core::cell::Ref`\n",
            "Produced by: `.borrow()`, `.borrow_mut()`",
            "### Does not match\n",
            "rust-clippy#6446",
        ] {
            assert!(text.contains(heading), "missing {heading:?} in\n{text}");
        }
    }

    #[test]
    fn attribute_names() {
        assert_eq!(
            Lint::AwaitHoldingLock.attribute_name(),
            Some("clippy::await_holding_lock")
        );
        assert_eq!(
            Lint::MustNotSuspend.attribute_name(),
            Some("must_not_suspend")
        );
        assert_eq!(Lint::AwaitHoldingSpanGuard.attribute_name(), None);
    }

    #[test]
    fn list_aligns_names() {
        let text = list();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), all().len() + 1);
        let column = lines[0].find("default").expect("header");
        for (line, info) in lines[1..].iter().zip(all()) {
            assert!(line.starts_with(&info.name));
            let level = info.default_level.as_str();
            assert_eq!(line.find(level), Some(column), "{line}");
        }
    }
}
