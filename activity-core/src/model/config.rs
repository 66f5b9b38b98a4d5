//! The configuration: every setting, its default, loading and validation.
//!
//! One [`Config`] holds every setting. It loads from JSON or TOML with the snake_case names below
//! and also accepts the camelCase spelling of every top-level name (`screenshotFrequency`,
//! `randomScreenshot`, `isScreenshotEnabled`, `allowScreenshotCapture`, `trackAllDisplays`, …),
//! which products such as Ever Gauzy already store. Giving both spellings of one setting is an
//! error, and so is any name the library does not know: a typo must not silently fall back to a
//! default.
//!
//! Loading reports **every** problem at once, each naming its field: values of the wrong type,
//! unknown names, and values out of range ([`Config::validate`]).
//!
//! ```
//! use activity_core::Config;
//!
//! let cfg = Config::from_json_str(r#"{"screenshotFrequency": 5, "blur": {"enabled": true}}"#).unwrap();
//! assert_eq!(cfg.screenshot_frequency.as_seconds(), 300);
//! assert!(cfg.blur.enabled);
//!
//! let err = Config::from_toml_str("screenshot_frequency = 0\nslot_seconds = 700").unwrap_err();
//! let fields: Vec<&str> = err.problems().iter().map(|p| p.field.as_str()).collect();
//! assert_eq!(fields, ["screenshot_frequency", "slot_seconds"]);
//! ```

use std::fmt;
use std::path::Path;

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize, Serializer};

use crate::model::exclusion::ExclusionRules;
pub use crate::model::exclusion::Exclusions;

/// Seconds in a day; a slot length must divide it so that slots align with midnight UTC.
pub const SECONDS_PER_DAY: u32 = 86_400;
/// The shortest slot a configuration may ask for.
pub const MIN_SLOT_SECONDS: u32 = 60;
/// The longest slot a configuration may ask for (the per-second maps are sized by it).
pub const MAX_SLOT_SECONDS: u32 = 3_600;
/// Expected input events per second of tracked time at 100 % activity, when
/// [`Config::max_expected_events`] is not set: 1 200 events for a 600-second slot.
pub const DEFAULT_EXPECTED_EVENTS_PER_SECOND: u32 = 2;

