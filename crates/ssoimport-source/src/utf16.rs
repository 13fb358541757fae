//! UTF-16 text read as UTF-8. Windows PowerShell 5.1 writes UTF-16 with a byte-order mark by default (`>`,
//! `Out-File`), so an export saved from a PowerShell session often arrives in it; every reader here reads UTF-8.
//! The stream is converted as it is read, so the readers, framing and offsets see UTF-8 text.

use std::io::{self, Read};

/// Byte order of a UTF-16 stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByteOrder {
    /// Little-endian (byte-order mark `FF FE`): what Windows writes.
    Little,
    /// Big-endian (byte-order mark `FE FF`).
    Big,
}

impl ByteOrder {
    /// The byte order a UTF-16 byte-order mark at the start of `head` names, if there is one. `FF FE 00 00` is
    /// UTF-32's mark, not UTF-16's.
    pub fn sniff(head: &[u8]) -> Option<ByteOrder> {
        match head {
            [0xff, 0xfe, 0, 0, ..] => None,
            [0xff, 0xfe, ..] => Some(ByteOrder::Little),
            [0xfe, 0xff, ..] => Some(ByteOrder::Big),
            _ => None,
        }
    }

    fn unit(self, pair: [u8; 2]) -> u16 {
        match self {
            ByteOrder::Little => u16::from_le_bytes(pair),
            ByteOrder::Big => u16::from_be_bytes(pair),
        }
    }
}

/// Written in place of a code unit that is no character (a lone surrogate, or an odd last byte): a byte that
/// UTF-8 never holds, so the record it falls in is rejected as `invalid_utf8` rather than changed.
const NOT_UTF8: u8 = 0xff;

/// Bytes read from the inner stream at a time.
const READ_BYTES: usize = 64 << 10;

/// Reads UTF-16 (starting with its byte-order mark, which is dropped) and yields UTF-8.
pub struct Utf16Decoder<R> {
    inner: R,
    order: ByteOrder,
    /// Bytes read and not yet converted (at most three: an odd byte, or a high surrogate waiting for its pair).
    pending: Vec<u8>,
    /// Converted text not yet handed out, from `out_at`.
    out: Vec<u8>,
    out_at: usize,
    started: bool,
    ended: bool,
}

impl<R: Read> Utf16Decoder<R> {
    /// A decoder of `inner`, whose first two bytes are the byte-order mark of `order`.
    pub fn new(inner: R, order: ByteOrder) -> Self {
        Utf16Decoder {
            inner,
            order,
            pending: Vec::with_capacity(READ_BYTES + 4),
            out: Vec::new(),
            out_at: 0,
            started: false,
            ended: false,
        }
    }

    /// Converts the whole code units of `pending` into `out` (with std's `decode_utf16`, past runs of ASCII),
    /// keeping back a high surrogate whose pair has not been read yet (unless the input ended).
    fn convert(&mut self) {
        self.out.clear();
        self.out_at = 0;
        let units = self.pending.len() / 2;
        let mut k = 0;
        if !self.started && units > 0 {
            self.started = true;
            // The byte-order mark.
            k = 1;
        }
        // A code unit is ASCII when its high byte is zero and its low byte below 0x80.
        let (unit_mask, low_byte) = match self.order {
            ByteOrder::Little => ([0x80, 0xff], 0),
            ByteOrder::Big => ([0xff, 0x80], 1),
        };
        let ascii_mask = u128::from_le_bytes(std::array::from_fn(|i| unit_mask[i % 2]));
        // A high surrogate last, before the input ends, waits for its pair in the next read.
        let waits = !self.ended
            && units > k
            && matches!(
                self.order
                    .unit([self.pending[2 * units - 2], self.pending[2 * units - 1]]),
                0xd800..=0xdbff
            );
        let decodable = units - usize::from(waits);
        while k < decodable {
            // Eight ASCII characters at once (most of an export): one test, then their low bytes.
            if let Some(block) = self.pending.get(2 * k..2 * k + 16)
                && let Ok(block) = <[u8; 16]>::try_from(block)
                && u128::from_le_bytes(block) & ascii_mask == 0
            {
                self.out.extend((0..8).map(|j| block[2 * j + low_byte]));
                k += 8;
                continue;
            }
            // One character (two units for a surrogate pair), or a unit that is none.
            let order = self.order;
            let pending = &self.pending;
            let units_left = (k..decodable).map(|i| order.unit([pending[2 * i], pending[2 * i + 1]]));
            match char::decode_utf16(units_left).next() {
                Some(Ok(c)) => {
                    let mut utf8 = [0u8; 4];
                    self.out.extend_from_slice(c.encode_utf8(&mut utf8).as_bytes());
                    k += c.len_utf16();
                }
                Some(Err(_)) => {
                    self.out.push(NOT_UTF8);
                    k += 1;
                }
                None => break,
            }
        }
        self.pending.drain(..2 * k);
        if self.ended && !self.pending.is_empty() {
            // An odd last byte.
            self.pending.clear();
            self.out.push(NOT_UTF8);
        }
    }
}

