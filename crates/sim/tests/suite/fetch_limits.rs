//! Goal: fetches return whole batches within `fetch.max.bytes`, `max.partition.fetch.bytes`
//! and `replica.fetch.max.bytes`, and the first batch of a response even when it is larger
//! (KIP-74), so a large record never stops a consumer or a follower. Method: one record per
//! batch (a plain client's Produce), values of known sizes; the test reads what each of a
//! consumer's polls returned (a poll returns what one fetch brought) and what every replica
//! holds.

use crate::common;

use common::*;
use kafka_sim::{ClusterConfig, Outcome, SimDuration, World};

fn polls(world: &World, consumer: &str) -> Vec<Vec<(u32, u64)>> {
    let (c, _) = world
        .consumers()
        .find(|(c, _)| c.name() == consumer)
        .expect("consumer");
    c.history()
        .iter()
        .filter_map(|op| match &op.outcome {
            Outcome::Polled { records, .. } => {
                Some(records.iter().map(|r| (r.tp.partition, r.offset)).collect())
            }
            _ => None,
        })
        .collect()
}

fn sizes(polls: &[Vec<(u32, u64)>]) -> Vec<usize> {
    polls.iter().map(Vec::len).collect()
}

/// A cluster of `brokers` brokers that take batches up to 4 MiB, topic `t` with `partitions`
/// partitions replicated to every broker.
fn big_cluster(seed: u64, brokers: u32, partitions: i32) -> World {
    let mut config = ClusterConfig {
        brokers,
        ..ClusterConfig::default()
    };
    config.broker.message_max_bytes = 4 << 20;
    let mut world = World::new(&config, seed);
    world.run_for(SimDuration::from_millis(500));
    create_topic(&mut world, "t", partitions, brokers as i32, &[]);
    add_client(&mut world, "loader");
    world
}

/// `count` records with 100-byte values in partition `p` of `t`, one batch each.
fn hundred_byte_records(world: &mut World, p: u32, count: u32) {
    for i in 0..count {
        let value = format!("{i}{}", "v".repeat(99));
        produce(world, "loader", "t", p, &value, -1);
    }
}

fn reader(world: &mut World, configs: &[(&str, &str)]) {
    let mut all = vec![
        ("auto.offset.reset", "earliest"),
        ("app.processing.ms", "0"),
    ];
    all.extend_from_slice(configs);
    add_consumer(world, "c1", "g", &["t"], &all);
    run_ms(world, 10_000);
}

#[test]
fn a_batch_larger_than_the_limits_is_still_read_and_replicated_alone() {
    let mut world = big_cluster(81, 3, 1);
    let big = "x".repeat(2 << 20);
    produce(&mut world, "loader", "t", 0, &big, -1);
    run_ms(&mut world, 2_000);
    for i in 0..3 {
        produce(&mut world, "loader", "t", 0, &format!("small-{i}"), -1);
    }
    run_ms(&mut world, 2_000);
    // Followers fetch with replica.fetch.max.bytes = 1 MiB: the 2 MiB batch comes anyway.
    for broker in 1..=3 {
        assert_eq!(
            log_values(&world, broker, "t", 0).len(),
            4,
            "broker {broker} has every record"
        );
    }
    assert_eq!(isr(&world, "t", 0).len(), 3);
    reader(&mut world, &[]);
    // max.partition.fetch.bytes = 1 MiB: the first fetch brings the large batch alone, the
    // next the three small ones.
    assert_eq!(sizes(&polls(&world, "c1")), [1, 3]);
}

#[test]
fn max_partition_fetch_bytes_returns_whole_batches_up_to_the_limit() {
    let mut world = big_cluster(82, 3, 1);
    hundred_byte_records(&mut world, 0, 5);
    run_ms(&mut world, 2_000);
    // Each batch: 61 bytes of header and a 100-byte value with its record framing (~105):
    // two fit in 400 bytes, three do not.
    reader(&mut world, &[("max.partition.fetch.bytes", "400")]);
    assert_eq!(sizes(&polls(&world, "c1")), [2, 2, 1]);
}

#[test]
fn fetch_max_bytes_bounds_the_response_across_partitions() {
    // One broker leads both partitions, so one fetch asks for both.
    let mut world = big_cluster(83, 1, 2);
    for p in 0..2 {
        hundred_byte_records(&mut world, p, 2);
    }
    run_ms(&mut world, 2_000);
    reader(&mut world, &[("fetch.max.bytes", "400")]);
    let polls = polls(&world, "c1");
    let read: usize = polls.iter().map(Vec::len).sum();
    assert_eq!(read, 4, "every record read: {polls:?}");
    for poll in &polls {
        let partitions: std::collections::BTreeSet<u32> = poll.iter().map(|r| r.0).collect();
        assert_eq!(
            partitions.len(),
            1,
            "400 bytes hold one partition's two batches, not a third: {polls:?}"
        );
    }
}
