//! Deterministic, streaming generators of realistic SSO exports, for ssoimport's tests, benchmarks and demos.
//!
//! Four shapes, with the quirks real exports carry (see the reader crates' docs), as ssoimport's readers accept
//! them:
//!
//! | [`Format`] | what | mix |
//! |---|---|---|
//! | `okta` | System Log NDJSON (LogEvent objects, ~1.5–2.5 KB each, nested `client`, `debugContext`, `request.ipChain`, ...) | ~86% `user.authentication.sso` (AppInstance + AppUser targets), ~8% `user.session.start` (`target: null`), ~6% `policy.evaluate_sign_on`; ~4% of SSO and ~8% of other events fail; `client.zone` is the string `"null"` |
//! | `entra` | Graph `signIn` objects as NDJSON (beta shape; a fifth in the v1.0 shape without `signInEventTypes`) | ~30% interactive, ~60% non-interactive, ~7% service principal, ~3% managed identity; ~5% failures with real error codes; 7 fractional digits on most timestamps, none or 3 on others, `±HH:MM` offsets on ~10%; `geoCoordinates: {}` on some; a duplicate key on ~1%; a GUID as `userPrincipalName` on ~0.5% of non-interactive rows (rejected: `invalid_email`) |
//! | `google` | Reports API activities as NDJSON | `saml` `login_success`/`login_failure`, `token` `authorize`/`activity`/`revoke` (activities of 2–3 events), `login` events (`login_challenge` + `login_success` pairs, `logout`, ...); `intValue` as strings, `multiValue`, `multiMessageValue`, `boolValue` |
//! | `csv` | a sign-in CSV made by people | UTF-8 BOM, CRLF, quoted commas (`"Lee, Ann"`, `"Seattle, Washington, US"`, app names), doubled quotes, mixed date shapes (RFC 3339 with `Z` or offsets, `YYYY-MM-DD HH:MM:SS`, `M/D/YYYY h:mm:ss AM`, epoch seconds and milliseconds), ~0.5% rows of empty cells |
//!
//! The same [`GenOptions`] give byte-identical output, whatever the writer. Memory stays constant whatever
//! [`GenOptions::events`]: users are derived from the seed and their index when they act, never stored; only the
//! app table (`apps` entries) is kept. Generation is fast (hundreds of MB/s) so that benchmark inputs of
//! gigabytes are quick to make.
//!
//! [`GenSummary`] says what a reader should make of the output (`usage`, `filtered` and `rejected` events, which
//! add up to `events`), so a test can check a conversion exactly.
//!
//! ```
//! use ssoimport_gen::{Format, GenOptions, write_to};
//!
//! let options = GenOptions::new(Format::Okta, 100).seed(7);
//! let mut out = Vec::new();
//! let summary = write_to(&options, &mut out)?;
//! assert_eq!(summary.records, 100);
//! assert_eq!(summary.usage + summary.filtered + summary.rejected, 100);
//! assert_eq!(out.iter().filter(|b| **b == b'\n').count(), 100);
//!
//! let mut again = Vec::new();
//! write_to(&options, &mut again)?;
//! assert_eq!(out, again);
//! # Ok::<(), std::io::Error>(())
//! ```

mod csv;
mod entra;
mod google;
mod okta;
mod out;
mod rng;
mod world;

use std::fmt;
use std::io::{self, Write};
use std::str::FromStr;

use out::Out;

/// 2025-01-01T00:00:00Z, the default start of the window, in milliseconds since the epoch.
pub const DEFAULT_START_MS: i64 = 1_735_689_600_000;
/// Default number of apps.
pub const DEFAULT_APPS: u32 = 300;
/// Default length of the window, in days.
pub const DEFAULT_DAYS: u32 = 30;
/// Default seed.
pub const DEFAULT_SEED: u64 = 42;

/// Bytes gathered before they are handed to the writer.
const FLUSH_BYTES: usize = 1 << 20;

