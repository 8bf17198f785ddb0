//! A lexical bound on nesting, checked before a file is parsed. syn's parser recurses
//! once or more per level of brackets and generic arguments, tens of KiB of stack a
//! level in a debug build: with no bound, a generated file nested deeply enough
//! overflows even the workers' large stacks and aborts the whole run. Real code never
//! nests anywhere near `MAX_NESTING` levels.

/// The most levels of `(`, `[`, `{` and generic `<` open at once that a file may have.
pub const MAX_NESTING: usize = 2_000;

/// The byte offset where the nesting first exceeds `MAX_NESTING`, if it does.
///
/// Comments, string, character and raw-string literals are skipped. A `<` counts as a
/// generic bracket when it follows an identifier, `>` or `::` with no space between
/// (`Vec<`, `f::<`, `Option<Vec<`), and is not `<<` or `<=`; a `>` closes one if one
/// is open in the current brackets and is not part of `->`, `=>` or `>=`. Generic
/// brackets left open (a comparison written `a<b`) are forgotten at `;`, `{`, `}` and
/// at the bracket that encloses them, so an estimate errs high only within one
/// statement.
pub fn too_deep(text: &str) -> Option<usize> {
    let b = text.as_bytes();
    let mut nesting = Nesting {
        angles: vec![0],
        depth: 0,
    };
    let mut i = 0;
    while i < b.len() {
        // Most bytes are neither: the byte decides before any call.
        match b[i] {
            b'/' | b'"' | b'\'' | b'r' | b'b' | b'c' => {
                if let Some(next) = skip_non_code(b, i) {
                    i = next;
                    continue;
                }
            }
            b'(' | b'[' | b'{' | b')' | b']' | b'}' | b';' | b'<' | b'>' if nesting.step(b, i) => {
                return Some(i);
            }
            _ => {}
        }
        i += 1;
    }
    None
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80
}

/// Past a comment, a literal or an identifier that starts at `i` (which may hold
/// what looks like brackets); `None` at anything else.
fn skip_non_code(b: &[u8], i: usize) -> Option<usize> {
    let c = b[i];
    match c {
        b'/' if b.get(i + 1) == Some(&b'/') => Some(
            i + b[i..]
                .iter()
                .position(|&c| c == b'\n')
                .unwrap_or(b.len() - i),
        ),
        b'/' if b.get(i + 1) == Some(&b'*') => Some(skip_block_comment(b, i)),
        b'"' => Some(skip_string(b, i + 1)),
        b'r' | b'b' | b'c' if i == 0 || !is_ident(b[i - 1]) => Some(skip_prefixed(b, i)),
        b'\'' => Some(skip_char(b, i)),
        _ => None,
    }
}

/// Past a block comment at `i` (block comments nest).
fn skip_block_comment(b: &[u8], mut i: usize) -> usize {
    let mut level = 0usize;
    while i < b.len() {
        if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
            level += 1;
            i += 2;
        } else if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
            level -= 1;
            i += 2;
            if level == 0 {
                break;
            }
        } else {
            i += 1;
        }
    }
    i
}

/// Past `r"…"`, `r#"…"#`, `br…`, `cr…`, `b"…"`, `c"…"`, `b'…'`, or an identifier
/// that starts with r, b or c.
fn skip_prefixed(b: &[u8], i: usize) -> usize {
    let c = b[i];
    let mut j = i + 1;
    if c != b'r' && b.get(j) == Some(&b'r') {
        j += 1;
    }
    let raw = c == b'r' || b.get(i + 1) == Some(&b'r');
    if raw {
        let hashes = b[j..].iter().take_while(|&&h| h == b'#').count();
        if b.get(j + hashes) == Some(&b'"') {
            return skip_raw(b, j + hashes + 1, hashes);
        }
    } else if b.get(j) == Some(&b'"') {
        return skip_string(b, j + 1);
    } else if c == b'b' && b.get(j) == Some(&b'\'') {
        return skip_char(b, j);
    }
    i + b[i..].iter().take_while(|&&c| is_ident(c)).count()
}

/// The brackets and generic brackets open at a point of the text.
struct Nesting {
    /// Generic brackets open in each enclosing bracket, innermost last.
    angles: Vec<usize>,
    depth: usize,
}

impl Nesting {
    /// The code byte at `i`: whether the nesting now exceeds `MAX_NESTING`.
    fn step(&mut self, b: &[u8], i: usize) -> bool {
        let c = b[i];
        let before = if i > 0 { b[i - 1] } else { b' ' };
        match c {
            b'(' | b'[' | b'{' => {
                if c == b'{' {
                    forget_angles(&mut self.angles, &mut self.depth);
                }
                self.depth += 1;
                self.angles.push(0);
                return self.depth > MAX_NESTING;
            }
            b')' | b']' | b'}' => {
                if self.angles.len() > 1 {
                    let open = self.angles.pop().unwrap_or(0);
                    self.depth -= open + 1;
                }
                if c == b'}' {
                    forget_angles(&mut self.angles, &mut self.depth);
                }
            }
            b';' => forget_angles(&mut self.angles, &mut self.depth),
            b'<' => {
                let generic = (is_ident(before) || before == b'>' || before == b':')
                    && !matches!(b.get(i + 1), Some(b'<' | b'='))
                    && before != b'<';
                if generic {
                    *self.angles.last_mut().expect("never empty") += 1;
                    self.depth += 1;
                    return self.depth > MAX_NESTING;
                }
            }
            b'>' => {
                let open = self.angles.last_mut().expect("never empty");
                if *open > 0 && before != b'-' && before != b'=' && b.get(i + 1) != Some(&b'=') {
                    *open -= 1;
                    self.depth -= 1;
                }
            }
            _ => {}
        }
        false
    }
}

