//! A byte-level scan of Rust source that says what a file's code contains without
//! parsing it: the words that decide whether the file needs syn at all, and the
//! crate-level names it declares. It runs on every file of every run, so it is one
//! pass with no allocation per token, and it never gives up: what it cannot follow (an
//! unterminated literal or comment) it reports as `Facts::unsure`.
//!
//! Tokens are told apart as rustc's lexer (`rustc_lexer`) does: block comments nest,
//! a raw string ends at a quote followed by as many `#` as opened it, and a `'` starts
//! a lifetime unless a closing quote right after one character, or after an
//! identifier's characters, makes it a character literal.

/// What a file's code (comments and literals skipped) says, for deciding whether it
/// needs parsing and which crate-level names it declares.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Facts {
    /// The identifier `await` or `yield` occurs in code.
    pub yields: bool,
    /// The identifier `async` occurs in code.
    pub has_async: bool,
    /// An identifier naming one of yieldsafe's lints occurs in code: any identifier that
    /// starts with `await_holding`, or equals `must_not_suspend`, `future_not_send`,
    /// `unfulfilled_lint_expectations` or `yieldsafe`; or a comment contains the text
    /// `yieldsafe`.
    pub lint_names: bool,
    /// Names of macros invoked in code: an identifier followed (after optional
    /// whitespace/comments) by `!` that is not `!=`, excluding `macro_rules` itself.
    /// Sorted, deduplicated.
    pub macro_calls: Vec<String>,
    /// Identifiers right after the keywords `struct`, `enum`, `union` (only when `union`
    /// is followed by an identifier), sorted, deduplicated.
    pub types: Vec<String>,
    /// Identifiers right after `fn`. Sorted, deduplicated.
    pub fns: Vec<String>,
    /// Those of `fns` declared at least once outside an `impl` or `trait` block (the
    /// fns another file can call by path). Sorted, deduplicated.
    pub free_fns: Vec<String>,
    /// Identifiers right after `trait`. Sorted, deduplicated.
    pub traits: Vec<String>,
    /// Every identifier between a `use` keyword right after a visibility (`pub`,
    /// `pub(crate)`, …) and the next `;`: all names a re-export can bring in, renames
    /// included. Sorted, deduplicated.
    pub use_names: Vec<String>,
    /// Every identifier between an `impl` keyword and the `{` or `;` after it: the
    /// implemented type's name among them. Sorted, deduplicated.
    pub impl_names: Vec<String>,
    /// Identifiers right after `macro_rules !`. Sorted, deduplicated.
    pub macros: Vec<String>,
    /// Identifiers right after `static` or `const` (past `mut` or `ref`: `static ref`
    /// is lazy_static's). Sorted, deduplicated.
    pub statics: Vec<String>,
    /// Identifiers right after `type` (type aliases, and associated types too).
    /// Sorted, deduplicated.
    pub aliases: Vec<String>,
    /// Method calls (`.name`) of a method that takes a lock or borrows a cell
    /// (`hazard::acquisition_methods`): one may meet its own guard again (in a
    /// loop, or a method that calls it while the guard is alive).
    pub acquisition_calls: usize,
    /// The identifier `Drop` occurs in code.
    pub mentions_drop: bool,
    /// The identifier `must_not_suspend` occurs in code.
    pub mentions_must_not_suspend: bool,
    /// Out-of-line module declarations (`mod name;`), also inside macro invocations
    /// (`cfg_if!`), whatever their `cfg`: where the module tree goes.
    pub mods: Vec<ModDecl>,
    /// The scanner met something it could not follow (an unterminated string, char,
    /// or block comment, or delimiters that do not balance): callers treat the file
    /// as needing a full parse, which reports the error.
    pub unsure: bool,
}

/// Whether `word` names a method that takes a lock or borrows a cell: a set built
/// once, as the scan asks of every method name after a `.` (a walk of the method
/// rows cost about 370 instructions a word).
pub fn is_acquisition_method(word: &str) -> bool {
    static METHODS: std::sync::OnceLock<crate::support::hash::HashSet<&'static str>> =
        std::sync::OnceLock::new();
    METHODS
        .get_or_init(|| crate::hazard::acquisition_methods().collect())
        .contains(word)
}

/// An out-of-line module declaration: `#[path = "x.rs"] mod name;` inside the
/// inline modules `inline` (`mod a { mod name; }`) of its file.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ModDecl {
    pub inline: Vec<String>,
    pub name: String,
    /// The `#[path = ".."]` attribute's string, as written.
    pub path: Option<String>,
}

