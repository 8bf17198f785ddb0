//! Body blanking, on the scan's lexer: the text with the fn bodies that cannot
//! matter to the analysis turned to spaces (every offset and line kept), so that
//! parsing costs less; or, for a file's summary, with every fn body and macro
//! invocation cut out; or, for an editor's buffer that does not parse, with the one
//! fn body that holds the syntax error blanked. `None` where the text cannot be
//! followed (unbalanced delimiters, an unterminated literal): the caller parses the
//! text itself.

use super::scan::{Lexer, Token};

/// `text` with the body of every fn item (free, in impls and traits, nested in
/// modules and blocks) replaced by `{}`, for parsing a file's items without the
/// cost of its code: what emptying the bodies of the parsed file gives, done
/// before lexing. The bodies of fns whose signature says `impl` stay (what a fn
/// returning `impl Trait` returns is read from its body). Comments go too, and the
/// tokens of macro invocations other than `macro_rules!` and `lazy_static!` (a
/// parser does not look into them); attributes stay.
pub fn strip_fn_bodies(text: &str) -> Option<String> {
    Rewriter::new(text, None).run()
}

/// `text` with comments and the inside of every fn body that cannot matter to the
/// analysis turned to spaces (line breaks kept, so every offset and line stays):
/// bodies without `.await`, `yield`, a macro that `awaits(name)`, a yieldsafe lint's
/// name (in code or a comment), a nested item, a method call that takes a lock, or a
/// call of a fn of the file whose body takes one (`self_deadlock`), in fns whose
/// signature has no `impl` (what such a fn returns is read from its body). Parsing the rest costs
/// less, and the analysis finds the same.
pub fn blank_quiet_fn_bodies(text: &str, awaits: &dyn Fn(&str) -> bool) -> Option<String> {
    Rewriter::new(text, Some(awaits)).run()
}

/// `text` with comments and the inside of the fn body that holds byte `at` turned
/// to spaces (line breaks kept), whatever that body holds: a body half typed in an
/// editor, where the parser stopped, so that the rest of the file can still be
/// parsed and checked. `None` if no fn body holds `at`, or the text cannot be
/// followed.
pub fn blank_fn_body_at(text: &str, at: usize) -> Option<String> {
    let no_macro_awaits = |_: &str| false;
    let mut rewriter = Rewriter::new(text, Some(&no_macro_awaits));
    rewriter.target = Target::Broken { at, hit: false };
    rewriter.run()
}

/// What `blank_fn_bodies_except` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllBut {
    pub text: String,
    /// The body kept: where its `{` and its `}` are.
    pub kept: (usize, usize),
    /// Whether the kept body may tell the others something: it may declare items (a
    /// `use`, `fn`, `struct`.. in it), or its fn's signature has `impl` (what the fn
    /// returns is read from its body).
    pub kept_informs_others: bool,
    /// The bodies blanked, as `kept`.
    pub blanked: Vec<(usize, usize)>,
}

/// `text` with comments and every fn body but the one that holds byte `at` turned
/// to spaces, except the bodies that declare items (the file's index reads those),
/// those of fns whose signature has `impl` (what they return is read from the
/// body) and those that take a lock and that the kept body calls (`self_deadlock`): for checking one body, edited, against a file whose other bodies were
/// checked already. `None` if no fn body holds `at`, or the text cannot be followed.
pub fn blank_fn_bodies_except(text: &str, at: usize) -> Option<AllBut> {
    let no_macro_awaits = |_: &str| false;
    let mut rewriter = Rewriter::new(text, Some(&no_macro_awaits));
    rewriter.target = Target::AllBut {
        at,
        kept: None,
        blanked: Vec::new(),
    };
    let (text, target) = rewriter.run_with_target()?;
    let Target::AllBut {
        kept: Some((open, close, informs)),
        blanked,
        ..
    } = target
    else {
        return None;
    };
    Some(AllBut {
        text,
        kept: (open, close),
        kept_informs_others: informs,
        blanked,
    })
}

