//! Wayland backends, in pure Rust (`wayland-client` and the protocol crates: no C library is
//! linked for them) plus D-Bus through `zbus` for what GNOME and KDE offer instead of protocols:
//!
//! | source | backend | what it needs |
//! |---|---|---|
//! | screens | [`WlrScreencopy`] | `zwlr_screencopy_manager_v1` (sway, Hyprland, river, labwc, Wayfire) |
//! | screens | [`PortalScreens`] | `org.freedesktop.portal.Screenshot` (GNOME, KDE, xdg-desktop-portal-wlr) |
//! | windows | [`WlrForeignToplevel`] | `zwlr_foreign_toplevel_manager_v1` (the same wlroots compositors) |
//! | windows | [`KwinScript`] | KWin (Plasma 5.27 or 6): a script loaded through `org.kde.kwin.Scripting` |
//! | windows | [`GnomeFocusedWindow`] | GNOME Shell with the "Focused Window D-Bus" extension |
//! | input | [`IdleInput`] | `ext_idle_notifier_v1`, else `org_kde_kwin_idle` |
//! | input | [`MutterIdleInput`] | GNOME's `org.gnome.Mutter.IdleMonitor` |
//!
//! Wayland gives an unprivileged client no global input events, so the idle backends report
//! *presence* (the user was active this second), never a count: slots they feed have absent
//! counts (see [`InputSource::counts_events`](super::InputSource::counts_events)). Where
//! `/dev/input` is readable, [`EvdevInput`](super::evdev::EvdevInput) counts instead.

mod dbus;
mod idle;
mod screencopy;
mod toplevel;

use std::os::fd::AsFd;
use std::time::{Duration, Instant};

use wayland_client::globals::{GlobalList, GlobalListContents, registry_queue_init};
use wayland_client::protocol::{wl_callback, wl_registry};
use wayland_client::{Connection, Dispatch, EventQueue, QueueHandle};

pub(crate) use dbus::probe_bus;
pub use dbus::{GnomeFocusedWindow, KwinScript, MutterIdleInput, PortalScreens};
pub use idle::IdleInput;
pub use screencopy::WlrScreencopy;
pub use toplevel::WlrForeignToplevel;

/// How long a request to the compositor may take before the source gives up on it.
pub(crate) const ANSWER_WITHIN: Duration = Duration::from_secs(5);

/// The globals a compositor advertises (interface names), or why it could not be reached.
pub(crate) struct WaylandProbe {
    globals: Result<Vec<String>, String>,
}

impl WaylandProbe {
    /// `Ok` when the compositor advertises `interface`, else why not.
    pub(crate) fn has(&self, interface: &str, what: &str) -> Result<(), String> {
        match &self.globals {
            Err(e) => Err(e.clone()),
            Ok(list) if list.iter().any(|g| g == interface) => Ok(()),
            Ok(_) => Err(format!(
                "the compositor does not offer {interface} ({what})"
            )),
        }
    }
}

/// Connects to the session's compositor and lists its globals.
pub(crate) fn probe(display: &str) -> WaylandProbe {
    let globals = Connected::<Probe>::open(Probe).map(|c| {
        c.globals
            .contents()
            .clone_list()
            .into_iter()
            .map(|g| g.interface)
            .collect()
    });
    WaylandProbe {
        globals: globals.map_err(|e| {
            format!(
                "cannot connect to the Wayland compositor at WAYLAND_DISPLAY={display}: {e} \
                 (is XDG_RUNTIME_DIR the session's?)"
            )
        }),
    }
}

struct Probe;

impl Dispatch<wl_registry::WlRegistry, GlobalListContents> for Probe {
    fn event(
        _: &mut Self,
        _: &wl_registry::WlRegistry,
        _: wl_registry::Event,
        _: &GlobalListContents,
        _: &Connection,
        _: &QueueHandle<Self>,
    ) {
    }
}

/// A connection with its globals, event queue and the source's own state.
pub(crate) struct Connected<S: 'static> {
    pub(crate) conn: Connection,
    pub(crate) globals: GlobalList,
    pub(crate) queue: EventQueue<S>,
    pub(crate) state: S,
}

