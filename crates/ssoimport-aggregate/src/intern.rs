//! String interning and compact keyed tables: the aggregation's state holds each distinct id, name and email once
//! and refers to it by a 4-byte handle, so that a roster pair costs tens of bytes rather than a kilobyte.

use std::hash::BuildHasher;
use std::num::NonZeroU32;

use hashbrown::HashTable;
use ssoimport_schema::text::same_bytes;

/// A handle to an interned string. `NonZero` so that `Option<Sym>` is four bytes too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Sym(NonZeroU32);

impl Sym {
    fn index(self) -> usize {
        self.0.get() as usize - 1
    }

    fn from_index(index: usize) -> Sym {
        // More than 2^32 - 1 distinct strings would need hundreds of gigabytes of memory first.
        let n = u32::try_from(index + 1).expect("fewer than 2^32 distinct strings");
        Sym(NonZeroU32::new(n).expect("index + 1 is not zero"))
    }

    /// The handle as a table key.
    pub(crate) fn key(self) -> u64 {
        u64::from(self.0.get())
    }
}

/// A random seed, so that crafted input cannot aim at one bucket (the output never depends on hashes).
fn random_seed() -> u64 {
    std::hash::RandomState::new().hash_one(0u64)
}

/// Strings back to back in one buffer: no per-string allocation or header.
#[derive(Default)]
pub(crate) struct Strings {
    text: String,
    /// End of string `i` in `text`, modulo 2^32 (it starts where string `i - 1` ends): half the room of a
    /// `usize`, and there are as many ends as strings.
    ends: Vec<u32>,
    /// The strings whose end passed a multiple of 2^32 (once per multiple), in order; empty below 4 GiB.
    wraps: Vec<u32>,
}

impl Strings {
    fn end(&self, index: usize) -> usize {
        let high = if self.wraps.is_empty() {
            0
        } else {
            self.wraps.partition_point(|&w| w as usize <= index)
        };
        high << 32 | self.ends[index] as usize
    }

    /// Where string `index` lies in `text`.
    fn span(&self, index: usize) -> std::ops::Range<usize> {
        let start = if index == 0 { 0 } else { self.end(index - 1) };
        start..self.end(index)
    }

    fn at(&self, index: usize) -> &str {
        &self.text[self.span(index)]
    }

    /// Whether string `index` is `s`, compared as bytes: without the checks that slicing a `str` makes at both
    /// ends, and in place rather than through `memcmp` (every usage row compares a few held strings with the
    /// values it offers).
    fn is(&self, index: usize, s: &str) -> bool {
        self.text
            .as_bytes()
            .get(self.span(index))
            .is_some_and(|held| same_bytes(held, s.as_bytes()))
    }

    fn push(&mut self, s: &str) {
        let start = self.text.len();
        self.text.push_str(s);
        self.note_end(start, self.text.len());
    }

    /// Records the end of a new string that starts at `start`.
    fn note_end(&mut self, start: usize, end: usize) {
        // The callers made a `Sym` of the index first, so it fits.
        let index = self.ends.len() as u32;
        for _ in (start >> 32)..(end >> 32) {
            self.wraps.push(index);
        }
        // The low 32 bits: the high ones are the count of wraps up to here.
        self.ends.push(end as u32);
    }

    /// The string of a handle.
    pub(crate) fn get(&self, sym: Sym) -> &str {
        self.at(sym.index())
    }

    /// Whether the string of a handle is `s`.
    pub(crate) fn holds(&self, sym: Sym, s: &str) -> bool {
        self.is(sym.index(), s)
    }

    /// The rank of every handle's string in byte order, for sorting by string without comparing strings again.
    pub(crate) fn ranks(&self) -> Ranks {
        let mut order: Vec<u32> = (0..self.ends.len() as u32).collect();
        order.sort_unstable_by(|&a, &b| self.at(a as usize).cmp(self.at(b as usize)));
        let mut ranks = vec![0u32; order.len()];
        for (rank, &i) in order.iter().enumerate() {
            ranks[i as usize] = rank as u32;
        }
        Ranks(ranks)
    }
}

impl std::fmt::Debug for Strings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Strings")
            .field("strings", &self.ends.len())
            .field("bytes", &self.text.len())
            .finish()
    }
}

fn hash_str(s: &str, seed: u64) -> u64 {
    xxhash_rust::xxh3::xxh3_64_with_seed(s.as_bytes(), seed)
}

/// Each distinct string once, found by its text.
pub(crate) struct Interner {
    strings: Strings,
    /// Indexes of `strings`, hashed by the string.
    index: HashTable<u32>,
    seed: u64,
}

impl Default for Interner {
    fn default() -> Self {
        Interner {
            strings: Strings::default(),
            index: HashTable::new(),
            seed: random_seed(),
        }
    }
}

impl std::fmt::Debug for Interner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.strings.fmt(f)
    }
}

impl Interner {
    /// The handle of `s`, adding it if new.
    pub(crate) fn intern(&mut self, s: &str) -> Sym {
        let hash = hash_str(s, self.seed);
        let Interner { strings, index, seed } = self;
        if let Some(&i) = index.find(hash, |&i| strings.is(i as usize, s)) {
            return Sym::from_index(i as usize);
        }
        let sym = Sym::from_index(strings.ends.len());
        strings.push(s);
        let seed = *seed;
        index.insert_unique(hash, sym.index() as u32, |&i| {
            hash_str(strings.at(i as usize), seed)
        });
        sym
    }

