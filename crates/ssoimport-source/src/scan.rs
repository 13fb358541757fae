//! Lazy reading of JSON records: walk to the few members a reader needs and skip everything else without
//! building it. A LogEvent or sign-in is mostly context no row needs; skipping it by jumping from quote to quote
//! is several times faster than parsing it, and containers are skipped 64 bytes at a time (`blocks`).
//!
//! Only the structure on the path walked is checked (member names included); a malformed value elsewhere is
//! skipped as it stands, and [`Raw::text`] reads a malformed value as absent. Callers fall back to a full parse
//! whenever a walk fails, so broken records still get their `parse_error`; a fast path that must also reject
//! what a full parse rejects in the values it reads walks through [`Checked`] instead.

use std::borrow::Cow;
use std::cell::Cell;

use serde_json::Value;
use ssoimport_schema::text::{same_bytes, trim};
use wide::u8x16;

pub use crate::blocks::find_string_special;

/// One JSON value, borrowed from the record text, not yet read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Raw<'a> {
    text: &'a str,
}

/// The index of the first byte at or after `i` that is not JSON whitespace (`b.len()` if none). Walks call it
/// around every key and value, and in compact JSON the byte there is nearly always above the space, which one
/// comparison tells.
#[inline]
pub fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while let Some(&c) = b.get(i) {
        if c > b' ' || !matches!(c, b' ' | b'\t' | b'\n' | b'\r') {
            break;
        }
        i += 1;
    }
    i
}

/// The first `"` or `\` at or after `j`: sixteen bytes at a time with SIMD compares (most strings in an export
/// are short, and a 16-byte step finds their end without the setup cost of a longer search), a byte loop for
/// the last few bytes.
fn find_quote_or_backslash(b: &[u8], mut j: usize) -> Option<usize> {
    while let Some(chunk) = b.get(j..).and_then(<[u8]>::first_chunk::<16>) {
        let v = u8x16::new(*chunk);
        let mask = (v.cmp_eq(u8x16::splat(b'"')) | v.cmp_eq(u8x16::splat(b'\\'))).move_mask();
        if mask != 0 {
            return Some(j + mask.trailing_zeros() as usize);
        }
        j += 16;
    }
    b.get(j..)?
        .iter()
        .position(|&c| c == b'"' || c == b'\\')
        .map(|k| j + k)
}

/// `i` at an opening quote; returns the index after the closing quote.
fn skip_string(b: &[u8], i: usize) -> Option<usize> {
    skip_string_noting_escapes(b, i).map(|(end, _)| end)
}

/// [`skip_string`], also telling whether the string holds an escape (and so cannot be borrowed as it is).
fn skip_string_noting_escapes(b: &[u8], i: usize) -> Option<(usize, bool)> {
    let mut j = i + 1;
    let mut escaped = false;
    loop {
        let k = find_quote_or_backslash(b, j)?;
        if b[k] == b'"' {
            return Some((k + 1, escaped));
        }
        escaped = true;
        j = k + 2;
        if j > b.len() {
            return None;
        }
    }
}

/// `i` at the opening quote of a member name; returns the index after its closing quote and whether it holds
/// escapes. `None` if it is not closed or holds a raw control character: a name is structure, checked on every
/// member walked, whether the member is read or not.
fn skip_key(b: &[u8], i: usize) -> Option<(usize, bool)> {
    let mut j = i + 1;
    let mut escaped = false;
    loop {
        let k = find_string_special(b, j);
        match *b.get(k)? {
            b'"' => return Some((k + 1, escaped)),
            b'\\' => {
                escaped = true;
                j = k + 2;
            }
            _ => return None,
        }
    }
}

