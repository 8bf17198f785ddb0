//! The language server's latency and memory, measured as an editor sees them:
//! `yieldsafe lsp` (the release binary beside this example) is started on a
//! generated crate whose main file has about 3,000 lines of async code, the file is
//! opened, and statements are typed into its fn bodies one keystroke at a time as
//! incremental changes (brackets closed as editors close them, so that every state
//! can be checked). For each change, the time from sending it to receiving the
//! diagnostics published for that version; then the server's memory (RSS from
//! /proc) after every hundredth change. `bench/lsp.sh` builds and runs it.
//!
//! ```sh
//! cargo build --release --bin yieldsafe --example lsp_edits
//! target/release/examples/lsp_edits [--edits 1000] [--lines 3000] [--debounce-ms N] [--whole]
//! ```

#[path = "../tests/lsp_client/mod.rs"]
mod lsp_client;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use lsp_client::{is_publish, uri, Client, TIMEOUT};
use serde_json::{json, Value};

struct Args {
    server: PathBuf,
    edits: usize,
    lines: usize,
    /// `None`: the server's own default.
    debounce_ms: Option<u64>,
    /// Name a lint in a comment of the file, which makes every check whole (no fn
    /// body's findings reused from the last check).
    whole: bool,
}

fn args() -> Args {
    let exe = std::env::current_exe().expect("the example's path");
    let release = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/release/examples");
    let mut args = Args {
        server: release.join("yieldsafe"),
        edits: 1000,
        lines: 3000,
        debounce_ms: None,
        whole: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        if flag == "--whole" {
            args.whole = true;
            continue;
        }
        let value = it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--server" => args.server = PathBuf::from(value),
            "--edits" => args.edits = value.parse().expect("--edits N"),
            "--lines" => args.lines = value.parse().expect("--lines N"),
            "--debounce-ms" => args.debounce_ms = Some(value.parse().expect("--debounce-ms N")),
            other => panic!("unknown flag {other}"),
        }
    }
    // The server runs in the crate's directory: a relative path would not lead to it.
    args.server = std::fs::canonicalize(&args.server).unwrap_or(args.server);
    args
}

/// One async fn of the generated file, about 33 lines: loops, a block scope, a
/// match, closures, awaits, guards of std locks (held across an await in every
/// fifth one) and of a helper from another file.
fn step_fn(i: usize) -> String {
    let held = if i % 5 == 0 {
        "    if total > 3 {\n        let g = m.lock().unwrap();\n        tick().await;\n        total += *g;\n    }\n"
    } else {
        "    if total > 3 {\n        let g = *m.lock().unwrap();\n        tick().await;\n        total += g;\n    }\n"
    };
    format!(
        "pub async fn step_{i}(state: &State, m: &Mutex<u32>) -> u32 {{
    let mut total = 0;
    for k in 0..{loops} {{
        let fresh = fetch(k).await;
        total += fresh;
    }}
    {{
        let mut counts = state.counts.lock().unwrap();
        *counts.entry({i}).or_insert(0) += total;
    }}
    let names = state.names.read().unwrap().len() as u32;
    match total % 3 {{
        0 => tick().await,
        1 => {{
            let v = fetch(names).await;
            total += v;
        }}
        _ => {{}}
    }}
{held}    let double = |x: u32| x * 2 + names;
    total = double(total);
    let n = lock_count(m);
    total += *n;
    drop(n);
    tick().await;
    let cell = state.cell.borrow();
    total += *cell;
    drop(cell);
    total
}}

",
        loops = i % 7 + 1
    )
}

