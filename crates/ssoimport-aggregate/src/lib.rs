//! Aggregation of valid normalized rows into the import tasks that summarise them: the roster (one row per app
//! and user, first and last seen, names, deactivation) and app discovery (one row per app), joined with the user
//! and app lists some exports carry; plus the usage rows, one per sign-in.
//!
//! State grows with the number of distinct (app, user) pairs, apps and users, never with the number of events.
//! Each distinct string (id, name, email) is held once and the entries refer to it by a 4-byte handle, so a pair
//! costs some 75-85 bytes (its 64-byte entry and 9-18 bytes of an index of 8-byte slots, at most seven eighths
//! full) besides the strings it is the first to name; the roster rows are built batch by batch as they are
//! written.
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

mod entry;
mod intern;
mod output;
mod partial;
mod usage;

use std::collections::HashMap;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Int32Type, TimestampMillisecondType, UInt8Type, UInt32Type, UInt64Type};
use arrow_array::{Array, PrimitiveArray, RecordBatch, StringArray, TimestampMillisecondArray};
use serde::{Deserialize, Serialize};
use ssoimport_schema::intermediate::RecordKind;
use ssoimport_schema::normalized::col;
use ssoimport_schema::text::same_bytes;
use ssoimport_schema::{RejectCode, Task};

use entry::{
    APP_ID, APP_NAME, AppEntry, EMAIL, FIRST_NAME, LAST_NAME, Pairs, Pending, Place, USER_ID, UserEntry,
    Wide, max_opt, min_opt, offer, offer_known, offer_seen, translate,
};
use intern::{Interner, Strings, Sym, Table};
pub use output::{Batches, Roster, RosterBatches};
pub use partial::PARTIAL_VERSION;
pub use usage::usage_batch;

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
    /// Batches in the `SsoApplicationRoster` schema, sorted by app then user, built as they are iterated.
    pub roster: Roster,
    /// Batches in the `ApplicationDiscovery` schema, sorted by app.
    pub discovery: Vec<RecordBatch>,
    /// Roster rows that still lack a required value after joining the user lists.
    pub incomplete: Vec<Incomplete>,
}

impl Aggregated {
    /// The batches of `task`: the roster's or discovery's, none for another task.
    pub fn batches(&self, task: Task) -> Batches<'_> {
        match task {
            Task::SsoApplicationRoster => Batches::roster(&self.roster),
            Task::ApplicationDiscovery => Batches::built(&self.discovery),
            _ => Batches::built(&[]),
        }
    }
}

/// Streaming aggregation of roster and discovery.
#[derive(Debug, Default)]
pub struct Aggregator {
    unique_from_source: bool,
    strings: Interner,
    roster: Pairs,
    /// Assignments that name their user by id alone, joined with `users` at the end.
    by_user_id: Pairs,
    apps: Table<AppEntry>,
    users: Table<UserEntry>,
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
    pub fn add(&mut self, batch: &RecordBatch, take: impl Fn(usize) -> bool) {
        let c = Columns::of(batch);
        let rows = batch.num_rows();
        let mut ahead = [Ahead::default(); WARM_GROUP];
        for group in (0..rows).step_by(WARM_GROUP) {
            let group = group..(group + WARM_GROUP).min(rows);
            for (row, ahead) in group.clone().zip(&mut ahead) {
                *ahead = Ahead::default();
                ahead.take = take(row);
                let kind = RecordKind::from_u8(c.kind.value(row)).unwrap_or(RecordKind::SignIn);
                if ahead.take
                    && !matches!(kind, RecordKind::User | RecordKind::App)
                    && let Some(app) = value(c.app, row)
                    && let Some((user, by_user_id)) = pair_user(value(c.unique, row), value(c.user_id, row))
                {
                    ahead.texts = Some((app, user, by_user_id));
                }
            }
            let ahead = &mut ahead[..group.len()];
            self.warm(ahead);
            for (row, ahead) in group.zip(ahead.iter()) {
                if ahead.take {
                    self.add_row(batch, &c, row, ahead);
                }
            }
        }
    }

