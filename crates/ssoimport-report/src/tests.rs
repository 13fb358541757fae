// Test helpers may unwrap: a failure is a failed test.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch, StringArray, TimestampMillisecondArray, new_null_array};
use ssoimport_parquet::ParquetWriter;
use ssoimport_schema::Task;
use ssoimport_schema::time::days_from_civil;

use super::*;

/// 2025-04-01T00:00:00Z.
fn as_of() -> i64 {
    days_from_civil(2025, 4, 1) * DAY_MS
}

fn days(n: i64) -> i64 {
    n * DAY_MS
}

fn text(values: Vec<Option<&str>>) -> ArrayRef {
    Arc::new(StringArray::from(values))
}

fn times(values: Vec<Option<i64>>) -> ArrayRef {
    Arc::new(TimestampMillisecondArray::from(values).with_timezone("UTC"))
}

fn write(dir: &Path, task: Task, columns: Vec<ArrayRef>) {
    let batch = RecordBatch::try_new(task.arrow_schema(), columns).unwrap();
    let mut writer = ParquetWriter::create(dir, task).unwrap();
    if batch.num_rows() > 0 {
        writer.write(&batch).unwrap();
    }
    writer.finish().unwrap();
}

/// Sign-ins as (app, app name, user, time).
fn usage(dir: &Path, rows: &[(&str, &str, &str, i64)]) {
    let n = rows.len();
    write(
        dir,
        Task::SsoApplicationUsage,
        vec![
            text(rows.iter().map(|r| Some(r.1)).collect()),
            text(vec![None; n]),
            text(rows.iter().map(|r| Some(r.0)).collect()),
            text(rows.iter().map(|r| Some(r.2)).collect()),
            text(rows.iter().map(|r| Some(r.2)).collect()),
            times(rows.iter().map(|r| Some(r.3)).collect()),
            text(vec![None; n]),
        ],
    );
}

/// Roster rows as (app, app name, user, activatedAt, deactivatedAt).
type RosterRow<'a> = (&'a str, &'a str, &'a str, Option<i64>, Option<i64>);

fn roster(dir: &Path, rows: &[RosterRow<'_>]) {
    let n = rows.len();
    write(
        dir,
        Task::SsoApplicationRoster,
        vec![
            text(rows.iter().map(|r| Some(r.1)).collect()),
            text(vec![None; n]),
            text(rows.iter().map(|r| Some(r.0)).collect()),
            text(rows.iter().map(|r| Some(r.2)).collect()),
            text(rows.iter().map(|r| Some(r.2)).collect()),
            text(vec![None; n]),
            text(vec![None; n]),
            times(rows.iter().map(|r| r.3).collect()),
            times(vec![None; n]),
            times(rows.iter().map(|r| r.4).collect()),
        ],
    );
}

/// Discovery rows as (app, name).
fn discovery(dir: &Path, rows: &[(&str, &str)]) {
    let schema = Task::ApplicationDiscovery.arrow_schema();
    let n = rows.len();
    write(
        dir,
        Task::ApplicationDiscovery,
        vec![
            text(rows.iter().map(|r| Some(r.1)).collect()),
            text(rows.iter().map(|r| Some(r.1)).collect()),
            text(vec![None; n]),
            text(rows.iter().map(|r| Some(r.0)).collect()),
            new_null_array(schema.field(4).data_type(), n),
            new_null_array(schema.field(5).data_type(), n),
        ],
    );
}

/// The scenario of the crate's definitions, as of 2025-04-01 with a 90-day threshold:
///
/// app a1 "Slack":
/// - u1 signed in 1 and 45 days before: active 30/60/90, holds it.
/// - u2 signed in exactly 30 days before: outside the 30 days (the window is open at its start), inside 60.
/// - u3 signed in 30 days before plus 1 ms: inside the 30 days.
/// - u4 assigned by a roster export, never signed in: inactive.
/// - u5 signed in 100 days before: inactive.
/// - u6 signed in 89 days before: active 90, not inactive.
/// - u7 signed in 95 days before, deactivated 10 days before: a user, not a holder, so not inactive.
/// - u8 signed in only after the as-of: nowhere.
/// - u9 signed in at the as-of exactly: active.
///
/// app a2 "Zoom" is in the discovery file alone; a3 "Miro" has one holder who never signed in.
fn scenario() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let t = as_of();
    usage(
        dir.path(),
        &[
            ("a1", "Slack", "u1", t - days(1)),
            ("a1", "Slack", "u1", t - days(45)),
            ("a1", "Slack", "u1", t - days(1) + 5),
            ("a1", "Slack", "u2", t - days(30)),
            ("a1", "Slack", "u3", t - days(30) + 1),
            ("a1", "Slack", "u5", t - days(100)),
            ("a1", "Slack", "u6", t - days(89)),
            ("a1", "Slack", "u7", t - days(95)),
            ("a1", "Slack", "u8", t + days(1)),
            ("a1", "Slack", "u9", t),
        ],
    );
    roster(
        dir.path(),
        &[
            ("a1", "Slack", "u1", Some(t - days(45)), None),
            ("a1", "Slack", "u2", Some(t - days(30)), None),
            ("a1", "Slack", "u3", Some(t - days(30) + 1), None),
            ("a1", "Slack", "u4", None, None),
            ("a1", "Slack", "u5", Some(t - days(100)), None),
            ("a1", "Slack", "u6", Some(t - days(89)), None),
            ("a1", "Slack", "u7", Some(t - days(95)), Some(t - days(10))),
            ("a1", "Slack", "u8", Some(t + days(1)), None),
            ("a1", "Slack", "u9", Some(t), None),
            ("a3", "Miro", "u1", Some(t - days(200)), None),
        ],
    );
    discovery(dir.path(), &[("a1", "Slack"), ("a2", "Zoom"), ("a3", "Miro")]);
    dir
}

