//! Hostile input through the binary: garbage, truncated and non-UTF-8 files, 10,000
//! levels of nesting, a 20 MB file, symlink loops and links out of the tree,
//! unreadable and special files, a file that vanishes or changes mid-run, a panic in
//! the analysis, and the inputs the fuzzers found. Each time: exit status 2 where
//! something failed, the finding of every other file still reported, and no panic
//! text on stderr.

use std::fs;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use assert_cmd::Command;

mod tree;
use tree::write;

/// A guard held across an await: one finding, at 4:9.
const HELD: &str = "use std::sync::Mutex;\nasync fn yield_now() {}\npub async fn f(m: &Mutex<u32>) {\n    let g = m.lock().unwrap();\n    yield_now().await;\n}\n";

/// `HELD`'s finding in the short format, after the file's path.
const FINDING: &str = ":4:9: warning: `g` (a `std::sync::MutexGuard`) is held across an await point [await_holding_lock]";

/// Far longer than any of these runs takes: a hang fails the test instead of CI.
const TIMEOUT: Duration = Duration::from_secs(600);

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// A tree holding `good.rs` (one finding), for the hostile files to go beside.
fn tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "good.rs", HELD);
    dir
}

fn yieldsafe(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("yieldsafe").unwrap();
    cmd.current_dir(dir)
        .args(["--color=never", "--format=short"])
        .timeout(TIMEOUT);
    cmd
}

fn run(cmd: &mut Command) -> Run {
    let out = cmd.output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Run on the whole tree (`.`).
fn check_tree(dir: &Path) -> Run {
    run(yieldsafe(dir).arg("."))
}

/// Nothing crashed, and `good.rs` was still checked and reported.
fn assert_survived(r: &Run) {
    for bad in [
        "panicked",
        "RUST_BACKTRACE",
        "stack overflow",
        "thread '",
        "internal error",
    ] {
        assert!(!r.stderr.contains(bad), "`{bad}` on stderr:\n{}", r.stderr);
    }
    assert!(
        r.stdout.contains(&format!("good.rs{FINDING}")),
        "good.rs's finding is missing (exit {}):\n{}\nstderr:\n{}",
        r.code,
        r.stdout,
        r.stderr
    );
}

/// The problem reported about `file` (its `error:` line and the `-->` line after it).
fn problem_about<'a>(r: &'a Run, file: &str) -> Option<(&'a str, &'a str)> {
    let lines: Vec<&str> = r.stderr.lines().collect();
    lines.windows(2).find_map(|w| {
        let at = w[1].trim_start().strip_prefix("--> ")?;
        let path = at.split(':').next()?;
        (path.ends_with(file) && w[0].starts_with("error: ")).then_some((w[0], at))
    })
}

fn assert_problem(r: &Run, file: &str, words: &str) {
    match problem_about(r, file) {
        Some((message, _)) => assert!(
            message.contains(words),
            "the problem about {file} does not say `{words}`: {message}"
        ),
        None => panic!("no problem reported about {file}:\n{}", r.stderr),
    }
}

/// Deterministic pseudo-random numbers (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

fn fixtures() -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    let mut dirs = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")];
    while let Some(dir) = dirs.pop() {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|x| x == "rs") {
                let text = fs::read_to_string(&path).unwrap();
                out.push((path, text));
            }
        }
    }
    out.sort();
    assert!(!out.is_empty());
    out
}

#[test]
fn garbage_bytes_are_reported_and_the_rest_is_checked() {
    let dir = tree();
    let mut rng = Rng(0x5eed);
    let bytes: Vec<u8> = (0..65_536).map(|_| rng.next() as u8).collect();
    write(dir.path(), "garbage.rs", &bytes);
    // Text garbage: valid UTF-8 made of Rust's punctuation, keywords and odd characters.
    let pieces = [
        "{", "}", "(", ")", "[", "]", "<", ">", "'", "\"", "r#\"", "/*", "*/", "//", "\n", "async",
        ".await", "fn", "let", "=>", "::", "é", "\u{feff}", "\u{0}", "\\", "#", "!", "|", "0x",
        "1e", "b'", "'a", "\r", "\t", "ℝ", "🦀",
    ];
    let text: String = (0..20_000)
        .map(|_| pieces[(rng.next() % pieces.len() as u64) as usize])
        .collect();
    write(dir.path(), "text_garbage.rs", &text);
    let r = check_tree(dir.path());
    assert_survived(&r);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_problem(&r, "garbage.rs", "not valid UTF-8");
    assert_problem(&r, "text_garbage.rs", "cannot parse this file");
}

