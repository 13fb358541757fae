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
        // 16 GiB of distinct strings would need far more memory than the aggregation's users and apps ever take.
        let n = u32::try_from(start / ALIGN + 1).expect("fewer than 16 GiB of distinct strings");
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
const ALIGN: usize = 4;
/// A record's head: a string shorter than [`LONG`] bytes has its length in one byte; a longer one has [`LONG`],
/// then its length in five bytes of seven bits, most significant first (up to 32 GiB). Every byte is ASCII, so the
/// text stays UTF-8.
const LONG: u8 = 0x7f;
const LONG_DIGITS: usize = 5;

/// Strings back to back in one buffer, each after its length: a handle finds its string's length and bytes in the
/// same place (one cache miss, not one for an offsets table and another for the bytes), and no string has an
/// allocation of its own. A string shorter than 127 bytes costs one byte of head and at most three of padding.
#[derive(Default)]
pub(crate) struct Strings {
    /// Records: the head, the string, NUL padding up to a multiple of [`ALIGN`].
    text: String,
    count: usize,
}

impl Strings {
    /// Where the string of `sym` lies in `text`.
    fn span(&self, sym: Sym) -> std::ops::Range<usize> {
        let start = sym.start();
        let bytes = self.text.as_bytes();
        let first = bytes[start];
        if first < LONG {
            return start + 1..start + 1 + usize::from(first);
        }
        let digits = &bytes[start + 1..start + 1 + LONG_DIGITS];
        let len = digits.iter().fold(0usize, |len, &b| len << 7 | usize::from(b));
        start + 1 + LONG_DIGITS..start + 1 + LONG_DIGITS + len
    }

