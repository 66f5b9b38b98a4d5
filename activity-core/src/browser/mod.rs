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

/// The socket of the tracker of `data_dir`.
pub fn socket_path(data_dir: &Path) -> PathBuf {
    data_dir.join(SOCKET_NAME)
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
