//! The conformance suite every reader passes, and a plain rendering of decoded rows for snapshot tests.
//!
//! ```
//! # use std::sync::Arc;
//! # use ssoimport_source::conformance;
//! # fn source() -> Arc<dyn ssoimport_source::Source> { unimplemented!() }
//! # fn doc() {
//! let rows = conformance::check(source(), b"... an export ...");
//! assert!(rows.iter().any(|r| r.contains("reject_code=parse_error")));
//! # }
//! ```

use std::io::Write;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{UInt8Type, UInt64Type};
use arrow_array::{Array, RecordBatch};
use ssoimport_schema::intermediate::{COLUMN_NAMES, col};

use crate::chunk::{ChunkAssembler, ChunkOptions, Chunker};
use crate::decoder::{Decoder, SourceDecoder};
use crate::input::{Input, Location, open_input};
use crate::source::{Source, parse_chunk};

/// Renders rows as `line=N kind=K name=value ...` (non-null text columns only), one string per row.
pub fn render(batches: &[RecordBatch]) -> Vec<String> {
    let mut out = Vec::new();
    for batch in batches {
        let lines = batch.column(col::LINE).as_primitive::<UInt64Type>();
        let kinds = batch.column(col::KIND).as_primitive::<UInt8Type>();
        for row in 0..batch.num_rows() {
            let mut parts = vec![format!("line={} kind={}", lines.value(row), kinds.value(row))];
            for (c, name) in COLUMN_NAMES.iter().enumerate().skip(col::EVENT_ID) {
                let column = batch.column(c).as_string::<i32>();
                if column.is_valid(row) {
                    parts.push(format!("{name}={}", column.value(row)));
                }
            }
            out.push(parts.join(" "));
        }
    }
    out
}

/// Decodes `input` pushed in pieces of `piece` bytes; returns the rendered rows and the filtered count.
pub fn decode_pieces(source: Arc<dyn Source>, input: &[u8], piece: usize) -> (Vec<String>, u64) {
    decode_named(source, "conformance", input, piece)
}

/// As [`decode_pieces`], for an input named `name` (some readers tell exports apart by their file name).
pub fn decode_named(source: Arc<dyn Source>, name: &str, input: &[u8], piece: usize) -> (Vec<String>, u64) {
    let mut decoder = SourceDecoder::new(source, name, ChunkOptions::default());
    let mut batches = Vec::new();
    for part in input.chunks(piece.max(1)) {
        decoder.decode(part).expect("decode never fails on bytes");
        batches.extend(decoder.flush().expect("flush"));
    }
    batches.extend(decoder.finish().expect("finish"));
    let rows = render(&batches);
    let counts = decoder.counts();
    assert_eq!(
        counts.read,
        rows.len() as u64 + counts.filtered,
        "read = rows + filtered"
    );
    (rows, counts.filtered)
}

/// The reader conformance suite: empty input gives nothing, any split of the input gives the same rows, a
/// gzip-compressed copy read from a file gives the same rows as the plain bytes, and small chunks give the same
/// rows as one chunk. Returns the rendered rows for the reader's own assertions.
pub fn check(source: Arc<dyn Source>, input: &[u8]) -> Vec<String> {
    let (empty, filtered) = decode_pieces(source.clone(), b"", 1);
    assert!(empty.is_empty() && filtered == 0, "empty input gives no rows");

    let whole = decode_pieces(source.clone(), input, input.len().max(1));
    for piece in [1, 2, 3, 5, 7, 13, 64, 1000] {
        assert_eq!(
            decode_pieces(source.clone(), input, piece),
            whole,
            "pushed in pieces of {piece} bytes"
        );
    }

    let path = std::env::temp_dir().join(format!(
        "ssoimport-conformance-{}-{:?}.gz",
        std::process::id(),
        std::thread::current().id()
    ));
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(input).expect("gzip into memory");
    std::fs::write(&path, gz.finish().expect("gzip into memory")).expect("write temp file");
    for chunk_bytes in [64, 4 << 20] {
        let from_file = read_file(source.clone(), &path, chunk_bytes);
        assert_eq!(
            from_file, whole,
            "gzip file read in chunks of {chunk_bytes} bytes = plain bytes"
        );
    }
    let _ = std::fs::remove_file(&path);
    whole.0
}

fn read_file(source: Arc<dyn Source>, path: &std::path::Path, chunk_bytes: usize) -> (Vec<String>, u64) {
    let input = Input {
        name: "conformance".into(),
        location: Location::File(path.to_path_buf()),
        size: None,
    };
    let opened = open_input(&input, None).expect("open");
    let options = ChunkOptions {
        chunk_bytes,
        ..ChunkOptions::default()
    };
    let assembler = ChunkAssembler::new(input.name.clone(), source.framer(&opened.head), options);
    let mut prepared = None;
    let mut batches = Vec::new();
    let mut filtered = 0;
    for chunk in Chunker::new(opened.reader, &opened.head, assembler) {
        let chunk = chunk.expect("read");
        let prepared = prepared.get_or_insert_with(|| {
            let first = chunk.records.first().map(|r| chunk.bytes(r)).unwrap_or_default();
            source.prepare("conformance", first).expect("prepare")
        });
        let parsed = parse_chunk(prepared, &chunk);
        filtered += parsed.filtered;
        batches.push(parsed.batch);
    }
    (render(&batches), filtered)
}
