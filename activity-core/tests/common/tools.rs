//! Real processes and a real network path for the multi-process tests: the example tools
//! (`screenshots`, `report`, `track`) run as the user would run them, and a TCP proxy in front of
//! the S3 server that the test can close, black-hole or make swallow the answers, and that
//! counts the uploads passing through it.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

/// A loopback port nobody listens on (yet).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A TCP proxy on a fixed loopback port in front of moto, which the test can close (dropping
/// every open connection, as a network outage does) and open again.
pub struct Proxy {
    pub port: u16,
    target: u16,
    open: Arc<std::sync::atomic::AtomicBool>,
    /// While set, the server's answers are read and dropped: requests reach the server (an
    /// upload's object is stored) but the client never hears back, as when a connection dies
    /// after the body was delivered.
    pub swallow: Arc<std::sync::atomic::AtomicBool>,
    /// Every byte the clients sent, in order per connection (to count the requests).
    pub sent: Arc<std::sync::Mutex<Vec<u8>>>,
    conns: Arc<std::sync::Mutex<Vec<std::net::TcpStream>>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Proxy {
    pub fn start(target: u16) -> Proxy {
        let mut p = Proxy {
            port: free_port(),
            target,
            open: Arc::new(std::sync::atomic::AtomicBool::new(false)),
            swallow: Arc::default(),
            sent: Arc::default(),
            conns: Arc::default(),
            thread: None,
        };
        p.reopen();
        p
    }

    pub fn reopen(&mut self) {
        use std::sync::atomic::Ordering;
        let listener = std::net::TcpListener::bind(("127.0.0.1", self.port)).unwrap();
        listener.set_nonblocking(true).unwrap();
        self.open.store(true, Ordering::SeqCst);
        let (open, conns, target) = (self.open.clone(), self.conns.clone(), self.target);
        let (swallow, sent) = (self.swallow.clone(), self.sent.clone());
        self.thread = Some(std::thread::spawn(move || {
            while open.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((client, _)) => {
                        client.set_nonblocking(false).unwrap();
                        let Ok(server) = std::net::TcpStream::connect(("127.0.0.1", target)) else {
                            continue;
                        };
                        let mut list = conns.lock().unwrap();
                        list.push(client.try_clone().unwrap());
                        list.push(server.try_clone().unwrap());
                        for (from, to, upstream) in [
                            (
                                client.try_clone().unwrap(),
                                server.try_clone().unwrap(),
                                true,
                            ),
                            (server, client, false),
                        ] {
                            let (swallow, sent) = (swallow.clone(), sent.clone());
                            std::thread::spawn(move || pump(from, to, upstream, &swallow, &sent));
                        }
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(20)),
                }
            }
            // The listener is dropped here: connections are refused from now on.
        }));
    }

    /// How many `PUT`s of `key` (in bucket `shots`) passed through.
    pub fn puts_of(&self, key: &str) -> usize {
        let needle = format!("PUT /shots/{key} HTTP/1.1");
        let sent = self.sent.lock().unwrap();
        sent.windows(needle.len())
            .filter(|w| *w == needle.as_bytes())
            .count()
    }

    /// The keys of every `PUT` that passed through, in order.
    pub fn put_keys(&self) -> Vec<String> {
        let sent = self.sent.lock().unwrap();
        let text = String::from_utf8_lossy(&sent);
        text.match_indices("PUT /shots/")
            .filter_map(|(i, m)| {
                let rest = &text[i + m.len()..];
                rest.find(" HTTP/1.1").map(|end| rest[..end].to_string())
            })
            .collect()
    }

    pub fn close(&mut self) {
        self.open.store(false, std::sync::atomic::Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            t.join().unwrap();
        }
        for c in self.conns.lock().unwrap().drain(..) {
            let _ = c.shutdown(std::net::Shutdown::Both);
        }
    }
}

/// Copies one direction of a proxied connection: upstream bytes are logged; downstream bytes
/// are dropped while `swallow` is set.
fn pump(
    mut from: std::net::TcpStream,
    mut to: std::net::TcpStream,
    upstream: bool,
    swallow: &std::sync::atomic::AtomicBool,
    sent: &std::sync::Mutex<Vec<u8>>,
) {
    use std::io::{Read as _, Write as _};
    let mut buf = [0u8; 64 * 1024];
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if upstream {
            sent.lock().unwrap().extend_from_slice(&buf[..n]);
        } else if swallow.load(std::sync::atomic::Ordering::SeqCst) {
            continue;
        }
        if to.write_all(&buf[..n]).is_err() {
            break;
        }
    }
    let _ = to.shutdown(std::net::Shutdown::Both);
}

/// An example program (built with the examples), by name.
pub fn example(name: &str) -> std::path::PathBuf {
    let exe = std::env::current_exe().unwrap();
    let tool = exe
        .parent()
        .and_then(|deps| deps.parent())
        .map(|debug| debug.join("examples").join(name))
        .unwrap();
    if !tool.exists() {
        // Test builds compile the examples but do not always place them under their plain
        // name: build it the way a user would.
        let status = std::process::Command::new(env!("CARGO"))
            .args(["build", "--quiet", "--example", name])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .unwrap();
        assert!(
            status.success() && tool.exists(),
            "cannot build {}",
            tool.display()
        );
    }
    tool
}

/// A command with the S3 settings of the test bucket behind `endpoint` in its environment.
pub fn with_s3(mut c: std::process::Command, endpoint: &str) -> std::process::Command {
    c.env("FILE_PROVIDER", "S3")
        .env("AWS_ACCESS_KEY_ID", "AKIDTESTTESTTEST")
        .env(
            "AWS_SECRET_ACCESS_KEY",
            "testsecretkeytestsecretkeytestsecret00",
        )
        .env("AWS_REGION", "us-east-1")
        .env("AWS_S3_BUCKET", "shots")
        .env("AWS_S3_ENDPOINT", endpoint)
        .env("AWS_S3_FORCE_PATH_STYLE", "true");
    c
}

/// Runs a tool: (succeeded, stdout + stderr).
pub fn run_tool(c: std::process::Command) -> (bool, String) {
    let mut c = c;
    let out = c.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// The `report` tool on `dir`.
pub fn report_tool(dir: &std::path::Path, args: &[&str]) -> (bool, String) {
    let mut c = std::process::Command::new(example("report"));
    c.arg("--data-dir").arg(dir).args(args);
    run_tool(c)
}

/// The `screenshots` tool (built with the examples), run on `dir` with S3 behind `endpoint`.
pub fn screenshots_tool(dir: &std::path::Path, endpoint: &str, args: &[&str]) -> (bool, String) {
    let mut c = std::process::Command::new(example("screenshots"));
    c.arg("--data-dir").arg(dir).args(args);
    run_tool(with_s3(c, endpoint))
}
