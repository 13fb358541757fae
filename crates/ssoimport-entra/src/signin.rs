//! What every container of sign-ins shares: the kind of a sign-in (interactive user, non-interactive user,
//! service principal, managed identity), whether it succeeded, and the row it becomes.

use ssoimport_schema::RejectCode;
use ssoimport_schema::intermediate::RecordKind;
use ssoimport_source::{RecordBuilder, Row};

/// Who signed in, as far as the record (or its file) tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A user signed in interactively.
    Interactive,
    /// A user's client got a token without the user (token refresh, SSO to a second app).
    NonInteractive,
    /// An AD FS sign-in reported through Entra Connect Health: a user sign-in to a relying party, whose
    /// interactivity the record itself tells (`isInteractive`), interactive by default.
    Adfs,
    /// An app signed in as itself (client credentials), or a Microsoft first-party service principal.
    ServicePrincipal,
    /// An Azure managed identity.
    ManagedIdentity,
    /// An Azure Monitor category that is not a sign-in log (`AuditLogs`, `ProvisioningLogs`, ...).
    NotSignIn,
}

impl Kind {
    /// Whether sign-ins of this kind are user sign-ins, which count as usage.
    pub(crate) fn is_user(self) -> bool {
        matches!(self, Kind::Interactive | Kind::NonInteractive | Kind::Adfs)
    }
}

/// The kind an Azure Monitor `category` (or a Log Analytics table name, which adds an `AAD` prefix) stands for.
pub(crate) fn category_kind(category: &str) -> Kind {
    let lower = category.trim().to_ascii_lowercase();
    let name = lower.strip_prefix("aad").unwrap_or(&lower);
    match name {
        "signinlogs" => Kind::Interactive,
        "noninteractiveusersigninlogs" => Kind::NonInteractive,
        "adfssigninlogs" => Kind::Adfs,
        "serviceprincipalsigninlogs" | "microsoftserviceprincipalsigninlogs" => Kind::ServicePrincipal,
        "managedidentitysigninlogs" => Kind::ManagedIdentity,
        _ => Kind::NotSignIn,
    }
}

/// The kind Graph beta's `signInEventTypes` stands for; `None` when it names no known type. A user type wins:
/// a record is not both. Names are matched ignoring ASCII case, without lower-casing a copy: this runs per record.
pub(crate) fn event_types_kind(types: impl IntoIterator<Item = impl AsRef<str>>) -> Option<Kind> {
    let mut found = None;
    for t in types {
        let t = t.as_ref().trim();
        let kind = if t.eq_ignore_ascii_case("interactiveUser") {
            Kind::Interactive
        } else if t.eq_ignore_ascii_case("nonInteractiveUser") {
            Kind::NonInteractive
        } else if t.eq_ignore_ascii_case("servicePrincipal") {
            Kind::ServicePrincipal
        } else if t.eq_ignore_ascii_case("managedIdentity") {
            Kind::ManagedIdentity
        } else {
            continue;
        };
        found = match (found, kind) {
            (Some(Kind::Interactive), _) => Some(Kind::Interactive),
            (Some(Kind::NonInteractive), k) if !k.is_user() => Some(Kind::NonInteractive),
            (_, k) => Some(k),
        };
    }
    found
}

/// The kind a portal download's file name tells (`InteractiveSignIns_…`, `NonInteractiveSignIns_…`,
/// `ApplicationSignIns_…`, `MSISignIns_…`), for rows that do not tell it themselves.
pub(crate) fn file_kind(file: &str) -> Option<Kind> {
    let base = file.rsplit(['/', '\\']).next().unwrap_or(file);
    let name = ssoimport_csv::normalize_header(base);
    if name.contains("noninteractivesignins") {
        Some(Kind::NonInteractive)
    } else if name.contains("applicationsignins") || name.contains("serviceprincipalsignins") {
        Some(Kind::ServicePrincipal)
    } else if name.contains("msisignins") || name.contains("managedidentitysignins") {
        Some(Kind::ManagedIdentity)
    } else if name.contains("interactivesignins") {
        Some(Kind::Interactive)
    } else {
        None
    }
}

/// Whether a portal download's file name marks it as a companion authentication-details file
/// (`InteractiveSignIns_AuthDetails_…`): one row per authentication step, no app, already counted in the main file.
pub(crate) fn is_auth_details_file(file: &str) -> bool {
    let base = file.rsplit(['/', '\\']).next().unwrap_or(file);
    ssoimport_csv::normalize_header(base).contains("authdetails")
}

/// Whether a sign-in succeeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Error code 0, `Success`.
    Success,
    /// Any other error code or status (`Failure`, `Interrupted`).
    Failure,
    /// The record carries no status at all.
    Unknown,
}

/// The outcome an error code stands for (`0`, `"0"`, `"50126"`); the word `success` is read as 0.
pub(crate) fn code_outcome(code: &str) -> Outcome {
    let code = code.trim();
    if code.is_empty() {
        return Outcome::Unknown;
    }
    match code.parse::<i64>() {
        Ok(0) => Outcome::Success,
        Ok(_) => Outcome::Failure,
        // Spreadsheets write `0.0`; anything else not a number is read by its word.
        Err(_) => match code.parse::<f64>() {
            Ok(0.0) => Outcome::Success,
            Ok(_) => Outcome::Failure,
            Err(_) if code.eq_ignore_ascii_case("success") => Outcome::Success,
            Err(_) => Outcome::Failure,
        },
    }
}

