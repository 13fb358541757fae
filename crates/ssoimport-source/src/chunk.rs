//! Cutting a framed byte stream into chunks of whole records that can be parsed independently, in parallel.

use std::io::Read;
use std::sync::{Arc, Mutex};

use crate::SourceError;
use crate::framing::{Framer, Step};

/// Bytes of an oversized record kept for its reject's excerpt.
const OVERSIZED_EXCERPT: usize = 512;
/// Bytes asked of the reader at a time.
const READ_BLOCK: usize = 1 << 20;
/// Bytes asked of the reader past a chunk's size. Reads stop this far past it, as the bytes after a chunk's cut
/// are copied into the next chunk's buffer: whole blocks read past it moved about an eighth of the input twice.
const TAIL_READ: usize = 64 << 10;
/// The room an input's first buffer starts from (the head read to sniff the input is about as long).
const FIRST_ROOM: usize = 64 << 10;
/// The most room given a new chunk's buffer at once (chunks may be unbounded, as when a whole file is one
/// chunk; such a buffer grows as it fills).
const CHUNK_ROOM_LIMIT: usize = 16 << 20;

/// Options of the [`ChunkAssembler`].
#[derive(Debug, Clone, Copy)]
pub struct ChunkOptions {
    /// A chunk is cut once it holds at least this many bytes of whole records.
    pub chunk_bytes: usize,
    /// A record longer than this is not kept: it becomes a `record_too_large` reject and reading goes on.
    pub max_record_bytes: usize,
}

impl Default for ChunkOptions {
    fn default() -> Self {
        ChunkOptions {
            chunk_bytes: 4 << 20,
            max_record_bytes: 1 << 20,
        }
    }
}

/// Something wrong with a record that the framing itself saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpanFlaw {
    /// Longer than `max_record_bytes`; only its first bytes were kept.
    TooLarge,
    /// The input ended (or broke) in the middle of the record.
    Truncated(&'static str),
}

/// Where one record lies in a [`Chunk`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordSpan {
    /// Start of the record's kept bytes in [`Chunk::data`].
    pub start: usize,
    /// Number of bytes kept in [`Chunk::data`] (less than `length` for an oversized record).
    pub kept: usize,
    /// The record's true length in the input.
    pub length: u64,
    /// 0-based index of the record within its input.
    pub index: u64,
    /// 1-based line on which the record starts.
    pub line: u64,
    /// A problem the framing found, if any.
    pub flaw: Option<SpanFlaw>,
}

/// A run of whole records from one input.
#[derive(Debug, Clone)]
pub struct Chunk {
    /// Name of the input (its path, or `-` for standard input).
    pub file: Arc<str>,
    /// 0-based position of the chunk within its input.
    pub seq: u64,
    /// Offset of `data[0]` within the decompressed input.
    pub base_offset: u64,
    /// The bytes; records lie where `records` says, gaps between them are ignored.
    pub data: Vec<u8>,
    /// The records, in input order.
    pub records: Vec<RecordSpan>,
    /// Where `data` goes back when the chunk is dropped, for the assembler to read into again.
    spare: Option<Spare>,
}

/// Buffers of dropped chunks, kept for the next chunks of their input: reading into memory already mapped and
/// zeroed spares the allocator's zeroing and the page faults of a fresh buffer per chunk.
type Spare = Arc<Mutex<Vec<Vec<u8>>>>;

/// Buffers kept at most (chunks in flight are bounded by the pipeline; this only caps what waits here).
const SPARE_BUFFERS: usize = 8;

impl Drop for Chunk {
    fn drop(&mut self) {
        if let Some(spare) = &self.spare
            && let Ok(mut buffers) = spare.lock()
            && buffers.len() < SPARE_BUFFERS
        {
            buffers.push(std::mem::take(&mut self.data));
        }
    }
}

impl Chunk {
    /// The kept bytes of a record.
    pub fn bytes(&self, span: &RecordSpan) -> &[u8] {
        &self.data[span.start..span.start + span.kept]
    }

    /// Offset of a record within the decompressed input.
    pub fn offset(&self, span: &RecordSpan) -> u64 {
        self.base_offset + span.start as u64
    }
}