/// Which fn bodies a pass blanks.
#[derive(Debug)]
enum Target {
    /// The quiet ones (`blank_quiet_fn_bodies`), or all of them cut.
    Quiet,
    /// Only the one that holds byte `at`; `hit` once one did.
    Broken { at: usize, hit: bool },
    /// All but the one that holds byte `at` (`kept`: its braces and whether it may
    /// tell the others something) and those with items or an `impl` signature.
    AllBut {
        at: usize,
        kept: Option<(usize, usize, bool)>,
        blanked: Vec<(usize, usize)>,
    },
}

/// Whether a word in a fn body makes the body matter to the analysis.
fn matters(word: &str) -> bool {
    matches!(
        word,
        "await"
            | "yield"
            | "must_not_suspend"
            | "future_not_send"
            | "self_deadlock"
            | "recursive_read_lock"
            | "unfulfilled_lint_expectations"
            | "yieldsafe"
    ) || word.starts_with("await_holding")
        || is_item_word(word)
}

/// Whether a word in a fn body may declare an item there: items declared in a body
/// are indexed with the file's.
fn is_item_word(word: &str) -> bool {
    matches!(
        word,
        "use"
            | "struct"
            | "enum"
            | "union"
            | "fn"
            | "impl"
            | "static"
            | "const"
            | "macro_rules"
            | "type"
            | "mod"
            | "trait"
            | "extern"
    )
}

/// A token as the body stripping sees it: groups are what their opening delimiter is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Item<'t> {
    Ident(&'t str),
    Bang,
    Punct(u8),
    Literal,
    /// A whole group, once closed, by its opening delimiter.
    Group(u8),
}

impl<'t> Item<'t> {
    fn of(token: Token<'t>) -> Item<'t> {
        match token {
            Token::Ident(w) => Item::Ident(w),
            Token::Bang => Item::Bang,
            Token::Semi => Item::Punct(b';'),
            Token::Lt => Item::Punct(b'<'),
            Token::OpenBrace => Item::Group(b'{'),
            Token::OpenParen => Item::Group(b'('),
            Token::Punct(b'[') => Item::Group(b'['),
            Token::CloseParen => Item::Punct(b')'),
            Token::Punct(c) => Item::Punct(c),
            Token::Other => Item::Literal,
        }
    }
}

/// A group being read, and what its tokens so far say.
struct Frame<'t> {
    open: u8,
    /// A macro's or an attribute's tokens, or a signature's: no fn item starts here.
    verbatim: bool,
    /// Inside a fn item's signature: the depth of `<..>` there.
    signature: Option<i32>,
    /// Where that fn item's `fn` is.
    fn_at: usize,
    /// The last tokens of this group (enough to see what precedes a `fn` or a group).
    recent: Vec<Item<'t>>,
}

impl Frame<'_> {
    fn new(open: u8, verbatim: bool) -> Self {
        Frame {
            open,
            verbatim,
            signature: None,
            fn_at: 0,
            recent: Vec::new(),
        }
    }
}

/// One pass over a text, copying it to `out` with the bodies cut (`awaits` is
/// `None`) or blanked.
struct Rewriter<'t, 'a> {
    text: &'t str,
    lexer: Lexer<'t>,
    awaits: Option<&'a dyn Fn(&str) -> bool>,
    out: String,
    /// How far `text` is copied to `out`.
    copied: usize,
    stack: Vec<Frame<'t>>,
    /// The previous token was a `-` ending here (a `->` if the next starts here).
    minus_end: Option<usize>,
    prev_end: usize,
    target: Target,
    /// The fn bodies read, with the methods they call (`self_deadlock`: a body
    /// that calls a fn whose body takes a lock may hold it already).
    bodies: Vec<BodyCalls<'t>>,
}

/// What a fn body read calls, for `self_deadlock`.
#[derive(Debug)]
struct BodyCalls<'t> {
    /// Where its `{` and its `}` are.
    braces: (usize, usize),
    /// Its fn's name.
    name: Option<&'t str>,
    /// It calls a method that takes a lock.
    acquires: bool,
    /// The methods it calls (`.name`).
    calls: Vec<&'t str>,
    blanked: bool,
}

