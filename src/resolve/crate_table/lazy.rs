//! A crate's files summarised on demand: which files declare each name (from their
//! scans), and each file's summary made the first time a question concerns it.

use crate::support::hash::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use super::{live, FileSummary};
use crate::input::source::SourceFile;
use crate::prefilter::nesting::TooDeep;
use crate::prefilter::scan::ModDecl;
use crate::resolve::cfg::BuildCfg;

/// How a file's text becomes its summary (`Ok(None)` if it does not parse, `Err`
/// where it is too deep to parse safely). The summary module writes summaries
/// (`analysis::summary::summarize_for_table`), measuring what it parses; the table
/// only asks for them, when a question first concerns a file, and reports a file too
/// deep (`CrateTable::too_deep`).
pub type Summarizer = fn(&str, &Arc<BuildCfg>) -> Result<Option<FileSummary>, TooDeep>;

/// A crate's files, summarised on demand.
#[derive(Debug)]
pub(super) struct Lazy {
    /// The package directory the module tree is built from.
    pub(super) dir: Option<Arc<Path>>,
    pub(super) files: Vec<LazyFile>,
    pub(super) summarize: Summarizer,
    /// The build the files are summarised in.
    pub(super) cfg: Arc<BuildCfg>,
    pub(super) by_type: HashMap<String, Vec<usize>>,
    pub(super) by_fn: HashMap<String, Vec<usize>>,
    pub(super) by_impl: HashMap<String, Vec<usize>>,
    pub(super) by_free_fn: HashMap<String, Vec<usize>>,
    pub(super) by_trait: HashMap<String, Vec<usize>>,
    pub(super) by_reexport: HashMap<String, Vec<usize>>,
    pub(super) by_macro: HashMap<String, Vec<usize>>,
    pub(super) by_static: HashMap<String, Vec<usize>>,
    pub(super) by_alias: HashMap<String, Vec<usize>>,
    pub(super) drop_files: Vec<usize>,
    pub(super) any_must_not_suspend: bool,
    /// Nanoseconds spent summarising, summed over threads.
    pub(super) nanos: AtomicU64,
    /// The summaries this table made (not those another table sharing them made).
    pub(super) made_here: AtomicUsize,
}

#[derive(Debug)]
pub(super) struct LazyFile {
    pub(super) path: Arc<Path>,
    /// The text to summarise instead of the file on disk (an editor's buffer).
    pub(super) text: Option<Arc<str>>,
    /// Its out-of-line module declarations, for rebuilding the tree.
    pub(super) mods: Vec<ModDecl>,
    /// Its summary, once made: this table's own, or shared with the other tables
    /// of the same download (`CrateTable::share_summaries`).
    pub(super) made: Arc<Made>,
}

/// What summarising a file gave, once it was asked for.
#[derive(Debug, Default)]
pub struct Made {
    pub(super) summary: OnceLock<Option<FileSummary>>,
    /// Set when the file's text is too deep to parse safely (not summarised): what
    /// bound it passed, and the 1-based line and column where.
    pub(super) too_deep: OnceLock<(TooDeep, (usize, usize))>,
}

impl Made {
    /// A summary made already (an editor's buffer, summarised by the caller).
    pub(super) fn with(summary: Option<FileSummary>) -> Made {
        Made {
            summary: OnceLock::from(summary),
            too_deep: OnceLock::new(),
        }
    }
}

impl Lazy {
    /// The summaries of the files `map` lists under `name`, in file order.
    pub(super) fn summaries<'a>(
        &'a self,
        map: &'a HashMap<String, Vec<usize>>,
        name: &str,
    ) -> impl Iterator<Item = &'a FileSummary> + 'a {
        self.indexed_summaries(map, name).map(|(_, s)| s)
    }

    /// `summaries`, with each file's index.
    pub(super) fn indexed_summaries<'a>(
        &'a self,
        map: &'a HashMap<String, Vec<usize>>,
        name: &str,
    ) -> impl Iterator<Item = (usize, &'a FileSummary)> + 'a {
        map.get(name)
            .into_iter()
            .flatten()
            .filter_map(|&i| Some((i, self.summary(i)?)))
    }

    /// The summaries of the files that declare a fn `name` in an impl that names
    /// `ty`, in file order.
    pub(super) fn method_summaries<'a>(
        &'a self,
        ty: &str,
        name: &str,
    ) -> impl Iterator<Item = &'a FileSummary> + 'a {
        let impls: &[usize] = self.by_impl.get(ty).map_or(&[], Vec::as_slice);
        self.by_fn
            .get(name)
            .into_iter()
            .flatten()
            .filter(move |i| impls.binary_search(i).is_ok())
            .filter_map(|&i| self.summary(i))
    }

    pub(super) fn summary(&self, i: usize) -> Option<&FileSummary> {
        let file = self.files.get(i)?;
        live::note_read(i);
        file.made
            .summary
            .get_or_init(|| {
                let start = std::time::Instant::now();
                // Parsing recurses per level: a file too deep is left out, and the run
                // says so (`CrateTable::too_deep`).
                let summarize = |text: &str| match (self.summarize)(text, &self.cfg) {
                    Ok(summary) => summary,
                    Err(deep) => {
                        let source = SourceFile::new(file.path.clone(), Arc::from(text));
                        let _ = file.made.too_deep.set((deep, source.line_column(deep.at)));
                        None
                    }
                };
                let summary = match &file.text {
                    Some(text) => summarize(text),
                    None => crate::input::fs::read_regular_text(&file.path)
                        .ok()
                        .and_then(|text| summarize(&text)),
                };
                self.nanos
                    .fetch_add(start.elapsed().as_nanos() as u64, Ordering::Relaxed);
                self.made_here.fetch_add(1, Ordering::Relaxed);
                summary
            })
            .as_ref()
    }
}
