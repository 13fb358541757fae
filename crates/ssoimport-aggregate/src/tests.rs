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

/// A small deterministic generator (an LCG), for inputs larger than a test can spell out.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

#[test]
fn many_pairs_through_the_interner_match_a_plain_model_whatever_the_sharding() {
    use std::collections::BTreeMap;

    const USERS: u64 = 1500;
    const APPS: u64 = 40;
    const EVENTS: usize = 30_000;
    let base = 1_709_251_200_000_i64; // 2024-03-01
    let mut rng = Lcg(7);
    let emails: Vec<String> = (0..USERS).map(|u| format!("user{u}@example.com")).collect();
    let apps: Vec<String> = (0..APPS).map(|a| format!("0oa{a}")).collect();
    // Two names per app, so that pairs of the same app can end up with different ones.
    let names: Vec<[String; 2]> = (0..APPS)
        .map(|a| [format!("App {a}"), format!("App {a} Pro")])
        .collect();
    let firsts = ["Ann", "Bo", "Cy"];
    let ats: Vec<i64> = (0..EVENTS as i64)
        .map(|i| base + i * 37_000 + (i % 7) * 1000)
        .collect();
    let times: Vec<String> = ats.iter().map(|&at| iso_millis(at)).collect();

    // (app, user) -> (name, first, activated, last), by the rules: later wins, then greater.
    type Model<'a> = BTreeMap<(&'a str, &'a str), (Option<(i64, &'a str)>, Option<(i64, &'a str)>, i64, i64)>;
    let mut model: Model<'_> = BTreeMap::new();
    let mut rows = Vec::with_capacity(EVENTS);
    for (&at, time) in ats.iter().zip(&times) {
        let user = rng.below(USERS) as usize;
        // Each user keeps to a handful of apps.
        let app = ((user as u64 * 7 + rng.below(6) * 13) % APPS) as usize;
        let name = &names[app][rng.below(2) as usize];
        // A fifth of the records lack the first name: its time then lags the pair's latest.
        let first = (rng.below(5) != 0).then(|| firsts[rng.below(3) as usize]);
        rows.push(Row {
            first_name: first,
            ..sign_in(&emails[user], &apps[app], name, time)
        });
        let e = model
            .entry((&apps[app], &emails[user]))
            .or_insert((None, None, i64::MAX, i64::MIN));
        e.0 = e.0.max(Some((at, name)));
        if let Some(f) = first {
            e.1 = e.1.max(Some((at, f)));
        }
        e.2 = e.2.min(at);
        e.3 = e.3.max(at);
    }
    let expected: Vec<String> = model
        .iter()
        .map(|((app, user), (name, first, activated, last))| {
            format!(
                "{} {app} {user} {user} {} - {} {} -",
                name.map_or("-", |n| n.1),
                first.map_or("-", |f| f.1),
                iso_millis(*activated),
                iso_millis(*last)
            )
        })
        .collect();
    assert!(expected.len() > 5_000, "{} pairs", expected.len());

    let mut whole = Aggregator::new(false);
    whole.add(&normalized(&rows, UniqueIdSource::Email), |_| true);
    assert_eq!(whole.sizes(), (expected.len(), APPS as usize, 0));
    let out = whole.finish(1000);
    assert_eq!(out.roster.len(), expected.len().div_ceil(1000));
    assert_eq!(out.roster.rows(), expected.len());
    assert_eq!(roster_rows(&out), expected);
    let by_index: Vec<RecordBatch> = (0..out.roster.len())
        .map(|i| out.batches(Task::SsoApplicationRoster).get(i).unwrap())
        .collect();
    assert_eq!(by_index.len(), out.roster.iter().count());
    assert!(out.roster.batch(out.roster.len()).is_none());

    // Four shards in reverse, each through a partial, merged: the same rows.
    let mut merged: Option<Aggregator> = None;
    for shard in (0..4).rev() {
        let part: Vec<Row<'_>> = rows.iter().skip(shard).step_by(4).copied().collect();
        let mut a = Aggregator::new(false);
        a.add(&normalized(&part, UniqueIdSource::Email), |_| true);
        let mut bytes = Vec::new();
        a.write_partial(&mut bytes).unwrap();
        let a = Aggregator::read_partial(&bytes[..]).unwrap();
        match &mut merged {
            None => merged = Some(a),
            Some(m) => m.merge(a).unwrap(),
        }
    }
    assert_eq!(roster_rows(&merged.unwrap().finish(777)), expected);
}

#[test]
fn assignments_by_user_id_join_at_scale_and_the_rest_are_incomplete() {
    const USERS: usize = 2000;
    let ids: Vec<String> = (0..USERS).map(|u| format!("00u{u}")).collect();
    let emails: Vec<String> = (0..USERS).map(|u| format!("u{u}@example.com")).collect();
    let mut rows = Vec::new();
    for (u, id) in ids.iter().enumerate() {
        for app in ["0oa1", "0oa2", "0oa3"].iter().take(1 + u % 3) {
            rows.push(Row {
                user_id: Some(id),
                app_instance_id: Some(app),
                activated_at: Some("2023-01-01T00:00:00Z"),
                ..Row::new(RecordKind::Assignment)
            });
        }
        // Every third user is missing from the user list.
        if u % 3 != 0 {
            rows.push(Row {
                user_id: Some(id),
                email: Some(&emails[u]),
                ..Row::new(RecordKind::User)
            });
        }
    }
    let mut agg = Aggregator::new(false);
    agg.add(&normalized(&rows, UniqueIdSource::Email), |_| true);
    let out = agg.finish(500);
    let assigned = |u: usize| 1 + u % 3;
    let joined: usize = (0..USERS).filter(|u| u % 3 != 0).map(assigned).sum();
    let missing: usize = (0..USERS).filter(|u| u % 3 == 0).map(assigned).sum();
    assert_eq!(out.roster.rows(), joined);
    assert_eq!(out.incomplete.len(), missing);
    assert!(
        out.incomplete
            .iter()
            .all(|i| i.records == 1 && i.code == RejectCode::MissingEmail)
    );
    // Rejects come in input order.
    assert!(out.incomplete.windows(2).all(|w| w[0].origin < w[1].origin));
    let rows = roster_rows(&out);
    assert!(
        rows.contains(&"0oa1 0oa1 u1@example.com u1@example.com - - 2023-01-01T00:00:00.000Z - -".into())
    );
    let keys: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| {
            let mut f = r.split(' ').skip(1);
            (f.next().unwrap(), f.next().unwrap())
        })
        .collect();
    assert!(keys.windows(2).all(|w| w[0] < w[1]), "sorted by app, then user");
}