fn forget_angles(angles: &mut [usize], depth: &mut usize) {
    let open = angles.last_mut().expect("never empty");
    *depth -= *open;
    *open = 0;
}

/// Past the closing quote of a string whose contents start at `i`.
fn skip_string(b: &[u8], mut i: usize) -> usize {
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    b.len()
}

/// Past the closing `"###` of a raw string whose contents start at `i`.
fn skip_raw(b: &[u8], mut i: usize, hashes: usize) -> usize {
    while i < b.len() {
        if b[i] == b'"'
            && b[i + 1..]
                .iter()
                .take(hashes)
                .filter(|&&h| h == b'#')
                .count()
                == hashes
        {
            return i + 1 + hashes;
        }
        i += 1;
    }
    b.len()
}

/// Past a character literal at `i` (`'x'`, `'\n'`, `'\u{1F980}'`, `'é'`), or past
/// the quote of a lifetime or label (`'a`).
fn skip_char(b: &[u8], i: usize) -> usize {
    if b.get(i + 1) == Some(&b'\\') {
        // The escaped character is at i + 2: the closing quote is after it.
        let mut j = i + 3;
        while j < b.len() && j < i + 12 {
            if b[j] == b'\'' {
                return j + 1;
            }
            j += 1;
        }
        return i + 1;
    }
    // One character (1 to 4 bytes in UTF-8), then the closing quote.
    let len = match b.get(i + 1) {
        Some(&c) if c < 0x80 => 1,
        Some(&c) if c >= 0xf0 => 4,
        Some(&c) if c >= 0xe0 => 3,
        Some(_) => 2,
        None => return i + 1,
    };
    if b.get(i + 1 + len) == Some(&b'\'') {
        i + 2 + len
    } else {
        i + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deep(open: &str, close: &str, levels: usize) -> String {
        format!(
            "fn f() {{ let x = {}1{}; }}",
            open.repeat(levels),
            close.repeat(levels)
        )
    }

    #[test]
    fn brackets_and_generics_are_counted() {
        assert_eq!(too_deep(&deep("(", ")", MAX_NESTING - 2)), None);
        assert!(too_deep(&deep("(", ")", MAX_NESTING)).is_some());
        assert!(too_deep(&deep("[", "]", MAX_NESTING)).is_some());
        assert!(too_deep(&deep("{", "}", MAX_NESTING)).is_some());
        let ty = |levels: usize| {
            format!(
                "fn f(x: {}u8{}) {{}}",
                "Vec<".repeat(levels),
                ">".repeat(levels)
            )
        };
        assert_eq!(too_deep(&ty(MAX_NESTING - 2)), None);
        assert!(too_deep(&ty(MAX_NESTING + 1)).is_some());
        let fish = format!("fn f() {{ g{}(); }}", "::<Vec<".repeat(MAX_NESTING));
        assert!(too_deep(&fish).is_some());
    }

    #[test]
    fn comparisons_shifts_arrows_and_literals_are_not_nesting() {
        let many =
            |piece: &str| format!("fn f() {{ let x = [{}]; }}", piece.repeat(3 * MAX_NESTING));
        for piece in [
            "a < b, ",
            "a<=b, ",
            "1 << 2, ",
            "x<<2, ",
            "\"(((\", ",
            "'(', ",
            "b'[', ",
            "r#\"{{{\"#, ",
            "br\"<<<\", ",
            "/* ((( */ ",
            "/* /* ((( */ */ ",
            "'a, ",
            "|x| -> u8 { x }, ",
            "match x { _ => 1 }, ",
            "'\\u{28}', ",
            "'é', ",
            "'\\'', ",
            "if a<b { 1 } else { 2 }, ",
        ] {
            assert_eq!(too_deep(&many(piece)), None, "{piece}");
        }
        // An unclosed `a<b` comparison per statement is forgotten at the `;`.
        let statements = "let c = a<b; ".repeat(3 * MAX_NESTING);
        assert_eq!(too_deep(&format!("fn f() {{ {statements} }}")), None);
        let comments = "// ((((\n".repeat(3 * MAX_NESTING);
        assert_eq!(too_deep(&comments), None);
    }

    #[test]
    fn unterminated_literals_end_the_scan() {
        assert_eq!(too_deep("fn f() { \"((("), None);
        assert_eq!(too_deep("fn f() { r#\"((("), None);
        assert_eq!(too_deep("/* (((("), None);
        assert_eq!(too_deep("'"), None);
        assert_eq!(too_deep("b'"), None);
    }
}
