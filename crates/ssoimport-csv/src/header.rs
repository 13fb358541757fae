//! Finding the columns of an export by header name.

use std::fmt;
use std::str::FromStr;

/// A value the CSV reader looks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// The user's email or login.
    Email,
    /// The source's stable user id (used as `uniqueId` with `--unique-id source-id`).
    UniqueId,
    /// First name.
    FirstName,
    /// Last name.
    LastName,
    /// Display name (split into first and last name when those are missing).
    DisplayName,
    /// Application name.
    AppName,
    /// Application id.
    AppId,
    /// When the sign-in (or last login) happened.
    OccurredAt,
    /// The event's id.
    EventId,
}

impl Field {
    /// Every field, in the order columns are resolved: a column taken by an earlier field is not offered to a
    /// later one through synonyms.
    pub const ALL: [Field; 9] = [
        Field::Email,
        Field::AppName,
        Field::OccurredAt,
        Field::EventId,
        Field::UniqueId,
        Field::AppId,
        Field::FirstName,
        Field::LastName,
        Field::DisplayName,
    ];

    /// The name used in `--map <field>=<header>`.
    pub fn name(self) -> &'static str {
        match self {
            Field::Email => "email",
            Field::UniqueId => "uniqueId",
            Field::FirstName => "firstName",
            Field::LastName => "lastName",
            Field::DisplayName => "displayName",
            Field::AppName => "appName",
            Field::AppId => "appId",
            Field::OccurredAt => "occurredAt",
            Field::EventId => "eventId",
        }
    }

    /// Normalised header names that mean this field, best first.
    fn synonyms(self) -> &'static [&'static str] {
        match self {
            Field::Email => &[
                "email",
                "emailaddress",
                "useremail",
                "useremailaddress",
                "mail",
                "upn",
                "userprincipalname",
                "username",
                "login",
                "loginname",
                "userlogin",
                "signinname",
                "actoremail",
                "account",
                "user",
            ],
            Field::AppName => &[
                "application",
                "applicationname",
                "app",
                "appname",
                "appdisplayname",
                "applicationdisplayname",
                "instancename",
                "ssoappname",
                "service",
                "servicename",
            ],
            Field::OccurredAt => &[
                "logindateiso8601",
                "dateutc",
                "date",
                "datetime",
                "timestamp",
                "timestamputc",
                "time",
                "eventtime",
                "occurredat",
                "createddatetime",
                "createddatetimeutc",
                "signindate",
                "signintime",
                "logindate",
                "logintime",
                "lastlogin",
                "lastlogindate",
                "lastlogintime",
                "lastsignin",
                "lastused",
                "lastuseddate",
                "lastactivity",
                "timegenerated",
                "timegeneratedutc",
                "published",
            ],
            Field::EventId => &["eventid", "requestid", "uuid", "signinid", "eventuuid"],
            Field::UniqueId => &[
                "userid",
                "uniqueid",
                "objectid",
                "userobjectid",
                "actorid",
                "accountid",
                "personid",
                "profileid",
            ],
            Field::AppId => &[
                "appid",
                "applicationid",
                "appinstanceid",
                "clientid",
                "ssoappid",
                "instanceid",
            ],
            Field::FirstName => &["firstname", "givenname", "first", "forename"],
            Field::LastName => &["lastname", "surname", "familyname", "last"],
            Field::DisplayName => &[
                "displayname",
                "name",
                "fullname",
                "person",
                "userdisplayname",
                "user",
            ],
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Field {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Field::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                let names: Vec<_> = Field::ALL.iter().map(|f| f.name()).collect();
                format!("unknown field `{s}`: expected one of {}", names.join(", "))
            })
    }
}

/// A header name reduced to lower-case letters and digits: `" Date (UTC) "` → `dateutc`.
pub fn normalize_header(header: &str) -> String {
    header
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Which column holds each field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ColumnMap {
    columns: [Option<usize>; 9],
}

impl ColumnMap {
    /// The column of a field, if the export has one.
    pub fn get(&self, field: Field) -> Option<usize> {
        self.columns[field as usize]
    }

    /// Resolves the fields against a header. Explicit mappings must name an existing header; the export must
    /// have columns for the email, the app and the time.
    pub fn resolve(headers: &[String], explicit: &[(Field, String)]) -> Result<ColumnMap, String> {
        let normalized: Vec<String> = headers.iter().map(|h| normalize_header(h)).collect();
        let mut map = ColumnMap::default();
        let mut taken = vec![false; headers.len()];
        for (field, header) in explicit {
            let wanted = normalize_header(header);
            let column = normalized.iter().position(|h| *h == wanted).ok_or_else(|| {
                format!(
                    "--map {}={header}: no column is named `{header}`; the header is: {}",
                    field,
                    headers.join(", ")
                )
            })?;
            map.columns[*field as usize] = Some(column);
            taken[column] = true;
        }
        for field in Field::ALL {
            if map.get(field).is_some() {
                continue;
            }
            // Duplicated headers are real (Entra portal downloads): the first column of a name wins.
            let found = field.synonyms().iter().find_map(|syn| {
                normalized
                    .iter()
                    .enumerate()
                    .position(|(i, h)| h == syn && !taken[i])
            });
            if let Some(column) = found {
                map.columns[field as usize] = Some(column);
                taken[column] = true;
            }
        }
        let missing: Vec<_> = [Field::Email, Field::AppName, Field::OccurredAt]
            .into_iter()
            .filter(|&f| map.get(f).is_none() && !(f == Field::AppName && map.get(Field::AppId).is_some()))
            .map(|f| f.name())
            .collect();
        if !missing.is_empty() {
            return Err(format!(
                "no column found for {}; the header is: {}. Name the columns with --map <field>=<header>",
                missing.join(", "),
                headers.join(", ")
            ));
        }
        Ok(map)
    }
}