impl<'t, 'a> Rewriter<'t, 'a> {
    fn new(text: &'t str, awaits: Option<&'a dyn Fn(&str) -> bool>) -> Self {
        let cut = awaits.is_none();
        Rewriter {
            text,
            lexer: Lexer::new(text),
            awaits,
            out: String::with_capacity(if cut { text.len() / 4 } else { text.len() }),
            copied: 0,
            stack: vec![Frame::new(0, false)],
            minus_end: None,
            prev_end: 0,
            target: Target::Quiet,
            bodies: Vec::new(),
        }
    }

    fn cut(&self) -> bool {
        self.awaits.is_none()
    }

    fn run(self) -> Option<String> {
        self.run_with_target().map(|(text, _)| text)
    }

    /// `run`, and what the pass found about its target.
    fn run_with_target(mut self) -> Option<(String, Target)> {
        while let Some(token) = self.lexer.next_token() {
            let (start, end) = (self.lexer.token_start, self.lexer.pos);
            self.comments_before(start);
            self.prev_end = end;
            let arrow = self.minus_end == Some(start);
            self.minus_end = (token == Token::Punct(b'-')).then_some(end);
            self.token(Item::of(token), start, end, arrow)?;
        }
        let missed = matches!(self.target, Target::Broken { hit: false, .. });
        if self.lexer.unsure || self.stack.len() != 1 || missed {
            return None;
        }
        self.out.push_str(&self.text[self.copied..]);
        self.give_back_lock_bodies();
        Some((self.out, self.target))
    }

    /// `self_deadlock` reads more than a body: the bodies of the fns it calls that
    /// take a lock (it may hold that lock already). A blanked body that calls such a
    /// fn is given back (`Quiet`); so is a blanked fn that takes a lock and that the
    /// kept body calls (`AllBut`), and a kept body that takes a lock and that another
    /// calls tells the others something.
    fn give_back_lock_bodies(&mut self) {
        let acquiring: Vec<&str> = self
            .bodies
            .iter()
            .filter(|b| b.acquires)
            .filter_map(|b| b.name)
            .collect();
        if acquiring.is_empty() {
            return;
        }
        let give_back: Vec<(usize, usize)> = match &mut self.target {
            Target::Quiet => self
                .bodies
                .iter()
                .filter(|b| b.blanked && b.calls.iter().any(|c| acquiring.contains(c)))
                .map(|b| b.braces)
                .collect(),
            Target::AllBut {
                kept: Some((open, _, informs)),
                blanked,
                ..
            } => {
                let Some(kept) = self.bodies.iter().find(|b| b.braces.0 == *open) else {
                    return;
                };
                *informs |= kept.acquires
                    && self.bodies.iter().any(|b| {
                        b.braces != kept.braces && kept.name.is_some_and(|n| b.calls.contains(&n))
                    });
                let helpers: Vec<(usize, usize)> = self
                    .bodies
                    .iter()
                    .filter(|b| b.blanked && b.acquires)
                    .filter(|b| b.name.is_some_and(|n| kept.calls.contains(&n)))
                    .map(|b| b.braces)
                    .collect();
                blanked.retain(|b| !helpers.contains(b));
                helpers
            }
            _ => Vec::new(),
        };
        for (open, close) in give_back {
            // Blanking keeps every offset: the body's text goes back in place.
            let from = open + 1;
            self.out.replace_range(from..close, &self.text[from..close]);
        }
    }

    /// Comments, doc comments among them, say nothing a summary or the analysis
    /// reads from the syntax tree (`yieldsafe:` comments are read from the text).
    fn comments_before(&mut self, start: usize) {
        let gap = &self.text.as_bytes()[self.prev_end..start];
        if !gap.contains(&b'/') {
            return;
        }
        self.out.push_str(&self.text[self.copied..self.prev_end]);
        if self.cut() {
            self.out.push(' ');
        } else {
            self.out.extend(gap.iter().map(|&b| blank(b)));
        }
        self.copied = start;
    }