/// What `text`'s code says.
pub fn scan(text: &str) -> Facts {
    let mut lexer = Lexer::new(text);
    let mut collector = Collector::default();
    // Open delimiters: one that does not close, or closes wrong, is a syntax error
    // the parser should report.
    let mut open = Vec::new();
    let mut balanced = true;
    while let Some(token) = lexer.next_token() {
        match token {
            Token::OpenBrace => open.push(b'}'),
            Token::OpenParen => open.push(b')'),
            Token::Punct(b'[') => open.push(b']'),
            Token::CloseParen => balanced &= open.pop() == Some(b')'),
            Token::Punct(c @ (b']' | b'}')) => balanced &= open.pop() == Some(c),
            _ => {}
        }
        let string = (token == Token::Other && text.as_bytes()[lexer.token_start] == b'"')
            .then(|| &text[lexer.token_start + 1..lexer.pos])
            .and_then(|s| s.rfind('"').map(|end| &s[..end]));
        collector.modules.note(token, string);
        collector.note(token);
    }
    collector.facts.unsure = lexer.unsure || !balanced || !open.is_empty();
    collector.facts.lint_names |= lexer.comment_names_lint;
    collector.finish()
}

/// Strict and reserved keywords, which no macro can be named by: before a `!` they
/// start a negation (`if !done`, `return !ok`) or a negative impl (`impl !Send`).
/// `try` and `gen` are left out, being macros in the editions where they are not
/// keywords.
const KEYWORDS: &[&str] = &[
    "Self", "abstract", "as", "async", "await", "become", "box", "break", "const", "continue",
    "crate", "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "static", "struct", "super", "trait", "true", "type", "typeof", "unsafe",
    "unsized", "use", "virtual", "where", "while", "yield",
];

/// What the collector needs to know of a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Token<'t> {
    /// Spelled as written: a raw identifier keeps its `r#`.
    Ident(&'t str),
    /// A `!` not followed by `=`.
    Bang,
    /// `;`, which ends a use tree or an impl header.
    Semi,
    /// `<`: it ends a use tree too (the precise-capturing `impl Trait + use<'a>`
    /// has no `;`).
    Lt,
    /// `{`, which ends an impl header.
    OpenBrace,
    /// `(` and `)`, as in `pub(crate)`.
    OpenParen,
    CloseParen,
    /// Any other ASCII punctuation character.
    Punct(u8),
    /// A literal, a lifetime, `!=`'s `!`, a character that is none of these.
    Other,
}

pub(super) struct Lexer<'t> {
    text: &'t str,
    bytes: &'t [u8],
    /// Always at a char boundary between tokens.
    pub(super) pos: usize,
    pub(super) unsure: bool,
    /// A comment contains `yieldsafe`.
    pub(super) comment_names_lint: bool,
    /// Where the last token returned starts.
    pub(super) token_start: usize,
}