/// Every setting of the library, with its default.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Time between screenshots: a number of minutes (`10`, as Ever Gauzy's `screenshotFrequency`)
    /// or a string with a unit (`"20s"`, `"10m"`); 5 s ..= 60 min. Default 10 minutes: one
    /// screenshot per 10-minute slot. Seconds exist for demos and tests.
    pub screenshot_frequency: Frequency,
    /// Take each screenshot at a uniformly random instant inside its interval instead of at the
    /// interval's start. Default `false`.
    pub random_screenshot: bool,
    /// Seed for the random screenshot instants; `None` (default) lets the runtime pick one.
    /// Set it to make a schedule reproducible.
    pub screenshot_seed: Option<u64>,
    /// The employee's switch: screenshots are taken only when this and
    /// [`allow_screenshot_capture`](Self::allow_screenshot_capture) are both true. Default `true`.
    pub is_screenshot_enabled: bool,
    /// The organisation's switch, see [`is_screenshot_enabled`](Self::is_screenshot_enabled).
    /// Default `true`.
    pub allow_screenshot_capture: bool,
    /// The privacy blur applied before a screenshot is encoded. Default: off.
    pub blur: BlurConfig,
    /// Long side of screenshot thumbnails in pixels, 16..=4096. Default 320.
    pub thumbnail_size: u32,
    /// Encoding of screenshots and thumbnails. Default JPEG.
    pub image_format: ImageFormat,
    /// Encoder quality 1..=100 (JPEG and WebP; ignored by PNG). Default 80.
    pub image_quality: u8,
    /// Capture every monitor (`true`, default) or only the one under the pointer.
    pub track_all_displays: bool,
    /// Record which application and window title has the focus. Default `true`.
    pub track_applications: bool,
    /// Record the URLs of the active browser tab (needs a URL source). Default `true`.
    pub track_urls: bool,
    /// Count keyboard and mouse events for the activity levels. Default `true`. Off, slots have
    /// no counts, no activity % and no active seconds from input (the counts are absent, not 0).
    pub track_input: bool,
    /// Whether the input reaching the tracker can be counted. Default `true`. Set `false` when
    /// the product's own hooks report only *presence* (`record_input(Presence)`, e.g. from a
    /// desktop's idle signal): slots then carry no key/mouse counts and no activity % (unknown,
    /// not zero), only active seconds. The built-in Wayland idle backends imply it.
    pub count_input_events: bool,
    /// Length of a time slot in seconds: 60..=3600 and a divisor of 86 400 so slots align with
    /// midnight UTC. Default 600.
    pub slot_seconds: u32,
    /// Input events in a fully tracked slot that count as 100 % activity. Default (`None`):
    /// [`DEFAULT_EXPECTED_EVENTS_PER_SECOND`] × `slot_seconds`, i.e. 1 200 for 600-second slots.
    /// See [`Config::expected_events_per_slot`].
    pub max_expected_events: Option<u32>,
    /// No input for this long makes the user idle; no time goes to applications while idle.
    /// Seconds, or a string such as `"300s"`, `"5m"`, `"1h"`; 1 s ..= 24 h. Default 5 minutes.
    pub idle_after: Seconds,
    /// Window and URL samples of the same window merge into one record while they arrive at most
    /// this far apart; a longer gap ends the record at the last sample. Seconds or a string like
    /// `idle_after`; 1 s ..= 1 h. Default 5 s (the window is polled every second).
    pub heartbeat_timeout: Seconds,
    /// Strip query strings and fragments from recorded URLs. Default `true`.
    pub strip_url_query: bool,
    /// Applications, titles and URLs that are never recorded.
    pub exclusions: Exclusions,
    /// The review window: how long a screenshot stays on the employee's machine before its
    /// upload starts (`"10m"`, `600`). Deleted inside it, it never leaves the machine.
    /// Default 0 (upload at once).
    pub upload_delay: Seconds,
    /// What happens to time the user was away ([`IdlePolicy`](crate::model::idle::IdlePolicy)): `None` (default) keeps today's
    /// behaviour, idle time counted as tracked, inactive seconds; set, an idle period of
    /// `threshold` asks for a decision (keep, discard, reassign) or applies the policy's.
    pub idle_policy: Option<crate::model::idle::IdlePolicy>,
    /// How long each kind of data is kept ([`RetentionPolicy`](crate::model::retention::RetentionPolicy));
    /// `None` (default): for ever. Set, a running tracker purges once at start and then daily.
    pub retention: Option<crate::model::retention::RetentionPolicy>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            screenshot_frequency: Frequency::minutes(10),
            random_screenshot: false,
            screenshot_seed: None,
            is_screenshot_enabled: true,
            allow_screenshot_capture: true,
            blur: BlurConfig::default(),
            thumbnail_size: 320,
            image_format: ImageFormat::Jpeg,
            image_quality: 80,
            track_all_displays: true,
            track_applications: true,
            track_urls: true,
            track_input: true,
            count_input_events: true,
            slot_seconds: 600,
            max_expected_events: None,
            idle_after: Seconds(300),
            heartbeat_timeout: Seconds(5),
            strip_url_query: true,
            exclusions: Exclusions::default(),
            upload_delay: Seconds(0),
            idle_policy: None,
            retention: None,
        }
    }
}

/// The privacy blur.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BlurConfig {
    /// Blur every screenshot before it is encoded. Default `false`.
    pub enabled: bool,
    /// Strength as the standard deviation, in pixels, of the Gaussian the blur is equivalent to;
    /// 1..=64. Default 12, enough to make interface text up to 32 px unreadable.
    pub strength: f32,
}

impl Default for BlurConfig {
    fn default() -> Self {
        BlurConfig {
            enabled: false,
            strength: 12.0,
        }
    }
}

/// Image encoding of stored screenshots.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum ImageFormat {
    /// JPEG (`"jpeg"`, also `"jpg"`).
    #[serde(alias = "jpg")]
    Jpeg,
    /// PNG, lossless (`"png"`).
    Png,
    /// WebP (`"webp"`).
    Webp,
}

impl std::str::FromStr for ImageFormat {
    type Err = String;

