//! Storage configuration: from the struct, or from the environment with the variable names
//! products such as Ever Gauzy already use.
//!
//! | `FILE_PROVIDER` | variables |
//! |---|---|
//! | `LOCAL` (default) | `LOCAL_STORAGE_ROOT` (default `./activity-data/files`), `LOCAL_URL_SIGNING_SECRET` (required, ≥ 32 bytes), `LOCAL_PUBLIC_URL` (optional base of signed URLs) |
//! | `S3` | `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`, `AWS_S3_BUCKET`, `AWS_S3_FORCE_PATH_STYLE`, `AWS_S3_ENDPOINT` (S3-compatible servers) |
//! | `WASABI` | `WASABI_ACCESS_KEY_ID`, `WASABI_SECRET_ACCESS_KEY`, `WASABI_REGION`, `WASABI_SERVICE_URL`, `WASABI_S3_BUCKET`, `WASABI_S3_FORCE_PATH_STYLE` |
//! | `DIGITALOCEAN` | `DIGITALOCEAN_ACCESS_KEY_ID`, `DIGITALOCEAN_SECRET_ACCESS_KEY`, `DIGITALOCEAN_REGION`, `DIGITALOCEAN_SERVICE_URL`, `DIGITALOCEAN_CDN_URL`, `DIGITALOCEAN_S3_BUCKET`, `DIGITALOCEAN_S3_FORCE_PATH_STYLE` |
//! | `CLOUDINARY` | `CLOUDINARY_CLOUD_NAME`, `CLOUDINARY_API_KEY`, `CLOUDINARY_API_SECRET`, `CLOUDINARY_API_SECURE`, `CLOUDINARY_CDN_URL`, `CLOUDINARY_UPLOAD_PREFIX` |
//!
//! Endpoints when no service URL is given: Wasabi `https://s3.<region>.wasabisys.com`,
//! DigitalOcean Spaces `https://<region>.digitaloceanspaces.com`, AWS the regional default.
//! Booleans accept `true/false`, `1/0`, `yes/no`, `on/off` in any case. Every missing or invalid
//! variable is reported in one error, each by name; secrets never appear in it, in `Debug` or in
//! logs. A virtual-hosted address (path style off) with an IP-address endpoint is an error here:
//! object_store would panic on it.

use std::fmt;
use std::path::PathBuf;

use url::{Host, Url};

use crate::storage::secret::Secret;

/// Which provider stores the screenshots, with its settings.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProviderConfig {
    /// Files under a root folder on this machine.
    Local(LocalConfig),
    /// Amazon S3 or any S3-compatible server.
    S3(S3Config),
    /// Wasabi (S3 protocol, its own endpoints).
    Wasabi(S3Config),
    /// DigitalOcean Spaces (S3 protocol, its own endpoints, optional CDN).
    DigitalOcean(S3Config),
    /// Cloudinary, through its upload API.
    Cloudinary(CloudinaryConfig),
}

/// The local provider.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalConfig {
    /// Folder under which keys become files.
    pub root: PathBuf,
    /// Secret for the HMAC-SHA256 signed URLs (at least 32 bytes).
    pub url_secret: Secret,
    /// Base URL signed URLs start with (the embedder's HTTP handler), e.g.
    /// `http://127.0.0.1:8080/files`; default `file://` + root.
    pub public_url: Option<Url>,
}

/// An S3-protocol provider (S3, Wasabi, DigitalOcean Spaces).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct S3Config {
    /// Access key id (not secret by itself; shown in `Debug`).
    pub access_key_id: String,
    /// Secret access key.
    pub secret_access_key: Secret,
    /// Region, e.g. `us-east-1`, `eu-central-1`, `nyc3`.
    pub region: String,
    /// Bucket (Space) name.
    pub bucket: String,
    /// Endpoint; `None` for AWS's own.
    pub endpoint: Option<Url>,
    /// Path-style requests (`endpoint/bucket/key`) instead of virtual-hosted (`bucket.endpoint/key`).
    pub force_path_style: bool,
    /// CDN base for public URLs (DigitalOcean Spaces' CDN).
    pub cdn_url: Option<Url>,
}

