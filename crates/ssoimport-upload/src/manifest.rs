//! The manifest of a run: `DIR/manifest.json`, written last.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::EncodeError;

/// Record counts of a run. `read = filtered + duplicates + rejected + accepted` always holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Records read from the inputs.
    pub read: u64,
    /// Records read, understood and not wanted (other event types, failed sign-ins, ...).
    pub filtered: u64,
    /// Sign-ins seen before in the run (same event id and time, or the same values).
    pub duplicates: u64,
    /// Records rejected, each with a line in `rejects.jsonl`.
    pub rejected: u64,
    /// Records that made it into the output.
    pub accepted: u64,
}

impl Counts {
    /// Whether the counts add up.
    pub fn balanced(&self) -> bool {
        self.read == self.filtered + self.duplicates + self.rejected + self.accepted
    }
}

/// One part file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartInfo {
    /// Path relative to the output directory.
    pub path: String,
    /// Rows in the part.
    pub rows: u64,
    /// Compressed size in bytes.
    pub bytes: u64,
    /// MD5 of the compressed bytes, lower-case hex (what the upload's `Checksum` header carries).
    pub md5: String,
}

/// What was written for one task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskOutput {
    /// The Flexera task name.
    pub task: String,
    /// The load type its import job uses by default.
    pub load_type: String,
    /// Rows over all parts.
    pub rows: u64,
    /// The parts, in order.
    pub parts: Vec<PartInfo>,
}

/// One input of the run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputSummary {
    /// The input's name.
    pub file: String,
    /// The reader that read it.
    pub source: String,
    /// Records read from it.
    pub records: u64,
}

/// An input that could not be read to its end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputError {
    /// The input's name.
    pub file: String,
    /// What went wrong.
    pub detail: String,
}

/// A file written beside the parts for people and engines rather than for upload (a Parquet copy, say).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataFile {
    /// The task whose rows it holds.
    pub task: String,
    /// Path relative to the output directory.
    pub path: String,
    /// Rows in the file.
    pub rows: u64,
    /// Size in bytes.
    pub bytes: u64,
}

/// `DIR/manifest.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    /// The program and version that wrote it.
    pub tool: String,
    /// False when the run stopped early (interrupted, or an error while writing): the parts are then not the
    /// whole of the input.
    pub complete: bool,
    /// The inputs read.
    pub inputs: Vec<InputSummary>,
    /// Record counts.
    pub counts: Counts,
    /// Rejected records per reject code.
    pub rejects_by_code: BTreeMap<String, u64>,
    /// The tasks written.
    pub tasks: Vec<TaskOutput>,
    /// Inputs that could not be read to their end.
    pub input_errors: Vec<InputError>,
    /// Parquet copies of the task rows (`convert --parquet`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parquet: Vec<DataFile>,
}

impl Manifest {
    /// Writes `DIR/manifest.json` (through a temporary file, so a reader never sees half of it).
    pub fn write(&self, out_dir: &Path) -> Result<(), EncodeError> {
        let path = out_dir.join("manifest.json");
        let err = |detail: String| EncodeError::Manifest {
            path: path.display().to_string(),
            detail,
        };
        let mut text = serde_json::to_vec_pretty(self).map_err(|e| err(e.to_string()))?;
        text.push(b'\n');
        let tmp = out_dir.join("manifest.json.tmp");
        std::fs::write(&tmp, &text).map_err(|e| err(e.to_string()))?;
        std::fs::File::open(&tmp)
            .and_then(|f| f.sync_all())
            .map_err(|e| err(e.to_string()))?;
        std::fs::rename(&tmp, &path).map_err(|e| err(e.to_string()))
    }

    /// Reads `DIR/manifest.json`.
    pub fn read(out_dir: &Path) -> Result<Manifest, EncodeError> {
        let path = out_dir.join("manifest.json");
        let err = |detail: String| EncodeError::Manifest {
            path: path.display().to_string(),
            detail,
        };
        let text = std::fs::read(&path).map_err(|e| {
            err(format!(
                "{e} (is this a directory written by `ssoimport convert`?)"
            ))
        })?;
        serde_json::from_slice(&text).map_err(|e| err(e.to_string()))
    }
}
