//! The HTTP side: routes, handlers, bearer checks, fault injection, and the handles that start and stop it.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use md5::{Digest, Md5};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::codec::{form_decode, hex, percent_encode};
use crate::config::{EmulatorConfig, FaultKind};
use crate::error::{ApiError, EmulatorError};
use crate::query::{DEFAULT_JOB_ORDER, DEFAULT_SAAS_ORDER, JobFilter, JobOrder, PageToken, SaasOrder};
use crate::rng::SplitMix64;
use crate::state::{Store, Upload};
use crate::time::{Clock, iso};
use crate::upload::{self, UploadError};

/// Requests per minute the `x-ratelimit-remaining` header counts down from (the documented per-org limit).
const RATE_LIMIT_PER_MINUTE: u64 = 1000;
/// Largest JSON body accepted by the create endpoints and the token endpoint.
const MAX_JSON_BODY: usize = 1 << 20;

/// The fault decisions and their log.
#[derive(Debug)]
struct FaultState {
    rate: f64,
    rng: SplitMix64,
    requests: u64,
    log: Vec<Value>,
    window: i64,
    window_requests: u64,
}

/// What every handler shares.
#[derive(Debug)]
pub(crate) struct Shared {
    config: EmulatorConfig,
    clock: Clock,
    store: Mutex<Store>,
    faults: Mutex<FaultState>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    fn new(config: EmulatorConfig) -> Self {
        Shared {
            store: Mutex::new(Store::new(config.clone())),
            faults: Mutex::new(FaultState {
                rate: config.fault_rate,
                rng: SplitMix64::new(config.seed),
                requests: 0,
                log: Vec::new(),
                window: 0,
                window_requests: 0,
            }),
            clock: Clock::new(),
            config,
        }
    }

    fn now(&self) -> i64 {
        self.clock.now_ms()
    }

    /// The store, with every lifecycle event due by now applied.
    fn store(&self) -> MutexGuard<'_, Store> {
        let mut store = lock(&self.store);
        store.advance(self.now());
        store
    }

    /// Counts a request and decides its fault. Always draws the same amount of randomness, so the decisions
    /// depend only on the seed and the order of requests.
    fn decide(&self, method: &Method, path: &str) -> (Option<FaultKind>, u64) {
        let now = self.now();
        let mut faults = lock(&self.faults);
        faults.requests += 1;
        let roll = faults.rng.next_f64();
        let pick = faults.rng.below(self.config.fault_kinds.len() as u64) as usize;
        let window = now / 60_000;
        if window != faults.window {
            faults.window = window;
            faults.window_requests = 0;
        }
        faults.window_requests += 1;
        let remaining = RATE_LIMIT_PER_MINUTE.saturating_sub(faults.window_requests);
        let fault = (roll < faults.rate)
            .then(|| self.config.fault_kinds.get(pick).copied())
            .flatten();
        if let Some(kind) = fault {
            let seq = faults.requests;
            faults.log.push(
                json!({"request": seq, "method": method.as_str(), "path": path, "fault": kind.as_str()}),
            );
        }
        (fault, remaining)
    }

    fn set_fault_rate(&self, rate: f64) {
        lock(&self.faults).rate = if rate.is_nan() { 0.0 } else { rate.clamp(0.0, 1.0) };
    }

    fn snapshot(&self, with_rows: bool) -> Value {
        let mut state = self.store().snapshot(with_rows);
        let faults = lock(&self.faults);
        if let Some(object) = state.as_object_mut() {
            object.insert("now".into(), json!(iso(self.now())));
            object.insert("requests".into(), json!(faults.requests));
            object.insert("faults".into(), Value::Array(faults.log.clone()));
        }
        state
    }
}

type ApiResult = Result<Response, ApiError>;