/// Turns pushed bytes into [`Chunk`]s of whole records, whatever the split of the pushes.
pub struct ChunkAssembler {
    framer: Box<dyn Framer>,
    options: ChunkOptions,
    file: Arc<str>,
    /// Input bytes from `buf_offset` on, in `buf[..filled]`; the rest of `buf` is room for reads (initialised,
    /// its contents meaningless).
    buf: Vec<u8>,
    filled: usize,
    /// Buffers of this input's dropped chunks.
    spare: Spare,
    /// Bytes of `buf` already scanned by the framer.
    scanned: usize,
    /// Offset of `buf[0]` in the input.
    buf_offset: u64,
    records: Vec<RecordSpan>,
    open: Option<OpenRecord>,
    newlines: u64,
    next_index: u64,
    next_seq: u64,
}

struct OpenRecord {
    start: usize,
    length: u64,
    line: u64,
    oversized: bool,
}

impl ChunkAssembler {
    /// An assembler for one input.
    pub fn new(file: Arc<str>, framer: Box<dyn Framer>, options: ChunkOptions) -> Self {
        ChunkAssembler {
            framer,
            options,
            file,
            buf: Vec::new(),
            filled: 0,
            spare: Spare::default(),
            scanned: 0,
            buf_offset: 0,
            records: Vec::new(),
            open: None,
            newlines: 0,
            next_index: 0,
            next_seq: 0,
        }
    }

