//! Per-file analysis: find every body (fns, methods, and the async blocks and
//! closures inside them), lower each to its event graph, run the dataflow, and
//! return the values held across a yield point.

use syn::visit::Visit;

pub mod dump;
mod fixes;
mod relocks;
pub mod summary;

use crate::dataflow;
pub use crate::held::FileFindings;
use crate::held::{BodyKind, FnOwner, HeldValue, Origin, OwnerKind, ValueInfo, YieldInfo};
use crate::input::edition::Edition;
use crate::lower::{
    Arenas, BodyRef, ChildBody, ChildSyntax, LockHelpers, LoweredBody, Lowerer, TooDeep,
};
use crate::resolve::file_index::FileIndex;
use crate::sketch::Sketch;

/// Analyse one parsed file, of a crate whose other files are summarised in `table`
/// when it has one. `Err` when a body nests too deeply to walk; the values of the
/// other bodies are still returned with it.
pub fn analyse_file_in_crate(
    file: &syn::File,
    text: &str,
    edition: Edition,
    table: Option<std::sync::Arc<crate::resolve::crate_table::CrateTable>>,
    module: Option<crate::resolve::modtree::Module>,
) -> (FileFindings, Option<TooDeep>) {
    let mut out = FileFindings::default();
    let error = lower_bodies(
        file,
        text,
        edition,
        table,
        module,
        &mut |body, owner, item| {
            if body.values.iter().any(|v| !v.acquired.is_empty()) {
                relocks::collect(body, item, text, &mut out.relocks);
            }
            collect_held(body, owner, item, text, &mut out.held);
        },
    );
    out.held
        .sort_by_key(|h| (h.value.span, h.yields.first().map(|y| y.0.span)));
    out.relocks
        .sort_by_key(|r| (r.second.span, r.first.span, r.holder.span));
    out.relocks
        .dedup_by_key(|r| (r.second.span, r.second.place.clone(), r.first.span));
    (out, error)
}