impl<S: Dispatch<wl_registry::WlRegistry, GlobalListContents> + 'static> Connected<S> {
    /// Connects (`WAYLAND_DISPLAY`, `XDG_RUNTIME_DIR`) and reads the globals.
    pub(crate) fn open(state: S) -> Result<Connected<S>, String> {
        let conn = Connection::connect_to_env().map_err(|e| e.to_string())?;
        let (globals, queue) = registry_queue_init::<S>(&conn).map_err(|e| e.to_string())?;
        Ok(Connected {
            conn,
            globals,
            queue,
            state,
        })
    }

    /// The queue's handle, for creating objects.
    pub(crate) fn handle(&self) -> QueueHandle<S> {
        self.queue.handle()
    }

    /// Dispatches events until `done` holds, waiting on the socket at most until `deadline`
    /// (a compositor that stops answering never hangs a source).
    pub(crate) fn dispatch_until(
        &mut self,
        deadline: Instant,
        what: &str,
        mut done: impl FnMut(&S) -> bool,
    ) -> Result<(), String> {
        loop {
            self.queue
                .dispatch_pending(&mut self.state)
                .map_err(|e| format!("{what}: {e}"))?;
            if done(&self.state) {
                return Ok(());
            }
            self.queue.flush().map_err(|e| format!("{what}: {e}"))?;
            let Some(guard) = self.queue.prepare_read() else {
                continue;
            };
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(format!(
                    "{what}: the compositor did not answer within {} s",
                    ANSWER_WITHIN.as_secs()
                ));
            }
            if wait_readable(guard.connection_fd().as_fd(), left)? {
                guard.read().map_err(|e| format!("{what}: {e}"))?;
            }
        }
    }

    /// Sends everything queued and waits until the compositor has handled it (a `wl_display.sync`
    /// round trip, bounded by [`ANSWER_WITHIN`]).
    pub(crate) fn roundtrip(&mut self, what: &str) -> Result<(), String>
    where
        S: Dispatch<wl_callback::WlCallback, SyncDone>,
    {
        let done = SyncDone::default();
        self.conn.display().sync(&self.handle(), done.clone());
        let deadline = Instant::now() + ANSWER_WITHIN;
        self.dispatch_until(deadline, what, |_| done.is_set())
    }
}

/// Waits until `fd` is readable or `timeout` passes; `true` when readable.
pub(crate) fn wait_readable(
    fd: std::os::fd::BorrowedFd<'_>,
    timeout: Duration,
) -> Result<bool, String> {
    use rustix::event::{PollFd, PollFlags, Timespec, poll};
    let mut fds = [PollFd::new(&fd, PollFlags::IN)];
    let timeout = Timespec {
        tv_sec: i64::try_from(timeout.as_secs()).unwrap_or(i64::MAX),
        tv_nsec: i64::from(timeout.subsec_nanos()),
    };
    match poll(&mut fds, Some(&timeout)) {
        Ok(_) => Ok(!fds[0].revents().is_empty()),
        Err(rustix::io::Errno::INTR) => Ok(false),
        Err(e) => Err(format!("waiting for the compositor: {e}")),
    }
}

/// Set when a `wl_display.sync` callback fires.
#[derive(Clone, Default)]
pub(crate) struct SyncDone(std::sync::Arc<std::sync::atomic::AtomicBool>);

impl SyncDone {
    fn is_set(&self) -> bool {
        self.0.load(std::sync::atomic::Ordering::Acquire)
    }

    pub(crate) fn set(&self) {
        self.0.store(true, std::sync::atomic::Ordering::Release);
    }
}

/// Implements the registry and sync-callback dispatch every source state needs.
macro_rules! registry_and_sync {
    ($state:ty) => {
        impl
            wayland_client::Dispatch<
                wayland_client::protocol::wl_registry::WlRegistry,
                wayland_client::globals::GlobalListContents,
            > for $state
        {
            fn event(
                _: &mut Self,
                _: &wayland_client::protocol::wl_registry::WlRegistry,
                _: wayland_client::protocol::wl_registry::Event,
                _: &wayland_client::globals::GlobalListContents,
                _: &wayland_client::Connection,
                _: &wayland_client::QueueHandle<Self>,
            ) {
            }
        }

        impl
            wayland_client::Dispatch<
                wayland_client::protocol::wl_callback::WlCallback,
                $crate::capture::wayland::SyncDone,
            > for $state
        {
            fn event(
                _: &mut Self,
                _: &wayland_client::protocol::wl_callback::WlCallback,
                event: wayland_client::protocol::wl_callback::Event,
                done: &$crate::capture::wayland::SyncDone,
                _: &wayland_client::Connection,
                _: &wayland_client::QueueHandle<Self>,
            ) {
                if let wayland_client::protocol::wl_callback::Event::Done { .. } = event {
                    done.set();
                }
            }
        }
    };
}
pub(crate) use registry_and_sync;
