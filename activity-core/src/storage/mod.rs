//! Storage: where screenshots go and how they are named.
//!
//! So far: the provider configuration ([`config`]: struct and environment, with the variable names
//! products already use), object keys ([`key`]), secrets ([`secret`]), the provider trait ([`backend`]), the local provider ([`local`]) and the
//! S3-protocol providers — S3, Wasabi, DigitalOcean Spaces ([`s3`]) — and Cloudinary
//! ([`cloudinary`]), an adapter for an embedder's own blocking storage ([`blocking`]), and,
//! internal to the crate, the record store and the upload outbox (their public types are
//! re-exported here; the `internals` feature exposes the modules to the crate's own tests and
//! benchmarks, and is not part of the API).

pub mod backend;
pub mod blocking;
pub mod client;
pub mod cloudinary;
pub mod config;
pub mod key;
pub mod local;
mod objects;
#[cfg(feature = "internals")]
pub mod outbox;
#[cfg(not(feature = "internals"))]
#[allow(dead_code, unreachable_pub)]
pub(crate) mod outbox;
#[cfg(feature = "internals")]
pub mod records;
#[cfg(not(feature = "internals"))]
#[allow(dead_code, unreachable_pub)]
pub(crate) mod records;
pub mod s3;
pub mod secret;

pub use outbox::{Backoff, DeleteOutcome, OutboxError, Pending, PendingItem, PendingKind};
pub use records::{RecordError, Screenshot, SlotRecord, UploadState};

/// Errors of the storage layer.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StorageError {
    /// A key that is not allowed (it could escape the root, or no backend can store it).
    #[error("invalid object key {key:?}: {reason}")]
    InvalidKey {
        /// The key (first 200 characters).
        key: String,
        /// Why it is refused.
        reason: String,
    },
    /// The settings were refused.
    #[error(transparent)]
    Config(#[from] config::StorageConfigError),
    /// No object under this key.
    #[error("no object at {0}")]
    NotFound(String),
    /// A signed-URL expiry of zero or more than 7 days.
    #[error("signed URL expiry must be between 1 s and 7 days, got {0:?}")]
    InvalidExpiry(std::time::Duration),
    /// The provider failed (network, permissions, disk…); the message says how.
    #[error("{provider} storage: {message}")]
    Backend {
        /// `LOCAL`, `S3`, …
        provider: &'static str,
        /// What went wrong (never a secret).
        message: String,
    },
    /// An embedder's storage call did not return within its timeout (it may still finish).
    #[error("{provider} storage: {operation} did not finish within {after:?}")]
    Timeout {
        /// The provider's name.
        provider: &'static str,
        /// `put`, `get`, …
        operation: &'static str,
        /// The timeout.
        after: std::time::Duration,
    },
    /// The provider cannot do this (an embedder's storage without signed URLs).
    #[error("{provider} storage does not support {operation}")]
    Unsupported {
        /// The provider's name.
        provider: &'static str,
        /// What was asked.
        operation: &'static str,
    },
}

impl StorageError {
    /// The stable kind of this error.
    pub fn kind(&self) -> crate::ErrorKind {
        use crate::ErrorKind as K;
        match self {
            StorageError::Config(_) => K::InvalidConfig,
            StorageError::NotFound(_) => K::NotFound,
            StorageError::Backend { .. } => K::Io,
            StorageError::Timeout { .. } => K::Cancelled,
            StorageError::Unsupported { .. } => K::Unavailable,
            StorageError::InvalidKey { .. } | StorageError::InvalidExpiry(_) => K::InvalidInput,
        }
    }
}

/// The backend a configuration asks for, ready to use.
///
/// ```no_run
/// # async fn f() -> Result<(), activity_core::storage::StorageError> {
/// use activity_core::storage::{config::ProviderConfig, open};
/// let store = open(&ProviderConfig::from_env()?)?;
/// store.put("screenshots/2026/11/30/emp/0850/x.jpg", bytes::Bytes::from_static(b"...")).await?;
/// # Ok(()) }
/// ```
pub fn open(
    config: &config::ProviderConfig,
) -> Result<Box<dyn backend::ObjectStorage>, StorageError> {
    use config::ProviderConfig as P;
    Ok(match config {
        P::Local(c) => Box::new(local::LocalStorage::new(c)?),
        P::Cloudinary(c) => Box::new(cloudinary::CloudinaryStorage::new(c)?),
        other => Box::new(s3::S3Storage::new(other)?),
    })
}
