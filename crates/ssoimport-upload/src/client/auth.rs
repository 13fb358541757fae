//! Credentials (from the environment or a private file) and access tokens from `POST {login}/oidc/token`,
//! renewed before they expire and once after a 401.

use std::fmt;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use reqwest::Url;
use tokio::sync::Mutex;
use tokio::time::Instant;

use super::api::{Http, Outcome, Request};
use super::retry::{Jitter, RetryPolicy, Verdict, classify};
use super::{ClientError, Event, Reporter};

/// The environment variable holding a user's API refresh token.
pub const ENV_REFRESH_TOKEN: &str = "FLEXERA_REFRESH_TOKEN";
/// The environment variable holding a service account client's id.
pub const ENV_CLIENT_ID: &str = "FLEXERA_CLIENT_ID";
/// The environment variable holding a service account client's secret.
pub const ENV_CLIENT_SECRET: &str = "FLEXERA_CLIENT_SECRET";

/// A secret string: never printed (`Debug` and `Display` show `<redacted>`).
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Arc<str>);

impl Secret {
    /// Wraps a secret.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(Arc::from(value.into()))
    }

    /// The secret itself, for the one place that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// How the client gets its access tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credentials {
    /// `grant_type=refresh_token` with a user's API refresh token.
    RefreshToken {
        /// The refresh token.
        token: Secret,
        /// Where it came from, for messages (e.g. `FLEXERA_REFRESH_TOKEN`).
        origin: String,
    },
    /// `grant_type=client_credentials` with a service account client.
    ClientCredentials {
        /// The client id.
        client_id: Secret,
        /// The client secret.
        client_secret: Secret,
    },
}

impl Credentials {
    /// Credentials from the process environment: `FLEXERA_REFRESH_TOKEN`, else `FLEXERA_CLIENT_ID` with
    /// `FLEXERA_CLIENT_SECRET`. Empty variables count as unset.
    pub fn from_env() -> Result<Credentials, ClientError> {
        Credentials::from_lookup(|name| std::env::var(name).ok())
    }

    /// Like [`Credentials::from_env`], reading variables through `get`.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Credentials, ClientError> {
        let get = |name: &str| get(name).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        if let Some(token) = get(ENV_REFRESH_TOKEN) {
            return Ok(Credentials::RefreshToken {
                token: Secret::new(token),
                origin: ENV_REFRESH_TOKEN.to_string(),
            });
        }
        match (get(ENV_CLIENT_ID), get(ENV_CLIENT_SECRET)) {
            (Some(id), Some(secret)) => Ok(Credentials::ClientCredentials {
                client_id: Secret::new(id),
                client_secret: Secret::new(secret),
            }),
            (Some(_), None) => Err(ClientError::Credentials(format!(
                "{ENV_CLIENT_ID} is set but {ENV_CLIENT_SECRET} is not: set both (a service account client), or \
                 {ENV_REFRESH_TOKEN} instead"
            ))),
            (None, Some(_)) => Err(ClientError::Credentials(format!(
                "{ENV_CLIENT_SECRET} is set but {ENV_CLIENT_ID} is not: set both (a service account client), or \
                 {ENV_REFRESH_TOKEN} instead"
            ))),
            (None, None) => Err(ClientError::Credentials(format!(
                "no Flexera credentials: set {ENV_REFRESH_TOKEN} (a user's API refresh token), or {ENV_CLIENT_ID} \
                 and {ENV_CLIENT_SECRET} (a service account client), or pass --refresh-token-file"
            ))),
        }
    }

    /// A refresh token from a file that only its owner can read (mode 0600 or stricter on Unix); surrounding
    /// whitespace is ignored.
    pub fn from_refresh_token_file(path: &Path) -> Result<Credentials, ClientError> {
        let shown = path.display();
        let metadata = std::fs::metadata(path)
            .map_err(|e| ClientError::Credentials(format!("--refresh-token-file {shown}: {e}")))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = metadata.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                return Err(ClientError::Credentials(format!(
                    "--refresh-token-file {shown}: others can read it (mode {mode:o}); run `chmod 600 {shown}`"
                )));
            }
        }
        #[cfg(not(unix))]
        let _ = metadata;
        let text = std::fs::read_to_string(path)
            .map_err(|e| ClientError::Credentials(format!("--refresh-token-file {shown}: {e}")))?;
        let token = text.trim();
        if token.is_empty() {
            return Err(ClientError::Credentials(format!(
                "--refresh-token-file {shown} is empty"
            )));
        }
        Ok(Credentials::RefreshToken {
            token: Secret::new(token),
            origin: format!("the refresh token in {shown}"),
        })
    }

    /// Where the credentials came from, for messages (never the values).
    pub fn origin(&self) -> String {
        match self {
            Credentials::RefreshToken { origin, .. } => origin.clone(),
            Credentials::ClientCredentials { .. } => format!("{ENV_CLIENT_ID}/{ENV_CLIENT_SECRET}"),
        }
    }

    /// The grant type sent.
    pub fn grant_type(&self) -> &'static str {
        match self {
            Credentials::RefreshToken { .. } => "refresh_token",
            Credentials::ClientCredentials { .. } => "client_credentials",
        }
    }

    /// The secret values, for redaction.
    pub(crate) fn secrets(&self) -> Vec<Secret> {
        match self {
            Credentials::RefreshToken { token, .. } => vec![token.clone()],
            Credentials::ClientCredentials {
                client_id,
                client_secret,
            } => vec![client_id.clone(), client_secret.clone()],
        }
    }

    /// The form body of the token request; with `redact`, the secrets replaced by `<redacted>`.
    pub(crate) fn form(&self, redact: bool) -> String {
        let value = |s: &Secret| {
            if redact {
                "<redacted>".to_string()
            } else {
                form_encode(s.expose())
            }
        };
        match self {
            Credentials::RefreshToken { token, .. } => {
                format!("grant_type=refresh_token&refresh_token={}", value(token))
            }
            Credentials::ClientCredentials {
                client_id,
                client_secret,
            } => format!(
                "grant_type=client_credentials&client_id={}&client_secret={}",
                value(client_id),
                value(client_secret)
            ),
        }
    }
}

