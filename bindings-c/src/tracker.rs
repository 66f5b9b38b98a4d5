//! `ac_tracker`: the tracker, its events, its privacy controls and its reads.

use std::ffi::{CString, c_char, c_void};
use std::time::Duration;

use activity_core::capture::SourceKind;
use activity_core::model::score::InputEvent;
use activity_core::runtime::{MissingSources, Query, TrackerEvent, Viewer};
use activity_core::{Config, Tracker};

use crate::config::ac_config;
use crate::ffi::{
    UserData, ac_free_callback, arg, from_json, give_bytes, give_string, json, optional_text, out,
    text, versioned,
};
use crate::result::{Failure, ac_result, guard};
use crate::storage::ac_storage;

/// The tracker. Opaque; make it with `ac_tracker_new`, free it with `ac_tracker_free`. Every
/// function taking a `const ac_tracker *` may be called from any thread, concurrently, and from
/// inside the event callback (except `ac_tracker_stop` and `ac_tracker_free`).
pub struct ac_tracker {
    tracker: Tracker,
    /// The event callback's `user_data` when there is no callback to own it.
    _user_data: Option<UserData>,
}

/// Receives each event as a NUL-terminated JSON object (`{"event": "slot_closed", …}`), valid
/// only during the call. The events and their fields: `started`, `paused`, `resumed`,
/// `stopped` {at}; `suspended` {from, to}; `slot_closed` {metrics, context};
/// `screenshot_taken` {id, taken_at, slot_start, monitor, blurred, full_key, thumb_key,
/// full_bytes, sha256, capture_millis, process_millis, enqueue_millis}; `screenshot_stored`
/// {id}; `screenshot_deleted` {id, remote_queued}; `remote_delete_confirmed` {screenshot_id,
/// key}; `screenshots_switched` {switches, effective}; `activity_recorded` {type, title,
/// application, url, domain, start, duration_millis, slot_start, context}; `idle_started`,
/// `idle_ended` {at}; `idle_detected` {id, since, until_now}; `idle_returned` {id, since,
/// until}; `idle_resolved` {id, since, until, answer, project, note, decided_by, paused,
/// screenshots_deleted}; `purged` {at, cutoffs, screenshots, …}; `capture_failed` {source,
/// reason}; `upload_retrying` {screenshot_id, key, attempts, next_attempt, error};
/// `records_write_failed` {error, waiting}; `records_write_recovered` {written};
/// `website_changed` {at, url, domain}; `browser_connected`, `browser_disconnected` {at};
/// `browser_samples_dropped` {count}; `browser_refused` {reason}; `handler_panicked` {during,
/// message}; `thread_panicked` {thread, message}; `data_folder_exposed` {path, mode};
/// `storage_mismatch` {count, location, current} (the README's C section has the table). Called on the tracker's one event
/// dispatcher thread, in order; it may call the tracker's functions, except `ac_tracker_stop`
/// and `ac_tracker_free` (they answer `AC_REENTRANT`).
pub type ac_event_callback =
    Option<unsafe extern "C" fn(user_data: *mut c_void, event_json: *const c_char)>;

/// Refuse to build when a built-in source the configuration needs cannot work here (default).
pub const AC_MISSING_SOURCES_REFUSE: u32 = 0;
/// Run the sources that work; report each missing one once as a `capture_failed` event.
pub const AC_MISSING_SOURCES_RUN_AVAILABLE: u32 = 1;

/// Bit for `disabled_sources`: no built-in screen capture.
pub const AC_SOURCE_SCREENS: u32 = 1;
/// Bit for `disabled_sources`: no built-in keyboard/mouse listener (inject with
/// `ac_tracker_record_input`).
pub const AC_SOURCE_INPUT: u32 = 2;
/// Bit for `disabled_sources`: no built-in active-window poller (inject with
/// `ac_tracker_record_window`).
pub const AC_SOURCE_WINDOWS: u32 = 4;

/// A key went down (which key is never passed, nor recorded).
pub const AC_INPUT_KEY_PRESS: u32 = 0;
/// A mouse button went down.
pub const AC_INPUT_BUTTON_PRESS: u32 = 1;
/// One wheel step.
pub const AC_INPUT_WHEEL: u32 = 2;
/// The pointer moved (counted at most once per 250 ms).
pub const AC_INPUT_POINTER_MOVE: u32 = 3;
/// The user was active this second, from a hook that cannot count (an idle signal): marks the
/// second active, counts nothing.
pub const AC_INPUT_PRESENCE: u32 = 4;

/// How to make a tracker. Fill it with `ac_tracker_options_init` first, then set what you need.
/// Versioned: `struct_size` (written by the init function) tells the library which fields this
/// program knows; fields added by later versions keep their defaults.
#[repr(C)]
pub struct ac_tracker_options {
    /// `sizeof(ac_tracker_options)` as this program was built (set by `ac_tracker_options_init`).
    pub struct_size: usize,
    /// The data folder (record store, spool, default storage). Required.
    pub data_dir: *const c_char,
    /// The configuration (copied), or NULL for the defaults.
    pub config: *const ac_config,
    /// The storage (the tracker keeps its own reference), or NULL for files under `data_dir`.
    pub storage: *const ac_storage,
    /// `AC_MISSING_SOURCES_REFUSE` or `AC_MISSING_SOURCES_RUN_AVAILABLE`.
    pub missing_sources: u32,
    /// Built-in sources not to use (`AC_SOURCE_*` bits): the product injects those itself.
    pub disabled_sources: u32,
    /// The event callback, or NULL.
    pub on_event: ac_event_callback,
    /// Passed to `on_event`.
    pub event_user_data: *mut c_void,
    /// Called once with `event_user_data` after the last event, when the tracker is freed (or
    /// at once if `ac_tracker_new` fails). NULL: none.
    pub event_user_data_free: ac_free_callback,
    /// Nonzero: listen for the browser extension's native messaging host on
    /// `<data_dir>/browser.sock` while running (websites; see `ac_browser_host_install`).
    /// Default 0.
    pub browser_bridge: u32,
    /// The clock the tracker reads (the tracker keeps its own reference), or NULL for the
    /// system clock. A manual clock drives a tracker through hours in a test.
    pub clock: *const ac_manual_clock,
    /// Nonzero: `ac_tracker_start` (and a context change to another employee while running)
    /// refuses until `ac_tracker_record_consent` has recorded the employee's consent. Default 0.
    /// Features not consented are off either way.
    pub require_consent: u32,
}

