//! Reading the date-time shapes SSO exports write into milliseconds since the epoch, UTC.
//!
//! This runs once per timestamp of every record, so it works on bytes with a cursor: no allocation, no regex.

use ssoimport_schema::text::trim;
use ssoimport_schema::time::{days_from_civil, iso_millis_fields};

const MS_PER_MINUTE: i64 = 60_000;
const MS_PER_DAY: i64 = 86_400_000;

/// How slashed dates are read (`3/5/2024`).
///
/// A date that can only be read the other way (`31/1/2024` when the month comes first) is not a date of this
/// order, and is not read: were it read the only way it can be, an export that writes the day first would have
/// `31/1/2024` read as 31 January and `5/2/2024` as 2 May, silently. Such dates are rejected, and
/// [`other_slash_order_reads`] tells the reject's detail to say which setting would read them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SlashDateOrder {
    /// `3/5/2024` is March 5: US portals and Excel in US locales.
    #[default]
    MonthFirst,
    /// `3/5/2024` is 5 March: Excel in most other locales.
    DayFirst,
}

impl SlashDateOrder {
    /// The other order.
    pub fn other(self) -> SlashDateOrder {
        match self {
            SlashDateOrder::MonthFirst => SlashDateOrder::DayFirst,
            SlashDateOrder::DayFirst => SlashDateOrder::MonthFirst,
        }
    }
}

/// Whether `text`, unreadable with `order`, is a slashed date that the other order reads (`31/1/2024` with the
/// month first): the export most likely writes its dates the other way.
pub fn other_slash_order_reads(text: &str, order: SlashDateOrder) -> bool {
    parse_timestamp(text, order).is_none() && parse_timestamp(text, order.other()).is_some()
}

/// Reads a timestamp as milliseconds since the epoch, UTC; digits below the millisecond are truncated.
///
/// Accepted, after trimming surrounding whitespace:
///
/// - ISO-8601 / RFC 3339: `2024-03-05T15:56:53.889Z`, with `T`, `t` or a space before the time, 0 to 9
///   fractional digits, seconds optional, and a zone of `Z`, `+HH:MM`, `+HHMM`, `+HH`, ` UTC`, ` GMT` or none
///   (UTC). `2024/03/05 15:56` too. A date alone (`2024-03-05`) is midnight UTC.
/// - Epoch numbers, unit told by the count of integer digits: up to 11 seconds (a `.fraction` allowed),
///   12 to 14 milliseconds, 15 to 17 microseconds, 18 or 19 nanoseconds.
/// - Slashed dates as Excel and US portals write them: `3/5/2024 3:56:53 PM`, `3/5/2024, 3:56:53.889 PM`,
///   `3/5/2024 15:56`, `3/5/2024`, `3/5/24` (years `00`–`29` are 20xx, `30`–`99` 19xx, as Excel reads them).
///   `order` decides between month and day when both could be either.
/// - RFC 2822: `Tue, 05 Mar 2024 15:56:53 GMT`, `05 Mar 2024 15:56:53 +0000`, and the US zone names.
///
/// Anything else is `None`: impossible dates or times (February 30, month 13, hour 25), trailing text, an empty
/// string.
///
/// ```
/// use ssoimport_normalize::{SlashDateOrder, parse_timestamp};
///
/// let ms = parse_timestamp("2020-03-05T15:56:53.889Z", SlashDateOrder::MonthFirst);
/// assert_eq!(ms, Some(1_583_423_813_889));
/// assert_eq!(parse_timestamp("3/5/2020 3:56:53.889 PM", SlashDateOrder::MonthFirst), ms);
/// assert_eq!(parse_timestamp("1583423813889", SlashDateOrder::MonthFirst), ms);
/// assert_eq!(parse_timestamp("2020-02-30", SlashDateOrder::MonthFirst), None);
/// ```
pub fn parse_timestamp(text: &str, order: SlashDateOrder) -> Option<i64> {
    let bytes = trim(text).as_bytes();
    if let Some(millis) = canonical(bytes) {
        return Some(millis);
    }
    let first = *bytes.first()?;
    if first.is_ascii_digit() {
        let digits = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
        match bytes.get(digits) {
            None | Some(b'.') => epoch(bytes, digits),
            Some(b'-' | b'/') if digits == 4 => year_first(bytes),
            Some(b'/') if digits <= 2 => slashed(bytes, order),
            Some(b' ') if digits <= 2 => rfc2822(bytes),
            _ => None,
        }
    } else if first.is_ascii_alphabetic() {
        rfc2822(bytes)
    } else {
        None
    }
}

