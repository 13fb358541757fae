//! JSON records: Graph sign-ins (v1.0 and beta), Azure Monitor records wrapping a sign-in in `properties`,
//! Graph users and app role assignments. One record is one JSON value: an element of a page, an array or an
//! envelope, or one NDJSON line (which may itself be a whole page or Event Hub message).
//!
//! The mapping of sign-ins reads through [`Json`], so it serves both a parsed `Value` and the fast path of
//! `fast.rs`, which takes the common records first and leaves the rest to [`JsonParser::full`].

use std::borrow::Cow;

use serde_json::{Map, Value};
use ssoimport_schema::RejectCode;
use ssoimport_schema::intermediate::RecordKind;
use ssoimport_source::strict::Type;
use ssoimport_source::{RecordBuilder, RecordParser, Row, lenient};

use crate::fast;
use crate::lookup::{Json, get};
use crate::signin::{self, Kind, Outcome, Values};

/// Keys of a record that hold its records: Graph pages (`value`) and Event Hub messages (`records`).
const ENVELOPE_KEYS: [&str; 2] = ["value", "records"];

/// Keys only a sign-in has (among the objects this reader meets).
pub(crate) const SIGN_IN_KEYS: [&str; 9] = [
    "appId",
    "appDisplayName",
    "userId",
    "status",
    "signInEventTypes",
    "isInteractive",
    "clientAppUsed",
    "conditionalAccessStatus",
    "resourceDisplayName",
];

/// Keys a directory user has and a sign-in has not.
pub(crate) const USER_KEYS: [&str; 7] = [
    "userPrincipalName",
    "mail",
    "givenName",
    "surname",
    "accountEnabled",
    "signInActivity",
    "businessPhones",
];

/// Keys of directory objects that are apps, not sign-ins (`/servicePrincipals`, `/applications` pages).
pub(crate) const APP_OBJECT_KEYS: [&str; 3] =
    ["servicePrincipalType", "servicePrincipalNames", "signInAudience"];

/// Parses JSON records of every Entra shape.
pub(crate) struct JsonParser {
    pub(crate) interactive_only: bool,
    /// The kind of sign-in the file name tells, for records that do not tell it.
    pub(crate) file_kind: Option<Kind>,
}

/// What an object is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// An Azure Monitor diagnostic record: `category`, the sign-in in `properties`.
    Monitor,
    /// A Graph signIn.
    SignIn,
    /// A Graph user.
    User,
    /// A Graph appRoleAssignment.
    Assignment,
    /// Another directory object (a service principal, a group, an application): read and not wanted.
    Other,
}

/// What an object is, from its keys.
pub(crate) fn shape<'a, V: Json<'a>>(object: V) -> Shape {
    if let Some(t) = object.field("@odata.type").and_then(V::string) {
        let name = t.rsplit('.').next().unwrap_or(&t).to_ascii_lowercase();
        return match name.as_str() {
            "user" => Shape::User,
            "signin" => Shape::SignIn,
            "approleassignment" => Shape::Assignment,
            _ => Shape::Other,
        };
    }
    let has = |key: &str| object.field(key).is_some();
    if object.field("category").is_some_and(|c| c.kind() == Type::String)
        && (has("properties") || has("operationName") || has("resultType"))
    {
        Shape::Monitor
    } else if has("principalId") && (has("resourceId") || has("appRoleId") || has("principalType")) {
        Shape::Assignment
    } else if APP_OBJECT_KEYS.iter().any(|k| has(k)) {
        Shape::Other
    } else if SIGN_IN_KEYS.iter().any(|k| has(k)) {
        Shape::SignIn
    } else if USER_KEYS.iter().any(|k| has(k)) {
        Shape::User
    } else {
        // Unknown: read as a sign-in, so that what it lacks is rejected by name (email, app, time).
        Shape::SignIn
    }
}

/// The kind an Azure Monitor record's `category` tells.
pub(crate) fn category_kind<'a, V: Json<'a>>(record: V) -> Kind {
    signin::category_kind(&record.text_of("category").unwrap_or_default())
}

fn text<'a>(map: &'a Map<String, Value>, key: &str) -> Option<Cow<'a, str>> {
    get(map, key).and_then(lenient::text)
}

/// A sign-in as read, before anything is written (the fast path may still give up on the record).
pub(crate) struct SignIn<'a> {
    kind: Kind,
    outcome: Outcome,
    event_id: Option<Cow<'a, str>>,
    occurred_at: Option<Cow<'a, str>>,
    email: Option<Cow<'a, str>>,
    user_id: Option<Cow<'a, str>>,
    display_name: Option<Cow<'a, str>>,
    app_id: Option<Cow<'a, str>>,
    app_name: Option<Cow<'a, str>>,
}