/// `i` at the first byte of a value; returns the index after it.
fn skip_value(b: &[u8], i: usize) -> Option<usize> {
    match *b.get(i)? {
        b'"' => skip_string(b, i),
        b'{' | b'[' => crate::blocks::skip_container(b, i),
        _ => {
            let end = b[i..]
                .iter()
                .position(|&c| matches!(c, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r'))
                .map_or(b.len(), |n| i + n);
            (end > i).then_some(end)
        }
    }
}

impl<'a> Raw<'a> {
    /// The value that makes up `text` (surrounding whitespace allowed), if its outer structure is sound.
    pub fn parse(text: &'a str) -> Option<Raw<'a>> {
        let b = text.as_bytes();
        let start = skip_ws(b, 0);
        let end = skip_value(b, start)?;
        (skip_ws(b, end) == b.len()).then(|| Raw {
            text: &text[start..end],
        })
    }

    /// The value's text, exactly as written.
    pub fn as_str(self) -> &'a str {
        self.text
    }

    /// Whether the value is `null`.
    pub fn is_null(self) -> bool {
        self.text == "null"
    }

    /// Whether the value is an object.
    pub fn is_object(self) -> bool {
        self.text.starts_with('{')
    }

    /// The members of an object, in order (`None` ends the walk on malformed structure: check
    /// [`Members::failed`] or use [`Raw::get`]).
    pub fn members(self) -> Members<'a> {
        let b = self.text.as_bytes();
        let ok = b.first() == Some(&b'{');
        Members {
            text: self.text,
            at: if ok { 1 } else { b.len() },
            failed: !ok,
            done: !ok,
        }
    }

    /// The members of the object that makes up `text` (surrounding whitespace allowed), walked without first
    /// checking the whole text: [`Members::failed`] is set if the object turns out malformed or is followed by
    /// anything but whitespace. For a record whose members are all read anyway, this walks it once instead of
    /// twice ([`Raw::parse`] then [`Raw::members`]). `None` if `text` does not start with `{`.
    pub fn object_members(text: &'a str) -> Option<Members<'a>> {
        let b = text.as_bytes();
        let start = skip_ws(b, 0);
        (b.get(start) == Some(&b'{')).then(|| Members {
            text: &text[start..],
            at: 1,
            failed: false,
            done: false,
        })
    }

    /// The value of the last member named `key` (duplicate keys: the last one wins, as in a full parse);
    /// `None` if there is none or the object is malformed.
    pub fn get(self, key: &str) -> Option<Raw<'a>> {
        let [found] = self.pick([key]);
        found
    }

    /// [`Raw::get`] for each of `keys`, in one walk over the object.
    pub fn pick<const N: usize>(self, keys: [&str; N]) -> [Option<Raw<'a>>; N] {
        let mut members = self.members();
        let mut found = [None; N];
        let names = Names::new(&keys);
        while let Some((i, v)) = members.next_of(&names) {
            found[i] = Some(v);
        }
        if members.failed { [None; N] } else { found }
    }

    /// The value at a path of keys.
    pub fn at(self, path: &[&str]) -> Option<Raw<'a>> {
        path.iter().try_fold(self, |v, key| v.get(key))
    }

    /// The elements of an array; the value itself for a lone object; nothing otherwise. `None` if the array is
    /// malformed.
    pub fn elements(self) -> Option<Vec<Raw<'a>>> {
        self.elements_map(|raw| raw)
    }

    /// [`Raw::elements`], each made into a `T` as it is found: one vector, where mapping a vector of elements
    /// into another allocated twice per array (the fast paths read an array in every record).
    pub fn elements_map<T>(self, mut f: impl FnMut(Raw<'a>) -> T) -> Option<Vec<T>> {
        let mut out = Vec::new();
        self.for_each_element(|raw| out.push(f(raw))).then_some(out)
    }

    /// The first of [`Raw::elements`] that `f` maps to something, the array read to its end all the same:
    /// `None` if it is malformed (even after that element), `Some(None)` if no element gave anything.
    pub fn first_element<T>(self, mut f: impl FnMut(Raw<'a>) -> Option<T>) -> Option<Option<T>> {
        let mut found = None;
        let sound = self.for_each_element(|e| {
            if found.is_none() {
                found = f(e);
            }
        });
        sound.then_some(found)
    }

    /// Calls `f` on each of [`Raw::elements`] in order, collecting nothing; false if the array is malformed
    /// (after the elements before the fault).
    pub fn for_each_element(self, mut f: impl FnMut(Raw<'a>)) -> bool {
        if self.is_object() {
            f(self);
            return true;
        }
        let b = self.text.as_bytes();
        if b.first() != Some(&b'[') {
            return true;
        }
        let mut i = skip_ws(b, 1);
        if b.get(i) == Some(&b']') {
            return true;
        }
        loop {
            let Some(end) = skip_value(b, i) else {
                return false;
            };
            f(Raw {
                text: &self.text[i..end],
            });
            i = skip_ws(b, end);
            match b.get(i) {
                Some(b',') => i = skip_ws(b, i + 1),
                Some(b']') => return true,
                _ => return false,
            }
        }
    }

    /// The text of the value, leniently, as [`crate::lenient::text`] reads a parsed value: a string as is, a
    /// number or boolean as written; `None` for null, `"null"`, `"None"`, `""`, arrays and objects.
    pub fn text(self) -> Option<Cow<'a, str>> {
        let t = self.text;
        match t.as_bytes().first()? {
            b'"' => {
                let inner = &t[1..t.len() - 1];
                let s: Cow<'a, str> = if memchr::memchr(b'\\', inner.as_bytes()).is_some() {
                    Cow::Owned(serde_json::from_str::<String>(t).ok()?)
                } else {
                    Cow::Borrowed(inner)
                };
                let trimmed = trim(&s);
                if trimmed.is_empty() || trimmed == "null" || trimmed == "None" {
                    None
                } else {
                    Some(s)
                }
            }
            b'{' | b'[' => None,
            b't' if t == "true" => Some(Cow::Borrowed("true")),
            b'f' if t == "false" => Some(Cow::Borrowed("false")),
            b'n' => None,
            // Numbers as a full parse would print them.
            _ => serde_json::from_str::<Value>(t)
                .ok()
                .and_then(|v| crate::lenient::text(&v).map(|c| Cow::Owned(c.into_owned()))),
        }
    }

    /// The text at a path of keys, leniently.
    pub fn text_at(self, path: &[&str]) -> Option<Cow<'a, str>> {
        self.at(path)?.text()
    }
}

