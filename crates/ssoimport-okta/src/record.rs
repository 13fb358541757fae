//! One record to rows: finding the Okta objects in it (unwrapping envelopes) and telling their kinds apart.

use std::sync::Arc;

use serde_json::{Map, Value};
use ssoimport_schema::RejectCode;
use ssoimport_source::lenient::{excerpt, text_at};
use ssoimport_source::{RecordBuilder, RecordParser};

use crate::OktaOptions;
use crate::sparse::Sparse;
use crate::{event, fast, roster};

/// Characters of a record quoted in a reject's detail.
const EXCERPT_CHARS: usize = 80;

/// Parses the records of any Okta export.
pub(crate) struct OktaParser {
    options: Arc<OktaOptions>,
    /// Whether a bare LogEvent takes the fast path (see [`fast`]); off only in tests, to compare both paths.
    fast: bool,
}

impl OktaParser {
    pub(crate) fn new(options: Arc<OktaOptions>) -> Self {
        OktaParser { options, fast: true }
    }

    /// A parser that parses every record whole.
    #[cfg(test)]
    pub(crate) fn full_parse_only(options: Arc<OktaOptions>) -> Self {
        OktaParser { options, fast: false }
    }

    /// Reads one JSON value of `record` (read sparsely: objects hold only the keys this reader uses), which may
    /// hold several Okta objects (an array, an envelope); returns how many outcomes (rows, rejects, filtered
    /// objects) it gave.
    fn value(&self, value: &Value, record: &str, out: &mut RecordBuilder) -> usize {
        match value {
            Value::Array(items) => items.iter().map(|item| self.value(item, record, out)).sum(),
            Value::Object(map) => self.object(value, map, record, out),
            other => {
                let what = match other {
                    Value::Null => "null",
                    Value::Bool(_) => "a boolean",
                    Value::Number(_) => "a number",
                    _ => "a string",
                };
                out.reject(
                    RejectCode::ParseError,
                    &format!(
                        "{what} where an Okta record was expected: {}",
                        excerpt(&other.to_string(), EXCERPT_CHARS)
                    ),
                );
                1
            }
        }
    }

    fn object(
        &self,
        value: &Value,
        map: &Map<String, Value>,
        record: &str,
        out: &mut RecordBuilder,
    ) -> usize {
        // An event-hook delivery that reached the parser whole (an NDJSON line, an element of an array).
        if let Some(events) = map.get("data").and_then(|d| d.get("events")) {
            return match events {
                Value::Array(items) => items.iter().map(|item| self.value(item, record, out)).sum(),
                Value::Null => 0,
                other => self.value(other, record, out),
            };
        }
        let is_event =
            map.contains_key("eventType") || (map.contains_key("uuid") && map.contains_key("published"));
        if is_event {
            event::log_event(value, &self.options).write(out);
            return 1;
        }
        // EventBridge (`detail`) and Splunk HEC (`event`) wrap one LogEvent.
        for key in ["detail", "event"] {
            if let Some(inner @ Value::Object(_)) = map.get(key) {
                return self.value(inner, record, out);
            }
        }
        if map.contains_key("signOnMode") || map.contains_key("label") {
            return roster::app(value, out);
        }
        let app_user = map.contains_key("scope")
            || map.contains_key("syncState")
            || text_at(value, &["credentials", "userName"]).is_some();
        if app_user {
            roster::app_user(value, None, out);
            return 1;
        }
        if let Some(profile @ Value::Object(_)) = map.get("profile")
            && (profile.get("login").is_some() || profile.get("email").is_some())
        {
            roster::user(value, profile, out);
            return 1;
        }
        if let Some(code) = text_at(value, &["errorCode"]) {
            let summary = text_at(value, &["errorSummary"]).unwrap_or_default();
            out.reject(
                RejectCode::ParseError,
                &format!("an Okta API error response, not export data: {code} {summary}"),
            );
            return 1;
        }
        out.reject(
            RejectCode::ParseError,
            &format!(
                "not an Okta LogEvent, user, app or app user: {}",
                excerpt(record, EXCERPT_CHARS)
            ),
        );
        1
    }
}

impl RecordParser for OktaParser {
    fn parse(&self, record: &str, out: &mut RecordBuilder) {
        // A record is usually one value; a line may hold several concatenated ones (Firehose writes EventBridge
        // envelopes with no separator).
        let record = record.trim();
        if self.fast && fast::log_event(record, &self.options, out) {
            return;
        }
        let mut outcomes = 0;
        for value in serde_json::Deserializer::from_str(record).into_iter::<Sparse>() {
            match value {
                Ok(Sparse(value)) => outcomes += self.value(&value, record, out),
                Err(e) => {
                    out.reject(
                        RejectCode::ParseError,
                        &format!("not valid JSON ({e}): {}", excerpt(record, EXCERPT_CHARS)),
                    );
                    return;
                }
            }
        }
        if outcomes == 0 {
            // An empty page or an event-hook delivery with no events: read, and nothing in it.
            out.filter();
        }
    }
}
