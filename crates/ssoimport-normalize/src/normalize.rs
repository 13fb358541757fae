//! The batch mapping: intermediate rows (raw text as the source wrote it) onto the normalized schema.

use std::fmt::Write as _;
use std::sync::Arc;

use arrow_array::builder::{StringBuilder, TimestampMillisecondBuilder};
use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, RecordBatch, StringArray, new_null_array};
use arrow_schema::{ArrowError, DataType};
use ssoimport_schema::RejectCode;
use ssoimport_schema::intermediate::{self, col as src};
use ssoimport_schema::normalized::{self, col as out};
use ssoimport_schema::text::trim;

use crate::timestamp::{SlashDateOrder, other_slash_order_reads, parse_timestamp};

/// Where the `uniqueId` of a user comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum UniqueIdSource {
    /// The trimmed, lower-cased email: the same person has the same key across sources.
    #[default]
    Email,
    /// The source's own user id, stable across renames and email changes.
    SourceId,
}

/// How [`Normalizer`] reads values that can be read more than one way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct NormalizeOptions {
    /// Where `unique_id` comes from.
    pub unique_id: UniqueIdSource,
    /// How ambiguous slashed dates (`3/5/2024`) are read.
    pub slash_dates: SlashDateOrder,
}

impl NormalizeOptions {
    /// These options with `unique_id` set.
    pub fn with_unique_id(mut self, unique_id: UniqueIdSource) -> Self {
        self.unique_id = unique_id;
        self
    }

    /// These options with `slash_dates` set.
    pub fn with_slash_dates(mut self, slash_dates: SlashDateOrder) -> Self {
        self.slash_dates = slash_dates;
        self
    }
}

/// Why a batch could not be normalized: it does not have the intermediate schema. Bad values are never errors;
/// they are recorded in the row's `problem_code`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NormalizeError {
    /// The batch has fewer columns than the intermediate schema.
    #[error(
        "batch has no column `{column}` (position {index}); normalize takes batches of the intermediate schema"
    )]
    MissingColumn {
        /// Position of the first missing column.
        index: usize,
        /// Its name in the intermediate schema.
        column: &'static str,
    },
    /// The batch has more columns than the intermediate schema.
    #[error(
        "batch has an extra column `{column}` at position {index}; normalize takes batches of the intermediate schema"
    )]
    ExtraColumn {
        /// Position of the first extra column.
        index: usize,
        /// Its name in the batch.
        column: String,
    },
    /// A column is not the one the intermediate schema has at its position.
    #[error("batch has column `{found}` at position {index} where the intermediate schema has `{column}`")]
    ColumnName {
        /// The position.
        index: usize,
        /// The name the intermediate schema has there.
        column: &'static str,
        /// The name the batch has there.
        found: String,
    },
    /// A column has another type than in the intermediate schema.
    #[error("column `{column}` is {found}; the intermediate schema has it as {expected}")]
    ColumnType {
        /// The column.
        column: &'static str,
        /// Its type in the intermediate schema.
        expected: DataType,
        /// Its type in the batch.
        found: DataType,
    },
    /// The normalized batch could not be assembled: a broken invariant of the input, such as a null in a
    /// provenance column.
    #[error("cannot assemble the normalized batch: {0}")]
    Output(#[from] ArrowError),
}

/// Maps batches of the intermediate schema onto the normalized schema. Pure and cheap to share across threads.
#[derive(Debug, Clone, Default)]
pub struct Normalizer {
    options: NormalizeOptions,
}

/// The timestamp columns, intermediate position then normalized position; the order is the order in which the
/// first unreadable one is reported.
const TIMESTAMPS: [(usize, usize); 5] = [
    (src::OCCURRED_AT, out::OCCURRED_AT),
    (src::ACTIVATED_AT, out::ACTIVATED_AT),
    (src::LAST_ACTIVITY_AT, out::LAST_ACTIVITY_AT),
    (src::DEACTIVATED_AT, out::DEACTIVATED_AT),
    (src::APP_CREATED_AT, out::APP_CREATED_AT),
];

/// Provenance columns, copied as they are.
const PROVENANCE: [(usize, usize); 6] = [
    (src::FILE, out::FILE),
    (src::RECORD, out::RECORD),
    (src::LINE, out::LINE),
    (src::OFFSET, out::OFFSET),
    (src::LENGTH, out::LENGTH),
    (src::KIND, out::KIND),
];

