//! Skipping a JSON container 64 bytes at a time. Most of a LogEvent or sign-in is nested context that no row
//! needs; classifying a block's quotes, backslashes and brackets with SIMD compares (SSE2 through `wide`) and
//! following them as bit masks, as simdjson's first stage does, skips it several times faster than stepping from
//! byte to byte.
//!
//! The skip is as lenient as the byte-wise one it replaces (brackets are counted, not matched, and values are not
//! checked) with one exception: a backslash outside every string is malformed JSON and fails the skip, so the
//! caller falls back to a full parse, which reports it. Everywhere else both give the same end.

use ssoimport_schema::text::{STRING_SPECIAL, string_specials};
use wide::u8x16;

/// Bytes classified per step.
pub(crate) const BLOCK: usize = 64;

/// Alternate bits, starting at bit 0.
const EVEN_BITS: u64 = 0x5555_5555_5555_5555;

/// One bit per byte of a block, bit `k` for byte `k`.
struct Classes {
    quote: u64,
    backslash: u64,
    /// `{` or `[`.
    open: u64,
    /// `}` or `]`.
    close: u64,
}

#[inline(always)]
fn classify(block: &[u8; BLOCK]) -> Classes {
    let mut classes = Classes {
        quote: 0,
        backslash: 0,
        open: 0,
        close: 0,
    };
    let mask = |v: u8x16| u64::from(v.move_mask() as u16);
    for (n, chunk) in block.chunks_exact(16).enumerate() {
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(chunk);
        let v = u8x16::new(bytes);
        // `{` and `[` differ only in bit 5 (0x7b, 0x5b), as do `}` and `]`.
        let folded = v | u8x16::splat(0x20);
        let shift = n * 16;
        classes.quote |= mask(v.cmp_eq(u8x16::splat(b'"'))) << shift;
        classes.backslash |= mask(v.cmp_eq(u8x16::splat(b'\\'))) << shift;
        classes.open |= mask(folded.cmp_eq(u8x16::splat(b'{'))) << shift;
        classes.close |= mask(folded.cmp_eq(u8x16::splat(b'}'))) << shift;
    }
    classes
}

/// The index of the first byte at or after `i` that ends a run of plain string bytes: a quote, a backslash or a
/// control character (below 0x20, which JSON strings may not hold raw); `b.len()` if none. Sixteen bytes at a
/// time with SIMD compares: most of a record is string text. Strict readers (which check every string as a full
/// parse would) use it to walk strings.
pub fn find_string_special(b: &[u8], mut i: usize) -> usize {
    while let Some(chunk) = b.get(i..).and_then(<[u8]>::first_chunk::<16>) {
        let mask = string_specials(chunk);
        if mask != 0 {
            return i + mask.trailing_zeros() as usize;
        }
        i += 16;
    }
    // Fewer than sixteen bytes left: the last sixteen of the text, overlapping those already searched, when the
    // text is that long (a decoded string's text ends at its last byte, so this is the common end).
    if i < b.len()
        && let Some(last) = b.last_chunk::<16>()
    {
        let from = b.len() - 16;
        let mask = string_specials(last) >> (i - from);
        return if mask != 0 {
            i + mask.trailing_zeros() as usize
        } else {
            b.len()
        };
    }
    while let Some(&c) = b.get(i) {
        if STRING_SPECIAL[usize::from(c)] {
            return i;
        }
        i += 1;
    }
    b.len()
}

/// The bytes escaped by a backslash (the byte after an odd run of them), carrying a run that ends a block into
/// the next: simdjson's branch-free odd-sequence method.
fn escaped(backslash: u64, carry: &mut u64) -> u64 {
    let backslash = backslash & !*carry;
    let follows_escape = (backslash << 1) | *carry;
    let odd_starts = backslash & !EVEN_BITS & !follows_escape;
    let (even_starts, overflow) = odd_starts.overflowing_add(backslash);
    *carry = u64::from(overflow);
    (EVEN_BITS ^ (even_starts << 1)) & follows_escape
}

