//! `ssoimport upload`, and the upload flags, reporting and exit codes that `run` shares.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use ssoimport::schema::{LoadType, Task};
use ssoimport_upload::Manifest;
use ssoimport_upload::client::{
    Api, ApiOptions, Backend, Credentials, DryRun, Endpoints, Event, JobSummary, Journal, PartOutcome,
    Region, Reporter, RetryPolicy, UploadReport, UploadSession, UploadSettings, check_part_count,
};

use crate::convert::chain;
use crate::exit;
use crate::summary::thousands;

/// The flags of `upload` and `run`: where, who, which app, and how hard to push.
#[derive(Args)]
pub(crate) struct UploadArgs {
    /// The Flexera One org id (a number, as in the Flexera One UI's URLs).
    #[arg(long, value_name = "ORG", value_parser = clap::value_parser!(u64).range(1..))]
    org: u64,

    /// The managed app (SaaS Management's id, lower-case hex) whose import jobs load every task.
    #[arg(long, value_name = "ID")]
    app: Option<String>,

    /// The managed app of one task, e.g. --app-for roster=1a2b (repeatable; tasks: usage, roster, discovery,
    /// or the Flexera task names). Overrides --app for that task.
    #[arg(long = "app-for", value_name = "TASK=ID")]
    app_for: Vec<String>,

    /// The Flexera One zone: api.flexera.com / login.flexera.com (us), .eu, or .au.
    #[arg(long, value_enum, default_value = "us", value_name = "ZONE")]
    region: ZoneArg,

    /// The API base URL instead of the zone's (e.g. https://beta.api.flexera.com, or the emulator's
    /// http://127.0.0.1:PORT). https, unless the host is loopback.
    #[arg(long, value_name = "URL")]
    endpoint: Option<String>,

    /// The token endpoint instead of the zone's login host (default for a non-Flexera --endpoint:
    /// {endpoint}/oidc/token).
    #[arg(long, value_name = "URL")]
    token_url: Option<String>,

    /// Read the refresh token from this file (mode 0600) instead of FLEXERA_REFRESH_TOKEN.
    #[arg(long, value_name = "FILE")]
    refresh_token_file: Option<PathBuf>,

    /// How SsoApplicationRoster jobs load: full (the roster replaces the previous one; at most 10 parts) or
    /// incremental (rows are upserted; any number of parts, 10 per job).
    #[arg(long, value_enum, default_value = "full", value_name = "LOAD")]
    roster_load: LoadArg,

    /// Parts uploaded at once.
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u64).range(1..=64))]
    parallel: u64,

    /// Most API requests per minute (Flexera allows 500 per user or service account).
    #[arg(long, value_name = "N", default_value_t = 400, value_parser = clap::value_parser!(u32).range(1..))]
    rate_limit: u32,

    /// Attempts per request before a transient failure (network, 5xx, 429) counts as failed.
    #[arg(long, value_name = "N", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=100))]
    max_attempts: u32,

    /// First retry delay in milliseconds (doubles on each retry, with jitter).
    #[arg(long, value_name = "MS", default_value_t = 200, hide = true)]
    retry_base_ms: u64,

    /// Seconds before the first poll of a job; later polls back off to 30 s apart.
    #[arg(long, value_name = "SECS", default_value_t = 2.0)]
    poll_interval: f64,

    /// Print the requests that would be sent (secrets redacted) and send nothing.
    #[arg(long)]
    dry_run: bool,

    /// Also report each part, job and retry on stderr.
    #[arg(long, short)]
    verbose: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum ZoneArg {
    /// North America (api.flexera.com).
    Us,
    /// Europe (api.flexera.eu).
    Eu,
    /// Asia-Pacific (api.flexera.au; no 10 MB cap).
    Au,
}

#[derive(Clone, Copy, ValueEnum)]
enum LoadArg {
    /// The file is the whole set; rows missing from it are deactivated.
    Full,
    /// The file holds changes; each row is upserted.
    Incremental,
}

