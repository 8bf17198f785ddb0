//! A structure-aware generator of deep and long shapes: a few bytes of fuzzer input
//! become a file of hundreds of KB (past the 64 KB the byte-level targets are capped
//! at), built from the constructs whose depth or length once took the whole run down
//! (issue 14): prefix operators, closures without braces, references in types and
//! patterns, assignment and `return` chains, method, field, `?` and operator chains,
//! `else if` chains, brackets, and guards held across many awaits, some on one line.

/// One construct repeated `n` times, as a statement of an async fn that holds a
/// guard `g` (or, for `Kind::Type`, an item).
const SHAPES: &[(&str, &str, &str)] = &[
    // (before the repeats, the repeated piece, after)
    ("let _ = ", "-", "1;"),
    ("let _ = ", "!", "true;"),
    ("let _ = ", "*", "x;"),
    ("let _ = ", "&", "1;"),
    ("let _ = ", "&mut ", "1;"),
    ("let _ = ", "..=", "1;"),
    ("let _ = ", "|| ", "1;"),
    ("let _ = ", "|a, b| ", "1;"),
    ("let _ = ", "move || ", "g.len();"),
    ("let ", "&", "x = 1;"),
    ("let x: ", "&'static ", "u8 = 1;"),
    ("let x: ", "fn() -> ", "u8 = f;"),
    ("", "return ", "1;"),
    ("", "a = ", "1;"),
    ("let ", "a @ ", "b = 1;"),
    ("let _ = x", ".f", ";"),
    ("let _ = x", ".f()", ";"),
    ("let _ = x", "?", ";"),
    ("let _ = 1", " + 1", ";"),
    ("let _ = a", " || a", ";"),
    ("let _ = y()", ".await", ";"),
    ("let _ = if a { 1 } ", "else if a { 1 } ", "else { 2 };"),
    ("let _ = ", "(", "1;"),
    ("let _ = ", "[", "1;"),
    ("", "{ ", "y().await;"),
    ("", "y().await; ", ""),
    ("", "y().await;\n", ""),
    ("", "let g = m.lock().unwrap(); ", "y().await;"),
    ("let _ = ", "async { ", "y().await;"),
];

/// The file `data` describes: each three bytes pick a shape and how many times it is
/// repeated (1 to about 200,000, most often small), up to a total size of `limit`.
pub fn generate(data: &[u8], limit: usize) -> String {
    let mut body = String::new();
    let mut items = String::new();
    for op in data.chunks(3) {
        let pick = op[0] as usize;
        let n = repeats(
            op.get(1).copied().unwrap_or(1),
            op.get(2).copied().unwrap_or(0),
        );
        if pick % 16 == 15 {
            // An item the crate index summarises: a type as deep as it gets.
            items.push_str(&format!(
                "pub type T{} = {}u8;\n",
                items.len(),
                "&".repeat(n)
            ));
        } else {
            let (before, piece, after) = SHAPES[pick % SHAPES.len()];
            let piece_len = piece.len().max(1);
            let n = n.min(limit.saturating_sub(body.len()) / piece_len);
            let closes: String = piece
                .chars()
                .filter_map(|c| match c {
                    '(' => Some(')'),
                    '[' => Some(']'),
                    '{' => Some('}'),
                    _ => None,
                })
                .collect();
            body.push_str("    ");
            body.push_str(before);
            body.push_str(&piece.repeat(n));
            if closes.is_empty() {
                body.push_str(after);
            } else {
                // What the pieces opened closes after the innermost part, and a
                // `let` ends after that.
                body.push_str(
                    after
                        .strip_suffix(';')
                        .filter(|_| !after.ends_with("await;"))
                        .unwrap_or(after),
                );
                body.push_str(&closes.repeat(n));
                if before.starts_with("let") {
                    body.push(';');
                }
            }
            body.push('\n');
        }
        if body.len() + items.len() >= limit {
            break;
        }
    }
    format!(
        "use std::sync::Mutex;\n{items}async fn y() {{}}\npub async fn f(m: &Mutex<Vec<u8>>, x: Option<u8>) -> Option<u8> {{\n    let g = m.lock().unwrap();\n{body}    y().await;\n    None\n}}\n"
    )
}

/// 1 to about 200,000: `scale` picks the order of magnitude, `low` the digits.
fn repeats(scale: u8, low: u8) -> usize {
    let base = 1 + low as usize;
    match scale % 8 {
        0..=3 => base,
        4 => base * 10,
        5 => base * 100,
        6 => base * 200,
        _ => base * 800,
    }
}
