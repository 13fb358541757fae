//! The readers a run can use, and how one is chosen for each input.

use std::sync::Arc;

use ssoimport_source::{ChunkAssembler, ChunkOptions, Prepared, Source};

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
        let readers = Readers::empty().with(ssoimport_csv::CsvSource::default());
        #[cfg(feature = "okta")]
        let readers = readers.with(ssoimport_okta::OktaSource::default());
        #[cfg(feature = "entra")]
        let readers = readers.with(ssoimport_entra::EntraSource::default());
        #[cfg(feature = "google")]
        let readers = readers.with(ssoimport_google::GoogleSource::default());
        readers
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

    /// The readers that recognise `head`, best first.
    pub fn sniff(&self, head: &[u8]) -> Vec<Arc<dyn Source>> {
        let mut scored: Vec<(u8, usize, &Arc<dyn Source>)> = self
            .readers
            .iter()
            .enumerate()
            .map(|(i, r)| (r.sniff(head), i, r))
            .filter(|(s, _, _)| *s > 0)
            .collect();
        scored.sort_by_key(|(score, index, _)| (std::cmp::Reverse(*score), *index));
        scored.into_iter().map(|(_, _, r)| r.clone()).collect()
    }

    /// The reader for an input whose first bytes are `head`: the best-scoring one that can also prepare a parser
    /// from the input's first record (a CSV header whose columns it understands, say). If none can, the error of
    /// the best-scoring one says why.
    pub fn choose(&self, head: &[u8], file: &str) -> Result<(Arc<dyn Source>, Prepared), String> {
        let candidates = self.sniff(head);
        let mut first_error = None;
        for source in candidates {
            let first = first_record(source.as_ref(), head);
            match source.prepare(file, &first) {
                Ok(prepared) => return Ok((source, prepared)),
                Err(e) => {
                    first_error.get_or_insert(e.to_string());
                }
            }
        }
        Err(first_error.unwrap_or_else(|| {
            format!(
                "cannot tell what kind of export {file} is; name it with --source ({})",
                self.names().join(", ")
            )
        }))
    }
}

/// The first record of `head` as `source` frames it (as much of it as `head` holds).
pub fn first_record(source: &dyn Source, head: &[u8]) -> Vec<u8> {
    let options = ChunkOptions {
        chunk_bytes: usize::MAX,
        max_record_bytes: usize::MAX,
    };
    let mut assembler = ChunkAssembler::new("head".into(), source.framer(head), options);
    assembler.push(head);
    match assembler.finish(None) {
        Some(chunk) => chunk
            .records
            .first()
            .map(|r| chunk.bytes(r).to_vec())
            .unwrap_or_default(),
        None => Vec::new(),
    }
}
