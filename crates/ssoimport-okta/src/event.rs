//! System Log events (LogEvent objects) to sign-in rows.

use std::borrow::Cow;

use ssoimport_schema::RejectCode;
use ssoimport_schema::intermediate::RecordKind;
use ssoimport_source::scan::Lookup;
use ssoimport_source::{RecordBuilder, Row};

use crate::OktaOptions;

/// A value read leniently: absent, or text borrowed from the record (or made from a number).
type Text<'a> = Option<Cow<'a, str>>;

/// Maps one LogEvent: a sign-in row, a `missing_app_target` reject, or filtered. `event` is a parsed value or a
/// lazily walked one; both read the same.
pub(crate) fn log_event<'a, V: Lookup<'a>>(event: V, options: &OktaOptions, out: &mut RecordBuilder) {
    let Some(event_type) = event.text_at(&["eventType"]).filter(|t| options.wants(t)) else {
        out.filter();
        return;
    };
    let success = event
        .text_at(&["outcome", "result"])
        .is_some_and(|r| r.trim().eq_ignore_ascii_case("SUCCESS"));
    // Each object is read for all its members at once (one walk of a lazily read record).
    let [actor_type, email, user_id, name] = event
        .member("actor")
        .map(|a| a.pick(["type", "alternateId", "id", "displayName"]))
        .unwrap_or([None, None, None, None]);
    // Only people count as users; OAuth clients and Okta's own principals act in some widened event types.
    let person = actor_type
        .and_then(V::text)
        .is_none_or(|t| t.trim().eq_ignore_ascii_case("User"));
    if !success || !person {
        out.filter();
        return;
    }
    let uuid = event.text_at(&["uuid"]);
    let raw_targets = event.member("target");
    let targets = raw_targets.map(V::elements).unwrap_or_default();
    let app = targets.iter().find_map(|t| {
        let [kind, id, name, label] = t.pick(["type", "id", "displayName", "alternateId"]);
        kind.and_then(V::text)
            .is_some_and(|k| k.trim().eq_ignore_ascii_case("AppInstance"))
            .then(|| [id, name, label].map(|v| v.and_then(V::text)))
    });
    let (app_id, app_name, app_label): (Text<'_>, Text<'_>, Text<'_>) = match app {
        Some([id, name, label]) => (id, name, label),
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
                    describe_targets(raw_targets, &targets),
                ),
            );
            return;
        }
    };
    let published = event.text_at(&["published"]);
    let [email, user_id, name] = [email, user_id, name].map(|v| v.and_then(V::text));
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
fn describe_targets<'a, V: Lookup<'a>>(raw: Option<V>, targets: &[V]) -> String {
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
