use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::UInt64Type;
use arrow_array::{Array, RecordBatch};
use ssoimport_schema::intermediate::{COLUMN_NAMES, col};
use ssoimport_source::{ChunkOptions, Decoder, SourceDecoder, SourceError};

use super::*;

/// One decoded row: the non-null text columns as `name=value`, plus its line.
fn render(batches: &[RecordBatch]) -> Vec<String> {
    let mut out = Vec::new();
    for b in batches {
        let lines = b.column(col::LINE).as_primitive::<UInt64Type>();
        for r in 0..b.num_rows() {
            let mut parts = vec![format!("line={}", lines.value(r))];
            for (c, name) in COLUMN_NAMES.iter().enumerate().skip(col::EVENT_ID) {
                let column = b.column(c).as_string::<i32>();
                if column.is_valid(r) {
                    parts.push(format!("{name}={}", column.value(r)));
                }
            }
            out.push(parts.join(" "));
        }
    }
    out
}

fn decode_split(options: &CsvOptions, input: &[u8], piece: usize) -> Result<(Vec<String>, u64), SourceError> {
    let source = CsvSource::new(options.clone());
    let mut decoder = SourceDecoder::new(Arc::new(source), "t.csv", ChunkOptions::default());
    let mut batches = Vec::new();
    for p in input.chunks(piece.max(1)) {
        decoder.decode(p)?;
        batches.extend(decoder.flush()?);
    }
    batches.extend(decoder.finish()?);
    let counts = decoder.counts();
    let rows = render(&batches);
    assert_eq!(
        counts.read,
        rows.len() as u64 + counts.filtered,
        "every record accounted for"
    );
    Ok((rows, counts.filtered))
}

fn decode(options: &CsvOptions, input: &[u8]) -> (Vec<String>, u64) {
    decode_split(options, input, input.len()).unwrap()
}

const HAZARDS: &[u8] = b"\xEF\xBB\xBFUser Email ,Application Name,\"Date (UTC)\",Display Name,Request ID\r\n\
Ann@Example.com,Slack,2024-03-01T09:00:00Z,\"Doe, Ann\",r1\r\n\
bob@example.com,\"Acme, Inc. Portal\",3/2/2024 1:05:00 PM,\"Bob \"\"B\"\" Roe\",r2\r\n\
carol@example.com,\"Multi\nLine App\",1709280000,Carol,\r\n\
,,,,\r\n\
dave@example.com,Zoom,2024-03-01,Dave\r\n\
erin@example.com,Zoom,2024-03-01,Erin,r5,surplus\r\n\
frank@example.com,Zoom,2024-03-01,Frank,r6,,\r\n\
gr\xe9ta@example.com,Zoom,2024-03-01,Greta,r7\r\n\
last@example.com,Box,2024-03-03T10:00:00.123456789+02:00,Last,r8";

#[test]
fn hazards_of_real_exports_are_read_as_a_careful_person_would() {
    let (rows, filtered) = decode(&CsvOptions::default(), HAZARDS);
    assert_eq!(filtered, 1, "the row of empty cells");
    let expected = [
        "line=2 event_id=r1 occurred_at=2024-03-01T09:00:00Z email=Ann@Example.com display_name=Doe, Ann app_name=Slack",
        "line=3 event_id=r2 occurred_at=3/2/2024 1:05:00 PM email=bob@example.com display_name=Bob \"B\" Roe app_name=Acme, Inc. Portal",
        "line=4 occurred_at=1709280000 email=carol@example.com display_name=Carol app_name=Multi\nLine App",
        "line=7 occurred_at=2024-03-01 email=dave@example.com display_name=Dave app_name=Zoom",
        "line=8 reject_code=field_count_mismatch reject_detail=row has 6 fields but the header has 5; a delimiter inside an unquoted value?",
        "line=9 event_id=r6 occurred_at=2024-03-01 email=frank@example.com display_name=Frank app_name=Zoom",
        "line=10 reject_code=invalid_utf8 reject_detail=byte 2 of the record is not valid UTF-8; save the export as UTF-8",
        "line=11 event_id=r8 occurred_at=2024-03-03T10:00:00.123456789+02:00 email=last@example.com display_name=Last app_name=Box",
    ];
    assert_eq!(rows, expected);
}

