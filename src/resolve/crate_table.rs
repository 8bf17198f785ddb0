//! What the other files of a crate tell about a file's values: every method's and
//! fn's returned hazards, every struct field's lock family, and the names the crate
//! re-exports from elsewhere (`pub use std::sync::Mutex;`). Each entry is resolved in
//! the context of the file that declares it (its own imports).
//!
//! A path is followed through the module tree (`modtree`) and each module's `use`
//! items, `pub use` re-exports and globs to the one file that declares what it names
//! (`locate`); a struct known by such a path (`crate::a::Pool`) has its fields read
//! from that file and its methods from the impls of files where its name means it.
//! What the tree cannot place is merged by name across the crate; a name declared
//! differently in two places is then ambiguous and dropped, so that a guess is never
//! made.

use crate::resolve::cfg::BuildCfg;
use crate::support::hash::{HashMap, HashSet};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use crate::hazard::Shape;
use crate::prefilter::scan::ModDecl;
use crate::resolve::modtree::{ModTree, Module};

mod dep_answers;
mod lazy;
mod live;
use lazy::{Lazy, LazyFile};
pub use lazy::{Made, Summarizer};
pub use live::record_reads;

/// A `#[must_not_suspend]` annotation: its reason, and whether the type's fields are
/// all free of drop glue.
pub type Annotation = (Option<String>, bool);

/// (crate root, path from it) → where it leads.
type LocatedCache = HashMap<(usize, Vec<String>), Option<Located>>;

/// What values of a type hold, by (crate root, type path, depth of the question).
type TypeHazardCache = HashMap<(usize, Vec<String>, usize), Vec<Shape>>;

/// Where a path leads, through the module tree: to an item (or module) a file of
/// the crate declares, or out of the crate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Located {
    /// Declared in `file`, in `module`, under `name`.
    Item {
        file: usize,
        module: Module,
        name: String,
    },
    /// A path outside the crate (`std::sync::Mutex`).
    External(Vec<String>),
}

impl Located {
    /// The path that names it: `crate::a::b::Name` for an item of the crate.
    pub fn path(&self) -> Vec<String> {
        match self {
            Located::Item { module, name, .. } => std::iter::once("crate".to_string())
                .chain(module.path.iter().cloned())
                .chain(std::iter::once(name.clone()))
                .collect(),
            Located::External(p) => p.clone(),
        }
    }
}

/// A struct field as seen from elsewhere.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldEntry {
    /// The field type's path, resolved with its file's imports (crate paths stay
    /// crate paths; the reader follows re-exports).
    pub type_path: Option<Vec<String>>,
    /// The field type's struct name (through `Arc`, `Box`, references).
    pub struct_name: Option<String>,
}

/// One file's contribution.
#[derive(Debug, Default, PartialEq)]
pub struct FileSummary {
    pub(crate) methods: Vec<((String, String), Vec<Shape>)>,
    pub(crate) fns: Vec<(String, Vec<Shape>)>,
    /// Free fns returning an owned value of a named type that holds no hazard the
    /// signature shows: that type, for its declaration's fields to tell.
    pub(crate) fn_returns: Vec<(String, ReturnEntry)>,
    /// The same for methods, by (type, method).
    pub(crate) method_returns: Vec<((String, String), ReturnEntry)>,
    pub(crate) fields: Vec<((String, String), FieldEntry)>,
    /// Statics (also `lazy_static!`'s) and consts, by name.
    pub(crate) statics: Vec<(String, FieldEntry)>,
    pub(crate) reexports: Vec<(String, Vec<String>)>,
    pub(crate) awaiting_macros: Vec<String>,
    /// `macro_rules!` bodies by name, as token text, for expanding their calls in
    /// other files.
    pub(crate) macro_bodies: Vec<(String, String)>,
    pub(crate) must_not_suspend: Vec<(String, Option<String>, bool)>,
    pub(crate) must_not_suspend_traits: Vec<(String, Option<String>)>,
    pub(crate) drop_impls: Vec<String>,
    /// What each module of the file (the file's own, `[]`, and its inline modules)
    /// declares, for resolving paths through the module tree.
    pub(crate) scope: Vec<ScopeEntry>,
    /// `impl Deref for Name { type Target = T; }`: Name → T.
    pub(crate) derefs: Vec<(String, FieldEntry)>,
    /// Every method of an impl (unit ones and trait impls' too): (type, method).
    pub(crate) method_names: Vec<(String, String)>,
    /// Type aliases (`type Shared = Arc<Mutex<State>>;`), by name: what a value of
    /// the aliased type is, read with the file's imports.
    pub(crate) aliases: Vec<(String, AliasEntry)>,
}

/// The owned type a fn returns, inside `layers` (innermost first).
#[derive(Debug, Clone, PartialEq)]
pub struct ReturnEntry {
    pub layers: Vec<crate::hazard::Layer>,
    pub entry: FieldEntry,
}

/// What a type alias of another file stands for.
#[derive(Debug, Clone, PartialEq)]
pub struct AliasEntry {
    /// The lock family of a receiver of that type.
    pub receiver: Option<crate::hazard::Receiver>,
    /// The hazards a value of that type owns.
    pub shapes: Vec<Shape>,
}

