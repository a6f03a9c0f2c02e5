//! Goal: an application that commits what it processed (`commitSync` / `commitAsync` of a
//! `Map<TopicPartition, OffsetAndMetadata>` with each partition's last processed offset + 1,
//! as a careful Java application does) gets at-least-once: its commits are stored with their
//! metadata, and once the group has moved on without it (paused past its session) its commit
//! is refused as `ConsumerCoordinator`'s `OffsetCommitResponseHandler` reports
//! UNKNOWN_MEMBER_ID / ILLEGAL_GENERATION, never accepted, and the batch is redelivered to the
//! partition's new owner. The checker keeps its commit rules on for such runs, and a commit by
//! hand excuses only the partitions it named. Method: run the application modes, pause at
//! the moment that matters, then read the histories, the group's offsets and the checker.

use crate::common;

use common::*;
use kafka_sim::TopicPartition;
use kafka_sim::check::{Anomaly, check};
use kafka_sim::consumer::AppState;
use kafka_sim::{Command, Outcome, Request, World};

fn consumer_history(world: &World, name: &str) -> Vec<kafka_sim::client::Operation> {
    world
        .consumers()
        .find(|(c, _)| c.name() == name)
        .map(|(c, _)| c.history().iter().cloned().collect())
        .expect("the consumer")
}

/// The group's stored (offset, metadata) of a partition.
fn stored(world: &World, group: &str, tp: &TopicPartition) -> Option<(u64, String)> {
    let (_, group) = world.groups().into_iter().find(|(_, g)| g.id == group)?;
    let offset = *group.offsets.get(tp)?;
    Some((offset, group.metadata.get(tp).cloned().unwrap_or_default()))
}

/// Runs 50 ms at a time until `done`, at most 30 s.
fn run_until(world: &mut World, what: &str, done: impl Fn(&World) -> bool) {
    let mut waited = 0;
    while !done(world) {
        run_ms(world, 50);
        waited += 50;
        assert!(waited < 30_000, "never: {what}");
    }
}

fn produce_values(world: &mut World, topic: &str, count: usize) {
    add_producer(world, "p", &[("linger.ms", "0")]);
    for n in 0..count {
        send(world, "p", topic, None, &format!("v{n}"));
    }
    run_ms(world, 3_000);
}

/// `app.commit=explicit`: after each batch, commitSync of processed offset + 1 with metadata.
/// Each commit names exactly the next offset after the last record of the batch it follows,
/// and the group ends holding the end of the log with the application's metadata.
#[test]
fn an_application_commits_the_offsets_it_processed_with_metadata() {
    for (mode, kind) in [("explicit", "sync"), ("explicit-async", "async")] {
        let mut world = cluster(41);
        create_topic(&mut world, "t", 1, 3, &[]);
        produce_values(&mut world, "t", 120);
        let configs = [
            ("enable.auto.commit", "false"),
            ("auto.offset.reset", "earliest"),
            ("max.poll.records", "25"),
            ("app.commit", mode),
        ];
        add_consumer(&mut world, "a", "g", &["t"], &configs);
        run_ms(&mut world, 20_000);
        let tp = TopicPartition::new("t", 0);
        let history = consumer_history(&world, "a");
        let mut last_processed = None;
        let mut commits = 0;
        for op in &history {
            match (&op.request, &op.outcome) {
                (Request::Poll { .. }, outcome) => {
                    if let Some(r) = outcome.processed_records().last() {
                        last_processed = Some(r.offset);
                    }
                }
                (
                    Request::Commit {
                        offsets,
                        kind: k,
                        explicit,
                        metadata,
                        ..
                    },
                    outcome,
                ) => {
                    commits += 1;
                    assert!(*explicit && k == kind, "{mode}: {op:?}");
                    let next = last_processed.expect("a commit follows a processed batch") + 1;
                    assert_eq!(offsets, &[(tp.clone(), next)], "{mode}: {op:?}");
                    assert_eq!(metadata, &[(tp.clone(), "processed by a".to_owned())]);
                    assert_eq!(outcome, &Outcome::Committed, "{mode}: {op:?}");
                }
                _ => {}
            }
        }
        assert!(
            commits >= 5,
            "{mode}: 120 records in batches of 25: {history:#?}"
        );
        assert_eq!(
            stored(&world, "g", &tp),
            Some((120, "processed by a".to_owned())),
            "{mode}"
        );
        let anomalies = check(&world);
        assert!(anomalies.is_empty(), "{mode}: {anomalies:?}");
    }
}

