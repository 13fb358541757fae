//! The fast path for the common record, a bare Reports API activity (one NDJSON line, or one element of a page's
//! `items`, which the framer hands over one at a time): one pass over the record checks it, notes where each
//! value ends and picks out the four members the classification and the mapping read (`kind`, `id`, `actor`,
//! `events`); the mapping then walks only those, lazily, jumping over what it does not read. No `Value` is
//! built. Anything else goes the full way: pages and arrays that arrive whole (a page per NDJSON line), Directory
//! users and tokens, API errors, whatever is not an activity, JSON a full parse refuses, nesting deeper than
//! [`MAX_DEPTH`], records longer than [`MAX_BYTES`].
//!
//! Both paths give the same rows, rejects and filter counts; there is no deliberate difference. The check
//! accepts exactly what `serde_json` accepts into a `Value` (structure, string escapes and control characters,
//! numbers in range, literals) in every member, not only in those read, so a record that a full parse rejects
//! with `parse_error` (a raw NUL or `1e400` in a member no row needs, say) still gets that reject. (The Okta
//! reader's fast path skips the members it does not read unchecked.) The check costs a pass over the whole
//! record, which is still far cheaper than building the `Value`, and it makes the walks after it cheap.
//!
//! The walk is local rather than `ssoimport_source::scan::Raw` (or `scan::Checked`, which the Okta reader reads
//! strictly through), which re-checks structure on every walk: an element is skipped twice, to find it and then
//! to make a `Raw` of it, since a `Raw` cannot be made from a span already checked. Here one check of the whole
//! record notes where every value ends, and the walks after it jump.

use std::borrow::Cow;
use std::cell::RefCell;
use std::cmp::Ordering;

use serde_json::Value;
use ssoimport_source::RecordBuilder;
use ssoimport_source::lenient;
use ssoimport_source::scan::{Lookup, Picked, find_string_special, skip_ws};

use crate::node::Node;
use crate::{Element, GoogleOptions, activity, classify_object};

/// Nesting (of the record and what it holds) that the check follows; deeper records go the full way, which
/// rejects them past serde_json's limit of 128. Bounds the check's recursion.
const MAX_DEPTH: usize = 64;

/// Longest record taken: bounds the table of value ends each thread keeps (activities are a few KB at most).
const MAX_BYTES: usize = 1 << 16;

/// Marks, in the table of value ends, a string written with escapes.
const ESCAPED: u32 = 1 << 31;

/// The top-level members the classification and the mapping read.
const PICKED: [&str; 4] = ["kind", "id", "actor", "events"];

thread_local! {
    /// Where each value (and key) of the record being read ends, by where it starts: written by the check, read
    /// by the walks. Kept between records, so it is not cleared: a walk only looks up values the check visited.
    static ENDS: RefCell<Vec<u32>> = const { RefCell::new(Vec::new()) };
}

/// Maps `record` if it is one bare activity that a full parse accepts; returns false (having done nothing)
/// otherwise.
pub(crate) fn activity(record: &str, options: &GoogleOptions, out: &mut RecordBuilder) -> bool {
    ENDS.with_borrow_mut(|ends| {
        let Some(doc) = checked(record, ends) else {
            return false;
        };
        let Some(picked) = pick(doc.root()) else {
            return false;
        };
        let top = Picked::Top {
            keys: &PICKED,
            values: &picked,
        };
        // The picked members decide `Element::Activity`; `pick` has already sent pages away.
        if classify_object(top) != Element::Activity {
            return false;
        }
        activity::parse(top, options, out);
        true
    })
}

/// The [`PICKED`] members of a record (the last of each, as a full parse keeps) if it is an object and not a page
/// (`items`, `users`).
fn pick(record: Json<'_>) -> Option<[Option<Json<'_>>; PICKED.len()]> {
    if record.first() != Some(b'{') {
        return None;
    }
    let mut values = [None; PICKED.len()];
    for (key, value) in record.members() {
        // A page (or an activity carrying such a key, which `classify` calls a page if it is a list).
        if key.is("items") || key.is("users") {
            return None;
        }
        if let Some(k) = PICKED.iter().position(|p| key.is(p)) {
            values[k] = Some(value);
        }
    }
    Some(values)
}

