//! The control-flow graph a coroutine body is lowered to, and the one forward
//! "maybe held" dataflow over it. This module knows nothing about syntax: every rule
//! of Rust's drop order lives in the lowering (`lower.rs`), which emits the events.

/// Index of a tracked value (a hazard-carrying binding, temporary or capture).
pub type ValueId = usize;
pub type BlockId = usize;
/// Index of a yield point in the body's list of yield points.
pub type YieldId = usize;
/// Index of a lock acquisition in the body's list of acquisitions.
pub type AcquireId = usize;

/// A byte range of the file the body is in.
pub type ByteRange = (usize, usize);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DropKind {
    /// The value's scope ended.
    ScopeEnd,
    /// The value was moved away (into a call, another binding, a closure...).
    Move,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The value starts being held (a fresh value: earlier history is forgotten).
    Create(ValueId),
    /// The value stops being held here.
    Drop {
        value: ValueId,
        at: ByteRange,
        kind: DropKind,
    },
    /// A suspension point.
    Yield(YieldId),
    /// A lock is taken here (before its guard is created): which guards are held
    /// here is `held_at_acquisitions`' question.
    Acquire(AcquireId),
    /// The value just created holds the guard of that acquisition (until it is
    /// created again or dropped).
    Hold {
        value: ValueId,
        acquisition: AcquireId,
    },
    /// The value is used by value here (just before it is moved).
    Use(ValueId),
    /// The value is read or borrowed here, not moved.
    Borrow(ValueId),
}

#[derive(Debug, Clone, Default)]
pub struct BasicBlock {
    pub events: Vec<Event>,
    pub succs: Vec<BlockId>,
}

#[derive(Debug, Clone)]
pub struct Graph {
    pub blocks: Vec<BasicBlock>,
    pub entry: BlockId,
}

impl Default for Graph {
    fn default() -> Self {
        Graph {
            blocks: vec![BasicBlock::default()],
            entry: 0,
        }
    }
}

impl Graph {
    pub fn new_block(&mut self) -> BlockId {
        self.blocks.push(BasicBlock::default());
        self.blocks.len() - 1
    }

    pub fn edge(&mut self, from: BlockId, to: BlockId) {
        if !self.blocks[from].succs.contains(&to) {
            self.blocks[from].succs.push(to);
        }
    }

    pub fn push(&mut self, block: BlockId, event: Event) {
        self.blocks[block].events.push(event);
    }
}

/// A growable set of small integers.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BitSet {
    words: Vec<u64>,
}

impl BitSet {
    pub fn insert(&mut self, i: usize) {
        let w = i / 64;
        if self.words.len() <= w {
            self.words.resize(w + 1, 0);
        }
        self.words[w] |= 1 << (i % 64);
    }

    pub fn remove(&mut self, i: usize) {
        if let Some(w) = self.words.get_mut(i / 64) {
            *w &= !(1 << (i % 64));
        }
    }

    pub fn contains(&self, i: usize) -> bool {
        self.words
            .get(i / 64)
            .is_some_and(|w| w & (1 << (i % 64)) != 0)
    }

    pub fn union_with(&mut self, other: &BitSet) {
        if self.words.len() < other.words.len() {
            self.words.resize(other.words.len(), 0);
        }
        for (a, b) in self.words.iter_mut().zip(&other.words) {
            *a |= b;
        }
    }

    pub fn intersect_with(&mut self, other: &BitSet) {
        for (i, a) in self.words.iter_mut().enumerate() {
            *a &= other.words.get(i).copied().unwrap_or(0);
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.words.iter().enumerate().flat_map(|(wi, &w)| {
            (0..64)
                .filter(move |b| w & (1 << b) != 0)
                .map(move |b| wi * 64 + b)
        })
    }
}

/// The state at a program point.
#[derive(Debug, Clone, PartialEq, Eq)]
struct State {
    /// Held on some path to here.
    maybe: BitSet,
    /// Held on every path to here.
    must: BitSet,
    /// Held on some path to here and held across a yield since it was created.
    crossed: BitSet,
}

impl State {
    fn join(&mut self, other: &State) {
        self.maybe.union_with(&other.maybe);
        self.must.intersect_with(&other.must);
        self.crossed.union_with(&other.crossed);
    }
}

/// What the dataflow found about one value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Holding {
    /// Each yield the value may be held across, and whether it is held there on
    /// every path.
    pub yields: Vec<(YieldId, bool)>,
    /// Where the value stops being held after having crossed a yield.
    pub drops: Vec<(ByteRange, DropKind)>,
}

