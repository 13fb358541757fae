//! System Log events (LogEvent objects) to sign-in rows.

use std::borrow::Cow;

use ssoimport_schema::RejectCode;
use ssoimport_schema::intermediate::RecordKind;
use ssoimport_schema::text::trim;
use ssoimport_source::scan::Lookup;
use ssoimport_source::{RecordBuilder, Row};

use crate::OktaOptions;

/// The LogEvent members the mapping reads (the fast path walks to these, the sparse parse keeps them whole).
pub(crate) const LOG_EVENT_MEMBERS: [&str; 6] =
    ["eventType", "uuid", "published", "actor", "target", "outcome"];

/// A value read leniently: absent, or text borrowed from the record (or made from a number).
type Text<'a> = Option<Cow<'a, str>>;

/// What one LogEvent maps to, before anything is written: the fast path writes it only if every value it read
/// was well formed.
pub(crate) enum Mapped<'a> {
    /// Not wanted: another event type, a failed sign-in, an actor that is no person.
    Filtered,
    /// A successful sign-in naming no app: `missing_app_target`, with this detail.
    NoApp(String),
    /// A sign-in row.
    SignIn(SignIn<'a>),
}

/// The values of a sign-in row, borrowed from the record where they could be.
pub(crate) struct SignIn<'a> {
    event_id: Text<'a>,
    occurred_at: Text<'a>,
    email: Text<'a>,
    user_id: Text<'a>,
    display_name: Text<'a>,
    app_instance_id: Text<'a>,
    app_name: Text<'a>,
    app_display_name: Text<'a>,
}

impl Mapped<'_> {
    /// Writes the row, the reject or the filter count.
    pub(crate) fn write(&self, out: &mut RecordBuilder) {
        match self {
            Mapped::Filtered => out.filter(),
            Mapped::NoApp(detail) => out.reject(RejectCode::MissingAppTarget, detail),
            Mapped::SignIn(row) => out.push(&Row {
                event_id: row.event_id.as_deref(),
                occurred_at: row.occurred_at.as_deref(),
                email: row.email.as_deref(),
                user_id: row.user_id.as_deref(),
                display_name: row.display_name.as_deref(),
                app_instance_id: row.app_instance_id.as_deref(),
                app_name: row.app_name.as_deref(),
                app_display_name: row.app_display_name.as_deref(),
                ..Row::new(RecordKind::SignIn)
            }),
        }
    }
}

/// Maps one LogEvent: a sign-in row, a `missing_app_target` reject, or filtered. `event` is a parsed value or a
/// lazily walked one; both read the same.
pub(crate) fn log_event<'a, V: Lookup<'a>>(event: V, options: &'a OktaOptions) -> Mapped<'a> {
    let Some(event_type) = event.text_at(&["eventType"]).filter(|t| options.wants(t)) else {
        return Mapped::Filtered;
    };
    let success = event
        .text_at(&["outcome", "result"])
        .is_some_and(|r| trim(&r).eq_ignore_ascii_case("SUCCESS"));
    // Each object is read for all its members at once (one walk of a lazily read record).
    let [actor_type, email, user_id, name] = event
        .member("actor")
        .map(|a| a.pick(["type", "alternateId", "id", "displayName"]))
        .unwrap_or([None, None, None, None]);
    // Only people count as users; OAuth clients and Okta's own principals act in some widened event types.
    let person = actor_type
        .and_then(V::text)
        .is_none_or(|t| trim(&t).eq_ignore_ascii_case("User"));
    if !success || !person {
        return Mapped::Filtered;
    }
    let uuid = event.text_at(&["uuid"]);
    let raw_targets = event.member("target");
    // The first AppInstance target, found without collecting the targets (no allocation per event).
    let app = raw_targets.and_then(|targets| {
        targets.find_element(|t| {
            let [kind, id, name, label] = t.pick(["type", "id", "displayName", "alternateId"]);
            kind.and_then(V::text)
                .is_some_and(|k| trim(&k).eq_ignore_ascii_case("AppInstance"))
                .then(|| {
                    [
                        id.and_then(V::text),
                        name.and_then(V::text),
                        label.and_then(V::text),
                    ]
                })
        })
    });
    let (app_id, app_name, app_label): (Text<'_>, Text<'_>, Text<'_>) = match app {
        Some([id, name, label]) => (id, name, label),
        // Sign-in to Okta itself names no app: credit the dashboard.
        None if trim(&event_type).starts_with("user.session.") => (
            Some(Cow::Borrowed(options.dashboard_app_id.as_str())),
            Some(Cow::Borrowed(options.dashboard_app_name.as_str())),
            None,
        ),
        None => {
            return Mapped::NoApp(format!(
                "successful {} event {} names no AppInstance target ({})",
                event_type.trim(),
                uuid.as_deref().unwrap_or("(no uuid)"),
                describe_targets(raw_targets),
            ));
        }
    };
    // Written out rather than `[..].map(..)`: an array's map did not inline here, its machinery ~1% of the instructions.
    let (email, user_id, name) = (
        email.and_then(V::text),
        user_id.and_then(V::text),
        name.and_then(V::text),
    );
    Mapped::SignIn(SignIn {
        event_id: uuid,
        occurred_at: event.text_at(&["published"]),
        email,
        user_id,
        display_name: name,
        app_instance_id: app_id,
        app_name,
        app_display_name: app_label,
    })
}

/// What the event had instead of an app target, for the reject's detail.
fn describe_targets<'a, V: Lookup<'a>>(raw: Option<V>) -> String {
    let targets = raw.map(V::elements).unwrap_or_default();
    match raw {
        None => "no target".to_string(),
        Some(v) if v.is_null() => "target is null".to_string(),
        Some(_) if targets.is_empty() => "no targets".to_string(),
        Some(_) => {
            let kinds: Vec<Cow<'_, str>> = targets
                .iter()
                .map(|t| t.text_at(&["type"]).unwrap_or(Cow::Borrowed("?")))
                .collect();
            format!("targets: {}", kinds.join(", "))
        }
    }
}
