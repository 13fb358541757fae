//! CSV downloads of sign-ins: the Entra admin center's `InteractiveSignIns_*.csv` / `NonInteractiveSignIns_*.csv`
//! (and `ApplicationSignIns_*` / `MSISignIns_*`, whose rows are filtered), the older portal CSV
//! (`CreatedDateTime, UserPrincipalName, ...`) and Log Analytics exports of the sign-in tables.
//!
//! Columns are found by their normalised name (case, spaces and punctuation ignored), never by position: the
//! portal writes `Application ID ` with a trailing space, `Autonomous system  number` with two, `Incoming token
//! type` twice, and changes its column set over time. Fields are split by the CSV crate's splitter, so quoted
//! commas (`Location` is `City, State, CC`), quotes and line breaks are read as in any CSV.

use std::borrow::Cow;

use ssoimport_csv::{normalize_header, split_fields};
use ssoimport_schema::RejectCode;
use ssoimport_source::{RecordBuilder, RecordParser};

use crate::signin::{self, Kind, Outcome, Values};

/// A value the reader takes from a sign-ins CSV.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    OccurredAt,
    Email,
    UserId,
    DisplayName,
    AppName,
    AppId,
    EventId,
    Status,
    ErrorCode,
    Category,
    Interactive,
    ServicePrincipal,
}

const COLS: usize = 12;

impl Col {
    const ALL: [Col; COLS] = [
        Col::OccurredAt,
        Col::Email,
        Col::UserId,
        Col::DisplayName,
        Col::AppName,
        Col::AppId,
        Col::EventId,
        Col::Status,
        Col::ErrorCode,
        Col::Category,
        Col::Interactive,
        Col::ServicePrincipal,
    ];

    /// Normalised header names that hold the value, best first: the current portal download, then the older
    /// portal CSV and Log Analytics exports (`CreatedDateTime [UTC]`, `UserPrincipalName`, `ResultType`, ...).
    fn names(self) -> &'static [&'static str] {
        match self {
            // `Username` is the UPN; `User` is the display name.
            Col::OccurredAt => &["dateutc", "createddatetime", "createddatetimeutc", "date"],
            Col::Email => &["username", "userprincipalname"],
            Col::UserId => &["userid"],
            Col::DisplayName => &["user", "userdisplayname"],
            Col::AppName => &["application", "appdisplayname"],
            Col::AppId => &["applicationid", "appid"],
            Col::EventId => &["requestid", "id"],
            Col::Status => &["status"],
            Col::ErrorCode => &["signinerrorcode", "resulttype", "errorcode"],
            Col::Category => &["category"],
            Col::Interactive => &["isinteractive"],
            Col::ServicePrincipal => &["serviceprincipalid", "serviceprincipalname"],
        }
    }

    fn label(self) -> &'static str {
        match self {
            Col::OccurredAt => "the time (`Date (UTC)`)",
            Col::Email | Col::UserId | Col::ServicePrincipal => "the user (`Username` or `User ID`)",
            Col::AppName | Col::AppId => "the application (`Application` or `Application ID`)",
            _ => "",
        }
    }
}

/// Parses the data rows of one sign-ins CSV.
pub(crate) struct CsvParser {
    delimiter: u8,
    header_len: usize,
    columns: [Option<usize>; COLS],
    /// The normalised header of the time column: a data row holding it there is the header again (downloads
    /// concatenated into one file).
    time_header: String,
    interactive_only: bool,
    file_kind: Option<Kind>,
}

