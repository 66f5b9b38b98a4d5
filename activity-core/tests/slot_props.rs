//! Properties of slot splitting.

use activity_core::Timestamp;
use activity_core::model::slot::{Interval, slot_index, slot_start, split};
use proptest::prelude::*;

const LENGTHS: [u32; 6] = [60, 300, 600, 900, 1800, 3600];

proptest! {
    #[test]
    fn pieces_sum_to_the_input_and_never_cross_a_boundary(
        start in -10_000_000_000i64..10_000_000_000,
        len in 0i64..20_000_000,
        li in 0usize..LENGTHS.len(),
    ) {
        let l = LENGTHS[li];
        let iv = Interval::new(Timestamp::from_millis(start), Timestamp::from_millis(start + len)).unwrap();
        let pieces: Vec<_> = split(iv, l).collect();
        let total: i64 = pieces.iter().map(|p| p.interval.duration_millis()).sum();
        prop_assert_eq!(total, len);
        let mut cursor = iv.start;
        for p in &pieces {
            prop_assert!(p.interval.duration_millis() > 0);
            prop_assert_eq!(p.interval.start, cursor, "pieces are contiguous");
            cursor = p.interval.end;
            // Inside one slot: start and last instant share the slot, which is the piece's.
            prop_assert_eq!(slot_start(p.interval.start, l), p.slot_start);
            prop_assert_eq!(slot_start(p.interval.end.add_millis(-1), l), p.slot_start);
            prop_assert_eq!(p.slot_start.as_millis().rem_euclid(i64::from(l) * 1000), 0);
        }
        prop_assert_eq!(cursor, iv.end);
        if len > 0 {
            let expected = slot_index(iv.end.add_millis(-1), l) - slot_index(iv.start, l) + 1;
            prop_assert_eq!(pieces.len() as i64, expected);
        }
    }
}
