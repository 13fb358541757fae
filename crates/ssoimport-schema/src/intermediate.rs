//! The intermediate schema every reader emits: one row per record read (a sign-in event, a user's assignment to
//! an app, or an app), with the source's raw values as text, its provenance, and, for a record the reader could
//! not parse, a reject code.
//!
//! Readers hand over data in this shape, never code paths: normalize, validate and aggregate know nothing of the
//! source a batch came from.

use std::sync::{Arc, OnceLock};

use arrow_schema::{DataType, Field, Schema};

/// What a record of the intermediate schema describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum RecordKind {
    /// A user signed in to an app at a time: feeds usage, roster (first and last seen) and discovery.
    SignIn = 0,
    /// A user is assigned to an app (a roster export): feeds roster and discovery. The user may be named by
    /// `user_id` alone when a [`RecordKind::User`] record elsewhere gives the email.
    Assignment = 1,
    /// An app exists in the SSO provider (an app list export): feeds discovery, and the names of roster rows
    /// that carry only the app's id.
    App = 2,
    /// A user exists in the directory (a user list export, no app): fills the email and names of roster rows
    /// that carry only the user's id, joined on `user_id`.
    User = 3,
}

impl RecordKind {
    /// Reads the kind back from its column value.
    pub fn from_u8(value: u8) -> Option<RecordKind> {
        match value {
            0 => Some(RecordKind::SignIn),
            1 => Some(RecordKind::Assignment),
            2 => Some(RecordKind::App),
            3 => Some(RecordKind::User),
            _ => None,
        }
    }
}

/// Column positions of the intermediate schema (see [`schema`]).
pub mod col {
    /// Path or name of the input the record came from (dictionary-encoded).
    pub const FILE: usize = 0;
    /// 0-based index of the record within its input.
    pub const RECORD: usize = 1;
    /// 1-based line on which the record starts, where the container has lines.
    pub const LINE: usize = 2;
    /// Byte offset of the record within the decompressed input.
    pub const OFFSET: usize = 3;
    /// Length of the record in bytes.
    pub const LENGTH: usize = 4;
    /// [`super::RecordKind`] as `u8`.
    pub const KIND: usize = 5;
    /// The source's event id.
    pub const EVENT_ID: usize = 6;
    /// When the sign-in happened, as the source wrote it.
    pub const OCCURRED_AT: usize = 7;
    /// The user's email or login, as the source wrote it.
    pub const EMAIL: usize = 8;
    /// The source's stable user id.
    pub const USER_ID: usize = 9;
    /// The user's first name.
    pub const FIRST_NAME: usize = 10;
    /// The user's last name.
    pub const LAST_NAME: usize = 11;
    /// The user's display name (split into first and last name when those are missing).
    pub const DISPLAY_NAME: usize = 12;
    /// The id of the app instance in the SSO provider.
    pub const APP_INSTANCE_ID: usize = 13;
    /// A separate catalogue id of the app, where the source has one.
    pub const APP_ID: usize = 14;
    /// The app's name.
    pub const APP_NAME: usize = 15;
    /// The app's display name or label.
    pub const APP_DISPLAY_NAME: usize = 16;
    /// When the user got access (assignments).
    pub const ACTIVATED_AT: usize = 17;
    /// When the user was last active in the app (assignments).
    pub const LAST_ACTIVITY_AT: usize = 18;
    /// When the user lost access (assignments).
    pub const DEACTIVATED_AT: usize = 19;
    /// When the app was created in the SSO provider (apps).
    pub const APP_CREATED_AT: usize = 20;
    /// Stable reject code for a record the reader could not parse; null otherwise.
    pub const REJECT_CODE: usize = 21;
    /// Human-readable detail of the reject.
    pub const REJECT_DETAIL: usize = 22;
    /// Number of columns.
    pub const COUNT: usize = 23;
}

/// Names of the intermediate columns, by position.
pub const COLUMN_NAMES: [&str; col::COUNT] = [
    "file",
    "record",
    "line",
    "offset",
    "length",
    "kind",
    "event_id",
    "occurred_at",
    "email",
    "user_id",
    "first_name",
    "last_name",
    "display_name",
    "app_instance_id",
    "app_id",
    "app_name",
    "app_display_name",
    "activated_at",
    "last_activity_at",
    "deactivated_at",
    "app_created_at",
    "reject_code",
    "reject_detail",
];

/// The Arrow type of the `file` column, shared with the normalized schema.
pub fn file_type() -> DataType {
    DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8))
}

/// The intermediate schema.
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
                _ => Field::new(*name, DataType::Utf8, true),
            });
            Arc::new(Schema::new(fields.collect::<Vec<_>>()))
        })
        .clone()
}
