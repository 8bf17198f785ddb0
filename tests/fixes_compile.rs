//! Every fix, handed back to the compiler: each fixture with a fix is fixed three
//! ways (the machine-applicable fixes, as `--fix` does; with the maybe-incorrect ones,
//! as `--fix --unsafe-fixes` does; and each finding's last alternative, so that
//! `drop(g)` is tried too), and each fixed text is compiled with clippy's
//! `await_holding_lock`, `await_holding_refcell_ref` and `future_not_send` (rustc's
//! `Send` check of every `async fn`'s future) and rustc's `must_not_suspend`.
//!
//! Fails on: a fixed text that does not compile; for the machine-applicable set, a
//! fn whose findings were all fixed that clippy or rustc still flags, or whose future
//! was `!Send` and still is; an async block whose findings were all fixed that was
//! `!Send` before and still is (each such block is passed to `fn
//! __ys_assert_send<T: Send>(t: T) -> T`, which makes rustc check it: clippy's
//! `future_not_send` sees only fns); a second `--fix` that would change anything. The figures
//! per fix kind and level are printed (`--nocapture`) for the note.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use serde_json::Value;
use yieldsafe::diagnostic::{Applicability, Diagnostic};
use yieldsafe::edition::Edition;
use yieldsafe::fix::{self, FixSet};
use yieldsafe::source::{SourceFile, Sources};
use yieldsafe::LintLevels;

const FLAGS: &[&str] = &[
    "--crate-type=lib",
    "--crate-name=fixed",
    "--emit=metadata",
    "--error-format=json",
    "-Zcrate-attr=feature(must_not_suspend)",
    "-Wmust_not_suspend",
    "-Wclippy::await_holding_lock",
    "-Wclippy::await_holding_refcell_ref",
    "-Wclippy::future_not_send",
];

/// The lints that say a value is still held, or a future still `!Send`.
const HELD_CODES: &[&str] = &[
    "clippy::await_holding_lock",
    "clippy::await_holding_refcell_ref",
    "must_not_suspend",
];

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Way {
    /// `--fix`.
    Safe,
    /// `--fix --unsafe-fixes`.
    Unsafe,
    /// Each finding's last alternative (`drop(g)` after a block).
    Last,
}

fn check(path: &Path, text: &str, edition: u16) -> (Vec<Diagnostic>, Sources) {
    let file = SourceFile::new(Arc::from(path), Arc::from(text));
    let mut levels = LintLevels::default();
    levels.set("future_not_send", yieldsafe::diagnostic::Level::Warn);
    let e: Edition = edition.to_string().parse().expect("a valid edition");
    let outcome = yieldsafe::check_source(&file, e, &levels);
    let mut sources = Sources::default();
    sources.insert(Arc::from(path), Arc::from(text));
    (outcome.diagnostics, sources)
}

/// The fixed text of one way, and the indices of the diagnostics it fixed.
fn fixed_text(diags: &[Diagnostic], sources: &Sources, way: Way) -> Option<(String, Vec<usize>)> {
    let chosen: Vec<Diagnostic> = diags
        .iter()
        .map(|d| {
            let mut d = d.clone();
            if way == Way::Last {
                d.suggestions.reverse();
                d.suggestions.truncate(1);
                for s in &mut d.suggestions {
                    s.applicability = Applicability::MaybeIncorrect;
                }
            }
            d
        })
        .collect();
    let set = match way {
        Way::Safe => FixSet::MachineApplicable,
        Way::Unsafe | Way::Last => FixSet::WithMaybeIncorrect,
    };
    let plan = fix::plan_set(&chosen, sources, set);
    assert!(plan.problems.is_empty(), "{:?}", plan.problems);
    let file = plan.files.into_iter().next()?;
    // Which diagnostics had a suggestion taken: those whose first takeable edit is in the text.
    let fixed: Vec<usize> = chosen
        .iter()
        .enumerate()
        .filter(|(_, d)| {
            d.suggestions.iter().any(|s| match way {
                Way::Safe => s.applicability == Applicability::MachineApplicable,
                _ => true,
            })
        })
        .map(|(i, _)| i)
        .collect();
    Some((file.fixed, fixed))
}

