//! The data folder: one canonical path however it was spelled, created for the current user
//! only, and owned by one capturing tracker at a time.
//!
//! - **Path.** The folder is created if missing, then canonicalised: `d`, `./d`, an absolute
//!   path, a symlink to it, or the same folder named from another working directory are one
//!   folder. Everything stored in it (the spool entries) is relative to it.
//! - **Permissions.** Created as 0700; the record store, the spool, the local objects and the
//!   signing key are 0600. An existing folder that others may read is left as it is (the
//!   embedder chose it) and reported as [`TrackerEvent::DataFolderExposed`].
//! - **Owner.** A tracker that captures (between `start` and `stop`) holds an exclusive advisory
//!   lock on `<data-dir>/tracker.lock` (`flock` on Unix, `LockFileEx` on Windows, through
//!   `std::fs::File::try_lock`) and writes its process id into it. A second capturing tracker on
//!   the same folder, in this process or another, gets [`RuntimeError::FolderLocked`] naming
//!   that process. Trackers that are built but not started are *readers*: they list, report,
//!   delete and sync, never recover checkpoints or clean the spool (only the owner does, at
//!   `start`). A reader's `sync`, and the provider half of its deletions, take the lock for
//!   their duration; while an owner holds it, the reader's deletions stay queued and the owner
//!   carries them out.
//!
//! [`TrackerEvent::DataFolderExposed`]: super::TrackerEvent::DataFolderExposed

use std::fs::File;
use std::io::{Read as _, Seek as _, Write as _};
use std::path::{Path, PathBuf};

use crate::error::{Error, RuntimeError};
use crate::util::{create_private_dir, private_file_options};

/// The platform's conventional data folder: `%LOCALAPPDATA%\activity-core` on Windows,
/// `$XDG_DATA_HOME/activity-core` elsewhere (`~/.local/share/activity-core` when
/// `XDG_DATA_HOME` is unset or relative, as the XDG specification says). `None` when the
/// variables it is made of are unset.
pub(crate) fn default_data_dir() -> Option<PathBuf> {
    default_data_dir_from(cfg!(windows), |name| std::env::var_os(name))
}

/// [`default_data_dir`] with the platform and the environment given.
fn default_data_dir_from(
    windows: bool,
    env: impl Fn(&str) -> Option<std::ffi::OsString>,
) -> Option<PathBuf> {
    let var = |name: &str| env(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    let base = if windows {
        var("LOCALAPPDATA")
    } else {
        var("XDG_DATA_HOME")
            .filter(|p| p.is_absolute())
            .or_else(|| var("HOME").map(|h| h.join(".local").join("share")))
    };
    base.map(|b| b.join("activity-core"))
}

/// The lock file's name inside the data folder.
pub(crate) const LOCK_FILE: &str = "tracker.lock";

fn dir_error(path: &Path) -> impl Fn(std::io::Error) -> RuntimeError + '_ {
    move |e| RuntimeError::DataDir {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

/// Creates `path` (and missing parents) for the current user only, and returns its canonical
/// form and, when others may read it, how: its mode in octal (Unix) or its DACL in SDDL
/// (Windows).
pub(crate) fn prepare(path: &Path) -> Result<(PathBuf, Option<String>), Error> {
    create_private_dir(path).map_err(dir_error(path))?;
    let canonical = dunce::canonicalize(path).map_err(dir_error(path))?;
    Ok((canonical.clone(), exposed_mode(&canonical)))
}

/// How others may read the folder: its permission bits in octal when group or others have any
/// access (Unix); its DACL when it admits anyone but the user, the system and the
/// administrators (Windows). `None` when it is private.
fn exposed_mode(path: &Path) -> Option<String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o777;
        (mode & 0o077 != 0).then(|| format!("{mode:o}"))
    }
    #[cfg(windows)]
    {
        crate::win::folder_exposure(path)
    }
    #[cfg(not(any(unix, windows)))]
    {
        let _ = path;
        None
    }
}

