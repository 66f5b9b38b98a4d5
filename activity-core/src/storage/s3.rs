//! S3-protocol providers: Amazon S3 (and any S3-compatible server), Wasabi, DigitalOcean Spaces,
//! all through object_store's `AmazonS3`.
//!
//! The settings are validated before object_store sees them (it panics on a virtual-hosted
//! address with an IP endpoint). `http://` endpoints are allowed only when configured explicitly
//! (a loopback test server, a LAN MinIO). Signed URLs are S3 presigned `GET` URLs (SigV4).

use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::signer::Signer;
use object_store::{BackoffConfig, RetryConfig};
use url::Url;

use crate::storage::StorageError;
use crate::storage::backend::{ObjectInfo, ObjectStorage, check_expiry};
use crate::storage::config::{ProviderConfig, S3Config};
use crate::storage::objects;

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
}

#[async_trait]
impl ObjectStorage for S3Storage {
    fn provider(&self) -> &'static str {
        self.provider
    }

    fn location(&self) -> String {
        match &self.endpoint {
            Some(e) => format!(
                "{} {} at {}",
                self.provider,
                self.bucket,
                e.as_str().trim_end_matches('/')
            ),
            None => format!("{} {}", self.provider, self.bucket),
        }
    }

    async fn put(&self, key: &str, bytes: Bytes) -> Result<(), StorageError> {
        objects::put(&self.store, self.provider, key, bytes).await
    }

    async fn get(&self, key: &str) -> Result<Bytes, StorageError> {
        objects::get(&self.store, self.provider, key).await
    }

    async fn head(&self, key: &str) -> Result<Option<ObjectInfo>, StorageError> {
        objects::head(&self.store, self.provider, key).await
    }

    async fn delete(&self, key: &str) -> Result<(), StorageError> {
        objects::delete(&self.store, self.provider, key).await
    }

    async fn list(&self, prefix: &str) -> Result<Vec<ObjectInfo>, StorageError> {
        objects::list(&self.store, self.provider, prefix).await
    }

    async fn signed_url(&self, key: &str, expires_in: Duration) -> Result<Url, StorageError> {
        let p = objects::path(key)?;
        check_expiry(expires_in)?;
        self.store
            .signed_url(http::Method::GET, &p, expires_in)
            .await
            .map_err(|e| objects::error(self.provider, e))
    }
}
