//! Goal: time- and size-based retention as Kafka 4 does it. Segments roll by `segment.ms` and
//! `segment.bytes` (`storage/.../log/LogSegment.java`, `shouldRoll`); the broker's retention
//! task deletes whole old segments below the high watermark and moves the log start offset
//! (`storage/.../log/UnifiedLog.java`, `deleteOldSegments` / `deletableSegments` /
//! `maybeIncrementLogStartOffset`); followers follow the leader's log start offset from fetch
//! answers (`core/.../server/ReplicaFetcherThread.scala`); a fetch below it is
//! OFFSET_OUT_OF_RANGE and the consumer follows `auto.offset.reset`; ListOffsets earliest is
//! the log start offset (`Partition.fetchOffsetForTimestamp`). Topic configs validated as
//! `LogConfig` defines them.
//! Method: a cluster on virtual time, records written in rounds, then a jump of minutes.

use crate::common;

use common::*;
use kafka_sim::EventKind;
use kafka_sim::check::{check_all, deleted_before_read};
use kafka_sim::{Command, TopicPartition, World};

const SHORT: &[(&str, &str)] = &[("retention.ms", "60000"), ("segment.ms", "10000")];

fn tp() -> TopicPartition {
    TopicPartition::new("events", 0)
}

/// Three rounds of five records 15 s apart into `events` (1 partition, RF 3): with
/// `segment.ms` 10000 each round starts a segment.
fn three_rounds(configs: &[(&str, &str)]) -> World {
    let mut world = cluster(3);
    create_topic(&mut world, "events", 1, 3, configs);
    add_client(&mut world, "loader");
    write_rounds(&mut world, "r", 3);
    world
}

/// `rounds` rounds of five records (`{prefix}{round}-{i}`) by client `loader` to `events`
/// partition 0, 15 s apart.
fn write_rounds(world: &mut World, prefix: &str, rounds: u32) {
    for round in 0..rounds {
        for i in 0..5 {
            let value = format!("{prefix}{round}-{i}");
            produce(world, "loader", "events", 0, &value, -1);
        }
        run_ms(world, 15_000);
    }
}

fn log_start(world: &World, broker: u32) -> u64 {
    world
        .replica_log(broker, &tp())
        .map_or(0, |l| l.log_start_offset())
}

#[test]
fn segments_roll_by_segment_ms() {
    let world = three_rounds(SHORT);
    let leader = leader(&world, "events", 0).expect("leader");
    let log = world.replica_log(leader, &tp()).expect("log");
    let bases: Vec<u64> = log.segments().iter().map(|s| s.base_offset).collect();
    assert_eq!(bases, [0, 5, 10], "one segment per round");
    for broker in [1, 2, 3] {
        let follower = world.replica_log(broker, &tp()).expect("replica");
        let bases: Vec<u64> = follower.segments().iter().map(|s| s.base_offset).collect();
        assert_eq!(
            bases,
            [0, 5, 10],
            "broker {broker} rolls where the leader did"
        );
    }
}

#[test]
fn retention_ms_deletes_old_segments_on_every_replica() {
    let mut world = three_rounds(SHORT);
    // Nothing is deleted before the records are a minute old and a check has run.
    assert_eq!(log_start(&world, 1), 0);
    run_ms(&mut world, 10 * 60_000);
    for broker in [1, 2, 3] {
        assert_eq!(
            log_start(&world, broker),
            15,
            "broker {broker}: every segment is past retention.ms, the active one too (rolled first)"
        );
        assert!(log_values(&world, broker, "events", 0).is_empty());
        assert_eq!(high_watermark(&world, broker, "events", 0), 15);
    }
    assert!(world.events().iter().any(|e| matches!(
        &e.kind,
        EventKind::SegmentsDeleted {
            segments: 3,
            records: 15,
            log_start_offset: 15,
            ..
        }
    )));
    // New records still get the next offsets.
    produce(&mut world, "loader", "events", 0, "after", -1);
    run_ms(&mut world, 2_000);
    let leader = leader(&world, "events", 0).expect("leader");
    assert_eq!(
        log_values(&world, leader, "events", 0),
        vec![(15, "after".to_owned())]
    );
    let view = world.view();
    assert_eq!(
        view.topics[0].messages, 1,
        "the topic's message count is end minus start, as Kafka UIs count"
    );
    assert!(check_all(&world).is_empty(), "{:?}", check_all(&world));
}

