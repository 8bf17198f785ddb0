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
    RecursiveReadLock,
    SelfDeadlock,
    UnfulfilledLintExpectations,
    UnknownLints,
}

impl Lint {
    /// Every lint, sorted by name.
    pub const ALL: [Lint; 10] = [
        Lint::AwaitHoldingInvalidType,
        Lint::AwaitHoldingLock,
        Lint::AwaitHoldingRefcellRef,
        Lint::AwaitHoldingSpanGuard,
        Lint::FutureNotSend,
        Lint::MustNotSuspend,
        Lint::RecursiveReadLock,
        Lint::SelfDeadlock,
        Lint::UnfulfilledLintExpectations,
        Lint::UnknownLints,
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
            Lint::RecursiveReadLock => "recursive_read_lock",
            Lint::SelfDeadlock => "self_deadlock",
            Lint::UnfulfilledLintExpectations => "unfulfilled_lint_expectations",
            Lint::UnknownLints => "unknown_lints",
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
            Lint::RecursiveReadLock => include_str!("../../lints/recursive_read_lock.toml"),
            Lint::SelfDeadlock => include_str!("../../lints/self_deadlock.toml"),
            Lint::UnfulfilledLintExpectations => {
                include_str!("../../lints/unfulfilled_lint_expectations.toml")
            }
            Lint::UnknownLints => include_str!("../../lints/unknown_lints.toml"),
        }
    }

    /// The lint of this name (without tool prefix).
    pub fn from_name(name: &str) -> Option<Lint> {
        Lint::ALL.into_iter().find(|l| l.name() == name)
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

/// The level each lint runs at (after defaults, configuration and command-line flags).
/// As in rustc, `warnings` is not a group of lints but what a warn level means: a lint
/// whose own level is `warn` runs at the level `warnings` was last set to (`-D
/// warnings` makes it an error, `-A warnings` silences it), and a lint set to `allow`
/// or `deny` is left as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LintLevels {
    levels: [Level; Lint::ALL.len()],
    warnings: Level,
    /// Lints whose level was decided where a finding is (attributes in the code
    /// included), which `warnings` no longer changes.
    decided: [bool; Lint::ALL.len()],
}

impl Default for LintLevels {
    fn default() -> Self {
        LintLevels {
            // The default comes from the lint's record in `lints/`.
            levels: Lint::ALL.map(|l| l.record().default_level),
            warnings: Level::Warn,
            decided: [false; Lint::ALL.len()],
        }
    }
}

impl LintLevels {
    /// Set `lint` (a lint name, its clippy name, a group, or `warnings`) to `level`.
    /// As in rustc, `forbid` cannot be lowered afterwards. Returns false for an
    /// unknown name.
    pub fn set(&mut self, lint: &str, level: Level) -> bool {
        match super::names::anywhere(lint) {
            Some(named) => {
                self.set_named(named, level);
                true
            }
            None => false,
        }
    }

    /// Set what `named` names to `level`.
    pub fn set_named(&mut self, named: super::names::Named, level: Level) {
        match named {
            super::names::Named::Warnings => self.set_warnings(level),
            _ => {
                for lint in Lint::ALL.into_iter().filter(|&l| named.names(l)) {
                    self.set_lint(lint, level);
                }
            }
        }
    }

    /// Set one lint's own level; `forbid` is never lowered.
    pub fn set_lint(&mut self, lint: Lint, level: Level) {
        let cur = &mut self.levels[lint.index()];
        if *cur != Level::Forbid {
            *cur = level;
        }
    }

    /// Set what a warn level means (`warnings`); `forbid` is never lowered.
    pub fn set_warnings(&mut self, level: Level) {
        if self.warnings != Level::Forbid {
            self.warnings = level;
        }
    }

    /// Fix `lint`'s level at one place of the code, where attributes have decided it.
    pub fn decide(&mut self, lint: Lint, level: Level) {
        self.levels[lint.index()] = level;
        self.decided[lint.index()] = true;
    }

    /// The level `lint` runs at: its own, or, when that is `warn`, the level of
    /// `warnings`.
    pub fn get(&self, lint: Lint) -> Level {
        let own = self.own(lint);
        if own == Level::Warn && !self.decided[lint.index()] {
            self.warnings
        } else {
            own
        }
    }

    /// `lint`'s own level, before `warnings` applies.
    pub fn own(&self, lint: Lint) -> Level {
        self.levels[lint.index()]
    }

    /// The level `warnings` was set to (`warn` when it was not).
    pub fn warnings(&self) -> Level {
        self.warnings
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
        let mut levels = LintLevels::default();
        assert!(levels.set("clippy::suspicious", Level::Deny));
        assert_eq!(levels.get(Lint::AwaitHoldingInvalidType), Level::Deny);
        assert_eq!(levels.get(Lint::FutureNotSend), Level::Allow);
        assert!(levels.set("clippy::nursery", Level::Warn));
        assert_eq!(levels.get(Lint::FutureNotSend), Level::Warn);
        assert!(!levels.set("clippy::no_such_lint", Level::Warn));
    }

    /// rustc: `-D warnings` raises the lints at warn, also those set to warn later;
    /// `-A warnings` silences them and leaves a denied lint denied.
    #[test]
    fn warnings_is_what_a_warn_level_means() {
        let mut levels = LintLevels::default();
        levels.set("warnings", Level::Deny);
        levels.set("future_not_send", Level::Warn);
        assert_eq!(levels.get(Lint::FutureNotSend), Level::Deny);
        assert_eq!(levels.get(Lint::AwaitHoldingLock), Level::Deny);
        levels.set("await_holding_lock", Level::Allow);
        assert_eq!(levels.get(Lint::AwaitHoldingLock), Level::Allow);
        let mut levels = LintLevels::default();
        levels.set("must_not_suspend", Level::Deny);
        levels.set("warnings", Level::Allow);
        assert_eq!(levels.get(Lint::MustNotSuspend), Level::Deny);
        assert_eq!(levels.get(Lint::AwaitHoldingLock), Level::Allow);
        levels.decide(Lint::AwaitHoldingLock, Level::Warn);
        assert_eq!(levels.get(Lint::AwaitHoldingLock), Level::Warn);
    }
}
