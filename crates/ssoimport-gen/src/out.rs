//! Appending text to the output buffer without allocating: numbers, ids and timestamps in the shapes exports use.
//! All strings appended with [`Out::s`] are trusted to need no escaping (the tables are checked by a test).

use crate::rng::{Rng, mix};

const B62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const HEX: &[u8; 16] = b"0123456789abcdef";
const NS_PER_SEC: i64 = 1_000_000_000;

/// The output buffer of a generator.
#[derive(Debug, Default)]
pub(crate) struct Out {
    pub(crate) buf: Vec<u8>,
}

impl Out {
    /// Appends text.
    #[inline]
    pub(crate) fn s(&mut self, s: &str) {
        self.buf.extend_from_slice(s.as_bytes());
    }

    /// Appends one byte.
    #[inline]
    pub(crate) fn c(&mut self, c: u8) {
        self.buf.push(c);
    }

    /// Appends `"text"` (a JSON string whose text needs no escaping).
    #[inline]
    pub(crate) fn q(&mut self, s: &str) {
        self.buf.push(b'"');
        self.buf.extend_from_slice(s.as_bytes());
        self.buf.push(b'"');
    }

    /// Appends a number in decimal.
    pub(crate) fn u(&mut self, mut n: u64) {
        let mut tmp = [0u8; 20];
        let mut i = tmp.len();
        loop {
            i -= 1;
            tmp[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        self.buf.extend_from_slice(&tmp[i..]);
    }

    /// Appends a signed number in decimal.
    pub(crate) fn i(&mut self, n: i64) {
        if n < 0 {
            self.buf.push(b'-');
        }
        self.u(n.unsigned_abs());
    }

    /// Appends `n` with at least `width` digits, zero-padded.
    pub(crate) fn pad(&mut self, n: u64, width: usize) {
        let mut tmp = [b'0'; 20];
        let mut i = tmp.len();
        let mut v = n;
        while v > 0 {
            i -= 1;
            tmp[i] = b'0' + (v % 10) as u8;
            v /= 10;
        }
        let start = i.min(tmp.len() - width.min(20));
        self.buf.extend_from_slice(&tmp[start..]);
    }

    /// Appends `len` random base-62 characters (Okta ids, session ids).
    pub(crate) fn base62(&mut self, rng: &mut Rng, len: usize) {
        let mut x = 0u64;
        for k in 0..len {
            if k % 10 == 0 {
                x = rng.next_u64();
            }
            let p = u128::from(x) * 62;
            self.buf.push(B62[(p >> 64) as usize]);
            x = p as u64;
        }
    }

    /// Appends `len` base-62 characters derived from `h` (the same `h` gives the same characters).
    pub(crate) fn base62_of(&mut self, h: u64, len: usize) {
        let mut x = 0u64;
        for k in 0..len {
            if k % 10 == 0 {
                x = mix(h, k as u64);
            }
            let p = u128::from(x) * 62;
            self.buf.push(B62[(p >> 64) as usize]);
            x = p as u64;
        }
    }

    /// Appends the 16 lower-case hex digits of `x`, or its last `digits` of them.
    pub(crate) fn hex(&mut self, x: u64, digits: usize) {
        for k in (0..digits.min(16)).rev() {
            self.buf.push(HEX[((x >> (k * 4)) & 0xf) as usize]);
        }
    }

    /// Appends a version-4 GUID made of `a` and `b`.
    pub(crate) fn guid(&mut self, a: u64, b: u64) {
        let a = (a & 0xffff_ffff_ffff_0fff) | 0x0000_0000_0000_4000;
        let b = (b & 0x3fff_ffff_ffff_ffff) | 0x8000_0000_0000_0000;
        self.hex(a >> 32, 8);
        self.c(b'-');
        self.hex(a >> 16, 4);
        self.c(b'-');
        self.hex(a, 4);
        self.c(b'-');
        self.hex(b >> 48, 4);
        self.c(b'-');
        self.hex(b, 12);
    }

    /// Appends a random GUID.
    pub(crate) fn guid_rand(&mut self, rng: &mut Rng) {
        let (a, b) = (rng.next_u64(), rng.next_u64());
        self.guid(a, b);
    }

    /// Appends `YYYY-MM-DD` and `sep` and `HH:MM:SS` of the UTC time `secs` (seconds since the epoch).
    fn date_time(&mut self, secs: i64, sep: u8) {
        let (y, m, d) = civil(secs.div_euclid(86_400));
        let t = secs.rem_euclid(86_400) as u64;
        self.pad(y as u64, 4);
        self.c(b'-');
        self.pad(u64::from(m), 2);
        self.c(b'-');
        self.pad(u64::from(d), 2);
        self.c(sep);
        self.pad(t / 3600, 2);
        self.c(b':');
        self.pad(t / 60 % 60, 2);
        self.c(b':');
        self.pad(t % 60, 2);
    }

    /// Appends an ISO-8601 timestamp of `ns` (nanoseconds since the epoch, UTC) with `digits` fractional digits
    /// (0 to 9), written as local time at `offset_minutes` east of UTC with its offset, or with `Z` when 0.
    pub(crate) fn iso(&mut self, ns: i64, digits: u32, offset_minutes: i32) {
        let local = ns + i64::from(offset_minutes) * 60 * NS_PER_SEC;
        self.date_time(local.div_euclid(NS_PER_SEC), b'T');
        if digits > 0 {
            self.c(b'.');
            let frac = local.rem_euclid(NS_PER_SEC) as u64 / 10u64.pow(9 - digits.min(9));
            self.pad(frac, digits as usize);
        }
        if offset_minutes == 0 {
            self.c(b'Z');
        } else {
            self.c(if offset_minutes < 0 { b'-' } else { b'+' });
            let m = offset_minutes.unsigned_abs();
            self.pad(u64::from(m / 60), 2);
            self.c(b':');
            self.pad(u64::from(m % 60), 2);
        }
    }

    /// Appends `YYYY-MM-DD HH:MM:SS` (UTC, no zone: how databases and scripts write it).
    pub(crate) fn space_time(&mut self, ns: i64) {
        self.date_time(ns.div_euclid(NS_PER_SEC), b' ');
    }

    /// Appends `M/D/YYYY h:mm:ss AM` (UTC, US order: how Excel and US portals write it).
    pub(crate) fn us_time(&mut self, ns: i64) {
        let secs = ns.div_euclid(NS_PER_SEC);
        let (y, m, d) = civil(secs.div_euclid(86_400));
        let t = secs.rem_euclid(86_400) as u64;
        self.u(u64::from(m));
        self.c(b'/');
        self.u(u64::from(d));
        self.c(b'/');
        self.u(y as u64);
        self.c(b' ');
        let h = t / 3600;
        self.u(if h.is_multiple_of(12) { 12 } else { h % 12 });
        self.c(b':');
        self.pad(t / 60 % 60, 2);
        self.c(b':');
        self.pad(t % 60, 2);
        self.s(if h < 12 { " AM" } else { " PM" });
    }
}

/// The civil date (year, month, day) of a day number since 1970-01-01 (Howard Hinnant's algorithm).
pub(crate) fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Days since 1970-01-01 of a civil date (the inverse of [`civil`]).
#[cfg(test)]
pub(crate) fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(f: impl FnOnce(&mut Out)) -> String {
        let mut out = Out::default();
        f(&mut out);
        String::from_utf8(out.buf).expect("ascii")
    }

    #[test]
    fn numbers() {
        assert_eq!(text(|o| o.u(0)), "0");
        assert_eq!(text(|o| o.u(u64::MAX)), u64::MAX.to_string());
        assert_eq!(text(|o| o.i(-42)), "-42");
        assert_eq!(text(|o| o.pad(7, 3)), "007");
        assert_eq!(text(|o| o.pad(12345, 3)), "12345");
        assert_eq!(text(|o| o.pad(0, 2)), "00");
        assert_eq!(text(|o| o.hex(0xabc, 4)), "0abc");
    }

    #[test]
    fn timestamps() {
        // 2020-03-05T15:56:53.889123456Z
        let ns = 1_583_423_813_889_123_456;
        assert_eq!(text(|o| o.iso(ns, 3, 0)), "2020-03-05T15:56:53.889Z");
        assert_eq!(text(|o| o.iso(ns, 7, 0)), "2020-03-05T15:56:53.8891234Z");
        assert_eq!(text(|o| o.iso(ns, 0, -300)), "2020-03-05T10:56:53-05:00");
        assert_eq!(text(|o| o.iso(ns, 2, 330)), "2020-03-05T21:26:53.88+05:30");
        assert_eq!(text(|o| o.space_time(ns)), "2020-03-05 15:56:53");
        assert_eq!(text(|o| o.us_time(ns)), "3/5/2020 3:56:53 PM");
        assert_eq!(
            text(|o| o.us_time(1_583_366_400 * NS_PER_SEC)),
            "3/5/2020 12:00:00 AM"
        );
        assert_eq!(days_from_civil(2020, 3, 5), 1_583_366_400 / 86_400);
        for days in [-1000, 0, 59, 60, 18_000, 20_089, 40_000] {
            let (y, m, d) = civil(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }

    #[test]
    fn ids() {
        let g = text(|o| o.guid(u64::MAX, 0));
        assert_eq!(g, "ffffffff-ffff-4fff-8000-000000000000");
        let a = text(|o| o.base62_of(9, 17));
        assert_eq!(a.len(), 17);
        assert_eq!(a, text(|o| o.base62_of(9, 17)));
        assert!(a.bytes().all(|b| b.is_ascii_alphanumeric()));
    }
}
