//! Building batches of the intermediate schema, one row per record read.

use std::sync::Arc;

use arrow_array::builder::{ArrayBuilder, StringBuilder, UInt8Builder, UInt32Builder, UInt64Builder};
use arrow_array::types::Int32Type;
use arrow_array::{ArrayRef, DictionaryArray, Int32Array, RecordBatch, StringArray, new_null_array};
use arrow_schema::DataType;
use ssoimport_schema::RejectCode;
use ssoimport_schema::intermediate::{self, RecordKind, col};

/// The values of one record, as the source wrote them. Readers fill what their source has.
#[derive(Debug, Clone, Copy)]
pub struct Row<'a> {
    /// What the record describes.
    pub kind: RecordKind,
    /// The source's event id.
    pub event_id: Option<&'a str>,
    /// When the sign-in happened.
    pub occurred_at: Option<&'a str>,
    /// The user's email or login.
    pub email: Option<&'a str>,
    /// The source's stable user id.
    pub user_id: Option<&'a str>,
    /// First name.
    pub first_name: Option<&'a str>,
    /// Last name.
    pub last_name: Option<&'a str>,
    /// Display name.
    pub display_name: Option<&'a str>,
    /// Id of the app instance.
    pub app_instance_id: Option<&'a str>,
    /// Separate catalogue id of the app.
    pub app_id: Option<&'a str>,
    /// App name.
    pub app_name: Option<&'a str>,
    /// App display name or label.
    pub app_display_name: Option<&'a str>,
    /// When the user got access.
    pub activated_at: Option<&'a str>,
    /// When the user was last active.
    pub last_activity_at: Option<&'a str>,
    /// When the user lost access.
    pub deactivated_at: Option<&'a str>,
    /// When the app was created.
    pub app_created_at: Option<&'a str>,
}

impl Row<'_> {
    /// An empty row of the given kind.
    pub const fn new(kind: RecordKind) -> Self {
        Row {
            kind,
            event_id: None,
            occurred_at: None,
            email: None,
            user_id: None,
            first_name: None,
            last_name: None,
            display_name: None,
            app_instance_id: None,
            app_id: None,
            app_name: None,
            app_display_name: None,
            activated_at: None,
            last_activity_at: None,
            deactivated_at: None,
            app_created_at: None,
        }
    }
}

/// Where the record being parsed lies in its input.
#[derive(Debug, Clone, Copy, Default)]
pub struct Provenance {
    /// 0-based index of the record.
    pub index: u64,
    /// 1-based line where it starts, if the container has lines.
    pub line: Option<u64>,
    /// Byte offset in the decompressed input.
    pub offset: u64,
    /// Length in bytes.
    pub length: u64,
}

/// Appends rows of the intermediate schema. Every record read ends up as rows (one or more), as a reject row,
/// or counted as filtered.
pub struct RecordBuilder {
    file: Arc<str>,
    record: UInt64Builder,
    line: UInt64Builder,
    offset: UInt64Builder,
    length: UInt32Builder,
    kind: UInt8Builder,
    text: Vec<TextColumn>,
    current: Provenance,
    filtered: u64,
    rows: usize,
}

const FIRST_TEXT: usize = col::EVENT_ID;

impl RecordBuilder {
    /// A builder for records of one input.
    pub fn new(file: Arc<str>) -> Self {
        Self::with_capacity(file, 0)
    }

    /// A builder with room for about `rows` rows (the records of a chunk, say), so that its columns do not grow
    /// from nothing by doubling and copying, as they did for every chunk.
    pub fn with_capacity(file: Arc<str>, rows: usize) -> Self {
        RecordBuilder {
            file,
            record: UInt64Builder::with_capacity(rows),
            line: UInt64Builder::with_capacity(rows),
            offset: UInt64Builder::with_capacity(rows),
            length: UInt32Builder::with_capacity(rows),
            kind: UInt8Builder::with_capacity(rows),
            text: (FIRST_TEXT..col::COUNT)
                .map(|_| TextColumn {
                    builder: StringBuilder::new(),
                    leading_nulls: 0,
                    rows,
                })
                .collect(),
            current: Provenance::default(),
            filtered: 0,
            rows: 0,
        }
    }

    /// Sets the provenance of the rows pushed until the next call.
    pub fn begin(&mut self, provenance: Provenance) {
        self.current = provenance;
    }

    /// Appends a row for the current record.
    pub fn push(&mut self, row: &Row<'_>) {
        self.push_provenance(row.kind);
        let values = [
            row.event_id,
            row.occurred_at,
            row.email,
            row.user_id,
            row.first_name,
            row.last_name,
            row.display_name,
            row.app_instance_id,
            row.app_id,
            row.app_name,
            row.app_display_name,
            row.activated_at,
            row.last_activity_at,
            row.deactivated_at,
            row.app_created_at,
            None,
            None,
        ];
        for (column, value) in self.text.iter_mut().zip(values) {
            column.append(value);
        }
    }

    /// Appends a reject row for the current record.
    pub fn reject(&mut self, code: RejectCode, detail: &str) {
        self.push_provenance(RecordKind::SignIn);
        let last = self.text.len() - 2;
        for column in &mut self.text[..last] {
            column.append(None);
        }
        self.text[last].append(Some(code.as_str()));
        self.text[last + 1].append(Some(detail));
    }

    /// Counts the current record as filtered: read, understood, and not wanted (another event type, a failed
    /// sign-in, ...).
    pub fn filter(&mut self) {
        self.filtered += 1;
    }

