//! The Flexera Import Jobs API client (feature `client`): tokens, SaaS data objects, uploads, import jobs,
//! retries, a rate limiter and a resumable journal.
//!
//! The pieces, from the bottom up:
//!
//! - [`Endpoints`] and [`Region`]: the API base URL and the token URL, https unless loopback.
//! - [`Credentials`]: a refresh token (`FLEXERA_REFRESH_TOKEN`, or a private file) or a service account client
//!   (`FLEXERA_CLIENT_ID` + `FLEXERA_CLIENT_SECRET`); access tokens are fetched from `POST {login}/oidc/token`,
//!   renewed before they expire and once after a 401, and never printed.
//! - [`Api`]: the calls (`POST /saas-data`, `PATCH /saas-data/{id}`, `POST /import-jobs`, `GET ...`), each
//!   behind the [`RateLimiter`] and retried per the [`RetryPolicy`] (transport errors, 5xx, goa errors marked
//!   `temporary`, and 429 after its `retry-after`); other 4xx fail with the server's message.
//! - [`Journal`]: `DIR/upload-journal.jsonl`, each step appended and fsynced, replayed on start.
//! - [`UploadSession`]: parts in, import jobs out. Each part gets a deterministic [`file_name`], is created and
//!   uploaded (at most `parallel` at once); parts of a task are grouped in order, at most 10 per job; a job is
//!   created once its parts are uploaded (a full load once the task's part count is known, and refused above 10
//!   parts), then polled until it completes or fails. A rerun does only what the journal does not confirm and,
//!   before creating a job, looks for one that already names the same files.
//!
//! ```no_run
//! use std::sync::Arc;
//! use ssoimport_upload::client::*;
//! use ssoimport_upload::Manifest;
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let dir = std::path::Path::new("out");
//! let endpoints = Endpoints::new(Region::Us, None, None)?;
//! let api = Api::new(ApiOptions::new(endpoints.clone(), 1234, Credentials::from_env()?), Arc::new(()))?;
//! let journal = Journal::open(dir, endpoints.api_base(), 1234)?;
//! let settings = UploadSettings::new(dir).app_for_all("5678");
//! let (session, feed) = UploadSession::new(Backend::Live(Arc::new(api)), journal, settings, Arc::new(()));
//! let manifest = Manifest::read(dir)?;
//! feed.manifest(&manifest)?;
//! drop(feed);
//! let report = session.run(std::future::pending()).await;
//! assert!(report.succeeded());
//! # Ok(())
//! # }
//! ```

mod api;
mod auth;
mod endpoints;
mod journal;
mod limiter;
mod names;
mod retry;
mod session;
mod time;

use std::time::Duration;

use ssoimport_schema::Task;

pub use api::{Api, ApiOptions, ImportJob, JobError, JobRequest, SaasData};
pub use auth::{Credentials, ENV_CLIENT_ID, ENV_CLIENT_SECRET, ENV_REFRESH_TOKEN, Secret};
pub use endpoints::{Endpoints, Region};
pub use journal::{JOURNAL_FILE, JobState, Journal, ObjectState, Step};
pub use limiter::RateLimiter;
pub use names::file_name;
pub use retry::{RetryPolicy, parse_retry_after};
pub use session::{
    Backend, DryRun, JobFailure, JobSummary, MAX_FILES_PER_JOB, PartFailure, PartOutcome, RequestPreview,
    SessionFeed, UploadReport, UploadSession, UploadSettings, check_part_count,
};

/// Errors of the client.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ClientError {
    /// The output directory (and its journal) could not be locked: most often, another run is writing into it.
    #[error("{0}")]
    Lock(String),
    /// A setting cannot work (an endpoint that is not https, a missing app id, ...).
    #[error("{0}")]
    Config(String),
    /// No usable credentials, or the token endpoint refused them.
    #[error("{0}")]
    Credentials(String),
    /// A request failed for good: a 4xx other than 429, or a transient failure that outlasted the retries.
    #[error("{method} {path}: {}", api_detail(.status, .name, .message))]
    Api {
        /// The method.
        method: String,
        /// The URL path.
        path: String,
        /// The status, if an answer came.
        status: Option<u16>,
        /// The goa error name, if the body had one.
        name: Option<String>,
        /// The server's message (secrets redacted), or what went wrong on the way.
        message: String,
        /// Whether the failure was transient (retries ran out) rather than a refusal.
        retryable: bool,
    },
    /// The server answered something the client cannot use.
    #[error("{0}")]
    Protocol(String),
    /// The journal could not be read or written.
    #[error("journal {path}: {detail}")]
    Journal {
        /// The journal's path.
        path: String,
        /// What went wrong.
        detail: String,
    },
    /// A part file is missing or not what the manifest says.
    #[error("part {path}: {detail}")]
    Part {
        /// The part's path.
        path: String,
        /// What went wrong.
        detail: String,
    },
    /// A full load needs more files than one import job takes.
    #[error("{}", too_many_parts(.task, *.parts))]
    TooManyParts {
        /// The task.
        task: Task,
        /// Its part count (at least).
        parts: usize,
    },
}