/// (id, name, users, active30, active60, active90, inactive) of each app.
fn figures(report: &Report) -> Vec<(&str, &str, u64, u64, u64, u64, u64)> {
    report
        .apps
        .iter()
        .map(|a| {
            (
                a.app_instance_id.as_str(),
                a.sso_app_name.as_str(),
                a.users,
                a.active30,
                a.active60,
                a.active90,
                a.inactive,
            )
        })
        .collect()
}

#[test]
fn figures_follow_the_definitions() {
    let dir = scenario();
    let report = ReportOptions::default().as_of(as_of()).build(dir.path()).unwrap();
    assert_eq!(report.as_of, as_of());
    assert_eq!(report.inactive_days, 90);
    assert_eq!(report.history_days, 101, "u5's sign-in, 100 days back");
    assert_eq!(
        figures(&report),
        [
            ("a1", "Slack", 8, 3, 4, 5, 2),
            ("a3", "Miro", 1, 0, 0, 0, 1),
            ("a2", "Zoom", 0, 0, 0, 0, 0),
        ],
        "most inactive first, then most users"
    );
}

#[test]
fn the_threshold_moves_the_inactive_count() {
    let dir = scenario();
    let report = ReportOptions::default()
        .as_of(as_of())
        .inactive_days(30)
        .build(dir.path())
        .unwrap();
    // Holders without a sign-in in 30 days: u2 (exactly 30 days), u4, u5, u6.
    assert_eq!(figures(&report)[0], ("a1", "Slack", 8, 3, 4, 5, 4));
}

#[test]
fn the_default_as_of_is_the_newest_sign_in() {
    let dir = scenario();
    let report = build(dir.path()).unwrap();
    let t = as_of() + days(1);
    assert_eq!(report.as_of, t);
    // A day later: u8 signed in and holds the app; u3 (30 days + 1 ms back becomes 31 days - 1 ms) leaves the 30
    // days, u2 stays in the 60; u6 (90 days) leaves the 90 and becomes inactive.
    assert_eq!(
        figures(&report),
        [
            ("a1", "Slack", 9, 3, 5, 5, 3),
            ("a3", "Miro", 1, 0, 0, 0, 1),
            ("a2", "Zoom", 0, 0, 0, 0, 0),
        ]
    );
}

#[test]
fn the_chart_ends_at_the_table_and_reconstructs_earlier_weeks() {
    let dir = scenario();
    let report = ReportOptions::default().as_of(as_of()).build(dir.path()).unwrap();
    let slack = &report.apps[0];
    // 100 days of history: points at 0, 7, ..., 98 days back.
    assert_eq!(slack.series.len(), 15);
    let last = slack.series.last().unwrap();
    assert_eq!(last.at, as_of());
    assert_eq!((last.active30, last.inactive), (slack.active30, slack.inactive));
    // Holders at the as-of: u1 u2 u3 u4 u5 u6 u9.
    assert_eq!(last.holders, 7);
    // A week back: active in the 30 days before: u2, u3. Holding: u1..u6 (u7 had been deactivated 10 days back,
    // u9 came later). Inactive: u4 (never) and u5 (100 days back is 93 before that point).
    let week = slack.series[slack.series.len() - 2];
    assert_eq!(week.at, as_of() - days(7));
    assert_eq!((week.active30, week.holders, week.inactive), (2, 6, 2));
    let oldest = slack.series[0];
    assert_eq!(oldest.at, as_of() - days(98));
    // 98 days back: u5 (activated 100 days back) and u4 (always) hold it, u7 was activated 95 days back.
    assert_eq!(oldest.holders, 2);
    assert_eq!(oldest.active30, 1, "u5, 2 days before");
    assert_eq!(oldest.inactive, 1, "u4");
    for p in &slack.series {
        assert!(p.inactive <= p.holders, "{p:?}");
    }
    // Miro's holder was activated 200 days back: held it at every point, inactive at every point.
    let miro = &report.apps[1];
    assert!(
        miro.series
            .iter()
            .all(|p| p.holders == 1 && p.inactive == 1 && p.active30 == 0)
    );
    // Zoom: nothing, at every point.
    let zoom = &report.apps[2];
    assert_eq!(zoom.series.len(), 15);
    assert!(zoom.series.iter().all(|p| p.holders == 0 && p.active30 == 0));
}

