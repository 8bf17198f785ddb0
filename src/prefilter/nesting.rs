//! A lexical bound on nesting, checked before a file is parsed. syn's parser recurses
//! once or more per level of brackets and generic arguments, and also per prefix
//! operator (`-`, `!`, `*`, `&`, `..=`), per `&` of a pattern or a type, per closure
//! without braces (`|| || 1`), per `return`/`break`/`yield` and `@` binding and per
//! assignment of a right-associative chain (`a = b = c`): tens of KiB of stack a level
//! in a debug build. With no bound, a generated file nested deeply enough overflows
//! even the workers' large stacks and aborts the whole run. Postfix and binary chains
//! (`.f()`, `?`, `+`) syn parses in a loop, but the tree it builds is as deep as the
//! chain is long, and every walk of that tree (ours, syn's visitors, its drop glue)
//! recurses per link: they are bounded too, more loosely. Real code never comes near
//! either bound.

/// The most levels of brackets, generic `<`, prefix operators, references, closures
/// and the like open at once that a file may have.
pub const MAX_NESTING: usize = 2_000;

/// The most links (`.f`, `.f()`, `?`, binary operators, `else if`s) one statement's
/// chains may have between its commas and semicolons.
pub const MAX_CHAIN: usize = 50_000;

/// Where a file is too deep to parse safely, and by which measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooDeep {
    /// The byte offset of the token that went past the bound.
    pub at: usize,
    pub kind: Depth,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Depth {
    /// More than `MAX_NESTING` levels open at once.
    Nesting,
    /// A chain of more than `MAX_CHAIN` links.
    Chain,
}

impl std::fmt::Display for TooDeep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.kind {
            Depth::Nesting => write!(
                f,
                "nested more than {MAX_NESTING} levels deep (brackets, generic arguments, prefix operators, references, closures or assignments)"
            ),
            Depth::Chain => write!(
                f,
                "a chain of more than {MAX_CHAIN} method calls, fields, `?`, binary operators or `else if`s in one statement"
            ),
        }
    }
}

/// The byte offset where the nesting first exceeds `MAX_NESTING`, if it does.
///
/// Comments, string, character and raw-string literals are skipped. A `<` counts as a
/// generic bracket when it follows an identifier, `>` or `::` with no space between
/// (`Vec<`, `f::<`, `Option<Vec<`), or stands where an operand is expected (`<T as
/// Tr>::f`), and is not `<<` or `<=` after an identifier; a `>` closes one if one is
/// open in the current brackets and is not part of `->`, `=>` or `>=`. Generic
/// brackets left open (a comparison written `a<b`) are forgotten at `;`, `{`, `}` and
/// at the bracket that encloses them, so an estimate errs high only within one
/// statement.
///
/// A prefix operator is a `-`, `!`, `*`, `&` (`&&` counts twice) or `..`/`..=` where
/// an operand is expected: a run of them is open until the operand that ends it.
/// What nests to the end of its statement instead — a closure's head (`||`, `|x|`),
/// `return`, `break`, `yield`, a `@` binding, an assignment, a `->` — stays open until
/// the next `,`, `;`, `=>`, `{` or `}` of the same brackets.
pub fn too_deep(text: &str) -> Option<TooDeep> {
    let b = text.as_bytes();
    let mut nesting = Nesting {
        frames: vec![Frame::default()],
        depth: 0,
        operand_end: false,
        after_else: false,
    };
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let (next, token) = lex(b, i);
        match nesting.step(b, i, token) {
            Ok(punct) => i = next.max(i + punct),
            Err(kind) => return Some(TooDeep { at: i, kind }),
        }
    }
    None
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80
}

/// What the lexer found at a byte: the nesting needs only this much of a token.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Token<'t> {
    /// A comment: nothing for the nesting.
    Comment,
    /// A literal: ends an operand.
    Literal,
    /// A lifetime or label (`'a`).
    Lifetime,
    Ident(&'t [u8]),
    /// Punctuation: the nesting reads the bytes itself.
    Punct,
}