/// Which export to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Okta System Log events, NDJSON.
    Okta,
    /// Microsoft Entra ID Graph sign-ins, NDJSON.
    Entra,
    /// Google Workspace Reports API activities, NDJSON.
    Google,
    /// A sign-in CSV.
    Csv,
}

impl Format {
    /// Every format.
    pub const ALL: [Format; 4] = [Format::Okta, Format::Entra, Format::Google, Format::Csv];

    /// The name, as `ssoimport gen` and `--source` take it.
    pub fn name(self) -> &'static str {
        match self {
            Format::Okta => "okta",
            Format::Entra => "entra",
            Format::Google => "google",
            Format::Csv => "csv",
        }
    }

    /// The usual file extension of the output (`ndjson` or `csv`).
    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            _ => "ndjson",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Format::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| format!("unknown format `{s}`: expected okta, entra, google or csv"))
    }
}

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenOptions {
    /// The export's shape.
    pub format: Format,
    /// Events to write: what the matching reader counts as read. One per line for Okta and Entra, one per data
    /// row for CSV; for Google, one per element of an activity's `events` (an activity may hold several).
    pub events: u64,
    /// Distinct users; `None` means `max(50, events / 200)`.
    pub users: Option<u64>,
    /// Distinct apps (at least 1).
    pub apps: u32,
    /// The seed: the same options give the same bytes.
    pub seed: u64,
    /// Start of the time window, in milliseconds since the epoch (UTC).
    pub start_ms: i64,
    /// Length of the time window, in days; event times increase over it.
    pub days: u32,
}

impl GenOptions {
    /// `events` events of `format`, with the default users, apps (300), seed (42) and window (30 days from
    /// 2025-01-01).
    pub fn new(format: Format, events: u64) -> Self {
        GenOptions {
            format,
            events,
            users: None,
            apps: DEFAULT_APPS,
            seed: DEFAULT_SEED,
            start_ms: DEFAULT_START_MS,
            days: DEFAULT_DAYS,
        }
    }

    /// Sets the number of distinct users.
    pub fn users(mut self, users: u64) -> Self {
        self.users = Some(users);
        self
    }

    /// Sets the number of distinct apps.
    pub fn apps(mut self, apps: u32) -> Self {
        self.apps = apps;
        self
    }

    /// Sets the seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Sets the start of the window, in milliseconds since the epoch.
    pub fn start_ms(mut self, start_ms: i64) -> Self {
        self.start_ms = start_ms;
        self
    }

    /// Sets the length of the window, in days.
    pub fn days(mut self, days: u32) -> Self {
        self.days = days;
        self
    }

    /// The number of distinct users the options stand for.
    pub fn user_count(&self) -> u64 {
        self.users.unwrap_or_else(|| (self.events / 200).max(50)).max(1)
    }
}

/// What was generated, and what a reader should make of it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GenSummary {
    /// Records written: NDJSON lines, or CSV data rows (the header not counted).
    pub records: u64,
    /// Events written (what the reader counts as read): `usage + filtered + rejected`.
    pub events: u64,
    /// Events meant as usage: successful user sign-ins to an app, which a conversion accepts.
    pub usage: u64,
    /// Events a conversion filters: other event types, failures, service principals, empty rows, ...
    pub filtered: u64,
    /// Events a conversion rejects: the hazards real exports carry (a GUID as an Entra user principal name).
    pub rejected: u64,
    /// Bytes written.
    pub bytes: u64,
}

/// What one event is meant to become.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fate {
    Usage,
    Filtered,
    Rejected,
}

impl GenSummary {
    fn count(&mut self, fate: Fate) {
        self.events += 1;
        match fate {
            Fate::Usage => self.usage += 1,
            Fate::Filtered => self.filtered += 1,
            Fate::Rejected => self.rejected += 1,
        }
    }
}

enum Kind {
    Okta(okta::Okta),
    Entra(entra::Entra),
    Google(google::Google),
    Csv(csv::Csv),
}

