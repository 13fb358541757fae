//! Strict reading of JSON text without building it: a walk that accepts exactly what
//! `serde_json::from_str::<Value>` accepts ([`Walk`], [`is_valid`]), array elements one at a time ([`Items`]), and
//! readers of one value's text ([`text`], [`string`], [`boolean`], [`kind`]) that call a malformed value (a bad
//! escape, a raw control character in a string, `tru`, `1e999`) [`Malformed`], where `scan::Raw::text` reads it
//! as absent. Fast paths that must answer as a full parse would use these; a [`Malformed`] sends the record the
//! full way, which rejects it.
//!
//! ```
//! use ssoimport_source::strict::{self, Malformed};
//!
//! assert!(strict::is_valid(r#"{"a": [1, "x\u00e9"]}"#, 0));
//! assert!(!strict::is_valid(r#"{"a": 1e999}"#, 0));
//! assert_eq!(strict::text(r#""ann""#).unwrap().as_deref(), Some("ann"));
//! assert_eq!(strict::text(r#""a\x""#), Err(Malformed));
//! ```

use std::borrow::Cow;

use serde_json::Value;
use ssoimport_schema::text::trim;

use crate::blocks::find_string_special;
use crate::lenient;

/// The type of a JSON value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Type {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool,
    /// A number.
    Number,
    /// A string.
    String,
    /// An array.
    Array,
    /// An object.
    Object,
}

impl Type {
    /// The type of a parsed value.
    pub fn of(value: &Value) -> Type {
        match value {
            Value::Null => Type::Null,
            Value::Bool(_) => Type::Bool,
            Value::Number(_) => Type::Number,
            Value::String(_) => Type::String,
            Value::Array(_) => Type::Array,
            Value::Object(_) => Type::Object,
        }
    }

    /// The type as a reject's detail names it.
    pub fn name(self) -> &'static str {
        match self {
            Type::Null => "null",
            Type::Bool => "a boolean",
            Type::Number => "a number",
            Type::String => "a string",
            Type::Array => "an array",
            Type::Object => "an object",
        }
    }
}

/// A value a full parse would refuse: the caller sends the record the full way, which rejects it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Malformed;

// The readers below take the text of one JSON value, as a walk found it.

/// The type of a value; a scalar is checked whole (containers are checked as they are walked).
pub fn kind(t: &str) -> Result<Type, Malformed> {
    let ty = type_of(t)?;
    match ty {
        Type::String => decode(t).map(|_| ty),
        Type::Number => number(t).map(|_| ty),
        _ => Ok(ty),
    }
}

/// The type a value's text starts as; literals are checked, strings and numbers not yet.
fn type_of(t: &str) -> Result<Type, Malformed> {
    match t.as_bytes().first() {
        Some(b'{') => Ok(Type::Object),
        Some(b'[') => Ok(Type::Array),
        Some(b'"') => Ok(Type::String),
        Some(b'-' | b'0'..=b'9') => Ok(Type::Number),
        _ if t == "true" || t == "false" => Ok(Type::Bool),
        _ if t == "null" => Ok(Type::Null),
        _ => Err(Malformed),
    }
}

/// The string a value is (`None` for any other type), decoded.
pub fn string(t: &str) -> Result<Option<Cow<'_, str>>, Malformed> {
    match type_of(t)? {
        Type::String => decode(t).map(Some),
        Type::Number => number(t).map(|_| None),
        _ => Ok(None),
    }
}

/// The text of a value, as [`lenient::text`] reads a parsed one.
pub fn text(t: &str) -> Result<Option<Cow<'_, str>>, Malformed> {
    Ok(match type_of(t)? {
        Type::String => {
            let s = decode(t)?;
            let trimmed = trim(&s);
            (!(trimmed.is_empty() || trimmed == "null" || trimmed == "None")).then_some(s)
        }
        Type::Number => Some(number(t)?),
        Type::Bool => Some(Cow::Borrowed(if t == "true" { "true" } else { "false" })),
        Type::Null | Type::Array | Type::Object => None,
    })
}

/// A value as a boolean, as [`lenient::boolean`] reads a parsed one.
pub fn boolean(t: &str) -> Result<Option<bool>, Malformed> {
    Ok(match type_of(t)? {
        Type::Bool => Some(t == "true"),
        Type::String => {
            let s = decode(t)?;
            let s = s.trim();
            if s.eq_ignore_ascii_case("true") {
                Some(true)
            } else if s.eq_ignore_ascii_case("false") {
                Some(false)
            } else {
                None
            }
        }
        // Rare enough to parse: `1.0` and `-0` are floats, which `as_i64` does not read.
        Type::Number => match serde_json::from_str::<Value>(t) {
            Ok(v) => lenient::boolean(&v),
            Err(_) => return Err(Malformed),
        },
        Type::Null | Type::Array | Type::Object => None,
    })
}

