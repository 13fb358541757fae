//! Microsoft Entra ID (Azure AD) reader of ssoimport: user sign-ins become usage, directory users and app role
//! assignments become the roster.
//!
//! Inputs, each sniffed from its first bytes:
//!
//! - Graph `auditLogs/signIns` pages (`{"@odata.context", "@odata.nextLink", "value": [...]}`, v1.0 and beta),
//!   one file per page or NDJSON of pages; a JSON array of sign-ins (the admin center's JSON download); NDJSON
//!   of sign-ins.
//! - Azure Monitor diagnostic records (Event Hub messages `{"records": [...]}`, storage blobs with one record
//!   per line): the sign-in is in `properties`, its kind in `category`.
//! - The admin center's CSV downloads (`InteractiveSignIns_*.csv`, `NonInteractiveSignIns_*.csv`), the older
//!   portal CSV and Log Analytics CSV exports: columns found by normalised name.
//! - Graph `/users` pages (User rows) and `/servicePrincipals/{id}/appRoleAssignedTo` pages (Assignment rows);
//!   the aggregator joins them on the user id.
//!
//! A sign-in is usage when a user signed in (interactively or not; see [`EntraOptions::interactive_only`]) and
//! it did not fail (`status.errorCode`, `resultType`, `Sign-in error code` or `Status`). Failed, service
//! principal and managed identity sign-ins, and Azure Monitor records of other categories, are counted as
//! filtered. A sign-in that carries no status at all (a `$select` without `status`, a CSV without the column) is
//! kept: nothing says it failed.
//!
//! What the rows mean for this source:
//!
//! - **SignIn**: a user sign-in that did not fail. `app_instance_id` and `app_id` are the `appId` (the
//!   application's client id), `app_name` its `appDisplayName`, `email` the `userPrincipalName` as written (the
//!   normalizer lower-cases it; one that is not email-shaped, such as a GUID, is the validator's
//!   `invalid_email`), `user_id` the `userId`, `occurred_at` the `createdDateTime` as written (7 fractional
//!   digits, offsets and US-ordered dates are the normalizer's to read), `event_id` the `id` (`Request ID`).
//!   Kinds are told by the Azure Monitor `category`, then Graph beta `signInEventTypes`, then a missing user
//!   with a service principal id, then `isInteractive`, then the portal download's file name; interactive when
//!   nothing tells. AD FS sign-ins (`ADFSSignInLogs`) are user sign-ins to relying parties: usage,
//!   interactive unless the record says otherwise.
//! - **User**: a directory user (`/users`): `user_id` the `id`, `email` the `userPrincipalName` (else `mail`),
//!   names, `activated_at` the `createdDateTime`, `last_activity_at` the last successful sign-in
//!   (`signInActivity.lastSuccessfulSignInDateTime`, else the last interactive then non-interactive attempt).
//!   `accountEnabled: false` carries no date, so `deactivated_at` stays empty (only `deletedDateTime` fills it).
//! - **Assignment**: a user assigned to an app (`appRoleAssignedTo`, `appRoleAssignments`): `user_id` the
//!   `principalId` (the aggregator joins the email from User rows), `app_instance_id` the `resourceId` (the
//!   service principal's object id), `app_name` the `resourceDisplayName`, `activated_at` the
//!   `createdDateTime`, `deactivated_at` the `deletedDateTime`. Groups and service principals assigned to the app
//!   are filtered: their members are not in the export.
//! - No App rows: discovery comes from the apps the other rows name.
//!
//! ```
//! use std::sync::Arc;
//! use ssoimport_entra::{EntraOptions, EntraSource};
//! use ssoimport_source::{ChunkOptions, Decoder, SourceDecoder};
//!
//! let page = br#"{"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#auditLogs/signIns",
//!   "value": [
//!     {"id": "e1", "createdDateTime": "2025-03-01T09:00:00.1234567Z", "userId": "u1",
//!      "userPrincipalName": "Ann@Contoso.com", "appId": "a1", "appDisplayName": "Salesforce",
//!      "status": {"errorCode": 0}},
//!     {"id": "e2", "createdDateTime": "2025-03-01T09:01:00Z", "userId": "u1",
//!      "userPrincipalName": "Ann@Contoso.com", "appId": "a1", "appDisplayName": "Salesforce",
//!      "status": {"errorCode": 50126}}
//!   ]}"#;
//! let source = EntraSource::new(EntraOptions::default().interactive_only(true));
//! let mut decoder = SourceDecoder::new(Arc::new(source), "signins.json", ChunkOptions::default());
//! decoder.decode(page)?;
//! let batch = decoder.finish()?.expect("one sign-in");
//! assert_eq!(batch.num_rows(), 1);
//! assert_eq!(decoder.counts().filtered, 1); // the failed sign-in
//! # Ok::<(), ssoimport_source::SourceError>(())
//! ```