    /// Reads, for a group of rows, what their lookups of users and pairs will read, one step at a time: the
    /// misses of the whole group overlap instead of following one another (see [`intern::warm`]). Leaves in
    /// `ahead` what it found (hashes, handles, entries), so that adding the rows does not look them up again:
    /// strings and entries are only ever added, so what is found stays valid while the group is added.
    fn warm(&self, ahead: &mut [Ahead<'_>]) {
        let strings = &self.strings;
        for a in ahead.iter_mut() {
            if let Some((app, user, _)) = a.texts {
                a.hashes = Some((strings.hash(app), strings.hash(user)));
            }
        }
        // Each step's reads in a loop of their own, so that they all go out before the first is waited for.
        let mut read = 0;
        for (_, user) in ahead.iter().filter_map(|a| a.hashes) {
            read ^= strings.warm_slot(user);
        }
        intern::warm(read);
        for (_, user) in ahead.iter().filter_map(|a| a.hashes) {
            read ^= strings.warm_record(user);
        }
        intern::warm(read);
        for a in ahead.iter_mut() {
            if let (Some((app, user, _)), Some((app_hash, user_hash))) = (a.texts, a.hashes)
                && let Some(app) = strings.find_hashed(app, app_hash)
                && let Some(user) = strings.find_hashed(user, user_hash)
            {
                a.syms = Some((app, user));
            }
        }
        let pairs_of = |a: &Ahead<'_>| match a.texts {
            Some((_, _, true)) => &self.by_user_id,
            _ => &self.roster,
        };
        for a in ahead.iter() {
            if let Some((app, user)) = a.syms {
                read ^= pairs_of(a).warm_slot(app, user);
            }
        }
        intern::warm(read);
        let mut user_ids = [None; WARM_GROUP];
        for (a, user_id) in ahead.iter_mut().zip(&mut user_ids) {
            if let Some((app, user)) = a.syms {
                let pairs = pairs_of(a);
                a.pair = pairs.find(app, user);
                *user_id = a.pair.and_then(|i| pairs.rows()[i].text(USER_ID));
            }
        }
        for &sym in user_ids.iter().flatten() {
            read ^= strings.strings().warm_record(sym);
        }
        intern::warm(read);
    }

