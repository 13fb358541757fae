//! The fast path for the common records: a bare Graph signIn (an NDJSON line, an element of a page or array)
//! and an Azure Monitor record with the sign-in in a `properties` object. One walk over the record (and one over
//! `properties`) picks out the members the mapping reads and skips the rest; the mapping in `json.rs` then reads
//! the picked values. Nothing is built: no `Value`, no `String` for a member not read, text borrowed from the
//! record.
//!
//! Anything else goes the full way: envelopes (`value`, `records`), arrays, users, app role assignments and
//! other directory objects, `properties` written as a JSON string, and malformed JSON.
//!
//! Unlike the Okta reader's fast path, this one has no deliberate difference from the full parse: the walk
//! checks what it skips as serde_json would ([`Walk`]), so a record the full parse rejects (a raw NUL or a
//! `1e400` in a member no row needs, a trailing comma deep inside) goes the full way and gets its `parse_error`
//! there. `fixtures/hostile/README.md` and the hostile integration tests hold Entra to rejecting those records.

use std::borrow::Cow;
use std::cell::Cell;

use ssoimport_source::RecordBuilder;
use ssoimport_source::scan::Lookup;
use ssoimport_source::strict::{self, Items, Malformed, OnMember, Type, Walk};

use crate::json::{APP_OBJECT_KEYS, JsonParser, Read, SIGN_IN_KEYS, Shape, USER_KEYS, category_kind, shape};
use crate::lookup::{self, Json};

/// The members of a record that the mapping reads or asks about, as the mapping spells them: the keys that tell
/// the record's kind (`json.rs`) and the others it reads. Their slots are told by [`slot`], which matches names
/// ignoring case.
const KEYS: [&str; 34] = concat(&[
    &[
        "@odata.type",
        "category",
        "properties",
        "operationName",
        "resultType",
        "time",
        "principalId",
        "resourceId",
        "appRoleId",
        "principalType",
    ],
    &APP_OBJECT_KEYS,
    &SIGN_IN_KEYS,
    &USER_KEYS,
    &[
        "servicePrincipalId",
        "servicePrincipalName",
        "createdDateTime",
        "id",
        "userDisplayName",
    ],
]);

/// `lists` laid end to end; their lengths must add up to `N` (checked at compile time).
const fn concat<const N: usize>(lists: &[&[&'static str]]) -> [&'static str; N] {
    let mut out = [""; N];
    let mut n = 0;
    let mut i = 0;
    while i < lists.len() {
        let mut j = 0;
        while j < lists[i].len() {
            out[n] = lists[i][j];
            n += 1;
            j += 1;
        }
        i += 1;
    }
    assert!(n == N, "the lists do not fill the array");
    out
}

/// The longest name in [`KEYS`]: a longer member name is none of them.
const LONGEST: usize = 23;

/// No slot, in [`BY_LENGTH`].
const NO_SLOT: u8 = u8::MAX;

/// The slots of [`KEYS`] by the length of their names, so that a member name is compared only with the few names
/// of its length (most of a sign-in's members are none of them). Built at compile time.
const BY_LENGTH: [[u8; 6]; LONGEST + 1] = {
    let mut table = [[NO_SLOT; 6]; LONGEST + 1];
    let mut i = 0;
    while i < KEYS.len() {
        let row = &mut table[KEYS[i].len()];
        let mut j = 0;
        while row[j] != NO_SLOT {
            j += 1;
        }
        row[j] = i as u8;
        i += 1;
    }
    table
};

/// For each name length, the first letters of the names of [`KEYS`] of that length (bit `c & 31`, ignoring case):
/// most member names of a sign-in are ruled out by one look-up.
const FIRST_LETTERS: [u32; LONGEST + 1] = {
    let mut table = [0u32; LONGEST + 1];
    let mut i = 0;
    while i < KEYS.len() {
        let key = KEYS[i].as_bytes();
        table[key.len()] |= 1 << (key[0].to_ascii_lowercase() & 31);
        i += 1;
    }
    table
};

/// The slot in [`KEYS`] of a member name, ignoring ASCII case, and whether the name is written as there. Runs for
/// every member of a record and every look-up of the mapping, so the common cases come first: no name of that
/// length and first letter, then the name as written.
fn slot(name: &str) -> Option<(usize, bool)> {
    let name = name.as_bytes();
    let first = name.first()?.to_ascii_lowercase();
    if FIRST_LETTERS.get(name.len())? & (1 << (first & 31)) == 0 {
        return None;
    }
    for &i in BY_LENGTH[name.len()].iter().take_while(|&&i| i != NO_SLOT) {
        let i = usize::from(i);
        let key = KEYS[i].as_bytes();
        if key == name {
            return Some((i, true));
        }
        if key[0].to_ascii_lowercase() == first && key.eq_ignore_ascii_case(name) {
            return Some((i, false));
        }
    }
    None
}

/// Where a name of [`KEYS`] was found in an object.
struct Slot<'a> {
    /// The value of the member as written (the last one, if repeated).
    exact: Option<&'a str>,
    /// Else the first name that matches ignoring case, with its last value.
    other: Option<(Cow<'a, str>, &'a str)>,
}

impl Slot<'_> {
    const NONE: Self = Slot {
        exact: None,
        other: None,
    };
}