#[test]
fn apps_without_discovery_take_the_roster_name_and_an_empty_usage_needs_an_as_of() {
    let dir = tempfile::tempdir().unwrap();
    usage(dir.path(), &[]);
    roster(dir.path(), &[("a9", "Figma", "u1", None, None)]);
    let err = build(dir.path()).unwrap_err();
    assert!(matches!(err, ReportError::NoSignIns { .. }), "{err}");
    assert!(err.to_string().contains("--as-of"), "{err}");
    assert!(err.is_input());
    let report = ReportOptions::default().as_of(as_of()).build(dir.path()).unwrap();
    assert_eq!(figures(&report), [("a9", "Figma", 1, 0, 0, 0, 1)]);
    assert_eq!((report.history_days, report.apps[0].series.len()), (0, 1));
}

#[test]
fn errors_say_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope");
    let err = build(&missing).unwrap_err();
    assert!(matches!(err, ReportError::NotADirectory { .. }), "{err}");

    let err = build(dir.path()).unwrap_err();
    assert!(matches!(err, ReportError::NoParquet { .. }), "{err}");
    assert!(err.to_string().contains("ssoimport convert --parquet"), "{err}");

    usage(dir.path(), &[("a1", "Slack", "u1", as_of())]);
    let err = build(dir.path()).unwrap_err();
    assert!(
        matches!(err, ReportError::MissingFile { task: "roster", .. }),
        "{err}"
    );

    // A file of another task under the roster's name.
    discovery(dir.path(), &[("a1", "Slack")]);
    let parquet = dir.path().join("parquet");
    std::fs::rename(
        parquet.join("ApplicationDiscovery.parquet"),
        parquet.join("SsoApplicationRoster.parquet"),
    )
    .unwrap();
    let err = build(dir.path()).unwrap_err();
    assert!(matches!(err, ReportError::Column { .. }), "{err}");
    assert!(err.to_string().contains("`uniqueId` is missing"), "{err}");

    std::fs::write(parquet.join("SsoApplicationRoster.parquet"), b"not parquet").unwrap();
    let err = build(dir.path()).unwrap_err();
    assert!(matches!(err, ReportError::Read { .. }), "{err}");

    let err = ReportOptions::default()
        .inactive_days(0)
        .build(dir.path())
        .unwrap_err();
    assert!(matches!(err, ReportError::Options(_)), "{err}");
}

#[test]
fn renderers() {
    let dir = scenario();
    let report = ReportOptions::default().as_of(as_of()).build(dir.path()).unwrap();

    let json: serde_json::Value = serde_json::from_str(&to_json(&report)).unwrap();
    assert_eq!(json["asOf"], "2025-04-01T00:00:00.000Z");
    assert_eq!(
        json["apps"][0],
        serde_json::json!({"appInstanceId": "a1", "ssoAppName": "Slack", "users": 8, "active30": 3,
            "active60": 4, "active90": 5, "inactive": 2})
    );
    assert_eq!(json.as_object().unwrap().len(), 2);

    let csv = to_csv(&report);
    let lines: Vec<&str> = csv.split("\r\n").collect();
    assert_eq!(
        lines[0],
        "appInstanceId,ssoAppName,users,active30,active60,active90,inactive"
    );
    assert_eq!(lines[1], "a1,Slack,8,3,4,5,2");
    assert_eq!(
        lines.len(),
        5,
        "three apps and the empty string after the last line end"
    );

    let table = to_table(&report);
    assert!(
        table.starts_with("as of 2025-04-01T00:00:00.000Z; inactive: holds the app, no sign-in for 90 days")
    );
    let slack = table.lines().find(|l| l.starts_with("Slack")).unwrap();
    assert_eq!(
        slack.split_whitespace().collect::<Vec<_>>(),
        ["Slack", "a1", "8", "3", "4", "5", "2"]
    );

    let html = to_html(&report);
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert_eq!(html.matches("<svg ").count(), 3);
    assert!(!html.contains("http"), "no external reference");
    assert!(!html.contains("<script"));
}

