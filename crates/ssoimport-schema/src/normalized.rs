//! The normalized schema: intermediate records mapped onto the import contract's values (canonical UTC
//! timestamps, lower-cased emails, split names, the unique id chosen), still one row per record read, with the
//! first value problem of each row recorded for the validator.

use std::sync::{Arc, OnceLock};

use arrow_schema::{DataType, Field, Schema};

use crate::contract::timestamp_type;
use crate::intermediate::file_type;

/// Column positions of the normalized schema (see [`schema`]).
pub mod col {
    /// Path or name of the input (dictionary-encoded), as in the intermediate schema.
    pub const FILE: usize = 0;
    /// 0-based index of the record within its input.
    pub const RECORD: usize = 1;
    /// 1-based line on which the record starts, where known.
    pub const LINE: usize = 2;
    /// Byte offset of the record within the decompressed input.
    pub const OFFSET: usize = 3;
    /// Length of the record in bytes.
    pub const LENGTH: usize = 4;
    /// Record kind, as in the intermediate schema.
    pub const KIND: usize = 5;
    /// `appInstanceId`.
    pub const APP_INSTANCE_ID: usize = 6;
    /// `ssoAppName`.
    pub const SSO_APP_NAME: usize = 7;
    /// `ssoAppDisplayName`.
    pub const SSO_APP_DISPLAY_NAME: usize = 8;
    /// `ssoAppId`.
    pub const SSO_APP_ID: usize = 9;
    /// `uniqueId`.
    pub const UNIQUE_ID: usize = 10;
    /// `email`, trimmed and lower-cased.
    pub const EMAIL: usize = 11;
    /// The source's user id.
    pub const USER_ID: usize = 12;
    /// `firstName`.
    pub const FIRST_NAME: usize = 13;
    /// `lastName`.
    pub const LAST_NAME: usize = 14;
    /// `eventId`.
    pub const EVENT_ID: usize = 15;
    /// `occurredAt`, UTC milliseconds.
    pub const OCCURRED_AT: usize = 16;
    /// `activatedAt`, UTC milliseconds.
    pub const ACTIVATED_AT: usize = 17;
    /// `lastActivityAt`, UTC milliseconds.
    pub const LAST_ACTIVITY_AT: usize = 18;
    /// `deactivatedAt`, UTC milliseconds.
    pub const DEACTIVATED_AT: usize = 19;
    /// `ssoAppAdditional.createdAt`, UTC milliseconds.
    pub const APP_CREATED_AT: usize = 20;
    /// Reject code of the first problem found (by the reader or the normalizer); null if none.
    pub const PROBLEM_CODE: usize = 21;
    /// Detail of that problem.
    pub const PROBLEM_DETAIL: usize = 22;
    /// Number of columns.
    pub const COUNT: usize = 23;
}

/// Names of the normalized columns, by position.
pub const COLUMN_NAMES: [&str; col::COUNT] = [
    "file",
    "record",
    "line",
    "offset",
    "length",
    "kind",
    "app_instance_id",
    "sso_app_name",
    "sso_app_display_name",
    "sso_app_id",
    "unique_id",
    "email",
    "user_id",
    "first_name",
    "last_name",
    "event_id",
    "occurred_at",
    "activated_at",
    "last_activity_at",
    "deactivated_at",
    "app_created_at",
    "problem_code",
    "problem_detail",
];

/// The normalized schema.
pub fn schema() -> Arc<Schema> {
    static SCHEMA: OnceLock<Arc<Schema>> = OnceLock::new();
    SCHEMA
        .get_or_init(|| {
            let fields = COLUMN_NAMES.iter().enumerate().map(|(i, name)| match i {
                col::FILE => Field::new(*name, file_type(), false),
                col::RECORD | col::OFFSET => Field::new(*name, DataType::UInt64, false),
                col::LINE => Field::new(*name, DataType::UInt64, true),
                col::LENGTH => Field::new(*name, DataType::UInt32, false),
                col::KIND => Field::new(*name, DataType::UInt8, false),
                col::OCCURRED_AT..=col::APP_CREATED_AT => Field::new(*name, timestamp_type(), true),
                _ => Field::new(*name, DataType::Utf8, true),
            });
            Arc::new(Schema::new(fields.collect::<Vec<_>>()))
        })
        .clone()
}