    /// Adds row `row` of `batch`; `ahead` is what [`Aggregator::warm`] left for it.
    fn add_row<'c>(&mut self, batch: &RecordBatch, c: &Columns<'c>, row: usize, ahead: &Ahead<'_>) {
        let get = |a: &'c StringArray| value(a, row);
        let ts = |a: &TimestampMillisecondArray| a.is_valid(row).then(|| a.value(row));
        let strings = &mut self.strings;
        let kind = RecordKind::from_u8(c.kind.value(row)).unwrap_or(RecordKind::SignIn);
        if kind == RecordKind::User {
            let Some(id) = get(c.user_id) else { return };
            let at = ts(c.last_act).or(ts(c.activated)).unwrap_or(i64::MIN);
            let id = strings.intern(id);
            let i = self.users.find_or_insert(id.key(), || UserEntry::new(id));
            let user = self.users.row_mut(i);
            offer(&mut user.email, at, get(c.email), strings);
            offer(&mut user.first_name, at, get(c.first), strings);
            offer(&mut user.last_name, at, get(c.last), strings);
            user.last_activity_at = max_time(user.last_activity_at, ts(c.last_act));
            user.deactivated_at = max_time(user.deactivated_at, ts(c.deactivated));
            return;
        }
        let Some(app_key) = get(c.app) else { return };
        let seen_at = ts(c.occurred)
            .or(ts(c.last_act))
            .or(ts(c.activated))
            .or(ts(c.created))
            .unwrap_or(i64::MIN);
        let app_sym = match (ahead.syms, ahead.hashes) {
            (Some((app, _)), _) => app,
            (None, Some((app_hash, _))) => strings.intern_hashed(app_key, app_hash),
            (None, None) => strings.intern(app_key),
        };
        let a = self.apps.find_or_insert(app_sym.key(), || AppEntry::new(app_sym));
        let app_entry = self.apps.row_mut(a);
        // The handles of the values the app holds: the same values offered to the roster entry below are
        // compared by handle.
        let name_sym = offer(&mut app_entry.name, seen_at, get(c.app_name), strings);
        offer(&mut app_entry.display_name, seen_at, get(c.display), strings);
        let app_id_sym = offer(&mut app_entry.app_id, seen_at, get(c.app_id), strings);
        let mut created_at = app_entry.created_at.get();
        min_opt(&mut created_at, ts(c.created));
        app_entry.created_at = created_at.into();
        if kind == RecordKind::App {
            return;
        }
        let Some((user_text, by_user_id)) = pair_user(get(c.unique), get(c.user_id)) else {
            return;
        };
        let pairs = if by_user_id {
            &mut self.by_user_id
        } else {
            &mut self.roster
        };
        let user = match (ahead.syms, ahead.hashes) {
            (Some((_, user)), _) => user,
            (None, Some((_, user_hash))) => strings.intern_hashed(user_text, user_hash),
            (None, None) => strings.intern(user_text),
        };
        let i = match ahead.pair {
            Some(i) => i,
            None => pairs.slot(app_sym, user),
        };
        let mut entry = pairs.load(i);
        // A value equal to the user's key (the email, most often) has the user's handle.
        let as_user = |v: Option<&str>| {
            v.filter(|v| same_bytes(v.as_bytes(), user_text.as_bytes()))
                .map(|_| user)
        };
        for (f, v, known) in [
            (APP_NAME, get(c.app_name), name_sym),
            (APP_ID, get(c.app_id), app_id_sym),
            (EMAIL, get(c.email), as_user(get(c.email))),
            (USER_ID, get(c.user_id), as_user(get(c.user_id))),
            (FIRST_NAME, get(c.first), None),
            (LAST_NAME, get(c.last), None),
        ] {
            offer_known(&mut entry.texts[f], seen_at, v, known, strings);
        }
        if kind == RecordKind::SignIn {
            min_opt(&mut entry.activated_at, ts(c.occurred));
            max_opt(&mut entry.last_activity_at, ts(c.occurred));
        } else {
            min_opt(&mut entry.activated_at, ts(c.activated));
            max_opt(&mut entry.last_activity_at, ts(c.last_act));
            max_opt(&mut entry.deactivated_at, ts(c.deactivated));
        }
        // Only an entry without an email can end up incomplete, so only such an entry keeps its first record
        // and count.
        if entry.texts[EMAIL].is_none() {
            let pending = entry.pending.get_or_insert_with(|| Pending {
                origin: place(batch, row, strings),
                records: 0,
            });
            pending.records += 1;
        }
        pairs.store(i, entry);
    }

    /// Folds `other` (the state of another shard of the input) into this one. The result does not depend on the
    /// order or grouping of merges, and equals the state of one run over all the shards' inputs.
    pub fn merge(&mut self, other: Aggregator) -> Result<(), PartialError> {
        if other.unique_from_source != self.unique_from_source {
            return Err(PartialError::Mismatch(
                "the shards were converted with different --unique-id settings".into(),
            ));
        }
        let from = other.strings.strings();
        for (mine, theirs) in [
            (&mut self.roster, &other.roster),
            (&mut self.by_user_id, &other.by_user_id),
        ] {
            for (i, pair) in theirs.rows().iter().enumerate() {
                let app = self.strings.intern(from.get(pair.app));
                let user = self.strings.intern(from.get(pair.user));
                let entry = theirs.load(i).translate(from, &mut self.strings);
                merge_pair(mine, &self.strings, app, user, entry);
            }
        }
        for app in other.apps.rows() {
            let app = AppEntry {
                app: self.strings.intern(from.get(app.app)),
                name: translate(app.name, from, &mut self.strings),
                display_name: translate(app.display_name, from, &mut self.strings),
                app_id: translate(app.app_id, from, &mut self.strings),
                created_at: app.created_at,
            };
            self.merge_app(app);
        }
        for user in other.users.rows() {
            let user = UserEntry {
                id: self.strings.intern(from.get(user.id)),
                email: translate(user.email, from, &mut self.strings),
                first_name: translate(user.first_name, from, &mut self.strings),
                last_name: translate(user.last_name, from, &mut self.strings),
                last_activity_at: user.last_activity_at,
                deactivated_at: user.deactivated_at,
            };
            self.merge_user(user);
        }
        Ok(())
    }

    /// Folds an app entry, its handles in this aggregator's strings, into the state.
    fn merge_app(&mut self, theirs: AppEntry) {
        let i = self
            .apps
            .find_or_insert(theirs.app.key(), || AppEntry::new(theirs.app));
        let mine = self.apps.row_mut(i);
        let strings = self.strings.strings();
        for (slot, seen) in [
            (&mut mine.name, theirs.name),
            (&mut mine.display_name, theirs.display_name),
            (&mut mine.app_id, theirs.app_id),
        ] {
            if let Some(s) = seen {
                offer_seen(slot, s, strings);
            }
        }
        let mut created_at = mine.created_at.get();
        min_opt(&mut created_at, theirs.created_at.get());
        mine.created_at = created_at.into();
    }

    /// Folds a user entry, its handles in this aggregator's strings, into the state.
    fn merge_user(&mut self, theirs: UserEntry) {
        let i = self
            .users
            .find_or_insert(theirs.id.key(), || UserEntry::new(theirs.id));
        let mine = self.users.row_mut(i);
        let strings = self.strings.strings();
        mine.last_activity_at = max_time(mine.last_activity_at, theirs.last_activity_at.get());
        mine.deactivated_at = max_time(mine.deactivated_at, theirs.deactivated_at.get());
        for (slot, seen) in [
            (&mut mine.email, theirs.email),
            (&mut mine.first_name, theirs.first_name),
            (&mut mine.last_name, theirs.last_name),
        ] {
            if let Some(s) = seen {
                offer_seen(slot, s, strings);
            }
        }
    }

    /// Joins the user lists, then sorts the roster rows, to be built in batches of at most `batch_rows` as
    /// [`Aggregated::roster`] is iterated; discovery is built at once (one row per app).
    pub fn finish(mut self, batch_rows: usize) -> Aggregated {
        let batch_rows = batch_rows.max(1);
        let mut incomplete = Vec::new();
        let mut files = Files::default();
        // Assignments known only by user id: the user list gives their email (the unique id in email mode).
        let by_user_id = std::mem::take(&mut self.by_user_id);
        for (i, pair) in by_user_id.rows().iter().enumerate() {
            let (app, id) = (pair.app, pair.user);
            let mut entry = by_user_id.load(i);
            if let Some(u) = self.users.find(id.key()) {
                entry.fill(&self.users.rows()[u]);
            }
            match entry.texts[EMAIL] {
                Some(email) => {
                    let user = if self.unique_from_source { id } else { email.value };
                    merge_pair(&mut self.roster, &self.strings, app, user, entry);
                }
                None => incomplete.push(missing_email(
                    entry.pending,
                    id,
                    self.strings.strings(),
                    &mut files,
                )),
            }
        }
        drop(by_user_id);
        for i in 0..self.roster.len() {
            if let Some(id) = self.roster.rows()[i].text(USER_ID)
                && let Some(u) = self.users.find(id.key())
            {
                let mut entry = self.roster.load(i);
                entry.fill(&self.users.rows()[u]);
                self.roster.store(i, entry);
            }
        }
        // The indexes that find strings and entries are of no more use (the rest works with handles): drop them
        // before the sort needs room.
        drop(self.users);
        let strings = self.strings.into_strings();
        let (pairs, pending) = self.roster.into_parts();
        let ranks = strings.ranks();
        let discovery = output::discovery(self.apps.rows(), &strings, &ranks, batch_rows);
        let rows = output::rows(pairs, &self.apps, &ranks, |pair| {
            let pending = pair.pending().map(|j| pending[j]);
            incomplete.push(missing_email(pending, pair.user, &strings, &mut files));
        });
        incomplete.sort_by(|a, b| a.origin.cmp(&b.origin));
        let roster = Roster::new(rows, strings, batch_rows);
        Aggregated {
            roster,
            discovery,
            incomplete,
        }
    }
}