/// The member names a walk looks for ([`Members::next_of`]), indexed by length: a member's name is compared
/// only with the names of its length, where a scan of the list compared it with every name.
#[derive(Debug, Clone, Copy)]
pub struct Names<'n> {
    names: &'n [&'n str],
    /// Bit `k` of `by_len[n]` is set when `names[k]` is `n` bytes long.
    by_len: [u16; SHORT_NAME],
    /// Some name is too long, or there are too many for `by_len`: the list is scanned instead.
    scan: bool,
}

/// Names shorter than this (in bytes) are indexed by length.
const SHORT_NAME: usize = 32;

impl<'n> Names<'n> {
    /// The names, each known by its position in `names`.
    pub const fn new(names: &'n [&'n str]) -> Names<'n> {
        let mut by_len = [0u16; SHORT_NAME];
        let mut scan = names.len() > 16;
        let mut k = 0;
        while k < names.len() && !scan {
            let len = names[k].len();
            if len < SHORT_NAME {
                by_len[len] |= 1 << k;
            } else {
                scan = true;
            }
            k += 1;
        }
        Names { names, by_len, scan }
    }

    /// The position of the first name equal to `name`.
    #[inline(always)]
    pub fn position(&self, name: &[u8]) -> Option<usize> {
        if self.scan {
            return self.names.iter().position(|n| n.as_bytes() == name);
        }
        let mut candidates = *self.by_len.get(name.len())?;
        while candidates != 0 {
            let k = candidates.trailing_zeros() as usize;
            if same_bytes(self.names[k].as_bytes(), name) {
                return Some(k);
            }
            candidates &= candidates - 1;
        }
        None
    }
}

/// The members of an object, see [`Raw::members`].
pub struct Members<'a> {
    text: &'a str,
    at: usize,
    /// The walk stopped on malformed structure.
    pub failed: bool,
    done: bool,
}

impl<'a> Iterator for Members<'a> {
    type Item = (Cow<'a, str>, Raw<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let item = self.step();
        if item.is_none() {
            self.done = true;
        }
        item
    }
}

/// Where one member lies in the object's text: its name inside the quotes (escapes not undone) and its value.
struct MemberSpan {
    name: std::ops::Range<usize>,
    escaped: bool,
    value: std::ops::Range<usize>,
}

impl<'a> Members<'a> {
    fn fail<T>(&mut self) -> Option<T> {
        self.failed = true;
        None
    }

    fn step(&mut self) -> Option<(Cow<'a, str>, Raw<'a>)> {
        let span = self.step_span()?;
        let key = if span.escaped {
            Cow::Owned(self.unescaped_name(&span)?)
        } else {
            Cow::Borrowed(&self.text[span.name])
        };
        Some((
            key,
            Raw {
                text: &self.text[span.value],
            },
        ))
    }

    /// The name of a member whose name holds escapes, undone; `None` (and the walk failed) if they are invalid.
    fn unescaped_name(&mut self, span: &MemberSpan) -> Option<String> {
        // With its quotes, as serde_json reads a string.
        match serde_json::from_str::<String>(&self.text[span.name.start - 1..span.name.end + 1]) {
            Ok(name) => Some(name),
            Err(_) => self.fail(),
        }
    }

    /// The next member whose name is one of `names` (the index of the name, and the value), stepping over the
    /// others without making strings of their names or values: slicing a `str` checks both ends in a call that
    /// does not inline, and a walk that picks a few members of many paid it twice for every member.
    pub fn next_of(&mut self, names: &Names<'_>) -> Option<(usize, Raw<'a>)> {
        while !self.done {
            let Some(span) = self.step_span() else {
                self.done = true;
                return None;
            };
            let found = if span.escaped {
                let Some(name) = self.unescaped_name(&span) else {
                    self.done = true;
                    return None;
                };
                names.position(name.as_bytes())
            } else {
                names.position(&self.text.as_bytes()[span.name])
            };
            if let Some(index) = found {
                return Some((
                    index,
                    Raw {
                        text: &self.text[span.value],
                    },
                ));
            }
        }
        None
    }

