//! The local provider: files under a root folder (object_store's `LocalFileSystem`, which writes
//! through a temporary file and a rename, so a reader never sees half a screenshot), with signed
//! URLs as HMAC-SHA256 tokens.
//!
//! A signed URL is `<base>/<key>?expires=<unix seconds>&signature=<hex>` where the signature is
//! HMAC-SHA256, keyed with the configured secret, over `GET\n<key>\n<expires>`. The embedder's
//! HTTP handler serves a file only if [`LocalStorage::verify`] accepts the request's path and
//! query: a changed key, expiry or signature, or an expired URL, is refused (the comparison is
//! constant-time).

use std::path::{Path, PathBuf};
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use hmac::{Hmac, Mac};
use object_store::local::LocalFileSystem;
use sha2::Sha256;
use url::Url;

use crate::clock::{Clock, SystemClock, Timestamp};
use crate::storage::StorageError;
use crate::storage::backend::{ObjectInfo, ObjectStorage, check_expiry};
use crate::storage::config::LocalConfig;
use crate::storage::key::validate_key;
use crate::storage::objects;
use crate::storage::secret::Secret;

type HmacSha256 = Hmac<Sha256>;

/// Whether `name` is object_store's staging name for a put in progress: `<file>#<digits>`.
fn is_staging(name: &str) -> bool {
    name.rsplit_once('#').is_some_and(|(f, n)| {
        !f.is_empty() && !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())
    })
}

/// Removes the staging copies of `file` (`file#1`, `file#2`, …) that a put cut off by a crash
/// left behind.
fn remove_staging_copies(file: &Path) {
    let (Some(dir), Some(name)) = (file.parent(), file.file_name().and_then(|n| n.to_str())) else {
        return;
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let n = e.file_name();
        if let Some(n) = n.to_str()
            && is_staging(n)
            && n.rsplit_once('#').is_some_and(|(f, _)| f == name)
        {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// Removes the staging copies under `root` that a crash left: those untouched for an hour (a
/// put of a screenshot never takes that long, so another process's put in progress is never
/// cut off by a reader opening the same folder).
fn sweep_staging(root: &Path) {
    let old = |e: &std::fs::DirEntry| {
        e.metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > Duration::from_secs(3600))
    };
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let Ok(t) = e.file_type() else { continue };
            if t.is_dir() {
                stack.push(e.path());
            } else if e.file_name().to_str().is_some_and(is_staging) && old(&e) {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
}

/// Files under a root folder.
pub struct LocalStorage {
    root: PathBuf,
    fs: LocalFileSystem,
    secret: Secret,
    base: Url,
    clock: std::sync::Arc<dyn Clock>,
}

impl std::fmt::Debug for LocalStorage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalStorage")
            .field("root", &self.root)
            .field("base", &self.base.as_str())
            .finish_non_exhaustive()
    }
}

/// Why a signed URL was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignatureError {
    /// The URL lacks `expires` or `signature`, or they are not well formed.
    #[error("signed URL is malformed: {0}")]
    Malformed(String),
    /// The URL's time is up.
    #[error("signed URL expired at {0}")]
    Expired(Timestamp),
    /// The signature does not match the key and expiry.
    #[error("signed URL signature does not match")]
    BadSignature,
}

fn backend_error(e: object_store::Error) -> StorageError {
    objects::error("LOCAL", e)
}

impl LocalStorage {
    /// Opens (creating) the root folder.
    pub fn new(config: &LocalConfig) -> Result<LocalStorage, StorageError> {
        Self::with_clock(config, std::sync::Arc::new(SystemClock))
    }

    /// As [`new`](Self::new), with the clock used for signed-URL expiry.
    pub fn with_clock(
        config: &LocalConfig,
        clock: std::sync::Arc<dyn Clock>,
    ) -> Result<LocalStorage, StorageError> {
        if config.url_secret.expose().len() < 32 {
            return Err(StorageError::Config(
                crate::storage::config::StorageConfigError(vec![
                    crate::storage::config::SettingProblem {
                        name: "LOCAL_URL_SIGNING_SECRET".into(),
                        message: "must be at least 32 bytes".into(),
                    },
                ]),
            ));
        }
        crate::util::create_private_dir(&config.root).map_err(|e| StorageError::Backend {
            provider: "LOCAL",
            message: format!("cannot create {}: {e}", config.root.display()),
        })?;
        let root = dunce::canonicalize(&config.root).map_err(|e| StorageError::Backend {
            provider: "LOCAL",
            message: format!("cannot resolve {}: {e}", config.root.display()),
        })?;
        // fsync: a put the outbox records as confirmed (and whose spool copy it then removes)
        // must survive a power loss.
        let fs = LocalFileSystem::new_with_prefix(&root)
            .map_err(backend_error)?
            .with_fsync(true);
        sweep_staging(&root);
        let base = match &config.public_url {
            Some(u) => u.clone(),
            None => Url::from_directory_path(&root).map_err(|()| StorageError::Backend {
                provider: "LOCAL",
                message: format!("{} is not an absolute path", root.display()),
            })?,
        };
        Ok(LocalStorage {
            root,
            fs,
            secret: config.url_secret.clone(),
            base,
            clock,
        })
    }

