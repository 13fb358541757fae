//! Size-capped gzip parts of one task, and the rejects file.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use flate2::Compression;
use flate2::write::GzEncoder;
use md5::{Digest, Md5};
use ssoimport_schema::Task;

use crate::EncodeError;
use crate::manifest::{PartInfo, TaskOutput};

/// Options of the parts of a task.
#[derive(Debug, Clone, Copy)]
pub struct PartOptions {
    /// Largest compressed size of a part, in bytes. Flexera's standard hosts take at most 10 MB per file.
    pub max_part_bytes: u64,
    /// gzip level, 0 (none) to 9 (smallest).
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

/// Bytes a gzip stream can add on finishing: the final deflate block and the 8-byte trailer, generously.
const FINISH_OVERHEAD: u64 = 64;

/// An upper bound of the compressed size of `n` bytes not yet flushed (zlib's `deflateBound`, generously).
fn pending_bound(n: u64) -> u64 {
    n + (n >> 12) + (n >> 14) + 16
}

struct OpenPart {
    encoder: GzEncoder<Vec<u8>>,
    rows: u64,
    /// Uncompressed bytes written since the last flush.
    pending: u64,
}

/// Writes the NDJSON lines of one task into `DIR/<Task>/part-NNNNN.jsonl.gz`, each at most
/// `max_part_bytes` compressed. Parts are written to a temporary name and renamed once sealed.
pub struct PartWriter {
    out_dir: PathBuf,
    task: Task,
    options: PartOptions,
    open: Option<OpenPart>,
    parts: Vec<PartInfo>,
    rows: u64,
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
        })
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

    /// Writes one NDJSON line (with its `\n`). Returns the part just sealed to make room, if any.
    pub fn write_line(&mut self, line: &[u8]) -> Result<Option<PartInfo>, EncodeError> {
        let cap = self.options.max_part_bytes;
        let len = line.len() as u64;
        let mut sealed = None;
        if let Some(part) = &mut self.open {
            let fits = |p: &OpenPart| {
                p.encoder.get_ref().len() as u64 + pending_bound(p.pending + len) + FINISH_OVERHEAD <= cap
            };
            if !fits(part) {
                // Learn the true compressed size before deciding; this happens only near the end of a part.
                part.encoder
                    .flush()
                    .map_err(|source| io_err(&self.out_dir, source))?;
                part.pending = 0;
                if !fits(part) {
                    sealed = Some(self.seal()?);
                }
            }
        }
        if self.open.is_none() {
            if 10 + pending_bound(len) + FINISH_OVERHEAD > cap {
                return Err(EncodeError::RowTooLarge {
                    bytes: line.len(),
                    cap,
                });
            }
            self.open = Some(OpenPart {
                encoder: GzEncoder::new(
                    Vec::with_capacity(1 << 20),
                    Compression::new(self.options.gzip_level),
                ),
                rows: 0,
                pending: 0,
            });
        }
        let part = self.open.as_mut().expect("opened above");
        part.encoder
            .write_all(line)
            .map_err(|source| io_err(&self.out_dir, source))?;
        part.pending += len;
        part.rows += 1;
        self.rows += 1;
        Ok(sealed)
    }

    fn seal(&mut self) -> Result<PartInfo, EncodeError> {
        let part = self.open.take().expect("a part is open");
        let bytes = part
            .encoder
            .finish()
            .map_err(|source| io_err(&self.out_dir, source))?;
        let index = self.parts.len();
        let relative = format!("{}/part-{index:05}.jsonl.gz", self.task.name());
        let path = self.out_dir.join(&relative);
        let tmp = path.with_extension("gz.tmp");
        write_durably(&tmp, &bytes)?;
        fs::rename(&tmp, &path).map_err(|source| io_err(&path, source))?;
        let md5 = hex(&Md5::digest(&bytes));
        let info = PartInfo {
            path: relative,
            rows: part.rows,
            bytes: bytes.len() as u64,
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

fn write_durably(path: &Path, bytes: &[u8]) -> Result<(), EncodeError> {
    let mut file = File::create(path).map_err(|source| io_err(path, source))?;
    file.write_all(bytes).map_err(|source| io_err(path, source))?;
    file.sync_all().map_err(|source| io_err(path, source))
}

fn io_err(path: &Path, source: std::io::Error) -> EncodeError {
    EncodeError::Io {
        path: path.display().to_string(),
        source,
    }
}

fn hex(bytes: &[u8]) -> String {
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
        use crate::ndjson::write_str;
        let l = &mut self.line;
        l.clear();
        l.extend_from_slice(b"{\"file\":");
        write_str(reject.file, l);
        if let Some(line) = reject.line {
            l.extend_from_slice(format!(",\"line\":{line}").as_bytes());
        }
        l.extend_from_slice(
            format!(
                ",\"record\":{},\"offset\":{},\"code\":",
                reject.record, reject.offset
            )
            .as_bytes(),
        );
        write_str(reject.code, l);
        l.extend_from_slice(b",\"detail\":");
        write_str(reject.detail, l);
        l.extend_from_slice(b",\"excerpt\":");
        write_str(reject.excerpt, l);
        l.extend_from_slice(b"}\n");
        self.out
            .write_all(l)
            .map_err(|source| io_err(&self.path, source))?;
        self.count += 1;
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
}
