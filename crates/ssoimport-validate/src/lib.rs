//! Validation of normalized batches: every row is either valid or a reject with a stable snake_case code and its
//! provenance, so `valid + rejects == input` always holds. Batches are independent, so [`Validator::validate_all`]
//! checks them in parallel with rayon; [`Deduplicator`] counts duplicate sign-ins once, in input order.
//!
//! ```
//! # use ssoimport_validate::{ValidateOptions, Validator, is_email};
//! assert!(is_email("ann@example.com"));
//! assert!(!is_email("8f2c1a7e-0000-4000-8000-000000000000"));
//! let validator = Validator::new(ValidateOptions::default().now_ms(1_700_000_000_000));
//! # let _ = validator;
//! ```

mod dedupe;
mod email;

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{TimestampMillisecondType, UInt8Type, UInt32Type, UInt64Type};
use arrow_array::{Array, BooleanArray, RecordBatch, StringArray};
use rayon::prelude::*;
use ssoimport_schema::RejectCode;
use ssoimport_schema::intermediate::RecordKind;
use ssoimport_schema::normalized::{self, col};

pub use dedupe::{DedupeError, DedupeKey, Deduplicator, dedupe_keys};
pub use email::is_email;

/// 1990-01-01T00:00:00Z: earlier times are placeholders (epoch zero, "never"), not sign-ins.
pub const EARLIEST_MS: i64 = 631_152_000_000;

/// Options of the [`Validator`].
#[derive(Debug, Clone, Copy)]
pub struct ValidateOptions {
    /// How far in the future a timestamp may lie (clock skew between systems), in milliseconds.
    pub max_future_skew_ms: i64,
    /// "Now", in milliseconds since the epoch; `None` reads the clock when the validator is made.
    pub now_ms: Option<i64>,
    /// Whether `uniqueId` comes from the source's user id (`--unique-id source-id`), which is then required.
    pub unique_id_from_source: bool,
}

impl Default for ValidateOptions {
    fn default() -> Self {
        ValidateOptions {
            max_future_skew_ms: 15 * 60 * 1000,
            now_ms: None,
            unique_id_from_source: false,
        }
    }
}

impl ValidateOptions {
    /// Fixes "now" (for reproducible runs and tests).
    pub fn now_ms(mut self, now_ms: i64) -> Self {
        self.now_ms = Some(now_ms);
        self
    }

    /// Sets the allowed clock skew.
    pub fn max_future_skew_ms(mut self, skew: i64) -> Self {
        self.max_future_skew_ms = skew;
        self
    }

    /// Requires the source's user id, used as `uniqueId`.
    pub fn unique_id_from_source(mut self, yes: bool) -> Self {
        self.unique_id_from_source = yes;
        self
    }
}

/// A record that did not pass, with where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reject {
    /// The input it came from.
    pub file: Arc<str>,
    /// 0-based record index within the input.
    pub record: u64,
    /// 1-based line where the record starts, if known.
    pub line: Option<u64>,
    /// Byte offset of the record in the decompressed input.
    pub offset: u64,
    /// Length of the record in bytes.
    pub length: u32,
    /// Why.
    pub code: RejectCode,
    /// Detail for a person.
    pub detail: String,
}

/// A batch split into its valid rows and its rejects.
#[derive(Debug, Clone)]
pub struct Validated {
    /// The valid rows, in input order, in the normalized schema.
    pub valid: RecordBatch,
    /// The rejected rows, in input order.
    pub rejects: Vec<Reject>,
}

