//! The lowered event graph of a file's coroutines as text, one line per value, yield
//! point and basic block: what the lowering snapshots (`tests/lowering.rs`) compare,
//! as rustc's MIR-building tests compare MIR dumps. A change in drop order shows
//! here before it changes a finding.

use std::fmt::Write;
use std::path::Path;
use std::sync::Arc;

use crate::dataflow::{DropKind, Event};
use crate::held::Origin;
use crate::input::edition::Edition;
use crate::input::source::SourceFile;
use crate::lower::LoweredBody;

/// Every coroutine body of `text` (an `async fn`, async block or closure,
/// `#[coroutine]` closure), lowered as the analysis lowers it, in the order the
/// analysis visits them.
pub fn lowering(text: &str, edition: Edition) -> Result<String, String> {
    let ast = syn::parse_file(text).map_err(|e| e.to_string())?;
    let source = SourceFile::new(Arc::from(Path::new("dump.rs")), Arc::from(text));
    let mut out = String::new();
    let error = super::lower_bodies(&ast, text, edition, None, None, &mut |body, owner, _| {
        if body.kind.is_coroutine() {
            let name = owner.map(|o| format!(" `{}`", o.name)).unwrap_or_default();
            let _ = writeln!(out, "{:?}{name}", body.kind);
            write_body(&mut out, body, &source);
        }
    });
    proc_macro2::extra::invalidate_current_thread_spans();
    match error {
        Some(e) => Err(e.to_string()),
        None => Ok(out),
    }
}

fn write_body(out: &mut String, body: &LoweredBody<'_>, source: &SourceFile) {
    let at = |byte: usize| {
        let (line, column) = source.line_column(byte);
        format!("{line}:{column}")
    };
    for (i, v) in body.values.iter().enumerate() {
        let origin = match v.origin {
            Origin::Binding => "binding",
            Origin::Parameter => "parameter",
            Origin::Temporary { scrutinee: false } => "temporary",
            Origin::Temporary { scrutinee: true } => "scrutinee temporary",
            Origin::Capture => "capture",
            Origin::MacroOutput => "macro output",
        };
        let name = v
            .name
            .as_ref()
            .map(|n| format!(" `{n}`"))
            .unwrap_or_default();
        let shapes: Vec<String> = v.shapes.iter().map(|s| s.describe()).collect();
        let _ = writeln!(
            out,
            "  v{i}: {origin}{name} at {}: {}",
            at(v.span.0),
            shapes.join(", ")
        );
    }
    for (i, y) in body.yields.iter().enumerate() {
        let _ = writeln!(out, "  y{i}: {:?} at {}", y.kind, at(y.span.0));
    }
    for (b, block) in body.graph.blocks.iter().enumerate() {
        let events: Vec<String> = block
            .events
            .iter()
            .map(|e| match *e {
                Event::Create(v) => format!("create v{v}"),
                Event::Use(v) => format!("use v{v}"),
                Event::Borrow(v) => format!("borrow v{v}"),
                Event::Yield(y) => format!("yield y{y}"),
                Event::Acquire(a) => format!("acquire a{a}"),
                Event::Hold { value, acquisition } => format!("hold v{value} a{acquisition}"),
                Event::Drop { value, at: r, kind } => {
                    let how = match kind {
                        DropKind::ScopeEnd => "drop",
                        DropKind::Move => "move",
                    };
                    format!("{how} v{value} at {}", at(r.0))
                }
            })
            .collect();
        let succs: Vec<String> = block.succs.iter().map(|s| format!("bb{s}")).collect();
        let _ = writeln!(
            out,
            "  bb{b}: {} -> [{}]",
            events.join("; "),
            succs.join(", ")
        );
    }
}
