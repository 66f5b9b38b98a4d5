//! Activity scoring: what one slot counted ([`SlotCounts`], with its per-second maps) and the
//! two published metrics ([`activity_percent`], [`active_percent`]) with their definitions.
//! The counter that fills them is [`counter`](crate::model::counter) (its types are re-exported
//! here, where they have always been found).
//!
//! - `activity_percent = min(100, round(100 × events / (max_expected_events × tracked_seconds / L)))`,
//!   0 when nothing was tracked;
//! - `active_percent = round(100 × active_seconds / tracked_seconds)`.

use crate::clock::Timestamp;
pub use crate::model::counter::{
    InputCounter, InputEvent, MAX_SLOTS_PER_CLOSE, MOVE_SAMPLE_MILLIS, ScoreError,
};

/// Which seconds of a slot had at least one event: bit `s` is second `s` from the slot start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecondMap {
    pub(crate) words: Vec<u64>,
    pub(crate) seconds: u32,
}

impl SecondMap {
    /// An empty map for a slot of `seconds` seconds.
    pub fn new(seconds: u32) -> SecondMap {
        SecondMap {
            words: vec![0; (seconds as usize).div_ceil(64)],
            seconds,
        }
    }

    /// A map from its 64-bit words (bit `s % 64` of word `s / 64` is second `s`), as stored.
    /// Bits past `seconds` are cleared.
    pub fn from_words(seconds: u32, mut words: Vec<u64>) -> SecondMap {
        words.resize((seconds as usize).div_ceil(64), 0);
        if !seconds.is_multiple_of(64)
            && let Some(last) = words.last_mut()
        {
            *last &= (1u64 << (seconds % 64)) - 1;
        }
        SecondMap { words, seconds }
    }

    /// The words of the map, for storage.
    pub fn words(&self) -> &[u64] {
        &self.words
    }

    /// Marks second `s` (ignored past the end of the slot).
    pub fn set(&mut self, s: u32) {
        if s < self.seconds {
            self.words[s as usize / 64] |= 1 << (s % 64);
        }
    }

    /// Whether second `s` is marked.
    pub fn get(&self, s: u32) -> bool {
        s < self.seconds && self.words[s as usize / 64] & (1 << (s % 64)) != 0
    }

    /// The number of marked seconds.
    pub fn count(&self) -> u32 {
        self.words.iter().map(|w| w.count_ones()).sum()
    }

    /// The number of seconds marked in `self` or `other`.
    pub fn union_count(&self, other: &SecondMap) -> u32 {
        self.words
            .iter()
            .zip(other.words.iter().chain(std::iter::repeat(&0)))
            .map(|(a, b)| (a | b).count_ones())
            .sum()
    }

    fn union_with(&mut self, other: &SecondMap) {
        for (a, b) in self.words.iter_mut().zip(&other.words) {
            *a |= b;
        }
    }
}

/// Everything counted in one slot (or in one part of a slot, when tracking stopped and started
/// again inside it: [`merge`](Self::merge) joins such parts exactly).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlotCounts {
    /// Start of the slot (UTC).
    pub slot_start: Timestamp,
    /// Length of the slot.
    pub slot_seconds: u32,
    /// Milliseconds of the slot during which tracking ran and was not paused.
    pub tracked_millis: i64,
    /// Key presses.
    pub keyboard_events: u32,
    /// Button presses + wheel events + counted movement samples.
    pub mouse_events: u32,
    /// Seconds with keyboard input.
    pub keyboard: SecondMap,
    /// Seconds with mouse input.
    pub mouse: SecondMap,
    /// Seconds in which a source that cannot count events saw the user active
    /// ([`InputEvent::Presence`]).
    pub presence: SecondMap,
    /// Whether key presses and mouse events were counted in this slot. `false` when the only
    /// input source was an idle-notification one (a Wayland session without evdev access): the
    /// counts are then unknown, not zero.
    pub counts_events: bool,
}

impl SlotCounts {
    /// An empty slot of `slot_seconds` starting at `slot_start`, with counted input.
    pub fn empty(slot_start: Timestamp, slot_seconds: u32) -> SlotCounts {
        SlotCounts {
            slot_start,
            slot_seconds,
            tracked_millis: 0,
            keyboard_events: 0,
            mouse_events: 0,
            keyboard: SecondMap::new(slot_seconds),
            mouse: SecondMap::new(slot_seconds),
            presence: SecondMap::new(slot_seconds),
            counts_events: true,
        }
    }

    /// Keyboard plus mouse events.
    pub fn events(&self) -> u64 {
        u64::from(self.keyboard_events) + u64::from(self.mouse_events)
    }

    /// Tracked time rounded to the nearest whole second.
    pub fn tracked_seconds(&self) -> u32 {
        u32::try_from((self.tracked_millis.max(0) + 500) / 1000).unwrap_or(u32::MAX)
    }