    /// `jpeg`/`jpg`, `png` or `webp`, any case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "jpeg" | "jpg" => Ok(ImageFormat::Jpeg),
            "png" => Ok(ImageFormat::Png),
            "webp" => Ok(ImageFormat::Webp),
            _ => Err(format!(
                "unsupported image format {s:?}: expected jpeg, png or webp"
            )),
        }
    }
}

impl ImageFormat {
    /// The file extension, without a dot.
    pub fn extension(self) -> &'static str {
        match self {
            ImageFormat::Jpeg => "jpg",
            ImageFormat::Png => "png",
            ImageFormat::Webp => "webp",
        }
    }
}

/// A whole number of seconds; deserialises from a number (`300`) or a string with a unit
/// (`"300s"`, `"5m"`, `"1h"`); serialises as a number.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Seconds(pub u32);

impl Seconds {
    /// The value in milliseconds.
    pub const fn as_millis(self) -> i64 {
        self.0 as i64 * 1000
    }
}

impl Serialize for Seconds {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u32(self.0)
    }
}

impl<'de> Deserialize<'de> for Seconds {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(DurationVisitor {
            expecting: "a number of seconds or a string such as \"90s\", \"5m\" or \"1h\"",
            number: |n| Some(Seconds(n)),
            text: |t| parse_seconds(t).map(Seconds),
        })
    }
}

/// Deserialises a duration setting from a number (in the setting's own unit) or a string.
struct DurationVisitor<T> {
    expecting: &'static str,
    number: fn(u32) -> Option<T>,
    text: fn(&str) -> Option<T>,
}

impl<T> de::Visitor<'_> for DurationVisitor<T> {
    type Value = T;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.expecting)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
        u32::try_from(v)
            .ok()
            .and_then(self.number)
            .ok_or_else(|| E::invalid_value(de::Unexpected::Unsigned(v), &self))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
        u64::try_from(v)
            .map_err(|_| E::invalid_value(de::Unexpected::Signed(v), &self))
            .and_then(|v| self.visit_u64(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        (self.text)(v).ok_or_else(|| E::invalid_value(de::Unexpected::Str(v), &self))
    }
}

/// The time between screenshots. Deserialises from a number of minutes (`10`) or a string: plain
/// digits are minutes too (`"10"`), a unit makes it explicit (`"20s"`, `"10m"`, `"1h"`).
/// Serialises as a number of minutes when whole, else as `"<n>s"`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Frequency(u32);

impl Frequency {
    /// The shortest allowed frequency, in seconds.
    pub const MIN_SECONDS: u32 = 5;
    /// The longest allowed frequency, in seconds (one hour).
    pub const MAX_SECONDS: u32 = 3_600;

    /// `n` minutes.
    pub const fn minutes(n: u32) -> Frequency {
        Frequency(n.saturating_mul(60))
    }

    /// `n` seconds.
    pub const fn seconds(n: u32) -> Frequency {
        Frequency(n)
    }

    /// The frequency in seconds.
    pub const fn as_seconds(self) -> u32 {
        self.0
    }

    /// Parses like the deserialiser: plain digits are minutes, `s`/`m`/`h` units are honoured.
    pub fn parse(text: &str) -> Option<Frequency> {
        let t = text.trim();
        if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
            return t.parse::<u32>().ok()?.checked_mul(60).map(Frequency);
        }
        parse_seconds(t).map(Frequency)
    }
}

impl fmt::Display for Frequency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_multiple_of(60) {
            write!(f, "{} min", self.0 / 60)
        } else {
            write!(f, "{} s", self.0)
        }
    }
}

impl Serialize for Frequency {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.0.is_multiple_of(60) {
            s.serialize_u32(self.0 / 60)
        } else {
            s.serialize_str(&format!("{}s", self.0))
        }
    }
}

impl<'de> Deserialize<'de> for Frequency {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(DurationVisitor {
            expecting: "a number of minutes or a string such as \"20s\" or \"10m\"",
            number: |m| m.checked_mul(60).map(Frequency),
            text: Frequency::parse,
        })
    }
}

/// Parses `"90"`, `"90s"`, `"5m"`, `"2h"`, `"60d"` (surrounding spaces allowed) into seconds.
pub fn parse_seconds(text: &str) -> Option<u32> {
    let t = text.trim();
    let (digits, unit) = match t.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => t.split_at(i),
        None => (t, ""),
    };
    let n: u32 = digits.parse().ok()?;
    let mult = match unit.trim() {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return None,
    };
    n.checked_mul(mult)
}

