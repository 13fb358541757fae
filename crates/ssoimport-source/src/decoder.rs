//! The push decoder: bytes in, batches of the intermediate schema out, with no runtime and no threads.

use std::sync::Arc;

use arrow_array::RecordBatch;

use crate::SourceError;
use crate::chunk::{Chunk, ChunkAssembler, ChunkOptions};
use crate::input::HEAD_BYTES;
use crate::source::{Prepared, Source, parse_chunk};

/// Records read so far, and how many were filtered out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadCounts {
    /// Records read (rows emitted plus records filtered).
    pub read: u64,
    /// Records read and filtered out.
    pub filtered: u64,
}

/// A push decoder, modelled on arrow-json's: [`Decoder::decode`] takes bytes, [`Decoder::flush`] returns a batch
/// of the complete records seen so far. Splitting the input at any byte gives the same rows.
pub trait Decoder {
    /// Takes bytes of the input; returns how many were consumed (always all of them).
    fn decode(&mut self, buf: &[u8]) -> Result<usize, SourceError>;
    /// A batch of the complete records decoded so far, if any.
    fn flush(&mut self) -> Result<Option<RecordBatch>, SourceError>;
    /// The input ended: a batch of the remaining records, if any.
    fn finish(&mut self) -> Result<Option<RecordBatch>, SourceError>;
    /// Counts so far.
    fn counts(&self) -> ReadCounts;
}

/// The [`Decoder`] of any [`Source`].
pub struct SourceDecoder {
    source: Arc<dyn Source>,
    file: Arc<str>,
    options: ChunkOptions,
    head: Vec<u8>,
    assembler: Option<ChunkAssembler>,
    prepared: Option<Prepared>,
    counts: ReadCounts,
}

impl SourceDecoder {
    /// A decoder of one input named `file` (used in provenance and rejects).
    pub fn new(source: Arc<dyn Source>, file: impl Into<Arc<str>>, options: ChunkOptions) -> Self {
        SourceDecoder {
            source,
            file: file.into(),
            options,
            head: Vec::new(),
            assembler: None,
            prepared: None,
            counts: ReadCounts::default(),
        }
    }

    fn start(&mut self) {
        if self.assembler.is_none() {
            let framer = self.source.framer(&self.head);
            let mut assembler = ChunkAssembler::new(self.file.clone(), framer, self.options);
            assembler.push(&std::mem::take(&mut self.head));
            self.assembler = Some(assembler);
        }
    }

    fn parse(&mut self, chunk: Option<Chunk>) -> Result<Option<RecordBatch>, SourceError> {
        let Some(chunk) = chunk else { return Ok(None) };
        let prepared = match &self.prepared {
            Some(p) => p.clone(),
            None => {
                let first = chunk.records.first().map(|r| chunk.bytes(r)).unwrap_or_default();
                let p = self.source.prepare(&self.file, first)?;
                self.prepared = Some(p.clone());
                p
            }
        };
        let parsed = parse_chunk(&prepared, &chunk);
        self.counts.read += parsed.read();
        self.counts.filtered += parsed.filtered;
        Ok(Some(parsed.batch))
    }
}

impl Decoder for SourceDecoder {
    fn decode(&mut self, buf: &[u8]) -> Result<usize, SourceError> {
        match &mut self.assembler {
            Some(assembler) => assembler.push(buf),
            None => {
                self.head.extend_from_slice(buf);
                if self.head.len() >= HEAD_BYTES {
                    self.start();
                }
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> Result<Option<RecordBatch>, SourceError> {
        let chunk = self.assembler.as_mut().and_then(|a| a.take_chunk(true));
        self.parse(chunk)
    }

    fn finish(&mut self) -> Result<Option<RecordBatch>, SourceError> {
        self.start();
        let chunk = self.assembler.as_mut().and_then(|a| a.finish(None));
        self.parse(chunk)
    }

    fn counts(&self) -> ReadCounts {
        self.counts
    }
}
