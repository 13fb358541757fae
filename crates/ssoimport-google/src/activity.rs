//! Reports API activities: each event of an activity is its own sign-in row, or is filtered.

use std::borrow::Cow;
use std::io::Write;

use ssoimport_schema::RejectCode;
use ssoimport_schema::intermediate::RecordKind;
use ssoimport_source::{RecordBuilder, Row};

use crate::node::{Node, items, texts};
use crate::params::Parameters;
use crate::{GOOGLE_WORKSPACE_APP_ID, GOOGLE_WORKSPACE_APP_NAME, GoogleOptions};

/// The Reports API application an activity belongs to, as far as this reader cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Application {
    /// Google as the SAML IdP of a SaaS app.
    Saml,
    /// OAuth grants and API calls made by apps on a user's behalf.
    Token,
    /// Signing in to Google itself.
    Login,
    /// Anything else (`admin`, `drive`, ...): not usage of an app.
    Other,
}

impl Application {
    fn from_name(name: &str) -> Self {
        if name.eq_ignore_ascii_case("saml") {
            Application::Saml
        } else if name.eq_ignore_ascii_case("token") {
            Application::Token
        } else if name.eq_ignore_ascii_case("login") {
            Application::Login
        } else {
            Application::Other
        }
    }

    /// For an activity exported without `id.applicationName`: the parameters that only `token` and `saml`
    /// events carry.
    fn infer<'a, V: Node<'a>>(params: &Parameters<V>) -> Self {
        let [client_id, app_name, application_name] =
            params.texts(["client_id", "app_name", "application_name"]);
        if client_id.is_some() || app_name.is_some() {
            Application::Token
        } else if application_name.is_some() {
            Application::Saml
        } else {
            Application::Other
        }
    }
}

/// Emits the rows of one activity: a sign-in per wanted event, a filter count per other event (and one for an
/// activity with no events at all), a reject per successful event that names no app. `activity` is a parsed
/// value or a lazily walked one; both read the same.
pub(crate) fn parse<'a, V: Node<'a>>(activity: V, options: &GoogleOptions, out: &mut RecordBuilder) {
    let [id, actor, events] = activity.pick(["id", "actor", "events"]);
    let mut events = items(events);
    let Some(first) = events.next() else {
        out.filter();
        return;
    };
    let second = events.next();
    let several = second.is_some();
    let [application, time, qualifier] = texts(id, ["applicationName", "time", "uniqueQualifier"]);
    let application = application.map(|a| Application::from_name(&a));
    let [email, profile_id] = texts(actor, ["email", "profileId"]);

    let events = [Some(first), second].into_iter().flatten().chain(events);
    let mut numbered = [0u8; 64];
    for (index, event) in events.enumerate() {
        let [name, parameters] = event.pick(["name", "parameters"]);
        let name = name.and_then(Node::str);
        let name = name.as_deref().unwrap_or_default();
        // `uniqueQualifier` names the activity; its events are told apart by their position.
        let event_id = qualifier.as_deref().map(|q| {
            if several {
                number(&mut numbered, q, index)
            } else {
                Cow::Borrowed(q)
            }
        });
        let params = Parameters::new(parameters);
        let application = application.unwrap_or_else(|| Application::infer(&params));
        let (instance_id, app_name): (Option<Cow<'_, str>>, Option<Cow<'_, str>>) = match (application, name)
        {
            (Application::Saml, "login_success") => match params.text("application_name") {
                Some(app) => (Some(app.clone()), Some(app)),
                None => {
                    out.reject(
                        RejectCode::MissingAppTarget,
                        &format!(
                            "saml login_success event{} names no application_name",
                            label(&event_id)
                        ),
                    );
                    continue;
                }
            },
            (Application::Token, "authorize" | "activity") => {
                let [client_id, app_name] = params.texts(["client_id", "app_name"]);
                if client_id.is_none() && app_name.is_none() {
                    out.reject(
                        RejectCode::MissingAppTarget,
                        &format!(
                            "token {name} event{} names neither client_id nor app_name",
                            label(&event_id)
                        ),
                    );
                    continue;
                }
                (client_id, app_name)
            }
            (Application::Login, "login_success") if options.include_google_login => (
                Some(Cow::Borrowed(GOOGLE_WORKSPACE_APP_ID)),
                Some(Cow::Borrowed(GOOGLE_WORKSPACE_APP_NAME)),
            ),
            _ => {
                out.filter();
                continue;
            }
        };
        out.push(&Row {
            event_id: event_id.as_deref(),
            occurred_at: time.as_deref(),
            email: email.as_deref(),
            user_id: profile_id.as_deref(),
            app_instance_id: instance_id.as_deref(),
            app_name: app_name.as_deref(),
            ..Row::new(RecordKind::SignIn)
        });
    }
}

/// `{qualifier}:{index}`, written into `buf` when it fits (it does unless the qualifier is unusually long).
fn number<'b>(buf: &'b mut [u8; 64], qualifier: &str, index: usize) -> Cow<'b, str> {
    let mut rest = &mut buf[..];
    if write!(rest, "{qualifier}:{index}").is_ok() {
        let left = rest.len();
        let len = buf.len() - left;
        if let Ok(id) = std::str::from_utf8(&buf[..len]) {
            return Cow::Borrowed(id);
        }
    }
    Cow::Owned(format!("{qualifier}:{index}"))
}

/// ` <event id>` for a reject detail, or nothing.
fn label(event_id: &Option<Cow<'_, str>>) -> String {
    event_id.as_deref().map(|id| format!(" {id}")).unwrap_or_default()
}
