//! A deflate encoder for NDJSON rows: about three times as fast as zlib's level 6 on them, for output a few
//! percent larger.
//!
//! Rows of one task repeat themselves field by field: the same keys in every row, an app's name and id together,
//! a user's email twice. zlib looks for a match at every byte; here a match is looked up only at an *anchor*, a
//! byte after any ASCII byte but a hex digit. Runs of hex digits (event ids, UUIDs, the digits of times) hold
//! most of a row's random bytes and rarely start a repeat, so skipping them is most of the speed. An anchor is
//! looked up in a small bucket of the latest anchors with the same next five bytes, and a match found is extended
//! forwards and backwards as far as the bytes agree. The tokens are written as dynamic Huffman blocks (RFC 1951):
//! any inflater reads the output.
//!
//! The effort (the bucket size) follows the gzip level. The output is a run of non-final blocks ending in an
//! empty stored block, as a zlib sync flush ends: segments made apart can be laid end to end in one stream.

use wide::u8x16;

/// Largest distance back a match may reach (deflate's window).
const WINDOW: usize = 32 * 1024;
/// Shortest match emitted: a 3-byte match far back costs about as many bits as its literals.
const MIN_MATCH: usize = 4;
/// Longest match deflate can express.
const MAX_MATCH: usize = 258;
/// Bits of the anchor hash.
const HASH_BITS: u32 = 14;
/// Bytes an anchor's hash covers: enough to tell `","email"` from `","eventId"`.
const HASH_BYTES: u32 = 5;
/// Inside a match, positions are inserted into the buckets this far apart: every eighth at the levels that keep
/// one or two candidates per bucket, every fourth above. On the usage rows of the 1M-event Okta export, eighth
/// instead of fourth takes 7% fewer instructions at level 6 for 0.17% more output, and changes nothing at level 1.
const fn insert_stride(ways: usize) -> usize {
    if ways <= 2 { 8 } else { 4 }
}
/// Bytes of Huffman-coded tokens gathered before they are appended to the output.
const SCRATCH: usize = 4096;
/// Tokens per deflate block: each block gets codes fitted to its own statistics.
const BLOCK_TOKENS: usize = 1 << 15;
/// An empty bucket slot (positions are stored plus one).
const EMPTY: u32 = 0;
/// Marks a token as a match (else it is a literal byte). A match's token holds its distance less one in bits 0-14,
/// its length less three in bits 15-22 and its distance code from bit 23, worked out once when it is found.
const MATCH_FLAG: u32 = 1 << 31;
const DIST_CODE_SHIFT: u32 = 23;

/// Largest input compressed with one window (positions must fit a u32 bucket slot).
const MAX_PIECE: usize = 1 << 30;

/// Candidates kept per hash bucket at each gzip level (1 to 9).
fn bucket_ways(level: u32) -> usize {
    match level {
        0..=2 => 1,
        3..=6 => 2,
        7..=8 => 4,
        _ => 8,
    }
}

/// Compresses `input` as raw deflate at `level` (1 to 9) into `out`, ending byte-aligned after an empty stored
/// block (no final block).
pub(crate) fn compress(input: &[u8], level: u32, out: &mut Vec<u8>) {
    compress_in_pieces(input, level, out, MAX_PIECE);
}

/// [`compress`], pieces of at most `max_piece` bytes at a time: buckets hold positions as u32, so a larger input
/// goes as pieces, each ended like a whole segment (with a window of its own), which lay end to end as segments
/// do.
fn compress_in_pieces(input: &[u8], level: u32, out: &mut Vec<u8>, max_piece: usize) {
    for piece in input.chunks(max_piece).chain(input.is_empty().then_some(&[][..])) {
        let mut bits = BitWriter::new(out);
        match bucket_ways(level) {
            1 => Encoder::<1>::run(piece, &mut bits),
            2 => Encoder::<2>::run(piece, &mut bits),
            4 => Encoder::<4>::run(piece, &mut bits),
            _ => Encoder::<8>::run(piece, &mut bits),
        }
        // Sync flush: an empty stored block, then the byte boundary.
        bits.put(0, 3);
        bits.align();
        bits.out.extend_from_slice(&[0, 0, 0xff, 0xff]);
    }
}