/// A clock that moves only when told (`ac_manual_clock_set`, `ac_manual_clock_advance`):
/// tests drive a whole tracker through hours of fake time with it. Opaque; free it with
/// `ac_manual_clock_free` (a tracker using it keeps its own reference). Thread-safe.
pub struct ac_manual_clock {
    clock: std::sync::Arc<activity_core::ManualClock>,
}

/// Makes a manual clock showing `start_ms` (milliseconds since the Unix epoch, UTC).
///
/// # Safety
/// `out_clock` points to an `ac_manual_clock *`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ac_manual_clock_new(
    start_ms: i64,
    out_clock: *mut *mut ac_manual_clock,
) -> ac_result {
    guard(|| {
        let slot = out(out_clock, "out")?;
        *slot = Box::into_raw(Box::new(ac_manual_clock {
            clock: std::sync::Arc::new(activity_core::ManualClock::new(
                activity_core::Timestamp::from_millis(start_ms),
            )),
        }));
        Ok(())
    })
}

/// Sets the clock to `ms` (milliseconds since the epoch).
///
/// # Safety
/// `clock` is live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ac_manual_clock_set(clock: *const ac_manual_clock, ms: i64) -> ac_result {
    guard(|| {
        arg(clock, "clock")?
            .clock
            .set(activity_core::Timestamp::from_millis(ms));
        Ok(())
    })
}

/// Moves the clock by `ms` (negative: back).
///
/// # Safety
/// `clock` is live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ac_manual_clock_advance(
    clock: *const ac_manual_clock,
    ms: i64,
) -> ac_result {
    guard(|| {
        arg(clock, "clock")?.clock.advance_millis(ms);
        Ok(())
    })
}

/// Frees the clock (trackers using it keep theirs). NULL is a no-op.
///
/// # Safety
/// `clock` comes from `ac_manual_clock_new` and is not used afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ac_manual_clock_free(clock: *mut ac_manual_clock) {
    crate::result::guard_void(|| {
        if !clock.is_null() {
            // SAFETY: made by `Box::into_raw` in `ac_manual_clock_new`, freed once.
            drop(unsafe { Box::from_raw(clock) });
        }
    });
}

fn default_tracker_options() -> ac_tracker_options {
    ac_tracker_options {
        struct_size: std::mem::size_of::<ac_tracker_options>(),
        data_dir: std::ptr::null(),
        config: std::ptr::null(),
        storage: std::ptr::null(),
        missing_sources: AC_MISSING_SOURCES_REFUSE,
        disabled_sources: 0,
        on_event: None,
        event_user_data: std::ptr::null_mut(),
        event_user_data_free: None,
        browser_bridge: 0,
        clock: std::ptr::null(),
        require_consent: 0,
    }
}

/// Fills `options` with the defaults: no data folder yet, default configuration and storage,
/// refuse missing sources, all built-in sources, no callback.
///
/// # Safety
/// `options` points to an `ac_tracker_options`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ac_tracker_options_init(options: *mut ac_tracker_options) -> ac_result {
    guard(|| {
        let o = out(options, "options")?;
        *o = default_tracker_options();
        Ok(())
    })
}

/// Makes a tracker (not started). On success `*out` owns it. A failure (`AC_UNAVAILABLE` when a
/// needed source cannot work here, `AC_IO` for a data folder that cannot be used, …) leaves
/// nothing behind.
///
/// # Safety
/// `options` points to an initialised `ac_tracker_options`; `out` to an `ac_tracker *`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ac_tracker_new(
    options: *const ac_tracker_options,
    out_tracker: *mut *mut ac_tracker,
) -> ac_result {
    guard(|| {
        // SAFETY: an `ac_tracker_options` filled by `ac_tracker_options_init` (documented).
        let o = &unsafe {
            versioned(
                options,
                default_tracker_options(),
                "options",
                "ac_tracker_options_init",
            )
        }?;
        #[cfg(windows)]
        pin_library();
        // From here on the finaliser runs once whatever happens.
        let user_data = UserData::new(o.event_user_data, o.event_user_data_free);
        let slot = out(out_tracker, "out")?;
        let dir = text(o.data_dir, "options->data_dir")?;
        let missing = match o.missing_sources {
            AC_MISSING_SOURCES_REFUSE => MissingSources::Refuse,
            AC_MISSING_SOURCES_RUN_AVAILABLE => MissingSources::RunAvailable,
            other => return Err(Failure::range("options->missing_sources", other)),
        };
        let all = AC_SOURCE_SCREENS | AC_SOURCE_INPUT | AC_SOURCE_WINDOWS;
        if o.disabled_sources & !all != 0 {
            return Err(Failure::range(
                "options->disabled_sources",
                o.disabled_sources,
            ));
        }
        // SAFETY: NULL or a live ac_config (documented).
        let config =
            unsafe { o.config.as_ref() }.map_or_else(Config::default, |c| c.config.clone());
        let mut b = Tracker::builder(config)
            .data_dir(dir)
            .missing_sources(missing)
            .browser_bridge(o.browser_bridge != 0)
            .require_consent(o.require_consent != 0);
        // SAFETY: NULL or a live ac_storage (documented).
        if let Some(s) = unsafe { o.storage.as_ref() } {
            b = b.storage(s.client.storage().clone());
        }
        // SAFETY: NULL or a live ac_manual_clock (documented).
        if let Some(c) = unsafe { o.clock.as_ref() } {
            b = b.clock(c.clock.clone());
        }
        for (bit, kind) in [
            (AC_SOURCE_SCREENS, SourceKind::Screens),
            (AC_SOURCE_INPUT, SourceKind::Input),
            (AC_SOURCE_WINDOWS, SourceKind::Windows),
        ] {
            if o.disabled_sources & bit != 0 {
                b = b.without_source(kind);
            }
        }
        let mut kept = Some(user_data);
        if let (Some(cb), Some(user_data)) = (o.on_event, kept.take_if(|_| o.on_event.is_some())) {
            b = b.on_event(move |e: &TrackerEvent| {
                let Ok(text) = serde_json::to_string(e) else {
                    return;
                };
                let Ok(text) = CString::new(text) else {
                    return;
                };
                // SAFETY: the product's callback with its own user_data and a string valid
                // for the call; panics cannot cross it (it is C).
                unsafe { cb(user_data.ptr(), text.as_ptr()) };
            });
        }
        let tracker = b.build()?;
        *slot = Box::into_raw(Box::new(ac_tracker {
            tracker,
            _user_data: kept,
        }));
        Ok(())
    })
}

/// A failure while freeing cannot be returned (the tracker is freed anyway): it is the last
/// error of this thread.
fn activity_core_log(e: &activity_core::Error) {
    let _ = crate::result::guard(|| Err(Failure::from(e.clone())));
}

