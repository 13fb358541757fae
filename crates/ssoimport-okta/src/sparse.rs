//! A sparse JSON parse: objects keep only the keys this reader looks at, everything else is skipped without
//! being built. A LogEvent is mostly client, request, debug and security context that no row needs; skipping it
//! makes parsing several times faster than building a full `Value`.
//!
//! The result is an ordinary [`Value`], so the mapping code reads it like any other; duplicate keys keep the last
//! value, as a full parse would.

use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

use crate::event::LOG_EVENT_MEMBERS;

/// Keys whose values are kept whole (all small) besides the LogEvent members the mapping reads: what tells
/// record kinds apart and what the other mappings read.
const KEEP: &[&str] = &[
    // users, apps, app users
    "id",
    "status",
    "created",
    "activated",
    "statusChanged",
    "lastUpdated",
    "lastLogin",
    "profile",
    "credentials",
    "label",
    "name",
    "signOnMode",
    "scope",
    "syncState",
    "_links",
    "_embedded",
    // API error bodies
    "errorCode",
    "errorSummary",
];

/// Keys that may hold whole LogEvents (envelopes): read sparsely in turn.
const NESTED: &[&str] = &["detail", "event", "data", "events"];

/// A JSON value read sparsely.
pub(crate) struct Sparse(pub(crate) Value);

impl<'de> serde::Deserialize<'de> for Sparse {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(SparseVisitor).map(Sparse)
    }
}

struct SparseVisitor;

/// What to do with an object member, decided from its key without allocating.
enum Member {
    Keep(&'static str),
    Nested(&'static str),
    Skip,
}

struct MemberSeed;

impl<'de> DeserializeSeed<'de> for MemberSeed {
    type Value = Member;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Member, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl Visitor<'_> for MemberSeed {
    type Value = Member;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_str<E: serde::de::Error>(self, key: &str) -> Result<Member, E> {
        if let Some(k) = LOG_EVENT_MEMBERS.iter().chain(KEEP).find(|k| **k == key) {
            Ok(Member::Keep(k))
        } else if let Some(k) = NESTED.iter().find(|k| **k == key) {
            Ok(Member::Nested(k))
        } else {
            Ok(Member::Skip)
        }
    }
}

impl<'de> Visitor<'de> for SparseVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let mut map = Map::new();
        while let Some(member) = access.next_key_seed(MemberSeed)? {
            match member {
                Member::Keep(key) => {
                    map.insert(key.to_string(), access.next_value::<Value>()?);
                }
                Member::Nested(key) => {
                    map.insert(key.to_string(), access.next_value::<Sparse>()?.0);
                }
                Member::Skip => {
                    access.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Value::Object(map))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(Sparse(item)) = access.next_element::<Sparse>()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_only_known_keys_and_reads_envelopes_sparsely() {
        let text = r#"{"uuid":"u","client":{"zone":"null"},"published":1,"published":2.5,
            "detail":{"eventType":"e","request":[1,2]},"data":{"events":[{"actor":{"x":[1]},"debugContext":{}}]},
            "target":null}"#;
        let Sparse(value) = serde_json::from_str(text).unwrap();
        assert_eq!(
            value.to_string(),
            r#"{"uuid":"u","published":2.5,"detail":{"eventType":"e"},"data":{"events":[{"actor":{"x":[1]}}]},"target":null}"#
        );
        let Sparse(value) = serde_json::from_str("[1,\"s\",null,true,-3]").unwrap();
        assert_eq!(value.to_string(), "[1,\"s\",null,true,-3]");
        assert!(serde_json::from_str::<Sparse>(r#"{"uuid":"u","client":{"a":}}"#).is_err());
    }
}
