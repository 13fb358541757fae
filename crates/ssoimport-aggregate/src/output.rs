//! The roster and discovery rows: the roster sorted once, in handles, and built into Arrow batches only as they
//! are asked for, so that the strings of all its rows are never held twice.

use std::sync::Arc;

use arrow_array::builder::{BooleanBuilder, StringBuilder, TimestampMillisecondBuilder};
use arrow_array::{Array, ArrayRef, RecordBatch, StructArray};
use arrow_buffer::NullBuffer;
use arrow_schema::{DataType, Fields};
use ssoimport_schema::Task;

use crate::entry::{APP_ID, APP_NAME, AppEntry, EMAIL, FIRST_NAME, LAST_NAME, Pair, Time};
use crate::intern::{Ranks, Strings, Sym, Table};

/// A complete roster row, in handles, with its place in the output order.
#[derive(Debug)]
pub(crate) struct Row {
    /// The ranks of the app's and the user's strings.
    order: u64,
    /// Activated, last activity, deactivated.
    times: [Time; 3],
    app: Sym,
    user: Sym,
    name: Sym,
    app_id: Option<Sym>,
    email: Sym,
    first_name: Option<Sym>,
    last_name: Option<Sym>,
}

// `rows` collects in place only when a `Row` fits in a `Pair` and is as aligned.
const _: () = assert!(
    std::mem::size_of::<Row>() <= std::mem::size_of::<Pair>()
        && std::mem::align_of::<Row>() == std::mem::align_of::<Pair>()
);

/// The roster rows of `pairs`, sorted by app then user, the app's names standing in where the pair has none.
/// `incomplete` is called with the pairs that lack an email instead.
pub(crate) fn rows(
    pairs: Vec<Pair>,
    apps: &Table<AppEntry>,
    ranks: &Ranks,
    mut incomplete: impl FnMut(&Pair),
) -> Vec<Row> {
    // Collecting a vector's `into_iter` reuses its memory: the rows take the pairs' place rather than adding to it.
    let mut rows: Vec<Row> = pairs
        .into_iter()
        .filter_map(|p| {
            let Some(email) = p.text(EMAIL) else {
                incomplete(&p);
                return None;
            };
            let app = apps.find(p.app.key()).map(|a| &apps.rows()[a]);
            let name = p
                .text(APP_NAME)
                .or_else(|| app.and_then(|a| a.name.or(a.display_name)).map(|s| s.value))
                .unwrap_or(p.app);
            let app_id = p
                .text(APP_ID)
                .or_else(|| app.and_then(|a| a.app_id).map(|s| s.value));
            Some(Row {
                order: ranks.pair(p.app, p.user),
                times: p.times(),
                app: p.app,
                user: p.user,
                name,
                app_id,
                email,
                first_name: p.text(FIRST_NAME),
                last_name: p.text(LAST_NAME),
            })
        })
        .collect();
    rows.sort_unstable_by_key(|r| r.order);
    rows
}

/// The roster rows of a run, sorted by app then user; each batch is built when asked for.
#[derive(Default)]
pub struct Roster {
    rows: Vec<Row>,
    strings: Strings,
    batch_rows: usize,
}

impl std::fmt::Debug for Roster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Roster")
            .field("rows", &self.rows.len())
            .field("batch_rows", &self.batch_rows)
            .field("strings", &self.strings)
            .finish()
    }
}

impl Roster {
    pub(crate) fn new(rows: Vec<Row>, strings: Strings, batch_rows: usize) -> Self {
        Roster {
            rows,
            strings,
            batch_rows: batch_rows.max(1),
        }
    }

    /// The number of batches.
    pub fn len(&self) -> usize {
        if self.batch_rows == 0 {
            0
        } else {
            self.rows.len().div_ceil(self.batch_rows)
        }
    }

    /// Whether there is no roster row.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The number of rows, over all batches.
    pub fn rows(&self) -> usize {
        self.rows.len()
    }

    /// Batch `i` (of at most the `batch_rows` given to [`crate::Aggregator::finish`]), built now.
    pub fn batch(&self, i: usize) -> Option<RecordBatch> {
        let start = i.checked_mul(self.batch_rows)?;
        if start >= self.rows.len() {
            return None;
        }
        let part = &self.rows[start..self.rows.len().min(start + self.batch_rows)];
        Some(self.build(part))
    }

