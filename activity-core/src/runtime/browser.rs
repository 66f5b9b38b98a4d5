//! The tracker's end of the browser bridge ([`crate::browser`]): a Unix socket in the data
//! folder (mode 0600; a peer of another user is refused by its credentials), one thread
//! accepting, one per connected host, each sample handed to the control thread as a URL sample.
//!
//! The model ends a website record when no sample came for `heartbeat_timeout` (5 s by
//! default); a browser only reports changes and a heartbeat every 10 s. So while a host reports
//! a focused tab, the bridge repeats it to the model every second (as the window source samples
//! the window), for as long as the host keeps talking ([`LIVENESS`]). A host that disconnects,
//! or reports that focus left the browser, ends the record at once.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::events::TrackerEvent;
use super::shared::{Cmd, Shared};
use crate::browser::protocol::{Message, TabSample, parse, split_frames};
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

/// The socket (or pipe), bound but not served yet (binding first lets `start` fail before
/// anything runs).
pub(crate) struct Bound {
    listener: transport::Listener,
    path: PathBuf,
}

impl Bound {
    /// Binds the endpoint of `data_dir` ([`crate::browser::endpoint`]): a socket (mode 0600) on
    /// Unix, where a socket file left by a tracker that died is replaced; a named pipe only
    /// this user may open on Windows (served on `io`). One a live tracker listens on is an
    /// error.
    pub(crate) fn bind(
        data_dir: &Path,
        io: Option<&tokio::runtime::Handle>,
    ) -> Result<Bound, Error> {
        let path = crate::browser::endpoint(data_dir);
        let listener = transport::Listener::bind(&path, io).map_err(|message| {
            Error::from(RuntimeError::DataDir {
                path: path.display().to_string(),
                message,
            })
        })?;
        Ok(Bound { listener, path })
    }

