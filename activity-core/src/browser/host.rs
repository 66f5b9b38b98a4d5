//! The native messaging host's loop (the `activity-core-browser-host` binary runs it): frames
//! from the extension on stdin, checked, forwarded to the tracker's socket (a named pipe on
//! Windows: [`endpoint`]); refusals answered on
//! stdout; what happened logged on stderr (which the browser keeps in its own log).
//!
//! While the tracker is away (not running, restarting) the host keeps the latest
//! [`BUFFERED`] samples and sends them, in order, when the socket answers again, followed by a
//! `dropped` message with the number it had to let go (also logged). It tries the socket again
//! on every message (the extension's heartbeat brings one every few seconds).

use std::collections::VecDeque;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use super::protocol::{FrameError, Message, encode, parse, read_frame, write_frame};
use super::{BridgeStream, connect, endpoint};

/// Samples kept while the tracker is away.
pub const BUFFERED: usize = 256;

/// What a host run did (returned when stdin ends).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HostReport {
    /// Messages forwarded to the tracker.
    pub forwarded: u64,
    /// Messages refused (bad frames, bad JSON, private tabs, …).
    pub refused: u64,
    /// Samples let go while the tracker was away (beyond [`BUFFERED`]).
    pub dropped: u64,
    /// Samples still waiting for the tracker when stdin ended.
    pub unsent: u64,
}

struct Link {
    socket: PathBuf,
    stream: Option<BridgeStream>,
    buffer: VecDeque<Vec<u8>>,
    dropped: u64,
    dropped_unreported: u64,
    away_logged: bool,
}

impl Link {
    /// Sends `body` (after anything buffered), or buffers it.
    fn send(&mut self, body: Vec<u8>, report: &mut HostReport) {
        if self.buffer.len() == BUFFERED {
            self.buffer.pop_front();
            self.dropped += 1;
            self.dropped_unreported += 1;
            report.dropped += 1;
        }
        self.buffer.push_back(body);
        self.flush(report);
    }

    fn flush(&mut self, report: &mut HostReport) {
        for attempt in 0..2 {
            if self.stream.is_none() {
                match connect(&self.socket) {
                    Ok(s) => {
                        if self.away_logged {
                            eprintln!(
                                "activity-core-browser-host: tracker reachable again at {}",
                                self.socket.display()
                            );
                        }
                        self.away_logged = false;
                        self.stream = Some(s);
                    }
                    Err(e) => {
                        if !self.away_logged {
                            eprintln!(
                                "activity-core-browser-host: tracker not reachable at {} ({e}); \
                                 keeping up to {BUFFERED} samples",
                                self.socket.display()
                            );
                            self.away_logged = true;
                        }
                        return;
                    }
                }
            }
            let Some(stream) = self.stream.as_mut() else {
                return;
            };
            let mut failed = false;
            while let Some(body) = self.buffer.front() {
                if write_frame(stream, body).is_err() {
                    failed = true;
                    break;
                }
                self.buffer.pop_front();
                report.forwarded += 1;
            }
            if !failed && self.dropped_unreported > 0 {
                let n = self.dropped_unreported;
                eprintln!(
                    "activity-core-browser-host: {n} sample(s) dropped while the tracker was away"
                );
                if write_frame(stream, &encode(&Message::Dropped { count: n })).is_ok() {
                    self.dropped_unreported = 0;
                } else {
                    failed = true;
                }
            }
            if !failed {
                return;
            }
            // The tracker went away (stopped, restarted): connect again once.
            self.stream = None;
            if attempt == 1 {
                return;
            }
        }
    }
}

/// Runs the host: reads `input` until it ends, forwards valid samples to the tracker of
/// `data_dir`, answers refusals on `output`.
pub fn run(data_dir: &Path, input: &mut impl Read, output: &mut impl Write) -> HostReport {
    let mut report = HostReport::default();
    let mut link = Link {
        socket: endpoint(data_dir),
        stream: None,
        buffer: VecDeque::new(),
        dropped: 0,
        dropped_unreported: 0,
        away_logged: false,
    };
    let refuse = |report: &mut HostReport, output: &mut dyn Write, message: String| {
        report.refused += 1;
        eprintln!("activity-core-browser-host: refused: {message}");
        let reply = serde_json::json!({"type": "error", "message": message}).to_string();
        let _ = write_frame(&mut &mut *output, reply.as_bytes());
    };
    loop {
        match read_frame(input) {
            Ok(None) => break,
            Ok(Some(body)) => match parse(&body) {
                Ok(Message::Dropped { .. }) => refuse(
                    &mut report,
                    output,
                    "`dropped` is the host's own message".into(),
                ),
                Ok(m) => link.send(encode(&m), &mut report),
                Err(e) => refuse(&mut report, output, e.to_string()),
            },
            Err(e @ FrameError::TooLarge(_)) => refuse(&mut report, output, e.to_string()),
            Err(e) => {
                // Truncated or unreadable: the stream is over.
                refuse(&mut report, output, e.to_string());
                break;
            }
        }
    }
    link.flush(&mut report);
    report.unsent = link.buffer.len() as u64;
    report
}
