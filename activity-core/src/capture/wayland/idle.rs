//! Activity from the compositor's idle notifications: `ext_idle_notifier_v1` (the standard,
//! wlroots 0.17+, KWin 6, Mutter 47+…), else `org_kde_kwin_idle` (KWin 5, and the wlroots
//! compositors before ext-idle-notify, such as sway 1.7 on Debian 12).
//!
//! A notification with a one-second timeout fires `idled` one second after the last input and
//! `resumed` on the next one. While the user is not idle, the source marks each second active
//! ([`InputEvent::Presence`]); nothing is counted, because nothing countable is seen.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use wayland_client::protocol::wl_seat;
use wayland_client::{Connection, Dispatch, QueueHandle};
use wayland_protocols::ext::idle_notify::v1::client::{
    ext_idle_notification_v1 as ext_notification, ext_idle_notifier_v1 as ext_notifier,
};
use wayland_protocols_plasma::idle::client::{org_kde_kwin_idle, org_kde_kwin_idle_timeout};

use super::{Connected, registry_and_sync, wait_readable};
use crate::capture::{Backend, CaptureError, Feed, InputSink, InputSource, Running, SourceKind};
use crate::model::score::InputEvent;

/// The idle timeout asked for: the resolution of the active seconds.
const TIMEOUT_MS: u32 = 1000;

/// Activity through idle notifications ([`Backend::ExtIdleNotify`] or [`Backend::KdeIdle`]):
/// active seconds, no counts.
#[derive(Debug)]
pub struct IdleInput {
    protocol: Backend,
    running: Running,
}

impl IdleInput {
    /// Through `ext_idle_notifier_v1`.
    pub fn ext() -> IdleInput {
        IdleInput {
            protocol: Backend::ExtIdleNotify,
            running: Running::default(),
        }
    }

    /// Through `org_kde_kwin_idle`.
    pub fn kde() -> IdleInput {
        IdleInput {
            protocol: Backend::KdeIdle,
            running: Running::default(),
        }
    }
}

#[derive(Default)]
pub(crate) struct Idle {
    idle: bool,
    changed: bool,
}

registry_and_sync!(Idle);

impl Dispatch<ext_notification::ExtIdleNotificationV1, ()> for Idle {
    fn event(
        state: &mut Self,
        _: &ext_notification::ExtIdleNotificationV1,
        event: ext_notification::Event,
        _: &(),
        _: &Connection,
        _: &QueueHandle<Self>,
    ) {
        match event {
            ext_notification::Event::Idled => state.idle = true,
            ext_notification::Event::Resumed => state.idle = false,
            _ => return,
        }
        state.changed = true;
    }
}

impl Dispatch<org_kde_kwin_idle_timeout::OrgKdeKwinIdleTimeout, ()> for Idle {
    fn event(
        state: &mut Self,
        _: &org_kde_kwin_idle_timeout::OrgKdeKwinIdleTimeout,
        event: org_kde_kwin_idle_timeout::Event,
        _: &(),
        _: &Connection,
        _: &QueueHandle<Self>,
    ) {
        match event {
            org_kde_kwin_idle_timeout::Event::Idle => state.idle = true,
            org_kde_kwin_idle_timeout::Event::Resumed => state.idle = false,
            _ => return,
        }
        state.changed = true;
    }
}

macro_rules! no_events {
    ($($t:ty),*) => {$(
        impl Dispatch<$t, ()> for Idle {
            fn event(_: &mut Self, _: &$t, _: <$t as wayland_client::Proxy>::Event, _: &(),
                _: &Connection, _: &QueueHandle<Self>) {}
        }
    )*};
}
no_events!(
    wl_seat::WlSeat,
    ext_notifier::ExtIdleNotifierV1,
    org_kde_kwin_idle::OrgKdeKwinIdle
);

/// Connects and asks for the one-second notification.
fn subscribe(protocol: Backend) -> Result<Connected<Idle>, String> {
    let c = Connected::open(Idle::default())?;
    let qh = c.handle();
    let seat: wl_seat::WlSeat = c
        .globals
        .bind(&qh, 1..=1, ())
        .map_err(|e| format!("wl_seat: {e}"))?;
    if protocol == Backend::ExtIdleNotify {
        let notifier: ext_notifier::ExtIdleNotifierV1 = c
            .globals
            .bind(&qh, 1..=1, ())
            .map_err(|e| format!("ext_idle_notifier_v1: {e}"))?;
        notifier.get_idle_notification(TIMEOUT_MS, &seat, &qh, ());
    } else {
        let idle: org_kde_kwin_idle::OrgKdeKwinIdle = c
            .globals
            .bind(&qh, 1..=1, ())
            .map_err(|e| format!("org_kde_kwin_idle: {e}"))?;
        idle.get_idle_timeout(&seat, TIMEOUT_MS, &qh, ());
    }
    Ok(c)
}

/// The listening loop: one `Presence` per second while the user is not idle.
fn run(mut c: Connected<Idle>, feed: &Feed) -> Result<(), String> {
    let tick = Duration::from_secs(1);
    // The first second counts only if no `idle` arrives within the timeout and a margin (the
    // compositor says idle only after the timeout: a user already away at start is not counted
    // active).
    let mut next = Instant::now() + tick + Duration::from_millis(500);
    while !feed.is_stopped() {
        c.queue
            .dispatch_pending(&mut c.state)
            .map_err(|e| e.to_string())?;
        let now = Instant::now();
        // Active again (`resumed`), or another second of activity.
        let resumed = std::mem::take(&mut c.state.changed);
        if !c.state.idle && (resumed || now >= next) {
            feed.record(InputEvent::Presence);
            next = now + tick;
        }
        c.queue.flush().map_err(|e| e.to_string())?;
        if let Some(guard) = c.queue.prepare_read() {
            let wait = next
                .saturating_duration_since(Instant::now())
                .clamp(Duration::from_millis(10), Duration::from_millis(250));
            if wait_readable(guard.connection_fd(), wait)? {
                guard.read().map_err(|e| e.to_string())?;
            }
        }
    }
    Ok(())
}

impl InputSource for IdleInput {
    fn start(&mut self, sink: InputSink) -> Result<(), CaptureError> {
        self.stop();
        let feed = Feed::new(sink);
        let (tx, rx) = mpsc::channel();
        let protocol = self.protocol;
        let thread_feed = feed.clone();
        std::thread::Builder::new()
            .name("activity-core-idle".into())
            .spawn(move || {
                let c = match subscribe(protocol) {
                    Ok(c) => {
                        let _ = tx.send(Ok(()));
                        c
                    }
                    Err(e) => {
                        let _ = tx.send(Err(e));
                        return;
                    }
                };
                if let Err(e) = run(c, &thread_feed) {
                    tracing::warn!(backend = %protocol, error = %e, "idle notifications ended");
                }
            })
            .map_err(|e| CaptureError::Failed {
                kind: SourceKind::Input,
                reason: format!("cannot start the idle thread: {e}"),
            })?;
        let subscribed = rx
            .recv_timeout(super::ANSWER_WITHIN)
            .unwrap_or_else(|_| Err("the compositor did not answer".into()));
        if let Err(reason) = subscribed {
            feed.stop();
            return Err(CaptureError::Unavailable {
                kind: SourceKind::Input,
                reason: format!("{}: {reason}", self.protocol),
            });
        }
        self.running.set(feed);
        Ok(())
    }

    fn stop(&mut self) {
        self.running.stop();
    }

    fn counts_events(&self) -> bool {
        false
    }
}
