//! The upload journal: `DIR/upload-journal.jsonl`, one JSON object per line, appended and fsynced after each
//! step, replayed on start so that a rerun does only what is missing.
//!
//! Lines carry the API base URL and the org they are about, so one output directory can be sent to several
//! orgs or servers. They hold names, ids, checksums and job outcomes: never a token or secret.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::ClientError;
use super::api::{JobError, JobRequest};
use super::time::{iso, parse_iso};
use crate::OutDirLock;

/// The journal's file name in the output directory.
pub const JOURNAL_FILE: &str = "upload-journal.jsonl";

/// One step, as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "camelCase")]
pub enum Step {
    /// A SaaS data object exists for `file_name` (created now, or found after a duplicate-name answer).
    #[serde(rename_all = "camelCase")]
    Created {
        /// Its name.
        file_name: String,
        /// Its id.
        id: String,
    },
    /// The part's bytes are in the object.
    #[serde(rename_all = "camelCase")]
    Uploaded {
        /// Its name.
        file_name: String,
        /// Its id.
        id: String,
        /// MD5 of the bytes uploaded.
        md5: String,
    },
    /// A job is about to be requested for these files (written before the `POST`, so that a rerun knows one
    /// may exist).
    JobRequested {
        /// The job's body.
        job: JobRequest,
    },
    /// The job for these files exists.
    #[serde(rename_all = "camelCase")]
    JobCreated {
        /// The job's body.
        job: JobRequest,
        /// Its id.
        job_id: String,
        /// Whether it was found on the server rather than created by this client.
        #[serde(default)]
        adopted: bool,
    },
    /// The job ended.
    #[serde(rename_all = "camelCase")]
    JobFinished {
        /// Its id.
        job_id: String,
        /// `completed` or `failed`.
        status: String,
        /// Its `errors[]`.
        #[serde(default)]
        errors: Vec<JobError>,
    },
}

#[derive(Debug, Serialize, Deserialize)]
struct Line {
    at: String,
    api: String,
    org: u64,
    #[serde(flatten)]
    step: Step,
}

/// What the journal knows about one SaaS data object.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ObjectState {
    /// Its id, once created.
    pub id: Option<String>,
    /// MD5 of what was uploaded into it, once uploaded.
    pub uploaded_md5: Option<String>,
    /// When the journal first heard of it.
    pub first_seen: Option<SystemTime>,
}

/// What the journal knows about the job for one set of files.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct JobState {
    /// When it was first requested.
    pub requested_at: Option<SystemTime>,
    /// Its id, once created (or adopted).
    pub job_id: Option<String>,
    /// Its outcome, once finished: status and `errors[]`.
    pub finished: Option<(String, Vec<JobError>)>,
}

/// The journal: its file, and what it says about one API and org.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    file: Option<File>,
    /// The output directory's lock, held while the journal can be written: two uploads replaying one journal at
    /// once would each create the jobs the other is creating.
    _lock: Option<OutDirLock>,
    api: String,
    org: u64,
    objects: HashMap<String, ObjectState>,
    jobs: HashMap<JobRequest, JobState>,
    finished: HashMap<String, (String, Vec<JobError>)>,
    skipped_lines: usize,
}

