//! The fast path for the common record, a bare LogEvent: one walk over its top-level members picks out the six
//! the mapping reads and skips the rest unparsed. Anything else (envelopes, users, apps, broken JSON) goes the full
//! way, so both paths give the same rows. What the mapping uses is read as a full parse would check it
//! ([`Checked`]): a malformed value it uses or walks through (`"alternateId" "x"`, an invalid escape in
//! `displayName`, `tru`, an array where `outcome` should be an object) sends the event the full way, which rejects
//! it with `parse_error`. One difference is deliberate: a malformed value nothing uses (in `debugContext`, in a
//! target's `detailEntry`, in the members of a target that is not the app) is skipped here, where a full parse
//! would reject the whole event.

use std::cell::Cell;

use ssoimport_source::RecordBuilder;
use ssoimport_source::scan::{Checked, Names, Picked, Raw};

use crate::OktaOptions;
use crate::event;

/// The LogEvent members the mapping reads.
const PICKED: [&str; 6] = event::LOG_EVENT_MEMBERS;
/// The members the walk looks for: those the mapping reads, then those of envelopes and hook deliveries, which
/// hold their events inside (the full path unwraps them).
const NAMES: Names<'static> = Names::new(&[
    PICKED[0], PICKED[1], PICKED[2], PICKED[3], PICKED[4], PICKED[5], "data", "detail", "event",
]);

/// Maps `record` if it is one bare, well-framed LogEvent; returns false (having done nothing) otherwise.
pub(crate) fn log_event(record: &str, options: &OktaOptions, out: &mut RecordBuilder) -> bool {
    // One walk over the members, which also checks the record's structure.
    let Some(mut members) = Raw::object_members(record) else {
        return false;
    };
    let mut picked: [Option<Raw<'_>>; PICKED.len()] = [None; PICKED.len()];
    while let Some((i, value)) = members.next_of(&NAMES) {
        if i >= PICKED.len() {
            return false;
        }
        picked[i] = Some(value);
    }
    let is_event = picked[0].is_some() || (picked[1].is_some() && picked[2].is_some());
    if members.failed || !is_event {
        return false;
    }
    let malformed = Cell::new(false);
    // The record's members sit inside one container, the record.
    let checked = picked.map(|v| v.map(|v| Checked::new(v, 1, &malformed)));
    let record = Picked::Top {
        keys: &PICKED,
        values: &checked,
    };
    let mapped = event::log_event(record, options);
    if malformed.get() {
        return false;
    }
    mapped.write(out);
    true
}
