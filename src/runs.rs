//! The reader's recent runs: a short list, most recently saved first, so opening a link or a
//! new cluster never costs the run before it. Each entry describes a run for the "Runs" menu
//! without reading the run itself, which is stored apart (see `persistence`).
//!
//! Only the list's bookkeeping lives here, free of the browser, so it is tested natively.

use crate::session::{Session, seed_text};
use kafka_sim::SimTime;
use serde::{Deserialize, Serialize};

/// How many runs are kept; saving one more forgets the least recently saved.
pub const MAX_RUNS: usize = 8;

/// One saved run, as the menu shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunEntry {
    /// Its key in storage, unique in this browser.
    pub id: u32,
    /// What the menu calls it.
    pub name: String,
    /// Its seed.
    #[serde(with = "seed_text")]
    pub seed: u64,
    /// Wall-clock milliseconds since 1970 when it was last saved: for display only, it never
    /// reaches the simulation.
    pub saved_at_ms: f64,
    /// Where its clock was.
    pub now: SimTime,
    /// How many commands it has.
    pub commands: usize,
}

/// The recent runs.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RunList {
    /// Most recently saved first.
    pub runs: Vec<RunEntry>,
    /// The last id handed out (ids are never reused, so a stale tab cannot write into a
    /// newer run).
    pub last_id: u32,
}

/// What saving a run did to the list.
#[derive(Debug, PartialEq)]
pub struct Recorded {
    /// The run's id (new if it had none).
    pub id: u32,
    /// Runs pushed out of the list, whose stored bodies should go too.
    pub evicted: Vec<u32>,
}

impl RunList {
    /// The entry with this id.
    pub fn get(&self, id: u32) -> Option<&RunEntry> {
        self.runs.iter().find(|run| run.id == id)
    }

    /// The most recently saved run.
    pub fn latest(&self) -> Option<&RunEntry> {
        self.runs.first()
    }

    /// Notes that run `id` (or a new run, without one) was saved as `session` at `saved_at_ms`,
    /// moving it to the front and forgetting the oldest beyond [`MAX_RUNS`].
    pub fn record(&mut self, id: Option<u32>, session: &Session, saved_at_ms: f64) -> Recorded {
        let id = id.unwrap_or_else(|| {
            self.last_id += 1;
            self.last_id
        });
        self.last_id = self.last_id.max(id);
        let name = self.get(id).map_or_else(
            || format!("Run {id} · seed {}", session.seed),
            |run| run.name.clone(),
        );
        self.runs.retain(|run| run.id != id);
        self.runs.insert(
            0,
            RunEntry {
                id,
                name,
                seed: session.seed,
                saved_at_ms,
                now: session.now,
                commands: session.log.len(),
            },
        );
        let evicted = self
            .runs
            .split_off(self.runs.len().min(MAX_RUNS))
            .into_iter()
            .map(|run| run.id)
            .collect();
        Recorded { id, evicted }
    }

    /// Forgets run `id`.
    pub fn remove(&mut self, id: u32) {
        self.runs.retain(|run| run.id != id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kafka_sim::Command;

    fn session(seed: u64, commands: usize) -> Session {
        Session {
            log: vec![(SimTime::ZERO, Command::HealNetwork); commands],
            now: SimTime::from_millis(1_500),
            ..Session::fresh(seed, 1)
        }
    }

    #[test]
    fn a_new_run_goes_beside_the_saved_ones_and_keeps_its_name() {
        let mut list = RunList::default();
        let first = list.record(None, &session(1, 2), 10.0).id;
        let second = list.record(None, &session(7, 1), 20.0).id;
        assert_ne!(first, second);
        assert_eq!(list.runs.len(), 2);
        assert_eq!(
            list.latest().map(|r| r.name.as_str()),
            Some("Run 2 · seed 7")
        );

        list.record(Some(first), &session(1, 5), 30.0);
        let again = list.latest().expect("a run");
        assert_eq!(
            (again.id, again.commands),
            (first, 5),
            "saved again, in front"
        );
        assert_eq!(again.name, "Run 1 · seed 1");
        assert_eq!(list.runs.len(), 2);
    }

    #[test]
    fn the_list_keeps_the_most_recent_runs_and_never_reuses_an_id() {
        let mut list = RunList::default();
        let ids: Vec<u32> = (0..MAX_RUNS)
            .map(|n| list.record(None, &session(n as u64, 1), n as f64).id)
            .collect();
        let recorded = list.record(None, &session(99, 1), 99.0);
        assert_eq!(
            recorded.evicted,
            vec![ids[0]],
            "the least recently saved goes"
        );
        assert_eq!(list.runs.len(), MAX_RUNS);
        list.remove(recorded.id);
        let next = list.record(None, &session(5, 1), 100.0).id;
        assert!(
            next > recorded.id,
            "a deleted run's id is not handed out again"
        );
    }
}
