//! String interning and compact keyed tables: the aggregation's state holds each distinct id, name and email once
//! and refers to it by a 4-byte handle, so that a roster pair costs tens of bytes rather than a kilobyte.

use std::hash::BuildHasher;
use std::num::NonZeroU32;

use ssoimport_schema::text::same_bytes;

/// A handle to an interned string: where its record starts in [`Strings`], in units of [`ALIGN`] bytes, plus one
/// (`NonZero`, so that `Option<Sym>` is four bytes too).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Sym(NonZeroU32);

impl Sym {
    /// The handle's place in units of [`ALIGN`] bytes: a dense enough number to index a vector by.
    fn unit(self) -> usize {
        self.0.get() as usize - 1
    }

    /// Where the record starts in the text.
    fn start(self) -> usize {
        self.unit() * ALIGN
    }

    fn at_start(start: usize) -> Sym {
        // 32 GiB of distinct strings would need far more memory than the aggregation's users and apps ever take.
        let n = u32::try_from(start / ALIGN + 1).expect("fewer than 32 GiB of distinct strings");
        Sym(NonZeroU32::new(n).expect("start / ALIGN + 1 is not zero"))
    }

    fn from_raw(raw: u32) -> Option<Sym> {
        NonZeroU32::new(raw).map(Sym)
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

/// Ends a warming pass: the values read must be computed, so the loads are made, and each pass's loads go out
/// together rather than one after another.
///
/// Past the caches, a lookup's memory reads each wait for the one before (slot, then string or row), and a row of
/// input waits for the one before it. A pass over a group of rows that only reads what each row's lookups will
/// read, one step of them at a time, lets the misses of the whole group overlap; the lookups that follow then
/// find it all in the cache. (Stable Rust has no prefetch instruction without `unsafe`; plain reads do the same.)
pub(crate) fn warm(read: u64) {
    std::hint::black_box(read);
}

/// Records start at multiples of this many bytes.
const ALIGN: usize = 8;
/// A record's head: the string's length in bytes, seven bits a byte, most significant first. Every byte is ASCII,
/// so the text stays UTF-8; five of them count up to 32 GiB.
const HEAD: usize = 5;

/// Strings back to back in one buffer, each after its length: a handle finds its string's length and bytes in the
/// same place (one cache miss, not one for an offsets table and another for the bytes), and no string has an
/// allocation of its own.
#[derive(Default)]
pub(crate) struct Strings {
    /// Records: [`HEAD`], the string, NUL padding up to a multiple of [`ALIGN`].
    text: String,
    count: usize,
}

impl Strings {
    /// Where the string of `sym` lies in `text`.
    fn span(&self, sym: Sym) -> std::ops::Range<usize> {
        let start = sym.start();
        let head = &self.text.as_bytes()[start..start + HEAD];
        let len = head.iter().fold(0usize, |len, &b| len << 7 | usize::from(b));
        start + HEAD..start + HEAD + len
    }

    /// Adds `s` as a new record.
    fn push(&mut self, s: &str) -> Sym {
        let start = self.text.len();
        let sym = Sym::at_start(start);
        assert!(s.len() < 1 << (7 * HEAD), "a string shorter than 32 GiB");
        for shift in (0..HEAD).rev() {
            self.text.push(char::from((s.len() >> (7 * shift)) as u8 & 0x7f));
        }
        self.text.push_str(s);
        while !self.text.len().is_multiple_of(ALIGN) {
            self.text.push('\0');
        }
        self.count += 1;
        sym
    }

    /// The handles of all strings, in the order they were added.
    fn syms(&self) -> impl Iterator<Item = Sym> + '_ {
        let mut start = 0;
        std::iter::from_fn(move || {
            (start < self.text.len()).then(|| {
                let sym = Sym::at_start(start);
                start = self.span(sym).end.next_multiple_of(ALIGN);
                sym
            })
        })
    }

    /// Reads the head of a handle's record, so that it is in the cache by then (see [`warm`]).
    pub(crate) fn warm_record(&self, sym: Sym) -> u64 {
        self.text
            .as_bytes()
            .get(sym.start())
            .copied()
            .map_or(0, u64::from)
    }

    /// The string of a handle.
    pub(crate) fn get(&self, sym: Sym) -> &str {
        // The record's head and padding are ASCII, so both ends are character boundaries.
        &self.text[self.span(sym)]
    }

    /// Whether the string of a handle is `s`, compared as bytes: without the checks that slicing a `str` makes at
    /// both ends, and in place rather than through `memcmp` (every usage row compares a few held strings with the
    /// values it offers).
    pub(crate) fn holds(&self, sym: Sym, s: &str) -> bool {
        self.text
            .as_bytes()
            .get(self.span(sym))
            .is_some_and(|held| same_bytes(held, s.as_bytes()))
    }

    /// The rank of every handle's string in byte order, for sorting by string without comparing strings again.
    pub(crate) fn ranks(&self) -> Ranks {
        let mut order: Vec<Sym> = self.syms().collect();
        order.sort_unstable_by(|&a, &b| self.get(a).cmp(self.get(b)));
        let mut ranks = vec![0u32; self.text.len() / ALIGN];
        for (rank, &sym) in order.iter().enumerate() {
            // No more strings than handles, which are u32.
            ranks[sym.unit()] = rank as u32;
        }
        Ranks(ranks)
    }
}

impl std::fmt::Debug for Strings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Strings")
            .field("strings", &self.count)
            .field("bytes", &self.text.len())
            .finish()
    }
}