    /// Appends input bytes and frames them.
    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.truncate(self.filled);
        self.buf.extend_from_slice(bytes);
        self.filled = self.buf.len();
        self.scan();
    }

    /// Reads up to a block from `reader` straight into the buffer and frames what came. The buffer is zeroed
    /// once per chunk (by the allocator, usually for free) and read into in place, so a byte read is not also
    /// copied through a scratch block; a read of a whole block also passes the input's `BufReader` by. Only an
    /// input's first buffer grows (doubling, its bytes moved a few times in all); the next ones get a chunk's
    /// room at once.
    fn read_from(&mut self, reader: &mut dyn Read) -> std::io::Result<usize> {
        let want = match self.options.chunk_bytes.saturating_sub(self.filled) {
            0 => TAIL_READ,
            short => short.saturating_add(TAIL_READ).min(READ_BLOCK),
        };
        let free = self.buf.len() - self.filled;
        // Room left over from the last read is read into first (a read that stopped short of its room may have
        // found the end: growing for the next would zero room for nothing).
        if free < want && free < FIRST_ROOM / 2 {
            let room = if self.buf.len() < self.room() {
                // The first buffer of an input doubles up to a chunk's room as the input proves that long: one of
                // many small files is not given a whole chunk's buffer to zero for a read that finds its end.
                (self.buf.len() * 2).clamp(FIRST_ROOM, self.room())
            } else {
                // A chunk larger than the room limit grows as it fills.
                self.filled + want
            };
            if room > self.buf.len() {
                self.buf.resize(room, 0);
            }
        }
        let want = want.min(self.buf.len() - self.filled);
        let result = reader.read(&mut self.buf[self.filled..self.filled + want]);
        let n = *result.as_ref().unwrap_or(&0);
        self.filled += n;
        self.scan();
        result
    }

    /// Room for a chunk and the read that ends past it.
    fn room(&self) -> usize {
        self.options.chunk_bytes.min(CHUNK_ROOM_LIMIT) + TAIL_READ
    }

    fn scan(&mut self) {
        while self.scanned < self.filled {
            let step = self.framer.scan(&self.buf[self.scanned..self.filled]);
            let (n, ends) = match step {
                // A record that ended with the bytes before: a JSON scalar's end is only seen at the byte after
                // it, which may come in the next push. Without this the record stayed open, and the rest of the
                // input was framed as its continuation.
                Step::End(0) if self.open.is_some() => {
                    self.close_open(None);
                    continue;
                }
                // A framer that takes nothing waits for more bytes.
                Step::Gap(0) | Step::Unwrap(0) | Step::Part(0) | Step::End(0) => break,
                Step::Gap(n) => {
                    self.newlines += count_newlines(&self.buf[self.scanned..self.scanned + n]);
                    self.scanned += n;
                    continue;
                }
                Step::Unwrap(n) => {
                    // The tentative record was an envelope: its bytes are a gap after all.
                    self.open = None;
                    self.newlines += count_newlines(&self.buf[self.scanned..self.scanned + n]);
                    self.scanned += n;
                    continue;
                }
                Step::Part(n) => (n, false),
                Step::End(n) => (n, true),
            };
            let open = self.open.get_or_insert(OpenRecord {
                start: self.scanned,
                length: 0,
                line: self.newlines + 1,
                oversized: false,
            });
            open.length += n as u64;
            self.newlines += self
                .framer
                .record_step_newlines()
                .unwrap_or_else(|| count_newlines(&self.buf[self.scanned..self.scanned + n]));
            self.scanned += n;
            if open.length > self.options.max_record_bytes as u64 {
                // Keep only an excerpt so that a single huge record cannot exhaust memory.
                open.oversized = true;
                let keep_to = open.start + OVERSIZED_EXCERPT;
                if self.scanned > keep_to {
                    // Only the bytes read move down, not the room after them.
                    self.buf.copy_within(self.scanned..self.filled, keep_to);
                    self.filled -= self.scanned - keep_to;
                    self.scanned = keep_to;
                }
            }
            if ends {
                self.close_open(None);
            }
        }
    }

    fn close_open(&mut self, truncated: Option<&'static str>) {
        let Some(open) = self.open.take() else { return };
        let kept = self.scanned - open.start;
        let flaw = match truncated {
            Some(why) => Some(SpanFlaw::Truncated(why)),
            None if open.oversized => Some(SpanFlaw::TooLarge),
            None => None,
        };
        self.records.push(RecordSpan {
            start: open.start,
            kept,
            length: open.length,
            index: self.next_index,
            line: open.line,
            flaw,
        });
        self.next_index += 1;
    }

    /// Takes a chunk once the records gathered fill one, or all of them when `force` is set. A chunk ends with
    /// the first record that reaches `chunk_bytes`, wherever the reads happened to stop, so the same bytes make
    /// the same chunks (and so the same parts) from a file, a pipe or a decompressor, as long as full chunks are
    /// taken as they come (before `force`).
    pub fn take_chunk(&mut self, force: bool) -> Option<Chunk> {
        if self.records.is_empty() {
            return None;
        }
        let (cut, later) = if force {
            (self.open.as_ref().map_or(self.scanned, |o| o.start), Vec::new())
        } else {
            let last = self
                .records
                .iter()
                .position(|r| r.start + r.kept >= self.options.chunk_bytes)?;
            let r = &self.records[last];
            (r.start + r.kept, self.records.split_off(last + 1))
        };
        // The next chunk's buffer, with the bytes after the cut. When reading goes on, it gets its room now,
        // zeroed by the allocator (fresh pages cost no more than the first write to them).
        let rest = self.filled - cut;
        let mut next = if force {
            Vec::new()
        } else {
            // A dropped chunk's buffer when there is one: its bytes up to its old length are initialised
            // already, so only the rest of the room is zeroed.
            let recycled = self.spare.lock().ok().and_then(|mut b| b.pop());
            let mut buffer = recycled.unwrap_or_default();
            let room = self.room();
            if buffer.capacity() < room {
                buffer = vec![0u8; room];
            }
            buffer.resize(room, 0);
            buffer
        };
        if next.len() < rest {
            next.resize(rest, 0);
        }
        next[..rest].copy_from_slice(&self.buf[cut..self.filled]);
        let mut data = std::mem::replace(&mut self.buf, next);
        data.truncate(cut);
        self.filled = rest;
        let records = std::mem::replace(&mut self.records, later);
        for r in &mut self.records {
            r.start -= cut;
        }
        let chunk = Chunk {
            file: self.file.clone(),
            seq: self.next_seq,
            base_offset: self.buf_offset,
            data,
            records,
            spare: Some(self.spare.clone()),
        };
        self.next_seq += 1;
        self.buf_offset += cut as u64;
        self.scanned -= cut;
        if let Some(open) = self.open.as_mut() {
            open.start -= cut;
        }
        Some(chunk)
    }

    /// The input ended: closes the open record (as complete, or as truncated when the framing says it is cut
    /// off, or when `broken` tells why the input broke off) and returns the last chunk.
    pub fn finish(&mut self, broken: Option<&'static str>) -> Option<Chunk> {
        let framed = self.framer.finish();
        if self.open.is_some() {
            match (broken, framed) {
                (Some(why), _) => self.close_open(Some(why)),
                (None, Err(why)) => self.close_open(Some(why)),
                (None, Ok(_)) => self.close_open(None),
            }
        }
        self.take_chunk(true)
    }

    /// The records framed so far that are still waiting to be taken.
    pub fn pending_records(&self) -> usize {
        self.records.len()
    }
}