/// The outcome a status tells: `Success`, `Failure`, `Interrupted` (portal CSV), a bare code, or the status
/// object written as JSON text (Log Analytics exports, forwarders).
pub(crate) fn status_outcome(status: &str) -> Outcome {
    let status = status.trim();
    if status.starts_with('{') {
        return serde_json::from_str::<serde_json::Value>(status)
            .ok()
            .and_then(|v| {
                v.get("errorCode")
                    .and_then(ssoimport_source::lenient::text)
                    .map(|c| code_outcome(&c))
            })
            .unwrap_or(Outcome::Unknown);
    }
    code_outcome(status)
}

/// The values of a sign-in that reach the intermediate row, as the export wrote them.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Values<'a> {
    pub(crate) event_id: Option<&'a str>,
    pub(crate) occurred_at: Option<&'a str>,
    pub(crate) email: Option<&'a str>,
    pub(crate) user_id: Option<&'a str>,
    pub(crate) display_name: Option<&'a str>,
    pub(crate) app_id: Option<&'a str>,
    pub(crate) app_name: Option<&'a str>,
}

/// Emits one sign-in: filtered unless it is a user sign-in that did not fail (and, with `interactive_only`, an
/// interactive one); a reject when it succeeded but names no app; a SignIn row otherwise. `kind` is resolved
/// (no [`Kind::Adfs`] left to tell apart).
pub(crate) fn emit(
    out: &mut RecordBuilder,
    kind: Kind,
    outcome: Outcome,
    interactive_only: bool,
    values: Values<'_>,
) {
    if !kind.is_user() || outcome == Outcome::Failure || (interactive_only && kind == Kind::NonInteractive) {
        out.filter();
        return;
    }
    if values.app_id.is_none() && values.app_name.is_none() {
        out.reject(
            RejectCode::MissingAppTarget,
            "a successful user sign-in names no application (no appId, no appDisplayName)",
        );
        return;
    }
    out.push(&Row {
        event_id: values.event_id,
        occurred_at: values.occurred_at,
        email: values.email,
        user_id: values.user_id,
        display_name: values.display_name,
        // The appId is the application (client) id: the instance key of usage, and the id that tells apart two
        // apps of the same name.
        app_instance_id: values.app_id,
        app_id: values.app_id,
        app_name: values.app_name,
        ..Row::new(RecordKind::SignIn)
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_and_table_names() {
        assert_eq!(category_kind("SignInLogs"), Kind::Interactive);
        assert_eq!(category_kind("SigninLogs"), Kind::Interactive);
        assert_eq!(
            category_kind("AADNonInteractiveUserSignInLogs"),
            Kind::NonInteractive
        );
        assert_eq!(
            category_kind("MicrosoftServicePrincipalSignInLogs"),
            Kind::ServicePrincipal
        );
        assert_eq!(category_kind("ManagedIdentitySignInLogs"), Kind::ManagedIdentity);
        assert_eq!(category_kind("ADFSSignInLogs"), Kind::Adfs);
        assert_eq!(category_kind("AuditLogs"), Kind::NotSignIn);
    }

    #[test]
    fn event_types() {
        assert_eq!(
            event_types_kind(["interactiveUser"].into_iter()),
            Some(Kind::Interactive)
        );
        assert_eq!(
            event_types_kind(["servicePrincipal", "nonInteractiveUser"].into_iter()),
            Some(Kind::NonInteractive)
        );
        assert_eq!(
            event_types_kind(["managedIdentity"].into_iter()),
            Some(Kind::ManagedIdentity)
        );
        assert_eq!(event_types_kind(["somethingNew"].into_iter()), None);
    }

    #[test]
    fn file_names_of_portal_downloads() {
        assert_eq!(
            file_kind("x/InteractiveSignIns_2025-03-01_2025-03-02.csv"),
            Some(Kind::Interactive)
        );
        assert_eq!(
            file_kind("NonInteractiveSignIns_2025.csv"),
            Some(Kind::NonInteractive)
        );
        assert_eq!(
            file_kind("C:\\dl\\ApplicationSignIns_2025.csv"),
            Some(Kind::ServicePrincipal)
        );
        assert_eq!(file_kind("MSISignIns_2025.csv"), Some(Kind::ManagedIdentity));
        assert_eq!(file_kind("signins.csv"), None);
        assert!(is_auth_details_file("InteractiveSignIns_AuthDetails_2025.csv"));
    }

    #[test]
    fn error_codes() {
        assert_eq!(code_outcome("0"), Outcome::Success);
        assert_eq!(code_outcome(" 0.0 "), Outcome::Success);
        assert_eq!(code_outcome("50126"), Outcome::Failure);
        assert_eq!(code_outcome("Success"), Outcome::Success);
        assert_eq!(code_outcome("Failure"), Outcome::Failure);
        assert_eq!(code_outcome(""), Outcome::Unknown);
        assert_eq!(status_outcome("Interrupted"), Outcome::Failure);
        assert_eq!(
            status_outcome(r#"{"errorCode":0,"failureReason":"Other."}"#),
            Outcome::Success
        );
        assert_eq!(status_outcome(r#"{"errorCode":"50126"}"#), Outcome::Failure);
        assert_eq!(status_outcome("{}"), Outcome::Unknown);
    }
}