#[test]
fn odd_but_small_files_do_not_upset_anything() {
    let dir = tree();
    write(dir.path(), "empty.rs", "");
    write(dir.path(), "nul.rs", "\0\0\0\0");
    write(dir.path(), "bom_only.rs", "\u{feff}");
    write(
        dir.path(),
        "bom_crlf.rs",
        format!("\u{feff}{}", HELD.replace('\n', "\r\n")),
    );
    write(dir.path(), "cr_only.rs", HELD.replace('\n', "\r"));
    write(dir.path(), "only_comment.rs", "// async fn f() { x.await }");
    write(
        dir.path(),
        "unterminated_comment.rs",
        "async fn f() { /* x.await }",
    );
    write(
        dir.path(),
        "unterminated_string.rs",
        "async fn f() { \"x.await }",
    );
    write(
        dir.path(),
        "long_line.rs",
        format!("fn f() {{ let x = {}; }}", "1 + ".repeat(1000) + "1"),
    );
    let r = check_tree(dir.path());
    assert_survived(&r);
    assert_eq!(r.code, 2, "{}", r.stderr);
    // With a BOM and CRLF the finding is where it is without them.
    assert!(
        r.stdout.contains(&format!("bom_crlf.rs{FINDING}")),
        "{}",
        r.stdout
    );
    assert_problem(&r, "nul.rs", "cannot parse");
    assert_problem(&r, "unterminated_comment.rs", "cannot parse");
    assert_problem(&r, "unterminated_string.rs", "cannot parse");
    for clean in ["empty.rs", "bom_only.rs", "only_comment.rs", "long_line.rs"] {
        assert!(problem_about(&r, clean).is_none(), "{clean}: {}", r.stderr);
    }
}

/// Every fixture cut at seven places (on character boundaries, and once inside a
/// multi-byte character where there is one): each cut file is either checked or
/// reported with its line, and nothing else is lost.
#[test]
fn truncated_files_are_reported_with_their_line() {
    let dir = tree();
    let mut names = Vec::new();
    for (i, (_, text)) in fixtures().iter().enumerate() {
        for k in 1..=7 {
            let mut cut = text.len() * k / 8;
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            let name = format!("cut/{i:03}_{k}.rs");
            write(dir.path(), &name, &text[..cut]);
            names.push(name);
        }
        if let Some((at, c)) = text.char_indices().find(|(_, c)| c.len_utf8() > 1) {
            let name = format!("cut/{i:03}_mid_char.rs");
            write(dir.path(), &name, &text.as_bytes()[..at + c.len_utf8() - 1]);
            names.push(name);
        }
    }
    let r = run(yieldsafe(dir.path()).args(["--jobs", "2", "."]));
    assert_survived(&r);
    assert_eq!(r.code, 2, "{}", r.stderr);
    let mut parse_errors = 0;
    for name in &names {
        if let Some((message, at)) = problem_about(&r, name) {
            if message.contains("cannot parse") {
                parse_errors += 1;
                // path:line:column
                assert_eq!(at.split(':').count(), 3, "no line for {name}: {at}");
            } else {
                assert!(
                    message.contains("not valid UTF-8") || message.contains("nested more than"),
                    "{name}: {message}"
                );
            }
        }
    }
    assert!(
        parse_errors > names.len() / 2,
        "{parse_errors} of {}",
        names.len()
    );
}

#[test]
fn non_utf8_files_are_reported_with_the_offset() {
    let dir = tree();
    write(
        dir.path(),
        "latin1.rs",
        b"fn f() { let s = \"caf\xe9\"; }\n",
    );
    let utf16: Vec<u8> = [0xff, 0xfe]
        .into_iter()
        .chain(HELD.encode_utf16().flat_map(|u| u.to_le_bytes()))
        .collect();
    write(dir.path(), "utf16.rs", utf16);
    write(dir.path(), "overlong.rs", b"fn f() {} // \xc0\xaf\n");
    let r = check_tree(dir.path());
    assert_survived(&r);
    assert_eq!(r.code, 2);
    assert_problem(
        &r,
        "latin1.rs",
        "not valid UTF-8 (invalid byte at offset 21)",
    );
    assert_problem(&r, "utf16.rs", "not valid UTF-8 (invalid byte at offset 0)");
    assert_problem(
        &r,
        "overlong.rs",
        "not valid UTF-8 (invalid byte at offset 13)",
    );
}

const DEPTH: usize = 10_000;

/// `good.rs` and `deep.rs` holding `let x = <expr>;` in an async fn that awaits: the
/// run finishes, and `deep.rs` is either analysed or reported as nested too deeply.
fn check_deep(expr: &str) -> Run {
    let dir = tree();
    let text = format!(
        "use std::sync::Mutex;\nasync fn g() {{}}\npub async fn f(m: &Mutex<u32>) {{\n    let x = {expr};\n    g().await;\n}}\n"
    );
    write(dir.path(), "deep.rs", text);
    let r = check_tree(dir.path());
    assert_survived(&r);
    match r.code {
        0 => assert!(r.stderr.is_empty(), "{}", r.stderr),
        2 => assert_problem(&r, "deep.rs", "nested more than"),
        other => panic!("exit {other}: {}", r.stderr),
    }
    r
}

fn nest(open: &str, inner: &str, close: &str) -> String {
    format!("{}{inner}{}", open.repeat(DEPTH), close.repeat(DEPTH))
}

#[test]
fn deep_parentheses() {
    check_deep(&nest("(", "1", ")"));
}

#[test]
fn deep_blocks() {
    check_deep(&nest("{ ", "1", " }"));
}

