//! Snapshot-style tests over every Google sample and fixture: the exact rows each yields, how many events were
//! filtered, and the reader conformance suite (any split, gzip, small chunks) over each container.

use std::sync::Arc;

use ssoimport_source::{Location, conformance, expand_inputs};

use super::*;

macro_rules! fixture {
    ($name:literal) => {
        include_bytes!(concat!("../../../fixtures/google/", $name)).as_slice()
    };
}

fn source(options: GoogleOptions) -> Arc<dyn Source> {
    Arc::new(GoogleSource::new(options))
}

/// Runs the conformance suite over `input` and returns its rows and the number of filtered records.
fn check(options: GoogleOptions, input: &[u8]) -> (Vec<String>, u64) {
    let rows = conformance::check(source(options), input);
    let (again, filtered) = conformance::decode_pieces(source(options), input, input.len());
    assert_eq!(rows, again);
    (rows, filtered)
}

fn defaults(input: &[u8]) -> (Vec<String>, u64) {
    check(GoogleOptions::default(), input)
}

fn with_login() -> GoogleOptions {
    GoogleOptions::default().include_google_login(true)
}

#[test]
fn saml_successes_are_sign_ins_and_each_event_is_its_own_row() {
    let (rows, filtered) = defaults(fixture!("saml-activities-page.json"));
    assert_eq!(
        rows,
        [
            "line=6 kind=0 event_id=-1234567890123456789 occurred_at=2024-03-01T09:00:00.123Z \
             email=Ann.Lee@Example.com user_id=101000000000000000001 app_instance_id=Slack app_name=Slack",
            "line=55 kind=0 event_id=555:0 occurred_at=2024-03-01T08:50:00.000Z email=carol@example.com \
             user_id=101000000000000000003 app_instance_id=Atlassian Cloud app_name=Atlassian Cloud",
            "line=55 kind=0 reject_code=missing_app_target \
             reject_detail=saml login_success event 555:2 names no application_name",
            "line=85 kind=0 event_id=42 occurred_at=2024-03-01T08:45:00.000Z email=dave@example.com \
             user_id=4004 app_instance_id=Box app_name=Box",
        ]
    );
    // Bob's login_failure, Carol's second event (login_failure) and Erin's activity with no events.
    assert_eq!(filtered, 3);
}

#[test]
fn oauth_authorize_and_activity_are_usage_of_the_client() {
    let (rows, filtered) = defaults(fixture!("token-activities.ndjson"));
    assert_eq!(
        rows,
        [
            "line=1 kind=0 event_id=3101 occurred_at=2024-03-02T10:00:00.000Z email=ann.lee@example.com \
             user_id=101000000000000000001 app_instance_id=1234-abc.apps.googleusercontent.com app_name=Zapier",
            // No app_name: the client id alone (the normalizer and aggregator take it from there).
            "line=3 kind=0 event_id=3103 occurred_at=2024-03-02T10:10:00.000Z email=bob@example.com \
             user_id=101000000000000000002 app_instance_id=777.apps.googleusercontent.com",
            "line=4 kind=0 event_id=3104:0 occurred_at=2024-03-02T10:15:00.000Z email=carol@example.com \
             user_id=101000000000000000003 app_instance_id=888.apps.googleusercontent.com app_name=Calendly",
            // `events` as one object: one event, so the qualifier alone.
            "line=5 kind=0 event_id=-3105 occurred_at=2024-03-02T10:20:00.000Z email=dave@example.com \
             user_id=101000000000000000004 app_name=Miro",
            // A whole page on one NDJSON line.
            "line=6 kind=0 event_id=3106 occurred_at=2024-03-02T10:25:00.000Z email=erin@example.com \
             user_id=101000000000000000005 app_instance_id=999.apps.googleusercontent.com app_name=Notion",
            "line=6 kind=0 event_id=3107 occurred_at=2024-03-02T10:26:00.000Z email=frank@example.com \
             user_id=101000000000000000006 app_instance_id=999.apps.googleusercontent.com app_name=Notion",
            "line=7 kind=0 reject_code=missing_app_target \
             reject_detail=token authorize event 3108 names neither client_id nor app_name",
            // No id.applicationName: a client_id makes it a token event.
            "line=8 kind=0 event_id=3109 occurred_at=2024-03-02T10:35:00.000Z email=hank@example.com \
             user_id=101000000000000000008 app_instance_id=555.apps.googleusercontent.com app_name=Loom",
        ]
    );
    // The revoke, the `request` event beside Carol's activity, and the admin activity.
    assert_eq!(filtered, 3);
}