/// Marks a row whose timestamps all read (or are absent).
const NO_BAD_TIMESTAMP: u8 = u8::MAX;

/// How much of an unreadable value a problem detail quotes, in characters.
const EXCERPT_CHARS: usize = 64;

impl Normalizer {
    /// A normalizer with these options.
    pub fn new(options: NormalizeOptions) -> Self {
        Normalizer { options }
    }

    /// The options in use.
    pub fn options(&self) -> &NormalizeOptions {
        &self.options
    }

    /// Maps a batch of the intermediate schema onto the normalized schema, row for row.
    ///
    /// Blank values become null; a row's reject code is carried over, and otherwise the first timestamp that is
    /// present but unreadable is recorded as `invalid_timestamp`. Only a batch without the intermediate schema is
    /// an error.
    pub fn normalize(&self, batch: &RecordBatch) -> Result<RecordBatch, NormalizeError> {
        check_schema(batch)?;
        let rows = batch.num_rows();
        let strings = |c: usize| batch.column(c).as_string::<i32>();

        let placeholder: ArrayRef = Arc::new(StringArray::new_null(0));
        let mut columns = vec![placeholder; out::COUNT];
        for (from, to) in PROVENANCE {
            columns[to] = Arc::clone(batch.column(from));
        }

        columns[out::APP_INSTANCE_ID] = coalesce(batch, &[src::APP_INSTANCE_ID, src::APP_ID, src::APP_NAME]);
        columns[out::SSO_APP_NAME] = coalesce(batch, &[src::APP_NAME, src::APP_DISPLAY_NAME]);
        columns[out::SSO_APP_DISPLAY_NAME] = coalesce(batch, &[src::APP_DISPLAY_NAME, src::APP_NAME]);
        columns[out::SSO_APP_ID] = coalesce(batch, &[src::APP_ID]);

        let email = lower_emails(batch.column(src::EMAIL));
        let user_id = coalesce(batch, &[src::USER_ID]);
        columns[out::UNIQUE_ID] = match self.options.unique_id {
            UniqueIdSource::Email => Arc::clone(&email),
            UniqueIdSource::SourceId => Arc::clone(&user_id),
        };
        columns[out::EMAIL] = email;
        columns[out::USER_ID] = user_id;

        let (first, last) = names(
            strings(src::FIRST_NAME),
            strings(src::LAST_NAME),
            strings(src::DISPLAY_NAME),
        );
        columns[out::FIRST_NAME] = first;
        columns[out::LAST_NAME] = last;
        columns[out::EVENT_ID] = coalesce(batch, &[src::EVENT_ID]);

        let mut bad = vec![NO_BAD_TIMESTAMP; rows];
        for (which, (from, to)) in TIMESTAMPS.into_iter().enumerate() {
            columns[to] = self.timestamps(strings(from), which as u8, &mut bad);
        }

        let (code, detail) = self.problems(
            strings(src::REJECT_CODE),
            strings(src::REJECT_DETAIL),
            batch,
            &bad,
        );
        columns[out::PROBLEM_CODE] = code;
        columns[out::PROBLEM_DETAIL] = detail;

        Ok(RecordBatch::try_new(normalized::schema(), columns)?)
    }

    /// Parses one timestamp column; marks in `bad` the rows where it is the first unreadable one.
    fn timestamps(&self, texts: &StringArray, which: u8, bad: &mut [u8]) -> ArrayRef {
        let rows = texts.len();
        let mut builder = TimestampMillisecondBuilder::with_capacity(rows).with_timezone("UTC");
        if texts.null_count() == rows {
            builder.append_nulls(rows);
        } else {
            for (row, first_bad) in bad.iter_mut().enumerate() {
                let Some(text) = text(texts, row) else {
                    builder.append_null();
                    continue;
                };
                match parse_timestamp(text, self.options.slash_dates) {
                    Some(millis) => builder.append_value(millis),
                    None => {
                        builder.append_null();
                        if *first_bad == NO_BAD_TIMESTAMP {
                            *first_bad = which;
                        }
                    }
                }
            }
        }
        Arc::new(builder.finish())
    }

