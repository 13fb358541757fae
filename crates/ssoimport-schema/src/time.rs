//! The import contract's one timestamp shape: `YYYY-MM-DDTHH:MM:SS.mmmZ`, UTC, from milliseconds since the epoch.

/// Length of a canonical timestamp in bytes.
pub const ISO_MILLIS_LEN: usize = 24;

/// Days since 1970-01-01 of a proleptic Gregorian civil date (Howard Hinnant's `days_from_civil`).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date (year, month, day) of a count of days since 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

/// Writes `millis` (since the epoch, UTC) as `YYYY-MM-DDTHH:MM:SS.mmmZ`. Years outside 0..=9999 are clamped to
/// that range, which the validator never lets through anyway.
pub fn write_iso_millis(millis: i64, out: &mut Vec<u8>) {
    let days = millis.div_euclid(86_400_000);
    let in_day = millis.rem_euclid(86_400_000);
    let mut buf = [0u8; ISO_MILLIS_LEN];
    // Rows come mostly in time order, many to a day: the date part of the day last written is kept.
    buf[..11].copy_from_slice(&LAST_DATE.with(|last| {
        let (day, text) = last.get();
        if day == days {
            return text;
        }
        let text = date_part(days);
        last.set((days, text));
        text
    }));
    let (secs, ms) = (in_day / 1000, in_day % 1000);
    let (h, m, s) = (
        (secs / 3600) as u32,
        ((secs / 60) % 60) as u32,
        (secs % 60) as u32,
    );
    put_digits(&mut buf[11..13], h);
    buf[13] = b':';
    put_digits(&mut buf[14..16], m);
    buf[16] = b':';
    put_digits(&mut buf[17..19], s);
    buf[19] = b'.';
    put_digits(&mut buf[20..23], ms as u32);
    buf[23] = b'Z';
    out.extend_from_slice(&buf);
}

thread_local! {
    /// The day [`write_iso_millis`] wrote last, and its `YYYY-MM-DDT`.
    static LAST_DATE: std::cell::Cell<(i64, [u8; 11])> = const { std::cell::Cell::new((i64::MIN, [0; 11])) };
}

/// `YYYY-MM-DDT` of a count of days since 1970-01-01.
fn date_part(days: i64) -> [u8; 11] {
    let (year, month, day) = civil_from_days(days);
    let mut text = [0u8; 11];
    put_digits(&mut text[0..4], year.clamp(0, 9999) as u32);
    text[4] = b'-';
    put_digits(&mut text[5..7], month);
    text[7] = b'-';
    put_digits(&mut text[8..10], day);
    text[10] = b'T';
    text
}

/// The fields of text in the contract's shape, `YYYY-MM-DDTHH:MM:SS.mmmZ`: year, month, day, hour, minute,
/// second and millisecond as written, not checked against the calendar; `None` for text of any other shape.
pub fn iso_millis_fields(text: &[u8]) -> Option<[u32; 7]> {
    let b: &[u8; ISO_MILLIS_LEN] = text.try_into().ok()?;
    let separators = [
        (4, b'-'),
        (7, b'-'),
        (10, b'T'),
        (13, b':'),
        (16, b':'),
        (19, b'.'),
        (23, b'Z'),
    ];
    if separators.iter().any(|&(i, c)| b[i] != c) {
        return None;
    }
    let digit = |i: usize| {
        let d = b[i].wrapping_sub(b'0');
        (d < 10).then_some(u32::from(d))
    };
    let two = |i: usize| Some(digit(i)? * 10 + digit(i + 1)?);
    Some([
        two(0)? * 100 + two(2)?,
        two(5)?,
        two(8)?,
        two(11)?,
        two(14)?,
        two(17)?,
        digit(20)? * 100 + two(21)?,
    ])
}

/// Whether `text` is exactly the contract's shape, `YYYY-MM-DDTHH:MM:SS.mmmZ`, naming a real instant (no 30 February,
/// no hour 24).
pub fn is_iso_millis(text: &str) -> bool {
    let Some([year, month, day, hour, minute, second, _]) = iso_millis_fields(text.as_bytes()) else {
        return false;
    };
    if !(1..=12).contains(&month) || day == 0 || hour > 23 || minute > 59 || second > 59 {
        return false;
    }
    // A day past the month's end comes back from the round trip as another date.
    civil_from_days(days_from_civil(i64::from(year), month, day)) == (i64::from(year), month, day)
}

/// `millis` as a canonical timestamp string.
pub fn iso_millis(millis: i64) -> String {
    let mut out = Vec::with_capacity(ISO_MILLIS_LEN);
    write_iso_millis(millis, &mut out);
    String::from_utf8(out).expect("only ASCII digits and separators")
}

fn put_digits(slot: &mut [u8], mut value: u32) {
    for b in slot.iter_mut().rev() {
        *b = b'0' + (value % 10) as u8;
        value /= 10;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kept_date_changes_with_the_day() {
        // Days alternating, going back, far apart, and the same day again: each written as computed afresh.
        let instants: [i64; 10] = [
            0,
            86_399_999,
            86_400_000,
            -1,
            0,
            1_583_423_813_889,
            1_583_423_813_889 + 3_600_000,
            951_782_400_000,
            253_402_300_799_999,
            -62_167_219_200_000,
        ];
        for &ms in instants.iter().chain(instants.iter().rev()) {
            let (days, in_day) = (ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000));
            let (year, month, day) = civil_from_days(days);
            let expected = format!(
                "{:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
                year.clamp(0, 9999),
                in_day / 3_600_000,
                in_day / 60_000 % 60,
                in_day / 1000 % 60,
                in_day % 1000
            );
            assert_eq!(iso_millis(ms), expected, "{ms}");
        }
    }

    #[test]
    fn formats_known_instants() {
        assert_eq!(iso_millis(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso_millis(1_583_423_813_889), "2020-03-05T15:56:53.889Z");
        assert_eq!(iso_millis(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(iso_millis(-1), "1969-12-31T23:59:59.999Z");
    }

    #[test]
    fn the_contract_shape_is_recognised() {
        assert!(is_iso_millis("2020-03-05T15:56:53.889Z"));
        assert!(is_iso_millis("2024-02-29T23:59:59.999Z"));
        for bad in [
            "2020-03-05T15:56:53Z",
            "2020-03-05T15:56:53.8890Z",
            "2020-03-05T15:56:53.889+00:00",
            "2020-13-05T15:56:53.889Z",
            "2023-02-29T00:00:00.000Z",
            "2020-03-05T24:00:00.000Z",
            "2020-03-05 15:56:53.889Z",
            "2020-03-0aT15:56:53.889Z",
        ] {
            assert!(!is_iso_millis(bad), "{bad}");
        }
        for ms in [0, 1_583_423_813_889, 253_402_300_799_999] {
            assert!(is_iso_millis(&iso_millis(ms)));
        }
    }

    #[test]
    fn civil_days_round_trip() {
        for days in (-800_000..800_000).step_by(37) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }
}
