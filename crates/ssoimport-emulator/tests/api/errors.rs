//! Every refusal of the create, upload and job endpoints, and what jobs report about bad rows.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use ssoimport_emulator::{EmulatorConfig, JobTiming, start};

use crate::support::*;

#[tokio::test]
async fn creating_saas_data_checks_the_body_org_and_uniqueness() {
    let emulator = start(fast_config()).await.unwrap();
    let api = Api::of(&emulator).await;
    api.create_ok("a.jsonl.gz").await;
    let error = expect_error(api.create("a.jsonl.gz").await, 409, "saasdata_already_exists").await;
    assert!(error["message"].as_str().unwrap().contains("a.jsonl.gz"));
    expect_error(api.post("/saas-data", &json!({})).await, 400, "missing_field").await;
    expect_error(
        api.post("/saas-data", &json!({"fileName": 7})).await,
        400,
        "bad_request",
    )
    .await;
    expect_error(
        api.post("/saas-data", &json!({"fileName": ""})).await,
        400,
        "invalid_length",
    )
    .await;
    let response = api
        .request(reqwest::Method::POST, "/saas/v1/orgs/1/saas-data")
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    expect_error(response, 400, "bad_request").await;

    // The same name in another org is fine; org ids are integers >= 1.
    let other = Api::connect(emulator.base_url(), 2).await;
    other.create_ok("a.jsonl.gz").await;
    for org in ["0", "abc", "-1"] {
        let response = api
            .request(reqwest::Method::GET, &format!("/saas/v1/orgs/{org}/saas-data"))
            .send()
            .await
            .unwrap();
        expect_error(response, 400, "invalid_range").await;
    }
    expect_error(api.get("/nowhere").await, 404, "not_found").await;
    let response = api
        .request(reqwest::Method::DELETE, "/saas/v1/orgs/1/saas-data")
        .send()
        .await
        .unwrap();
    expect_error(response, 405, "method_not_allowed").await;
}

#[tokio::test]
async fn the_duplicate_file_name_status_is_configurable() {
    let config = EmulatorConfig {
        duplicate_file_name_status: 422,
        ..fast_config()
    };
    let emulator = start(config).await.unwrap();
    let api = Api::of(&emulator).await;
    api.create_ok("a").await;
    expect_error(api.create("a").await, 422, "saasdata_already_exists").await;
}

