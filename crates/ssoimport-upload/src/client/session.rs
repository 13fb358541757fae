//! Parts in, import jobs out: the upload of a run's parts, their grouping into jobs, and the jobs' outcomes,
//! resumable through the journal.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime};

use md5::{Digest, Md5};
use ssoimport_schema::{LoadType, Task};
use tokio::sync::mpsc;
use tokio::task::JoinSet;

use super::api::{Api, JobError, JobRequest};
use super::auth::Credentials;
use super::endpoints::Endpoints;
use super::journal::{Journal, Step};
use super::names::file_name;
use super::{ClientError, Event, Reporter};
use crate::{Manifest, PartInfo};

/// Most SaaS data files one import job takes.
pub const MAX_FILES_PER_JOB: usize = 10;

/// How far back (before the journal's first note of a job's files) a job left by a crash is looked for, to allow
/// for the difference between this machine's clock and the server's.
const ADOPTION_MARGIN: Duration = Duration::from_secs(15 * 60);

/// Refuses a full load of more parts than one job takes.
pub fn check_part_count(task: Task, load_type: LoadType, parts: usize) -> Result<(), ClientError> {
    if load_type == LoadType::Full && parts > MAX_FILES_PER_JOB {
        return Err(ClientError::TooManyParts { task, parts });
    }
    Ok(())
}

/// What a session does besides the network.
#[derive(Debug, Clone)]
pub struct UploadSettings {
    /// The output directory (part paths are relative to it).
    pub out_dir: PathBuf,
    /// The managed app of each task's jobs.
    pub apps: BTreeMap<Task, String>,
    /// Load types that differ from each task's default.
    pub load_types: BTreeMap<Task, LoadType>,
    /// Parts uploaded at once (at least 1).
    pub parallel: usize,
    /// Wait before the first poll of a job; each later wait is half as long again, up to `max_poll_interval`.
    pub poll_interval: Duration,
    /// Longest wait between two polls.
    pub max_poll_interval: Duration,
}

impl UploadSettings {
    /// Defaults: no apps yet, default load types, 4 parts at once, polls from 2 s up to 30 s apart.
    pub fn new(out_dir: impl AsRef<Path>) -> Self {
        UploadSettings {
            out_dir: out_dir.as_ref().to_path_buf(),
            apps: BTreeMap::new(),
            load_types: BTreeMap::new(),
            parallel: 4,
            poll_interval: Duration::from_secs(2),
            max_poll_interval: Duration::from_secs(30),
        }
    }

    /// The same managed app for every task.
    pub fn app_for_all(mut self, app: &str) -> Self {
        for task in Task::ALL {
            self.apps.insert(task, app.to_string());
        }
        self
    }

    /// The load type of `task`'s jobs.
    pub fn load_type(&self, task: Task) -> LoadType {
        self.load_types
            .get(&task)
            .copied()
            .unwrap_or_else(|| task.default_load_type())
    }
}

/// A request `--dry-run` would send, secrets redacted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestPreview {
    /// The method.
    pub method: String,
    /// The URL (placeholders in angle brackets for ids not known yet).
    pub url: String,
    /// The headers.
    pub headers: Vec<(String, String)>,
    /// The body, or a description of it.
    pub body: Option<String>,
    /// A note on when or how often it is sent.
    pub note: Option<String>,
}

impl fmt::Display for RequestPreview {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method, self.url)?;
        if let Some(note) = &self.note {
            write!(f, "    # {note}")?;
        }
        for (name, value) in &self.headers {
            write!(f, "\n  {name}: {value}")?;
        }
        if let Some(body) = &self.body {
            write!(f, "\n  {body}")?;
        }
        Ok(())
    }
}

/// What `--dry-run` needs to describe requests.
#[derive(Debug, Clone)]
pub struct DryRun {
    /// Where the requests would go.
    pub endpoints: Endpoints,
    /// The org.
    pub org: u64,
    /// The credentials, if any were found (only their kind is shown).
    pub credentials: Option<Credentials>,
}

/// Where requests go: the API, or (for `--dry-run`) a printout.
pub enum Backend {
    /// Send them.
    Live(Arc<Api>),
    /// Describe them.
    DryRun(DryRun),
}

/// How a part got into its SaaS data object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartOutcome {
    /// Created and uploaded now (or, for `--dry-run`, would be).
    Uploaded,
    /// The journal says it was uploaded before.
    AlreadyUploaded,
    /// The server already held it (an earlier attempt's answer was lost): taken over without uploading again.
    Recovered,
}

