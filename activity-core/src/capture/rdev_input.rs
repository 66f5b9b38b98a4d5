//! Keyboard and mouse through rdev, on X11 (the RECORD extension) and Windows (low-level
//! keyboard and mouse hooks, `WH_KEYBOARD_LL`/`WH_MOUSE_LL`, serviced by the listener thread's
//! message loop): one process-wide listener shared by the sources of this process; only the
//! kind of each event reaches the sink.

use crate::capture::{CaptureError, InputSink, InputSource, SourceKind};

mod listener {
    use std::sync::{Mutex, OnceLock, RwLock, mpsc};
    use std::time::Duration;

    use crate::capture::InputSink;
    use crate::model::score::InputEvent;

    /// rdev keeps its callback in a process-wide static and its `listen` never returns while the
    /// display lives (X11) or its thread's message loop runs (Windows: the hooks are called on
    /// that thread while it waits in `GetMessage`), so there is one listener thread per process;
    /// sources attach and detach a sink.
    static SINK: RwLock<Option<InputSink>> = RwLock::new(None);
    static STARTED: OnceLock<Result<(), String>> = OnceLock::new();
    static ENDED: Mutex<Option<String>> = Mutex::new(None);

    fn kind(event: &rdev::EventType) -> Option<InputEvent> {
        use rdev::EventType as E;
        // Only the kind leaves this function: the key, button and position are dropped here.
        match event {
            E::KeyPress(_) => Some(InputEvent::KeyPress),
            E::ButtonPress(_) => Some(InputEvent::ButtonPress),
            E::Wheel { .. } => Some(InputEvent::Wheel),
            E::MouseMove { .. } => Some(InputEvent::PointerMove),
            E::KeyRelease(_) | E::ButtonRelease(_) => None,
        }
    }

    fn dispatch(event: rdev::Event) {
        let Some(k) = kind(&event.event_type) else {
            return;
        };
        drop(event);
        if let Some(sink) = SINK.read().unwrap_or_else(|p| p.into_inner()).as_ref() {
            sink.record(k);
        }
    }

    pub(super) fn ensure_started() -> Result<(), String> {
        if let Some(reason) = crate::util::lock(&ENDED).clone() {
            return Err(reason);
        }
        STARTED
            .get_or_init(|| {
                let (tx, rx) = mpsc::channel();
                let spawned = std::thread::Builder::new()
                    .name("activity-core-input".into())
                    .spawn(move || {
                        let result = rdev::listen(dispatch);
                        let reason = match result {
                            Ok(()) if cfg!(windows) => {
                                "the input hooks' message loop ended".to_string()
                            }
                            Ok(()) => "the X server closed the input listener".to_string(),
                            Err(e) => format!("rdev could not listen: {e:?}"),
                        };
                        *crate::util::lock(&ENDED) = Some(reason.clone());
                        let _ = tx.send(reason);
                    });
                if let Err(e) = spawned {
                    return Err(format!("cannot start the input thread: {e}"));
                }
                // listen() fails at once when it cannot open the display or the RECORD
                // extension, or cannot set the hooks; otherwise it blocks for good.
                match rx.recv_timeout(Duration::from_millis(300)) {
                    Ok(reason) => Err(reason),
                    Err(_) => Ok(()),
                }
            })
            .clone()
    }

    /// Which attachment holds the sink (each `attach` gets a new one).
    static GENERATION: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

    /// Hands the events to `sink` from now on; returns the attachment's token.
    pub(super) fn attach(sink: InputSink) -> u64 {
        let mut slot = SINK.write().unwrap_or_else(|p| p.into_inner());
        *slot = Some(sink);
        GENERATION.fetch_add(1, std::sync::atomic::Ordering::AcqRel) + 1
    }

    /// Detaches the sink of attachment `token`, if it still holds it (a later attachment, by
    /// another tracker, is left alone).
    pub(super) fn detach(token: u64) {
        let mut slot = SINK.write().unwrap_or_else(|p| p.into_inner());
        if GENERATION.load(std::sync::atomic::Ordering::Acquire) == token {
            *slot = None;
        }
    }
}

/// Keyboard and mouse through rdev (X11 RECORD on Linux, low-level hooks on Windows). Only event
/// kinds reach the sink: never a key code, a button or a position.
///
/// rdev supports one listener per process; starting a second `RdevInput` while one is attached
/// takes the events over from the first, and stopping the first then leaves the second's alone.
#[derive(Debug, Default)]
pub struct RdevInput {
    attached: Option<u64>,
}

impl RdevInput {
    /// The source.
    pub fn new() -> RdevInput {
        RdevInput::default()
    }
}

impl InputSource for RdevInput {
    fn start(&mut self, sink: InputSink) -> Result<(), CaptureError> {
        listener::ensure_started().map_err(|reason| CaptureError::Unavailable {
            kind: SourceKind::Input,
            reason,
        })?;
        self.attached = Some(listener::attach(sink));
        Ok(())
    }

    fn stop(&mut self) {
        if let Some(token) = self.attached.take() {
            listener::detach(token);
        }
    }
}

impl Drop for RdevInput {
    fn drop(&mut self) {
        self.stop();
    }
}
