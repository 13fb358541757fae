//! Size-capped gzip parts of one task, and the rejects file.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use flate2::{Compress, Compression, FlushCompress, Status};
use md5::{Digest, Md5};
use ssoimport_schema::Task;

use crate::EncodeError;
use crate::manifest::{PartInfo, TaskOutput};

/// Options of the parts of a task.
#[derive(Debug, Clone, Copy)]
pub struct PartOptions {
    /// Largest compressed size of a part, in bytes. Flexera's standard hosts take at most 10 MB per file.
    pub max_part_bytes: u64,
    /// gzip level, 0 (stored, no compression) to 9 (smallest). Segments are compressed by the crate's own deflate
    /// encoder for NDJSON rows (the level sets how many match candidates it keeps), lines written one by one by
    /// zlib at this level.
    pub gzip_level: u32,
}

impl Default for PartOptions {
    fn default() -> Self {
        PartOptions {
            max_part_bytes: 10_000_000,
            gzip_level: 6,
        }
    }
}

/// gzip member header: deflate, no name, no time, unknown OS.
const GZIP_HEADER: [u8; 10] = [0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 0xff];
/// An empty final deflate block (fixed Huffman, end of block): closes a stream made of sync-flushed pieces.
const FINAL_BLOCK: [u8; 2] = [0x03, 0x00];
/// Bytes a part needs after its deflate data: the final block (or a compressor's finish) and the trailer.
const FINISH_OVERHEAD: u64 = 64;

/// An upper bound of the compressed size of `n` bytes not yet flushed (zlib's `deflateBound`, generously).
fn pending_bound(n: u64) -> u64 {
    n + (n >> 12) + (n >> 14) + 16
}

/// Runs `input` through `compress`, appending the output to `out`.
fn deflate_into(compress: &mut Compress, mut input: &[u8], out: &mut Vec<u8>, flush: FlushCompress) {
    loop {
        out.reserve(input.len() / 2 + 4096);
        let before_in = compress.total_in();
        let status = compress
            .compress_vec(input, out, flush)
            .expect("deflate of in-memory bytes cannot fail");
        input = &input[(compress.total_in() - before_in) as usize..];
        let done = match flush {
            FlushCompress::Finish => status == Status::StreamEnd,
            // Done when all input is taken and the compressor had room to spare (it emitted everything).
            _ => input.is_empty() && out.len() < out.capacity(),
        };
        if done {
            return;
        }
    }
}

/// NDJSON lines compressed on their own as raw deflate, ending in a sync flush, so that segments made in
/// parallel can be laid end to end inside one gzip part. The deflate encoder is one made for NDJSON rows: it looks
/// for repeats only where a word can begin, about three times as fast as zlib's level 6 for output a few percent
/// larger.
#[derive(Debug, Clone)]
pub struct Segment {
    /// The raw deflate bytes (no final block).
    pub deflate: Vec<u8>,
    /// CRC-32 of the uncompressed lines.
    pub crc: crc32fast::Hasher,
    /// Uncompressed length.
    pub len: u64,
    /// Number of lines.
    pub rows: u64,
}

impl Segment {
    /// Compresses `lines` (whole NDJSON lines, `rows` of them) at `level` (0 stores them uncompressed).
    pub fn compress(lines: &[u8], rows: u64, level: u32) -> Segment {
        let mut deflate = Vec::with_capacity(lines.len() / 4 + 64);
        if level == 0 {
            let mut compress = Compress::new(Compression::none(), false);
            deflate_into(&mut compress, lines, &mut deflate, FlushCompress::Sync);
        } else {
            crate::deflate::compress(lines, level, &mut deflate);
        }
        let mut crc = crc32fast::Hasher::new();
        crc.update(lines);
        Segment {
            deflate,
            crc,
            len: lines.len() as u64,
            rows,
        }
    }
}

