//! The partial: an aggregator's state as JSON lines, for merging the shards of an input converted apart.
//!
//! The lines hold strings, not handles (each aggregator interns its own). An entry that has an email writes
//! `origin: null` and `records: 0`: only an entry without one can end up incomplete and need them.

use std::borrow::Cow;
use std::io::{BufRead, Write};

use serde::{Deserialize, Serialize};

use crate::entry::{AppEntry, Pairs, Pending, Place, Seen, UserEntry, Wide};
use crate::intern::{Interner, Strings};
use crate::{Aggregator, PartialError, merge_pair};

/// Version of the partial format written by [`Aggregator::write_partial`].
pub const PARTIAL_VERSION: u32 = 1;

/// A roster key: the app instance id and the user key joined by NUL.
const KEY_SEPARATOR: char = '\0';

/// One line of a partial.
#[derive(Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
enum PartialLine<'a> {
    Header {
        version: u32,
        unique_from_source: bool,
    },
    Roster {
        #[serde(borrow)]
        key: Cow<'a, str>,
        #[serde(borrow)]
        entry: WireRoster<'a>,
    },
    ByUserId {
        #[serde(borrow)]
        key: Cow<'a, str>,
        #[serde(borrow)]
        entry: WireRoster<'a>,
    },
    App {
        #[serde(borrow)]
        key: Cow<'a, str>,
        #[serde(borrow)]
        entry: WireApp<'a>,
    },
    User {
        #[serde(borrow)]
        key: Cow<'a, str>,
        #[serde(borrow)]
        entry: WireUser<'a>,
    },
}

#[derive(Serialize, Deserialize)]
struct WireSeen<'a> {
    at: i64,
    #[serde(borrow)]
    value: Cow<'a, str>,
}

#[derive(Serialize, Deserialize)]
struct WireOrigin<'a> {
    #[serde(borrow)]
    file: Cow<'a, str>,
    record: u64,
    line: Option<u64>,
    offset: u64,
    length: u32,
}

#[derive(Serialize, Deserialize)]
struct WireRoster<'a> {
    #[serde(borrow)]
    app_name: Option<WireSeen<'a>>,
    #[serde(borrow)]
    app_id: Option<WireSeen<'a>>,
    #[serde(borrow)]
    email: Option<WireSeen<'a>>,
    #[serde(borrow)]
    user_id: Option<WireSeen<'a>>,
    #[serde(borrow)]
    first_name: Option<WireSeen<'a>>,
    #[serde(borrow)]
    last_name: Option<WireSeen<'a>>,
    activated_at: Option<i64>,
    last_activity_at: Option<i64>,
    deactivated_at: Option<i64>,
    #[serde(borrow)]
    origin: Option<WireOrigin<'a>>,
    records: u64,
}

#[derive(Serialize, Deserialize)]
struct WireApp<'a> {
    #[serde(borrow)]
    name: Option<WireSeen<'a>>,
    #[serde(borrow)]
    display_name: Option<WireSeen<'a>>,
    #[serde(borrow)]
    app_id: Option<WireSeen<'a>>,
    created_at: Option<i64>,
}

#[derive(Serialize, Deserialize)]
struct WireUser<'a> {
    #[serde(borrow)]
    email: Option<WireSeen<'a>>,
    #[serde(borrow)]
    first_name: Option<WireSeen<'a>>,
    #[serde(borrow)]
    last_name: Option<WireSeen<'a>>,
    last_activity_at: Option<i64>,
    deactivated_at: Option<i64>,
}

fn to_wire(seen: Option<Seen>, strings: &Strings) -> Option<WireSeen<'_>> {
    seen.map(|s| WireSeen {
        at: s.at,
        value: Cow::Borrowed(strings.get(s.value)),
    })
}

fn from_wire(seen: Option<WireSeen<'_>>, strings: &mut Interner) -> Option<Seen> {
    seen.map(|s| Seen {
        at: s.at,
        value: strings.intern(&s.value),
    })
}

impl<'a> WireRoster<'a> {
    fn new(entry: &Wide, strings: &'a Strings) -> Self {
        let [app_name, app_id, email, user_id, first_name, last_name] =
            entry.texts.map(|t| to_wire(t, strings));
        WireRoster {
            app_name,
            app_id,
            email,
            user_id,
            first_name,
            last_name,
            activated_at: entry.activated_at,
            last_activity_at: entry.last_activity_at,
            deactivated_at: entry.deactivated_at,
            origin: entry.pending.map(|p| WireOrigin {
                file: Cow::Borrowed(strings.get(p.origin.file)),
                record: p.origin.record,
                line: p.origin.line,
                offset: p.origin.offset,
                length: p.origin.length,
            }),
            records: entry.pending.map_or(0, |p| p.records),
        }
    }

    fn into_entry(self, strings: &mut Interner) -> Wide {
        let records = self.records;
        Wide {
            texts: [
                self.app_name,
                self.app_id,
                self.email,
                self.user_id,
                self.first_name,
                self.last_name,
            ]
            .map(|t| from_wire(t, strings)),
            activated_at: self.activated_at,
            last_activity_at: self.last_activity_at,
            deactivated_at: self.deactivated_at,
            pending: self.origin.map(|o| Pending {
                origin: Place {
                    file: strings.intern(&o.file),
                    record: o.record,
                    line: o.line,
                    offset: o.offset,
                    length: o.length,
                },
                records,
            }),
        }
    }
}