#[derive(Args)]
#[command(after_help = "Credentials come from the environment, never from flags:
  FLEXERA_REFRESH_TOKEN                      a user's API refresh token, or
  FLEXERA_CLIENT_ID + FLEXERA_CLIENT_SECRET  a service account's client
  (or --refresh-token-file FILE, mode 0600)

Examples:
  export FLEXERA_REFRESH_TOKEN=...
  ssoimport upload out --org 1234 --app 5678
  ssoimport upload out --org 1234 --app 5678 --app-for discovery=9abc --region eu
  ssoimport upload out --org 1234 --app 5678 --dry-run
  ssoimport upload out --org 1 --app 1 --endpoint http://127.0.0.1:8080   (ssoimport emulator)

Each part becomes a SaaS data object named ssoimport-<task>-<md5>-<n>.jsonl.gz. The parts of
a task go, in order, into import jobs of at most 10 files: SsoApplicationUsage incremental,
SsoApplicationRoster and ApplicationDiscovery full (so at most 10 parts each). Every step is
recorded in DIR/upload-journal.jsonl: after a failure, a crash or Ctrl-C, run the same
command again; it sends only what is missing, and never a second job for the same parts.

Exit codes: 0 every job completed (errors inside completed jobs are data), 1 a part or a job
failed, 2 bad usage, missing credentials or input that cannot be sent, 130 interrupted.")]
pub(crate) struct UploadCommand {
    /// A directory written by `ssoimport convert` (with its manifest.json).
    #[arg(value_name = "DIR")]
    dir: PathBuf,

    #[command(flatten)]
    upload: UploadArgs,

    /// No progress bar or summary; only errors, on stderr.
    #[arg(long, short)]
    quiet: bool,
}

/// A failure with its exit code.
pub(crate) struct Failure {
    pub(crate) code: u8,
    pub(crate) error: anyhow::Error,
}

pub(crate) fn usage(error: impl Into<anyhow::Error>) -> Failure {
    Failure {
        code: exit::USAGE_OR_INPUT,
        error: error.into(),
    }
}

/// Prints a failure and gives its exit code.
pub(crate) fn report_failure(failure: Failure, command: &str, quiet: bool) -> u8 {
    eprintln!("error: {}", chain(&failure.error));
    if !quiet && failure.code == exit::USAGE_OR_INPUT {
        eprintln!("(see `ssoimport {command} --help`)");
    }
    failure.code
}

/// Everything the upload side needs, checked before anything is sent.
pub(crate) struct Prepared {
    pub(crate) endpoints: Endpoints,
    pub(crate) org: u64,
    pub(crate) credentials: Option<Credentials>,
    pub(crate) settings: UploadSettings,
    pub(crate) retry: RetryPolicy,
    pub(crate) rate_limit: u32,
    pub(crate) dry_run: bool,
    pub(crate) verbose: bool,
}

impl UploadArgs {
    /// Checks the flags and finds the credentials, for the tasks `tasks`.
    pub(crate) fn prepare(&self, out_dir: &Path, tasks: &[Task]) -> Result<Prepared, Failure> {
        let region = match self.region {
            ZoneArg::Us => Region::Us,
            ZoneArg::Eu => Region::Eu,
            ZoneArg::Au => Region::Au,
        };
        let endpoints =
            Endpoints::new(region, self.endpoint.as_deref(), self.token_url.as_deref()).map_err(usage)?;
        let credentials = match &self.refresh_token_file {
            Some(path) => Some(Credentials::from_refresh_token_file(path).map_err(usage)?),
            None => match Credentials::from_env() {
                Ok(c) => Some(c),
                Err(_) if self.dry_run => None,
                Err(e) => return Err(usage(e)),
            },
        };
        let mut settings = UploadSettings::new(out_dir);
        settings.apps = self.apps(tasks).map_err(usage)?;
        if matches!(self.roster_load, LoadArg::Incremental) {
            settings
                .load_types
                .insert(Task::SsoApplicationRoster, LoadType::Incremental);
        }
        settings.parallel = usize::try_from(self.parallel).unwrap_or(4);
        if !(self.poll_interval.is_finite() && self.poll_interval > 0.0 && self.poll_interval <= 3600.0) {
            return Err(usage(anyhow!(
                "--poll-interval {}: give seconds between 0 and 3600",
                self.poll_interval
            )));
        }
        settings.poll_interval = Duration::from_secs_f64(self.poll_interval);
        settings.max_poll_interval = settings.poll_interval.max(Duration::from_secs(30));
        let retry = RetryPolicy {
            max_attempts: self.max_attempts,
            base_delay: Duration::from_millis(self.retry_base_ms.max(1)),
            ..RetryPolicy::default()
        };
        Ok(Prepared {
            endpoints,
            org: self.org,
            credentials,
            settings,
            retry,
            rate_limit: self.rate_limit,
            dry_run: self.dry_run,
            verbose: self.verbose,
        })
    }