/// A name a module of a file binds: by declaring an item or module, or by a `use`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ScopeEntry {
    /// The inline modules (`mod a { .. }`) it is in.
    pub inline: Vec<String>,
    /// The name bound (`*` for a glob import).
    pub name: String,
    /// For a `use`, the path it imports, as written (a glob's module for `*`).
    pub target: Option<Vec<String>>,
}

/// The merged view of a crate: answers to the questions a file's analysis asks about
/// names declared elsewhere in its crate.
///
/// Two ways to the same answers: `merged` summarises every file up front (the
/// reference), `lazy` knows from a lexical scan which files declare each name and
/// summarises only the files a question can concern, when it is first asked. A
/// summary's entry for a name can only come from a file that declares the name, so
/// both give the same answer to every question.
#[derive(Debug, Default)]
pub struct CrateTable {
    answers: Answers,
    /// The build the package is taken to be.
    cfg: Arc<BuildCfg>,
    /// Which module of which crate each file is.
    tree: ModTree,
    /// Files by path, in the order of `tree`.
    file_of: HashMap<Arc<Path>, usize>,
    /// Every name a file of the crate declares or re-exports (by the scan).
    known_names: HashSet<String>,
    /// Paths resolved through the tree so far: (crate root, full path) → the answer.
    located: Mutex<LocatedCache>,
    /// `type_hazards` answered so far: the same few types are asked about from every
    /// field and return type that names them (2,030 distinct questions of 30,704 on
    /// the 32-crate corpus).
    type_hazards: Mutex<TypeHazardCache>,
    /// Types configured in `await-holding-invalid-types`.
    pub invalid_types: Vec<crate::hazard::listed::Listed>,
    /// Methods configured in `hazard-methods` (`path` is the method name).
    pub hazard_methods: Vec<crate::hazard::listed::Listed>,
    /// The crates this one depends on, read from their sources (none with `--no-deps`).
    deps: Option<crate::resolve::deps::DepView>,
    /// For a dependency's table: its library's crate root, where paths into it start.
    lib_root: OnceLock<Option<usize>>,
}

#[derive(Debug)]
enum Answers {
    Merged(Merged),
    Lazy(Lazy),
}

impl Default for Answers {
    fn default() -> Self {
        Answers::Merged(Merged::default())
    }
}

#[derive(Debug, Default)]
struct Merged {
    methods: HashMap<(String, String), Option<Vec<Shape>>>,
    fns: HashMap<String, Option<Vec<Shape>>>,
    fields: HashMap<(String, String), Option<FieldEntry>>,
    statics: HashMap<String, Option<FieldEntry>>,
    reexports: HashMap<String, Option<Vec<String>>>,
    awaiting_macros: HashSet<String>,
    macro_bodies: HashMap<String, Option<String>>,
    /// `#[must_not_suspend]` types: reason and whether their fields are trivial.
    must_not_suspend: HashMap<String, (Option<String>, bool)>,
    must_not_suspend_traits: HashMap<String, Option<String>>,
    drop_impls: HashSet<String>,
    alias_names: HashSet<String>,
    /// Every file's summary (`None` if it does not parse), in the tree's order.
    files: Vec<Option<FileSummary>>,
}

/// What a lexical scan says a file declares: the names under which its summary may
/// have entries.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Declared {
    /// `struct`, `enum` and `union` names.
    pub types: Vec<String>,
    /// `fn` names (free fns and methods).
    pub fns: Vec<String>,
    /// `fn` names declared without a `self` receiver at least once.
    pub free_fns: Vec<String>,
    /// Names in `impl` headers (the implemented types' among them).
    pub impls: Vec<String>,
    pub traits: Vec<String>,
    /// Names in `pub use` trees.
    pub reexports: Vec<String>,
    /// `macro_rules!` names.
    pub macros: Vec<String>,
    /// `static` names (also `lazy_static!`'s).
    pub statics: Vec<String>,
    /// `type` names (aliases, associated types).
    pub aliases: Vec<String>,
    /// Whether the file can declare an `impl Drop`.
    pub drop: bool,
    /// Whether the file mentions `must_not_suspend` at all.
    pub must_not_suspend: bool,
    /// Its out-of-line module declarations.
    pub mods: Vec<ModDecl>,
}

impl From<crate::prefilter::scan::Facts> for Declared {
    /// What the scan found a file declares.
    fn from(facts: crate::prefilter::scan::Facts) -> Declared {
        Declared {
            types: facts.types,
            fns: facts.fns,
            free_fns: facts.free_fns,
            impls: facts.impl_names,
            traits: facts.traits,
            // Words of a use tree that never name what it brings in.
            reexports: facts
                .use_names
                .into_iter()
                .filter(|n| !matches!(n.as_str(), "self" | "super" | "crate" | "as" | "_"))
                .collect(),
            macros: facts.macros,
            statics: facts.statics,
            aliases: facts.aliases,
            drop: facts.mentions_drop,
            must_not_suspend: facts.mentions_must_not_suspend,
            mods: facts.mods,
        }
    }
}

impl Declared {
    /// Add the names this file may bind, for `CrateTable::may_locate`.
    fn add_names(&self, names: &mut HashSet<String>) {
        for list in [
            &self.types,
            &self.fns,
            &self.traits,
            &self.reexports,
            &self.macros,
            &self.statics,
            &self.aliases,
        ] {
            names.extend(list.iter().cloned());
        }
        names.extend(self.mods.iter().map(|m| m.name.clone()));
    }
}

