//! `ssoimport run`: convert and upload in one streaming run; each part is uploaded as soon as it is sealed.

use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::anyhow;
use clap::Args;
use indicatif::{MultiProgress, ProgressDrawTarget};
use ssoimport::schema::{LoadType, Task};
use ssoimport::source::{Input, expand_inputs_outside};
use ssoimport::upload::PartInfo;
use ssoimport::{Observer, Pipeline, PipelineError, SourceChoice};
use ssoimport_upload::client::{SessionFeed, UploadSession};

use crate::convert::{self, ConvertArgs, Progress};
use crate::exit;
use crate::summary;
use crate::upload::{
    CliReporter, Failure, UploadArgs, exit_code, print_line, report_failure, runtime, stopped, summary_line,
    usage,
};

#[derive(Args)]
#[command(after_help = "Examples:
  export FLEXERA_REFRESH_TOKEN=...
  ssoimport run exports/okta/ --out out --org 1234 --app 5678
  ssoimport run signins.csv --out out --org 1234 --app 5678 --roster-load incremental
  ssoimport run signins.csv --out out --org 1 --app 1 --endpoint http://127.0.0.1:8080

Takes the input and conversion flags of `convert` and the upload flags of `upload`; the
parts, rejects.jsonl, manifest.json and upload-journal.jsonl go to --out.
SsoApplicationUsage parts are uploaded while the conversion goes on, with a job for every
10 of them; the roster and discovery (full loads, at most 10 parts each) follow at the end,
when their part counts are known. After a failure, a crash or Ctrl-C, run the same command
again: the conversion is redone (the parts come out the same) and only what is missing is
sent, never a second job for the same parts.

Credentials: FLEXERA_REFRESH_TOKEN, or FLEXERA_CLIENT_ID + FLEXERA_CLIENT_SECRET
(or --refresh-token-file FILE, mode 0600).

Exit codes: 0 converted and every job completed, 1 a part, a job or the conversion failed,
2 bad usage, missing credentials, or input that could not be read or sent, 130 interrupted.")]
pub(crate) struct RunCommand {
    #[command(flatten)]
    convert: ConvertArgs,

    #[command(flatten)]
    upload: UploadArgs,
}

/// Hears the conversion: progress to the bar, sealed parts to the upload session.
struct RunObserver<'a> {
    progress: &'a Progress,
    feed: SessionFeed,
    cancel: Arc<AtomicBool>,
}

impl Observer for RunObserver<'_> {
    fn input_started(&self, input: &Input) {
        self.progress.input_started(input);
    }

    fn progress(&self, bytes_read: u64, records: u64) {
        self.progress.progress(bytes_read, records);
    }

    fn part_sealed(&self, task: Task, part: &PartInfo) {
        // Once interrupted, the parts sealed are cut short: a rerun writes them whole, under other names.
        if !self.cancel.load(Ordering::SeqCst) {
            self.feed.part(task, part);
        }
    }
}

pub(crate) fn run(command: RunCommand) -> u8 {
    let quiet = command.convert.quiet;
    match run_inner(command) {
        Ok(code) => code,
        Err(failure) => report_failure(failure, "run", quiet),
    }
}