impl CsvParser {
    /// Maps the header's columns. Fails, naming what is missing, unless the header has a time, an app and a
    /// user (or service principal) column.
    pub(crate) fn from_header(
        header: &str,
        interactive_only: bool,
        file_kind: Option<Kind>,
    ) -> Result<CsvParser, String> {
        let delimiter = ssoimport_csv::sniff_delimiter(header.as_bytes());
        let names: Vec<Cow<'_, str>> = split_fields(header, delimiter);
        let normalized: Vec<String> = names.iter().map(|h| normalize_header(h)).collect();
        let mut columns = [None; COLS];
        let mut taken = vec![false; normalized.len()];
        for col in Col::ALL {
            // A name that occurs twice (`Incoming token type`) is read from its first column.
            let found = col.names().iter().find_map(|name| {
                normalized
                    .iter()
                    .enumerate()
                    .position(|(i, h)| h == name && !taken[i])
            });
            if let Some(i) = found {
                columns[col as usize] = Some(i);
                taken[i] = true;
            }
        }
        let has = |c: Col| columns[c as usize].is_some();
        let mut missing = Vec::new();
        if !has(Col::OccurredAt) {
            missing.push(Col::OccurredAt.label());
        }
        if !has(Col::Email) && !has(Col::UserId) && !has(Col::ServicePrincipal) {
            missing.push(Col::Email.label());
        }
        if !has(Col::AppName) && !has(Col::AppId) {
            missing.push(Col::AppName.label());
        }
        if !missing.is_empty() {
            let header: Vec<&str> = names.iter().map(|n| n.trim()).collect();
            return Err(format!(
                "no column for {}; the header is: {}",
                missing.join(", "),
                header.join(", ")
            ));
        }
        let time_header = columns[Col::OccurredAt as usize]
            .map(|i| normalized[i].clone())
            .unwrap_or_default();
        Ok(CsvParser {
            delimiter,
            header_len: names.len(),
            columns,
            time_header,
            interactive_only,
            file_kind,
        })
    }
}

/// Whether a header is that of a companion authentication-details download (one row per authentication step of
/// a sign-in, no application), whatever the file is named.
pub(crate) fn is_auth_details_header(header: &str) -> bool {
    let delimiter = ssoimport_csv::sniff_delimiter(header.as_bytes());
    let names: Vec<String> = split_fields(header, delimiter)
        .iter()
        .map(|h| normalize_header(h))
        .collect();
    let has = |name: &str| names.iter().any(|n| n == name);
    has("authenticationmethod") && has("requestid") && !has("application") && !has("appdisplayname")
}

fn parse_bool(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" => Some(true),
        "false" | "0" | "no" => Some(false),
        _ => None,
    }
}

impl RecordParser for CsvParser {
    fn parse(&self, record: &str, out: &mut RecordBuilder) {
        let fields = split_fields(record, self.delimiter);
        if fields.iter().all(|f| f.trim().is_empty()) {
            // A row of empty cells (a spreadsheet artefact) is no record.
            out.filter();
            return;
        }
        if fields.iter().skip(self.header_len).any(|f| !f.trim().is_empty()) {
            out.reject(
                RejectCode::FieldCountMismatch,
                &format!(
                    "row has {} fields but the header has {}; an unquoted comma (in `Location`, say)?",
                    fields.len(),
                    self.header_len
                ),
            );
            return;
        }
        let get = |c: Col| -> Option<&str> {
            let value = fields.get(self.columns[c as usize]?)?;
            (!value.trim().is_empty()).then_some(value.as_ref())
        };
        if get(Col::OccurredAt).is_some_and(|v| normalize_header(v) == self.time_header) {
            // The header again: downloads concatenated into one file.
            out.filter();
            return;
        }
        let email = get(Col::Email);
        let user_id = get(Col::UserId);
        let interactive = get(Col::Interactive).and_then(parse_bool);
        let by_interactive = |yes: bool| {
            if yes {
                Kind::Interactive
            } else {
                Kind::NonInteractive
            }
        };
        let kind = get(Col::Category)
            .map(signin::category_kind)
            .or_else(|| {
                (email.is_none() && user_id.is_none() && get(Col::ServicePrincipal).is_some())
                    .then_some(Kind::ServicePrincipal)
            })
            .or_else(|| interactive.map(by_interactive))
            .or(self.file_kind)
            .unwrap_or(Kind::Interactive);
        let kind = match kind {
            Kind::Adfs => by_interactive(interactive.unwrap_or(true)),
            k => k,
        };
        let outcome = get(Col::ErrorCode)
            .map(signin::code_outcome)
            .or_else(|| get(Col::Status).map(signin::status_outcome))
            .unwrap_or(Outcome::Unknown);
        signin::emit(
            out,
            kind,
            outcome,
            self.interactive_only,
            Values {
                event_id: get(Col::EventId),
                occurred_at: get(Col::OccurredAt),
                email,
                user_id,
                display_name: get(Col::DisplayName),
                app_id: get(Col::AppId),
                app_name: get(Col::AppName),
            },
        );
    }
}

/// Counts every record filtered: a companion file (`InteractiveSignIns_AuthDetails_*.csv`) whose rows are steps of
/// sign-ins already in the main download.
pub(crate) struct FilterAll;

impl RecordParser for FilterAll {
    fn parse(&self, _record: &str, out: &mut RecordBuilder) {
        out.filter();
    }
}