/// The contract's own shape, `YYYY-MM-DDTHH:MM:SS.mmmZ`, which Okta and most exports write, read at its fixed
/// places; `None` for any other text and for a date or time that does not exist (the general reading then has
/// its say, and agrees).
fn canonical(bytes: &[u8]) -> Option<i64> {
    let [year, month, day, hour, minute, second, millis] = iso_millis_fields(bytes)?;
    let time = Clock {
        hour,
        minute,
        second,
        millis,
    };
    instant(i64::from(year), month, day, time, 0)
}

/// A byte cursor over the trimmed text.
struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Cursor { bytes, pos: 0 }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn done(&self) -> bool {
        self.pos == self.bytes.len()
    }

    fn eat(&mut self, byte: u8) -> bool {
        let hit = self.peek() == Some(byte);
        self.pos += usize::from(hit);
        hit
    }

    /// Eats `word` (upper-case ASCII) in any case.
    fn eat_word(&mut self, word: &[u8]) -> bool {
        let hit = self.bytes.len() - self.pos >= word.len()
            && self.bytes[self.pos..self.pos + word.len()].eq_ignore_ascii_case(word);
        if hit {
            self.pos += word.len();
        }
        hit
    }

    fn skip_spaces(&mut self) -> usize {
        let start = self.pos;
        while self.peek() == Some(b' ') {
            self.pos += 1;
        }
        self.pos - start
    }

    /// A number of `min..=max` digits; `None` if fewer, or if more digits follow (`2024-003-05`).
    fn number(&mut self, min: usize, max: usize) -> Option<u32> {
        let (value, count) = self.digits(max);
        (count >= min && !self.peek().is_some_and(|b| b.is_ascii_digit())).then_some(value)
    }

    /// Up to `max` digits (at most 9, so the value fits), with how many there were.
    fn digits(&mut self, max: usize) -> (u32, usize) {
        let mut value = 0u32;
        let mut count = 0;
        while count < max {
            match self.peek() {
                Some(b @ b'0'..=b'9') => {
                    value = value * 10 + u32::from(b - b'0');
                    self.pos += 1;
                    count += 1;
                }
                _ => break,
            }
        }
        (value, count)
    }

    /// Fractional digits after the `.` already eaten: 1 to 9, as milliseconds (the rest truncated).
    fn fraction_millis(&mut self) -> Option<u32> {
        let (value, count) = self.digits(9);
        if count == 0 || self.peek().is_some_and(|b| b.is_ascii_digit()) {
            return None;
        }
        Some(if count >= 3 {
            value / 10u32.pow(count as u32 - 3)
        } else {
            value * 10u32.pow(3 - count as u32)
        })
    }
}

/// A time of day as written; checked in [`instant`].
#[derive(Clone, Copy)]
struct Clock {
    hour: u32,
    minute: u32,
    second: u32,
    millis: u32,
}

impl Clock {
    const MIDNIGHT: Clock = Clock {
        hour: 0,
        minute: 0,
        second: 0,
        millis: 0,
    };
}

/// `H:MM`, `H:MM:SS` or `H:MM:SS.fffffffff` (hour of one or two digits).
fn clock(cur: &mut Cursor) -> Option<Clock> {
    let hour = cur.number(1, 2)?;
    if !cur.eat(b':') {
        return None;
    }
    let minute = cur.number(2, 2)?;
    let mut time = Clock {
        hour,
        minute,
        ..Clock::MIDNIGHT
    };
    if cur.eat(b':') {
        time.second = cur.number(2, 2)?;
        if cur.eat(b'.') {
            time.millis = cur.fraction_millis()?;
        }
    }
    Some(time)
}