fn count_newlines(bytes: &[u8]) -> u64 {
    memchr::memchr_iter(b'\n', bytes).count() as u64
}

/// Reads an input and yields its chunks.
pub struct Chunker<R> {
    reader: R,
    assembler: ChunkAssembler,
    done: bool,
    error: Option<SourceError>,
}

impl<R: Read> Chunker<R> {
    /// A chunker over `reader`; `head` holds bytes already taken from the reader (to sniff the format).
    pub fn new(reader: R, head: &[u8], assembler: ChunkAssembler) -> Self {
        let mut assembler = assembler;
        assembler.push(head);
        Chunker {
            reader,
            assembler,
            done: false,
            error: None,
        }
    }

    /// The next chunk, `None` at the end of the input. A read error is returned once, after the chunk holding the
    /// records read before it (the record it cut off is flagged truncated).
    pub fn next_chunk(&mut self) -> Result<Option<Chunk>, SourceError> {
        loop {
            if self.done {
                return match self.error.take() {
                    Some(e) => Err(e),
                    None => Ok(None),
                };
            }
            if let Some(chunk) = self.assembler.take_chunk(false) {
                return Ok(Some(chunk));
            }
            match self.assembler.read_from(&mut self.reader) {
                Ok(0) => {
                    self.done = true;
                    if let Some(chunk) = self.assembler.finish(None) {
                        return Ok(Some(chunk));
                    }
                }
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.done = true;
                    let offset = self.assembler.buf_offset + self.assembler.filled as u64;
                    self.error = Some(SourceError::Read {
                        file: self.assembler.file.to_string(),
                        offset,
                        source: e,
                    });
                    if let Some(chunk) = self.assembler.finish(Some("the input broke off in this record")) {
                        return Ok(Some(chunk));
                    }
                }
            }
        }
    }
}

impl<R: Read> Iterator for Chunker<R> {
    type Item = Result<Chunk, SourceError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_chunk().transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framing::{CsvFramer, LineFramer};

    fn records_of(chunks: &[Chunk]) -> Vec<(String, u64, u64, Option<SpanFlaw>)> {
        chunks
            .iter()
            .flat_map(|c| {
                c.records.iter().map(|r| {
                    (
                        String::from_utf8_lossy(c.bytes(r)).into_owned(),
                        r.line,
                        c.offset(r),
                        r.flaw,
                    )
                })
            })
            .collect()
    }

    fn assemble(input: &[u8], piece: usize, options: ChunkOptions) -> Vec<Chunk> {
        let mut a = ChunkAssembler::new("t".into(), Box::new(CsvFramer::new()), options);
        let mut chunks = Vec::new();
        for p in input.chunks(piece) {
            a.push(p);
            while let Some(c) = a.take_chunk(false) {
                chunks.push(c);
            }
        }
        chunks.extend(a.finish(None));
        chunks
    }

    #[test]
    fn chunks_are_the_same_records_whatever_the_split() {
        let input = b"h1,h2\n\"a\nb\",1\n\nc,2\r\nd,3";
        let options = ChunkOptions {
            chunk_bytes: 8,
            max_record_bytes: 1 << 20,
        };
        let whole = records_of(&assemble(input, input.len(), options));
        assert_eq!(whole.len(), 4);
        assert_eq!(whole[1], ("\"a\nb\",1\n".to_string(), 2, 6, None));
        assert_eq!(whole[2].1, 5, "line of the record after a blank line");
        for piece in 1..input.len() {
            assert_eq!(
                records_of(&assemble(input, piece, options)),
                whole,
                "piece {piece}"
            );
        }
    }

