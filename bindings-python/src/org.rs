//! Org-scale: the dataset export's settings and the organisation report's planning and
//! assembly (the SQL runs in the engine the Python layer drives: DuckDB, Spark).

use activity_core::model::report::Report;
use activity_core::model::report::org::{Engine, OrgPlan, OrgRequest, OrgRows, Sources};
use activity_core::runtime::Viewer;
use pyo3::prelude::*;

use crate::errors::{IntoPy, InvalidInputError};

/// A report's JSON, HTML page, CSV files and SVG charts (the form `Report.from_native` takes).
pub(crate) type Rendered = (String, String, Vec<(String, String)>, Vec<(String, String)>);

pub(crate) fn render(r: &Report) -> Rendered {
    let csv = r
        .to_csv()
        .into_iter()
        .map(|(n, t)| (n.to_string(), t))
        .collect();
    let svgs = vec![
        ("timeline".to_string(), r.timeline_svg()),
        ("top_applications".to_string(), r.top_applications_svg()),
        ("top_websites".to_string(), r.top_websites_svg()),
        ("distribution".to_string(), r.distribution_svg()),
    ];
    (r.to_json(), r.to_html(), csv, svgs)
}

/// Plans an organisation report: `(plan_json, [(name, sql)])` for `engine` (`duckdb`, `spark`,
/// `postgres`) over `sources_json` (`{"slots": …, "activities": …, "screenshots": …}`: SQL
/// table expressions), with `viewer_json`'s rights applied.
#[pyfunction]
pub(crate) fn org_queries(
    request_json: &str,
    viewer_json: Option<&str>,
    engine: &str,
    sources_json: &str,
) -> PyResult<(String, Vec<(String, String)>)> {
    let request: OrgRequest = serde_json::from_str(request_json)
        .map_err(|e| InvalidInputError::new_err(format!("org report request: {e}")))?;
    let engine: Engine =
        serde_json::from_value(serde_json::Value::String(engine.into())).map_err(|_| {
            InvalidInputError::new_err(format!(
                "engine must be \"duckdb\", \"spark\" or \"postgres\", got {engine:?}"
            ))
        })?;
    let sources: Sources = serde_json::from_str(sources_json)
        .map_err(|e| InvalidInputError::new_err(format!("org report sources: {e}")))?;
    let viewer = Viewer::from_json(viewer_json).py_err()?;
    let plan = OrgPlan::new(request, &viewer).py_err()?;
    let queries = plan
        .queries(engine, &sources)
        .into_iter()
        .map(|(n, q)| (n.to_string(), q))
        .collect();
    let plan =
        serde_json::to_string(&plan).map_err(|e| InvalidInputError::new_err(e.to_string()))?;
    Ok((plan, queries))
}

/// The report of `plan_json` from the engine's answers (`rows_json`: `{"timeline": [[…]…],
/// "projects": …, "employees": …, "applications": …, "websites": …}`).
#[pyfunction]
pub(crate) fn org_assemble(py: Python<'_>, plan_json: &str, rows_json: &str) -> PyResult<Rendered> {
    let plan: OrgPlan = serde_json::from_str(plan_json)
        .map_err(|e| InvalidInputError::new_err(format!("org report plan: {e}")))?;
    let rows: OrgRows = serde_json::from_str(rows_json)
        .map_err(|e| InvalidInputError::new_err(format!("org report rows: {e}")))?;
    Ok(py.detach(|| render(&plan.assemble(&rows))))
}
