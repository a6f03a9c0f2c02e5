//! Checkpoints for rewinding a run: copies of the world (it is `Clone`) taken as the run
//! advances, so going back to a moment replays from the nearest copy before it rather than from
//! time zero. A copy shares every replica's log and every client's history with the run, but
//! for their newest chunks ([`Chunked`](crate::chunked::Chunked)), and its event queue's sealed
//! runs; measured natively (`benches/checkpoint_memory.rs`): a copy of the busy cluster at 300 s
//! allocates about 3 MiB when taken and holds about 6 MiB alone a minute later, most of it the
//! queue's events the run has since taken out. The copies thin out as the run grows (at most
//! `limit` of them, each gap doubling when they are full) and stay within a memory budget: a
//! world too large for it is not copied at all, and its rewinds replay from an earlier copy.

use crate::chunked::RUN;
use crate::client::Operation;
use crate::protocol::Record;
use crate::time::{SimDuration, SimTime};
use crate::world::World;

/// A copy of the world and how many of the run's commands it had applied.
#[derive(Clone)]
pub struct Checkpoint {
    /// When it was taken.
    pub at: SimTime,
    /// Its estimated size in bytes.
    bytes: usize,
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
    budget: usize,
    /// The largest world copied (estimated bytes): a copy is made in one go, and a page
    /// must not freeze while it is made.
    largest: usize,
    kept: Vec<Checkpoint>,
    /// Copies let go of, freed one per [`maybe_take`](Self::maybe_take): thinning lets go of
    /// half the copies at once, and freeing sixteen in one step held a page for 40 ms.
    retired: Vec<World>,
}

/// Roughly what a copy of `world` holds of its own, in bytes, as counted natively by
/// `benches/checkpoint_memory.rs`: what it copies when taken (what one step of the page
/// spends on it), and what it comes to hold as the run goes on (what a budget of copies
/// counts). Taken, it holds the part of each replica's log and of each client's history it
/// does not share with the run, the event queue's next second and each bucket's open run
/// (`queue.rs`), each consumer's fetched records, and each replica's own small state. Logs and histories are
/// [`Chunked`](crate::chunked::Chunked): a copy shares their sealed runs and holds their open
/// runs (a log's newest records, a history's newest operations, whose polled records are
/// shared) and a pointer per full chunk and per run after them; the run's writes near a
/// history's end copy about a run, and truncating a log copies at most the run holding its
/// new end. Kept, it comes to
/// hold every event of its queue alone as the run takes them out: most of a kept copy of the
/// busy cluster.
pub(crate) fn estimated_bytes(world: &World) -> Cost {
    let replicas: Vec<_> = world
        .broker_slots()
        .flat_map(|(broker, _)| broker.replicas().values())
        .collect();
    let records: usize = replicas
        .iter()
        .map(|replica| replica.log.records())
        .map(|records| {
            records.unshared_len() * size_of::<Record>() + records.pointers() * size_of::<usize>()
        })
        .sum();
    let unshared = |len: usize| len.min(len % RUN + RUN);
    let operations: usize = world.histories().map(|h| unshared(h.len())).sum();
    let buffered: usize = world.consumers().map(|(c, _)| c.buffered_records()).sum();
    let rest = records
        + operations * size_of::<Operation>()
        + buffered * size_of::<(Record, bool)>()
        + replicas.len() * REPLICA_STATE;
    let (queue_copied, queue_held) = world.queue_bytes();
    Cost {
        copied: rest + queue_copied,
        held: rest + queue_held,
    }
}

/// What a copy of a world costs, in estimated bytes ([`estimated_bytes`]).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Cost {
    /// Copied when it is taken.
    pub(crate) copied: usize,
    /// Held alone once the run has gone on.
    pub(crate) held: usize,
}

/// What a copy of one replica holds besides its log's records (its producers' states, its
/// leadership's followers, its partition state): measured about 700 bytes each on the busy
/// cluster, rounded up.
const REPLICA_STATE: usize = 1 << 10;

impl Checkpoints {
    /// Copies every `every` of virtual time (the gap doubles when `limit` are kept), all of
    /// them within `budget` bytes (estimated), starting with `world` as it is now.
    pub fn new(world: &World, every: SimDuration, limit: usize, budget: usize) -> Self {
        assert!(limit >= 2, "a limit of {limit} cannot thin out");
        let mut checkpoints = Checkpoints {
            every,
            limit,
            budget,
            largest: budget / 4,
            kept: Vec::new(),
            retired: Vec::new(),
        };
        checkpoints.take(world, 0, estimated_bytes(world).held);
        checkpoints
    }

    /// Copies no world larger than `bytes` (estimated; a quarter of the budget unless set):
    /// copying is one step that cannot be cut in slices, so a page sets what one frame can
    /// afford.
    pub fn largest(mut self, bytes: usize) -> Self {
        self.largest = bytes.min(self.budget / 4);
        self
    }

    /// Takes a copy if the last one is `every` old and the world is small enough: at most
    /// [`largest`](Self::largest), so a large world is never copied (nor estimated again until
    /// another gap has passed).
    pub fn maybe_take(&mut self, world: &World, applied: usize) {
        drop(self.retired.pop());
        let Some(last) = self.kept.last() else {
            return;
        };
        if world.now() < last.at + self.every {
            return;
        }
        let cost = estimated_bytes(world);
        if cost.copied > self.largest {
            self.every = SimDuration::from_micros(self.every.as_micros() * 2);
            return;
        }
        self.take(world, applied, cost.held);
    }

