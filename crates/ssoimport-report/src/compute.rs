//! The figures, computed with Polars' lazy API over the Parquet files.
//!
//! The usage file is read once, into the distinct (app, user, days before the as-of) of the sign-ins at or before
//! the as-of: every figure depends on a sign-in only through its day, counted back from the as-of, and this table
//! is far smaller than the events (a user signing in ten times a day is one row a day). With `d` that count of
//! days, a sign-in is in the N days up to the as-of exactly when `d < N`, and in the N days up to the point `w`
//! weeks back exactly when `7w <= d < 7w + N`.
//!
//! Every division here is of integers known to be non-negative (times at or before the as-of, subtracted from it),
//! where Polars' `/` (Rust's truncating division) is the floor; `floor_div` would need the `round_series` feature.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use polars::prelude::*;
use ssoimport_parquet::PARQUET_DIR;
use ssoimport_schema::Task;

use crate::read::{Batches, Kind, newest};
use crate::{ACTIVE_WINDOWS, AppReport, DAY_MS, MAX_POINTS, Point, Report, ReportError, ReportOptions};

const WEEK_MS: i64 = 7 * DAY_MS;
const APP: &str = "appInstanceId";
const USER: &str = "uniqueId";
const NAME: &str = "ssoAppName";
const AT: &str = "occurredAt";

/// A Polars error of the computation itself.
pub(crate) fn failed(e: PolarsError) -> ReportError {
    ReportError::Compute(e.to_string())
}

/// Rows of per-batch results gathered before they are made distinct again, bounding memory.
const COMPACT_ROWS: usize = 4 * 1024 * 1024;

/// The distinct rows of `frames`, as one frame.
fn distinct(frames: Vec<DataFrame>) -> Result<DataFrame, ReportError> {
    let lazy: Vec<LazyFrame> = frames.into_iter().map(DataFrame::lazy).collect();
    concat(lazy, UnionArgs::default())
        .map_err(failed)?
        .unique(None, UniqueKeepStrategy::Any)
        .collect()
        .map_err(failed)
}

/// The distinct (app, user, d) of the sign-ins at or before `as_of`, d being the whole days from the sign-in to
/// the as-of, made batch by batch.
fn sign_in_days(usage: &Path, as_of: i64) -> Result<DataFrame, ReportError> {
    let mut pending: Vec<DataFrame> = Vec::new();
    let mut rows = 0;
    for batch in Batches::open(
        usage,
        &[(APP, Kind::Text), (USER, Kind::Text), (AT, Kind::Millis)],
    )? {
        let days = batch?
            .lazy()
            .filter(col(AT).lt_eq(lit(as_of)))
            .select([
                col(APP),
                col(USER),
                ((lit(as_of) - col(AT)) / lit(DAY_MS)).alias("d"),
            ])
            .unique(None, UniqueKeepStrategy::Any)
            .collect()
            .map_err(failed)?;
        rows += days.height();
        pending.push(days);
        if rows > COMPACT_ROWS {
            let compact = distinct(std::mem::take(&mut pending))?;
            rows = compact.height();
            pending.push(compact);
        }
    }
    if pending.is_empty() {
        return DataFrame::new_infer_height(vec![
            Column::new_empty(APP.into(), &DataType::String),
            Column::new_empty(USER.into(), &DataType::String),
            Column::new_empty("d".into(), &DataType::Int64),
        ])
        .map_err(failed);
    }
    distinct(pending)
}

/// The (app, user, ...) pairs' key columns.
fn pair() -> [Expr; 2] {
    [col(APP), col(USER)]
}

/// 1 where `cond` holds, else 0; summed, a count.
fn one_if(cond: Expr) -> Expr {
    when(cond).then(lit(1i64)).otherwise(lit(0i64))
}

/// The distinct (pair, w) of the pairs with a sign-in in the `window` days up to the point `w` weeks before the
/// as-of, for `w` in `0..points`, from `weeks`: per pair and week `b = d / 7`, the smallest `d` of the week.
///
/// A pair is active at `w` when it has a `d` in `7w..7w + window`. A week `b >= w` holds only days `d >= 7w`, a week
/// `b < w` none, so a week counts for `w` exactly when `b >= w` and its smallest day is below `7w + window`: for
/// at most `window / 7 + 1` points `w <= b`, one frame each, stacked.
fn active_at_points(weeks: &LazyFrame, window: i64, points: i64) -> Result<LazyFrame, ReportError> {
    let frames: Vec<LazyFrame> = (0..=(window + 6) / 7)
        .map(|back| {
            weeks
                .clone()
                .with_column((col("b") - lit(back)).alias("w"))
                .filter(
                    col("w")
                        .gt_eq(lit(0i64))
                        .and(col("w").lt(lit(points)))
                        .and(col("d").lt(col("w") * lit(7i64) + lit(window))),
                )
                .select([col("pair"), col("w")])
        })
        .collect();
    Ok(concat(frames, UnionArgs::default())
        .map_err(failed)?
        .unique(None, UniqueKeepStrategy::Any))
}

