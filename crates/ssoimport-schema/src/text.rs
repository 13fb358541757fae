//! Text helpers every stage shares.

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

#[cfg(test)]
mod tests {
    use super::trim;

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
}