/// Cloudinary.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CloudinaryConfig {
    /// Cloud name.
    pub cloud_name: String,
    /// API key (not secret by itself).
    pub api_key: String,
    /// API secret, used to sign requests and delivery URLs.
    pub api_secret: Secret,
    /// Deliver over https (default true).
    pub secure: bool,
    /// Custom delivery base (a CDN / private CDN host).
    pub cdn_url: Option<Url>,
    /// API base, default `https://api.cloudinary.com` (the SDKs' `upload_prefix`); tests point it
    /// at a loopback server.
    pub upload_prefix: Option<Url>,
}

/// One problem with a storage setting, naming the variable or field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SettingProblem {
    /// Variable (or field) at fault, e.g. `AWS_S3_BUCKET`.
    pub name: String,
    /// What is wrong; never contains a secret's value.
    pub message: String,
}

impl fmt::Display for SettingProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.name, self.message)
    }
}

/// Parses a boolean the way environment variables are usually written.
pub fn parse_bool(v: &str) -> Option<bool> {
    match v.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Some(true),
        "false" | "0" | "no" | "off" => Some(false),
        _ => None,
    }
}

struct Env<'a> {
    get: &'a dyn Fn(&str) -> Option<String>,
    problems: Vec<SettingProblem>,
}

impl Env<'_> {
    fn problem(&mut self, name: &str, message: impl Into<String>) {
        self.problems.push(SettingProblem {
            name: name.into(),
            message: message.into(),
        });
    }

    fn optional(&mut self, name: &str) -> Option<String> {
        (self.get)(name)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    }

    fn required(&mut self, name: &str) -> String {
        self.optional(name).unwrap_or_else(|| {
            self.problem(name, "missing");
            String::new()
        })
    }

    fn secret(&mut self, name: &str) -> Secret {
        Secret::new(self.required(name))
    }

    fn boolean(&mut self, name: &str, default: bool) -> bool {
        match self.optional(name) {
            None => default,
            Some(v) => parse_bool(&v).unwrap_or_else(|| {
                self.problem(
                    name,
                    format!("{v:?} is not a boolean (true/false, 1/0, yes/no, on/off)"),
                );
                default
            }),
        }
    }

    fn url(&mut self, name: &str) -> Option<Url> {
        let v = self.optional(name)?;
        match Url::parse(&v) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Some(u),
            Ok(_) => {
                self.problem(name, format!("{v:?} is not an http(s) URL with a host"));
                None
            }
            Err(e) => {
                self.problem(name, format!("{v:?} is not a URL: {e}"));
                None
            }
        }
    }
}

impl ProviderConfig {
    /// Reads the configuration from the process environment.
    pub fn from_env() -> Result<ProviderConfig, StorageConfigError> {
        Self::from_lookup(&|k| std::env::var(k).ok())
    }

    /// Reads the configuration from a JSON object of the same variable names, as the C and
    /// Python bindings pass it: `{"FILE_PROVIDER": "S3", "AWS_S3_BUCKET": "shots", …}`. Strings
    /// are taken as they are, numbers and booleans as their JSON text (`true`, `9000`), `null`
    /// as unset; anything else (an array, an object) is a problem naming the variable.
    pub fn from_json_str(json: &str) -> Result<ProviderConfig, StorageConfigError> {
        let map: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(json).map_err(|e| {
                StorageConfigError(vec![SettingProblem {
                    name: "(storage settings)".into(),
                    message: format!("must be a JSON object of variable names: {e}"),
                }])
            })?;
        let mut problems = Vec::new();
        let mut text = std::collections::HashMap::new();
        for (name, value) in &map {
            match value {
                serde_json::Value::String(s) => {
                    text.insert(name.clone(), s.clone());
                }
                serde_json::Value::Null => {}
                serde_json::Value::Bool(_) | serde_json::Value::Number(_) => {
                    text.insert(name.clone(), value.to_string());
                }
                _ => problems.push(SettingProblem {
                    name: name.clone(),
                    message: "must be a string, a number or a boolean".into(),
                }),
            }
        }
        if !problems.is_empty() {
            return Err(StorageConfigError(problems));
        }
        Self::from_lookup(&|name| text.get(name).cloned())
    }

