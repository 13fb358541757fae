//! HTTP: one request at a time (`Http`), and the Import Jobs API calls with bearer tokens, the rate limiter and
//! retries (`Api`).

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use reqwest::Url;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::time::Instant;

use super::auth::{Credentials, Secret, TokenSource};
use super::endpoints::Endpoints;
use super::limiter::RateLimiter;
use super::retry::{Jitter, RetryPolicy, Verdict, classify, parse_retry_after};
use super::{ClientError, Event, Reporter};

/// Longest server message kept in an error.
const MAX_MESSAGE_CHARS: usize = 400;
/// Most pages read from a list endpoint.
const MAX_PAGES: usize = 1000;

/// A request as sent (the same value is sent again on a retry).
#[derive(Debug, Clone)]
pub(crate) struct Request {
    pub(crate) method: &'static str,
    pub(crate) url: Url,
    pub(crate) headers: Vec<(&'static str, String)>,
    pub(crate) body: Option<Vec<u8>>,
}

impl Request {
    pub(crate) fn new(method: &'static str, url: Url) -> Self {
        Request {
            method,
            url,
            headers: Vec::new(),
            body: None,
        }
    }

    pub(crate) fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    pub(crate) fn body(mut self, body: Vec<u8>) -> Self {
        self.body = Some(body);
        self
    }
}

/// What came back: an answer (any status), or no answer at all.
pub(crate) enum Outcome {
    Answer(Answer),
    Transport(String),
}

/// An HTTP answer, read whole.
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) location: Option<String>,
    pub(crate) retry_after: Option<Duration>,
    pub(crate) body: Vec<u8>,
}

/// The parts of a goa error body that matter (any other body: its first characters as the message).
pub(crate) struct Goa {
    pub(crate) name: Option<String>,
    pub(crate) message: String,
    pub(crate) temporary: bool,
    pub(crate) timeout: bool,
}

impl Answer {
    pub(crate) fn goa(&self, http: &Http) -> Goa {
        let parsed: Option<Value> = serde_json::from_slice(&self.body).ok();
        let field = |name: &str| parsed.as_ref().and_then(|v| v.get(name));
        let flag = |name: &str| field(name).and_then(Value::as_bool).unwrap_or(false);
        let message = match field("message").and_then(Value::as_str) {
            Some(m) => m.to_string(),
            None => {
                let text = String::from_utf8_lossy(&self.body);
                let text: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
                if text.is_empty() {
                    "(no message)".to_string()
                } else {
                    text
                }
            }
        };
        let mut message = http.redact(&message);
        if message.chars().count() > MAX_MESSAGE_CHARS {
            message = message.chars().take(MAX_MESSAGE_CHARS).collect::<String>() + "…";
        }
        Goa {
            name: field("name").and_then(Value::as_str).map(|n| http.redact(n)),
            message,
            temporary: flag("temporary"),
            timeout: flag("timeout"),
        }
    }
}

/// The HTTP client, and the secrets that must never appear in what it reports.
pub(crate) struct Http {
    client: reqwest::Client,
    secrets: Mutex<Vec<Secret>>,
}