/// A JSON string literal (quotes included) decoded: borrowed unless it has escapes. A raw control character
/// is malformed, as a full parse finds it.
fn decode(t: &str) -> Result<Cow<'_, str>, Malformed> {
    let inner = t
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .ok_or(Malformed)?;
    if find_string_special(inner.as_bytes(), 0) < inner.len() {
        return serde_json::from_str::<String>(t)
            .map(Cow::Owned)
            .map_err(|_| Malformed);
    }
    Ok(Cow::Borrowed(inner))
}

/// A JSON number as a full parse prints it: a small integer as written, anything else through serde_json
/// (`1.50` is `1.5`, `-0` is `-0.0`, a huge integer a float).
fn number(t: &str) -> Result<Cow<'_, str>, Malformed> {
    let digits = t.strip_prefix('-').unwrap_or(t).as_bytes();
    let plain = match digits {
        [b'0'] => digits.len() == t.len(),
        [b'1'..=b'9', rest @ ..] => rest.len() < 18 && rest.iter().all(u8::is_ascii_digit),
        _ => false,
    };
    if plain {
        return Ok(Cow::Borrowed(t));
    }
    match serde_json::from_str::<Value>(t) {
        Ok(Value::Number(n)) => Ok(Cow::Owned(n.to_string())),
        _ => Err(Malformed),
    }
}

/// serde_json's nesting limit: a container this deep (the outermost is 1) is an error.
const DEPTH_LIMIT: u32 = 128;

/// A checking walk over JSON text. It accepts exactly the text `serde_json::from_str::<Value>` accepts (the same
/// grammar, no control character in a string, the same escapes, numbers in `f64` range, the same nesting
/// limit) and builds nothing; rare cases (escapes, exponents, long numbers) are handed to serde_json itself.
pub struct Walk<'a> {
    text: &'a str,
    at: usize,
}

/// What a walk does with the members of the object it walks.
pub trait OnMember<'a> {
    /// Whether [`OnMember::member`] is called at all (it is not for nested objects, only checked).
    const WANTS: bool = true;

    /// A member: its name, decoded, and its value's text.
    fn member(&mut self, name: Cow<'a, str>, value: &'a str) -> Result<(), Malformed>;
}

/// Members of nested objects are only checked.
struct Skip;

impl<'a> OnMember<'a> for Skip {
    const WANTS: bool = false;

    fn member(&mut self, _: Cow<'a, str>, _: &'a str) -> Result<(), Malformed> {
        Ok(())
    }
}

impl<'a> Walk<'a> {
    /// A walk from the start of `text`.
    pub fn new(text: &'a str) -> Self {
        Walk { text, at: 0 }
    }

    /// Walks `text`, which must be one object (whitespace around it allowed), handing its members to `on`.
    /// `Ok(false)` if it is another value, which the caller leaves alone (checked or not).
    pub fn object_members(text: &'a str, on: &mut impl OnMember<'a>) -> Result<bool, Malformed> {
        let mut walk = Walk::new(text);
        walk.skip_ws();
        if walk.peek() != Some(b'{') {
            return Ok(false);
        }
        walk.object(1, on)?;
        walk.skip_ws();
        if walk.at == text.len() {
            Ok(true)
        } else {
            Err(Malformed)
        }
    }

    fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    fn peek(&self) -> Option<u8> {
        self.bytes().get(self.at).copied()
    }

    fn skip_ws(&mut self) {
        self.at = crate::scan::skip_ws(self.bytes(), self.at);
    }

    /// The value after the cursor (and whitespace), inside `depth` containers; where it starts.
    fn value(&mut self, depth: u32) -> Result<usize, Malformed> {
        self.skip_ws();
        let start = self.at;
        match self.peek().ok_or(Malformed)? {
            b'"' => self.string().map(|_| ())?,
            b'{' => self.object(depth + 1, &mut Skip)?,
            b'[' => self.array(depth + 1)?,
            b't' => self.word("true")?,
            b'f' => self.word("false")?,
            b'n' => self.word("null")?,
            b'-' | b'0'..=b'9' => self.number()?,
            _ => return Err(Malformed),
        }
        Ok(start)
    }

