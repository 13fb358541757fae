//! Users, Apps and App-users API exports to user, app and assignment rows.

use std::borrow::Cow;

use serde_json::Value;
use ssoimport_schema::intermediate::RecordKind;
use ssoimport_source::lenient::{at, text_at};
use ssoimport_source::{RecordBuilder, Row};

/// User statuses that mean the user has lost access to everything.
const USER_GONE: &[&str] = &["DEPROVISIONED", "SUSPENDED"];

/// App-user statuses that mean the user has lost access to the app.
const ASSIGNMENT_GONE: &[&str] = &["DEPROVISIONED", "SUSPENDED", "INACTIVE", "REVOKED", "UNASSIGNED"];

fn status_in(record: &Value, set: &[&str]) -> bool {
    text_at(record, &["status"]).is_some_and(|s| set.iter().any(|g| s.trim().eq_ignore_ascii_case(g)))
}

/// When the record's status last changed, for a deactivation time.
fn status_changed(record: &Value) -> Option<Cow<'_, str>> {
    text_at(record, &["statusChanged"]).or_else(|| text_at(record, &["lastUpdated"]))
}

fn looks_like_email(s: &str) -> bool {
    let s = s.trim();
    s.rfind('@').is_some_and(|i| i > 0 && s[i + 1..].contains('.'))
}

/// The user's email for roster rows: the login when it is email-shaped (System Log events carry the login as
/// `actor.alternateId`, so usage and roster name the same person alike), the profile email otherwise.
fn login_or_email(profile: &Value) -> Option<Cow<'_, str>> {
    let login = text_at(profile, &["login"]);
    match login {
        Some(l) if looks_like_email(&l) => Some(l),
        login => text_at(profile, &["email"]).or(login),
    }
}

/// A `/api/v1/users` element.
pub(crate) fn user(record: &Value, profile: &Value, out: &mut RecordBuilder) {
    let id = text_at(record, &["id"]);
    let email = login_or_email(profile);
    let first = text_at(profile, &["firstName"]);
    let last = text_at(profile, &["lastName"]);
    let display = text_at(profile, &["displayName"]);
    let activated = text_at(record, &["activated"]).or_else(|| text_at(record, &["created"]));
    let last_login = text_at(record, &["lastLogin"]);
    let deactivated = status_in(record, USER_GONE)
        .then(|| status_changed(record))
        .flatten();
    out.push(&Row {
        user_id: id.as_deref(),
        email: email.as_deref(),
        first_name: first.as_deref(),
        last_name: last.as_deref(),
        display_name: display.as_deref(),
        activated_at: activated.as_deref(),
        last_activity_at: last_login.as_deref(),
        deactivated_at: deactivated.as_deref(),
        ..Row::new(RecordKind::User)
    });
}

/// A `/api/v1/apps` element: an app row, plus an assignment row when the export embeds the app user
/// (`expand=user/{id}`). `DELETED` apps are filtered. Returns the outcomes given.
pub(crate) fn app(record: &Value, out: &mut RecordBuilder) -> usize {
    if text_at(record, &["status"]).is_some_and(|s| s.trim().eq_ignore_ascii_case("DELETED")) {
        out.filter();
        return 1;
    }
    let id = text_at(record, &["id"]);
    let name = text_at(record, &["name"]);
    let label = text_at(record, &["label"]);
    let created = text_at(record, &["created"]);
    // `name` is the integration's catalogue key (`slack`, `template_swa`); the label is what people see. The
    // catalogue display name that System Log targets carry is not in this export: the normalizer falls back
    // from the app name to the label.
    out.push(&Row {
        app_instance_id: id.as_deref(),
        app_id: name.as_deref(),
        app_display_name: label.as_deref(),
        app_created_at: created.as_deref(),
        ..Row::new(RecordKind::App)
    });
    match at(record, &["_embedded", "user"]) {
        Some(embedded @ Value::Object(_)) => {
            app_user(embedded, Some((id.as_deref(), label.as_deref())), out);
            2
        }
        _ => 1,
    }
}

/// The app id of an app user: the `/apps/{id}` segment of its app (or self) link.
fn app_id_from_links(record: &Value) -> Option<&str> {
    ["app", "self"].into_iter().find_map(|key| {
        let href = at(record, &["_links", key, "href"])?.as_str()?;
        let start = href.find("/apps/")? + "/apps/".len();
        let rest = &href[start..];
        let id = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
        (!id.is_empty()).then_some(id)
    })
}

/// A `/api/v1/apps/{id}/users` element (or an app's embedded app user): an assignment row. `app` overrides the
/// app id and label when the app user is embedded in its app.
pub(crate) fn app_user(record: &Value, app: Option<(Option<&str>, Option<&str>)>, out: &mut RecordBuilder) {
    // With `expand=user` the Okta user is embedded; the app user's own profile is the app's attributes.
    let user = at(record, &["_embedded", "user"]).filter(|u| u.get("profile").is_some_and(Value::is_object));
    let user_profile = user.and_then(|u| u.get("profile"));
    let app_profile = record.get("profile").filter(|p| p.is_object());
    let from_profiles = |key: &str| {
        user_profile
            .and_then(|p| text_at(p, &[key]))
            .or_else(|| app_profile.and_then(|p| text_at(p, &[key])))
    };

    let user_id = text_at(record, &["id"]).or_else(|| user.and_then(|u| text_at(u, &["id"])));
    let email = user_profile
        .and_then(login_or_email)
        .or_else(|| app_profile.and_then(|p| text_at(p, &["email"])))
        .or_else(|| text_at(record, &["credentials", "userName"]).filter(|n| looks_like_email(n)));
    let first = from_profiles("firstName");
    let last = from_profiles("lastName");
    let display = app_profile
        .and_then(|p| text_at(p, &["displayName"]))
        .or_else(|| user_profile.and_then(|p| text_at(p, &["displayName"])));
    let (app_id, app_label) = match app {
        Some((id, label)) => (id, label),
        None => (app_id_from_links(record), None),
    };
    let activated = text_at(record, &["created"]);
    // The Okta login is the only activity the export has.
    let last_login = user.and_then(|u| text_at(u, &["lastLogin"]));
    let deactivated = if status_in(record, ASSIGNMENT_GONE) {
        status_changed(record)
    } else {
        user.filter(|u| status_in(u, USER_GONE)).and_then(status_changed)
    };
    out.push(&Row {
        user_id: user_id.as_deref(),
        email: email.as_deref(),
        first_name: first.as_deref(),
        last_name: last.as_deref(),
        display_name: display.as_deref(),
        app_instance_id: app_id,
        app_display_name: app_label,
        activated_at: activated.as_deref(),
        last_activity_at: last_login.as_deref(),
        deactivated_at: deactivated.as_deref(),
        ..Row::new(RecordKind::Assignment)
    });
}