fn json_response(status: StatusCode, body: &Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

fn created(location: String) -> ApiResult {
    let mut response = StatusCode::CREATED.into_response();
    let value =
        HeaderValue::from_str(&location).map_err(|_| ApiError::bad_request("unrepresentable location"))?;
    response.headers_mut().insert(header::LOCATION, value);
    Ok(response)
}

fn parse_org(text: &str) -> Result<u64, ApiError> {
    match text.parse::<u64>() {
        Ok(org) if org >= 1 => Ok(org),
        _ => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_range",
            format!("orgId must be an integer greater or equal than 1 but got value \"{text}\""),
        )),
    }
}

fn query_params(raw: Option<String>) -> Vec<(String, String)> {
    raw.as_deref().map(form_decode).unwrap_or_default()
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.trim().is_empty())
}

async fn read_json(body: Body) -> Result<Value, ApiError> {
    let bytes = axum::body::to_bytes(body, MAX_JSON_BODY).await.map_err(|_| {
        ApiError::bad_request(format!("the request body is larger than {MAX_JSON_BODY} bytes"))
    })?;
    serde_json::from_slice(&bytes)
        .map_err(|e| ApiError::bad_request(format!("the request body is not valid JSON: {e}")))
}

// ---- token endpoint -----------------------------------------------------------------------------------------

async fn token(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Body) -> ApiResult {
    let bytes = axum::body::to_bytes(body, MAX_JSON_BODY)
        .await
        .map_err(|_| ApiError::bad_request("the request body is too large"))?;
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("application/json")
        });
    let fields: Vec<(String, String)> = if is_json {
        let value: Value = serde_json::from_slice(&bytes)
            .map_err(|e| ApiError::bad_request(format!("the request body is not valid JSON: {e}")))?;
        value
            .as_object()
            .ok_or_else(|| ApiError::bad_request("the request body must be a JSON object"))?
            .iter()
            .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
            .collect()
    } else {
        form_decode(&String::from_utf8_lossy(&bytes))
    };
    let field = |name: &str| param(&fields, name);
    let credentials = &shared.config.credentials;
    let subject = match field("grant_type") {
        None => {
            return Err(ApiError::bad_request(
                "\"grant_type\" is missing from request body",
            ));
        }
        Some("refresh_token") => {
            let presented = field("refresh_token")
                .ok_or_else(|| ApiError::bad_request("\"refresh_token\" is missing"))?;
            if presented != credentials.refresh_token {
                return Err(ApiError::unauthorized("the refresh token is invalid or expired"));
            }
            "user"
        }
        Some("client_credentials") => {
            let id = field("client_id").ok_or_else(|| ApiError::bad_request("\"client_id\" is missing"))?;
            let secret = field("client_secret")
                .ok_or_else(|| ApiError::bad_request("\"client_secret\" is missing"))?;
            if id != credentials.client_id || secret != credentials.client_secret {
                return Err(ApiError::unauthorized("the client id or secret is invalid"));
            }
            "service-account"
        }
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "grant_type \"{other}\" is not supported here: use refresh_token or client_credentials"
            )));
        }
    };
    let (access_token, expires_in) = lock(&shared.store).issue_token(subject, shared.now());
    let mut body = json!({"access_token": access_token, "expires_in": expires_in, "token_type": "Bearer"});
    if subject == "user" {
        body["refresh_token"] = json!(credentials.refresh_token);
    }
    let mut response = json_response(StatusCode::OK, &body);
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

// ---- bearer check -------------------------------------------------------------------------------------------

async fn require_bearer(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let token = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim().to_string());
    let verdict = match token {
        None => Err("a bearer token is required (Authorization: Bearer <access token>)"),
        Some(token) if lock(&shared.store).token_valid(&token, shared.now()) => Ok(()),
        Some(_) => Err("the bearer token is invalid or expired"),
    };
    match verdict {
        Ok(()) => next.run(request).await,
        Err(message) => {
            let mut response = ApiError::unauthorized(message).into_response();
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            response
        }
    }
}

// ---- SaaS data ----------------------------------------------------------------------------------------------