    /// Reads the configuration through `get` (the environment, or a map in tests).
    pub fn from_lookup(
        get: &dyn Fn(&str) -> Option<String>,
    ) -> Result<ProviderConfig, StorageConfigError> {
        let mut env = Env {
            get,
            problems: Vec::new(),
        };
        let provider = env
            .optional("FILE_PROVIDER")
            .unwrap_or_else(|| "LOCAL".into());
        let config = match provider.to_ascii_uppercase().as_str() {
            "LOCAL" => {
                let root = PathBuf::from(
                    env.optional("LOCAL_STORAGE_ROOT")
                        .unwrap_or_else(|| "./activity-data/files".into()),
                );
                let url_secret = env.secret("LOCAL_URL_SIGNING_SECRET");
                let public_url = env.url("LOCAL_PUBLIC_URL");
                ProviderConfig::Local(LocalConfig {
                    root,
                    url_secret,
                    public_url,
                })
            }
            "S3" => ProviderConfig::S3(s3(&mut env, "AWS", None)),
            "WASABI" => ProviderConfig::Wasabi(s3(&mut env, "WASABI", None)),
            "DIGITALOCEAN" => ProviderConfig::DigitalOcean(s3(
                &mut env,
                "DIGITALOCEAN",
                Some("DIGITALOCEAN_CDN_URL"),
            )),
            "CLOUDINARY" => {
                let cloud_name = env.required("CLOUDINARY_CLOUD_NAME");
                let api_key = env.required("CLOUDINARY_API_KEY");
                let api_secret = env.secret("CLOUDINARY_API_SECRET");
                let secure = env.boolean("CLOUDINARY_API_SECURE", true);
                let cdn_url = env.url("CLOUDINARY_CDN_URL");
                let upload_prefix = env.url("CLOUDINARY_UPLOAD_PREFIX");
                ProviderConfig::Cloudinary(CloudinaryConfig {
                    cloud_name,
                    api_key,
                    api_secret,
                    secure,
                    cdn_url,
                    upload_prefix,
                })
            }
            other => {
                env.problem(
                    "FILE_PROVIDER",
                    format!("unknown provider {other:?}: expected LOCAL, S3, WASABI, CLOUDINARY or DIGITALOCEAN"),
                );
                return Err(StorageConfigError(env.problems));
            }
        };
        env.problems.extend(config.problems());
        if env.problems.is_empty() {
            Ok(config)
        } else {
            // A field can be reported twice (missing from the environment, then empty): keep one.
            let mut seen = std::collections::HashSet::new();
            env.problems.retain(|p| seen.insert(p.name.clone()));
            Err(StorageConfigError(env.problems))
        }
    }

    /// Checks the values; every problem is returned, named by its environment variable.
    pub fn validate(&self) -> Result<(), StorageConfigError> {
        let p = self.problems();
        if p.is_empty() {
            Ok(())
        } else {
            Err(StorageConfigError(p))
        }
    }

