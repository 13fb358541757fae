//! Lenient reading of JSON values, for exports that write the same field as a string in one place and a number
//! in another, or the string `"null"` for nothing.

use std::borrow::Cow;

use serde_json::Value;
use ssoimport_schema::text::trim;

/// The text of a value: a string as is, a number or boolean as written; `None` for null, the strings `"null"`,
/// `"None"` and `""`, arrays and objects.
pub fn text(value: &Value) -> Option<Cow<'_, str>> {
    match value {
        Value::String(s) => {
            let t = trim(s);
            if t.is_empty() || t == "null" || t == "None" {
                None
            } else {
                Some(Cow::Borrowed(s.as_str()))
            }
        }
        Value::Number(n) => Some(Cow::Owned(n.to_string())),
        Value::Bool(b) => Some(Cow::Borrowed(if *b { "true" } else { "false" })),
        _ => None,
    }
}

/// The text at a path of object keys (`&["actor", "alternateId"]`), leniently.
pub fn text_at<'a>(value: &'a Value, path: &[&str]) -> Option<Cow<'a, str>> {
    text(at(value, path)?)
}

/// The value at a path of object keys.
pub fn at<'a>(value: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(value, |v, key| v.get(*key))
}

/// A boolean, leniently: `true`/`false`, `"true"`/`"false"` (any case), `1`/`0`.
pub fn boolean(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.trim().eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.trim().eq_ignore_ascii_case("false") => Some(false),
        Value::Number(n) => n.as_i64().map(|i| i != 0),
        _ => None,
    }
}

/// The elements of an array; nothing for null or a missing value, the value itself for a lone object (exports
/// that write one element without its array).
pub fn elements(value: Option<&Value>) -> &[Value] {
    match value {
        Some(Value::Array(items)) => items,
        Some(v @ Value::Object(_)) => std::slice::from_ref(v),
        _ => &[],
    }
}

/// A short, single-line excerpt of a record for a reject's detail.
pub fn excerpt(record: &str, max_chars: usize) -> String {
    let flat: String = record
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(max_chars)
        .collect();
    if record.chars().count() > max_chars {
        format!("{flat}…")
    } else {
        flat
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn strings_numbers_and_nulls() {
        let v = json!({"a": "x", "n": 5, "s": "null", "z": null, "b": true, "o": {"k": "v"}});
        assert_eq!(text_at(&v, &["a"]).as_deref(), Some("x"));
        assert_eq!(text_at(&v, &["n"]).as_deref(), Some("5"));
        assert_eq!(text_at(&v, &["s"]), None);
        assert_eq!(text_at(&v, &["z"]), None);
        assert_eq!(text_at(&v, &["o", "k"]).as_deref(), Some("v"));
        assert_eq!(text_at(&v, &["o"]), None);
        assert_eq!(boolean(&json!("False")), Some(false));
        assert_eq!(elements(v.get("z")).len(), 0);
        assert_eq!(elements(v.get("o")).len(), 1);
    }
}
