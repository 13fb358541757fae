//! Record framing: finding where records start and end in a byte stream, incrementally, so that splitting the
//! input at any byte gives the same records.

/// What a [`Framer`] found in the bytes it was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The first `n` bytes lie between records (whitespace, separators, envelope members).
    Gap(usize),
    /// The first `n` bytes belong to the current record, which goes on.
    Part(usize),
    /// The first `n` bytes end the current record. `End(0)` ends it with the bytes already scanned (a JSON
    /// scalar whose end is seen only at the byte after it).
    End(usize),
    /// The first `n` bytes were taken to be part of a record but turned out to open an envelope (such as
    /// `{"value": [`); everything since the record began is a gap.
    Unwrap(usize),
}

/// How a container separates records. A framer is a resumable state machine: it may be fed any split of the
/// input and reports the same records.
pub trait Framer: Send {
    /// Scans the start of `buf` (the bytes after everything already scanned). Returns what the first bytes are;
    /// the caller advances by the returned length and calls again. An empty `buf` returns `Gap(0)`.
    fn scan(&mut self, buf: &[u8]) -> Step;

    /// The input ended. Returns whether a record was still open and is complete as it stands (`Ok(true)`), no
    /// record was open (`Ok(false)`), or the open record is cut off (`Err` with what was missing).
    fn finish(&mut self) -> Result<bool, &'static str>;

    /// Whether the framer is inside a record.
    fn in_record(&self) -> bool;

    /// The newlines in the bytes of the last `Part` or `End` step, when the framer knows them without counting
    /// (a line framer: none in a part, one closing an end); `None` has the caller count them.
    fn record_step_newlines(&self) -> Option<u64> {
        None
    }
}

/// Newline-delimited records (NDJSON, one record per line). Blank lines are gaps; a trailing `\r` belongs to the
/// line break, not the record.
#[derive(Debug, Default)]
pub struct LineFramer {
    in_record: bool,
    /// Newlines in the last `Part` (0) or `End` (1) step.
    step_newlines: u64,
}

impl Framer for LineFramer {
    fn scan(&mut self, buf: &[u8]) -> Step {
        if buf.is_empty() {
            return Step::Gap(0);
        }
        if !self.in_record {
            let gap = buf.iter().take_while(|b| b.is_ascii_whitespace()).count();
            if gap > 0 {
                return Step::Gap(gap);
            }
            self.in_record = true;
        }
        match memchr::memchr(b'\n', buf) {
            Some(i) => {
                self.in_record = false;
                self.step_newlines = 1;
                Step::End(i + 1)
            }
            None => {
                self.step_newlines = 0;
                Step::Part(buf.len())
            }
        }
    }

    fn finish(&mut self) -> Result<bool, &'static str> {
        Ok(std::mem::take(&mut self.in_record))
    }

    fn record_step_newlines(&self) -> Option<u64> {
        Some(self.step_newlines)
    }

    fn in_record(&self) -> bool {
        self.in_record
    }
}

/// CSV records: a line break ends a record unless it sits inside a quoted field. Empty lines are gaps.
#[derive(Debug)]
pub struct CsvFramer {
    in_record: bool,
    in_quotes: bool,
}

impl CsvFramer {
    /// A framer for CSV. Quoting uses `"` whatever the delimiter.
    pub fn new() -> Self {
        CsvFramer {
            in_record: false,
            in_quotes: false,
        }
    }
}

impl Default for CsvFramer {
    fn default() -> Self {
        Self::new()
    }
}

impl Framer for CsvFramer {
    fn scan(&mut self, buf: &[u8]) -> Step {
        if buf.is_empty() {
            return Step::Gap(0);
        }
        if !self.in_record {
            let gap = buf.iter().take_while(|&&b| b == b'\n' || b == b'\r').count();
            if gap > 0 {
                return Step::Gap(gap);
            }
            self.in_record = true;
        }
        let mut at = 0;
        // Doubled quotes ("") toggle twice, which leaves the state right.
        while let Some(i) = memchr::memchr2(b'"', b'\n', &buf[at..]) {
            let pos = at + i;
            if buf[pos] == b'"' {
                self.in_quotes = !self.in_quotes;
            } else if !self.in_quotes {
                self.in_record = false;
                return Step::End(pos + 1);
            }
            at = pos + 1;
        }
        Step::Part(buf.len())
    }

    fn finish(&mut self) -> Result<bool, &'static str> {
        let open = std::mem::take(&mut self.in_record);
        if open && std::mem::take(&mut self.in_quotes) {
            return Err("a quoted field is never closed before the end of the input");
        }
        Ok(open)
    }

    fn in_record(&self) -> bool {
        self.in_record
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Frames `input` fed in pieces of `piece` bytes and returns the records as strings.
    pub(crate) fn frame_all(framer: &mut dyn Framer, input: &[u8], piece: usize) -> Vec<String> {
        let mut records = Vec::new();
        let mut current = Vec::new();
        for part in input.chunks(piece.max(1)) {
            let mut at = 0;
            while at < part.len() {
                let step = framer.scan(&part[at..]);
                match step {
                    Step::Gap(n) => at += n,
                    Step::Part(n) => {
                        current.extend_from_slice(&part[at..at + n]);
                        at += n;
                    }
                    Step::End(n) => {
                        current.extend_from_slice(&part[at..at + n]);
                        records.push(String::from_utf8_lossy(&current).into_owned());
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
        if framer.finish().unwrap() {
            records.push(String::from_utf8_lossy(&current).into_owned());
        }
        records
    }

    #[test]
    fn lines_split_anywhere_give_the_same_records() {
        let input = b"\n{\"a\":1}\r\n\n  {\"b\":2}\n{\"c\":3}";
        let whole = frame_all(&mut LineFramer::default(), input, input.len());
        assert_eq!(whole, ["{\"a\":1}\r\n", "{\"b\":2}\n", "{\"c\":3}"]);
        for piece in 1..input.len() {
            assert_eq!(
                frame_all(&mut LineFramer::default(), input, piece),
                whole,
                "piece {piece}"
            );
        }
    }

    #[test]
    fn csv_newlines_inside_quotes_do_not_end_records() {
        let input = b"a,b\r\n\"x\ny\",\"he said \"\"hi\"\"\"\r\n\r\nlast,row";
        let whole = frame_all(&mut CsvFramer::new(), input, input.len());
        assert_eq!(
            whole,
            ["a,b\r\n", "\"x\ny\",\"he said \"\"hi\"\"\"\r\n", "last,row"]
        );
        for piece in 1..input.len() {
            assert_eq!(
                frame_all(&mut CsvFramer::new(), input, piece),
                whole,
                "piece {piece}"
            );
        }
    }

    #[test]
    fn csv_quote_open_at_the_end_is_reported() {
        let mut framer = CsvFramer::new();
        assert_eq!(framer.scan(b"a,\"never closed\n"), Step::Part(16));
        assert!(framer.finish().is_err());
    }
}
