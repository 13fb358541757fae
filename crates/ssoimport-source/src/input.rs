//! Inputs: files, directories and standard input, plain or compressed (gzip or zstd, found by their magic
//! bytes, not by the file name), UTF-8 or UTF-16 (found by its byte-order mark, and read as UTF-8).

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::SourceError;
use crate::utf16::{ByteOrder, Utf16Decoder};

/// Bytes of decompressed input kept to sniff its format.
pub const HEAD_BYTES: usize = 64 << 10;
/// The buffer an input is read through (and a compressed input decompressed from).
const READ_BUFFER: usize = 1 << 20;
/// The smallest such buffer, for the smallest files.
const MIN_READ_BUFFER: usize = 8 << 10;

/// One input to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    /// The name used in rejects and the manifest: the path as given, or `-` for standard input.
    pub name: Arc<str>,
    /// Where the bytes come from.
    pub location: Location,
    /// Size on disk in bytes, for a regular file (for progress, and to size its read buffer).
    pub size: Option<u64>,
}

/// Where an input's bytes come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// Standard input.
    Stdin,
    /// A file.
    File(PathBuf),
}

/// Compression of an input, found by its magic bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// Plain bytes.
    None,
    /// gzip (one or more members).
    Gzip,
    /// Zstandard (one or more frames).
    Zstd,
}

impl Compression {
    /// Sniffs the compression from the first bytes of a stream.
    pub fn sniff(head: &[u8]) -> Compression {
        match head {
            [0x1f, 0x8b, ..] => Compression::Gzip,
            [0x28, 0xb5, 0x2f, 0xfd, ..] => Compression::Zstd,
            _ => Compression::None,
        }
    }
}

/// Expands the paths given on the command line into inputs: `-` is standard input, a directory stands for the
/// files under it (recursively, sorted by path, hidden files skipped), anything else must be a readable file.
pub fn expand_inputs<P: AsRef<Path>>(paths: &[P]) -> Result<Vec<Input>, SourceError> {
    expand(paths, None)
}

/// [`expand_inputs`] for a conversion writing into `out_dir`: where `out_dir` lies inside a directory given, its
/// files (the parts, rejects and manifest of an earlier run) are left out of the walk, so that the same command
/// run again reads the same inputs. A directory given that is `out_dir` or lies inside it is an error
/// ([`SourceError::InputInOutput`]): nothing in it could be told from output.
pub fn expand_inputs_outside<P: AsRef<Path>>(paths: &[P], out_dir: &Path) -> Result<Vec<Input>, SourceError> {
    // A directory not made yet holds nothing to leave out.
    let out = std::fs::canonicalize(out_dir).ok();
    expand(paths, out.as_deref().map(|canonical| (out_dir, canonical)))
}

/// `out`: the output directory as given and canonical.
fn expand<P: AsRef<Path>>(paths: &[P], out: Option<(&Path, &Path)>) -> Result<Vec<Input>, SourceError> {
    let mut inputs = Vec::new();
    for path in paths {
        let path = path.as_ref();
        if path.as_os_str() == "-" {
            inputs.push(Input {
                name: "-".into(),
                location: Location::Stdin,
                size: None,
            });
            continue;
        }
        let meta = std::fs::metadata(path).map_err(|source| SourceError::Open {
            file: path.display().to_string(),
            source,
        })?;
        if meta.is_dir() {
            if let Some((given, canonical)) = out
                && std::fs::canonicalize(path).is_ok_and(|dir| dir.starts_with(canonical))
            {
                return Err(SourceError::InputInOutput {
                    dir: path.display().to_string(),
                    out: given.display().to_string(),
                });
            }
            let mut files = Vec::new();
            walk(path, out.map(|(_, canonical)| canonical), &mut files)?;
            if files.is_empty() {
                return Err(SourceError::EmptyDirectory {
                    dir: path.display().to_string(),
                });
            }
            files.sort();
            for file in files {
                let size = std::fs::metadata(&file).ok().and_then(|m| regular_size(&m));
                inputs.push(Input {
                    name: file.display().to_string().into(),
                    location: Location::File(file),
                    size,
                });
            }
        } else {
            inputs.push(Input {
                name: path.display().to_string().into(),
                location: Location::File(path.to_path_buf()),
                size: regular_size(&meta),
            });
        }
    }
    Ok(inputs)
}

/// The size of a regular file; `None` for a pipe or device (`<(zcat export.gz)`), whose length says nothing.
fn regular_size(meta: &std::fs::Metadata) -> Option<u64> {
    meta.is_file().then_some(meta.len())
}

