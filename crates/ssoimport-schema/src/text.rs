//! Text helpers every stage shares.

use wide::u8x16;

/// `s` without leading and trailing whitespace, as [`str::trim`] gives it, but without walking characters
/// when the first and last bytes are printable ASCII (nearly every value): trimming runs several times per
/// row in the readers and the normalizer.
///
/// ```
/// use ssoimport_schema::text::trim;
/// assert_eq!(trim("ann@example.com"), "ann@example.com");
/// assert_eq!(trim(" \u{a0}ann\t"), "ann");
/// ```
#[inline]
pub fn trim(s: &str) -> &str {
    // Every whitespace character either is ASCII at or below the space or starts with a byte above 0x7f.
    let plain = |b: Option<&u8>| b.is_some_and(|&b| b > b' ' && b < 0x80);
    if plain(s.as_bytes().first()) && plain(s.as_bytes().last()) {
        s
    } else {
        s.trim()
    }
}

/// The bytes a JSON string cannot hold raw: the quote, the backslash and the control characters (below 0x20). The
/// readers stop at them when they walk a string, the NDJSON writer escapes them.
pub const STRING_SPECIAL: [bool; 256] = {
    let mut table = [false; 256];
    let mut c = 0;
    while c < 0x20 {
        table[c] = true;
        c += 1;
    }
    table[b'"' as usize] = true;
    table[b'\\' as usize] = true;
    table
};

/// Bit `k` set when byte `k` of `chunk` is one of [`STRING_SPECIAL`]: sixteen bytes classified with SIMD compares.
#[inline(always)]
pub fn string_specials(chunk: &[u8; 16]) -> u32 {
    let v = u8x16::new(*chunk);
    let control = v.min(u8x16::splat(0x1f)).cmp_eq(v);
    (v.cmp_eq(u8x16::splat(b'"')) | v.cmp_eq(u8x16::splat(b'\\')) | control).move_mask() as u32
}

/// Whether `a` and `b` hold the same bytes, compared a word at a time in place (the last word overlapping) where
/// `==` on slices calls `memcmp`: the member names a walk meets and the values an aggregation holds are short, and
/// the call cost more than the comparison.
///
/// ```
/// use ssoimport_schema::text::same_bytes;
/// assert!(same_bytes(b"alternateId", b"alternateId"));
/// assert!(!same_bytes(b"alternateId", b"alternateID"));
/// ```
#[inline(always)]
pub fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    let word = |s: &[u8], at: usize| u64::from_le_bytes(s[at..at + 8].try_into().expect("eight bytes"));
    let differ = |at: usize| word(a, at) ^ word(b, at);
    match n {
        0..4 => a.iter().zip(b).all(|(x, y)| x == y),
        4..8 => {
            let half =
                |s: &[u8], at: usize| u32::from_le_bytes(s[at..at + 4].try_into().expect("four bytes"));
            (half(a, 0) ^ half(b, 0)) | (half(a, n - 4) ^ half(b, n - 4)) == 0
        }
        8..=16 => differ(0) | differ(n - 8) == 0,
        _ => {
            let mut at = 0;
            while at + 8 < n {
                if differ(at) != 0 {
                    return false;
                }
                at += 8;
            }
            differ(n - 8) == 0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{STRING_SPECIAL, same_bytes, string_specials, trim};

    #[test]
    fn trims_as_std_does() {
        let edges = [
            "", " ", "\t", "\n", "\r", "\u{b}", "\u{c}", "\u{1c}", "\u{85}", "\u{a0}", "\u{2003}",
            "\u{3000}", "\u{7f}", "x", "é", "~",
        ];
        for a in edges {
            for b in edges {
                for middle in ["", "ann", "a b", "\u{a0}"] {
                    let s = format!("{a}{middle}{b}");
                    assert_eq!(trim(&s), s.trim(), "{s:?}");
                }
            }
        }
    }

    #[test]
    fn sixteen_bytes_classify_as_the_table_does() {
        for byte in 0..=255u8 {
            for at in 0..16 {
                let mut chunk = [b'x'; 16];
                chunk[at] = byte;
                let expected = if STRING_SPECIAL[usize::from(byte)] {
                    1 << at
                } else {
                    0
                };
                assert_eq!(string_specials(&chunk), expected, "{byte:#x} at {at}");
            }
        }
    }

    #[test]
    fn bytes_are_the_same_only_when_every_byte_is() {
        let a: Vec<u8> = (0..80u8).map(|k| b'a' + k % 26).collect();
        for n in 0..a.len() {
            assert!(same_bytes(&a[..n], &a[..n]), "length {n}");
            assert!(!same_bytes(&a[..n], &a[..n + 1]), "lengths {n} and {}", n + 1);
            for at in 0..n {
                let mut b = a[..n].to_vec();
                b[at] ^= 0x20;
                assert!(!same_bytes(&a[..n], &b), "length {n}, byte {at}");
            }
        }
    }
}
