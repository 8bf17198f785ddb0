//! The renderers on hand-built diagnostics: human and short output are snapshots, JSON
//! is parsed back and checked field by field, and no span, however wrong, panics.

use std::path::Path;
use std::sync::Arc;

use yieldsafe::diagnostic::{
    Applicability, Diagnostic, Edit, Label, LabelKind, Level, Problem, Span, Suggestion, YieldKind,
    YieldPoint,
};
use yieldsafe::render::{render, render_problem, Format, SCHEMA_VERSION};
use yieldsafe::source::{SourceFile, Sources};

const CACHE_RS: &str = "\
use std::collections::HashMap;
use std::sync::Mutex;

pub struct Cache {
    entries: Mutex<HashMap<Key, Value>>,
}

async fn fetch(key: Key) -> Result<Value, Error> {
    todo!()
}

impl Cache {
async fn refresh(&self, key: Key) -> Result<(), Error> {
    let guard = self.entries.lock().unwrap();
    let fresh = fetch(key).await?;
    guard.insert(key, fresh);
    notify(&guard).await;
}
";

const HAZARD_NOTE: &str =
    "a blocking lock held across an await can deadlock the executor and makes the future `!Send`";
const DEFAULT_NOTE: &str = "`#[warn(clippy::await_holding_lock)]` on by default";

/// A source file for `path` with `text`, registered in `sources`.
fn file(sources: &mut Sources, path: &str, text: &str) -> SourceFile {
    let path: Arc<Path> = Arc::from(Path::new(path));
    let text: Arc<str> = Arc::from(text);
    sources.insert(path.clone(), text.clone());
    SourceFile::new(path, text)
}

/// The span of the `nth` (0-based) occurrence of `needle`.
fn find(file: &SourceFile, needle: &str, nth: usize) -> Span {
    let (start, _) = file
        .text
        .match_indices(needle)
        .nth(nth)
        .unwrap_or_else(|| panic!("`{needle}` #{nth} not in the text"));
    file.span(start, start + needle.len())
}

/// The span of `needle` inside the `nth` line that contains `line_with`.
fn find_in_line(file: &SourceFile, line_with: &str, needle: &str) -> Span {
    let line = find(file, line_with, 0);
    let offset = line_with.find(needle).expect("needle in line");
    file.span(
        line.byte_start + offset,
        line.byte_start + offset + needle.len(),
    )
}

fn diagnostic(message: &str, primary: Span, primary_label: &str) -> Diagnostic {
    Diagnostic {
        lint: "await_holding_lock",
        level: Level::Warn,
        message: message.to_owned(),
        primary,
        primary_label: primary_label.to_owned(),
        labels: Vec::new(),
        yield_points: Vec::new(),
        notes: Vec::new(),
        help: Vec::new(),
        suggestions: Vec::new(),
        item: None,
    }
}

/// Label `await_span` as an await `value` (already quoted as it should read) is held across.
fn held_across(d: &mut Diagnostic, await_span: Span, value: &str) {
    d.labels.push(Label {
        span: await_span.clone(),
        message: format!("await occurs here, with {value} still held"),
        kind: LabelKind::YieldPoint,
    });
    d.yield_points.push(YieldPoint {
        span: await_span,
        kind: YieldKind::Await,
    });
}

/// Label the first character of `span` (a closing brace) as where `value` is dropped.
fn dropped_at(d: &mut Diagnostic, file: &SourceFile, span: Span, value: &str) {
    d.labels.push(Label {
        span: file.span(span.byte_start, span.byte_start + 1),
        message: format!("`{value}` is dropped here"),
        kind: LabelKind::Dropped,
    });
}

fn output(format: Format, diagnostics: &[Diagnostic], sources: &Sources, color: bool) -> String {
    let mut out = Vec::new();
    render(format, diagnostics, sources, color, &mut out).expect("writing to a Vec");
    String::from_utf8(out).expect("renderers write UTF-8")
}

fn human(diagnostics: &[Diagnostic], sources: &Sources) -> String {
    output(Format::Human, diagnostics, sources, false)
}

fn short(diagnostics: &[Diagnostic], sources: &Sources) -> String {
    output(Format::Short, diagnostics, sources, false)
}

/// The guard of `refresh` held across its two awaits, dropped at the closing brace.
fn guard_across_two_awaits(sources: &mut Sources) -> (SourceFile, Diagnostic) {
    let cache = file(sources, "src/cache.rs", CACHE_RS);
    let mut d = diagnostic(
        "`guard` (a `std::sync::MutexGuard`) is held across an await point",
        find(&cache, "guard", 0),
        "held from here",
    );
    held_across(&mut d, find(&cache, "await", 0), "`guard`");
    held_across(&mut d, find(&cache, "await", 1), "`guard`");
    dropped_at(&mut d, &cache, find(&cache, "}\n", 2), "guard");
    d.notes.push(HAZARD_NOTE.to_owned());
    d.help.push("re-acquire the lock after the await, or use an async-aware lock such as `tokio::sync::Mutex`".to_owned());
    d.notes.push(DEFAULT_NOTE.to_owned());
    (cache, d)
}

#[test]
fn design_sample_is_reproduced() {
    let mut sources = Sources::default();
    let text = CACHE_RS.replace("    notify(&guard).await;\n", "");
    let cache = file(&mut sources, "src/cache.rs", &text);
    let mut d = diagnostic(
        "`guard` (a `std::sync::MutexGuard`) is held across an await point",
        find(&cache, "guard", 0),
        "held from here",
    );
    held_across(&mut d, find(&cache, "await", 0), "`guard`");
    dropped_at(&mut d, &cache, find(&cache, "}\n", 2), "guard");
    d.notes.push(HAZARD_NOTE.to_owned());
    // The frame, gutter widths and labels exactly as DESIGN.md shows them.
    let expected = "\
warning: `guard` (a `std::sync::MutexGuard`) is held across an await point
  --> src/cache.rs:14:9
   |
14 |     let guard = self.entries.lock().unwrap();
   |         ^^^^^ held from here
15 |     let fresh = fetch(key).await?;
   |                            ----- await occurs here, with `guard` still held
16 |     guard.insert(key, fresh);
17 | }
   | - `guard` is dropped here
   |
   = note: a blocking lock held across an await can deadlock the executor and makes the future `!Send`

";
    assert_eq!(human(&[d], &sources), expected);
}

