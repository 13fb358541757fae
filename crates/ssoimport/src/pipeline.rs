//! The convert pipeline: inputs → chunks → (parallel) parse, normalize, validate, encode → (in order) dedupe,
//! aggregate, write parts, rejects and the manifest.

use std::borrow::Cow;
use std::collections::{BTreeMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TryRecvError, sync_channel};
use std::time::{Duration, Instant};

use arrow_array::RecordBatch;
use rayon::prelude::*;
use ssoimport_aggregate::{Aggregated, Aggregator, usage_batch};
use ssoimport_normalize::{NormalizeError, NormalizeOptions, Normalizer, UniqueIdSource};
use ssoimport_schema::intermediate::RecordKind;
use ssoimport_schema::{RejectCode, Task};
use ssoimport_source::{
    Chunk, ChunkAssembler, ChunkOptions, Chunker, Input, Prepared, Source, open_input, parse_chunk,
};
use ssoimport_upload::{
    Counts, EncodeError, InputError, InputSummary, Manifest, PartInfo, PartOptions, PartWriter, RejectLine,
    RejectWriter, TaskOutput,
};
use ssoimport_upload::{Segment, ndjson};
use ssoimport_validate::{
    DedupeError, DedupeKey, Deduplicator, ValidateError, ValidateOptions, Validator, dedupe_keys,
};

use crate::readers::{Readers, SourceChoice};

/// Characters of a raw record kept in its reject line.
const EXCERPT_CHARS: usize = 200;
/// Rows per roster and discovery batch at the end of a run.
const FINAL_BATCH_ROWS: usize = 8192;
/// Sign-in keys the duplicate check holds in memory by default (about 10 MB); the hours least recently seen go to
/// files in `DIR/.dedupe/` beyond that, so that memory does not grow with the number of sign-ins.
pub const DEDUPE_MEMORY_KEYS: usize = 1 << 19;
/// Where the duplicate check keeps what does not fit in memory, inside the output directory (removed at the end).
const DEDUPE_SPILL_DIR: &str = ".dedupe";

/// Everything a conversion needs to know.
#[derive(Debug, Clone)]
pub struct ConvertOptions {
    /// Directory the parts, rejects and manifest go to.
    pub out_dir: PathBuf,
    /// Which reader reads the inputs.
    pub source: SourceChoice,
    /// The tasks to write.
    pub tasks: Vec<Task>,
    /// Worker threads; `None` uses every core.
    pub threads: Option<usize>,
    /// Chunking (chunk size, maximum record size).
    pub chunk: ChunkOptions,
    /// Part size cap and gzip level.
    pub parts: PartOptions,
    /// Normalization (unique id, slashed date order).
    pub normalize: NormalizeOptions,
    /// Validation (clock skew, "now").
    pub validate: ValidateOptions,
    /// Also write the task rows as Parquet (`DIR/parquet/<Task>.parquet`; needs the `parquet` feature).
    pub parquet: bool,
    /// Also write the roster and discovery state as a partial (`partial.jsonl.gz`) that `merge` combines with
    /// those of other shards.
    pub partial: bool,
    /// Sign-in keys the duplicate check holds in memory before it spills hours to `DIR/.dedupe/`
    /// ([`DEDUPE_MEMORY_KEYS`] by default).
    pub dedupe_memory_keys: usize,
}

impl ConvertOptions {
    /// Defaults: auto-detected source, usage + roster + discovery, all cores, 10 MB parts.
    pub fn new(out_dir: impl AsRef<Path>) -> Self {
        ConvertOptions {
            out_dir: out_dir.as_ref().to_path_buf(),
            source: SourceChoice::Auto,
            tasks: vec![
                Task::SsoApplicationUsage,
                Task::SsoApplicationRoster,
                Task::ApplicationDiscovery,
            ],
            threads: None,
            chunk: ChunkOptions::default(),
            parts: PartOptions::default(),
            normalize: NormalizeOptions::default(),
            validate: ValidateOptions::default(),
            partial: false,
            parquet: false,
            dedupe_memory_keys: DEDUPE_MEMORY_KEYS,
        }
    }

    /// Sets how many sign-in keys the duplicate check holds in memory.
    pub fn dedupe_memory_keys(mut self, keys: usize) -> Self {
        self.dedupe_memory_keys = keys;
        self
    }

    /// Also writes Parquet copies of the task rows.
    pub fn parquet(mut self, yes: bool) -> Self {
        self.parquet = yes;
        self
    }

    /// Also writes the partial state for [`crate::merge_partials`].
    pub fn partial(mut self, yes: bool) -> Self {
        self.partial = yes;
        self
    }

    /// Sets the tasks to write.
    pub fn tasks(mut self, tasks: impl IntoIterator<Item = Task>) -> Self {
        self.tasks = tasks.into_iter().collect();
        self
    }

    /// Sets the reader.
    pub fn source(mut self, source: SourceChoice) -> Self {
        self.source = source;
        self
    }

