//! `ssoimport report`: every figure checked against an independent computation over the NDJSON parts of the same
//! conversion (the rows the Parquet copies hold, read another way), with plain sets and string comparisons of the
//! contract's timestamps (`YYYY-MM-DDTHH:MM:SS.mmmZ` sorts as time does).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value;
use ssoimport::normalize::{SlashDateOrder, parse_timestamp};
use ssoimport::schema::Task;
use ssoimport::schema::time::iso_millis;

use crate::support::*;

const DAY_MS: i64 = 86_400_000;

/// An Okta System Log over 150 days (generated), plus the Okta fixtures' app assignments (holders who never signed
/// in, a deactivated one), users and apps (an app nobody uses), converted with --parquet.
fn converted(dir: &Path) -> std::path::PathBuf {
    let log = dir.join("okta.ndjson");
    let out = dir.join("out");
    let generated = run(
        &[
            "gen",
            "okta",
            "--events",
            "3000",
            "--users",
            "60",
            "--apps",
            "8",
            "--days",
            "150",
            "--quiet",
            "--out",
            log.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(generated.status.code(), Some(0), "{generated:?}");
    let (app_users, users, apps) = (
        fixture("okta/app-users-page.json"),
        fixture("okta/users-page.json"),
        fixture("okta/apps-page.json"),
    );
    convert(
        &[
            log.to_str().unwrap(),
            app_users.to_str().unwrap(),
            users.to_str().unwrap(),
            apps.to_str().unwrap(),
            "--parquet",
        ],
        &out,
        0,
    );
    out
}

fn text<'a>(row: &'a Value, field: &str) -> Option<&'a str> {
    row.get(field).and_then(Value::as_str)
}

/// The figures of each app as (users, active30, active60, active90, inactive), from the parts.
fn expected(out: &Path, as_of: i64, inactive_days: i64) -> BTreeMap<String, [u64; 5]> {
    let usage = task_rows(out, Task::SsoApplicationUsage, 10_000_000);
    let roster = task_rows(out, Task::SsoApplicationRoster, 10_000_000);
    let discovery = task_rows(out, Task::ApplicationDiscovery, 10_000_000);
    let at = iso_millis(as_of);
    let since = |days: i64| iso_millis(as_of - days * DAY_MS);

    let mut apps: BTreeSet<String> = BTreeSet::new();
    // Per app: users who signed in at or before the as-of, with their last sign-in then.
    let mut last: BTreeMap<&str, BTreeMap<&str, &str>> = BTreeMap::new();
    for row in &usage {
        let (app, user, when) = (
            text(row, "appInstanceId").unwrap(),
            text(row, "uniqueId").unwrap(),
            text(row, "occurredAt").unwrap(),
        );
        apps.insert(app.to_string());
        if when <= at.as_str() {
            let slot = last.entry(app).or_default().entry(user).or_insert(when);
            if when > *slot {
                *slot = when;
            }
        }
    }
    // Per app: the users holding it at the as-of.
    let mut holders: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for row in &roster {
        let app = text(row, "appInstanceId").unwrap();
        apps.insert(app.to_string());
        let activated = text(row, "activatedAt").is_none_or(|t| t <= at.as_str());
        let not_deactivated = text(row, "deactivatedAt").is_none_or(|t| t > at.as_str());
        if activated && not_deactivated {
            holders
                .entry(app)
                .or_default()
                .insert(text(row, "uniqueId").unwrap());
        }
    }
    for row in &discovery {
        apps.insert(text(row, "appInstanceId").unwrap().to_string());
    }
    let no_users = BTreeMap::new();
    let no_holders = BTreeSet::new();
    apps.into_iter()
        .map(|app| {
            let last = last.get(app.as_str()).unwrap_or(&no_users);
            let holders = holders.get(app.as_str()).unwrap_or(&no_holders);
            let mut users: BTreeSet<&str> = last.keys().copied().collect();
            users.extend(holders.iter().copied());
            let active = |days: i64| {
                let from = since(days);
                last.values().filter(|t| **t > from.as_str()).count() as u64
            };
            let from = since(inactive_days);
            let inactive = holders
                .iter()
                .filter(|u| last.get(*u).is_none_or(|t| *t <= from.as_str()))
                .count() as u64;
            let figures = [users.len() as u64, active(30), active(60), active(90), inactive];
            (app, figures)
        })
        .collect()
}