#[test]
fn deep_calls() {
    check_deep(&nest("f(", "1", ")"));
}

#[test]
fn deep_closures() {
    check_deep(&nest("|| ", "1", ""));
}

#[test]
fn deep_match_arms() {
    check_deep(&nest("match 1 { _ => ", "1", " }"));
}

/// Every async block is a body of its own: the innermost one, 10,000 levels down,
/// is still analysed and its finding reported.
#[test]
fn deep_async_blocks() {
    let r = check_deep(&nest(
        "async { ",
        "{ let h = m.lock().unwrap(); g().await; }",
        " }",
    ));
    assert!(
        r.stdout.contains("deep.rs:4:") && r.stdout.contains("`h` (a `std::sync::MutexGuard`)")
            || problem_about(&r, "deep.rs").is_some(),
        "{}",
        r.stdout
    );
}

#[test]
fn long_chains_and_other_deep_syntax() {
    for expr in [
        format!("a{}", ".b()".repeat(DEPTH)),
        vec!["1"; DEPTH].join(" + "),
        format!("a{}", ".await".repeat(DEPTH)),
        format!("a{}", "?".repeat(DEPTH)),
        format!("{}x", "!".repeat(DEPTH)),
        format!("{}x", "& ".repeat(DEPTH)),
        format!("a{}", "[0]".repeat(DEPTH)),
        format!(
            "if a {{ 1 }} {}else {{ 2 }}",
            "else if a { 1 } ".repeat(DEPTH)
        ),
        nest("[", "1", "]"),
        format!("{}1", "a = ".repeat(DEPTH)),
        format!("m!({})", nest("(", "", ")")),
    ] {
        check_deep(&expr);
    }
}

#[test]
fn deep_items_types_and_patterns() {
    let dir = tree();
    let inner = "async fn f(m: &std::sync::Mutex<u32>) { let g = m.lock().unwrap(); h().await; }";
    write(dir.path(), "mods.rs", nest("mod a { ", inner, " }"));
    write(dir.path(), "fns.rs", nest("fn a() { ", inner, " }"));
    write(
        dir.path(),
        "types.rs",
        format!("fn f(x: {}) {{}}\n", nest("Vec<", "u8", ">")),
    );
    write(
        dir.path(),
        "patterns.rs",
        format!(
            "async fn f() {{ let {} = 1; g().await; }}\n",
            nest("(", "x", ",)")
        ),
    );
    let r = check_tree(dir.path());
    assert_survived(&r);
    assert!(matches!(r.code, 0 | 2), "{}", r.stderr);
    // The innermost async fns are still found, 10,000 items down.
    for file in ["mods.rs", "fns.rs"] {
        assert!(
            r.stdout.contains(&format!("{file}:1:"))
                || problem_about(&r, file).is_some_and(|(m, _)| m.contains("nested more than")),
            "{file}:\n{}\n{}",
            r.stdout,
            r.stderr
        );
    }
}

/// 20 MB in 60,000 async fns: a third hold a guard across an await, a third drop it
/// first, a third use tokio's Mutex. Every finding is reported, on the right line.
/// Not timed here. By hand (release build, 2 cores, one busy with a fuzzer): 5 MB in
/// 5.8 s, 10 MB in 15 s, 20 MB in 69 s (parsing 5 s of it), 40 MB in 258 s: parsing is
/// linear, the analysis still quadratic in the number of fns of one file.
#[test]
fn a_20_mb_file_is_checked_whole() {
    let dir = tree();
    let (text, expected) = generated(20 * 1024 * 1024);
    write(dir.path(), "huge.rs", &text);
    let r = run(yieldsafe(dir.path()).args(["--jobs", "2", "."]));
    assert_survived(&r);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let found: Vec<&str> = r
        .stdout
        .lines()
        .filter_map(|l| l.strip_prefix("huge.rs:"))
        .collect();
    assert_eq!(found.len(), expected.len());
    for (line, got) in expected.iter().zip(&found) {
        assert!(
            got.starts_with(&format!(
                // `let mut guard`: reported from `mut`, as rustc does.
                "{line}:9: warning: `guard` (a `std::sync::MutexGuard`)"
            )),
            "line {line}: {got}"
        );
    }
}

/// A generated file of about `size` bytes, and the lines of its findings.
fn generated(size: usize) -> (String, Vec<usize>) {
    let mut text = String::from(
        "use std::sync::Mutex;\nuse tokio::sync::Mutex as AsyncMutex;\n\nasync fn tick() {}\n\n",
    );
    let mut expected = Vec::new();
    let mut i = 0;
    // The line the next fn starts on.
    let mut line = text.matches('\n').count() + 1;
    while text.len() < size {
        let start = text.len();
        match i % 3 {
            0 => {
                text.push_str(&format!(
                    "pub async fn held_{i}(state: &Mutex<Vec<u64>>, extra: u64) -> usize {{\n    let mut guard = state.lock().unwrap();\n    guard.push(extra + {i});\n    tick().await;\n    guard.len()\n}}\n\n"
                ));
                expected.push(line + 1);
            }
            1 => text.push_str(&format!(
                "pub async fn dropped_{i}(state: &Mutex<Vec<u64>>, extra: u64) -> usize {{\n    let len = {{\n        let mut guard = state.lock().unwrap();\n        guard.push(extra + {i});\n        guard.len()\n    }};\n    tick().await;\n    len\n}}\n\n"
            )),
            _ => text.push_str(&format!(
                "pub async fn tokio_{i}(state: &AsyncMutex<Vec<u64>>, extra: u64) -> usize {{\n    let mut guard = state.lock().await;\n    guard.push(extra + {i});\n    tick().await;\n    guard.len()\n}}\n\n"
            )),
        }
        line += text[start..].matches('\n').count();
        i += 1;
    }
    (text, expected)
}

