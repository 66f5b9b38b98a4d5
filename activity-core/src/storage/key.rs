//! Object keys: where a screenshot is stored, sanitised so that no key can escape its root.
//!
//! `screenshots/YYYY/MM/DD/<employee>/<slot HHMM>/<id>.<ext>` for the full image and
//! `…/<id>-thumb.<ext>` for its thumbnail; the date and slot time are the slot start in UTC.
//! Every component supplied by a caller (employee, id) is sanitised: letters, digits, `-`, `_`
//! and `.` are kept, anything else becomes `_`, leading dots are dropped (no `.`/`..`/hidden
//! names), and the result is at most 64 bytes; an empty result becomes `_`.
//!
//! [`validate_key`] is applied by every backend to every key it is given: a key that is empty,
//! absolute, contains `\`, a control character, an empty segment or a `.`/`..` segment is refused,
//! so no key can reach outside the storage root.

use crate::clock::Timestamp;
use crate::model::config::ImageFormat;
use crate::storage::StorageError;

/// Longest sanitised component.
pub const MAX_COMPONENT: usize = 64;
/// Longest key accepted.
pub const MAX_KEY: usize = 1024;

/// Makes a caller-supplied string safe as one key component.
///
/// ```
/// use activity_core::storage::key::sanitize_component;
/// assert_eq!(sanitize_component("../../etc/passwd"), "etc_passwd");
/// assert_eq!(sanitize_component("Jane Doe <jane@x.org>"), "Jane_Doe__jane_x.org_");
/// assert_eq!(sanitize_component(""), "_");
/// ```
pub fn sanitize_component(s: &str) -> String {
    let mapped: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    // Path separators became `_`; collapse the `_` runs they leave at the start, drop leading dots.
    let trimmed = mapped.trim_start_matches(['.', '_']);
    let mut out: String = trimmed.chars().take(MAX_COMPONENT).collect();
    if out.is_empty() {
        out.push('_');
    }
    out
}

/// The full and thumbnail keys of a screenshot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScreenshotKeys {
    /// Key of the full-size image.
    pub full: String,
    /// Key of the thumbnail.
    pub thumbnail: String,
}

/// The keys of screenshot `id` of `employee`, taken in the slot starting at `slot_start`.
pub fn screenshot_keys(
    slot_start: Timestamp,
    employee: &str,
    id: &str,
    format: ImageFormat,
) -> Result<ScreenshotKeys, StorageError> {
    let t = slot_start
        .to_utc()
        .ok_or_else(|| StorageError::InvalidKey {
            key: slot_start.to_string(),
            reason: "slot start outside the calendar".into(),
        })?;
    let dir = format!(
        "screenshots/{:04}/{:02}/{:02}/{}/{:02}{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        sanitize_component(employee),
        t.hour(),
        t.minute()
    );
    let id = sanitize_component(id);
    let ext = format.extension();
    let keys = ScreenshotKeys {
        full: format!("{dir}/{id}.{ext}"),
        thumbnail: format!("{dir}/{id}-thumb.{ext}"),
    };
    validate_key(&keys.full)?;
    validate_key(&keys.thumbnail)?;
    Ok(keys)
}

/// Refuses keys that could escape the storage root or that no backend can store.
pub fn validate_key(key: &str) -> Result<(), StorageError> {
    let bad = |reason: &str| {
        Err(StorageError::InvalidKey {
            key: key.chars().take(200).collect(),
            reason: reason.into(),
        })
    };
    if key.is_empty() {
        return bad("empty");
    }
    if key.len() > MAX_KEY {
        return bad("longer than 1024 bytes");
    }
    if key.starts_with('/') {
        return bad("absolute (starts with /)");
    }
    if key.contains('\\') {
        return bad("contains a backslash");
    }
    if key.chars().any(char::is_control) {
        return bad("contains a control character");
    }
    for seg in key.split('/') {
        match seg {
            "" => return bad("has an empty segment (// or a trailing /)"),
            "." | ".." => return bad("has a . or .. segment"),
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_follow_the_design() {
        // 2026-11-30T08:50:00Z
        let k = screenshot_keys(
            Timestamp::from_secs(1_796_028_600),
            "emp-42",
            "0193a1b2",
            ImageFormat::Jpeg,
        )
        .unwrap();
        assert_eq!(k.full, "screenshots/2026/11/30/emp-42/0850/0193a1b2.jpg");
        assert_eq!(
            k.thumbnail,
            "screenshots/2026/11/30/emp-42/0850/0193a1b2-thumb.jpg"
        );
    }

    #[test]
    fn hostile_components_stay_inside() {
        for evil in [
            "..",
            "../..",
            "/etc",
            "a/../../b",
            "\\\\server\\share",
            ".hidden",
            "x\0y",
            "\n",
        ] {
            let k = screenshot_keys(Timestamp::from_secs(0), evil, evil, ImageFormat::Png).unwrap();
            validate_key(&k.full).unwrap();
            assert_eq!(k.full.matches('/').count(), 6, "{evil:?} -> {}", k.full);
        }
    }

    #[test]
    fn traversal_and_odd_keys_are_refused() {
        for key in [
            "", "/abs", "a/../b", "..", "a/./b", "a//b", "a/", "a\\b", "a\u{7}b",
        ] {
            assert!(
                matches!(validate_key(key), Err(StorageError::InvalidKey { .. })),
                "{key:?}"
            );
        }
        validate_key("screenshots/2026/01/01/x/0000/a.jpg").unwrap();
        assert!(validate_key(&"a".repeat(1025)).is_err());
    }
}
