//! What an emulator accepts and how it misbehaves.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use crate::EmulatorError;

/// The credentials the token endpoint accepts.
///
/// The defaults are public and fixed so that tests and the CLI can use them without configuration:
/// refresh token `emulator-refresh-token`, client id `emulator-client-id`, client secret `emulator-client-secret`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The refresh token accepted by `grant_type=refresh_token`.
    pub refresh_token: String,
    /// The client id accepted by `grant_type=client_credentials`.
    pub client_id: String,
    /// The client secret that must accompany [`Credentials::client_id`].
    pub client_secret: String,
}

impl Default for Credentials {
    fn default() -> Self {
        Credentials {
            refresh_token: "emulator-refresh-token".to_string(),
            client_id: "emulator-client-id".to_string(),
            client_secret: "emulator-client-secret".to_string(),
        }
    }
}

/// How fast import jobs move through `ready → running → completed|failed`.
///
/// A job becomes eligible to run `pickup_delay` after it is created, starts as soon as its org has fewer than
/// [`EmulatorConfig::max_running_jobs`] running jobs, and finishes `run_time` after it started. The real service
/// publishes no timings; the defaults are made up and short.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JobTiming {
    /// Time from creation until the job may start.
    pub pickup_delay: Duration,
    /// Time a job spends in `running`.
    pub run_time: Duration,
}

impl JobTiming {
    /// Timings for tests: 10 ms to pick up, 40 ms to run.
    pub fn fast() -> Self {
        JobTiming {
            pickup_delay: Duration::from_millis(10),
            run_time: Duration::from_millis(40),
        }
    }
}

impl Default for JobTiming {
    /// 500 ms to pick up, 2 s to run.
    fn default() -> Self {
        JobTiming {
            pickup_delay: Duration::from_millis(500),
            run_time: Duration::from_secs(2),
        }
    }
}

/// One kind of injected fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FaultKind {
    /// `500 internal_error`, a goa error with `temporary: true`.
    InternalError,
    /// `503 service_unavailable`, a goa error with `temporary: true`.
    Unavailable,
    /// `429 too_many_requests` with `retry-after` ([`EmulatorConfig::retry_after_secs`]) and a goa body.
    RateLimited,
    /// The connection is closed without a response; for a PATCH, after part of the body was read. The request
    /// has no effect.
    DropConnection,
    /// The real answer, after [`EmulatorConfig::slow_delay`].
    Slow,
    /// The request is carried out, then the connection is closed without a response, so the client cannot know
    /// that it succeeded (a retried create then meets a duplicate name or a second job). Not in
    /// [`FaultKind::DEFAULT`]: opt in to test recovery.
    LostResponse,
}

impl FaultKind {
    /// The kinds injected unless configured otherwise: every kind but [`FaultKind::LostResponse`].
    pub const DEFAULT: [FaultKind; 5] = [
        FaultKind::InternalError,
        FaultKind::Unavailable,
        FaultKind::RateLimited,
        FaultKind::DropConnection,
        FaultKind::Slow,
    ];

    /// A short stable name, as shown in the inspection endpoint's fault log.
    pub fn as_str(self) -> &'static str {
        match self {
            FaultKind::InternalError => "internal_error",
            FaultKind::Unavailable => "service_unavailable",
            FaultKind::RateLimited => "rate_limited",
            FaultKind::DropConnection => "drop_connection",
            FaultKind::Slow => "slow",
            FaultKind::LostResponse => "lost_response",
        }
    }
}

