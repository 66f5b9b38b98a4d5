//! Cloudinary, through its documented REST APIs (no SDK exists for Rust).
//!
//! Screenshots are **private**: every asset is uploaded with `type=authenticated`, so
//! Cloudinary's public delivery URLs (`{res}/{cloud}/image/upload/…`, guessable from the key)
//! do not serve it; only signed URLs do, and the ones this backend makes expire.
//!
//! - **Upload**: `POST {prefix}/v1_1/{cloud}/image/upload`, multipart, signed, `type=authenticated`.
//! - **Destroy**: `POST {prefix}/v1_1/{cloud}/image/destroy`, signed, `type=authenticated`;
//!   "not found" counts as done.
//! - **Head / list**: the Admin API,
//!   `GET {prefix}/v1_1/{cloud}/resources/image/authenticated[/{public_id}]` with HTTP Basic
//!   authentication (api key : api secret).
//! - **Signed URL with expiry**: the signed API download URL (what the SDKs call
//!   `private_download_url`):
//!   `{prefix}/v1_1/{cloud}/image/download?…&type=authenticated&expires_at=…&signature=…`.
//! - **Get**: through such a signed URL, valid for a minute. (`CLOUDINARY_CDN_URL` is kept in
//!   the configuration for compatibility; nothing is delivered through public URLs.)
//!
//! Request signatures follow Cloudinary's documentation: every signed parameter except `file`,
//! `cloud_name`, `resource_type` and `api_key`, sorted by name, joined as `k=v&k=v`, the API
//! secret appended, SHA-1 in hex. `{prefix}` is `https://api.cloudinary.com` unless
//! `CLOUDINARY_UPLOAD_PREFIX` says otherwise (the SDKs' `upload_prefix`).
//!
//! An object key maps to `public_id` = key without its extension and `format` = the extension, so
//! every key must end in one (`.jpg`, `.png`, `.webp`).

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use sha1::{Digest, Sha1};
use url::Url;

use crate::clock::{Clock, SystemClock, Timestamp};
use crate::storage::StorageError;
use crate::storage::backend::{ObjectInfo, ObjectStorage, check_expiry};
use crate::storage::config::CloudinaryConfig;
use crate::storage::key::validate_key;
use crate::storage::secret::Secret;

/// The delivery type every asset is uploaded with: only signed URLs deliver it.
pub const DELIVERY_TYPE: &str = "authenticated";

/// Cloudinary storage.
pub struct CloudinaryStorage {
    cloud: String,
    api_key: String,
    secret: Secret,
    api: Url,
    http: reqwest::Client,
    clock: std::sync::Arc<dyn Clock>,
}

impl std::fmt::Debug for CloudinaryStorage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CloudinaryStorage")
            .field("cloud", &self.cloud)
            .field("api", &self.api.as_str())
            .finish_non_exhaustive()
    }
}

/// Cloudinary's request signature over `params` (already without `file`, `cloud_name`,
/// `resource_type` and `api_key`).
///
/// ```
/// use std::collections::BTreeMap;
/// use activity_core::storage::cloudinary::signature;
/// // The example of Cloudinary's "Generating authentication signatures" page.
/// let params = BTreeMap::from([
///     ("eager", "w_400,h_300,c_pad|w_260,h_200,c_crop".to_string()),
///     ("public_id", "sample_image".to_string()),
///     ("timestamp", "1315060510".to_string()),
/// ]);
/// assert_eq!(signature(&params, "abcd"), "bfd09f95f331f558cbd1320e67aa8d488770583e");
/// ```
pub fn signature(params: &BTreeMap<&str, String>, secret: &str) -> String {
    let joined = params
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let digest = Sha1::digest(format!("{joined}{secret}").as_bytes());
    crate::util::hex(&digest)
}

fn split_key(key: &str) -> Result<(String, String), StorageError> {
    validate_key(key)?;
    let last = key.rsplit('/').next().unwrap_or(key);
    match last.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() && !ext.is_empty() => {
            let public_id = &key[..key.len() - ext.len() - 1];
            Ok((public_id.to_string(), ext.to_ascii_lowercase()))
        }
        _ => Err(StorageError::InvalidKey {
            key: key.into(),
            reason: "Cloudinary keys need a file extension (the image format)".into(),
        }),
    }
}

