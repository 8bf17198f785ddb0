//! The rustc-style report for people. codespan-reporting draws the header, the source
//! snippet (the held value `^^^`, each await point and the drop `---`) and the
//! `= note:` / `= help:` lines, in rustc's ASCII frame; suggestions that carry edits are
//! drawn after it as rustc does, `help: …` followed by the edited lines.
//!
//! Spans come from the analysis and are trusted for nothing: every byte range is
//! clamped to its text and to character boundaries before codespan sees it, and a
//! finding whose file text is missing is reported without a snippet.

use std::collections::HashMap;
use std::io::{self, Write};
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label as CsLabel, Severity};
use codespan_reporting::files::{self, Files, SimpleFiles};
use codespan_reporting::term::termcolor::WriteColor;
use codespan_reporting::term::{self, Chars, Config, Styles};

use super::{color_writer, palette};
use crate::diagnostic::{Diagnostic, Edit, LabelKind, Level, Problem, Span, Suggestion};
use crate::input::source::Sources;

/// The most lines of a suggestion's diff shown; rustc also elides long ones.
const MAX_SUGGESTION_LINES: usize = 12;
/// Above this many old × new lines, a suggestion's diff is not searched for common
/// lines (the table would be large); it is shown as removed-then-added.
const MAX_DIFF_CELLS: usize = 250_000;
/// The most yield points labelled on one line of the snippet, and in all: codespan
/// draws every label of a line under it with a bar for each other, so output grew
/// with the square of the awaits on a line; the rest are summarised (every format
/// but this one lists them all).
const MAX_YIELD_LABELS_PER_LINE: usize = 3;
const MAX_YIELD_LABELS: usize = 16;
/// Tabs are drawn as this many spaces, as codespan does in the snippet.
const TAB_WIDTH: usize = 4;

pub(super) fn render(
    diagnostics: &[Diagnostic],
    sources: &Sources,
    color: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    let config = config();
    let mut snippets = SnippetFiles::new(sources);
    for d in diagnostics {
        render_one(d, &mut snippets, &config, color, out)?;
    }
    out.flush()
}

pub(super) fn render_problem(
    problem: &Problem,
    color: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut w = color_writer(out, color);
    w.set_color(&palette::error())?;
    write!(w, "error")?;
    w.set_color(&palette::message())?;
    write!(w, ": {}", problem.message)?;
    w.reset()?;
    writeln!(w)?;
    if let Some(file) = &problem.file {
        let width = problem.position.map_or(1, |(line, _)| digits(line));
        write!(w, "{:width$}", "")?;
        w.set_color(&palette::gutter())?;
        write!(w, "-->")?;
        w.reset()?;
        match problem.position {
            Some((line, column)) => writeln!(w, " {}:{line}:{column}", file.to_string_lossy())?,
            None => writeln!(w, " {}", file.to_string_lossy())?,
        }
    }
    writeln!(w)?;
    w.flush()
}

/// rustc's look: ASCII frame (editors' `$rustc` problem matcher reads `-->`), bold
/// blue gutter, bold labels.
fn config() -> Config {
    let styles = Styles {
        line_number: palette::gutter(),
        source_border: palette::gutter(),
        note_bullet: palette::gutter(),
        secondary_label: palette::gutter(),
        primary_label_warning: palette::severity(Level::Warn),
        primary_label_error: palette::severity(Level::Deny),
        header_warning: palette::severity(Level::Warn),
        header_error: palette::severity(Level::Deny),
        ..Styles::default()
    };
    // Multi-line labels as rustc draws them: ` ____^` above, `|____^` below.
    let chars = Chars {
        multi_top_left: ' ',
        multi_top: '_',
        multi_bottom_left: '|',
        multi_bottom: '_',
        multi_secondary_caret_start: '-',
        multi_secondary_caret_end: '-',
        ..Chars::ascii()
    };
    Config {
        chars,
        styles,
        ..Config::default()
    }
}

/// The texts codespan draws from, each file added (and its lines indexed) once.
struct SnippetFiles<'s> {
    sources: &'s Sources,
    files: SimpleFiles<String, &'s str>,
    ids: HashMap<Arc<Path>, Option<usize>>,
}

impl<'s> SnippetFiles<'s> {
    fn new(sources: &'s Sources) -> Self {
        SnippetFiles {
            sources,
            files: SimpleFiles::new(),
            ids: HashMap::new(),
        }
    }

