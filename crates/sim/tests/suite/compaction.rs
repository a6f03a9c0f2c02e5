//! Goal: log compaction (`cleanup.policy=compact`) as Kafka 4 does it. Each broker's log
//! cleaner (`storage/.../log/LogCleaner.java`, `Cleaner.doClean`) keeps the latest record per
//! key below the active segment and the high watermark, leaves offsets as they were (the log
//! gets gaps that consumers and followers read through), keeps a tombstone
//! `delete.retention.ms` after its first cleaning (KIP-534), cleans only past
//! `min.cleanable.dirty.ratio` and `min.compaction.lag.ms` (`LogCleanerManager`); a keyless
//! record is refused (`LogValidator.validateKey`, INVALID_RECORD).
//! Method: a cluster on virtual time; keyed sends in rounds 15 s apart (`segment.ms` 10000:
//! a segment per round), then jumps past the cleaner's 15 s backoff.

use crate::common::*;
use kafka_sim::check::check_all;
use kafka_sim::{ErrorCode, EventKind, Outcome, TopicPartition, World};

const EAGER: &[(&str, &str)] = &[
    ("cleanup.policy", "compact"),
    ("segment.ms", "10000"),
    ("min.cleanable.dirty.ratio", "0.01"),
    ("delete.retention.ms", "60000"),
];

fn tp() -> TopicPartition {
    TopicPartition::new("state", 0)
}

/// A 3-broker cluster with `state` (1 partition, RF 3) and an idempotent producer `p`.
fn compacted(configs: &[(&str, &str)]) -> World {
    let mut world = cluster(7);
    create_topic(&mut world, "state", 1, 3, configs);
    add_producer(&mut world, "p", &[("linger.ms", "0")]);
    world
}

/// One round of keyed sends (`None` value: a tombstone), then 15 s.
fn round(world: &mut World, sends: &[(&str, Option<&str>)]) {
    for (key, value) in sends {
        let record = kafka_sim::producer::ProducerRecord {
            topic: "state".into(),
            key: Some((*key).into()),
            value: value.map(Into::into),
            ..kafka_sim::producer::ProducerRecord::default()
        };
        world
            .apply(kafka_sim::Command::Send {
                producer: "p".into(),
                record,
            })
            .expect("producer exists");
        run_ms(world, 100);
    }
    run_ms(world, 15_000);
}

fn offsets(world: &World, broker: u32) -> Vec<u64> {
    log_values(world, broker, "state", 0)
        .into_iter()
        .map(|(offset, _)| offset)
        .collect()
}

fn cleaned_events(world: &World) -> Vec<(u32, usize, usize)> {
    world
        .events()
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::LogCleaned {
                broker,
                records,
                tombstones,
                ..
            } => Some((*broker, *records, *tombstones)),
            _ => None,
        })
        .collect()
}

#[test]
fn the_latest_value_per_key_stays_at_its_offset_on_every_replica() {
    let mut world = compacted(EAGER);
    round(&mut world, &[("a", Some("a1")), ("b", Some("b1"))]);
    round(&mut world, &[("c", Some("c1")), ("d", Some("d1"))]);
    round(&mut world, &[("c", Some("c2"))]);
    round(&mut world, &[("z", Some("z1"))]);
    run_ms(&mut world, 30_000);
    for broker in [1, 2, 3] {
        assert_eq!(
            offsets(&world, broker),
            [0, 1, 3, 4, 5],
            "broker {broker}: c1 (offset 2) superseded by c2; offsets kept"
        );
        let log = world.replica_log(broker, &tp()).expect("replica");
        assert_eq!(log.log_end_offset(), 6);
        assert_eq!(log.cleaned_records(), 1);
    }
    let brokers: Vec<u32> = cleaned_events(&world).iter().map(|e| e.0).collect();
    assert_eq!(
        brokers.len(),
        3,
        "each replica cleans its own log: {brokers:?}"
    );
    // A consumer reading from the start reads through the gap.
    add_consumer(
        &mut world,
        "reader",
        "g",
        &["state"],
        &[("auto.offset.reset", "earliest")],
    );
    run_ms(&mut world, 10_000);
    let read: Vec<(u64, String)> = processed(&world, "reader")
        .into_iter()
        .map(|(_, offset, value)| (offset, value))
        .collect();
    assert_eq!(
        read,
        [
            (0, "a1".to_owned()),
            (1, "b1".to_owned()),
            (3, "d1".to_owned()),
            (4, "c2".to_owned()),
            (5, "z1".to_owned()),
        ]
    );
    assert!(check_all(&world).is_empty(), "{:?}", check_all(&world));
}

