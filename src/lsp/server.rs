//! The server's loop: the handshake, then each message in order. A change to a
//! document is given to its package's index and checked once no other change has
//! come for the debounce time (or before any request is answered, so that answers
//! are about the text the client has); the check is published with the version it
//! is of. Checks run on this one thread, one at a time: they are short, and the
//! index records which files each check read on the thread that ran it.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::RecvTimeoutError;
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::{self as note, Notification as _};
use lsp_types::request::{self as req, Request as _};
use lsp_types::{
    ClientCapabilities, CodeActionKind, CodeActionOptions, CodeActionParams,
    CodeActionProviderCapability, FileChangeType, InitializeParams, InitializeResult,
    PublishDiagnosticsParams, ServerCapabilities, ServerInfo, TextDocumentSyncCapability,
    TextDocumentSyncKind, TextDocumentSyncOptions, Url,
};

use crate::diagnostic::Diagnostic;
use crate::driver::{Affected, Parsed};

use super::actions;
use super::convert::{self, Text};
use super::documents::{path_of, Documents};
use super::position::{Encoding, LineIndex};
use super::workspace::{package_dir, Workspace, CONFIG_FILES};
use super::ServeError;

/// How long the server waits after a change for the next one before it checks:
/// a burst of edits (typing, a paste, an undo) is checked once. Clients may set
/// `initializationOptions.debounceMs`.
const DEBOUNCE: Duration = Duration::from_millis(20);

/// Run a server on `connection` until the client says `exit`.
pub fn serve(connection: Connection) -> Result<(), ServeError> {
    let (id, params) = connection.initialize_start()?;
    let params: InitializeParams = serde_json::from_value(params)?;
    let encoding = Encoding::choose(
        params
            .capabilities
            .general
            .as_ref()
            .and_then(|g| g.position_encodings.as_deref()),
    );
    let result = InitializeResult {
        capabilities: capabilities(encoding),
        server_info: Some(ServerInfo {
            name: "yieldsafe".to_string(),
            version: Some(env!("CARGO_PKG_VERSION").to_string()),
        }),
    };
    connection.initialize_finish(id, serde_json::to_value(result)?)?;
    let mut server = Server::new(&connection, &params, encoding);
    server.watch_files(&params.capabilities);
    server.run()
}

fn capabilities(encoding: Encoding) -> ServerCapabilities {
    ServerCapabilities {
        position_encoding: Some(encoding.kind()),
        text_document_sync: Some(TextDocumentSyncCapability::Options(
            TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::INCREMENTAL),
                ..TextDocumentSyncOptions::default()
            },
        )),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
            resolve_provider: Some(false),
            ..CodeActionOptions::default()
        })),
        ..ServerCapabilities::default()
    }
}

struct Server<'c> {
    connection: &'c Connection,
    encoding: Encoding,
    /// Whether the client takes versioned edits.
    document_changes: bool,
    debounce: Duration,
    documents: Documents,
    workspace: Workspace,
    /// Documents whose text their index has not been given yet.
    changed: BTreeSet<Url>,
    /// Documents to check again.
    pending: BTreeSet<Url>,
    /// When to check them.
    due: Option<Instant>,
    /// The findings last published for each document, and the version they are of.
    published: HashMap<Url, (i32, Vec<Diagnostic>)>,
    shutdown: bool,
}

impl<'c> Server<'c> {
    fn new(connection: &'c Connection, params: &InitializeParams, encoding: Encoding) -> Self {
        let document_changes = params
            .capabilities
            .workspace
            .as_ref()
            .and_then(|w| w.workspace_edit.as_ref())
            .and_then(|e| e.document_changes)
            .unwrap_or(false);
        let debounce = params
            .initialization_options
            .as_ref()
            .and_then(|o| o.get("debounceMs"))
            .and_then(serde_json::Value::as_u64)
            .map_or(DEBOUNCE, Duration::from_millis);
        Server {
            connection,
            encoding,
            document_changes,
            debounce,
            documents: Documents::default(),
            workspace: Workspace::new(),
            changed: BTreeSet::new(),
            pending: BTreeSet::new(),
            due: None,
            published: HashMap::new(),
            shutdown: false,
        }
    }