    fn problems(&self) -> Vec<SettingProblem> {
        let mut out = Vec::new();
        let mut bad = |name: &str, message: String| {
            out.push(SettingProblem {
                name: name.into(),
                message,
            })
        };
        match self {
            ProviderConfig::Local(c) => {
                if c.url_secret.expose().len() < 32 {
                    bad(
                        "LOCAL_URL_SIGNING_SECRET",
                        "must be at least 32 bytes".into(),
                    );
                }
                if c.root.as_os_str().is_empty() {
                    bad("LOCAL_STORAGE_ROOT", "empty".into());
                }
            }
            ProviderConfig::S3(c) => s3_problems(c, "AWS", &mut bad),
            ProviderConfig::Wasabi(c) => s3_problems(c, "WASABI", &mut bad),
            ProviderConfig::DigitalOcean(c) => s3_problems(c, "DIGITALOCEAN", &mut bad),
            ProviderConfig::Cloudinary(c) => {
                if c.cloud_name.is_empty() {
                    bad("CLOUDINARY_CLOUD_NAME", "missing".into());
                } else if !c
                    .cloud_name
                    .chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_')
                {
                    bad(
                        "CLOUDINARY_CLOUD_NAME",
                        format!("{:?} has characters a cloud name cannot have", c.cloud_name),
                    );
                }
                if c.api_key.is_empty() {
                    bad("CLOUDINARY_API_KEY", "missing".into());
                }
                if c.api_secret.is_empty() {
                    bad("CLOUDINARY_API_SECRET", "missing".into());
                }
            }
        }
        out
    }

    /// The provider's name as `FILE_PROVIDER` spells it.
    pub fn name(&self) -> &'static str {
        match self {
            ProviderConfig::Local(_) => "LOCAL",
            ProviderConfig::S3(_) => "S3",
            ProviderConfig::Wasabi(_) => "WASABI",
            ProviderConfig::DigitalOcean(_) => "DIGITALOCEAN",
            ProviderConfig::Cloudinary(_) => "CLOUDINARY",
        }
    }

    /// The endpoint an S3-protocol provider talks to (its preset when none was configured):
    /// Wasabi `https://s3.<region>.wasabisys.com`, Spaces `https://<region>.digitaloceanspaces.com`,
    /// AWS `None` (the SDK's regional default).
    pub fn s3_endpoint(&self) -> Option<Url> {
        match self {
            ProviderConfig::S3(c) => c.endpoint.clone(),
            ProviderConfig::Wasabi(c) => c
                .endpoint
                .clone()
                .or_else(|| Url::parse(&format!("https://s3.{}.wasabisys.com", c.region)).ok()),
            ProviderConfig::DigitalOcean(c) => c.endpoint.clone().or_else(|| {
                Url::parse(&format!("https://{}.digitaloceanspaces.com", c.region)).ok()
            }),
            _ => None,
        }
    }
}

/// The name of an S3-family variable: `AWS_S3_BUCKET`, `WASABI_S3_FORCE_PATH_STYLE`, … The
/// endpoint is `AWS_S3_ENDPOINT` for AWS and `<PREFIX>_SERVICE_URL` for the others.
fn s3_var(prefix: &str, what: &str) -> String {
    match (prefix, what) {
        ("AWS", "ENDPOINT") => "AWS_S3_ENDPOINT".into(),
        (_, "ENDPOINT") => format!("{prefix}_SERVICE_URL"),
        (_, "BUCKET" | "FORCE_PATH_STYLE") => format!("{prefix}_S3_{what}"),
        _ => format!("{prefix}_{what}"),
    }
}

fn s3(env: &mut Env<'_>, prefix: &str, cdn: Option<&str>) -> S3Config {
    let access_key_id = env.required(&s3_var(prefix, "ACCESS_KEY_ID"));
    let secret_access_key = env.secret(&s3_var(prefix, "SECRET_ACCESS_KEY"));
    let region = env.required(&s3_var(prefix, "REGION"));
    let bucket = env.required(&s3_var(prefix, "BUCKET"));
    let endpoint = env.url(&s3_var(prefix, "ENDPOINT"));
    let force_path_style = env.boolean(&s3_var(prefix, "FORCE_PATH_STYLE"), false);
    let cdn_url = cdn.and_then(|c| env.url(c));
    S3Config {
        access_key_id,
        secret_access_key,
        region,
        bucket,
        endpoint,
        force_path_style,
        cdn_url,
    }
}

