//! The crate's error type and the goa error bodies the API answers with.

use std::sync::atomic::{AtomicU64, Ordering};

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::codec::base32;
use crate::rng::SplitMix64;

/// Why an emulator could not start or run.
#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    /// A configuration value is out of range.
    #[error("invalid emulator configuration: {0}")]
    Config(String),
    /// The listen address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: std::net::SocketAddr,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The tokio runtime or the background thread could not be created.
    #[error("cannot start the emulator's runtime: {0}")]
    Runtime(std::io::Error),
    /// The server stopped with an I/O error.
    #[error("the emulator's server failed: {0}")]
    Serve(std::io::Error),
    /// The background thread panicked.
    #[error("the emulator's thread panicked")]
    ThreadPanicked,
}

/// The content type of every error response.
pub(crate) const GOA_ERROR: &str = "application/vnd.goa.error";

/// An error answer: a goa error body (`name, id, message, temporary, timeout, fault`) with its status.
#[derive(Debug, Clone)]
pub(crate) struct ApiError {
    pub status: StatusCode,
    pub name: &'static str,
    pub message: String,
    pub temporary: bool,
    pub timeout: bool,
    pub fault: bool,
    pub retry_after: Option<u64>,
}

impl ApiError {
    /// A permanent client error.
    pub(crate) fn new(status: StatusCode, name: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            name,
            message: message.into(),
            temporary: false,
            timeout: false,
            fault: status.is_server_error(),
            retry_after: None,
        }
    }

    /// 400 with goa's generic name.
    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    /// 422 `unprocessable_entity`.
    pub(crate) fn unprocessable(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "unprocessable_entity", message)
    }

    /// 401 `unauthorized`.
    pub(crate) fn unauthorized(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    /// Marks the error as transient (a retry hint).
    pub(crate) fn temporary(mut self) -> Self {
        self.temporary = true;
        self
    }

    /// The JSON body.
    pub(crate) fn body(&self) -> serde_json::Value {
        serde_json::json!({
            "name": self.name,
            "id": occurrence_id(),
            "message": self.message,
            "temporary": self.temporary,
            "timeout": self.timeout,
            "fault": self.fault,
        })
    }
}

/// A short unique id per error occurrence, like goa's.
fn occurrence_id() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0x5EED);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    base32(&SplitMix64::new(n).next_u64().to_be_bytes())[..8].to_string()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, self.body().to_string()).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(GOA_ERROR));
        if let Some(secs) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}
