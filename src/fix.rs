//! `--fix`: apply the machine-applicable suggestions of a run to the files they edit
//! (and, with `--unsafe-fixes`, the maybe-incorrect ones).
//!
//! A file is only written when the fixed text still parses (`syn::parse_file`), and
//! never when it changed since the run read it: its content is compared just before
//! the atomic replace (a temporary file in the same directory, renamed over the
//! original, so a reader sees the old text or the new one, never half of it).
//! Suggestions that overlap an edit already taken are left for the next run. A file
//! that cannot be fixed is a `Problem`; the other files are still fixed.

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use crate::diagnostic::{Applicability, Diagnostic, Edit, Problem};
use crate::input::source::Sources;

/// The fixed text of one file.
#[derive(Debug, Clone)]
pub struct FileFix {
    pub path: Arc<Path>,
    /// The text the run read.
    pub original: Arc<str>,
    pub fixed: String,
    /// How many suggestions the fixed text applies.
    pub applied: usize,
}

impl FileFix {
    /// A unified diff of the fix (`--- path` / `+++ path`, three lines of context), as
    /// `patch -p0` and `git apply -p0` read it.
    pub fn unified_diff(&self) -> String {
        let name = diff_path(&self.path);
        similar::TextDiff::from_lines(&*self.original, self.fixed.as_str())
            .unified_diff()
            .context_radius(3)
            .header(&name, &name)
            .to_string()
    }
}

/// What a `--fix` run did.
#[derive(Debug, Default)]
pub struct FixOutcome {
    /// The files fixed (or, in a dry run, that would be), in path order.
    pub files: Vec<FileFix>,
    /// Files left unchanged because their fix failed.
    pub problems: Vec<Problem>,
}

impl FixOutcome {
    pub fn applied(&self) -> usize {
        self.files.iter().map(|f| f.applied).sum()
    }
}

/// Which suggestions `--fix` applies: the machine-applicable ones, or (with
/// `--unsafe-fixes`, as ruff names it) the maybe-incorrect ones too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixSet {
    MachineApplicable,
    WithMaybeIncorrect,
}

impl FixSet {
    fn takes(self, a: Applicability) -> bool {
        match self {
            FixSet::MachineApplicable => a == Applicability::MachineApplicable,
            FixSet::WithMaybeIncorrect => {
                matches!(
                    a,
                    Applicability::MachineApplicable | Applicability::MaybeIncorrect
                )
            }
        }
    }
}

/// Work out the fixed text of every file the machine-applicable suggestions of
/// `diagnostics` edit. Nothing is written.
pub fn plan(diagnostics: &[Diagnostic], sources: &Sources) -> FixOutcome {
    plan_set(diagnostics, sources, FixSet::MachineApplicable)
}

/// As `plan`, for the suggestions `set` takes. A diagnostic's suggestions are
/// alternatives, best first: the first that `set` takes is applied, unless it
/// overlaps an edit already taken (then the finding is left for the next run); one
/// the same as an earlier diagnostic's (a value reported by two lints) is applied once.
pub fn plan_set(diagnostics: &[Diagnostic], sources: &Sources, set: FixSet) -> FixOutcome {
    let mut edits: BTreeMap<Arc<Path>, (Vec<&Edit>, usize)> = BTreeMap::new();
    let mut taken: Vec<&[Edit]> = Vec::new();
    for d in diagnostics {
        // The best suggestion the set takes; when it overlaps an edit already taken,
        // the finding waits for the next run (an alternative chosen instead could
        // clash with what that edit did: `drop(b)` after a block that ended `b`).
        let Some(s) = d
            .suggestions
            .iter()
            .find(|s| set.takes(s.applicability) && !s.edits.is_empty())
        else {
            continue;
        };
        let fits = s.edits.iter().all(|e| {
            sources.get(&e.span.file).is_some()
                && edits
                    .get(&e.span.file)
                    .is_none_or(|(taken, _)| taken.iter().all(|t| !overlaps(t, e)))
        });
        if !fits {
            continue;
        }
        if taken.contains(&s.edits.as_slice()) {
            continue;
        }
        taken.push(&s.edits);
        let mut files: Vec<&Arc<Path>> = Vec::new();
        for e in &s.edits {
            let entry = edits.entry(e.span.file.clone()).or_default();
            entry.0.push(e);
            if !files.contains(&&e.span.file) {
                files.push(&e.span.file);
                entry.1 += 1;
            }
        }
    }
    let mut outcome = FixOutcome::default();
    for (path, (file_edits, applied)) in edits {
        let original: Arc<str> = Arc::from(sources.get(&path).expect("checked above"));
        let fixed = apply(&original, &file_edits);
        if let Err(e) = syn::parse_file(&fixed) {
            outcome.problems.push(Problem {
                file: Some(path.clone()),
                position: None,
                message: format!(
                    "the fixes for this file would make it fail to parse ({e}), so it was left unchanged; please report this"
                ),
            });
            continue;
        }
        outcome.files.push(FileFix {
            path,
            original,
            fixed,
            applied,
        });
    }
    outcome
}

