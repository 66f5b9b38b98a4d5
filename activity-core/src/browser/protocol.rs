//! The wire format, on both hops: the browser's native messaging framing (a 4-byte
//! little-endian length, then that many bytes of UTF-8 JSON) between the extension and the host,
//! and the same framing over the Unix socket between the host and the tracker.
//!
//! Messages (JSON objects, `type` first):
//! - `{"type": "tab", "url": …, "title": …, "browser": "Chromium", "incognito": false,
//!   "reason": "activated" | "focus" | "navigation" | "title" | "history" | "heartbeat" | …,
//!   "at": <ms since the epoch>}`: the focused tab of a focused browser window shows `url`.
//! - `{"type": "none", "reason": "focus-left" | …, "at": …}`: no browser window has the focus
//!   any more (or the focused tab shows nothing that may be recorded).
//! - host → tracker only: `{"type": "dropped", "count": N}`: samples the host could not keep
//!   while the tracker was away.
//! - host → extension: `{"type": "error", "message": …}` for a message it refused.

use std::io::{Read, Write};

use serde::Deserialize;

/// Largest message either side accepts: 1 MiB, the limit Chromium puts on a host's messages.
pub const MAX_MESSAGE: usize = 1024 * 1024;
/// Longest URL kept (longer ones are refused: no browser sends them for a real page).
pub const MAX_URL: usize = 8 * 1024;
/// Longest title kept (longer ones are cut at a character boundary).
pub const MAX_TITLE: usize = 1024;

/// Errors reading a frame.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FrameError {
    /// The stream ended inside a frame.
    #[error("truncated frame: the stream ended after {got} of {expected} bytes")]
    Truncated {
        /// Bytes of the frame (length prefix included) read.
        got: usize,
        /// Bytes the frame should have had.
        expected: usize,
    },
    /// A frame longer than [`MAX_MESSAGE`]; its bytes were read and thrown away.
    #[error("frame of {0} bytes is over the {MAX_MESSAGE}-byte limit (skipped)")]
    TooLarge(usize),
    /// Reading failed.
    #[error("reading a frame: {0}")]
    Io(#[from] std::io::Error),
}

/// Reads one frame: `Ok(None)` at a clean end of the stream (between frames). A frame over the
/// limit is read through and thrown away (so the next frame is still found) and answered with
/// [`FrameError::TooLarge`].
pub fn read_frame(r: &mut impl Read) -> Result<Option<Vec<u8>>, FrameError> {
    let mut len = [0u8; 4];
    let got = read_full(r, &mut len)?;
    if got == 0 {
        return Ok(None);
    }
    if got < 4 {
        return Err(FrameError::Truncated { got, expected: 4 });
    }
    let n = u32::from_le_bytes(len) as usize;
    if n > MAX_MESSAGE {
        let skipped = std::io::copy(&mut r.take(n as u64), &mut std::io::sink())? as usize;
        if skipped < n {
            return Err(FrameError::Truncated {
                got: 4 + skipped,
                expected: 4 + n,
            });
        }
        return Err(FrameError::TooLarge(n));
    }
    let mut body = vec![0u8; n];
    let got = read_full(r, &mut body)?;
    if got < n {
        return Err(FrameError::Truncated {
            got: 4 + got,
            expected: 4 + n,
        });
    }
    Ok(Some(body))
}

/// Reads until `buf` is full or the stream ends; the bytes read.
fn read_full(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match r.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

/// Writes one frame (and flushes).
pub fn write_frame(w: &mut impl Write, body: &[u8]) -> std::io::Result<()> {
    let n = u32::try_from(body.len())
        .ok()
        .filter(|n| *n as usize <= MAX_MESSAGE)
        .ok_or_else(|| std::io::Error::other("message over the 1 MiB limit"))?;
    w.write_all(&n.to_le_bytes())?;
    w.write_all(body)?;
    w.flush()
}

/// Splits complete frames off the front of `buf` (bytes read so far from a stream that may be
/// read in pieces): each is a message or the error of a bad frame. Bytes of an unfinished
/// frame stay in `buf`. A frame over the limit is refused at once and the connection should be
/// dropped (the stream cannot be resynchronised): [`FrameError::TooLarge`].
pub fn split_frames(buf: &mut Vec<u8>) -> Result<Vec<Vec<u8>>, FrameError> {
    let mut out = Vec::new();
    let mut at = 0;
    while buf.len() - at >= 4 {
        let n = u32::from_le_bytes([buf[at], buf[at + 1], buf[at + 2], buf[at + 3]]) as usize;
        if n > MAX_MESSAGE {
            buf.clear();
            return Err(FrameError::TooLarge(n));
        }
        if buf.len() - at - 4 < n {
            break;
        }
        out.push(buf[at + 4..at + 4 + n].to_vec());
        at += 4 + n;
    }
    buf.drain(..at);
    Ok(out)
}

/// A message of the extension (or of the host), checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message {
    /// The focused tab shows `url`.
    Tab(TabSample),
    /// Nothing to record: focus left the browser, or the tab shows nothing recordable.
    None {
        /// Why (for logs).
        reason: String,
    },
    /// The host dropped this many samples while the tracker was away.
    Dropped {
        /// How many.
        count: u64,
    },
}

