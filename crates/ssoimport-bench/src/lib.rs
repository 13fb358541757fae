//! Set-up shared by ssoimport's criterion benchmarks (the targets live in `benches/` at the repository root).
//!
//! Inputs are generated in process by `ssoimport-gen` (nothing large is committed), then carried once through
//! the stages the way the pipeline's workers do it, chunk by chunk: framing and chunking, the reader's parse,
//! normalize, validate, NDJSON encoding of the usage rows and their compression into a gzip segment. Each
//! benchmark then times one stage on the output of the one before it, so the figures add up to the pipeline's
//! work on one core.
//!
//! ```no_run
//! use ssoimport_bench::{Format, Staged};
//!
//! let staged = Staged::new(Format::Okta, 4 << 20).expect("the okta reader is compiled in");
//! println!("{} records in {} chunks", staged.records, staged.chunks.len());
//! ```

use std::sync::Arc;

use arrow_array::RecordBatch;
use ssoimport::Readers;
use ssoimport::aggregate::usage_batch;
use ssoimport::normalize::{NormalizeOptions, Normalizer};
use ssoimport::source::{
    Chunk, ChunkAssembler, ChunkOptions, Chunker, HEAD_BYTES, Prepared, Source, parse_chunk,
};
use ssoimport::upload::{PartOptions, Segment, ndjson};
use ssoimport::validate::{ValidateOptions, Validator};
pub use ssoimport_gen::{Format, GenOptions, GenSummary};

/// Bytes of generated input each stage benchmark works on (a few chunks of the pipeline's default 4 MB).
pub const STAGE_INPUT_BYTES: u64 = 8 << 20;

/// The seed of every benchmark input.
pub const SEED: u64 = 42;

/// The reader of a format, with default options.
pub fn reader(format: Format) -> Option<Arc<dyn Source>> {
    Readers::default().get(format.name())
}

/// Frames `data` and cuts it into chunks of whole records, as the pipeline's reader thread does (the first
/// bytes sniffed for the framing, then 1 MB reads).
pub fn frame(source: &dyn Source, data: &[u8], options: ChunkOptions) -> Vec<Chunk> {
    let split = data.len().min(HEAD_BYTES);
    let (head, rest) = data.split_at(split);
    let assembler = ChunkAssembler::new("bench".into(), source.framer(head), options);
    Chunker::new(rest, head, assembler)
        .filter_map(Result::ok)
        .collect()
}

/// An input carried through every stage, with what each stage made of it.
pub struct Staged {
    /// The format.
    pub format: Format,
    /// The generated export.
    pub data: Vec<u8>,
    /// What the generator says the export holds.
    pub summary: GenSummary,
    /// Its reader.
    pub source: Arc<dyn Source>,
    /// The chunks of whole records (default chunk options).
    pub chunks: Vec<Chunk>,
    /// The parser prepared from the first record.
    pub prepared: Prepared,
    /// Records framed (events may be more: a Google activity holds several).
    pub records: u64,
    /// One intermediate batch per chunk (the reader's output).
    pub parsed: Vec<RecordBatch>,
    /// Rows of the parsed batches.
    pub parsed_rows: u64,
    /// One normalized batch per chunk.
    pub normalized: Vec<RecordBatch>,
    /// The valid rows of each chunk.
    pub valid: Vec<RecordBatch>,
    /// Valid rows in all.
    pub valid_rows: u64,
    /// The usage rows of each chunk as NDJSON lines.
    pub usage: Vec<Usage>,
    /// The usage lines of each chunk compressed as a gzip segment (default level).
    pub segments: Vec<Segment>,
    /// Usage rows in all.
    pub usage_rows: u64,
    /// Bytes of usage NDJSON in all.
    pub usage_bytes: u64,
}

impl Staged {
    /// Generates about `bytes` of `format` and runs it through the stages; `None` if the format's reader is not
    /// compiled in.
    pub fn new(format: Format, bytes: u64) -> Option<Staged> {
        Staged::generated(&ssoimport_gen::options_for_bytes(format, bytes, SEED))
    }

    /// [`Staged::new`] of the export `options` describe (to choose the number of users, say).
    pub fn generated(options: &GenOptions) -> Option<Staged> {
        let (data, summary) = ssoimport_gen::generate(options);
        let format = options.format;
        let source = reader(format)?;
        let chunks = frame(source.as_ref(), &data, ChunkOptions::default());
        let first = chunks.first()?;
        let first_record = first.records.first().map(|r| first.bytes(r))?;
        let prepared = source.prepare("bench", first_record).ok()?;
        let records = chunks.iter().map(|c| c.records.len() as u64).sum();
        let parsed: Vec<RecordBatch> = chunks.iter().map(|c| parse_chunk(&prepared, c).batch).collect();
        let normalizer = Normalizer::new(NormalizeOptions::default());
        let normalized: Vec<RecordBatch> = parsed
            .iter()
            .map(|b| normalizer.normalize(b).ok())
            .collect::<Option<_>>()?;
        let validator = validator();
        let valid: Vec<RecordBatch> = normalized
            .iter()
            .map(|b| validator.validate(b).ok().map(|v| v.valid))
            .collect::<Option<_>>()?;
        let usage: Vec<Usage> = valid.iter().map(Usage::encode).collect();
        let level = PartOptions::default().gzip_level;
        let segments = usage.iter().map(|u| u.compress(level)).collect();
        Some(Staged {
            format,
            summary,
            source,
            prepared,
            records,
            parsed_rows: parsed.iter().map(|b| b.num_rows() as u64).sum(),
            valid_rows: valid.iter().map(|b| b.num_rows() as u64).sum(),
            usage_rows: usage.iter().map(|u| u.ends.len() as u64).sum(),
            usage_bytes: usage.iter().map(|u| u.lines.len() as u64).sum(),
            data,
            chunks,
            parsed,
            normalized,
            valid,
            usage,
            segments,
        })
    }
}

/// The usage rows of one chunk as NDJSON lines.
pub struct Usage {
    /// The lines, one after the other.
    pub lines: Vec<u8>,
    /// Where each line ends in `lines`.
    pub ends: Vec<usize>,
}

impl Usage {
    /// Encodes the usage rows of a valid batch as NDJSON, as the pipeline's workers do.
    pub fn encode(valid: &RecordBatch) -> Usage {
        let all = vec![true; valid.num_rows()];
        let usage = usage_batch(valid, &all);
        let mut lines = Vec::with_capacity(usage.num_rows() * 200);
        let mut ends = Vec::with_capacity(usage.num_rows());
        ndjson::write_batch(&usage, &mut lines, &mut ends);
        Usage { lines, ends }
    }

    /// The lines compressed as one gzip segment at `level`, as the pipeline's workers do.
    pub fn compress(&self, level: u32) -> Segment {
        Segment::compress(&self.lines, self.ends.len() as u64, level)
    }

    /// The lines one by one.
    pub fn lines(&self) -> impl Iterator<Item = &[u8]> {
        let mut start = 0;
        self.ends.iter().map(move |&end| {
            let line = &self.lines[start..end];
            start = end;
            line
        })
    }
}

/// The validator the benchmarks use (the pipeline's defaults).
pub fn validator() -> Validator {
    Validator::new(ValidateOptions::default())
}
