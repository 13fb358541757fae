//! Snapshot-style tests over every sample and fixture in `fixtures/entra/`: the exact rows each gives, what is
//! filtered, and the conformance suite over each container.

use std::io::Read;
use std::sync::Arc;

use ssoimport_source::{conformance, expand_inputs, open_input};

use super::*;

fn fixture_path(name: &str) -> String {
    format!("{}/../../fixtures/entra/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn fixture(name: &str) -> Vec<u8> {
    let path = fixture_path(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Decodes an input under its file name (portal downloads are told apart by it); returns the rendered rows and
/// the filtered count.
fn decode(name: &str, input: &[u8], options: EntraOptions) -> (Vec<String>, u64) {
    conformance::decode_named(Arc::new(EntraSource::new(options)), name, input, input.len())
}

/// Reads a fixture under its own name, and runs the conformance suite over it (split anywhere, gzip, small
/// chunks), which must give the same rows where the file name tells nothing.
fn read(name: &str, options: EntraOptions) -> (Vec<String>, u64) {
    let bytes = fixture(name);
    let (rows, filtered) = decode(name, &bytes, options);
    let base = name.rsplit('/').next().unwrap_or(name);
    let conforming = conformance::check(Arc::new(EntraSource::new(options)), &bytes);
    if signin::file_kind(base).is_none() && !signin::is_auth_details_file(base) {
        assert_eq!(
            conforming, rows,
            "{name}: rows do not depend on how the input arrives"
        );
    }
    (rows, filtered)
}

fn all() -> EntraOptions {
    EntraOptions::default()
}

fn interactive() -> EntraOptions {
    EntraOptions::default().interactive_only(true)
}

// ---- The real samples (fixtures copied from shared/samples/azure) ----

#[test]
fn graph_v1_signins_page_gives_its_sign_in() {
    let (rows, filtered) = read("graph-v1-signins-page.json", all());
    assert_eq!(
        rows,
        [
            "line=5 kind=0 event_id=66ea54eb-6301-4ee5-be62-ff5a759b0100 occurred_at=2020-03-13T19:15:41.6195833Z \
             email=testaccount1@contoso.com user_id=26be570a-ae82-4189-b4e2-a37c6808512d display_name=Test Contoso \
             app_instance_id=de8bc8b5-d9f9-48b1-a8ad-b748da725064 app_id=de8bc8b5-d9f9-48b1-a8ad-b748da725064 \
             app_name=Graph explorer"
        ]
    );
    assert_eq!(filtered, 0);
}

#[test]
fn graph_beta_sample_with_duplicate_keys_is_read_and_its_failed_sign_in_filtered() {
    // Duplicate `homeTenantId` / `uniqueTokenIdentifier` / `isTenantRestricted`, `geoCoordinates: {}`: the record
    // parses; its status is 50126 (bad password), so it is no usage.
    let (rows, filtered) = read("graph-beta-signins-page.json", all());
    assert!(rows.is_empty(), "{rows:?}");
    assert_eq!(filtered, 1);
}

#[test]
fn graph_v1_users_page_gives_user_rows() {
    let (rows, filtered) = read("graph-v1-users-page.json", all());
    assert_eq!(
        rows,
        [
            "line=4 kind=3 email=Adams@contoso.com user_id=6ea91a8d-e32e-41a1-b7bd-d2d185eed0e0 \
             display_name=Conf Room Adams",
            "line=17 kind=3 email=admin@contoso.com user_id=4562bcc8-c436-4f95-b7c0-4f8ce89dca5e first_name=MOD \
             last_name=Administrator display_name=MOD Administrator",
        ]
    );
    assert_eq!(filtered, 0);
}

#[test]
fn graph_v1_app_role_assigned_to_page_gives_an_assignment() {
    let (rows, filtered) = read("graph-v1-serviceprincipal-approleassignedto-page.json", all());
    assert_eq!(
        rows,
        [
            "line=4 kind=1 user_id=cdb555e3-b33e-4fd5-a427-17fadacbdfa7 display_name=MOD Administrator \
             app_instance_id=8e881353-1735-45af-af21-ee1344582a4d app_name=dxprovisioning-graphapi-client \
             activated_at=2021-02-02T04:22:45.9480566Z"
        ]
    );
    assert_eq!(filtered, 0);
}

#[test]
fn azure_monitor_sample_failures_are_all_filtered() {
    // Five records, one per category; every one failed (50140, "Keep me signed in" interrupt).
    let (rows, filtered) = read("elastic-signinlogs-azure-monitor.ndjson", all());
    assert!(rows.is_empty(), "{rows:?}");
    assert_eq!(filtered, 5);
}

#[test]
fn azure_monitor_sample_read_as_successes_keeps_user_categories_only() {
    // The same records had they succeeded: the two user categories are usage (the non-interactive one with a
    // GUID for a UPN, which the validator rejects as `invalid_email`); the service principal, Microsoft service
    // principal and managed identity ones are filtered. `createdDateTime` keeps its `-05:00` offset.
    let bytes = String::from_utf8(fixture("elastic-signinlogs-azure-monitor.ndjson"))
        .unwrap()
        .replace("50140", "0");
    let (rows, filtered) = decode("PT1H.json", bytes.as_bytes(), all());
    let guid = "8a4de8b5-095c-47d0-a96f-a75130c61d53";
    let common = format!("event_id={guid} occurred_at=2019-10-18T04:45:48.0729893-05:00");
    let app = format!(
        "user_id={guid} display_name=Test LTest app_instance_id={guid} app_id={guid} app_name=Office 365"
    );
    assert_eq!(
        rows,
        [
            format!("line=1 kind=0 {common} email=test@elastic.co {app}"),
            format!("line=2 kind=0 {common} email=c3813493-bf92-5123-2717-8a8b2979c38b {app}"),
        ]
    );
    assert_eq!(filtered, 3);
    let (rows, filtered) = decode("PT1H.json", bytes.as_bytes(), interactive());
    assert_eq!(
        rows.len(),
        1,
        "SignInLogs is interactive whatever its isInteractive says"
    );
    assert_eq!(filtered, 4);
}

// ---- Graph sign-ins ----

#[test]
fn graph_beta_page_tells_kinds_apart() {
    let (rows, filtered) = read("graph-beta-signins-kinds.json", all());
    assert_eq!(
        rows,
        [
            // Duplicate `appDisplayName`: the last one wins. 7 fractional digits kept as written.
            "line=4 kind=0 event_id=e01 occurred_at=2025-03-01T09:15:22.1234567Z email=Ann.Lee@Contoso.com \
             user_id=u-ann display_name=Ann Lee app_instance_id=app-sf app_id=app-sf app_name=Salesforce",
            // nonInteractiveUser, errorCode "0" as a string, an offset the normalizer converts to UTC.
            "line=20 kind=0 event_id=e02 occurred_at=2025-03-01T04:20:00.5-05:00 email=Ann.Lee@Contoso.com \
             user_id=u-ann display_name=Ann Lee app_instance_id=app-teams app_id=app-teams app_name=Microsoft Teams",
            // e03 service principal, e04 managed identity, e05 errorCode "50126": filtered.
            // A UPN that is no email: handed over as written, the validator rejects it as invalid_email.
            "line=65 kind=0 event_id=e06 occurred_at=2025-03-01T09:33:00Z \
             email=c3813493-bf92-5123-2717-8a8b2979c38b user_id=u-guest display_name=Guest Without UPN \
             app_instance_id=app-sf app_id=app-sf app_name=Salesforce",
            "line=76 kind=0 reject_code=missing_app_target reject_detail=a successful user sign-in names no \
             application (no appId, no appDisplayName)",
            // No signInEventTypes, isInteractive "false": non-interactive.
            "line=87 kind=0 event_id=e08 occurred_at=2025-03-01T09:35:00Z email=cy@contoso.com user_id=u-cy \
             display_name=Cy Park app_instance_id=app-box app_id=app-box app_name=Box",
        ]
    );
    assert_eq!(filtered, 3);

    let (rows, filtered) = read("graph-beta-signins-kinds.json", interactive());
    let ids: Vec<_> = rows.iter().map(|r| &r[..r.find(" kind").unwrap()]).collect();
    assert_eq!(
        ids,
        ["line=4", "line=65", "line=76"],
        "e02 and e08 are non-interactive"
    );
    assert_eq!(filtered, 5);
}

#[test]
fn portal_json_download_is_an_array_of_sign_ins() {
    let (rows, filtered) = read("portal-download-signins.json", all());
    let dee = "email=dee@contoso.com user_id=u-dee display_name=Dee Moss app_instance_id=app-zoom app_id=app-zoom \
               app_name=Zoom";
    assert_eq!(
        rows,
        [
            format!("line=2 kind=0 event_id=p01 occurred_at=2025-03-02T08:00:00Z {dee}"),
            format!("line=8 kind=0 event_id=p03 occurred_at=2025-03-02T08:06:00Z {dee}"),
        ]
    );
    assert_eq!(filtered, 1, "p02 failed (50074)");

    // Downloaded from the non-interactive tab, the file name is all that tells the records' kind.
    let bytes = fixture("portal-download-signins.json");
    let (rows, filtered) = decode("NonInteractiveSignIns_2025-03-02.json", &bytes, interactive());
    assert!(rows.is_empty());
    assert_eq!(filtered, 3);
    let (rows, _) = decode("InteractiveSignIns_2025-03-02.json", &bytes, interactive());
    assert_eq!(rows.len(), 2);
}

#[test]
fn ndjson_lines_pages_and_broken_lines() {
    let (rows, filtered) = read("signins.ndjson", all());
    assert_eq!(
        rows,
        [
            "line=1 kind=0 event_id=n01 occurred_at=2025-03-03T10:00:00Z email=eve@contoso.com user_id=u-eve \
             app_instance_id=app-slack app_id=app-slack app_name=Slack",
            "line=3 kind=0 reject_code=parse_error reject_detail=not valid JSON (EOF while parsing an object at \
             line 2 column 0): {\"id\":\"n02\",\"createdDateTime\":\"2025-03-03T10:01:00Z\",\"userPrincipalName\":\
             \"eve@co…",
            "line=4 kind=0 reject_code=parse_error reject_detail=expected a JSON object (a sign-in, user or app \
             role assignment), found a string",
            // A whole Graph page on one line: its sign-ins, n05 (50140) filtered.
            "line=5 kind=0 event_id=n04 occurred_at=2025-03-03T10:04:00Z email=fay@contoso.com user_id=u-fay \
             app_instance_id=app-slack app_id=app-slack app_name=Slack",
            // Duplicate `id`: the last one wins.
            "line=7 kind=0 event_id=n06-last occurred_at=2025-03-03T10:06:00Z email=gus@contoso.com \
             user_id=u-gus app_instance_id=app-jira app_id=app-jira app_name=Jira",
        ]
    );
    assert_eq!(filtered, 2, "n05 failed; line 6 is an empty page");
}

#[test]
fn a_trailing_comma_rejects_its_record_only() {
    let (rows, filtered) = read("graph-v1-signins-trailing-comma.json", all());
    assert_eq!(rows.len(), 1);
    assert!(
        rows[0].starts_with(
            "line=5 kind=0 reject_code=parse_error reject_detail=not valid JSON (trailing comma at line 60 column 15)"
        ),
        "{}",
        rows[0]
    );
    assert_eq!(filtered, 0);
}

#[test]
fn a_directory_of_pages_reads_page_by_page() {
    let inputs = expand_inputs(&[fixture_path("graph-signins-pages")]).unwrap();
    let mut all_rows = Vec::new();
    let mut filtered = 0;
    for input in &inputs {
        let opened = open_input(input, None).unwrap();
        let mut bytes = opened.head;
        opened.reader.take(u64::MAX).read_to_end(&mut bytes).unwrap();
        let (rows, f) = decode(&input.name, &bytes, all());
        all_rows.extend(rows);
        filtered += f;
    }
    assert_eq!(inputs.len(), 2);
    assert_eq!(
        all_rows,
        [
            "line=5 kind=0 event_id=g01 occurred_at=2025-03-07T12:00:02Z email=ann.lee@contoso.com user_id=u-ann \
             app_instance_id=app-sf app_id=app-sf app_name=Salesforce",
            "line=4 kind=0 event_id=g03 occurred_at=2025-03-07T12:00:00Z email=cy@contoso.com user_id=u-cy \
             app_instance_id=app-box app_id=app-box app_name=Box",
        ]
    );
    assert_eq!(filtered, 1, "g02 failed");
    for page in [
        "graph-signins-pages/page-1.json",
        "graph-signins-pages/page-2.json",
    ] {
        read(page, all());
    }
}

// ---- Azure Monitor ----

#[test]
fn event_hub_message_tells_kinds_by_category() {
    let (rows, filtered) = read("azure-monitor-eventhub-records.json", all());
    assert_eq!(
        rows,
        [
            // SignInLogs: interactive, though the record says isInteractive false; the offset is kept as written.
            "line=2 kind=0 event_id=m01 occurred_at=2025-03-04T09:00:00.1234567-05:00 email=Hal@Contoso.com \
             user_id=u-hal display_name=Hal Ito app_instance_id=app-snow app_id=app-snow app_name=ServiceNow",
            // No status in properties: the record's resultType "0" says success.
            "line=3 kind=0 event_id=m02 occurred_at=2025-03-04T14:01:00Z email=hal@contoso.com user_id=u-hal \
             app_instance_id=app-snow app_id=app-snow app_name=ServiceNow",
            // m03 service principal, m04 managed identity, m05 Microsoft service principal: filtered.
            // ADFSSignInLogs: a user sign-in to a relying party.
            "line=7 kind=0 event_id=m06 occurred_at=2025-03-04T14:05:00Z email=ivy@contoso.com user_id=u-ivy \
             app_instance_id=urn:hr:portal app_id=urn:hr:portal app_name=Legacy HR portal",
            // AuditLogs and the 50140 sign-in: filtered. `properties` written as a JSON string:
            "line=10 kind=0 event_id=m09 occurred_at=2025-03-04T14:08:00Z email=jo@contoso.com user_id=u-jo \
             app_instance_id=app-wd app_id=app-wd app_name=Workday",
            // No createdDateTime: the record's `time`.
            "line=11 kind=0 event_id=m10 occurred_at=2025-03-04T14:09:00Z email=jo@contoso.com user_id=u-jo \
             app_instance_id=app-wd app_id=app-wd app_name=Workday",
        ]
    );
    assert_eq!(filtered, 5);
    let (rows, filtered) = read("azure-monitor-eventhub-records.json", interactive());
    assert_eq!(rows.len(), 4, "m02 is NonInteractiveUserSignInLogs");
    assert_eq!(filtered, 6);
}

#[test]
fn storage_blob_holds_one_record_per_line() {
    let (rows, filtered) = read("azure-monitor-storage-PT1H.json", all());
    assert_eq!(
        rows,
        [
            "line=1 kind=0 event_id=b01 occurred_at=2025-03-05T08:00:00.1Z email=kim@contoso.com user_id=u-kim \
             app_instance_id=app-gh app_id=app-gh app_name=GitHub",
            "line=2 kind=0 event_id=b02 occurred_at=2025-03-05T08:01:00Z email=kim@contoso.com user_id=u-kim \
             app_instance_id=app-gh app_id=app-gh app_name=GitHub",
        ]
    );
    assert_eq!(filtered, 1);
}

#[test]
fn event_hub_messages_one_per_line() {
    let (rows, filtered) = read("azure-monitor-eventhub-messages.ndjson", all());
    let lu = "email=lu@contoso.com user_id=u-lu app_instance_id=app-miro app_id=app-miro app_name=Miro";
    assert_eq!(
        rows,
        [
            format!("line=1 kind=0 event_id=h01 occurred_at=2025-03-06T07:00:00Z {lu}"),
            format!("line=2 kind=0 event_id=h03 occurred_at=2025-03-06T07:05:00Z {lu}"),
        ]
    );
    assert_eq!(filtered, 1);
}

// ---- Portal CSV downloads ----

#[test]
fn interactive_csv_download_with_its_hazards() {
    let name = "InteractiveSignIns_2025-03-01_2025-03-02.csv";
    let (rows, filtered) = read(name, all());
    assert_eq!(
        rows,
        [
            // BOM, `Application ID ` with its trailing space, `Location` "Redmond, Washington, US" quoted.
            "line=2 kind=0 event_id=r01 occurred_at=2025-03-01T09:15:22Z email=Ann.Lee@Contoso.com user_id=u-ann \
             display_name=Lee, Ann app_instance_id=app-sf app_id=app-sf app_name=Salesforce",
            // r02 Failure and r03 Interrupted: filtered. A Username that is no email goes to the validator.
            "line=5 kind=0 event_id=r04 occurred_at=2025-03-01T09:18:00Z \
             email=c3813493-bf92-5123-2717-8a8b2979c38b user_id=u-guest display_name=Guest \
             app_instance_id=app-sf app_id=app-sf app_name=Salesforce",
            "line=6 kind=0 reject_code=missing_app_target reject_detail=a successful user sign-in names no \
             application (no appId, no appDisplayName)",
            // A row of empty cells and the header again (two downloads concatenated): filtered. Then a quoted
            // user agent over two lines, `Status` Success with no error code.
            "line=9 kind=0 event_id=r06 occurred_at=2025-03-01T09:20:00Z email=dee@contoso.com user_id=u-dee \
             display_name=Dee Moss app_instance_id=app-zoom app_id=app-zoom app_name=Zoom",
            "line=11 kind=0 reject_code=field_count_mismatch reject_detail=row has 59 fields but the header has 57; \
             an unquoted comma (in `Location`, say)?",
            "line=12 kind=0 event_id=r08 occurred_at=2025-03-01T09:22:00Z email=fay@contoso.com user_id=u-fay \
             display_name=Fay Ode app_instance_id=app-box app_id=app-box app_name=Box",
        ]
    );
    assert_eq!(filtered, 4);
    let (interactive_rows, _) = read(name, interactive());
    assert_eq!(interactive_rows, rows);
}

#[test]
fn non_interactive_csv_download_is_told_by_its_name() {
    let name = "NonInteractiveSignIns_2025-03-01_2025-03-02.csv";
    let (rows, filtered) = read(name, all());
    assert_eq!(
        rows,
        [
            "line=2 kind=0 event_id=n01 occurred_at=2025-03-01T10:00:00Z email=ann.lee@contoso.com user_id=u-ann \
             display_name=Lee, Ann app_instance_id=app-teams app_id=app-teams app_name=Microsoft Teams",
            "line=4 kind=0 event_id=n03 occurred_at=2025-03-01T10:10:00Z email=hal@contoso.com user_id=u-hal \
             display_name=Hal Ito app_instance_id=app-snow app_id=app-snow app_name=ServiceNow",
        ]
    );
    assert_eq!(filtered, 1);
    let (rows, filtered) = read(name, interactive());
    assert!(rows.is_empty());
    assert_eq!(filtered, 3);
}

#[test]
fn application_sign_ins_download_is_filtered() {
    let (rows, filtered) = read("ApplicationSignIns_2025-03-01_2025-03-02.csv", all());
    assert!(rows.is_empty(), "{rows:?}");
    assert_eq!(filtered, 2);
    // Renamed, its rows still name a service principal and no user.
    let (rows, filtered) = decode(
        "apps.csv",
        &fixture("ApplicationSignIns_2025-03-01_2025-03-02.csv"),
        all(),
    );
    assert!(rows.is_empty(), "{rows:?}");
    assert_eq!(filtered, 2);
}

#[test]
fn auth_details_companion_is_filtered() {
    let name = "InteractiveSignIns_AuthDetails_2025-03-01_2025-03-02.csv";
    let (rows, filtered) = read(name, all());
    assert!(rows.is_empty());
    assert_eq!(filtered, 2);
    let (rows, filtered) = decode("steps.csv", &fixture(name), all());
    assert!(rows.is_empty());
    assert_eq!(filtered, 2);
}

#[test]
fn legacy_csv_keeps_us_dates_as_written() {
    let (rows, filtered) = read("legacy-portal-signins-us-dates.csv", all());
    assert_eq!(
        rows,
        [
            "line=2 kind=0 occurred_at=3/12/2025 7:22:01 AM email=Gus.Ray@Contoso.com display_name=Gus Ray \
             app_name=Adobe Creative Cloud",
            "line=4 kind=0 occurred_at=12/3/2025 11:02:13 AM email=hana@contoso.com display_name=Hana Sato \
             app_name=Atlassian Cloud",
        ]
    );
    assert_eq!(filtered, 1, "the Failure row");
}

#[test]
fn csv_columns_are_found_by_name_in_any_order() {
    // Columns shuffled, names in other cases and spacing, unknown columns between them, `Sign-in error code`
    // 0 where `Status` is blank.
    let input =
        b"Foo,  application  ,STATUS,USERNAME,Sign-in error code,\"date (utc)\",Request ID,User ID,Bar\n\
x,Slack,,ann@contoso.com,0,2025-03-01T09:00:00Z,q1,u-ann,y\n\
x,Slack,Failure,ann@contoso.com,,2025-03-01T09:01:00Z,q2,u-ann,y\n";
    let (rows, filtered) = decode("export.csv", input, all());
    assert_eq!(
        rows,
        [
            "line=2 kind=0 event_id=q1 occurred_at=2025-03-01T09:00:00Z email=ann@contoso.com user_id=u-ann app_name=Slack"
        ]
    );
    assert_eq!(filtered, 1);
    conformance::check(Arc::new(EntraSource::default()), input);
}

#[test]
fn log_analytics_csv_export_is_read() {
    // `SigninLogs` / `AADNonInteractiveUserSignInLogs` exported from Log Analytics: PascalCase columns, the
    // status as JSON in a cell, the table in `Category`.
    let input = b"TimeGenerated [UTC],Category,ResultType,Status,CreatedDateTime [UTC],Id,UserPrincipalName,UserId,AppDisplayName,AppId\n\
\"3/4/2025, 2:00:00.000 PM\",SignInLogs,0,\"{\"\"errorCode\"\":0}\",\"3/4/2025, 2:00:00.000 PM\",la1,ann@contoso.com,u-ann,Slack,app-slack\n\
\"3/4/2025, 2:01:00.000 PM\",NonInteractiveUserSignInLogs,,\"{\"\"errorCode\"\":0}\",\"3/4/2025, 2:01:00.000 PM\",la2,ann@contoso.com,u-ann,Slack,app-slack\n\
\"3/4/2025, 2:02:00.000 PM\",ServicePrincipalSignInLogs,0,,\"3/4/2025, 2:02:00.000 PM\",la3,,,ETL,app-etl\n\
\"3/4/2025, 2:03:00.000 PM\",SignInLogs,,\"{\"\"errorCode\"\":50126}\",\"3/4/2025, 2:03:00.000 PM\",la4,ann@contoso.com,u-ann,Slack,app-slack\n";
    let (rows, filtered) = decode("query_data.csv", input, all());
    let ann = "email=ann@contoso.com user_id=u-ann app_instance_id=app-slack app_id=app-slack app_name=Slack";
    assert_eq!(
        rows,
        [
            format!("line=2 kind=0 event_id=la1 occurred_at=3/4/2025, 2:00:00.000 PM {ann}"),
            format!("line=3 kind=0 event_id=la2 occurred_at=3/4/2025, 2:01:00.000 PM {ann}"),
        ]
    );
    assert_eq!(filtered, 2);
    let (rows, _) = decode("query_data.csv", input, interactive());
    assert_eq!(rows.len(), 1);
}

#[test]
fn a_csv_without_the_needed_columns_is_a_clear_error() {
    let source = EntraSource::default();
    let err = match source.prepare("export.csv", b"Email,Tool\n") {
        Err(e) => e.to_string(),
        Ok(_) => panic!("a header with no time, user or app column"),
    };
    assert_eq!(
        err,
        "export.csv is not a Microsoft Entra ID sign-ins CSV export: no column for the time (`Date (UTC)`), the user \
         (`Username` or `User ID`), the application (`Application` or `Application ID`); the header is: Email, Tool"
    );
}

#[test]
fn non_objects_in_an_array_are_rejected_one_by_one() {
    let input = br#"["a sign-in?", 42, {"id": "x1", "createdDateTime": "2025-03-01T00:00:00Z",
        "userPrincipalName": "ann@contoso.com", "appDisplayName": "Slack", "status": {"errorCode": 0}}, null]"#;
    let rows = conformance::check(Arc::new(EntraSource::default()), input);
    assert_eq!(
        rows,
        [
            "line=1 kind=0 reject_code=parse_error reject_detail=expected a JSON object (a sign-in, user or app \
             role assignment), found a string",
            "line=1 kind=0 reject_code=parse_error reject_detail=expected a JSON object (a sign-in, user or app \
             role assignment), found a number",
            "line=1 kind=0 event_id=x1 occurred_at=2025-03-01T00:00:00Z email=ann@contoso.com app_name=Slack",
            "line=2 kind=0 reject_code=parse_error reject_detail=expected a JSON object (a sign-in, user or app \
             role assignment), found null",
        ]
    );
}

#[test]
fn sign_ins_without_status_are_kept_and_other_directory_objects_filtered() {
    // `$select=id,createdDateTime,userPrincipalName,appDisplayName` with `$filter=status/errorCode eq 0`: no
    // status to read, nothing says the sign-in failed. A service principal and a group are not sign-ins.
    let input = br##"{"value": [
{"id": "s1", "createdDateTime": "2025-03-01T00:00:00Z", "userPrincipalName": "ann@contoso.com", "appDisplayName": "Slack"},
{"id": "sp", "appId": "a", "displayName": "Slack", "servicePrincipalType": "Application"},
{"@odata.type": "#microsoft.graph.group", "id": "g", "displayName": "Sales"}
]}"##;
    let (rows, filtered) = decode("select.json", input, all());
    assert_eq!(
        rows,
        ["line=2 kind=0 event_id=s1 occurred_at=2025-03-01T00:00:00Z email=ann@contoso.com app_name=Slack"]
    );
    assert_eq!(filtered, 2);
}

