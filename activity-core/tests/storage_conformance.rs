//! One conformance suite for every storage backend (local, S3 family on moto, Cloudinary on a
//! loopback server, an embedder's blocking storage through the adapter), plus the local
//! provider's signed URLs.
#![cfg_attr(windows, allow(unused_imports, dead_code))] // the loopback Cloudinary test is compiled out on Windows

mod common;

use std::sync::Arc;
use std::time::Duration;

use activity_core::storage::StorageError;
use activity_core::storage::backend::ObjectStorage;
use activity_core::storage::config::LocalConfig;
use activity_core::storage::local::{LocalStorage, SignatureError};
use activity_core::storage::secret::Secret;
use activity_core::{ManualClock, Timestamp};
use bytes::Bytes;

/// The behaviour every provider must have.
async fn conformance(store: &dyn ObjectStorage, prefix: &str) {
    let k1 = format!("{prefix}/2026/11/30/emp/0850/a.jpg");
    let k2 = format!("{prefix}/2026/11/30/emp/0850/a-thumb.jpg");
    let k3 = format!("{prefix}/2026/12/01/emp/0000/b.jpg");
    let body = Bytes::from((0..=255u8).cycle().take(100_000).collect::<Vec<u8>>());

    // put / get, and put again (idempotent), then overwrite.
    store.put(&k1, body.clone()).await.unwrap();
    store.put(&k1, body.clone()).await.unwrap();
    assert_eq!(store.get(&k1).await.unwrap(), body);
    store.put(&k2, Bytes::from_static(b"thumb")).await.unwrap();
    store.put(&k3, Bytes::from_static(b"old")).await.unwrap();
    store.put(&k3, Bytes::from_static(b"new")).await.unwrap();
    assert_eq!(store.get(&k3).await.unwrap(), Bytes::from_static(b"new"));

    // head
    let h = store.head(&k1).await.unwrap().expect("exists");
    assert_eq!((h.key.as_str(), h.size), (k1.as_str(), 100_000));
    assert_eq!(
        store.head(&format!("{prefix}/missing.jpg")).await.unwrap(),
        None
    );

    // list by prefix: exactly the keys below it, in order.
    let listed: Vec<String> = store
        .list(&format!("{prefix}/2026/11"))
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.key)
        .collect();
    assert_eq!(listed, [k2.clone(), k1.clone()]);
    assert_eq!(store.list(prefix).await.unwrap().len(), 3);

    // delete, twice; get of a missing object is NotFound.
    store.delete(&k1).await.unwrap();
    store.delete(&k1).await.unwrap();
    assert!(matches!(
        store.get(&k1).await,
        Err(StorageError::NotFound(_))
    ));
    assert_eq!(store.head(&k1).await.unwrap(), None);

    // Keys that could escape the root are refused by every method.
    for bad in ["../x.jpg", "/etc/passwd", "a//b", "a/./b", ""] {
        assert!(
            matches!(
                store.put(bad, Bytes::new()).await,
                Err(StorageError::InvalidKey { .. })
            ),
            "{bad:?}"
        );
        assert!(
            matches!(store.get(bad).await, Err(StorageError::InvalidKey { .. })),
            "{bad:?}"
        );
        assert!(
            matches!(
                store.delete(bad).await,
                Err(StorageError::InvalidKey { .. })
            ),
            "{bad:?}"
        );
        assert!(matches!(
            store.signed_url(bad, Duration::from_secs(60)).await,
            Err(StorageError::InvalidKey { .. })
        ));
    }
    // Signed URL expiries are bounded.
    for bad in [Duration::ZERO, Duration::from_secs(8 * 24 * 3600)] {
        assert!(matches!(
            store.signed_url(&k2, bad).await,
            Err(StorageError::InvalidExpiry(_))
        ));
    }
    for k in [&k2, &k3] {
        store.delete(k).await.unwrap();
    }
    assert!(store.list(prefix).await.unwrap().is_empty());
}