    /// Sets the number of worker threads.
    pub fn threads(mut self, threads: usize) -> Self {
        self.threads = Some(threads);
        self
    }

    /// Sets the part options.
    pub fn parts(mut self, parts: PartOptions) -> Self {
        self.parts = parts;
        self
    }

    /// Sets the chunk options.
    pub fn chunk(mut self, chunk: ChunkOptions) -> Self {
        self.chunk = chunk;
        self
    }

    /// Uses the source's user id as `uniqueId` (and requires it).
    pub fn unique_id_from_source(mut self, yes: bool) -> Self {
        self.normalize.unique_id = if yes {
            UniqueIdSource::SourceId
        } else {
            UniqueIdSource::Email
        };
        self.validate.unique_id_from_source = yes;
        self
    }
}

/// What a run did.
#[derive(Debug, Clone)]
pub struct RunSummary {
    /// The manifest written to the output directory.
    pub manifest: Manifest,
    /// Wall time of the run.
    pub elapsed: Duration,
    /// Bytes read from the inputs (as stored, compressed or not).
    pub bytes_read: u64,
}

/// Errors that stop a run. Bad records are not errors (they are rejects); an input that cannot be read is not
/// an error either (it is listed in the manifest's `inputErrors`, and the run goes on with the others).
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    /// Writing the output failed.
    #[error(transparent)]
    Output(#[from] EncodeError),
    /// The output directory could not be made.
    #[error("cannot create the output directory {path}: {source}")]
    OutDir {
        /// The directory.
        path: String,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// A stage broke an invariant (a bug, not bad input).
    #[error("internal error: {0}")]
    Internal(String),
    /// The `--source` named is not compiled in.
    #[error("unknown source `{name}`: expected one of {known}")]
    UnknownSource {
        /// The name given.
        name: String,
        /// The names known.
        known: String,
    },
    /// The duplicate check could not keep its keys on disk.
    #[error(transparent)]
    Dedupe(#[from] DedupeError),
    /// Another run is writing into the output directory.
    #[error(transparent)]
    Locked(#[from] ssoimport_upload::LockError),
    /// The run was interrupted; the manifest says `"complete": false`.
    #[error("interrupted: the output is incomplete (rerun the same command to convert everything)")]
    Interrupted,
}

impl From<ValidateError> for PipelineError {
    fn from(e: ValidateError) -> Self {
        PipelineError::Internal(e.to_string())
    }
}

impl From<NormalizeError> for PipelineError {
    fn from(e: NormalizeError) -> Self {
        PipelineError::Internal(e.to_string())
    }
}

/// Hears how a run progresses. `()` hears nothing.
pub trait Observer: Sync {
    /// An input is being opened.
    fn input_started(&self, _input: &Input) {}
    /// Progress: bytes read from the inputs so far, and records processed.
    fn progress(&self, _bytes_read: u64, _records: u64) {}
    /// A part was sealed: its file (under the output directory) is complete and will not change. Called in the
    /// order parts are written, so a caller can upload each part as soon as it exists.
    fn part_sealed(&self, _task: Task, _part: &PartInfo) {}
}

impl Observer for () {}

/// Runs conversions.
pub struct Pipeline {
    options: ConvertOptions,
    readers: Readers,
    cancel: Arc<AtomicBool>,
}

/// What the reader thread hands to the main thread, in input order.
enum ReaderEvent {
    InputStarted {
        input: usize,
    },
    Chunk {
        input: usize,
        chunk: Chunk,
        prepared: Prepared,
    },
    InputDone {
        input: usize,
        source: &'static str,
    },
    InputFailed {
        input: usize,
        detail: String,
    },
}

/// The parallel part of the work on one chunk.
struct ChunkResult {
    input: usize,
    read: u64,
    filtered: u64,
    valid: RecordBatch,
    keys: Vec<Option<DedupeKey>>,
    /// NDJSON lines of the valid sign-ins, in order, and where each ends.
    usage_lines: Vec<u8>,
    usage_ends: Vec<usize>,
    /// The same lines compressed, ready to lay into a part when none of them turns out to be a duplicate.
    usage_segment: Option<Segment>,
    /// The chunk's rejects as lines of `rejects.jsonl`, rendered here (on every core), and their codes.
    reject_lines: Vec<u8>,
    reject_codes: Vec<RejectCode>,
}

enum Pending {
    Chunk(Receiver<Result<ChunkResult, PipelineError>>),
    Event(ReaderEvent),
}

impl Pipeline {
    /// A pipeline with these options and readers.
    pub fn new(options: ConvertOptions, readers: Readers) -> Self {
        Pipeline {
            options,
            readers,
            cancel: Arc::new(AtomicBool::new(false)),
        }
    }

    /// A flag that, once set (from a signal handler, say), stops the run after the chunk being written; the
    /// manifest then says `"complete": false`.
    pub fn cancel_flag(&self) -> Arc<AtomicBool> {
        self.cancel.clone()
    }

    /// The reader named by the options, if one is named.
    fn named_reader(&self) -> Result<Option<Arc<dyn Source>>, PipelineError> {
        match &self.options.source {
            SourceChoice::Auto => Ok(None),
            SourceChoice::Named(name) => {
                self.readers
                    .get(name)
                    .map(Some)
                    .ok_or_else(|| PipelineError::UnknownSource {
                        name: name.clone(),
                        known: self.readers.names().join(", "),
                    })
            }
        }
    }

    /// Converts `inputs` into the output directory. Expand directories with
    /// [`expand_inputs_outside`](crate::source::expand_inputs_outside) and the same output directory, so that a
    /// run over a directory that holds the output directory does not read an earlier run's output.
    pub fn convert(&self, inputs: &[Input], observer: &dyn Observer) -> Result<RunSummary, PipelineError> {
        let started = Instant::now();
        let named = self.named_reader()?;
        let out = &self.options.out_dir;
        // Held until the run ends: the parts, rejects and manifest are this run's alone.
        let _lock = claim_out_dir(out)?;
        // A manifest left by an earlier run must not vouch for this one, should it fail before writing its own.
        match std::fs::remove_file(out.join("manifest.json")) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(PipelineError::OutDir {
                    path: out.display().to_string(),
                    source: e,
                });
            }
            _ => {}
        }
        let threads = self
            .options
            .threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads.max(1))
            .thread_name(|i| format!("ssoimport-worker-{i}"))
            .build()
            .map_err(|e| PipelineError::Internal(e.to_string()))?;

        let mut sink = Sink::new(&self.options, inputs, observer)?;
        let work = Arc::new(Work {
            normalizer: Normalizer::new(self.options.normalize),
            validator: Validator::new(self.options.validate),
            encode_usage: self.options.tasks.contains(&Task::SsoApplicationUsage),
            gzip_level: self.options.parts.gzip_level,
        });
        let bytes_read = Arc::new(AtomicU64::new(0));
        // Chunks in flight: enough to keep every worker busy while the sink writes, few enough that memory stays
        // a small multiple of the chunk size. The sink's longest pause is sealing a part (writing its 10 MB and
        // syncing it, ~20 ms): with two chunks queued beyond the workers' own, they ran dry there (over a
        // 1M-event run, their samples fell to a quarter or less in each seal's 20 ms); four keep them busy.
        let window = threads + 4;
        let (tx, rx) = sync_channel::<ReaderEvent>(threads);

        // The reader runs detached: if it sits in a read that never returns (a stalled pipe on stdin), an
        // interrupted run still ends.
        let reader = ReaderThread {
            inputs: inputs.to_vec(),
            named: named.clone(),
            readers: self.readers.clone(),
            chunk: self.options.chunk,
            bytes_read: bytes_read.clone(),
            cancel: self.cancel.clone(),
        };
        std::thread::Builder::new()
            .name("ssoimport-reader".into())
            .spawn(move || reader.run(tx))
            .map_err(|e| PipelineError::Internal(format!("cannot start the reader thread: {e}")))?;

        let mut inflight: VecDeque<Pending> = VecDeque::new();
        let mut reader_open = true;
        let mut interrupted = false;
        loop {
            if self.cancel.load(Ordering::Relaxed) {
                interrupted = true;
                break;
            }
            while reader_open && inflight.len() < window {
                let event = if inflight.is_empty() {
                    match rx.recv_timeout(Duration::from_millis(100)) {
                        Ok(e) => e,
                        Err(RecvTimeoutError::Timeout) => break,
                        Err(RecvTimeoutError::Disconnected) => {
                            reader_open = false;
                            break;
                        }
                    }
                } else {
                    match rx.try_recv() {
                        Ok(e) => e,
                        Err(TryRecvError::Empty) => break,
                        Err(TryRecvError::Disconnected) => {
                            reader_open = false;
                            break;
                        }
                    }
                };
                match event {
                    ReaderEvent::Chunk {
                        input,
                        chunk,
                        prepared,
                    } => {
                        let (done_tx, done_rx) = sync_channel(1);
                        let work = work.clone();
                        pool.spawn(move || {
                            let _ = done_tx.send(work.process(input, &chunk, &prepared));
                        });
                        inflight.push_back(Pending::Chunk(done_rx));
                    }
                    other => inflight.push_back(Pending::Event(other)),
                }
            }
            let Some(next) = inflight.pop_front() else {
                if reader_open {
                    continue;
                }
                break;
            };
            match next {
                Pending::Chunk(done) => {
                    let result = done
                        .recv()
                        .map_err(|_| PipelineError::Internal("a worker died".into()))??;
                    sink.take(result)?;
                    observer.progress(bytes_read.load(Ordering::Relaxed), sink.counts.read);
                }
                Pending::Event(event) => sink.event(event),
            }
        }
        if interrupted {
            // The chunks already handed out are finished (their records stay counted); nothing more is read.
            drop(rx);
            for pending in inflight.drain(..) {
                if let Pending::Chunk(done) = pending
                    && let Ok(result) = done.recv()
                {
                    sink.take(result?)?;
                }
            }
        }

        // On the conversion's own pool, so that the roster and discovery parts compressed at the end use the
        // threads asked for, not every core.
        let manifest = pool.install(|| sink.finish(!interrupted))?;
        if interrupted {
            return Err(PipelineError::Interrupted);
        }
        Ok(RunSummary {
            manifest,
            elapsed: started.elapsed(),
            bytes_read: bytes_read.load(Ordering::Relaxed),
        })
    }
}