    /// The handle of `s`, if interned.
    #[cfg(test)]
    pub(crate) fn find(&self, s: &str) -> Option<Sym> {
        self.index
            .find(hash_str(s, self.seed), |&i| self.strings.is(i as usize, s))
            .map(|&i| Sym::from_index(i as usize))
    }

    /// The string of a handle of this interner.
    pub(crate) fn get(&self, sym: Sym) -> &str {
        self.strings.get(sym)
    }

    /// The strings, for reading only.
    pub(crate) fn strings(&self) -> &Strings {
        &self.strings
    }

    /// The strings, dropping the index that finds them.
    pub(crate) fn into_strings(self) -> Strings {
        self.strings
    }
}

/// Ranks of interned strings in byte order; the strings are distinct, so no two handles share a rank.
pub(crate) struct Ranks(Vec<u32>);

impl Ranks {
    /// The rank of a handle's string.
    pub(crate) fn of(&self, sym: Sym) -> u32 {
        self.0[sym.index()]
    }

    /// A sort key ordering by `first`'s string, then `second`'s.
    pub(crate) fn pair(&self, first: Sym, second: Sym) -> u64 {
        u64::from(self.of(first)) << 32 | u64::from(self.of(second))
    }
}

/// A row of a [`Table`], found by a key that fits in 64 bits (one or two handles).
pub(crate) trait Keyed {
    fn key(&self) -> u64;
}

/// Rows in one vector, found through a table of 4-byte indexes: no key is stored twice, and a growing table
/// moves only the indexes. (A `HashMap<K, V>` would hold every row in its buckets, half of them empty.)
pub(crate) struct Table<T> {
    rows: Vec<T>,
    index: HashTable<u32>,
    seed: u64,
}

impl<T> Default for Table<T> {
    fn default() -> Self {
        Table {
            rows: Vec::new(),
            index: HashTable::new(),
            seed: random_seed(),
        }
    }
}

impl<T> std::fmt::Debug for Table<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Table").field("rows", &self.rows.len()).finish()
    }
}

/// A 64-bit mix (the SplitMix64 finaliser): handles are small consecutive numbers, their hashes must not be.
fn mix(key: u64, seed: u64) -> u64 {
    let mut z = key ^ seed;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl<T: Keyed> Table<T> {
    /// The index of the row with `key`.
    pub(crate) fn find(&self, key: u64) -> Option<usize> {
        self.index
            .find(mix(key, self.seed), |&i| self.rows[i as usize].key() == key)
            .map(|&i| i as usize)
    }

    /// The index of the row with `key`, made by `make` if missing.
    pub(crate) fn find_or_insert(&mut self, key: u64, make: impl FnOnce() -> T) -> usize {
        if let Some(i) = self.find(key) {
            return i;
        }
        let i = self.rows.len();
        self.rows.push(make());
        let Table { rows, index, seed } = self;
        let seed = *seed;
        // Four billion rows would need hundreds of gigabytes first.
        let slot = u32::try_from(i).expect("fewer than 2^32 rows");
        index.insert_unique(mix(key, seed), slot, |&j| mix(rows[j as usize].key(), seed));
        i
    }

    pub(crate) fn rows(&self) -> &[T] {
        &self.rows
    }

    pub(crate) fn row_mut(&mut self, i: usize) -> &mut T {
        &mut self.rows[i]
    }

    pub(crate) fn len(&self) -> usize {
        self.rows.len()
    }

    /// The rows, dropping the index.
    pub(crate) fn into_rows(self) -> Vec<T> {
        self.rows
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ends_past_4_gib_keep_their_high_bits() {
        // Strings of 3 GiB, 2 GiB, 9 GiB (past two multiples of 4 GiB at once), 1 byte and 0 bytes: their ends
        // noted, no text allocated.
        let mut strings = Strings::default();
        let mut end = 0usize;
        let mut truth = Vec::new();
        for len in [3usize << 30, 2 << 30, 9 << 30, 1, 0] {
            strings.note_end(end, end + len);
            end += len;
            truth.push(end);
        }
        assert_eq!(strings.wraps, [1, 2, 2]);
        for (i, &t) in truth.iter().enumerate() {
            assert_eq!(strings.end(i), t, "string {i}");
        }
    }

    #[test]
    fn a_table_finds_each_key_and_keeps_rows_in_insertion_order() {
        struct Row(u64);
        impl Keyed for Row {
            fn key(&self) -> u64 {
                self.0
            }
        }
        let mut table: Table<Row> = Table::default();
        for k in (0..100_000u64).map(|k| k * 7919 % 100_003) {
            let i = table.find_or_insert(k, || Row(k));
            assert_eq!(table.find_or_insert(k, || Row(u64::MAX)), i);
        }
        assert_eq!(table.len(), 100_000);
        for (i, row) in table.rows().iter().enumerate() {
            assert_eq!(table.find(row.0), Some(i));
        }
        assert_eq!(table.find(100_003), None);
    }
}