impl Http {
    pub(crate) fn new(timeout: Duration, secrets: Vec<Secret>) -> Result<Self, ClientError> {
        // reqwest is built with rustls and no crypto provider of its own: install ring's, once per process (a
        // provider the application installed first is kept).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .user_agent(concat!("ssoimport/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(15))
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| ClientError::Config(format!("cannot set up HTTPS: {e}")))?;
        Ok(Http {
            client,
            secrets: Mutex::new(secrets),
        })
    }

    /// Remembers a secret (an access token) so that it is redacted from messages.
    pub(crate) fn add_secret(&self, secret: Secret) {
        self.secrets
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(secret);
    }

    /// `text` with every known secret replaced by `<redacted>`.
    pub(crate) fn redact(&self, text: &str) -> String {
        let secrets = self.secrets.lock().unwrap_or_else(PoisonError::into_inner);
        let mut out = text.to_string();
        for s in secrets.iter() {
            if s.expose().len() >= 4 && out.contains(s.expose()) {
                out = out.replace(s.expose(), "<redacted>");
            }
        }
        out
    }

    pub(crate) async fn send(&self, request: &Request) -> Outcome {
        let method = match reqwest::Method::from_bytes(request.method.as_bytes()) {
            Ok(m) => m,
            Err(_) => return Outcome::Transport(format!("bad method {}", request.method)),
        };
        let mut builder = self.client.request(method, request.url.clone());
        for (name, value) in &request.headers {
            builder = builder.header(*name, value.as_str());
        }
        if let Some(body) = &request.body {
            builder = builder.body(body.clone());
        }
        let response = match builder.send().await {
            Ok(r) => r,
            Err(e) => return Outcome::Transport(self.redact(&transport_detail(&e))),
        };
        let status = response.status().as_u16();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let location = header("location");
        let retry_after = header("retry-after").and_then(|v| parse_retry_after(&v, SystemTime::now()));
        match response.bytes().await {
            Ok(body) => Outcome::Answer(Answer {
                status,
                location,
                retry_after,
                body: body.to_vec(),
            }),
            Err(e) => Outcome::Transport(self.redact(&transport_detail(&e))),
        }
    }
}

/// A transport error on one line: what failed, without the URL (it is reported separately).
fn transport_detail(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "cannot connect"
    } else if e.is_body() || e.is_decode() {
        "the connection broke while reading the answer"
    } else {
        "the connection failed"
    };
    let mut detail = kind.to_string();
    let mut source = std::error::Error::source(e);
    let mut seen = 0;
    while let Some(s) = source {
        let text = s.to_string();
        if !detail.contains(&text) && seen < 3 {
            detail.push_str(": ");
            detail.push_str(&text);
        }
        seen += 1;
        source = s.source();
    }
    detail
}

/// The id in a `Location` header: its last path segment (`/saas/v1/orgs/1/saas-data/{id}`).
pub(crate) fn id_from_location(location: &str) -> Option<String> {
    let path = location.split(['?', '#']).next().unwrap_or_default();
    let id = path.trim_end_matches('/').rsplit('/').next().unwrap_or_default();
    (!id.is_empty() && !id.contains(':')).then(|| id.to_string())
}

/// A SaaS data object as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaasData {
    /// Its id (the last segment of the create's `Location`).
    pub id: String,
    /// Its name (the `fileName` it was created with).
    pub name: String,
    /// `pending`, `uploaded` or `failed`.
    pub status: String,
    /// MD5 of the upload, lower-case hex, once uploaded.
    pub checksum: Option<String>,
}

impl SaasData {
    fn from_json(v: &Value) -> Option<SaasData> {
        let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
        Some(SaasData {
            id: s("id")?,
            name: s("name").unwrap_or_default(),
            status: s("status").unwrap_or_default(),
            checksum: s("checksum"),
        })
    }
}

/// One entry of an import job's `errors[]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobError {
    /// The error.
    pub error: String,
    /// More detail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// What to do about it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub potential_resolution: Option<String>,
}

/// An import job as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportJob {
    /// Its id (26 characters of base32).
    pub id: String,
    /// `ready`, `queued`, `running`, `completed` or `failed`.
    pub status: String,
    /// `importSettings.taskName`.
    pub task_name: String,
    /// `importSettings.loadType`.
    pub load_type: String,
    /// The names of its SaaS data objects.
    pub file_names: Vec<String>,
    /// `errors[]`.
    pub errors: Vec<JobError>,
}

impl ImportJob {
    /// Whether the job is done (`completed` or `failed`).
    pub fn is_finished(&self) -> bool {
        matches!(self.status.as_str(), "completed" | "failed")
    }

