//! What the fixes need to know about results: which methods and macros return a value
//! that owns its data (no lifetime tied to the receiver), so that `let n = g.len();`
//! does not borrow from the guard `g` while `let it = g.iter();` does. A fix that
//! ends a guard's scope must keep every borrow of it inside that scope; whatever this
//! table does not name is taken to borrow (the safe side: the scope grows).

/// Methods whose result owns its data on every std type that has them, each with
/// where that is documented. A method of the same name on a user type may differ;
/// the compiler check of the fixed fixtures is what keeps these rows honest.
pub const OWNED_RESULT_METHODS: &[(&str, &str)] = &[
    ("len", "`usize` (slice, `str`, `Vec`, `VecDeque`, `HashMap`, `String`, …)"),
    ("is_empty", "`bool` (the same types)"),
    ("capacity", "`usize` (`Vec`, `String`, `HashMap`)"),
    ("contains", "`bool` (slice, `str`, `HashSet`, ranges)"),
    ("contains_key", "`bool` (`HashMap`, `BTreeMap`)"),
    ("starts_with", "`bool` (slice, `str`)"),
    ("ends_with", "`bool` (slice, `str`)"),
    ("is_some", "`bool` (`Option`)"),
    ("is_none", "`bool` (`Option`)"),
    ("is_ok", "`bool` (`Result`)"),
    ("is_err", "`bool` (`Result`)"),
    ("count", "`usize` (`Iterator::count`)"),
    ("sum", "`Iterator::sum` of numbers: a number"),
    ("product", "`Iterator::product` of numbers: a number"),
    ("to_owned", "`ToOwned::to_owned`: the owned form (`String`, `Vec<T>`, `T`)"),
    ("to_string", "`ToString::to_string`: a `String`"),
    ("to_vec", "`<[T]>::to_vec`: a `Vec<T>`"),
    ("clone", "`Clone::clone` of the guarded data (guards are not `Clone`, so `g.clone()` clones what `g` derefs to)"),
    ("pop", "`Vec::pop`, `BinaryHeap::pop`: the element by value"),
    ("pop_front", "`VecDeque::pop_front`: the element by value"),
    ("pop_back", "`VecDeque::pop_back`: the element by value"),
    ("remove", "`Vec::remove`, `HashMap::remove`: the element by value"),
    ("swap_remove", "`Vec::swap_remove`: the element by value"),
    ("take", "`Option::take`, `Cell::take`: the value, moved out"),
];

/// Methods whose result owns its data exactly when their receiver does
/// (`g.pop().unwrap()` owns, `g.first().unwrap()` borrows).
pub const OWNED_IF_RECEIVER_METHODS: &[&str] = &[
    "unwrap",
    "expect",
    "unwrap_or_default",
    "unwrap_or",
    "unwrap_or_else",
];

/// Macros whose value owns its data: `format!` returns a `String`.
pub const OWNED_RESULT_MACROS: &[&str] = &["format"];

/// Statement macros that bind no name the code after them can use (they print,
/// assert or log): a block around them hides nothing.
pub const BINDING_FREE_MACROS: &[&str] = &[
    "println",
    "print",
    "eprintln",
    "eprint",
    "assert",
    "assert_eq",
    "assert_ne",
    "debug_assert",
    "debug_assert_eq",
    "debug_assert_ne",
    "write",
    "writeln",
    "trace",
    "debug",
    "info",
    "warn",
    "error",
];

pub fn owned_result_method(name: &str) -> bool {
    OWNED_RESULT_METHODS.iter().any(|(m, _)| *m == name)
}
