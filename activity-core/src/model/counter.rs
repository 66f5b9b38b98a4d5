//! The lock-free input counter: what input hooks call, and how slots are closed. The figures it
//! produces ([`SlotCounts`]) and the metric definitions live in [`score`](crate::model::score).
//!
//! Operating-system input hooks call [`InputCounter::record`] for every key press, button press,
//! wheel event and pointer movement. The call takes no lock and allocates nothing: it is a handful
//! of atomic operations, so it can run inside a hook callback on any thread (see the `ingest`
//! benchmark). An [`InputEvent`] carries only the *kind* of event, never which key or where the
//! pointer went, so the library cannot record a key sequence or a pointer path even by mistake.
//!
//! ## What is counted
//!
//! - `keyboard_events`: key presses (releases are not reported at all);
//! - `mouse_events`: button presses, wheel events, and pointer movement sampled at most once per
//!   [`MOVE_SAMPLE_MILLIS`] (250 ms): continuous motion for one second counts 4, a twitch counts 1;
//! - `keyboard_seconds`, `mouse_seconds`, `active_seconds`: the number of distinct whole seconds of
//!   the slot with at least one keyboard / mouse / any event, from two per-second bit maps
//!   (600 bits each for a 600-second slot). Every pointer movement marks its second, also the
//!   ones the 250 ms rule does not count;
//! - `tracked_seconds`: milliseconds of the slot during which the counter was started and not
//!   paused, rounded to the nearest second.
//!
//! From these, [`activity_percent`](crate::model::score::activity_percent) and
//! [`active_percent`](crate::model::score::active_percent) compute the two published metrics.
//!
//! ## Partial slots
//!
//! A slot in which tracking started, stopped or paused part-way has fewer `tracked_seconds`, and
//! both metrics scale to it: 300 events in the 300 tracked seconds of a slot score like 600
//! events in a full one.
//!
//! ```text
//!   slot        [0 s ........................................... 600 s)
//!   tracking         start@100 s     pause@250 s  resume@400 s         stop@550 s
//!   tracked          [===============)            [===================)
//!                    150 s                        150 s          → tracked_seconds = 300
//! ```
//!
//! ## How the counter works
//!
//! The counter keeps a ring of eight slot cells. A cell holds, for keyboard and for mouse, 64-bit
//! words packing a 16-bit slot tag with a count (saturating at `u32::MAX`), each on its own cache
//! line and striped four ways by recording thread so that concurrent threads do not contend, plus
//! the two per-second bit maps. Recording an event is one compare-and-swap on its word, which succeeds only while the word
//! carries the event's slot tag (so closing a slot concurrently can neither lose nor double an
//! event), and, once per second per kind, one `fetch_or` on a bit-map word.
//! Closing a slot swaps the words for the next tag and zeroes the maps. Events for a slot that is
//! already closed, or more than seven slots ahead of the oldest open one, are not counted;
//! [`InputCounter::dropped_events`] says how many there were.
//!
//! The only imprecision is a race no test can provoke: an event whose thread is suspended, after
//! its count was accepted, for longer than it takes the closing thread to read the bit maps (the
//! runtime closes a slot only after it has ended) may mark its second in the next use of the cell
//! instead of its own slot.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, AtomicUsize, Ordering::*};

use crate::clock::Timestamp;
use crate::model::config::{MAX_SLOT_SECONDS, SECONDS_PER_DAY};
use crate::model::score::{SecondMap, SlotCounts};
use crate::model::slot::{Interval, slot_index, slot_interval, slot_millis};

/// Pointer movement counts at most once per this many milliseconds.
pub const MOVE_SAMPLE_MILLIS: i64 = 250;

/// The kind of an input event. Deliberately nothing more: no key code, no position.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum InputEvent {
    /// A key went down (releases are not reported).
    KeyPress = 0,
    /// A mouse button went down.
    ButtonPress = 1,
    /// One wheel step or scroll event.
    Wheel = 2,
    /// The pointer moved (sampled: at most one counts per 250 ms).
    PointerMove = 3,
    /// The user was active in this second, as a source that cannot count events reports it (the
    /// Wayland idle-notification backends): the second counts as active, nothing is counted.
    Presence = 4,
}

