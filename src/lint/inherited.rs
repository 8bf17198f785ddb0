//! The lint levels a file inherits, as rustc scopes them through the module tree: a
//! crate root's `#![deny(clippy::await_holding_lock)]` holds in every module of the
//! crate, an ancestor module's own `#![..]` in the modules below it, and the
//! attributes on each `mod name;` that leads to the file (and on the inline modules
//! around that declaration) in the module it declares. What the file writes itself is
//! `suppress`'s; this is the level it starts from.

use std::path::Path;
use std::sync::Arc;

use crate::catalog::names::Named;
use crate::catalog::LintLevels;
use crate::diagnostic::Level;
use crate::resolve::crate_table::CrateTable;

use super::suppress::{levels_of, may_matter};

/// `base` (the command line's and the configuration's levels) with what the modules
/// above `path` set for it.
pub fn levels(base: &LintLevels, table: &CrateTable, path: &Path) -> LintLevels {
    let mut levels = base.clone();
    let Some(module) = table.module_of(path) else {
        return levels;
    };
    let ancestors = table.ancestor_files(path);
    for (i, (file, depth)) in ancestors.iter().enumerate() {
        // The next file down the tree, or `path` itself.
        let next_depth = ancestors.get(i + 1).map_or(module.path.len(), |(_, d)| *d);
        let Some(ast) = parsed(file) else {
            continue;
        };
        apply(&mut levels, levels_of(&ast.attrs));
        let below = &module.path[*depth..next_depth];
        apply_declaration(&mut levels, &ast.items, below);
    }
    levels
}

/// A file of the crate parsed for its attributes; `None` when it cannot be read or
/// parsed (its own check reports that), or names no lint level at all. Its spans stay
/// in proc-macro2's table until the checked file's are freed with them: freeing them
/// now would free the checked file's too, which are still in use.
fn parsed(file: &Arc<Path>) -> Option<syn::File> {
    let text = crate::input::fs::read_regular_text(file).ok()?;
    if !may_matter(&text) {
        return None;
    }
    syn::parse_file(&text).ok()
}

/// The attributes of the inline modules `below[..n-1]` and of the `mod below[n-1];`
/// among `items`.
fn apply_declaration(levels: &mut LintLevels, items: &[syn::Item], below: &[String]) {
    let Some((first, rest)) = below.split_first() else {
        return;
    };
    for item in items {
        let syn::Item::Mod(m) = item else {
            continue;
        };
        if m.ident != first.as_str() {
            continue;
        }
        match (&m.content, rest.is_empty()) {
            (None, true) => return apply(levels, levels_of(&m.attrs)),
            (Some((_, inner)), false) => {
                // syn keeps an inline module's inner `#![..]` among its attributes.
                apply(levels, levels_of(&m.attrs));
                return apply_declaration(levels, inner, rest);
            }
            _ => {}
        }
    }
}

fn apply(levels: &mut LintLevels, set: Vec<(Named, Level)>) {
    for (named, level) in set {
        levels.set_named(named, level);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Lint;

    #[test]
    fn declarations_and_inline_modules_set_levels() {
        let ast: syn::File = syn::parse_str(
            "#[deny(clippy::await_holding_lock)] mod a { #[allow(warnings)] mod b; } #[warn(must_not_suspend)] mod c;",
        )
        .expect("parses");
        let mut levels = LintLevels::default();
        apply_declaration(&mut levels, &ast.items, &["a".into(), "b".into()]);
        assert_eq!(levels.get(Lint::AwaitHoldingLock), Level::Deny);
        assert_eq!(levels.get(Lint::AwaitHoldingRefcellRef), Level::Allow);
        let mut levels = LintLevels::default();
        apply_declaration(&mut levels, &ast.items, &["c".into()]);
        assert_eq!(levels.get(Lint::AwaitHoldingLock), Level::Warn);
    }
}