#[test]
fn a_follower_that_was_away_copies_the_leaders_gaps() {
    let mut world = compacted(EAGER);
    let leader = leader(&world, "state", 0).expect("leader");
    let away = followers(&world, "state", 0)[0];
    crash_broker(&mut world, away);
    round(&mut world, &[("a", Some("a1")), ("b", Some("b1"))]);
    round(&mut world, &[("a", Some("a2"))]);
    round(&mut world, &[("z", Some("z1"))]);
    run_ms(&mut world, 20_000);
    assert_eq!(offsets(&world, leader), [1, 2, 3]);
    world
        .apply(kafka_sim::Command::RestartBroker { broker: away })
        .expect("restart");
    run_ms(&mut world, 20_000);
    assert_eq!(
        offsets(&world, away),
        [1, 2, 3],
        "fetched across the gap at 0"
    );
    assert_eq!(high_watermark(&world, away, "state", 0), 4);
    assert!(isr(&world, "state", 0).contains(&away), "caught up");
    assert!(check_all(&world).is_empty(), "{:?}", check_all(&world));
}

#[test]
fn a_tombstone_goes_delete_retention_ms_after_its_first_cleaning() {
    let mut world = compacted(EAGER);
    round(&mut world, &[("a", Some("a1")), ("b", Some("b1"))]);
    round(&mut world, &[("a", None)]);
    round(&mut world, &[("z", Some("z1"))]);
    run_ms(&mut world, 15_000);
    let leader = leader(&world, "state", 0).expect("leader");
    assert_eq!(
        log_values(&world, leader, "state", 0),
        [
            (1, "b1".to_owned()),
            (2, "null".to_owned()),
            (3, "z1".to_owned())
        ],
        "a1 superseded; the tombstone stays for delete.retention.ms"
    );
    run_ms(&mut world, 60_000);
    round(&mut world, &[("y", Some("y1"))]);
    run_ms(&mut world, 15_000);
    assert_eq!(offsets(&world, leader), [1, 3, 4], "the tombstone is gone");
    assert!(
        cleaned_events(&world)
            .iter()
            .any(|&(_, _, tombstones)| tombstones == 1),
        "{:?}",
        cleaned_events(&world)
    );
    assert!(check_all(&world).is_empty(), "{:?}", check_all(&world));
}

#[test]
fn min_compaction_lag_holds_young_segments_back() {
    let mut world = compacted(&[
        ("cleanup.policy", "compact"),
        ("segment.ms", "10000"),
        ("min.cleanable.dirty.ratio", "0.01"),
        ("min.compaction.lag.ms", "120000"),
    ]);
    round(&mut world, &[("a", Some("a1"))]);
    round(&mut world, &[("a", Some("a2"))]);
    round(&mut world, &[("z", Some("z1"))]);
    run_ms(&mut world, 60_000);
    assert!(
        cleaned_events(&world).is_empty(),
        "a2 is under two minutes old"
    );
    run_ms(&mut world, 90_000);
    let leader = leader(&world, "state", 0).expect("leader");
    assert_eq!(offsets(&world, leader), [1, 2]);
}