#[test]
fn reports_api_token_page_sample() {
    let (rows, filtered) = defaults(fixture!("reports-token-activities-page.json"));
    assert_eq!(
        rows,
        [
            "line=6 kind=0 event_id=2267463811441111309 occurred_at=2022-09-18T16:42:31.789Z \
             email=test@example.com user_id=113456549147281770764 \
             app_instance_id=423.apps.googleusercontent.com app_name=Chrome Browser Postman"
        ]
    );
    assert_eq!(filtered, 0);
}

#[test]
fn reports_api_admin_page_sample_is_filtered() {
    let input = fixture!("reports-admin-activities-page.json");
    assert_eq!(defaults(input), (vec![], 1));
    assert_eq!(check(with_login(), input), (vec![], 1));
}

#[test]
fn elastic_token_sample_with_events_as_one_object() {
    let (rows, filtered) = defaults(fixture!("elastic-token-activity.ndjson"));
    assert_eq!(
        rows,
        [
            "line=1 kind=0 event_id=-6709442587437772138 occurred_at=2023-01-01T06:24:42.442Z email=foo@bar.com \
             user_id=1 app_instance_id=923474483785-sqf6uk8vq1rqe853il0g2h4m98ji2fq6.apps.googleusercontent.com \
             app_name=Gmail Add-on"
        ]
    );
    assert_eq!(filtered, 0);
}

#[test]
fn google_logins_are_filtered_unless_included() {
    let page = fixture!("login-activities-page.json");
    // 8001 success, 8002 failure, 8003 verification + success, 8004 logout: five events.
    assert_eq!(defaults(page), (vec![], 5));
    let (rows, filtered) = check(with_login(), page);
    assert_eq!(
        rows,
        [
            "line=5 kind=0 event_id=8001 occurred_at=2024-03-03T07:00:00.000Z email=Ann.Lee@Example.com \
             user_id=101000000000000000001 app_instance_id=google-workspace app_name=Google Workspace",
            "line=37 kind=0 event_id=8003:1 occurred_at=2024-03-03T07:02:00.000Z email=carol@example.com \
             user_id=101000000000000000003 app_instance_id=google-workspace app_name=Google Workspace",
        ]
    );
    assert_eq!(filtered, 3);

    // The Elastic sample: 17 login activities of which two are login_success (numeric ids, events as objects).
    let elastic = fixture!("elastic-login-activities.ndjson");
    assert_eq!(defaults(elastic), (vec![], 17));
    let (rows, filtered) = check(with_login(), elastic);
    assert_eq!(
        rows,
        [
            "line=14 kind=0 event_id=1 occurred_at=2020-10-02T15:00:00Z email=foo@bar.com user_id=1 \
             app_instance_id=google-workspace app_name=Google Workspace",
            "line=15 kind=0 event_id=1 occurred_at=2020-10-02T15:00:00Z email=foo@bar.com user_id=1 \
             app_instance_id=google-workspace app_name=Google Workspace",
        ]
    );
    assert_eq!(filtered, 15);
}