fn s3_problems(c: &S3Config, prefix: &str, bad: &mut dyn FnMut(&str, String)) {
    let (bucket, endpoint, path_style) = (
        s3_var(prefix, "BUCKET"),
        s3_var(prefix, "ENDPOINT"),
        s3_var(prefix, "FORCE_PATH_STYLE"),
    );
    if c.access_key_id.is_empty() {
        bad(&s3_var(prefix, "ACCESS_KEY_ID"), "missing".into());
    }
    if c.secret_access_key.is_empty() {
        bad(&s3_var(prefix, "SECRET_ACCESS_KEY"), "missing".into());
    }
    if c.region.is_empty() {
        bad(&s3_var(prefix, "REGION"), "missing".into());
    } else if !c
        .region
        .chars()
        .all(|ch| ch.is_ascii_alphanumeric() || ch == '-')
    {
        bad(
            &s3_var(prefix, "REGION"),
            format!("{:?} is not a region name", c.region),
        );
    }
    if c.bucket.is_empty() {
        bad(&bucket, "missing".into());
    } else if !valid_bucket(&c.bucket) {
        bad(
            &bucket,
            format!(
                "{:?} is not a valid bucket name (3-63 of a-z 0-9 . -)",
                c.bucket
            ),
        );
    }
    if let Some(e) = &c.endpoint {
        let ip = matches!(e.host(), Some(Host::Ipv4(_) | Host::Ipv6(_)));
        if ip && !c.force_path_style {
            bad(
                &path_style,
                format!(
                    "must be true for the IP-address endpoint {e} (a bucket cannot be a sub-domain of an IP)"
                ),
            );
        }
        if e.path() != "/" || e.query().is_some() {
            bad(
                &endpoint,
                format!("{e} must be a bare origin (no path or query)"),
            );
        }
    }
}

fn valid_bucket(b: &str) -> bool {
    (3..=63).contains(&b.len())
        && b.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-')
        && b.starts_with(|c: char| c.is_ascii_alphanumeric())
        && b.ends_with(|c: char| c.is_ascii_alphanumeric())
}

