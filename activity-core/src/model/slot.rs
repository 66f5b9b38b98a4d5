//! Time slots: alignment and splitting at slot boundaries.
//!
//! A slot is the half-open interval `[start, start + L)` where `L` is the slot length and `start`
//! is a multiple of `L` counted from the Unix epoch in UTC. Because `L` divides a day, slots align
//! with midnight UTC; reports convert to the viewer's time zone, storage stays in UTC.
//!
//! Splitting an interval at slot boundaries (`L` = 600 s):
//!
//! ```text
//!  slot      09:50          10:00          10:10          10:20
//!            |--------------|--------------|--------------|
//!  input            [===========================)
//!                   09:55                       10:14
//!  pieces           [=======)[=============)[====)
//!                   09:55-10:00 10:00-10:10 10:10-10:14
//! ```
//!
//! Every piece lies inside one slot, the pieces are contiguous and their durations add up to the
//! input's. An empty interval yields no piece.

use crate::clock::Timestamp;

/// A half-open interval of time `[start, end)`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct Interval {
    /// First instant inside the interval.
    pub start: Timestamp,
    /// First instant after the interval.
    pub end: Timestamp,
}

impl Interval {
    /// The interval `[start, end)`, or `None` when `end` is before `start`.
    pub fn new(start: Timestamp, end: Timestamp) -> Option<Interval> {
        (end >= start).then_some(Interval { start, end })
    }

    /// Length in milliseconds.
    pub fn duration_millis(&self) -> i64 {
        self.end.millis_since(self.start)
    }

    /// Whether the interval holds no instant.
    pub fn is_empty(&self) -> bool {
        self.end <= self.start
    }

    /// The part of `self` inside `other`, if any.
    pub fn intersect(&self, other: &Interval) -> Option<Interval> {
        let start = self.start.max(other.start);
        let end = self.end.min(other.end);
        (end > start).then_some(Interval { start, end })
    }
}

/// The index of the slot holding `t`: `floor(t / L)` (also for instants before the epoch).
pub fn slot_index(t: Timestamp, slot_seconds: u32) -> i64 {
    t.as_millis().div_euclid(slot_millis(slot_seconds))
}

/// The start of the slot holding `t`.
pub fn slot_start(t: Timestamp, slot_seconds: u32) -> Timestamp {
    Timestamp::from_millis(slot_index(t, slot_seconds) * slot_millis(slot_seconds))
}

/// The slot with index `index` as an interval.
pub fn slot_interval(index: i64, slot_seconds: u32) -> Interval {
    let l = slot_millis(slot_seconds);
    Interval {
        start: Timestamp::from_millis(index.saturating_mul(l)),
        end: Timestamp::from_millis(index.saturating_add(1).saturating_mul(l)),
    }
}

/// The slot length in milliseconds; a length of 0 is treated as 1 s so that no division by zero
/// can happen (configurations never hold 0: [`Config::validate`](crate::Config::validate)).
pub fn slot_millis(slot_seconds: u32) -> i64 {
    i64::from(slot_seconds.max(1)) * 1000
}

/// One piece of an interval, inside a single slot.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct SlotPiece {
    /// Start of the slot the piece lies in.
    pub slot_start: Timestamp,
    /// The piece itself.
    pub interval: Interval,
}

/// Splits `interval` at slot boundaries, earliest piece first. See the [module docs](self).
pub fn split(interval: Interval, slot_seconds: u32) -> SlotSplit {
    SlotSplit {
        next: interval.start,
        end: interval.end,
        slot_millis: slot_millis(slot_seconds),
    }
}

/// Iterator returned by [`split`].
#[derive(Clone, Debug)]
pub struct SlotSplit {
    next: Timestamp,
    end: Timestamp,
    slot_millis: i64,
}

impl Iterator for SlotSplit {
    type Item = SlotPiece;

    fn next(&mut self) -> Option<SlotPiece> {
        if self.next >= self.end {
            return None;
        }
        let l = self.slot_millis;
        let slot_start = self.next.as_millis().div_euclid(l) * l;
        let piece_end = Timestamp::from_millis(slot_start.saturating_add(l)).min(self.end);
        let piece = SlotPiece {
            slot_start: Timestamp::from_millis(slot_start),
            interval: Interval {
                start: self.next,
                end: piece_end,
            },
        };
        self.next = piece_end;
        Some(piece)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: i64) -> Timestamp {
        Timestamp::from_secs(s)
    }

    #[test]
    fn alignment_is_utc_floor() {
        assert_eq!(slot_start(t(1_796_025_600 + 599), 600), t(1_796_025_600));
        assert_eq!(slot_start(t(1_796_025_600 + 600), 600), t(1_796_026_200));
        assert_eq!(slot_start(Timestamp::from_millis(-1), 600), t(-600));
        assert_eq!(slot_index(Timestamp::from_millis(-1), 600), -1);
    }

    #[test]
    fn split_matches_the_diagram() {
        // 09:55 to 10:14 on a day boundary-aligned base.
        let base = 1_796_025_600; // 2026-11-30T08:00Z
        let pieces: Vec<_> = split(Interval::new(t(base + 300), t(base + 1440)).unwrap(), 600)
            .map(|p| (p.slot_start, p.interval.start, p.interval.end))
            .collect();
        assert_eq!(
            pieces,
            [
                (t(base), t(base + 300), t(base + 600)),
                (t(base + 600), t(base + 600), t(base + 1200)),
                (t(base + 1200), t(base + 1200), t(base + 1440)),
            ]
        );
    }

    #[test]
    fn empty_and_inside_one_slot() {
        assert_eq!(split(Interval::new(t(5), t(5)).unwrap(), 600).count(), 0);
        let one: Vec<_> = split(Interval::new(t(5), t(7)).unwrap(), 600).collect();
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].slot_start, t(0));
        assert!(Interval::new(t(2), t(1)).is_none());
    }
}