struct ReaderThread {
    inputs: Vec<Input>,
    named: Option<Arc<dyn Source>>,
    readers: Readers,
    chunk: ChunkOptions,
    bytes_read: Arc<AtomicU64>,
    cancel: Arc<AtomicBool>,
}

impl ReaderThread {
    fn run(self, tx: SyncSender<ReaderEvent>) {
        for (index, input) in self.inputs.iter().enumerate() {
            if self.cancel.load(Ordering::Relaxed) {
                return;
            }
            if tx.send(ReaderEvent::InputStarted { input: index }).is_err() {
                return;
            }
            let event = match self.read_input(index, input, &tx) {
                Ok(source) => ReaderEvent::InputDone { input: index, source },
                Err(detail) => ReaderEvent::InputFailed { input: index, detail },
            };
            if tx.send(event).is_err() {
                return;
            }
        }
    }

    /// Sends the chunks of one input; returns the reader's name, or why the input could not be read to its end.
    fn read_input(
        &self,
        index: usize,
        input: &Input,
        tx: &SyncSender<ReaderEvent>,
    ) -> Result<&'static str, String> {
        let opened = open_input(input, Some(self.bytes_read.clone())).map_err(|e| e.to_string())?;
        let (source, chosen) = match &self.named {
            Some(s) => (s.clone(), None),
            None => {
                let (source, prepared) = self.readers.choose(&opened.head, &input.name)?;
                (source, Some(prepared))
            }
        };
        let assembler = ChunkAssembler::new(input.name.clone(), source.framer(&opened.head), self.chunk);
        let mut prepared: Option<Prepared> = chosen;
        for chunk in Chunker::new(opened.reader, &opened.head, assembler) {
            if self.cancel.load(Ordering::Relaxed) {
                return Ok(source.name());
            }
            let chunk = chunk.map_err(|e| e.to_string())?;
            let prepared = match &prepared {
                Some(p) => p.clone(),
                None => {
                    let first = chunk.records.first().map(|r| chunk.bytes(r)).unwrap_or_default();
                    let p = source.prepare(&input.name, first).map_err(|e| e.to_string())?;
                    prepared = Some(p.clone());
                    p
                }
            };
            if tx
                .send(ReaderEvent::Chunk {
                    input: index,
                    chunk,
                    prepared,
                })
                .is_err()
            {
                return Ok(source.name());
            }
        }
        Ok(source.name())
    }
}

