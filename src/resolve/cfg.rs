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

/// Whether a `cfg` predicate may hold in the build of a file alone (`BuildCfg`'s
/// default: a feature may be on, the target is `TARGET_CFGS`', `test` is off).
fn cfg_may_hold(meta: &syn::Meta) -> bool {
    BuildCfg::default().eval(meta, false) != CfgValue::Off
}

/// The predicates inside `all(..)`, `any(..)`, `not(..)`.
fn nested_metas(meta: &syn::Meta) -> Vec<syn::Meta> {
    match meta {
        syn::Meta::List(l) => l
            .parse_args_with(
                syn::punctuated::Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated,
            )
            .map(|p| p.into_iter().collect())
            .unwrap_or_default(),
        _ => Vec::new(),
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

/// What a `#[cfg]` predicate comes to in the build yieldsafe takes for the checked
/// package: on, off, or not known (a feature of a package whose manifest is unknown).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CfgValue {
    On,
    Off,
    Unknown,
}

impl CfgValue {
    /// Three-valued `and`: off wins, then unknown.
    pub fn and(self, other: CfgValue) -> CfgValue {
        match (self, other) {
            (CfgValue::Off, _) | (_, CfgValue::Off) => CfgValue::Off,
            (CfgValue::Unknown, _) | (_, CfgValue::Unknown) => CfgValue::Unknown,
            _ => CfgValue::On,
        }
    }

    /// Three-valued `or`: on wins, then unknown.
    fn or(self, other: CfgValue) -> CfgValue {
        self.not().and(other.not()).not()
    }

    fn not(self) -> CfgValue {
        match self {
            CfgValue::On => CfgValue::Off,
            CfgValue::Off => CfgValue::On,
            CfgValue::Unknown => CfgValue::Unknown,
        }
    }
}

/// The build the checked package is taken to be (README: "Which declaration"): the features its
/// manifest turns on by default (or those cargo's flags select), `test` only inside
/// `#[cfg(test)]` code, the target of `TARGET_CFGS`, every other cfg off.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BuildCfg {
    /// The features on; `None` when the package's manifest is not known (a file
    /// checked alone), and then a feature may be on or off.
    pub features: Option<std::collections::BTreeSet<String>>,
}

/// The target yieldsafe takes a build to be for: x86_64 Linux with glibc, the host
/// of most CI runners and of the registry's docs builds. `(name, value)`: the
/// `cfg(name)` or `cfg(name = "value")` that hold; one not listed is off (`windows`,
/// `target_os = "macos"`, `docsrs`, `loom`, `tokio_unstable`, custom cfgs), as rustc
/// has it for names nobody set.
pub const TARGET_CFGS: &[(&str, Option<&str>)] = &[
    ("unix", None),
    ("target_family", Some("unix")),
    ("target_os", Some("linux")),
    ("target_env", Some("gnu")),
    ("target_arch", Some("x86_64")),
    ("target_pointer_width", Some("64")),
    ("target_endian", Some("little")),
    ("target_vendor", Some("unknown")),
    ("panic", Some("unwind")),
    // cargo's default (dev) profile, which `cargo check` and clippy build with.
    ("debug_assertions", None),
    // Every width has atomics on x86_64.
    ("target_has_atomic", Some("8")),
    ("target_has_atomic", Some("16")),
    ("target_has_atomic", Some("32")),
    ("target_has_atomic", Some("64")),
    ("target_has_atomic", Some("ptr")),
];

impl BuildCfg {
    /// What an item's `#[cfg(..)]` attributes come to together; `in_test` is whether
    /// the item sits in `#[cfg(test)]` code.
    pub fn of_attrs(&self, attrs: &[syn::Attribute], in_test: bool) -> CfgValue {
        let mut all = CfgValue::On;
        for attr in attrs.iter().filter(|a| a.path().is_ident("cfg")) {
            let v = attr
                .parse_args::<syn::Meta>()
                .map_or(CfgValue::Unknown, |meta| self.eval(&meta, in_test));
            all = all.and(v);
        }
        all
    }

    fn eval(&self, meta: &syn::Meta, in_test: bool) -> CfgValue {
        let nested = nested_metas;
        let path = meta.path();
        if path.is_ident("all") {
            return nested(meta)
                .iter()
                .fold(CfgValue::On, |acc, m| acc.and(self.eval(m, in_test)));
        }
        if path.is_ident("any") {
            return nested(meta)
                .iter()
                .fold(CfgValue::Off, |acc, m| acc.or(self.eval(m, in_test)));
        }
        if path.is_ident("not") {
            return nested(meta)
                .first()
                .map_or(CfgValue::Unknown, |m| self.eval(m, in_test).not());
        }
        let Some(name) = path.get_ident().map(|i| i.to_string()) else {
            return CfgValue::Unknown;
        };
        let value = match meta {
            syn::Meta::NameValue(nv) => match &nv.value {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) => Some(s.value()),
                _ => return CfgValue::Unknown,
            },
            syn::Meta::Path(_) => None,
            syn::Meta::List(_) => return CfgValue::Unknown,
        };
        let on = |b: bool| if b { CfgValue::On } else { CfgValue::Off };
        match (name.as_str(), &value) {
            ("test", None) => on(in_test),
            ("feature", Some(f)) => match &self.features {
                Some(features) => on(features.contains(f)),
                None => CfgValue::Unknown,
            },
            _ => on(TARGET_CFGS
                .iter()
                .any(|(n, v)| *n == name && v.map(str::to_string) == value)),
        }
    }
}