/// Errors of the input counter.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ScoreError {
    /// The slot length is not a divisor of a day within the allowed range.
    #[error("slot_seconds must divide 86400 and be 1..={MAX_SLOT_SECONDS}, got {0}")]
    InvalidSlotLength(u32),
    /// A control call that does not fit the counter's state (e.g. `resume` when not paused).
    #[error("cannot {operation} an input counter that is {state}")]
    InvalidTransition {
        /// The call made: `start`, `pause`, `resume`, `stop`.
        operation: &'static str,
        /// The state the counter was in.
        state: &'static str,
    },
}

const RING: usize = 8;
const TAG_SHIFT: u32 = 48;
const COUNT_MASK: u64 = (1 << TAG_SHIFT) - 1;
/// Counts saturate here (a slot reports its counts as `u32`).
const COUNT_LIMIT: u64 = u32::MAX as u64;
/// `last_input` is refreshed at most this often, to keep the hot path to loads.
const LAST_INPUT_GRANULARITY_MILLIS: i64 = 100;
const NO_INPUT: i64 = i64::MIN;

fn tag(slot: i64) -> u64 {
    (slot as u64) & 0xFFFF
}

/// A tagged count on a cache line of its own.
#[repr(align(64))]
struct TaggedCount(AtomicU64);

/// Counts are striped: each recording thread adds to one of this many copies, so two threads
/// reporting the same kind of event do not contend for one cache line. Closing sums them.
const STRIPES: usize = 4;
const KEYBOARD: usize = 0;
const MOUSE: usize = 1;

static NEXT_STRIPE: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static STRIPE: std::cell::Cell<usize> = const { std::cell::Cell::new(usize::MAX) };
}

/// This thread's stripe, assigned round-robin on first use.
#[inline]
fn stripe() -> usize {
    STRIPE
        .try_with(|s| match s.get() {
            usize::MAX => {
                let v = NEXT_STRIPE.fetch_add(1, Relaxed) % STRIPES;
                s.set(v);
                v
            }
            v => v,
        })
        .unwrap_or(0)
}

struct SlotCell {
    /// `[kind * STRIPES + stripe]`: tag in the top 16 bits, count below.
    counts: Box<[TaggedCount]>,
    keyboard: Box<[AtomicU64]>,
    mouse: Box<[AtomicU64]>,
    presence: Box<[AtomicU64]>,
}

/// What a cell held for one slot.
struct Taken {
    keyboard_events: u32,
    mouse_events: u32,
    keyboard: SecondMap,
    mouse: SecondMap,
    presence: SecondMap,
}

impl SlotCell {
    fn new(words: usize) -> SlotCell {
        SlotCell {
            counts: (0..2 * STRIPES)
                .map(|_| TaggedCount(AtomicU64::new(0)))
                .collect(),
            keyboard: (0..words).map(|_| AtomicU64::new(0)).collect(),
            mouse: (0..words).map(|_| AtomicU64::new(0)).collect(),
            presence: (0..words).map(|_| AtomicU64::new(0)).collect(),
        }
    }

    #[inline]
    fn count(&self, kind: usize) -> &AtomicU64 {
        &self.counts[kind * STRIPES + stripe()].0
    }

    /// Hands the cell to `next_slot` and returns what it held.
    fn take(&self, next_slot: i64, seconds: u32) -> Taken {
        let armed = tag(next_slot) << TAG_SHIFT;
        let sum = |kind: usize| {
            let total: u64 = self.counts[kind * STRIPES..(kind + 1) * STRIPES]
                .iter()
                .map(|c| c.0.swap(armed, AcqRel) & COUNT_MASK)
                .sum();
            total.min(COUNT_LIMIT) as u32
        };
        let drain = |bits: &[AtomicU64]| SecondMap {
            words: bits.iter().map(|w| w.swap(0, AcqRel)).collect(),
            seconds,
        };
        Taken {
            keyboard_events: sum(KEYBOARD),
            mouse_events: sum(MOUSE),
            keyboard: drain(&self.keyboard),
            mouse: drain(&self.mouse),
            presence: drain(&self.presence),
        }
    }
}

