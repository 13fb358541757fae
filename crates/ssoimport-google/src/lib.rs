//! Google Workspace reader of ssoimport: Reports API activities and Directory API listings.
//!
//! Containers: a Reports API page (`{"kind": "admin#reports#activities", "items": [...], "nextPageToken"}`,
//! `items` absent on an empty page), a sequence or directory of such pages, a JSON array of activities, NDJSON of
//! activities (including the SIEM variant where `events` is one object instead of an array), and Directory pages of
//! users (`{"kind": "admin#directory#users", "users": [...]}`) and of a user's OAuth tokens
//! (`{"kind": "admin#directory#tokenList", "items": [...]}`). Every element is told apart by its own keys, so
//! pages of different kinds may share one input.
//!
//! What becomes a row:
//!
//! - each event of an activity is its own row (an activity may hold several); its `event_id` is
//!   `id.uniqueQualifier` when the activity holds one event, and `uniqueQualifier:index` (0-based position in
//!   `events`) when it holds several;
//! - `saml` `login_success` (Google as the IdP of a SaaS app): a sign-in to the app named by the parameter
//!   `application_name`, which is also its instance id (the events carry no other id of the app);
//! - `token` `authorize` and `activity` (an OAuth app acting for the user): a sign-in to the app with instance
//!   id `client_id` and name `app_name`;
//! - `login` `login_success` (signing in to Google itself): filtered, or, with
//!   [`GoogleOptions::include_google_login`], a sign-in to [`GOOGLE_WORKSPACE_APP_NAME`]
//!   (instance id [`GOOGLE_WORKSPACE_APP_ID`]);
//! - every other event (failures, `revoke`, `admin`, `drive`, ...) is filtered, and so is an activity with no
//!   events or a page with no elements;
//! - a Directory user is a user row (id, primary email, names, creation and last login time); suspension and
//!   archiving are not dated in the listing, so `deactivated_at` stays empty. With
//!   [`GoogleOptions::google_workspace_roster`], each user who is neither suspended nor archived is also an
//!   assignment to Google Workspace itself;
//! - a token of `users/{userKey}/tokens` is an assignment of its user (`userKey`: an email, or the Directory id
//!   that the user rows resolve) to the OAuth app (`clientId`, `displayText`).
//!
//! Values are handed over as written (emails are lower-cased and timestamps read by the normalizer), with one
//! exception: a `lastLoginTime` of `1970-01-01T00:00:00.000Z`, the Directory's way of saying "never", is dropped.
//!
//! ```
//! use std::sync::Arc;
//! use ssoimport_google::{GoogleOptions, GoogleSource};
//! use ssoimport_source::{ChunkOptions, Decoder, SourceDecoder};
//!
//! let page = br#"{"kind": "admin#reports#activities", "items": [{
//!     "id": {"time": "2024-03-01T09:00:00.000Z", "uniqueQualifier": "-42", "applicationName": "saml"},
//!     "actor": {"email": "Ann@Example.com", "profileId": "1001"},
//!     "events": [{"type": "login", "name": "login_success",
//!                 "parameters": [{"name": "application_name", "value": "Slack"}]}]}]}"#;
//! let source = GoogleSource::new(GoogleOptions::default().include_google_login(false));
//! let mut decoder = SourceDecoder::new(Arc::new(source), "saml.json", ChunkOptions::default());
//! decoder.decode(page)?;
//! let batch = decoder.finish()?.expect("one sign-in");
//! assert_eq!(batch.num_rows(), 1);
//! # Ok::<(), ssoimport_source::SourceError>(())
//! ```

mod activity;
mod directory;
mod fast;
mod node;
mod params;

use std::sync::Arc;

use memchr::memmem;
use serde_json::Value;
use ssoimport_schema::RejectCode;
use ssoimport_source::{
    Framer, JsonFramer, Prepared, RecordBuilder, RecordParser, Source, SourceError, lenient,
};

use crate::node::Node;

/// The app instance id given to Google Workspace itself (login events, optional Directory roster).
pub const GOOGLE_WORKSPACE_APP_ID: &str = "google-workspace";
/// The app name given to Google Workspace itself.
pub const GOOGLE_WORKSPACE_APP_NAME: &str = "Google Workspace";

/// Keys whose arrays hold the records: activities and token pages (`items`), Directory user pages (`users`).
const ENVELOPE_PATHS: &[&[&str]] = &[&["items"], &["users"]];

/// How much of a record a reject detail quotes, in characters.
const EXCERPT_CHARS: usize = 80;

/// Options of the Google Workspace reader.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GoogleOptions {
    /// Read `login` `login_success` events (signing in to Google itself) as usage of Google Workspace instead of
    /// filtering them.
    pub include_google_login: bool,
    /// Also read each Directory user who is neither suspended nor archived as an assignment to Google Workspace
    /// itself: the Directory is the roster of Workspace accounts (licences) and `lastLoginTime` their last use,
    /// which no Reports event gives without [`GoogleOptions::include_google_login`].
    pub google_workspace_roster: bool,
}

impl GoogleOptions {
    /// Sets [`GoogleOptions::include_google_login`].
    pub fn include_google_login(mut self, on: bool) -> Self {
        self.include_google_login = on;
        self
    }

    /// Sets [`GoogleOptions::google_workspace_roster`].
    pub fn google_workspace_roster(mut self, on: bool) -> Self {
        self.google_workspace_roster = on;
        self
    }
}

