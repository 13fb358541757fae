//! `ssoimport upload`, `run` and `emulator` end to end: the real binary against the emulator over loopback, with
//! faults, crashes (SIGKILL) and short-lived tokens.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use ssoimport_emulator::{
    Credentials, EmulatorConfig, EmulatorThread, FaultKind, JobTiming, start_in_thread,
};

use crate::support::manifest;

const REFRESH_TOKEN: &str = "rt-Zq8vK2pX-never-print-me";
const CLIENT_SECRET: &str = "cs-Hh41mNw9-never-print-me";
/// The base64url of the emulator's access tokens' JWT header: no access token may be printed or stored either.
const ACCESS_TOKEN_HEADER: &str = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0";
/// Longest a single command may take here.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);

fn credentials() -> Credentials {
    Credentials {
        refresh_token: REFRESH_TOKEN.to_string(),
        client_id: "svc-client-1".to_string(),
        client_secret: CLIENT_SECRET.to_string(),
    }
}

fn emulator(config: EmulatorConfig) -> EmulatorThread {
    start_in_thread(EmulatorConfig {
        job_timing: JobTiming::fast(),
        credentials: credentials(),
        ..config
    })
    .expect("start the emulator")
}

/// A CSV export of `signins` sign-ins by `users` users to `apps` apps, the same every time.
fn export(dir: &Path, signins: usize, users: usize, apps: usize) -> PathBuf {
    let mut text = String::from("Email,App,Date,Display Name,Request ID\n");
    let mut state: u64 = 0x5EED;
    for i in 0..signins {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let user = (state >> 33) as usize % users;
        let app = (state >> 17) as usize % apps;
        text.push_str(&format!(
            "user{user}@example.com,App {app},2024-03-{:02}T{:02}:{:02}:{:02}Z,User {user},req-{i:06}\n",
            1 + i % 28,
            (i / 60) % 24,
            i % 60,
            (i * 7) % 60
        ));
    }
    let path = dir.join("signins.csv");
    std::fs::write(&path, text).expect("write the export");
    path
}

fn command(args: &[String], env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ssoimport"));
    cmd.args(args)
        .env_remove("FLEXERA_REFRESH_TOKEN")
        .env_remove("FLEXERA_CLIENT_ID")
        .env_remove("FLEXERA_CLIENT_SECRET")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

/// Runs to the end (at most [`COMMAND_TIMEOUT`]).
fn ssoimport(args: &[String], env: &[(&str, &str)]) -> Output {
    let child = command(args, env).spawn().expect("run ssoimport");
    wait(child)
}

fn wait(mut child: Child) -> Output {
    let started = Instant::now();
    // Read the pipes on threads so that a chatty child never blocks.
    let mut out = child.stdout.take().expect("stdout");
    let mut err = child.stderr.take().expect("stderr");
    let out = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out.read_to_end(&mut v);
        v
    });
    let err = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err.read_to_end(&mut v);
        v
    });
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > COMMAND_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("ssoimport took longer than {COMMAND_TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    Output {
        status,
        stdout: out.join().expect("stdout reader"),
        stderr: err.join().expect("stderr reader"),
    }
}

