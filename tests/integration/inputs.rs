//! Which files a conversion reads when it is given directories.

use std::path::Path;

use serde_json::Value;
use ssoimport::schema::Task;

use crate::support::*;

const CAP: u64 = 10_000_000;

/// Copies two fixtures of different sources into `dir`.
fn exports_in(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    for (fixture_path, name) in [
        ("okta/logs-siem-hazards.ndjson", "okta.ndjson"),
        ("csv/signins-hazards.csv", "signins.csv"),
    ] {
        std::fs::copy(fixture(fixture_path), dir.join(name)).unwrap();
    }
}

#[test]
fn a_rerun_with_the_output_inside_the_input_directory_reads_the_same_inputs() {
    let tmp = tempfile::tempdir().unwrap();
    let exports = tmp.path().join("exports");
    exports_in(&exports);
    let out = exports.join("out");
    let input = exports.to_str().unwrap();

    convert(&[input], &out, 0);
    let first = manifest(&out);
    let first_rejects = std::fs::read(out.join("rejects.jsonl")).unwrap();
    assert_eq!(first["inputs"].as_array().unwrap().len(), 2, "{first}");

    // The second run finds the first one's parts, rejects and manifest in the directory it walks.
    convert(&[input], &out, 0);
    let second = manifest(&out);
    assert_eq!(second["inputs"], first["inputs"]);
    assert_eq!(second["counts"], first["counts"]);
    assert_eq!(std::fs::read(out.join("rejects.jsonl")).unwrap(), first_rejects);
    assert_counts_add_up(&out);
}

#[test]
fn an_input_directory_inside_the_output_directory_is_refused_before_anything_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let exports = tmp.path().join("exports");
    exports_in(&exports);
    let output = convert(&[exports.to_str().unwrap()], &exports, 2);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("is inside the output directory")
            && stderr.contains("give --out a directory outside"),
        "{stderr}"
    );
    let mut left: Vec<String> = std::fs::read_dir(&exports)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, ["okta.ndjson", "signins.csv"]);
}

/// `text` as UTF-16 with its byte-order mark, little- or big-endian.
fn utf16(text: &str, little: bool) -> Vec<u8> {
    std::iter::once(0xfeff)
        .chain(text.encode_utf16())
        .flat_map(|unit| {
            if little {
                unit.to_le_bytes()
            } else {
                unit.to_be_bytes()
            }
        })
        .collect()
}

#[test]
fn utf16_exports_convert_as_their_utf8_originals_do() {
    // What Windows PowerShell 5.1 writes with `>` or `Out-File`: UTF-16, little-endian, with a byte-order mark.
    let tmp = tempfile::tempdir().unwrap();
    for (path, little) in [
        ("okta/logs-siem-hazards.ndjson", true),
        ("entra/graph-beta-signins-kinds.json", true),
        ("entra/InteractiveSignIns_2025-03-01_2025-03-02.csv", true),
        ("google/saml-activities-bom-crlf.ndjson", false),
    ] {
        let original = fixture(path);
        // A UTF-8 byte-order mark of the original stays in the text, as U+FEFF after the UTF-16 one.
        let text = std::fs::read_to_string(&original).unwrap();
        let name = original.file_name().unwrap().to_str().unwrap();
        let converted = tmp.path().join(format!("utf16-{name}"));
        std::fs::write(&converted, utf16(&text, little)).unwrap();
        let out_utf8 = tmp.path().join(format!("out-utf8-{name}"));
        let out_utf16 = tmp.path().join(format!("out-utf16-{name}"));
        convert(&[original.to_str().unwrap()], &out_utf8, 0);
        convert(&[converted.to_str().unwrap()], &out_utf16, 0);

        let (a, b) = (manifest(&out_utf8), manifest(&out_utf16));
        assert_eq!(a["counts"], b["counts"], "{path}");
        assert!(a["counts"]["accepted"].as_u64().unwrap() > 0, "{path}: {a}");
        assert_eq!(a["inputs"][0]["source"], b["inputs"][0]["source"], "{path}");
        for task in [Task::SsoApplicationUsage, Task::SsoApplicationRoster] {
            assert_eq!(
                task_rows(&out_utf8, task, CAP),
                task_rows(&out_utf16, task, CAP),
                "{path}"
            );
        }
        // Rejects point at the same places: offsets are those of the text read as UTF-8.
        let at = |out: &Path| -> Vec<(Value, Value, Value)> {
            rejects(out)
                .into_iter()
                .map(|r| (r["code"].clone(), r["line"].clone(), r["offset"].clone()))
                .collect()
        };
        assert_eq!(at(&out_utf8), at(&out_utf16), "{path}");
    }
}

#[test]
fn an_output_directory_that_is_a_file_is_named_as_such() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("out");
    std::fs::write(&file, b"not a directory").unwrap();
    let input = fixture("okta/logs-siem-hazards.ndjson");
    for out in [file.clone(), file.join("below")] {
        let output = convert(&[input.to_str().unwrap()], &out, 1);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("a file is in the way"), "{stderr}");
    }
    assert_eq!(std::fs::read(&file).unwrap(), b"not a directory");
}