#[cfg(unix)]
#[test]
fn symlinks_are_not_followed_and_loops_do_not_hang() {
    use std::os::unix::fs::symlink;
    let dir = tree();
    let outside = tempfile::tempdir().unwrap();
    write(outside.path(), "secret.rs", HELD);
    let root = dir.path();
    fs::create_dir(root.join("sub")).unwrap();
    symlink("..", root.join("sub/up")).unwrap();
    symlink(".", root.join("here")).unwrap();
    symlink("me.rs", root.join("me.rs")).unwrap();
    symlink("b.rs", root.join("a.rs")).unwrap();
    symlink("a.rs", root.join("b.rs")).unwrap();
    symlink("nowhere.rs", root.join("dangling.rs")).unwrap();
    symlink(outside.path().join("secret.rs"), root.join("outside.rs")).unwrap();
    symlink(outside.path(), root.join("outside_dir")).unwrap();
    let r = check_tree(root);
    assert_survived(&r);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout, format!("good.rs{FINDING}\n"));
    assert!(!r.stderr.contains("secret"), "{}", r.stderr);
}

/// `chmod 000` does not stop root: as root the binary is run as `nobody` instead
/// (and where that is not allowed, the test says so and checks a read error of
/// another kind).
#[cfg(unix)]
#[test]
fn an_unreadable_file_is_reported_and_the_rest_is_checked() {
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::CommandExt;
    let dir = tree();
    let secret = write(dir.path(), "secret.rs", HELD);
    fs::set_permissions(&secret, fs::Permissions::from_mode(0o000)).unwrap();
    if fs::File::open(&secret).is_err() {
        let r = check_tree(dir.path());
        assert_survived(&r);
        assert_eq!(r.code, 2);
        assert_problem(&r, "secret.rs", "cannot read this file: Permission denied");
        return;
    }
    // Root: everything but secret.rs must be readable by nobody.
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).unwrap();
    fs::set_permissions(
        dir.path().join("good.rs"),
        fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    let mut std_cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("yieldsafe"));
    std_cmd
        .current_dir(dir.path())
        .args(["--color=never", "--format=short", "."])
        .uid(65534)
        .gid(65534);
    match std_cmd.output() {
        Ok(out) => {
            let r = Run {
                code: out.status.code().unwrap_or(-1),
                stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
                stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            };
            assert_survived(&r);
            assert_eq!(r.code, 2, "{}", r.stderr);
            assert_problem(&r, "secret.rs", "cannot read this file: Permission denied");
        }
        Err(e) => {
            eprintln!(
                "note: cannot run the binary as nobody here ({e}); checking a file that opens but cannot be read instead"
            );
            proc_mem_read_error();
        }
    }
}

/// `/proc/self/mem` is a regular file that opens and fails to read (EIO).
#[cfg(target_os = "linux")]
#[test]
fn a_file_that_opens_but_fails_to_read_is_reported() {
    proc_mem_read_error();
}

