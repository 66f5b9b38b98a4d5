//! The input counter and the two metrics: hand-computed cases, the 250 ms rule, active seconds,
//! partial slots, and a property test against a straightforward reference model.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use activity_core::model::score::{
    InputCounter, InputEvent, MOVE_SAMPLE_MILLIS, SlotCounts, active_percent, activity_percent,
};
use common::{BASE_MS, at};
use proptest::prelude::*;

#[test]
fn seed_formula_on_hand_computed_cases() {
    // (events, tracked_seconds, max_expected_events, slot_seconds, expected %)
    let cases: &[(u64, u32, u32, u32, u8)] = &[
        (600, 600, 1200, 600, 50),   // full slot, half the expected events
        (300, 300, 1200, 600, 50),   // half-tracked slot, half its share of events
        (45, 150, 1200, 600, 15),    // 45 / (1200 × 150 / 600 = 300)
        (1199, 600, 1200, 600, 100), // 99.92 rounds up
        (1193, 600, 1200, 600, 99),  // 99.42 rounds down
        (1194, 600, 1200, 600, 100), // 99.5 rounds half up
        (2400, 600, 1200, 600, 100), // capped at 100
        (1, 1, 1200, 600, 50),       // 1 / (1200 × 1 / 600 = 2)
        (450, 300, 900, 300, 50),    // other slot length and maximum
        (7, 0, 1200, 600, 0),        // nothing tracked
        (0, 600, 1200, 600, 0),
    ];
    for &(e, t, m, l, want) in cases {
        assert_eq!(
            activity_percent(e, t, m, l),
            want,
            "events {e} tracked {t} max {m} slot {l}"
        );
    }
    let active: &[(u32, u32, u8)] = &[
        (300, 600, 50),
        (3, 7, 43),
        (2, 3, 67),
        (1, 200, 1),
        (1, 201, 0),
        (5, 0, 0),
    ];
    for &(a, t, want) in active {
        assert_eq!(active_percent(a, t), want, "active {a} tracked {t}");
    }
}

#[test]
fn partial_slot_end_to_end() {
    // Slot [0, 600 s): start at 120 s, pause 300-420 s, stop at 540 s → 300 s tracked.
    let c = InputCounter::new(600).unwrap();
    c.start(at(120_000)).unwrap();
    for s in 130..160 {
        c.record(InputEvent::KeyPress, at(s * 1000)); // 30 keys in 30 distinct seconds
    }
    for ms in (200_000..202_000).step_by(50) {
        c.record(InputEvent::PointerMove, at(ms)); // 2 s of motion: 8 samples, 2 seconds
    }
    c.record(InputEvent::ButtonPress, at(201_500)); // same second as motion
    c.pause(at(300_000)).unwrap();
    for s in 301..420 {
        c.record(InputEvent::KeyPress, at(s * 1000)); // paused: not counted
    }
    c.resume(at(420_000)).unwrap();
    for s in 430..451 {
        c.record(InputEvent::Wheel, at(s * 1000)); // 21 wheel events in 21 seconds
    }
    let slots = c.stop(at(540_000)).unwrap();
    assert_eq!(slots.len(), 1);
    let m = slots[0].metrics(1200);
    assert_eq!(m.tracked_seconds, 300);
    assert_eq!(m.keyboard_events, Some(30));
    assert_eq!(m.mouse_events, Some(8 + 1 + 21));
    assert_eq!(
        (m.keyboard_seconds, m.mouse_seconds, m.active_seconds),
        (Some(30), Some(23), 53)
    );
    // 60 events / (1200 × 300 / 600 = 600) = 10 %; 53 / 300 s = 17.67 % → 18 %.
    assert_eq!(m.activity_percent, Some(10));
    assert_eq!(m.active_percent, 18);
}

#[test]
fn movement_rule_counts_continuous_motion_four_times_a_second() {
    let c = InputCounter::new(600).unwrap();
    c.start(at(0)).unwrap();
    // 10 s of motion reported every 8 ms (a 125 Hz mouse).
    for ms in (0..10_000).step_by(8) {
        c.record(InputEvent::PointerMove, at(ms));
    }
    let m = c.stop(at(600_000)).unwrap()[0].metrics(1200);
    // Samples at 0, 250 (≥ 250 after 0: 248 is too early, 256 counts), …: one per 256 ms.
    let mut expected = 0;
    let mut last = i64::MIN / 2;
    for ms in (0..10_000).step_by(8) {
        if ms - last >= MOVE_SAMPLE_MILLIS {
            expected += 1;
            last = ms;
        }
    }
    assert_eq!(m.mouse_events, Some(expected));
    assert!((39..=40).contains(&expected), "{expected}");
    assert_eq!(m.mouse_seconds, Some(10));
    assert_eq!(m.keyboard_events, Some(0));
}

#[derive(Clone, Debug)]
enum Step {
    Event(InputEvent, i64),
    Pause(i64),
    Resume(i64),
}

fn event_kind() -> impl Strategy<Value = InputEvent> {
    prop_oneof![
        Just(InputEvent::KeyPress),
        Just(InputEvent::ButtonPress),
        Just(InputEvent::Wheel),
        Just(InputEvent::PointerMove),
        Just(InputEvent::PointerMove),
    ]
}

