//! Aggregation of valid normalized rows into the import tasks that summarise them: the roster (one row per app
//! and user, first and last seen, names, deactivation) and app discovery (one row per app), joined with the user
//! and app lists some exports carry; plus the usage rows, one per sign-in.
//!
//! State grows with the number of distinct (app, user) pairs, apps and users, never with the number of events.
//! Where two records disagree on a name, the one seen at the later time wins, ties going to the greater value, so
//! the result does not depend on the order rows arrive in.
//!
//! ```
//! use ssoimport_aggregate::Aggregator;
//! use ssoimport_schema::Task;
//!
//! let aggregator = Aggregator::new(false);
//! let roster = aggregator.finish(1024);
//! assert!(roster.roster.is_empty() && roster.discovery.is_empty());
//! assert_eq!(Task::SsoApplicationRoster.arrow_schema().fields().len(), 10);
//! ```

mod usage;

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::sync::Arc;

use arrow_array::builder::{BooleanBuilder, StringBuilder, TimestampMillisecondBuilder};
use arrow_array::cast::AsArray;
use arrow_array::types::{Int32Type, TimestampMillisecondType, UInt8Type, UInt32Type, UInt64Type};
use arrow_array::{Array, ArrayRef, RecordBatch, StringArray, StructArray, TimestampMillisecondArray};
use arrow_buffer::NullBuffer;
use arrow_schema::{DataType, Fields};
use serde::{Deserialize, Serialize};
use ssoimport_schema::intermediate::RecordKind;
use ssoimport_schema::normalized::col;
use ssoimport_schema::{RejectCode, Task};

pub use usage::usage_batch;

/// A roster key: the app instance id and the user key joined by NUL, so that a lookup needs no allocation and
/// the keys sort by app, then user.
type RosterKey = Box<str>;

const KEY_SEPARATOR: char = '\0';

/// The entry of `app` and `user`, made if missing; `buf` is scratch space for the joined key.
fn slot<'m>(
    map: &'m mut HashMap<RosterKey, RosterEntry>,
    buf: &mut String,
    app: &str,
    user: &str,
) -> &'m mut RosterEntry {
    buf.clear();
    buf.push_str(app);
    buf.push(KEY_SEPARATOR);
    buf.push_str(user);
    if !map.contains_key(buf.as_str()) {
        map.insert(buf.as_str().into(), RosterEntry::default());
    }
    map.get_mut(buf.as_str()).expect("inserted above")
}

fn split_key(key: &str) -> (&str, &str) {
    key.split_once(KEY_SEPARATOR).unwrap_or((key, ""))
}

/// Where a record came from, kept for a roster row that cannot be completed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Origin {
    /// The input.
    pub file: Arc<str>,
    /// 0-based record index.
    pub record: u64,
    /// 1-based line, if known.
    pub line: Option<u64>,
    /// Byte offset in the decompressed input.
    pub offset: u64,
    /// Length in bytes.
    pub length: u32,
}

/// A value and the time it was seen at; the later (then the greater) wins.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
struct Seen {
    at: i64,
    value: Box<str>,
}

fn offer(slot: &mut Option<Seen>, at: i64, value: Option<&str>) {
    let Some(value) = value else { return };
    match slot {
        // The same value again (the common case): keep its latest time, allocate nothing.
        Some(cur) if &*cur.value == value => cur.at = cur.at.max(at),
        Some(cur) if (cur.at, &*cur.value) >= (at, value) => {}
        _ => {
            *slot = Some(Seen {
                at,
                value: value.into(),
            })
        }
    }
}

fn min_opt(slot: &mut Option<i64>, v: Option<i64>) {
    if let Some(v) = v {
        *slot = Some(slot.map_or(v, |c| c.min(v)));
    }
}

fn max_opt(slot: &mut Option<i64>, v: Option<i64>) {
    if let Some(v) = v {
        *slot = Some(slot.map_or(v, |c| c.max(v)));
    }
}

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
struct RosterEntry {
    app_name: Option<Seen>,
    app_id: Option<Seen>,
    email: Option<Seen>,
    user_id: Option<Seen>,
    first_name: Option<Seen>,
    last_name: Option<Seen>,
    activated_at: Option<i64>,
    last_activity_at: Option<i64>,
    deactivated_at: Option<i64>,
    origin: Option<Origin>,
    /// Records merged into the entry.
    records: u64,
}