    #[test]
    fn chunk_boundaries_do_not_depend_on_how_the_bytes_arrive() {
        let input: Vec<u8> = (0..200)
            .flat_map(|i| format!("{i},{}\n", "v".repeat(i % 17)).into_bytes())
            .collect();
        let options = ChunkOptions {
            chunk_bytes: 64,
            max_record_bytes: 1 << 20,
        };
        let layout = |piece: usize| -> Vec<(u64, usize)> {
            assemble(&input, piece, options)
                .iter()
                .map(|c| (c.records[0].index, c.records.len()))
                .collect()
        };
        let whole = layout(input.len());
        assert!(whole.len() > 20, "{whole:?}");
        for piece in [1, 7, 63, 64, 65, 500, 4096] {
            assert_eq!(layout(piece), whole, "piece {piece}");
        }
    }

    #[test]
    fn oversized_records_keep_an_excerpt_and_the_rest_goes_on() {
        let mut input = b"short\n".to_vec();
        input.extend(std::iter::repeat_n(b'x', 5000));
        input.extend(b"\nafter\n");
        let options = ChunkOptions {
            chunk_bytes: 1 << 20,
            max_record_bytes: 1000,
        };
        let mut a = ChunkAssembler::new("t".into(), Box::new(LineFramer::default()), options);
        for p in input.chunks(100) {
            a.push(p);
        }
        let chunk = a.finish(None).unwrap();
        assert_eq!(chunk.records.len(), 3);
        let big = &chunk.records[1];
        assert_eq!(big.flaw, Some(SpanFlaw::TooLarge));
        assert_eq!(big.length, 5001);
        assert!(big.kept <= OVERSIZED_EXCERPT);
        assert_eq!(chunk.bytes(&chunk.records[2]), b"after\n");
        assert_eq!(chunk.records[2].line, 3);
        assert!(chunk.data.len() < 1000, "the oversized record was not kept whole");
    }

    #[test]
    fn a_json_scalar_record_ending_at_a_push_boundary_is_closed() {
        // `[-1,2,{}]` pushed as `[-1` then `,2,{}]`: the framer sees the end of `-1` only at the `,` and says
        // End(0). The assembler used to take End(0) for "waiting for bytes": -1 stayed open and the rest of the
        // input became one truncated record.
        let frame = |pieces: &[&[u8]]| {
            let head: Vec<u8> = pieces.concat();
            let framer = crate::json::JsonFramer::new(&head, &[]);
            let mut a = ChunkAssembler::new("t".into(), Box::new(framer), ChunkOptions::default());
            for p in pieces {
                a.push(p);
            }
            records_of(&[a.finish(None).unwrap()])
        };
        let whole = frame(&[b"[-1,2,{}]"]);
        assert_eq!(whole.len(), 3);
        assert!(whole.iter().all(|r| r.3.is_none()));
        assert_eq!(frame(&[b"[-1", b",2,{}]"]), whole);
        assert_eq!(frame(&[b"[-1,2", b"", b",{}]"]), whole);
    }

