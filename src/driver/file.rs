//! One file: the nesting bound, the parse, the analysis, the levels written in the
//! code and the lints; a syntax error, a body too deep to walk or a panic are this
//! file's problem, and the rest of the run goes on.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::catalog::LintLevels;
use crate::diagnostic::{Diagnostic, Problem};
use crate::input::edition::Edition;
use crate::input::fs::read_regular_file_into;
use crate::input::source::SourceFile;
use crate::prefilter::{nesting, scan};
use crate::resolve::crate_table::CrateTable;
use crate::support::{failpoint, panic_guard};
use crate::{analysis, lint as lints};

use super::{opaque, FileResult};

/// Parse (`parse_text` if given, else the file's text) and analyse a file that was
/// read and scanned already.
pub(super) fn analyse_file(
    result: &mut FileResult,
    file: &SourceFile,
    parse_text: Option<&str>,
    edition: Edition,
    levels: &LintLevels,
    table: Arc<CrateTable>,
) {
    let outcome = check_source_parsing(file, parse_text, edition, levels, Some(table));
    result.parsed = true;
    result.parse = outcome.parse_time;
    result.analyse = outcome.analyse_time;
    result.diagnostics = outcome.diagnostics;
    result.problems = outcome.problems;
    result.notes = outcome.notes;
    // Only the renderers need the text, and only of files with findings: keeping
    // every file's text until the end made memory grow with the tree.
    result.text = (!result.diagnostics.is_empty()).then(|| file.text.clone());
}

/// A file's text, read into `buffer`, or the problem that says why it cannot be had.
pub(super) fn read_source_into<'b>(
    path: &Arc<Path>,
    buffer: &'b mut Vec<u8>,
) -> Result<&'b str, Problem> {
    read_regular_file_into(path, buffer)
        .map_err(|e| problem(path, None, format!("cannot read this file: {e}")))?;
    std::str::from_utf8(buffer).map_err(|e| {
        problem(
            path,
            None,
            format!(
                "this file is not valid UTF-8 (invalid byte at offset {})",
                e.valid_up_to()
            ),
        )
    })
}

pub(super) fn problem(
    path: &Arc<Path>,
    position: Option<(usize, usize)>,
    message: String,
) -> Problem {
    Problem {
        file: Some(path.clone()),
        position,
        message,
    }
}

/// What checking one file's text gave.
#[derive(Debug, Default)]
pub struct CheckOutcome {
    pub diagnostics: Vec<Diagnostic>,
    pub problems: Vec<Problem>,
    /// What was left out on purpose (items syn cannot parse that rustc may accept):
    /// said with `-v`, not errors.
    pub notes: Vec<Problem>,
    pub parse_time: Duration,
    pub analyse_time: Duration,
}

/// Check one file's text (already read) as code of `edition`.
pub fn check_source(file: &SourceFile, edition: Edition, levels: &LintLevels) -> CheckOutcome {
    check_source_parsing(file, None, edition, levels, None)
}

/// `check_source` as a default run does it: `None` when the lexical scan says the
/// file cannot have findings (it is then not parsed at all), else the outcome of
/// checking it with the fn bodies that cannot matter blanked. The findings are those
/// of `check_source` whenever the file parses; the tests and the fuzz targets compare
/// the two.
pub fn check_source_prefiltered(
    file: &SourceFile,
    edition: Edition,
    levels: &LintLevels,
) -> Option<CheckOutcome> {
    let facts = scan::scan(&file.text);
    if !crate::prefilter::can_have_findings(&facts) {
        return None;
    }
    // Alone, a file's own macros are the only ones that can await besides the known.
    let awaits = |m: &str| {
        crate::hazard::macros::awaits_by_name(m) || facts.macros.iter().any(|own| own == m)
    };
    let parse_text = crate::prefilter::blank::blank_quiet_fn_bodies(&file.text, &awaits);
    Some(check_source_parsing(
        file,
        parse_text.as_deref(),
        edition,
        levels,
        None,
    ))
}