/// A count per app, from a frame of `app` and one integer column.
fn per_app(df: &DataFrame, column: &str) -> Result<HashMap<String, u64>, ReportError> {
    let apps = df.column(APP).map_err(failed)?.str().map_err(failed)?;
    let values = df
        .column(column)
        .map_err(failed)?
        .cast(&DataType::Int64)
        .map_err(failed)?;
    let values = values.i64().map_err(failed)?;
    Ok(apps
        .iter()
        .zip(values.iter())
        .filter_map(|(a, v)| Some((a?.to_string(), u64::try_from(v.unwrap_or(0)).unwrap_or(0))))
        .collect())
}

/// A value per (app, w), from a frame of `app`, `w` and one integer column.
fn per_app_point(df: &DataFrame, column: &str) -> Result<HashMap<(String, i64), i64>, ReportError> {
    let apps = df.column(APP).map_err(failed)?.str().map_err(failed)?;
    let cast = |name: &str| {
        df.column(name)
            .and_then(|c| c.cast(&DataType::Int64))
            .map_err(failed)
    };
    let (w, values) = (cast("w")?, cast(column)?);
    let (w, values) = (w.i64().map_err(failed)?, values.i64().map_err(failed)?);
    let mut out = HashMap::new();
    for ((a, w), v) in apps.iter().zip(w.iter()).zip(values.iter()) {
        if let (Some(a), Some(w)) = (a, w) {
            *out.entry((a.to_string(), w)).or_insert(0) += v.unwrap_or(0);
        }
    }
    Ok(out)
}

/// `name` per app of a frame of `app` and `name`.
fn name_per_app(df: &DataFrame) -> Result<HashMap<String, String>, ReportError> {
    let apps = df.column(APP).map_err(failed)?.str().map_err(failed)?;
    let names = df.column(NAME).map_err(failed)?.str().map_err(failed)?;
    Ok(apps
        .iter()
        .zip(names.iter())
        .filter_map(|(a, n)| Some((a?.to_string(), n?.to_string())))
        .collect())
}

/// The three files of an output directory; discovery may be missing.
struct Files {
    usage: PathBuf,
    roster: PathBuf,
    discovery: PathBuf,
}

impl Files {
    fn locate(dir: &Path) -> Result<Files, ReportError> {
        if !dir.is_dir() {
            return Err(ReportError::NotADirectory {
                dir: dir.display().to_string(),
            });
        }
        let file = |task: Task| dir.join(PARQUET_DIR).join(format!("{}.parquet", task.name()));
        let files = Files {
            usage: file(Task::SsoApplicationUsage),
            roster: file(Task::SsoApplicationRoster),
            discovery: file(Task::ApplicationDiscovery),
        };
        if !files.usage.exists() && !files.roster.exists() && !files.discovery.exists() {
            return Err(ReportError::NoParquet {
                dir: dir.display().to_string(),
            });
        }
        for (path, task) in [(&files.usage, "usage"), (&files.roster, "roster")] {
            if !path.exists() {
                return Err(ReportError::MissingFile {
                    path: path.display().to_string(),
                    task,
                });
            }
        }
        Ok(files)
    }
}

/// The table's figures per app.
struct Table {
    users: HashMap<String, u64>,
    active: [HashMap<String, u64>; 3],
    inactive: HashMap<String, u64>,
}

/// The table: `days` are the distinct (app, user, d), `roster` the roster rows.
fn table(days: &LazyFrame, roster: &LazyFrame, as_of: i64, inactive_days: i64) -> Result<Table, ReportError> {
    // Per pair: days since the last sign-in at or before the as-of.
    let pairs = days
        .clone()
        .group_by(pair())
        .agg([col("d").min().alias("recent")]);
    let held_now = (col("activatedAt")
        .is_null()
        .or(col("activatedAt").lt_eq(lit(as_of))))
    .and(
        col("deactivatedAt")
            .is_null()
            .or(col("deactivatedAt").gt(lit(as_of))),
    );
    let holders = roster
        .clone()
        .filter(held_now)
        .select(pair())
        .unique(None, UniqueKeepStrategy::Any);

    let users = concat(
        [pairs.clone().select(pair()), holders.clone()],
        UnionArgs::default(),
    )
    .map_err(failed)?
    .unique(None, UniqueKeepStrategy::Any)
    .group_by([col(APP)])
    .agg([len().alias("n")])
    .collect()
    .map_err(failed)?;
    let active = pairs
        .clone()
        .group_by([col(APP)])
        .agg(ACTIVE_WINDOWS.map(|window| {
            one_if(col("recent").lt(lit(i64::from(window))))
                .sum()
                .alias(format!("active{window}"))
        }))
        .collect()
        .map_err(failed)?;
    let inactive = holders
        .join(pairs, pair(), pair(), JoinArgs::new(JoinType::Left))
        .filter(
            col("recent")
                .is_null()
                .or(col("recent").gt_eq(lit(inactive_days))),
        )
        .group_by([col(APP)])
        .agg([len().alias("n")])
        .collect()
        .map_err(failed)?;
    let [a30, a60, a90] = ACTIVE_WINDOWS;
    Ok(Table {
        users: per_app(&users, "n")?,
        active: [
            per_app(&active, &format!("active{a30}"))?,
            per_app(&active, &format!("active{a60}"))?,
            per_app(&active, &format!("active{a90}"))?,
        ],
        inactive: per_app(&inactive, "n")?,
    })
}

