//! Baselines: the findings a project already has, recorded once (`--write-baseline
//! FILE`) so that later runs (`--baseline FILE`) report only new ones; how a team with
//! hundreds of old findings adopts the tool. A finding is known by its file, its lint,
//! the text of its held value and the fn it is in, not by its line, so that code
//! moving up or down does not make old findings new (as ruff's and detekt's baselines
//! do). Two findings with the same key are counted: a baseline of one silences one.
//!
//! The file is JSON, sorted, one finding per entry, so that it reads and diffs well:
//!
//! ```json
//! {"version": 1, "findings": [{"file": "src/cache.rs", "lint": "await_holding_lock",
//!   "item": "Cache::refresh", "value": "guard", "count": 1}]}
//! ```

use std::collections::BTreeMap;
use std::path::{Component, Path};

use serde::{Deserialize, Serialize};

use crate::diagnostic::Diagnostic;
use crate::input::source::Sources;

/// What identifies a finding across edits that move it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Key {
    /// The file, with `/` separators and no leading `./`.
    pub file: String,
    pub lint: String,
    /// The fn the finding is in, within its file (`Cache::refresh`); empty for none.
    #[serde(default)]
    pub item: String,
    /// The held value's text, its whitespace collapsed (`guard`,
    /// `self.state.lock().unwrap()`).
    pub value: String,
}

impl Key {
    pub fn of(d: &Diagnostic, sources: &Sources) -> Key {
        let p = &d.primary;
        let value = sources
            .get(&p.file)
            .and_then(|text| text.get(p.byte_start..p.byte_end))
            .map(|v| v.split_whitespace().collect::<Vec<_>>().join(" "))
            .unwrap_or_default();
        Key {
            file: normal_path(&p.file),
            lint: d.lint.to_owned(),
            item: d.item.clone().unwrap_or_default(),
            value,
        }
    }

    /// A stable digest of the key (FNV-1a, 64 bits, in hex), the same in every
    /// version and on every platform: SARIF's `partialFingerprints`.
    pub fn fingerprint(&self) -> String {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for part in [&self.file, &self.lint, &self.item, &self.value] {
            for b in part.bytes().chain([0]) {
                hash ^= u64::from(b);
                hash = hash.wrapping_mul(0x0100_0000_01b3);
            }
        }
        format!("{hash:016x}")
    }
}

/// `path` with `/` separators and without `.` components, so that a baseline written
/// from a walk of `.` matches one of `src`.
fn normal_path(path: &Path) -> String {
    let parts: Vec<String> = path
        .components()
        .filter(|c| !matches!(c, Component::CurDir))
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let joined = parts.join("/");
    // An absolute path keeps its root (`/` then the first part, already joined).
    joined.replace("//", "/")
}

/// The findings of a baseline, each key with how many times it was found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Baseline {
    counts: BTreeMap<Key, usize>,
}

/// A baseline file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("{file}: cannot read this baseline: {source}")]
    Read {
        file: String,
        source: std::io::Error,
    },
    #[error("{file}: not a yieldsafe baseline: {message}")]
    Parse { file: String, message: String },
    #[error("{file}: baseline version {version} is not known to this yieldsafe (it writes version {VERSION})")]
    Version { file: String, version: u32 },
}

const VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    version: u32,
    findings: Vec<Entry>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    #[serde(flatten)]
    key: Key,
    #[serde(default = "one")]
    count: usize,
}

fn one() -> usize {
    1
}

impl Baseline {
    /// The baseline of these findings.
    pub fn of(diagnostics: &[Diagnostic], sources: &Sources) -> Baseline {
        let mut counts = BTreeMap::new();
        for d in diagnostics {
            *counts.entry(Key::of(d, sources)).or_insert(0) += 1;
        }
        Baseline { counts }
    }