    fn step_span(&mut self) -> Option<MemberSpan> {
        let b = self.text.as_bytes();
        let mut i = skip_ws(b, self.at);
        match b.get(i) {
            // The closing brace ends the text (a value's text ends there; a record's may have whitespace after).
            Some(b'}') if skip_ws(b, i + 1) == b.len() => return None,
            Some(b',') if self.at > 1 => i = skip_ws(b, i + 1),
            Some(b'"') if self.at == 1 => {}
            _ => return self.fail(),
        }
        if b.get(i) != Some(&b'"') {
            return self.fail();
        }
        let Some((key_end, escaped)) = skip_key(b, i) else {
            return self.fail();
        };
        let colon = skip_ws(b, key_end);
        if b.get(colon) != Some(&b':') {
            return self.fail();
        }
        let start = skip_ws(b, colon + 1);
        let Some(end) = skip_value(b, start) else {
            return self.fail();
        };
        self.at = end;
        // The next step checks what follows (`,` or `}`).
        Some(MemberSpan {
            name: i + 1..key_end - 1,
            escaped,
            value: start..end,
        })
    }
}

/// Lenient reading shared by a parsed [`Value`] and a lazily walked [`Raw`] value, so one mapping serves both
/// the fast path and the full parse.
pub trait Lookup<'a>: Copy {
    /// The member `key` (the last one, if repeated).
    fn member(self, key: &str) -> Option<Self>;
    /// The text of the value, leniently (see [`crate::lenient::text`]).
    fn text(self) -> Option<Cow<'a, str>>;
    /// The elements of an array, the value itself for a lone object, nothing otherwise.
    fn elements(self) -> Vec<Self>;
    /// [`Lookup::elements`], each made into a `T` (a wrapper of the value) as it is found, into one vector.
    fn elements_map<T>(self, f: impl FnMut(Self) -> T) -> Vec<T> {
        self.elements().into_iter().map(f).collect()
    }
    /// The first of [`Lookup::elements`] for which `f` gives something, without collecting the elements (a fast
    /// path reads an array in every record). The array is read to its end all the same, as
    /// [`Lookup::elements`] reads it: a malformed one gives nothing.
    fn find_element<T>(self, f: impl FnMut(Self) -> Option<T>) -> Option<T> {
        self.elements().into_iter().find_map(f)
    }
    /// Whether the value is `null`.
    fn is_null(self) -> bool;

    /// The text at a path of keys, leniently.
    fn text_at(self, path: &[&str]) -> Option<Cow<'a, str>> {
        path.iter().try_fold(self, |v, key| v.member(key))?.text()
    }

    /// The members named `keys`, in their order: [`Lookup::member`] of each, but a lazily walked object is
    /// walked once for all of them rather than once per key.
    fn pick<const N: usize>(self, keys: [&str; N]) -> [Option<Self>; N] {
        keys.map(|key| self.member(key))
    }
}

impl<'a> Lookup<'a> for &'a Value {
    fn member(self, key: &str) -> Option<Self> {
        self.get(key)
    }
    fn text(self) -> Option<Cow<'a, str>> {
        crate::lenient::text(self)
    }
    fn elements(self) -> Vec<Self> {
        crate::lenient::elements(Some(self)).iter().collect()
    }
    fn is_null(self) -> bool {
        Value::is_null(self)
    }
}

impl<'a> Lookup<'a> for Raw<'a> {
    fn member(self, key: &str) -> Option<Self> {
        self.get(key)
    }
    fn pick<const N: usize>(self, keys: [&str; N]) -> [Option<Self>; N] {
        Raw::pick(self, keys)
    }
    fn text(self) -> Option<Cow<'a, str>> {
        Raw::text(self)
    }
    fn elements(self) -> Vec<Self> {
        Raw::elements(self).unwrap_or_default()
    }
    fn elements_map<T>(self, f: impl FnMut(Self) -> T) -> Vec<T> {
        Raw::elements_map(self, f).unwrap_or_default()
    }
    fn find_element<T>(self, f: impl FnMut(Self) -> Option<T>) -> Option<T> {
        self.first_element(f).flatten()
    }
    fn is_null(self) -> bool {
        Raw::is_null(self)
    }
}

/// A [`Raw`] value read as a full parse would check it, as far as it is read: text is read with
/// [`crate::strict::text`], the objects and arrays walked to reach it must be well formed, and a value looked at
/// but not walked into (an array where members are looked for, a container where text is) is checked whole.
/// Whatever is malformed reads as absent and sets the flag the value was made with, so that a fast path can drop
/// what it mapped and send the record the full way, which rejects it. Members and elements nobody reads are
/// skipped unchecked.
#[derive(Debug, Clone, Copy)]
pub struct Checked<'a, 'f> {
    raw: Raw<'a>,
    /// Containers the value sits in (toward serde_json's nesting limit).
    depth: u32,
    malformed: &'f Cell<bool>,
}

