//! Property tests of the encoder: parts never exceed the cap and decode to the rows written, in order, whether
//! they came line by line or as segments; NDJSON strings and rows round-trip through a JSON parser.

use std::io::Read;
use std::sync::Arc;

use arrow_array::{
    ArrayRef, BooleanArray, RecordBatch, StringArray, TimestampMillisecondArray, new_null_array,
};
use arrow_schema::{DataType, TimeUnit};
use md5::Digest;
use proptest::prelude::*;
use serde_json::{Map, Value};
use ssoimport_schema::Task;
use ssoimport_schema::time::write_iso_millis;

use crate::ndjson::{write_row, write_str};
use crate::{PartOptions, PartWriter, Segment};

/// One NDJSON line of a usage-like row with arbitrary text (so that gzip cannot shrink it to nothing).
fn line_strategy() -> impl Strategy<Value = Vec<u8>> {
    ("\\PC{0,40}", "[a-z0-9]{1,12}", 0usize..300).prop_map(|(app, user, pad)| {
        let mut line = Vec::new();
        line.extend_from_slice(b"{\"ssoAppName\":");
        write_str(&app, &mut line);
        line.extend_from_slice(format!(",\"uniqueId\":\"{user}@example.com\",\"pad\":\"").as_bytes());
        let mut x = pad as u64 + 1;
        for _ in 0..pad {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            line.push(b'a' + (x >> 59) as u8 % 26);
        }
        line.extend_from_slice(b"\"}\n");
        line
    })
}

/// How a run of lines is handed to the writer: one by one, or compressed as a segment.
#[derive(Debug, Clone)]
enum Batch {
    Lines(Vec<Vec<u8>>),
    Segment(Vec<Vec<u8>>),
}

fn batches() -> impl Strategy<Value = Vec<Batch>> {
    prop::collection::vec(
        (prop::collection::vec(line_strategy(), 0..20), any::<bool>()).prop_map(|(lines, seg)| {
            if seg {
                Batch::Segment(lines)
            } else {
                Batch::Lines(lines)
            }
        }),
        1..6,
    )
}

