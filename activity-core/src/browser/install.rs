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
//! On Windows browsers find hosts through the registry, not folders: the manifest is written to
//! `<data-dir>\native-messaging\<browser>\` (or the `user_data_dir` folder above) and its path
//! becomes the default value of one key under `HKEY_CURRENT_USER` (no administrator needed):
//!
//! | browser | registry key (Windows) |
//! |---|---|
//! | `chromium` | `Software\Chromium\NativeMessagingHosts\dev.activity_core.browser` |
//! | `chrome` | `Software\Google\Chrome\NativeMessagingHosts\dev.activity_core.browser` |
//! | `firefox` | `Software\Mozilla\NativeMessagingHosts\dev.activity_core.browser` |
//!
//! The launcher is `browser-host` (a shell script) on Unix and `browser-host.bat` on Windows.
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
    /// The registry key could not be written (Windows).
    #[error("cannot write the registry key HKEY_CURRENT_USER\\{key}: {message}")]
    Registry {
        /// The key under `HKEY_CURRENT_USER`.
        key: String,
        /// Why.
        message: String,
    },
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
    /// The registry key under `HKEY_CURRENT_USER` naming the manifest (Windows; `None`
    /// elsewhere).
    pub registry_key: Option<String>,
}

impl Browser {
    /// Its name on the command line (`chromium`, `chrome`, `firefox`).
    pub fn as_str(self) -> &'static str {
        match self {
            Browser::Chromium => "chromium",
            Browser::Chrome => "chrome",
            Browser::Firefox => "firefox",
        }
    }

    /// The key under `HKEY_CURRENT_USER` where this browser looks for the host on Windows.
    pub fn registry_key(self) -> String {
        let vendor = match self {
            Browser::Chromium => r"Software\Chromium",
            Browser::Chrome => r"Software\Google\Chrome",
            Browser::Firefox => r"Software\Mozilla",
        };
        format!(r"{vendor}\NativeMessagingHosts\{HOST_NAME}")
    }
}

fn write(path: &Path, text: &str, mode: u32) -> Result<(), InstallError> {
    let err = |e: std::io::Error| InstallError::Write {
        path: path.display().to_string(),
        message: e.to_string(),
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(err)?;
    }
    std::fs::write(path, text).map_err(err)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).map_err(err)?;
    }
    #[cfg(not(unix))]
    let _ = mode;
    Ok(())
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
    let host =
        dunce::canonicalize(host).map_err(|_| InstallError::NoHost(host.display().to_string()))?;
    std::fs::create_dir_all(data_dir).map_err(|e| InstallError::Write {
        path: data_dir.display().to_string(),
        message: e.to_string(),
    })?;
    let data_dir = dunce::canonicalize(data_dir).map_err(|e| InstallError::Write {
        path: data_dir.display().to_string(),
        message: e.to_string(),
    })?;
    let folder = match (browser, user_data_dir) {
        (Browser::Firefox, Some(d)) => d.join("native-messaging-hosts"),
        (_, Some(d)) => d.join("NativeMessagingHosts"),
        // Windows: the registry names the manifest; it stays with the data.
        (b, None) if cfg!(windows) => data_dir.join("native-messaging").join(b.as_str()),
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
    let launcher = write_launcher(&host, &data_dir)?;
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
    #[cfg(windows)]
    let registry_key = {
        let key = browser.registry_key();
        crate::win::set_user_registry_default(&key, utf8(&path)?).map_err(|e| {
            InstallError::Registry {
                key: key.clone(),
                message: e.to_string(),
            }
        })?;
        Some(key)
    };
    #[cfg(not(windows))]
    let registry_key = None;
    Ok(Installed {
        manifest: path,
        launcher,
        registry_key,
    })
}

/// Writes the launcher the browser starts: it runs `host` for `data_dir`, passing on the
/// browser's arguments.
fn write_launcher(host: &Path, data_dir: &Path) -> Result<PathBuf, InstallError> {
    if cfg!(windows) {
        // A batch file; a `"` cannot occur in a Windows path, `%` is doubled.
        let quote = |s: &str| format!("\"{}\"", s.replace('%', "%%"));
        let launcher = data_dir.join("browser-host.bat");
        write(
            &launcher,
            &format!(
                "@echo off\r\nrem Written by activity-core-browser-host install: the browser starts this.\r\n{} --data-dir {} %*\r\n",
                quote(utf8(host)?),
                quote(utf8(data_dir)?)
            ),
            0o700,
        )?;
        return Ok(launcher);
    }
    // Single-quoted paths (a quote inside is closed, escaped, reopened).
    let quote = |s: &str| format!("'{}'", s.replace('\'', r"'\''"));
    let launcher = data_dir.join("browser-host");
    write(
        &launcher,
        &format!(
            "#!/bin/sh\n# Written by activity-core-browser-host install: the browser starts this.\nexec {} --data-dir {} \"$@\"\n",
            quote(utf8(host)?),
            quote(utf8(data_dir)?)
        ),
        0o700,
    )?;
    Ok(launcher)
}
