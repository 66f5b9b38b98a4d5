//! Input ingestion: nanoseconds per `InputCounter::record` call, on one thread and on two.
//!
//! `cargo bench --bench ingest`
//!
//! Goal (issue 2/4): at most 10 ns per event. Besides criterion's own report, the bench prints a
//! summary measured in the same run with the ratio of each case to a reference: one relaxed
//! `fetch_add` on a shared counter, the cheapest thing an event counter can do.
//!
//! Cases:
//! - `one_thread/key`: key presses, a new second every 100 events (the per-second bit is set
//!   once, then only read);
//! - `one_thread/mixed`: keys, clicks, wheel and pointer moves (most moves suppressed by the
//!   250 ms rule, as in real motion);
//! - `two_threads/key+mouse`: one thread typing, one moving the mouse, as when keyboard and
//!   mouse hooks run on separate threads; time per event per thread;
//! - `two_threads/key+key`: both threads pressing keys (worst case: one contended counter).

use std::hint::black_box;
use std::sync::Barrier;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use activity_core::Timestamp;
use activity_core::model::score::{InputCounter, InputEvent};
use criterion::{Criterion, criterion_group, criterion_main};

const SLOT: u32 = 600;
const BASE_MS: i64 = 1_796_025_600_000;

fn running_counter() -> InputCounter {
    let c = InputCounter::new(SLOT).expect("slot length");
    c.start(Timestamp::from_millis(BASE_MS)).expect("start");
    c
}

/// Timestamps of events, 10 ms apart inside the first slot (so nothing is dropped), read from a
/// table so the loop does no arithmetic or stack traffic of its own around the call measured.
fn stamps() -> Vec<Timestamp> {
    (0..4096)
        .map(|i| Timestamp::from_millis(BASE_MS + i * 10))
        .collect()
}

const MIXED: [InputEvent; 8] = [
    InputEvent::KeyPress,
    InputEvent::PointerMove,
    InputEvent::KeyPress,
    InputEvent::PointerMove,
    InputEvent::ButtonPress,
    InputEvent::PointerMove,
    InputEvent::Wheel,
    InputEvent::PointerMove,
];

const KEYS: [InputEvent; 8] = [InputEvent::KeyPress; 8];

/// `events` has 8 entries so picking one is a mask, not a division, and the loop measures the
/// counter rather than itself.
fn one_thread(iters: u64, events: &[InputEvent; 8]) -> Duration {
    let c = running_counter();
    let t = stamps();
    let events = black_box(events);
    let start = Instant::now();
    for i in 0..iters as usize {
        c.record(events[i & 7], t[i & 4095]);
    }
    let d = start.elapsed();
    black_box(c.dropped_events());
    d
}

/// Runs `iters` events on each of two threads at once; returns the time per thread.
fn two_threads(iters: u64, a: InputEvent, b: InputEvent) -> Duration {
    let c = running_counter();
    let barrier = Barrier::new(2);
    let times: Vec<Duration> = std::thread::scope(|s| {
        let hs: Vec<_> = [a, b]
            .into_iter()
            .map(|ev| {
                let (c, barrier) = (&c, &barrier);
                s.spawn(move || {
                    let t = stamps();
                    let ev = black_box(ev);
                    barrier.wait();
                    let start = Instant::now();
                    for i in 0..iters as usize {
                        c.record(ev, t[i & 4095]);
                    }
                    start.elapsed()
                })
            })
            .collect();
        hs.into_iter()
            .map(|h| h.join().expect("bench thread"))
            .collect()
    });
    times.into_iter().max().unwrap_or_default()
}

fn reference(iters: u64) -> Duration {
    let counter = AtomicU64::new(0);
    let start = Instant::now();
    for _ in 0..iters {
        black_box(&counter).fetch_add(1, Ordering::Relaxed);
    }
    start.elapsed()
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("ingest");
    g.bench_function("reference/atomic_fetch_add", |b| b.iter_custom(reference));
    g.bench_function("one_thread/key", |b| {
        b.iter_custom(|n| one_thread(n, &KEYS))
    });
    g.bench_function("one_thread/mixed", |b| {
        b.iter_custom(|n| one_thread(n, &MIXED))
    });
    g.bench_function("two_threads/key+mouse", |b| {
        b.iter_custom(|n| two_threads(n, InputEvent::KeyPress, InputEvent::ButtonPress))
    });
    g.bench_function("two_threads/key+key", |b| {
        b.iter_custom(|n| two_threads(n, InputEvent::KeyPress, InputEvent::KeyPress))
    });
    g.finish();
    // Only in a real benchmark run (`cargo bench` passes `--bench`), not when a test runner lists
    // or smoke-tests the benchmarks.
    if std::env::args().any(|a| a == "--bench") {
        summary();
    }
}

/// A plain-text summary: median of 15 runs of 2M events each, with ratios to the reference.
fn summary() {
    const N: u64 = 2_000_000;
    let median = |f: &dyn Fn() -> Duration| {
        let mut v: Vec<f64> = (0..15).map(|_| f().as_nanos() as f64 / N as f64).collect();
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let r = median(&|| reference(N));
    let rows = [
        ("one_thread/key", median(&|| one_thread(N, &KEYS))),
        ("one_thread/mixed", median(&|| one_thread(N, &MIXED))),
        (
            "two_threads/key+mouse",
            median(&|| two_threads(N, InputEvent::KeyPress, InputEvent::ButtonPress)),
        ),
        (
            "two_threads/key+key",
            median(&|| two_threads(N, InputEvent::KeyPress, InputEvent::KeyPress)),
        ),
    ];
    println!("\ningest summary (ns per event; goal <= 10 ns)");
    println!(
        "  {:<30} {:>7.2} ns  1.00x",
        "reference: relaxed fetch_add", r
    );
    for (name, ns) in rows {
        println!(
            "  {name:<30} {ns:>7.2} ns  {:>4.2}x  {}",
            ns / r,
            if ns <= 10.0 { "ok" } else { "OVER GOAL" }
        );
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(2)).sample_size(30);
    targets = bench
}
criterion_main!(benches);