#[test]
fn default_retention_deletes_nothing_in_a_day() {
    let mut world = three_rounds(&[("segment.ms", "10000")]);
    run_ms(&mut world, 24 * 3_600_000);
    assert_eq!(log_start(&world, 1), 0, "retention.ms defaults to 7 days");
    assert_eq!(log_values(&world, 1, "events", 0).len(), 15);
}

#[test]
fn retention_minus_one_keeps_everything() {
    // Past the default retention.ms (seven days), on every replica's own retention settings:
    // asked of the log directly, as an idle cluster's eight days took most of a minute.
    let world = three_rounds(&[("retention.ms", "-1"), ("segment.ms", "10000")]);
    let eight_days = world.now().as_millis() + 8 * 24 * 3_600_000;
    for broker in 1..=3 {
        let replica = world.replica(broker, &tp()).expect("a replica");
        let retention = replica.retention.expect("cleanup.policy=delete");
        assert_eq!((retention.ms, retention.bytes), (-1, -1), "broker {broker}");
        let mut log = replica.log.clone();
        assert!(log.segments().len() > 1, "old segments that could go");
        assert_eq!(log.delete_old_segments(eight_days, retention), None);
    }
    // The same check with the default would delete them.
    let default = three_rounds(&[("segment.ms", "10000")]);
    let replica = default.replica(1, &tp()).expect("a replica");
    let mut log = replica.log.clone();
    let deleted = log.delete_old_segments(eight_days, replica.retention.expect("delete"));
    assert!(deleted.is_some_and(|d| d.segments > 0), "{deleted:?}");
}

#[test]
fn retention_bytes_deletes_the_oldest_segments_over_the_limit() {
    // Each round's five records are 5 * 11 bytes as the producer sizes them (value "rN-i").
    let mut world = three_rounds(&[("retention.bytes", "55"), ("segment.ms", "10000")]);
    let size = world.replica_log(1, &tp()).expect("log").segments()[0].size_bytes;
    assert_eq!(size, 55);
    run_ms(&mut world, 5 * 60_000);
    // 165 bytes, 110 over 55: the oldest two segments go, and not the third (that would
    // leave the log under the limit).
    assert_eq!(log_start(&world, 1), 10);
    assert_eq!(log_values(&world, 1, "events", 0).len(), 5);
}

#[test]
fn list_offsets_earliest_is_the_log_start_and_a_new_reader_starts_there() {
    let mut world = three_rounds(SHORT);
    run_ms(&mut world, 5 * 60_000);
    let start = log_start(&world, 1);
    assert!(start > 0);
    add_consumer(
        &mut world,
        "late",
        "late-readers",
        &["events"],
        &[("auto.offset.reset", "earliest")],
    );
    produce(&mut world, "loader", "events", 0, "fresh", -1);
    run_ms(&mut world, 15_000);
    let read = processed(&world, "late");
    assert_eq!(read.first().map(|r| r.1), Some(start), "{read:?}");
}

