//! Idle detection: when the user counts as away.
//!
//! The user becomes idle once no input has arrived for `idle_after`, and the idle period starts
//! at that moment, `last input + idle_after`: the quiet minutes before it count as work (reading,
//! listening in a call). The first input after that ends the idle period at the input's time.
//!
//! ```text
//!  input   |  |||   |                                      | |||
//!                   ^ last input                           ^ input again
//!                   [---- idle_after ----)[==== idle ======)
//!                                         idle started     idle ended
//! ```
//!
//! The detector is a pure state machine: the runtime calls [`IdleDetector::observe`] about once a
//! second with the current time and the counter's last input time.

use serde::{Deserialize, Serialize};

use crate::clock::Timestamp;
use crate::model::config::Seconds;

/// A change between active and idle.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum IdleTransition {
    /// The user became idle at this instant (`last input + idle_after`).
    Started(Timestamp),
    /// Input came back at this instant.
    Ended(Timestamp),
}

/// Tracks whether the user is idle.
#[derive(Clone, Debug)]
pub struct IdleDetector {
    idle_after_millis: i64,
    idle_since: Option<Timestamp>,
    /// Where quietness is measured from when no input has been seen yet (the tracking start).
    origin: Timestamp,
}

impl IdleDetector {
    /// A detector for a threshold of `idle_after_millis`, measuring from `origin` (tracking start)
    /// until the first input.
    pub fn new(idle_after_millis: i64, origin: Timestamp) -> IdleDetector {
        IdleDetector {
            idle_after_millis: idle_after_millis.max(1),
            idle_since: None,
            origin,
        }
    }

    /// Whether the user is idle now, and since when.
    pub fn idle_since(&self) -> Option<Timestamp> {
        self.idle_since
    }

    /// Restarts measurement from `origin` as active (after a pause, tracking time resumes).
    pub fn reset(&mut self, origin: Timestamp) {
        self.idle_since = None;
        self.origin = origin;
    }

    /// Feeds the current time and the last input seen; returns a transition when one happened.
    pub fn observe(
        &mut self,
        now: Timestamp,
        last_input: Option<Timestamp>,
    ) -> Option<IdleTransition> {
        let last = last_input.map_or(self.origin, |t| t.max(self.origin));
        match self.idle_since {
            None => {
                let start = last.add_millis(self.idle_after_millis);
                (now >= start).then(|| {
                    self.idle_since = Some(start);
                    IdleTransition::Started(start)
                })
            }
            Some(since) => (last > since).then(|| {
                self.idle_since = None;
                self.origin = last;
                IdleTransition::Ended(last)
            }),
        }
    }
}

/// What the tracker does with an idle period once the user is back (the organisation's
/// setting, Hubstaff's and Time Doctor's "idle time" option).
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdleDecision {
    /// Ask: emit [`IdleDetected`](crate::TrackerEvent::IdleDetected) and wait for
    /// [`Tracker::resolve_idle`](crate::Tracker::resolve_idle); unanswered `proof_timeout` after
    /// the user is back, the period is discarded and tracking pauses.
    #[default]
    Prompt,
    /// Keep every idle period (reported as `idle_kept_seconds`).
    AlwaysKeep,
    /// Discard every idle period, tracking going on.
    AlwaysDiscard,
}

/// The idle policy: when away time asks for a decision, and which.
///
/// JSON: `{"threshold": "10m", "decision": "prompt", "proof_timeout": 60}` (durations as in
/// [`Config`](crate::Config): seconds, or a string with a unit).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IdlePolicy {
    /// No input for this long starts an idle period (the organisation's "inactivity limit").
    /// 1 s ..= 24 h. Default 10 minutes.
    pub threshold: Seconds,
    /// What to do with it. Default [`IdleDecision::Prompt`].
    pub decision: IdleDecision,
    /// With `Prompt`: how long after the user is back an answer may take before the period is
    /// discarded and tracking pauses. 1 s ..= 24 h. Default 60 s.
    pub proof_timeout: Seconds,
}

impl Default for IdlePolicy {
    fn default() -> Self {
        IdlePolicy {
            threshold: Seconds(600),
            decision: IdleDecision::Prompt,
            proof_timeout: Seconds(60),
        }
    }
}

impl IdlePolicy {
    /// Each field out of range, with what is wrong (`idle_policy.threshold`, …).
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut p = Vec::new();
        if !(1..=86_400).contains(&self.threshold.0) {
            p.push((
                "idle_policy.threshold",
                format!("must be 1 s ..= 24 h, got {} s", self.threshold.0),
            ));
        }
        if !(1..=86_400).contains(&self.proof_timeout.0) {
            p.push((
                "idle_policy.proof_timeout",
                format!("must be 1 s ..= 24 h, got {} s", self.proof_timeout.0),
            ));
        }
        p
    }
}

/// The embedder's answer for one idle period (Toggl's and Clockify's choices, Hubstaff's
/// reassign).
///
/// JSON, tagged by `answer`: `{"answer": "keep"}`, `{"answer": "discard"}`,
/// `{"answer": "discard_and_continue"}`, `{"answer": "reassign", "project": "B"}`,
/// `{"answer": "add_as_new_entry", "project": "B", "note": "call with a client"}`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "answer", rename_all = "snake_case", deny_unknown_fields)]
pub enum IdleAnswer {
    /// The time stays tracked, reported apart as `idle_kept_seconds`.
    Keep,
    /// The period is removed to the second (slots, counts, window and URL time, screenshots at
    /// every copy) and tracking pauses: the timer stops where the user left (Clockify's
    /// "Discard"). Time between the return and the answer goes too.
    Discard,
    /// The period is removed and tracking goes on (Clockify's "Discard & continue").
    DiscardAndContinue,
    /// The period's seconds move to another project.
    Reassign {
        /// The project that gets them.
        project: String,
    },
    /// The period's seconds move to another project as an entry of its own, with a note
    /// (Toggl's "add idle time as a new time entry").
    AddAsNewEntry {
        /// The project that gets them.
        project: String,
        /// What the time was.
        #[serde(default)]
        note: Option<String>,
    },
}

