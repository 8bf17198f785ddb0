//! A package kept warm for an editor: its files read and scanned once and its crate
//! table built as a run builds it (`package`), then kept between checks; an open
//! buffer's text put in place of its file's on disk (its scan and summary with it);
//! one file checked at a time against the table, noting whose summaries its answers
//! came from, so that a change says which files' answers it can have changed.
//!
//! A buffer that does not parse keeps its last text that did in the table, so that
//! the other files keep their answers while it is being typed; and where the parser
//! stops inside a fn body, that body is blanked and the rest of the buffer checked.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::AtomicUsize;
use std::sync::Arc;

use rayon::prelude::*;

use crate::catalog::{Lint, LintLevels};
use crate::diagnostic::{Diagnostic, Problem};
use crate::input::discover::SourcePath;
use crate::input::edition::Edition;
use crate::input::source::SourceFile;
use crate::prefilter::{blank, nesting, scan};
use crate::resolve::crate_table::{self, CrateTable, Declared};
use crate::support::panic_guard;

use super::file::{analyse_and_lint, problem, read_source_into};
use super::in_part::{check_in_part, LastCheck};
use super::package::{self, PackageLists};
use super::Options;

/// How many fn bodies a check blanks, one per syntax error, before it gives up on a
/// buffer: a file with more errors than that is not being typed, it is broken.
const MAX_RECOVERIES: usize = 8;

/// One package's files, scans and crate table, kept between checks.
pub struct PackageIndex {
    dir: Option<Arc<Path>>,
    files: Vec<IndexedFile>,
    by_path: HashMap<Arc<Path>, usize>,
    table: Arc<CrateTable>,
    levels: LintLevels,
    lists: Option<PackageLists>,
}

#[derive(Debug)]
struct IndexedFile {
    source: SourcePath,
    /// What the table holds for it: the declarations of its last text that parsed.
    declared: Declared,
    /// Whether that text parsed (its summary exists).
    parses: bool,
    /// The editor's text, in place of the file on disk.
    buffer: Option<Arc<str>>,
    /// The files whose summaries its last check read (indexes into `files`).
    read: Vec<usize>,
    /// Its last check, while the answers it read stand.
    last: Option<LastCheck>,
}

/// Which files' answers a change can have changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Affected {
    /// These files (the changed one among them).
    Files(Vec<Arc<Path>>),
    /// Every file of the package: what a file declares changed, and any question
    /// about a name may now find another answer.
    All,
}

/// How much of a buffer a check could parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parsed {
    /// All of it (or the scan showed it cannot have findings).
    Whole,
    /// All but the fn bodies that hold syntax errors, blanked.
    Recovered,
    /// Not enough to check anything: nothing was found.
    Failed,
}

/// What checking one file gave.
#[derive(Debug)]
pub struct Checked {
    pub diagnostics: Vec<Diagnostic>,
    /// What kept the check from its whole job, syntax errors aside.
    pub problems: Vec<Problem>,
    /// The first syntax error, where the text does not parse.
    pub syntax_error: Option<Problem>,
    pub parsed: Parsed,
    /// How many fn bodies were not checked again, their findings taken from the last
    /// check (the text changed only in another body): 0 for a whole check.
    pub reused_bodies: usize,
}

impl PackageIndex {
    /// The index of the package in `dir` (`None`: files outside any package, each
    /// its own crate) made of `members`, with the levels and lists of its own
    /// configuration on top of `options` (as a run with `per_package_config`).
    /// Files that cannot be read count as empty until a buffer replaces them.
    pub fn build(dir: Option<Arc<Path>>, members: Vec<SourcePath>, options: &Options) -> Self {
        let mut config = package::package_configs(&members, options);
        let config = dir.as_ref().and_then(|d| config.remove(d));
        // Past the bound already: the scan keeps no text, each check reads its own.
        let kept = AtomicUsize::new(usize::MAX / 2);
        let cfg = package::package_cfg(dir.as_deref(), &options.features);
        let mut scanned: Vec<_> = members
            .par_iter()
            .map(|f| package::scan_file(f, dir.is_some(), false, &kept, &cfg))
            .collect();
        let files: Vec<IndexedFile> = scanned
            .iter_mut()
            .map(|s| {
                s.text = None;
                IndexedFile {
                    source: s.file.clone(),
                    declared: s.declared.clone(),
                    parses: true,
                    buffer: None,
                    read: Vec::new(),
                    last: None,
                }
            })
            .collect();
        let table = package::crate_table(dir.as_ref(), &mut scanned, config.as_ref(), options, cfg);
        drop(scanned);
        let (levels, lists) = match config {
            Some((levels, lists)) => (levels, Some(lists)),
            None => (options.levels.clone(), None),
        };
        PackageIndex {
            by_path: files
                .iter()
                .enumerate()
                .map(|(i, f)| (f.source.path.clone(), i))
                .collect(),
            dir,
            files,
            table: Arc::new(table),
            levels,
            lists,
        }
    }

