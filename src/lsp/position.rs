//! Positions as the protocol counts them: 0-based lines, and columns in UTF-16 code
//! units (the protocol's default) or, when the client offers it, UTF-8 bytes; to
//! and from byte offsets into a document's text. Lines end at `\n` (a `\r` before
//! it is the line's last character, as editors count it).

use lsp_types::{Position, PositionEncodingKind, Range};

/// How the client counts columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16,
}

impl Encoding {
    /// UTF-8 when the client offers it (it costs no conversion), else the default.
    pub fn choose(offered: Option<&[PositionEncodingKind]>) -> Encoding {
        match offered {
            Some(kinds) if kinds.contains(&PositionEncodingKind::UTF8) => Encoding::Utf8,
            _ => Encoding::Utf16,
        }
    }

    pub fn kind(self) -> PositionEncodingKind {
        match self {
            Encoding::Utf8 => PositionEncodingKind::UTF8,
            Encoding::Utf16 => PositionEncodingKind::UTF16,
        }
    }
}

/// Where each line of a text starts.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    /// The position of byte offset `byte` of `text` (clamped to it and to a
    /// character boundary).
    pub fn position(&self, text: &str, byte: usize, encoding: Encoding) -> Position {
        let mut byte = byte.min(text.len());
        while !text.is_char_boundary(byte) {
            byte -= 1;
        }
        let line = self.starts.partition_point(|&s| s <= byte) - 1;
        let before = &text[self.starts[line]..byte];
        let column = match encoding {
            Encoding::Utf8 => before.len(),
            Encoding::Utf16 => before.encode_utf16().count(),
        };
        Position::new(saturating_u32(line), saturating_u32(column))
    }

    pub fn range(&self, text: &str, start: usize, end: usize, encoding: Encoding) -> Range {
        Range::new(
            self.position(text, start, encoding),
            self.position(text, end, encoding),
        )
    }

    /// The byte offset of `position` in `text`: a line past the end is the end of
    /// the text, a column past the end of its line the end of the line, and a column
    /// inside a character (half a surrogate pair, a byte inside a UTF-8 sequence)
    /// the start of that character.
    pub fn offset(&self, text: &str, position: Position, encoding: Encoding) -> usize {
        let Some(&start) = self.starts.get(position.line as usize) else {
            return text.len();
        };
        let end = self
            .starts
            .get(position.line as usize + 1)
            .map_or(text.len(), |&next| next - 1);
        let line = &text[start..end];
        let wanted = position.character as usize;
        let mut counted = 0;
        for (i, c) in line.char_indices() {
            let width = match encoding {
                Encoding::Utf8 => c.len_utf8(),
                Encoding::Utf16 => c.len_utf16(),
            };
            if counted + width > wanted {
                return start + i;
            }
            counted += width;
        }
        end
    }
}

fn saturating_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_in_each_encoding() {
        // `é` is 2 bytes and 1 UTF-16 unit, `😀` 4 bytes and 2 units.
        let text = "fn a() {}\n/*é😀*/ let g = 1;\n";
        let index = LineIndex::new(text);
        let at = text.find("let").unwrap();
        assert_eq!(
            index.position(text, at, Encoding::Utf16),
            Position::new(1, 8)
        );
        assert_eq!(
            index.position(text, at, Encoding::Utf8),
            Position::new(1, 11)
        );
        for encoding in [Encoding::Utf8, Encoding::Utf16] {
            let p = index.position(text, at, encoding);
            assert_eq!(index.offset(text, p, encoding), at);
        }
    }

    #[test]
    fn offsets_past_the_end_are_clamped() {
        let text = "ab\r\ncd";
        let index = LineIndex::new(text);
        assert_eq!(index.offset(text, Position::new(0, 99), Encoding::Utf16), 3);
        assert_eq!(index.offset(text, Position::new(1, 1), Encoding::Utf16), 5);
        assert_eq!(index.offset(text, Position::new(7, 0), Encoding::Utf16), 6);
        // Inside a surrogate pair: the start of the character.
        let text = "😀x";
        let index = LineIndex::new(text);
        assert_eq!(index.offset(text, Position::new(0, 1), Encoding::Utf16), 0);
        assert_eq!(
            index.position(text, 99, Encoding::Utf16),
            Position::new(0, 3)
        );
    }
}