/// The state at the entry of every block, from `start` at the graph's entry, by a
/// forward walk to a fixpoint: `step` applies an event, `join` merges two states
/// (returning whether the first changed). `None` for a block no path reaches.
fn fixpoint<S: Clone>(
    graph: &Graph,
    start: S,
    step: impl Fn(&mut S, &Event),
    join: impl Fn(&mut S, &S) -> bool,
) -> Vec<Option<S>> {
    let n = graph.blocks.len();
    let mut entry: Vec<Option<S>> = vec![None; n];
    entry[graph.entry] = Some(start);
    let mut work: Vec<BlockId> = vec![graph.entry];
    let mut queued = vec![false; n];
    queued[graph.entry] = true;
    while let Some(b) = work.pop() {
        queued[b] = false;
        let mut state = entry[b].clone().expect("queued blocks have a state");
        for event in &graph.blocks[b].events {
            step(&mut state, event);
        }
        for &s in &graph.blocks[b].succs {
            let changed = match &mut entry[s] {
                None => {
                    entry[s] = Some(state.clone());
                    true
                }
                Some(old) => join(old, &state),
            };
            if changed && !queued[s] {
                queued[s] = true;
                work.push(s);
            }
        }
    }
    entry
}

/// Walk every block a path reaches once more from its fixpoint `entry` state, showing
/// `visit` each event with the state just before `step` applies it.
fn replay<S: Clone>(
    graph: &Graph,
    entry: &[Option<S>],
    step: impl Fn(&mut S, &Event),
    mut visit: impl FnMut(&S, &Event),
) {
    for (block, entry) in graph.blocks.iter().zip(entry) {
        let Some(mut state) = entry.clone() else {
            continue;
        };
        for event in &block.events {
            visit(&state, event);
            step(&mut state, event);
        }
    }
}

/// Run the forward analysis to a fixpoint and report, per value, the yields it is
/// held across. Values that cross no yield get an empty `Holding`.
pub fn analyse(graph: &Graph, value_count: usize) -> Vec<Holding> {
    let start = State {
        maybe: BitSet::default(),
        must: BitSet::default(),
        crossed: BitSet::default(),
    };
    let entry = fixpoint(
        graph,
        start,
        |state, event| transfer(state, event, None),
        |old, new| {
            let before = old.clone();
            old.join(new);
            *old != before
        },
    );
    let mut out = vec![Holding::default(); value_count];
    for (b, block) in graph.blocks.iter().enumerate() {
        let Some(mut state) = entry[b].clone() else {
            continue;
        };
        for event in &block.events {
            transfer(&mut state, event, Some(&mut out));
        }
    }
    for h in &mut out {
        merge_points(&mut h.yields);
        h.drops.sort_unstable_by_key(|d| d.0);
        h.drops.dedup();
    }
    out
}

/// Sorted, one entry per point, held on every path only if it is on each.
fn merge_points(points: &mut Vec<(usize, bool)>) {
    points.sort_unstable();
    points.dedup_by(|a, b| {
        if a.0 == b.0 {
            b.1 &= a.1;
            true
        } else {
            false
        }
    });
}

