//! Bad storage input, each answered with a clear error that names what is wrong.

use std::collections::HashMap;

use activity_core::storage::StorageError;
use activity_core::storage::config::ProviderConfig;
use activity_core::storage::key::{screenshot_keys, validate_key};

fn from(vars: &[(&str, &str)]) -> Result<ProviderConfig, StorageError> {
    let m: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Ok(ProviderConfig::from_lookup(&move |k| m.get(k).cloned())?)
}

const S3_OK: &[(&str, &str)] = &[
    ("FILE_PROVIDER", "S3"),
    ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
    ("AWS_SECRET_ACCESS_KEY", "do-not-print-this-secret-value"),
    ("AWS_REGION", "us-east-1"),
    ("AWS_S3_BUCKET", "shots"),
];

fn with(over: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
    let mut v: Vec<_> = S3_OK
        .iter()
        .copied()
        .filter(|(k, _)| !over.iter().any(|(o, _)| o == k))
        .collect();
    v.extend(over.iter().copied().filter(|(_, val)| !val.is_empty()));
    v
}

/// (what the case is, the environment, the variable the error must name)
type Case = (
    &'static str,
    Vec<(&'static str, &'static str)>,
    &'static str,
);

#[test]
fn each_bad_setting_is_named() {
    let cases: Vec<Case> = vec![
        (
            "unknown provider",
            vec![("FILE_PROVIDER", "DROPBOX")],
            "FILE_PROVIDER",
        ),
        (
            "missing bucket",
            with(&[("AWS_S3_BUCKET", "")]),
            "AWS_S3_BUCKET",
        ),
        (
            "invalid bucket",
            with(&[("AWS_S3_BUCKET", "UPPER_case")]),
            "AWS_S3_BUCKET",
        ),
        (
            "bad endpoint",
            with(&[("AWS_S3_ENDPOINT", "ftp//nowhere")]),
            "AWS_S3_ENDPOINT",
        ),
        (
            "endpoint with a path",
            with(&[("AWS_S3_ENDPOINT", "https://s3.example.com/bucket")]),
            "AWS_S3_ENDPOINT",
        ),
        (
            "bad boolean",
            with(&[("AWS_S3_FORCE_PATH_STYLE", "sometimes")]),
            "AWS_S3_FORCE_PATH_STYLE",
        ),
        (
            "IP endpoint, virtual-hosted",
            with(&[("AWS_S3_ENDPOINT", "http://192.168.1.5:9000")]),
            "AWS_S3_FORCE_PATH_STYLE",
        ),
        (
            "bad Wasabi boolean",
            vec![
                ("FILE_PROVIDER", "WASABI"),
                ("WASABI_ACCESS_KEY_ID", "k"),
                ("WASABI_SECRET_ACCESS_KEY", "do-not-print-this-secret-value"),
                ("WASABI_REGION", "us-east-1"),
                ("WASABI_S3_BUCKET", "shots"),
                ("WASABI_S3_FORCE_PATH_STYLE", "2"),
            ],
            "WASABI_S3_FORCE_PATH_STYLE",
        ),
        (
            "bad Cloudinary boolean",
            vec![
                ("FILE_PROVIDER", "CLOUDINARY"),
                ("CLOUDINARY_CLOUD_NAME", "demo"),
                ("CLOUDINARY_API_KEY", "1"),
                ("CLOUDINARY_API_SECRET", "do-not-print-this-secret-value"),
                ("CLOUDINARY_API_SECURE", "yep"),
            ],
            "CLOUDINARY_API_SECURE",
        ),
        (
            "short local secret",
            vec![
                ("FILE_PROVIDER", "LOCAL"),
                ("LOCAL_URL_SIGNING_SECRET", "abc"),
            ],
            "LOCAL_URL_SIGNING_SECRET",
        ),
    ];
    for (name, vars, field) in cases {
        let e = from(&vars).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains(field), "{name}: {msg}");
        assert!(
            !msg.contains("do-not-print-this-secret-value"),
            "{name}: secret in {msg}"
        );
    }
    // The good configuration loads, and its Debug output hides the secret.
    let ok = from(S3_OK).unwrap();
    assert!(!format!("{ok:?}").contains("do-not-print-this-secret-value"));
}

#[test]
fn key_traversal_is_refused() {
    for key in [
        "../../etc/passwd",
        "screenshots/../../x",
        "/abs/key",
        "a\\b",
        "a//b",
        "",
    ] {
        let e = validate_key(key).unwrap_err();
        assert!(e.to_string().contains("invalid object key"), "{key:?}: {e}");
    }
    // Hostile ids and employees are sanitised into keys that stay inside.
    let k = screenshot_keys(
        activity_core::Timestamp::from_secs(0),
        "../../root",
        "../x",
        activity_core::model::config::ImageFormat::Jpeg,
    )
    .unwrap();
    assert_eq!(k.full, "screenshots/1970/01/01/root/0000/x.jpg");
}
