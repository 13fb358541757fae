//! The emulator's memory: access tokens, SaaS data objects with their decoded rows, import jobs and how they
//! advance with time. No HTTP here; handlers call into [`Store`] under a mutex.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use crate::codec::{base32, base64url, uuid_text, uuid_v4};
use crate::config::EmulatorConfig;
use crate::error::ApiError;
use crate::rng::SplitMix64;
use crate::time::iso;
use crate::upload::FileContent;
use crate::validate::{ErrorSummary, check_job};

/// The task names of the spec's `ImportSettings.taskName` enum.
pub(crate) const TASK_NAMES: [&str; 8] = [
    "ApplicationUsage",
    "ApplicationRoster",
    "ApplicationDiscovery",
    "ApplicationConsumption",
    "SsoApplicationUsage",
    "SsoApplicationRoster",
    "ApplicationLicense",
    "DiscoveredAppUsage",
];

/// Upload state of a SaaS data object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UploadStatus {
    Pending,
    Uploaded,
}

impl UploadStatus {
    fn as_str(self) -> &'static str {
        match self {
            UploadStatus::Pending => "pending",
            UploadStatus::Uploaded => "uploaded",
        }
    }
}

/// State of an import job (the spec's `queued` is never used).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JobStatus {
    Ready,
    Running,
    Completed,
    Failed,
}

impl JobStatus {
    /// The wire name.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            JobStatus::Ready => "ready",
            JobStatus::Running => "running",
            JobStatus::Completed => "completed",
            JobStatus::Failed => "failed",
        }
    }
}

/// A SaaS data object (`FlexeraFsmFiledata`) and what was uploaded into it.
#[derive(Debug)]
pub(crate) struct SaasData {
    pub seq: u64,
    pub org: u64,
    pub id: String,
    pub name: String,
    pub status: UploadStatus,
    pub checksum: Option<String>,
    pub gzip: bool,
    pub created_at: i64,
    pub modified_at: i64,
    pub uploaded_bytes: u64,
    pub content: FileContent,
}

/// An import job (`FlexeraFsmImportjob`).
#[derive(Debug)]
pub(crate) struct ImportJob {
    pub seq: u64,
    pub org: u64,
    pub id: String,
    pub managed_app_id: String,
    pub source_href: String,
    pub task_name: String,
    pub load_type: String,
    /// Indexes into [`Store::saas`].
    pub files: Vec<usize>,
    pub status: JobStatus,
    pub created_at: i64,
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
    pub errors: Vec<ErrorSummary>,
    pub inject_failure: bool,
    pub total_rows: usize,
    pub valid_rows: usize,
}

/// A finished, checked upload ready to be stored.
#[derive(Debug)]
pub(crate) struct Upload {
    pub checksum: String,
    pub gzip: bool,
    pub bytes: u64,
    pub content: FileContent,
}

/// Everything the emulator remembers.
#[derive(Debug)]
pub(crate) struct Store {
    config: EmulatorConfig,
    ids: SplitMix64,
    job_rng: SplitMix64,
    seq: u64,
    pub saas: Vec<SaasData>,
    saas_by_id: HashMap<(u64, String), usize>,
    saas_by_name: HashMap<(u64, String), usize>,
    pub jobs: Vec<ImportJob>,
    job_by_id: HashMap<(u64, String), usize>,
    tokens: HashMap<String, i64>,
    /// Time of the last lifecycle event applied.
    sim_time: i64,
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX / 4)
}

fn not_found_saas(id: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "saasdata_not_found",
        format!("SaaS data object `{id}` is not found"),
    )
}

impl Store {
    /// An empty store whose random decisions follow `config.seed`.
    pub(crate) fn new(config: EmulatorConfig) -> Self {
        Store {
            ids: SplitMix64::new(config.seed ^ 0x1D5_1D5_1D5),
            job_rng: SplitMix64::new(config.seed ^ 0x0B5_0B5_0B5),
            config,
            seq: 0,
            saas: Vec::new(),
            saas_by_id: HashMap::new(),
            saas_by_name: HashMap::new(),
            jobs: Vec::new(),
            job_by_id: HashMap::new(),
            tokens: HashMap::new(),
            sim_time: 0,
        }
    }

    fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    // ---- tokens -------------------------------------------------------------------------------------------

