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
/// A plain `i64` underneath (`#[repr(transparent)]`: an `int64_t` in C, an `int` or an aware
/// `datetime` in Python), ordered and hashable. Its serialised form (serde) is the RFC 3339 UTC
/// string of [`Display`](fmt::Display), `"2026-11-30T08:00:00.000Z"`; deserialising also accepts
/// a number of milliseconds since the epoch.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(transparent)]
pub struct Timestamp(i64);

impl Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            s.collect_str(self)
        } else {
            s.serialize_i64(self.0)
        }
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Timestamp;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an RFC 3339 date-time or milliseconds since the Unix epoch")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Timestamp, E> {
                Ok(Timestamp(v))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Timestamp, E> {
                i64::try_from(v)
                    .map(Timestamp)
                    .map_err(|_| E::custom("milliseconds out of range"))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Timestamp, E> {
                Timestamp::parse_rfc3339(v)
                    .ok_or_else(|| E::custom(format!("{v:?} is not an RFC 3339 date-time")))
            }
        }
        d.deserialize_any(V)
    }
}

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

    /// Parses an RFC 3339 date-time (any offset; `2026-11-30T08:00:00Z`,
    /// `2026-11-30T09:00:00+01:00`), to the millisecond.
    pub fn parse_rfc3339(s: &str) -> Option<Timestamp> {
        let t =
            time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()?;
        i64::try_from(t.unix_timestamp_nanos() / 1_000_000)
            .ok()
            .map(Timestamp)
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
    fn serialises_as_rfc3339_and_reads_both_forms() {
        let t = Timestamp::from_millis(1_796_025_600_123);
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(json, "\"2026-11-30T08:00:00.123Z\"");
        assert_eq!(serde_json::from_str::<Timestamp>(&json).unwrap(), t);
        assert_eq!(
            serde_json::from_str::<Timestamp>("1796025600123").unwrap(),
            t
        );
        assert_eq!(
            serde_json::from_str::<Timestamp>("\"2026-11-30T09:00:00.123+01:00\"").unwrap(),
            t
        );
        assert!(serde_json::from_str::<Timestamp>("\"yesterday\"").is_err());
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
