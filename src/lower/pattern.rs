//! Patterns: which by-value binding of a pattern takes which hazard of the value it
//! matches (following the hazard's layers from the outside in: `Some(g)` takes
//! what an `Option` holds, `(a, b)` the tuple's elements, `S { f, .. }` a field),
//! and what a pattern binds at all.

use crate::dataflow::ByteRange;
use crate::hazard::{Layer, Member, Shape};
use crate::span::range;

/// Which by-value binding of `pat` takes the hazard `shape` (and what remains of the
/// shape at that binding), following the shape's layers from the outside in.
pub(super) fn pattern_takes<'p>(
    pat: &'p syn::Pat,
    shape: &Shape,
) -> Option<(&'p syn::PatIdent, Shape)> {
    match pat {
        syn::Pat::Ident(p) => ident_takes(p, shape),
        syn::Pat::Type(t) => pattern_takes(&t.pat, shape),
        syn::Pat::Paren(p) => pattern_takes(&p.pat, shape),
        syn::Pat::Or(o) => o.cases.first().and_then(|c| pattern_takes(c, shape)),
        syn::Pat::TupleStruct(ts) => {
            let name = ts.path.segments.last()?.ident.to_string();
            let peeled = match (name.as_str(), shape.outer()?) {
                // `Err(e)` takes it too: a `LockResult`'s error holds the guard.
                ("Some", Layer::Option)
                | ("Ok", Layer::Result)
                | ("Err", Layer::Result | Layer::ResultErr) => shape.peel(|_| true)?,
                (_, Layer::Field(Member::Unnamed(i))) => {
                    let inner = ts.elems.iter().nth(*i)?;
                    return pattern_takes(inner, &shape.peel(|_| true)?);
                }
                _ => return None,
            };
            ts.elems
                .iter()
                .next()
                .and_then(|e| pattern_takes(e, &peeled))
        }
        syn::Pat::Tuple(t) => match shape.outer()? {
            Layer::Field(Member::Unnamed(i)) => {
                pattern_takes(t.elems.iter().nth(*i)?, &shape.peel(|_| true)?)
            }
            _ => None,
        },
        syn::Pat::Struct(s) => match shape.outer()? {
            Layer::Field(member) => {
                let field = s
                    .fields
                    .iter()
                    .find(|f| super::member_of(&f.member) == *member)?;
                pattern_takes(&field.pat, &shape.peel(|_| true)?)
            }
            _ => None,
        },
        syn::Pat::Slice(s) => match shape.outer()? {
            Layer::Element => s
                .elems
                .iter()
                .find_map(|e| pattern_takes(e, &shape.peel(|_| true)?)),
            // `let [a, b] = [g, h]`: by position, up to a `..`.
            Layer::Index(i) => {
                let before_rest: Vec<&syn::Pat> = s
                    .elems
                    .iter()
                    .take_while(|p| !matches!(p, syn::Pat::Rest(_)))
                    .collect();
                pattern_takes(before_rest.get(*i)?, &shape.peel(|_| true)?)
            }
            _ => None,
        },
        _ => None,
    }
}

/// An identifier pattern takes the whole value, unless it binds by reference, is
/// `_`, or names a unit variant or constant.
fn ident_takes<'p>(p: &'p syn::PatIdent, shape: &Shape) -> Option<(&'p syn::PatIdent, Shape)> {
    if p.by_ref.is_some() || p.ident == "_" {
        return None;
    }
    // `g @ Some(_)` still takes the whole value.
    if p.subpat.is_none() && looks_like_constant(&p.ident.to_string(), false) {
        return None;
    }
    Some((p, shape.clone()))
}

/// A name a pattern uses for a unit variant or constant (`None`, `MAX`), not a
/// binding; `digits` allows digits in a constant's name.
fn looks_like_constant(name: &str, digits: bool) -> bool {
    name.starts_with(char::is_uppercase)
        && (name == "None"
            || name
                .chars()
                .all(|c| c.is_uppercase() || c == '_' || (digits && c.is_ascii_digit())))
}

/// A pattern that always matches (no refutable part): no failure path.
pub(super) fn is_irrefutable(pat: &syn::Pat) -> bool {
    match pat {
        syn::Pat::Ident(p) => {
            let looks_like_const = p.ident.to_string().starts_with(char::is_uppercase);
            !looks_like_const && p.subpat.as_ref().is_none_or(|(_, s)| is_irrefutable(s))
        }
        syn::Pat::Wild(_) | syn::Pat::Rest(_) => true,
        syn::Pat::Type(t) => is_irrefutable(&t.pat),
        syn::Pat::Paren(p) => is_irrefutable(&p.pat),
        syn::Pat::Reference(r) => is_irrefutable(&r.pat),
        syn::Pat::Tuple(t) => t.elems.iter().all(is_irrefutable),
        _ => false,
    }
}

pub(super) fn split_type(pat: &syn::Pat) -> (&syn::Pat, Option<&syn::Type>) {
    match pat {
        syn::Pat::Type(t) => (&t.pat, Some(&t.ty)),
        p => (p, None),
    }
}

pub(super) fn pattern_has_ref(pat: &syn::Pat) -> bool {
    let mut idents = Vec::new();
    collect_bindings(pat, &mut idents);
    idents.iter().any(|i| i.by_ref.is_some())
}

/// Every identifier binding in a pattern.
pub fn collect_bindings<'p>(pat: &'p syn::Pat, out: &mut Vec<&'p syn::PatIdent>) {
    match pat {
        syn::Pat::Ident(p) => {
            if p.subpat.is_some() || !looks_like_constant(&p.ident.to_string(), true) {
                out.push(p);
            }
            if let Some((_, sub)) = &p.subpat {
                collect_bindings(sub, out);
            }
        }
        syn::Pat::Type(t) => collect_bindings(&t.pat, out),
        syn::Pat::Paren(p) => collect_bindings(&p.pat, out),
        syn::Pat::Reference(r) => collect_bindings(&r.pat, out),
        syn::Pat::Or(o) => {
            if let Some(first) = o.cases.first() {
                collect_bindings(first, out);
            }
        }
        syn::Pat::Tuple(t) => t.elems.iter().for_each(|p| collect_bindings(p, out)),
        syn::Pat::TupleStruct(t) => t.elems.iter().for_each(|p| collect_bindings(p, out)),
        syn::Pat::Slice(s) => s.elems.iter().for_each(|p| collect_bindings(p, out)),
        syn::Pat::Struct(s) => s.fields.iter().for_each(|f| collect_bindings(&f.pat, out)),
        syn::Pat::Guard(g) => collect_bindings(&g.pat, out),
        _ => {}
    }
}

/// A binding's span as rustc gives it: from `ref` / `mut` through the name.
pub fn binding_span(ident: &syn::PatIdent) -> ByteRange {
    let start = ident
        .by_ref
        .map(|r| range(r.span).0)
        .or(ident.mutability.map(|m| range(m.span).0))
        .unwrap_or(range(ident.ident.span()).0);
    (start, range(ident.ident.span()).1)
}