fn text(output: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}--- stderr\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn assert_exit(output: &Output, code: i32) {
    assert_eq!(output.status.code(), Some(code), "{}", text(output));
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// `upload`/`run` flags for the emulator at `base`, quick to poll and retry.
fn upload_flags(base: &str) -> Vec<String> {
    args(&[
        "--org",
        "1",
        "--app",
        "5678",
        "--endpoint",
        base,
        "--poll-interval",
        "0.05",
        "--max-attempts",
        "25",
        "--retry-base-ms",
        "20",
    ])
}

fn convert_args(input: &Path, out: &Path, max_part_bytes: u64) -> Vec<String> {
    args(&[
        input.to_str().expect("utf-8"),
        "--out",
        out.to_str().expect("utf-8"),
        "--max-part-bytes",
        &max_part_bytes.to_string(),
        "--threads",
        "1",
    ])
}

fn run_args(input: &Path, out: &Path, max_part_bytes: u64, base: &str) -> Vec<String> {
    let mut all = args(&["run"]);
    all.extend(convert_args(input, out, max_part_bytes));
    all.extend(upload_flags(base));
    all
}

fn upload_args(out: &Path, base: &str) -> Vec<String> {
    let mut all = args(&["upload", out.to_str().expect("utf-8")]);
    all.extend(upload_flags(base));
    all
}

const REFRESH_ENV: [(&str, &str); 1] = [("FLEXERA_REFRESH_TOKEN", REFRESH_TOKEN)];

/// The rows of every part of the manifest, per task, as sorted JSON texts.
fn part_rows(out: &Path) -> BTreeMap<String, Vec<String>> {
    let m = manifest(out);
    let mut rows = BTreeMap::new();
    for task in m["tasks"].as_array().expect("tasks") {
        let name = task["task"].as_str().expect("task").to_string();
        let list: &mut Vec<String> = rows.entry(name).or_default();
        for part in task["parts"].as_array().expect("parts") {
            let bytes = std::fs::read(out.join(part["path"].as_str().expect("path"))).expect("part");
            let mut text = String::new();
            flate2::read::GzDecoder::new(&bytes[..])
                .read_to_string(&mut text)
                .expect("gzip");
            for line in text.lines() {
                let v: Value = serde_json::from_str(line).expect("JSON line");
                list.push(v.to_string());
            }
        }
        list.sort();
    }
    rows
}

fn part_count(out: &Path) -> usize {
    manifest(out)["tasks"]
        .as_array()
        .expect("tasks")
        .iter()
        .map(|t| t["parts"].as_array().expect("parts").len())
        .sum()
}

/// Every row of every part arrived through exactly one completed job, every part is in exactly one job, and no
/// two jobs hold the same files.
fn assert_delivered_exactly_once(emulator: &EmulatorThread, out: &Path) {
    let state = emulator.state();
    let jobs = state["importJobs"].as_array().expect("importJobs");
    let mut delivered: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut files_seen = BTreeSet::new();
    let mut sets = BTreeSet::new();
    for job in jobs {
        assert_eq!(job["status"], "completed", "{job:#}");
        assert_eq!(job["errors"], serde_json::json!([]), "{job:#}");
        let names: BTreeSet<String> = job["fileNames"]
            .as_array()
            .expect("fileNames")
            .iter()
            .map(|n| n.as_str().expect("name").to_string())
            .collect();
        assert!(names.len() <= 10);
        for name in &names {
            assert!(files_seen.insert(name.clone()), "{name} is in two jobs");
        }
        assert!(sets.insert(names), "two jobs for the same files");
        let list = delivered
            .entry(job["task"].as_str().expect("task").to_string())
            .or_default();
        for row in job["rows"].as_array().expect("rows") {
            list.push(row.to_string());
        }
    }
    for list in delivered.values_mut() {
        list.sort();
    }
    let expected: BTreeMap<String, Vec<String>> = part_rows(out)
        .into_iter()
        .filter(|(_, rows)| !rows.is_empty())
        .collect();
    assert_eq!(files_seen.len(), part_count(out), "every part in exactly one job");
    assert_eq!(
        delivered.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>()
    );
    for (task, rows) in &expected {
        let got = &delivered[task];
        assert_eq!(got.len(), rows.len(), "{task}: rows delivered");
        assert!(got == rows, "{task}: the rows delivered are not the rows written");
    }
}

/// Neither the secrets nor an access token appear in `outputs` or in any file under `dir`.
fn assert_no_secrets(dir: &Path, outputs: &[&Output]) {
    let needles = [REFRESH_TOKEN, CLIENT_SECRET, ACCESS_TOKEN_HEADER];
    for output in outputs {
        let all = text(output);
        for needle in needles {
            assert!(!all.contains(needle), "{needle} printed:\n{all}");
        }
    }
    let mut stack = vec![dir.to_path_buf()];
    let mut files = 0;
    while let Some(path) = stack.pop() {
        if path.is_dir() {
            for entry in std::fs::read_dir(&path).expect("read_dir") {
                stack.push(entry.expect("entry").path());
            }
            continue;
        }
        files += 1;
        let mut bytes = std::fs::read(&path).expect("read");
        if path.extension().is_some_and(|e| e == "gz") {
            let mut plain = Vec::new();
            if flate2::read::MultiGzDecoder::new(&bytes[..])
                .read_to_end(&mut plain)
                .is_ok()
            {
                bytes.extend_from_slice(&plain);
            }
        }
        let content = String::from_utf8_lossy(&bytes);
        for needle in needles {
            assert!(!content.contains(needle), "{needle} in {}", path.display());
        }
    }
    assert!(files > 3, "the output directory has files");
}

#[test]
fn upload_sends_every_row_once_and_a_rerun_sends_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = export(dir.path(), 1200, 40, 6);
    let out = dir.path().join("out");
    let mut convert = args(&["convert"]);
    convert.extend(convert_args(&input, &out, 2048));
    assert_exit(&ssoimport(&convert, &[]), 0);
    let parts = part_count(&out);
    assert!(parts > 12, "small parts: {parts}");

    let emulator = emulator(EmulatorConfig::default());
    let first = ssoimport(&upload_args(&out, &emulator.base_url()), &REFRESH_ENV);
    assert_exit(&first, 0);
    assert_delivered_exactly_once(&emulator, &out);
    let stdout = String::from_utf8_lossy(&first.stdout);
    let jobs = emulator.state()["importJobs"].as_array().expect("jobs").len();
    assert_eq!(
        stdout.matches("\njob ").count() + usize::from(stdout.starts_with("job ")),
        jobs,
        "{stdout}"
    );
    assert!(
        stdout.contains("SsoApplicationUsage incremental parts 0-9 (10 files"),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("upload: {parts} parts ({parts} uploaded")),
        "{stdout}"
    );

    // Usage jobs take 10 parts each, in order; the roster and discovery one job each.
    let state = emulator.state();
    let usage_jobs = state["importJobs"]
        .as_array()
        .expect("jobs")
        .iter()
        .filter(|j| j["task"] == "SsoApplicationUsage")
        .count();
    let usage_parts = manifest(&out)["tasks"][0]["parts"]
        .as_array()
        .expect("parts")
        .len();
    assert_eq!(usage_jobs, usage_parts.div_ceil(10));

    let objects = state["saasData"].as_array().expect("saasData").len();
    let again = ssoimport(&upload_args(&out, &emulator.base_url()), &REFRESH_ENV);
    assert_exit(&again, 0);
    let state = emulator.state();
    assert_eq!(state["saasData"].as_array().expect("saasData").len(), objects);
    assert_eq!(state["importJobs"].as_array().expect("jobs").len(), jobs);
    assert!(
        String::from_utf8_lossy(&again.stdout).contains(&format!("0 uploaded, {parts} already uploaded")),
        "{}",
        text(&again)
    );

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(out.join("upload-journal.jsonl"))
            .expect("journal")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    assert_no_secrets(&out, &[&first, &again]);
}