/// The chart's figures per (app, w), w the weeks back from the as-of.
struct Chart {
    /// Users active in the 30 days up to the point.
    active30: HashMap<(String, i64), i64>,
    /// Changes of the holder count: summed from w = 0 up, the holders at w.
    holder_steps: HashMap<(String, i64), i64>,
    /// Holders with a sign-in in the `inactive_days` up to the point.
    held_active: HashMap<(String, i64), i64>,
}

fn chart(
    days: &LazyFrame,
    roster: &LazyFrame,
    as_of: i64,
    inactive_days: i64,
    points: i64,
) -> Result<Chart, ReportError> {
    // A roster row holds the app at the points w in lo..=hi:
    // activatedAt <= asOf - 7w days  <=>  w <= (asOf - activatedAt) / week, and
    // deactivatedAt > asOf - 7w days  <=>  w > (asOf - deactivatedAt) / week. Rows activated after the as-of hold it
    // at none.
    let last = points - 1;
    let hi = when(col("activatedAt").is_null())
        .then(lit(last))
        .otherwise((lit(as_of) - col("activatedAt")) / lit(WEEK_MS));
    let lo = when(
        col("deactivatedAt")
            .is_null()
            .or(col("deactivatedAt").gt(lit(as_of))),
    )
    .then(lit(0i64))
    .otherwise((lit(as_of) - col("deactivatedAt")) / lit(WEEK_MS) + lit(1i64));
    let spans = roster
        .clone()
        .filter(
            col("activatedAt")
                .is_null()
                .or(col("activatedAt").lt_eq(lit(as_of))),
        )
        .select([col(APP), col(USER), lo.alias("lo"), hi.alias("hi")])
        .with_column(
            when(col("hi").gt(lit(last)))
                .then(lit(last))
                .otherwise(col("hi"))
                .alias("hi"),
        )
        .filter(col("lo").lt_eq(col("hi")));
    // +1 where a span starts, -1 after it ends.
    let steps = concat(
        [
            spans
                .clone()
                .select([col(APP), col("lo").alias("w"), lit(1i64).alias("n")]),
            spans.clone().select([
                col(APP),
                (col("hi") + lit(1i64)).alias("w"),
                lit(-1i64).alias("n"),
            ]),
        ],
        UnionArgs::default(),
    )
    .map_err(failed)?
    .group_by([col(APP), col("w")])
    .agg([col("n").sum()])
    .collect()
    .map_err(failed)?;
    // The sign-ins by pair id (an integer stands in for the two strings in the expansions below), reduced to the
    // smallest day of each week (all `active_at_points` needs).
    let ids = days
        .clone()
        .select(pair())
        .unique(None, UniqueKeepStrategy::Any)
        .with_row_index("pair", None)
        .collect()
        .map_err(failed)?
        .lazy();
    let weeks = days
        .clone()
        .join(ids.clone(), pair(), pair(), JoinArgs::new(JoinType::Inner))
        .group_by([col("pair"), (col("d") / lit(7i64)).alias("b")])
        .agg([col("d").min()])
        .collect()
        .map_err(failed)?
        .lazy();
    let id = || [col("pair")];
    let active30 = active_at_points(&weeks, 30, points)?
        .join(
            ids.clone().select([col("pair"), col(APP)]),
            id(),
            id(),
            JoinArgs::new(JoinType::Inner),
        )
        .group_by([col(APP), col("w")])
        .agg([len().alias("n")])
        .collect()
        .map_err(failed)?;
    // Holders who never signed in have no id, and are active at no point.
    let spans = spans
        .join(ids, pair(), pair(), JoinArgs::new(JoinType::Inner))
        .select([col("pair"), col(APP), col("lo"), col("hi")]);
    let held_active = active_at_points(&weeks, inactive_days, points)?
        .join(spans, id(), id(), JoinArgs::new(JoinType::Inner))
        .filter(col("w").gt_eq(col("lo")).and(col("w").lt_eq(col("hi"))))
        .group_by([col(APP), col("w")])
        .agg([len().alias("n")])
        .collect()
        .map_err(failed)?;
    Ok(Chart {
        active30: per_app_point(&active30, "n")?,
        holder_steps: per_app_point(&steps, "n")?,
        held_active: per_app_point(&held_active, "n")?,
    })
}