#[inline]
fn mark(bits: &[AtomicU64], second: usize) {
    if let Some(w) = bits.get(second / 64) {
        let m = 1u64 << (second % 64);
        // A load first: after the first event of a second the bit is set and no write is needed.
        if w.load(Relaxed) & m == 0 {
            w.fetch_or(m, Relaxed);
        }
    }
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum State {
    New,
    Running { since: Timestamp },
    Paused,
    Stopped,
}

impl State {
    fn name(self) -> &'static str {
        match self {
            State::New => "not started",
            State::Running { .. } => "running",
            State::Paused => "paused",
            State::Stopped => "stopped",
        }
    }
}

struct Control {
    state: State,
    /// Finished tracking periods not yet wholly inside closed slots.
    periods: Vec<Interval>,
}

impl Control {
    /// Tracked time inside `part`, counting a running period only up to `part.end`.
    fn tracked_millis_until(&self, part: &Interval) -> i64 {
        let open = match self.state {
            State::Running { since } => Interval::new(since, part.end),
            _ => None,
        };
        self.periods
            .iter()
            .chain(open.iter())
            .filter_map(|p| p.intersect(part))
            .map(|p| p.duration_millis())
            .sum()
    }

    fn tracked_millis(&self, slot: &Interval) -> i64 {
        self.tracked_millis_until(slot)
    }
}

/// Counts input events per time slot; shared by reference between the threads that report input.
///
/// See the [module documentation](self) for what is counted and how.
pub struct InputCounter {
    slot_seconds: u32,
    slot_millis: i64,
    running: AtomicBool,
    /// Index of the oldest slot not yet closed; cells hold slots `base .. base + RING`.
    base: AtomicI64,
    last_move: AtomicI64,
    last_input: AtomicI64,
    dropped: AtomicU64,
    /// Whether the input source counts events (see [`InputCounter::set_counts_events`]).
    counts_events: AtomicBool,
    cells: Box<[SlotCell]>,
    control: Mutex<Control>,
}

impl std::fmt::Debug for InputCounter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InputCounter")
            .field("slot_seconds", &self.slot_seconds)
            .field("running", &self.running.load(Relaxed))
            .field("oldest_open_slot", &self.base.load(Relaxed))
            .field("dropped_events", &self.dropped.load(Relaxed))
            .finish_non_exhaustive()
    }
}

impl InputCounter {
    /// A stopped counter for slots of `slot_seconds` (a divisor of 86 400, at most 3 600).
    pub fn new(slot_seconds: u32) -> Result<InputCounter, ScoreError> {
        if slot_seconds == 0
            || slot_seconds > MAX_SLOT_SECONDS
            || !SECONDS_PER_DAY.is_multiple_of(slot_seconds)
        {
            return Err(ScoreError::InvalidSlotLength(slot_seconds));
        }
        let words = (slot_seconds as usize).div_ceil(64);
        Ok(InputCounter {
            slot_seconds,
            slot_millis: slot_millis(slot_seconds),
            running: AtomicBool::new(false),
            base: AtomicI64::new(0),
            last_move: AtomicI64::new(NO_INPUT),
            last_input: AtomicI64::new(NO_INPUT),
            dropped: AtomicU64::new(0),
            counts_events: AtomicBool::new(true),
            cells: (0..RING).map(|_| SlotCell::new(words)).collect(),
            control: Mutex::new(Control {
                state: State::New,
                periods: Vec::new(),
            }),
        })
    }

    /// The slot length this counter was made for.
    pub fn slot_seconds(&self) -> u32 {
        self.slot_seconds
    }

    /// Says whether the input reaching this counter is counted (`true`, the default) or only
    /// present ([`InputEvent::Presence`] from an idle-notification source): the slots it closes
    /// carry the flag ([`SlotCounts::counts_events`]).
    pub fn set_counts_events(&self, counts: bool) {
        self.counts_events.store(counts, Relaxed);
    }