/// A deflate stream fed line by line, for rows that come one at a time.
struct LineStream {
    compress: Compress,
    /// Uncompressed bytes written since the last flush.
    pending: u64,
}

struct OpenPart {
    /// The temporary file the part is written to, and its path; removed if the part is dropped unfinished (a
    /// failed write, an aborted run), so that no half-written part is left behind.
    file: File,
    tmp: PathBuf,
    finished: bool,
    /// Bytes in `file`.
    written: u64,
    /// Header and deflate bytes not yet in `file`.
    bytes: Vec<u8>,
    /// MD5 of the part up to `bytes[..hashed]`: a part is hashed as it grows, while its bytes are in cache, rather
    /// than all at once when sealed (which, for the last part of a task, held up the end of a run).
    md5: Md5,
    hashed: usize,
    crc: crc32fast::Hasher,
    len: u64,
    rows: u64,
    stream: Option<LineStream>,
}

/// Bytes of a part held before they go to its file: a part is written as it grows, so that sealing it writes little
/// (writing 10 MB at once held up the whole pipeline behind it) and no part is held whole in memory.
const SPILL_BYTES: usize = 1 << 20;

impl OpenPart {
    fn create(tmp: PathBuf) -> Result<Self, EncodeError> {
        let file = File::create(&tmp).map_err(|source| io_err(&tmp, source))?;
        let mut bytes = Vec::with_capacity(SPILL_BYTES + (SPILL_BYTES >> 2));
        bytes.extend_from_slice(&GZIP_HEADER);
        Ok(OpenPart {
            file,
            tmp,
            finished: false,
            written: 0,
            bytes,
            md5: Md5::new(),
            hashed: 0,
            crc: crc32fast::Hasher::new(),
            len: 0,
            rows: 0,
            stream: None,
        })
    }

    /// The part's compressed size so far.
    fn size(&self) -> u64 {
        self.written + self.bytes.len() as u64
    }

    /// Ends the line stream (if any) on a byte boundary so a segment can follow.
    fn flush_stream(&mut self) {
        if let Some(mut stream) = self.stream.take() {
            deflate_into(&mut stream.compress, &[], &mut self.bytes, FlushCompress::Sync);
        }
    }

    /// Folds the bytes appended since the last call into the MD5.
    fn hash_new_bytes(&mut self) {
        self.md5.update(&self.bytes[self.hashed..]);
        self.hashed = self.bytes.len();
    }

    /// Writes the held bytes to the file once there are `spill_at` of them (all of them if 0).
    fn spill(&mut self, spill_at: usize) -> Result<(), EncodeError> {
        if self.bytes.len() < spill_at.max(1) {
            return Ok(());
        }
        self.hash_new_bytes();
        self.file
            .write_all(&self.bytes)
            .map_err(|source| io_err(&self.tmp, source))?;
        self.written += self.bytes.len() as u64;
        self.bytes.clear();
        self.hashed = 0;
        Ok(())
    }

    /// Ends the part, writes the rest of it and syncs the file: its size, rows, MD5 and temporary path.
    fn finish(mut self) -> Result<(u64, u64, String, PathBuf), EncodeError> {
        self.flush_stream();
        self.bytes.extend_from_slice(&FINAL_BLOCK);
        let crc = std::mem::take(&mut self.crc).finalize();
        self.bytes.extend_from_slice(&crc.to_le_bytes());
        self.bytes.extend_from_slice(&(self.len as u32).to_le_bytes());
        self.spill(0)?;
        self.file.sync_all().map_err(|source| io_err(&self.tmp, source))?;
        // The caller renames the file, or removes it if that fails.
        self.finished = true;
        let md5 = hex(&std::mem::replace(&mut self.md5, Md5::new()).finalize());
        Ok((self.written, self.rows, md5, std::mem::take(&mut self.tmp)))
    }
}

impl Drop for OpenPart {
    fn drop(&mut self) {
        if !self.finished {
            let _ = fs::remove_file(&self.tmp);
        }
    }
}

