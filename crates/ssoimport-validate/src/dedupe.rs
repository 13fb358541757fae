use std::collections::{HashMap, HashSet};
use std::fs;
use std::hash::{BuildHasherDefault, Hasher};
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use arrow_array::cast::AsArray;
use arrow_array::types::{TimestampMillisecondType, UInt8Type};
use arrow_array::{Array, RecordBatch};
use ssoimport_schema::intermediate::RecordKind;
use ssoimport_schema::normalized::col;
use xxhash_rust::xxh3::Xxh3;

/// A sign-in's duplicate key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DedupeKey {
    /// The hour (since the epoch) of the sign-in's time, `i64::MIN` without one: duplicates share it, and a
    /// bounded [`Deduplicator`] keeps or spills keys by it.
    pub hour: i64,
    /// 64-bit hash of the time and the event id (or of all the row's values).
    pub hash: u64,
}

/// The duplicate key of each row of a valid normalized batch: for a sign-in, its event id and time when it has an
/// id, else all of its values; `None` for other kinds (roster and app records merge, duplicates are harmless).
/// 64-bit: a collision (which would drop a real event) has a chance of about n²/2⁶⁵, one in three million for
/// three million sign-ins, and halves the memory of 128-bit keys.
pub fn dedupe_keys(batch: &RecordBatch) -> Vec<Option<DedupeKey>> {
    let kinds = batch.column(col::KIND).as_primitive::<UInt8Type>();
    let event_ids = batch.column(col::EVENT_ID).as_string::<i32>();
    let occurred = batch
        .column(col::OCCURRED_AT)
        .as_primitive::<TimestampMillisecondType>();
    let text_columns = [
        col::APP_INSTANCE_ID,
        col::SSO_APP_NAME,
        col::UNIQUE_ID,
        col::EMAIL,
        col::USER_ID,
    ];
    (0..batch.num_rows())
        .map(|row| {
            if kinds.value(row) != RecordKind::SignIn as u8 {
                return None;
            }
            let mut h = Xxh3::new();
            let time = if occurred.is_valid(row) {
                occurred.value(row)
            } else {
                i64::MIN
            };
            h.update(&time.to_le_bytes());
            if event_ids.is_valid(row) {
                h.update(b"id\0");
                h.update(event_ids.value(row).as_bytes());
            } else {
                for c in text_columns {
                    let a = batch.column(c).as_string::<i32>();
                    // Length-prefixed, so ("ab","c") and ("a","bc") differ.
                    let v = if a.is_valid(row) {
                        a.value(row)
                    } else {
                        "\u{0}null"
                    };
                    h.update(&(v.len() as u64).to_le_bytes());
                    h.update(v.as_bytes());
                }
            }
            Some(DedupeKey {
                hour: if time == i64::MIN {
                    i64::MIN
                } else {
                    time.div_euclid(MS_PER_HOUR)
                },
                hash: h.digest(),
            })
        })
        .collect()
}

const MS_PER_HOUR: i64 = 3_600_000;

/// Keys that are already well mixed need no second hash.
#[derive(Default)]
struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut b = [0u8; 8];
            b[..chunk.len()].copy_from_slice(chunk);
            self.0 ^= u64::from_le_bytes(b);
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = v;
    }
}

/// Hours are small integers: spread them before the table takes its bits.
#[derive(Default)]
struct HourHasher(u64);

impl Hasher for HourHasher {
    fn finish(&self) -> u64 {
        self.0.wrapping_mul(0x9E37_79B9_7F4A_7C15)
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_i64(&mut self, v: i64) {
        self.0 = v as u64;
    }
}

type Keys = HashSet<u64, BuildHasherDefault<PassThrough>>;

/// The keys of one hour: in memory, or in a file of the spill directory.
struct Hour {
    keys: Option<Keys>,
    /// Where its keys are while `keys` is `None`.
    on_disk: Stored,
    /// When the hour was last looked at (a count of lookups).
    used: u64,
}

/// Writing or reading the keys an exact duplicate check keeps on disk failed.
#[derive(Debug, thiserror::Error)]
#[error(
    "duplicate check: cannot {action} {path} (the output directory must be writable and have room for 8 bytes per sign-in): {source}"
)]
pub struct DedupeError {
    /// What was being done: `create`, `write` or `read`.
    pub action: &'static str,
    /// The file or directory.
    pub path: PathBuf,
    /// The operating system's error.
    #[source]
    pub source: std::io::Error,
}

/// Lookups per reload from disk above which the budget doubles: keys that come in no time order would otherwise
/// be read back again and again.
const LOOKUPS_PER_RELOAD: u64 = 256;

