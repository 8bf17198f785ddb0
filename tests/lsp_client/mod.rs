//! A small language client for driving `yieldsafe lsp` over its stdio, as an editor
//! does: JSON-RPC with `Content-Length` framing, requests answered in order,
//! notifications kept as they come. Shared by the protocol tests and the latency
//! benchmark (`examples/lsp_edits.rs`).
#![allow(dead_code, reason = "each user takes what it needs")]

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// How long any one answer may take before the client gives up.
pub const TIMEOUT: Duration = Duration::from_secs(30);

pub struct Client {
    child: Child,
    stdin: Option<ChildStdin>,
    incoming: Receiver<Value>,
    next_id: i64,
    /// Notifications (and server requests) received and not yet taken.
    pub notifications: VecDeque<Value>,
    /// What `initialize` answered.
    pub initialized: Value,
}

impl Client {
    /// Start `server lsp` in `root` and go through the handshake, offering
    /// `capabilities` and `options` (`initializationOptions`).
    pub fn start(server: &Path, root: &Path, capabilities: Value, options: Value) -> Client {
        let mut child = Command::new(server)
            .arg("lsp")
            .current_dir(root)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the server starts");
        let stdout = child.stdout.take().expect("piped");
        let (send, incoming) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            while let Some(message) = read_message(&mut reader) {
                if send.send(message).is_err() {
                    break;
                }
            }
        });
        let mut client = Client {
            stdin: child.stdin.take(),
            child,
            incoming,
            next_id: 1,
            notifications: VecDeque::new(),
            initialized: Value::Null,
        };
        let root_uri = uri(root);
        client.initialized = client.request(
            "initialize",
            json!({
                "processId": null,
                "rootUri": root_uri,
                "capabilities": capabilities,
                "initializationOptions": options,
            }),
        );
        client.notify("initialized", json!({}));
        client
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn send(&mut self, message: &Value) {
        let body = message.to_string();
        let stdin = self.stdin.as_mut().expect("the server's stdin is open");
        write!(stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).expect("the server reads");
        stdin.flush().expect("the server reads");
    }

    pub fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Send a request and wait for its answer (its `result`; a panic on an error),
    /// keeping what comes before it.
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        let response = self.request_raw(method, params);
        assert!(
            response.get("error").is_none(),
            "{method} failed: {response}"
        );
        response["result"].clone()
    }

    /// `request`, the whole response.
    pub fn request_raw(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let message = self
                .receive()
                .unwrap_or_else(|| panic!("no answer to {method}"));
            if message.get("id") == Some(&json!(id)) && message.get("method").is_none() {
                return message;
            }
            self.keep(message);
        }
    }

    /// A message a client must see: a request of the server is answered at once
    /// (`client/registerCapability` and the like), and kept too.
    fn keep(&mut self, message: Value) {
        if let (Some(id), Some(_)) = (message.get("id"), message.get("method")) {
            let answer = json!({"jsonrpc": "2.0", "id": id, "result": null});
            self.send(&answer);
        }
        self.notifications.push_back(message);
    }

    fn receive(&mut self) -> Option<Value> {
        self.incoming.recv_timeout(TIMEOUT).ok()
    }

    /// Wait for the first notification that `wanted` accepts (taking it and the
    /// ones before it), or `None` after `timeout`.
    pub fn wait_for(
        &mut self,
        timeout: Duration,
        wanted: impl Fn(&Value) -> bool,
    ) -> Option<Value> {
        if let Some(i) = self.notifications.iter().position(&wanted) {
            self.notifications.drain(..i);
            return self.notifications.pop_front();
        }
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.incoming.recv_timeout(left) {
                Ok(message) if wanted(&message) => {
                    self.notifications.clear();
                    return Some(message);
                }
                Ok(message) => self.keep(message),
                Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => return None,
            }
        }
    }

    /// The diagnostics published for `uri` at `version`.
    pub fn diagnostics(&mut self, uri: &str, version: i64) -> Vec<Value> {
        let published = self
            .wait_for(TIMEOUT, |m| is_publish(m, uri, Some(version)))
            .unwrap_or_else(|| panic!("no diagnostics for {uri} at version {version}"));
        published["params"]["diagnostics"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// Every publish for `uri` among the notifications kept so far.
    pub fn published_for(&self, uri: &str) -> Vec<Value> {
        self.notifications
            .iter()
            .filter(|m| is_publish(m, uri, None))
            .cloned()
            .collect()
    }

    pub fn open(&mut self, uri: &str, text: &str) {
        let document = json!({"uri": uri, "languageId": "rust", "version": 1, "text": text});
        self.notify("textDocument/didOpen", json!({ "textDocument": document }));
    }

    /// Replace the whole text of `uri` (unsaved).
    pub fn change_all(&mut self, uri: &str, version: i64, text: &str) {
        self.change(uri, version, json!([{ "text": text }]));
    }

    pub fn change(&mut self, uri: &str, version: i64, changes: Value) {
        let document = json!({"uri": uri, "version": version});
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": document, "contentChanges": changes}),
        );
    }

    /// `shutdown`, `exit`, and how the server ended.
    pub fn shutdown(mut self) -> ExitStatus {
        self.request("shutdown", Value::Null);
        self.notify("exit", Value::Null);
        self.stdin = None;
        self.wait()
    }

    /// Close the server's stdin and wait for it to end.
    pub fn wait(mut self) -> ExitStatus {
        self.stdin = None;
        self.child.wait().expect("the server ends")
    }
}

