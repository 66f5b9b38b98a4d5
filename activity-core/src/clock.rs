//! Time: the [`Timestamp`] every part of the library speaks, and the [`Clock`] it is read from.
//!
//! All times are UTC instants in milliseconds since the Unix epoch. The model never reads the
//! system clock itself: the runtime passes it a [`Clock`], so tests drive the whole library with a
//! [`ManualClock`].

use std::fmt;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// A UTC instant in whole milliseconds since the Unix epoch.
///
/// A plain `i64` underneath (`int64_t` in C, `int` in Python), ordered and hashable.
#[derive(
    Copy, Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Timestamp(i64);

impl Timestamp {
    /// The Unix epoch, 1970-01-01T00:00:00Z.
    pub const EPOCH: Timestamp = Timestamp(0);

    /// The instant `ms` milliseconds after the epoch (before it when negative).
    pub const fn from_millis(ms: i64) -> Self {
        Timestamp(ms)
    }

    /// The instant `secs` seconds after the epoch; saturates at the ends of the range.
    pub const fn from_secs(secs: i64) -> Self {
        Timestamp(secs.saturating_mul(1000))
    }

    /// Milliseconds since the epoch.
    pub const fn as_millis(self) -> i64 {
        self.0
    }

    /// This instant moved by `ms` milliseconds (saturating).
    #[must_use]
    pub const fn add_millis(self, ms: i64) -> Self {
        Timestamp(self.0.saturating_add(ms))
    }

    /// Milliseconds from `earlier` to `self` (negative when `earlier` is later).
    pub const fn millis_since(self, earlier: Timestamp) -> i64 {
        self.0.saturating_sub(earlier.0)
    }

    /// The date and time in UTC, or `None` outside the calendar range the `time` crate supports.
    pub fn to_utc(self) -> Option<time::OffsetDateTime> {
        let nanos = i128::from(self.0) * 1_000_000;
        time::OffsetDateTime::from_unix_timestamp_nanos(nanos).ok()
    }
}

impl fmt::Display for Timestamp {
    /// RFC 3339 in UTC with milliseconds, e.g. `2026-11-30T08:00:00.000Z`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const FORMAT: &[time::format_description::BorrowedFormatItem<'_>] = time::macros::format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
        );
        match self.to_utc().and_then(|t| t.format(FORMAT).ok()) {
            Some(s) => f.write_str(&s),
            None => write!(f, "{}ms", self.0),
        }
    }
}

impl From<SystemTime> for Timestamp {
    fn from(t: SystemTime) -> Self {
        match t.duration_since(UNIX_EPOCH) {
            Ok(d) => Timestamp(i64::try_from(d.as_millis()).unwrap_or(i64::MAX)),
            Err(e) => Timestamp(-i64::try_from(e.duration().as_millis()).unwrap_or(i64::MAX)),
        }
    }
}

/// A source of the current time.
///
/// Implemented by [`SystemClock`] for real use and [`ManualClock`] for tests and replays. The
/// runtime takes an `Arc<dyn Clock>`.
pub trait Clock: Send + Sync {
    /// The current instant.
    fn now(&self) -> Timestamp;
}

/// The operating system's wall clock.
#[derive(Copy, Clone, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::from(SystemTime::now())
    }
}

/// A clock that moves only when told to; shareable between threads.
#[derive(Debug, Default)]
pub struct ManualClock {
    now_ms: AtomicI64,
}

impl ManualClock {
    /// A clock standing at `start`.
    pub fn new(start: Timestamp) -> Self {
        ManualClock {
            now_ms: AtomicI64::new(start.as_millis()),
        }
    }

    /// Moves the clock to `t` (backwards too: wall clocks do that).
    pub fn set(&self, t: Timestamp) {
        self.now_ms.store(t.as_millis(), Ordering::SeqCst);
    }

    /// Moves the clock forward by `ms` milliseconds and returns the new time.
    pub fn advance_millis(&self, ms: i64) -> Timestamp {
        Timestamp(
            self.now_ms
                .fetch_add(ms, Ordering::SeqCst)
                .saturating_add(ms),
        )
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        Timestamp(self.now_ms.load(Ordering::SeqCst))
    }
}

impl<C: Clock + ?Sized> Clock for std::sync::Arc<C> {
    fn now(&self) -> Timestamp {
        (**self).now()
    }
}

impl<C: Clock + ?Sized> Clock for &C {
    fn now(&self) -> Timestamp {
        (**self).now()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_rfc3339_utc() {
        assert_eq!(
            Timestamp::from_millis(0).to_string(),
            "1970-01-01T00:00:00.000Z"
        );
        assert_eq!(
            Timestamp::from_millis(1_796_025_600_123).to_string(),
            "2026-11-30T08:00:00.123Z"
        );
    }

    #[test]
    fn manual_clock_moves_only_when_told() {
        let c = ManualClock::new(Timestamp::from_secs(10));
        assert_eq!(c.now(), Timestamp::from_secs(10));
        assert_eq!(c.advance_millis(1500), Timestamp::from_millis(11_500));
        c.set(Timestamp::from_secs(5));
        assert_eq!(c.now(), Timestamp::from_secs(5));
    }

    #[test]
    fn system_time_before_epoch_is_negative() {
        let t = UNIX_EPOCH - std::time::Duration::from_millis(1500);
        assert_eq!(Timestamp::from(t), Timestamp::from_millis(-1500));
    }
}