    /// The problem columns: the reader's reject where there is one, else the first unreadable timestamp.
    fn problems(
        &self,
        codes: &StringArray,
        details: &StringArray,
        batch: &RecordBatch,
        bad: &[u8],
    ) -> (ArrayRef, ArrayRef) {
        let rows = codes.len();
        if codes.null_count() == rows && bad.iter().all(|&b| b == NO_BAD_TIMESTAMP) {
            return (
                new_null_array(&DataType::Utf8, rows),
                new_null_array(&DataType::Utf8, rows),
            );
        }
        let shapes = match self.options.slash_dates {
            SlashDateOrder::MonthFirst => "ISO-8601, epoch seconds or ms, M/D/YYYY h:mm:ss AM",
            SlashDateOrder::DayFirst => "ISO-8601, epoch seconds or ms, D/M/YYYY H:mm:ss",
        };
        let mut code_out = StringBuilder::with_capacity(rows, 0);
        let mut detail_out = StringBuilder::with_capacity(rows, 0);
        for (row, &which) in bad.iter().enumerate() {
            if let Some(code) = text(codes, row) {
                code_out.append_value(code);
                detail_out.append_option(text(details, row));
            } else if which != NO_BAD_TIMESTAMP {
                let from = TIMESTAMPS[usize::from(which)].0;
                let value = text(batch.column(from).as_string::<i32>(), row).unwrap_or_default();
                let (quoted, cut) = excerpt(value);
                code_out.append_value(RejectCode::InvalidTimestamp.as_str());
                let column = intermediate::COLUMN_NAMES[from];
                let cut = if cut { "…" } else { "" };
                // Writing to a StringBuilder cannot fail; the value ends at `append_value("")`.
                let order = self.options.slash_dates;
                let _ = if other_slash_order_reads(value, order) {
                    let (theirs, ours, flag) = match order {
                        SlashDateOrder::MonthFirst => ("day", "month", "day-first"),
                        SlashDateOrder::DayFirst => ("month", "day", "month-first"),
                    };
                    write!(
                        detail_out,
                        "{column} `{quoted}{cut}` has the {theirs} first, and this run reads slashed dates {ours} \
                         first; if the export writes the {theirs} first, convert it with --slash-dates {flag}"
                    )
                } else {
                    write!(
                        detail_out,
                        "{column} `{quoted}{cut}` is not a date-time ssoimport reads ({shapes})"
                    )
                };
                detail_out.append_value("");
            } else {
                code_out.append_null();
                detail_out.append_null();
            }
        }
        (Arc::new(code_out.finish()), Arc::new(detail_out.finish()))
    }
}

/// Checks that the batch has the intermediate schema's columns, by position, name and type.
fn check_schema(batch: &RecordBatch) -> Result<(), NormalizeError> {
    let expected = intermediate::schema();
    let found = batch.schema_ref().fields();
    for (index, want) in expected.fields().iter().enumerate() {
        let column = intermediate::COLUMN_NAMES[index];
        let Some(got) = found.get(index) else {
            return Err(NormalizeError::MissingColumn { index, column });
        };
        if got.name() != want.name() {
            return Err(NormalizeError::ColumnName {
                index,
                column,
                found: got.name().clone(),
            });
        }
        if got.data_type() != want.data_type() {
            return Err(NormalizeError::ColumnType {
                column,
                expected: want.data_type().clone(),
                found: got.data_type().clone(),
            });
        }
    }
    match found.get(expected.fields().len()) {
        Some(extra) => Err(NormalizeError::ExtraColumn {
            index: expected.fields().len(),
            column: extra.name().clone(),
        }),
        None => Ok(()),
    }
}

/// The trimmed value of a row, `None` when null, empty or only whitespace.
fn text(array: &StringArray, row: usize) -> Option<&str> {
    if array.is_null(row) {
        return None;
    }
    let value = trim(array.value(row));
    (!value.is_empty()).then_some(value)
}

/// A value that needs no trimming and is not blank.
fn is_clean(value: &str) -> bool {
    !value.is_empty() && trim(value).len() == value.len()
}

/// Bytes of string data an array holds, to size a builder.
fn data_len(array: &StringArray) -> usize {
    let offsets = array.value_offsets();
    (offsets[offsets.len() - 1] - offsets[0]).max(0) as usize
}

/// Per row, the first non-blank (trimmed) value among `cols`. When the first column is already clean (and, with
/// fallbacks, has no nulls), it is reused as is, which is the common case.
fn coalesce(batch: &RecordBatch, cols: &[usize]) -> ArrayRef {
    let arrays: Vec<&StringArray> = cols.iter().map(|&c| batch.column(c).as_string::<i32>()).collect();
    let lead = arrays[0];
    if (arrays.len() == 1 || lead.null_count() == 0) && lead.iter().flatten().all(is_clean) {
        return Arc::clone(batch.column(cols[0]));
    }
    let capacity = arrays.iter().map(|a| data_len(a)).max().unwrap_or(0);
    let mut builder = StringBuilder::with_capacity(lead.len(), capacity);
    for row in 0..lead.len() {
        builder.append_option(arrays.iter().find_map(|a| text(a, row)));
    }
    Arc::new(builder.finish())
}

