//! A checker for the subset of JSON Schema that Flexera's OpenAPI documents use in their response bodies:
//! `$ref` to `#/components/schemas/*`, `type`, `required`, `properties`, `enum`, `pattern`, `minItems`,
//! `maxItems`, `minLength`, `maxLength`, `items` and `format: date-time`. Any other keyword in a schema it walks
//! is reported, so a document that grows beyond the subset fails loudly instead of passing unchecked.

use serde_json::Value;

/// Keywords that carry no constraint.
const ANNOTATIONS: [&str; 4] = ["description", "example", "examples", "default"];

/// One OpenAPI document from the crate's `openapi/` folder.
pub struct OpenApi {
    doc: Value,
}

impl OpenApi {
    /// Loads `openapi/{file}`.
    pub fn load(file: &str) -> Self {
        let path = format!("{}/openapi/{file}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        OpenApi {
            doc: serde_json::from_str(&text).unwrap(),
        }
    }

    /// The Import Jobs document.
    pub fn saas() -> Self {
        OpenApi::load("saas-v1-import.openapi.json")
    }

    /// The token service document.
    pub fn token_service() -> Self {
        OpenApi::load("token-service.openapi.json")
    }

    /// A component schema by name.
    pub fn component(&self, name: &str) -> &Value {
        self.doc
            .pointer(&format!("/components/schemas/{name}"))
            .unwrap_or_else(|| panic!("no component schema {name}"))
    }

    /// The schema an operation documents for a status and content type.
    pub fn response_schema(&self, path: &str, method: &str, status: u16, content_type: &str) -> &Value {
        let pointer = format!(
            "/paths/{}/{method}/responses/{status}/content/{}/schema",
            path.replace('~', "~0").replace('/', "~1"),
            content_type.replace('~', "~0").replace('/', "~1")
        );
        self.doc
            .pointer(&pointer)
            .unwrap_or_else(|| panic!("the spec documents no {pointer}"))
    }

    /// Checks `value` against `schema`; returns every violation.
    pub fn violations(&self, schema: &Value, value: &Value) -> Vec<String> {
        let mut out = Vec::new();
        self.walk(schema, value, "$", &mut out);
        out
    }

    /// Panics with the violations, if any.
    pub fn assert_valid(&self, schema: &Value, value: &Value) {
        let violations = self.violations(schema, value);
        assert!(
            violations.is_empty(),
            "{value:#}\ndoes not conform:\n{}",
            violations.join("\n")
        );
    }

    /// Checks against a named component schema.
    pub fn assert_component(&self, name: &str, value: &Value) {
        self.assert_valid(self.component(name), value);
    }

