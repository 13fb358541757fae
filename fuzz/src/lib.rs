//! Helpers shared by the fuzz targets: drive a reader's push decoder over some bytes split in several ways and
//! check the invariants every reader promises (no panic, any split gives the same rows, every record read is a
//! row, a reject or filtered).

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{UInt32Type, UInt64Type};
use arrow_array::{Array, RecordBatch};
use ssoimport_schema::intermediate::col;
use ssoimport_source::conformance::render;
use ssoimport_source::{ChunkOptions, Decoder, Source, SourceDecoder};

/// Rendered rows plus their provenance (record index, offset, length), and the counts; or the error that
/// stopped the input (a header the reader cannot map is a `Format` error, not a panic).
pub type Decoded = Result<(Vec<String>, u64, u64), String>;

/// Renders rows with provenance, so that a split that moves an offset is caught too.
pub fn render_full(batches: &[RecordBatch]) -> Vec<String> {
    let plain = render(batches);
    let mut out = Vec::with_capacity(plain.len());
    let mut i = 0;
    for batch in batches {
        let records = batch.column(col::RECORD).as_primitive::<UInt64Type>();
        let offsets = batch.column(col::OFFSET).as_primitive::<UInt64Type>();
        let lengths = batch.column(col::LENGTH).as_primitive::<UInt32Type>();
        for row in 0..batch.num_rows() {
            out.push(format!(
                "record={} offset={} length={} {}",
                records.value(row),
                offsets.value(row),
                lengths.value(row),
                plain[i]
            ));
            i += 1;
        }
    }
    out
}

/// Decodes `input` pushed in pieces ending at `cuts` (ascending offsets), flushing after each piece.
pub fn decode(source: Arc<dyn Source>, input: &[u8], cuts: &[usize], options: ChunkOptions) -> Decoded {
    let mut decoder = SourceDecoder::new(source, "fuzz", options);
    let mut batches = Vec::new();
    let mut at = 0;
    for &cut in cuts.iter().chain(std::iter::once(&input.len())) {
        let cut = cut.clamp(at, input.len());
        decoder.decode(&input[at..cut]).map_err(|e| e.to_string())?;
        batches.extend(decoder.flush().map_err(|e| e.to_string())?);
        at = cut;
    }
    batches.extend(decoder.finish().map_err(|e| e.to_string())?);
    let rows = render_full(&batches);
    let counts = decoder.counts();
    let rows_n: usize = batches.iter().map(RecordBatch::num_rows).sum();
    assert_eq!(
        counts.read,
        rows_n as u64 + counts.filtered,
        "read = rows + filtered"
    );
    for batch in &batches {
        // Every row's text columns hold valid data (arrow checks offsets); touch them all.
        for c in col::EVENT_ID..batch.num_columns() {
            let column = batch.column(c).as_string::<i32>();
            for row in 0..column.len() {
                if column.is_valid(row) {
                    std::hint::black_box(column.value(row));
                }
            }
        }
    }
    Ok((rows, counts.read, counts.filtered))
}

/// The fuzz body of a reader: the first byte picks chunk options, the next two a split point; the rest is the
/// input. Decoding it whole, split at that point, and byte by byte (for short inputs) must agree.
pub fn check_reader(source: Arc<dyn Source>, data: &[u8]) {
    let Some((&ctl, rest)) = data.split_first() else {
        return;
    };
    let (split, input) = match rest {
        [a, b, input @ ..] => (usize::from(u16::from_le_bytes([*a, *b])), input),
        _ => (0, rest),
    };
    let options = ChunkOptions {
        chunk_bytes: if ctl & 1 == 0 { 64 } else { 4 << 20 },
        max_record_bytes: if ctl & 2 == 0 { 300 } else { 1 << 20 },
    };
    let whole = decode(source.clone(), input, &[], options);
    let at = if input.is_empty() {
        0
    } else {
        split % (input.len() + 1)
    };
    let halves = decode(source.clone(), input, &[at], options);
    assert_eq!(whole, halves, "split at {at}");
    if input.len() <= 512 && ctl & 4 == 0 {
        let every: Vec<usize> = (1..input.len()).collect();
        assert_eq!(whole, decode(source, input, &every, options), "byte by byte");
    }
}