    /// The codespan id of `path`, or `None` when its text is not available.
    fn id(&mut self, path: &Arc<Path>) -> Option<usize> {
        if let Some(id) = self.ids.get(path) {
            return *id;
        }
        let id = self
            .sources
            .get(path)
            .map(|text| self.files.add(path.to_string_lossy().into_owned(), text));
        self.ids.insert(path.clone(), id);
        id
    }

    fn text(&self, id: usize) -> &'s str {
        self.files.get(id).map_or("", |f| *f.source())
    }

    /// 1-based line number of a (clamped) byte offset.
    fn line_number(&self, id: usize, byte: usize) -> usize {
        self.files
            .line_index(id, byte)
            .and_then(|index| self.files.line_number(id, index))
            .unwrap_or(1)
    }
}

fn render_one(
    d: &Diagnostic,
    snippets: &mut SnippetFiles<'_>,
    config: &Config,
    color: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    let Some(primary_id) = snippets.id(&d.primary.file) else {
        return render_without_snippet(d, color, out);
    };

    let (labels, unlabelled) = snippet_labels(d, primary_id, snippets);
    let width = gutter_width(&labels, snippets);

    let mut notes: Vec<String> = Vec::new();
    notes.extend(unlabelled.map(|n| child("note", &n, color)));
    notes.extend(d.notes.iter().map(|n| child("note", n, color)));
    notes.extend(d.help.iter().map(|h| child("help", h, color)));
    let mut blocks = Vec::new();
    for suggestion in &d.suggestions {
        match SuggestionBlock::new(suggestion, snippets.sources) {
            Some(block) => blocks.push(block),
            None => notes.push(child("help", &suggestion.message, color)),
        }
    }
    let has_notes = !notes.is_empty();

    let diagnostic = CsDiagnostic::new(severity(d.level))
        .with_message(&d.message)
        .with_labels(labels)
        .with_notes(notes);
    let mut snippet = Vec::new();
    match term::emit(
        &mut *color_writer(&mut snippet, color),
        config,
        &snippets.files,
        &diagnostic,
    ) {
        Ok(()) => {}
        Err(files::Error::Io(error)) => return Err(error),
        // Clamped ranges cannot miss their file; should codespan still refuse, the
        // finding is reported without its snippet rather than lost.
        Err(_) => return render_without_snippet(d, color, out),
    }
    let mut snippet = rustc_frame(&snippet, width);

    if blocks.is_empty() {
        return out.write_all(&snippet);
    }
    // codespan ends with a blank line; the suggestions go before it, after a border.
    if snippet.ends_with(b"\n\n") {
        snippet.pop();
    }
    out.write_all(&snippet)?;
    let mut w = color_writer(out, color);
    if !has_notes {
        border(&mut *w, width)?;
    }
    for block in &blocks {
        block.render(&mut *w, width, &d.primary.file)?;
    }
    writeln!(w)?;
    w.flush()
}

/// The held value (primary) and every label codespan can draw, but for yield points
/// past the first few of a line or of the finding (`MAX_YIELD_LABELS*`): those are
/// counted in the last label of their line ("and 2,997 more awaits on this line"),
/// or, on lines with no label left, in the note returned.
fn snippet_labels(
    d: &Diagnostic,
    primary_id: usize,
    snippets: &mut SnippetFiles<'_>,
) -> (Vec<CsLabel<usize>>, Option<String>) {
    let primary = label_range(snippets.text(primary_id), &d.primary);
    let mut labels = vec![CsLabel::primary(primary_id, primary).with_message(&d.primary_label)];
    let mut per_line: HashMap<(Arc<Path>, usize), LineLabels> = HashMap::new();
    let mut shown = 0;
    let mut left_out = Vec::new();
    for label in &d.labels {
        // A label in a file whose text is missing cannot be drawn; the rest still can.
        let Some(id) = snippets.id(&label.span.file) else {
            continue;
        };
        let range = label_range(snippets.text(id), &label.span);
        if label.kind == LabelKind::YieldPoint {
            let line = per_line
                .entry((label.span.file.clone(), label.span.line))
                .or_default();
            if line.1 >= MAX_YIELD_LABELS_PER_LINE || shown >= MAX_YIELD_LABELS {
                match line.0 {
                    Some(_) => line.2 += 1,
                    None => left_out.push(label),
                }
                continue;
            }
            shown += 1;
            line.0 = Some(labels.len());
            line.1 += 1;
        }
        labels.push(CsLabel::secondary(id, range).with_message(&label.message));
    }
    for &(last, _, more) in per_line.values() {
        if let (Some(at), 1..) = (last, more) {
            let noun = yield_noun(&labels[at].message, more);
            let message = format!(
                "{}, and {} more {noun} on this line",
                labels[at].message,
                thousands(more)
            );
            labels[at].message = message;
        }
    }
    let note = (!left_out.is_empty()).then(|| {
        let first = left_out.iter().map(|l| l.span.line).min().unwrap_or(0);
        let last = left_out.iter().map(|l| l.span.line).max().unwrap_or(0);
        let lines = if first == last {
            format!("on line {}", thousands(first))
        } else {
            format!("on lines {} to {}", thousands(first), thousands(last))
        };
        let noun = yield_noun(&left_out[0].message, left_out.len());
        format!(
            "also held across {} more {noun} {lines}, not labelled here (`--format json` lists every one)",
            thousands(left_out.len())
        )
    });
    (labels, note)
}

