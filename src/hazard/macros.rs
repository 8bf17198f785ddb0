//! The async macros of the ecosystem, as data: which crate's macro of which name
//! has which grammar, and so how its parts are evaluated (the lowering reads the
//! grammar; each row says where its expansion is documented). A macro of one of
//! these names that the file does not resolve to a crate is taken by its name, as
//! these names mean the same wherever they come from.

/// How a macro's parts are evaluated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MacroGrammar {
    /// `select! { pat = fut (, if cond)? => handler, .. }`: the preconditions, then
    /// every branch's future in order (all of them, disabled ones too), one wait,
    /// the futures dropped, then the handler of the branch that completed, its
    /// pattern bound to that future's output.
    Select(SelectFlavor),
    /// `join!(a, b, ..)`: every future in order, one wait, a tuple of their outputs.
    Join,
    /// `try_join!(a, b, ..)`: as `join!`, the tuple in a `Result`.
    TryJoin,
    /// `pin_mut!(a, b)` / `tokio::pin!(a)` / `tokio::pin! { let a = e; }`: each
    /// local moved into a new binding of the same name in the current block.
    PinLocals,
    /// `pending!()`: one suspension, nothing else.
    Pending,
}

/// The two `select!` grammars.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SelectFlavor {
    /// tokio's: `biased;`, `, if` preconditions, `else =>`; each future is moved into
    /// the macro's tuple (a `let`, so borrowed temporaries extend to its block).
    Tokio,
    /// futures': `complete =>`, `default =>`; a future given as a path is polled
    /// in place (not moved), and with `default` the macro polls once and never waits.
    Futures,
    /// A bare `select!` the file does not resolve: told by its arms (`complete` or
    /// `default` are futures').
    Unknown,
}

impl MacroGrammar {
    /// Whether a call suspends the caller.
    pub fn awaits(self) -> bool {
        !matches!(self, MacroGrammar::PinLocals)
    }
}

pub struct AsyncMacroRow {
    /// The crates that export it (first segment of a resolved path).
    pub krates: &'static [&'static str],
    pub name: &'static str,
    /// Whether the name alone, unresolved, says it is this macro.
    pub by_name: bool,
    pub grammar: MacroGrammar,
    pub why: &'static str,
}

const TOKIO: &[&str] = &["tokio"];
const FUTURES: &[&str] = &["futures", "futures_util"];