/// Bit `k` set when an odd number of bits at or below `k` are set: with the unescaped quotes as input, the bytes
/// from an opening quote up to (not including) its closing quote.
fn prefix_xor(mut bits: u64) -> u64 {
    bits ^= bits << 1;
    bits ^= bits << 2;
    bits ^= bits << 4;
    bits ^= bits << 8;
    bits ^= bits << 16;
    bits ^= bits << 32;
    bits
}

/// The state carried from one block to the next while a container is skipped.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Skipper {
    /// Containers open (the one being skipped included, once its opener is seen).
    pub(crate) depth: u32,
    /// All ones while a string is open at the end of the last block.
    in_string: u64,
    /// 1 when the last block ended in an odd run of backslashes.
    escape_carry: u64,
}

impl Skipper {
    /// A skip resumed outside any string with `depth` containers open.
    pub(crate) fn at_depth(depth: u32) -> Skipper {
        Skipper {
            depth,
            ..Skipper::default()
        }
    }

    /// Whether the last block ended inside a string.
    pub(crate) fn in_string(&self) -> bool {
        self.in_string != 0
    }

    /// Whether the last block ended in a backslash that escapes the next byte (inside a string: outside one,
    /// the step fails).
    pub(crate) fn escaping(&self) -> bool {
        self.escape_carry != 0
    }

    /// Follows one block: `None` on a backslash outside strings before the container's end (the state is then
    /// undefined), `Some(Some(end))` once the container closes (the index after its closer), `Some(None)`
    /// while it is still open.
    #[inline(always)]
    pub(crate) fn step(&mut self, block: &[u8; BLOCK]) -> Option<Option<usize>> {
        let classes = classify(block);
        let escaped = if classes.backslash | self.escape_carry == 0 {
            0
        } else {
            escaped(classes.backslash, &mut self.escape_carry)
        };
        let inside = prefix_xor(classes.quote & !escaped) ^ self.in_string;
        self.in_string = 0u64.wrapping_sub(inside >> 63);
        // Backslashes outside strings (only those before the container's end count).
        let stray = classes.backslash & !inside;
        let open = classes.open & !inside;
        let close = classes.close & !inside;
        // No closer (the common block: x86-64's baseline has no popcount instruction, so counting costs), or
        // fewer closers than open containers: the depth cannot reach zero in this block.
        if close == 0 {
            if open != 0 {
                self.depth += open.count_ones();
            }
            return (stray == 0).then_some(None);
        }
        let closers = close.count_ones();
        if closers < self.depth {
            self.depth = self.depth + open.count_ones() - closers;
            return (stray == 0).then_some(None);
        }
        let mut brackets = open | close;
        while brackets != 0 {
            let at = brackets.trailing_zeros();
            if open >> at & 1 == 1 {
                self.depth += 1;
            } else {
                self.depth = self.depth.checked_sub(1)?;
                if self.depth == 0 {
                    let before_end = u64::MAX >> (63 - at);
                    return (stray & before_end == 0).then_some(Some(at as usize + 1));
                }
            }
            brackets &= brackets - 1;
        }
        (stray == 0).then_some(None)
    }
}