    /// The app of each task: --app-for, else --app.
    fn apps(&self, tasks: &[Task]) -> Result<BTreeMap<Task, String>> {
        let check = |flag: &str, id: &str| -> Result<String> {
            let id = id.trim();
            if id.is_empty() || !id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
                bail!(
                    "{flag} {id}: a managed app id is lower-case hex digits (the `id` of GET \
                     /saas/v1/orgs/{}/managed-apps)",
                    self.org
                );
            }
            Ok(id.to_string())
        };
        let mut per_task = BTreeMap::new();
        for entry in &self.app_for {
            let (task, id) = entry
                .split_once('=')
                .with_context(|| format!("--app-for {entry}: expected TASK=ID, e.g. roster=1a2b"))?;
            let task: Task = task.parse().with_context(|| format!("--app-for {entry}"))?;
            per_task.insert(task, check("--app-for", id)?);
        }
        let default = self.app.as_deref().map(|a| check("--app", a)).transpose()?;
        let mut apps = BTreeMap::new();
        for &task in tasks {
            match per_task.get(&task).or(default.as_ref()) {
                Some(app) => {
                    apps.insert(task, app.clone());
                }
                None => bail!(
                    "no managed app for {task}: give --app ID (for every task) or --app-for {}=ID",
                    task.short_name()
                ),
            }
        }
        Ok(apps)
    }
}

impl Prepared {
    /// The journal in `out_dir` (read-only for a dry run).
    pub(crate) fn journal(&self, out_dir: &Path) -> Result<Journal, Failure> {
        let journal = if self.dry_run {
            Journal::read_only(out_dir, self.endpoints.api_base(), self.org)
        } else {
            Journal::open(out_dir, self.endpoints.api_base(), self.org)
        };
        journal.map_err(|e| Failure {
            code: exit::FAILED,
            error: e.into(),
        })
    }

    /// Where requests go.
    pub(crate) fn backend(&self, reporter: Arc<dyn Reporter>) -> Result<Backend, Failure> {
        if self.dry_run {
            return Ok(Backend::DryRun(DryRun {
                endpoints: self.endpoints.clone(),
                org: self.org,
                credentials: self.credentials.clone(),
            }));
        }
        let credentials = self
            .credentials
            .clone()
            .ok_or_else(|| usage(anyhow!("no credentials")))?;
        let mut options = ApiOptions::new(self.endpoints.clone(), self.org, credentials);
        options.retry = self.retry;
        options.requests_per_minute = self.rate_limit;
        let api = Api::new(options, reporter).map_err(usage)?;
        Ok(Backend::Live(Arc::new(api)))
    }
}

/// Progress on stderr (when it is a terminal), job lines on stdout, errors on stderr.
pub(crate) struct CliReporter {
    pub(crate) bar: ProgressBar,
    quiet: bool,
    verbose: bool,
    retries: AtomicUsize,
    jobs_created: AtomicUsize,
    jobs_done: AtomicUsize,
}