/// A walk through the module tree: the paths being resolved, and whether every
/// step so far got to an answer (no circle, not too deep).
struct Walk {
    stack: Vec<(usize, Vec<String>)>,
    /// The paths followed so far in this walk: where each led, and whether in full.
    seen: HashMap<(usize, Vec<String>), (Option<Located>, bool)>,
    complete: bool,
}

/// The kinds of binding a path's last name is looked for in a module, in order:
/// the first that finds it decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Declared,
    Imported,
    Glob,
}

/// A file that makes up (part of) a module: `inline` are the inline modules of the
/// file the module is.
#[derive(Debug)]
struct Host {
    file: usize,
    inline: Vec<String>,
}

/// Whether every value agrees: the value if so, `None` if they differ or there is none.
fn agree<'a, V: PartialEq + Clone + 'a>(mut values: impl Iterator<Item = &'a V>) -> Option<V> {
    let first = values.next()?;
    values.all(|v| v == first).then(|| first.clone())
}

fn insert<K: std::hash::Hash + Eq, V: PartialEq>(
    map: &mut HashMap<K, Option<V>>,
    key: K,
    value: V,
) {
    match map.get_mut(&key) {
        None => {
            map.insert(key, Some(value));
        }
        Some(slot) => {
            if slot.as_ref() != Some(&value) {
                *slot = None;
            }
        }
    }
}