#[test]
fn binding_held_across_two_awaits() {
    let mut sources = Sources::default();
    let (_, d) = guard_across_two_awaits(&mut sources);
    insta::assert_snapshot!(
        "two_awaits_human",
        human(std::slice::from_ref(&d), &sources)
    );
    insta::assert_snapshot!("two_awaits_short", short(&[d], &sources));
}

#[test]
fn temporary_held_through_a_match() {
    let mut sources = Sources::default();
    let text = "\
async fn lookup(state: &State, key: u32) {
    match state.index.read().unwrap().get(&key) {
        Some(id) => send(*id).await,
        None => {}
    }
}
";
    let state = file(&mut sources, "src/state.rs", text);
    let mut d = diagnostic(
        "a `std::sync::RwLockReadGuard` temporary is held across an await point",
        find(&state, "state.index.read().unwrap()", 0),
        "this temporary lives until the end of the `match`",
    );
    held_across(&mut d, find(&state, "await", 0), "the temporary");
    d.labels.push(Label {
        span: find(&state, "}\n}", 0).clone(),
        message: "the temporary is dropped here".to_owned(),
        kind: LabelKind::Dropped,
    });
    // Point at the `match`'s closing brace only, not the function's.
    let last = d.labels.last_mut().expect("just pushed");
    last.span = state.span(last.span.byte_start, last.span.byte_start + 1);
    d.notes.push(
        "the scrutinee of a `match` lives until the end of the `match`, so the guard is held in every arm".to_owned(),
    );
    d.suggestions.push(Suggestion {
        message: "bind the looked-up value to a local before the `match`".to_owned(),
        applicability: Applicability::HasPlaceholders,
        edits: Vec::new(),
    });
    insta::assert_snapshot!("temporary_human", human(std::slice::from_ref(&d), &sources));
    insta::assert_snapshot!("temporary_short", short(&[d], &sources));
}

#[test]
fn columns_count_characters_not_bytes() {
    let mut sources = Sources::default();
    let text = "\
async fn café(m: &Mutex<String>) {
    let naïve = \"résumé → ok\"; let g = m.lock().unwrap();
    tick().await;
}
";
    let cafe = file(&mut sources, "src/café.rs", text);
    let g = find(&cafe, "g =", 0);
    let g = cafe.span(g.byte_start, g.byte_start + 1);
    assert_eq!((g.line, g.column), (2, 36), "the span counts characters");
    let mut d = diagnostic(
        "`g` (a `std::sync::MutexGuard`) is held across an await point",
        g,
        "held from here",
    );
    held_across(&mut d, find(&cafe, "await", 0), "`g`");
    dropped_at(&mut d, &cafe, find(&cafe, "}\n", 0), "g");

    let short = short(std::slice::from_ref(&d), &sources);
    assert!(short.starts_with("src/café.rs:2:36: warning: "), "{short}");
    let human = human(&[d], &sources);
    assert!(human.contains("\n --> src/café.rs:2:36\n"), "{human}");
    // The caret sits under `g` on screen: one column per character here.
    let line = human
        .lines()
        .find(|l| l.contains("held from here"))
        .expect("primary label");
    let source = human
        .lines()
        .find(|l| l.contains("let naïve"))
        .expect("source line");
    let caret = line.chars().position(|c| c == '^').expect("caret");
    assert_eq!(source.chars().nth(caret), Some('g'), "{human}");
    insta::assert_snapshot!("non_ascii_human", human);
    insta::assert_snapshot!("non_ascii_short", short);
}