/// A text the check accepted as one JSON value, with the check's table of where each of its values ends.
pub(crate) struct Doc<'a> {
    text: &'a str,
    ends: &'a [u32],
    /// The value, without the whitespace around it.
    start: u32,
    end: u32,
}

impl Doc<'_> {
    /// The value.
    pub(crate) fn root(&self) -> Json<'_> {
        Json {
            doc: self,
            start: self.start,
            end: self.end,
        }
    }
}

/// `text` as one value, if a full parse accepts it and it is at most [`MAX_BYTES`] long, noting in `ends` where
/// each of its values ends.
pub(crate) fn checked<'a>(text: &'a str, ends: &'a mut Vec<u32>) -> Option<Doc<'a>> {
    if text.len() > MAX_BYTES {
        return None;
    }
    if ends.len() <= text.len() {
        ends.resize(text.len() + 1, 0);
    }
    let b = text.as_bytes();
    let start = skip_ws(b, 0);
    let end = Check {
        text,
        ends: ends.as_mut_slice(),
    }
    .value(start, 0)?;
    let ends: &'a [u32] = ends;
    (skip_ws(b, end) == b.len()).then_some(Doc {
        text,
        ends,
        start: u32::try_from(start).ok()?,
        end: u32::try_from(end).ok()?,
    })
}

/// A picked record (which holds only the [`PICKED`] members), or a value inside it.
type View<'p, 'a> = Picked<'p, Json<'a>>;

/// The elements of a [`View`].
pub(crate) enum ViewItems<'p, 'a> {
    Top(Option<View<'p, 'a>>),
    Inner(Items<'a>),
}

impl<'p, 'a> Iterator for ViewItems<'p, 'a> {
    type Item = View<'p, 'a>;

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            ViewItems::Top(top) => top.take(),
            ViewItems::Inner(items) => items.next().map(Picked::Inner),
        }
    }
}

impl<'p, 'a> Node<'a> for View<'p, 'a> {
    type Items = ViewItems<'p, 'a>;

    fn items(self) -> Self::Items {
        match self {
            Picked::Top { .. } => ViewItems::Top(Some(self)),
            Picked::Inner(json) => ViewItems::Inner(json.items()),
        }
    }

    fn str(self) -> Option<Cow<'a, str>> {
        match self {
            Picked::Top { .. } => None,
            Picked::Inner(json) => json.str(),
        }
    }

    fn is_array(self) -> bool {
        matches!(self, Picked::Inner(json) if json.is_array())
    }
}

/// A value of a text the check accepted: its span in the [`Doc`], whose table of value ends lets walks jump over
/// values instead of scanning them. The walks trust the check: they never panic, but on text it did not accept
/// they would read garbage.
#[derive(Clone, Copy)]
pub(crate) struct Json<'a> {
    doc: &'a Doc<'a>,
    start: u32,
    end: u32,
}

impl<'a> Json<'a> {
    /// The value as written.
    fn as_str(self) -> &'a str {
        self.doc
            .text
            .get(self.start as usize..self.end as usize)
            .unwrap_or_default()
    }

    /// The value starting at `start`.
    fn at(self, start: usize) -> Json<'a> {
        let end = self.doc.ends.get(start).map_or(0, |&e| (e & !ESCAPED) as usize);
        // Past `start` whatever the table holds, so that every walk ends.
        let end = end.max(start + 1).min(self.doc.text.len());
        Json {
            doc: self.doc,
            start: start as u32,
            end: end as u32,
        }
    }

    /// Whether the value is a string written with escapes.
    fn escaped(self) -> bool {
        self.doc
            .ends
            .get(self.start as usize)
            .is_some_and(|&e| e & ESCAPED != 0)
    }

    /// The first byte of the value.
    fn first(self) -> Option<u8> {
        self.doc.text.as_bytes().get(self.start as usize).copied()
    }

    /// Whether the value is the string `s`.
    fn is(self, s: &str) -> bool {
        let (start, end) = (self.start as usize, self.end as usize);
        // Written with escapes, a string is longer than its text: no need to look at shorter ones.
        match end.saturating_sub(start).cmp(&(s.len() + 2)) {
            Ordering::Less => false,
            // Keys are short: a loop beats a call to `memcmp`.
            Ordering::Equal => {
                !self.escaped()
                    && self
                        .doc
                        .text
                        .as_bytes()
                        .get(start + 1..end - 1)
                        .is_some_and(|b| b.iter().zip(s.as_bytes()).all(|(x, y)| x == y))
            }
            Ordering::Greater => self.escaped() && self.str().is_some_and(|t| t == s),
        }
    }

    /// The members of an object, in order; nothing for any other value.
    fn members(self) -> Members<'a> {
        let at = match self.first() {
            Some(b'{') => skip_ws(self.doc.text.as_bytes(), self.start as usize + 1),
            _ => self.end as usize,
        };
        Members { json: self, at }
    }
}

