//! `yieldsafe lsp` driven over its stdio with JSON-RPC, as an editor drives it: an
//! unsaved edit that holds a `std::sync::MutexGuard` (from a helper in another file
//! of the crate) across an `.await` is published, its quick fix applies and the
//! finding goes; changes reach the files whose answers depended on them and no
//! others; columns in UTF-16 and UTF-8; a buffer being typed keeps what it had;
//! configuration reloads; shutdown and exit.

mod lsp_client;

use std::path::{Path, PathBuf};
use std::time::Duration;

use lsp_client::{apply_edits, edits_of, uri, Client};
use serde_json::{json, Value};

const CARGO_TOML: &str = "[package]\nname = \"demo\"\nversion = \"0.1.0\"\nedition = \"2021\"\n";
const LIB: &str = "mod helper;\nmod other;\nmod work;\n";
const HELPER: &str = "use std::sync::{Mutex, MutexGuard};\n\n\
pub fn lock_count(m: &Mutex<u32>) -> MutexGuard<'_, u32> {\n    m.lock().unwrap()\n}\n";
/// `work.rs` as saved: nothing held across the await.
const WORK_ON_DISK: &str = "use std::sync::Mutex;\n\nuse crate::helper::lock_count;\n\n\
async fn tick() {}\n\npub async fn run(m: &Mutex<u32>) {\n    tick().await;\n}\n";
/// `work.rs` as being edited: the helper's guard is held across the await.
const WORK_EDITED: &str = "use std::sync::Mutex;\n\nuse crate::helper::lock_count;\n\n\
async fn tick() {}\n\npub async fn run(m: &Mutex<u32>) {\n    let mut n = lock_count(m);\n    *n += 1;\n    tick().await;\n}\n";
const OTHER: &str = "use std::sync::Mutex;\n\nasync fn tick() {}\n\n\
pub async fn other(m: &Mutex<u32>) {\n    let g = m.lock().unwrap();\n    tick().await;\n    drop(g);\n}\n";

fn server() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_yieldsafe"))
}

/// A crate on disk, in a temporary directory.
fn demo_crate() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let write = |path: &str, text: &str| {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    };
    write("Cargo.toml", CARGO_TOML);
    write("src/lib.rs", LIB);
    write("src/helper.rs", HELPER);
    write("src/work.rs", WORK_ON_DISK);
    write("src/other.rs", OTHER);
    dir
}

fn capabilities(utf8: bool) -> Value {
    let encodings = if utf8 {
        json!(["utf-8", "utf-16"])
    } else {
        json!(["utf-16"])
    };
    json!({
        "general": { "positionEncodings": encodings },
        "workspace": {
            "workspaceEdit": { "documentChanges": true },
            "didChangeWatchedFiles": { "dynamicRegistration": true },
        },
        "textDocument": { "publishDiagnostics": { "relatedInformation": true } },
    })
}

fn start(root: &Path, utf8: bool) -> Client {
    Client::start(
        &server(),
        root,
        capabilities(utf8),
        json!({ "debounceMs": 5 }),
    )
}

/// Line and UTF-16 column of the first `needle` in `text`, counted here.
fn utf16_position(text: &str, needle: &str) -> (u64, u64) {
    let at = text.find(needle).expect("the needle is in the text");
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let line = text[..at].matches('\n').count() as u64;
    (line, text[line_start..at].encode_utf16().count() as u64)
}

fn start_of(d: &Value) -> (u64, u64) {
    let start = &d["range"]["start"];
    (
        start["line"].as_u64().expect("a line"),
        start["character"].as_u64().expect("a character"),
    )
}

