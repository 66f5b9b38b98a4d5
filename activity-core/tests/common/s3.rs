//! A real S3-protocol server for tests: moto_server (pip install "moto[server]") on 127.0.0.1.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running moto_server; killed when dropped.
pub struct Moto {
    child: Option<Child>,
    /// `http://127.0.0.1:<port>`
    pub endpoint: String,
}

impl Moto {
    /// Starts moto_server on a free loopback port and waits until it answers.
    ///
    /// With `AC_TEST_S3_SERVER` set (the Windows run: a Windows test under Wine cannot start a
    /// Linux program), uses that server instead, emptied first; the tests that use it run one
    /// at a time there (the `s3` test group of .config/nextest.toml's `wine` profile).
    pub fn start() -> Moto {
        if let Some(endpoint) = std::env::var("AC_TEST_S3_SERVER")
            .ok()
            .filter(|e| !e.is_empty())
        {
            let (status, _) = http(&endpoint, "POST", "/moto-api/reset", &[])
                .unwrap_or_else(|| panic!("the S3 server at {endpoint} does not answer"));
            assert_eq!(status, 200, "reset of the S3 server at {endpoint}");
            return Moto {
                child: None,
                endpoint,
            };
        }
        Moto::start_on(free_port())
    }

    /// Starts moto_server on `port`.
    pub fn start_on(port: u16) -> Moto {
        let child = Command::new("moto_server")
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto_server not found: pip install \"moto[server]\" (scripts/test.sh does)");
        let moto = Moto {
            child: Some(child),
            endpoint: format!("http://127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while http(&moto.endpoint, "GET", "/", &[]).is_none() {
            assert!(
                Instant::now() < deadline,
                "moto_server did not start on port {port}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        moto
    }

    /// Creates a bucket (path style, as moto accepts without credentials).
    pub fn create_bucket(&self, name: &str) {
        let (status, _) =
            http(&self.endpoint, "PUT", &format!("/{name}"), &[]).expect("moto answers");
        assert!(
            status == 200 || status == 409,
            "create bucket {name}: HTTP {status}"
        );
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A loopback port nobody listens on (yet).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A plain HTTP/1.1 request without any S3 credentials: `(status, body)`, or `None` when the
/// server cannot be reached.
pub fn http(
    origin: &str,
    method: &str,
    path_and_query: &str,
    body: &[u8],
) -> Option<(u16, Vec<u8>)> {
    let host = origin.trim_start_matches("http://");
    let mut s = TcpStream::connect(host).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(30))).ok()?;
    let head = format!(
        "{method} {path_and_query} HTTP/1.1\r\nHost: {host}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).ok()?;
    s.write_all(body).ok()?;
    let mut resp = Vec::new();
    s.read_to_end(&mut resp).ok()?;
    let split = resp.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&resp[..split]).to_string();
    let status: u16 = head.split_whitespace().nth(1)?.parse().ok()?;
    let mut body = resp[split + 4..].to_vec();
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        body = dechunk(&body);
    }
    Some((status, body))
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(eol) = b.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let n = usize::from_str_radix(String::from_utf8_lossy(&b[..eol]).trim(), 16).unwrap_or(0);
        if n == 0 {
            return out;
        }
        out.extend_from_slice(&b[eol + 2..eol + 2 + n]);
        b = &b[eol + 2 + n + 2..];
    }
}

/// An S3 provider for the bucket `shots` behind `endpoint` (path style, test credentials).
pub fn s3_store(endpoint: &str) -> activity_core::storage::s3::S3Storage {
    use activity_core::storage::config::{ProviderConfig, S3Config};
    use activity_core::storage::secret::Secret;
    activity_core::storage::s3::S3Storage::new(&ProviderConfig::S3(S3Config {
        access_key_id: "AKIDTESTTESTTEST".into(),
        secret_access_key: Secret::new("testsecretkeytestsecretkeytestsecret00"),
        region: "us-east-1".into(),
        bucket: "shots".into(),
        endpoint: Some(endpoint.parse().unwrap()),
        force_path_style: true,
        cdn_url: None,
    }))
    .unwrap()
}
