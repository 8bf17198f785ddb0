//! How users name the lints, and what each spelling means where it is written: in an
//! attribute (`#[allow(clippy::await_holding_lock)]`, read as rustc and clippy read
//! it: a tool's namespace holds only that tool's lints), in Cargo's `[lints.rust]` and
//! `[lints.clippy]` tables (the same namespaces), and on the command line or in a
//! yieldsafe settings file, where any of a lint's names is accepted. A name that is
//! none of these gets the nearest one of the catalog as "did you mean", by edit
//! distance as rustc's `unknown_lints` does.

use super::registry::{group, Lint};

/// The namespace a lint name is written in: rustc's own (a bare name), clippy's
/// (`clippy::`), or yieldsafe's (`yieldsafe::`, with `#![register_tool(yieldsafe)]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    Rustc,
    Clippy,
    Yieldsafe,
}

impl Tool {
    /// The tool and the bare name of a written lint path (`clippy::x` → clippy, `x`);
    /// `None` for another tool's (`rustdoc::broken_intra_doc_links`).
    pub fn split(written: &str) -> Option<(Tool, &str)> {
        match written.split_once("::") {
            None => Some((Tool::Rustc, written)),
            Some(("clippy", name)) => Some((Tool::Clippy, name)),
            Some(("yieldsafe", name)) => Some((Tool::Yieldsafe, name)),
            Some(_) => None,
        }
    }
}

/// What a lint name stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Named {
    Lint(Lint),
    /// One of clippy's groups, with the lints of ours in it.
    Group(&'static [Lint]),
    /// rustc's `warnings`: every lint that is at warn level where it applies.
    Warnings,
}

impl Named {
    /// Whether this name sets `lint`'s own level (`warnings` does not: it changes what
    /// a warn level means, see `LintLevels`).
    pub fn names(self, lint: Lint) -> bool {
        match self {
            Named::Lint(l) => l == lint,
            Named::Group(g) => g.contains(&lint),
            Named::Warnings => false,
        }
    }
}

/// What `name` (without tool prefix) means in `tool`'s namespace, as the compiler reads
/// an attribute or a `[lints.<tool>]` table; `None` when no lint of ours has that name
/// there. rustc's namespace has `warnings`, its own lints (`must_not_suspend`) and, as
/// clippy still applies them, clippy's lints by their bare names; clippy's has its
/// lints and groups; yieldsafe's has every lint of ours.
pub fn in_namespace(tool: Tool, name: &str) -> Option<Named> {
    let lint = Lint::from_name(name);
    let record = lint.map(|l| l.record());
    match tool {
        Tool::Rustc if name == "warnings" => Some(Named::Warnings),
        Tool::Rustc => lint
            .filter(|_| record.is_some_and(|r| r.rustc_lint || r.clippy_name.is_some()))
            .map(Named::Lint),
        Tool::Clippy => match group(name) {
            Some(g) => Some(Named::Group(g)),
            None => lint
                .filter(|_| record.is_some_and(|r| r.clippy_name.is_some()))
                .map(Named::Lint),
        },
        Tool::Yieldsafe => lint.map(Named::Lint).or(group(name).map(Named::Group)),
    }
}

/// What a name on the command line or in a yieldsafe settings file means: a lint by
/// its own or its clippy name, a clippy group, or `warnings`.
pub fn anywhere(written: &str) -> Option<Named> {
    let bare = written.strip_prefix("clippy::").unwrap_or(written);
    if bare == "warnings" {
        return Some(Named::Warnings);
    }
    match group(bare) {
        Some(g) => Some(Named::Group(g)),
        None => Lint::from_name(bare).map(Named::Lint),
    }
}

/// The names a misspelling is compared with: every lint's, clippy's groups that hold
/// ours, and `warnings`.
fn candidates() -> impl Iterator<Item = &'static str> {
    Lint::ALL
        .into_iter()
        .map(Lint::name)
        .chain(["all", "suspicious", "nursery", "warnings"])
}