/// Where a coroutine keeps a value's storage although the value was moved out:
/// a local borrowed before its move, whose scope has not ended, is saved across a
/// yield (rustc cannot tell the borrow is over; `g.push(1); drop(g); x.await` makes
/// the future `!Send`). Per value, the yields where that is so.
pub fn storage_kept(graph: &Graph, value_count: usize) -> Vec<Vec<YieldId>> {
    #[derive(Clone, PartialEq)]
    struct Storage {
        live: BitSet,
        borrowed: BitSet,
        moved: BitSet,
    }
    let step = |s: &mut Storage, event: &Event| match *event {
        Event::Create(v) => {
            s.live.insert(v);
            s.borrowed.remove(v);
            s.moved.remove(v);
        }
        Event::Borrow(v) => s.borrowed.insert(v),
        Event::Drop {
            value,
            kind: DropKind::Move,
            ..
        } => s.moved.insert(value),
        Event::Drop { value, .. } => {
            s.live.remove(value);
            s.borrowed.remove(value);
            s.moved.remove(value);
        }
        Event::Use(_) | Event::Yield(_) | Event::Acquire(_) | Event::Hold { .. } => {}
    };
    let start = Storage {
        live: BitSet::default(),
        borrowed: BitSet::default(),
        moved: BitSet::default(),
    };
    let entry = fixpoint(graph, start, step, |old, new| {
        let before = old.clone();
        old.live.union_with(&new.live);
        old.borrowed.union_with(&new.borrowed);
        old.moved.union_with(&new.moved);
        *old != before
    });
    let mut out = vec![Vec::new(); value_count];
    replay(graph, &entry, step, |state, event| {
        if let Event::Yield(y) = *event {
            for v in state.moved.iter() {
                if state.live.contains(v) && state.borrowed.contains(v) {
                    out[v].push(y);
                }
            }
        }
    });
    for yields in &mut out {
        yields.sort_unstable();
        yields.dedup();
    }
    out
}

fn transfer(state: &mut State, event: &Event, mut record: Option<&mut Vec<Holding>>) {
    match *event {
        Event::Create(v) => {
            state.maybe.insert(v);
            state.must.insert(v);
            state.crossed.remove(v);
        }
        Event::Drop { value, at, kind } => {
            if state.crossed.contains(value) {
                if let Some(out) = record.as_deref_mut() {
                    out[value].drops.push((at, kind));
                }
            }
            state.maybe.remove(value);
            state.must.remove(value);
            state.crossed.remove(value);
        }
        Event::Yield(y) => {
            if let Some(out) = record {
                for v in state.maybe.iter() {
                    out[v].yields.push((y, state.must.contains(v)));
                }
            }
            let maybe = state.maybe.clone();
            state.crossed.union_with(&maybe);
        }
        // A use does not change what is held; liveness after a yield is
        // `used_after_yield`'s question.
        Event::Use(_) | Event::Borrow(_) | Event::Acquire(_) | Event::Hold { .. } => {}
    }
}

/// A guard held at a lock's acquisition: `value` holds the guard of acquisition
/// `guard_of`, at acquisition `at`, on every path (`always`) or some.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeldAtAcquisition {
    pub at: AcquireId,
    pub value: ValueId,
    pub guard_of: AcquireId,
    pub always: bool,
}