impl RosterEntry {
    fn merge(&mut self, other: RosterEntry) {
        for (mine, theirs) in [
            (&mut self.app_name, other.app_name),
            (&mut self.app_id, other.app_id),
            (&mut self.email, other.email),
            (&mut self.user_id, other.user_id),
            (&mut self.first_name, other.first_name),
            (&mut self.last_name, other.last_name),
        ] {
            if let Some(s) = theirs {
                offer(mine, s.at, Some(&s.value));
            }
        }
        min_opt(&mut self.activated_at, other.activated_at);
        max_opt(&mut self.last_activity_at, other.last_activity_at);
        max_opt(&mut self.deactivated_at, other.deactivated_at);
        // The earliest record, so that merging in any order names the same one.
        self.origin = match (self.origin.take(), other.origin) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.records += other.records;
    }
}

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
struct AppEntry {
    name: Option<Seen>,
    display_name: Option<Seen>,
    app_id: Option<Seen>,
    created_at: Option<i64>,
}

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
struct UserEntry {
    email: Option<Seen>,
    first_name: Option<Seen>,
    last_name: Option<Seen>,
    /// The user's last sign-in anywhere (Okta `lastLogin`, Entra `signInActivity`, Google `lastLoginTime`).
    last_activity_at: Option<i64>,
    /// When the user lost access to everything (deprovisioned, suspended).
    deactivated_at: Option<i64>,
}

/// Version of the partial format written by [`Aggregator::write_partial`].
pub const PARTIAL_VERSION: u32 = 1;

/// One line of a partial.
#[derive(Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
enum PartialLine<'a> {
    Header {
        version: u32,
        unique_from_source: bool,
    },
    Roster {
        key: Cow<'a, str>,
        entry: Cow<'a, RosterEntry>,
    },
    ByUserId {
        key: Cow<'a, str>,
        entry: Cow<'a, RosterEntry>,
    },
    App {
        key: Cow<'a, str>,
        entry: Cow<'a, AppEntry>,
    },
    User {
        key: Cow<'a, str>,
        entry: Cow<'a, UserEntry>,
    },
}

fn sorted_keys<V>(map: &HashMap<Box<str>, V>) -> Vec<&str> {
    let mut keys: Vec<&str> = map.keys().map(|k| &**k).collect();
    keys.sort_unstable();
    keys
}

/// Errors of reading, writing or merging partials.
#[derive(Debug, thiserror::Error)]
pub enum PartialError {
    /// Reading or writing failed.
    #[error("partial: {0}")]
    Io(#[from] std::io::Error),
    /// The JSON of a line could not be written.
    #[error("partial: {0}")]
    Json(#[from] serde_json::Error),
    /// A line is not what a partial holds.
    #[error("not an ssoimport partial: {0}")]
    Format(String),
    /// Two partials cannot be merged.
    #[error("cannot merge: {0}")]
    Mismatch(String),
}

/// A roster row that could not be completed: its records are rejects after all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incomplete {
    /// The first record that named the row.
    pub origin: Origin,
    /// Why it is incomplete.
    pub code: RejectCode,
    /// Detail for a person.
    pub detail: String,
    /// Records that went into the row (all of them rejected).
    pub records: u64,
}

/// The roster and discovery rows of a run, and the rows that could not be completed.
#[derive(Debug, Default)]
pub struct Aggregated {
    /// Batches in the `SsoApplicationRoster` schema, sorted by app then user.
    pub roster: Vec<RecordBatch>,
    /// Batches in the `ApplicationDiscovery` schema, sorted by app.
    pub discovery: Vec<RecordBatch>,
    /// Roster rows that still lack a required value after joining the user lists.
    pub incomplete: Vec<Incomplete>,
}

/// Streaming aggregation of roster and discovery.
#[derive(Debug, Default)]
pub struct Aggregator {
    unique_from_source: bool,
    roster: HashMap<RosterKey, RosterEntry>,
    /// Assignments that name their user by id alone, joined with `users` at the end.
    by_user_id: HashMap<RosterKey, RosterEntry>,
    apps: HashMap<Box<str>, AppEntry>,
    users: HashMap<Box<str>, UserEntry>,
    key_buf: String,
}

impl Aggregator {
    /// An empty aggregator. `unique_from_source`: `uniqueId` is the source's user id rather than the email.
    pub fn new(unique_from_source: bool) -> Self {
        Aggregator {
            unique_from_source,
            ..Default::default()
        }
    }

