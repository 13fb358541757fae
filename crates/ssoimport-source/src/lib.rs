//! Shared reader plumbing of ssoimport, written once for every SSO source: inputs (files, directories, stdin),
//! gzip and zstd undone by their magic bytes, record framing (lines, CSV, JSON documents and envelopes) that gives
//! the same records whatever the split of the input, chunks of whole records for parallel parsing, provenance
//! (file, record index, line, byte offset), and the [`Decoder`] every reader offers.
//!
//! A reader implements [`Source`] (framing and preparation) and [`RecordParser`] (one record to rows); rejects for
//! oversized, truncated and non-UTF-8 records are made here.
//!
//! ```
//! use std::sync::Arc;
//! use ssoimport_source::{Decoder, LineFramer, Prepared, RecordBuilder, RecordParser, Row, Source, SourceDecoder,
//!     SourceError, ChunkOptions, Framer};
//! use ssoimport_schema::intermediate::RecordKind;
//!
//! /// A toy source: one email per line, all sign-ins to "Wiki".
//! struct Emails;
//! struct EmailParser;
//! impl RecordParser for EmailParser {
//!     fn parse(&self, record: &str, out: &mut RecordBuilder) {
//!         let row = Row { email: Some(record.trim()), app_name: Some("Wiki"), ..Row::new(RecordKind::SignIn) };
//!         out.push(&row);
//!     }
//! }
//! impl Source for Emails {
//!     fn name(&self) -> &'static str { "emails" }
//!     fn sniff(&self, _head: &[u8]) -> u8 { 1 }
//!     fn framer(&self, _head: &[u8]) -> Box<dyn Framer> { Box::new(LineFramer::default()) }
//!     fn prepare(&self, _file: &str, _first: &[u8]) -> Result<Prepared, SourceError> {
//!         Ok(Prepared { parser: Arc::new(EmailParser), first_is_header: false })
//!     }
//! }
//!
//! let mut decoder = SourceDecoder::new(Arc::new(Emails), "users.txt", ChunkOptions::default());
//! decoder.decode(b"ann@example.com\nbo")?;
//! decoder.decode(b"b@example.com\n")?;
//! let batch = decoder.finish()?.expect("two records");
//! assert_eq!(batch.num_rows(), 2);
//! assert_eq!(decoder.counts().read, 2);
//! # Ok::<(), SourceError>(())
//! ```

mod blocks;
mod chunk;
pub mod conformance;
mod decoder;
mod framing;
mod input;
mod json;
pub mod lenient;
mod record;
pub mod scan;
mod source;
pub mod strict;
mod utf16;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod test_rng;

pub use chunk::{Chunk, ChunkAssembler, ChunkOptions, Chunker, RecordSpan, SpanFlaw};
pub use decoder::{Decoder, ReadCounts, SourceDecoder};
pub use framing::{CsvFramer, Framer, LineFramer, Step};
pub use input::{
    Compression, HEAD_BYTES, Input, Location, Opened, expand_inputs, expand_inputs_outside, open_input,
};
pub use json::JsonFramer;
pub use record::{Provenance, RecordBuilder, Row};
pub use source::{ParsedChunk, Prepared, RecordParser, Source, parse_chunk};
pub use utf16::{ByteOrder, Utf16Decoder};

/// Errors of reading inputs. Bad records are not errors: they become reject rows.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// An input could not be opened.
    #[error("cannot open {file}: {source}")]
    Open {
        /// The input.
        file: String,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// Reading or decompressing an input failed part way.
    #[error(
        "cannot read {file} at byte {offset}: {source} (is the file complete and its compression intact?)"
    )]
    Read {
        /// The input.
        file: String,
        /// Offset in the decompressed stream where reading stopped.
        offset: u64,
        /// The error.
        source: std::io::Error,
    },
    /// A directory given as input holds no files.
    #[error("directory {dir} holds no input files")]
    EmptyDirectory {
        /// The directory.
        dir: String,
    },
    /// A directory given as input is the output directory, or lies inside it.
    #[error(
        "{dir} is inside the output directory {out}: its files could not be told from the conversion's own \
         output; give --out a directory outside the inputs"
    )]
    InputInOutput {
        /// The directory given as input.
        dir: String,
        /// The output directory.
        out: String,
    },
    /// The input's format does not fit the source.
    #[error("{file} is not a {source_name} export: {detail}")]
    Format {
        /// The input.
        file: String,
        /// The source it was read as.
        source_name: &'static str,
        /// What did not fit.
        detail: String,
    },
}
