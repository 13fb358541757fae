//! One writer per output directory. Two runs writing into the same directory at once would interleave their parts
//! and manifests, and two uploads replaying the same journal would import the same parts twice. A run holds an
//! exclusive lock on `DIR/.ssoimport.lock` while it writes; the operating system releases it when the process
//! ends, however it ends, so a crash leaves no stale lock behind.

use std::collections::HashMap;
use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex, Weak};

/// The lock file's name (hidden, so that a directory walk over the inputs never reads it).
pub const LOCK_FILE: &str = ".ssoimport.lock";

/// Why an output directory could not be locked.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another process holds it.
    #[error(
        "another ssoimport is writing into {dir} (it holds {dir}/{LOCK_FILE}); wait for it to end, or give --out \
         a directory of its own"
    )]
    Busy {
        /// The output directory.
        dir: String,
    },
    /// The lock file could not be made or locked.
    #[error("cannot lock {dir}/{LOCK_FILE}: {source}")]
    Io {
        /// The output directory.
        dir: String,
        /// The operating system's error.
        source: std::io::Error,
    },
}

/// Holds of this process, by canonical directory: a run that converts and uploads at once locks its directory
/// in both parts, and the second lock must join the first rather than find it taken.
static HELD: LazyLock<Mutex<HashMap<PathBuf, Weak<Held>>>> = LazyLock::new(Default::default);

/// The lock file, locked; unlocked when closed.
#[derive(Debug)]
struct Held {
    _file: File,
    dir: PathBuf,
}

impl Drop for Held {
    fn drop(&mut self) {
        if let Ok(mut held) = HELD.lock()
            && held.get(&self.dir).is_some_and(|w| w.strong_count() == 0)
        {
            held.remove(&self.dir);
        }
    }
}

/// An exclusive hold on an output directory, released when the last clone in this process is dropped.
#[derive(Debug, Clone)]
pub struct OutDirLock {
    _held: Arc<Held>,
}

impl OutDirLock {
    /// Locks `dir` (which must exist) for this process, or joins this process's hold on it. Fails at once with
    /// [`LockError::Busy`] if another process holds it. On a filesystem that cannot lock files, the directory
    /// is not locked and the run goes on.
    pub fn acquire(dir: &Path) -> Result<OutDirLock, LockError> {
        let io = |source| LockError::Io {
            dir: dir.display().to_string(),
            source,
        };
        let canonical = std::fs::canonicalize(dir).map_err(io)?;
        let mut held = HELD.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(existing) = held.get(&canonical).and_then(Weak::upgrade) {
            return Ok(OutDirLock { _held: existing });
        }
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(canonical.join(LOCK_FILE))
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(LockError::Busy {
                    dir: dir.display().to_string(),
                });
            }
            Err(TryLockError::Error(e)) if e.kind() == std::io::ErrorKind::Unsupported => {}
            Err(TryLockError::Error(e)) => return Err(io(e)),
        }
        let hold = Arc::new(Held {
            _file: file,
            dir: canonical.clone(),
        });
        held.insert(canonical, Arc::downgrade(&hold));
        Ok(OutDirLock { _held: hold })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_in_one_process_are_shared_and_end_with_the_last() {
        let dir = tempfile::tempdir().unwrap();
        let first = OutDirLock::acquire(dir.path()).unwrap();
        // The same directory by another spelling joins the hold.
        let second = OutDirLock::acquire(&dir.path().join(".")).unwrap();
        // Another open file description (what another process would have) finds it taken.
        let other = File::open(dir.path().join(LOCK_FILE)).unwrap();
        assert!(matches!(other.try_lock(), Err(TryLockError::WouldBlock)));
        drop(first);
        assert!(matches!(other.try_lock(), Err(TryLockError::WouldBlock)));
        drop(second);
        other.try_lock().unwrap();
        // Now this process cannot lock it either, and says why.
        let err = OutDirLock::acquire(dir.path()).unwrap_err();
        assert!(matches!(err, LockError::Busy { .. }), "{err}");
        assert!(
            err.to_string().contains("another ssoimport is writing into"),
            "{err}"
        );
        other.unlock().unwrap();
        drop(OutDirLock::acquire(dir.path()).unwrap());
    }

    #[test]
    fn a_directory_that_is_not_there_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing");
        let err = OutDirLock::acquire(&missing).unwrap_err();
        assert!(err.to_string().contains("missing"), "{err}");
    }
}