impl std::fmt::Debug for Json<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Json").field(&self.as_str()).finish()
    }
}

impl PartialEq for Json<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl<'a> Lookup<'a> for Json<'a> {
    fn pick<const N: usize>(self, keys: [&str; N]) -> [Option<Self>; N] {
        let mut found = [None; N];
        for (key, value) in self.members() {
            if let Some(i) = keys.iter().position(|k| key.is(k)) {
                found[i] = Some(value);
            }
        }
        found
    }

    fn member(self, key: &str) -> Option<Self> {
        self.members().filter(|(k, _)| k.is(key)).last().map(|(_, v)| v)
    }

    /// As `lenient::text` reads the parsed value.
    fn text(self) -> Option<Cow<'a, str>> {
        match self.first()? {
            b'"' => self.str().filter(|s| !meaningless(s)),
            b't' => Some(Cow::Borrowed("true")),
            b'f' => Some(Cow::Borrowed("false")),
            b'n' | b'{' | b'[' => None,
            // A number, printed as a full parse prints it.
            _ => serde_json::from_str::<Value>(self.as_str())
                .ok()
                .and_then(|v| lenient::text(&v).map(|t| Cow::Owned(t.into_owned()))),
        }
    }

    fn elements(self) -> Vec<Self> {
        self.items().collect()
    }

    fn is_null(self) -> bool {
        self.as_str() == "null"
    }
}

impl<'a> Node<'a> for Json<'a> {
    type Items = Items<'a>;

    fn items(self) -> Items<'a> {
        let end = self.end as usize;
        let (at, lone) = match self.first() {
            Some(b'{') => (end, Some(self)),
            Some(b'[') => (skip_ws(self.doc.text.as_bytes(), self.start as usize + 1), None),
            _ => (end, None),
        };
        Items { json: self, at, lone }
    }

    fn str(self) -> Option<Cow<'a, str>> {
        let quoted = self.as_str();
        let inner = quoted.strip_prefix('"')?.strip_suffix('"')?;
        if self.escaped() {
            serde_json::from_str::<String>(quoted).ok().map(Cow::Owned)
        } else {
            Some(Cow::Borrowed(inner))
        }
    }

    fn is_array(self) -> bool {
        self.first() == Some(b'[')
    }
}

/// Whether a string means nothing to `lenient::text`: empty, blank, `null` or `None` once trimmed.
fn meaningless(s: &str) -> bool {
    let b = s.as_bytes();
    // Most strings start and end with visible ASCII: nothing to trim, and no Unicode whitespace to look for.
    let visible = |c: Option<&u8>| c.is_some_and(|&c| c > b' ' && c < 0x80);
    let t = if visible(b.first()) && visible(b.last()) {
        s
    } else {
        s.trim()
    };
    t.is_empty() || t == "null" || t == "None"
}

/// The members of a [`Json`] object.
struct Members<'a> {
    json: Json<'a>,
    /// Where the next key starts; the object's end once done.
    at: usize,
}

impl<'a> Iterator for Members<'a> {
    /// The key (a string value) and the value.
    type Item = (Json<'a>, Json<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        let b = self.json.doc.text.as_bytes();
        let end = self.json.end as usize;
        let start = std::mem::replace(&mut self.at, end);
        if start >= end || b.get(start) != Some(&b'"') {
            return None;
        }
        let key = self.json.at(start);
        // Past the key and its colon.
        let value = self.json.at(skip_ws(b, skip_ws(b, key.end as usize) + 1));
        let next = skip_ws(b, value.end as usize);
        if b.get(next) == Some(&b',') {
            self.at = skip_ws(b, next + 1);
        }
        Some((key, value))
    }
}

