//! `ssoimport convert` on CSV exports.

use std::io::Write;

use serde_json::{Value, json};
use ssoimport::schema::Task;

use crate::support::*;

const CAP: u64 = 10_000_000;

#[test]
fn the_hazards_fixture_converts_as_a_careful_person_would() {
    let out = tempfile::tempdir().unwrap();
    let input = fixture("csv/signins-hazards.csv");
    convert(&[input.to_str().unwrap()], out.path(), 0);

    let counts = assert_counts_add_up(out.path());
    assert_eq!(
        counts,
        json!({"read": 17, "filtered": 1, "duplicates": 2, "rejected": 7, "accepted": 7})
    );

    let usage = task_rows(out.path(), Task::SsoApplicationUsage, CAP);
    let expected_usage = [
        json!({"ssoAppName":"Slack","appInstanceId":"Slack","uniqueId":"ann.lee@example.com","email":"ann.lee@example.com","occurredAt":"2024-03-01T09:15:30.000Z","eventId":"req-0001"}),
        json!({"ssoAppName":"Slack","appInstanceId":"Slack","uniqueId":"ann.lee@example.com","email":"ann.lee@example.com","occurredAt":"2024-03-04T16:02:11.500Z","eventId":"req-0002"}),
        json!({"ssoAppName":"Acme, Inc. Portal","appInstanceId":"Acme, Inc. Portal","uniqueId":"bob.roe@example.com","email":"bob.roe@example.com","occurredAt":"2024-03-02T13:05:00.000Z","eventId":"req-0003"}),
        json!({"ssoAppName":"Multi\nLine App","appInstanceId":"Multi\nLine App","uniqueId":"carol@example.com","email":"carol@example.com","occurredAt":"2024-03-01T08:00:00.000Z","eventId":"req-0004"}),
        json!({"ssoAppName":"Zoom","appInstanceId":"Zoom","uniqueId":"dave@example.com","email":"dave@example.com","occurredAt":"2024-03-01T08:00:00.000Z"}),
        json!({"ssoAppName":"Zoom","appInstanceId":"Zoom","uniqueId":"frank@example.com","email":"frank@example.com","occurredAt":"2024-03-02T10:00:00.000Z","eventId":"req-0008"}),
        json!({"ssoAppName":"Box","appInstanceId":"Box","uniqueId":"mia@example.com","email":"mia@example.com","occurredAt":"2024-03-03T12:00:00.000Z","eventId":"req-0016"}),
    ];
    assert_eq!(usage, expected_usage);

    let roster = task_rows(out.path(), Task::SsoApplicationRoster, CAP);
    let ann = roster
        .iter()
        .find(|r| r["uniqueId"] == "ann.lee@example.com")
        .unwrap();
    assert_eq!(
        ann,
        &json!({"ssoAppName":"Slack","appInstanceId":"Slack","uniqueId":"ann.lee@example.com","email":"ann.lee@example.com",
                "firstName":"Ann","lastName":"Lee","activatedAt":"2024-03-01T09:15:30.000Z","lastActivityAt":"2024-03-04T16:02:11.500Z"})
    );
    assert_eq!(roster.len(), 6);

    let discovery = task_rows(out.path(), Task::ApplicationDiscovery, CAP);
    let names: Vec<&str> = discovery
        .iter()
        .map(|r| r["appInstanceId"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["Acme, Inc. Portal", "Box", "Multi\nLine App", "Slack", "Zoom"]
    );

    let rejects = rejects(out.path());
    let summary: Vec<(u64, &str)> = rejects
        .iter()
        .map(|r| (r["line"].as_u64().unwrap(), r["code"].as_str().unwrap()))
        .collect();
    assert_eq!(
        summary,
        [
            (10, "field_count_mismatch"),
            (12, "invalid_utf8"),
            (13, "invalid_email"),
            (14, "missing_app"),
            (15, "invalid_timestamp"),
            (16, "future_timestamp"),
            (18, "invalid_timestamp"),
        ]
    );
    for r in &rejects {
        assert!(r["file"].as_str().unwrap().ends_with("signins-hazards.csv"));
        assert!(!r["excerpt"].as_str().unwrap().is_empty(), "{r}");
        assert!(!r["detail"].as_str().unwrap().is_empty(), "{r}");
    }
}

/// A CSV of `n` sign-ins with varied values, so that gzip cannot squeeze it to nothing.
fn generated_csv(n: usize) -> Vec<u8> {
    let mut out = b"Email,Application,Timestamp,Event ID\n".to_vec();
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    for i in 0..n {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let user = x % 5000;
        let app = (x >> 20) % 300;
        let second = 1_700_000_000 + (i as u64) * 7 + (x >> 40) % 5;
        writeln!(out, "user{user}@example.com,App {app},{second},{x:016x}").expect("write to memory");
    }
    out
}

#[test]
fn a_large_input_splits_into_parts_under_the_cap_and_threads_do_not_change_the_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("big.csv");
    std::fs::write(&input, generated_csv(20_000)).unwrap();
    let cap = 60_000u64;
    let runs: Vec<_> = ["1", "2", "3"]
        .iter()
        .map(|threads| {
            let out = dir.path().join(format!("out-{threads}"));
            convert(
                &[
                    input.to_str().unwrap(),
                    "--threads",
                    threads,
                    "--max-part-bytes",
                    &cap.to_string(),
                ],
                &out,
                0,
            );
            out
        })
        .collect();
    let m = manifest(&runs[0]);
    let usage = task_rows(&runs[0], Task::SsoApplicationUsage, cap);
    assert_eq!(usage.len(), 20_000);
    let parts = m["tasks"][0]["parts"].as_array().unwrap();
    assert!(parts.len() >= 5, "{} parts", parts.len());
    for p in &parts[..parts.len() - 1] {
        assert!(
            p["bytes"].as_u64().unwrap() > cap * 8 / 10,
            "parts are filled close to the cap: {p}"
        );
    }
    assert_eq!(
        usage[0]["eventId"].as_str().unwrap().len(),
        16,
        "rows keep input order"
    );
    task_rows(&runs[0], Task::SsoApplicationRoster, cap);
    for other in &runs[1..] {
        assert_eq!(
            manifest(other)["tasks"],
            m["tasks"],
            "same parts, rows, bytes and MD5 whatever the threads"
        );
    }
}