/// The yield points of one line of the snippet: the last label drawn on it, how many
/// were, and how many more it stands for.
type LineLabels = (Option<usize>, usize, usize);

/// "awaits" or "yield points", after the words of a yield point's label.
fn yield_noun(message: &str, n: usize) -> &'static str {
    match (message.starts_with("await"), n) {
        (true, 1) => "await",
        (true, _) => "awaits",
        (false, 1) => "yield point",
        (false, _) => "yield points",
    }
}

/// `n` with its thousands separated by commas (2,997).
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The width of the line-number gutter: codespan pads to the widest line number among
/// its labels, and rustc's frame and the suggestion blocks must use the same.
fn gutter_width(labels: &[CsLabel<usize>], snippets: &SnippetFiles<'_>) -> usize {
    labels
        .iter()
        .flat_map(|l| {
            [
                snippets.line_number(l.file_id, l.range.start),
                snippets.line_number(l.file_id, l.range.end),
            ]
        })
        .map(digits)
        .max()
        .unwrap_or(1)
}

fn severity(level: Level) -> Severity {
    if level.is_error() {
        Severity::Error
    } else {
        Severity::Warning
    }
}

/// `note: text` / `help: text` for codespan's `=` lines, with the word in bold as rustc
/// prints it when colour is on.
fn child(word: &str, text: &str, color: bool) -> String {
    if color {
        format!("\x1b[1m{word}\x1b[0m: {text}")
    } else {
        format!("{word}: {text}")
    }
}

/// The header, ` --> file:line:col`, and the notes, for a finding whose source text is
/// not available.
fn render_without_snippet(d: &Diagnostic, color: bool, out: &mut dyn Write) -> io::Result<()> {
    let mut w = color_writer(out, color);
    w.set_color(&palette::severity(d.level))?;
    write!(w, "{}", d.level.severity_word())?;
    w.set_color(&palette::message())?;
    write!(w, ": {}", d.message)?;
    w.reset()?;
    writeln!(w)?;
    let width = digits(d.primary.line);
    write!(w, "{:width$}", "")?;
    w.set_color(&palette::gutter())?;
    write!(w, "-->")?;
    w.reset()?;
    writeln!(
        w,
        " {}:{}:{}",
        d.primary.file.to_string_lossy(),
        d.primary.line,
        d.primary.column
    )?;
    let children: Vec<String> = d
        .notes
        .iter()
        .map(|n| child("note", n, color))
        .chain(d.help.iter().map(|h| child("help", h, color)))
        .chain(
            d.suggestions
                .iter()
                .map(|s| child("help", &s.message, color)),
        )
        .collect();
    if !children.is_empty() {
        border(&mut *w, width)?;
    }
    for text in &children {
        for (i, line) in text.lines().enumerate() {
            write!(w, "{:width$} ", "")?;
            if i == 0 {
                w.set_color(&palette::gutter())?;
                write!(w, "=")?;
                w.reset()?;
            } else {
                write!(w, " ")?;
            }
            writeln!(w, " {line}")?;
        }
    }
    writeln!(w)?;
    w.flush()
}

