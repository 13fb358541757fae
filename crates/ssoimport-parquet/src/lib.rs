//! Parquet copies of the task rows ssoimport writes (usage, roster, discovery): the import schema's column names
//! and types, timestamps as UTC timestamps (milliseconds), nested objects as structs, zstd-compressed, in row
//! groups of a size readers handle well. DuckDB, Polars and Spark read them as they are.
//!
//! ```
//! use ssoimport_parquet::ParquetWriter;
//! use ssoimport_schema::Task;
//!
//! let dir = tempfile::tempdir()?;
//! let writer = ParquetWriter::create(dir.path(), Task::SsoApplicationRoster)?;
//! let file = writer.finish()?;
//! assert_eq!(file.rows, 0);
//! assert!(dir.path().join(&file.path).exists());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fs::File;
use std::path::{Path, PathBuf};

use arrow_array::RecordBatch;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;
use serde::{Deserialize, Serialize};
use ssoimport_schema::Task;

/// Rows per row group: large enough for scans to be efficient, small enough to keep the writer's memory modest.
pub const ROW_GROUP_ROWS: usize = 256 * 1024;

/// Folder of the Parquet files inside an output directory.
pub const PARQUET_DIR: &str = "parquet";

/// Errors of writing Parquet.
#[derive(Debug, thiserror::Error)]
pub enum ParquetError {
    /// A file could not be created, written or renamed.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The Parquet encoder failed.
    #[error("cannot write {path}: {source}")]
    Encode {
        /// The file.
        path: String,
        /// The encoder's error.
        source: parquet::errors::ParquetError,
    },
}

/// A Parquet file written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParquetFile {
    /// The task whose rows it holds.
    pub task: String,
    /// Path relative to the output directory.
    pub path: String,
    /// Rows in the file.
    pub rows: u64,
    /// Size in bytes.
    pub bytes: u64,
}

/// Writes one task's rows to `DIR/parquet/<Task>.parquet` (under a temporary name until finished).
pub struct ParquetWriter {
    task: Task,
    relative: String,
    path: PathBuf,
    tmp: PathBuf,
    writer: ArrowWriter<File>,
    rows: u64,
}

impl ParquetWriter {
    /// Starts the file of `task` in `out_dir`.
    pub fn create(out_dir: &Path, task: Task) -> Result<Self, ParquetError> {
        let relative = format!("{PARQUET_DIR}/{}.parquet", task.name());
        let path = out_dir.join(&relative);
        let tmp = out_dir.join(format!("{relative}.tmp"));
        let io = |source| ParquetError::Io {
            path: path.display().to_string(),
            source,
        };
        std::fs::create_dir_all(out_dir.join(PARQUET_DIR)).map_err(io)?;
        let file = File::create(&tmp).map_err(io)?;
        let properties = WriterProperties::builder()
            .set_compression(Compression::ZSTD(
                ZstdLevel::try_new(3).expect("3 is a valid zstd level"),
            ))
            .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
            .set_created_by(format!("ssoimport {}", env!("CARGO_PKG_VERSION")))
            .build();
        let writer = ArrowWriter::try_new(file, task.arrow_schema(), Some(properties)).map_err(|source| {
            ParquetError::Encode {
                path: path.display().to_string(),
                source,
            }
        })?;
        Ok(ParquetWriter {
            task,
            relative,
            path,
            tmp,
            writer,
            rows: 0,
        })
    }

    /// Appends rows (in the task's Arrow schema).
    pub fn write(&mut self, batch: &RecordBatch) -> Result<(), ParquetError> {
        self.rows += batch.num_rows() as u64;
        self.writer.write(batch).map_err(|source| ParquetError::Encode {
            path: self.path.display().to_string(),
            source,
        })
    }

    /// Closes the file and moves it into place.
    pub fn finish(self) -> Result<ParquetFile, ParquetError> {
        let path = self.path.display().to_string();
        let file = self.writer.into_inner().map_err(|source| ParquetError::Encode {
            path: path.clone(),
            source,
        })?;
        file.sync_all().map_err(|source| ParquetError::Io {
            path: path.clone(),
            source,
        })?;
        let bytes = file
            .metadata()
            .map_err(|source| ParquetError::Io {
                path: path.clone(),
                source,
            })?
            .len();
        std::fs::rename(&self.tmp, &self.path).map_err(|source| ParquetError::Io { path, source })?;
        Ok(ParquetFile {
            task: self.task.name().to_string(),
            path: self.relative,
            rows: self.rows,
            bytes,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::cast::AsArray;
    use arrow_array::types::TimestampMillisecondType;
    use arrow_array::{ArrayRef, StringArray, TimestampMillisecondArray};
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

    use super::*;

    #[test]
    fn usage_rows_round_trip_with_their_types() {
        let dir = tempfile::tempdir().unwrap();
        let text = |v: Vec<Option<&str>>| Arc::new(StringArray::from(v)) as ArrayRef;
        let columns: Vec<ArrayRef> = vec![
            text(vec![Some("Slack"), Some("Zoom")]),
            text(vec![None, Some("zoomus")]),
            text(vec![Some("0oa1"), Some("0oa2")]),
            text(vec![Some("ann@example.com"), Some("bo@example.com")]),
            text(vec![Some("ann@example.com"), Some("bo@example.com")]),
            Arc::new(
                TimestampMillisecondArray::from(vec![1_709_283_600_000, 1_709_370_000_123])
                    .with_timezone("UTC"),
            ),
            text(vec![Some("e1"), None]),
        ];
        let batch = RecordBatch::try_new(Task::SsoApplicationUsage.arrow_schema(), columns).unwrap();
        let mut w = ParquetWriter::create(dir.path(), Task::SsoApplicationUsage).unwrap();
        w.write(&batch).unwrap();
        w.write(&batch).unwrap();
        let file = w.finish().unwrap();
        assert_eq!(
            (file.rows, file.path.as_str()),
            (4, "parquet/SsoApplicationUsage.parquet")
        );

        let reader =
            ParquetRecordBatchReaderBuilder::try_new(File::open(dir.path().join(&file.path)).unwrap())
                .unwrap()
                .build()
                .unwrap();
        let batches: Vec<RecordBatch> = reader.map(Result::unwrap).collect();
        let total: usize = batches.iter().map(RecordBatch::num_rows).sum();
        assert_eq!(total, 4);
        let b = &batches[0];
        assert_eq!(
            b.schema().fields(),
            Task::SsoApplicationUsage.arrow_schema().fields()
        );
        assert_eq!(
            b.column(5).as_primitive::<TimestampMillisecondType>().value(1),
            1_709_370_000_123
        );
        assert_eq!(b.column(0).as_string::<i32>().value(1), "Zoom");
        assert!(
            !dir.path()
                .join("parquet/SsoApplicationUsage.parquet.tmp")
                .exists()
        );
    }
}