proptest! {
    // 32 cases: every part sealed is written and synced to disk.
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn parts_stay_under_the_cap_and_decode_to_the_rows_written(
        batches in batches(),
        cap in 1500u64..12000,
        level in prop::sample::select(vec![0u32, 1, 6]),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let options = PartOptions { max_part_bytes: cap, gzip_level: level };
        let mut w = PartWriter::create(dir.path(), Task::SsoApplicationUsage, options).unwrap();
        let mut expected = Vec::new();
        for batch in &batches {
            match batch {
                Batch::Lines(lines) => {
                    for line in lines {
                        w.write_line(line).unwrap();
                        expected.extend_from_slice(line);
                    }
                }
                Batch::Segment(lines) => {
                    let all: Vec<u8> = lines.concat();
                    let mut ends = Vec::new();
                    let mut end = 0;
                    for l in lines {
                        end += l.len();
                        ends.push(end);
                    }
                    let segment = Segment::compress(&all, lines.len() as u64, level);
                    w.write_segment(&segment, &all, &ends).unwrap();
                    expected.extend_from_slice(&all);
                }
            }
        }
        let out = w.finish().unwrap();
        let mut all = Vec::new();
        let mut rows = 0;
        for p in &out.parts {
            let bytes = std::fs::read(dir.path().join(&p.path)).unwrap();
            prop_assert!(bytes.len() as u64 <= cap, "part of {} bytes over the cap {}", bytes.len(), cap);
            prop_assert_eq!(bytes.len() as u64, p.bytes);
            prop_assert_eq!(crate::part::hex(&md5::Md5::digest(&bytes)), p.md5.clone());
            prop_assert!(p.rows > 0, "no empty part");
            let mut text = Vec::new();
            // A strict single-member decoder: each part is one valid gzip member.
            flate2::read::GzDecoder::new(&bytes[..]).read_to_end(&mut text).unwrap();
            let lines: Vec<&[u8]> = text.split_inclusive(|&b| b == b'\n').collect();
            prop_assert_eq!(lines.len() as u64, p.rows);
            for line in &lines {
                let row: Value = serde_json::from_slice(line).unwrap();
                prop_assert!(row.get("ssoAppName").is_some_and(Value::is_string));
                prop_assert!(row.get("uniqueId").is_some_and(Value::is_string));
            }
            rows += p.rows;
            all.extend(text);
        }
        prop_assert_eq!(all, expected);
        prop_assert_eq!(rows, out.rows);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn strings_round_trip_through_json(s in "\\PC*|[\\x00-\\x1f\"\\\\\u{7f}-\u{10ffff}]{0,40}") {
        let mut out = Vec::new();
        write_str(&s, &mut out);
        let back: String = serde_json::from_slice(&out).unwrap();
        prop_assert_eq!(back, s);
    }

    #[test]
    fn rows_round_trip_through_json(
        task in prop::sample::select(vec![Task::SsoApplicationUsage, Task::SsoApplicationRoster, Task::ApplicationDiscovery]),
        cells in prop::collection::vec((prop::option::of("\\PC{0,20}"), prop::option::of(-62_135_596_800_000i64..253_402_300_799_999), prop::option::of(any::<bool>())), 1..30),
    ) {
        let schema = task.arrow_schema();
        let rows = cells.len();
        let mut expected: Vec<Map<String, Value>> = vec![Map::new(); rows];
        let columns: Vec<ArrayRef> = schema
            .fields()
            .iter()
            .enumerate()
            .map(|(c, field)| -> ArrayRef {
                // Each column takes its values from the cells, shifted by its position so columns differ.
                let cell = |r: usize| &cells[(r + c) % rows];
                // A required field is never null.
                let required = !field.is_nullable();
                match field.data_type() {
                    DataType::Utf8 => {
                        let values: Vec<Option<String>> = (0..rows)
                            .map(|r| cell(r).0.clone().or_else(|| required.then(|| "x".to_string())))
                            .collect();
                        for (r, v) in values.iter().enumerate() {
                            if let Some(v) = v {
                                expected[r].insert(field.name().clone(), Value::String(v.clone()));
                            }
                        }
                        Arc::new(StringArray::from(values))
                    }
                    DataType::Timestamp(TimeUnit::Millisecond, tz) => {
                        let values: Vec<Option<i64>> =
                            (0..rows).map(|r| cell(r).1.or(required.then_some(0))).collect();
                        for (r, v) in values.iter().enumerate() {
                            if let Some(ms) = v {
                                let mut text = Vec::new();
                                write_iso_millis(*ms, &mut text);
                                expected[r].insert(field.name().clone(), Value::String(String::from_utf8(text).unwrap()));
                            }
                        }
                        Arc::new(TimestampMillisecondArray::from(values).with_timezone_opt(tz.clone()))
                    }
                    DataType::Boolean => {
                        let values: Vec<Option<bool>> =
                            (0..rows).map(|r| cell(r).2.or(required.then_some(false))).collect();
                        for (r, v) in values.iter().enumerate() {
                            if let Some(b) = v {
                                expected[r].insert(field.name().clone(), Value::Bool(*b));
                            }
                        }
                        Arc::new(BooleanArray::from(values))
                    }
                    // Lists and nested objects are left null: a null member is left out.
                    other => new_null_array(other, rows),
                }
            })
            .collect();
        let batch = RecordBatch::try_new(schema.clone(), columns).unwrap();
        for (r, want) in expected.into_iter().enumerate() {
            let mut line = Vec::new();
            write_row(&batch, r, &mut line);
            prop_assert_eq!(line.last(), Some(&b'\n'));
            prop_assert_eq!(line.iter().filter(|&&b| b == b'\n').count(), 1, "one line per row");
            let parsed: Value = serde_json::from_slice(&line).unwrap();
            prop_assert_eq!(parsed, Value::Object(want));
        }
    }
}