    /// The batches, each built as the iteration reaches it.
    pub fn iter(&self) -> RosterBatches<'_> {
        RosterBatches {
            roster: self,
            next: 0,
        }
    }

    fn build(&self, rows: &[Row]) -> RecordBatch {
        let s = |sym: Sym| self.strings.get(sym);
        let text = |n: usize| StringBuilder::with_capacity(rows.len(), rows.len() * n);
        let mut c = [text(16), text(24), text(24), text(32), text(32), text(8), text(8)];
        let mut times: Vec<TimestampMillisecondBuilder> = (0..3)
            .map(|_| TimestampMillisecondBuilder::with_capacity(rows.len()).with_timezone("UTC"))
            .collect();
        for r in rows {
            c[0].append_value(s(r.name));
            c[1].append_option(r.app_id.map(s));
            c[2].append_value(s(r.app));
            c[3].append_value(s(r.user));
            c[4].append_value(s(r.email));
            c[5].append_option(r.first_name.map(s));
            c[6].append_option(r.last_name.map(s));
            for (b, t) in times.iter_mut().zip(r.times) {
                b.append_option(t.get());
            }
        }
        let mut columns: Vec<ArrayRef> = c.iter_mut().map(|b| Arc::new(b.finish()) as ArrayRef).collect();
        columns.extend(times.iter_mut().map(|b| Arc::new(b.finish()) as ArrayRef));
        RecordBatch::try_new(Task::SsoApplicationRoster.arrow_schema(), columns)
            .expect("columns follow the roster schema")
    }
}

/// The batches of a [`Roster`], built one by one.
#[derive(Debug, Clone)]
pub struct RosterBatches<'a> {
    roster: &'a Roster,
    next: usize,
}

impl Iterator for RosterBatches<'_> {
    type Item = RecordBatch;

    fn next(&mut self) -> Option<RecordBatch> {
        let batch = self.roster.batch(self.next)?;
        self.next += 1;
        Some(batch)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.roster.len().saturating_sub(self.next);
        (left, Some(left))
    }
}

impl ExactSizeIterator for RosterBatches<'_> {}

impl<'a> IntoIterator for &'a Roster {
    type Item = RecordBatch;
    type IntoIter = RosterBatches<'a>;

    fn into_iter(self) -> RosterBatches<'a> {
        self.iter()
    }
}

/// The batches of one task of an [`crate::Aggregated`], by index: the roster's built when asked for.
#[derive(Debug, Clone, Copy)]
pub struct Batches<'a>(Source<'a>);

#[derive(Debug, Clone, Copy)]
enum Source<'a> {
    Roster(&'a Roster),
    Built(&'a [RecordBatch]),
}

impl<'a> Batches<'a> {
    pub(crate) fn roster(roster: &'a Roster) -> Self {
        Batches(Source::Roster(roster))
    }

    pub(crate) fn built(batches: &'a [RecordBatch]) -> Self {
        Batches(Source::Built(batches))
    }

    /// The number of batches.
    pub fn len(&self) -> usize {
        match self.0 {
            Source::Roster(r) => r.len(),
            Source::Built(b) => b.len(),
        }
    }

    /// Whether there is no batch.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Batch `i`.
    pub fn get(&self, i: usize) -> Option<RecordBatch> {
        match self.0 {
            Source::Roster(r) => r.batch(i),
            Source::Built(b) => b.get(i).cloned(),
        }
    }

    /// The batches in order.
    pub fn iter(&self) -> impl Iterator<Item = RecordBatch> + 'a {
        let this = *self;
        (0..this.len()).map_while(move |i| this.get(i))
    }
}

/// The discovery rows, one per app, sorted by app.
pub(crate) fn discovery(
    apps: &[AppEntry],
    strings: &Strings,
    ranks: &Ranks,
    batch_rows: usize,
) -> Vec<RecordBatch> {
    let mut sorted: Vec<&AppEntry> = apps.iter().collect();
    sorted.sort_unstable_by_key(|a| ranks.of(a.app));
    sorted
        .chunks(batch_rows.max(1))
        .map(|part| discovery_batch(part, strings))
        .collect()
}

fn discovery_batch(apps: &[&AppEntry], strings: &Strings) -> RecordBatch {
    let schema = Task::ApplicationDiscovery.arrow_schema();
    let s = |sym: Sym| strings.get(sym);
    let mut name = StringBuilder::new();
    let mut display = StringBuilder::new();
    let mut app_id = StringBuilder::new();
    let mut instance = StringBuilder::new();
    let mut created = TimestampMillisecondBuilder::new().with_timezone("UTC");
    let mut guests = BooleanBuilder::new();
    for a in apps {
        let n = a.name.or(a.display_name).map_or(a.app, |v| v.value);
        name.append_value(s(n));
        display.append_value(s(a.display_name.map_or(n, |v| v.value)));
        app_id.append_option(a.app_id.map(|v| s(v.value)));
        instance.append_value(s(a.app));
        created.append_option(a.created_at.get());
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
