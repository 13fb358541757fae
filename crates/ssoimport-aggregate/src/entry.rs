//! The entries of the aggregation: compact rows of handles and milliseconds as they are held, and the wide form
//! (every text with its own time) that the merge rules work on.

use std::cmp::Ordering;
use std::collections::HashMap;

use crate::intern::{Interner, Keyed, Strings, Sym, Table};

/// A time in milliseconds since the epoch, or none. Valid rows carry no time before 1990, so `i64::MIN` is free
/// to stand for none: an `Option<i64>` would take twice the room.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Time(i64);

impl Time {
    pub(crate) const NONE: Time = Time(i64::MIN);

    pub(crate) fn get(self) -> Option<i64> {
        (self != Time::NONE).then_some(self.0)
    }
}

impl From<Option<i64>> for Time {
    fn from(value: Option<i64>) -> Self {
        value.map_or(Time::NONE, Time)
    }
}

/// A value and the time it was seen at; the later (then the greater) wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Seen {
    pub(crate) at: i64,
    pub(crate) value: Sym,
}

/// Offers `value`, seen at `at`, to `slot`. Returns the handle of `value` when the slot holds it afterwards, for
/// offering the same value to other slots by handle ([`offer_known`]).
pub(crate) fn offer(
    slot: &mut Option<Seen>,
    at: i64,
    value: Option<&str>,
    strings: &mut Interner,
) -> Option<Sym> {
    let value = value?;
    match slot {
        // The same value again (the common case): keep its latest time, intern nothing.
        Some(cur) if strings.strings().holds(cur.value, value) => {
            cur.at = cur.at.max(at);
            Some(cur.value)
        }
        Some(cur) if (cur.at, strings.get(cur.value)) >= (at, value) => None,
        _ => {
            let sym = strings.intern(value);
            *slot = Some(Seen { at, value: sym });
            Some(sym)
        }
    }
}

/// [`offer`] of `value` whose handle is `known`, when the caller has it: handles of one interner are equal
/// exactly when their strings are, so the slot's value is compared by handle, and its string is read only when
/// the two differ.
pub(crate) fn offer_known(
    slot: &mut Option<Seen>,
    at: i64,
    value: Option<&str>,
    known: Option<Sym>,
    strings: &mut Interner,
) -> Option<Sym> {
    let Some(sym) = known else {
        return offer(slot, at, value, strings);
    };
    match slot {
        Some(cur) if cur.value == sym => {
            cur.at = cur.at.max(at);
            Some(sym)
        }
        Some(cur) if (cur.at, strings.get(cur.value)) >= (at, strings.get(sym)) => None,
        _ => {
            *slot = Some(Seen { at, value: sym });
            Some(sym)
        }
    }
}

/// [`offer`] of a value interned already.
pub(crate) fn offer_seen(slot: &mut Option<Seen>, seen: Seen, strings: &Strings) {
    match slot {
        Some(cur) if cur.value == seen.value => cur.at = cur.at.max(seen.at),
        Some(cur) if (cur.at, strings.get(cur.value)) >= (seen.at, strings.get(seen.value)) => {}
        _ => *slot = Some(seen),
    }
}

/// `seen`, its value interned in `to` rather than `from`.
pub(crate) fn translate(seen: Option<Seen>, from: &Strings, to: &mut Interner) -> Option<Seen> {
    seen.map(|s| Seen {
        at: s.at,
        value: to.intern(from.get(s.value)),
    })
}

pub(crate) fn min_opt(slot: &mut Option<i64>, v: Option<i64>) {
    if let Some(v) = v {
        *slot = Some(slot.map_or(v, |c| c.min(v)));
    }
}

pub(crate) fn max_opt(slot: &mut Option<i64>, v: Option<i64>) {
    if let Some(v) = v {
        *slot = Some(slot.map_or(v, |c| c.max(v)));
    }
}

/// Where a record came from (the public [`crate::Origin`], its file interned).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Place {
    pub(crate) file: Sym,
    pub(crate) record: u64,
    pub(crate) line: Option<u64>,
    pub(crate) offset: u64,
    pub(crate) length: u32,
}

