//! Checkpoints for rewinding a run: copies of the world (it is `Clone`) taken as the run
//! advances, so going back to a moment replays from the nearest copy before it rather than from
//! time zero. A run of an hour would need hundreds of copies to keep every replay short, and a
//! copy of a busy world holds every replica's log, so the copies thin out as the run grows: at
//! most `limit` of them, spread over the whole run, each gap doubling when they are full.

use crate::time::{SimDuration, SimTime};
use crate::world::World;

/// A copy of the world and how many of the run's commands it had applied.
#[derive(Clone)]
pub struct Checkpoint {
    /// When it was taken.
    pub at: SimTime,
    /// How many of the run's commands it had applied.
    pub applied: usize,
    /// The world as it was.
    pub world: World,
}

/// The copies of one run, oldest first.
#[derive(Clone)]
pub struct Checkpoints {
    every: SimDuration,
    limit: usize,
    kept: Vec<Checkpoint>,
}

impl Checkpoints {
    /// Copies every `every` of virtual time (the gap doubles when `limit` are kept), starting
    /// with `world` as it is now.
    pub fn new(world: &World, every: SimDuration, limit: usize) -> Self {
        assert!(limit >= 2, "a limit of {limit} cannot thin out");
        let mut checkpoints = Checkpoints {
            every,
            limit,
            kept: Vec::new(),
        };
        checkpoints.take(world, 0);
        checkpoints
    }

    /// Takes a copy if the last one is `every` old.
    pub fn maybe_take(&mut self, world: &World, applied: usize) {
        if self
            .kept
            .last()
            .is_none_or(|last| world.now() >= last.at + self.every)
        {
            self.take(world, applied);
        }
    }

    fn take(&mut self, world: &World, applied: usize) {
        self.kept.push(Checkpoint {
            at: world.now(),
            applied,
            world: world.clone(),
        });
        if self.kept.len() > self.limit {
            // Keep the first (time zero) and every other one after it.
            let mut index = 0;
            self.kept.retain(|_| {
                index += 1;
                index % 2 == 1
            });
            self.every = SimDuration::from_micros(self.every.as_micros() * 2);
        }
    }

    /// The newest copy taken at or before `moment`.
    pub fn nearest(&self, moment: SimTime) -> Option<&Checkpoint> {
        self.kept.iter().rev().find(|c| c.at <= moment)
    }

    /// The run branched at `now` after `applied` commands: copies of the old future go.
    pub fn branch(&mut self, now: SimTime, applied: usize) {
        self.kept.retain(|c| c.at <= now && c.applied <= applied);
    }

    /// How many copies are kept, and the virtual time between new ones.
    pub fn spacing(&self) -> (usize, SimDuration) {
        (self.kept.len(), self.every)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ClusterConfig;

    #[test]
    fn copies_thin_out_and_the_nearest_is_before_the_moment() {
        let mut world = World::new(&ClusterConfig::default(), 3);
        let mut checkpoints = Checkpoints::new(&world, SimDuration::from_millis(1_000), 4);
        for _ in 0..10 {
            world.run_for(SimDuration::from_millis(1_000));
            checkpoints.maybe_take(&world, 0);
        }
        let (kept, every) = checkpoints.spacing();
        assert!(kept <= 4, "{kept}");
        assert!(every > SimDuration::from_millis(1_000));
        let times: Vec<u64> = checkpoints.kept.iter().map(|c| c.at.as_millis()).collect();
        assert_eq!(times[0], 0, "time zero is always kept: {times:?}");
        let moment = SimTime::from_millis(7_500);
        let nearest = checkpoints.nearest(moment).expect("one before");
        assert!(nearest.at <= moment);
        assert!(
            times
                .iter()
                .all(|&t| t <= nearest.at.as_millis() || t > 7_500)
        );
        checkpoints.branch(SimTime::from_millis(3_000), 0);
        assert!(
            checkpoints
                .kept
                .iter()
                .all(|c| c.at <= SimTime::from_millis(3_000))
        );
    }
}