async fn create_saas_data(
    State(shared): State<Arc<Shared>>,
    Path(org): Path<String>,
    body: Body,
) -> ApiResult {
    let org = parse_org(&org)?;
    let body = read_json(body).await?;
    let file_name = match body.get("fileName") {
        None | Some(Value::Null) => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "missing_field",
                "\"fileName\" is missing from body",
            ));
        }
        Some(Value::String(name)) => name.clone(),
        Some(_) => return Err(ApiError::bad_request("body.fileName must be a string")),
    };
    if file_name.is_empty() || file_name.chars().count() > 150 {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_length",
            "length of body.fileName must be between 1 and 150",
        ));
    }
    let id = shared.store().create_saas_data(org, &file_name, shared.now())?;
    created(format!("/saas/v1/orgs/{org}/saas-data/{id}"))
}

async fn show_saas_data(
    State(shared): State<Arc<Shared>>,
    Path((org, id)): Path<(String, String)>,
) -> ApiResult {
    let org = parse_org(&org)?;
    Ok(json_response(
        StatusCode::OK,
        &shared.store().saas_json(org, &id)?,
    ))
}

async fn list_saas_data(
    State(shared): State<Arc<Shared>>,
    Path(org): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let org = parse_org(&org)?;
    let params = query_params(q);
    let token = param(&params, "skipToken")
        .map(|t| {
            PageToken::decode(t)
                .ok_or_else(|| ApiError::bad_request("skipToken is not a token this server issued"))
        })
        .transpose()?;
    let order_text = token.as_ref().map(|t| t.order_by.clone()).unwrap_or_else(|| {
        param(&params, "orderBy")
            .unwrap_or(DEFAULT_SAAS_ORDER)
            .to_string()
    });
    let order = SaasOrder::parse(&order_text).ok_or_else(|| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_orderby",
            format!("invalid orderBy \"{order_text}\": expected createdAt or modifiedAt, then asc or desc"),
        )
    })?;
    let offset = token.map_or(0, |t| t.offset);
    let store = shared.store();
    let mut all: Vec<_> = store.saas_of(org).collect();
    all.sort_by(|a, b| order.compare(a, b));
    let page_size = shared.config.page_size;
    let values: Vec<Value> = all
        .iter()
        .skip(offset)
        .take(page_size)
        .map(|d| crate::state::saas_to_json(d))
        .collect();
    let mut body = json!({"count": all.len(), "values": values});
    if offset + page_size < all.len() {
        let next = PageToken {
            offset: offset + page_size,
            order_by: order_text,
            filter: String::new(),
        };
        body["nextPage"] = json!(format!(
            "/saas/v1/orgs/{org}/saas-data?skipToken={}",
            percent_encode(&next.encode())
        ));
    }
    Ok(json_response(StatusCode::OK, &body))
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Result<Option<&'a str>, ApiError> {
    headers
        .get(name)
        .map(|v| {
            v.to_str()
                .map_err(|_| ApiError::unprocessable(format!("the {name} header is not text")))
        })
        .transpose()
}

/// How much of a refused upload's body is read and thrown away so that the client gets to read the refusal
/// instead of a reset connection: at least 64 MiB, or four times the upload cap.
fn drain_cap(max_upload: u64) -> u64 {
    max_upload.saturating_mul(4).max(64 << 20)
}

/// Why a body could not be read whole.
enum BodyError {
    TooLarge,
    Broken,
}

/// Reads a body of at most `limit` bytes. A larger body is read on (and discarded) up to `drain` bytes before
/// giving up, so that the answer can be delivered.
async fn read_body(body: &mut Body, limit: u64, drain: u64) -> Result<Vec<u8>, BodyError> {
    use axum::body::HttpBody;
    use std::pin::Pin;
    let mut out = Vec::new();
    let mut seen = 0u64;
    while let Some(frame) = std::future::poll_fn(|cx| Pin::new(&mut *body).poll_frame(cx)).await {
        let Ok(data) = frame.map_err(|_| BodyError::Broken)?.into_data() else {
            continue;
        };
        seen = seen.saturating_add(data.len() as u64);
        if seen <= limit {
            out.extend_from_slice(&data);
        } else if seen > drain {
            return Err(BodyError::TooLarge);
        } else {
            out = Vec::new();
        }
    }
    if seen > limit {
        Err(BodyError::TooLarge)
    } else {
        Ok(out)
    }
}