    /// Issues an access token (shaped like an unsigned JWT) for `subject`; returns it and `expires_in`.
    pub(crate) fn issue_token(&mut self, subject: &str, now: i64) -> (String, u64) {
        let expiry = self.config.token_expiry;
        let expires_in = expiry.as_secs() + u64::from(expiry.subsec_nanos() > 0);
        let expires_at = now.saturating_add(millis(expiry));
        let jti = uuid_text(&uuid_v4(self.ids.bytes16()));
        let header = base64url(br#"{"alg":"none","typ":"JWT"}"#);
        let claims = json!({
            "iss": "ssoimport-emulator",
            "sub": subject,
            "iat": now / 1000,
            "exp": expires_at / 1000,
            "jti": jti,
        });
        let payload = base64url(claims.to_string().as_bytes());
        let signature = base64url(&self.ids.bytes16());
        let token = format!("{header}.{payload}.{signature}");
        self.tokens.insert(token.clone(), expires_at);
        (token, expires_in)
    }

    /// Whether `token` was issued here and has not expired.
    pub(crate) fn token_valid(&self, token: &str, now: i64) -> bool {
        self.tokens.get(token).is_some_and(|&expires_at| now < expires_at)
    }

    // ---- SaaS data ----------------------------------------------------------------------------------------

    /// `POST saas-data`: a new pending object named `file_name`; returns its id.
    pub(crate) fn create_saas_data(
        &mut self,
        org: u64,
        file_name: &str,
        now: i64,
    ) -> Result<String, ApiError> {
        if self.saas_by_name.contains_key(&(org, file_name.to_string())) {
            let status =
                StatusCode::from_u16(self.config.duplicate_file_name_status).unwrap_or(StatusCode::CONFLICT);
            return Err(ApiError::new(
                status,
                "saasdata_already_exists",
                format!(
                    "a SaaS data object named `{file_name}` already exists in org {org}; file names must be unique"
                ),
            ));
        }
        let id = uuid_text(&uuid_v4(self.ids.bytes16()));
        let seq = self.next_seq();
        self.saas.push(SaasData {
            seq,
            org,
            id: id.clone(),
            name: file_name.to_string(),
            status: UploadStatus::Pending,
            checksum: None,
            gzip: false,
            created_at: now,
            modified_at: now,
            uploaded_bytes: 0,
            content: FileContent::default(),
        });
        let index = self.saas.len() - 1;
        self.saas_by_id.insert((org, id.clone()), index);
        self.saas_by_name.insert((org, file_name.to_string()), index);
        Ok(id)
    }

    fn saas_index(&self, org: u64, id: &str) -> Result<usize, ApiError> {
        self.saas_by_id
            .get(&(org, id.to_string()))
            .copied()
            .ok_or_else(|| not_found_saas(id))
    }

    /// The checks a PATCH gets before its body is read: 404 unknown, 423 already uploaded.
    pub(crate) fn check_uploadable(&self, org: u64, id: &str) -> Result<(), ApiError> {
        let index = self.saas_index(org, id)?;
        if self.saas[index].status == UploadStatus::Uploaded {
            return Err(ApiError::new(
                StatusCode::LOCKED,
                "saasdata_locked",
                format!("SaaS data object `{id}` already holds data and cannot be uploaded again"),
            ));
        }
        Ok(())
    }

    /// Stores a checked upload (checking again for a concurrent one).
    pub(crate) fn finish_upload(
        &mut self,
        org: u64,
        id: &str,
        upload: Upload,
        now: i64,
    ) -> Result<(), ApiError> {
        self.check_uploadable(org, id)?;
        let index = self.saas_index(org, id)?;
        let data = &mut self.saas[index];
        data.status = UploadStatus::Uploaded;
        data.checksum = Some(upload.checksum);
        data.gzip = upload.gzip;
        data.uploaded_bytes = upload.bytes;
        data.content = upload.content;
        data.modified_at = now.max(data.created_at);
        Ok(())
    }

    /// `GET saas-data/{id}`.
    pub(crate) fn saas_json(&self, org: u64, id: &str) -> Result<Value, ApiError> {
        Ok(saas_to_json(&self.saas[self.saas_index(org, id)?]))
    }

    /// The objects of one org, in creation order.
    pub(crate) fn saas_of(&self, org: u64) -> impl Iterator<Item = &SaasData> {
        self.saas.iter().filter(move |d| d.org == org)
    }

    // ---- import jobs --------------------------------------------------------------------------------------

    /// `POST import-jobs`: checks the body, creates a `ready` job and returns its id.
    pub(crate) fn create_job(&mut self, org: u64, body: &Value, now: i64) -> Result<String, ApiError> {
        let body = body
            .as_object()
            .ok_or_else(|| ApiError::bad_request("the request body must be a JSON object"))?;
        let managed_app_id = required_str(body, "managedAppId", "request body")?;
        if managed_app_id.is_empty()
            || !managed_app_id
                .bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        {
            return Err(goa_validation(
                "invalid_pattern",
                format!(
                    "body.managedAppId must match the regexp \"^[0-9a-f]+$\" but got value \"{managed_app_id}\""
                ),
            ));
        }
        let list = body
            .get("saasDataList")
            .ok_or_else(|| missing_field("saasDataList", "request body"))?
            .as_array()
            .ok_or_else(|| goa_validation("invalid_field_type", "body.saasDataList must be an array"))?;
        if list.is_empty() || list.len() > 10 {
            return Err(goa_validation(
                "invalid_length",
                format!(
                    "length of body.saasDataList must be between 1 and 10 but got {} items",
                    list.len()
                ),
            ));
        }
        let mut names = Vec::with_capacity(list.len());
        for item in list {
            let item = item.as_object().ok_or_else(|| {
                goa_validation("invalid_field_type", "body.saasDataList items must be objects")
            })?;
            let name = required_str(item, "name", "body.saasDataList item")?;
            if name.is_empty() || name.chars().count() > 150 {
                return Err(goa_validation(
                    "invalid_length",
                    format!(
                        "length of body.saasDataList[].name must be between 1 and 150 but got \"{name}\""
                    ),
                ));
            }
            names.push(name.to_string());
        }
        let settings = body
            .get("importSettings")
            .ok_or_else(|| missing_field("importSettings", "request body"))?
            .as_object()
            .ok_or_else(|| goa_validation("invalid_field_type", "body.importSettings must be an object"))?;
        let task_name = required_str(settings, "taskName", "body.importSettings")?;
        if !TASK_NAMES.contains(&task_name) {
            return Err(goa_validation(
                "invalid_enum_value",
                format!(
                    "body.importSettings.taskName must be one of {TASK_NAMES:?} but got value \"{task_name}\""
                ),
            ));
        }
        let load_type = required_str(settings, "loadType", "body.importSettings")?;
        if !matches!(load_type, "full" | "incremental") {
            return Err(goa_validation(
                "invalid_enum_value",
                format!(
                    "body.importSettings.loadType must be one of \"full\", \"incremental\" but got \"{load_type}\""
                ),
            ));
        }
        if self.config.strict_load_types {
            let allowed = match task_name {
                "ApplicationDiscovery" | "DiscoveredAppUsage" => Some("full"),
                "ApplicationConsumption" => Some("incremental"),
                _ => None,
            };
            if let Some(allowed) = allowed.filter(|a| *a != load_type) {
                return Err(ApiError::bad_request(format!(
                    "{task_name} supports only loadType \"{allowed}\", not \"{load_type}\""
                )));
            }
        }
        let mut seen = HashSet::new();
        let mut files = Vec::with_capacity(names.len());
        for name in &names {
            if !seen.insert(name.as_str()) {
                return Err(ApiError::bad_request(format!(
                    "`{name}` appears twice in saasDataList"
                )));
            }
            let index = *self.saas_by_name.get(&(org, name.clone())).ok_or_else(|| {
                ApiError::new(
                    StatusCode::NOT_FOUND,
                    "saasdata_not_found",
                    format!("no SaaS data object named `{name}` exists in org {org}"),
                )
            })?;
            if self.saas[index].status != UploadStatus::Uploaded {
                return Err(ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "saasdata_not_uploaded",
                    format!("SaaS data object `{name}` has no uploaded data yet"),
                ));
            }
            files.push(index);
        }
        let id = base32(&uuid_v4(self.ids.bytes16()));
        let inject_failure = self.job_rng.next_f64() < self.config.job_failure_rate;
        let seq = self.next_seq();
        self.jobs.push(ImportJob {
            seq,
            org,
            id: id.clone(),
            managed_app_id: managed_app_id.to_string(),
            source_href: format!("saas/v1/orgs/{org}/managed-apps/{managed_app_id}"),
            task_name: task_name.to_string(),
            load_type: load_type.to_string(),
            files,
            status: JobStatus::Ready,
            created_at: now,
            started_at: None,
            finished_at: None,
            errors: Vec::new(),
            inject_failure,
            total_rows: 0,
            valid_rows: 0,
        });
        self.job_by_id.insert((org, id.clone()), self.jobs.len() - 1);
        Ok(id)
    }

