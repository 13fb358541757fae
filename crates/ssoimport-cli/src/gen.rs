//! `ssoimport gen`: realistic, deterministic SSO exports for tests, benchmarks and demos.

use std::fs::File;
use std::io::{self, BufWriter};
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use ssoimport::normalize::{SlashDateOrder, parse_timestamp};
use ssoimport_gen::{Format, GenOptions, GenSummary, write_to};

use crate::exit;
use crate::summary::thousands;

#[derive(Args)]
#[command(after_help = "Examples:
  ssoimport gen okta --events 1000000 --out okta_1m.ndjson
  ssoimport gen entra --events 200000 --users 5000 --seed 7 --out entra.ndjson
  ssoimport gen csv --events 1000 | ssoimport convert --source csv - --out out

The same arguments give byte-identical output. Memory stays constant whatever --events says.
The summary on stderr says how many events a conversion should accept (usage), filter and reject.")]
pub(crate) struct GenArgs {
    /// The export to generate: okta (System Log NDJSON), entra (Graph sign-ins NDJSON), google (Reports API
    /// activities NDJSON) or csv (a sign-in CSV with a BOM, CRLF, quoted commas and mixed date shapes).
    #[arg(value_enum, value_name = "SOURCE")]
    source: GenSource,

    /// Events to write (for google, events inside activities, which may hold several).
    #[arg(long, value_name = "N")]
    events: u64,

    /// Distinct users (default: max(50, N/200)).
    #[arg(long, value_name = "U")]
    users: Option<u64>,

    /// Distinct apps.
    #[arg(long, value_name = "A", default_value_t = ssoimport_gen::DEFAULT_APPS)]
    apps: u32,

    /// Seed: the same seed and options give the same bytes.
    #[arg(long, value_name = "S", default_value_t = ssoimport_gen::DEFAULT_SEED)]
    seed: u64,

    /// Start of the time window (UTC), e.g. 2025-01-01 or 2025-01-01T00:00:00Z.
    #[arg(long, value_name = "TIME", default_value = "2025-01-01")]
    start: String,

    /// Length of the time window in days; event times increase over it.
    #[arg(long, value_name = "DAYS", default_value_t = ssoimport_gen::DEFAULT_DAYS)]
    days: u32,

    /// Where to write: a file, or `-` for standard output.
    #[arg(long, short, value_name = "FILE", default_value = "-")]
    out: PathBuf,

    /// No summary on stderr.
    #[arg(long, short)]
    quiet: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum GenSource {
    /// Okta System Log events, NDJSON.
    Okta,
    /// Microsoft Entra ID Graph sign-ins, NDJSON.
    Entra,
    /// Google Workspace Reports API activities, NDJSON.
    Google,
    /// A sign-in CSV.
    Csv,
}

impl From<GenSource> for Format {
    fn from(s: GenSource) -> Format {
        match s {
            GenSource::Okta => Format::Okta,
            GenSource::Entra => Format::Entra,
            GenSource::Google => Format::Google,
            GenSource::Csv => Format::Csv,
        }
    }
}

pub(crate) fn run(args: GenArgs) -> u8 {
    let options = match options(&args) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e:#}\n(see `ssoimport gen --help`)");
            return exit::USAGE_OR_INPUT;
        }
    };
    let started = Instant::now();
    match generate(&options, &args) {
        Ok(summary) => {
            if !args.quiet {
                eprintln!("{}", render(&options, &summary, started.elapsed().as_secs_f64()));
            }
            exit::OK
        }
        // A reader that stopped early (`| head`) is not a failure of ours.
        Err(e) if e.downcast_ref::<io::Error>().map(io::Error::kind) == Some(io::ErrorKind::BrokenPipe) => {
            exit::OK
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            exit::FAILED
        }
    }
}