/// The fns of a text: (start line, end line), in source order.
fn fn_lines(text: &str) -> Vec<(usize, usize)> {
    use syn::spanned::Spanned;
    use syn::visit::Visit;
    struct Fns(Vec<(usize, usize)>);
    impl<'ast> Visit<'ast> for Fns {
        fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
            let s = f.span();
            self.0.push((s.start().line, s.end().line));
            syn::visit::visit_item_fn(self, f);
        }
        fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
            let s = f.span();
            self.0.push((s.start().line, s.end().line));
            syn::visit::visit_impl_item_fn(self, f);
        }
    }
    let file = syn::parse_file(text).expect("the fixed text parses (fix::plan checks it)");
    let mut fns = Fns(Vec::new());
    fns.visit_file(&file);
    fns.0.sort();
    fns.0
}

/// The innermost fn holding `line`.
fn fn_of(fns: &[(usize, usize)], line: usize) -> Option<usize> {
    fns.iter()
        .enumerate()
        .filter(|(_, (s, e))| *s <= line && line <= *e)
        .min_by_key(|(_, (s, e))| e - s)
        .map(|(i, _)| i)
}

struct Compiled {
    errors: Vec<String>,
    /// (line, code) of the held / not-Send lints.
    flagged: Vec<(usize, String)>,
}

fn compile(
    driver: &Path,
    dir: &Path,
    name: &str,
    text: &str,
    fx: &support::Fixture,
    edition: u16,
) -> Compiled {
    let src = dir.join(format!("{name}.rs"));
    std::fs::write(&src, text).expect("the temp dir is writable");
    let out = Command::new(driver)
        .arg(format!("--edition={edition}"))
        .args(FLAGS)
        .args(fx.warn.iter().map(|l| format!("-Wclippy::{l}")))
        .args(support::extern_flags(&fx.externs))
        .arg("-o")
        .arg(dir.join(format!("{name}.rmeta")))
        .arg(&src)
        .env("RUSTC_BOOTSTRAP", "1")
        .env("CLIPPY_CONF_DIR", std::env::temp_dir())
        .env_remove("CARGO_MANIFEST_DIR")
        .env_remove("CLIPPY_ARGS")
        .current_dir(dir)
        .output()
        .expect("clippy-driver runs");
    let mut compiled = Compiled {
        errors: Vec::new(),
        flagged: Vec::new(),
    };
    for line in String::from_utf8_lossy(&out.stderr).lines() {
        let Ok(d) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        let code = d["code"]["code"].as_str().unwrap_or_default().to_string();
        let at = d["spans"]
            .as_array()
            .and_then(|s| s.iter().find(|s| s["is_primary"] == true))
            .and_then(|s| s["line_start"].as_u64())
            .unwrap_or(0) as usize;
        let lint = HELD_CODES.contains(&code.as_str()) || code == "clippy::future_not_send";
        if d["level"].as_str().is_some_and(|l| l.starts_with("error")) && !lint {
            let message = d["message"].as_str().unwrap_or_default();
            if !message.starts_with("aborting due to") {
                compiled
                    .errors
                    .push(d["rendered"].as_str().unwrap_or(message).to_string());
            }
        } else if code == "clippy::future_not_send" {
            compiled
                .flagged
                .extend(held_not_send(&d).into_iter().map(|l| (l, code.clone())));
        } else if lint {
            compiled.flagged.push((at, code));
        }
    }
    compiled
}

/// The lines of the values a `future_not_send` finding names as held across an
/// await whose type is a guard (`has type std::sync::MutexGuard<..> which is not
/// Send`); a reference parameter to a `!Sync` type is another matter.
fn held_not_send(d: &Value) -> Vec<usize> {
    const GUARD_TYPES: &[&str] = &["Guard<", "::Ref<", "::RefMut<", "Entered"];
    let mut lines = Vec::new();
    for child in d["children"].as_array().into_iter().flatten() {
        let message = child["message"].as_str().unwrap_or_default();
        if !message.contains("used across an await") {
            continue;
        }
        for span in child["spans"].as_array().into_iter().flatten() {
            let label = span["label"].as_str().unwrap_or_default();
            if label.contains("has type") && GUARD_TYPES.iter().any(|t| label.contains(t)) {
                lines.extend(span["line_start"].as_u64().map(|l| l as usize));
            }
        }
    }
    lines
}

