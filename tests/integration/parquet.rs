//! `convert --parquet`: the same rows as the NDJSON parts, in the import schema's names and types.

use std::fs::File;

use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde_json::Value;
use ssoimport::schema::Task;
use ssoimport::upload::ndjson;

use crate::support::*;

fn parquet_rows(path: &std::path::Path, task: Task) -> Vec<Value> {
    let reader = ParquetRecordBatchReaderBuilder::try_new(File::open(path).unwrap())
        .unwrap()
        .build()
        .unwrap();
    let mut rows = Vec::new();
    for batch in reader {
        let batch = batch.unwrap();
        assert_eq!(
            batch.schema().fields(),
            task.arrow_schema().fields(),
            "{task}: the import schema's columns"
        );
        for row in 0..batch.num_rows() {
            let mut line = Vec::new();
            ndjson::write_row(&batch, row, &mut line);
            rows.push(serde_json::from_slice(&line).unwrap());
        }
    }
    rows
}

#[test]
fn parquet_copies_hold_the_same_rows_as_the_parts() {
    let out = tempfile::tempdir().unwrap();
    let input = fixture("csv/signins-hazards.csv");
    convert(&[input.to_str().unwrap(), "--parquet"], out.path(), 0);
    let m = manifest(out.path());
    let files = m["parquet"].as_array().unwrap();
    assert_eq!(files.len(), 3);
    for file in files {
        let task: Task = file["task"].as_str().unwrap().parse().unwrap();
        let rows = parquet_rows(&out.path().join(file["path"].as_str().unwrap()), task);
        assert_eq!(file["rows"], rows.len() as u64);
        assert_eq!(rows, task_rows(out.path(), task, 10_000_000), "{task}");
    }
}
