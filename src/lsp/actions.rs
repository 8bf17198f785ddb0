//! Code actions for the findings under the cursor: every suggestion of a finding
//! as a quick fix at its level (the machine-applicable ones preferred, the others
//! saying what they are), built from the suggestion's edits whatever fix made them;
//! and "allow this lint here" (`allow`).

use std::collections::HashMap;

use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, DocumentChanges, OneOf,
    OptionalVersionedTextDocumentIdentifier, Range, TextDocumentEdit, TextEdit, WorkspaceEdit,
};

use crate::catalog::Lint;
use crate::diagnostic::{Applicability, Diagnostic, Suggestion};

use super::allow;
use super::convert::{self, Text};

/// What the actions of one document are made from.
pub struct Context<'a> {
    pub at: Text<'a>,
    /// The version of the text the findings are of.
    pub version: i32,
    /// Whether the client takes versioned edits (`documentChanges`).
    pub document_changes: bool,
    /// The document's syntax tree, to place an `#[allow]`.
    pub ast: Option<&'a syn::File>,
}

/// The actions for the findings whose value's range meets `range`.
pub fn code_actions(
    findings: &[Diagnostic],
    range: Range,
    cx: &Context,
) -> Vec<CodeActionOrCommand> {
    let mut out = Vec::new();
    for d in findings {
        let shown = convert::diagnostic(d, &cx.at);
        if !meets(shown.range, range) {
            continue;
        }
        for s in &d.suggestions {
            if let Some(action) = quick_fix(s, &shown, cx) {
                out.push(CodeActionOrCommand::CodeAction(action));
            }
        }
        let lint = Lint::from_name(d.lint);
        let allowed = lint.and_then(|l| allow::allow(l, cx.at.text, d.primary.byte_start, cx.ast));
        if let Some(insertion) = allowed {
            let edit = TextEdit::new(cx.at.range(insertion.at, insertion.at), insertion.text);
            out.push(CodeActionOrCommand::CodeAction(CodeAction {
                title: insertion.title,
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![shown.clone()]),
                edit: Some(workspace_edit(vec![edit], cx)),
                is_preferred: Some(false),
                ..CodeAction::default()
            }));
        }
    }
    out
}

/// Whether two ranges share a position (touching counts: a cursor at either end).
fn meets(a: Range, b: Range) -> bool {
    a.start <= b.end && b.start <= a.end
}

/// A suggestion as a quick fix; `None` when one of its edits is in another file
/// (no fix does that yet; an action must apply whole or not at all).
fn quick_fix(s: &Suggestion, shown: &lsp_types::Diagnostic, cx: &Context) -> Option<CodeAction> {
    let mut edits = Vec::with_capacity(s.edits.len());
    for e in &s.edits {
        if *e.span.file != *cx.at.path {
            return None;
        }
        let range = cx.at.range(e.span.byte_start, e.span.byte_end);
        edits.push(TextEdit::new(range, e.replacement.clone()));
    }
    let title = match s.applicability {
        Applicability::MachineApplicable | Applicability::Unspecified => s.message.clone(),
        Applicability::MaybeIncorrect => format!("{} (may change what the code does)", s.message),
        Applicability::HasPlaceholders => format!("{} (has placeholders to fill in)", s.message),
    };
    Some(CodeAction {
        title,
        kind: Some(CodeActionKind::QUICKFIX),
        diagnostics: Some(vec![shown.clone()]),
        edit: Some(workspace_edit(edits, cx)),
        is_preferred: Some(s.applicability == Applicability::MachineApplicable),
        ..CodeAction::default()
    })
}

/// Edits of the document, for the version they were made against when the client
/// takes that (it then refuses them if the document changed since).
fn workspace_edit(edits: Vec<TextEdit>, cx: &Context) -> WorkspaceEdit {
    let uri = cx.at.uri.clone();
    if cx.document_changes {
        WorkspaceEdit {
            document_changes: Some(DocumentChanges::Edits(vec![TextDocumentEdit {
                text_document: OptionalVersionedTextDocumentIdentifier {
                    uri,
                    version: Some(cx.version),
                },
                edits: edits.into_iter().map(OneOf::Left).collect(),
            }])),
            ..WorkspaceEdit::default()
        }
    } else {
        WorkspaceEdit {
            changes: Some(HashMap::from([(uri, edits)])),
            ..WorkspaceEdit::default()
        }
    }
}
