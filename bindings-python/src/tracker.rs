//! The native tracker: every method releases the GIL while the library works; values cross as
//! JSON in the library's serialised forms, which the Python package turns into typed objects.

use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use activity_core::capture::SourceKind;
use activity_core::model::score::InputEvent;
use activity_core::runtime::{MissingSources, Query, TrackerEvent, Viewer};
use activity_core::{Config, Tracker};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::errors::{IntoPy, InvalidInputError, InvalidStateError};
use crate::storage::Storage;

/// A failure while closing cannot be raised (the tracker goes anyway).
fn tracing_free_log(e: &activity_core::Error) {
    eprintln!("activity_core: stopping the tracker on close failed: {e}");
}

/// How many events `Tracker.events()` keeps waiting to be read.
const EVENT_QUEUE: usize = 4096;

/// A validated configuration.
#[pyclass(frozen, module = "activity_core._native", name = "NativeConfig")]
pub struct NativeConfig {
    pub(crate) config: Config,
}

#[pymethods]
impl NativeConfig {
    /// From a JSON object (snake_case or Ever Gauzy's camelCase names).
    #[staticmethod]
    fn from_json(json: &str) -> PyResult<NativeConfig> {
        Ok(NativeConfig {
            config: Config::from_json_str(json).py_err()?,
        })
    }

    /// Every setting, defaults included, as JSON.
    fn to_json(&self) -> PyResult<String> {
        serde_json::to_string(&self.config).map_err(|e| PyValueError::new_err(e.to_string()))
    }
}

/// The tracker, as the Python package wraps it.
#[pyclass(frozen, module = "activity_core._native", name = "NativeTracker")]
pub struct NativeTracker {
    /// The tracker; the lock is held only to clone or take the `Arc`, never while the tracker
    /// works (a callback holding the GIL may need it while another thread waits for the GIL).
    tracker: Mutex<Option<Arc<Tracker>>>,
    /// The events for `Tracker.events()`: at most `EVENT_QUEUE` waiting; more are dropped (and
    /// counted) until the queue is read.
    events: Mutex<mpsc::Receiver<String>>,
    pid: u32,
}

impl Drop for NativeTracker {
    fn drop(&mut self) {
        let tracker = self.tracker.get_mut().ok().and_then(Option::take);
        if let Some(t) = tracker {
            if std::process::id() != self.pid {
                // A forked child: the threads are not here; forget it rather than wait.
                std::mem::forget(t);
                return;
            }
            // Stopping delivers the last events, whose callbacks need the GIL: release it. (If
            // the interpreter is exiting, the closure is dropped unrun and `t` with it: the
            // callbacks then do not attach, so nothing waits for the GIL.)
            let _ = Python::try_attach(|py| py.detach(move || drop(t)));
        }
    }
}

fn parse<T: serde::de::DeserializeOwned + Default>(json: Option<&str>, what: &str) -> PyResult<T> {
    match json {
        None => Ok(T::default()),
        Some(s) => serde_json::from_str(s)
            .map_err(|e| InvalidInputError::new_err(format!("{what}: {e} (in {s})"))),
    }
}

/// The viewer: required (None is refused, never "everyone"); the core parses and checks it.
fn viewer(json: Option<&str>) -> PyResult<Viewer> {
    Viewer::from_json(json).py_err()
}

fn to_json<T: serde::Serialize>(v: &T) -> PyResult<String> {
    serde_json::to_string(v).map_err(|e| PyValueError::new_err(e.to_string()))
}

impl NativeTracker {
    /// Runs `f` on the tracker with the GIL released.
    fn with<T: Send>(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&Tracker) -> Result<T, activity_core::Error> + Send,
    ) -> PyResult<T> {
        if std::process::id() != self.pid {
            return Err(forked());
        }
        let tracker = self
            .tracker
            .lock()
            .map_err(|_| InvalidStateError::new_err("the tracker is unusable (poisoned)"))?
            .clone();
        let Some(t) = tracker else {
            return Err(InvalidStateError::new_err("the tracker was closed"));
        };
        // The `Arc` is dropped with the GIL released too: if a concurrent `close()` left this
        // call the last reference, dropping it joins the event dispatcher, which may be waiting
        // for the GIL to run `on_event`.
        py.detach(move || {
            let result = f(&t);
            drop(t);
            result
        })
        .py_err()
    }
}

