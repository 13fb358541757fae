//! Property tests of the whole pipeline and of every reader: on generated exports with random bad records, every
//! record read is counted once (`read = filtered + duplicates + rejected + accepted`) and each reject is in
//! `rejects.jsonl`; pushed through a reader's decoder in any split, the same rows come out.

use std::sync::Arc;

use proptest::prelude::*;
use ssoimport_source::conformance::decode_pieces;
use ssoimport_source::{Source, expand_inputs};
use ssoimport_upload::PartOptions;

use crate::{ConvertOptions, Pipeline, Readers};

/// One record of a generated export: good, or spoiled in one of several ways.
#[derive(Debug, Clone)]
enum Rec {
    Good { user: u8, app: u8, minute: u8 },
    BadEmail,
    NoApp,
    BadTime,
    NotUtf8,
    Broken,
    Duplicate,
    Blank,
}

fn rec() -> impl Strategy<Value = Rec> {
    prop_oneof![
        6 => (any::<u8>(), 0u8..5, 0u8..60).prop_map(|(user, app, minute)| Rec::Good { user, app, minute }),
        1 => Just(Rec::BadEmail),
        1 => Just(Rec::NoApp),
        1 => Just(Rec::BadTime),
        1 => Just(Rec::NotUtf8),
        1 => Just(Rec::Broken),
        1 => Just(Rec::Duplicate),
        1 => Just(Rec::Blank),
    ]
}

/// The records as a CSV export.
fn csv(records: &[Rec]) -> Vec<u8> {
    let mut out = b"Email,App,Date,Event ID\n".to_vec();
    let mut last = b"u0@example.com,App 0,2024-03-01T09:00:00Z,e0\n".to_vec();
    for (i, r) in records.iter().enumerate() {
        let line: Vec<u8> = match r {
            Rec::Good { user, app, minute } => {
                format!("u{user}@example.com,App {app},2024-03-01T09:{minute:02}:00Z,e{i}\n").into_bytes()
            }
            Rec::BadEmail => format!("not-an-email,App 1,2024-03-01T09:00:00Z,e{i}\n").into_bytes(),
            Rec::NoApp => format!("x{i}@example.com,,2024-03-01T09:00:00Z,e{i}\n").into_bytes(),
            Rec::BadTime => format!("x{i}@example.com,App 1,yesterday,e{i}\n").into_bytes(),
            Rec::NotUtf8 => b"\xff@example.com,App 1,2024-03-01T09:00:00Z,x\n".to_vec(),
            Rec::Broken => {
                format!("x{i}@example.com,App 1,2024-03-01T09:00:00Z,e{i},extra,fields\n").into_bytes()
            }
            Rec::Duplicate => last.clone(),
            Rec::Blank => b"\n".to_vec(),
        };
        out.extend_from_slice(&line);
        last = line;
    }
    out
}