/// Errors of validation: only a batch that is not in the normalized schema.
#[derive(Debug, thiserror::Error)]
pub enum ValidateError {
    /// The batch does not have the normalized schema.
    #[error("batch does not have the normalized schema: column {index} should be `{expected}`")]
    Schema {
        /// Position of the first column that differs.
        index: usize,
        /// Its expected name.
        expected: &'static str,
    },
    /// Filtering the batch failed.
    #[error("filtering valid rows: {0}")]
    Arrow(#[from] arrow_schema::ArrowError),
}

/// The validator.
#[derive(Debug, Clone)]
pub struct Validator {
    options: ValidateOptions,
    now_ms: i64,
}

impl Validator {
    /// A validator with these options.
    pub fn new(options: ValidateOptions) -> Self {
        let now_ms = options.now_ms.unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_millis() as i64)
                .unwrap_or(0)
        });
        Validator { options, now_ms }
    }

    /// Splits a normalized batch into valid rows and rejects.
    pub fn validate(&self, batch: &RecordBatch) -> Result<Validated, ValidateError> {
        check_schema(batch)?;
        let view = View::new(batch);
        let mut keep = Vec::with_capacity(batch.num_rows());
        let mut rejects = Vec::new();
        for row in 0..batch.num_rows() {
            match self.check_row(&view, row) {
                None => keep.push(true),
                Some((code, detail)) => {
                    keep.push(false);
                    rejects.push(Reject {
                        file: view.file(row),
                        record: view.record.value(row),
                        line: view.line.is_valid(row).then(|| view.line.value(row)),
                        offset: view.offset.value(row),
                        length: view.length.value(row),
                        code,
                        detail,
                    });
                }
            }
        }
        let valid = if rejects.is_empty() {
            batch.clone()
        } else {
            arrow_select::filter::filter_record_batch(batch, &BooleanArray::from(keep))?
        };
        Ok(Validated { valid, rejects })
    }

    /// Validates batches in parallel; results are in the order of the input.
    pub fn validate_all(&self, batches: &[RecordBatch]) -> Result<Vec<Validated>, ValidateError> {
        batches.par_iter().map(|b| self.validate(b)).collect()
    }

    fn check_row(&self, v: &View<'_>, row: usize) -> Option<(RejectCode, String)> {
        if v.problem_code.is_valid(row) {
            let code = RejectCode::from_name(v.problem_code.value(row)).unwrap_or(RejectCode::ParseError);
            let detail = if v.problem_detail.is_valid(row) {
                v.problem_detail.value(row)
            } else {
                ""
            };
            return Some((code, detail.to_string()));
        }
        let kind = RecordKind::from_u8(v.kind.value(row)).unwrap_or(RecordKind::SignIn);
        fn text(a: &StringArray, row: usize) -> Option<&str> {
            a.is_valid(row).then(|| a.value(row))
        }
        let app = text(v.app_instance_id, row);
        let email = text(v.email, row);
        let user_id = text(v.user_id, row);

        if kind != RecordKind::User && app.is_none() {
            return Some((RejectCode::MissingApp, "no application name or id".into()));
        }
        if kind == RecordKind::App {
            return self.check_times(v, row, kind);
        }
        if let Some(email) = email
            && !is_email(email)
        {
            return Some((
                RejectCode::InvalidEmail,
                format!("`{}` is not an email address", shorten(email)),
            ));
        }
        match kind {
            RecordKind::SignIn if email.is_none() => {
                return Some((RejectCode::MissingEmail, "no user email or login".into()));
            }
            // Assignments may name the user by id alone: a User record can give the email later.
            RecordKind::Assignment if email.is_none() && user_id.is_none() => {
                return Some((RejectCode::MissingEmail, "no user email, login or id".into()));
            }
            RecordKind::User if user_id.is_none() && email.is_none() => {
                return Some((
                    RejectCode::MissingUserId,
                    "a directory user with neither id nor email".into(),
                ));
            }
            _ => {}
        }
        if self.options.unique_id_from_source && kind != RecordKind::App && user_id.is_none() {
            return Some((
                RejectCode::MissingUserId,
                "--unique-id source-id needs the source's user id, and this record has none".into(),
            ));
        }
        if kind == RecordKind::SignIn && v.occurred_at.is_null(row) {
            return Some((RejectCode::MissingTimestamp, "no time of the sign-in".into()));
        }
        self.check_times(v, row, kind)
    }

    fn check_times(&self, v: &View<'_>, row: usize, kind: RecordKind) -> Option<(RejectCode, String)> {
        let columns: &[(&str, &arrow_array::TimestampMillisecondArray)] = match kind {
            RecordKind::SignIn => &[("occurred_at", v.occurred_at)],
            _ => &[
                ("activated_at", v.activated_at),
                ("last_activity_at", v.last_activity_at),
                ("deactivated_at", v.deactivated_at),
                ("app_created_at", v.app_created_at),
            ],
        };
        for (name, column) in columns {
            if column.is_null(row) {
                continue;
            }
            let ms = column.value(row);
            if ms < EARLIEST_MS {
                return Some((
                    RejectCode::TimestampOutOfRange,
                    format!(
                        "{name} {} is before 1990: a placeholder, not a real time",
                        iso(ms)
                    ),
                ));
            }
            if ms > self.now_ms + self.options.max_future_skew_ms {
                return Some((
                    RejectCode::FutureTimestamp,
                    format!("{name} {} is in the future", iso(ms)),
                ));
            }
        }
        None
    }
}