/// The picked members of one object.
pub(crate) struct Picked<'a> {
    slots: [Slot<'a>; KEYS.len()],
}

impl<'a> Picked<'a> {
    /// Walks `object`, checking all of it and picking its members; `None` if it is no object or malformed, or if
    /// it is the `record` itself and an envelope (a page or Event Hub message read whole, whose records the full
    /// path unwraps).
    fn walk(object: &'a str, record: bool) -> Option<Self> {
        let mut pick = Pick {
            picked: Picked {
                slots: [const { Slot::NONE }; KEYS.len()],
            },
            record,
        };
        match Walk::object_members(object, &mut pick) {
            Ok(true) => Some(pick.picked),
            Ok(false) | Err(Malformed) => None,
        }
    }

    /// The text of the member `key` (one of [`KEYS`]) as [`Json::field`] finds it (or, `exact_only`, as
    /// `Value::get` does); `Err` for a name not picked.
    fn get(&self, key: &str, exact_only: bool) -> Result<Option<&'a str>, Malformed> {
        let found = &self.slots[slot(key).ok_or(Malformed)?.0];
        let other = || found.other.as_ref().filter(|_| !exact_only).map(|(_, v)| *v);
        Ok(found.exact.or_else(other))
    }
}

/// Picks the members of [`KEYS`] as a walk meets them.
struct Pick<'a> {
    picked: Picked<'a>,
    /// The object is the record itself, which may be an envelope.
    record: bool,
}

impl<'a> OnMember<'a> for Pick<'a> {
    fn member(&mut self, name: Cow<'a, str>, value: &'a str) -> Result<(), Malformed> {
        if self.record && (name == "value" || name == "records") {
            // Not malformed, but the full path's to unwrap.
            return Err(Malformed);
        }
        let Some((i, exact)) = slot(&name) else {
            return Ok(());
        };
        let found = &mut self.picked.slots[i];
        if exact {
            found.exact = Some(value);
        } else {
            match &mut found.other {
                // A repeated name keeps its first place and takes its last value, as in a full parse.
                Some((first, v)) if *first == name => *v = value,
                Some(_) => {}
                None => found.other = Some((name, value)),
            }
        }
        Ok(())
    }
}