const SALESFORCE_AND_WORKDAY: [&str; 3] = [
    "kind=0 event_id=4001 occurred_at=2024-03-04T09:00:00.000Z email=ann.lee@example.com \
     user_id=101000000000000000001 app_instance_id=Salesforce app_name=Salesforce",
    "kind=0 event_id=4002 occurred_at=2024-03-04T08:59:00.000Z email=bob@example.com \
     user_id=101000000000000000002 app_instance_id=Salesforce app_name=Salesforce",
    "kind=0 event_id=4003 occurred_at=2024-03-04T08:58:00.000Z email=carol@example.com \
     user_id=101000000000000000003 app_instance_id=Workday app_name=Workday",
];

#[test]
fn a_sequence_of_pages_with_an_empty_one_between() {
    let (rows, filtered) = defaults(fixture!("activities-pages-sequence.json"));
    let expected: Vec<String> = [6, 12, 28]
        .iter()
        .zip(SALESFORCE_AND_WORKDAY)
        .map(|(line, row)| format!("line={line} {row}"))
        .collect();
    assert_eq!(rows, expected);
    assert_eq!(filtered, 1, "the page without items");
}

#[test]
fn a_directory_of_pages_is_read_file_by_file() {
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/google/activities-pages"
    );
    let inputs = expand_inputs(&[dir]).unwrap();
    let mut rows = Vec::new();
    let mut filtered = 0;
    let mut names = Vec::new();
    for input in inputs {
        let Location::File(path) = &input.location else {
            panic!("a file")
        };
        names.push(path.file_name().unwrap().to_string_lossy().into_owned());
        let (r, f) = defaults(&std::fs::read(path).unwrap());
        rows.extend(r);
        filtered += f;
    }
    assert_eq!(names, ["page-1.json", "page-2.json", "page-3-empty.json"]);
    let expected: Vec<String> = [6, 12, 5]
        .iter()
        .zip(SALESFORCE_AND_WORKDAY)
        .map(|(line, row)| format!("line={line} {row}"))
        .collect();
    assert_eq!(rows, expected);
    assert_eq!(filtered, 1);
    assert_eq!(defaults(fixture!("activities-empty-page.json")), (vec![], 1));
}

#[test]
fn a_json_array_of_activities() {
    let (rows, filtered) = defaults(fixture!("activities-array.json"));
    assert_eq!(
        rows,
        [
            "line=2 kind=0 event_id=6001 occurred_at=2024-03-05T12:00:00.000Z email=ann.lee@example.com \
             user_id=101000000000000000001 app_instance_id=GitHub app_name=GitHub",
            "line=8 kind=0 event_id=6002 occurred_at=2024-03-05T12:01:00.000Z email=bob@example.com \
             user_id=101000000000000000002 app_instance_id=42.apps.googleusercontent.com app_name=GitHub",
        ]
    );
    assert_eq!(filtered, 0);
}

#[test]
fn ndjson_with_a_bom_crlf_and_blank_lines() {
    let (rows, filtered) = defaults(fixture!("saml-activities-bom-crlf.ndjson"));
    assert_eq!(
        rows,
        [
            "line=1 kind=0 event_id=9901 occurred_at=2024-03-06T08:00:00.000Z email=ann.lee@example.com \
             user_id=101000000000000000001 app_instance_id=Figma app_name=Figma",
            "line=3 kind=0 event_id=9902 occurred_at=2024-03-06T08:01:00.000Z email=bob@example.com \
             user_id=101000000000000000002 app_instance_id=Figma app_name=Figma",
        ]
    );
    assert_eq!(filtered, 0);
}

