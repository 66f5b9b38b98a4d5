//! The built-in sources: xcap for screens (`XcapScreens`), rdev for input (`RdevInput`),
//! active-win-pos-rs for the active window (`ActiveWindowPoller`), plus a few direct X11 queries
//! (through the `xcb` crate the other three already use) that none of them offers: the pointer
//! position, the probe behind [`capabilities`](super::capabilities), and the `WM_NAME` title
//! fallback. One file each: `probe`, `screens`, `input`, `windows`.

mod probe;
#[cfg(feature = "screens")]
mod screens;
#[cfg(feature = "windows")]
mod windows;

#[cfg(feature = "input")]
pub use super::rdev_input::RdevInput;
pub(crate) use probe::probe;
#[cfg(feature = "screens")]
pub use screens::XcapScreens;
#[cfg(feature = "windows")]
pub use windows::ActiveWindowPoller;