/// A picked object, or the text of a value inside one (read only when asked for, so that asking whether a
/// member is there costs nothing).
#[derive(Clone, Copy)]
enum Node<'p, 'a> {
    Picked(&'p Picked<'a>),
    Value(&'a str),
}

/// A lazily read value. The walk has checked the whole record, so reading it does not fail; should a read still
/// fail (a malformed value, a member the walk did not pick), it sets `failed` and reads as absent, and the
/// record's outcome is thrown away and the record parsed in full rather than read differently.
#[derive(Clone, Copy)]
pub(crate) struct View<'p, 'a> {
    node: Node<'p, 'a>,
    failed: &'p Cell<bool>,
}

impl<'p, 'a> View<'p, 'a> {
    fn new(picked: &'p Picked<'a>, failed: &'p Cell<bool>) -> Self {
        View {
            node: Node::Picked(picked),
            failed,
        }
    }

    fn inner(self, value: &'a str) -> Self {
        View {
            node: Node::Value(value),
            failed: self.failed,
        }
    }

    /// The value of a read, or `None` (and the record marked failed) if what it read was malformed.
    fn check<T>(self, read: Result<Option<T>, Malformed>) -> Option<T> {
        read.unwrap_or_else(|Malformed| {
            self.failed.set(true);
            None
        })
    }

    /// Reads the value (not a picked object) with `read`.
    fn read<T>(self, read: impl FnOnce(&'a str) -> Result<Option<T>, Malformed>) -> Option<T> {
        match self.node {
            Node::Picked(_) => None,
            Node::Value(text) => self.check(read(text)),
        }
    }

    /// The member `key` of the value, found with [`lookup::field`].
    fn find(self, key: &str, exact_only: bool) -> Option<Self> {
        let found = match self.node {
            Node::Picked(p) => self.check(p.get(key, exact_only)),
            Node::Value(_) => self.read(|text| lookup::field(text, key, exact_only)),
        };
        found.map(|text| self.inner(text))
    }
}

impl<'a> Lookup<'a> for View<'_, 'a> {
    fn member(self, key: &str) -> Option<Self> {
        // Names as written only, as `Lookup` has them; the mapping uses `Json::field`.
        self.find(key, true)
    }

    fn text(self) -> Option<Cow<'a, str>> {
        self.read(strict::text)
    }

    fn elements(self) -> Vec<Self> {
        self.items().collect()
    }

    fn is_null(self) -> bool {
        matches!(self.node, Node::Value("null"))
    }
}

impl<'a> Json<'a> for View<'_, 'a> {
    fn field(self, key: &str) -> Option<Self> {
        self.find(key, false)
    }

    fn kind(self) -> Type {
        match self.node {
            Node::Picked(_) => Type::Object,
            Node::Value(_) => self
                .read(|text| strict::kind(text).map(Some))
                .unwrap_or(Type::Null),
        }
    }

    fn string(self) -> Option<Cow<'a, str>> {
        self.read(strict::string)
    }

    fn boolean(self) -> Option<bool> {
        self.read(strict::boolean)
    }

    fn items(self) -> impl Iterator<Item = Self> {
        let (lone, array) = match self.node {
            Node::Value(text) if !text.starts_with('{') => (None, Some(Items::new(text))),
            _ => (Some(self), None),
        };
        ViewItems {
            view: self,
            lone,
            array,
        }
    }
}

/// The elements of a [`View`], see [`Json::items`].
struct ViewItems<'p, 'a> {
    view: View<'p, 'a>,
    lone: Option<View<'p, 'a>>,
    array: Option<Items<'a>>,
}

impl<'p, 'a> Iterator for ViewItems<'p, 'a> {
    type Item = View<'p, 'a>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(lone) = self.lone.take() {
            return Some(lone);
        }
        let array = self.array.as_mut()?;
        match array.next() {
            Some(text) => Some(self.view.inner(text)),
            None => {
                if array.failed {
                    self.view.failed.set(true);
                }
                None
            }
        }
    }
}

