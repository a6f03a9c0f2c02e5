//! When a lesson step's or a challenge's condition is judged again. Some conditions read the
//! run's whole history (the checker's findings, which sends were acknowledged where), so they
//! are judged a few times per simulated second and at most four times per real second, never
//! on every frame of a 100x fast-forward; a new run, a rewind, a command given (the clock
//! paused: "Show me", say) or a new question is judged at once.

use crate::sim_handle::{Moment, SimHandle};
use kafka_sim::SimDuration;

/// Virtual time between two judgements of the same question on the same run.
const EVERY: SimDuration = SimDuration::from_millis(500);
/// Real time between two judgements, so a fast-forward does not judge on every frame.
const EVERY_REAL_MS: f64 = 250.0;

/// The last judgement: of which question, on which run, at which virtual and real moment.
pub struct Judge<K> {
    last: Option<(K, SimHandle, Moment, f64)>,
}

impl<K> Default for Judge<K> {
    fn default() -> Self {
        Judge { last: None }
    }
}

impl<K: PartialEq> Judge<K> {
    /// Whether `question` on `sim` is due to be judged now (`real_ms`: the wall clock, from the
    /// page); when it is, this counts as its judgement.
    pub fn due(&mut self, question: K, sim: &SimHandle, real_ms: f64) -> bool {
        let now = sim.moment();
        let due = match &self.last {
            Some((asked, seen, at, when)) => {
                *asked != question
                    || seen != sim
                    || now.commands != at.commands
                    || now < *at
                    || (now.at - at.at >= EVERY && real_ms - *when >= EVERY_REAL_MS)
            }
            None => true,
        };
        if due {
            self.last = Some((question, sim.clone(), now, real_ms));
        }
        due
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn judges_again_after_both_intervals_or_at_once_for_a_new_question() {
        let sim = SimHandle::new(1, 1);
        let mut judge = Judge::default();
        assert!(judge.due("a", &sim, 0.0), "the first time");
        assert!(!judge.due("a", &sim, 1_000.0), "the clock has not moved");
        assert!(judge.due("b", &sim, 1_000.0), "a new question");
        sim.advance(SimDuration::from_millis(600));
        assert!(
            !judge.due("b", &sim, 1_100.0),
            "not 250 ms of real time yet"
        );
        assert!(judge.due("b", &sim, 1_300.0));
        assert!(!judge.due("b", &sim, 1_400.0));
        sim.apply(kafka_sim::Command::AddBroker { rack: None })
            .unwrap();
        assert!(
            judge.due("b", &sim, 1_400.0),
            "a command given, no time passed"
        );
        assert!(
            judge.due("b", &SimHandle::new(1, 1), 1_300.0),
            "another run"
        );
    }
}
