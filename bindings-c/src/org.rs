//! Organisation reports for C: the queries to run on an engine of the caller's (DuckDB's C
//! API, a PostgreSQL client, Spark) over a dataset written by `ac_tracker_export`, and the
//! report assembled from their answers (the same core code as the Python `org.report`).

use std::ffi::c_char;

use activity_core::model::report::org::{Engine, OrgPlan, OrgRequest, OrgRows, Sources};

use crate::ffi::{give_string, json, out, text};
use crate::result::{Failure, ac_result, guard};
use crate::tracker::{AC_REPORT_JSON_COMPACT, render, viewer};

/// The required JSON argument `p`, parsed; a bad one is `AC_INVALID_INPUT` naming it.
fn parse<T: serde::de::DeserializeOwned>(p: *const c_char, argument: &str) -> Result<T, Failure> {
    let raw = text(p, argument)?;
    serde_json::from_str(raw)
        .map_err(|e| Failure::new(ac_result::AC_INVALID_INPUT, format!("{argument}: {e}")))
}

/// Plans an organisation report: `request_json` is `{"period": {"first": "2026-11-01",
/// "last": "2026-11-30", "time_zone": "Europe/Berlin"}, "employees": null, "projects": null,
/// "top_n": 10, "slot_seconds": 600}` (only `period` is required), `viewer_json` whose rights
/// apply, `engine` `"duckdb"`, `"spark"` or `"postgres"`, `sources_json` `{"slots": …,
/// "activities": …, "screenshots": …}` (SQL table expressions, e.g. DuckDB's
/// `read_parquet('/srv/lake/slots/**/*.parquet', hive_partitioning = true)`). `*out_json`
/// receives `{"plan": {…}, "queries": [{"name": "timeline", "sql": "…"}, …]}`: run each query,
/// then hand the same request, viewer and the answers to `ac_org_report`. Freed with `ac_string_free`.
///
/// # Safety
/// The strings are NUL-terminated (`viewer_json` NULL is refused); `out_json` points to a
/// `char *`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ac_org_queries(
    request_json: *const c_char,
    viewer_json: *const c_char,
    engine: *const c_char,
    sources_json: *const c_char,
    out_json: *mut *mut c_char,
) -> ac_result {
    guard(|| {
        let request: OrgRequest = parse(request_json, "request_json")?;
        let v = viewer(viewer_json)?;
        let engine_name = text(engine, "engine")?;
        let engine: Engine = serde_json::from_value(serde_json::Value::String(engine_name.into()))
            .map_err(|_| {
                Failure::new(
                    ac_result::AC_INVALID_INPUT,
                    format!(
                        "engine must be \"duckdb\", \"spark\" or \"postgres\", got {engine_name:?}"
                    ),
                )
            })?;
        let sources: Sources = parse(sources_json, "sources_json")?;
        let slot = out(out_json, "out_json")?;
        let plan = OrgPlan::new(request, &v)?;
        let queries: Vec<serde_json::Value> = plan
            .queries(engine, &sources)
            .into_iter()
            .map(|(name, sql)| serde_json::json!({"name": name, "sql": sql}))
            .collect();
        *slot = json(&serde_json::json!({"plan": plan, "queries": queries}))?;
        Ok(())
    })
}

/// The organisation report of `request_json` for `viewer_json` (the same arguments as
/// `ac_org_queries`) from the engine's answers to its queries, `rows_json`: `{"timeline":
/// [[employee, slot_start_ms, tracked, counted, events, active, screenshots, project,
/// top_application, max_expected], …], "projects": [[project, parts, tracked,
/// activity_weighted, counted_parts, counted_tracked, active_weighted, keyboard, mouse], …],
/// "employees": [same, per employee], "applications": [[name, ms], …], "websites": [[name,
/// ms], …]}` (each query's columns in order), rendered as `output` (`AC_REPORT_*`). Freed with
/// `ac_string_free`.
///
/// # Safety
/// The strings are NUL-terminated (`viewer_json` NULL is refused); `out_text` points to a
/// `char *`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ac_org_report(
    request_json: *const c_char,
    viewer_json: *const c_char,
    rows_json: *const c_char,
    output: u32,
    out_text: *mut *mut c_char,
) -> ac_result {
    guard(|| {
        let request: OrgRequest = parse(request_json, "request_json")?;
        let v = viewer(viewer_json)?;
        let rows: OrgRows = parse(rows_json, "rows_json")?;
        if output > AC_REPORT_JSON_COMPACT {
            return Err(Failure::range("output", output));
        }
        let slot = out(out_text, "out_text")?;
        let plan = OrgPlan::new(request, &v)?;
        *slot = give_string(render(&plan.assemble(&rows), output));
        Ok(())
    })
}
