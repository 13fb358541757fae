//! Okta reader of ssoimport: System Log events and the Users, Apps and App-users API exports, in whatever
//! container they arrived.
//!
//! **Containers.** An API page (a JSON array of LogEvents), a directory of such pages, NDJSON (one LogEvent per
//! line, as SIEM and collector dumps hold them), a single LogEvent object, AWS EventBridge envelopes (Okta Log
//! Streaming: `detail` holds the LogEvent; one per line or concatenated as Firehose writes them), Okta event-hook
//! deliveries (`data.events[]`), and Splunk HEC events (`event` holds the LogEvent). gzip and zstd are undone by
//! the shared plumbing. Records are told apart by their keys, so one input may mix them.
//!
//! **System Log.** `user.authentication.sso` events with `outcome.result == "SUCCESS"` become
//! [`RecordKind::SignIn`](ssoimport_schema::intermediate::RecordKind::SignIn) rows: the app is the first target
//! of type `AppInstance` (`id`, `displayName` as the app name, `alternateId` as its display name), the user is the
//! actor (`alternateId` as the email, `id`, `displayName`), the time is `published` and the event id `uuid`. Other
//! event types, other outcomes and non-user actors are counted as filtered. A successful SSO event without an
//! `AppInstance` target is a `missing_app_target` reject. [`OktaOptions::add_event_type`] widens the set: a
//! `user.session.*` event without an app target is Okta sign-in itself, so it is credited to a synthetic
//! "Okta Dashboard" app ([`OktaOptions::dashboard_app`]); any other widened type still needs an app target.
//!
//! **Rosters.** A `/api/v1/users` element becomes a `User` row (login, names, `lastLogin`, and a deactivation
//! time for `DEPROVISIONED` or `SUSPENDED` users); a `/api/v1/apps` element an `App` row (`label` as the display
//! name, `name` as the catalogue id, `created`; `DELETED` apps are filtered); a `/api/v1/apps/{id}/users` element
//! an `Assignment` row (the user id in `id`, the app id from `_links.app.href`, the profile from
//! `_embedded.user` when the export was made with `expand=user`).
//!
//! ```
//! use std::sync::Arc;
//! use ssoimport_okta::{OktaOptions, OktaSource};
//! use ssoimport_source::{ChunkOptions, Decoder, SourceDecoder};
//!
//! let page = br#"[{"uuid":"e1","published":"2024-03-01T09:00:00.000Z","eventType":"user.authentication.sso",
//!   "outcome":{"result":"SUCCESS"},"actor":{"id":"00u1","type":"User","alternateId":"ann@example.com"},
//!   "target":[{"id":"0oa1","type":"AppInstance","alternateId":"Slack Enterprise","displayName":"Slack"}]},
//!  {"uuid":"e2","published":"2024-03-01T09:01:00.000Z","eventType":"user.session.start",
//!   "outcome":{"result":"SUCCESS"},"actor":{"id":"00u1","type":"User","alternateId":"ann@example.com"},
//!   "target":null}]"#;
//! let source = OktaSource::new(OktaOptions::default());
//! let mut decoder = SourceDecoder::new(Arc::new(source), "logs.json", ChunkOptions::default());
//! decoder.decode(page)?;
//! let batch = decoder.finish()?.expect("one sign-in");
//! assert_eq!(batch.num_rows(), 1);
//! assert_eq!(decoder.counts().filtered, 1); // the session start
//! # Ok::<(), ssoimport_source::SourceError>(())
//! ```

mod event;
mod fast;
mod record;
mod roster;
mod sparse;

use std::sync::Arc;

use memchr::memmem;
use ssoimport_schema::text::trim;
use ssoimport_source::{Framer, JsonFramer, Prepared, Source, SourceError};

/// The name of this source, as given to `--source`.
pub const SOURCE_NAME: &str = "okta";

/// The System Log event type read by default: a user signed in to an app through Okta.
pub const SSO_EVENT_TYPE: &str = "user.authentication.sso";

/// Id of the synthetic app that `user.session.*` events without an app target are credited to.
pub const DASHBOARD_APP_ID: &str = "okta-dashboard";

/// Name of the synthetic app that `user.session.*` events without an app target are credited to.
pub const DASHBOARD_APP_NAME: &str = "Okta Dashboard";