/// A time-ordered script: events and pause/resume points over about three slots.
fn script() -> impl Strategy<Value = (i64, Vec<Step>, i64)> {
    (
        0i64..600_000,
        prop::collection::vec((event_kind(), 0i64..1_800_000, 0u8..100), 0..400),
    )
        .prop_map(|(start, raw)| {
            let mut raw = raw;
            raw.sort_by_key(|r| r.1);
            let mut steps = Vec::new();
            let mut paused = false;
            for (kind, t, dice) in raw {
                let t = t + start;
                if dice < 3 {
                    steps.push(if paused {
                        Step::Resume(t)
                    } else {
                        Step::Pause(t)
                    });
                    paused = !paused;
                } else {
                    steps.push(Step::Event(kind, t));
                }
            }
            (start, steps, start + 1_800_000)
        })
}

#[derive(Default, Debug, PartialEq)]
struct Expected {
    tracked_ms: i64,
    keyboard: u32,
    mouse: u32,
    kb_secs: BTreeSet<i64>,
    mouse_secs: BTreeSet<i64>,
}

/// The definitions, computed the obvious way.
fn reference(start: i64, steps: &[Step], stop: i64, l: i64) -> BTreeMap<i64, Expected> {
    let mut slots: BTreeMap<i64, Expected> = BTreeMap::new();
    let mut running_since = Some(start);
    let add_tracked = |slots: &mut BTreeMap<i64, Expected>, a: i64, b: i64| {
        let mut t = a;
        while t < b {
            let k = t.div_euclid(l);
            let end = ((k + 1) * l).min(b);
            slots.entry(k).or_default().tracked_ms += end - t;
            t = end;
        }
    };
    let mut last_move = i64::MIN / 2;
    for s in steps {
        match *s {
            Step::Pause(t) => {
                if let Some(since) = running_since.take() {
                    add_tracked(&mut slots, since, t);
                }
            }
            Step::Resume(t) => running_since = Some(t),
            Step::Event(kind, t) => {
                if running_since.is_none() {
                    continue;
                }
                let k = t.div_euclid(l);
                let sec = (t - k * l) / 1000;
                let e = slots.entry(k).or_default();
                match kind {
                    InputEvent::KeyPress => {
                        e.keyboard += 1;
                        e.kb_secs.insert(sec);
                    }
                    InputEvent::ButtonPress | InputEvent::Wheel => {
                        e.mouse += 1;
                        e.mouse_secs.insert(sec);
                    }
                    InputEvent::PointerMove => {
                        e.mouse_secs.insert(sec);
                        if t - last_move >= MOVE_SAMPLE_MILLIS {
                            last_move = t;
                            e.mouse += 1;
                        }
                    }
                    // Not generated: presence (idle-notification sources) has its own tests.
                    InputEvent::Presence => unreachable!("not generated"),
                }
            }
        }
    }
    if let Some(since) = running_since {
        add_tracked(&mut slots, since, stop);
    }
    slots.retain(|_, e| e.tracked_ms > 0 || e.keyboard + e.mouse > 0);
    slots
}

fn as_expected(c: &SlotCounts) -> Expected {
    let secs = |m: &activity_core::model::score::SecondMap| {
        (0..c.slot_seconds)
            .filter(|&s| m.get(s))
            .map(i64::from)
            .collect()
    };
    Expected {
        tracked_ms: c.tracked_millis,
        keyboard: c.keyboard_events,
        mouse: c.mouse_events,
        kb_secs: secs(&c.keyboard),
        mouse_secs: secs(&c.mouse),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn counter_matches_the_reference_model((start, steps, stop) in script(), li in 0usize..3) {
        let l_secs = [60u32, 300, 600][li];
        let l = i64::from(l_secs) * 1000;
        let c = InputCounter::new(l_secs).unwrap();
        c.start(at(start)).unwrap();
        let mut got = Vec::new();
        for s in &steps {
            match *s {
                Step::Event(kind, t) => {
                    got.extend(c.close_until(at(t)));
                    c.record(kind, at(t));
                }
                Step::Pause(t) => c.pause(at(t)).unwrap(),
                Step::Resume(t) => c.resume(at(t)).unwrap(),
            }
        }
        got.extend(c.stop(at(stop)).unwrap());
        prop_assert_eq!(c.dropped_events(), 0);
        let want = reference(BASE_MS + start, &steps.iter().map(|s| match *s {
            Step::Event(k, t) => Step::Event(k, BASE_MS + t),
            Step::Pause(t) => Step::Pause(BASE_MS + t),
            Step::Resume(t) => Step::Resume(BASE_MS + t),
        }).collect::<Vec<_>>(), BASE_MS + stop, l);
        let got_map: BTreeMap<i64, Expected> = got
            .iter()
            .map(|c| (c.slot_start.as_millis().div_euclid(l), as_expected(c)))
            .collect();
        prop_assert_eq!(got.len(), got_map.len(), "one SlotCounts per slot");
        prop_assert_eq!(&got_map, &want);
        for c in &got {
            let m = c.metrics(1200);
            let activity = m.activity_percent.expect("counted");
            prop_assert!(activity <= 100 && m.active_percent <= 100);
            let (k, mo) = (m.keyboard_seconds.expect("counted"), m.mouse_seconds.expect("counted"));
            prop_assert!(m.active_seconds <= k + mo);
        }
    }

    #[test]
    fn percentages_always_within_0_to_100(
        e in any::<u64>(), t in any::<u32>(), m in any::<u32>(), l in any::<u32>(), a in any::<u32>(),
    ) {
        prop_assert!(activity_percent(e, t, m, l) <= 100);
        prop_assert!(active_percent(a, t) <= 100);
    }
}
