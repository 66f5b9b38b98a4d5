//! The evdev input source reading kernel `input_event` records. No input device exists on a
//! build machine, so the records come through a FIFO named like a device (`event0`): the same
//! bytes the kernel writes, read by the same code path.
#![cfg(target_os = "linux")] // /dev/input: Linux only

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use activity_core::capture::evdev::EvdevInput;
use activity_core::capture::{InputSink, InputSource};
use activity_core::model::score::InputEvent;

/// One `struct input_event` as the kernel writes it on 64-bit Linux.
fn record(kind: u16, code: u16, value: i32) -> [u8; 24] {
    let mut r = [0u8; 24];
    r[16..18].copy_from_slice(&kind.to_ne_bytes());
    r[18..20].copy_from_slice(&code.to_ne_bytes());
    r[20..24].copy_from_slice(&value.to_ne_bytes());
    r
}

#[test]
fn evdev_counts_kinds_from_kernel_records_and_nothing_after_stop() {
    let dir = std::env::temp_dir().join(format!("ac-evdev-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let fifo = dir.join("event0");
    let st = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(st.success());
    // Read-write, so the reader never sees end-of-file between writes.
    let mut device = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&fifo)
        .unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = seen.clone();
    let mut source = EvdevInput::with_dir(&dir);
    source
        .start(InputSink::new(move |e| s.lock().unwrap().push(e)))
        .unwrap();
    let mut bytes = Vec::new();
    for (kind, code, value) in [
        (1, 30, 1),    // KEY_A down
        (1, 30, 2),    // auto-repeat: not a press
        (1, 30, 0),    // up
        (4, 4, 30),    // EV_MSC scan code
        (1, 0x110, 1), // BTN_LEFT
        (2, 8, -1),    // REL_WHEEL
        (2, 0, 5),     // REL_X
        (0, 0, 0),     // EV_SYN
    ] {
        bytes.extend_from_slice(&record(kind, code, value));
    }
    // Split mid-record: a record spread over two reads still counts once.
    device.write_all(&bytes[..30]).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    device.write_all(&bytes[30..]).unwrap();
    let want = [
        InputEvent::KeyPress,
        InputEvent::ButtonPress,
        InputEvent::Wheel,
        InputEvent::PointerMove,
    ];
    let deadline = Instant::now() + Duration::from_secs(5);
    while seen.lock().unwrap().len() < want.len() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(*seen.lock().unwrap(), want);
    source.stop();
    device.write_all(&record(1, 31, 1)).unwrap();
    std::thread::sleep(Duration::from_millis(600));
    assert_eq!(
        seen.lock().unwrap().len(),
        want.len(),
        "delivered after stop"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn evdev_without_readable_devices_is_unavailable_naming_the_input_group() {
    let dir = std::env::temp_dir().join(format!("ac-evdev-none-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut source = EvdevInput::with_dir(&dir);
    let err = source.start(InputSink::new(|_| {})).unwrap_err();
    assert!(err.to_string().contains("no input devices"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