/// The stages that run on a chunk in parallel.
struct Work {
    normalizer: Normalizer,
    validator: Validator,
    encode_usage: bool,
    gzip_level: u32,
}

impl Work {
    fn process(
        &self,
        input: usize,
        chunk: &Chunk,
        prepared: &Prepared,
    ) -> Result<ChunkResult, PipelineError> {
        let parsed = parse_chunk(prepared, chunk);
        let normalized = self.normalizer.normalize(&parsed.batch)?;
        let validated = self.validator.validate(&normalized)?;
        let keys = dedupe_keys(&validated.valid);
        let mut usage_lines = Vec::new();
        let mut usage_ends = Vec::new();
        let mut usage_segment = None;
        if self.encode_usage {
            let all = vec![true; validated.valid.num_rows()];
            let usage = usage_batch(&validated.valid, &all);
            usage_lines.reserve(usage.num_rows() * 256);
            ndjson::write_batch(&usage, &mut usage_lines, &mut usage_ends);
            // Compressing here, on every core, keeps gzip off the sequential path.
            usage_segment = Some(Segment::compress(
                &usage_lines,
                usage_ends.len() as u64,
                self.gzip_level,
            ));
        }
        let mut reject_lines = Vec::new();
        let reject_codes = validated
            .rejects
            .iter()
            .map(|r| {
                RejectLine {
                    file: &r.file,
                    line: r.line,
                    record: r.record,
                    offset: r.offset,
                    code: r.code.as_str(),
                    detail: &r.detail,
                    excerpt: &excerpt(chunk, r.offset, r.length),
                }
                .render(&mut reject_lines);
                r.code
            })
            .collect();
        Ok(ChunkResult {
            input,
            read: parsed.read(),
            filtered: parsed.filtered,
            valid: validated.valid,
            keys,
            usage_lines,
            usage_ends,
            usage_segment,
            reject_lines,
            reject_codes,
        })
    }
}