#[test]
fn a_pipe_gives_the_same_parts_as_the_file() {
    // A pipe hands over at most 64 KiB per read, a file 1 MiB: chunks (and so the compressed segments laid into
    // parts) must not depend on that.
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("big.csv");
    let bytes = generated_csv(20_000);
    std::fs::write(&input, &bytes).unwrap();
    let args = |out: &std::path::Path, from: &str| -> Vec<String> {
        [
            "convert",
            from,
            "--chunk-bytes",
            "20000",
            "--max-part-bytes",
            "60000",
            "--quiet",
            "--out",
            out.to_str().unwrap(),
        ]
        .map(String::from)
        .to_vec()
    };
    let from_file = dir.path().join("file");
    let from_pipe = dir.path().join("pipe");
    for (out, from, stdin) in [
        (&from_file, input.to_str().unwrap(), None),
        (&from_pipe, "-", Some(bytes.as_slice())),
    ] {
        let a = args(out, from);
        let output = run(&a.iter().map(String::as_str).collect::<Vec<_>>(), stdin);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let tasks = manifest(&from_file)["tasks"].clone();
    assert!(tasks[0]["parts"].as_array().unwrap().len() >= 5, "{tasks}");
    assert_eq!(manifest(&from_pipe)["tasks"], tasks, "same parts, bytes and MD5");
}

#[test]
fn gzip_zstd_stdin_and_directories_read_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let plain = generated_csv(500);
    let inputs = dir.path().join("inputs");
    std::fs::create_dir(&inputs).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&plain).unwrap();
    std::fs::write(inputs.join("a.csv.gz"), gz.finish().unwrap()).unwrap();

    let out_plain = dir.path().join("plain");
    let output = run(
        &["convert", "-", "--out", out_plain.to_str().unwrap(), "--quiet"],
        Some(&plain),
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let out_dir = dir.path().join("dir");
    convert(&[inputs.to_str().unwrap()], &out_dir, 0);
    assert_eq!(
        task_rows(&out_plain, Task::SsoApplicationUsage, CAP),
        task_rows(&out_dir, Task::SsoApplicationUsage, CAP)
    );
    assert_eq!(manifest(&out_dir)["inputs"][0]["source"], "csv");
}