#[cfg(target_os = "linux")]
fn proc_mem_read_error() {
    let dir = tree();
    let r = run(yieldsafe(dir.path()).args(["good.rs", "/proc/self/mem"]));
    assert!(
        r.stdout.contains(&format!("good.rs{FINDING}")),
        "{}",
        r.stdout
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_problem(&r, "/proc/self/mem", "cannot read this file");
}

#[cfg(not(target_os = "linux"))]
fn proc_mem_read_error() {}

/// FIFOs, sockets and device links named `*.rs` are never opened (a FIFO would
/// block, /dev/zero never ends); a directory named `*.rs` is walked.
#[cfg(unix)]
#[test]
fn special_files_are_skipped_without_hanging() {
    let dir = tree();
    let root = dir.path();
    let status = std::process::Command::new("mkfifo")
        .arg(root.join("fifo.rs"))
        .status()
        .unwrap();
    assert!(status.success());
    let _socket = std::os::unix::net::UnixListener::bind(root.join("socket.rs")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", root.join("zero.rs")).unwrap();
    write(root, "dir.rs/inner.rs", HELD);
    let r = check_tree(root);
    assert_survived(&r);
    assert!(matches!(r.code, 0 | 2), "{}", r.stderr);
    assert!(
        r.stdout.contains(&format!("dir.rs/inner.rs{FINDING}")),
        "{}",
        r.stdout
    );
    for special in ["fifo.rs", "socket.rs", "zero.rs"] {
        assert!(!r.stdout.contains(special), "{}", r.stdout);
        if let Some((message, _)) = problem_about(&r, special) {
            assert!(message.contains("not a regular file"), "{message}");
        }
    }
    // Named on the command line too.
    let r = run(yieldsafe(root).args(["good.rs", "fifo.rs", "zero.rs", "socket.rs"]));
    assert_survived(&r);
    assert!(matches!(r.code, 0 | 2), "{}", r.stderr);
}

/// Run with the `pause` failpoint on `name`; once the binary has found the file and
/// is about to read it, `change` is applied to it.
fn change_mid_run(name: &str, change: impl FnOnce(&Path)) -> Run {
    let dir = tree();
    let target = write(dir.path(), name, HELD);
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("yieldsafe"))
        .current_dir(dir.path())
        .args(["--color=never", "--format=short", "--jobs=2", "."])
        .env("YIELDSAFE_FAILPOINTS", format!("pause={name}"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    loop {
        let mut line = String::new();
        assert!(
            stderr.read_line(&mut line).unwrap() > 0,
            "the binary never reached the failpoint:\n{seen}"
        );
        let paused = line.starts_with("failpoint: paused before reading");
        seen.push_str(&line);
        if paused {
            break;
        }
    }
    change(&target);
    let mut stdout = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    stderr.read_to_string(&mut seen).unwrap();
    let status = child.wait().unwrap();
    Run {
        code: status.code().unwrap_or(-1),
        stdout,
        stderr: seen,
    }
}

#[test]
fn a_file_that_vanishes_mid_run_is_reported() {
    let r = change_mid_run("vanish.rs", |p| fs::remove_file(p).unwrap());
    assert_survived(&r);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_problem(&r, "vanish.rs", "cannot read this file: No such file");
}

#[cfg(unix)]
#[test]
fn a_file_swapped_for_a_fifo_mid_run_is_not_read() {
    // Made beside it, then renamed over it: the change is atomic.
    let r = change_mid_run("swap.rs", |p| {
        let fifo = p.with_extension("fifo");
        let status = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(status.success());
        fs::rename(&fifo, p).unwrap();
    });
    assert_survived(&r);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_problem(&r, "swap.rs", "not a regular file");
}

/// A file whose deletion races the run, many times over: every file is either
/// reported (finding or problem) or was gone before it was found; none is lost
/// silently after being found, nothing crashes.
#[test]
fn files_deleted_while_the_run_goes_on_are_never_lost_silently() {
    let dir = tree();
    let n = 400;
    for i in 0..n {
        write(dir.path(), &format!("many/f{i:03}.rs"), HELD);
    }
    let root = dir.path().to_path_buf();
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("yieldsafe"))
        .current_dir(&root)
        .args(["--color=never", "--format=short", "--jobs=2", "."])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    for i in (0..n).rev().step_by(2) {
        let _ = fs::remove_file(root.join(format!("many/f{i:03}.rs")));
    }
    let out = child.wait_with_output().unwrap();
    let r = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert_survived(&r);
    let mut vanished = 0;
    for i in 0..n {
        let name = format!("many/f{i:03}.rs");
        let reported = r.stdout.contains(&format!("{name}{FINDING}"));
        let problem = problem_about(&r, &name);
        if i % 2 == 0 || reported {
            // Kept, or read before it went.
            assert!(reported || problem.is_some(), "{name} lost:\n{}", r.stderr);
        }
        if let Some((message, _)) = problem {
            assert!(message.contains("cannot read this file"), "{message}");
            vanished += 1;
        }
    }
    assert_eq!(r.code, if vanished > 0 { 2 } else { 0 }, "{}", r.stderr);
}

#[test]
fn a_panic_in_the_analysis_is_an_internal_error_of_that_file_only() {
    let dir = tree();
    write(dir.path(), "boom.rs", HELD);
    write(dir.path(), "zz_after.rs", HELD);
    for format in ["short", "json", "human"] {
        let r = run(Command::cargo_bin("yieldsafe")
            .unwrap()
            .current_dir(dir.path())
            .args(["--color=never", "--format", format, "--jobs", "1", "."])
            .timeout(TIMEOUT)
            .env("YIELDSAFE_FAILPOINTS", "panic=boom.rs"));
        assert_eq!(r.code, 2, "{}", r.stderr);
        for bad in ["panicked", "RUST_BACKTRACE", "thread '"] {
            assert!(
                !r.stderr.contains(bad),
                "{format}: `{bad}` on stderr:\n{}",
                r.stderr
            );
        }
        assert_problem(&r, "boom.rs", "internal error while checking this file");
        assert_problem(&r, "boom.rs", "please report this");
        for other in ["good.rs", "zz_after.rs"] {
            assert!(
                r.stdout.contains(other),
                "{format}: {other} missing:\n{}",
                r.stdout
            );
        }
        // The machine formats carry the problem where their reader looks (one line
        // in `short`, an error object in `json`), and no finding of that file.
        let about_boom: Vec<&str> = r.stdout.lines().filter(|l| l.contains("boom.rs")).collect();
        match format {
            "human" => assert!(about_boom.is_empty(), "{}", r.stdout),
            "short" => {
                assert_eq!(about_boom.len(), 1, "{}", r.stdout);
                assert!(
                    about_boom[0].starts_with("boom.rs: error: internal error"),
                    "{}",
                    r.stdout
                );
            }
            _ => {
                assert_eq!(about_boom.len(), 1, "{}", r.stdout);
                assert!(about_boom[0].contains(r#""type":"error""#), "{}", r.stdout);
            }
        }
    }
}

/// The inputs the fuzzers found problems with (tests/data/crashes/), each beside
/// `good.rs`: no crash, no internal error, and `good.rs` still reported.
#[test]
fn inputs_found_by_fuzzing_are_handled() {
    let crashes = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/crashes");
    let Ok(entries) = fs::read_dir(&crashes) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().is_some_and(|n| n != "README.md"))
        .collect();
    paths.sort();
    for path in paths {
        let dir = tree();
        fs::copy(&path, dir.path().join("input.rs")).unwrap();
        let r = check_tree(dir.path());
        assert_survived(&r);
        assert!(matches!(r.code, 0 | 2), "{}: {}", path.display(), r.stderr);
    }
}

/// A `macro_rules!` that calls itself eight times per expansion would expand 8^8
/// times: the file's expansions are bounded, the finding beside it still made, in
/// the time of an ordinary file.
#[test]
fn a_macro_that_multiplies_itself_is_bounded() {
    let dir = tree();
    write(
        dir.path(),
        "many.rs",
        "macro_rules! m { () => { m!(); m!(); m!(); m!(); m!(); m!(); m!(); m!(); } }\n\
         async fn tick() {}\n\
         async fn f(x: &std::sync::Mutex<u32>) {\n    let g = x.lock().unwrap();\n    m!();\n    tick().await;\n}\n",
    );
    let r = run(yieldsafe(dir.path())
        .arg(".")
        .timeout(Duration::from_secs(60)));
    assert_survived(&r);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("many.rs:4:9"), "{}", r.stdout);
}

/// Ten times the lexical bound on what syn parses recursively
/// (`prefilter::nesting::MAX_NESTING`).
const BEYOND_NESTING: usize = 20_000;

/// Ten times the lowering's bound (`lower::MAX_DEPTH`): chains syn parses in a loop
/// into a tree as deep as the chain is long.
const BEYOND_DEPTH: usize = 20_000;

/// A run that must finish long before `TIMEOUT`: these once aborted the process or
/// took minutes; a regression fails here instead of hanging CI.
const QUICK: Duration = Duration::from_secs(120);

/// `bad.rs` holding `text` beside `good.rs`: the run finishes, exits 2, still reports
/// `good.rs`, and names `bad.rs` with a line and column, saying `words`.
fn assert_reported_beside_good(text: &str, words: &str) -> Run {
    let dir = tree();
    write(dir.path(), "bad.rs", text);
    let r = run(yieldsafe(dir.path()).arg(".").timeout(QUICK));
    assert_survived(&r);
    assert_eq!(r.code, 2, "{}", r.stderr);
    let (message, at) = problem_about(&r, "bad.rs")
        .unwrap_or_else(|| panic!("no problem about bad.rs:\n{}", r.stderr));
    assert!(message.contains(words), "{message}");
    // path:line:column
    assert_eq!(at.split(':').count(), 3, "no line for bad.rs: {at}");
    assert_eq!(
        r.stderr.matches("bad.rs:").count(),
        1,
        "one problem about bad.rs:\n{}",
        r.stderr
    );
    r
}

/// In an async fn that awaits, so that the file is parsed and analysed.
fn in_async_fn(statement: &str) -> String {
    format!("async fn g() {{}}\nasync fn f() {{\n    {statement}\n    g().await;\n}}\n")
}

#[test]
fn prefix_operators_references_and_closures_are_bounded_before_parsing() {
    let n = BEYOND_NESTING;
    for statement in [
        format!("let _ = {}1;", "-".repeat(n)),
        format!("let _ = {}true;", "!".repeat(n)),
        format!("let _ = {}x;", "*".repeat(n)),
        format!("let _ = {}1;", "&".repeat(n)),
        format!("let _ = {}1;", "&&".repeat(n / 2)),
        format!("let _ = {}1;", "&mut ".repeat(n)),
        format!("let _ = {}1;", "..=".repeat(n)),
        format!("let {}x = 1;", "&".repeat(n)),
        format!("let x: {}u8 = 1;", "&".repeat(n)),
        format!("let x: {}u8 = 1;", "&'static ".repeat(n)),
        format!("let x: {}u8 = 1;", "*const ".repeat(n)),
        format!("let x: {}u8 = 1;", "fn() -> ".repeat(n)),
        format!("let _ = {}1;", "|| ".repeat(n)),
        format!("let _ = {}1;", "|a, b| ".repeat(n)),
        format!("let _ = {}1;", "move || ".repeat(n)),
        format!("{}1;", "return ".repeat(n)),
        format!("{}1;", "a = ".repeat(n)),
        format!("let {}b = 1;", "a @ ".repeat(n)),
    ] {
        let r = assert_reported_beside_good(&in_async_fn(&statement), "nested more than 2000");
        assert!(r.stderr.contains("bad.rs:3:"), "{}", r.stderr);
    }
}

#[test]
fn long_chains_are_bounded_in_the_lowering() {
    let n = BEYOND_DEPTH;
    for statement in [
        format!("let _ = x{};", ".f".repeat(n)),
        format!("let _ = x{};", ".f()".repeat(n)),
        format!("let _ = x{};", "?".repeat(n)),
        format!("let _ = 1{};", " + 1".repeat(n)),
        format!("let _ = a{};", " || a".repeat(n)),
    ] {
        let r = assert_reported_beside_good(&in_async_fn(&statement), "nested more than");
        assert!(r.stderr.contains("bad.rs:3:"), "{}", r.stderr);
    }
}

#[test]
fn chains_longer_than_any_walk_can_follow_are_bounded_before_parsing() {
    let statement = format!("let _ = x{};", ".f".repeat(60_000));
    assert_reported_beside_good(&in_async_fn(&statement), "a chain of more than 50000");
    let chain = "if a { 1 } else ".repeat(60_000);
    assert_reported_beside_good(
        &in_async_fn(&format!("let _ = {chain}{{ 2 }};")),
        "a chain of more than 50000",
    );
}

/// Only what is parsed is bounded: a fn body nested too deep for the parser that
/// cannot have findings is blanked in the default mode, so its file is checked;
/// `--full-parse` parses it and says the file was not checked.
#[test]
fn a_body_too_deep_that_is_blanked_does_not_keep_its_file_from_being_checked() {
    let dir = tempfile::tempdir().unwrap();
    let quiet = format!("\nfn quiet() -> u32 {{ {} }}\n", nest("(", "1", ")"));
    write(dir.path(), "deep.rs", format!("{HELD}{quiet}"));
    let r = check_tree(dir.path());
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.is_empty(), "{}", r.stderr);
    assert!(
        r.stdout.contains(&format!("deep.rs{FINDING}")),
        "{}",
        r.stdout
    );
    let full = run(yieldsafe(dir.path()).args(["--full-parse", "."]));
    assert_eq!(full.code, 2, "{}", full.stderr);
    assert_problem(&full, "deep.rs", "nested more than");
}

/// In the default mode a file with no await is not parsed, but its items are
/// summarised for the files that use them: a type too deep to parse is reported
/// once, and the crate is still checked.
#[test]
fn a_file_too_deep_to_index_is_reported_and_its_crate_still_checked() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "Cargo.toml",
        "[package]\nname = \"deep\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    write(dir.path(), "src/lib.rs", "mod t;\nmod a;\nmod good;\n");
    write(dir.path(), "src/good.rs", HELD);
    write(
        dir.path(),
        "src/t.rs",
        format!(
            "// no await here\npub type T = {}u8;\n",
            "&".repeat(400_000)
        ),
    );
    write(
        dir.path(),
        "src/a.rs",
        "use crate::t::T;\nasync fn y() {}\npub async fn f(x: T) {\n    let v = x;\n    y().await;\n    drop(v);\n}\n",
    );
    for mode in [None, Some("--full-parse")] {
        let r = run(yieldsafe(dir.path()).args(mode).arg(".").timeout(QUICK));
        assert_survived(&r);
        assert_eq!(r.code, 2, "{}", r.stderr);
        let (message, at) = problem_about(&r, "t.rs")
            .unwrap_or_else(|| panic!("no problem about t.rs:\n{}", r.stderr));
        assert!(message.contains("nested more than"), "{message}");
        assert!(at.contains("t.rs:2:"), "{at}");
        assert_eq!(r.stderr.matches("t.rs:").count(), 1, "{}", r.stderr);
    }
}

