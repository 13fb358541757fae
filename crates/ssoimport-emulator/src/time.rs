//! Wall-clock milliseconds that never go backwards, and the timestamp shapes the API reads and writes.

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use ssoimport_schema::time::days_from_civil;

/// Milliseconds since the Unix epoch, taken from the system clock once and advanced by a monotonic clock.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Clock {
    origin_ms: i64,
    origin: Instant,
}

impl Clock {
    /// A clock anchored at the current wall-clock time.
    pub(crate) fn new() -> Self {
        let origin_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
            .unwrap_or(0);
        Clock {
            origin_ms,
            origin: Instant::now(),
        }
    }

    /// Now, in milliseconds since the epoch.
    pub(crate) fn now_ms(&self) -> i64 {
        self.origin_ms + i64::try_from(self.origin.elapsed().as_millis()).unwrap_or(i64::MAX / 2)
    }
}

/// `millis` as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
pub(crate) fn iso(millis: i64) -> String {
    ssoimport_schema::time::iso_millis(millis)
}

fn digits(bytes: &[u8]) -> Option<u32> {
    if bytes.is_empty() || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(bytes.iter().fold(0u32, |acc, b| acc * 10 + u32::from(b - b'0')))
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Parses an RFC 3339 timestamp (any number of fractional digits, `Z` or a `±HH:MM` offset) into milliseconds
/// since the epoch. Fractions beyond milliseconds are truncated.
pub(crate) fn parse_rfc3339(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't') || b[13] != b':' {
        return None;
    }
    if b[16] != b':' {
        return None;
    }
    let year = i64::from(digits(&b[0..4])?);
    let month = digits(&b[5..7])?;
    let day = digits(&b[8..10])?;
    let (hour, minute, second) = (digits(&b[11..13])?, digits(&b[14..16])?, digits(&b[17..19])?);
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut rest = &b[19..];
    let mut millis = 0i64;
    if let Some(frac) = rest.strip_prefix(b".") {
        let len = frac.iter().take_while(|c| c.is_ascii_digit()).count();
        if len == 0 {
            return None;
        }
        for (i, c) in frac[..len].iter().take(3).enumerate() {
            millis += i64::from(c - b'0') * [100, 10, 1][i];
        }
        rest = &frac[len..];
    }
    let offset_minutes = match rest {
        b"Z" | b"z" => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let minutes = i64::from(digits(&[*h1, *h2])?) * 60 + i64::from(digits(&[*m1, *m2])?);
            if *sign == b'+' { minutes } else { -minutes }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + i64::from(hour) * 3600 + i64::from(minute) * 60 + i64::from(second);
    Some((seconds - offset_minutes * 60) * 1000 + millis)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_spec_examples_and_offsets() {
        assert_eq!(parse_rfc3339("2020-03-05T15:56:53.889Z"), Some(1_583_423_813_889));
        assert_eq!(
            parse_rfc3339("2018-05-16T16:31:52.1000Z"),
            parse_rfc3339("2018-05-16T16:31:52.100Z")
        );
        assert_eq!(
            parse_rfc3339("2020-03-05T16:56:53.889+01:00"),
            Some(1_583_423_813_889)
        );
        assert_eq!(parse_rfc3339("2020-03-05T15:56:53Z"), Some(1_583_423_813_000));
        assert_eq!(parse_rfc3339("2020-02-30T15:56:53Z"), None);
        assert_eq!(parse_rfc3339("2020-03-05 15:56:53Z"), None);
        assert_eq!(parse_rfc3339("2020-03-05T15:56:53."), None);
    }

    #[test]
    fn recognises_only_the_millisecond_shape() {
        assert_eq!(iso(1_583_423_813_889), "2020-03-05T15:56:53.889Z");
    }

    #[test]
    fn the_clock_moves_forward() {
        let clock = Clock::new();
        let a = clock.now_ms();
        assert!(a > 1_500_000_000_000);
        assert!(clock.now_ms() >= a);
    }
}