#[test]
fn run_streams_through_thirty_percent_faults_of_every_kind() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = export(dir.path(), 1000, 30, 5);
    let out = dir.path().join("out");
    let emulator = emulator(EmulatorConfig {
        fault_rate: 0.3,
        fault_kinds: vec![
            FaultKind::InternalError,
            FaultKind::Unavailable,
            FaultKind::RateLimited,
            FaultKind::DropConnection,
            FaultKind::Slow,
            FaultKind::LostResponse,
        ],
        seed: 20_240_301,
        slow_delay: Duration::from_millis(100),
        ..EmulatorConfig::default()
    });
    let mut all = run_args(&input, &out, 2048, &emulator.base_url());
    all.push("--verbose".into());
    let output = ssoimport(&all, &REFRESH_ENV);
    assert_exit(&output, 0);
    assert_delivered_exactly_once(&emulator, &out);
    let state = emulator.state();
    let faults = state["faults"].as_array().expect("faults");
    let kinds: BTreeSet<&str> = faults.iter().filter_map(|f| f["fault"].as_str()).collect();
    assert_eq!(kinds.len(), 6, "every kind of fault was met: {kinds:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("retry: "), "{stderr}");
    assert_no_secrets(&out, &[&output]);
}

#[test]
fn a_run_killed_at_any_step_and_rerun_sends_everything_once() {
    type Trigger = fn(&Value) -> bool;
    let after_a_create: Trigger = |s| !s["saasData"].as_array().is_none_or(Vec::is_empty);
    let after_uploads: Trigger = |s| {
        s["saasData"]
            .as_array()
            .is_some_and(|d| d.iter().filter(|o| o["status"] == "uploaded").count() >= 5)
    };
    let after_a_job: Trigger = |s| !s["importJobs"].as_array().is_none_or(Vec::is_empty);
    let dir = tempfile::tempdir().expect("tempdir");
    let input = export(dir.path(), 900, 30, 5);
    for (point, trigger) in [
        ("after a create", after_a_create),
        ("after uploads", after_uploads),
        ("after a job create", after_a_job),
    ] {
        let out = dir.path().join(point.replace(' ', "-"));
        let emulator = emulator(EmulatorConfig {
            // Lost answers make the crash land between a step and its journal entry more often.
            fault_rate: 0.1,
            fault_kinds: vec![FaultKind::LostResponse, FaultKind::Slow],
            slow_delay: Duration::from_millis(30),
            seed: 7,
            ..EmulatorConfig::default()
        });
        let all = run_args(&input, &out, 2048, &emulator.base_url());
        let mut child = command(&all, &REFRESH_ENV).spawn().expect("spawn");
        let started = Instant::now();
        let killed = loop {
            if trigger(&emulator.state()) {
                child.kill().expect("SIGKILL");
                break true;
            }
            if child.try_wait().expect("try_wait").is_some() || started.elapsed() > COMMAND_TIMEOUT {
                break false;
            }
            std::thread::sleep(Duration::from_millis(2));
        };
        let first = wait(child);
        assert!(
            killed,
            "{point}: the run ended before the kill point\n{}",
            text(&first)
        );
        let rerun = ssoimport(&all, &REFRESH_ENV);
        assert_exit(&rerun, 0);
        assert_delivered_exactly_once(&emulator, &out);
        assert_no_secrets(&out, &[&first, &rerun]);
    }
}