/// Remembers the keys seen, to count each sign-in once, exactly. Unbounded ([`Deduplicator::new`]) it holds about
/// 16 bytes per distinct sign-in. Bounded ([`Deduplicator::spilling`]) it holds at most a budget of keys in
/// memory (plus the hour in use) and writes the hours least recently looked at to files, reading an hour back
/// when a key of it comes again: exports come in time order, so an hour rarely comes back, and memory stays flat
/// however many sign-ins there are. Keys that come in no order make it double its budget rather than read the
/// same hours back again and again.
pub struct Deduplicator {
    hours: HashMap<i64, Hour, BuildHasherDefault<HourHasher>>,
    /// Keys in memory.
    held: usize,
    /// Distinct keys in all.
    len: usize,
    budget: usize,
    spill: Option<Spill>,
    lookups: u64,
    reloads: u64,
    /// The hour made last, and the keys it has had: a new hour is made with room for as many, as hours in time
    /// order hold about as many sign-ins as the one before (growing each from empty rehashed it a dozen times).
    newest: (i64, usize),
}

impl Default for Deduplicator {
    fn default() -> Self {
        Deduplicator {
            hours: HashMap::default(),
            held: 0,
            len: 0,
            budget: usize::MAX,
            spill: None,
            lookups: 0,
            reloads: 0,
            newest: (i64::MIN, 0),
        }
    }
}

impl Deduplicator {
    /// A deduplicator that keeps every key in memory.
    pub fn new() -> Self {
        Self::default()
    }

    /// A deduplicator that keeps about `budget` keys in memory and the rest in files under `dir` (made when
    /// first needed, removed when the deduplicator is dropped).
    pub fn spilling(dir: impl Into<PathBuf>, budget: usize) -> Self {
        Deduplicator {
            budget: budget.max(1),
            spill: Some(Spill {
                dir: dir.into(),
                made: false,
                next_segment: 0,
                unread: HashMap::new(),
            }),
            ..Self::default()
        }
    }

    /// Records a key; returns `true` the first time it is seen.
    pub fn first_time(&mut self, key: DedupeKey) -> Result<bool, DedupeError> {
        self.lookups += 1;
        let Deduplicator {
            hours,
            held,
            spill,
            newest,
            ..
        } = self;
        let hour = hours.entry(key.hour).or_insert_with(|| {
            let room = std::mem::replace(newest, (key.hour, 0)).1;
            Hour {
                keys: Some(Keys::with_capacity_and_hasher(room, Default::default())),
                on_disk: Stored::default(),
                used: 0,
            }
        });
        hour.used = self.lookups;
        if hour.keys.is_none() {
            let spill = spill
                .as_mut()
                .expect("only a spilling deduplicator has hours on disk");
            let keys = spill.load(hour.on_disk)?;
            *held += keys.len();
            hour.keys = Some(keys);
            self.reloads += 1;
            if self.reloads * LOOKUPS_PER_RELOAD > self.lookups {
                self.budget = self.budget.saturating_mul(2);
            }
        }
        let first = hour.keys.as_mut().is_some_and(|keys| keys.insert(key.hash));
        if first {
            self.held += 1;
            self.len += 1;
            if self.newest.0 == key.hour {
                self.newest.1 += 1;
            }
        }
        if self.held > self.budget {
            self.spill_hours(key.hour)?;
        }
        Ok(first)
    }

    /// Writes the hours least recently looked at (never `current`) to disk until a quarter of the budget is free.
    fn spill_hours(&mut self, current: i64) -> Result<(), DedupeError> {
        let Some(spill) = &mut self.spill else {
            return Ok(());
        };
        let mut in_memory: Vec<(u64, i64)> = self
            .hours
            .iter()
            .filter(|(h, hour)| **h != current && hour.keys.is_some())
            .map(|(h, hour)| (hour.used, *h))
            .collect();
        in_memory.sort_unstable();
        let target = self.budget - self.budget / 4;
        let mut leaving = Vec::new();
        for (_, h) in in_memory {
            if self.held <= target {
                break;
            }
            let hour = self.hours.get_mut(&h).expect("listed above");
            let keys = hour.keys.take().expect("listed as in memory");
            self.held -= keys.len();
            leaving.push((h, keys));
        }
        let stored = spill.store(&leaving)?;
        for ((h, _), stored) in leaving.iter().zip(stored) {
            self.hours.get_mut(h).expect("listed above").on_disk = stored;
        }
        if self.held > self.budget {
            // The hour in use alone is over the budget: give it room, rather than look for others to spill at
            // every key of it.
            self.budget = self.held + self.held / 4;
        }
        Ok(())
    }