/// A part that could not be uploaded.
#[derive(Debug, Clone)]
pub struct PartFailure {
    /// Its task.
    pub task: Task,
    /// Its index.
    pub index: usize,
    /// Its SaaS data name.
    pub file_name: String,
    /// Why.
    pub error: ClientError,
}

/// A group of parts that got no job, or a job whose outcome could not be learnt.
#[derive(Debug, Clone)]
pub struct JobFailure {
    /// The task.
    pub task: Task,
    /// The parts of the group (indexes, first and last).
    pub parts: (usize, usize),
    /// The job, if it was created.
    pub job_id: Option<String>,
    /// Why.
    pub reason: String,
}

/// An import job and how it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobSummary {
    /// The task.
    pub task: Task,
    /// The job's id (empty for `--dry-run`).
    pub job_id: String,
    /// `completed`, `failed`, or `dry-run`.
    pub status: String,
    /// The load type.
    pub load_type: String,
    /// The parts it holds (indexes, first and last).
    pub parts: (usize, usize),
    /// Its file count.
    pub files: usize,
    /// Rows over its files.
    pub rows: u64,
    /// Its `errors[]`.
    pub errors: Vec<JobError>,
    /// Whether it was found on the server rather than created by this run.
    pub adopted: bool,
    /// Whether its outcome came from the journal (a previous run saw it end).
    pub from_journal: bool,
}

impl JobSummary {
    /// Whether the job completed.
    pub fn completed(&self) -> bool {
        self.status == "completed"
    }
}

/// What a session did.
#[derive(Debug, Clone, Default)]
pub struct UploadReport {
    /// Parts uploaded by this run.
    pub uploaded: usize,
    /// Parts the journal said were uploaded already.
    pub already_uploaded: usize,
    /// Parts the server already held (taken over).
    pub recovered: usize,
    /// Parts that could not be uploaded.
    pub part_failures: Vec<PartFailure>,
    /// Jobs that ended (or, for `--dry-run`, would be created), in the order they ended.
    pub jobs: Vec<JobSummary>,
    /// Groups without a job, or jobs without an outcome.
    pub job_failures: Vec<JobFailure>,
    /// Tasks not sent at all, and why.
    pub refused: Vec<(Task, ClientError)>,
    /// An error that stopped everything (refused credentials, an unwritable journal).
    pub fatal: Option<ClientError>,
    /// Whether the session was cancelled.
    pub interrupted: bool,
}

impl UploadReport {
    /// Whether everything was uploaded and every job completed.
    pub fn succeeded(&self) -> bool {
        self.part_failures.is_empty()
            && self.job_failures.is_empty()
            && self.refused.is_empty()
            && self.fatal.is_none()
            && !self.interrupted
            && self.jobs.iter().all(|j| j.completed() || j.status == "dry-run")
    }
}

/// What a session is told.
enum Input {
    Part { task: Task, part: PartInfo },
    TaskDone { task: Task, parts: usize },
    Abandon { task: Task, reason: String },
}

/// Feeds a session its parts: in order per task, as they are sealed. Dropping it tells the session that no more
/// parts come; a task whose [`SessionFeed::task_done`] never came then gets jobs only for its full groups of
/// incremental parts.
#[derive(Debug, Clone)]
pub struct SessionFeed {
    tx: mpsc::UnboundedSender<Input>,
}

impl fmt::Debug for Input {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Input::Part { task, part } => write!(f, "Part({task}, {})", part.path),
            Input::TaskDone { task, parts } => write!(f, "TaskDone({task}, {parts})"),
            Input::Abandon { task, .. } => write!(f, "Abandon({task})"),
        }
    }
}

impl SessionFeed {
    /// The next part of `task` (parts of a task come in their order).
    pub fn part(&self, task: Task, part: &PartInfo) {
        let _ = self.tx.send(Input::Part {
            task,
            part: part.clone(),
        });
    }

    /// `task` has `parts` parts in all (all of them fed already).
    pub fn task_done(&self, task: Task, parts: usize) {
        let _ = self.tx.send(Input::TaskDone { task, parts });
    }

    /// Sends no job for `task` (its parts are incomplete, say, because an input could not be read).
    pub fn abandon(&self, task: Task, reason: impl Into<String>) {
        let _ = self.tx.send(Input::Abandon {
            task,
            reason: reason.into(),
        });
    }