/// The first characters of a record, on one line.
fn excerpt(chunk: &Chunk, offset: u64, length: u32) -> String {
    let start = offset.saturating_sub(chunk.base_offset) as usize;
    let Some(rest) = chunk.data.get(start..) else {
        return String::new();
    };
    one_line(&rest[..rest.len().min(length as usize).min(EXCERPT_CHARS * 4)])
}

/// The first [`EXCERPT_CHARS`] characters of `bytes`, trimmed, control characters made spaces.
fn one_line(bytes: &[u8]) -> String {
    // Most excerpts: ASCII from the first byte past leading whitespace on, so the characters are the bytes and
    // the rest of the cut need not be decoded (a reject-heavy export spent 2.3% of its CPU decoding it). Only
    // ASCII whitespace is trimmed here, so text that starts or ends with any other byte (a no-break space, a
    // character cut in two) takes the general way.
    // The ASCII bytes `str::trim` takes for whitespace (vertical tab included, which `u8::is_ascii_whitespace`
    // leaves out).
    let blank = |b: &u8| matches!(b, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ');
    let start = bytes.iter().position(|b| !blank(b)).unwrap_or(bytes.len());
    let end = bytes.iter().rposition(|b| !blank(b)).map_or(start, |k| k + 1);
    let trimmed = &bytes[start..end.max(start)];
    let head = &trimmed[..trimmed.len().min(EXCERPT_CHARS)];
    if head.is_ascii() && trimmed.last().is_none_or(u8::is_ascii) {
        return flattened(head);
    }
    one_line_decoded(bytes)
}

/// [`one_line`] for any bytes: decoded (a character cut off at the end is left out, bytes that are not UTF-8
/// become U+FFFD), trimmed of Unicode whitespace.
fn one_line_decoded(bytes: &[u8]) -> String {
    // Records are UTF-8 unless rejected for not being so; the cut may split a character, which is left out.
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(e) if e.error_len().is_none() => {
            Cow::Borrowed(std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or_default())
        }
        Err(_) => String::from_utf8_lossy(bytes),
    };
    let text = text.trim();
    let head = &text.as_bytes()[..text.len().min(EXCERPT_CHARS)];
    if head.is_ascii() {
        return flattened(head);
    }
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(EXCERPT_CHARS)
        .collect()
}

/// ASCII bytes as a string, control characters made spaces.
fn flattened(ascii: &[u8]) -> String {
    let mut flat = ascii.to_vec();
    for b in &mut flat {
        if b.is_ascii_control() {
            *b = b' ';
        }
    }
    String::from_utf8(flat).unwrap_or_default()
}

/// The sequential end of the pipeline: dedupe, aggregate, write.
struct Sink<'a> {
    options: &'a ConvertOptions,
    observer: &'a dyn Observer,
    inputs: &'a [Input],
    usage: Option<PartWriter>,
    rejects: RejectWriter,
    rejects_by_code: BTreeMap<String, u64>,
    dedupe: Deduplicator,
    aggregator: Option<Aggregator>,
    counts: Counts,
    per_input: Vec<(u64, Option<&'static str>)>,
    input_errors: Vec<InputError>,
    parquet: ParquetSink,
}

impl<'a> Sink<'a> {
    fn new(
        options: &'a ConvertOptions,
        inputs: &'a [Input],
        observer: &'a dyn Observer,
    ) -> Result<Self, PipelineError> {
        let usage = if options.tasks.contains(&Task::SsoApplicationUsage) {
            Some(PartWriter::create(
                &options.out_dir,
                Task::SsoApplicationUsage,
                options.parts,
            )?)
        } else {
            None
        };
        // A run killed outright leaves its spilled keys behind; they are no use to this one.
        let _ = std::fs::remove_dir_all(options.out_dir.join(DEDUPE_SPILL_DIR));
        let aggregate = options.partial
            || options
                .tasks
                .iter()
                .any(|t| matches!(t, Task::SsoApplicationRoster | Task::ApplicationDiscovery));
        Ok(Sink {
            options,
            observer,
            inputs,
            usage,
            rejects: RejectWriter::create(&options.out_dir)?,
            rejects_by_code: BTreeMap::new(),
            dedupe: Deduplicator::spilling(
                options.out_dir.join(DEDUPE_SPILL_DIR),
                options.dedupe_memory_keys,
            ),
            aggregator: aggregate.then(|| Aggregator::new(options.validate.unique_id_from_source)),
            counts: Counts::default(),
            per_input: vec![(0, None); inputs.len()],
            input_errors: Vec::new(),
            parquet: ParquetSink::new(options)?,
        })
    }

    fn reject(&mut self, reject: &RejectLine<'_>, records: u64) -> Result<(), PipelineError> {
        self.rejects.write(reject)?;
        self.count_rejects(reject.code, records);
        Ok(())
    }