#[test]
fn runs_killed_at_random_moments_then_rerun_send_everything_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = export(dir.path(), 900, 30, 5);
    let out = dir.path().join("out");
    let emulator = emulator(EmulatorConfig {
        fault_rate: 0.15,
        fault_kinds: vec![FaultKind::LostResponse, FaultKind::Slow, FaultKind::Unavailable],
        slow_delay: Duration::from_millis(40),
        seed: 11,
        ..EmulatorConfig::default()
    });
    let all = run_args(&input, &out, 2048, &emulator.base_url());
    let mut outputs = Vec::new();
    let mut state: u64 = 42;
    for _ in 0..5 {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let delay = Duration::from_millis(100 + (state >> 33) % 500);
        let mut child = command(&all, &REFRESH_ENV).spawn().expect("spawn");
        std::thread::sleep(delay);
        let _ = child.kill();
        outputs.push(wait(child));
    }
    let last = ssoimport(&all, &REFRESH_ENV);
    assert_exit(&last, 0);
    assert_delivered_exactly_once(&emulator, &out);
    outputs.push(last);
    assert_no_secrets(&out, &outputs.iter().collect::<Vec<_>>());
}

#[test]
fn a_token_that_expires_mid_run_is_renewed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = export(dir.path(), 600, 20, 4);
    let out = dir.path().join("out");
    // Jobs that take 2.5 s each: the run outlasts a token of 1 s a few times over.
    let emulator = start_in_thread(EmulatorConfig {
        token_expiry: Duration::from_secs(1),
        job_timing: JobTiming::default(),
        credentials: credentials(),
        ..EmulatorConfig::default()
    })
    .expect("start the emulator");
    let mut all = args(&["run"]);
    all.extend(convert_args(&input, &out, 2048));
    all.extend(args(&[
        "--org",
        "1",
        "--app",
        "5678",
        "--endpoint",
        &emulator.base_url(),
        "--parallel",
        "1",
        "--poll-interval",
        "0.2",
        "--verbose",
    ]));
    let env = [
        ("FLEXERA_CLIENT_ID", "svc-client-1"),
        ("FLEXERA_CLIENT_SECRET", CLIENT_SECRET),
    ];
    let started = Instant::now();
    let output = ssoimport(&all, &env);
    assert_exit(&output, 0);
    let elapsed = started.elapsed();
    assert!(
        elapsed > Duration::from_secs(2),
        "the run outlasts the token: {elapsed:?}"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    let tokens = stderr.matches("token: new access token").count();
    assert!(tokens >= 3, "{tokens} tokens in {elapsed:?}\n{stderr}");
    assert_delivered_exactly_once(&emulator, &out);
    assert_no_secrets(&out, &[&output]);
}

