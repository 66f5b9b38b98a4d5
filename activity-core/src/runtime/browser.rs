//! The tracker's end of the browser bridge ([`crate::browser`]): a Unix socket in the data
//! folder (mode 0600; a peer of another user is refused by its credentials), one thread
//! accepting, one per connected host, each sample handed to the control thread as a URL sample.
//!
//! The model ends a website record when no sample came for `heartbeat_timeout` (5 s by
//! default); a browser only reports changes and a heartbeat every 10 s. So while a host reports
//! a focused tab, the bridge repeats it to the model every second (as the window source samples
//! the window), for as long as the host keeps talking ([`LIVENESS`]). A host that disconnects,
//! or reports that focus left the browser, ends the record at once.

use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::events::TrackerEvent;
use super::shared::{Cmd, Shared};
use crate::browser::protocol::{Message, TabSample, parse, split_frames};
use crate::browser::socket_path;
use crate::error::{Error, RuntimeError};
use crate::util::lock;

/// How long a reported tab stays current without a message from its host (the extension's
/// heartbeat comes every 10 s).
pub const LIVENESS: Duration = Duration::from_secs(30);
/// How often the current tab is repeated to the model.
const REPEAT: Duration = Duration::from_secs(1);

#[derive(Default)]
struct Current {
    /// The connection that reported it, and the sample.
    tab: Option<(u64, TabSample)>,
    last_message: Option<Instant>,
}

/// A running bridge; [`stop`](Bridge::stop) ends it.
pub(crate) struct Bridge {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    path: PathBuf,
}

/// The user id of the process at the other end (`SO_PEERCRED`).
fn peer_uid(s: &UnixStream) -> Option<u32> {
    rustix::net::sockopt::socket_peercred(s)
        .ok()
        .map(|c| c.uid.as_raw())
}

fn my_uid() -> u32 {
    rustix::process::geteuid().as_raw()
}

/// Hands one sample to the control thread and waits for it to be applied. `seen`: when the
/// browser saw it, if it says; kept within [`LIVENESS`] before now (a sample buffered while the
/// tracker was away keeps its time, an extension clock far off cannot move records around).
fn record(
    shared: &Shared,
    tx: &mpsc::Sender<Cmd>,
    browser: &str,
    title: &str,
    url: Option<&str>,
    seen: Option<crate::clock::Timestamp>,
) {
    let now = shared.now();
    let oldest = now.add_millis(-(LIVENESS.as_millis() as i64));
    let at = seen.map_or(now, |t| t.clamp(oldest, now));
    let (ack, done) = mpsc::sync_channel(1);
    let cmd = Cmd::Url {
        at,
        application: browser.to_string(),
        title: title.to_string(),
        url: url.map(str::to_string),
        ack,
    };
    if tx.send(cmd).is_err() {
        return;
    }
    if let Ok(Err(e)) = done.recv_timeout(Duration::from_secs(5)) {
        tracing::debug!(error = %e, "browser sample not recorded");
    }
}

/// The socket, bound but not served yet (binding first lets `start` fail before anything runs).
pub(crate) struct Bound {
    listener: UnixListener,
    path: PathBuf,
}

impl Bound {
    /// Binds the socket of `data_dir` (mode 0600). A socket file left by a tracker that died
    /// is replaced; one a live tracker listens on is an error.
    pub(crate) fn bind(data_dir: &Path) -> Result<Bound, Error> {
        let path = socket_path(data_dir);
        let fail = |message: String| -> Error {
            RuntimeError::DataDir {
                path: path.display().to_string(),
                message,
            }
            .into()
        };
        // sockaddr_un holds 108 bytes with the terminating NUL.
        if path.as_os_str().len() > 107 {
            return Err(fail(format!(
                "the browser socket's path is {} bytes, over the 107 a Unix socket allows: \
                 use a shorter data folder",
                path.as_os_str().len()
            )));
        }
        if path.exists() {
            if UnixStream::connect(&path).is_ok() {
                return Err(fail(
                    "another tracker is listening for the browser on this data folder".into(),
                ));
            }
            std::fs::remove_file(&path).map_err(|e| fail(format!("stale socket: {e}")))?;
        }
        let listener = UnixListener::bind(&path).map_err(|e| fail(e.to_string()))?;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| fail(e.to_string()))?;
        listener
            .set_nonblocking(true)
            .map_err(|e| fail(e.to_string()))?;
        Ok(Bound { listener, path })
    }

    /// Serves the socket: samples go to the control thread through `tx`.
    pub(crate) fn serve(self, shared: Arc<Shared>, tx: mpsc::Sender<Cmd>) -> Result<Bridge, Error> {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let Bound { listener, path } = self;
        let thread = std::thread::Builder::new()
            .name("activity-core-browser".into())
            .spawn(move || accept_loop(&listener, &shared, &tx, &flag))
            .map_err(|e| RuntimeError::DataDir {
                path: path.display().to_string(),
                message: format!("cannot start the browser bridge: {e}"),
            })?;
        tracing::info!(socket = %path.display(), "listening for the browser extension's host");
        Ok(Bridge {
            stop,
            thread: Some(thread),
            path,
        })
    }
}

impl Bridge {
    /// Stops listening, closes the connections, removes the socket.
    pub(crate) fn stop(mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        let _ = std::fs::remove_file(&self.path);
    }
}

