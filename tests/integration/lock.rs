//! One run at a time per output directory.

use std::io::Write;
use std::time::{Duration, Instant};

use crate::support::*;

#[test]
fn a_second_run_into_a_directory_in_use_fails_at_once_and_the_first_completes() {
    let out = tempfile::tempdir().unwrap();
    // The first run reads standard input, which stays open until the second has been refused.
    let mut first = spawn(&[
        "convert",
        "--source",
        "csv",
        "--quiet",
        "--out",
        out.path().to_str().unwrap(),
        "-",
    ]);
    let mut stdin = first.stdin.take().unwrap();
    stdin
        .write_all(b"Email,App,Date\nann@example.com,Slack,2024-03-01T09:00:00Z\n")
        .unwrap();
    // Wait until the first run holds its directory.
    let lock_file = out.path().join(ssoimport::upload::LOCK_FILE);
    let started = Instant::now();
    loop {
        if let Ok(file) = std::fs::File::open(&lock_file)
            && matches!(file.try_lock(), Err(std::fs::TryLockError::WouldBlock))
        {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the first run never locked {}",
            out.path().display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }

    let second = convert(
        &[fixture("csv/signins-hazards.csv").to_str().unwrap()],
        out.path(),
        1,
    );
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(stderr.contains("another ssoimport is writing into"), "{stderr}");

    drop(stdin);
    let first = first.wait_with_output().unwrap();
    assert_eq!(
        first.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    // The first run's output, untouched by the second.
    assert_eq!(assert_counts_add_up(out.path())["accepted"], 1);
}
