//! The chunk assembler over every framer (lines, CSV, JSON documents and envelopes) on arbitrary bytes: no panic,
//! spans inside their chunk, oversized records cut to an excerpt, and the same records whatever the split.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ssoimport_source::{ChunkAssembler, ChunkOptions, CsvFramer, Framer, JsonFramer, LineFramer, SpanFlaw};

const ENVELOPES: &[&[&str]] = &[&["value"], &["items"], &["records"], &["data", "events"]];

type Record = (Vec<u8>, u64, u64, u64, u64, Option<SpanFlaw>);

fn framer(kind: u8, head: &[u8]) -> Box<dyn Framer> {
    match kind % 3 {
        0 => Box::new(LineFramer::default()),
        1 => Box::new(CsvFramer::new()),
        _ => Box::new(JsonFramer::new(head, ENVELOPES)),
    }
}

fn assemble(kind: u8, input: &[u8], piece: usize, options: ChunkOptions) -> Vec<Record> {
    let mut a = ChunkAssembler::new("fuzz".into(), framer(kind, input), options);
    let mut chunks = Vec::new();
    for p in input.chunks(piece.max(1)) {
        a.push(p);
        while let Some(c) = a.take_chunk(false) {
            chunks.push(c);
        }
    }
    chunks.extend(a.finish(None));
    let mut out = Vec::new();
    let mut index = 0;
    for (seq, c) in chunks.iter().enumerate() {
        assert_eq!(c.seq, seq as u64);
        for r in &c.records {
            assert!(r.start + r.kept <= c.data.len(), "span inside its chunk");
            assert!(r.kept as u64 <= r.length, "kept at most the record");
            assert_eq!(r.index, index, "indexes count up");
            index += 1;
            if r.length > options.max_record_bytes as u64 {
                assert!(
                    matches!(r.flaw, Some(SpanFlaw::TooLarge | SpanFlaw::Truncated(_))),
                    "an oversized record is flagged"
                );
                assert!(r.kept <= 512, "an oversized record keeps only an excerpt");
            }
            out.push((
                c.bytes(r).to_vec(),
                r.index,
                r.line,
                c.offset(r),
                r.length,
                r.flaw,
            ));
        }
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let [kind, ctl, rest @ ..] = data else { return };
    let options = ChunkOptions {
        chunk_bytes: usize::from(ctl & 0x3f) + 1,
        max_record_bytes: if ctl & 0x40 == 0 { 100 } else { 1 << 20 },
    };
    let whole = assemble(*kind, rest, rest.len(), options);
    for piece in [1, 2, 7, 64] {
        assert_eq!(assemble(*kind, rest, piece, options), whole, "piece {piece}");
    }
});
