//! Replays a scripted working day through the activity model and prints what a tracker would
//! report: the slot table with both activity metrics, the screenshots the schedule would take,
//! the top applications and the top sites.
//!
//! ```text
//! cargo run --example replay_day [-- --seed N] [--random-screenshots]
//! ```
//!
//! Everything runs on a manual clock, second by second, through the same model the runtime uses:
//! the lock-free input counter, the idle detector, the activity merger and the screenshot
//! schedule. Input is generated from a seeded random generator, so a given seed always prints the
//! same day.

use std::collections::BTreeMap;
use std::process::ExitCode;

use activity_core::model::activity::{ActivityMerger, UrlSample, WindowSample};
use activity_core::model::config::Exclusions;
use activity_core::model::idle::{IdleDetector, IdleTransition};
use activity_core::model::report::{average_activity, top_applications, top_websites};
use activity_core::model::schedule::{CaptureGate, ScreenshotSchedule};
use activity_core::model::score::{InputCounter, InputEvent, SlotMetrics};
use activity_core::{Clock, Config, ManualClock, Timestamp};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// How busy the hands are during a stretch of the script.
#[derive(Copy, Clone, Debug, PartialEq)]
enum Hands {
    /// Typing about 1.6 keys a second with a little mouse work.
    Typing,
    /// Mostly the mouse: motion, clicks and scrolling.
    Mousing,
    /// Reading: an occasional scroll.
    Reading,
    /// In a call: now and then a click.
    Meeting,
    /// Away from the desk: nothing.
    Away,
}

struct Stretch {
    /// Minutes since 08:57 UTC when the stretch starts.
    from_min: i64,
    application: &'static str,
    title: &'static str,
    url: Option<&'static str>,
    hands: Hands,
}

const fn s(
    from_min: i64,
    application: &'static str,
    title: &'static str,
    url: Option<&'static str>,
    hands: Hands,
) -> Stretch {
    Stretch {
        from_min,
        application,
        title,
        url,
        hands,
    }
}

/// The day: starts 08:57 UTC, pauses 10:52–11:07, lunch away 12:30–13:15, stops at 14:04.
const SCRIPT: &[Stretch] = &[
    s(
        0,
        "thunderbird",
        "Inbox - Thunderbird",
        None,
        Hands::Reading,
    ),
    s(
        9,
        "code",
        "score.rs - activity-core - Visual Studio Code",
        None,
        Hands::Typing,
    ),
    s(
        41,
        "firefox",
        "std::sync::atomic - Rust",
        Some("https://doc.rust-lang.org/std/sync/atomic/?search=fetch_add"),
        Hands::Reading,
    ),
    s(
        49,
        "code",
        "score.rs - activity-core - Visual Studio Code",
        None,
        Hands::Typing,
    ),
    s(
        73,
        "firefox",
        "Pull request #12 - GitHub",
        Some("https://github.com/activity-core/activity-core/pull/12#discussion"),
        Hands::Mousing,
    ),
    s(
        88,
        "KeePassXC",
        "Passwords - KeePassXC",
        None,
        Hands::Mousing,
    ),
    s(
        90,
        "code",
        "activity.rs - activity-core - Visual Studio Code",
        None,
        Hands::Typing,
    ),
    s(121, "zoom", "Zoom Meeting", None, Hands::Meeting),
    s(
        163,
        "firefox",
        "Merging heartbeats - docs.rs",
        Some("https://docs.rs/aw-transform/latest/"),
        Hands::Reading,
    ),
    s(
        172,
        "code",
        "schedule.rs - activity-core - Visual Studio Code",
        None,
        Hands::Typing,
    ),
    s(213, "slack", "#team - Slack", None, Hands::Mousing),
    s(
        218,
        "code",
        "schedule.rs - activity-core - Visual Studio Code",
        None,
        Hands::Typing,
    ),
    s(246, "slack", "#team - Slack", None, Hands::Away),
    s(
        291,
        "firefox",
        "Rust Blog",
        Some("https://blog.rust-lang.org/2026/11/26/Rust-1.95.0.html"),
        Hands::Reading,
    ),
    s(
        303,
        "code",
        "report.rs - activity-core - Visual Studio Code",
        None,
        Hands::Typing,
    ),
];
const DAY_START_SECS: i64 = 1_796_029_020; // 2026-11-30T08:57:00Z
const DAY_MINUTES: i64 = 307; // stop at 14:04
const PAUSE_MINUTES: (i64, i64) = (115, 130); // 10:52 to 11:07

