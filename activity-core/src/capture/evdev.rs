//! Keyboard and mouse counts from the kernel's input devices (`/dev/input/event*`), for Wayland
//! sessions, where no protocol gives an unprivileged client global input. The devices are
//! readable by root and the `input` group only; a user who may read them gets exact counts,
//! anyone else the idle backends' active seconds.
//!
//! Each device is read as a stream of `struct input_event` records (24 bytes on 64-bit Linux:
//! a `timeval`, `type`, `code`, `value`), classified on the spot into an [`InputEvent`] kind and
//! forgotten: the key code never leaves the function that reads it. Written by hand (a read
//! loop over 24-byte records) rather than with the `evdev` crate because nothing here needs its
//! ioctls, and without them the source also reads a recorded stream (tests feed FIFOs).

use std::fs::File;
use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::capture::{CaptureError, Feed, InputSink, InputSource, Running, SourceKind};
use crate::model::score::InputEvent;

const EVENT_SIZE: usize = 24;
const EV_KEY: u16 = 1;
const EV_REL: u16 = 2;
const EV_ABS: u16 = 3;
const REL_X: u16 = 0;
const REL_Y: u16 = 1;
const REL_HWHEEL: u16 = 6;
const REL_WHEEL: u16 = 8;
const ABS_X: u16 = 0;
const ABS_Y: u16 = 1;
const ABS_MT_POSITION_X: u16 = 0x35;
const ABS_MT_POSITION_Y: u16 = 0x36;
/// Buttons (`BTN_MISC` … `BTN_GEAR_UP`); the digitizer tool/touch codes inside are not clicks.
const BUTTONS: std::ops::Range<u16> = 0x100..0x160;
const DIGITIZER: std::ops::RangeInclusive<u16> = 0x140..=0x14f;
/// New devices (a keyboard plugged in) are looked for this often.
const RESCAN: Duration = Duration::from_secs(5);

/// The kind of one kernel input event, if it is one the tracker counts. Key codes are looked at
/// only to tell a key from a mouse button.
pub(crate) fn classify(kind: u16, code: u16, value: i32) -> Option<InputEvent> {
    match kind {
        // value 1 = press; 0 = release and 2 = auto-repeat do not count.
        EV_KEY if value == 1 && DIGITIZER.contains(&code) => None,
        EV_KEY if value == 1 && BUTTONS.contains(&code) => Some(InputEvent::ButtonPress),
        EV_KEY if value == 1 => Some(InputEvent::KeyPress),
        EV_REL if code == REL_WHEEL || code == REL_HWHEEL => Some(InputEvent::Wheel),
        EV_REL if code == REL_X || code == REL_Y => Some(InputEvent::PointerMove),
        EV_ABS if matches!(code, ABS_X | ABS_Y | ABS_MT_POSITION_X | ABS_MT_POSITION_Y) => {
            Some(InputEvent::PointerMove)
        }
        _ => None,
    }
}

/// The `event*` device files of `dir`.
fn devices(dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("event"))
        })
        .collect();
    found.sort();
    found
}

fn open(path: &Path) -> std::io::Result<File> {
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32)
        .open(path)
}

/// `Ok` when at least one input device in `dir` can be read by this process.
pub(crate) fn probe(dir: &Path) -> Result<(), String> {
    let all = devices(dir);
    if all.is_empty() {
        return Err(format!("no input devices in {}", dir.display()));
    }
    if all.iter().any(|p| open(p).is_ok()) {
        return Ok(());
    }
    Err(format!(
        "the input devices in {} are not readable by this user (key and mouse counts need the \
         `input` group: `sudo usermod -aG input $USER`, then log in again)",
        dir.display()
    ))
}

/// Keyboard and mouse counts from evdev devices: kinds only, never a key code (see the module
/// docs).
#[derive(Debug)]
pub struct EvdevInput {
    dir: PathBuf,
    running: Running,
}

impl Default for EvdevInput {
    fn default() -> EvdevInput {
        EvdevInput::new()
    }
}

impl EvdevInput {
    /// Reads `/dev/input/event*`.
    pub fn new() -> EvdevInput {
        EvdevInput::with_dir("/dev/input")
    }

    /// Reads the `event*` files of another folder (a container's bind mount, a test's FIFOs).
    pub fn with_dir(dir: impl Into<PathBuf>) -> EvdevInput {
        EvdevInput {
            dir: dir.into(),
            running: Running::default(),
        }
    }
}

struct Device {
    path: PathBuf,
    file: File,
    /// A record split across reads.
    partial: Vec<u8>,
}

