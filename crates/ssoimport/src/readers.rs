//! The readers a run can use, and how one is chosen for each input.

use std::sync::Arc;

use ssoimport_source::Source;

/// Which reader reads the inputs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum SourceChoice {
    /// Each input's first bytes pick the reader that recognises them best.
    #[default]
    Auto,
    /// The reader of this name (`csv`, `okta`, `entra`, `google`).
    Named(String),
}

/// The readers available to a run, each configured.
#[derive(Clone)]
pub struct Readers {
    readers: Vec<Arc<dyn Source>>,
}

impl Default for Readers {
    /// Every reader compiled in, with default options.
    fn default() -> Self {
        Readers::empty().with(ssoimport_csv::CsvSource::default())
    }
}

impl Readers {
    /// No readers at all (add them with [`Readers::with`]).
    pub fn empty() -> Self {
        Readers { readers: Vec::new() }
    }

    /// Adds a reader, replacing one of the same name.
    pub fn with(mut self, source: impl Source + 'static) -> Self {
        self.readers.retain(|r| r.name() != source.name());
        self.readers.push(Arc::new(source));
        self
    }

    /// The names of the readers, in the order they were added.
    pub fn names(&self) -> Vec<&'static str> {
        self.readers.iter().map(|r| r.name()).collect()
    }

    /// The reader of a name.
    pub fn get(&self, name: &str) -> Option<Arc<dyn Source>> {
        self.readers.iter().find(|r| r.name() == name).cloned()
    }

    /// The reader that recognises `head` best, if any recognises it at all.
    pub fn sniff(&self, head: &[u8]) -> Option<Arc<dyn Source>> {
        self.readers
            .iter()
            .map(|r| (r.sniff(head), r))
            .filter(|(score, _)| *score > 0)
            .max_by_key(|(score, _)| *score)
            .map(|(_, r)| r.clone())
    }
}