impl CliReporter {
    pub(crate) fn new(quiet: bool, verbose: bool, dry_run: bool) -> Self {
        let target = if !quiet && !dry_run && std::io::stderr().is_terminal() {
            ProgressDrawTarget::stderr_with_hz(4)
        } else {
            ProgressDrawTarget::hidden()
        };
        let bar = ProgressBar::with_draw_target(Some(0), target).with_style(
            ProgressStyle::with_template("{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} parts {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        CliReporter {
            bar,
            quiet,
            verbose,
            retries: AtomicUsize::new(0),
            jobs_created: AtomicUsize::new(0),
            jobs_done: AtomicUsize::new(0),
        }
    }

    fn out(&self, text: &str) {
        self.bar.suspend(|| print_line(text));
    }

    fn err(&self, text: &str) {
        self.bar.suspend(|| eprintln!("{text}"));
    }

    fn jobs_message(&self) {
        self.bar.set_message(format!(
            "jobs {}/{} done",
            self.jobs_done.load(Ordering::Relaxed),
            self.jobs_created.load(Ordering::Relaxed)
        ));
    }

    pub(crate) fn retries(&self) -> usize {
        self.retries.load(Ordering::Relaxed)
    }
}

fn parts_text(parts: (usize, usize)) -> String {
    if parts.0 == parts.1 {
        format!("part {}", parts.0)
    } else {
        format!("parts {}-{}", parts.0, parts.1)
    }
}

/// The line of a job, and one line per entry of its `errors[]`.
pub(crate) fn job_lines(job: &JobSummary) -> Vec<String> {
    let id = if job.job_id.is_empty() {
        "(dry run)".to_string()
    } else {
        job.job_id.clone()
    };
    let mut how = String::new();
    if job.adopted {
        how.push_str(", found on the server");
    }
    if job.from_journal {
        how.push_str(", outcome from the journal");
    }
    let status = if job.status == "dry-run" {
        "would be created".to_string()
    } else {
        format!(
            "{}, {} error{}",
            job.status,
            job.errors.len(),
            if job.errors.len() == 1 { "" } else { "s" }
        )
    };
    let mut lines = vec![format!(
        "job {id} {} {} {} ({} file{}, {} rows{how}): {status}",
        job.task,
        job.load_type,
        parts_text(job.parts),
        job.files,
        if job.files == 1 { "" } else { "s" },
        thousands(job.rows),
    )];
    for e in &job.errors {
        let mut line = format!("  - {}", e.error);
        if let Some(s) = &e.summary {
            line.push_str(": ");
            line.push_str(s);
        }
        if let Some(r) = &e.potential_resolution {
            line.push_str(" (resolution: ");
            line.push_str(r);
            line.push(')');
        }
        lines.push(line);
    }
    lines
}

impl Reporter for CliReporter {
    fn event(&self, event: &Event<'_>) {
        match event {
            Event::WouldSend(request) => self.out(&request.to_string()),
            Event::Retrying {
                method,
                path,
                reason,
                attempt,
                max_attempts,
                wait,
            } => {
                self.retries.fetch_add(1, Ordering::Relaxed);
                if self.verbose {
                    self.err(&format!(
                        "retry: {method} {path}: {reason}; attempt {} of {max_attempts} in {:.1} s",
                        attempt + 1,
                        wait.as_secs_f64()
                    ));
                }
            }
            Event::TokenIssued { lifetime } if self.verbose => self.err(&format!(
                "token: new access token, valid for {:.0} s",
                lifetime.as_secs_f64()
            )),
            Event::PartQueued { .. } => self.bar.inc_length(1),
            Event::PartDone {
                task,
                index,
                file_name,
                outcome,
                bytes,
            } => {
                self.bar.inc(1);
                if self.verbose {
                    let how = match outcome {
                        PartOutcome::Uploaded => "uploaded",
                        PartOutcome::AlreadyUploaded => "already uploaded (journal)",
                        PartOutcome::Recovered => "already on the server",
                    };
                    self.err(&format!(
                        "part: {task} {index} as {file_name} ({bytes} bytes): {how}"
                    ));
                }
            }
            Event::PartFailed {
                task,
                index,
                file_name,
                error,
            } => self.err(&format!("error: {task} part {index} ({file_name}): {error}")),
            Event::TaskRefused { error, .. } => self.err(&format!("error: {error}")),
            Event::JobCreated {
                task,
                job_id,
                files,
                adopted,
            } => {
                self.jobs_created.fetch_add(1, Ordering::Relaxed);
                self.jobs_message();
                if self.verbose {
                    let how = if *adopted {
                        "found on the server (created before a crash or a lost answer)"
                    } else {
                        "created"
                    };
                    self.err(&format!("job: {job_id} for {task} ({files} files) {how}"));
                }
            }
            Event::JobFinished(job) => {
                self.jobs_done.fetch_add(1, Ordering::Relaxed);
                self.jobs_message();
                let failed = job.status == "failed";
                if failed || !self.quiet {
                    for line in job_lines(job) {
                        if failed && self.quiet {
                            self.err(&line);
                        } else {
                            self.out(&line);
                        }
                    }
                }
            }
            Event::JobFailed(failure) => {
                let job = failure
                    .job_id
                    .as_deref()
                    .map(|id| format!(" (job {id})"))
                    .unwrap_or_default();
                self.err(&format!(
                    "error: {} {}{job}: {}",
                    failure.task,
                    parts_text(failure.parts),
                    failure.reason
                ));
            }
            _ => {}
        }
    }
}

/// The closing summary of an upload.
pub(crate) fn summary_line(report: &UploadReport, retries: usize, dry_run: bool) -> String {
    let parts = report.uploaded + report.already_uploaded + report.recovered + report.part_failures.len();
    let completed = report.jobs.iter().filter(|j| j.completed()).count();
    let failed = report.jobs.iter().filter(|j| j.status == "failed").count();
    if dry_run {
        return format!(
            "dry run: {} part{} to upload ({} already uploaded), {} job{} to create; nothing was sent",
            report.uploaded,
            if report.uploaded == 1 { "" } else { "s" },
            report.already_uploaded,
            report.jobs.iter().filter(|j| j.status == "dry-run").count(),
            if report.jobs.len() == 1 { "" } else { "s" },
        );
    }
    let mut line = format!(
        "upload: {parts} part{} ({} uploaded, {} already uploaded, {} already on the server, {} failed), {} \
         job{} ({completed} completed, {failed} failed)",
        if parts == 1 { "" } else { "s" },
        report.uploaded,
        report.already_uploaded,
        report.recovered,
        report.part_failures.len(),
        report.jobs.len(),
        if report.jobs.len() == 1 { "" } else { "s" },
    );
    if !report.job_failures.is_empty() {
        line.push_str(&format!(
            ", {} group(s) without a job outcome",
            report.job_failures.len()
        ));
    }
    if retries > 0 {
        line.push_str(&format!(
            ", {retries} retr{}",
            if retries == 1 { "y" } else { "ies" }
        ));
    }
    line
}

/// The exit code of an upload.
pub(crate) fn exit_code(report: &UploadReport) -> u8 {
    if report.interrupted {
        return exit::INTERRUPTED;
    }
    if let Some(fatal) = &report.fatal {
        if fatal.is_retryable() {
            eprintln!(
                "error: stopped, the service kept failing: {fatal}; run the same command again later to go on"
            );
        } else {
            eprintln!("error: {fatal}");
        }
        return if fatal.is_usage() {
            exit::USAGE_OR_INPUT
        } else {
            exit::FAILED
        };
    }
    if !report.refused.is_empty() {
        return exit::USAGE_OR_INPUT;
    }
    if report.succeeded() {
        exit::OK
    } else {
        exit::FAILED
    }
}

/// A future that completes once `stop` is set (by Ctrl-C or SIGTERM, see [`crate::interrupt`]).
pub(crate) async fn stopped(stop: Arc<AtomicBool>) {
    while !stop.load(Ordering::SeqCst) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Prints a line on stdout; a closed stdout (`| head`) is not an error.
pub(crate) fn print_line(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{text}");
    let _ = stdout.flush();
}

/// A runtime for the upload side: one thread is plenty for I/O.
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure {
            code: exit::FAILED,
            error: anyhow!("cannot start the I/O runtime: {e}"),
        })
}

