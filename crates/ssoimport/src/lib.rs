//! ssoimport: turn SSO exports (Okta, Microsoft Entra ID, Google Workspace, CSV) into the import files of
//! Flexera SaaS Management's Import Jobs API, as a streaming pipeline and as a library of its stages.
//!
//! The stages live in their own crates and are re-exported here: [`source`] (inputs, framing, the `Decoder`
//! trait), the readers ([`csv`], ...), [`normalize`], [`validate`], [`aggregate`] and [`upload`] (parts, manifest).
//! [`Pipeline`] runs them all over a set of inputs: chunks of whole records are parsed, normalized, validated
//! and encoded in parallel on rayon, then deduplicated, aggregated and written in input order, so the output is
//! the same whatever the number of threads.
//!
//! ```
//! use ssoimport::{ConvertOptions, Pipeline, Readers, source::expand_inputs_outside};
//!
//! let dir = tempfile::tempdir()?;
//! let export = dir.path().join("signins.csv");
//! std::fs::write(&export, "Email,App,Date\nann@example.com,Slack,2024-03-01T09:00:00Z\n")?;
//! let out = dir.path().join("out");
//! let options = ConvertOptions::new(&out);
//! let inputs = expand_inputs_outside(&[&export], &out)?;
//! let summary = Pipeline::new(options, Readers::default()).convert(&inputs, &())?;
//! assert_eq!(summary.manifest.counts.accepted, 1);
//! assert!(out.join("SsoApplicationUsage/part-00000.jsonl.gz").exists());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod merge;
mod pipeline;
mod readers;

pub use merge::merge_partials;
pub use pipeline::{
    ConvertOptions, DEDUPE_MEMORY_KEYS, Observer, PARTIAL_FILE, Pipeline, PipelineError, RunSummary,
    claim_out_dir,
};
pub use readers::{Readers, SourceChoice};

pub use ssoimport_aggregate as aggregate;
pub use ssoimport_csv as csv;
#[cfg(feature = "entra")]
pub use ssoimport_entra as entra;
#[cfg(feature = "google")]
pub use ssoimport_google as google;
pub use ssoimport_normalize as normalize;
#[cfg(feature = "okta")]
pub use ssoimport_okta as okta;
pub use ssoimport_schema as schema;
pub use ssoimport_source as source;
pub use ssoimport_upload as upload;
pub use ssoimport_validate as validate;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;
