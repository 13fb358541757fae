//! The fast path for the common record, a bare LogEvent: one walk over its top-level members picks out the six
//! the mapping reads and skips the rest unparsed. Anything else (envelopes, users, apps, broken JSON) goes the full
//! way, so both paths give the same rows. One difference is deliberate: a malformed value in a member no row
//! needs (say, a broken `debugContext`) is skipped here, where a full parse would reject the whole event.
//! One is not: inside a member the mapping reads, a malformed value reads as absent (`"alternateId" "x"` gives
//! `missing_email`, not `parse_error`; an invalid escape in `displayName` is accepted), because `Raw::get` and
//! `Raw::text` answer `None` rather than failing. The Entra and Google fast paths check the whole record as a
//! full parse would; the Okta path should share that check once it lives in `ssoimport_source::scan`.

use ssoimport_source::RecordBuilder;
use ssoimport_source::scan::{Picked, Raw};

use crate::OktaOptions;
use crate::event;

/// The LogEvent members the mapping reads.
const PICKED: [&str; 6] = ["eventType", "uuid", "published", "actor", "target", "outcome"];

/// Maps `record` if it is one bare, well-framed LogEvent; returns false (having done nothing) otherwise.
pub(crate) fn log_event(record: &str, options: &OktaOptions, out: &mut RecordBuilder) -> bool {
    // One walk over the members, which also checks the record's structure.
    let Some(mut members) = Raw::object_members(record) else {
        return false;
    };
    let mut picked: [Option<Raw<'_>>; PICKED.len()] = [None; PICKED.len()];
    for (key, value) in members.by_ref() {
        match key.as_ref() {
            // Envelopes and hook deliveries hold their events inside: the full path unwraps them.
            "data" | "detail" | "event" => return false,
            k => {
                if let Some(i) = PICKED.iter().position(|p| *p == k) {
                    picked[i] = Some(value);
                }
            }
        }
    }
    let is_event = picked[0].is_some() || (picked[1].is_some() && picked[2].is_some());
    if members.failed || !is_event {
        return false;
    }
    let record = Picked::Top {
        keys: &PICKED,
        values: &picked,
    };
    event::log_event(record, options, out);
    true
}