#[test]
fn below_the_dirty_ratio_nothing_is_cleaned() {
    // Kafka's default 0.5: the dirty part must be more than half of the cleanable log. Every
    // record here has the same size.
    let mut world = compacted(&[("cleanup.policy", "compact"), ("segment.ms", "10000")]);
    round(
        &mut world,
        &[("a", Some("1")), ("b", Some("1")), ("c", Some("1"))],
    );
    round(&mut world, &[("a", Some("2"))]);
    round(&mut world, &[("z", Some("1"))]);
    run_ms(&mut world, 30_000);
    let leader = leader(&world, "state", 0).expect("leader");
    assert_eq!(
        offsets(&world, leader),
        [0, 1, 2, 3, 4],
        "1 dirty record against 3 clean: a's old value waits"
    );
    round(&mut world, &[("b", Some("2"))]);
    round(&mut world, &[("c", Some("2"))]);
    run_ms(&mut world, 30_000);
    assert_eq!(
        offsets(&world, leader).len(),
        7,
        "3 dirty of 6: not above 0.5"
    );
    round(&mut world, &[("y", Some("1"))]);
    run_ms(&mut world, 30_000);
    assert_eq!(offsets(&world, leader), [3, 4, 5, 6, 7]);
}

#[test]
fn a_compacted_topic_refuses_a_record_without_a_key() {
    let mut world = compacted(EAGER);
    send(&mut world, "p", "state", None, "keyless");
    run_ms(&mut world, 2_000);
    match outcome(&world, 0) {
        Outcome::Failed {
            error: ErrorCode::InvalidRecord,
            message: Some(message),
        } => assert_eq!(
            message,
            "One or more records have been rejected due to 1 record errors in total, and only \
             showing the first three errors at most: [RecordError(batchIndex=0, \
             message='Compacted topic cannot accept message without key in topic partition \
             state-0')]"
        ),
        other => panic!("{other:?}"),
    }
    let leader = leader(&world, "state", 0).expect("leader");
    assert!(offsets(&world, leader).is_empty());
}

#[test]
fn compact_delete_cleans_and_deletes() {
    let mut world = compacted(&[
        ("cleanup.policy", "compact,delete"),
        ("segment.ms", "10000"),
        ("min.cleanable.dirty.ratio", "0.01"),
        ("retention.ms", "120000"),
    ]);
    round(&mut world, &[("a", Some("a1")), ("b", Some("b1"))]);
    round(&mut world, &[("a", Some("a2"))]);
    round(&mut world, &[("z", Some("z1"))]);
    run_ms(&mut world, 15_000);
    let leader = leader(&world, "state", 0).expect("leader");
    assert_eq!(offsets(&world, leader), [1, 2, 3], "cleaned first");
    run_ms(&mut world, 10 * 60_000);
    let log = world.replica_log(leader, &tp()).expect("log");
    assert_eq!(
        log.log_start_offset(),
        4,
        "then retention deleted every old segment"
    );
    assert!(
        world
            .events()
            .iter()
            .any(|e| matches!(e.kind, EventKind::SegmentsDeleted { .. }))
    );
}

#[test]
fn the_compaction_example_shows_the_latest_values_and_a_tombstone_going() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/examples/compaction.toml"
    );
    let text = std::fs::read_to_string(path).expect("example readable");
    let scenario: kafka_sim::scenario::Scenario = toml::from_str(&text).expect("parses");
    let (world, _) = scenario.run().expect("runs");
    let tp = TopicPartition::new("prices", 0);
    for broker in [1, 2, 3] {
        let log = world.replica_log(broker, &tp).expect("replica");
        assert_eq!(log.cleaned_records(), 5, "broker {broker}");
    }
    let read = |consumer: &str| -> Vec<(u64, String)> {
        processed(&world, consumer)
            .into_iter()
            .map(|(_, offset, value)| (offset, value))
            .collect()
    };
    assert_eq!(
        read("menu"),
        [
            (4, "2.10".to_owned()),
            (5, "1.20".to_owned()),
            (6, "null".to_owned()),
            (7, "4.00".to_owned())
        ]
    );
    assert_eq!(
        read("late"),
        [
            (4, "2.10".to_owned()),
            (5, "1.20".to_owned()),
            (7, "4.00".to_owned()),
            (8, "4.10".to_owned())
        ],
        "the tombstone is gone after delete.retention.ms"
    );
    assert!(check_all(&world).is_empty(), "{:?}", check_all(&world));
}