fn main() -> ExitCode {
    let mut seed = 2026u64;
    let mut random_screenshots = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--seed" => match args.next().and_then(|v| v.parse().ok()) {
                Some(v) => seed = v,
                None => {
                    eprintln!("--seed needs a whole number");
                    return ExitCode::from(2);
                }
            },
            "--random-screenshots" => random_screenshots = true,
            "-h" | "--help" => {
                println!("usage: replay_day [--seed N] [--random-screenshots]");
                return ExitCode::SUCCESS;
            }
            other => {
                eprintln!("unknown argument {other:?}; try --help");
                return ExitCode::from(2);
            }
        }
    }
    match run(seed, random_screenshots) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(seed: u64, random_screenshots: bool) -> Result<(), activity_core::Error> {
    let config = Config {
        random_screenshot: random_screenshots,
        screenshot_seed: Some(seed),
        exclusions: Exclusions {
            applications: vec!["^keepassxc$".into()],
            ..Exclusions::default()
        },
        ..Config::default()
    };
    config.validate()?;

    let clock = ManualClock::new(Timestamp::from_secs(DAY_START_SECS));
    let counter = InputCounter::new(config.slot_seconds)?;
    let mut merger = ActivityMerger::from_config(&config)?;
    let schedule = ScreenshotSchedule::from_config(&config, seed)?;
    let mut idle = IdleDetector::new(config.idle_after.as_millis(), clock.now());
    let mut rng = ChaCha8Rng::seed_from_u64(seed);

    let start = clock.now();
    counter.start(start)?;
    let mut paused = false;
    let mut slots: Vec<SlotMetrics> = Vec::new();
    let mut shots: BTreeMap<Timestamp, Vec<Timestamp>> = BTreeMap::new();
    let mut idle_periods = Vec::new();
    let expected = config.expected_events_per_slot();

    println!(
        "Replaying 2026-11-30, 08:57-14:04 UTC (seed {seed}); slots of {} s.\n",
        config.slot_seconds
    );
    for second in 0..DAY_MINUTES * 60 {
        let now = start.add_millis(second * 1000);
        clock.set(now);
        let minute = second / 60;
        // Pause and resume, as the employee would with the timer's button.
        let in_pause = (PAUSE_MINUTES.0..PAUSE_MINUTES.1).contains(&minute);
        if in_pause != paused {
            paused = in_pause;
            if paused {
                counter.pause(now)?;
                merger.pause(now)?;
            } else {
                counter.resume(now)?;
                merger.resume(now)?;
                idle.reset(now);
            }
        }
        let stretch = SCRIPT
            .iter()
            .rev()
            .find(|st| st.from_min <= minute)
            .unwrap_or(&SCRIPT[0]);
        if !paused {
            // Idle first: its transitions lie before this second's samples.
            match idle.observe(now, counter.last_input()) {
                Some(IdleTransition::Started(t)) => {
                    merger.idle_started(t)?;
                    idle_periods.push((t, None));
                }
                Some(IdleTransition::Ended(t)) => {
                    merger.idle_ended(t)?;
                    if let Some(last) = idle_periods.last_mut() {
                        last.1 = Some(t);
                    }
                }
                None => {}
            }
            merger.window(&WindowSample {
                at: now,
                application: stretch.application.into(),
                title: stretch.title.into(),
            })?;
            merger.url(&UrlSample {
                at: now,
                application: stretch.application.into(),
                title: stretch.title.into(),
                url: stretch.url.map(Into::into),
            })?;
            simulate_input(&counter, &mut rng, stretch.hands, now);
        }
        let gate = CaptureGate {
            running: true,
            paused,
            is_screenshot_enabled: config.is_screenshot_enabled,
            allow_screenshot_capture: config.allow_screenshot_capture,
        };
        if gate.is_open() {
            for at in schedule.instants_between(now.add_millis(-1000), now) {
                let slot = activity_core::model::slot::slot_start(at, config.slot_seconds);
                shots.entry(slot).or_default().push(at);
            }
        }
        slots.extend(counter.close_until(now).iter().map(|c| c.metrics(expected)));
        merger.close_slots_until(now)?;
    }
    let end = start.add_millis(DAY_MINUTES * 60_000);
    slots.extend(counter.stop(end)?.iter().map(|c| c.metrics(expected)));
    merger.flush(end)?;
    let records = merger.take_records();

    print_slots(&slots, &shots, &records);
    println!("\nIdle periods (no input for {} s):", config.idle_after.0);
    for (from, to) in &idle_periods {
        println!(
            "  {} - {}",
            hhmmss(*from),
            to.map_or("end".to_string(), hhmmss)
        );
    }
    let day = average_activity(&slots);
    println!(
        "\nDay: {} slots, {} tracked, average activity {} %, active {} %",
        day.slots,
        hms(day.tracked_seconds as i64 * 1000),
        day.activity_percent.unwrap_or(0),
        day.active_percent
    );
    println!("\nTop applications:");
    for row in top_applications(&records, 5) {
        println!(
            "  {:<14} {:>9}  {:>3} %",
            row.name,
            hms(row.duration_millis),
            row.share_percent
        );
    }
    println!("\nTop sites:");
    for row in top_websites(&records, 5) {
        println!(
            "  {:<18} {:>9}  {:>3} %",
            row.name,
            hms(row.duration_millis),
            row.share_percent
        );
    }
    println!(
        "\nNot recorded: KeePassXC (excluded by rule), time while paused or idle, the text typed, \
         URL query strings ({} dropped events).",
        counter.dropped_events()
    );
    Ok(())
}