struct Encoder<'a, const WAYS: usize> {
    input: &'a [u8],
    /// Candidates per hash, latest first; positions plus one.
    buckets: Vec<[u32; WAYS]>,
    tokens: Vec<u32>,
    lit_freq: [u32; LITLEN_CODES],
    dist_freq: [u32; DIST_CODES],
}

impl<const WAYS: usize> Encoder<'_, WAYS> {
    fn run(input: &[u8], bits: &mut BitWriter<'_>) {
        let mut encoder = Encoder::<WAYS> {
            input,
            buckets: vec![[EMPTY; WAYS]; 1 << HASH_BITS],
            tokens: Vec::with_capacity(BLOCK_TOKENS.min(input.len() + 1)),
            lit_freq: [0; LITLEN_CODES],
            dist_freq: [0; DIST_CODES],
        };
        encoder.tokenize(bits);
    }

    fn tokenize(&mut self, bits: &mut BitWriter<'_>) {
        let input = self.input;
        let len = input.len();
        // Anchors need eight readable bytes for the hash; the last few bytes are literals.
        let last_anchor = len.saturating_sub(8);
        let mut literal_start = 0;
        let mut p = 0;
        while p < last_anchor {
            // The anchors of the next 64 positions, found with SIMD compares: branching on every byte costs a
            // misprediction at every change between hex runs and other text.
            let base = p;
            let mut anchors = anchor_mask(input, base);
            if last_anchor - base < 64 {
                anchors &= (1u64 << (last_anchor - base)) - 1;
            }
            p = base + 64;
            while anchors != 0 {
                let at = base + anchors.trailing_zeros() as usize;
                anchors &= anchors - 1;
                let (start, source, length) = self.longest_match(at, literal_start);
                if length < MIN_MATCH {
                    continue;
                }
                self.literals(literal_start, start, bits);
                let distance = start - source;
                self.matched(length, distance, bits);
                let mut end = start + length;
                // A match cut at deflate's longest goes on at the same distance.
                let mut last = length;
                while last == MAX_MATCH {
                    last = match_length(input, end - distance, end, (len - end).min(MAX_MATCH));
                    if last < MIN_MATCH {
                        break;
                    }
                    self.matched(last, distance, bits);
                    end += last;
                }
                // Anchors inside the match stay findable (the latest copy of a repeat is the one in reach),
                // every few bytes of them: a lookup that misses by a few bytes is extended back over them.
                let stride = const { insert_stride(WAYS) };
                for q in ((at + 1).next_multiple_of(stride)..end.min(last_anchor)).step_by(stride) {
                    self.insert(q);
                }
                literal_start = end;
                if end >= base + 64 {
                    p = end;
                    break;
                }
                anchors &= u64::MAX << (end - base);
            }
        }
        self.literals(literal_start, len, bits);
        self.flush_block(bits);
    }

    /// The best match for an anchor at `p` (inserting `p`), extended backwards over literals not yet written
    /// (not before `floor`): `(start, source, length)`, `length` 0 when none.
    fn longest_match(&mut self, p: usize, floor: usize) -> (usize, usize, usize) {
        let input = self.input;
        let next = read_u64(input, p);
        let bucket = &mut self.buckets[bucket_of(next)];
        let limit = (input.len() - p).min(MAX_MATCH);
        let mut best = (0, 0);
        // Which candidates are worth extending, worked out for all of them without branching: most lookups
        // (in the literals of an email or an id) find none, and a branch per test mispredicted there. Most
        // candidates differ at once: a match shorter than MIN_MATCH is no match.
        let mut worth = 0u32;
        for (k, &slot) in bucket.iter().enumerate() {
            // An empty slot reads position 0, then counts for nothing.
            let candidate = (slot as usize).saturating_sub(1);
            let four = u32::from_le_bytes(input[candidate..candidate + 4].try_into().expect("four bytes"));
            worth |= u32::from((slot != EMPTY) & (p - candidate <= WINDOW) & (four == next as u32)) << k;
        }
        while worth != 0 {
            let k = worth.trailing_zeros() as usize;
            worth &= worth - 1;
            let candidate = bucket[k] as usize - 1;
            let length = match_length(input, candidate, p, limit);
            // The longer, the newer on a tie; chosen without a branch (both candidates often match).
            best = if length > best.1 {
                (candidate, length)
            } else {
                best
            };
            if best.1 == limit {
                break;
            }
        }
        bucket.copy_within(..WAYS - 1, 1);
        bucket[0] = p as u32 + 1;
        let (mut source, mut length) = best;
        if length < MIN_MATCH {
            return (p, 0, 0);
        }
        // Back over the bytes the lookup landed late by (mostly fewer than eight), a word at a time: the byte
        // before `start` is the word's top byte, so equal bytes back from it are leading zeros of the difference.
        let mut start = p;
        loop {
            let room = (start - floor).min(source).min(MAX_MATCH - length);
            if room == 0 {
                break;
            }
            let same = if start >= 8 && source >= 8 {
                (read_u64(input, start - 8) ^ read_u64(input, source - 8)).leading_zeros() as usize / 8
            } else {
                (1..=room.min(8))
                    .take_while(|&k| input[start - k] == input[source - k])
                    .count()
            }
            .min(room);
            start -= same;
            source -= same;
            length += same;
            if same < 8 {
                break;
            }
        }
        (start, source, length)
    }

    fn insert(&mut self, p: usize) {
        let bucket = &mut self.buckets[bucket_of(read_u64(self.input, p))];
        bucket.copy_within(..WAYS - 1, 1);
        bucket[0] = p as u32 + 1;
    }

    fn literals(&mut self, from: usize, to: usize, bits: &mut BitWriter<'_>) {
        // As much of the run as the block has room for at a time, rather than a check per byte.
        let mut run = &self.input[from..to];
        while !run.is_empty() {
            let (now, rest) = run.split_at(run.len().min(BLOCK_TOKENS - self.tokens.len()));
            for &byte in now {
                self.lit_freq[usize::from(byte)] += 1;
            }
            self.tokens.extend(now.iter().map(|&byte| u32::from(byte)));
            if self.tokens.len() == BLOCK_TOKENS {
                self.flush_block(bits);
            }
            run = rest;
        }
    }

    #[inline(always)]
    fn matched(&mut self, length: usize, distance: usize, bits: &mut BitWriter<'_>) {
        debug_assert!((MIN_MATCH..=MAX_MATCH).contains(&length) && (1..=WINDOW).contains(&distance));
        let (length_code, ..) = LENGTHS[length];
        self.lit_freq[usize::from(length_code)] += 1;
        let code = distance_code(distance);
        self.dist_freq[usize::from(code)] += 1;
        self.tokens.push(
            MATCH_FLAG
                | u32::from(code) << DIST_CODE_SHIFT
                | ((length as u32 - 3) << 15)
                | (distance as u32 - 1),
        );
        if self.tokens.len() == BLOCK_TOKENS {
            self.flush_block(bits);
        }
    }

    /// Writes the tokens so far as one dynamic Huffman block.
    fn flush_block(&mut self, bits: &mut BitWriter<'_>) {
        if self.tokens.is_empty() {
            return;
        }
        self.lit_freq[END_OF_BLOCK] = 1;
        // Two distance codes at least, so that every inflater takes the code as complete.
        if self.dist_freq.iter().filter(|&&f| f > 0).count() < 2 {
            self.dist_freq[0] = self.dist_freq[0].max(1);
            self.dist_freq[1] = self.dist_freq[1].max(1);
        }
        let lit = HuffmanCode::fit(&self.lit_freq, 15);
        let dist = HuffmanCode::fit(&self.dist_freq, 15);
        write_dynamic_header(bits, &lit, &dist);
        // Each token's bits in one or two writes: (bits, count) packed as `bits | count << 32`.
        let literal: [u64; 256] = std::array::from_fn(|byte| lit.packed(byte, 0, 0));
        let length: [u64; 256] = std::array::from_fn(|n| {
            let (code, extra_bits, extra) = LENGTHS[n + 3];
            lit.packed(usize::from(code), u32::from(extra), u32::from(extra_bits))
        });
        let distance_codes: [u64; DIST_CODES] = std::array::from_fn(|code| dist.packed(code, 0, 0));
        // A token's codes go into the bit buffer (at most 48 bits: a length and a distance with their extra
        // bits), then its whole bytes are stored eight at a time into a scratch block and the buffer shifts on,
        // without a branch: a test per token of whether 32 bits had gathered mispredicted every few literals.
        let mut scratch = [0u8; SCRATCH + 8];
        let mut at = 0;
        let (mut buffer, mut count) = (bits.buffer, bits.count);
        for &token in &self.tokens {
            if token & MATCH_FLAG == 0 {
                let packed = literal[token as u8 as usize];
                buffer |= (packed & 0xffff_ffff) << count;
                count += (packed >> 32) as u32;
            } else {
                let packed = length[(token >> 15) as u8 as usize];
                buffer |= (packed & 0xffff_ffff) << count;
                count += (packed >> 32) as u32;
                let distance = (token & 0x7fff) as usize + 1;
                let code = (token >> DIST_CODE_SHIFT) as usize & 0x1f;
                let (base, extra_bits) = DIST_BASE[code];
                let packed = distance_codes[code];
                let code_bits = (packed >> 32) as u32;
                let extra = (distance - usize::from(base)) as u64;
                buffer |= ((packed & 0xffff_ffff) | extra << code_bits) << count;
                count += code_bits + u32::from(extra_bits);
            }
            if let Some(slot) = scratch.get_mut(at..at + 8) {
                slot.copy_from_slice(&buffer.to_le_bytes());
            }
            let whole = count / 8;
            at += whole as usize;
            buffer >>= whole * 8;
            count -= whole * 8;
            if at >= SCRATCH {
                bits.out.extend_from_slice(&scratch[..at]);
                at = 0;
            }
        }
        bits.out.extend_from_slice(&scratch[..at]);
        (bits.buffer, bits.count) = (buffer, count);
        lit.put(bits, END_OF_BLOCK);
        self.tokens.clear();
        self.lit_freq = [0; LITLEN_CODES];
        self.dist_freq = [0; DIST_CODES];
    }
}

