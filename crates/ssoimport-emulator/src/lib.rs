//! A local stand-in for the Flexera One SaaS Management Import Jobs API (`/saas/v1/orgs/{orgId}/saas-data` and
//! `/import-jobs`) and its token endpoint (`/oidc/token`), so that the ssoimport client can be tested end to end
//! over loopback, with no network.
//!
//! It follows Flexera's OpenAPI documents (copied into this crate's `openapi/`) and the project's contract notes:
//! bearer tokens from a refresh token or a client id/secret pair; SaaS data objects created by `fileName` and
//! uploaded once by `PATCH` (gzipped JSON-L, `Checksum` = MD5 hex of the body); import jobs that move
//! `ready → running → completed|failed` with time, at most N running per org, whose rows are checked against the
//! task contracts of `ssoimport_schema` and whose problems land in `errors[]`; list endpoints with `filter`,
//! `orderBy` and `skipToken`; goa error bodies; and seeded fault injection (500/503, 429 with `retry-after`,
//! dropped connections, slow answers). `GET /_emulator/state` (no auth, never faulted) shows everything received.
//!
//! ```
//! use ssoimport_emulator::{EmulatorConfig, JobTiming, start_in_thread};
//!
//! let emulator = start_in_thread(EmulatorConfig {
//!     fault_rate: 0.05,
//!     seed: 7,
//!     job_timing: JobTiming::fast(),
//!     ..EmulatorConfig::default()
//! })?;
//! let base = emulator.base_url(); // e.g. http://127.0.0.1:41234
//! assert!(base.starts_with("http://127.0.0.1:"));
//! // POST {base}/oidc/token with grant_type=refresh_token&refresh_token=emulator-refresh-token, then
//! // POST {base}/saas/v1/orgs/1/saas-data, PATCH the file, POST {base}/saas/v1/orgs/1/import-jobs, poll ...
//! let state = emulator.state(); // the same JSON as GET {base}/_emulator/state
//! assert_eq!(state["importJobs"], serde_json::json!([]));
//! drop(emulator); // stops the server and joins its thread
//! # Ok::<(), ssoimport_emulator::EmulatorError>(())
//! ```
//!
//! Fault decisions, ids and tokens come from a splitmix64 generator seeded by [`EmulatorConfig::seed`]: the same
//! seed and the same sequence of requests give the same faults. Concurrent requests make the sequence, and so the
//! decisions, depend on arrival order.
//!
//! # Where the real API is unknown
//!
//! These behaviours are guesses (the contract notes mark them unconfirmed); each is a default or a config knob:
//! a duplicate `fileName` gets 409 `saasdata_already_exists` ([`EmulatorConfig::duplicate_file_name_status`]);
//! every PATCH header problem and a checksum mismatch or bad gzip get 422 `unprocessable_entity`; an upload over
//! the cap gets 413 `payload_too_large`, counted on the body as sent; a refused upload leaves the object
//! `pending`, so it can be uploaded again; lines that are not JSON are accepted at upload and reported by the job;
//! body validation errors use goa's names (`missing_field`, `invalid_pattern`, `invalid_enum_value`,
//! `invalid_length`) with 400; a job naming an unknown file gets 404 `saasdata_not_found`, one naming a file
//! not yet uploaded 422 `saasdata_not_uploaded`; the running cap is per org; `queued` is never used; a job with
//! no valid row fails, otherwise it completes with its `errors[]`; `completedAt` and `failedAt` are aliases of
//! `finishedAt`; the SaaS data list also pages (`nextPage`, which its schema does not name); the token endpoint
//! takes a form or a JSON body and answers bad credentials with a goa 401.

mod codec;
mod config;
mod error;
mod query;
mod rng;
mod server;
mod state;
mod time;
pub mod upload;
mod validate;

pub use config::{Credentials, EmulatorConfig, FaultKind, JobTiming};
pub use error::EmulatorError;
pub use server::{Emulator, EmulatorThread, run_until_ctrl_c, start, start_in_thread};
pub use validate::{ErrorSummary, JobCheck, check_job};