/// Which guard held at each acquisition matters: a forward walk over the (value,
/// acquisition) pairs the `Hold` events make, each ended when its value is dropped
/// or created again. Of the pairs held at an acquisition that `matters(at, value,
/// guard_of)` accepts, the one of the latest acquisition is returned: one entry per
/// acquisition at most, sorted (a body that takes one lock 5,000 times with every
/// guard alive gives 5,000 entries, not 12 million).
pub fn held_at_acquisitions(
    graph: &Graph,
    matters: impl Fn(AcquireId, ValueId, AcquireId) -> bool,
) -> Vec<HeldAtAcquisition> {
    let mut pairs: Vec<(ValueId, AcquireId)> = graph
        .blocks
        .iter()
        .flat_map(|b| &b.events)
        .filter_map(|e| match *e {
            Event::Hold { value, acquisition } => Some((value, acquisition)),
            _ => None,
        })
        .collect();
    pairs.sort_unstable();
    pairs.dedup();
    if pairs.is_empty() {
        return Vec::new();
    }
    let pair_of = |v: ValueId, a: AcquireId| pairs.binary_search(&(v, a)).ok();
    let of_value = |state: &mut State, v: ValueId| {
        let from = pairs.partition_point(|p| p.0 < v);
        for (i, _) in pairs
            .iter()
            .enumerate()
            .skip(from)
            .take_while(|(_, p)| p.0 == v)
        {
            state.maybe.remove(i);
            state.must.remove(i);
        }
    };
    let step = |state: &mut State, event: &Event| match *event {
        Event::Create(v) | Event::Drop { value: v, .. } => of_value(state, v),
        Event::Hold { value, acquisition } => {
            if let Some(i) = pair_of(value, acquisition) {
                state.maybe.insert(i);
                state.must.insert(i);
            }
        }
        _ => {}
    };
    let start = State {
        maybe: BitSet::default(),
        must: BitSet::default(),
        crossed: BitSet::default(),
    };
    let entry = fixpoint(graph, start, step, |old, new| {
        let before = old.clone();
        old.join(new);
        *old != before
    });
    let mut out = Vec::new();
    replay(graph, &entry, step, |state, event| {
        if let Event::Acquire(at) = *event {
            let latest = state
                .maybe
                .iter()
                .filter(|&i| matters(at, pairs[i].0, pairs[i].1))
                .max_by_key(|&i| (pairs[i].1, pairs[i].0));
            out.extend(latest.map(|i| HeldAtAcquisition {
                at,
                value: pairs[i].0,
                guard_of: pairs[i].1,
                always: state.must.contains(i),
            }));
        }
    });
    // Each acquisition is one event of one block, and each block is replayed once:
    // one entry per acquisition already, in block order.
    out.sort_unstable_by_key(|h| h.at);
    out
}