#[test]
fn suggestions_show_their_edits() {
    let mut sources = Sources::default();
    let (cache, mut d) = guard_across_two_awaits(&mut sources);
    d.notes.clear();
    d.help.clear();
    // A whole line inserted before the first await.
    let await_line = find(&cache, "    let fresh", 0);
    d.suggestions.push(Suggestion {
        message: "release the lock before the await".to_owned(),
        applicability: Applicability::MachineApplicable,
        edits: vec![Edit {
            span: cache.span(await_line.byte_start, await_line.byte_start),
            replacement: "    drop(guard);\n".to_owned(),
        }],
    });
    // Text inserted inside one line.
    let call = find_in_line(&cache, "fetch(key).await", "fetch(key)");
    d.suggestions.push(Suggestion {
        message: "or time the fetch out".to_owned(),
        applicability: Applicability::MaybeIncorrect,
        edits: vec![Edit {
            span: cache.span(call.byte_end, call.byte_end),
            replacement: ".timeout(LIMIT)".to_owned(),
        }],
    });
    // A replacement over several lines, with two edits.
    let let_guard = find(&cache, "    let guard", 0);
    let insert = find(&cache, "    guard.insert(key, fresh);\n", 0);
    d.suggestions.push(Suggestion {
        message: "or use an async-aware lock".to_owned(),
        applicability: Applicability::Unspecified,
        edits: vec![
            Edit {
                span: find(&cache, "self.entries.lock().unwrap()", 0),
                replacement: "self.entries.lock().await".to_owned(),
            },
            Edit {
                span: cache.span(let_guard.byte_start, let_guard.byte_start),
                replacement: "    // tokio::sync::Mutex\n".to_owned(),
            },
            Edit {
                span: cache.span(insert.byte_start, insert.byte_end),
                replacement: String::new(),
            },
        ],
    });
    insta::assert_snapshot!(
        "suggestions_human",
        human(std::slice::from_ref(&d), &sources)
    );
    insta::assert_snapshot!("suggestions_short", short(&[d], &sources));
}

