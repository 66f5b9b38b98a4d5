//! What the object_store-based providers (local, S3 family) share: key → path, metadata, error
//! mapping, and the five plain operations.

use bytes::Bytes;
use futures::TryStreamExt;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};

use crate::clock::Timestamp;
use crate::storage::StorageError;
use crate::storage::backend::ObjectInfo;
use crate::storage::key::validate_key;

/// The object_store path of a validated key.
pub(crate) fn path(key: &str) -> Result<object_store::path::Path, StorageError> {
    validate_key(key)?;
    object_store::path::Path::parse(key).map_err(|e| StorageError::InvalidKey {
        key: key.into(),
        reason: e.to_string(),
    })
}

pub(crate) fn info(m: object_store::ObjectMeta) -> ObjectInfo {
    ObjectInfo {
        key: m.location.to_string(),
        size: m.size,
        last_modified: Some(Timestamp::from_millis(m.last_modified.timestamp_millis())),
    }
}

pub(crate) fn error(provider: &'static str, e: object_store::Error) -> StorageError {
    match e {
        object_store::Error::NotFound { path, .. } => StorageError::NotFound(path),
        other => StorageError::Backend {
            provider,
            message: other.to_string(),
        },
    }
}

pub(crate) async fn put(
    store: &impl ObjectStore,
    provider: &'static str,
    key: &str,
    bytes: Bytes,
) -> Result<(), StorageError> {
    let p = path(key)?;
    store
        .put(&p, PutPayload::from_bytes(bytes))
        .await
        .map_err(|e| error(provider, e))?;
    Ok(())
}

pub(crate) async fn get(
    store: &impl ObjectStore,
    provider: &'static str,
    key: &str,
) -> Result<Bytes, StorageError> {
    let p = path(key)?;
    let r = store.get(&p).await.map_err(|e| error(provider, e))?;
    r.bytes().await.map_err(|e| error(provider, e))
}

pub(crate) async fn head(
    store: &impl ObjectStore,
    provider: &'static str,
    key: &str,
) -> Result<Option<ObjectInfo>, StorageError> {
    let p = path(key)?;
    match store.head(&p).await {
        Ok(m) => Ok(Some(info(m))),
        Err(object_store::Error::NotFound { .. }) => Ok(None),
        Err(e) => Err(error(provider, e)),
    }
}

pub(crate) async fn delete(
    store: &impl ObjectStore,
    provider: &'static str,
    key: &str,
) -> Result<(), StorageError> {
    let p = path(key)?;
    match store.delete(&p).await {
        Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
        Err(e) => Err(error(provider, e)),
    }
}

pub(crate) async fn list(
    store: &impl ObjectStore,
    provider: &'static str,
    prefix: &str,
) -> Result<Vec<ObjectInfo>, StorageError> {
    let p = if prefix.is_empty() {
        None
    } else {
        Some(path(prefix.trim_end_matches('/'))?)
    };
    let mut out: Vec<ObjectInfo> = store
        .list(p.as_ref())
        .map_ok(info)
        .try_collect()
        .await
        .map_err(|e| error(provider, e))?;
    out.sort_by(|a, b| a.key.cmp(&b.key));
    Ok(out)
}