    fn word(&mut self, word: &str) -> Result<(), Malformed> {
        if !self.text[self.at..].starts_with(word) {
            return Err(Malformed);
        }
        self.at += word.len();
        Ok(())
    }

    /// The string at the cursor (its opening quote); whether it has escapes.
    fn string(&mut self) -> Result<bool, Malformed> {
        let b = self.bytes();
        let start = self.at;
        let mut i = start + 1;
        let mut escaped = false;
        loop {
            i = find_string_special(b, i);
            match b.get(i) {
                Some(b'"') => break,
                // The escaped byte is checked with the whole string below.
                Some(b'\\') => {
                    escaped = true;
                    i += 2;
                }
                // A control character, or the end of the text.
                _ => return Err(Malformed),
            }
        }
        self.at = i + 1;
        if escaped && serde_json::from_str::<String>(&self.text[start..self.at]).is_err() {
            return Err(Malformed);
        }
        Ok(escaped)
    }

    fn number(&mut self) -> Result<(), Malformed> {
        let b = self.bytes();
        let digits = |mut i: usize| {
            while let Some(b'0'..=b'9') = b.get(i) {
                i += 1;
            }
            i
        };
        let start = self.at;
        let int = start + usize::from(b[start] == b'-');
        let mut i = match b.get(int) {
            Some(b'0') => int + 1,
            Some(b'1'..=b'9') => digits(int + 1),
            _ => return Err(Malformed),
        };
        let int_digits = i - int;
        if b.get(i) == Some(&b'.') {
            let end = digits(i + 1);
            if end == i + 1 {
                return Err(Malformed);
            }
            i = end;
        }
        let exponent = matches!(b.get(i), Some(b'e' | b'E'));
        if exponent {
            i += 1;
            if let Some(b'+' | b'-') = b.get(i) {
                i += 1;
            }
            let end = digits(i);
            if end == i {
                return Err(Malformed);
            }
            i = end;
        }
        self.at = i;
        // Below 10^18 a number is always in range; serde_json judges the others (`1e400` is out of it).
        if (exponent || int_digits > 18) && serde_json::from_str::<Value>(&self.text[start..i]).is_err() {
            return Err(Malformed);
        }
        Ok(())
    }

    fn array(&mut self, depth: u32) -> Result<(), Malformed> {
        if depth >= DEPTH_LIMIT {
            return Err(Malformed);
        }
        self.at += 1;
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.at += 1;
            return Ok(());
        }
        loop {
            self.value(depth)?;
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.at += 1,
                Some(b']') => {
                    self.at += 1;
                    return Ok(());
                }
                _ => return Err(Malformed),
            }
        }
    }

    fn object<O: OnMember<'a>>(&mut self, depth: u32, on: &mut O) -> Result<(), Malformed> {
        if depth >= DEPTH_LIMIT {
            return Err(Malformed);
        }
        self.at += 1;
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.at += 1;
            return Ok(());
        }
        loop {
            self.skip_ws();
            if self.peek() != Some(b'"') {
                return Err(Malformed);
            }
            let key_start = self.at;
            let escaped = self.string()?;
            let key_end = self.at;
            self.skip_ws();
            if self.peek() != Some(b':') {
                return Err(Malformed);
            }
            self.at += 1;
            let start = self.value(depth)?;
            if O::WANTS {
                let name = if escaped {
                    let key = &self.text[key_start..key_end];
                    Cow::Owned(serde_json::from_str::<String>(key).map_err(|_| Malformed)?)
                } else {
                    Cow::Borrowed(&self.text[key_start + 1..key_end - 1])
                };
                on.member(name, &self.text[start..self.at])?;
            }
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.at += 1,
                Some(b'}') => {
                    self.at += 1;
                    return Ok(());
                }
                _ => return Err(Malformed),
            }
        }
    }
}

/// The elements of a walked array, one at a time (`scan::Raw::elements` collects them into a `Vec`). After
/// the last, [`Items::failed`] tells whether the array was malformed.
pub struct Items<'a> {
    walk: Walk<'a>,
    first: bool,
    done: bool,
    /// The walk stopped on malformed JSON.
    pub failed: bool,
}

impl<'a> Items<'a> {
    /// The elements of the value `text`: nothing unless it is an array.
    pub fn new(text: &'a str) -> Self {
        Items {
            walk: Walk { text, at: 1 },
            first: true,
            done: !text.starts_with('['),
            failed: false,
        }
    }

