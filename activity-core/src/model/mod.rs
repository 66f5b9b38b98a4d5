//! The model layer: pure definitions with no I/O and no operating-system access.
//!
//! | module | what it defines |
//! |---|---|
//! | [`config`] | every setting, its default, loading from JSON/TOML and validation |
//! | [`slot`] | time-slot alignment and splitting at slot boundaries |
//! | [`counter`] | the lock-free input counter that hooks call |
//! | [`score`] | what a slot counted and the two activity metrics |
//! | [`idle`] | when the user counts as idle |
//! | [`web`] | URL normalisation (query stripping) and registrable domains |
//! | [`exclusion`] | privacy rules that drop applications, titles and URLs |
//! | [`category`] | productivity categories: ActivityWatch's export format and classifier |
//! | [`activity`] | heartbeat merging of window and URL samples into activity records |
//! | [`schedule`] | the screenshot schedule (aligned or random, seedable) |
//! | [`report`] | top applications, top websites, average activity per project |
//! | [`retention`] | retention policies, purge reports, data-subject exports and erasure, consent |

pub mod activity;
pub mod category;
pub mod config;
pub mod counter;
pub mod exclusion;
pub mod idle;
pub mod report;
pub mod retention;
pub mod schedule;
pub mod score;
pub mod slot;
pub mod web;
