//! What a running job does with its rows: checks each one against the task's contract from
//! `ssoimport_schema` and sums the problems up into the job's `errors[]`.

use std::collections::BTreeMap;

use serde_json::{Map, Value};
use ssoimport_schema::{ContractField, FieldType, Task};

use ssoimport_schema::time::is_iso_millis;

use crate::upload::FileContent;

/// Most summaries a job reports; the rest are counted in one last summary.
const MAX_SUMMARIES: usize = 50;

/// One entry of a job's `errors[]` (the spec's `ErrorSummary`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorSummary {
    /// Stable snake_case code of the problem.
    pub error: String,
    /// What went wrong, how often and where first.
    pub summary: String,
    /// What to do about it.
    pub potential_resolution: String,
}

impl ErrorSummary {
    /// The JSON shape of the spec's `ErrorSummary`.
    pub fn to_json(&self) -> Value {
        serde_json::json!({
            "error": self.error,
            "summary": self.summary,
            "potentialResolution": self.potential_resolution,
        })
    }
}

/// The outcome of checking every row of a job.
#[derive(Debug, Clone, Default)]
pub struct JobCheck {
    /// Lines seen, parsed or not.
    pub total_rows: usize,
    /// Rows without any problem.
    pub valid_rows: usize,
    /// The aggregated problems.
    pub errors: Vec<ErrorSummary>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Problem {
    MalformedJson,
    NotAnObject,
    MissingRequired(String),
    WrongType(String, &'static str),
    InvalidDateTime(String),
    UnknownField(String),
}

#[derive(Debug)]
struct Tally {
    rows: usize,
    first_file: String,
    first_line: usize,
    first_detail: Option<String>,
}

/// Checks the files of a job of `task_name`. Tasks without a contract in `ssoimport_schema` only have their lines
/// checked for being JSON objects.
pub fn check_job<'a>(
    task_name: &str,
    files: impl IntoIterator<Item = (&'a str, &'a FileContent)>,
) -> JobCheck {
    let contract = Task::ALL
        .into_iter()
        .find(|t| t.name() == task_name)
        .map(|t| t.contract().fields());
    let mut tallies: BTreeMap<Problem, Tally> = BTreeMap::new();
    let mut check = JobCheck::default();
    for (file, content) in files {
        check.total_rows += content.rows.len() + content.malformed.len();
        for bad in &content.malformed {
            note(
                &mut tallies,
                Problem::MalformedJson,
                file,
                bad.line,
                Some(bad.message.clone()),
            );
        }
        for (line, row) in &content.rows {
            let mut problems = Vec::new();
            match row {
                Value::Object(object) => {
                    if let Some(fields) = contract {
                        check_object(object, fields, "", &mut problems);
                    }
                }
                _ => problems.push(Problem::NotAnObject),
            }
            if problems.is_empty() {
                check.valid_rows += 1;
            }
            problems.sort();
            problems.dedup();
            for problem in problems {
                note(&mut tallies, problem, file, *line, None);
            }
        }
    }
    let total = check.total_rows;
    let overflow = tallies.len().saturating_sub(MAX_SUMMARIES);
    check.errors = tallies
        .into_iter()
        .take(MAX_SUMMARIES)
        .map(|(p, t)| summarize(task_name, p, &t, total))
        .collect();
    if overflow > 0 {
        check.errors.push(ErrorSummary {
            error: "more_errors".to_string(),
            summary: format!("{overflow} further kinds of problems were found and are not listed"),
            potential_resolution: "Fix the problems listed above and import again to see the rest."
                .to_string(),
        });
    }
    check
}

fn note(
    tallies: &mut BTreeMap<Problem, Tally>,
    problem: Problem,
    file: &str,
    line: usize,
    detail: Option<String>,
) {
    tallies
        .entry(problem)
        .and_modify(|t| t.rows += 1)
        .or_insert_with(|| Tally {
            rows: 1,
            first_file: file.to_string(),
            first_line: line,
            first_detail: detail,
        });
}

fn check_object(object: &Map<String, Value>, fields: &[ContractField], prefix: &str, out: &mut Vec<Problem>) {
    for field in fields {
        let path = format!("{prefix}{}", field.name);
        match object.get(&field.name) {
            None | Some(Value::Null) => {
                if field.required {
                    out.push(Problem::MissingRequired(path));
                }
            }
            Some(value) => check_value(value, &field.ty, &path, out),
        }
    }
    for name in object.keys() {
        if !fields.iter().any(|f| &f.name == name) {
            out.push(Problem::UnknownField(format!("{prefix}{name}")));
        }
    }
}

fn check_value(value: &Value, ty: &FieldType, path: &str, out: &mut Vec<Problem>) {
    match (ty, value) {
        (FieldType::String, Value::String(_)) | (FieldType::Boolean, Value::Bool(_)) => {}
        (FieldType::DateTime, Value::String(text)) => {
            if !is_iso_millis(text) {
                out.push(Problem::InvalidDateTime(path.to_string()));
            }
        }
        (FieldType::StringArray, Value::Array(items)) => {
            if !items.iter().all(Value::is_string) {
                out.push(Problem::WrongType(path.to_string(), "an array of strings"));
            }
        }
        (FieldType::Object(children), Value::Object(object)) => {
            check_object(object, children, &format!("{path}."), out);
        }
        _ => out.push(Problem::WrongType(path.to_string(), type_name(ty))),
    }
}

fn type_name(ty: &FieldType) -> &'static str {
    match ty {
        FieldType::String => "a string",
        FieldType::DateTime => "a date-time string",
        FieldType::Boolean => "a boolean",
        FieldType::StringArray => "an array of strings",
        FieldType::Object(_) => "an object",
    }
}

