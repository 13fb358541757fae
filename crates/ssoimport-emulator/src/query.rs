//! The list endpoints' query language: `filter` expressions, `orderBy` and opaque `skipToken`s.

use std::cmp::Ordering;

use crate::codec::{base64, base64_decode};
use crate::state::{ImportJob, SaasData};
use crate::time::parse_rfc3339;

/// A timestamp attribute of an import job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JobTime {
    Created,
    Started,
    /// `finishedAt`; the spec's prose names `completedAt` and `failedAt`, accepted as aliases.
    Finished,
}

impl JobTime {
    fn parse(name: &str) -> Option<Self> {
        match name {
            "createdAt" => Some(JobTime::Created),
            "startedAt" => Some(JobTime::Started),
            "finishedAt" | "completedAt" | "failedAt" => Some(JobTime::Finished),
            _ => None,
        }
    }

    fn of(self, job: &ImportJob) -> Option<i64> {
        match self {
            JobTime::Created => Some(job.created_at),
            JobTime::Started => job.started_at,
            JobTime::Finished => job.finished_at,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cmp {
    Gt,
    Ge,
    Lt,
    Le,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Term {
    SourceHref(String),
    Status(String),
    Time(JobTime, Cmp, i64),
}

/// A parsed `filter`: terms that must all hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct JobFilter {
    terms: Vec<Term>,
}

#[derive(Debug, PartialEq, Eq)]
enum Token {
    Word(String),
    Quoted(String),
}

fn tokenize(text: &str) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == '\'' {
            chars.next();
            let mut value = String::new();
            loop {
                match chars.next() {
                    Some('\'') if chars.peek() == Some(&'\'') => {
                        chars.next();
                        value.push('\'');
                    }
                    Some('\'') => break,
                    Some(other) => value.push(other),
                    None => return Err("unterminated quoted value".to_string()),
                }
            }
            tokens.push(Token::Quoted(value));
        } else {
            let mut word = String::new();
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() || c == '\'' {
                    break;
                }
                word.push(c);
                chars.next();
            }
            tokens.push(Token::Word(word));
        }
    }
    Ok(tokens)
}

impl JobFilter {
    /// Parses `attr op 'value' [and attr op 'value' ...]`.
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        let tokens = tokenize(text)?;
        let mut terms = Vec::new();
        let mut rest = tokens.as_slice();
        while !rest.is_empty() {
            let [
                Token::Word(attr),
                Token::Word(op),
                Token::Quoted(value),
                tail @ ..,
            ] = rest
            else {
                return Err("expected a term such as `status eq 'completed'`".to_string());
            };
            let term = match (attr.as_str(), op.as_str()) {
                ("sourceHref", "eq") => Term::SourceHref(value.clone()),
                ("status", "eq") => Term::Status(value.clone()),
                ("sourceHref" | "status", other) => {
                    return Err(format!("`{attr}` supports only `eq`, not `{other}`"));
                }
                (name, op) => {
                    let field = JobTime::parse(name).ok_or_else(|| {
                        format!(
                            "unknown filter attribute `{name}`: expected sourceHref, status, createdAt, startedAt, \
                             finishedAt, completedAt or failedAt"
                        )
                    })?;
                    let cmp = match op {
                        "gt" => Cmp::Gt,
                        "ge" => Cmp::Ge,
                        "lt" => Cmp::Lt,
                        "le" => Cmp::Le,
                        other => return Err(format!("`{name}` supports gt, ge, lt and le, not `{other}`")),
                    };
                    let at = parse_rfc3339(value)
                        .ok_or_else(|| format!("`{value}` is not an RFC 3339 timestamp"))?;
                    Term::Time(field, cmp, at)
                }
            };
            terms.push(term);
            rest = match tail {
                [] => tail,
                [Token::Word(and), more @ ..] if and.eq_ignore_ascii_case("and") && !more.is_empty() => more,
                _ => return Err("terms must be joined by `and`".to_string()),
            };
        }
        Ok(JobFilter { terms })
    }

    /// Whether `job` satisfies every term.
    pub(crate) fn matches(&self, job: &ImportJob) -> bool {
        self.terms.iter().all(|term| match term {
            Term::SourceHref(href) => job.source_href == *href,
            Term::Status(status) => job.status.as_str() == status,
            Term::Time(field, cmp, at) => field.of(job).is_some_and(|value| match cmp {
                Cmp::Gt => value > *at,
                Cmp::Ge => value >= *at,
                Cmp::Lt => value < *at,
                Cmp::Le => value <= *at,
            }),
        })
    }
}

fn split_order(text: &str) -> Option<(&str, bool)> {
    let mut words = text.split_whitespace();
    let field = words.next()?;
    let desc = match words.next() {
        None => false,
        Some(dir) if dir.eq_ignore_ascii_case("asc") => false,
        Some(dir) if dir.eq_ignore_ascii_case("desc") => true,
        Some(_) => return None,
    };
    words.next().is_none().then_some((field, desc))
}

