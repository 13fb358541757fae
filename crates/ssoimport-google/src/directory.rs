//! Directory API listings: users (`admin#directory#user`) and a user's OAuth tokens (`admin#directory#token`).

use serde_json::Value;
use ssoimport_schema::intermediate::RecordKind;
use ssoimport_source::{RecordBuilder, Row, lenient};

use crate::{GOOGLE_WORKSPACE_APP_ID, GOOGLE_WORKSPACE_APP_NAME, GoogleOptions};

/// A Directory user: a user row, and with [`GoogleOptions::google_workspace_roster`] an assignment to Google
/// Workspace itself unless the user is suspended or archived (they cannot sign in, and the listing does not say
/// since when, so there is no date to end the assignment with).
pub(crate) fn user(user: &Value, options: &GoogleOptions, out: &mut RecordBuilder) {
    let id = lenient::text_at(user, &["id"]);
    let email = lenient::text_at(user, &["primaryEmail"]);
    let first_name = lenient::text_at(user, &["name", "givenName"]);
    let last_name = lenient::text_at(user, &["name", "familyName"]);
    let full_name = lenient::text_at(user, &["name", "fullName"]);
    let created = lenient::text_at(user, &["creationTime"]);
    let last_login = lenient::text_at(user, &["lastLoginTime"]).filter(|t| !is_never(t));
    let row = Row {
        user_id: id.as_deref(),
        email: email.as_deref(),
        first_name: first_name.as_deref(),
        last_name: last_name.as_deref(),
        display_name: full_name.as_deref(),
        activated_at: created.as_deref(),
        last_activity_at: last_login.as_deref(),
        // Suspension and archiving are not dated in the listing: the user's end of access is unknown.
        deactivated_at: None,
        ..Row::new(RecordKind::User)
    };
    out.push(&row);
    let inactive = ["suspended", "archived"]
        .iter()
        .any(|key| user.get(*key).and_then(lenient::boolean) == Some(true));
    if options.google_workspace_roster && !inactive {
        out.push(&Row {
            kind: RecordKind::Assignment,
            app_instance_id: Some(GOOGLE_WORKSPACE_APP_ID),
            app_name: Some(GOOGLE_WORKSPACE_APP_NAME),
            ..row
        });
    }
}

/// An OAuth token a user granted: an assignment of the user (`userKey`, an email or the Directory id) to the
/// app (`clientId`, `displayText`). The listing has no dates.
pub(crate) fn token(token: &Value, out: &mut RecordBuilder) {
    let client_id = lenient::text_at(token, &["clientId"]);
    let display_text = lenient::text_at(token, &["displayText"]);
    let user_key = lenient::text_at(token, &["userKey"]);
    let (email, user_id) = match user_key.as_deref() {
        Some(key) if key.contains('@') => (Some(key), None),
        key => (None, key),
    };
    out.push(&Row {
        email,
        user_id,
        app_instance_id: client_id.as_deref(),
        app_name: display_text.as_deref(),
        ..Row::new(RecordKind::Assignment)
    });
}

/// Whether a Directory timestamp is the Unix epoch, which `lastLoginTime` holds for a user who never signed in.
fn is_never(time: &str) -> bool {
    let t = time.trim();
    if t == "0" {
        return true;
    }
    let Some(rest) = t.strip_prefix("1970-01-01") else {
        return false;
    };
    let rest = rest
        .strip_prefix(['T', ' '])
        .map_or(Some(rest), |r| r.strip_prefix("00:00:00"));
    let Some(rest) = rest else { return false };
    let rest = rest.strip_prefix('.').map_or(rest, |r| r.trim_start_matches('0'));
    matches!(
        rest,
        "" | "Z" | "z" | "+00:00" | "-00:00" | "+0000" | "UTC" | " UTC"
    )
}

#[cfg(test)]
mod tests {
    use super::is_never;

    #[test]
    fn the_epoch_means_never() {
        for never in [
            "1970-01-01T00:00:00.000Z",
            "1970-01-01T00:00:00Z",
            " 1970-01-01T00:00:00.000000+00:00 ",
            "1970-01-01 00:00:00",
            "1970-01-01",
            "0",
        ] {
            assert!(is_never(never), "{never}");
        }
        for real in [
            "2024-03-01T09:00:00.000Z",
            "1970-01-01T00:00:01.000Z",
            "1970-01-01T00:00:00.001Z",
            "1970-01-02T00:00:00Z",
            "1970-01-01Tjunk",
        ] {
            assert!(!is_never(real), "{real}");
        }
    }
}