/// Emails trimmed and lower-cased; the input array is reused when it already is.
fn lower_emails(column: &ArrayRef) -> ArrayRef {
    let emails = column.as_string::<i32>();
    let clean = emails
        .iter()
        .flatten()
        .all(|e| is_clean(e) && e.bytes().all(|b| b.is_ascii() && !b.is_ascii_uppercase()));
    if clean {
        return Arc::clone(column);
    }
    let mut builder = StringBuilder::with_capacity(emails.len(), data_len(emails));
    let mut scratch = String::new();
    for row in 0..emails.len() {
        match text(emails, row) {
            Some(email) => builder.append_value(lower(email, &mut scratch)),
            None => builder.append_null(),
        }
    }
    Arc::new(builder.finish())
}

/// `value` lower-cased: itself when it already is, else written into `scratch` (ASCII without allocating, other
/// text with full Unicode lower-casing).
fn lower<'a>(value: &'a str, scratch: &'a mut String) -> &'a str {
    if value.is_ascii() {
        if !value.bytes().any(|b| b.is_ascii_uppercase()) {
            return value;
        }
        scratch.clear();
        scratch.push_str(value);
        scratch.make_ascii_lowercase();
    } else if value.chars().all(lowers_to_itself) {
        // `jfernández@…`: already lower-case, no allocation (each character its own lower case means the whole
        // does too: the one rule beyond single characters, the final sigma, applies to `Σ`, which is not).
        return value;
    } else {
        *scratch = value.to_lowercase();
    }
    scratch
}

/// Whether `c` is its own lower case.
fn lowers_to_itself(c: char) -> bool {
    let mut lower = c.to_lowercase();
    lower.next() == Some(c) && lower.next().is_none()
}

/// First and last names: the source's, trimmed, or split from the display name when both are blank.
fn names(first: &StringArray, last: &StringArray, display: &StringArray) -> (ArrayRef, ArrayRef) {
    let rows = first.len();
    let mut first_out = StringBuilder::with_capacity(rows, data_len(first).max(data_len(display)));
    let mut last_out = StringBuilder::with_capacity(rows, data_len(last).max(data_len(display)));
    for row in 0..rows {
        let (f, l) = match (text(first, row), text(last, row)) {
            (None, None) => text(display, row).map_or((None, None), split_display_name),
            given => given,
        };
        first_out.append_option(f);
        last_out.append_option(l);
    }
    (Arc::new(first_out.finish()), Arc::new(last_out.finish()))
}

/// Splits a trimmed display name into (first, last): `"Last, First"`, else first word and the rest. A display
/// name that is an email (some directories fill it with the login) gives no names.
fn split_display_name(display: &str) -> (Option<&str>, Option<&str>) {
    fn non_blank(part: &str) -> Option<&str> {
        Some(part.trim()).filter(|p| !p.is_empty())
    }
    if let Some((last, first)) = display.split_once(',') {
        return (non_blank(first), non_blank(last));
    }
    match display.split_once(char::is_whitespace) {
        Some((first, rest)) => (non_blank(first), non_blank(rest)),
        None if display.contains('@') => (None, None),
        None => (Some(display), None),
    }
}

