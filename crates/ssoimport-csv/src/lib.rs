//! CSV reader of ssoimport: any sign-in or app-access export as CSV, one row per event or per user-app pair.
//!
//! Columns are found by their header, normalised (case, spaces, punctuation ignored) and matched against
//! synonyms (`Email`, `User Email`, `UPN`, `Username`, ...); an explicit mapping overrides that. The delimiter
//! (`,` `;` tab `|`) is sniffed from the header. A UTF-8 BOM, CRLF line ends, quoted delimiters and newlines are
//! read as a careful person would; rows that are not UTF-8 or have more non-empty fields than the header become
//! rejects with their line, and reading goes on.
//!
//! ```
//! use std::sync::Arc;
//! use ssoimport_csv::{CsvOptions, CsvSource, Field};
//! use ssoimport_source::{ChunkOptions, Decoder, SourceDecoder};
//!
//! let source = CsvSource::new(CsvOptions::default().map(Field::AppName, "Tool"));
//! let mut decoder = SourceDecoder::new(Arc::new(source), "logins.csv", ChunkOptions::default());
//! decoder.decode(b"\xEF\xBB\xBFUser Email;Tool;Login Date\r\nAnn@Example.com;Slack;2024-03-01 09:00:00\r\n")?;
//! let batch = decoder.finish()?.expect("one row");
//! assert_eq!(batch.num_rows(), 1);
//! # Ok::<(), ssoimport_source::SourceError>(())
//! ```

mod header;
mod row;

use std::sync::Arc;

use ssoimport_source::{CsvFramer, Framer, Prepared, Source, SourceError};

pub use header::{ColumnMap, Field, normalize_header};
pub use row::split_fields;

/// Options of the CSV reader.
#[derive(Debug, Clone, Default)]
pub struct CsvOptions {
    /// Explicit `field = header` mappings; they win over the synonyms.
    pub mapping: Vec<(Field, String)>,
    /// The delimiter, if not to be sniffed from the header.
    pub delimiter: Option<u8>,
}

impl CsvOptions {
    /// Maps `field` to the column whose header is `header` (compared normalised).
    pub fn map(mut self, field: Field, header: impl Into<String>) -> Self {
        self.mapping.push((field, header.into()));
        self
    }

    /// Sets the delimiter instead of sniffing it.
    pub fn delimiter(mut self, delimiter: u8) -> Self {
        self.delimiter = Some(delimiter);
        self
    }
}

/// The CSV [`Source`].
#[derive(Debug, Clone, Default)]
pub struct CsvSource {
    options: CsvOptions,
}

impl CsvSource {
    /// A CSV source with these options.
    pub fn new(options: CsvOptions) -> Self {
        CsvSource { options }
    }
}

/// Delimiters tried when sniffing, in order of preference on a tie.
const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];

/// The delimiter that occurs most often outside quotes in a header line.
pub fn sniff_delimiter(header: &[u8]) -> u8 {
    let mut counts = [0usize; DELIMITERS.len()];
    let mut in_quotes = false;
    for &b in header {
        if b == b'"' {
            in_quotes = !in_quotes;
        } else if !in_quotes && let Some(i) = DELIMITERS.iter().position(|&d| d == b) {
            counts[i] += 1;
        }
    }
    let best = (0..DELIMITERS.len())
        .max_by_key(|&i| (counts[i], usize::MAX - i))
        .unwrap_or(0);
    DELIMITERS[best]
}

impl Source for CsvSource {
    fn name(&self) -> &'static str {
        "csv"
    }

    fn sniff(&self, head: &[u8]) -> u8 {
        let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
        let first_line = head.split(|&b| b == b'\n').next().unwrap_or_default();
        match first_line.iter().find(|b| !b.is_ascii_whitespace()) {
            None | Some(b'{') | Some(b'[') => 0,
            Some(_) if DELIMITERS.iter().any(|d| first_line.contains(d)) => 50,
            Some(_) => 5,
        }
    }

    fn framer(&self, _head: &[u8]) -> Box<dyn Framer> {
        Box::new(CsvFramer::new())
    }

    fn prepare(&self, file: &str, first_record: &[u8]) -> Result<Prepared, SourceError> {
        let header = first_record.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(first_record);
        let delimiter = self.options.delimiter.unwrap_or_else(|| sniff_delimiter(header));
        let header_text = String::from_utf8_lossy(header);
        let names: Vec<String> = row::split_fields(&header_text, delimiter)
            .into_iter()
            .map(|f| f.into_owned())
            .collect();
        let columns =
            ColumnMap::resolve(&names, &self.options.mapping).map_err(|detail| SourceError::Format {
                file: file.to_string(),
                source_name: "CSV",
                detail,
            })?;
        Ok(Prepared {
            parser: Arc::new(row::CsvRowParser::new(columns, delimiter, names.len())),
            first_is_header: true,
        })
    }
}

#[cfg(test)]
mod tests;
