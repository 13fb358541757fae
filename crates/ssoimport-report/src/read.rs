//! Reading the Parquet files into Polars frames.
//!
//! The files are read with the Parquet reader that wrote them (arrow-rs, already in the workspace), batch by
//! batch, and each batch is handed to Polars as a small frame. This keeps Polars to its `lazy` feature: its own
//! Parquet reader would bring its streaming engine and, with it, an HTTP client, a TLS stack and four more
//! compression codecs, some 160 crates that a report over local files has no use for. It also lets the usage
//! file be reduced batch by batch, so memory follows the distinct (app, user, day) rows, not the events.

use std::fs::File;
use std::path::Path;

use arrow_array::RecordBatch;
use arrow_array::cast::AsArray;
use arrow_array::types::TimestampMillisecondType;
use arrow_schema::{DataType as ArrowType, TimeUnit as ArrowUnit};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};
use polars::prelude::{Column, DataFrame, Int64Chunked, IntoColumn, NewChunkedArray, StringChunked};

use crate::ReportError;

/// Rows per batch handed to Polars.
const BATCH_ROWS: usize = 64 * 1024;

/// The type a column must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// UTF-8 text.
    Text,
    /// A timestamp in milliseconds (any zone: `convert --parquet` writes UTC), read as Int64 milliseconds since
    /// the epoch.
    Millis,
}

/// The batches of some columns of a Parquet file, as Polars frames with those columns in the order asked.
pub(crate) struct Batches {
    path: String,
    columns: Vec<(&'static str, Kind)>,
    reader: ParquetRecordBatchReader,
}

impl Batches {
    /// Opens `path`, checking that it has `columns` in their types.
    pub(crate) fn open(path: &Path, columns: &[(&'static str, Kind)]) -> Result<Self, ReportError> {
        let shown = path.display().to_string();
        let read = |detail: String| ReportError::Read {
            path: shown.clone(),
            detail,
        };
        let file = File::open(path).map_err(|e| read(e.to_string()))?;
        let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| read(e.to_string()))?;
        let schema = builder.schema().clone();
        let mut roots = Vec::with_capacity(columns.len());
        for &(name, kind) in columns {
            let problem = |problem: String| ReportError::Column {
                path: shown.clone(),
                column: name.to_string(),
                problem,
            };
            let (index, field) = schema
                .column_with_name(name)
                .ok_or_else(|| problem("is missing".into()))?;
            let fits = match kind {
                Kind::Text => field.data_type() == &ArrowType::Utf8,
                Kind::Millis => matches!(field.data_type(), ArrowType::Timestamp(ArrowUnit::Millisecond, _)),
            };
            if !fits {
                let wanted = match kind {
                    Kind::Text => "text",
                    Kind::Millis => "a timestamp in milliseconds",
                };
                return Err(problem(format!("is {}, not {wanted}", field.data_type())));
            }
            roots.push(index);
        }
        let mask = ProjectionMask::roots(builder.parquet_schema(), roots);
        let reader = builder
            .with_projection(mask)
            .with_batch_size(BATCH_ROWS)
            .build()
            .map_err(|e| read(e.to_string()))?;
        Ok(Batches {
            path: shown,
            columns: columns.to_vec(),
            reader,
        })
    }

    /// The whole file as one frame.
    pub(crate) fn frame(self) -> Result<DataFrame, ReportError> {
        let empty = self.empty();
        let mut out: Option<DataFrame> = None;
        for batch in self {
            let batch = batch?;
            match &mut out {
                Some(df) => {
                    df.vstack_mut_owned(batch).map_err(crate::compute::failed)?;
                }
                None => out = Some(batch),
            }
        }
        Ok(out.unwrap_or(empty))
    }

    /// A frame of the columns, without rows.
    fn empty(&self) -> DataFrame {
        frame(&self.columns, None).expect("empty columns of one height")
    }

    fn convert(&self, batch: &RecordBatch) -> Result<DataFrame, ReportError> {
        frame(&self.columns, Some(batch)).map_err(crate::compute::failed)
    }
}

impl Iterator for Batches {
    type Item = Result<DataFrame, ReportError>;

    fn next(&mut self) -> Option<Self::Item> {
        let batch = self.reader.next()?;
        Some(match batch {
            Ok(batch) => self.convert(&batch),
            Err(e) => Err(ReportError::Read {
                path: self.path.clone(),
                detail: e.to_string(),
            }),
        })
    }
}

/// A Polars frame of `columns` taken from `batch` by name (no rows without one).
fn frame(
    columns: &[(&'static str, Kind)],
    batch: Option<&RecordBatch>,
) -> polars::prelude::PolarsResult<DataFrame> {
    let mut out: Vec<Column> = Vec::with_capacity(columns.len());
    for &(name, kind) in columns {
        let array = batch.and_then(|b| b.column_by_name(name));
        let column = match kind {
            Kind::Text => {
                let values = array.map(|a| a.as_string::<i32>());
                StringChunked::from_iter_options(name.into(), values.into_iter().flat_map(|a| a.iter()))
                    .into_column()
            }
            Kind::Millis => {
                let values = array.map(|a| a.as_primitive::<TimestampMillisecondType>());
                Int64Chunked::from_iter_options(name.into(), values.into_iter().flat_map(|a| a.iter()))
                    .into_column()
            }
        };
        out.push(column);
    }
    DataFrame::new_infer_height(out)
}

/// The newest of a timestamp column, read alone.
pub(crate) fn newest(path: &Path, column: &'static str) -> Result<Option<i64>, ReportError> {
    let mut newest: Option<i64> = None;
    for batch in Batches::open(path, &[(column, Kind::Millis)])? {
        let batch = batch?;
        let values = batch
            .column(column)
            .and_then(|c| c.i64().map(|ca| ca.iter().flatten().max()))
            .map_err(crate::compute::failed)?;
        newest = newest.max(values);
    }
    Ok(newest)
}