    #[test]
    fn small_reads_cost_what_they_read() {
        // A pipe gives at most 64 KiB per read. Each read used to grow the buffer by a zeroed 1 MiB block: 16 MB
        // read 4 KiB at a time zeroed 4 GB, which took tens of seconds in a debug build. Now it takes well under
        // a second; the bound leaves room for a slow, shared machine.
        struct Trickle(usize);
        impl Read for Trickle {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                let n = self.0.min(buf.len()).min(4096);
                buf[..n].fill(b'x');
                self.0 -= n;
                Ok(n)
            }
        }
        let options = ChunkOptions {
            chunk_bytes: 4 << 20,
            max_record_bytes: 1 << 20,
        };
        let assembler = ChunkAssembler::new("t".into(), Box::new(LineFramer::default()), options);
        let started = std::time::Instant::now();
        let chunks: Vec<Chunk> = Chunker::new(Trickle(16 << 20), b"", assembler)
            .collect::<Result<_, _>>()
            .unwrap();
        let elapsed = started.elapsed();
        assert_eq!(chunks.len(), 1);
        assert_eq!(chunks[0].records[0].length, 16 << 20);
        assert_eq!(chunks[0].records[0].flaw, Some(SpanFlaw::TooLarge));
        assert!(elapsed.as_secs() < 5, "16 MB in 4 KiB reads took {elapsed:?}");
    }

    #[test]
    fn a_small_input_is_not_given_a_whole_chunk_of_zeroed_room() {
        // One of many small files: its buffer used to be a chunk's room (4 MiB zeroed, with its page faults) for
        // a read that found the end, half a millisecond per file.
        let options = ChunkOptions::default();
        let input = b"{\"a\":1}\n".repeat(100);
        let (head, rest) = input.split_at(300);
        let assembler = ChunkAssembler::new("t".into(), Box::new(LineFramer::default()), options);
        let chunks: Vec<Chunk> = Chunker::new(std::io::Cursor::new(rest), head, assembler)
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(chunks.len(), 1);
        assert_eq!(chunks[0].records.len(), 100);
        assert!(
            chunks[0].data.capacity() <= FIRST_ROOM,
            "{} bytes of room for {} bytes of input",
            chunks[0].data.capacity(),
            input.len()
        );
        assert!(options.chunk_bytes > 16 * FIRST_ROOM);
    }

    #[test]
    fn reads_stop_soon_after_a_chunk_so_little_moves_to_the_next_buffer() {
        // Records of 1,000 bytes; every read is answered in full, as a file's are.
        let record = format!("{}\n", "r".repeat(999));
        let input = record.repeat(3_000).into_bytes();
        let options = ChunkOptions {
            chunk_bytes: 256 << 10,
            max_record_bytes: 1 << 20,
        };
        let assembler = ChunkAssembler::new("t".into(), Box::new(LineFramer::default()), options);
        let mut chunker = Chunker::new(std::io::Cursor::new(&input), b"", assembler);
        let mut chunks = Vec::new();
        while let Some(chunk) = chunker.next_chunk().unwrap() {
            // What was read past the cut, now at the start of the next chunk's buffer.
            let carried = chunker.assembler.filled;
            assert!(
                carried <= TAIL_READ,
                "{carried} bytes carried over after chunk {}",
                chunk.seq
            );
            assert!(chunker.assembler.buf.len() <= options.chunk_bytes + TAIL_READ);
            chunks.push(chunk);
        }
        assert_eq!(chunks.len(), 12);
        // The same chunks as from the bytes pushed in one piece.
        let mut whole = ChunkAssembler::new("t".into(), Box::new(LineFramer::default()), options);
        whole.push(&input);
        let mut expected = Vec::new();
        while let Some(c) = whole.take_chunk(false) {
            expected.push(c);
        }
        expected.extend(whole.finish(None));
        let layout = |c: &[Chunk]| -> Vec<(u64, usize, u64)> {
            c.iter()
                .map(|c| (c.records[0].index, c.records.len(), c.base_offset))
                .collect()
        };
        assert_eq!(layout(&chunks), layout(&expected));
    }

    #[test]
    fn a_read_error_flags_the_cut_record_and_is_returned_after_it() {
        struct Broken(Vec<u8>);
        impl Read for Broken {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                if self.0.is_empty() {
                    return Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "corrupt"));
                }
                let n = self.0.len().min(buf.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0.drain(..n);
                Ok(n)
            }
        }
        let assembler = ChunkAssembler::new(
            "t".into(),
            Box::new(LineFramer::default()),
            ChunkOptions::default(),
        );
        let mut chunker = Chunker::new(Broken(b"one\ntwo\nthr".to_vec()), b"", assembler);
        let chunk = chunker.next_chunk().unwrap().unwrap();
        assert_eq!(chunk.records.len(), 3);
        assert!(matches!(chunk.records[2].flaw, Some(SpanFlaw::Truncated(_))));
        assert!(matches!(chunker.next_chunk(), Err(SourceError::Read { .. })));
        assert!(chunker.next_chunk().unwrap().is_none());
    }
}