    fn step(&mut self) -> Result<Option<&'a str>, Malformed> {
        let w = &mut self.walk;
        w.skip_ws();
        match w.peek() {
            Some(b']') => return Ok(None),
            Some(b',') if !self.first => w.at += 1,
            _ if self.first => {}
            _ => return Err(Malformed),
        }
        self.first = false;
        let start = w.value(1)?;
        Ok(Some(&w.text[start..w.at]))
    }
}

impl<'a> Iterator for Items<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        if self.done {
            return None;
        }
        match self.step() {
            Ok(Some(raw)) => Some(raw),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(Malformed) => {
                self.done = true;
                self.failed = true;
                None
            }
        }
    }
}

/// Whether `text` is one JSON value (whitespace around it allowed) that a full parse accepts, `depth` being the
/// number of containers it sits in (0 for a whole record, 1 for a member of one): nesting counts toward
/// serde_json's limit from there.
pub fn is_valid(text: &str, depth: u32) -> bool {
    let mut walk = Walk::new(text);
    let ok = walk.value(depth).is_ok();
    walk.skip_ws();
    ok && walk.at == text.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_rng::TestRng;

    #[test]
    fn strict_readers_agree_with_a_full_parse_or_refuse() {
        for value in [
            r#""x""#,
            r#"" a ""#,
            r#""""#,
            r#""null""#,
            r#""None""#,
            r#""a\"b""#,
            r#""\u00e9""#,
            "0",
            "7",
            "-12",
            "-0",
            "1.50",
            "1e3",
            "123456789012345678",
            "12345678901234567890",
            "99999999999999999999999",
            "true",
            "false",
            "null",
            "[1]",
            "{}",
            r#""TRUE ""#,
            r#""False""#,
            "1",
            "0.0",
            "2",
        ] {
            let parsed: Value = serde_json::from_str(value).unwrap();
            let r = value;
            assert_eq!(
                text(r).unwrap().map(Cow::into_owned),
                lenient::text(&parsed).map(Cow::into_owned),
                "{value}"
            );
            assert_eq!(boolean(r).unwrap(), lenient::boolean(&parsed), "{value}");
            assert_eq!(string(r).unwrap().as_deref(), parsed.as_str(), "{value}");
            assert_eq!(kind(r).unwrap(), Type::of(&parsed), "{value}");
        }
        for bad in [
            "tru",
            "nul",
            "01",
            "1.",
            "-",
            "1e999",
            "\"a\tb\"",
            r#""\x""#,
            r#""\ud800""#,
            "x",
        ] {
            let r = bad;
            assert_eq!(text(r), Err(Malformed), "{bad}");
            assert_eq!(kind(r), Err(Malformed), "{bad}");
            assert!(serde_json::from_str::<Value>(bad).is_err(), "{bad}");
        }
    }

    /// Whether a walk accepts `text` as one value.
    fn walks(text: &str) -> bool {
        is_valid(text, 0)
    }

    fn serde_accepts(text: &str) -> bool {
        serde_json::from_str::<Value>(text).is_ok()
    }

    #[test]
    fn the_walk_accepts_what_serde_json_accepts() {
        let arrays = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        let objects = |n: usize| format!("{}1{}", r#"{"a":"#.repeat(n), "}".repeat(n));
        let long = format!("1{}", "0".repeat(400));
        let mut cases: Vec<String> = [
            "",
            " ",
            "{}",
            "[]",
            "[ ]",
            "{ }",
            " {\n} ",
            "{,}",
            "[,]",
            "[1,]",
            r#"{"a":1,}"#,
            r#"{"a" 1}"#,
            r#"{"a":}"#,
            "{1:2}",
            r#"{"a":1 "b":2}"#,
            "[1 2]",
            "[1,,2]",
            r#""a""#,
            r#""a"#,
            r#""\""#,
            r#""\u00e9""#,
            r#""\ud800""#,
            r#""\ud800\udc00""#,
            r#""\udc00""#,
            r#""\ud800\u0041""#,
            r#""\x""#,
            r#""\u12""#,
            r#""\u12g4""#,
            "\"a\u{1}b\"",
            "\"a\u{7f}b\"",
            "\"a\tb\"",
            "\"é ü 😀\"",
            r#""\/\b\f\n\r\t""#,
            r#""ends with \\""#,
            r#""\\\"""#,
            "true",
            "tru",
            "truee",
            "null",
            "nul",
            "false",
            "0",
            "-0",
            "01",
            "-01",
            "-",
            "-a",
            "1.",
            "1.5",
            ".5",
            "1e5",
            "1E+5",
            "1e-5",
            "1e",
            "1e+",
            "1.e5",
            "1e400",
            "-1e400",
            "1e-400",
            "0e999999",
            "0e999999999999999999999",
            "1e999999999999999999999",
            "1e-999999999999999999999",
            "123456789012345678901234567890",
            "-99999999999999999999999",
            "1.7976931348623157e308",
            "1.7976931348623159e308",
            "2e308",
            "+1",
            "Infinity",
            "NaN",
            "1 2",
            "{} {}",
            "[] x",
            "x",
            " {\"a\": [1, {\"b\": null}, -2.5e-3, \"c\"], \"d\": {}} \n",
            r#"{"a":1}}"#,
            r#"[[]"#,
            r#"{"a":[}"#,
            r#"{"a":{]}"#,
            "\u{feff}{}",
            "{\"a\"\u{0}:1}",
            "{\"\\u0061\":1}",
            r#"{"\x":1}"#,
        ]
        .iter()
        .map(|c| c.to_string())
        .collect();
        cases.push(long);
        for n in [1, 126, 127, 128, 129, 300] {
            cases.push(arrays(n));
            cases.push(objects(n));
            cases.push(format!(r#"{{"id": "x", "deep": {}}}"#, arrays(n)));
        }
        for case in &cases {
            assert_eq!(walks(case), serde_accepts(case), "{case:?}");
        }
    }

    #[test]
    fn the_walk_agrees_with_serde_json_on_mutated_records() {
        let base = r#"{"id": "e1", "n": [1, -2.5e3, 0, true, null, false], "s": "a\"b\\c\u00e9",
            "o": {"k": {"x": []}, "e": {}}, "created": "2025-03-01T09:00:00Z"}"#;
        assert!(serde_accepts(base));
        let pieces = [
            "\"", "\\", "{", "}", "[", "]", ",", ":", " ", "0", "1", "e", "E", "-", "+", ".", "\u{1}", "a",
            "u", "t", "n", "9e999", "\\u", "d800", "",
        ];
        let mut rng = TestRng::new(0x2545_f491_4f6c_dd1d);
        let mut next = |n: usize| rng.below(n as u64) as usize;
        let mut accepted = 0;
        for _ in 0..20_000 {
            let mut text = base.to_string();
            for _ in 0..1 + next(3) {
                let at = next(text.len() + 1);
                if !text.is_char_boundary(at) {
                    continue;
                }
                let piece = pieces[next(pieces.len())];
                let cut = if next(2) == 0 { 0 } else { next(3) };
                let end = (at + cut).min(text.len());
                if text.is_char_boundary(end) {
                    text.replace_range(at..end, piece);
                }
            }
            assert_eq!(walks(&text), serde_accepts(&text), "{text:?}");
            accepted += usize::from(walks(&text));
        }
        assert!(
            (2_000..18_000).contains(&accepted),
            "{accepted} of 20000 mutations are JSON"
        );
    }

    #[test]
    fn a_value_inside_containers_counts_them_toward_the_nesting_limit() {
        for n in 120..130 {
            let inner = format!("{}{}", "[".repeat(n), "]".repeat(n));
            let record = format!(r#"{{"a": {inner}}}"#);
            assert_eq!(is_valid(&inner, 1), serde_accepts(&record), "{n}");
            assert_eq!(is_valid(&inner, 0), serde_accepts(&inner), "{n}");
        }
        assert!(is_valid(" \"x\" ", 1));
        assert!(!is_valid(r#""x" 1"#, 1));
    }

    #[test]
    fn items_walk_arrays_one_by_one() {
        let all = |text| {
            let mut items = Items::new(text);
            let found: Vec<_> = items.by_ref().collect();
            (found, items.failed)
        };
        assert_eq!(
            all(r#"[ "a" , {"b": [1, "]"]}, 3,null ]"#),
            (vec![r#""a""#, r#"{"b": [1, "]"]}"#, "3", "null"], false)
        );
        assert_eq!(all("[]"), (vec![], false));
        assert_eq!(all("[ ]"), (vec![], false));
        assert_eq!(all(r#"{"a": 1}"#), (vec![], false));
        assert_eq!(all("[1,,2]"), (vec!["1"], true));
        assert_eq!(all("[1 2]"), (vec!["1"], true));
        assert_eq!(all("[,1]"), (vec![], true));
        assert_eq!(all("[1,]"), (vec!["1"], true));
    }
}