#[test]
fn column_mapping_and_delimiters_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("tool.csv");
    std::fs::write(
        &input,
        "Work Email;Tool;When\nAnn@Example.com;Figma;2024-05-01 10:00\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    convert(
        &[
            input.to_str().unwrap(),
            "--map",
            "email=work email",
            "--map",
            "appName=Tool",
            "--map",
            "occurredAt=When",
        ],
        &out,
        0,
    );
    let usage = task_rows(&out, Task::SsoApplicationUsage, CAP);
    assert_eq!(usage[0]["email"], "ann@example.com");
    assert_eq!(usage[0]["occurredAt"], "2024-05-01T10:00:00.000Z");
}

#[test]
fn bad_usage_and_unreadable_inputs_exit_2_with_a_one_line_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let missing = convert(&["/nonexistent/export.csv"], &out, 2);
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert!(
        stderr.starts_with("error: cannot open /nonexistent/export.csv"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");

    let input = fixture("csv/signins-hazards.csv");
    let bad_map = convert(&[input.to_str().unwrap(), "--map", "colour=Email"], &out, 2);
    assert!(String::from_utf8_lossy(&bad_map.stderr).contains("unknown field `colour`"));
    let bad_source = convert(&[input.to_str().unwrap(), "--source", "myspace"], &out, 2);
    assert!(String::from_utf8_lossy(&bad_source.stderr).contains("unknown source"));
    let bad_task = convert(&[input.to_str().unwrap(), "--tasks", "usage,everything"], &out, 2);
    assert!(String::from_utf8_lossy(&bad_task.stderr).contains("unknown task `everything`"));

    // An input without the needed columns: the others are still converted, the run exits 2 and says why.
    let headless = dir.path().join("headless.csv");
    std::fs::write(&headless, "Foo,Bar\n1,2\n").unwrap();
    let mixed = convert(&[headless.to_str().unwrap(), input.to_str().unwrap()], &out, 2);
    let stderr = String::from_utf8_lossy(&mixed.stderr);
    assert!(
        stderr.contains("no column found for email") && stderr.contains("--map"),
        "{stderr}"
    );
    let m = manifest(&out);
    assert_eq!(m["inputErrors"].as_array().unwrap().len(), 1);
    assert_eq!(m["counts"]["accepted"], 7);
}

#[test]
fn a_run_that_accepts_nothing_names_the_reader_and_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let input = fixture("csv/signins-hazards.csv");
    // The CSV read as Okta: nothing is accepted (what is read is rejected, which is data: exit 0), and the
    // summary says which reader read it and how to name another.
    let output = run(
        &[
            "convert",
            input.to_str().unwrap(),
            "--source",
            "okta",
            "--out",
            out.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("nothing was accepted: the inputs were read as okta;")
            && stdout.contains("--source (csv, okta, entra, google)"),
        "{stdout}"
    );
    let counts = assert_counts_add_up(&out);
    assert_eq!(counts["accepted"], 0);
    assert!(counts["rejected"].as_u64() > Some(0), "{counts}");

    // Read as CSV, the same file is accepted and the hint is not printed.
    let output = run(
        &["convert", input.to_str().unwrap(), "--out", out.to_str().unwrap()],
        None,
    );
    assert_eq!(output.status.code(), Some(0));
    assert!(!String::from_utf8_lossy(&output.stdout).contains("nothing was accepted"));
}

#[test]
fn a_header_only_csv_converts_to_empty_output() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("empty.csv");
    std::fs::write(&input, "Email,App,Date\r\n").unwrap();
    let out = dir.path().join("out");
    convert(&[input.to_str().unwrap()], &out, 0);
    let counts = assert_counts_add_up(&out);
    assert_eq!(counts["read"], 0);
    assert_eq!(manifest(&out)["tasks"][0]["parts"], Value::Array(vec![]));
}

#[test]
fn help_teaches_the_command() {
    let help = run(&["convert", "--help"], None);
    let text = String::from_utf8_lossy(&help.stdout);
    for needle in [
        "--map",
        "--max-part-bytes",
        "--tasks",
        "rejects.jsonl",
        "manifest.json",
        "Examples",
    ] {
        assert!(text.contains(needle), "--help mentions {needle}");
    }
    let top = run(&["--help"], None);
    assert!(String::from_utf8_lossy(&top.stdout).contains("Exit codes"));
}