/// Whether `value` may be used after yield `y` before it is dropped, moved or
/// replaced: liveness, for values held only until their last use.
pub fn used_after_yield(graph: &Graph, value: ValueId, y: YieldId) -> bool {
    let mut starts = Vec::new();
    for (b, block) in graph.blocks.iter().enumerate() {
        if let Some(i) = block.events.iter().position(|e| *e == Event::Yield(y)) {
            starts.push((b, i + 1));
        }
    }
    let mut seen = vec![false; graph.blocks.len()];
    while let Some((b, from)) = starts.pop() {
        let mut ended = false;
        for e in &graph.blocks[b].events[from..] {
            match *e {
                Event::Use(v) | Event::Borrow(v) if v == value => return true,
                Event::Drop { value: v, .. } | Event::Create(v) if v == value => {
                    ended = true;
                    break;
                }
                _ => {}
            }
        }
        if ended {
            continue;
        }
        for &s in &graph.blocks[b].succs {
            if !seen[s] {
                seen[s] = true;
                starts.push((s, 0));
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drop(value: ValueId) -> Event {
        Event::Drop {
            value,
            at: (0, 0),
            kind: DropKind::ScopeEnd,
        }
    }

    #[test]
    fn straight_line_hold_and_release() {
        let mut g = Graph::default();
        let b = g.entry;
        g.push(b, Event::Create(0));
        g.push(b, Event::Yield(0));
        g.push(b, drop(0));
        g.push(b, Event::Create(1));
        g.push(b, drop(1));
        g.push(b, Event::Yield(1));
        let out = analyse(&g, 2);
        assert_eq!(out[0].yields, vec![(0, true)]);
        assert_eq!(out[0].drops.len(), 1);
        assert!(out[1].yields.is_empty());
    }

    #[test]
    fn move_on_one_branch_is_maybe_held() {
        let mut g = Graph::default();
        let (then, join) = (g.new_block(), g.new_block());
        g.push(g.entry, Event::Create(0));
        g.edge(g.entry, then);
        g.edge(g.entry, join);
        g.push(then, drop(0));
        g.edge(then, join);
        g.push(join, Event::Yield(0));
        let out = analyse(&g, 1);
        assert_eq!(out[0].yields, vec![(0, false)]);
    }

    #[test]
    fn loop_carries_value_to_yield_at_head() {
        // head: yield; body: create (outer variable), back to head.
        let mut g = Graph::default();
        let (head, body, exit) = (g.new_block(), g.new_block(), g.new_block());
        g.edge(g.entry, head);
        g.push(head, Event::Yield(0));
        g.edge(head, body);
        g.edge(head, exit);
        g.push(body, Event::Create(0));
        g.edge(body, head);
        let out = analyse(&g, 1);
        assert_eq!(out[0].yields, vec![(0, false)]);
    }

    #[test]
    fn value_dropped_each_iteration_is_not_held_at_head() {
        let mut g = Graph::default();
        let (head, body) = (g.new_block(), g.new_block());
        g.edge(g.entry, head);
        g.push(head, Event::Yield(0));
        g.edge(head, body);
        g.push(body, Event::Create(0));
        g.push(body, drop(0));
        g.edge(body, head);
        let out = analyse(&g, 1);
        assert!(out[0].yields.is_empty());
    }

    #[test]
    fn a_borrowed_value_moved_out_keeps_its_storage() {
        let mut g = Graph::default();
        let b = g.entry;
        let moved = |value| Event::Drop {
            value,
            at: (0, 0),
            kind: DropKind::Move,
        };
        g.push(b, Event::Create(0));
        g.push(b, Event::Borrow(0));
        g.push(b, moved(0));
        g.push(b, Event::Create(1));
        g.push(b, moved(1));
        g.push(b, Event::Yield(0));
        g.push(b, drop(0));
        g.push(b, drop(1));
        let kept = storage_kept(&g, 2);
        assert_eq!(kept[0], vec![0], "borrowed, then moved: kept");
        assert!(kept[1].is_empty(), "moved without a borrow: not kept");
        assert!(analyse(&g, 2).iter().all(|h| h.yields.is_empty()));
    }

    #[test]
    fn guards_held_at_an_acquisition_follow_their_creation() {
        let mut g = Graph::default();
        let (then, join) = (g.new_block(), g.new_block());
        let hold = |value, acquisition| Event::Hold { value, acquisition };
        // v0 holds a0's guard; v1 holds a1's on one path only.
        g.push(g.entry, Event::Acquire(0));
        g.push(g.entry, Event::Create(0));
        g.push(g.entry, hold(0, 0));
        g.push(g.entry, Event::Acquire(1));
        g.push(g.entry, Event::Create(1));
        g.push(g.entry, hold(1, 1));
        g.edge(g.entry, then);
        g.edge(g.entry, join);
        g.push(then, drop(1));
        g.edge(then, join);
        g.push(join, Event::Acquire(2));
        // v0 created again, holding a3's guard: a0's is gone.
        g.push(join, Event::Acquire(3));
        g.push(join, Event::Create(0));
        g.push(join, hold(0, 3));
        g.push(join, Event::Acquire(4));
        let at = |a, matters: &dyn Fn(usize, usize, usize) -> bool| {
            held_at_acquisitions(&g, matters)
                .into_iter()
                .filter(|h| h.at == a)
                .map(|h| (h.value, h.guard_of, h.always))
                .collect::<Vec<_>>()
        };
        let all = |_, _, _| true;
        let only_v0 = |_, v, _| v == 0;
        assert_eq!(at(0, &all), vec![]);
        assert_eq!(at(1, &all), vec![(0, 0, true)]);
        // The latest guard held, or the one that matters.
        assert_eq!(at(2, &all), vec![(1, 1, false)]);
        assert_eq!(at(2, &only_v0), vec![(0, 0, true)]);
        assert_eq!(at(3, &only_v0), vec![(0, 0, true)]);
        // v0 created again: it holds a3's guard, no longer a0's.
        assert_eq!(at(4, &all), vec![(0, 3, true)]);
        assert_eq!(at(4, &|_, _, g| g == 0), vec![]);
    }

    #[test]
    fn use_after_yield_is_seen() {
        let mut g = Graph::default();
        let b = g.entry;
        g.push(b, Event::Create(0));
        g.push(b, Event::Use(0));
        g.push(b, Event::Yield(0));
        assert!(!used_after_yield(&g, 0, 0));
        g.push(b, Event::Use(0));
        assert!(used_after_yield(&g, 0, 0));
        g.push(b, drop(0));
        let after = g.new_block();
        g.edge(b, after);
        g.push(after, Event::Use(0));
        assert!(used_after_yield(&g, 0, 0), "used before the drop");
    }
}