    /// Distinct keys seen.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no key was seen.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Keys held in memory now.
    pub fn in_memory(&self) -> usize {
        self.held
    }
}

/// Where an hour's keys are on disk: `count` keys from byte `offset` of segment file `segment`.
#[derive(Debug, Clone, Copy, Default)]
struct Stored {
    segment: u64,
    offset: u64,
    count: usize,
}

/// The directory of a spilling deduplicator's files. Each spill writes the hours it sets aside into one segment
/// file, keys back to back: making a file per hour cost more than writing the keys (a 1M-event conversion spilled
/// some 350 hours, and creating their files was 3.6% of its CPU, in the file system's search for a free inode).
struct Spill {
    dir: PathBuf,
    made: bool,
    next_segment: u64,
    /// Hours not yet read back, per segment; a segment's file is removed when none is left.
    unread: HashMap<u64, usize>,
}

impl Spill {
    fn path(&self, segment: u64) -> PathBuf {
        self.dir.join(format!("{segment}.keys"))
    }

    /// Writes the keys of `hours` into a new segment; returns where each hour's keys are, in the same order.
    fn store(&mut self, hours: &[(i64, Keys)]) -> Result<Vec<Stored>, DedupeError> {
        if hours.is_empty() {
            return Ok(Vec::new());
        }
        if !self.made {
            fs::create_dir_all(&self.dir).map_err(|source| error("create", &self.dir, source))?;
            self.made = true;
        }
        let segment = self.next_segment;
        let total: usize = hours.iter().map(|(_, keys)| keys.len()).sum();
        let mut bytes = Vec::with_capacity(total * 8);
        let mut stored = Vec::with_capacity(hours.len());
        for (_, keys) in hours {
            stored.push(Stored {
                segment,
                offset: bytes.len() as u64,
                count: keys.len(),
            });
            bytes.extend(keys.iter().flat_map(|k| k.to_le_bytes()));
        }
        let path = self.path(segment);
        fs::write(&path, bytes).map_err(|source| error("write", &path, source))?;
        self.next_segment += 1;
        self.unread.insert(segment, hours.len());
        Ok(stored)
    }

    /// The keys of an hour on disk (from now on they are in memory; a segment with no hour left is removed).
    fn load(&mut self, stored: Stored) -> Result<Keys, DedupeError> {
        let path = self.path(stored.segment);
        let mut bytes = vec![0u8; stored.count * 8];
        let read = fs::File::open(&path).and_then(|mut file| {
            file.seek(SeekFrom::Start(stored.offset))?;
            file.read_exact(&mut bytes)
        });
        read.map_err(|source| error("read", &path, source))?;
        let mut keys = Keys::with_capacity_and_hasher(stored.count, Default::default());
        for k in bytes.chunks_exact(8) {
            keys.insert(u64::from_le_bytes(k.try_into().expect("eight bytes")));
        }
        if let Some(left) = self.unread.get_mut(&stored.segment) {
            *left -= 1;
            if *left == 0 {
                self.unread.remove(&stored.segment);
                let _ = fs::remove_file(&path);
            }
        }
        Ok(keys)
    }
}

