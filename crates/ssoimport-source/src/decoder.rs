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
            // The framing is chosen from the first HEAD_BYTES exactly, as `open_input` gives them: a first push
            // larger than that must not see more (a JSON first line longer than HEAD_BYTES would pick line mode
            // pushed whole and document mode pushed in pieces).
            let head = &self.head[..self.head.len().min(HEAD_BYTES)];
            let framer = self.source.framer(head);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Framer, JsonFramer, RecordBuilder, RecordParser, Row};
    use ssoimport_schema::intermediate::RecordKind;

    struct Json;
    struct AnyRecord;
    impl RecordParser for AnyRecord {
        fn parse(&self, _record: &str, out: &mut RecordBuilder) {
            out.push(&Row::new(RecordKind::SignIn));
        }
    }
    impl Source for Json {
        fn name(&self) -> &'static str {
            "json"
        }
        fn sniff(&self, _head: &[u8]) -> u8 {
            1
        }
        fn framer(&self, head: &[u8]) -> Box<dyn Framer> {
            Box::new(JsonFramer::new(head, &[]))
        }
        fn prepare(&self, _file: &str, _first: &[u8]) -> Result<Prepared, SourceError> {
            Ok(Prepared {
                parser: Arc::new(AnyRecord),
                first_is_header: false,
            })
        }
    }

    fn rows(input: &[u8], piece: usize) -> (usize, ReadCounts) {
        let mut decoder = SourceDecoder::new(Arc::new(Json), "t", ChunkOptions::default());
        let mut n = 0;
        for part in input.chunks(piece) {
            decoder.decode(part).unwrap();
            n += decoder.flush().unwrap().map_or(0, |b| b.num_rows());
        }
        n += decoder.finish().unwrap().map_or(0, |b| b.num_rows());
        (n, decoder.counts())
    }

    #[test]
    fn the_framing_is_chosen_from_the_same_head_whatever_the_pushes() {
        // A first NDJSON line longer than HEAD_BYTES, then a broken line and a good one. Pushed whole, the
        // decoder used to see the whole first line (line mode: three records); pushed in pieces, only
        // HEAD_BYTES of it (document mode: the broken line swallows the next). Both now see HEAD_BYTES, as the
        // pipeline does.
        let mut input = format!("{{\"pad\":\"{}\"}}\n", "x".repeat(HEAD_BYTES + 100)).into_bytes();
        input.extend_from_slice(b"{\"a\":\n{\"c\":3}\n");
        let whole = rows(&input, input.len());
        assert_eq!(whole, rows(&input, 1000));
        assert_eq!(whole, rows(&input, 7));
    }
}
