//! The two traits a reader implements, and the loop that runs a parser over a chunk.

use std::sync::Arc;

use arrow_array::RecordBatch;
use ssoimport_schema::RejectCode;

use crate::SourceError;
use crate::chunk::{Chunk, SpanFlaw};
use crate::framing::Framer;
use crate::record::{Provenance, RecordBuilder};

/// A reader of one SSO source's exports: it chooses how an input is framed and prepares the parser of its
/// records. Everything else (inputs, decompression, chunking, provenance, rejects for broken framing and bad
/// UTF-8) is shared.
pub trait Source: Send + Sync {
    /// Short name, as given to `--source`.
    fn name(&self) -> &'static str;

    /// How well the first bytes of an input look like this source's exports, from 0 (not at all) to 100
    /// (certainly); `--source auto` picks the highest.
    fn sniff(&self, head: &[u8]) -> u8;

    /// The framing of an input, chosen from its first (decompressed) bytes.
    fn framer(&self, head: &[u8]) -> Box<dyn Framer>;

    /// Prepares the parser of an input from its first record (a CSV header, say, which is then consumed).
    fn prepare(&self, file: &str, first_record: &[u8]) -> Result<Prepared, SourceError>;
}

/// A parser ready for one input.
#[derive(Clone)]
pub struct Prepared {
    /// Parses each record.
    pub parser: Arc<dyn RecordParser>,
    /// Whether the first record was a header and is not itself a record.
    pub first_is_header: bool,
}

/// Parses one complete record into rows of the intermediate schema.
pub trait RecordParser: Send + Sync {
    /// Appends the rows of `record` to `out`, or a reject, or counts it filtered. Never panics on bad input.
    fn parse(&self, record: &str, out: &mut RecordBuilder);
}

/// A chunk's records as a batch of the intermediate schema.
#[derive(Debug, Clone)]
pub struct ParsedChunk {
    /// One row per record (or per event, for records that hold several).
    pub batch: RecordBatch,
    /// Records read and filtered out.
    pub filtered: u64,
}

impl ParsedChunk {
    /// Records read: rows (including reject rows) plus filtered records.
    pub fn read(&self) -> u64 {
        self.batch.num_rows() as u64 + self.filtered
    }
}

/// Runs a parser over every record of a chunk. Records the framing flagged (too large, truncated) and records
/// that are not UTF-8 become reject rows here, once for every reader.
pub fn parse_chunk(prepared: &Prepared, chunk: &Chunk) -> ParsedChunk {
    let mut out = RecordBuilder::new(chunk.file.clone());
    // One pass over the whole chunk costs less than one per record; a chunk with a bad byte anywhere (even in a
    // gap between records) has its records validated one by one.
    let whole = simdutf8::basic::from_utf8(&chunk.data).ok();
    for span in &chunk.records {
        if prepared.first_is_header && span.index == 0 {
            continue;
        }
        out.begin(Provenance {
            index: span.index,
            line: Some(span.line),
            offset: chunk.offset(span),
            length: span.length,
        });
        match span.flaw {
            Some(SpanFlaw::TooLarge) => {
                out.reject(
                    RejectCode::RecordTooLarge,
                    &format!(
                        "record of {} bytes is larger than the maximum record size",
                        span.length
                    ),
                );
                continue;
            }
            Some(SpanFlaw::Truncated(why)) => {
                out.reject(RejectCode::TruncatedInput, why);
                continue;
            }
            None => {}
        }
        // The record out of the chunk validated whole; else validated alone (SIMD for the common, valid record;
        // std's for the error's position).
        let bytes = chunk.bytes(span);
        let record = whole
            .and_then(|text| text.get(span.start..span.start + span.kept))
            .map_or_else(
                || simdutf8::basic::from_utf8(bytes).or_else(|_| std::str::from_utf8(bytes)),
                Ok,
            );
        match record {
            Ok(text) => prepared.parser.parse(text, &mut out),
            Err(e) => out.reject(
                RejectCode::InvalidUtf8,
                &format!(
                    "byte {} of the record is not valid UTF-8; save the export as UTF-8",
                    e.valid_up_to()
                ),
            ),
        }
    }
    let filtered = out.take_filtered();
    ParsedChunk {
        batch: out.finish(),
        filtered,
    }
}