    /// Adds `s` as a new record.
    fn push(&mut self, s: &str) -> Sym {
        let start = self.text.len();
        let sym = Sym::at_start(start);
        if s.len() < usize::from(LONG) {
            self.text.push(char::from(s.len() as u8));
        } else {
            assert!(s.len() < 1 << (7 * LONG_DIGITS), "a string shorter than 32 GiB");
            self.text.push(char::from(LONG));
            for shift in (0..LONG_DIGITS).rev() {
                self.text.push(char::from((s.len() >> (7 * shift)) as u8 & 0x7f));
            }
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
        let units = self.text.len() / ALIGN;
        let mut starts = vec![0u64; units.div_ceil(64)];
        let mut order: Vec<Sym> = Vec::with_capacity(self.count);
        for sym in self.syms() {
            starts[sym.unit() / 64] |= 1 << (sym.unit() % 64);
            order.push(sym);
        }
        let mut before = Vec::with_capacity(starts.len());
        let mut seen = 0u32;
        for word in &starts {
            before.push(seen);
            seen += word.count_ones();
        }
        let places = Places { starts, before };
        order.sort_unstable_by(|&a, &b| self.get(a).cmp(self.get(b)));
        let mut ranks = vec![0u32; order.len()];
        for (rank, &sym) in order.iter().enumerate() {
            // No more strings than handles, which are u32.
            ranks[places.of(sym)] = rank as u32;
        }
        Ranks { places, ranks }
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

/// Which units of [`Strings`]'s text start a record, to number the records densely: a bit per unit and the count
/// of records before each 64 of them, about a thirtieth of the text.
struct Places {
    starts: Vec<u64>,
    before: Vec<u32>,
}

impl Places {
    /// The number of the record of `sym`, counted from 0 in the order they were added.
    fn of(&self, sym: Sym) -> usize {
        let (word, bit) = (sym.unit() / 64, sym.unit() % 64);
        let below = self.starts[word] & ((1u64 << bit) - 1);
        self.before[word] as usize + below.count_ones() as usize
    }
}

fn hash_str(s: &str, seed: u64) -> u64 {
    xxhash_rust::xxh3::xxh3_64_with_seed(s.as_bytes(), seed)
}

/// Eight slots, one cache line.
#[derive(Clone, Copy, Default)]
#[repr(align(64))]
struct Line([u64; LINE]);

const LINE: usize = 8;

/// An index of 32-bit values (handles, rows + 1; never 0) by a 64-bit hash: open addressing over cache lines of
/// eight 8-byte slots, each slot the hash's high half beside the value (0 when free). A lookup reads the line the
/// hash picks, and the next only when that one is full, then confirms a slot whose half-hash agrees on what the
/// value names; it finds what it is after in one line nearly always, up to seven eighths full (as linear probing
/// one slot at a time would not). Growing places each slot by its half-hash, without reading what it names.
#[derive(Default)]
struct Index {
    lines: Vec<Line>,
    len: usize,
}

impl Index {
    /// The line `hash` starts at (the index has lines).
    fn home(&self, hash: u64) -> usize {
        (hash >> 32) as usize & (self.lines.len() - 1)
    }

    /// The value whose half-hash is `hash`'s and that `is`, or where it would go (line, slot).
    fn find(&self, hash: u64, is: impl Fn(u32) -> bool) -> Result<u32, (usize, usize)> {
        let tag = hash >> 32;
        let mask = self.lines.len() - 1;
        let mut line = self.home(hash);
        loop {
            for (i, &slot) in self.lines[line].0.iter().enumerate() {
                if slot == 0 {
                    return Err((line, i));
                }
                if slot >> 32 == tag && is(slot as u32) {
                    return Ok(slot as u32);
                }
            }
            line = (line + 1) & mask;
        }
    }

    /// Whether one more value would make the index more than seven eighths full (or it has no lines).
    fn full(&self) -> bool {
        (self.len + 1) * 8 > self.lines.len() * LINE * 7
    }

    /// Puts `value` where [`Index::find`] said it would go.
    fn put(&mut self, (line, i): (usize, usize), hash: u64, value: u32) {
        self.lines[line].0[i] = hash >> 32 << 32 | u64::from(value);
        self.len += 1;
    }

    /// Doubles the lines (at least two).
    fn grow(&mut self) {
        let len = (self.lines.len() * 2).max(2);
        let old = std::mem::replace(&mut self.lines, vec![Line::default(); len]);
        for slot in old.iter().flat_map(|line| line.0).filter(|&slot| slot != 0) {
            // The slot's high half is its hash's; matching nothing, the lookup ends at the first free slot.
            if let Err((line, i)) = self.find(slot, |_| false) {
                self.lines[line].0[i] = slot;
            }
        }
    }

    /// Reads the line a lookup of `hash` reads first (see [`warm`]), and returns the first value in it whose
    /// half-hash is `hash`'s.
    fn warm(&self, hash: u64) -> (u64, Option<u32>) {
        let Some(line) = self
            .lines
            .get((hash >> 32) as usize & self.lines.len().wrapping_sub(1))
        else {
            return (0, None);
        };
        let tag = hash >> 32;
        let found = line.0.iter().find(|&&slot| slot != 0 && slot >> 32 == tag);
        (line.0[0], found.map(|&slot| slot as u32))
    }
}

/// Each distinct string once, found by its text.
pub(crate) struct Interner {
    strings: Strings,
    /// Handles, by the string's hash.
    index: Index,
    seed: u64,
}

impl Default for Interner {
    fn default() -> Self {
        Interner {
            strings: Strings::default(),
            index: Index::default(),
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
        self.intern_hashed(s, self.hash(s))
    }

    /// The hash [`Interner::intern_hashed`] takes for `s`.
    pub(crate) fn hash(&self, s: &str) -> u64 {
        hash_str(s, self.seed)
    }

    /// The handle of `s` in `index`, or where it would go.
    fn lookup(strings: &Strings, index: &Index, s: &str, hash: u64) -> Result<Sym, (usize, usize)> {
        index
            .find(hash, |raw| {
                Sym::from_raw(raw).is_some_and(|sym| strings.holds(sym, s))
            })
            .map(|raw| Sym::from_raw(raw).expect("the index holds no 0"))
    }

    /// [`Interner::intern`] of `s`, whose [`Interner::hash`] is `hash`.
    pub(crate) fn intern_hashed(&mut self, s: &str, hash: u64) -> Sym {
        if self.index.full() {
            self.index.grow();
        }
        match Self::lookup(&self.strings, &self.index, s, hash) {
            Ok(sym) => sym,
            Err(at) => {
                let sym = self.strings.push(s);
                self.index.put(at, hash, sym.0.get());
                sym
            }
        }
    }

    /// The handle of `s`, if interned.
    #[cfg(test)]
    pub(crate) fn find(&self, s: &str) -> Option<Sym> {
        self.find_hashed(s, self.hash(s))
    }

    /// The handle of `s`, whose [`Interner::hash`] is `hash`, if interned.
    pub(crate) fn find_hashed(&self, s: &str, hash: u64) -> Option<Sym> {
        if self.index.lines.is_empty() {
            return None;
        }
        Self::lookup(&self.strings, &self.index, s, hash).ok()
    }

    /// Reads the line a lookup of `hash` reads first, so that it is in the cache by then (see [`warm`]).
    pub(crate) fn warm_slot(&self, hash: u64) -> u64 {
        self.index.warm(hash).0
    }

    /// Reads the record of the first string in the line a lookup of `hash` reads first whose half-hash is
    /// `hash`'s, so that it is in the cache by then (see [`warm`]).
    pub(crate) fn warm_record(&self, hash: u64) -> u64 {
        match self.index.warm(hash).1.and_then(Sym::from_raw) {
            Some(sym) => self.strings.warm_record(sym),
            None => 0,
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
pub(crate) struct Ranks {
    places: Places,
    /// By record number.
    ranks: Vec<u32>,
}

impl Ranks {
    /// The rank of a handle's string.
    pub(crate) fn of(&self, sym: Sym) -> u32 {
        self.ranks[self.places.of(sym)]
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

/// Rows in one vector, found through an [`Index`]: a lookup reads one line of the index and then only the row it
/// is after (hashbrown's index reads a control byte, a slot and the row, each a cache miss once the state outgrows
/// the caches, as the roster's pairs do on large exports), and a growing index moves only its slots.
pub(crate) struct Table<T> {
    rows: Vec<T>,
    /// Row + 1, by the key's hash.
    index: Index,
    seed: u64,
}

impl<T> Default for Table<T> {
    fn default() -> Self {
        Table {
            rows: Vec::new(),
            index: Index::default(),
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
    /// The row with `key` (hashed to `hash`), or where it would go in the index.
    fn lookup(&self, key: u64, hash: u64) -> Result<usize, (usize, usize)> {
        self.index
            .find(hash, |slot| self.rows[slot as usize - 1].key() == key)
            .map(|slot| slot as usize - 1)
    }

    /// Reads the line a lookup of `key` reads first, so that it is in the cache by then (see [`warm`]).
    pub(crate) fn warm_slot(&self, key: u64) -> u64 {
        self.index.warm(mix(key, self.seed)).0
    }

    /// The index of the row with `key`.
    pub(crate) fn find(&self, key: u64) -> Option<usize> {
        if self.index.lines.is_empty() {
            return None;
        }
        self.lookup(key, mix(key, self.seed)).ok()
    }

    /// The index of the row with `key`, made by `make` if missing.
    pub(crate) fn find_or_insert(&mut self, key: u64, make: impl FnOnce() -> T) -> usize {
        if self.index.full() {
            self.index.grow();
        }
        let hash = mix(key, self.seed);
        let at = match self.lookup(key, hash) {
            Ok(row) => return row,
            Err(at) => at,
        };
        let i = self.rows.len();
        // Four billion rows would need hundreds of gigabytes first.
        let slot = u32::try_from(i + 1).expect("fewer than 2^32 - 1 rows");
        self.rows.push(make());
        self.index.put(at, hash, slot);
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
            &"v".repeat(126),
            &"w".repeat(127),
        ];
        let syms: Vec<Sym> = words.iter().map(|w| strings.push(w)).collect();
        for (w, &s) in words.iter().zip(&syms) {
            assert_eq!(strings.get(s), *w);
            assert_eq!(s.start() % ALIGN, 0);
        }
        assert_eq!(strings.syms().collect::<Vec<_>>(), syms);
        // Below 127 bytes, the length is the head; 20,000 = 1·2^14 + 28·2^7 + 32 follows the mark in base 128.
        let head = |i: usize, len: usize| &strings.text.as_bytes()[syms[i].start()..syms[i].start() + len];
        assert_eq!(head(4, 1), [11]);
        assert_eq!(head(6, 6), [LONG, 0, 0, 1, 28, 32]);
        assert_eq!(head(7, 1), [126]);
        assert_eq!(head(8, 6), [LONG, 0, 0, 0, 0, 127]);
        // Record numbers, as `ranks` counts them.
        let ranks = strings.ranks();
        for (i, &s) in syms.iter().enumerate() {
            assert_eq!(ranks.places.of(s), i);
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