impl Journal {
    /// Opens (creating, with mode 0600) `DIR/upload-journal.jsonl` and replays what it says about `api` and
    /// `org`. A last line cut short by a crash is skipped (and a newline appended, so the next step starts a
    /// line of its own).
    pub fn open(dir: &Path, api: &str, org: u64) -> Result<Journal, ClientError> {
        let lock = OutDirLock::acquire(dir)?;
        let path = dir.join(JOURNAL_FILE);
        let err = |detail: String| ClientError::Journal {
            path: path.display().to_string(),
            detail,
        };
        let mut options = OpenOptions::new();
        options.read(true).append(true).create(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let existed = path.exists();
        let mut file = options.open(&path).map_err(|e| err(e.to_string()))?;
        let mut text = Vec::new();
        file.read_to_end(&mut text).map_err(|e| err(e.to_string()))?;
        if !text.is_empty() && !text.ends_with(b"\n") {
            file.write_all(b"\n").map_err(|e| err(e.to_string()))?;
            file.sync_data().map_err(|e| err(e.to_string()))?;
        }
        if !existed {
            // Make the new file's name durable too.
            if let Ok(d) = File::open(dir) {
                let _ = d.sync_all();
            }
        }
        let _ = file.seek(SeekFrom::End(0));
        let mut journal = Journal::empty(path, api, org);
        journal.replay(&text);
        journal.file = Some(file);
        journal._lock = Some(lock);
        Ok(journal)
    }

    /// Reads the journal without creating or changing it (for `--dry-run`); recording then only updates memory.
    pub fn read_only(dir: &Path, api: &str, org: u64) -> Result<Journal, ClientError> {
        let path = dir.join(JOURNAL_FILE);
        let mut journal = Journal::empty(path.clone(), api, org);
        match std::fs::read(&path) {
            Ok(text) => journal.replay(&text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(ClientError::Journal {
                    path: path.display().to_string(),
                    detail: e.to_string(),
                });
            }
        }
        Ok(journal)
    }

    fn empty(path: PathBuf, api: &str, org: u64) -> Journal {
        Journal {
            path,
            file: None,
            _lock: None,
            api: api.to_string(),
            org,
            objects: HashMap::new(),
            jobs: HashMap::new(),
            finished: HashMap::new(),
            skipped_lines: 0,
        }
    }

    fn replay(&mut self, text: &[u8]) {
        for raw in text.split(|&b| b == b'\n') {
            if raw.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            match serde_json::from_slice::<Line>(raw) {
                Ok(line) if line.api == self.api && line.org == self.org => {
                    let at = parse_iso(&line.at)
                        .and_then(|ms| u64::try_from(ms).ok())
                        .map(|ms| UNIX_EPOCH + Duration::from_millis(ms));
                    self.apply(line.step, at);
                }
                Ok(_) => {}
                Err(_) => self.skipped_lines += 1,
            }
        }
    }

    fn apply(&mut self, step: Step, at: Option<SystemTime>) {
        match step {
            Step::Created { file_name, id } => {
                let object = self.objects.entry(file_name).or_default();
                object.id = Some(id);
                object.first_seen = object.first_seen.or(at);
            }
            Step::Uploaded { file_name, id, md5 } => {
                let object = self.objects.entry(file_name).or_default();
                object.id = Some(id);
                object.uploaded_md5 = Some(md5);
                object.first_seen = object.first_seen.or(at);
            }
            Step::JobRequested { job } => {
                let state = self.jobs.entry(job).or_default();
                state.requested_at = state.requested_at.or(at);
            }
            Step::JobCreated { job, job_id, .. } => {
                let state = self.jobs.entry(job).or_default();
                state.requested_at = state.requested_at.or(at);
                state.job_id = Some(job_id);
            }
            Step::JobFinished {
                job_id,
                status,
                errors,
            } => {
                self.finished.insert(job_id, (status, errors));
            }
        }
    }

    /// Appends a step (and fsyncs it) and applies it.
    pub fn record(&mut self, step: Step) -> Result<(), ClientError> {
        let now = SystemTime::now();
        if let Some(file) = &mut self.file {
            let line = Line {
                at: iso(now),
                api: self.api.clone(),
                org: self.org,
                step: step.clone(),
            };
            let mut text = serde_json::to_vec(&line).map_err(|e| ClientError::Journal {
                path: self.path.display().to_string(),
                detail: e.to_string(),
            })?;
            text.push(b'\n');
            file.write_all(&text)
                .and_then(|()| file.sync_data())
                .map_err(|e| ClientError::Journal {
                    path: self.path.display().to_string(),
                    detail: e.to_string(),
                })?;
        }
        self.apply(step, Some(now));
        Ok(())
    }

    /// The journal's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Lines that could not be read (a line cut short by a crash).
    pub fn skipped_lines(&self) -> usize {
        self.skipped_lines
    }

    /// What is known about the object named `file_name`.
    pub fn object(&self, file_name: &str) -> Option<&ObjectState> {
        self.objects.get(file_name)
    }

    /// What is known about the job for `job`'s files.
    pub fn job(&self, job: &JobRequest) -> Option<&JobState> {
        self.jobs.get(job)
    }

    /// The recorded outcome of job `job_id`.
    pub fn finished(&self, job_id: &str) -> Option<&(String, Vec<JobError>)> {
        self.finished.get(job_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_journal_another_process_is_writing_is_not_opened() {
        let dir = tempfile::tempdir().unwrap();
        // Held by this process: a second open (a run converting and uploading at once) joins it.
        let first = Journal::open(dir.path(), "https://api.example", 1).unwrap();
        let second = Journal::open(dir.path(), "https://api.example", 1).unwrap();
        drop((first, second));
        // Held through another open file, as another process would hold it.
        let other = File::open(dir.path().join(crate::LOCK_FILE)).unwrap();
        other.lock().unwrap();
        let err = Journal::open(dir.path(), "https://api.example", 1).unwrap_err();
        assert!(matches!(err, ClientError::Lock(_)), "{err}");
        assert!(
            err.to_string().contains("another ssoimport is writing into"),
            "{err}"
        );
        // A dry run only reads the journal, and takes no lock.
        Journal::read_only(dir.path(), "https://api.example", 1).unwrap();
        other.unlock().unwrap();
        Journal::open(dir.path(), "https://api.example", 1).unwrap();
    }

    fn job(files: &[&str]) -> JobRequest {
        JobRequest {
            managed_app_id: "5678".into(),
            task_name: "SsoApplicationUsage".into(),
            load_type: "incremental".into(),
            file_names: files.iter().map(|f| f.to_string()).collect(),
        }
    }

    #[test]
    fn steps_replay_after_a_restart_and_a_torn_line() {
        let dir = tempfile::tempdir().unwrap();
        let api = "http://127.0.0.1:1";
        {
            let mut j = Journal::open(dir.path(), api, 7).unwrap();
            j.record(Step::Created {
                file_name: "a".into(),
                id: "id-a".into(),
            })
            .unwrap();
            j.record(Step::Uploaded {
                file_name: "a".into(),
                id: "id-a".into(),
                md5: "m".into(),
            })
            .unwrap();
            j.record(Step::Created {
                file_name: "b".into(),
                id: "id-b".into(),
            })
            .unwrap();
            j.record(Step::JobRequested {
                job: job(&["a", "b"]),
            })
            .unwrap();
            j.record(Step::JobCreated {
                job: job(&["a", "b"]),
                job_id: "JOB1".into(),
                adopted: false,
            })
            .unwrap();
        }
        // Another org's step, and a crash in the middle of a line.
        let path = dir.path().join(JOURNAL_FILE);
        let mut file = OpenOptions::new().append(true).open(&path).unwrap();
        file.write_all(br#"{"at":"2024-01-01T00:00:00.000Z","api":"http://127.0.0.1:1","org":8,"step":"created","fileName":"c","id":"id-c"}"#).unwrap();
        file.write_all(
            b"\n{\"at\":\"2024-01-01T00:00:00.000Z\",\"api\":\"http://127.0.0.1:1\",\"org\":7,\"step\":\"upl",
        )
        .unwrap();
        drop(file);

        let mut j = Journal::open(dir.path(), api, 7).unwrap();
        assert_eq!(j.skipped_lines(), 1);
        let a = j.object("a").unwrap();
        assert_eq!(a.id.as_deref(), Some("id-a"));
        assert_eq!(a.uploaded_md5.as_deref(), Some("m"));
        let b = j.object("b").unwrap();
        assert_eq!((b.id.as_deref(), b.uploaded_md5.as_deref()), (Some("id-b"), None));
        assert!(j.object("c").is_none(), "another org's object");
        let state = j.job(&job(&["a", "b"])).unwrap();
        assert_eq!(state.job_id.as_deref(), Some("JOB1"));
        assert!(state.requested_at.is_some());
        assert!(j.job(&job(&["a"])).is_none());
        assert!(j.finished("JOB1").is_none());

        // The next step lands on a line of its own.
        j.record(Step::JobFinished {
            job_id: "JOB1".into(),
            status: "completed".into(),
            errors: vec![],
        })
        .unwrap();
        drop(j);
        let j = Journal::open(dir.path(), api, 7).unwrap();
        assert_eq!(j.skipped_lines(), 1);
        assert_eq!(j.finished("JOB1").unwrap().0, "completed");
        let other_server = Journal::open(dir.path(), "https://api.flexera.com", 7).unwrap();
        assert!(other_server.object("a").is_none());

        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
    }

    #[test]
    fn read_only_journals_write_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mut j = Journal::read_only(dir.path(), "x", 1).unwrap();
        j.record(Step::Created {
            file_name: "a".into(),
            id: "1".into(),
        })
        .unwrap();
        assert!(j.object("a").is_some());
        assert!(!dir.path().join(JOURNAL_FILE).exists());
    }
}