    /// Counts one input event that happened at `at`. Lock-free and allocation-free.
    ///
    /// Events while the counter is not running (not started, paused, stopped) are ignored.
    #[inline]
    pub fn record(&self, event: InputEvent, at: Timestamp) {
        if !self.running.load(Relaxed) {
            return;
        }
        let ms = at.as_millis();
        // Which open slot: no division (a 64-bit divide would be most of the cost). The offset
        // from the oldest open slot is at most RING slot lengths, so a few subtractions do.
        let base = self.base.load(Acquire);
        let l = self.slot_millis;
        let mut offset = ms.wrapping_sub(base.wrapping_mul(l));
        if offset < 0 || offset >= RING as i64 * l {
            self.dropped.fetch_add(1, Relaxed);
            return;
        }
        let mut slot = base;
        while offset >= l {
            offset -= l;
            slot += 1;
        }
        let cell = &self.cells[(slot as usize) % RING];
        let second = (offset / 1000) as usize;
        self.note_input(ms);
        let (count, bits) = match event {
            InputEvent::KeyPress => (cell.count(KEYBOARD), &cell.keyboard),
            InputEvent::ButtonPress | InputEvent::Wheel => (cell.count(MOUSE), &cell.mouse),
            InputEvent::Presence => return mark(&cell.presence, second),
            InputEvent::PointerMove => {
                mark(&cell.mouse, second);
                if !self.movement_counts(ms) {
                    return;
                }
                (cell.count(MOUSE), &cell.mouse)
            }
        };
        // Compare-and-swap rather than fetch_add: the increment lands only if the cell still
        // carries this slot's tag, so a slot being closed meanwhile can never gain or lose it.
        let mut cur = count.load(Relaxed);
        loop {
            if cur >> TAG_SHIFT != tag(slot) || cur & COUNT_MASK >= COUNT_LIMIT {
                // The cell was handed to another slot meanwhile, or the count is saturated.
                self.dropped.fetch_add(1, Relaxed);
                return;
            }
            match count.compare_exchange_weak(cur, cur + 1, Relaxed, Relaxed) {
                Ok(_) => break,
                Err(actual) => cur = actual,
            }
        }
        mark(bits, second);
    }

    #[inline]
    fn note_input(&self, ms: i64) {
        if ms.saturating_sub(self.last_input.load(Relaxed)) >= LAST_INPUT_GRANULARITY_MILLIS {
            self.last_input.store(ms, Relaxed);
        }
    }

    /// The 250 ms rule: true for the first movement at least 250 ms after the last counted one.
    #[inline]
    fn movement_counts(&self, ms: i64) -> bool {
        let last = self.last_move.load(Relaxed);
        ms.saturating_sub(last) >= MOVE_SAMPLE_MILLIS
            && self
                .last_move
                .compare_exchange(last, ms, Relaxed, Relaxed)
                .is_ok()
    }

    /// The time of the latest input event seen while running (to within 100 ms), if any.
    pub fn last_input(&self) -> Option<Timestamp> {
        match self.last_input.load(Relaxed) {
            NO_INPUT => None,
            ms => Some(Timestamp::from_millis(ms)),
        }
    }

    /// Events not counted because their slot was already closed, too far ahead, or saturated.
    pub fn dropped_events(&self) -> u64 {
        self.dropped.load(Relaxed)
    }