async fn upload_saas_data(
    State(shared): State<Arc<Shared>>,
    Path((org, id)): Path<(String, String)>,
    headers: HeaderMap,
    mut body: Body,
) -> ApiResult {
    let mut body_read = false;
    let result = upload(&shared, &org, &id, &headers, &mut body, &mut body_read).await;
    if result.is_err() && !body_read {
        let _ = read_body(&mut body, 0, drain_cap(shared.config.max_upload_bytes)).await;
    }
    result
}

async fn upload(
    shared: &Shared,
    org: &str,
    id: &str,
    headers: &HeaderMap,
    body: &mut Body,
    body_read: &mut bool,
) -> ApiResult {
    let org = parse_org(org)?;
    shared.store().check_uploadable(org, id)?;
    let content_type = header_str(headers, "content-type")?.unwrap_or_default();
    let media_type = content_type.split(';').next().unwrap_or_default().trim();
    if !media_type.eq_ignore_ascii_case("application/json") {
        return Err(ApiError::unprocessable(format!(
            "Content-Type must be application/json (even for gzipped JSON-L), not \"{content_type}\""
        )));
    }
    let gzip = match header_str(headers, "content-encoding")?.map(str::trim) {
        None => false,
        Some(e) if e.eq_ignore_ascii_case("gzip") => true,
        Some(other) => {
            return Err(ApiError::unprocessable(format!(
                "Content-Encoding must be gzip or absent, not \"{other}\""
            )));
        }
    };
    let checksum = header_str(headers, "checksum")?.ok_or_else(|| {
        ApiError::unprocessable("the Checksum header (MD5 of the body, 32 lower-case hex) is missing")
    })?;
    if checksum.len() != 32 || !checksum.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return Err(ApiError::unprocessable(format!(
            "Checksum must match ^[a-f0-9]{{32}}$ (the MD5 of the body in lower-case hex), not \"{checksum}\""
        )));
    }
    let max = shared.config.max_upload_bytes;
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("the uploaded file is larger than {max} bytes"),
        )
    };
    *body_read = true;
    let bytes = match read_body(body, max, drain_cap(max)).await {
        Ok(bytes) => bytes,
        Err(BodyError::TooLarge) => return Err(too_large()),
        Err(BodyError::Broken) => return Err(ApiError::bad_request("the request body could not be read")),
    };
    let actual = hex(&Md5::digest(&bytes));
    if actual != checksum {
        return Err(ApiError::unprocessable(format!(
            "Checksum {checksum} does not match the MD5 of the uploaded body ({actual})"
        )));
    }
    let content =
        upload::read_upload(&bytes, gzip, shared.config.max_decoded_bytes).map_err(|e| match e {
            UploadError::TooLarge { .. } => {
                ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", e.to_string())
            }
            UploadError::NotGzip(_) => ApiError::unprocessable(e.to_string()),
        })?;
    let upload = Upload {
        checksum: actual,
        gzip,
        bytes: bytes.len() as u64,
        content,
    };
    shared.store().finish_upload(org, id, upload, shared.now())?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

// ---- import jobs --------------------------------------------------------------------------------------------

async fn create_import_job(
    State(shared): State<Arc<Shared>>,
    Path(org): Path<String>,
    body: Body,
) -> ApiResult {
    let org = parse_org(&org)?;
    let body = read_json(body).await?;
    let id = shared.store().create_job(org, &body, shared.now())?;
    created(format!("/saas/v1/orgs/{org}/import-jobs/{id}"))
}