    /// How many findings it records.
    pub fn len(&self) -> usize {
        self.counts.values().sum()
    }

    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }

    pub fn read(path: &Path) -> Result<Baseline, BaselineError> {
        let file = path.display().to_string();
        let text =
            crate::input::fs::read_regular_text(path).map_err(|source| BaselineError::Read {
                file: file.clone(),
                source,
            })?;
        Baseline::parse(&file, &text)
    }

    fn parse(file: &str, text: &str) -> Result<Baseline, BaselineError> {
        let version = serde_json::from_str::<serde_json::Value>(text)
            .ok()
            .and_then(|v| v.get("version")?.as_u64());
        if let Some(v) = version.filter(|&v| v != u64::from(VERSION)) {
            return Err(BaselineError::Version {
                file: file.to_owned(),
                version: u32::try_from(v).unwrap_or(u32::MAX),
            });
        }
        let parsed: File = serde_json::from_str(text).map_err(|e| BaselineError::Parse {
            file: file.to_owned(),
            message: format!("{e}"),
        })?;
        let mut counts = BTreeMap::new();
        for entry in parsed.findings {
            *counts.entry(entry.key).or_insert(0) += entry.count;
        }
        Ok(Baseline { counts })
    }

    /// The file's text: pretty JSON, sorted by key.
    pub fn to_json(&self) -> String {
        let file = File {
            version: VERSION,
            findings: self
                .counts
                .iter()
                .map(|(key, &count)| Entry {
                    key: key.clone(),
                    count,
                })
                .collect(),
        };
        let mut text = serde_json::to_string_pretty(&file).expect("a baseline serializes");
        text.push('\n');
        text
    }

    /// The findings the baseline does not hold (each of its keys silences as many
    /// findings as it counts), and how many it held.
    pub fn new_findings(
        &self,
        diagnostics: Vec<Diagnostic>,
        sources: &Sources,
    ) -> (Vec<Diagnostic>, usize) {
        let mut left = self.counts.clone();
        let mut known = 0;
        let fresh = diagnostics
            .into_iter()
            .filter(|d| match left.get_mut(&Key::of(d, sources)) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    known += 1;
                    false
                }
                _ => true,
            })
            .collect();
        (fresh, known)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::{Level, Span};
    use std::sync::Arc;

    fn finding(file: &str, text: &str, value: &str, item: &str) -> (Diagnostic, Sources) {
        let path: Arc<Path> = Arc::from(Path::new(file));
        let start = text.find(value).expect("the value is in the text");
        let mut sources = Sources::default();
        sources.insert(path.clone(), Arc::from(text));
        let d = Diagnostic {
            lint: "await_holding_lock",
            level: Level::Warn,
            message: String::new(),
            primary: Span {
                file: path,
                byte_start: start,
                byte_end: start + value.len(),
                line: text[..start].matches('\n').count() + 1,
                column: 1,
                end_line: 1,
                end_column: 1,
            },
            primary_label: String::new(),
            labels: Vec::new(),
            yield_points: Vec::new(),
            notes: Vec::new(),
            help: Vec::new(),
            suggestions: Vec::new(),
            item: Some(item.to_owned()),
        };
        (d, sources)
    }

    #[test]
    fn a_finding_that_moved_is_still_known() {
        let (old, old_sources) =
            finding("./src/a.rs", "fn f() {\n  let g = m.lock();\n}", "g", "f");
        let baseline = Baseline::of(&[old], &old_sources);
        let text = baseline.to_json();
        assert!(text.contains("\"file\": \"src/a.rs\""), "{text}");
        let read = Baseline::parse("b.json", &text).expect("parses");
        assert_eq!(read, baseline);
        let (moved, sources) = finding(
            "src/a.rs",
            "\n\n\nfn f() {\n  let g = m.lock();\n}",
            "g",
            "f",
        );
        let (other_fn, _) = finding(
            "src/a.rs",
            "\n\n\nfn f() {\n  let g = m.lock();\n}",
            "g",
            "h",
        );
        let (fresh, known) = read.new_findings(vec![moved, other_fn.clone()], &sources);
        assert_eq!((fresh, known), (vec![other_fn], 1));
    }

    #[test]
    fn a_count_silences_that_many() {
        let (d, sources) = finding("a.rs", "let g = 1;", "g", "f");
        let baseline = Baseline::of(std::slice::from_ref(&d), &sources);
        let (fresh, known) = baseline.new_findings(vec![d.clone(), d], &sources);
        assert_eq!((fresh.len(), known), (1, 1));
    }

    #[test]
    fn bad_files_say_what_is_wrong() {
        let e = Baseline::parse("b.json", "{\"version\": 9, \"findings\": []}").expect_err("v9");
        assert!(e.to_string().contains("version 9"), "{e}");
        let e = Baseline::parse("b.json", "[1]").expect_err("not one");
        assert!(
            e.to_string()
                .starts_with("b.json: not a yieldsafe baseline"),
            "{e}"
        );
        let key = Key {
            file: "a".into(),
            lint: "l".into(),
            item: String::new(),
            value: "v".into(),
        };
        assert_eq!(key.fingerprint(), key.clone().fingerprint());
        assert_eq!(key.fingerprint().len(), 16);
    }
}
