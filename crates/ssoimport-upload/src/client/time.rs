//! Wall-clock timestamps as the API writes them, and the HTTP dates of `retry-after`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ssoimport_schema::time::{days_from_civil, iso_millis};

/// Milliseconds since the Unix epoch (0 before it).
pub(crate) fn millis(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// `t` as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
pub(crate) fn iso(t: SystemTime) -> String {
    iso_millis(millis(t))
}

/// Parses `YYYY-MM-DDTHH:MM:SS[.fff]Z` (what the journal writes) into milliseconds since the epoch.
pub(crate) fn parse_iso(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let s = text.get(r)?;
        if s.bytes().all(|c| c.is_ascii_digit()) {
            s.parse().ok()
        } else {
            None
        }
    };
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let rest = text.get(19..)?;
    let rest = rest.strip_suffix('Z')?;
    let ms = match rest.strip_prefix('.') {
        None if rest.is_empty() => 0,
        Some(frac) if !frac.is_empty() && frac.bytes().all(|c| c.is_ascii_digit()) => {
            let mut digits: String = frac.chars().take(3).collect();
            while digits.len() < 3 {
                digits.push('0');
            }
            digits.parse().ok()?
        }
        _ => return None,
    };
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let days = days_from_civil(year, u32::try_from(month).ok()?, u32::try_from(day).ok()?);
    Some(((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + ms)
}

/// Parses an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), the HTTP date form of `retry-after`.
pub(crate) fn parse_http_date(text: &str) -> Option<SystemTime> {
    let mut words = text.split_whitespace();
    let _weekday = words.next()?.strip_suffix(',')?;
    let day: u32 = words.next()?.parse().ok()?;
    let month = match words.next()? {
        "Jan" => 1,
        "Feb" => 2,
        "Mar" => 3,
        "Apr" => 4,
        "May" => 5,
        "Jun" => 6,
        "Jul" => 7,
        "Aug" => 8,
        "Sep" => 9,
        "Oct" => 10,
        "Nov" => 11,
        "Dec" => 12,
        _ => return None,
    };
    let year: i64 = words.next()?.parse().ok()?;
    let mut clock = words.next()?.split(':');
    let hour: u64 = clock.next()?.parse().ok()?;
    let minute: u64 = clock.next()?.parse().ok()?;
    let second: u64 = clock.next()?.parse().ok()?;
    if words.next()? != "GMT" || words.next().is_some() || clock.next().is_some() {
        return None;
    }
    if !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let days = u64::try_from(days_from_civil(year, month, day)).ok()?;
    let secs = days * 86_400 + hour * 3600 + minute * 60 + second;
    UNIX_EPOCH.checked_add(Duration::from_secs(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_round_trips() {
        let t = UNIX_EPOCH + Duration::from_millis(1_709_284_530_123);
        assert_eq!(iso(t), "2024-03-01T09:15:30.123Z");
        assert_eq!(parse_iso("2024-03-01T09:15:30.123Z"), Some(1_709_284_530_123));
        assert_eq!(parse_iso("2024-03-01T09:15:30Z"), Some(1_709_284_530_000));
        assert_eq!(parse_iso("2024-03-01T09:15:30.1Z"), Some(1_709_284_530_100));
        assert_eq!(parse_iso("2024-03-01 09:15:30Z"), None);
        assert_eq!(parse_iso("2024-13-01T09:15:30Z"), None);
    }

    #[test]
    fn http_dates() {
        let t = parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        assert_eq!(millis(t), 784_111_777_000);
        assert_eq!(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), None);
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 PST"), None);
        assert_eq!(parse_http_date("soon"), None);
    }
}