impl IdleAnswer {
    /// `keep`, `discard`, `discard_and_continue`, `reassign` or `add_as_new_entry`.
    pub fn name(&self) -> &'static str {
        match self {
            IdleAnswer::Keep => "keep",
            IdleAnswer::Discard => "discard",
            IdleAnswer::DiscardAndContinue => "discard_and_continue",
            IdleAnswer::Reassign { .. } => "reassign",
            IdleAnswer::AddAsNewEntry { .. } => "add_as_new_entry",
        }
    }

    /// The project the period moves to, for the two answers that move it.
    pub fn project(&self) -> Option<&str> {
        match self {
            IdleAnswer::Reassign { project } | IdleAnswer::AddAsNewEntry { project, .. } => {
                Some(project)
            }
            _ => None,
        }
    }

    /// Whether the period's time is removed.
    pub fn discards(&self) -> bool {
        matches!(self, IdleAnswer::Discard | IdleAnswer::DiscardAndContinue)
    }
}

/// Who decided an idle period.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdleDecidedBy {
    /// [`Tracker::resolve_idle`](crate::Tracker::resolve_idle).
    Embedder,
    /// The policy's `always_keep` / `always_discard`.
    Policy,
    /// No answer within `proof_timeout` of the user's return: discarded, tracking paused.
    Timeout,
    /// Tracking stopped before an answer came: decided as the timeout would (discarded).
    Stop,
}

/// What was done with an idle period.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdleResolution {
    /// The period's id (as in its events).
    pub id: u64,
    /// Its first instant: the last input before the user left.
    pub since: Timestamp,
    /// Its end: the input that brought the user back, or, for a discard that pauses, when
    /// tracking paused.
    pub until: Timestamp,
    /// The answer applied.
    #[serde(flatten)]
    pub answer: IdleAnswer,
    /// Who decided.
    pub decided_by: IdleDecidedBy,
    /// Whether tracking paused because of it.
    pub paused: bool,
    /// Screenshots deleted (taken inside a discarded period).
    pub screenshots_deleted: Vec<String>,
}

/// An idle period ended or decided, as the record store keeps it (one row per decision).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdlePeriod {
    /// Its id.
    pub id: u64,
    /// The employee it belongs to.
    pub employee: Option<String>,
    /// Its first instant.
    pub since: Timestamp,
    /// Its end.
    pub until: Timestamp,
    /// The answer applied.
    #[serde(flatten)]
    pub answer: IdleAnswer,
    /// Who decided.
    pub decided_by: IdleDecidedBy,
    /// When it was decided.
    pub decided_at: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: i64) -> Timestamp {
        Timestamp::from_secs(s)
    }

    #[test]
    fn idle_starts_after_threshold_and_ends_on_input() {
        let mut d = IdleDetector::new(300_000, t(0));
        assert_eq!(d.observe(t(100), Some(t(50))), None);
        assert_eq!(d.observe(t(349), Some(t(50))), None);
        assert_eq!(
            d.observe(t(351), Some(t(50))),
            Some(IdleTransition::Started(t(350)))
        );
        assert_eq!(d.observe(t(400), Some(t(50))), None);
        assert_eq!(d.idle_since(), Some(t(350)));
        assert_eq!(
            d.observe(t(500), Some(t(499))),
            Some(IdleTransition::Ended(t(499)))
        );
        assert_eq!(d.observe(t(700), Some(t(499))), None);
        assert_eq!(
            d.observe(t(800), Some(t(499))),
            Some(IdleTransition::Started(t(799)))
        );
    }

    #[test]
    fn answers_and_policies_have_one_json_form() {
        let a: IdleAnswer =
            serde_json::from_str(r#"{"answer": "reassign", "project": "B"}"#).unwrap();
        assert_eq!(
            a,
            IdleAnswer::Reassign {
                project: "B".into()
            }
        );
        assert_eq!(a.project(), Some("B"));
        let e = serde_json::from_str::<IdleAnswer>(r#"{"answer": "later"}"#).unwrap_err();
        assert!(e.to_string().contains("unknown variant `later`"), "{e}");
        let p: IdlePolicy =
            serde_json::from_str(r#"{"threshold": "15m", "decision": "always_keep"}"#).unwrap();
        assert_eq!(p.threshold, Seconds(900));
        assert_eq!(p.proof_timeout, Seconds(60));
        let bad = IdlePolicy {
            threshold: Seconds(0),
            ..IdlePolicy::default()
        };
        assert_eq!(bad.problems()[0].0, "idle_policy.threshold");
    }

    #[test]
    fn without_input_quietness_counts_from_origin() {
        let mut d = IdleDetector::new(60_000, t(1000));
        assert_eq!(d.observe(t(1059), None), None);
        assert_eq!(
            d.observe(t(1060), None),
            Some(IdleTransition::Started(t(1060)))
        );
    }
}