impl<'a, 'f> Checked<'a, 'f> {
    /// `raw`, inside `depth` containers (1 for a member of a record), read strictly; `malformed` is set when a
    /// read finds it malformed.
    pub fn new(raw: Raw<'a>, depth: u32, malformed: &'f Cell<bool>) -> Self {
        Checked {
            raw,
            depth,
            malformed,
        }
    }

    /// A value inside this one.
    fn inner(self, raw: Raw<'a>) -> Self {
        Checked {
            raw,
            depth: self.depth + 1,
            ..self
        }
    }

    /// Checks the value whole; false (and flagged) if a full parse would refuse it.
    fn check_whole(self) -> bool {
        let ok = crate::strict::is_valid(self.raw.as_str(), self.depth);
        if !ok {
            self.malformed.set(true);
        }
        ok
    }
}

impl<'a> Lookup<'a> for Checked<'a, '_> {
    fn member(self, key: &str) -> Option<Self> {
        let [found] = self.pick([key]);
        found
    }

    fn pick<const N: usize>(self, keys: [&str; N]) -> [Option<Self>; N] {
        if !self.raw.is_object() {
            // No members, as a full parse finds none; but it parses the value.
            self.check_whole();
            return [None; N];
        }
        let mut members = self.raw.members();
        let mut found = [None; N];
        let names = Names::new(&keys);
        while let Some((i, v)) = members.next_of(&names) {
            found[i] = Some(self.inner(v));
        }
        if members.failed {
            self.malformed.set(true);
            return [None; N];
        }
        found
    }

    fn text(self) -> Option<Cow<'a, str>> {
        if matches!(self.raw.as_str().as_bytes().first(), Some(b'{' | b'[')) {
            self.check_whole();
            return None;
        }
        crate::strict::text(self.raw.as_str()).unwrap_or_else(|_| {
            self.malformed.set(true);
            None
        })
    }

    fn elements(self) -> Vec<Self> {
        self.elements_map(|v| v)
    }

    fn elements_map<T>(self, mut f: impl FnMut(Self) -> T) -> Vec<T> {
        if self.raw.is_object() {
            return vec![f(self)];
        }
        if !self.raw.as_str().starts_with('[') {
            self.check_whole();
            return Vec::new();
        }
        match self.raw.elements_map(|v| f(self.inner(v))) {
            Some(items) => items,
            None => {
                self.malformed.set(true);
                Vec::new()
            }
        }
    }

    fn find_element<T>(self, mut f: impl FnMut(Self) -> Option<T>) -> Option<T> {
        if self.raw.is_object() {
            return f(self);
        }
        if !self.raw.as_str().starts_with('[') {
            self.check_whole();
            return None;
        }
        self.raw.first_element(|v| f(self.inner(v))).unwrap_or_else(|| {
            self.malformed.set(true);
            None
        })
    }

    fn is_null(self) -> bool {
        self.raw.is_null()
    }
}

/// What a fast path hands a mapping written against [`Lookup`]: a record of which it kept only some top-level
/// members (the value of `keys[i]` in `values[i]`), or a value inside one. Reading any other member of the
/// record finds nothing, so the fast path keeps every member its mapping reads.
#[derive(Debug, Clone, Copy)]
pub enum Picked<'p, V> {
    /// The record.
    Top {
        /// The names of the kept members.
        keys: &'p [&'p str],
        /// Their values (`None`: absent from the record).
        values: &'p [Option<V>],
    },
    /// A value inside it.
    Inner(V),
}

impl<'a, V: Lookup<'a>> Lookup<'a> for Picked<'_, V> {
    fn member(self, key: &str) -> Option<Self> {
        match self {
            Picked::Top { keys, values } => keys
                .iter()
                .position(|k| *k == key)
                .and_then(|i| values.get(i).copied().flatten())
                .map(Picked::Inner),
            Picked::Inner(v) => v.member(key).map(Picked::Inner),
        }
    }

    fn pick<const N: usize>(self, keys: [&str; N]) -> [Option<Self>; N] {
        match self {
            Picked::Top { .. } => keys.map(|key| self.member(key)),
            Picked::Inner(v) => v.pick(keys).map(|m| m.map(Picked::Inner)),
        }
    }