    /// Distinct (app, user) pairs, apps and users held.
    pub fn sizes(&self) -> (usize, usize, usize) {
        (
            self.roster.len() + self.by_user_id.len(),
            self.apps.len(),
            self.users.len(),
        )
    }

    /// Adds the rows of a valid normalized batch for which `take(row)` is true (the caller leaves out duplicates).
    pub fn add<'a>(&mut self, batch: &'a RecordBatch, take: impl Fn(usize) -> bool) {
        let s = |c: usize| batch.column(c).as_string::<i32>();
        let t = |c: usize| batch.column(c).as_primitive::<TimestampMillisecondType>();
        let kind = batch.column(col::KIND).as_primitive::<UInt8Type>();
        let (app, app_name, display, app_id) = (
            s(col::APP_INSTANCE_ID),
            s(col::SSO_APP_NAME),
            s(col::SSO_APP_DISPLAY_NAME),
            s(col::SSO_APP_ID),
        );
        let (unique, email, user_id, first, last) = (
            s(col::UNIQUE_ID),
            s(col::EMAIL),
            s(col::USER_ID),
            s(col::FIRST_NAME),
            s(col::LAST_NAME),
        );
        let (occurred, activated, last_act, deactivated, created) = (
            t(col::OCCURRED_AT),
            t(col::ACTIVATED_AT),
            t(col::LAST_ACTIVITY_AT),
            t(col::DEACTIVATED_AT),
            t(col::APP_CREATED_AT),
        );
        for row in 0..batch.num_rows() {
            if !take(row) {
                continue;
            }
            let get = |a: &'a StringArray| value(a, row);
            let ts = |a: &TimestampMillisecondArray| a.is_valid(row).then(|| a.value(row));
            let kind = RecordKind::from_u8(kind.value(row)).unwrap_or(RecordKind::SignIn);
            if kind == RecordKind::User {
                let Some(id) = get(user_id) else { continue };
                let at = ts(last_act).or(ts(activated)).unwrap_or(i64::MIN);
                let user = self.users.entry(id.into()).or_default();
                offer(&mut user.email, at, get(email));
                offer(&mut user.first_name, at, get(first));
                offer(&mut user.last_name, at, get(last));
                max_opt(&mut user.last_activity_at, ts(last_act));
                max_opt(&mut user.deactivated_at, ts(deactivated));
                continue;
            }
            let Some(app_key) = get(app) else { continue };
            let seen_at = ts(occurred)
                .or(ts(last_act))
                .or(ts(activated))
                .or(ts(created))
                .unwrap_or(i64::MIN);
            if !self.apps.contains_key(app_key) {
                self.apps.insert(app_key.into(), AppEntry::default());
            }
            let app_entry = self.apps.get_mut(app_key).expect("inserted above");
            offer(&mut app_entry.name, seen_at, get(app_name));
            offer(&mut app_entry.display_name, seen_at, get(display));
            offer(&mut app_entry.app_id, seen_at, get(app_id));
            min_opt(&mut app_entry.created_at, ts(created));
            if kind == RecordKind::App {
                continue;
            }
            let entry = if let Some(u) = get(unique) {
                slot(&mut self.roster, &mut self.key_buf, app_key, u)
            } else if let Some(id) = get(user_id) {
                slot(&mut self.by_user_id, &mut self.key_buf, app_key, id)
            } else {
                continue;
            };
            offer(&mut entry.app_name, seen_at, get(app_name));
            offer(&mut entry.app_id, seen_at, get(app_id));
            offer(&mut entry.email, seen_at, get(email));
            offer(&mut entry.user_id, seen_at, get(user_id));
            offer(&mut entry.first_name, seen_at, get(first));
            offer(&mut entry.last_name, seen_at, get(last));
            if kind == RecordKind::SignIn {
                min_opt(&mut entry.activated_at, ts(occurred));
                max_opt(&mut entry.last_activity_at, ts(occurred));
            } else {
                min_opt(&mut entry.activated_at, ts(activated));
                max_opt(&mut entry.last_activity_at, ts(last_act));
                max_opt(&mut entry.deactivated_at, ts(deactivated));
            }
            if entry.origin.is_none() {
                entry.origin = Some(origin(batch, row));
            }
            entry.records += 1;
        }
    }