#[test]
fn secrets_never_show_even_when_refused_or_dry_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = export(dir.path(), 200, 10, 3);
    let out = dir.path().join("out");
    let emulator = emulator(EmulatorConfig::default());
    let mut convert = args(&["convert"]);
    convert.extend(convert_args(&input, &out, 1 << 20));
    assert_exit(&ssoimport(&convert, &[]), 0);

    // A refresh token the server does not know (the real one with a suffix): refused, exit 2, not echoed.
    let wrong = format!("{REFRESH_TOKEN}-old");
    let refused = ssoimport(
        &upload_args(&out, &emulator.base_url()),
        &[("FLEXERA_REFRESH_TOKEN", &wrong)],
    );
    assert_exit(&refused, 2);
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("refused FLEXERA_REFRESH_TOKEN"),
        "{}",
        text(&refused)
    );
    assert!(!text(&refused).contains(&wrong));

    // A dry run prints the requests, redacted, and sends nothing.
    let requests = emulator.state()["requests"].clone();
    let mut dry = upload_args(&out, &emulator.base_url());
    dry.push("--dry-run".into());
    let preview = ssoimport(&dry, &REFRESH_ENV);
    assert_exit(&preview, 0);
    let stdout = String::from_utf8_lossy(&preview.stdout);
    assert!(stdout.contains("refresh_token=<redacted>"), "{stdout}");
    assert!(stdout.contains("Authorization: Bearer <redacted>"), "{stdout}");
    assert!(stdout.contains("Checksum: "), "{stdout}");
    assert!(stdout.contains("\"managedAppId\":\"5678\""), "{stdout}");
    assert_eq!(emulator.state()["requests"], requests, "a dry run sends nothing");

    let sent = ssoimport(&upload_args(&out, &emulator.base_url()), &REFRESH_ENV);
    assert_exit(&sent, 0);
    assert_no_secrets(&out, &[&refused, &preview, &sent]);
}