fn clippy_driver() -> PathBuf {
    let name = format!("clippy-driver{}", std::env::consts::EXE_SUFFIX);
    std::env::var_os("PATH")
        .and_then(|p| {
            std::env::split_paths(&p)
                .map(|d| d.join(&name))
                .find(|c| c.is_file())
        })
        .unwrap_or_else(|| panic!("`{name}` is not on PATH; this test needs it"))
}

#[test]
fn every_fix_compiles_and_the_safe_ones_satisfy_the_compiler() {
    let driver = clippy_driver();
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("fixes_compile");
    std::fs::create_dir_all(&dir).expect("the target dir is writable");
    let fixtures = support::load_all();
    let mut failures = Vec::new();
    // (fixture, line, fix kind, applicability) of every finding, in either edition.
    let mut figures: BTreeSet<(String, usize, String, String)> = BTreeSet::new();
    let mut compiled_any = 0;
    let mut asserted_blocks = 0;
    for (n, fx) in fixtures.iter().enumerate().filter(|(_, f)| f.compile) {
        for &edition in &fx.editions {
            let name = format!("{} ({edition})", fx.path.display());
            let (diags, sources) = check(&fx.path, &fx.text, edition);
            for d in &diags {
                let at = (fx.path.display().to_string(), d.primary.line);
                for s in &d.suggestions {
                    let kind = fix_kind(&s.message);
                    figures.insert((at.0.clone(), at.1, kind, format!("{:?}", s.applicability)));
                }
                if d.suggestions.is_empty() {
                    figures.insert((at.0, at.1, "(help only)".into(), String::new()));
                }
            }
            if diags.iter().all(|d| d.suggestions.is_empty()) {
                continue;
            }
            let original_fns = fn_lines(&fx.text);
            let mut seen: BTreeSet<String> = BTreeSet::new();
            for way in [Way::Safe, Way::Unsafe, Way::Last] {
                let Some((text, fixed)) = fixed_text(&diags, &sources, way) else {
                    continue;
                };
                if !seen.insert(text.clone()) {
                    continue;
                }
                compiled_any += 1;
                let tag = format!("{n}-{edition}-{way:?}");
                let after = compile(&driver, &dir, &tag, &text, fx, edition);
                for e in &after.errors {
                    failures.push(format!(
                        "{name} [{way:?}]: the fixed text does not compile:\n{e}"
                    ));
                }
                if way == Way::Unsafe && after.errors.is_empty() {
                    // `--fix --unsafe-fixes` twice: the second run has nothing to do.
                    let (again, again_sources) = check(&fx.path, &text, edition);
                    let second = fix::plan_set(&again, &again_sources, FixSet::WithMaybeIncorrect);
                    if !second.files.is_empty() {
                        failures.push(format!(
                            "{name}: a second --fix --unsafe-fixes would change the file again"
                        ));
                    }
                }
                if way != Way::Safe || !after.errors.is_empty() {
                    continue;
                }
                failures.extend(safe_fix_failures(
                    &name,
                    fx,
                    edition,
                    &diags,
                    &fixed,
                    &text,
                    &original_fns,
                    &after,
                ));
                let blocks = SendCheck {
                    driver: &driver,
                    dir: &dir,
                    tag: &tag,
                    fx,
                    edition,
                };
                let (stuck, checked) = blocks.still_not_send(&diags, &fixed, &text);
                asserted_blocks += checked;
                failures.extend(stuck.into_iter().map(|line| {
                    format!(
                        "{name}: after the machine-applicable fix, the async block at line {line} of the fixed text is still not `Send`"
                    )
                }));
            }
        }
    }
    let mut counts: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for (_, _, kind, level) in &figures {
        *counts.entry((kind, level)).or_default() += 1;
    }
    let mut table = String::from("fix kind / applicability: findings of the fixtures\n");
    for ((kind, level), count) in &counts {
        table.push_str(&format!("  {kind:<22} {level:<18} {count}\n"));
    }
    eprintln!("{table}fixed texts compiled: {compiled_any}; async blocks asserted `Send` after the fix: {asserted_blocks}");
    assert!(compiled_any > 0, "no fixture has a fix");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// What a machine-applicable fix left wrong: a fn whose findings were all fixed that
/// clippy or rustc still flags, a future that was `!Send` and still is, and a second
/// `--fix` with something to do.
#[allow(clippy::too_many_arguments)]
fn safe_fix_failures(
    name: &str,
    fx: &support::Fixture,
    edition: u16,
    diags: &[Diagnostic],
    fixed: &[usize],
    text: &str,
    original_fns: &[(usize, usize)],
    after: &Compiled,
) -> Vec<String> {
    let mut out = Vec::new();
    let (again, again_sources) = check(&fx.path, text, edition);
    if !fix::plan(&again, &again_sources).files.is_empty() {
        out.push(format!(
            "{name}: a second --fix would change the file again"
        ));
    }
    let fixed_fns = fn_lines(text);
    if fixed_fns.len() != original_fns.len() {
        out.push(format!("{name}: the fix changed the number of fns"));
        return out;
    }
    // The fns whose every finding had a machine-applicable fix.
    let mut fully: BTreeSet<usize> = BTreeSet::new();
    let mut partly: BTreeSet<usize> = BTreeSet::new();
    for (i, d) in diags.iter().enumerate() {
        if let Some(f) = fn_of(original_fns, d.primary.line) {
            if fixed.contains(&i) {
                fully.insert(f);
            } else {
                partly.insert(f);
            }
        }
    }
    let fully: BTreeSet<usize> = fully.difference(&partly).copied().collect();
    for (line, code) in &after.flagged {
        let Some(f) = fn_of(&fixed_fns, *line) else {
            continue;
        };
        if !fully.contains(&f) {
            continue;
        }
        {
            out.push(format!(
                "{name}: after the machine-applicable fix, `{code}` still flags line {line} of the fixed text:\n{}",
                text.lines().nth(line - 1).unwrap_or("")
            ));
        }
    }
    // Nothing yieldsafe reports is left in a fully fixed fn either.
    for d in &again {
        if fn_of(&fixed_fns, d.primary.line).is_some_and(|f| fully.contains(&f)) {
            out.push(format!(
                "{name}: after the fix yieldsafe still reports line {}: {}",
                d.primary.line, d.message
            ));
        }
    }
    out
}

/// A suggestion's kind, from the first words of its message.
fn fix_kind(message: &str) -> String {
    const KINDS: &[(&str, &str)] = &[
        ("end `", "block scope"),
        ("drop `", "drop"),
        ("move the await out", "end critical section"),
        ("compute the value", "hoist temporary"),
        ("bind the head", "bind scrutinee"),
        ("await first", "await first"),
        ("bind the head", "bind scrutinee"),
    ];
    KINDS
        .iter()
        .find(|(p, _)| message.starts_with(p))
        .map_or_else(|| format!("other: {message}"), |(_, k)| (*k).to_string())
}

/// The `Send` assertion of async blocks: rustc checks a block only where it is
/// required to be `Send`, so each block to check is passed to a fn that requires it.
struct SendCheck<'a> {
    driver: &'a Path,
    dir: &'a Path,
    tag: &'a str,
    fx: &'a support::Fixture,
    edition: u16,
}

