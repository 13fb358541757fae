//! The HTML page: one self-contained file (inline CSS and SVG, no script, no external reference), a summary
//! table, then a card per app with its chart of active and inactive users over time.

use std::fmt::Write;

use ssoimport_schema::time::{civil_from_days, iso_millis};

use crate::render::thousands;
use crate::{AppReport, DAY_MS, Report};

const ACTIVE: &str = "#2563eb";
const INACTIVE: &str = "#e8590c";
const HOLDERS: &str = "#6b7280";

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 250.0;
const LEFT: f64 = 52.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 34.0;
const BOTTOM: f64 = 30.0;

const STYLE: &str = "
:root { color-scheme: light; }
body { font: 15px/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; color: #1f2937; background: #f6f7f9;
  margin: 0; padding: 24px 32px 48px; }
h1 { font-size: 24px; margin: 0 0 4px; }
.lead { margin: 0 0 6px; color: #374151; max-width: 70em; }
.lead b { color: #111827; }
.note { color: #6b7280; font-size: 13px; max-width: 70em; margin: 0 0 20px; }
table { border-collapse: collapse; background: #fff; border: 1px solid #e5e7eb; border-radius: 6px; margin-bottom: 28px; }
th, td { padding: 5px 12px; border-bottom: 1px solid #eef0f3; text-align: right; white-space: nowrap; }
th { font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: #6b7280; background: #fafbfc; }
th:first-child, td:first-child { text-align: left; }
td.inactive { color: #c2410c; font-weight: 600; }
td.zero { color: #9ca3af; font-weight: 400; }
td.id { color: #6b7280; font-size: 12px; text-align: left; }
td a { color: inherit; text-decoration: none; border-bottom: 1px dotted #9ca3af; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(560px, 1fr)); gap: 18px; }
.card { background: #fff; border: 1px solid #e5e7eb; border-radius: 8px; padding: 14px 16px 8px; }
.card h2 { font-size: 17px; margin: 0; overflow-wrap: anywhere; }
.card .id { color: #6b7280; font-size: 12px; margin: 0 0 6px; overflow-wrap: anywhere; }
.figures { margin: 0 0 4px; font-size: 14px; }
.figures span { margin-right: 14px; white-space: nowrap; }
.figures .a b { color: #1d4ed8; }
.figures .i b { color: #c2410c; }
svg { width: 100%; height: auto; display: block; }
svg text { font: 11px system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; fill: #4b5563; }
svg .legend { font-size: 12px; fill: #374151; }
svg .shade { fill: #9ca3af; font-style: italic; }
";

/// The report as one self-contained HTML page: a summary table, then per app its figures and a chart of weekly
/// points over time: users active in the 30 days up to each point, users holding the app, and the holders
/// inactive for the report's threshold. Inline CSS and SVG only: no script, no font, no external reference.
pub fn to_html(report: &Report) -> String {
    let as_of = iso_millis(report.as_of);
    let days = report.inactive_days;
    let inactive: u64 = report.apps.iter().map(|a| a.inactive).sum();
    let with_inactive = report.apps.iter().filter(|a| a.inactive > 0).count();
    let mut out = String::with_capacity(4096 + report.apps.len() * 6144);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>SSO app usage as of {date}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
         <h1>SSO app usage as of {date}</h1>\n\
         <p class=\"lead\"><b>{inactive}</b> app holding{s} without a sign-in for {days} days, in <b>{with_inactive}</b> \
         of {apps} app{apps_s}: licences to reclaim.</p>\n\
         <p class=\"note\">As of {as_of} (UTC). <b>Users</b>: signed in, or hold the app. <b>Active 30/60/90 days</b>: \
         a sign-in in the last 30/60/90 days. <b>Inactive</b>: hold the app (a roster row, not deactivated) with no \
         sign-in in the last {days} days, or never. Apps with the most inactive users first. Each chart has a point \
         a week, each taken as if it were the as-of; in the shaded part the files hold less than {days} days of \
         sign-ins before the point, so a holder counted inactive there may have signed in before them.</p>\n",
        date = &as_of[..10],
        s = if inactive == 1 { "" } else { "s" },
        inactive = thousands(inactive),
        apps = thousands(report.apps.len() as u64),
        apps_s = if report.apps.len() == 1 { "" } else { "s" },
    );
    if report.apps.is_empty() {
        out.push_str("<p>No apps in the files.</p>\n</body>\n</html>\n");
        return out;
    }
    out.push_str(
        "<table>\n<thead><tr><th>App</th><th>App instance id</th><th>Users</th><th>Active 30 d</th><th>60 d</th><th>90 d</th>\
         <th>Inactive</th></tr></thead>\n<tbody>\n",
    );
    for (i, a) in report.apps.iter().enumerate() {
        let _ = writeln!(
            out,
            "<tr><td><a href=\"#app-{i}\">{}</a></td><td class=\"id\">{}</td><td>{}</td><td>{}</td><td>{}</td>\
             <td>{}</td><td class=\"inactive{}\">{}</td></tr>",
            escape(&a.sso_app_name),
            escape(&a.app_instance_id),
            thousands(a.users),
            thousands(a.active30),
            thousands(a.active60),
            thousands(a.active90),
            if a.inactive == 0 { " zero" } else { "" },
            thousands(a.inactive)
        );
    }
    out.push_str("</tbody>\n</table>\n<div class=\"cards\">\n");
    for (i, a) in report.apps.iter().enumerate() {
        let _ = write!(
            out,
            "<section class=\"card\" id=\"app-{i}\">\n<h2>{name}</h2>\n<p class=\"id\">{id}</p>\n\
             <p class=\"figures\"><span>users <b>{users}</b></span><span class=\"a\">active 30 d <b>{a30}</b></span>\
             <span>60 d <b>{a60}</b></span><span>90 d <b>{a90}</b></span>\
             <span class=\"i\">inactive <b>{inactive}</b></span></p>\n",
            name = escape(&a.sso_app_name),
            id = escape(&a.app_instance_id),
            users = thousands(a.users),
            a30 = thousands(a.active30),
            a60 = thousands(a.active60),
            a90 = thousands(a.active90),
            inactive = thousands(a.inactive),
        );
        chart(&mut out, report, a);
        out.push_str("</section>\n");
    }
    let _ = write!(
        out,
        "</div>\n<p class=\"note\">Made by ssoimport {} from the Parquet files of <code>convert --parquet</code>.</p>\n\
         </body>\n</html>\n",
        env!("CARGO_PKG_VERSION")
    );
    out
}

/// The chart of one app: lines of active, holding and inactive users over the weekly points.
fn chart(out: &mut String, report: &Report, app: &AppReport) {
    let series = &app.series;
    let Some((first, last)) = series.first().zip(series.last()) else {
        return;
    };
    let days = report.inactive_days;
    let top = series
        .iter()
        .map(|p| p.active30.max(p.holders).max(p.inactive))
        .max()
        .unwrap_or(0);
    let (step, y_max) = y_scale(top);
    let (x0, x1) = (first.at, last.at);
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let x = |at: i64| {
        if x1 == x0 {
            LEFT + plot_w / 2.0
        } else {
            LEFT + plot_w * (at - x0) as f64 / (x1 - x0) as f64
        }
    };
    let y = |v: u64| TOP + plot_h * (1.0 - v as f64 / y_max as f64);
    let _ = writeln!(
        out,
        "<svg viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" aria-label=\"{}: users active in 30 days and inactive \
         holders, weekly, up to {}\">",
        escape(&app.sso_app_name),
        &iso_millis(last.at)[..10]
    );
    // Points before this instant see less than `days` days of sign-ins.
    let full_history_from = report.as_of - (i64::from(report.history_days) - i64::from(days)) * DAY_MS;
    if full_history_from > x0 {
        let edge = if full_history_from >= x1 {
            WIDTH - RIGHT
        } else {
            x(full_history_from)
        };
        let _ = writeln!(
            out,
            "<rect x=\"{LEFT}\" y=\"{TOP}\" width=\"{:.1}\" height=\"{plot_h}\" fill=\"#f1f3f5\"><title>The files \
             hold less than {days} days of sign-ins before these points: a holder counted inactive here may have \
             signed in before the first sign-in in the files</title></rect>",
            edge - LEFT
        );
        if edge - LEFT > 150.0 {
            let _ = writeln!(
                out,
                "<text class=\"shade\" x=\"{:.1}\" y=\"{:.1}\">less than {days} days of \
                 history</text>",
                LEFT + 6.0,
                TOP + 14.0
            );
        }
    }
    // Horizontal grid and y labels.
    let mut v = 0;
    while v <= y_max {
        let yy = y(v);
        let _ = writeln!(
            out,
            "<line x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{yy:.1}\" y2=\"{yy:.1}\" stroke=\"{}\" stroke-width=\"1\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            WIDTH - RIGHT,
            if v == 0 { "#9ca3af" } else { "#e5e7eb" },
            LEFT - 6.0,
            yy + 4.0,
            thousands(v)
        );
        v += step;
    }
    // Date labels: at most six, evenly spread back from the last point; the year on the first and where it
    // changes.
    let every = series.len().div_ceil(6).max(1);
    let mut last_year = None;
    for (i, p) in series.iter().enumerate() {
        if !(series.len() - 1 - i).is_multiple_of(every) {
            continue;
        }
        let xx = x(p.at);
        let (label, year) = short_date(p.at);
        let label = if last_year == Some(year) {
            label
        } else {
            format!("{label}, {year}")
        };
        last_year = Some(year);
        let anchor = match i {
            _ if series.len() == 1 => "middle",
            0 => "start",
            i if i == series.len() - 1 => "end",
            _ => "middle",
        };
        let _ = writeln!(
            out,
            "<line x1=\"{xx:.1}\" x2=\"{xx:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"#9ca3af\"/>\
             <text x=\"{xx:.1}\" y=\"{:.1}\" text-anchor=\"{anchor}\">{label}</text>",
            HEIGHT - BOTTOM,
            HEIGHT - BOTTOM + 4.0,
            HEIGHT - BOTTOM + 16.0
        );
    }
    // The lines: holders (dashed), active, inactive.
    let path = |value: fn(&crate::Point) -> u64| {
        series
            .iter()
            .enumerate()
            .map(|(i, p)| {
                format!(
                    "{}{:.1},{:.1}",
                    if i == 0 { "M" } else { "L" },
                    x(p.at),
                    y(value(p))
                )
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    if series.len() > 1 {
        let active = path(|p| p.active30);
        let _ = writeln!(
            out,
            "<path d=\"{active} L{:.1},{:.1} L{:.1},{:.1} Z\" fill=\"{ACTIVE}\" fill-opacity=\"0.10\"/>",
            x(x1),
            y(0),
            x(x0),
            y(0)
        );
        let _ = writeln!(
            out,
            "<path d=\"{}\" fill=\"none\" stroke=\"{HOLDERS}\" stroke-width=\"1.5\" stroke-dasharray=\"5 4\"/>",
            path(|p| p.holders)
        );
        let _ = writeln!(
            out,
            "<path d=\"{active}\" fill=\"none\" stroke=\"{ACTIVE}\" stroke-width=\"2.5\" stroke-linejoin=\"round\"/>"
        );
        let _ = writeln!(
            out,
            "<path d=\"{}\" fill=\"none\" stroke=\"{INACTIVE}\" stroke-width=\"2.5\" stroke-linejoin=\"round\"/>",
            path(|p| p.inactive)
        );
    }
    // A dot per point, with the figures as a tooltip.
    for p in series {
        let xx = x(p.at);
        let _ = writeln!(
            out,
            "<g><title>{}: {} active in 30 days, {} holding, {} inactive for {days} days</title>\
             <circle cx=\"{xx:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"{ACTIVE}\"/>\
             <circle cx=\"{xx:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"{INACTIVE}\"/></g>",
            &iso_millis(p.at)[..10],
            thousands(p.active30),
            thousands(p.holders),
            thousands(p.inactive),
            y(p.active30),
            y(p.inactive)
        );
    }
    // The legend, above the plot.
    let legend_y = 14.0;
    let _ = writeln!(
        out,
        "<rect x=\"{LEFT}\" y=\"{:.1}\" width=\"14\" height=\"4\" fill=\"{ACTIVE}\"/>\
         <text class=\"legend\" x=\"{:.1}\" y=\"{:.1}\">active in 30 days</text>\
         <rect x=\"{:.1}\" y=\"{:.1}\" width=\"14\" height=\"4\" fill=\"{INACTIVE}\"/>\
         <text class=\"legend\" x=\"{:.1}\" y=\"{:.1}\">inactive (no sign-in for {days} days)</text>\
         <line x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"{HOLDERS}\" stroke-width=\"1.5\" \
         stroke-dasharray=\"5 4\"/><text class=\"legend\" x=\"{:.1}\" y=\"{:.1}\">holding the app</text>",
        legend_y - 2.0,
        LEFT + 20.0,
        legend_y + 3.0,
        LEFT + 150.0,
        legend_y - 2.0,
        LEFT + 170.0,
        legend_y + 3.0,
        LEFT + 400.0,
        LEFT + 418.0,
        legend_y,
        legend_y,
        LEFT + 424.0,
        legend_y + 3.0
    );
    out.push_str("</svg>\n");
}

/// A grid step of 1, 2 or 5 times a power of ten giving at most five lines above zero, and the top of the scale.
fn y_scale(top: u64) -> (u64, u64) {
    let top = top.max(1);
    let mut magnitude = 1u64;
    loop {
        for m in [1, 2, 5] {
            let step = m * magnitude;
            if top.div_ceil(step) <= 5 {
                return (step, top.div_ceil(step) * step);
            }
        }
        magnitude *= 10;
    }
}

/// `Mar 3` and the year of an instant.
fn short_date(millis: i64) -> (String, i64) {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (year, month, day) = civil_from_days(millis.div_euclid(DAY_MS));
    (format!("{} {day}", MONTHS[(month - 1) as usize]), year)
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}
