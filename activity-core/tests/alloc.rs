//! A counting global allocator proves that recording an input event allocates nothing.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use activity_core::Timestamp;
use activity_core::model::score::{InputCounter, InputEvent};

struct Counting;

thread_local! {
    static ALLOCS: Cell<u64> = const { Cell::new(0) };
}

// SAFETY: delegates every call to the system allocator unchanged; only counts, per thread.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations() -> u64 {
    ALLOCS.with(Cell::get)
}

#[test]
fn recording_events_allocates_nothing() {
    let base = 1_796_025_600_000i64;
    let c = InputCounter::new(600).unwrap();
    c.start(Timestamp::from_millis(base)).unwrap();
    // The check itself must be able to fail: a Vec allocates.
    let before = allocations();
    drop(std::hint::black_box(vec![1u8; 16]));
    assert_eq!(
        allocations() - before,
        1,
        "the counting allocator does not count"
    );

    let kinds = [
        InputEvent::KeyPress,
        InputEvent::ButtonPress,
        InputEvent::Wheel,
        InputEvent::PointerMove,
    ];
    let before = allocations();
    for i in 0..400_000i64 {
        // Across three slots, every kind, new seconds, suppressed and counted moves, and
        // events dropped for being too far ahead.
        let t = Timestamp::from_millis(base + i * 7);
        c.record(kinds[(i % 4) as usize], t);
        if i % 1000 == 0 {
            c.record(
                InputEvent::KeyPress,
                Timestamp::from_millis(base + 100 * 600_000),
            );
        }
    }
    let during = allocations() - before;
    assert_eq!(
        during, 0,
        "{during} allocations while recording 400 400 events"
    );
    assert!(c.dropped_events() > 0);
    // Closing slots allocates (it returns the maps): expected and outside the hot path.
    let slots = c.stop(Timestamp::from_millis(base + 3_000_000)).unwrap();
    assert_eq!(slots.len(), 5);
}