#[test]
fn a_consumer_below_the_log_start_is_out_of_range_and_resets_to_it() {
    let mut world = cluster(5);
    create_topic(&mut world, "events", 1, 3, SHORT);
    add_client(&mut world, "loader");
    for i in 0..5 {
        produce(&mut world, "loader", "events", 0, &format!("a-{i}"), -1);
    }
    run_ms(&mut world, 1_000);
    add_consumer(
        &mut world,
        "slow",
        "billing",
        &["events"],
        &[("auto.offset.reset", "earliest")],
    );
    run_ms(&mut world, 10_000);
    world
        .apply(Command::CloseConsumer {
            consumer: "slow".to_owned(),
        })
        .expect("closes");
    run_ms(&mut world, 15_000);
    // Written while the group is away; then retention deletes past its committed offset 5.
    write_rounds(&mut world, "b", 2);
    run_ms(&mut world, 5 * 60_000);
    for i in 0..3 {
        produce(&mut world, "loader", "events", 0, &format!("c-{i}"), -1);
    }
    run_ms(&mut world, 1_000);
    let start = log_start(&world, 1);
    assert_eq!(start, 15, "the b rounds were deleted");
    add_consumer(
        &mut world,
        "slow-again",
        "billing",
        &["events"],
        &[("auto.offset.reset", "earliest")],
    );
    run_ms(&mut world, 15_000);
    let read = processed(&world, "slow-again");
    let offsets: Vec<u64> = read.iter().map(|r| r.1).collect();
    assert_eq!(
        offsets,
        [15, 16, 17],
        "committed 5 was out of range: reset to the log start"
    );
    assert!(
        check_all(&world).is_empty(),
        "records deleted by retention are neither lost writes nor consumer loss: {:?}",
        check_all(&world)
    );
    let notes = deleted_before_read(&world);
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(
        notes[0].contains("offsets 5-14 (10 record(s)) were deleted by retention"),
        "{notes:?}"
    );
}

#[test]
fn a_follower_behind_the_log_start_starts_over_there() {
    let mut world = cluster(9);
    create_topic(&mut world, "events", 1, 3, SHORT);
    add_client(&mut world, "loader");
    let leader = leader(&world, "events", 0).expect("leader");
    let behind = followers(&world, "events", 0)[0];
    crash_broker(&mut world, behind);
    write_rounds(&mut world, "r", 3);
    run_ms(&mut world, 5 * 60_000);
    assert_eq!(log_start(&world, leader), 15);
    world
        .apply(Command::RestartBroker { broker: behind })
        .expect("restarts");
    produce(&mut world, "loader", "events", 0, "later", -1);
    run_ms(&mut world, 30_000);
    assert_eq!(log_start(&world, behind), 15, "fetch at 0 was out of range");
    assert_eq!(
        log_values(&world, behind, "events", 0),
        vec![(15, "later".to_owned())]
    );
    assert!(check_all(&world).is_empty(), "{:?}", check_all(&world));
}

#[test]
fn configs_are_validated_as_log_config_does() {
    let mut world = cluster(1);
    let refused = |world: &mut World, key: &str, value: &str| {
        try_create_topic(world, "t", 1, 1, &[(key, value)]).expect_err("refused")
    };
    assert!(
        refused(&mut world, "segment.bytes", "1000").ends_with(
            "Invalid value 1000 for configuration segment.bytes: Value must be at least 1048576"
        ),
        "{}",
        refused(&mut world, "segment.bytes", "1000")
    );
    assert!(
        refused(&mut world, "segment.ms", "0")
            .ends_with("Invalid value 0 for configuration segment.ms: Value must be at least 1")
    );
    assert!(
        refused(&mut world, "retention.ms", "-2").ends_with(
            "Invalid value -2 for configuration retention.ms: Value must be at least -1"
        )
    );
    assert!(
        refused(&mut world, "retention.ms", "soon").ends_with(
            "Invalid value soon for configuration retention.ms: Not a number of type LONG"
        )
    );
    try_create_topic(
        &mut world,
        "ok",
        1,
        1,
        &[
            ("segment.bytes", "1048576"),
            ("segment.ms", "1"),
            ("retention.bytes", "-1"),
        ],
    )
    .expect("valid");
}

