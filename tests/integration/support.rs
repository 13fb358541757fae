//! Running the binary and reading what it wrote.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use serde_json::Value;
use ssoimport::schema::{FieldType, Task};

/// The repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A fixture by its path under `fixtures/`.
pub fn fixture(path: &str) -> PathBuf {
    root().join("fixtures").join(path)
}

/// Runs `ssoimport` with `args`, optionally feeding `stdin`.
pub fn run(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ssoimport"));
    cmd.args(args).stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("run ssoimport");
    if let Some(bytes) = stdin {
        use std::io::Write;
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(bytes)
            .expect("feed stdin");
    }
    child.wait_with_output().expect("wait for ssoimport")
}

/// Starts `ssoimport` with `args` and its standard streams piped, for a test that feeds or signals it while it
/// runs.
pub fn spawn<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_ssoimport"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start ssoimport")
}

/// Runs `ssoimport convert ARGS --out DIR` and asserts it exits with `code`.
pub fn convert(args: &[&str], out: &Path, code: i32) -> Output {
    let mut all = vec!["convert"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--out", out.to_str().expect("utf-8 path"), "--quiet"]);
    let output = run(&all, None);
    assert_eq!(
        output.status.code(),
        Some(code),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// The manifest of an output directory.
pub fn manifest(out: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(out.join("manifest.json")).expect("manifest.json")).expect("JSON")
}

/// The rows of a task, over all its parts, checking each part against the cap, its MD5 and the task's schema.
pub fn task_rows(out: &Path, task: Task, cap: u64) -> Vec<Value> {
    let m = manifest(out);
    let Some(entry) = m["tasks"]
        .as_array()
        .expect("tasks")
        .iter()
        .find(|t| t["task"] == task.name())
    else {
        return Vec::new();
    };
    let mut rows = Vec::new();
    for part in entry["parts"].as_array().expect("parts") {
        let bytes = std::fs::read(out.join(part["path"].as_str().expect("path"))).expect("part file");
        assert!(
            bytes.len() as u64 <= cap,
            "part {} is {} bytes, over the cap {cap}",
            part["path"],
            bytes.len()
        );
        assert_eq!(part["bytes"], bytes.len() as u64);
        assert_eq!(part["md5"], md5_hex(&bytes));
        let mut text = String::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_string(&mut text)
            .expect("gzip of UTF-8");
        let part_rows: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).expect("each line is one JSON object"))
            .collect();
        assert_eq!(part["rows"], part_rows.len() as u64);
        for row in &part_rows {
            check_row(task, row);
        }
        rows.extend(part_rows);
    }
    assert_eq!(entry["rows"], rows.len() as u64);
    rows
}

/// Asserts a row matches the task's contract: known fields only, required ones present, types right.
pub fn check_row(task: Task, row: &Value) {
    let object = row
        .as_object()
        .unwrap_or_else(|| panic!("{task} row is an object: {row}"));
    let contract = task.contract();
    for key in object.keys() {
        assert!(
            contract.fields().iter().any(|f| &f.name == key),
            "{task}: unknown field {key} in {row}"
        );
    }
    for field in contract.fields() {
        let value = object.get(&field.name);
        if field.required {
            assert!(
                value.is_some_and(|v| !v.is_null()),
                "{task}: required {} missing in {row}",
                field.name
            );
        }
        if let Some(v) = value {
            check_type(&field.ty, v, row);
        }
    }
}

fn check_type(ty: &FieldType, v: &Value, row: &Value) {
    match ty {
        FieldType::String => assert!(
            v.is_string() && !v.as_str().unwrap_or_default().is_empty(),
            "string in {row}"
        ),
        FieldType::DateTime => {
            let s = v
                .as_str()
                .unwrap_or_else(|| panic!("date-time is a string in {row}"));
            assert!(
                ssoimport::schema::time::is_iso_millis(s),
                "`{s}` is not YYYY-MM-DDTHH:MM:SS.mmmZ in {row}"
            );
        }
        FieldType::Boolean => assert!(v.is_boolean(), "boolean in {row}"),
        FieldType::StringArray => assert!(v.as_array().is_some_and(|a| a.iter().all(Value::is_string))),
        FieldType::Object(children) => {
            let o = v.as_object().unwrap_or_else(|| panic!("object in {row}"));
            for (k, child) in o {
                let f = children
                    .iter()
                    .find(|c| &c.name == k)
                    .unwrap_or_else(|| panic!("unknown {k} in {row}"));
                check_type(&f.ty, child, row);
            }
        }
    }
}

/// The rejects file as JSON objects.
pub fn rejects(out: &Path) -> Vec<Value> {
    std::fs::read_to_string(out.join("rejects.jsonl"))
        .expect("rejects.jsonl")
        .lines()
        .map(|l| serde_json::from_str(l).expect("reject line is JSON"))
        .collect()
}

/// Asserts `read = filtered + duplicates + rejected + accepted`, and that rejects.jsonl has one line per reject
/// of a record.
pub fn assert_counts_add_up(out: &Path) -> Value {
    let m = manifest(out);
    let c = &m["counts"];
    let n = |k: &str| c[k].as_u64().unwrap_or_else(|| panic!("counts.{k}"));
    assert_eq!(
        n("read"),
        n("filtered") + n("duplicates") + n("rejected") + n("accepted"),
        "{c}"
    );
    let by_code: u64 = m["rejectsByCode"]
        .as_object()
        .expect("rejectsByCode")
        .values()
        .filter_map(Value::as_u64)
        .sum();
    assert_eq!(by_code, n("rejected"));
    c.clone()
}

fn md5_hex(bytes: &[u8]) -> String {
    // Checked against an independent implementation.
    use std::io::Write;
    let mut child = Command::new("md5sum")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("md5sum (coreutils)");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(bytes)
        .expect("write");
    let out = child.wait_with_output().expect("md5sum");
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_string()
}