/// `check_source` for a file of a crate whose other files are summarised in
/// `table`, parsing `parse_text` (the file's text with the bodies the analysis does
/// not need blanked, every offset unchanged) when given. A panic is this file's
/// internal error, reported without Rust's panic message.
fn check_source_parsing(
    file: &SourceFile,
    parse_text: Option<&str>,
    edition: Edition,
    levels: &LintLevels,
    table: Option<Arc<CrateTable>>,
) -> CheckOutcome {
    let caught = panic_guard::catch(|| {
        failpoint::panic_point(&file.path);
        let start = Instant::now();
        let (ast, opaque) = match parse(file, parse_text, edition) {
            Ok(parsed) => parsed,
            Err(problem) => {
                return CheckOutcome {
                    problems: vec![problem],
                    parse_time: start.elapsed(),
                    ..CheckOutcome::default()
                }
            }
        };
        let parse_time = start.elapsed();
        let analysing = Instant::now();
        let analyse = || analyse_and_lint(file, &ast, edition, levels, table);
        // Blanked opaque items make the parsed text differ from both texts here.
        let (diagnostics, problems) = if opaque.is_empty() {
            crate::span::with_lines(parse_text.unwrap_or(&file.text), &ast, analyse)
        } else {
            analyse()
        };
        CheckOutcome {
            diagnostics,
            problems,
            notes: opaque.iter().map(|o| opaque_note(file, o)).collect(),
            parse_time,
            analyse_time: analysing.elapsed(),
        }
    });
    // Spans point into this file only: free proc-macro2's record of it.
    proc_macro2::extra::invalidate_current_thread_spans();
    caught.unwrap_or_else(|what| CheckOutcome {
        problems: vec![problem(
            &file.path,
            None,
            format!("internal error while checking this file ({what}); the rest was still checked — please report this at the yieldsafe issue tracker with the file"),
        )],
        ..CheckOutcome::default()
    })
}

/// The note that says an item was left out of the analysis, and why.
fn opaque_note(file: &SourceFile, item: &opaque::OpaqueItem) -> Problem {
    let message = format!(
        "this item was not analysed: syn cannot parse it ({}), but rustc may accept it (older edition syntax, or left out by `#[cfg]`)",
        item.error
    );
    problem(&file.path, Some(file.line_column(item.start)), message)
}

/// The file parsed (`parse_text` if given) with the items left opaque (`opaque`), or
/// the problem that says where it cannot be. Parsing recurses per level: nesting is
/// bounded before it starts, in the text parsed (blanked bodies are not, and every
/// offset is the file's).
fn parse(
    file: &SourceFile,
    parse_text: Option<&str>,
    edition: Edition,
) -> Result<(syn::File, Vec<opaque::OpaqueItem>), Problem> {
    if let Some(deep) = nesting::too_deep(parse_text.unwrap_or(&file.text)) {
        let message = format!("{deep}; this file was not checked");
        return Err(problem(
            &file.path,
            Some(file.line_column(deep.at)),
            message,
        ));
    }
    opaque::parse_file(parse_text.unwrap_or(&file.text), edition).map_err(|e| {
        let range = e.span().byte_range();
        // The end of the file has no token: syn gives the empty call-site span.
        let at = if range == (0..0) && e.to_string().starts_with("unexpected end of input") {
            file.code().len()
        } else {
            range.start
        };
        let position = Some(file.code_line_column(at));
        problem(&file.path, position, format!("cannot parse this file: {e}"))
    })
}

/// The held values of a parsed file, as the diagnostics of their lints at the levels
/// of the command line, the configuration and the attributes in the code.
pub(super) fn analyse_and_lint(
    file: &SourceFile,
    ast: &syn::File,
    edition: Edition,
    levels: &LintLevels,
    table: Option<Arc<CrateTable>>,
) -> (Vec<Diagnostic>, Vec<Problem>) {
    let code = file.code();
    let module = table.as_ref().and_then(|t| t.module_of(&file.path));
    let in_crate = table.clone();
    let (found, too_deep) = analysis::analyse_file_in_crate(ast, code, edition, table, module);
    // What the modules above set (a crate root's `#![deny(..)]`) counts where there
    // is something to report.
    let inherited;
    let levels = match in_crate {
        Some(table) if !found.is_empty() => {
            inherited = lints::inherited::levels(levels, &table, &file.path);
            &inherited
        }
        _ => levels,
    };
    // Levels written in the code matter where there are findings, and where an
    // attribute may be left unfulfilled or name a lint wrongly.
    let source_levels = if found.is_empty() && !lints::suppress::may_matter(code) {
        lints::suppress::SourceLevels::default()
    } else {
        lints::suppress::SourceLevels::collect(ast, code)
    };
    let diagnostics = lints::file_diagnostics(&found, file, levels, &source_levels);
    let problems = too_deep
        .map(|e| problem(&file.path, Some(file.code_line_column(e.at)), e.to_string()))
        .into_iter()
        .collect();
    (diagnostics, problems)
}