impl Drop for Bridge {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn accept_loop(
    listener: &UnixListener,
    shared: &Arc<Shared>,
    tx: &mpsc::Sender<Cmd>,
    stop: &Arc<AtomicBool>,
) {
    let current = Arc::new(Mutex::new(Current::default()));
    let mut connections: Vec<JoinHandle<()>> = Vec::new();
    let mut next_id = 0u64;
    let mut last_repeat = Instant::now();
    while !stop.load(Ordering::Acquire) {
        match listener.accept() {
            Ok((stream, _)) => {
                let uid = peer_uid(&stream);
                if uid != Some(my_uid()) {
                    let reason = format!(
                        "refused a connection to the browser socket from another user (uid {})",
                        uid.map_or_else(|| "unknown".into(), |u| u.to_string())
                    );
                    tracing::warn!("{reason}");
                    shared.emit(TrackerEvent::BrowserRefused { reason });
                    continue;
                }
                next_id += 1;
                let (id, shared, tx, stop, current) = (
                    next_id,
                    shared.clone(),
                    tx.clone(),
                    stop.clone(),
                    current.clone(),
                );
                let spawned = std::thread::Builder::new()
                    .name("activity-core-browser-conn".into())
                    .spawn(move || connection(id, stream, &shared, &tx, &stop, &current));
                match spawned {
                    Ok(h) => connections.push(h),
                    Err(e) => tracing::warn!(error = %e, "cannot serve a browser connection"),
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                // Sleep until a host connects or the next check (stop, the repeat): a few
                // wake-ups a second, not a busy loop.
                let mut fds = [rustix::event::PollFd::new(
                    listener,
                    rustix::event::PollFlags::IN,
                )];
                let timeout = rustix::event::Timespec {
                    tv_sec: 0,
                    tv_nsec: 250_000_000,
                };
                let _ = rustix::event::poll(&mut fds, Some(&timeout));
            }
            Err(e) => {
                tracing::warn!(error = %e, "browser socket accept failed");
                std::thread::sleep(Duration::from_millis(200));
            }
        }
        connections.retain(|h| !h.is_finished());
        if last_repeat.elapsed() >= REPEAT {
            last_repeat = Instant::now();
            // Under the lock, so a repeat can never overtake a newer sample of a connection.
            let mut c = lock(&current);
            let live = c.last_message.is_some_and(|t| t.elapsed() <= LIVENESS);
            if live {
                if let Some((_, tab)) = &c.tab {
                    record(shared, tx, &tab.browser, &tab.title, Some(&tab.url), None);
                }
            } else if let Some((_, tab)) = c.tab.take() {
                tracing::info!("the browser went quiet: its website record ends");
                record(shared, tx, &tab.browser, "", None, None);
            }
        }
    }
    for h in connections {
        let _ = h.join();
    }
}

fn connection(
    id: u64,
    mut stream: UnixStream,
    shared: &Shared,
    tx: &mpsc::Sender<Cmd>,
    stop: &AtomicBool,
    current: &Mutex<Current>,
) {
    let _ = stream.set_nonblocking(false);
    // Reads wake up at least every 250 ms to notice a stop.
    let _ = stream.set_read_timeout(Some(Duration::from_millis(250)));
    shared.emit(TrackerEvent::BrowserConnected { at: shared.now() });
    let mut buf = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    let why = loop {
        if stop.load(Ordering::Acquire) {
            break "tracker stopped";
        }
        match stream.read(&mut chunk) {
            Ok(0) => break "host closed the connection",
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock
                        | std::io::ErrorKind::TimedOut
                        | std::io::ErrorKind::Interrupted
                ) =>
            {
                continue;
            }
            Err(_) => break "connection failed",
        }
        let frames = match split_frames(&mut buf) {
            Ok(f) => f,
            Err(e) => {
                tracing::warn!(error = %e, "browser host sent a bad frame: closing");
                break "bad frame";
            }
        };
        for body in frames {
            match parse(&body) {
                // Each sample is handed over under the lock: samples and repeats reach the
                // model in the order they were decided.
                Ok(Message::Tab(tab)) => {
                    let mut c = lock(current);
                    record(shared, tx, &tab.browser, &tab.title, Some(&tab.url), tab.at);
                    c.tab = Some((id, tab));
                    c.last_message = Some(Instant::now());
                }
                Ok(Message::None { reason }) => {
                    let mut c = lock(current);
                    c.last_message = Some(Instant::now());
                    if matches!(&c.tab, Some((owner, _)) if *owner == id)
                        && let Some((_, tab)) = c.tab.take()
                    {
                        tracing::debug!(%reason, "no website in front");
                        record(shared, tx, &tab.browser, "", None, None);
                    }
                }
                Ok(Message::Dropped { count }) => {
                    tracing::warn!(count, "the browser host dropped samples while away");
                    shared.emit(TrackerEvent::BrowserSamplesDropped { count });
                }
                Err(e) => tracing::warn!(error = %e, "browser host sent a bad message"),
            }
        }
    };
    tracing::debug!(reason = why, "browser connection ended");
    {
        let mut c = lock(current);
        if matches!(&c.tab, Some((owner, _)) if *owner == id)
            && let Some((_, tab)) = c.tab.take()
        {
            record(shared, tx, &tab.browser, "", None, None);
        }
    }
    shared.emit(TrackerEvent::BrowserDisconnected { at: shared.now() });
}