/// The focused tab of a browser window with the focus.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TabSample {
    /// The page (not yet cleaned: the tracker strips queries and applies exclusions).
    pub url: String,
    /// The tab's title, at most [`MAX_TITLE`] bytes.
    pub title: String,
    /// The browser's name, recorded as the URL record's application.
    pub browser: String,
    /// What changed (for logs): `activated`, `navigation`, `history`, `heartbeat`, ….
    pub reason: String,
    /// When the browser saw it (the extension's clock, milliseconds since the epoch), if said:
    /// samples the host buffered while the tracker was away keep their time.
    pub at: Option<crate::clock::Timestamp>,
}

/// Why a message was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MessageError {
    /// Not UTF-8 JSON, or not an object of the expected shape.
    #[error("invalid message: {0}")]
    Invalid(String),
    /// A type this version does not know.
    #[error("unknown message type {0:?}")]
    UnknownType(String),
    /// A tab of a private/incognito window: never recorded.
    #[error("a tab of a private window is never recorded")]
    Private,
    /// A URL over [`MAX_URL`] bytes.
    #[error("url of {0} bytes is over the {MAX_URL}-byte limit")]
    UrlTooLong(usize),
}

/// Fields not listed are ignored (a newer extension may send more).
#[derive(Deserialize)]
struct Wire {
    #[serde(rename = "type")]
    kind: String,
    url: Option<String>,
    title: Option<String>,
    browser: Option<String>,
    incognito: Option<bool>,
    reason: Option<String>,
    at: Option<f64>,
    count: Option<u64>,
}

fn cut(mut s: String, max: usize) -> String {
    if s.len() > max {
        let mut end = max;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
    }
    s
}

/// Parses and checks one message.
pub fn parse(body: &[u8]) -> Result<Message, MessageError> {
    let w: Wire = serde_json::from_slice(body).map_err(|e| MessageError::Invalid(e.to_string()))?;
    let reason = cut(w.reason.unwrap_or_default(), 64);
    match w.kind.as_str() {
        "tab" => {
            if w.incognito == Some(true) {
                return Err(MessageError::Private);
            }
            let url = w
                .url
                .ok_or_else(|| MessageError::Invalid("a tab message needs `url`".into()))?;
            if url.len() > MAX_URL {
                return Err(MessageError::UrlTooLong(url.len()));
            }
            Ok(Message::Tab(TabSample {
                url,
                title: cut(w.title.unwrap_or_default(), MAX_TITLE),
                browser: cut(
                    w.browser
                        .filter(|b| !b.trim().is_empty())
                        .unwrap_or_else(|| "Browser".into()),
                    64,
                ),
                reason,
                at: w
                    .at
                    .filter(|t| t.is_finite() && *t > 0.0 && *t < 1e15)
                    .map(|t| crate::clock::Timestamp::from_millis(t as i64)),
            }))
        }
        "none" => Ok(Message::None { reason }),
        "dropped" => Ok(Message::Dropped {
            count: w
                .count
                .ok_or_else(|| MessageError::Invalid("`dropped` needs `count`".into()))?,
        }),
        other => Err(MessageError::UnknownType(cut(other.to_string(), 64))),
    }
}

