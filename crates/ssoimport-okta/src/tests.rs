use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ssoimport_source::{
    ChunkOptions, Decoder, Source, SourceDecoder, conformance, expand_inputs, open_input,
};

use super::*;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/okta")
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(fixtures().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn by_default() -> Arc<dyn Source> {
    Arc::new(OktaSource::default())
}

/// `--event-types user.authentication.sso,user.session.start`.
fn with_sessions() -> Arc<dyn Source> {
    Arc::new(OktaSource::new(
        OktaOptions::default().add_event_type("user.session.start"),
    ))
}

/// Runs the conformance suite (empty input, any split, gzip = plain, small chunks) over `input` and returns
/// the rows and the number of records filtered.
fn read_bytes(source: Arc<dyn Source>, input: &[u8]) -> (Vec<String>, u64) {
    let rows = conformance::check(source.clone(), input);
    let (again, filtered) = conformance::decode_pieces(source, input, input.len().max(1));
    assert_eq!(rows, again);
    (rows, filtered)
}

fn read(source: Arc<dyn Source>, name: &str) -> (Vec<String>, u64) {
    read_bytes(source, &fixture(name))
}

// ---- System Log containers -------------------------------------------------------------------------------

#[test]
fn api_page_keeps_successful_sso_and_rejects_those_without_an_app_target() {
    // 8 events: SSO to Slack (AppInstance first), SSO to Salesforce (AppInstance after the AppUser), a failed
    // SSO, a policy evaluation, a session start, SSO with `target: null`, SSO with only an AppUser target, SSO
    // of a user whose login is not an email.
    let (rows, filtered) = read(by_default(), "logs-page-api.json");
    assert_eq!(
        rows,
        [
            "line=2 kind=0 event_id=a1000000-0000-4000-8000-000000000001 occurred_at=2024-03-01T09:00:00.123Z email=Ann.Lee@Example.com user_id=00u1ann0000000000001 display_name=Ann Lee app_instance_id=0oa1slack00000000001 app_name=Slack app_display_name=Slack Enterprise",
            "line=98 kind=0 event_id=a1000000-0000-4000-8000-000000000002 occurred_at=2024-03-01T09:05:00.000Z email=bob.roe@example.com user_id=00u1bob0000000000002 display_name=Bob Roe app_instance_id=0oa1sfdc000000000002 app_name=Salesforce.com app_display_name=Salesforce Production",
            "line=458 kind=0 reject_code=missing_app_target reject_detail=successful user.authentication.sso event a1000000-0000-4000-8000-000000000006 names no AppInstance target (target is null)",
            "line=537 kind=0 reject_code=missing_app_target reject_detail=successful user.authentication.sso event a1000000-0000-4000-8000-000000000007 names no AppInstance target (targets: AppUser)",
            // The validator rejects this one as invalid_email, from the raw login.
            "line=624 kind=0 event_id=a1000000-0000-4000-8000-000000000008 occurred_at=2024-03-01T09:11:00.000Z email=jdoe user_id=00u1jdoe000000000003 display_name=John Doe app_instance_id=0oa1zoom000000000003 app_name=Zoom app_display_name=Zoom",
        ]
    );
    assert_eq!(
        filtered, 3,
        "the failed SSO, the policy evaluation, the session start"
    );
}

#[test]
fn widened_event_types_credit_session_starts_without_an_app_to_the_okta_dashboard() {
    let (rows, filtered) = read(with_sessions(), "logs-page-api.json");
    assert_eq!(rows.len(), 6);
    assert_eq!(
        rows[2],
        "line=379 kind=0 event_id=a1000000-0000-4000-8000-000000000005 occurred_at=2024-03-01T09:08:00.000Z email=Ann.Lee@Example.com user_id=00u1ann0000000000001 display_name=Ann Lee app_instance_id=okta-dashboard app_name=Okta Dashboard"
    );
    assert_eq!(filtered, 2);
    // A user.authentication.sso event still needs its app target.
    assert!(rows[3].contains("reject_code=missing_app_target"));

    let renamed = OktaSource::new(
        OktaOptions::default()
            .add_event_type("user.session.start")
            .dashboard_app("okta", "Okta"),
    );
    let (rows, _) = read(Arc::new(renamed), "logs-page-api.json");
    assert!(
        rows[2].ends_with("app_instance_id=okta app_name=Okta"),
        "{}",
        rows[2]
    );
}

#[test]
fn siem_ndjson_hazards_are_read_leniently() {
    // Line 2: `published` as epoch ms (a number), `version` a number, collector fields. Line 3: "null" and
    // "None" strings. Line 4: a session end with `target: null`. Line 5 repeats line 1 (overlapping exports:
    // the pipeline dedupes by event id). Line 6 is cut off. Line 7 is no Okta record. Line 8 has `published`
    // twice (the last wins). Line 9 has an app id written as a number. CRLF on even lines; a blank last line.
    let (rows, filtered) = read(by_default(), "logs-siem-hazards.ndjson");
    assert_eq!(
        rows,
        [
            "line=1 kind=0 event_id=b2000000-0000-4000-8000-000000000001 occurred_at=2024-03-02T10:00:00.000Z email=Ann.Lee@Example.com user_id=00u1ann0000000000001 display_name=Ann Lee app_instance_id=0oa1slack00000000001 app_name=Slack app_display_name=Slack Enterprise",
            "line=2 kind=0 event_id=b2000000-0000-4000-8000-000000000002 occurred_at=1709373600456 email=bob.roe@example.com user_id=00u1bob0000000000002 display_name=Bob Roe app_instance_id=0oa1zoom000000000003 app_name=Zoom app_display_name=Zoom",
            "line=3 kind=0 event_id=b2000000-0000-4000-8000-000000000003 occurred_at=2024-03-02T10:20:00.000Z email=carol@example.com user_id=00u1carol00000000004 app_instance_id=0oa1box0000000000005 app_name=Box",
            "line=5 kind=0 event_id=b2000000-0000-4000-8000-000000000001 occurred_at=2024-03-02T10:00:00.000Z email=Ann.Lee@Example.com user_id=00u1ann0000000000001 display_name=Ann Lee app_instance_id=0oa1slack00000000001 app_name=Slack app_display_name=Slack Enterprise",
            "line=6 kind=0 reject_code=parse_error reject_detail=not valid JSON (EOF while parsing a string at line 1 column 150): {\"actor\":{\"id\":\"00u1bob0000000000002\",\"type\":\"User\",\"alternateId\":\"bob.roe@examp…",
            "line=7 kind=0 reject_code=parse_error reject_detail=not an Okta LogEvent, user, app or app user: {\"message\":\"collector heartbeat\",\"ts\":\"2024-03-02T10:30:00Z\"}",
            "line=8 kind=0 event_id=b2000000-0000-4000-8000-000000000009 occurred_at=2024-03-02T10:40:00.000Z email=bob.roe@example.com user_id=00u1bob0000000000002 display_name=Bob Roe app_instance_id=0oa1slack00000000001 app_name=Slack app_display_name=Slack Enterprise",
            "line=9 kind=0 event_id=b2000000-0000-4000-8000-000000000010 occurred_at=2024-03-02T10:50:00.000Z email=dave@example.com user_id=00u1dave00000000006 display_name=Dave Fox app_instance_id=4711 app_name=Bookmark App app_display_name=Legacy Intranet",
        ]
    );
    assert_eq!(filtered, 1, "the session end");
}

#[test]
fn a_single_log_event_object() {
    let (rows, filtered) = read(by_default(), "logs-single-event.json");
    assert_eq!(
        rows,
        [
            "line=1 kind=0 event_id=c3000000-0000-4000-8000-000000000001 occurred_at=2024-03-03T08:00:00.000Z email=Ann.Lee@Example.com user_id=00u1ann0000000000001 display_name=Ann Lee app_instance_id=0oa1sfdc000000000002 app_name=Salesforce.com app_display_name=Salesforce Production"
        ]
    );
    assert_eq!(filtered, 0);
}

const EB_SLACK: &str = "event_id=d4000000-0000-4000-8000-000000000001 occurred_at=2024-03-04T11:00:00.000Z email=bob.roe@example.com user_id=00u1bob0000000000002 display_name=Bob Roe app_instance_id=0oa1slack00000000001 app_name=Slack app_display_name=Slack Enterprise";
const EB_SESSION: &str = "event_id=d4000000-0000-4000-8000-000000000002 occurred_at=2024-03-04T11:01:00.000Z email=bob.roe@example.com user_id=00u1bob0000000000002 display_name=Bob Roe app_instance_id=okta-dashboard app_name=Okta Dashboard";
const EB_ZOOM: &str = "event_id=d4000000-0000-4000-8000-000000000003 occurred_at=2024-03-04T11:02:00.000Z email=Ann.Lee@Example.com user_id=00u1ann0000000000001 display_name=Ann Lee app_instance_id=0oa1zoom000000000003 app_name=Zoom app_display_name=Zoom";
const EB_NO_TARGET: &str = "reject_code=missing_app_target reject_detail=successful user.authentication.sso event d4000000-0000-4000-8000-000000000004 names no AppInstance target (target is null)";

#[test]
fn eventbridge_envelopes_are_unwrapped_alone_per_line_and_concatenated() {
    let (rows, filtered) = read(by_default(), "eventbridge-envelope.json");
    assert_eq!(rows, [format!("line=1 kind=0 {EB_SLACK}")]);
    assert_eq!(filtered, 0);

    // Session start, SSO to Zoom, SSO with no target.
    let (rows, filtered) = read(by_default(), "eventbridge-envelopes.ndjson");
    assert_eq!(
        rows,
        [
            format!("line=2 kind=0 {EB_ZOOM}"),
            format!("line=3 kind=0 {EB_NO_TARGET}")
        ]
    );
    assert_eq!(filtered, 1);
    let (rows, filtered) = read(with_sessions(), "eventbridge-envelopes.ndjson");
    assert_eq!(
        rows,
        [
            format!("line=1 kind=0 {EB_SESSION}"),
            format!("line=2 kind=0 {EB_ZOOM}"),
            format!("line=3 kind=0 {EB_NO_TARGET}")
        ]
    );
    assert_eq!(filtered, 0);

    // Firehose to S3: the four envelopes back to back on one line.
    let (rows, filtered) = read(by_default(), "eventbridge-firehose-concatenated.json");
    assert_eq!(
        rows,
        [
            format!("line=1 kind=0 {EB_SLACK}"),
            format!("line=1 kind=0 {EB_ZOOM}"),
            format!("line=1 kind=0 {EB_NO_TARGET}")
        ]
    );
    assert_eq!(filtered, 1);
}

#[test]
fn event_hook_deliveries_are_unwrapped() {
    // SSO to Zoom, a failed SSO, SSO to Slack.
    let (rows, filtered) = read(by_default(), "event-hook-delivery.json");
    assert_eq!(
        rows,
        [
            "line=11 kind=0 event_id=f5000000-0000-4000-8000-000000000001 occurred_at=2024-03-05T12:00:00.000Z email=Ann.Lee@Example.com user_id=00u1ann0000000000001 display_name=Ann Lee app_instance_id=0oa1zoom000000000003 app_name=Zoom app_display_name=Zoom",
            "line=189 kind=0 event_id=f5000000-0000-4000-8000-000000000003 occurred_at=2024-03-05T12:00:02.000Z email=bob.roe@example.com user_id=00u1bob0000000000002 display_name=Bob Roe app_instance_id=0oa1slack00000000001 app_name=Slack app_display_name=Slack Enterprise",
        ]
    );
    assert_eq!(filtered, 1);

    // The same delivery on one NDJSON line reaches the parser whole.
    let value: serde_json::Value = serde_json::from_slice(&fixture("event-hook-delivery.json")).unwrap();
    let line = format!("{value}\n{value}\n");
    let (rows, filtered) = read_bytes(by_default(), line.as_bytes());
    assert_eq!(rows.len(), 4);
    assert_eq!(filtered, 2);
}

/// Reads every file under a directory as the pipeline does: inputs expanded, compression sniffed.
fn read_directory(source: Arc<dyn Source>, dir: &Path) -> (Vec<String>, u64) {
    let mut rows = Vec::new();
    let mut filtered = 0;
    for input in expand_inputs(&[dir]).unwrap() {
        let mut opened = open_input(&input, None).unwrap();
        assert!(
            sniff(&opened.head) >= 80 || opened.head.trim_ascii() == b"[]",
            "{}",
            input.name
        );
        let mut decoder = SourceDecoder::new(source.clone(), input.name.clone(), ChunkOptions::default());
        let mut batches = Vec::new();
        decoder.decode(&opened.head).unwrap();
        let mut rest = Vec::new();
        opened.reader.read_to_end(&mut rest).unwrap();
        decoder.decode(&rest).unwrap();
        batches.extend(decoder.finish().unwrap());
        let file = Path::new(input.name.as_ref())
            .file_name()
            .unwrap()
            .to_string_lossy()
            .to_string();
        rows.extend(
            conformance::render(&batches)
                .into_iter()
                .map(|r| format!("{file} {r}")),
        );
        filtered += decoder.counts().filtered;
    }
    (rows, filtered)
}

#[test]
fn a_directory_of_pages_plain_gzip_and_zstd() {
    // Page 2 overlaps page 1 by one event (emitted twice with the same event id; the pipeline dedupes); page 4
    // is the empty last page of a polling request.
    let (rows, filtered) = read_directory(by_default(), &fixtures().join("logs-pages"));
    let ann = "email=Ann.Lee@Example.com user_id=00u1ann0000000000001 display_name=Ann Lee app_instance_id=0oa1slack00000000001 app_name=Slack app_display_name=Slack Enterprise";
    assert_eq!(
        rows,
        [
            format!("page-0001.json line=1 kind=0 event_id=a7000000-0000-4000-8000-000000000001 occurred_at=2024-03-06T01:00:00.000Z {ann}"),
            format!("page-0001.json line=1 kind=0 event_id=a7000000-0000-4000-8000-000000000002 occurred_at=2024-03-06T02:00:00.000Z {ann}"),
            format!("page-0002.json.gz line=1 kind=0 event_id=a7000000-0000-4000-8000-000000000002 occurred_at=2024-03-06T02:00:00.000Z {ann}"),
            "page-0002.json.gz line=1 kind=0 event_id=a7000000-0000-4000-8000-000000000003 occurred_at=2024-03-06T03:00:00.000Z email=bob.roe@example.com user_id=00u1bob0000000000002 display_name=Bob Roe app_instance_id=0oa1sfdc000000000002 app_name=Salesforce.com app_display_name=Salesforce Production".to_string(),
            "page-0003.json.zst line=1 kind=0 event_id=a7000000-0000-4000-8000-000000000004 occurred_at=2024-03-06T04:00:00.000Z email=jdoe user_id=00u1jdoe000000000003 display_name=John Doe app_instance_id=0oa1zoom000000000003 app_name=Zoom app_display_name=Zoom".to_string(),
        ]
    );
    assert_eq!(filtered, 0, "an empty page is no record");
}

// ---- Samples of Okta's spec and Elastic's test data -------------------------------------------------------

#[test]
fn spec_log_samples_are_session_starts_to_the_admin_console() {
    let admin = "event_id=dc9fd3c0-598c-11ef-8478-2b7584bf8d5a occurred_at=2024-08-13T15:58:20.353Z email=john.doe@example.com user_id=00uttidj01jqL21aM1d6 display_name=John Doe app_instance_id=0oatxlef9sQvvqInq5d6 app_name=Okta Admin Console app_display_name=Okta Admin Console";
    for (name, line) in [
        ("spec-logs-list.json", 2),
        ("spec-logs-event-additional-security-context.json", 1),
    ] {
        let (rows, filtered) = read(by_default(), name);
        assert!(rows.is_empty(), "{name}: {rows:?}");
        assert_eq!(filtered, 1, "{name}");
        // Widened, the AppInstance target wins over the dashboard.
        let (rows, filtered) = read(with_sessions(), name);
        assert_eq!(rows, [format!("line={line} kind=0 {admin}")], "{name}");
        assert_eq!(filtered, 0);
    }
}

#[test]
fn elastic_sample_holds_only_noise_by_default() {
    // A session end, a session start (both `target: null`, `zone: "null"`) and a policy evaluation (ALLOW).
    let (rows, filtered) = read(by_default(), "elastic-okta-system-events.ndjson");
    assert!(rows.is_empty(), "{rows:?}");
    assert_eq!(filtered, 3);
    let (rows, filtered) = read(with_sessions(), "elastic-okta-system-events.ndjson");
    assert_eq!(
        rows,
        [
            "line=2 kind=0 event_id=3aeede38-4f67-11ea-abd3-1f5d113f2546 occurred_at=2020-02-14T20:18:57.718Z email=xxxxxx@elastic.co user_id=00u1abvz4pYqdM8ms4x6 display_name=xxxxxx app_instance_id=okta-dashboard app_name=Okta Dashboard"
        ]
    );
    assert_eq!(filtered, 2);
}

#[test]
fn spec_users_pages() {
    let (rows, filtered) = read(by_default(), "spec-users-list.json");
    // `activated` is null, so the creation time stands in.
    assert_eq!(
        rows,
        [
            "line=2 kind=3 email=alice.smith@example.com user_id=00u118oQYT4TBTemp0g4 first_name=Alice last_name=Smith activated_at=2022-04-04T15:56:05.000Z last_activity_at=2022-05-04T19:50:52.000Z"
        ]
    );
    assert_eq!(filtered, 0);
    // LOCKED_OUT is no deactivation; `lastLogin: null` is never.
    let (rows, _) = read(by_default(), "spec-users-list-q.json");
    assert_eq!(
        rows,
        [
            "line=2 kind=3 email=tony.johnson@example.com user_id=00u3ojhmm3cCa3a221d7 first_name=Tony last_name=Johnson activated_at=2022-05-13T20:05:41.000Z",
            "line=42 kind=3 email=johnmclean@example.com user_id=00u3m5wrdPjJYUFb81d6 first_name=John last_name=Mclean activated_at=2020-10-22T15:15:30.000Z",
            "line=82 kind=3 email=john.j.phillips@example.com user_id=00u3ojdzgjrAhuYGg1d7 first_name=Jack last_name=Phillips activated_at=2022-05-13T20:06:22.000Z",
        ]
    );
}

#[test]
fn spec_apps_page_is_one_app() {
    // The spec example nests a second app and app users deep inside `settings`: not records of the page.
    let (rows, filtered) = read(by_default(), "spec-apps-list.json");
    assert_eq!(
        rows,
        [
            "line=2 kind=2 app_instance_id=0oa1gjh63g214q0Hq0g4 app_id=testorgone_customsaml20app_1 app_display_name=Custom Saml 2.0 App app_created_at=2016-08-09T20:12:19.000Z"
        ]
    );
    assert_eq!(filtered, 0);
}

#[test]
fn spec_app_users_page_takes_the_user_from_the_embedded_profile() {
    let (rows, filtered) = read(by_default(), "spec-app-users-list.json");
    assert_eq!(
        rows,
        [
            "line=2 kind=1 email=saml.test@example.com user_id=00u1dnq5S0CfjlkpABCD first_name=Saml last_name=Test display_name=Saml O Test app_instance_id=0oajiqIRNXPPJBNZMGYL activated_at=2024-01-31T18:25:01.000Z"
        ]
    );
    assert_eq!(filtered, 0);
}

#[test]
fn an_api_error_body_saved_as_a_page_is_rejected() {
    let (rows, filtered) = read(by_default(), "spec-error-429.json");
    assert_eq!(
        rows,
        [
            "line=1 kind=0 reject_code=parse_error reject_detail=an Okta API error response, not export data: E0000047 API call exceeded rate limit due to too many requests."
        ]
    );
    assert_eq!(filtered, 0);
}

// ---- Roster exports of our own ------------------------------------------------------------------------------

#[test]
fn users_page_statuses_logins_and_null_strings() {
    // Ann: active, login and email differ in case only. Bob: DEPROVISIONED. John: SUSPENDED with no
    // `statusChanged`, a login that is no email, `lastLogin: "null"`. Erin: STAGED, login and email differ,
    // `lastName: "null"`.
    let (rows, filtered) = read(by_default(), "users-page.json");
    assert_eq!(
        rows,
        [
            "line=2 kind=3 email=Ann.Lee@Example.com user_id=00u1ann0000000000001 first_name=Ann last_name=Lee display_name=Ann Lee activated_at=2023-01-10T08:05:00.000Z last_activity_at=2024-03-01T08:59:00.000Z",
            "line=38 kind=3 email=bob.roe@example.com user_id=00u1bob0000000000002 first_name=Bob last_name=Roe activated_at=2022-06-01T12:00:00.000Z last_activity_at=2024-02-28T09:00:00.000Z deactivated_at=2024-02-29T17:30:00.000Z",
            "line=71 kind=3 email=john.doe@example.com user_id=00u1jdoe000000000003 first_name=John last_name=Doe activated_at=2021-11-15T10:00:00.000Z deactivated_at=2024-01-05T10:00:00.000Z",
            "line=104 kind=3 email=erin@example.com user_id=00u1erin000000000007 first_name=Erin activated_at=2024-03-01T00:00:00.000Z",
        ]
    );
    assert_eq!(filtered, 0);
}

#[test]
fn apps_page_with_inactive_deleted_and_an_embedded_app_user() {
    // Slack (ACTIVE), Team Wiki (INACTIVE: still an app), Old Portal (DELETED: filtered), Zoom listed with
    // `expand=user/{id}` (its embedded app user is an assignment of Bob, through a group).
    let (rows, filtered) = read(by_default(), "apps-page.json");
    assert_eq!(
        rows,
        [
            "line=2 kind=2 app_instance_id=0oa1slack00000000001 app_id=slack app_display_name=Slack Enterprise app_created_at=2022-01-04T10:00:00.000Z",
            "line=46 kind=2 app_instance_id=0oa1wiki000000000006 app_id=bookmark app_display_name=Team Wiki app_created_at=2020-05-05T05:05:05.000Z",
            "line=134 kind=2 app_instance_id=0oa1zoom000000000003 app_id=zoomus app_display_name=Zoom app_created_at=2021-09-09T09:09:09.000Z",
            "line=134 kind=1 email=bob.roe@example.com user_id=00u1bob0000000000002 app_instance_id=0oa1zoom000000000003 app_display_name=Zoom activated_at=2021-09-10T10:00:00.000Z",
        ]
    );
    assert_eq!(filtered, 1);
}

#[test]
fn app_users_page_statuses_links_and_emails() {
    // Ann: embedded user (login, names, last login), app profile display name. Bob: DEPROVISIONED. Carol:
    // assigned through a group, app profile email "null", the app username is her email. Dave: UNASSIGNED with
    // no `statusChanged` and no `_links` (the app id is unknown here; the validator decides).
    let (rows, filtered) = read(by_default(), "app-users-page.json");
    assert_eq!(
        rows,
        [
            "line=2 kind=1 email=Ann.Lee@Example.com user_id=00u1ann0000000000001 first_name=Ann last_name=Lee display_name=Ann B. Lee app_instance_id=0oa1slack00000000001 activated_at=2023-01-11T09:00:00.000Z last_activity_at=2024-03-01T08:59:00.000Z",
            "line=65 kind=1 email=bob.roe@example.com user_id=00u1bob0000000000002 first_name=Bob last_name=Roe app_instance_id=0oa1slack00000000001 activated_at=2022-06-02T12:00:00.000Z deactivated_at=2024-02-29T17:31:00.000Z",
            "line=93 kind=1 email=carol@example.com user_id=00u1carol00000000004 app_instance_id=0oa1slack00000000001 activated_at=2023-05-05T05:00:00.000Z",
            "line=119 kind=1 user_id=00u1dave00000000006 activated_at=2023-07-07T07:00:00.000Z deactivated_at=2024-01-02T03:04:05.000Z",
        ]
    );
    assert_eq!(filtered, 0);
}

// ---- Single records -----------------------------------------------------------------------------------------

fn ndjson(lines: &[&str]) -> (Vec<String>, u64) {
    read_bytes(by_default(), format!("{}\n", lines.join("\n")).as_bytes())
}

const SSO: &str = r#""eventType":"user.authentication.sso","outcome":{"result":"SUCCESS"},"published":"2024-03-01T09:00:00Z""#;
const ACTOR: &str = r#""actor":{"id":"00u1","type":"User","alternateId":"ann@example.com"}"#;
const TARGET: &str = r#""target":[{"id":"0oa1","type":"AppInstance","displayName":"Slack"}]"#;

#[test]
fn non_user_actors_are_filtered_and_a_missing_actor_type_is_a_user() {
    let client = r#""actor":{"id":"0oa9","type":"PublicClientApp","alternateId":"svc-bot"}"#;
    let untyped = r#""actor":{"id":"00u1","alternateId":"ann@example.com"}"#;
    let (rows, filtered) = ndjson(&[
        &format!(r#"{{"uuid":"u1",{SSO},{client},{TARGET}}}"#),
        &format!(r#"{{"uuid":"u2",{SSO},{untyped},{TARGET}}}"#),
    ]);
    assert_eq!(
        rows,
        [
            "line=2 kind=0 event_id=u2 occurred_at=2024-03-01T09:00:00Z email=ann@example.com user_id=00u1 app_instance_id=0oa1 app_name=Slack"
        ]
    );
    assert_eq!(filtered, 1);
}

#[test]
fn envelopes_and_arrays_on_one_line_and_scalars() {
    let event = format!(r#"{{"uuid":"u1",{SSO},{ACTOR},{TARGET}}}"#);
    let (rows, filtered) = ndjson(&[
        &format!(r#"{{"time":1709283600,"sourcetype":"OktaIM2:log","event":{event}}}"#),
        &format!("[{event},{event}]"),
        r#"{"eventType":"com.okta.event_hook","data":{"events":null}}"#,
        r#"{"eventType":"com.okta.event_hook","data":{"events":[]}}"#,
        "[]",
        "42",
        &format!(r#"{event} {{"uuid":"#),
    ]);
    let row = "kind=0 event_id=u1 occurred_at=2024-03-01T09:00:00Z email=ann@example.com user_id=00u1 app_instance_id=0oa1 app_name=Slack";
    assert_eq!(
        rows,
        [
            format!("line=1 {row}"),
            format!("line=2 {row}"),
            format!("line=2 {row}"),
            "line=6 kind=0 reject_code=parse_error reject_detail=a number where an Okta record was expected: 42".to_string(),
            format!("line=7 {row}"),
            format!(
                "line=7 kind=0 reject_code=parse_error reject_detail=not valid JSON (EOF while parsing a value at line 1 column {}): {}",
                event.len() + 9,
                ssoimport_source::lenient::excerpt(&format!(r#"{event} {{"uuid":"#), 80)
            ),
        ]
    );
    assert_eq!(filtered, 3, "two empty deliveries and an empty page");
}

#[test]
fn outcome_and_target_types_are_read_case_insensitively_and_other_outcomes_are_filtered() {
    let lower = r#""eventType":"user.authentication.sso","outcome":{"result":"success"},"published":"t""#;
    let target = r#""target":[{"id":"0oa1","type":"appinstance","alternateId":"Slack Ent"}]"#;
    let (rows, filtered) = ndjson(&[
        &format!(r#"{{"uuid":"u1",{lower},{ACTOR},{target}}}"#),
        &format!(
            r#"{{"uuid":"u2","eventType":"user.authentication.sso","outcome":{{"result":"DENY"}},{ACTOR},{TARGET}}}"#
        ),
        &format!(r#"{{"uuid":"u3","eventType":"user.authentication.sso","published":"t",{ACTOR},{TARGET}}}"#),
    ]);
    assert_eq!(
        rows,
        [
            "line=1 kind=0 event_id=u1 occurred_at=t email=ann@example.com user_id=00u1 app_instance_id=0oa1 app_display_name=Slack Ent"
        ]
    );
    assert_eq!(filtered, 2, "DENY, and no outcome at all");
}

// ---- Sniffing and options ------------------------------------------------------------------------------------

#[test]
fn sniff_claims_every_okta_export_and_refuses_other_sources() {
    let mut names: Vec<PathBuf> = std::fs::read_dir(fixtures())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json" || e == "ndjson"))
        .collect();
    names.sort();
    assert_eq!(names.len(), 18);
    for path in names {
        let score = OktaSource::default().sniff(&std::fs::read(&path).unwrap());
        assert!(score >= 80, "{}: {score}", path.display());
    }
    let others: [&[u8]; 6] = [
        br#"{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#auditLogs/signIns","value":[{"id":"1","createdDateTime":"2024-03-01T09:00:00Z","userPrincipalName":"a@b.c"}]}"#,
        br#"{"kind": "admin#reports#activities", "items": [{"kind": "admin#reports#activity", "id": {"time": "2024-03-01T09:00:00.000Z", "uniqueQualifier": "1", "applicationName": "login"}, "actor": {"email": "a@b.c", "profileId": "1"}, "events": [{"type": "login", "name": "login_success"}]}]}"#,
        br#"{"records":[{"time":"2024-03-01T09:00:00Z","category":"SignInLogs","properties":{"userPrincipalName":"a@b.c"}}]}"#,
        br#"{"Level":"4","category":"SignInLogs","operationName":"Sign-in activity","properties":{"id":"x","createdDateTime":"2024-03-01T09:00:00Z"}}"#,
        b"User Email,Application Name,Date\nann@example.com,Slack,2024-03-01\n",
        b"",
    ];
    for head in others {
        assert_eq!(sniff(head), 0, "{}", String::from_utf8_lossy(head));
    }
    assert_eq!(sniff(br#"[{"hello":"world"}]"#), 10);
    assert!(sniff(b"\xEF\xBB\xBF[{\"eventType\":\"x\",\"uuid\":\"u\",\"published\":\"p\"}]") >= 80);
}

#[test]
fn options_builders() {
    let options = OktaOptions::default();
    assert_eq!(options.event_types, [SSO_EVENT_TYPE]);
    assert!(options.wants(" user.authentication.sso "));
    assert!(!options.wants("user.session.start"));
    let widened = options
        .clone()
        .add_event_type("user.session.start")
        .add_event_type("user.session.start");
    assert_eq!(
        widened.event_types,
        ["user.authentication.sso", "user.session.start"]
    );
    let replaced = options.event_types(["user.session.start"]);
    assert!(!replaced.wants(SSO_EVENT_TYPE));
    let source = OktaSource::new(replaced.dashboard_app("home", "Okta Home"));
    assert_eq!(source.options().dashboard_app_name, "Okta Home");
    assert_eq!(source.name(), "okta");
}

#[test]
fn a_malformed_value_the_mapping_reads_is_rejected_as_a_full_parse_rejects_it() {
    let event =
        |actor: &str, target: &str, extra: &str| format!(r#"{{"uuid":"u1",{SSO},{actor},{target}{extra}}}"#);
    let (rows, filtered) = ndjson(&[
        // A missing colon inside the actor.
        &event(
            r#""actor":{"id":"00u1","type":"User","alternateId" "x"}"#,
            TARGET,
            "",
        ),
        // An invalid escape in the app's name.
        &event(
            ACTOR,
            r#""target":[{"id":"0oa1","type":"AppInstance","displayName":"Sl\xck"}]"#,
            "",
        ),
        // A raw tab inside the email.
        &event(
            r#""actor":{"id":"00u1","type":"User","alternateId":"ann	@example.com"}"#,
            TARGET,
            "",
        ),
        // A broken literal where the outcome is read (the last `outcome` wins).
        &event(ACTOR, TARGET, r#","outcome":{"result":tru}"#),
        // A broken target list.
        &event(ACTOR, r#""target":[{"id":"0oa1","type":"AppInstance"},]"#, ""),
        // Malformed values that no row reads are skipped: these events convert.
        &event(ACTOR, TARGET, r#","debugContext":{"n":1e400}"#),
        &event(
            r#""actor":{"id":"00u1","type":"User","alternateId":"ann@example.com","detailEntry":{"n":1e400}}"#,
            TARGET,
            "",
        ),
    ]);
    assert_eq!(filtered, 0);
    assert_eq!(rows.len(), 7, "{rows:#?}");
    for (row, line) in rows[..5].iter().zip(1..) {
        assert!(
            row.starts_with(&format!(
                "line={line} kind=0 reject_code=parse_error reject_detail=not valid JSON"
            )),
            "{row}"
        );
    }
    for (row, line) in rows[5..].iter().zip(6..) {
        assert_eq!(
            *row,
            format!(
                "line={line} kind=0 event_id=u1 occurred_at=2024-03-01T09:00:00Z email=ann@example.com user_id=00u1 app_instance_id=0oa1 app_name=Slack"
            )
        );
    }
}

/// Parses one record with or without the fast path; returns its rendered rows and filter count.
fn parse_one(fast: bool, record: &str) -> (Vec<String>, u64) {
    use ssoimport_source::{Provenance, RecordBuilder, RecordParser};
    let options = Arc::new(OktaOptions::default());
    let parser = if fast {
        record::OktaParser::new(options)
    } else {
        record::OktaParser::full_parse_only(options)
    };
    let mut out = RecordBuilder::new(Arc::from("case"));
    out.begin(Provenance {
        line: Some(1),
        ..Default::default()
    });
    parser.parse(record, &mut out);
    let filtered = out.take_filtered();
    (conformance::render(&[out.finish()]), filtered)
}

#[test]
fn mutated_events_read_the_same_on_the_fast_path_and_the_full_parse() {
    // An event holding only values the mapping uses (no repeated key either: the first would go unused), with
    // escapes and a target before the app: every deletion, insertion and replacement of a byte that matters to
    // JSON either keeps it JSON (both paths must then read alike) or breaks something the mapping uses (the fast
    // path must then decline, and the full parse rejects it). Malformed values nothing uses are the fast path's
    // one deliberate difference, tested above.
    let record = r#"{"uuid":"u1","eventType":"user.authentication.sso","outcome":{"result":"SUCCESS"},"published":"2024-03-01T09:00:00.123Z","actor":{"id":"00u1","type":"User","alternateId":"ann\u00e9@example.com","displayName":"A \"q\" B"},"target":[{"type":"AppUser"},{"id":"0oa2","type":"AppInstance","alternateId":"slack","displayName":"Sl\/ack"}]}"#;
    let specials = [
        "\"", "\\", ",", ":", "{", "}", "[", "]", "\0", "\t", " ", "0", "-", "e", "u", "n", "t",
    ];
    let (mut mutants, mut json_ones) = (0, 0);
    let mut check = |variant: &str| {
        let (fast, full) = (parse_one(true, variant), parse_one(false, variant));
        assert_eq!(fast, full, "{variant}");
        mutants += 1;
        json_ones += usize::from(serde_json::from_str::<serde_json::Value>(variant).is_ok());
    };
    check(record);
    for at in (0..=record.len()).filter(|&i| record.is_char_boundary(i)) {
        let next = (at + 1..=record.len()).find(|&i| record.is_char_boundary(i));
        if let Some(next) = next {
            check(&format!("{}{}", &record[..at], &record[next..]));
        }
        for s in specials {
            check(&format!("{}{s}{}", &record[..at], &record[at..]));
            if let Some(next) = next {
                check(&format!("{}{s}{}", &record[..at], &record[next..]));
            }
        }
    }
    // Many mutants are still JSON (a character more in a string, another digit): those take the fast path.
    assert!(
        mutants > 10_000 && json_ones > mutants / 4,
        "{json_ones} of {mutants}"
    );
}
