//! `ssoimport convert`.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use ssoimport::csv::{CsvOptions, CsvSource, Field};
use ssoimport::entra::{EntraOptions, EntraSource};
use ssoimport::google::{GoogleOptions, GoogleSource};
use ssoimport::normalize::SlashDateOrder;
use ssoimport::okta::{OktaOptions, OktaSource};
use ssoimport::schema::Task;
use ssoimport::source::{ChunkOptions, Input, expand_inputs_outside};
use ssoimport::upload::PartOptions;
use ssoimport::{ConvertOptions, Observer, Pipeline, PipelineError, Readers, SourceChoice};

use crate::exit;
use crate::summary;

#[derive(Args)]
#[command(after_help = "Examples:
  ssoimport convert fixtures/csv/signins-hazards.csv --out out
  ssoimport convert --source okta --tasks usage,roster exports/okta/ --out out
  zcat export.csv.gz | ssoimport convert --source csv --map email=\"Work Email\" - --out out

Output, in DIR:
  SsoApplicationUsage/part-00000.jsonl.gz ...   one sign-in per line
  SsoApplicationRoster/part-00000.jsonl.gz ...  one (app, user) per line, first and last seen
  ApplicationDiscovery/part-00000.jsonl.gz ...  one app per line
  rejects.jsonl                                 every record left out: file, line, code, detail, excerpt
  manifest.json                                 counts (read = filtered + duplicates + rejected + accepted),
                                                parts with rows, bytes and MD5")]
pub(crate) struct ConvertArgs {
    /// Export files or directories, plain, .gz or .zst, in UTF-8 or in UTF-16 with a byte-order mark (as Windows
    /// PowerShell writes); `-` reads standard input. A directory is read recursively, leaving out hidden files
    /// and the output directory (so a rerun does not read its own output).
    #[arg(required = true, value_name = "INPUT")]
    pub(crate) inputs: Vec<PathBuf>,

    /// Directory to write the parts, rejects.jsonl and manifest.json to (created if missing).
    #[arg(long, short, value_name = "DIR", default_value = "ssoimport-out")]
    pub(crate) out: PathBuf,

    /// Which reader reads the inputs; `auto` recognises each input by its first bytes.
    #[arg(long, value_name = "SOURCE", default_value = "auto")]
    source: String,

    /// Tasks to write, comma-separated: usage, roster, discovery.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "usage,roster,discovery",
        value_name = "TASKS"
    )]
    tasks: Vec<String>,

    /// Worker threads (default: every core). The output is the same whatever the count.
    #[arg(long, value_name = "N")]
    threads: Option<usize>,

    /// Largest compressed size of a part, in bytes (Flexera's standard hosts take at most 10 MB per file).
    #[arg(long, value_name = "BYTES", default_value_t = 10_000_000)]
    max_part_bytes: u64,

    /// gzip level of the parts: 0 stores them uncompressed, 1 (fastest) to 9 (smallest).
    #[arg(long, value_name = "LEVEL", default_value_t = 6, value_parser = clap::value_parser!(u32).range(0..=9))]
    gzip_level: u32,

    /// Bytes of whole records per unit of parallel work (tuning: rows, their order and the counts do not depend
    /// on it; the gzip bytes of the parts do, as each unit is compressed as one segment).
    #[arg(long, value_name = "BYTES", default_value_t = 4 << 20, hide = true)]
    chunk_bytes: usize,

    /// A record longer than this is rejected (record_too_large) rather than read.
    #[arg(long, value_name = "BYTES", default_value_t = 1 << 20)]
    max_record_bytes: usize,

    /// What `uniqueId` is: the lower-cased email, or the source's own user id.
    #[arg(long, value_enum, default_value = "email", value_name = "FROM")]
    unique_id: UniqueId,

    /// How to read slashed dates such as 3/5/2024: month first (US) or day first. A date only the other order
    /// reads (31/1/2024, month first) is rejected, its detail naming the setting that reads it: one export
    /// never has some dates read one way and some the other.
    #[arg(long, value_enum, default_value = "month-first", value_name = "ORDER")]
    slash_dates: SlashDates,

    /// CSV: take FIELD from the column named HEADER, e.g. --map email="Work Email" (repeatable). Fields: email,
    /// uniqueId, firstName, lastName, displayName, appName, appId, occurredAt, eventId.
    #[arg(long = "map", value_name = "FIELD=HEADER")]
    map: Vec<String>,

    /// CSV: the delimiter (default: sniffed from the header among , ; tab |).
    #[arg(long, value_name = "CHAR")]
    delimiter: Option<String>,

    /// Okta: also count these System Log event types as usage (comma-separated), besides
    /// user.authentication.sso; user.session.start counts as use of the Okta dashboard.
    #[arg(long, value_delimiter = ',', value_name = "TYPES")]
    event_types: Vec<String>,

    /// Entra ID: count only interactive sign-ins as usage (non-interactive ones are filtered).
    #[arg(long)]
    interactive_only: bool,

    /// Google Workspace: count sign-ins to Google itself (the `login` application) as usage of Google Workspace.
    #[arg(long)]
    include_google_login: bool,

    /// Google Workspace: also write a roster of Google Workspace itself from Directory user exports.
    #[arg(long)]
    google_workspace_roster: bool,

    /// Also write the task rows as Parquet in DIR/parquet/ (zstd; timestamps as UTC timestamps), for DuckDB,
    /// Polars or Spark.
    #[arg(long)]
    parquet: bool,

    /// Also write the roster and discovery state as a partial that `ssoimport merge` combines with those of other
    /// shards (see `ssoimport merge --help`).
    #[arg(long)]
    partial: bool,

    /// No progress bar, and only errors on stderr.
    #[arg(long, short)]
    pub(crate) quiet: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum UniqueId {
    /// The lower-cased email.
    Email,
    /// The source's user id (Okta actor.id, Entra userId, Google profileId, CSV uniqueId column).
    SourceId,
}

