//! `ssoimport report`: a thin layer over `ssoimport_report`.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use ssoimport::normalize::{SlashDateOrder, parse_timestamp};
use ssoimport_report::{DEFAULT_INACTIVE_DAYS, Report, ReportOptions, to_csv, to_html, to_json, to_table};

use crate::exit;

#[derive(Args)]
#[command(
    after_help = "Reads the Parquet copies that `convert --parquet` writes in DIR/parquet/
(usage, roster and, if there, discovery) and prints, per app:

  users       signed in to it, or hold it (a roster row, not deactivated)
  active 30d  signed in within the 30 days up to the as-of (also 60d, 90d)
  inactive    hold it, but no sign-in for --inactive-days (or never):
              the licences to reclaim

Apps with the most inactive users come first. The as-of is the newest
sign-in unless --as-of says otherwise; later sign-ins are left out, as if
the export had been taken then.

Examples:
  ssoimport convert --parquet exports/okta/ --out out
  ssoimport report out
  ssoimport report out --as-of 2025-04-01 --inactive-days 60
  ssoimport report out --json > report.json
  ssoimport report out --csv > report.csv
  ssoimport report out --html report.html   (the table still goes to stdout)

Exit codes: 0 done; 2 bad usage, or DIR lacks the Parquet files (the
message says what to run); 1 failure."
)]
pub(crate) struct ReportArgs {
    /// Output directory of `ssoimport convert --parquet`.
    #[arg(value_name = "DIR")]
    dir: PathBuf,

    /// The instant to take the figures at (UTC unless a zone is given), e.g. 2025-04-01 (midnight at its start)
    /// or 2025-03-31T18:00:00Z. Default: the newest sign-in.
    #[arg(long, value_name = "TIME")]
    as_of: Option<String>,

    /// Days without a sign-in after which a user holding an app is inactive.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_INACTIVE_DAYS,
          value_parser = clap::value_parser!(u32).range(1..=36_500))]
    inactive_days: u32,

    /// Print JSON instead of the table: {"asOf", "apps": [{"appInstanceId", "ssoAppName", "users", "active30",
    /// "active60", "active90", "inactive"}]}.
    #[arg(long, conflicts_with = "csv")]
    json: bool,

    /// Print CSV instead of the table, one line per app with the JSON's fields.
    #[arg(long)]
    csv: bool,

    /// Also write one self-contained HTML page to FILE: the table, and a chart per app of active and inactive
    /// users week by week.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
}

pub(crate) fn run(args: ReportArgs) -> u8 {
    let mut options = ReportOptions::default().inactive_days(args.inactive_days);
    if let Some(text) = &args.as_of {
        match parse_timestamp(text, SlashDateOrder::MonthFirst) {
            Some(millis) => options = options.as_of(millis),
            None => {
                eprintln!(
                    "error: --as-of `{text}` is not a date or time: write e.g. 2025-04-01 or 2025-03-31T18:00:00Z"
                );
                return exit::USAGE_OR_INPUT;
            }
        }
    }
    let report = match options.build(&args.dir) {
        Ok(report) => report,
        Err(e) => {
            eprintln!("error: {e}");
            return if e.is_input() {
                exit::USAGE_OR_INPUT
            } else {
                exit::FAILED
            };
        }
    };
    if let Some(path) = &args.html
        && let Err(e) = std::fs::write(path, to_html(&report))
    {
        eprintln!("error: cannot write {}: {e}", path.display());
        return exit::FAILED;
    }
    print(&args, &report)
}

fn print(args: &ReportArgs, report: &Report) -> u8 {
    let text = if args.json {
        to_json(report)
    } else if args.csv {
        to_csv(report)
    } else {
        let mut table = to_table(report);
        if let Some(path) = &args.html {
            table.push_str(&format!("HTML page: {}\n", path.display()));
        }
        table
    };
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()) {
        Ok(()) => exit::OK,
        // A closed pipe (`| head`) is the reader's choice, not a failure.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => exit::OK,
        Err(e) => {
            eprintln!("error: cannot write to standard output: {e}");
            exit::FAILED
        }
    }
}