    fn count_rejects(&mut self, code: &str, records: u64) {
        match self.rejects_by_code.get_mut(code) {
            Some(n) => *n += records,
            None => {
                self.rejects_by_code.insert(code.to_string(), records);
            }
        }
        self.counts.rejected += records;
    }

    fn take(&mut self, result: ChunkResult) -> Result<(), PipelineError> {
        self.counts.read += result.read;
        self.counts.filtered += result.filtered;
        self.per_input[result.input].0 += result.read;
        self.rejects
            .write_rendered(&result.reject_lines, result.reject_codes.len() as u64)?;
        for code in &result.reject_codes {
            self.count_rejects(code.as_str(), 1);
        }
        let rows = result.valid.num_rows();
        let kinds = result.valid.column(ssoimport_schema::normalized::col::KIND);
        let kinds = arrow_array::cast::AsArray::as_primitive::<arrow_array::types::UInt8Type>(kinds);
        let mut take = vec![false; rows];
        let mut sign_in_kept = Vec::with_capacity(rows);
        for (row, taken) in take.iter_mut().enumerate() {
            let first = match result.keys[row] {
                Some(key) => self.dedupe.first_time(key)?,
                None => true,
            };
            if first {
                self.counts.accepted += 1;
                *taken = true;
            } else {
                self.counts.duplicates += 1;
            }
            if kinds.value(row) == RecordKind::SignIn as u8 {
                sign_in_kept.push(first);
            }
        }
        if let Some(usage) = &mut self.usage {
            let mut sealed = Vec::new();
            match &result.usage_segment {
                Some(segment) if sign_in_kept.iter().all(|&k| k) => {
                    sealed = usage.write_segment(segment, &result.usage_lines, &result.usage_ends)?;
                }
                _ => {
                    // Some lines are duplicates: write the others one by one (rare: overlapping exports).
                    let mut start = 0;
                    for (&end, &kept) in result.usage_ends.iter().zip(&sign_in_kept) {
                        if kept {
                            sealed.extend(usage.write_line(&result.usage_lines[start..end])?);
                        }
                        start = end;
                    }
                }
            }
            for part in &sealed {
                self.observer.part_sealed(Task::SsoApplicationUsage, part);
            }
        }
        self.parquet.usage(&result.valid, &take)?;
        if let Some(aggregator) = &mut self.aggregator {
            aggregator.add(&result.valid, |row| take[row]);
        }
        Ok(())
    }

    fn event(&mut self, event: ReaderEvent) {
        match event {
            ReaderEvent::InputStarted { input } => self.observer.input_started(&self.inputs[input]),
            ReaderEvent::InputDone { input, source } => self.per_input[input].1 = Some(source),
            ReaderEvent::InputFailed { input, detail } => {
                self.input_errors.push(InputError {
                    file: self.inputs[input].name.to_string(),
                    detail,
                });
            }
            ReaderEvent::Chunk { .. } => unreachable!("chunks go to the workers"),
        }
    }

    /// Seals a task's last part and announces it.
    fn finish_task(&self, writer: PartWriter) -> Result<TaskOutput, PipelineError> {
        let task = writer.task();
        let announced = writer.sealed().len();
        let output = writer.finish()?;
        for part in &output.parts[announced..] {
            self.observer.part_sealed(task, part);
        }
        Ok(output)
    }

    fn finish(mut self, complete: bool) -> Result<Manifest, PipelineError> {
        let mut tasks: Vec<TaskOutput> = Vec::new();
        if let Some(usage) = self.usage.take() {
            tasks.push(self.finish_task(usage)?);
        }
        if let Some(aggregator) = self.aggregator.take() {
            if self.options.partial {
                write_partial(&aggregator, &self.options.out_dir)?;
            }
            let aggregated = aggregator.finish(FINAL_BATCH_ROWS);
            for gap in &aggregated.incomplete {
                let o = &gap.origin;
                self.counts.accepted -= gap.records;
                let line = RejectLine {
                    file: &o.file,
                    line: o.line,
                    record: o.record,
                    offset: o.offset,
                    code: gap.code.as_str(),
                    detail: &gap.detail,
                    excerpt: "",
                };
                self.reject(&line, gap.records)?;
            }
            self.parquet.aggregated(&aggregated, &self.options.tasks)?;
            tasks.extend(write_aggregated(
                &aggregated,
                &self.options.tasks,
                &self.options.out_dir,
                self.options.parts,
                self.observer,
            )?);
        }
        self.rejects.finish()?;
        let manifest = Manifest {
            tool: format!("ssoimport {}", env!("CARGO_PKG_VERSION")),
            complete,
            inputs: self
                .inputs
                .iter()
                .zip(&self.per_input)
                .map(|(input, (records, source))| InputSummary {
                    file: input.name.to_string(),
                    source: source.unwrap_or("-").to_string(),
                    records: *records,
                })
                .collect(),
            counts: self.counts,
            rejects_by_code: self.rejects_by_code,
            tasks,
            input_errors: self.input_errors,
            parquet: self.parquet.finish()?,
        };
        if !manifest.counts.balanced() {
            return Err(PipelineError::Internal(format!(
                "counts do not add up: {:?}",
                manifest.counts
            )));
        }
        manifest.write(&self.options.out_dir)?;
        Ok(manifest)
    }
}

