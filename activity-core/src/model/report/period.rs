//! Report periods: calendar days (or ranges of them) in an IANA time zone, as UTC instants.
//!
//! A day is a calendar day where the viewer is: in Europe/Berlin the last Sunday of March has 23
//! hours and the last Sunday of October 25. Slots stay UTC-aligned; a slot belongs to the day
//! that holds its start (in a zone whose offset is not a multiple of the slot length, such as
//! Asia/Kathmandu at +05:45, the slot across local midnight belongs to the day it starts in).
//!
//! ```text
//!   Europe/Berlin, 2026-03-29 (spring forward)
//!   local   00:00 ─────── 02:00→03:00 ─────────────── 24:00
//!   UTC     2026-03-28T23:00Z ───────────────── 2026-03-29T22:00Z    (23 h)
//! ```

use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

use crate::clock::Timestamp;

/// Errors of report periods.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PeriodError {
    /// The time zone is not a known IANA name.
    #[error("unknown time zone {0:?} (an IANA name such as \"Europe/Berlin\" or \"UTC\")")]
    UnknownTimeZone(String),
    /// A date that does not parse or exist.
    #[error("{field}: {value:?} is not a date (YYYY-MM-DD)")]
    BadDate {
        /// Which argument.
        field: &'static str,
        /// What was given.
        value: String,
    },
    /// The range ends before it starts.
    #[error("the period ends ({to}) before it starts ({from})")]
    Reversed {
        /// First day.
        from: String,
        /// Last day.
        to: String,
    },
    /// More days than one report covers ([`MAX_PERIOD_DAYS`]): a report holds every slot of
    /// its period in memory, so an unbounded one could exhaust it.
    #[error(
        "the period has {days} days; a report covers at most {MAX_PERIOD_DAYS} (ask for it a year at a time)"
    )]
    TooLong {
        /// Days asked for.
        days: i64,
    },
}

/// The most days one report covers: a leap year.
pub const MAX_PERIOD_DAYS: i64 = 366;

/// A period of whole calendar days in a time zone: `first..=last` (one day when equal).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    /// The first day, `YYYY-MM-DD`.
    pub first: String,
    /// The last day (inclusive), `YYYY-MM-DD`.
    pub last: String,
    /// The IANA time zone the days are in.
    pub time_zone: String,
}

/// A period resolved to UTC instants: `[start, end)`, and each day's own bounds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resolved {
    /// Start of the first day.
    pub start: Timestamp,
    /// End of the last day (exclusive).
    pub end: Timestamp,
    /// Each day: its date and its `[start, end)` in UTC.
    pub days: Vec<(String, Timestamp, Timestamp)>,
}

fn date(value: &str, field: &'static str) -> Result<Date, PeriodError> {
    value.parse::<Date>().map_err(|_| PeriodError::BadDate {
        field,
        value: value.to_string(),
    })
}

fn zone(name: &str) -> Result<TimeZone, PeriodError> {
    TimeZone::get(name).map_err(|_| PeriodError::UnknownTimeZone(name.to_string()))
}

fn start_of(day: Date, tz: &TimeZone) -> Result<Timestamp, PeriodError> {
    let bad = |_| PeriodError::BadDate {
        field: "day",
        value: day.to_string(),
    };
    // The day's first instant: midnight, or the first time after it where a clock change
    // skips midnight (America/Havana).
    let z = day
        .to_zoned_datetime(tz.clone())
        .and_then(|z| z.start_of_day())
        .map_err(bad)?;
    Ok(Timestamp::from_millis(z.timestamp().as_millisecond()))
}

impl Period {
    /// One calendar day in `time_zone`.
    pub fn day(day: &str, time_zone: &str) -> Period {
        Period {
            first: day.to_string(),
            last: day.to_string(),
            time_zone: time_zone.to_string(),
        }
    }

    /// The days `first..=last` in `time_zone`.
    pub fn days(first: &str, last: &str, time_zone: &str) -> Period {
        Period {
            first: first.to_string(),
            last: last.to_string(),
            time_zone: time_zone.to_string(),
        }
    }