/// The Google Workspace [`Source`] (`--source google`).
#[derive(Debug, Clone, Default)]
pub struct GoogleSource {
    options: GoogleOptions,
}

impl GoogleSource {
    /// A Google Workspace source with these options.
    pub fn new(options: GoogleOptions) -> Self {
        GoogleSource { options }
    }

    /// The options in use.
    pub fn options(&self) -> &GoogleOptions {
        &self.options
    }
}

impl Source for GoogleSource {
    fn name(&self) -> &'static str {
        "google"
    }

    fn sniff(&self, head: &[u8]) -> u8 {
        let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
        // Only JSON: a SIEM CSV export quotes the same names inside its cells.
        match head.iter().find(|b| !b.is_ascii_whitespace()) {
            Some(b'{') | Some(b'[') => {}
            _ => return 0,
        }
        let has = |needle: &str| memmem::find(head, needle.as_bytes()).is_some();
        if has("admin#reports#activit") || has("admin#directory#user") || has("admin#directory#token") {
            95
        } else if has("\"uniqueQualifier\"") && has("\"applicationName\"") {
            90
        } else if has("\"primaryEmail\"") || (has("\"clientId\"") && has("\"displayText\"")) {
            85
        } else {
            0
        }
    }

    fn framer(&self, head: &[u8]) -> Box<dyn Framer> {
        Box::new(JsonFramer::new(head, ENVELOPE_PATHS))
    }

    fn prepare(&self, _file: &str, _first_record: &[u8]) -> Result<Prepared, SourceError> {
        Ok(Prepared {
            parser: Arc::new(GoogleParser {
                options: self.options,
                fast: true,
            }),
            first_is_header: false,
        })
    }
}

/// Parses one element of a Google export (or a whole page, when a page arrived as one NDJSON line).
struct GoogleParser {
    options: GoogleOptions,
    /// Whether a bare activity takes the fast path (see [`fast`]); off only in tests, to compare both paths.
    fast: bool,
}

impl RecordParser for GoogleParser {
    fn parse(&self, record: &str, out: &mut RecordBuilder) {
        let record = record.trim();
        if self.fast && fast::activity(record, &self.options, out) {
            return;
        }
        match serde_json::from_str::<Value>(record) {
            Ok(value) => self.element(&value, out),
            Err(e) => out.reject(
                RejectCode::ParseError,
                &format!(
                    "not valid JSON ({e}): {}",
                    lenient::excerpt(record, EXCERPT_CHARS)
                ),
            ),
        }
    }
}

/// What a JSON value of a Google export is, by its own keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Element {
    /// A page, or an array of elements.
    Page,
    Activity,
    User,
    Token,
    ApiError,
    Unknown,
}

fn classify(value: &Value) -> Element {
    match value {
        Value::Object(_) => classify_object(value),
        Value::Array(_) => Element::Page,
        _ => Element::Unknown,
    }
}

/// What a JSON object is, by its own keys. The fast path's view of a record holds only `kind`, `id`, `actor`
/// and `events` (and no page keys): all that tells an activity from the rest.
fn classify_object<'a, V: Node<'a>>(object: V) -> Element {
    let kind = object.member("kind").and_then(Node::str);
    let kind = kind.as_deref().unwrap_or_default();
    let has = |key: &str| object.member(key).is_some();
    let is_list = |key: &str| object.member(key).is_some_and(Node::is_array);
    let in_id = |key: &str| object.member("id").and_then(|id| id.member(key)).is_some();
    if kind.ends_with("#activities")
        || kind.ends_with("#users")
        || kind.ends_with("#tokenList")
        || is_list("items")
        || is_list("users")
    {
        Element::Page
    } else if kind == "admin#reports#activity"
        || has("events")
        || in_id("applicationName")
        || in_id("uniqueQualifier")
    {
        Element::Activity
    } else if kind == "admin#directory#user" || has("primaryEmail") {
        Element::User
    } else if kind == "admin#directory#token" || has("clientId") || has("displayText") || has("scopes") {
        Element::Token
    } else if has("error") {
        Element::ApiError
    } else {
        Element::Unknown
    }
}

impl GoogleParser {
    fn element(&self, value: &Value, out: &mut RecordBuilder) {
        match classify(value) {
            Element::Page => {
                let elements: Vec<&Value> = match value {
                    // A JSON array on one NDJSON line (`jq -c .items` of each page).
                    Value::Array(items) => items.iter().collect(),
                    _ => ["items", "users"]
                        .iter()
                        .flat_map(|key| lenient::elements(value.get(*key)))
                        .collect(),
                };
                if elements.is_empty() {
                    // An empty page (Google omits `items` / `users` then): read, nothing in it.
                    out.filter();
                }
                for element in elements {
                    // Serde's depth limit bounds this recursion.
                    self.element(element, out);
                }
            }
            Element::Activity => activity::parse(value, &self.options, out),
            Element::User => directory::user(value, &self.options, out),
            Element::Token => directory::token(value, out),
            Element::ApiError => {
                let message = lenient::text_at(value, &["error", "message"])
                    .or_else(|| lenient::text_at(value, &["error"]))
                    .unwrap_or_default();
                out.reject(
                    RejectCode::ParseError,
                    &format!("the export holds an API error instead of data: {message}"),
                );
            }
            Element::Unknown => out.reject(
                RejectCode::ParseError,
                &format!(
                    "not a Google Workspace activity, user or token: {}",
                    lenient::excerpt(&value.to_string(), EXCERPT_CHARS)
                ),
            ),
        }
    }
}

#[cfg(test)]
mod tests;