/// Where codespan's ASCII frame differs from rustc's, make it rustc's:
/// - codespan indents `-->` one column more (`   --> ` under a two-digit gutter, where
///   rustc writes `  --> `);
/// - codespan marks skipped lines with `.` in the gutter, rustc with `...` at column 0;
/// - codespan pads gutters of multi-line labels with trailing spaces.
///
/// Only a line of exactly `width + 1` spaces and then `-->` or a lone `.` (colour
/// codes aside) is such a line: note continuation lines are indented further, and
/// source and label lines carry `|`.
fn rustc_frame(rendered: &[u8], width: usize) -> Vec<u8> {
    let mut fixed = Vec::with_capacity(rendered.len());
    for line in rendered.split_inclusive(|&b| b == b'\n') {
        let line = trim_trailing_spaces(line);
        let indented = line.len() > width + 1 && line[..=width].iter().all(|&b| b == b' ');
        let rest = skip_ansi(line.get(width + 1..).unwrap_or_default());
        if indented && rest.starts_with(b"-->") {
            fixed.extend_from_slice(&line[1..]);
        } else if indented && rest.starts_with(b".") && skip_ansi(&rest[1..]) == b"\n" {
            fixed.extend_from_slice(b"...\n");
        } else {
            fixed.extend_from_slice(&line);
        }
    }
    fixed
}

/// `line` without the spaces before its line break; the result still ends in `\n`.
fn trim_trailing_spaces(line: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    let Some(body) = line.strip_suffix(b"\n") else {
        return line.into();
    };
    let kept = body.len() - body.iter().rev().take_while(|&&b| b == b' ').count();
    if kept == body.len() {
        return line.into();
    }
    let mut trimmed = body[..kept].to_vec();
    trimmed.push(b'\n');
    trimmed.into()
}

/// `bytes` without the ANSI colour sequences (`ESC [ … m`) at its start.
fn skip_ansi(mut bytes: &[u8]) -> &[u8] {
    while let [0x1b, b'[', rest @ ..] = bytes {
        match rest.iter().position(|&b| b == b'm') {
            Some(end) => bytes = &rest[end + 1..],
            None => break,
        }
    }
    bytes
}

/// A byte range of `text` that is safe to slice: inside the text, on character
/// boundaries, and not reversed.
fn clamp(text: &str, start: usize, end: usize) -> Range<usize> {
    let snap = |byte: usize| {
        let mut byte = byte.min(text.len());
        while !text.is_char_boundary(byte) {
            byte -= 1;
        }
        byte
    };
    let start = snap(start);
    let end = snap(end).max(start);
    start..end
}

/// The range a label underlines: clamped, and without a final line break, which would
/// otherwise turn a one-line label into a two-line one.
fn label_range(text: &str, span: &Span) -> Range<usize> {
    let range = clamp(text, span.byte_start, span.byte_end);
    let trimmed = text[range.clone()].trim_end_matches(['\n', '\r']);
    if trimmed.is_empty() {
        range
    } else {
        range.start..range.start + trimmed.len()
    }
}

fn digits(n: usize) -> usize {
    n.checked_ilog10().map_or(1, |d| d as usize + 1)
}

fn border(w: &mut dyn WriteColor, width: usize) -> io::Result<()> {
    write!(w, "{:width$} ", "")?;
    w.set_color(&palette::gutter())?;
    write!(w, "|")?;
    w.reset()?;
    writeln!(w)
}

/// A suggestion drawn as rustc draws one: `help: message`, then per file the lines the
/// edits change.
struct SuggestionBlock {
    message: String,
    parts: Vec<EditedLines>,
}

/// The effect of a suggestion's edits on one file.
struct EditedLines {
    file: Arc<Path>,
    /// Where the first edit is, for the `::: file:line:col` of a file other than the
    /// finding's own.
    line: usize,
    column: usize,
    shown: Shown,
}

/// How rustc shows a change: an insertion inside one line (the line, with `+++` under
/// the new text), or the changed lines as a diff.
enum Shown {
    Inline {
        number: usize,
        line: String,
        start: usize,
        len: usize,
    },
    Diff(Vec<DiffLine>),
}

/// One line of a suggestion's diff, with its number in the old text (removed) or the
/// new text (added, and kept lines between changes).
enum DiffLine {
    Kept(usize, String),
    Removed(usize, String),
    Added(usize, String),
}

impl SuggestionBlock {
    /// `None` when the edits cannot be shown (no edits, a file's text missing, edits
    /// that overlap, or no visible change); the message is then a plain `= help:`.
    fn new(suggestion: &Suggestion, sources: &Sources) -> Option<SuggestionBlock> {
        let mut by_file: Vec<(&Arc<Path>, Vec<&Edit>)> = Vec::new();
        for edit in &suggestion.edits {
            match by_file
                .iter_mut()
                .find(|(file, _)| **file == edit.span.file)
            {
                Some((_, edits)) => edits.push(edit),
                None => by_file.push((&edit.span.file, vec![edit])),
            }
        }
        let mut parts = Vec::new();
        for (file, edits) in by_file {
            let text = sources.get(file)?;
            let first = edits.iter().min_by_key(|e| e.span.byte_start)?;
            parts.push(EditedLines {
                file: file.clone(),
                line: first.span.line,
                column: first.span.column,
                shown: Shown::new(text, &edits)?,
            });
        }
        if parts.is_empty() {
            return None;
        }
        Some(SuggestionBlock {
            message: suggestion.message.clone(),
            parts,
        })
    }