/// The token that starts at `i` and the offset past it (for punctuation, past its
/// first byte only).
fn lex(b: &[u8], i: usize) -> (usize, Token<'_>) {
    let c = b[i];
    match c {
        b'/' if b.get(i + 1) == Some(&b'/') => (
            i + b[i..]
                .iter()
                .position(|&c| c == b'\n')
                .unwrap_or(b.len() - i),
            Token::Comment,
        ),
        b'/' if b.get(i + 1) == Some(&b'*') => (skip_block_comment(b, i), Token::Comment),
        b'"' => (skip_string(b, i + 1), Token::Literal),
        b'\'' => {
            let next = skip_char(b, i);
            if next == i + 1 {
                let name = b[next..].iter().take_while(|&&c| is_ident(c)).count();
                (next + name, Token::Lifetime)
            } else {
                (next, Token::Literal)
            }
        }
        b'0'..=b'9' => (skip_number(b, i), Token::Literal),
        b'r' | b'b' | b'c' if i == 0 || !is_ident(b[i - 1]) => {
            let next = skip_prefixed(b, i);
            let ident = &b[i..next];
            if ident.iter().all(|&c| is_ident(c)) {
                (next, Token::Ident(ident))
            } else {
                (next, Token::Literal)
            }
        }
        c if is_ident(c) => {
            let len = b[i..].iter().take_while(|&&c| is_ident(c)).count();
            (i + len, Token::Ident(&b[i..i + len]))
        }
        _ => (i + 1, Token::Punct),
    }
}

/// Past a number literal (`1`, `0x1f_u8`, `1.5e3`, but `1` of `1..2` and of `1.f()`).
fn skip_number(b: &[u8], mut i: usize) -> usize {
    loop {
        while i < b.len() && is_ident(b[i]) {
            i += 1;
        }
        if b.get(i) == Some(&b'.') && b.get(i + 1).is_some_and(u8::is_ascii_digit) {
            i += 1;
        } else {
            return i;
        }
    }
}

/// Whether an identifier ends an operand (a name, `self`, `true`), or is a keyword
/// after which one is still expected (`mut`, `dyn`, `return`).
fn ends_operand(ident: &[u8]) -> bool {
    !matches!(
        ident,
        b"as"
            | b"async"
            | b"box"
            | b"const"
            | b"dyn"
            | b"else"
            | b"fn"
            | b"for"
            | b"if"
            | b"impl"
            | b"in"
            | b"let"
            | b"loop"
            | b"match"
            | b"move"
            | b"mut"
            | b"raw"
            | b"ref"
            | b"static"
            | b"unsafe"
            | b"where"
            | b"while"
            | b"return"
            | b"break"
            | b"yield"
            | b"become"
    )
}

