//! Framing of JSON exports: NDJSON (one record per line), a JSON array of records, a sequence of JSON values,
//! and envelopes such as `{"value": [...]}`, `{"items": [...]}` or `{"data": {"events": [...]}}` whose arrays hold
//! the records. All incremental: any split of the input gives the same records.

use crate::blocks::{BLOCK, Skipper};
use crate::framing::{Framer, LineFramer, Step};

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The framer of every JSON export. Built from the first bytes of an input: line mode when the first line is a
/// whole JSON object that is not an envelope (then one broken line spoils only itself), document mode otherwise.
pub struct JsonFramer {
    mode: Mode,
    /// Bytes of a leading BOM seen so far (`BOM.len()` once past the start).
    bom_seen: usize,
}

enum Mode {
    Lines(LineFramer),
    Document(DocumentFramer),
}

impl JsonFramer {
    /// Chooses the framing from `head`. `envelopes` are the key paths whose arrays hold records, e.g.
    /// `&[&["value"], &["data", "events"]]`.
    pub fn new(head: &[u8], envelopes: &[&[&str]]) -> Self {
        let paths: Vec<Vec<Vec<u8>>> = envelopes
            .iter()
            .map(|p| p.iter().map(|k| k.as_bytes().to_vec()).collect())
            .collect();
        let mode = if first_line_is_plain_object(head, &paths) {
            Mode::Lines(LineFramer::default())
        } else {
            Mode::Document(DocumentFramer::new(paths))
        };
        JsonFramer { mode, bom_seen: 0 }
    }

    /// Whether the framer reads one record per line.
    pub fn is_line_mode(&self) -> bool {
        matches!(self.mode, Mode::Lines(_))
    }
}

fn first_line_is_plain_object(head: &[u8], paths: &[Vec<Vec<u8>>]) -> bool {
    let head = head.strip_prefix(BOM).unwrap_or(head);
    let start = head
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(head.len());
    let rest = &head[start..];
    if rest.first() != Some(&b'{') {
        return false;
    }
    let Some(line_end) = memchr::memchr(b'\n', rest) else {
        return false;
    };
    let line = &rest[..line_end];
    let mut doc = DocumentFramer::new(paths.to_vec());
    let mut at = 0;
    let mut records = 0;
    while at < line.len() {
        match doc.scan(&line[at..]) {
            Step::Unwrap(_) => return false,
            Step::End(n) => {
                records += 1;
                at += n;
            }
            Step::Gap(n) | Step::Part(n) => at += n,
        }
    }
    records == 1 && !doc.in_record()
}

impl Framer for JsonFramer {
    fn scan(&mut self, buf: &[u8]) -> Step {
        if self.bom_seen < BOM.len() && !buf.is_empty() {
            // A BOM may arrive split across pushes: take it a byte at a time.
            if buf[0] == BOM[self.bom_seen] {
                self.bom_seen += 1;
                return Step::Gap(1);
            }
            self.bom_seen = BOM.len();
        }
        match &mut self.mode {
            Mode::Lines(f) => f.scan(buf),
            Mode::Document(f) => f.scan(buf),
        }
    }

    fn finish(&mut self) -> Result<bool, &'static str> {
        match &mut self.mode {
            Mode::Lines(f) => f.finish(),
            Mode::Document(f) => f.finish(),
        }
    }

    fn in_record(&self) -> bool {
        match &self.mode {
            Mode::Lines(f) => f.in_record(),
            Mode::Document(f) => f.in_record(),
        }
    }

    fn record_step_newlines(&self) -> Option<u64> {
        match &self.mode {
            Mode::Lines(f) => f.record_step_newlines(),
            Mode::Document(_) => None,
        }
    }
}

