//! The rightsizing view over the Parquet files `ssoimport convert --parquet` writes (`DIR/parquet/`): per app,
//! the users seen, the users active in the last 30, 60 and 90 days, and the users who hold the app but have not
//! signed in to it for a while. The figures are computed with Polars' lazy API (its `lazy` feature alone: the files
//! are read batch by batch with the Parquet reader that wrote them, see `read.rs`); rendered as a terminal table,
//! JSON, CSV or one self-contained HTML page with a chart per app.
//!
//! # What the figures mean
//!
//! The report reads three files: `SsoApplicationUsage.parquet` (one row per sign-in), `SsoApplicationRoster.parquet`
//! (one row per app and user) and, if present, `ApplicationDiscovery.parquet` (one row per app). A user is the
//! import schema's `uniqueId`; an app is its `appInstanceId`. Every figure is taken at one instant, the
//! **as-of** ([`ReportOptions::as_of`]; by default the newest sign-in in the usage file). Sign-ins after it are
//! left out, as if the export had been taken then.
//!
//! - **sign-in**: a row of the usage file. Nothing else counts as one: the roster's `lastActivityAt` is not read,
//!   since a roster export may fill it from the user's last sign-in to *anything* (Okta `lastLogin`).
//! - **holds the app**: the (app, user) pair has a roster row that is active at the instant: `activatedAt` is
//!   empty or not after it, and `deactivatedAt` is empty or after it. `convert` merges the assignments of a
//!   roster export (Okta app users, Entra app role assignments, Google tokens) and the users seen signing in into
//!   one roster row per pair, so the file cannot tell the two apart, and need not: a user who signs in through
//!   the SSO provider has been given the app. A user who signed in once and has had no sign-in since therefore
//!   still holds the app until a roster export says otherwise (`deactivatedAt`).
//! - **users**: the distinct users who signed in to the app at or before the as-of, or hold it at the as-of.
//!   Every other figure is a part of it.
//! - **active30**, **active60**, **active90**: the distinct users with a sign-in to the app in the N days up to
//!   the as-of, the interval `(asOf − N days, asOf]`, whether they still hold it or not.
//!   `active30 ≤ active60 ≤ active90 ≤ users`.
//! - **inactive**: the distinct users who hold the app at the as-of and have no sign-in to it in
//!   `(asOf − D days, asOf]`, D being [`ReportOptions::inactive_days`] (90 unless told), including those who
//!   never signed in: the licences to reclaim.
//!
//! Apps are every `appInstanceId` of the three files, so an app nobody uses is listed with zeros. Its name is the
//! discovery file's `ssoAppName`, else the greatest of its roster rows' names, else the id. Apps are sorted by
//! inactive users, most first, then by users, most first, then by name.
//!
//! # The chart
//!
//! [`AppReport::series`] holds weekly points, from the week of the first sign-in (at most a year back) up to the
//! as-of, each taken as if it were the as-of: the users active in the 30 days up to it, the users holding the app
//! then (the roster's `activatedAt` and `deactivatedAt` tell when; a row without them is taken to have held the
//! app all along) and, of those, the inactive ones. The last point is the as-of itself, so its `active30` and
//! `inactive` are the table's. A point less than D days after the first sign-in in the file sees less history
//! than D days: its inactive count is an upper bound, and the HTML page shades that part of each chart.
//!
//! ```no_run
//! use ssoimport_report::{ReportOptions, to_table};
//!
//! let report = ReportOptions::default().inactive_days(60).build("out")?;
//! print!("{}", to_table(&report));
//! # Ok::<(), ssoimport_report::ReportError>(())
//! ```

mod compute;
mod html;
mod read;
mod render;

use std::path::Path;

pub use html::to_html;
pub use render::{to_csv, to_json, to_table};

/// One day in milliseconds.
pub const DAY_MS: i64 = 86_400_000;

/// Weekly points of a chart at most: a year.
pub const MAX_POINTS: usize = 53;

/// Days without a sign-in after which a holder is inactive, unless told otherwise.
pub const DEFAULT_INACTIVE_DAYS: u32 = 90;

/// The windows of the `activeN` figures, in days.
pub const ACTIVE_WINDOWS: [u32; 3] = [30, 60, 90];

/// The rightsizing view of one output directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The instant the figures are taken at, in milliseconds since the epoch (UTC).
    pub as_of: i64,
    /// Days without a sign-in after which a holder counts as inactive.
    pub inactive_days: u32,
    /// Days of sign-in history up to the as-of: from the day of the oldest sign-in at or before it, counted in
    /// whole days back from the as-of (0 when there is none).
    pub history_days: u32,
    /// One entry per app, most inactive users first.
    pub apps: Vec<AppReport>,
}

