//! End-to-end tests of the emulator over loopback with reqwest; bodies are checked against Flexera's OpenAPI
//! documents in `openapi/`.

// Helpers outside `#[test]` functions unwrap as freely as the tests do.
#![allow(clippy::unwrap_used)]

mod errors;
mod faults;
mod flow;
mod lists;
mod openapi;
mod support;

use serde_json::json;

use crate::openapi::{OpenApi, Regex};

#[test]
fn the_schema_checker_covers_the_documents_and_rejects_bad_bodies() {
    let spec = OpenApi::saas();
    // Every component schema is within the supported subset: walking each against a null reports only the
    // type mismatch, never an unsupported keyword.
    let names: Vec<String> = [
        "Error",
        "ErrorSummary",
        "FlexeraFsmFiledata",
        "FlexeraFsmImportjob",
        "ImportJobList",
    ]
    .iter()
    .chain(
        [
            "ImportSettings",
            "SaasDataList",
            "CommonSaasDataName",
            "CreateManagedAppImportJobRequestBody",
        ]
        .iter(),
    )
    .map(|s| s.to_string())
    .collect();
    for name in &names {
        let violations = spec.violations(spec.component(name), &json!(null));
        assert!(
            violations.iter().all(|v| !v.contains("unsupported")),
            "{name}: {violations:?}"
        );
    }

    let job = json!({
        "id": "P6VAGLVY6BBKPF5F2TUCQJONPY",
        "status": "running",
        "sourceHref": "saas/v1/orgs/1234/managed-apps/5678",
        "saasDataList": [{"id": "x", "name": "a", "status": "uploaded", "checksum": "00236a2ae558018ed13b5222ef1bd977",
                          "contentEncoding": "gzip", "contentType": "JSON", "createdAt": "2018-05-16T16:31:52.1000Z"}],
        "importSettings": {"taskName": "ApplicationRoster", "loadType": "full"},
        "createdAt": "2018-05-16T16:31:52.1000Z",
        "errors": [{"error": "e", "summary": "s"}],
    });
    spec.assert_component("FlexeraFsmImportjob", &job);

    let broken = |path: &str, value: serde_json::Value| {
        let mut bad = job.clone();
        *bad.pointer_mut(path).unwrap() = value;
        spec.violations(spec.component("FlexeraFsmImportjob"), &bad)
    };
    assert_eq!(broken("/id", json!("lowercase-id-is-wrong-00000")).len(), 1);
    assert_eq!(broken("/status", json!("done")).len(), 1);
    assert_eq!(broken("/saasDataList/0/checksum", json!("ABC")).len(), 1);
    assert_eq!(broken("/saasDataList/0/contentType", json!("CSV")).len(), 1);
    assert_eq!(broken("/saasDataList/0/createdAt", json!("yesterday")).len(), 1);
    assert_eq!(broken("/importSettings/taskName", json!("HrRoster")).len(), 1);
    assert_eq!(broken("/errors/0", json!({"summary": "no error field"})).len(), 1);
    assert_eq!(broken("/saasDataList", json!(vec![json!({}); 11])).len(), 1);
    assert_eq!(broken("/createdAt", json!(5)).len(), 1);
    let mut missing = job.clone();
    missing.as_object_mut().unwrap().remove("sourceHref");
    assert_eq!(
        spec.violations(spec.component("FlexeraFsmImportjob"), &missing)
            .len(),
        1
    );

    let error = json!({"name": "n", "id": "i", "message": "m", "temporary": false, "timeout": false});
    assert_eq!(spec.violations(spec.component("Error"), &error).len(), 1);
}

#[test]
fn the_mini_regex_handles_the_spec_patterns() {
    let hex = Regex::parse("^[a-f0-9]{32}$").unwrap();
    assert!(hex.is_match("912ec803b2ce49e4a541068d495ab570"));
    assert!(!hex.is_match("912EC803B2CE49E4A541068D495AB570"));
    assert!(!hex.is_match("912ec803b2ce49e4a541068d495ab5700"));
    let id = Regex::parse("^[2-7A-Z]{26}$").unwrap();
    assert!(id.is_match("P6VAGLVY6BBKPF5F2TUCQJONPY"));
    assert!(!id.is_match("P6VAGLVY6BBKPF5F2TUCQJONP1"));
    let app = Regex::parse("^[0-9a-f]+$").unwrap();
    assert!(app.is_match("123") && !app.is_match("") && !app.is_match("12g"));
    assert!(Regex::parse("^(?:[A-Za-z0-9+/]{4})*$").is_err());
}