    fn run(&mut self) -> Result<(), ServeError> {
        loop {
            let received = match self.due {
                Some(due) => self.connection.receiver.recv_deadline(due),
                None => self
                    .connection
                    .receiver
                    .recv()
                    .map_err(|_| RecvTimeoutError::Disconnected),
            };
            match received {
                Ok(Message::Request(r)) => self.request(r),
                Ok(Message::Notification(n)) if n.method == note::Exit::METHOD => {
                    return match self.shutdown {
                        true => Ok(()),
                        false => Err(ServeError::ExitWithoutShutdown),
                    };
                }
                Ok(Message::Notification(n)) => self.notification(n),
                // Answers to our own requests (`client/registerCapability`).
                Ok(Message::Response(_)) => {}
                Err(RecvTimeoutError::Timeout) => self.flush(),
                Err(RecvTimeoutError::Disconnected) => return Err(ServeError::Disconnected),
            }
        }
    }

    fn send(&self, message: Message) {
        // A client gone is noticed by the loop, when the receiver disconnects too.
        let _ = self.connection.sender.send(message);
    }

    fn request(&mut self, r: Request) {
        if self.shutdown {
            let error = Response::new_err(
                r.id,
                ErrorCode::InvalidRequest as i32,
                "the server is shutting down".to_string(),
            );
            return self.send(error.into());
        }
        // Answers are about the text the client has now.
        self.flush();
        let response = match r.method.as_str() {
            req::Shutdown::METHOD => {
                self.shutdown = true;
                Response::new_ok(r.id, ())
            }
            req::CodeActionRequest::METHOD => match serde_json::from_value(r.params) {
                Ok(params) => Response::new_ok(r.id, self.code_actions(params)),
                Err(e) => invalid_params(r.id, e),
            },
            _ => Response::new_err(
                r.id,
                ErrorCode::MethodNotFound as i32,
                format!("yieldsafe does not answer `{}`", r.method),
            ),
        };
        self.send(response.into());
    }

    fn notification(&mut self, n: Notification) {
        match n.method.as_str() {
            note::DidOpenTextDocument::METHOD => {
                if let Some(p) = params::<lsp_types::DidOpenTextDocumentParams>(n) {
                    let d = p.text_document;
                    if self
                        .documents
                        .open(d.uri.clone(), d.version, d.text)
                        .is_some()
                    {
                        self.changed(d.uri);
                    }
                }
            }
            note::DidChangeTextDocument::METHOD => {
                if let Some(p) = params::<lsp_types::DidChangeTextDocumentParams>(n) {
                    let uri = p.text_document.uri;
                    if let Some(document) = self.documents.get_mut(&uri) {
                        let version = p.text_document.version;
                        document.apply(p.content_changes, version, self.encoding);
                        self.changed(uri);
                    }
                }
            }
            note::DidCloseTextDocument::METHOD => {
                if let Some(p) = params::<lsp_types::DidCloseTextDocumentParams>(n) {
                    self.closed(&p.text_document.uri);
                }
            }
            note::DidChangeWatchedFiles::METHOD => {
                if let Some(p) = params::<lsp_types::DidChangeWatchedFilesParams>(n) {
                    for change in p.changes {
                        self.on_disk(&change.uri, change.typ);
                    }
                    self.schedule();
                }
            }
            note::DidChangeConfiguration::METHOD => self.reload(),
            // `initialized`, `didSave` (the buffer is the file now), `$/cancelRequest`
            // (answers come in order, right away), `$/setTrace`.
            _ => {}
        }
    }

    /// A document's text changed (or it was opened): check it after the debounce.
    fn changed(&mut self, uri: Url) {
        self.changed.insert(uri);
        self.schedule();
    }

    fn schedule(&mut self) {
        self.due = Some(Instant::now() + self.debounce);
    }