/// A consumer whose whole process freezes mid-batch (heartbeats included) past
/// `session.timeout.ms` is removed; its partition goes to the other member, which processes
/// and commits it. Woken, the application finishes its batch and commits processed + 1 with
/// its old member id and generation: the coordinator refuses it (UNKNOWN_MEMBER_ID or
/// ILLEGAL_GENERATION; `ClassicGroup.validateOffsetCommit`), the application gets a
/// CommitFailedException, and the new owner's offset stands. The batch is processed twice
/// (redelivery, which at-least-once allows), nothing is lost.
#[test]
fn a_paused_application_that_wakes_mid_batch_has_its_commit_refused() {
    let mut world = cluster(43);
    world.record_trace_lines();
    create_topic(&mut world, "t", 1, 3, &[]);
    produce_values(&mut world, "t", 200);
    let configs = [
        ("enable.auto.commit", "false"),
        ("auto.offset.reset", "earliest"),
        ("max.poll.records", "50"),
        ("app.processing.ms", "100"),
        ("session.timeout.ms", "10000"),
        ("heartbeat.interval.ms", "3000"),
        ("app.commit", "explicit"),
    ];
    add_consumer(&mut world, "a", "g", &["t"], &configs);
    // a alone owns t-0; b joins later and idles until it gets it.
    run_ms(&mut world, 8_000);
    add_consumer(&mut world, "b", "g", &["t"], &configs);
    let a_processing = |world: &World| {
        world
            .consumers()
            .find(|(c, _)| c.name() == "a")
            .is_some_and(|(c, _)| matches!(c.app(), AppState::Processing { .. }))
    };
    run_until(&mut world, "a processing t-0 with b in the group", |w| {
        a_processing(w) && owned(w, "a").len() == 1
    });
    world
        .apply(Command::PauseClient {
            name: "a".to_owned(),
        })
        .expect("running a");
    run_ms(&mut world, 40_000);
    let tp = TopicPartition::new("t", 0);
    assert_eq!(
        owned(&world, "b"),
        vec![tp.clone()],
        "b took a's partition over"
    );
    let (b_offset, b_note) = stored(&world, "g", &tp).expect("b committed");
    assert_eq!(b_note, "processed by b");
    world
        .apply(Command::ResumeClient {
            name: "a".to_owned(),
        })
        .expect("paused a");
    run_ms(&mut world, 30_000);
    let refused: Vec<kafka_sim::client::Operation> = consumer_history(&world, "a")
        .into_iter()
        .filter(|op| matches!(op.request, Request::Commit { .. }))
        .filter(|op| matches!(&op.outcome, Outcome::Exception { message } if message.starts_with("CommitFailedException")))
        .collect();
    assert_eq!(refused.len(), 1, "a's commit after waking is refused");
    let lines = world.trace().lines().expect("trace lines recorded");
    assert!(
        lines.iter().any(|l| l.contains("OffsetCommitResponse")
            && (l.contains("UnknownMemberId") || l.contains("IllegalGeneration"))),
        "the coordinator's answer names Kafka's error"
    );
    let (offset, _) = stored(&world, "g", &tp).expect("offsets");
    assert!(
        offset >= b_offset,
        "the zombie's commit did not move the group back"
    );
    assert_eq!(offset, 200, "the group finished the log");
    let anomalies = check(&world);
    assert!(
        anomalies.iter().all(|v| v.anomaly == Anomaly::Redelivered),
        "{anomalies:?}"
    );
    assert!(
        anomalies.iter().any(|v| v.anomaly == Anomaly::Redelivered),
        "a's batch was processed again by b"
    );
}

/// A commit by hand (a scenario's `commit_sync_offsets`) may put its partitions anywhere, so
/// the checker excuses those partitions; it used to switch its commit rules off for the whole
/// run, hiding an at-most-once loss in another group.
#[test]
fn a_commit_by_hand_no_longer_hides_another_groups_loss() {
    let mut world = cluster(47);
    create_topic(&mut world, "t", 1, 3, &[]);
    create_topic(&mut world, "u", 1, 3, &[]);
    produce_values(&mut world, "t", 100);
    let at_most_once = [
        ("enable.auto.commit", "false"),
        ("auto.offset.reset", "earliest"),
        ("max.poll.records", "50"),
        ("app.processing.ms", "100"),
        ("app.commit", "before-processing"),
    ];
    add_consumer(&mut world, "a", "g", &["t"], &at_most_once);
    add_consumer(
        &mut world,
        "h",
        "hand",
        &["u"],
        &[("enable.auto.commit", "false")],
    );
    run_ms(&mut world, 10_000);
    world
        .apply(Command::CommitSyncOffsets {
            consumer: "h".to_owned(),
            offsets: vec![kafka_sim::CommitOffset {
                tp: TopicPartition::new("u", 0),
                offset: 0,
                metadata: String::new(),
            }],
        })
        .expect("h owns u-0");
    // a committed its first batch before processing it; it dies halfway through.
    run_until(&mut world, "a's first commit", |w| {
        consumer_history(w, "a")
            .iter()
            .any(|op| op.outcome == Outcome::Committed)
    });
    run_ms(&mut world, 1_000);
    crash_client(&mut world, "a");
    run_ms(&mut world, 5_000);
    let anomalies = check(&world);
    assert!(
        anomalies.iter().any(|v| v.anomaly == Anomaly::ConsumerLoss),
        "{anomalies:?}"
    );
}