    /// Whether events are being counted (started and not paused).
    pub fn is_running(&self) -> bool {
        self.running.load(Relaxed)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Control> {
        // The lock guards plain data that every holder leaves consistent; a panic elsewhere
        // while holding it cannot leave it half-written, so poisoning is ignored.
        crate::util::lock(&self.control)
    }

    /// Starts counting at `at`. Allowed on a new or stopped counter.
    pub fn start(&self, at: Timestamp) -> Result<(), ScoreError> {
        let mut ctl = self.lock();
        match ctl.state {
            State::New | State::Stopped => {}
            s => {
                return Err(ScoreError::InvalidTransition {
                    operation: "start",
                    state: s.name(),
                });
            }
        }
        let base = slot_index(at, self.slot_seconds);
        for i in 0..RING as i64 {
            let slot = base + i;
            let cell = &self.cells[slot.rem_euclid(RING as i64) as usize];
            let _ = cell.take(slot, self.slot_seconds);
        }
        self.base.store(base, Release);
        ctl.periods.clear();
        ctl.state = State::Running { since: at };
        self.running.store(true, Release);
        Ok(())
    }

    /// Stops counting at `at` until [`resume`](Self::resume); time while paused is not tracked.
    pub fn pause(&self, at: Timestamp) -> Result<(), ScoreError> {
        let mut ctl = self.lock();
        let State::Running { since } = ctl.state else {
            return Err(ScoreError::InvalidTransition {
                operation: "pause",
                state: ctl.state.name(),
            });
        };
        self.running.store(false, Release);
        ctl.periods.push(Interval {
            start: since,
            end: at.max(since),
        });
        ctl.state = State::Paused;
        Ok(())
    }

    /// Counts again from `at` after [`pause`](Self::pause).
    pub fn resume(&self, at: Timestamp) -> Result<(), ScoreError> {
        let mut ctl = self.lock();
        if ctl.state != State::Paused {
            return Err(ScoreError::InvalidTransition {
                operation: "resume",
                state: ctl.state.name(),
            });
        }
        ctl.state = State::Running { since: at };
        self.running.store(true, Release);
        Ok(())
    }

    /// Closes every slot that has ended by `now` (slot end ≤ `now`), oldest first, returning the
    /// ones in which anything was tracked or counted. Call it at (or soon after) each boundary.
    pub fn close_until(&self, now: Timestamp) -> Vec<SlotCounts> {
        let mut ctl = self.lock();
        if matches!(ctl.state, State::New | State::Stopped) {
            return Vec::new();
        }
        let last = slot_index(now, self.slot_seconds).saturating_sub(1);
        self.close_through(&mut ctl, last)
    }

    /// Closes the slots up to and including index `last`, oldest first. At most
    /// [`MAX_SLOTS_PER_CLOSE`] are closed one by one; a timestamp further ahead (a clock jump of
    /// years, a bogus value) skips the rest at once, dropping their tracked time with a
    /// warning, instead of looping for ages.
    fn close_through(&self, ctl: &mut Control, last: i64) -> Vec<SlotCounts> {
        let mut out = Vec::new();
        let mut closed = 0usize;
        while self.base.load(Acquire) <= last {
            if closed == MAX_SLOTS_PER_CLOSE {
                let base = self.base.load(Acquire);
                tracing::warn!(
                    skipped = last + 1 - base,
                    "input counter asked to close slots far ahead; skipping them"
                );
                let next = last.saturating_add(1);
                for s in next..next.saturating_add(RING as i64) {
                    let _ =
                        self.cells[s.rem_euclid(RING as i64) as usize].take(s, self.slot_seconds);
                }
                self.base.store(next, Release);
                let end = slot_interval(last, self.slot_seconds).end;
                ctl.periods.retain(|p| p.end > end);
                break;
            }
            out.extend(self.close_oldest(ctl));
            closed += 1;
        }
        out
    }

    /// The counts of the slots still open, as of `now`, without closing anything: a checkpoint
    /// to persist so that a crash loses little. Events racing the reading may or may not be in
    /// it; the slot's close later gives the exact figures.
    pub fn peek(&self, now: Timestamp) -> Vec<SlotCounts> {
        let ctl = self.lock();
        if matches!(ctl.state, State::New | State::Stopped) {
            return Vec::new();
        }
        let base = self.base.load(Acquire);
        let last = slot_index(now, self.slot_seconds).min(base + RING as i64 - 1);
        let mut out = Vec::new();
        for slot in base..=last {
            let cell = &self.cells[slot.rem_euclid(RING as i64) as usize];
            let sum = |kind: usize| {
                let total: u64 = cell.counts[kind * STRIPES..(kind + 1) * STRIPES]
                    .iter()
                    .map(|c| c.0.load(Acquire))
                    .filter(|v| v >> TAG_SHIFT == tag(slot))
                    .map(|v| v & COUNT_MASK)
                    .sum();
                total.min(COUNT_LIMIT) as u32
            };
            let map = |bits: &[AtomicU64]| SecondMap {
                words: bits.iter().map(|w| w.load(Acquire)).collect(),
                seconds: self.slot_seconds,
            };
            let interval = slot_interval(slot, self.slot_seconds);
            let upto = Interval {
                start: interval.start,
                end: interval.end.min(now),
            };
            let counts = SlotCounts {
                slot_start: interval.start,
                slot_seconds: self.slot_seconds,
                tracked_millis: if upto.end > upto.start {
                    ctl.tracked_millis_until(&upto)
                } else {
                    0
                },
                keyboard_events: sum(KEYBOARD),
                mouse_events: sum(MOUSE),
                keyboard: map(&cell.keyboard),
                mouse: map(&cell.mouse),
                presence: map(&cell.presence),
                counts_events: self.counts_events.load(Relaxed),
            };
            if counts.tracked_millis > 0 || counts.events() > 0 {
                out.push(counts);
            }
        }
        out
    }

    /// Stops counting at `at` and closes every open slot up to and including the one holding
    /// `at` (that one only partly tracked). Allowed when running or paused.
    pub fn stop(&self, at: Timestamp) -> Result<Vec<SlotCounts>, ScoreError> {
        let mut ctl = self.lock();
        match ctl.state {
            State::Running { since } => {
                self.running.store(false, Release);
                ctl.periods.push(Interval {
                    start: since,
                    end: at.max(since),
                });
            }
            State::Paused => {}
            s => {
                return Err(ScoreError::InvalidTransition {
                    operation: "stop",
                    state: s.name(),
                });
            }
        }
        ctl.state = State::Stopped;
        let last = slot_index(at, self.slot_seconds);
        let out = self.close_through(&mut ctl, last);
        ctl.periods.clear();
        Ok(out)
    }

    fn close_oldest(&self, ctl: &mut Control) -> Option<SlotCounts> {
        let base = self.base.load(Acquire);
        let cell = &self.cells[base.rem_euclid(RING as i64) as usize];
        let taken = cell.take(base + RING as i64, self.slot_seconds);
        self.base.store(base + 1, Release);
        let slot = slot_interval(base, self.slot_seconds);
        let tracked_millis = ctl.tracked_millis(&slot);
        ctl.periods.retain(|p| p.end > slot.end);
        let counts = SlotCounts {
            slot_start: slot.start,
            slot_seconds: self.slot_seconds,
            tracked_millis,
            keyboard_events: taken.keyboard_events,
            mouse_events: taken.mouse_events,
            keyboard: taken.keyboard,
            mouse: taken.mouse,
            presence: taken.presence,
            counts_events: self.counts_events.load(Relaxed),
        };
        (counts.tracked_millis > 0 || counts.events() > 0 || counts.active_seconds() > 0)
            .then_some(counts)
    }
}

/// Most slots [`InputCounter::close_until`] and [`InputCounter::stop`] close one by one in a
/// call (7 days of 10-minute slots); slots further ahead are skipped at once.
pub const MAX_SLOTS_PER_CLOSE: usize = 1008;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closing_far_ahead_returns_promptly() {
        let c = InputCounter::new(600).unwrap();
        let t0 = Timestamp::from_secs(1_800_000_000);
        c.start(t0).unwrap();
        c.record(InputEvent::KeyPress, t0.add_millis(1_000));
        // Centuries ahead: closes the first slots one by one, skips the rest at once.
        let far = Timestamp::from_millis(i64::MAX / 4);
        let closed = c.close_until(far);
        assert!(closed.len() <= MAX_SLOTS_PER_CLOSE);
        assert_eq!(closed[0].keyboard_events, 1);
        let rest = c.stop(far.add_millis(1_000)).unwrap();
        assert!(rest.len() <= 2, "{}", rest.len());
        // A new start works on the far side.
        c.start(far.add_millis(2_000)).unwrap();
    }