/// The whitespace `next_token` skips (Rust's, as far as ASCII goes).
fn is_whitespace(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

/// Which ASCII bytes continue an identifier (`[A-Za-z0-9_]`), looked up rather
/// than tested: `ident_end` asks for every byte of every word.
const IDENT_ASCII: [bool; 256] = {
    let mut table = [false; 256];
    let mut c = 0;
    while c < 128 {
        table[c] = (c as u8).is_ascii_alphanumeric() || c as u8 == b'_';
        c += 1;
    }
    table
};

impl<'t> Lexer<'t> {
    pub(super) fn new(text: &'t str) -> Lexer<'t> {
        Lexer {
            text,
            bytes: text.as_bytes(),
            // A byte order mark is not a token.
            pos: if text.starts_with('\u{feff}') { 3 } else { 0 },
            unsure: false,
            comment_names_lint: false,
            token_start: 0,
        }
    }

    /// The next token, past whitespace and comments.
    pub(super) fn next_token(&mut self) -> Option<Token<'t>> {
        loop {
            let start = self.pos;
            self.token_start = start;
            let c = *self.bytes.get(start)?;
            let token = match c {
                _ if is_whitespace(c) => {
                    // Indentation comes in runs: skipped in one go.
                    let rest = &self.bytes[start + 1..];
                    let run = rest.iter().position(|&c| !is_whitespace(c));
                    self.pos = start + 1 + run.unwrap_or(rest.len());
                    continue;
                }
                b'/' if self.byte(start + 1) == b'/' => {
                    self.pos = self.find(start, b'\n').unwrap_or(self.bytes.len());
                    self.note_comment(start);
                    continue;
                }
                b'/' if self.byte(start + 1) == b'*' => {
                    self.block_comment();
                    continue;
                }
                b'a'..=b'z' | b'A'..=b'Z' | b'_' => return Some(self.word()),
                // A number's suffix or exponent is part of it (`1u8`, `0x_ff`, `1e10`);
                // a `.` is not, so `x.0.await` keeps its `await`.
                b'0'..=b'9' => {
                    self.pos = self.ident_end(start);
                    Token::Other
                }
                b'"' => {
                    self.pos = self.string(start + 1);
                    self.suffix();
                    Token::Other
                }
                b'\'' => {
                    self.quote();
                    Token::Other
                }
                b'!' => {
                    self.pos += 1;
                    if self.byte(self.pos) == b'=' {
                        Token::Other
                    } else {
                        Token::Bang
                    }
                }
                b';' | b'<' | b'{' | b'(' | b')' => {
                    self.pos += 1;
                    match c {
                        b';' => Token::Semi,
                        b'<' => Token::Lt,
                        b'{' => Token::OpenBrace,
                        b'(' => Token::OpenParen,
                        _ => Token::CloseParen,
                    }
                }
                _ if c < 0x80 => {
                    self.pos += 1;
                    // No Rust token has a control character, a backquote or a
                    // backslash outside a literal: the parser reports it.
                    if c < 0x20 || c == 0x7f || c == b'`' || c == b'\\' {
                        self.unsure = true;
                    }
                    Token::Punct(c)
                }
                _ => match self.char_at(start) {
                    Some(ch) if is_ident_start(ch) => return Some(self.word()),
                    ch => {
                        // Nor a character that cannot start an identifier.
                        self.unsure = true;
                        self.pos += ch.map_or(1, char::len_utf8);
                        Token::Other
                    }
                },
            };
            return Some(token);
        }
    }

    /// At an identifier's start: the identifier, or the literal it prefixes (`b'x'`,
    /// `b"…"`, `c"…"`, `r"…"`, `br#"…"#`, `cr"…"`) or the raw identifier `r#name`.
    fn word(&mut self) -> Token<'t> {
        let start = self.pos;
        self.pos = self.ident_end(start);
        let word = self.slice(start, self.pos);
        match (word, self.byte(self.pos)) {
            ("b", b'\'') => self.pos = self.quoted(self.pos + 1),
            ("b" | "c", b'"') => self.pos = self.string(self.pos + 1),
            ("r" | "br" | "cr", b'"' | b'#') => return self.raw(start),
            _ => return Token::Ident(word),
        }
        self.suffix();
        Token::Other
    }

    /// Past `r`, `br` or `cr` at `start`, at a `"` or `#`: a raw string, or the raw
    /// identifier `r#name`.
    fn raw(&mut self, start: usize) -> Token<'t> {
        let hashes = self.bytes[self.pos..]
            .iter()
            .take_while(|&&c| c == b'#')
            .count();
        let open = self.pos + hashes;
        if self.byte(open) == b'"' {
            self.pos = self.raw_string(open + 1, hashes);
            self.suffix();
            return Token::Other;
        }
        if hashes == 1 && self.pos - start == 1 && self.starts_ident(open) {
            self.pos = self.ident_end(open);
            return Token::Ident(self.slice(start, self.pos));
        }
        // `r#` followed by neither a quote nor an identifier is no token rustc accepts.
        self.unsure = true;
        self.pos = open;
        Token::Other
    }

    /// At a `'`: a lifetime or label (`'a`, `'r#a`, `'static`), or a character literal.
    fn quote(&mut self) {
        let start = self.pos + 1;
        let Some(first) = self.char_at(start) else {
            self.unsure = true;
            self.pos = start;
            return;
        };
        let second = start + first.len_utf8();
        if !is_ident_start(first) && !first.is_ascii_digit() {
            self.pos = self.quoted(start);
            self.suffix();
            return;
        }
        let raw = first == 'r' && self.byte(second) == b'#' && self.starts_ident(second + 1);
        self.pos = self.ident_end(if raw { second + 1 } else { start });
        // A quote after the identifier's characters makes a character literal (`'a'`,
        // or the bad `'ab'`), not a lifetime then a quote.
        if self.byte(self.pos) == b'\'' {
            self.pos += 1;
            self.suffix();
        }
    }

    /// Past a character or byte literal whose contents start at `i`.
    fn quoted(&mut self, mut i: usize) -> usize {
        if let Some(ch) = self.char_at(i) {
            if ch != '\\' && self.byte(i + ch.len_utf8()) == b'\'' {
                return i + ch.len_utf8() + 1;
            }
        }
        // Longer contents are an escape, or an error rustc's lexer stops at the end of
        // the line or at what may start a comment.
        loop {
            match self.bytes.get(i) {
                Some(b'\'') => return i + 1,
                Some(b'/') | None => break,
                Some(b'\n') if self.byte(i + 1) != b'\'' => break,
                Some(b'\\') => i += 2,
                Some(_) => i += 1,
            }
        }
        self.unsure = true;
        i.min(self.bytes.len())
    }

    /// Past a string whose contents start at `i`.
    fn string(&mut self, mut i: usize) -> usize {
        loop {
            match self.bytes.get(i) {
                Some(b'"') => return i + 1,
                Some(b'\\') => i += 2,
                Some(_) => i += 1,
                None => {
                    self.unsure = true;
                    return self.bytes.len();
                }
            }
        }
    }

    /// Past a raw string whose contents start at `i`, closed by `"` and `hashes` `#`.
    fn raw_string(&mut self, mut i: usize, hashes: usize) -> usize {
        while let Some(quote) = self.find(i, b'"') {
            i = quote + 1;
            let closing = self.bytes.get(i..i + hashes);
            if closing.is_some_and(|h| h.iter().all(|&c| c == b'#')) {
                return i + hashes;
            }
        }
        self.unsure = true;
        self.bytes.len()
    }

    /// Past a block comment, which may nest.
    fn block_comment(&mut self) {
        let start = self.pos;
        let mut depth = 0usize;
        let mut i = start;
        loop {
            match (self.bytes.get(i), self.byte(i + 1)) {
                (None, _) => {
                    self.unsure = true;
                    break;
                }
                (Some(b'/'), b'*') => {
                    depth += 1;
                    i += 2;
                }
                (Some(b'*'), b'/') => {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                }
                _ => i += 1,
            }
        }
        self.pos = i;
        self.note_comment(start);
    }

    /// A comment from `start` to `self.pos` may name the tool (`// yieldsafe: allow`).
    fn note_comment(&mut self, start: usize) {
        if !self.comment_names_lint {
            self.comment_names_lint = self.slice(start, self.pos).contains("yieldsafe");
        }
    }

    /// A literal's suffix (`"…"suffix`, rare but lexically allowed) is part of it.
    fn suffix(&mut self) {
        if self.starts_ident(self.pos) {
            self.pos = self.ident_end(self.pos);
        }
    }

    /// Past the identifier characters from `i`.
    fn ident_end(&self, mut i: usize) -> usize {
        loop {
            match self.bytes.get(i) {
                Some(&c) if IDENT_ASCII[usize::from(c)] => i += 1,
                Some(c) if *c >= 0x80 => match self.char_at(i) {
                    Some(ch) if ch.is_alphanumeric() => i += ch.len_utf8(),
                    _ => return i,
                },
                _ => return i,
            }
        }
    }

    fn starts_ident(&self, i: usize) -> bool {
        self.char_at(i).is_some_and(is_ident_start)
    }

    /// The byte at `i`, or 0 (which nothing looks for) past the end.
    fn byte(&self, i: usize) -> u8 {
        self.bytes.get(i).copied().unwrap_or(0)
    }

    /// The char starting at `i`, if one does.
    fn char_at(&self, i: usize) -> Option<char> {
        self.text.get(i..)?.chars().next()
    }

    /// Where the next `byte` (ASCII) is from `from`, a char boundary.
    fn find(&self, from: usize, byte: u8) -> Option<usize> {
        // `str::find` of a char searches a word at a time: comments and raw strings
        // are long.
        let at = self.text.get(from..)?.find(char::from(byte))?;
        Some(from + at)
    }

    fn slice(&self, start: usize, end: usize) -> &'t str {
        self.text
            .get(start..end)
            .expect("tokens and comments start and end at char boundaries")
    }
}

