//! The X11 backends, all through x11rb's pure-Rust connection (no libxcb or libX11 is linked or
//! loaded): screens through RandR and `GetImage` ([`X11Screens`]), keyboard and mouse through
//! RECORD ([`X11Input`]), the active window through EWMH ([`ActiveWindowPoller`]), and the probe
//! behind [`capabilities`](super::capabilities). One file each: `probe`, `screens`, `input`,
//! `windows`.

#[cfg(feature = "input")]
mod input;
mod probe;
#[cfg(feature = "screens")]
mod screens;
#[cfg(feature = "windows")]
mod windows;

#[cfg(feature = "input")]
pub use input::X11Input;
pub(crate) use probe::probe;
#[cfg(feature = "screens")]
pub use screens::X11Screens;
#[cfg(feature = "windows")]
pub use windows::ActiveWindowPoller;
