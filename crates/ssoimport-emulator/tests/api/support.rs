//! A small client for the tests: tokens, uploads, jobs, and checks of error bodies.

use std::io::Write;
use std::time::{Duration, Instant};

use flate2::Compression;
use flate2::write::GzEncoder;
use md5::{Digest, Md5};
use reqwest::{Client, Method, Response, StatusCode};
use serde_json::{Value, json};
use ssoimport_emulator::{Credentials, Emulator, EmulatorConfig, JobTiming};

use crate::openapi::OpenApi;

/// A config with fast jobs and otherwise defaults.
pub fn fast_config() -> EmulatorConfig {
    EmulatorConfig {
        job_timing: JobTiming::fast(),
        ..EmulatorConfig::default()
    }
}

/// A reqwest client that never uses a proxy.
pub fn http() -> Client {
    // A workspace build unifies reqwest's `rustls-no-provider` (the upload client's TLS): install ring's provider.
    let _ = rustls::crypto::ring::default_provider().install_default();
    Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

/// Gzips bytes.
pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

/// Lower-case MD5 hex.
pub fn md5_hex(data: &[u8]) -> String {
    Md5::digest(data).iter().map(|b| format!("{b:02x}")).collect()
}

/// Rows as JSON-L.
pub fn jsonl(rows: &[Value]) -> Vec<u8> {
    let mut out = Vec::new();
    for row in rows {
        out.extend_from_slice(row.to_string().as_bytes());
        out.push(b'\n');
    }
    out
}

/// Percent-encodes a query value.
pub fn enc(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A valid `SsoApplicationUsage` row.
pub fn usage_row(n: usize) -> Value {
    json!({
        "ssoAppName": "Slack",
        "ssoAppId": "0oa1",
        "appInstanceId": "inst-1",
        "uniqueId": format!("user{n}@example.com"),
        "email": format!("user{n}@example.com"),
        "occurredAt": format!("2024-01-01T00:00:{:02}.000Z", n % 60),
        "eventId": format!("evt-{n}"),
    })
}

/// POSTs the token form and returns the response.
pub async fn token_request(client: &Client, base: &str, form: &str) -> Response {
    client
        .post(format!("{base}/oidc/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form.to_string())
        .send()
        .await
        .unwrap()
}

/// The refresh-token form of the default credentials.
pub fn refresh_form() -> String {
    format!(
        "grant_type=refresh_token&refresh_token={}",
        enc(&Credentials::default().refresh_token)
    )
}

/// A client bound to one emulator and org, holding an access token.
pub struct Api {
    pub base: String,
    pub client: Client,
    pub token: String,
    pub org: u64,
}

impl Api {
    /// Gets a token with the default refresh token (retrying injected faults).
    pub async fn connect(base: String, org: u64) -> Api {
        let client = http();
        let mut token = None;
        for _ in 0..50 {
            if let Ok(response) = client
                .post(format!("{base}/oidc/token"))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(refresh_form())
                .send()
                .await
                && response.status() == StatusCode::OK
            {
                let body: Value = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
                token = Some(body["access_token"].as_str().unwrap().to_string());
                break;
            }
        }
        Api {
            base,
            client,
            token: token.expect("a token within 50 tries"),
            org,
        }
    }

    /// Connects to an emulator's org 1.
    pub async fn of(emulator: &Emulator) -> Api {
        Api::connect(emulator.base_url(), 1).await
    }

    /// A request to `path` (absolute path on the server) with the bearer token.
    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.client
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token)
    }

    /// The org's API prefix.
    pub fn prefix(&self) -> String {
        format!("/saas/v1/orgs/{}", self.org)
    }

    /// GET a path under the org prefix.
    pub async fn get(&self, rel: &str) -> Response {
        self.request(Method::GET, &format!("{}{rel}", self.prefix()))
            .send()
            .await
            .unwrap()
    }

    /// POST JSON to a path under the org prefix.
    pub async fn post(&self, rel: &str, body: &Value) -> Response {
        self.request(Method::POST, &format!("{}{rel}", self.prefix()))
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .unwrap()
    }

    /// Creates a SaaS data object; returns the response.
    pub async fn create(&self, file_name: &str) -> Response {
        self.post("/saas-data", &json!({ "fileName": file_name })).await
    }

    /// Creates a SaaS data object and returns its id (from `Location`).
    pub async fn create_ok(&self, file_name: &str) -> String {
        let response = self.create(file_name).await;
        assert_eq!(
            response.status(),
            StatusCode::CREATED,
            "{:?}",
            response.text().await
        );
        let location = response.headers()["location"].to_str().unwrap().to_string();
        location.rsplit('/').next().unwrap().to_string()
    }

    /// PATCHes raw bytes with the given headers (the bearer is added).
    pub async fn patch(&self, id: &str, body: Vec<u8>, headers: &[(&str, &str)]) -> Response {
        let mut request = self.request(Method::PATCH, &format!("{}/saas-data/{id}", self.prefix()));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.body(body).send().await.unwrap()
    }

    /// Uploads rows gzipped with the right headers.
    pub async fn upload(&self, id: &str, rows: &[Value]) -> Response {
        let body = gzip(&jsonl(rows));
        let checksum = md5_hex(&body);
        self.patch(
            id,
            body,
            &[
                ("content-type", "application/json"),
                ("content-encoding", "gzip"),
                ("checksum", &checksum),
            ],
        )
        .await
    }

    /// Creates and uploads a file; returns its id.
    pub async fn file(&self, file_name: &str, rows: &[Value]) -> String {
        let id = self.create_ok(file_name).await;
        let response = self.upload(&id, rows).await;
        assert_eq!(
            response.status(),
            StatusCode::NO_CONTENT,
            "{:?}",
            response.text().await
        );
        id
    }

    /// The create-job body.
    pub fn job_body(names: &[&str], task: &str, load_type: &str) -> Value {
        json!({
            "managedAppId": "5678",
            "saasDataList": names.iter().map(|n| json!({"name": n})).collect::<Vec<_>>(),
            "importSettings": {"taskName": task, "loadType": load_type},
        })
    }

    /// Creates a job and returns its id.
    pub async fn job(&self, names: &[&str], task: &str, load_type: &str) -> String {
        let response = self
            .post("/import-jobs", &Api::job_body(names, task, load_type))
            .await;
        assert_eq!(
            response.status(),
            StatusCode::CREATED,
            "{:?}",
            response.text().await
        );
        let location = response.headers()["location"].to_str().unwrap().to_string();
        location.rsplit('/').next().unwrap().to_string()
    }

    /// GETs JSON with status 200, checked against the operation's documented response schema.
    pub async fn get_json(&self, rel: &str, spec_path: &str) -> Value {
        let response = self.get(rel).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["content-type"], "application/json");
        assert!(response.headers().contains_key("x-ratelimit-remaining"));
        let body: Value = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
        let spec = OpenApi::saas();
        spec.assert_valid(
            spec.response_schema(spec_path, "get", 200, "application/json"),
            &body,
        );
        body
    }

    /// Polls a job until it is finished.
    pub async fn wait_job(&self, id: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let job = self
                .get_json(
                    &format!("/import-jobs/{id}"),
                    "/saas/v1/orgs/{orgId}/import-jobs/{id}",
                )
                .await;
            if matches!(job["status"].as_str(), Some("completed" | "failed")) {
                return job;
            }
            assert!(Instant::now() < deadline, "job {id} did not finish: {job}");
            tokio::time::sleep(Duration::from_millis(15)).await;
        }
    }
}

/// Asserts a goa error answer: status, content type, the six fields (checked against the spec's `Error`) and
/// the name. Returns the body.
pub async fn expect_error(response: Response, status: u16, name: &str) -> Value {
    assert_eq!(response.status().as_u16(), status, "unexpected status");
    assert_eq!(response.headers()["content-type"], "application/vnd.goa.error");
    let body: Value = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
    OpenApi::saas().assert_component("Error", &body);
    assert_eq!(body["name"], name, "{body}");
    assert!(!body["message"].as_str().unwrap().is_empty());
    body
}