fn is_ident_start(c: char) -> bool {
    c == '_' || c.is_alphabetic()
}

/// Reads the tokens in order into `Facts`.
#[derive(Default)]
struct Collector<'t> {
    /// The flags; the lists are filled by `finish`.
    facts: Facts,
    macro_calls: Vec<&'t str>,
    types: Vec<&'t str>,
    fns: Vec<&'t str>,
    free_fns: Vec<&'t str>,
    /// For each `{` not closed yet: whether it opened an impl's or a trait's body.
    blocks: Vec<bool>,
    /// Between `trait` and the `{` or `;` that ends its header.
    in_trait: bool,
    traits: Vec<&'t str>,
    use_names: Vec<&'t str>,
    impl_names: Vec<&'t str>,
    macros: Vec<&'t str>,
    statics: Vec<&'t str>,
    aliases: Vec<&'t str>,
    /// The previous token, when it was an identifier.
    prev: Option<&'t str>,
    /// The previous token was a `.`.
    after_dot: bool,
    /// What the previous tokens (`fn`, `struct`, `macro_rules !`…) say the next
    /// identifier declares.
    declares: Option<Declared>,
    /// Between `pub use` and the `;` that ends it.
    in_use: bool,
    /// Between `impl` and the `{` or `;` that ends its header.
    in_impl: bool,
    /// Right after a visibility (`pub`, `pub(crate)`, `pub(in path)`).
    after_pub: bool,
    /// Inside a visibility's parentheses.
    in_visibility: bool,
    modules: Modules<'t>,
}