/// The error of a tracker used in a forked child.
fn forked() -> PyErr {
    InvalidStateError::new_err(
        "this tracker belongs to the parent process: a forked child cannot use it \
         (its threads did not survive the fork); make a new Tracker in the child",
    )
}

impl NativeTracker {
    /// A read by viewer and query (both JSON), answered as JSON.
    fn read_json<T: serde::Serialize + Send>(
        &self,
        py: Python<'_>,
        viewer_json: Option<&str>,
        query_json: Option<&str>,
        read: impl FnOnce(&Tracker, &Viewer, &Query) -> Result<T, activity_core::Error> + Send,
    ) -> PyResult<String> {
        let (v, q): (Viewer, Query) = (viewer(viewer_json)?, parse(query_json, "query")?);
        let rows = self.with(py, |t| read(t, &v, &q))?;
        to_json(&rows)
    }
}

/// A retention policy from JSON (None: none); its problems are configuration errors.
fn retention_policy(
    json: Option<&str>,
) -> PyResult<Option<activity_core::model::retention::RetentionPolicy>> {
    json.map(|raw| {
        serde_json::from_str(raw).map_err(|e| {
            crate::errors::ConfigError::new_err(format!("retention policy: {e} (in {raw:?})"))
        })
    })
    .transpose()
}

/// A clock that moves only when told: tests drive a tracker through hours of fake time.
#[pyclass(module = "activity_core._native", frozen)]
pub(crate) struct ManualClock {
    clock: Arc<activity_core::ManualClock>,
}

#[pymethods]
impl ManualClock {
    #[new]
    fn new(start_ms: i64) -> ManualClock {
        ManualClock {
            clock: Arc::new(activity_core::ManualClock::new(
                activity_core::Timestamp::from_millis(start_ms),
            )),
        }
    }

    /// Milliseconds since the epoch.
    fn now(&self) -> i64 {
        use activity_core::Clock;
        self.clock.now().as_millis()
    }

    fn set(&self, ms: i64) {
        self.clock.set(activity_core::Timestamp::from_millis(ms));
    }

    fn advance(&self, ms: i64) -> i64 {
        self.clock.advance_millis(ms).as_millis()
    }
}