/// Maps `record` if it is a common sign-in record whose members read cleanly; returns false (having written
/// nothing) otherwise, for the full path to read it.
pub(crate) fn record(parser: &JsonParser, record: &str, out: &mut RecordBuilder) -> bool {
    let Some(top) = Picked::walk(record, true) else {
        return false;
    };
    let failed = Cell::new(false);
    let view = View::new(&top, &failed);
    let props;
    let read = match shape(view) {
        Shape::SignIn => Read::SignIn(parser.sign_in(view, None::<View<'_, '_>>, None)),
        Shape::Monitor => {
            let kind = category_kind(view);
            if !kind.is_user() {
                Read::Filter
            } else {
                match view.field("properties").map(|p| (p.node, p.kind())) {
                    Some((Node::Value(text), Type::Object)) => {
                        let Some(picked) = Picked::walk(text, false) else {
                            return false;
                        };
                        props = picked;
                        Read::SignIn(parser.sign_in(View::new(&props, &failed), Some(view), Some(kind)))
                    }
                    // A JSON object written as a string: the full path parses it.
                    Some((_, Type::String)) => return false,
                    _ => Read::SignIn(parser.sign_in(view, Some(view), Some(kind))),
                }
            }
        }
        Shape::User | Shape::Assignment | Shape::Other => return false,
    };
    if failed.get() {
        return false;
    }
    read.write(parser, out);
    true
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use ssoimport_source::{Framer, Prepared, RecordParser, Source, SourceError, conformance};

    use super::*;
    use crate::signin::Kind;
    use crate::{EntraOptions, EntraSource};

    /// What a record came to on one path: rendered rows and the filtered count.
    type Outcome = (Vec<String>, u64);

    fn run(write: impl FnOnce(&mut RecordBuilder)) -> Outcome {
        let mut out = RecordBuilder::new(Arc::from("t"));
        write(&mut out);
        let filtered = out.take_filtered();
        (conformance::render(&[out.finish()]), filtered)
    }

    /// The record read by the fast path (`None` if it left the record to the full one) and by the full path.
    fn both(parser: &JsonParser, record: &str) -> (Option<Outcome>, Outcome) {
        let mut taken = false;
        let fast = run(|out| taken = super::record(parser, record, out));
        if !taken {
            assert_eq!(fast, (vec![], 0), "a record left to the full path wrote nothing");
        }
        (taken.then_some(fast), run(|out| parser.full(record, out)))
    }

    /// Asserts both paths read `record` alike; returns whether the fast path took it.
    fn same(parser: &JsonParser, record: &str) -> bool {
        let (fast, full) = both(parser, record);
        if let Some(fast) = &fast {
            assert_eq!(fast, &full, "{record}");
        }
        fast.is_some()
    }

    fn parser() -> JsonParser {
        JsonParser {
            interactive_only: false,
            file_kind: None,
        }
    }

    /// Every parser a JSON input may get: both option values, and file names that tell a kind or not.
    fn parsers() -> Vec<JsonParser> {
        let mut all = Vec::new();
        for interactive_only in [false, true] {
            for file_kind in [None, Some(Kind::NonInteractive), Some(Kind::ServicePrincipal)] {
                all.push(JsonParser {
                    interactive_only,
                    file_kind,
                });
            }
        }
        all
    }

    /// The Entra source, whose JSON parser reads every record both ways and asserts they agree.
    struct Compare {
        inner: EntraSource,
        taken: Arc<AtomicUsize>,
    }

    struct CompareParser {
        parser: JsonParser,
        taken: Arc<AtomicUsize>,
    }

    impl RecordParser for CompareParser {
        fn parse(&self, record: &str, out: &mut RecordBuilder) {
            if same(&self.parser, record) {
                self.taken.fetch_add(1, Ordering::Relaxed);
            }
            self.parser.parse(record, out);
        }
    }

    impl Source for Compare {
        fn name(&self) -> &'static str {
            "entra"
        }

        fn sniff(&self, head: &[u8]) -> u8 {
            self.inner.sniff(head)
        }

        fn framer(&self, head: &[u8]) -> Box<dyn Framer> {
            self.inner.framer(head)
        }

        fn prepare(&self, file: &str, first_record: &[u8]) -> Result<Prepared, SourceError> {
            let prepared = self.inner.prepare(file, first_record)?;
            if !crate::is_json(first_record) {
                return Ok(prepared);
            }
            Ok(Prepared {
                parser: Arc::new(CompareParser {
                    parser: JsonParser {
                        interactive_only: self.inner.options().interactive_only,
                        file_kind: crate::signin::file_kind(file),
                    },
                    taken: Arc::clone(&self.taken),
                }),
                first_is_header: prepared.first_is_header,
            })
        }
    }

    /// Reads an input through [`Compare`]; returns how many records the fast path took.
    fn compare(name: &str, input: &[u8], options: EntraOptions) -> usize {
        let taken = Arc::new(AtomicUsize::new(0));
        let source = Compare {
            inner: EntraSource::new(options),
            taken: Arc::clone(&taken),
        };
        let (rows, _) = conformance::decode_named(Arc::new(source), name, input, input.len());
        let (expected, _) =
            conformance::decode_named(Arc::new(EntraSource::new(options)), name, input, input.len());
        assert_eq!(rows, expected, "{name}");
        taken.load(Ordering::Relaxed)
    }

    fn fixture(name: &str) -> Vec<u8> {
        let path = format!("{}/../../fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    #[test]
    fn every_key_has_its_slot() {
        for (i, key) in KEYS.iter().enumerate() {
            assert_eq!(slot(key), Some((i, true)), "{key}");
            assert_eq!(slot(&key.to_ascii_uppercase()), Some((i, false)), "{key}");
            assert!(key.len() <= LONGEST, "{key}");
        }
        assert_eq!(slot("ipAddress"), None);
        assert_eq!(slot("conditionalAccessStatusX"), None);
    }

    #[test]
    fn fixtures_read_alike_on_both_paths() {
        // Records the fast path takes, per fixture: the rest are pages read whole, users, assignments, broken
        // records and `properties` written as a string.
        for (name, taken) in [
            ("entra/graph-v1-signins-page.json", 1),
            ("entra/graph-beta-signins-page.json", 1),
            ("entra/graph-beta-signins-kinds.json", 8),
            ("entra/portal-download-signins.json", 3),
            ("entra/signins.ndjson", 2),
            ("entra/graph-v1-signins-trailing-comma.json", 0),
            ("entra/graph-signins-pages/page-1.json", 2),
            ("entra/graph-signins-pages/page-2.json", 1),
            ("entra/azure-monitor-eventhub-records.json", 9),
            ("entra/azure-monitor-storage-PT1H.json", 3),
            ("entra/azure-monitor-eventhub-messages.ndjson", 3),
            ("entra/elastic-signinlogs-azure-monitor.ndjson", 5),
            ("entra/graph-v1-users-page.json", 0),
            ("entra/graph-users-signinactivity-page.json", 0),
            ("entra/graph-v1-serviceprincipal-approleassignedto-page.json", 0),
            ("entra/graph-approleassignedto-principal-types.json", 0),
            ("hostile/entra-big-numbers.ndjson", 2),
            ("hostile/entra-nul.ndjson", 2),
            ("hostile/entra-duplicate-keys.ndjson", 1),
        ] {
            let bytes = fixture(name);
            for options in [
                EntraOptions::default(),
                EntraOptions::default().interactive_only(true),
            ] {
                assert_eq!(compare(name, &bytes, options), taken, "{name}");
            }
        }
    }

    #[test]
    fn generated_exports_read_alike_and_all_go_fast() {
        use ssoimport_gen::{Format, GenOptions, generate};
        let (bytes, _) = generate(&GenOptions::new(Format::Entra, 3000).seed(7));
        let text = std::str::from_utf8(&bytes).unwrap();
        let parsers = parsers();
        let mut records = 0;
        for line in text.lines() {
            for parser in &parsers {
                assert!(same(parser, line), "{line}");
            }
            records += 1;
        }
        assert_eq!(records, 3000);
        assert_eq!(compare("signins.ndjson", &bytes, EntraOptions::default()), 3000);
    }

    /// A successful sign-in with `extra` members added before the closing brace.
    fn sign_in(extra: &str) -> String {
        format!(
            r#"{{"id": "e1", "createdDateTime": "2025-03-01T09:00:00Z", "userPrincipalName": "ann@contoso.com",
            "userId": "u1", "appId": "a1", "appDisplayName": "Slack", "status": {{"errorCode": 0}}{extra}}}"#
        )
    }

    #[test]
    fn common_records_go_fast_and_read_alike() {
        let records = [
            sign_in(""),
            sign_in(r#", "signInEventTypes": ["nonInteractiveUser"]"#),
            sign_in(r#", "signInEventTypes": [1, {"a": 1}, null, " InteractiveUser ", "servicePrincipal"]"#),
            sign_in(r#", "signInEventTypes": "managedIdentity""#),
            sign_in(r#", "signInEventTypes": {"x": 1}, "isInteractive": false"#),
            sign_in(r#", "signInEventTypes": [], "isInteractive": "False ""#),
            sign_in(r#", "isInteractive": 0"#),
            sign_in(r#", "isInteractive": 1.0"#),
            sign_in(r#", "isInteractive": -0"#),
            sign_in(r#", "isInteractive": "yes""#),
            sign_in(r#", "isInteractive": null"#),
            // Later members win; a name in another case stands in when the name as written is missing.
            sign_in(r#", "id": "e1-last", "USERPRINCIPALNAME": "other@contoso.com""#),
            r#"{"Id": "e2", "UserPrincipalName": "a@b.co", "userprincipalname": "b@b.co", "UserPrincipalName": "c@b.co", "AppDisplayName": "X"}"#.to_string(),
            r#"{"ID": "e2", "Id": "x", "ID": "y", "appId": "a", "APPID": "b"}"#.to_string(),
            r#"{"app\u0049d": "escaped name", "appDisplayName": "caf\u00e9 \"quoted\"", "userPrincipalName": "\u0061@b.co"}"#.to_string(),
            // Statuses of every shape.
            sign_in(r#", "status": {"errorCode": 50126}"#),
            sign_in(r#", "status": {"ErrorCode": "0", "errorcode": 1}"#),
            sign_in(r#", "status": {"errorCode": -0}"#),
            sign_in(r#", "status": {"errorCode": 0.0}"#),
            sign_in(r#", "status": {"errorCode": 1e2}"#),
            sign_in(r#", "status": {"errorCode": 12345678901234567890123}"#),
            sign_in(r#", "status": {"errorCode": "success"}"#),
            sign_in(r#", "status": {"errorCode": null}"#),
            sign_in(r#", "status": {}"#),
            sign_in(r#", "status": "Failure""#),
            sign_in(r#", "status": "0""#),
            sign_in(r#", "status": 0"#),
            sign_in(r#", "status": "{\"errorCode\":50126}""#),
            sign_in(r#", "status": null"#),
            sign_in(r#", "status": [0]"#),
            // Kinds told by a missing user and a service principal; no app; nothing at all.
            r#"{"id": "sp", "servicePrincipalId": "sp-1", "appId": "a", "status": {"errorCode": 0}}"#.to_string(),
            r#"{"id": "sp", "servicePrincipalName": "etl", "userId": "", "appId": "a"}"#.to_string(),
            r#"{"id": "na", "userPrincipalName": "a@b.co", "status": {"errorCode": 0}}"#.to_string(),
            "{}".to_string(),
            r#"{"foo": [1, 2, {"bar": "baz"}]}"#.to_string(),
            r#" {"id": "ws", "appId": "a"} "#.to_string(),
            // Numbers and booleans where text is read.
            r#"{"id": 12, "appId": 1.50, "appDisplayName": true, "userId": -7, "createdDateTime": 1e3}"#.to_string(),
            // Graph's own type annotation.
            sign_in(r##", "@odata.type": "#microsoft.graph.signIn""##),
            // Azure Monitor records: the sign-in in `properties`, or on the record (Log Analytics).
            r#"{"time": "2025-03-04T14:01:00Z", "category": "NonInteractiveUserSignInLogs", "resultType": "0",
              "properties": {"id": "m2", "userPrincipalName": "hal@contoso.com", "appId": "app-snow"}}"#.to_string(),
            r#"{"time": "2025-03-04T14:01:00Z", "category": "SignInLogs", "resultType": "50126",
              "properties": {"id": "m3", "userPrincipalName": "hal@contoso.com", "appId": "a", "status": {}}}"#.to_string(),
            r#"{"category": "ADFSSignInLogs", "operationName": "x",
              "properties": {"id": "m4", "isInteractive": false, "appDisplayName": "HR"}}"#.to_string(),
            r#"{"category": "ServicePrincipalSignInLogs", "properties": {"id": "m5", "appId": "a"}}"#.to_string(),
            r#"{"category": "AuditLogs", "properties": {"id": "m6"}}"#.to_string(),
            r#"{"Category": "AADNonInteractiveUserSignInLogs", "ResultType": "0", "Id": "la", "AppId": "a",
              "UserPrincipalName": "ann@contoso.com", "Properties": null}"#.to_string(),
            r#"{"category": 7, "properties": {"id": "m7", "appId": "a"}}"#.to_string(),
            r#"{"category": "SignInLogs", "properties": [{"id": "m8"}], "id": "flat", "appId": "a"}"#.to_string(),
            r#"{"category": "SignInLogs", "properties": {"id": "m9", "value": [1], "records": [2], "appId": "a"}}"#.to_string(),
        ];
        for record in &records {
            for parser in parsers() {
                assert!(same(&parser, record), "the fast path takes {record}");
            }
        }
    }

    #[test]
    fn unusual_records_go_the_full_way() {
        for record in [
            // Envelopes, arrays, scalars, other objects.
            r#"{"value": [{"id": "e1", "appId": "a"}]}"#.to_string(),
            r#"{"value": "not an array", "id": "e1", "appId": "a"}"#.to_string(),
            r#"{"records": []}"#.to_string(),
            r#"[{"id": "e1", "appId": "a"}]"#.to_string(),
            r#""a string""#.to_string(),
            "42".to_string(),
            r#"{"id": "u1", "userPrincipalName": "a@b.co", "givenName": "A"}"#.to_string(),
            r#"{"principalId": "u1", "resourceId": "r", "principalType": "User"}"#.to_string(),
            r#"{"id": "sp", "appId": "a", "servicePrincipalType": "Application"}"#.to_string(),
            sign_in(r##", "@odata.type": "#microsoft.graph.user""##),
            // `properties` as a string, good or not.
            r#"{"category": "SignInLogs", "properties": "{\"id\": \"s1\", \"appId\": \"a\"}"}"#.to_string(),
            r#"{"category": "SignInLogs", "properties": "oops"}"#.to_string(),
            // Broken JSON anywhere, read or not.
            sign_in(", \"userAgent\": \"a\tb\""),
            sign_in(r#", "deviceDetail": {"a" 1}"#),
            sign_in(r#", "deviceDetail": {"a": [1,]}"#),
            sign_in(r#", "n": 1e400"#),
            sign_in(r#", "s": "\ud800""#),
            sign_in(r#", "s": "\x""#),
            sign_in(r#", "n": 01"#),
            sign_in(r#", "n": tru"#),
            sign_in(&format!(r#", "deep": {}{}"#, "[".repeat(200), "]".repeat(200))),
            sign_in(r#", "userId": tru"#),
            sign_in(r#", "status": {"errorCode": 1e999}"#),
            sign_in(r#", "signInEventTypes": ["interactiveUser",]"#),
            sign_in(","),
            sign_in(r#", "x": 1,"#),
            format!("{} x", sign_in("")),
            sign_in("")[..40].to_string(),
            r#"{"category": "SignInLogs", "properties": {"id": "m1", "appId": "a",}}"#.to_string(),
            r#"{"category": "SignInLogs", "properties": {"id": "m1", "appId": "a\u00"}}"#.to_string(),
        ] {
            for parser in parsers() {
                let (fast, _) = both(&parser, &record);
                assert!(fast.is_none(), "the full path reads {record}");
            }
        }
    }

    #[test]
    fn mutated_records_read_alike() {
        use ssoimport_gen::{Format, GenOptions, generate};
        let (bytes, _) = generate(&GenOptions::new(Format::Entra, 40).seed(3));
        let mut bases: Vec<String> = std::str::from_utf8(&bytes)
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect();
        bases.push(
            r#"{"time": "2025-03-04T14:01:00Z", "category": "NonInteractiveUserSignInLogs", "resultType": "0",
              "properties": {"id": "m2", "userPrincipalName": "hal@contoso.com", "appId": "app-snow",
              "isInteractive": true, "status": {"errorCode": 0}, "signInEventTypes": ["interactiveUser"]}}"#
                .to_string(),
        );
        bases.push(sign_in(
            r#", "signInEventTypes": ["interactiveUser"], "isInteractive": false, "servicePrincipalId": """#,
        ));
        let pieces = [
            "\"",
            "\\",
            "{",
            "}",
            "[",
            "]",
            ",",
            ":",
            " ",
            "0",
            "1",
            "e",
            "-",
            ".",
            "\u{1}",
            "a",
            "t",
            "n",
            "9e999",
            "\\u00",
            "null",
            "true",
            "\"\"",
            "[]",
            "{}",
            r#""AppId":"x","#,
            r#""APPID":"#,
            r#""value":[],"#,
            r#""properties":"#,
            r#""category":"SignInLogs","#,
            r#""status":"#,
            r#""errorCode":"#,
            r#""signInEventTypes":"#,
            r#""@odata.type":"#,
            r#""userPrincipalName":"#,
            r#""isInteractive":"#,
            "\"nonInteractiveUser\"",
            "\"0\"",
            "50126",
            "\"False\"",
            "1.0",
        ];
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        let parsers = parsers();
        let mut taken = 0;
        for round in 0..6_000 {
            let mut text = bases[round % bases.len()].clone();
            for _ in 0..1 + next(3) {
                let at = next(text.len() + 1);
                let end = (at + next(4)).min(text.len());
                if text.is_char_boundary(at) && text.is_char_boundary(end) {
                    text.replace_range(at..end, pieces[next(pieces.len())]);
                }
            }
            taken += usize::from(same(&parsers[round % parsers.len()], &text));
        }
        assert!(taken > 1_000, "the fast path took {taken} of 6000");
    }

    #[test]
    fn a_record_the_full_parse_rejects_is_rejected_alike() {
        // Members the mapping never reads are checked too: no record is read that a full parse rejects.
        let parser = parser();
        for bad in [", \"x\": \"a\u{0}b\"", ", \"x\": \"a\tb\"", r#", "n": 1e400"#] {
            let record = sign_in(bad);
            let mut out = RecordBuilder::new(Arc::from("t"));
            parser.parse(&record, &mut out);
            let rows = conformance::render(&[out.finish()]);
            assert_eq!(rows.len(), 1);
            assert!(rows[0].contains("reject_code=parse_error"), "{}", rows[0]);
        }
    }
}