    /// `GET import-jobs/{id}`.
    pub(crate) fn job_json(&self, org: u64, id: &str) -> Result<Value, ApiError> {
        let index = self
            .job_by_id
            .get(&(org, id.to_string()))
            .copied()
            .ok_or_else(|| {
                ApiError::new(
                    StatusCode::NOT_FOUND,
                    "import_job_id_not_found",
                    format!("import job `{id}` does not exist within org {org}"),
                )
            })?;
        Ok(self.job_to_json(&self.jobs[index]))
    }

    /// The API's JSON of a job.
    pub(crate) fn job_to_json(&self, job: &ImportJob) -> Value {
        let mut out = Map::new();
        out.insert("id".into(), json!(job.id));
        out.insert("status".into(), json!(job.status.as_str()));
        out.insert("sourceHref".into(), json!(job.source_href));
        out.insert(
            "saasDataList".into(),
            job.files.iter().map(|&i| saas_to_json(&self.saas[i])).collect(),
        );
        out.insert(
            "importSettings".into(),
            json!({"taskName": job.task_name, "loadType": job.load_type}),
        );
        out.insert("createdAt".into(), json!(iso(job.created_at)));
        if let Some(at) = job.started_at {
            out.insert("startedAt".into(), json!(iso(at)));
        }
        if let Some(at) = job.finished_at {
            out.insert("finishedAt".into(), json!(iso(at)));
            out.insert(
                "errors".into(),
                job.errors.iter().map(ErrorSummary::to_json).collect(),
            );
        }
        Value::Object(out)
    }