/// Bit `k` set when `base + k` is an anchor (the byte before it is an ASCII byte other than a hex digit; the
/// start of the input is one). Bytes past the end count as hex digits.
fn anchor_mask(input: &[u8], base: usize) -> u64 {
    // The 64 bytes before each position: from `base - 1`.
    let mut before = [b'0'; 64];
    match base.checked_sub(1) {
        Some(from) => {
            let available = &input[from..input.len().min(from + 64)];
            before[..available.len()].copy_from_slice(available);
        }
        None => {
            before[0] = b' ';
            let available = &input[..input.len().min(63)];
            before[1..=available.len()].copy_from_slice(available);
        }
    }
    let in_range = |v: u8x16, low: u8, high: u8| v.max(u8x16::splat(low)).min(u8x16::splat(high)).cmp_eq(v);
    let mut other = 0u64;
    for (n, chunk) in before.chunks_exact(16).enumerate() {
        let v = u8x16::new(chunk.try_into().expect("sixteen bytes"));
        let hex = in_range(v, b'0', b'9') | in_range(v | u8x16::splat(0x20), b'a', b'f');
        // The top bit marks the bytes of multi-byte characters.
        let word = hex.move_mask() as u16 | v.move_mask() as u16;
        other |= u64::from(!word) << (n * 16);
    }
    other
}