    fn render(&self, w: &mut dyn WriteColor, width: usize, primary: &Path) -> io::Result<()> {
        let width = self
            .parts
            .iter()
            .map(|p| digits(p.shown.last_number()))
            .fold(width, usize::max);
        w.set_color(&palette::help())?;
        write!(w, "help")?;
        w.reset()?;
        writeln!(w, ": {}", self.message)?;
        for part in &self.parts {
            if *part.file != *primary {
                write!(w, "{:width$}", "")?;
                w.set_color(&palette::gutter())?;
                write!(w, ":::")?;
                w.reset()?;
                writeln!(
                    w,
                    " {}:{}:{}",
                    part.file.to_string_lossy(),
                    part.line,
                    part.column
                )?;
            }
            border(w, width)?;
            part.shown.render(w, width)?;
        }
        Ok(())
    }
}

impl Shown {
    /// Apply `edits` to the lines of `text` they touch and describe the difference.
    fn new(text: &str, edits: &[&Edit]) -> Option<Shown> {
        let mut ranges: Vec<(Range<usize>, &str)> = edits
            .iter()
            .map(|e| {
                (
                    clamp(text, e.span.byte_start, e.span.byte_end),
                    e.replacement.as_str(),
                )
            })
            .collect();
        ranges.sort_by_key(|(r, _)| (r.start, r.end));
        if ranges.windows(2).any(|w| w[1].0.start < w[0].0.end) {
            return None;
        }
        let first = ranges.first()?.0.start;
        let last = ranges.iter().map(|(r, _)| r.end).max()?;
        let region_start = text[..first].rfind('\n').map_or(0, |i| i + 1);
        let region_end = text[last..].find('\n').map_or(text.len(), |i| last + i);
        let mut edited = String::new();
        let mut at = region_start;
        for (range, replacement) in &ranges {
            edited.push_str(&text[at..range.start]);
            edited.push_str(replacement);
            at = range.end;
        }
        edited.push_str(&text[at..region_end]);
        let first_line = text[..region_start].matches('\n').count() + 1;
        Shown::compare(&text[region_start..region_end], &edited, first_line)
    }

    /// Compare the old and new lines of the region.
    fn compare(old: &str, new: &str, first_line: usize) -> Option<Shown> {
        let lines = |s: &str| -> Vec<String> {
            s.split('\n')
                .map(|l| expand_tabs(l.strip_suffix('\r').unwrap_or(l)))
                .collect()
        };
        let diff = line_diff(&lines(old), &lines(new), first_line);
        if let [DiffLine::Removed(number, old), DiffLine::Added(_, new)] = diff.as_slice() {
            if let Some(inline) = inline_insertion(old, new, *number) {
                return Some(inline);
            }
        }
        if diff.is_empty() {
            None
        } else {
            Some(Shown::Diff(diff))
        }
    }

    fn last_number(&self) -> usize {
        match self {
            Shown::Inline { number, .. } => *number,
            Shown::Diff(lines) => lines
                .iter()
                .map(|line| match line {
                    DiffLine::Kept(n, _) | DiffLine::Removed(n, _) | DiffLine::Added(n, _) => *n,
                })
                .max()
                .unwrap_or(1),
        }
    }

    fn render(&self, w: &mut dyn WriteColor, width: usize) -> io::Result<()> {
        match self {
            Shown::Inline {
                number,
                line,
                start,
                len,
            } => {
                gutter(w, width, Some(*number), '|')?;
                writeln!(w, " {line}")?;
                gutter(w, width, None, '|')?;
                write!(w, " {:start$}", "")?;
                w.set_color(&palette::addition())?;
                write!(w, "{}", "+".repeat(*len))?;
                w.reset()?;
                writeln!(w)
            }
            Shown::Diff(lines) => {
                for line in lines.iter().take(MAX_SUGGESTION_LINES) {
                    let (number, marker, text, style) = match line {
                        DiffLine::Kept(n, text) => (*n, '|', text, None),
                        DiffLine::Removed(n, text) => (*n, '-', text, Some(palette::removal())),
                        DiffLine::Added(n, text) => (*n, '+', text, Some(palette::addition())),
                    };
                    gutter(w, width, Some(number), marker)?;
                    write!(w, " ")?;
                    if let Some(style) = style {
                        w.set_color(&style)?;
                    }
                    write!(w, "{text}")?;
                    w.reset()?;
                    writeln!(w)?;
                }
                if lines.len() > MAX_SUGGESTION_LINES {
                    writeln!(w, "...")?;
                }
                border(w, width)
            }
        }
    }
}