    fn closed(&mut self, uri: &Url) {
        self.changed.remove(uri);
        self.pending.remove(uri);
        self.published.remove(uri);
        self.publish(uri.clone(), Vec::new(), None);
        let Some(document) = self.documents.close(uri) else {
            return;
        };
        // Back to the file on disk: whose answers came from the buffer?
        if let Some(index) = self.workspace.existing(&document.path) {
            let affected = index.set_text(&document.path, None);
            self.mark(&document.path, affected);
            self.schedule();
        }
    }

    /// A file changed on disk (`workspace/didChangeWatchedFiles`).
    fn on_disk(&mut self, uri: &Url, change: FileChangeType) {
        let Some(path) = path_of(uri) else {
            return;
        };
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if CONFIG_FILES.contains(&name) {
            return self.reload();
        }
        if path.extension().is_none_or(|e| e != "rs") {
            return;
        }
        if change != FileChangeType::CHANGED {
            // A file came or went: the package's module tree is another.
            let package = package_dir(&path);
            let in_package: Vec<Url> = self
                .documents
                .iter()
                .filter(|d| package_dir(&d.path) == package)
                .map(|d| d.uri.clone())
                .collect();
            self.workspace.forget_package_of(&path);
            self.pending.extend(in_package);
        } else if self.documents.by_path(&path).is_none() {
            // An open buffer wins over its file on disk.
            if let Some(index) = self.workspace.existing(&path) {
                let affected = index.set_text(&path, None);
                self.mark(&path, affected);
            }
        }
    }

    /// The configuration may have changed: every package is indexed again.
    fn reload(&mut self) {
        self.workspace.forget_all();
        self.check_all_open();
        self.schedule();
    }

    fn check_all_open(&mut self) {
        let all: Vec<Url> = self.documents.iter().map(|d| d.uri.clone()).collect();
        self.pending.extend(all);
    }

    /// Mark for checking the open documents whose answers a change of the file at
    /// `path` can have changed.
    fn mark(&mut self, path: &std::path::Path, affected: Option<Affected>) {
        let uris: Vec<Url> = match affected {
            Some(Affected::Files(paths)) => paths
                .iter()
                .filter_map(|p| self.documents.by_path(p))
                .map(|d| d.uri.clone())
                .collect(),
            Some(Affected::All) => match self.workspace.existing(path) {
                Some(index) => self
                    .documents
                    .iter()
                    .filter(|d| index.contains(&d.path))
                    .map(|d| d.uri.clone())
                    .collect(),
                None => Vec::new(),
            },
            None => Vec::new(),
        };
        self.pending.extend(uris);
    }

    /// Give the indexes the changed texts, then check every document due.
    fn flush(&mut self) {
        self.due = None;
        for uri in std::mem::take(&mut self.changed) {
            let Some(path) = self.documents.get(&uri).map(|d| d.path.clone()) else {
                continue;
            };
            self.index_for(&path);
            let text = self.documents.get(&uri).map(|d| Arc::from(d.text.as_str()));
            let affected = self
                .workspace
                .existing(&path)
                .and_then(|index| index.set_text(&path, text));
            self.mark(&path, affected);
            self.pending.insert(uri);
        }
        for uri in std::mem::take(&mut self.pending) {
            self.check(uri);
        }
    }

    /// Make sure a package index has the file at `path`, telling the user when its
    /// package's configuration cannot be read.
    fn index_for(&mut self, path: &std::path::Path) {
        let error = self.workspace.ensure_index(path, &self.documents);
        if let Some(error) = error {
            self.show_warning(format!("yieldsafe: {error}; using the default levels"));
        }
    }

