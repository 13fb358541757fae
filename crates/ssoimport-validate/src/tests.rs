use std::sync::Arc;

use ssoimport_normalize::{NormalizeOptions, Normalizer, UniqueIdSource};
use ssoimport_schema::RejectCode;
use ssoimport_schema::intermediate::RecordKind;
use ssoimport_source::{Provenance, RecordBuilder, Row};

use super::*;

const NOW: i64 = 1_710_000_000_000; // 2024-03-09T16:00:00Z

fn sign_in<'a>(email: Option<&'a str>, app: Option<&'a str>, at: Option<&'a str>) -> Row<'a> {
    Row {
        email,
        app_name: app,
        occurred_at: at,
        ..Row::new(RecordKind::SignIn)
    }
}

fn batch(rows: &[Row<'_>], unique: UniqueIdSource) -> RecordBatch {
    let mut b = RecordBuilder::new(Arc::from("in.csv"));
    for (i, row) in rows.iter().enumerate() {
        b.begin(Provenance {
            index: i as u64,
            line: Some(i as u64 + 2),
            offset: i as u64 * 10,
            length: 9,
        });
        b.push(row);
    }
    let raw = b.finish();
    Normalizer::new(NormalizeOptions {
        unique_id: unique,
        ..Default::default()
    })
    .normalize(&raw)
    .unwrap()
}

fn codes(v: &Validated) -> Vec<(u64, RejectCode)> {
    v.rejects.iter().map(|r| (r.record, r.code)).collect()
}

#[test]
fn each_rule_rejects_with_its_code_and_the_rest_is_valid() {
    let rows = [
        sign_in(
            Some("ann@example.com"),
            Some("Slack"),
            Some("2024-03-01T09:00:00Z"),
        ),
        sign_in(None, Some("Slack"), Some("2024-03-01T09:00:00Z")),
        sign_in(Some("not-an-email"), Some("Slack"), Some("2024-03-01T09:00:00Z")),
        sign_in(Some("bo@example.com"), None, Some("2024-03-01T09:00:00Z")),
        sign_in(Some("bo@example.com"), Some("Slack"), None),
        sign_in(Some("bo@example.com"), Some("Slack"), Some("yesterday")),
        sign_in(
            Some("bo@example.com"),
            Some("Slack"),
            Some("2030-01-01T00:00:00Z"),
        ),
        sign_in(Some("bo@example.com"), Some("Slack"), Some("0")),
        sign_in(Some("cy@example.com"), Some("Zoom"), Some("2024-03-09T16:10:00Z")),
    ];
    let b = batch(&rows, UniqueIdSource::Email);
    let v = Validator::new(ValidateOptions::default().now_ms(NOW))
        .validate(&b)
        .unwrap();
    assert_eq!(
        codes(&v),
        [
            (1, RejectCode::MissingEmail),
            (2, RejectCode::InvalidEmail),
            (3, RejectCode::MissingApp),
            (4, RejectCode::MissingTimestamp),
            (5, RejectCode::InvalidTimestamp),
            (6, RejectCode::FutureTimestamp),
            (7, RejectCode::TimestampOutOfRange),
        ]
    );
    assert_eq!(v.valid.num_rows(), 2, "ten minutes ahead is within the skew");
    assert_eq!(v.valid.num_rows() + v.rejects.len(), b.num_rows());
    let r = &v.rejects[0];
    assert_eq!((&*r.file, r.line, r.offset, r.length), ("in.csv", Some(3), 10, 9));
    assert!(v.rejects[1].detail.contains("not-an-email"));
}

#[test]
fn source_id_mode_requires_the_user_id() {
    let rows = [
        Row {
            user_id: Some("00u1"),
            ..sign_in(Some("ann@example.com"), Some("Slack"), Some("2024-03-01"))
        },
        sign_in(Some("bo@example.com"), Some("Slack"), Some("2024-03-01")),
    ];
    let b = batch(&rows, UniqueIdSource::SourceId);
    let v = Validator::new(ValidateOptions::default().now_ms(NOW).unique_id_from_source(true))
        .validate(&b)
        .unwrap();
    assert_eq!(codes(&v), [(1, RejectCode::MissingUserId)]);
}

#[test]
fn assignments_may_name_users_by_id_and_apps_need_no_user() {
    let rows = [
        Row {
            user_id: Some("00u1"),
            app_instance_id: Some("0oa1"),
            ..Row::new(RecordKind::Assignment)
        },
        Row {
            app_instance_id: Some("0oa1"),
            ..Row::new(RecordKind::Assignment)
        },
        Row {
            app_instance_id: Some("0oa1"),
            app_name: Some("Slack"),
            ..Row::new(RecordKind::App)
        },
        Row {
            user_id: Some("00u1"),
            email: Some("ann@example.com"),
            ..Row::new(RecordKind::User)
        },
        Row {
            first_name: Some("Nobody"),
            ..Row::new(RecordKind::User)
        },
    ];
    let v = Validator::new(ValidateOptions::default().now_ms(NOW))
        .validate(&batch(&rows, UniqueIdSource::Email))
        .unwrap();
    assert_eq!(
        codes(&v),
        [(1, RejectCode::MissingEmail), (4, RejectCode::MissingUserId)]
    );
}

#[test]
fn reader_rejects_carry_through_and_parallel_validation_keeps_order() {
    let mut b = RecordBuilder::new(Arc::from("x.json"));
    b.reject(RejectCode::ParseError, "expected value at line 1 column 5");
    let raw = b.finish();
    let normalized = Normalizer::default().normalize(&raw).unwrap();
    let batches = vec![normalized.clone(); 8];
    let all = Validator::new(ValidateOptions::default())
        .validate_all(&batches)
        .unwrap();
    assert_eq!(all.len(), 8);
    assert!(
        all.iter()
            .all(|v| v.rejects[0].code == RejectCode::ParseError && v.valid.num_rows() == 0)
    );
    assert_eq!(all[0].rejects[0].detail, "expected value at line 1 column 5");
}

#[test]
fn duplicates_are_found_by_event_id_and_time_or_by_the_whole_row() {
    let rows = [
        Row {
            event_id: Some("e1"),
            ..sign_in(
                Some("ann@example.com"),
                Some("Slack"),
                Some("2024-03-01T09:00:00Z"),
            )
        },
        Row {
            event_id: Some("e1"),
            ..sign_in(
                Some("ANN@example.com"),
                Some("Slack"),
                Some("2024-03-01T09:00:00.000Z"),
            )
        },
        Row {
            event_id: Some("e2"),
            ..sign_in(
                Some("ann@example.com"),
                Some("Slack"),
                Some("2024-03-01T09:00:00Z"),
            )
        },
        sign_in(Some("bo@example.com"), Some("Zoom"), Some("2024-03-01T09:00:00Z")),
        sign_in(Some("Bo@Example.com "), Some("Zoom"), Some("2024-03-01 09:00:00")),
        sign_in(Some("bo@example.com"), Some("Zoom"), Some("2024-03-01T09:00:01Z")),
    ];
    let b = batch(&rows, UniqueIdSource::Email);
    let keys = dedupe_keys(&b);
    let mut d = Deduplicator::new();
    let first: Vec<bool> = keys.iter().map(|k| d.first_time(k.unwrap()).unwrap()).collect();
    assert_eq!(first, [true, false, true, true, false, true]);
    assert_eq!(d.len(), 4);
}