/// Keywords whose operand nests inside them to the end of the statement.
fn nests_to_end(ident: &[u8]) -> bool {
    matches!(ident, b"return" | b"break" | b"yield" | b"become")
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

/// What is open in one pair of brackets (or at the top of the file).
#[derive(Default)]
struct Frame {
    /// Generic brackets.
    angles: usize,
    /// Prefix operators since the last operand.
    run: usize,
    /// Closure heads, `return`s, `@`s, assignments and `->`s of this statement.
    open: usize,
    /// Links of this statement's chains.
    chain: usize,
    /// `else if`s of this statement (braces do not end them).
    else_ifs: usize,
    /// Between the bars of a closure's parameters (where `,` ends nothing).
    params: bool,
}

/// The brackets and everything else open at a point of the text.
struct Nesting {
    /// Innermost last; never empty.
    frames: Vec<Frame>,
    /// Everything open in every frame, and the frames themselves.
    depth: usize,
    /// The last token ended an operand (`x`, `1`, `)`): a `-` after it is binary.
    operand_end: bool,
    /// The last token was `else`.
    after_else: bool,
}

impl Nesting {
    fn frame(&mut self) -> &mut Frame {
        self.frames.last_mut().expect("never empty")
    }

    /// Open `n` more levels in the current frame (`Frame::run` or `Frame::open`).
    fn open(&mut self, n: usize, run: bool) -> Result<(), Depth> {
        let frame = self.frame();
        if run {
            frame.run += n;
        } else {
            frame.open += n;
        }
        self.depth += n;
        if self.depth > MAX_NESTING {
            return Err(Depth::Nesting);
        }
        Ok(())
    }

    fn link(&mut self) -> Result<(), Depth> {
        let frame = self.frame();
        frame.chain += 1;
        if frame.chain > MAX_CHAIN {
            return Err(Depth::Chain);
        }
        Ok(())
    }

    /// An operand ended: the prefix operators before it are closed.
    fn operand(&mut self) {
        let frame = self.frame();
        let run = std::mem::take(&mut frame.run);
        self.depth -= run;
        self.operand_end = true;
    }

    /// The end of a statement or of a list element: what nests to its end is closed
    /// (generic brackets too when `angles`).
    fn forget(&mut self, angles: bool) {
        let frame = self.frame();
        let mut closed = std::mem::take(&mut frame.run) + std::mem::take(&mut frame.open);
        if angles {
            closed += std::mem::take(&mut frame.angles);
        }
        frame.chain = 0;
        frame.params = false;
        self.depth -= closed;
        self.operand_end = false;
    }

    /// The token at `i`: how many bytes it takes (for punctuation; other tokens
    /// were measured by `lex`), or `Err` when the nesting now exceeds a bound.
    fn step(&mut self, b: &[u8], i: usize, token: Token<'_>) -> Result<usize, Depth> {
        match token {
            Token::Comment => return Ok(0),
            Token::Literal => {
                self.operand();
                return Ok(0);
            }
            Token::Lifetime => {
                self.operand_end = false;
                return Ok(0);
            }
            Token::Ident(name) => {
                let after_else = std::mem::replace(&mut self.after_else, name == b"else");
                if after_else && name == b"if" {
                    // syn parses an `else if` inside the `if` before it.
                    let frame = self.frame();
                    frame.else_ifs += 1;
                    if frame.else_ifs > MAX_CHAIN {
                        return Err(Depth::Chain);
                    }
                }
                if ends_operand(name) {
                    self.operand();
                } else {
                    self.operand_end = false;
                    if nests_to_end(name) {
                        self.open(1, false)?;
                    }
                }
                return Ok(0);
            }
            Token::Punct => {}
        }
        self.after_else = false;
        let c = b[i];
        let at = |k: usize| b.get(i + k).copied().unwrap_or(b' ');
        let before = if i > 0 { b[i - 1] } else { b' ' };
        let operand_end = std::mem::replace(&mut self.operand_end, false);
        let two = [c, at(1)];
        let three = [c, at(1), at(2)];
        // Operators of more than one byte first.
        match &three {
            b"..=" | b"..." => {
                if !operand_end {
                    self.open(1, true)?;
                }
                return Ok(3);
            }
            b"<<=" | b">>=" => {
                self.open(1, false)?;
                return Ok(3);
            }
            _ => {}
        }
        match &two {
            b".." => {
                if !operand_end {
                    self.open(1, true)?;
                }
                return Ok(2);
            }
            b"::" => return Ok(2),
            b"->" => {
                // A return type follows.
                self.open(1, false)?;
                return Ok(2);
            }
            b"=>" => {
                // An arm's body follows.
                self.forget(false);
                return Ok(2);
            }
            b"==" | b"!=" | b"<=" => {
                self.link()?;
                return Ok(2);
            }
            b">=" if self.frame().angles == 0 => {
                self.link()?;
                return Ok(2);
            }
            b"+=" | b"-=" | b"*=" | b"/=" | b"%=" | b"^=" | b"&=" | b"|=" if operand_end => {
                self.open(1, false)?;
                return Ok(2);
            }
            b"&&" | b"||" if operand_end => {
                self.link()?;
                return Ok(2);
            }
            b"&&" => {
                self.open(2, true)?;
                return Ok(2);
            }
            b"||" if !self.frame().params => {
                // A closure without parameters; its body follows.
                self.open(1, false)?;
                return Ok(2);
            }
            b"<<" if operand_end => {
                self.link()?;
                return Ok(2);
            }
            _ => {}
        }
        match c {
            b'(' | b'[' | b'{' => {
                if c == b'{' {
                    self.forget(true);
                }
                self.depth += 1;
                self.frames.push(Frame::default());
                if self.depth > MAX_NESTING {
                    return Err(Depth::Nesting);
                }
            }
            b')' | b']' | b'}' => {
                if self.frames.len() > 1 {
                    let frame = self.frames.pop().expect("more than one");
                    self.depth -= frame.angles + frame.run + frame.open + 1;
                }
                if c == b'}' {
                    self.forget(true);
                }
                self.operand();
            }
            b';' => {
                self.forget(true);
                self.frame().else_ifs = 0;
            }
            b',' if !self.frame().params => {
                self.forget(false);
                self.frame().else_ifs = 0;
            }
            b'<' => {
                // After an operand, a generic bracket only when written tight
                // (`Vec<u8>`, not `a < b`); where an operand is expected, always.
                let generic = !operand_end || is_ident(before) || before == b'>';
                if generic {
                    self.frame().angles += 1;
                    self.depth += 1;
                    if self.depth > MAX_NESTING {
                        return Err(Depth::Nesting);
                    }
                } else {
                    self.link()?;
                }
            }
            b'>' => {
                if self.frame().angles > 0 {
                    self.frame().angles -= 1;
                    self.depth -= 1;
                    self.operand();
                } else if operand_end {
                    self.link()?;
                }
            }
            b'-' | b'!' | b'*' | b'&' if !operand_end => self.open(1, true)?,
            b'|' if self.frame().params => self.frame().params = false,
            b'|' if !operand_end => {
                self.open(1, false)?;
                self.frame().params = true;
            }
            b'@' | b'=' => self.open(1, false)?,
            b'?' => {
                self.link()?;
                self.operand();
            }
            b'.' => self.link()?,
            b'+' | b'/' | b'%' | b'^' | b'-' | b'*' | b'&' | b'|' | b'!' if operand_end => {
                self.link()?;
            }
            _ => {}
        }
        Ok(1)
    }
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
    fn prefix_operators_closures_and_references_are_counted() {
        let at_bound = |piece: &str, end: &str| {
            let pieces = piece.repeat(MAX_NESTING - 3);
            too_deep(&format!("fn f() {{ {pieces}{end}; }}"))
        };
        let past_bound = |piece: &str, end: &str| {
            let pieces = piece.repeat(MAX_NESTING + 1);
            too_deep(&format!("fn f() {{ {pieces}{end}; }}")).map(|d| d.kind)
        };
        for (piece, end) in [
            ("-", "1"),
            ("!", "x"),
            ("*", "x"),
            ("&", "x"),
            ("&mut ", "x"),
            ("..=", "1"),
            ("|| ", "1"),
            ("|a, b: Vec<u8>| ", "1"),
            ("return ", "1"),
            ("a = ", "1"),
            ("&'a ", "u8"),
            ("*const ", "u8"),
            ("fn() -> ", "u8"),
            ("x @ ", "y"),
        ] {
            assert_eq!(at_bound(piece, end), None, "{piece}");
            assert_eq!(past_bound(piece, end), Some(Depth::Nesting), "{piece}");
        }
    }

    #[test]
    fn operators_between_operands_and_ordinary_statements_are_not_nesting() {
        let many = |piece: &str| format!("fn f() {{ {} }}", piece.repeat(3 * MAX_NESTING));
        for piece in [
            "let x = -a - -b * !c & &d | *e; ",
            "let y = a || b && c; ",
            "x.f(|a, b| a + b).g(|| 1); ",
            "let _: &'a mut &'b u8 = &&1; ",
            "fn g() -> u8 { 1 } ",
            "match x { A | B => -1, _ => !0 } ",
            "if a <= b && c >= d { x += 1; } else if e { y -= 1; } ",
            "let r = 1..=2; ",
            "let v: Vec<Vec<u8>> = vec![]; ",
            "a = b; ",
            "x @ 1..=5 => {} ",
            "'outer: loop { break 'outer; } ",
            "let s = &*self.items[0]; ",
        ] {
            assert_eq!(too_deep(&many(piece)), None, "{piece}");
        }
    }

    #[test]
    fn chains_are_bounded_per_statement() {
        let chain = |link: &str, n: usize| format!("fn f() {{ let x = a{}; }}", link.repeat(n));
        for link in [".f", ".f()", "?", " + b", ".await"] {
            assert_eq!(too_deep(&chain(link, MAX_CHAIN - 1)), None, "{link}");
            let deep = too_deep(&chain(link, MAX_CHAIN + 1)).map(|d| d.kind);
            assert_eq!(deep, Some(Depth::Chain), "{link}");
        }
        // Statements end chains.
        let statements = "a.f().g()?; ".repeat(MAX_CHAIN);
        assert_eq!(too_deep(&format!("fn f() {{ {statements} }}")), None);
        // The first `if` is not an `else if`.
        let else_ifs = "if a { 1 } else ".repeat(MAX_CHAIN + 2);
        let deep = too_deep(&format!("fn f() {{ {else_ifs}{{ 2 }} }}")).map(|d| d.kind);
        assert_eq!(deep, Some(Depth::Chain));
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