    /// Folds `other` (the state of another shard of the input) into this one. The result does not depend on the
    /// order or grouping of merges, and equals the state of one run over all the shards' inputs.
    pub fn merge(&mut self, other: Aggregator) -> Result<(), PartialError> {
        if other.unique_from_source != self.unique_from_source {
            return Err(PartialError::Mismatch(
                "the shards were converted with different --unique-id settings".into(),
            ));
        }
        for (key, entry) in other.roster {
            self.roster.entry(key).or_default().merge(entry);
        }
        for (key, entry) in other.by_user_id {
            self.by_user_id.entry(key).or_default().merge(entry);
        }
        for (key, app) in other.apps {
            let mine = self.apps.entry(key).or_default();
            for (slot, theirs) in [
                (&mut mine.name, app.name),
                (&mut mine.display_name, app.display_name),
                (&mut mine.app_id, app.app_id),
            ] {
                if let Some(s) = theirs {
                    offer(slot, s.at, Some(&s.value));
                }
            }
            min_opt(&mut mine.created_at, app.created_at);
        }
        for (key, user) in other.users {
            let mine = self.users.entry(key).or_default();
            max_opt(&mut mine.last_activity_at, user.last_activity_at);
            max_opt(&mut mine.deactivated_at, user.deactivated_at);
            for (slot, theirs) in [
                (&mut mine.email, user.email),
                (&mut mine.first_name, user.first_name),
                (&mut mine.last_name, user.last_name),
            ] {
                if let Some(s) = theirs {
                    offer(slot, s.at, Some(&s.value));
                }
            }
        }
        Ok(())
    }