impl CrateTable {
    /// The table of the crate (or crates: a package's targets) in `dir` whose files,
    /// declaring `mods` each, are all summarised already (`None`: does not parse).
    pub fn merge(
        dir: Option<&Path>,
        files: Vec<(Arc<Path>, Declared, Option<FileSummary>)>,
    ) -> CrateTable {
        let mut paths = Vec::with_capacity(files.len());
        let mut summaries = Vec::with_capacity(files.len());
        let mut known = HashSet::default();
        for (path, mut declared, summary) in files {
            paths.push((path, std::mem::take(&mut declared.mods)));
            declared.add_names(&mut known);
            summaries.push(summary);
        }
        let mut table = CrateTable {
            answers: Answers::Merged(Merged {
                files: summaries,
                ..Merged::default()
            }),
            known_names: known,
            ..CrateTable::default()
        }
        .with_tree(dir, paths);
        // Type paths are anchored to their files' modules, which needs the tree.
        let Answers::Merged(m) = &table.answers else {
            unreachable!("built as merged above")
        };
        let anchored: Vec<(Vec<_>, Vec<_>)> = m
            .files
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let Some(s) = s else {
                    return (Vec::new(), Vec::new());
                };
                let fields = s
                    .fields
                    .iter()
                    .map(|(k, v)| (k.clone(), table.anchor_entry(i, v)))
                    .collect();
                let statics = s
                    .statics
                    .iter()
                    .map(|(k, v)| (k.clone(), table.anchor_entry(i, v)))
                    .collect();
                (fields, statics)
            })
            .collect();
        let Answers::Merged(t) = &mut table.answers else {
            unreachable!("built as merged above")
        };
        let files = std::mem::take(&mut t.files);
        for (s, (fields, statics)) in files.iter().zip(anchored) {
            let Some(s) = s else {
                continue;
            };
            for (k, v) in fields {
                insert(&mut t.fields, k, v);
            }
            for (k, v) in statics {
                insert(&mut t.statics, k, v);
            }
            for (k, v) in &s.methods {
                insert(&mut t.methods, k.clone(), v.clone());
            }
            for (k, v) in &s.fns {
                insert(&mut t.fns, k.clone(), v.clone());
            }
            for (k, v) in &s.reexports {
                insert(&mut t.reexports, k.clone(), v.clone());
            }
            t.awaiting_macros.extend(s.awaiting_macros.iter().cloned());
            for (k, v) in &s.macro_bodies {
                insert(&mut t.macro_bodies, k.clone(), v.clone());
            }
            for (name, reason, trivial) in &s.must_not_suspend {
                t.must_not_suspend
                    .insert(name.clone(), (reason.clone(), *trivial));
            }
            t.must_not_suspend_traits
                .extend(s.must_not_suspend_traits.iter().cloned());
            t.drop_impls.extend(s.drop_impls.iter().cloned());
            t.alias_names
                .extend(s.aliases.iter().map(|(n, _)| n.clone()));
        }
        t.files = files;
        table
    }

    /// A field's or static's entry from file `i`, its type's path made to name the
    /// same type from anywhere in the crate (`super::sync::Mutex` →
    /// `crate::a::sync::Mutex`, or where that re-exports from).
    fn anchor_entry(&self, i: usize, entry: &FieldEntry) -> FieldEntry {
        let mut entry = entry.clone();
        let Some(module) = self.tree.modules.get(i).cloned().flatten() else {
            return entry;
        };
        if let Some(path) = &entry.type_path {
            let found = match path.as_slice() {
                [name] => {
                    let mut abs = module.path.clone();
                    abs.push(name.clone());
                    self.locate_abs(module.root, abs)
                }
                _ => self.locate(&module, path),
            };
            if let Some(found) = found {
                let path = found.path();
                // The struct it is, by its path (`struct_key`).
                if path.first().is_some_and(|f| f == "crate")
                    && path.last() == entry.struct_name.as_ref()
                {
                    entry.struct_name = Some(path.join("::"));
                }
                entry.type_path = Some(path);
            }
        }
        entry
    }

    /// The module tree of files declaring `mods`, in the order of the answers.
    fn with_tree(mut self, dir: Option<&Path>, files: Vec<(Arc<Path>, Vec<ModDecl>)>) -> Self {
        let view: Vec<(Arc<Path>, &[ModDecl])> = files
            .iter()
            .map(|(p, m)| (p.clone(), m.as_slice()))
            .collect();
        self.tree = ModTree::build(dir, &view);
        self.file_of = files
            .into_iter()
            .enumerate()
            .map(|(i, (p, _))| (p, i))
            .collect();
        self
    }

    /// The table of a crate whose files (in a fixed order) are summarised when a
    /// question first concerns them.
    pub fn lazy(
        dir: Option<&Path>,
        files: Vec<(Arc<Path>, Declared)>,
        summarize: Summarizer,
    ) -> CrateTable {
        let mut lazy = Lazy {
            dir: dir.map(Arc::from),
            files: Vec::with_capacity(files.len()),
            summarize,
            cfg: Arc::default(),
            by_type: HashMap::default(),
            by_fn: HashMap::default(),
            by_impl: HashMap::default(),
            by_free_fn: HashMap::default(),
            by_trait: HashMap::default(),
            by_reexport: HashMap::default(),
            by_macro: HashMap::default(),
            by_static: HashMap::default(),
            by_alias: HashMap::default(),
            drop_files: Vec::new(),
            any_must_not_suspend: false,
            nanos: AtomicU64::new(0),
            made_here: Default::default(),
        };
        let mut paths = Vec::with_capacity(files.len());
        let mut known = HashSet::default();
        for (i, (path, declared)) in files.into_iter().enumerate() {
            paths.push((path.clone(), declared.mods.clone()));
            declared.add_names(&mut known);
            lazy.files.push(LazyFile {
                path,
                text: None,
                mods: Vec::new(),
                made: Arc::default(),
            });
            lazy.add_names_of(i, declared);
        }
        CrateTable {
            answers: Answers::Lazy(lazy),
            known_names: known,
            ..CrateTable::default()
        }
        .with_tree(dir, paths)
    }

    /// Take each file's summary from `made` (by the file's path) instead of making
    /// it for this table alone: for tables of the same files summarised the same way
    /// (a downloaded dependency, read in the default build for every package that
    /// depends on it), whichever asks first makes it for all. Called before any
    /// question is asked.
    pub fn share_summaries(&mut self, mut made: impl FnMut(&Arc<Path>) -> Arc<Made>) {
        if let Answers::Lazy(lazy) = &mut self.answers {
            for file in &mut lazy.files {
                file.made = made(&file.path);
            }
        }
    }

    /// Whether a path whose last segment is `name` may lead somewhere through the
    /// module tree: the crate declares or re-exports something of that name (by the
    /// scan), or it is a lock's, guard's or cell's name (which a module may import
    /// privately from outside for its children), or a configured type's.
    pub fn may_locate(&self, name: &str) -> bool {
        self.known_names.contains(name)
            || crate::hazard::is_hazard_type_name(name)
            || self
                .invalid_types
                .iter()
                .any(|t| t.path.rsplit("::").next() == Some(name))
    }

    /// The summary of file `i` (`None` if it does not parse).
    fn file_summary(&self, i: usize) -> Option<&FileSummary> {
        match &self.answers {
            Answers::Merged(m) => m.files.get(i)?.as_ref(),
            Answers::Lazy(l) => l.summary(i),
        }
    }

    /// The module the file at `path` is, if a crate root's declarations reach it.
    pub fn module_of(&self, path: &Path) -> Option<Module> {
        self.tree.modules.get(*self.file_of.get(path)?)?.clone()
    }

    /// The files of the modules above `path`'s, from its crate root down, each with
    /// its module's depth below the root: where the lint levels that scope it are
    /// written (`#![deny(..)]`, `#[allow(..)] mod name;`).
    pub fn ancestor_files(&self, path: &Path) -> Vec<(Arc<Path>, usize)> {
        let Some(module) = self.module_of(path) else {
            return Vec::new();
        };
        (0..module.path.len())
            .filter_map(|depth| {
                let above = Module {
                    root: module.root,
                    path: module.path[..depth].to_vec(),
                };
                let &index = self.tree.files_of.get(&above)?.first()?;
                let file = self.file_of.iter().find(|(_, &i)| i == index)?.0;
                Some((file.clone(), depth))
            })
            .collect()
    }

    /// Where `path`, written in module `from` (and resolved with its file's imports
    /// already: `crate::a::B`, `self::b::C`, `super::D`, `child::E`), leads through the
    /// module tree and the `use` items and re-exports on the way; `None` if the path
    /// does not start in the crate, cannot be followed, or leads to two places.
    pub fn locate(&self, from: &Module, path: &[String]) -> Option<Located> {
        let abs = self.absolute(from, path, None)?;
        self.locate_abs(from.root, abs)
    }

    /// `path`, written in module `from`, from its crate's root; `None` if it names
    /// something outside the crate. `hosts` are the files of `from`, whose inline
    /// modules a path can start with too.
    fn absolute(
        &self,
        from: &Module,
        path: &[String],
        hosts: Option<&[Host]>,
    ) -> Option<Vec<String>> {
        let first = path.first()?.as_str();
        let mut abs = match first {
            "crate" => return Some(path[1..].to_vec()),
            "self" => from.path.clone(),
            "super" => {
                let supers = path.iter().take_while(|s| *s == "super").count();
                let keep = from.path.len().checked_sub(supers)?;
                let mut abs = from.path[..keep].to_vec();
                abs.extend(path[supers..].iter().cloned());
                return Some(abs);
            }
            _ => {
                // A child module of `from` (a 2018 path), else another crate.
                let child = Module {
                    root: from.root,
                    path: from
                        .path
                        .iter()
                        .cloned()
                        .chain([first.to_string()])
                        .collect(),
                };
                // An inline module of the asking file's own is not looked for: that
                // would summarise the file being analysed (its paths resolve there).
                let inline_child = || {
                    hosts.unwrap_or_default().iter().any(|h| {
                        self.file_summary(h.file).is_some_and(|s| {
                            s.scope.iter().any(|e| {
                                e.inline == h.inline && e.name == first && e.target.is_none()
                            })
                        })
                    })
                };
                if !self.tree.has_file_module(&child) && !inline_child() {
                    return None;
                }
                return Some(from.path.iter().chain(path).cloned().collect());
            }
        };
        abs.extend(path[1..].iter().cloned());
        Some(abs)
    }

    /// The files (and inline modules in them) that make up module `m`: the files
    /// that are `m` if any (an inline module of the same name in its parent would be
    /// a second definition of it), else the inline module `m` in its ancestors.
    fn hosts(&self, m: &Module) -> Vec<Host> {
        if let Some(files) = self.tree.files_of.get(m) {
            return files
                .iter()
                .map(|&file| Host {
                    file,
                    inline: Vec::new(),
                })
                .collect();
        }
        let mut out = Vec::new();
        for k in (0..=m.path.len()).rev() {
            let outer = Module {
                root: m.root,
                path: m.path[..k].to_vec(),
            };
            if let Some(files) = self.tree.files_of.get(&outer) {
                out.extend(files.iter().map(|&file| Host {
                    file,
                    inline: m.path[k..].to_vec(),
                }));
            }
        }
        out
    }

    /// `locate` for a path from the crate root `root`.
    fn locate_abs(&self, root: usize, abs: Vec<String>) -> Option<Located> {
        let mut walk = Walk {
            stack: Vec::new(),
            seen: HashMap::default(),
            complete: true,
        };
        self.locate_in(root, abs, &mut walk)
    }

    /// One step of a walk through the tree. Imports can go round in circles (`mod a
    /// { pub use super::b::*; } mod b { pub use super::a::*; }`): a path already on
    /// the walk's stack, or a walk too deep, leads nowhere, and an answer that met
    /// either is not cached, since from elsewhere the same path may lead further.
    fn locate_in(&self, root: usize, abs: Vec<String>, walk: &mut Walk) -> Option<Located> {
        if abs.is_empty() {
            return None;
        }
        let key = (root, abs);
        if let Some(known) = self.located.lock().ok()?.get(&key) {
            return known.clone();
        }
        if walk.stack.len() > 16 || walk.stack.contains(&key) {
            walk.complete = false;
            return None;
        }
        // Each path is followed once per walk: imports that all glob each other
        // would otherwise be walked along every order of the modules.
        if let Some((answer, complete)) = walk.seen.get(&key) {
            walk.complete &= *complete;
            return answer.clone();
        }
        let outer_complete = std::mem::replace(&mut walk.complete, true);
        let path = key.1.clone();
        walk.stack.push(key);
        let answer = self.locate_uncached(root, &path, walk);
        let key = walk.stack.pop()?;
        if walk.complete {
            if let Ok(mut cache) = self.located.lock() {
                cache.insert(key.clone(), answer.clone());
            }
        }
        walk.seen.insert(key, (answer.clone(), walk.complete));
        walk.complete &= outer_complete;
        answer
    }

    fn locate_uncached(&self, root: usize, abs: &[String], walk: &mut Walk) -> Option<Located> {
        let (name, module_path) = abs.split_last()?;
        let module = Module {
            root,
            path: module_path.to_vec(),
        };
        let hosts = self.hosts(&module);
        let entries: Vec<(usize, &ScopeEntry)> = hosts
            .iter()
            .filter_map(|h| Some((h.file, self.file_summary(h.file)?, h)))
            .flat_map(|(file, s, h)| {
                s.scope
                    .iter()
                    .filter(move |e| e.inline == h.inline)
                    .map(move |e| (file, e))
            })
            .collect();
        let steps = [Step::Declared, Step::Imported, Step::Glob];
        let mut found = Vec::new();
        for step in steps {
            if found.is_empty() {
                found = self.locate_step(step, &module, &hosts, &entries, name, walk);
            }
        }
        // The module itself may be reached through an import (`pub use self::imp::*`
        // bringing in module `sync`): follow it there.
        if found.is_empty() && !module_path.is_empty() {
            if let Some(Located::Item {
                module, name: m, ..
            }) = self.locate_in(root, module_path.to_vec(), walk)
            {
                let mut target = module.path;
                target.push(m);
                if target != module_path {
                    target.push(name.clone());
                    found.extend(self.locate_in(root, target, walk));
                }
            }
        }
        match found.as_slice() {
            [one] => Some(one.clone()),
            _ => None,
        }
    }

    /// Where `name` leads from module `module` by one kind of binding: the items it
    /// declares, its imports by name, or its glob imports. Each place once.
    fn locate_step(
        &self,
        step: Step,
        module: &Module,
        hosts: &[Host],
        entries: &[(usize, &ScopeEntry)],
        name: &str,
        walk: &mut Walk,
    ) -> Vec<Located> {
        let mut found: Vec<Located> = Vec::new();
        for (file, e) in entries {
            let l = match (step, &e.target) {
                (Step::Declared, None) if e.name == *name => Some(Located::Item {
                    file: *file,
                    module: module.clone(),
                    name: name.to_string(),
                }),
                (Step::Imported, Some(target)) if e.name == *name => {
                    match self.absolute(module, target, Some(hosts)) {
                        Some(abs) => self.locate_in(module.root, abs, walk),
                        None => {
                            let path: Vec<String> =
                                target.iter().filter(|s| *s != "::").cloned().collect();
                            (!path.is_empty()).then_some(Located::External(path))
                        }
                    }
                }
                (Step::Glob, Some(glob)) if e.name == "*" => {
                    self.locate_through_glob(module, hosts, glob, name, walk)
                }
                _ => None,
            };
            if let Some(l) = l.filter(|l| !found.contains(l)) {
                found.push(l);
            }
        }
        found
    }

    /// Where `name` leads through the glob import `glob` of module `module`.
    fn locate_through_glob(
        &self,
        module: &Module,
        hosts: &[Host],
        glob: &[String],
        name: &str,
        walk: &mut Walk,
    ) -> Option<Located> {
        match self.absolute(module, glob, Some(hosts)) {
            Some(mut abs) => {
                abs.push(name.to_string());
                self.locate_in(module.root, abs, walk)
            }
            None => {
                // Out of the crate: only a lock type's name is trusted to be there.
                let mut full: Vec<String> = glob.iter().filter(|s| *s != "::").cloned().collect();
                full.push(name.to_string());
                crate::hazard::classify_lock_path(&full)
                    .filter(|r| r.family != crate::hazard::Family::Other)
                    .map(|_| Located::External(full))
            }
        }
    }

    /// The same answers with other configured lists.
    /// The table, for the build `cfg` (which its lazy summaries are made in).
    pub fn with_cfg(mut self, cfg: Arc<BuildCfg>) -> CrateTable {
        if let Answers::Lazy(l) = &mut self.answers {
            l.cfg = cfg.clone();
        }
        self.cfg = cfg;
        self
    }

    /// The build the package is taken to be.
    pub fn cfg(&self) -> Arc<BuildCfg> {
        self.cfg.clone()
    }

    pub fn with_lists(
        mut self,
        invalid_types: Vec<crate::hazard::listed::Listed>,
        hazard_methods: Vec<crate::hazard::listed::Listed>,
    ) -> CrateTable {
        self.invalid_types = invalid_types;
        self.hazard_methods = hazard_methods;
        self
    }

    /// The files a question concerned that were too deep to summarise: the bound
    /// each passed, and the 1-based line and column where.
    pub fn too_deep(
        &self,
    ) -> Vec<(
        Arc<Path>,
        crate::prefilter::nesting::TooDeep,
        (usize, usize),
    )> {
        match &self.answers {
            Answers::Merged(_) => Vec::new(),
            Answers::Lazy(l) => l
                .files
                .iter()
                .filter_map(|f| {
                    let (deep, at) = f.made.too_deep.get()?;
                    Some((f.path.clone(), *deep, *at))
                })
                .collect(),
        }
    }

    /// `indexing`, of this crate's files only.
    pub fn own_indexing(&self) -> (usize, std::time::Duration) {
        match &self.answers {
            Answers::Merged(_) => (0, std::time::Duration::ZERO),
            Answers::Lazy(l) => (
                l.made_here.load(Ordering::Relaxed),
                std::time::Duration::from_nanos(l.nanos.load(Ordering::Relaxed)),
            ),
        }
    }

    pub fn must_not_suspend(&self, name: &str) -> Option<(Option<String>, bool)> {
        match &self.answers {
            Answers::Merged(m) => m.must_not_suspend.get(name).cloned(),
            Answers::Lazy(l) if !l.any_must_not_suspend => None,
            Answers::Lazy(l) => l
                .summaries(&l.by_type, name)
                .flat_map(|s| &s.must_not_suspend)
                .filter(|(n, _, _)| n == name)
                .last()
                .map(|(_, reason, trivial)| (reason.clone(), *trivial)),
        }
    }

    pub fn must_not_suspend_trait(&self, name: &str) -> Option<Option<String>> {
        match &self.answers {
            Answers::Merged(m) => m.must_not_suspend_traits.get(name).cloned(),
            Answers::Lazy(l) if !l.any_must_not_suspend => None,
            Answers::Lazy(l) => l
                .summaries(&l.by_trait, name)
                .flat_map(|s| &s.must_not_suspend_traits)
                .filter(|(n, _)| n == name)
                .last()
                .map(|(_, reason)| reason.clone()),
        }
    }

    pub fn has_drop(&self, name: &str) -> bool {
        match &self.answers {
            Answers::Merged(m) => m.drop_impls.contains(name),
            Answers::Lazy(l) => l
                .drop_files
                .iter()
                .filter_map(|&i| l.summary(i))
                .any(|s| s.drop_impls.iter().any(|d| d == name)),
        }
    }

    /// Whether the crate declares a `macro_rules!` of this name that awaits.
    pub fn awaiting_macro(&self, name: &str) -> bool {
        match &self.answers {
            Answers::Merged(m) => m.awaiting_macros.contains(name),
            Answers::Lazy(l) => l
                .summaries(&l.by_macro, name)
                .any(|s| s.awaiting_macros.iter().any(|m| m == name)),
        }
    }

    /// The body of the crate's `macro_rules!` of this name, as token text, when
    /// every file that declares one agrees on it.
    pub fn macro_body(&self, name: &str) -> Option<String> {
        match &self.answers {
            Answers::Merged(m) => m.macro_bodies.get(name)?.clone(),
            Answers::Lazy(l) => agree(
                l.summaries(&l.by_macro, name)
                    .flat_map(|s| &s.macro_bodies)
                    .filter(|(n, _)| n == name)
                    .map(|(_, b)| b),
            ),
        }
    }

    /// The hazards method `name` of type `ty` returns, if the crate agrees.
    pub fn method(&self, ty: &str, name: &str) -> Option<Vec<Shape>> {
        match &self.answers {
            Answers::Merged(m) => m.methods.get(&(ty.to_string(), name.to_string()))?.clone(),
            Answers::Lazy(l) => agree(
                l.method_summaries(ty, name)
                    .flat_map(|s| &s.methods)
                    .filter(|((t, n), _)| t == ty && n == name)
                    .map(|(_, v)| v),
            ),
        }
    }

    pub fn function(&self, name: &str) -> Option<Vec<Shape>> {
        match &self.answers {
            Answers::Merged(m) => m.fns.get(name)?.clone(),
            Answers::Lazy(l) => agree(
                l.summaries(&l.by_free_fn, name)
                    .flat_map(|s| &s.fns)
                    .filter(|(n, _)| n == name)
                    .map(|(_, v)| v),
            ),
        }
    }

    /// What the free fn at `path` (from the crate root `root`) returns, from the
    /// file that declares it (under its own name: `pub use a::lock as held` leads
    /// to `lock`); `None` where the module tree does not place it on a fn.
    pub fn function_at(&self, root: usize, path: &[String]) -> Option<Vec<Shape>> {
        let (file, name) = self.item_at(root, path)?;
        let summary = self.file_summary(file)?;
        let shapes = summary
            .fns
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.clone())?;
        let returned = summary.fn_returns.iter().find(|(n, _)| *n == name);
        match returned {
            Some((_, r)) if shapes.is_empty() => Some(self.returned_hazards(root, file, r)),
            _ => Some(shapes),
        }
    }

    pub fn field(&self, ty: &str, field: &str) -> Option<FieldEntry> {
        match &self.answers {
            Answers::Merged(m) => m.fields.get(&(ty.to_string(), field.to_string()))?.clone(),
            Answers::Lazy(l) => agree(
                l.indexed_summaries(&l.by_type, ty)
                    .flat_map(|(i, s)| s.fields.iter().map(move |e| (i, e)))
                    .filter(|(_, ((t, f), _))| t == ty && f == field)
                    .map(|(i, (_, v))| self.anchor_entry(i, v))
                    .collect::<Vec<_>>()
                    .iter(),
            ),
        }
    }

    /// The file and name of the item the module tree places `path` (from the crate
    /// root `root`) on.
    fn item_at(&self, root: usize, path: &[String]) -> Option<(usize, String)> {
        match self.locate_abs(root, path.to_vec())? {
            Located::Item { file, name, .. } => Some((file, name)),
            Located::External(_) => None,
        }
    }

    /// Field `field` of the struct at `path` (from the crate root `root`), from the
    /// file that declares it.
    pub fn field_at(&self, root: usize, path: &[String], field: &str) -> Option<FieldEntry> {
        let Some((file, name)) = self.item_at(root, path) else {
            return self.field(path.last()?, field);
        };
        let summary = self.file_summary(file)?;
        agree(
            summary
                .fields
                .iter()
                .filter(|((t, f), _)| *t == name && f == field)
                .map(|(_, v)| self.anchor_entry(file, v))
                .collect::<Vec<_>>()
                .iter(),
        )
    }

    /// The `#[must_not_suspend]` annotation (reason, trivial fields) of the type at
    /// `path` (from the crate root `root`): `Some(None)` when the module tree places
    /// it on a declaration without one, `None` when it cannot place it.
    pub fn must_not_suspend_at(&self, root: usize, path: &[String]) -> Option<Option<Annotation>> {
        let (file, name) = self.item_at(root, path)?;
        let summary = self.file_summary(file)?;
        Some(
            summary
                .must_not_suspend
                .iter()
                .find(|(n, _, _)| *n == name)
                .map(|(_, reason, trivial)| (reason.clone(), *trivial)),
        )
    }

    /// Whether an impl in the crate gives type `ty` a method `name` (whatever it
    /// returns).
    pub fn declares_method(&self, ty: &str, name: &str) -> bool {
        let has = |s: &FileSummary| {
            s.method_names
                .binary_search_by(|(t, n)| (t.as_str(), n.as_str()).cmp(&(ty, name)))
                .is_ok()
        };
        match &self.answers {
            Answers::Merged(m) => m.files.iter().flatten().any(has),
            Answers::Lazy(l) => l.method_summaries(ty, name).any(has),
        }
    }

    /// What a value of type `ty` derefs to (`impl Deref for ty`), if the crate agrees.
    pub fn deref_target(&self, ty: &str) -> Option<FieldEntry> {
        let files: Vec<usize> = match &self.answers {
            Answers::Merged(m) => (0..m.files.len()).collect(),
            // Only files with an impl header naming both `Deref` and the type.
            Answers::Lazy(l) => {
                let derefs: &[usize] = l.by_impl.get("Deref").map_or(&[], Vec::as_slice);
                l.by_impl
                    .get(ty)
                    .into_iter()
                    .flatten()
                    .copied()
                    .filter(|i| derefs.binary_search(i).is_ok())
                    .collect()
            }
        };
        let entries: Vec<FieldEntry> = files
            .into_iter()
            .filter_map(|i| Some((i, self.file_summary(i)?)))
            .flat_map(|(i, s)| {
                s.derefs
                    .iter()
                    .filter(|(n, _)| n == ty)
                    .map(move |(_, e)| (i, e))
            })
            .map(|(i, e)| self.anchor_entry(i, e))
            .collect();
        agree(entries.iter())
    }

    /// Whether a file of the crate may declare a type alias called `name`.
    pub fn may_alias(&self, name: &str) -> bool {
        match &self.answers {
            Answers::Merged(m) => m.alias_names.contains(name),
            Answers::Lazy(l) => l.by_alias.contains_key(name),
        }
    }

    /// The type alias at `path` (from the crate root `root`), from the file that
    /// declares it: only a path the module tree places can name one.
    pub fn alias_at(&self, root: usize, path: &[String]) -> Option<AliasEntry> {
        // Most paths name no alias: only then is the path followed.
        if !self.may_alias(path.last()?) {
            return None;
        }
        let (file, name) = self.item_at(root, path)?;
        let summary = self.file_summary(file)?;
        agree(
            summary
                .aliases
                .iter()
                .filter(|(n, _)| *n == name)
                .map(|(_, a)| a),
        )
    }

    /// Method `name` of the type at `path` (from the crate root `root`): from the
    /// impls of files where the type's name means that type (or where the tree
    /// cannot tell).
    pub fn method_at(&self, root: usize, path: &[String], name: &str) -> Option<Vec<Shape>> {
        let ty = path.last()?;
        let Some(wanted) = self.locate_abs(root, path.to_vec()) else {
            return self.method(ty, name);
        };
        let candidates: Vec<usize> = match &self.answers {
            Answers::Merged(m) => (0..m.files.len()).collect(),
            Answers::Lazy(l) => {
                let impls: &[usize] = l.by_impl.get(ty).map_or(&[], Vec::as_slice);
                l.by_fn
                    .get(name)
                    .into_iter()
                    .flatten()
                    .copied()
                    .filter(|i| impls.binary_search(i).is_ok())
                    .collect()
            }
        };
        let mut shapes = Vec::new();
        for i in candidates {
            let Some(summary) = self.file_summary(i) else {
                continue;
            };
            let Some((_, v)) = summary
                .methods
                .iter()
                .find(|((t, n), _)| t == ty && n == name)
            else {
                continue;
            };
            let returned = summary
                .method_returns
                .iter()
                .find(|((t, n), _)| t == ty && n == name);
            let v = &match returned {
                Some((_, r)) if v.is_empty() => {
                    let root = self.tree.modules.get(i).cloned().flatten().map(|m| m.root);
                    root.map(|root| self.returned_hazards(root, i, r))
                        .unwrap_or_default()
                }
                _ => v.clone(),
            };
            let seen = self.tree.modules.get(i).cloned().flatten().and_then(|m| {
                let mut abs = m.path;
                abs.push(ty.clone());
                self.locate_abs(m.root, abs)
            });
            if seen.is_none_or(|s| s == wanted) {
                shapes.push(v.clone());
            }
        }
        agree(shapes.iter())
    }

    /// The type of the crate's static (or `lazy_static!`) of this name, if the crate
    /// agrees.
    pub fn static_type(&self, name: &str) -> Option<FieldEntry> {
        match &self.answers {
            Answers::Merged(m) => m.statics.get(name)?.clone(),
            Answers::Lazy(l) => agree(
                l.indexed_summaries(&l.by_static, name)
                    .flat_map(|(i, s)| s.statics.iter().map(move |e| (i, e)))
                    .filter(|(_, (n, _))| n == name)
                    .map(|(i, (_, v))| self.anchor_entry(i, v))
                    .collect::<Vec<_>>()
                    .iter(),
            ),
        }
    }

    /// Where the crate's re-export of `name` comes from (outside the crate).
    pub fn reexport(&self, name: &str) -> Option<Vec<String>> {
        match &self.answers {
            Answers::Merged(m) => m.reexports.get(name)?.clone(),
            Answers::Lazy(l) => agree(
                l.summaries(&l.by_reexport, name)
                    .flat_map(|s| &s.reexports)
                    .filter(|(n, _)| n == name)
                    .map(|(_, v)| v),
            ),
        }
    }
}