    /// Distinct seconds with any input (or presence).
    pub fn active_seconds(&self) -> u32 {
        if self.presence.count() == 0 {
            return self.keyboard.union_count(&self.mouse);
        }
        let mut all = self.keyboard.clone();
        all.union_with(&self.mouse);
        all.union_with(&self.presence);
        all.count()
    }

    /// Adds another part of the same slot (tracking stopped and started again inside it).
    /// Returns `false`, changing nothing, if `other` is for another slot or slot length.
    pub fn merge(&mut self, other: &SlotCounts) -> bool {
        if other.slot_start != self.slot_start || other.slot_seconds != self.slot_seconds {
            return false;
        }
        self.tracked_millis += other.tracked_millis;
        self.keyboard_events = self.keyboard_events.saturating_add(other.keyboard_events);
        self.mouse_events = self.mouse_events.saturating_add(other.mouse_events);
        self.keyboard.union_with(&other.keyboard);
        self.mouse.union_with(&other.mouse);
        self.presence.union_with(&other.presence);
        self.counts_events |= other.counts_events;
        true
    }

    /// Takes the instants `[from, to)` out of this slot part and returns them as a part of
    /// their own (an idle period discarded or moved to another project, to the second).
    ///
    /// - Tracked time: the milliseconds of the slot inside the interval, at most what was
    ///   tracked (an idle period is tracked throughout: it ends when tracking pauses).
    /// - Per-second maps: the seconds lying wholly inside the interval move.
    /// - Event counts: each kind moves in proportion to its marked seconds that moved. For an
    ///   idle period that is exact, and zero: idle means no input, so no marked second lies
    ///   inside it (the last input is its first instant, counted in the second before).
    pub fn cut(&mut self, from: Timestamp, to: Timestamp) -> SlotCounts {
        let start = self.slot_start.as_millis();
        let end = start + i64::from(self.slot_seconds) * 1000;
        let (a, b) = (from.as_millis().max(start), to.as_millis().min(end));
        let mut out = SlotCounts {
            counts_events: self.counts_events,
            ..SlotCounts::empty(self.slot_start, self.slot_seconds)
        };
        if a >= b {
            return out;
        }
        let moved = (b - a).min(self.tracked_millis.max(0));
        self.tracked_millis -= moved;
        out.tracked_millis = moved;
        // Whole seconds inside [a, b), relative to the slot.
        let first = u32::try_from((a - start + 999) / 1000).unwrap_or(0);
        let last = u32::try_from((b - start) / 1000)
            .unwrap_or(0)
            .min(self.slot_seconds);
        let take = |map: &mut SecondMap, into: &mut SecondMap| -> (u32, u32) {
            let before = map.count();
            for sec in first..last {
                if map.get(sec) {
                    map.words[sec as usize / 64] &= !(1 << (sec % 64));
                    into.set(sec);
                }
            }
            (before, before - map.count())
        };
        let share = |events: u32, (before, moved): (u32, u32)| -> u32 {
            if before == 0 {
                0
            } else {
                u32::try_from(
                    (u64::from(events) * u64::from(moved) + u64::from(before) / 2)
                        / u64::from(before),
                )
                .unwrap_or(events)
            }
        };
        let k = take(&mut self.keyboard, &mut out.keyboard);
        let m = take(&mut self.mouse, &mut out.mouse);
        take(&mut self.presence, &mut out.presence);
        out.keyboard_events = share(self.keyboard_events, k);
        out.mouse_events = share(self.mouse_events, m);
        self.keyboard_events -= out.keyboard_events;
        self.mouse_events -= out.mouse_events;
        out
    }

    /// Whether nothing is left in it: no tracked time, no event, no marked second.
    pub fn is_empty(&self) -> bool {
        self.tracked_millis <= 0
            && self.events() == 0
            && self.keyboard.count() == 0
            && self.mouse.count() == 0
            && self.presence.count() == 0
    }

    /// The slot's published figures, `max_expected_events` being the events of a fully tracked
    /// slot that count as 100 % ([`Config::expected_events_per_slot`](crate::Config::expected_events_per_slot)).
    /// Without counted input ([`counts_events`](Self::counts_events) false) the counts, their
    /// seconds and the activity % are `None`: unknown, not zero.
    pub fn metrics(&self, max_expected_events: u32) -> SlotMetrics {
        let tracked_seconds = self.tracked_seconds();
        let active_seconds = self.active_seconds();
        let counted = |v: u32| self.counts_events.then_some(v);
        SlotMetrics {
            slot_start: self.slot_start,
            tracked_seconds,
            keyboard_events: counted(self.keyboard_events),
            mouse_events: counted(self.mouse_events),
            keyboard_seconds: counted(self.keyboard.count()),
            mouse_seconds: counted(self.mouse.count()),
            active_seconds,
            activity_percent: self.counts_events.then(|| {
                activity_percent(
                    self.events(),
                    tracked_seconds,
                    max_expected_events,
                    self.slot_seconds,
                )
            }),
            active_percent: active_percent(active_seconds, tracked_seconds),
        }
    }
}