pub const ASYNC_MACROS: &[AsyncMacroRow] = &[
    AsyncMacroRow {
        krates: TOKIO,
        name: "select",
        by_name: true,
        grammar: MacroGrammar::Select(SelectFlavor::Tokio),
        why: "docs.rs/tokio/latest/tokio/macro.select.html: preconditions first, every \
              future evaluated (disabled ones too), the handler after the wait; the \
              expansion stores the futures in a `let` tuple (tokio/src/macros/select.rs)",
    },
    AsyncMacroRow {
        krates: TOKIO,
        name: "join",
        by_name: true,
        grammar: MacroGrammar::Join,
        why: "docs.rs/tokio/latest/tokio/macro.join.html: `maybe_done($e)` for each, one \
              `poll_fn(..).await`, a tuple of the outputs",
    },
    AsyncMacroRow {
        krates: TOKIO,
        name: "try_join",
        by_name: true,
        grammar: MacroGrammar::TryJoin,
        why: "docs.rs/tokio/latest/tokio/macro.try_join.html: as `join!`, `Ok((..))` or \
              the first error",
    },
    AsyncMacroRow {
        krates: TOKIO,
        name: "pin",
        // std's `pin!(expr)` is an expression of another grammar.
        by_name: false,
        grammar: MacroGrammar::PinLocals,
        why: "docs.rs/tokio/latest/tokio/macro.pin.html: `let mut $x = $x;` then a \
              `Pin<&mut _>` of it under the same name",
    },
    AsyncMacroRow {
        krates: FUTURES,
        name: "select",
        by_name: true,
        grammar: MacroGrammar::Select(SelectFlavor::Futures),
        why: "docs.rs/futures/latest/futures/macro.select.html: a path future is polled \
              in place, another expression is bound with `let`; with `default` it polls \
              once without awaiting (futures-macro/src/select.rs)",
    },
    AsyncMacroRow {
        krates: FUTURES,
        name: "select_biased",
        by_name: true,
        grammar: MacroGrammar::Select(SelectFlavor::Futures),
        why: "docs.rs/futures/latest/futures/macro.select_biased.html: `select!` \
              polling in order",
    },
    AsyncMacroRow {
        krates: FUTURES,
        name: "join",
        by_name: true,
        grammar: MacroGrammar::Join,
        why: "docs.rs/futures/latest/futures/macro.join.html: `maybe_done` for each \
              future, one `poll_fn(..).await`, a tuple of the outputs",
    },
    AsyncMacroRow {
        krates: FUTURES,
        name: "try_join",
        by_name: true,
        grammar: MacroGrammar::TryJoin,
        why: "docs.rs/futures/latest/futures/macro.try_join.html",
    },
    AsyncMacroRow {
        krates: &["futures", "futures_util", "pin_utils"],
        name: "pin_mut",
        by_name: true,
        grammar: MacroGrammar::PinLocals,
        why: "docs.rs/pin-utils/latest/pin_utils/macro.pin_mut.html: `let mut $x = $x;` \
              then a `Pin<&mut _>` of it under the same name",
    },
    AsyncMacroRow {
        krates: &["futures_lite"],
        name: "pin",
        by_name: false,
        grammar: MacroGrammar::PinLocals,
        why: "docs.rs/futures-lite/latest/futures_lite/macro.pin.html",
    },
    AsyncMacroRow {
        krates: FUTURES,
        name: "pending",
        by_name: true,
        grammar: MacroGrammar::Pending,
        why: "docs.rs/futures/latest/futures/macro.pending.html: returns `Pending` once",
    },
];

/// Whether a macro of this name awaits wherever it comes from.
pub fn awaits_by_name(name: &str) -> bool {
    ASYNC_MACROS
        .iter()
        .any(|r| r.by_name && r.name == name && r.grammar.awaits())
}

/// The grammar of the macro at this resolved path (`["tokio", "select"]`, or a
/// bare `["select"]`, taken by its name).
pub fn grammar_of(path: &[String]) -> Option<MacroGrammar> {
    let (name, krate) = match path {
        [name] => (name, None),
        [krate, .., name] => (name, Some(krate.as_str())),
        [] => return None,
    };
    let mut rows = ASYNC_MACROS.iter().filter(|r| r.name == *name);
    match krate {
        Some(k) => rows.find(|r| r.krates.contains(&k)).map(|r| r.grammar),
        None => {
            let found: Vec<MacroGrammar> = rows.filter(|r| r.by_name).map(|r| r.grammar).collect();
            match found.as_slice() {
                [] => None,
                [one] => Some(*one),
                [MacroGrammar::Select(_), ..] => Some(MacroGrammar::Select(SelectFlavor::Unknown)),
                [first, ..] if found.iter().all(|g| g == first) => Some(*first),
                _ => None,
            }
        }
    }
}

/// The macros of std's prelude (std's "Macros" documentation). A `macro_rules!` of
/// one of these names declared in another file of the crate shadows std's only where
/// `#[macro_use]` order brings it into textual scope, which yieldsafe does not follow:
/// a call of such a name in another file keeps std's meaning.
pub const STD_MACROS: &[&str] = &[
    "assert",
    "assert_eq",
    "assert_ne",
    "cfg",
    "column",
    "compile_error",
    "concat",
    "dbg",
    "debug_assert",
    "debug_assert_eq",
    "debug_assert_ne",
    "env",
    "eprint",
    "eprintln",
    "file",
    "format",
    "format_args",
    "include",
    "include_bytes",
    "include_str",
    "line",
    "matches",
    "module_path",
    "option_env",
    "panic",
    "print",
    "println",
    "stringify",
    "thread_local",
    "todo",
    "unimplemented",
    "unreachable",
    "vec",
    "write",
    "writeln",
];