#[test]
fn json_lines_carry_every_field() {
    let mut sources = Sources::default();
    let (cache, mut d) = guard_across_two_awaits(&mut sources);
    let await_line = find(&cache, "    let fresh", 0);
    d.suggestions.push(Suggestion {
        message: "release the lock before the await".to_owned(),
        applicability: Applicability::MachineApplicable,
        edits: vec![Edit {
            span: cache.span(await_line.byte_start, await_line.byte_start),
            replacement: "    drop(guard);\n".to_owned(),
        }],
    });
    let mut refcell = diagnostic(
        "`r` (a `std::cell::RefMut`) is held across an await point",
        find(&cache, "fresh", 0),
        "",
    );
    refcell.lint = "await_holding_refcell_ref";
    refcell.level = Level::Deny;

    let text = output(Format::Json, &[d.clone(), refcell], &sources, true);
    assert!(!text.contains('\x1b'), "JSON is never coloured");
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is one JSON object"))
        .collect();
    assert_eq!(lines.len(), 2);
    assert!(text.ends_with("}\n"));

    let v = &lines[0];
    assert_eq!(v["schema"], SCHEMA_VERSION);
    assert_eq!(v["schema"], 2);
    assert_eq!(v["type"], "finding");
    assert_eq!(v["lint"], "await_holding_lock");
    assert_eq!(v["level"], "warn");
    assert_eq!(v["severity"], "warning");
    assert_eq!(v["message"], d.message.as_str());
    assert_eq!(v["file"], "src/cache.rs", "relative paths stay relative");
    assert_eq!(
        (&v["line"], &v["column"], &v["end_line"], &v["end_column"]),
        (&14.into(), &9.into(), &14.into(), &14.into())
    );
    assert_eq!(v["byte_start"], d.primary.byte_start);
    assert_eq!(v["byte_end"], d.primary.byte_end);
    assert_eq!(v["primary_label"], "held from here");

    let yields = v["yield_points"].as_array().expect("yield_points");
    assert_eq!(yields.len(), 2);
    for (json, point) in yields.iter().zip(&d.yield_points) {
        assert_eq!(json["kind"], "await");
        assert_eq!(json["line"], point.span.line);
        assert_eq!(json["column"], point.span.column);
        assert_eq!(json["end_line"], point.span.end_line);
        assert_eq!(json["end_column"], point.span.end_column);
        assert_eq!(json["byte_start"], point.span.byte_start);
        assert_eq!(json["byte_end"], point.span.byte_end);
    }
    assert_eq!(
        (&yields[0]["line"], &yields[1]["line"]),
        (&15.into(), &17.into())
    );

    let labels = v["labels"].as_array().expect("labels");
    assert_eq!(labels.len(), 3);
    assert_eq!(labels[0]["kind"], "yield_point");
    assert_eq!(
        labels[0]["message"],
        "await occurs here, with `guard` still held"
    );
    assert_eq!(labels[0]["file"], "src/cache.rs");
    assert_eq!(labels[2]["kind"], "dropped");
    assert_eq!(
        (&labels[2]["line"], &labels[2]["column"]),
        (&18.into(), &1.into())
    );

    assert_eq!(v["notes"], serde_json::json!([HAZARD_NOTE, DEFAULT_NOTE]));
    assert_eq!(v["help"].as_array().map(Vec::len), Some(1));

    let suggestion = &v["suggestions"][0];
    assert_eq!(suggestion["message"], "release the lock before the await");
    assert_eq!(suggestion["applicability"], "MachineApplicable");
    let edit = &suggestion["edits"][0];
    assert_eq!(edit["file"], "src/cache.rs");
    assert_eq!(edit["byte_start"], await_line.byte_start);
    assert_eq!(edit["byte_end"], await_line.byte_start);
    assert_eq!((&edit["line"], &edit["column"]), (&15.into(), &1.into()));
    assert_eq!(
        (&edit["end_line"], &edit["end_column"]),
        (&15.into(), &1.into())
    );
    assert_eq!(edit["replacement"], "    drop(guard);\n");

    let w = &lines[1];
    assert_eq!(w["lint"], "await_holding_refcell_ref");
    assert_eq!(w["level"], "deny");
    assert_eq!(w["severity"], "error");
    assert_eq!(w["primary_label"], "");
    assert_eq!(w["yield_points"], serde_json::json!([]));
    assert_eq!(w["suggestions"], serde_json::json!([]));
}

#[test]
fn levels_choose_the_severity_word() {
    let mut sources = Sources::default();
    let (_, mut d) = guard_across_two_awaits(&mut sources);
    d.level = Level::Deny;
    assert!(human(std::slice::from_ref(&d), &sources).starts_with("error: `guard`"));
    assert!(short(std::slice::from_ref(&d), &sources).contains(":14:9: error: `guard`"));
    d.level = Level::Forbid;
    assert!(human(&[d], &sources).starts_with("error: "));
}

#[test]
fn missing_source_text_falls_back_without_a_snippet() {
    let sources = Sources::default();
    let cache = SourceFile::new(Arc::from(Path::new("src/gone.rs")), Arc::from(CACHE_RS));
    let mut d = diagnostic(
        "`guard` (a `std::sync::MutexGuard`) is held across an await point",
        find(&cache, "guard", 0),
        "held from here",
    );
    held_across(&mut d, find(&cache, "await", 0), "`guard`");
    d.notes.push(HAZARD_NOTE.to_owned());
    d.suggestions.push(Suggestion {
        message: "release the lock before the await".to_owned(),
        applicability: Applicability::MachineApplicable,
        edits: vec![Edit {
            span: cache.span(0, 0),
            replacement: "drop(guard);".to_owned(),
        }],
    });
    insta::assert_snapshot!("missing_source_human", human(&[d], &sources));
}

#[test]
fn colour_is_ansi_over_the_same_text() {
    let mut sources = Sources::default();
    let (cache, mut d) = guard_across_two_awaits(&mut sources);
    let await_line = find(&cache, "    let fresh", 0);
    d.suggestions.push(Suggestion {
        message: "release the lock before the await".to_owned(),
        applicability: Applicability::MachineApplicable,
        edits: vec![Edit {
            span: cache.span(await_line.byte_start, await_line.byte_start),
            replacement: "    drop(guard);\n".to_owned(),
        }],
    });
    let diagnostics = [d];
    for format in [Format::Human, Format::Short] {
        let plain = output(format, &diagnostics, &sources, false);
        let colored = output(format, &diagnostics, &sources, true);
        assert!(!plain.contains('\x1b'));
        assert!(colored.contains("\x1b["), "{format:?} has colour");
        assert_eq!(strip_ansi(&colored), plain, "{format:?}");
    }
}