/// Collects the files under `dir`, leaving out hidden entries and the directory `skip` (canonical).
fn walk(dir: &Path, skip: Option<&Path>, out: &mut Vec<PathBuf>) -> Result<(), SourceError> {
    let entries = std::fs::read_dir(dir).map_err(|source| SourceError::Open {
        file: dir.display().to_string(),
        source,
    })?;
    for entry in entries {
        let entry = entry.map_err(|source| SourceError::Open {
            file: dir.display().to_string(),
            source,
        })?;
        let path = entry.path();
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        if path.is_dir() {
            if skip.is_some_and(|skip| std::fs::canonicalize(&path).is_ok_and(|p| p == skip)) {
                continue;
            }
            walk(&path, skip, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

/// An opened input: its decompressed bytes, the first of which are already in `head`.
pub struct Opened {
    /// The decompressed stream after `head`.
    pub reader: Box<dyn Read + Send>,
    /// The first bytes of the decompressed stream (up to [`HEAD_BYTES`]).
    pub head: Vec<u8>,
    /// The compression found.
    pub compression: Compression,
    /// The byte order of UTF-16 text (found by its byte-order mark), which `reader` and `head` give as UTF-8;
    /// `None` for any other input.
    pub utf16: Option<ByteOrder>,
}

/// Opens an input, sniffs and undoes its compression, and reads its first bytes. `progress`, if given, is
/// advanced by the raw (compressed) bytes read.
pub fn open_input(input: &Input, progress: Option<Arc<AtomicU64>>) -> Result<Opened, SourceError> {
    let raw: Box<dyn Read + Send> = match &input.location {
        Location::Stdin => Box::new(io::stdin()),
        Location::File(path) => {
            let file = File::open(path).map_err(|source| SourceError::Open {
                file: input.name.to_string(),
                source,
            })?;
            Box::new(ShrinkCheck::new(file))
        }
    };
    let raw: Box<dyn Read + Send> = match progress {
        Some(counter) => Box::new(Counting { inner: raw, counter }),
        None => raw,
    };
    let mut buffered = BufReader::with_capacity(read_buffer(input.size), raw);
    let magic = buffered
        .fill_buf()
        .map_err(|source| read_error(input, 0, source))?;
    let compression = Compression::sniff(magic);
    let mut reader: Box<dyn Read + Send> = match compression {
        // The chunker reads into its own buffers, some reads shorter than this buffer's size: through the
        // buffer, those would copy every byte once more. What it holds is read first.
        Compression::None => {
            let held = buffered.buffer().to_vec();
            Box::new(io::Cursor::new(held).chain(buffered.into_inner()))
        }
        Compression::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(buffered)),
        Compression::Zstd => Box::new(
            zstd::stream::read::Decoder::with_buffer(buffered)
                .map_err(|source| read_error(input, 0, source))?,
        ),
    };
    let mut head = read_head(&mut reader);
    let utf16 = ByteOrder::sniff(&head);
    if let Some(order) = utf16 {
        reader = Box::new(Utf16Decoder::new(io::Cursor::new(head).chain(reader), order));
        head = read_head(&mut reader);
    }
    Ok(Opened {
        reader,
        head,
        compression,
        utf16,
    })
}

/// The first [`HEAD_BYTES`] of `reader`, or those before an error.
fn read_head(reader: &mut Box<dyn Read + Send>) -> Vec<u8> {
    let mut head = Vec::with_capacity(HEAD_BYTES);
    let read = reader.take(HEAD_BYTES as u64).read_to_end(&mut head);
    if let Err(e) = read {
        // A stream that breaks within its first HEAD_BYTES (a truncated .gz or .zst of a small export) still
        // gives the records before the break: the error is handed on to the first read after the head, so that
        // the chunker reports it at its true offset after those records, and flags the record it cut.
        *reader = Box::new(Broken(Some(e)));
    }
    head
}

/// The size of the buffer an input of `size` bytes (if known) is read through. Its first fill zeroes all of it
/// (the readers here cannot fill a buffer left uninitialised): a small file gets a buffer its size, not a
/// megabyte to zero for a few kilobytes, which was half the cost of converting a directory of small exports.
fn read_buffer(size: Option<u64>) -> usize {
    size.map_or(READ_BUFFER, |size| {
        usize::try_from(size)
            .unwrap_or(READ_BUFFER)
            .clamp(MIN_READ_BUFFER, READ_BUFFER)
    })
}

fn read_error(input: &Input, offset: u64, source: io::Error) -> SourceError {
    SourceError::Read {
        file: input.name.to_string(),
        offset,
        source,
    }
}

/// A stream whose next read fails with the error it holds (once; then it is at its end).
struct Broken(Option<io::Error>);

impl Read for Broken {
    fn read(&mut self, _buf: &mut [u8]) -> io::Result<usize> {
        match self.0.take() {
            Some(e) => Err(e),
            None => Ok(0),
        }
    }
}

/// A file that reports, rather than hides, being cut short while it is read: if it ends before the length it had
/// when opened (another process truncated or rewrote it), the end is a read error, so the records read so far are
/// kept, the one cut is flagged truncated, and the run fails instead of quietly converting part of the export.
/// A file that grows is read to its new end; one that is deleted while open is read whole (its data lives on).
struct ShrinkCheck {
    file: File,
    /// Length when opened; `None` when it could not be read (then nothing is checked).
    opened_len: Option<u64>,
    read: u64,
}

impl ShrinkCheck {
    fn new(file: File) -> Self {
        let opened_len = file.metadata().ok().filter(|m| m.is_file()).map(|m| m.len());
        ShrinkCheck {
            file,
            opened_len,
            read: 0,
        }
    }
}

impl Read for ShrinkCheck {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.file.read(buf)?;
        self.read += n as u64;
        match self.opened_len {
            Some(len) if n == 0 && !buf.is_empty() && self.read < len => {
                self.opened_len = None;
                Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!(
                        "the file ended after {} of the {len} bytes it had when opened (it was truncated or \
                         replaced while being read); convert it again once it is complete",
                        self.read
                    ),
                ))
            }
            _ => Ok(n),
        }
    }
}

