//! Timestamp parsing and email checks on arbitrary text: no panic, no overflow, and a parsed time in years 1..9999
//! written canonically parses back to itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ssoimport_normalize::{SlashDateOrder, parse_timestamp};
use ssoimport_schema::time::write_iso_millis;

/// 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z in milliseconds.
const MIN: i64 = -62_135_596_800_000;
const MAX: i64 = 253_402_300_799_999;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = ssoimport_validate::is_email(text);
    for order in [SlashDateOrder::MonthFirst, SlashDateOrder::DayFirst] {
        if let Some(ms) = parse_timestamp(text, order)
            && (MIN..=MAX).contains(&ms)
        {
            let mut out = Vec::new();
            write_iso_millis(ms, &mut out);
            let canonical = std::str::from_utf8(&out).expect("ASCII");
            assert_eq!(
                parse_timestamp(canonical, order),
                Some(ms),
                "{text:?} -> {canonical}"
            );
        }
    }
});
