//! Which lints exist: one `Lint` identity, the groups rustc and clippy put them in,
//! and the level each runs at. Everything else about a lint (its default level, its
//! clippy name, its prose) is its record in `lints/<name>.toml`, which `Lint::record`
//! reads; a variant without a record does not compile.

use crate::diagnostic::Level;

/// One lint of this build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Lint {
    AwaitHoldingInvalidType,
    AwaitHoldingLock,
    AwaitHoldingRefcellRef,
    AwaitHoldingSpanGuard,
    FutureNotSend,
    MustNotSuspend,
    UnfulfilledLintExpectations,
}

impl Lint {
    /// Every lint, sorted by name.
    pub const ALL: [Lint; 7] = [
        Lint::AwaitHoldingInvalidType,
        Lint::AwaitHoldingLock,
        Lint::AwaitHoldingRefcellRef,
        Lint::AwaitHoldingSpanGuard,
        Lint::FutureNotSend,
        Lint::MustNotSuspend,
        Lint::UnfulfilledLintExpectations,
    ];

    /// The name without tool prefix, as attributes and flags write it.
    pub fn name(self) -> &'static str {
        match self {
            Lint::AwaitHoldingInvalidType => "await_holding_invalid_type",
            Lint::AwaitHoldingLock => "await_holding_lock",
            Lint::AwaitHoldingRefcellRef => "await_holding_refcell_ref",
            Lint::AwaitHoldingSpanGuard => "await_holding_span_guard",
            Lint::FutureNotSend => "future_not_send",
            Lint::MustNotSuspend => "must_not_suspend",
            Lint::UnfulfilledLintExpectations => "unfulfilled_lint_expectations",
        }
    }

    /// The text of the lint's record, `lints/<name>.toml`.
    pub(super) fn record_text(self) -> &'static str {
        match self {
            Lint::AwaitHoldingInvalidType => {
                include_str!("../../lints/await_holding_invalid_type.toml")
            }
            Lint::AwaitHoldingLock => include_str!("../../lints/await_holding_lock.toml"),
            Lint::AwaitHoldingRefcellRef => {
                include_str!("../../lints/await_holding_refcell_ref.toml")
            }
            Lint::AwaitHoldingSpanGuard => {
                include_str!("../../lints/await_holding_span_guard.toml")
            }
            Lint::FutureNotSend => include_str!("../../lints/future_not_send.toml"),
            Lint::MustNotSuspend => include_str!("../../lints/must_not_suspend.toml"),
            Lint::UnfulfilledLintExpectations => {
                include_str!("../../lints/unfulfilled_lint_expectations.toml")
            }
        }
    }

    /// The lint of this name (without tool prefix).
    pub fn from_name(name: &str) -> Option<Lint> {
        Lint::ALL.into_iter().find(|l| l.name() == name)
    }

    /// The lint its record calls `clippy::name` or `name` in an attribute.
    pub fn from_attribute(name: &str) -> Option<Lint> {
        let bare = name.strip_prefix("clippy::").unwrap_or(name);
        Lint::from_name(bare)
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// The lints of ours in one of rustc's or clippy's groups (`clippy::suspicious`, ...),
/// by the group's name with or without the `clippy::` prefix. `warnings` is every lint.
pub fn group(name: &str) -> Option<&'static [Lint]> {
    const SUSPICIOUS: &[Lint] = &[
        Lint::AwaitHoldingLock,
        Lint::AwaitHoldingRefcellRef,
        Lint::AwaitHoldingInvalidType,
    ];
    match name.strip_prefix("clippy::").unwrap_or(name) {
        "all" | "suspicious" => Some(SUSPICIOUS),
        "nursery" => Some(&[Lint::FutureNotSend]),
        _ => None,
    }
}

/// Whether an attribute's lint name or group (`warnings`, `clippy::all`...) covers
/// `lint`.
pub fn covers(name: &str, lint: Lint) -> bool {
    name == "warnings"
        || Lint::from_attribute(name) == Some(lint)
        || group(name).is_some_and(|g| g.contains(&lint))
}

/// The level each lint runs at (after defaults and command-line flags).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LintLevels {
    levels: [Level; Lint::ALL.len()],
}

impl Default for LintLevels {
    fn default() -> Self {
        LintLevels {
            // The default comes from the lint's record in `lints/`.
            levels: Lint::ALL.map(|l| l.record().default_level),
        }
    }
}

impl LintLevels {
    /// Set `lint` (a lint name, its clippy name, a group, or `warnings` for every
    /// lint at warn) to `level`. As in rustc, `forbid` cannot be lowered afterwards.
    /// Returns false for an unknown name.
    pub fn set(&mut self, lint: &str, level: Level) -> bool {
        let name = lint.strip_prefix("clippy::").unwrap_or(lint);
        let targets: Vec<Lint> = if name == "warnings" {
            // `-D warnings` turns every warning into an error, as in rustc.
            Lint::ALL
                .into_iter()
                .filter(|l| self.get(*l) == Level::Warn || level == Level::Allow)
                .collect()
        } else if let Some(group) = group(name) {
            group.to_vec()
        } else {
            match Lint::from_name(name) {
                Some(l) => vec![l],
                None => return false,
            }
        };
        for t in targets {
            self.set_lint(t, level);
        }
        true
    }

    /// Set one lint's level; `forbid` is never lowered.
    pub fn set_lint(&mut self, lint: Lint, level: Level) {
        let cur = &mut self.levels[lint.index()];
        if *cur != Level::Forbid {
            *cur = level;
        }
    }

    pub fn get(&self, lint: Lint) -> Level {
        self.levels[lint.index()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_sorted_and_round_trip() {
        let names: Vec<&str> = Lint::ALL.iter().map(|l| l.name()).collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(names, sorted);
        for lint in Lint::ALL {
            assert_eq!(Lint::from_name(lint.name()), Some(lint));
            assert_eq!(lint.record().name, lint.name());
        }
    }

    #[test]
    fn groups_cover_their_members_only() {
        assert!(covers("clippy::suspicious", Lint::AwaitHoldingInvalidType));
        assert!(covers("warnings", Lint::MustNotSuspend));
        assert!(!covers("clippy::all", Lint::FutureNotSend));
        assert!(covers("clippy::nursery", Lint::FutureNotSend));
        assert!(covers("clippy::await_holding_lock", Lint::AwaitHoldingLock));
    }
}