/// The records as NDJSON of Okta System Log events.
fn okta(records: &[Rec]) -> Vec<u8> {
    let event = |uuid: &str, email: &str, app: &str, time: &str| {
        let target = if app.is_empty() {
            "null".to_string()
        } else {
            format!(r#"[{{"id":"0oa{app}","type":"AppInstance","displayName":"{app}"}}]"#)
        };
        format!(
            r#"{{"uuid":"{uuid}","published":"{time}","eventType":"user.authentication.sso","outcome":{{"result":"SUCCESS"}},"actor":{{"id":"00u","type":"User","alternateId":"{email}"}},"target":{target}}}"#
        ) + "\n"
    };
    let mut out = Vec::new();
    let mut last = event("e", "u0@example.com", "App0", "2024-03-01T09:00:00.000Z").into_bytes();
    for (i, r) in records.iter().enumerate() {
        let id = format!("e{i}");
        let line: Vec<u8> = match r {
            Rec::Good { user, app, minute } => event(
                &id,
                &format!("u{user}@example.com"),
                &format!("App{app}"),
                &format!("2024-03-01T09:{minute:02}:00.000Z"),
            )
            .into_bytes(),
            Rec::BadEmail => event(&id, "not-an-email", "App1", "2024-03-01T09:00:00.000Z").into_bytes(),
            Rec::NoApp => event(&id, "x@example.com", "", "2024-03-01T09:00:00.000Z").into_bytes(),
            Rec::BadTime => event(&id, "x@example.com", "App1", "yesterday").into_bytes(),
            Rec::NotUtf8 => b"{\"uuid\":\"\xff\"}\n".to_vec(),
            Rec::Broken => b"{\"uuid\":\"e\",\"published\":\n".to_vec(),
            Rec::Duplicate => last.clone(),
            Rec::Blank => b"\n".to_vec(),
        };
        out.extend_from_slice(&line);
        last = line;
    }
    out
}

fn check_pipeline(name: &str, bytes: &[u8], cap: u64) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().map_err(|e| TestCaseError::fail(e.to_string()))?;
    let input = dir.path().join(name);
    std::fs::write(&input, bytes).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let out = dir.path().join("out");
    let options = ConvertOptions::new(&out).threads(2).parts(PartOptions {
        max_part_bytes: cap,
        gzip_level: 1,
    });
    let inputs = expand_inputs(&[&input]).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let summary = Pipeline::new(options, Readers::default())
        .convert(&inputs, &())
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    let m = &summary.manifest;
    let c = m.counts;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        // Nothing tells what kind of export this is (as for an empty file): at most an input error that asks
        // for --source, and nothing counted.
        prop_assert!(
            m.input_errors.iter().all(|e| e.detail.contains("--source")),
            "{:?}",
            m.input_errors
        );
        prop_assert_eq!(c.read, 0);
        return Ok(());
    }
    prop_assert!(m.input_errors.is_empty(), "{:?}", m.input_errors);
    prop_assert_eq!(
        c.read,
        c.filtered + c.duplicates + c.rejected + c.accepted,
        "{:?}",
        c
    );
    prop_assert_eq!(m.rejects_by_code.values().sum::<u64>(), c.rejected);
    let rejects =
        std::fs::read_to_string(out.join("rejects.jsonl")).map_err(|e| TestCaseError::fail(e.to_string()))?;
    // One line per rejected record (a roster gap covering several records is one line, so at most).
    prop_assert!(rejects.lines().count() as u64 <= c.rejected);
    for line in rejects.lines() {
        let r: serde_json::Value =
            serde_json::from_str(line).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert!(r["code"].is_string() && r["record"].is_u64());
    }
    for task in &m.tasks {
        let rows: u64 = task.parts.iter().map(|p| p.rows).sum();
        prop_assert_eq!(rows, task.rows);
        for p in &task.parts {
            prop_assert!(p.bytes <= cap);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn every_record_is_counted_once_in_csv(records in prop::collection::vec(rec(), 0..60), cap in 1024u64..4096) {
        check_pipeline("export.csv", &csv(&records), cap)?;
    }

    #[test]
    fn every_record_is_counted_once_in_ndjson(records in prop::collection::vec(rec(), 1..60), cap in 1024u64..4096) {
        check_pipeline("events.ndjson", &okta(&records), cap)?;
    }
}

/// Entra and Google records in their own shapes, good and bad, for the split test.
fn entra(records: &[Rec]) -> Vec<u8> {
    let mut out =
        b"{\"@odata.context\":\"https://graph.microsoft.com/v1.0/$metadata#auditLogs/signIns\",\"value\":["
            .to_vec();
    for (i, r) in records.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        let item = match r {
            Rec::Good { user, app, minute } => format!(
                r#"{{"id":"e{i}","createdDateTime":"2025-03-01T09:{minute:02}:00Z","userPrincipalName":"u{user}@contoso.com","appId":"a{app}","appDisplayName":"App {app}","status":{{"errorCode":0}}}}"#
            ),
            Rec::Broken => "{\"id\":}".to_string(),
            Rec::NotUtf8 => "\"\u{fffd}\"".to_string(),
            _ => format!(r#"{{"id":"x{i}","status":{{"errorCode":50126}}}}"#),
        };
        out.extend_from_slice(item.as_bytes());
    }
    out.extend_from_slice(b"]}");
    out
}

fn google(records: &[Rec]) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, r) in records.iter().enumerate() {
        let line = match r {
            Rec::Good { user, app, minute } => format!(
                r#"{{"kind":"admin#reports#activity","id":{{"time":"2024-03-01T09:{minute:02}:00.000Z","uniqueQualifier":"{i}","applicationName":"saml"}},"actor":{{"email":"u{user}@example.com"}},"events":[{{"type":"login","name":"login_success","parameters":[{{"name":"application_name","value":"App {app}"}}]}}]}}"#
            ),
            Rec::Broken => "{\"kind\":".to_string(),
            Rec::Blank => String::new(),
            _ => format!(r#"{{"id":{{"applicationName":"login","uniqueQualifier":"{i}"}},"events":[]}}"#),
        };
        out.extend_from_slice(line.as_bytes());
        out.push(b'\n');
    }
    out
}

fn reader(name: &str) -> Arc<dyn Source> {
    match Readers::default().get(name) {
        Some(r) => r,
        None => panic!("reader {name} is compiled in"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn every_reader_gives_the_same_rows_whatever_the_split(
        records in prop::collection::vec(rec(), 0..20),
        piece in 1usize..97,
    ) {
        for (name, bytes) in [("csv", csv(&records)), ("okta", okta(&records)), ("entra", entra(&records)), ("google", google(&records))] {
            let whole = decode_pieces(reader(name), &bytes, bytes.len().max(1));
            let split = decode_pieces(reader(name), &bytes, piece);
            prop_assert_eq!(split, whole, "{} in pieces of {}", name, piece);
        }
    }
}
