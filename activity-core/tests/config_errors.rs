//! Table-driven: every bad configuration is refused with an error naming the field at fault.

use activity_core::Config;
use activity_core::model::config::ConfigError;

/// (format, document, fields that must be named — in order)
const CASES: &[(&str, &str, &[&str])] = &[
    (
        "json",
        r#"{"screenshot_frequency": 0}"#,
        &["screenshot_frequency"],
    ),
    (
        "json",
        r#"{"screenshotFrequency": 61}"#,
        &["screenshot_frequency"],
    ),
    (
        "toml",
        "screenshot_frequency = -5",
        &["screenshot_frequency"],
    ),
    (
        "json",
        r#"{"screenshot_frequency": "ten"}"#,
        &["screenshot_frequency"],
    ),
    (
        "json",
        r#"{"screenshot_frequency": "4s"}"#,
        &["screenshot_frequency"],
    ),
    (
        "toml",
        "screenshot_frequency = \"2h\"",
        &["screenshot_frequency"],
    ),
    ("json", r#"{"slot_seconds": 700}"#, &["slot_seconds"]),
    ("json", r#"{"slot_seconds": 30}"#, &["slot_seconds"]),
    ("toml", "slot_seconds = 7200", &["slot_seconds"]),
    (
        "json",
        r#"{"max_expected_events": 0}"#,
        &["max_expected_events"],
    ),
    (
        "json",
        r#"{"exclusions": {"titles": ["ok", "(unclosed"]}}"#,
        &["exclusions.titles[1]"],
    ),
    (
        "toml",
        "[exclusions]\napplications = [\"[a-\"]",
        &["exclusions.applications[0]"],
    ),
    ("json", r#"{"blur": {"strength": 0}}"#, &["blur.strength"]),
    ("json", r#"{"blur": {"radius": 3}}"#, &["blur.radius"]),
    ("json", r#"{"image_quality": 0}"#, &["image_quality"]),
    ("json", r#"{"image_quality": 101}"#, &["image_quality"]),
    ("json", r#"{"image_format": "gif"}"#, &["image_format"]),
    ("json", r#"{"thumbnail_size": 8}"#, &["thumbnail_size"]),
    ("json", r#"{"idle_after": "5 parsecs"}"#, &["idle_after"]),
    ("json", r#"{"idle_after": 0}"#, &["idle_after"]),
    (
        "json",
        r#"{"heartbeat_timeout": "2h"}"#,
        &["heartbeat_timeout"],
    ),
    (
        "json",
        r#"{"random_screenshot": "yes"}"#,
        &["random_screenshot"],
    ),
    (
        "json",
        r#"{"isScreenshotEnabled": 1}"#,
        &["is_screenshot_enabled"],
    ),
    (
        "json",
        r#"{"screenshot_frequncy": 5}"#,
        &["screenshot_frequncy"],
    ),
    (
        "json",
        r#"{"trackAllDisplays": true, "track_all_displays": false}"#,
        &["track_all_displays"],
    ),
    (
        "toml",
        "screenshot_frequency = 0\nslot_seconds = 601\nimage_quality = 0\nbogus = 1",
        &[
            "bogus",
            "screenshot_frequency",
            "image_quality",
            "slot_seconds",
        ],
    ),
];

fn load(format: &str, doc: &str) -> Result<Config, ConfigError> {
    match format {
        "json" => Config::from_json_str(doc),
        _ => Config::from_toml_str(doc),
    }
}

#[test]
fn every_bad_configuration_names_its_fields() {
    assert!(CASES.len() >= 15);
    for (format, doc, fields) in CASES {
        let err = match load(format, doc) {
            Ok(c) => panic!("{format} {doc:?} was accepted as {c:?}"),
            Err(e) => e,
        };
        let named: Vec<&str> = err.problems().iter().map(|p| p.field.as_str()).collect();
        assert_eq!(&named, fields, "{format} {doc:?}: {err}");
        for f in *fields {
            assert!(
                err.to_string().contains(f),
                "message {err} does not name {f}"
            );
        }
    }
}

#[test]
fn syntax_errors_say_which_format() {
    let e = Config::from_json_str("{ not json").unwrap_err();
    assert!(
        matches!(e, ConfigError::Syntax { format: "JSON", .. }),
        "{e}"
    );
    let e = Config::from_toml_str("a = = 1").unwrap_err();
    assert!(
        matches!(e, ConfigError::Syntax { format: "TOML", .. }),
        "{e}"
    );
    let e = Config::from_json_str("[1, 2]").unwrap_err();
    assert!(e.to_string().contains("top level"), "{e}");
}

#[test]
fn files_load_by_extension_and_missing_files_name_the_path() {
    let dir = std::env::temp_dir().join(format!("ac-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let toml = dir.join("settings.toml");
    std::fs::write(&toml, "screenshot_frequency = 5\n").unwrap();
    assert_eq!(
        Config::from_path(&toml)
            .unwrap()
            .screenshot_frequency
            .as_seconds(),
        300
    );
    let json = dir.join("settings.json");
    std::fs::write(&json, r#"{"screenshotFrequency": 15}"#).unwrap();
    assert_eq!(
        Config::from_path(&json)
            .unwrap()
            .screenshot_frequency
            .as_seconds(),
        900
    );
    let missing = dir.join("nope.json");
    let e = Config::from_path(&missing).unwrap_err();
    assert!(e.to_string().contains("nope.json"), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn frequency_accepts_minutes_and_units() {
    use activity_core::model::config::Frequency;
    for (doc, seconds) in [
        (r#"{"screenshot_frequency": 10}"#, 600),
        (r#"{"screenshot_frequency": "10"}"#, 600),
        (r#"{"screenshotFrequency": "20s"}"#, 20),
        (r#"{"screenshot_frequency": "1h"}"#, 3600),
    ] {
        let c = Config::from_json_str(doc).unwrap();
        assert_eq!(c.screenshot_frequency, Frequency::seconds(seconds), "{doc}");
        // Round trip: whole minutes serialise as a number, seconds as a string.
        let back = Config::from_json_str(&serde_json::to_string(&c).unwrap()).unwrap();
        assert_eq!(back.screenshot_frequency, c.screenshot_frequency);
    }
}
