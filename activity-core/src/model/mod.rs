//! The model layer: pure definitions with no I/O and no operating-system access.
//!
//! | module | what it defines |
//! |---|---|
//! | [`config`] | every setting, its default, loading from JSON/TOML and validation |
//! | [`slot`] | time-slot alignment and splitting at slot boundaries |
//! | [`score`] | the lock-free input counter and the per-slot activity metrics |
//! | [`idle`] | when the user counts as idle |
//! | [`web`] | URL normalisation (query stripping) and registrable domains |
//! | [`exclusion`] | privacy rules that drop applications, titles and URLs |
//! | [`activity`] | heartbeat merging of window and URL samples into activity records |
//! | [`schedule`] | the screenshot schedule (aligned or random, seedable) |
//! | [`report`] | top applications, top websites, average activity per project |

pub mod activity;
pub mod config;
pub mod exclusion;
pub mod idle;
pub mod report;
pub mod schedule;
pub mod score;
pub mod slot;
pub mod web;
