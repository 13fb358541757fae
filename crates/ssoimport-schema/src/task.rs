use std::fmt;
use std::str::FromStr;
use std::sync::{Arc, OnceLock};

use arrow_schema::Schema;

use crate::contract::Contract;

/// A Flexera Import Jobs task (`importSettings.taskName`) that ssoimport can produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Task {
    /// The applications the SSO provider fronts (documented by Flexera; full load only).
    ApplicationDiscovery,
    /// One row per (application, user) with first and last seen (field table inferred).
    SsoApplicationRoster,
    /// One row per sign-in of a user to an application (field table inferred).
    SsoApplicationUsage,
    /// The users of a directly managed application (partly documented).
    ApplicationRoster,
}

/// Load type of an import job (`importSettings.loadType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LoadType {
    /// The file is the complete current set; rows missing from it are deactivated.
    Full,
    /// The file holds only changes; each row is upserted.
    Incremental,
}

impl LoadType {
    /// The wire name: `full` or `incremental`.
    pub fn as_str(self) -> &'static str {
        match self {
            LoadType::Full => "full",
            LoadType::Incremental => "incremental",
        }
    }
}

impl fmt::Display for LoadType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A task name that is neither a Flexera task name nor one of the short names.
#[derive(Debug, Clone, thiserror::Error)]
#[error(
    "unknown task `{0}`: expected one of usage, roster, discovery, app-roster (or the Flexera task names)"
)]
pub struct UnknownTask(pub String);

impl Task {
    /// Every task, in the order they are written to a run's output directory.
    pub const ALL: [Task; 4] = [
        Task::SsoApplicationUsage,
        Task::SsoApplicationRoster,
        Task::ApplicationDiscovery,
        Task::ApplicationRoster,
    ];

    /// The Flexera task name, also the name of the task's folder in a run's output directory.
    pub fn name(self) -> &'static str {
        match self {
            Task::ApplicationDiscovery => "ApplicationDiscovery",
            Task::SsoApplicationRoster => "SsoApplicationRoster",
            Task::SsoApplicationUsage => "SsoApplicationUsage",
            Task::ApplicationRoster => "ApplicationRoster",
        }
    }

    /// The short name used on the command line (`--tasks usage,roster,discovery`).
    pub fn short_name(self) -> &'static str {
        match self {
            Task::ApplicationDiscovery => "discovery",
            Task::SsoApplicationRoster => "roster",
            Task::SsoApplicationUsage => "usage",
            Task::ApplicationRoster => "app-roster",
        }
    }

    /// The load type an import job of this task uses unless told otherwise.
    pub fn default_load_type(self) -> LoadType {
        match self {
            Task::SsoApplicationUsage => LoadType::Incremental,
            Task::ApplicationDiscovery | Task::SsoApplicationRoster | Task::ApplicationRoster => {
                LoadType::Full
            }
        }
    }

    /// The task's JSON Schema, exactly as it stands in `schemas/`.
    pub fn json_schema(self) -> &'static str {
        match self {
            Task::ApplicationDiscovery => include_str!("../../../schemas/ApplicationDiscovery.schema.json"),
            Task::SsoApplicationRoster => include_str!("../../../schemas/SsoApplicationRoster.schema.json"),
            Task::SsoApplicationUsage => include_str!("../../../schemas/SsoApplicationUsage.schema.json"),
            Task::ApplicationRoster => include_str!("../../../schemas/ApplicationRoster.schema.json"),
        }
    }

    /// The task's contract (fields, types, required set), parsed once from its JSON Schema.
    pub fn contract(self) -> &'static Contract {
        static CONTRACTS: OnceLock<Vec<Contract>> = OnceLock::new();
        let all = CONTRACTS.get_or_init(|| {
            Task::ALL
                .iter()
                .map(|t| {
                    Contract::parse(t.name(), t.json_schema())
                        .unwrap_or_else(|e| panic!("schemas/ ships a broken schema: {e}"))
                })
                .collect()
        });
        let index = Task::ALL.iter().position(|t| *t == self).unwrap_or_default();
        &all[index]
    }

    /// The Arrow schema of the task's rows, built from its JSON Schema: strings as `Utf8`, `date-time` strings as
    /// UTC millisecond timestamps, booleans as `Boolean`, string arrays as `List<Utf8>`, nested objects as structs.
    pub fn arrow_schema(self) -> Arc<Schema> {
        self.contract().arrow_schema()
    }
}

impl fmt::Display for Task {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Task {
    type Err = UnknownTask;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim();
        Task::ALL
            .into_iter()
            .find(|t| t.short_name().eq_ignore_ascii_case(wanted) || t.name().eq_ignore_ascii_case(wanted))
            .ok_or_else(|| UnknownTask(s.to_string()))
    }
}