#[test]
fn any_split_of_the_input_gives_the_same_rows() {
    let whole = decode(&CsvOptions::default(), HAZARDS);
    for piece in [1, 2, 3, 7, 64, 100] {
        assert_eq!(
            decode_split(&CsvOptions::default(), HAZARDS, piece).unwrap(),
            whole,
            "piece {piece}"
        );
    }
}

#[test]
fn semicolon_and_tab_delimiters_are_sniffed() {
    let semi = b"Email;App;Timestamp\nann@example.com;Slack;2024-03-01T09:00:00Z\n";
    let (rows, _) = decode(&CsvOptions::default(), semi);
    assert_eq!(
        rows,
        ["line=2 occurred_at=2024-03-01T09:00:00Z email=ann@example.com app_name=Slack"]
    );
    let tab = b"UPN\tApp Name\tLast Login\nann@example.com\tSlack, Inc\t2024-03-01\n";
    let (rows, _) = decode(&CsvOptions::default(), tab);
    assert_eq!(
        rows,
        ["line=2 occurred_at=2024-03-01 email=ann@example.com app_name=Slack, Inc"]
    );
}

#[test]
fn explicit_mapping_wins_over_synonyms() {
    let input =
        b"Email,Work Email,Tool,When,Application\nold@x.com,new@example.com,Figma,2024-03-01,Ignored\n";
    let options = CsvOptions::default()
        .map(Field::Email, "work email")
        .map(Field::AppName, "Tool")
        .map(Field::OccurredAt, "When");
    let (rows, _) = decode(&options, input);
    assert_eq!(
        rows,
        ["line=2 occurred_at=2024-03-01 email=new@example.com app_name=Figma"]
    );
}

#[test]
fn okta_application_usage_report_columns_are_understood() {
    let input = b"Person,Login,Application Username,Instance Name,Login Date,Login Date_ISO8601\n\
Ann Doe,ann@example.com,ann,Salesforce,\"Mar 1, 2024 9:00:00 AM\",2024-03-01T09:00:00.000Z\n";
    let (rows, _) = decode(&CsvOptions::default(), input);
    assert_eq!(
        rows,
        [
            "line=2 occurred_at=2024-03-01T09:00:00.000Z email=ann@example.com display_name=Ann Doe app_name=Salesforce"
        ]
    );
}

#[test]
fn a_header_without_the_needed_columns_is_a_clear_error() {
    let source = CsvSource::default();
    let err = match source.prepare("t.csv", b"Foo,Bar\n") {
        Err(e) => e.to_string(),
        Ok(_) => panic!("should fail"),
    };
    assert!(
        err.contains("no column found for email, appName, occurredAt"),
        "{err}"
    );
    assert!(err.contains("--map"), "{err}");
    let err = match source.prepare("t.csv", b"Email,App,Date\n") {
        Ok(_) => String::new(),
        Err(e) => e.to_string(),
    };
    assert_eq!(err, "");
    let mapped = CsvSource::new(CsvOptions::default().map(Field::Email, "nope"));
    assert!(mapped.prepare("t.csv", b"Email,App,Date\n").is_err());
}

#[test]
fn a_header_alone_gives_no_rows() {
    let (rows, filtered) = decode(&CsvOptions::default(), b"Email,App,Date\r\n");
    assert!(rows.is_empty());
    assert_eq!(filtered, 0);
}

#[test]
fn header_names_are_normalised() {
    assert_eq!(normalize_header(" Date (UTC) "), "dateutc");
    assert_eq!(normalize_header("User  Principal\u{a0}Name"), "userprincipalname");
    assert_eq!(normalize_header("Login Date_ISO8601"), "logindateiso8601");
}

#[test]
fn fields_split_with_quotes_and_escapes() {
    let f = row::split_fields("a,\"b,c\",\"d\"\"e\",,\"x\"y\r\n", b',');
    assert_eq!(f, ["a", "b,c", "d\"e", "", "xy"]);
}

#[test]
fn conformance_suite_passes() {
    let rows = ssoimport_source::conformance::check(Arc::new(CsvSource::default()), HAZARDS);
    assert_eq!(rows.len(), 8);
}