    /// Check one open document and publish what it has; nothing when it does not
    /// parse at all, so that the client keeps showing what it had (moved with the
    /// edits) rather than nothing.
    fn check(&mut self, uri: Url) {
        let Some(path) = self.documents.get(&uri).map(|d| d.path.clone()) else {
            return;
        };
        self.index_for(&path);
        let Some(checked) = self.workspace.existing(&path).and_then(|i| i.check(&path)) else {
            return;
        };
        if checked.parsed == Parsed::Failed && checked.problems.is_empty() {
            return;
        }
        let Some(document) = self.documents.get(&uri) else {
            return;
        };
        let lines = LineIndex::new(&document.text);
        let at = Text {
            uri: &uri,
            path: &document.path,
            text: &document.text,
            lines: &lines,
            encoding: self.encoding,
        };
        let mut shown: Vec<_> = checked
            .diagnostics
            .iter()
            .map(|d| convert::diagnostic(d, &at))
            .collect();
        shown.extend(checked.problems.iter().map(|p| convert::problem(p, &at)));
        let version = document.version;
        self.publish(uri.clone(), shown, Some(version));
        self.published.insert(uri, (version, checked.diagnostics));
    }

    fn publish(&self, uri: Url, diagnostics: Vec<lsp_types::Diagnostic>, version: Option<i32>) {
        let params = PublishDiagnosticsParams::new(uri, diagnostics, version);
        let n = Notification::new(note::PublishDiagnostics::METHOD.to_string(), params);
        self.send(n.into());
    }

    fn show_warning(&self, message: String) {
        let params = lsp_types::ShowMessageParams {
            typ: lsp_types::MessageType::WARNING,
            message,
        };
        let n = Notification::new(note::ShowMessage::METHOD.to_string(), params);
        self.send(n.into());
    }

    fn code_actions(&self, params: CodeActionParams) -> Vec<lsp_types::CodeActionOrCommand> {
        let uri = &params.text_document.uri;
        let (Some(document), Some((version, findings))) =
            (self.documents.get(uri), self.published.get(uri))
        else {
            return Vec::new();
        };
        // Findings of an older text have offsets that no longer hold.
        if *version != document.version {
            return Vec::new();
        }
        let lines = LineIndex::new(&document.text);
        let code = document.text.trim_start_matches('\u{feff}');
        let (ast, _) = crate::driver::parse_recovering(code);
        let cx = actions::Context {
            at: Text {
                uri,
                path: &document.path,
                text: &document.text,
                lines: &lines,
                encoding: self.encoding,
            },
            version: *version,
            document_changes: self.document_changes,
            ast: ast.as_ref(),
        };
        let out = actions::code_actions(findings, params.range, &cx);
        drop(ast);
        proc_macro2::extra::invalidate_current_thread_spans();
        out
    }

    /// Ask the client to tell about changes on disk to the sources and to the
    /// files that configure a package, when it can be asked.
    fn watch_files(&self, capabilities: &ClientCapabilities) {
        let dynamic = capabilities
            .workspace
            .as_ref()
            .and_then(|w| w.did_change_watched_files.as_ref())
            .and_then(|w| w.dynamic_registration)
            .unwrap_or(false);
        if !dynamic {
            return;
        }
        let watchers = std::iter::once("**/*.rs".to_string())
            .chain(CONFIG_FILES.iter().map(|name| format!("**/{name}")))
            .map(|glob| lsp_types::FileSystemWatcher {
                glob_pattern: lsp_types::GlobPattern::String(glob),
                kind: None,
            })
            .collect();
        let options = lsp_types::DidChangeWatchedFilesRegistrationOptions { watchers };
        let registration = lsp_types::Registration {
            id: "yieldsafe-watched-files".to_string(),
            method: note::DidChangeWatchedFiles::METHOD.to_string(),
            register_options: serde_json::to_value(options).ok(),
        };
        let params = lsp_types::RegistrationParams {
            registrations: vec![registration],
        };
        let request = Request::new(
            RequestId::from("yieldsafe-watch".to_string()),
            req::RegisterCapability::METHOD.to_string(),
            params,
        );
        self.send(request.into());
    }
}

/// A notification's parameters; `None` (the notification is dropped) if they are
/// not what the protocol says.
fn params<P: serde::de::DeserializeOwned>(n: Notification) -> Option<P> {
    serde_json::from_value(n.params).ok()
}

fn invalid_params(id: RequestId, e: serde_json::Error) -> Response {
    Response::new_err(id, ErrorCode::InvalidParams as i32, e.to_string())
}