fn tracker<'a>(t: *const ac_tracker) -> Result<&'a Tracker, Failure> {
    arg(t, "tracker").map(|t| &t.tracker)
}

/// A tracker read whose JSON goes to `*out_json` (required).
fn tracker_json<T: serde::Serialize>(
    tracker_: *const ac_tracker,
    out_json: *mut *mut c_char,
    read: impl FnOnce(&Tracker) -> Result<T, activity_core::Error>,
) -> ac_result {
    guard(|| {
        let t = tracker(tracker_)?;
        let slot = out(out_json, "out")?;
        *slot = json(&read(t)?)?;
        Ok(())
    })
}

/// Writes `value`'s JSON to `*out_json` unless the caller passed NULL (not wanted).
fn json_if_wanted<T: serde::Serialize>(
    out_json: *mut *mut c_char,
    value: &T,
) -> Result<(), Failure> {
    if !out_json.is_null() {
        *out(out_json, "out")? = json(value)?;
    }
    Ok(())
}

/// Starts tracking.
///
/// # Safety
/// `tracker` is live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ac_tracker_start(tracker_: *const ac_tracker) -> ac_result {
    guard(|| Ok(tracker(tracker_)?.start()?))
}

/// Pauses: nothing is counted or captured until `ac_tracker_resume`.
///
/// # Safety
/// `tracker` is live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ac_tracker_pause(tracker_: *const ac_tracker) -> ac_result {
    guard(|| Ok(tracker(tracker_)?.pause()?))
}

/// Resumes after a pause.
///
/// # Safety
/// `tracker` is live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ac_tracker_resume(tracker_: *const ac_tracker) -> ac_result {
    guard(|| Ok(tracker(tracker_)?.resume()?))
}

/// Stops: writes the open slot and activities, gives due uploads a last bounded pass, and
/// returns once every event of the run was delivered. `AC_REENTRANT` from the event callback.
///
/// # Safety
/// `tracker` is live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ac_tracker_stop(tracker_: *const ac_tracker) -> ac_result {
    guard(|| Ok(tracker(tracker_)?.stop()?))
}

/// Stops (if running) and frees the tracker; then the event callback's finaliser runs. NULL is a
/// no-op (`AC_OK`). From inside the event callback it answers `AC_REENTRANT` and frees nothing.
///
/// # Safety
/// `tracker` is live and not used by any other thread during or after this call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ac_tracker_free(tracker_: *mut ac_tracker) -> ac_result {
    guard(|| {
        if tracker_.is_null() {
            return Ok(());
        }
        // Close first, through a shared reference (the core's one close protocol): the last
        // events are delivered (the callback may still call the tracker), then the dispatcher
        // is shut, before anything of the tracker is dropped.
        // SAFETY: a live tracker (documented).
        let t = unsafe { &*tracker_ };
        match t.tracker.close() {
            Err(e) if e.kind() == activity_core::ErrorKind::Reentrant => {
                return Err(Failure::new(
                    ac_result::AC_REENTRANT,
                    "ac_tracker_free from inside the tracker's event callback or a storage \
                     callback; free it from another thread",
                ));
            }
            Err(e) => activity_core_log(&e),
            Ok(()) => {}
        }
        // SAFETY: made by `Box::into_raw` in `ac_tracker_new`, freed once.
        drop(unsafe { Box::from_raw(tracker_) });
        Ok(())
    })
}

/// Sets whom and what the time is tracked for; NULL means none.
///
/// # Safety
/// `tracker` is live; the strings are NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ac_tracker_set_context(
    tracker_: *const ac_tracker,
    employee: *const c_char,
    project: *const c_char,
    task: *const c_char,
) -> ac_result {
    guard(|| {
        let t = tracker(tracker_)?;
        let e = optional_text(employee, "employee")?;
        let p = optional_text(project, "project")?;
        let k = optional_text(task, "task")?;
        Ok(t.set_context(e, p, k)?)
    })
}

/// Counts one input event of `kind` (`AC_INPUT_*`) from the product's own hooks; only the kind
/// exists, never which key. Lock-free; ignored while stopped or paused.
///
/// # Safety
/// `tracker` is live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ac_tracker_record_input(
    tracker_: *const ac_tracker,
    kind: u32,
) -> ac_result {
    guard(|| {
        let t = tracker(tracker_)?;
        let event = match kind {
            AC_INPUT_KEY_PRESS => InputEvent::KeyPress,
            AC_INPUT_BUTTON_PRESS => InputEvent::ButtonPress,
            AC_INPUT_WHEEL => InputEvent::Wheel,
            AC_INPUT_POINTER_MOVE => InputEvent::PointerMove,
            AC_INPUT_PRESENCE => InputEvent::Presence,
            other => return Err(Failure::range("kind", other)),
        };
        t.record_input(event);
        Ok(())
    })
}

/// A window sample from the product's own hooks: `application` with `title` has the focus.
///
/// **How often**: on every change of focus or title, and then at least once every
/// `heartbeat_timeout` (configuration, default 5 s) while it stays the same — once a second is
/// what the built-in poller does. Samples of the same window and title merge into one record
/// while they arrive at most `heartbeat_timeout` apart; a longer gap ends the record at the last
/// sample, and the time until the next sample goes to no application (it is still tracked time:
/// slots count it). While the user is idle (`idle_after`) no application gets time whatever the
/// samples say. Ignored when `track_applications` is off.
///
/// # Safety
/// `tracker` is live; the strings are NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ac_tracker_record_window(
    tracker_: *const ac_tracker,
    application: *const c_char,
    title: *const c_char,
) -> ac_result {
    guard(|| {
        let t = tracker(tracker_)?;
        Ok(t.record_window(text(application, "application")?, text(title, "title")?)?)
    })
}

/// A URL sample (a browser integration): the active tab of `application` shows `url`. Sent as
/// window samples are (on change, then at least every `heartbeat_timeout`). The query string and
/// fragment are stripped (`strip_url_query`) and the exclusion rules applied before anything is
/// stored. A string that is not an absolute URL is `AC_INVALID_INPUT` (`about:blank` or
/// `chrome://newtab` are URLs: they say no website is in front).
///
/// # Safety
/// `tracker` is live; the strings are NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ac_tracker_record_url(
    tracker_: *const ac_tracker,
    application: *const c_char,
    title: *const c_char,
    url: *const c_char,
) -> ac_result {
    guard(|| {
        let t = tracker(tracker_)?;
        Ok(t.record_url(
            text(application, "application")?,
            text(title, "title")?,
            text(url, "url")?,
        )?)
    })
}