fn read_loop(dir: &Path, feed: &Feed) {
    use rustix::event::{PollFd, PollFlags, Timespec, poll};
    let mut open_devices: Vec<Device> = Vec::new();
    let mut last_scan: Option<Instant> = None;
    let mut buf = [0u8; EVENT_SIZE * 64];
    while !feed.is_stopped() {
        if last_scan.is_none_or(|t| t.elapsed() >= RESCAN) {
            for path in devices(dir) {
                if !open_devices.iter().any(|d| d.path == path)
                    && let Ok(file) = open(&path)
                {
                    open_devices.push(Device {
                        path,
                        file,
                        partial: Vec::new(),
                    });
                }
            }
            last_scan = Some(Instant::now());
        }
        let ready: Vec<bool> = {
            let mut fds: Vec<PollFd<'_>> = open_devices
                .iter()
                .map(|d| PollFd::new(&d.file, PollFlags::IN))
                .collect();
            let timeout = Timespec {
                tv_sec: 0,
                tv_nsec: 250_000_000,
            };
            if fds.is_empty() {
                std::thread::sleep(Duration::from_millis(250));
                continue;
            }
            if poll(&mut fds, Some(&timeout)).is_err() {
                continue;
            }
            fds.iter().map(|f| !f.revents().is_empty()).collect()
        };
        let mut gone = Vec::new();
        for (i, device) in open_devices.iter_mut().enumerate() {
            if !ready[i] {
                continue;
            }
            match device.file.read(&mut buf) {
                Ok(0) => gone.push(i),
                Ok(n) => {
                    device.partial.extend_from_slice(&buf[..n]);
                    let whole = device.partial.len() / EVENT_SIZE * EVENT_SIZE;
                    feed.with(|sink| {
                        for rec in device.partial[..whole].chunks_exact(EVENT_SIZE) {
                            let kind = u16::from_ne_bytes([rec[16], rec[17]]);
                            let code = u16::from_ne_bytes([rec[18], rec[19]]);
                            let value = i32::from_ne_bytes([rec[20], rec[21], rec[22], rec[23]]);
                            if let Some(event) = classify(kind, code, value) {
                                sink.record(event);
                            }
                        }
                    });
                    // The raw records (key codes among them) are overwritten, not kept.
                    device.partial.drain(..whole);
                    buf.fill(0);
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(_) => gone.push(i),
            }
        }
        for i in gone.into_iter().rev() {
            open_devices.swap_remove(i);
        }
    }
}

impl InputSource for EvdevInput {
    fn start(&mut self, sink: InputSink) -> Result<(), CaptureError> {
        self.stop();
        probe(&self.dir).map_err(|reason| CaptureError::Unavailable {
            kind: SourceKind::Input,
            reason,
        })?;
        let feed = Feed::new(sink);
        let (thread_feed, dir) = (feed.clone(), self.dir.clone());
        std::thread::Builder::new()
            .name("activity-core-evdev".into())
            .spawn(move || read_loop(&dir, &thread_feed))
            .map_err(|e| CaptureError::Failed {
                kind: SourceKind::Input,
                reason: format!("cannot start the evdev thread: {e}"),
            })?;
        self.running.set(feed);
        Ok(())
    }

    fn stop(&mut self) {
        self.running.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_classified_and_releases_repeats_and_touches_are_not_counted() {
        assert_eq!(classify(EV_KEY, 30, 1), Some(InputEvent::KeyPress)); // KEY_A down
        assert_eq!(classify(EV_KEY, 30, 0), None); // up
        assert_eq!(classify(EV_KEY, 30, 2), None); // auto-repeat
        assert_eq!(classify(EV_KEY, 0x110, 1), Some(InputEvent::ButtonPress)); // BTN_LEFT
        assert_eq!(classify(EV_KEY, 0x14a, 1), None); // BTN_TOUCH
        assert_eq!(classify(EV_REL, REL_WHEEL, -1), Some(InputEvent::Wheel));
        assert_eq!(classify(EV_REL, 0x0b, 120), None); // REL_WHEEL_HI_RES: counted once, above
        assert_eq!(classify(EV_REL, REL_X, 3), Some(InputEvent::PointerMove));
        assert_eq!(
            classify(EV_ABS, ABS_MT_POSITION_Y, 300),
            Some(InputEvent::PointerMove)
        );
        assert_eq!(classify(0, 0, 0), None); // EV_SYN
        assert_eq!(classify(4, 4, 30), None); // EV_MSC scan code: never looked at
    }
}