    const BASE: i64 = 1_796_025_600_000; // 2026-11-30T08:00:00Z, a slot boundary

    fn at(ms: i64) -> Timestamp {
        Timestamp::from_millis(BASE + ms)
    }

    #[test]
    fn peek_reads_open_slots_without_closing_them() {
        let c = InputCounter::new(600).unwrap();
        assert!(c.peek(at(0)).is_empty());
        c.start(at(0)).unwrap();
        c.record(InputEvent::KeyPress, at(1_000));
        c.record(InputEvent::ButtonPress, at(2_500));
        c.pause(at(4_000)).unwrap();
        c.resume(at(6_000)).unwrap();
        let p = c.peek(at(10_000));
        assert_eq!(p.len(), 1);
        assert_eq!((p[0].keyboard_events, p[0].mouse_events), (1, 1));
        assert_eq!(p[0].tracked_millis, 8_000);
        assert_eq!(p[0].active_seconds(), 2);
        // Nothing was closed: later events land in the same slot, and the close has them all.
        c.record(InputEvent::KeyPress, at(11_000));
        let closed = c.stop(at(20_000)).unwrap();
        assert_eq!(closed.len(), 1);
        assert_eq!((closed[0].keyboard_events, closed[0].mouse_events), (2, 1));
        assert_eq!(closed[0].tracked_millis, 18_000);
        // A peek across a boundary sees both slots, the later one only up to `now`.
        let c = InputCounter::new(600).unwrap();
        c.start(at(590_000)).unwrap();
        c.record(InputEvent::KeyPress, at(595_000));
        c.record(InputEvent::KeyPress, at(605_000));
        let p = c.peek(at(610_000));
        let got: Vec<(u32, i64)> = p
            .iter()
            .map(|s| (s.keyboard_events, s.tracked_millis))
            .collect();
        assert_eq!(got, [(1, 10_000), (1, 10_000)]);
    }