    fn token(&mut self, item: Item<'t>, start: usize, end: usize, arrow: bool) -> Option<()> {
        let cut = self.cut();
        let frame = self.stack.last_mut()?;
        match item {
            Item::Ident("fn")
                if !frame.verbatim && frame.signature.is_none() && starts_item(&frame.recent) =>
            {
                frame.signature = Some(0);
                frame.fn_at = start;
            }
            Item::Punct(c) if frame.signature.is_some() => {
                let depth = frame.signature.as_mut()?;
                match c {
                    b'<' => *depth += 1,
                    b'>' if !arrow => *depth -= 1,
                    b';' if *depth <= 0 => frame.signature = None,
                    _ => {}
                }
            }
            Item::Group(b'{')
                if cut
                    && frame.signature == Some(0)
                    && self.text[frame.fn_at..start].contains("impl") =>
            {
                // What a fn returning `impl Trait` returns is read from its body: it
                // stays, its own nested bodies and macro invocations cut.
                frame.signature = None;
                self.stack.push(Frame::new(b'{', false));
                return Some(());
            }
            Item::Group(open)
                if (open == b'{' && frame.signature == Some(0))
                    || (cut && !frame.verbatim && is_invocation_body(&frame.recent)) =>
            {
                return self.body(open, start, end);
            }
            Item::Group(open) => {
                let verbatim = frame.verbatim
                    || frame.signature.is_some()
                    || is_macro_body(&frame.recent)
                    || is_attribute(&frame.recent);
                self.stack.push(Frame::new(open, verbatim));
                return Some(());
            }
            Item::Punct(close @ (b')' | b']' | b'}')) => return self.close(close),
            _ => {}
        }
        remember(&mut self.stack.last_mut()?.recent, item);
        Some(())
    }

    /// A fn body, or a macro invocation's tokens (whose items no parser sees): to
    /// the closing delimiter; then cut, or (as what its tokens say decides) blanked
    /// or kept.
    fn body(&mut self, open: u8, start: usize, end: usize) -> Option<()> {
        let (text, fn_at) = (self.text, self.stack.last()?.fn_at);
        if self.cut() {
            // What the tokens say matters only to a body that may stay.
            self.read_to_close(|_| {})?;
            let close = self.lexer.token_start;
            // Keep the delimiters only.
            self.out.push_str(&text[self.copied..end]);
            self.copied = close;
        } else {
            let (quiet, items, calls, acquires) = self.quiet_to_close()?;
            let close = self.lexer.token_start;
            let blanked = self.blanks(quiet, items, &text[fn_at..start], (start, close));
            if blanked {
                self.out.push_str(&text[self.copied..end]);
                self.out
                    .extend(text.as_bytes()[end..close].iter().map(|&b| blank(b)));
                self.copied = close;
            }
            if !calls.is_empty() && open == b'{' {
                self.bodies.push(BodyCalls {
                    braces: (start, close),
                    name: fn_name(&text[fn_at..start]),
                    acquires,
                    calls,
                    blanked,
                });
            }
        }
        self.prev_end = self.lexer.pos;
        self.minus_end = None;
        let frame = self.stack.last_mut()?;
        if frame.signature == Some(0) {
            frame.signature = None;
        }
        remember(&mut frame.recent, Item::Group(open));
        Some(())
    }

    /// Whether to blank the fn body whose delimiters are at `body`, after the fn's
    /// `signature`, as the target says: a quiet one whose signature has no `impl`
    /// (what such a fn returns is read from its body), the one that holds the broken
    /// byte, or all but one.
    fn blanks(&mut self, quiet: bool, items: bool, signature: &str, body: (usize, usize)) -> bool {
        let holds = |at: usize| body.0 <= at && at <= body.1;
        match &mut self.target {
            Target::Quiet => quiet && !signature.contains("impl"),
            Target::Broken { at, hit } => {
                let this = holds(*at);
                *hit |= this;
                this
            }
            Target::AllBut { at, kept, blanked } => {
                let informs = items || signature.contains("impl");
                if holds(*at) {
                    *kept = Some((body.0, body.1, informs));
                    false
                } else if informs {
                    false
                } else {
                    blanked.push(body);
                    true
                }
            }
        }
    }