    /// Serves the endpoint: samples go to the control thread through `tx`.
    pub(crate) fn serve(self, shared: Arc<Shared>, tx: mpsc::Sender<Cmd>) -> Result<Bridge, Error> {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let Bound { mut listener, path } = self;
        let thread = std::thread::Builder::new()
            .name("activity-core-browser".into())
            .spawn(move || {
                accept_loop(&mut listener, &shared, &tx, &flag);
                listener.remove();
            })
            .map_err(|e| RuntimeError::DataDir {
                path: path.display().to_string(),
                message: format!("cannot start the browser bridge: {e}"),
            })?;
        tracing::info!(endpoint = %path.display(), "listening for the browser extension's host");
        Ok(Bridge {
            stop,
            thread: Some(thread),
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
    listener: &mut transport::Listener,
    shared: &Arc<Shared>,
    tx: &mpsc::Sender<Cmd>,
    stop: &Arc<AtomicBool>,
) {
    let current = Arc::new(Mutex::new(Current::default()));
    let mut connections: Vec<JoinHandle<()>> = Vec::new();
    let mut next_id = 0u64;
    let mut last_repeat = Instant::now();
    while !stop.load(Ordering::Acquire) {
        // Waits up to a quarter of a second for a host: a few wake-ups a second to check the
        // stop and the repeat, not a busy loop.
        match listener.accept() {
            Ok(Some(stream)) => {
                if let Err(who) = stream.peer_is_this_user() {
                    let reason = format!(
                        "refused a connection to the browser endpoint from another user ({who})"
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
            Ok(None) => {}
            Err(e) => {
                tracing::warn!(error = %e, "browser endpoint accept failed");
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
    mut stream: transport::Connection,
    shared: &Shared,
    tx: &mpsc::Sender<Cmd>,
    stop: &AtomicBool,
    current: &Mutex<Current>,
) {
    // Reads wake up at least every 250 ms to notice a stop.
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

/// The platform's end of the bridge: a Unix socket in the data folder.
#[cfg(unix)]
mod transport {
    use std::io::Read as _;
    use std::os::unix::fs::PermissionsExt as _;
    use std::os::unix::net::{UnixListener, UnixStream};
    use std::path::{Path, PathBuf};
    use std::time::Duration;

    pub(super) struct Listener {
        listener: UnixListener,
        path: PathBuf,
    }

    impl Listener {
        pub(super) fn bind(
            path: &Path,
            _io: Option<&tokio::runtime::Handle>,
        ) -> Result<Listener, String> {
            // sockaddr_un holds 108 bytes with the terminating NUL.
            if path.as_os_str().len() > 107 {
                return Err(format!(
                    "the browser socket's path is {} bytes, over the 107 a Unix socket allows: \
                     use a shorter data folder",
                    path.as_os_str().len()
                ));
            }
            if path.exists() {
                if UnixStream::connect(path).is_ok() {
                    return Err(
                        "another tracker is listening for the browser on this data folder".into(),
                    );
                }
                std::fs::remove_file(path).map_err(|e| format!("stale socket: {e}"))?;
            }
            let listener = UnixListener::bind(path).map_err(|e| e.to_string())?;
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
                .map_err(|e| e.to_string())?;
            listener.set_nonblocking(true).map_err(|e| e.to_string())?;
            Ok(Listener {
                listener,
                path: path.to_path_buf(),
            })
        }

        /// A host that connected within a quarter of a second, if any.
        pub(super) fn accept(&mut self) -> std::io::Result<Option<Connection>> {
            match self.listener.accept() {
                Ok((stream, _)) => {
                    stream.set_nonblocking(false)?;
                    stream.set_read_timeout(Some(Duration::from_millis(250)))?;
                    Ok(Some(Connection(stream)))
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    let mut fds = [rustix::event::PollFd::new(
                        &self.listener,
                        rustix::event::PollFlags::IN,
                    )];
                    let timeout = rustix::event::Timespec {
                        tv_sec: 0,
                        tv_nsec: 250_000_000,
                    };
                    let _ = rustix::event::poll(&mut fds, Some(&timeout));
                    Ok(None)
                }
                Err(e) => Err(e),
            }
        }

        /// Removes the socket file.
        pub(super) fn remove(&self) {
            let _ = std::fs::remove_file(&self.path);
        }
    }

    pub(super) struct Connection(UnixStream);

    impl Connection {
        /// `Err(who)` when the process at the other end runs as another user
        /// (`SO_PEERCRED`).
        pub(super) fn peer_is_this_user(&self) -> Result<(), String> {
            let me = rustix::process::geteuid().as_raw();
            match rustix::net::sockopt::socket_peercred(&self.0) {
                Ok(c) if c.uid.as_raw() == me => Ok(()),
                Ok(c) => Err(format!("uid {}", c.uid.as_raw())),
                Err(_) => Err("uid unknown".into()),
            }
        }

        /// Reads what came; `TimedOut`/`WouldBlock` after a quarter of a second without data.
        pub(super) fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            self.0.read(buf)
        }
    }
}

/// The platform's end of the bridge: a named pipe only this user may open, served by tokio's
/// named pipe server on the tracker's I/O runtime.
#[cfg(windows)]
mod transport {
    use std::os::windows::io::AsRawHandle as _;
    use std::path::Path;
    use std::time::Duration;

    use tokio::net::windows::named_pipe::NamedPipeServer;

    use crate::win::{SecurityDescriptor, create_pipe_server as create};

    const WAIT: Duration = Duration::from_millis(250);

    pub(super) struct Listener {
        name: std::ffi::OsString,
        next: NamedPipeServer,
        io: tokio::runtime::Handle,
        security: SecurityDescriptor,
    }

    impl Listener {
        pub(super) fn bind(
            path: &Path,
            io: Option<&tokio::runtime::Handle>,
        ) -> Result<Listener, String> {
            let io = io
                .ok_or("the tracker's I/O runtime is shut down: it cannot serve the browser pipe")?
                .clone();
            let security = SecurityDescriptor::owner_only(false)
                .map_err(|e| format!("cannot build the pipe's access list: {e}"))?;
            let name = path.as_os_str().to_owned();
            let next = create(&name, true, &security, &io).map_err(|e| {
                // ERROR_ACCESS_DENIED: FILE_FLAG_FIRST_PIPE_INSTANCE found the name taken.
                if e.raw_os_error() == Some(5) {
                    "another tracker is listening for the browser on this data folder (its \
                     pipe exists)"
                        .to_string()
                } else {
                    e.to_string()
                }
            })?;
            Ok(Listener {
                name,
                next,
                io,
                security,
            })
        }

        /// A host that connected within a quarter of a second, if any.
        pub(super) fn accept(&mut self) -> std::io::Result<Option<Connection>> {
            // `connect` is cancel safe: a timeout loses no client.
            match self
                .io
                .block_on(async { tokio::time::timeout(WAIT, self.next.connect()).await })
            {
                Err(_elapsed) => Ok(None),
                Ok(Err(e)) => Err(e),
                Ok(Ok(())) => {
                    let fresh = create(&self.name, false, &self.security, &self.io)?;
                    let pipe = std::mem::replace(&mut self.next, fresh);
                    Ok(Some(Connection {
                        pipe,
                        io: self.io.clone(),
                    }))
                }
            }
        }

        /// Nothing to remove: the pipe goes with its last handle.
        pub(super) fn remove(&self) {}
    }

    pub(super) struct Connection {
        pipe: NamedPipeServer,
        io: tokio::runtime::Handle,
    }

    impl Connection {
        /// `Err(who)` when the process at the other end runs as another user (its token's
        /// SID; the pipe's DACL already refuses them, this is the second fence).
        pub(super) fn peer_is_this_user(&self) -> Result<(), String> {
            let me = crate::win::current_user_sid().map_err(|e| format!("own SID: {e}"))?;
            let pid = crate::win::pipe_client_pid(self.pipe.as_raw_handle())
                .map_err(|e| format!("client unknown: {e}"))?;
            match crate::win::user_sid_of_process(pid) {
                Ok(sid) if sid == me => Ok(()),
                Ok(sid) => Err(format!("process {pid}, user {sid}")),
                Err(e) => Err(format!("process {pid}, user unknown: {e}")),
            }
        }

        /// Reads what came; `TimedOut` after a quarter of a second without data.
        pub(super) fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            loop {
                let ready = self
                    .io
                    .block_on(async { tokio::time::timeout(WAIT, self.pipe.readable()).await });
                match ready {
                    Err(_elapsed) => return Err(std::io::ErrorKind::TimedOut.into()),
                    Ok(Err(e)) => return Err(e),
                    Ok(Ok(())) => match self.pipe.try_read(buf) {
                        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
                        // A client that closed its end: the end of the stream.
                        Err(e) if e.raw_os_error() == Some(109) => return Ok(0),
                        r => return r,
                    },
                }
            }
        }
    }
}