// ---- Rosters ----

#[test]
fn users_page_with_sign_in_activity() {
    let (rows, filtered) = read("graph-users-signinactivity-page.json", all());
    assert_eq!(
        rows,
        [
            // Last activity: the last successful sign-in, not the later failed attempt.
            "line=5 kind=3 email=Ann.Lee@Contoso.com user_id=u-ann first_name=Ann last_name=Lee \
             display_name=Ann Lee activated_at=2021-05-04T10:11:12Z last_activity_at=2025-03-01T09:15:22Z",
            // accountEnabled false gives no date: deactivated_at stays empty.
            "line=23 kind=3 email=bo@contoso.com user_id=u-bo display_name=Bo Diaz \
             activated_at=2019-01-02T03:04:05Z last_activity_at=2024-11-30T18:00:00Z",
            // No UPN: the mail. signInActivity null.
            "line=37 kind=3 email=Adams@contoso.com user_id=u-room display_name=Conf Room Adams \
             activated_at=2022-07-08T09:10:11Z",
            // @odata.type; the year-1 "never" is no activity.
            "line=46 kind=3 email=cy@contoso.com user_id=u-cy display_name=Cy Park",
        ]
    );
    assert_eq!(filtered, 0);
}

#[test]
fn app_role_assignments_of_users_only() {
    let (rows, filtered) = read("graph-approleassignedto-principal-types.json", all());
    assert_eq!(
        rows,
        [
            "line=4 kind=1 user_id=u-ann display_name=Ann Lee app_instance_id=sp-sf app_name=Salesforce \
             activated_at=2023-01-10T08:00:00.1234567Z",
            // The group and the service principal assigned to the app: filtered.
            "line=37 kind=1 user_id=u-bo display_name=Bo Diaz app_instance_id=sp-sf app_name=Salesforce \
             activated_at=2022-06-01T08:00:00Z deactivated_at=2025-02-01T00:00:00Z",
        ]
    );
    assert_eq!(filtered, 2);
}