/// Folds `entry` into the entry of `app` and `user` in `pairs`.
fn merge_pair(pairs: &mut Pairs, strings: &Interner, app: Sym, user: Sym, entry: Wide) {
    let i = pairs.slot(app, user);
    let mut mine = pairs.load(i);
    mine.merge(entry, strings.strings());
    pairs.store(i, mine);
}

fn max_time(time: entry::Time, v: Option<i64>) -> entry::Time {
    let mut time = time.get();
    max_opt(&mut time, v);
    time.into()
}

/// Rows looked up together by [`Aggregator::warm`]: enough for their misses to overlap, few enough that what
/// they read stays in the cache until they are added.
const WARM_GROUP: usize = 32;

/// What [`Aggregator::warm`] knows of a row before it is added.
#[derive(Debug, Clone, Copy, Default)]
struct Ahead<'a> {
    /// The caller takes the row.
    take: bool,
    /// The app, the user and whether the user is named by id alone, for a row that names a pair.
    texts: Option<(&'a str, &'a str, bool)>,
    /// The app's and the user's [`Interner::hash`].
    hashes: Option<(u64, u64)>,
    /// Their handles, if interned already.
    syms: Option<(Sym, Sym)>,
    /// The index of their entry, if there is one.
    pair: Option<usize>,
}

