//! Writing import files for the Flexera Import Jobs API, and (see the `client` part of the crate) sending them.
//!
//! - [`ndjson`]: rows of a task's Arrow schema as NDJSON lines, in the contract's field order, nulls left out,
//!   timestamps as `YYYY-MM-DDTHH:MM:SS.mmmZ`, nested objects for dotted fields.
//! - [`PartWriter`]: gzip parts of at most `max_part_bytes` compressed bytes each (10,000,000 by default), written
//!   under temporary names and renamed when sealed, with their MD5; deterministic for the same rows.
//! - [`Segment`]: lines compressed apart (on other threads) and laid into parts in order, by a deflate encoder made
//!   for NDJSON rows (matches looked up only where a word can begin: about 3x zlib's level 6 for a few percent more
//!   bytes).
//! - [`Manifest`]: what a run wrote (counts, parts with rows, bytes and MD5), read back by the uploader.
//! - [`OutDirLock`]: one writer per output directory at a time (conversion and upload alike).
//!
//! ```
//! use ssoimport_schema::Task;
//! use ssoimport_upload::{PartOptions, PartWriter};
//!
//! let dir = tempfile::tempdir()?;
//! let mut writer = PartWriter::create(dir.path(), Task::SsoApplicationUsage, PartOptions::default())?;
//! writer.write_line(br#"{"ssoAppName":"Slack","appInstanceId":"0oa1","uniqueId":"ann@example.com","email":"ann@example.com","occurredAt":"2024-03-01T09:00:00.000Z"}"#)?;
//! let output = writer.finish()?;
//! assert_eq!(output.rows, 1);
//! assert_eq!(output.parts[0].path, "SsoApplicationUsage/part-00000.jsonl.gz");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#[cfg(feature = "client")]
pub mod client;
mod deflate;
mod lock;
mod manifest;
pub mod ndjson;
mod part;
#[cfg(test)]
mod proptests;

pub use lock::{LOCK_FILE, LockError, OutDirLock};
pub use manifest::{Counts, DataFile, InputError, InputSummary, Manifest, PartInfo, TaskOutput};
pub use part::{PartOptions, PartWriter, RejectLine, RejectWriter, Segment};

/// Errors of writing import files.
#[derive(Debug, thiserror::Error)]
pub enum EncodeError {
    /// Writing or renaming a file failed.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// One row alone is larger than a part may be.
    #[error("a row of {bytes} bytes cannot fit in a part of at most {cap} bytes")]
    RowTooLarge {
        /// Size of the row.
        bytes: usize,
        /// The part cap.
        cap: u64,
    },
    /// A manifest could not be read or written.
    #[error("manifest {path}: {detail}")]
    Manifest {
        /// The manifest file.
        path: String,
        /// What went wrong.
        detail: String,
    },
}
