//! Checks the storage provider configured through the environment: uploads a probe image, reads
//! it back, makes a signed URL and fetches it, deletes it, and prints each step's result and time.
//! What a user runs to check their credentials.
//!
//! ```text
//! FILE_PROVIDER=S3 AWS_ACCESS_KEY_ID=… AWS_SECRET_ACCESS_KEY=… AWS_REGION=… AWS_S3_BUCKET=… \
//!     cargo run --example storage_check [-- --keep]
//! ```
//!
//! `--keep` leaves the probe in place and prints `key=<key>` on a line of its own. The variables
//! are listed in `activity_core::storage::config`. Exit status: 0 when every step passed, 1 when a
//! step failed, 2 when the settings are wrong.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use activity_core::media::encode::encode;
use activity_core::media::{Frame, PixelFormat};
use activity_core::model::config::ImageFormat;
use activity_core::storage::backend::ObjectStorage;
use activity_core::storage::cloudinary::CloudinaryStorage;
use activity_core::storage::config::ProviderConfig;
use activity_core::storage::local::LocalStorage;
use activity_core::storage::s3::S3Storage;
use activity_core::{Clock, SystemClock};
use bytes::Bytes;
use sha2::{Digest, Sha256};

fn probe_image() -> Result<Vec<u8>, String> {
    let (w, h) = (64u32, 48u32);
    let px: Vec<u8> = (0..w * h)
        .flat_map(|i| [(i % w * 4) as u8, (i / w * 5) as u8, 160, 255])
        .collect();
    let frame = Frame::packed(&px, w, h, PixelFormat::Rgba8).map_err(|e| e.to_string())?;
    encode(&frame, ImageFormat::Jpeg, 80).map_err(|e| e.to_string())
}

fn hex(b: &[u8]) -> String {
    b.iter().fold(String::new(), |s, x| s + &format!("{x:02x}"))
}

struct Steps {
    failed: bool,
}

impl Steps {
    fn report(&mut self, name: &str, started: Instant, result: Result<String, String>) -> bool {
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        match result {
            Ok(detail) => {
                println!("ok    {name:<12} {ms:>8.1} ms  {detail}");
                true
            }
            Err(e) => {
                println!("FAIL  {name:<12} {ms:>8.1} ms  {e}");
                self.failed = true;
                false
            }
        }
    }
}

async fn fetch(store_local: Option<&LocalStorage>, url: &url::Url) -> Result<Vec<u8>, String> {
    if let Some(local) = store_local {
        // A local signed URL is for the embedder's HTTP handler: check it the way the handler
        // would, then read the file it grants.
        let pq = format!("{}?{}", url.path(), url.query().unwrap_or(""));
        let key = local.verify(&pq).map_err(|e| e.to_string())?;
        return std::fs::read(local.root().join(&key)).map_err(|e| e.to_string());
    }
    let resp = reqwest::get(url.clone()).await.map_err(|e| e.to_string())?;
    let status = resp.status();
    if !status.is_success() {
        return Err(format!("HTTP {status}"));
    }
    resp.bytes()
        .await
        .map(|b| b.to_vec())
        .map_err(|e| e.to_string())
}

async fn run(keep: bool) -> ExitCode {
    let config = match ProviderConfig::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let (store, local): (Box<dyn ObjectStorage>, Option<LocalStorage>) = match &config {
        ProviderConfig::Local(c) => match (LocalStorage::new(c), LocalStorage::new(c)) {
            (Ok(a), Ok(b)) => (Box::new(a), Some(b)),
            (Err(e), _) | (_, Err(e)) => {
                eprintln!("{e}");
                return ExitCode::from(2);
            }
        },
        ProviderConfig::Cloudinary(c) => match CloudinaryStorage::new(c) {
            Ok(s) => (Box::new(s), None),
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::from(2);
            }
        },
        other => match S3Storage::new(other) {
            Ok(s) => (Box::new(s), None),
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::from(2);
            }
        },
    };
    println!("provider {} ({store:?})", config.name());
    let mut steps = Steps { failed: false };
    let now = SystemClock.now();
    let key = format!(
        "activity-core-probe/{}-{}.jpg",
        now.as_millis(),
        std::process::id()
    );
    let image = match probe_image() {
        Ok(i) => i,
        Err(e) => {
            eprintln!("cannot make the probe image: {e}");
            return ExitCode::FAILURE;
        }
    };
    let digest = hex(&Sha256::digest(&image));

    let t = Instant::now();
    let put = store.put(&key, Bytes::from(image.clone())).await;
    let put_ok = steps.report(
        "upload",
        t,
        put.map(|()| format!("{key} ({} bytes)", image.len()))
            .map_err(|e| e.to_string()),
    );

    if put_ok {
        let t = Instant::now();
        let got = store
            .get(&key)
            .await
            .map_err(|e| e.to_string())
            .and_then(|b| {
                let d = hex(&Sha256::digest(&b));
                if d == digest {
                    Ok(format!("sha256 {d} matches"))
                } else {
                    Err(format!("sha256 {d} differs from {digest}"))
                }
            });
        steps.report("read back", t, got);

        let t = Instant::now();
        let head = store
            .head(&key)
            .await
            .map_err(|e| e.to_string())
            .and_then(|h| match h {
                Some(i) if i.size == image.len() as u64 => Ok(format!("{} bytes", i.size)),
                Some(i) => Err(format!("size {} instead of {}", i.size, image.len())),
                None => Err("not found".into()),
            });
        steps.report("head", t, head);

        let t = Instant::now();
        let url = store
            .signed_url(&key, Duration::from_secs(300))
            .await
            .map_err(|e| e.to_string());
        let url_ok = steps.report(
            "signed url",
            t,
            url.as_ref()
                .map(|u| format!("{} chars, 5 min", u.as_str().len()))
                .map_err(Clone::clone),
        );
        if let (true, Ok(url)) = (url_ok, url) {
            let t = Instant::now();
            let fetched = fetch(local.as_ref(), &url).await.and_then(|b| {
                if hex(&Sha256::digest(&b)) == digest {
                    Ok(format!("{} bytes, sha256 matches", b.len()))
                } else {
                    Err("content differs".into())
                }
            });
            steps.report("fetch url", t, fetched);
        }

        if keep {
            println!("key={key}");
        } else {
            let t = Instant::now();
            let deleted = match store.delete(&key).await {
                Ok(()) => match store.head(&key).await {
                    Ok(None) => Ok("gone".to_string()),
                    Ok(Some(_)) => Err("still there after delete".to_string()),
                    Err(e) => Err(e.to_string()),
                },
                Err(e) => Err(e.to_string()),
            };
            steps.report("delete", t, deleted);
        }
    }
    if steps.failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn main() -> ExitCode {
    let keep = std::env::args().skip(1).any(|a| a == "--keep");
    match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt.block_on(run(keep)),
        Err(e) => {
            eprintln!("cannot start the async runtime: {e}");
            ExitCode::FAILURE
        }
    }
}