    /// The root folder (resolved).
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn signature(&self, key: &str, expires: i64) -> HmacSha256 {
        // HMAC accepts keys of any length: this cannot fail.
        let mut mac = HmacSha256::new_from_slice(self.secret.expose().as_bytes())
            .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
        mac.update(format!("GET\n{key}\n{expires}").as_bytes());
        mac
    }

    /// Checks a signed URL's path and query (as an HTTP handler receives them, e.g.
    /// `/files/screenshots/…/x.jpg?expires=…&signature=…`) and returns the object key it grants.
    pub fn verify(&self, path_and_query: &str) -> Result<String, SignatureError> {
        let url = self
            .base
            .join(path_and_query)
            .map_err(|e| SignatureError::Malformed(e.to_string()))?;
        let base_path = self.base.path().trim_end_matches('/');
        let key = url
            .path()
            .strip_prefix(base_path)
            .map(|k| k.trim_start_matches('/'))
            .ok_or_else(|| SignatureError::Malformed("path outside the storage base".into()))?;
        let key = percent_decode(key);
        validate_key(&key).map_err(|e| SignatureError::Malformed(e.to_string()))?;
        let mut expires = None;
        let mut signature = None;
        for (k, v) in url.query_pairs() {
            match k.as_ref() {
                "expires" => expires = v.parse::<i64>().ok(),
                "signature" => signature = hex_decode(&v),
                _ => {}
            }
        }
        let expires =
            expires.ok_or_else(|| SignatureError::Malformed("no valid expires".into()))?;
        let signature =
            signature.ok_or_else(|| SignatureError::Malformed("no valid signature".into()))?;
        self.signature(&key, expires)
            .verify_slice(&signature)
            .map_err(|_| SignatureError::BadSignature)?;
        let expiry = Timestamp::from_secs(expires);
        if self.clock.now() >= expiry {
            return Err(SignatureError::Expired(expiry));
        }
        Ok(key)
    }
}

fn percent_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("k={}", s.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

fn hex_decode(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

#[async_trait]
impl ObjectStorage for LocalStorage {
    fn provider(&self) -> &'static str {
        "LOCAL"
    }

    fn location(&self) -> String {
        format!("LOCAL {}", self.root.display())
    }

    async fn put(&self, key: &str, bytes: Bytes) -> Result<(), StorageError> {
        // The folders of the key first, owner-only (object_store would create them with the
        // umask's mode).
        if let Some(parent) = self
            .root
            .join(crate::storage::objects::path(key)?.as_ref())
            .parent()
        {
            crate::util::create_private_dir(parent).map_err(|e| StorageError::Backend {
                provider: "LOCAL",
                message: format!("cannot create the folder of {key}: {e}"),
            })?;
        }
        objects::put(&self.fs, "LOCAL", key, bytes).await?;
        // Only the owner may read a screenshot (object_store creates files with the umask's
        // mode); the folders above are 0700 when this library created them.
        crate::util::make_private(&self.root.join(key)).map_err(|e| StorageError::Backend {
            provider: "LOCAL",
            message: format!("cannot make {key} private: {e}"),
        })
    }

    async fn get(&self, key: &str) -> Result<Bytes, StorageError> {
        objects::get(&self.fs, "LOCAL", key).await
    }

    async fn head(&self, key: &str) -> Result<Option<ObjectInfo>, StorageError> {
        objects::head(&self.fs, "LOCAL", key).await
    }

    async fn delete(&self, key: &str) -> Result<(), StorageError> {
        objects::delete(&self.fs, "LOCAL", key).await?;
        // A put cut off by a crash leaves object_store's staging copy `<key>#<n>` beside it;
        // deleting the screenshot deletes that copy too.
        remove_staging_copies(&self.root.join(key));
        Ok(())
    }

    async fn list(&self, prefix: &str) -> Result<Vec<ObjectInfo>, StorageError> {
        objects::list(&self.fs, "LOCAL", prefix).await
    }

    async fn signed_url(&self, key: &str, expires_in: Duration) -> Result<Url, StorageError> {
        validate_key(key)?;
        check_expiry(expires_in)?;
        let expires = self.clock.now().as_millis() / 1000 + expires_in.as_secs() as i64;
        let sig = crate::util::hex(&self.signature(key, expires).finalize().into_bytes());
        let mut base = self.base.clone();
        if !base.path().ends_with('/') {
            base.set_path(&format!("{}/", base.path()));
        }
        let mut url = base.join(key).map_err(|e| StorageError::InvalidKey {
            key: key.into(),
            reason: e.to_string(),
        })?;
        url.query_pairs_mut()
            .append_pair("expires", &expires.to_string())
            .append_pair("signature", &sig);
        Ok(url)
    }
}
