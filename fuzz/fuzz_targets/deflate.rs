//! The parts' deflate encoder on arbitrary bytes: a segment at every level (first byte), laid into a part after
//! the rest cut in two segments, inflates back to exactly the bytes given.
#![no_main]

use std::io::Read;

use libfuzzer_sys::fuzz_target;
use ssoimport_upload::Segment;

/// The raw deflate of segments laid end to end and closed as a part closes them: an empty final block.
fn inflate(segments: &[&Segment]) -> Vec<u8> {
    let mut stream: Vec<u8> = segments.iter().flat_map(|s| s.deflate.iter().copied()).collect();
    stream.extend_from_slice(&[0x03, 0x00]);
    let mut out = Vec::new();
    flate2::read::DeflateDecoder::new(&stream[..])
        .read_to_end(&mut out)
        .expect("the encoder's output is valid deflate");
    out
}

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let level = u32::from(first % 10);
    let whole = Segment::compress(rest, 1, level);
    assert_eq!(inflate(&[&whole]), rest, "level {level}");
    let cut = usize::from(first) * rest.len() / 255;
    let (a, b) = rest.split_at(cut);
    let (a, b) = (Segment::compress(a, 1, level), Segment::compress(b, 1, level));
    assert_eq!(inflate(&[&a, &b]), rest, "level {level}, cut at {cut}");
});