/// Lower every body of the file that can hold something across a yield point (fns,
/// methods, and the async blocks and closures inside them), or take a lock twice,
/// giving each to `visit` with its `async fn` and the path of the fn it is in. The
/// first body nested too deeply to walk is returned; the others are still lowered.
fn lower_bodies(
    file: &syn::File,
    text: &str,
    edition: Edition,
    table: Option<std::sync::Arc<crate::resolve::crate_table::CrateTable>>,
    module: Option<crate::resolve::modtree::Module>,
    visit: &mut dyn FnMut(&LoweredBody<'_>, Option<FnOwner>, &str),
) -> Option<TooDeep> {
    // No async code, no coroutine, no lock taken: nothing can be held across a
    // yield point, and no lock taken twice.
    let may_relock = relocks::takes_locks(text, &|_| false);
    if !text.contains("async") && !text.contains("yield") && !may_relock {
        return None;
    }
    let index = FileIndex::build_in_crate(file, text, table, module);
    let arena = Arenas::default();
    let mut finder = BodyFinder::default();
    finder.visit_file(file);
    let opaque = opaque_returns(&finder.bodies, &index, &arena, edition);
    let sketch = Sketch::new(&index).with_opaque_returns(opaque);
    let helpers = if may_relock {
        relocks::helpers(&finder.bodies, text, &sketch, &arena, edition)
    } else {
        LockHelpers::default()
    };
    let mut error = None;
    for body in finder.bodies {
        // Without a yield point nothing is held across one; a plain fn matters only
        // for the async blocks and closures inside it, and for the locks it takes.
        let (start, end) = crate::span::block(body.block);
        let inner = text.get(start..end).unwrap_or("");
        let coroutine = body.kind != BodyKind::Plain || inner.contains("async");
        let yields = (coroutine || inner.contains("yield")) && may_yield(inner, &index);
        let relocks = may_relock && relocks::takes_locks(inner, &|m| helpers.has_method(m));
        if !yields && !relocks {
            continue;
        }
        index.set_scope(&body.module);
        let lowerer = Lowerer::new(&sketch, &arena, edition, body.kind, body.self_ty.clone())
            .with_signature(body.sig)
            .with_lock_helpers(&helpers);
        let owner = (body.kind == BodyKind::AsyncFn).then(|| body.owner.clone());
        let item = body.item_path();
        let walked = lowerer
            .lower_fn(&body.params, &[], BodyRef::Block(body.block))
            .and_then(|lowered| {
                let mut visit = |b: &LoweredBody<'_>, o: Option<FnOwner>| visit(b, o, &item);
                lower_children(
                    lowered, owner, &sketch, &arena, &helpers, edition, &mut visit,
                )
            });
        if let Err(e) = walked {
            error.get_or_insert(e);
        }
    }
    error
}

/// What the fns returning `impl Deref` (or any `impl Trait`) really return: lowered
/// first, so that their callers know (`fn names(&self) -> impl DerefMut`).
fn opaque_returns<'ast>(
    bodies: &[FoundBody<'ast>],
    index: &FileIndex<'ast>,
    arena: &'ast Arenas,
    edition: Edition,
) -> crate::support::hash::HashMap<String, Vec<crate::hazard::Shape>> {
    let plain = Sketch::new(index);
    let mut opaque = crate::support::hash::HashMap::default();
    for body in bodies
        .iter()
        .filter(|b| b.opaque_return && b.kind == BodyKind::Plain)
    {
        index.set_scope(&body.module);
        let lowerer = Lowerer::new(&plain, arena, edition, body.kind, body.self_ty.clone());
        if let Ok(lowered) = lowerer.lower_fn(&body.params, &[], BodyRef::Block(body.block)) {
            if !lowered.returned.is_empty() {
                opaque.insert(body.name.clone(), lowered.returned);
            }
        }
    }
    opaque
}

/// Whether a body's text can contain a yield point: `.await`, `yield`, or a macro
/// that awaits. A word in a comment or string only costs a needless walk.
fn may_yield(body: &str, index: &FileIndex) -> bool {
    if body.contains("await") || body.contains("yield") {
        return true;
    }
    // `name!` for a macro that awaits (`select!`, `join!`, the crate's own).
    body.match_indices('!').any(|(at, _)| {
        let before = body[..at].trim_end();
        let start = before
            .rfind(|c: char| !(c.is_alphanumeric() || c == '_'))
            .map_or(0, |i| i + 1);
        let name = &before[start..];
        !name.is_empty() && index.is_awaiting_macro(name)
    })
}

/// Give `lowered` to `visit`, then lower the bodies nested in it, each with what it
/// captured, and so on down.
fn lower_children<'ast>(
    lowered: LoweredBody<'ast>,
    owner: Option<FnOwner>,
    sketch: &Sketch<'_, 'ast>,
    arena: &'ast Arenas,
    helpers: &LockHelpers,
    edition: Edition,
    visit: &mut dyn FnMut(&LoweredBody<'_>, Option<FnOwner>),
) -> Result<(), TooDeep> {
    let mut work = vec![(lowered, owner)];
    while let Some((body, owner)) = work.pop() {
        visit(&body, owner);
        for child in body.children {
            let ChildBody {
                kind,
                body: syntax,
                env,
                self_ty,
                spawned_by,
            } = child;
            let owner = spawned_by.map(|(name, name_span)| FnOwner {
                name,
                name_span,
                kind: OwnerKind::SpawnedBlock,
            });
            let lowerer =
                Lowerer::new(sketch, arena, edition, kind, self_ty).with_lock_helpers(helpers);
            let lowered = match syntax {
                ChildSyntax::Block(b) => lowerer.lower_fn(&[], &env, BodyRef::Block(b))?,
                ChildSyntax::Closure(c) => {
                    let params: Vec<_> = c.inputs.iter().map(|p| (p, None)).collect();
                    lowerer.lower_fn(&params, &env, BodyRef::Expr(&c.body))?
                }
            };
            work.push((lowered, owner));
        }
    }
    Ok(())
}

fn collect_held(
    body: &LoweredBody<'_>,
    owner: Option<FnOwner>,
    item: &str,
    text: &str,
    out: &mut Vec<HeldValue>,
) {
    if !body.kind.is_coroutine() || body.yields.is_empty() {
        return;
    }
    let holdings = dataflow::analyse(&body.graph, body.values.len());
    // Only what makes a future `!Send` matters when a value's storage is all that is
    // left: ask only when there is such a value.
    let kept = owner
        .as_ref()
        .filter(|_| {
            body.values
                .iter()
                .any(|v| v.shapes.iter().any(|s| s.hazard.is_not_send()))
        })
        .map(|_| dataflow::storage_kept(&body.graph, body.values.len()));
    for (id, (value, holding)) in body.values.iter().zip(holdings).enumerate() {
        let held = if holding.yields.is_empty() {
            kept.as_ref()
                .and_then(|k| storage_only(value, &k[id], body, owner.clone(), item))
        } else {
            held_value(id, value, holding, body, owner.clone(), item, text)
        };
        out.extend(held);
    }
}

/// A value the dataflow found held across yields: those where it is, for one
/// without drop glue only those where it is still used after (NLL).
fn held_value(
    id: usize,
    value: &ValueInfo,
    holding: dataflow::Holding,
    body: &LoweredBody<'_>,
    owner: Option<FnOwner>,
    item: &str,
    text: &str,
) -> Option<HeldValue> {
    let no_glue = value
        .shapes
        .iter()
        .filter(|s| s.is_held())
        .all(|s| !s.has_drop_glue());
    let mut yields: Vec<(YieldInfo, bool)> = holding
        .yields
        .iter()
        .filter(|&&(y, _)| !no_glue || dataflow::used_after_yield(&body.graph, id, y))
        .map(|&(y, must)| (body.yields[y].clone(), must))
        .collect();
    if yields.is_empty() {
        return None;
    }
    yields.sort_by_key(|(y, _)| y.span);
    let mut held = HeldValue {
        value: value.clone(),
        body: body.kind,
        yields,
        drops: holding.drops,
        fixes: Vec::new(),
        critical_section: false,
        temp_context: None,
        owner,
        storage_only: false,
        item: item.to_owned(),
    };
    fixes::plan(&mut held, body, text);
    Some(held)
}

/// A binding moved out before the yields `kept`, after a borrow, whose storage the
/// future keeps: it still makes the future `!Send`, though nothing holds it.
fn storage_only(
    value: &ValueInfo,
    kept: &[usize],
    body: &LoweredBody<'_>,
    owner: Option<FnOwner>,
    item: &str,
) -> Option<HeldValue> {
    let binding = matches!(value.origin, Origin::Binding | Origin::Parameter);
    if kept.is_empty() || !binding || !value.shapes.iter().any(|s| s.hazard.is_not_send()) {
        return None;
    }
    Some(HeldValue {
        value: value.clone(),
        body: body.kind,
        yields: kept
            .iter()
            .map(|&y| (body.yields[y].clone(), false))
            .collect(),
        drops: Vec::new(),
        fixes: Vec::new(),
        critical_section: false,
        temp_context: None,
        owner,
        storage_only: true,
        item: item.to_owned(),
    })
}

/// `pub`, and not restricted to the crate (`pub(crate)` futures are not exposed).
fn is_pub(vis: &syn::Visibility) -> bool {
    matches!(vis, syn::Visibility::Public(_))
}

/// A fn-like body found in the file.
struct FoundBody<'ast> {
    sig: &'ast syn::Signature,
    name: String,
    owner: FnOwner,
    /// Returns `impl Trait`.
    opaque_return: bool,
    kind: BodyKind,
    params: Vec<(&'ast syn::Pat, Option<&'ast syn::Type>)>,
    block: &'ast syn::Block,
    self_ty: Option<String>,
    /// The inline modules it is in.
    module: Vec<String>,
}

