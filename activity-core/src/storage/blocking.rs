//! An embedder's own storage: a small **blocking** interface that a C callback table, a Python
//! object or any Rust type can implement, and [`BlockingAdapter`], which makes it an
//! [`ObjectStorage`] for the tracker.
//!
//! The adapter validates every key first (the embedder never sees a key that could escape its
//! root), runs each call on the tokio blocking pool of the runtime it is awaited on (the
//! tracker's own) and gives up waiting after a timeout, answering
//! [`StorageError::Timeout`]: a slow or hung embedder cannot hold up `stop` or the other
//! uploads. A call that timed out may still finish later in its thread; uploads are idempotent,
//! so the outbox simply tries again. A put that timed out still counts as running until the
//! embedder's call really returns: a deletion of the same key meanwhile fails (and is retried
//! with backoff) rather than overtake it and leave the late put's object behind. A panic in the
//! embedder's code becomes a [`StorageError::Backend`] error. `head` and `delete` answering
//! [`StorageError::NotFound`] (a Python `KeyError`, a C `AC_NOT_FOUND`) mean "no such object":
//! `Ok(None)` and success, as every provider answers.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use url::Url;

use crate::storage::StorageError;
use crate::storage::backend::{ObjectInfo, ObjectStorage, check_expiry};
use crate::storage::key::validate_key;
use crate::util::lock;

/// The provider name reported for an embedder's storage.
pub const EMBEDDER_PROVIDER: &str = "EMBEDDER";

/// A storage the embedding product implements with plain blocking calls. Called from the
/// tracker's blocking pool, possibly from several threads at once: `Send + Sync`.
///
/// Keys are validated before any call. `put` must be idempotent (the same bytes may be put
/// twice after a crash); `delete` of a missing object must succeed; `get` of a missing object
/// answers [`StorageError::NotFound`]. Return [`StorageError::Backend`] (or any other variant)
/// for failures: the outbox retries with backoff.
pub trait BlockingStorage: Send + Sync + 'static {
    /// Stores `bytes` under `key`.
    fn put(&self, key: &str, bytes: &[u8]) -> Result<(), StorageError>;
    /// Reads the object.
    fn get(&self, key: &str) -> Result<Vec<u8>, StorageError>;
    /// The object's size (and date), or `None` if there is none.
    fn head(&self, key: &str) -> Result<Option<ObjectInfo>, StorageError>;
    /// Removes the object; succeeds if it did not exist.
    fn delete(&self, key: &str) -> Result<(), StorageError>;
    /// A URL that lets its holder read the object until `expires_in` from now. Optional: the
    /// default answers [`StorageError::Unsupported`].
    fn signed_url(&self, key: &str, expires_in: Duration) -> Result<Url, StorageError> {
        let _ = (key, expires_in);
        Err(StorageError::Unsupported {
            provider: EMBEDDER_PROVIDER,
            operation: "signed URLs",
        })
    }
    /// Every object under `prefix`, in key order. Optional (the tracker never lists): the
    /// default answers [`StorageError::Unsupported`].
    fn list(&self, prefix: &str) -> Result<Vec<ObjectInfo>, StorageError> {
        let _ = prefix;
        Err(StorageError::Unsupported {
            provider: EMBEDDER_PROVIDER,
            operation: "listing",
        })
    }
}

/// A [`BlockingStorage`] as an [`ObjectStorage`]: each call on the blocking pool, with a timeout.
#[derive(Clone)]
pub struct BlockingAdapter {
    inner: Arc<dyn BlockingStorage>,
    timeout: Duration,
    /// Keys whose put is running in the embedder's code (timed out or not), with their count.
    puts: Arc<Mutex<HashMap<String, usize>>>,
}

/// Counts a put as running until dropped (at the end of the embedder's call, on its thread).
struct Running {
    puts: Arc<Mutex<HashMap<String, usize>>>,
    key: String,
}

impl Drop for Running {
    fn drop(&mut self) {
        let mut puts = lock(&self.puts);
        if let Some(n) = puts.get_mut(&self.key) {
            *n -= 1;
            if *n == 0 {
                puts.remove(&self.key);
            }
        }
    }
}

impl std::fmt::Debug for BlockingAdapter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlockingAdapter")
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl BlockingAdapter {
    /// The default timeout of one call: 60 s.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

    /// Wraps `inner`, giving each call at most `timeout`.
    pub fn new(inner: Arc<dyn BlockingStorage>, timeout: Duration) -> BlockingAdapter {
        BlockingAdapter {
            inner,
            timeout,
            puts: Arc::default(),
        }
    }

    async fn call<T: Send + 'static>(
        &self,
        operation: &'static str,
        key: &str,
        f: impl FnOnce(&dyn BlockingStorage, &str) -> Result<T, StorageError> + Send + 'static,
    ) -> Result<T, StorageError> {
        validate_key(key)?;
        let inner = self.inner.clone();
        let key = key.to_string();
        let task = tokio::task::spawn_blocking(move || f(inner.as_ref(), &key));
        match tokio::time::timeout(self.timeout, task).await {
            Ok(Ok(result)) => result,
            Ok(Err(join)) => Err(StorageError::Backend {
                provider: EMBEDDER_PROVIDER,
                message: if join.is_panic() {
                    format!("the embedder's {operation} panicked")
                } else {
                    format!("the embedder's {operation} was cancelled")
                },
            }),
            Err(_) => Err(StorageError::Timeout {
                provider: EMBEDDER_PROVIDER,
                operation,
                after: self.timeout,
            }),
        }
    }
}

#[async_trait]
impl ObjectStorage for BlockingAdapter {
    fn provider(&self) -> &'static str {
        EMBEDDER_PROVIDER
    }

    async fn put(&self, key: &str, bytes: Bytes) -> Result<(), StorageError> {
        validate_key(key)?;
        *lock(&self.puts).entry(key.to_string()).or_default() += 1;
        let running = Running {
            puts: self.puts.clone(),
            key: key.to_string(),
        };
        self.call("put", key, move |s, k| {
            let _running = running;
            s.put(k, &bytes)
        })
        .await
    }

    async fn get(&self, key: &str) -> Result<Bytes, StorageError> {
        self.call("get", key, |s, k| s.get(k).map(Bytes::from))
            .await
    }

    async fn head(&self, key: &str) -> Result<Option<ObjectInfo>, StorageError> {
        match self.call("head", key, |s, k| s.head(k)).await {
            Err(StorageError::NotFound(_)) => Ok(None),
            other => other,
        }
    }

    async fn delete(&self, key: &str) -> Result<(), StorageError> {
        if lock(&self.puts).contains_key(key) {
            return Err(StorageError::Backend {
                provider: EMBEDDER_PROVIDER,
                message: format!(
                    "a put of {key} is still running in the embedder's storage (it timed out \
                     but has not returned); the deletion waits for it"
                ),
            });
        }
        match self.call("delete", key, |s, k| s.delete(k)).await {
            Err(StorageError::NotFound(_)) => Ok(()),
            other => other,
        }
    }

    async fn list(&self, prefix: &str) -> Result<Vec<ObjectInfo>, StorageError> {
        let p = prefix.trim_end_matches('/').to_string();
        self.call("list", &p, |s, k| s.list(k)).await
    }

    async fn signed_url(&self, key: &str, expires_in: Duration) -> Result<Url, StorageError> {
        check_expiry(expires_in)?;
        self.call("signed_url", key, move |s, k| s.signed_url(k, expires_in))
            .await
    }
}