/// The eight bytes at `p`, little-endian.
#[inline(always)]
fn read_u64(input: &[u8], p: usize) -> u64 {
    u64::from_le_bytes(input[p..p + 8].try_into().expect("eight bytes"))
}

/// The bucket of an anchor whose next eight bytes are `next`: a hash of the first `HASH_BYTES`.
#[inline(always)]
fn bucket_of(next: u64) -> usize {
    let key = next << (64 - 8 * HASH_BYTES);
    (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - HASH_BITS)) as usize
}

/// How many bytes from `source` equal those from `at` (`source < at`), up to `limit`.
#[inline(always)]
fn match_length(input: &[u8], source: usize, at: usize, limit: usize) -> usize {
    let mut n = 0;
    while n + 8 <= limit {
        let diff = read_u64(input, source + n) ^ read_u64(input, at + n);
        if diff != 0 {
            return n + (diff.trailing_zeros() / 8) as usize;
        }
        n += 8;
    }
    while n < limit && input[source + n] == input[at + n] {
        n += 1;
    }
    n
}

const LITLEN_CODES: usize = 286;
const DIST_CODES: usize = 30;
const END_OF_BLOCK: usize = 256;

/// Per match length (3 to 258): its length code, extra bits and their value.
static LENGTHS: [(u16, u8, u16); MAX_MATCH + 1] = {
    const BASE: [(u16, u8); 29] = [
        (3, 0),
        (4, 0),
        (5, 0),
        (6, 0),
        (7, 0),
        (8, 0),
        (9, 0),
        (10, 0),
        (11, 1),
        (13, 1),
        (15, 1),
        (17, 1),
        (19, 2),
        (23, 2),
        (27, 2),
        (31, 2),
        (35, 3),
        (43, 3),
        (51, 3),
        (59, 3),
        (67, 4),
        (83, 4),
        (99, 4),
        (115, 4),
        (131, 5),
        (163, 5),
        (195, 5),
        (227, 5),
        (258, 0),
    ];
    let mut table = [(0, 0, 0); MAX_MATCH + 1];
    let mut code = 0;
    while code < BASE.len() {
        let (base, extra_bits) = BASE[code];
        let count = 1 << extra_bits;
        let mut k = 0;
        while k < count {
            let length = base as usize + k;
            if length <= MAX_MATCH {
                table[length] = (257 + code as u16, extra_bits, k as u16);
            }
            k += 1;
        }
        code += 1;
    }
    // Code 284's range reaches 258 too; 258's own code, 285, comes last and so is the one kept.
    table
};

