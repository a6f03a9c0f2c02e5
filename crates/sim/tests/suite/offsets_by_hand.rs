//! Goal: offsets given by hand behave as the Java `KafkaConsumer`'s calls do. Method: a group
//! consumer over a loaded topic is told to seek, commit explicit offsets with metadata, seek to
//! either end, look offsets up by time, answer its position and committed offsets, and pause
//! and resume a partition; the test checks positions, what the group coordinator stored, the
//! answers (events) and the exceptions Java throws for bad input.

use crate::common;

use common::*;
use kafka_sim::{
    Command, CommandError, CommitOffset, EventKind, Outcome, Request, TopicPartition, World,
};

fn tp(topic: &str, partition: u32) -> TopicPartition {
    TopicPartition::new(topic, partition)
}

/// Topic `t` with `partitions` partitions of five records each (offsets 0-4, produced 100 ms
/// apart in virtual time), read by `c1` of group `g` from the earliest offset with manual
/// commits only.
fn reader(seed: u64, partitions: u32) -> World {
    reader_configured(seed, partitions, &[])
}

/// [`reader`] with more configs for `c1`.
fn reader_configured(seed: u64, partitions: u32, configs: &[(&str, &str)]) -> World {
    let mut world = cluster(seed);
    create_topic(&mut world, "t", partitions as i32, 3, &[]);
    add_client(&mut world, "loader");
    for i in 0..5 {
        for p in 0..partitions {
            produce(&mut world, "loader", "t", p, &format!("p{p}-{i}"), -1);
        }
        run_ms(&mut world, 100);
    }
    run_ms(&mut world, 1_000);
    add_consumer(
        &mut world,
        "c1",
        "g",
        &["t"],
        &[
            ("auto.offset.reset", "earliest"),
            ("enable.auto.commit", "false"),
            ("app.processing.ms", "0"),
        ]
        .into_iter()
        .chain(configs.iter().copied())
        .collect::<Vec<_>>(),
    );
    run_ms(&mut world, 8_000);
    world
}

/// Topic `t` of one partition holding `records` values (`r0`, `r1`, ...), and `c1` of group
/// `g` subscribed to it with `configs` (not yet run).
fn one_partition(seed: u64, records: usize, configs: &[(&str, &str)]) -> World {
    let mut world = cluster(seed);
    create_topic(&mut world, "t", 1, 3, &[]);
    add_client(&mut world, "loader");
    for i in 0..records {
        produce(&mut world, "loader", "t", 0, &format!("r{i}"), -1);
    }
    run_ms(&mut world, 1_000);
    add_consumer(&mut world, "c1", "g", &["t"], configs);
    world
}

fn position(world: &World, consumer: &str, tp: &TopicPartition) -> Option<u64> {
    let (c, _) = world.consumers().find(|(c, _)| c.name() == consumer)?;
    c.owned().get(tp)?.position
}

/// `seek(tp, offset)` by `consumer`, which owns `tp`.
fn seek(world: &mut World, consumer: &str, tp: &TopicPartition, offset: i64) {
    world
        .apply(Command::Seek {
            consumer: consumer.to_owned(),
            tp: tp.clone(),
            offset,
        })
        .expect("owned");
}

fn history_len(world: &World, consumer: &str) -> usize {
    world
        .consumers()
        .find(|(c, _)| c.name() == consumer)
        .map_or(0, |(c, _)| c.history().len())
}

/// Every answer `consumer` gave, as `(call, answer)`.
fn answers(world: &World, consumer: &str) -> Vec<(String, String)> {
    world
        .events()
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::ConsumerAnswered {
                consumer: c,
                call,
                answer,
            } if c == consumer => Some((call.clone(), answer.clone())),
            _ => None,
        })
        .collect()
}

fn refusal(result: Result<(), CommandError>) -> String {
    result.expect_err("refused").to_string()
}

fn commit(offsets: &[(TopicPartition, i64, &str)]) -> Vec<CommitOffset> {
    offsets
        .iter()
        .map(|(tp, offset, metadata)| CommitOffset {
            tp: tp.clone(),
            offset: *offset,
            metadata: (*metadata).to_owned(),
        })
        .collect()
}

