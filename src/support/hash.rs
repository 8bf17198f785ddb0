//! The maps and sets of the analysis and of the dependency reading (resolve/, lower/,
//! sketch/, analysis/, input/deps.rs). They are keyed by names and paths of the checked
//! code and asked millions of times a run, so they hash with foldhash (hashbrown's own
//! default hasher, seeded per process) instead of std's SipHash-1-3, whose resistance
//! to chosen collisions a lint reading local sources does not need. Iteration order
//! was never fixed (std seeds per map too), so nothing may depend on it either way.

pub type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
pub type HashSet<T> = std::collections::HashSet<T, foldhash::fast::RandomState>;