/// `application/x-www-form-urlencoded` encoding of one value.
pub(crate) fn form_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => out.push(b as char),
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// An access token and when to stop using it.
#[derive(Clone)]
struct Token {
    value: Secret,
    /// Renew at this instant (some time before the server's expiry).
    renew_at: Instant,
    generation: u64,
}

/// Hands out access tokens, fetching one when there is none, when the current one is about to expire, or when
/// the API refused it (401). One fetch at a time: callers that need a token meanwhile wait for that fetch.
pub(crate) struct TokenSource {
    url: Url,
    credentials: Credentials,
    current: Mutex<Option<Token>>,
    generations: std::sync::atomic::AtomicU64,
}

/// An access token handed out, with the generation to name when reporting it refused.
#[derive(Clone)]
pub(crate) struct Bearer {
    pub(crate) value: Secret,
    pub(crate) generation: u64,
}

/// How long before the server's expiry a token is renewed: a quarter of its lifetime, at most a minute.
pub(crate) fn renew_margin(lifetime: Duration) -> Duration {
    (lifetime / 4).min(Duration::from_secs(60))
}

impl TokenSource {
    pub(crate) fn new(url: Url, credentials: Credentials) -> Self {
        TokenSource {
            url,
            credentials,
            current: Mutex::new(None),
            generations: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// A token that is good for a while yet.
    pub(crate) async fn bearer(
        &self,
        http: &Http,
        retry: &RetryPolicy,
        jitter: &Jitter,
        reporter: &dyn Reporter,
    ) -> Result<Bearer, ClientError> {
        let mut current = self.current.lock().await;
        if let Some(token) = current.as_ref()
            && Instant::now() < token.renew_at
        {
            return Ok(Bearer {
                value: token.value.clone(),
                generation: token.generation,
            });
        }
        let token = self.fetch(http, retry, jitter, reporter).await?;
        let bearer = Bearer {
            value: token.value.clone(),
            generation: token.generation,
        };
        *current = Some(token);
        Ok(bearer)
    }

    /// The API refused token `generation`: drop it, unless a newer one already replaced it.
    pub(crate) async fn refused(&self, generation: u64) {
        let mut current = self.current.lock().await;
        if current.as_ref().is_some_and(|t| t.generation == generation) {
            *current = None;
        }
    }

    async fn fetch(
        &self,
        http: &Http,
        retry: &RetryPolicy,
        jitter: &Jitter,
        reporter: &dyn Reporter,
    ) -> Result<Token, ClientError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let request = Request::new("POST", self.url.clone())
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Accept", "application/json")
                .body(self.credentials.form(false).into_bytes());
            let sent_at = Instant::now();
            let outcome = http.send(&request).await;
            let (verdict, retry_after, why) = match outcome {
                Outcome::Answer(answer) if answer.status == 200 => {
                    let (token, lifetime) = self.token_from(&answer.body, sent_at, http)?;
                    reporter.event(&Event::TokenIssued { lifetime });
                    return Ok(token);
                }
                Outcome::Answer(answer) => {
                    let goa = answer.goa(http);
                    let verdict = match answer.status {
                        400 | 401 | 403 => Verdict::Fail,
                        status => classify(status, goa.temporary, goa.timeout),
                    };
                    if verdict == Verdict::Fail {
                        return Err(ClientError::Credentials(format!(
                            "the token endpoint {} refused {} ({} {}): {}; check the credentials and \
                             --region/--token-url",
                            self.url,
                            self.credentials.origin(),
                            answer.status,
                            goa.name.as_deref().unwrap_or("error"),
                            goa.message
                        )));
                    }
                    (
                        verdict,
                        answer.retry_after,
                        format!("{} {}", answer.status, goa.name.as_deref().unwrap_or("error")),
                    )
                }
                Outcome::Transport(detail) => (Verdict::Retry, None, detail),
            };
            debug_assert_ne!(verdict, Verdict::Fail);
            if attempt >= retry.max_attempts {
                return Err(ClientError::Api {
                    method: "POST".to_string(),
                    path: self.url.path().to_string(),
                    status: None,
                    name: None,
                    message: format!("the token endpoint failed {attempt} times, last with {why}"),
                    retryable: true,
                });
            }
            let wait = retry.wait(attempt, jitter.next(), retry_after);
            reporter.event(&Event::Retrying {
                method: "POST",
                path: self.url.path(),
                reason: &why,
                attempt,
                max_attempts: retry.max_attempts,
                wait,
            });
            tokio::time::sleep(wait).await;
        }
    }