impl Place {
    /// The order of [`crate::Origin`]: file name, then record, line, offset and length.
    fn cmp(&self, other: &Place, strings: &Strings) -> Ordering {
        strings.get(self.file).cmp(strings.get(other.file)).then(
            (self.record, self.line, self.offset, self.length).cmp(&(
                other.record,
                other.line,
                other.offset,
                other.length,
            )),
        )
    }
}

/// What a roster entry without an email keeps in case it stays without one and its records become rejects.
/// Once an email is known the entry can never be incomplete, so this is dropped: most entries never carry it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Pending {
    /// The first record of the entry (the earliest, once merged).
    pub(crate) origin: Place,
    /// Records merged into the entry.
    pub(crate) records: u64,
}

/// The texts of a roster entry, in [`Wide::texts`] and [`Pair`].
pub(crate) const TEXTS: usize = 6;
pub(crate) const APP_NAME: usize = 0;
pub(crate) const APP_ID: usize = 1;
pub(crate) const EMAIL: usize = 2;
pub(crate) const USER_ID: usize = 3;
pub(crate) const FIRST_NAME: usize = 4;
pub(crate) const LAST_NAME: usize = 5;

/// A roster entry with every text's own time: what the rules of [`offer`] and merging need.
#[derive(Debug, Clone, Default)]
pub(crate) struct Wide {
    pub(crate) texts: [Option<Seen>; TEXTS],
    pub(crate) activated_at: Option<i64>,
    pub(crate) last_activity_at: Option<i64>,
    pub(crate) deactivated_at: Option<i64>,
    pub(crate) pending: Option<Pending>,
}

impl Wide {
    /// Folds `other` in; the result does not depend on the order of merges.
    pub(crate) fn merge(&mut self, other: Wide, strings: &Strings) {
        for (mine, theirs) in self.texts.iter_mut().zip(other.texts) {
            if let Some(s) = theirs {
                offer_seen(mine, s, strings);
            }
        }
        min_opt(&mut self.activated_at, other.activated_at);
        max_opt(&mut self.last_activity_at, other.last_activity_at);
        max_opt(&mut self.deactivated_at, other.deactivated_at);
        // The earliest record, so that merging in any order names the same one.
        self.pending = match (self.pending, other.pending) {
            (Some(a), Some(b)) => Some(Pending {
                origin: if b.origin.cmp(&a.origin, strings).is_lt() {
                    b.origin
                } else {
                    a.origin
                },
                records: a.records + b.records,
            }),
            (a, b) => a.or(b),
        };
    }

    /// Takes what the entry lacks from the user list.
    pub(crate) fn fill(&mut self, user: &UserEntry) {
        for (f, theirs) in [
            (EMAIL, user.email),
            (FIRST_NAME, user.first_name),
            (LAST_NAME, user.last_name),
        ] {
            if self.texts[f].is_none() {
                self.texts[f] = theirs;
            }
        }
        // A user-level last sign-in stands in where the app itself shows none; a user who lost access to
        // everything lost it to this app too.
        if self.last_activity_at.is_none() {
            self.last_activity_at = user.last_activity_at.get();
        }
        if self.deactivated_at.is_none() {
            self.deactivated_at = user.deactivated_at.get();
        }
    }

    /// The entry, its handles interned in `to` rather than `from`.
    pub(crate) fn translate(mut self, from: &Strings, to: &mut Interner) -> Wide {
        for t in &mut self.texts {
            *t = translate(*t, from, to);
        }
        if let Some(p) = &mut self.pending {
            p.origin.file = to.intern(from.get(p.origin.file));
        }
        self
    }
}

/// A roster entry as held: 64 bytes. The texts share one time, that of the latest, which is nearly always the
/// entry's last activity (a sign-in is seen at the time it happened) or else its activation, so it is not stored
/// again; where it is neither, and for a text seen last at an earlier time (its record lacked the others, or it
/// lost a tie), the times are in [`Pairs`]'s `own` map. (Aligned to a cache line, an entry would cost no time
/// that a paired run could see, and a growing vector of them would be copied rather than remapped.)
#[derive(Debug, Clone)]
pub(crate) struct Pair {
    /// Activated, last activity, deactivated.
    times: [Time; 3],
    pub(crate) app: Sym,
    pub(crate) user: Sym,
    texts: [Option<Sym>; TEXTS],
    /// 1 + the index of the entry's [`Pending`], or 0.
    pending: u32,
    /// Bit `f` (0–5): text `f` has its own time; bits 6–7: where the shared time is (`AT_*`).
    flags: u8,
}

