//! The C API of activity-core: `libactivity_core.so` / `.a` and `include/activity_core.h`
//! (generated from this crate by the pinned cbindgen; see `cbindgen.toml`).
//!
//! A thin translation of the Rust API: opaque handles `ac_<noun>` with `_new`/`_free`, every
//! function returning an `ac_result`, out-parameters written only on success, the message of the
//! last failure per thread, and every export inside a panic boundary. Richer values (events,
//! rows, capabilities) cross as JSON in the library's documented serialised forms.
#![allow(non_camel_case_types)]
#![deny(unsafe_op_in_unsafe_fn)]

mod config;
mod ffi;
mod media;
mod org;
mod result;
mod storage;
mod tracker;
mod version;

pub use config::*;
pub use ffi::{ac_bytes_free, ac_free_callback, ac_string_free};
pub use media::*;
pub use org::*;
pub use result::*;
pub use storage::*;
pub use tracker::*;
pub use version::*;