impl From<crate::LockError> for ClientError {
    fn from(e: crate::LockError) -> Self {
        ClientError::Lock(e.to_string())
    }
}

fn api_detail(status: &Option<u16>, name: &Option<String>, message: &str) -> String {
    match (status, name) {
        (Some(s), Some(n)) => format!("{s} {n}: {message}"),
        (Some(s), None) => format!("{s}: {message}"),
        (None, _) => message.to_string(),
    }
}

fn too_many_parts(task: &Task, parts: usize) -> String {
    let incremental = if *task == Task::SsoApplicationRoster {
        ", or load the roster incrementally (--roster-load incremental), which may span several jobs"
    } else {
        ""
    };
    format!(
        "{task} is a full load of {parts} parts, but one import job takes at most {MAX_FILES_PER_JOB} files and a \
         full load cannot be split across jobs (each job would replace what the previous one loaded); nothing of \
         {task} is sent. Ways out: fewer rows (fewer or smaller inputs, --tasks without it), or bigger parts \
         (convert with a larger --max-part-bytes) sent to a host without the 10 MB cap (--region au, or \
         --endpoint https://beta.api.flexera.com or https://beta.api.flexera.eu){incremental}"
    )
}

impl ClientError {
    /// The HTTP status of a failed request.
    pub fn status(&self) -> Option<u16> {
        match self {
            ClientError::Api { status, .. } => *status,
            _ => None,
        }
    }

    /// Whether this error is about settings, input or credentials (the user's to fix), not the server or the
    /// network.
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            ClientError::Config(_) | ClientError::Credentials(_) | ClientError::TooManyParts { .. }
        )
    }

    /// Whether no further request can succeed (refused credentials, a journal that cannot be written).
    pub fn is_fatal(&self) -> bool {
        matches!(self, ClientError::Credentials(_) | ClientError::Journal { .. })
    }

    /// Whether a create failed because the name is taken (409, or a 4xx whose goa name says so).
    pub(crate) fn is_duplicate(&self) -> bool {
        match self {
            ClientError::Api {
                status: Some(status),
                name,
                ..
            } => {
                *status == 409
                    || ((400..500).contains(status)
                        && name
                            .as_deref()
                            .is_some_and(|n| n.contains("exist") || n.contains("duplicate")))
            }
            _ => false,
        }
    }

    /// Whether the failure was transient (a request that kept failing through its retries).
    pub fn is_retryable(&self) -> bool {
        matches!(self, ClientError::Api { retryable: true, .. })
    }
}

/// Something that happened, for progress and logs. Events never carry a secret.
#[derive(Debug)]
#[non_exhaustive]
pub enum Event<'a> {
    /// A request failed in a way worth retrying; the next attempt follows after `wait`.
    Retrying {
        /// The method.
        method: &'a str,
        /// The URL path.
        path: &'a str,
        /// Status and error name, or the transport error.
        reason: &'a str,
        /// The attempt that failed (1 = the first).
        attempt: u32,
        /// Attempts allowed.
        max_attempts: u32,
        /// The wait before the next attempt.
        wait: Duration,
    },
    /// A new access token came from the token endpoint.
    TokenIssued {
        /// How long it is valid, per the server's `expires_in`.
        lifetime: Duration,
    },
    /// `--dry-run`: a request that would be sent.
    WouldSend(&'a RequestPreview),
    /// A part is known and waits for its turn.
    PartQueued {
        /// Its task.
        task: Task,
        /// Its index in the task.
        index: usize,
    },
    /// A part is in its SaaS data object.
    PartDone {
        /// Its task.
        task: Task,
        /// Its index in the task.
        index: usize,
        /// The SaaS data name.
        file_name: &'a str,
        /// How.
        outcome: PartOutcome,
        /// Its size.
        bytes: u64,
    },
    /// A part could not be uploaded.
    PartFailed {
        /// Its task.
        task: Task,
        /// Its index in the task.
        index: usize,
        /// The SaaS data name.
        file_name: &'a str,
        /// Why.
        error: &'a ClientError,
    },
    /// A task is not sent at all.
    TaskRefused {
        /// The task.
        task: Task,
        /// Why.
        error: &'a ClientError,
    },
    /// An import job exists for a group of parts.
    JobCreated {
        /// Its task.
        task: Task,
        /// Its id.
        job_id: &'a str,
        /// Its file count.
        files: usize,
        /// Whether it was found on the server (created before a crash or a lost answer).
        adopted: bool,
    },
    /// An import job ended (or, for `--dry-run`, would be polled).
    JobFinished(&'a JobSummary),
    /// A job could not be created or followed.
    JobFailed(&'a JobFailure),
}

/// Hears [`Event`]s. `()` hears nothing.
pub trait Reporter: Send + Sync {
    /// One event.
    fn event(&self, event: &Event<'_>);
}

impl Reporter for () {
    fn event(&self, _event: &Event<'_>) {}
}