    /// Read to the delimiter closing the group just opened, showing `each` every
    /// token before it.
    fn read_to_close(&mut self, mut each: impl FnMut(Token<'t>)) -> Option<()> {
        let mut depth = 1usize;
        loop {
            let token = self.lexer.next_token()?;
            match token {
                Token::OpenBrace | Token::OpenParen | Token::Punct(b'[') => depth += 1,
                Token::CloseParen | Token::Punct(b'}' | b']') => depth -= 1,
                _ => {}
            }
            if depth == 0 {
                return Some(());
            }
            each(token);
        }
    }

    /// Read to the delimiter closing the group just opened: whether nothing in it
    /// makes it matter to the analysis (a method call that takes a lock does), whether
    /// it may declare items, the methods it calls, and whether one takes a lock.
    fn quiet_to_close(&mut self) -> Option<(bool, bool, Vec<&'t str>, bool)> {
        let lint_comments = std::mem::take(&mut self.lexer.comment_names_lint);
        let mut quiet = true;
        let mut items = false;
        let mut acquires = false;
        let mut calls = Vec::new();
        let mut after_dot = false;
        let mut word = None;
        let awaits = self.awaits;
        self.read_to_close(|token| {
            match token {
                Token::Ident(w) => {
                    quiet &= !matters(w);
                    items |= is_item_word(w);
                    if after_dot {
                        acquires |= super::scan::is_acquisition_method(w);
                        calls.push(w);
                    }
                }
                Token::Bang => quiet &= !(word.zip(awaits).is_some_and(|(w, awaits)| awaits(w))),
                _ => {}
            }
            after_dot = token == Token::Punct(b'.');
            word = match token {
                Token::Ident(w) => Some(w),
                _ => None,
            };
        })?;
        quiet &= !self.lexer.comment_names_lint && !acquires;
        self.lexer.comment_names_lint |= lint_comments;
        Some((quiet, items, calls, acquires))
    }

    /// A closing delimiter: it must close the innermost group.
    fn close(&mut self, close: u8) -> Option<()> {
        let group = self.stack.pop()?;
        let expected = match group.open {
            b'(' => b')',
            b'[' => b']',
            b'{' => b'}',
            _ => return None,
        };
        if close != expected {
            return None;
        }
        remember(&mut self.stack.last_mut()?.recent, Item::Group(group.open));
        Some(())
    }
}

/// The name a fn's signature (from `fn` on) declares.
fn fn_name(signature: &str) -> Option<&str> {
    let rest = signature.strip_prefix("fn")?.trim_start();
    let len = rest
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    (len > 0).then(|| &rest[..len])
}

/// A byte of blanked text: line breaks stay, so lines and offsets do.
fn blank(b: u8) -> char {
    if b == b'\n' || b == b'\r' {
        b as char
    } else {
        ' '
    }
}

/// Keep a group's last tokens, a bounded number of them.
fn remember<'t>(recent: &mut Vec<Item<'t>>, item: Item<'t>) {
    if recent.len() == 32 {
        recent.drain(..16);
    }
    recent.push(item);
}

/// Whether a `fn` after `recent` starts an item (not a `fn(..)` pointer type): only
/// qualifiers and a visibility may stand between it and the end of what came before.
fn starts_item(recent: &[Item]) -> bool {
    let mut i = recent.len();
    while i > 0 {
        match recent[i - 1] {
            Item::Ident("pub" | "const" | "async" | "unsafe" | "extern" | "default" | "safe")
            // The ABI of `extern "C" fn`.
            | Item::Literal => i -= 1,
            // `pub(crate)`
            Item::Group(b'(') if i >= 2 && recent[i - 2] == Item::Ident("pub") => i -= 2,
            _ => break,
        }
    }
    matches!(
        i.checked_sub(1).map(|j| recent[j]),
        None | Some(Item::Punct(b';') | Item::Group(b'{' | b'['))
    )
}

