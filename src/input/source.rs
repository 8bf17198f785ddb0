//! Source text of the files being checked, and the conversion of byte ranges to the
//! line/column spans that diagnostics carry.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use crate::diagnostic::Span;

/// One file's text with a line index. Columns are counted in characters.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: Arc<Path>,
    pub text: Arc<str>,
    line_starts: Vec<usize>,
    /// The offsets of the bytes that continue a multi-byte character, in order: a
    /// column is the bytes since the line's start less those among them, so that
    /// the columns of many spans on one long line do not each count its characters.
    continuations: Vec<usize>,
}

impl SourceFile {
    pub fn new(path: Arc<Path>, text: Arc<str>) -> SourceFile {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        let continuations = if text.is_ascii() {
            Vec::new()
        } else {
            let bytes = text.bytes().enumerate();
            bytes
                .filter(|&(_, b)| b & 0xc0 == 0x80)
                .map(|(i, _)| i)
                .collect()
        };
        SourceFile {
            path,
            text,
            line_starts,
            continuations,
        }
    }

    /// 1-based line and character column of a byte offset (clamped to the text).
    pub fn line_column(&self, byte: usize) -> (usize, usize) {
        let byte = self.clamp(byte);
        let line = self.line_starts.partition_point(|&s| s <= byte) - 1;
        let start = self.line_starts[line];
        let continued = |at: usize| self.continuations.partition_point(|&c| c < at);
        let column = byte - start - (continued(byte) - continued(start)) + 1;
        (line + 1, column)
    }

    /// Snap a byte offset to the text's length and to a character boundary.
    fn clamp(&self, byte: usize) -> usize {
        let mut b = byte.min(self.text.len());
        while !self.text.is_char_boundary(b) {
            b -= 1;
        }
        b
    }

    pub fn span(&self, start: usize, end: usize) -> Span {
        let start = self.clamp(start);
        let end = self.clamp(end.max(start));
        let (line, column) = self.line_column(start);
        let (end_line, end_column) = self.line_column(end);
        Span {
            file: self.path.clone(),
            byte_start: start,
            byte_end: end,
            line,
            column,
            end_line,
            end_column,
        }
    }

    /// The length of a leading byte order mark: syn parses the text after it, so the
    /// analysis's offsets point into `code()`.
    pub fn bom_len(&self) -> usize {
        if self.text.starts_with('\u{feff}') {
            '\u{feff}'.len_utf8()
        } else {
            0
        }
    }

    /// The code: the text after a byte order mark.
    pub fn code(&self) -> &str {
        &self.text[self.bom_len()..]
    }

    /// `span`, from offsets into `code()`.
    pub fn code_span(&self, start: usize, end: usize) -> Span {
        let bom = self.bom_len();
        self.span(start + bom, end + bom)
    }

    /// `line_column`, of an offset into `code()`.
    pub fn code_line_column(&self, byte: usize) -> (usize, usize) {
        self.line_column(byte + self.bom_len())
    }

    /// The byte offset where 1-based `line` starts.
    pub fn line_start(&self, line: usize) -> Option<usize> {
        self.line_starts.get(line.checked_sub(1)?).copied()
    }

    /// The text of 1-based `line`, without its line break.
    pub fn line_text(&self, line: usize) -> &str {
        let Some(start) = self.line_start(line) else {
            return "";
        };
        let end = self
            .line_starts
            .get(line)
            .copied()
            .unwrap_or(self.text.len());
        self.text[start..end].trim_end_matches(['\n', '\r'])
    }
}

/// The texts the renderers may need, by path (only files with findings are kept).
#[derive(Debug, Default, Clone)]
pub struct Sources {
    files: HashMap<Arc<Path>, Arc<str>>,
}

impl Sources {
    pub fn insert(&mut self, path: Arc<Path>, text: Arc<str>) {
        self.files.insert(path, text);
    }

    pub fn get(&self, path: &Path) -> Option<&str> {
        self.files.get(path).map(|t| &**t)
    }

    /// The text of `path`, shared.
    pub fn text(&self, path: &Path) -> Option<Arc<str>> {
        self.files.get(path).cloned()
    }
}

#[cfg(test)]
mod column_tests {
    use super::*;

    #[test]
    fn columns_count_characters() {
        let text = "ab\né🦀x\n\u{feff}y é z";
        let file = SourceFile::new(Arc::from(Path::new("f.rs")), Arc::from(text));
        let at = |s: &str| text.find(s).unwrap();
        assert_eq!(file.line_column(0), (1, 1));
        assert_eq!(file.line_column(at("b")), (1, 2));
        assert_eq!(file.line_column(at("é")), (2, 1));
        assert_eq!(file.line_column(at("🦀")), (2, 2));
        assert_eq!(file.line_column(at("x")), (2, 3));
        assert_eq!(file.line_column(at("y")), (3, 2));
        assert_eq!(file.line_column(at("z")), (3, 6));
        assert_eq!(file.line_column(text.len()), (3, 7));
        for (byte, _) in text.char_indices() {
            let start = text[..byte].rfind('\n').map_or(0, |i| i + 1);
            let column = text[start..byte].chars().count() + 1;
            assert_eq!(file.line_column(byte).1, column, "{byte}");
        }
    }
}