impl Drop for Spill {
    fn drop(&mut self) {
        if self.made {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

fn error(action: &'static str, path: &Path, source: std::io::Error) -> DedupeError {
    DedupeError {
        action,
        path: path.to_path_buf(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic generator (xorshift).
    struct Rng(u64);
    impl Rng {
        fn below(&mut self, n: u64) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0 % n
        }
    }

    /// Runs `keys` through a deduplicator and a plain set; both must say the same of every key.
    fn agrees_with_a_set(d: &mut Deduplicator, keys: &[DedupeKey]) {
        let mut model = HashSet::new();
        for (n, &key) in keys.iter().enumerate() {
            assert_eq!(
                d.first_time(key).unwrap(),
                model.insert(key.hash),
                "lookup {n}: {key:?}"
            );
        }
        assert_eq!(d.len(), model.len());
    }

    /// Sign-ins hour after hour, each hour's ids repeating within it, and a second pass over some hours (an
    /// overlapping export).
    fn in_time_order(rng: &mut Rng, hours: i64, per_hour: u64) -> Vec<DedupeKey> {
        let mut keys = Vec::new();
        for pass in [0..hours, hours / 3..hours / 2] {
            for hour in pass {
                for _ in 0..per_hour {
                    let id = rng.below(per_hour * 2);
                    keys.push(DedupeKey {
                        hour,
                        hash: (hour as u64) << 32 | id,
                    });
                }
            }
        }
        keys
    }

    #[test]
    fn a_spilling_check_is_as_exact_as_a_set_and_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let spill = dir.path().join(".dedupe");
        let mut rng = Rng(0x2545_F491_4F6C_DD1D);
        let keys = in_time_order(&mut rng, 300, 60);
        let mut d = Deduplicator::spilling(&spill, 500);
        let mut most = 0;
        let mut model = HashSet::new();
        for &key in &keys {
            assert_eq!(d.first_time(key).unwrap(), model.insert(key.hash));
            most = most.max(d.in_memory());
        }
        assert_eq!(d.len(), model.len());
        // The budget, and at most the hour in use beyond it; the second pass read hours back without doubling it.
        assert!(most <= 500 + 120, "{most} keys in memory");
        assert_eq!(d.budget, 500);
        assert!(d.reloads > 0);
        assert!(spill.is_dir());
        drop(d);
        assert!(!spill.exists(), "the spill directory is removed");
    }

    #[test]
    fn a_spill_is_one_file_removed_once_its_hours_are_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let spill = dir.path().join(".dedupe");
        let files = || fs::read_dir(&spill).map_or(0, |entries| entries.count());
        let key = |hour: i64, id: u64| DedupeKey {
            hour,
            hash: (hour as u64) << 32 | id,
        };
        // Ten hours of ten keys, a budget of 60: the first spill sets aside the oldest hours, all in one file.
        let mut d = Deduplicator::spilling(&spill, 60);
        for hour in 0..7 {
            for id in 0..10 {
                assert!(d.first_time(key(hour, id)).unwrap());
            }
        }
        assert_eq!(files(), 1, "one spill, one file");
        let first = d.spill.as_ref().unwrap().unread[&0];
        assert!(first >= 2, "the spill set aside {first} hours");
        // Every hour of that spill read back (each still knows its keys): its file goes.
        for hour in 0..first as i64 {
            assert!(!d.first_time(key(hour, 3)).unwrap(), "hour {hour} read back");
        }
        assert!(
            !spill.join("0.keys").exists(),
            "the segment read back whole is removed"
        );
        assert_eq!(d.len(), 70);
    }

    #[test]
    fn keys_in_no_order_double_the_budget_and_stay_exact() {
        let dir = tempfile::tempdir().unwrap();
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        let keys: Vec<DedupeKey> = (0..40_000)
            .map(|_| {
                let hour = rng.below(400) as i64 - 200;
                DedupeKey {
                    hour,
                    hash: (hour as u64) << 32 | rng.below(50),
                }
            })
            .collect();
        let mut d = Deduplicator::spilling(dir.path().join("d"), 100);
        agrees_with_a_set(&mut d, &keys);
        assert!(d.budget > 100, "the budget doubled");
        assert!(d.reloads * LOOKUPS_PER_RELOAD <= d.lookups + LOOKUPS_PER_RELOAD * 8);
    }

    #[test]
    fn an_hour_larger_than_the_budget_is_held_whole() {
        let dir = tempfile::tempdir().unwrap();
        let keys: Vec<DedupeKey> = (0..1000)
            .map(|i| DedupeKey {
                hour: 5,
                hash: i % 700,
            })
            .chain((0..50).map(|i| DedupeKey {
                hour: 4,
                hash: 10_000 + i,
            }))
            .collect();
        let mut d = Deduplicator::spilling(dir.path().join("d"), 100);
        agrees_with_a_set(&mut d, &keys);
        assert!(d.budget >= 700, "room for the hour in use: {}", d.budget);
        assert!(d.in_memory() <= d.budget);
    }

    #[test]
    fn an_unbounded_check_writes_nothing() {
        let mut rng = Rng(7);
        let keys = in_time_order(&mut rng, 50, 40);
        let mut d = Deduplicator::new();
        agrees_with_a_set(&mut d, &keys);
        assert!(d.spill.is_none());
        assert_eq!(d.in_memory(), d.len());
    }

    #[test]
    fn a_spill_directory_that_cannot_be_made_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("file");
        fs::write(&blocker, b"not a directory").unwrap();
        let mut d = Deduplicator::spilling(blocker.join("spill"), 1);
        let mut result = Ok(true);
        for hour in 0..3 {
            result = d.first_time(DedupeKey {
                hour,
                hash: hour as u64,
            });
            if result.is_err() {
                break;
            }
        }
        let e = result.unwrap_err();
        assert_eq!(e.action, "create");
        let text = e.to_string();
        assert!(
            text.contains("spill") && text.contains("must be writable"),
            "{text}"
        );
    }
}