/// The figures of one app (see the crate documentation for their definitions).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppReport {
    /// The app instance (`appInstanceId`).
    pub app_instance_id: String,
    /// Its name (`ssoAppName`).
    pub sso_app_name: String,
    /// Users who signed in at or before the as-of, or hold the app at the as-of.
    pub users: u64,
    /// Users with a sign-in in the 30 days up to the as-of.
    pub active30: u64,
    /// Users with a sign-in in the 60 days up to the as-of.
    pub active60: u64,
    /// Users with a sign-in in the 90 days up to the as-of.
    pub active90: u64,
    /// Users who hold the app at the as-of and have no sign-in in the `inactive_days` up to it.
    pub inactive: u64,
    /// Weekly points, oldest first, the last at the as-of.
    pub series: Vec<Point>,
}

/// The figures of an app at one point of its chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Point {
    /// The instant, in milliseconds since the epoch (UTC).
    pub at: i64,
    /// Users with a sign-in in the 30 days up to the instant.
    pub active30: u64,
    /// Users holding the app at the instant.
    pub holders: u64,
    /// Holders without a sign-in in the `inactive_days` up to the instant.
    pub inactive: u64,
}

/// What to compute: the as-of and the inactivity threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportOptions {
    as_of: Option<i64>,
    inactive_days: u32,
}

impl Default for ReportOptions {
    /// As of the newest sign-in; inactive after 90 days without one.
    fn default() -> Self {
        ReportOptions {
            as_of: None,
            inactive_days: DEFAULT_INACTIVE_DAYS,
        }
    }
}

impl ReportOptions {
    /// The instant to take the figures at, in milliseconds since the epoch (UTC); `None` for the newest sign-in.
    pub fn as_of(mut self, millis: impl Into<Option<i64>>) -> Self {
        self.as_of = millis.into();
        self
    }

    /// Days without a sign-in after which a holder is inactive (at least 1).
    pub fn inactive_days(mut self, days: u32) -> Self {
        self.inactive_days = days;
        self
    }

    /// Computes the report of `dir`, an output directory of `ssoimport convert --parquet`.
    pub fn build(&self, dir: impl AsRef<Path>) -> Result<Report, ReportError> {
        if self.inactive_days == 0 {
            return Err(ReportError::Options(
                "the inactivity threshold must be at least 1 day".into(),
            ));
        }
        compute::build(dir.as_ref(), self)
    }
}

/// Computes the report of `dir` with the default options: as of the newest sign-in, inactive after 90 days.
pub fn build(dir: impl AsRef<Path>) -> Result<Report, ReportError> {
    ReportOptions::default().build(dir)
}

/// Why a report could not be made, and what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The directory does not exist or is no directory.
    #[error(
        "{dir} is not a directory: give the --out directory of `ssoimport convert --parquet` (e.g. `ssoimport \
         convert --parquet export.ndjson --out {dir}`)"
    )]
    NotADirectory {
        /// The directory given.
        dir: String,
    },
    /// The directory has no Parquet files.
    #[error(
        "no Parquet files in {dir}/parquet: run `ssoimport convert --parquet ... --out {dir}` first (the report \
         reads the Parquet copies, not the NDJSON parts)"
    )]
    NoParquet {
        /// The directory given.
        dir: String,
    },
    /// One of the files the report needs is missing.
    #[error(
        "{path} is missing: convert again with --parquet and the `{task}` task (usage and roster are on by \
         default; check --tasks)"
    )]
    MissingFile {
        /// The file.
        path: String,
        /// The short name of its task.
        task: &'static str,
    },
    /// A file could not be read as Parquet.
    #[error("cannot read {path}: {detail}: is it a file `ssoimport convert --parquet` wrote?")]
    Read {
        /// The file.
        path: String,
        /// Polars' error.
        detail: String,
    },
    /// A file lacks a column the report needs, or has it in another type.
    #[error(
        "{path}: column `{column}` {problem}; the report reads the files of `ssoimport convert --parquet`, convert \
         again with this version"
    )]
    Column {
        /// The file.
        path: String,
        /// The column.
        column: String,
        /// What is wrong with it.
        problem: String,
    },
    /// No as-of was given and there is no sign-in to take it from.
    #[error(
        "{path} holds no sign-in, so there is no newest one to take the figures at: pass an as-of (--as-of \
         2025-03-31)"
    )]
    NoSignIns {
        /// The usage file.
        path: String,
    },
    /// An option is out of range.
    #[error("{0}")]
    Options(String),
    /// Polars failed while computing the figures.
    #[error("computing the report failed: {0}")]
    Compute(String),
}

impl ReportError {
    /// Whether the error is about the input or the options (something the user can fix), rather than a failure
    /// of the computation.
    pub fn is_input(&self) -> bool {
        !matches!(self, ReportError::Compute(_))
    }
}

#[cfg(test)]
mod tests;