const USERS: [&str; 5] = [
    "line=6 kind=3 email=Ann.Lee@Example.com user_id=101000000000000000001 first_name=Ann last_name=Lee \
     display_name=Ann Lee activated_at=2019-05-14T08:30:12.000Z last_activity_at=2024-03-01T09:00:00.000Z",
    // lastLoginTime 1970-01-01T00:00:00.000Z: never signed in.
    "line=30 kind=3 email=new.hire@example.com user_id=101000000000000000002 first_name=New last_name=Hire \
     display_name=New Hire activated_at=2024-02-28T16:00:00.000Z",
    // Suspended, and archived: the listing does not date it, so no deactivated_at.
    "line=40 kind=3 email=gone@example.com user_id=101000000000000000003 first_name=Gone last_name=Away \
     display_name=Gone Away activated_at=2020-01-06T09:00:00.000Z last_activity_at=2023-11-30T17:45:00.000Z",
    "line=51 kind=3 email=archived@example.com user_id=101000000000000000004 first_name=Old last_name=Timer \
     display_name=Old Timer activated_at=2015-03-02T10:00:00.000Z last_activity_at=2022-06-01T12:00:00.000Z",
    "line=61 kind=3 email=zoe@example.com user_id=5005 display_name=Zoë Ångström \
     activated_at=2021-07-07T07:07:07.000Z",
];

#[test]
fn directory_users_are_user_rows() {
    let page = fixture!("directory-users-page.json");
    assert_eq!(defaults(page), (USERS.map(String::from).to_vec(), 0));
    // Logins do not change a user listing.
    assert_eq!(check(with_login(), page), defaults(page));
    assert_eq!(defaults(fixture!("directory-users-empty-page.json")), (vec![], 1));
}

#[test]
fn directory_users_can_also_be_the_roster_of_google_workspace() {
    let options = GoogleOptions::default().google_workspace_roster(true);
    let (rows, filtered) = check(options, fixture!("directory-users-page.json"));
    let assignment = |user: &str| {
        user.replace("kind=3", "kind=1").replace(
            " activated_at",
            " app_instance_id=google-workspace app_name=Google Workspace activated_at",
        )
    };
    // Suspended and archived users cannot sign in: no assignment for them.
    let expected = [
        USERS[0].to_string(),
        assignment(USERS[0]),
        USERS[1].to_string(),
        assignment(USERS[1]),
        USERS[2].to_string(),
        USERS[3].to_string(),
        USERS[4].to_string(),
        assignment(USERS[4]),
    ];
    assert_eq!(rows, expected);
    assert_eq!(filtered, 0);
}

#[test]
fn oauth_tokens_of_users_are_assignments() {
    let (rows, filtered) = defaults(fixture!("directory-tokens-page.json"));
    assert_eq!(
        rows,
        [
            "line=5 kind=1 user_id=101000000000000000001 app_instance_id=1234-abc.apps.googleusercontent.com \
             app_name=Zapier",
            "line=15 kind=1 email=Bob@Example.com app_instance_id=888.apps.googleusercontent.com app_name=Calendly",
            "line=22 kind=1 user_id=101000000000000000003 app_instance_id=77185425430.apps.googleusercontent.com",
        ]
    );
    assert_eq!(filtered, 0);
}

#[test]
fn bad_records_become_rejects_and_reading_goes_on() {
    let (rows, filtered) = defaults(fixture!("bad-records.ndjson"));
    assert_eq!(
        rows,
        [
            "line=1 kind=0 event_id=1 occurred_at=2024-03-07T08:00:00.000Z email=ann.lee@example.com \
             user_id=101000000000000000001 app_instance_id=Asana app_name=Asana",
            "line=2 kind=0 reject_code=parse_error reject_detail=not valid JSON (EOF while parsing a string at \
             line 1 column 143): {\"kind\":\"admin#reports#activity\",\"id\":{\"time\":\
             \"2024-03-07T08:01:00.000Z\",\"unique…",
            "line=3 kind=0 reject_code=parse_error reject_detail=not a Google Workspace activity, user or token: 42",
            "line=4 kind=0 reject_code=parse_error \
             reject_detail=not a Google Workspace activity, user or token: {\"foo\":\"bar\"}",
            "line=5 kind=0 reject_code=parse_error \
             reject_detail=the export holds an API error instead of data: Caller does not have permission",
            // Line 6, `events: null`, is filtered; line 7 is an array of one activity on one line.
            "line=7 kind=0 event_id=4 occurred_at=2024-03-07T08:03:00.000Z email=carol@example.com \
             user_id=101000000000000000003 app_instance_id=Asana app_name=Asana",
            // Line 8, `[]`, is filtered.
            "line=9 kind=0 reject_code=invalid_utf8 \
             reject_detail=byte 141 of the record is not valid UTF-8; save the export as UTF-8",
            // Duplicate keys: the last wins.
            "line=10 kind=0 event_id=6 occurred_at=2024-03-07T08:05:00.000Z email=Last.Wins@example.com \
             app_instance_id=Asana app_name=Asana",
        ]
    );
    assert_eq!(filtered, 2);
}

