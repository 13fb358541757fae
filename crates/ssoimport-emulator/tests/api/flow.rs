//! The happy path, the token endpoint, bearer checks and the handles.

use std::io::{Read, Write};
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use ssoimport_emulator::{EmulatorConfig, start, start_in_thread};

use crate::openapi::{OpenApi, Regex};
use crate::support::*;

#[tokio::test]
async fn the_whole_import_flow_works_over_loopback() {
    let emulator = start(fast_config()).await.unwrap();

    // Token.
    let client = http();
    let response = token_request(&client, &emulator.base_url(), &refresh_form()).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers().contains_key("x-ratelimit-remaining"));
    let token: Value = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
    let token_spec = OpenApi::token_service();
    token_spec.assert_valid(
        token_spec.response_schema("/oidc/token", "post", 200, "application/json"),
        &token,
    );
    assert_eq!(token["token_type"], "Bearer");
    assert_eq!(token["expires_in"], 3600);
    assert_eq!(
        token["access_token"].as_str().unwrap().split('.').count(),
        3,
        "shaped like a JWT"
    );
    let api = Api {
        base: emulator.base_url(),
        client,
        token: token["access_token"].as_str().unwrap().into(),
        org: 1,
    };

    // Create: 201, empty body, Location with a UUID.
    let response = api.create("usage-1.jsonl.gz").await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let location = response.headers()["location"].to_str().unwrap().to_string();
    assert!(response.bytes().await.unwrap().is_empty());
    let id = location
        .strip_prefix("/saas/v1/orgs/1/saas-data/")
        .unwrap()
        .to_string();
    assert!(
        Regex::parse("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
            .unwrap()
            .is_match(&id)
    );

    let pending = api
        .get_json(
            &format!("/saas-data/{id}"),
            "/saas/v1/orgs/{orgId}/saas-data/{id}",
        )
        .await;
    assert_eq!(pending["status"], "pending");
    assert_eq!(pending["name"], "usage-1.jsonl.gz");
    assert_eq!(pending["id"], id.as_str());

    // Upload.
    let rows: Vec<Value> = (0..25).map(usage_row).collect();
    let body = gzip(&jsonl(&rows));
    let checksum = md5_hex(&body);
    let response = api
        .patch(
            &id,
            body,
            &[
                ("content-type", "application/json"),
                ("content-encoding", "gzip"),
                ("checksum", &checksum),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert!(response.bytes().await.unwrap().is_empty());

    let uploaded = api
        .get_json(
            &format!("/saas-data/{id}"),
            "/saas/v1/orgs/{orgId}/saas-data/{id}",
        )
        .await;
    assert_eq!(uploaded["status"], "uploaded");
    assert_eq!(uploaded["checksum"], checksum.as_str());
    assert_eq!(uploaded["contentEncoding"], "gzip");
    assert_eq!(uploaded["contentType"], "JSON");
    assert!(uploaded["modifiedAt"].as_str().unwrap() >= pending["modifiedAt"].as_str().unwrap());

    // Job: 201, empty body, Location with a 26-character base32 id.
    let response = api
        .post(
            "/import-jobs",
            &Api::job_body(&["usage-1.jsonl.gz"], "SsoApplicationUsage", "incremental"),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let location = response.headers()["location"].to_str().unwrap().to_string();
    assert!(response.bytes().await.unwrap().is_empty());
    let job_id = location
        .strip_prefix("/saas/v1/orgs/1/import-jobs/")
        .unwrap()
        .to_string();
    assert!(Regex::parse("^[2-7A-Z]{26}$").unwrap().is_match(&job_id));

    let first = api
        .get_json(
            &format!("/import-jobs/{job_id}"),
            "/saas/v1/orgs/{orgId}/import-jobs/{id}",
        )
        .await;
    assert!(
        matches!(first["status"].as_str(), Some("ready" | "running")),
        "{first}"
    );
    assert_eq!(first["sourceHref"], "saas/v1/orgs/1/managed-apps/5678");
    assert_eq!(
        first["importSettings"],
        json!({"taskName": "SsoApplicationUsage", "loadType": "incremental"})
    );
    assert_eq!(first["saasDataList"][0]["name"], "usage-1.jsonl.gz");

    let done = api.wait_job(&job_id).await;
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(done["errors"], json!([]));
    assert!(done["startedAt"].as_str().unwrap() >= done["createdAt"].as_str().unwrap());
    assert!(done["finishedAt"].as_str().unwrap() >= done["startedAt"].as_str().unwrap());

    // The inspection endpoint shows what arrived.
    let response = api
        .client
        .get(format!("{}/_emulator/state", api.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let state: Value = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
    let job = &state["importJobs"][0];
    assert_eq!(job["id"], job_id.as_str());
    assert_eq!(job["org"], 1);
    assert_eq!(job["managedAppId"], "5678");
    assert_eq!(job["task"], "SsoApplicationUsage");
    assert_eq!(job["loadType"], "incremental");
    assert_eq!(job["status"], "completed");
    assert_eq!(job["fileNames"], json!(["usage-1.jsonl.gz"]));
    assert_eq!(job["rows"], json!(rows));
    assert_eq!(state["saasData"][0]["rows"], json!(rows));
    assert_eq!(state["saasData"][0]["name"], "usage-1.jsonl.gz");
    assert_eq!(emulator.state()["importJobs"][0]["validRows"], 25);

    emulator.shutdown().await.unwrap();
}

#[tokio::test]
async fn both_grants_are_accepted_and_bad_credentials_are_refused() {
    let emulator = start(EmulatorConfig::default()).await.unwrap();
    let base = emulator.base_url();
    let client = http();
    let token_spec = OpenApi::token_service();

    let response = token_request(
        &client,
        &base,
        "grant_type=client_credentials&client_id=emulator-client-id&client_secret=emulator-client-secret",
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
    token_spec.assert_valid(token_spec.component("TokenResponseBody"), &body);
    assert!(body.get("refresh_token").is_none());

    let response = token_request(&client, &base, &refresh_form()).await;
    let body: Value = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
    assert_eq!(
        body["refresh_token"], "emulator-refresh-token",
        "echoed for the refresh grant"
    );

    // The token service's own document describes a JSON body; that works too.
    let response = client
        .post(format!("{base}/oidc/token"))
        .header("content-type", "application/json")
        .body(json!({"grant_type": "refresh_token", "refresh_token": "emulator-refresh-token"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);

    for (form, status, name) in [
        (
            "grant_type=refresh_token&refresh_token=wrong",
            401,
            "unauthorized",
        ),
        (
            "grant_type=client_credentials&client_id=emulator-client-id&client_secret=nope",
            401,
            "unauthorized",
        ),
        (
            "grant_type=client_credentials&client_id=someone&client_secret=emulator-client-secret",
            401,
            "unauthorized",
        ),
        ("grant_type=refresh_token", 400, "bad_request"),
        (
            "grant_type=client_credentials&client_id=emulator-client-id",
            400,
            "bad_request",
        ),
        ("grant_type=authorization_code&code=x", 400, "bad_request"),
        ("refresh_token=emulator-refresh-token", 400, "bad_request"),
    ] {
        let response = token_request(&client, &base, form).await;
        let body = expect_error(response, status, name).await;
        token_spec.assert_valid(token_spec.component("Error"), &body);
    }
}

#[tokio::test]
async fn api_calls_need_a_valid_bearer() {
    let emulator = start(EmulatorConfig::default()).await.unwrap();
    let base = emulator.base_url();
    let client = http();
    let url = format!("{base}/saas/v1/orgs/1/saas-data");
    expect_error(client.get(&url).send().await.unwrap(), 401, "unauthorized").await;
    expect_error(
        client.get(&url).bearer_auth("not-a-token").send().await.unwrap(),
        401,
        "unauthorized",
    )
    .await;
    expect_error(
        client
            .get(&url)
            .header("authorization", "Basic ZW11bGF0b3I6c2VjcmV0")
            .send()
            .await
            .unwrap(),
        401,
        "unauthorized",
    )
    .await;
    let response = client
        .post(format!("{base}/saas/v1/orgs/1/import-jobs"))
        .body(Api::job_body(&["x"], "ApplicationRoster", "full").to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["www-authenticate"], "Bearer");
    expect_error(response, 401, "unauthorized").await;
    assert!(emulator.state()["importJobs"].as_array().unwrap().is_empty());

    let api = Api::of(&emulator).await;
    assert_eq!(api.get("/saas-data").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn an_expired_token_gets_401() {
    let config = EmulatorConfig {
        token_expiry: Duration::from_secs(1),
        ..EmulatorConfig::default()
    };
    let emulator = start(config).await.unwrap();
    let client = http();
    let response = token_request(&client, &emulator.base_url(), &refresh_form()).await;
    let body: Value = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
    assert_eq!(body["expires_in"], 1);
    let api = Api {
        base: emulator.base_url(),
        client,
        token: body["access_token"].as_str().unwrap().into(),
        org: 1,
    };
    assert_eq!(api.get("/saas-data").await.status(), StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let error = expect_error(api.get("/saas-data").await, 401, "unauthorized").await;
    assert!(error["message"].as_str().unwrap().contains("expired"));
    // A fresh token works again.
    let fresh = Api::of(&emulator).await;
    assert_eq!(fresh.get("/saas-data").await.status(), StatusCode::OK);
}

fn raw_get(addr: std::net::SocketAddr, path: &str) -> std::io::Result<String> {
    let mut stream = std::net::TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )?;
    let mut out = String::new();
    stream.read_to_string(&mut out)?;
    Ok(out)
}

#[test]
fn a_threaded_emulator_serves_synchronous_callers_and_stops_on_drop() {
    let emulator = start_in_thread(EmulatorConfig::default()).unwrap();
    let addr = emulator.local_addr();
    assert!(addr.ip().is_loopback());
    assert_eq!(emulator.base_url(), format!("http://{addr}"));
    let answer = raw_get(addr, "/_emulator/state").unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"importJobs\":[]"));
    let answer = raw_get(addr, "/saas/v1/orgs/1/import-jobs").unwrap();
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    assert!(
        answer
            .to_ascii_lowercase()
            .contains("content-type: application/vnd.goa.error")
    );
    drop(emulator);
    assert!(
        raw_get(addr, "/_emulator/state").is_err(),
        "the port is closed after drop"
    );

    let bad = EmulatorConfig {
        fault_rate: 2.0,
        ..EmulatorConfig::default()
    };
    assert!(start_in_thread(bad).is_err());
    let taken = start_in_thread(EmulatorConfig::default()).unwrap();
    let clash = EmulatorConfig {
        listen: taken.local_addr(),
        ..EmulatorConfig::default()
    };
    assert!(matches!(
        start_in_thread(clash),
        Err(ssoimport_emulator::EmulatorError::Bind { .. })
    ));
    taken.shutdown().unwrap();
}