/// The indexes of `rows` in the order of their keys' strings.
fn sorted<T>(rows: &[T], key: impl Fn(&T) -> u64) -> Vec<u32> {
    let mut order: Vec<u32> = (0..rows.len() as u32).collect();
    order.sort_unstable_by_key(|&i| key(&rows[i as usize]));
    order
}

impl Aggregator {
    /// Writes the state as a partial: one JSON object per line, sorted, so the same state gives the same bytes.
    pub fn write_partial(&self, mut out: impl Write) -> Result<(), PartialError> {
        let strings = self.strings.strings();
        let ranks = strings.ranks();
        let mut write = |line: PartialLine<'_>| -> Result<(), PartialError> {
            let mut bytes = serde_json::to_vec(&line)?;
            bytes.push(b'\n');
            out.write_all(&bytes)?;
            Ok(())
        };
        write(PartialLine::Header {
            version: PARTIAL_VERSION,
            unique_from_source: self.unique_from_source,
        })?;
        let mut key = String::new();
        for (by_user_id, pairs) in [(false, &self.roster), (true, &self.by_user_id)] {
            for i in sorted(pairs.rows(), |p| ranks.pair(p.app, p.user)) {
                let pair = &pairs.rows()[i as usize];
                key.clear();
                key.push_str(strings.get(pair.app));
                key.push(KEY_SEPARATOR);
                key.push_str(strings.get(pair.user));
                let entry = pairs.load(i as usize);
                let (key, entry) = (Cow::Borrowed(key.as_str()), WireRoster::new(&entry, strings));
                write(if by_user_id {
                    PartialLine::ByUserId { key, entry }
                } else {
                    PartialLine::Roster { key, entry }
                })?;
            }
        }
        for i in sorted(self.apps.rows(), |a| u64::from(ranks.of(a.app))) {
            let app = &self.apps.rows()[i as usize];
            write(PartialLine::App {
                key: Cow::Borrowed(strings.get(app.app)),
                entry: WireApp {
                    name: to_wire(app.name, strings),
                    display_name: to_wire(app.display_name, strings),
                    app_id: to_wire(app.app_id, strings),
                    created_at: app.created_at.get(),
                },
            })?;
        }
        for i in sorted(self.users.rows(), |u| u64::from(ranks.of(u.id))) {
            let user = &self.users.rows()[i as usize];
            write(PartialLine::User {
                key: Cow::Borrowed(strings.get(user.id)),
                entry: WireUser {
                    email: to_wire(user.email, strings),
                    first_name: to_wire(user.first_name, strings),
                    last_name: to_wire(user.last_name, strings),
                    last_activity_at: user.last_activity_at.get(),
                    deactivated_at: user.deactivated_at.get(),
                },
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
            let parsed: PartialLine<'_> = serde_json::from_str(&line)
                .map_err(|e| PartialError::Format(format!("line {}: {e}", number + 1)))?;
            let a = match (&mut aggregator, parsed) {
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
            // A partial names each key once; should one repeat, its entries merge.
            match a {
                (a, PartialLine::Roster { key, entry }) => a.read_pair(false, &key, entry),
                (a, PartialLine::ByUserId { key, entry }) => a.read_pair(true, &key, entry),
                (a, PartialLine::App { key, entry }) => {
                    let app = AppEntry {
                        app: a.strings.intern(&key),
                        name: from_wire(entry.name, &mut a.strings),
                        display_name: from_wire(entry.display_name, &mut a.strings),
                        app_id: from_wire(entry.app_id, &mut a.strings),
                        created_at: entry.created_at.into(),
                    };
                    a.merge_app(app);
                }
                (a, PartialLine::User { key, entry }) => {
                    let user = UserEntry {
                        id: a.strings.intern(&key),
                        email: from_wire(entry.email, &mut a.strings),
                        first_name: from_wire(entry.first_name, &mut a.strings),
                        last_name: from_wire(entry.last_name, &mut a.strings),
                        last_activity_at: entry.last_activity_at.into(),
                        deactivated_at: entry.deactivated_at.into(),
                    };
                    a.merge_user(user);
                }
                (_, PartialLine::Header { .. }) => unreachable!("handled above"),
            }
        }
        aggregator.ok_or_else(|| PartialError::Format("the partial is empty".into()))
    }

    fn read_pair(&mut self, by_user_id: bool, key: &str, entry: WireRoster<'_>) {
        let (app, user) = key.split_once(KEY_SEPARATOR).unwrap_or((key, ""));
        let (app, user) = (self.strings.intern(app), self.strings.intern(user));
        let entry = entry.into_entry(&mut self.strings);
        let pairs: &mut Pairs = if by_user_id {
            &mut self.by_user_id
        } else {
            &mut self.roster
        };
        merge_pair(pairs, &self.strings, app, user, entry);
    }
}