/// A guard and `n` awaits, all on one line (`one_line`) or one a line, in human
/// format beside `good.rs`: the run's whole output.
fn human_output_of_awaits(n: usize, one_line: bool) -> Run {
    let dir = tree();
    let sep = if one_line { " " } else { "\n    " };
    let awaits = vec!["y().await;"; n].join(sep);
    write(
        dir.path(),
        "awaits.rs",
        format!("use std::sync::Mutex;\nasync fn y() {{}}\npub async fn f(m: &Mutex<u32>) {{\n    let g = m.lock().unwrap();{sep}{awaits}\n}}\n"),
    );
    let mut cmd = Command::cargo_bin("yieldsafe").unwrap();
    let r = run(cmd
        .current_dir(dir.path())
        .args(["--color=never", "."])
        .timeout(QUICK));
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("--> good.rs:4:9"), "{}", r.stdout);
    assert!(r.stdout.contains("--> awaits.rs:4:9"), "{}", r.stdout);
    r
}

#[test]
fn human_output_labels_a_few_awaits_of_a_line_and_counts_the_rest() {
    let r = human_output_of_awaits(3_000, true);
    // The 33 KB line itself is shown once; codespan used to draw a bar for every
    // other label under each label: gigabytes.
    assert!(r.stdout.len() < 1 << 20, "{} bytes", r.stdout.len());
    // Three, and good.rs's one.
    assert_eq!(r.stdout.matches("await occurs here").count(), 3 + 1);
    assert!(
        r.stdout.contains("and 2,997 more awaits on this line"),
        "{}",
        &r.stdout[r.stdout.len().saturating_sub(3000)..]
    );
    // Linear in the awaits: ten times as many, about ten times the output (the line).
    let ten_times = human_output_of_awaits(30_000, true);
    assert!(ten_times.stdout.len() < 11 * r.stdout.len());
    assert!(ten_times
        .stdout
        .contains("and 29,997 more awaits on this line"));
}