/// The name of the partial state a `--partial` run leaves in its output directory.
pub const PARTIAL_FILE: &str = "partial.jsonl.gz";

/// Makes the output directory `dir` (and its parents) if missing, and locks it for this process until the hold is
/// dropped ([`OutDirLock`](ssoimport_upload::OutDirLock): another run writing into it is an error). A file in the
/// way is named as such: the system's own word for it is "File exists", which reads as if the directory were
/// fine.
pub fn claim_out_dir(dir: &Path) -> Result<ssoimport_upload::OutDirLock, PipelineError> {
    let error = |source| PipelineError::OutDir {
        path: dir.display().to_string(),
        source,
    };
    match std::fs::create_dir_all(dir) {
        Ok(()) => Ok(ssoimport_upload::OutDirLock::acquire(dir)?),
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::AlreadyExists | std::io::ErrorKind::NotADirectory
            ) =>
        {
            Err(error(std::io::Error::new(
                e.kind(),
                "a file is in the way (of that name, or of a directory above it); give --out a directory, \
                 which is made if missing",
            )))
        }
        Err(e) => Err(error(e)),
    }
}

/// Writes the aggregator's state to `DIR/partial.jsonl.gz` (through a temporary file).
fn write_partial(aggregator: &Aggregator, out_dir: &Path) -> Result<(), PipelineError> {
    let path = out_dir.join(PARTIAL_FILE);
    let tmp = out_dir.join(format!("{PARTIAL_FILE}.tmp"));
    let io = |e: std::io::Error| {
        PipelineError::Output(EncodeError::Io {
            path: path.display().to_string(),
            source: e,
        })
    };
    let file = std::fs::File::create(&tmp).map_err(io)?;
    let mut gz = flate2::write::GzEncoder::new(std::io::BufWriter::new(file), flate2::Compression::new(6));
    aggregator
        .write_partial(&mut gz)
        .map_err(|e| PipelineError::Internal(e.to_string()))?;
    let file = gz
        .finish()
        .map_err(io)?
        .into_inner()
        .map_err(|e| io(e.into_error()))?;
    file.sync_all().map_err(io)?;
    std::fs::rename(&tmp, &path).map_err(io)
}

/// Writes the roster and discovery rows of an aggregation, for the tasks asked for.
pub(crate) fn write_aggregated(
    aggregated: &Aggregated,
    tasks: &[Task],
    out_dir: &Path,
    parts: PartOptions,
    observer: &dyn Observer,
) -> Result<Vec<TaskOutput>, PipelineError> {
    let mut outputs = Vec::new();
    for task in [Task::SsoApplicationRoster, Task::ApplicationDiscovery] {
        if !tasks.contains(&task) {
            continue;
        }
        let batches = aggregated.batches(task);
        let mut writer = PartWriter::create(out_dir, task, parts)?;
        // Build, encode and compress a few batches at a time on every core (memory stays bounded); lay them into
        // parts in order.
        let window = rayon::current_num_threads().max(1) * 2;
        for start in (0..batches.len()).step_by(window) {
            let encoded: Vec<(Vec<u8>, Vec<usize>, Segment)> = (start..batches.len().min(start + window))
                .into_par_iter()
                .filter_map(|i| batches.get(i))
                .map(|batch| {
                    let mut lines = Vec::with_capacity(batch.num_rows() * 200);
                    let mut ends = Vec::with_capacity(batch.num_rows());
                    ndjson::write_batch(&batch, &mut lines, &mut ends);
                    let segment = Segment::compress(&lines, ends.len() as u64, parts.gzip_level);
                    (lines, ends, segment)
                })
                .collect();
            for (lines, ends, segment) in &encoded {
                for sealed in writer.write_segment(segment, lines, ends)? {
                    observer.part_sealed(task, &sealed);
                }
            }
        }
        let announced = writer.sealed().len();
        let output = writer.finish()?;
        for part in &output.parts[announced..] {
            observer.part_sealed(task, part);
        }
        outputs.push(output);
    }
    Ok(outputs)
}

/// Parquet copies of the task rows, when asked for and compiled in.
struct ParquetSink {
    #[cfg(feature = "parquet")]
    usage: Option<ssoimport_parquet::ParquetWriter>,
    #[cfg(feature = "parquet")]
    done: Vec<ssoimport_upload::DataFile>,
    #[cfg(feature = "parquet")]
    out_dir: Option<PathBuf>,
}

#[cfg(feature = "parquet")]
fn parquet_error(e: ssoimport_parquet::ParquetError) -> PipelineError {
    PipelineError::Internal(e.to_string())
}