/// Reads the two screenshot switches and whether screenshots are taken (any out-pointer may be
/// NULL).
///
/// # Safety
/// `tracker` is live; the out-pointers are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ac_tracker_screenshot_switches(
    tracker_: *const ac_tracker,
    employee: *mut bool,
    organisation: *mut bool,
    effective: *mut bool,
) -> ac_result {
    guard(|| {
        let s = tracker(tracker_)?.screenshot_switches();
        // SAFETY: NULL or writable (documented).
        unsafe {
            if let Some(e) = employee.as_mut() {
                *e = s.employee;
            }
            if let Some(o) = organisation.as_mut() {
                *o = s.organisation;
            }
            if let Some(x) = effective.as_mut() {
                *x = s.effective();
            }
        }
        Ok(())
    })
}

fn switch(
    tracker_: *const ac_tracker,
    on: bool,
    effective: *mut bool,
    organisation: bool,
) -> ac_result {
    guard(|| {
        let t = tracker(tracker_)?;
        let s = if organisation {
            t.set_organisation_allows_screenshots(on)?
        } else {
            t.set_screenshots_enabled(on)?
        };
        // SAFETY: NULL or writable (documented).
        if let Some(e) = unsafe { effective.as_mut() } {
            *e = s.effective();
        }
        Ok(())
    })
}

/// The employee's switch (`isScreenshotEnabled`): at once, kept across restarts. `*effective`
/// (if not NULL) says whether screenshots are now taken (the organisation's off wins).
///
/// # Safety
/// `tracker` is live; `effective` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ac_tracker_set_screenshots_enabled(
    tracker_: *const ac_tracker,
    enabled: bool,
    effective: *mut bool,
) -> ac_result {
    switch(tracker_, enabled, effective, false)
}

/// The organisation's switch (`allowScreenshotCapture`): its off always wins.
///
/// # Safety
/// `tracker` is live; `effective` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ac_tracker_set_organisation_allows_screenshots(
    tracker_: *const ac_tracker,
    allowed: bool,
    effective: *mut bool,
) -> ac_result {
    switch(tracker_, allowed, effective, true)
}

/// A read by viewer and query, answered as JSON in `*out_json`.
fn read_json<T: serde::Serialize>(
    tracker_: *const ac_tracker,
    viewer_json: *const c_char,
    query_json: *const c_char,
    out_json: *mut *mut c_char,
    read: impl FnOnce(&Tracker, &Viewer, &Query) -> Result<T, activity_core::Error>,
) -> ac_result {
    guard(|| {
        let t = tracker(tracker_)?;
        let (v, q): (Viewer, Query) = (viewer(viewer_json)?, from_json(query_json, "query")?);
        let slot = out(out_json, "out")?;
        *slot = json(&read(t, &v, &q)?)?;
        Ok(())
    })
}

/// The viewer: required (NULL is `AC_INVALID_INPUT`, never "everyone"); the core parses and
/// checks it.
pub(crate) fn viewer(p: *const c_char) -> Result<Viewer, Failure> {
    Ok(Viewer::from_json(optional_text(p, "viewer")?)?)
}

/// Screenshots (`query`: `{"from": …, "to": …, "employee": …, "project": …}`, NULL for all)
/// that `viewer` (`{"role": "employee", "id": "ana"}`, `{"role": "manager", "id": …, "team":
/// […]}`, or `{"role": "admin"}` for the product itself; required) may see, as a JSON array. `*out` is owned by the
/// caller: free it with `ac_string_free`.
///
/// # Safety
/// `tracker` is live; `viewer` NUL-terminated (NULL is refused); `query` NULL or NUL-terminated; `out` points to a `char *`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ac_tracker_screenshots_json(
    tracker_: *const ac_tracker,
    viewer_json: *const c_char,
    query_json: *const c_char,
    out_json: *mut *mut c_char,
) -> ac_result {
    read_json(tracker_, viewer_json, query_json, out_json, |t, v, q| {
        t.screenshots(v, q)
    })
}

/// Answers idle period `id` (from an `idle_detected` or `idle_returned` event) with
/// `answer_json`: `{"answer": "keep"}`, `{"answer": "discard"}` (removes the period to the
/// second, deletes its screenshots everywhere, pauses), `{"answer": "discard_and_continue"}`,
/// `{"answer": "reassign", "project": "B"}` or `{"answer": "add_as_new_entry", "project": "B",
/// "note": "…"}`. On success `*out_json` (NULL: not wanted) holds the resolution
/// (`{"id", "since", "until", "answer", …, "decided_by", "paused", "screenshots_deleted"}`),
/// freed with `ac_string_free`. The same answer twice is `AC_OK`; a different answer for a
/// decided period is `AC_INVALID_STATE`; an unknown id `AC_NOT_FOUND`; a bad answer
/// `AC_INVALID_INPUT`.
///
/// # Safety
/// `tracker` is live; `answer_json` NUL-terminated; `out_json` NULL or points to a `char *`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ac_tracker_resolve_idle(
    tracker_: *const ac_tracker,
    id: u64,
    answer_json: *const c_char,
    out_json: *mut *mut c_char,
) -> ac_result {
    guard(|| {
        let t = tracker(tracker_)?;
        let raw = text(answer_json, "answer")?;
        let answer: activity_core::IdleAnswer = serde_json::from_str(raw).map_err(|e| {
            Failure::new(
                ac_result::AC_INVALID_INPUT,
                format!("answer: {e} (in {raw:?})"),
            )
        })?;
        let resolution = t.resolve_idle(id, answer)?;
        json_if_wanted(out_json, &resolution)
    })
}

/// Puts an idle policy in force while tracking runs: `{"threshold": "10m", "decision":
/// "prompt" | "always_keep" | "always_discard", "proof_timeout": 60}` (missing fields take
/// their defaults), or NULL for none. A field out of range is `AC_INVALID_CONFIG` naming it.
///
/// # Safety
/// `tracker` is live; `policy_json` NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ac_tracker_set_idle_policy(
    tracker_: *const ac_tracker,
    policy_json: *const c_char,
) -> ac_result {
    guard(|| {
        let t = tracker(tracker_)?;
        let policy: Option<activity_core::IdlePolicy> = match optional_text(policy_json, "policy")?
        {
            None => None,
            Some(raw) => Some(serde_json::from_str(raw).map_err(|e| {
                Failure::new(
                    ac_result::AC_INVALID_CONFIG,
                    format!("policy: {e} (in {raw:?})"),
                )
            })?),
        };
        Ok(t.set_idle_policy(policy)?)
    })
}