#[test]
fn names_are_escaped_and_cut() {
    let report = Report {
        as_of: as_of(),
        inactive_days: 90,
        history_days: 0,
        apps: vec![AppReport {
            app_instance_id: "x,1".into(),
            sso_app_name: "<b>\"Quoted\", & a very long name that goes on and on and on\nand on".into(),
            users: 1_234_567,
            active30: 0,
            active60: 0,
            active90: 0,
            inactive: 0,
            series: vec![Point {
                at: as_of(),
                active30: 0,
                holders: 0,
                inactive: 0,
            }],
        }],
    };
    let html = to_html(&report);
    assert!(html.contains("&lt;b&gt;&quot;Quoted&quot;, &amp; a very"));
    assert!(!html.contains("<b>\"Quoted"));
    let csv = to_csv(&report);
    assert!(csv.contains("\"x,1\",\"<b>\"\"Quoted\"\", & a very"), "{csv}");
    let table = to_table(&report);
    assert!(table.contains("1,234,567"));
    assert!(table.contains('…'));
    assert_eq!(table.lines().count(), 6, "{table}");
}

/// A small deterministic generator (no dependency needed for a test).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }

    /// Up to `n` days back from `t`, to the millisecond.
    fn before(&mut self, t: i64, n: u64) -> i64 {
        t - days(self.below(n) as i64) - self.below(DAY_MS as u64) as i64
    }
}

#[test]
fn every_figure_and_point_matches_a_brute_force_count() {
    let dir = tempfile::tempdir().unwrap();
    let t = as_of();
    let mut rng = Lcg(7);
    let apps = ["a", "b", "c"];
    let users: Vec<String> = (0..25).map(|i| format!("u{i}")).collect();
    let mut events: Vec<(&str, &str, &str, i64)> = Vec::new();
    for _ in 0..600 {
        let app = apps[rng.below(3) as usize];
        let user = users[rng.below(25) as usize].as_str();
        // Over 200 days before the as-of and a few after; any millisecond.
        let at = rng.before(t + days(3), 200);
        events.push((app, app, user, at));
    }
    let mut rows: Vec<RosterRow<'_>> = Vec::new();
    for app in apps {
        for user in &users {
            let activated = match rng.below(4) {
                0 => None,
                _ => Some(rng.before(t, 250)),
            };
            let deactivated = match rng.below(5) {
                0 => Some(rng.before(t, 150)),
                _ => None,
            };
            if rng.below(6) > 0 {
                rows.push((app, app, user.as_str(), activated, deactivated));
            }
        }
    }
    usage(dir.path(), &events);
    roster(dir.path(), &rows);
    for inactive_days in [30, 45, 90] {
        let report = ReportOptions::default()
            .as_of(t)
            .inactive_days(inactive_days)
            .build(dir.path())
            .unwrap();
        let n = i64::from(inactive_days);
        for a in &report.apps {
            let app = a.app_instance_id.as_str();
            let signed_in = |user: &str, from: i64, to: i64| {
                events
                    .iter()
                    .any(|e| e.0 == app && e.2 == user && e.3 > from && e.3 <= to)
            };
            let holds = |r: &&RosterRow<'_>, at: i64| {
                r.0 == app && r.3.is_none_or(|x| x <= at) && r.4.is_none_or(|x| x > at)
            };
            let active = |at: i64, window: i64| {
                users
                    .iter()
                    .filter(|u| signed_in(u, at - days(window), at))
                    .count() as u64
            };
            let holders = |at: i64| rows.iter().filter(|r| holds(r, at)).count() as u64;
            let inactive = |at: i64| {
                rows.iter()
                    .filter(|r| holds(r, at) && !signed_in(r.2, at - days(n), at))
                    .count() as u64
            };
            let ever = |u: &str| signed_in(u, i64::MIN, t);
            let users_count = users
                .iter()
                .filter(|u| ever(u) || rows.iter().any(|r| r.2 == u.as_str() && holds(&r, t)))
                .count() as u64;
            assert_eq!(
                (a.users, a.active30, a.active60, a.active90, a.inactive),
                (
                    users_count,
                    active(t, 30),
                    active(t, 60),
                    active(t, 90),
                    inactive(t)
                ),
                "{app}, {inactive_days} days"
            );
            assert_eq!(a.series.len(), MAX_POINTS.min(200 / 7 + 1));
            for p in &a.series {
                assert_eq!(
                    (p.active30, p.holders, p.inactive),
                    (active(p.at, 30), holders(p.at), inactive(p.at)),
                    "{app} at {}, {inactive_days} days",
                    ssoimport_schema::time::iso_millis(p.at)
                );
            }
        }
    }
}