/// Everything an emulator can be told. Build it with `EmulatorConfig::default()` and change the public fields.
///
/// ```
/// use std::time::Duration;
/// use ssoimport_emulator::{EmulatorConfig, JobTiming};
///
/// let config = EmulatorConfig {
///     fault_rate: 0.1,
///     seed: 42,
///     token_expiry: Duration::from_secs(60),
///     job_timing: JobTiming::fast(),
///     ..EmulatorConfig::default()
/// };
/// assert!(config.listen.ip().is_loopback());
/// ```
#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    /// Where to listen. Default `127.0.0.1:0`: loopback, any free port.
    pub listen: SocketAddr,
    /// Probability in `[0, 1]` that an API or token request meets a fault. Default 0.
    pub fault_rate: f64,
    /// The faults to choose from, uniformly. Default [`FaultKind::DEFAULT`].
    pub fault_kinds: Vec<FaultKind>,
    /// Seed of every random decision (faults, ids, tokens). The same seed and the same sequence of requests give
    /// the same decisions. Default 0.
    pub seed: u64,
    /// Delay of a [`FaultKind::Slow`] response. Default 300 ms.
    pub slow_delay: Duration,
    /// `retry-after` seconds of a [`FaultKind::RateLimited`] response. Default 1.
    pub retry_after_secs: u64,
    /// Largest accepted PATCH body, as sent (compressed); larger bodies get 413. Default 10,000,000.
    pub max_upload_bytes: u64,
    /// Largest accepted decompressed file; larger ones get 413. Default 256 MiB.
    pub max_decoded_bytes: u64,
    /// Lifetime of an access token. Default one hour. `expires_in` is this, rounded up to whole seconds.
    pub token_expiry: Duration,
    /// Most jobs of one org in `running` at once; the others wait in `ready`. Default 10.
    pub max_running_jobs: usize,
    /// How fast jobs advance.
    pub job_timing: JobTiming,
    /// Probability in `[0, 1]` that a job fails with an injected processing error whatever its rows. Default 0.
    pub job_failure_rate: f64,
    /// The credentials the token endpoint accepts.
    pub credentials: Credentials,
    /// Status of a `POST saas-data` whose `fileName` already exists in the org. Default 409 (unconfirmed).
    pub duplicate_file_name_status: u16,
    /// Items per page of the list endpoints. Default 50 (the real page size is undocumented).
    pub page_size: usize,
    /// Reject load types the docs rule out at job creation (`ApplicationDiscovery` and `DiscoveredAppUsage` are
    /// full only, `ApplicationConsumption` incremental only). Default false.
    pub strict_load_types: bool,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        EmulatorConfig {
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            fault_rate: 0.0,
            fault_kinds: FaultKind::DEFAULT.to_vec(),
            seed: 0,
            slow_delay: Duration::from_millis(300),
            retry_after_secs: 1,
            max_upload_bytes: 10_000_000,
            max_decoded_bytes: 256 << 20,
            token_expiry: Duration::from_secs(3600),
            max_running_jobs: 10,
            job_timing: JobTiming::default(),
            job_failure_rate: 0.0,
            credentials: Credentials::default(),
            duplicate_file_name_status: 409,
            page_size: 50,
            strict_load_types: false,
        }
    }
}

impl EmulatorConfig {
    /// Checks the values that [`crate::start`] cannot work with.
    pub fn validate(&self) -> Result<(), EmulatorError> {
        let bad = |what: String| Err(EmulatorError::Config(what));
        if !(0.0..=1.0).contains(&self.fault_rate) {
            return bad(format!("fault rate {} is not within 0..=1", self.fault_rate));
        }
        if !(0.0..=1.0).contains(&self.job_failure_rate) {
            return bad(format!(
                "job failure rate {} is not within 0..=1",
                self.job_failure_rate
            ));
        }
        if self.fault_rate > 0.0 && self.fault_kinds.is_empty() {
            return bad("a fault rate needs at least one fault kind".to_string());
        }
        if !(400..=599).contains(&self.duplicate_file_name_status) {
            return bad(format!(
                "duplicate fileName status {} is not a 4xx/5xx code",
                self.duplicate_file_name_status
            ));
        }
        if self.max_running_jobs == 0 {
            return bad("max running jobs must be at least 1".to_string());
        }
        if self.page_size == 0 {
            return bad("page size must be at least 1".to_string());
        }
        Ok(())
    }
}