/// Decided idle periods (kept, discarded, moved: `{"id", "employee", "since", "until",
/// "answer", "project"?, "note"?, "decided_by", "decided_at"}`) as a JSON array; arguments as
/// for `ac_tracker_screenshots_json`.
///
/// # Safety
/// As `ac_tracker_screenshots_json`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ac_tracker_idle_periods_json(
    tracker_: *const ac_tracker,
    viewer_json: *const c_char,
    query_json: *const c_char,
    out_json: *mut *mut c_char,
) -> ac_result {
    read_json(tracker_, viewer_json, query_json, out_json, |t, v, q| {
        t.idle_periods(v, q)
    })
}

/// Parses an optional JSON argument whose problems are configuration errors.
fn policy_json<T: serde::de::DeserializeOwned>(
    p: *const c_char,
    argument: &str,
) -> Result<Option<T>, Failure> {
    match optional_text(p, argument)? {
        None => Ok(None),
        Some(raw) => serde_json::from_str(raw).map(Some).map_err(|e| {
            Failure::new(
                ac_result::AC_INVALID_CONFIG,
                format!("{argument}: {e} (in {raw:?})"),
            )
        }),
    }
}

/// Puts a retention policy in force (`{"screenshots": "365d", "thumbnails": …,
/// "window_titles": …, "urls": "60d", "activities": …, "slots": …, "keep_rollups": true}`,
/// durations as in the configuration, each at least a day), or NULL for none. A running
/// tracker purges with it at its next turn, then daily (`purged` events).
///
/// # Safety
/// `tracker` is live; `policy_json` NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ac_tracker_set_retention_policy(
    tracker_: *const ac_tracker,
    policy_json: *const c_char,
) -> ac_result {
    guard(|| {
        let t = tracker(tracker_)?;
        Ok(t.set_retention_policy(policy_json_arg(policy_json)?)?)
    })
}

fn policy_json_arg(
    p: *const c_char,
) -> Result<Option<activity_core::model::retention::RetentionPolicy>, Failure> {
    policy_json(p, "policy")
}

/// Purges what a retention policy no longer keeps at `now_ms` (milliseconds since the epoch):
/// `policy_json`, or NULL for the policy in force (none: `AC_INVALID_STATE`). Every copy goes:
/// rows, spool files, pending uploads, thumbnails, and the provider's objects (durably queued,
/// tried now when this process may reach the provider). Resumable and idempotent; logged.
/// `*out_json` (NULL: not wanted) receives the run's report (`{"at", "cutoffs", "screenshots",
/// "full_images", "thumbnails", "window_titles", "urls", "activities", "slots",
/// "remote_deletes_queued"}`), freed with `ac_string_free`.
///
/// # Safety
/// `tracker` is live; `policy_json` NULL or NUL-terminated; `out_json` NULL or points to a
/// `char *`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ac_tracker_purge(
    tracker_: *const ac_tracker,
    policy_json: *const c_char,
    now_ms: i64,
    out_json: *mut *mut c_char,
) -> ac_result {
    guard(|| {
        let t = tracker(tracker_)?;
        let now = activity_core::Timestamp::from_millis(now_ms);
        let report = match policy_json_arg(policy_json)? {
            Some(p) => t.purge_with(&p, now)?,
            None => t.purge(now)?,
        };
        json_if_wanted(out_json, &report)
    })
}

fn dataset_arg(p: *const c_char) -> Result<Option<activity_core::dataset::DatasetConfig>, Failure> {
    match optional_text(p, "dataset")? {
        None => Ok(None),
        Some(raw) => activity_core::dataset::DatasetConfig::from_json_str(raw)
            .map(Some)
            .map_err(|e| Failure::new(ac_result::AC_INVALID_CONFIG, e.to_string())),
    }
}

/// `ac_tracker_export`'s `since_ms` / `until_ms` for "no bound".
pub const AC_UNBOUNDED: i64 = i64::MIN;

/// The millisecond bound `ms`, or none for `AC_UNBOUNDED` (`INT64_MIN`).
fn bound(ms: i64) -> Option<activity_core::Timestamp> {
    (ms != i64::MIN).then(|| activity_core::Timestamp::from_millis(ms))
}

/// Writes the data folder's records to the dataset `dataset_json` as Hive-partitioned Parquet
/// files (`<prefix>/<table>/org=<org>/date=YYYY-MM-DD/part-<device>.parquet`; tables `slots`,
/// `activities`, `screenshots`): every table-day in `[since_ms, until_ms)` (whole UTC days;
/// `AC_UNBOUNDED` for either: no bound) that changed since the dataset received it, replacing
/// its file, or removing it when the day's rows are all gone. Idempotent. `dataset_json`:
/// `{"org": "acme", "folder": "/srv/lake"}` or `{"org": "acme", "storage": {"FILE_PROVIDER":
/// "S3", …}}`, with optional `"prefix"`, `"device"`, `"titles"` (default false: window titles
/// stay on the device) and `"every_seconds"` (the schedule of `ac_tracker_set_dataset`); a bad
/// one is `AC_INVALID_CONFIG` naming the field. A store that fails is `AC_IO`: what was
/// written stays, the next export goes on from there. `*out_json` (NULL: not wanted) receives
/// `{"device", "written": [{"table", "date", "key", "rows", "bytes"}], "removed": [keys],
/// "unchanged"}`, freed with `ac_string_free`.
///
/// # Safety
/// `tracker` is live; `dataset_json` NUL-terminated; `out_json` NULL or points to a `char *`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ac_tracker_export(
    tracker_: *const ac_tracker,
    dataset_json: *const c_char,
    since_ms: i64,
    until_ms: i64,
    out_json: *mut *mut c_char,
) -> ac_result {
    guard(|| {
        let t = tracker(tracker_)?;
        let dataset = dataset_arg(dataset_json)?.ok_or_else(|| Failure::null("dataset_json"))?;
        let report = t.export(&dataset, bound(since_ms), bound(until_ms))?;
        json_if_wanted(out_json, &report)
    })
}

/// Exports to `dataset_json` (as for `ac_tracker_export`) while the tracker runs: at start,
/// then every `every_seconds` (default 3600), retried after 30 s, 1 min, 2 min… while the store
/// fails (`export_retrying` events; each run an `exported` event). NULL ends it.
///
/// # Safety
/// `tracker` is live; `dataset_json` NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ac_tracker_set_dataset(
    tracker_: *const ac_tracker,
    dataset_json: *const c_char,
) -> ac_result {
    guard(|| {
        let t = tracker(tracker_)?;
        Ok(t.set_dataset(dataset_arg(dataset_json)?)?)
    })
}