fn stored(world: &World, group: &str) -> Vec<(TopicPartition, u64, Option<String>)> {
    world
        .groups()
        .into_iter()
        .find(|(_, g)| g.id == group)
        .map(|(_, g)| {
            g.offsets
                .iter()
                .map(|(tp, o)| (tp.clone(), *o, g.metadata.get(tp).cloned()))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn a_negative_seek_is_refused_before_anything_changes() {
    let mut world = reader(71, 1);
    let t0 = tp("t", 0);
    assert_eq!(position(&world, "c1", &t0), Some(5));
    let before = history_len(&world, "c1");
    let error = refusal(world.apply(Command::Seek {
        consumer: "c1".to_owned(),
        tp: t0.clone(),
        offset: -1,
    }));
    assert_eq!(
        error,
        "IllegalArgumentException: seek offset must not be a negative number"
    );
    run_ms(&mut world, 1_000);
    assert_eq!(position(&world, "c1", &t0), Some(5), "position unchanged");
    assert_eq!(history_len(&world, "c1"), before, "nothing polled again");
    // A seek of a partition the consumer does not own: IllegalStateException, as in Java.
    let error = refusal(world.apply(Command::Seek {
        consumer: "c1".to_owned(),
        tp: tp("t", 7),
        offset: 0,
    }));
    assert_eq!(
        error,
        "IllegalStateException: No current assignment for partition t-7"
    );
}

#[test]
fn explicit_offsets_and_metadata_are_stored_and_read_back() {
    let mut world = reader(72, 2);
    let (t0, t1) = (tp("t", 0), tp("t", 1));
    // A negative offset is refused by OffsetAndMetadata's constructor: nothing is sent.
    let before = history_len(&world, "c1");
    let error = refusal(world.apply(Command::CommitSyncOffsets {
        consumer: "c1".to_owned(),
        offsets: commit(&[(t0.clone(), 2, ""), (t1.clone(), -3, "x")]),
    }));
    assert_eq!(error, "IllegalArgumentException: Invalid negative offset");
    assert_eq!(history_len(&world, "c1"), before, "no commit was made");
    run_ms(&mut world, 1_000);
    assert_eq!(stored(&world, "g"), [], "nothing stored");

    world
        .apply(Command::CommitSyncOffsets {
            consumer: "c1".to_owned(),
            offsets: commit(&[(t0.clone(), 2, "batch-17"), (t1.clone(), 4, "")]),
        })
        .expect("a commit");
    run_ms(&mut world, 1_000);
    assert_eq!(
        stored(&world, "g"),
        [
            (t0.clone(), 2, Some("batch-17".to_owned())),
            (t1.clone(), 4, None)
        ]
    );
    let (c, _) = world
        .consumers()
        .find(|(c, _)| c.name() == "c1")
        .expect("exists");
    let op = c.history().last().expect("exists");
    assert!(
        matches!(&op.request, Request::Commit { kind, offsets, .. } if kind == "sync" && offsets.len() == 2),
        "{op:?}"
    );
    assert_eq!(op.outcome, Outcome::Committed);
    // The record in __consumer_offsets carries the metadata, as OffsetsMessageFormatter shows.
    let rendered: Vec<String> = world
        .metadata()
        .topics
        .get("__consumer_offsets")
        .map(|topic| {
            (0..topic.partitions.len() as u32)
                .filter_map(|p| world.leader_log(&tp("__consumer_offsets", p)))
                .flat_map(|log| log.records().iter().map(|r| r.data.value_text()))
                .filter(|v| v.contains("metadata=batch-17"))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(rendered, ["OffsetAndMetadata(offset=2, metadata=batch-17)"]);

    // committed() asks the coordinator and answers with the metadata.
    world
        .apply(Command::Committed {
            consumer: "c1".to_owned(),
            partitions: vec![t0.clone(), t1.clone(), tp("t", 9)],
        })
        .expect("a group consumer");
    run_ms(&mut world, 1_000);
    assert_eq!(
        answers(&world, "c1"),
        [(
            "committed([t-0, t-1, t-9])".to_owned(),
            "{t-0=OffsetAndMetadata{offset=2, leaderEpoch=null, metadata='batch-17'}, \
             t-1=OffsetAndMetadata{offset=4, leaderEpoch=null, metadata=''}, t-9=null}"
                .to_owned()
        )]
    );

    // commitAsync with explicit offsets: a later plain commit clears the metadata.
    world
        .apply(Command::CommitAsyncOffsets {
            consumer: "c1".to_owned(),
            offsets: commit(&[(t0.clone(), 3, "")]),
        })
        .expect("a commit");
    run_ms(&mut world, 1_000);
    assert_eq!(stored(&world, "g")[0], (t0, 3, None));
}

#[test]
fn seek_to_beginning_and_end_are_resolved_at_the_next_poll() {
    let mut world = reader(73, 1);
    let t0 = tp("t", 0);
    assert_eq!(processed(&world, "c1").len(), 5);
    world
        .apply(Command::SeekToBeginning {
            consumer: "c1".to_owned(),
            partitions: Vec::new(),
        })
        .expect("all assigned partitions");
    assert_eq!(
        position(&world, "c1", &t0),
        None,
        "lazy: unknown until ListOffsets answers"
    );
    run_ms(&mut world, 2_000);
    assert_eq!(
        processed(&world, "c1").len(),
        10,
        "read again from offset 0"
    );
    // Two more records, then seekToEnd: the position is the high watermark, nothing re-read.
    produce(&mut world, "loader", "t", 0, "late-1", -1);
    produce(&mut world, "loader", "t", 0, "late-2", -1);
    world
        .apply(Command::StallConsumer {
            consumer: "c1".to_owned(),
        })
        .expect("exists");
    run_ms(&mut world, 1_000);
    world
        .apply(Command::SeekToEnd {
            consumer: "c1".to_owned(),
            partitions: vec![t0.clone()],
        })
        .expect("owned");
    run_ms(&mut world, 1_000);
    assert_eq!(
        position(&world, "c1", &t0),
        None,
        "a stalled application does not poll, so the seek is not resolved yet"
    );
    world
        .apply(Command::ResumeConsumer {
            consumer: "c1".to_owned(),
        })
        .expect("exists");
    run_ms(&mut world, 2_000);
    assert_eq!(position(&world, "c1", &t0), Some(7));
    assert_eq!(
        processed(&world, "c1").len(),
        10,
        "the skipped records are not read"
    );
    // position() answers from the consumer.
    world
        .apply(Command::Position {
            consumer: "c1".to_owned(),
            tp: t0,
        })
        .expect("owned");
    assert_eq!(
        answers(&world, "c1"),
        [("position(t-0)".to_owned(), "7".to_owned())]
    );
}

#[test]
fn offsets_for_times_finds_the_first_record_at_or_after_the_time() {
    let mut world = reader(74, 1);
    let t0 = tp("t", 0);
    let log = world.leader_log(&t0).expect("a leader");
    let stamps: Vec<u64> = log.records().iter().map(|r| r.data.timestamp_ms).collect();
    assert_eq!(stamps.len(), 5);
    assert!(stamps.windows(2).all(|w| w[0] < w[1]), "{stamps:?}");
    let between = stamps[2] - 1;
    for timestamp in [between as i64, stamps[4] as i64 + 1] {
        world
            .apply(Command::OffsetsForTimes {
                consumer: "c1".to_owned(),
                tp: t0.clone(),
                timestamp_ms: timestamp,
            })
            .expect("a lookup");
        run_ms(&mut world, 500);
    }
    let error = refusal(world.apply(Command::OffsetsForTimes {
        consumer: "c1".to_owned(),
        tp: t0.clone(),
        timestamp_ms: -5,
    }));
    assert_eq!(
        error,
        "IllegalArgumentException: The target time for partition t-0 is -5. The target time cannot be negative."
    );
    assert_eq!(
        answers(&world, "c1"),
        [
            (
                format!("offsetsForTimes({{t-0={between}}})"),
                format!(
                    "{{t-0=(timestamp={}, leaderEpoch=null, offset=2)}}",
                    stamps[2]
                )
            ),
            (
                format!("offsetsForTimes({{t-0={}}})", stamps[4] + 1),
                "{t-0=null}".to_owned()
            ),
        ]
    );
}

#[test]
fn a_paused_partition_is_not_fetched_and_stays_assigned() {
    let mut world = reader(75, 2);
    let (t0, t1) = (tp("t", 0), tp("t", 1));
    let generation = |world: &World| {
        let (c, _) = world
            .consumers()
            .find(|(c, _)| c.name() == "c1")
            .expect("exists");
        c.membership().1
    };
    let before = generation(&world);
    world
        .apply(Command::PausePartitions {
            consumer: "c1".to_owned(),
            partitions: vec![t0.clone()],
        })
        .expect("owned");
    for i in 0..3 {
        produce(&mut world, "loader", "t", 0, &format!("p0-new-{i}"), -1);
        produce(&mut world, "loader", "t", 1, &format!("p1-new-{i}"), -1);
    }
    run_ms(&mut world, 5_000);
    assert_eq!(position(&world, "c1", &t0), Some(5), "paused: not read");
    assert_eq!(
        position(&world, "c1", &t1),
        Some(8),
        "the other partition goes on"
    );
    assert_eq!(generation(&world), before, "no rebalance");
    assert_eq!(owned(&world, "c1"), [t0.clone(), t1.clone()]);
    world
        .apply(Command::ResumePartitions {
            consumer: "c1".to_owned(),
            partitions: vec![t0.clone()],
        })
        .expect("owned");
    run_ms(&mut world, 2_000);
    assert_eq!(position(&world, "c1", &t0), Some(8), "resumed");

    // Paused state goes with the partition when a rebalance revokes it.
    world
        .apply(Command::PausePartitions {
            consumer: "c1".to_owned(),
            partitions: vec![t0.clone(), t1.clone()],
        })
        .expect("exists");
    add_consumer(
        &mut world,
        "c2",
        "g",
        &["t"],
        &[("enable.auto.commit", "false")],
    );
    run_ms(&mut world, 10_000);
    assert!(generation(&world) > before, "rebalanced");
    let (c, _) = world
        .consumers()
        .find(|(c, _)| c.name() == "c1")
        .expect("exists");
    assert!(
        c.owned().values().all(|o| !o.paused),
        "a partition assigned again is not paused: {:?}",
        c.owned()
    );
    let error = refusal(world.apply(Command::PausePartitions {
        consumer: "c1".to_owned(),
        partitions: vec![tp("t", 5)],
    }));
    assert_eq!(
        error,
        "IllegalStateException: No current assignment for partition t-5"
    );
}

/// A commit naming a topic the cluster does not have: the coordinator answers
/// UNKNOWN_TOPIC_OR_PARTITION and stores nothing; `commitSync()` retries it after
/// retry.backoff.ms until default.api.timeout.ms, then throws TimeoutException.
#[test]
fn commit_sync_for_an_unknown_topic_retries_then_times_out() {
    let mut world = reader(76, 1);
    world
        .apply(Command::CommitSyncOffsets {
            consumer: "c1".to_owned(),
            offsets: commit(&[(tp("ghost", 0), 3, "")]),
        })
        .expect("sent");
    run_ms(&mut world, 30_000);
    let last = |world: &World| {
        let (c, _) = world
            .consumers()
            .find(|(c, _)| c.name() == "c1")
            .expect("exists");
        c.history().last().expect("exists").clone()
    };
    assert_eq!(last(&world).outcome, Outcome::Pending, "still retrying");
    run_ms(&mut world, 31_000);
    let op = last(&world);
    assert_eq!(
        op.outcome,
        Outcome::Exception {
            message: "TimeoutException: Timeout of 60000ms expired before successfully committing offsets {ghost-0=OffsetAndMetadata{offset=3, leaderEpoch=null, metadata=''}}".to_owned()
        }
    );
    let took = op.completed_at.expect("exists") - op.invoked_at;
    assert!(
        took.as_millis() <= 60_000 && took.as_millis() >= 59_000,
        "{took:?}"
    );
    assert_eq!(stored(&world, "g"), [], "nothing stored");
}

/// A `position()` that cannot be answered (a seekToEnd not resolved while the application is
/// stalled) gives up exactly at `default.api.timeout.ms`, not at some later wakeup.
#[test]
fn an_unanswerable_position_times_out_at_default_api_timeout_ms() {
    let mut world = reader(75, 1);
    let t0 = tp("t", 0);
    let consumer = || "c1".to_owned();
    world
        .apply(Command::StallConsumer {
            consumer: consumer(),
        })
        .expect("stalled");
    world
        .apply(Command::SeekToEnd {
            consumer: consumer(),
            partitions: vec![t0.clone()],
        })
        .expect("seekToEnd");
    let asked = world.now();
    world
        .apply(Command::Position {
            consumer: consumer(),
            tp: t0,
        })
        .expect("position()");
    run_ms(&mut world, 70_000);
    let answered = world
        .events()
        .iter()
        .find(|e| {
            matches!(&e.kind, EventKind::ConsumerAnswered { consumer: c, answer, .. }
                if c == "c1" && answer.contains("TimeoutException"))
        })
        .map(|e| e.at)
        .expect("a TimeoutException");
    assert_eq!(
        answered.as_millis() - asked.as_millis(),
        60_000,
        "{:?}",
        answers(&world, "c1")
    );
}

/// Metadata longer than the broker's `offset.metadata.max.bytes` (4096) is refused for its
/// partition with OFFSET_METADATA_TOO_LARGE, and the commit fails; the other partition of the
/// request is stored, as GroupMetadataManager does.
#[test]
fn metadata_past_offset_metadata_max_bytes_is_refused() {
    let mut world = reader(77, 2);
    let (t0, t1) = (tp("t", 0), tp("t", 1));
    let long = "m".repeat(4097);
    world
        .apply(Command::CommitSyncOffsets {
            consumer: "c1".to_owned(),
            offsets: commit(&[(t0.clone(), 3, &long), (t1.clone(), 4, "fits")]),
        })
        .expect("sent");
    run_ms(&mut world, 1_000);
    let (c, _) = world
        .consumers()
        .find(|(c, _)| c.name() == "c1")
        .expect("exists");
    let op = c.history().last().expect("a commit");
    assert!(
        format!("{:?}", op.outcome).contains("OffsetMetadataTooLarge"),
        "{op:?}"
    );
    assert_eq!(stored(&world, "g"), [(t1, 4, Some("fits".to_owned()))]);
}

/// Topic `t` (one partition) with three plain records (0-2) and a transaction of two records
/// (3-4) left open by producer `p`: the high watermark is 5, the last stable offset 3.
fn open_transaction(seed: u64) -> World {
    use kafka_sim::client::TxnAction;
    let mut world = cluster(seed);
    create_topic(&mut world, "t", 1, 3, &[]);
    add_client(&mut world, "loader");
    for i in 0..3 {
        produce(&mut world, "loader", "t", 0, &format!("plain-{i}"), -1);
    }
    add_producer(&mut world, "p", &[("transactional.id", "tx")]);
    txn(&mut world, "p", TxnAction::Init);
    run_ms(&mut world, 3_000);
    txn(&mut world, "p", TxnAction::Begin);
    send(&mut world, "p", "t", None, "open-1");
    send(&mut world, "p", "t", None, "open-2");
    run_ms(&mut world, 2_000);
    let t0 = tp("t", 0);
    let leader = leader(&world, "t", 0).expect("a leader");
    assert_eq!(high_watermark(&world, leader, "t", 0), 5);
    let log = world.leader_log(&t0).expect("a leader");
    assert_eq!(
        log.records().len(),
        5,
        "the open transaction's records are written"
    );
    world
}

#[test]
fn the_latest_offset_of_a_read_committed_consumer_is_the_last_stable_offset() {
    let mut world = open_transaction(75);
    let t0 = tp("t", 0);
    // auto.offset.reset=latest: ListOffsets carries the isolation level, and the leader
    // answers the last stable offset to READ_COMMITTED, the high watermark otherwise.
    for (name, isolation) in [("rc", "read_committed"), ("ru", "read_uncommitted")] {
        add_consumer(
            &mut world,
            name,
            name,
            &["t"],
            &[
                ("auto.offset.reset", "latest"),
                ("enable.auto.commit", "false"),
                ("isolation.level", isolation),
            ],
        );
    }
    run_ms(&mut world, 8_000);
    assert_eq!(position(&world, "rc", &t0), Some(3), "the LSO");
    assert_eq!(position(&world, "ru", &t0), Some(5), "the high watermark");

    // seekToEnd after reading from the start: the same ends.
    for name in ["rc", "ru"] {
        seek(&mut world, name, &t0, 0);
        run_ms(&mut world, 1_000);
        world
            .apply(Command::SeekToEnd {
                consumer: name.to_owned(),
                partitions: Vec::new(),
            })
            .expect("owned");
    }
    run_ms(&mut world, 1_000);
    assert_eq!(position(&world, "rc", &t0), Some(3));
    assert_eq!(position(&world, "ru", &t0), Some(5));

    // offsetsForTimes finds no record past the last fetchable offset: for read_committed the
    // open transaction's records are not there yet.
    let log = world.leader_log(&t0).expect("a leader");
    let open_at = log.records()[3].data.timestamp_ms;
    for name in ["rc", "ru"] {
        world
            .apply(Command::OffsetsForTimes {
                consumer: name.to_owned(),
                tp: t0.clone(),
                timestamp_ms: open_at as i64,
            })
            .expect("a valid time");
    }
    run_ms(&mut world, 1_000);
    assert_eq!(
        answers(&world, "rc"),
        [(
            format!("offsetsForTimes({{t-0={open_at}}})"),
            "{t-0=null}".to_owned()
        )]
    );
    assert_eq!(
        answers(&world, "ru"),
        [(
            format!("offsetsForTimes({{t-0={open_at}}})"),
            format!("{{t-0=(timestamp={open_at}, leaderEpoch=null, offset=3)}}")
        )]
    );

    // The transaction commits: the LSO moves past its marker and rc reads on.
    txn(&mut world, "p", kafka_sim::client::TxnAction::Commit);
    run_ms(&mut world, 3_000);
    assert_eq!(position(&world, "rc", &t0), Some(6));
    let read: Vec<String> = processed(&world, "rc")
        .into_iter()
        .map(|(_, _, v)| v)
        .collect();
    assert_eq!(read, ["plain-0", "plain-1", "plain-2", "open-1", "open-2"]);
}

/// `position()` under `auto.offset.reset=none`: with no committed offset it throws
/// NoOffsetForPartitionException as soon as the committed offsets are known (as `poll()`
/// does), instead of waiting out `default.api.timeout.ms`; after an out-of-range fetch it
/// answers the position the consumer kept, as Java's does.
#[test]
fn position_without_a_committed_offset_or_reset_policy_throws_at_once() {
    let mut world = one_partition(
        78,
        3,
        &[
            ("auto.offset.reset", "none"),
            ("enable.auto.commit", "false"),
        ],
    );
    run_ms(&mut world, 8_000);
    let t0 = tp("t", 0);
    let asked = world.now();
    world
        .apply(Command::Position {
            consumer: "c1".to_owned(),
            tp: t0.clone(),
        })
        .expect("owned");
    let no_offset = "NoOffsetForPartitionException: Undefined offset with no reset policy for partitions: [t-0]";
    assert_eq!(
        answers(&world, "c1"),
        [("position(t-0)".to_owned(), no_offset.to_owned())],
        "answered at once, not after default.api.timeout.ms"
    );
    assert_eq!(world.now(), asked);
    let polled: Vec<String> = world
        .consumers()
        .find(|(c, _)| c.name() == "c1")
        .map(|(c, _)| {
            c.history()
                .iter()
                .filter_map(|op| match &op.outcome {
                    Outcome::Exception { message } => Some(message.clone()),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    assert!(
        !polled.is_empty() && polled.iter().all(|m| m == no_offset),
        "poll() threw it too: {polled:?}"
    );

    // A position past the log end: the fetch is out of range, poll() throws
    // OffsetOutOfRangeException, and position() answers the kept position.
    seek(&mut world, "c1", &t0, 100);
    run_ms(&mut world, 2_000);
    world
        .apply(Command::Position {
            consumer: "c1".to_owned(),
            tp: t0.clone(),
        })
        .expect("owned");
    assert_eq!(
        answers(&world, "c1").last(),
        Some(&("position(t-0)".to_owned(), "100".to_owned()))
    );
    assert_eq!(position(&world, "c1", &t0), Some(100));
}

/// A fetch answered OFFSET_OUT_OF_RANGE after the application has sought elsewhere says
/// nothing about the new position: it is discarded (Java's FetchCollector, "Discarding stale
/// fetch response"), so the reset policy does not undo the seek.
#[test]
fn a_stale_out_of_range_answer_does_not_undo_a_seek() {
    let mut world = reader(79, 1);
    world.record_trace_lines();
    let t0 = tp("t", 0);
    assert_eq!(processed(&world, "c1").len(), 5);
    seek(&mut world, "c1", &t0, 100);
    // Until the leader has taken the fetch of offset 100, then seek back before its answer
    // (out of range) reaches the consumer.
    let fetched_100 = |world: &World| {
        let lines = world.trace().lines().expect("trace lines recorded");
        lines.iter().any(|l| l.contains("fetch_offset: 100"))
    };
    while !fetched_100(&world) {
        assert!(world.step(), "the fetch of offset 100 is sent");
        assert!(
            world.now().as_millis() < 60_000,
            "the fetch of 100 within a minute"
        );
    }
    seek(&mut world, "c1", &t0, 2);
    run_ms(&mut world, 3_000);
    let read: Vec<u64> = processed(&world, "c1")
        .into_iter()
        .skip(5)
        .map(|(_, offset, _)| offset)
        .collect();
    assert_eq!(
        read,
        [2, 3, 4],
        "read from the seek, not reset to the earliest offset"
    );
    assert_eq!(position(&world, "c1", &t0), Some(5));
}

/// `commitSync()` that cannot reach a coordinator (the consumer's links to every broker cut:
/// the OffsetCommit times out, FindCoordinator finds none) gives up at
/// `default.api.timeout.ms` after the call with TimeoutException, as
/// `ConsumerCoordinator.commitOffsetsSync` does, instead of waiting for a coordinator forever.
#[test]
fn commit_sync_without_a_coordinator_times_out_at_default_api_timeout_ms() {
    let mut world = reader(80, 1);
    for broker in 1..=3 {
        client_link(&mut world, "c1", broker, true);
    }
    world
        .apply(Command::CommitSync {
            consumer: "c1".to_owned(),
        })
        .expect("sent");
    run_ms(&mut world, 70_000);
    let op = last_sync_commit(&world, "c1");
    assert_eq!(
        op.outcome,
        Outcome::Exception {
            message: "TimeoutException: Timeout of 60000ms expired before successfully committing offsets {t-0=OffsetAndMetadata{offset=5, leaderEpoch=null, metadata=''}}".to_owned()
        }
    );
    let took = op.completed_at.expect("completed") - op.invoked_at;
    assert_eq!(took.as_millis(), 60_000);
}

/// A `commitSync()` whose OffsetCommit is out when `default.api.timeout.ms` passes throws
/// TimeoutException then, not at the request's own timeout: `ConsumerCoordinator
/// .commitOffsetsSync` polls the request's future only until its timer expires. The answer
/// that comes later is ignored by the caller (the call stays as it ended), but the
/// coordinator, frozen with the request in hand, stored the offsets when it woke.
#[test]
fn commit_sync_in_flight_at_its_deadline_throws_and_the_late_answer_is_ignored() {
    let mut world = one_partition(
        82,
        5,
        &[
            ("auto.offset.reset", "earliest"),
            ("enable.auto.commit", "false"),
            ("default.api.timeout.ms", "3000"),
            ("request.timeout.ms", "30000"),
        ],
    );
    run_ms(&mut world, 8_000);
    let coordinator = group_coordinator(&world, "g");
    world
        .apply(Command::PauseBroker {
            broker: coordinator,
        })
        .expect("running coordinator");
    world
        .apply(Command::CommitSync {
            consumer: "c1".to_owned(),
        })
        .expect("sent");
    run_ms(&mut world, 4_000);
    let timed_out = Outcome::Exception {
        message: "TimeoutException: Timeout of 3000ms expired before successfully committing offsets {t-0=OffsetAndMetadata{offset=5, leaderEpoch=null, metadata=''}}".to_owned(),
    };
    let op = last_sync_commit(&world, "c1");
    assert_eq!(op.outcome, timed_out);
    assert_eq!(
        (op.completed_at.expect("completed") - op.invoked_at).as_millis(),
        3_000
    );
    assert_eq!(
        stored(&world, "g"),
        [],
        "the frozen coordinator has stored nothing"
    );
    world
        .apply(Command::ResumeBroker {
            broker: coordinator,
        })
        .expect("paused coordinator");
    run_ms(&mut world, 3_000);
    assert_eq!(
        stored(&world, "g"),
        [(tp("t", 0), 5, None)],
        "the coordinator stored the commit when it woke"
    );
    let op = last_sync_commit(&world, "c1");
    assert_eq!(op.outcome, timed_out, "the late answer changed nothing");
}

/// `poll()` under `auto.offset.reset=none` with nothing committed throws
/// NoOffsetForPartitionException in every call that finds the partition without a position
/// (`updateFetchPositions` at the start of each `poll()`), once per call, never twice in one;
/// a seek gives it a position and the exceptions stop.
#[test]
fn no_offset_for_partition_is_thrown_once_per_poll_that_finds_it() {
    let mut world = one_partition(
        84,
        3,
        &[
            ("auto.offset.reset", "none"),
            ("enable.auto.commit", "false"),
            ("app.poll.timeout.ms", "1000"),
        ],
    );
    let thrown = |world: &World| -> Vec<u64> {
        let (c, _) = world
            .consumers()
            .find(|(c, _)| c.name() == "c1")
            .expect("c1");
        c.history()
            .iter()
            .filter(|op| {
                matches!(&op.outcome, Outcome::Exception { message }
                    if message == "NoOffsetForPartitionException: Undefined offset with no reset policy for partitions: [t-0]")
            })
            .map(|op| op.invoked_at.as_millis())
            .collect()
    };
    run_ms(&mut world, 8_000);
    let first = thrown(&world);
    assert!(
        !first.is_empty(),
        "thrown once the group has no offset for t-0"
    );
    run_ms(&mut world, 5_000);
    let later = thrown(&world);
    let new = later.len() - first.len();
    assert!(
        (4..=6).contains(&new),
        "one per poll(1000 ms) in 5 s, got {new}: {later:?}"
    );
    // The first is thrown when the OffsetFetch answer comes, within a poll; each later one
    // at the start of the next poll, a poll timeout apart: never twice within one poll.
    assert!(
        later[0] < later[1] && later[1..].windows(2).all(|w| w[1] - w[0] == 1_000),
        "{later:?}"
    );
    seek(&mut world, "c1", &tp("t", 0), 0);
    run_ms(&mut world, 3_000);
    assert_eq!(thrown(&world), later, "a position stops them");
}

/// Kafka 4's group coordinator runs an OffsetFetch asking for stable offsets
/// (`require_stable`, which Kafka's consumers always send, whatever their isolation level) as a
/// write of no records: it answers once the offsets written before it are replicated, and with
/// them, never with the offset the commit on its way replaces. Method: the followers fetch
/// late, so a commit takes a while to replicate; `committed()` is asked right after it.
#[test]
fn committed_waits_for_a_commit_being_replicated_whatever_the_isolation_level() {
    for isolation in ["read_uncommitted", "read_committed"] {
        let mut world = reader_configured(83, 1, &[("isolation.level", isolation)]);
        let coordinator = group_coordinator(&world, "g");
        for broker in (1..=3).filter(|b| *b != coordinator) {
            slow_follower(&mut world, broker, 1_500);
        }
        let t0 = tp("t", 0);
        world
            .apply(Command::CommitAsyncOffsets {
                consumer: "c1".to_owned(),
                offsets: commit(&[(t0.clone(), 3, "")]),
            })
            .expect("a commit");
        world
            .apply(Command::Committed {
                consumer: "c1".to_owned(),
                partitions: vec![t0.clone()],
            })
            .expect("a group consumer");
        run_ms(&mut world, 500);
        assert_eq!(stored(&world, "g"), [], "{isolation}: still replicating");
        assert_eq!(
            answers(&world, "c1"),
            [],
            "{isolation}: waits for the commit"
        );
        run_ms(&mut world, 5_000);
        assert_eq!(stored(&world, "g"), [(t0, 3, None)], "{isolation}");
        assert_eq!(
            answers(&world, "c1"),
            [(
                "committed([t-0])".to_owned(),
                "{t-0=OffsetAndMetadata{offset=3, leaderEpoch=null, metadata=''}}".to_owned()
            )],
            "{isolation}"
        );
    }
}
