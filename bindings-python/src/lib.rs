//! `activity_core._native`: the pyo3 module under the `activity_core` Python package. Thin:
//! every value crosses in the library's serialised forms and the package makes typed objects.
#![allow(unsafe_code)]

mod errors;
mod media;
mod org;
mod storage;
mod tracker;

use std::sync::atomic::{AtomicU32, Ordering};

use pyo3::prelude::*;

/// This process's id, as of the module's import or the last fork (the package registers
/// `_after_fork` with `os.register_at_fork`): a fork check without a `getpid` system call, for
/// calls as cheap as `record_input`.
static PID: AtomicU32 = AtomicU32::new(0);

/// The id of this process, cached (see [`PID`]).
pub(crate) fn pid() -> u32 {
    PID.load(Ordering::Relaxed)
}

/// Called in a forked child (registered by the package).
#[pyfunction]
fn _after_fork() {
    PID.store(std::process::id(), Ordering::Relaxed);
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    PID.store(std::process::id(), Ordering::Relaxed);
    errors::register(m)?;
    m.add_class::<tracker::NativeConfig>()?;
    m.add_class::<tracker::NativeTracker>()?;
    m.add_class::<tracker::ManualClock>()?;
    m.add_class::<storage::Storage>()?;
    m.add_function(wrap_pyfunction!(tracker::browser_host_install, m)?)?;
    m.add_function(wrap_pyfunction!(_after_fork, m)?)?;
    m.add_function(wrap_pyfunction!(org::org_queries, m)?)?;
    m.add_function(wrap_pyfunction!(org::org_assemble, m)?)?;
    m.add_function(wrap_pyfunction!(media::process, m)?)?;
    m.add_function(wrap_pyfunction!(media::blur, m)?)?;
    m.add_function(wrap_pyfunction!(media::thumbnail, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
