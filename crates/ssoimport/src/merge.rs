//! Combining the partial states of shards into the roster and discovery one run over all their inputs would give.

use std::io::BufReader;
use std::path::{Path, PathBuf};

use ssoimport_aggregate::Aggregator;
use ssoimport_schema::Task;
use ssoimport_upload::{Counts, EncodeError, Manifest, PartOptions};

use crate::pipeline::{PARTIAL_FILE, claim_out_dir, write_aggregated};
use crate::{Observer, PipelineError};

/// Rows per roster and discovery batch.
const BATCH_ROWS: usize = 8192;

/// Reads the partial of each shard directory (written by a `--partial` conversion), merges them, and writes the
/// roster and discovery parts and a manifest into `out_dir`. The parts are byte-identical to those of a single
/// conversion over all the shards' inputs, whatever the order or grouping of the shards.
///
/// The manifest's counts and inputs are the sums and concatenation of the shards' own; usage stays in the shard
/// directories (each shard deduplicates its own sign-ins only).
pub fn merge_partials(
    shard_dirs: &[PathBuf],
    out_dir: &Path,
    parts: PartOptions,
    observer: &dyn Observer,
) -> Result<Manifest, PipelineError> {
    let mut merged: Option<Aggregator> = None;
    let mut counts = Counts::default();
    let mut inputs = Vec::new();
    let mut input_errors = Vec::new();
    let mut rejects_by_code = std::collections::BTreeMap::new();
    let mut complete = true;
    for dir in shard_dirs {
        let manifest = Manifest::read(dir)?;
        let path = dir.join(PARTIAL_FILE);
        let file = std::fs::File::open(&path).map_err(|source| {
            PipelineError::Output(EncodeError::Manifest {
                path: path.display().to_string(),
                detail: format!("{source} (convert the shard with --partial)"),
            })
        })?;
        let state = Aggregator::read_partial(BufReader::new(flate2::read::MultiGzDecoder::new(file)))
            .map_err(|e| PipelineError::Internal(format!("{}: {e}", path.display())))?;
        match &mut merged {
            None => merged = Some(state),
            Some(m) => m
                .merge(state)
                .map_err(|e| PipelineError::Internal(format!("{}: {e}", path.display())))?,
        }
        complete &= manifest.complete;
        let c = manifest.counts;
        counts.read += c.read;
        counts.filtered += c.filtered;
        counts.duplicates += c.duplicates;
        counts.rejected += c.rejected;
        counts.accepted += c.accepted;
        for (code, n) in manifest.rejects_by_code {
            *rejects_by_code.entry(code).or_insert(0) += n;
        }
        inputs.extend(manifest.inputs);
        input_errors.extend(manifest.input_errors);
    }
    let merged = merged.ok_or_else(|| PipelineError::Internal("no shard directories given".into()))?;
    let _lock = claim_out_dir(out_dir)?;
    let aggregated = merged.finish(BATCH_ROWS);
    let tasks = write_aggregated(
        &aggregated,
        &[Task::SsoApplicationRoster, Task::ApplicationDiscovery],
        out_dir,
        parts,
        observer,
    )?;
    let manifest = Manifest {
        tool: format!("ssoimport {}", env!("CARGO_PKG_VERSION")),
        complete,
        inputs,
        counts,
        rejects_by_code,
        tasks,
        input_errors,
        parquet: Vec::new(),
    };
    manifest.write(out_dir)?;
    Ok(manifest)
}