fn report_json(out: &Path, extra: &[&str]) -> Value {
    let mut args = vec!["report", out.to_str().unwrap(), "--json"];
    args.extend_from_slice(extra);
    let output = run(&args, None);
    assert_eq!(
        output.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// Asserts every app's figures, the set of apps, the names and the order.
fn check(out: &Path, json: &Value, as_of: i64, inactive_days: i64) {
    assert_eq!(json["asOf"], iso_millis(as_of));
    let want = expected(out, as_of, inactive_days);
    let apps = json["apps"].as_array().unwrap();
    let got: BTreeMap<String, [u64; 5]> = apps
        .iter()
        .map(|a| {
            let n = |k: &str| a[k].as_u64().unwrap();
            (
                a["appInstanceId"].as_str().unwrap().to_string(),
                [
                    n("users"),
                    n("active30"),
                    n("active60"),
                    n("active90"),
                    n("inactive"),
                ],
            )
        })
        .collect();
    assert_eq!(got.len(), apps.len(), "each app once");
    assert_eq!(got, want, "as of {}", iso_millis(as_of));
    // Not a trivial case: some active, some inactive, an app with nobody.
    assert!(want.values().any(|f| f[1] > 0) && want.values().any(|f| f[4] > 0));
    assert!(want.values().any(|f| f[0] == 0));
    // Names: discovery's.
    let names: BTreeMap<String, String> = task_rows(out, Task::ApplicationDiscovery, 10_000_000)
        .iter()
        .map(|r| {
            (
                text(r, "appInstanceId").unwrap().to_string(),
                text(r, "ssoAppName").unwrap().to_string(),
            )
        })
        .collect();
    for a in apps {
        if let Some(name) = names.get(a["appInstanceId"].as_str().unwrap()) {
            assert_eq!(a["ssoAppName"], name.as_str());
        }
    }
    // Most inactive first, then most users, then by name.
    let keys: Vec<(i64, i64, String)> = apps
        .iter()
        .map(|a| {
            (
                -(a["inactive"].as_i64().unwrap()),
                -(a["users"].as_i64().unwrap()),
                a["ssoAppName"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(keys.is_sorted(), "{keys:?}");
}

#[test]
fn report_figures_match_an_independent_computation() {
    let dir = tempfile::tempdir().unwrap();
    let out = converted(dir.path());

    // A fixed as-of inside the generated window, and a threshold of 60 days.
    let as_of = parse_timestamp("2025-04-15T12:00:00Z", SlashDateOrder::MonthFirst).unwrap();
    let json = report_json(
        &out,
        &["--as-of", "2025-04-15T12:00:00Z", "--inactive-days", "60"],
    );
    check(&out, &json, as_of, 60);

    // The default: as of the newest sign-in, 90 days.
    let newest = task_rows(&out, Task::SsoApplicationUsage, 10_000_000)
        .iter()
        .map(|r| text(r, "occurredAt").unwrap().to_string())
        .max()
        .unwrap();
    let json = report_json(&out, &[]);
    let as_of = parse_timestamp(&newest, SlashDateOrder::MonthFirst).unwrap();
    check(&out, &json, as_of, 90);

    // CSV: the JSON's apps, line for line.
    let csv = run(&["report", out.to_str().unwrap(), "--csv"], None);
    assert_eq!(csv.status.code(), Some(0));
    let csv = String::from_utf8(csv.stdout).unwrap();
    let mut lines = csv.split("\r\n");
    assert_eq!(
        lines.next(),
        Some("appInstanceId,ssoAppName,users,active30,active60,active90,inactive")
    );
    for app in json["apps"].as_array().unwrap() {
        let line = lines.next().unwrap();
        let fields: Vec<&str> = line.split(',').collect();
        assert_eq!(fields[0], app["appInstanceId"]);
        let figures: Vec<u64> = fields[fields.len() - 5..]
            .iter()
            .map(|f| f.parse().unwrap())
            .collect();
        let want: Vec<u64> = ["users", "active30", "active60", "active90", "inactive"]
            .iter()
            .map(|k| app[k].as_u64().unwrap())
            .collect();
        assert_eq!(figures, want, "{line}");
    }
    assert_eq!(lines.next(), Some(""));

    // HTML: one self-contained file with a chart per app; the table still on stdout.
    let page = dir.path().join("report.html");
    let html = run(
        &["report", out.to_str().unwrap(), "--html", page.to_str().unwrap()],
        None,
    );
    assert_eq!(html.status.code(), Some(0));
    let stdout = String::from_utf8(html.stdout).unwrap();
    assert!(
        stdout.contains("INACTIVE") && stdout.contains("report.html"),
        "{stdout}"
    );
    let page = std::fs::read_to_string(&page).unwrap();
    assert_eq!(
        page.matches("<svg ").count(),
        json["apps"].as_array().unwrap().len()
    );
    for external in ["http:", "https:", "src=", "<script", "<link", "@import", "url("] {
        assert!(!page.contains(external), "{external} in the page");
    }
}

#[test]
fn report_says_what_to_do_without_parquet_files() {
    let dir = tempfile::tempdir().unwrap();
    let input = fixture("csv/signins-hazards.csv");
    convert(&[input.to_str().unwrap()], dir.path(), 0);
    let output = run(&["report", dir.path().to_str().unwrap()], None);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("ssoimport convert --parquet"), "{stderr}");

    let output = run(
        &["report", dir.path().to_str().unwrap(), "--as-of", "yesterday"],
        None,
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--as-of"));
}