#[derive(Clone, Copy, ValueEnum)]
enum SlashDates {
    /// 3/5/2024 is March 5.
    MonthFirst,
    /// 3/5/2024 is 3 May.
    DayFirst,
}

pub(crate) fn run(args: ConvertArgs) -> u8 {
    let quiet = args.quiet;
    match convert(args) {
        Ok(code) => code,
        Err(failure) => {
            let code = failure.code;
            eprintln!("error: {}", chain(&failure.error));
            if !quiet && code == exit::USAGE_OR_INPUT {
                eprintln!("(see `ssoimport convert --help`)");
            }
            code
        }
    }
}

/// An error and its causes on one line, each cause once (some messages already quote their cause).
pub(crate) fn chain(error: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in error.chain() {
        let message = cause.to_string();
        if !out.contains(&message) {
            if !out.is_empty() {
                out.push_str(": ");
            }
            out.push_str(&message);
        }
    }
    out
}

struct Failure {
    code: u8,
    error: anyhow::Error,
}

fn usage(error: anyhow::Error) -> Failure {
    Failure {
        code: exit::USAGE_OR_INPUT,
        error,
    }
}

pub(crate) fn readers(args: &ConvertArgs) -> Result<Readers> {
    let mut csv = CsvOptions::default();
    for mapping in &args.map {
        let (field, header) = mapping
            .split_once('=')
            .with_context(|| format!("--map {mapping}: expected FIELD=HEADER"))?;
        let field: Field = field
            .parse()
            .map_err(|e: String| anyhow::anyhow!("--map {mapping}: {e}"))?;
        csv = csv.map(field, header);
    }
    if let Some(d) = &args.delimiter {
        let byte = match d.as_str() {
            "\\t" | "tab" => b'\t',
            s if s.len() == 1 => s.as_bytes()[0],
            _ => bail!("--delimiter {d}: expected one character (or `tab`)"),
        };
        csv = csv.delimiter(byte);
    }
    let entra = EntraOptions::default().interactive_only(args.interactive_only);
    let google = GoogleOptions::default()
        .include_google_login(args.include_google_login)
        .google_workspace_roster(args.google_workspace_roster);
    let okta = args
        .event_types
        .iter()
        .fold(OktaOptions::default(), |o, t| o.add_event_type(t.trim()));
    Ok(Readers::default()
        .with(CsvSource::new(csv))
        .with(OktaSource::new(okta))
        .with(EntraSource::new(entra))
        .with(GoogleSource::new(google)))
}