/// The user of a pair: the unique id, else the user id alone (`true`), to be joined with a user list.
fn pair_user<'a>(unique: Option<&'a str>, user_id: Option<&'a str>) -> Option<(&'a str, bool)> {
    match (unique, user_id) {
        (Some(u), _) => Some((u, false)),
        (None, Some(id)) => Some((id, true)),
        (None, None) => None,
    }
}

/// The columns of a valid normalized batch that the aggregation reads.
struct Columns<'a> {
    kind: &'a PrimitiveArray<UInt8Type>,
    app: &'a StringArray,
    app_name: &'a StringArray,
    display: &'a StringArray,
    app_id: &'a StringArray,
    unique: &'a StringArray,
    email: &'a StringArray,
    user_id: &'a StringArray,
    first: &'a StringArray,
    last: &'a StringArray,
    occurred: &'a TimestampMillisecondArray,
    activated: &'a TimestampMillisecondArray,
    last_act: &'a TimestampMillisecondArray,
    deactivated: &'a TimestampMillisecondArray,
    created: &'a TimestampMillisecondArray,
}

impl<'a> Columns<'a> {
    fn of(batch: &'a RecordBatch) -> Self {
        let s = |c: usize| batch.column(c).as_string::<i32>();
        let t = |c: usize| batch.column(c).as_primitive::<TimestampMillisecondType>();
        Columns {
            kind: batch.column(col::KIND).as_primitive::<UInt8Type>(),
            app: s(col::APP_INSTANCE_ID),
            app_name: s(col::SSO_APP_NAME),
            display: s(col::SSO_APP_DISPLAY_NAME),
            app_id: s(col::SSO_APP_ID),
            unique: s(col::UNIQUE_ID),
            email: s(col::EMAIL),
            user_id: s(col::USER_ID),
            first: s(col::FIRST_NAME),
            last: s(col::LAST_NAME),
            occurred: t(col::OCCURRED_AT),
            activated: t(col::ACTIVATED_AT),
            last_act: t(col::LAST_ACTIVITY_AT),
            deactivated: t(col::DEACTIVATED_AT),
            created: t(col::APP_CREATED_AT),
        }
    }
}

fn value(a: &StringArray, row: usize) -> Option<&str> {
    a.is_valid(row).then(|| a.value(row))
}

/// The input file names of [`Origin`]s, shared.
#[derive(Default)]
struct Files(HashMap<Sym, Arc<str>>);

impl Files {
    fn origin(&mut self, place: &Place, strings: &Strings) -> Origin {
        let file = self
            .0
            .entry(place.file)
            .or_insert_with(|| strings.get(place.file).into())
            .clone();
        Origin {
            file,
            record: place.record,
            line: place.line,
            offset: place.offset,
            length: place.length,
        }
    }
}

fn missing_email(pending: Option<Pending>, user: Sym, strings: &Strings, files: &mut Files) -> Incomplete {
    let origin = match &pending {
        Some(p) => files.origin(&p.origin, strings),
        None => Origin {
            file: "".into(),
            record: 0,
            line: None,
            offset: 0,
            length: 0,
        },
    };
    Incomplete {
        origin,
        code: RejectCode::MissingEmail,
        detail: format!(
            "user `{}` is assigned to an app, but no user list in the input gives their email",
            strings.get(user)
        ),
        records: pending.map_or(0, |p| p.records).max(1),
    }
}

fn place(batch: &RecordBatch, row: usize, strings: &mut Interner) -> Place {
    let dict = batch.column(col::FILE).as_dictionary::<Int32Type>();
    let file = dict
        .values()
        .as_string::<i32>()
        .value(dict.keys().value(row) as usize);
    let line = batch.column(col::LINE).as_primitive::<UInt64Type>();
    Place {
        file: strings.intern(file),
        record: batch.column(col::RECORD).as_primitive::<UInt64Type>().value(row),
        line: line.is_valid(row).then(|| line.value(row)),
        offset: batch.column(col::OFFSET).as_primitive::<UInt64Type>().value(row),
        length: batch.column(col::LENGTH).as_primitive::<UInt32Type>().value(row),
    }
}

#[cfg(test)]
mod tests;