/// Reads the secret kept in `path`, creating it from `make` if it is missing. Created whole or
/// not at all (a temporary file, fsynced, then hard-linked into place), so a crash never leaves
/// a half-written secret, and two processes creating it at once agree on one.
pub(crate) fn read_or_create_secret(
    path: &Path,
    make: impl FnOnce() -> String,
) -> Result<String, Error> {
    let err = dir_error(path);
    match std::fs::read_to_string(path) {
        Ok(s) if !s.trim().is_empty() => return Ok(s.trim().to_string()),
        // An empty file: left by a version that wrote it in place and crashed. Replace it.
        Ok(_) => std::fs::remove_file(path).map_err(&err)?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(err(e).into()),
    }
    let value = make();
    let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
    let mut f = private_file_options()
        .write(true)
        .create(true)
        .truncate(true)
        .open(&tmp)
        .map_err(&err)?;
    f.write_all(value.as_bytes()).map_err(&err)?;
    f.sync_all().map_err(&err)?;
    drop(f);
    // A hard link fails if the name exists: whoever linked first wins, the other reads theirs.
    let linked = std::fs::hard_link(&tmp, path);
    let _ = std::fs::remove_file(&tmp);
    match linked {
        Ok(()) => {
            if let Some(dir) = path.parent() {
                let _ = File::open(dir).and_then(|d| d.sync_all());
            }
            Ok(value)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            Ok(std::fs::read_to_string(path)
                .map_err(&err)?
                .trim()
                .to_string())
        }
        Err(e) => Err(err(e).into()),
    }
}

/// The exclusive lock on a data folder, held while this value lives.
#[derive(Debug)]
pub(crate) struct FolderLock {
    file: File,
}

impl FolderLock {
    /// Takes the folder's lock without waiting: [`RuntimeError::FolderLocked`] naming the
    /// holder's process when another tracker (in any process) holds it.
    pub(crate) fn acquire(dir: &Path, purpose: &'static str) -> Result<FolderLock, Error> {
        let path = dir.join(LOCK_FILE);
        let err = dir_error(&path);
        let mut file = private_file_options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(&err)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                let holder = holder.trim();
                return Err(RuntimeError::FolderLocked {
                    path: dir.display().to_string(),
                    holder: if holder.is_empty() {
                        "another tracker".into()
                    } else {
                        holder.to_string()
                    },
                    purpose,
                }
                .into());
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(err(e).into()),
        }
        // Who holds it, for the error another tracker gets.
        let who = format!("process {} ({purpose})", std::process::id());
        let _ = file
            .set_len(0)
            .and_then(|()| file.rewind())
            .and_then(|()| file.write_all(who.as_bytes()));
        Ok(FolderLock { file })
    }
}