/// Per distance code: the smallest distance it stands for and its extra bits.
static DIST_BASE: [(u16, u8); DIST_CODES] = {
    let mut table = [(0, 0); DIST_CODES];
    let mut code = 0;
    let mut base: u32 = 1;
    while code < DIST_CODES {
        let extra_bits = if code < 4 { 0 } else { (code as u32 / 2) - 1 };
        table[code] = (base as u16, extra_bits as u8);
        base += 1 << extra_bits;
        code += 1;
    }
    table
};

#[inline]
fn distance_code(distance: usize) -> u8 {
    let d = distance as u32 - 1;
    if d < 4 {
        return d as u8;
    }
    // Two codes per power of two: the bit below the top one picks between them.
    let top = 31 - d.leading_zeros();
    (2 * top + ((d >> (top - 1)) & 1)) as u8
}

/// Bits packed least significant first, as deflate writes them.
struct BitWriter<'o> {
    out: &'o mut Vec<u8>,
    buffer: u64,
    count: u32,
}

impl<'o> BitWriter<'o> {
    fn new(out: &'o mut Vec<u8>) -> Self {
        BitWriter {
            out,
            buffer: 0,
            count: 0,
        }
    }

    /// Appends the low `n` bits of `value` (`n` at most 32).
    #[inline(always)]
    fn put(&mut self, value: u64, n: u32) {
        self.buffer |= value << self.count;
        self.count += n;
        if self.count >= 32 {
            self.out.extend_from_slice(&(self.buffer as u32).to_le_bytes());
            self.buffer >>= 32;
            self.count -= 32;
        }
    }

    /// Pads with zero bits to the next byte boundary and writes out what is held.
    fn align(&mut self) {
        let bytes = self.count.div_ceil(8);
        self.out
            .extend_from_slice(&self.buffer.to_le_bytes()[..bytes as usize]);
        self.buffer = 0;
        self.count = 0;
    }
}

/// A canonical Huffman code: each symbol's length and its code with the bits reversed, ready to write.
struct HuffmanCode {
    lengths: Vec<u8>,
    codes: Vec<u16>,
}

impl HuffmanCode {
    /// The optimal code for `freqs` with no code longer than `max_bits` (symbols of frequency 0 get none).
    fn fit(freqs: &[u32], max_bits: u32) -> HuffmanCode {
        let lengths = limited_lengths(freqs, max_bits);
        HuffmanCode::from_lengths(lengths)
    }