    #[test]
    fn rejects_bad_slot_lengths() {
        for l in [0, 7, 7200, 86_400] {
            assert_eq!(
                InputCounter::new(l).unwrap_err(),
                ScoreError::InvalidSlotLength(l)
            );
        }
    }

    #[test]
    fn counts_kinds_and_seconds() {
        let c = InputCounter::new(600).unwrap();
        c.start(at(0)).unwrap();
        c.record(InputEvent::KeyPress, at(1_000));
        c.record(InputEvent::KeyPress, at(1_900)); // same second
        c.record(InputEvent::ButtonPress, at(1_950)); // same second, mouse
        c.record(InputEvent::Wheel, at(5_000));
        let s = c.stop(at(600_000)).unwrap();
        assert_eq!(s.len(), 1);
        let m = s[0].metrics(1200);
        assert_eq!(m.keyboard_events, Some(2));
        assert_eq!(m.mouse_events, Some(2));
        assert_eq!(m.keyboard_seconds, Some(1));
        assert_eq!(m.mouse_seconds, Some(2));
        assert_eq!(m.active_seconds, 2);
        assert_eq!(m.tracked_seconds, 600);
    }

    #[test]
    fn movement_counts_once_per_250_ms() {
        let c = InputCounter::new(600).unwrap();
        c.start(at(0)).unwrap();
        // Continuous motion every 10 ms for exactly 1 s: counted at 0, 250, 500, 750 ms.
        for ms in (10_000..11_000).step_by(10) {
            c.record(InputEvent::PointerMove, at(ms));
        }
        // A twitch 249 ms after the last counted sample does not count; one at 250 ms does.
        c.record(InputEvent::PointerMove, at(10_999));
        c.record(InputEvent::PointerMove, at(11_000));
        let m = c.stop(at(600_000)).unwrap()[0].metrics(1200);
        assert_eq!(m.mouse_events, Some(5));
        assert_eq!(m.mouse_seconds, Some(2)); // seconds 10 and 11
    }

    #[test]
    fn paused_time_and_events_are_not_counted() {
        let c = InputCounter::new(600).unwrap();
        c.start(at(100_000)).unwrap();
        c.record(InputEvent::KeyPress, at(150_000));
        c.pause(at(250_000)).unwrap();
        assert!(!c.is_running());
        c.record(InputEvent::KeyPress, at(300_000)); // paused: ignored
        c.resume(at(400_000)).unwrap();
        c.record(InputEvent::KeyPress, at(450_000));
        let s = c.stop(at(550_000)).unwrap();
        let m = s[0].metrics(1200);
        assert_eq!(m.tracked_seconds, 300);
        assert_eq!(m.keyboard_events, Some(2));
    }

