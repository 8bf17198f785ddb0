//! Attribute readers: `#[cfg(..)]` predicates as an ordinary build sees them, the
//! `#[must_not_suspend]` annotation (also inside `cfg_attr`), and whether a type's
//! fields are plainly free of drop glue.

use super::file_index::first_type_arg;

/// The `#[must_not_suspend]` attribute among `attrs` (plain, `= "reason"`, or inside
/// `cfg_attr(..)`): `Some(reason)` when present.
pub fn must_not_suspend_attr(attrs: &[syn::Attribute]) -> Option<Option<String>> {
    for attr in attrs {
        if attr.path().is_ident("must_not_suspend") {
            return Some(reason_of(&attr.meta));
        }
        if attr.path().is_ident("cfg_attr") {
            let Ok(metas) = attr.parse_args_with(
                syn::punctuated::Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated,
            ) else {
                continue;
            };
            // The first item is the predicate; the rest are the attributes.
            if !metas.first().is_some_and(cfg_may_hold) {
                continue;
            }
            for meta in metas.iter().skip(1) {
                if meta.path().is_ident("must_not_suspend") {
                    return Some(reason_of(meta));
                }
            }
        }
    }
    None
}

/// Whether an item's `#[cfg(..)]` attributes may all hold in an ordinary build.
pub fn cfg_allows(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().filter(|a| a.path().is_ident("cfg")).all(|a| {
        a.parse_args::<syn::Meta>()
            .map_or(true, |meta| cfg_may_hold(&meta))
    })
}

/// Whether a `cfg` predicate may hold in an ordinary build: `all()`/`any()`/`not()`
/// are evaluated, `test` is off, anything else (features, targets) may be on.
fn cfg_may_hold(meta: &syn::Meta) -> bool {
    let nested = |m: &syn::Meta| -> Vec<syn::Meta> {
        match m {
            syn::Meta::List(l) => l
                .parse_args_with(
                    syn::punctuated::Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated,
                )
                .map(|p| p.into_iter().collect())
                .unwrap_or_default(),
            _ => Vec::new(),
        }
    };
    let path = meta.path();
    if path.is_ident("all") {
        nested(meta).iter().all(cfg_may_hold)
    } else if path.is_ident("any") {
        nested(meta).iter().any(cfg_may_hold)
    } else if path.is_ident("not") {
        !nested(meta).first().is_some_and(cfg_may_hold)
    } else {
        !path.is_ident("test")
    }
}

fn reason_of(meta: &syn::Meta) -> Option<String> {
    match meta {
        syn::Meta::NameValue(nv) => match &nv.value {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) => Some(s.value()),
            _ => None,
        },
        _ => None,
    }
}

/// Whether a field type plainly has no drop glue.
pub fn trivial_type(ty: &syn::Type) -> bool {
    match ty {
        syn::Type::Reference(_) | syn::Type::Ptr(_) | syn::Type::Never(_) | syn::Type::FnPtr(_) => {
            true
        }
        syn::Type::Paren(p) => trivial_type(&p.elem),
        syn::Type::Tuple(t) => t.elems.iter().all(trivial_type),
        syn::Type::Array(a) => trivial_type(&a.elem),
        syn::Type::Path(p) => {
            p.path.get_ident().is_some_and(|i| {
                matches!(
                    i.to_string().as_str(),
                    "u8" | "u16"
                        | "u32"
                        | "u64"
                        | "u128"
                        | "usize"
                        | "i8"
                        | "i16"
                        | "i32"
                        | "i64"
                        | "i128"
                        | "isize"
                        | "f32"
                        | "f64"
                        | "bool"
                        | "char"
                )
            }) || p.path.segments.last().is_some_and(|s| {
                s.ident == "PhantomData"
                    || (matches!(s.ident.to_string().as_str(), "Option" | "Cell" | "Wrapping")
                        && first_type_arg(s).is_some_and(trivial_type))
            })
        }
        _ => false,
    }
}

/// `#[derive(Copy)]`: a `Copy` type never has drop glue.
pub fn derives_copy(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("derive")
            && a.parse_args_with(
                syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
            )
            .is_ok_and(|paths| {
                paths
                    .iter()
                    .any(|p| p.segments.last().is_some_and(|s| s.ident == "Copy"))
            })
    })
}

pub fn fields_trivial(fields: &syn::Fields) -> bool {
    fields.iter().all(|f| trivial_type(&f.ty))
}
