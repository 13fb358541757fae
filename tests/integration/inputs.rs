//! Which files a conversion reads when it is given directories.

use std::path::Path;

use crate::support::*;

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
