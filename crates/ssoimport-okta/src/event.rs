//! System Log events (LogEvent objects) to sign-in rows.

use std::borrow::Cow;

use serde_json::Value;
use ssoimport_schema::RejectCode;
use ssoimport_schema::intermediate::RecordKind;
use ssoimport_source::lenient::{elements, text_at};
use ssoimport_source::{RecordBuilder, Row};

use crate::OktaOptions;

/// A value read leniently: absent, or text borrowed from the record (or made from a number).
type Text<'a> = Option<Cow<'a, str>>;

/// Maps one LogEvent: a sign-in row, a `missing_app_target` reject, or filtered.
pub(crate) fn log_event(event: &Value, options: &OktaOptions, out: &mut RecordBuilder) {
    let Some(event_type) = text_at(event, &["eventType"]).filter(|t| options.wants(t)) else {
        out.filter();
        return;
    };
    let success =
        text_at(event, &["outcome", "result"]).is_some_and(|r| r.trim().eq_ignore_ascii_case("SUCCESS"));
    // Only people count as users; OAuth clients and Okta's own principals act in some widened event types.
    let person = text_at(event, &["actor", "type"]).is_none_or(|t| t.trim().eq_ignore_ascii_case("User"));
    if !success || !person {
        out.filter();
        return;
    }
    let uuid = text_at(event, &["uuid"]);
    let targets = elements(event.get("target"));
    let app = targets
        .iter()
        .find(|t| text_at(t, &["type"]).is_some_and(|k| k.trim().eq_ignore_ascii_case("AppInstance")));
    let (app_id, app_name, app_label): (Text<'_>, Text<'_>, Text<'_>) = match app {
        Some(t) => (
            text_at(t, &["id"]),
            text_at(t, &["displayName"]),
            text_at(t, &["alternateId"]),
        ),
        // Sign-in to Okta itself names no app: credit the dashboard.
        None if event_type.trim().starts_with("user.session.") => (
            Some(Cow::Borrowed(options.dashboard_app_id.as_str())),
            Some(Cow::Borrowed(options.dashboard_app_name.as_str())),
            None,
        ),
        None => {
            out.reject(
                RejectCode::MissingAppTarget,
                &format!(
                    "successful {} event {} names no AppInstance target ({})",
                    event_type.trim(),
                    uuid.as_deref().unwrap_or("(no uuid)"),
                    describe_targets(event.get("target"), targets),
                ),
            );
            return;
        }
    };
    let published = text_at(event, &["published"]);
    let email = text_at(event, &["actor", "alternateId"]);
    let user_id = text_at(event, &["actor", "id"]);
    let name = text_at(event, &["actor", "displayName"]);
    out.push(&Row {
        event_id: uuid.as_deref(),
        occurred_at: published.as_deref(),
        email: email.as_deref(),
        user_id: user_id.as_deref(),
        display_name: name.as_deref(),
        app_instance_id: app_id.as_deref(),
        app_name: app_name.as_deref(),
        app_display_name: app_label.as_deref(),
        ..Row::new(RecordKind::SignIn)
    });
}

/// What the event had instead of an app target, for the reject's detail.
fn describe_targets(raw: Option<&Value>, targets: &[Value]) -> String {
    match raw {
        None => "no target".to_string(),
        Some(Value::Null) => "target is null".to_string(),
        Some(_) if targets.is_empty() => "no targets".to_string(),
        Some(_) => {
            let kinds: Vec<Cow<'_, str>> = targets
                .iter()
                .map(|t| text_at(t, &["type"]).unwrap_or(Cow::Borrowed("?")))
                .collect();
            format!("targets: {}", kinds.join(", "))
        }
    }
}