impl CloudinaryStorage {
    /// Builds the backend.
    pub fn new(config: &CloudinaryConfig) -> Result<CloudinaryStorage, StorageError> {
        Self::with_clock(config, std::sync::Arc::new(SystemClock))
    }

    /// As [`new`](Self::new), with the clock used for timestamps and expiries.
    pub fn with_clock(
        config: &CloudinaryConfig,
        clock: std::sync::Arc<dyn Clock>,
    ) -> Result<CloudinaryStorage, StorageError> {
        crate::storage::config::ProviderConfig::Cloudinary(config.clone()).validate()?;
        let bad = |m: String| StorageError::Backend {
            provider: "CLOUDINARY",
            message: m,
        };
        let api = config
            .upload_prefix
            .clone()
            .map_or_else(|| Url::parse("https://api.cloudinary.com"), Ok)
            .map_err(|e| bad(e.to_string()))?;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .map_err(|e| bad(e.to_string()))?;
        Ok(CloudinaryStorage {
            cloud: config.cloud_name.clone(),
            api_key: config.api_key.clone(),
            secret: config.api_secret.clone(),
            api,
            http,
            clock,
        })
    }

    fn endpoint(&self, tail: &str) -> String {
        format!(
            "{}/v1_1/{}/{tail}",
            self.api.as_str().trim_end_matches('/'),
            self.cloud
        )
    }

    fn timestamp(&self) -> String {
        (self.clock.now().as_millis() / 1000).to_string()
    }

    fn error(&self, what: &str, e: impl std::fmt::Display) -> StorageError {
        // reqwest errors carry the URL, which never holds the secret (signatures are one-way).
        StorageError::Backend {
            provider: "CLOUDINARY",
            message: format!("{what}: {e}"),
        }
    }

    async fn json(
        &self,
        what: &str,
        resp: reqwest::Response,
    ) -> Result<serde_json::Value, StorageError> {
        let status = resp.status();
        let text = resp.text().await.map_err(|e| self.error(what, e))?;
        if !status.is_success() {
            return Err(self.error(
                what,
                format!(
                    "HTTP {status}: {}",
                    text.chars().take(300).collect::<String>()
                ),
            ));
        }
        serde_json::from_str(&text).map_err(|e| self.error(what, e))
    }

    fn resource_info(v: &serde_json::Value) -> Option<ObjectInfo> {
        let public_id = v.get("public_id")?.as_str()?;
        let format = v.get("format")?.as_str()?;
        Some(ObjectInfo {
            key: format!("{public_id}.{format}"),
            size: v
                .get("bytes")
                .and_then(serde_json::Value::as_u64)
                .unwrap_or(0),
            last_modified: v
                .get("created_at")
                .and_then(|c| c.as_str())
                .and_then(|c| {
                    time::OffsetDateTime::parse(c, &time::format_description::well_known::Rfc3339)
                        .ok()
                })
                .map(|t| Timestamp::from_millis((t.unix_timestamp_nanos() / 1_000_000) as i64)),
        })
    }
}