/// Whether two edits of one file touch the same text. Insertions at one point do
/// not overlap each other (both are made, in order), nor a replacement they border.
fn overlaps(a: &Edit, b: &Edit) -> bool {
    let (a0, a1) = (a.span.byte_start, a.span.byte_end);
    let (b0, b1) = (b.span.byte_start, b.span.byte_end);
    if a0 == a1 && b0 == b1 {
        return false;
    }
    if a0 == a1 {
        return b0 < a0 && a0 < b1;
    }
    if b0 == b1 {
        return a0 < b0 && b0 < a1;
    }
    a0 < b1 && b0 < a1
}

/// `text` with the (non-overlapping) edits made. Replacement text takes the file's
/// line endings.
fn apply(text: &str, edits: &[&Edit]) -> String {
    let crlf = text.contains("\r\n");
    let mut sorted: Vec<&Edit> = edits.to_vec();
    // Stable: insertions at one point keep the order of their findings.
    sorted.sort_by_key(|e| (e.span.byte_start, e.span.byte_end));
    let mut out = String::with_capacity(text.len() + 64);
    let mut at = 0;
    for e in sorted {
        let start = e.span.byte_start.clamp(at, text.len());
        let end = e.span.byte_end.clamp(start, text.len());
        if !text.is_char_boundary(start) || !text.is_char_boundary(end) {
            continue;
        }
        out.push_str(&text[at..start]);
        if crlf {
            out.push_str(&e.replacement.replace("\r\n", "\n").replace('\n', "\r\n"));
        } else {
            out.push_str(&e.replacement);
        }
        at = end;
    }
    out.push_str(&text[at..]);
    out
}

/// Write every planned file, each only if unchanged since it was read. Returns the
/// outcome without the files that could not be written, which become problems.
pub fn write(mut outcome: FixOutcome) -> FixOutcome {
    let mut written = Vec::new();
    for file in std::mem::take(&mut outcome.files) {
        match replace_if_unchanged(&file.path, &file.original, &file.fixed) {
            Ok(()) => written.push(file),
            Err(message) => outcome.problems.push(Problem {
                file: Some(file.path.clone()),
                position: None,
                message,
            }),
        }
    }
    outcome.files = written;
    outcome
}

/// Replace `path`'s content `expected` by `new`, atomically, unless the file no longer
/// holds `expected` (its content, and its size and modification time since the first
/// look), is read-only, or has other hard links (a rename would leave them the old
/// text). The new file keeps the old one's permissions and owner, or is not written.
fn replace_if_unchanged(path: &Path, expected: &str, new: &str) -> Result<(), String> {
    let changed = || {
        "this file changed since it was checked, so its fixes were not written; run again"
            .to_owned()
    };
    let look = || -> Result<fs::Metadata, String> {
        let meta = fs::metadata(path)
            .map_err(|e| format!("cannot read this file again to fix it: {e}"))?;
        match fs::read(path) {
            Ok(now) if now == expected.as_bytes() => Ok(meta),
            Ok(_) => Err(changed()),
            Err(e) => Err(format!("cannot read this file again to fix it: {e}")),
        }
    };
    let first = look()?;
    if first.permissions().readonly() {
        return Err(
            "this file is read-only, so its fixes were not written; make it writable to fix it"
                .to_owned(),
        );
    }
    refuse_hard_links(&first)?;
    // Rename within one directory is atomic; follow a symlink to the real file so the
    // link stays a link.
    let target = fs::canonicalize(path).map_err(|e| format!("cannot fix this file: {e}"))?;
    let temp = temp_path(&target);
    let result = (|| -> io::Result<()> {
        let mut f = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)?;
        if crate::support::failpoint::fail_write_point(&target) {
            return Err(io::Error::other("failpoint: injected write failure"));
        }
        f.write_all(new.as_bytes())?;
        f.sync_all()?;
        keep_owner(&temp, &first)?;
        fs::set_permissions(&temp, first.permissions())?;
        Ok(())
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&temp);
        return Err(format!("cannot write the fixed file: {e}"));
    }
    // The last look before the rename: the window for a concurrent edit is as short
    // as it can be without locking the file. A write that kept the content (or put
    // it back) still shows in the size or the modification time.
    crate::support::failpoint::touch_before_rename_point(&target);
    let last = look().and_then(|now| {
        let same = now.len() == first.len() && now.modified().ok() == first.modified().ok();
        if same {
            Ok(())
        } else {
            Err(changed())
        }
    });
    if let Err(e) = last {
        let _ = fs::remove_file(&temp);
        return Err(e);
    }
    crate::support::failpoint::kill_before_rename_point(&target);
    fs::rename(&temp, &target).map_err(|e| {
        let _ = fs::remove_file(&temp);
        format!("cannot replace this file with its fixed text: {e}")
    })
}

