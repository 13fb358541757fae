//! What the activity mapping needs of a JSON value beyond [`Lookup`] (whose `pick` finds several members in one
//! walk): the
//! elements of an array without collecting them into a `Vec`, a string as written (`Value::as_str`, not read
//! leniently), and whether a value is an array. Implemented here for a parsed `&Value`, and in `fast` for a
//! lazily walked record, so one mapping serves both paths.

use std::borrow::Cow;

use serde_json::Value;
use ssoimport_source::lenient;
use ssoimport_source::scan::Lookup;

/// A JSON value the mapping reads, parsed or lazily walked.
pub(crate) trait Node<'a>: Lookup<'a> {
    /// The iterator of [`Node::items`].
    type Items: Iterator<Item = Self>;

    /// The elements of an array, the value itself for a lone object, nothing otherwise ([`Lookup::elements`]
    /// without the `Vec`).
    fn items(self) -> Self::Items;

    /// The value if it is a string, unescaped and as written; `None` for anything else.
    fn str(self) -> Option<Cow<'a, str>>;

    /// Whether the value is an array.
    fn is_array(self) -> bool;
}

/// The elements of a member that may be missing (see [`Node::items`]).
pub(crate) fn items<'a, V: Node<'a>>(value: Option<V>) -> impl Iterator<Item = V> {
    value.into_iter().flat_map(V::items)
}

/// The texts of the members named `keys` of `value` (see [`Lookup::pick`] and [`Lookup::text`]).
pub(crate) fn texts<'a, V: Node<'a>, const N: usize>(
    value: Option<V>,
    keys: [&str; N],
) -> [Option<Cow<'a, str>>; N] {
    match value {
        Some(v) => v.pick(keys).map(|m| m.and_then(Lookup::text)),
        None => [const { None }; N],
    }
}

impl<'a> Node<'a> for &'a Value {
    type Items = std::slice::Iter<'a, Value>;

    fn items(self) -> Self::Items {
        lenient::elements(Some(self)).iter()
    }

    fn str(self) -> Option<Cow<'a, str>> {
        self.as_str().map(Cow::Borrowed)
    }

    fn is_array(self) -> bool {
        Value::is_array(self)
    }
}