    fn token_from(
        &self,
        body: &[u8],
        sent_at: Instant,
        http: &Http,
    ) -> Result<(Token, Duration), ClientError> {
        let bad = |what: &str| {
            ClientError::Protocol(format!(
                "the token endpoint {} answered 200 without {what}",
                self.url
            ))
        };
        let value: serde_json::Value = serde_json::from_slice(body).map_err(|_| bad("a JSON body"))?;
        let access = value
            .get("access_token")
            .and_then(|v| v.as_str())
            .filter(|s| !s.is_empty())
            .ok_or_else(|| bad("an access_token"))?;
        // expires_in is an integer in the spec; one page shows a string. One hour if absent.
        let expires_in = match value.get("expires_in") {
            Some(serde_json::Value::Number(n)) => n.as_f64().unwrap_or(3600.0),
            Some(serde_json::Value::String(s)) => s.trim().parse().unwrap_or(3600.0),
            _ => 3600.0,
        };
        let lifetime = Duration::from_secs_f64(expires_in.clamp(0.0, 1e7));
        let generation = self
            .generations
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            + 1;
        let secret = Secret::new(access);
        http.add_secret(secret.clone());
        let token = Token {
            value: secret,
            renew_at: sent_at + lifetime - renew_margin(lifetime),
            generation,
        };
        Ok((token, lifetime))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let vars: Vec<(String, String)> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    }

    #[test]
    fn credentials_from_the_environment() {
        let c = Credentials::from_lookup(env(&[("FLEXERA_REFRESH_TOKEN", " rt-1 ")])).unwrap();
        assert_eq!(c.grant_type(), "refresh_token");
        assert_eq!(c.form(false), "grant_type=refresh_token&refresh_token=rt-1");
        assert_eq!(c.form(true), "grant_type=refresh_token&refresh_token=<redacted>");
        let c = Credentials::from_lookup(env(&[
            ("FLEXERA_CLIENT_ID", "id"),
            ("FLEXERA_CLIENT_SECRET", "s&cr=t +"),
        ]))
        .unwrap();
        assert_eq!(
            c.form(false),
            "grant_type=client_credentials&client_id=id&client_secret=s%26cr%3Dt+%2B"
        );
        assert!(!format!("{c:?}").contains("cr=t"));
        // The refresh token wins when both are set; empty counts as unset.
        let c = Credentials::from_lookup(env(&[
            ("FLEXERA_REFRESH_TOKEN", "rt"),
            ("FLEXERA_CLIENT_ID", "id"),
            ("FLEXERA_CLIENT_SECRET", "s"),
        ]))
        .unwrap();
        assert_eq!(c.grant_type(), "refresh_token");
        let e = Credentials::from_lookup(env(&[("FLEXERA_REFRESH_TOKEN", "  ")])).unwrap_err();
        assert!(e.to_string().contains("FLEXERA_CLIENT_ID"), "{e}");
        let e = Credentials::from_lookup(env(&[("FLEXERA_CLIENT_ID", "id")])).unwrap_err();
        assert!(e.to_string().contains("FLEXERA_CLIENT_SECRET"), "{e}");
    }

    #[cfg(unix)]
    #[test]
    fn refresh_token_file_must_be_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token");
        std::fs::write(&path, "file-token\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let e = Credentials::from_refresh_token_file(&path).unwrap_err();
        assert!(e.to_string().contains("chmod 600"), "{e}");
        assert!(!e.to_string().contains("file-token"));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        let c = Credentials::from_refresh_token_file(&path).unwrap();
        assert_eq!(c.form(false), "grant_type=refresh_token&refresh_token=file-token");
    }

    #[test]
    fn secrets_never_print() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s} {s:?}"), "<redacted> <redacted>");
    }

    #[test]
    fn tokens_are_renewed_ahead_of_expiry() {
        assert_eq!(renew_margin(Duration::from_secs(3600)), Duration::from_secs(60));
        assert_eq!(renew_margin(Duration::from_secs(2)), Duration::from_millis(500));
        assert_eq!(renew_margin(Duration::ZERO), Duration::ZERO);
    }
}