impl Drop for FolderLock {
    fn drop(&mut self) {
        let _ = self.file.set_len(0);
        let _ = self.file.unlock();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_names_the_first_holder() {
        let dir = std::env::temp_dir().join(format!("ac-lock-{}", crate::util::new_id()));
        let (dir, _) = prepare(&dir).unwrap();
        let first = FolderLock::acquire(&dir, "tracking").unwrap();
        let e = FolderLock::acquire(&dir, "tracking")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains(&format!("process {} (tracking)", std::process::id())),
            "{e}"
        );
        drop(first);
        FolderLock::acquire(&dir, "tracking").unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_default_data_folder_follows_each_platforms_convention() {
        use std::ffi::OsString;
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| OsString::from(v))
            }
        };
        let at = |p: &str| Some(PathBuf::from(p).join("activity-core"));
        const HOME: &[(&str, &str)] = &[("HOME", "/home/ana")];
        const LOCAL: &[(&str, &str)] = &[("LOCALAPPDATA", r"C:\Users\ana\AppData\Local")];
        const XDG: &[(&str, &str)] = &[("XDG_DATA_HOME", "/data/ana"), ("HOME", "/home/ana")];
        const RELATIVE: &[(&str, &str)] = &[("XDG_DATA_HOME", "data"), ("HOME", "/home/ana")];
        assert_eq!(
            default_data_dir_from(false, env(HOME)),
            at("/home/ana/.local/share")
        );
        // `/data/ana` is absolute only under Unix path rules (Windows wants a drive), and the
        // Linux convention is only ever applied there.
        if cfg!(unix) {
            assert_eq!(default_data_dir_from(false, env(XDG)), at("/data/ana"));
        }
        // The XDG specification: a relative XDG_DATA_HOME is ignored.
        assert_eq!(
            default_data_dir_from(false, env(RELATIVE)),
            at("/home/ana/.local/share")
        );
        assert_eq!(
            default_data_dir_from(true, env(LOCAL)),
            at(r"C:\Users\ana\AppData\Local")
        );
        assert_eq!(default_data_dir_from(true, env(HOME)), None);
        assert_eq!(default_data_dir_from(false, env(&[])), None);
    }

    #[cfg(unix)]
    #[test]
    fn folders_and_secrets_are_owner_only() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = std::env::temp_dir().join(format!("ac-perm-{}", crate::util::new_id()));
        let (dir, exposed) = prepare(&dir.join("a/b")).unwrap();
        assert_eq!(exposed, None);
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700);
        let key = dir.join("k");
        std::fs::write(&key, "").unwrap(); // a crash's leftover: empty
        assert_eq!(
            read_or_create_secret(&key, || "s3cret".into()).unwrap(),
            "s3cret"
        );
        assert_eq!(
            read_or_create_secret(&key, || "other".into()).unwrap(),
            "s3cret"
        );
        assert_eq!(mode(&key), 0o600);
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        assert_eq!(prepare(&dir).unwrap().1.as_deref(), Some("755"));
    }

    #[cfg(windows)]
    #[test]
    fn folders_get_an_owner_only_dacl_that_files_inherit() {
        let me = crate::win::current_user_sid().unwrap();
        let mine = format!("(A;OICI;FA;;;{me})");
        let others = ["WD", "BU", "AU", "IU"]; // Everyone, Users, Authenticated, Interactive
        let dir = std::env::temp_dir().join(format!("ac-perm-{}", crate::util::new_id()));
        let (dir, exposed) = prepare(&dir.join("a/b")).unwrap();
        assert_eq!(exposed, None);
        // Windows keeps exactly `D:P(A;OICI;FA;;;<me>)`. Wine keeps no descriptor: it derives
        // one from the Unix mode it set from ours (`D:(A;OICI;FA;;;SY)(A;OICI;FA;;;<me>)`).
        // Either way: full access for this user, inherited, and no entry for anyone else.
        let dacl = crate::win::dacl_sddl(&dir).unwrap();
        assert!(dacl.contains(&mine), "{dacl}");
        assert!(
            !others.iter().any(|o| dacl.contains(&format!(";;;{o})"))),
            "{dacl}"
        );
        let key = dir.join("k");
        read_or_create_secret(&key, || "s3cret".into()).unwrap();
        let file = crate::win::dacl_sddl(&key).unwrap();
        assert!(file.contains(&me), "{file}");
        // Windows: the file inherits the folder's entry alone. Wine applies no inheritance (a
        // new file gets the Unix umask's 0644: an Everyone-read entry); there the folder's
        // mode (no access for others, asserted above) is what keeps others out.
        if crate::win::wine_version().is_none() {
            assert!(
                !others.iter().any(|o| file.contains(&format!(";;;{o})"))),
                "{file}"
            );
        }
        // A folder others may read is reported, with its DACL (Windows: the Users entry set
        // here; Wine: the Everyone entry it derives from a plain folder's mode).
        let open = std::env::temp_dir().join(format!("ac-open-{}", crate::util::new_id()));
        std::fs::create_dir(&open).unwrap();
        crate::win::set_dacl_for_test(&open, "D:P(A;OICI;FA;;;BU)").unwrap();
        let exposed = prepare(&open).unwrap().1.expect("others may read it");
        assert!(
            exposed.contains(";;;BU)") || exposed.contains(";;;WD)"),
            "{exposed}"
        );
        std::fs::remove_dir_all(&open).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