/// The default `orderBy` of import jobs, as the spec states it.
pub(crate) const DEFAULT_JOB_ORDER: &str = "completedAt desc";
/// The default `orderBy` of SaaS data (the spec's stated default, `completedAt desc`, is a copy-paste slip).
pub(crate) const DEFAULT_SAAS_ORDER: &str = "createdAt desc";

/// An `orderBy` over import jobs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct JobOrder {
    field: JobTime,
    desc: bool,
}

impl JobOrder {
    /// Parses `field [asc|desc]` with field one of createdAt, startedAt, finishedAt, completedAt, failedAt.
    pub(crate) fn parse(text: &str) -> Option<Self> {
        let (field, desc) = split_order(text)?;
        Some(JobOrder {
            field: JobTime::parse(field)?,
            desc,
        })
    }

    /// Compares two jobs; a missing timestamp sorts after every present one (it has not happened yet), and ties
    /// go by creation order in the same direction.
    pub(crate) fn compare(&self, a: &ImportJob, b: &ImportJob) -> Ordering {
        let key = |job: &ImportJob| (self.field.of(job).unwrap_or(i64::MAX), job.seq);
        let ordering = key(a).cmp(&key(b));
        if self.desc { ordering.reverse() } else { ordering }
    }
}

/// An `orderBy` over SaaS data objects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SaasOrder {
    modified: bool,
    desc: bool,
}

impl SaasOrder {
    /// Parses `createdAt|modifiedAt [asc|desc]`.
    pub(crate) fn parse(text: &str) -> Option<Self> {
        let (field, desc) = split_order(text)?;
        let modified = match field {
            "createdAt" => false,
            "modifiedAt" => true,
            _ => return None,
        };
        Some(SaasOrder { modified, desc })
    }

    /// Compares two objects, ties by creation order in the same direction.
    pub(crate) fn compare(&self, a: &SaasData, b: &SaasData) -> Ordering {
        let key = |d: &SaasData| {
            (
                if self.modified {
                    d.modified_at
                } else {
                    d.created_at
                },
                d.seq,
            )
        };
        let ordering = key(a).cmp(&key(b));
        if self.desc { ordering.reverse() } else { ordering }
    }
}

/// What a `skipToken` carries: where the next page starts and the query it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PageToken {
    pub offset: usize,
    pub order_by: String,
    pub filter: String,
}

impl PageToken {
    /// The opaque base64 form.
    pub(crate) fn encode(&self) -> String {
        base64(format!("{}|{}|{}", self.offset, self.order_by, self.filter).as_bytes())
    }

    /// Reads a token made by [`PageToken::encode`].
    pub(crate) fn decode(token: &str) -> Option<Self> {
        let text = String::from_utf8(base64_decode(token)?).ok()?;
        let mut parts = text.splitn(3, '|');
        let offset = parts.next()?.parse().ok()?;
        let order_by = parts.next()?.to_string();
        let filter = parts.next()?.to_string();
        Some(PageToken {
            offset,
            order_by,
            filter,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_parse_terms_joined_by_and() {
        let filter = JobFilter::parse(
            "sourceHref eq 'saas/v1/orgs/1/managed-apps/5678' and status eq 'completed' and \
             createdAt ge '2018-05-16T16:31:52.1000Z' and completedAt lt '2030-01-01T00:00:00Z'",
        )
        .unwrap();
        assert_eq!(filter.terms.len(), 4);
        assert_eq!(
            filter.terms[3],
            Term::Time(JobTime::Finished, Cmp::Lt, 1_893_456_000_000)
        );
        assert_eq!(JobFilter::parse("").unwrap(), JobFilter::default());
        assert_eq!(
            JobFilter::parse("status eq 'it''s'").unwrap().terms,
            [Term::Status("it's".into())]
        );
    }

    #[test]
    fn bad_filters_are_rejected() {
        for bad in [
            "status",
            "status eq completed",
            "status gt 'x'",
            "createdAt eq '2020-01-01T00:00:00Z'",
            "createdAt gt 'yesterday'",
            "name eq 'x'",
            "status eq 'a' or status eq 'b'",
            "status eq 'a' and",
            "status eq 'open",
        ] {
            assert!(JobFilter::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn order_by_accepts_the_listed_fields_only() {
        assert!(JobOrder::parse("completedAt desc").is_some());
        assert!(JobOrder::parse("createdAt").is_some());
        assert!(JobOrder::parse("startedAt ASC").is_some());
        assert!(JobOrder::parse("status desc").is_none());
        assert!(JobOrder::parse("createdAt sideways").is_none());
        assert!(JobOrder::parse("createdAt desc extra").is_none());
        assert!(SaasOrder::parse("modifiedAt desc").is_some());
        assert!(SaasOrder::parse("completedAt desc").is_none());
    }

    #[test]
    fn page_tokens_round_trip() {
        let token = PageToken {
            offset: 50,
            order_by: "createdAt asc".into(),
            filter: "status eq 'a|b'".into(),
        };
        assert_eq!(PageToken::decode(&token.encode()), Some(token));
        assert_eq!(PageToken::decode("!!!"), None);
        assert_eq!(PageToken::decode(&base64(b"x|y|z")), None);
    }
}