fn code_actions(client: &mut Client, uri: &str, diagnostic: &Value) -> Vec<Value> {
    let params = json!({
        "textDocument": { "uri": uri },
        "range": diagnostic["range"],
        "context": { "diagnostics": [diagnostic] },
    });
    client
        .request("textDocument/codeAction", params)
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// A request answered only after every pending check is published: what was not
/// published before its answer is not going to be.
fn barrier(client: &mut Client) {
    let nowhere = json!({
        "textDocument": { "uri": "file:///nowhere.rs" },
        "range": { "start": { "line": 0, "character": 0 }, "end": { "line": 0, "character": 0 } },
        "context": { "diagnostics": [] },
    });
    client.request("textDocument/codeAction", nowhere);
}

#[test]
fn unsaved_guard_across_await_is_published_and_its_quick_fix_applies() {
    let dir = demo_crate();
    let work = uri(&dir.path().join("src/work.rs"));
    let mut client = start(dir.path(), false);
    assert_eq!(
        client.initialized["capabilities"]["positionEncoding"], "utf-16",
        "{}",
        client.initialized
    );
    client.open(&work, WORK_ON_DISK);
    assert_eq!(client.diagnostics(&work, 1), Vec::<Value>::new());

    // Unsaved: the file on disk still has no guard.
    client.change_all(&work, 2, WORK_EDITED);
    let diagnostics = client.diagnostics(&work, 2);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    let d = &diagnostics[0];
    assert_eq!(d["code"], "await_holding_lock");
    assert_eq!(d["source"], "yieldsafe");
    assert_eq!(d["severity"], 2, "warn is a warning");
    assert_eq!(
        d["codeDescription"]["href"],
        "https://rust-lang.github.io/rust-clippy/master/index.html#await_holding_lock"
    );
    let message = d["message"].as_str().expect("a message");
    assert!(message.starts_with("`n` (a `std::sync::MutexGuard`) is held across an await point"));
    assert_eq!(
        start_of(d),
        utf16_position(WORK_EDITED, "mut n = lock_count")
    );
    let related = d["relatedInformation"]
        .as_array()
        .expect("related information");
    let await_at = related
        .iter()
        .find(|r| {
            r["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("await occurs here"))
        })
        .expect("the await is related");
    assert_eq!(await_at["location"]["uri"], work);
    assert_eq!(await_at["location"]["range"]["start"]["line"], 9);
    let dropped = related
        .iter()
        .find(|r| r["message"] == "`n` is dropped here")
        .expect("the drop point is related");
    assert_eq!(dropped["location"]["range"]["start"]["line"], 10);

    let actions = code_actions(&mut client, &work, d);
    let fix = actions
        .iter()
        .find(|a| a["isPreferred"] == true)
        .expect("a preferred quick fix");
    assert_eq!(fix["kind"], "quickfix");
    assert_eq!(
        fix["title"],
        "end `n` before the await: put its `let` through its last use in a block"
    );
    assert_eq!(
        fix["edit"]["documentChanges"][0]["textDocument"]["version"],
        2
    );
    let fixed = apply_edits(WORK_EDITED, &edits_of(fix, &work), true);
    assert!(
        fixed.contains(
            "    {\n        let mut n = lock_count(m);\n        *n += 1;\n    }\n    tick().await;"
        ),
        "{fixed}"
    );
    client.change_all(&work, 3, &fixed);
    assert_eq!(client.diagnostics(&work, 3), Vec::<Value>::new());

    // "Allow this lint here", on the edited text: an attribute clippy reads too.
    client.change_all(&work, 4, WORK_EDITED);
    let d = client.diagnostics(&work, 4).remove(0);
    let actions = code_actions(&mut client, &work, &d);
    let allow = actions
        .iter()
        .find(|a| a["title"] == "Allow `clippy::await_holding_lock` on fn `run`")
        .unwrap_or_else(|| panic!("an allow action among {actions:?}"));
    assert_eq!(allow["isPreferred"], false);
    let allowed = apply_edits(WORK_EDITED, &edits_of(allow, &work), true);
    assert!(
        allowed.contains("#[allow(clippy::await_holding_lock, reason = \"\")]\npub async fn run")
    );
    client.change_all(&work, 5, &allowed);
    assert_eq!(client.diagnostics(&work, 5), Vec::<Value>::new());
    assert!(client.shutdown().success());
}

#[test]
fn a_change_reaches_the_files_whose_answers_depended_on_it_and_no_others() {
    let dir = demo_crate();
    std::fs::write(dir.path().join("src/work.rs"), WORK_EDITED).expect("write");
    let (helper, work, other) = (
        uri(&dir.path().join("src/helper.rs")),
        uri(&dir.path().join("src/work.rs")),
        uri(&dir.path().join("src/other.rs")),
    );
    let mut client = start(dir.path(), false);
    client.open(&work, WORK_EDITED);
    assert_eq!(client.diagnostics(&work, 1).len(), 1);
    client.open(&other, OTHER);
    assert_eq!(client.diagnostics(&other, 1).len(), 1);
    client.open(&helper, HELPER);
    client.diagnostics(&helper, 1);
    barrier(&mut client);

    // The helper, unsaved, returns a number now: `work.rs` holds no guard.
    let unguarded = HELPER.replace(
        "-> MutexGuard<'_, u32> {\n    m.lock().unwrap()",
        "-> u32 {\n    *m.lock().unwrap()",
    );
    client.change_all(&helper, 2, &unguarded);
    client.diagnostics(&helper, 2);
    assert_eq!(client.diagnostics(&work, 1), Vec::<Value>::new());
    barrier(&mut client);
    assert_eq!(
        client.published_for(&other),
        Vec::<Value>::new(),
        "`other.rs` read nothing of the helper"
    );

    // Typing in a fn body changes no answer elsewhere: only the helper is checked.
    let typed = unguarded.replace("*m.lock().unwrap()", "let n = *m.lock().unwrap();\n    n");
    client.change_all(&helper, 3, &typed);
    client.diagnostics(&helper, 3);
    barrier(&mut client);
    assert_eq!(client.published_for(&work), Vec::<Value>::new());

    // Back to a guard; then half typed: `work.rs` keeps its finding meanwhile.
    client.change_all(&helper, 4, HELPER);
    assert_eq!(client.diagnostics(&work, 1).len(), 1);
    let half_typed = HELPER.replace("m.lock().unwrap()\n}", "m.lock().unwrap()\n");
    client.change_all(&helper, 5, &half_typed);
    barrier(&mut client);
    assert_eq!(client.published_for(&work), Vec::<Value>::new());
    assert_eq!(
        client.published_for(&helper),
        Vec::<Value>::new(),
        "a buffer that does not parse is not published"
    );

    // Closed, the helper is the file on disk again (a guard): nothing changes.
    client.notify(
        "textDocument/didClose",
        json!({ "textDocument": { "uri": helper } }),
    );
    let cleared = client
        .wait_for(lsp_client::TIMEOUT, |m| {
            lsp_client::is_publish(m, &helper, None)
        })
        .expect("a closed document's diagnostics are cleared");
    assert_eq!(cleared["params"]["diagnostics"], json!([]));
    assert!(client.shutdown().success());
}

#[test]
fn columns_count_utf16_by_default_and_utf8_when_offered() {
    let dir = demo_crate();
    let work = uri(&dir.path().join("src/work.rs"));
    // Characters of 2 and 4 UTF-8 bytes (1 and 2 UTF-16 units) before the value.
    let text = WORK_EDITED.replace("    let mut n", "    /* é😀 */ let mut n");
    let at = text.find("mut n = lock_count").expect("the value");
    let line_start = text[..at].rfind('\n').expect("a line") + 1;
    for utf8 in [false, true] {
        let mut client = start(dir.path(), utf8);
        let encoding = if utf8 { "utf-8" } else { "utf-16" };
        assert_eq!(
            client.initialized["capabilities"]["positionEncoding"],
            encoding
        );
        client.open(&work, &text);
        let d = client.diagnostics(&work, 1).remove(0);
        let column = match utf8 {
            true => at - line_start,
            false => text[line_start..at].encode_utf16().count(),
        };
        assert_eq!(start_of(&d), (7, column as u64), "{encoding}");
        // An incremental change placed by a column after the emoji: `mut n` → `mut nn`.
        let position = json!({ "line": 7, "character": column + 5 });
        client.change(
            &work,
            2,
            json!([{ "range": { "start": position, "end": position }, "text": "n" }]),
        );
        let d = client.diagnostics(&work, 2).remove(0);
        assert!(
            d["message"].as_str().is_some_and(|m| m.starts_with("`nn`")),
            "{d}"
        );
        assert!(client.shutdown().success());
    }
}

#[test]
fn a_half_typed_fn_body_reports_nothing_and_the_rest_of_the_file_stays() {
    let dir = demo_crate();
    let other = uri(&dir.path().join("src/other.rs"));
    let two = "use std::sync::Mutex;\n\nasync fn tick() {}\n\n\
pub async fn first(m: &Mutex<u32>) {\n    let g = m.lock().unwrap();\n    tick().await;\n}\n\n\
pub async fn second(m: &Mutex<u32>) {\n    let h = m.lock().unwrap();\n    tick().await;\n}\n";
    let mut client = start(dir.path(), false);
    client.open(&other, two);
    assert_eq!(client.diagnostics(&other, 1).len(), 2);

    // A statement half typed in `second`: its body is left out, `first` still checked.
    let typing = two.replace(
        "    let h = m.lock().unwrap();\n",
        "    let h = m.lock().unwrap();\n    let x = ;\n",
    );
    client.change_all(&other, 2, &typing);
    let diagnostics = client.diagnostics(&other, 2);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    assert_eq!(start_of(&diagnostics[0]), utf16_position(&typing, "g = m"));

    // Unbalanced: nothing can be checked, nothing is published (the client keeps
    // what it shows), and no fix is offered for a text that moved.
    let unbalanced = two.replace(
        "    tick().await;\n}\n\npub async fn second",
        "    tick().await;\n\npub async fn second",
    );
    client.change_all(&other, 3, &unbalanced);
    barrier(&mut client);
    assert_eq!(client.published_for(&other), Vec::<Value>::new());
    let stale = diagnostics[0].clone();
    assert_eq!(
        code_actions(&mut client, &other, &stale),
        Vec::<Value>::new()
    );
    assert!(client.shutdown().success());
}

#[test]
fn configuration_changes_on_disk_reload_the_levels() {
    let dir = demo_crate();
    let work = uri(&dir.path().join("src/work.rs"));
    let mut client = start(dir.path(), false);
    let registered = client
        .wait_for(Duration::from_secs(5), |m| {
            m["method"] == "client/registerCapability"
        })
        .expect("the server asks to watch files");
    client.open(&work, WORK_EDITED);
    assert_eq!(client.diagnostics(&work, 1)[0]["severity"], 2);
    let watchers = &registered["params"]["registrations"][0]["registerOptions"]["watchers"];
    assert!(watchers
        .as_array()
        .expect("watchers")
        .iter()
        .any(|w| w["globPattern"] == "**/yieldsafe.toml"));

    let config = dir.path().join("yieldsafe.toml");
    std::fs::write(&config, "[lints]\nawait_holding_lock = \"deny\"\n").expect("write");
    let event = json!({ "changes": [{ "uri": uri(&config), "type": 1 }] });
    client.notify("workspace/didChangeWatchedFiles", event);
    assert_eq!(
        client.diagnostics(&work, 1)[0]["severity"],
        1,
        "deny is an error"
    );

    // A configuration error is said, and the default levels used.
    std::fs::write(&config, "[lints]\nawait_holding_lock = \"sometimes\"\n").expect("write");
    let event = json!({ "changes": [{ "uri": uri(&config), "type": 2 }] });
    client.notify("workspace/didChangeWatchedFiles", event);
    let said = client
        .wait_for(lsp_client::TIMEOUT, |m| m["method"] == "window/showMessage")
        .expect("the error is shown");
    assert!(
        said["params"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("yieldsafe.toml")),
        "{said}"
    );
    assert_eq!(client.diagnostics(&work, 1)[0]["severity"], 2);
    assert!(client.shutdown().success());
}

#[test]
fn files_created_on_disk_join_the_crate() {
    let dir = demo_crate();
    let work = uri(&dir.path().join("src/work.rs"));
    let text = WORK_EDITED
        .replace("helper::lock_count", "later::lock_later")
        .replace("= lock_count", "= lock_later");
    let mut client = start(dir.path(), false);
    client.open(&work, &text);
    assert_eq!(
        client.diagnostics(&work, 1),
        Vec::<Value>::new(),
        "`later` is nowhere yet"
    );

    // Another tool writes a module and declares it.
    std::fs::write(
        dir.path().join("src/later.rs"),
        HELPER.replace("lock_count", "lock_later"),
    )
    .expect("write");
    std::fs::write(dir.path().join("src/lib.rs"), format!("{LIB}mod later;\n")).expect("write");
    let changes = json!({ "changes": [
        { "uri": uri(&dir.path().join("src/later.rs")), "type": 1 },
        { "uri": uri(&dir.path().join("src/lib.rs")), "type": 2 },
    ] });
    client.notify("workspace/didChangeWatchedFiles", changes);
    let diagnostics = client.diagnostics(&work, 1);
    assert_eq!(
        diagnostics.len(),
        1,
        "the helper of the new module is known"
    );
    assert_eq!(diagnostics[0]["code"], "await_holding_lock");
    assert!(client.shutdown().success());
}

#[test]
fn a_lint_clippy_lacks_is_allowed_by_a_comment() {
    let dir = demo_crate();
    let other = uri(&dir.path().join("src/other.rs"));
    let text = "use tracing::info_span;\n\nasync fn tick() {}\n\n\
pub async fn traced() {\n    let span = info_span!(\"traced\");\n    let _guard = span.enter();\n    tick().await;\n}\n";
    let mut client = start(dir.path(), false);
    client.open(&other, text);
    let d = client.diagnostics(&other, 1).remove(0);
    assert_eq!(d["code"], "await_holding_span_guard");
    let actions = code_actions(&mut client, &other, &d);
    let allow = actions
        .iter()
        .find(|a| {
            a["title"] == "Allow `await_holding_span_guard` here (a `// yieldsafe: allow` comment)"
        })
        .unwrap_or_else(|| panic!("a comment action among {actions:?}"));
    let allowed = apply_edits(text, &edits_of(allow, &other), true);
    assert!(allowed.contains("    // yieldsafe: allow(await_holding_span_guard)\n    let _guard"));
    client.change_all(&other, 2, &allowed);
    assert_eq!(client.diagnostics(&other, 2), Vec::<Value>::new());
    assert!(client.shutdown().success());
}

#[test]
fn exit_without_shutdown_is_an_error() {
    let dir = demo_crate();
    let mut client = start(dir.path(), false);
    client.notify("exit", Value::Null);
    assert_eq!(client.wait().code(), Some(1));
}