    fn walk(&self, schema: &Value, value: &Value, at: &str, out: &mut Vec<String>) {
        let Some(schema) = schema.as_object() else {
            out.push(format!("{at}: schema is not an object"));
            return;
        };
        if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
            let Some(name) = reference.strip_prefix("#/components/schemas/") else {
                out.push(format!("{at}: unsupported $ref {reference}"));
                return;
            };
            self.walk(self.component(name), value, at, out);
            return;
        }
        for (keyword, constraint) in schema {
            match keyword.as_str() {
                k if ANNOTATIONS.contains(&k) => {}
                "type" => {
                    let ok = match constraint {
                        Value::String(t) => has_type(value, t),
                        Value::Array(ts) => ts.iter().filter_map(Value::as_str).any(|t| has_type(value, t)),
                        _ => false,
                    };
                    if !ok {
                        out.push(format!("{at}: {value} is not of type {constraint}"));
                    }
                }
                "required" => {
                    if let Some(object) = value.as_object() {
                        for name in constraint
                            .as_array()
                            .into_iter()
                            .flatten()
                            .filter_map(Value::as_str)
                        {
                            if !object.contains_key(name) {
                                out.push(format!("{at}: required property `{name}` is missing"));
                            }
                        }
                    }
                }
                "properties" => {
                    if let (Some(object), Some(properties)) = (value.as_object(), constraint.as_object()) {
                        for (name, sub) in properties {
                            if let Some(v) = object.get(name) {
                                self.walk(sub, v, &format!("{at}.{name}"), out);
                            }
                        }
                    }
                }
                "items" => {
                    if let Some(items) = value.as_array() {
                        for (i, item) in items.iter().enumerate() {
                            self.walk(constraint, item, &format!("{at}[{i}]"), out);
                        }
                    }
                }
                "enum" => {
                    if !constraint
                        .as_array()
                        .is_some_and(|options| options.contains(value))
                    {
                        out.push(format!("{at}: {value} is not one of {constraint}"));
                    }
                }
                "pattern" => {
                    if let (Some(text), Some(pattern)) = (value.as_str(), constraint.as_str()) {
                        match Regex::parse(pattern) {
                            Ok(regex) if regex.is_match(text) => {}
                            Ok(_) => out.push(format!("{at}: \"{text}\" does not match {pattern}")),
                            Err(e) => out.push(format!("{at}: pattern {pattern}: {e}")),
                        }
                    }
                }
                "minItems" | "maxItems" => {
                    if let (Some(items), Some(bound)) = (value.as_array(), constraint.as_u64()) {
                        let len = items.len() as u64;
                        if (keyword == "minItems" && len < bound) || (keyword == "maxItems" && len > bound) {
                            out.push(format!("{at}: {len} items break {keyword} {bound}"));
                        }
                    }
                }
                "minLength" | "maxLength" => {
                    if let (Some(text), Some(bound)) = (value.as_str(), constraint.as_u64()) {
                        let len = text.chars().count() as u64;
                        if (keyword == "minLength" && len < bound) || (keyword == "maxLength" && len > bound)
                        {
                            out.push(format!("{at}: length {len} breaks {keyword} {bound}"));
                        }
                    }
                }
                "format" => match (constraint.as_str(), value.as_str()) {
                    (Some("date-time"), Some(text)) if !is_date_time(text) => {
                        out.push(format!("{at}: \"{text}\" is not an RFC 3339 date-time"));
                    }
                    // `uri` is used for `nextPage`, which the spec's own example gives as a relative URL.
                    (Some("date-time" | "uri"), _) => {}
                    (other, _) => out.push(format!("{at}: unsupported format {other:?}")),
                },
                other => out.push(format!("{at}: unsupported keyword `{other}`")),
            }
        }
    }
}

fn has_type(value: &Value, ty: &str) -> bool {
    match ty {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "boolean" => value.is_boolean(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "null" => value.is_null(),
        _ => false,
    }
}

/// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`.
fn is_date_time(text: &str) -> bool {
    let b = text.as_bytes();
    let digits = |r: std::ops::Range<usize>| b.get(r).is_some_and(|s| s.iter().all(u8::is_ascii_digit));
    if b.len() < 20 || !(digits(0..4) && digits(5..7) && digits(8..10) && digits(11..13) && digits(14..16)) {
        return false;
    }
    if b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':' || !digits(17..19) {
        return false;
    }
    let mut rest = &b[19..];
    if let Some(frac) = rest.strip_prefix(b".") {
        let n = frac.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return false;
        }
        rest = &frac[n..];
    }
    rest == b"Z" || (rest.len() == 6 && matches!(rest[0], b'+' | b'-') && rest[3] == b':')
}

/// The regular-expression subset of the documents' patterns: `^`, `$`, literals, `\` escapes, character classes
/// with ranges, and the quantifiers `?`, `*`, `+`, `{n}`, `{n,m}`. Groups are not supported (reported).
#[derive(Debug)]
pub struct Regex {
    anchored_start: bool,
    anchored_end: bool,
    atoms: Vec<(Atom, usize, usize)>,
}

#[derive(Debug)]
enum Atom {
    Literal(char),
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
    Any,
}

