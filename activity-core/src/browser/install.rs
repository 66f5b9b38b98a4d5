//! Installs the native messaging host for a browser: a launcher in the data folder (the browser
//! starts hosts without arguments, so the launcher names the data folder) and the host manifest
//! where that browser looks for it.
//!
//! | browser | manifest folder (Linux) | with `user_data_dir` |
//! |---|---|---|
//! | `chromium` | `~/.config/chromium/NativeMessagingHosts/` | `<dir>/NativeMessagingHosts/` |
//! | `chrome` | `~/.config/google-chrome/NativeMessagingHosts/` | `<dir>/NativeMessagingHosts/` |
//! | `firefox` | `~/.mozilla/native-messaging-hosts/` | `<dir>/native-messaging-hosts/` |
//!
//! Chromium-based browsers allow the extension by origin (`chrome-extension://<id>/`, the id
//! fixed by the manifest's `key`); Firefox by extension id (`browser_specific_settings`).

use std::path::{Path, PathBuf};

use super::{EXTENSION_ID, FIREFOX_EXTENSION_ID, HOST_NAME};

/// A browser the host can be installed for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Browser {
    /// Debian's Chromium.
    Chromium,
    /// Google Chrome.
    Chrome,
    /// Firefox (and Firefox ESR).
    Firefox,
}

impl std::str::FromStr for Browser {
    type Err = InstallError;
    fn from_str(s: &str) -> Result<Browser, InstallError> {
        match s {
            "chromium" => Ok(Browser::Chromium),
            "chrome" | "google-chrome" => Ok(Browser::Chrome),
            "firefox" => Ok(Browser::Firefox),
            other => Err(InstallError::UnknownBrowser(other.to_string())),
        }
    }
}

/// Errors installing the host.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InstallError {
    /// Not `chromium`, `chrome` or `firefox`.
    #[error("unknown browser {0:?} (chromium, chrome or firefox)")]
    UnknownBrowser(String),
    /// No home folder to install into (and no `user_data_dir`).
    #[error("HOME is not set: give a user data folder")]
    NoHome,
    /// The host program does not exist.
    #[error("host program {0} does not exist")]
    NoHost(String),
    /// A path the manifest or launcher cannot hold (not UTF-8, or a quote/newline in it).
    #[error("path {0:?} cannot go into a host manifest (not UTF-8, or has a newline)")]
    BadPath(String),
    /// Writing failed.
    #[error("cannot write {path}: {message}")]
    Write {
        /// What.
        path: String,
        /// Why.
        message: String,
    },
}

/// What [`install`] wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Installed {
    /// The host manifest.
    pub manifest: PathBuf,
    /// The launcher the manifest points at (in the data folder).
    pub launcher: PathBuf,
}

fn write(path: &Path, text: &str, mode: u32) -> Result<(), InstallError> {
    use std::os::unix::fs::PermissionsExt;
    let err = |e: std::io::Error| InstallError::Write {
        path: path.display().to_string(),
        message: e.to_string(),
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(err)?;
    }
    std::fs::write(path, text).map_err(err)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).map_err(err)
}

fn utf8(p: &Path) -> Result<&str, InstallError> {
    p.to_str()
        .filter(|s| !s.contains('\n'))
        .ok_or_else(|| InstallError::BadPath(p.display().to_string()))
}

/// Installs the host `host` (the `activity-core-browser-host` program) for `browser`, feeding
/// the tracker of `data_dir`. `user_data_dir`: the browser's profile folder given with
/// `--user-data-dir` (a test profile); `None`: the user's default.
pub fn install(
    browser: Browser,
    user_data_dir: Option<&Path>,
    data_dir: &Path,
    host: &Path,
) -> Result<Installed, InstallError> {
    let host = std::fs::canonicalize(host)
        .map_err(|_| InstallError::NoHost(host.display().to_string()))?;
    std::fs::create_dir_all(data_dir).map_err(|e| InstallError::Write {
        path: data_dir.display().to_string(),
        message: e.to_string(),
    })?;
    let data_dir = std::fs::canonicalize(data_dir).map_err(|e| InstallError::Write {
        path: data_dir.display().to_string(),
        message: e.to_string(),
    })?;
    let folder = match (browser, user_data_dir) {
        (Browser::Firefox, Some(d)) => d.join("native-messaging-hosts"),
        (_, Some(d)) => d.join("NativeMessagingHosts"),
        (b, None) => {
            let home = std::env::var_os("HOME")
                .filter(|h| !h.is_empty())
                .map(PathBuf::from)
                .ok_or(InstallError::NoHome)?;
            match b {
                Browser::Chromium => home.join(".config/chromium/NativeMessagingHosts"),
                Browser::Chrome => home.join(".config/google-chrome/NativeMessagingHosts"),
                Browser::Firefox => home.join(".mozilla/native-messaging-hosts"),
            }
        }
    };
    // The launcher: single-quoted paths (a quote inside is closed, escaped, reopened).
    let quote = |s: &str| format!("'{}'", s.replace('\'', r"'\''"));
    let launcher = data_dir.join("browser-host");
    write(
        &launcher,
        &format!(
            "#!/bin/sh\n# Written by activity-core-browser-host install: the browser starts this.\nexec {} --data-dir {} \"$@\"\n",
            quote(utf8(&host)?),
            quote(utf8(&data_dir)?)
        ),
        0o700,
    )?;
    let mut manifest = serde_json::json!({
        "name": HOST_NAME,
        "description": "activity-core: the focused tab's address for the time tracker",
        "path": utf8(&launcher)?,
        "type": "stdio",
    });
    match browser {
        Browser::Firefox => {
            manifest["allowed_extensions"] = serde_json::json!([FIREFOX_EXTENSION_ID]);
        }
        _ => {
            manifest["allowed_origins"] =
                serde_json::json!([format!("chrome-extension://{EXTENSION_ID}/")]);
        }
    }
    let path = folder.join(format!("{HOST_NAME}.json"));
    write(
        &path,
        &serde_json::to_string_pretty(&manifest).unwrap_or_default(),
        0o644,
    )?;
    Ok(Installed {
        manifest: path,
        launcher,
    })
}
