//! Idle detection: when the user counts as away.
//!
//! The user becomes idle once no input has arrived for `idle_after`, and the idle period starts
//! at that moment, `last input + idle_after`: the quiet minutes before it count as work (reading,
//! listening in a call). The first input after that ends the idle period at the input's time.
//!
//! ```text
//!  input   |  |||   |                                      | |||
//!                   ^ last input                           ^ input again
//!                   [---- idle_after ----)[==== idle ======)
//!                                         idle started     idle ended
//! ```
//!
//! The detector is a pure state machine: the runtime calls [`IdleDetector::observe`] about once a
//! second with the current time and the counter's last input time.

use crate::clock::Timestamp;

/// A change between active and idle.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum IdleTransition {
    /// The user became idle at this instant (`last input + idle_after`).
    Started(Timestamp),
    /// Input came back at this instant.
    Ended(Timestamp),
}

/// Tracks whether the user is idle.
#[derive(Clone, Debug)]
pub struct IdleDetector {
    idle_after_millis: i64,
    idle_since: Option<Timestamp>,
    /// Where quietness is measured from when no input has been seen yet (the tracking start).
    origin: Timestamp,
}

impl IdleDetector {
    /// A detector for a threshold of `idle_after_millis`, measuring from `origin` (tracking start)
    /// until the first input.
    pub fn new(idle_after_millis: i64, origin: Timestamp) -> IdleDetector {
        IdleDetector {
            idle_after_millis: idle_after_millis.max(1),
            idle_since: None,
            origin,
        }
    }

    /// Whether the user is idle now, and since when.
    pub fn idle_since(&self) -> Option<Timestamp> {
        self.idle_since
    }

    /// Restarts measurement from `origin` as active (after a pause, tracking time resumes).
    pub fn reset(&mut self, origin: Timestamp) {
        self.idle_since = None;
        self.origin = origin;
    }

    /// Feeds the current time and the last input seen; returns a transition when one happened.
    pub fn observe(
        &mut self,
        now: Timestamp,
        last_input: Option<Timestamp>,
    ) -> Option<IdleTransition> {
        let last = last_input.map_or(self.origin, |t| t.max(self.origin));
        match self.idle_since {
            None => {
                let start = last.add_millis(self.idle_after_millis);
                (now >= start).then(|| {
                    self.idle_since = Some(start);
                    IdleTransition::Started(start)
                })
            }
            Some(since) => (last > since).then(|| {
                self.idle_since = None;
                self.origin = last;
                IdleTransition::Ended(last)
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: i64) -> Timestamp {
        Timestamp::from_secs(s)
    }

    #[test]
    fn idle_starts_after_threshold_and_ends_on_input() {
        let mut d = IdleDetector::new(300_000, t(0));
        assert_eq!(d.observe(t(100), Some(t(50))), None);
        assert_eq!(d.observe(t(349), Some(t(50))), None);
        assert_eq!(
            d.observe(t(351), Some(t(50))),
            Some(IdleTransition::Started(t(350)))
        );
        assert_eq!(d.observe(t(400), Some(t(50))), None);
        assert_eq!(d.idle_since(), Some(t(350)));
        assert_eq!(
            d.observe(t(500), Some(t(499))),
            Some(IdleTransition::Ended(t(499)))
        );
        assert_eq!(d.observe(t(700), Some(t(499))), None);
        assert_eq!(
            d.observe(t(800), Some(t(499))),
            Some(IdleTransition::Started(t(799)))
        );
    }

    #[test]
    fn without_input_quietness_counts_from_origin() {
        let mut d = IdleDetector::new(60_000, t(1000));
        assert_eq!(d.observe(t(1059), None), None);
        assert_eq!(
            d.observe(t(1060), None),
            Some(IdleTransition::Started(t(1060)))
        );
    }
}