const _: () = assert!(std::mem::size_of::<Pair>() == 64);

/// The texts' shared time is the last activity, the activation, or in the `own` map.
const AT_LAST_ACTIVITY: u8 = 0;
const AT_ACTIVATED: u8 = 1 << 6;
const AT_OWN: u8 = 2 << 6;
const AT_MASK: u8 = 3 << 6;
const STALE_MASK: u8 = (1 << TEXTS) - 1;

/// The times of an entry that the [`Pair`] cannot tell: `[shared, text 0, ..., text 5]`.
type Own = [i64; TEXTS + 1];

impl Keyed for Pair {
    fn key(&self) -> u64 {
        pair_key(self.app, self.user)
    }
}

fn pair_key(app: Sym, user: Sym) -> u64 {
    app.key() << 32 | user.key()
}

impl Pair {
    pub(crate) fn text(&self, f: usize) -> Option<Sym> {
        self.texts[f]
    }

    pub(crate) fn times(&self) -> [Time; 3] {
        self.times
    }

    /// The index of the entry's [`Pending`] in [`Pairs::into_parts`]'s list.
    pub(crate) fn pending(&self) -> Option<usize> {
        (self.pending as usize).checked_sub(1)
    }

    fn has_own(&self) -> bool {
        self.flags & STALE_MASK != 0 || self.flags & AT_MASK == AT_OWN
    }
}

/// The roster entries keyed by (app, user) handles.
#[derive(Default)]
pub(crate) struct Pairs {
    table: Table<Pair>,
    pending: Vec<Pending>,
    /// Slots of `pending` no entry uses any more.
    free: Vec<u32>,
    /// By entry index: the times of the entries whose flags say so.
    own: HashMap<u32, Own>,
}

impl std::fmt::Debug for Pairs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pairs")
            .field("entries", &self.table.len())
            .field("pending", &(self.pending.len() - self.free.len()))
            .field("own", &self.own.len())
            .finish()
    }
}

impl Pairs {
    pub(crate) fn len(&self) -> usize {
        self.table.len()
    }

    pub(crate) fn rows(&self) -> &[Pair] {
        self.table.rows()
    }

    /// The first slot a lookup of the entry of `app` and `user` reads, read (see [`crate::intern::warm`]).
    pub(crate) fn warm_slot(&self, app: Sym, user: Sym) -> u64 {
        self.table.warm_slot(pair_key(app, user))
    }

    /// The index of the entry of `app` and `user`, if there is one.
    pub(crate) fn find(&self, app: Sym, user: Sym) -> Option<usize> {
        self.table.find(pair_key(app, user))
    }

    /// The index of the entry of `app` and `user`, made empty if missing.
    pub(crate) fn slot(&mut self, app: Sym, user: Sym) -> usize {
        self.table.find_or_insert(pair_key(app, user), || Pair {
            times: [Time::NONE; 3],
            app,
            user,
            texts: [None; TEXTS],
            pending: 0,
            flags: AT_LAST_ACTIVITY,
        })
    }

    /// Entry `i`, in the wide form.
    pub(crate) fn load(&self, i: usize) -> Wide {
        let p = &self.table.rows()[i];
        let own = if p.has_own() {
            self.own.get(&(i as u32))
        } else {
            None
        };
        let at = match p.flags & AT_MASK {
            AT_LAST_ACTIVITY => p.times[1].0,
            AT_ACTIVATED => p.times[0].0,
            _ => own.map_or(i64::MIN, |o| o[0]),
        };
        let mut texts = [None; TEXTS];
        for (f, text) in texts.iter_mut().enumerate() {
            *text = p.texts[f].map(|value| Seen {
                at: match own {
                    Some(o) if p.flags & (1 << f) != 0 => o[f + 1],
                    _ => at,
                },
                value,
            });
        }
        Wide {
            texts,
            activated_at: p.times[0].get(),
            last_activity_at: p.times[1].get(),
            deactivated_at: p.times[2].get(),
            pending: p.pending().map(|j| self.pending[j]),
        }
    }