    fn from_lengths(lengths: Vec<u8>) -> HuffmanCode {
        let mut count = [0u16; 16];
        for &l in &lengths {
            count[usize::from(l)] += 1;
        }
        count[0] = 0;
        let mut next = [0u16; 16];
        let mut code = 0u16;
        for bits in 1..16 {
            code = (code + count[bits - 1]) << 1;
            next[bits] = code;
        }
        let codes = lengths
            .iter()
            .map(|&l| {
                if l == 0 {
                    return 0;
                }
                let c = next[usize::from(l)];
                next[usize::from(l)] += 1;
                c.reverse_bits() >> (16 - l)
            })
            .collect();
        HuffmanCode { lengths, codes }
    }

    /// Symbols up to the last one with a code, at least `minimum`: the count a block header gives.
    fn coded(&self, minimum: usize) -> usize {
        self.lengths
            .iter()
            .rposition(|&l| l > 0)
            .map_or(0, |i| i + 1)
            .max(minimum)
    }

    /// `symbol`'s code followed by `extra_bits` bits of `extra`, packed as `bits | count << 32` for the token loop of
    /// [`Encoder::flush_block`].
    fn packed(&self, symbol: usize, extra: u32, extra_bits: u32) -> u64 {
        let length = u32::from(self.lengths[symbol]);
        let value = u64::from(self.codes[symbol]) | u64::from(extra) << length;
        value | u64::from(length + extra_bits) << 32
    }

    #[inline]
    fn put(&self, bits: &mut BitWriter<'_>, symbol: usize) {
        bits.put(u64::from(self.codes[symbol]), u32::from(self.lengths[symbol]));
    }
}

/// Huffman code lengths for `freqs`, none above `max_bits` (zero for unused symbols; one used symbol gets 1).
fn limited_lengths(freqs: &[u32], max_bits: u32) -> Vec<u8> {
    let mut lengths = vec![0u8; freqs.len()];
    let mut symbols: Vec<(u32, u16)> = freqs
        .iter()
        .enumerate()
        .filter(|&(_, &f)| f > 0)
        .map(|(s, &f)| (f, s as u16))
        .collect();
    match symbols.len() {
        0 => return lengths,
        1 => {
            lengths[usize::from(symbols[0].1)] = 1;
            return lengths;
        }
        _ => {}
    }
    symbols.sort_unstable();
    let n = symbols.len();
    // Huffman's merge with two queues: leaves in order, then the merged nodes (made in order of weight).
    let mut weight: Vec<u64> = symbols.iter().map(|&(f, _)| u64::from(f)).collect();
    weight.resize(2 * n - 1, 0);
    let mut parent = vec![0usize; 2 * n - 1];
    let (mut leaf, mut node) = (0, n);
    for made in n..2 * n - 1 {
        let mut take = || {
            if node < made && (leaf >= n || weight[node] < weight[leaf]) {
                node += 1;
                node - 1
            } else {
                leaf += 1;
                leaf - 1
            }
        };
        let (a, b) = (take(), take());
        weight[made] = weight[a] + weight[b];
        parent[a] = made;
        parent[b] = made;
    }
    let mut depth = vec![0u32; 2 * n - 1];
    for k in (0..2 * n - 2).rev() {
        depth[k] = depth[parent[k]] + 1;
    }
    // Too-long codes: count by length with the overflow at the limit, then move codes down until the lengths are
    // a complete code again (miniz's method); the shortest lengths go to the most frequent symbols.
    let mut per_length = [0u32; 64];
    for &d in &depth[..n] {
        per_length[d.min(max_bits) as usize] += 1;
    }
    let max = max_bits as usize;
    let mut total: u64 = (1..=max).map(|l| u64::from(per_length[l]) << (max - l)).sum();
    while total != 1 << max {
        per_length[max] -= 1;
        for l in (1..max).rev() {
            if per_length[l] != 0 {
                per_length[l] -= 1;
                per_length[l + 1] += 2;
                break;
            }
        }
        total -= 1;
    }
    let mut by_frequency = symbols.iter().rev();
    for (l, &count) in per_length.iter().enumerate().take(max + 1).skip(1) {
        for _ in 0..count {
            let &(_, symbol) = by_frequency.next().expect("one length per symbol");
            lengths[usize::from(symbol)] = l as u8;
        }
    }
    lengths
}

