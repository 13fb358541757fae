//! A write that fails mid-run (a full disk, simulated by a file-size limit): a clear error, exit 1, no manifest
//! claiming success and no half-written part left behind.

use std::process::Command;

use crate::support::*;

#[test]
fn a_failed_write_ends_the_run_with_no_manifest_and_no_temporary_parts() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("big.csv");
    let mut text = String::from("Email,Application,Timestamp,Event ID\n");
    for i in 0..40_000u64 {
        let x = i.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        text.push_str(&format!(
            "user{}@example.com,App {},{},{x:016x}\n",
            x % 5000,
            (x >> 20) % 300,
            1_700_000_000 + i
        ));
    }
    std::fs::write(&input, text).unwrap();
    let out = dir.path().join("out");
    // An earlier, complete run leaves a manifest that must not survive a failed one.
    convert(&[input.to_str().unwrap()], &out, 0);
    assert!(out.join("manifest.json").exists());

    // Writes past 64 KiB fail with EFBIG, as they would with ENOSPC on a full disk (SIGXFSZ ignored so the
    // write returns the error instead of killing the process).
    let script = format!(
        "trap '' XFSZ; ulimit -f 64; exec '{}' convert '{}' --out '{}' --quiet",
        env!("CARGO_BIN_EXE_ssoimport"),
        input.display(),
        out.display()
    );
    let output = Command::new("sh").args(["-c", &script]).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "stderr: {stderr}");
    assert!(stderr.starts_with("error: cannot write"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        !out.join("manifest.json").exists(),
        "no manifest vouches for a failed run"
    );
    let leftovers: Vec<_> = walk(&out).into_iter().filter(|p| p.ends_with(".tmp")).collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

fn walk(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path.display().to_string());
        }
    }
    out
}