impl Atom {
    fn matches(&self, c: char) -> bool {
        match self {
            Atom::Literal(l) => *l == c,
            Atom::Any => true,
            Atom::Class { negated, ranges } => {
                ranges.iter().any(|(lo, hi)| (*lo..=*hi).contains(&c)) != *negated
            }
        }
    }
}

impl Regex {
    /// Parses a pattern of the supported subset.
    pub fn parse(pattern: &str) -> Result<Self, String> {
        let mut chars: Vec<char> = pattern.chars().collect();
        let anchored_start = chars.first() == Some(&'^');
        if anchored_start {
            chars.remove(0);
        }
        let anchored_end =
            chars.last() == Some(&'$') && !(chars.len() >= 2 && chars[chars.len() - 2] == '\\');
        if anchored_end {
            chars.pop();
        }
        let mut atoms = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            let atom = match chars[i] {
                '(' | ')' | '|' => {
                    return Err(format!("groups and alternation are not supported: {pattern}"));
                }
                '.' => Atom::Any,
                '\\' => {
                    i += 1;
                    match chars.get(i) {
                        Some('d') => Atom::Class {
                            negated: false,
                            ranges: vec![('0', '9')],
                        },
                        Some(&c) => Atom::Literal(c),
                        None => return Err("dangling escape".to_string()),
                    }
                }
                '[' => {
                    i += 1;
                    let negated = chars.get(i) == Some(&'^');
                    if negated {
                        i += 1;
                    }
                    let mut ranges = Vec::new();
                    while chars.get(i).is_some_and(|&c| c != ']') {
                        let lo = chars[i];
                        if chars.get(i + 1) == Some(&'-') && chars.get(i + 2).is_some_and(|&c| c != ']') {
                            ranges.push((lo, chars[i + 2]));
                            i += 3;
                        } else {
                            ranges.push((lo, lo));
                            i += 1;
                        }
                    }
                    if chars.get(i) != Some(&']') {
                        return Err("unterminated class".to_string());
                    }
                    Atom::Class { negated, ranges }
                }
                c => Atom::Literal(c),
            };
            i += 1;
            let (min, max) = match chars.get(i) {
                Some('?') => (0, 1),
                Some('*') => (0, usize::MAX),
                Some('+') => (1, usize::MAX),
                Some('{') => {
                    let close = chars[i..]
                        .iter()
                        .position(|&c| c == '}')
                        .ok_or("unterminated {")?
                        + i;
                    let inner: String = chars[i + 1..close].iter().collect();
                    let bounds = match inner.split_once(',') {
                        None => inner.parse().map(|n| (n, n)),
                        Some((lo, "")) => lo.parse().map(|n| (n, usize::MAX)),
                        Some((lo, hi)) => lo.parse().and_then(|lo| hi.parse().map(|hi| (lo, hi))),
                    };
                    i = close;
                    bounds.map_err(|e| format!("bad quantifier {{{inner}}}: {e}"))?
                }
                _ => {
                    atoms.push((atom, 1, 1));
                    continue;
                }
            };
            i += 1;
            atoms.push((atom, min, max));
        }
        Ok(Regex {
            anchored_start,
            anchored_end,
            atoms,
        })
    }

    /// Whether the pattern matches `text` (anywhere, unless anchored).
    pub fn is_match(&self, text: &str) -> bool {
        let chars: Vec<char> = text.chars().collect();
        let starts: Vec<usize> = if self.anchored_start {
            vec![0]
        } else {
            (0..=chars.len()).collect()
        };
        starts.into_iter().any(|s| self.match_from(&chars, s, 0))
    }

    fn match_from(&self, chars: &[char], pos: usize, atom: usize) -> bool {
        let Some((a, min, max)) = self.atoms.get(atom) else {
            return !self.anchored_end || pos == chars.len();
        };
        let mut count = 0;
        while count < *max && pos + count < chars.len() && a.matches(chars[pos + count]) {
            count += 1;
        }
        (*min..=count)
            .rev()
            .any(|n| self.match_from(chars, pos + n, atom + 1))
    }
}