struct Counting {
    inner: Box<dyn Read + Send>,
    counter: Arc<AtomicU64>,
}

impl Read for Counting {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.counter.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn gzip_and_zstd_are_undone_by_their_magic() {
        let dir = tempdir();
        let text = b"a,b\n1,2\n".repeat(1000);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(&text).unwrap();
        std::fs::write(dir.join("x.csv.gz"), gz.finish().unwrap()).unwrap();
        std::fs::write(dir.join("y.bin"), zstd::encode_all(&text[..], 3).unwrap()).unwrap();
        std::fs::write(dir.join("z.csv"), &text).unwrap();
        std::fs::write(dir.join(".hidden"), b"ignored").unwrap();
        let inputs = expand_inputs(&[&dir]).unwrap();
        assert_eq!(inputs.len(), 3);
        let mut found = Vec::new();
        for input in &inputs {
            let mut opened = open_input(input, None).unwrap();
            let mut all = opened.head.clone();
            opened.reader.read_to_end(&mut all).unwrap();
            assert_eq!(all, text, "{}", input.name);
            found.push(opened.compression);
        }
        assert_eq!(found, [Compression::Gzip, Compression::Zstd, Compression::None]);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_stream_cut_within_the_head_keeps_the_records_before_the_cut() {
        // A gzip and a zstd file cut in half, whose whole text is smaller than HEAD_BYTES: opening used to fail
        // "at byte 0" and lose every record; now the records before the cut are read, the cut one is flagged
        // truncated, and the read error follows with its offset.
        use crate::chunk::{ChunkAssembler, ChunkOptions, Chunker, SpanFlaw};
        use crate::framing::LineFramer;
        let dir = std::env::temp_dir().join(format!("ssoimport-source-cut-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let text: Vec<u8> = (0..1200)
            .flat_map(|i| format!("user{i}@example.com,App {},{}\n", i % 7, i * 7919).into_bytes())
            .collect();
        assert!(text.len() < HEAD_BYTES);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(&text).unwrap();
        let gz = gz.finish().unwrap();
        // zstd decodes whole blocks (up to 128 KiB): flushed every 4 KiB, as a streaming writer does, the frame
        // is made of small blocks, so a cut leaves some of them whole.
        let mut zst = zstd::stream::write::Encoder::new(Vec::new(), 3).unwrap();
        for piece in text.chunks(4096) {
            zst.write_all(piece).unwrap();
            zst.flush().unwrap();
        }
        let zst = zst.finish().unwrap();
        for (name, bytes) in [("cut.csv.gz", gz), ("cut.csv.zst", zst)] {
            let path = dir.join(name);
            std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
            let input = Input {
                name: name.into(),
                location: Location::File(path),
                size: None,
            };
            let opened = open_input(&input, None).expect("opening a cut stream succeeds");
            assert!(
                !opened.head.is_empty(),
                "{name}: the bytes before the cut are kept"
            );
            let assembler = ChunkAssembler::new(
                input.name.clone(),
                Box::new(LineFramer::default()),
                ChunkOptions::default(),
            );
            let mut chunker = Chunker::new(opened.reader, &opened.head, assembler);
            let chunk = chunker.next_chunk().unwrap().expect("records before the cut");
            let (last, whole) = chunk.records.split_last().unwrap();
            assert!(whole.len() > 100, "{name}: {} whole records", whole.len());
            assert!(whole.iter().all(|r| r.flaw.is_none()));
            assert!(
                matches!(last.flaw, Some(SpanFlaw::Truncated(_))),
                "{name}: {last:?}"
            );
            match chunker.next_chunk() {
                Err(SourceError::Read { offset, .. }) => assert_eq!(offset, opened.head.len() as u64),
                other => panic!("{name}: expected the read error, got {other:?}"),
            }
        }
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_file_cut_short_while_read_is_a_read_error_after_the_records_before_the_cut() {
        use crate::chunk::{ChunkAssembler, ChunkOptions, Chunker, SpanFlaw};
        use crate::framing::LineFramer;
        let dir = std::env::temp_dir().join(format!("ssoimport-source-shrink-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("export.csv");
        // Larger than the 1 MiB the opener buffers, so the cut lands in bytes not yet read.
        let text: Vec<u8> = (0..200_000)
            .flat_map(|i| format!("user{i}@example.com,App {}\n", i % 7).into_bytes())
            .collect();
        std::fs::write(&path, &text).unwrap();
        let input = Input {
            name: "export.csv".into(),
            location: Location::File(path.clone()),
            size: None,
        };
        let opened = open_input(&input, None).unwrap();
        let cut = 3_000_001u64;
        assert!(cut < text.len() as u64 && text[cut as usize - 1] != b'\n');
        File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_len(cut)
            .unwrap();
        let assembler = ChunkAssembler::new(
            input.name.clone(),
            Box::new(LineFramer::default()),
            ChunkOptions::default(),
        );
        let mut chunker = Chunker::new(opened.reader, &opened.head, assembler);
        let mut whole = 0usize;
        let mut truncated = 0usize;
        let error = loop {
            match chunker.next_chunk() {
                Ok(Some(chunk)) => {
                    for record in &chunk.records {
                        match record.flaw {
                            None => whole += 1,
                            Some(SpanFlaw::Truncated(_)) => truncated += 1,
                            Some(ref other) => panic!("unexpected flaw {other:?}"),
                        }
                    }
                }
                Ok(None) => panic!("a file cut short must not read as complete"),
                Err(e) => break e,
            }
        };
        let lines_before_cut = text[..cut as usize].iter().filter(|&&b| b == b'\n').count();
        assert_eq!((whole, truncated), (lines_before_cut, 1));
        match error {
            SourceError::Read { offset, source, .. } => {
                assert_eq!(offset, cut);
                assert!(source.to_string().contains("when opened"), "{source}");
            }
            other => panic!("expected a read error, got {other:?}"),
        }
        // A file that grows while read is simply read to its new end.
        std::fs::write(&path, b"a\nb\n").unwrap();
        let mut opened = open_input(&input, None).unwrap();
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"c\n")
            .unwrap();
        let mut rest = Vec::new();
        opened.reader.read_to_end(&mut rest).unwrap();
        assert_eq!([opened.head, rest].concat(), b"a\nb\nc\n");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_missing_file_is_an_open_error_naming_it() {
        let err = expand_inputs(&["/nonexistent/export.csv"]).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/export.csv"), "{err}");
    }

    fn tempdir() -> PathBuf {
        tempdir_named("input")
    }

    /// A fresh directory of this process: tests run in parallel, each with a name of its own.
    fn tempdir_named(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("ssoimport-source-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn names(inputs: &[Input]) -> Vec<String> {
        inputs.iter().map(|i| i.name.to_string()).collect()
    }

    #[test]
    fn utf16_text_is_read_as_utf8_under_its_compression() {
        let dir = tempdir_named("utf16");
        let text = "{\"user\":\"zoë@example.com\"}\n".repeat(5_000);
        let utf16: Vec<u8> = std::iter::once(0xfeffu16)
            .chain(text.encode_utf16())
            .flat_map(u16::to_le_bytes)
            .collect();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(&utf16).unwrap();
        std::fs::write(dir.join("a.json"), &utf16).unwrap();
        std::fs::write(dir.join("b.json.gz"), gz.finish().unwrap()).unwrap();
        std::fs::write(dir.join("c.json"), text.as_bytes()).unwrap();
        let mut found = Vec::new();
        for input in expand_inputs(&[&dir]).unwrap() {
            let mut opened = open_input(&input, None).unwrap();
            // The head is text already: the readers sniff the format from it.
            assert!(opened.head.starts_with(b"{\"user\""), "{}", input.name);
            assert_eq!(opened.head.len(), HEAD_BYTES, "{}", input.name);
            let mut all = opened.head.clone();
            opened.reader.read_to_end(&mut all).unwrap();
            assert_eq!(all, text.as_bytes(), "{}", input.name);
            found.push((opened.compression, opened.utf16));
        }
        assert_eq!(
            found,
            [
                (Compression::None, Some(ByteOrder::Little)),
                (Compression::Gzip, Some(ByteOrder::Little)),
                (Compression::None, None),
            ]
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn a_pipe_or_device_named_as_an_input_has_no_size() {
        // `<(zcat export.gz)` names a pipe, `/dev/stdin` a device: their length (0) is no size, and must not shrink
        // the read buffer.
        let inputs = expand_inputs(&["/dev/null"]).unwrap();
        assert_eq!(inputs[0].size, None);
        assert_eq!(read_buffer(inputs[0].size), READ_BUFFER);
    }

    #[test]
    fn a_file_is_read_through_a_buffer_no_larger_than_it() {
        assert_eq!(read_buffer(Some(48_000)), 48_000);
        assert_eq!(read_buffer(Some(0)), MIN_READ_BUFFER);
        assert_eq!(read_buffer(Some(10 << 30)), READ_BUFFER);
        // Standard input: its size is not known.
        assert_eq!(read_buffer(None), READ_BUFFER);
        // Small files, plain and gzipped, read whole through their small buffers.
        let dir = tempdir_named("small");
        let text = b"{\"a\":1}\n".repeat(5_000);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(&text).unwrap();
        std::fs::write(dir.join("a.ndjson"), &text).unwrap();
        std::fs::write(dir.join("b.ndjson.gz"), gz.finish().unwrap()).unwrap();
        for input in expand_inputs(&[&dir]).unwrap() {
            assert!(read_buffer(input.size) <= text.len(), "{}", input.name);
            let mut opened = open_input(&input, None).unwrap();
            let mut all = opened.head.clone();
            opened.reader.read_to_end(&mut all).unwrap();
            assert_eq!(all, text, "{}", input.name);
        }
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn an_output_directory_inside_an_input_directory_is_left_out() {
        let dir = tempdir_named("outside");
        let exports = dir.join("exports");
        let out = exports.join("out");
        std::fs::create_dir_all(out.join("SsoApplicationUsage")).unwrap();
        std::fs::create_dir_all(exports.join("more")).unwrap();
        std::fs::write(exports.join("a.ndjson"), b"{}\n").unwrap();
        std::fs::write(exports.join("more/b.ndjson"), b"{}\n").unwrap();
        std::fs::write(out.join("rejects.jsonl"), b"{}\n").unwrap();
        std::fs::write(out.join("SsoApplicationUsage/part-00000.jsonl.gz"), b"x").unwrap();
        let expected = vec![
            exports.join("a.ndjson").display().to_string(),
            exports.join("more/b.ndjson").display().to_string(),
        ];
        assert_eq!(
            names(&expand_inputs_outside(&[&exports], &out).unwrap()),
            expected
        );
        // Found however the output directory is spelt.
        let roundabout = exports.join("more/../out");
        assert_eq!(
            names(&expand_inputs_outside(&[&exports], &roundabout).unwrap()),
            expected
        );
        // Without an output directory (or one not made yet), every file is an input.
        assert_eq!(expand_inputs(&[&exports]).unwrap().len(), 4);
        assert_eq!(
            expand_inputs_outside(&[&exports], &dir.join("new"))
                .unwrap()
                .len(),
            4
        );
        // A file named on its own is read wherever it is.
        let named = out.join("rejects.jsonl");
        assert_eq!(expand_inputs_outside(&[&named], &out).unwrap().len(), 1);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn an_input_directory_inside_the_output_directory_is_refused() {
        let dir = tempdir_named("inside");
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        std::fs::write(dir.join("sub/a.ndjson"), b"{}\n").unwrap();
        for input in [dir.clone(), dir.join("sub")] {
            let err = expand_inputs_outside(&[&input], &dir).unwrap_err();
            assert!(
                matches!(&err, SourceError::InputInOutput { dir: d, .. } if *d == input.display().to_string()),
                "{err}"
            );
            assert!(
                err.to_string()
                    .contains("give --out a directory outside the inputs"),
                "{err}"
            );
        }
        std::fs::remove_dir_all(dir).unwrap();
    }
}