/// Follows module declarations: `#[path = ".."]`, `mod name;` and `mod name { .. }`.
#[derive(Default)]
struct Modules<'t> {
    /// For each `{` not closed yet: the inline module it opens, if any.
    blocks: Vec<Option<&'t str>>,
    /// After `mod` (`Some(None)`) and its name (`Some(Some(name))`).
    declaring: Option<Option<&'t str>>,
    /// How far into `[path = "…"]` the last tokens are (0: not in one).
    attr_state: u8,
    attr_value: Option<&'t str>,
    /// A complete `#[path = "…"]` waiting for its `mod`.
    path: Option<&'t str>,
    decls: Vec<ModDecl>,
}

impl<'t> Modules<'t> {
    fn note(&mut self, token: Token<'t>, string: Option<&'t str>) {
        let declaring = self.declaring.take();
        let attr_state = std::mem::take(&mut self.attr_state);
        match token {
            Token::Ident("mod") => self.declaring = Some(None),
            Token::Ident(name) if declaring == Some(None) => self.declaring = Some(Some(name)),
            Token::Ident("path") if attr_state == 1 => self.attr_state = 2,
            Token::Punct(b'=') if attr_state == 2 => self.attr_state = 3,
            Token::Other if attr_state == 3 && string.is_some() => {
                self.attr_state = 4;
                self.attr_value = string;
            }
            Token::Punct(b']') if attr_state == 4 => self.path = self.attr_value.take(),
            Token::Punct(b'[') => self.attr_state = 1,
            Token::Semi => {
                if let Some(Some(name)) = declaring {
                    self.decls.push(ModDecl {
                        inline: self
                            .blocks
                            .iter()
                            .flatten()
                            .map(|s| s.to_string())
                            .collect(),
                        name: name.to_string(),
                        path: self.path.map(str::to_string),
                    });
                }
                self.path = None;
            }
            Token::OpenBrace => {
                self.blocks.push(declaring.flatten());
                self.path = None;
            }
            Token::Punct(b'}') => {
                self.blocks.pop();
                self.path = None;
            }
            _ => {}
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Declared {
    Type,
    Fn,
    Trait,
    Macro,
    Static,
    Alias,
}

impl<'t> Collector<'t> {
    fn note(&mut self, token: Token<'t>) {
        let prev = self.prev.take();
        let after_dot = std::mem::take(&mut self.after_dot);
        let declares = self.declares.take();
        // Anything inside `pub(..)` keeps the visibility going.
        let after_pub = std::mem::take(&mut self.after_pub) || self.in_visibility;
        match token {
            Token::Ident(name) => {
                match declares {
                    Some(Declared::Type) => self.types.push(name),
                    Some(Declared::Fn) => {
                        self.fns.push(name);
                        if !self.blocks.last().copied().unwrap_or(false) {
                            self.free_fns.push(name);
                        }
                    }
                    Some(Declared::Trait) => self.traits.push(name),
                    Some(Declared::Macro) => self.macros.push(name),
                    Some(Declared::Static) if matches!(name, "mut" | "ref") => {
                        self.declares = Some(Declared::Static);
                    }
                    Some(Declared::Static) => self.statics.push(name),
                    Some(Declared::Alias) => self.aliases.push(name),
                    None => {}
                }
                if self.in_use {
                    self.use_names.push(name);
                }
                if self.in_impl {
                    self.impl_names.push(name);
                }
                // One match per identifier: most are none of these.
                let facts = &mut self.facts;
                match name {
                    "struct" | "enum" | "union" => self.declares = Some(Declared::Type),
                    "fn" => self.declares = Some(Declared::Fn),
                    "static" | "const" => self.declares = Some(Declared::Static),
                    "type" => self.declares = Some(Declared::Alias),
                    "trait" => {
                        self.declares = Some(Declared::Trait);
                        self.in_trait = true;
                    }
                    "use" => self.in_use = after_pub,
                    "impl" => self.in_impl = true,
                    "pub" => self.after_pub = true,
                    "must_not_suspend" => {
                        facts.lint_names = true;
                        facts.mentions_must_not_suspend = true;
                    }
                    "await" | "yield" => facts.yields = true,
                    "async" => facts.has_async = true,
                    "Drop" => facts.mentions_drop = true,
                    "future_not_send"
                    | "self_deadlock"
                    | "recursive_read_lock"
                    | "unfulfilled_lint_expectations"
                    | "yieldsafe" => facts.lint_names = true,
                    _ if after_dot && is_acquisition_method(name) => facts.acquisition_calls += 1,
                    _ if name.starts_with("await_holding") => facts.lint_names = true,
                    _ => {}
                }
                self.prev = Some(name);
            }
            Token::Bang => match prev {
                Some("macro_rules") => self.declares = Some(Declared::Macro),
                Some(name) if !KEYWORDS.contains(&name) => self.macro_calls.push(name),
                _ => {}
            },
            Token::Semi => {
                self.in_use = false;
                self.in_impl = false;
                self.in_trait = false;
            }
            Token::Lt => self.in_use = false,
            Token::OpenBrace => {
                self.blocks.push(self.in_impl || self.in_trait);
                self.in_impl = false;
                self.in_trait = false;
            }
            Token::Punct(b'}') => {
                self.blocks.pop();
            }
            Token::OpenParen => self.in_visibility = after_pub,
            Token::CloseParen => {
                self.after_pub = std::mem::take(&mut self.in_visibility);
            }
            Token::Punct(b'.') => self.after_dot = true,
            Token::Other | Token::Punct(_) => {}
        }
    }

    fn finish(self) -> Facts {
        fn names(mut list: Vec<&str>) -> Vec<String> {
            list.sort_unstable();
            list.dedup();
            list.into_iter().map(str::to_string).collect()
        }
        Facts {
            macro_calls: names(self.macro_calls),
            types: names(self.types),
            fns: names(self.fns),
            free_fns: names(self.free_fns),
            traits: names(self.traits),
            use_names: names(self.use_names),
            impl_names: names(self.impl_names),
            macros: names(self.macros),
            statics: names(self.statics),
            aliases: names(self.aliases),
            mods: self.modules.decls,
            ..self.facts
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `form` hides what it contains and ends where it should: code after it is seen.
    fn hides(form: &str) {
        let facts = scan(&format!("{form} fn after() {{}}"));
        assert!(!facts.yields, "{form}: {facts:?}");
        assert!(!facts.unsure, "{form}: {facts:?}");
        assert_eq!(facts.fns, ["after"], "{form}");
    }

    #[test]
    fn comments_hide_code() {
        for form in [
            "// await\n",
            "/// await\n",
            "//! await\n",
            "/* await */",
            "/** await */",
            "/*! await */",
            "/* a /* nested */ await */",
            "/*/ await */",
            "/**/ /***/ /* * / await */",
        ] {
            hides(form);
        }
    }

    #[test]
    fn strings_hide_code() {
        for form in [
            r#""await""#,
            r#""\" await \\""#,
            r#"b"await""#,
            r#"c"a\"wait""#,
            r#"r"await\""#,
            r##"r#"" await"#"##,
            r###"r##"a "# await"##"###,
            r#"br"await""#,
            r##"br#"await"#"##,
            r#"cr"await""#,
            r##"cr#"a"wait"#"##,
            r#""await"suffix"#,
        ] {
            hides(form);
        }
    }

    #[test]
    fn chars_are_not_lifetimes() {
        // A char taken for a lifetime, or the reverse, would misplace the quotes of
        // the string after it and show its `await`.
        for c in [
            "'a'",
            "'\\n'",
            "'\\''",
            "'\\\\'",
            "'\\u{1F600}'",
            "'é'",
            "'😀'",
            "'\"'",
            "b'x'",
            "b'\\''",
            "b'\"'",
            "'''",
        ] {
            hides(&format!("{c} \"await\""));
        }
        for lifetime in ["'a", "'await", "'static", "'r#await", "'outer: loop {}"] {
            let facts = scan(&format!("fn f(x: &{lifetime} u8) {{ \"'\" }}"));
            assert!(!facts.yields && !facts.unsure, "{lifetime}: {facts:?}");
            assert_eq!(facts.fns, ["f"]);
        }
        let facts = scan("fn f<'a>(x: &'a str) -> &'a str { 'outer: loop { break 'outer x; } }");
        assert_eq!((facts.fns, facts.unsure), (vec!["f".to_string()], false));
        assert!(!scan("&'async T").has_async);
    }

    #[test]
    fn numbers_have_suffixes_not_identifiers() {
        for form in [
            "1await",
            "0x_await",
            "1e10",
            "2.0f64",
            "1_000yield",
            "0b1010_u8",
        ] {
            hides(form);
        }
        assert!(scan("x.0.await").yields);
        assert!(scan("1.await").yields);
    }

    #[test]
    fn raw_identifiers_keep_their_prefix() {
        let facts = scan("fn r#try() {} struct r#Foo; let r#fn = r#await;");
        assert_eq!(facts.fns, ["r#try"]);
        assert_eq!(facts.types, ["r#Foo"]);
        assert!(!facts.yields);
    }

    #[test]
    fn macro_calls() {
        let facts = scan(
            "println!(\"x\"); vec ![1]; m /* c */ !(); if a != b || c!= d {} \
             if !x { return !y } impl !Send for X {} macro_rules! name { () => {} }",
        );
        assert_eq!(facts.macro_calls, ["m", "println", "vec"]);
        assert_eq!(facts.macros, ["name"]);
        assert_eq!(scan("macro_rules ! spaced {}").macros, ["spaced"]);
    }

    #[test]
    fn module_declarations() {
        let facts = scan(
            "mod a; pub(crate) mod b { #[path = \"x/y.rs\"] #[cfg(unix)] pub mod c; \
             fn f() { let path = [1]; } mod d {} } \
             cfg_if! { if #[cfg(unix)] { mod e; } } mod f { mod g { mod h; } } \
             #[path = \"unused.rs\"] struct S; mod i;",
        );
        let decl = |inline: &[&str], name: &str, path: Option<&str>| ModDecl {
            inline: inline.iter().map(|s| s.to_string()).collect(),
            name: name.into(),
            path: path.map(str::to_string),
        };
        assert_eq!(
            facts.mods,
            vec![
                decl(&[], "a", None),
                decl(&["b"], "c", Some("x/y.rs")),
                decl(&[], "e", None),
                decl(&["f", "g"], "h", None),
                decl(&[], "i", None),
            ]
        );
    }

    #[test]
    fn declared_names() {
        let facts = scan(
            "let union = 1; union U { a: u8 } struct S; enum E {} pub trait T {} \
             async fn f() {} fn union() {} x.union(y);",
        );
        assert_eq!(facts.types, ["E", "S", "U"]);
        assert_eq!(facts.traits, ["T"]);
        assert_eq!(facts.fns, ["f", "union"]);
        assert!(facts.has_async);
        let facts = scan("// fn hidden\nconst S: &str = \"struct Hidden\";");
        assert!(facts.fns.is_empty() && facts.types.is_empty());
    }

    #[test]
    fn use_trees() {
        let facts = scan(concat!(
            "use std::{sync::{Arc, Mutex as M}, fmt::{self}}; pub use a::b as _; ",
            "fn x() -> impl Sized + use<'a> { y }",
        ));
        // Only re-exports: the private `use` brings in nothing for other files.
        assert_eq!(facts.use_names, ["_", "a", "as", "b"]);
        let facts = scan(concat!(
            "pub(crate) use x::{Y, Z as W}; pub(in crate::m) use q::R; pub fn f(a: u8) {} ",
            "use private::P; pub struct S(pub u8); use s::T;",
        ));
        assert_eq!(facts.use_names, ["R", "W", "Y", "Z", "as", "q", "x"]);
    }

    #[test]
    fn impl_headers() {
        let facts = scan(
            "impl<T: Clone> Wrapper<T> where T: Send { fn a() {} } \
             impl fmt::Display for Shown { } trait X { fn f() -> impl Sized; } struct After;",
        );
        assert_eq!(
            facts.impl_names,
            ["Clone", "Display", "Send", "Shown", "Sized", "T", "Wrapper", "fmt", "for", "where"]
        );
        assert_eq!(facts.types, ["After"]);
        assert!(!facts.mentions_must_not_suspend);
        let facts = scan(
            "impl S { fn m(&self) {} fn n(&'a mut self) {} fn o(mut self: Box<Self>) {} \
             fn new() -> Self { S } fn g<F: Fn(&u8)>(&self, f: F) {} } fn free(x: u8) {} \
             fn both(self) {} fn both(x: u8) {} fn bare();",
        );
        assert_eq!(
            facts.fns,
            ["bare", "both", "free", "g", "m", "n", "new", "o"]
        );
        assert_eq!(facts.free_fns, ["bare", "both", "free"]);
        let facts = scan(
            "trait T: Sized { fn t(); fn d() {} } mod m { fn inner() { fn nested() {} } } \
             extern \"C\" { fn ext(); } impl X { fn a() { fn in_body() {} } }",
        );
        assert_eq!(facts.free_fns, ["ext", "in_body", "inner", "nested"]);
        assert!(scan("#[must_not_suspend] struct S;").mentions_must_not_suspend);
        let facts = scan(
            "static A: u8 = 0; pub static mut B: u8 = 0; lazy_static! { static ref C: M = m(); } \
             fn f() -> &'static str { \"\" } let g = static || 1;",
        );
        assert_eq!(facts.statics, ["A", "B", "C"]);
        assert_eq!(
            scan("const D: u8 = 1; struct S<const N: usize>;").statics,
            ["D", "N"]
        );
    }

    #[test]
    fn words_that_matter() {
        assert!(scan("#[allow(yieldsafe::await_holding_lock)]").lint_names);
        assert!(scan("#[expect(must_not_suspend)]").lint_names);
        assert!(scan("// yieldsafe: allow(x)\n").lint_names);
        assert!(scan("/* see yieldsafe */").lint_names);
        assert!(!scan("\"yieldsafe await_holding\"").lint_names);
        assert!(scan("impl Drop for X {}").mentions_drop);
        assert!(!scan("\"Drop\"").mentions_drop);
        assert!(scan("gen { yield 1 }").yields);
    }

    #[test]
    fn unfinished_forms_are_unsure() {
        for text in [
            "\"abc",
            "b\"abc\\\"",
            "r#\"abc\"",
            "r##\"abc\"#",
            "'",
            "b'a",
            "'\\u{1F",
            "'\\ab\n",
            "/* /* */",
            "r#$",
            "async fn f( {",
            "fn f() { (] }",
            "fn f() {} }",
            "\0\0",
            "fn f() { `x` }",
            "fn f() { x \\ y }",
            "fn f() { 🦀 }",
        ] {
            assert!(scan(text).unsure, "{text}");
        }
        assert!(!scan("fn f<'a>() -> &'a str { \"x\" } // end").unsure);
    }

    const TRICKY: &[&str] = &[
        "fn f<'a>(x: &'a [u8]) { let c = b'\\''; let s = r##\"a\"#b\"##; /* /* é */ */ }",
        "let s = br#\"\\\"#; 'outer: loop { m !(c\"x\", '\\u{1F600}', '😀', 1.5e-3f32) }",
        "use a::{b as c, d::*}; macro_rules! m { ($x:ident) => { struct $x; } } r#fn",
        "'é' 'ab' '' '\\ //x\n\"\\é\" r###\"## cr#\"x\"# /*/ */",
    ];

    #[test]
    fn never_panics_on_prefixes() {
        for text in TRICKY {
            for (end, _) in text.char_indices() {
                scan(&text[..end]);
                scan(&text[end..]);
            }
        }
    }

    #[test]
    fn never_panics_on_shuffled_pieces() {
        const PIECES: &[&str] = &[
            "'", "\"", "r", "b", "c", "#", "/", "*", "\\", "\n", " ", "a", "é", "😀", "!", "=",
            "1", ".", "u{", "}", "fn", ";", "<", "_",
        ];
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        for _ in 0..20_000 {
            let mut text = String::new();
            for _ in 0..12 {
                // xorshift64: deterministic, no dependency.
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                text.push_str(PIECES[(state % PIECES.len() as u64) as usize]);
            }
            scan(&text);
        }
    }

    /// The identifiers in `tokens`, in order, with the one before each (in the same
    /// group) when that was an identifier too.
    fn idents(tokens: proc_macro2::TokenStream, out: &mut Vec<(Option<String>, String)>) {
        let mut prev = None;
        for tree in tokens {
            let ident = match tree {
                proc_macro2::TokenTree::Group(g) => {
                    idents(g.stream(), out);
                    None
                }
                proc_macro2::TokenTree::Ident(i) => Some(i.to_string()),
                _ => None,
            };
            if let Some(i) = &ident {
                out.push((prev.clone(), i.clone()));
            }
            prev = ident;
        }
    }

    fn rust_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                rust_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    /// Whether `text` parses; if it does, the scan must agree with its tokens.
    fn agrees(path: &std::path::Path, text: &str) -> bool {
        if syn::parse_file(text).is_err() {
            return false;
        }
        let Ok(tokens) = text.parse::<proc_macro2::TokenStream>() else {
            return false;
        };
        let facts = scan(text);
        let mut found = Vec::new();
        idents(tokens, &mut found);
        for (prev, ident) in &found {
            let list = match prev.as_deref() {
                Some("fn") => &facts.fns,
                Some("struct" | "enum") => &facts.types,
                Some("trait") => &facts.traits,
                _ => continue,
            };
            assert!(list.contains(ident), "{}: {ident}", path.display());
        }
        let yields = found.iter().any(|(_, i)| i == "await" || i == "yield");
        assert!(!yields || facts.yields, "{}", path.display());
        true
    }

    /// The scan agrees with a real lexer on the project's own code and fixtures.
    #[test]
    fn agrees_with_proc_macro2() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        for dir in ["src", "tests", "fixtures"] {
            rust_files(&root.join(dir), &mut files);
        }
        let mut checked = 0;
        for path in files {
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            checked += usize::from(agrees(&path, &text));
            proc_macro2::extra::invalidate_current_thread_spans();
        }
        assert!(checked > 10, "only {checked} files checked");
    }
}