/// A crate: `src/big.rs` of about `lines` lines, and a helper in another file.
fn generate(root: &Path, lines: usize, whole: bool) -> PathBuf {
    let write = |path: &str, text: &str| {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    };
    write(
        "Cargo.toml",
        "[package]\nname = \"bench\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    write("src/lib.rs", "mod big;\nmod helper;\n");
    write(
        "src/helper.rs",
        "use std::sync::{Mutex, MutexGuard};\n\npub fn lock_count(m: &Mutex<u32>) -> MutexGuard<'_, u32> {\n    m.lock().unwrap()\n}\n",
    );
    let mut big = String::from(if whole {
        "// Names a lint, so checked whole: await_holding_lock.\n"
    } else {
        ""
    });
    big.push_str(
        "use std::cell::RefCell;\nuse std::collections::HashMap;\nuse std::sync::{Mutex, RwLock};\n\n\
use crate::helper::lock_count;\n\npub struct State {\n    pub counts: Mutex<HashMap<u32, u32>>,\n    \
pub names: RwLock<Vec<String>>,\n    pub cell: RefCell<u32>,\n}\n\nasync fn tick() {}\n\n\
async fn fetch(k: u32) -> u32 {\n    k + 1\n}\n\n",
    );
    let mut i = 0;
    while big.lines().count() < lines {
        big.push_str(&step_fn(i));
        i += 1;
    }
    write("src/big.rs", &big);
    root.join("src/big.rs")
}

/// What is typed into each fn in turn, at the start of its last line (`total`).
const STATEMENTS: [&str; 3] = [
    "let extra = fetch(total).await + 1;\n    ",
    "let h = m.lock().unwrap();\n    ",
    "total += extra;\n    ",
];

/// The keystrokes: (offset, text inserted), brackets inserted in pairs and the
/// closing one then stepped over, as editors do.
fn keystrokes(text: &str, fn_index: usize, statement: &str) -> Vec<(usize, String)> {
    let marker = "\n    total\n}";
    let at = text
        .match_indices(marker)
        .nth(fn_index)
        .map(|(i, _)| i + 5)
        .expect("the fn is in the text");
    let mut out = Vec::new();
    let mut cursor = at;
    for c in statement.chars() {
        match c {
            '(' => {
                out.push((cursor, "()".to_string()));
                cursor += 1;
            }
            ')' => cursor += 1,
            c => {
                out.push((cursor, c.to_string()));
                cursor += c.len_utf8();
            }
        }
    }
    out
}

fn position(text: &str, offset: usize) -> Value {
    let line = text[..offset].matches('\n').count();
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    json!({ "line": line, "character": text[start..offset].encode_utf16().count() })
}

/// VmRSS and VmHWM of a process, in KiB.
fn memory(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// CPU time (user and system) a process used so far, from /proc.
fn cpu_time(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The fields after the command (in parentheses, which may hold spaces).
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // utime and stime, fields 14 and 15 of the line: the state (field 3) is first here.
    let per_second = 100; // USER_HZ, 100 on Linux
    Duration::from_millis((ticks(11) + ticks(12)) * 1000 / per_second)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// What typing measured.
#[derive(Default)]
struct Measured {
    /// From each change sent to its diagnostics received.
    latencies: Vec<Duration>,
    /// Changes whose diagnostics did not come.
    unpublished: usize,
    /// The fewest and most findings a publish had.
    findings: (usize, usize),
    /// (changes so far, (RSS, peak RSS) in KiB) every 100 changes.
    rss: Vec<(usize, (u64, u64))>,
    /// The server's CPU time over the typing, and the typing's wall time.
    cpu: Duration,
    typed: Duration,
}

/// Type the statements into `text` (open as `document`, at version 1), one
/// keystroke a change, `edits` changes, each waited for.
fn type_statements(
    client: &mut Client,
    document: &str,
    text: &mut String,
    edits: usize,
) -> Measured {
    let fns = text.matches("\n    total\n}").count();
    let cpu_before = cpu_time(client.pid());
    let typing = Instant::now();
    let mut m = Measured {
        findings: (usize::MAX, 0),
        ..Measured::default()
    };
    let mut version = 1;
    for session in 0.. {
        let statement = STATEMENTS[session % STATEMENTS.len()];
        for (at, inserted) in keystrokes(text, session * 7 % fns, statement) {
            if m.latencies.len() + m.unpublished == edits {
                m.cpu = cpu_time(client.pid()).saturating_sub(cpu_before);
                m.typed = typing.elapsed();
                return m;
            }
            version += 1;
            let p = position(text, at);
            let change = json!([{ "range": { "start": p, "end": p }, "text": inserted }]);
            text.insert_str(at, &inserted);
            let sent = Instant::now();
            client.change(document, version, change);
            match client.wait_for(TIMEOUT, |msg| is_publish(msg, document, Some(version))) {
                Some(published) => {
                    m.latencies.push(sent.elapsed());
                    let n = published["params"]["diagnostics"]
                        .as_array()
                        .map_or(0, Vec::len);
                    m.findings = (m.findings.0.min(n), m.findings.1.max(n));
                }
                None => m.unpublished += 1,
            }
            let done = m.latencies.len() + m.unpublished;
            if done % 100 == 0 {
                m.rss.push((done, memory(client.pid())));
            }
        }
    }
    unreachable!("the sessions go on until the edits are made")
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The Markdown of one run.
fn report(
    args: &Args,
    text: &str,
    first: (usize, Duration),
    m: &Measured,
    end: (u64, u64),
) -> String {
    let mut out = String::new();
    let fns = text.matches("\n    total\n}").count();
    let debounce = args
        .debounce_ms
        .map_or("server default (20 ms)".to_string(), |d| format!("{d} ms"));
    let checks = match args.whole {
        true => "whole (the file names a lint)",
        false => "in part where they can be",
    };
    let edits = (m.latencies.len() + m.unpublished).max(1) as f64;
    let _ = writeln!(
        out,
        "file: {} lines, {} bytes, {fns} async fns; {} findings on open ({:.1} ms to the first publish)",
        text.lines().count(),
        text.len(),
        first.0,
        ms(first.1)
    );
    let _ = writeln!(
        out,
        "debounce: {debounce}; checks: {checks}; edits: {} published, {} not",
        m.latencies.len(),
        m.unpublished
    );
    let _ = writeln!(
        out,
        "findings per publish: {} to {}",
        m.findings.0, m.findings.1
    );
    let _ = writeln!(
        out,
        "server CPU time per edit: {:.1} ms ({:.2} s in all over {:.2} s of typing)\n",
        ms(m.cpu) / edits,
        m.cpu.as_secs_f64(),
        m.typed.as_secs_f64()
    );
    let mut sorted = m.latencies.clone();
    sorted.sort();
    let _ = writeln!(
        out,
        "| edits | median (ms) | p90 (ms) | p99 (ms) | max (ms) | min (ms) |"
    );
    let _ = writeln!(out, "|---:|---:|---:|---:|---:|---:|");
    if let (Some(min), Some(max)) = (sorted.first(), sorted.last()) {
        let p = |q| ms(percentile(&sorted, q));
        let (n, median, p90, p99) = (sorted.len(), p(0.5), p(0.9), p(0.99));
        let _ = writeln!(
            out,
            "| {n} | {median:.1} | {p90:.1} | {p99:.1} | {:.1} | {:.1} |\n",
            ms(*max),
            ms(*min)
        );
    }
    let _ = writeln!(out, "| after edits | RSS (MiB) | peak RSS (MiB) |");
    let _ = writeln!(out, "|---:|---:|---:|");
    let rows = m.rss.iter().map(|(n, kib)| (n.to_string(), *kib));
    for (label, (now, peak)) in rows.chain(std::iter::once(("end".to_string(), end))) {
        let mib = |kib: u64| kib as f64 / 1024.0;
        let _ = writeln!(out, "| {label} | {:.1} | {:.1} |", mib(now), mib(peak));
    }
    out
}

fn main() {
    let args = args();
    assert!(
        args.server.is_file(),
        "no server at {} (cargo build --release)",
        args.server.display()
    );
    let root = tempfile::tempdir().expect("a temporary directory");
    let big = generate(root.path(), args.lines, args.whole);
    let mut text = std::fs::read_to_string(&big).expect("read");
    let options = match args.debounce_ms {
        Some(ms) => json!({ "debounceMs": ms }),
        None => json!({}),
    };
    let capabilities = json!({ "general": { "positionEncodings": ["utf-16"] } });
    let mut client = Client::start(&args.server, root.path(), capabilities, options);
    let document = uri(&big);
    let opened = Instant::now();
    client.open(&document, &text);
    let first = (client.diagnostics(&document, 1).len(), opened.elapsed());
    let measured = type_statements(&mut client, &document, &mut text, args.edits);
    let end = memory(client.pid());
    assert!(client.shutdown().success(), "the server shuts down cleanly");
    print!("{}", report(&args, &text, first, &measured, end));
}
