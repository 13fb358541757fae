//! End-to-end tests: the real `ssoimport` binary on fixtures and generated inputs.

// Test helpers may unwrap: a failure is a failed test.
#![allow(clippy::unwrap_used)]

mod convert_csv;
mod disk_full;
mod hostile;
mod inputs;
mod interrupt;
mod lock;
mod merge;
mod parquet;
#[cfg(feature = "report")]
mod report;
mod support;
mod upload_e2e;