/// Generates one second of input of the given kind.
fn simulate_input(counter: &InputCounter, rng: &mut ChaCha8Rng, hands: Hands, now: Timestamp) {
    let at = |ms: i64| now.add_millis(ms);
    match hands {
        Hands::Typing => {
            // Bursts: two seconds in three 1-4 keys, the rest thinking.
            if rng.random_bool(0.65) {
                for _ in 0..rng.random_range(1..5) {
                    counter.record(InputEvent::KeyPress, at(rng.random_range(0..1000)));
                }
            }
            if rng.random_bool(0.1) {
                for ms in (0..400).step_by(16) {
                    counter.record(InputEvent::PointerMove, at(ms));
                }
                counter.record(InputEvent::ButtonPress, at(450));
            }
        }
        Hands::Mousing => {
            if rng.random_bool(0.7) {
                for ms in (0..1000).step_by(16) {
                    counter.record(InputEvent::PointerMove, at(ms));
                }
            }
            if rng.random_bool(0.3) {
                counter.record(InputEvent::ButtonPress, at(rng.random_range(0..1000)));
            }
            if rng.random_bool(0.2) {
                counter.record(InputEvent::Wheel, at(rng.random_range(0..1000)));
            }
        }
        Hands::Reading => {
            if rng.random_bool(0.12) {
                counter.record(InputEvent::Wheel, at(rng.random_range(0..1000)));
            }
        }
        Hands::Meeting => {
            if rng.random_bool(0.01) {
                counter.record(InputEvent::ButtonPress, at(rng.random_range(0..1000)));
            }
        }
        Hands::Away => {}
    }
}

fn print_slots(
    slots: &[SlotMetrics],
    shots: &BTreeMap<Timestamp, Vec<Timestamp>>,
    records: &[activity_core::model::activity::ActivityRecord],
) {
    println!(
        "{:<11} {:>7} {:>5} {:>5} {:>6} {:>9} {:>7}  {:<10} main application",
        "slot (UTC)", "tracked", "keys", "mouse", "active", "activity%", "active%", "screenshot"
    );
    for m in slots {
        let top = top_applications(
            &records
                .iter()
                .filter(|r| r.slot_start == m.slot_start)
                .cloned()
                .collect::<Vec<_>>(),
            1,
        );
        let shot = shots
            .get(&m.slot_start)
            .map(|v| v.iter().map(|t| hhmmss(*t)).collect::<Vec<_>>().join(","))
            .unwrap_or_else(|| "-".into());
        println!(
            "{:<11} {:>6}s {:>5} {:>5} {:>5}s {:>8}% {:>6}%  {:<10} {}",
            hhmm(m.slot_start),
            m.tracked_seconds,
            m.keyboard_events.unwrap_or(0),
            m.mouse_events.unwrap_or(0),
            m.active_seconds,
            m.activity_percent.unwrap_or(0),
            m.active_percent,
            shot,
            top.first().map_or("-", |r| r.name.as_str()),
        );
    }
}

fn hhmm(t: Timestamp) -> String {
    t.to_utc().map_or_else(
        || t.to_string(),
        |d| format!("{:02}:{:02}", d.hour(), d.minute()),
    )
}

fn hhmmss(t: Timestamp) -> String {
    t.to_utc().map_or_else(
        || t.to_string(),
        |d| format!("{:02}:{:02}:{:02}", d.hour(), d.minute(), d.second()),
    )
}

fn hms(ms: i64) -> String {
    let s = ms / 1000;
    format!("{}h{:02}m{:02}s", s / 3600, s / 60 % 60, s % 60)
}
