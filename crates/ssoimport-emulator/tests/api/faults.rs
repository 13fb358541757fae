//! Seeded fault injection: reproducible, at about the configured rate, in every documented shape.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::Value;
use ssoimport_emulator::{EmulatorConfig, FaultKind, start};

use crate::support::*;

fn faulty(rate: f64, seed: u64, kinds: &[FaultKind]) -> EmulatorConfig {
    EmulatorConfig {
        fault_rate: rate,
        seed,
        fault_kinds: kinds.to_vec(),
        slow_delay: Duration::from_millis(5),
        ..fast_config()
    }
}

/// Gets a token (retrying faults), then sends `n` GETs; returns each outcome and the fault log.
async fn run(seed: u64, n: usize) -> (Vec<String>, Value) {
    let emulator = start(faulty(0.3, seed, &FaultKind::DEFAULT)).await.unwrap();
    let api = Api::of(&emulator).await;
    let mut outcomes = Vec::new();
    for _ in 0..n {
        outcomes.push(
            match api
                .request(reqwest::Method::GET, "/saas/v1/orgs/1/saas-data")
                .send()
                .await
            {
                Ok(response) => response.status().as_u16().to_string(),
                Err(_) => "dropped".to_string(),
            },
        );
    }
    let state = emulator.state();
    emulator.shutdown().await.unwrap();
    (outcomes, state["faults"].clone())
}

#[tokio::test]
async fn the_same_seed_gives_the_same_faults() {
    let (a, log_a) = run(42, 60).await;
    let (b, log_b) = run(42, 60).await;
    assert_eq!(a, b);
    assert_eq!(log_a, log_b);
    assert!(a.iter().any(|o| o == "200"));
    assert!(a.iter().any(|o| o != "200"));
    let (c, _) = run(43, 60).await;
    assert_ne!(a, c, "another seed, other faults");
}

#[tokio::test]
async fn faults_come_at_about_the_configured_rate() {
    let emulator = start(faulty(0.25, 7, &FaultKind::DEFAULT)).await.unwrap();
    let client = http();
    let url = format!("{}/saas/v1/orgs/1/saas-data", emulator.base_url());
    for _ in 0..400 {
        let _ = client.get(&url).send().await;
    }
    let state = emulator.state();
    assert_eq!(state["requests"], 400);
    let log = state["faults"].as_array().unwrap();
    let rate = log.len() as f64 / 400.0;
    assert!((0.17..=0.33).contains(&rate), "fault rate {rate}");
    for kind in FaultKind::DEFAULT {
        assert!(
            log.iter().any(|f| f["fault"] == kind.as_str()),
            "no {kind:?} in {log:?}"
        );
    }
}

#[tokio::test]
async fn injected_errors_have_goa_bodies_and_retry_hints() {
    for (kind, status, name) in [
        (FaultKind::InternalError, 500, "internal_error"),
        (FaultKind::Unavailable, 503, "service_unavailable"),
        (FaultKind::RateLimited, 429, "too_many_requests"),
    ] {
        let emulator = start(faulty(1.0, 1, &[kind])).await.unwrap();
        let client = http();
        let base = emulator.base_url();
        let response = client
            .get(format!("{base}/saas/v1/orgs/1/import-jobs"))
            .send()
            .await
            .unwrap();
        if kind == FaultKind::RateLimited {
            assert_eq!(response.headers()["retry-after"], "1");
            assert_eq!(response.headers()["x-ratelimit-remaining"], "0");
        }
        let body = expect_error(response, status, name).await;
        assert_eq!(body["temporary"], true);
        // The token endpoint is faulted too ...
        let response = token_request(&client, &base, &refresh_form()).await;
        assert_eq!(response.status().as_u16(), status);
        // ... the inspection endpoint never.
        let response = client
            .get(format!("{base}/_emulator/state"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }
}

#[tokio::test]
async fn normal_answers_count_down_the_rate_limit() {
    let emulator = start(fast_config()).await.unwrap();
    let api = Api::of(&emulator).await;
    let remaining = |r: &reqwest::Response| -> u64 {
        r.headers()["x-ratelimit-remaining"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap()
    };
    let first = remaining(&api.get("/saas-data").await);
    let second = remaining(&api.get("/saas-data").await);
    assert!(second < first && first < 1000, "{first} then {second}");
}

#[tokio::test]
async fn a_dropped_upload_leaves_the_object_pending() {
    let emulator = start(faulty(0.0, 3, &[FaultKind::DropConnection])).await.unwrap();
    let api = Api::of(&emulator).await;
    let id = api.create_ok("big.jsonl.gz").await;
    let rows: Vec<Value> = (0..20_000).map(usage_row).collect();
    emulator.set_fault_rate(1.0);
    let body = gzip(&jsonl(&rows));
    let sum = md5_hex(&body);
    let result = api
        .request(reqwest::Method::PATCH, &format!("/saas/v1/orgs/1/saas-data/{id}"))
        .header("content-type", "application/json")
        .header("content-encoding", "gzip")
        .header("checksum", &sum)
        .body(body)
        .send()
        .await;
    assert!(
        result.is_err(),
        "the connection was closed without an answer: {result:?}"
    );
    assert!(
        api.request(reqwest::Method::GET, "/saas/v1/orgs/1/saas-data")
            .send()
            .await
            .is_err()
    );
    emulator.set_fault_rate(0.0);
    let data = api
        .get_json(
            &format!("/saas-data/{id}"),
            "/saas/v1/orgs/{orgId}/saas-data/{id}",
        )
        .await;
    assert_eq!(data["status"], "pending");
    assert_eq!(api.upload(&id, &rows).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(emulator.state()["saasData"][0]["rowCount"], 20_000);
}

#[tokio::test]
async fn slow_answers_arrive_late_but_right() {
    let config = EmulatorConfig {
        slow_delay: Duration::from_millis(200),
        ..faulty(0.0, 3, &[FaultKind::Slow])
    };
    let emulator = start(config).await.unwrap();
    let api = Api::of(&emulator).await;
    emulator.set_fault_rate(1.0);
    let began = Instant::now();
    let response = api.create("slow.jsonl.gz").await;
    assert!(began.elapsed() >= Duration::from_millis(200));
    assert_eq!(response.status(), StatusCode::CREATED);
    assert!(response.headers().contains_key("x-ratelimit-remaining"));
}

#[tokio::test]
async fn a_lost_response_still_takes_effect() {
    let emulator = start(faulty(0.0, 3, &[FaultKind::LostResponse])).await.unwrap();
    let api = Api::of(&emulator).await;
    emulator.set_fault_rate(1.0);
    let result = api
        .request(reqwest::Method::POST, "/saas/v1/orgs/1/saas-data")
        .header("content-type", "application/json")
        .body(r#"{"fileName":"lost.jsonl.gz"}"#)
        .send()
        .await;
    assert!(result.is_err());
    emulator.set_fault_rate(0.0);
    assert_eq!(emulator.state()["saasData"][0]["name"], "lost.jsonl.gz");
    expect_error(api.create("lost.jsonl.gz").await, 409, "saasdata_already_exists").await;
}