#[tokio::test]
async fn uploads_are_checked_before_they_are_stored() {
    let config = EmulatorConfig {
        max_upload_bytes: 2_000,
        ..fast_config()
    };
    let emulator = start(config).await.unwrap();
    let api = Api::of(&emulator).await;
    let id = api.create_ok("f.jsonl.gz").await;
    let body = gzip(&jsonl(&[usage_row(1)]));
    let sum = md5_hex(&body);
    let json_gzip = |checksum: &str| {
        vec![
            ("content-type", "application/json"),
            ("content-encoding", "gzip"),
            ("checksum", checksum),
        ]
        .into_iter()
        .map(|(n, v)| (n, v.to_string()))
        .collect::<Vec<_>>()
    };
    async fn patch(api: &Api, id: &str, body: Vec<u8>, headers: &[(&str, String)]) -> reqwest::Response {
        let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
        api.patch(id, body, &headers).await
    }

    // 404 for an unknown object.
    expect_error(
        patch(&api, "no-such-id", body.clone(), &json_gzip(&sum)).await,
        404,
        "saasdata_not_found",
    )
    .await;
    // 422: checksum mismatch, bad shape, missing.
    let wrong = md5_hex(b"something else");
    let error = expect_error(
        patch(&api, &id, body.clone(), &json_gzip(&wrong)).await,
        422,
        "unprocessable_entity",
    )
    .await;
    assert!(error["message"].as_str().unwrap().contains("does not match"));
    let upper = sum.to_ascii_uppercase();
    expect_error(
        patch(&api, &id, body.clone(), &json_gzip(&upper)).await,
        422,
        "unprocessable_entity",
    )
    .await;
    let headers = [
        ("content-type", "application/json".to_string()),
        ("content-encoding", "gzip".to_string()),
    ];
    expect_error(
        patch(&api, &id, body.clone(), &headers).await,
        422,
        "unprocessable_entity",
    )
    .await;
    // 422: wrong Content-Type or Content-Encoding.
    let mut headers = json_gzip(&sum);
    headers[0].1 = "application/x-ndjson".to_string();
    expect_error(
        patch(&api, &id, body.clone(), &headers).await,
        422,
        "unprocessable_entity",
    )
    .await;
    let mut headers = json_gzip(&sum);
    headers[1].1 = "br".to_string();
    expect_error(
        patch(&api, &id, body.clone(), &headers).await,
        422,
        "unprocessable_entity",
    )
    .await;
    // 422: not gzip although it says so (checksum right).
    let garbage = b"this is not gzip at all".to_vec();
    let garbage_sum = md5_hex(&garbage);
    let error = expect_error(
        patch(&api, &id, garbage, &json_gzip(&garbage_sum)).await,
        422,
        "unprocessable_entity",
    )
    .await;
    assert!(error["message"].as_str().unwrap().contains("gzip"));
    // 413 over the size cap.
    let big: Vec<u8> = (0..5_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    let big_sum = md5_hex(&big);
    expect_error(
        patch(&api, &id, big, &json_gzip(&big_sum)).await,
        413,
        "payload_too_large",
    )
    .await;

    // Large refused bodies are read away, so the client gets the answer rather than a reset connection.
    let huge: Vec<u8> = (0..3_000_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    let huge_sum = md5_hex(&huge);
    expect_error(
        patch(&api, &id, huge.clone(), &json_gzip(&huge_sum)).await,
        413,
        "payload_too_large",
    )
    .await;
    expect_error(
        patch(&api, "no-such-id", huge, &json_gzip(&huge_sum)).await,
        404,
        "saasdata_not_found",
    )
    .await;

    // Nothing of that was stored; the object still takes its one upload.
    assert_eq!(emulator.state()["saasData"][0]["status"], "pending");
    assert_eq!(
        patch(&api, &id, body.clone(), &json_gzip(&sum)).await.status(),
        StatusCode::NO_CONTENT
    );
    // 423 on a second upload.
    expect_error(
        patch(&api, &id, body.clone(), &json_gzip(&sum)).await,
        423,
        "saasdata_locked",
    )
    .await;
    expect_error(api.get("/saas-data/no-such-id").await, 404, "saasdata_not_found").await;
}

#[tokio::test]
async fn uncompressed_uploads_and_malformed_lines_are_accepted_and_reported() {
    let emulator = start(fast_config()).await.unwrap();
    let api = Api::of(&emulator).await;
    let id = api.create_ok("plain.jsonl").await;
    let mut body = jsonl(&[usage_row(1), usage_row(2)]);
    body.extend_from_slice(b"\r\n{\"broken\": \n\n");
    let sum = md5_hex(&body);
    let response = api
        .patch(
            &id,
            body,
            &[("content-type", "application/json"), ("checksum", &sum)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let data = api
        .get_json(
            &format!("/saas-data/{id}"),
            "/saas/v1/orgs/{orgId}/saas-data/{id}",
        )
        .await;
    assert_eq!(data["contentEncoding"], "none");
    let state = emulator.state();
    assert_eq!(state["saasData"][0]["rowCount"], 2);
    assert_eq!(state["saasData"][0]["malformedLines"][0]["line"], 4);

    let job = api
        .job(&["plain.jsonl"], "SsoApplicationUsage", "incremental")
        .await;
    let done = api.wait_job(&job).await;
    assert_eq!(done["status"], "completed");
    assert_eq!(done["errors"][0]["error"], "malformed_json");
    assert!(
        done["errors"][0]["summary"]
            .as_str()
            .unwrap()
            .contains("plain.jsonl line 4")
    );
}

#[tokio::test]
async fn creating_a_job_checks_every_field() {
    let config = EmulatorConfig {
        strict_load_types: true,
        ..fast_config()
    };
    let emulator = start(config).await.unwrap();
    let api = Api::of(&emulator).await;
    api.file("ok.jsonl.gz", &[usage_row(1)]).await;
    api.create_ok("pending.jsonl.gz").await;
    let ok = Api::job_body(&["ok.jsonl.gz"], "SsoApplicationUsage", "incremental");
    let with = |pointer: &str, value: Value| {
        let mut body = ok.clone();
        *body.pointer_mut(pointer).unwrap() = value;
        body
    };
    let cases: Vec<(Value, u16, &str)> = vec![
        (
            with("/importSettings/taskName", json!("HrRoster")),
            400,
            "invalid_enum_value",
        ),
        (
            with("/importSettings/taskName", json!("usage")),
            400,
            "invalid_enum_value",
        ),
        (
            with("/importSettings/loadType", json!("delta")),
            400,
            "invalid_enum_value",
        ),
        (with("/managedAppId", json!("XYZ")), 400, "invalid_pattern"),
        (with("/managedAppId", json!(5678)), 400, "invalid_field_type"),
        (with("/saasDataList", json!([])), 400, "invalid_length"),
        (
            with("/saasDataList", json!(vec![json!({"name": "ok.jsonl.gz"}); 11])),
            400,
            "invalid_length",
        ),
        (
            with(
                "/saasDataList",
                json!([{"name": "ok.jsonl.gz"}, {"name": "ok.jsonl.gz"}]),
            ),
            400,
            "bad_request",
        ),
        (
            with("/saasDataList", json!([{"id": "ok.jsonl.gz"}])),
            400,
            "missing_field",
        ),
        (
            with("/saasDataList", json!([{"name": "missing.jsonl.gz"}])),
            404,
            "saasdata_not_found",
        ),
        (
            with("/saasDataList", json!([{"name": "pending.jsonl.gz"}])),
            422,
            "saasdata_not_uploaded",
        ),
        (
            with("/importSettings", json!({"taskName": "SsoApplicationUsage"})),
            400,
            "missing_field",
        ),
        (
            with(
                "/importSettings",
                json!({"taskName": "ApplicationDiscovery", "loadType": "incremental"}),
            ),
            400,
            "bad_request",
        ),
        (json!([]), 400, "bad_request"),
    ];
    for (body, status, name) in cases {
        let response = api.post("/import-jobs", &body).await;
        let error = expect_error(response, status, name).await;
        assert!(!error["message"].as_str().unwrap().is_empty(), "{body}");
    }
    assert!(emulator.state()["importJobs"].as_array().unwrap().is_empty());

    // Response-only fields are not required, unknown fields are ignored.
    let mut extra = ok.clone();
    extra["version"] = json!(1);
    assert_eq!(
        api.post("/import-jobs", &extra).await.status(),
        StatusCode::CREATED
    );

    expect_error(
        api.get("/import-jobs/AAAAAAAAAAAAAAAAAAAAAAAAAA").await,
        404,
        "import_job_id_not_found",
    )
    .await;
    expect_error(api.get("/import-jobs/not-an-id").await, 400, "invalid_pattern").await;
    let job = emulator.state()["importJobs"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let other = Api::connect(emulator.base_url(), 2).await;
    expect_error(
        other.get(&format!("/import-jobs/{job}")).await,
        404,
        "import_job_id_not_found",
    )
    .await;
}

fn roster_row(n: usize) -> Value {
    json!({
        "ssoAppName": "Zoom",
        "appInstanceId": "inst-9",
        "uniqueId": format!("u{n}"),
        "email": format!("u{n}@example.com"),
    })
}

#[tokio::test]
async fn rows_are_checked_against_the_task_contract() {
    let emulator = start(fast_config()).await.unwrap();
    let api = Api::of(&emulator).await;
    let contract = ssoimport_schema::Task::SsoApplicationRoster.contract();
    let date_field = contract
        .fields()
        .iter()
        .find(|f| matches!(f.ty, ssoimport_schema::FieldType::DateTime))
        .map(|f| f.name.clone())
        .expect("the roster contract has a date-time field");
    for required in contract.required() {
        assert!(
            roster_row(0).get(required).is_some(),
            "roster_row lacks required {required}"
        );
    }
    let mut good = roster_row(0);
    good[&date_field] = json!("2024-01-01T00:00:00.000Z");

    let mut missing = roster_row(1);
    missing.as_object_mut().unwrap().remove("email");
    let mut null = roster_row(2);
    null["uniqueId"] = Value::Null;
    let mut typed = roster_row(3);
    typed["ssoAppName"] = json!(12);
    let mut unknown = roster_row(4);
    unknown["department"] = json!("Sales");
    let mut date = roster_row(5);
    date[&date_field] = json!("2024-01-01 00:00:00");
    api.file("roster-a.jsonl.gz", &[good.clone(), missing, null])
        .await;
    api.file("roster-b.jsonl.gz", &[typed, unknown, date, good]).await;
    let job = api
        .job(
            &["roster-a.jsonl.gz", "roster-b.jsonl.gz"],
            "SsoApplicationRoster",
            "full",
        )
        .await;
    let done = api.wait_job(&job).await;
    assert_eq!(done["status"], "completed", "some rows are valid: {done}");
    let codes: Vec<&str> = done["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["error"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        [
            "missing_required_field",
            "missing_required_field",
            "invalid_field_type",
            "invalid_date_time",
            "unknown_field"
        ],
        "{done:#}"
    );
    let summaries: Vec<&str> = done["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["summary"].as_str().unwrap())
        .collect();
    assert!(
        summaries
            .iter()
            .any(|s| s.contains("`email`") && s.contains("roster-a.jsonl.gz line 2"))
    );
    assert!(
        summaries
            .iter()
            .any(|s| s.contains("`department`") && s.contains("roster-b.jsonl.gz line 2"))
    );
    assert!(
        done["errors"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["potentialResolution"].is_string())
    );
    assert_eq!(emulator.state()["importJobs"][0]["validRows"], 2);

    // No valid row at all: failed.
    let mut bad = roster_row(6);
    bad["extra"] = json!(true);
    api.file("roster-c.jsonl.gz", &[bad.clone(), bad]).await;
    let job = api
        .job(&["roster-c.jsonl.gz"], "SsoApplicationRoster", "full")
        .await;
    let done = api.wait_job(&job).await;
    assert_eq!(done["status"], "failed");
    assert_eq!(done["errors"].as_array().unwrap().len(), 1);
    assert!(
        done["errors"][0]["summary"]
            .as_str()
            .unwrap()
            .starts_with("2 of 2 rows")
    );

    // Tasks without a contract here are accepted without row checks.
    api.file("consumption.jsonl.gz", &[json!({"eventId": "e", "whatever": 1})])
        .await;
    let job = api
        .job(&["consumption.jsonl.gz"], "ApplicationConsumption", "incremental")
        .await;
    let done = api.wait_job(&job).await;
    assert_eq!(done["status"], "completed");
    assert_eq!(done["errors"], json!([]));
}

#[tokio::test]
async fn injected_job_failures_carry_an_error_summary() {
    let config = EmulatorConfig {
        job_failure_rate: 1.0,
        job_timing: JobTiming {
            pickup_delay: Duration::ZERO,
            run_time: Duration::from_millis(5),
        },
        ..EmulatorConfig::default()
    };
    let emulator = start(config).await.unwrap();
    let api = Api::of(&emulator).await;
    api.file("u.jsonl.gz", &[usage_row(1)]).await;
    let job = api
        .job(&["u.jsonl.gz"], "SsoApplicationUsage", "incremental")
        .await;
    let done = api.wait_job(&job).await;
    assert_eq!(done["status"], "failed");
    assert_eq!(done["errors"][0]["error"], "processing_failed");
}