/// The name of the catalog nearest to `bare` (without tool prefix), when it is near
/// enough to be a misspelling: at most a third of its length away in edits, as
/// rustc's `find_best_match_for_name` allows.
pub fn nearest(bare: &str) -> Option<&'static str> {
    let limit = bare.chars().count().max(3) / 3;
    candidates()
        .map(|c| (strsim::levenshtein(bare, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// "; did you mean `await_holding_lock`?" for a misspelled name on the command line
/// or in a settings file, or nothing.
pub fn did_you_mean(written: &str) -> String {
    let bare = written.strip_prefix("clippy::").unwrap_or(written);
    let bare = bare.replace('-', "_");
    match nearest(&bare) {
        Some(name) if written.starts_with("clippy::") => {
            format!("; did you mean `clippy::{name}`?")
        }
        Some(name) => format!("; did you mean `{name}`?"),
        None => String::new(),
    }
}

/// The lint of ours that an attribute's unknown `bare` name is a misspelling of. Stricter
/// than `nearest` (at most two edits, lints only, no groups), because an attribute may
/// name any of rustc's or clippy's hundreds of lints, which this catalog does not
/// hold: `clippy::suspicious_map` is a real lint four edits from `suspicious`.
pub fn misspelled_lint(bare: &str) -> Option<Lint> {
    Lint::ALL
        .into_iter()
        .map(|l| (strsim::levenshtein(bare, l.name()), l))
        .filter(|(d, _)| (1..=2).contains(d))
        .min_by_key(|(d, _)| *d)
        .map(|(_, l)| l)
}

/// How an attribute names the lint or group `bare` (a name of the catalog): its
/// clippy name, its rustc name, or `None` for a lint only yieldsafe knows.
pub fn attribute_spelling(bare: &str) -> Option<String> {
    if bare == "warnings" {
        return Some(bare.to_owned());
    }
    if group(bare).is_some() {
        return Some(format!("clippy::{bare}"));
    }
    Lint::from_name(bare)
        .and_then(Lint::attribute_name)
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaces_hold_what_the_compiler_has() {
        use Named::Lint as L;
        assert_eq!(
            in_namespace(Tool::Clippy, "await_holding_lock"),
            Some(L(Lint::AwaitHoldingLock))
        );
        assert_eq!(in_namespace(Tool::Clippy, "must_not_suspend"), None);
        assert_eq!(
            in_namespace(Tool::Rustc, "must_not_suspend"),
            Some(L(Lint::MustNotSuspend))
        );
        // clippy still applies its lints by bare name (with a deprecation warning).
        assert_eq!(
            in_namespace(Tool::Rustc, "await_holding_lock"),
            Some(L(Lint::AwaitHoldingLock))
        );
        assert_eq!(in_namespace(Tool::Rustc, "await_holding_span_guard"), None);
        assert_eq!(in_namespace(Tool::Clippy, "await_holding_span_guard"), None);
        assert_eq!(
            in_namespace(Tool::Yieldsafe, "await_holding_span_guard"),
            Some(L(Lint::AwaitHoldingSpanGuard))
        );
        assert_eq!(in_namespace(Tool::Rustc, "warnings"), Some(Named::Warnings));
        assert!(matches!(
            in_namespace(Tool::Clippy, "suspicious"),
            Some(Named::Group(_))
        ));
        assert_eq!(Tool::split("rustdoc::all"), None);
    }

    #[test]
    fn misspellings_get_the_nearest_name() {
        assert_eq!(nearest("await_holding_lok"), Some("await_holding_lock"));
        assert_eq!(nearest("must_not_suspen"), Some("must_not_suspend"));
        assert_eq!(nearest("warning"), Some("warnings"));
        assert_eq!(nearest("too_many_arguments"), None);
        assert_eq!(nearest("dead_code"), None);
        assert_eq!(
            did_you_mean("clippy::await_holding_lokc"),
            "; did you mean `clippy::await_holding_lock`?"
        );
        assert_eq!(did_you_mean("unused_variables"), "");
        assert_eq!(
            misspelled_lint("await_holding_lok"),
            Some(Lint::AwaitHoldingLock)
        );
        // Real lints of rustc and clippy near ours are not misspellings.
        for real in [
            "suspicious_map",
            "async_yields_async",
            "let_underscore_future",
        ] {
            assert_eq!(misspelled_lint(real), None, "{real}");
        }
        assert_eq!(
            attribute_spelling("await_holding_lock").as_deref(),
            Some("clippy::await_holding_lock")
        );
        assert_eq!(attribute_spelling("await_holding_span_guard"), None);
    }
}