/// Key paths whose arrays hold records: event-hook deliveries. EventBridge (`detail`) and HEC (`event`) wrap a
/// single object, so the parser unwraps those.
const ENVELOPE_PATHS: &[&[&str]] = &[&["data", "events"]];

/// Options of the Okta reader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OktaOptions {
    /// System Log event types read as sign-ins; other types are filtered. Default: `user.authentication.sso`.
    pub event_types: Vec<String>,
    /// Id of the app credited with `user.session.*` events that name no app (sign-in to Okta itself).
    pub dashboard_app_id: String,
    /// Name of that app.
    pub dashboard_app_name: String,
}

impl Default for OktaOptions {
    fn default() -> Self {
        OktaOptions {
            event_types: vec![SSO_EVENT_TYPE.to_string()],
            dashboard_app_id: DASHBOARD_APP_ID.to_string(),
            dashboard_app_name: DASHBOARD_APP_NAME.to_string(),
        }
    }
}

impl OktaOptions {
    /// Replaces the event types read as sign-ins.
    pub fn event_types<I, S>(mut self, types: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.event_types = types.into_iter().map(Into::into).collect();
        self
    }

    /// Adds an event type to those read as sign-ins (`user.session.start`, say); adding one twice is harmless.
    pub fn add_event_type(mut self, event_type: impl Into<String>) -> Self {
        let event_type = event_type.into();
        if !self.event_types.contains(&event_type) {
            self.event_types.push(event_type);
        }
        self
    }

    /// Sets the synthetic app credited with `user.session.*` events that name no app.
    pub fn dashboard_app(mut self, id: impl Into<String>, name: impl Into<String>) -> Self {
        self.dashboard_app_id = id.into();
        self.dashboard_app_name = name.into();
        self
    }

    /// Whether events of this type are read as sign-ins.
    pub fn wants(&self, event_type: &str) -> bool {
        let event_type = trim(event_type);
        self.event_types.iter().any(|t| trim(t) == event_type)
    }
}

/// The Okta [`Source`].
#[derive(Debug, Clone, Default)]
pub struct OktaSource {
    options: Arc<OktaOptions>,
}

impl OktaSource {
    /// An Okta source with these options.
    pub fn new(options: OktaOptions) -> Self {
        OktaSource {
            options: Arc::new(options),
        }
    }

    /// The options in use.
    pub fn options(&self) -> &OktaOptions {
        &self.options
    }
}

/// How sure the first bytes of an input are an Okta export, from 0 to 100; see [`Source::sniff`].
///
/// Graph (`@odata`), Google Reports (`"admin#…"` kinds) and Azure Monitor (`category` with `records` or
/// `operationName`) shapes score 0 even if an Okta-looking key appears; keys only Okta writes score 80 or more.
pub fn sniff(head: &[u8]) -> u8 {
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    match head.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{' | b'[') => {}
        _ => return 0,
    }
    let has = |needle: &str| memmem::find(head, needle.as_bytes()).is_some();
    let azure_monitor = has("\"category\"") && (has("\"records\"") || has("\"operationName\""));
    if has("@odata") || has("\"admin#") || azure_monitor {
        return 0;
    }
    let log_event = has("\"eventType\"") && has("\"uuid\"") && has("\"published\"");
    if has("com.okta.event_hook") || has("aws.partner/okta.com") || log_event {
        95
    } else if has("\"signOnMode\"") || has("\"syncState\"") {
        90
    } else if has("\"profile\"") && has("\"login\"") {
        85
    } else if has("\"errorCode\"") && has("\"errorSummary\"") {
        80
    } else {
        // JSON, but nothing Okta writes: another reader will likely claim it.
        10
    }
}

impl Source for OktaSource {
    fn name(&self) -> &'static str {
        SOURCE_NAME
    }

    fn sniff(&self, head: &[u8]) -> u8 {
        sniff(head)
    }

    fn framer(&self, head: &[u8]) -> Box<dyn Framer> {
        Box::new(JsonFramer::new(head, ENVELOPE_PATHS))
    }

    fn prepare(&self, _file: &str, _first_record: &[u8]) -> Result<Prepared, SourceError> {
        Ok(Prepared {
            parser: Arc::new(record::OktaParser::new(Arc::clone(&self.options))),
            first_is_header: false,
        })
    }
}

#[cfg(test)]
mod tests;
