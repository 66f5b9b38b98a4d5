//! Who is reading, and what: the viewer's rights applied to every read of records and
//! screenshots.

use serde::{Deserialize, Serialize};

use crate::clock::Timestamp;
use crate::storage::records::{Filter, Screenshot};

/// Who reads. The embedding product says who its user is; the library applies the rights.
///
/// Serialised as `{"role": "employee", "id": "ana"}`, `{"role": "manager", "id": "bo",
/// "team": ["ana", "cy"]}` or `{"role": "admin"}`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "role", rename_all = "snake_case")]
pub enum Viewer {
    /// An employee: sees only their own records and screenshots.
    Employee {
        /// The employee's id, as set in the work context.
        id: String,
    },
    /// A manager: sees their own and their team's.
    Manager {
        /// The manager's own employee id.
        id: String,
        /// The employees of the team.
        team: Vec<String>,
    },
    /// The embedding product itself (a sync job, an administrator): sees everything on this
    /// machine, including records tracked without an employee.
    Admin,
}

impl Viewer {
    /// An employee viewer.
    pub fn employee(id: impl Into<String>) -> Viewer {
        Viewer::Employee { id: id.into() }
    }

    /// The employees this viewer may see (`None`: all). An empty id names nobody (records
    /// tracked without an employee are stored with an empty one: only `Admin` sees those).
    pub(crate) fn allowed(&self) -> Option<Vec<String>> {
        let mut all = match self {
            Viewer::Employee { id } => vec![id.clone()],
            Viewer::Manager { id, team } => {
                let mut all = team.clone();
                all.push(id.clone());
                all
            }
            Viewer::Admin => return None,
        };
        all.retain(|e| !e.is_empty());
        Some(all)
    }

    /// Refuses a viewer with an empty id (an employee's, a manager's or a team member's): a
    /// product that maps "nobody logged in" to `""` must not be handed what was tracked for
    /// nobody.
    pub fn check(&self) -> Result<(), crate::Error> {
        let empty = match self {
            Viewer::Employee { id } => id.trim().is_empty(),
            Viewer::Manager { id, team } => {
                id.trim().is_empty() || team.iter().any(|e| e.trim().is_empty())
            }
            Viewer::Admin => false,
        };
        if empty {
            return Err(crate::error::RuntimeError::InvalidArgument(
                "a viewer's employee ids must not be empty (records tracked without an \
                 employee are only for Viewer::Admin)"
                    .into(),
            )
            .into());
        }
        Ok(())
    }

    /// A viewer from its JSON form (`{"role": "employee", "id": "ana"}`, …), checked. The
    /// bindings' one way in: there is no default viewer (a missing one is an error, never
    /// `Admin`).
    pub fn from_json(json: Option<&str>) -> Result<Viewer, crate::Error> {
        let json = json.ok_or_else(|| {
            crate::error::RuntimeError::InvalidArgument(
                "a viewer is required: {\"role\": \"employee\", \"id\": …}, \
                 {\"role\": \"manager\", …} or {\"role\": \"admin\"}"
                    .into(),
            )
        })?;
        let viewer: Viewer = serde_json::from_str(json)
            .map_err(|e| crate::error::RuntimeError::InvalidArgument(format!("viewer: {e}")))?;
        viewer.check()?;
        Ok(viewer)
    }

    /// Whether this viewer may see what was tracked for `employee`.
    pub fn may_see(&self, employee: Option<&str>) -> bool {
        match self.allowed() {
            None => true,
            Some(list) => employee.is_some_and(|e| list.iter().any(|x| x == e)),
        }
    }
}

/// What to read: a half-open time range and a context filter. Every field is optional.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Query {
    /// From this instant on (inclusive).
    pub from: Option<Timestamp>,
    /// Before this instant.
    pub to: Option<Timestamp>,
    /// Only this employee (within what the viewer may see).
    pub employee: Option<String>,
    /// Only this project.
    pub project: Option<String>,
}

impl Query {
    /// Everything in `[from, to)`.
    pub fn range(from: Timestamp, to: Timestamp) -> Query {
        Query {
            from: Some(from),
            to: Some(to),
            ..Query::default()
        }
    }

    /// The record store's filter for this viewer: the employee filter intersected with what the
    /// viewer may see. A viewer or an employee filter with an empty id is refused.
    pub(crate) fn checked_filter(&self, viewer: &Viewer) -> Result<Filter, crate::Error> {
        viewer.check()?;
        if self
            .employee
            .as_deref()
            .is_some_and(|e| e.trim().is_empty())
        {
            return Err(crate::error::RuntimeError::InvalidArgument(
                "query: employee must not be empty (leave it out for everyone the viewer may see)"
                    .into(),
            )
            .into());
        }
        Ok(self.filter(viewer))
    }

    pub(crate) fn filter(&self, viewer: &Viewer) -> Filter {
        let employees = match (viewer.allowed(), &self.employee) {
            (None, None) => None,
            (None, Some(e)) => Some(vec![e.clone()]),
            (Some(list), None) => Some(list),
            (Some(list), Some(e)) => Some(list.into_iter().filter(|x| x == e).collect()),
        };
        Filter {
            from: self.from,
            to: self.to,
            employees,
            project: self.project.clone(),
        }
    }
}

/// What report to make: a period of days in a time zone, filters, and how long the top lists
/// are. JSON: `{"period": {"first": "2026-11-30", "last": "2026-11-30", "time_zone":
/// "Europe/Berlin"}, "employee": null, "project": null, "top_n": 10}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportRequest {
    /// The days and their time zone.
    pub period: crate::model::report::Period,
    /// Only this employee (within what the viewer may see).
    #[serde(default)]
    pub employee: Option<String>,
    /// Only this project.
    #[serde(default)]
    pub project: Option<String>,
    /// Rows of the top lists before the `other` row (default 10).
    #[serde(default = "default_top_n")]
    pub top_n: usize,
    /// Include the productivity categories (default `true`; `false` leaves them empty and
    /// costs nothing).
    #[serde(default = "default_categories")]
    pub categories: bool,
}

fn default_categories() -> bool {
    true
}

fn default_top_n() -> usize {
    10
}

impl ReportRequest {
    /// One day in a time zone, everything the viewer may see, top 10.
    pub fn day(day: &str, time_zone: &str) -> ReportRequest {
        ReportRequest {
            period: crate::model::report::Period::day(day, time_zone),
            employee: None,
            project: None,
            top_n: default_top_n(),
            categories: true,
        }
    }
}

/// Whether `viewer` may see `shot`.
pub(crate) fn visible(viewer: &Viewer, shot: &Screenshot) -> bool {
    viewer.may_see(shot.context.employee.as_deref())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_employee_sees_only_their_own_and_a_manager_their_team() {
        let ana = Viewer::employee("ana");
        assert!(ana.may_see(Some("ana")));
        assert!(!ana.may_see(Some("bo")));
        assert!(!ana.may_see(None));
        let q = Query {
            employee: Some("bo".into()),
            ..Query::default()
        };
        assert_eq!(q.filter(&ana).employees, Some(vec![]));
        let bo = Viewer::Manager {
            id: "bo".into(),
            team: vec!["ana".into()],
        };
        assert!(bo.may_see(Some("ana")) && bo.may_see(Some("bo")) && !bo.may_see(Some("cy")));
        assert!(Viewer::Admin.may_see(None));
        assert_eq!(Query::default().filter(&Viewer::Admin).employees, None);
        let json = serde_json::to_string(&bo).unwrap();
        assert_eq!(json, r#"{"role":"manager","id":"bo","team":["ana"]}"#);
    }
}