mod csv;
mod fast;
mod json;
mod lookup;
mod signin;
mod sniff;

use std::sync::Arc;

use ssoimport_source::{CsvFramer, Framer, JsonFramer, Prepared, Source, SourceError};

/// Key paths whose arrays hold records: Graph pages and Event Hub messages.
const ENVELOPE_PATHS: &[&[&str]] = &[&["value"], &["records"]];

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Options of the Entra reader.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EntraOptions {
    /// Keep only interactive user sign-ins; non-interactive ones (token refreshes, which outnumber them many
    /// times) are filtered. Off by default: both count as usage.
    pub interactive_only: bool,
}

impl EntraOptions {
    /// Sets [`EntraOptions::interactive_only`].
    pub fn interactive_only(mut self, yes: bool) -> Self {
        self.interactive_only = yes;
        self
    }
}

/// The Entra ID [`Source`] (`--source entra`).
#[derive(Debug, Clone, Default)]
pub struct EntraSource {
    options: EntraOptions,
}

impl EntraSource {
    /// An Entra source with these options.
    pub fn new(options: EntraOptions) -> Self {
        EntraSource { options }
    }

    /// The options in use.
    pub fn options(&self) -> &EntraOptions {
        &self.options
    }

    fn json_parser(&self, file: &str) -> Prepared {
        Prepared {
            parser: Arc::new(json::JsonParser {
                interactive_only: self.options.interactive_only,
                file_kind: signin::file_kind(file),
            }),
            first_is_header: false,
        }
    }
}

/// The bytes from the first one that is neither a BOM nor whitespace.
fn content(bytes: &[u8]) -> &[u8] {
    let bytes = bytes.strip_prefix(BOM).unwrap_or(bytes);
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    &bytes[start..]
}

/// Whether an input is JSON rather than CSV, from its first bytes.
fn is_json(head: &[u8]) -> bool {
    matches!(content(head).first(), None | Some(b'{') | Some(b'['))
}

impl Source for EntraSource {
    fn name(&self) -> &'static str {
        "entra"
    }

    fn sniff(&self, head: &[u8]) -> u8 {
        sniff::sniff(head)
    }

    fn framer(&self, head: &[u8]) -> Box<dyn Framer> {
        if is_json(head) {
            Box::new(JsonFramer::new(head, ENVELOPE_PATHS))
        } else {
            Box::new(CsvFramer::new())
        }
    }

    fn prepare(&self, file: &str, first_record: &[u8]) -> Result<Prepared, SourceError> {
        if is_json(first_record) {
            return Ok(self.json_parser(file));
        }
        let header = String::from_utf8_lossy(first_record.strip_prefix(BOM).unwrap_or(first_record));
        if signin::is_auth_details_file(file) || csv::is_auth_details_header(&header) {
            return Ok(Prepared {
                parser: Arc::new(csv::FilterAll),
                first_is_header: true,
            });
        }
        match csv::CsvParser::from_header(&header, self.options.interactive_only, signin::file_kind(file)) {
            Ok(parser) => Ok(Prepared {
                parser: Arc::new(parser),
                first_is_header: true,
            }),
            // A JSON array whose first element is not an object: its records are rejected one by one.
            Err(_) if serde_json::from_slice::<serde_json::Value>(first_record).is_ok() => {
                Ok(self.json_parser(file))
            }
            Err(detail) => Err(SourceError::Format {
                file: file.to_string(),
                source_name: "Microsoft Entra ID sign-ins CSV",
                detail,
            }),
        }
    }
}

#[cfg(test)]
mod tests;