pub(crate) fn run(command: UploadCommand) -> u8 {
    let quiet = command.quiet;
    match upload(command) {
        Ok(code) => code,
        Err(failure) => report_failure(failure, "upload", quiet),
    }
}

fn upload(command: UploadCommand) -> Result<u8, Failure> {
    let dir = &command.dir;
    let manifest = Manifest::read(dir).map_err(usage)?;
    if !manifest.complete {
        return Err(usage(anyhow!(
            "{}: the conversion that wrote it did not finish; run `ssoimport convert` again (or use `ssoimport \
             run`) before uploading",
            dir.display()
        )));
    }
    if let Some(e) = manifest.input_errors.first() {
        return Err(usage(anyhow!(
            "{}: input {} could not be read ({}), so the parts miss its records; fix or remove it and convert again",
            dir.display(),
            e.file,
            e.detail
        )));
    }
    let mut tasks = Vec::new();
    for output in &manifest.tasks {
        let task: Task = output
            .task
            .parse()
            .map_err(|e: ssoimport::schema::UnknownTask| usage(anyhow!("{}: {e}", dir.display())))?;
        if !output.parts.is_empty() {
            tasks.push((task, output.parts.len()));
        }
    }
    let task_list: Vec<Task> = tasks.iter().map(|(t, _)| *t).collect();
    let prepared = command.upload.prepare(dir, &task_list)?;
    for &(task, parts) in &tasks {
        check_part_count(task, prepared.settings.load_type(task), parts).map_err(usage)?;
    }
    let reporter = Arc::new(CliReporter::new(
        command.quiet,
        prepared.verbose,
        prepared.dry_run,
    ));
    let journal = prepared.journal(dir)?;
    if journal.skipped_lines() > 0 && prepared.verbose {
        eprintln!(
            "note: {} line(s) of {} could not be read (a step cut short by a crash); it is redone",
            journal.skipped_lines(),
            journal.path().display()
        );
    }
    let stop = Arc::new(AtomicBool::new(false));
    crate::interrupt::stop_on_signal(&stop);
    let runtime = runtime()?;
    let report = runtime.block_on(async {
        let backend = prepared.backend(reporter.clone())?;
        let (session, feed) =
            UploadSession::new(backend, journal, prepared.settings.clone(), reporter.clone());
        for output in &manifest.tasks {
            if output.parts.is_empty() {
                continue;
            }
            let task: Task = output
                .task
                .parse()
                .map_err(|e: ssoimport::schema::UnknownTask| usage(e))?;
            for part in &output.parts {
                feed.part(task, part);
            }
            feed.task_done(task, output.parts.len());
        }
        drop(feed);
        Ok::<_, Failure>(session.run(stopped(stop)).await)
    })?;
    reporter.bar.finish_and_clear();
    if !command.quiet {
        print_line(&summary_line(&report, reporter.retries(), prepared.dry_run));
    }
    if report.interrupted {
        eprintln!("interrupted: run the same command again to send the rest");
    }
    Ok(exit_code(&report))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ssoimport_upload::client::JobError;

    #[test]
    fn job_lines_show_status_and_errors() {
        let job = JobSummary {
            task: Task::SsoApplicationUsage,
            job_id: "P6VAGLVY6BBKPF5F2TUCQJONPY".into(),
            status: "completed".into(),
            load_type: "incremental".into(),
            parts: (10, 19),
            files: 10,
            rows: 12345,
            errors: vec![JobError {
                error: "missing_field".into(),
                summary: Some("3 rows lack email".into()),
                potential_resolution: Some("send email".into()),
            }],
            adopted: true,
            from_journal: false,
        };
        assert_eq!(
            job_lines(&job),
            [
                "job P6VAGLVY6BBKPF5F2TUCQJONPY SsoApplicationUsage incremental parts 10-19 (10 files, 12,345 rows, \
                 found on the server): completed, 1 error",
                "  - missing_field: 3 rows lack email (resolution: send email)"
            ]
        );
    }
}
