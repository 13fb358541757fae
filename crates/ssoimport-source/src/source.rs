//! The two traits a reader implements, and the loop that runs a parser over a chunk.

use std::sync::Arc;

use arrow_array::RecordBatch;
use ssoimport_schema::RejectCode;

use crate::SourceError;
use crate::chunk::{Chunk, RecordSpan, SpanFlaw};
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

/// Bytes of records validated as UTF-8 in one pass before they are parsed: one pass over many records costs
/// less than one per record, and a window this size is still in the core's cache when its records are parsed.
const UTF8_WINDOW: usize = 256 << 10;

/// Runs a parser over every record of a chunk. Records the framing flagged (too large, truncated) and records
/// that are not UTF-8 become reject rows here, once for every reader.
pub fn parse_chunk(prepared: &Prepared, chunk: &Chunk) -> ParsedChunk {
    let mut out = RecordBuilder::with_capacity(chunk.file.clone(), chunk.records.len());
    let spans = &chunk.records;
    let end_of = |span: &RecordSpan| span.start + span.kept;
    let mut first = 0;
    while first < spans.len() {
        // The records from `first` that fit in a window (at least one), validated together; a window with a bad
        // byte anywhere (even in a gap between records) has its records validated one by one.
        let from = spans[first].start;
        let last = first
            + spans[first + 1..]
                .iter()
                .take_while(|span| end_of(span).checked_sub(from).is_some_and(|n| n <= UTF8_WINDOW))
                .count();
        let window = chunk
            .data
            .get(from..end_of(&spans[last]))
            .and_then(|bytes| simdutf8::basic::from_utf8(bytes).ok());
        for span in &spans[first..=last] {
            let text = window
                .and_then(|text| text.get(span.start.checked_sub(from)?..end_of(span).checked_sub(from)?));
            parse_span(prepared, chunk, span, text, &mut out);
        }
        first = last + 1;
    }
    let filtered = out.take_filtered();
    ParsedChunk {
        batch: out.finish(),
        filtered,
    }
}

/// Parses one record of a chunk into `out`: `text` is the record if its window was valid UTF-8.
fn parse_span(
    prepared: &Prepared,
    chunk: &Chunk,
    span: &RecordSpan,
    text: Option<&str>,
    out: &mut RecordBuilder,
) {
    if prepared.first_is_header && span.index == 0 {
        return;
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
            return;
        }
        Some(SpanFlaw::Truncated(why)) => {
            out.reject(RejectCode::TruncatedInput, why);
            return;
        }
        None => {}
    }
    // Validated alone when its window was not (SIMD for the common, valid record; std's for the error's
    // position).
    let bytes = chunk.bytes(span);
    let record = text.map_or_else(
        || simdutf8::basic::from_utf8(bytes).or_else(|_| std::str::from_utf8(bytes)),
        Ok,
    );
    match record {
        Ok(text) => prepared.parser.parse(text, out),
        Err(e) => out.reject(
            RejectCode::InvalidUtf8,
            &format!(
                "byte {} of the record is not valid UTF-8; save the export as UTF-8",
                e.valid_up_to()
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use arrow_array::{Array, StringArray};
    use ssoimport_schema::intermediate::{RecordKind, col};

    use super::*;
    use crate::{ChunkAssembler, ChunkOptions, LineFramer, Row};

    /// Each line is a sign-in whose email is the line.
    struct Lines;
    impl RecordParser for Lines {
        fn parse(&self, record: &str, out: &mut RecordBuilder) {
            out.push(&Row {
                email: Some(record.trim_end()),
                ..Row::new(RecordKind::SignIn)
            });
        }
    }

    #[test]
    fn a_bad_byte_rejects_its_record_alone_in_any_window() {
        // Three windows' worth of lines in one chunk, with bytes that are not UTF-8 in a line of the first
        // window and in the last line.
        let line = |k: usize| format!("user{k:05}@example.com {}", "x".repeat(200));
        let n = 3 * UTF8_WINDOW / line(0).len();
        let bad = [7, n - 1];
        let mut input = Vec::new();
        for k in 0..n {
            input.extend_from_slice(line(k).as_bytes());
            if bad.contains(&k) {
                input.extend_from_slice(b"\xff\xfe");
            }
            input.push(b'\n');
        }
        let options = ChunkOptions {
            chunk_bytes: input.len() * 2,
            ..ChunkOptions::default()
        };
        let mut assembler = ChunkAssembler::new("t".into(), Box::new(LineFramer::default()), options);
        assembler.push(&input);
        let chunk = assembler.finish(None).unwrap();
        let prepared = Prepared {
            parser: Arc::new(Lines),
            first_is_header: false,
        };
        let batch = parse_chunk(&prepared, &chunk).batch;
        assert_eq!(batch.num_rows(), n);
        let column = |c: usize| {
            batch
                .column(c)
                .as_any()
                .downcast_ref::<StringArray>()
                .unwrap()
                .clone()
        };
        let (emails, codes) = (column(col::EMAIL), column(col::REJECT_CODE));
        for k in 0..n {
            if bad.contains(&k) {
                assert_eq!(codes.value(k), "invalid_utf8", "line {k}");
                assert!(emails.is_null(k));
            } else {
                assert!(codes.is_null(k), "line {k}");
                assert_eq!(emails.value(k), line(k));
            }
        }
    }
}