impl<R: Read> Read for Utf16Decoder<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if self.out_at < self.out.len() {
                let n = buf.len().min(self.out.len() - self.out_at);
                buf[..n].copy_from_slice(&self.out[self.out_at..self.out_at + n]);
                self.out_at += n;
                return Ok(n);
            }
            if self.ended {
                return Ok(0);
            }
            let have = self.pending.len();
            self.pending.resize(have + READ_BYTES, 0);
            let read = self.inner.read(&mut self.pending[have..]);
            let n = match read {
                Ok(n) => n,
                Err(e) => {
                    self.pending.truncate(have);
                    return Err(e);
                }
            };
            self.pending.truncate(have + n);
            if n == 0 {
                self.ended = true;
            }
            self.convert();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(text: &str, order: ByteOrder) -> Vec<u8> {
        std::iter::once(0xfeff)
            .chain(text.encode_utf16())
            .flat_map(|u| match order {
                ByteOrder::Little => u.to_le_bytes(),
                ByteOrder::Big => u.to_be_bytes(),
            })
            .collect()
    }

    /// Hands out at most `n` bytes per read, to cut code units and surrogate pairs anywhere.
    struct Trickle<'a>(&'a [u8], usize);
    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.0.len().min(buf.len()).min(self.1);
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    fn decode(bytes: &[u8], order: ByteOrder, step: usize) -> Vec<u8> {
        let mut out = Vec::new();
        Utf16Decoder::new(Trickle(bytes, step), order)
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    #[test]
    fn text_comes_out_as_utf8_whatever_the_reads() {
        let text =
            "{\"actor\":{\"alternateId\":\"zoë@example.com\"},\"app\":\"Slack 💬\"}\r\nLine two, ñ 日本\n";
        for order in [ByteOrder::Little, ByteOrder::Big] {
            let bytes = encode(text, order);
            assert_eq!(ByteOrder::sniff(&bytes), Some(order));
            for step in [1, 2, 3, 5, 7, 64, 1 << 20] {
                assert_eq!(
                    decode(&bytes, order, step),
                    text.as_bytes(),
                    "{order:?} step {step}"
                );
            }
        }
    }

    #[test]
    fn non_ascii_characters_anywhere_among_ascii_runs_come_out_whole() {
        // Runs of ASCII of every length, broken by characters of two, three and four UTF-8 bytes.
        let mut text = String::new();
        for (k, c) in ['é', '日', '💬', 'ß'].iter().cycle().take(200).enumerate() {
            text.push_str(&"x".repeat(k % 19));
            text.push(*c);
        }
        for order in [ByteOrder::Little, ByteOrder::Big] {
            for step in [1, 3, 16, 4096] {
                assert_eq!(
                    decode(&encode(&text, order), order, step),
                    text.as_bytes(),
                    "{order:?} {step}"
                );
            }
        }
    }

    #[test]
    fn what_is_no_character_becomes_a_byte_utf8_never_holds() {
        // A lone high surrogate, a lone low surrogate, and an odd last byte, in little-endian.
        let mut bytes = vec![0xff, 0xfe];
        for unit in [u16::from(b'a'), 0xd800, u16::from(b'b'), 0xdc00, u16::from(b'c')] {
            bytes.extend_from_slice(&unit.to_le_bytes());
        }
        bytes.push(b'd');
        for step in [1, 2, 3, 100] {
            assert_eq!(
                decode(&bytes, ByteOrder::Little, step),
                b"a\xffb\xffc\xff",
                "step {step}"
            );
        }
        // A high surrogate at the very end.
        let mut bytes = vec![0xff, 0xfe];
        bytes.extend_from_slice(&0xd83du16.to_le_bytes());
        assert_eq!(decode(&bytes, ByteOrder::Little, 1), b"\xff");
    }

    #[test]
    fn only_a_utf16_mark_is_sniffed() {
        assert_eq!(ByteOrder::sniff(b"\xff\xfe\0\0"), None);
        assert_eq!(ByteOrder::sniff(b"\xef\xbb\xbf{"), None);
        assert_eq!(ByteOrder::sniff(b"{\"a\":1}"), None);
        assert_eq!(ByteOrder::sniff(b"\xff"), None);
        assert_eq!(ByteOrder::sniff(b"\xff\xfe"), Some(ByteOrder::Little));
    }
}