#[test]
fn human_output_labels_a_few_awaits_of_a_finding_and_counts_the_rest() {
    let r = human_output_of_awaits(1_000, false);
    assert!(r.stdout.len() < 8 << 10, "{}", r.stdout);
    assert_eq!(r.stdout.matches("await occurs here").count(), 16 + 1);
    assert!(
        r.stdout
            .contains("also held across 984 more awaits on lines 21 to 1,004, not labelled here"),
        "{}",
        r.stdout
    );
}

/// What rustc accepts is not an error: bare trait objects with `+` (edition 2015,
/// as signal-hook-registry writes them) and an item `#[cfg]` leaves out that syn
/// rejects are opaque, said with `-v`, and the rest of the file is still checked.
#[test]
fn items_syn_rejects_but_rustc_accepts_are_opaque() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "Cargo.toml",
        "[package]\nname = \"old\"\nversion = \"0.1.0\"\nedition = \"2015\"\n",
    );
    write(dir.path(), "src/lib.rs", "mod old;\nmod good;\n");
    write(dir.path(), "src/good.rs", HELD);
    write(
        dir.path(),
        "src/old.rs",
        "pub type B = Box<Fn(&u8) + Send>;\ntrait Trait {}\n#[cfg(any())] impl !Trait {}\nuse std::sync::Mutex;\nasync fn y() {}\npub async fn f(m: &Mutex<u32>) {\n    let g = m.lock().unwrap();\n    y().await;\n}\n",
    );
    for args in [&["--full-parse"][..], &[], &["--full-parse", "-v"]] {
        let r = run(yieldsafe(dir.path()).args(args).arg(".").timeout(QUICK));
        assert_survived(&r);
        assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
        assert!(
            r.stdout.contains("src/old.rs:7:9: warning: `g`"),
            "{}",
            r.stdout
        );
        let notes = r.stderr.matches("this item was not analysed").count();
        if args.contains(&"-v") {
            assert_eq!(notes, 2, "{}", r.stderr);
            assert!(r.stderr.contains("old.rs:1:1"), "{}", r.stderr);
            assert!(r.stderr.contains("old.rs:3:1"), "{}", r.stderr);
        } else {
            assert_eq!(notes, 0, "{}", r.stderr);
        }
    }
    // Edition 2021 rejects the bare trait object: a parse error there.
    write(
        dir.path(),
        "Cargo.toml",
        "[package]\nname = \"old\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    let r = run(yieldsafe(dir.path()).arg(".").timeout(QUICK));
    assert_survived(&r);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_problem(&r, "old.rs", "cannot parse");
}