/// What an open container is to the framer.
#[derive(Debug, Clone)]
enum Frame {
    /// A top-level array: its elements are records.
    TopArray,
    /// An envelope's array: its elements are records.
    EnvelopeArray,
    /// An object on the way to an envelope array: the root object of a top-level value, or an object under it
    /// reached by a prefix of an envelope path. `paths` are the envelope paths still matching, `level` how many
    /// keys of them are matched.
    Object {
        paths: Vec<usize>,
        level: usize,
        expect: Expect,
        key_paths: Vec<usize>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    Key,
    Colon,
    Value,
    CommaOrEnd,
}

/// A value being skipped over as a whole: a record (inside an array) or an opaque member of an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Skip {
    None,
    /// Inside a container value, `depth` levels deep.
    Container {
        depth: u32,
        record: bool,
    },
    /// Inside a scalar (number, literal) value.
    Scalar {
        record: bool,
    },
    /// Inside a string value.
    Str {
        record: bool,
    },
}

/// Frames a JSON document (or a sequence of them) structurally.
struct DocumentFramer {
    paths: Vec<Vec<Vec<u8>>>,
    stack: Vec<Frame>,
    skip: Skip,
    /// Inside a string that is part of a skipped container.
    in_string: bool,
    escaped: bool,
    /// Reading an object key.
    in_key: bool,
    key: Vec<u8>,
    /// The current top-level value is an object not yet known to be a record or an envelope.
    tentative: bool,
    /// A record (or tentative record) is open.
    open: bool,
    /// The input is not JSON at this point: everything after is one broken record.
    broken: bool,
}

impl DocumentFramer {
    fn new(paths: Vec<Vec<Vec<u8>>>) -> Self {
        DocumentFramer {
            paths,
            stack: Vec::new(),
            skip: Skip::None,
            in_string: false,
            escaped: false,
            in_key: false,
            key: Vec::new(),
            tentative: false,
            open: false,
            broken: false,
        }
    }

    /// The step for `n` bytes that did not end a record.
    fn part_or_gap(&self, n: usize) -> Step {
        if self.open { Step::Part(n) } else { Step::Gap(n) }
    }

    fn start_record(&mut self) {
        self.open = true;
    }