async fn show_import_job(
    State(shared): State<Arc<Shared>>,
    Path((org, id)): Path<(String, String)>,
) -> ApiResult {
    let org = parse_org(&org)?;
    if id.len() != 26 || !id.bytes().all(|b| matches!(b, b'2'..=b'7' | b'A'..=b'Z')) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_pattern",
            format!("id must match the regexp \"^[2-7A-Z]{{26}}$\" but got value \"{id}\""),
        ));
    }
    Ok(json_response(StatusCode::OK, &shared.store().job_json(org, &id)?))
}

async fn list_import_jobs(
    State(shared): State<Arc<Shared>>,
    Path(org): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let org = parse_org(&org)?;
    let params = query_params(q);
    let token = param(&params, "skipToken")
        .map(|t| {
            PageToken::decode(t)
                .ok_or_else(|| ApiError::bad_request("skipToken is not a token this server issued"))
        })
        .transpose()?;
    let (order_text, filter_text) = match &token {
        Some(t) => (t.order_by.clone(), t.filter.clone()),
        None => (
            param(&params, "orderBy").unwrap_or(DEFAULT_JOB_ORDER).to_string(),
            param(&params, "filter").unwrap_or_default().to_string(),
        ),
    };
    let order = JobOrder::parse(&order_text).ok_or_else(|| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_orderby",
            format!(
                "invalid orderBy \"{order_text}\": expected createdAt, startedAt, finishedAt, completedAt or \
                 failedAt, then asc or desc"
            ),
        )
    })?;
    let filter = JobFilter::parse(&filter_text).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_filter",
            format!("invalid filter: {e}"),
        )
    })?;
    let offset = token.map_or(0, |t| t.offset);
    let store = shared.store();
    let mut jobs: Vec<_> = store
        .jobs
        .iter()
        .filter(|j| j.org == org && filter.matches(j))
        .collect();
    jobs.sort_by(|a, b| order.compare(a, b));
    let page_size = shared.config.page_size;
    let values: Vec<Value> = jobs
        .iter()
        .skip(offset)
        .take(page_size)
        .map(|j| store.job_to_json(j))
        .collect();
    let mut body = json!({"values": values});
    if offset + page_size < jobs.len() {
        let next = PageToken {
            offset: offset + page_size,
            order_by: order_text,
            filter: filter_text,
        };
        body["nextPage"] = json!(format!(
            "/saas/v1/orgs/{org}/import-jobs?skipToken={}",
            percent_encode(&next.encode())
        ));
    }
    Ok(json_response(StatusCode::OK, &body))
}

// ---- everything else ----------------------------------------------------------------------------------------

async fn inspect(State(shared): State<Arc<Shared>>, RawQuery(q): RawQuery) -> Response {
    let params = query_params(q);
    let with_rows = !matches!(param(&params, "rows"), Some("false" | "0"));
    json_response(StatusCode::OK, &shared.snapshot(with_rows))
}

async fn not_found(request: Request) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        format!("no such resource: {}", request.uri().path()),
    )
}

async fn method_not_allowed(request: Request) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        format!("{} is not allowed on {}", request.method(), request.uri().path()),
    )
}

/// The payload of the unwinding that closes a connection without an answer.
struct ConnectionDropped;

/// Closes the current connection without writing a response: unwinds the connection's task (without running the
/// panic hook, so nothing is printed); tokio contains the unwinding to that task and the socket is dropped.
fn drop_connection() -> ! {
    std::panic::resume_unwind(Box::new(ConnectionDropped))
}

