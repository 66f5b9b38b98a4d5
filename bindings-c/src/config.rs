//! `ac_config`: a configuration read from JSON.

use std::ffi::c_char;

use activity_core::Config;

use crate::ffi::{out, text};
use crate::result::{ac_result, guard, guard_void};

/// A validated configuration. Opaque; free it with `ac_config_free`.
pub struct ac_config {
    pub(crate) config: Config,
}

/// Reads a configuration from a JSON object: snake_case or Ever Gauzy's camelCase names
/// (`screenshotFrequency`, `isScreenshotEnabled`, …). Every problem is reported at once: the
/// message of `AC_INVALID_CONFIG` names each field at fault. On success `*out` owns a new
/// `ac_config`.
///
/// # Safety
/// `json` is a NUL-terminated string; `out` points to an `ac_config *`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ac_config_from_json(
    json: *const c_char,
    out_config: *mut *mut ac_config,
) -> ac_result {
    guard(|| {
        let json = text(json, "json")?;
        let slot = out(out_config, "out")?;
        let config = Config::from_json_str(json).map_err(activity_core::Error::from)?;
        *slot = Box::into_raw(Box::new(ac_config { config }));
        Ok(())
    })
}

/// The configuration as JSON (every setting, defaults included), for logging or inspection.
/// `*out` is owned by the caller: free it with `ac_string_free`.
///
/// # Safety
/// `config` comes from `ac_config_from_json`; `out` points to a `char *`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ac_config_to_json(
    config: *const ac_config,
    out_json: *mut *mut c_char,
) -> ac_result {
    guard(|| {
        let config = crate::ffi::arg(config, "config")?;
        let slot = out(out_json, "out")?;
        *slot = crate::ffi::json(&config.config)?;
        Ok(())
    })
}

/// Frees a configuration. NULL is a no-op. A tracker made from it keeps its own copy.
///
/// # Safety
/// `config` comes from `ac_config_from_json` and is freed once.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ac_config_free(config: *mut ac_config) {
    guard_void(|| {
        if !config.is_null() {
            // SAFETY: made by `Box::into_raw` in `ac_config_from_json`.
            drop(unsafe { Box::from_raw(config) });
        }
    });
}