    fn text(self) -> Option<Cow<'a, str>> {
        match self {
            Picked::Top { .. } => None,
            Picked::Inner(v) => v.text(),
        }
    }

    fn elements(self) -> Vec<Self> {
        match self {
            Picked::Top { .. } => vec![self],
            Picked::Inner(v) => v.elements_map(Picked::Inner),
        }
    }

    fn find_element<T>(self, mut f: impl FnMut(Self) -> Option<T>) -> Option<T> {
        match self {
            Picked::Top { .. } => f(self),
            Picked::Inner(v) => v.find_element(|e| f(Picked::Inner(e))),
        }
    }

    fn is_null(self) -> bool {
        matches!(self, Picked::Inner(v) if v.is_null())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_of_yields_the_members_asked_for_as_the_iterator_does() {
        let names = ["eventType", "uuid", "a b"];
        for text in [
            r#"{"uuid": "1", "x": {"uuid": 2}, "eventType": "e", "uuid": "3"}"#,
            r#"{"ev\u0065ntType": "escaped", "a\u0020b": [1], "other": null}"#,
            r#"{}"#,
            r#"{"x": 1}"#,
            r#"{"uuid": "1", "x" 2}"#,
            r#"{"uuid": "1", "bad\q": 2}"#,
        ] {
            let raw = Raw { text };
            let mut iter = raw.members();
            let expected: Vec<(usize, &str)> = iter
                .by_ref()
                .filter_map(|(k, v)| names.iter().position(|n| *n == k).map(|i| (i, v.as_str())))
                .collect();
            let mut walk = raw.members();
            let mut got = Vec::new();
            let set = Names::new(&names);
            while let Some((i, v)) = walk.next_of(&set) {
                got.push((i, v.as_str()));
            }
            assert_eq!(got, expected, "{text}");
            assert_eq!(walk.failed, iter.failed, "{text}");
            assert_eq!(walk.next_of(&set), None, "{text}: ended");
        }
    }

    #[test]
    fn names_find_the_first_equal_name_by_length_or_by_scan() {
        let long = "a_member_name_of_more_than_thirty_two_bytes";
        let many: Vec<String> = (0..20).map(|k| format!("m{k}")).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        for list in [
            &["uuid", "data", "eventType", "published", "", "uuid"][..],
            &["x", long, "y"][..],
            &many[..],
        ] {
            let names = Names::new(list);
            let probes = list
                .iter()
                .copied()
                .chain(["", "uuiD", "dat", "datas", "m20", long]);
            for probe in probes {
                let expected = list.iter().position(|n| *n == probe);
                assert_eq!(
                    names.position(probe.as_bytes()),
                    expected,
                    "{probe:?} in {list:?}"
                );
            }
        }
    }

    /// Arrays and what stands in for them: a lone object, nothing, a scalar, and malformed arrays, one of them with
    /// a long element before the fault.
    const ARRAYS: [&str; 10] = [
        r#"[{"a": 1}, "x", [2], null]"#,
        r#"[1, {"a": 1}, "x", [2]]"#,
        r#"{"a": 1}"#,
        "[]",
        "null",
        "7",
        "[1, 2,, 3]",
        r#"[1, "found", 2,, 3]"#,
        "[1",
        r#"["found", 1"#,
    ];

    #[test]
    fn elements_map_gives_the_elements_mapped() {
        for text in ARRAYS {
            let raw = Raw::parse(text).unwrap_or(Raw { text });
            let mapped = raw
                .elements()
                .map(|v| v.iter().map(|e| e.as_str().len()).collect::<Vec<_>>());
            assert_eq!(raw.elements_map(|e| e.as_str().len()), mapped, "{text}");
            let flag = Cell::new(false);
            let checked = Checked::new(raw, 0, &flag);
            let lengths = Lookup::elements_map(checked, |e| e.raw.as_str().len());
            assert_eq!(lengths, mapped.clone().unwrap_or_default(), "{text}");
            // A malformed array flags the record, as `elements` does.
            assert_eq!(flag.get(), mapped.is_none(), "{text}");
        }
    }

    #[test]
    fn find_element_finds_what_elements_find_and_reads_the_array_to_its_end() {
        // The first element longer than one byte, as `elements` and `find_map` would find it.
        // An element found before the fault of a malformed array: still nothing, and the record flagged.
        let long = |text: &str| (text.len() > 1).then(|| text.to_string());
        for text in ARRAYS {
            let raw = Raw::parse(text).unwrap_or(Raw { text });
            let expected = Lookup::elements(raw).into_iter().find_map(|e| long(e.as_str()));
            assert_eq!(
                Lookup::find_element(raw, |e| long(e.as_str())),
                expected,
                "{text}"
            );

            let (old_flag, new_flag) = (Cell::new(false), Cell::new(false));
            let old = Lookup::elements(Checked::new(raw, 0, &old_flag))
                .into_iter()
                .find_map(|e| long(e.raw.as_str()));
            let new = Checked::new(raw, 0, &new_flag).find_element(|e| long(e.raw.as_str()));
            assert_eq!(new, old, "{text}");
            assert_eq!(new_flag.get(), old_flag.get(), "{text}: the same flag");

            let values = [Some(raw)];
            let top = Picked::Top {
                keys: &["t"],
                values: &values,
            };
            let picked = top.member("t").unwrap();
            let found = picked.find_element(|e| match e {
                Picked::Inner(v) => long(v.as_str()),
                Picked::Top { .. } => None,
            });
            assert_eq!(found, expected, "{text}: picked");
        }
    }

    #[test]
    fn skip_ws_passes_json_whitespace_only() {
        for (text, from, end) in [
            (&b" \t\r\n x"[..], 0, 5),
            (b"x", 0, 0),
            (b"  ", 0, 2),
            (b"", 0, 0),
            (b"a  b", 1, 3),
            // Other control bytes and non-ASCII spaces are not JSON whitespace.
            (b"\x0b x", 0, 0),
            (b"\x00", 0, 0),
            (b"\x0c", 0, 0),
            ("\u{a0}x".as_bytes(), 0, 0),
        ] {
            assert_eq!(skip_ws(text, from), end, "{text:?} from {from}");
        }
        // Every byte value, alone and before a letter.
        for c in 0..=255u8 {
            let json_ws = matches!(c, b' ' | b'\t' | b'\n' | b'\r');
            assert_eq!(skip_ws(&[c, b'x'], 0), usize::from(json_ws), "byte {c:#x}");
        }
    }

    #[test]
    fn walks_members_and_skips_nested_values() {
        let text = r#" {"a": {"x": [1, {"y": "}\"]"}]}, "b" : "two", "n": 12.5e1, "t": true, "z": null, "s": "null", "e": "a\u00e9\n", "b": "again"} "#;
        let v = Raw::parse(text).unwrap();
        let keys: Vec<_> = v.members().map(|(k, _)| k.into_owned()).collect();
        assert_eq!(keys, ["a", "b", "n", "t", "z", "s", "e", "b"]);
        assert_eq!(
            v.text_at(&["b"]).as_deref(),
            Some("again"),
            "the last duplicate wins"
        );
        assert_eq!(v.text_at(&["a", "x"]), None);
        assert_eq!(v.at(&["a", "x"]).unwrap().elements().unwrap().len(), 2);
        assert_eq!(v.text_at(&["n"]).as_deref(), Some("125.0"));
        assert_eq!(v.text_at(&["t"]).as_deref(), Some("true"));
        assert_eq!(v.text_at(&["z"]), None);
        assert_eq!(v.text_at(&["s"]), None);
        assert_eq!(v.text_at(&["e"]).as_deref(), Some("aé\n"));
        assert!(v.get("missing").is_none());
    }

    #[test]
    fn object_members_walk_a_record_once_and_check_what_follows() {
        let keys = |text: &str| {
            let mut m = Raw::object_members(text).unwrap();
            let keys: Vec<String> = m.by_ref().map(|(k, _)| k.into_owned()).collect();
            (keys, m.failed)
        };
        assert_eq!(
            keys(" {\"a\": [1, {\"b\": \"}\"}], \"c\": 2}\r\n"),
            (vec!["a".into(), "c".into()], false)
        );
        assert_eq!(keys("{}"), (vec![], false));
        assert!(keys("{\"a\": 1} {\"b\": 2}").1, "a second value after the object");
        assert!(keys("{\"a\": 1").1, "an object never closed");
        assert!(keys("{\"a\": \"x}").1, "a string never closed");
        assert!(Raw::object_members("[1]").is_none());
    }

    #[test]
    fn strings_end_at_their_closing_quote_whatever_their_length() {
        for len in 0..80usize {
            for escaped_at in [None, Some(0), Some(len / 2), Some(len.saturating_sub(1))] {
                let mut body: String = "x".repeat(len);
                if let Some(at) = escaped_at.filter(|&at| at < len) {
                    body.replace_range(at..=at, "\\\"");
                }
                let text = format!("\"{body}\",1");
                let end = skip_string(text.as_bytes(), 0).unwrap();
                assert_eq!(&text[end..], ",1", "{text}");
            }
            let open = format!("\"{}", "y".repeat(len));
            assert_eq!(skip_string(open.as_bytes(), 0), None, "{open}");
        }
    }

    #[test]
    fn checked_values_flag_what_a_full_parse_refuses_as_far_as_they_are_read() {
        /// What a case reads of its value.
        enum Read {
            Text(&'static str),
            Member(&'static str),
            Elements,
        }
        // (value, what is read, whether a full parse refuses what was read)
        let cases = [
            (r#"{"a": "x", "b": 1}"#, Read::Text("a"), false),
            (r#"{"a": "x\q"}"#, Read::Text("a"), true),
            ("{\"a\": \"x\u{1}\"}", Read::Text("a"), true),
            (r#"{"a": tru}"#, Read::Text("a"), true),
            (r#"{"a" "x"}"#, Read::Member("a"), true),
            (r#"{"a": [1,]}"#, Read::Text("a"), true),
            (r#"{"a": [1]}"#, Read::Text("a"), false),
            (r#"[1,}"#, Read::Member("a"), true),
            (r#"[1, {"b": 2}]"#, Read::Member("a"), false),
            (r#"[1, 2,]"#, Read::Elements, true),
            ("\"a\u{0}\"", Read::Elements, true),
            // Nothing reads `b`: it stays unchecked.
            (r#"{"a": "x", "b": 1e400}"#, Read::Text("a"), false),
        ];
        for (text, read, refused) in cases {
            let flag = Cell::new(false);
            let value = Checked::new(Raw::parse(text).unwrap(), 0, &flag);
            match read {
                Read::Text(key) => assert!(value.text_at(&[key]).is_none() || !refused),
                Read::Member(key) => assert!(value.member(key).is_none() || !refused),
                Read::Elements => assert!(value.elements().is_empty() || !refused),
            }
            assert_eq!(flag.get(), refused, "{text}");
        }
        let flag = Cell::new(false);
        let value = Checked::new(Raw::parse(r#"{"a": " x ", "n": 12}"#).unwrap(), 0, &flag);
        assert_eq!(value.text_at(&["a"]).as_deref(), Some(" x "));
        assert_eq!(value.text_at(&["n"]).as_deref(), Some("12"));
        assert!(!flag.get());
    }

    #[test]
    fn a_member_name_with_a_raw_control_character_fails_the_walk() {
        for text in [
            "{\"a\u{1}\": 1}",
            "{\"x\": 1, \"\u{0}b\": 2}",
            "{\"a\\\u{1f}\": 1}",
        ] {
            let mut members = Raw::parse(text).unwrap().members();
            members.by_ref().for_each(drop);
            assert!(members.failed, "{text:?}");
            assert!(serde_json::from_str::<Value>(text).is_err());
        }
        let mut members = Raw::parse(r#"{"a\u0001": 1, "b\t": 2}"#).unwrap().members();
        let keys: Vec<_> = members.by_ref().map(|(k, _)| k.into_owned()).collect();
        assert_eq!(
            (keys, members.failed),
            (vec!["a\u{1}".to_string(), "b\t".to_string()], false)
        );
    }

    #[test]
    fn pick_reads_as_get_does_in_one_walk() {
        let text = r#"{"a": 1, "b": {"c": 2}, "a": 3, "d": "x"}"#;
        let v = Raw::parse(text).unwrap();
        let keys = ["a", "d", "missing", "b"];
        let picked = v.pick(keys);
        assert_eq!(picked, keys.map(|k| v.get(k)));
        assert_eq!(picked[0].map(Raw::as_str), Some("3"), "the last duplicate wins");
        let parsed: Value = serde_json::from_str(text).unwrap();
        let full = Lookup::pick(&parsed, keys).map(|m| m.map(|v| v.to_string()));
        assert_eq!(full, picked.map(|m| m.map(|r| r.as_str().replace(": ", ":"))));
        let broken = Raw::parse(r#"{"a": 1 "d": 2}"#).unwrap();
        assert_eq!(
            broken.pick(["a", "d"]),
            [None, None],
            "a malformed object has no members"
        );
    }

    #[test]
    fn lenient_text_agrees_with_a_full_parse() {
        for value in [
            r#""x""#,
            r#""  ""#,
            "12",
            "-0.5",
            "1e3",
            "true",
            "null",
            "[1]",
            r#"{"a":1}"#,
            r#""None""#,
        ] {
            let parsed: Value = serde_json::from_str(value).unwrap();
            let full = crate::lenient::text(&parsed).map(|c| c.into_owned());
            let lazy = Raw::parse(value).unwrap().text().map(|c| c.into_owned());
            assert_eq!(lazy, full, "{value}");
        }
    }

    #[test]
    fn malformed_structure_on_the_path_is_detected() {
        assert!(Raw::parse(r#"{"a": 1"#).is_none());
        assert!(Raw::parse(r#"{"a": 1} x"#).is_none());
        assert!(Raw::parse(r#"{"a": "unterminated}"#).is_none());
        let v = Raw::parse(r#"{"a" 1}"#).unwrap();
        let mut m = v.members();
        assert!(m.next().is_none() && m.failed);
        assert!(v.get("a").is_none());
        assert!(Raw::parse("[1, 2,, 3]").unwrap().elements().is_none());
        assert_eq!(Raw::parse("[]").unwrap().elements().unwrap().len(), 0);
        assert_eq!(Raw::parse("null").unwrap().elements().unwrap().len(), 0);
    }
}