/// One thing wrong with a configuration, naming the field (`blur.strength`,
/// `exclusions.titles[2]`, …).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldProblem {
    /// The field at fault, as a path of snake_case names.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl fmt::Display for FieldProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// Why a configuration was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The document is not valid JSON/TOML, or its top level is not a table/object.
    #[error("configuration is not valid {format}: {message}")]
    Syntax {
        /// `"JSON"` or `"TOML"`.
        format: &'static str,
        /// The parser's message, with line and column where it gives them.
        message: String,
    },
    /// The file could not be read.
    #[error("cannot read configuration file {path}: {message}")]
    Io {
        /// The file.
        path: String,
        /// The operating system's message.
        message: String,
    },
    /// One or more fields are wrong; every problem found is listed.
    #[error("invalid configuration: {}", join_problems(.0))]
    Invalid(Vec<FieldProblem>),
}

fn join_problems(p: &[FieldProblem]) -> String {
    p.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

impl ConfigError {
    /// The error of named field problems (`(field, what is wrong)`), as the parts of the
    /// configuration that can change at run time (idle and retention policies) report them.
    pub fn from_problems(problems: Vec<(&str, String)>) -> ConfigError {
        ConfigError::Invalid(
            problems
                .into_iter()
                .map(|(field, message)| FieldProblem {
                    field: field.into(),
                    message,
                })
                .collect(),
        )
    }

    /// The field problems (empty for syntax and I/O errors).
    pub fn problems(&self) -> &[FieldProblem] {
        match self {
            ConfigError::Invalid(p) => p,
            _ => &[],
        }
    }
}

impl Config {
    /// Loads and validates a JSON document.
    pub fn from_json_str(text: &str) -> Result<Config, ConfigError> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| ConfigError::Syntax {
                format: "JSON",
                message: e.to_string(),
            })?;
        Self::from_value(value, "JSON")
    }

    /// Loads and validates a TOML document.
    pub fn from_toml_str(text: &str) -> Result<Config, ConfigError> {
        let value: serde_json::Value = toml::from_str(text).map_err(|e| ConfigError::Syntax {
            format: "TOML",
            message: e.to_string().trim_end().to_string(),
        })?;
        Self::from_value(value, "TOML")
    }

    /// Loads and validates a file: TOML when its name ends in `.toml`, JSON otherwise.
    pub fn from_path(path: impl AsRef<Path>) -> Result<Config, ConfigError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Io {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("toml"))
        {
            Self::from_toml_str(&text)
        } else {
            Self::from_json_str(&text)
        }
    }

    /// Builds a configuration from an already parsed document, reporting every problem.
    fn from_value(value: serde_json::Value, format: &'static str) -> Result<Config, ConfigError> {
        let serde_json::Value::Object(input) = value else {
            return Err(ConfigError::Syntax {
                format,
                message: "the top level must be a table of settings".into(),
            });
        };
        let mut problems = Vec::new();
        let known = known_fields();
        let mut map = serde_json::Map::new();
        for (key, v) in input {
            let canonical = if known.contains(&key) {
                key.clone()
            } else if let Some(snake) = camel_to_snake(&key).filter(|s| known.contains(s)) {
                snake
            } else {
                problems.push(FieldProblem {
                    field: key.clone(),
                    message: "unknown setting".into(),
                });
                continue;
            };
            if map.contains_key(&canonical) {
                problems.push(FieldProblem {
                    field: canonical.clone(),
                    message: format!("given twice (as `{canonical}` and its camelCase spelling)"),
                });
                continue;
            }
            map.insert(canonical, v);
        }
        // Deserialise; on a type error, note it, drop that top-level setting (it keeps its
        // default) and try again, so that every wrong field is reported, not only the first.
        let config = loop {
            let attempt: Result<Config, _> =
                serde_path_to_error::deserialize(serde_json::Value::Object(map.clone()));
            match attempt {
                Ok(c) => break c,
                Err(e) => {
                    let path = e.path().to_string();
                    let top = path.split(['.', '[']).next().unwrap_or("").to_string();
                    problems.push(FieldProblem {
                        field: path,
                        message: e.into_inner().to_string(),
                    });
                    if map.remove(&top).is_none() {
                        // Not attributable to one setting: nothing more can be learnt.
                        return Err(ConfigError::Invalid(problems));
                    }
                }
            }
        };
        // Range checks. A setting that failed to parse was removed above and holds its (valid)
        // default, so it is not reported twice.
        problems.extend(config.problems());
        if problems.is_empty() {
            Ok(config)
        } else {
            Err(ConfigError::Invalid(problems))
        }
    }

    /// Checks every value against its allowed range; returns all problems at once.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let p = self.problems();
        if p.is_empty() {
            Ok(())
        } else {
            Err(ConfigError::Invalid(p))
        }
    }

    fn problems(&self) -> Vec<FieldProblem> {
        let mut p = Vec::new();
        let mut bad = |field: &str, message: String| {
            p.push(FieldProblem {
                field: field.into(),
                message,
            })
        };
        let f = self.screenshot_frequency.as_seconds();
        if !(Frequency::MIN_SECONDS..=Frequency::MAX_SECONDS).contains(&f) {
            bad(
                "screenshot_frequency",
                format!(
                    "must be 5 s ..= 60 minutes, got {}",
                    self.screenshot_frequency
                ),
            );
        }
        let s = self.blur.strength;
        if !(s.is_finite() && (1.0..=64.0).contains(&s)) {
            bad("blur.strength", format!("must be 1..=64 pixels, got {s}"));
        }
        if !(16..=4096).contains(&self.thumbnail_size) {
            bad(
                "thumbnail_size",
                format!("must be 16..=4096 pixels, got {}", self.thumbnail_size),
            );
        }
        if !(1..=100).contains(&self.image_quality) {
            bad(
                "image_quality",
                format!("must be 1..=100, got {}", self.image_quality),
            );
        }
        let l = self.slot_seconds;
        if !(MIN_SLOT_SECONDS..=MAX_SLOT_SECONDS).contains(&l) || !SECONDS_PER_DAY.is_multiple_of(l)
        {
            bad(
                "slot_seconds",
                format!(
                    "must divide a day (86400 s) and lie in {MIN_SLOT_SECONDS}..={MAX_SLOT_SECONDS}, got {l}"
                ),
            );
        }
        if self.max_expected_events == Some(0) {
            bad("max_expected_events", "must be at least 1, got 0".into());
        }
        if !(1..=SECONDS_PER_DAY).contains(&self.idle_after.0) {
            bad(
                "idle_after",
                format!("must be 1 s ..= 24 h, got {} s", self.idle_after.0),
            );
        }
        if !(1..=3600).contains(&self.heartbeat_timeout.0) {
            bad(
                "heartbeat_timeout",
                format!("must be 1 s ..= 1 h, got {} s", self.heartbeat_timeout.0),
            );
        }
        if let Some(policy) = &self.idle_policy {
            for (field, message) in policy.problems() {
                bad(field, message);
            }
        }
        if let Some(policy) = &self.retention {
            for (field, message) in policy.problems() {
                bad(field, message);
            }
        }
        if let Err(errs) = ExclusionRules::compile(&self.exclusions) {
            p.extend(errs.into_iter().map(|e| FieldProblem {
                field: e.field,
                message: e.message,
            }));
        }
        p
    }

    /// The number of input events that makes a fully tracked slot 100 % active:
    /// [`max_expected_events`](Self::max_expected_events), or its default.
    pub fn expected_events_per_slot(&self) -> u32 {
        self.max_expected_events.unwrap_or_else(|| {
            self.slot_seconds
                .saturating_mul(DEFAULT_EXPECTED_EVENTS_PER_SECOND)
        })
    }

    /// [`expected_events_per_slot`](Self::expected_events_per_slot) scaled to a slot of
    /// `slot_seconds` (records written with another slot length), at least 1.
    pub fn expected_events_for(&self, slot_seconds: u32) -> u32 {
        if slot_seconds == self.slot_seconds {
            return self.expected_events_per_slot();
        }
        let scaled = u64::from(self.expected_events_per_slot()) * u64::from(slot_seconds)
            / u64::from(self.slot_seconds.max(1));
        u32::try_from(scaled).unwrap_or(u32::MAX).max(1)
    }

    /// Whether both the employee's and the organisation's switches allow screenshots.
    pub fn screenshots_allowed(&self) -> bool {
        self.is_screenshot_enabled && self.allow_screenshot_capture
    }
}

