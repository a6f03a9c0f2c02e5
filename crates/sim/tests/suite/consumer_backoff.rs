//! Goal: the consumer's retries back off as Kafka 4's clients do (KIP-580):
//! `retry.backoff.ms` doubling with each attempt in a row, up to `retry.backoff.max.ms`, with
//! ±20 % jitter (`ExponentialBackoff`, as `Metadata.timeToAllowUpdate` uses it).
//! Method: a consumer subscribed to a topic that does not exist asks for metadata again and
//! again; the trace shows when each request arrived.

use crate::common;

use common::*;

/// When (virtual ms) a broker received a Metadata request from node `node`.
fn metadata_requests(world: &kafka_sim::World, node: u32) -> Vec<u64> {
    let needle = format!(" recv node {node} Metadata(");
    world
        .trace()
        .lines()
        .expect("trace lines recorded")
        .iter()
        .filter(|line| line.contains(&needle))
        .map(|line| {
            line.split(' ')
                .nth(1)
                .expect("time")
                .parse::<u64>()
                .expect("µs")
                / 1000
        })
        .collect()
}

#[test]
fn metadata_for_a_missing_topic_is_asked_ever_more_slowly() {
    for seed in [3, 4, 5] {
        let mut world = cluster(seed);
        world.record_trace_lines();
        // Node 4: after the controller (0) and the three brokers.
        add_consumer(&mut world, "c1", "g", &["missing"], &[]);
        run_ms(&mut world, 10_000);
        let times = metadata_requests(&world, 4);
        let gaps: Vec<u64> = times.windows(2).map(|w| w[1] - w[0]).collect();
        // Every answer is equivalent (no newer leader): 100, 200, 400, 800 ms (±20 %), then
        // retry.backoff.max.ms, 1000 ms at most; a constant retry.backoff.ms would ask ~90 times.
        assert!(
            (10..=16).contains(&times.len()),
            "seed {seed}: {} requests, gaps {gaps:?}",
            times.len()
        );
        assert!(
            gaps.iter().skip(5).all(|g| (800..=1_100).contains(g)),
            "seed {seed}: gaps {gaps:?}"
        );
        assert!(
            gaps[..4].iter().sum::<u64>() < 1_000,
            "seed {seed}: gaps {gaps:?}"
        );
    }
}

#[test]
fn a_periodic_refresh_starts_the_count_again_so_a_leader_change_is_found_quickly() {
    for seed in [3, 4, 5] {
        let mut world = cluster(seed);
        world.record_trace_lines();
        create_topic(&mut world, "t", 1, 3, &[]);
        // Node 4: after the controller (0) and the three brokers.
        add_consumer(&mut world, "c1", "g", &["t"], &[]);
        // Six refreshes at metadata.max.age.ms (5 min), each answer equivalent to the last:
        // without the reset at expiry the count would stand at six and the next retry would
        // wait retry.backoff.max.ms.
        run_ms(&mut world, 31 * 60_000);
        let crash_ms = world.now().as_millis();
        let leader = leader(&world, "t", 0).expect("a leader");
        crash_broker(&mut world, leader);
        run_ms(&mut world, 3_000);
        let after: Vec<u64> = metadata_requests(&world, 4)
            .into_iter()
            .filter(|&t| t >= crash_ms)
            .collect();
        let gaps: Vec<u64> = after.windows(2).map(|w| w[1] - w[0]).collect();
        // Until the controller fences the dead leader (broker.session.timeout.ms, 9 s), the
        // answers still name it: 100, 200, 400 ms (±20 %) apart, not a second.
        assert!(
            gaps.len() >= 3 && gaps[0] < 500,
            "seed {seed}: requests at {after:?} after the crash at {crash_ms}"
        );
    }
}
