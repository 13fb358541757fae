//! What the emulator makes of an uploaded file: the body as sent (gzip or not) decoded within a size cap, then
//! split into JSON-L rows. Public so that the parser can be fuzzed and reused on its own.
//!
//! ```
//! use ssoimport_emulator::upload::read_upload;
//!
//! let content = read_upload(b"{\"a\":1}\nnot json\n\n", false, 1 << 20)?;
//! assert_eq!(content.rows.len(), 1);
//! assert_eq!(content.malformed[0].line, 2);
//! # Ok::<(), ssoimport_emulator::upload::UploadError>(())
//! ```

use std::io::Read;

use serde_json::Value;

/// Why an uploaded body was refused.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    /// The decoded file is larger than the cap.
    #[error("the decompressed file is larger than {max} bytes")]
    TooLarge {
        /// The cap, in decoded bytes.
        max: u64,
    },
    /// The body was declared gzip but does not decode.
    #[error("the body is not valid gzip: {0}")]
    NotGzip(String),
}

/// One line of an uploaded file that did not parse as JSON.
#[derive(Debug, Clone)]
pub struct MalformedLine {
    /// 1-based line number in the decoded file.
    pub line: usize,
    /// The parser's complaint.
    pub message: String,
}

/// The decoded content of one uploaded file.
#[derive(Debug, Clone, Default)]
pub struct FileContent {
    /// The rows that parsed as JSON, with their 1-based line numbers.
    pub rows: Vec<(usize, Value)>,
    /// The lines that did not.
    pub malformed: Vec<MalformedLine>,
}

/// Decodes an uploaded body (gzip, possibly several members, when `gzip`) and splits it into rows. Reading stops
/// one byte past `max_decoded`, so a gzip bomb costs at most the cap in memory.
pub fn read_upload(body: &[u8], gzip: bool, max_decoded: u64) -> Result<FileContent, UploadError> {
    let too_large = UploadError::TooLarge { max: max_decoded };
    if !gzip {
        if body.len() as u64 > max_decoded {
            return Err(too_large);
        }
        return Ok(parse_jsonl(body));
    }
    let mut decoded = Vec::new();
    flate2::read::MultiGzDecoder::new(body)
        .take(max_decoded.saturating_add(1))
        .read_to_end(&mut decoded)
        .map_err(|e| UploadError::NotGzip(e.to_string()))?;
    if decoded.len() as u64 > max_decoded {
        return Err(too_large);
    }
    Ok(parse_jsonl(&decoded))
}

/// Splits JSON-L into rows; blank lines are skipped, lines that do not parse are remembered with their number.
pub fn parse_jsonl(data: &[u8]) -> FileContent {
    let mut content = FileContent::default();
    for (index, line) in data.split(|&b| b == b'\n').enumerate() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice::<Value>(line) {
            Ok(value) => content.rows.push((index + 1, value)),
            Err(e) => content.malformed.push(MalformedLine {
                line: index + 1,
                message: e.to_string(),
            }),
        }
    }
    content
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::io::Write;

    use super::*;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(data).unwrap();
        enc.finish().unwrap()
    }

    #[test]
    fn gzip_members_are_read_in_turn() {
        let mut body = gzip(b"{\"a\":1}\n");
        body.extend(gzip(b"{\"a\":2}\r\n"));
        let content = read_upload(&body, true, 1024).unwrap();
        assert_eq!(content.rows.len(), 2);
        assert_eq!(content.rows[1], (2, serde_json::json!({"a": 2})));
    }

    #[test]
    fn the_cap_counts_decoded_bytes() {
        let body = gzip(&vec![b' '; 10_000]);
        assert!(body.len() < 1000);
        assert!(matches!(
            read_upload(&body, true, 9_999),
            Err(UploadError::TooLarge { max: 9_999 })
        ));
        assert!(read_upload(&body, true, 10_000).unwrap().rows.is_empty());
        assert!(matches!(
            read_upload(b"{}", false, 1),
            Err(UploadError::TooLarge { .. })
        ));
    }

    #[test]
    fn broken_gzip_is_refused_and_bad_lines_are_kept_with_their_number() {
        assert!(matches!(
            read_upload(b"\x1f\x8b\x08junk", true, 1024),
            Err(UploadError::NotGzip(_))
        ));
        let content = read_upload(b"\n[1]\n{\n", false, 1024).unwrap();
        assert_eq!(content.rows, vec![(2, serde_json::json!([1]))]);
        assert_eq!(content.malformed.len(), 1);
        assert_eq!(content.malformed[0].line, 3);
    }
}
