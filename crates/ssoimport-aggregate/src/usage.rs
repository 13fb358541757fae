use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::UInt8Type;
use arrow_array::{Array, ArrayRef, BooleanArray, RecordBatch, StringArray};
use ssoimport_schema::Task;
use ssoimport_schema::intermediate::RecordKind;
use ssoimport_schema::normalized::col;

/// The `SsoApplicationUsage` rows of a valid normalized batch: its sign-ins for which `keep` is true (the caller
/// leaves out duplicates). `ssoAppName` falls back to the app id when the source gave no name.
pub fn usage_batch(valid: &RecordBatch, keep: &[bool]) -> RecordBatch {
    let kinds = valid.column(col::KIND).as_primitive::<UInt8Type>();
    let mask: BooleanArray = (0..valid.num_rows())
        .map(|r| Some(keep.get(r).copied().unwrap_or(false) && kinds.value(r) == RecordKind::SignIn as u8))
        .collect();
    let pick = |c: usize| -> ArrayRef {
        arrow_select::filter::filter(valid.column(c), &mask).expect("the mask has the batch's length")
    };
    let app = pick(col::APP_INSTANCE_ID);
    let name = pick(col::SSO_APP_NAME);
    let name: ArrayRef = if name.null_count() == 0 {
        name
    } else {
        let (n, a) = (name.as_string::<i32>(), app.as_string::<i32>());
        Arc::new(
            (0..n.len())
                .map(|i| Some(if n.is_valid(i) { n.value(i) } else { a.value(i) }))
                .collect::<StringArray>(),
        )
    };
    let columns = vec![
        name,
        pick(col::SSO_APP_ID),
        app,
        pick(col::UNIQUE_ID),
        pick(col::EMAIL),
        pick(col::OCCURRED_AT),
        pick(col::EVENT_ID),
    ];
    RecordBatch::try_new(Task::SsoApplicationUsage.arrow_schema(), columns)
        .expect("columns follow the usage schema")
}
