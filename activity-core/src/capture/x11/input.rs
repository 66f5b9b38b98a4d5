//! Keyboard and mouse on X11: the RECORD extension, as `xev -root` cannot see other clients'
//! input but RECORD can. A context records the device events (key press through pointer
//! motion) of all clients; a thread reads the intercepted events on a second connection and
//! hands only their kind to the sink.

use std::sync::mpsc;
use std::time::Duration;

use x11rb::connection::{Connection as _, RequestConnection as _};
use x11rb::protocol::record::{
    self, ConnectionExt as _, Context, ExtRange, Range, Range8, Range16,
};
use x11rb::rust_connection::RustConnection;

use super::probe::connect;
use crate::capture::{CaptureError, Feed, InputSink, InputSource, Running, SourceKind};
use crate::model::score::InputEvent;

/// X11 core event codes (the first byte of an event on the wire).
const KEY_PRESS: u8 = 2;
const BUTTON_PRESS: u8 = 4;
const MOTION_NOTIFY: u8 = 6;
/// RECORD's category of intercepted server output (events); 4 is StartOfData.
const FROM_SERVER: u8 = 0;

/// The kind of one X11 event on the wire, or `None` for the ones not counted (releases). Only
/// the kind leaves: the key code (byte 1 of a key event), the button and the position are not
/// read, except the button number to tell the wheel (buttons 4–7) from clicks.
fn kind(event: &[u8]) -> Option<InputEvent> {
    match event.first()? & 0x7f {
        KEY_PRESS => Some(InputEvent::KeyPress),
        BUTTON_PRESS => Some(match event.get(1) {
            Some(4..=7) => InputEvent::Wheel,
            _ => InputEvent::ButtonPress,
        }),
        MOTION_NOTIFY => Some(InputEvent::PointerMove),
        _ => None,
    }
}

/// Keyboard and mouse through X11 RECORD. Only event kinds reach the sink: never a key code, a
/// button or a position. Each started source has its own context and thread; `stop` frees the
/// context, which ends the thread.
#[derive(Debug, Default)]
pub struct X11Input {
    running: Running,
    control: Option<(RustConnection, Context)>,
}

impl X11Input {
    /// The source.
    pub fn new() -> X11Input {
        X11Input::default()
    }
}

fn unavailable(reason: impl std::fmt::Display) -> CaptureError {
    CaptureError::Unavailable {
        kind: SourceKind::Input,
        reason: format!("X11 RECORD: {reason}"),
    }
}

fn device_events() -> Range {
    let none8 = Range8 { first: 0, last: 0 };
    let none_ext = ExtRange {
        major: none8,
        minor: Range16 { first: 0, last: 0 },
    };
    Range {
        core_requests: none8,
        core_replies: none8,
        ext_requests: none_ext,
        ext_replies: none_ext,
        delivered_events: none8,
        device_events: Range8 {
            first: KEY_PRESS,
            last: MOTION_NOTIFY,
        },
        errors: none8,
        client_started: false,
        client_died: false,
    }
}

/// Reads the context's replies until it is freed (or the server goes away).
fn read_loop(
    data: &RustConnection,
    context: Context,
    feed: &Feed,
    started: mpsc::Sender<Result<(), String>>,
) {
    let replies = match data.record_enable_context(context) {
        Ok(r) => r,
        Err(e) => {
            let _ = started.send(Err(e.to_string()));
            return;
        }
    };
    let mut started = Some(started);
    for reply in replies {
        let reply = match reply {
            Ok(r) => r,
            Err(e) => {
                if let Some(s) = started.take() {
                    let _ = s.send(Err(e.to_string()));
                } else if !feed.is_stopped() {
                    tracing::warn!(error = %e, "the X11 input recording ended");
                }
                return;
            }
        };
        if let Some(s) = started.take() {
            let _ = s.send(Ok(()));
        }
        if reply.category != FROM_SERVER {
            continue;
        }
        // No element headers were asked for: the data is whole 32-byte events.
        feed.with(|sink| {
            for event in reply.data.chunks_exact(32) {
                if let Some(k) = kind(event) {
                    sink.record(k);
                }
            }
        });
        if feed.is_stopped() {
            return;
        }
    }
}

impl InputSource for X11Input {
    fn start(&mut self, sink: InputSink) -> Result<(), CaptureError> {
        self.stop();
        let (control, _) = connect().map_err(unavailable)?;
        let (data, _) = connect().map_err(unavailable)?;
        if control
            .extension_information(record::X11_EXTENSION_NAME)
            .ok()
            .flatten()
            .is_none()
        {
            return Err(unavailable("the X server lacks the RECORD extension"));
        }
        let context = control.generate_id().map_err(unavailable)?;
        control
            .record_create_context(
                context,
                0,
                &[u32::from(record::CS::ALL_CLIENTS)],
                &[device_events()],
            )
            .map_err(unavailable)?
            .check()
            .map_err(unavailable)?;
        let feed = Feed::new(sink);
        let thread_feed = feed.clone();
        let (tx, rx) = mpsc::channel();
        std::thread::Builder::new()
            .name("activity-core-x11-input".into())
            .spawn(move || read_loop(&data, context, &thread_feed, tx))
            .map_err(|e| unavailable(format!("cannot start the input thread: {e}")))?;
        // The server answers EnableContext at once with StartOfData.
        match rx.recv_timeout(Duration::from_secs(5)) {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(unavailable(e)),
            Err(_) => return Err(unavailable("the X server did not start the recording")),
        }
        self.running.set(feed);
        self.control = Some((control, context));
        Ok(())
    }

    fn stop(&mut self) {
        self.running.stop();
        if let Some((control, context)) = self.control.take() {
            // Freeing an enabled context disables it: the server sends EndOfData and the
            // thread's loop ends.
            if let Ok(cookie) = control.record_free_context(context) {
                let _ = cookie.check();
            }
        }
    }
}

impl Drop for X11Input {
    fn drop(&mut self) {
        self.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_kinds_are_read_from_wire_events() {
        let mut e = [0u8; 32];
        e[0] = KEY_PRESS;
        e[1] = 38; // a key code: not part of the result
        assert_eq!(kind(&e), Some(InputEvent::KeyPress));
        e[0] = KEY_PRESS | 0x80; // sent by SendEvent
        assert_eq!(kind(&e), Some(InputEvent::KeyPress));
        e[0] = 3; // KeyRelease
        assert_eq!(kind(&e), None);
        e[0] = BUTTON_PRESS;
        e[1] = 1;
        assert_eq!(kind(&e), Some(InputEvent::ButtonPress));
        e[1] = 5;
        assert_eq!(kind(&e), Some(InputEvent::Wheel));
        e[0] = 5; // ButtonRelease
        assert_eq!(kind(&e), None);
        e[0] = MOTION_NOTIFY;
        assert_eq!(kind(&e), Some(InputEvent::PointerMove));
        assert_eq!(kind(&[]), None);
    }
}
