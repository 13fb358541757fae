//! How sure the first bytes of an input are an Entra export: the well-known keys of Graph pages, Azure Monitor
//! records and sign-ins, or the portal CSV header.

use memchr::memmem;

fn has(head: &[u8], needle: &str) -> bool {
    memmem::find(head, needle.as_bytes()).is_some()
}

/// 0–100; 0 when no Entra key appears (Okta and Google exports, other CSV files).
pub(crate) fn sniff(head: &[u8]) -> u8 {
    let body = crate::content(head);
    match body.first() {
        None => 0,
        Some(b'{' | b'[') => sniff_json(body),
        Some(_) => sniff_csv(body),
    }
}

fn sniff_json(h: &[u8]) -> u8 {
    let any = |needles: &[&str]| needles.iter().any(|n| has(h, n));
    let all = |needles: &[&str]| needles.iter().all(|n| has(h, n));
    // Every sign-in category name ends so, whatever its prefix (`NonInteractiveUser`, `ServicePrincipal`, ...);
    // Log Analytics writes `SigninLogs`.
    let sign_in_category = any(&["SignInLogs\"", "SigninLogs\""]);
    let graph_page =
        has(h, "@odata.context") && any(&["signIns", "#users", "appRoleAssignedTo", "appRoleAssignments"]);
    let monitor_records =
        has(h, "\"category\"") && sign_in_category && any(&["\"records\"", "\"properties\""]);
    if graph_page || monitor_records {
        95
    } else if all(&[
        "\"userPrincipalName\"",
        "\"appDisplayName\"",
        "\"createdDateTime\"",
    ]) {
        90
    } else if all(&["\"principalId\"", "\"principalType\"", "\"resourceDisplayName\""]) {
        85
    } else if has(h, "\"userPrincipalName\"")
        && any(&[
            "\"givenName\"",
            "\"accountEnabled\"",
            "\"signInActivity\"",
            "\"surname\"",
        ])
    {
        80
    } else {
        0
    }
}

fn sniff_csv(body: &[u8]) -> u8 {
    let line = body.split(|&b| b == b'\n').next().unwrap_or_default();
    let all = |needles: &[&str]| needles.iter().all(|n| has(line, n));
    if all(&["Date (UTC)", "Request ID"]) && (has(line, "User ID") || has(line, "Service principal ID")) {
        90
    } else if all(&["CreatedDateTime", "UserPrincipalName", "AppDisplayName"]) {
        85
    } else if all(&["Request ID", "Authentication method"]) {
        // A companion `*_AuthDetails_*` download: read (and filtered) here rather than failing as a CSV.
        80
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::sniff;

    #[test]
    fn other_sources_score_zero() {
        let okta = br#"[{"actor":{"id":"00u1","alternateId":"ann@example.com"},"eventType":"user.session.start","published":"2024-01-01T00:00:00.000Z","uuid":"x"}]"#;
        let google = br#"{"kind":"admin#reports#activities","items":[{"id":{"time":"2024-01-01T00:00:00.000Z","uniqueQualifier":"1","applicationName":"login"},"actor":{"email":"ann@example.com"},"events":[{"name":"login_success"}]}]}"#;
        let okta_users = br#"[{"id":"00u1","status":"ACTIVE","profile":{"login":"ann@example.com","email":"ann@example.com"}}]"#;
        let csv = b"Email,App,Date\nann@example.com,Slack,2024-01-01\n";
        for head in [&okta[..], google, okta_users, csv, b"", b"  \n"] {
            assert_eq!(sniff(head), 0, "{}", String::from_utf8_lossy(head));
        }
    }
}
