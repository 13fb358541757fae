//! Snapshot-style tests over every Google sample and fixture: the exact rows each yields, how many events were
//! filtered, and the reader conformance suite (any split, gzip, small chunks) over each container.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

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

// The fast path against the full parse: both must give the same rows, rejects and filter counts.

/// The reader with the fast path turned off: every record is parsed whole.
struct FullParse(GoogleOptions);

impl Source for FullParse {
    fn name(&self) -> &'static str {
        "google"
    }

    fn sniff(&self, head: &[u8]) -> u8 {
        GoogleSource::new(self.0).sniff(head)
    }

    fn framer(&self, head: &[u8]) -> Box<dyn Framer> {
        GoogleSource::new(self.0).framer(head)
    }

    fn prepare(&self, _file: &str, _first_record: &[u8]) -> Result<Prepared, SourceError> {
        Ok(Prepared {
            parser: Arc::new(GoogleParser {
                options: self.0,
                fast: false,
            }),
            first_is_header: false,
        })
    }
}

const EVERY_OPTION: [GoogleOptions; 3] = [
    GoogleOptions {
        include_google_login: false,
        google_workspace_roster: false,
    },
    GoogleOptions {
        include_google_login: true,
        google_workspace_roster: false,
    },
    GoogleOptions {
        include_google_login: false,
        google_workspace_roster: true,
    },
];

/// Decodes `input` with and without the fast path under every option and asserts both read the same.
fn same_on_both_paths(name: &str, input: &[u8]) {
    for options in EVERY_OPTION {
        let fast = conformance::decode_pieces(source(options), input, input.len().max(1));
        let full = conformance::decode_pieces(Arc::new(FullParse(options)), input, input.len().max(1));
        assert_eq!(fast, full, "{name} with {options:?}");
    }
}

#[test]
fn every_fixture_reads_the_same_on_the_fast_path_and_the_full_parse() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures");
    let mut files = Vec::new();
    for dir in ["google", "google/activities-pages", "hostile"] {
        for entry in std::fs::read_dir(format!("{root}/{dir}")).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if path.is_file() && (dir != "hostile" || name.starts_with("google-")) {
                files.push(path);
            }
        }
    }
    assert!(files.len() >= 20, "{files:?}");
    for path in files {
        same_on_both_paths(&path.display().to_string(), &std::fs::read(&path).unwrap());
    }
}

/// A plain saml activity, to build cases from: `{events}` and `{extra}` are replaced.
const SAML: &str = r#"{"kind":"admin#reports#activity","id":{"time":"2024-03-01T09:00:00.000Z","uniqueQualifier":"7","applicationName":"saml"},"actor":{"email":"ann@example.com","profileId":"1"},"events":{events}{extra}}"#;
const SLACK: &str =
    r#"[{"type":"login","name":"login_success","parameters":[{"name":"application_name","value":"Slack"}]}]"#;

fn saml(events: &str, extra: &str) -> String {
    SAML.replace("{events}", events).replace("{extra}", extra)
}

