use std::fmt;

/// Why a record was rejected. The snake_case names are stable: scripts and dashboards key on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum RejectCode {
    /// The record is not well-formed for its container (broken JSON, a CSV quote never closed, ...).
    ParseError,
    /// The record holds bytes that are not UTF-8.
    InvalidUtf8,
    /// A CSV row has more non-empty fields than the header.
    FieldCountMismatch,
    /// The record is larger than the configured maximum record size.
    RecordTooLarge,
    /// No email (or login) in the record.
    MissingEmail,
    /// The email is not shaped like `local@domain.tld`.
    InvalidEmail,
    /// No application name or id in the record.
    MissingApp,
    /// No timestamp in the record.
    MissingTimestamp,
    /// The timestamp could not be read in any known shape.
    InvalidTimestamp,
    /// The timestamp lies in the future, beyond the allowed clock skew.
    FutureTimestamp,
    /// The timestamp is before 1990, which exports use as a placeholder rather than a real time.
    TimestampOutOfRange,
    /// `--unique-id source-id` was asked for but the record has no user id.
    MissingUserId,
    /// A successful SSO event names no application target.
    MissingAppTarget,
    /// The input ended or broke in the middle of a record (truncated or corrupt file).
    TruncatedInput,
    /// The encoded row alone exceeds the part size cap, so no part can hold it.
    RowTooLarge,
}

impl RejectCode {
    /// Every code, in a stable order.
    pub const ALL: [RejectCode; 15] = [
        RejectCode::ParseError,
        RejectCode::InvalidUtf8,
        RejectCode::FieldCountMismatch,
        RejectCode::RecordTooLarge,
        RejectCode::MissingEmail,
        RejectCode::InvalidEmail,
        RejectCode::MissingApp,
        RejectCode::MissingTimestamp,
        RejectCode::InvalidTimestamp,
        RejectCode::FutureTimestamp,
        RejectCode::TimestampOutOfRange,
        RejectCode::MissingUserId,
        RejectCode::MissingAppTarget,
        RejectCode::TruncatedInput,
        RejectCode::RowTooLarge,
    ];

    /// The stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            RejectCode::ParseError => "parse_error",
            RejectCode::InvalidUtf8 => "invalid_utf8",
            RejectCode::FieldCountMismatch => "field_count_mismatch",
            RejectCode::RecordTooLarge => "record_too_large",
            RejectCode::MissingEmail => "missing_email",
            RejectCode::InvalidEmail => "invalid_email",
            RejectCode::MissingApp => "missing_app",
            RejectCode::MissingTimestamp => "missing_timestamp",
            RejectCode::InvalidTimestamp => "invalid_timestamp",
            RejectCode::FutureTimestamp => "future_timestamp",
            RejectCode::TimestampOutOfRange => "timestamp_out_of_range",
            RejectCode::MissingUserId => "missing_user_id",
            RejectCode::MissingAppTarget => "missing_app_target",
            RejectCode::TruncatedInput => "truncated_input",
            RejectCode::RowTooLarge => "row_too_large",
        }
    }

    /// Reads a code back from its snake_case name.
    pub fn from_name(name: &str) -> Option<RejectCode> {
        RejectCode::ALL.into_iter().find(|c| c.as_str() == name)
    }
}

impl fmt::Display for RejectCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