    fn scan(&mut self, buf: &[u8]) -> Step {
        if buf.is_empty() {
            return Step::Gap(0);
        }
        if self.broken {
            return Step::Part(buf.len());
        }
        let mut i = 0;
        while i < buf.len() {
            // Skipping a value as a whole: the fast path. `Some((n, record))` once it ends `n` bytes on.
            let ended = match self.skip {
                Skip::None => None,
                Skip::Str { record } => match self.skip_string(&buf[i..]) {
                    Some(n) => Some((n, record)),
                    None => return self.part_or_gap(buf.len()),
                },
                Skip::Scalar { record } => {
                    let end = buf[i..]
                        .iter()
                        .position(|&b| matches!(b, b',' | b']' | b'}') || b.is_ascii_whitespace());
                    match end {
                        Some(n) => Some((n, record)),
                        None => return self.part_or_gap(buf.len()),
                    }
                }
                Skip::Container { depth, record } => match self.skip_container(&buf[i..], depth) {
                    Ok(n) => Some((n, record)),
                    Err(depth) => {
                        self.skip = Skip::Container { depth, record };
                        return self.part_or_gap(buf.len());
                    }
                },
            };
            if let Some((n, record)) = ended {
                i += n;
                self.skip = Skip::None;
                if record {
                    return self.end_record(i);
                }
                self.after_value();
                continue;
            }
            if self.in_key {
                match self.read_key(&buf[i..]) {
                    Some(n) => {
                        i += n;
                        self.in_key = false;
                        self.key_done();
                        continue;
                    }
                    None => return self.part_or_gap(buf.len()),
                }
            }
            let b = buf[i];
            if b.is_ascii_whitespace() {
                i += 1;
                continue;
            }
            match self.stack.last().cloned() {
                None => {
                    // Between top-level values.
                    match b {
                        b'[' => {
                            if i > 0 {
                                return Step::Gap(i);
                            }
                            self.stack.push(Frame::TopArray);
                            i += 1;
                        }
                        b'{' => {
                            if i > 0 {
                                return Step::Gap(i);
                            }
                            self.start_record();
                            self.tentative = true;
                            let all: Vec<usize> = (0..self.paths.len()).collect();
                            self.stack.push(Frame::Object {
                                paths: all,
                                level: 0,
                                expect: Expect::Key,
                                key_paths: Vec::new(),
                            });
                            i += 1;
                        }
                        _ => {
                            if i > 0 {
                                return Step::Gap(i);
                            }
                            // Not JSON: the rest of the input is one broken record.
                            self.start_record();
                            self.broken = true;
                            return Step::Part(buf.len());
                        }
                    }
                }
                Some(Frame::TopArray) | Some(Frame::EnvelopeArray) => match b {
                    b',' => i += 1,
                    b']' => {
                        self.stack.pop();
                        i += 1;
                        if self.stack.is_empty() {
                            self.open = false;
                        } else {
                            self.after_value();
                        }
                    }
                    _ => {
                        if i > 0 {
                            return self.part_or_gap(i);
                        }
                        self.start_record();
                        self.skip = value_skip(b, true);
                        i += 1;
                    }
                },
                Some(Frame::Object {
                    level,
                    expect,
                    key_paths,
                    ..
                }) => match (expect, b) {
                    (Expect::Key, b'"') => {
                        self.in_key = true;
                        self.key.clear();
                        i += 1;
                    }
                    (Expect::Key | Expect::CommaOrEnd, b'}') => {
                        self.stack.pop();
                        i += 1;
                        if self.stack.is_empty() {
                            if self.tentative {
                                self.tentative = false;
                                return self.end_record(i);
                            }
                            self.open = false;
                            return Step::Gap(i);
                        }
                        self.after_value();
                    }
                    (Expect::CommaOrEnd, b',') => {
                        self.set_expect(Expect::Key);
                        i += 1;
                    }
                    (Expect::Colon, b':') => {
                        self.set_expect(Expect::Value);
                        i += 1;
                    }
                    (Expect::Value, _) => {
                        let full = key_paths.iter().any(|&p| self.paths[p].len() == level + 1);
                        let deeper: Vec<usize> = key_paths
                            .iter()
                            .copied()
                            .filter(|&p| self.paths[p].len() > level + 1)
                            .collect();
                        if b == b'[' && full {
                            self.set_expect(Expect::CommaOrEnd);
                            self.stack.push(Frame::EnvelopeArray);
                            i += 1;
                            if self.tentative {
                                // The root object is an envelope: all of it so far is a gap.
                                self.tentative = false;
                                self.open = false;
                                return Step::Unwrap(i);
                            }
                        } else if b == b'{' && !deeper.is_empty() {
                            self.set_expect(Expect::CommaOrEnd);
                            self.stack.push(Frame::Object {
                                paths: deeper,
                                level: level + 1,
                                expect: Expect::Key,
                                key_paths: Vec::new(),
                            });
                            i += 1;
                        } else {
                            self.set_expect(Expect::CommaOrEnd);
                            self.skip = value_skip(b, false);
                            i += 1;
                        }
                    }
                    _ => {
                        // Malformed JSON inside an envelope or tentative record: the rest is one broken record,
                        // starting at the offending byte whatever the split (what came before is settled first).
                        if i > 0 {
                            return self.part_or_gap(i);
                        }
                        if !self.open {
                            self.start_record();
                        }
                        self.broken = true;
                        return Step::Part(buf.len());
                    }
                },
            }
        }
        self.part_or_gap(buf.len())
    }

    fn end_record(&mut self, n: usize) -> Step {
        self.open = false;
        Step::End(n)
    }

    /// A member value (or array element that was not a record) ended.
    fn after_value(&mut self) {
        self.set_expect(Expect::CommaOrEnd);
    }

    fn set_expect(&mut self, to: Expect) {
        if let Some(Frame::Object { expect, .. }) = self.stack.last_mut() {
            *expect = to;
        }
    }

    fn key_done(&mut self) {
        let key = std::mem::take(&mut self.key);
        if let Some(Frame::Object {
            paths,
            level,
            expect,
            key_paths,
        }) = self.stack.last_mut()
        {
            *key_paths = paths
                .iter()
                .copied()
                .filter(|&p| self.paths[p].get(*level) == Some(&key))
                .collect();
            *expect = Expect::Colon;
        }
        self.key = key;
    }