pub(crate) fn options(args: &ConvertArgs) -> Result<ConvertOptions> {
    let mut tasks = Vec::new();
    for name in &args.tasks {
        let task: Task = name.parse().with_context(|| "--tasks")?;
        if task == Task::ApplicationRoster {
            bail!(
                "--tasks app-roster: ApplicationRoster is written from HR-style roster exports, not sign-ins; use roster"
            );
        }
        if !tasks.contains(&task) {
            tasks.push(task);
        }
    }
    if args.max_part_bytes < 1024 {
        bail!(
            "--max-part-bytes {}: a part must allow at least 1024 bytes",
            args.max_part_bytes
        );
    }
    let source = match args.source.as_str() {
        "auto" => SourceChoice::Auto,
        name => SourceChoice::Named(name.to_string()),
    };
    let mut options = ConvertOptions::new(&args.out)
        .source(source)
        .tasks(tasks)
        .parts(PartOptions {
            max_part_bytes: args.max_part_bytes,
            gzip_level: args.gzip_level,
        })
        .chunk(ChunkOptions {
            chunk_bytes: args.chunk_bytes.max(1024),
            max_record_bytes: args.max_record_bytes.max(1024),
        })
        .unique_id_from_source(matches!(args.unique_id, UniqueId::SourceId))
        .partial(args.partial)
        .parquet(args.parquet);
    options.normalize.slash_dates = match args.slash_dates {
        SlashDates::MonthFirst => SlashDateOrder::MonthFirst,
        SlashDates::DayFirst => SlashDateOrder::DayFirst,
    };
    if let Some(threads) = args.threads {
        if threads == 0 {
            bail!("--threads 0: give at least 1 (or leave it out to use every core)");
        }
        options = options.threads(threads);
    }
    Ok(options)
}

fn convert(args: ConvertArgs) -> Result<u8, Failure> {
    let readers = readers(&args).map_err(usage)?;
    let options = options(&args).map_err(usage)?;
    if let SourceChoice::Named(name) = &options.source
        && readers.get(name).is_none()
    {
        return Err(usage(anyhow::anyhow!(
            "--source {name}: unknown source; expected auto or one of {}",
            readers.names().join(", ")
        )));
    }
    let inputs = expand_inputs_outside(&args.inputs, &args.out).map_err(|e| usage(e.into()))?;
    let reader_names = readers.names();
    let total: Option<u64> = inputs.iter().map(|i| i.size).sum();
    let progress = Progress::new(total, args.quiet);
    let pipeline = Pipeline::new(options, readers);
    crate::interrupt::stop_on_signal(&pipeline.cancel_flag());
    let result = pipeline.convert(&inputs, &progress);
    progress.bar.finish_and_clear();
    match result {
        Ok(summary) => {
            if !args.quiet {
                print!("{}", summary::render(&summary, &args.out, &reader_names));
            }
            for e in &summary.manifest.input_errors {
                eprintln!("error: {}: {}", e.file, e.detail);
            }
            Ok(if summary.manifest.input_errors.is_empty() {
                exit::OK
            } else {
                exit::USAGE_OR_INPUT
            })
        }
        Err(PipelineError::Interrupted) => Err(Failure {
            code: exit::INTERRUPTED,
            error: PipelineError::Interrupted.into(),
        }),
        Err(e @ PipelineError::UnknownSource { .. }) => Err(usage(e.into())),
        Err(e) => Err(Failure {
            code: exit::FAILED,
            error: e.into(),
        }),
    }
}

/// A progress bar on stderr, drawn only when stderr is a terminal.
pub(crate) struct Progress {
    pub(crate) bar: ProgressBar,
}

impl Progress {
    pub(crate) fn new(total: Option<u64>, quiet: bool) -> Self {
        let target = if !quiet && std::io::stderr().is_terminal() {
            ProgressDrawTarget::stderr_with_hz(4)
        } else {
            ProgressDrawTarget::hidden()
        };
        let bar = match total {
            Some(total) => ProgressBar::with_draw_target(Some(total), target).with_style(
                ProgressStyle::with_template(
                    "{spinner} [{elapsed_precise}] {bar:30} {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec} eta {eta} {msg}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            ),
            None => ProgressBar::with_draw_target(None, target).with_style(
                ProgressStyle::with_template("{spinner} [{elapsed_precise}] {binary_bytes} {binary_bytes_per_sec} {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            ),
        };
        bar.enable_steady_tick(Duration::from_millis(250));
        Progress { bar }
    }
}

impl Observer for Progress {
    fn input_started(&self, input: &Input) {
        self.bar.set_message(input.name.to_string());
    }

    fn progress(&self, bytes_read: u64, records: u64) {
        self.bar.set_position(bytes_read);
        self.bar.set_message(format!("{records} records"));
    }
}