/// `i` at `{` or `[`; returns the index after the matching closer, `None` if the text ends first or holds a
/// backslash outside a string.
pub(crate) fn skip_container(b: &[u8], i: usize) -> Option<usize> {
    let mut skipper = Skipper::default();
    let mut at = i;
    while let Some(block) = b.get(at..at + BLOCK) {
        let block: &[u8; BLOCK] = block.try_into().ok()?;
        if let Some(end) = skipper.step(block)? {
            return Some(at + end);
        }
        at += BLOCK;
    }
    // The tail, padded with spaces (neutral inside and outside strings).
    let rest = b.get(at..)?;
    let mut block = [b' '; BLOCK];
    block[..rest.len()].copy_from_slice(rest);
    skipper.step(&block)?.map(|end| at + end)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_rng::TestRng;

    /// The byte-at-a-time skip this replaces, as the reference.
    fn bytewise(b: &[u8], i: usize) -> Option<usize> {
        let mut depth = 0usize;
        let mut j = i;
        while j < b.len() {
            match b[j] {
                b'"' => {
                    j += 1;
                    loop {
                        match *b.get(j)? {
                            b'"' => break,
                            b'\\' => j += 2,
                            _ => j += 1,
                        }
                    }
                }
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    depth = depth.checked_sub(1)?;
                    if depth == 0 {
                        return Some(j + 1);
                    }
                }
                _ => {}
            }
            j += 1;
        }
        None
    }

    /// Whether a backslash stands outside every string (the one case the block skip refuses).
    fn backslash_outside_strings(b: &[u8]) -> bool {
        let mut j = 0;
        while j < b.len() {
            match b[j] {
                b'"' => {
                    j += 1;
                    while j < b.len() && b[j] != b'"' {
                        j += if b[j] == b'\\' { 2 } else { 1 };
                    }
                }
                b'\\' => return true,
                _ => {}
            }
            j += 1;
        }
        false
    }

    #[test]
    fn agrees_with_the_bytewise_skip_on_random_text() {
        let alphabet = b"{}[]\"\\\\a ,:";
        let mut rng = TestRng::new(0x9E37_79B9_7F4A_7C15);
        for _ in 0..200_000 {
            let len = rng.below(300) as usize + 1;
            let mut text: Vec<u8> = (0..len)
                .map(|_| alphabet[rng.below(alphabet.len() as u64) as usize])
                .collect();
            text[0] = if rng.below(2) == 0 { b'{' } else { b'[' };
            let block = skip_container(&text, 0);
            let reference = bytewise(&text, 0);
            if backslash_outside_strings(&text[..reference.unwrap_or(text.len())]) {
                assert!(
                    block.is_none() || block == reference,
                    "{}",
                    String::from_utf8_lossy(&text)
                );
            } else {
                assert_eq!(block, reference, "{}", String::from_utf8_lossy(&text));
            }
        }
    }

    #[test]
    fn finds_the_first_quote_backslash_or_control_byte() {
        for len in 0..40 {
            for special in [b'"', b'\\', 0x00, 0x1f, b'\n'] {
                let mut text = vec![b'a'; len];
                text.extend([special, b'"']);
                for from in 0..=len {
                    assert_eq!(find_string_special(&text, from), len, "{len} {special} {from}");
                }
            }
            let plain: Vec<u8> = (0..len).map(|k| [b'x', 0x20, 0x7f, 0xc3, 0xa9][k % 5]).collect();
            assert_eq!(find_string_special(&plain, 0), len);
        }
    }

    #[test]
    fn skips_containers_across_blocks_and_escapes() {
        let long = "x".repeat(200);
        for text in [
            format!(r#"{{"a": "{long}"}}, 1"#),
            format!(r#"[{{"b": ["]", "\\", "\""]}}, "{long}\"}}"], 1"#),
            "{}, 1".to_owned(),
        ] {
            let end = skip_container(text.as_bytes(), 0).unwrap();
            assert_eq!(&text[end..], ", 1", "{text}");
            assert_eq!(bytewise(text.as_bytes(), 0), Some(end), "{text}");
        }
        // A run of backslashes ending one block and escaping the quote that starts the next.
        for pad in 0..70 {
            let text = format!("{{\"{}\\\\\\\"}}\"}} ", "y".repeat(pad));
            assert_eq!(
                skip_container(text.as_bytes(), 0),
                bytewise(text.as_bytes(), 0),
                "{text}"
            );
        }
        assert_eq!(skip_container(br#"{"a": "never closed}"#, 0), None);
        assert_eq!(skip_container(b"{\"a\": [1, 2}", 0), None);
        assert_eq!(
            skip_container(b"{\"a\": \\\"}\"}", 0),
            None,
            "a backslash outside strings"
        );
    }
}