/// Writes the NDJSON lines of one task into `DIR/<Task>/part-NNNNN.jsonl.gz`, each at most
/// `max_part_bytes` compressed. Lines come one at a time ([`PartWriter::write_line`]) or as segments compressed
/// elsewhere, in parallel ([`PartWriter::write_segment`]); either way the same rows give the same bytes. Parts are
/// written to a temporary name and renamed once sealed.
pub struct PartWriter {
    out_dir: PathBuf,
    task: Task,
    options: PartOptions,
    open: Option<OpenPart>,
    parts: Vec<PartInfo>,
    rows: u64,
    /// [`SPILL_BYTES`], smaller in tests.
    spill_at: usize,
}

impl PartWriter {
    /// Creates `DIR/<Task>/`, removing parts a previous run left there.
    pub fn create(out_dir: &Path, task: Task, options: PartOptions) -> Result<Self, EncodeError> {
        let dir = out_dir.join(task.name());
        fs::create_dir_all(&dir).map_err(|source| io_err(&dir, source))?;
        for entry in fs::read_dir(&dir)
            .map_err(|source| io_err(&dir, source))?
            .flatten()
        {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with("part-") && (name.ends_with(".jsonl.gz") || name.ends_with(".tmp")) {
                fs::remove_file(entry.path()).map_err(|source| io_err(&entry.path(), source))?;
            }
        }
        Ok(PartWriter {
            out_dir: out_dir.to_path_buf(),
            task,
            options,
            open: None,
            parts: Vec::new(),
            rows: 0,
            spill_at: SPILL_BYTES,
        })
    }

    /// The path of the next part, sealed or temporary.
    fn next_path(&self, tmp: bool) -> (String, PathBuf) {
        let relative = format!("{}/part-{:05}.jsonl.gz", self.task.name(), self.parts.len());
        let path = self.out_dir.join(&relative);
        let path = if tmp { path.with_extension("gz.tmp") } else { path };
        (relative, path)
    }

    /// The open part, opened if none is.
    fn open_part(&mut self) -> Result<&mut OpenPart, EncodeError> {
        if self.open.is_none() {
            self.open = Some(OpenPart::create(self.next_path(true).1)?);
        }
        Ok(self.open.as_mut().expect("opened above"))
    }

    /// The task written.
    pub fn task(&self) -> Task {
        self.task
    }

    /// Rows written so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Parts sealed so far.
    pub fn sealed(&self) -> &[PartInfo] {
        &self.parts
    }

    /// The gzip level parts are compressed at (segments must be made at the same level).
    pub fn gzip_level(&self) -> u32 {
        self.options.gzip_level
    }

    /// Writes one NDJSON line (with its `\n`). Returns the part just sealed to make room, if any.
    pub fn write_line(&mut self, line: &[u8]) -> Result<Option<PartInfo>, EncodeError> {
        let cap = self.options.max_part_bytes;
        let len = line.len() as u64;
        let mut sealed = None;
        if let Some(part) = &mut self.open {
            let pending = part.stream.as_ref().map_or(0, |s| s.pending);
            if part.size() + pending_bound(pending + len) + FINISH_OVERHEAD > cap {
                // Learn the true compressed size before deciding; this happens only near the end of a part.
                if let Some(stream) = &mut part.stream {
                    deflate_into(&mut stream.compress, &[], &mut part.bytes, FlushCompress::Sync);
                    stream.pending = 0;
                }
                if part.size() + pending_bound(len) + FINISH_OVERHEAD > cap {
                    sealed = Some(self.seal()?);
                }
            }
        }
        if self.open.is_none() && GZIP_HEADER.len() as u64 + pending_bound(len) + FINISH_OVERHEAD > cap {
            return Err(EncodeError::RowTooLarge {
                bytes: line.len(),
                cap,
            });
        }
        let level = self.options.gzip_level;
        let spill_at = self.spill_at;
        let part = self.open_part()?;
        let stream = part.stream.get_or_insert_with(|| LineStream {
            compress: Compress::new(Compression::new(level), false),
            pending: 0,
        });
        deflate_into(&mut stream.compress, line, &mut part.bytes, FlushCompress::None);
        stream.pending += len;
        part.crc.update(line);
        part.len += len;
        part.rows += 1;
        part.spill(spill_at)?;
        self.rows += 1;
        Ok(sealed)
    }

