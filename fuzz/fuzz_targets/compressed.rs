//! gzip and zstd framing through `open_input` on a temp file: compressed copies of the bytes, cut short or with a
//! byte flipped, and the raw bytes themselves (which may start with a magic number). No panic; a broken stream
//! is a read error after the records read before it, never a hang.
#![no_main]

use std::io::Write;
use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use ssoimport_source::{
    ByteOrder, ChunkAssembler, ChunkOptions, Chunker, Input, LineFramer, Location, SpanFlaw, open_input,
};

fn compressed(mode: u8, data: &[u8]) -> Vec<u8> {
    match mode % 4 {
        0 => {
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            gz.write_all(data).expect("gzip into memory");
            gz.finish().expect("gzip into memory")
        }
        1 => zstd::encode_all(data, 1).expect("zstd into memory"),
        2 => {
            // Two gzip members back to back (what `cat a.gz b.gz` gives).
            let mut out = compressed(0, &data[..data.len() / 2]);
            out.extend(compressed(0, &data[data.len() / 2..]));
            out
        }
        _ => data.to_vec(),
    }
}

fuzz_target!(|data: &[u8]| {
    let [mode, cut, flip, rest @ ..] = data else {
        return;
    };
    let mut file = compressed(*mode, rest);
    if *mode % 4 != 3 && !file.is_empty() {
        if mode & 0x10 != 0 {
            // Cut short somewhere after the magic.
            let keep = 4 + usize::from(*cut) * file.len() / 256;
            file.truncate(keep.min(file.len()));
        }
        if mode & 0x20 != 0 {
            let at = usize::from(*flip) * file.len() / 256;
            file[at] ^= 0x5a;
        }
    }
    let path = std::env::temp_dir().join(format!("ssoimport-fuzz-compressed-{}", std::process::id()));
    std::fs::write(&path, &file).expect("write temp file");
    let input = Input {
        name: "fuzz".into(),
        location: Location::File(path.clone()),
        size: None,
    };
    let opened = match open_input(&input, None) {
        Ok(o) => o,
        Err(_) => return,
    };
    let options = ChunkOptions {
        chunk_bytes: 64,
        max_record_bytes: 1 << 20,
    };
    let assembler = ChunkAssembler::new(Arc::from("fuzz"), Box::new(LineFramer::default()), options);
    let mut total = 0u64;
    let mut errors = 0;
    let mut chunker = Chunker::new(opened.reader, &opened.head, assembler);
    loop {
        match chunker.next_chunk() {
            Ok(Some(chunk)) => {
                for r in &chunk.records {
                    total += r.length;
                    if let Some(SpanFlaw::Truncated(_)) = r.flaw {
                        assert!(errors == 0);
                    }
                }
            }
            Ok(None) => break,
            Err(_) => {
                errors += 1;
                assert_eq!(errors, 1, "a read error is returned once");
            }
        }
    }
    // A 4 KB input cannot make more than deflate's (or zstd's) maximum expansion.
    assert!(
        total <= (file.len() as u64 + 64) * 1100,
        "{total} bytes out of {}",
        file.len()
    );
    if errors == 0 && *mode % 4 != 3 && mode & 0x30 == 0 {
        // An intact stream gives back every non-blank byte of its records: of its text as UTF-8, which for UTF-16
        // (a byte-order mark first) means each code unit after the mark, an odd last byte counting as one.
        let non_blank = match ByteOrder::sniff(rest) {
            Some(order) => {
                let units = rest[2..].chunks(2).map(|pair| match (pair, order) {
                    ([a, b], ByteOrder::Little) => u16::from_le_bytes([*a, *b]),
                    ([a, b], ByteOrder::Big) => u16::from_be_bytes([*a, *b]),
                    _ => u16::MAX,
                });
                units
                    .filter(|&u| !u8::try_from(u).is_ok_and(|b| b.is_ascii_whitespace()))
                    .count()
            }
            None => rest.iter().filter(|b| !b.is_ascii_whitespace()).count(),
        };
        assert!(total as usize >= non_blank.min(1));
    }
    let _ = std::fs::remove_file(&path);
});
