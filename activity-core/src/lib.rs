//! # activity-core
//!
//! Embeddable activity tracking for time-tracking products: keyboard/mouse activity levels per
//! time slot, application and website tracking, periodic screenshots with blur and thumbnails, and
//! screenshot storage. The entry point is [`Tracker`].
//!
//! Layers, top uses bottom:
//!
//! | module | layer |
//! |---|---|
//! | [`runtime`] | [`Tracker`]: threads, sources, pipeline, record store and uploader; events to the embedder |
//! | [`capture`] | OS-facing sources behind small traits (X11 through x11rb, Wayland, evdev; xcap, rdev and active-win-pos-rs on Windows), [`capture::capabilities`] |
//! | [`storage`] | provider trait and backends (local, S3, Wasabi, DigitalOcean Spaces, Cloudinary), SQLite record store, upload outbox |
//! | [`media`] | pure functions on pixel buffers: blur, thumbnail, encode |
//! | [`model`] | pure definitions, no I/O: config, slots, scoring, activity merging, schedule, reports |
//! | [`clock`] | `Timestamp` and the `Clock` the rest reads time from |
//!
//! The model runs entirely under a [`ManualClock`], so every definition below can be tested
//! deterministically.
//!
//! ## Cargo features
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `screens` | on | the built-in screen sources: X11 (RandR + `GetImage`), wlr-screencopy, the Screenshot portal; GDI on Windows |
//! | `input` | on | the built-in keyboard/mouse sources: X11 RECORD, evdev, the idle-notification protocols; low-level hooks on Windows |
//! | `windows` | on | the built-in active-window sources: X11 EWMH, wlr-foreign-toplevel, the KWin script, the GNOME extension; the foreground window on Windows |
//! | `turbojpeg` | on | JPEG through libjpeg-turbo, built from source (needs cmake and nasm); without it the pure-Rust `jpeg-encoder`, about 2.5× slower |
//! | `webp` | on | WebP output through libwebp (compiled from source) |
//! | `internals` | off | not part of the API: exposes the record store and outbox modules to this crate's tests and benchmarks |
//!
//! Without `screens`, `input` and `windows` the crate still tracks from sources the embedder
//! supplies ([`capture::ScreenSource`], [`capture::InputSource`], [`capture::WindowSource`]).
//! On Linux no feature links a system library: X11, Wayland and D-Bus are spoken by pure-Rust
//! crates, so a binary that embeds the crate loads on machines without any display libraries
//! (and [`capture::capabilities`] then says why each source is unavailable).
//!
//! ## Definitions
//!
//! **Time slot.** Half-open `[start, start + L)` with `L = slot_seconds` (default 600). `start`
//! is a multiple of `L` counted from the Unix epoch in UTC. Anything that spans a boundary is
//! split at it ([`model::slot`]).
//!
//! **Per-slot counters** ([`model::score`]):
//! - `keyboard_events`: key presses (releases do not count);
//! - `mouse_events`: button presses + wheel events + pointer-movement samples, where movement
//!   counts at most once per 250 ms;
//! - `keyboard_seconds`, `mouse_seconds`, `active_seconds`: distinct whole seconds of the slot
//!   with at least one keyboard / mouse / any event;
//! - `tracked_seconds`: seconds of the slot during which tracking ran and was not paused;
//! - `activity_percent = min(100, round(100 × events / (max_expected_events × tracked_seconds / L)))`,
//!   0 when nothing was tracked;
//! - `active_percent = round(100 × active_seconds / tracked_seconds)`.
//!
//! The identity of a key, a key sequence or a pointer path is never recorded: the input API has
//! no parameter that could carry one.
//!
//! **Screenshot schedule** ([`model::schedule`]): one capture at each multiple of the frequency,
//! or one at a uniformly random instant inside each interval; only while tracking runs, is not
//! paused, and both the employee's and the organisation's switches allow it.
//!
//! **Application and URL activity** ([`model::activity`]): heartbeat merging of window and URL
//! samples into records, time before a switch attributed to the window that had it, split at slot
//! boundaries, nothing while idle or paused, exclusion rules applied before a record exists.
//!
//! ## Example
//!
//! ```
//! use activity_core::model::score::{InputCounter, InputEvent};
//! use activity_core::Timestamp;
//!
//! let counter = InputCounter::new(600).unwrap();
//! let t0 = Timestamp::from_secs(1_800_000_000 - 1_800_000_000 % 600);
//! counter.start(t0).unwrap();
//! counter.record(InputEvent::KeyPress, t0.add_millis(1_000));
//! counter.record(InputEvent::ButtonPress, t0.add_millis(2_500));
//! let slots = counter.stop(t0.add_millis(600_000)).unwrap();
//! let m = slots[0].metrics(1200);
//! assert_eq!((m.keyboard_events, m.mouse_events, m.active_seconds), (Some(1), Some(1), 2));
//! assert_eq!(m.activity_percent, Some(0)); // 2 of 1200 expected events (None: not counted)
//! ```
#![warn(missing_docs)]
#![deny(unsafe_code)]

pub mod browser;
pub mod capture;
pub mod clock;
pub mod dataset;
pub mod error;
pub mod media;
pub mod model;
pub mod runtime;
pub mod storage;
mod util;
#[cfg(windows)]
mod win;

pub use clock::{Clock, ManualClock, SystemClock, Timestamp};
pub use error::{Error, ErrorKind};
pub use model::config::Config;
pub use model::idle::{
    IdleAnswer, IdleDecidedBy, IdleDecision, IdlePeriod, IdlePolicy, IdleResolution,
};
pub use runtime::{Tracker, TrackerEvent};

/// The README's Rust examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