    /// Writes a segment compressed elsewhere (at this writer's gzip level). `lines` are its uncompressed lines
    /// and `line_ends` where each ends: a segment too large for any part is written line by line instead.
    /// Returns the parts sealed to make room.
    pub fn write_segment(
        &mut self,
        segment: &Segment,
        lines: &[u8],
        line_ends: &[usize],
    ) -> Result<Vec<PartInfo>, EncodeError> {
        let cap = self.options.max_part_bytes;
        let need = segment.deflate.len() as u64 + FINISH_OVERHEAD;
        let mut sealed = Vec::new();
        if segment.rows == 0 {
            return Ok(sealed);
        }
        if let Some(part) = &mut self.open {
            part.flush_stream();
            if part.size() + need > cap {
                sealed.push(self.seal()?);
            }
        }
        if GZIP_HEADER.len() as u64 + need > cap {
            // Larger than a part can be: cut it line by line.
            let mut start = 0;
            for &end in line_ends {
                sealed.extend(self.write_line(&lines[start..end])?);
                start = end;
            }
            return Ok(sealed);
        }
        let spill_at = self.spill_at;
        let part = self.open_part()?;
        part.bytes.extend_from_slice(&segment.deflate);
        part.hash_new_bytes();
        part.crc.combine(&segment.crc);
        part.len += segment.len;
        part.rows += segment.rows;
        part.spill(spill_at)?;
        self.rows += segment.rows;
        Ok(sealed)
    }

    fn seal(&mut self) -> Result<PartInfo, EncodeError> {
        let part = self.open.take().expect("a part is open");
        let tmp = part.tmp.clone();
        let (relative, path) = self.next_path(false);
        let sealed = part.finish().and_then(|(bytes, rows, md5, tmp)| {
            fs::rename(&tmp, &path).map_err(|source| io_err(&path, source))?;
            Ok((bytes, rows, md5))
        });
        let (bytes, rows, md5) = match sealed {
            Ok(sealed) => sealed,
            Err(e) => {
                // Leave no half-written part behind (a full disk, say).
                let _ = fs::remove_file(&tmp);
                return Err(e);
            }
        };
        let info = PartInfo {
            path: relative,
            rows,
            bytes,
            md5,
        };
        self.parts.push(info.clone());
        Ok(info)
    }

    /// Seals the last part and returns what was written.
    pub fn finish(mut self) -> Result<TaskOutput, EncodeError> {
        if self.open.is_some() {
            self.seal()?;
        }
        Ok(TaskOutput {
            task: self.task.name().to_string(),
            load_type: self.task.default_load_type().as_str().to_string(),
            rows: self.rows,
            parts: self.parts,
        })
    }
}

fn io_err(path: &Path, source: std::io::Error) -> EncodeError {
    EncodeError::Io {
        path: path.display().to_string(),
        source,
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// One line of `rejects.jsonl`.
#[derive(Debug, Clone, Copy)]
pub struct RejectLine<'a> {
    /// The input.
    pub file: &'a str,
    /// 1-based line where the record starts, if known.
    pub line: Option<u64>,
    /// 0-based record index within the input.
    pub record: u64,
    /// Byte offset in the decompressed input.
    pub offset: u64,
    /// The stable reject code.
    pub code: &'a str,
    /// Detail for a person.
    pub detail: &'a str,
    /// The first characters of the raw record.
    pub excerpt: &'a str,
}

impl RejectLine<'_> {
    /// Appends the reject's line of `rejects.jsonl` (a JSON object and `\n`) to `out`.
    pub fn render(&self, out: &mut Vec<u8>) {
        use crate::ndjson::write_str;
        out.extend_from_slice(b"{\"file\":");
        write_str(self.file, out);
        // Writing into a Vec cannot fail.
        if let Some(line) = self.line {
            let _ = write!(out, ",\"line\":{line}");
        }
        let _ = write!(out, ",\"record\":{},\"offset\":{}", self.record, self.offset);
        out.extend_from_slice(b",\"code\":");
        write_str(self.code, out);
        out.extend_from_slice(b",\"detail\":");
        write_str(self.detail, out);
        out.extend_from_slice(b",\"excerpt\":");
        write_str(self.excerpt, out);
        out.extend_from_slice(b"}\n");
    }
}