/// The snake_case names of the top-level settings, taken from the serialised default so the list
/// cannot drift from the struct.
fn known_fields() -> Vec<String> {
    match serde_json::to_value(Config::default()) {
        Ok(serde_json::Value::Object(m)) => m.keys().cloned().collect(),
        _ => Vec::new(),
    }
}

/// `screenshotFrequency` → `screenshot_frequency`; `None` when the name has no capital letter
/// (it is not camelCase) or contains an underscore already.
fn camel_to_snake(name: &str) -> Option<String> {
    if !name.chars().any(|c| c.is_ascii_uppercase()) || name.contains('_') {
        return None;
    }
    let mut out = String::with_capacity(name.len() + 4);
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_documented_ones() {
        let c = Config::default();
        assert_eq!(c.screenshot_frequency, Frequency::minutes(10));
        assert!(!c.random_screenshot);
        assert!(c.is_screenshot_enabled && c.allow_screenshot_capture);
        assert!(!c.blur.enabled);
        assert_eq!(c.thumbnail_size, 320);
        assert_eq!(c.image_format, ImageFormat::Jpeg);
        assert_eq!(c.image_quality, 80);
        assert!(c.track_all_displays && c.track_applications && c.track_urls && c.track_input);
        assert_eq!(c.slot_seconds, 600);
        assert_eq!(c.expected_events_per_slot(), 1200);
        assert_eq!(c.idle_after, Seconds(300));
        assert!(c.strip_url_query);
        c.validate().unwrap();
    }

    #[test]
    fn empty_documents_give_the_defaults() {
        assert_eq!(Config::from_json_str("{}").unwrap(), Config::default());
        assert_eq!(Config::from_toml_str("").unwrap(), Config::default());
    }

    #[test]
    fn camel_case_names_products_use_are_accepted() {
        let c = Config::from_json_str(
            r#"{"screenshotFrequency": 5, "randomScreenshot": true, "isScreenshotEnabled": false,
                "allowScreenshotCapture": false, "trackAllDisplays": false, "idleAfter": "2m"}"#,
        )
        .unwrap();
        assert_eq!(c.screenshot_frequency, Frequency::minutes(5));
        assert!(c.random_screenshot);
        assert!(!c.is_screenshot_enabled && !c.allow_screenshot_capture && !c.track_all_displays);
        assert_eq!(c.idle_after, Seconds(120));
    }

    #[test]
    fn toml_with_nested_tables() {
        let c = Config::from_toml_str(
            "slot_seconds = 300\nidle_after = \"90s\"\n[blur]\nenabled = true\nstrength = 20\n\
             [exclusions]\napplications = [\"^keepassxc$\"]\n",
        )
        .unwrap();
        assert_eq!(c.slot_seconds, 300);
        assert_eq!(c.expected_events_per_slot(), 600);
        assert_eq!(c.idle_after, Seconds(90));
        assert!(c.blur.enabled);
        assert_eq!(c.blur.strength, 20.0);
        assert_eq!(c.exclusions.applications, ["^keepassxc$"]);
    }

    #[test]
    fn round_trips_through_json() {
        let c = Config {
            screenshot_seed: Some(7),
            max_expected_events: Some(900),
            ..Config::default()
        };
        let text = serde_json::to_string(&c).unwrap();
        assert_eq!(Config::from_json_str(&text).unwrap(), c);
    }

    #[test]
    fn seconds_parse() {
        assert_eq!(parse_seconds("90"), Some(90));
        assert_eq!(parse_seconds(" 5m "), Some(300));
        assert_eq!(parse_seconds("2h"), Some(7200));
        assert_eq!(parse_seconds("5 m"), Some(300));
        assert_eq!(parse_seconds("m"), None);
        assert_eq!(parse_seconds("5d"), Some(432_000));
        assert_eq!(parse_seconds("5w"), None);
        assert_eq!(parse_seconds("-5s"), None);
    }
}