/// The storage settings were refused; every problem is listed, each by variable name.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid storage settings: {}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
pub struct StorageConfigError(pub Vec<SettingProblem>);

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn load(vars: &[(&str, &str)]) -> Result<ProviderConfig, StorageConfigError> {
        let m: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        ProviderConfig::from_lookup(&move |k| m.get(k).cloned())
    }

    fn names(e: &StorageConfigError) -> Vec<&str> {
        e.0.iter().map(|p| p.name.as_str()).collect()
    }

    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

    #[test]
    fn s3_from_env() {
        let c = load(&[
            ("FILE_PROVIDER", "s3"),
            ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
            ("AWS_SECRET_ACCESS_KEY", SECRET),
            ("AWS_REGION", "eu-central-1"),
            ("AWS_S3_BUCKET", "screens"),
            ("AWS_S3_ENDPOINT", "http://127.0.0.1:9000"),
            ("AWS_S3_FORCE_PATH_STYLE", "TRUE"),
        ])
        .unwrap();
        let ProviderConfig::S3(s) = &c else {
            panic!("{c:?}")
        };
        assert!(s.force_path_style);
        assert_eq!(
            s.endpoint.as_ref().unwrap().as_str(),
            "http://127.0.0.1:9000/"
        );
        let dbg = format!("{c:?}");
        assert!(
            !dbg.contains(SECRET) && dbg.contains("AKIDEXAMPLE"),
            "{dbg}"
        );
    }

    #[test]
    fn presets_for_wasabi_and_spaces() {
        let w = load(&[
            ("FILE_PROVIDER", "WASABI"),
            ("WASABI_ACCESS_KEY_ID", "k"),
            ("WASABI_SECRET_ACCESS_KEY", SECRET),
            ("WASABI_REGION", "eu-central-2"),
            ("WASABI_S3_BUCKET", "shots"),
        ])
        .unwrap();
        assert_eq!(
            w.s3_endpoint().unwrap().as_str(),
            "https://s3.eu-central-2.wasabisys.com/"
        );
        let d = load(&[
            ("FILE_PROVIDER", "DIGITALOCEAN"),
            ("DIGITALOCEAN_ACCESS_KEY_ID", "k"),
            ("DIGITALOCEAN_SECRET_ACCESS_KEY", SECRET),
            ("DIGITALOCEAN_REGION", "nyc3"),
            ("DIGITALOCEAN_S3_BUCKET", "shots"),
            (
                "DIGITALOCEAN_CDN_URL",
                "https://shots.nyc3.cdn.digitaloceanspaces.com",
            ),
        ])
        .unwrap();
        assert_eq!(
            d.s3_endpoint().unwrap().as_str(),
            "https://nyc3.digitaloceanspaces.com/"
        );
        let ProviderConfig::DigitalOcean(s) = d else {
            panic!()
        };
        assert_eq!(
            s.cdn_url.unwrap().host_str(),
            Some("shots.nyc3.cdn.digitaloceanspaces.com")
        );
    }

    #[test]
    fn every_problem_is_listed_by_name_without_secrets() {
        let e = load(&[
            ("FILE_PROVIDER", "S3"),
            ("AWS_SECRET_ACCESS_KEY", SECRET),
            ("AWS_S3_ENDPOINT", "http://10.0.0.5:9000"),
            ("AWS_S3_FORCE_PATH_STYLE", "maybe"),
        ])
        .unwrap_err();
        assert_eq!(
            names(&e),
            [
                "AWS_ACCESS_KEY_ID",
                "AWS_REGION",
                "AWS_S3_BUCKET",
                "AWS_S3_FORCE_PATH_STYLE"
            ]
        );
        assert!(!e.to_string().contains(SECRET));
        assert!(e.to_string().contains("maybe"));
    }

    #[test]
    fn bad_inputs() {
        let e = load(&[("FILE_PROVIDER", "FTP")]).unwrap_err();
        assert_eq!(names(&e), ["FILE_PROVIDER"]);
        let e = load(&[
            ("FILE_PROVIDER", "S3"),
            ("AWS_ACCESS_KEY_ID", "k"),
            ("AWS_SECRET_ACCESS_KEY", SECRET),
            ("AWS_REGION", "us-east-1"),
            ("AWS_S3_BUCKET", "Bad_Bucket"),
            ("AWS_S3_ENDPOINT", "not a url"),
        ])
        .unwrap_err();
        assert_eq!(names(&e), ["AWS_S3_ENDPOINT", "AWS_S3_BUCKET"]);
        let e = load(&[
            ("FILE_PROVIDER", "LOCAL"),
            ("LOCAL_URL_SIGNING_SECRET", "short"),
        ])
        .unwrap_err();
        assert_eq!(names(&e), ["LOCAL_URL_SIGNING_SECRET"]);
        let e = load(&[
            ("FILE_PROVIDER", "CLOUDINARY"),
            ("CLOUDINARY_API_SECURE", "nope"),
        ])
        .unwrap_err();
        assert_eq!(
            names(&e),
            [
                "CLOUDINARY_CLOUD_NAME",
                "CLOUDINARY_API_KEY",
                "CLOUDINARY_API_SECRET",
                "CLOUDINARY_API_SECURE"
            ]
        );
    }

    #[test]
    fn booleans() {
        for (v, b) in [
            ("true", true),
            ("1", true),
            ("Yes", true),
            ("ON", true),
            ("false", false),
            ("0", false),
            ("no", false),
        ] {
            assert_eq!(parse_bool(v), Some(b));
        }
        assert_eq!(parse_bool("2"), None);
    }
}