/// The JSON of a message (what the host forwards to the tracker).
pub fn encode(m: &Message) -> Vec<u8> {
    let v = match m {
        Message::Tab(t) => serde_json::json!({
            "type": "tab", "url": t.url, "title": t.title, "browser": t.browser,
            "reason": t.reason, "at": t.at.map(crate::clock::Timestamp::as_millis),
        }),
        Message::None { reason } => serde_json::json!({"type": "none", "reason": reason}),
        Message::Dropped { count } => serde_json::json!({"type": "dropped", "count": count}),
    };
    v.to_string().into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(body: &[u8]) -> Vec<u8> {
        let mut v = (body.len() as u32).to_le_bytes().to_vec();
        v.extend_from_slice(body);
        v
    }

    #[test]
    fn the_sample_time_crosses_the_host() {
        let body = br#"{"type":"tab","url":"https://a.test/","title":"A","browser":"Firefox","reason":"heartbeat","at":1796025600123.0}"#;
        let Ok(Message::Tab(t)) = parse(body) else {
            panic!("not a tab")
        };
        assert_eq!(
            t.at,
            Some(crate::clock::Timestamp::from_millis(1_796_025_600_123))
        );
        // What the host forwards to the tracker keeps it.
        assert_eq!(
            parse(&encode(&Message::Tab(t.clone()))),
            Ok(Message::Tab(t))
        );
        let Ok(Message::Tab(t)) = parse(br#"{"type":"tab","url":"https://a.test/","at":"soon"}"#)
            .or_else(|_| parse(br#"{"type":"tab","url":"https://a.test/","at":-5}"#))
        else {
            panic!("not a tab")
        };
        assert_eq!(t.at, None, "an implausible time is left out");
    }

    #[test]
    fn frames_round_trip_and_bad_ones_are_named() {
        let mut buf = Vec::new();
        write_frame(&mut buf, b"{\"type\":\"none\"}").unwrap();
        let mut r = &buf[..];
        assert_eq!(read_frame(&mut r).unwrap().unwrap(), b"{\"type\":\"none\"}");
        assert!(read_frame(&mut r).unwrap().is_none());
        // Truncated length and body.
        assert!(matches!(
            read_frame(&mut &[1u8, 0][..]),
            Err(FrameError::Truncated {
                got: 2,
                expected: 4
            })
        ));
        assert!(matches!(
            read_frame(&mut &frame(b"abcdef")[..7]),
            Err(FrameError::Truncated {
                got: 7,
                expected: 10
            })
        ));
        // Too large: skipped, and the next frame is still read.
        let mut big = frame(&vec![b'x'; MAX_MESSAGE + 1]);
        big.extend(frame(b"{}"));
        let mut r = &big[..];
        assert!(matches!(read_frame(&mut r), Err(FrameError::TooLarge(_))));
        assert_eq!(read_frame(&mut r).unwrap().unwrap(), b"{}");
    }

    #[test]
    fn split_frames_keeps_the_unfinished_rest() {
        let mut all = frame(b"one");
        all.extend(frame(b"two"));
        let mut buf = all[..9].to_vec();
        assert_eq!(split_frames(&mut buf).unwrap(), vec![b"one".to_vec()]);
        buf.extend_from_slice(&all[9..]);
        assert_eq!(split_frames(&mut buf).unwrap(), vec![b"two".to_vec()]);
        assert!(buf.is_empty());
    }

    #[test]
    fn messages_are_checked() {
        let tab = parse(
            br#"{"type":"tab","url":"https://a.example/x?q=1","title":"A","browser":"Chromium","incognito":false,"reason":"activated","at":1}"#,
        )
        .unwrap();
        assert!(matches!(&tab, Message::Tab(t) if t.url == "https://a.example/x?q=1"));
        assert_eq!(parse(&encode(&tab)).unwrap(), tab);
        assert_eq!(
            parse(br#"{"type":"tab","url":"https://a/","incognito":true}"#),
            Err(MessageError::Private)
        );
        assert!(matches!(
            parse(br#"{"type":"tab","url":5}"#),
            Err(MessageError::Invalid(_))
        ));
        assert!(matches!(
            parse(br#"{"type":"tab"}"#),
            Err(MessageError::Invalid(_))
        ));
        assert!(matches!(parse(b"not json"), Err(MessageError::Invalid(_))));
        assert!(matches!(
            parse(br#"{"type":"launch-missiles"}"#),
            Err(MessageError::UnknownType(_))
        ));
        let long = format!(
            r#"{{"type":"tab","url":"https://a/{}"}}"#,
            "x".repeat(MAX_URL)
        );
        assert!(matches!(
            parse(long.as_bytes()),
            Err(MessageError::UrlTooLong(_))
        ));
        let title = format!(
            r#"{{"type":"tab","url":"https://a/","title":"{}"}}"#,
            "é".repeat(MAX_TITLE)
        );
        let Ok(Message::Tab(t)) = parse(title.as_bytes()) else {
            panic!("a long title is cut, not refused")
        };
        assert!(t.title.len() <= MAX_TITLE && t.title.chars().all(|c| c == 'é'));
    }
}