    fn take(&mut self, world: &World, applied: usize, bytes: usize) {
        self.kept.push(Checkpoint {
            at: world.now(),
            bytes,
            applied,
            world: world.clone(),
        });
        while self.kept.len() > 1 && self.kept.iter().map(|c| c.bytes).sum::<usize>() > self.budget
        {
            // Over budget: the oldest copies after time zero go first (the newest are the
            // likeliest rewind targets and the largest, but the first one alone must fit).
            let gone = self.kept.remove(1);
            self.retired.push(gone.world);
        }
        if self.kept.len() > self.limit {
            // Keep the first (time zero) and every other one after it.
            for (index, copy) in std::mem::take(&mut self.kept).into_iter().enumerate() {
                if index % 2 == 0 {
                    self.kept.push(copy);
                } else {
                    self.retired.push(copy.world);
                }
            }
            self.every = SimDuration::from_micros(self.every.as_micros() * 2);
        }
    }

    /// What a copy of `world` is estimated to hold of its own, in bytes: when taken, and once
    /// the run has gone on (what the budget counts).
    pub fn estimate(world: &World) -> (usize, usize) {
        let cost = estimated_bytes(world);
        (cost.copied, cost.held)
    }

    /// The newest copy taken at or before `moment`, with at most `applied` of the run's
    /// commands applied (a copy at `moment` itself may hold commands given there after the
    /// point a jump goes to).
    pub fn nearest(&self, moment: SimTime, applied: usize) -> Option<&Checkpoint> {
        self.kept
            .iter()
            .rev()
            .find(|c| c.at <= moment && c.applied <= applied)
    }

    /// The run branched at `now` after `applied` commands: copies of the old future go.
    pub fn branch(&mut self, now: SimTime, applied: usize) {
        let (kept, gone) = std::mem::take(&mut self.kept)
            .into_iter()
            .partition(|c| c.at <= now && c.applied <= applied);
        self.kept = kept;
        self.retired
            .extend(gone.into_iter().map(|c: Checkpoint| c.world));
    }

    /// The longest stretch of virtual time a rewind to a moment before `now` replays: the
    /// widest gap between copies kept, or since the newest.
    pub fn longest_replay(&self, now: SimTime) -> SimDuration {
        let times: Vec<SimTime> = self.kept.iter().map(|c| c.at).chain([now]).collect();
        times
            .windows(2)
            .map(|pair| pair[1] - pair[0])
            .max()
            .unwrap_or(SimDuration::ZERO)
    }

    /// What the copies kept are estimated to hold together, in bytes.
    pub fn estimated_total(&self) -> usize {
        self.kept.iter().map(|c| c.bytes).sum()
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
        let mut checkpoints =
            Checkpoints::new(&world, SimDuration::from_millis(1_000), 4, usize::MAX);
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
        let nearest = checkpoints.nearest(moment, usize::MAX).expect("one before");
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

    #[test]
    fn a_world_too_large_for_the_budget_is_not_copied() {
        let mut world = World::new(&ClusterConfig::default(), 3);
        // The budget fits the world at time zero and a second later (its queue grows).
        let mut second = world.clone();
        second.run_for(SimDuration::from_millis(1_000));
        let small = estimated_bytes(&world)
            .held
            .max(estimated_bytes(&second).held);
        let budget = small * 4 + 64 * 4;
        let mut checkpoints = Checkpoints::new(&world, SimDuration::from_millis(1_000), 16, budget);
        world.run_for(SimDuration::from_millis(1_000));
        checkpoints.maybe_take(&world, 0);
        assert_eq!(checkpoints.spacing().0, 2, "a small world is copied");
        let topic = crate::CreateTopic {
            name: "t".to_owned(),
            partitions: 1,
            replication_factor: 3,
            configs: Default::default(),
            replica_assignment: None,
        };
        world
            .apply(crate::Command::CreateTopic(topic))
            .expect("created");
        world
            .apply(crate::Command::AddClient {
                name: "c".to_owned(),
            })
            .expect("added");
        for i in 0..50 {
            let request = crate::Request::Produce {
                topic: "t".to_owned(),
                partition: Some(0),
                key: None,
                value: format!("v{i}"),
                acks: -1,
            };
            world
                .apply(crate::Command::Client {
                    client: "c".to_owned(),
                    request,
                })
                .expect("sent");
        }
        world.run_for(SimDuration::from_millis(2_000));
        assert!(
            estimated_bytes(&world).copied > budget / 4,
            "the run grew past a quarter of the budget"
        );
        checkpoints.maybe_take(&world, 52);
        let (kept, every) = checkpoints.spacing();
        assert_eq!(kept, 2, "no copy of a world over a quarter of the budget");
        assert_eq!(
            every,
            SimDuration::from_millis(2_000),
            "and not estimated again at once"
        );
        let total: usize = checkpoints.kept.iter().map(|c| c.bytes).sum();
        assert!(total <= budget);

        // With a smaller largest copy, the same world is not copied even once.
        let mut small = Checkpoints::new(&world, SimDuration::from_millis(1_000), 16, usize::MAX)
            .largest(estimated_bytes(&world).copied / 2);
        world.run_for(SimDuration::from_millis(1_000));
        small.maybe_take(&world, 52);
        assert_eq!(small.spacing().0, 1, "only the first copy");
        let mut roomy = Checkpoints::new(&world, SimDuration::from_millis(1_000), 16, usize::MAX)
            .largest(estimated_bytes(&world).copied * 2);
        world.run_for(SimDuration::from_millis(1_000));
        roomy.maybe_take(&world, 52);
        assert_eq!(roomy.spacing().0, 2, "a copy that fits");
    }
}
