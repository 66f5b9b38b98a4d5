//! Storage: where screenshots go and how they are named.
//!
//! So far: the provider configuration ([`config`]: struct and environment, with the variable names
//! products already use), object keys ([`key`]), secrets ([`secret`]) and the SQLite record store
//! ([`records`]). The provider backends and the upload outbox come next.

pub mod config;
pub mod key;
pub mod records;
pub mod secret;

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
}