fn strip_ansi(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for c in chars.by_ref() {
                if c == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn problems_read_like_rustc_errors() {
    let with_place = Problem {
        file: Some(Arc::from(Path::new("src/broken.rs"))),
        position: Some((12, 5)),
        message: "expected one of `,` or `}`, found `=>`".to_owned(),
    };
    let file_only = Problem {
        file: Some(Arc::from(Path::new("src/unreadable.rs"))),
        position: None,
        message: "cannot read `src/unreadable.rs`: permission denied".to_owned(),
    };
    let nowhere = Problem {
        file: None,
        position: None,
        message: "no Rust files found under `empty/`".to_owned(),
    };
    let mut out = Vec::new();
    for problem in [&with_place, &file_only, &nowhere] {
        render_problem(problem, false, &mut out).expect("writing to a Vec");
    }
    insta::assert_snapshot!("problems", String::from_utf8(out).expect("UTF-8"));
}

#[test]
fn no_span_makes_a_renderer_panic() {
    let mut sources = Sources::default();
    let text = "é→\r\nfn f() {\n\t\"ü\".await\n}";
    let bad = file(&mut sources, "src/bad.rs", text);
    let path: Arc<Path> = Arc::from(Path::new("src/bad.rs"));
    let offsets = [
        0,
        1,
        2,
        3,
        4,
        5,
        6,
        7,
        13,
        20,
        21,
        22,
        23,
        text.len(),
        text.len() + 7,
        usize::MAX,
    ];
    let raw = |start: usize, end: usize| Span {
        file: path.clone(),
        byte_start: start,
        byte_end: end,
        line: start % 7,
        column: end % 5,
        end_line: 0,
        end_column: usize::MAX,
    };
    let mut diagnostics = Vec::new();
    for &start in &offsets {
        for &end in &offsets {
            let mut d = diagnostic("m", raw(start, end), "p");
            d.labels.push(Label {
                span: raw(end, start),
                message: "l\nwith a line break".to_owned(),
                kind: LabelKind::Other,
            });
            d.suggestions.push(Suggestion {
                message: "s".to_owned(),
                applicability: Applicability::Unspecified,
                edits: vec![
                    Edit {
                        span: raw(start, end),
                        replacement: "x\ny".to_owned(),
                    },
                    Edit {
                        span: raw(end, start),
                        replacement: String::new(),
                    },
                ],
            });
            diagnostics.push(d);
        }
    }
    // Well-formed spans at every offset, too.
    for start in 0..=text.len() {
        let mut d = diagnostic("m", bad.span(start, text.len()), "");
        d.labels.push(Label {
            span: bad.span(0, start),
            message: String::new(),
            kind: LabelKind::Dropped,
        });
        diagnostics.push(d);
    }
    for format in [Format::Human, Format::Short, Format::Json] {
        for color in [false, true] {
            output(format, &diagnostics, &sources, color);
        }
    }
    let empty = file(&mut sources, "src/empty.rs", "");
    let d = diagnostic("m", empty.span(0, 0), "here");
    assert!(human(&[d], &sources).contains("src/empty.rs:1:1"));
}

#[test]
fn distant_lines_and_a_value_over_several_lines() {
    let mut sources = Sources::default();
    let text = "\
async fn drain(queue: &Mutex<Vec<Job>>) {
    let jobs = queue
        .lock()
        .unwrap();
    prepare();
    check();
    log();
    for job in jobs.iter() {
        job.run().await;
    }
}
";
    let queue = file(&mut sources, "src/queue.rs", text);
    let start = find(&queue, "queue\n", 0).byte_start;
    let end = find(&queue, ".unwrap()", 0).byte_end;
    let mut d = diagnostic(
        "`jobs` (a `std::sync::MutexGuard`) is held across an await point",
        find(&queue, "jobs", 0),
        "held from here",
    );
    d.labels.push(Label {
        span: queue.span(start, end),
        message: "the guard is created here".to_owned(),
        kind: LabelKind::Other,
    });
    held_across(&mut d, find(&queue, "await", 0), "`jobs`");
    dropped_at(&mut d, &queue, find(&queue, "}\n", 1), "jobs");
    let human = human(&[d], &sources);
    assert!(
        human.contains("\n...\n"),
        "skipped lines read as rustc's `...`:\n{human}"
    );
    insta::assert_snapshot!("distant_lines_human", human);
}
