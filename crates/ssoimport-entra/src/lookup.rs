//! What the sign-in mapping reads beyond [`Lookup`]: members found ignoring case, value types, exact strings,
//! lenient booleans and array elements without a `Vec`. [`Json`] is implemented for a parsed `&Value` here and
//! for the lazy view in `fast.rs`, which reads values strictly with `ssoimport_source::strict`.

use std::borrow::Cow;

use serde_json::{Map, Value};
use ssoimport_source::lenient;
use ssoimport_source::scan::Lookup;
use ssoimport_source::strict::{Malformed, OnMember, Type, Walk, kind};

/// Reading a JSON value the way the Entra mapping needs, whether parsed or walked lazily.
pub(crate) trait Json<'a>: Lookup<'a> {
    /// The member `key`. Log Analytics exports write the same fields in PascalCase (`UserPrincipalName`,
    /// `ResultType`), so a key not found as written is the first member whose name matches it ignoring ASCII
    /// case (with the last value of that name, as a full parse keeps it).
    fn field(self, key: &str) -> Option<Self>;
    /// The type of the value.
    fn kind(self) -> Type;
    /// The value if it is a string, exactly as decoded (`Value::as_str`, not lenient).
    fn string(self) -> Option<Cow<'a, str>>;
    /// The value as a boolean, leniently (see [`lenient::boolean`]).
    fn boolean(self) -> Option<bool>;
    /// The elements of an array, the value itself for a lone object, nothing otherwise (see
    /// [`lenient::elements`]).
    fn items(self) -> impl Iterator<Item = Self>;

    /// The text of the member `key` (see [`Json::field`]), leniently.
    fn text_of(self, key: &str) -> Option<Cow<'a, str>> {
        self.field(key)?.text()
    }
}

/// The value of a key of a parsed object, found as written or else ignoring case (see [`Json::field`]).
pub(crate) fn get<'a>(map: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    map.get(key).or_else(|| {
        map.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

impl<'a> Json<'a> for &'a Value {
    fn field(self, key: &str) -> Option<Self> {
        get(self.as_object()?, key)
    }

    fn kind(self) -> Type {
        Type::of(self)
    }

    fn string(self) -> Option<Cow<'a, str>> {
        self.as_str().map(Cow::Borrowed)
    }

    fn boolean(self) -> Option<bool> {
        lenient::boolean(self)
    }

    fn items(self) -> impl Iterator<Item = Self> {
        lenient::elements(Some(self)).iter()
    }
}

/// The member `key` of an object, as [`Json::field`] finds it (or, `exact_only`, as `Value::get` does); `None`
/// for other types.
pub(crate) fn field<'a>(t: &'a str, key: &str, exact_only: bool) -> Result<Option<&'a str>, Malformed> {
    if kind(t)? != Type::Object {
        return Ok(None);
    }
    let mut find = Find {
        key,
        exact_only,
        exact: None,
        other: None,
    };
    Walk::object_members(t, &mut find)?;
    Ok(find.exact.or(find.other.map(|(_, v)| v)))
}

/// Finds one member of an object, see [`field`].
struct Find<'k, 'a> {
    key: &'k str,
    exact_only: bool,
    exact: Option<&'a str>,
    other: Option<(Cow<'a, str>, &'a str)>,
}

impl<'a> OnMember<'a> for Find<'_, 'a> {
    fn member(&mut self, name: Cow<'a, str>, value: &'a str) -> Result<(), Malformed> {
        if name == self.key {
            self.exact = Some(value);
        } else if !self.exact_only && name.eq_ignore_ascii_case(self.key) {
            match &mut self.other {
                // A repeated name keeps its first place and takes its last value, as in a full parse.
                Some((first, v)) if *first == name => *v = value,
                Some(_) => {}
                None => self.other = Some((name, value)),
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_found_as_a_full_parse_finds_them() {
        for (object, key) in [
            (r#"{"a": 1, "A": 2}"#, "a"),
            (r#"{"A": 1, "a": 2}"#, "a"),
            (r#"{"A": 1, "Ab": 0, "a": 2, "A": 3}"#, "A"),
            (r#"{"APPID": 1, "AppId": 2, "APPID": 3}"#, "appId"),
            (r#"{"AppId": 1, "APPID": 2, "AppId": 3}"#, "appId"),
            (r#"{"x": 1}"#, "appId"),
            (r#"{"app\u0049d": 1, "appid": 2}"#, "appId"),
        ] {
            let parsed: Value = serde_json::from_str(object).unwrap();
            let full = (&parsed).field(key).map(Value::to_string);
            let lazy = field(object, key, false).unwrap().map(str::to_string);
            assert_eq!(lazy, full, "{object} {key}");
        }
        assert_eq!(field(r#"{"a" 1}"#, "a", false), Err(Malformed));
        assert_eq!(field("[1]", "a", false), Ok(None));
        assert_eq!(field(r#"{"A": 1}"#, "a", true), Ok(None));
    }
}