    /// Writes the state as a partial: one JSON object per line, sorted, so the same state gives the same bytes.
    pub fn write_partial(&self, mut out: impl Write) -> Result<(), PartialError> {
        let mut line = serde_json::to_vec(&PartialLine::Header {
            version: PARTIAL_VERSION,
            unique_from_source: self.unique_from_source,
        })?;
        line.push(b'\n');
        out.write_all(&line)?;
        let mut write = |entry: PartialLine<'_>| -> Result<(), PartialError> {
            let mut line = serde_json::to_vec(&entry)?;
            line.push(b'\n');
            out.write_all(&line)?;
            Ok(())
        };
        for key in sorted_keys(&self.roster) {
            write(PartialLine::Roster {
                key: Cow::Borrowed(key),
                entry: Cow::Borrowed(&self.roster[key]),
            })?;
        }
        for key in sorted_keys(&self.by_user_id) {
            write(PartialLine::ByUserId {
                key: Cow::Borrowed(key),
                entry: Cow::Borrowed(&self.by_user_id[key]),
            })?;
        }
        for key in sorted_keys(&self.apps) {
            write(PartialLine::App {
                key: Cow::Borrowed(key),
                entry: Cow::Borrowed(&self.apps[key]),
            })?;
        }
        for key in sorted_keys(&self.users) {
            write(PartialLine::User {
                key: Cow::Borrowed(key),
                entry: Cow::Borrowed(&self.users[key]),
            })?;
        }
        Ok(())
    }

    /// Reads a partial written by [`Aggregator::write_partial`].
    pub fn read_partial(input: impl BufRead) -> Result<Aggregator, PartialError> {
        let mut aggregator: Option<Aggregator> = None;
        for (number, line) in input.lines().enumerate() {
            let line = line?;
            if line.trim().is_empty() {
                continue;
            }
            let parsed: PartialLine<'static> = serde_json::from_str(&line)
                .map_err(|e| PartialError::Format(format!("line {}: {e}", number + 1)))?;
            let target = match (&mut aggregator, parsed) {
                (
                    None,
                    PartialLine::Header {
                        version,
                        unique_from_source,
                    },
                ) => {
                    if version != PARTIAL_VERSION {
                        return Err(PartialError::Format(format!(
                            "partial format version {version}; this ssoimport reads version {PARTIAL_VERSION}"
                        )));
                    }
                    aggregator = Some(Aggregator::new(unique_from_source));
                    continue;
                }
                (None, _) => return Err(PartialError::Format("the header line is missing".into())),
                (Some(_), PartialLine::Header { .. }) => {
                    return Err(PartialError::Format(format!(
                        "line {}: a second header",
                        number + 1
                    )));
                }
                (Some(a), other) => (a, other),
            };
            match target {
                (a, PartialLine::Roster { key, entry }) => {
                    a.roster
                        .insert(key.into_owned().into_boxed_str(), entry.into_owned());
                }
                (a, PartialLine::ByUserId { key, entry }) => {
                    a.by_user_id
                        .insert(key.into_owned().into_boxed_str(), entry.into_owned());
                }
                (a, PartialLine::App { key, entry }) => {
                    a.apps
                        .insert(key.into_owned().into_boxed_str(), entry.into_owned());
                }
                (a, PartialLine::User { key, entry }) => {
                    a.users
                        .insert(key.into_owned().into_boxed_str(), entry.into_owned());
                }
                (_, PartialLine::Header { .. }) => unreachable!("handled above"),
            }
        }
        aggregator.ok_or_else(|| PartialError::Format("the partial is empty".into()))
    }

    /// Joins the user lists, then builds the roster and discovery rows in batches of at most `batch_rows`.
    pub fn finish(mut self, batch_rows: usize) -> Aggregated {
        let mut incomplete = Vec::new();
        // Assignments known only by user id: the user list gives their email (the unique id in email mode).
        for (key, mut entry) in std::mem::take(&mut self.by_user_id) {
            let (app, id) = split_key(&key);
            let user = self.users.get(id).cloned().unwrap_or_default();
            fill(&mut entry, &user);
            match entry.email.as_ref().map(|s| s.value.clone()) {
                Some(email) => {
                    let user = if self.unique_from_source { id } else { &*email };
                    slot(&mut self.roster, &mut self.key_buf, app, user).merge(entry);
                }
                None => incomplete.push(missing_email(&entry, id)),
            }
        }
        // Join the user lists in place, then sort references to the keys: the entries are never copied, so the
        // roster's peak memory is the map itself plus the batches.
        for entry in self.roster.values_mut() {
            if let Some(id) = entry.user_id.as_ref().map(|s| s.value.clone())
                && let Some(user) = self.users.get(&id)
            {
                fill(entry, user);
            }
        }
        let mut keys: Vec<&str> = Vec::with_capacity(self.roster.len());
        for (key, entry) in &self.roster {
            if entry.email.is_none() {
                incomplete.push(missing_email(entry, split_key(key).1));
            } else {
                keys.push(key);
            }
        }
        keys.sort_unstable();
        incomplete.sort_by(|a, b| a.origin.cmp(&b.origin));
        let mut app_keys: Vec<&Box<str>> = self.apps.keys().collect();
        app_keys.sort_unstable();
        let apps: Vec<(&str, &AppEntry)> = app_keys.into_iter().map(|k| (&**k, &self.apps[k])).collect();
        let roster = keys
            .chunks(batch_rows.max(1))
            .map(|part| roster_batch(part.iter().map(|k| (*k, &self.roster[*k])), &self.apps))
            .collect::<Vec<_>>();
        let discovery = apps
            .chunks(batch_rows.max(1))
            .map(discovery_batch)
            .collect::<Vec<_>>();
        Aggregated {
            roster,
            discovery,
            incomplete,
        }
    }
}

fn value(a: &StringArray, row: usize) -> Option<&str> {
    a.is_valid(row).then(|| a.value(row))
}

fn fill(entry: &mut RosterEntry, user: &UserEntry) {
    for (mine, theirs) in [
        (&mut entry.email, &user.email),
        (&mut entry.first_name, &user.first_name),
        (&mut entry.last_name, &user.last_name),
    ] {
        if mine.is_none() {
            mine.clone_from(theirs);
        }
    }
    // A user-level last sign-in stands in where the app itself shows none; a user who lost access to everything
    // lost it to this app too.
    if entry.last_activity_at.is_none() {
        entry.last_activity_at = user.last_activity_at;
    }
    if entry.deactivated_at.is_none() {
        entry.deactivated_at = user.deactivated_at;
    }
}

fn missing_email(entry: &RosterEntry, user: &str) -> Incomplete {
    let origin = entry.origin.clone().unwrap_or(Origin {
        file: "".into(),
        record: 0,
        line: None,
        offset: 0,
        length: 0,
    });
    Incomplete {
        origin,
        code: RejectCode::MissingEmail,
        detail: format!(
            "user `{user}` is assigned to an app, but no user list in the input gives their email"
        ),
        records: entry.records.max(1),
    }
}

