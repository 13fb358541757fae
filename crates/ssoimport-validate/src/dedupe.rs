use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};

use arrow_array::cast::AsArray;
use arrow_array::types::{TimestampMillisecondType, UInt8Type};
use arrow_array::{Array, RecordBatch};
use ssoimport_schema::intermediate::RecordKind;
use ssoimport_schema::normalized::col;
use xxhash_rust::xxh3::Xxh3;

/// The duplicate key of each row of a valid normalized batch: for a sign-in, its event id and time when it has an
/// id, else all of its values; `None` for other kinds (roster and app records merge, duplicates are harmless).
/// 64-bit: a collision (which would drop a real event) has a chance of about n²/2⁶⁵, one in three million for
/// three million sign-ins, and halves the memory of 128-bit keys.
pub fn dedupe_keys(batch: &RecordBatch) -> Vec<Option<u64>> {
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
            Some(h.digest())
        })
        .collect()
}

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

/// Remembers the keys seen, to count each sign-in once. Memory grows by about 16 bytes per distinct sign-in.
#[derive(Default)]
pub struct Deduplicator {
    seen: HashSet<u64, BuildHasherDefault<PassThrough>>,
}

impl Deduplicator {
    /// An empty deduplicator.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a key; returns `true` the first time it is seen.
    pub fn first_time(&mut self, key: u64) -> bool {
        self.seen.insert(key)
    }

    /// Distinct keys seen.
    pub fn len(&self) -> usize {
        self.seen.len()
    }

    /// Whether no key was seen.
    pub fn is_empty(&self) -> bool {
        self.seen.is_empty()
    }
}
