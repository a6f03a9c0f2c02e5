//! Worlds the unit tests of several modules share.

use crate::time::{SimDuration, SimTime};
use crate::{ClusterConfig, Command, CreateTopic, World};

/// Two producers streaming 100 records a second each: `waits` to `stuck`, whose one replica
/// is on broker 1, and `flows` to `orders`, on brokers 2 and 3. Crash broker 1 and the sends
/// to `stuck` wait for a leader, older than the sends to `orders` acknowledged around them:
/// what a walk over the run's sends from the oldest pending one must get right.
pub(crate) fn waiting_and_flowing(seed: u64) -> World {
    let mut world = World::new(&ClusterConfig::default(), seed);
    world.run_until(SimTime::from_millis(5_000));
    let topic = |name: &str, assignment: Vec<Vec<u32>>| {
        Command::CreateTopic(CreateTopic {
            name: name.to_owned(),
            partitions: -1,
            replication_factor: -1,
            configs: Default::default(),
            replica_assignment: Some(assignment),
        })
    };
    let producer = |name: &str| Command::AddProducer {
        name: name.to_owned(),
        config: Default::default(),
    };
    for command in [
        topic("stuck", vec![vec![1]]),
        topic("orders", vec![vec![2, 3], vec![3, 2]]),
        producer("waits"),
        producer("flows"),
    ] {
        world.apply(command).expect("applies");
    }
    world.run_for(SimDuration::from_millis(2_000));
    let stream = |producer: &str, topic: &str| Command::StreamRecords {
        producer: producer.to_owned(),
        topic: topic.to_owned(),
        per_second: 100,
    };
    for command in [stream("waits", "stuck"), stream("flows", "orders")] {
        world.apply(command).expect("applies");
    }
    world
}

/// Crashes broker `broker` (a process crash: its log is kept).
pub(crate) fn crash(world: &mut World, broker: u32) {
    let crash = Command::CrashBroker {
        broker,
        kind: Default::default(),
    };
    world.apply(crash).expect("crashed");
}