fn run_inner(command: RunCommand) -> Result<u8, Failure> {
    let args = &command.convert;
    let quiet = args.quiet;
    let readers = convert::readers(args).map_err(usage)?;
    let options = convert::options(args).map_err(usage)?;
    if let SourceChoice::Named(name) = &options.source
        && readers.get(name).is_none()
    {
        return Err(usage(anyhow!(
            "--source {name}: unknown source; expected auto or one of {}",
            readers.names().join(", ")
        )));
    }
    let prepared = command.upload.prepare(&args.out, &options.tasks)?;
    let inputs = expand_inputs_outside(&args.inputs, &args.out).map_err(usage)?;
    // Held across conversion and upload (a dry run's journal takes no lock of its own).
    let _lock = ssoimport::claim_out_dir(&args.out).map_err(|e| Failure {
        code: exit::FAILED,
        error: e.into(),
    })?;
    let journal = prepared.journal(&args.out)?;

    let reporter = Arc::new(CliReporter::new(quiet, prepared.verbose, prepared.dry_run));
    let total: Option<u64> = inputs.iter().map(|i| i.size).sum();
    let progress = Progress::new(total, quiet);
    let multi = MultiProgress::with_draw_target(if !quiet && std::io::stderr().is_terminal() {
        ProgressDrawTarget::stderr_with_hz(4)
    } else {
        ProgressDrawTarget::hidden()
    });
    multi.add(progress.bar.clone());
    if !prepared.dry_run {
        multi.add(reporter.bar.clone());
    }

    let reader_names = readers.names();
    let pipeline = Pipeline::new(options, readers);
    let cancel = pipeline.cancel_flag();
    let backend = prepared.backend(reporter.clone())?;
    let (session, feed) = UploadSession::new(backend, journal, prepared.settings.clone(), reporter.clone());
    crate::interrupt::stop_on_signal(&cancel);
    let session_cancel = cancel.clone();
    let uploader = std::thread::Builder::new()
        .name("ssoimport-upload".to_string())
        .spawn(move || -> Result<_, Failure> {
            let runtime = runtime()?;
            Ok(runtime.block_on(session.run(stopped(session_cancel))))
        })
        .map_err(|e| Failure {
            code: exit::FAILED,
            error: anyhow!("cannot start the upload thread: {e}"),
        })?;

    let observer = RunObserver {
        progress: &progress,
        feed,
        cancel: cancel.clone(),
    };
    let result = pipeline.convert(&inputs, &observer);
    progress.bar.finish_and_clear();
    let mut convert_failure = None;
    let convert_code = match result {
        Ok(summary) => {
            let manifest = &summary.manifest;
            let unreadable = manifest.input_errors.first();
            for output in &manifest.tasks {
                let Ok(task) = output.task.parse::<Task>() else {
                    continue;
                };
                match unreadable {
                    Some(e) if prepared.settings.load_type(task) == LoadType::Full => observer.feed.abandon(
                        task,
                        format!(
                            "{task} is a full load, and input {} could not be read ({}): no job is created for it \
                             (fix or remove the input and run again)",
                            e.file, e.detail
                        ),
                    ),
                    _ => observer.feed.task_done(task, output.parts.len()),
                }
            }
            if !quiet {
                let text = summary::render(&summary, &args.out, &reader_names);
                reporter.bar.suspend(|| print_line(text.trim_end()));
            }
            for e in &manifest.input_errors {
                reporter
                    .bar
                    .suspend(|| eprintln!("error: {}: {}", e.file, e.detail));
            }
            if unreadable.is_some() {
                exit::USAGE_OR_INPUT
            } else {
                exit::OK
            }
        }
        Err(PipelineError::Interrupted) => exit::INTERRUPTED,
        Err(e) => {
            let code = if matches!(e, PipelineError::UnknownSource { .. }) {
                exit::USAGE_OR_INPUT
            } else {
                exit::FAILED
            };
            convert_failure = Some(e);
            code
        }
    };
    drop(observer);

    let report = match uploader.join() {
        Ok(Ok(report)) => report,
        Ok(Err(failure)) => return Err(failure),
        Err(_) => {
            return Err(Failure {
                code: exit::FAILED,
                error: anyhow!("the upload thread panicked"),
            });
        }
    };
    reporter.bar.finish_and_clear();
    if let Some(e) = convert_failure {
        eprintln!("error: the conversion failed: {e}");
    }
    if !quiet {
        print_line(&summary_line(&report, reporter.retries(), prepared.dry_run));
    }
    let upload_code = exit_code(&report);
    if convert_code == exit::INTERRUPTED || upload_code == exit::INTERRUPTED {
        eprintln!("interrupted: run the same command again to convert and send the rest");
        return Ok(exit::INTERRUPTED);
    }
    Ok([exit::USAGE_OR_INPUT, exit::FAILED]
        .into_iter()
        .find(|c| *c == convert_code || *c == upload_code)
        .unwrap_or(exit::OK))
}