/// What a record comes to.
pub(crate) enum Read<'a> {
    /// Not wanted (an Azure Monitor category that is no user sign-in).
    Filter,
    /// A sign-in, which [`signin::emit`] tells the fate of.
    SignIn(SignIn<'a>),
}

impl Read<'_> {
    /// Writes the outcome.
    pub(crate) fn write(&self, parser: &JsonParser, out: &mut RecordBuilder) {
        match self {
            Read::Filter => out.filter(),
            Read::SignIn(s) => s.write(parser, out),
        }
    }
}

impl SignIn<'_> {
    fn write(&self, parser: &JsonParser, out: &mut RecordBuilder) {
        signin::emit(
            out,
            self.kind,
            self.outcome,
            parser.interactive_only,
            Values {
                event_id: self.event_id.as_deref(),
                occurred_at: self.occurred_at.as_deref(),
                email: self.email.as_deref(),
                user_id: self.user_id.as_deref(),
                display_name: self.display_name.as_deref(),
                app_id: self.app_id.as_deref(),
                app_name: self.app_name.as_deref(),
            },
        );
    }
}

impl RecordParser for JsonParser {
    fn parse(&self, record: &str, out: &mut RecordBuilder) {
        if !fast::record(self, record, out) {
            self.full(record, out);
        }
    }
}

impl JsonParser {
    /// Reads a record by parsing it whole: every shape, and the reject of broken JSON.
    pub(crate) fn full(&self, record: &str, out: &mut RecordBuilder) {
        match serde_json::from_str::<Value>(record) {
            Ok(value) => self.value(&value, true, out),
            Err(e) => out.reject(
                RejectCode::ParseError,
                &format!("not valid JSON ({e}): {}", lenient::excerpt(record.trim(), 80)),
            ),
        }
    }

    /// One value; `outer` when it is the record itself, which may be a page or Event Hub message read whole
    /// (NDJSON of pages) or an array of records.
    fn value(&self, value: &Value, outer: bool, out: &mut RecordBuilder) {
        let items = match value {
            Value::Object(map) => match ENVELOPE_KEYS.iter().find_map(|k| map.get(*k)?.as_array()) {
                Some(items) if outer => items,
                _ => return self.object(value, map, out),
            },
            Value::Array(items) if outer => items,
            other => {
                out.reject(
                    RejectCode::ParseError,
                    &format!(
                        "expected a JSON object (a sign-in, user or app role assignment), found {}",
                        other.kind().name()
                    ),
                );
                return;
            }
        };
        if items.is_empty() {
            // An empty page read as one record: read, and nothing in it.
            out.filter();
        }
        for item in items {
            self.value(item, false, out);
        }
    }

    fn object(&self, value: &Value, map: &Map<String, Value>, out: &mut RecordBuilder) {
        match shape(value) {
            Shape::Monitor => self.monitor(value, out),
            Shape::SignIn => self.sign_in(value, None::<&Value>, None).write(self, out),
            Shape::User => user(map, out),
            Shape::Assignment => assignment(map, out),
            Shape::Other => out.filter(),
        }
    }

    /// An Azure Monitor record: the category tells the kind; the sign-in is in `properties` (an object, or the
    /// same as a JSON string, as some forwarders write it), or on the record itself (Log Analytics). The fast
    /// path reads the same way, except for `properties` as a string, which it leaves to this one.
    fn monitor(&self, record: &Value, out: &mut RecordBuilder) {
        let kind = category_kind(record);
        if !kind.is_user() {
            out.filter();
            return;
        }
        match record.field("properties") {
            Some(props @ Value::Object(_)) => self.sign_in(props, Some(record), Some(kind)).write(self, out),
            Some(Value::String(s)) => match serde_json::from_str::<Value>(s) {
                Ok(props @ Value::Object(_)) => {
                    self.sign_in(&props, Some(record), Some(kind)).write(self, out);
                }
                _ => out.reject(
                    RejectCode::ParseError,
                    &format!(
                        "`properties` of a sign-in record is a string that is not a JSON object: {}",
                        lenient::excerpt(s, 80)
                    ),
                ),
            },
            // Log Analytics rows (`SigninLogs` exported as JSON) carry the sign-in's fields on the record itself.
            _ => self.sign_in(record, Some(record), Some(kind)).write(self, out),
        }
    }

