//! Splitting one CSV record into fields and mapping them onto a row.

use std::borrow::Cow;

use ssoimport_schema::RejectCode;
use ssoimport_schema::intermediate::RecordKind;
use ssoimport_source::{RecordBuilder, RecordParser, Row};

use crate::header::{ColumnMap, Field};

/// Splits a complete record (its line break included or not) into fields. Quoted fields may hold delimiters,
/// line breaks and doubled quotes; a quote inside an unquoted field is kept as it is.
pub fn split_fields(record: &str, delimiter: u8) -> Vec<Cow<'_, str>> {
    let mut fields = Vec::new();
    for_each_field(record, delimiter, |_, f| {
        fields.push(f);
        true
    });
    fields
}

/// Calls `visit(index, field)` for each field until it returns false; returns the number of fields seen.
fn for_each_field<'a>(
    record: &'a str,
    delimiter: u8,
    mut visit: impl FnMut(usize, Cow<'a, str>) -> bool,
) -> usize {
    let record = record.trim_end_matches(['\r', '\n']);
    let bytes = record.as_bytes();
    let mut at = 0;
    let mut index = 0;
    loop {
        let (field, next) = if bytes.get(at) == Some(&b'"') {
            quoted_field(record, at + 1, delimiter)
        } else {
            let end = memchr_delim(bytes, at, delimiter);
            (Cow::Borrowed(&record[at..end]), end)
        };
        if !visit(index, field) {
            return index + 1;
        }
        index += 1;
        if next >= bytes.len() {
            return index;
        }
        at = next + 1;
    }
}

fn memchr_delim(bytes: &[u8], from: usize, delimiter: u8) -> usize {
    bytes[from..]
        .iter()
        .position(|&b| b == delimiter)
        .map_or(bytes.len(), |i| from + i)
}

/// Reads a quoted field starting after its opening quote; returns it and the position of the delimiter after it
/// (or the end). Text after the closing quote and before the delimiter is kept, as spreadsheet tools do.
fn quoted_field(record: &str, start: usize, delimiter: u8) -> (Cow<'_, str>, usize) {
    let bytes = record.as_bytes();
    let mut owned: Option<String> = None;
    let mut seg_start = start;
    let mut at = start;
    while at < bytes.len() {
        if bytes[at] == b'"' {
            if bytes.get(at + 1) == Some(&b'"') {
                owned
                    .get_or_insert_with(String::new)
                    .push_str(&record[seg_start..=at]);
                at += 2;
                seg_start = at;
                continue;
            }
            let end = memchr_delim(bytes, at + 1, delimiter);
            let tail = &record[at + 1..end];
            let field = match owned {
                Some(mut s) => {
                    s.push_str(&record[seg_start..at]);
                    s.push_str(tail);
                    Cow::Owned(s)
                }
                None if tail.is_empty() => Cow::Borrowed(&record[seg_start..at]),
                None => Cow::Owned(format!("{}{tail}", &record[seg_start..at])),
            };
            return (field, end);
        }
        at += 1;
    }
    // No closing quote: the framing already flagged an input that ends this way; keep what is there.
    let field = match owned {
        Some(mut s) => {
            s.push_str(&record[seg_start..]);
            Cow::Owned(s)
        }
        None => Cow::Borrowed(&record[seg_start..]),
    };
    (field, bytes.len())
}

/// Parses the data rows of one CSV input.
pub(crate) struct CsvRowParser {
    delimiter: u8,
    header_len: usize,
    /// For each column index, the field it feeds (if any).
    wanted: Vec<Option<Field>>,
}

impl CsvRowParser {
    pub(crate) fn new(columns: ColumnMap, delimiter: u8, header_len: usize) -> Self {
        let mut wanted = vec![None; header_len];
        for field in Field::ALL {
            if let Some(c) = columns.get(field) {
                wanted[c] = Some(field);
            }
        }
        CsvRowParser {
            delimiter,
            header_len,
            wanted,
        }
    }
}

impl RecordParser for CsvRowParser {
    fn parse(&self, record: &str, out: &mut RecordBuilder) {
        let mut values: [Option<Cow<'_, str>>; 9] = Default::default();
        let mut extra_non_empty = 0usize;
        let mut any_value = false;
        let fields = for_each_field(record, self.delimiter, |i, value| {
            let blank = value.trim().is_empty();
            any_value |= !blank;
            match self.wanted.get(i) {
                Some(Some(field)) if !blank => values[*field as usize] = Some(value),
                Some(_) => {}
                None if !blank => extra_non_empty += 1,
                None => {}
            }
            true
        });
        if !any_value {
            // A row of empty cells (a spreadsheet artefact) is no record.
            out.filter();
            return;
        }
        if extra_non_empty > 0 {
            out.reject(
                RejectCode::FieldCountMismatch,
                &format!(
                    "row has {fields} fields but the header has {}; a delimiter inside an unquoted value?",
                    self.header_len
                ),
            );
            return;
        }
        let get = |f: Field| values[f as usize].as_deref();
        let row = Row {
            event_id: get(Field::EventId),
            occurred_at: get(Field::OccurredAt),
            email: get(Field::Email),
            user_id: get(Field::UniqueId),
            first_name: get(Field::FirstName),
            last_name: get(Field::LastName),
            display_name: get(Field::DisplayName),
            app_instance_id: get(Field::AppId),
            app_name: get(Field::AppName),
            ..Row::new(RecordKind::SignIn)
        };
        out.push(&row);
    }
}