/// The elements of a [`Json`] array, or the lone object.
pub(crate) struct Items<'a> {
    json: Json<'a>,
    /// Where the next element starts; the array's end once done.
    at: usize,
    lone: Option<Json<'a>>,
}

impl<'a> Iterator for Items<'a> {
    type Item = Json<'a>;

    fn next(&mut self) -> Option<Json<'a>> {
        if let Some(lone) = self.lone.take() {
            return Some(lone);
        }
        let b = self.json.doc.text.as_bytes();
        let end = self.json.end as usize;
        let start = std::mem::replace(&mut self.at, end);
        if start >= end || matches!(b.get(start), None | Some(b']')) {
            return None;
        }
        let item = self.json.at(start);
        let next = skip_ws(b, item.end as usize);
        if b.get(next) == Some(&b',') {
            self.at = skip_ws(b, next + 1);
        }
        Some(item)
    }
}

/// The strict pass over a record: JSON as serde_json accepts it, noting each value's end.
struct Check<'c> {
    text: &'c str,
    ends: &'c mut [u32],
}

impl Check<'_> {
    /// `i` at the first byte of a value nested `depth` containers deep: the index after it, if a full parse
    /// accepts it.
    fn value(&mut self, i: usize, depth: usize) -> Option<usize> {
        let b = self.text.as_bytes();
        let end = match *b.get(i)? {
            b'"' => return self.string(i),
            open @ (b'{' | b'[') => {
                if depth >= MAX_DEPTH {
                    return None;
                }
                let close = if open == b'{' { b'}' } else { b']' };
                let mut j = skip_ws(b, i + 1);
                if b.get(j) == Some(&close) {
                    j + 1
                } else {
                    loop {
                        if open == b'{' {
                            if b.get(j) != Some(&b'"') {
                                return None;
                            }
                            j = skip_ws(b, self.string(j)?);
                            if b.get(j) != Some(&b':') {
                                return None;
                            }
                            j = skip_ws(b, j + 1);
                        }
                        j = skip_ws(b, self.value(j, depth + 1)?);
                        match *b.get(j)? {
                            b',' => j = skip_ws(b, j + 1),
                            c if c == close => break j + 1,
                            _ => return None,
                        }
                    }
                }
            }
            b't' => literal(b, i, b"true")?,
            b'f' => literal(b, i, b"false")?,
            b'n' => literal(b, i, b"null")?,
            b'-' | b'0'..=b'9' => {
                let end = b[i..]
                    .iter()
                    .position(|c| !matches!(c, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'))
                    .map_or(b.len(), |n| i + n);
                // serde_json itself judges the grammar and the range (`1e400` is an error, a long integer a
                // float).
                let number = self.text.get(i..end)?;
                if !serde_json::from_str::<Value>(number).is_ok_and(|v| v.is_number()) {
                    return None;
                }
                end
            }
            _ => return None,
        };
        self.ended(i, end, 0);
        Some(end)
    }

    /// `i` at an opening quote: the index after the closing one, if the string is one a full parse reads: no raw
    /// control characters, only JSON's escapes, `\u` surrogates in pairs.
    fn string(&mut self, i: usize) -> Option<usize> {
        let b = self.text.as_bytes();
        let mut j = i + 1;
        let mut escaped = 0;
        loop {
            j = find_string_special(b, j);
            match *b.get(j)? {
                b'"' => {
                    self.ended(i, j + 1, escaped);
                    return Some(j + 1);
                }
                b'\\' => {
                    j = escape(b, j + 1)?;
                    escaped = ESCAPED;
                }
                _ => return None,
            }
        }
    }

    /// Notes that the value at `start` ends at `end` (with `flags`).
    fn ended(&mut self, start: usize, end: usize, flags: u32) {
        if let (Some(slot), Ok(end)) = (self.ends.get_mut(start), u32::try_from(end)) {
            *slot = end | flags;
        }
    }
}

fn literal(b: &[u8], i: usize, word: &[u8]) -> Option<usize> {
    (b.get(i..i + word.len()) == Some(word)).then_some(i + word.len())
}

/// `i` just after a backslash: the index after the escape, if serde_json reads it into a string.
fn escape(b: &[u8], i: usize) -> Option<usize> {
    match *b.get(i)? {
        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => Some(i + 1),
        b'u' => match hex4(b, i + 1)? {
            // A trailing surrogate alone.
            0xDC00..=0xDFFF => None,
            // A leading surrogate: its trailing one must follow.
            0xD800..=0xDBFF => {
                if b.get(i + 5..i + 7) != Some(b"\\u") {
                    return None;
                }
                matches!(hex4(b, i + 7)?, 0xDC00..=0xDFFF).then_some(i + 11)
            }
            _ => Some(i + 5),
        },
        _ => None,
    }
}

fn hex4(b: &[u8], i: usize) -> Option<u32> {
    b.get(i..i + 4)?
        .iter()
        .try_fold(0, |n, &c| Some(n * 16 + char::from(c).to_digit(16)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether the check accepts `text` as a member value, and whether serde_json does.
    fn both(text: &str) -> (bool, bool) {
        let record = format!(r#"{{"x": {text}}}"#);
        (
            checked(&record, &mut Vec::new()).is_some(),
            serde_json::from_str::<Value>(&record).is_ok(),
        )
    }

    /// Whether `record` is checked and picked.
    fn picks(record: &str) -> bool {
        let mut ends = Vec::new();
        checked(record, &mut ends).is_some_and(|doc| pick(doc.root()).is_some())
    }

    #[test]
    fn the_check_accepts_what_serde_json_accepts() {
        let deep_ok = format!("{}1{}", "[".repeat(MAX_DEPTH - 2), "]".repeat(MAX_DEPTH - 2));
        for ok in [
            r#""plain""#,
            r#""""#,
            r#""esc \" \\ \/ \b \f \n \r \t \u00e9 \uD83D\uDE00 end""#,
            "\"\u{7f} and ünï\"",
            "0",
            "-0",
            "12.5e-3",
            "1E+2",
            "123456789012345678901234567890",
            "-99999999999999999999999",
            "1e-400",
            "true",
            "false",
            "null",
            "[]",
            "{}",
            " [ 1 , {\"a\" : [ ] } ] ",
            r#"{"a": 1, "a": 2}"#,
            &deep_ok,
        ] {
            assert_eq!(both(ok), (true, true), "{ok}");
        }
        for bad in [
            "\"tab\tinside\"",
            "\"nul\0inside\"",
            r#""\x""#,
            r#""\u12""#,
            r#""\uZZZZ""#,
            r#""\uDE00""#,
            r#""\uD83D""#,
            r#""\uD83Dx""#,
            r#""\uD83D\n""#,
            r#""\uD83D\u0041""#,
            r#""unterminated"#,
            "1e400",
            "-1e400",
            "01",
            "1.",
            ".5",
            "+1",
            "-",
            "1x",
            "tru",
            "nul",
            "True",
            "NaN",
            "[1,]",
            "[1 2]",
            "{\"a\":1,}",
            "{\"a\" 1}",
            "{a: 1}",
            "{\"a\":1]",
            "[1}",
            "",
        ] {
            assert_eq!(both(bad), (false, false), "{bad}");
        }
        // Deeper than the check follows: the full way (which accepts it up to serde's limit of 128).
        let deep = format!("{}1{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert_eq!(both(&deep), (false, true));
    }

    #[test]
    fn pick_keeps_the_last_member_and_sends_pages_away() {
        let record = r#" {"id": 1, "x": {"events": 5}, "id": {"time": "t"}, "kind": "k", "act\u006fr": {"email": 5}} "#;
        let mut ends = Vec::new();
        let doc = checked(record, &mut ends).unwrap();
        let p = pick(doc.root()).unwrap();
        let top = Picked::Top {
            keys: &PICKED,
            values: &p,
        };
        assert_eq!(top.text_at(&["id", "time"]).as_deref(), Some("t"));
        assert_eq!(top.text_at(&["kind"]).as_deref(), Some("k"));
        assert_eq!(top.text_at(&["actor", "email"]).as_deref(), Some("5"));
        assert!(top.member("events").is_none() && top.member("x").is_none());
        assert!(picks("{}"));
        assert!(!picks(r#"{"items": []}"#));
        assert!(!picks(r#"{"kind": "admin#reports#activity", "users": null}"#));
        assert!(!picks(r#"{"it\u0065ms": []}"#));
        assert!(!picks(r#"{"a": 1} {"b": 2}"#));
        assert!(!picks(r#"[{"a": 1}]"#));
    }

    #[test]
    fn text_is_read_as_lenient_reads_it() {
        for value in [
            r#""x""#,
            r#""""#,
            r#""  ""#,
            r#""null""#,
            r#"" null ""#,
            r#""None""#,
            r#""\u00a0None\u2003""#,
            r#""\tnull""#,
            r#""\u007fnull""#,
            r#"" padded ""#,
            r#""nul""#,
            r#""Nonesuch""#,
            "12",
            "-0.5",
            "1e3",
            "123456789012345678901234567890",
            "true",
            "false",
            "null",
            "[1]",
            r#"{"a":1}"#,
        ] {
            let parsed: Value = serde_json::from_str(value).unwrap();
            let mut ends = Vec::new();
            let doc = checked(value, &mut ends).unwrap();
            assert_eq!(doc.root().text(), lenient::text(&parsed), "{value}");
        }
    }

    #[test]
    fn a_checked_value_reads_as_its_parse() {
        let text = r#" {"a": {"x": [1, {"y": "}\"]"}]}, "b" : "two", "n": 12.5e1, "t": true, "z": null,
            "s": "null", "e": "a\u00e9\n", "b": "again", "k\u0065y": [], "o": {"lone": 1}, "m": [ ] } "#;
        let parsed: Value = serde_json::from_str(text).unwrap();
        let mut ends = Vec::new();
        let doc = checked(text, &mut ends).unwrap();
        let json = doc.root();
        let keys: Vec<_> = json
            .members()
            .map(|(k, _)| k.str().unwrap().into_owned())
            .collect();
        assert_eq!(keys, ["a", "b", "n", "t", "z", "s", "e", "b", "key", "o", "m"]);
        for key in ["a", "b", "n", "t", "z", "s", "e", "key", "o", "m", "missing"] {
            let (j, p) = (json.member(key), parsed.get(key));
            assert_eq!(j.is_some(), p.is_some(), "{key}");
            let (Some(j), Some(p)) = (j, p) else { continue };
            assert_eq!(j.text(), Lookup::text(p), "{key}");
            assert_eq!(j.str(), Node::str(p), "{key}");
            assert_eq!(j.is_null(), Lookup::is_null(p), "{key}");
            assert_eq!(j.is_array(), Node::is_array(p), "{key}");
            assert_eq!(j.items().count(), Node::items(p).count(), "{key}");
            assert_eq!(j.elements().len(), Lookup::elements(p).len(), "{key}");
        }
        assert_eq!(json.text_at(&["b"]).as_deref(), Some("again"));
        assert_eq!(json.text_at(&["n"]).as_deref(), Some("125.0"));
        assert_eq!(json.text_at(&["e"]).as_deref(), Some("aé\n"));
        let [b, key, missing] = json.pick(["b", "key", "missing"]);
        assert_eq!(b.and_then(Lookup::text).as_deref(), Some("again"));
        assert!(key.is_some_and(Node::is_array) && missing.is_none());
        let x: Vec<_> = json.member("a").unwrap().member("x").unwrap().items().collect();
        assert_eq!(
            x.iter().map(|j| j.as_str()).collect::<Vec<_>>(),
            ["1", r#"{"y": "}\"]"}"#]
        );
        assert_eq!(x[1].text_at(&["y"]).as_deref(), Some("}\"]"));
        let five = json.member("n").unwrap();
        assert!(five.pick(["a"])[0].is_none() && five.items().next().is_none());
        // Keys written with escapes are read as a full parse reads them.
        let escaped = r#"{"q\"x": 1, "a\\": 2, "\u0061b": 3}"#;
        let mut ends = Vec::new();
        let doc = checked(escaped, &mut ends).unwrap();
        let json = doc.root();
        assert_eq!(json.text_at(&["q\"x"]).as_deref(), Some("1"));
        assert_eq!(json.text_at(&[r#"q\"x"#]), None);
        assert_eq!(json.text_at(&["a\\"]).as_deref(), Some("2"));
        assert_eq!(json.text_at(&["ab"]).as_deref(), Some("3"));
        assert_eq!(json.text_at(&[r#"\u0061b"#]), None);
    }
}