    /// Reads key bytes up to the closing quote; returns the bytes consumed including it.
    fn read_key(&mut self, buf: &[u8]) -> Option<usize> {
        let mut i = 0;
        while i < buf.len() {
            let b = buf[i];
            if self.escaped {
                self.escaped = false;
                self.key.push(b);
            } else if b == b'\\' {
                self.escaped = true;
            } else if b == b'"' {
                return Some(i + 1);
            } else {
                self.key.push(b);
            }
            i += 1;
        }
        None
    }

    /// Skips string bytes up to and including the closing quote.
    fn skip_string(&mut self, buf: &[u8]) -> Option<usize> {
        let mut i = 0;
        if self.escaped {
            self.escaped = false;
            i = 1;
        }
        while i < buf.len() {
            let j = i + memchr::memchr2(b'"', b'\\', &buf[i..])?;
            if buf[j] == b'\\' {
                if j + 1 >= buf.len() {
                    self.escaped = true;
                    return None;
                }
                i = j + 2;
            } else {
                return Some(j + 1);
            }
        }
        None
    }

    /// Skips container bytes until the container closes; `Err(depth)` if the buffer ran out first.
    ///
    /// Whole 64-byte blocks go through the block skipper (see `blocks`), the rest byte by byte. Both reach the
    /// same end from the same state, so where the buffer was split does not matter; a block holding a backslash
    /// outside strings (malformed, where the two could differ) is left to the byte loop.
    fn skip_container(&mut self, buf: &[u8], mut depth: u32) -> Result<usize, u32> {
        let mut i = 0;
        if self.in_string {
            match self.skip_string(buf) {
                Some(n) => {
                    self.in_string = false;
                    i = n;
                }
                None => return Err(depth),
            }
        }
        let mut skipper = Skipper::at_depth(depth);
        while let Some(block) = buf
            .get(i..i + BLOCK)
            .and_then(|b| <&[u8; BLOCK]>::try_from(b).ok())
        {
            let before = skipper;
            match skipper.step(block) {
                Some(Some(end)) => return Ok(i + end),
                Some(None) => i += BLOCK,
                None => {
                    skipper = before;
                    break;
                }
            }
        }
        depth = skipper.depth;
        if skipper.in_string() {
            // The blocks stopped inside a string: finish it byte by byte.
            self.escaped = skipper.escaping();
            if i == buf.len() {
                self.in_string = true;
                return Err(depth);
            }
            match self.skip_string(&buf[i..]) {
                Some(n) => i += n,
                None => {
                    self.in_string = true;
                    return Err(depth);
                }
            }
        }
        while i < buf.len() {
            match buf[i] {
                b'"' => match self.skip_string(&buf[i + 1..]) {
                    Some(n) => i += 1 + n,
                    None => {
                        self.in_string = true;
                        return Err(depth);
                    }
                },
                b'{' | b'[' => {
                    depth += 1;
                    i += 1;
                }
                b'}' | b']' => {
                    depth -= 1;
                    i += 1;
                    if depth == 0 {
                        return Ok(i);
                    }
                }
                _ => i += 1,
            }
        }
        Err(depth)
    }

    fn finish(&mut self) -> Result<bool, &'static str> {
        let open = std::mem::take(&mut self.open);
        let clean = self.stack.is_empty() && self.skip == Skip::None && !self.broken && !self.in_key;
        let scalar_record = matches!(self.skip, Skip::Scalar { record: true });
        if open && !clean && !scalar_record {
            return Err("the JSON ends in the middle of this record (truncated export?)");
        }
        if !open && !self.stack.is_empty() {
            return Err("the JSON ends before its envelope or array is closed (truncated export?)");
        }
        Ok(open)
    }

    fn in_record(&self) -> bool {
        self.open
    }
}