const ASSERT_SEND: &str = "__ys_assert_send";

impl SendCheck<'_> {
    /// The async blocks (by source order) that were not `Send` in the fixture, whose
    /// findings the fixed text fixed all of, and which are still not `Send` in it: the
    /// lines of those blocks in the fixed text; and how many blocks were checked.
    fn still_not_send(
        &self,
        diags: &[Diagnostic],
        fixed: &[usize],
        text: &str,
    ) -> (Vec<usize>, usize) {
        let before = async_blocks(&self.fx.text);
        let after = async_blocks(text);
        if before.is_empty() || before.len() != after.len() {
            return (Vec::new(), 0);
        }
        // The blocks holding a finding, each fully fixed.
        let mut fully: BTreeSet<usize> = BTreeSet::new();
        let mut partly: BTreeSet<usize> = BTreeSet::new();
        for (i, d) in diags.iter().enumerate() {
            if let Some(b) = innermost(&before, d.primary.line) {
                if fixed.contains(&i) {
                    fully.insert(b);
                } else {
                    partly.insert(b);
                }
            }
        }
        let candidates: Vec<usize> = fully.difference(&partly).copied().collect();
        if candidates.is_empty() {
            return (Vec::new(), 0);
        }
        let not_send_before = self.not_send(&self.fx.text, &before, &candidates, "before");
        if not_send_before.is_empty() {
            return (Vec::new(), 0);
        }
        let still = self.not_send(text, &after, &not_send_before, "after");
        (
            still.iter().map(|&b| after[b].lines.0).collect(),
            not_send_before.len(),
        )
    }

    /// Which of the blocks `which` rustc finds not `Send` in `text`.
    fn not_send(
        &self,
        text: &str,
        blocks: &[AsyncBlock],
        which: &[usize],
        when: &str,
    ) -> Vec<usize> {
        let mut inserts: Vec<(usize, &str)> = Vec::new();
        for &b in which {
            inserts.push((blocks[b].bytes.0, "__ys_assert_send("));
            inserts.push((blocks[b].bytes.1, ")"));
        }
        inserts.sort_by_key(|i| std::cmp::Reverse(i.0));
        let mut wrapped = text.to_string();
        for (at, s) in inserts {
            wrapped.insert_str(at, s);
        }
        wrapped.push_str(&format!(
            "\n#[allow(dead_code)]\nfn {ASSERT_SEND}<T: Send>(t: T) -> T {{\n    t\n}}\n"
        ));
        let name = format!("{}-send-{when}", self.tag);
        let compiled = compile(
            self.driver,
            self.dir,
            &name,
            &wrapped,
            self.fx,
            self.edition,
        );
        let wrapped_blocks = async_blocks(&wrapped);
        let mut out = BTreeSet::new();
        for e in &compiled.errors {
            if !e.contains("cannot be sent between threads safely") {
                continue;
            }
            // The first `--> file:line:col` of the rendered error is its primary span.
            let line = e
                .lines()
                .find_map(|l| l.trim_start().strip_prefix("--> "))
                .and_then(|at| at.rsplit(':').nth(1))
                .and_then(|l| l.parse::<usize>().ok());
            if let Some(b) = line.and_then(|l| innermost(&wrapped_blocks, l)) {
                out.insert(b);
            }
        }
        out.into_iter().filter(|b| which.contains(b)).collect()
    }
}