#[cfg(feature = "parquet")]
fn data_file(f: ssoimport_parquet::ParquetFile) -> ssoimport_upload::DataFile {
    ssoimport_upload::DataFile {
        task: f.task,
        path: f.path,
        rows: f.rows,
        bytes: f.bytes,
    }
}

#[cfg(feature = "parquet")]
impl ParquetSink {
    fn new(options: &ConvertOptions) -> Result<Self, PipelineError> {
        let out_dir = options.parquet.then(|| options.out_dir.clone());
        let usage = match &out_dir {
            Some(dir) if options.tasks.contains(&Task::SsoApplicationUsage) => Some(
                ssoimport_parquet::ParquetWriter::create(dir, Task::SsoApplicationUsage)
                    .map_err(parquet_error)?,
            ),
            _ => None,
        };
        Ok(ParquetSink {
            usage,
            done: Vec::new(),
            out_dir,
        })
    }

    fn usage(&mut self, valid: &RecordBatch, take: &[bool]) -> Result<(), PipelineError> {
        if let Some(writer) = &mut self.usage {
            writer.write(&usage_batch(valid, take)).map_err(parquet_error)?;
        }
        Ok(())
    }

    fn aggregated(&mut self, aggregated: &Aggregated, tasks: &[Task]) -> Result<(), PipelineError> {
        let Some(dir) = &self.out_dir else { return Ok(()) };
        for task in [Task::SsoApplicationRoster, Task::ApplicationDiscovery] {
            if tasks.contains(&task) {
                let mut writer =
                    ssoimport_parquet::ParquetWriter::create(dir, task).map_err(parquet_error)?;
                for batch in aggregated.batches(task).iter() {
                    writer.write(&batch).map_err(parquet_error)?;
                }
                self.done.push(data_file(writer.finish().map_err(parquet_error)?));
            }
        }
        Ok(())
    }

    fn finish(mut self) -> Result<Vec<ssoimport_upload::DataFile>, PipelineError> {
        let mut files = Vec::new();
        if let Some(writer) = self.usage.take() {
            files.push(data_file(writer.finish().map_err(parquet_error)?));
        }
        files.append(&mut self.done);
        Ok(files)
    }
}

#[cfg(not(feature = "parquet"))]
impl ParquetSink {
    fn new(options: &ConvertOptions) -> Result<Self, PipelineError> {
        if options.parquet {
            return Err(PipelineError::Internal(
                "Parquet output was asked for, but this build has no `parquet` feature".into(),
            ));
        }
        Ok(ParquetSink {})
    }

    fn usage(&mut self, _valid: &RecordBatch, _take: &[bool]) -> Result<(), PipelineError> {
        Ok(())
    }

    fn aggregated(&mut self, _aggregated: &Aggregated, _tasks: &[Task]) -> Result<(), PipelineError> {
        Ok(())
    }

    fn finish(self) -> Result<Vec<ssoimport_upload::DataFile>, PipelineError> {
        Ok(Vec::new())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_are_one_trimmed_line_of_at_most_so_many_characters() {
        let long = "x".repeat(300);
        let wide = "é".repeat(300);
        let cases: [(&[u8], String); 7] = [
            (b"  {\"a\":\t1}\r\n", "{\"a\": 1}".to_string()),
            (long.as_bytes(), "x".repeat(EXCERPT_CHARS)),
            (wide.as_bytes(), "é".repeat(EXCERPT_CHARS)),
            // Cut inside a character: the piece is left out.
            (&"aé".as_bytes()[..2], "a".to_string()),
            (b"a\xffb", "a\u{fffd}b".to_string()),
            ("ü\u{7f}\u{85}z".as_bytes(), "ü  z".to_string()),
            (b"", String::new()),
        ];
        for (bytes, expected) in cases {
            assert_eq!(one_line(bytes), expected, "{bytes:?}");
        }
    }

    proptest::proptest! {
        /// The ASCII fast path gives what decoding the whole cut gives, whatever the bytes: whitespace of both
        /// kinds at either end, text shorter or longer than an excerpt, a multibyte or invalid byte anywhere.
        #[test]
        fn the_ascii_excerpt_is_the_decoded_one(
            parts in proptest::collection::vec(
                proptest::sample::select(vec![
                    &b" "[..], b"\t", b"\r\n", b"\x0b", b"\x0c", b"x", b"{\"a\":1}", b"\x7f", b"\x01", "\u{a0}".as_bytes(),
                    "\u{2003}".as_bytes(), "\u{e9}".as_bytes(), b"\xff", b"\xc3", &[b'y'; 150][..], &[b' '; 120][..],
                ]),
                0..12,
            )
        ) {
            let bytes: Vec<u8> = parts.concat();
            proptest::prop_assert_eq!(one_line(&bytes), one_line_decoded(&bytes), "{:?}", bytes);
        }
    }
}