/// The name of each app: the discovery file's, else the greatest of its roster rows'.
fn app_names(roster: &LazyFrame, discovery: &Path) -> Result<HashMap<String, String>, ReportError> {
    let roster_names = roster
        .clone()
        .group_by([col(APP)])
        .agg([col(NAME).max()])
        .collect()
        .map_err(failed)?;
    let mut names = name_per_app(&roster_names)?;
    if discovery.exists() {
        let discovery = Batches::open(discovery, &[(APP, Kind::Text), (NAME, Kind::Text)])?.frame()?;
        names.extend(name_per_app(&discovery)?);
    }
    Ok(names)
}

pub(crate) fn build(dir: &Path, options: &ReportOptions) -> Result<Report, ReportError> {
    let files = Files::locate(dir)?;
    let as_of = match options.as_of {
        Some(t) => t,
        None => newest(&files.usage, AT)?.ok_or_else(|| ReportError::NoSignIns {
            path: files.usage.display().to_string(),
        })?,
    };
    let inactive_days = i64::from(options.inactive_days);

    // The one pass over the events.
    let days = sign_in_days(&files.usage, as_of)?.lazy();
    let oldest = days.clone().select([col("d").max()]).collect().map_err(failed)?;
    let oldest_day = oldest
        .column("d")
        .and_then(|c| c.i64().map(|ca| ca.get(0)))
        .map_err(failed)?;
    let history_days = oldest_day.map_or(0, |d| d + 1);
    let points = oldest_day.map_or(1, |d| (d / 7 + 1).min(MAX_POINTS as i64));

    let roster = Batches::open(
        &files.roster,
        &[
            (APP, Kind::Text),
            (USER, Kind::Text),
            (NAME, Kind::Text),
            ("activatedAt", Kind::Millis),
            ("deactivatedAt", Kind::Millis),
        ],
    )?
    .frame()?
    .lazy();

    let table = table(&days, &roster, as_of, inactive_days)?;
    let chart = chart(&days, &roster, as_of, inactive_days, points)?;
    let names = app_names(&roster, &files.discovery)?;

    // Every app of the three files (usage apps all have roster rows, but a file may be hand-made).
    let apps: BTreeSet<&str> = names
        .keys()
        .chain(table.users.keys())
        .map(String::as_str)
        .collect();
    let count = |m: &HashMap<String, u64>, app: &str| m.get(app).copied().unwrap_or(0);
    let at = |m: &HashMap<(String, i64), i64>, app: &str, w: i64| {
        m.get(&(app.to_string(), w)).copied().unwrap_or(0)
    };
    let mut reports: Vec<AppReport> = apps
        .into_iter()
        .map(|app| {
            // Holders are the running sum of the steps from w = 0 (the as-of) back; the chart runs oldest first.
            let mut holders = 0i64;
            let mut series: Vec<Point> = (0..points)
                .map(|w| {
                    holders += at(&chart.holder_steps, app, w);
                    let inactive = holders - at(&chart.held_active, app, w);
                    Point {
                        at: as_of - w * WEEK_MS,
                        active30: u64::try_from(at(&chart.active30, app, w)).unwrap_or(0),
                        holders: u64::try_from(holders).unwrap_or(0),
                        inactive: u64::try_from(inactive).unwrap_or(0),
                    }
                })
                .collect();
            series.reverse();
            AppReport {
                app_instance_id: app.to_string(),
                sso_app_name: names.get(app).cloned().unwrap_or_else(|| app.to_string()),
                users: count(&table.users, app),
                active30: count(&table.active[0], app),
                active60: count(&table.active[1], app),
                active90: count(&table.active[2], app),
                inactive: count(&table.inactive, app),
                series,
            }
        })
        .collect();
    reports.sort_by(|a, b| {
        b.inactive
            .cmp(&a.inactive)
            .then(b.users.cmp(&a.users))
            .then_with(|| a.sso_app_name.cmp(&b.sso_app_name))
            .then_with(|| a.app_instance_id.cmp(&b.app_instance_id))
    });
    Ok(Report {
        as_of,
        inactive_days: options.inactive_days,
        history_days: u32::try_from(history_days).unwrap_or(u32::MAX),
        apps: reports,
    })
}
