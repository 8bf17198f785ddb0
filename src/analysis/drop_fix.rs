//! Where `drop(name);` can go so that a binding ends before its first yield point:
//! the machine-applicable fix of a held binding.

use crate::dataflow::DropKind;
use crate::held::{HeldValue, Origin};
use crate::lower::{collect_bindings, LoweredBody};

/// Where `drop(name);` can go so that the binding ends before its first yield: the
/// start of the statement of the binding's own block that contains that yield,
/// provided the binding is always held there, never moved, and not mentioned from
/// that statement on.
pub(super) fn drop_insertion(
    held: &HeldValue,
    body: &LoweredBody<'_>,
    text: &str,
) -> Option<(usize, String)> {
    let name = held.value.name.as_deref()?;
    let (block_id, decl_stmt) = held.value.decl?;
    if held.value.origin != Origin::Binding
        || !held.always_held()
        || held.drops.iter().any(|(_, k)| *k == DropKind::Move)
    {
        return None;
    }
    let (first, _) = held.yields.first()?;
    let &(_, stmt) = first.stmt_path.iter().find(|(b, _)| *b == block_id)?;
    if stmt <= decl_stmt {
        return None;
    }
    let block = body.blocks.get(block_id)?;
    // The name must still mean this binding there (no shadowing `let` in between),
    // and nothing from that statement on may use it.
    if stmts_bind(&block.stmts[decl_stmt + 1..stmt], name)
        || stmts_mention(&block.stmts[stmt..], name)
    {
        return None;
    }
    let start = crate::span::stmt(&block.stmts[stmt]).0;
    let line_start = text[..start].rfind('\n').map(|i| i + 1).unwrap_or(0);
    let indent = &text[line_start..start];
    if !indent.chars().all(|c| c == ' ' || c == '\t') {
        return None;
    }
    Some((start, indent.to_string()))
}

/// Whether any of `stmts` mentions the identifier `name` (macros included).
fn stmts_mention(stmts: &[syn::Stmt], name: &str) -> bool {
    use syn::visit::Visit;
    let mut m = crate::lower::Mentions::default();
    for s in stmts {
        m.visit_stmt(s);
    }
    m.idents.iter().any(|(n, _)| n == name)
}

/// Whether any of `stmts` is a `let` that binds `name`.
fn stmts_bind(stmts: &[syn::Stmt], name: &str) -> bool {
    stmts.iter().any(|s| match s {
        syn::Stmt::Local(l) => {
            let mut idents = Vec::new();
            collect_bindings(&l.pat, &mut idents);
            idents.iter().any(|i| i.ident == name)
        }
        _ => false,
    })
}