/// The features a manifest turns on: `default` (unless `no_default`), those named,
/// or every one (`all`), each with what it enables in turn (`a = ["b", "dep:x",
/// "x/f"]`: `b`, and the optional dependency `x`, which is a feature of its name
/// unless some feature says `dep:x`).
pub fn manifest_features(
    manifest: &toml::Table,
    named: &[String],
    all: bool,
    no_default: bool,
) -> std::collections::BTreeSet<String> {
    use std::collections::BTreeSet;
    let table = manifest.get("features").and_then(|f| f.as_table());
    let enables = |f: &str| -> Vec<String> {
        table
            .and_then(|t| t.get(f))
            .and_then(|v| v.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str())
                    .filter_map(|s| {
                        let s = s.strip_prefix("dep:").unwrap_or(s);
                        // `x/f` and `x?/f` turn on the dependency `x`'s feature `f`,
                        // and (without `?`) the optional dependency `x` itself.
                        match s.split_once('/') {
                            Some((dep, _)) if !dep.ends_with('?') => Some(dep.to_string()),
                            Some(_) => None,
                            None => Some(s.to_string()),
                        }
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut start: Vec<String> = named
        .iter()
        // `pkg/feat` on the command line names another package's feature.
        .filter(|f| !f.contains('/'))
        .cloned()
        .collect();
    if all {
        start.extend(table.into_iter().flat_map(|t| t.keys().cloned()));
        for deps in ["dependencies", "build-dependencies"] {
            if let Some(d) = manifest.get(deps).and_then(|d| d.as_table()) {
                start.extend(
                    d.iter()
                        .filter(|(_, v)| v.get("optional").and_then(|o| o.as_bool()) == Some(true))
                        .map(|(k, _)| k.clone()),
                );
            }
        }
    }
    if !no_default {
        start.push("default".to_string());
    }
    let mut on = BTreeSet::new();
    while let Some(f) = start.pop() {
        if on.insert(f.clone()) {
            start.extend(enables(&f));
        }
    }
    on
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(cfg: &BuildCfg, attr: &str, in_test: bool) -> CfgValue {
        let item: syn::ItemStruct = syn::parse_str(&format!("{attr} struct S;")).unwrap();
        cfg.of_attrs(&item.attrs, in_test)
    }

    #[test]
    fn predicates_in_the_taken_build() {
        let known = BuildCfg {
            features: Some(["rt".to_string()].into_iter().collect()),
        };
        let alone = BuildCfg::default();
        use CfgValue::*;
        for (attr, with_manifest, without, in_test) in [
            ("#[cfg(feature = \"rt\")]", On, Unknown, false),
            ("#[cfg(feature = \"rc\")]", Off, Unknown, false),
            ("#[cfg(not(feature = \"rc\"))]", On, Unknown, false),
            ("#[cfg(all(unix, feature = \"rt\"))]", On, Unknown, false),
            (
                "#[cfg(any(windows, feature = \"rc\"))]",
                Off,
                Unknown,
                false,
            ),
            ("#[cfg(any(unix, feature = \"rc\"))]", On, On, false),
            ("#[cfg(target_os = \"linux\")]", On, On, false),
            ("#[cfg(target_os = \"windows\")]", Off, Off, false),
            ("#[cfg(loom)]", Off, Off, false),
            ("#[cfg(test)]", Off, Off, false),
            ("#[cfg(test)]", On, On, true),
            ("#[cfg(not(test))] #[cfg(unix)]", Off, Off, true),
        ] {
            assert_eq!(value(&known, attr, in_test), with_manifest, "{attr}");
            assert_eq!(value(&alone, attr, in_test), without, "{attr} alone");
        }
    }

    #[test]
    fn features_a_manifest_turns_on() {
        let manifest: toml::Table = toml::from_str(
            "[features]\ndefault = [\"rt\"]\nrt = [\"time\", \"dep:slab\", \"tracing?/std\"]\ntime = []\nrc = []\nfull = [\"rc\", \"parking_lot/nightly\"]\n\
             [dependencies]\nparking_lot = { version = \"0.12\", optional = true }\nslab = { version = \"1\", optional = true }\n",
        )
        .unwrap();
        let set = |v: &[&str]| {
            v.iter()
                .map(|s| s.to_string())
                .collect::<std::collections::BTreeSet<_>>()
        };
        assert_eq!(
            manifest_features(&manifest, &[], false, false),
            set(&["default", "rt", "slab", "time"])
        );
        assert_eq!(
            manifest_features(&manifest, &["full".into()], false, true),
            set(&["full", "parking_lot", "rc"])
        );
        assert!(manifest_features(&manifest, &[], true, false).contains("parking_lot"));
    }
}