/// Closures with parameters nested just under the depth bound (the structure-aware
/// fuzzer's slow input: `|a, b|` 1,900 deep): every nested body's mentions are walked
/// once, not once per enclosing closure.
#[test]
fn closures_nested_near_the_bound_are_walked_once() {
    let dir = tree();
    write(
        dir.path(),
        "nested.rs",
        format!(
            "async fn tick() {{}}\npub async fn f() {{\n    let c = {}1;\n    tick().await;\n}}\n",
            "|a, b| ".repeat(1_900)
        ),
    );
    let r = run(yieldsafe(dir.path())
        .arg(".")
        .timeout(Duration::from_secs(120)));
    assert_survived(&r);
    assert_eq!(r.code, 0, "{}", r.stderr);
}

/// One lock taken 5,000 times with every guard alive: each acquisition meets 4,999
/// guards of its lock (12 million pairs, which once took 24 GB). One finding each.
#[test]
fn a_lock_taken_thousands_of_times_while_held_is_reported_once_each() {
    let dir = tree();
    let lets: String = (0..5_000)
        .map(|i| format!("    let g{i} = m.lock().unwrap();\n"))
        .collect();
    write(
        dir.path(),
        "held.rs",
        format!("use std::sync::Mutex;\npub fn f(m: &Mutex<u32>) {{\n{lets}}}\n"),
    );
    let r = run(yieldsafe(dir.path())
        .arg(".")
        .timeout(Duration::from_secs(120)));
    assert_survived(&r);
    assert_eq!(
        r.stdout.matches("[self_deadlock]").count(),
        4_999,
        "{}",
        r.stderr
    );
}
