//! Normalization for ssoimport: maps batches of the intermediate schema (raw text as each source wrote it) onto
//! the normalized schema the later stages share: UTC millisecond timestamps read from the shapes exports use,
//! trimmed and lower-cased emails, names split from display names, app names and ids with their fallbacks, the
//! unique id chosen, and blank text turned into null.
//!
//! Pure and row-preserving: a value that cannot be read is not an error but the row's `problem_code`, which the
//! validator turns into a reject. Required fields are left to the validator.
//!
//! ```
//! use std::sync::Arc;
//!
//! use arrow_array::cast::AsArray;
//! use arrow_array::types::{Int32Type, TimestampMillisecondType};
//! use arrow_array::{ArrayRef, DictionaryArray, RecordBatch, StringArray, UInt8Array, UInt32Array, UInt64Array};
//! use ssoimport_normalize::{NormalizeOptions, Normalizer};
//! use ssoimport_schema::intermediate::{self, RecordKind, col};
//! use ssoimport_schema::normalized::col as out;
//!
//! // One sign-in as a CSV reader would hand it over.
//! let text = |value: Option<&str>| Arc::new(StringArray::from(vec![value])) as ArrayRef;
//! let mut columns: Vec<ArrayRef> = (0..col::COUNT).map(|_| text(None)).collect();
//! columns[col::FILE] = Arc::new(["signins.csv"].into_iter().collect::<DictionaryArray<Int32Type>>());
//! columns[col::RECORD] = Arc::new(UInt64Array::from(vec![0]));
//! columns[col::LINE] = Arc::new(UInt64Array::from(vec![Some(2)]));
//! columns[col::OFFSET] = Arc::new(UInt64Array::from(vec![41]));
//! columns[col::LENGTH] = Arc::new(UInt32Array::from(vec![58]));
//! columns[col::KIND] = Arc::new(UInt8Array::from(vec![RecordKind::SignIn as u8]));
//! columns[col::OCCURRED_AT] = text(Some("3/5/2020 3:56:53.889 PM"));
//! columns[col::EMAIL] = text(Some(" Ann.Lee@Example.com "));
//! columns[col::DISPLAY_NAME] = text(Some("Lee, Ann"));
//! columns[col::APP_NAME] = text(Some("Wiki"));
//! let batch = RecordBatch::try_new(intermediate::schema(), columns)?;
//!
//! let normalized = Normalizer::new(NormalizeOptions::default()).normalize(&batch)?;
//! assert_eq!(normalized.num_rows(), 1);
//! assert_eq!(normalized.column(out::EMAIL).as_string::<i32>().value(0), "ann.lee@example.com");
//! assert_eq!(normalized.column(out::UNIQUE_ID).as_string::<i32>().value(0), "ann.lee@example.com");
//! assert_eq!(normalized.column(out::FIRST_NAME).as_string::<i32>().value(0), "Ann");
//! assert_eq!(normalized.column(out::LAST_NAME).as_string::<i32>().value(0), "Lee");
//! assert_eq!(normalized.column(out::APP_INSTANCE_ID).as_string::<i32>().value(0), "Wiki");
//! let occurred = normalized.column(out::OCCURRED_AT).as_primitive::<TimestampMillisecondType>();
//! assert_eq!(occurred.value(0), 1_583_423_813_889); // 2020-03-05T15:56:53.889Z
//! assert!(normalized.column(out::PROBLEM_CODE).is_null(0));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod normalize;
mod timestamp;

pub use normalize::{NormalizeError, NormalizeOptions, Normalizer, UniqueIdSource};
pub use timestamp::{SlashDateOrder, other_slash_order_reads, parse_timestamp};