/// The high 32 bits of the string's hash: where its slot is, and a tag that rules out most other strings without
/// reading them.
fn hash_str(s: &str, seed: u64) -> u32 {
    (xxhash_rust::xxh3::xxh3_64_with_seed(s.as_bytes(), seed) >> 32) as u32
}

/// Each distinct string once, found by its text.
pub(crate) struct Interner {
    strings: Strings,
    /// Open addressing with linear probing, at most half full, a power of two long (or empty): each slot is the
    /// hash of a string (high 32 bits) and its handle (low 32), or 0 when free. A lookup reads one slot and, when
    /// the hashes agree, the string; growing needs neither.
    slots: Vec<u64>,
    seed: u64,
}

impl Default for Interner {
    fn default() -> Self {
        Interner {
            strings: Strings::default(),
            slots: Vec::new(),
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
    /// The slot holding `s` (hashed to `hash`), or the free slot where it would go.
    fn probe(&self, s: &str, hash: u32) -> (usize, Option<Sym>) {
        let mask = self.slots.len() - 1;
        let mut at = hash as usize & mask;
        loop {
            let slot = self.slots[at];
            let Some(sym) = Sym::from_raw(slot as u32) else {
                return (at, None);
            };
            if (slot >> 32) as u32 == hash && self.strings.holds(sym, s) {
                return (at, Some(sym));
            }
            at = (at + 1) & mask;
        }
    }

    /// The handle of `s`, adding it if new.
    pub(crate) fn intern(&mut self, s: &str) -> Sym {
        self.intern_hashed(s, self.hash(s))
    }

    /// The hash [`Interner::intern_hashed`] takes for `s`.
    pub(crate) fn hash(&self, s: &str) -> u32 {
        hash_str(s, self.seed)
    }

    /// [`Interner::intern`] of `s`, whose [`Interner::hash`] is `hash`.
    pub(crate) fn intern_hashed(&mut self, s: &str, hash: u32) -> Sym {
        if (self.strings.count + 1) * 2 > self.slots.len() {
            self.grow();
        }
        match self.probe(s, hash) {
            (_, Some(sym)) => sym,
            (at, None) => {
                let sym = self.strings.push(s);
                self.slots[at] = u64::from(hash) << 32 | sym.key();
                sym
            }
        }
    }

    /// Doubles the slots (at least 16), placing each by the hash it keeps.
    fn grow(&mut self) {
        let len = (self.slots.len() * 2).max(16);
        let old = std::mem::replace(&mut self.slots, vec![0; len]);
        let mask = len - 1;
        for slot in old.into_iter().filter(|&slot| slot as u32 != 0) {
            let mut at = (slot >> 32) as usize & mask;
            while self.slots[at] != 0 {
                at = (at + 1) & mask;
            }
            self.slots[at] = slot;
        }
    }

    /// The handle of `s`, if interned.
    #[cfg(test)]
    pub(crate) fn find(&self, s: &str) -> Option<Sym> {
        self.find_hashed(s, self.hash(s))
    }

    /// The handle of `s`, whose [`Interner::hash`] is `hash`, if interned.
    pub(crate) fn find_hashed(&self, s: &str, hash: u32) -> Option<Sym> {
        if self.slots.is_empty() {
            return None;
        }
        self.probe(s, hash).1
    }

    /// Reads the first slot a lookup of `hash` reads, so that it is in the cache by then (see [`warm`]).
    pub(crate) fn warm_slot(&self, hash: u32) -> u64 {
        let mask = self.slots.len().wrapping_sub(1);
        self.slots.get(hash as usize & mask).copied().unwrap_or(0)
    }

    /// Reads the record of the string in the first slot a lookup of `hash` reads, if its hash is `hash`, so that
    /// it is in the cache by then (see [`warm`]).
    pub(crate) fn warm_record(&self, hash: u32) -> u64 {
        let slot = self.warm_slot(hash);
        match Sym::from_raw(slot as u32) {
            Some(sym) if (slot >> 32) as u32 == hash => self.strings.warm_record(sym),
            _ => 0,
        }
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
        self.0[sym.unit()]
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

/// Rows in one vector, found through an index of 8-byte slots: each holds the high half of its key's hash beside
/// the row, so a lookup reads one slot and then only the row it is after (hashbrown's index reads a control byte
/// first, each a cache miss once the state outgrows the caches, as the roster's pairs do on large exports), and a
/// growing index moves only the slots.
pub(crate) struct Table<T> {
    rows: Vec<T>,
    /// Open addressing with linear probing, at most half full, a power of two long (or empty): the hash's high
    /// 32 bits, then the row + 1; 0 when free.
    slots: Vec<u64>,
    seed: u64,
}

impl<T> Default for Table<T> {
    fn default() -> Self {
        Table {
            rows: Vec::new(),
            slots: Vec::new(),
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

/// The row a slot finds, if it is taken.
fn slot_row(slot: u64) -> Option<usize> {
    (slot as u32 as usize).checked_sub(1)
}

impl<T: Keyed> Table<T> {
    /// The slot holding `key` (hashed to `hash`), or the free slot where it would go, and the row it holds. The
    /// index is never full, so the probe ends.
    fn probe(&self, key: u64, hash: u64) -> (usize, Option<usize>) {
        let mask = self.slots.len() - 1;
        let tag = hash >> 32;
        let mut at = hash as usize & mask;
        loop {
            let slot = self.slots[at];
            let Some(row) = slot_row(slot) else {
                return (at, None);
            };
            if slot >> 32 == tag && self.rows[row].key() == key {
                return (at, Some(row));
            }
            at = (at + 1) & mask;
        }
    }

    /// Reads the first slot a lookup of `key` reads, so that it is in the cache by then (see [`warm`]).
    pub(crate) fn warm_slot(&self, key: u64) -> u64 {
        let mask = self.slots.len().wrapping_sub(1);
        self.slots
            .get(mix(key, self.seed) as usize & mask)
            .copied()
            .unwrap_or(0)
    }

    /// The index of the row with `key`.
    pub(crate) fn find(&self, key: u64) -> Option<usize> {
        if self.slots.is_empty() {
            return None;
        }
        self.probe(key, mix(key, self.seed)).1
    }

    /// The index of the row with `key`, made by `make` if missing.
    pub(crate) fn find_or_insert(&mut self, key: u64, make: impl FnOnce() -> T) -> usize {
        if (self.rows.len() + 1) * 2 > self.slots.len() {
            self.grow();
        }
        let hash = mix(key, self.seed);
        let at = match self.probe(key, hash) {
            (_, Some(row)) => return row,
            (at, None) => at,
        };
        let i = self.rows.len();
        // Four billion rows would need hundreds of gigabytes first.
        let slot = u32::try_from(i + 1).expect("fewer than 2^32 - 1 rows");
        self.rows.push(make());
        self.slots[at] = hash >> 32 << 32 | u64::from(slot);
        i
    }

    /// Doubles the index (at least 16 slots) and puts every row back in it.
    fn grow(&mut self) {
        let len = (self.slots.len() * 2).max(16);
        self.slots = vec![0; len];
        let mask = len - 1;
        for (i, row) in self.rows.iter().enumerate() {
            let hash = mix(row.key(), self.seed);
            let mut at = hash as usize & mask;
            while self.slots[at] != 0 {
                at = (at + 1) & mask;
            }
            // Rows are fewer than 2^32 - 1 (`find_or_insert`).
            self.slots[at] = hash >> 32 << 32 | (i as u64 + 1);
        }
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
    fn a_record_keeps_its_length_and_the_text_stays_utf8() {
        let mut strings = Strings::default();
        let words = [
            "",
            "a",
            "seven77",
            "eight888",
            "ünïcödé",
            &"x".repeat(200),
            &"y".repeat(20_000),
        ];
        let syms: Vec<Sym> = words.iter().map(|w| strings.push(w)).collect();
        for (w, &s) in words.iter().zip(&syms) {
            assert_eq!(strings.get(s), *w);
            assert_eq!(s.start() % ALIGN, 0);
        }
        assert_eq!(strings.syms().collect::<Vec<_>>(), syms);
        // 20,000 = 1·2^14 + 28·2^7 + 32: the head's bytes are those digits in base 128.
        let head = &strings.text.as_bytes()[syms[6].start()..syms[6].start() + HEAD];
        assert_eq!(head, [0, 0, 1, 28, 32]);
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