#[test]
fn a_truncated_page_keeps_its_complete_elements() {
    let (rows, filtered) = defaults(fixture!("truncated-page.json"));
    assert_eq!(
        rows,
        [
            format!("line=6 {}", SALESFORCE_AND_WORKDAY[0]).as_str(),
            "line=12 kind=0 reject_code=truncated_input \
             reject_detail=the JSON ends in the middle of this record (truncated export?)",
        ]
    );
    assert_eq!(filtered, 0);
}

#[test]
fn sniff_knows_google_exports_and_nothing_else() {
    let google = GoogleSource::default();
    for (name, input) in [
        ("saml page", fixture!("saml-activities-page.json")),
        ("token ndjson", fixture!("token-activities.ndjson")),
        ("elastic login", fixture!("elastic-login-activities.ndjson")),
        ("array", fixture!("activities-array.json")),
        ("bom", fixture!("saml-activities-bom-crlf.ndjson")),
        ("users", fixture!("directory-users-page.json")),
        ("tokens", fixture!("directory-tokens-page.json")),
    ] {
        assert!(google.sniff(input) >= 80, "{name}");
    }
    let bare_activity = br#"[{"id": {"time": "2024-03-01T09:00:00Z", "uniqueQualifier": "1",
        "applicationName": "saml"}, "events": []}]"#;
    assert!(google.sniff(bare_activity) >= 80);
    assert!(google.sniff(br#"{"users": [{"id": "1", "primaryEmail": "a@example.com"}]}"#) >= 80);
    assert!(google.sniff(br#"{"items": [{"clientId": "1.apps", "displayText": "X"}]}"#) >= 80);

    let okta = br#"[{"actor": {"id": "00u1", "alternateId": "a@example.com"}, "uuid": "u1",
        "published": "2024-03-01T09:00:00.000Z", "eventType": "user.authentication.sso"}]"#;
    let graph = br#"{"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#auditLogs/signIns",
        "value": [{"id": "66ea54eb", "createdDateTime": "2024-03-01T09:00:00Z", "appDisplayName": "Slack"}]}"#;
    let siem_csv = b"TenantId,TimeGenerated [UTC],Kind,IdApplicationName,IdUniqueQualifier\n\
        x,7/3/2026,admin#reports#activity,login,\"{\"\"uniqueQualifier\"\":1,\"\"applicationName\"\":2}\"\n";
    for (name, input) in [
        ("okta", okta.as_slice()),
        ("graph", graph.as_slice()),
        ("csv", siem_csv.as_slice()),
        ("empty", b"".as_slice()),
        ("json without google keys", br#"{"a": 1}"#.as_slice()),
    ] {
        assert_eq!(google.sniff(input), 0, "{name}");
    }
}

#[test]
fn options_and_name() {
    let options = GoogleOptions::default()
        .include_google_login(true)
        .google_workspace_roster(true);
    assert!(options.include_google_login && options.google_workspace_roster);
    let source = GoogleSource::new(options);
    assert_eq!(source.options(), &options);
    assert_eq!(source.name(), "google");
}