#[test]
fn a_full_load_of_more_than_ten_parts_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = export(dir.path(), 1500, 150, 8);
    let out = dir.path().join("out");
    let mut convert = args(&["convert"]);
    convert.extend(convert_args(&input, &out, 1024));
    convert.extend(args(&["--tasks", "roster"]));
    assert_exit(&ssoimport(&convert, &[]), 0);
    assert!(part_count(&out) > 10);
    let emulator = emulator(EmulatorConfig::default());
    let refused = ssoimport(&upload_args(&out, &emulator.base_url()), &REFRESH_ENV);
    assert_exit(&refused, 2);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    for needle in [
        "SsoApplicationRoster is a full load of",
        "at most 10 files",
        "fewer rows",
        "--max-part-bytes",
        "--roster-load incremental",
    ] {
        assert!(stderr.contains(needle), "{needle}:\n{stderr}");
    }
    assert_eq!(emulator.state()["requests"], 0, "nothing is sent");

    // Incremental, the same parts go in jobs of 10.
    let mut incremental = upload_args(&out, &emulator.base_url());
    incremental.extend(args(&["--roster-load", "incremental"]));
    assert_exit(&ssoimport(&incremental, &REFRESH_ENV), 0);
    assert_delivered_exactly_once(&emulator, &out);
}

#[test]
fn usage_errors_say_what_to_do() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = export(dir.path(), 50, 5, 2);
    let out = dir.path().join("out");
    let mut convert = args(&["convert"]);
    convert.extend(convert_args(&input, &out, 1 << 20));
    assert_exit(&ssoimport(&convert, &[]), 0);
    let o = out.to_str().expect("utf-8");

    let missing = ssoimport(&args(&["upload", o, "--org", "1", "--app", "1"]), &[]);
    assert_exit(&missing, 2);
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert!(
        stderr.contains("FLEXERA_REFRESH_TOKEN") && stderr.contains("FLEXERA_CLIENT_SECRET"),
        "{stderr}"
    );
    let plain_http = ssoimport(
        &args(&[
            "upload",
            o,
            "--org",
            "1",
            "--app",
            "1",
            "--endpoint",
            "http://api.example.com",
        ]),
        &REFRESH_ENV,
    );
    assert_exit(&plain_http, 2);
    assert!(String::from_utf8_lossy(&plain_http.stderr).contains("use https"));
    let no_app = ssoimport(&args(&["upload", o, "--org", "1"]), &REFRESH_ENV);
    assert_exit(&no_app, 2);
    assert!(String::from_utf8_lossy(&no_app.stderr).contains("--app-for"));
    let not_a_dir = ssoimport(
        &args(&[
            "upload",
            dir.path().to_str().expect("utf-8"),
            "--org",
            "1",
            "--app",
            "1",
        ]),
        &REFRESH_ENV,
    );
    assert_exit(&not_a_dir, 2);
    assert!(String::from_utf8_lossy(&not_a_dir.stderr).contains("ssoimport convert"));
}

#[test]
fn the_emulator_command_prints_its_url_and_serves_an_upload() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = export(dir.path(), 100, 5, 2);
    let out = dir.path().join("out");
    let mut convert = args(&["convert"]);
    convert.extend(convert_args(&input, &out, 1 << 20));
    assert_exit(&ssoimport(&convert, &[]), 0);

    let mut server = command(
        &args(&[
            "emulator",
            "--listen",
            "127.0.0.1:0",
            "--fast-jobs",
            "--token-expiry",
            "30",
        ]),
        &[],
    )
    .spawn()
    .expect("spawn the emulator");
    let mut first = String::new();
    BufReader::new(server.stdout.take().expect("stdout"))
        .read_line(&mut first)
        .expect("first line");
    let base = first.trim().to_string();
    let result = std::panic::catch_unwind(|| {
        assert!(base.starts_with("http://127.0.0.1:"), "{base}");
        let port: u16 = base
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .expect("port");
        assert_ne!(port, 0);
        let output = ssoimport(
            &upload_args(&out, &base),
            &[("FLEXERA_REFRESH_TOKEN", "emulator-refresh-token")],
        );
        assert_exit(&output, 0);
        assert!(String::from_utf8_lossy(&output.stdout).contains("3 jobs (3 completed"));
    });
    let _ = server.kill();
    let _ = server.wait();
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}