fn value_skip(first: u8, record: bool) -> Skip {
    match first {
        b'{' | b'[' => Skip::Container { depth: 1, record },
        b'"' => Skip::Str { record },
        _ => Skip::Scalar { record },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_rng::TestRng;

    const ENVELOPES: &[&[&str]] = &[&["value"], &["items"], &["records"], &["data", "events"]];

    fn frame(input: &[u8], piece: usize) -> (Vec<String>, Result<bool, &'static str>) {
        let mut framer = JsonFramer::new(input, ENVELOPES);
        let mut records = Vec::new();
        let mut current = Vec::new();
        for part in input.chunks(piece.max(1)) {
            let mut at = 0;
            while at < part.len() {
                match framer.scan(&part[at..]) {
                    Step::Gap(0) => break,
                    Step::Gap(n) => at += n,
                    Step::Part(n) => {
                        current.extend_from_slice(&part[at..at + n]);
                        at += n;
                    }
                    Step::End(n) => {
                        current.extend_from_slice(&part[at..at + n]);
                        records.push(String::from_utf8_lossy(&current).trim().to_string());
                        current.clear();
                        at += n;
                    }
                    Step::Unwrap(n) => {
                        current.clear();
                        at += n;
                    }
                }
            }
        }
        let end = framer.finish();
        if end == Ok(true) {
            records.push(String::from_utf8_lossy(&current).trim().to_string());
        }
        (records, end)
    }

    /// Records long enough for the block skipper, with escapes and brackets inside strings, runs of
    /// backslashes across block edges, and now and then a stray backslash outside strings (malformed).
    #[test]
    fn long_records_frame_the_same_whatever_the_split() {
        let mut rng = TestRng::new(0x2545_F491_4F6C_DD1D);
        let mut next = |n: u64| rng.below(n);
        for round in 0..60 {
            let mut input = String::from(if round % 2 == 0 { "[" } else { "{\"value\": [" });
            let count = 1 + next(4);
            let mut expected = Vec::new();
            for r in 0..count {
                let mut record = String::from("{\"id\": ");
                record += &r.to_string();
                for m in 0..1 + next(6) {
                    let pad = "x".repeat(next(90) as usize);
                    let slashes = "\\\\".repeat(next(3) as usize);
                    let value = match next(4) {
                        0 => format!("\"{pad}{slashes}\\\"]}}{{\""),
                        1 => format!("[{{\"a\": \"{pad}\"}}, [1, 2, \"]\"], \"{slashes}\"]"),
                        2 => format!("{{\"deep\": {{\"deeper\": [\"{pad}\", {{}}]}}}}"),
                        _ => format!("\"{pad}\""),
                    };
                    record += &format!(", \"m{m}\": {value}");
                }
                if next(10) == 0 {
                    record += ", \"z\": [\\\"}]";
                }
                record.push('}');
                expected.push(record.clone());
                input += &record;
                input += if r + 1 < count { ",\n" } else { "" };
            }
            input += if round % 2 == 0 { "]" } else { "]}" };
            let (whole, end) = frame(input.as_bytes(), input.len());
            if !input.contains("[\\") {
                assert_eq!(whole, expected, "{input}");
                assert_eq!(end, Ok(false), "{input}");
            }
            for piece in [1, 3, 63, 64, 65, 127, 200] {
                assert_eq!(
                    frame(input.as_bytes(), piece),
                    (whole.clone(), end),
                    "piece {piece}: {input}"
                );
            }
        }
    }

    fn check(input: &str, expected: &[&str]) {
        let (whole, end) = frame(input.as_bytes(), input.len());
        assert!(end.is_ok(), "{input}: {end:?}");
        assert_eq!(whole, expected, "{input}");
        for piece in 1..input.len().min(40) {
            assert_eq!(frame(input.as_bytes(), piece).0, whole, "{input} piece {piece}");
        }
    }

    #[test]
    fn arrays_envelopes_lines_and_sequences() {
        check(
            "[{\"a\":1}, {\"b\":[2,{\"c\":\"]}\"}]}]",
            &["{\"a\":1}", "{\"b\":[2,{\"c\":\"]}\"}]}"],
        );
        check("{\"a\":1}\n{\"b\":2}\n", &["{\"a\":1}", "{\"b\":2}"]);
        check(
            "{\"@odata.context\":\"x\",\"@odata.nextLink\":\"y\",\"value\":[{\"id\":1},{\"id\":2}]}",
            &["{\"id\":1}", "{\"id\":2}"],
        );
        check(
            "{\"kind\":\"k\",\"items\":[{\"id\":1}],\"nextPageToken\":\"t\"}\n{\"kind\":\"k\"}",
            &["{\"id\":1}", "{\"kind\":\"k\"}"],
        );
        check(
            "{\"eventType\":\"com.okta.event_hook\",\"data\":{\"other\":[1],\"events\":[{\"uuid\":\"u1\"},{\"uuid\":\"u2\"}]}}",
            &["{\"uuid\":\"u1\"}", "{\"uuid\":\"u2\"}"],
        );
        check(
            "{\n  \"uuid\": \"one\",\n  \"target\": null\n}\n",
            &["{\n  \"uuid\": \"one\",\n  \"target\": null\n}"],
        );
        check(
            "{\"records\":[{\"a\":1}]}\n{\"records\":[{\"a\":2},{\"a\":3}]}\n",
            &["{\"a\":1}", "{\"a\":2}", "{\"a\":3}"],
        );
        check("\u{feff}[{\"a\":\"x\\\"y\"}]", &["{\"a\":\"x\\\"y\"}"]);
        check("{\"value\":[]}", &[]);
        check("{\"data\":{\"events\":null}}", &["{\"data\":{\"events\":null}}"]);
        check("[1, \"s\", null]", &["1", "\"s\"", "null"]);
    }

    #[test]
    fn garbage_after_an_envelope_array_starts_its_record_at_the_same_byte_whatever_the_split() {
        // Found by fuzzing: the broken tail took in the whitespace before it only when pushed whole.
        use crate::chunk::{ChunkAssembler, ChunkOptions};
        let input = b"{\"items\": [{\"a\": 1}]\n    \x96\n]}";
        let records = |piece: usize| {
            let framer = JsonFramer::new(input, ENVELOPES);
            let mut a = ChunkAssembler::new("t".into(), Box::new(framer), ChunkOptions::default());
            for p in input.chunks(piece) {
                a.push(p);
            }
            let chunk = a.finish(None).expect("records");
            chunk
                .records
                .iter()
                .map(|r| (chunk.offset(r), chunk.bytes(r).to_vec()))
                .collect::<Vec<_>>()
        };
        let whole = records(input.len());
        assert_eq!(whole.len(), 2);
        assert_eq!(whole[1].0, 25, "the broken record starts at the offending byte");
        for piece in 1..input.len() {
            assert_eq!(records(piece), whole, "piece {piece}");
        }
    }

    #[test]
    fn line_mode_is_chosen_for_ndjson_of_plain_objects() {
        assert!(JsonFramer::new(b"{\"a\":1}\n{\"a\":2}\n", ENVELOPES).is_line_mode());
        assert!(!JsonFramer::new(b"{\"value\":[{\"a\":1}]}\n", ENVELOPES).is_line_mode());
        assert!(!JsonFramer::new(b"[{\"a\":1}]\n", ENVELOPES).is_line_mode());
        assert!(!JsonFramer::new(b"{\n\"a\":1}\n", ENVELOPES).is_line_mode());
        // In line mode a broken line spoils only itself.
        check(
            "{\"a\":1}\n{\"b\":\n{\"c\":3}\n",
            &["{\"a\":1}", "{\"b\":", "{\"c\":3}"],
        );
    }

    #[test]
    fn truncated_documents_are_reported() {
        let (records, end) = frame(b"[{\"a\":1},{\"b\":", 100);
        assert_eq!(records, ["{\"a\":1}"]);
        assert!(end.is_err());
        let (_, end) = frame(b"{\"value\":[{\"a\":1}", 100);
        assert!(end.is_err());
    }
}
