//! Reading the parameters of a Reports API event: `[{"name": ..., <one value key>}]` where the value key is
//! `value`, `intValue` (int64 as a string in the API, a number in some exporters), `boolValue`, `multiValue`,
//! `multiIntValue`, `messageValue` (`{"parameter": [...]}`) or `multiMessageValue` (`[{"parameter": [...]}]`).

use std::borrow::Cow;

use serde_json::Value;
use ssoimport_source::lenient;

/// The parameters of one event.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Parameters<'a>(&'a [Value]);

impl<'a> Parameters<'a> {
    /// The parameters of `event` (`parameters` missing or null: none; one object instead of an array: that one).
    pub(crate) fn of(event: &'a Value) -> Self {
        Parameters(lenient::elements(event.get("parameters")))
    }

    /// The parameters inside a `messageValue` or each element of a `multiMessageValue` named `name`.
    #[cfg(test)]
    pub(crate) fn messages(&self, name: &str) -> Vec<Parameters<'a>> {
        let mut found = Vec::new();
        for p in self.named(name) {
            if let Some(m) = p.get("messageValue") {
                found.push(Parameters(lenient::elements(m.get("parameter"))));
            }
            for m in lenient::elements(p.get("multiMessageValue")) {
                found.push(Parameters(lenient::elements(m.get("parameter"))));
            }
        }
        found
    }

    /// The text of the first parameter named `name` that has one: a scalar value as written, the elements of a
    /// multi-value joined with `,`. Message values are structures, not text.
    pub(crate) fn text(&self, name: &str) -> Option<Cow<'a, str>> {
        self.named(name).find_map(text)
    }

    fn named<'n>(&self, name: &'n str) -> impl Iterator<Item = &'a Value> + use<'a, 'n> {
        self.0
            .iter()
            .filter(move |p| p.get("name").and_then(Value::as_str) == Some(name))
    }
}

fn text(parameter: &Value) -> Option<Cow<'_, str>> {
    for key in ["value", "intValue", "boolValue"] {
        if let Some(t) = parameter.get(key).and_then(lenient::text) {
            return Some(t);
        }
    }
    for key in ["multiValue", "multiIntValue"] {
        let mut texts = lenient::elements(parameter.get(key))
            .iter()
            .filter_map(lenient::text);
        let Some(first) = texts.next() else { continue };
        return Some(match texts.next() {
            None => first,
            Some(second) => {
                let mut joined = format!("{first},{second}");
                for t in texts {
                    joined.push(',');
                    joined.push_str(&t);
                }
                Cow::Owned(joined)
            }
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_value_variant_is_read() {
        let event = json!({"parameters": [
            {"name": "s", "value": "Slack"},
            {"name": "i", "intValue": "670"},
            {"name": "n", "intValue": 670},
            {"name": "v", "value": 1223},
            {"name": "b", "boolValue": false},
            {"name": "bs", "boolValue": "true"},
            {"name": "m1", "multiValue": ["GMAIL"]},
            {"name": "m2", "multiValue": ["IDENTITY", "OTHER", null, "X"]},
            {"name": "mi", "multiIntValue": ["1", 2]},
            {"name": "empty", "multiValue": []},
            {"name": "dup", "value": ""},
            {"name": "dup", "value": "second"},
            {"multiMessageValue": [
                {"parameter": [{"name": "scope_name", "value": "a"}, {"multiValue": ["GMAIL"], "name": "product_bucket"}]},
                {"parameter": [{"name": "scope_name", "value": "b"}]}
            ], "name": "scope_data"},
            {"name": "msg", "messageValue": {"parameter": [{"name": "inner", "intValue": "7"}]}}
        ]});
        let p = Parameters::of(&event);
        let t = |name: &str| p.text(name).map(Cow::into_owned);
        assert_eq!(t("s").as_deref(), Some("Slack"));
        assert_eq!(t("i").as_deref(), Some("670"));
        assert_eq!(t("n").as_deref(), Some("670"));
        assert_eq!(t("v").as_deref(), Some("1223"));
        assert_eq!(t("b").as_deref(), Some("false"));
        assert_eq!(t("bs").as_deref(), Some("true"));
        assert_eq!(t("m1").as_deref(), Some("GMAIL"));
        assert_eq!(t("m2").as_deref(), Some("IDENTITY,OTHER,X"));
        assert_eq!(t("mi").as_deref(), Some("1,2"));
        assert_eq!(t("empty"), None);
        assert_eq!(
            t("dup").as_deref(),
            Some("second"),
            "the first parameter with a value"
        );
        assert_eq!(t("scope_data"), None, "a structure has no text");
        assert_eq!(t("missing"), None);
        let scopes = p.messages("scope_data");
        assert_eq!(scopes.len(), 2);
        assert_eq!(scopes[1].text("scope_name").as_deref(), Some("b"));
        assert_eq!(scopes[0].text("product_bucket").as_deref(), Some("GMAIL"));
        assert_eq!(p.messages("msg")[0].text("inner").as_deref(), Some("7"));
    }

    #[test]
    fn odd_parameter_containers_are_tolerated() {
        let none = json!({"name": "x"});
        assert_eq!(Parameters::of(&none).text("a"), None);
        let null = json!({"parameters": null});
        assert_eq!(Parameters::of(&null).text("a"), None);
        let lone = json!({"parameters": {"name": "a", "value": "one"}});
        assert_eq!(Parameters::of(&lone).text("a").as_deref(), Some("one"));
        let junk = json!({"parameters": [1, "s", null, {"value": "no name"}, {"name": 5, "value": "x"}]});
        assert_eq!(Parameters::of(&junk).text("a"), None);
    }
}