    /// Feeds every part of a manifest and marks its tasks done.
    pub fn manifest(&self, manifest: &Manifest) -> Result<(), ClientError> {
        for output in &manifest.tasks {
            let task: Task = output
                .task
                .parse()
                .map_err(|e: ssoimport_schema::UnknownTask| ClientError::Config(e.to_string()))?;
            for part in &output.parts {
                self.part(task, part);
            }
            self.task_done(task, output.parts.len());
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SlotState {
    Queued,
    Running,
    Uploaded,
    Failed,
}

struct Slot {
    part: PartInfo,
    file_name: String,
    state: SlotState,
}

struct TaskState {
    load_type: LoadType,
    app: Option<String>,
    slots: Vec<Slot>,
    total: Option<usize>,
    refused: bool,
    groups_started: BTreeSet<usize>,
}

impl TaskState {
    /// The index range of group `g`, and whether the group is whole (no more parts can join it).
    fn group(&self, g: usize) -> (std::ops::Range<usize>, bool) {
        let n = self.slots.len();
        match self.load_type {
            LoadType::Full => (0..n, self.total == Some(n)),
            LoadType::Incremental => {
                let start = g * MAX_FILES_PER_JOB;
                let end = (start + MAX_FILES_PER_JOB).min(n);
                (
                    start..end,
                    end - start == MAX_FILES_PER_JOB || self.total == Some(n),
                )
            }
        }
    }

    fn group_count(&self) -> usize {
        match self.load_type {
            LoadType::Full => usize::from(!self.slots.is_empty()),
            LoadType::Incremental => self.slots.len().div_ceil(MAX_FILES_PER_JOB),
        }
    }
}

/// What the spawned steps share.
struct Shared {
    backend: Backend,
    journal: Mutex<Journal>,
    settings: UploadSettings,
    reporter: Arc<dyn Reporter>,
}

impl Shared {
    fn journal(&self) -> MutexGuard<'_, Journal> {
        self.journal.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn record(&self, step: Step) -> Result<(), ClientError> {
        self.journal().record(step)
    }

    fn preview(&self, preview: RequestPreview) {
        self.reporter.event(&Event::WouldSend(&preview));
    }
}

enum Done {
    Part {
        task: Task,
        index: usize,
        result: Result<PartOutcome, ClientError>,
    },
    Job {
        task: Task,
        parts: (usize, usize),
        result: Result<JobSummary, (Option<String>, ClientError)>,
    },
}

/// Uploads parts and runs their import jobs; see the [module docs](super).
pub struct UploadSession {
    shared: Arc<Shared>,
    rx: mpsc::UnboundedReceiver<Input>,
    tasks: BTreeMap<Task, TaskState>,
    queue: VecDeque<(Task, usize)>,
    running: JoinSet<Done>,
    parts_running: usize,
    report: UploadReport,
}

impl UploadSession {
    /// A session and the feed that gives it parts. Nothing happens until [`UploadSession::run`].
    pub fn new(
        backend: Backend,
        journal: Journal,
        mut settings: UploadSettings,
        reporter: Arc<dyn Reporter>,
    ) -> (UploadSession, SessionFeed) {
        if matches!(backend, Backend::DryRun(_)) {
            // One at a time, so that the printout reads in order.
            settings.parallel = 1;
        }
        settings.parallel = settings.parallel.max(1);
        let (tx, rx) = mpsc::unbounded_channel();
        let session = UploadSession {
            shared: Arc::new(Shared {
                backend,
                journal: Mutex::new(journal),
                settings,
                reporter,
            }),
            rx,
            tasks: BTreeMap::new(),
            queue: VecDeque::new(),
            running: JoinSet::new(),
            parts_running: 0,
            report: UploadReport::default(),
        };
        (session, SessionFeed { tx })
    }

    /// Runs until every part fed is uploaded and every job it allows has ended, the feed being dropped; or until
    /// `cancel` completes (steps in flight are dropped: the journal stays consistent, and a rerun goes on).
    pub async fn run(mut self, cancel: impl Future<Output = ()>) -> UploadReport {
        if let Backend::DryRun(dry) = &self.shared.backend {
            let body = match &dry.credentials {
                Some(c) => c.form(true),
                None => "grant_type=refresh_token&refresh_token=<redacted>   (or client_credentials; no \
                         credentials are set)"
                    .to_string(),
            };
            self.shared.preview(RequestPreview {
                method: "POST".into(),
                url: dry.endpoints.token_url().to_string(),
                headers: vec![("Content-Type".into(), "application/x-www-form-urlencoded".into())],
                body: Some(body),
                note: Some("an access token, renewed before it expires".into()),
            });
        }
        tokio::pin!(cancel);
        let mut open = true;
        loop {
            self.start_parts();
            if !open && self.running.is_empty() && self.queue.is_empty() {
                break;
            }
            tokio::select! {
                biased;
                () = &mut cancel => {
                    self.report.interrupted = true;
                    self.running.abort_all();
                    break;
                }
                input = self.rx.recv(), if open => match input {
                    Some(input) => self.accept(input),
                    None => open = false,
                },
                Some(done) = self.running.join_next(), if !self.running.is_empty() => match done {
                    Ok(done) => self.complete(done),
                    Err(e) if e.is_cancelled() => {}
                    Err(e) => self.report.fatal = Some(ClientError::Protocol(format!("an upload step panicked: {e}"))),
                },
            }
            if self.report.fatal.is_some() {
                self.running.abort_all();
                break;
            }
        }
        while self.running.join_next().await.is_some() {}
        self.leftovers();
        self.report
    }

    fn accept(&mut self, input: Input) {
        match input {
            Input::Part { task, part } => {
                let settings = &self.shared.settings;
                let state = self.tasks.entry(task).or_insert_with(|| TaskState {
                    load_type: settings.load_type(task),
                    app: settings.apps.get(&task).cloned(),
                    slots: Vec::new(),
                    total: None,
                    refused: false,
                    groups_started: BTreeSet::new(),
                });
                if state.refused {
                    return;
                }
                let index = state.slots.len();
                let name = file_name(task.name(), index, &part.md5);
                state.slots.push(Slot {
                    part,
                    file_name: name,
                    state: SlotState::Queued,
                });
                if state.app.is_none() {
                    self.refuse(
                        task,
                        ClientError::Config(format!(
                            "no managed app for {task}: give --app ID, or --app-for {}=ID",
                            task.short_name()
                        )),
                    );
                    return;
                }
                if let Err(e) = check_part_count(task, state.load_type, index + 1) {
                    self.refuse(task, e);
                    return;
                }
                self.queue.push_back((task, index));
                self.shared.reporter.event(&Event::PartQueued { task, index });
            }
            Input::TaskDone { task, parts } => {
                let Some(state) = self.tasks.get_mut(&task) else {
                    return;
                };
                state.total = Some(parts);
                if state.refused {
                    return;
                }
                let load_type = state.load_type;
                if let Err(e) = check_part_count(task, load_type, parts) {
                    self.refuse(task, e);
                    return;
                }
                self.start_jobs(task);
            }
            Input::Abandon { task, reason } => {
                if self.tasks.contains_key(&task) {
                    self.refuse(task, ClientError::Config(reason));
                }
            }
        }
    }

    fn refuse(&mut self, task: Task, error: ClientError) {
        if let Some(state) = self.tasks.get_mut(&task) {
            if state.refused {
                return;
            }
            state.refused = true;
        }
        self.shared
            .reporter
            .event(&Event::TaskRefused { task, error: &error });
        self.report.refused.push((task, error));
    }

    fn start_parts(&mut self) {
        while self.parts_running < self.shared.settings.parallel {
            let Some((task, index)) = self.queue.pop_front() else {
                return;
            };
            let Some(state) = self.tasks.get_mut(&task) else {
                continue;
            };
            if state.refused {
                continue;
            }
            let slot = &mut state.slots[index];
            slot.state = SlotState::Running;
            let part = slot.part.clone();
            let name = slot.file_name.clone();
            let shared = self.shared.clone();
            self.parts_running += 1;
            self.running.spawn(async move {
                let result = part_step(&shared, task, index, &part, &name).await;
                Done::Part { task, index, result }
            });
        }
    }

    fn complete(&mut self, done: Done) {
        match done {
            Done::Part { task, index, result } => {
                self.parts_running -= 1;
                let Some(state) = self.tasks.get_mut(&task) else {
                    return;
                };
                let slot = &mut state.slots[index];
                match result {
                    Ok(outcome) => {
                        slot.state = SlotState::Uploaded;
                        match outcome {
                            PartOutcome::Uploaded => self.report.uploaded += 1,
                            PartOutcome::AlreadyUploaded => self.report.already_uploaded += 1,
                            PartOutcome::Recovered => self.report.recovered += 1,
                        }
                        self.shared.reporter.event(&Event::PartDone {
                            task,
                            index,
                            file_name: &slot.file_name,
                            outcome,
                            bytes: slot.part.bytes,
                        });
                        self.start_jobs(task);
                    }
                    Err(error) => {
                        slot.state = SlotState::Failed;
                        self.shared.reporter.event(&Event::PartFailed {
                            task,
                            index,
                            file_name: &slot.file_name,
                            error: &error,
                        });
                        if error.is_fatal() || error.is_retryable() {
                            // No token, no journal, or a service that kept failing through every retry: the
                            // other parts would fare no better. Stop; a rerun goes on from the journal.
                            self.report.fatal = Some(error.clone());
                        }
                        self.report.part_failures.push(PartFailure {
                            task,
                            index,
                            file_name: slot.file_name.clone(),
                            error,
                        });
                    }
                }
            }
            Done::Job { task, parts, result } => match result {
                Ok(summary) => {
                    self.shared.reporter.event(&Event::JobFinished(&summary));
                    self.report.jobs.push(summary);
                }
                Err((job_id, error)) => {
                    if error.is_fatal() || error.is_retryable() {
                        self.report.fatal = Some(error.clone());
                    }
                    let failure = JobFailure {
                        task,
                        parts,
                        job_id,
                        reason: error.to_string(),
                    };
                    self.shared.reporter.event(&Event::JobFailed(&failure));
                    self.report.job_failures.push(failure);
                }
            },
        }
    }

    /// Starts the job of every group of `task` whose parts are all uploaded and that no part can join any more.
    fn start_jobs(&mut self, task: Task) {
        let Some(state) = self.tasks.get_mut(&task) else {
            return;
        };
        if state.refused {
            return;
        }
        let Some(app) = state.app.clone() else {
            return;
        };
        for g in 0..state.group_count() {
            if state.groups_started.contains(&g) {
                continue;
            }
            let (range, whole) = state.group(g);
            if !whole || range.is_empty() {
                continue;
            }
            if !state.slots[range.clone()]
                .iter()
                .all(|s| s.state == SlotState::Uploaded)
            {
                continue;
            }
            state.groups_started.insert(g);
            let slots = &state.slots[range.clone()];
            let request = JobRequest {
                managed_app_id: app.clone(),
                task_name: task.name().to_string(),
                load_type: state.load_type.as_str().to_string(),
                file_names: slots.iter().map(|s| s.file_name.clone()).collect(),
            };
            let rows = slots.iter().map(|s| s.part.rows).sum();
            let parts = (range.start, range.end - 1);
            let shared = self.shared.clone();
            self.running.spawn(async move {
                let result = job_step(&shared, task, request, rows, parts).await;
                Done::Job { task, parts, result }
            });
        }
    }

    /// Notes the groups that got no job.
    fn leftovers(&mut self) {
        if self.report.interrupted || self.report.fatal.is_some() {
            return;
        }
        for (&task, state) in &self.tasks {
            if state.refused {
                continue;
            }
            for g in 0..state.group_count() {
                if state.groups_started.contains(&g) {
                    continue;
                }
                let (range, whole) = state.group(g);
                if range.is_empty() {
                    continue;
                }
                let failed: Vec<String> = state.slots[range.clone()]
                    .iter()
                    .enumerate()
                    .filter(|(_, s)| s.state == SlotState::Failed)
                    .map(|(i, _)| (range.start + i).to_string())
                    .collect();
                let reason = if !failed.is_empty() {
                    format!(
                        "no import job: part{} {} could not be uploaded (rerun the same command to try again)",
                        if failed.len() == 1 { "" } else { "s" },
                        failed.join(", ")
                    )
                } else if !whole {
                    "no import job: the conversion did not finish, so the task's parts are not all known (rerun \
                     the same command)"
                        .to_string()
                } else {
                    "no import job: its parts were not all uploaded".to_string()
                };
                let failure = JobFailure {
                    task,
                    parts: (range.start, range.end - 1),
                    job_id: None,
                    reason,
                };
                self.shared.reporter.event(&Event::JobFailed(&failure));
                self.report.job_failures.push(failure);
            }
        }
    }
}

/// Reads a part and checks it against the manifest.
fn read_part(out_dir: &Path, part: &PartInfo) -> Result<Vec<u8>, ClientError> {
    let path = out_dir.join(&part.path);
    let bytes = std::fs::read(&path).map_err(|e| ClientError::Part {
        path: path.display().to_string(),
        detail: format!("{e} (was the directory written by `ssoimport convert`?)"),
    })?;
    let md5: String = Md5::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
    if md5 != part.md5 || bytes.len() as u64 != part.bytes {
        return Err(ClientError::Part {
            path: path.display().to_string(),
            detail: format!(
                "it changed since the manifest was written (MD5 {md5}, manifest {}): convert again",
                part.md5
            ),
        });
    }
    Ok(bytes)
}

async fn part_step(
    shared: &Shared,
    task: Task,
    index: usize,
    part: &PartInfo,
    name: &str,
) -> Result<PartOutcome, ClientError> {
    let known = shared.journal().object(name).cloned().unwrap_or_default();
    if known.uploaded_md5.as_deref() == Some(part.md5.as_str()) {
        return Ok(PartOutcome::AlreadyUploaded);
    }
    let bytes = read_part(&shared.settings.out_dir, part)?;
    let api = match &shared.backend {
        Backend::Live(api) => api,
        Backend::DryRun(dry) => {
            let auth = ("Authorization".to_string(), "Bearer <redacted>".to_string());
            let id = match &known.id {
                Some(id) => id.clone(),
                None => {
                    shared.preview(RequestPreview {
                        method: "POST".into(),
                        url: dry.endpoints.org_url(dry.org, "saas-data"),
                        headers: vec![auth.clone(), ("Content-Type".into(), "application/json".into())],
                        body: Some(serde_json::json!({ "fileName": name }).to_string()),
                        note: Some(format!("{task} part {index}")),
                    });
                    "<id from Location>".to_string()
                }
            };
            shared.preview(RequestPreview {
                method: "PATCH".into(),
                url: dry.endpoints.org_url(dry.org, &format!("saas-data/{id}")),
                headers: vec![
                    auth,
                    ("Content-Type".into(), "application/json".into()),
                    ("Content-Encoding".into(), "gzip".into()),
                    ("Checksum".into(), part.md5.clone()),
                ],
                body: Some(format!(
                    "<{} bytes of {}, {} rows>",
                    bytes.len(),
                    part.path,
                    part.rows
                )),
                note: None,
            });
            return Ok(PartOutcome::Uploaded);
        }
    };
    let (id, outcome) = match known.id {
        Some(id) => (id, None),
        None => create_or_find(shared, api, name, &part.md5).await?,
    };
    if let Some(outcome) = outcome {
        return Ok(outcome);
    }
    match api.upload_saas_data(&id, bytes, &part.md5).await {
        Ok(()) => {
            shared.record(Step::Uploaded {
                file_name: name.to_string(),
                id,
                md5: part.md5.clone(),
            })?;
            Ok(PartOutcome::Uploaded)
        }
        Err(e) if e.status() == Some(423) => {
            // Locked: it holds data already, most likely ours from an attempt whose answer was lost.
            let object = api.show_saas_data(&id).await?;
            if object.checksum.as_deref() == Some(part.md5.as_str()) {
                shared.record(Step::Uploaded {
                    file_name: name.to_string(),
                    id,
                    md5: part.md5.clone(),
                })?;
                Ok(PartOutcome::Recovered)
            } else {
                Err(ClientError::Protocol(format!(
                    "SaaS data object {name} ({id}) already holds other data (MD5 {}, this part {})",
                    object.checksum.as_deref().unwrap_or("unknown"),
                    part.md5
                )))
            }
        }
        Err(ClientError::Api {
            method,
            path,
            status: Some(413),
            name: error_name,
            message,
            retryable,
        }) => Err(ClientError::Api {
            method,
            path,
            status: Some(413),
            name: error_name,
            message: format!(
                "{message} (convert with a smaller --max-part-bytes, or send to a host without the size cap)"
            ),
            retryable,
        }),
        Err(e) => Err(e),
    }
}

/// Creates the SaaS data object `name`; if the name is taken, finds the object. Returns its id, and an outcome
/// when the object already holds this part.
async fn create_or_find(
    shared: &Shared,
    api: &Api,
    name: &str,
    md5: &str,
) -> Result<(String, Option<PartOutcome>), ClientError> {
    match api.create_saas_data(name).await {
        Ok(id) => {
            shared.record(Step::Created {
                file_name: name.to_string(),
                id: id.clone(),
            })?;
            Ok((id, None))
        }
        Err(e) if e.is_duplicate() => {
            let Some(object) = api.find_saas_data(name).await? else {
                return Err(ClientError::Protocol(format!(
                    "the API says a SaaS data object named {name} exists, but does not list it: {e}"
                )));
            };
            shared.record(Step::Created {
                file_name: name.to_string(),
                id: object.id.clone(),
            })?;
            if object.status != "uploaded" {
                return Ok((object.id, None));
            }
            if object.checksum.as_deref() == Some(md5) {
                shared.record(Step::Uploaded {
                    file_name: name.to_string(),
                    id: object.id.clone(),
                    md5: md5.to_string(),
                })?;
                return Ok((object.id, Some(PartOutcome::Recovered)));
            }
            Err(ClientError::Protocol(format!(
                "a SaaS data object named {name} already holds other data (MD5 {}, this part {md5})",
                object.checksum.as_deref().unwrap_or("unknown")
            )))
        }
        Err(e) => Err(e),
    }
}

async fn job_step(
    shared: &Shared,
    task: Task,
    request: JobRequest,
    rows: u64,
    parts: (usize, usize),
) -> Result<JobSummary, (Option<String>, ClientError)> {
    let summary =
        |job_id: &str, status: &str, errors: Vec<JobError>, adopted: bool, from_journal: bool| JobSummary {
            task,
            job_id: job_id.to_string(),
            status: status.to_string(),
            load_type: request.load_type.clone(),
            parts,
            files: request.file_names.len(),
            rows,
            errors,
            adopted,
            from_journal,
        };
    let known = shared.journal().job(&request).cloned().unwrap_or_default();
    let api = match &shared.backend {
        Backend::Live(api) => api,
        Backend::DryRun(dry) => {
            let auth = ("Authorization".to_string(), "Bearer <redacted>".to_string());
            let job_id = match &known.job_id {
                Some(id) => {
                    if let Some((status, errors)) = shared.journal().finished(id).cloned() {
                        return Ok(summary(id, &status, errors, false, true));
                    }
                    id.clone()
                }
                None => {
                    shared.preview(RequestPreview {
                        method: "GET".into(),
                        url: format!(
                            "{}?filter=sourceHref eq '{}' and createdAt ge '…'",
                            dry.endpoints.org_url(dry.org, "import-jobs"),
                            request.source_href(dry.org)
                        ),
                        headers: vec![auth.clone()],
                        body: None,
                        note: Some("a job left by an earlier run for these files is taken over".into()),
                    });
                    shared.preview(RequestPreview {
                        method: "POST".into(),
                        url: dry.endpoints.org_url(dry.org, "import-jobs"),
                        headers: vec![auth.clone(), ("Content-Type".into(), "application/json".into())],
                        body: Some(request.to_json().to_string()),
                        note: Some(if parts.0 == parts.1 {
                            format!("{task} part {}", parts.0)
                        } else {
                            format!("{task} parts {}-{}", parts.0, parts.1)
                        }),
                    });
                    "<id from Location>".to_string()
                }
            };
            shared.preview(RequestPreview {
                method: "GET".into(),
                url: dry.endpoints.org_url(dry.org, &format!("import-jobs/{job_id}")),
                headers: vec![auth],
                body: None,
                note: Some("polled until completed or failed".into()),
            });
            return Ok(summary("", "dry-run", Vec::new(), false, false));
        }
    };
    let (job_id, adopted) = match known.job_id.clone() {
        Some(id) => (id, false),
        None => create_or_adopt(shared, api, &request, known.requested_at)
            .await
            .map_err(|e| (None, e))?,
    };
    if let Some((status, errors)) = shared.journal().finished(&job_id).cloned() {
        return Ok(summary(&job_id, &status, errors, adopted, true));
    }
    let mut wait = shared.settings.poll_interval;
    loop {
        tokio::time::sleep(wait).await;
        let job = api
            .show_import_job(&job_id)
            .await
            .map_err(|e| (Some(job_id.clone()), e))?;
        if job.is_finished() {
            shared
                .record(Step::JobFinished {
                    job_id: job_id.clone(),
                    status: job.status.clone(),
                    errors: job.errors.clone(),
                })
                .map_err(|e| (Some(job_id.clone()), e))?;
            return Ok(summary(&job_id, &job.status, job.errors, adopted, false));
        }
        wait = wait.mul_f64(1.5).min(shared.settings.max_poll_interval.max(wait));
    }
}

/// Creates the job for `request`'s files, unless one exists already: before each `POST` (the first included,
/// since the journal may have lost the answer of an earlier run's), it lists the app's jobs created since the
/// journal first heard of these files and takes over one that names exactly them. The job's id, and whether it
/// was taken over.
async fn create_or_adopt(
    shared: &Shared,
    api: &Api,
    request: &JobRequest,
    requested_at: Option<SystemTime>,
) -> Result<(String, bool), ClientError> {
    let first_seen = {
        let journal = shared.journal();
        request
            .file_names
            .iter()
            .filter_map(|n| journal.object(n).and_then(|o| o.first_seen))
            .chain(requested_at)
            .min()
    };
    let since = first_seen.and_then(|t| t.checked_sub(ADOPTION_MARGIN));
    let policy = *api.retry_policy();
    let mut attempt = 0;
    loop {
        attempt += 1;
        if let Some(job) = api.find_import_job(request, since).await? {
            shared.record(Step::JobCreated {
                job: request.clone(),
                job_id: job.id.clone(),
                adopted: true,
            })?;
            shared.reporter.event(&Event::JobCreated {
                task: task_of(request),
                job_id: &job.id,
                files: request.file_names.len(),
                adopted: true,
            });
            return Ok((job.id, true));
        }
        if shared
            .journal()
            .job(request)
            .is_none_or(|s| s.requested_at.is_none())
        {
            shared.record(Step::JobRequested { job: request.clone() })?;
        }
        match api.create_import_job(request).await {
            Ok(id) => {
                shared.record(Step::JobCreated {
                    job: request.clone(),
                    job_id: id.clone(),
                    adopted: false,
                })?;
                shared.reporter.event(&Event::JobCreated {
                    task: task_of(request),
                    job_id: &id,
                    files: request.file_names.len(),
                    adopted: false,
                });
                return Ok((id, false));
            }
            Err(e) if e.is_retryable() && attempt < policy.max_attempts => {
                // The job may exist anyway (an answer lost on the way back): look again before resending.
                let wait = policy.backoff(attempt, api.jitter());
                let path = format!("/saas/v1/orgs/{}/import-jobs", api.org());
                shared.reporter.event(&Event::Retrying {
                    method: "POST",
                    path: &path,
                    reason: &e.to_string(),
                    attempt,
                    max_attempts: policy.max_attempts,
                    wait,
                });
                tokio::time::sleep(wait).await;
            }
            Err(e) => return Err(e),
        }
    }
}

fn task_of(request: &JobRequest) -> Task {
    request.task_name.parse().unwrap_or(Task::SsoApplicationUsage)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(load_type: LoadType, n: usize, total: Option<usize>) -> TaskState {
        TaskState {
            load_type,
            app: Some("1".into()),
            slots: (0..n)
                .map(|i| Slot {
                    part: PartInfo {
                        path: format!("T/part-{i:05}.jsonl.gz"),
                        rows: 1,
                        bytes: 1,
                        md5: format!("{i:032x}"),
                    },
                    file_name: format!("f{i}"),
                    state: SlotState::Uploaded,
                })
                .collect(),
            total,
            refused: false,
            groups_started: BTreeSet::new(),
        }
    }

    #[test]
    fn incremental_parts_group_by_ten_in_order() {
        let s = state(LoadType::Incremental, 23, None);
        assert_eq!(s.group_count(), 3);
        assert_eq!(s.group(0), (0..10, true));
        assert_eq!(s.group(1), (10..20, true));
        assert_eq!(s.group(2), (20..23, false), "the last group may still grow");
        let s = state(LoadType::Incremental, 23, Some(23));
        assert_eq!(s.group(2), (20..23, true));
        let s = state(LoadType::Incremental, 20, Some(20));
        assert_eq!(s.group_count(), 2);
    }

    #[test]
    fn a_full_load_is_one_group_once_its_count_is_known() {
        let s = state(LoadType::Full, 7, None);
        assert_eq!(s.group_count(), 1);
        assert_eq!(s.group(0), (0..7, false));
        let s = state(LoadType::Full, 7, Some(7));
        assert_eq!(s.group(0), (0..7, true));
        assert!(check_part_count(Task::SsoApplicationRoster, LoadType::Full, 10).is_ok());
        assert!(check_part_count(Task::SsoApplicationRoster, LoadType::Incremental, 11).is_ok());
        let e = check_part_count(Task::SsoApplicationRoster, LoadType::Full, 11).unwrap_err();
        let text = e.to_string();
        for needle in [
            "at most 10",
            "fewer rows",
            "--max-part-bytes",
            "beta.api.flexera.com",
            "--roster-load incremental",
        ] {
            assert!(text.contains(needle), "{needle} in {text}");
        }
        assert!(e.is_usage());
        let e = check_part_count(Task::ApplicationDiscovery, LoadType::Full, 12).unwrap_err();
        assert!(!e.to_string().contains("--roster-load"));
    }

    #[test]
    fn previews_redact_and_read_well() {
        let p = RequestPreview {
            method: "PATCH".into(),
            url: "https://api.flexera.com/saas/v1/orgs/1/saas-data/<id>".into(),
            headers: vec![("Authorization".into(), "Bearer <redacted>".into())],
            body: Some("<10 bytes>".into()),
            note: Some("n".into()),
        };
        assert_eq!(
            p.to_string(),
            "PATCH https://api.flexera.com/saas/v1/orgs/1/saas-data/<id>    # n\n  Authorization: Bearer <redacted>\n  <10 bytes>"
        );
    }
}
