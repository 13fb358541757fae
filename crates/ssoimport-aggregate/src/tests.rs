use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::TimestampMillisecondType;
use ssoimport_normalize::{NormalizeOptions, Normalizer, UniqueIdSource};
use ssoimport_schema::time::iso_millis;
use ssoimport_source::{Provenance, RecordBuilder, Row};

use super::*;

fn normalized(rows: &[Row<'_>], unique: UniqueIdSource) -> RecordBatch {
    let mut b = RecordBuilder::new(Arc::from("in.json"));
    for (i, row) in rows.iter().enumerate() {
        b.begin(Provenance {
            index: i as u64,
            line: Some(i as u64 + 1),
            offset: 0,
            length: 1,
        });
        b.push(row);
    }
    Normalizer::new(NormalizeOptions {
        unique_id: unique,
        ..Default::default()
    })
    .normalize(&b.finish())
    .unwrap()
}

fn sign_in<'a>(email: &'a str, app: &'a str, name: &'a str, at: &'a str) -> Row<'a> {
    Row {
        email: Some(email),
        app_instance_id: Some(app),
        app_name: Some(name),
        occurred_at: Some(at),
        ..Row::new(RecordKind::SignIn)
    }
}

/// Roster rows as `app user email first last activated last deactivated`.
fn roster_rows(a: &Aggregated) -> Vec<String> {
    let mut out = Vec::new();
    for b in &a.roster {
        let s = |c: usize| b.column(c).as_string::<i32>();
        let t = |c: usize| b.column(c).as_primitive::<TimestampMillisecondType>();
        for r in 0..b.num_rows() {
            let opt = |c: usize| {
                if s(c).is_valid(r) {
                    s(c).value(r).to_string()
                } else {
                    "-".into()
                }
            };
            let time = |c: usize| {
                if t(c).is_valid(r) {
                    iso_millis(t(c).value(r))
                } else {
                    "-".into()
                }
            };
            out.push(format!(
                "{} {} {} {} {} {} {} {} {}",
                opt(0),
                opt(2),
                opt(3),
                opt(4),
                opt(5),
                opt(6),
                time(7),
                time(8),
                time(9)
            ));
        }
    }
    out
}

#[test]
fn roster_is_first_and_last_seen_per_app_and_user_whatever_the_order() {
    let rows = [
        sign_in("ann@example.com", "0oa2", "Zoom", "2024-03-02T00:00:00Z"),
        sign_in("ann@example.com", "0oa1", "Slack", "2024-03-05T00:00:00Z"),
        sign_in(
            "ann@example.com",
            "0oa1",
            "Slack Enterprise",
            "2024-03-07T00:00:00Z",
        ),
        sign_in("ann@example.com", "0oa1", "Slack", "2024-03-01T00:00:00Z"),
        sign_in("bo@example.com", "0oa1", "Slack", "2024-03-03T00:00:00Z"),
    ];
    let expected = [
        "Slack Enterprise 0oa1 ann@example.com ann@example.com - - 2024-03-01T00:00:00.000Z 2024-03-07T00:00:00.000Z -",
        "Slack 0oa1 bo@example.com bo@example.com - - 2024-03-03T00:00:00.000Z 2024-03-03T00:00:00.000Z -",
        "Zoom 0oa2 ann@example.com ann@example.com - - 2024-03-02T00:00:00.000Z 2024-03-02T00:00:00.000Z -",
    ];
    let mut forward = Aggregator::new(false);
    forward.add(&normalized(&rows, UniqueIdSource::Email), |_| true);
    let forward = forward.finish(2);
    assert_eq!(forward.roster.len(), 2, "batches of at most two rows");
    assert_eq!(roster_rows(&forward), expected);

    let mut reversed_rows = rows.to_vec();
    reversed_rows.reverse();
    let mut backward = Aggregator::new(false);
    backward.add(&normalized(&reversed_rows, UniqueIdSource::Email), |_| true);
    assert_eq!(roster_rows(&backward.finish(100)), expected);
}

#[test]
fn assignments_by_user_id_take_email_and_names_from_the_user_list() {
    let rows = [
        Row {
            user_id: Some("00u1"),
            app_instance_id: Some("0oa9"),
            activated_at: Some("2023-01-01T00:00:00Z"),
            deactivated_at: Some("2024-01-01T00:00:00Z"),
            ..Row::new(RecordKind::Assignment)
        },
        Row {
            user_id: Some("00u2"),
            app_instance_id: Some("0oa9"),
            ..Row::new(RecordKind::Assignment)
        },
        Row {
            user_id: Some("00u1"),
            email: Some("Cy@Example.com"),
            first_name: Some("Cy"),
            last_name: Some("Young"),
            ..Row::new(RecordKind::User)
        },
        Row {
            app_instance_id: Some("0oa9"),
            app_name: Some("Box"),
            app_display_name: Some("Box (EU)"),
            app_created_at: Some("2022-05-01T00:00:00Z"),
            ..Row::new(RecordKind::App)
        },
    ];
    let mut agg = Aggregator::new(false);
    agg.add(&normalized(&rows, UniqueIdSource::Email), |_| true);
    let out = agg.finish(100);
    assert_eq!(
        roster_rows(&out),
        [
            "Box 0oa9 cy@example.com cy@example.com Cy Young 2023-01-01T00:00:00.000Z - 2024-01-01T00:00:00.000Z"
        ]
    );
    assert_eq!(out.incomplete.len(), 1);
    assert_eq!(out.incomplete[0].code, RejectCode::MissingEmail);
    assert_eq!(out.incomplete[0].origin.record, 1);
    assert_eq!(out.incomplete[0].records, 1);

    let d = &out.discovery[0];
    assert_eq!(d.num_rows(), 1);
    assert_eq!(d.column(0).as_string::<i32>().value(0), "Box");
    assert_eq!(d.column(1).as_string::<i32>().value(0), "Box (EU)");
    assert_eq!(d.column(3).as_string::<i32>().value(0), "0oa9");
    let created = d
        .column(4)
        .as_struct()
        .column(0)
        .as_primitive::<TimestampMillisecondType>();
    assert_eq!(iso_millis(created.value(0)), "2022-05-01T00:00:00.000Z");
}

#[test]
fn usage_rows_leave_out_what_the_caller_drops_and_non_sign_ins() {
    let rows = [
        sign_in("ann@example.com", "0oa1", "Slack", "2024-03-05T00:00:00Z"),
        sign_in("ann@example.com", "0oa1", "Slack", "2024-03-05T00:00:00Z"),
        Row {
            app_instance_id: Some("0oa9"),
            app_name: Some("Box"),
            ..Row::new(RecordKind::App)
        },
        Row {
            app_name: None,
            ..sign_in("bo@example.com", "0oa7", "", "2024-03-06T00:00:00Z")
        },
    ];
    let batch = normalized(&rows, UniqueIdSource::Email);
    let usage = usage_batch(&batch, &[true, false, true, true]);
    assert_eq!(usage.num_rows(), 2);
    let names = usage.column(0).as_string::<i32>();
    assert_eq!((names.value(0), names.value(1)), ("Slack", "0oa7"));
}

/// The rows of an aggregation's outputs, for comparing whole results.
fn all_rows(a: &Aggregated) -> (Vec<String>, Vec<String>) {
    let discovery = a
        .discovery
        .iter()
        .flat_map(|b| (0..b.num_rows()).map(move |r| format!("{:?}", b.slice(r, 1))))
        .collect();
    (roster_rows(a), discovery)
}

#[test]
fn partials_merged_in_any_order_and_grouping_equal_one_run() {
    let mut rows = Vec::new();
    let users = [
        "ann@example.com",
        "bo@example.com",
        "cy@example.com",
        "di@example.com",
    ];
    let apps = [
        ("0oa1", "Slack"),
        ("0oa1", "Slack Enterprise"),
        ("0oa2", "Zoom"),
        ("0oa3", "Box"),
    ];
    let times: Vec<String> = (0..40)
        .map(|i| format!("2024-03-{:02}T{:02}:00:00Z", 1 + i % 28, i % 24))
        .collect();
    for (i, time) in times.iter().enumerate() {
        let (app, name) = apps[i % apps.len()];
        rows.push(sign_in(users[(i / 4) % users.len()], app, name, time));
    }
    rows.push(Row {
        user_id: Some("00u9"),
        app_instance_id: Some("0oa3"),
        activated_at: Some("2023-01-01T00:00:00Z"),
        ..Row::new(RecordKind::Assignment)
    });
    rows.push(Row {
        user_id: Some("00u9"),
        email: Some("eve@example.com"),
        ..Row::new(RecordKind::User)
    });

    let mut whole = Aggregator::new(false);
    whole.add(&normalized(&rows, UniqueIdSource::Email), |_| true);
    let expected = all_rows(&whole.finish(1000));
    assert!(expected.0.len() > 5);

    // Three shards by position, each written to a partial and read back, merged in two orders.
    let shards: Vec<Vec<u8>> = (0..3)
        .map(|s| {
            let part: Vec<Row<'_>> = rows
                .iter()
                .enumerate()
                .filter(|(i, _)| i % 3 == s)
                .map(|(_, r)| *r)
                .collect();
            let mut a = Aggregator::new(false);
            a.add(&normalized(&part, UniqueIdSource::Email), |_| true);
            let mut bytes = Vec::new();
            a.write_partial(&mut bytes).unwrap();
            bytes
        })
        .collect();
    for order in [[0, 1, 2], [2, 0, 1]] {
        let mut merged = Aggregator::read_partial(&shards[order[0]][..]).unwrap();
        let mut rest = Aggregator::read_partial(&shards[order[1]][..]).unwrap();
        rest.merge(Aggregator::read_partial(&shards[order[2]][..]).unwrap())
            .unwrap();
        merged.merge(rest).unwrap();
        assert_eq!(all_rows(&merged.finish(1000)), expected, "order {order:?}");
    }
    // Writing the same state twice gives the same bytes.
    let again = Aggregator::read_partial(&shards[0][..]).unwrap();
    let mut bytes = Vec::new();
    again.write_partial(&mut bytes).unwrap();
    assert_eq!(bytes, shards[0]);

    assert!(Aggregator::read_partial(&b"{\"kind\":\"roster\"}\n"[..]).is_err());
    let other_mode = Aggregator::new(true);
    assert!(Aggregator::new(false).merge(other_mode).is_err());
}

#[test]
fn a_deprovisioned_user_loses_every_app_and_sign_ins_keep_their_own_last_seen() {
    let rows = [
        Row {
            user_id: Some("00u7"),
            ..sign_in("flo@example.com", "0oa1", "Slack", "2024-02-01T00:00:00Z")
        },
        Row {
            user_id: Some("00u7"),
            email: Some("flo@example.com"),
            last_activity_at: Some("2024-02-20T00:00:00Z"),
            deactivated_at: Some("2024-03-01T00:00:00Z"),
            ..Row::new(RecordKind::User)
        },
    ];
    let mut agg = Aggregator::new(false);
    agg.add(&normalized(&rows, UniqueIdSource::Email), |_| true);
    assert_eq!(
        roster_rows(&agg.finish(10)),
        [
            "Slack 0oa1 flo@example.com flo@example.com - - 2024-02-01T00:00:00.000Z 2024-02-01T00:00:00.000Z 2024-03-01T00:00:00.000Z"
        ]
    );
}
