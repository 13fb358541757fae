//! The fast path for the common record, a bare LogEvent: one walk over its top-level members picks out the six
//! the mapping reads and skips the rest unparsed. Anything else (envelopes, users, apps, broken JSON) goes the full
//! way, so both paths give the same rows. One difference is deliberate: a malformed value in a member no row
//! needs (say, a broken `debugContext`) is skipped here, where a full parse would reject the whole event.
//! One is not: inside a member the mapping reads, a malformed value reads as absent (`"alternateId" "x"` gives
//! `missing_email`, not `parse_error`; an invalid escape in `displayName` is accepted), because `Raw::get` and
//! `Raw::text` answer `None` rather than failing. The Entra and Google fast paths check the whole record as a
//! full parse would; the Okta path should share that check once it lives in `ssoimport_source::scan`.

use std::borrow::Cow;

use ssoimport_source::RecordBuilder;
use ssoimport_source::scan::{Lookup, Raw};

use crate::OktaOptions;
use crate::event;

/// The LogEvent members the mapping reads.
const PICKED: [&str; 6] = ["eventType", "uuid", "published", "actor", "target", "outcome"];

/// The picked members of a LogEvent.
struct Picked<'a> {
    values: [Option<Raw<'a>>; PICKED.len()],
}

/// A view of a picked LogEvent, or of a value inside it.
#[derive(Clone, Copy)]
enum View<'p, 'a> {
    Top(&'p Picked<'a>),
    Inner(Raw<'a>),
}

impl<'a> Lookup<'a> for View<'_, 'a> {
    fn member(self, key: &str) -> Option<Self> {
        match self {
            View::Top(p) => PICKED
                .iter()
                .position(|k| *k == key)
                .and_then(|i| p.values[i])
                .map(View::Inner),
            View::Inner(raw) => raw.get(key).map(View::Inner),
        }
    }

    fn pick<const N: usize>(self, keys: [&str; N]) -> [Option<Self>; N] {
        match self {
            View::Top(_) => keys.map(|key| self.member(key)),
            View::Inner(raw) => raw.pick(keys).map(|found| found.map(View::Inner)),
        }
    }

    fn text(self) -> Option<Cow<'a, str>> {
        match self {
            View::Top(_) => None,
            View::Inner(raw) => raw.text(),
        }
    }

    fn elements(self) -> Vec<Self> {
        match self {
            View::Top(p) => vec![View::Top(p)],
            View::Inner(raw) => raw
                .elements()
                .unwrap_or_default()
                .into_iter()
                .map(View::Inner)
                .collect(),
        }
    }

    fn is_null(self) -> bool {
        matches!(self, View::Inner(raw) if raw.is_null())
    }
}

/// Maps `record` if it is one bare, well-framed LogEvent; returns false (having done nothing) otherwise.
pub(crate) fn log_event(record: &str, options: &OktaOptions, out: &mut RecordBuilder) -> bool {
    // One walk over the members, which also checks the record's structure.
    let Some(mut members) = Raw::object_members(record) else {
        return false;
    };
    let mut picked = Picked {
        values: [None; PICKED.len()],
    };
    for (key, value) in members.by_ref() {
        match key.as_ref() {
            // Envelopes and hook deliveries hold their events inside: the full path unwraps them.
            "data" | "detail" | "event" => return false,
            k => {
                if let Some(i) = PICKED.iter().position(|p| *p == k) {
                    picked.values[i] = Some(value);
                }
            }
        }
    }
    let is_event = picked.values[0].is_some() || (picked.values[1].is_some() && picked.values[2].is_some());
    if members.failed || !is_event {
        return false;
    }
    event::log_event(View::Top(&picked), options, out);
    true
}