    fn push_provenance(&mut self, kind: RecordKind) {
        self.record.append_value(self.current.index);
        self.line.append_option(self.current.line);
        self.offset.append_value(self.current.offset);
        self.length
            .append_value(u32::try_from(self.current.length).unwrap_or(u32::MAX));
        self.kind.append_value(kind as u8);
        self.rows += 1;
    }

    /// Rows appended since the last [`Self::finish`].
    pub fn len(&self) -> usize {
        self.rows
    }

    /// Whether no row was appended since the last [`Self::finish`].
    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// Records counted as filtered since the last [`Self::take_filtered`].
    pub fn take_filtered(&mut self) -> u64 {
        std::mem::take(&mut self.filtered)
    }

    /// Builds the batch of the rows appended so far and starts a new one.
    pub fn finish(&mut self) -> RecordBatch {
        let rows = std::mem::take(&mut self.rows);
        let keys = Int32Array::from(vec![0; rows]);
        let values: ArrayRef = Arc::new(StringArray::from(vec![self.file.as_ref()]));
        let file = DictionaryArray::<Int32Type>::try_new(keys, values)
            .expect("every key points at the one file name");
        let mut columns: Vec<ArrayRef> = vec![
            Arc::new(file),
            Arc::new(self.record.finish()),
            Arc::new(self.line.finish()),
            Arc::new(self.offset.finish()),
            Arc::new(self.length.finish()),
            Arc::new(self.kind.finish()),
        ];
        columns.extend(self.text.iter_mut().map(TextColumn::finish));
        RecordBatch::try_new(intermediate::schema(), columns).expect("columns follow the intermediate schema")
    }
}

/// A text column whose nulls before its first value are only counted: a reader fills some columns of the
/// intermediate schema and leaves the rest null in every row, and appending those nulls one by one cost about a
/// percent of a conversion.
struct TextColumn {
    builder: StringBuilder,
    /// Nulls not yet appended to `builder`, which holds no value while this is counting.
    leading_nulls: usize,
    /// Rows expected: the room given the builder when its first value comes (a column that stays null takes none).
    rows: usize,
}

/// Bytes of room per expected row given a text column's values (ids, emails and names are a few dozen bytes).
const TEXT_BYTES_PER_ROW: usize = 32;

impl TextColumn {
    #[inline]
    fn append(&mut self, value: Option<&str>) {
        match value {
            None if self.builder.is_empty() => self.leading_nulls += 1,
            None => self.builder.append_null(),
            Some(text) => {
                if self.builder.is_empty() && self.rows > 0 {
                    self.builder = StringBuilder::with_capacity(self.rows, self.rows * TEXT_BYTES_PER_ROW);
                }
                if self.leading_nulls > 0 {
                    self.builder.append_nulls(std::mem::take(&mut self.leading_nulls));
                }
                self.builder.append_value(text);
            }
        }
    }

    /// The column of the rows appended so far; the builder starts again empty.
    fn finish(&mut self) -> ArrayRef {
        if self.builder.is_empty() {
            new_null_array(&DataType::Utf8, std::mem::take(&mut self.leading_nulls))
        } else {
            Arc::new(self.builder.finish())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::Array;
    use arrow_array::cast::AsArray;

    fn texts(batch: &RecordBatch, column: usize) -> Vec<Option<String>> {
        let array = batch.column(column).as_string::<i32>();
        (0..array.len())
            .map(|row| array.is_valid(row).then(|| array.value(row).to_owned()))
            .collect()
    }

    #[test]
    fn nulls_before_between_and_after_values_keep_their_rows() {
        // Without room, with room for fewer rows than come, and with more.
        for rows in [0, 3, 100] {
            rows_come_back_as_pushed(RecordBuilder::with_capacity(Arc::from("in.ndjson"), rows));
        }
    }

    const EMAILS: [Option<&str>; 6] = [None, None, Some("a@x.io"), None, Some("b@x.io"), None];

    /// Six sign-ins (emails as in `EMAILS`), then a reject.
    fn push_rows(builder: &mut RecordBuilder) {
        for (index, email) in EMAILS.into_iter().enumerate() {
            builder.begin(Provenance {
                index: index as u64,
                ..Provenance::default()
            });
            builder.push(&Row {
                email,
                ..Row::new(RecordKind::SignIn)
            });
        }
        builder.begin(Provenance::default());
        builder.reject(RejectCode::MissingAppTarget, "no app");
    }

    fn rows_come_back_as_pushed(mut builder: RecordBuilder) {
        push_rows(&mut builder);
        // Read twice: a builder starts again empty after `finish`, counting nulls afresh.
        for round in 0..2 {
            let batch = builder.finish();
            assert_eq!(batch.num_rows(), 7, "round {round}");
            let mut expected: Vec<Option<String>> = EMAILS.iter().map(|e| e.map(str::to_owned)).collect();
            expected.push(None);
            assert_eq!(texts(&batch, col::EMAIL), expected);
            assert_eq!(texts(&batch, col::FIRST_NAME), vec![None; 7]);
            assert_eq!(batch.column(col::FIRST_NAME).null_count(), 7);
            let mut code = vec![None; 6];
            code.push(Some("missing_app_target".to_owned()));
            assert_eq!(texts(&batch, col::REJECT_CODE), code);
            push_rows(&mut builder);
        }
    }
}
