//! The one value that crosses from the analysis to the renderers: a finding with its
//! lint, level, spans, labels, notes and suggestions. Nothing here knows about syn or
//! about any output format.

use std::path::Path;
use std::sync::Arc;

use serde::Serialize;

/// A lint level, as rustc and clippy spell them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Allow,
    Warn,
    Deny,
    Forbid,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Allow => "allow",
            Level::Warn => "warn",
            Level::Deny => "deny",
            Level::Forbid => "forbid",
        }
    }

    /// The word a compiler prints in front of the message.
    pub fn severity_word(self) -> &'static str {
        match self {
            Level::Allow | Level::Warn => "warning",
            Level::Deny | Level::Forbid => "error",
        }
    }

    /// Whether a finding at this level makes the run fail (exit status 1).
    pub fn is_error(self) -> bool {
        matches!(self, Level::Deny | Level::Forbid)
    }

    pub fn parse(word: &str) -> Option<Level> {
        match word {
            "allow" => Some(Level::Allow),
            "warn" => Some(Level::Warn),
            "deny" => Some(Level::Deny),
            "forbid" => Some(Level::Forbid),
            _ => None,
        }
    }
}

/// A region of one source file. Lines and columns are 1-based; columns count
/// characters (not bytes); `end_column` is exclusive, as in rustc's JSON.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    pub file: Arc<Path>,
    pub byte_start: usize,
    pub byte_end: usize,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

/// What a secondary label marks, so that renderers can order and style them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LabelKind {
    /// A yield point the value is held across.
    YieldPoint,
    /// Where the value stops being held (scope end or move).
    Dropped,
    /// Anything else worth pointing at.
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub message: String,
    pub kind: LabelKind,
}

/// How sure a suggestion is, in rustc's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Applicability {
    MachineApplicable,
    MaybeIncorrect,
    HasPlaceholders,
    Unspecified,
}

/// Replace `span` (a byte range of its file) by `replacement`; an empty span inserts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub span: Span,
    pub replacement: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    pub message: String,
    pub applicability: Applicability,
    pub edits: Vec<Edit>,
}

/// The kind of suspension point a value is held across.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum YieldKind {
    /// `expr.await`
    Await,
    /// `yield expr` in a coroutine
    Yield,
    /// A macro invocation that awaits inside (`select!`, `join!`, …).
    Macro,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YieldPoint {
    pub span: Span,
    pub kind: YieldKind,
}

/// One finding of one lint on one held value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The lint's name without tool prefix, e.g. `await_holding_lock`.
    pub lint: &'static str,
    pub level: Level,
    pub message: String,
    /// The held value: the binding pattern of a variable, the expression of a temporary.
    pub primary: Span,
    pub primary_label: String,
    /// Secondary labels: every yield point, where the value is dropped, others.
    pub labels: Vec<Label>,
    /// The yield points the value is held across, in source order.
    pub yield_points: Vec<YieldPoint>,
    pub notes: Vec<String>,
    pub help: Vec<String>,
    pub suggestions: Vec<Suggestion>,
    /// The fn the held value is in, as a path within its file
    /// (`store::Cache::refresh`); `None` for a finding about an attribute. Baselines
    /// and SARIF's logical locations name findings by it, as it moves less than a line.
    pub item: Option<String>,
}

impl Diagnostic {
    /// The order every output uses: file, line, column, then lint name.
    pub fn sort_key(&self) -> (&Path, usize, usize, &'static str, usize) {
        (
            &self.primary.file,
            self.primary.line,
            self.primary.column,
            self.lint,
            self.primary.byte_end,
        )
    }
}

/// Something that kept the tool from doing part of its job (exit status 2): an
/// unreadable path, a file that does not parse, an internal error. The rest of the
/// work is still done and reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: Option<Arc<Path>>,
    /// 1-based line and column, when the problem has a place in the file.
    pub position: Option<(usize, usize)>,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.file, self.position) {
            (Some(file), Some((line, col))) => {
                write!(f, "{}:{}:{}: {}", file.display(), line, col, self.message)
            }
            (Some(file), None) => write!(f, "{}: {}", file.display(), self.message),
            _ => write!(f, "{}", self.message),
        }
    }
}