    /// Whether the index has the file at `path` (as discovery spells it).
    pub fn contains(&self, path: &Path) -> bool {
        self.by_path.contains_key(path)
    }

    /// Put an editor's `buffer` in place of the file at `path` (`None`: the file on
    /// disk, read again), and say whose answers that can have changed. `None` if the
    /// index has no such file.
    pub fn set_text(&mut self, path: &Path, buffer: Option<Arc<str>>) -> Option<Affected> {
        let i = *self.by_path.get(path)?;
        self.files[i].buffer = buffer.clone();
        let text: Arc<str> = match &buffer {
            Some(text) => text.clone(),
            None => self.read(i).unwrap_or_else(|_| Arc::from("")),
        };
        // A scan that fails (a bug) counts as a text that does not parse.
        let declared = panic_guard::catch(|| Declared::from(scan::scan(&text))).ok();
        let summary = crate::analysis::summary::summarize_shallow(&text, &self.table.cfg());
        proc_macro2::extra::invalidate_current_thread_spans();
        let file = &self.files[i];
        let (Some(declared), false) = (declared, summary.is_none() && file.parses) else {
            // Half typed: the table keeps its last text that parsed.
            return Some(Affected::Files(vec![file.source.path.clone()]));
        };
        let declared_changed = declared != file.declared;
        let parses = summary.is_some();
        let table = self.table_mut();
        let replaced = table.replace_file(i, buffer, declared.clone(), Some(summary));
        let file = &mut self.files[i];
        file.declared = declared;
        file.parses = parses;
        if declared_changed {
            // Any answer may be another: every check is whole again.
            self.files.iter_mut().for_each(|f| f.last = None);
            return Some(Affected::All);
        }
        let summary_changed = replaced.is_some_and(|r| r.summary_changed);
        let mut affected = vec![i];
        if summary_changed {
            let readers = self.files.iter().enumerate();
            affected.extend(readers.filter(|(_, f)| f.read.contains(&i)).map(|(j, _)| j));
            affected.sort_unstable();
            affected.dedup();
            for &j in &affected {
                self.files[j].last = None;
            }
        }
        Some(Affected::Files(
            affected
                .into_iter()
                .map(|j| self.files[j].source.path.clone())
                .collect(),
        ))
    }

    /// The table, to change: no check holds it between checks.
    fn table_mut(&mut self) -> &mut CrateTable {
        Arc::get_mut(&mut self.table)
            .expect("checks run one at a time and keep no handle on the table after")
    }

    /// The file's text on disk.
    fn read(&self, i: usize) -> Result<Arc<str>, Problem> {
        let mut buffer = Vec::new();
        read_source_into(&self.files[i].source.path, &mut buffer).map(Arc::from)
    }

    /// Check the file at `path` (its buffer, else its text on disk) against the
    /// package; `None` if the index has no such file.
    pub fn check(&mut self, path: &Path) -> Option<Checked> {
        let i = *self.by_path.get(path)?;
        let file = &self.files[i];
        let excluded = match (&self.dir, &self.lists) {
            (Some(dir), Some(lists)) => lists.excludes(dir, path),
            _ => false,
        };
        let text = match (&file.buffer, excluded) {
            (_, true) => Ok(Arc::from("")),
            (Some(text), false) => Ok(text.clone()),
            (None, false) => self.read(i),
        };
        let text = match text {
            Ok(text) => text,
            Err(problem) => return Some(Checked::failed(vec![problem])),
        };
        let source = SourceFile::new(file.source.path.clone(), text);
        let edition = file.source.edition;
        let table = self.table.clone();
        let levels = &self.levels;
        let ((checked, in_part), mut read) = crate_table::record_reads(|| {
            let in_part = file
                .last
                .as_ref()
                .and_then(|last| check_in_part(last, &source, edition, levels, table.clone()));
            match in_part {
                Some(checked) => (checked, true),
                None => (check_text(&source, edition, levels, table), false),
            }
        });
        let file = &mut self.files[i];
        if in_part {
            // The blanked bodies' answers came from what the last check read.
            read.extend(file.read.iter().copied());
            read.sort_unstable();
            read.dedup();
        }
        file.read = read;
        file.last = LastCheck::of(&source, &checked);
        Some(checked)
    }
}

impl Checked {
    fn failed(problems: Vec<Problem>) -> Checked {
        Checked {
            diagnostics: Vec::new(),
            problems,
            syntax_error: None,
            parsed: Parsed::Failed,
            reused_bodies: 0,
        }
    }
}