    fn from_json(v: &Value) -> Option<ImportJob> {
        let s = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
        let settings = v.get("importSettings").cloned().unwrap_or(Value::Null);
        let file_names = v
            .get("saasDataList")
            .and_then(Value::as_array)
            .map(|list| list.iter().filter_map(|d| s(d, "name")).collect())
            .unwrap_or_default();
        let errors = v
            .get("errors")
            .and_then(Value::as_array)
            .map(|list| {
                list.iter()
                    .map(|e| JobError {
                        error: s(e, "error").unwrap_or_else(|| e.to_string()),
                        summary: s(e, "summary").filter(|x| !x.is_empty()),
                        potential_resolution: s(e, "potentialResolution").filter(|x| !x.is_empty()),
                    })
                    .collect()
            })
            .unwrap_or_default();
        Some(ImportJob {
            id: s(v, "id")?,
            status: s(v, "status").unwrap_or_default(),
            task_name: s(&settings, "taskName").unwrap_or_default(),
            load_type: s(&settings, "loadType").unwrap_or_default(),
            file_names,
            errors,
        })
    }
}

/// The body of `POST /import-jobs`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobRequest {
    /// The managed application to load into.
    pub managed_app_id: String,
    /// `importSettings.taskName`.
    pub task_name: String,
    /// `importSettings.loadType`.
    pub load_type: String,
    /// The SaaS data names, 1 to 10, in part order.
    pub file_names: Vec<String>,
}

impl JobRequest {
    /// The JSON body the API takes.
    pub fn to_json(&self) -> Value {
        json!({
            "managedAppId": self.managed_app_id,
            "saasDataList": self.file_names.iter().map(|n| json!({"name": n})).collect::<Vec<_>>(),
            "importSettings": {"taskName": self.task_name, "loadType": self.load_type},
        })
    }

    /// The `sourceHref` of jobs created for this app (`saas/v1/orgs/{org}/managed-apps/{app}`).
    pub fn source_href(&self, org: u64) -> String {
        format!("saas/v1/orgs/{org}/managed-apps/{}", self.managed_app_id)
    }

    /// Whether `job` is a job for exactly these files, task and load type.
    pub fn matches(&self, job: &ImportJob) -> bool {
        let mut mine = self.file_names.clone();
        let mut theirs = job.file_names.clone();
        mine.sort();
        theirs.sort();
        mine == theirs && job.task_name == self.task_name && job.load_type == self.load_type
    }
}

/// What an [`Api`] needs.
#[derive(Debug, Clone)]
pub struct ApiOptions {
    /// Where the API and the token endpoint are.
    pub endpoints: Endpoints,
    /// The org id.
    pub org: u64,
    /// How tokens are obtained.
    pub credentials: Credentials,
    /// Retries of transient failures.
    pub retry: RetryPolicy,
    /// Client-side limit of API requests per minute (Flexera allows 500 per principal; default 400).
    pub requests_per_minute: u32,
    /// Longest time one request may take, upload included.
    pub request_timeout: Duration,
}

impl ApiOptions {
    /// Defaults for everything but where, which org and who.
    pub fn new(endpoints: Endpoints, org: u64, credentials: Credentials) -> Self {
        ApiOptions {
            endpoints,
            org,
            credentials,
            retry: RetryPolicy::default(),
            requests_per_minute: 400,
            request_timeout: Duration::from_secs(300),
        }
    }
}

/// The Import Jobs API of one org: bearer tokens, the rate limiter and retries around each call.
pub struct Api {
    http: Http,
    endpoints: Endpoints,
    org: u64,
    tokens: TokenSource,
    limiter: RateLimiter,
    retry: RetryPolicy,
    jitter: Jitter,
    reporter: Arc<dyn Reporter>,
}

/// How a call treats transient failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Attempts {
    /// Retried up to the policy's attempts.
    Policy,
    /// Sent once (a 401 still gets one renewed token): the caller decides what a retry means.
    Once,
}

impl Api {
    /// A client for `options.org`. No request is sent until a call needs one.
    pub fn new(options: ApiOptions, reporter: Arc<dyn Reporter>) -> Result<Api, ClientError> {
        let http = Http::new(options.request_timeout, options.credentials.secrets())?;
        Ok(Api {
            http,
            tokens: TokenSource::new(options.endpoints.token_url().clone(), options.credentials),
            endpoints: options.endpoints,
            org: options.org,
            limiter: RateLimiter::per_minute(options.requests_per_minute),
            retry: options.retry,
            jitter: Jitter::new(),
            reporter,
        })
    }