fn summarize(task: &str, problem: Problem, tally: &Tally, total: usize) -> ErrorSummary {
    let rows = if tally.rows == 1 { "row" } else { "rows" };
    let place = format!("first at {} line {}", tally.first_file, tally.first_line);
    let (error, what, fix) = match problem {
        Problem::MalformedJson => (
            "malformed_json",
            format!(
                "{} of {total} lines are not valid JSON ({place}: {})",
                tally.rows,
                tally.first_detail.as_deref().unwrap_or("parse error")
            ),
            "Write one JSON object per line (JSON-L), UTF-8 encoded.".to_string(),
        ),
        Problem::NotAnObject => (
            "not_an_object",
            format!(
                "{} of {total} lines are JSON but not objects ({place})",
                tally.rows
            ),
            "Write one JSON object per line (JSON-L).".to_string(),
        ),
        Problem::MissingRequired(field) => (
            "missing_required_field",
            format!(
                "{} of {total} {rows} lack a non-null `{field}` ({place})",
                tally.rows
            ),
            format!("Send `{field}` on every {task} row."),
        ),
        Problem::WrongType(field, expected) => (
            "invalid_field_type",
            format!(
                "{} of {total} {rows} have a `{field}` that is not {expected} ({place})",
                tally.rows
            ),
            format!("Send `{field}` as {expected}."),
        ),
        Problem::InvalidDateTime(field) => (
            "invalid_date_time",
            format!(
                "{} of {total} {rows} have a `{field}` that is not an ISO-8601 UTC timestamp like \
                 2020-03-05T15:56:53.889Z ({place})",
                tally.rows
            ),
            format!("Send `{field}` as YYYY-MM-DDTHH:MM:SS.mmmZ in UTC."),
        ),
        Problem::UnknownField(field) => (
            "unknown_field",
            format!(
                "{} of {total} {rows} carry `{field}`, which {task} does not define ({place})",
                tally.rows
            ),
            format!("Remove `{field}`; {task} rows may carry only the fields of its payload table."),
        ),
    };
    ErrorSummary {
        error: error.to_string(),
        summary: what,
        potential_resolution: fix,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::upload::MalformedLine;
    use serde_json::json;

    fn content(rows: Vec<Value>) -> FileContent {
        FileContent {
            rows: rows.into_iter().enumerate().map(|(i, v)| (i + 1, v)).collect(),
            malformed: vec![],
        }
    }

    fn discovery_row() -> Value {
        json!({
            "ssoAppName": "Slack",
            "ssoAppDisplayName": "Slack",
            "ssoAppId": null,
            "appInstanceId": "abc123",
            "ssoAppAdditional": {"createdAt": "2020-03-05T15:56:53.889Z"},
            "appInstanceAdditional": {"hasGuestAccounts": false}
        })
    }

    #[test]
    fn valid_rows_pass() {
        let file = content(vec![
            discovery_row(),
            json!({"ssoAppName": "a", "ssoAppDisplayName": "b", "appInstanceId": "c"}),
        ]);
        let check = check_job("ApplicationDiscovery", [("a.jsonl.gz", &file)]);
        assert_eq!((check.total_rows, check.valid_rows), (2, 2));
        assert!(check.errors.is_empty(), "{:?}", check.errors);
    }

    #[test]
    fn problems_are_aggregated_per_kind_and_field() {
        let mut missing = discovery_row();
        missing.as_object_mut().unwrap().remove("appInstanceId");
        let mut null = discovery_row();
        null["appInstanceId"] = Value::Null;
        let mut nested = discovery_row();
        nested["ssoAppAdditional"]["createdAt"] = json!("2020-03-05");
        nested["appInstanceAdditional"]["extra"] = json!(1);
        let mut typed = discovery_row();
        typed["appInstanceAdditional"]["hasGuestAccounts"] = json!("no");
        let file = content(vec![missing, null, nested, typed, json!([1]), discovery_row()]);
        let mut with_bad = file.clone();
        with_bad.malformed.push(MalformedLine {
            line: 7,
            message: "EOF".into(),
        });
        let check = check_job("ApplicationDiscovery", [("f", &with_bad)]);
        assert_eq!((check.total_rows, check.valid_rows), (7, 1));
        let codes: Vec<_> = check.errors.iter().map(|e| e.error.as_str()).collect();
        assert_eq!(
            codes,
            [
                "malformed_json",
                "not_an_object",
                "missing_required_field",
                "invalid_field_type",
                "invalid_date_time",
                "unknown_field"
            ]
        );
        assert!(
            check.errors[2]
                .summary
                .starts_with("2 of 7 rows lack a non-null `appInstanceId`"),
            "{}",
            check.errors[2].summary
        );
        assert!(check.errors[2].summary.contains("first at f line 1"));
        assert!(
            check.errors[3]
                .summary
                .contains("appInstanceAdditional.hasGuestAccounts")
        );
        assert!(check.errors[5].summary.contains("appInstanceAdditional.extra"));
    }

    #[test]
    fn tasks_without_a_contract_only_need_objects() {
        let file = content(vec![json!({"anything": 1}), json!("x")]);
        let check = check_job("ApplicationConsumption", [("f", &file)]);
        assert_eq!(check.valid_rows, 1);
        assert_eq!(check.errors.len(), 1);
    }
}