/// Whether a group after `recent` is a macro invocation's body (`m!(..)`,
/// `macro_rules! m {..}`).
fn is_macro_body(recent: &[Item]) -> bool {
    match recent {
        // Not `#![..]`: an inner attribute.
        [.., Item::Ident(_), Item::Bang] => true,
        [.., Item::Ident("macro_rules"), Item::Bang, Item::Ident(_)] => true,
        _ => false,
    }
}

/// Whether a group after `recent` is the tokens of a macro invocation other than
/// `macro_rules!` and `lazy_static!` (whose items a summary reads).
fn is_invocation_body(recent: &[Item]) -> bool {
    is_macro_body(recent)
        && !matches!(
            recent,
            [.., Item::Ident("macro_rules"), Item::Bang, Item::Ident(_)]
                | [.., Item::Ident("lazy_static"), Item::Bang]
        )
}

/// Whether a group after `recent` is an attribute's (`#[..]`, `#![..]`).
fn is_attribute(recent: &[Item]) -> bool {
    matches!(
        recent,
        [.., Item::Punct(b'#')] | [.., Item::Punct(b'#'), Item::Bang]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const HELPERS: &str = "impl S {\n    fn current(&self) -> u32 { *self.m.lock().unwrap() }\n    fn quiet(&self) -> u32 { self.other() }\n    fn caller(&self) { let x = self.current(); }\n    fn unrelated(&self) { let y = 1; }\n}\n";

    #[test]
    fn a_body_that_calls_a_fn_taking_a_lock_is_kept() {
        let out = blank_quiet_fn_bodies(HELPERS, &|_| false).expect("followed");
        // The lock-taking body and its caller stay; the others are blanked.
        assert!(out.contains("*self.m.lock().unwrap()"), "{out}");
        assert!(out.contains("let x = self.current();"), "{out}");
        assert!(!out.contains("self.other()"), "{out}");
        assert!(!out.contains("let y = 1;"), "{out}");
        assert_eq!(out.len(), HELPERS.len());
    }

    #[test]
    fn a_kept_body_keeps_the_lock_taking_fns_it_calls() {
        let at = HELPERS.find("let x").expect("the caller");
        let cut = blank_fn_bodies_except(HELPERS, at).expect("followed");
        assert!(cut.text.contains("*self.m.lock().unwrap()"), "{}", cut.text);
        assert!(!cut.kept_informs_others);
        // `current` is not blanked, so its findings are not taken from the last check.
        let helper = HELPERS.find("{ *self").expect("the helper");
        assert!(cut.blanked.iter().all(|&(open, _)| open != helper));
        assert_eq!(cut.blanked.len(), 2);
        // An edit in `current`, which `caller` calls, may change `caller`'s findings.
        let at = HELPERS.find("*self.m").expect("the helper");
        assert!(
            blank_fn_bodies_except(HELPERS, at)
                .expect("followed")
                .kept_informs_others
        );
    }

    #[test]
    fn blanks_only_the_body_that_holds_the_byte() {
        let text = "fn a() { let x = ; }\nfn b() { g().await; }\n";
        let at = text.find(';').unwrap();
        let out = blank_fn_body_at(text, at).unwrap();
        assert_eq!(out.len(), text.len());
        assert!(out.starts_with("fn a() {"));
        assert!(out.contains("fn b() { g().await; }"));
        assert!(!out.contains("let x"));
        assert!(syn::parse_file(&out).is_ok());
    }

    #[test]
    fn nothing_to_blank_outside_fn_bodies() {
        let text = "struct S { x: }\nfn b() {}\n";
        assert_eq!(blank_fn_body_at(text, text.find('}').unwrap()), None);
        // Unbalanced delimiters cannot be followed.
        assert_eq!(blank_fn_body_at("fn a() { (", 9), None);
    }
}