fn origin(batch: &RecordBatch, row: usize) -> Origin {
    let dict = batch.column(col::FILE).as_dictionary::<Int32Type>();
    let file = dict
        .values()
        .as_string::<i32>()
        .value(dict.keys().value(row) as usize);
    let line = batch.column(col::LINE).as_primitive::<UInt64Type>();
    Origin {
        file: file.into(),
        record: batch.column(col::RECORD).as_primitive::<UInt64Type>().value(row),
        line: line.is_valid(row).then(|| line.value(row)),
        offset: batch.column(col::OFFSET).as_primitive::<UInt64Type>().value(row),
        length: batch.column(col::LENGTH).as_primitive::<UInt32Type>().value(row),
    }
}

fn text(s: &Option<Seen>) -> Option<&str> {
    s.as_ref().map(|s| &*s.value)
}

fn roster_batch<'a>(
    rows: impl Iterator<Item = (&'a str, &'a RosterEntry)>,
    apps: &HashMap<Box<str>, AppEntry>,
) -> RecordBatch {
    let mut c: Vec<StringBuilder> = (0..7).map(|_| StringBuilder::new()).collect();
    let mut times: Vec<TimestampMillisecondBuilder> = (0..3)
        .map(|_| TimestampMillisecondBuilder::new().with_timezone("UTC"))
        .collect();
    for (key, e) in rows {
        let (app, unique) = split_key(key);
        let app_entry = apps.get(app);
        let name = text(&e.app_name)
            .or_else(|| app_entry.and_then(|a| text(&a.name).or(text(&a.display_name))))
            .unwrap_or(app);
        c[0].append_value(name);
        c[1].append_option(text(&e.app_id).or_else(|| app_entry.and_then(|a| text(&a.app_id))));
        c[2].append_value(app);
        c[3].append_value(unique);
        c[4].append_option(text(&e.email));
        c[5].append_option(text(&e.first_name));
        c[6].append_option(text(&e.last_name));
        times[0].append_option(e.activated_at);
        times[1].append_option(e.last_activity_at);
        times[2].append_option(e.deactivated_at);
    }
    let mut columns: Vec<ArrayRef> = c.iter_mut().map(|b| Arc::new(b.finish()) as ArrayRef).collect();
    columns.extend(times.iter_mut().map(|b| Arc::new(b.finish()) as ArrayRef));
    RecordBatch::try_new(Task::SsoApplicationRoster.arrow_schema(), columns)
        .expect("columns follow the roster schema")
}

fn discovery_batch(apps: &[(&str, &AppEntry)]) -> RecordBatch {
    let schema = Task::ApplicationDiscovery.arrow_schema();
    let mut name = StringBuilder::new();
    let mut display = StringBuilder::new();
    let mut app_id = StringBuilder::new();
    let mut instance = StringBuilder::new();
    let mut created = TimestampMillisecondBuilder::new().with_timezone("UTC");
    let mut guests = BooleanBuilder::new();
    for (key, a) in apps {
        let n = text(&a.name).or(text(&a.display_name)).unwrap_or(key);
        name.append_value(n);
        display.append_value(text(&a.display_name).unwrap_or(n));
        app_id.append_option(text(&a.app_id));
        instance.append_value(key);
        created.append_option(a.created_at);
        guests.append_null();
    }
    let created = created.finish();
    let guests = guests.finish();
    let nested = |field: &str, child: ArrayRef| -> ArrayRef {
        let DataType::Struct(fields) = schema
            .field_with_name(field)
            .expect("in the schema")
            .data_type()
            .clone()
        else {
            unreachable!("{field} is an object in the discovery schema")
        };
        let nulls = child.logical_nulls().map(|n| NullBuffer::new(n.inner().clone()));
        Arc::new(StructArray::new(
            Fields::from(fields.iter().cloned().collect::<Vec<_>>()),
            vec![child],
            nulls,
        ))
    };
    let columns: Vec<ArrayRef> = vec![
        Arc::new(name.finish()),
        Arc::new(display.finish()),
        Arc::new(app_id.finish()),
        Arc::new(instance.finish()),
        nested("ssoAppAdditional", Arc::new(created)),
        nested("appInstanceAdditional", Arc::new(guests)),
    ];
    RecordBatch::try_new(schema, columns).expect("columns follow the discovery schema")
}

#[cfg(test)]
mod tests;
