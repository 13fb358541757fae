use std::collections::{BTreeMap, HashSet};
use std::io::{self, Write};

use serde_json::Value;
use ssoimport::source::expand_inputs;
use ssoimport::{ConvertOptions, Pipeline, Readers};

use super::*;
use crate::world::{DOMAINS, FIRST, GEOS, ISPS, LAST, SIGNON};

fn gen_n(format: Format, events: u64) -> (Vec<u8>, GenSummary) {
    generate(&GenOptions::new(format, events))
}

fn lines(data: &[u8]) -> Vec<&str> {
    std::str::from_utf8(data)
        .expect("utf-8")
        .lines()
        .filter(|l| !l.is_empty())
        .collect()
}

fn json_lines(data: &[u8]) -> Vec<Value> {
    lines(data)
        .into_iter()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

fn share(part: usize, whole: usize) -> f64 {
    part as f64 / whole as f64
}

/// A writer that takes at most 7 bytes per call.
struct Trickle(Vec<u8>);

impl Write for Trickle {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = buf.len().min(7);
        self.0.extend_from_slice(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn same_options_give_the_same_bytes_whatever_the_writer() {
    for format in Format::ALL {
        let options = GenOptions::new(format, 500).seed(9);
        let (a, sa) = generate(&options);
        let mut b = Trickle(Vec::new());
        let sb = write_to(&options, &mut b).unwrap();
        assert_eq!(a, b.0, "{format}");
        assert_eq!(sa, sb, "{format}");
        assert_eq!(sa.bytes, a.len() as u64);
        let (c, _) = generate(&options.clone().seed(10));
        assert_ne!(a, c, "{format}: another seed gives other bytes");
    }
}

#[test]
fn buffered_generation_is_the_same_as_whole() {
    let options = GenOptions::new(Format::Okta, 3000);
    let (whole, _) = generate(&options);
    let mut generator = Generator::new(&options);
    let mut pieces = Vec::new();
    let mut buf = Vec::new();
    let mut largest = 0;
    loop {
        let more = generator.fill(&mut buf, 64 << 10);
        largest = largest.max(buf.len());
        pieces.extend_from_slice(&buf);
        buf.clear();
        if !more {
            break;
        }
    }
    assert_eq!(pieces, whole);
    // Blocks stay near the size asked for: memory does not grow with the export.
    assert!(largest < (64 << 10) + 8192, "{largest}");
}

#[test]
fn n_events_out_and_the_fates_add_up() {
    for format in Format::ALL {
        for n in [0, 1, 7, 1000] {
            let (data, s) = gen_n(format, n);
            assert_eq!(s.events, n, "{format} {n}");
            assert_eq!(s.usage + s.filtered + s.rejected, n, "{format} {n}");
            match format {
                Format::Okta | Format::Entra => {
                    assert_eq!(lines(&data).len() as u64, n);
                    assert_eq!(s.records, n);
                }
                Format::Csv => {
                    // The header, then one CRLF-ended row per event.
                    let text = std::str::from_utf8(&data).unwrap();
                    assert_eq!(text.matches("\r\n").count() as u64, n + 1);
                    assert_eq!(s.records, n);
                }
                Format::Google => {
                    let events: usize = json_lines(&data)
                        .iter()
                        .map(|a| a["events"].as_array().map_or(0, Vec::len))
                        .sum();
                    assert_eq!(events as u64, n);
                    assert_eq!(lines(&data).len() as u64, s.records);
                    assert!(s.records <= n);
                }
            }
        }
    }
}

#[test]
fn okta_events_have_the_system_log_shape_and_mix() {
    let (data, s) = gen_n(Format::Okta, 4000);
    let events = json_lines(&data);
    let mut types: BTreeMap<String, usize> = BTreeMap::new();
    let mut failures = 0;
    for e in &events {
        let t = e["eventType"].as_str().unwrap().to_string();
        assert!(e["uuid"].as_str().unwrap().len() == 36);
        assert!(e["published"].as_str().unwrap().ends_with('Z'));
        assert!(e["actor"]["id"].as_str().unwrap().starts_with("00u"));
        assert!(e["client"]["geographicalContext"]["geolocation"]["lat"].is_number());
        assert_eq!(e["version"], "0");
        match t.as_str() {
            "user.authentication.sso" => {
                let target = e["target"].as_array().unwrap();
                assert_eq!(target[0]["type"], "AppInstance");
                assert!(target[0]["id"].as_str().unwrap().starts_with("0oa"));
                assert_eq!(target[1]["type"], "AppUser");
            }
            "user.session.start" => assert!(e["target"].is_null()),
            "policy.evaluate_sign_on" => assert_eq!(e["target"][0]["type"], "PolicyEntity"),
            other => panic!("unexpected event type {other}"),
        }
        if e["outcome"]["result"] != "SUCCESS" && e["outcome"]["result"] != "ALLOW" {
            failures += 1;
        }
        *types.entry(t).or_default() += 1;
    }
    let n = events.len();
    let sso = share(types["user.authentication.sso"], n);
    assert!((0.83..0.89).contains(&sso), "sso share {sso}");
    assert!((0.06..0.10).contains(&share(types["user.session.start"], n)));
    assert!((0.04..0.08).contains(&share(types["policy.evaluate_sign_on"], n)));
    assert!((0.03..0.07).contains(&share(failures, n)), "failures {failures}");
    let mean = data.len() / n;
    assert!((1500..2500).contains(&mean), "mean record size {mean}");
    // Times never go back.
    let times: Vec<&str> = events.iter().map(|e| e["published"].as_str().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]));
    assert_eq!(s.usage as usize + s.filtered as usize, n);
}

#[test]
fn users_and_apps_stay_within_the_options() {
    let options = GenOptions::new(Format::Okta, 5000).users(40).apps(25);
    let (data, _) = generate(&options);
    let events = json_lines(&data);
    let users: HashSet<&str> = events
        .iter()
        .map(|e| e["actor"]["id"].as_str().unwrap())
        .collect();
    let emails: HashSet<&str> = events
        .iter()
        .map(|e| e["actor"]["alternateId"].as_str().unwrap())
        .collect();
    let apps: HashSet<&str> = events
        .iter()
        .filter_map(|e| e["target"][0]["id"].as_str())
        .filter(|id| id.starts_with("0oa"))
        .collect();
    assert!(users.len() <= 40 && users.len() >= 20, "{}", users.len());
    assert_eq!(users.len(), emails.len(), "one email per user id");
    assert!(apps.len() <= 25 && apps.len() >= 10, "{}", apps.len());
    assert_eq!(GenOptions::new(Format::Okta, 1000).user_count(), 50);
    assert_eq!(GenOptions::new(Format::Okta, 1_000_000).user_count(), 5000);
}

#[test]
fn entra_sign_ins_carry_the_hazards() {
    let (data, s) = gen_n(Format::Entra, 5000);
    let text = std::str::from_utf8(&data).unwrap();
    let rows = json_lines(&data);
    let mut seven = 0;
    let mut offsets = 0;
    let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
    let mut failures = 0;
    for r in &rows {
        let t = r["createdDateTime"].as_str().unwrap();
        if t.len() == "2025-01-01T00:00:00.1234567Z".len() {
            seven += 1;
        }
        if !t.ends_with('Z') {
            offsets += 1;
        }
        let kind = match r["signInEventTypes"][0].as_str() {
            Some(k) => k,
            None if r["isInteractive"] == true => "v1-interactive",
            None => "v1-noninteractive",
        };
        *kinds.entry(kind).or_default() += 1;
        if r["status"]["errorCode"] != 0 {
            failures += 1;
        }
    }
    let n = rows.len();
    assert!(share(seven, n) > 0.5, "{seven}");
    assert!((0.05..0.15).contains(&share(offsets, n)), "{offsets}");
    assert!(kinds["servicePrincipal"] > 0 && kinds["managedIdentity"] > 0);
    assert!(kinds["v1-interactive"] > 0 && kinds["v1-noninteractive"] > 0);
    assert!(kinds["nonInteractiveUser"] > kinds["interactiveUser"]);
    assert!((0.03..0.07).contains(&share(failures, n)), "{failures}");
    assert!(text.contains(r#""geoCoordinates":{}"#));
    assert!(s.rejected > 0, "GUIDs as user principal names");
}

#[test]
fn google_activities_have_the_reports_shape() {
    let (data, _) = gen_n(Format::Google, 4000);
    let text = std::str::from_utf8(&data).unwrap();
    let activities = json_lines(&data);
    let mut apps: BTreeMap<&str, usize> = BTreeMap::new();
    let mut multi = 0;
    for a in &activities {
        assert_eq!(a["kind"], "admin#reports#activity");
        assert!(a["id"]["uniqueQualifier"].is_string());
        assert!(a["actor"]["profileId"].is_string());
        *apps
            .entry(a["id"]["applicationName"].as_str().unwrap())
            .or_default() += 1;
        if a["events"].as_array().unwrap().len() > 1 {
            multi += 1;
        }
    }
    assert!(apps["saml"] > 0 && apps["token"] > 0 && apps["login"] > 0);
    assert!(multi > 0);
    assert!(text.contains(r#""intValue":""#), "intValue as strings");
    assert!(text.contains(r#""multiMessageValue":"#));
    assert!(text.contains(r#""name":"authorize""#));
    assert!(text.contains(r#""name":"login_challenge""#));
    assert!(text.contains(r#""uniqueQualifier":"-"#), "negative qualifiers");
}

#[test]
fn csv_rows_carry_the_hazards() {
    let (data, _) = gen_n(Format::Csv, 3000);
    assert!(data.starts_with(b"\xEF\xBB\xBF"));
    let text = std::str::from_utf8(&data).unwrap();
    assert_eq!(text.matches('\n').count(), text.matches("\r\n").count());
    assert!(text.contains(",\"Lee, ") || text.contains(", "), "quoted commas");
    assert!(text.contains("\"\""), "doubled quotes in an app name");
    assert!(text.contains(",,,,,,,,\r\n"), "empty rows");
    // Every date shape appears.
    assert!(text.contains(" AM,") || text.contains(" PM,"));
    assert!(
        text.lines()
            .any(|l| l.split(',').any(|f| f.len() == 19 && f.as_bytes()[10] == b' '))
    );
    assert!(text.contains("Z,"));
    assert!(text.contains("+01:00,") || text.contains("-05:00,") || text.contains("+05:30,"));
}

#[test]
fn table_strings_need_no_escaping() {
    let plain = |s: &str| !s.contains(['"', '\\']) && !s.chars().any(char::is_control);
    for (a, b) in FIRST.iter().chain(LAST) {
        assert!(plain(a) && plain(b) && !a.contains(',') && b.is_ascii());
    }
    for g in GEOS {
        for s in [g.city, g.state, g.country, g.postal, g.lat, g.lon, g.cc, g.region] {
            assert!(plain(s) && !s.contains(','), "{s}");
        }
    }
    for (_, a, b, c) in ISPS {
        assert!(plain(a) && plain(b) && plain(c));
    }
    for s in DOMAINS.iter().chain(SIGNON.iter().map(|(a, _)| a)) {
        assert!(plain(s));
    }
}

#[test]
fn formats_parse_by_name() {
    for f in Format::ALL {
        assert_eq!(f.name().parse::<Format>(), Ok(f));
    }
    assert!("splunk".parse::<Format>().is_err());
    assert_eq!(Format::Csv.extension(), "csv");
}

#[test]
fn options_for_bytes_come_close() {
    let options = options_for_bytes(Format::Entra, 1 << 20, 1);
    let (data, _) = generate(&options);
    let ratio = data.len() as f64 / f64::from(1 << 20);
    assert!((0.8..1.2).contains(&ratio), "{ratio}");
}

/// Every generated record converts: through the facade, with the readers picked by auto-detection, the counts
/// add up and match what the generator meant.
#[test]
fn every_record_converts_as_meant() {
    let dir = tempfile::tempdir().unwrap();
    for format in Format::ALL {
        let n = 3000;
        let path = dir.path().join(format!("export.{}", format.extension()));
        let file = std::fs::File::create(&path).unwrap();
        let meant = write_to(&GenOptions::new(format, n).seed(3), file).unwrap();
        let out = dir.path().join(format!("out-{format}"));
        let summary = Pipeline::new(ConvertOptions::new(&out).threads(2), Readers::default())
            .convert(&expand_inputs(&[&path]).unwrap(), &())
            .unwrap();
        let m = &summary.manifest;
        assert_eq!(m.inputs[0].source, format.name(), "auto-detected");
        let c = m.counts;
        assert!(c.balanced(), "{format}: {c:?}");
        assert_eq!(c.read, n, "{format}: {c:?}");
        assert_eq!(c.duplicates, 0, "{format}: {c:?}");
        assert_eq!(c.accepted, meant.usage, "{format}: {c:?} {meant:?}");
        assert_eq!(c.filtered, meant.filtered, "{format}: {c:?} {meant:?}");
        assert_eq!(
            c.rejected, meant.rejected,
            "{format}: {c:?} {:?}",
            m.rejects_by_code
        );
        assert!(
            share(c.accepted as usize, n as usize) > 0.6,
            "{format}: most records accepted"
        );
        if c.rejected > 0 {
            assert_eq!(m.rejects_by_code.keys().collect::<Vec<_>>(), ["invalid_email"]);
        }
        let usage = m.tasks.iter().find(|t| t.task == "SsoApplicationUsage").unwrap();
        assert_eq!(usage.rows, meant.usage, "{format}");
    }
}