async fn inject_faults(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let (fault, remaining) = shared.decide(request.method(), request.uri().path());
    let with_header = |mut response: Response| {
        response
            .headers_mut()
            .insert("x-ratelimit-remaining", HeaderValue::from(remaining));
        response
    };
    let transient = |status: StatusCode, name: &'static str, message: &str| {
        ApiError::new(
            status,
            name,
            format!("{message} (fault injected by the emulator)"),
        )
        .temporary()
    };
    match fault {
        None => with_header(next.run(request).await),
        Some(FaultKind::Slow) => {
            tokio::time::sleep(shared.config.slow_delay).await;
            with_header(next.run(request).await)
        }
        Some(FaultKind::InternalError) => transient(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "internal server error",
        )
        .into_response(),
        Some(FaultKind::Unavailable) => transient(
            StatusCode::SERVICE_UNAVAILABLE,
            "service_unavailable",
            "the service is unavailable",
        )
        .into_response(),
        Some(FaultKind::RateLimited) => {
            let mut error = transient(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_requests",
                "rate limit exceeded",
            );
            error.retry_after = Some(shared.config.retry_after_secs);
            let mut response = error.into_response();
            response
                .headers_mut()
                .insert("x-ratelimit-remaining", HeaderValue::from(0));
            response
        }
        Some(FaultKind::DropConnection) => {
            if request.method() == Method::PATCH {
                let declared = request
                    .headers()
                    .get(header::CONTENT_LENGTH)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.parse::<usize>().ok());
                let part = declared.map_or(16 * 1024, |n| (n / 2).clamp(1, 64 * 1024));
                let _ = axum::body::to_bytes(request.into_body(), part).await;
            }
            drop_connection()
        }
        Some(FaultKind::LostResponse) => {
            let _ = next.run(request).await;
            drop_connection()
        }
    }
}

fn router(shared: Arc<Shared>) -> Router {
    let api = Router::new()
        .route(
            "/saas/v1/orgs/{org}/saas-data",
            get(list_saas_data).post(create_saas_data),
        )
        .route(
            "/saas/v1/orgs/{org}/saas-data/{id}",
            get(show_saas_data).patch(upload_saas_data),
        )
        .route(
            "/saas/v1/orgs/{org}/import-jobs",
            get(list_import_jobs).post(create_import_job),
        )
        .route("/saas/v1/orgs/{org}/import-jobs/{id}", get(show_import_job))
        .route_layer(middleware::from_fn_with_state(shared.clone(), require_bearer))
        .route("/oidc/token", post(token))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(shared.clone(), inject_faults));
    let inspection = Router::new().route("/_emulator/state", get(inspect));
    api.merge(inspection).with_state(shared)
}

// ---- handles ------------------------------------------------------------------------------------------------

/// How long a shutdown waits for requests in flight before dropping them.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

fn base_url_of(addr: SocketAddr) -> String {
    let mut addr = addr;
    if addr.ip().is_unspecified() {
        addr.set_ip(if addr.is_ipv4() {
            std::net::Ipv4Addr::LOCALHOST.into()
        } else {
            std::net::Ipv6Addr::LOCALHOST.into()
        });
    }
    format!("http://{addr}")
}

/// A running emulator on the caller's tokio runtime. Dropping it asks the server to stop; [`Emulator::shutdown`]
/// also waits for it.
#[derive(Debug)]
pub struct Emulator {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

/// Starts an emulator on the current tokio runtime and returns once it listens.
///
/// The runtime needs its I/O and time drivers (`enable_all`).
pub async fn start(config: EmulatorConfig) -> Result<Emulator, EmulatorError> {
    config.validate()?;
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|source| EmulatorError::Bind {
            addr: config.listen,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| EmulatorError::Bind {
        addr: config.listen,
        source,
    })?;
    let shared = Arc::new(Shared::new(config));
    let app = router(shared.clone());
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await
    });
    Ok(Emulator {
        addr,
        shared,
        stop: Some(stop),
        task: Some(task),
    })
}

