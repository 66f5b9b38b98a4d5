//! S3-protocol providers: Amazon S3 (and any S3-compatible server), Wasabi, DigitalOcean Spaces,
//! all through object_store's `AmazonS3`.
//!
//! The settings are validated before object_store sees them (it panics on a virtual-hosted
//! address with an IP endpoint). `http://` endpoints are allowed only when configured explicitly
//! (a loopback test server, a LAN MinIO). Signed URLs are S3 presigned `GET` URLs (SigV4).

use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use futures::TryStreamExt;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::signer::Signer;
use object_store::{BackoffConfig, ObjectStore, ObjectStoreExt, PutPayload, RetryConfig};
use url::Url;

use crate::clock::Timestamp;
use crate::storage::StorageError;
use crate::storage::backend::{ObjectInfo, ObjectStorage, check_expiry};
use crate::storage::config::{ProviderConfig, S3Config};
use crate::storage::key::validate_key;

/// An S3-protocol bucket.
pub struct S3Storage {
    provider: &'static str,
    bucket: String,
    endpoint: Option<Url>,
    store: AmazonS3,
}

impl std::fmt::Debug for S3Storage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Storage")
            .field("provider", &self.provider)
            .field("bucket", &self.bucket)
            .field("endpoint", &self.endpoint.as_ref().map(Url::as_str))
            .finish_non_exhaustive()
    }
}

impl S3Storage {
    /// Builds the backend for an `S3`, `WASABI` or `DIGITALOCEAN` configuration.
    pub fn new(config: &ProviderConfig) -> Result<S3Storage, StorageError> {
        config.validate()?;
        let c: &S3Config = match config {
            ProviderConfig::S3(c) | ProviderConfig::Wasabi(c) | ProviderConfig::DigitalOcean(c) => {
                c
            }
            other => {
                return Err(StorageError::Backend {
                    provider: other.name(),
                    message: "not an S3-protocol provider".into(),
                });
            }
        };
        let provider = config.name();
        let endpoint = config.s3_endpoint();
        let mut b = AmazonS3Builder::new()
            .with_access_key_id(&c.access_key_id)
            .with_secret_access_key(c.secret_access_key.expose())
            .with_region(&c.region)
            .with_bucket_name(&c.bucket)
            .with_virtual_hosted_style_request(!c.force_path_style)
            // The upload outbox retries for as long as it takes; a single call should fail fast.
            .with_retry(RetryConfig {
                backoff: BackoffConfig::default(),
                max_retries: 2,
                retry_timeout: Duration::from_secs(20),
            });
        if let Some(e) = &endpoint {
            let origin = e.as_str().trim_end_matches('/').to_string();
            b = b
                .with_endpoint(origin)
                .with_allow_http(e.scheme() == "http");
        }
        let store = b.build().map_err(|e| StorageError::Backend {
            provider,
            message: e.to_string(),
        })?;
        Ok(S3Storage {
            provider,
            bucket: c.bucket.clone(),
            endpoint,
            store,
        })
    }

    fn error(&self, e: object_store::Error) -> StorageError {
        match e {
            object_store::Error::NotFound { path, .. } => StorageError::NotFound(path),
            other => StorageError::Backend {
                provider: self.provider,
                message: other.to_string(),
            },
        }
    }
}

fn path(key: &str) -> Result<object_store::path::Path, StorageError> {
    validate_key(key)?;
    object_store::path::Path::parse(key).map_err(|e| StorageError::InvalidKey {
        key: key.into(),
        reason: e.to_string(),
    })
}

fn info(m: object_store::ObjectMeta) -> ObjectInfo {
    ObjectInfo {
        key: m.location.to_string(),
        size: m.size,
        last_modified: Some(Timestamp::from_millis(m.last_modified.timestamp_millis())),
    }
}

#[async_trait]
impl ObjectStorage for S3Storage {
    fn provider(&self) -> &'static str {
        self.provider
    }

    async fn put(&self, key: &str, bytes: Bytes) -> Result<(), StorageError> {
        let p = path(key)?;
        self.store
            .put(&p, PutPayload::from_bytes(bytes))
            .await
            .map_err(|e| self.error(e))?;
        Ok(())
    }

    async fn get(&self, key: &str) -> Result<Bytes, StorageError> {
        let p = path(key)?;
        let r = self.store.get(&p).await.map_err(|e| self.error(e))?;
        r.bytes().await.map_err(|e| self.error(e))
    }

    async fn head(&self, key: &str) -> Result<Option<ObjectInfo>, StorageError> {
        let p = path(key)?;
        match self.store.head(&p).await {
            Ok(m) => Ok(Some(info(m))),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(self.error(e)),
        }
    }

    async fn delete(&self, key: &str) -> Result<(), StorageError> {
        let p = path(key)?;
        match self.store.delete(&p).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(self.error(e)),
        }
    }

    async fn list(&self, prefix: &str) -> Result<Vec<ObjectInfo>, StorageError> {
        let p = if prefix.is_empty() {
            None
        } else {
            Some(path(prefix.trim_end_matches('/'))?)
        };
        let mut out: Vec<ObjectInfo> = self
            .store
            .list(p.as_ref())
            .map_ok(info)
            .try_collect()
            .await
            .map_err(|e| self.error(e))?;
        out.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(out)
    }

    async fn signed_url(&self, key: &str, expires_in: Duration) -> Result<Url, StorageError> {
        let p = path(key)?;
        check_expiry(expires_in)?;
        self.store
            .signed_url(http::Method::GET, &p, expires_in)
            .await
            .map_err(|e| self.error(e))
    }
}