/// The zone suffix up to the end of the text, as an offset in minutes east of UTC: none, `Z`, `+HH:MM`,
/// `+HHMM`, `+HH`, `UTC` or `GMT`, after at most one space.
fn zone(cur: &mut Cursor) -> Option<i32> {
    if cur.done() {
        return Some(0);
    }
    cur.eat(b' ');
    let offset = match cur.peek()? {
        b'Z' | b'z' => {
            cur.pos += 1;
            0
        }
        sign @ (b'+' | b'-') => {
            cur.pos += 1;
            // Two digits exactly, as `+HHMM` runs the minutes on.
            let (hours, count) = cur.digits(2);
            if count != 2 {
                return None;
            }
            let minutes = if cur.eat(b':') {
                cur.number(2, 2)?
            } else if cur.done() {
                0
            } else {
                cur.number(2, 2)?
            };
            if hours > 23 || minutes > 59 {
                return None;
            }
            let minutes = (hours * 60 + minutes) as i32;
            if sign == b'-' { -minutes } else { minutes }
        }
        _ if cur.eat_word(b"UTC") || cur.eat_word(b"GMT") => 0,
        _ => return None,
    };
    cur.done().then_some(offset)
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// The checked instant of a civil date and time at `offset` minutes east of UTC.
fn instant(year: i64, month: u32, day: u32, time: Clock, offset: i32) -> Option<i64> {
    let valid = (1..=12).contains(&month)
        && (1..=days_in_month(year, month)).contains(&day)
        && time.hour <= 23
        && time.minute <= 59
        && time.second <= 59;
    if !valid {
        return None;
    }
    let in_day = i64::from(time.hour) * 3_600_000
        + i64::from(time.minute) * MS_PER_MINUTE
        + i64::from(time.second) * 1000
        + i64::from(time.millis);
    Some(days_from_civil(year, month, day) * MS_PER_DAY + in_day - i64::from(offset) * MS_PER_MINUTE)
}

/// All digits, maybe with a fraction: the unit follows from the count of integer digits.
fn epoch(bytes: &[u8], int_digits: usize) -> Option<i64> {
    if int_digits > 19 {
        return None;
    }
    // 19 digits stay below u64::MAX (1.8e19), so this cannot overflow.
    let whole = bytes[..int_digits]
        .iter()
        .fold(0u64, |acc, b| acc * 10 + u64::from(b - b'0'));
    let mut cur = Cursor {
        bytes,
        pos: int_digits,
    };
    let frac_millis = if cur.eat(b'.') { cur.fraction_millis()? } else { 0 };
    if !cur.done() {
        return None;
    }
    let millis = match int_digits {
        0..=11 => whole * 1000 + u64::from(frac_millis),
        12..=14 => whole,
        15..=17 => whole / 1000,
        _ => whole / 1_000_000,
    };
    i64::try_from(millis).ok()
}

/// `YYYY-MM-DD` or `YYYY/MM/DD`, alone or with a time and zone.
fn year_first(bytes: &[u8]) -> Option<i64> {
    let mut cur = Cursor::new(bytes);
    let year = cur.number(4, 4)?;
    let sep = cur.peek()?;
    cur.pos += 1;
    let month = cur.number(1, 2)?;
    if !cur.eat(sep) {
        return None;
    }
    let day = cur.number(1, 2)?;
    if cur.done() {
        return instant(i64::from(year), month, day, Clock::MIDNIGHT, 0);
    }
    if !matches!(cur.peek(), Some(b'T' | b't' | b' ')) {
        return None;
    }
    cur.pos += 1;
    let time = clock(&mut cur)?;
    let offset = zone(&mut cur)?;
    instant(i64::from(year), month, day, time, offset)
}

/// `M/D/YYYY` (or `D/M/YYYY`), 2- or 4-digit year, alone or with a 12- or 24-hour time.
fn slashed(bytes: &[u8], order: SlashDateOrder) -> Option<i64> {
    let mut cur = Cursor::new(bytes);
    let a = cur.number(1, 2)?;
    if !cur.eat(b'/') {
        return None;
    }
    let b = cur.number(1, 2)?;
    if !cur.eat(b'/') {
        return None;
    }
    let year_start = cur.pos;
    let year = cur.number(2, 4)?;
    let year = match cur.pos - year_start {
        2 if year < 30 => 2000 + year,
        2 => 1900 + year,
        4 => year,
        _ => return None,
    };
    let (month, day) = match (a > 12, b > 12, order) {
        (false, _, SlashDateOrder::MonthFirst) => (a, b),
        (_, false, SlashDateOrder::DayFirst) => (b, a),
        // A month above 12: this date is not in this order (or in none).
        _ => return None,
    };
    let year = i64::from(year);
    if cur.done() {
        return instant(year, month, day, Clock::MIDNIGHT, 0);
    }
    let comma = cur.eat(b',');
    if cur.skip_spaces() == 0 && !comma {
        return None;
    }
    let mut time = clock(&mut cur)?;
    let before = cur.pos;
    cur.eat(b' ');
    let pm = if cur.eat_word(b"AM") {
        Some(false)
    } else if cur.eat_word(b"PM") {
        Some(true)
    } else {
        cur.pos = before;
        None
    };
    if let Some(pm) = pm {
        if !(1..=12).contains(&time.hour) {
            return None;
        }
        time.hour = time.hour % 12 + if pm { 12 } else { 0 };
    }
    let offset = zone(&mut cur)?;
    instant(year, month, day, time, offset)
}

/// `[Tue, ]05 Mar 2024 15:56:53 GMT` (zone `+0000`, `UT`, `UTC`, `GMT`, `Z`, US names, or none for UTC).
fn rfc2822(bytes: &[u8]) -> Option<i64> {
    const WEEKDAYS: [&[u8]; 7] = [b"MON", b"TUE", b"WED", b"THU", b"FRI", b"SAT", b"SUN"];
    const MONTHS: [&[u8]; 12] = [
        b"JAN", b"FEB", b"MAR", b"APR", b"MAY", b"JUN", b"JUL", b"AUG", b"SEP", b"OCT", b"NOV", b"DEC",
    ];
    let mut cur = Cursor::new(bytes);
    if WEEKDAYS.iter().any(|w| cur.eat_word(w)) {
        cur.eat(b',');
        cur.skip_spaces();
    }
    let day = cur.number(1, 2)?;
    if cur.skip_spaces() == 0 {
        return None;
    }
    let month = MONTHS.iter().position(|m| cur.eat_word(m))? as u32 + 1;
    if cur.skip_spaces() == 0 {
        return None;
    }
    let year = cur.number(4, 4)?;
    if cur.skip_spaces() == 0 {
        return None;
    }
    let time = clock(&mut cur)?;
    let offset = us_zone(&mut cur).map_or_else(|| zone(&mut cur), Some)?;
    instant(i64::from(year), month, day, time, offset)
}

/// The obsolete RFC 2822 zone names (and `UT`), which only that shape uses.
fn us_zone(cur: &mut Cursor) -> Option<i32> {
    const ZONES: [(&[u8], i32); 9] = [
        (b" UT", 0),
        (b" EST", -5),
        (b" EDT", -4),
        (b" CST", -6),
        (b" CDT", -5),
        (b" MST", -7),
        (b" MDT", -6),
        (b" PST", -8),
        (b" PDT", -7),
    ];
    let rest = &cur.bytes[cur.pos..];
    ZONES
        .iter()
        .find(|(name, _)| rest.eq_ignore_ascii_case(name))
        .map(|&(name, hours)| {
            cur.pos += name.len();
            hours * 60
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ssoimport_schema::time::{iso_millis, write_iso_millis};

    const US: SlashDateOrder = SlashDateOrder::MonthFirst;
    const EU: SlashDateOrder = SlashDateOrder::DayFirst;

    fn ts(text: &str) -> Option<i64> {
        parse_timestamp(text, US)
    }

    /// Milliseconds of a UTC civil date-time, for expectations.
    fn utc(y: i64, mo: u32, d: u32, h: i64, mi: i64, s: i64, ms: i64) -> i64 {
        days_from_civil(y, mo, d) * MS_PER_DAY + h * 3_600_000 + mi * 60_000 + s * 1000 + ms
    }

    #[test]
    fn known_instants() {
        assert_eq!(ts("2020-03-05T15:56:53.889Z"), Some(1_583_423_813_889));
        assert_eq!(ts("2024-03-01T10:00:00-05:00"), Some(1_709_305_200_000));
        assert_eq!(ts("2024-03-05"), Some(1_709_596_800_000));
        assert_eq!(ts("1999-12-31 23:59:59"), Some(946_684_799_000));
        assert_eq!(ts("2024-02-29"), Some(1_709_164_800_000));
        assert_eq!(ts("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(ts("1969-12-31T23:59:59.999Z"), Some(-1));
    }

    #[test]
    fn iso_separators_and_zones() {
        let want = Some(utc(2024, 3, 5, 15, 56, 53, 0));
        for text in [
            "2024-03-05T15:56:53Z",
            "2024-03-05t15:56:53z",
            "2024-03-05 15:56:53",
            "2024-03-05T15:56:53",
            "2024-03-05T15:56:53+00:00",
            "2024-03-05T15:56:53-00:00",
            "2024-03-05T15:56:53 UTC",
            "2024-03-05 15:56:53 GMT",
            "2024-03-05T15:56:53utc",
            "2024/03/05 15:56:53",
            "2024/03/05T15:56:53Z",
            "  2024-03-05T15:56:53Z\n",
            "2024-03-05T16:56:53+01:00",
            "2024-03-05T16:56:53+0100",
            "2024-03-05T16:56:53+01",
            "2024-03-05T21:26:53+05:30",
            "2024-03-05T10:56:53-05:00",
            "2024-03-05T10:56:53 -0500",
        ] {
            assert_eq!(ts(text), want, "{text}");
        }
    }

    #[test]
    fn offsets_cross_days() {
        assert_eq!(ts("2024-03-01T22:00:00-05:00"), Some(utc(2024, 3, 2, 3, 0, 0, 0)));
        assert_eq!(
            ts("2024-01-01T01:00:00+02:00"),
            Some(utc(2023, 12, 31, 23, 0, 0, 0))
        );
        assert_eq!(
            ts("2024-03-05T00:00:00+14:00"),
            Some(utc(2024, 3, 4, 10, 0, 0, 0))
        );
    }

    #[test]
    fn seconds_are_optional() {
        assert_eq!(ts("2024-03-05 15:56"), Some(utc(2024, 3, 5, 15, 56, 0, 0)));
        assert_eq!(ts("2024-03-05T15:56Z"), Some(utc(2024, 3, 5, 15, 56, 0, 0)));
        assert_eq!(ts("2024/03/05 15:56"), Some(utc(2024, 3, 5, 15, 56, 0, 0)));
        assert_eq!(ts("2024-03-05T15:56+01:00"), Some(utc(2024, 3, 5, 14, 56, 0, 0)));
    }

    #[test]
    fn fractional_digits_truncate_to_millis() {
        let base = utc(2020, 3, 5, 15, 56, 53, 0);
        assert_eq!(ts("2020-03-05T15:56:53.8Z"), Some(base + 800));
        assert_eq!(ts("2020-03-05T15:56:53.88Z"), Some(base + 880));
        assert_eq!(ts("2020-03-05T15:56:53.889Z"), Some(base + 889));
        assert_eq!(ts("2020-03-05T15:56:53.8899Z"), Some(base + 889));
        assert_eq!(ts("2020-03-05T15:56:53.8899999Z"), Some(base + 889));
        assert_eq!(ts("2020-03-05T15:56:53.889999999Z"), Some(base + 889));
        assert_eq!(ts("2020-03-05T15:56:53.0000001+00:00"), Some(base));
        assert_eq!(ts("2020-03-05 15:56:53.123456789"), Some(base + 123));
        assert_eq!(ts("2020-03-05T15:56:53.1234567890Z"), None, "ten digits");
        assert_eq!(ts("2020-03-05T15:56:53.Z"), None, "a dot with no digits");
    }

    #[test]
    fn epoch_numbers_by_digit_count() {
        let want = 1_583_423_813_889;
        assert_eq!(ts("1583423813"), Some(want - 889));
        assert_eq!(ts("1583423813.889"), Some(want));
        assert_eq!(ts("1583423813.8899"), Some(want));
        assert_eq!(ts("1583423813.8"), Some(want - 89));
        assert_eq!(ts("1583423813889"), Some(want));
        assert_eq!(ts("1583423813889123"), Some(want));
        assert_eq!(ts("1583423813889123456"), Some(want));
        assert_eq!(ts("0"), Some(0));
        assert_eq!(ts("86400"), Some(MS_PER_DAY));
        assert_eq!(
            ts("99999999999"),
            Some(99_999_999_999_000),
            "11 digits are still seconds"
        );
        assert_eq!(
            ts("100000000000"),
            Some(100_000_000_000),
            "12 digits are milliseconds"
        );
        assert_eq!(
            ts("99999999999999"),
            Some(99_999_999_999_999),
            "14 digits are milliseconds"
        );
        assert_eq!(
            ts("100000000000000"),
            Some(100_000_000_000),
            "15 digits are microseconds"
        );
        assert_eq!(
            ts("999999999999999999"),
            Some(999_999_999_999),
            "18 digits are nanoseconds"
        );
        assert_eq!(
            ts("9999999999999999999"),
            Some(9_999_999_999_999),
            "19 digits still fit"
        );
        assert_eq!(ts("10000000000000000000"), None, "20 digits");
        assert_eq!(ts("1583423813."), None);
        assert_eq!(ts("1583423813.88x"), None);
        assert_eq!(ts("1583423813.1.2"), None);
        assert_eq!(ts("-1583423813"), None);
    }

    #[test]
    fn slashed_us_dates() {
        let afternoon = Some(utc(2024, 3, 5, 15, 56, 53, 0));
        assert_eq!(ts("3/5/2024 3:56:53 PM"), afternoon);
        assert_eq!(ts("03/05/2024 03:56:53 PM"), afternoon);
        assert_eq!(ts("3/5/2024 3:56:53 pm"), afternoon);
        assert_eq!(ts("3/5/2024 3:56:53PM"), afternoon);
        assert_eq!(ts("3/5/2024, 3:56:53 PM"), afternoon);
        assert_eq!(ts("3/5/2024,3:56:53 PM"), afternoon);
        assert_eq!(ts("3/5/2024 15:56:53"), afternoon);
        assert_eq!(ts("3/5/2024 3:56:53 PM UTC"), afternoon);
        assert_eq!(ts("3/5/2024 10:56:53 AM -05:00"), afternoon);
        assert_eq!(
            ts("3/5/2024, 3:56:53.889 PM"),
            Some(utc(2024, 3, 5, 15, 56, 53, 889))
        );
        assert_eq!(ts("3/5/2024 15:56"), Some(utc(2024, 3, 5, 15, 56, 0, 0)));
        assert_eq!(ts("3/5/2024 9:05"), Some(utc(2024, 3, 5, 9, 5, 0, 0)));
        assert_eq!(ts("3/5/2024"), Some(utc(2024, 3, 5, 0, 0, 0, 0)));
        assert_eq!(ts("3/5/24"), Some(utc(2024, 3, 5, 0, 0, 0, 0)));
        assert_eq!(ts("3/5/24 3:56 PM"), Some(utc(2024, 3, 5, 15, 56, 0, 0)));
        assert_eq!(ts("12/31/99"), Some(utc(1999, 12, 31, 0, 0, 0, 0)));
        assert_eq!(ts("1/1/00"), Some(utc(2000, 1, 1, 0, 0, 0, 0)));
    }

    #[test]
    fn twelve_hour_clock_edges() {
        assert_eq!(ts("3/5/2024 12:00:00 AM"), Some(utc(2024, 3, 5, 0, 0, 0, 0)));
        assert_eq!(ts("3/5/2024 12:30:00 PM"), Some(utc(2024, 3, 5, 12, 30, 0, 0)));
        assert_eq!(ts("3/5/2024 11:59:59 PM"), Some(utc(2024, 3, 5, 23, 59, 59, 0)));
        assert_eq!(ts("3/5/2024 1:00:00 AM"), Some(utc(2024, 3, 5, 1, 0, 0, 0)));
        assert_eq!(ts("3/5/2024 0:30:00 AM"), None);
        assert_eq!(ts("3/5/2024 13:00:00 PM"), None);
    }

    #[test]
    fn slash_order_setting() {
        assert_eq!(parse_timestamp("3/5/2024", US), Some(utc(2024, 3, 5, 0, 0, 0, 0)));
        assert_eq!(parse_timestamp("3/5/2024", EU), Some(utc(2024, 5, 3, 0, 0, 0, 0)));
        assert_eq!(parse_timestamp("3/5/2024", EU), Some(1_714_694_400_000));
        assert_eq!(
            parse_timestamp("5/3/2024 15:56", EU),
            Some(utc(2024, 3, 5, 15, 56, 0, 0))
        );
        // A date only the other order reads is not read: in a day-first export read month first, 31/12 would be
        // December but 5/2 May, silently.
        let new_year_eve = Some(utc(2024, 12, 31, 0, 0, 0, 0));
        assert_eq!(parse_timestamp("12/31/2024", US), new_year_eve);
        assert_eq!(parse_timestamp("31/12/2024", EU), new_year_eve);
        assert_eq!(parse_timestamp("31/12/2024", US), None);
        assert_eq!(parse_timestamp("12/31/2024", EU), None);
        assert_eq!(
            parse_timestamp("12/31/2024 12:00:00 PM", US),
            Some(1_735_646_400_000)
        );
        assert!(other_slash_order_reads("31/12/2024", US));
        assert!(other_slash_order_reads("12/31/2024 12:00:00 PM", EU));
        for order in [US, EU] {
            assert_eq!(parse_timestamp("13/13/2024", order), None);
            assert!(!other_slash_order_reads("13/13/2024", order));
            assert!(!other_slash_order_reads("soon", order));
            assert!(!other_slash_order_reads("3/5/2024", order));
            assert!(!other_slash_order_reads("2024-12-31T00:00:00Z", order));
        }
        assert_eq!(parse_timestamp("2/30/2024", US), None);
        assert_eq!(parse_timestamp("30/2/2024", EU), None);
    }

    #[test]
    fn rfc2822_dates() {
        let want = Some(utc(2024, 3, 5, 15, 56, 53, 0));
        for text in [
            "Tue, 05 Mar 2024 15:56:53 GMT",
            "Tue, 05 Mar 2024 15:56:53 +0000",
            "Tue, 5 Mar 2024 15:56:53 UT",
            "tue, 05 mar 2024 15:56:53 utc",
            "05 Mar 2024 15:56:53 GMT",
            "Tue 05 Mar 2024 15:56:53 Z",
            "Tue, 05 Mar 2024 15:56:53",
            "Tue, 05 Mar 2024 10:56:53 -0500",
            "Tue, 05 Mar 2024 10:56:53 EST",
            "Tue, 05 Mar 2024 07:56:53 PST",
            "Tue, 05 Mar 2024 08:56:53 PDT",
            "Tue, 05 Mar 2024 16:56:53 +01:00",
        ] {
            assert_eq!(ts(text), want, "{text}");
        }
        assert_eq!(
            ts("Tue, 05 Mar 2024 15:56 GMT"),
            Some(utc(2024, 3, 5, 15, 56, 0, 0))
        );
        assert_eq!(ts("Tue, 30 Feb 2024 15:56:53 GMT"), None);
        assert_eq!(ts("Tue, 05 Foo 2024 15:56:53 GMT"), None);
        assert_eq!(ts("Tue, 05 Mar 2024 15:56:53 XYZ"), None);
        assert_eq!(ts("Tue, 05 Mar 2024"), None);
    }

    #[test]
    fn impossible_dates_and_times_are_rejected() {
        for text in [
            "2024-02-30",
            "2023-02-29",
            "1900-02-29T00:00:00Z",
            "2024-13-01",
            "2024-00-10",
            "2024-04-31",
            "2024-01-00",
            "2024-03-05T25:00:00Z",
            "2024-03-05T24:00:00Z",
            "2024-03-05T15:60:00Z",
            "2024-03-05T15:56:60Z",
            "2024-03-05T15:56:53+24:00",
            "2024-03-05T15:56:53+05:60",
            "13/13/2024",
            "2/29/2023",
            "0/5/2024",
            "3/5/2024 25:00",
        ] {
            assert_eq!(ts(text), None, "{text}");
        }
        assert_eq!(
            ts("2000-02-29"),
            Some(utc(2000, 2, 29, 0, 0, 0, 0)),
            "400-year leap day"
        );
    }

    #[test]
    fn garbage_is_rejected() {
        for text in [
            "",
            "   ",
            "now",
            "yesterday",
            "N/A",
            "null",
            "2024",
            "2024-03",
            "2024-03-05T",
            "2024-03-05T15",
            "2024-03-05T15:5",
            "2024-03-05X15:56:53",
            "2024-03-05T15:56:53ZZ",
            "2024-03-05T15:56:53Z trailing",
            "2024-03-05T15:56:53+",
            "2024-03-05T15:56:53+1",
            "2024-03-05T15:56:53+01:0",
            "2024-03-05T15:56:53+01:00:00",
            "2024-03-05T15:56:53  UTC",
            "2024-03/05",
            "2024-003-05",
            "20240-03-05",
            "3/5/2024 3:56:53 XM",
            "3/5/2024 3:56:53 PM junk",
            "3/5/202",
            "3/5/2024x",
            "3/5",
            "3-5-2024",
            "31/31/2024",
            "1583423813889x",
            "+2024-03-05",
            "2024-03-05T15:56:53.889Zé",
        ] {
            let got = ts(text);
            // "2024" alone is a (tiny) epoch second count; everything else must fail.
            if text == "2024" {
                assert_eq!(got, Some(2_024_000));
            } else {
                assert_eq!(got, None, "{text:?}");
            }
        }
    }

    #[test]
    fn round_trips_the_canonical_writer() {
        let mut out = Vec::new();
        let step = 7_919_999_937_i64; // about 92 days, odd, so times of day and milliseconds vary
        let mut millis = utc(1, 1, 1, 0, 0, 0, 0);
        let end = utc(9999, 12, 31, 23, 59, 59, 999);
        let mut count = 0;
        while millis <= end {
            out.clear();
            write_iso_millis(millis, &mut out);
            let text = std::str::from_utf8(&out).expect("ASCII");
            assert_eq!(parse_timestamp(text, US), Some(millis), "{text}");
            // The same instant written with a space and an offset of +05:30.
            if millis + 330 * MS_PER_MINUTE <= end {
                let shifted = iso_millis(millis + 330 * MS_PER_MINUTE);
                let local = format!("{} {}+05:30", &shifted[..10], &shifted[11..23]);
                assert_eq!(parse_timestamp(&local, US), Some(millis), "{local}");
            }
            millis += step;
            count += 1;
        }
        assert!(count > 35_000);
        for millis in [0, -1, 1_583_423_813_889, 951_782_400_000, 253_402_300_799_999] {
            assert_eq!(ts(&iso_millis(millis)), Some(millis));
        }
    }

    #[test]
    fn the_contract_shape_reads_as_the_general_reading_does() {
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = |n: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % n
        };
        for _ in 0..200_000 {
            // Out-of-range fields on purpose (month 13, day 31 of April, 29 February, hour 24, second 60).
            let text = format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
                1900 + next(250),
                next(14),
                next(33),
                next(26),
                next(61),
                next(62),
                next(1000)
            );
            let general = year_first(text.as_bytes());
            assert_eq!(
                parse_timestamp(&text, SlashDateOrder::MonthFirst),
                general,
                "{text}"
            );
            assert_eq!(canonical(text.as_bytes()), general, "{text}");
        }
        for other in [
            "2024-02-29T23:59:59.999z",
            "2024-02-29t23:59:59.999Z",
            "2024-02-29T23:59:59,999Z",
            "2024-0a-29T23:59:59.999Z",
        ] {
            assert_eq!(canonical(other.as_bytes()), None, "{other}");
        }
    }
}
