//! `self_deadlock`'s question of a lowered body: at each acquisition, is a guard of
//! the same lock alive? The dataflow gives the values held there (as at a yield
//! point); a value that holds the guard of an acquisition of the same place whose
//! access excludes the new one (`Acquired::relock`) is a finding.

use crate::dataflow::{self, ByteRange, DropKind, Event};
use crate::held::{BodyKind, RelockInfo};
use crate::input::edition::Edition;
use crate::lower::{lock_helpers, Arenas, BodyRef, LockHelpers, LoweredBody, Lowerer};
use crate::prefilter::scan::is_acquisition_method;
use crate::sketch::Sketch;

use super::FoundBody;

/// Whether `text` may take a lock while one is held: it calls (`.name`) a method
/// that acquires (`hazard::acquisition_methods`), or one `helper` says takes a lock.
/// Words in comments count too: they cost a walk, never a finding.
pub fn takes_locks(text: &str, helper: &dyn Fn(&str) -> bool) -> bool {
    let bytes = text.as_bytes();
    text.match_indices('.').any(|(dot, _)| {
        let mut start = dot + 1;
        while bytes.get(start).is_some_and(|b| b.is_ascii_whitespace()) {
            start += 1;
        }
        let rest = text.get(start..).unwrap_or("");
        let len = rest
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
            .count();
        let word = &rest[..len];
        !word.is_empty() && (is_acquisition_method(word) || helper(word))
    })
}

/// What each method of the file's types locks on its `self`: its body lowered
/// alone, before any caller (one level: what it locks through its own calls is not
/// followed).
pub(super) fn helpers<'ast>(
    bodies: &[FoundBody<'ast>],
    text: &str,
    sketch: &Sketch<'_, 'ast>,
    arena: &'ast Arenas,
    edition: Edition,
) -> LockHelpers {
    let mut lowered = Vec::new();
    for body in bodies {
        let Some(ty) = &body.self_ty else {
            continue;
        };
        if body.sig.receiver().is_none() {
            continue;
        }
        let (start, end) = crate::span::block(body.block);
        let inner = text.get(start..end).unwrap_or("");
        if !takes_locks(inner, &|_| false) {
            continue;
        }
        sketch.index.set_scope(&body.module);
        let lowerer = Lowerer::new(sketch, arena, edition, BodyKind::Plain, Some(ty.clone()))
            .with_signature(body.sig);
        if let Ok(b) = lowerer.lower_fn(&body.params, &[], BodyRef::Block(body.block)) {
            lowered.push((ty.clone(), body.name.clone(), b));
        }
    }
    lock_helpers(lowered.iter().map(|(t, n, b)| (t.clone(), n.clone(), b)))
}

/// The relocks of `body`: at each acquisition, the guards of the same place alive
/// there whose access excludes it.
pub(super) fn collect(body: &LoweredBody<'_>, item: &str, text: &str, out: &mut Vec<RelockInfo>) {
    let relock = |at: usize, first: usize| {
        let (first, second) = (&body.acquisitions[first], &body.acquisitions[at]);
        if first.place != second.place {
            return None;
        }
        second.acquired.relock(first.acquired)
    };
    let held =
        dataflow::held_at_acquisitions(&body.graph, |at, _, first| relock(at, first).is_some());
    for held in held {
        let first = &body.acquisitions[held.guard_of];
        let second = &body.acquisitions[held.at];
        let Some(relock) = relock(held.at, held.guard_of) else {
            continue;
        };
        let holder = &body.values[held.value];
        let (fixes, temp_context, head) =
            super::fixes::relock(holder, second.span, &second.stmt_path, body, text);
        out.push(RelockInfo {
            relock,
            holder: holder.clone(),
            first: first.clone(),
            second: second.clone(),
            always: held.always,
            held_until: scope_end(body, held.value, second.span),
            item: item.to_owned(),
            fixes,
            temp_context,
            head,
        });
    }
}

/// Where value `v` is dropped at its scope's end after `after`: the first such drop.
fn scope_end(body: &LoweredBody<'_>, v: usize, after: ByteRange) -> Option<ByteRange> {
    body.graph
        .blocks
        .iter()
        .flat_map(|b| &b.events)
        .filter_map(|e| match *e {
            Event::Drop {
                value,
                at,
                kind: DropKind::ScopeEnd,
            } if value == v && at.0 >= after.1 => Some(at),
            _ => None,
        })
        .min()
}