    /// Applies every lifecycle event due by `now`, in time order: jobs start `pickup_delay` after creation when
    /// their org has a free running slot (first created, first started), and finish `run_time` after starting.
    pub(crate) fn advance(&mut self, now: i64) {
        let pickup = millis(self.config.job_timing.pickup_delay);
        let run = millis(self.config.job_timing.run_time);
        let cap = self.config.max_running_jobs;
        loop {
            let mut running: HashMap<u64, usize> = HashMap::new();
            let mut finish: Option<(i64, usize)> = None;
            for (i, job) in self.jobs.iter().enumerate() {
                if job.status == JobStatus::Running {
                    *running.entry(job.org).or_default() += 1;
                    let at = job.started_at.unwrap_or(job.created_at).saturating_add(run);
                    if finish.is_none_or(|(t, _)| at < t) {
                        finish = Some((at, i));
                    }
                }
            }
            let mut start: Option<(i64, usize)> = None;
            let mut orgs_seen = HashSet::new();
            for (i, job) in self.jobs.iter().enumerate() {
                if job.status != JobStatus::Ready || !orgs_seen.insert(job.org) {
                    continue;
                }
                if running.get(&job.org).copied().unwrap_or(0) >= cap {
                    continue;
                }
                let at = job.created_at.saturating_add(pickup).max(self.sim_time);
                if start.is_none_or(|(t, _)| at < t) {
                    start = Some((at, i));
                }
            }
            let (at, index, is_finish) = match (finish, start) {
                (Some(f), Some(s)) if f.0 <= s.0 => (f.0, f.1, true),
                (_, Some(s)) => (s.0, s.1, false),
                (Some(f), None) => (f.0, f.1, true),
                (None, None) => break,
            };
            if at > now {
                break;
            }
            self.sim_time = at;
            if is_finish {
                self.finish_job(index, at);
            } else {
                let job = &mut self.jobs[index];
                job.status = JobStatus::Running;
                job.started_at = Some(at);
            }
        }
    }

