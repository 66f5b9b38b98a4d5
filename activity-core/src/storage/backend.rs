//! The storage trait every provider implements.

use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use url::Url;

use crate::clock::Timestamp;
use crate::storage::StorageError;

/// The longest a signed URL may stay valid (S3's limit, applied to every provider).
pub const MAX_SIGNED_URL_EXPIRY: Duration = Duration::from_secs(7 * 24 * 3600);

/// What a provider knows about a stored object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectInfo {
    /// The object's key.
    pub key: String,
    /// Size in bytes.
    pub size: u64,
    /// Last modification, if the provider reports it.
    pub last_modified: Option<Timestamp>,
}

/// A screenshot storage provider. `Send + Sync`: one instance serves every thread and task.
///
/// Every method validates its key first ([`validate_key`](crate::storage::key::validate_key)).
/// `put` is idempotent (writing the same bytes again is harmless, so an upload retried after a
/// crash is safe) and `delete` of a missing object succeeds.
#[async_trait]
pub trait ObjectStorage: Send + Sync + std::fmt::Debug {
    /// The provider's name as `FILE_PROVIDER` spells it.
    fn provider(&self) -> &'static str;
    /// Which store of that provider holds the objects (`S3 bucket at endpoint`, `CLOUDINARY
    /// cloud`, `LOCAL folder`). The outbox records it with every upload and remote deletion and
    /// refuses to carry one out against another location: a deletion "confirmed" by the wrong
    /// bucket would leave the real copy behind. Default: the provider's name.
    fn location(&self) -> String {
        self.provider().to_string()
    }
    /// Stores `bytes` under `key`, replacing what was there.
    async fn put(&self, key: &str, bytes: Bytes) -> Result<(), StorageError>;
    /// Reads the object; [`StorageError::NotFound`] if there is none.
    async fn get(&self, key: &str) -> Result<Bytes, StorageError>;
    /// The object's size and date, or `None` if there is none.
    async fn head(&self, key: &str) -> Result<Option<ObjectInfo>, StorageError>;
    /// Removes the object; succeeds if it did not exist.
    async fn delete(&self, key: &str) -> Result<(), StorageError>;
    /// Every object whose key starts with `prefix` (a whole-segment prefix such as
    /// `screenshots/2026/11/`), in key order.
    async fn list(&self, prefix: &str) -> Result<Vec<ObjectInfo>, StorageError>;
    /// A URL that lets its holder `GET` the object until `expires_in` from now (at most
    /// [`MAX_SIGNED_URL_EXPIRY`]).
    async fn signed_url(&self, key: &str, expires_in: Duration) -> Result<Url, StorageError>;
}

/// Checks an expiry against [`MAX_SIGNED_URL_EXPIRY`].
pub(crate) fn check_expiry(expires_in: Duration) -> Result<(), StorageError> {
    if expires_in.is_zero() || expires_in > MAX_SIGNED_URL_EXPIRY {
        return Err(StorageError::InvalidExpiry(expires_in));
    }
    Ok(())
}