/// A generator: call [`Generator::fill`] until it returns `false`, or use [`write_to`].
pub struct Generator {
    kind: Kind,
    remaining: u64,
    started: bool,
    summary: GenSummary,
    out: Out,
}

impl Generator {
    /// A generator for these options.
    pub fn new(options: &GenOptions) -> Self {
        let world = world::World::new(options.seed, options.user_count(), options.apps);
        let span_ns = u64::from(options.days.max(1)) * 86_400 * 1_000_000_000;
        let clock = world::Clock::new(
            options.start_ms.saturating_mul(1_000_000),
            span_ns,
            options.events,
        );
        let rng = rng::Rng::new(options.seed, options.format as u64 + 1);
        let kind = match options.format {
            Format::Okta => Kind::Okta(okta::Okta::new(world, clock, rng)),
            Format::Entra => Kind::Entra(entra::Entra::new(world, clock, rng)),
            Format::Google => Kind::Google(google::Google::new(world, clock, rng)),
            Format::Csv => Kind::Csv(csv::Csv::new(world, clock, rng)),
        };
        Generator {
            kind,
            remaining: options.events,
            started: false,
            summary: GenSummary::default(),
            out: Out::default(),
        }
    }

    /// Appends records to `buf` until it holds at least `at_least` bytes or the export is complete; returns
    /// whether more is to come.
    pub fn fill(&mut self, buf: &mut Vec<u8>, at_least: usize) -> bool {
        std::mem::swap(&mut self.out.buf, buf);
        let start = self.out.buf.len();
        if !self.started {
            self.started = true;
            if let Kind::Csv(c) = &mut self.kind {
                c.header(&mut self.out);
            }
        }
        while self.remaining > 0 && self.out.buf.len() < at_least {
            let before = self.summary.events;
            match &mut self.kind {
                Kind::Okta(g) => g.record(&mut self.out, &mut self.summary),
                Kind::Entra(g) => g.record(&mut self.out, &mut self.summary),
                Kind::Google(g) => g.record(&mut self.out, self.remaining, &mut self.summary),
                Kind::Csv(g) => g.record(&mut self.out, &mut self.summary),
            }
            self.summary.records += 1;
            self.remaining -= self.summary.events - before;
        }
        self.summary.bytes += (self.out.buf.len() - start) as u64;
        std::mem::swap(&mut self.out.buf, buf);
        self.remaining > 0
    }

    /// What has been generated so far (`bytes` counts what [`Generator::fill`] appended).
    pub fn summary(&self) -> GenSummary {
        self.summary
    }
}

/// Writes the whole export to `out`, in blocks of about 1 MB, and says what it holds.
pub fn write_to<W: Write>(options: &GenOptions, mut out: W) -> io::Result<GenSummary> {
    let mut generator = Generator::new(options);
    let mut buf = Vec::with_capacity(FLUSH_BYTES + (64 << 10));
    loop {
        let more = generator.fill(&mut buf, FLUSH_BYTES);
        out.write_all(&buf)?;
        buf.clear();
        if !more {
            break;
        }
    }
    out.flush()?;
    Ok(generator.summary())
}

/// The whole export in memory (for tests and benchmarks of small inputs).
pub fn generate(options: &GenOptions) -> (Vec<u8>, GenSummary) {
    let mut generator = Generator::new(options);
    let mut buf = Vec::new();
    while generator.fill(&mut buf, usize::MAX) {}
    (buf, generator.summary())
}

/// The options whose output is about `bytes` long: the event count is estimated from a small sample.
pub fn options_for_bytes(format: Format, bytes: u64, seed: u64) -> GenOptions {
    let sample = 2000;
    let (data, _) = generate(&GenOptions::new(format, sample).seed(seed));
    let per_event = (data.len() as u64 / sample).max(1);
    GenOptions::new(format, (bytes / per_event).max(1)).seed(seed)
}

#[cfg(test)]
mod tests;
