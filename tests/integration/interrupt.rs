//! Ctrl-C during a run: a clean stop, an incomplete manifest, and a rerun that completes.

use std::io::Write;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::support::*;

fn rows(from: usize, to: usize) -> String {
    (from..to)
        .map(|i| {
            format!(
                "user{}@example.com,App {},{},{i:08x}\n",
                i % 701,
                i % 37,
                1_700_000_000 + i
            )
        })
        .collect()
}

#[test]
fn ctrl_c_stops_cleanly_with_an_incomplete_manifest_and_a_rerun_completes() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let mut child = spawn(&[
        "convert",
        "-",
        "--source",
        "csv",
        "--quiet",
        "--chunk-bytes",
        "65536",
        "--out",
        out.to_str().unwrap(),
    ]);
    let mut stdin = child.stdin.take().unwrap();
    // More than one chunk's worth, so some records are converted before the signal; the pipe then stays open,
    // as a stalled upstream would leave it.
    let first = format!("Email,App,Timestamp,Event ID\n{}", rows(0, 20_000));
    stdin.write_all(first.as_bytes()).unwrap();
    stdin.flush().unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());

    let started = Instant::now();
    let code = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status.code();
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the run did not stop after Ctrl-C"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    drop(stdin);
    let output = child.wait_with_output().unwrap();
    assert_eq!(
        code,
        Some(130),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("interrupted"));
    let m = manifest(&out);
    assert_eq!(m["complete"], false);
    let counts = assert_counts_add_up(&out);
    assert!(
        counts["read"].as_u64().unwrap() > 0,
        "records converted before the signal are kept: {counts}"
    );

    // The same input again, whole: the rerun completes.
    let input = dir.path().join("all.csv");
    std::fs::write(
        &input,
        format!("Email,App,Timestamp,Event ID\n{}", rows(0, 20_000)),
    )
    .unwrap();
    convert(&[input.to_str().unwrap()], &out, 0);
    assert_eq!(manifest(&out)["complete"], true);
    assert_eq!(assert_counts_add_up(&out)["accepted"], 20_000);
}
