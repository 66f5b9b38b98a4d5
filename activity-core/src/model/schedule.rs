//! The screenshot schedule.
//!
//! With frequency `F` (whole minutes, default 10), time is cut into intervals `[kF, (k+1)F)`
//! counted from the Unix epoch in UTC.
//!
//! - **Aligned** (default): one capture at the start of each interval, `kF`. With `F` = 10 and
//!   10-minute slots, every slot gets exactly one, at its start.
//! - **Random**: one capture at a uniformly random instant inside each interval. Consecutive
//!   captures are between 0 and `2F` apart and `F` apart on average, so an employee cannot
//!   predict them, and the count per hour stays exactly `60 / F`. The instant of interval `k` is
//!   drawn from ChaCha8 seeded with the schedule's seed on stream `k`, so it is reproducible from
//!   the seed and independent of when the tracker was started.
//!
//! ```text
//!   interval     [0 ──────── F)[F ─────── 2F)[2F ─────── 3F)
//!   aligned       ▲             ▲             ▲
//!   random            ▲                   ▲     ▲
//! ```
//!
//! A capture happens only when its instant comes while the [`CaptureGate`] is open: tracking
//! runs, is not paused, and both the employee's `isScreenshotEnabled` and the organisation's
//! `allowScreenshotCapture` are true. A capture whose instant passes while the gate is closed is
//! skipped, not made up later; an interval in which tracking starts after its instant has none.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::clock::Timestamp;
use crate::model::config::{Config, Frequency};

/// Errors of the schedule.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ScheduleError {
    /// The frequency is not 1..=60 minutes.
    #[error("screenshot_frequency must be 1..=60 minutes, got {0}")]
    InvalidFrequency(u32),
    /// The period is not 5 s ..= 60 min.
    #[error("screenshot_frequency must be 5 s ..= 60 minutes, got {0} s")]
    InvalidPeriod(u32),
}

/// Whether a capture may happen now.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct CaptureGate {
    /// Tracking has been started and not stopped.
    pub running: bool,
    /// Tracking is paused.
    pub paused: bool,
    /// The employee's switch (`isScreenshotEnabled`).
    pub is_screenshot_enabled: bool,
    /// The organisation's switch (`allowScreenshotCapture`).
    pub allow_screenshot_capture: bool,
}

impl CaptureGate {
    /// True when every condition for a capture holds.
    pub fn is_open(&self) -> bool {
        self.running && !self.paused && self.is_screenshot_enabled && self.allow_screenshot_capture
    }
}

/// When screenshots are due. See the [module docs](self).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScreenshotSchedule {
    frequency_millis: i64,
    random: bool,
    seed: u64,
}

impl ScreenshotSchedule {
    /// A schedule every `frequency_minutes` (1..=60), aligned or random with `seed`.
    pub fn new(
        frequency_minutes: u32,
        random: bool,
        seed: u64,
    ) -> Result<ScreenshotSchedule, ScheduleError> {
        if !(1..=60).contains(&frequency_minutes) {
            return Err(ScheduleError::InvalidFrequency(frequency_minutes));
        }
        Self::every(Frequency::minutes(frequency_minutes), random, seed)
    }

    /// A schedule with any allowed [`Frequency`] (5 s ..= 60 min), aligned or random with `seed`.
    pub fn every(
        frequency: Frequency,
        random: bool,
        seed: u64,
    ) -> Result<ScreenshotSchedule, ScheduleError> {
        let s = frequency.as_seconds();
        if !(Frequency::MIN_SECONDS..=Frequency::MAX_SECONDS).contains(&s) {
            return Err(ScheduleError::InvalidPeriod(s));
        }
        Ok(ScreenshotSchedule {
            frequency_millis: i64::from(s) * 1000,
            random,
            seed,
        })
    }

    /// The schedule a configuration asks for; `seed` is used when the configuration sets none.
    pub fn from_config(config: &Config, seed: u64) -> Result<ScreenshotSchedule, ScheduleError> {
        Self::every(
            config.screenshot_frequency,
            config.random_screenshot,
            config.screenshot_seed.unwrap_or(seed),
        )
    }

    /// The interval length in milliseconds.
    pub fn frequency_millis(&self) -> i64 {
        self.frequency_millis
    }

    /// The index of the interval holding `t`.
    pub fn interval_index(&self, t: Timestamp) -> i64 {
        t.as_millis().div_euclid(self.frequency_millis)
    }

    /// The capture instant of interval `k`.
    pub fn instant(&self, k: i64) -> Timestamp {
        let start = k.saturating_mul(self.frequency_millis);
        if !self.random {
            return Timestamp::from_millis(start);
        }
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        rng.set_stream(k as u64);
        Timestamp::from_millis(start.saturating_add(rng.random_range(0..self.frequency_millis)))
    }

    /// The first capture instant strictly after `t`.
    pub fn next_after(&self, t: Timestamp) -> Timestamp {
        let k = self.interval_index(t);
        let here = self.instant(k);
        if here > t { here } else { self.instant(k + 1) }
    }

    /// The next capture after `t` if the gate is open now; `None` while it is closed (ask
    /// again when it opens).
    pub fn next_capture(&self, t: Timestamp, gate: &CaptureGate) -> Option<Timestamp> {
        gate.is_open().then(|| self.next_after(t))
    }

    /// Every capture instant in `(from, to]`, oldest first.
    pub fn instants_between(
        &self,
        from: Timestamp,
        to: Timestamp,
    ) -> impl Iterator<Item = Timestamp> + '_ {
        let first = self.interval_index(from);
        let last = self.interval_index(to);
        (first..=last)
            .map(|k| self.instant(k))
            .filter(move |&i| i > from && i <= to)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligned_lands_on_multiples() {
        let s = ScreenshotSchedule::new(10, false, 0).unwrap();
        assert_eq!(
            s.next_after(Timestamp::from_secs(1)),
            Timestamp::from_secs(600)
        );
        assert_eq!(
            s.next_after(Timestamp::from_secs(600)),
            Timestamp::from_secs(1200)
        );
        assert_eq!(
            s.next_after(Timestamp::from_millis(599_999)),
            Timestamp::from_secs(600)
        );
    }

    #[test]
    fn random_is_reproducible_and_inside_its_interval() {
        let a = ScreenshotSchedule::new(10, true, 42).unwrap();
        let b = ScreenshotSchedule::new(10, true, 42).unwrap();
        let c = ScreenshotSchedule::new(10, true, 43).unwrap();
        for k in 0..100 {
            let i = a.instant(k);
            assert_eq!(i, b.instant(k));
            assert_eq!(a.interval_index(i), k);
        }
        assert!((0..100).any(|k| a.instant(k) != c.instant(k)));
    }

    #[test]
    fn bad_frequency() {
        assert_eq!(
            ScreenshotSchedule::new(0, false, 0),
            Err(ScheduleError::InvalidFrequency(0))
        );
        assert!(ScreenshotSchedule::new(61, false, 0).is_err());
    }
}