fn local(dir: &str, clock: Arc<ManualClock>) -> LocalStorage {
    let root = std::env::temp_dir().join(format!("ac-local-{}-{dir}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    LocalStorage::with_clock(
        &LocalConfig {
            root,
            url_secret: Secret::new("0123456789abcdef0123456789abcdef-test"),
            public_url: Some("http://127.0.0.1:8080/files/".parse().unwrap()),
        },
        clock,
    )
    .unwrap()
}

#[tokio::test]
async fn local_backend_conforms() {
    let store = local(
        "conformance",
        Arc::new(ManualClock::new(Timestamp::from_secs(1_796_025_600))),
    );
    conformance(&store, "screenshots").await;
    // Files really are under the root, nowhere else.
    store
        .put("screenshots/x/y.jpg", Bytes::from_static(b"1"))
        .await
        .unwrap();
    assert!(store.root().join("screenshots/x/y.jpg").is_file());
}

#[tokio::test]
async fn local_signed_urls_verify_and_refuse_tampering_and_expiry() {
    let clock = Arc::new(ManualClock::new(Timestamp::from_secs(1_796_025_600)));
    let store = local("signed", clock.clone());
    let key = "screenshots/2026/11/30/emp/0850/a b+c.jpg";
    store.put(key, Bytes::from_static(b"img")).await.unwrap();
    let url = store
        .signed_url(key, Duration::from_secs(600))
        .await
        .unwrap();
    assert!(
        url.as_str()
            .starts_with("http://127.0.0.1:8080/files/screenshots/"),
        "{url}"
    );
    let pq = |u: &url::Url| format!("{}?{}", u.path(), u.query().unwrap_or(""));
    assert_eq!(store.verify(&pq(&url)).unwrap(), key);

    // Tampered key, expiry or signature.
    let other = pq(&url).replace("a%20b+c.jpg", "other.jpg");
    assert_eq!(store.verify(&other), Err(SignatureError::BadSignature));
    let exp: i64 = url
        .query_pairs()
        .find(|(k, _)| k == "expires")
        .unwrap()
        .1
        .parse()
        .unwrap();
    let later = pq(&url).replace(
        &format!("expires={exp}"),
        &format!("expires={}", exp + 3600),
    );
    assert_eq!(store.verify(&later), Err(SignatureError::BadSignature));
    let mut sig_flipped = pq(&url);
    let last = sig_flipped.pop().unwrap();
    sig_flipped.push(if last == '0' { '1' } else { '0' });
    assert_eq!(
        store.verify(&sig_flipped),
        Err(SignatureError::BadSignature)
    );
    assert!(matches!(
        store.verify("/files/screenshots/a.jpg"),
        Err(SignatureError::Malformed(_))
    ));
    assert!(matches!(
        store.verify("/elsewhere/a.jpg?expires=1&signature=00"),
        Err(SignatureError::Malformed(_))
    ));

    // Expired: ten minutes and one second later.
    clock.advance_millis(601_000);
    assert!(matches!(
        store.verify(&pq(&url)),
        Err(SignatureError::Expired(_))
    ));
}

#[test]
fn a_short_signing_secret_is_refused() {
    let e = LocalStorage::new(&LocalConfig {
        root: std::env::temp_dir().join("ac-local-short"),
        url_secret: Secret::new("short"),
        public_url: None,
    })
    .unwrap_err();
    assert!(e.to_string().contains("LOCAL_URL_SIGNING_SECRET"), "{e}");
}

#[path = "common/s3.rs"]
mod s3;

use activity_core::storage::config::{ProviderConfig, S3Config};
use activity_core::storage::s3::S3Storage;

fn s3_config(endpoint: &str, bucket: &str) -> S3Config {
    S3Config {
        access_key_id: "AKIDTESTTESTTEST".into(),
        secret_access_key: Secret::new("testsecretkeytestsecretkeytestsecret00"),
        region: "us-east-1".into(),
        bucket: bucket.into(),
        endpoint: Some(endpoint.parse().unwrap()),
        force_path_style: true,
        cdn_url: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_wasabi_and_spaces_conform_against_a_real_s3_server() {
    let moto = s3::Moto::start();
    for (bucket, config) in [
        (
            "shots-s3",
            ProviderConfig::S3(s3_config(&moto.endpoint, "shots-s3")),
        ),
        (
            "shots-wasabi",
            ProviderConfig::Wasabi(s3_config(&moto.endpoint, "shots-wasabi")),
        ),
        (
            "shots-do",
            ProviderConfig::DigitalOcean(s3_config(&moto.endpoint, "shots-do")),
        ),
    ] {
        moto.create_bucket(bucket);
        let store = S3Storage::new(&config).unwrap();
        assert_eq!(store.provider(), config.name());
        conformance(&store, "screenshots").await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_presigned_url_is_fetched_with_a_plain_get() {
    let moto = s3::Moto::start();
    moto.create_bucket("shots");
    let store = S3Storage::new(&ProviderConfig::S3(s3_config(&moto.endpoint, "shots"))).unwrap();
    let key = "screenshots/2026/11/30/emp/0850/p.jpg";
    let body = Bytes::from_static(b"\xff\xd8 a jpeg, really");
    store.put(key, body.clone()).await.unwrap();
    let url = store
        .signed_url(key, Duration::from_secs(300))
        .await
        .unwrap();
    assert!(
        url.query().unwrap_or("").contains("X-Amz-Signature="),
        "{url}"
    );
    let pq = format!("{}?{}", url.path(), url.query().unwrap());
    let (status, got) = tokio::task::spawn_blocking(move || {
        s3::http(&format!("http://{}", url.authority()), "GET", &pq, &[]).unwrap()
    })
    .await
    .unwrap();
    assert_eq!(status, 200);
    assert_eq!(got, body.to_vec());
}

#[test]
fn virtual_hosted_style_with_an_ip_endpoint_is_an_error_not_a_panic() {
    let mut c = s3_config("http://127.0.0.1:9", "shots");
    c.force_path_style = false;
    let e = S3Storage::new(&ProviderConfig::S3(c)).unwrap_err();
    assert!(e.to_string().contains("AWS_S3_FORCE_PATH_STYLE"), "{e}");
}

use activity_core::storage::cloudinary::CloudinaryStorage;
use activity_core::storage::config::CloudinaryConfig;

/// The loopback Cloudinary stand-in (`tests/cloudinary_fake.py`); killed when dropped.
struct FakeCloudinary {
    child: std::process::Child,
    origin: String,
}

impl FakeCloudinary {
    fn start() -> FakeCloudinary {
        use std::io::BufRead;
        let script =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cloudinary_fake.py");
        let mut child = std::process::Command::new("python3")
            .arg(script)
            .args([
                "--cloud",
                "demo",
                "--key",
                "123456789012345",
                "--secret",
                "real-secret-real-secret",
                "--page",
                "2",
            ])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("python3");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .trim()
            .strip_prefix("port=")
            .expect("port line")
            .to_string();
        FakeCloudinary {
            child,
            origin: format!("http://127.0.0.1:{port}"),
        }
    }

    fn config(&self, secret: &str) -> CloudinaryConfig {
        CloudinaryConfig {
            cloud_name: "demo".into(),
            api_key: "123456789012345".into(),
            api_secret: Secret::new(secret),
            secure: false,
            cdn_url: Some(self.origin.parse().unwrap()),
            upload_prefix: Some(self.origin.parse().unwrap()),
        }
    }
}

impl Drop for FakeCloudinary {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// The loopback Cloudinary is a Python program: a Windows test under Wine cannot start it.
#[cfg(not(windows))]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cloudinary_conforms_against_a_loopback_server_that_checks_signatures() {
    let fake = FakeCloudinary::start();
    let store = CloudinaryStorage::new(&fake.config("real-secret-real-secret")).unwrap();
    conformance(&store, "screenshots").await;

    // The signed download URL works with a plain GET, until it expires.
    let key = "screenshots/2026/11/30/emp/0850/c.jpg";
    store
        .put(key, Bytes::from_static(b"jpeg bytes"))
        .await
        .unwrap();
    let url = store
        .signed_url(key, Duration::from_secs(120))
        .await
        .unwrap();
    let resp = reqwest::get(url.clone()).await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.bytes().await.unwrap(),
        Bytes::from_static(b"jpeg bytes")
    );
    let tampered = url.as_str().replace("c.jpg", "d.jpg").replace(
        "public_id=screenshots%2F2026%2F11%2F30%2Femp%2F0850%2Fc",
        "public_id=screenshots%2F2026%2F11%2F30%2Femp%2F0850%2Fd",
    );
    assert_eq!(reqwest::get(tampered).await.unwrap().status(), 401);
    let past = CloudinaryStorage::with_clock(
        &fake.config("real-secret-real-secret"),
        Arc::new(ManualClock::new(Timestamp::from_secs(1_600_000_000))),
    )
    .unwrap();
    let expired = past
        .signed_url(key, Duration::from_secs(120))
        .await
        .unwrap();
    assert_eq!(reqwest::get(expired).await.unwrap().status(), 401);

    // Private: uploaded as `authenticated`, so the public delivery URLs that anyone could guess
    // from the key serve nothing; only the signed URL above does.
    let guessable = [
        format!(
            "{}/demo/image/upload/screenshots/2026/11/30/emp/0850/c.jpg",
            fake.origin
        ),
        format!(
            "{}/demo/image/authenticated/screenshots/2026/11/30/emp/0850/c.jpg",
            fake.origin
        ),
        format!(
            "{}/demo/image/authenticated/s--AAAAAAAA--/screenshots/2026/11/30/emp/0850/c.jpg",
            fake.origin
        ),
    ];
    for url in guessable {
        assert_eq!(reqwest::get(&url).await.unwrap().status(), 401, "{url}");
    }
    let listed = reqwest::Client::new()
        .get(format!(
            "{}/v1_1/demo/resources/image/authenticated/screenshots/2026/11/30/emp/0850/c",
            fake.origin
        ))
        .basic_auth("123456789012345", Some("real-secret-real-secret"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let listed: serde_json::Value = serde_json::from_str(&listed).unwrap();
    assert_eq!(listed["type"], "authenticated", "{listed}");

    // A wrong secret: the server refuses the signature and nothing is stored.
    let wrong = CloudinaryStorage::new(&fake.config("wrong-secret-wrong-secret")).unwrap();
    let e = wrong
        .put("screenshots/x/y.jpg", Bytes::from_static(b"z"))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("Invalid Signature"), "{e}");
    assert!(
        !e.to_string().contains("wrong-secret"),
        "secret leaked: {e}"
    );
    assert_eq!(store.head("screenshots/x/y.jpg").await.unwrap(), None);
    let e = wrong.delete(key).await.unwrap_err();
    assert!(e.to_string().contains("Invalid Signature"), "{e}");
    assert!(
        store.head(key).await.unwrap().is_some(),
        "a refused destroy deleted nothing"
    );
    // Keys without an extension cannot map to a Cloudinary public id + format.
    assert!(matches!(
        store.put("screenshots/noext", Bytes::new()).await,
        Err(StorageError::InvalidKey { .. })
    ));
}

use activity_core::storage::backend::ObjectInfo;
use activity_core::storage::blocking::{BlockingAdapter, BlockingStorage};

/// An embedder's blocking storage: plain files under a folder, with `std::fs` calls only.
struct FolderStorage(std::path::PathBuf);

impl FolderStorage {
    fn path(&self, key: &str) -> std::path::PathBuf {
        self.0.join(key)
    }
    fn fail(e: std::io::Error) -> StorageError {
        StorageError::Backend {
            provider: "EMBEDDER",
            message: e.to_string(),
        }
    }
}

impl BlockingStorage for FolderStorage {
    fn put(&self, key: &str, bytes: &[u8]) -> Result<(), StorageError> {
        let p = self.path(key);
        std::fs::create_dir_all(p.parent().unwrap()).map_err(Self::fail)?;
        std::fs::write(p, bytes).map_err(Self::fail)
    }
    fn get(&self, key: &str) -> Result<Vec<u8>, StorageError> {
        match std::fs::read(self.path(key)) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Err(StorageError::NotFound(key.into()))
            }
            r => r.map_err(Self::fail),
        }
    }
    fn head(&self, key: &str) -> Result<Option<ObjectInfo>, StorageError> {
        match std::fs::metadata(self.path(key)) {
            Ok(m) => Ok(Some(ObjectInfo {
                key: key.into(),
                size: m.len(),
                last_modified: None,
            })),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Self::fail(e)),
        }
    }
    fn delete(&self, key: &str) -> Result<(), StorageError> {
        match std::fs::remove_file(self.path(key)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Self::fail(e)),
            _ => Ok(()),
        }
    }
    fn signed_url(&self, key: &str, expires_in: Duration) -> Result<url::Url, StorageError> {
        url::Url::parse(&format!(
            "https://files.example/{key}?expires={}",
            expires_in.as_secs()
        ))
        .map_err(|e| StorageError::Backend {
            provider: "EMBEDDER",
            message: e.to_string(),
        })
    }
    fn list(&self, prefix: &str) -> Result<Vec<ObjectInfo>, StorageError> {
        fn walk(root: &std::path::Path, dir: &std::path::Path, out: &mut Vec<ObjectInfo>) {
            for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let p = e.path();
                if p.is_dir() {
                    walk(root, &p, out);
                } else if let Ok(m) = e.metadata() {
                    out.push(ObjectInfo {
                        // Keys use `/` whatever the platform's separator.
                        key: p
                            .strip_prefix(root)
                            .unwrap()
                            .components()
                            .map(|c| c.as_os_str().to_string_lossy())
                            .collect::<Vec<_>>()
                            .join("/"),
                        size: m.len(),
                        last_modified: None,
                    });
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.0, &self.path(prefix), &mut out);
        out.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(out)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_embedders_blocking_storage_conforms_through_the_adapter() {
    let root = std::env::temp_dir().join(format!("ac-blocking-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let store = BlockingAdapter::new(
        Arc::new(FolderStorage(root.clone())),
        Duration::from_secs(5),
    );
    conformance(&store, "screenshots").await;
    // The optional signed URL is the embedder's own.
    let url = store
        .signed_url("screenshots/a.jpg", Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(
        url.as_str(),
        "https://files.example/screenshots/a.jpg?expires=60"
    );
    let _ = std::fs::remove_dir_all(&root);
}
