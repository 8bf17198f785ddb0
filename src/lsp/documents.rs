//! The documents the client has open: each one's text as the client has it (its
//! changes applied in the order the protocol sends them), its version, and the file
//! on disk it stands for.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use lsp_types::{TextDocumentContentChangeEvent, Url};

use super::position::{Encoding, LineIndex};

#[derive(Debug)]
pub struct Document {
    pub uri: Url,
    /// The file, with links resolved as discovery spells a package's files.
    pub path: Arc<Path>,
    pub version: i32,
    pub text: String,
}

impl Document {
    /// Apply the client's changes, in order: a change with a range replaces that
    /// range of the text as the previous changes left it, one without replaces all.
    pub fn apply(
        &mut self,
        changes: Vec<TextDocumentContentChangeEvent>,
        version: i32,
        encoding: Encoding,
    ) {
        for change in changes {
            match change.range {
                Some(range) => {
                    let lines = LineIndex::new(&self.text);
                    let start = lines.offset(&self.text, range.start, encoding);
                    let end = lines.offset(&self.text, range.end, encoding).max(start);
                    self.text.replace_range(start..end, &change.text);
                }
                None => self.text = change.text,
            }
        }
        self.version = version;
    }
}

/// The open documents, by URI.
#[derive(Debug, Default)]
pub struct Documents {
    open: HashMap<Url, Document>,
}

impl Documents {
    /// Open a document; `None` for a URI that names no file (`untitled:`), which is
    /// not checked.
    pub fn open(&mut self, uri: Url, version: i32, text: String) -> Option<&Document> {
        let path = path_of(&uri)?;
        let document = Document {
            uri: uri.clone(),
            path,
            version,
            text,
        };
        self.open.insert(uri.clone(), document);
        self.open.get(&uri)
    }

    pub fn close(&mut self, uri: &Url) -> Option<Document> {
        self.open.remove(uri)
    }

    pub fn get(&self, uri: &Url) -> Option<&Document> {
        self.open.get(uri)
    }

    pub fn get_mut(&mut self, uri: &Url) -> Option<&mut Document> {
        self.open.get_mut(uri)
    }

    /// The open document of file `path`.
    pub fn by_path(&self, path: &Path) -> Option<&Document> {
        self.open.values().find(|d| &*d.path == path)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Document> {
        self.open.values()
    }
}

/// The file a `file:` URI names, its links resolved; for a file not on disk yet,
/// its directory's links.
pub fn path_of(uri: &Url) -> Option<Arc<Path>> {
    if uri.scheme() != "file" {
        return None;
    }
    let path = uri.to_file_path().ok()?;
    Some(Arc::from(canonical(&path).as_path()))
}

/// `path` with its links resolved, as far as it exists.
pub fn canonical(path: &Path) -> PathBuf {
    if let Ok(full) = std::fs::canonicalize(path) {
        return full;
    }
    match (path.parent(), path.file_name()) {
        (Some(dir), Some(name)) => canonical(dir).join(name),
        _ => path.to_path_buf(),
    }
}
