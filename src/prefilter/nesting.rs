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
    let n = b.len();
    // Generic brackets open in each enclosing bracket, innermost last.
    let mut angles: Vec<usize> = vec![0];
    let mut depth = 0usize;
    let mut i = 0;
    let is_ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80;
    while i < n {
        let c = b[i];
        match c {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < n && b[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                // Block comments nest.
                let mut level = 0usize;
                while i < n {
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
                continue;
            }
            b'"' => {
                i = skip_string(b, i + 1);
                continue;
            }
            b'r' | b'b' | b'c' if i == 0 || !is_ident(b[i - 1]) => {
                // r"…", r#"…"#, br…, cr…, b"…", c"…", b'…'
                let mut j = i + 1;
                if c != b'r' && b.get(j) == Some(&b'r') {
                    j += 1;
                }
                let raw = c == b'r' || b.get(i + 1) == Some(&b'r');
                if raw {
                    let hashes = b[j..].iter().take_while(|&&h| h == b'#').count();
                    if b.get(j + hashes) == Some(&b'"') {
                        i = skip_raw(b, j + hashes + 1, hashes);
                        continue;
                    }
                } else if b.get(j) == Some(&b'"') {
                    i = skip_string(b, j + 1);
                    continue;
                } else if c == b'b' && b.get(j) == Some(&b'\'') {
                    i = skip_char(b, j);
                    continue;
                }
                // An identifier starting with r/b/c.
                while i < n && is_ident(b[i]) {
                    i += 1;
                }
                continue;
            }
            b'\'' => {
                i = skip_char(b, i);
                continue;
            }
            b'(' | b'[' | b'{' => {
                if c == b'{' {
                    forget_angles(&mut angles, &mut depth);
                }
                depth += 1;
                angles.push(0);
                if depth > MAX_NESTING {
                    return Some(i);
                }
            }
            b')' | b']' | b'}' => {
                if angles.len() > 1 {
                    let open = angles.pop().unwrap_or(0);
                    depth -= open + 1;
                }
                if c == b'}' {
                    forget_angles(&mut angles, &mut depth);
                }
            }
            b';' => forget_angles(&mut angles, &mut depth),
            b'<' => {
                let before = if i > 0 { b[i - 1] } else { b' ' };
                let generic = (is_ident(before) || before == b'>' || before == b':')
                    && !matches!(b.get(i + 1), Some(b'<' | b'='))
                    && !(i > 0 && b[i - 1] == b'<');
                if generic {
                    *angles.last_mut().expect("never empty") += 1;
                    depth += 1;
                    if depth > MAX_NESTING {
                        return Some(i);
                    }
                }
            }
            b'>' => {
                let before = if i > 0 { b[i - 1] } else { b' ' };
                let open = angles.last_mut().expect("never empty");
                if *open > 0 && before != b'-' && before != b'=' && b.get(i + 1) != Some(&b'=') {
                    *open -= 1;
                    depth -= 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
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