fn iso(ms: i64) -> String {
    ssoimport_schema::time::iso_millis(ms)
}

fn shorten(text: &str) -> String {
    let mut s: String = text.chars().take(80).collect();
    if s.len() < text.len() {
        s.push('…');
    }
    s
}

fn check_schema(batch: &RecordBatch) -> Result<(), ValidateError> {
    let expected = normalized::schema();
    for (index, field) in expected.fields().iter().enumerate() {
        let ok = batch
            .schema()
            .fields()
            .get(index)
            .is_some_and(|f| f.name() == field.name() && f.data_type() == field.data_type());
        if !ok {
            return Err(ValidateError::Schema {
                index,
                expected: normalized::COLUMN_NAMES[index],
            });
        }
    }
    Ok(())
}

/// Typed views of the columns of a normalized batch.
struct View<'a> {
    batch: &'a RecordBatch,
    record: &'a arrow_array::PrimitiveArray<UInt64Type>,
    line: &'a arrow_array::PrimitiveArray<UInt64Type>,
    offset: &'a arrow_array::PrimitiveArray<UInt64Type>,
    length: &'a arrow_array::PrimitiveArray<UInt32Type>,
    kind: &'a arrow_array::PrimitiveArray<UInt8Type>,
    app_instance_id: &'a StringArray,
    email: &'a StringArray,
    user_id: &'a StringArray,
    occurred_at: &'a arrow_array::TimestampMillisecondArray,
    activated_at: &'a arrow_array::TimestampMillisecondArray,
    last_activity_at: &'a arrow_array::TimestampMillisecondArray,
    deactivated_at: &'a arrow_array::TimestampMillisecondArray,
    app_created_at: &'a arrow_array::TimestampMillisecondArray,
    problem_code: &'a StringArray,
    problem_detail: &'a StringArray,
}

impl<'a> View<'a> {
    fn new(batch: &'a RecordBatch) -> Self {
        let ts = |c: usize| batch.column(c).as_primitive::<TimestampMillisecondType>();
        let s = |c: usize| batch.column(c).as_string::<i32>();
        View {
            batch,
            record: batch.column(col::RECORD).as_primitive(),
            line: batch.column(col::LINE).as_primitive(),
            offset: batch.column(col::OFFSET).as_primitive(),
            length: batch.column(col::LENGTH).as_primitive(),
            kind: batch.column(col::KIND).as_primitive(),
            app_instance_id: s(col::APP_INSTANCE_ID),
            email: s(col::EMAIL),
            user_id: s(col::USER_ID),
            occurred_at: ts(col::OCCURRED_AT),
            activated_at: ts(col::ACTIVATED_AT),
            last_activity_at: ts(col::LAST_ACTIVITY_AT),
            deactivated_at: ts(col::DEACTIVATED_AT),
            app_created_at: ts(col::APP_CREATED_AT),
            problem_code: s(col::PROBLEM_CODE),
            problem_detail: s(col::PROBLEM_DETAIL),
        }
    }

    fn file(&self, row: usize) -> Arc<str> {
        file_name(self.batch, row)
    }
}

/// The input name of a row of a normalized (or intermediate) batch.
pub fn file_name(batch: &RecordBatch, row: usize) -> Arc<str> {
    let dict = batch
        .column(col::FILE)
        .as_dictionary::<arrow_array::types::Int32Type>();
    let values = dict.values().as_string::<i32>();
    let key = dict.keys().value(row) as usize;
    Arc::from(values.value(key))
}

#[cfg(test)]
mod tests;
