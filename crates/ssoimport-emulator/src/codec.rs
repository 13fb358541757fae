//! Hand-written encodings: RFC 4648 base32 and base64, UUIDv4 text, and `application/x-www-form-urlencoded`.

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const BASE64URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// RFC 4648 base32 without padding (16 bytes give the 26 characters of an import job id).
pub(crate) fn base32(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &b in bytes {
        acc = (acc << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(BASE32[((acc >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(BASE32[((acc << (5 - bits)) & 31) as usize] as char);
    }
    out
}

fn base64_with(bytes: &[u8], alphabet: &[u8; 64], pad: bool) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk.len();
        let v = (u32::from(chunk[0]) << 16)
            | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
            | u32::from(*chunk.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= n {
                out.push(alphabet[((v >> (18 - 6 * i)) & 63) as usize] as char);
            } else if pad {
                out.push('=');
            }
        }
    }
    out
}

/// Standard base64 with padding (the shape of Flexera's `skipToken`).
pub(crate) fn base64(bytes: &[u8]) -> String {
    base64_with(bytes, BASE64, true)
}

/// URL-safe base64 without padding (the segments of a JWT).
pub(crate) fn base64url(bytes: &[u8]) -> String {
    base64_with(bytes, BASE64URL, false)
}

/// Decodes standard base64 with padding; `None` on anything else.
pub(crate) fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let bytes = text.as_bytes();
    if !bytes.len().is_multiple_of(4) {
        return None;
    }
    let mut out = Vec::with_capacity(bytes.len() / 4 * 3);
    for (index, chunk) in bytes.chunks(4).enumerate() {
        let last = index == bytes.len() / 4 - 1;
        let mut v = 0u32;
        let mut pads = 0;
        for (i, &c) in chunk.iter().enumerate() {
            let digit = match c {
                b'=' if last && i >= 2 => {
                    pads += 1;
                    0
                }
                _ if pads > 0 => return None,
                _ => BASE64.iter().position(|&a| a == c)? as u32,
            };
            v = (v << 6) | digit;
        }
        let decoded = [(v >> 16) as u8, (v >> 8) as u8, v as u8];
        out.extend_from_slice(&decoded[..3 - pads]);
    }
    Some(out)
}

/// Turns 16 random bytes into a version-4, RFC 4122 variant UUID.
pub(crate) fn uuid_v4(mut bytes: [u8; 16]) -> [u8; 16] {
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    bytes
}

/// The canonical lower-case text form of a UUID (`8-4-4-4-12`).
pub(crate) fn uuid_text(bytes: &[u8; 16]) -> String {
    let mut out = String::with_capacity(36);
    for (i, b) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// Lower-case hex of some bytes.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn hex_digit(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Decodes one `application/x-www-form-urlencoded` component (`+` is a space, `%XX` a byte). Invalid escapes are
/// kept literally, as browsers do.
pub(crate) fn form_decode_component(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex_digit(bytes[i + 1]), hex_digit(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h << 4 | l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Parses a form body or query string into its (name, value) pairs, in order.
pub(crate) fn form_decode(text: &str) -> Vec<(String, String)> {
    text.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (form_decode_component(name), form_decode_component(value))
        })
        .collect()
}

/// Percent-encodes a query-string value (everything but RFC 3986 unreserved characters).
pub(crate) fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for &b in text.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base32_follows_rfc4648() {
        assert_eq!(base32(b""), "");
        assert_eq!(base32(b"f"), "MY");
        assert_eq!(base32(b"foobar"), "MZXW6YTBOI");
        let id = base32(&[0xff; 16]);
        assert_eq!(id.len(), 26);
        assert!(id.bytes().all(|c| matches!(c, b'2'..=b'7' | b'A'..=b'Z')));
    }

    #[test]
    fn base64_round_trips_and_follows_rfc4648() {
        assert_eq!(base64(b"foob"), "Zm9vYg==");
        assert_eq!(base64(b"fooba"), "Zm9vYmE=");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64url(&[0xfb, 0xff]), "-_8");
        for len in 0..20 {
            let data: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
            assert_eq!(base64_decode(&base64(&data)).unwrap(), data);
        }
        assert!(base64_decode("Zm9").is_none());
        assert!(base64_decode("Z=9v").is_none());
        assert!(base64_decode("Zm9v!A==").is_none());
    }

    #[test]
    fn uuids_carry_version_and_variant() {
        let text = uuid_text(&uuid_v4([0xab; 16]));
        assert_eq!(text, "abababab-abab-4bab-abab-abababababab");
    }

    #[test]
    fn form_decoding_handles_plus_and_escapes() {
        let pairs = form_decode("grant_type=refresh_token&refresh_token=a%2Bb+c%3D&x&bad=%zz%4");
        assert_eq!(pairs[0], ("grant_type".into(), "refresh_token".into()));
        assert_eq!(pairs[1], ("refresh_token".into(), "a+b c=".into()));
        assert_eq!(pairs[2], ("x".into(), String::new()));
        assert_eq!(pairs[3], ("bad".into(), "%zz%4".into()));
        assert_eq!(percent_encode("a b+/="), "a%20b%2B%2F%3D");
    }
}