    /// The org.
    pub fn org(&self) -> u64 {
        self.org
    }

    /// The endpoints.
    pub fn endpoints(&self) -> &Endpoints {
        &self.endpoints
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.retry
    }

    /// A number in `[0, 1)` for jittering waits.
    pub(crate) fn jitter(&self) -> f64 {
        self.jitter.next()
    }

    fn url(&self, rest: &str) -> Result<Url, ClientError> {
        let text = self.endpoints.org_url(self.org, rest);
        Url::parse(&text).map_err(|e| ClientError::Protocol(format!("cannot build the URL {text}: {e}")))
    }

    /// Sends `request` with a bearer token until it succeeds (2xx), fails for good, or runs out of attempts.
    async fn call(&self, mut request: Request, attempts: Attempts) -> Result<Answer, ClientError> {
        let max_attempts = match attempts {
            Attempts::Policy => self.retry.max_attempts.max(1),
            Attempts::Once => 1,
        };
        let path = request.url.path().to_string();
        let method = request.method;
        let headers = std::mem::take(&mut request.headers);
        let mut attempt = 0;
        let mut renewed = false;
        loop {
            attempt += 1;
            let bearer = self
                .tokens
                .bearer(&self.http, &self.retry, &self.jitter, self.reporter.as_ref())
                .await?;
            let mut sent = request.clone();
            sent.headers = headers.clone();
            sent.headers
                .push(("Authorization", format!("Bearer {}", bearer.value.expose())));
            self.limiter.acquire().await;
            let (verdict, why, status, name, message, retry_after) = match self.http.send(&sent).await {
                Outcome::Answer(answer) if (200..300).contains(&answer.status) => return Ok(answer),
                Outcome::Answer(answer) => {
                    let goa = answer.goa(&self.http);
                    let verdict = classify(answer.status, goa.temporary, goa.timeout);
                    let why = format!("{} {}", answer.status, goa.name.as_deref().unwrap_or("error"));
                    (
                        verdict,
                        why,
                        Some(answer.status),
                        goa.name,
                        goa.message,
                        answer.retry_after,
                    )
                }
                Outcome::Transport(detail) => (Verdict::Retry, detail.clone(), None, None, detail, None),
            };
            match verdict {
                Verdict::Reauthenticate if !renewed => {
                    // The token expired or was revoked: renew it once, without counting an attempt.
                    self.tokens.refused(bearer.generation).await;
                    renewed = true;
                    attempt -= 1;
                    continue;
                }
                Verdict::Reauthenticate | Verdict::Fail => {
                    let message = if verdict == Verdict::Reauthenticate {
                        format!(
                            "{message} (a freshly issued token was refused too: check the account's roles)"
                        )
                    } else {
                        message
                    };
                    return Err(ClientError::Api {
                        method: method.to_string(),
                        path,
                        status,
                        name,
                        message,
                        retryable: false,
                    });
                }
                Verdict::Retry => {}
            }
            if status == Some(429) {
                let pause = retry_after.unwrap_or_else(|| self.retry.backoff(attempt, self.jitter.next()));
                self.limiter
                    .pause_until(Instant::now() + pause.min(self.retry.max_retry_after));
            }
            if attempt >= max_attempts {
                let message = if max_attempts > 1 {
                    format!("{message} (gave up after {attempt} attempts)")
                } else {
                    message
                };
                return Err(ClientError::Api {
                    method: method.to_string(),
                    path,
                    status,
                    name,
                    message,
                    retryable: true,
                });
            }
            let wait = self.retry.wait(attempt, self.jitter.next(), retry_after);
            self.reporter.event(&Event::Retrying {
                method,
                path: &path,
                reason: &why,
                attempt,
                max_attempts,
                wait,
            });
            tokio::time::sleep(wait).await;
        }
    }

    fn json_request(method: &'static str, url: Url, body: &Value) -> Request {
        Request::new(method, url)
            .header("Content-Type", "application/json")
            .header("Accept", "application/json")
            .body(body.to_string().into_bytes())
    }

