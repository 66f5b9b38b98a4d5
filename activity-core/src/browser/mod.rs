//! Website tracking through the browser: the extension (`browser-extension/`) reports the
//! focused tab; the native messaging host (`activity-core-browser-host`, [`host`]) forwards its
//! messages over a Unix socket in the tracker's data folder; the tracker, built with
//! [`TrackerBuilder::browser_bridge`](crate::runtime::TrackerBuilder::browser_bridge), records
//! them as URL samples ([`Tracker::record_url`](crate::Tracker::record_url): query strings and
//! exclusions handled there).
//!
//! ```text
//! extension ──stdio frames──▶ host ──frames over <data-dir>/browser.sock (0600)──▶ tracker
//! ```
//!
//! On Windows the tracker listens on a named pipe instead ([`endpoint`]:
//! `\\.\pipe\activity-core-browser-<hash of the data folder>`), created with a DACL that
//! admits the current user alone and remote clients refused; the tracker also checks that the
//! process at the other end runs as the same user. A named pipe rather than Windows 10's
//! AF_UNIX: pipes are Windows' native local IPC, carry an ACL like any object, exist on every
//! version, and tokio serves them; AF_UNIX sockets on Windows have no peer credentials and no
//! support in Rust's standard library.
//!
//! - [`protocol`]: the framing (4-byte little-endian length + UTF-8 JSON, ≤ 1 MiB) and the
//!   messages.
//! - [`host`]: the host's loop, with a bounded buffer while the tracker is away.
//! - [`install`]: writes the host manifest where a browser looks for it.

pub mod host;
pub mod install;
pub mod protocol;

use std::path::{Path, PathBuf};

/// The native messaging host's name (in the host manifest and `connectNative`).
pub const HOST_NAME: &str = "dev.activity_core.browser";
/// The extension's id in Chromium-based browsers, fixed by the `key` in its manifest.
pub const EXTENSION_ID: &str = "gfekllknfmmafdbkdeicnfiammpjpclh";
/// The extension's id in Firefox (`browser_specific_settings.gecko.id`).
pub const FIREFOX_EXTENSION_ID: &str = "browser@activity-core.dev";
/// The socket's file name in the data folder.
pub const SOCKET_NAME: &str = "browser.sock";

/// The socket of the tracker of `data_dir` (Unix).
pub fn socket_path(data_dir: &Path) -> PathBuf {
    data_dir.join(SOCKET_NAME)
}

/// Where the tracker of `data_dir` listens for its host: [`socket_path`] on Unix; on Windows the
/// named pipe `\\.\pipe\activity-core-browser-<16 hex digits>`, the digits from the SHA-256
/// of the folder's canonical path, lower-cased (one pipe per data folder, however it is
/// spelled).
pub fn endpoint(data_dir: &Path) -> PathBuf {
    #[cfg(windows)]
    {
        use sha2::Digest as _;
        let canonical = dunce::canonicalize(data_dir).unwrap_or_else(|_| data_dir.to_path_buf());
        let key = canonical.to_string_lossy().to_lowercase();
        let digest = sha2::Sha256::digest(key.as_bytes());
        PathBuf::from(format!(
            r"\\.\pipe\activity-core-browser-{}",
            crate::util::hex(&digest[..8])
        ))
    }
    #[cfg(not(windows))]
    socket_path(data_dir)
}

/// A connection to a tracker's bridge, written to by the host.
#[cfg(unix)]
pub(crate) type BridgeStream = std::os::unix::net::UnixStream;
/// A connection to a tracker's bridge, written to by the host.
#[cfg(windows)]
pub(crate) type BridgeStream = std::fs::File;

/// Connects to the bridge at `endpoint` (see [`endpoint`]).
pub(crate) fn connect(endpoint: &Path) -> std::io::Result<BridgeStream> {
    #[cfg(unix)]
    return std::os::unix::net::UnixStream::connect(endpoint);
    #[cfg(windows)]
    {
        // ERROR_PIPE_BUSY (231): every instance is taken for a moment (the tracker makes the
        // next one right after each connection): wait a little, a few times.
        let mut tries = 0;
        loop {
            match std::fs::OpenOptions::new().write(true).open(endpoint) {
                Err(e) if e.raw_os_error() == Some(231) && tries < 20 => {
                    tries += 1;
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
                r => return r,
            }
        }
    }
}

/// The id Chromium gives an unpacked extension whose manifest has `key` (base64 of the public
/// key's DER): the first 128 bits of its SHA-256, written with the letters `a`..=`p`.
pub fn extension_id_of_key(key_base64: &str) -> Option<String> {
    use base64::Engine;
    use sha2::Digest;
    let der = base64::engine::general_purpose::STANDARD
        .decode(key_base64.trim())
        .ok()?;
    let hash = sha2::Sha256::digest(&der);
    Some(
        hash[..16]
            .iter()
            .flat_map(|b| [b >> 4, b & 15])
            .map(|n| char::from(b'a' + n))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_extension_id_is_the_one_its_manifest_key_gives() {
        let manifest: serde_json::Value =
            serde_json::from_str(include_str!("../../../browser-extension/manifest.json")).unwrap();
        let key = manifest["key"].as_str().unwrap();
        assert_eq!(
            super::extension_id_of_key(key).as_deref(),
            Some(super::EXTENSION_ID)
        );
        assert_eq!(
            manifest["browser_specific_settings"]["gecko"]["id"],
            super::FIREFOX_EXTENSION_ID
        );
    }
}
