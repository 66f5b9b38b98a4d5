//! The Windows backends (`win32`): screens through xcap (GDI: `BitBlt` of each monitor's
//! rectangle of the desktop), keyboard and mouse through rdev's low-level hooks on a thread with
//! a message loop ([`RdevInput`]: kinds only), the foreground window through active-win-pos-rs
//! ([`ForegroundWindow`]). The probe (in `capture::probe`) checks that this process sees an
//! interactive desktop.

#[cfg(feature = "input")]
pub use super::rdev_input::RdevInput;

#[cfg(feature = "screens")]
pub use screens::GdiScreens;
#[cfg(feature = "windows")]
pub use window::ForegroundWindow;

#[cfg(feature = "screens")]
mod screens {
    use crate::capture::{CaptureError, Monitor, ScreenSource, xcap_monitors};
    use crate::media::OwnedFrame;

    /// Every monitor at its native size, through xcap's GDI capture; the pointer through
    /// `GetCursorPos`.
    #[derive(Debug, Default)]
    pub struct GdiScreens {
        _private: (),
    }

    impl GdiScreens {
        /// The source.
        pub fn new() -> GdiScreens {
            GdiScreens::default()
        }
    }

    impl ScreenSource for GdiScreens {
        fn monitors(&mut self) -> Result<Vec<Monitor>, CaptureError> {
            xcap_monitors::monitors()
        }

        fn pointer(&mut self) -> Result<Option<(i32, i32)>, CaptureError> {
            Ok(crate::win::cursor_position())
        }

        fn capture(&mut self, monitor: &Monitor) -> Result<OwnedFrame, CaptureError> {
            xcap_monitors::capture(monitor)
        }
    }
}

#[cfg(feature = "windows")]
mod window {
    use crate::capture::{ActiveWindow, CaptureError, WindowSource};

    /// The foreground window through active-win-pos-rs: the application is the executable's
    /// name without `.exe` (`notepad`, `chrome`), the title the window's text. (The crate's own
    /// `app_name` is the file description, which differs between versions and languages of the
    /// same program: the executable's name is stable.)
    #[derive(Debug, Default)]
    pub struct ForegroundWindow {
        _private: (),
    }

    impl ForegroundWindow {
        /// The source.
        pub fn new() -> ForegroundWindow {
            ForegroundWindow::default()
        }
    }

    impl WindowSource for ForegroundWindow {
        fn active_window(&mut self) -> Result<Option<ActiveWindow>, CaptureError> {
            // Every failure (no foreground window, the desktop switching, a process this user
            // may not query) is `Err(())`: nothing usable has the focus.
            let Ok(w) = active_win_pos_rs::get_active_window() else {
                return Ok(None);
            };
            let application = w
                .process_path
                .file_stem()
                .map(|n| n.to_string_lossy().into_owned())
                .filter(|n| !n.is_empty())
                .unwrap_or(w.app_name);
            Ok(ActiveWindow::new(application, w.title))
        }
    }
}