// ---- Sniffing ----

#[test]
fn every_fixture_sniffs_as_entra() {
    let source = EntraSource::default();
    let expected = [
        ("graph-v1-signins-page.json", 95),
        ("graph-beta-signins-page.json", 95),
        ("graph-v1-users-page.json", 95),
        ("graph-v1-serviceprincipal-approleassignedto-page.json", 95),
        ("elastic-signinlogs-azure-monitor.ndjson", 95),
        ("graph-beta-signins-kinds.json", 95),
        ("portal-download-signins.json", 90),
        ("signins.ndjson", 95),
        ("graph-v1-signins-trailing-comma.json", 95),
        ("graph-signins-pages/page-1.json", 95),
        ("azure-monitor-eventhub-records.json", 95),
        ("azure-monitor-storage-PT1H.json", 95),
        ("azure-monitor-eventhub-messages.ndjson", 95),
        ("InteractiveSignIns_2025-03-01_2025-03-02.csv", 90),
        ("NonInteractiveSignIns_2025-03-01_2025-03-02.csv", 90),
        ("ApplicationSignIns_2025-03-01_2025-03-02.csv", 90),
        ("InteractiveSignIns_AuthDetails_2025-03-01_2025-03-02.csv", 80),
        ("legacy-portal-signins-us-dates.csv", 85),
        ("graph-users-signinactivity-page.json", 95),
        ("graph-approleassignedto-principal-types.json", 95),
    ];
    for (name, score) in expected {
        assert_eq!(source.sniff(&fixture(name)), score, "{name}");
    }
    // Without the page's @odata.context: a bare array of users or of assignments.
    assert_eq!(
        source.sniff(br#"[{"id":"u","userPrincipalName":"a@b.co","givenName":"A","surname":"B"}]"#),
        80
    );
    assert_eq!(
        source.sniff(
            br#"[{"principalId":"u","principalType":"User","resourceDisplayName":"X","resourceId":"r"}]"#
        ),
        85
    );
}

#[test]
fn the_options_builder_sets_interactive_only() {
    assert!(!EntraOptions::default().interactive_only);
    let source = EntraSource::new(EntraOptions::default().interactive_only(true));
    assert!(source.options().interactive_only);
    assert_eq!(source.name(), "entra");
}

#[test]
fn log_analytics_json_export_is_read() {
    // `SigninLogs` rows exported from Log Analytics as JSON: PascalCase, the sign-in flattened onto the record.
    let input = br#"[
{"TenantId": "t1", "TimeGenerated": "2025-03-04T14:00:00Z", "OperationName": "Sign-in activity", "Category": "SignInLogs",
 "ResultType": "0", "CreatedDateTime": "2025-03-04T14:00:00.1234567Z", "Id": "la1", "UserPrincipalName": "Ann@Contoso.com",
 "UserId": "u-ann", "UserDisplayName": "Ann Lee", "AppDisplayName": "Slack", "AppId": "app-slack", "Status": {"errorCode": 0}},
{"TenantId": "t1", "TimeGenerated": "2025-03-04T14:01:00Z", "OperationName": "Sign-in activity", "Category": "AADNonInteractiveUserSignInLogs",
 "ResultType": "50140", "CreatedDateTime": "2025-03-04T14:01:00Z", "Id": "la2", "UserPrincipalName": "ann@contoso.com",
 "UserId": "u-ann", "AppDisplayName": "Slack", "AppId": "app-slack", "Status": "{\"errorCode\":50140}"},
{"TenantId": "t1", "TimeGenerated": "2025-03-04T14:02:00Z", "OperationName": "Sign-in activity", "Category": "AADServicePrincipalSignInLogs",
 "ResultType": "0", "ServicePrincipalId": "sp-1", "AppDisplayName": "ETL", "AppId": "app-etl"}
]"#;
    let rows = conformance::check(Arc::new(EntraSource::default()), input);
    assert_eq!(
        rows,
        [
            "line=2 kind=0 event_id=la1 occurred_at=2025-03-04T14:00:00.1234567Z email=Ann@Contoso.com \
             user_id=u-ann display_name=Ann Lee app_instance_id=app-slack app_id=app-slack app_name=Slack"
        ]
    );
    let (_, filtered) = decode("query_data.json", input, all());
    assert_eq!(filtered, 2);
}

#[test]
fn sign_in_event_types_as_a_bare_string() {
    let input =
        br#"{"id": "t1", "createdDateTime": "2025-03-01T00:00:00Z", "userPrincipalName": "a@contoso.com",
        "appDisplayName": "Slack", "signInEventTypes": "nonInteractiveUser", "status": {"errorCode": 0}}"#;
    let (rows, filtered) = decode("one.json", input, interactive());
    assert!(rows.is_empty());
    assert_eq!(filtered, 1);
}