    /// Reads a Graph signIn `s`, bare or from an Azure Monitor record (`wrapper`, whose `category` gave
    /// `category`); parsed or walked lazily, both read the same.
    pub(crate) fn sign_in<'a, S: Json<'a>, W: Json<'a>>(
        &self,
        s: S,
        wrapper: Option<W>,
        category: Option<Kind>,
    ) -> SignIn<'a> {
        let upn = s.text_of("userPrincipalName");
        let user_id = s.text_of("userId");
        let is_interactive = s.field("isInteractive").and_then(S::boolean);
        let by_interactive = |yes: bool| {
            if yes {
                Kind::Interactive
            } else {
                Kind::NonInteractive
            }
        };
        let kind = category
            .or_else(|| {
                let types = s.field("signInEventTypes")?;
                let listed = types.items().filter_map(S::string);
                signin::event_types_kind(listed.chain(types.string()))
            })
            .or_else(|| {
                // A sign-in with no user but a service principal is an app signing in as itself.
                let principal = s
                    .text_of("servicePrincipalId")
                    .or_else(|| s.text_of("servicePrincipalName"));
                (upn.is_none() && user_id.is_none() && principal.is_some()).then_some(Kind::ServicePrincipal)
            })
            .or_else(|| is_interactive.map(by_interactive))
            .or(self.file_kind)
            .unwrap_or(Kind::Interactive);
        let kind = match kind {
            Kind::Adfs => by_interactive(is_interactive.unwrap_or(true)),
            k => k,
        };

        let outcome = match s.field("status") {
            Some(status) if status.kind() == Type::Object => {
                status.text_of("errorCode").map(|c| signin::code_outcome(&c))
            }
            Some(other) => other.text().map(|t| signin::status_outcome(&t)),
            None => None,
        }
        .filter(|o| *o != Outcome::Unknown)
        .or_else(|| {
            wrapper
                .and_then(|w| w.text_of("resultType"))
                .map(|c| signin::code_outcome(&c))
        })
        .unwrap_or(Outcome::Unknown);

        SignIn {
            kind,
            outcome,
            occurred_at: s
                .text_of("createdDateTime")
                .or_else(|| wrapper.and_then(|w| w.text_of("time"))),
            event_id: s.text_of("id"),
            display_name: s.text_of("userDisplayName"),
            app_id: s.text_of("appId"),
            app_name: s.text_of("appDisplayName"),
            email: upn,
            user_id,
        }
    }
}

/// A Graph user: fills the email and names of assignments that name the user by id.
///
/// `accountEnabled: false` gives no date, so `deactivated_at` stays empty for it; `deletedDateTime` (deleted
/// users) is the deactivation date where present. Last activity is the last successful sign-in, interactive or
/// not, where Graph has it (a failed attempt is no activity), else the last interactive and then non-interactive
/// sign-in attempt; Graph's `0001-01-01T00:00:00Z` for "never" is skipped.
fn user(u: &Map<String, Value>, out: &mut RecordBuilder) {
    let email = text(u, "userPrincipalName").or_else(|| text(u, "mail"));
    let last_activity = get(u, "signInActivity").and_then(|a| {
        [
            "lastSuccessfulSignInDateTime",
            "lastSignInDateTime",
            "lastNonInteractiveSignInDateTime",
        ]
        .iter()
        .filter_map(|k| a.get(*k).and_then(lenient::text))
        // Graph writes the year 1 for "never": no activity, not a time to reject the user over.
        .find(|t| !t.trim_start().starts_with("0001-"))
    });
    let id = text(u, "id");
    let first = text(u, "givenName");
    let last = text(u, "surname");
    let display = text(u, "displayName");
    let created = text(u, "createdDateTime");
    let deleted = text(u, "deletedDateTime");
    out.push(&Row {
        email: email.as_deref(),
        user_id: id.as_deref(),
        first_name: first.as_deref(),
        last_name: last.as_deref(),
        display_name: display.as_deref(),
        activated_at: created.as_deref(),
        last_activity_at: last_activity.as_deref(),
        deactivated_at: deleted.as_deref(),
        ..Row::new(RecordKind::User)
    });
}

/// A Graph appRoleAssignment (`/servicePrincipals/{id}/appRoleAssignedTo`, `/users/{id}/appRoleAssignments`):
/// a user assigned to an app. Groups and service principals assigned to the app are filtered: a group's
/// members are not in the export (they need `/groups/{id}/transitiveMembers`).
fn assignment(a: &Map<String, Value>, out: &mut RecordBuilder) {
    if text(a, "principalType").is_some_and(|t| !t.trim().eq_ignore_ascii_case("user")) {
        out.filter();
        return;
    }
    let user_id = text(a, "principalId");
    let display = text(a, "principalDisplayName");
    let app = text(a, "resourceId");
    let app_name = text(a, "resourceDisplayName");
    let created = text(a, "createdDateTime");
    let deleted = text(a, "deletedDateTime");
    out.push(&Row {
        user_id: user_id.as_deref(),
        display_name: display.as_deref(),
        app_instance_id: app.as_deref(),
        app_name: app_name.as_deref(),
        activated_at: created.as_deref(),
        deactivated_at: deleted.as_deref(),
        ..Row::new(RecordKind::Assignment)
    });
}
