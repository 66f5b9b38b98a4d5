//! The screenshot schedule: one capture per interval, the mean gap, aligned instants, and no
//! capture while paused, disabled or disallowed.

mod common;

use activity_core::Timestamp;
use activity_core::model::schedule::{CaptureGate, ScreenshotSchedule};
use common::at;
use proptest::prelude::*;

const OPEN: CaptureGate = CaptureGate {
    running: true,
    paused: false,
    is_screenshot_enabled: true,
    allow_screenshot_capture: true,
};

proptest! {
    #[test]
    fn exactly_one_capture_per_interval(f in 1u32..=60, random: bool, seed: u64, k0 in -1_000_000i64..1_000_000, n in 1i64..200) {
        let s = ScreenshotSchedule::new(f, random, seed).unwrap();
        let fm = s.frequency_millis();
        // Over whole intervals [k0 F, (k0 + n) F): one instant in each.
        let from = Timestamp::from_millis(k0 * fm - 1);
        let to = Timestamp::from_millis((k0 + n) * fm - 1);
        let got: Vec<_> = s.instants_between(from, to).collect();
        prop_assert_eq!(got.len() as i64, n);
        for (i, t) in got.iter().enumerate() {
            prop_assert_eq!(s.interval_index(*t), k0 + i as i64);
        }
        // And next_after walks the same instants.
        let mut cur = from;
        for t in &got {
            cur = s.next_after(cur);
            prop_assert_eq!(cur, *t);
        }
    }

    #[test]
    fn aligned_mode_lands_on_multiples(f in 1u32..=60, t in -10_000_000_000_000i64..10_000_000_000_000) {
        let s = ScreenshotSchedule::new(f, false, 0).unwrap();
        let next = s.next_after(Timestamp::from_millis(t));
        prop_assert_eq!(next.as_millis().rem_euclid(i64::from(f) * 60_000), 0);
        prop_assert!(next.as_millis() > t && next.as_millis() - t <= i64::from(f) * 60_000);
    }
}

#[test]
fn random_mean_gap_is_the_frequency_within_2_percent() {
    for (f, seed) in [(10u32, 1u64), (10, 2), (1, 3), (60, 4), (7, 5)] {
        let s = ScreenshotSchedule::new(f, true, seed).unwrap();
        let instants: Vec<i64> = (0..10_001)
            .map(|k| s.instant(1_000_000 + k).as_millis())
            .collect();
        let gaps: Vec<i64> = instants.windows(2).map(|w| w[1] - w[0]).collect();
        let mean = gaps.iter().sum::<i64>() as f64 / gaps.len() as f64;
        let fm = f64::from(f) * 60_000.0;
        assert!((mean / fm - 1.0).abs() < 0.02, "F={f}: mean gap {mean} ms");
        // Not aligned in disguise: offsets spread over the interval (mean ≈ F/2, spread ≈ F/√12).
        let offsets: Vec<f64> = instants
            .iter()
            .map(|&t| (t.rem_euclid(fm as i64)) as f64 / fm)
            .collect();
        let m = offsets.iter().sum::<f64>() / offsets.len() as f64;
        let sd =
            (offsets.iter().map(|o| (o - m).powi(2)).sum::<f64>() / offsets.len() as f64).sqrt();
        assert!((m - 0.5).abs() < 0.02, "F={f}: mean offset {m}");
        assert!(
            (sd - (1.0f64 / 12.0).sqrt()).abs() < 0.02,
            "F={f}: offset sd {sd}"
        );
        // Gaps really vary between 0 and 2F.
        assert!(
            gaps.iter().any(|&g| (g as f64) < 0.2 * fm)
                && gaps.iter().any(|&g| (g as f64) > 1.8 * fm)
        );
    }
}

#[test]
fn nothing_while_paused_disabled_or_disallowed() {
    let s = ScreenshotSchedule::new(10, true, 9).unwrap();
    let closed = [
        CaptureGate {
            running: false,
            ..OPEN
        },
        CaptureGate {
            paused: true,
            ..OPEN
        },
        CaptureGate {
            is_screenshot_enabled: false,
            ..OPEN
        },
        CaptureGate {
            allow_screenshot_capture: false,
            ..OPEN
        },
    ];
    for gate in closed {
        assert!(!gate.is_open());
        assert_eq!(s.next_capture(at(0), &gate), None, "{gate:?}");
    }
    assert!(s.next_capture(at(0), &OPEN).is_some());
}

#[test]
fn captures_missed_while_paused_are_skipped_not_made_up() {
    // One hour, aligned every 10 minutes, paused from minute 15 to 35, as a runtime steps it.
    let s = ScreenshotSchedule::new(10, false, 0).unwrap();
    let mut taken = Vec::new();
    let mut last = at(-1);
    for sec in 0..3600 {
        let now = at(sec * 1000);
        let minute = sec / 60;
        let gate = CaptureGate {
            paused: (15..35).contains(&minute),
            ..OPEN
        };
        if gate.is_open() {
            taken.extend(s.instants_between(last, now));
        }
        last = now;
    }
    assert_eq!(taken, [at(0), at(600_000), at(2_400_000), at(3_000_000)]);
}