impl Emulator {
    /// The base URL of both the API and the token endpoint, e.g. `http://127.0.0.1:41234` (no trailing slash).
    pub fn base_url(&self) -> String {
        base_url_of(self.addr)
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// What `GET /_emulator/state` returns: every SaaS data object and import job, with the decoded rows.
    pub fn state(&self) -> Value {
        self.shared.snapshot(true)
    }

    /// Changes the fault rate from now on (clamped to `[0, 1]`), e.g. to set up data before turning faults on.
    /// The fault kinds stay those of the configuration.
    pub fn set_fault_rate(&self, rate: f64) {
        self.shared.set_fault_rate(rate);
    }

    /// Stops accepting connections, lets requests in flight finish (for up to two seconds) and waits.
    pub async fn shutdown(mut self) -> Result<(), EmulatorError> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let Some(mut task) = self.task.take() else {
            return Ok(());
        };
        match tokio::time::timeout(SHUTDOWN_GRACE, &mut task).await {
            Ok(Ok(Ok(()))) => Ok(()),
            Ok(Ok(Err(e))) => Err(EmulatorError::Serve(e)),
            Ok(Err(_)) => Err(EmulatorError::ThreadPanicked),
            Err(_) => {
                task.abort();
                Ok(())
            }
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// An emulator running on its own thread with its own single-threaded tokio runtime, for synchronous callers.
/// Dropping it stops the server and joins the thread.
#[derive(Debug)]
pub struct EmulatorThread {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<Result<(), EmulatorError>>>,
}

/// Starts an emulator on a background thread and returns once it listens.
pub fn start_in_thread(config: EmulatorConfig) -> Result<EmulatorThread, EmulatorError> {
    config.validate()?;
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let (stop, stopped) = oneshot::channel::<()>();
    let thread = std::thread::Builder::new()
        .name("ssoimport-emulator".to_string())
        .spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(EmulatorError::Runtime)?;
            runtime.block_on(async move {
                let emulator = match start(config).await {
                    Ok(emulator) => emulator,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return Ok(());
                    }
                };
                let _ = ready_tx.send(Ok((emulator.addr, emulator.shared.clone())));
                let _ = stopped.await;
                emulator.shutdown().await
            })
        })
        .map_err(EmulatorError::Runtime)?;
    match ready_rx.recv() {
        Ok(Ok((addr, shared))) => Ok(EmulatorThread {
            addr,
            shared,
            stop: Some(stop),
            thread: Some(thread),
        }),
        Ok(Err(e)) => {
            let _ = thread.join();
            Err(e)
        }
        Err(_) => match thread.join() {
            Ok(Err(e)) => Err(e),
            _ => Err(EmulatorError::ThreadPanicked),
        },
    }
}

impl EmulatorThread {
    /// The base URL of both the API and the token endpoint, e.g. `http://127.0.0.1:41234` (no trailing slash).
    pub fn base_url(&self) -> String {
        base_url_of(self.addr)
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// What `GET /_emulator/state` returns: every SaaS data object and import job, with the decoded rows.
    pub fn state(&self) -> Value {
        self.shared.snapshot(true)
    }

    /// Changes the fault rate from now on (clamped to `[0, 1]`), e.g. to set up data before turning faults on.
    /// The fault kinds stay those of the configuration.
    pub fn set_fault_rate(&self, rate: f64) {
        self.shared.set_fault_rate(rate);
    }

    /// Stops the server and joins its thread.
    pub fn shutdown(mut self) -> Result<(), EmulatorError> {
        self.stop_and_join()
    }

    fn stop_and_join(&mut self) -> Result<(), EmulatorError> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.thread.take().map(std::thread::JoinHandle::join) {
            None => Ok(()),
            Some(Ok(result)) => result,
            Some(Err(_)) => Err(EmulatorError::ThreadPanicked),
        }
    }
}

impl Drop for EmulatorThread {
    fn drop(&mut self) {
        let _ = self.stop_and_join();
    }
}

/// Runs an emulator on the calling thread until Ctrl-C, for the CLI. `on_ready` gets the base URL once the
/// server listens (the CLI prints it as its first line of output).
pub fn run_until_ctrl_c(config: EmulatorConfig, on_ready: impl FnOnce(&str)) -> Result<(), EmulatorError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(EmulatorError::Runtime)?;
    runtime.block_on(async move {
        let emulator = start(config).await?;
        on_ready(&emulator.base_url());
        tokio::signal::ctrl_c().await.map_err(EmulatorError::Serve)?;
        emulator.shutdown().await
    })
}