impl FoundBody<'_> {
    /// The fn's path within its file: inline modules, the `impl`'s type, the name
    /// (`cache::Store::refresh`).
    fn item_path(&self) -> String {
        let mut parts: Vec<&str> = self.module.iter().map(String::as_str).collect();
        parts.extend(self.self_ty.as_deref());
        parts.push(&self.name);
        parts.join("::")
    }
}

#[derive(Default)]
struct BodyFinder<'ast> {
    bodies: Vec<FoundBody<'ast>>,
    self_ty: Vec<Option<String>>,
    module: Vec<String>,
}

impl<'ast> BodyFinder<'ast> {
    fn add(&mut self, sig: &'ast syn::Signature, block: &'ast syn::Block, is_pub: bool) {
        let kind = if sig.asyncness.is_some() {
            BodyKind::AsyncFn
        } else {
            BodyKind::Plain
        };
        let params = sig
            .inputs
            .iter()
            .filter_map(|arg| match arg {
                syn::FnArg::Typed(p) => Some((&*p.pat, Some(&*p.ty))),
                syn::FnArg::Receiver(_) => None,
            })
            .collect();
        let opaque_return = matches!(&sig.output, syn::ReturnType::Type(_, ty) if matches!(**ty, syn::Type::ImplTrait(_)));
        self.bodies.push(FoundBody {
            sig,
            owner: FnOwner {
                name: sig.ident.to_string(),
                name_span: crate::span::range(sig.ident.span()),
                kind: OwnerKind::AsyncFn { is_pub },
            },
            name: sig.ident.to_string(),
            opaque_return,
            kind,
            params,
            block,
            self_ty: self.self_ty.last().cloned().flatten(),
            module: self.module.clone(),
        });
    }
}

impl<'ast> Visit<'ast> for BodyFinder<'ast> {
    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        self.add(&f.sig, &f.block, is_pub(&f.vis));
        // Items nested in the body (fns, impls) are bodies of their own.
        self.self_ty.push(None);
        syn::visit::visit_item_fn(self, f);
        self.self_ty.pop();
    }

    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        self.add(&f.sig, &f.block, is_pub(&f.vis));
        syn::visit::visit_impl_item_fn(self, f);
    }

    fn visit_trait_item_fn(&mut self, f: &'ast syn::TraitItemFn) {
        if let Some(block) = &f.default {
            self.add(&f.sig, block, false);
        }
        syn::visit::visit_trait_item_fn(self, f);
    }

    fn visit_item_impl(&mut self, i: &'ast syn::ItemImpl) {
        let name = match &*i.self_ty {
            syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
            _ => None,
        };
        self.self_ty.push(name);
        syn::visit::visit_item_impl(self, i);
        self.self_ty.pop();
    }

    fn visit_item_trait(&mut self, t: &'ast syn::ItemTrait) {
        self.self_ty.push(None);
        syn::visit::visit_item_trait(self, t);
        self.self_ty.pop();
    }

    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        self.module.push(m.ident.to_string());
        syn::visit::visit_item_mod(self, m);
        self.module.pop();
    }

    // Closures and async blocks are found by the lowering of their enclosing body,
    // which knows what they capture; statics and consts may hold async blocks too.
    fn visit_item_static(&mut self, _: &'ast syn::ItemStatic) {}
    fn visit_item_const(&mut self, _: &'ast syn::ItemConst) {}
}