#[test]
fn the_interner_gives_each_distinct_string_one_handle_and_ranks_them_in_byte_order() {
    let mut interner = crate::intern::Interner::default();
    let mut rng = Lcg(11);
    let words: Vec<String> = (0..50_000)
        .map(|i| match i % 5 {
            0 => String::new(),
            1 => format!("ü{}", rng.below(1000)),
            _ => format!("w{}", rng.below(20_000)),
        })
        .collect();
    let syms: Vec<_> = words.iter().map(|w| interner.intern(w)).collect();
    let mut distinct = words.clone();
    distinct.sort();
    distinct.dedup();
    for (w, &s) in words.iter().zip(&syms) {
        assert_eq!(interner.get(s), w);
        assert_eq!(interner.find(w), Some(s));
        assert_eq!(interner.intern(w), s);
    }
    assert_eq!(interner.find("never seen"), None);
    let strings = interner.into_strings();
    let ranks = strings.ranks();
    for (w, &s) in words.iter().zip(&syms) {
        assert_eq!(distinct[ranks.of(s) as usize], *w);
        assert_eq!(strings.get(s), w);
        assert!(strings.holds(s, w));
        assert!(!strings.holds(s, &format!("{w}x")));
        assert!(!strings.holds(s, "never seen"));
    }
}

#[test]
fn a_value_offered_by_handle_ends_where_it_does_offered_by_string() {
    use crate::entry::{Seen, offer, offer_known};
    let values = ["ann@x.io", "bob@x.io", "ann@x.io ", "", "Ann@x.io"];
    let mut lcg = Lcg(11);
    for _ in 0..200 {
        let (mut by_string, mut by_handle) = (Interner::default(), Interner::default());
        let (mut a, mut b): (Option<Seen>, Option<Seen>) = (None, None);
        for _ in 0..12 {
            let at = lcg.below(5) as i64;
            let value = values[lcg.below(values.len() as u64) as usize];
            // Handles known half the time, as where the caller has none.
            let known = (lcg.below(2) == 0).then(|| by_handle.intern(value));
            let held_a = offer(&mut a, at, Some(value), &mut by_string);
            let held_b = offer_known(&mut b, at, Some(value), known, &mut by_handle);
            let text =
                |s: Option<Seen>, strings: &Interner| s.map(|s| (s.at, strings.get(s.value).to_string()));
            assert_eq!(text(a, &by_string), text(b, &by_handle));
            assert_eq!(held_a.is_some(), held_b.is_some());
        }
    }
}

#[test]
fn rows_added_in_groups_equal_rows_added_one_at_a_time() {
    // Sign-ins, assignments by user id, user and app records interleaved, every fifth row left out by the caller:
    // the groups that `add` looks up ahead must change nothing.
    let mut rng = Lcg(3);
    let emails: Vec<String> = (0..60).map(|u| format!("u{u}@example.com")).collect();
    let ids: Vec<String> = (0..60).map(|u| format!("00u{u}")).collect();
    let apps: Vec<String> = (0..7).map(|a| format!("0oa{a}")).collect();
    let times: Vec<String> = (0..500)
        .map(|i| iso_millis(1_709_251_200_000 + i * 61_000))
        .collect();
    let rows: Vec<Row<'_>> = times
        .iter()
        .map(|time| {
            let u = rng.below(60) as usize;
            let app = &apps[rng.below(7) as usize];
            match rng.below(10) {
                0..6 => Row {
                    user_id: Some(&ids[u]),
                    ..sign_in(&emails[u], app, "App", time)
                },
                6..8 => Row {
                    user_id: Some(&ids[u]),
                    app_instance_id: Some(app),
                    activated_at: Some(time),
                    ..Row::new(RecordKind::Assignment)
                },
                8 => Row {
                    user_id: Some(&ids[u]),
                    email: (!u.is_multiple_of(4)).then_some(emails[u].as_str()),
                    last_activity_at: Some(time),
                    ..Row::new(RecordKind::User)
                },
                _ => Row {
                    app_instance_id: Some(app),
                    app_name: Some("App (new)"),
                    app_created_at: Some(time),
                    ..Row::new(RecordKind::App)
                },
            }
        })
        .collect();
    let batch = normalized(&rows, UniqueIdSource::Email);
    let take = |row: usize| row % 5 != 4;
    let mut grouped = Aggregator::new(false);
    grouped.add(&batch, take);
    let mut single = Aggregator::new(false);
    for row in 0..batch.num_rows() {
        single.add(&batch.slice(row, 1), |_| take(row));
    }
    assert_eq!(grouped.sizes(), single.sizes());
    let (grouped, single) = (grouped.finish(100), single.finish(100));
    assert!(grouped.roster.rows() > 100 && !grouped.incomplete.is_empty());
    assert_eq!(all_rows(&grouped), all_rows(&single));
    assert_eq!(grouped.incomplete, single.incomplete);
}