/// Every purge run recorded in the data folder, newest first, as a JSON array of reports.
///
/// # Safety
/// `tracker` is live; `out_json` points to a `char *`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ac_tracker_purge_log_json(
    tracker_: *const ac_tracker,
    out_json: *mut *mut c_char,
) -> ac_result {
    tracker_json(tracker_, out_json, |t| t.purge_log())
}

/// Exports everything kept about `employee` into `folder` (GDPR articles 15 and 20): JSON
/// Lines per table, every screenshot and thumbnail, and `manifest.json` with the counts and
/// each file's size and SHA-256. `viewer` must be allowed to see the employee. `*out_json`
/// (NULL: not wanted) receives the manifest.
///
/// # Safety
/// `tracker` is live; `viewer_json`, `employee` and `folder` NUL-terminated; `out_json` NULL or
/// points to a `char *`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ac_tracker_export_subject(
    tracker_: *const ac_tracker,
    viewer_json: *const c_char,
    employee: *const c_char,
    folder: *const c_char,
    out_json: *mut *mut c_char,
) -> ac_result {
    guard(|| {
        let t = tracker(tracker_)?;
        let v = viewer(viewer_json)?;
        let manifest =
            t.export_subject(&v, text(employee, "employee")?, text(folder, "folder")?)?;
        json_if_wanted(out_json, &manifest)
    })
}

/// Erases everything kept about `employee`: screenshots everywhere (the provider's objects
/// through durable deletes), slots, activities, idle periods, rollups, consent. `*out_json`
/// (NULL: not wanted) receives the counts removed.
///
/// # Safety
/// `tracker` is live; `viewer_json` and `employee` NUL-terminated; `out_json` NULL or points to
/// a `char *`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ac_tracker_erase_subject(
    tracker_: *const ac_tracker,
    viewer_json: *const c_char,
    employee: *const c_char,
    out_json: *mut *mut c_char,
) -> ac_result {
    guard(|| {
        let t = tracker(tracker_)?;
        let v = viewer(viewer_json)?;
        let report = t.erase_subject(&v, text(employee, "employee")?)?;
        json_if_wanted(out_json, &report)
    })
}

/// Records what an employee agreed to: `{"employee": "ana", "screenshots": true,
/// "applications": true, "urls": false, "input": true, "policy_version": "2026-11",
/// "accepted_at": "2026-12-01T09:00:00Z"}`. While that employee is tracked, features not
/// consented stop at once. A missing field is `AC_INVALID_INPUT`, naming it.
///
/// # Safety
/// `tracker` is live; `consent_json` NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ac_tracker_record_consent(
    tracker_: *const ac_tracker,
    consent_json: *const c_char,
) -> ac_result {
    guard(|| {
        let t = tracker(tracker_)?;
        let raw = text(consent_json, "consent")?;
        let consent: activity_core::model::retention::Consent =
            serde_json::from_str(raw).map_err(|e| {
                Failure::new(
                    ac_result::AC_INVALID_INPUT,
                    format!("consent: {e} (in {raw:?})"),
                )
            })?;
        Ok(t.record_consent(consent)?)
    })
}

/// The consent recorded for `employee` (NULL: time tracked without one) as JSON, or `null`.
///
/// # Safety
/// `tracker` is live; `employee` NULL or NUL-terminated; `out_json` points to a `char *`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ac_tracker_consent_json(
    tracker_: *const ac_tracker,
    employee: *const c_char,
    out_json: *mut *mut c_char,
) -> ac_result {
    guard(|| {
        let t = tracker(tracker_)?;
        let e = optional_text(employee, "employee")?;
        let slot = out(out_json, "out")?;
        *slot = json(&t.consent(e)?)?;
        Ok(())
    })
}

/// Puts productivity category sets in force: `layers_json` is ActivityWatch's category export
/// as it is (`{"id": …, "categories": [{"name": ["Work", "Programming"], "rule": {"type":
/// "regex", "regex": "…", "ignore_case": true}, "data": {"score": 5}}, …]}`, the legacy form, or
/// a bare list of categories), or a JSON array of such sets, layered: the first set that names a
/// category defines it. A rule that does not compile is `AC_INVALID_INPUT`, naming its set and
/// index. Kept in the data folder.
///
/// # Safety
/// `tracker` is live; `layers_json` NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ac_tracker_set_categories(
    tracker_: *const ac_tracker,
    layers_json: *const c_char,
) -> ac_result {
    guard(|| {
        let t = tracker(tracker_)?;
        let raw = text(layers_json, "layers")?;
        let layers = parse_layers(raw)?;
        Ok(t.set_categories(layers)?)
    })
}

/// One set, or an array of sets (an array whose items are categories is one bare set).
fn parse_layers(raw: &str) -> Result<Vec<activity_core::model::category::CategorySet>, Failure> {
    use activity_core::model::category::CategorySet;
    let bad = |e: String| Failure::new(ac_result::AC_INVALID_INPUT, format!("layers: {e}"));
    let value: serde_json::Value = serde_json::from_str(raw).map_err(|e| bad(e.to_string()))?;
    let is_set_list = value
        .as_array()
        .is_some_and(|a| a.iter().all(|v| v.get("categories").is_some()) && !a.is_empty());
    if is_set_list {
        serde_json::from_value(value).map_err(|e| bad(e.to_string()))
    } else {
        Ok(vec![
            serde_json::from_value::<CategorySet>(value).map_err(|e| bad(e.to_string()))?,
        ])
    }
}

/// The category sets in force (ActivityWatch's default set unless set), as a JSON array of
/// exports.
///
/// # Safety
/// `tracker` is live; `out_json` points to a `char *`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ac_tracker_categories_json(
    tracker_: *const ac_tracker,
    out_json: *mut *mut c_char,
) -> ac_result {
    tracker_json(tracker_, out_json, |t| Ok(t.categories()))
}

/// The category of one record as a JSON array of names (`["Work", "Programming"]`,
/// `["Uncategorized"]`). `url` may be NULL.
///
/// # Safety
/// `tracker` is live; `app` and `title` NUL-terminated; `url` NULL or NUL-terminated;
/// `out_json` points to a `char *`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ac_tracker_classify(
    tracker_: *const ac_tracker,
    app: *const c_char,
    title: *const c_char,
    url: *const c_char,
    out_json: *mut *mut c_char,
) -> ac_result {
    guard(|| {
        let t = tracker(tracker_)?;
        let name = t.classify(
            text(app, "app")?,
            text(title, "title")?,
            optional_text(url, "url")?,
        );
        let slot = out(out_json, "out")?;
        *slot = json(&name)?;
        Ok(())
    })
}