struct AsyncBlock {
    /// From `async` to the block's closing brace, in bytes.
    bytes: (usize, usize),
    /// The first and last line.
    lines: (usize, usize),
}

/// The async blocks of a text, in source order.
fn async_blocks(text: &str) -> Vec<AsyncBlock> {
    use syn::visit::Visit;
    struct Blocks<'t> {
        text: &'t str,
        out: Vec<AsyncBlock>,
    }
    impl<'ast> Visit<'ast> for Blocks<'_> {
        fn visit_expr_async(&mut self, a: &'ast syn::ExprAsync) {
            let start = a.async_token.span.start();
            let end = a.block.brace_token.span.close().end();
            self.out.push(AsyncBlock {
                bytes: (byte_at(self.text, start), byte_at(self.text, end)),
                lines: (start.line, end.line),
            });
            syn::visit::visit_expr_async(self, a);
        }
    }
    let Ok(file) = syn::parse_file(text) else {
        return Vec::new();
    };
    let mut b = Blocks {
        text,
        out: Vec::new(),
    };
    b.visit_file(&file);
    b.out.sort_by_key(|b| b.bytes);
    b.out
}

/// The byte offset of a line and (character) column.
fn byte_at(text: &str, at: proc_macro2::LineColumn) -> usize {
    let line_start: usize = text
        .split_inclusive('\n')
        .take(at.line - 1)
        .map(str::len)
        .sum();
    let line = &text[line_start..];
    line_start
        + line
            .char_indices()
            .nth(at.column)
            .map_or(line.len(), |(i, _)| i)
}

/// The innermost block holding `line`.
fn innermost(blocks: &[AsyncBlock], line: usize) -> Option<usize> {
    blocks
        .iter()
        .enumerate()
        .filter(|(_, b)| b.lines.0 <= line && line <= b.lines.1)
        .min_by_key(|(_, b)| b.lines.1 - b.lines.0)
        .map(|(i, _)| i)
}