fn options(args: &GenArgs) -> Result<GenOptions> {
    let start_ms = parse_timestamp(&args.start, SlashDateOrder::MonthFirst)
        .with_context(|| format!("--start {}: expected a date such as 2025-01-01", args.start))?;
    if args.days == 0 {
        bail!("--days 0: the window must be at least one day long");
    }
    if args.apps == 0 {
        bail!("--apps 0: give at least one app");
    }
    if args.users == Some(0) {
        bail!("--users 0: give at least one user");
    }
    let mut options = GenOptions::new(args.source.into(), args.events)
        .apps(args.apps)
        .seed(args.seed)
        .start_ms(start_ms)
        .days(args.days);
    if let Some(users) = args.users {
        options = options.users(users);
    }
    Ok(options)
}

fn generate(options: &GenOptions, args: &GenArgs) -> Result<GenSummary> {
    if args.out.as_os_str() == "-" {
        let stdout = io::stdout();
        return Ok(write_to(options, stdout.lock())?);
    }
    let file = File::create(&args.out).with_context(|| format!("cannot create {}", args.out.display()))?;
    let mut writer = BufWriter::with_capacity(1 << 20, file);
    let summary =
        write_to(options, &mut writer).with_context(|| format!("cannot write {}", args.out.display()))?;
    writer
        .into_inner()
        .map_err(|e| e.into_error())
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    Ok(summary)
}

fn render(options: &GenOptions, s: &GenSummary, secs: f64) -> String {
    let mb = s.bytes as f64 / 1e6;
    format!(
        "generated {} {} events in {} records ({mb:.1} MB) in {secs:.2} s ({:.0} MB/s); {} users, {} apps, seed {}\n  \
         a conversion should accept {}, filter {}, reject {}",
        thousands(s.events),
        options.format,
        thousands(s.records),
        mb / secs.max(1e-6),
        thousands(options.user_count()),
        options.apps,
        options.seed,
        thousands(s.usage),
        thousands(s.filtered),
        thousands(s.rejected),
    )
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        args: GenArgs,
    }

    fn args(line: &[&str]) -> GenArgs {
        Cli::try_parse_from(std::iter::once("gen").chain(line.iter().copied()))
            .unwrap()
            .args
    }

    #[test]
    fn flags_become_options() {
        let o = options(&args(&[
            "entra", "--events", "10", "--users", "3", "--apps", "4", "--seed", "5",
        ]))
        .unwrap();
        assert_eq!(o, GenOptions::new(Format::Entra, 10).users(3).apps(4).seed(5));
        assert_eq!(o.start_ms, ssoimport_gen::DEFAULT_START_MS);
        let o = options(&args(&[
            "csv",
            "--events",
            "1",
            "--start",
            "2024-03-01T00:00:00Z",
            "--days",
            "2",
        ]))
        .unwrap();
        assert_eq!((o.start_ms, o.days), (1_709_251_200_000, 2));
        for bad in [
            &["okta", "--events", "1", "--days", "0"][..],
            &["okta", "--events", "1", "--apps", "0"],
            &["okta", "--events", "1", "--users", "0"],
            &["okta", "--events", "1", "--start", "someday"],
        ] {
            assert!(options(&args(bad)).is_err(), "{bad:?}");
        }
        assert!(Cli::try_parse_from(["gen", "splunk", "--events", "1"]).is_err());
    }

    #[test]
    fn a_file_holds_what_the_library_makes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("okta.ndjson");
        let a = args(&["okta", "--events", "50", "--out", path.to_str().unwrap()]);
        let o = options(&a).unwrap();
        let summary = generate(&o, &a).unwrap();
        let (expected, meant) = ssoimport_gen::generate(&o);
        assert_eq!(std::fs::read(&path).unwrap(), expected);
        assert_eq!(summary, meant);
        let text = render(&o, &summary, 0.5);
        assert!(text.contains("generated 50 okta events"), "{text}");
        assert!(text.contains(&format!("accept {}", meant.usage)), "{text}");
    }
}
