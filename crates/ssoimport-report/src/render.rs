//! The terminal table, JSON and CSV.

use std::fmt::Write;

use serde::Serialize;
use ssoimport_schema::time::iso_millis;

use crate::{AppReport, Report};

/// Widest app name column of the table, in characters; longer names are cut with `…`.
const NAME_WIDTH: usize = 40;

/// The report as a table for a terminal: a heading that says what the figures mean, then one line per app.
///
/// ```text
/// as of 2025-03-31T23:59:59.000Z; inactive: holds the app, no sign-in for 90 days; most inactive first
///
/// APP            APP INSTANCE ID  USERS  ACTIVE 30D  60D  90D  INACTIVE
/// Zoom           0oa2                12           3    5    8         4
/// ```
pub fn to_table(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "as of {}; inactive: holds the app, no sign-in for {} days; most inactive first",
        iso_millis(report.as_of),
        report.inactive_days
    );
    if report.apps.is_empty() {
        out.push_str("\nno apps in the files\n");
        return out;
    }
    let headers = [
        "APP",
        "APP INSTANCE ID",
        "USERS",
        "ACTIVE 30D",
        "60D",
        "90D",
        "INACTIVE",
    ];
    let rows: Vec<[String; 7]> = report
        .apps
        .iter()
        .map(|a| {
            [
                cut(&clean(&a.sso_app_name), NAME_WIDTH),
                clean(&a.app_instance_id),
                thousands(a.users),
                thousands(a.active30),
                thousands(a.active60),
                thousands(a.active90),
                thousands(a.inactive),
            ]
        })
        .collect();
    let mut widths = headers.map(|h| h.chars().count());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    out.push('\n');
    let mut line = |cells: &[&str]| {
        let mut text = String::new();
        for (i, (cell, width)) in cells.iter().zip(widths).enumerate() {
            if i > 0 {
                text.push_str("  ");
            }
            let pad = width.saturating_sub(cell.chars().count());
            if i < 2 {
                text.push_str(cell);
                text.extend(std::iter::repeat_n(' ', pad));
            } else {
                text.extend(std::iter::repeat_n(' ', pad));
                text.push_str(cell);
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    };
    line(&headers);
    for row in &rows {
        line(&row.each_ref().map(String::as_str));
    }
    let total = |f: fn(&AppReport) -> u64| thousands(report.apps.iter().map(f).sum());
    let _ = writeln!(
        out,
        "\n{} apps; {} inactive holdings (a user counts once per app)",
        thousands(report.apps.len() as u64),
        total(|a| a.inactive)
    );
    out
}

/// Control characters (a name from an export may hold any) as spaces, so that a line stays one line.
fn clean(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

fn cut(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(width - 1).collect();
    cut.push('…');
    cut
}

/// `1234567` as `1,234,567`.
pub(crate) fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonReport<'a> {
    as_of: String,
    apps: Vec<JsonApp<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonApp<'a> {
    app_instance_id: &'a str,
    sso_app_name: &'a str,
    users: u64,
    active30: u64,
    active60: u64,
    active90: u64,
    inactive: u64,
}

impl<'a> From<&'a AppReport> for JsonApp<'a> {
    fn from(a: &'a AppReport) -> Self {
        JsonApp {
            app_instance_id: &a.app_instance_id,
            sso_app_name: &a.sso_app_name,
            users: a.users,
            active30: a.active30,
            active60: a.active60,
            active90: a.active90,
            inactive: a.inactive,
        }
    }
}

/// The report as JSON: `{"asOf", "apps": [{"appInstanceId", "ssoAppName", "users", "active30", "active60",
/// "active90", "inactive"}]}`, `asOf` as `YYYY-MM-DDTHH:MM:SS.mmmZ`, apps in the table's order; pretty-printed,
/// with a final line break.
pub fn to_json(report: &Report) -> String {
    let json = JsonReport {
        as_of: iso_millis(report.as_of),
        apps: report.apps.iter().map(JsonApp::from).collect(),
    };
    let mut text = serde_json::to_string_pretty(&json).expect("plain data serializes");
    text.push('\n');
    text
}

/// The report as CSV (RFC 4180, CRLF line ends): a header line, then one line per app with the JSON's fields,
/// in the table's order.
pub fn to_csv(report: &Report) -> String {
    let mut out = String::from("appInstanceId,ssoAppName,users,active30,active60,active90,inactive\r\n");
    for a in &report.apps {
        let _ = write!(
            out,
            "{},{},{},{},{},{},{}\r\n",
            csv_field(&a.app_instance_id),
            csv_field(&a.sso_app_name),
            a.users,
            a.active30,
            a.active60,
            a.active90,
            a.inactive
        );
    }
    out
}

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\r', '\n']) || text.starts_with(' ') || text.ends_with(' ') {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}