/// Records and whether the fast path takes them; each must read the same both ways.
fn cases() -> Vec<(bool, String)> {
    let fast = |r: &str| (true, r.to_string());
    let full = |r: &str| (false, r.to_string());
    let nested = |n: usize| format!(r#","x":{}1{}"#, "[".repeat(n), "]".repeat(n));
    vec![
        fast(&saml(SLACK, "")),
        // Members no row needs, with escapes, numbers, nesting and non-ASCII.
        fast(&saml(
            SLACK,
            r#","etag":"\"fiE/PsH\"","ipAddress":"10.0.0.1","networkInfo":{"ipAsn":[16509, 1.5e3, -0.0],"regionCode":"FR"},"n":123456789012345678901234567890,"u":"Zoë \u00c5ngstr\u00f6m \ud83d\ude00","b":[true,false,null,{}]"#,
        )),
        fast(&saml(SLACK, &nested(20))),
        // Pretty-printed, as a page's elements arrive, and padded.
        fast(&format!(
            "  {}\r\n",
            saml(SLACK, "").replace(",\"", ",\n\t \"").replace(":", " : ")
        )),
        // Values read from escapes, numbers, booleans and multi-values; text that means nothing.
        fast(&saml(
            r#"[{"name":"login_success","parameters":[{"name":"application_name","value":"Sl\u00e4ck \"Pro\""}]}]"#,
            "",
        )),
        fast(&saml(
            r#"[{"name":"login_success","parameters":[{"name":"application_name","intValue":670}]}]"#,
            "",
        )),
        fast(&saml(
            r#"[{"name":"login_success","parameters":[{"name":"application_name","boolValue":false}]}]"#,
            "",
        )),
        fast(&saml(
            r#"[{"name":"login_success","parameters":[{"name":"application_name","multiValue":["A",null,"",2,"B"]}]}]"#,
            "",
        )),
        fast(&saml(
            r#"[{"name":"login_success","parameters":[{"name":"application_name","value":"null"},{"name":"application_name","multiIntValue":[]},{"name":"application_name","value":" "}]}]"#,
            "",
        )),
        fast(&saml(
            r#"[{"name":"login_success","parameters":[{"name":"application_name","messageValue":{"parameter":[{"name":"x","value":"y"}]}}]}]"#,
            "",
        )),
        fast(
            r#"{"kind":"admin#reports#activity","id":{"time":1709283600,"uniqueQualifier":-42,"applicationName":"SAML"},"actor":{"email":"null","profileId":1.0e2},"events":[{"name":"login_success","parameters":[{"name":"application_name","value":"Box"}]}]}"#,
        ),
        fast(
            r#"{"kind":"admin#reports#activity","id":{"time":"t","uniqueQualifier":"7","applicationName":" saml "},"events":[{"name":"login_success","parameters":[{"name":"application_name","value":"Box"}]}]}"#,
        ),
        fast(
            r#"{"id":{"time":"t","uniqueQualifier":"\u0037","applicationName":"sa\u006dl"},"actor":{"email":"A\u0040example.com"},"events":[{"name":"login\u005fsuccess","parameters":[{"name":"application\u005fname","value":"Box"}]}]}"#,
        ),
        // Several events: successes, a failure, one without its app.
        fast(&saml(
            r#"[{"name":"login_success","parameters":[{"name":"application_name","value":"A"}]},{"name":"login_failure"},{"name":"login_success","parameters":[]},{"name":"login_success","parameters":{"name":"application_name","value":"B"}}]"#,
            "",
        )),
        // Keys written with escapes.
        fast(&saml(SLACK, "").replacen("\"events\"", r#""ev\u0065nts""#, 1)),
        // Several events of an activity whose qualifier is too long to number on the stack.
        fast(
            &saml(r#"[{"name":"login_success"},{"name":"login_success"}]"#, "")
                .replace("\"7\"", &format!("\"{}\"", "q".repeat(70))),
        ),
        // Odd event containers and events.
        fast(&saml(
            r#"{"name":"login_success","parameters":{"name":"application_name","value":"Lone"}}"#,
            "",
        )),
        fast(&saml("null", "")),
        fast(&saml("[]", "")),
        fast(&saml("\"x\"", "")),
        fast(&saml(r#"[1,"x",null,[],{}]"#, "")),
        fast(&saml(
            r#"[{"name":5},{"name":null,"parameters":5},{"parameters":null}]"#,
            "",
        )),
        fast(&saml(
            r#"[{"name":"login_success","parameters":[1,"s",null,{"value":"no name"},{"name":5,"value":"x"},{"name":"application_name","value":"Last"}]}]"#,
            "",
        )),
        // Duplicate keys at every level: the last wins.
        fast(&saml(
            r#"[{"name":"login_failure","name":"login_success","parameters":[],"parameters":[{"name":"application_name","value":"First","value":"Second"}]}]"#,
            r#","actor":{"email":"bob@example.com","email":"carol@example.com"},"events":[],"events":[{"name":"login_success","parameters":[{"name":"application_name","value":"Again"}]}]"#,
        )),
        // Tokens, logins, other applications.
        fast(
            r#"{"kind":"admin#reports#activity","id":{"time":"t","uniqueQualifier":"8","applicationName":"token"},"actor":{"email":"a@example.com"},"events":[{"name":"authorize","parameters":[{"name":"client_id","value":"1.apps"},{"name":"app_name","value":"Zapier"}]},{"name":"activity","parameters":[{"name":"client_id","value":"2.apps"}]},{"name":"revoke","parameters":[{"name":"client_id","value":"3.apps"}]},{"name":"authorize","parameters":[{"name":"scope","multiValue":["a","b"]}]}]}"#,
        ),
        fast(
            r#"{"kind":"admin#reports#activity","id":{"time":"t","uniqueQualifier":"9","applicationName":"login"},"events":[{"name":"login_success"},{"name":"logout"}]}"#,
        ),
        fast(
            r#"{"kind":"admin#reports#activity","id":{"time":"t","uniqueQualifier":"10","applicationName":"admin"},"events":[{"name":"CHANGE_PASSWORD"}]}"#,
        ),
        // No `id.applicationName`: the parameters tell token and saml events apart.
        fast(
            r#"{"id":{"uniqueQualifier":"11"},"events":[{"name":"authorize","parameters":[{"name":"app_name","value":"Miro"}]},{"name":"login_success","parameters":[{"name":"application_name","value":"Box"}]},{"name":"login_success"}]}"#,
        ),
        // What makes an activity: its kind, `events`, or `id.applicationName` / `id.uniqueQualifier` (even null).
        fast(r#"{"kind":"admin#reports#activity"}"#),
        fast(r#"{"events":null}"#),
        fast(r#"{"id":{"applicationName":null}}"#),
        fast(r#"{"id":{"uniqueQualifier":"12"},"actor":{"email":"a@example.com"}}"#),
        fast(
            r#"{"kind":"admin#reports#Activity","id":"not an object","actor":["not","an","object"],"events":[{"name":"login_success"}]}"#,
        ),
        fast(r#"{"kind":5,"events":[]}"#),
        fast(r#"{"events":[],"primaryEmail":"a@example.com","clientId":"1.apps","error":{"message":"x"}}"#),
        // Not a bare activity that a full parse accepts: the full way.
        full(&saml(SLACK, r#","n":1e400"#)),
        full(&saml(SLACK, ",\"x\":\"a\u{0}b\"")),
        full(&saml(SLACK, ",\"x\":\"a\tb\"")),
        full(&saml(SLACK, r#","x":"\x""#)),
        full(&saml(SLACK, r#","x":"\ud800""#)),
        full(&saml(SLACK, r#","x":[1,]"#)),
        full(&saml(SLACK, r#","x":tru"#)),
        full(&saml(SLACK, r#","x":01"#)),
        full(&saml(SLACK, r#","x":{"a" 1}"#)),
        full(&saml(SLACK, r#","x":[1}"#)),
        full(&saml(SLACK, &nested(70))),
        full(&saml(SLACK, &nested(200))),
        full(&saml(SLACK, &format!(r#","pad":"{}""#, "x".repeat(70_000)))),
        full(&format!("{} {}", saml(SLACK, ""), saml(SLACK, ""))),
        full(&saml(SLACK, "")[..120]),
        full(&format!("[{}]", saml(SLACK, ""))),
        full(&format!(
            r#"{{"kind":"admin#reports#activities","items":[{}]}}"#,
            saml(SLACK, "")
        )),
        full(r#"{"kind":"admin#reports#activities","nextPageToken":"x"}"#),
        full(&saml(SLACK, r#","items":"not a list""#)),
        full(&saml(SLACK, r#","users":null"#)),
        full(
            r#"{"kind":"admin#directory#user","id":"1","primaryEmail":"a@example.com","name":{"fullName":"A"}}"#,
        ),
        full(
            r#"{"kind":"admin#directory#token","clientId":"1.apps","displayText":"X","userKey":"a@example.com"}"#,
        ),
        full(r#"{"error":{"code":403,"message":"Caller does not have permission"}}"#),
        full(r#"{"foo":"bar"}"#),
        full("{}"),
        full("42"),
        full("null"),
        full(r#""an activity""#),
        full(""),
        full("\u{feff}{}"),
    ]
}

/// Parses one record with or without the fast path; returns its rendered rows and filter count.
fn parse_one(options: GoogleOptions, fast: bool, record: &str) -> (Vec<String>, u64) {
    let mut out = RecordBuilder::new(Arc::from("case"));
    out.begin(ssoimport_source::Provenance {
        line: Some(1),
        ..Default::default()
    });
    GoogleParser { options, fast }.parse(record, &mut out);
    let filtered = out.take_filtered();
    (conformance::render(&[out.finish()]), filtered)
}

#[test]
fn edge_cases_read_the_same_on_the_fast_path_and_the_full_parse() {
    for (i, (takes_fast_path, record)) in cases().iter().enumerate() {
        for options in EVERY_OPTION {
            let mut out = RecordBuilder::new(Arc::from("case"));
            assert_eq!(
                fast::activity(record.trim(), &options, &mut out),
                *takes_fast_path,
                "case {i}: {record}"
            );
            let (fast, full) = (
                parse_one(options, true, record),
                parse_one(options, false, record),
            );
            assert_eq!(fast, full, "case {i} with {options:?}: {record}");
            // Every case reads to something: rows, rejects or filtered events.
            assert!(!fast.0.is_empty() || fast.1 > 0, "case {i}: {record}");
        }
    }
    // The cases read as the snapshot tests read the fixtures; a few spelled out.
    let rows = |needle: &str| {
        let found: Vec<_> = cases().into_iter().filter(|(_, r)| r.contains(needle)).collect();
        assert_eq!(found.len(), 1, "{needle}");
        parse_one(GoogleOptions::default(), true, &found[0].1)
    };
    assert_eq!(
        rows(r#"Sl\u00e4ck"#).0,
        [
            "line=1 kind=0 event_id=7 occurred_at=2024-03-01T09:00:00.000Z email=ann@example.com user_id=1 \
             app_instance_id=Släck \"Pro\" app_name=Släck \"Pro\""
        ]
    );
    assert_eq!(
        rows(r#""uniqueQualifier":-42"#).0,
        ["line=1 kind=0 event_id=-42 occurred_at=1709283600 user_id=100.0 app_instance_id=Box app_name=Box"]
    );
    let (several, filtered) = rows(r#"{"name":"login_failure"},"#);
    assert_eq!(filtered, 1);
    assert_eq!(
        several,
        [
            "line=1 kind=0 event_id=7:0 occurred_at=2024-03-01T09:00:00.000Z email=ann@example.com user_id=1 \
             app_instance_id=A app_name=A",
            "line=1 kind=0 reject_code=missing_app_target \
             reject_detail=saml login_success event 7:2 names no application_name",
            "line=1 kind=0 event_id=7:3 occurred_at=2024-03-01T09:00:00.000Z email=ann@example.com user_id=1 \
             app_instance_id=B app_name=B",
        ]
    );
    assert_eq!(
        rows(r#""value":"Again""#).0,
        [
            "line=1 kind=0 event_id=7 occurred_at=2024-03-01T09:00:00.000Z email=carol@example.com \
             app_instance_id=Again app_name=Again"
        ]
    );
}

#[test]
fn the_fast_path_takes_every_activity_of_the_fixtures() {
    // Elements of pages arrive one by one: only pages that arrive whole, users, tokens and bad records go the
    // full way. (records parsed, of which the full way)
    for (name, input, expected) in [
        ("saml page", fixture!("saml-activities-page.json"), (5, 0)),
        // Line 6 is a whole page.
        ("token ndjson", fixture!("token-activities.ndjson"), (9, 1)),
        (
            "elastic login",
            fixture!("elastic-login-activities.ndjson"),
            (17, 0),
        ),
        ("array", fixture!("activities-array.json"), (2, 0)),
        // The empty page between.
        ("sequence", fixture!("activities-pages-sequence.json"), (4, 1)),
        // Lines 2 to 5, 7 and 8; line 9 is not UTF-8 and never reaches the parser.
        ("bad records", fixture!("bad-records.ndjson"), (9, 6)),
        ("users", fixture!("directory-users-page.json"), (5, 5)),
        ("tokens", fixture!("directory-tokens-page.json"), (3, 3)),
    ] {
        let counts = Arc::new(Counts::default());
        let source = Arc::new(Counting(Arc::clone(&counts)));
        let counted = conformance::decode_pieces(source, input, input.len());
        assert_eq!(counted, defaults(input), "{name}");
        let records = counts.records.load(Ordering::Relaxed);
        assert_eq!((records, counts.full.load(Ordering::Relaxed)), expected, "{name}");
    }
}

/// Records parsed, and those of them that went the full way.
#[derive(Default)]
struct Counts {
    records: AtomicUsize,
    full: AtomicUsize,
}

/// The default reader, counting into its [`Counts`].
struct Counting(Arc<Counts>);

impl Source for Counting {
    fn name(&self) -> &'static str {
        "google"
    }

    fn sniff(&self, head: &[u8]) -> u8 {
        GoogleSource::default().sniff(head)
    }

    fn framer(&self, head: &[u8]) -> Box<dyn Framer> {
        GoogleSource::default().framer(head)
    }

    fn prepare(&self, _file: &str, _first_record: &[u8]) -> Result<Prepared, SourceError> {
        Ok(Prepared {
            parser: Arc::new(Counting(Arc::clone(&self.0))),
            first_is_header: false,
        })
    }
}

impl RecordParser for Counting {
    fn parse(&self, record: &str, out: &mut RecordBuilder) {
        self.0.records.fetch_add(1, Ordering::Relaxed);
        let options = GoogleOptions::default();
        if !fast::activity(record.trim(), &options, out) {
            self.0.full.fetch_add(1, Ordering::Relaxed);
            GoogleParser { options, fast: false }.parse(record, out);
        }
    }
}

#[test]
fn mutated_records_read_the_same_on_the_fast_path_and_the_full_parse() {
    // Every deletion, insertion and replacement of a byte that matters to JSON, at every position of records
    // that hold escapes, numbers, literals, nesting and several events: the check must refuse exactly what a
    // full parse refuses, and both paths must then read alike.
    let records = [
        saml(
            r#"[{"type":"login","name":"login_success","parameters":[{"name":"application_name","value":"S\u00e4\"k"},{"name":"n","intValue":-1.5e3},{"name":"m","multiValue":["a",null,true]}]},{"name":"login_failure"}]"#,
            r#","etag":"\"e\"","x":[1,{"y":false}]"#,
        ),
        r#"{"id":{"applicationName":"token","uniqueQualifier":12,"time":"t"},"actor":{"email":"a@b.c"},"events":{"name":"authorize","parameters":[{"name":"client_id","value":"1"},{"name":"app_name","value":"\ud83d\ude00"}]}}"#.to_string(),
    ];
    let specials = [
        "\"", "\\", ",", ":", "{", "}", "[", "]", "\0", "\t", " ", "0", "-", "e", "u", "n",
    ];
    let options = GoogleOptions::default();
    let (mut mutants, mut fast_ones) = (0, 0);
    for record in &records {
        for at in (0..=record.len()).filter(|&i| record.is_char_boundary(i)) {
            let next = (at + 1..=record.len()).find(|&i| record.is_char_boundary(i));
            let mut variants = Vec::new();
            if let Some(next) = next {
                variants.push(format!("{}{}", &record[..at], &record[next..]));
            }
            for s in specials {
                variants.push(format!("{}{s}{}", &record[..at], &record[at..]));
                if let Some(next) = next {
                    variants.push(format!("{}{s}{}", &record[..at], &record[next..]));
                }
            }
            for variant in variants {
                let (fast, full) = (
                    parse_one(options, true, &variant),
                    parse_one(options, false, &variant),
                );
                assert_eq!(fast, full, "{variant}");
                mutants += 1;
                let mut out = RecordBuilder::new(Arc::from("mutant"));
                fast_ones += usize::from(fast::activity(variant.trim(), &options, &mut out));
            }
        }
    }
    // Many mutants are still JSON (a character more in a string, another digit): those take the fast path.
    assert!(
        mutants > 10_000 && fast_ones > mutants / 4,
        "{fast_ones} of {mutants}"
    );
}