    fn finish_job(&mut self, index: usize, at: i64) {
        let job = &self.jobs[index];
        let files = job
            .files
            .iter()
            .map(|&i| (self.saas[i].name.as_str(), &self.saas[i].content));
        let check = check_job(&job.task_name, files);
        let job = &mut self.jobs[index];
        job.finished_at = Some(at);
        job.total_rows = check.total_rows;
        job.valid_rows = check.valid_rows;
        job.errors = check.errors;
        if job.inject_failure {
            job.errors.insert(
                0,
                ErrorSummary {
                    error: "processing_failed".to_string(),
                    summary:
                        "the import pipeline failed while processing the files (failure injected by the \
                              emulator)"
                            .to_string(),
                    potential_resolution: "Create a new import job for the same files.".to_string(),
                },
            );
        }
        job.status = if job.inject_failure || (check.total_rows > 0 && check.valid_rows == 0) {
            JobStatus::Failed
        } else {
            JobStatus::Completed
        };
    }

    /// The inspection endpoint's view of everything.
    pub(crate) fn snapshot(&self, with_rows: bool) -> Value {
        let rows_of = |d: &SaasData| -> Value { d.content.rows.iter().map(|(_, v)| v.clone()).collect() };
        let saas: Vec<Value> = self
            .saas
            .iter()
            .map(|d| {
                let mut v = saas_to_json(d);
                if let Some(object) = v.as_object_mut() {
                    object.insert("org".into(), json!(d.org));
                    object.insert("uploadedBytes".into(), json!(d.uploaded_bytes));
                    object.insert("rowCount".into(), json!(d.content.rows.len()));
                    object.insert(
                        "malformedLines".into(),
                        d.content
                            .malformed
                            .iter()
                            .map(|m| json!({"line": m.line, "message": m.message}))
                            .collect(),
                    );
                    if with_rows {
                        object.insert("rows".into(), rows_of(d));
                    }
                }
                v
            })
            .collect();
        let jobs: Vec<Value> = self
            .jobs
            .iter()
            .map(|job| {
                let mut v = json!({
                    "id": job.id,
                    "org": job.org,
                    "managedAppId": job.managed_app_id,
                    "sourceHref": job.source_href,
                    "task": job.task_name,
                    "loadType": job.load_type,
                    "status": job.status.as_str(),
                    "fileNames": job.files.iter().map(|&i| self.saas[i].name.clone()).collect::<Vec<_>>(),
                    "saasDataIds": job.files.iter().map(|&i| self.saas[i].id.clone()).collect::<Vec<_>>(),
                    "createdAt": iso(job.created_at),
                    "startedAt": job.started_at.map(iso),
                    "finishedAt": job.finished_at.map(iso),
                    "errors": job.errors.iter().map(ErrorSummary::to_json).collect::<Vec<_>>(),
                    "totalRows": job.total_rows,
                    "validRows": job.valid_rows,
                });
                if with_rows && let Some(object) = v.as_object_mut() {
                    let rows: Vec<Value> = job
                        .files
                        .iter()
                        .flat_map(|&i| self.saas[i].content.rows.iter().map(|(_, r)| r.clone()))
                        .collect();
                    object.insert("rows".into(), Value::Array(rows));
                }
                v
            })
            .collect();
        json!({"saasData": saas, "importJobs": jobs})
    }
}

/// The API's JSON of a SaaS data object.
pub(crate) fn saas_to_json(d: &SaasData) -> Value {
    let mut out = Map::new();
    out.insert("id".into(), json!(d.id));
    out.insert("name".into(), json!(d.name));
    out.insert("status".into(), json!(d.status.as_str()));
    if let Some(checksum) = &d.checksum {
        out.insert("checksum".into(), json!(checksum));
    }
    out.insert(
        "contentEncoding".into(),
        json!(if d.gzip { "gzip" } else { "none" }),
    );
    if d.status == UploadStatus::Uploaded {
        out.insert("contentType".into(), json!("JSON"));
    }
    out.insert("createdAt".into(), json!(iso(d.created_at)));
    out.insert("modifiedAt".into(), json!(iso(d.modified_at)));
    Value::Object(out)
}

fn goa_validation(name: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, name, message)
}

fn missing_field(field: &str, place: &str) -> ApiError {
    goa_validation("missing_field", format!("\"{field}\" is missing from {place}"))
}

fn required_str<'a>(object: &'a Map<String, Value>, field: &str, place: &str) -> Result<&'a str, ApiError> {
    match object.get(field) {
        None | Some(Value::Null) => Err(missing_field(field, place)),
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(goa_validation(
            "invalid_field_type",
            format!("{place}.{field} must be a string"),
        )),
    }
}