/// At most [`EXCERPT_CHARS`] characters of `value`, and whether it was cut.
fn excerpt(value: &str) -> (&str, bool) {
    match value.char_indices().nth(EXCERPT_CHARS) {
        Some((end, _)) => (&value[..end], true),
        None => (value, false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::types::Int32Type;
    use arrow_array::{DictionaryArray, TimestampMillisecondArray, UInt8Array, UInt32Array, UInt64Array};
    use ssoimport_schema::intermediate::RecordKind;

    #[test]
    fn lower_is_unicode_lower_casing_and_borrows_what_already_is() {
        let mut scratch = String::new();
        for value in [
            "ann@example.com",
            "Ann@Example.COM",
            "jfernández@example.com",
            "JFernández@example.com",
            "ΟΔΥΣΣΕΥΣ@example.gr",
            "ὈΔΥΣΣΕΎΣ",
            "ς@x",
            "ǅ@x",
            "İstanbul@x",
            "ß@x",
            "ﬁ@x",
            "",
        ] {
            let expected = value.to_lowercase();
            let got = lower(value, &mut scratch);
            assert_eq!(got, expected, "{value}");
            assert_eq!(
                std::ptr::eq(got.as_ptr(), value.as_ptr()),
                expected == value,
                "{value}: borrowed exactly when already lower-case"
            );
        }
    }

    /// Rows of the intermediate schema given as (column, value) pairs; everything else null.
    fn batch(rows: &[&[(usize, &str)]]) -> RecordBatch {
        let n = rows.len();
        let mut columns: Vec<ArrayRef> = (0..src::COUNT)
            .map(|c| {
                let values = rows
                    .iter()
                    .map(|r| r.iter().find(|(k, _)| *k == c).map(|(_, v)| *v));
                Arc::new(values.collect::<StringArray>()) as ArrayRef
            })
            .collect();
        columns[src::FILE] = Arc::new((0..n).map(|_| "in.csv").collect::<DictionaryArray<Int32Type>>());
        columns[src::RECORD] = Arc::new(UInt64Array::from_iter_values(0..n as u64));
        columns[src::LINE] = Arc::new(UInt64Array::from_iter_values((0..n as u64).map(|i| i + 2)));
        columns[src::OFFSET] = Arc::new(UInt64Array::from_iter_values((0..n as u64).map(|i| i * 100)));
        columns[src::LENGTH] = Arc::new(UInt32Array::from_iter_values((0..n).map(|_| 100)));
        columns[src::KIND] = Arc::new(UInt8Array::from_iter_values(
            (0..n).map(|_| RecordKind::SignIn as u8),
        ));
        RecordBatch::try_new(intermediate::schema(), columns).unwrap()
    }

    fn run(rows: &[&[(usize, &str)]]) -> RecordBatch {
        Normalizer::default().normalize(&batch(rows)).unwrap()
    }

    fn strs(batch: &RecordBatch, c: usize) -> Vec<Option<String>> {
        batch
            .column(c)
            .as_string::<i32>()
            .iter()
            .map(|v| v.map(str::to_owned))
            .collect()
    }

    fn s(value: &str) -> Option<String> {
        Some(value.to_owned())
    }

    fn times(batch: &RecordBatch, c: usize) -> Vec<Option<i64>> {
        batch
            .column(c)
            .as_any()
            .downcast_ref::<TimestampMillisecondArray>()
            .unwrap()
            .iter()
            .collect()
    }

    #[test]
    fn output_has_the_normalized_schema_and_keeps_rows() {
        let out = run(&[&[(src::EMAIL, "a@x.io")], &[], &[(src::OCCURRED_AT, "nope")]]);
        assert_eq!(out.schema(), normalized::schema());
        assert_eq!(out.num_rows(), 3);
        let empty = Normalizer::default().normalize(&batch(&[])).unwrap();
        assert_eq!(empty.num_rows(), 0);
    }

    #[test]
    fn provenance_is_copied() {
        let input = batch(&[&[], &[]]);
        let out = Normalizer::default().normalize(&input).unwrap();
        for (from, to) in PROVENANCE {
            assert_eq!(out.column(to).as_ref(), input.column(from).as_ref());
        }
        assert!(Arc::ptr_eq(out.column(out::FILE), input.column(src::FILE)));
    }

    #[test]
    fn emails_are_trimmed_and_lower_cased() {
        let out = run(&[
            &[(src::EMAIL, "  Ann.Lee@Example.COM ")],
            &[(src::EMAIL, "bob@example.com")],
            &[(src::EMAIL, "ÉLODIE@EXAMPLE.FR")],
            &[(src::EMAIL, "   ")],
            &[],
        ]);
        let want = vec![
            s("ann.lee@example.com"),
            s("bob@example.com"),
            s("élodie@example.fr"),
            None,
            None,
        ];
        assert_eq!(strs(&out, out::EMAIL), want);
        assert_eq!(strs(&out, out::UNIQUE_ID), want);
    }

    #[test]
    fn clean_columns_are_reused() {
        let input = batch(&[
            &[(src::EMAIL, "a@x.io"), (src::EVENT_ID, "e1")],
            &[(src::EVENT_ID, "e2")],
        ]);
        let out = Normalizer::default().normalize(&input).unwrap();
        assert!(Arc::ptr_eq(out.column(out::EMAIL), input.column(src::EMAIL)));
        assert!(Arc::ptr_eq(
            out.column(out::EVENT_ID),
            input.column(src::EVENT_ID)
        ));
    }

    #[test]
    fn unique_id_follows_the_option() {
        let input = batch(&[
            &[(src::EMAIL, "Ann@X.io"), (src::USER_ID, " 00u1 ")],
            &[(src::EMAIL, "bo@x.io")],
        ]);
        let by_email = Normalizer::new(NormalizeOptions::default())
            .normalize(&input)
            .unwrap();
        assert_eq!(strs(&by_email, out::UNIQUE_ID), vec![s("ann@x.io"), s("bo@x.io")]);
        assert_eq!(strs(&by_email, out::USER_ID), vec![s("00u1"), None]);
        let options = NormalizeOptions::default().with_unique_id(UniqueIdSource::SourceId);
        let by_id = Normalizer::new(options).normalize(&input).unwrap();
        assert_eq!(strs(&by_id, out::UNIQUE_ID), vec![s("00u1"), None]);
        assert_eq!(strs(&by_id, out::EMAIL), vec![s("ann@x.io"), s("bo@x.io")]);
    }

    #[test]
    fn names_are_trimmed_or_split_from_the_display_name() {
        let out = run(&[
            &[
                (src::FIRST_NAME, " Ann "),
                (src::LAST_NAME, " Lee "),
                (src::DISPLAY_NAME, "Not Used"),
            ],
            &[(src::DISPLAY_NAME, "Lee, Ann")],
            &[(src::DISPLAY_NAME, "Ann Marie  van Lee")],
            &[(src::DISPLAY_NAME, "Cher")],
            &[(src::FIRST_NAME, " "), (src::DISPLAY_NAME, "  Bo   Diddley ")],
            &[(src::LAST_NAME, "Lee"), (src::DISPLAY_NAME, "Ann Lee")],
            &[(src::DISPLAY_NAME, "Lee,")],
            &[(src::DISPLAY_NAME, "ann.lee@example.com")],
            &[],
        ]);
        assert_eq!(
            strs(&out, out::FIRST_NAME),
            vec![
                s("Ann"),
                s("Ann"),
                s("Ann"),
                s("Cher"),
                s("Bo"),
                None,
                None,
                None,
                None
            ]
        );
        assert_eq!(
            strs(&out, out::LAST_NAME),
            vec![
                s("Lee"),
                s("Lee"),
                s("Marie  van Lee"),
                None,
                s("Diddley"),
                s("Lee"),
                s("Lee"),
                None,
                None
            ]
        );
    }

    #[test]
    fn app_fields_fall_back() {
        let out = run(&[
            &[
                (src::APP_INSTANCE_ID, "0oa1"),
                (src::APP_ID, "salesforce"),
                (src::APP_NAME, "salesforce"),
                (src::APP_DISPLAY_NAME, "Salesforce"),
            ],
            &[(src::APP_ID, " 42 "), (src::APP_NAME, "Wiki")],
            &[(src::APP_INSTANCE_ID, " "), (src::APP_NAME, " Wiki ")],
            &[(src::APP_DISPLAY_NAME, "Only Label")],
            &[],
        ]);
        assert_eq!(
            strs(&out, out::APP_INSTANCE_ID),
            vec![s("0oa1"), s("42"), s("Wiki"), None, None]
        );
        assert_eq!(
            strs(&out, out::SSO_APP_NAME),
            vec![s("salesforce"), s("Wiki"), s("Wiki"), s("Only Label"), None]
        );
        assert_eq!(
            strs(&out, out::SSO_APP_DISPLAY_NAME),
            vec![s("Salesforce"), s("Wiki"), s("Wiki"), s("Only Label"), None]
        );
        assert_eq!(
            strs(&out, out::SSO_APP_ID),
            vec![s("salesforce"), s("42"), None, None, None]
        );
    }

    #[test]
    fn blank_strings_become_null() {
        let out = run(&[&[
            (src::EVENT_ID, "  "),
            (src::USER_ID, ""),
            (src::OCCURRED_AT, " \t"),
        ]]);
        assert_eq!(strs(&out, out::EVENT_ID), vec![None]);
        assert_eq!(strs(&out, out::USER_ID), vec![None]);
        assert_eq!(times(&out, out::OCCURRED_AT), vec![None]);
        assert_eq!(strs(&out, out::PROBLEM_CODE), vec![None]);
    }

    #[test]
    fn timestamps_are_parsed_into_utc_millis() {
        let out = run(&[
            &[
                (src::OCCURRED_AT, "2020-03-05T15:56:53.889Z"),
                (src::EVENT_ID, " ev1 "),
            ],
            &[
                (src::ACTIVATED_AT, "1583423813"),
                (src::LAST_ACTIVITY_AT, "3/5/2020 3:56:53 PM"),
                (src::DEACTIVATED_AT, "2020-03-05T10:56:53-05:00"),
                (src::APP_CREATED_AT, "2020-03-05"),
            ],
        ]);
        assert_eq!(times(&out, out::OCCURRED_AT), vec![Some(1_583_423_813_889), None]);
        assert_eq!(
            times(&out, out::ACTIVATED_AT),
            vec![None, Some(1_583_423_813_000)]
        );
        assert_eq!(
            times(&out, out::LAST_ACTIVITY_AT),
            vec![None, Some(1_583_423_813_000)]
        );
        assert_eq!(
            times(&out, out::DEACTIVATED_AT),
            vec![None, Some(1_583_423_813_000)]
        );
        assert_eq!(
            times(&out, out::APP_CREATED_AT),
            vec![None, Some(1_583_366_400_000)]
        );
        assert_eq!(strs(&out, out::EVENT_ID), vec![s("ev1"), None]);
        assert_eq!(strs(&out, out::PROBLEM_CODE), vec![None, None]);
    }

    #[test]
    fn slash_order_option_is_used() {
        let input = batch(&[&[(src::OCCURRED_AT, "3/5/2024")]]);
        let us = Normalizer::default().normalize(&input).unwrap();
        let eu = Normalizer::new(NormalizeOptions::default().with_slash_dates(SlashDateOrder::DayFirst))
            .normalize(&input)
            .unwrap();
        assert_eq!(times(&us, out::OCCURRED_AT), vec![Some(1_709_596_800_000)]);
        assert_eq!(times(&eu, out::OCCURRED_AT), vec![Some(1_714_694_400_000)]);
    }

    #[test]
    fn a_date_of_the_other_slash_order_is_rejected_with_the_setting_that_reads_it() {
        let input = batch(&[
            &[(src::OCCURRED_AT, "31/01/2025 14:05:00")],
            &[(src::OCCURRED_AT, "01/31/2025 2:05:00 PM")],
        ]);
        let us = Normalizer::default().normalize(&input).unwrap();
        let eu = Normalizer::new(NormalizeOptions::default().with_slash_dates(SlashDateOrder::DayFirst))
            .normalize(&input)
            .unwrap();
        let at = Some(1_738_332_300_000);
        assert_eq!(times(&us, out::OCCURRED_AT), vec![None, at]);
        assert_eq!(times(&eu, out::OCCURRED_AT), vec![at, None]);
        assert_eq!(
            strs(&us, out::PROBLEM_DETAIL),
            vec![
                s(
                    "occurred_at `31/01/2025 14:05:00` has the day first, and this run reads slashed dates month \
                   first; if the export writes the day first, convert it with --slash-dates day-first"
                ),
                None
            ]
        );
        assert_eq!(
            strs(&eu, out::PROBLEM_DETAIL),
            vec![
                None,
                s(
                    "occurred_at `01/31/2025 2:05:00 PM` has the month first, and this run reads slashed dates day \
                   first; if the export writes the month first, convert it with --slash-dates month-first"
                )
            ]
        );
    }

    #[test]
    fn first_unreadable_timestamp_is_recorded() {
        let out = run(&[
            &[(src::OCCURRED_AT, "31/31/2024")],
            &[
                (src::OCCURRED_AT, "2024-03-05"),
                (src::ACTIVATED_AT, "soon"),
                (src::DEACTIVATED_AT, "later"),
            ],
            &[(src::OCCURRED_AT, "2024-03-05")],
        ]);
        assert_eq!(
            strs(&out, out::PROBLEM_CODE),
            vec![s("invalid_timestamp"), s("invalid_timestamp"), None]
        );
        assert_eq!(
            strs(&out, out::PROBLEM_DETAIL),
            vec![
                s("occurred_at `31/31/2024` is not a date-time ssoimport reads \
                   (ISO-8601, epoch seconds or ms, M/D/YYYY h:mm:ss AM)"),
                s("activated_at `soon` is not a date-time ssoimport reads \
                   (ISO-8601, epoch seconds or ms, M/D/YYYY h:mm:ss AM)"),
                None,
            ]
        );
        assert_eq!(
            times(&out, out::OCCURRED_AT),
            vec![None, Some(1_709_596_800_000), Some(1_709_596_800_000)]
        );
    }

    #[test]
    fn long_unreadable_values_are_cut_in_the_detail() {
        let long = "x".repeat(500);
        let out = run(&[&[(src::APP_CREATED_AT, &long)]]);
        let detail = strs(&out, out::PROBLEM_DETAIL)[0].clone().unwrap();
        assert!(
            detail.starts_with(&format!("app_created_at `{}…`", "x".repeat(EXCERPT_CHARS))),
            "{detail}"
        );
    }

    #[test]
    fn reject_code_is_carried_before_timestamp_problems() {
        let out = run(&[
            &[
                (src::REJECT_CODE, "parse_error"),
                (src::REJECT_DETAIL, "unclosed quote"),
                (src::OCCURRED_AT, "x"),
            ],
            &[(src::REJECT_CODE, "invalid_utf8")],
            &[(src::EMAIL, "a@x.io")],
        ]);
        assert_eq!(
            strs(&out, out::PROBLEM_CODE),
            vec![s("parse_error"), s("invalid_utf8"), None]
        );
        assert_eq!(
            strs(&out, out::PROBLEM_DETAIL),
            vec![s("unclosed quote"), None, None]
        );
    }

    #[test]
    fn batches_of_another_schema_are_refused() {
        let good = batch(&[&[]]);
        let fewer = good.project(&(0..src::COUNT - 1).collect::<Vec<_>>()).unwrap();
        let err = Normalizer::default().normalize(&fewer).unwrap_err();
        assert!(
            matches!(
                err,
                NormalizeError::MissingColumn {
                    column: "reject_detail",
                    ..
                }
            ),
            "{err}"
        );
        assert!(err.to_string().contains("reject_detail"));

        let mut indices: Vec<usize> = (0..src::COUNT).collect();
        indices.swap(src::EMAIL, src::USER_ID);
        let swapped = good.project(&indices).unwrap();
        let err = Normalizer::default().normalize(&swapped).unwrap_err();
        assert!(
            matches!(err, NormalizeError::ColumnName { column: "email", .. }),
            "{err}"
        );

        let mut columns = good.columns().to_vec();
        columns[src::EMAIL] = Arc::new(UInt8Array::from(vec![1]));
        let mut fields: Vec<_> = intermediate::schema().fields().iter().cloned().collect();
        fields[src::EMAIL] = Arc::new(arrow_schema::Field::new("email", DataType::UInt8, true));
        let typed = RecordBatch::try_new(Arc::new(arrow_schema::Schema::new(fields)), columns).unwrap();
        let err = Normalizer::default().normalize(&typed).unwrap_err();
        assert!(
            matches!(err, NormalizeError::ColumnType { column: "email", .. }),
            "{err}"
        );
        assert!(err.to_string().contains("email"));

        let mut indices: Vec<usize> = (0..src::COUNT).collect();
        indices.push(src::EMAIL);
        let wider = good.project(&indices).unwrap();
        let err = Normalizer::default().normalize(&wider).unwrap_err();
        assert!(
            matches!(
                err,
                NormalizeError::ExtraColumn {
                    index: src::COUNT,
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn sliced_batches_normalize() {
        let input = batch(&[
            &[(src::EMAIL, "A@X.io"), (src::OCCURRED_AT, "bad")],
            &[(src::EMAIL, " B@X.io "), (src::DISPLAY_NAME, "Bo Lee")],
            &[(src::EMAIL, "c@x.io"), (src::OCCURRED_AT, "2024-03-05")],
        ]);
        let out = Normalizer::default().normalize(&input.slice(1, 2)).unwrap();
        assert_eq!(out.num_rows(), 2);
        assert_eq!(strs(&out, out::EMAIL), vec![s("b@x.io"), s("c@x.io")]);
        assert_eq!(strs(&out, out::FIRST_NAME), vec![s("Bo"), None]);
        assert_eq!(times(&out, out::OCCURRED_AT), vec![None, Some(1_709_596_800_000)]);
        assert_eq!(strs(&out, out::PROBLEM_CODE), vec![None, None]);
    }
}