/// A file with other hard links is not replaced: the rename would give this name the
/// fixed text and leave the others the old one.
#[cfg(unix)]
fn refuse_hard_links(meta: &fs::Metadata) -> Result<(), String> {
    use std::os::unix::fs::MetadataExt;
    match meta.nlink() {
        0 | 1 => Ok(()),
        n => Err(format!(
            "this file has {n} hard links, which replacing it would separate, so its fixes were not written; apply them by hand (`--fix --dry-run` shows them)"
        )),
    }
}

#[cfg(not(unix))]
fn refuse_hard_links(_: &fs::Metadata) -> Result<(), String> {
    Ok(())
}

/// Give the new file the old one's owner and group where they differ from ours;
/// an error (not allowed to) refuses the fix rather than change who owns the file.
#[cfg(unix)]
fn keep_owner(temp: &Path, old: &fs::Metadata) -> io::Result<()> {
    use std::os::unix::fs::MetadataExt;
    let now = fs::metadata(temp)?;
    if (now.uid(), now.gid()) == (old.uid(), old.gid()) {
        return Ok(());
    }
    std::os::unix::fs::chown(temp, Some(old.uid()), Some(old.gid())).map_err(|e| {
        io::Error::new(
            e.kind(),
            format!(
                "the fixed file cannot keep the owner of the original ({}:{}): {e}",
                old.uid(),
                old.gid()
            ),
        )
    })
}

#[cfg(not(unix))]
fn keep_owner(_: &Path, _: &fs::Metadata) -> io::Result<()> {
    Ok(())
}

/// A name next to `target` that no other writer uses.
fn temp_path(target: &Path) -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    target.with_file_name(format!(
        ".{name}.yieldsafe-fix-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ))
}

/// The path as a diff names it: `./src/lib.rs` is `src/lib.rs`.
fn diff_path(path: &Path) -> String {
    if path.has_root() {
        return path.to_string_lossy().into_owned();
    }
    let parts: Vec<String> = path
        .components()
        .filter(|c| !matches!(c, Component::CurDir))
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Span;

    fn edit(start: usize, end: usize, replacement: &str) -> Edit {
        Edit {
            span: Span {
                file: Arc::from(Path::new("a.rs")),
                byte_start: start,
                byte_end: end,
                line: 1,
                column: start + 1,
                end_line: 1,
                end_column: end + 1,
            },
            replacement: replacement.to_owned(),
        }
    }

    #[test]
    fn overlap_rules() {
        assert!(!overlaps(&edit(3, 3, "a"), &edit(3, 3, "b")));
        assert!(!overlaps(&edit(3, 3, "a"), &edit(3, 5, "b")));
        assert!(!overlaps(&edit(5, 5, "a"), &edit(3, 5, "b")));
        assert!(overlaps(&edit(4, 4, "a"), &edit(3, 5, "b")));
        assert!(overlaps(&edit(3, 6, "a"), &edit(5, 8, "b")));
        assert!(!overlaps(&edit(3, 5, "a"), &edit(5, 8, "b")));
    }

    #[test]
    fn edits_are_made_in_order_with_the_files_line_endings() {
        let a = edit(2, 2, "x;\n");
        let b = edit(2, 2, "y;\n");
        let c = edit(4, 5, "Z");
        assert_eq!(apply("01234567", &[&c, &a, &b]), "01x;\ny;\n23Z567");
        assert_eq!(apply("01\r\n4567", &[&a]), "01x;\r\n\r\n4567");
    }

    #[test]
    fn diff_paths_drop_the_current_dir() {
        assert_eq!(diff_path(Path::new("./src/lib.rs")), "src/lib.rs");
        assert_eq!(diff_path(Path::new("/w/src/lib.rs")), "/w/src/lib.rs");
    }
}