    #[test]
    fn close_until_closes_ended_slots_only() {
        let c = InputCounter::new(600).unwrap();
        c.start(at(0)).unwrap();
        c.record(InputEvent::KeyPress, at(599_999));
        c.record(InputEvent::KeyPress, at(600_000));
        assert!(c.close_until(at(599_999)).is_empty());
        let first = c.close_until(at(600_000));
        assert_eq!(first.len(), 1);
        assert_eq!(first[0].keyboard_events, 1);
        assert_eq!(first[0].slot_start, at(0));
        // A late event for the closed slot is dropped, not put in the next one.
        c.record(InputEvent::KeyPress, at(599_000));
        assert_eq!(c.dropped_events(), 1);
        let rest = c.stop(at(700_000)).unwrap();
        assert_eq!(rest.len(), 1);
        assert_eq!(rest[0].keyboard_events, 1);
        assert_eq!(rest[0].tracked_seconds(), 100);
    }

    #[test]
    fn events_too_far_ahead_are_dropped() {
        let c = InputCounter::new(600).unwrap();
        c.start(at(0)).unwrap();
        c.record(InputEvent::KeyPress, at(8 * 600_000));
        c.record(InputEvent::KeyPress, at(-1));
        assert_eq!(c.dropped_events(), 2);
        c.record(InputEvent::KeyPress, at(7 * 600_000));
        assert_eq!(c.dropped_events(), 2);
    }

    #[test]
    fn invalid_transitions_are_errors() {
        let c = InputCounter::new(600).unwrap();
        assert!(matches!(
            c.pause(at(0)),
            Err(ScoreError::InvalidTransition {
                operation: "pause",
                state: "not started"
            })
        ));
        c.start(at(0)).unwrap();
        assert!(c.start(at(1)).is_err());
        assert!(c.resume(at(1)).is_err());
        c.stop(at(2)).unwrap();
        assert!(c.stop(at(3)).is_err());
        // Restarting inside the same slot gives a second part that merges exactly.
        c.start(at(10_000)).unwrap();
        c.record(InputEvent::KeyPress, at(10_500));
        let s = c.stop(at(20_000)).unwrap();
        assert_eq!(s[0].tracked_millis, 10_000);
    }

    #[test]
    fn merge_unions_seconds() {
        let mut a = SlotCounts {
            slot_start: at(0),
            slot_seconds: 600,
            tracked_millis: 1000,
            keyboard_events: 1,
            mouse_events: 0,
            keyboard: SecondMap::new(600),
            mouse: SecondMap::new(600),
            presence: SecondMap::new(600),
            counts_events: true,
        };
        a.keyboard.set(3);
        let mut b = a.clone();
        b.mouse.set(3);
        b.mouse.set(599);
        assert!(a.merge(&b));
        assert_eq!((a.keyboard_events, a.tracked_millis), (2, 2000));
        assert_eq!(a.active_seconds(), 2);
        // Presence seconds (an idle-notification source) are active seconds too, once each.
        let mut c = SlotCounts::empty(at(0), 600);
        c.counts_events = false;
        c.presence.set(3);
        c.presence.set(10);
        assert!(a.merge(&c));
        assert_eq!(a.active_seconds(), 3);
        assert!(a.counts_events, "counted in one part: counted");
        b.slot_start = at(600_000);
        assert!(!a.merge(&b));
    }

    #[test]
    fn presence_marks_seconds_without_counting() {
        let c = InputCounter::new(600).unwrap();
        c.set_counts_events(false);
        c.start(at(0)).unwrap();
        c.record(InputEvent::Presence, at(1_000));
        c.record(InputEvent::Presence, at(1_500));
        c.record(InputEvent::Presence, at(7_200));
        let s = c.stop(at(10_000)).unwrap();
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].events(), 0);
        assert_eq!(s[0].active_seconds(), 2);
        assert!(!s[0].counts_events);
    }

    #[test]
    fn second_map_from_words_clears_excess_bits() {
        let m = SecondMap::from_words(70, vec![u64::MAX, u64::MAX, 5]);
        assert_eq!(m.count(), 70);
        assert!(m.get(69) && !m.get(70));
    }
}
