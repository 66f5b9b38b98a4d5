//! The input counter under concurrency: threads record while another closes slots; every event is
//! either counted exactly once or reported as dropped.

use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};

use activity_core::Timestamp;
use activity_core::model::score::{InputCounter, InputEvent};

#[test]
fn no_event_is_lost_or_counted_twice_while_slots_close() {
    let base = 1_796_025_600_000i64;
    let c = InputCounter::new(60).unwrap();
    c.start(Timestamp::from_millis(base)).unwrap();
    // A shared "now" that the recording threads follow and the closer closes behind.
    let now = AtomicI64::new(base);
    let finished = AtomicUsize::new(0);
    // Writers run until the closer has closed this many 60-second slots behind them.
    const SLOTS: i64 = 24;
    let sent = AtomicUsize::new(0);
    // Simulated time moves two seconds per 300 events recorded, so the slots fill as they close.
    let progress = AtomicUsize::new(0);
    let (counted, dropped_before) = std::thread::scope(|s| {
        for kind in [
            InputEvent::KeyPress,
            InputEvent::ButtonPress,
            InputEvent::Wheel,
        ] {
            let (c, now, finished, sent, progress) = (&c, &now, &finished, &sent, &progress);
            s.spawn(move || {
                let mut i = 0usize;
                while now.load(Ordering::Relaxed) < base + SLOTS * 60_000 {
                    i += 1;
                    // Mostly current time, sometimes a little late (may hit a closed slot).
                    let t =
                        now.load(Ordering::Relaxed) - if i.is_multiple_of(97) { 70_000 } else { 0 };
                    c.record(kind, Timestamp::from_millis(t));
                    if i.is_multiple_of(100) {
                        progress.fetch_add(100, Ordering::SeqCst);
                        std::thread::yield_now();
                    }
                }
                sent.fetch_add(i, Ordering::SeqCst);
                finished.fetch_add(1, Ordering::SeqCst);
            });
        }
        let closer = s.spawn(|| {
            let mut got = Vec::new();
            let mut t = base;
            let mut seen = 0;
            while finished.load(Ordering::SeqCst) < 3 {
                let p = progress.load(Ordering::SeqCst);
                if t < base + SLOTS * 60_000 && p >= seen + 300 {
                    seen = p;
                    t += 2_000;
                    now.store(t, Ordering::Relaxed);
                }
                got.extend(c.close_until(Timestamp::from_millis(t)));
                std::thread::yield_now();
            }
            got
        });
        let got = closer.join().unwrap();
        (got, c.dropped_events())
    });
    let rest = c
        .stop(Timestamp::from_millis(now.load(Ordering::Relaxed)))
        .unwrap();
    let total: u64 = counted.iter().chain(&rest).map(|s| s.events()).sum();
    assert_eq!(dropped_before, c.dropped_events());
    assert_eq!(
        total + c.dropped_events(),
        sent.load(Ordering::SeqCst) as u64
    );
    assert!(
        counted.len() as i64 >= SLOTS - 1,
        "slots closed while recording"
    );
    assert!(c.dropped_events() > 0, "late events were exercised");
}
