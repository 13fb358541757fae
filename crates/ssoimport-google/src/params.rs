//! Reading the parameters of a Reports API event: `[{"name": ..., <one value key>}]` where the value key is
//! `value`, `intValue` (int64 as a string in the API, a number in some exporters), `boolValue`, `multiValue`,
//! `multiIntValue`, `messageValue` (`{"parameter": [...]}`) or `multiMessageValue` (`[{"parameter": [...]}]`).

use std::borrow::Cow;

use ssoimport_source::scan::Lookup;

use crate::node::{Node, items};

/// The keys that may hold a parameter's value as text, scalars first.
const VALUE_KEYS: [&str; 5] = ["value", "intValue", "boolValue", "multiValue", "multiIntValue"];

/// The parameters of one event: its `parameters` member, parsed or lazily walked.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Parameters<V>(Option<V>);

impl<'a, V: Node<'a>> Parameters<V> {
    /// The parameters of `event` (`parameters` missing or null: none; one object instead of an array: that one).
    #[cfg(test)]
    pub(crate) fn of(event: V) -> Self {
        Parameters(event.member("parameters"))
    }

    /// The parameters held by an event's `parameters` member.
    pub(crate) fn new(parameters: Option<V>) -> Self {
        Parameters(parameters)
    }

    /// The parameters inside a `messageValue` or each element of a `multiMessageValue` named `name`.
    #[cfg(test)]
    pub(crate) fn messages(&self, name: &str) -> Vec<Parameters<V>> {
        let mut found = Vec::new();
        for p in self.named(name) {
            if let Some(m) = p.member("messageValue") {
                found.push(Parameters(m.member("parameter")));
            }
            for m in items(p.member("multiMessageValue")) {
                found.push(Parameters(m.member("parameter")));
            }
        }
        found
    }

    /// The text of the first parameter named `name` that has one: a scalar value as written, the elements of a
    /// multi-value joined with `,`. Message values are structures, not text.
    pub(crate) fn text(&self, name: &str) -> Option<Cow<'a, str>> {
        let [text] = self.texts([name]);
        text
    }

    /// [`Parameters::text`] of each of `names`, in one walk over the parameters.
    pub(crate) fn texts<const N: usize>(&self, names: [&str; N]) -> [Option<Cow<'a, str>>; N] {
        let mut found = [const { None }; N];
        for p in items(self.0) {
            let Some(name) = p.member("name").and_then(Node::str) else {
                continue;
            };
            for (slot, wanted) in found.iter_mut().zip(names) {
                if slot.is_none() && name == wanted {
                    *slot = text(p);
                }
            }
            if found.iter().all(Option::is_some) {
                break;
            }
        }
        found
    }

    #[cfg(test)]
    fn named<'n>(&self, name: &'n str) -> impl Iterator<Item = V> + use<'a, 'n, V> {
        items(self.0).filter(move |p| p.member("name").and_then(Node::str).as_deref() == Some(name))
    }
}

fn text<'a, V: Node<'a>>(parameter: V) -> Option<Cow<'a, str>> {
    let [value, int, boolean, multi, multi_int] = parameter.pick(VALUE_KEYS);
    if let Some(t) = [value, int, boolean].into_iter().flatten().find_map(Lookup::text) {
        return Some(t);
    }
    for values in [multi, multi_int] {
        let mut texts = items(values).filter_map(Lookup::text);
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
    use crate::fast::checked;
    use serde_json::{Value, json};

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

    #[test]
    fn a_lazy_walk_reads_what_a_parse_reads() {
        let event = r#"{"parameters": [
            {"name": "s", "value": "Sl\u00e4ck"}, {"name": "i", "intValue": "670"}, {"name": "n", "intValue": 6.7e2},
            {"name": "b", "boolValue": false}, {"name": "m", "multiValue": ["A", null, 2, "", "B"]},
            {"name": "mi", "multiIntValue": {"lone": "object"}}, {"name": "dup", "value": "null"},
            {"name": "dup", "value": "second", "value": "third"}, {"name": "both", "value": "", "multiValue": ["x"]},
            {"name": "msg", "messageValue": {"parameter": [{"name": "inner", "intValue": "7"}]}},
            {"name": "msg", "multiMessageValue": [{"parameter": {"name": "inner", "value": "8"}}, {}]},
            7, null, {"value": "no name"}, {"name": 5, "value": "x"}, {"name": "n\u0061me", "value": "esc"}
        ]}"#;
        let parsed: Value = serde_json::from_str(event).unwrap();
        let full = Parameters::of(&parsed);
        let mut ends = Vec::new();
        let doc = checked(event, &mut ends).unwrap();
        let lazy = Parameters::of(doc.root());
        for name in [
            "s", "i", "n", "b", "m", "mi", "dup", "both", "msg", "name", "x", "missing", "",
        ] {
            assert_eq!(lazy.text(name), full.text(name), "{name}");
        }
        assert_eq!(lazy.text("dup").as_deref(), Some("third"));
        let names = ["dup", "m", "missing", "s", "dup"];
        assert_eq!(lazy.texts(names), names.map(|n| full.text(n)));
        assert_eq!(full.texts(names), names.map(|n| full.text(n)));
        let (lazy, full) = (lazy.messages("msg"), full.messages("msg"));
        assert_eq!(lazy.len(), 3);
        assert_eq!(full.len(), 3);
        for (l, f) in lazy.iter().zip(&full) {
            assert_eq!(l.text("inner"), f.text("inner"));
        }
        for lone in [
            r#"{"parameters": {"name": "a", "value": "one"}}"#,
            r#"{"parameters": null}"#,
            "{}",
            "[]",
        ] {
            let parsed: Value = serde_json::from_str(lone).unwrap();
            let mut ends = Vec::new();
            let doc = checked(lone, &mut ends).unwrap();
            let lazy = Parameters::of(doc.root());
            assert_eq!(lazy.text("a"), Parameters::of(&parsed).text("a"), "{lone}");
        }
    }
}
