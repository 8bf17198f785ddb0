//! Structure-aware: inputs are Rust sources (seeded with `fixtures/`), and a custom
//! mutator edits them the way code changes: lines and tokens spliced in from the
//! fixtures, lines deleted, duplicated, swapped, wrapped in blocks, async blocks,
//! closures or loops, and snippets that matter to the analysis (`.await`, guards,
//! drops, moves, `?`, lint attributes) inserted. One mutation in eight is libFuzzer's
//! own byte-level one.
#![no_main]

use libfuzzer_sys::{fuzz_mutator, fuzz_target, fuzzer_mutate};

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        yieldsafe_fuzz::check(text, yieldsafe_fuzz::edition_of(data));
    }
});

/// Snippets the analysis cares about.
const SNIPPETS: &[&str] = &[
    ".await",
    "yield_now().await;",
    "async {",
    "async move {",
    "}.await;",
    "{",
    "}",
    "(",
    ")",
    ";",
    "?",
    "let g = m.lock().unwrap();",
    "let _g = m.lock();",
    "let r = c.borrow_mut();",
    "let (a, b) = (m.lock().unwrap(), c.borrow());",
    "drop(g);",
    "std::mem::drop(r);",
    "let h = g;",
    "let g = Some(m.lock().unwrap());",
    "match m.lock().unwrap().pop() { Some(x) => x, None => return, }",
    "if let Some(v) = m.lock().unwrap().pop() {",
    "while let Some(v) = c.borrow_mut().pop() {",
    "for x in m.lock().unwrap().iter() {",
    "loop {",
    "'a: loop {",
    "break 'a;",
    "continue;",
    "return;",
    "move || {",
    "async || {",
    "async move |x| {",
    "#[coroutine] || { yield 1; }",
    "yield g;",
    "#[allow(clippy::await_holding_lock)]",
    "#[deny(await_holding_refcell_ref)]",
    "// yieldsafe: allow(await_holding_lock)",
    "use std::sync::Mutex;",
    "use parking_lot::Mutex;",
    "use tokio::sync::Mutex;",
    "use std::cell::RefCell;",
    "async fn f(m: &Mutex<Vec<u32>>, c: &RefCell<Vec<u32>>) {",
    "fn f() -> impl std::ops::Deref<Target = u32> {",
    "impl S { async fn g(&self) {",
    "macro_rules! m { ($e:expr) => { $e.await }; }",
    "tokio::select! { _ = a => {}, _ = b.lock() => {} }",
    "futures::join!(a, b);",
    "let x = &m.lock().unwrap();",
    "let Foo { a, .. } = foo;",
    "g.0",
    "*g += 1;",
    "\u{feff}",
    "\"é\"",
    "r#\"}\"#",
    "/* { */",
];

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::to_string).collect()
}

/// A random line of a random fixture.
fn fixture_line(rng: &mut Rng) -> String {
    let fixtures = yieldsafe_fuzz::fixtures();
    let f = &fixtures[rng.below(fixtures.len())];
    let ls: Vec<&str> = f.lines().collect();
    ls.get(rng.below(ls.len())).unwrap_or(&"").to_string()
}

/// A random whitespace-separated token of a random fixture.
fn fixture_token(rng: &mut Rng) -> String {
    let line = fixture_line(rng);
    let words: Vec<&str> = line.split_whitespace().collect();
    words.get(rng.below(words.len())).unwrap_or(&"").to_string()
}

fn mutate_text(text: &str, rng: &mut Rng) -> String {
    let mut ls = lines(text);
    let n = ls.len();
    let at = rng.below(n + 1);
    match rng.below(11) {
        // A line from a fixture.
        0 => ls.insert(at, fixture_line(rng)),
        // Delete 1–5 lines.
        1 if n > 0 => {
            let start = rng.below(n);
            let end = (start + 1 + rng.below(5)).min(n);
            ls.drain(start..end);
        }
        // Duplicate 1–5 lines.
        2 if n > 0 => {
            let start = rng.below(n);
            let end = (start + 1 + rng.below(5)).min(n);
            let copy: Vec<String> = ls[start..end].to_vec();
            let to = rng.below(ls.len() + 1);
            for (i, l) in copy.into_iter().enumerate() {
                ls.insert(to + i, l);
            }
        }
        // Swap two lines.
        3 if n > 1 => {
            let (a, b) = (rng.below(n), rng.below(n));
            ls.swap(a, b);
        }
        // Wrap lines in an enclosing construct.
        4 if n > 0 => {
            let start = rng.below(n);
            let end = (start + 1 + rng.below(8)).min(n);
            let (open, close) = [
                ("{", "}"),
                ("async {", "}.await;"),
                ("let _ = async move {", "};"),
                ("let c = || {", "}; c();"),
                ("loop {", "break; }"),
                ("if x {", "} else { yield_now().await; }"),
                ("match x { _ => {", "} }"),
                ("#[allow(await_holding_lock)] {", "}"),
            ][rng.below(8)];
            ls.insert(end, close.to_string());
            ls.insert(start, open.to_string());
        }
        // Crossover with a fixture: this text's head, the fixture's tail.
        5 => {
            let fixtures = yieldsafe_fuzz::fixtures();
            let other = lines(&fixtures[rng.below(fixtures.len())]);
            let from = rng.below(other.len() + 1);
            ls.truncate(at);
            ls.extend(other.into_iter().skip(from));
        }
        // A token inside a line: a snippet or a fixture token.
        6 | 7 if n > 0 => {
            let i = rng.below(n);
            let line = &ls[i];
            let bounds: Vec<usize> = (0..=line.len())
                .filter(|&b| line.is_char_boundary(b))
                .collect();
            let b = bounds[rng.below(bounds.len())];
            let token = if rng.below(2) == 0 {
                SNIPPETS[rng.below(SNIPPETS.len())].to_string()
            } else {
                fixture_token(rng)
            };
            ls[i] = format!("{}{}{}", &line[..b], token, &line[b..]);
        }
        // Remove a token from a line.
        8 if n > 0 => {
            let i = rng.below(n);
            let mut words: Vec<&str> = ls[i].split(' ').collect();
            if !words.is_empty() {
                words.remove(rng.below(words.len()));
            }
            ls[i] = words.join(" ");
        }
        // A snippet as a line of its own.
        _ => ls.insert(at, SNIPPETS[rng.below(SNIPPETS.len())].to_string()),
    }
    let mut out = ls.join("\n");
    out.push('\n');
    out
}

fuzz_mutator!(|data: &mut [u8], size: usize, max_size: usize, seed: u32| {
    let mut rng = Rng(u64::from(seed) | 0x9e37_79b9_0000_0000);
    if rng.below(8) == 0 {
        return fuzzer_mutate(data, size, max_size);
    }
    let text = String::from_utf8_lossy(&data[..size]).into_owned();
    let text = if text.trim().is_empty() {
        let fixtures = yieldsafe_fuzz::fixtures();
        fixtures[rng.below(fixtures.len())].clone()
    } else {
        text
    };
    let mut out = mutate_text(&text, &mut rng);
    for _ in 0..rng.below(3) {
        out = mutate_text(&out, &mut rng);
    }
    let mut len = out.len().min(max_size);
    while !out.is_char_boundary(len) {
        len -= 1;
    }
    data[..len].copy_from_slice(&out.as_bytes()[..len]);
    len
});