    fn location_id(answer: &Answer, what: &str) -> Result<String, ClientError> {
        answer
            .location
            .as_deref()
            .and_then(id_from_location)
            .ok_or_else(|| {
                ClientError::Protocol(format!(
                    "the API created {what} but its answer ({}) has no usable Location header",
                    answer.status
                ))
            })
    }

    /// `POST /saas-data {"fileName": name}`: the new object's id.
    pub async fn create_saas_data(&self, file_name: &str) -> Result<String, ClientError> {
        let request = Self::json_request("POST", self.url("saas-data")?, &json!({"fileName": file_name}));
        let answer = self.call(request, Attempts::Policy).await?;
        Self::location_id(&answer, "a SaaS data object")
    }

    /// `GET {path}` (relative to the org), as JSON.
    async fn get_json(&self, path: &str) -> Result<Value, ClientError> {
        let request = Request::new("GET", self.url(path)?).header("Accept", "application/json");
        let answer = self.call(request, Attempts::Policy).await?;
        serde_json::from_slice(&answer.body)
            .map_err(|_| ClientError::Protocol(format!("GET {path} did not answer JSON")))
    }

    /// `GET /saas-data/{id}`.
    pub async fn show_saas_data(&self, id: &str) -> Result<SaasData, ClientError> {
        let path = format!("saas-data/{id}");
        SaasData::from_json(&self.get_json(&path).await?)
            .ok_or_else(|| ClientError::Protocol(format!("GET {path} answered an object without an id")))
    }

    /// The SaaS data object named `file_name`, looked for in `GET /saas-data` (newest first, every page).
    pub async fn find_saas_data(&self, file_name: &str) -> Result<Option<SaasData>, ClientError> {
        let mut url = self.url("saas-data")?;
        url.query_pairs_mut().append_pair("orderBy", "createdAt desc");
        for value in self.pages(url).await? {
            if let Some(d) = SaasData::from_json(&value)
                && d.name == file_name
            {
                return Ok(Some(d));
            }
        }
        Ok(None)
    }

    /// `PATCH /saas-data/{id}` with the gzip bytes of a part and their MD5.
    pub async fn upload_saas_data(&self, id: &str, gzip: Vec<u8>, md5: &str) -> Result<(), ClientError> {
        let request = Request::new("PATCH", self.url(&format!("saas-data/{id}"))?)
            .header("Content-Type", "application/json")
            .header("Content-Encoding", "gzip")
            .header("Checksum", md5)
            .body(gzip);
        self.call(request, Attempts::Policy).await.map(|_| ())
    }

    /// `POST /import-jobs`, sent once: creating a job is not idempotent, so the caller looks for the job before
    /// sending again (see [`Api::find_import_job`]). The new job's id.
    pub async fn create_import_job(&self, job: &JobRequest) -> Result<String, ClientError> {
        let request = Self::json_request("POST", self.url("import-jobs")?, &job.to_json());
        let answer = self.call(request, Attempts::Once).await?;
        Self::location_id(&answer, "an import job")
    }

    /// `GET /import-jobs/{id}`.
    pub async fn show_import_job(&self, id: &str) -> Result<ImportJob, ClientError> {
        let path = format!("import-jobs/{id}");
        ImportJob::from_json(&self.get_json(&path).await?)
            .ok_or_else(|| ClientError::Protocol(format!("GET {path} answered a job without an id")))
    }

    /// `GET /import-jobs?filter=...`, every page.
    pub async fn list_import_jobs(&self, filter: &str) -> Result<Vec<ImportJob>, ClientError> {
        let mut url = self.url("import-jobs")?;
        if !filter.is_empty() {
            url.query_pairs_mut().append_pair("filter", filter);
        }
        Ok(self
            .pages(url)
            .await?
            .iter()
            .filter_map(ImportJob::from_json)
            .collect())
    }