/// Slots (both activity figures) as a JSON array; arguments as for `ac_tracker_screenshots_json`.
///
/// # Safety
/// As `ac_tracker_screenshots_json`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ac_tracker_slots_json(
    tracker_: *const ac_tracker,
    viewer_json: *const c_char,
    query_json: *const c_char,
    out_json: *mut *mut c_char,
) -> ac_result {
    read_json(tracker_, viewer_json, query_json, out_json, |t, v, q| {
        t.slots(v, q)
    })
}

/// Application and website records as a JSON array; arguments as for
/// `ac_tracker_screenshots_json`.
///
/// # Safety
/// As `ac_tracker_screenshots_json`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ac_tracker_activities_json(
    tracker_: *const ac_tracker,
    viewer_json: *const c_char,
    query_json: *const c_char,
    out_json: *mut *mut c_char,
) -> ac_result {
    read_json(tracker_, viewer_json, query_json, out_json, |t, v, q| {
        t.activities(v, q)
    })
}

/// A screenshot's encoded bytes (`thumbnail`: the thumbnail), from the spool while not uploaded.
/// `AC_NOT_FOUND` for one the viewer may not see. `*data`/`*len` are owned by the caller: free
/// them with `ac_bytes_free`.
///
/// # Safety
/// `tracker` is live; `viewer` NUL-terminated (NULL is refused); `id` NUL-terminated; outs writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ac_tracker_screenshot_bytes(
    tracker_: *const ac_tracker,
    viewer_json: *const c_char,
    id: *const c_char,
    thumbnail: bool,
    data: *mut *mut u8,
    len: *mut usize,
) -> ac_result {
    guard(|| {
        let t = tracker(tracker_)?;
        let v = viewer(viewer_json)?;
        let id = text(id, "id")?;
        let (d, l) = (out(data, "data")?, out(len, "len")?);
        (*d, *l) = give_bytes(t.screenshot_bytes(&v, id, thumbnail)?);
        Ok(())
    })
}

/// A URL delivering an uploaded screenshot for `expires_seconds` (1 ..= 604 800);
/// `AC_INVALID_STATE` before it is uploaded. `*url` is owned by the caller (`ac_string_free`).
///
/// # Safety
/// As `ac_tracker_screenshot_bytes`; `url` points to a `char *`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ac_tracker_screenshot_url(
    tracker_: *const ac_tracker,
    viewer_json: *const c_char,
    id: *const c_char,
    thumbnail: bool,
    expires_seconds: u64,
    url: *mut *mut c_char,
) -> ac_result {
    guard(|| {
        let t = tracker(tracker_)?;
        let v = viewer(viewer_json)?;
        let id = text(id, "id")?;
        let slot = out(url, "url")?;
        let u = t.screenshot_url(&v, id, thumbnail, Duration::from_secs(expires_seconds))?;
        *slot = give_string(u.to_string());
        Ok(())
    })
}

/// Deletes a screenshot everywhere: at once here, and at the provider (confirmed, or queued and
/// retried until it confirms). `*outcome_json` (if not NULL) receives `{"id": …,
/// "remote_deleted": […], "remote_queued": […], "error": …}`, owned by the caller.
///
/// # Safety
/// As `ac_tracker_screenshot_bytes`; `outcome_json` NULL or pointing to a `char *`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ac_tracker_delete_screenshot(
    tracker_: *const ac_tracker,
    viewer_json: *const c_char,
    id: *const c_char,
    outcome_json: *mut *mut c_char,
) -> ac_result {
    guard(|| {
        let t = tracker(tracker_)?;
        let v = viewer(viewer_json)?;
        let id = text(id, "id")?;
        let outcome = t.delete_screenshot(&v, id)?;
        // SAFETY: NULL or writable (documented).
        if let Some(slot) = unsafe { outcome_json.as_mut() } {
            *slot = json(&outcome)?;
        }
        Ok(())
    })
}

/// Uploads and remote deletions not yet confirmed, as JSON (`{"count": …, "deletes": …,
/// "oldest": …, "items": […]}`), owned by the caller.
///
/// # Safety
/// `tracker` is live; `out` points to a `char *`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ac_tracker_pending_json(
    tracker_: *const ac_tracker,
    out_json: *mut *mut c_char,
) -> ac_result {
    guard(|| {
        let t = tracker(tracker_)?;
        let slot = out(out_json, "out")?;
        *slot = json(&t.pending_uploads()?)?;
        Ok(())
    })
}

/// Drains the outbox now (uploads and deletions, retries included) and gives what is left, as
/// `ac_tracker_pending_json` does (`out_json` may be NULL).
///
/// # Safety
/// `tracker` is live; `out_json` NULL or pointing to a `char *`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ac_tracker_sync(
    tracker_: *const ac_tracker,
    out_json: *mut *mut c_char,
) -> ac_result {
    guard(|| {
        let left = tracker(tracker_)?.sync()?;
        // SAFETY: NULL or writable (documented).
        if let Some(slot) = unsafe { out_json.as_mut() } {
            *slot = json(&left)?;
        }
        Ok(())
    })
}

/// What the built-in sources can do on this machine, and why not, as JSON (`{"session": …,
/// "screens": {"state": "available"}, …}`), owned by the caller.
///
/// # Safety
/// `out` points to a `char *`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ac_capabilities_json(out_json: *mut *mut c_char) -> ac_result {
    guard(|| {
        let slot = out(out_json, "out")?;
        *slot = json(&Tracker::capabilities())?;
        Ok(())
    })
}

/// The platform's conventional data folder (`%LOCALAPPDATA%\activity-core` on Windows,
/// `$XDG_DATA_HOME/activity-core` or `~/.local/share/activity-core` on Linux), owned by the
/// caller (`ac_string_free`). `AC_NOT_FOUND` when the environment names no such place. The
/// library never picks a folder by itself: pass it as `ac_tracker_options.data_dir`.
///
/// # Safety
/// `out_path` points to a `char *`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ac_default_data_dir(out_path: *mut *mut c_char) -> ac_result {
    guard(|| {
        let slot = out(out_path, "out_path")?;
        let dir = Tracker::default_data_dir().ok_or_else(|| {
            Failure::new(
                ac_result::AC_NOT_FOUND,
                "no default data folder: LOCALAPPDATA (Windows) or HOME/XDG_DATA_HOME is not set",
            )
        })?;
        let text = dir.to_str().ok_or_else(|| {
            Failure::new(
                ac_result::AC_INVALID_UTF8,
                "the default data folder is not UTF-8",
            )
        })?;
        *slot = give_string(text.to_string());
        Ok(())
    })
}