/// Writes `DIR/rejects.jsonl`: one JSON object per rejected record.
pub struct RejectWriter {
    path: PathBuf,
    out: BufWriter<File>,
    line: Vec<u8>,
    count: u64,
}

impl RejectWriter {
    /// Creates (or truncates) `DIR/rejects.jsonl`.
    pub fn create(out_dir: &Path) -> Result<Self, EncodeError> {
        let path = out_dir.join("rejects.jsonl");
        let file = File::create(&path).map_err(|source| io_err(&path, source))?;
        Ok(RejectWriter {
            path,
            out: BufWriter::new(file),
            line: Vec::new(),
            count: 0,
        })
    }

    /// Appends one reject.
    pub fn write(&mut self, reject: &RejectLine<'_>) -> Result<(), EncodeError> {
        self.line.clear();
        reject.render(&mut self.line);
        self.out
            .write_all(&self.line)
            .map_err(|source| io_err(&self.path, source))?;
        self.count += 1;
        Ok(())
    }

    /// Appends `count` rejects rendered elsewhere with [`RejectLine::render`] (in parallel, say), `lines` being
    /// their lines end to end.
    pub fn write_rendered(&mut self, lines: &[u8], count: u64) -> Result<(), EncodeError> {
        self.out
            .write_all(lines)
            .map_err(|source| io_err(&self.path, source))?;
        self.count += count;
        Ok(())
    }

    /// Rejects written.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Flushes and syncs the file.
    pub fn finish(mut self) -> Result<u64, EncodeError> {
        self.out.flush().map_err(|source| io_err(&self.path, source))?;
        self.out
            .get_ref()
            .sync_all()
            .map_err(|source| io_err(&self.path, source))?;
        Ok(self.count)
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    fn line(i: usize) -> Vec<u8> {
        // Varied content so gzip cannot shrink it to nothing.
        let mut x = (i as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let noise: String = (0..40)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                char::from(b'a' + (x % 26) as u8)
            })
            .collect();
        format!("{{\"uniqueId\":\"user{i}@example.com\",\"noise\":\"{noise}\"}}\n").into_bytes()
    }

