//! The `ssoimport` command.

mod convert;
mod emulator;
mod r#gen;
mod interrupt;
mod merge;
#[cfg(feature = "report")]
mod report;
mod run;
mod summary;
mod upload;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Exit codes scripts can rely on.
pub(crate) mod exit {
    /// The run completed (rejected records are data, not failure: see rejects.jsonl).
    pub const OK: u8 = 0;
    /// The run failed while writing output, or broke an internal invariant.
    pub const FAILED: u8 = 1;
    /// Bad usage, or an input that could not be read (the other inputs were still converted).
    pub const USAGE_OR_INPUT: u8 = 2;
    /// Interrupted (Ctrl-C): the manifest says the output is incomplete.
    pub const INTERRUPTED: u8 = 130;
}

#[derive(Parser)]
#[command(
    name = "ssoimport",
    version,
    about = "Turn SSO exports (Okta, Entra ID, Google Workspace, CSV) into Flexera SaaS Management import jobs",
    long_about = "Turn SSO exports (Okta, Microsoft Entra ID, Google Workspace, CSV) into the import files of \
Flexera SaaS Management's Import Jobs API: gzipped NDJSON parts of at most 10 MB per task \
(SsoApplicationUsage, SsoApplicationRoster, ApplicationDiscovery), a rejects file that names every record \
left out and why, and a manifest whose counts add up.",
    after_help = "Exit codes: 0 the run completed (rejects are data), 1 the run failed, 2 bad usage or an \
unreadable input, 130 interrupted.\n\nStart with:  ssoimport convert --help"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Convert exports into import files (parts, rejects, manifest) in a directory.
    Convert(convert::ConvertArgs),
    /// Merge the roster and discovery of shards converted with --partial (one export split over machines).
    Merge(merge::MergeArgs),
    /// Per app: users, active in the last 30/60/90 days, and inactive holders (needs `convert --parquet`).
    #[cfg(feature = "report")]
    Report(report::ReportArgs),
    /// Upload a directory written by `convert` and run its import jobs (resumable: rerun after a failure).
    Upload(upload::UploadCommand),
    /// Convert and upload in one streaming run: each part is uploaded as soon as it is sealed.
    Run(run::RunCommand),
    /// Serve a local stand-in of the Import Jobs API and its token endpoint, for tests and demos.
    Emulator(emulator::EmulatorArgs),
    /// Generate a realistic, deterministic export (okta, entra, google, csv) for tests and benchmarks.
    Gen(r#gen::GenArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Convert(args) => convert::run(args),
        Command::Merge(args) => merge::run(args),
        #[cfg(feature = "report")]
        Command::Report(args) => report::run(args),
        Command::Upload(args) => upload::run(args),
        Command::Run(args) => run::run(args),
        Command::Emulator(args) => emulator::run(args),
        Command::Gen(args) => r#gen::run(args),
    };
    ExitCode::from(code)
}
