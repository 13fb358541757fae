use std::sync::{Arc, OnceLock};

use arrow_schema::{DataType, Field, Fields, Schema, TimeUnit};
use serde_json::Value;

use crate::SchemaError;

/// The value type of a field of the import contract.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldType {
    /// A JSON string.
    String,
    /// A JSON string holding an ISO-8601 UTC timestamp with milliseconds and `Z`.
    DateTime,
    /// A JSON boolean.
    Boolean,
    /// A JSON array of strings.
    StringArray,
    /// A nested JSON object (a dotted name in Flexera's tables, such as `ssoAppAdditional.createdAt`).
    Object(Vec<ContractField>),
}

/// One field of a task's rows.
#[derive(Debug, Clone, PartialEq)]
pub struct ContractField {
    /// The JSON property name.
    pub name: String,
    /// Its type.
    pub ty: FieldType,
    /// Whether every row must carry a non-null value.
    pub required: bool,
    /// Whether the field is inferred rather than documented by Flexera.
    pub inferred: bool,
}

/// A task's fields, parsed from its JSON Schema.
#[derive(Debug)]
pub struct Contract {
    task: &'static str,
    fields: Vec<ContractField>,
    arrow: OnceLock<Arc<Schema>>,
}

impl Contract {
    /// Parses a task's JSON Schema.
    pub fn parse(task: &'static str, json_schema: &str) -> Result<Self, SchemaError> {
        let root: Value =
            serde_json::from_str(json_schema).map_err(|source| SchemaError::Json { task, source })?;
        let fields = parse_object(task, &root)?;
        Ok(Contract {
            task,
            fields,
            arrow: OnceLock::new(),
        })
    }

    /// The task name the contract belongs to.
    pub fn task(&self) -> &'static str {
        self.task
    }

    /// The top-level fields, in the order rows are written.
    pub fn fields(&self) -> &[ContractField] {
        &self.fields
    }

    /// Whether a top-level field is required.
    pub fn is_required(&self, name: &str) -> bool {
        self.fields.iter().any(|f| f.name == name && f.required)
    }

    /// The names of the required top-level fields.
    pub fn required(&self) -> impl Iterator<Item = &str> {
        self.fields.iter().filter(|f| f.required).map(|f| f.name.as_str())
    }

    /// The Arrow schema of the task's rows.
    pub fn arrow_schema(&self) -> Arc<Schema> {
        self.arrow
            .get_or_init(|| {
                Arc::new(Schema::new(
                    self.fields.iter().map(arrow_field).collect::<Vec<_>>(),
                ))
            })
            .clone()
    }
}

/// The Arrow type of a timestamp in every ssoimport schema: milliseconds since the epoch, UTC.
pub fn timestamp_type() -> DataType {
    DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into()))
}

fn arrow_field(field: &ContractField) -> Field {
    let data_type = match &field.ty {
        FieldType::String => DataType::Utf8,
        FieldType::DateTime => timestamp_type(),
        FieldType::Boolean => DataType::Boolean,
        FieldType::StringArray => DataType::List(Arc::new(Field::new("item", DataType::Utf8, true))),
        FieldType::Object(children) => {
            DataType::Struct(Fields::from(children.iter().map(arrow_field).collect::<Vec<_>>()))
        }
    };
    Field::new(&field.name, data_type, !field.required)
}

fn parse_object(task: &'static str, node: &Value) -> Result<Vec<ContractField>, SchemaError> {
    let required: Vec<&str> = node
        .get("required")
        .and_then(Value::as_array)
        .map(|names| names.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let Some(properties) = node.get("properties").and_then(Value::as_object) else {
        return Ok(Vec::new());
    };
    properties
        .iter()
        .map(|(name, prop)| {
            let unsupported = |problem: &str| SchemaError::Unsupported {
                task,
                property: name.clone(),
                problem: problem.to_string(),
            };
            let ty = match primary_type(prop).ok_or_else(|| unsupported("no `type`"))? {
                "string" if prop.get("format").and_then(Value::as_str) == Some("date-time") => {
                    FieldType::DateTime
                }
                "string" => FieldType::String,
                "boolean" => FieldType::Boolean,
                "array" => match prop.pointer("/items/type").and_then(Value::as_str) {
                    Some("string") => FieldType::StringArray,
                    _ => return Err(unsupported("only arrays of strings are supported")),
                },
                "object" => FieldType::Object(parse_object(task, prop)?),
                other => return Err(unsupported(&format!("type `{other}` is not supported"))),
            };
            Ok(ContractField {
                name: name.clone(),
                ty,
                required: required.contains(&name.as_str()),
                inferred: prop.get("x-inferred").and_then(Value::as_bool).unwrap_or(false),
            })
        })
        .collect()
}

/// The non-null member of `"type": "string"` or `"type": ["string", "null"]`.
fn primary_type(prop: &Value) -> Option<&str> {
    match prop.get("type")? {
        Value::String(t) => Some(t),
        Value::Array(types) => types.iter().filter_map(Value::as_str).find(|t| *t != "null"),
        _ => None,
    }
}
