//! `activity_core._native`: the pyo3 module under the `activity_core` Python package. Thin:
//! every value crosses in the library's serialised forms and the package makes typed objects.
#![allow(unsafe_code)]

mod errors;
mod media;
mod storage;
mod tracker;

use pyo3::prelude::*;

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    errors::register(m)?;
    m.add_class::<tracker::NativeConfig>()?;
    m.add_class::<tracker::NativeTracker>()?;
    m.add_class::<storage::Storage>()?;
    m.add_function(wrap_pyfunction!(tracker::browser_host_install, m)?)?;
    m.add_function(wrap_pyfunction!(media::process, m)?)?;
    m.add_function(wrap_pyfunction!(media::blur, m)?)?;
    m.add_function(wrap_pyfunction!(media::thumbnail, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
