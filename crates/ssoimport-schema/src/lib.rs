//! The import contract of ssoimport: the Flexera Import Jobs tasks, their Arrow schemas (built from the JSON
//! Schemas in `schemas/`, the single place a field changes), the intermediate schema every reader emits, the
//! normalized schema the later stages share, and the stable reject codes.
//!
//! No I/O happens here.
//!
//! ```
//! use ssoimport_schema::{LoadType, Task};
//!
//! let usage = Task::SsoApplicationUsage;
//! assert_eq!(usage.default_load_type(), LoadType::Incremental);
//! let schema = usage.arrow_schema();
//! assert!(schema.field_with_name("occurredAt").is_ok());
//! assert!(usage.contract().is_required("email"));
//! ```

mod contract;
pub mod intermediate;
pub mod normalized;
mod reject;
mod task;
pub mod text;
pub mod time;

pub use contract::{Contract, ContractField, FieldType, timestamp_type};
pub use reject::RejectCode;
pub use task::{LoadType, Task, UnknownTask};

/// Errors raised while reading the contract. They only occur if a file in `schemas/` is malformed, which the
/// test suite guards against.
#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    /// The JSON Schema of a task is not valid JSON.
    #[error("schema of {task} is not valid JSON: {source}")]
    Json {
        /// The task whose schema failed to parse.
        task: &'static str,
        /// The parser's error.
        source: serde_json::Error,
    },
    /// The JSON Schema uses a construct this crate does not map onto Arrow.
    #[error("schema of {task}, property {property}: {problem}")]
    Unsupported {
        /// The task whose schema is unsupported.
        task: &'static str,
        /// The offending property.
        property: String,
        /// What is wrong with it.
        problem: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_schema::DataType;

    #[test]
    fn every_task_schema_parses_and_names_its_task() {
        for task in Task::ALL {
            let contract = task.contract();
            assert_eq!(contract.task(), task.name());
            let parsed: serde_json::Value = serde_json::from_str(task.json_schema()).unwrap();
            assert_eq!(parsed["x-taskName"], task.name());
            assert_eq!(parsed["x-loadType"], task.default_load_type().as_str());
            assert!(contract.required().count() >= 2, "{task} has required fields");
        }
    }

    #[test]
    fn arrow_schemas_follow_the_json_schemas() {
        let usage = Task::SsoApplicationUsage.arrow_schema();
        let names: Vec<_> = usage.fields().iter().map(|f| f.name().as_str()).collect();
        assert_eq!(
            names,
            [
                "ssoAppName",
                "ssoAppId",
                "appInstanceId",
                "uniqueId",
                "email",
                "occurredAt",
                "eventId"
            ]
        );
        assert_eq!(
            usage.field_with_name("occurredAt").unwrap().data_type(),
            &timestamp_type()
        );
        assert!(!usage.field_with_name("email").unwrap().is_nullable());
        assert!(usage.field_with_name("eventId").unwrap().is_nullable());

        let discovery = Task::ApplicationDiscovery.arrow_schema();
        let DataType::Struct(children) = discovery.field_with_name("ssoAppAdditional").unwrap().data_type()
        else {
            panic!("ssoAppAdditional is a nested object");
        };
        assert_eq!(children[0].name(), "createdAt");
        let DataType::Struct(children) = discovery
            .field_with_name("appInstanceAdditional")
            .unwrap()
            .data_type()
        else {
            panic!("appInstanceAdditional is a nested object");
        };
        assert_eq!(children[0].data_type(), &DataType::Boolean);

        let roster = Task::ApplicationRoster.arrow_schema();
        assert!(matches!(
            roster.field_with_name("skus").unwrap().data_type(),
            DataType::List(_)
        ));
    }

    #[test]
    fn inferred_fields_are_marked_and_documented_ones_are_not() {
        assert!(
            Task::SsoApplicationUsage
                .contract()
                .fields()
                .iter()
                .all(|f| f.inferred)
        );
        assert!(
            Task::ApplicationDiscovery
                .contract()
                .fields()
                .iter()
                .all(|f| !f.inferred)
        );
    }

    #[test]
    fn task_names_parse_from_short_and_flexera_names() {
        assert_eq!("usage".parse::<Task>().unwrap(), Task::SsoApplicationUsage);
        assert_eq!(
            "SsoApplicationRoster".parse::<Task>().unwrap(),
            Task::SsoApplicationRoster
        );
        assert!("nope".parse::<Task>().is_err());
    }

    #[test]
    fn reject_codes_round_trip_and_are_snake_case() {
        for code in RejectCode::ALL {
            assert_eq!(RejectCode::from_name(code.as_str()), Some(code));
            assert!(
                code.as_str()
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            );
        }
    }

    #[test]
    fn intermediate_and_normalized_schemas_have_their_columns() {
        assert_eq!(intermediate::schema().fields().len(), intermediate::col::COUNT);
        assert_eq!(normalized::schema().fields().len(), normalized::col::COUNT);
        assert_eq!(
            normalized::schema().field(normalized::col::OCCURRED_AT).name(),
            "occurred_at"
        );
    }
}