/// Check one file's text as a default run does (bodies that cannot matter blanked
/// first), and where it does not parse, again with the fn body that holds the
/// syntax error blanked too, as long as one does. Nothing inside a blanked body is
/// reported, and neither are unfulfilled expectations, which a blanked body may
/// have met.
fn check_text(
    file: &SourceFile,
    edition: Edition,
    levels: &LintLevels,
    table: Arc<CrateTable>,
) -> Checked {
    let code = file.code();
    // A scan that fails (a bug) only costs the shortcut: the file is parsed.
    let facts = panic_guard::catch(|| scan::scan(code)).unwrap_or_else(|_| scan::Facts {
        unsure: true,
        ..scan::Facts::default()
    });
    let awaiting = |m: &str| {
        crate::hazard::macros::awaits_by_name(m)
            || facts.macros.iter().any(|own| own == m)
            || table.awaiting_macro(m)
    };
    if !crate::prefilter::can_have_findings(&facts)
        && !facts.macro_calls.iter().any(|m| awaiting(m))
    {
        return Checked {
            parsed: Parsed::Whole,
            ..Checked::failed(Vec::new())
        };
    }
    check_parse(file, edition, levels, table.clone(), || {
        blank::blank_quiet_fn_bodies(code, &awaiting)
    })
}

/// Parse the text `parse_text` makes of the file's code (the code itself if it
/// makes none), with `parse_recovering`, and analyse it.
pub(super) fn check_parse(
    file: &SourceFile,
    edition: Edition,
    levels: &LintLevels,
    table: Arc<CrateTable>,
    parse_text: impl FnOnce() -> Option<String>,
) -> Checked {
    let code = file.code();
    let caught = panic_guard::catch(|| {
        // What is parsed is measured: blanked bodies are not parsed, and every
        // offset is the file's.
        let parse_text = parse_text();
        let to_parse = parse_text.as_deref().unwrap_or(code);
        if let Some(deep) = nesting::too_deep(to_parse) {
            let message = format!("{deep}; this file was not checked");
            return Checked::failed(vec![problem(
                &file.path,
                Some(file.code_line_column(deep.at)),
                message,
            )]);
        }
        let (ast, error) = parse_recovering(to_parse);
        let syntax_error = error.map(|(at, e)| {
            let message = format!("cannot parse this file: {e}");
            problem(&file.path, Some(file.code_line_column(at)), message)
        });
        let Some(ast) = ast else {
            return Checked {
                syntax_error,
                ..Checked::failed(Vec::new())
            };
        };
        let analyse = || analyse_and_lint(file, &ast, edition, levels, Some(table));
        // A recovered parse is of a text that differs from the one given.
        let (mut diagnostics, problems) = match &syntax_error {
            None => crate::span::with_lines(to_parse, &ast, analyse),
            Some(_) => analyse(),
        };
        let parsed = if syntax_error.is_some() {
            let unfulfilled = Lint::UnfulfilledLintExpectations.name();
            diagnostics.retain(|d| d.lint != unfulfilled);
            Parsed::Recovered
        } else {
            Parsed::Whole
        };
        Checked {
            diagnostics,
            problems,
            syntax_error,
            parsed,
            reused_bodies: 0,
        }
    });
    // Spans point into this text only: free proc-macro2's record of it.
    proc_macro2::extra::invalidate_current_thread_spans();
    caught.unwrap_or_else(|what| {
        Checked::failed(vec![problem(
            &file.path,
            None,
            format!("internal error while checking this file ({what}); please report this at the yieldsafe issue tracker with the file"),
        )])
    })
}

/// `code` parsed; where it does not parse, with the fn body that holds the syntax
/// error blanked (`blank::blank_fn_body_at`), again as long as one does, up to
/// `MAX_RECOVERIES` bodies: the tree, if one was had, and the first syntax error
/// with its offset. Offsets and lines in the tree are those of `code`. Spans are
/// left for the caller to free.
pub fn parse_recovering(code: &str) -> (Option<syn::File>, Option<(usize, syn::Error)>) {
    let mut attempt = Cow::Borrowed(code);
    let mut first_error = None;
    for _ in 0..=MAX_RECOVERIES {
        let error = match syn::parse_file(&attempt) {
            Ok(ast) => return (Some(ast), first_error),
            Err(e) => e,
        };
        let at = error_offset(&error, &attempt);
        let blanked = blank::blank_fn_body_at(&attempt, at);
        first_error.get_or_insert((at, error));
        match blanked {
            Some(blanked) => attempt = Cow::Owned(blanked),
            None => break,
        }
    }
    (None, first_error)
}

/// Where in `text` syn stopped: the end of the text has no token, and syn then gives
/// the empty call-site span.
fn error_offset(error: &syn::Error, text: &str) -> usize {
    let range = error.span().byte_range();
    if range == (0..0) && error.to_string().starts_with("unexpected end of input") {
        text.len()
    } else {
        range.start
    }
}
