//! [`StorageClient`]: a storage used with plain blocking calls from outside any async runtime,
//! as the C API's `ac_storage_*` functions and the Python `Storage` methods use it. One
//! definition for both bindings (they only translate arguments).
//!
//! The client starts one small tokio runtime of its own at its first call (none for a storage
//! that is only handed to a tracker, which runs it on the tracker's runtime), and waits for each
//! operation on the caller's thread (never `block_on` there). A process forked from the one that
//! made the client cannot use it (the runtime's thread did not survive the fork): every call
//! there answers [`RuntimeError::Forked`] at once instead
//! of waiting for ever, and dropping it there leaves the parent's runtime alone.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use bytes::Bytes;
use url::Url;

use crate::error::{Error, RuntimeError};
use crate::storage::backend::{ObjectInfo, ObjectStorage};

/// A storage with blocking calls. See the [module docs](self).
pub struct StorageClient {
    storage: Arc<dyn ObjectStorage>,
    runtime: OnceLock<Result<tokio::runtime::Runtime, String>>,
    pid: u32,
}

impl std::fmt::Debug for StorageClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StorageClient")
            .field("storage", &self.storage)
            .finish_non_exhaustive()
    }
}

impl StorageClient {
    /// A client of `storage`.
    pub fn new(storage: Arc<dyn ObjectStorage>) -> StorageClient {
        StorageClient {
            storage,
            runtime: OnceLock::new(),
            pid: std::process::id(),
        }
    }

    /// The storage (to hand to a tracker).
    pub fn storage(&self) -> &Arc<dyn ObjectStorage> {
        &self.storage
    }

    /// Runs `op` on the storage and waits for its answer on this thread.
    pub fn run<T, F>(&self, op: impl FnOnce(Arc<dyn ObjectStorage>) -> F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: std::future::Future<Output = Result<T, crate::storage::StorageError>> + Send + 'static,
    {
        if std::process::id() != self.pid {
            return Err(RuntimeError::Forked("this storage").into());
        }
        let runtime = self
            .runtime
            .get_or_init(|| {
                tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(1)
                    .thread_name("activity-core-storage")
                    .enable_all()
                    .build()
                    .map_err(|e| e.to_string())
            })
            .as_ref()
            .map_err(|e| RuntimeError::Thread(format!("the storage's runtime: {e}")))?;
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        let fut = op(self.storage.clone());
        runtime.spawn(async move {
            let _ = tx.send(fut.await);
        });
        let result = rx
            .recv()
            .map_err(|_| RuntimeError::Cancelled("the storage shut down".into()))?;
        Ok(result?)
    }

    /// Stores `bytes` under `key`.
    pub fn put(&self, key: &str, bytes: Vec<u8>) -> Result<(), Error> {
        let key = key.to_string();
        self.run(|s| async move { s.put(&key, Bytes::from(bytes)).await })
    }

    /// Reads an object.
    pub fn get(&self, key: &str) -> Result<Bytes, Error> {
        let key = key.to_string();
        self.run(|s| async move { s.get(&key).await })
    }

    /// An object's size and date, or `None`.
    pub fn head(&self, key: &str) -> Result<Option<ObjectInfo>, Error> {
        let key = key.to_string();
        self.run(|s| async move { s.head(&key).await })
    }

    /// Removes an object (succeeds if there is none).
    pub fn delete(&self, key: &str) -> Result<(), Error> {
        let key = key.to_string();
        self.run(|s| async move { s.delete(&key).await })
    }

    /// A URL delivering the object until `expires_in` from now.
    pub fn signed_url(&self, key: &str, expires_in: Duration) -> Result<Url, Error> {
        let key = key.to_string();
        self.run(move |s| async move { s.signed_url(&key, expires_in).await })
    }
}

impl Drop for StorageClient {
    fn drop(&mut self) {
        let Some(Ok(runtime)) = self.runtime.take() else {
            return;
        };
        if std::process::id() == self.pid {
            // Never block (or panic) here: this may run inside a runtime or at exit.
            runtime.shutdown_background();
        } else {
            // A forked child: the runtime's thread is the parent's.
            std::mem::forget(runtime);
        }
    }
}