#[async_trait]
impl ObjectStorage for CloudinaryStorage {
    fn provider(&self) -> &'static str {
        "CLOUDINARY"
    }

    fn location(&self) -> String {
        format!("CLOUDINARY {}", self.cloud)
    }

    async fn put(&self, key: &str, bytes: Bytes) -> Result<(), StorageError> {
        let (public_id, format) = split_key(key)?;
        let params = BTreeMap::from([
            ("overwrite", "true".to_string()),
            ("public_id", public_id.clone()),
            ("timestamp", self.timestamp()),
            ("type", DELIVERY_TYPE.to_string()),
        ]);
        let sig = signature(&params, self.secret.expose());
        let file = reqwest::multipart::Part::bytes(bytes.to_vec()).file_name(format!(
            "{}.{format}",
            public_id.rsplit('/').next().unwrap_or("image")
        ));
        let mut form = reqwest::multipart::Form::new()
            .part("file", file)
            .text("api_key", self.api_key.clone())
            .text("signature", sig);
        for (k, v) in params {
            form = form.text(k, v);
        }
        let resp = self
            .http
            .post(self.endpoint("image/upload"))
            .multipart(form)
            .send()
            .await
            .map_err(|e| self.error("upload", e))?;
        let v = self.json("upload", resp).await?;
        match v.get("public_id").and_then(|p| p.as_str()) {
            Some(p) if p == public_id => Ok(()),
            _ => Err(self.error("upload", format!("unexpected answer {v}"))),
        }
    }

    async fn get(&self, key: &str) -> Result<Bytes, StorageError> {
        let url = self.signed_url(key, Duration::from_secs(60)).await?;
        let resp = self
            .http
            .get(url)
            .send()
            .await
            .map_err(|e| self.error("get", e))?;
        if resp.status() == reqwest::StatusCode::NOT_FOUND {
            return Err(StorageError::NotFound(key.into()));
        }
        if !resp.status().is_success() {
            return Err(self.error("get", format!("HTTP {}", resp.status())));
        }
        resp.bytes().await.map_err(|e| self.error("get", e))
    }

    async fn head(&self, key: &str) -> Result<Option<ObjectInfo>, StorageError> {
        let (public_id, format) = split_key(key)?;
        let resp = self
            .http
            .get(self.endpoint(&format!("resources/image/{DELIVERY_TYPE}/{public_id}")))
            .basic_auth(&self.api_key, Some(self.secret.expose()))
            .send()
            .await
            .map_err(|e| self.error("head", e))?;
        if resp.status() == reqwest::StatusCode::NOT_FOUND {
            return Ok(None);
        }
        let v = self.json("head", resp).await?;
        Ok(Self::resource_info(&v).filter(|i| i.key == format!("{public_id}.{format}")))
    }

    async fn delete(&self, key: &str) -> Result<(), StorageError> {
        let (public_id, _) = split_key(key)?;
        let params = BTreeMap::from([
            ("invalidate", "true".to_string()),
            ("public_id", public_id),
            ("timestamp", self.timestamp()),
            ("type", DELIVERY_TYPE.to_string()),
        ]);
        let sig = signature(&params, self.secret.expose());
        let mut form: Vec<(&str, String)> = params.into_iter().collect();
        form.push(("api_key", self.api_key.clone()));
        form.push(("signature", sig));
        let resp = self
            .http
            .post(self.endpoint("image/destroy"))
            .form(&form)
            .send()
            .await
            .map_err(|e| self.error("destroy", e))?;
        let v = self.json("destroy", resp).await?;
        match v.get("result").and_then(|r| r.as_str()) {
            Some("ok" | "not found") => Ok(()),
            _ => Err(self.error("destroy", format!("unexpected answer {v}"))),
        }
    }

    async fn list(&self, prefix: &str) -> Result<Vec<ObjectInfo>, StorageError> {
        if !prefix.is_empty() {
            validate_key(prefix.trim_end_matches('/'))?;
        }
        let mut out = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut q: Vec<(&str, String)> = vec![
                ("prefix", prefix.to_string()),
                ("max_results", "500".into()),
            ];
            if let Some(c) = &cursor {
                q.push(("next_cursor", c.clone()));
            }
            let resp = self
                .http
                .get(self.endpoint(&format!("resources/image/{DELIVERY_TYPE}")))
                .basic_auth(&self.api_key, Some(self.secret.expose()))
                .query(&q)
                .send()
                .await
                .map_err(|e| self.error("list", e))?;
            let v = self.json("list", resp).await?;
            if let Some(items) = v.get("resources").and_then(|r| r.as_array()) {
                out.extend(items.iter().filter_map(Self::resource_info));
            }
            match v.get("next_cursor").and_then(|c| c.as_str()) {
                Some(c) if !c.is_empty() => cursor = Some(c.to_string()),
                _ => break,
            }
        }
        out.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(out)
    }

    async fn signed_url(&self, key: &str, expires_in: Duration) -> Result<Url, StorageError> {
        let (public_id, format) = split_key(key)?;
        check_expiry(expires_in)?;
        let now = self.clock.now().as_millis() / 1000;
        let params = BTreeMap::from([
            (
                "expires_at",
                (now + expires_in.as_secs() as i64).to_string(),
            ),
            ("format", format),
            ("public_id", public_id),
            ("timestamp", now.to_string()),
            ("type", DELIVERY_TYPE.to_string()),
        ]);
        let sig = signature(&params, self.secret.expose());
        let mut url = Url::parse(&self.endpoint("image/download"))
            .map_err(|e| self.error("signed url", e))?;
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("api_key", &self.api_key);
            for (k, v) in &params {
                q.append_pair(k, v);
            }
            q.append_pair("signature", &sig);
        }
        Ok(url)
    }
}