/// Whether `m` publishes diagnostics for `uri` (at `version`, if given).
pub fn is_publish(m: &Value, uri: &str, version: Option<i64>) -> bool {
    m["method"] == "textDocument/publishDiagnostics"
        && m["params"]["uri"] == uri
        && version.is_none_or(|v| m["params"]["version"] == v)
}

/// The `file:` URI of a path, as clients spell it.
pub fn uri(path: &Path) -> String {
    let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let mut out = String::from("file://");
    for c in path.to_string_lossy().chars() {
        match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' | '/' | '-' | '_' | '.' | '~' => out.push(c),
            c => {
                let mut buffer = [0; 4];
                for b in c.encode_utf8(&mut buffer).bytes() {
                    out.push_str(&format!("%{b:02X}"));
                }
            }
        }
    }
    out
}

/// One message from the server, `None` at the end of its output.
fn read_message(reader: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(n) = line.strip_prefix("Content-Length: ") {
            length = n.parse::<usize>().ok();
        }
    }
    let mut body = vec![0; length?];
    reader.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

/// The byte offset of an LSP position in `text`, columns in UTF-16 code units or
/// UTF-8 bytes: the client's side of the count, written apart from the server's.
pub fn offset(text: &str, position: &Value, utf16: bool) -> usize {
    let line = position["line"].as_u64().expect("a line") as usize;
    let character = position["character"].as_u64().expect("a character") as usize;
    let start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
    let mut counted = 0;
    for (i, c) in text[start..].char_indices() {
        if counted >= character || c == '\n' {
            return start + i;
        }
        counted += if utf16 { c.len_utf16() } else { c.len_utf8() };
    }
    text.len()
}

/// `text` with the `TextEdit`s `edits` applied (ranges of the original text).
pub fn apply_edits(text: &str, edits: &[Value], utf16: bool) -> String {
    let mut spans: Vec<(usize, usize, &str)> = edits
        .iter()
        .map(|e| {
            let start = offset(text, &e["range"]["start"], utf16);
            let end = offset(text, &e["range"]["end"], utf16);
            (start, end, e["newText"].as_str().expect("a new text"))
        })
        .collect();
    spans.sort_by_key(|s| std::cmp::Reverse(s.0));
    let mut out = text.to_string();
    for (start, end, new) in spans {
        out.replace_range(start..end, new);
    }
    out
}

/// The text edits a code action's workspace edit makes to `uri`, whichever form
/// (`changes` or `documentChanges`) it takes.
pub fn edits_of(action: &Value, uri: &str) -> Vec<Value> {
    let edit = &action["edit"];
    if let Some(changes) = edit["changes"][uri].as_array() {
        return changes.clone();
    }
    edit["documentChanges"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|d| d["textDocument"]["uri"] == uri)
        .flat_map(|d| d["edits"].as_array().cloned().unwrap_or_default())
        .collect()
}