    /// The calendar day (`YYYY-MM-DD`) that holds instant `t` in `time_zone` ("today" is
    /// `Period::date_of(now, zone)`).
    pub fn date_of(t: Timestamp, time_zone: &str) -> Result<String, PeriodError> {
        let tz = zone(time_zone)?;
        let at =
            jiff::Timestamp::from_millisecond(t.as_millis()).map_err(|_| PeriodError::BadDate {
                field: "instant",
                value: t.to_string(),
            })?;
        Ok(tz.to_datetime(at).date().to_string())
    }

    /// The system's time zone name (IANA), or `UTC` when it cannot be told.
    pub fn system_time_zone() -> String {
        TimeZone::system()
            .iana_name()
            .map_or_else(|| "UTC".to_string(), str::to_string)
    }

    /// The UTC bounds of the period and of each of its days (a day starts at its first instant,
    /// usually local midnight; 23 or 25 hours long when the clocks change).
    pub fn resolve(&self) -> Result<Resolved, PeriodError> {
        let tz = zone(&self.time_zone)?;
        let first = date(&self.first, "first")?;
        let last = date(&self.last, "last")?;
        if last < first {
            return Err(PeriodError::Reversed {
                from: self.first.clone(),
                to: self.last.clone(),
            });
        }
        let span = first
            .until(last)
            .map(|s| i64::from(s.get_days()))
            .unwrap_or(i64::MAX);
        if span >= MAX_PERIOD_DAYS {
            return Err(PeriodError::TooLong {
                days: span.saturating_add(1),
            });
        }
        let mut days = Vec::new();
        let mut d = first;
        loop {
            let next = d.tomorrow().map_err(|_| PeriodError::BadDate {
                field: "last",
                value: self.last.clone(),
            })?;
            days.push((d.to_string(), start_of(d, &tz)?, start_of(next, &tz)?));
            if d == last {
                break;
            }
            d = next;
        }
        Ok(Resolved {
            start: days[0].1,
            end: days[days.len() - 1].2,
            days,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hours(r: &Resolved) -> i64 {
        r.end.millis_since(r.start) / 3_600_000
    }

    #[test]
    fn date_of_is_the_local_calendar_day() {
        // 2026-11-29T23:30Z is already the 30th in Berlin, still the 29th in New York.
        let t = Timestamp::from_millis(1_795_995_000_000);
        assert_eq!(t.to_string(), "2026-11-29T23:30:00.000Z");
        assert_eq!(Period::date_of(t, "Europe/Berlin").unwrap(), "2026-11-30");
        assert_eq!(
            Period::date_of(t, "America/New_York").unwrap(),
            "2026-11-29"
        );
        assert!(matches!(
            Period::date_of(t, "Mars/Olympus"),
            Err(PeriodError::UnknownTimeZone(_))
        ));
    }

    #[test]
    fn days_have_23_or_25_hours_when_the_clocks_change() {
        let spring = Period::day("2026-03-29", "Europe/Berlin")
            .resolve()
            .unwrap();
        assert_eq!(spring.start.to_string(), "2026-03-28T23:00:00.000Z");
        assert_eq!(hours(&spring), 23);
        let autumn = Period::day("2026-10-25", "Europe/Berlin")
            .resolve()
            .unwrap();
        assert_eq!(hours(&autumn), 25);
        let plain = Period::day("2026-11-30", "Europe/Berlin")
            .resolve()
            .unwrap();
        assert_eq!(hours(&plain), 24);
        let week = Period::days("2026-03-27", "2026-03-30", "Europe/Berlin")
            .resolve()
            .unwrap();
        assert_eq!(week.days.len(), 4);
        assert_eq!(hours(&week), 4 * 24 - 1);
    }

    #[test]
    fn bad_periods_are_named() {
        assert!(matches!(
            Period::day("2026-11-30", "Mars/Olympus").resolve(),
            Err(PeriodError::UnknownTimeZone(_))
        ));
        assert!(matches!(
            Period::day("2026-02-30", "UTC").resolve(),
            Err(PeriodError::BadDate { .. })
        ));
        assert!(matches!(
            Period::days("2026-12-01", "2026-11-30", "UTC").resolve(),
            Err(PeriodError::Reversed { .. })
        ));
    }
}
