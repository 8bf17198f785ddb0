//! What an editor needs of a crate table kept warm between edits: one file's text
//! replaced by a buffer, with what its scan declares and its summary, the other
//! files' summaries kept; and which files' summaries an analysis read, so that a
//! change re-checks only the files whose answers can have changed.

use crate::support::hash::HashMap;
use std::cell::RefCell;
use std::sync::Arc;

use super::{Answers, CrateTable, Declared, FileSummary, Lazy, Made, ModTree};

thread_local! {
    /// The files whose summaries this thread read since `record_reads` began, if it
    /// did (by index in their table).
    static READS: RefCell<Option<Vec<usize>>> = const { RefCell::new(None) };
}

/// Note that this thread read file `i`'s summary (or asked for it).
pub(super) fn note_read(i: usize) {
    READS.with_borrow_mut(|reads| {
        if let Some(reads) = reads {
            if reads.last() != Some(&i) {
                reads.push(i);
            }
        }
    });
}

/// Run `f` and tell which files of its crate table it read the summaries of on
/// this thread (by index, as `CrateTable::file_index` gives them), sorted. An
/// analysis runs on one thread: what it reads decides its answers, together with
/// what every file declares.
pub fn record_reads<R>(f: impl FnOnce() -> R) -> (R, Vec<usize>) {
    /// Puts back the recording around this one, also when `f` unwinds.
    struct Restore(Option<Vec<usize>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let outer = self.0.take();
            READS.with_borrow_mut(|reads| *reads = outer);
        }
    }
    let restore = Restore(READS.with_borrow_mut(|reads| reads.replace(Vec::new())));
    let result = f();
    let mut read = READS
        .with_borrow_mut(|reads| reads.take())
        .unwrap_or_default();
    drop(restore);
    read.sort_unstable();
    read.dedup();
    (result, read)
}

/// What `CrateTable::replace_file` changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Replaced {
    /// Whether the file's summary differs from the one made before it (`false` if
    /// none had been made: no question had concerned the file). A summary left to
    /// be made counts as different.
    pub summary_changed: bool,
}

impl CrateTable {
    /// The index of the file at `path` (its place in the order the table was
    /// built with).
    pub fn file_index(&self, path: &std::path::Path) -> Option<usize> {
        self.file_of.get(path).copied()
    }

    /// Put `text` in place of file `i`'s (`None`: the file on disk again), with what
    /// a scan of that text declares and, if the caller made it already, its summary
    /// (else it is made when a question first concerns the file). The other files'
    /// summaries stay; paths resolved so far are resolved again. `None` if the table
    /// summarises no files on demand or has no file `i`.
    pub fn replace_file(
        &mut self,
        i: usize,
        text: Option<Arc<str>>,
        declared: Declared,
        summary: Option<Option<FileSummary>>,
    ) -> Option<Replaced> {
        let Answers::Lazy(lazy) = &mut self.answers else {
            return None;
        };
        let file = lazy.files.get_mut(i)?;
        file.text = text;
        let made = Arc::new(summary.map(Made::with).unwrap_or_default());
        let previous = std::mem::replace(&mut file.made, made);
        let summary_changed = previous
            .summary
            .get()
            .is_some_and(|old| file.made.summary.get() != Some(old));
        let mods_changed = file.mods != declared.mods;
        let gone = lazy.remove_names_of(i);
        declared.add_names(&mut self.known_names);
        lazy.add_names_of(i, declared);
        if mods_changed {
            let view: Vec<_> = lazy
                .files
                .iter()
                .map(|f| (f.path.clone(), f.mods.as_slice()))
                .collect();
            self.tree = ModTree::build(lazy.dir.as_deref(), &view);
        }
        lazy.forget_names(&mut self.known_names, gone);
        if let Ok(located) = self.located.get_mut() {
            located.clear();
        }
        if let Ok(type_hazards) = self.type_hazards.get_mut() {
            type_hazards.clear();
        }
        Some(Replaced { summary_changed })
    }
}

impl Lazy {
    fn maps_mut(&mut self) -> [&mut HashMap<String, Vec<usize>>; 9] {
        [
            &mut self.by_type,
            &mut self.by_fn,
            &mut self.by_impl,
            &mut self.by_free_fn,
            &mut self.by_trait,
            &mut self.by_reexport,
            &mut self.by_macro,
            &mut self.by_static,
            &mut self.by_alias,
        ]
    }

    /// File `i` declares `declared`: list it under each name (each list stays in
    /// file order), and keep its module declarations.
    pub(super) fn add_names_of(&mut self, i: usize, declared: Declared) {
        let Declared {
            types,
            fns,
            free_fns,
            impls,
            traits,
            reexports,
            macros,
            statics,
            aliases,
            drop,
            must_not_suspend,
            mods,
        } = declared;
        let lists = [
            types, fns, impls, free_fns, traits, reexports, macros, statics, aliases,
        ];
        for (map, names) in self.maps_mut().into_iter().zip(lists) {
            for name in names {
                let files = map.entry(name).or_default();
                if let Err(at) = files.binary_search(&i) {
                    files.insert(at, i);
                }
            }
        }
        if drop {
            if let Err(at) = self.drop_files.binary_search(&i) {
                self.drop_files.insert(at, i);
            }
        }
        // Only a shortcut: a stale `true` costs a look at the summaries, never an answer.
        self.any_must_not_suspend |= must_not_suspend;
        if let Some(file) = self.files.get_mut(i) {
            file.mods = mods;
        }
    }

    /// Unlist file `i` under every name: the names no file declares any more.
    fn remove_names_of(&mut self, i: usize) -> Vec<String> {
        let mut gone = Vec::new();
        for map in self.maps_mut() {
            map.retain(|name, files| {
                files.retain(|&f| f != i);
                if files.is_empty() {
                    gone.push(name.clone());
                }
                !files.is_empty()
            });
        }
        self.drop_files.retain(|&f| f != i);
        gone
    }

    /// Drop from `known` (every name a file binds, `Declared::add_names`) the names
    /// among `gone` that no file binds any more.
    fn forget_names(&self, known: &mut crate::support::hash::HashSet<String>, gone: Vec<String>) {
        let binds = |name: &str| {
            [
                &self.by_type,
                &self.by_fn,
                &self.by_trait,
                &self.by_reexport,
                &self.by_macro,
                &self.by_static,
                &self.by_alias,
            ]
            .iter()
            .any(|map| map.contains_key(name))
                || self
                    .files
                    .iter()
                    .any(|f| f.mods.iter().any(|m| m.name == name))
        };
        for name in gone {
            if !binds(&name) {
                known.remove(&name);
            }
        }
    }
}
