//! Helpers shared by the integration tests.
#![allow(dead_code)]

use activity_core::Timestamp;

/// 2026-11-30T08:00:00Z: a slot boundary for every allowed slot length.
pub const BASE_MS: i64 = 1_796_025_600_000;

/// `BASE_MS + ms`.
pub fn at(ms: i64) -> Timestamp {
    Timestamp::from_millis(BASE_MS + ms)
}