#[test]
fn the_retention_example_shows_a_consumer_falling_behind_retention() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/examples/retention.toml"
    );
    let text = std::fs::read_to_string(path).expect("example readable");
    let scenario: kafka_sim::scenario::Scenario = toml::from_str(&text).expect("parses");
    let (world, _) = scenario.run().expect("runs");
    for broker in [1, 2, 3] {
        assert_eq!(log_start(&world, broker), 15, "broker {broker}");
    }
    let read: Vec<(u64, String)> = processed(&world, "reader-2")
        .into_iter()
        .map(|(_, offset, value)| (offset, value))
        .collect();
    assert_eq!(
        read,
        [(15, "d-0"), (16, "d-1"), (17, "d-2")].map(|(o, v)| (o, v.to_owned())),
        "committed offset 5 was below the log start: reset to it"
    );
    let findings = kafka_sim::verdict::judge(&scenario, &world);
    assert!(findings.is_empty(), "{findings:?}");
    assert_eq!(
        deleted_before_read(&world),
        [
            "audit: events-0 offsets 5-14 (10 record(s)) were deleted by retention before the group \
          read them; it went on from the log start offset 15"
        ]
    );
    // Once offsets are moved by hand, a gap may be the user's doing: no note blames retention.
    let mut world = world;
    world
        .apply(Command::Seek {
            consumer: "reader-2".to_owned(),
            tp: tp(),
            offset: 17,
        })
        .expect("an owned partition");
    assert!(deleted_before_read(&world).is_empty());
}

#[test]
fn offset_resets_start_at_the_log_start() {
    // ConsumerGroupCommand asks ListOffsets earliest, and `checkOffsetsRange` raises an
    // offset below it to it.
    let mut world = three_rounds(SHORT);
    run_ms(&mut world, 5 * 60_000);
    add_consumer(&mut world, "c", "g", &["events"], &[]);
    run_ms(&mut world, 10_000);
    world
        .apply(Command::CloseConsumer {
            consumer: "c".to_owned(),
        })
        .expect("closes");
    run_ms(&mut world, 2_000);
    for target in ["--to-earliest", "--to-offset 3"] {
        let out = kafka_sim::console::run(
            &mut world,
            &format!(
                "kafka-consumer-groups.sh --bootstrap-server localhost:9092 --group g \
                 --topic events --reset-offsets {target} --dry-run"
            ),
        )
        .expect("a plan");
        assert!(
            out.contains(
                "\ng                              events                         0          15"
            ),
            "{target}: {out}"
        );
    }
}

#[test]
fn the_page_marks_no_record_deleted_by_retention_as_truncated() {
    // The page's per-partition note "offsets N-M acknowledged, not in the leader's log" is
    // for records a truncation or an election removed, not for those retention deleted.
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/examples/retention.toml"
    );
    let text = std::fs::read_to_string(path).expect("example readable");
    let scenario: kafka_sim::scenario::Scenario = toml::from_str(&text).expect("parses");
    let (world, _) = scenario.run().expect("runs");
    let mut marks = kafka_sim::check::LiveMarks::default();
    marks.update(&world);
    assert_eq!(marks.truncated_after_ack(&tp()), []);
}

#[test]
fn an_acks_0_record_lost_after_retention_ran_is_still_a_lost_write() {
    // Retention excuses an acks=0 record missing from the log only if it deleted segments
    // after the record was sent; a record dropped later by a dead leader is a lost write.
    let mut world = three_rounds(SHORT);
    run_ms(&mut world, 10 * 60_000);
    assert_eq!(log_start(&world, 1), 15, "retention ran");
    add_producer(&mut world, "fire", &[("acks", "0")]);
    send(&mut world, "fire", "events", None, "warm-up");
    run_ms(&mut world, 1_000);
    // The leader dies; the producer's metadata still names it, so the next send goes nowhere.
    let old = leader(&world, "events", 0).expect("leader");
    crash_broker(&mut world, old);
    send(&mut world, "fire", "events", None, "into the void");
    run_ms(&mut world, 30_000);
    let lost: Vec<String> = kafka_sim::check::check(&world)
        .into_iter()
        .filter(|v| v.anomaly == kafka_sim::check::Anomaly::LostWrite)
        .map(|v| v.detail)
        .collect();
    assert!(
        lost.iter().any(|d| d.contains("into the void")),
        "the acks=0 loss is reported: {lost:?}"
    );
}