/// A line diff of `old` and `new` (longest common subsequence), without the unchanged
/// lines at either end. In each run of changes the removed lines come first, as in
/// rustc's suggestions.
fn line_diff(old: &[String], new: &[String], first_line: usize) -> Vec<DiffLine> {
    let (n, m) = (old.len(), new.len());
    // lcs[i][j]: length of the longest common subsequence of old[i..] and new[j..].
    // Suggestions touch a few lines; a huge region is shown as removed-then-added.
    let lcs: Vec<Vec<u32>> = if n.saturating_mul(m) <= MAX_DIFF_CELLS {
        let mut lcs = vec![vec![0u32; m + 1]; n + 1];
        for i in (0..n).rev() {
            for j in (0..m).rev() {
                lcs[i][j] = if old[i] == new[j] {
                    lcs[i + 1][j + 1] + 1
                } else {
                    lcs[i + 1][j].max(lcs[i][j + 1])
                };
            }
        }
        lcs
    } else {
        Vec::new()
    };
    let at = |i: usize, j: usize| lcs.get(i).and_then(|row| row.get(j)).copied().unwrap_or(0);
    let mut diff = Vec::new();
    let (mut removed, mut added) = (Vec::new(), Vec::new());
    let (mut i, mut j) = (0, 0);
    while i < n || j < m {
        if i < n && j < m && old[i] == new[j] && at(i, j) == at(i + 1, j + 1) + 1 {
            diff.append(&mut removed);
            diff.append(&mut added);
            diff.push(DiffLine::Kept(first_line + j, new[j].clone()));
            (i, j) = (i + 1, j + 1);
        } else if j < m && (i == n || at(i, j + 1) >= at(i + 1, j)) {
            added.push(DiffLine::Added(first_line + j, new[j].clone()));
            j += 1;
        } else {
            removed.push(DiffLine::Removed(first_line + i, old[i].clone()));
            i += 1;
        }
    }
    diff.append(&mut removed);
    diff.append(&mut added);
    let start = diff
        .iter()
        .position(|l| !matches!(l, DiffLine::Kept(..)))
        .unwrap_or(diff.len());
    let end = diff
        .iter()
        .rposition(|l| !matches!(l, DiffLine::Kept(..)))
        .map_or(start, |last| last + 1);
    diff.truncate(end);
    diff.drain(..start);
    diff
}

/// When `new` is `old` with one run of text inserted, the inline form.
fn inline_insertion(old: &str, new: &str, number: usize) -> Option<Shown> {
    let (o, n): (Vec<char>, Vec<char>) = (old.chars().collect(), new.chars().collect());
    let prefix = o.iter().zip(&n).take_while(|(a, b)| a == b).count();
    let max_suffix = o.len().min(n.len()) - prefix;
    let suffix = o
        .iter()
        .rev()
        .zip(n.iter().rev())
        .take(max_suffix)
        .take_while(|(a, b)| a == b)
        .count();
    if prefix + suffix != o.len() || n.len() == o.len() {
        return None;
    }
    Some(Shown::Inline {
        number,
        line: new.to_owned(),
        start: prefix,
        len: n.len() - prefix - suffix,
    })
}

/// `NN |` (or `NN +`, `NN -`), or the blank gutter when there is no number.
fn gutter(
    w: &mut dyn WriteColor,
    width: usize,
    number: Option<usize>,
    marker: char,
) -> io::Result<()> {
    w.set_color(&palette::gutter())?;
    match number {
        Some(n) => write!(w, "{n:>width$} ")?,
        None => write!(w, "{:width$} ", "")?,
    }
    if marker == '|' {
        write!(w, "|")?;
        w.reset()?;
    } else {
        w.reset()?;
        w.set_color(&if marker == '+' {
            palette::addition()
        } else {
            palette::removal()
        })?;
        write!(w, "{marker}")?;
        w.reset()?;
    }
    Ok(())
}

fn expand_tabs(line: &str) -> String {
    line.replace('\t', &" ".repeat(TAB_WIDTH))
}
