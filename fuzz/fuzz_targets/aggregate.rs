//! The roster and discovery aggregation on arbitrary rows (sign-ins, assignments, user and app records whose
//! texts come from the input): one batch, one row per batch, and two shards merged all give the same roster,
//! discovery and incomplete rows, and no panic.
#![no_main]

use std::sync::Arc;

use arrow_array::RecordBatch;
use libfuzzer_sys::fuzz_target;
use ssoimport::aggregate::{Aggregated, Aggregator};
use ssoimport_normalize::{NormalizeOptions, Normalizer};
use ssoimport_schema::intermediate::RecordKind;
use ssoimport_source::{Provenance, RecordBuilder, Row};

/// Texts of a record, split at 0x1f: app, email, user id, first name, last name, app name.
const TEXTS: usize = 6;

/// The normalized batch of the records in `range`, each keeping its place in the whole input.
fn batch(records: &[(RecordKind, [Option<&str>; TEXTS], String)], range: std::ops::Range<usize>) -> RecordBatch {
    let mut b = RecordBuilder::new(Arc::from("fuzz.ndjson"));
    for i in range {
        let (kind, texts, time) = &records[i];
        let [app, email, user_id, first, last, name] = *texts;
        b.begin(Provenance {
            index: i as u64,
            line: Some(i as u64 + 1),
            offset: i as u64 * 10,
            length: 10,
        });
        b.push(&Row {
            app_instance_id: app,
            email,
            user_id,
            first_name: first,
            last_name: last,
            app_name: name,
            occurred_at: Some(time),
            activated_at: Some(time),
            last_activity_at: Some(time),
            app_created_at: Some(time),
            ..Row::new(*kind)
        });
    }
    Normalizer::new(NormalizeOptions::default())
        .normalize(&b.finish())
        .expect("rows of the builder normalize")
}

/// Everything a finished aggregation says, comparable.
fn outcome(a: Aggregated) -> (Vec<RecordBatch>, Vec<RecordBatch>, Vec<String>) {
    let roster = a.roster.iter().collect();
    let incomplete = a.incomplete.iter().map(|i| format!("{i:?}")).collect();
    (roster, a.discovery, incomplete)
}

fuzz_target!(|data: &[u8]| {
    // Records are separated by 0x1e; each starts with a byte for its kind, its time and whether the caller takes
    // it, then its texts.
    let mut records = Vec::new();
    let mut taken = Vec::new();
    for record in data.split(|&b| b == 0x1e).take(400) {
        let Some((&control, rest)) = record.split_first() else {
            continue;
        };
        let kind = match control % 5 {
            0 | 1 => RecordKind::SignIn,
            2 => RecordKind::Assignment,
            3 => RecordKind::User,
            _ => RecordKind::App,
        };
        let mut texts = [None; TEXTS];
        for (slot, text) in texts.iter_mut().zip(rest.split(|&b| b == 0x1f)) {
            // An empty text stands for an absent value; others are read as UTF-8 where they are.
            *slot = std::str::from_utf8(text).ok().filter(|t| !t.is_empty());
        }
        let time = format!("2024-03-{:02}T{:02}:00:00Z", 1 + (control >> 3) % 28, (control >> 1) % 24);
        records.push((kind, texts, time));
        taken.push(control & 0x80 == 0);
    }
    if records.is_empty() {
        return;
    }
    let n = records.len();
    let take = |row: usize| taken[row];

    let mut whole = Aggregator::new(false);
    whole.add(&batch(&records, 0..n), take);
    let sizes = whole.sizes();
    let whole = outcome(whole.finish(7));

    let mut single = Aggregator::new(false);
    for row in 0..n {
        single.add(&batch(&records, row..row + 1), |_| take(row));
    }
    assert_eq!(single.sizes(), sizes);
    assert_eq!(outcome(single.finish(7)), whole, "one row per batch");

    let cut = usize::from(data[0]) * n / 256;
    let (mut first, mut second) = (Aggregator::new(false), Aggregator::new(false));
    first.add(&batch(&records, 0..cut), take);
    second.add(&batch(&records, cut..n), |row| take(cut + row));
    second.merge(first).expect("shards of one setting merge");
    assert_eq!(outcome(second.finish(7)), whole, "two shards cut at {cut}, merged");
});