    /// A job of this org that names exactly `job`'s files (same task and load type), created for the same app
    /// at or after `since`: the job a lost answer or a crash left behind.
    pub async fn find_import_job(
        &self,
        job: &JobRequest,
        since: Option<SystemTime>,
    ) -> Result<Option<ImportJob>, ClientError> {
        let mut filter = format!("sourceHref eq '{}'", job.source_href(self.org));
        if let Some(since) = since {
            filter.push_str(&format!(" and createdAt ge '{}'", super::time::iso(since)));
        }
        let jobs = match self.list_import_jobs(&filter).await {
            Ok(jobs) => jobs,
            // A server that does not know the sourceHref filter: look at the jobs since then, or at all.
            Err(ClientError::Api {
                status: Some(400), ..
            }) => {
                let filter = since
                    .map(|s| format!("createdAt ge '{}'", super::time::iso(s)))
                    .unwrap_or_default();
                self.list_import_jobs(&filter).await?
            }
            Err(e) => return Err(e),
        };
        Ok(jobs.into_iter().find(|j| job.matches(j)))
    }

    /// Every `values[]` entry of a list, following `nextPage`.
    async fn pages(&self, first: Url) -> Result<Vec<Value>, ClientError> {
        let mut out = Vec::new();
        let mut next = Some(first);
        let mut pages = 0;
        while let Some(url) = next.take() {
            pages += 1;
            if pages > MAX_PAGES {
                return Err(ClientError::Protocol(format!(
                    "GET {} has more than {MAX_PAGES} pages",
                    url.path()
                )));
            }
            let request = Request::new("GET", url.clone()).header("Accept", "application/json");
            let answer = self.call(request, Attempts::Policy).await?;
            let value: Value = serde_json::from_slice(&answer.body)
                .map_err(|_| ClientError::Protocol(format!("GET {} did not answer JSON", url.path())))?;
            if let Some(values) = value.get("values").and_then(Value::as_array) {
                out.extend(values.iter().cloned());
            }
            next = value
                .get("nextPage")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .and_then(|s| self.endpoints.resolve(s));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_come_from_the_last_segment_of_location() {
        assert_eq!(
            id_from_location("/saas/v1/orgs/123/saas-data/abcdefg123").as_deref(),
            Some("abcdefg123")
        );
        assert_eq!(
            id_from_location("/saas/v1/orgs/123/imports-jobs/P6VAGLVY6BBKPF5F2TUCQJONPY/").as_deref(),
            Some("P6VAGLVY6BBKPF5F2TUCQJONPY")
        );
        assert_eq!(
            id_from_location("https://api.flexera.com/saas/v1/orgs/1/saas-data/x-1?y=2").as_deref(),
            Some("x-1")
        );
        assert_eq!(id_from_location(""), None);
        assert_eq!(id_from_location("/"), None);
    }

    #[test]
    fn job_bodies_and_matching() {
        let request = JobRequest {
            managed_app_id: "5678".into(),
            task_name: "SsoApplicationUsage".into(),
            load_type: "incremental".into(),
            file_names: vec!["a".into(), "b".into()],
        };
        assert_eq!(
            request.to_json(),
            json!({"managedAppId":"5678","saasDataList":[{"name":"a"},{"name":"b"}],
                   "importSettings":{"taskName":"SsoApplicationUsage","loadType":"incremental"}})
        );
        assert_eq!(request.source_href(1234), "saas/v1/orgs/1234/managed-apps/5678");
        let job = ImportJob::from_json(&json!({
            "id": "P6VAGLVY6BBKPF5F2TUCQJONPY", "status": "completed",
            "saasDataList": [{"id": "u2", "name": "b"}, {"id": "u1", "name": "a"}],
            "importSettings": {"taskName": "SsoApplicationUsage", "loadType": "incremental"},
            "errors": [{"error": "missing_field", "summary": "3 rows", "potentialResolution": ""}]
        }))
        .unwrap();
        assert!(request.matches(&job));
        assert!(job.is_finished());
        assert_eq!(
            job.errors,
            vec![JobError {
                error: "missing_field".into(),
                summary: Some("3 rows".into()),
                potential_resolution: None
            }]
        );
        let mut other = job.clone();
        other.file_names.push("c".into());
        assert!(!request.matches(&other));
        let mut other = job;
        other.load_type = "full".into();
        assert!(!request.matches(&other));
    }
}