    /// Stores `w` as entry `i`.
    pub(crate) fn store(&mut self, i: usize, mut w: Wide) {
        if w.texts[EMAIL].is_some() {
            w.pending = None;
        }
        let times: [Time; 3] = [
            w.activated_at.into(),
            w.last_activity_at.into(),
            w.deactivated_at.into(),
        ];
        // With no text, the shared time stands for nothing.
        let at = w.texts.iter().flatten().map(|s| s.at).max().unwrap_or(times[1].0);
        let mut own: Own = [at; TEXTS + 1];
        let mut flags = if at == times[1].0 {
            AT_LAST_ACTIVITY
        } else if at == times[0].0 {
            AT_ACTIVATED
        } else {
            AT_OWN
        };
        for (f, text) in w.texts.iter().enumerate() {
            if let Some(s) = text
                && s.at != at
            {
                flags |= 1 << f;
                own[f + 1] = s.at;
            }
        }
        let p = self.table.row_mut(i);
        let index = i as u32;
        let had_own = p.has_own();
        p.times = times;
        for (slot, text) in p.texts.iter_mut().zip(w.texts) {
            *slot = text.map(|s| s.value);
        }
        p.flags = flags;
        if p.has_own() {
            self.own.insert(index, own);
        } else if had_own {
            self.own.remove(&index);
        }
        match (p.pending(), w.pending) {
            (Some(j), Some(new)) => self.pending[j] = new,
            (Some(j), None) => {
                self.free.push(j as u32);
                p.pending = 0;
            }
            (None, Some(new)) => {
                let j = match self.free.pop() {
                    Some(j) => {
                        self.pending[j as usize] = new;
                        j as usize
                    }
                    None => {
                        self.pending.push(new);
                        self.pending.len() - 1
                    }
                };
                // No more entries than `Table` indexes, which are u32.
                p.pending = u32::try_from(j + 1).expect("fewer than 2^32 entries");
            }
            (None, None) => {}
        }
    }

    /// The entries, and the list their [`Pair::pending`] indexes point into.
    pub(crate) fn into_parts(self) -> (Vec<Pair>, Vec<Pending>) {
        (self.table.into_rows(), self.pending)
    }
}

/// What a user list says of a user.
#[derive(Debug, Clone)]
pub(crate) struct UserEntry {
    pub(crate) id: Sym,
    pub(crate) email: Option<Seen>,
    pub(crate) first_name: Option<Seen>,
    pub(crate) last_name: Option<Seen>,
    /// The user's last sign-in anywhere (Okta `lastLogin`, Entra `signInActivity`, Google `lastLoginTime`).
    pub(crate) last_activity_at: Time,
    /// When the user lost access to everything (deprovisioned, suspended).
    pub(crate) deactivated_at: Time,
}

impl UserEntry {
    pub(crate) fn new(id: Sym) -> Self {
        UserEntry {
            id,
            email: None,
            first_name: None,
            last_name: None,
            last_activity_at: Time::NONE,
            deactivated_at: Time::NONE,
        }
    }
}

impl Keyed for UserEntry {
    fn key(&self) -> u64 {
        self.id.key()
    }
}

/// What the input says of an app.
#[derive(Debug, Clone)]
pub(crate) struct AppEntry {
    pub(crate) app: Sym,
    pub(crate) name: Option<Seen>,
    pub(crate) display_name: Option<Seen>,
    pub(crate) app_id: Option<Seen>,
    pub(crate) created_at: Time,
}

impl AppEntry {
    pub(crate) fn new(app: Sym) -> Self {
        AppEntry {
            app,
            name: None,
            display_name: None,
            app_id: None,
            created_at: Time::NONE,
        }
    }
}

impl Keyed for AppEntry {
    fn key(&self) -> u64 {
        self.app.key()
    }
}