#[pymethods]
impl NativeTracker {
    #[new]
    #[pyo3(signature = (data_dir, config=None, storage=None, missing_sources="refuse", disabled_sources=Vec::new(), on_event=None, browser_bridge=false, clock=None, require_consent=false))]
    // The Python constructor's keyword arguments, one parameter each.
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        data_dir: std::path::PathBuf,
        config: Option<&NativeConfig>,
        storage: Option<&Storage>,
        missing_sources: &str,
        disabled_sources: Vec<String>,
        on_event: Option<Py<PyAny>>,
        browser_bridge: bool,
        clock: Option<&ManualClock>,
        require_consent: bool,
    ) -> PyResult<NativeTracker> {
        let missing = match missing_sources {
            "refuse" => MissingSources::Refuse,
            "run_available" => MissingSources::RunAvailable,
            other => {
                return Err(PyValueError::new_err(format!(
                    "missing_sources must be 'refuse' or 'run_available', got {other:?}"
                )));
            }
        };
        let config = config.map_or_else(Config::default, |c| c.config.clone());
        let mut b = Tracker::builder(config)
            .data_dir(data_dir)
            .missing_sources(missing)
            .browser_bridge(browser_bridge)
            .require_consent(require_consent);
        if let Some(s) = storage {
            b = b.storage(s.client.storage().clone());
        }
        if let Some(c) = clock {
            b = b.clock(c.clock.clone());
        }
        for name in &disabled_sources {
            b = b.without_source(match name.as_str() {
                "screens" => SourceKind::Screens,
                "input" => SourceKind::Input,
                "windows" => SourceKind::Windows,
                other => {
                    return Err(PyValueError::new_err(format!(
                        "disabled_sources: {other:?} is not 'screens', 'input' or 'windows'"
                    )));
                }
            });
        }
        if let Some(cb) = on_event {
            b = b.on_event(move |e: &TrackerEvent| {
                let Ok(json) = serde_json::to_string(e) else {
                    return;
                };
                // Never attach blindly from a tracker thread: not while the interpreter exits.
                let _ = Python::try_attach(|py| {
                    if let Err(err) = cb.call1(py, (json,)) {
                        err.write_unraisable(py, Some(cb.bind(py)));
                    }
                });
            });
        }
        let (tx, events) = mpsc::sync_channel::<String>(EVENT_QUEUE);
        let tx = Mutex::new(tx);
        b = b.on_event(move |e: &TrackerEvent| {
            if let (Ok(json), Ok(tx)) = (serde_json::to_string(e), tx.lock()) {
                let _ = tx.try_send(json);
            }
        });
        let tracker = py.detach(|| b.build()).py_err()?;
        Ok(NativeTracker {
            tracker: Mutex::new(Some(Arc::new(tracker))),
            events: Mutex::new(events),
            pid: std::process::id(),
        })
    }

    fn start(&self, py: Python<'_>) -> PyResult<()> {
        self.with(py, |t| t.start())
    }

    fn pause(&self, py: Python<'_>) -> PyResult<()> {
        self.with(py, |t| t.pause())
    }

    fn resume(&self, py: Python<'_>) -> PyResult<()> {
        self.with(py, |t| t.resume())
    }

    fn stop(&self, py: Python<'_>) -> PyResult<()> {
        self.with(py, |t| t.stop())
    }

    fn is_running(&self, py: Python<'_>) -> PyResult<bool> {
        self.with(py, |t| Ok(t.is_running()))
    }

    /// Stops if running and releases everything; the tracker cannot be used after. In a forked
    /// child it only forgets the tracker (the parent's threads are not there to stop), at once.
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        let t = self
            .tracker
            .lock()
            .map_err(|_| InvalidStateError::new_err("poisoned"))?
            .take();
        if crate::pid() != self.pid {
            std::mem::forget(t);
            return Ok(());
        }
        if let Some(t) = t {
            if t.in_event_handler() {
                if let Ok(mut slot) = self.tracker.lock() {
                    *slot = Some(t);
                }
                return Err(crate::errors::ReentrantError::new_err(
                    "close() from inside the tracker's own event callback; call it from another thread",
                ));
            }
            // The core's close (stop, last events, dispatcher shut) with the GIL released: the
            // last events' callbacks need it.
            py.detach(move || {
                if let Err(e) = t.close() {
                    tracing_free_log(&e);
                }
                drop(t);
            });
        }
        Ok(())
    }

    #[pyo3(signature = (employee=None, project=None, task=None))]
    fn set_context(
        &self,
        py: Python<'_>,
        employee: Option<String>,
        project: Option<String>,
        task: Option<String>,
    ) -> PyResult<()> {
        self.with(py, |t| {
            t.set_context(employee.as_deref(), project.as_deref(), task.as_deref())
        })
    }

    fn record_input(&self, kind: &str) -> PyResult<()> {
        let event = match kind {
            "key_press" => InputEvent::KeyPress,
            "button_press" => InputEvent::ButtonPress,
            "wheel" => InputEvent::Wheel,
            "pointer_move" => InputEvent::PointerMove,
            "presence" => InputEvent::Presence,
            other => {
                return Err(PyValueError::new_err(format!(
                    "input kind must be 'key_press', 'button_press', 'wheel', 'pointer_move' or 'presence', got {other:?}"
                )));
            }
        };
        // The fast path (this is called per key press): the counter is lock-free and never
        // waits, so it runs with the GIL held (releasing and taking the GIL back would cost more
        // than the call), and the fork check reads the cached process id.
        if crate::pid() != self.pid {
            return Err(forked());
        }
        let tracker = self
            .tracker
            .lock()
            .map_err(|_| InvalidStateError::new_err("the tracker is unusable (poisoned)"))?;
        let Some(t) = tracker.as_ref() else {
            return Err(InvalidStateError::new_err("the tracker was closed"));
        };
        t.record_input(event);
        Ok(())
    }

    fn record_window(&self, py: Python<'_>, application: String, title: String) -> PyResult<()> {
        self.with(py, |t| t.record_window(&application, &title))
    }

    fn record_url(
        &self,
        py: Python<'_>,
        application: String,
        title: String,
        url: String,
    ) -> PyResult<()> {
        self.with(py, |t| t.record_url(&application, &title, &url))
    }

    /// (employee, organisation, effective)
    fn screenshot_switches(&self, py: Python<'_>) -> PyResult<(bool, bool, bool)> {
        self.with(py, |t| {
            let s = t.screenshot_switches();
            Ok((s.employee, s.organisation, s.effective()))
        })
    }

    fn set_screenshots_enabled(
        &self,
        py: Python<'_>,
        enabled: bool,
    ) -> PyResult<(bool, bool, bool)> {
        self.with(py, |t| {
            let s = t.set_screenshots_enabled(enabled)?;
            Ok((s.employee, s.organisation, s.effective()))
        })
    }

    fn set_organisation_allows_screenshots(
        &self,
        py: Python<'_>,
        allowed: bool,
    ) -> PyResult<(bool, bool, bool)> {
        self.with(py, |t| {
            let s = t.set_organisation_allows_screenshots(allowed)?;
            Ok((s.employee, s.organisation, s.effective()))
        })
    }

    #[pyo3(signature = (viewer_json=None, query_json=None))]
    fn screenshots_json(
        &self,
        py: Python<'_>,
        viewer_json: Option<&str>,
        query_json: Option<&str>,
    ) -> PyResult<String> {
        self.read_json(py, viewer_json, query_json, |t, v, q| t.screenshots(v, q))
    }

    #[pyo3(signature = (viewer_json=None, query_json=None))]
    fn slots_json(
        &self,
        py: Python<'_>,
        viewer_json: Option<&str>,
        query_json: Option<&str>,
    ) -> PyResult<String> {
        self.read_json(py, viewer_json, query_json, |t, v, q| t.slots(v, q))
    }

    #[pyo3(signature = (viewer_json=None, query_json=None))]
    fn activities_json(
        &self,
        py: Python<'_>,
        viewer_json: Option<&str>,
        query_json: Option<&str>,
    ) -> PyResult<String> {
        self.read_json(py, viewer_json, query_json, |t, v, q| t.activities(v, q))
    }

    #[pyo3(signature = (id, thumbnail=false, viewer_json=None))]
    fn screenshot_bytes<'py>(
        &self,
        py: Python<'py>,
        id: String,
        thumbnail: bool,
        viewer_json: Option<&str>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let v = viewer(viewer_json)?;
        let bytes = self.with(py, |t| t.screenshot_bytes(&v, &id, thumbnail))?;
        Ok(PyBytes::new(py, &bytes))
    }

    #[pyo3(signature = (id, expires_seconds, thumbnail=false, viewer_json=None))]
    fn screenshot_url(
        &self,
        py: Python<'_>,
        id: String,
        expires_seconds: u64,
        thumbnail: bool,
        viewer_json: Option<&str>,
    ) -> PyResult<String> {
        let v = viewer(viewer_json)?;
        let u = self.with(py, |t| {
            t.screenshot_url(&v, &id, thumbnail, Duration::from_secs(expires_seconds))
        })?;
        Ok(u.to_string())
    }

    #[pyo3(signature = (id, viewer_json=None))]
    fn delete_screenshot(
        &self,
        py: Python<'_>,
        id: String,
        viewer_json: Option<&str>,
    ) -> PyResult<String> {
        let v = viewer(viewer_json)?;
        let outcome = self.with(py, |t| t.delete_screenshot(&v, &id))?;
        to_json(&outcome)
    }

    fn pending_json(&self, py: Python<'_>) -> PyResult<String> {
        let p = self.with(py, |t| t.pending_uploads())?;
        to_json(&p)
    }

    fn sync_json(&self, py: Python<'_>) -> PyResult<String> {
        let p = self.with(py, |t| t.sync())?;
        to_json(&p)
    }

    /// The next event as JSON, waiting up to `timeout` seconds (`None`: until one comes or the
    /// tracker closes); `None` on timeout or when no more can come. Ctrl-C interrupts the wait.
    #[pyo3(signature = (timeout=None))]
    fn next_event(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<Option<String>> {
        let deadline = match timeout {
            Some(t) if t.is_finite() && t >= 0.0 => {
                Some(Instant::now() + Duration::from_secs_f64(t))
            }
            Some(t) => {
                return Err(PyValueError::new_err(format!(
                    "timeout must be >= 0, got {t}"
                )));
            }
            None => None,
        };
        loop {
            let step = Duration::from_millis(100);
            let wait = deadline.map_or(step, |d| {
                d.saturating_duration_since(Instant::now()).min(step)
            });
            let got = py.detach(|| match self.events.lock() {
                Ok(rx) => rx.recv_timeout(wait),
                Err(_) => Err(mpsc::RecvTimeoutError::Disconnected),
            });
            match got {
                Ok(e) => return Ok(Some(e)),
                Err(mpsc::RecvTimeoutError::Disconnected) => return Ok(None),
                Err(mpsc::RecvTimeoutError::Timeout) => {}
            }
            py.check_signals()?;
            if deadline.is_some_and(|d| Instant::now() >= d) {
                return Ok(None);
            }
        }
    }

    /// Answers an idle period (`answer_json` as the core's `IdleAnswer`): the resolution, JSON.
    fn resolve_idle(&self, py: Python<'_>, id: u64, answer_json: &str) -> PyResult<String> {
        let answer: activity_core::IdleAnswer = serde_json::from_str(answer_json)
            .map_err(|e| InvalidInputError::new_err(format!("answer: {e} (in {answer_json:?})")))?;
        let r = self.with(py, |t| t.resolve_idle(id, answer))?;
        to_json(&r)
    }

    /// Puts an idle policy (JSON, as the configuration's `idle_policy`) in force; None: none.
    #[pyo3(signature = (policy_json=None))]
    fn set_idle_policy(&self, py: Python<'_>, policy_json: Option<&str>) -> PyResult<()> {
        let policy: Option<activity_core::IdlePolicy> = match policy_json {
            None => None,
            Some(raw) => Some(serde_json::from_str(raw).map_err(|e| {
                crate::errors::ConfigError::new_err(format!("idle policy: {e} (in {raw:?})"))
            })?),
        };
        self.with(py, |t| t.set_idle_policy(policy))
    }

    #[pyo3(signature = (viewer_json=None, query_json=None))]
    fn idle_periods_json(
        &self,
        py: Python<'_>,
        viewer_json: Option<&str>,
        query_json: Option<&str>,
    ) -> PyResult<String> {
        self.read_json(py, viewer_json, query_json, |t, v, q| t.idle_periods(v, q))
    }

    /// Puts a retention policy (JSON) in force; None: none.
    #[pyo3(signature = (policy_json=None))]
    fn set_retention_policy(&self, py: Python<'_>, policy_json: Option<&str>) -> PyResult<()> {
        let policy = retention_policy(policy_json)?;
        self.with(py, |t| t.set_retention_policy(policy))
    }

    /// Purges at `now_ms` (None: the tracker's clock) with `policy_json`, or the policy in
    /// force: the report, JSON.
    #[pyo3(signature = (now_ms=None, policy_json=None))]
    fn purge(
        &self,
        py: Python<'_>,
        now_ms: Option<i64>,
        policy_json: Option<&str>,
    ) -> PyResult<String> {
        let policy = retention_policy(policy_json)?;
        let r = self.with(py, |t| {
            let now = now_ms.map_or_else(|| t.now(), activity_core::Timestamp::from_millis);
            match &policy {
                Some(p) => t.purge_with(p, now),
                None => t.purge(now),
            }
        })?;
        to_json(&r)
    }

    /// Exports to the dataset `dataset_json` (its JSON form) the table-days in
    /// `[since_ms, until_ms)` that changed: the report, JSON.
    #[pyo3(signature = (dataset_json, since_ms=None, until_ms=None))]
    fn export(
        &self,
        py: Python<'_>,
        dataset_json: &str,
        since_ms: Option<i64>,
        until_ms: Option<i64>,
    ) -> PyResult<String> {
        let dataset =
            activity_core::dataset::DatasetConfig::from_json_str(dataset_json).py_err()?;
        let r = self.with(py, |t| {
            t.export(
                &dataset,
                since_ms.map(activity_core::Timestamp::from_millis),
                until_ms.map(activity_core::Timestamp::from_millis),
            )
        })?;
        to_json(&r)
    }

    /// Sets (or with None ends) the scheduled export to `dataset_json`.
    #[pyo3(signature = (dataset_json=None))]
    fn set_dataset(&self, py: Python<'_>, dataset_json: Option<&str>) -> PyResult<()> {
        let dataset = dataset_json
            .map(activity_core::dataset::DatasetConfig::from_json_str)
            .transpose()
            .py_err()?;
        self.with(py, |t| t.set_dataset(dataset))
    }

    fn purge_log_json(&self, py: Python<'_>) -> PyResult<String> {
        let log = self.with(py, |t| t.purge_log())?;
        to_json(&log)
    }

    #[pyo3(signature = (employee, folder, viewer_json=None))]
    fn export_subject(
        &self,
        py: Python<'_>,
        employee: &str,
        folder: std::path::PathBuf,
        viewer_json: Option<&str>,
    ) -> PyResult<String> {
        let v = viewer(viewer_json)?;
        let m = self.with(py, |t| t.export_subject(&v, employee, &folder))?;
        to_json(&m)
    }

    #[pyo3(signature = (employee, viewer_json=None))]
    fn erase_subject(
        &self,
        py: Python<'_>,
        employee: &str,
        viewer_json: Option<&str>,
    ) -> PyResult<String> {
        let v = viewer(viewer_json)?;
        let r = self.with(py, |t| t.erase_subject(&v, employee))?;
        to_json(&r)
    }

    fn record_consent(&self, py: Python<'_>, consent_json: &str) -> PyResult<()> {
        let consent: activity_core::model::retention::Consent = serde_json::from_str(consent_json)
            .map_err(|e| InvalidInputError::new_err(format!("consent: {e}")))?;
        self.with(py, |t| t.record_consent(consent))
    }

    #[pyo3(signature = (employee=None))]
    fn consent_json(&self, py: Python<'_>, employee: Option<&str>) -> PyResult<String> {
        let c = self.with(py, |t| t.consent(employee))?;
        to_json(&c)
    }

    /// Puts category sets (a JSON array of ActivityWatch exports) in force.
    fn set_categories(&self, py: Python<'_>, layers_json: &str) -> PyResult<()> {
        let layers: Vec<activity_core::model::category::CategorySet> =
            serde_json::from_str(layers_json)
                .map_err(|e| InvalidInputError::new_err(format!("category sets: {e}")))?;
        self.with(py, |t| t.set_categories(layers))
    }

    fn categories_json(&self, py: Python<'_>) -> PyResult<String> {
        let c = self.with(py, |t| Ok(t.categories()))?;
        to_json(&c)
    }

    #[pyo3(signature = (app, title, url=None))]
    fn classify(
        &self,
        py: Python<'_>,
        app: &str,
        title: &str,
        url: Option<&str>,
    ) -> PyResult<Vec<String>> {
        self.with(py, |t| Ok(t.classify(app, title, url)))
    }

    /// The report as (JSON, HTML, CSV tables, SVG charts by name).
    #[allow(clippy::type_complexity)]
    #[pyo3(signature = (request_json, viewer_json=None))]
    fn report(
        &self,
        py: Python<'_>,
        request_json: &str,
        viewer_json: Option<&str>,
    ) -> PyResult<(String, String, Vec<(String, String)>, Vec<(String, String)>)> {
        let v = viewer(viewer_json)?;
        let request: activity_core::runtime::ReportRequest = serde_json::from_str(request_json)
            .map_err(|e| InvalidInputError::new_err(format!("report request: {e}")))?;
        let r = self.with(py, |t| t.report(&v, &request))?;
        Ok(crate::org::render(&r))
    }

    /// The system's IANA time zone name (`UTC` when it cannot be told).
    #[staticmethod]
    fn system_time_zone() -> String {
        activity_core::model::report::Period::system_time_zone()
    }

    #[staticmethod]
    fn capabilities_json() -> PyResult<String> {
        to_json(&Tracker::capabilities())
    }

    #[staticmethod]
    fn default_data_dir() -> Option<std::path::PathBuf> {
        Tracker::default_data_dir()
    }
}

/// Installs the browser extension's native messaging host (`activity_core.browser`): the
/// manifest's path.
#[pyfunction]
#[pyo3(signature = (browser, data_dir, host, user_data_dir=None))]
pub(crate) fn browser_host_install(
    py: Python<'_>,
    browser: &str,
    data_dir: std::path::PathBuf,
    host: std::path::PathBuf,
    user_data_dir: Option<std::path::PathBuf>,
) -> PyResult<String> {
    use activity_core::browser::install::{Browser, InstallError, install};
    let browser: Browser = browser
        .parse()
        .map_err(|e: InstallError| PyValueError::new_err(e.to_string()))?;
    let done = py
        .detach(|| install(browser, user_data_dir.as_deref(), &data_dir, &host))
        .map_err(|e| match e {
            InstallError::NoHost(_) => {
                pyo3::exceptions::PyFileNotFoundError::new_err(e.to_string())
            }
            InstallError::UnknownBrowser(_) | InstallError::BadPath(_) => {
                PyValueError::new_err(e.to_string())
            }
            _ => pyo3::exceptions::PyOSError::new_err(e.to_string()),
        })?;
    Ok(done.manifest.display().to_string())
}