/// The published figures of one slot: plain numbers, as bindings and reports carry them. The
/// counts and the activity % are `None` (JSON `null`) when the input source could not count
/// events (a Wayland session without evdev access: see [`Backend::counts_events`](crate::capture::Backend::counts_events));
/// the active seconds and active % are always known.
#[derive(Copy, Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SlotMetrics {
    /// Start of the slot (UTC).
    pub slot_start: Timestamp,
    /// Seconds of the slot during which tracking ran and was not paused.
    pub tracked_seconds: u32,
    /// Key presses (`None`: not counted).
    pub keyboard_events: Option<u32>,
    /// Button presses + wheel events + movement samples (`None`: not counted).
    pub mouse_events: Option<u32>,
    /// Seconds with keyboard input (`None`: not counted).
    pub keyboard_seconds: Option<u32>,
    /// Seconds with mouse input (`None`: not counted).
    pub mouse_seconds: Option<u32>,
    /// Seconds with any input (or presence).
    pub active_seconds: u32,
    /// The seed's activity formula, 0..=100 ([`activity_percent`]); `None`: not counted.
    pub activity_percent: Option<u8>,
    /// Share of tracked seconds with input, 0..=100 ([`active_percent`]).
    pub active_percent: u8,
}

impl SlotMetrics {
    /// Keyboard plus mouse events, when counted.
    pub fn events(&self) -> Option<u64> {
        Some(u64::from(self.keyboard_events?) + u64::from(self.mouse_events?))
    }
}

/// `min(100, round(100 × events / (max_expected_events × tracked_seconds / slot_seconds)))`,
/// 0 when nothing was tracked. Rounds half up, computed exactly in integers.
///
/// ```
/// use activity_core::model::score::activity_percent;
/// assert_eq!(activity_percent(600, 600, 1200, 600), 50);  // full slot, half the expected events
/// assert_eq!(activity_percent(300, 300, 1200, 600), 50);  // half-tracked slot scales
/// assert_eq!(activity_percent(5000, 600, 1200, 600), 100); // capped
/// assert_eq!(activity_percent(9, 0, 1200, 600), 0);        // nothing tracked
/// ```
pub fn activity_percent(
    events: u64,
    tracked_seconds: u32,
    max_expected_events: u32,
    slot_seconds: u32,
) -> u8 {
    if tracked_seconds == 0 || max_expected_events == 0 || slot_seconds == 0 {
        return 0;
    }
    let num = 100u128 * u128::from(events) * u128::from(slot_seconds);
    let den = u128::from(max_expected_events) * u128::from(tracked_seconds);
    ((2 * num + den) / (2 * den)).min(100) as u8
}

/// `round(100 × active_seconds / tracked_seconds)`, at most 100, 0 when nothing was tracked.
///
/// ```
/// use activity_core::model::score::active_percent;
/// assert_eq!(active_percent(150, 600), 25);
/// assert_eq!(active_percent(1, 3), 33);
/// assert_eq!(active_percent(0, 0), 0);
/// ```
pub fn active_percent(active_seconds: u32, tracked_seconds: u32) -> u8 {
    if tracked_seconds == 0 {
        return 0;
    }
    let num = 100u64 * u64::from(active_seconds);
    let den = u64::from(tracked_seconds);
    ((2 * num + den) / (2 * den)).min(100) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cut_moves_the_interval_to_the_second() {
        let t0 = Timestamp::from_secs(600 * 1000);
        let mut s = SlotCounts::empty(t0, 600);
        s.tracked_millis = 600_000;
        s.keyboard.set(10);
        s.keyboard.set(400);
        s.keyboard_events = 4;
        s.mouse.set(11);
        s.mouse_events = 3;
        // [100.5 s, 400 s): 299.5 s; whole seconds 101..400; second 400 stays.
        let cut = s.cut(t0.add_millis(100_500), t0.add_millis(400_000));
        assert_eq!(cut.tracked_millis, 299_500);
        assert_eq!(s.tracked_millis, 300_500);
        assert_eq!((cut.keyboard_events, cut.mouse_events), (0, 0));
        assert_eq!((s.keyboard_events, s.mouse_events), (4, 3));
        assert!(s.keyboard.get(400) && s.keyboard.get(10));
        // A cut over active seconds moves counts in proportion.
        let cut = s.cut(t0.add_millis(300_000), t0.add_millis(700_000));
        assert_eq!(cut.keyboard_events, 2);
        assert!(cut.keyboard.get(400) && !s.keyboard.get(400));
        // Outside the slot: nothing.
        let none = s.cut(t0.add_millis(-5_000), t0);
        assert!(none.is_empty());
    }
}