    #[test]
    fn parts_stay_under_the_cap_and_hold_every_row_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let options = PartOptions {
            max_part_bytes: 20_000,
            gzip_level: 6,
        };
        let mut w = PartWriter::create(dir.path(), Task::SsoApplicationUsage, options).unwrap();
        for i in 0..5000 {
            w.write_line(&line(i)).unwrap();
        }
        let out = w.finish().unwrap();
        assert!(out.parts.len() > 3, "{} parts", out.parts.len());
        let mut all = Vec::new();
        for p in &out.parts {
            let bytes = fs::read(dir.path().join(&p.path)).unwrap();
            assert!(bytes.len() as u64 <= options.max_part_bytes);
            assert_eq!(bytes.len() as u64, p.bytes);
            assert_eq!(hex(&Md5::digest(&bytes)), p.md5);
            let mut text = Vec::new();
            flate2::read::GzDecoder::new(&bytes[..])
                .read_to_end(&mut text)
                .unwrap();
            assert_eq!(text.iter().filter(|&&b| b == b'\n').count() as u64, p.rows);
            all.extend(text);
        }
        let expected: Vec<u8> = (0..5000).flat_map(line).collect();
        assert_eq!(all, expected);
        assert!(
            out.parts[0].bytes > 15_000,
            "parts are filled, not cut early: {}",
            out.parts[0].bytes
        );
    }

    #[test]
    fn same_rows_give_byte_identical_parts_and_stale_parts_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let options = PartOptions {
            max_part_bytes: 8_000,
            gzip_level: 6,
        };
        let write = |n: usize| {
            let mut w = PartWriter::create(dir.path(), Task::SsoApplicationRoster, options).unwrap();
            for i in 0..n {
                w.write_line(&line(i)).unwrap();
            }
            w.finish().unwrap()
        };
        let first = write(2000);
        let second = write(2000);
        assert_eq!(first.parts, second.parts);
        let third = write(10);
        assert_eq!(third.parts.len(), 1);
        let left = fs::read_dir(dir.path().join("SsoApplicationRoster"))
            .unwrap()
            .count();
        assert_eq!(left, 1, "parts of earlier runs are gone");
    }

    fn read_part(path: &Path) -> Vec<u8> {
        let bytes = fs::read(path).unwrap();
        let mut text = Vec::new();
        // A strict single-member decoder: the part must be one valid gzip member.
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_end(&mut text)
            .unwrap();
        text
    }

    #[test]
    fn segments_and_lines_mix_into_valid_parts_with_the_same_content() {
        // Parts held whole until sealed, written after every line or segment, or every few hundred bytes: the
        // same files.
        let files: Vec<Vec<Vec<u8>>> = [SPILL_BYTES, 1, 700]
            .into_iter()
            .map(segments_and_lines_mixed)
            .collect();
        assert_eq!(files[0], files[1]);
        assert_eq!(files[0], files[2]);
    }

    /// The parts of a mix of segments and lines, checked, written with `spill_at`.
    fn segments_and_lines_mixed(spill_at: usize) -> Vec<Vec<u8>> {
        let dir = tempfile::tempdir().unwrap();
        let options = PartOptions {
            max_part_bytes: 10_000,
            gzip_level: 6,
        };
        let mut w = PartWriter::create(dir.path(), Task::SsoApplicationUsage, options).unwrap();
        w.spill_at = spill_at;
        let mut expected = Vec::new();
        for chunk in 0..40 {
            let mut lines = Vec::new();
            let mut ends = Vec::new();
            for i in 0..(chunk * 7 % 50) {
                lines.extend(line(chunk * 1000 + i));
                ends.push(lines.len());
            }
            expected.extend_from_slice(&lines);
            if chunk % 3 == 0 {
                let mut start = 0;
                for &end in &ends {
                    w.write_line(&lines[start..end]).unwrap();
                    start = end;
                }
            } else {
                let segment = Segment::compress(&lines, ends.len() as u64, 6);
                w.write_segment(&segment, &lines, &ends).unwrap();
            }
        }
        let out = w.finish().unwrap();
        assert!(out.parts.len() > 2);
        let mut all = Vec::new();
        for p in &out.parts {
            assert!(p.bytes <= options.max_part_bytes);
            // The MD5 kept as the part grew is the file's.
            let bytes = fs::read(dir.path().join(&p.path)).unwrap();
            assert_eq!(hex(&Md5::digest(&bytes)), p.md5, "{}", p.path);
            let text = read_part(&dir.path().join(&p.path));
            assert_eq!(text.iter().filter(|&&b| b == b'\n').count() as u64, p.rows);
            all.extend(text);
        }
        assert_eq!(all, expected);
        assert_eq!(out.rows, expected.iter().filter(|&&b| b == b'\n').count() as u64);
        out.parts
            .iter()
            .map(|p| fs::read(dir.path().join(&p.path)).unwrap())
            .collect()
    }

    #[test]
    fn a_part_left_unfinished_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let mut w =
            PartWriter::create(dir.path(), Task::SsoApplicationUsage, PartOptions::default()).unwrap();
        w.spill_at = 1;
        for i in 0..100 {
            w.write_line(&line(i)).unwrap();
        }
        let task_dir = dir.path().join(Task::SsoApplicationUsage.name());
        let files = || fs::read_dir(&task_dir).unwrap().count();
        assert_eq!(files(), 1, "the open part is written as it grows");
        drop(w);
        assert_eq!(files(), 0);
    }

    #[test]
    fn a_segment_larger_than_a_part_is_cut_line_by_line() {
        let dir = tempfile::tempdir().unwrap();
        let options = PartOptions {
            max_part_bytes: 2_000,
            gzip_level: 6,
        };
        let mut w = PartWriter::create(dir.path(), Task::SsoApplicationUsage, options).unwrap();
        let mut lines = Vec::new();
        let mut ends = Vec::new();
        for i in 0..300 {
            lines.extend(line(i));
            ends.push(lines.len());
        }
        let segment = Segment::compress(&lines, 300, 6);
        assert!(segment.deflate.len() > 2_000);
        w.write_segment(&segment, &lines, &ends).unwrap();
        let out = w.finish().unwrap();
        let mut all = Vec::new();
        for p in &out.parts {
            assert!(p.bytes <= 2_000);
            all.extend(read_part(&dir.path().join(&p.path)));
        }
        assert_eq!(all, lines);
    }

    #[test]
    fn a_row_larger_than_the_cap_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let options = PartOptions {
            max_part_bytes: 100,
            gzip_level: 6,
        };
        let mut w = PartWriter::create(dir.path(), Task::SsoApplicationUsage, options).unwrap();
        assert!(matches!(
            w.write_line(&[b'x'; 200]),
            Err(EncodeError::RowTooLarge { .. })
        ));
        assert!(w.write_line(b"{}\n").is_ok());
    }

    #[test]
    fn rejects_written_one_by_one_or_rendered_elsewhere_give_the_same_file() {
        let rejects = [
            RejectLine {
                file: "a \"b\".ndjson",
                line: Some(18_446_744_073_709_551_615),
                record: 0,
                offset: 1234,
                code: "parse_error",
                detail: "not valid JSON (EOF)",
                excerpt: "{\"uuid\":\"\\x\u{1}",
            },
            RejectLine {
                file: "b.csv",
                line: None,
                record: 7,
                offset: 10,
                code: "missing_email",
                detail: "ünïcødé",
                excerpt: "",
            },
        ];
        let one = tempfile::tempdir().unwrap();
        let mut writer = RejectWriter::create(one.path()).unwrap();
        for r in &rejects {
            writer.write(r).unwrap();
        }
        assert_eq!(writer.finish().unwrap(), 2);
        let two = tempfile::tempdir().unwrap();
        let mut writer = RejectWriter::create(two.path()).unwrap();
        let mut lines = Vec::new();
        rejects.iter().for_each(|r| r.render(&mut lines));
        writer.write_rendered(&lines, 2).unwrap();
        assert_eq!(writer.finish().unwrap(), 2);
        let text = fs::read_to_string(one.path().join("rejects.jsonl")).unwrap();
        assert_eq!(
            text,
            fs::read_to_string(two.path().join("rejects.jsonl")).unwrap()
        );
        let parsed: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(parsed[0]["file"], "a \"b\".ndjson");
        assert_eq!(parsed[0]["line"], 18_446_744_073_709_551_615_u64);
        assert_eq!(parsed[0]["offset"], 1234);
        assert_eq!(parsed[0]["excerpt"], "{\"uuid\":\"\\x\u{1}");
        assert_eq!(parsed[1].get("line"), None);
        assert_eq!(parsed[1]["record"], 7);
        assert_eq!(parsed[1]["detail"], "ünïcødé");
    }
}