/// `ac_tracker_report` output: the report as JSON (the serialised form).
pub const AC_REPORT_JSON: u32 = 0;
/// `ac_tracker_report` output: one self-contained HTML page (no script, nothing loaded).
pub const AC_REPORT_HTML: u32 = 1;
/// `ac_tracker_report` output: the day timeline as SVG.
pub const AC_REPORT_TIMELINE_SVG: u32 = 2;
/// `ac_tracker_report` output: top applications as SVG.
pub const AC_REPORT_TOP_APPLICATIONS_SVG: u32 = 3;
/// `ac_tracker_report` output: top websites as SVG.
pub const AC_REPORT_TOP_WEBSITES_SVG: u32 = 4;
/// `ac_tracker_report` output: the distribution histogram as SVG.
pub const AC_REPORT_DISTRIBUTION_SVG: u32 = 5;
/// `ac_tracker_report` output: the report as JSON without indentation or line breaks (the same
/// document as `AC_REPORT_JSON`, about a third of its size over a long period).
pub const AC_REPORT_JSON_COMPACT: u32 = 6;

/// The report of a period over what `viewer` may see, as `output` (`AC_REPORT_*`). `request`:
/// `{"period": {"first": "2026-11-30", "last": "2026-11-30", "time_zone": "Europe/Berlin"},
/// "employee": null, "project": null, "top_n": 10, "categories": true}` (only `period` is
/// required); an unknown time zone or a bad date is
/// `AC_INVALID_INPUT`. `*out` is owned by the caller: free it with `ac_string_free`.
///
/// # Safety
/// `tracker` is live; `viewer_json` NUL-terminated (NULL is refused); `request_json` NUL-terminated;
/// `out` points to a `char *`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ac_tracker_report(
    tracker_: *const ac_tracker,
    viewer_json: *const c_char,
    request_json: *const c_char,
    output: u32,
    out_text: *mut *mut c_char,
) -> ac_result {
    guard(|| {
        let t = tracker(tracker_)?;
        let v = viewer(viewer_json)?;
        let text_in = text(request_json, "request")?;
        let request: activity_core::runtime::ReportRequest = serde_json::from_str(text_in)
            .map_err(|e| {
                Failure::new(
                    ac_result::AC_INVALID_INPUT,
                    format!("request: {e} (in {text_in:?})"),
                )
            })?;
        if output > AC_REPORT_JSON_COMPACT {
            return Err(Failure::range("output", output));
        }
        let slot = out(out_text, "out")?;
        let r = t.report(&v, &request)?;
        *slot = give_string(render(&r, output));
        Ok(())
    })
}

/// `r` as `output` (`AC_REPORT_*`, checked by the caller).
pub(crate) fn render(r: &activity_core::model::report::Report, output: u32) -> String {
    match output {
        AC_REPORT_JSON => r.to_json(),
        AC_REPORT_JSON_COMPACT => r.to_json_compact(),
        AC_REPORT_HTML => r.to_html(),
        AC_REPORT_TIMELINE_SVG => r.timeline_svg(),
        AC_REPORT_TOP_APPLICATIONS_SVG => r.top_applications_svg(),
        AC_REPORT_TOP_WEBSITES_SVG => r.top_websites_svg(),
        _ => r.distribution_svg(),
    }
}

/// Installs the browser extension's native messaging host for `browser` (`"chromium"`,
/// `"chrome"` or `"firefox"`), feeding the tracker of `data_dir`: writes a launcher into
/// `data_dir` and the host manifest where the browser looks for it (`user_data_dir`: a
/// browser profile folder given to the browser with `--user-data-dir`, its manifests then go
/// to `<user_data_dir>/NativeMessagingHosts/`; NULL: the user's default). `host_path` is the
/// `activity-core-browser-host` program. `*out_manifest` (the manifest's path) is owned by the
/// caller: free it with `ac_string_free`. An unknown browser is `AC_INVALID_INPUT`, a missing
/// host program `AC_NOT_FOUND`, a folder that cannot be written `AC_IO`.
///
/// # Safety
/// The strings are NUL-terminated (`user_data_dir` may be NULL); `out_manifest` points to a
/// `char *`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ac_browser_host_install(
    browser: *const c_char,
    user_data_dir: *const c_char,
    data_dir: *const c_char,
    host_path: *const c_char,
    out_manifest: *mut *mut c_char,
) -> ac_result {
    use activity_core::browser::install::{Browser, InstallError, install};
    guard(|| {
        let slot = out(out_manifest, "out_manifest")?;
        let browser: Browser = text(browser, "browser")?
            .parse()
            .map_err(|e: InstallError| Failure::new(ac_result::AC_INVALID_INPUT, e.to_string()))?;
        let profile = optional_text(user_data_dir, "user_data_dir")?;
        let data_dir = text(data_dir, "data_dir")?;
        let host = text(host_path, "host_path")?;
        let done = install(
            browser,
            profile.map(std::path::Path::new),
            std::path::Path::new(data_dir),
            std::path::Path::new(host),
        )
        .map_err(|e| {
            let code = match e {
                InstallError::NoHost(_) => ac_result::AC_NOT_FOUND,
                InstallError::UnknownBrowser(_) | InstallError::BadPath(_) => {
                    ac_result::AC_INVALID_INPUT
                }
                _ => ac_result::AC_IO,
            };
            Failure::new(code, e.to_string())
        })?;
        *slot = give_string(done.manifest.display().to_string());
        Ok(())
    })
}

/// Windows: keeps activity_core.dll loaded for the life of the process once a tracker exists
/// (`GET_MODULE_HANDLE_EX_FLAG_PIN`): threads a freed tracker leaves to finish (a timed-out
/// storage call, the process-wide input hooks) run this library's code, so `FreeLibrary` must
/// not unmap it. The counterpart of `-z nodelete` on Linux.
#[cfg(windows)]
fn pin_library() {
    use windows_sys::Win32::System::LibraryLoader::{
        GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS, GET_MODULE_HANDLE_EX_FLAG_PIN, GetModuleHandleExW,
    };
    static PINNED: std::sync::Once = std::sync::Once::new();
    PINNED.call_once(|| {
        let mut module = std::ptr::null_mut();
        // SAFETY: the address is a function of this DLL; `module` receives its handle.
        unsafe {
            GetModuleHandleExW(
                GET_MODULE_HANDLE_EX_FLAG_PIN | GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS,
                pin_library as *const () as *const u16,
                &mut module,
            )
        };
    });
}