/// Order in which the code-length code's lengths are written.
const CODE_LENGTH_ORDER: [usize; 19] = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

/// The block header: type, the code-length code, then both codes' lengths run-length encoded.
fn write_dynamic_header(bits: &mut BitWriter<'_>, lit: &HuffmanCode, dist: &HuffmanCode) {
    let hlit = lit.coded(257);
    let hdist = dist.coded(1);
    let mut all = Vec::with_capacity(hlit + hdist);
    all.extend_from_slice(&lit.lengths[..hlit]);
    all.extend_from_slice(&dist.lengths[..hdist]);
    // (symbol, extra bits, extra value) of the code-length alphabet.
    let mut runs: Vec<(u8, u8, u8)> = Vec::with_capacity(all.len());
    let mut i = 0;
    while i < all.len() {
        let value = all[i];
        let mut run = all[i..].iter().take_while(|&&l| l == value).count();
        i += run;
        if value == 0 {
            while run >= 11 {
                let n = run.min(138);
                runs.push((18, 7, (n - 11) as u8));
                run -= n;
            }
            if run >= 3 {
                runs.push((17, 3, (run - 3) as u8));
                run = 0;
            }
        } else {
            runs.push((value, 0, 0));
            run -= 1;
            while run >= 3 {
                let n = run.min(6);
                runs.push((16, 2, (n - 3) as u8));
                run -= n;
            }
        }
        for _ in 0..run {
            runs.push((value, 0, 0));
        }
    }
    let mut freqs = [0u32; 19];
    for &(symbol, ..) in &runs {
        freqs[usize::from(symbol)] += 1;
    }
    // Two symbols at least, so that the code is complete.
    if freqs.iter().filter(|&&f| f > 0).count() < 2 {
        let spare = usize::from(freqs[0] > 0);
        freqs[spare] = freqs[spare].max(1);
    }
    let code_lengths = HuffmanCode::fit(&freqs, 7);
    let hclen = CODE_LENGTH_ORDER
        .iter()
        .rposition(|&s| code_lengths.lengths[s] > 0)
        .map_or(0, |i| i + 1)
        .max(4);
    // Not final, dynamic Huffman (BTYPE 10).
    bits.put(0b100, 3);
    bits.put((hlit - 257) as u64, 5);
    bits.put((hdist - 1) as u64, 5);
    bits.put((hclen - 4) as u64, 4);
    for &symbol in &CODE_LENGTH_ORDER[..hclen] {
        bits.put(u64::from(code_lengths.lengths[symbol]), 3);
    }
    for &(symbol, extra_bits, extra) in &runs {
        code_lengths.put(bits, usize::from(symbol));
        bits.put(u64::from(extra), u32::from(extra_bits));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn inflate(deflate: &[u8]) -> Vec<u8> {
        // Close the stream as a part does: an empty final block.
        let mut stream = deflate.to_vec();
        stream.extend_from_slice(&[0x03, 0x00]);
        let mut out = Vec::new();
        flate2::read::DeflateDecoder::new(&stream[..])
            .read_to_end(&mut out)
            .expect("valid deflate");
        out
    }

    fn round_trip(input: &[u8], level: u32) -> usize {
        let mut out = Vec::new();
        compress(input, level, &mut out);
        assert_eq!(inflate(&out), input, "level {level}, {} bytes", input.len());
        out.len()
    }

    fn rows(n: usize, seed: u64) -> Vec<u8> {
        let mut rng = seed;
        let mut next = move || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng
        };
        let mut text = Vec::new();
        for _ in 0..n {
            let user = next() % 300;
            let app = next() % 12;
            let id = next();
            text.extend_from_slice(
                format!(
                    "{{\"ssoAppName\":\"App {app}\",\"appInstanceId\":\"0oa{app:017}\",\"uniqueId\":\"user{user}@corp.example.com\",\"email\":\"user{user}@corp.example.com\",\"occurredAt\":\"2025-01-01T00:{:02}:{:02}.{:03}Z\",\"eventId\":\"{id:016x}-{:08x}\"}}\n",
                    next() % 60,
                    next() % 60,
                    next() % 1000,
                    next() as u32
                )
                .as_bytes(),
            );
        }
        text
    }

    #[test]
    fn rows_round_trip_at_every_level_and_compress_well() {
        let text = rows(3000, 7);
        for level in 1..=9 {
            let size = round_trip(&text, level);
            assert!(
                size * 3 < text.len(),
                "level {level}: {size} of {} bytes",
                text.len()
            );
        }
    }

    #[test]
    fn edge_inputs_round_trip() {
        for input in [
            &b""[..],
            b"a",
            b"\"",
            b"abcdefgh",
            b"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"",
            &[b','; 100_000],
            &[0u8; 70_000],
        ] {
            for level in [1, 6, 9] {
                round_trip(input, level);
            }
        }
    }

    #[test]
    fn random_bytes_round_trip_and_barely_grow() {
        let mut rng = 0x1234_5678_9abc_def0u64;
        let bytes: Vec<u8> = (0..200_000)
            .map(|_| {
                rng ^= rng << 13;
                rng ^= rng >> 7;
                rng ^= rng << 17;
                (rng >> 24) as u8
            })
            .collect();
        let size = round_trip(&bytes, 6);
        assert!(
            size < bytes.len() + bytes.len() / 50,
            "{size} for {} random bytes",
            bytes.len()
        );
    }

    #[test]
    fn long_runs_and_repeats_past_the_window_round_trip() {
        let mut text = rows(200, 3);
        text.extend(std::iter::repeat_n(b'x', 5000));
        text.extend(rows(200, 3));
        let block: Vec<u8> = (0..40_000u32).map(|i| (i % 251) as u8).collect();
        text.extend_from_slice(&block);
        text.extend_from_slice(&block);
        for level in [1, 6, 9] {
            round_trip(&text, level);
        }
    }

    #[test]
    fn an_input_cut_into_pieces_round_trips() {
        let text = rows(500, 11);
        let mut out = Vec::new();
        compress_in_pieces(&text, 6, &mut out, 10_000);
        assert_eq!(inflate(&out), text);
    }

    #[test]
    fn length_and_distance_tables_follow_rfc_1951() {
        assert_eq!(LENGTHS[3], (257, 0, 0));
        assert_eq!(LENGTHS[10], (264, 0, 0));
        assert_eq!(LENGTHS[11], (265, 1, 0));
        assert_eq!(LENGTHS[12], (265, 1, 1));
        assert_eq!(LENGTHS[257], (284, 5, 30));
        assert_eq!(LENGTHS[258], (285, 0, 0));
        for (distance, code) in [
            (1, 0),
            (4, 3),
            (5, 4),
            (6, 4),
            (7, 5),
            (24577, 29),
            (32768, 29),
            (257, 16),
        ] {
            assert_eq!(distance_code(distance), code, "distance {distance}");
            let (base, extra) = DIST_BASE[usize::from(code)];
            assert!(usize::from(base) <= distance && distance < usize::from(base) + (1 << extra));
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 64, ..Default::default() })]

        #[test]
        fn arbitrary_bytes_round_trip(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..4000), level in 1u32..=9) {
            round_trip(&bytes, level);
        }

        /// Few distinct pieces: long matches, overlapping ones, anchors everywhere.
        #[test]
        fn repetitive_text_round_trips(
            pieces in proptest::collection::vec(proptest::sample::select(vec!["\"", "\",\"", "ab", "0", "x", "é", "abcdef0123", "\n"]), 0..3000),
            level in 1u32..=9,
        ) {
            round_trip(pieces.concat().as_bytes(), level);
        }
    }

    #[test]
    fn code_lengths_are_complete_and_limited() {
        // Fibonacci frequencies make the deepest unlimited Huffman tree.
        let mut freqs = vec![1u32, 1];
        while freqs.len() < 30 {
            let n = freqs.len();
            freqs.push(freqs[n - 1] + freqs[n - 2]);
        }
        for max in [7, 15] {
            let lengths = limited_lengths(&freqs, max);
            assert!(lengths.iter().all(|&l| (1..=max as u8).contains(&l)));
            let kraft: f64 = lengths.iter().map(|&l| 0.5f64.powi(i32::from(l))).sum();
            assert!((kraft - 1.0).abs() < 1e-12, "kraft sum {kraft}");
        }
    }
}
