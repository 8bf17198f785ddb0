//! Items syn rejects that rustc accepts. syn parses the current language; rustc also
//! takes what editions 2015 and 2018 allowed (bare trait objects with `+`:
//! `Box<Fn(&u8) + Send>`, anonymous parameters in trait methods), and parses the
//! items a `#[cfg]` leaves out of the build without checking what they use. Such an
//! item, when its tokens are complete (balanced brackets, ending in `;` or `}`), is
//! blanked and the file parsed again: it is opaque (no findings inside it), and the
//! rest of the file is still checked. Anything else syn rejects stays a parse error.

use crate::input::edition::Edition;

/// A top-level item left out of the parse, and why syn refused it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpaqueItem {
    /// Byte range in the text.
    pub start: usize,
    pub end: usize,
    pub error: String,
}

/// How many items of one file may be opaque before the file is a parse error.
const MAX_OPAQUE: usize = 16;

/// `syn::parse_file` of `text`, or, where it fails in an item rustc may accept (see
/// the module), of `text` with those items blanked (offsets kept): the file and the
/// items left out. `Err` is the first error of the file's own parse when the failure
/// is anything else.
pub fn parse_file(
    text: &str,
    edition: Edition,
) -> Result<(syn::File, Vec<OpaqueItem>), syn::Error> {
    let first = match syn::parse_file(text) {
        Ok(file) => return Ok((file, Vec::new())),
        Err(e) => e,
    };
    let mut blanked = text.to_string();
    let mut opaque = Vec::new();
    let mut error = first.clone();
    while opaque.len() < MAX_OPAQUE {
        let range = error.span().byte_range();
        // The end of the input (or no place at all) is no item's.
        if range == (0..0) {
            return Err(first);
        }
        let at = range.start + bom_len(&blanked);
        let Some((start, end)) = item_around(&blanked, at) else {
            return Err(first);
        };
        if !may_be_accepted(&blanked[start..end], edition) {
            return Err(first);
        }
        opaque.push(OpaqueItem {
            start,
            end,
            error: error.to_string(),
        });
        blank(&mut blanked, start, end);
        match syn::parse_file(&blanked) {
            Ok(file) => return Ok((file, opaque)),
            Err(e) => error = e,
        }
    }
    Err(first)
}

fn bom_len(text: &str) -> usize {
    if text.starts_with('\u{feff}') {
        3
    } else {
        0
    }
}

/// Whether rustc may accept an item syn cannot parse: in editions before 2021 (whose
/// grammar syn does not follow), or when its `#[cfg]` leaves it out of the build.
fn may_be_accepted(item: &str, edition: Edition) -> bool {
    if edition < Edition::E2021 {
        return true;
    }
    let attrs = |input: syn::parse::ParseStream| {
        let attrs = input.call(syn::Attribute::parse_outer)?;
        input.parse::<proc_macro2::TokenStream>()?;
        Ok(attrs)
    };
    syn::parse::Parser::parse_str(attrs, item)
        .is_ok_and(|attrs| !crate::resolve::cfg::cfg_allows(&attrs))
}

/// Replace `text[start..end]` by spaces, keeping line breaks (and so every offset and
/// line of the rest).
fn blank(text: &mut String, start: usize, end: usize) {
    let replaced: String = text[start..end]
        .chars()
        .map(|c| {
            if c == '\n' || c == '\r' {
                c.to_string()
            } else {
                " ".repeat(c.len_utf8())
            }
        })
        .collect();
    text.replace_range(start..end, &replaced);
}

/// The byte range of the complete top-level item that holds byte `at`: from the
/// end of the item before it (its attributes included) through its `;`, or its last
/// `{ }` (and a `;` right after). `None` when the text does not tokenise (unbalanced
/// brackets) or `at` is not inside a complete item.
fn item_around(text: &str, at: usize) -> Option<(usize, usize)> {
    use proc_macro2::{Delimiter, TokenTree};
    let code = &text[bom_len(text)..];
    let offset = bom_len(text);
    let tokens: proc_macro2::TokenStream = code.parse().ok()?;
    let mut start: Option<usize> = None;
    let mut pending_brace_end: Option<usize> = None;
    let range = |t: &TokenTree| {
        let r = t.span().byte_range();
        (r.start + offset, r.end + offset)
    };
    let mut result = None;
    let mut close = |s: usize, e: usize| {
        if (s..e).contains(&at) && result.is_none() {
            result = Some((s, e));
        }
    };
    for tree in tokens {
        let (s, e) = range(&tree);
        let semi = matches!(&tree, TokenTree::Punct(p) if p.as_char() == ';');
        if let Some(brace_end) = pending_brace_end.take() {
            // An item ended at a `}`; a `;` right after belongs to it.
            let item_start = start.take().expect("an item is open");
            if semi {
                close(item_start, e);
                continue;
            }
            close(item_start, brace_end);
        }
        // `#` and `[..]` of an attribute, or any other token, open or extend an item.
        let item_start = *start.get_or_insert(s);
        match &tree {
            _ if semi => {
                close(item_start, e);
                start = None;
            }
            TokenTree::Group(g) if g.delimiter() == Delimiter::Brace => pending_brace_end = Some(e),
            _ => {}
        }
    }
    if let (Some(item_start), Some(brace_end)) = (start, pending_brace_end) {
        close(item_start, brace_end);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_trait_objects_of_old_editions_are_opaque_items() {
        let text = "use std::sync::Mutex;\npub type B = Box<Fn(&u8) + Send>;\nasync fn y() {}\n";
        let (file, opaque) = parse_file(text, Edition::E2015).unwrap();
        assert_eq!(file.items.len(), 2);
        assert_eq!(opaque.len(), 1);
        assert_eq!(
            &text[opaque[0].start..opaque[0].end],
            "pub type B = Box<Fn(&u8) + Send>;"
        );
        assert!(parse_file(text, Edition::E2021).is_err());
    }

    #[test]
    fn items_cfg_leaves_out_are_opaque_in_every_edition() {
        let text = "trait Trait {}\n#[cfg(any())] impl !Trait {}\nfn f() {}\n";
        let (file, opaque) = parse_file(text, Edition::E2021).unwrap();
        assert_eq!(file.items.len(), 2);
        assert_eq!(
            &text[opaque[0].start..opaque[0].end],
            "#[cfg(any())] impl !Trait {}"
        );
        // Built, the same item is a parse error.
        assert!(parse_file("trait Trait {}\nimpl !Trait {}\n", Edition::E2021).is_err());
    }

    #[test]
    fn incomplete_or_unbalanced_items_stay_errors() {
        for text in [
            "fn f() {",
            "pub struct",
            "fn f() { let = ; } fn g(",
            "struct S { a: u8 } }",
        ] {
            assert!(parse_file(text, Edition::E2015).is_err(), "{text}");
        }
    }
}
